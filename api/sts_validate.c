/*
 * STS's validation and ids (api/sts_int.h). Messages follow AWS's
 * validation format ("1 validation error detected: Value 'x' at
 * 'roleSessionName' failed to satisfy constraint: Member must ...").
 */
#include "api/sts_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sts_verr_add(struct sts_verr *v, const char *value, const char *field, const char *what) {
    size_t len = strlen(v->text);
    if (len >= sizeof(v->text) - 1) {
        v->n++;
        return;
    }
    char val[300];
    if (value) snprintf(val, sizeof(val), "'%.256s'", value);
    else snprintf(val, sizeof(val), "null");
    snprintf(v->text + len, sizeof(v->text) - len, "%sValue %s at '%s' failed to satisfy constraint: Member must %s",
             v->n ? "; " : "", val, field, what);
    v->n++;
}

void sts_verr_message(const struct sts_verr *v, char *out, size_t n) {
    snprintf(out, n, "%d validation error%s detected: %s", v->n, v->n == 1 ? "" : "s", v->text);
}

int sts_check_session_name(const char *name, const char *field, struct sts_verr *v) {
    int before = v->n;
    if (name == NULL) {
        sts_verr_add(v, NULL, field, "not be null");
        return -1;
    }
    for (const char *p = name; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(isalnum(c) || c == '_' || strchr("+=,.@-", c))) {
            sts_verr_add(v, name, field, "satisfy regular expression pattern: [\\w+=,.@-]*");
            break;
        }
    }
    size_t len = strlen(name);
    if (len < STS_SESSION_NAME_MIN)
        sts_verr_add(v, name, field, "have length greater than or equal to 2");
    else if (len > STS_SESSION_NAME_MAX)
        sts_verr_add(v, name, field, "have length less than or equal to 64");
    return v->n == before ? 0 : -1;
}

int sts_check_int(const char *text, const char *field, long min, long max, long def, struct sts_verr *v,
                  long *out) {
    char what[80];
    *out = def;
    if (text == NULL) return 0;
    char *end;
    errno = 0;
    long d = strtol(text, &end, 10);
    if (text[0] == '\0' || *end != '\0' || errno == ERANGE) {
        sts_verr_add(v, text, field, "be an integer");
        return -1;
    }
    if (d < min) {
        snprintf(what, sizeof(what), "have value greater than or equal to %ld", min);
        sts_verr_add(v, text, field, what);
        return -1;
    }
    if (d > max) {
        snprintf(what, sizeof(what), "have value less than or equal to %ld", max);
        sts_verr_add(v, text, field, what);
        return -1;
    }
    *out = d;
    return 0;
}

int sts_check_duration(const char *text, long min, long max, long def, struct sts_verr *v, long *out) {
    return sts_check_int(text, "durationSeconds", min, max, def, v, out);
}

int sts_parse_role_arn(const char *arn, char account[13], char *name, size_t nname) {
    static const char prefix[] = "arn:aws:iam::";
    if (strncmp(arn, prefix, sizeof(prefix) - 1) != 0) return -1;
    const char *acct = arn + sizeof(prefix) - 1;
    if (strspn(acct, "0123456789") != 12 || acct[12] != ':') return -1;
    const char *res = acct + 13;
    if (strncmp(res, "role/", 5) != 0) return -1;
    const char *last = strrchr(res, '/');
    const char *nm = last + 1;
    size_t n = strlen(nm);
    if (n == 0 || n >= nname) return -1;
    for (const char *p = res + 5; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (!(isalnum(c) || strchr("+=,.@-_/", c))) return -1;
    }
    memcpy(account, acct, 12);
    account[12] = '\0';
    memcpy(name, nm, n + 1);
    return 0;
}

void sts_derived_id(const char *prefix, const char *seed, char out[22]) {
    static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    /* FNV-1a, 64 bits, twice (two seeds) for 17 base-32 characters. */
    uint64_t h1 = 14695981039346656037ull, h2 = 1099511628211ull * 31;
    for (const unsigned char *p = (const unsigned char *)seed; *p; p++) {
        h1 = (h1 ^ *p) * 1099511628211ull;
        h2 = (h2 ^ *p) * 1099511628211ull + 7;
    }
    size_t np = strlen(prefix);
    if (np > 4) np = 4;
    memcpy(out, prefix, np);
    for (int i = 0; i < 17; i++) {
        uint64_t *h = i < 12 ? &h1 : &h2;
        out[np + (size_t)i] = digits[*h & 31];
        *h >>= 5;
    }
    out[np + 17] = '\0';
}
