/*
 * Admin endpoints under /_sluice/: health, reset, the clock and metric
 * totals; event source mappings and the delivery audit are in
 * server/admin_esm.c. JSON in and out.
 */
#include "server/router.h"
#include "server/admin_ui.h"
#include "api/op.h"
#include "api/aws_error.h"
#include "api/validate.h"
#include "engine/arn.h"
#include "engine/esm.h"
#include "engine/background.h"
#include "base/clock.h"
#include "engine/invoker.h"
#include "engine/metrics.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_ddb.h"
#include "storage/store_lambda.h"
#include "storage/store_metrics.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int health(struct req *req, struct op_in *oi) {
    (void)oi;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "version", SLUICE_VERSION);
    /* Every service the router serves (server/router.c's rows). */
    static const char *const services[] = {"lambda", "dynamodb", "dynamodbstreams", "cloudwatch", "logs",
                                           "sts", "iam", "sqs", "ssm", "s3", "cloudformation"};
    cJSON *svc = cJSON_AddObjectToObject(o, "services");
    for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++)
        cJSON_AddStringToObject(svc, services[i], "available");
    cJSON_AddNumberToObject(o, "schema_version", store_schema_version());
    return req_reply_json(req, 200, o);
}

static int bad_param(struct req *req, const char *what, const char *why);

/* Parses "1"/"true" (1) or "0"/"false" (0) into *OUT; -1 otherwise. */
static int flag_value(const char *z, int *out) {
    if (strcmp(z, "1") == 0 || strcmp(z, "true") == 0) *out = 1;
    else if (strcmp(z, "0") == 0 || strcmp(z, "false") == 0) *out = 0;
    else return -1;
    return 0;
}

/* Sets the clock's offset to 0 (ZERO) or moves it forward by ADVANCE_MS,
 * persisted and moved under one write transaction, so concurrent moves
 * are stored in order and a failed write leaves the clock where it was;
 * FAIL_MSG is the error when it cannot be stored. Returns 0, or -1 with
 * the error recorded. */
static int clock_move(struct req *req, int zero, int64_t advance_ms, const char *fail_msg) {
    if (store_begin(1) != STORE_OK) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "%s", fail_msg);
    int64_t before = clock_offset_ms();
    int64_t offset = zero ? 0 : before + advance_ms;
    char v[32];
    snprintf(v, sizeof(v), "%lld", (long long)offset);
    if (store_meta_set("clock_offset_ms", v) != STORE_OK) {
        store_rollback();
        return req_fail(req, &AWSERR_LAMBDA_SERVICE, "%s", fail_msg);
    }
    /* Moved while the write lock is held: the next move reads it. */
    clock_set_offset_ms(offset);
    if (store_commit() != STORE_OK) {
        clock_set_offset_ms(before);
        return req_fail(req, &AWSERR_LAMBDA_SERVICE, "%s", fail_msg);
    }
    return 0;
}

/* Wipes the state of every account and region, and with CLOCK the
 * clock's offset. Returns 0, or -1 with the error recorded. */
static int reset_all(struct req *req, int clock) {
    metric_discard();
    if (store_reset() != STORE_OK)
        return req_fail(req, &AWSERR_LAMBDA_SERVICE, "reset failed");
    esm_kick();   /* pollers of the mappings just deleted stop */
    if (clock && clock_move(req, 1, 0, "could not reset the clock") != 0) return -1;
    return 0;
}

/* POST /_sluice/reset[?clock=1] (or the body {"clock": true}): wipes the
 * state of every account and region. The clock's offset is kept unless
 * clock is asked for, since a test that advanced the clock may reset
 * between cases and expect time to go on; with it, the clock is the wall
 * clock again. Everything that remembered a virtual time (metrics, queued
 * events, mappings, stream positions) is wiped with the state. */
static int reset(struct req *req, struct op_in *oi) {
    (void)oi;
    int clock = 0;
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].name;
        if (strcmp(k, "clock") != 0)
            return bad_param(req, k, "is not a parameter of /_sluice/reset (clock)");
        if (flag_value(req->query[i].value, &clock) != 0)
            return bad_param(req, "clock", "must be 1, true, 0 or false");
    }
    cJSON *in = NULL;
    int body_ok = json_body(req, &in) == 0 && cJSON_IsObject(in);
    int bad = 0;
    for (cJSON *m = body_ok ? in->child : NULL; m; m = m->next)
        if (strcmp(m->string, "clock") != 0 || !(cJSON_IsBool(m) || cJSON_IsNull(m))) bad = 1;
    if (body_ok && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in, "clock"))) clock = 1;
    cJSON_Delete(in);
    if (!body_ok) {
        req->err = NULL;
        return req_fail(req, &AWSERR_ADMIN_BAD_REQUEST, "body must be empty or a JSON object");
    }
    if (bad) return bad_param(req, "body", "may hold only \"clock\": true or false");
    if (reset_all(req, clock) != 0) return -1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "reset");
    cJSON_AddBoolToObject(o, "clock_reset", clock);
    cJSON_AddNumberToObject(o, "offset_ms", (double)clock_offset_ms());
    return req_reply_json(req, 200, o);
}

/* POST /moto-api/reset: moto server mode's reset, for suites written
 * against moto. Like /_sluice/reset without the clock; it answers as
 * moto does, {"status": "ok"}. The body is ignored, as moto ignores it. */
static int moto_reset(struct req *req, struct op_in *oi) {
    (void)oi;
    if (reset_all(req, 0) != 0) return -1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    return req_reply_json(req, 200, o);
}

/* Clock moves allowed per call: up to 10 years, far past any retention
 * or TTL a test could care about, and well inside int64 milliseconds. */
#define ADMIN_MAX_ADVANCE_S (10.0 * 365 * 24 * 3600)

static int clock_reply(struct req *req) {
    int64_t now = clock_now_ms();
    char iso[40];
    util_iso_time(now, iso, sizeof(iso));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "now_ms", (double)now);
    cJSON_AddStringToObject(o, "now", iso);
    cJSON_AddNumberToObject(o, "offset_ms", (double)clock_offset_ms());
    return req_reply_json(req, 200, o);
}

static int clock_get(struct req *req, struct op_in *oi) {
    (void)oi;
    return clock_reply(req);
}

/* POST {"advance_seconds": N}: moves the virtual clock forward, persists
 * the offset, and runs the background work before answering, so that
 * trimming, rollover and TTL have happened when the client sees 200. */
static int clock_post(struct req *req, struct op_in *oi) {
    (void)oi;
    cJSON *in = NULL;
    if (json_body(req, &in) != 0) {
        req->err = NULL;
        return req_fail(req, &AWSERR_ADMIN_BAD_REQUEST, "body must be a JSON object");
    }
    double secs = 0;
    int has = jget_num(req, in, "advance_seconds", &secs);
    cJSON_Delete(in);
    if (has <= 0 || !isfinite(secs) || secs < 0 || secs > ADMIN_MAX_ADVANCE_S) {
        req->err = NULL;
        return req_fail(req, &AWSERR_ADMIN_BAD_REQUEST,
                        "advance_seconds must be a number from 0 to %.0f", ADMIN_MAX_ADVANCE_S);
    }
    if (clock_move(req, 0, (int64_t)llround(secs * 1000.0), "could not persist the clock") != 0) return -1;
    bg_run_now();
    invoke_async_kick();
    invoke_provision_kick();
    esm_stream_written();   /* windows and record ages moved: pollers look again */
    return clock_reply(req);
}

/* ---- metrics ---- */

static int bad_param(struct req *req, const char *what, const char *why) {
    req->err = NULL;
    return req_fail(req, &AWSERR_ADMIN_BAD_REQUEST, "%.100s %s", what, why);
}

/* Adds metric ID's totals on DIMS to OUT: counts summed, gauges as their
 * maximum, times as {sum, count, min, max, average, unit}; zeros without
 * data. Sets *ANY when some data was stored. Returns 0, or -1 on a
 * storage error. */
static int add_total(cJSON *out, struct store_scope s, enum metric_id id, const char *dims, int *any) {
    struct store_metric_row t;
    int rc = store_metrics_total(s, metric_name(id), dims, &t);
    if (rc != STORE_OK && rc != STORE_NOTFOUND) return -1;
    if (rc == STORE_NOTFOUND) memset(&t, 0, sizeof(t));
    else if (t.count > 0) *any = 1;
    switch (metric_kind(id)) {
    case METRIC_KIND_SUM: cJSON_AddNumberToObject(out, metric_name(id), t.sum); break;
    case METRIC_KIND_MAX: cJSON_AddNumberToObject(out, metric_name(id), t.max); break;
    case METRIC_KIND_TIME: {
        cJSON *o = cJSON_AddObjectToObject(out, metric_name(id));
        cJSON_AddNumberToObject(o, "sum", t.sum);
        cJSON_AddNumberToObject(o, "count", t.count);
        cJSON_AddNumberToObject(o, "min", t.min);
        cJSON_AddNumberToObject(o, "max", t.max);
        cJSON_AddNumberToObject(o, "average", t.count > 0 ? t.sum / t.count : 0);
        cJSON_AddStringToObject(o, "unit", metric_unit(id));
        break;
    }
    }
    return 0;
}

/* Whether function NAME (and QUALIFIER: "" none, "$LATEST", a version or
 * an alias) exists in S: 1 yes, 0 no, -1 storage error. */
static int function_exists(struct store_scope s, const char *name, const char *qualifier) {
    struct store_fn f;
    int rc = store_fn_get(s, name, &f);
    if (rc == STORE_OK) store_fn_clear(&f);
    if (rc != STORE_OK || qualifier[0] == '\0' || strcmp(qualifier, "$LATEST") == 0)
        return rc == STORE_OK ? 1 : rc == STORE_NOTFOUND ? 0 : -1;
    char *config = NULL;
    if (arn_is_version(qualifier))
        rc = store_ver_get(s, name, (int)strtol(qualifier, NULL, 10), &config);
    else
        rc = store_alias_get(s, name, qualifier, &config);
    free(config);
    return rc == STORE_OK ? 1 : rc == STORE_NOTFOUND ? 0 : -1;
}

/* GET /_sluice/metrics?function=NAME[&qualifier=Q][&account=A][&region=R]:
 * the totals of every Lambda metric so far (all stored minutes) for the
 * function (FunctionName) or one qualifier (FunctionName+Resource).
 * NAME takes every form a Lambda FunctionName does (name, name:qualifier,
 * partial and full ARNs); an ARN's account and region are used, and must
 * agree with account= and region= when both are given. Account and
 * region default to the caller's (SigV4 or the defaults).
 * UnreservedConcurrentExecutions is account-wide and the Async* metrics
 * per function, as AWS publishes them, whatever the qualifier. A function
 * (or qualifier) that does not exist and has no data is a 404, so that a
 * misspelt name is not read as zeros. */
static int metrics_get(struct req *req, struct op_in *oi) {
    (void)oi;
    const char *fn = NULL, *qualifier = NULL, *account = NULL, *region = NULL;
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].name, *v = req->query[i].value;
        if (strcmp(k, "function") == 0) fn = v;
        else if (strcmp(k, "qualifier") == 0) qualifier = v;
        else if (strcmp(k, "account") == 0) account = v;
        else if (strcmp(k, "region") == 0) region = v;
        else return bad_param(req, k, "is not a parameter of /_sluice/metrics (function, qualifier, account, region)");
    }
    if (fn == NULL || fn[0] == '\0') return bad_param(req, "function", "is required");
    struct fn_ref ref;
    if (arn_parse_function(fn, ARN_SHAPE_NAMESPACED, &ref) != ARN_OK)
        return bad_param(req, "function", "is not a function name or ARN");
    if (qualifier && (qualifier[0] == '\0' || strlen(qualifier) > ARN_MAX_QUALIFIER || strpbrk(qualifier, ",=:")))
        return bad_param(req, "qualifier", "is not a version or alias");
    if (qualifier && ref.qualifier[0] && strcmp(qualifier, ref.qualifier) != 0)
        return bad_param(req, "qualifier", "differs from the one in function");
    if (qualifier == NULL && ref.qualifier[0]) qualifier = ref.qualifier;
    if (ref.account[0] && account && strcmp(account, ref.account) != 0)
        return bad_param(req, "account", "differs from the function ARN's");
    if (ref.region[0] && region && strcmp(region, ref.region) != 0)
        return bad_param(req, "region", "differs from the function ARN's");
    if (account == NULL) account = ref.account[0] ? ref.account : req->account;
    if (region == NULL) region = ref.region[0] ? ref.region : req->region;
    if (strlen(account) != 12 || strspn(account, "0123456789") != 12)
        return bad_param(req, "account", "must be 12 digits");
    if (region[0] == '\0' || strlen(region) > 31 || strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region))
        return bad_param(req, "region", "is not a region name");
    const char *name = ref.name;
    if (metric_flush() != 0) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not read metrics");
    char fdims[512], rdims[1024];
    char resource[sizeof(ref.name) + sizeof(ref.qualifier) + 2];
    snprintf(resource, sizeof(resource), "%s:%s", name, qualifier ? qualifier : "");
    const char *names[2] = {"FunctionName", "Resource"};
    const char *values[2] = {name, resource};
    metric_dims(names, values, 1, fdims, sizeof(fdims));
    metric_dims(names, values, 2, rdims, sizeof(rdims));
    struct store_scope s = {account, region};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "account", account);
    cJSON_AddStringToObject(o, "region", region);
    cJSON_AddStringToObject(o, "function", name);
    if (qualifier) cJSON_AddStringToObject(o, "qualifier", qualifier);
    else cJSON_AddNullToObject(o, "qualifier");
    cJSON *m = cJSON_AddObjectToObject(o, "metrics");
    cJSON *u = cJSON_AddObjectToObject(o, "units");
    int rc = 0, any = 0, own = 0;
    for (int id = 0; id < METRIC_COUNT && rc == 0; id++) {
        const char *dims = qualifier ? rdims : fdims;
        int shared = 0;   /* not the function's own dimensions */
        if (id == METRIC_UNRESERVED_CONCURRENT_EXECUTIONS) dims = "", shared = 1;
        if (id == METRIC_ASYNC_EVENTS_RECEIVED || id == METRIC_ASYNC_EVENT_AGE || id == METRIC_ASYNC_EVENTS_DROPPED ||
            id == METRIC_DEAD_LETTER_ERRORS || id == METRIC_DESTINATION_DELIVERY_FAILURES)
            dims = fdims;
        rc = add_total(m, s, (enum metric_id)id, dims, shared ? &any : &own);
        cJSON_AddStringToObject(u, metric_name((enum metric_id)id), metric_unit((enum metric_id)id));
    }
    int exists = rc == 0 && !own ? function_exists(s, name, qualifier ? qualifier : "") : 1;
    if (rc != 0 || exists < 0) {
        rc = req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not read metrics");
    } else if (!exists) {
        char arn[512];
        arn_function(arn, sizeof(arn), region, account, name, qualifier);
        rc = req_fail(req, &AWSERR_ADMIN_NOT_FOUND, "Function not found: %s", arn);
    } else {
        rc = req_reply_json(req, 200, o);
        o = NULL;
    }
    cJSON_Delete(o);
    return rc;
}

/* Deliveries listed per call: the newest, enough to see a test's. */
#define ADMIN_MAX_DELIVERIES 100

static int add_delivery(void *ctx, const struct store_async_delivery *d) {
    cJSON *o = cJSON_CreateObject();
    char at[40];
    util_iso_time(d->created_ms, at, sizeof(at));
    cJSON_AddStringToObject(o, "time", at);
    cJSON_AddStringToObject(o, "request_id", d->request_id);
    cJSON_AddStringToObject(o, "kind", d->kind);
    cJSON_AddStringToObject(o, "condition", d->condition);
    cJSON_AddStringToObject(o, "destination", d->destination);
    cJSON_AddBoolToObject(o, "delivered", d->error == NULL);
    if (d->error) cJSON_AddStringToObject(o, "error", d->error);
    cJSON_AddItemToArray(ctx, o);
    return 0;
}

/* GET /_sluice/async-deliveries?function=NAME[&account=A][&region=R]:
 * where the ends of the function's asynchronous invocations went
 * (docs/aws-reference.md B10), newest first: OnSuccess, OnFailure and
 * dead-letter deliveries with their condition and, when one failed, why.
 * NAME is a bare function name; account and region default to the
 * caller's. */
static int async_deliveries(struct req *req, struct op_in *oi) {
    (void)oi;
    const char *fn = NULL, *account = req->account, *region = req->region;
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].name, *v = req->query[i].value;
        if (strcmp(k, "function") == 0) fn = v;
        else if (strcmp(k, "account") == 0) account = v;
        else if (strcmp(k, "region") == 0) region = v;
        else return bad_param(req, k, "is not a parameter of /_sluice/async-deliveries (function, account, region)");
    }
    if (fn == NULL || fn[0] == '\0') return bad_param(req, "function", "is required");
    if (strlen(fn) > ARN_MAX_NAME || strspn(fn, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
                                         strlen(fn))
        return bad_param(req, "function", "is not a function name");
    if (strlen(account) != 12 || strspn(account, "0123456789") != 12)
        return bad_param(req, "account", "must be 12 digits");
    struct store_scope s = {account, region};
    cJSON *list = cJSON_CreateArray();
    int rc = store_begin(0);
    if (rc == STORE_OK) {
        rc = store_async_deliveries(s, fn, ADMIN_MAX_DELIVERIES, add_delivery, list);
        store_rollback();
    }
    if (rc != STORE_OK) {
        rc = req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not read the deliveries");
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "function", fn);
    cJSON_AddItemToObject(o, "deliveries", list);
    list = NULL;
    rc = req_reply_json(req, 200, o);
out:
    cJSON_Delete(list);
    return rc;
}

/* GET /_sluice/event-source-mappings/{UUID}. */
static int esm_get(struct req *req, struct op_in *in) {
    /* Longer than a UUID: no such endpoint, as for any unknown path. */
    if (strlen(in->sub) > 36) return req_fail(req, &AWSERR_ADMIN_NOT_FOUND, "No admin endpoint %.200s", req->path);
    return admin_esm_get(req, in->sub);
}

static int stream_audit(struct req *req, struct op_in *in) {
    (void)in;
    return admin_stream_audit(req);
}

/* The dashboard (issue 18, server/admin_ui*.c). */
static int ui_page(struct req *req, struct op_in *in) {
    (void)in;
    return admin_ui_file(req, NULL);
}

static int ui_log(struct req *req, struct op_in *in) {
    (void)in;
    return admin_ui_log(req);
}

static int ui_file(struct req *req, struct op_in *in) {
    return admin_ui_file(req, in->sub);
}

static int ui_state(struct req *req, struct op_in *in) {
    (void)in;
    return admin_ui_state(req);
}

/* The admin endpoints. Each handler manages its own reads and writes
 * (reset and the clock touch more than the database). */
static const struct op admin_ops[] = {
    {"Health", health, 0, NULL, "GET", "/_sluice/health"},
    {"Reset", reset, 0, NULL, "POST", "/_sluice/reset"},
    {"MotoReset", moto_reset, 0, NULL, "POST", "/moto-api/reset"},
    {"GetClock", clock_get, 0, NULL, "GET", "/_sluice/clock"},
    {"MoveClock", clock_post, 0, NULL, "POST", "/_sluice/clock"},
    {"GetMetrics", metrics_get, 0, NULL, "GET", "/_sluice/metrics"},
    {"GetStreamAudit", stream_audit, 0, NULL, "GET", "/_sluice/streams/audit"},
    {"GetAsyncDeliveries", async_deliveries, 0, NULL, "GET", "/_sluice/async-deliveries"},
    {"GetEventSourceMapping", esm_get, 0, NULL, "GET", "/_sluice/event-source-mappings/{S}"},
    {"GetDashboard", ui_page, 0, NULL, "GET", "/_sluice/ui"},
    {"GetDashboardState", ui_state, 0, NULL, "GET", "/_sluice/ui/state"},
    {"GetDashboardLog", ui_log, 0, NULL, "GET", "/_sluice/ui/log"},
    {"GetDashboardFile", ui_file, 0, NULL, "GET", "/_sluice/ui/{S}"},
};

/* The admin API's lookup: 405 for a known path with another method, 404
 * for an unknown path. */
static const struct op *admin_find(const struct service *svc, struct req *req, struct op_in *in) {
    int bad = 0;
    const struct op *op = op_by_path(svc, req->method, req->path, in, &bad);
    if (op) return op;
    for (size_t i = 0; i < svc->nops && !bad; i++) {
        if (op_path_match(svc->ops[i].path, req->path)) {
            req_fail(req, &AWSERR_METHOD_NOT_ALLOWED, "Method %s not allowed on %s", req->method, req->path);
            return NULL;
        }
    }
    req_fail(req, &AWSERR_ADMIN_NOT_FOUND, "No admin endpoint %.200s", req->path);
    return NULL;
}

static void admin_store_fail(struct req *req, int rc) {
    (void)rc;
    req_fail(req, &AWSERR_LAMBDA_SERVICE, "storage busy");
}

static const struct service admin_service = {
    .name = "admin",
    .ops = admin_ops,
    .nops = sizeof(admin_ops) / sizeof(admin_ops[0]),
    .find = admin_find,
    .store_fail = admin_store_fail,
};

void admin_dispatch(struct req *req) {
    op_run(&admin_service, req);
}
