/*
 * HTTP/1.1 server (net/httpd.h): an accepting thread, a joinable thread per
 * connection, http-parser for the message syntax.
 *
 * A connection thread reads into a 16 KB buffer and feeds http-parser; the
 * parser's callbacks gather the request-target, the headers and the body
 * into the connection's buffers and pause the parser at the end of each
 * message. The loop then runs the handler and writes the reply (header
 * block and body with one writev), resumes the parser on the bytes that
 * follow (pipelined requests), and waits for more with poll() and the idle
 * timeout. Finished threads put themselves on a list that the accepting
 * thread and httpd_stop() join, so a thread's exit (and its thread-local
 * destructors, e.g. a SQLite handle) has completed before httpd_stop()
 * returns.
 */
#include "net/httpd.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/sendfile.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* Bytes of request line plus headers. 64 KB holds any header set an AWS
 * client sends (SigV4 adds about 1 KB); more is answered 431. */
#define HTTPD_MAX_HEAD (64 * 1024)
/* Header lines per request: AWS clients send about 10; 100 is far beyond
 * any real client and bounds the header table. */
#define HTTPD_MAX_HEADERS 100
/* Read size: a typical AWS request (headers and a JSON body) fits in one
 * read; bodies of megabytes take a few hundred. */
#define HTTPD_READ_CHUNK (16 * 1024)
/* Pending connections the kernel queues before accept(). */
#define HTTPD_BACKLOG 512

/* What a connection's thread is doing, for httpd_stop(): idle and reading
 * connections are woken with shutdown(SHUT_RD) and close; a handler that
 * runs is let finish and its reply written. */
enum conn_state { CONN_IDLE, CONN_READING, CONN_BODY, CONN_HANDLING };

struct conn {
    struct httpd *h;                 /* NULL when driven by httpd_serve_fd */
    const struct httpd_config *cfg;
    int fd;
    pthread_t tid;
    enum conn_state state;
    long long since_ms;              /* when it went idle or its request began */
    int evicted;                     /* closed to make room for a new connection */
    long long deadline_ms;           /* head or body deadline (0: none) */
    int aborted;                     /* httpd_stop woke it mid-request */
    size_t held;                     /* bytes of h->body_memory this request holds */
    struct conn *next;               /* in h->live or h->dead */
    http_parser parser;
    /* The request being read. */
    char *head;                      /* target and headers, NUL-separated */
    size_t nhead, caphead;
    size_t hoff[HTTPD_MAX_HEADERS][2]; /* name and value offsets into head */
    int nhdr;
    int in_target;                   /* the request-target is being read */
    int in_value;                    /* last header piece was a value */
    struct httpd_header hdrs[HTTPD_MAX_HEADERS];
    struct httpd_req req;
    size_t limit;                    /* begin()'s body limit */
    size_t capbody;
    int begun;                       /* begin() ran; end() is owed */
    int complete;                    /* the parser reached the message's end */
    int reject;                      /* answer now: body announced too big */
    int fail_status;                 /* our own limit hit inside a callback */
    char *pathbuf;                   /* path and query, split */
};

struct httpd {
    struct httpd_config cfg;
    int lfd;
    int wake[2];                     /* stop's pipe to the accepting thread */
    pthread_t acceptor;
    pthread_mutex_t mu;
    pthread_cond_t cv;               /* nlive reached 0 */
    struct conn *live, *dead;
    int nlive;
    int nevicting;                   /* evicted connections not yet ended */
    int stopping;
    int quiesced;                    /* httpd_quiesce ran: no acceptor, no listener */
    size_t body_memory;              /* bytes of bodies held in memory (max_body_memory) */
};

static long long mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Takes N more bytes of the server's body memory for C's request.
 * Returns 0, or -1 when that would pass max_body_memory. */
static int body_memory_take(struct conn *c, size_t n) {
    if (c->h == NULL || c->cfg->max_body_memory == 0) return 0;
    pthread_mutex_lock(&c->h->mu);
    int ok = n <= c->cfg->max_body_memory - c->h->body_memory;
    if (ok) {
        c->h->body_memory += n;
        c->held += n;
    }
    pthread_mutex_unlock(&c->h->mu);
    return ok ? 0 : -1;
}

/* Gives back what C's request holds of the body memory. */
static void body_memory_release(struct conn *c) {
    if (c->h == NULL || c->held == 0) return;
    pthread_mutex_lock(&c->h->mu);
    c->h->body_memory -= c->held;
    pthread_mutex_unlock(&c->h->mu);
    c->held = 0;
}

/* Appends N bytes at S to C->head; 0, or -1 past HTTPD_MAX_HEAD. */
static int head_append(struct conn *c, const char *s, size_t n) {
    if (c->nhead + n + 1 > HTTPD_MAX_HEAD) {
        c->fail_status = 431;
        return -1;
    }
    if (c->nhead + n + 1 > c->caphead) {
        size_t want = c->caphead ? c->caphead * 2 : 1024;
        while (want < c->nhead + n + 1) want *= 2;
        c->head = xrealloc(c->head, want);
        c->caphead = want;
    }
    memcpy(c->head + c->nhead, s, n);
    c->nhead += n;
    return 0;
}

static int head_end_piece(struct conn *c) {
    return head_append(c, "", 1);
}

/* ---- parser callbacks ---------------------------------------------------- */

static int on_message_begin(http_parser *p) {
    struct conn *c = p->data;
    c->nhead = 0;
    c->nhdr = 0;
    c->in_value = 0;
    c->in_target = 1;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t n) {
    return head_append(p->data, at, n);
}

static int on_header_field(http_parser *p, const char *at, size_t n) {
    struct conn *c = p->data;
    if (c->in_target || c->in_value) {
        /* A new header line starts: end the target or the last value. */
        if (head_end_piece(c)) return -1;
        if (c->nhdr >= HTTPD_MAX_HEADERS) {
            c->fail_status = 431;
            return -1;
        }
        c->hoff[c->nhdr][0] = c->nhead;
        c->nhdr++;
        c->in_target = 0;
        c->in_value = 0;
    }
    return head_append(c, at, n);
}

static int on_header_value(http_parser *p, const char *at, size_t n) {
    struct conn *c = p->data;
    if (c->nhdr == 0) return -1; /* http-parser never does this */
    if (!c->in_value) {
        if (head_end_piece(c)) return -1;
        c->hoff[c->nhdr - 1][1] = c->nhead;
        c->in_value = 1;
    }
    return head_append(c, at, n);
}

/* Fills c->req's target and header table from c->head. */
static int build_request(struct conn *c) {
    if (head_end_piece(c)) return -1;
    if (c->nhdr > 0 && !c->in_value) {
        /* A name without a value (http-parser passes "Name:" with no
         * value callback): give it an empty value. */
        c->hoff[c->nhdr - 1][1] = c->nhead - 1;
    }
    struct httpd_req *r = &c->req;
    memset(r, 0, sizeof(*r));
    r->method = http_method_str((enum http_method)c->parser.method);
    const char *target = c->head;
    size_t ntarget = strlen(target);
    c->pathbuf = xrealloc(c->pathbuf, ntarget + 2);
    memcpy(c->pathbuf, target, ntarget + 1);
    char *q = strchr(c->pathbuf, '?');
    if (q) {
        *q = '\0';
        r->query = q + 1;
    } else {
        c->pathbuf[ntarget + 1] = '\0';
        r->query = c->pathbuf + ntarget + 1;
    }
    r->path = c->pathbuf;
    for (int i = 0; i < c->nhdr; i++) {
        c->hdrs[i].name = c->head + c->hoff[i][0];
        c->hdrs[i].value = c->head + c->hoff[i][1];
    }
    r->headers = c->hdrs;
    r->nheaders = c->nhdr;
    return 0;
}

static int send_all(int fd, struct iovec *iov, int n);
static void set_state(struct conn *c, enum conn_state st);

static int on_headers_complete(http_parser *p) {
    struct conn *c = p->data;
    if (build_request(c)) return -1;
    c->limit = c->cfg->begin(c->cfg->ud, &c->req);
    c->begun = 1;
    /* http-parser leaves content_length at ULLONG_MAX when there is no
     * Content-Length header. */
    int has_length = !(p->flags & F_CHUNKED) && p->content_length != ULLONG_MAX;
    int has_body = (p->flags & F_CHUNKED) || (has_length && p->content_length > 0);
    /* A body held in memory must fit what is left of the server's budget,
     * taken now for an announced length (a chunked one takes it as it
     * comes). */
    if (has_length && p->content_length <= c->limit && !c->req.spool &&
        body_memory_take(c, (size_t)p->content_length) != 0)
        c->limit = 0;
    if (has_length && p->content_length > c->limit) {
        c->req.too_big = 1;
        if (c->cfg->reject_early) {
            c->reject = 1;
            http_parser_pause(p, 1);
            return 0;
        }
    }
    set_state(c, CONN_BODY);
    c->deadline_ms = c->cfg->body_timeout_ms > 0 ? mono_ms() + c->cfg->body_timeout_ms : 0;
    const char *expect = httpd_header(&c->req, "Expect");
    if (has_body && !c->req.too_big && expect && strcasecmp(expect, "100-continue") == 0 &&
        p->http_major == 1 && p->http_minor >= 1) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        struct iovec v = {(void *)cont, sizeof(cont) - 1};
        if (send_all(c->fd, &v, 1) != 0) return -1;
    }
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t n) {
    struct conn *c = p->data;
    struct httpd_req *r = &c->req;
    if (r->too_big) return 0; /* drain */
    if (n > c->limit - r->nbody) {
        r->too_big = 1;
        free(r->body);
        r->body = NULL;
        r->nbody = 0;
        c->capbody = 0;
        return 0;
    }
    if (c->deadline_ms && c->cfg->body_min_rate > 0)
        c->deadline_ms += (long long)n * 1000 / c->cfg->body_min_rate;
    if (r->spool) {
        r->nbody += n;
        while (n > 0 && r->spool_err == 0) {
            ssize_t w = write(r->spool_fd, at, n);
            if (w < 0 && errno == EINTR) continue;
            if (w <= 0) {
                r->spool_err = w < 0 ? errno : EIO;
                break;
            }
            at += w;
            n -= (size_t)w;
        }
        return 0;
    }
    if (r->nbody + n > c->held && body_memory_take(c, r->nbody + n - c->held) != 0) {
        /* A chunked body past what is left of the server's budget. */
        r->too_big = 1;
        free(r->body);
        r->body = NULL;
        r->nbody = 0;
        c->capbody = 0;
        return 0;
    }
    if (r->nbody + n + 1 > c->capbody) {
        /* Doubling: a 6 MB body arrives in hundreds of reads. */
        size_t want = c->capbody ? c->capbody * 2 : 4096;
        while (want < r->nbody + n + 1) want *= 2;
        if (want > c->limit + 1) want = c->limit + 1;
        r->body = xrealloc(r->body, want);
        c->capbody = want;
    }
    memcpy(r->body + r->nbody, at, n);
    r->nbody += n;
    return 0;
}

/* A chunk announced past the body's limit makes the body too big now,
 * not after the client has sent (or failed to send) that much. */
static int on_chunk_header(http_parser *p) {
    struct conn *c = p->data;
    struct httpd_req *r = &c->req;
    if (r->too_big || p->content_length <= c->limit - r->nbody) return 0;
    r->too_big = 1;
    free(r->body);
    r->body = NULL;
    r->nbody = 0;
    c->capbody = 0;
    if (c->cfg->reject_early) {
        c->reject = 1;
        http_parser_pause(p, 1);
    }
    return 0;
}

static int on_message_complete(http_parser *p) {
    struct conn *c = p->data;
    c->complete = 1;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_chunk_header = on_chunk_header,
    .on_message_complete = on_message_complete,
};

/* ---- replies ------------------------------------------------------------- */

static const char *reason(int status) {
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Unknown";
    }
}

/* Writes every byte of IOV; 0, or -1 when the peer is gone or too slow
 * (SO_SNDTIMEO). */
static int send_all(int fd, struct iovec *iov, int n) {
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        size_t left = (size_t)w;
        while (n > 0 && left >= iov->iov_len) {
            left -= iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + left;
            iov->iov_len -= left;
        }
    }
    return 0;
}

/* Sends N bytes of file IN from OFF to socket FD (the socket's send
 * timeout bounds each step). 0, or -1 when sending failed or the file
 * ended early. */
static int send_file(int fd, int in, off_t off, size_t n) {
    while (n > 0) {
        ssize_t w = sendfile(fd, in, &off, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        n -= (size_t)w;
    }
    return 0;
}

void httpd_resp_header(struct httpd_resp *resp, const char *name, const char *value) {
    size_t nn = strlen(name), nv = strlen(value);
    size_t need = resp->nhdrs + nn + nv + 4 + 1;
    if (need > resp->caphdrs) {
        size_t want = resp->caphdrs ? resp->caphdrs * 2 : 256;
        while (want < need) want *= 2;
        resp->hdrs = xrealloc(resp->hdrs, want);
        resp->caphdrs = want;
    }
    char *o = resp->hdrs + resp->nhdrs;
    memcpy(o, name, nn);
    o += nn;
    *o++ = ':';
    *o++ = ' ';
    for (size_t i = 0; i < nv; i++) *o++ = (value[i] == '\r' || value[i] == '\n') ? ' ' : value[i];
    *o++ = '\r';
    *o++ = '\n';
    resp->nhdrs = (size_t)(o - resp->hdrs);
}

void httpd_resp_copy_body(struct httpd_resp *resp, const void *body, size_t n) {
    free(resp->body);
    resp->body = xrealloc(NULL, n + 1);
    memcpy(resp->body, body, n);
    resp->body[n] = '\0';
    resp->nbody = n;
}

/* Writes RESP for a request with METHOD; KEEP says whether the connection
 * stays open (HTTP/1.0 clients are told so). 0, or -1 when writing failed. */
static int send_resp(int fd, const char *method, struct httpd_resp *resp, int keep, int http10) {
    int status = resp->status ? resp->status : 500;
    /* RFC 9110 6.4.1: 1xx, 204 and 304 have no content; HEAD gets the
     * GET headers and no content. */
    int no_content = status < 200 || status == 204 || status == 304;
    int head = method && strcmp(method, "HEAD") == 0;
    char date[64];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    char line[256];
    int nl;
    if (no_content)
        nl = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, reason(status), date);
    else
        nl = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\nDate: %s\r\nContent-Length: %zu\r\n",
                      status, reason(status), date,
                      head && resp->head_length ? resp->head_length : resp->nbody);
    const char *conn = !keep ? "Connection: close\r\n\r\n"
                       : http10 ? "Connection: keep-alive\r\n\r\n" : "\r\n";
    int from_file = resp->file && !no_content && !head;
    struct iovec v[4] = {
        {line, (size_t)nl},
        {resp->hdrs, resp->nhdrs},
        {(void *)conn, strlen(conn)},
        {resp->body, (no_content || head || resp->file) ? 0 : resp->nbody},
    };
    if (send_all(fd, v, 4) != 0) return -1;
    return from_file ? send_file(fd, resp->file_fd, (off_t)resp->file_off, resp->nbody) : 0;
}

static void resp_free(struct httpd_resp *resp) {
    if (resp->file) close(resp->file_fd);
    free(resp->body);
    free(resp->hdrs);
    memset(resp, 0, sizeof(*resp));
}

/* Answers a request we could not read (bad syntax, header limits) and
 * closes: no handler ran. */
static void send_error(int fd, int status) {
    struct httpd_resp resp = {.status = status};
    send_resp(fd, NULL, &resp, 0, 0);
}

static int stopping(struct conn *c) {
    if (c->h == NULL) return 0;
    pthread_mutex_lock(&c->h->mu);
    int s = c->h->stopping;
    pthread_mutex_unlock(&c->h->mu);
    return s;
}

/* Records what C's thread does now (for httpd_stop). */
static void set_state(struct conn *c, enum conn_state st) {
    if (c->h == NULL) return;
    pthread_mutex_lock(&c->h->mu);
    c->state = st;
    pthread_mutex_unlock(&c->h->mu);
}

/* Runs the handler on the request just read and writes its reply; KEEP is
 * whether the request lets the connection stay open. Returns 0, or -1 when
 * the connection is done (write failed, or it must close). */
static int serve_request(struct conn *c, int keep) {
    struct httpd_req *r = &c->req;
    if (r->body == NULL) {
        r->body = xrealloc(NULL, 1);
        c->capbody = 1;
    }
    /* A spooled body is in its file; the buffer stays "". */
    r->body[r->spool ? 0 : r->nbody] = '\0';
    struct httpd_resp resp = {0};
    set_state(c, CONN_HANDLING);
    c->cfg->handle(c->cfg->ud, r, &resp);
    /* A stop that came while the handler ran closes after this reply. */
    if (keep && stopping(c)) keep = 0;
    int sent = send_resp(c->fd, r->method, &resp, keep, c->parser.http_minor == 0) == 0;
    resp_free(&resp);
    if (c->cfg->end) c->cfg->end(c->cfg->ud, r, sent);
    c->begun = 0;
    /* Waiting for the next request (bytes of it may be buffered: its head
     * deadline starts with the next read). */
    if (c->h) {
        pthread_mutex_lock(&c->h->mu);
        c->state = CONN_IDLE;
        c->since_ms = mono_ms();
        pthread_mutex_unlock(&c->h->mu);
    }
    return sent && keep ? 0 : -1;
}

static void request_reset(struct conn *c) {
    body_memory_release(c);
    c->deadline_ms = 0;
    free(c->req.body);
    memset(&c->req, 0, sizeof(c->req));
    c->capbody = 0;
    c->complete = 0;
    c->reject = 0;
    c->nhead = 0;
    c->nhdr = 0;
}

/* Marks C idle (waiting for a request's first byte) unless the server is
 * stopping or has evicted it; returns 0, or -1 to close. */
static int go_idle(struct conn *c) {
    if (c->h == NULL) return 0;
    pthread_mutex_lock(&c->h->mu);
    int s = c->h->stopping || c->evicted;
    if (!s && c->state != CONN_IDLE) {
        c->state = CONN_IDLE;
        c->since_ms = mono_ms();
    }
    pthread_mutex_unlock(&c->h->mu);
    return s ? -1 : 0;
}

/* Bytes arrived on C: an idle connection starts a request, whose headers
 * must be in by the head deadline. */
static void mark_reading(struct conn *c) {
    if (c->h == NULL) return;
    pthread_mutex_lock(&c->h->mu);
    if (c->state == CONN_IDLE) {
        c->state = CONN_READING;
        c->since_ms = mono_ms();
        c->deadline_ms = c->cfg->head_timeout_ms > 0 ? c->since_ms + c->cfg->head_timeout_ms : 0;
    }
    pthread_mutex_unlock(&c->h->mu);
}

/* The poll timeout for C's next read: the idle timeout, or less when a
 * head or body deadline comes first; 0 when it has passed. */
static int read_timeout_ms(const struct conn *c) {
    int t = c->cfg->idle_timeout_s > 0 ? c->cfg->idle_timeout_s * 1000 : -1;
    if (c->deadline_ms == 0) return t;
    long long left = c->deadline_ms - mono_ms();
    if (left < 0) left = 0;
    return (t < 0 || left < t) ? (int)left : t;
}

static int aborted(struct conn *c) {
    if (c->h == NULL) return 0;
    pthread_mutex_lock(&c->h->mu);
    int a = c->aborted;
    pthread_mutex_unlock(&c->h->mu);
    return a;
}

/* The server stopped while C's request was being read: its handler
 * answers (503) when the headers are in, else a bare 503. */
static void answer_aborted(struct conn *c) {
    if (c->begun && !c->reject) {
        c->req.aborted = 1;
        serve_request(c, 0);
    } else if (c->nhead > 0 && !c->begun) {
        send_error(c->fd, 503);
    }
}

static void conn_loop(struct conn *c) {
    if (c->cfg->admit && !c->cfg->admit(c->cfg->ud, c->fd)) {
        close(c->fd);
        return;
    }
    char *buf = xrealloc(NULL, HTTPD_READ_CHUNK);
    size_t off = 0, len = 0;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    for (;;) {
        if (off == len) {
            int between = !c->begun && c->nhead == 0;
            if (between && go_idle(c) != 0) break;
            struct pollfd pfd = {c->fd, POLLIN, 0};
            int pr = poll(&pfd, 1, read_timeout_ms(c));
            if (pr < 0 && errno == EINTR) continue;
            if (pr == 0 && c->deadline_ms && mono_ms() >= c->deadline_ms) {
                /* Too slow: headers or body past their deadline. */
                send_error(c->fd, 408);
                break;
            }
            if (pr <= 0) break; /* idle timeout */
            ssize_t n = recv(c->fd, buf, HTTPD_READ_CHUNK, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                if (aborted(c)) answer_aborted(c);
                break;
            }
            mark_reading(c);
            off = 0;
            len = (size_t)n;
        }
        size_t used = http_parser_execute(&c->parser, &parser_settings, buf + off, len - off);
        off += used;
        enum http_errno err = HTTP_PARSER_ERRNO(&c->parser);
        if (err == HPE_PAUSED) {
            http_parser_pause(&c->parser, 0);
            if (c->reject) {
                /* Body announced over the limit: answer without reading it. */
                serve_request(c, 0);
                break;
            }
            if (c->complete) {
                /* After an Upgrade request the bytes that follow belong to
                 * another protocol: serve it as plain HTTP, then close. */
                int keep = http_should_keep_alive(&c->parser) && !c->parser.upgrade;
                int rc = serve_request(c, keep);
                request_reset(c);
                if (rc != 0) break;
            }
            continue;
        }
        if (err != HPE_OK) {
            send_error(c->fd, c->fail_status ? c->fail_status : 400);
            break;
        }
    }
    if (c->begun && c->cfg->end) c->cfg->end(c->cfg->ud, &c->req, 0);
    c->begun = 0;
    request_reset(c);
    free(buf);
    free(c->head);
    free(c->pathbuf);
    c->head = c->pathbuf = NULL;
    close(c->fd);
}

void httpd_serve_fd(const struct httpd_config *cfg, int fd) {
    struct conn *c = xcalloc(1, sizeof(*c));
    c->cfg = cfg;
    c->fd = fd;
    conn_loop(c);
    free(c);
}

/* ---- threads -------------------------------------------------------------- */

static void *conn_main(void *arg) {
    struct conn *c = arg;
    struct httpd *h = c->h;
    conn_loop(c);
    pthread_mutex_lock(&h->mu);
    struct conn **pp = &h->live;
    while (*pp != c) pp = &(*pp)->next;
    *pp = c->next;
    c->next = h->dead;
    h->dead = c;
    if (c->evicted) h->nevicting--;
    if (--h->nlive == 0) pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
    return NULL;
}

/* Joins the threads of connections that have ended. */
static void reap(struct httpd *h) {
    pthread_mutex_lock(&h->mu);
    struct conn *d = h->dead;
    h->dead = NULL;
    pthread_mutex_unlock(&h->mu);
    while (d) {
        struct conn *next = d->next;
        pthread_join(d->tid, NULL);
        free(d);
        d = next;
    }
}

/* At the connection limit: closes the connection that has waited longest
 * for a request, or else for the rest of its headers, to make room (it
 * leaves h->nlive once its thread ends; until then it counts in
 * h->nevicting). Connections reading a body or running a handler are
 * never taken. Caller holds h->mu. */
static void evict_one(struct httpd *h) {
    struct conn *victim = NULL;
    for (struct conn *c = h->live; c; c = c->next) {
        if (c->evicted || (c->state != CONN_IDLE && c->state != CONN_READING)) continue;
        if (victim == NULL || (c->state == CONN_IDLE && victim->state != CONN_IDLE) ||
            (c->state == victim->state && c->since_ms < victim->since_ms))
            victim = c;
    }
    if (victim == NULL) return;
    victim->evicted = 1;
    h->nevicting++;
    shutdown(victim->fd, SHUT_RDWR);
}

static void accept_one(struct httpd *h) {
    int fd = accept4(h->lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) return;
    /* Small request/reply pairs on keep-alive: Nagle plus delayed ACK
     * would add ~40 ms to a reply written in two pieces. */
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (h->cfg.idle_timeout_s > 0) {
        struct timeval tv = {h->cfg.idle_timeout_s, 0};
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    }
    struct conn *c = xcalloc(1, sizeof(*c));
    c->h = h;
    c->cfg = &h->cfg;
    c->fd = fd;
    c->state = CONN_IDLE;
    c->since_ms = mono_ms();
    pthread_mutex_lock(&h->mu);
    if (h->nlive - h->nevicting >= h->cfg.max_conns && !h->stopping) evict_one(h);
    int taken = h->nlive - h->nevicting < h->cfg.max_conns && !h->stopping;
    if (taken) {
        c->next = h->live;
        h->live = c;
        h->nlive++;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        if (h->cfg.stack_size) pthread_attr_setstacksize(&attr, h->cfg.stack_size);
        taken = pthread_create(&c->tid, &attr, conn_main, c) == 0;
        pthread_attr_destroy(&attr);
        if (!taken) {
            h->live = c->next;
            h->nlive--;
        }
    }
    pthread_mutex_unlock(&h->mu);
    if (!taken) {   /* otherwise the connection's thread owns FD and C */
        close(fd);
        free(c);
    }
}

static void *acceptor_main(void *arg) {
    struct httpd *h = arg;
    struct pollfd pfd[2] = {{h->lfd, POLLIN, 0}, {h->wake[0], POLLIN, 0}};
    for (;;) {
        int n = poll(pfd, 2, -1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 || (pfd[1].revents & POLLIN)) break;
        if (pfd[0].revents & POLLIN) accept_one(h);
        reap(h);
    }
    return NULL;
}

struct httpd *httpd_start(const struct httpd_config *cfg, const struct sockaddr *addr,
                          socklen_t addrlen, int *port) {
    struct httpd *h = xcalloc(1, sizeof(*h));
    h->cfg = *cfg;
    h->lfd = -1;
    h->wake[0] = h->wake[1] = -1;
    int one = 1, err = 0;
    h->lfd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (h->lfd < 0) goto fail;
    setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (addr->sa_family == AF_INET6) setsockopt(h->lfd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
    if (bind(h->lfd, addr, addrlen) != 0 || listen(h->lfd, HTTPD_BACKLOG) != 0) goto fail;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    if (getsockname(h->lfd, (struct sockaddr *)&ss, &sl) != 0) goto fail;
    *port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                     : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (pipe2(h->wake, O_CLOEXEC) != 0) goto fail;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cv, NULL);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    /* The acceptor only polls and accepts. */
    pthread_attr_setstacksize(&attr, 64 * 1024);
    int rc = pthread_create(&h->acceptor, &attr, acceptor_main, h);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        pthread_cond_destroy(&h->cv);
        pthread_mutex_destroy(&h->mu);
        errno = rc;
        goto fail;
    }
    return h;
fail:
    err = errno;
    if (h->lfd >= 0) close(h->lfd);
    if (h->wake[0] >= 0) close(h->wake[0]);
    if (h->wake[1] >= 0) close(h->wake[1]);
    free(h);
    errno = err;
    return NULL;
}

/* Stops the acceptor and closes the listener; once. */
static void stop_accepting(struct httpd *h) {
    if (h->quiesced) return;
    h->quiesced = 1;
    ssize_t w;
    do w = write(h->wake[1], "x", 1);
    while (w < 0 && errno == EINTR);
    pthread_join(h->acceptor, NULL);
    close(h->lfd);
}

void httpd_quiesce(struct httpd *h) {
    if (h == NULL) return;
    stop_accepting(h);
    /* Wake connections waiting for a request (their recv() returns 0);
     * the others close after their reply. */
    pthread_mutex_lock(&h->mu);
    h->stopping = 1;
    for (struct conn *c = h->live; c; c = c->next)
        if (c->state == CONN_IDLE) shutdown(c->fd, SHUT_RD);
    pthread_mutex_unlock(&h->mu);
}

int httpd_wait(struct httpd *h, long long deadline_ms) {
    if (h == NULL) return 0;
    pthread_mutex_lock(&h->mu);
    while (h->nlive > 0) {
        if (deadline_ms < 0) {
            pthread_cond_wait(&h->cv, &h->mu);
            continue;
        }
        /* h->cv is signalled on CLOCK_REALTIME by default: convert. */
        long long left = deadline_ms - mono_ms();
        if (left <= 0) break;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += (time_t)(left / 1000);
        ts.tv_nsec += (long)(left % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&h->cv, &h->mu, &ts);
    }
    int n = h->nlive;
    pthread_mutex_unlock(&h->mu);
    return n;
}

void httpd_stop(struct httpd *h) {
    if (h == NULL) return;
    stop_accepting(h);
    /* Wake connections waiting for bytes (their recv() returns 0): a
     * request being read is answered 503; those in a handler close after
     * their reply. */
    pthread_mutex_lock(&h->mu);
    h->stopping = 1;
    for (struct conn *c = h->live; c; c = c->next)
        if (c->state != CONN_HANDLING) {
            c->aborted = c->state != CONN_IDLE;
            shutdown(c->fd, SHUT_RD);
        }
    while (h->nlive > 0) pthread_cond_wait(&h->cv, &h->mu);
    pthread_mutex_unlock(&h->mu);
    reap(h);
    close(h->wake[0]);
    close(h->wake[1]);
    pthread_cond_destroy(&h->cv);
    pthread_mutex_destroy(&h->mu);
    free(h);
}

const char *httpd_header(const struct httpd_req *r, const char *name) {
    for (int i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    return NULL;
}
