/*
 * api/s3_xml.h: the reply writer and the element finder.
 */
#include "api/s3_xml.h"
#include "api/aws_error.h"
#include "base/util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void reserve(struct s3x_buf *b, size_t more) {
    if (b->n + more + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more + 1) cap *= 2;
    b->s = xrealloc(b->s, cap);
    b->cap = cap;
}

void s3x_add(struct s3x_buf *b, const char *z) {
    size_t k = strlen(z);
    reserve(b, k);
    memcpy(b->s + b->n, z, k + 1);
    b->n += k;
}

void s3x_addf(struct s3x_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *z = xvasprintf(fmt, ap);
    va_end(ap);
    s3x_add(b, z);
    free(z);
}

void s3x_elem(struct s3x_buf *b, const char *name, const char *text) {
    char *esc = awserr_xml_escape(text ? text : "");
    s3x_addf(b, "<%s>%s</%s>", name, esc, name);
    free(esc);
}

char *s3x_take(struct s3x_buf *b, size_t *n) {
    char *s = b->s ? b->s : xstrdup("");
    if (n) *n = b->n;
    memset(b, 0, sizeof(*b));
    return s;
}

/* 1 when a tag NAME starts at DOC[I] (after its '<' or "</"): the name
 * followed by '>', '/' or white space. */
static int tag_at(const char *doc, size_t n, size_t i, const char *name, size_t nl) {
    if (i + nl >= n || memcmp(doc + i, name, nl) != 0) return 0;
    char c = doc[i + nl];
    return c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int s3x_next(const char *doc, size_t n, const char *name, size_t *pos, size_t *start, size_t *len) {
    size_t nl = strlen(name);
    for (size_t i = *pos; i < n; i++) {
        if (doc[i] != '<' || !tag_at(doc, n, i + 1, name, nl)) continue;
        const char *gt = memchr(doc + i, '>', n - i);
        if (gt == NULL) return -1;
        size_t open_end = (size_t)(gt - doc) + 1;
        if (gt[-1] == '/') {
            *start = open_end;
            *len = 0;
            *pos = open_end;
            return 1;
        }
        /* The first end tag of the name closes it: S3's documents do not
         * nest an element in one of the same name. */
        for (size_t j = open_end; j + 1 < n; j++) {
            if (doc[j] == '<' && doc[j + 1] == '/' && tag_at(doc, n, j + 2, name, nl)) {
                const char *end = memchr(doc + j, '>', n - j);
                if (end == NULL) return -1;
                *start = open_end;
                *len = j - open_end;
                *pos = (size_t)(end - doc) + 1;
                return 1;
            }
        }
        return -1;
    }
    return 0;
}

/* Decodes the entity at Z[0..] ('&' ... ';', K bytes) into OUT; returns
 * the number of bytes written, or -1. */
static int entity(const char *z, size_t k, char *out) {
    static const struct {
        const char *name;
        char c;
    } named[] = {{"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
    for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++)
        if (strlen(named[i].name) == k && memcmp(z, named[i].name, k) == 0) {
            out[0] = named[i].c;
            return 1;
        }
    if (k < 2 || k > 9 || z[0] != '#') return -1;
    char digits[12];
    memcpy(digits, z + 1, k - 1);
    digits[k - 1] = '\0';
    char *end;
    unsigned long cp = digits[0] == 'x' ? strtoul(digits + 1, &end, 16) : strtoul(digits, &end, 10);
    if (*end || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *s3x_text(const char *z, size_t n) {
    /* An entity never decodes longer than it is written ("&#65536;" is
     * 8 bytes for 4), so N + 1 bytes hold the result. */
    char *out = xmalloc(n + 1), *o = out;
    for (size_t i = 0; i < n; i++) {
        if (z[i] == '\0') goto bad;
        if (z[i] != '&') {
            *o++ = z[i];
            continue;
        }
        const char *semi = memchr(z + i, ';', n - i);
        if (semi == NULL) goto bad;
        int w = entity(z + i + 1, (size_t)(semi - z - i - 1), o);
        if (w < 0) goto bad;
        o += w;
        i = (size_t)(semi - z);
    }
    *o = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

char *s3x_child(const char *doc, size_t n, const char *name) {
    size_t pos = 0, start, len;
    if (s3x_next(doc, n, name, &pos, &start, &len) != 1) return NULL;
    return s3x_text(doc + start, len);
}
