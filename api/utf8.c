/*
 * api/utf8.h: a table-free UTF-8 checker after the well-formed byte
 * sequences table of the Unicode Standard (chapter 3, table 3-7), which
 * is RFC 3629's grammar.
 */
#include "api/utf8.h"

#include <stdio.h>

static int fail(struct utf8_error *err, enum utf8_fault f, size_t at, unsigned char b) {
    if (err) {
        err->fault = f;
        err->offset = at;
        err->byte = b;
    }
    return -1;
}

int utf8_check(const char *z, size_t n, struct utf8_error *err) {
    const unsigned char *p = (const unsigned char *)z;
    size_t i = 0;
    if (err) {
        err->fault = UTF8_OK;
        err->offset = 0;
        err->byte = 0;
    }
    while (i < n) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        /* Range of the second byte; later bytes are always 80..BF. */
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c == 0xE0) len = 3, lo = 0xA0;          /* no overlong 3-byte forms */
        else if (c >= 0xE1 && c <= 0xEC) len = 3;
        else if (c == 0xED) len = 3, hi = 0x9F;          /* no surrogates D800..DFFF */
        else if (c >= 0xEE && c <= 0xEF) len = 3;
        else if (c == 0xF0) len = 4, lo = 0x90;          /* no overlong 4-byte forms */
        else if (c >= 0xF1 && c <= 0xF3) len = 4;
        else if (c == 0xF4) len = 4, hi = 0x8F;          /* nothing past U+10FFFF */
        else return fail(err, UTF8_BAD_START, i, c);
        for (size_t k = 1; k < len; k++) {
            if (i + k >= n) return fail(err, UTF8_TRUNCATED, i + k, 0);
            unsigned char b = p[i + k];
            unsigned char l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xBF;
            if (b < l || b > h) return fail(err, UTF8_BAD_MIDDLE, i + k, b);
        }
        i += len;
    }
    return 0;
}

void utf8_describe(const struct utf8_error *err, char *buf, size_t n) {
    switch (err->fault) {
    case UTF8_BAD_START:
        snprintf(buf, n, "Invalid UTF-8 start byte 0x%02x", err->byte);
        break;
    case UTF8_BAD_MIDDLE:
        snprintf(buf, n, "Invalid UTF-8 middle byte 0x%02x", err->byte);
        break;
    case UTF8_TRUNCATED:
        snprintf(buf, n, "Unexpected end-of-input in a UTF-8 sequence");
        break;
    case UTF8_OK:
    default:
        snprintf(buf, n, "valid UTF-8");
        break;
    }
}
