/*
 * Service routing (server/router.h): admin paths first; then a signed
 * request by the service of its SigV4 credential scope (server/sigv4.h);
 * an unsigned one by its shape: X-Amz-Target prefix, Lambda's versioned
 * path prefixes, the query protocol (by its Version: 2011-06-15 STS,
 * 2010-05-08 IAM, 2012-11-05 SQS, anything else CloudWatch), and what is
 * left S3's unless its path looks like another REST service's. Adding a
 * service is a row here.
 */
#include "server/router.h"
#include "api/api.h"
#include "api/op.h"
#include "api/query.h"
#include "api/aws_error.h"
#include "api/utf8.h"
#include "base/util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* DynamoDB's own request cap: BatchWriteItem carries up to 16 MB. */
#define ROUTER_MAX_BODY_JSON (16u * 1024 * 1024)

/* One row per service: the name its requests are signed for, the
 * X-Amz-Target prefix of its JSON protocol (NULL for REST and query
 * services), its wire protocol and who answers it. A query row answers
 * the unsigned form posts whose Version is its service's query_version,
 * or, when its ANY_VERSION is set, every unsigned form post. */
struct route {
    const char *signing;
    const char *target_prefix;
    enum req_proto proto;
    const struct service *svc;             /* answered by op_run */
    int any_version;
};

static const struct route routes[] = {
    {"lambda", NULL, PROTO_REST_JSON, &lambda_service, 0},
    {"dynamodb", "DynamoDB_20120810.", PROTO_JSON10, &ddb_service, 0},
    /* Streams are signed for "dynamodb" too (botocore's signingName). */
    {"dynamodb", "DynamoDBStreams_20120810.", PROTO_JSON10, &ddbs_service, 0},
    {"logs", "Logs_20140328.", PROTO_JSON11, &logs_service, 0},
    {"sts", NULL, PROTO_QUERY, &sts_service, 0},
    /* SQS: its JSON row first, so a signed request of neither shape gets
     * the JSON protocol's unknown-operation error. */
    {"sqs", "AmazonSQS.", PROTO_CW_JSON, &sqs_json_service, 0},
    {"sqs", NULL, PROTO_QUERY, &sqs_query_service, 0},
    {"iam", NULL, PROTO_QUERY, &iam_service, 0},
    {"ssm", "AmazonSSM.", PROTO_JSON11, &ssm_service, 0},
    {"cloudformation", NULL, PROTO_QUERY, &cfn_service, 0},
    /* The query row first: a signed CloudWatch request of neither shape
     * is told it lacks an Action. Unsigned form posts of no other query
     * service's Version are CloudWatch's. */
    {"monitoring", NULL, PROTO_CW_QUERY, &cw_query_service, 1},
    {"monitoring", CW_TARGET_PREFIX, PROTO_CW_JSON, &cw_json_service, 0},
    /* Last: an unsigned request no row above takes is S3's (a presigned
     * URL of boto3's older AWSAccessKeyId form, a browser, curl). */
    {"s3", NULL, PROTO_REST_XML, &s3_service, 0},
};

/* sluice's own endpoints, and moto server mode's reset (so suites written
 * for moto can point at sluice). */
static int is_admin(const char *path) {
    return strncmp(path, "/_sluice/", 9) == 0 || strcmp(path, "/_sluice") == 0 ||
           strcmp(path, "/moto-api/reset") == 0;
}

static int has_prefix(const char *s, const char *prefix) {
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The query protocol: a form-encoded POST, or Action in the query string. */
static int is_query_protocol(struct req *req) {
    const char *ct = req_header(req, "Content-Type");
    return (ct && strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) ||
           req_query(req, "Action") != NULL;
}

/* 1 when the query request REQ carries Version VERSION (in the query
 * string or the form body; the body is empty until it is read). */
static int has_version(struct req *req, const char *version) {
    const char *q = req_query(req, "Version");
    if (q) return strcmp(q, version) == 0;
    char *v = req->body ? query_form_value(req->body, req->nbody, "Version") : NULL;
    int same = v && strcmp(v, version) == 0;
    free(v);
    return same;
}

/* 1 when REQ (whose X-Amz-Target is TARGET) has the shape of R's requests. */
static int shape_matches(const struct route *r, struct req *req, const char *target) {
    if (r->target_prefix) return has_prefix(target, r->target_prefix);
    if (target) return 0;
    if (r->proto == PROTO_REST_JSON) return lambda_owns_path(req->path);
    if (r->proto == PROTO_REST_XML) return !is_query_protocol(req) && s3_owns_path(req->path);
    if (!is_query_protocol(req)) return 0;
    /* A signed form post names its service already (SQS signs both of
     * its protocols "sqs"); query_find checks its Version. */
    return r->any_version || req->service[0] || has_version(req, r->svc->query_version);
}

/* Picks REQ's route. A signed request goes to the row of the service it is
 * signed for whose shape it has, else to that service's first row (which
 * answers with its unknown-operation error); an unsigned one to the first
 * row whose shape it has. NULL: no service takes it. */
static const struct route *pick(struct req *req) {
    const char *target = req_header(req, "X-Amz-Target");
    const struct route *fallback = NULL;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const struct route *r = &routes[i];
        if (req->service[0]) {
            if (strcmp(r->signing, req->service) != 0) continue;
            if (fallback == NULL) fallback = r;
        }
        if (shape_matches(r, req, target)) return r;
    }
    return fallback;
}

size_t router_prepare(struct req *req) {
    if (is_admin(req->path)) {
        req->proto = PROTO_ADMIN;
        return API_MAX_BODY_DEFAULT;
    }
    const struct route *r = pick(req);
    req->route = r;   /* router_dispatch answers with it (re-picking only an unsigned form post) */
    const char *target = req_header(req, "X-Amz-Target");
    if (r == NULL) {
        /* Nobody's: the error takes the shape the request has. */
        if (target == NULL) req->proto = PROTO_REST_JSON;
        else req->proto = strncmp(target, "Logs_", 5) == 0 ? PROTO_JSON11 : PROTO_JSON10;
        return target ? ROUTER_MAX_BODY_JSON : API_MAX_BODY_DEFAULT;
    }
    req->proto = r->proto;
    req->xmlns = r->svc->xmlns;
    if (r->svc == &lambda_service) return lambda_body_cap(req->method, req->path);
    /* SQS's query form carries a message of up to 1 MiB, percent-encoded. */
    if (r->svc == &sqs_query_service) return ROUTER_MAX_BODY_JSON;
    if (r->proto == PROTO_CW_QUERY || r->proto == PROTO_QUERY) return API_MAX_BODY_DEFAULT;
    if (r->proto == PROTO_REST_XML) return s3_body_cap(req);
    return ROUTER_MAX_BODY_JSON;
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
    case PROTO_QUERY:
        req_fail(req, &AWSERR_QUERY_INVALID_VALUE, "%s", what);
        break;
    case PROTO_ADMIN:
        req_fail(req, &AWSERR_ADMIN_BAD_REQUEST, "The request is not valid UTF-8: %s", what);
        break;
    case PROTO_REST_XML:
        req_fail(req, &AWSERR_S3_INVALID_ARGUMENT, "A query parameter is not valid UTF-8: %s", what);
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
    /* S3's bodies are the objects themselves: any bytes. */
    if (req->proto != PROTO_REST_XML && utf8_or_fail(req, req->body ? req->body : "", req->nbody) != 0)
        return 0;
    for (int i = 0; i < req->nquery; i++)
        if (utf8_or_fail(req, req->query[i].name, strlen(req->query[i].name)) != 0 ||
            utf8_or_fail(req, req->query[i].value, strlen(req->query[i].value)) != 0)
            return 0;
    if ((req->proto == PROTO_CW_QUERY || req->proto == PROTO_QUERY) && req->nbody > 0) {
        /* A malformed escape is the query parser's to report. */
        char *form = util_pct_decode(req->body, req->nbody);
        int ok = form == NULL || utf8_or_fail(req, form, strlen(form)) == 0;
        free(form);
        if (!ok) return 0;
    }
    return 1;
}

void router_dispatch(struct req *req) {
    const struct route *r = req->route;
    if (r && !req->service[0] && (r->proto == PROTO_QUERY || r->proto == PROTO_CW_QUERY) &&
        req_query(req, "Version") == NULL) {
        /* The one pick that reads the body: with it in, an unsigned form
         * post's Version may name another query service than
         * router_prepare could see. */
        r = pick(req);
        req->route = r;
        req->proto = r->proto;
        req->xmlns = r->svc->xmlns;
    }
    if (!text_is_utf8(req)) return;
    if (req->proto == PROTO_ADMIN) {
        admin_dispatch(req);
        return;
    }
    if (r) {
        op_run(r->svc, req);
    } else if (req->service[0]) {
        req_fail(req, req_header(req, "X-Amz-Target") ? &AWSERR_DDB_UNKNOWN_OP : &AWSERR_LAMBDA_UNKNOWN_OP,
                 "sluice does not implement the service the request is signed for (%.32s)",
                 req->service);
    } else if (req_header(req, "X-Amz-Target")) {
        req_fail(req, &AWSERR_DDB_UNKNOWN_OP, "%s", "");
    } else {
        req_fail(req, &AWSERR_LAMBDA_UNKNOWN_OP, "Unknown operation: %.16s %.200s", req->method,
                 req->path);
    }
}
