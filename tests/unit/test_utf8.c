/*
 * Unit tests for api/utf8.h: one table of byte strings with the verdict
 * and the position of the first fault, covering every row of the Unicode
 * Standard's well-formed sequences table, its edges, overlong forms,
 * surrogates, code points past U+10FFFF and truncation.
 */
#include "api/utf8.h"

#include <check.h>
#include <string.h>

struct utf8_case {
    const char *name;
    const char *bytes;
    size_t n;                 /* 0: strlen(bytes) */
    enum utf8_fault fault;
    size_t offset;
    unsigned char byte;
};

#define OK(name, z) {name, z, 0, UTF8_OK, 0, 0}
#define BAD(name, z, f, at, b) {name, z, 0, f, at, b}

static const struct utf8_case cases[] = {
    OK("empty", ""),
    OK("ascii", "{\"S\":\"plain\"}"),
    OK("2-byte min U+0080", "\xC2\x80"),
    OK("2-byte max U+07FF", "\xDF\xBF"),
    OK("3-byte min U+0800", "\xE0\xA0\x80"),
    OK("CJK U+4E2D", "\xE4\xB8\xAD\xE6\x96\x87"),
    OK("last before surrogates U+D7FF", "\xED\x9F\xBF"),
    OK("first after surrogates U+E000", "\xEE\x80\x80"),
    OK("U+FFFF", "\xEF\xBF\xBF"),
    OK("4-byte min U+10000", "\xF0\x90\x80\x80"),
    OK("emoji U+1F600", "\xF0\x9F\x98\x80"),
    OK("max U+10FFFF", "\xF4\x8F\xBF\xBF"),
    OK("mixed", "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x8D\x95z"),
    BAD("lone continuation", "ab\x80", UTF8_BAD_START, 2, 0x80),
    BAD("continuation BF", "\xBF", UTF8_BAD_START, 0, 0xBF),
    BAD("ff fe (the issue's bytes)", "bad\xFF\xFE", UTF8_BAD_START, 3, 0xFF),
    BAD("overlong 2-byte C0 80 (NUL)", "\xC0\x80", UTF8_BAD_START, 0, 0xC0),
    BAD("overlong 2-byte C1 BF", "\xC1\xBF", UTF8_BAD_START, 0, 0xC1),
    BAD("overlong 3-byte E0 80 80", "\xE0\x80\x80", UTF8_BAD_MIDDLE, 1, 0x80),
    BAD("overlong 3-byte E0 9F BF", "\xE0\x9F\xBF", UTF8_BAD_MIDDLE, 1, 0x9F),
    BAD("overlong 4-byte F0 80 80 80", "\xF0\x80\x80\x80", UTF8_BAD_MIDDLE, 1, 0x80),
    BAD("overlong 4-byte F0 8F BF BF", "\xF0\x8F\xBF\xBF", UTF8_BAD_MIDDLE, 1, 0x8F),
    BAD("surrogate U+D800 encoded", "\xED\xA0\x80", UTF8_BAD_MIDDLE, 1, 0xA0),
    BAD("surrogate U+DC80 encoded", "x\xED\xB2\x80", UTF8_BAD_MIDDLE, 2, 0xB2),
    BAD("past U+10FFFF: F4 90", "\xF4\x90\x80\x80", UTF8_BAD_MIDDLE, 1, 0x90),
    BAD("past U+10FFFF: F5", "\xF5\x80\x80\x80", UTF8_BAD_START, 0, 0xF5),
    BAD("5-byte lead F8", "\xF8\x88\x80\x80\x80", UTF8_BAD_START, 0, 0xF8),
    BAD("FE", "\xFE", UTF8_BAD_START, 0, 0xFE),
    BAD("bad second byte", "\xC3\x28", UTF8_BAD_MIDDLE, 1, 0x28),
    BAD("bad third byte", "\xE2\x82\x28", UTF8_BAD_MIDDLE, 2, 0x28),
    BAD("bad fourth byte", "\xF0\x9F\x98\x22", UTF8_BAD_MIDDLE, 3, 0x22),
    BAD("truncated 2-byte", "ab\xC3", UTF8_TRUNCATED, 3, 0),
    BAD("truncated 4-byte", "\xF0\x9F\x98", UTF8_TRUNCATED, 3, 0),
    BAD("fault after valid text", "\xE4\xB8\xAD\x80", UTF8_BAD_START, 3, 0x80),
};

START_TEST(utf8_table) {
    const struct utf8_case *c = &cases[_i];
    size_t n = c->n ? c->n : strlen(c->bytes);
    struct utf8_error e;
    int rc = utf8_check(c->bytes, n, &e);
    ck_assert_msg(rc == (c->fault == UTF8_OK ? 0 : -1), "%s: rc %d", c->name, rc);
    ck_assert_msg(e.fault == c->fault, "%s: fault %d, want %d", c->name, e.fault, c->fault);
    if (c->fault != UTF8_OK) {
        ck_assert_msg(e.offset == c->offset, "%s: offset %zu, want %zu", c->name, e.offset, c->offset);
        ck_assert_msg(e.byte == c->byte, "%s: byte %02x, want %02x", c->name, e.byte, c->byte);
    }
    /* A NULL error pointer is allowed. */
    ck_assert_int_eq(utf8_check(c->bytes, n, NULL), rc);
}
END_TEST

/* An embedded NUL is a code point like any other (json_body refuses it). */
START_TEST(utf8_nul_is_valid) {
    ck_assert_int_eq(utf8_check("a\0b", 3, NULL), 0);
}
END_TEST

START_TEST(utf8_messages) {
    char buf[96];
    struct utf8_error e = {UTF8_BAD_START, 3, 0xFF};
    utf8_describe(&e, buf, sizeof(buf));
    ck_assert_str_eq(buf, "Invalid UTF-8 start byte 0xff");
    e.fault = UTF8_BAD_MIDDLE;
    e.byte = 0x28;
    utf8_describe(&e, buf, sizeof(buf));
    ck_assert_str_eq(buf, "Invalid UTF-8 middle byte 0x28");
    e.fault = UTF8_TRUNCATED;
    utf8_describe(&e, buf, sizeof(buf));
    ck_assert_str_eq(buf, "Unexpected end-of-input in a UTF-8 sequence");
}
END_TEST

static Suite *utf8_suite(void) {
    Suite *s = suite_create("utf8");
    TCase *tc = tcase_create("check");
    tcase_add_loop_test(tc, utf8_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, utf8_nul_is_valid);
    suite_add_tcase(s, tc);
    tc = tcase_create("describe");
    tcase_add_test(tc, utf8_messages);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(utf8_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
