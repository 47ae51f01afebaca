/*
 * The pure parts of SSM Parameter Store (api/ssm_int.h): name, path,
 * reference and label rules, AllowedPattern evaluation, the tier
 * decision, the opaque SecureString value and paging tokens. Called by
 * api/ssm.c and the unit tests (tests/unit/test_ssm.c); no I/O.
 */
#include "api/ssm_int.h"
#include "base/util.h"

#include <nettle/sha2.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* 1 when Z (after one leading '/') starts with PREFIX, any case. */
static int has_reserved_prefix(const char *z, const char *prefix) {
    if (*z == '/') z++;
    return strncasecmp(z, prefix, strlen(prefix)) == 0;
}

/* 1 when Z is levels of name characters separated by single '/', with an
 * optional leading '/' (required when there is any '/'); a trailing '/'
 * only when TRAILING_OK. Counts the levels into *LEVELS. */
static int shape_ok(const char *z, int trailing_ok, int *levels) {
    *levels = 0;
    if (*z == '\0') return 0;
    if (strchr(z, '/') && *z != '/') return 0;
    const char *p = (*z == '/') ? z + 1 : z;
    int seg = 0;
    for (; *p; p++) {
        if (*p == '/') {
            if (seg == 0) return 0;
            (*levels)++;
            seg = 0;
            continue;
        }
        if (!name_char(*p)) return 0;
        seg++;
    }
    if (seg > 0) (*levels)++;
    else if (!trailing_ok && p != z + 1) return 0;
    return 1;
}

enum ssm_name_rc ssm_name_check(const char *name, int write) {
    size_t n = strlen(name);
    if (n > SSM_NAME_MAX) return SSM_NAME_LONG;
    int levels;
    if (n == 0 || strcmp(name, "/") == 0 || !shape_ok(name, 0, &levels)) return SSM_NAME_BAD;
    if (has_reserved_prefix(name, "ssm")) return SSM_NAME_BAD;
    if (write && has_reserved_prefix(name, "aws")) return SSM_NAME_RESERVED;
    if (levels > SSM_MAX_LEVELS) return SSM_NAME_DEEP;
    return SSM_NAME_OK;
}

/* Copies N bytes of Z into OUT (size CAP) as a string; -1 when too long. */
static int copy_part(char *out, size_t cap, const char *z, size_t n) {
    if (n >= cap) return -1;
    memcpy(out, z, n);
    out[n] = '\0';
    return 0;
}

/* Splits an ARN's fields: arn:PARTITION:ssm:REGION:ACCOUNT:parameter/REST.
 * Returns REST (inside TEXT) or NULL. */
static const char *arn_rest(const char *text, struct ssm_ref *out) {
    const char *f[6];
    const char *p = text;
    f[0] = p;
    for (int i = 1; i < 6; i++) {
        p = strchr(p, ':');
        if (p == NULL) return NULL;
        f[i] = ++p;
    }
    if (strncmp(f[2], "ssm:", 4) != 0 || f[1] == f[2] - 1) return NULL;
    if (copy_part(out->region, sizeof(out->region), f[3], (size_t)(f[4] - f[3] - 1)) != 0 ||
        copy_part(out->account, sizeof(out->account), f[4], (size_t)(f[5] - f[4] - 1)) != 0)
        return NULL;
    if (out->region[0] == '\0' || strlen(out->account) != 12) return NULL;
    if (strncmp(f[5], "parameter/", 10) != 0) return NULL;
    return f[5] + 10;
}

int ssm_ref_parse(const char *text, struct ssm_ref *out) {
    memset(out, 0, sizeof(*out));
    const char *rest = text;
    int arn = strncmp(text, "arn:", 4) == 0;
    if (arn && (rest = arn_rest(text, out)) == NULL) return -1;
    const char *colon = strchr(rest, ':');
    size_t nname = colon ? (size_t)(colon - rest) : strlen(rest);
    if (nname == 0) return -1;
    if (arn && memchr(rest, '/', nname) && rest[0] != '/') {
        /* "parameter/a/b" names "/a/b". */
        if (nname + 1 > SSM_NAME_MAX) return -1;
        out->name[0] = '/';
        memcpy(out->name + 1, rest, nname);
        out->name[nname + 1] = '\0';
    } else if (copy_part(out->name, sizeof(out->name), rest, nname) != 0) {
        return -1;
    }
    if (colon == NULL) return 0;
    const char *sel = colon + 1;
    if (*sel == '\0' || strchr(sel, ':') || strlen(sel) > SSM_LABEL_MAX) return -1;
    snprintf(out->selector, sizeof(out->selector), ":%s", sel);
    if (strspn(sel, "0123456789") == strlen(sel)) {
        if (strlen(sel) > 18) return -1;
        out->version = strtoll(sel, NULL, 10);
        if (out->version <= 0) return -1;
    } else {
        snprintf(out->label, sizeof(out->label), "%s", sel);
    }
    return 0;
}

void ssm_arn(const char *region, const char *account, const char *name, char *out, size_t n) {
    snprintf(out, n, "arn:aws:ssm:%s:%s:parameter%s%s", region, account, name[0] == '/' ? "" : "/", name);
}

int ssm_path_ok(const char *path) {
    int levels;
    if (path[0] != '/') return 0;
    if (path[1] == '\0') return 1;
    return shape_ok(path, 1, &levels) && levels <= SSM_MAX_LEVELS;
}

int ssm_path_holds(const char *path, const char *name, int recursive) {
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    /* The prefix the names under PATH share: "/a/" for "/a", "/" for "/". */
    if (n == 1) {
        if (name[0] != '/') return 0;
    } else if (strncmp(name, path, n) != 0 || name[n] != '/') {
        return 0;
    }
    const char *rest = name + (n == 1 ? 1 : n + 1);
    if (*rest == '\0') return 0;
    return recursive || strchr(rest, '/') == NULL;
}

int ssm_label_ok(const char *label) {
    size_t n = strlen(label);
    if (n < 1 || n > SSM_LABEL_MAX) return 0;
    if (label[0] >= '0' && label[0] <= '9') return 0;
    if (strncasecmp(label, "aws", 3) == 0 || strncasecmp(label, "ssm", 3) == 0) return 0;
    for (const char *p = label; *p; p++)
        if (!name_char(*p)) return 0;
    return 1;
}

/* ---- AllowedPattern ---- */

/* The bracket contents (without brackets) \d, \w and \s stand for. */
static const char *class_body(char c) {
    switch (c) {
    case 'd': case 'D': return "0-9";
    case 'w': case 'W': return "A-Za-z0-9_";
    case 's': case 'S': return "[:space:]";
    default: return NULL;
    }
}

/* The character a Java escape \C names, for the escapes that name one;
 * 0 for the ones sluice does not evaluate (\b, \p, \1, \Q, ...). */
static char escaped_char(char c) {
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    default: break;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '\0') return 0;
    return c;
}

/* Translates the bracket expression at *PP ('[' already consumed) into
 * OUT (appending at *O). Returns 0, -1 for what POSIX cannot say. */
static int bracket(const char **pp, char *out, size_t *o) {
    const char *p = *pp;
    int dash = 0, first = 1;
    out[(*o)++] = '[';
    if (*p == '^') out[(*o)++] = *p++;
    for (;; first = 0) {
        char c = *p++;
        if (c == '\0') return -1;
        if (c == ']' && !first) break;
        if (c == '[') return -1;   /* nested classes, [[:alpha:]]: not evaluated */
        if (c == '\\') {
            char e = *p++;
            const char *body = class_body(e);
            if (body && e >= 'a') {
                size_t nb = strlen(body);
                memcpy(out + *o, body, nb);
                *o += nb;
                continue;
            }
            if (body || e == ']' || e == '^') return -1;
            if (e == '-') {
                dash = 1;
                continue;
            }
            c = escaped_char(e);
            if (c == 0) return -1;
        }
        out[(*o)++] = c;
    }
    if (dash) out[(*o)++] = '-';
    out[(*o)++] = ']';
    *pp = p;
    return 0;
}

/* PATTERN as an anchored POSIX extended expression (heap), or NULL. */
static char *posix_pattern(const char *pattern) {
    size_t cap = strlen(pattern) * 16 + 8, o = 0;
    char *out = xmalloc(cap);
    out[o++] = '^';
    out[o++] = '(';
    const char *p = pattern;
    while (*p) {
        char c = *p++;
        if (c == '(' && *p == '?') goto bad;
        if (c == '[') {
            if (bracket(&p, out, &o) != 0) goto bad;
            continue;
        }
        if (c != '\\') {
            out[o++] = c;
            continue;
        }
        char e = *p++;
        const char *body = class_body(e);
        if (body) {
            o += (size_t)sprintf(out + o, "[%s%s]", e >= 'a' ? "" : "^", body);
            continue;
        }
        c = escaped_char(e);
        if (c == 0) goto bad;
        if (strchr(".[]()*+?{}|^$\\", c)) out[o++] = '\\';
        out[o++] = c;
    }
    out[o++] = ')';
    out[o++] = '$';
    out[o] = '\0';
    return out;
bad:
    free(out);
    return NULL;
}

int ssm_pattern_match(const char *pattern, const char *value) {
    char *ere = posix_pattern(pattern);
    if (ere == NULL) return -1;
    regex_t re;
    int rc = regcomp(&re, ere, REG_EXTENDED | REG_NOSUB);
    free(ere);
    if (rc != 0) return -1;
    int m = regexec(&re, value, 0, NULL, 0) == 0;
    regfree(&re);
    return m;
}

size_t ssm_chars(const char *z) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)z; *p; p++)
        if ((*p & 0xC0) != 0x80) n++;
    return n;
}

enum ssm_tier_rc ssm_tier_pick(const char *asked, const char *prev, size_t nchars, const char **tier) {
    int advanced_before = prev && strcmp(prev, "Advanced") == 0;
    if (asked == NULL) asked = prev ? prev : "Standard";
    if (strcmp(asked, "Intelligent-Tiering") == 0)
        asked = (advanced_before || nchars > SSM_STANDARD_VALUE_MAX) ? "Advanced" : "Standard";
    *tier = strcmp(asked, "Advanced") == 0 ? "Advanced" : "Standard";
    if (advanced_before && strcmp(*tier, "Standard") == 0) return SSM_TIER_DOWNGRADE;
    if (nchars > SSM_ADVANCED_VALUE_MAX) return SSM_TIER_TOO_BIG;
    if (nchars > SSM_STANDARD_VALUE_MAX && strcmp(*tier, "Standard") == 0) return SSM_TIER_STANDARD_TOO_BIG;
    return SSM_TIER_OK;
}

/* ---- opaque values and tokens ---- */

char *ssm_ciphertext(const char *account, const char *region, const char *name, int64_t version,
                     const char *value) {
    /* A KMS ciphertext blob begins 01 02 02 00 78 (base64 "AQICAH"); the
     * rest is two chained SHA-256 digests of what identifies the version. */
    unsigned char blob[5 + 2 * SHA256_DIGEST_SIZE] = {0x01, 0x02, 0x02, 0x00, 0x78};
    struct sha256_ctx ctx;
    char ver[24];
    snprintf(ver, sizeof(ver), "%lld", (long long)version);
    const char *parts[] = {"sluice-ssm", account, region, name, ver, value};
    sha256_init(&ctx);
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
        sha256_update(&ctx, strlen(parts[i]) + 1, (const uint8_t *)parts[i]);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, blob + 5);
    sha256_init(&ctx);
    sha256_update(&ctx, SHA256_DIGEST_SIZE, blob + 5);
    sha256_digest(&ctx, SHA256_DIGEST_SIZE, blob + 5 + SHA256_DIGEST_SIZE);
    return util_b64_encode(blob, sizeof(blob));
}
