/*
 * Unit tests for base/util.h: base64 both ways, percent-decoding of
 * path segments, Lambda's and ISO-8601 timestamps, uuids, and the
 * aborting allocation and string helpers.
 */
#include "base/util.h"

#include <check.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- base64 ---- */

/* Decodes Z (whole string) and checks it gives exactly the N bytes WANT. */
#define EXPECT_B64(z, want, n) expect_b64(__LINE__, (z), (want), (n))

static void expect_b64(int line, const char *z, const void *want, size_t nwant) {
    size_t n = 12345;
    unsigned char *out = util_b64_decode(z, strlen(z), &n);
    ck_assert_msg(out != NULL, "line %d: decode('%s') failed", line, z);
    ck_assert_msg(n == nwant, "line %d: decode('%s') gave %zu bytes, want %zu", line, z, n, nwant);
    ck_assert_msg(memcmp(out, want, n) == 0, "line %d: decode('%s') bytes differ", line, z);
    free(out);
}

#define EXPECT_B64_BAD(z, nz) expect_b64_bad(__LINE__, (z), (nz))

static void expect_b64_bad(int line, const char *z, size_t nz) {
    size_t n = 0;
    unsigned char *out = util_b64_decode(z, nz, &n);
    ck_assert_msg(out == NULL, "line %d: decode('%.*s') accepted (%zu bytes)", line, (int)nz, z,
                  n);
}

START_TEST(b64_encode_vectors) {
    /* RFC 4648 section 10. */
    static const struct {
        const char *in, *out;
    } v[] = {
        {"", ""},
        {"f", "Zg=="},
        {"fo", "Zm8="},
        {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="},
        {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char *e = util_b64_encode(v[i].in, strlen(v[i].in));
        ck_assert_str_eq(e, v[i].out);
        free(e);
    }
    /* Bytes that use the last two alphabet characters and NUL. */
    static const unsigned char bin[] = {0x00, 0xff, 0xfe, 0xfb, 0xef, 0x00};
    char *e = util_b64_encode(bin, sizeof(bin));
    ck_assert_str_eq(e, "AP/+++8A");
    free(e);
}
END_TEST

START_TEST(b64_decode_vectors) {
    EXPECT_B64("", "", 0);
    EXPECT_B64("Zg==", "f", 1);
    EXPECT_B64("Zm8=", "fo", 2);
    EXPECT_B64("Zm9v", "foo", 3);
    EXPECT_B64("Zm9vYg==", "foob", 4);
    EXPECT_B64("Zm9vYmE=", "fooba", 5);
    EXPECT_B64("Zm9vYmFy", "foobar", 6);
    static const unsigned char bin[] = {0x00, 0xff, 0xfe, 0xfb, 0xef, 0x00};
    EXPECT_B64("AP/+++8A", bin, sizeof(bin));
    /* Only the first NZ bytes count. */
    size_t n = 0;
    unsigned char *out = util_b64_decode("Zm9vYmFy", 4, &n);
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(memcmp(out, "foo", 3), 0);
    free(out);
}
END_TEST

START_TEST(b64_unpadded) {
    EXPECT_B64("Zg", "f", 1);
    EXPECT_B64("Zm8", "fo", 2);
    EXPECT_B64("Zm9vYg", "foob", 4);
    EXPECT_B64("Zm9vYmE", "fooba", 5);
}
END_TEST

START_TEST(b64_round_trip_short) {
    /* Every length 0..5 with bytes covering the whole 6-bit alphabet. */
    unsigned char data[5];
    for (size_t len = 0; len <= 5; len++) {
        for (unsigned seed = 0; seed < 256; seed++) {
            for (size_t i = 0; i < len; i++) data[i] = (unsigned char)(seed * 31 + i * 97);
            char *e = util_b64_encode(data, len);
            ck_assert_uint_eq(strlen(e), (len + 2) / 3 * 4);
            size_t n = 999;
            unsigned char *d = util_b64_decode(e, strlen(e), &n);
            ck_assert_ptr_nonnull(d);
            ck_assert_uint_eq(n, len);
            ck_assert_int_eq(memcmp(d, data, len), 0);
            free(d);
            free(e);
        }
    }
}
END_TEST

START_TEST(b64_round_trip_all_bytes) {
    unsigned char data[256];
    for (int i = 0; i < 256; i++) data[i] = (unsigned char)i;
    char *e = util_b64_encode(data, sizeof(data));
    ck_assert_uint_eq(strlen(e), 344);
    ck_assert_int_eq(strncmp(e, "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8g", 44), 0);
    ck_assert_str_eq(e + 340, "/w==");
    size_t n = 0;
    unsigned char *d = util_b64_decode(e, strlen(e), &n);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(n, 256);
    ck_assert_int_eq(memcmp(d, data, 256), 0);
    free(d);
    free(e);
}
END_TEST

START_TEST(b64_invalid) {
    EXPECT_B64_BAD("Z", 1);          /* one char cannot make a byte */
    EXPECT_B64_BAD("Zm9vY", 5);
    EXPECT_B64_BAD("Z===", 4);
    EXPECT_B64_BAD("Zm9v!", 5);
    EXPECT_B64_BAD("Zm9-", 4);       /* URL-safe alphabet is not standard */
    EXPECT_B64_BAD("Zm9_", 4);
    EXPECT_B64_BAD("Zm 9v", 5);      /* whitespace rejected */
    EXPECT_B64_BAD(" Zm9v", 5);
    EXPECT_B64_BAD("Zm9v\n", 5);
    EXPECT_B64_BAD("Zm9v\r\nYmFy", 10);
    EXPECT_B64_BAD("Zg==Zg==", 8);   /* padding only at the end */
    EXPECT_B64_BAD("Z=g=", 4);
    EXPECT_B64_BAD("Zm\0v", 4);      /* NUL inside the given length */
    EXPECT_B64_BAD("Zm9\xc3\xa9", 5);
}
END_TEST

/* ---- percent-decoding ---- */

#define EXPECT_PCT(z, want) expect_pct(__LINE__, (z), strlen(z), (want))

static void expect_pct(int line, const char *z, size_t n, const char *want) {
    char *out = util_pct_decode(z, n);
    if (want == NULL) {
        ck_assert_msg(out == NULL, "line %d: pct('%.*s') = '%s', want NULL", line, (int)n, z,
                      out ? out : "");
        return;
    }
    ck_assert_msg(out != NULL, "line %d: pct('%.*s') = NULL, want '%s'", line, (int)n, z, want);
    ck_assert_msg(strcmp(out, want) == 0, "line %d: pct('%.*s') = '%s', want '%s'", line, (int)n,
                  z, out, want);
    free(out);
}

START_TEST(pct_decode_valid) {
    EXPECT_PCT("", "");
    EXPECT_PCT("plain-name_1", "plain-name_1");
    EXPECT_PCT("%2F", "/");
    EXPECT_PCT("%2f", "/");
    EXPECT_PCT("a%2Fb%2fc", "a/b/c");
    EXPECT_PCT("%24LATEST", "$LATEST");
    EXPECT_PCT("fn%3A%24LATEST", "fn:$LATEST");
    EXPECT_PCT("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afn",
               "arn:aws:lambda:us-east-1:123456789012:function:fn");
    EXPECT_PCT("a+b", "a+b");        /* '+' is not a space in a path */
    EXPECT_PCT("a%20b", "a b");
    EXPECT_PCT("%25", "%");
    EXPECT_PCT("%2525", "%25");      /* decoded once only */
    EXPECT_PCT("%C3%A9", "\xc3\xa9");
    EXPECT_PCT("%ff", "\xff");
    EXPECT_PCT("%01", "\x01");
}
END_TEST

/* Form encoding: as util_pct_decode, and '+' is a space. */
START_TEST(form_decode) {
    static const struct { const char *in, *want; } rows[] = {
        {"", ""}, {"a+b", "a b"}, {"a%2Bb", "a+b"}, {"+%20+", "   "},
        {"x%3D1%26y", "x=1&y"}, {"%zz", NULL}, {"a%00b", NULL}, {"%4", NULL},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *out = util_form_decode(rows[i].in, strlen(rows[i].in));
        if (rows[i].want == NULL)
            ck_assert_msg(out == NULL, "form('%s') = '%s', want NULL", rows[i].in, out ? out : "");
        else
            ck_assert_msg(out && strcmp(out, rows[i].want) == 0, "form('%s') = '%s', want '%s'",
                          rows[i].in, out ? out : "(null)", rows[i].want);
        free(out);
    }
}
END_TEST

START_TEST(pct_decode_malformed) {
    EXPECT_PCT("%z1", NULL);
    EXPECT_PCT("%1z", NULL);
    EXPECT_PCT("%G0", NULL);
    EXPECT_PCT("%4", NULL);
    EXPECT_PCT("%", NULL);
    EXPECT_PCT("abc%", NULL);
    EXPECT_PCT("abc%4", NULL);
    EXPECT_PCT("%%41", NULL);
    EXPECT_PCT("% 41", NULL);
    EXPECT_PCT("%-1", NULL);
    EXPECT_PCT("%+1", NULL);
}
END_TEST

START_TEST(pct_decode_nul_rejected) {
    EXPECT_PCT("%00", NULL);
    EXPECT_PCT("fn%00", NULL);
    EXPECT_PCT("%00x", NULL);
}
END_TEST

START_TEST(pct_decode_length) {
    /* Only the first N bytes are read, and an escape cut by N is malformed. */
    expect_pct(__LINE__, "abc%41", 3, "abc");
    expect_pct(__LINE__, "%41%42", 3, "A");
    expect_pct(__LINE__, "%41%42", 6, "AB");
    expect_pct(__LINE__, "%41", 2, NULL);
    expect_pct(__LINE__, "%41", 1, NULL);
    expect_pct(__LINE__, "x", 0, "");
}
END_TEST

/* ---- timestamps ---- */

#define EXPECT_TIME(fn, ms, want) \
    do { \
        char out_[64]; \
        memset(out_, 'x', sizeof(out_)); \
        fn((ms), out_, sizeof(out_)); \
        ck_assert_str_eq(out_, (want)); \
    } while (0)

START_TEST(lambda_time_format) {
    EXPECT_TIME(util_lambda_time, INT64_C(1574365760006), "2019-11-21T19:49:20.006+0000");
    EXPECT_TIME(util_lambda_time, INT64_C(0), "1970-01-01T00:00:00.000+0000");
    EXPECT_TIME(util_lambda_time, INT64_C(1704067200000), "2024-01-01T00:00:00.000+0000");
    EXPECT_TIME(util_lambda_time, INT64_C(951782400999), "2000-02-29T00:00:00.999+0000");
    EXPECT_TIME(util_lambda_time, INT64_C(4102444799999), "2099-12-31T23:59:59.999+0000");
    EXPECT_TIME(util_lambda_time, INT64_C(1700000000050), "2023-11-14T22:13:20.050+0000");
    /* 28 characters: fits the documented 29-byte buffer exactly. */
    char out[29];
    util_lambda_time(INT64_C(1574365760006), out, sizeof(out));
    ck_assert_str_eq(out, "2019-11-21T19:49:20.006+0000");
    ck_assert_uint_eq(strlen(out), 28);
}
END_TEST

START_TEST(lambda_time_small_buffer) {
    char out[11];
    memset(out, 'x', sizeof(out));
    util_lambda_time(INT64_C(1574365760006), out, 10);
    ck_assert_str_eq(out, "2019-11-2");
    ck_assert_int_eq(out[10], 'x');
}
END_TEST

START_TEST(iso_time_format) {
    EXPECT_TIME(util_iso_time, INT64_C(1704067200000), "2024-01-01T00:00:00.000Z");
    EXPECT_TIME(util_iso_time, INT64_C(0), "1970-01-01T00:00:00.000Z");
    EXPECT_TIME(util_iso_time, INT64_C(1574365760006), "2019-11-21T19:49:20.006Z");
    EXPECT_TIME(util_iso_time, INT64_C(951868799123), "2000-02-29T23:59:59.123Z");
    EXPECT_TIME(util_iso_time, INT64_C(1234567890987), "2009-02-13T23:31:30.987Z");
}
END_TEST

START_TEST(clocks) {
    /* The wall clock is after 2024-01-01 on any machine running this. */
    ck_assert_int_gt(util_wall_ms(), INT64_C(1704067200000));
    int64_t a = util_mono_ns();
    int64_t b = util_mono_ns();
    ck_assert_int_ge(b, a);
    ck_assert_int_gt(a, 0);
}
END_TEST

/* ---- uuid ---- */

/* Returns NULL when U is a lowercase random (version 4, RFC 4122 variant)
 * UUID, else what is wrong. Plain C, so that checking 20,000 ids costs one
 * assertion each: in Check's fork mode every assertion is a write to the
 * parent, and 36 per id made the thread test take seconds on a busy machine. */
static const char *uuid_fault(const char *u) {
    if (strlen(u) != 36) return "length";
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (u[i] != '-') return "no dash";
        } else if (!isxdigit((unsigned char)u[i]) || isupper((unsigned char)u[i])) {
            return "not lowercase hex";
        }
    }
    if (u[14] != '4') return "version nibble";
    if (strchr("89ab", u[19]) == NULL) return "variant nibble";
    return NULL;
}

static void check_uuid(const char *u) {
    const char *fault = uuid_fault(u);
    ck_assert_msg(fault == NULL, "'%s': %s", u, fault);
}

START_TEST(deadline_in) {
    struct timespec now, ts;
    clock_gettime(CLOCK_REALTIME, &now);
    util_deadline_in(&ts, 2500);
    ck_assert(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
    double d = (double)(ts.tv_sec - now.tv_sec) + (double)(ts.tv_nsec - now.tv_nsec) / 1e9;
    ck_assert_msg(d >= 2.5 && d < 2.6, "deadline %.3f s ahead", d);
    util_deadline_in(&ts, 0);
    ck_assert(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
}
END_TEST

START_TEST(uuid_format) {
    char a[37], b[37];
    memset(a, 'x', sizeof(a));
    util_uuid(a);
    check_uuid(a);
    util_uuid(b);
    check_uuid(b);
    ck_assert_str_ne(a, b);
}
END_TEST

/* Each thread has its own generator, seeded apart: ids made at once on
 * several threads (request ids, eventIDs) must still never repeat. */
#define UUID_THREADS 4
#define UUID_PER_THREAD 5000

static void *uuid_thread(void *p) {
    char (*out)[37] = p;
    for (int i = 0; i < UUID_PER_THREAD; i++) util_uuid(out[i]);
    return NULL;
}

static int cmp_uuid(const void *a, const void *b) { return strcmp(a, b); }

START_TEST(uuid_unique_across_threads) {
    static char ids[UUID_THREADS * UUID_PER_THREAD][37];
    pthread_t th[UUID_THREADS];
    for (int t = 0; t < UUID_THREADS; t++)
        ck_assert_int_eq(pthread_create(&th[t], NULL, uuid_thread, ids[t * UUID_PER_THREAD]), 0);
    for (int t = 0; t < UUID_THREADS; t++) pthread_join(th[t], NULL);
    for (int i = 0; i < UUID_THREADS * UUID_PER_THREAD; i++)
        if (uuid_fault(ids[i]) != NULL) check_uuid(ids[i]); /* fails, naming the fault */
    qsort(ids, UUID_THREADS * UUID_PER_THREAD, sizeof(ids[0]), cmp_uuid);
    int dup = -1;
    for (int i = 1; i < UUID_THREADS * UUID_PER_THREAD && dup < 0; i++)
        if (strcmp(ids[i - 1], ids[i]) == 0) dup = i;
    ck_assert_msg(dup < 0, "duplicate id %s", dup < 0 ? "" : ids[dup]);
}
END_TEST

/* ---- allocation and strings ---- */

START_TEST(strings) {
    char *p = xasprintf("%s-%d-%03d", "fn", 7, 5);
    ck_assert_str_eq(p, "fn-7-005");
    free(p);
    p = xstrdup(NULL);
    ck_assert_str_eq(p, "");
    free(p);
    p = xstrdup("abc");
    ck_assert_str_eq(p, "abc");
    free(p);
    p = xstrndup("abcdef", 3);
    ck_assert_str_eq(p, "abc");
    free(p);
    p = xstrndup("ab", 10);
    ck_assert_str_eq(p, "ab");
    free(p);
    /* Zero-size requests still give a pointer that can be freed. */
    p = xmalloc(0);
    ck_assert_ptr_nonnull(p);
    p = xrealloc(p, 0);
    ck_assert_ptr_nonnull(p);
    free(p);
    int *z = xcalloc(4, sizeof(int));
    ck_assert_int_eq(z[0] | z[1] | z[2] | z[3], 0);
    free(z);
}
END_TEST

/* ---- percent-encoding, paging tokens, text buffers ---- */

START_TEST(pct_encode) {
    static const struct {
        const char *in, *keep, *want;
    } t[] = {
        {"", NULL, ""},
        {"aZ09-_.~", NULL, "aZ09-_.~"},
        {"a b/c", NULL, "a%20b%2Fc"},
        {"a b/c", "/", "a%20b/c"},
        {"{\"x\":1}", NULL, "%7B%22x%22%3A1%7D"},
        {"caf\xc3\xa9", NULL, "caf%C3%A9"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char *e = util_pct_encode(t[i].in, t[i].keep);
        ck_assert_str_eq(e, t[i].want);
        char *d = util_pct_decode(e, strlen(e));
        ck_assert_str_eq(d, t[i].in);
        free(e);
        free(d);
    }
}
END_TEST

START_TEST(page_tokens) {
    char *t = util_token_make("/a/b");
    char *k = util_token_read(t);
    ck_assert_str_eq(k, "/a/b");
    free(k);
    free(t);
    ck_assert_ptr_null(util_token_read(""));
    ck_assert_ptr_null(util_token_read("not a token"));
    ck_assert_ptr_null(util_token_read("aGVsbG8=")); /* base64 of "hello": not ours */
    ck_assert_ptr_null(util_token_read("c2x1aWNlOgBh")); /* "sluice:" NUL "a" */
}
END_TEST

START_TEST(text_buffer) {
    struct util_buf b = {0};
    util_buf_add(&b, "");
    ck_assert_str_eq(b.z, "");
    for (int i = 0; i < 100; i++) util_buf_add(&b, "abc");
    ck_assert_uint_eq(b.n, 300);
    ck_assert_uint_eq(strlen(b.z), 300);
    ck_assert_int_eq(strncmp(b.z + 297, "abc", 4), 0);
    free(b.z);
}
END_TEST

START_TEST(dtoll_saturates) {
    static const struct {
        double in;
        long long want;
    } t[] = {
        {0.0, 0}, {-0.0, 0}, {1.9, 1}, {-1.9, -1}, {900.0, 900},
        {9.2e18, 9200000000000000000LL}, {-9.2e18, -9200000000000000000LL},
        {9223372036854775807.0, LLONG_MAX}, {1e300, LLONG_MAX}, {-1e300, LLONG_MIN},
        {HUGE_VAL, LLONG_MAX}, {-HUGE_VAL, LLONG_MIN}, {NAN, LLONG_MIN},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) ck_assert_int_eq(util_dtoll(t[i].in), t[i].want);
}
END_TEST

static Suite *util_suite(void) {
    Suite *s = suite_create("util");
    struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"b64_encode_vectors", b64_encode_vectors},
        {"b64_decode_vectors", b64_decode_vectors},
        {"b64_unpadded", b64_unpadded},
        {"b64_round_trip_short", b64_round_trip_short},
        {"b64_round_trip_all_bytes", b64_round_trip_all_bytes},
        {"b64_invalid", b64_invalid},
        {"pct_decode_valid", pct_decode_valid},
        {"pct_decode_malformed", pct_decode_malformed},
        {"form_decode", form_decode},
        {"pct_decode_nul_rejected", pct_decode_nul_rejected},
        {"pct_decode_length", pct_decode_length},
        {"lambda_time_format", lambda_time_format},
        {"lambda_time_small_buffer", lambda_time_small_buffer},
        {"iso_time_format", iso_time_format},
        {"clocks", clocks},
        {"uuid_format", uuid_format},
        {"uuid_unique_across_threads", uuid_unique_across_threads},
        {"deadline_in", deadline_in},
        {"strings", strings},
        {"pct_encode", pct_encode},
        {"page_tokens", page_tokens},
        {"text_buffer", text_buffer},
        {"dtoll_saturates", dtoll_saturates},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_test(tc, cases[i].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(util_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    /* The failure count, kept clear of 77 (meson's "skipped") and of
     * exit-status wrap-around. */
    return failed < 77 ? failed : 76;
}
