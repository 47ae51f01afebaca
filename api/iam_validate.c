/*
 * IAM's validation, policy grammar, encoding and paging (api/iam_int.h).
 * Messages follow AWS's validation format ("1 validation error detected:
 * Value 'x' at 'roleName' failed to satisfy constraint: Member must
 * ..."), with the constraints of botocore's iam/2010-05-08 model.
 */
#include "api/iam_int.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_name_char(unsigned char c) {
    return isalnum(c) || c == '_' || strchr("+=,.@-", c) != NULL;
}

int iam_check_name(const char *name, const char *field, size_t max, struct sts_verr *v) {
    int before = v->n;
    char what[64];
    if (name == NULL) {
        sts_verr_add(v, NULL, field, "not be null");
        return -1;
    }
    size_t len = strlen(name);
    int bad = len == 0; /* "+": at least one character */
    for (const char *p = name; *p && !bad; p++) bad = !is_name_char((unsigned char)*p);
    if (bad) sts_verr_add(v, name, field, "satisfy regular expression pattern: [\\w+=,.@-]+");
    if (len < 1) {
        sts_verr_add(v, name, field, "have length greater than or equal to 1");
    } else if (len > max) {
        snprintf(what, sizeof(what), "have length less than or equal to %zu", max);
        sts_verr_add(v, name, field, what);
    }
    return v->n == before ? 0 : -1;
}

/* (\u002F)|(\u002F[\u0021-\u007E]+\u002F) */
static int role_path_ok(const char *p, size_t len) {
    if (len == 1) return p[0] == '/';
    if (len < 3 || p[0] != '/' || p[len - 1] != '/') return 0;
    for (size_t i = 1; i + 1 < len; i++)
        if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e) return 0;
    return 1;
}

/* ((/[A-Za-z0-9\.,\+@=_-]+)*)/ */
static int policy_path_ok(const char *p, size_t len) {
    if (len == 0 || p[0] != '/' || p[len - 1] != '/') return 0;
    for (size_t i = 0; i + 1 < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '/') {
            if (i > 0 && p[i - 1] == '/') return 0; /* a segment is not empty */
            continue;
        }
        if (!(isalnum(c) || strchr(".,+@=_-", c))) return 0;
    }
    return len == 1 || p[len - 2] != '/';
}

int iam_check_path(const char *path, const char *field, int policy, struct sts_verr *v) {
    if (path == NULL) return 0;
    int before = v->n;
    size_t len = strlen(path);
    if (policy ? !policy_path_ok(path, len) : !role_path_ok(path, len))
        sts_verr_add(v, path, field,
                     policy ? "satisfy regular expression pattern: ((/[A-Za-z0-9\\.,\\+@=_-]+)*)/"
                            : "satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)");
    if (len < 1) sts_verr_add(v, path, field, "have length greater than or equal to 1");
    else if (len > IAM_PATH_MAX) sts_verr_add(v, path, field, "have length less than or equal to 512");
    return v->n == before ? 0 : -1;
}

int iam_check_path_prefix(const char *prefix, const char *field, struct sts_verr *v) {
    if (prefix == NULL) return 0;
    int before = v->n;
    size_t len = strlen(prefix);
    int ok = len > 0 && prefix[0] == '/';
    for (size_t i = 1; ok && i < len; i++) ok = (unsigned char)prefix[i] >= 0x21 && (unsigned char)prefix[i] <= 0x7f;
    if (!ok) sts_verr_add(v, prefix, field, "satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*");
    if (len < 1) sts_verr_add(v, prefix, field, "have length greater than or equal to 1");
    else if (len > IAM_PATH_MAX) sts_verr_add(v, prefix, field, "have length less than or equal to 512");
    return v->n == before ? 0 : -1;
}

/* The code points of UTF-8 text Z (valid: the router checks it) as a
 * count, and whether each is in the set ALLOWED decides. */
static size_t code_points(const char *z, int (*allowed)(unsigned cp), int *bad) {
    size_t n = 0;
    *bad = 0;
    for (const unsigned char *p = (const unsigned char *)z; *p; n++) {
        unsigned cp = *p;
        int len = cp < 0x80 ? 1 : cp < 0xe0 ? 2 : cp < 0xf0 ? 3 : 4;
        if (len == 2 && p[1]) cp = ((cp & 0x1fu) << 6) | (p[1] & 0x3fu);
        else if (len > 2) cp = 0x10000; /* beyond U+00FF: all that matters here */
        for (int i = 0; i < len && *p; i++) p++;
        if (!allowed(cp)) *bad = 1;
    }
    return n;
}

static int doc_char(unsigned cp) {
    return cp == 0x09 || cp == 0x0a || cp == 0x0d || (cp >= 0x20 && cp <= 0xff);
}

static int description_char(unsigned cp) {
    return cp == 0x09 || cp == 0x0a || cp == 0x0d || (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa1 && cp <= 0xff);
}

int iam_check_document_param(const char *doc, const char *field, struct sts_verr *v) {
    int before = v->n, bad;
    if (doc == NULL) {
        sts_verr_add(v, NULL, field, "not be null");
        return -1;
    }
    size_t n = code_points(doc, doc_char, &bad);
    if (bad || n == 0)
        sts_verr_add(v, doc, field,
                     "satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
    if (n < 1) sts_verr_add(v, doc, field, "have length greater than or equal to 1");
    else if (n > IAM_DOC_MAX) sts_verr_add(v, doc, field, "have length less than or equal to 131072");
    return v->n == before ? 0 : -1;
}

int iam_check_description(const char *text, const char *field, struct sts_verr *v) {
    if (text == NULL) return 0;
    int before = v->n, bad;
    size_t n = code_points(text, description_char, &bad);
    if (bad)
        sts_verr_add(v, text, field,
                     "satisfy regular expression pattern: "
                     "[\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*");
    if (n > IAM_DESCRIPTION_MAX) sts_verr_add(v, text, field, "have length less than or equal to 1000");
    return v->n == before ? 0 : -1;
}

int iam_check_arn(const char *arn, const char *field, struct sts_verr *v) {
    if (arn == NULL) return 0;
    size_t len = strlen(arn);
    if (len < IAM_ARN_MIN) sts_verr_add(v, arn, field, "have length greater than or equal to 20");
    else if (len > IAM_ARN_MAX) sts_verr_add(v, arn, field, "have length less than or equal to 2048");
    else return 0;
    return -1;
}

static const char *const SYNTAX = "Syntax errors in policy.";

/* The grammar of one statement: an object. */
static int statement_ok(const cJSON *s) {
    return cJSON_IsObject(s);
}

const char *iam_check_policy(const char *doc, int managed) {
    const char *msg = NULL;
    cJSON *root = cJSON_ParseWithOpts(doc, NULL, 1);
    if (!cJSON_IsObject(root)) {
        msg = SYNTAX;
        goto out;
    }
    for (const cJSON *c = root->child; c; c = c->next)
        if (strcmp(c->string, "Version") != 0 && strcmp(c->string, "Id") != 0 &&
            strcmp(c->string, "Statement") != 0) {
            msg = SYNTAX;
            goto out;
        }
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(root, "Version");
    if (version && !(cJSON_IsString(version) && (strcmp(version->valuestring, "2012-10-17") == 0 ||
                                                 strcmp(version->valuestring, "2008-10-17") == 0))) {
        msg = SYNTAX;
        goto out;
    }
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(root, "Statement");
    if (cJSON_IsArray(st)) {
        for (const cJSON *s = st->child; s; s = s->next)
            if (!statement_ok(s)) msg = SYNTAX;
    } else if (!statement_ok(st)) {
        msg = SYNTAX;
    }
    if (msg == NULL && managed && (version == NULL || strcmp(version->valuestring, "2012-10-17") != 0))
        msg = "Policy document must be version 2012-10-17 or greater.";
out:
    cJSON_Delete(root);
    return msg;
}

void iam_page(const char *const *keys, size_t n, const char *marker, long max_items, struct iam_page *out) {
    size_t start = 0;
    if (marker) {
        start = n;
        for (size_t i = 0; i < n; i++)
            if (strcmp(keys[i], marker) == 0) {
                start = i;
                break;
            }
        if (start == n)
            for (size_t i = 0; i < n; i++)
                if (strcmp(keys[i], marker) > 0) {
                    start = i;
                    break;
                }
    }
    size_t count = n - start;
    if (max_items > 0 && count > (size_t)max_items) count = (size_t)max_items;
    out->start = start;
    out->count = count;
    out->next = start + count < n ? keys[start + count] : NULL;
}

int iam_version_num(const char *id) {
    if (id == NULL || id[0] != 'v' || id[1] < '1' || id[1] > '9') return -1;
    char *end;
    errno = 0;
    long n = strtol(id + 1, &end, 10);
    if (*end != '\0' || errno == ERANGE || n > 1000000) return -1;
    return (int)n;
}

void iam_name_key(const char *name, char *out, size_t n) {
    size_t i = 0;
    for (; name[i] && i + 1 < n; i++) out[i] = (char)tolower((unsigned char)name[i]);
    out[i] = '\0';
}
