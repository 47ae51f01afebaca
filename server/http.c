/*
 * The AWS API port: builds a struct req from each request that net/httpd
 * reads, asks the router for the operation's body cap, hands the finished
 * request to the router and renders the reply. Threading: one thread per
 * connection (net/httpd.h). A sync Invoke or a Runtime API long-poll may
 * block its handler for minutes; that blocks only its own connection, and
 * the control plane stays responsive. Threads cost little here: stacks are
 * capped (HTTP_THREAD_STACK) and idle connections time out.
 */
#include "server/http.h"
#include "net/httpd.h"
#include "server/router.h"
#include "server/sigv4.h"
#include "api/api.h"
#include "api/aws_error.h"
#include "api/request.h"
#include "base/log.h"
#include "base/util.h"
#include "engine/config.h"
#include "storage/blob.h"
#include "storage/store.h"
#include "storage/store_sts.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Simultaneous connections. Each holds a thread; 2048 covers hundreds of
 * waiting invokes plus their runtimes' long-polls with room to spare. */
#define HTTP_CONNECTION_LIMIT 2048
/* Seconds an idle keep-alive connection is kept. AWS SDKs reuse
 * connections well within this; it bounds slow or abandoned clients. */
#define HTTP_IDLE_TIMEOUT_S 120
/* A request's headers must arrive within 20 s of its first byte, and its
 * body within 20 s plus 1 s per 500 bytes: Apache's mod_reqtimeout
 * defaults (header=20-40,MinRate=500 body=20,MinRate=500). Any client
 * sends faster; one that drips a header line a second (slowloris) is
 * answered 408 instead of holding its connection (issue 17). */
#define HTTP_HEAD_TIMEOUT_MS 20000
#define HTTP_BODY_TIMEOUT_MS 20000
#define HTTP_BODY_MIN_RATE 500
/* Request bodies held in memory at once, all connections together:
 * three of the largest CreateFunction bodies (a 50 MB zip, base64 in
 * JSON: about 70 MB) fit; the next is refused 413 before it is read
 * instead of growing the server by its size (eight concurrent 72 MB
 * bodies took it to 685 MB, issue 17). S3 object bodies go to files and
 * do not count. */
#define HTTP_BODY_MEMORY (256u * 1024 * 1024)
/* Stack per connection thread. SQLite and cJSON need well under this;
 * the 8 MB default would only inflate virtual memory. */
#define HTTP_THREAD_STACK (512 * 1024)
static struct httpd *server_;

/* What begin() hands to handle() and end(). */
struct pending {
    struct req *req;
    size_t cap;      /* the operation's body cap (router_prepare) */
    int spool_errno; /* the body's file could not be opened (errno) */
};

static const char *conn_header(void *ctx, const char *name) {
    return httpd_header(ctx, name);
}

static const char *conn_header_at(void *ctx, int i, const char **value) {
    const struct httpd_req *hr = ctx;
    if (i < 0 || i >= hr->nheaders) return NULL;
    *value = hr->headers[i].value;
    return hr->headers[i].name;
}

/* The caller's account and region, and the service the request is signed
 * for (server/sigv4.h); the default account (--default-account) and us-east-1 when the key
 * does not name them. An
 * ASIA... key that STS issued acts in the account it was issued for,
 * with the principal it names (storage/store_sts.h); an unknown one is
 * taken as a plain key. */
static void identify_caller(struct req *req) {
    struct sigv4_scope sc;
    sigv4_scope(req_header(req, "Authorization"), req_query(req, "X-Amz-Credential"), &sc);
    strcpy(req->account, sc.account[0] ? sc.account : sluice_cfg.default_account);
    strcpy(req->region, sc.region[0] ? sc.region : "us-east-1");
    strcpy(req->service, sc.service);
    strcpy(req->access_key, sc.access_key);
    if (strncmp(sc.access_key, "ASIA", 4) == 0) {
        char account[13];
        if (store_sts_get(sc.access_key, account, req->caller_arn, sizeof(req->caller_arn), req->caller_id,
                          sizeof(req->caller_id)) == STORE_OK)
            strcpy(req->account, account);
        else
            req->caller_arn[0] = req->caller_id[0] = '\0';
    }
}

/* Renders REQ's reply (or its recorded error) into RESP. */
static void render(struct req *req, struct httpd_resp *resp) {
    awserr_render(req);
    if (req->status == 0) {
        req_fail(req, &AWSERR_LAMBDA_SERVICE, "Handler produced no reply");
        awserr_render(req);
    }
    resp->status = req->status;
    resp->body = req->resp_body;
    resp->nbody = req->resp_body ? req->nresp : 0;
    if (req->resp_in_file) {
        /* The server sends it and closes the descriptor. */
        resp->file = 1;
        resp->file_fd = req->resp_fd;
        resp->file_off = req->resp_off;
        resp->nbody = req->nresp;
        req->resp_in_file = 0;
    }
    resp->head_length = req->head_length;
    req->resp_body = NULL;
    httpd_resp_header(resp, "x-amzn-RequestId", req->request_id);
    if (req->proto == PROTO_REST_XML) {
        /* S3 names its request id differently; botocore reads this one. */
        httpd_resp_header(resp, "x-amz-request-id", req->request_id);
        httpd_resp_header(resp, "x-amz-id-2", req->request_id);
    }
    if (req->content_type && (resp->nbody > 0 || req->proto == PROTO_JSON10))
        httpd_resp_header(resp, "Content-Type", req->content_type);
    for (int i = 0; i < req->nresp_headers; i++)
        httpd_resp_header(resp, req->resp_headers[i].name, req->resp_headers[i].value);
    if (req->proto == PROTO_JSON10) {
        /* botocore checks x-amz-crc32 for DynamoDB; a wrong one makes it retry. */
        char crc[16];
        snprintf(crc, sizeof(crc), "%lu",
                 crc32(0L, (const Bytef *)(resp->body ? resp->body : ""), (uInt)resp->nbody));
        httpd_resp_header(resp, "x-amz-crc32", crc);
    }
}

/* Records the 413 for a body over CAP, worded per operation as AWS does. */
static void fail_too_big(struct req *req, size_t cap) {
    if (req->proto == PROTO_JSON10 || req->proto == PROTO_JSON11)
        req_fail(req, &AWSERR_DDB_TOO_LARGE, "Request entity too large");
    else if (req->proto == PROTO_REST_XML)
        req_fail(req, &AWSERR_S3_ENTITY_TOO_LARGE, "Your proposed upload exceeds the maximum allowed size");
    else if (req->proto == PROTO_CW_JSON || req->proto == PROTO_CW_QUERY)
        req_fail(req, &AWSERR_CW_INVALID_VALUE, "Request entity too large");
    else if (cap == API_MAX_BODY_CODE)
        req_fail(req, &AWSERR_REQUEST_TOO_LARGE, "Zipped size must be smaller than 52428800 bytes");
    else if (cap == API_MAX_BODY_INVOKE)
        req_fail(req, &AWSERR_REQUEST_TOO_LARGE,
                 "Request must be smaller than 6291456 bytes for the InvokeFunction operation");
    else
        req_fail(req, &AWSERR_REQUEST_TOO_LARGE, "Request must be smaller than %zu bytes", cap);
}

/* httpd begin(): the headers are in; builds the struct req and returns the
 * body cap of the operation the router expects. */
static size_t on_begin(void *ud, struct httpd_req *hr) {
    (void)ud;
    struct pending *pd = xcalloc(1, sizeof(*pd));
    struct req *req = xcalloc(1, sizeof(*req));
    pd->req = req;
    req->method = hr->method;
    req->path = xstrdup(hr->path);
    req->header_fn = conn_header;
    req->header_at_fn = conn_header_at;
    req->header_ctx = hr;
    util_uuid(req->request_id);
    req_parse_query(req, hr->query);
    identify_caller(req);
    pd->cap = router_prepare(req);
    if (req->body_to_file) {
        /* An object's bytes go to a file that becomes its blob. */
        req->body_fd = blob_spool_open();
        if (req->body_fd >= 0) {
            req->body_in_file = 1;
            hr->spool = 1;
            hr->spool_fd = req->body_fd;
        } else {
            pd->spool_errno = errno;
            pd->cap = 0;   /* nowhere to put it: drop the body, answer the error */
        }
    }
    hr->data = pd;
    return pd->cap;
}

/* httpd handle(): the body is in (or was over the cap); routes and renders. */
static void on_handle(void *ud, struct httpd_req *hr, struct httpd_resp *resp) {
    (void)ud;
    struct pending *pd = hr->data;
    struct req *req = pd->req;
    req->body = hr->body;
    req->nbody = hr->nbody;
    hr->body = NULL;
    int spool_err = pd->spool_errno ? pd->spool_errno : hr->spool_err;
    if (hr->aborted) {
        req_fail(req, &AWSERR_SERVICE_UNAVAILABLE,
                 "sluice is shutting down; the request was not processed. Retry it once sluice is back.");
    } else if (spool_err) {
        log_msg(LOG_ERROR, "cannot spool the body of %s %s: %s", hr->method, hr->path, strerror(spool_err));
        req_fail(req, &AWSERR_S3_INTERNAL, "We encountered an internal error. Please try again.");
    } else if (hr->too_big) {
        fail_too_big(req, pd->cap);
    } else {
        router_dispatch(req);
    }
    if (log_enabled(LOG_DEBUG))
        log_msg(LOG_DEBUG, "%s %s -> %d%s%s", hr->method, hr->path,
                req->err ? req->err->status : req->status, req->err ? " " : "",
                req->err ? req->err->code : "");
    render(req, resp);
}

/* httpd end(): the reply is written or the connection is gone. */
static void on_end(void *ud, struct httpd_req *hr, int sent) {
    (void)ud;
    (void)sent;
    struct pending *pd = hr->data;
    req_free(pd->req);
    free(pd);
    hr->data = NULL;
}

int http_start(const char *host, int port, int *bound) {
    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    const struct sockaddr *addr;
    socklen_t len;
    memset(&a4, 0, sizeof(a4));
    memset(&a6, 0, sizeof(a6));
    if (port < 0 || port > 65535) {
        log_msg(LOG_ERROR, "invalid port %d", port);
        return -1;
    }
    if (inet_pton(AF_INET, host, &a4.sin_addr) == 1 || strcmp(host, "localhost") == 0) {
        if (strcmp(host, "localhost") == 0) a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)port);
        addr = (const struct sockaddr *)&a4;
        len = sizeof(a4);
    } else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)port);
        addr = (const struct sockaddr *)&a6;
        len = sizeof(a6);
    } else {
        log_msg(LOG_ERROR, "--host must be an IPv4 or IPv6 address (or localhost): %s", host);
        return -1;
    }
    struct httpd_config cfg = {
        .max_conns = HTTP_CONNECTION_LIMIT,
        .idle_timeout_s = HTTP_IDLE_TIMEOUT_S,
        .stack_size = HTTP_THREAD_STACK,
        /* A body announced over the cap is answered at once, unread. */
        .reject_early = 1,
        .head_timeout_ms = HTTP_HEAD_TIMEOUT_MS,
        .body_timeout_ms = HTTP_BODY_TIMEOUT_MS,
        .body_min_rate = HTTP_BODY_MIN_RATE,
        .max_body_memory = HTTP_BODY_MEMORY,
        .begin = on_begin,
        .handle = on_handle,
        .end = on_end,
    };
    server_ = httpd_start(&cfg, addr, len, bound);
    if (server_ == NULL) {
        log_msg(LOG_ERROR, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        return -1;
    }
    return 0;
}

void http_quiesce(void) { httpd_quiesce(server_); }

int http_wait(long long deadline_ms) { return httpd_wait(server_, deadline_ms); }

void http_stop(void) {
    httpd_stop(server_);
    server_ = NULL;
}
