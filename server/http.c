/*
 * libmicrohttpd glue: builds a struct req from a connection, enforces the
 * body cap as bytes arrive, hands the finished request to the router and
 * renders the reply. Threading: MHD_USE_THREAD_PER_CONNECTION. A sync
 * Invoke or a Runtime API long-poll may block its handler for minutes;
 * with a thread per connection that blocks only its own connection, and
 * the control plane stays responsive. Threads cost little here: stacks
 * are capped (HTTP_THREAD_STACK) and idle connections time out. The
 * alternative, suspend/resume on a thread pool, can replace this if
 * thousands of concurrent waiters ever matter.
 */
#include "server/http.h"
#include "server/router.h"
#include "api/api.h"
#include "api/aws_error.h"
#include "api/request.h"
#include "engine/log.h"
#include "engine/util.h"
#include "storage/store.h"

#include <arpa/inet.h>
#include <microhttpd.h>
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
/* Stack per connection thread. SQLite and cJSON need well under this;
 * the 8 MB default would only inflate virtual memory. */
#define HTTP_THREAD_STACK (512 * 1024)
/* Header and per-connection buffer memory. 64 KB holds any header set an
 * AWS client sends (SigV4 adds ~1 KB); bigger gets MHD's 431/413. */
#define HTTP_CONN_MEMORY (64 * 1024)

struct conn_state {
    struct req *req;
    size_t cap;       /* largest body accepted */
    size_t nalloc;    /* allocated bytes of req->body */
    int too_big;      /* body exceeded cap: drain and answer 413 */
};

static struct MHD_Daemon *daemon_;

static const char *conn_header(void *ctx, const char *name) {
    return MHD_lookup_connection_value(ctx, MHD_HEADER_KIND, name);
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value) {
    (void)kind;
    struct req *req = cls;
    if (req->nquery >= REQ_MAX_QUERY || key == NULL) return MHD_YES;
    char *k = util_pct_decode(key, strlen(key));
    char *v = value ? util_pct_decode(value, strlen(value)) : xstrdup("");
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return MHD_YES;
    }
    req->query[req->nquery].name = k;
    req->query[req->nquery].value = v;
    req->nquery++;
    return MHD_YES;
}

/* SigV4: "AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/aws4_request, ..."
 * Region from the scope; a 12-digit AKID is the account. */
static void identify_caller(struct req *req) {
    strcpy(req->account, "000000000000");
    strcpy(req->region, "us-east-1");
    const char *auth = req_header(req, "Authorization");
    const char *cred = auth ? strstr(auth, "Credential=") : NULL;
    if (cred) cred += strlen("Credential=");
    else cred = req_query(req, "X-Amz-Credential");
    if (cred == NULL) return;
    const char *slash = strchr(cred, '/');
    if (slash == NULL) return;
    size_t nkey = (size_t)(slash - cred);
    if (nkey == 12 && strspn(cred, "0123456789") >= 12) {
        memcpy(req->account, cred, 12);
        req->account[12] = '\0';
    }
    const char *date = slash + 1;
    const char *r = strchr(date, '/');
    if (r == NULL) return;
    r++;
    size_t nr = strcspn(r, "/, ");
    if (nr == 0 || nr >= sizeof(req->region) || r[nr] != '/') return;
    /* Keep region names to what AWS region names may contain. */
    for (size_t i = 0; i < nr; i++)
        if (!((r[i] >= 'a' && r[i] <= 'z') || (r[i] >= '0' && r[i] <= '9') || r[i] == '-')) return;
    memcpy(req->region, r, nr);
    req->region[nr] = '\0';
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct req *req) {
    awserr_render(req);
    if (req->status == 0) {
        req_fail(req, &AWSERR_LAMBDA_SERVICE, "Handler produced no reply");
        awserr_render(req);
    }
    char crc[16];
    /* botocore checks x-amz-crc32 for DynamoDB; a wrong one makes it retry. */
    snprintf(crc, sizeof(crc), "%lu",
             crc32(0L, (const Bytef *)(req->resp_body ? req->resp_body : ""), (uInt)req->nresp));
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        req->nresp, req->resp_body ? req->resp_body : (char *)"", req->resp_body
                                                          ? MHD_RESPMEM_MUST_FREE
                                                          : MHD_RESPMEM_PERSISTENT);
    req->resp_body = NULL;
    if (resp == NULL) return MHD_NO;
    MHD_add_response_header(resp, "x-amzn-RequestId", req->request_id);
    if (req->content_type && req->nresp > 0)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    else if (req->content_type && req->proto == PROTO_JSON10)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
    for (int i = 0; i < req->nresp_headers; i++)
        MHD_add_response_header(resp, req->resp_headers[i].name, req->resp_headers[i].value);
    if (req->proto == PROTO_JSON10) MHD_add_response_header(resp, "x-amz-crc32", crc);
    enum MHD_Result ok = MHD_queue_response(c, (unsigned)req->status, resp);
    MHD_destroy_response(resp);
    return ok;
}

/* Records the 413 for a body over CAP, worded per operation as AWS does. */
static void fail_too_big(struct req *req, size_t cap) {
    if (req->proto == PROTO_JSON10 || req->proto == PROTO_JSON11)
        req_fail(req, &AWSERR_DDB_TOO_LARGE, "Request entity too large");
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

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls) {
    (void)cls;
    (void)version;
    struct conn_state *st = *con_cls;
    if (st == NULL) {
        st = xcalloc(1, sizeof(*st));
        struct req *req = xcalloc(1, sizeof(*req));
        st->req = req;
        req->method = method;
        req->path = xstrdup(url);
        req->header_fn = conn_header;
        req->header_ctx = c;
        util_uuid(req->request_id);
        MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_query, req);
        identify_caller(req);
        st->cap = router_prepare(req);
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        *con_cls = st;
        if (cl && strtoull(cl, NULL, 10) > st->cap) {
            /* Answer at once instead of reading a body we will refuse;
             * MHD closes the connection after this reply. */
            st->too_big = 1;
            fail_too_big(req, st->cap);
            return send_reply(c, req);
        }
        return MHD_YES;
    }
    struct req *req = st->req;
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (st->too_big || req->nbody + n > st->cap) {
            /* Drain what the client still sends, keep nothing. */
            st->too_big = 1;
            return MHD_YES;
        }
        if (req->nbody + n + 1 > st->nalloc) {
            size_t want = st->nalloc ? st->nalloc * 2 : 4096;
            while (want < req->nbody + n + 1) want *= 2;
            if (want > st->cap + 1) want = st->cap + 1;
            req->body = xrealloc(req->body, want);
            st->nalloc = want;
        }
        memcpy(req->body + req->nbody, upload_data, n);
        req->nbody += n;
        return MHD_YES;
    }
    /* Body complete. */
    if (req->body == NULL) req->body = xstrdup("");
    req->body[req->nbody] = '\0';
    if (st->too_big) {
        fail_too_big(req, st->cap);
    } else {
        router_dispatch(req);
    }
    if (log_enabled(LOG_DEBUG))
        log_msg(LOG_DEBUG, "%s %s -> %d%s%s", method, url,
                req->err ? req->err->status : req->status, req->err ? " " : "",
                req->err ? req->err->code : "");
    return send_reply(c, req);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    (void)cls;
    (void)c;
    (void)toe;
    struct conn_state *st = *con_cls;
    if (st == NULL) return;
    req_free(st->req);
    free(st);
    *con_cls = NULL;
}

static void conn_cb(void *cls, struct MHD_Connection *c, void **socket_ctx,
                    enum MHD_ConnectionNotificationCode code) {
    (void)cls;
    (void)socket_ctx;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        /* Small request/response pairs on keep-alive: Nagle plus delayed
         * ACK would add ~40 ms to every reply written in two pieces. */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
        if (ci) {
            int one = 1;
            setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        }
    } else if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
        /* The connection's thread ends now: release its SQLite handle
         * early rather than at thread exit (same thread, so this is safe). */
    }
}

/* Keep the path raw: routes split on '/' first, then decode each segment,
 * so an encoded character can never change the route. */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s) {
    (void)cls;
    (void)c;
    return strlen(s);
}

/* libmicrohttpd's MHD_LogCallback: FMT is a printf format of its own. */
__attribute__((format(printf, 2, 0)))
static void mhd_log(void *cls, const char *fmt, va_list ap) {
    (void)cls;
    if (!log_enabled(LOG_DEBUG)) return;
    char buf[512];
    vsnprintf(buf, sizeof(buf), fmt, ap);
    buf[strcspn(buf, "\n")] = '\0';
    log_msg(LOG_DEBUG, "http: %s", buf);
}

int http_start(const char *host, int port, int *bound) {
    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    const struct sockaddr *addr;
    /* MHD_USE_POLL: without it libmicrohttpd uses select(), which cannot
     * watch descriptors numbered 1024 or more, and hundreds of waiting
     * invokes with their environments pass that number. */
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    memset(&a4, 0, sizeof(a4));
    memset(&a6, 0, sizeof(a6));
    if (port < 0 || port > 65535) {
        log_msg(LOG_ERROR, "invalid port %d", port);
        return -1;
    }
    if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)port);
        addr = (const struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)port);
        addr = (const struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else if (strcmp(host, "localhost") == 0) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)port);
        a4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addr = (const struct sockaddr *)&a4;
    } else {
        log_msg(LOG_ERROR, "--host must be an IPv4 or IPv6 address (or localhost): %s", host);
        return -1;
    }
    daemon_ = MHD_start_daemon(
        flags, (uint16_t)port, NULL, NULL, access_cb, NULL,
        /* First, or libmicrohttpd warns that earlier options may have
         * logged through its default logger. */
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_IDLE_TIMEOUT_S,
        MHD_OPTION_THREAD_STACK_SIZE, (size_t)HTTP_THREAD_STACK,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
        MHD_OPTION_NOTIFY_COMPLETED, completed_cb, NULL,
        MHD_OPTION_NOTIFY_CONNECTION, conn_cb, NULL,
        MHD_OPTION_UNESCAPE_CALLBACK, no_unescape, NULL,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
        MHD_OPTION_END);
    if (daemon_ == NULL) {
        log_msg(LOG_ERROR, "cannot listen on %s:%d", host, port);
        return -1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
    *bound = di ? di->port : port;
    return 0;
}

void http_stop(void) {
    if (daemon_ == NULL) return;
    MHD_socket fd = MHD_quiesce_daemon(daemon_);
    if (fd != MHD_INVALID_SOCKET) close(fd);
    MHD_stop_daemon(daemon_);
    daemon_ = NULL;
}
