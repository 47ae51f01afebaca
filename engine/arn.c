/*
 * Function-name parsing (engine/arn.h). The Lambda model's patterns are
 * matched by hand: POSIX regex has no lookahead, and the structure is
 * simple enough that a scanner is clearer than a regex with eleven groups.
 *
 * Grammar, after the model:
 *   [arn:(aws[a-zA-Z-]*)?:lambda:] [region:] [account12:] [function:] name [:qualifier]
 * where region is [a-z]{2}((-gov)|(-iso[a-z]?))?-[a-z]+-\d.
 */
#include "engine/arn.h"

#include <stdio.h>
#include <string.h>

static const char PATTERN_FUNCTION[] =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"
    "(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?";
static const char PATTERN_NAMESPACED[] =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"
    "(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?";
static const char PATTERN_UNQUALIFIED[] =
    "(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?"
    "(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)";

const char *arn_pattern(enum arn_shape shape) {
    switch (shape) {
    case ARN_SHAPE_NAMESPACED: return PATTERN_NAMESPACED;
    case ARN_SHAPE_UNQUALIFIED: return PATTERN_UNQUALIFIED;
    default: return PATTERN_FUNCTION;
    }
}

size_t arn_max_len(enum arn_shape shape) { return shape == ARN_SHAPE_NAMESPACED ? 256 : 140; }

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_name_char(char c, int dot) {
    return is_lower(c) || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '_' ||
           (dot && c == '.');
}

/* Length of a region prefix "xx(-gov|-iso[a-z]?)?-word-D" at P (not
 * including the ':'), or 0 when P does not start with one. */
static size_t region_len(const char *p) {
    const char *q = p;
    if (!is_lower(q[0]) || !is_lower(q[1])) return 0;
    q += 2;
    if (strncmp(q, "-gov-", 5) == 0) q += 4;
    else if (strncmp(q, "-iso", 4) == 0) {
        q += 4;
        if (is_lower(*q) && q[1] == '-') q++;
    }
    if (*q != '-') return 0;
    q++;
    const char *w = q;
    while (is_lower(*q)) q++;
    if (q == w || *q != '-') return 0;
    q++;
    if (!is_digit(*q)) return 0;
    q++;
    if (*q != ':') return 0;
    return (size_t)(q - p);
}

static void copy_part(char *dst, size_t cap, const char *src, size_t n) {
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

int arn_parse_function(const char *z, enum arn_shape shape, struct fn_ref *out) {
    memset(out, 0, sizeof(*out));
    size_t len = strlen(z);
    int too_long = len > arn_max_len(shape);
    int dot = shape == ARN_SHAPE_NAMESPACED;
    const char *p = z;

    if (strncmp(p, "arn:", 4) == 0) {
        const char *q = p + 4;
        if (strncmp(q, "aws", 3) == 0) {
            q += 3;
            while (is_lower(*q) || (*q >= 'A' && *q <= 'Z') || *q == '-') q++;
        }
        if (strncmp(q, ":lambda:", 8) == 0) p = q + 8;
    }
    size_t rl = region_len(p);
    if (rl) {
        copy_part(out->region, sizeof(out->region), p, rl);
        p += rl + 1;
    }
    if (strspn(p, "0123456789") == 12 && p[12] == ':') {
        copy_part(out->account, sizeof(out->account), p, 12);
        p += 13;
    }
    if (strncmp(p, "function:", 9) == 0) p += 9;
    const char *name = p;
    while (is_name_char(*p, dot)) p++;
    size_t nname = (size_t)(p - name);
    copy_part(out->name, sizeof(out->name), name, nname);
    int ok = nname > 0;
    if (ok && *p == ':') {
        if (shape == ARN_SHAPE_UNQUALIFIED) {
            ok = 0;
        } else {
            const char *qual = ++p;
            if (strncmp(p, "$LATEST", 7) == 0) {
                p += 7;
                if (dot && strncmp(p, ".PUBLISHED", 10) == 0) p += 10;
            } else {
                while (is_name_char(*p, 0)) p++;
            }
            copy_part(out->qualifier, sizeof(out->qualifier), qual, (size_t)(p - qual));
            ok = p > qual;
        }
    }
    if (*p != '\0') ok = 0;
    if (!ok) return ARN_EPATTERN;
    if (too_long) return ARN_ETOOLONG;
    if (nname > ARN_MAX_NAME) return ARN_ENAMELEN;
    return ARN_OK;
}

void arn_function(char *buf, size_t n, const char *region, const char *account, const char *name,
                  const char *qualifier) {
    if (qualifier && *qualifier)
        snprintf(buf, n, "arn:aws:lambda:%s:%s:function:%s:%s", region, account, name, qualifier);
    else
        snprintf(buf, n, "arn:aws:lambda:%s:%s:function:%s", region, account, name);
}

int arn_is_version(const char *z) {
    if (z == NULL || *z == '\0') return 0;
    for (const char *p = z; *p; p++)
        if (!is_digit(*p)) return 0;
    return 1;
}
