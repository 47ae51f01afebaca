/*
 * api/validate.h: validation messages and typed JSON member access.
 */
#include "api/validate.h"
#include "api/aws_error.h"
#include "api/request.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* Longest value quoted in a validation message; AWS quotes whole values,
 * but a 70 MB base64 zip has no business in a message. */
#define VL_MAX_VALUE 512

static void vl_append(struct vlist *vl, const char *z) {
    size_t n = strlen(z);
    if (vl->len + n + 1 > sizeof(vl->buf)) n = sizeof(vl->buf) - vl->len - 1;
    memcpy(vl->buf + vl->len, z, n);
    vl->len += n;
    vl->buf[vl->len] = '\0';
}

void vl_add(struct vlist *vl, const char *value, const char *field, const char *constraint) {
    char item[VL_MAX_VALUE + 512];
    if (value)
        snprintf(item, sizeof(item), "%sValue '%.*s' at '%s' failed to satisfy constraint: %s",
                 vl->n ? "; " : "", VL_MAX_VALUE, value, field, constraint);
    else
        snprintf(item, sizeof(item), "%sValue null at '%s' failed to satisfy constraint: %s",
                 vl->n ? "; " : "", field, constraint);
    vl_append(vl, item);
    vl->n++;
}

void vl_add_num(struct vlist *vl, double value, const char *field, const char *constraint) {
    char item[600];
    char num[64];
    if (value == floor(value) && fabs(value) < 1e15) snprintf(num, sizeof(num), "%.0f", value);
    else snprintf(num, sizeof(num), "%g", value);
    snprintf(item, sizeof(item), "%sValue '%s' at '%s' failed to satisfy constraint: %s",
             vl->n ? "; " : "", num, field, constraint);
    vl_append(vl, item);
    vl->n++;
}

int vl_fail(struct req *req, const struct vlist *vl, const struct aws_error *kind) {
    if (vl->n == 0) return 0;
    return req_fail(req, kind, "%d validation error%s detected: %s", vl->n, vl->n > 1 ? "s" : "",
                    vl->buf);
}

/* 1 when the JSON text P..P+N holds an escaped NUL (\u0000) inside a
 * string. cJSON would cut the string there, so such bodies are refused
 * rather than silently shortened. */
static int has_escaped_nul(const char *p, size_t n) {
    for (size_t i = 0; i + 5 < n; i++) {
        if (p[i] != '\\') continue;
        if (p[i + 1] == 'u' && p[i + 2] == '0' && p[i + 3] == '0' && p[i + 4] == '0' && p[i + 5] == '0')
            return 1;
        i++; /* skip the escaped character, so "\\\\u0000" is not a NUL */
    }
    return 0;
}

int json_body(struct req *req, cJSON **out) {
    *out = NULL;
    const char *p = req->body ? req->body : "";
    size_t n = req->nbody;
    while (n > 0 && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++, n--;
    if (n == 0) {
        *out = cJSON_CreateObject();
        return 0;
    }
    const char *end = NULL;
    int rc = -1;
    /* cJSON 1.7.15 mis-handles require_null_terminated together with a
     * length, so trailing garbage is checked here. */
    cJSON *root = cJSON_ParseWithLengthOpts(p, n, &end, 0);
    int parsed = root != NULL;
    if (parsed) {
        const char *stop = p + n;
        while (end < stop && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t')) end++;
        parsed = end == stop;
    }
    /* A raw NUL byte in the body, or an escaped one in a string, would
     * cut a C string short: refuse both. */
    if (parsed && (memchr(p, 0, n) != NULL || has_escaped_nul(p, n))) {
        req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                 "Could not parse request body into json: strings must not contain the "
                 "NUL character (\\u0000)");
        goto out;
    }
    if (!parsed) {
        size_t at = end ? (size_t)(end - req->body) : 0;
        req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                 "Could not parse request body into json: Could not parse payload into "
                 "json: Unexpected character at offset %zu",
                 at);
        goto out;
    }
    if (!cJSON_IsObject(root)) {
        req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                 "Could not parse request body into json: expected a JSON object");
        goto out;
    }
    *out = root;
    root = NULL;
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

static int wrong_type(struct req *req, const char *key, const char *want) {
    return req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                    "Could not parse request body into json: Could not deserialize member '%s': "
                    "expected %s",
                    key, want);
}

static cJSON *member(cJSON *obj, const char *key) {
    cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return (it == NULL || cJSON_IsNull(it)) ? NULL : it;
}

int jget_str(struct req *req, cJSON *obj, const char *key, const char **out) {
    *out = NULL;
    cJSON *it = member(obj, key);
    if (it == NULL) return 0;
    if (!cJSON_IsString(it)) return wrong_type(req, key, "a string");
    *out = it->valuestring;
    return 1;
}

int jget_int(struct req *req, cJSON *obj, const char *key, int64_t *out) {
    cJSON *it = member(obj, key);
    if (it == NULL) return 0;
    if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) ||
        fabs(it->valuedouble) > 9e15)
        return wrong_type(req, key, "an integer");
    *out = (int64_t)it->valuedouble;
    return 1;
}

int jget_num(struct req *req, cJSON *obj, const char *key, double *out) {
    cJSON *it = member(obj, key);
    if (it == NULL) return 0;
    if (!cJSON_IsNumber(it)) return wrong_type(req, key, "a number");
    *out = it->valuedouble;
    return 1;
}

int jget_bool(struct req *req, cJSON *obj, const char *key, int *out) {
    cJSON *it = member(obj, key);
    if (it == NULL) return 0;
    if (!cJSON_IsBool(it)) return wrong_type(req, key, "a boolean");
    *out = cJSON_IsTrue(it);
    return 1;
}

int jget_obj(struct req *req, cJSON *obj, const char *key, cJSON **out) {
    *out = NULL;
    cJSON *it = member(obj, key);
    if (it == NULL) return 0;
    if (!cJSON_IsObject(it)) return wrong_type(req, key, "an object");
    *out = it;
    return 1;
}

int jget_arr(struct req *req, cJSON *obj, const char *key, cJSON **out) {
    *out = NULL;
    cJSON *it = member(obj, key);
    if (it == NULL) return 0;
    if (!cJSON_IsArray(it)) return wrong_type(req, key, "an array");
    *out = it;
    return 1;
}
