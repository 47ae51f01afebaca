/*
 * api/s3_chunked.h: one pass over the encoded body, the read position
 * always at or ahead of the write position, so the decode is in place.
 */
#include "api/s3_chunked.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Hex digits of a chunk size: 16 cover any size_t; more is malformed. */
#define CHUNK_SIZE_DIGITS 16

/* Finds the CRLF that ends the line starting at *POS; returns the line's
 * length, or -1 when there is none before N. */
static long line_len(const char *buf, size_t n, size_t pos) {
    for (size_t i = pos; i + 1 < n; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n') return (long)(i - pos);
    return -1;
}

/* Parses the size line of LEN bytes at P ("1a2b" or "1a2b;chunk-signature=..."). */
static int chunk_size(const char *p, size_t len, size_t *size) {
    size_t i = 0, v = 0;
    while (i < len && isxdigit((unsigned char)p[i])) {
        if (i >= CHUNK_SIZE_DIGITS) return -1;
        int c = (unsigned char)p[i];
        v = v * 16 + (size_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
        i++;
    }
    if (i == 0) return -1;
    if (i < len && p[i] != ';') return -1;
    *size = v;
    return 0;
}

/* Reads trailer lines from POS to the end of BUF into OUT. */
static int trailers(const char *buf, size_t n, size_t pos, struct s3_chunked *out, const char **why) {
    while (pos < n) {
        long len = line_len(buf, n, pos);
        if (len < 0) {
            /* A last line without its CRLF is taken as it is. */
            len = (long)(n - pos);
        }
        if (len == 0) return pos + 2 == n ? 0 : (*why = "data after the trailer", -1);
        const char *line = buf + pos, *colon = memchr(line, ':', (size_t)len);
        if (colon == NULL || colon == line) return *why = "malformed trailer line", -1;
        if (out->ntrailers == S3_CHUNKED_MAX_TRAILERS) return *why = "too many trailers", -1;
        struct s3_trailer *t = &out->trailers[out->ntrailers++];
        size_t nn = (size_t)(colon - line), nv = (size_t)len - nn - 1;
        const char *v = colon + 1;
        while (nv > 0 && (*v == ' ' || *v == '\t')) v++, nv--;
        while (nv > 0 && (v[nv - 1] == ' ' || v[nv - 1] == '\t')) nv--;
        if (nn >= sizeof(t->name) || nv >= sizeof(t->value)) return *why = "trailer too long", -1;
        for (size_t i = 0; i < nn; i++) {
            /* A header name is a token: no spaces, no controls. */
            if (!isalnum((unsigned char)line[i]) && line[i] != '-') return *why = "malformed trailer name", -1;
            t->name[i] = (char)tolower((unsigned char)line[i]);
        }
        t->name[nn] = '\0';
        memcpy(t->value, v, nv);
        t->value[nv] = '\0';
        pos += (size_t)len + 2;
    }
    return 0;
}

int s3_chunked_decode(char *buf, size_t n, struct s3_chunked *out, const char **why) {
    size_t rd = 0, wr = 0;
    memset(out, 0, sizeof(*out));
    *why = "";
    for (;;) {
        long len = line_len(buf, n, rd);
        if (len < 0) return *why = "missing chunk size line", -1;
        size_t size;
        if (chunk_size(buf + rd, (size_t)len, &size) != 0) return *why = "malformed chunk size", -1;
        rd += (size_t)len + 2;
        if (size == 0) break;
        if (size > n - rd || n - rd - size < 2) return *why = "chunk runs past the end of the body", -1;
        memmove(buf + wr, buf + rd, size);
        wr += size;
        rd += size;
        if (buf[rd] != '\r' || buf[rd + 1] != '\n') return *why = "chunk data not followed by CRLF", -1;
        rd += 2;
    }
    out->n = wr;
    if (trailers(buf, n, rd, out, why) != 0) return -1;
    return 0;
}

const char *s3_chunked_trailer(const struct s3_chunked *c, const char *name) {
    for (int i = 0; i < c->ntrailers; i++)
        if (strcasecmp(c->trailers[i].name, name) == 0) return c->trailers[i].value;
    return NULL;
}
