/*
 * UTF-8 validation of request bodies (RFC 3629): the request boundary
 * refuses text that clients could not decode when it comes back (boto3's
 * Scan, ListFunctions and a mapping's event would all fail on it). Pure:
 * no I/O, no allocation; any thread.
 */
#ifndef SLUICE_API_UTF8_H
#define SLUICE_API_UTF8_H

#include <stddef.h>

/* What is wrong with the first ill-formed sequence. */
enum utf8_fault {
    UTF8_OK = 0,
    UTF8_BAD_START,  /* a byte that cannot begin a sequence: 80-BF, C0, C1, F5-FF */
    UTF8_BAD_MIDDLE, /* a continuation byte out of its range: also overlong
                      * forms (E0 80..9F, F0 80..8F), surrogates (ED A0..BF)
                      * and code points past U+10FFFF (F4 90..BF) */
    UTF8_TRUNCATED,  /* the input ends inside a sequence */
};

struct utf8_error {
    enum utf8_fault fault;
    size_t offset;       /* of the offending byte */
    unsigned char byte;  /* the offending byte (0 when TRUNCATED) */
};

/* Checks that the N bytes at P are well-formed UTF-8. Returns 0, or -1
 * with *ERR (may be NULL) describing the first fault. Every shortest-form
 * encoding of U+0000..U+10FFFF outside the surrogates is accepted. */
int utf8_check(const char *p, size_t n, struct utf8_error *err);

/* Writes the fault in the words of the JSON parser behind AWS's services
 * ("Invalid UTF-8 start byte 0xff", "Invalid UTF-8 middle byte 0x28", as
 * Lambda answers them) to BUF (NUL-terminated, cut to N). */
void utf8_describe(const struct utf8_error *err, char *buf, size_t n);

#endif
