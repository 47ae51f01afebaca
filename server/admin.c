/*
 * Admin endpoints under /_sluice/: health and reset now; the clock,
 * metrics and delivery audit join in later issues. JSON in and out.
 */
#include "server/router.h"
#include "api/aws_error.h"
#include "api/validate.h"
#include "engine/background.h"
#include "engine/clock.h"
#include "engine/invoker.h"
#include "engine/util.h"
#include "storage/store.h"
#include "storage/store_ddb.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int health(struct req *req) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "version", SLUICE_VERSION);
    cJSON *svc = cJSON_AddObjectToObject(o, "services");
    cJSON_AddStringToObject(svc, "lambda", "available");
    cJSON_AddStringToObject(svc, "dynamodb", "available");
    cJSON_AddStringToObject(svc, "dynamodbstreams", "available");
    cJSON_AddNumberToObject(o, "schema_version", store_schema_version());
    return req_reply_json(req, 200, o);
}

static int reset(struct req *req) {
    if (store_reset() != STORE_OK)
        return req_fail(req, &AWSERR_LAMBDA_SERVICE, "reset failed");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "reset");
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

static int clock_get(struct req *req) { return clock_reply(req); }

/* POST {"advance_seconds": N}: moves the virtual clock forward, persists
 * the offset, and runs the background work before answering, so that
 * trimming, rollover and TTL have happened when the client sees 200. */
static int clock_post(struct req *req) {
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
    /* Advance and persist under one write transaction, so concurrent
     * advances are stored in order and a failed write leaves the clock
     * where it was. */
    if (store_begin(1) != STORE_OK) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not persist the clock");
    int64_t offset = clock_offset_ms() + (int64_t)llround(secs * 1000.0);
    char v[32];
    snprintf(v, sizeof(v), "%lld", (long long)offset);
    int64_t before = clock_offset_ms();
    if (store_meta_set("clock_offset_ms", v) != STORE_OK) {
        store_rollback();
        return req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not persist the clock");
    }
    /* Moved while the write lock is held: the next advance reads it. */
    clock_set_offset_ms(offset);
    if (store_commit() != STORE_OK) {
        clock_set_offset_ms(before);
        return req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not persist the clock");
    }
    bg_run_now();
    invoke_async_kick();
    invoke_provision_kick();
    return clock_reply(req);
}

struct admin_route {
    const char *method;
    const char *path;
    int (*fn)(struct req *);
};

static const struct admin_route routes[] = {
    {"GET", "/_sluice/health", health},
    {"POST", "/_sluice/reset", reset},
    {"GET", "/_sluice/clock", clock_get},
    {"POST", "/_sluice/clock", clock_post},
};

void admin_dispatch(struct req *req) {
    size_t n = strcspn(req->path, "?");
    int path_known = 0;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strlen(routes[i].path) != n || strncmp(routes[i].path, req->path, n) != 0) continue;
        path_known = 1;
        if (strcmp(routes[i].method, req->method) == 0) {
            routes[i].fn(req);
            return;
        }
    }
    if (path_known)
        req_fail(req, &AWSERR_METHOD_NOT_ALLOWED, "Method %s not allowed on %s", req->method,
                 req->path);
    else
        req_fail(req, &AWSERR_ADMIN_NOT_FOUND, "No admin endpoint %.200s", req->path);
}
