/*
 * EventInvokeConfig: how asynchronous invocations of a function (or of
 * one of its versions or aliases) are retried and how old they may get.
 * Put / Update / Get / Delete / ListFunctionEventInvokeConfigs, under
 * /2019-09-25/functions/{F}/event-invoke-config. The async workers
 * (engine/async.c) read the stored documents.
 */
#include "api/aws_error.h"
#include "api/lambda_int.h"
#include "api/validate.h"
#include "base/clock.h"
#include "base/util.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The document key: '' for the unqualified function and $LATEST. */
static const char *key_of(const struct lfn *f) {
    return strcmp(f->qualifier, "$LATEST") == 0 ? "" : f->qualifier;
}

static int load(struct req *req, struct op_in *a, struct lfn *f) {
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, LFN_QUERY_QUALIFIER, f) != 0) return -1;
    const char *q = f->qualifier;
    if (q[0] == '\0' || strcmp(q, "$LATEST") == 0) return 0;
    if (arn_is_version(q)) {
        cJSON *c = lfn_version_config(req, f, q);
        cJSON_Delete(c);
        return c ? 0 : -1;
    }
    int failed = 0;
    cJSON *al = lfn_alias_config(req, f, q, &failed);
    if (al == NULL) return failed ? -1 : lfn_not_found(req, f->ref.name, q);
    cJSON_Delete(al);
    return 0;
}

static cJSON *with_arn(struct req *req, const struct lfn *f, const char *text) {
    cJSON *o = cJSON_Parse(text);
    if (o == NULL) return NULL;
    char arn[512];
    lfn_arn(req, f->ref.name, f->qualifier[0] ? f->qualifier : "$LATEST", arn, sizeof(arn));
    cJSON_DeleteItemFromObjectCaseSensitive(o, "FunctionArn");
    cJSON_AddStringToObject(o, "FunctionArn", arn);
    return o;
}

/* The botocore model's DestinationArn pattern (max 350 characters). */
static const char DEST_ARN_PATTERN[] =
    "$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:"
    "([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)";
#define DEST_ARN_MAX 350

static int is_lower(char c) { return c >= 'a' && c <= 'z'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alnum_dash(char c) {
    return is_lower(c) || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-';
}

/* Matches "-[a-z]+-\d" at Z up to the ':' that must follow; 1 or 0. */
static int region_tail(const char *z) {
    if (*z++ != '-' || !is_lower(*z)) return 0;
    while (is_lower(*z)) z++;
    return z[0] == '-' && is_digit(z[1]) && z[2] == ':';
}

/* The region group ([a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})? of the
 * pattern, ending at a ':'. Returns its length, or -1. */
static int region_len(const char *z) {
    if (*z == ':') return 0;
    if (!is_lower(z[0]) || !is_lower(z[1])) return -1;
    const char *p = z + 2;
    const char *opts[4] = {p, NULL, NULL, NULL};
    int n = 1;
    if (strncmp(p, "-gov", 4) == 0) opts[n++] = p + 4;
    if (strncmp(p, "-iso", 4) == 0) {
        opts[n++] = p + 4;
        if (is_lower(p[4])) opts[n++] = p + 5;
    }
    for (int i = 0; i < n; i++) {
        if (!region_tail(opts[i])) continue;
        const char *e = strchr(opts[i] + 1, '-') + 2;
        return (int)(e - z);
    }
    return -1;
}

/* 1 when Z matches the whole DestinationArn pattern. */
static int dest_arn_ok(const char *z) {
    if (*z == '\0') return 1;
    if (strncmp(z, "kafka://", 8) == 0) {
        const char *p = z + 8;
        if (*p == '\0' || *p == '.') return 0;
        size_t n = strlen(p + 1);
        if (n > 248) return 0;
        for (const char *q = p + 1; *q; q++)
            if (!is_alnum_dash(*q) && *q != '_' && *q != '.') return 0;
        return 1;
    }
    if (strncmp(z, "arn:aws", 7) != 0) return 0;
    const char *p = z + 7;
    while (is_alnum_dash(*p)) p++;
    if (*p++ != ':' || !is_alnum_dash(*p)) return 0;
    while (is_alnum_dash(*p)) p++;
    if (*p++ != ':') return 0;
    int r = region_len(p);
    if (r < 0) return 0;
    p += r;
    if (*p++ != ':') return 0;
    int digits = 0;
    while (is_digit(p[digits])) digits++;
    if (digits != 0 && digits != 12) return 0;
    p += digits;
    if (*p++ != ':') return 0;
    return strpbrk(p, "\n\r") == NULL;   /* (.*) stops at line ends */
}

/* Checks DestinationConfig.<KIND>.Destination of DEST against the model,
 * adding failures to VL. Returns -1 on a member of the wrong JSON type. */
static int check_destination(struct req *req, cJSON *dest, const char *kind, const char *field,
                             struct vlist *vl) {
    cJSON *k = NULL;
    const char *d = NULL;
    if (jget_obj(req, dest, kind, &k) < 0 || (k && jget_str(req, k, "Destination", &d) < 0)) return -1;
    if (d == NULL) return 0;
    if (strlen(d) > DEST_ARN_MAX) vl_add(vl, d, field, "Member must have length less than or equal to 350");
    if (!dest_arn_ok(d)) {
        char c[512];
        snprintf(c, sizeof(c), "Member must satisfy regular expression pattern: %s", DEST_ARN_PATTERN);
        vl_add(vl, d, field, c);
    }
    return 0;
}

/* Validates IN's members and merges them into DOC (new when NULL). */
static cJSON *merge(struct req *req, cJSON *in, cJSON *doc) {
    int64_t retries = 0, age = 0;
    int hr, ha;
    cJSON *dest = NULL;
    if ((hr = jget_int(req, in, "MaximumRetryAttempts", &retries)) < 0 ||
        (ha = jget_int(req, in, "MaximumEventAgeInSeconds", &age)) < 0 ||
        jget_obj(req, in, "DestinationConfig", &dest) < 0)
        return NULL;
    struct vlist vl = {0};
    if (hr && retries < 0) vl_add_num(&vl, (double)retries, "maximumRetryAttempts", "Member must have value greater than or equal to 0");
    if (hr && retries > 2) vl_add_num(&vl, (double)retries, "maximumRetryAttempts", "Member must have value less than or equal to 2");
    if (ha && age < 60) vl_add_num(&vl, (double)age, "maximumEventAgeInSeconds", "Member must have value greater than or equal to 60");
    if (ha && age > 21600) vl_add_num(&vl, (double)age, "maximumEventAgeInSeconds", "Member must have value less than or equal to 21600");
    if (dest && (check_destination(req, dest, "OnSuccess", "destinationConfig.onSuccess.destination", &vl) < 0 ||
                 check_destination(req, dest, "OnFailure", "destinationConfig.onFailure.destination", &vl) < 0))
        return NULL;
    if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) return NULL;
    if (doc == NULL) {
        doc = cJSON_CreateObject();
        cJSON_AddNumberToObject(doc, "MaximumRetryAttempts", 2);
        cJSON_AddNumberToObject(doc, "MaximumEventAgeInSeconds", 21600);
        cJSON *d = cJSON_AddObjectToObject(doc, "DestinationConfig");
        cJSON_AddObjectToObject(d, "OnSuccess");
        cJSON_AddObjectToObject(d, "OnFailure");
    }
    if (hr) cJSON_ReplaceItemInObjectCaseSensitive(doc, "MaximumRetryAttempts", cJSON_CreateNumber((double)retries));
    if (ha) cJSON_ReplaceItemInObjectCaseSensitive(doc, "MaximumEventAgeInSeconds", cJSON_CreateNumber((double)age));
    if (dest) {
        /* Destinations are kept and shown; sluice does not deliver to
         * SQS/SNS/EventBridge (no such services here). */
        cJSON *d = cJSON_CreateObject();
        static const char *const kinds[] = {"OnSuccess", "OnFailure"};
        for (int i = 0; i < 2; i++) {
            const cJSON *k = cJSON_GetObjectItemCaseSensitive(dest, kinds[i]);
            cJSON_AddItemToObject(d, kinds[i], cJSON_IsObject(k) ? cJSON_Duplicate(k, 1) : cJSON_CreateObject());
        }
        cJSON_ReplaceItemInObjectCaseSensitive(doc, "DestinationConfig", d);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "LastModified");
    cJSON_AddNumberToObject(doc, "LastModified", (double)clock_now_ms() / 1000.0);
    return doc;
}

static int save_reply(struct req *req, struct lfn *f, cJSON *doc) {
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    int rc = -1;
    int src = store_eic_put(lscope(req), f->ref.name, key_of(f), text);
    if (src != STORE_OK) lstore_fail(req, src);
    else rc = req_reply_json(req, 200, with_arn(req, f, text));
    free(text);
    return rc;
}

int lambda_put_eic(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *in = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) == 0 && load(req, a, &f) == 0) {
        cJSON *doc = merge(req, in, NULL);
        if (doc) rc = save_reply(req, &f, doc);
    }
    cJSON_Delete(in);
    lfn_free(&f);
    return rc;
}

static int not_configured(struct req *req, const struct lfn *f) {
    char arn[512];
    lfn_arn(req, f->ref.name, f->qualifier[0] ? f->qualifier : "$LATEST", arn, sizeof(arn));
    return req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "The function %s doesn't have an EventInvokeConfig", arn);
}

int lambda_update_eic(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *in = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) == 0 && load(req, a, &f) == 0) {
        char *text = NULL;
        int src = store_eic_get(lscope(req), f.ref.name, key_of(&f), &text);
        if (src == STORE_NOTFOUND) not_configured(req, &f);
        else if (src != STORE_OK) lstore_fail(req, src);
        else {
            cJSON *doc = merge(req, in, cJSON_Parse(text));
            if (doc) rc = save_reply(req, &f, doc);
        }
        free(text);
    }
    cJSON_Delete(in);
    lfn_free(&f);
    return rc;
}

int lambda_get_eic(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (load(req, a, &f) == 0) {
        char *text = NULL;
        int src = store_eic_get(lscope(req), f.ref.name, key_of(&f), &text);
        if (src == STORE_NOTFOUND) not_configured(req, &f);
        else if (src != STORE_OK) lstore_fail(req, src);
        else rc = req_reply_json(req, 200, with_arn(req, &f, text));
        free(text);
    }
    lfn_free(&f);
    return rc;
}

int lambda_delete_eic(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (load(req, a, &f) == 0) {
        int src = store_eic_delete(lscope(req), f.ref.name, key_of(&f));
        if (src == STORE_NOTFOUND) not_configured(req, &f);
        else if (src != STORE_OK) lstore_fail(req, src);
        else rc = req_reply_raw(req, 204, NULL, "", 0);
    }
    lfn_free(&f);
    return rc;
}

struct list_ctx {
    struct req *req;
    const char *name;
    cJSON *arr;
};

static int list_row(void *ctx, const char *qualifier, const char *config) {
    struct list_ctx *c = ctx;
    cJSON *o = cJSON_Parse(config);
    if (o == NULL) return 0;
    char arn[512];
    lfn_arn(c->req, c->name, qualifier[0] ? qualifier : "$LATEST", arn, sizeof(arn));
    cJSON_DeleteItemFromObjectCaseSensitive(o, "FunctionArn");
    cJSON_AddStringToObject(o, "FunctionArn", arn);
    cJSON_AddItemToArray(c->arr, o);
    return 0;
}

int lambda_list_eic(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, 0, &f) == 0) {
        struct list_ctx c = {req, f.ref.name, cJSON_CreateArray()};
        int src = store_eic_list(lscope(req), f.ref.name, list_row, &c);
        if (src != STORE_OK) {
            cJSON_Delete(c.arr);
            lstore_fail(req, src);
        } else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "FunctionEventInvokeConfigs", c.arr);
            rc = req_reply_json(req, 200, o);
        }
    }
    lfn_free(&f);
    return rc;
}
