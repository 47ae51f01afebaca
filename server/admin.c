/*
 * Admin endpoints under /_sluice/: health and reset now; the clock,
 * metrics and delivery audit join in later issues. JSON in and out.
 */
#include "server/router.h"
#include "api/aws_error.h"
#include "engine/clock.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <string.h>

static int health(struct req *req) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "status", "ok");
    cJSON_AddStringToObject(o, "version", SLUICE_VERSION);
    cJSON *svc = cJSON_AddObjectToObject(o, "services");
    cJSON_AddStringToObject(svc, "lambda", "available");
    cJSON_AddStringToObject(svc, "dynamodb", "unavailable");
    cJSON_AddStringToObject(svc, "dynamodbstreams", "unavailable");
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

struct admin_route {
    const char *method;
    const char *path;
    int (*fn)(struct req *);
};

static const struct admin_route routes[] = {
    {"GET", "/_sluice/health", health},
    {"POST", "/_sluice/reset", reset},
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
