/*
 * Service routing (server/router.h): admin paths first, then JSON services
 * by X-Amz-Target, then Lambda by its versioned path prefixes.
 */
#include "server/router.h"
#include "api/api.h"
#include "api/aws_error.h"
#include "api/utf8.h"
#include "engine/util.h"

#include <stdlib.h>
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

/* Records the serialization error of REQ's protocol for text that is not
 * UTF-8, WHAT saying where it broke. */
static void fail_utf8(struct req *req, const char *what) {
    switch (req->proto) {
    case PROTO_JSON10:
    case PROTO_JSON11:
        req_fail(req, &AWSERR_DDB_SERIALIZATION, "%s", what);
        break;
    case PROTO_CW_JSON:
        req_fail(req, &AWSERR_CW_SERIALIZATION, "%s", what);
        break;
    case PROTO_CW_QUERY:
        req_fail(req, &AWSERR_CW_INVALID_VALUE, "%s", what);
        break;
    case PROTO_ADMIN:
        req_fail(req, &AWSERR_ADMIN_BAD_REQUEST, "The request is not valid UTF-8: %s", what);
        break;
    case PROTO_REST_JSON:
    case PROTO_NONE:
    default:
        req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                 "Could not parse request body into json: Could not parse payload into json: %s", what);
        break;
    }
}

/* 0 when Z (N bytes) is UTF-8; otherwise records the error and returns -1. */
static int utf8_or_fail(struct req *req, const char *z, size_t n) {
    struct utf8_error e;
    if (utf8_check(z, n, &e) == 0) return 0;
    char what[96];
    utf8_describe(&e, what, sizeof(what));
    fail_utf8(req, what);
    return -1;
}

/* Every service stores and echoes text from the body: one that is not
 * UTF-8 would be kept and then break every client that reads it back
 * (boto3 cannot decode the Scan, the ListFunctions, the stream record).
 * So the body, the decoded query parameters and, for the query protocol,
 * the decoded form are checked here, once, before any handler. JSON
 * escapes are checked by cJSON itself, which refuses lone surrogates
 * (\udc80); \u0000 is refused by json_body. */
static int text_is_utf8(struct req *req) {
    if (utf8_or_fail(req, req->body ? req->body : "", req->nbody) != 0) return 0;
    for (int i = 0; i < req->nquery; i++)
        if (utf8_or_fail(req, req->query[i].name, strlen(req->query[i].name)) != 0 ||
            utf8_or_fail(req, req->query[i].value, strlen(req->query[i].value)) != 0)
            return 0;
    if (req->proto == PROTO_CW_QUERY && req->nbody > 0) {
        /* A malformed escape is the query parser's to report. */
        char *form = util_pct_decode(req->body, req->nbody);
        int ok = form == NULL || utf8_or_fail(req, form, strlen(form)) == 0;
        free(form);
        if (!ok) return 0;
    }
    return 1;
}

void router_dispatch(struct req *req) {
    if (!text_is_utf8(req)) return;
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
