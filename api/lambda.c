/*
 * Lambda control plane (rest-json), part one: the route table and
 * dispatch, function-name resolution, and the function and version
 * operations. A function's configuration is parsed and applied by
 * lambda_config.c; aliases, concurrency, permissions and tags are in
 * lambda_alias.c. Messages are AWS's, from docs/aws-reference.md B and C.
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/lambda_config.h"
#include "api/lambda_int.h"
#include "api/utf8.h"
#include "api/validate.h"
#include "engine/esm.h"
#include "engine/arn.h"
#include "base/clock.h"
#include "engine/config.h"
#include "engine/invoker.h"
#include "base/log.h"
#include "base/util.h"
#include "runtime/unzip.h"
#include "storage/blob.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Shared helpers                                                       */
/* ------------------------------------------------------------------ */

struct store_scope lscope(struct req *req) {
    struct store_scope s = {req->account, req->region};
    return s;
}

int lstore_fail(struct req *req, int rc) {
    (void)rc;
    return req_fail(req, &AWSERR_LAMBDA_SERVICE, "An internal storage error occurred.");
}

/* Answers a zip that could not be looked at because libzip did not load
 * (MSG, from runtime/unzip.h, says why): the server's fault, so a 500
 * ServiceException, and logged because only an operator can fix it. */
static int lzip_missing(struct req *req, const char *msg) {
    log_msg(LOG_ERROR, "%s", msg);
    return req_fail(req, &AWSERR_LAMBDA_SERVICE, "An internal error occurred: %s", msg);
}

void lfn_arn(struct req *req, const char *name, const char *qualifier, char *buf, size_t n) {
    arn_function(buf, n, req->region, req->account, name, qualifier);
}

int lfn_not_found(struct req *req, const char *name, const char *qualifier) {
    char arn[512];
    lfn_arn(req, name, qualifier, arn, sizeof(arn));
    return req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "Function not found: %s", arn);
}

void lrevision(char out[37]) { util_uuid(out); }

void lnow_string(char *buf, size_t n) { util_lambda_time(clock_now_ms(), buf, n); }

void lfn_free(struct lfn *f) {
    store_fn_clear(&f->row);
    cJSON_Delete(f->latest);
    f->latest = NULL;
}

static const char QUALIFIER_PATTERN[] = "\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+";

int lfn_load(struct req *req, const char *z, enum arn_shape shape, int flags, struct lfn *out) {
    memset(out, 0, sizeof(*out));
    int rc = arn_parse_function(z, shape, &out->ref);
    if (rc == ARN_ENAMELEN) {
        struct vlist vl = {0};
        vl_add(&vl, out->ref.name, "functionName", "Member must have length less than or equal to 64");
        return vl_fail(req, &vl, &AWSERR_INVALID_PARAMETER);
    }
    if (rc != ARN_OK) {
        struct vlist vl = {0};
        char c[600];
        if (strlen(z) > arn_max_len(shape)) {
            snprintf(c, sizeof(c), "Member must have length less than or equal to %zu",
                     arn_max_len(shape));
            vl_add(&vl, z, "functionName", c);
        }
        if (rc == ARN_EPATTERN) {
            snprintf(c, sizeof(c), "Member must satisfy regular expression pattern: %s",
                     arn_pattern(shape));
            vl_add(&vl, z, "functionName", c);
        }
        return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
    }
    if (out->ref.region[0] && strcmp(out->ref.region, req->region) != 0)
        return req_fail(req, &AWSERR_LAMBDA_NOT_FOUND,
                        "Functions from '%s' are not reachable in this region ('%s')",
                        out->ref.region, req->region);
    if (out->ref.account[0] && strcmp(out->ref.account, req->account) != 0) {
        char arn[512];
        lfn_arn(req, out->ref.name, NULL, arn, sizeof(arn));
        arn_function(arn, sizeof(arn), req->region, out->ref.account, out->ref.name, NULL);
        return req_fail(req, &AWSERR_ACCESS_DENIED,
                        "User: arn:aws:iam::%s:root is not authorized to perform: lambda:* on "
                        "resource: %s because no resource-based policy allows the lambda:* action",
                        req->account, arn);
    }
    snprintf(out->qualifier, sizeof(out->qualifier), "%s", out->ref.qualifier);
    if (flags & LFN_QUERY_QUALIFIER) {
        const char *q = req_query(req, "Qualifier");
        if (q) {
            struct vlist vl = {0};
            size_t nq = strlen(q);
            int okpat = nq > 0 && (strcmp(q, "$LATEST") == 0 || strcmp(q, "$LATEST.PUBLISHED") == 0 ||
                                   strspn(q, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                             "0123456789-_$") == nq);
            if (nq > ARN_MAX_QUALIFIER)
                vl_add(&vl, q, "qualifier", "Member must have length less than or equal to 128");
            if (nq < 1)
                vl_add(&vl, q, "qualifier", "Member must have length greater than or equal to 1");
            if (!okpat) {
                char c[256];
                snprintf(c, sizeof(c), "Member must satisfy regular expression pattern: %s",
                         QUALIFIER_PATTERN);
                vl_add(&vl, q, "qualifier", c);
            }
            if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) return -1;
            if (out->qualifier[0] && strcmp(out->qualifier, q) != 0)
                return req_fail(req, &AWSERR_INVALID_PARAMETER,
                                "The derived qualifier from the function name does not match "
                                "the specified qualifier.");
            snprintf(out->qualifier, sizeof(out->qualifier), "%s", q);
        }
    }
    if (flags & LFN_NO_LOAD) return 0;
    rc = store_fn_get(lscope(req), out->ref.name, &out->row);
    if (rc == STORE_NOTFOUND) {
        const char *q = out->qualifier[0] ? out->qualifier
                        : (flags & LFN_NF_LATEST) ? "$LATEST" : NULL;
        return lfn_not_found(req, out->ref.name, q);
    }
    if (rc != STORE_OK) return lstore_fail(req, rc);
    out->latest = cJSON_Parse(out->row.config);
    if (out->latest == NULL) return lstore_fail(req, STORE_ERR);
    return 0;
}

struct cJSON *lfn_version_config(struct req *req, struct lfn *f, const char *v) {
    char *text = NULL;
    long n = strtol(v, NULL, 10);
    int rc = (strlen(v) > 9) ? STORE_NOTFOUND : store_ver_get(lscope(req), f->ref.name, (int)n, &text);
    if (rc == STORE_NOTFOUND) {
        lfn_not_found(req, f->ref.name, v);
        return NULL;
    }
    if (rc != STORE_OK) {
        lstore_fail(req, rc);
        return NULL;
    }
    cJSON *c = cJSON_Parse(text);
    free(text);
    if (c == NULL) lstore_fail(req, STORE_ERR);
    return c;
}

struct cJSON *lfn_alias_config(struct req *req, struct lfn *f, const char *alias, int *failed) {
    char *text = NULL;
    *failed = 0;
    int rc = store_alias_get(lscope(req), f->ref.name, alias, &text);
    if (rc == STORE_NOTFOUND) return NULL;
    if (rc != STORE_OK) {
        *failed = 1;
        lstore_fail(req, rc);
        return NULL;
    }
    cJSON *c = cJSON_Parse(text);
    free(text);
    if (c == NULL) {
        *failed = 1;
        lstore_fail(req, STORE_ERR);
    }
    return c;
}

int lmax_items(struct req *req, int *out) {
    *out = LAMBDA_MAX_PAGE;
    const char *z = req_query(req, "MaxItems");
    if (z == NULL) return 0;
    char *end;
    long v = strtol(z, &end, 10);
    struct vlist vl = {0};
    if (*z == '\0' || *end != '\0')
        return req_fail(req, &AWSERR_LAMBDA_VALIDATION,
                        "1 validation error detected: Value '%s' at 'maxItems' failed to satisfy "
                        "constraint: Member must be a number",
                        z);
    if (v < 1) vl_add(&vl, z, "maxItems", "Member must have value greater than or equal to 1");
    if (v > 10000) vl_add(&vl, z, "maxItems", "Member must have value less than or equal to 10000");
    if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) return -1;
    *out = v < LAMBDA_MAX_PAGE ? (int)v : LAMBDA_MAX_PAGE;
    return 0;
}

/* ------------------------------------------------------------------ */
/* Configuration documents                                              */
/* ------------------------------------------------------------------ */

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Stores CODE, a checked upload, as a content-addressed blob and unpacks
 * it beside the others, filling *OUT. The central directory can lie: AWS
 * unpacks the upload, so corrupt data, bad CRCs and sizes that grow past
 * the limit are refused here, by the unpacking; DryRun unpacks too, as
 * that is the check. The unpacked tree is kept for the runtime. Returns
 * 0, or -1 with the AWS error recorded. */
static int store_code(struct req *req, const struct lcode *code, struct lcode_stored *out) {
    const char *msg = NULL;
    uint64_t unzipped = 0;
    int rc = unzip_check(code->zip, code->nzip, &unzipped, &msg);
    if (rc == UNZIP_ENOLIB) return lzip_missing(req, msg);
    if (rc != UNZIP_OK) return req_fail(req, &AWSERR_INVALID_PARAMETER, "%s", msg ? msg : LCODE_UNZIP_FAILED);
    char hex[65];
    if (blob_put(code->zip, code->nzip, hex, out->sha256) != 0) return lstore_fail(req, STORE_ERR);
    char zpath[4096], dir[4096];
    if (blob_path(hex, zpath, sizeof(zpath)) != 0 ||
        snprintf(dir, sizeof(dir), "%s/%s", store_code_dir(), hex) >= (int)sizeof(dir))
        return lstore_fail(req, STORE_ERR);
    rc = unzip_extract(zpath, dir, &msg);
    if (rc == UNZIP_ENOLIB) return lzip_missing(req, msg);
    if (rc == UNZIP_EIO) return lstore_fail(req, STORE_ERR);
    if (rc != UNZIP_OK) return req_fail(req, &AWSERR_INVALID_PARAMETER, "%s", msg ? msg : LCODE_UNZIP_FAILED);
    out->size = code->nzip;
    return 0;
}

/* Copies CFG for output. LIST drops the members List calls leave out. */
static cJSON *config_out(cJSON *cfg, int list) {
    cJSON *o = cJSON_Duplicate(cfg, 1);
    if (list) {
        static const char *const drop[] = {"State", "StateReason", "StateReasonCode",
                                           "LastUpdateStatus", "LastUpdateStatusReason",
                                           "LastUpdateStatusReasonCode", "RuntimeVersionConfig"};
        for (size_t i = 0; i < NELEM(drop); i++) cJSON_DeleteItemFromObjectCaseSensitive(o, drop[i]);
    }
    return o;
}

static void mark_in_progress(cJSON *o) {
    lcfg_set_str(o, "LastUpdateStatus", "InProgress");
    lcfg_set_str(o, "LastUpdateStatusReason", "The function is being created.");
    lcfg_set_str(o, "LastUpdateStatusReasonCode", "Creating");
}

/* ------------------------------------------------------------------ */
/* Functions                                                            */
/* ------------------------------------------------------------------ */

static int publish_from_latest(struct req *req, struct lfn *f, const char *desc, cJSON **out);

/* CreateFunction's answer for F, whose $LATEST (F->latest) was just
 * stored: publishes it when PUBLISH, and answers $LATEST as Pending (with
 * the published Version). Returns 0 or -1 with the error recorded. */
static int create_reply(struct req *req, struct lfn *f, int publish) {
    cJSON *resp = NULL;
    if (publish) {
        cJSON *v = NULL;
        if (publish_from_latest(req, f, NULL, &v) != 0) return -1;
        /* The Create response describes $LATEST with Version "1" (the
         * version just published) and the unqualified ARN [docs/aws-reference.md B4]. */
        resp = config_out(f->latest, 0);
        lcfg_set_str(resp, "Version", cJSON_GetObjectItemCaseSensitive(v, "Version")->valuestring);
        cJSON_Delete(v);
    } else {
        resp = config_out(f->latest, 0);
    }
    lcfg_set_str(resp, "State", "Pending");
    lcfg_set_str(resp, "StateReason", "The function is being created.");
    lcfg_set_str(resp, "StateReasonCode", "Creating");
    cJSON_DeleteItemFromObjectCaseSensitive(resp, "LastUpdateStatus");
    return req_reply_json(req, 201, resp);
}

/* CreateFunction: parse and check the whole body, store the code, build
 * the $LATEST document, write the function. */
static int create_function(struct req *req, struct op_in *a) {
    (void)a;
    cJSON *in = NULL;
    struct lcreate c;
    struct lfn f;
    struct lcode_stored code;
    char arn[512], rev[37], now[40];
    int rc = -1;
    memset(&c, 0, sizeof(c));
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) != 0) goto out;
    if (lcreate_parse_or_fail(req, in, &c) != 0) goto out;
    if (store_code(req, &c.code, &code) != 0) goto out;
    lfn_arn(req, c.ref.name, NULL, arn, sizeof(arn));
    lnow_string(now, sizeof(now));
    lrevision(rev);
    f.ref = c.ref;
    f.latest = lcreate_config(&c, arn, &code, now, rev);
    f.row.config = cJSON_PrintUnformatted(f.latest);
    f.row.tags = c.tags ? cJSON_PrintUnformatted(c.tags) : xstrdup("{}");
    f.row.next_version = 1;
    f.row.created_ms = clock_now_ms();
    int src = store_fn_put(lscope(req), f.ref.name, &f.row, 1);
    if (src == STORE_CONFLICT)
        req_fail(req, &AWSERR_RESOURCE_CONFLICT, "Function already exist: %s", f.ref.name);
    else if (src != STORE_OK)
        lstore_fail(req, src);
    else
        rc = create_reply(req, &f, c.publish);
out:
    lcreate_clear(&c);
    lfn_free(&f);
    cJSON_Delete(in);
    return rc;
}

/* Resolves F's qualifier to a configuration for output: $LATEST or none,
 * a version, or an alias (its version's config under the alias ARN).
 * Returns a new object or NULL with the error recorded. */
static cJSON *resolve_config(struct req *req, struct lfn *f) {
    const char *q = f->qualifier;
    char arn[512];
    if (q[0] == '\0') return config_out(f->latest, 0);
    if (strcmp(q, "$LATEST") == 0) {
        cJSON *o = config_out(f->latest, 0);
        lfn_arn(req, f->ref.name, "$LATEST", arn, sizeof(arn));
        lcfg_set_str(o, "FunctionArn", arn);
        return o;
    }
    if (arn_is_version(q)) return lfn_version_config(req, f, q);
    int failed = 0;
    cJSON *al = lfn_alias_config(req, f, q, &failed);
    if (al == NULL) {
        if (!failed) lfn_not_found(req, f->ref.name, q);
        return NULL;
    }
    const char *v = cJSON_GetObjectItemCaseSensitive(al, "FunctionVersion")->valuestring;
    cJSON *o = strcmp(v, "$LATEST") == 0 ? config_out(f->latest, 0) : lfn_version_config(req, f, v);
    cJSON_Delete(al);
    if (o == NULL) return NULL;
    lfn_arn(req, f->ref.name, q, arn, sizeof(arn));
    lcfg_set_str(o, "FunctionArn", arn);
    return o;
}

static int get_function_configuration(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, LFN_QUERY_QUALIFIER, &f) != 0) goto out;
    cJSON *o = resolve_config(req, &f);
    if (o != NULL) rc = req_reply_json(req, 200, o);
out:
    lfn_free(&f);
    return rc;
}

static int get_function(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, LFN_QUERY_QUALIFIER, &f) != 0) goto out;
    cJSON *cfg = resolve_config(req, &f);
    if (cfg == NULL) goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON *sha = cJSON_GetObjectItemCaseSensitive(cfg, "CodeSha256");
    cJSON_AddItemToObject(o, "Configuration", cfg);
    cJSON *code = cJSON_AddObjectToObject(o, "Code");
    cJSON_AddStringToObject(code, "RepositoryType", "S3");
    /* No S3 here: the location names the content-addressed blob, which is
     * where the code really is, in the form of a pre-signed URL. */
    char loc[512];
    snprintf(loc, sizeof(loc), "https://awslambda-%s-tasks.s3.%s.amazonaws.com/snapshots/%s/%s",
             req->region, req->region, req->account,
             cJSON_IsString(sha) ? sha->valuestring : "");
    cJSON_AddStringToObject(code, "Location", loc);
    cJSON *tags = cJSON_Parse(f.row.tags ? f.row.tags : "{}");
    if (tags && tags->child) cJSON_AddItemToObject(o, "Tags", tags);
    else cJSON_Delete(tags);
    if (f.row.has_reserved) {
        cJSON *c = cJSON_AddObjectToObject(o, "Concurrency");
        cJSON_AddNumberToObject(c, "ReservedConcurrentExecutions", f.row.reserved);
    }
    rc = req_reply_json(req, 200, o);
out:
    lfn_free(&f);
    return rc;
}

struct list_acc {
    cJSON *arr;
    int all;
    struct req *req;
    char last[256];
    int count;
    int limit;
    int more;
    int failed;
    const char *marker;
};

struct ver_page {
    struct list_acc *acc;
    const char *name;
};

static int list_ver_row(void *ctx, const char *version, const char *config) {
    struct ver_page *vp = ctx;
    struct list_acc *acc = vp->acc;
    if (acc->count == acc->limit) {
        acc->more = 1;
        return 1;
    }
    cJSON *c = cJSON_Parse(config);
    if (c) cJSON_AddItemToArray(acc->arr, config_out(c, 1));
    cJSON_Delete(c);
    acc->count++;
    snprintf(acc->last, sizeof(acc->last), "%s/%s", vp->name, version);
    return 0;
}

static int list_fn_row(void *ctx, const char *name, const char *config) {
    struct list_acc *acc = ctx;
    /* Entries are (name, version) with $LATEST as version 0; the marker
     * is "name/version" of the last entry returned. Rows of the marker's
     * own function up to its version were returned on an earlier page. */
    int done_through = -1;
    if (acc->marker) {
        const char *slash = strrchr(acc->marker, '/');
        if ((size_t)(slash - acc->marker) == strlen(name) &&
            strncmp(acc->marker, name, strlen(name)) == 0)
            done_through = atoi(slash + 1);
    }
    if (done_through < 0) {
        if (acc->count == acc->limit) {
            acc->more = 1;
            return 1;
        }
        cJSON *cfg = cJSON_Parse(config);
        if (cfg == NULL) return 0;
        cJSON *o = config_out(cfg, 1);
        cJSON_Delete(cfg);
        if (acc->all) {
            char arn[512];
            lfn_arn(acc->req, name, "$LATEST", arn, sizeof(arn));
            lcfg_set_str(o, "FunctionArn", arn);
        }
        cJSON_AddItemToArray(acc->arr, o);
        acc->count++;
        snprintf(acc->last, sizeof(acc->last), "%s/0", name);
    }
    if (!acc->all) return 0;
    struct ver_page vp = {acc, name};
    int rc = store_ver_list(lscope(acc->req), name, done_through > 0 ? done_through : 0,
                            acc->limit - acc->count + 1, list_ver_row, &vp);
    if (rc != STORE_OK) acc->failed = 1;
    return acc->failed || acc->more;
}

static int list_functions(struct req *req, struct op_in *a) {
    (void)a;
    const char *fv = req_query(req, "FunctionVersion");
    if (fv && strcmp(fv, "ALL") != 0) {
        struct vlist vl = {0};
        vl_add(&vl, fv, "functionVersion", "Member must satisfy enum value set: [ALL]");
        return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
    }
    struct list_acc acc = {0};
    if (lmax_items(req, &acc.limit) != 0) return -1;
    int rc = -1;
    acc.arr = cJSON_CreateArray();
    acc.all = fv != NULL;
    acc.req = req;
    acc.marker = req_query(req, "Marker");
    char from[128] = "";
    if (acc.marker && *acc.marker) {
        const char *slash = strrchr(acc.marker, '/');
        if (slash == NULL || slash == acc.marker || (size_t)(slash - acc.marker) >= sizeof(from)) {
            req_fail(req, &AWSERR_INVALID_PARAMETER, "Invalid marker: %.100s", acc.marker);
            goto out;
        }
        /* Start at the marker's function itself: its later versions may remain. */
        snprintf(from, sizeof(from), "%.*s", (int)(slash - acc.marker), acc.marker);
    } else {
        acc.marker = NULL;
    }
    int src = store_fn_list(lscope(req), from[0] ? from : NULL, 1, 100000, list_fn_row, &acc);
    if (src != STORE_OK || acc.failed) {
        lstore_fail(req, src);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "Functions", acc.arr);
    acc.arr = NULL;
    if (acc.more) cJSON_AddStringToObject(o, "NextMarker", acc.last);
    rc = req_reply_json(req, 200, o);
out:
    cJSON_Delete(acc.arr);
    return rc;
}

/* Names of aliases of F that point at VERSION (as primary or in their
 * routing), as "[a, b]"; empty when none. */
static int aliases_on_version(struct req *req, const char *name, const char *version, char *buf,
                              size_t n);

static int delete_function(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, LFN_QUERY_QUALIFIER, &f) != 0) goto out;
    const char *q = f.qualifier;
    if (q[0] == '\0') {
        int src = store_fn_delete(lscope(req), f.ref.name);
        if (src != STORE_OK) {
            lstore_fail(req, src);
            goto out;
        }
        rc = req_reply_raw(req, 204, NULL, "", 0);
        goto out;
    }
    if (strcmp(q, "$LATEST") == 0) {
        req_fail(req, &AWSERR_INVALID_PARAMETER,
                 "$LATEST version cannot be deleted without deleting the function.");
        goto out;
    }
    if (!arn_is_version(q)) {
        req_fail(req, &AWSERR_INVALID_PARAMETER, "Deletion of aliases is not currently supported.");
        goto out;
    }
    cJSON *vc = lfn_version_config(req, &f, q);
    if (vc == NULL) goto out;
    cJSON_Delete(vc);
    char names[1024];
    if (aliases_on_version(req, f.ref.name, q, names, sizeof(names)) != 0) goto out;
    if (names[0]) {
        req_fail(req, &AWSERR_RESOURCE_CONFLICT,
                 "Unable to delete version because the following aliases reference it: %s", names);
        goto out;
    }
    int src = store_ver_delete(lscope(req), f.ref.name, atoi(q));
    if (src == STORE_OK) src = store_pc_delete(lscope(req), f.ref.name, q);
    if (src == STORE_NOTFOUND) src = STORE_OK;
    if (src == STORE_OK) {
        src = store_policy_delete(lscope(req), f.ref.name, q);
        if (src == STORE_NOTFOUND) src = STORE_OK;
    }
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    rc = req_reply_raw(req, 204, NULL, "", 0);
out:
    lfn_free(&f);
    return rc;
}

struct alias_scan {
    const char *version;
    char *buf;
    size_t n;
    int count;
};

static int alias_scan_row(void *ctx, const char *alias, const char *config) {
    struct alias_scan *s = ctx;
    cJSON *c = cJSON_Parse(config);
    if (c == NULL) return 0;
    int hit = 0;
    cJSON *fv = cJSON_GetObjectItemCaseSensitive(c, "FunctionVersion");
    if (cJSON_IsString(fv) && strcmp(fv->valuestring, s->version) == 0) hit = 1;
    cJSON *rc = cJSON_GetObjectItemCaseSensitive(c, "RoutingConfig");
    cJSON *w = rc ? cJSON_GetObjectItemCaseSensitive(rc, "AdditionalVersionWeights") : NULL;
    if (w && cJSON_GetObjectItemCaseSensitive(w, s->version)) hit = 1;
    cJSON_Delete(c);
    if (hit) {
        size_t len = strlen(s->buf);
        snprintf(s->buf + len, s->n - len, "%s%s", s->count ? ", " : "", alias);
        s->count++;
    }
    return 0;
}

static int aliases_on_version(struct req *req, const char *name, const char *version, char *buf,
                              size_t n) {
    char inner[1000] = "";
    struct alias_scan s = {version, inner, sizeof(inner), 0};
    int rc = store_alias_list(lscope(req), name, NULL, 100000, alias_scan_row, &s);
    if (rc != STORE_OK) return lstore_fail(req, rc);
    if (s.count) snprintf(buf, n, "[%s]", inner);
    else buf[0] = '\0';
    return 0;
}

/* CFG's RevisionId, or NULL when it has none. Borrowed from CFG. */
static const char *revision_of(cJSON *cfg) {
    cJSON *r = cJSON_GetObjectItemCaseSensitive(cfg, "RevisionId");
    return cJSON_IsString(r) ? r->valuestring : NULL;
}

/* 412 unless REVISION (may be NULL) matches CFG's RevisionId. */
static int check_revision(struct req *req, cJSON *cfg, const char *revision) {
    return lrevision_check_or_fail(req, revision, revision_of(cfg));
}

/* Loads the unqualified (or $LATEST) function for an update. */
static int load_for_update(struct req *req, struct op_in *a, struct lfn *f) {
    if (lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, 0, f) != 0) return -1;
    if (f->qualifier[0] && strcmp(f->qualifier, "$LATEST") != 0)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Unsupported qualifier %s: updates apply to the unpublished version "
                        "($LATEST) only.",
                        f->qualifier);
    return 0;
}

static int save_latest(struct req *req, struct lfn *f) {
    char rev[37], now[40];
    lrevision(rev);
    lnow_string(now, sizeof(now));
    lcfg_set_str(f->latest, "RevisionId", rev);
    lcfg_set_str(f->latest, "LastModified", now);
    lcfg_set_str(f->latest, "LastUpdateStatus", "Successful");
    cJSON_DeleteItemFromObjectCaseSensitive(f->latest, "LastUpdateStatusReason");
    cJSON_DeleteItemFromObjectCaseSensitive(f->latest, "LastUpdateStatusReasonCode");
    lcfg_runtime_version(f->latest);
    free(f->row.config);
    f->row.config = cJSON_PrintUnformatted(f->latest);
    int rc = store_fn_put(lscope(req), f->ref.name, &f->row, 0);
    return rc == STORE_OK ? 0 : lstore_fail(req, rc);
}

/* UpdateFunctionConfiguration: load $LATEST, parse and check the body,
 * apply it, store it. */
static int update_function_configuration(struct req *req, struct op_in *a) {
    struct lfn f;
    struct lcfg c;
    cJSON *in = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) != 0) goto out;
    if (load_for_update(req, a, &f) != 0) goto out;
    if (lupdate_config_parse_or_fail(req, in, revision_of(f.latest), &c) != 0) goto out;
    lcfg_apply(&c, f.latest, 0);
    if (save_latest(req, &f) != 0) goto out;
    cJSON *o = config_out(f.latest, 0);
    mark_in_progress(o);
    rc = req_reply_json(req, 200, o);
out:
    lfn_free(&f);
    cJSON_Delete(in);
    return rc;
}

/* UpdateFunctionCode: load $LATEST, parse and check the body, store the
 * code, apply it; then answer (DryRun), or store $LATEST and publish it
 * when asked. */
static int update_function_code(struct req *req, struct op_in *a) {
    struct lfn f;
    struct lupdate_code u;
    struct lcode_stored code;
    cJSON *in = NULL, *o = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    memset(&u, 0, sizeof(u));
    if (json_body(req, &in) != 0) goto out;
    if (load_for_update(req, a, &f) != 0) goto out;
    if (lupdate_code_parse_or_fail(req, in, revision_of(f.latest), &u) != 0) goto out;
    if (store_code(req, &u.code, &code) != 0) goto out;
    lcode_apply(f.latest, u.architecture, &code);
    if (u.dry_run) {
        rc = req_reply_json(req, 200, config_out(f.latest, 0));
        goto out;
    }
    if (save_latest(req, &f) != 0) goto out;
    if (u.publish && publish_from_latest(req, &f, NULL, &o) != 0) goto out;
    if (o == NULL) o = config_out(f.latest, 0);
    mark_in_progress(o);
    rc = req_reply_json(req, 200, o);
out:
    lcode_clear(&u.code);
    lfn_free(&f);
    cJSON_Delete(in);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Versions                                                             */
/* ------------------------------------------------------------------ */

/* Publishes $LATEST of F (already loaded, in a write transaction) as a new
 * version, or returns the newest version when nothing changed since it
 * was published. *OUT gets the version's config. */
/* SHA-256 (hex) of what a published version copies from $LATEST: the
 * configuration without the members that change on every write. Two
 * publishes with equal fingerprints would publish the same thing. */
static void config_fingerprint(cJSON *cfg, char out[65]) {
    static const char *const volatile_keys[] = {
        "RevisionId", "LastModified", "Version", "FunctionArn", "State", "StateReason",
        "StateReasonCode", "LastUpdateStatus", "LastUpdateStatusReason", "LastUpdateStatusReasonCode"};
    cJSON *c = cJSON_Duplicate(cfg, 1);
    for (size_t i = 0; i < NELEM(volatile_keys); i++)
        cJSON_DeleteItemFromObjectCaseSensitive(c, volatile_keys[i]);
    char *text = cJSON_PrintUnformatted(c);
    cJSON_Delete(c);
    char b64[45];
    blob_digest(text, strlen(text), out, b64);
    free(text);
}

static int publish_from_latest(struct req *req, struct lfn *f, const char *desc, cJSON **out) {
    char fp[65];
    config_fingerprint(f->latest, fp);
    int maxv = 0;
    int src = store_ver_max(lscope(req), f->ref.name, &maxv);
    if (src != STORE_OK) return lstore_fail(req, src);
    if (maxv > 0 && f->row.published_rev && strcmp(f->row.published_rev, fp) == 0) {
        char v[16];
        snprintf(v, sizeof(v), "%d", maxv);
        *out = lfn_version_config(req, f, v);
        return *out ? 0 : -1;
    }
    int version = f->row.next_version > maxv ? f->row.next_version : maxv + 1;
    char vs[16], arn[512], vrev[37], now[40];
    snprintf(vs, sizeof(vs), "%d", version);
    int rc = -1;
    cJSON *vc = config_out(f->latest, 0);
    lfn_arn(req, f->ref.name, vs, arn, sizeof(arn));
    lcfg_set_str(vc, "FunctionArn", arn);
    lcfg_set_str(vc, "Version", vs);
    lrevision(vrev);
    lcfg_set_str(vc, "RevisionId", vrev);
    lnow_string(now, sizeof(now));
    lcfg_set_str(vc, "LastModified", now);
    if (desc) lcfg_set_str(vc, "Description", desc);
    lcfg_set_str(vc, "State", "Active");
    lcfg_set_str(vc, "LastUpdateStatus", "Successful");
    char *text = cJSON_PrintUnformatted(vc);
    src = store_ver_insert(lscope(req), f->ref.name, version, text);
    free(text);
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    f->row.next_version = version + 1;
    free(f->row.published_rev);
    f->row.published_rev = xstrdup(fp);
    src = store_fn_put(lscope(req), f->ref.name, &f->row, 0);
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    *out = vc;
    vc = NULL;
    rc = 0;
out:
    cJSON_Delete(vc);
    return rc;
}

static int publish_version(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *in = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) != 0) goto out;
    if (lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, 0, &f) != 0) goto out;
    const char *sha = NULL, *desc = NULL, *revision = NULL;
    if (jget_str(req, in, "CodeSha256", &sha) < 0 || jget_str(req, in, "Description", &desc) < 0 ||
        jget_str(req, in, "RevisionId", &revision) < 0)
        goto out;
    if (check_revision(req, f.latest, revision) != 0) goto out;
    if (desc && strlen(desc) > 256) {
        struct vlist vl = {0};
        vl_add(&vl, desc, "description", "Member must have length less than or equal to 256");
        vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
        goto out;
    }
    cJSON *cur = cJSON_GetObjectItemCaseSensitive(f.latest, "CodeSha256");
    if (sha && cJSON_IsString(cur) && strcmp(sha, cur->valuestring) != 0) {
        req_fail(req, &AWSERR_INVALID_PARAMETER,
                 "CodeSHA256 (%s) is different from current CodeSHA256 in $LATEST (%s). Please "
                 "try again with the CodeSHA256 in $LATEST.",
                 sha, cur->valuestring);
        goto out;
    }
    cJSON *v = NULL;
    if (publish_from_latest(req, &f, desc, &v) != 0) goto out;
    rc = req_reply_json(req, 201, v);
out:
    lfn_free(&f);
    cJSON_Delete(in);
    return rc;
}

struct ver_acc {
    cJSON *arr;
    int count;
    int limit;
    int more;
    int last;
};

static int ver_row(void *ctx, const char *key, const char *config) {
    struct ver_acc *acc = ctx;
    if (acc->count == acc->limit) {
        acc->more = 1;
        return 1;
    }
    cJSON *c = cJSON_Parse(config);
    if (c) cJSON_AddItemToArray(acc->arr, config_out(c, 1));
    cJSON_Delete(c);
    acc->count++;
    acc->last = atoi(key);
    return 0;
}

static int list_versions(struct req *req, struct op_in *a) {
    struct lfn f;
    struct ver_acc acc = {0};
    int rc = -1;
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, 0, &f) != 0) goto out;
    if (lmax_items(req, &acc.limit) != 0) goto out;
    acc.arr = cJSON_CreateArray();
    /* Marker: the last version returned; "0" stands for $LATEST. */
    const char *marker = req_query(req, "Marker");
    int after = -1;
    if (marker && *marker) {
        if (!arn_is_version(marker) && strcmp(marker, "0") != 0) {
            req_fail(req, &AWSERR_INVALID_PARAMETER, "Invalid marker: %.100s", marker);
            goto out;
        }
        after = atoi(marker);
    }
    if (after < 0) {
        cJSON *o = config_out(f.latest, 1);
        char arn[512];
        lfn_arn(req, f.ref.name, "$LATEST", arn, sizeof(arn));
        lcfg_set_str(o, "FunctionArn", arn);
        cJSON_AddItemToArray(acc.arr, o);
        acc.count = 1;
        after = 0;
    }
    int src = store_ver_list(lscope(req), f.ref.name, after, acc.limit + 1, ver_row, &acc);
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "Versions", acc.arr);
    acc.arr = NULL;
    if (acc.more) {
        char m[16];
        snprintf(m, sizeof(m), "%d", acc.last);
        cJSON_AddStringToObject(o, "NextMarker", m);
    }
    rc = req_reply_json(req, 200, o);
out:
    cJSON_Delete(acc.arr);
    lfn_free(&f);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Invoke                                                               */
/* ------------------------------------------------------------------ */

/* X-Amz-Client-Context: base64 of a JSON object, at most 3583 bytes. */
/* Event invocations carry at most 1 MB (AWS's current async limit). */
#define LAMBDA_MAX_ASYNC_PAYLOAD 1048576u
#define LAMBDA_MAX_CLIENT_CONTEXT 3583

static int invoke(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    cJSON *cfg = NULL;
    char *cc = NULL;
    const char *type = req_header(req, "X-Amz-Invocation-Type");
    const char *logtype = req_header(req, "X-Amz-Log-Type");
    if (type && strcmp(type, "RequestResponse") != 0 && strcmp(type, "Event") != 0 &&
        strcmp(type, "DryRun") != 0) {
        struct vlist vl = {0};
        vl_add(&vl, type, "invocationType", "Member must satisfy enum value set: [Event, RequestResponse, DryRun]");
        return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
    }
    if (logtype && strcmp(logtype, "None") != 0 && strcmp(logtype, "Tail") != 0) {
        struct vlist vl = {0};
        vl_add(&vl, logtype, "logType", "Member must satisfy enum value set: [None, Tail]");
        return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
    }
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, LFN_QUERY_QUALIFIER | LFN_NF_LATEST, &f) != 0) goto out;
    /* The payload must be JSON (any JSON value); none is an empty object. */
    const char *payload = req->nbody ? req->body : "{}";
    size_t npayload = req->nbody ? req->nbody : 2;
    if (req->nbody) {
        const char *end = NULL;
        cJSON *probe = cJSON_ParseWithLengthOpts(req->body, req->nbody, &end, 0);
        const char *stop = req->body + req->nbody;
        while (probe && end < stop && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t')) end++;
        int bad = probe == NULL || end != stop;
        cJSON_Delete(probe);
        if (bad) {
            req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                     "Could not parse request body into json: Could not parse payload into json: "
                     "Unexpected character at offset %ld",
                     (long)(end ? end - req->body : 0));
            goto out;
        }
    }
    const char *ccz = req_header(req, "X-Amz-Client-Context");
    if (ccz) {
        size_t n = 0;
        unsigned char *raw = util_b64_decode(ccz, strlen(ccz), &n);
        cJSON *probe = raw ? cJSON_ParseWithLength((const char *)raw, n) : NULL;
        /* Its text reaches the function: UTF-8 like any request text. */
        int bad = strlen(ccz) > LAMBDA_MAX_CLIENT_CONTEXT || probe == NULL || !cJSON_IsObject(probe) ||
                  utf8_check((const char *)raw, n, NULL) != 0;
        if (!bad) cc = xstrndup((const char *)raw, n);
        free(raw);
        cJSON_Delete(probe);
        if (bad) {
            req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                     "Client context must be a valid Base64-encoded JSON object.");
            goto out;
        }
    }
    char version[32];
    int missing = 0;
    cfg = invoke_resolve(req->account, req->region, f.ref.name, f.qualifier, version, &missing);
    if (cfg == NULL) {
        if (missing) lfn_not_found(req, f.ref.name, f.qualifier[0] ? f.qualifier : "$LATEST");
        else lstore_fail(req, STORE_ERR);
        goto out;
    }
    if (type && strcmp(type, "DryRun") == 0) {
        req_add_header(req, "X-Amz-Executed-Version", version);
        rc = req_reply_raw(req, 204, NULL, "", 0);
        goto out;
    }
    if (type && strcmp(type, "Event") == 0) {
        /* AWS's asynchronous payload limit: 1 MB [docs/aws-reference.md B8]. */
        if (npayload > LAMBDA_MAX_ASYNC_PAYLOAD) {
            req_fail(req, &AWSERR_REQUEST_TOO_LARGE,
                     "Request must be smaller than %u bytes for the InvokeFunction operation",
                     LAMBDA_MAX_ASYNC_PAYLOAD);
            goto out;
        }
        char *body = xstrndup(payload, npayload);
        int qrc = invoke_async_enqueue(req->account, req->region, f.ref.name, f.qualifier,
                                       req->request_id, body);
        free(body);
        if (qrc != 0) {
            lstore_fail(req, STORE_ERR);
            goto out;
        }
        rc = req_reply_raw(req, 202, NULL, "", 0);
        goto out;
    }
    char arn[512];
    lfn_arn(req, f.ref.name, f.qualifier[0] ? f.qualifier : NULL, arn, sizeof(arn));
    struct invoke_req ir = {req->account, req->region, f.ref.name, f.qualifier, version, cfg, arn,
                            payload, npayload, cc, logtype && strcmp(logtype, "Tail") == 0,
                            req->request_id};
    struct invoke_res res;
    if (invoke_sync(&ir, &res) != 0) {
        if (res.throttle_reason) {
            req_fail(req, &AWSERR_TOO_MANY_REQUESTS, "Rate Exceeded.");
            req->err_extra = cJSON_CreateObject();
            cJSON_AddStringToObject(req->err_extra, "Reason", res.throttle_reason);
        } else {
            const struct aws_error *kind = strcmp(res.error_code, "InvalidRuntimeException") == 0
                                               ? &AWSERR_INVALID_RUNTIME
                                           : strcmp(res.error_code, "ServiceUnavailable") == 0
                                               ? &AWSERR_SERVICE_UNAVAILABLE
                                               : &AWSERR_LAMBDA_SERVICE;
            req_fail(req, kind, "%s", res.body ? res.body : "The function could not run.");
        }
    } else {
        req_add_header(req, "X-Amz-Executed-Version", version);
        if (res.function_error) req_add_header(req, "X-Amz-Function-Error", "Unhandled");
        if (res.log_tail) req_add_header(req, "X-Amz-Log-Result", res.log_tail);
        rc = req_reply_raw(req, 200, "application/json", res.body ? res.body : "null",
                           res.body ? res.nbody : 4);
    }
    invoke_res_clear(&res);
out:
    free(cc);
    cJSON_Delete(cfg);
    lfn_free(&f);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Routing                                                              */
/* ------------------------------------------------------------------ */

/* Lambda's REST operations: method and path template per AWS operation.
 * The first match wins, so a path with more segments never shadows one
 * with fewer. */
static const struct op lambda_ops[] = {
    {"CreateFunction", create_function, OP_WRITE | OP_CODE, NULL, "POST", "/2015-03-31/functions"},
    {"ListFunctions", list_functions, 0, NULL, "GET", "/2015-03-31/functions"},
    {"GetFunction", get_function, 0, NULL, "GET", "/2015-03-31/functions/{F}"},
    {"DeleteFunction", delete_function, OP_WRITE, NULL, "DELETE", "/2015-03-31/functions/{F}"},
    {"GetFunctionConfiguration", get_function_configuration, 0, NULL, "GET", "/2015-03-31/functions/{F}/configuration"},
    {"UpdateFunctionConfiguration", update_function_configuration, OP_WRITE, NULL, "PUT", "/2015-03-31/functions/{F}/configuration"},
    {"UpdateFunctionCode", update_function_code, OP_WRITE | OP_CODE, NULL, "PUT", "/2015-03-31/functions/{F}/code"},
    {"PublishVersion", publish_version, OP_WRITE, NULL, "POST", "/2015-03-31/functions/{F}/versions"},
    {"ListVersionsByFunction", list_versions, 0, NULL, "GET", "/2015-03-31/functions/{F}/versions"},
    {"CreateAlias", lambda_create_alias, OP_WRITE, NULL, "POST", "/2015-03-31/functions/{F}/aliases"},
    {"ListAliases", lambda_list_aliases, 0, NULL, "GET", "/2015-03-31/functions/{F}/aliases"},
    {"GetAlias", lambda_get_alias, 0, NULL, "GET", "/2015-03-31/functions/{F}/aliases/{S}"},
    {"UpdateAlias", lambda_update_alias, OP_WRITE, NULL, "PUT", "/2015-03-31/functions/{F}/aliases/{S}"},
    {"DeleteAlias", lambda_delete_alias, OP_WRITE, NULL, "DELETE", "/2015-03-31/functions/{F}/aliases/{S}"},
    {"AddPermission", lambda_add_permission, OP_WRITE, NULL, "POST", "/2015-03-31/functions/{F}/policy"},
    {"GetPolicy", lambda_get_policy, 0, NULL, "GET", "/2015-03-31/functions/{F}/policy"},
    {"RemovePermission", lambda_remove_permission, OP_WRITE, NULL, "DELETE", "/2015-03-31/functions/{F}/policy/{S}"},
    {"PutFunctionConcurrency", lambda_put_concurrency, OP_WRITE, NULL, "PUT", "/2017-10-31/functions/{F}/concurrency"},
    {"DeleteFunctionConcurrency", lambda_delete_concurrency, OP_WRITE, NULL, "DELETE", "/2017-10-31/functions/{F}/concurrency"},
    {"GetFunctionConcurrency", lambda_get_concurrency, 0, NULL, "GET", "/2019-09-30/functions/{F}/concurrency"},
    {"PutProvisionedConcurrencyConfig", lambda_put_pc, OP_WRITE, NULL, "PUT", "/2019-09-30/functions/{F}/provisioned-concurrency"},
    {"GetProvisionedConcurrencyConfig", lambda_get_pc, 0, NULL, "GET", "/2019-09-30/functions/{F}/provisioned-concurrency"},
    {"DeleteProvisionedConcurrencyConfig", lambda_delete_pc, OP_WRITE, NULL, "DELETE", "/2019-09-30/functions/{F}/provisioned-concurrency"},
    {"GetAccountSettings", lambda_account_settings, 0, NULL, "GET", "/2016-08-19/account-settings"},
    {"Invoke", invoke, 0, NULL, "POST", "/2015-03-31/functions/{F}/invocations"},
    {"PutFunctionEventInvokeConfig", lambda_put_eic, OP_WRITE, NULL, "PUT", "/2019-09-25/functions/{F}/event-invoke-config"},
    {"UpdateFunctionEventInvokeConfig", lambda_update_eic, OP_WRITE, NULL, "POST", "/2019-09-25/functions/{F}/event-invoke-config"},
    {"GetFunctionEventInvokeConfig", lambda_get_eic, 0, NULL, "GET", "/2019-09-25/functions/{F}/event-invoke-config"},
    {"DeleteFunctionEventInvokeConfig", lambda_delete_eic, OP_WRITE, NULL, "DELETE", "/2019-09-25/functions/{F}/event-invoke-config"},
    {"ListFunctionEventInvokeConfigs", lambda_list_eic, 0, NULL, "GET", "/2019-09-25/functions/{F}/event-invoke-config/list"},
    {"GetFunctionCodeSigningConfig", lambda_get_fn_csc, 0, NULL, "GET", "/2020-06-30/functions/{F}/code-signing-config"},
    {"PutFunctionCodeSigningConfig", lambda_put_fn_csc, OP_WRITE, NULL, "PUT", "/2020-06-30/functions/{F}/code-signing-config"},
    {"DeleteFunctionCodeSigningConfig", lambda_delete_fn_csc, OP_WRITE, NULL, "DELETE", "/2020-06-30/functions/{F}/code-signing-config"},
    {"TagResource", lambda_tag_resource, OP_WRITE, NULL, "POST", "/2017-03-31/tags/{F}"},
    {"ListTags", lambda_list_tags, 0, NULL, "GET", "/2017-03-31/tags/{F}"},
    {"UntagResource", lambda_untag_resource, OP_WRITE, NULL, "DELETE", "/2017-03-31/tags/{F}"},
    /* A mapping change: the pollers' manager looks once it commits (a
     * kick inside the handler may reach it before the COMMIT). */
    {"CreateEventSourceMapping", lambda_create_esm, OP_WRITE, esm_kick, "POST", "/2015-03-31/event-source-mappings"},
    {"ListEventSourceMappings", lambda_list_esm, 0, NULL, "GET", "/2015-03-31/event-source-mappings"},
    {"GetEventSourceMapping", lambda_get_esm, 0, NULL, "GET", "/2015-03-31/event-source-mappings/{S}"},
    {"UpdateEventSourceMapping", lambda_update_esm, OP_WRITE, esm_kick, "PUT", "/2015-03-31/event-source-mappings/{S}"},
    {"DeleteEventSourceMapping", lambda_delete_esm, OP_WRITE, esm_kick, "DELETE", "/2015-03-31/event-source-mappings/{S}"},
};

static const char *const PREFIXES[] = {"/2015-03-31/", "/2016-08-19/", "/2017-03-31/",
                                       "/2017-10-31/", "/2019-09-25/", "/2019-09-30/",
                                       "/2014-11-13/", "/2020-04-22/", "/2020-06-30/",
                                       "/2021-10-31/"};

int lambda_owns_path(const char *path) {
    for (size_t i = 0; i < NELEM(PREFIXES); i++)
        if (strncmp(path, PREFIXES[i], strlen(PREFIXES[i])) == 0) return 1;
    return 0;
}

static const struct op *lambda_find(const struct service *svc, struct req *req, struct op_in *in) {
    int bad = 0;
    const struct op *op = op_by_path(svc, req->method, req->path, in, &bad);
    if (op != NULL) return op;
    if (bad)
        req_fail(req, &AWSERR_LAMBDA_VALIDATION,
                 "1 validation error detected: Value at 'functionName' failed to satisfy "
                 "constraint: Member must be valid percent-encoding");
    else
        req_fail(req, &AWSERR_LAMBDA_UNKNOWN_OP, "Unknown operation: %s %.200s", req->method,
                 req->path);
    return NULL;
}

static void lambda_store_fail(struct req *req, int rc) {
    lstore_fail(req, rc);
}

const struct service lambda_service = {
    .name = "lambda",
    .ops = lambda_ops,
    .nops = NELEM(lambda_ops),
    .find = lambda_find,
    .store_fail = lambda_store_fail,
};

size_t lambda_body_cap(const char *method, const char *path) {
    int bad;
    const struct op *op = op_by_path(&lambda_service, method, path, NULL, &bad);
    if (op && (op->flags & OP_CODE)) return API_MAX_BODY_CODE;
    if (strstr(path, "/invocations") || strstr(path, "/invoke-async")) return API_MAX_BODY_INVOKE;
    return API_MAX_BODY_DEFAULT;
}
