/*
 * Service routing (server/router.h): admin paths first, then JSON services
 * by X-Amz-Target, then Lambda by its versioned path prefixes.
 */
#include "server/router.h"
#include "api/api.h"
#include "api/aws_error.h"

#include <string.h>
#include <strings.h>

/* DynamoDB's own request cap: BatchWriteItem carries up to 16 MB. */
#define ROUTER_MAX_BODY_JSON (16u * 1024 * 1024)

static int is_admin(const char *path) {
    return strncmp(path, "/_sluice/", 9) == 0 || strcmp(path, "/_sluice") == 0;
}

size_t router_prepare(struct req *req) {
    if (is_admin(req->path)) {
        req->proto = PROTO_ADMIN;
        return API_MAX_BODY_DEFAULT;
    }
    const char *target = req_header(req, "X-Amz-Target");
    if (target) {
        if (strncmp(target, CW_TARGET_PREFIX, strlen(CW_TARGET_PREFIX)) == 0) req->proto = PROTO_CW_JSON;
        else req->proto = strncmp(target, "Logs_", 5) == 0 ? PROTO_JSON11 : PROTO_JSON10;
        return ROUTER_MAX_BODY_JSON;
    }
    req->proto = PROTO_REST_JSON;
    if (lambda_owns_path(req->path)) return lambda_body_cap(req->method, req->path);
    /* The query protocol (CloudWatch is the only query service here): a
     * form-encoded POST, or a GET with Action in the query string, to a
     * path no REST service owns. */
    const char *ct = req_header(req, "Content-Type");
    if ((ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) || req_query(req, "Action"))
        req->proto = PROTO_CW_QUERY;
    return API_MAX_BODY_DEFAULT;
}

void router_dispatch(struct req *req) {
    if (req->proto == PROTO_ADMIN) {
        admin_dispatch(req);
        return;
    }
    const char *target = req_header(req, "X-Amz-Target");
    if (target) {
        if (ddb_dispatch(req, target)) return;
        if (logs_dispatch(req, target)) return;
        if (cw_dispatch_json(req, target)) return;
        /* CloudWatch and Logs arrive in later issues; until then their
         * targets are unknown, with the shape the JSON services use. */
        req_fail(req, &AWSERR_DDB_UNKNOWN_OP, "%s", "");
        return;
    }
    if (lambda_owns_path(req->path)) {
        lambda_dispatch(req);
        return;
    }
    if (req->proto == PROTO_CW_QUERY) {
        cw_dispatch_query(req);
        return;
    }
    req_fail(req, &AWSERR_LAMBDA_UNKNOWN_OP, "Unknown operation: %.16s %.200s", req->method,
             req->path);
}
