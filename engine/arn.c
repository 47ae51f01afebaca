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

/* Length of "-word-D" at Q up to (not including) the ':' that must
 * follow, or 0. */
static size_t region_tail(const char *q) {
    const char *p = q;
    if (*p != '-') return 0;
    p++;
    const char *w = p;
    while (is_lower(*p)) p++;
    if (p == w || *p != '-' || !is_digit(p[1]) || p[2] != ':') return 0;
    return (size_t)(p + 2 - q);
}

/* Length of a region prefix "xx((-gov)|(-iso[a-z]?))?-word-D" at P (not
 * including the ':'), or 0 when P does not start with one. The optional
 * group is tried present first, then absent, as a backtracking matcher
 * would ("us-isolated-1" is "us" + "-isolated-1"). */
static size_t region_len(const char *p) {
    if (!is_lower(p[0]) || !is_lower(p[1])) return 0;
    const char *q = p + 2;
    size_t t;
    if (strncmp(q, "-gov", 4) == 0 && (t = region_tail(q + 4)) != 0) return 2 + 4 + t;
    if (strncmp(q, "-iso", 4) == 0) {
        if (is_lower(q[4]) && (t = region_tail(q + 5)) != 0) return 2 + 5 + t;
        if ((t = region_tail(q + 4)) != 0) return 2 + 4 + t;
    }
    t = region_tail(q);
    return t ? 2 + t : 0;
}

static void copy_part(char *dst, size_t cap, const char *src, size_t n) {
    if (n >= cap) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Tries one way of reading Z: which optional prefixes (bit 0 the
 * "arn:...:lambda:" part, 1 the region, 2 the account, 3 "function:") are
 * taken as present. Returns 1 and fills OUT when Z parses that way. */
static int parse_as(const char *z, int dot, int unqualified, unsigned take, struct fn_ref *out,
                    size_t *nname_out) {
    memset(out, 0, sizeof(*out));
    const char *p = z;
    if (take & 1) {
        if (strncmp(p, "arn:", 4) != 0) return 0;
        const char *q = p + 4;
        if (strncmp(q, "aws", 3) == 0) {
            q += 3;
            while (is_lower(*q) || (*q >= 'A' && *q <= 'Z') || *q == '-') q++;
        }
        if (strncmp(q, ":lambda:", 8) != 0) return 0;
        p = q + 8;
    }
    if (take & 2) {
        size_t rl = region_len(p);
        if (rl == 0) return 0;
        copy_part(out->region, sizeof(out->region), p, rl);
        p += rl + 1;
    }
    if (take & 4) {
        if (strspn(p, "0123456789") != 12 || p[12] != ':') return 0;
        copy_part(out->account, sizeof(out->account), p, 12);
        p += 13;
    }
    if (take & 8) {
        if (strncmp(p, "function:", 9) != 0) return 0;
        p += 9;
    }
    const char *name = p;
    while (is_name_char(*p, dot)) p++;
    size_t nname = (size_t)(p - name);
    if (nname == 0) return 0;
    copy_part(out->name, sizeof(out->name), name, nname);
    if (*p == ':') {
        if (unqualified) return 0;
        const char *qual = ++p;
        if (strncmp(p, "$LATEST", 7) == 0) {
            p += 7;
            if (dot && strncmp(p, ".PUBLISHED", 10) == 0) p += 10;
        } else {
            while (is_name_char(*p, 0)) p++;
        }
        if (p == qual) return 0;
        copy_part(out->qualifier, sizeof(out->qualifier), qual, (size_t)(p - qual));
    }
    if (*p != '\0') return 0;
    *nname_out = nname;
    return 1;
}

int arn_parse_function(const char *z, enum arn_shape shape, struct fn_ref *out) {
    int dot = shape == ARN_SHAPE_NAMESPACED;
    int unq = shape == ARN_SHAPE_UNQUALIFIED;
    size_t nname = 0;
    /* The model's pattern is a chain of optional groups; a regex engine
     * backtracks through them. Try the readings greedily (every prefix
     * present first), as Java's matcher would, and keep the first that
     * consumes the whole value. */
    int ok = 0;
    for (int take = 15; take >= 0 && !ok; take--) ok = parse_as(z, dot, unq, (unsigned)take, out, &nname);
    if (!ok) {
        memset(out, 0, sizeof(*out));
        return ARN_EPATTERN;
    }
    if (strlen(z) > arn_max_len(shape)) return ARN_ETOOLONG;
    if (nname > ARN_MAX_NAME) return ARN_ENAMELEN;
    return ARN_OK;
}

/* region_len for the code-signing-config pattern, whose optional group
 * is "(-gov)|(-iso(b?))": only "-iso" and "-isob", where a function
 * name's allows any letter after "-iso". */
static size_t csc_region_len(const char *p) {
    if (!is_lower(p[0]) || !is_lower(p[1])) return 0;
    const char *q = p + 2;
    size_t t;
    if (strncmp(q, "-gov", 4) == 0 && (t = region_tail(q + 4)) != 0) return 2 + 4 + t;
    if (strncmp(q, "-isob", 5) == 0 && (t = region_tail(q + 5)) != 0) return 2 + 5 + t;
    if (strncmp(q, "-iso", 4) == 0 && (t = region_tail(q + 4)) != 0) return 2 + 4 + t;
    t = region_tail(q);
    return t ? 2 + t : 0;
}

int arn_csc_ok(const char *z) {
    if (strncmp(z, "arn:", 4) != 0) return 0;
    const char *p = z + 4;
    if (strncmp(p, "aws", 3) == 0) {
        p += 3;
        while (is_lower(*p) || (*p >= 'A' && *p <= 'Z') || *p == '-') p++;
    }
    if (strncmp(p, ":lambda:", 8) != 0) return 0;
    p += 8;
    size_t rl = csc_region_len(p);
    if (rl == 0) return 0;
    p += rl + 1;
    if (strspn(p, "0123456789") != 12 || p[12] != ':') return 0;
    p += 13;
    if (strncmp(p, "code-signing-config:csc-", 24) != 0) return 0;
    p += 24;
    size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789");
    return n == 17 && p[n] == '\0';
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

/* Returns 1 when P starts with N hex digits, else 0. */
static int hex_run(const char *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]) && !((p[i] >= 'a' && p[i] <= 'f') || (p[i] >= 'A' && p[i] <= 'F'))) return 0;
    return 1;
}

int arn_parse_esm(const char *z, char *region, char *account, char *uuid) {
    static const char kind[] = "event-source-mapping:";
    const char *p = z;
    if (strncmp(p, "arn:aws", 7) != 0) return -1;
    p += 7;
    while (is_lower(*p) || (*p >= 'A' && *p <= 'Z') || *p == '-') p++;
    if (strncmp(p, ":lambda:", 8) != 0) return -1;
    p += 8;
    size_t rl = region_len(p);
    if (rl == 0 || rl >= 32) return -1;
    const char *r = p;
    p += rl + 1;
    if (strspn(p, "0123456789") != 12 || p[12] != ':') return -1;
    const char *a = p;
    p += 13;
    if (strncmp(p, kind, sizeof(kind) - 1) != 0) return -1;
    p += sizeof(kind) - 1;
    static const size_t groups[] = {8, 4, 4, 4, 12};
    const char *u = p;
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
        if (!hex_run(p, groups[i])) return -1;
        p += groups[i];
        if (i < 4 && *p++ != '-') return -1;
    }
    if (*p != '\0') return -1;
    copy_part(region, 32, r, rl);
    copy_part(account, 13, a, 12);
    copy_part(uuid, ARN_UUID_LEN + 1, u, ARN_UUID_LEN);
    return 0;
}
