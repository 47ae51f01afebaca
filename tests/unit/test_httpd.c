/*
 * Unit tests for net/httpd.h: a server on 127.0.0.1:0 with an echo handler,
 * driven by raw sockets. One table of request byte strings with the reply
 * each must produce (keep-alive, pipelining, chunked bodies, empty header
 * values, body and header limits, bad syntax, HEAD, 204), then the cases a
 * table cannot hold: Expect: 100-continue, early rejection, connection
 * limit, end() on a vanished client, and httpd_stop with idle and busy
 * connections.
 */
#include "net/httpd.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Body limit of the test server: small, so the limit cases stay small. */
#define LIMIT 64

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int nbegin, nend, nend_unsent;
static int slow_ms;               /* /slow sleeps this long */

static size_t t_begin(void *ud, struct httpd_req *r) {
    (void)ud;
    pthread_mutex_lock(&mu);
    nbegin++;
    pthread_mutex_unlock(&mu);
    r->data = strdup(r->path);
    if (strcmp(r->path, "/spool") == 0) {
        /* The body goes to a file; the reply is sent back from it. */
        FILE *f = tmpfile();
        ck_assert_ptr_nonnull(f);
        r->spool = 1;
        r->spool_fd = dup(fileno(f));
        fclose(f);
    }
    return LIMIT;
}

/* Replies "METHOD PATH?QUERY|X-Test|X-Empty|BODY" or a status the path
 * names: /status/204, /slow. */
static void t_handle(void *ud, struct httpd_req *r, struct httpd_resp *resp) {
    (void)ud;
    ck_assert_str_eq(r->data, r->path);
    if (strncmp(r->path, "/status/", 8) == 0) {
        resp->status = atoi(r->path + 8);
        return;
    }
    if (strcmp(r->path, "/slow") == 0) {
        struct timespec ts = {0, slow_ms * 1000000L};
        nanosleep(&ts, NULL);
    }
    if (strcmp(r->path, "/inject") == 0) httpd_resp_header(resp, "X-Bad", "a\r\nSet-Cookie: x");
    if (r->spool && r->too_big) close(r->spool_fd);
    if (r->spool && !r->too_big) {
        /* Nothing in memory; the file holds the body: send it back from
         * its third byte (the server closes the descriptor). */
        ck_assert_str_eq(r->body, "");
        ck_assert_int_eq(r->spool_err, 0);
        resp->status = 200;
        resp->file = 1;
        resp->file_fd = r->spool_fd;
        resp->file_off = 2;
        resp->nbody = r->nbody - 2;
        return;
    }
    char out[512];
    const char *t = httpd_header(r, "x-test"), *e = httpd_header(r, "X-Empty");
    int n = snprintf(out, sizeof(out), "%s %s?%s|%s|%s|%s%s", r->method, r->path, r->query,
                     t ? t : "-", e ? (*e ? e : "(empty)") : "-", r->too_big ? "BIG" : "",
                     r->body);
    resp->status = 200;
    httpd_resp_copy_body(resp, out, (size_t)n);
}

static void t_end(void *ud, struct httpd_req *r, int sent) {
    (void)ud;
    free(r->data);
    pthread_mutex_lock(&mu);
    nend++;
    if (!sent) nend_unsent++;
    pthread_mutex_unlock(&mu);
}

/* Deadlines and the body memory budget of the next start() (zero: none). */
static struct httpd_config limits;

static struct httpd *start(int reject_early, int max_conns, int *port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct httpd_config cfg = {
        .max_conns = max_conns,
        .idle_timeout_s = 5,
        .stack_size = 256 * 1024,
        .reject_early = reject_early,
        .begin = t_begin,
        .handle = t_handle,
        .end = t_end,
        .head_timeout_ms = limits.head_timeout_ms,
        .body_timeout_ms = limits.body_timeout_ms,
        .body_min_rate = limits.body_min_rate,
        .max_body_memory = limits.max_body_memory,
    };
    nbegin = nend = nend_unsent = 0;
    struct httpd *h = httpd_start(&cfg, (struct sockaddr *)&a, sizeof(a), port);
    ck_assert_ptr_nonnull(h);
    return h;
}

static int dial(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    return fd;
}

/* Reads until the peer closes or 2 s pass without a byte; NUL-terminated. */
static size_t read_all(int fd, char *buf, size_t cap) {
    size_t n = 0;
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 2000) <= 0) break;
        ssize_t r = recv(fd, buf + n, cap - 1 - n, 0);
        if (r <= 0) break;
        n += (size_t)r;
        if (n == cap - 1) break;
    }
    buf[n] = '\0';
    return n;
}

/* Sends REQ, half-closes, returns everything the server wrote. */
static char *exchange(int port, const char *req, size_t n) {
    int fd = dial(port);
    ck_assert_int_eq(send(fd, req, n, 0), (ssize_t)n);
    shutdown(fd, SHUT_WR);
    char *buf = malloc(256 * 1024);
    read_all(fd, buf, 256 * 1024);
    close(fd);
    return buf;
}

/* Drops the Date header's value so replies compare as text. */
static void strip_dates(char *s) {
    char *d;
    while ((d = strstr(s, "Date: ")) != NULL) {
        char *eol = strstr(d, "\r\n");
        memmove(d, eol + 2, strlen(eol + 2) + 1);
    }
}

struct wire_case {
    const char *name;
    const char *req;
    const char *reply; /* whole reply, Date lines removed */
};

#define OK200(len, body) "HTTP/1.1 200 OK\r\nContent-Length: " #len "\r\n\r\n" body

static const struct wire_case wire_cases[] = {
    {"get with query and header",
     "GET /a/b?x=1&y=%20 HTTP/1.1\r\nHost: h\r\nX-Test: yes\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 200 OK\r\nContent-Length: 25\r\nConnection: close\r\n\r\nGET /a/b?x=1&y=%20|yes|-|"},
    {"empty header value, then another header",
     "GET / HTTP/1.1\r\nX-Empty:\r\nX-Test: t\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 200 OK\r\nContent-Length: 17\r\nConnection: close\r\n\r\nGET /?|t|(empty)|"},
    {"empty header value last",
     "GET / HTTP/1.1\r\nX-Test: t\r\nX-Empty:\r\nConnection: close\r\n\r\nGET",
     NULL},
    {"pipelined pair on keep-alive",
     "GET /1 HTTP/1.1\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
     OK200(12, "GET /1?|-|-|")
     "HTTP/1.1 200 OK\r\nContent-Length: 15\r\nConnection: close\r\n\r\nPOST /2?|-|-|hi"},
    {"chunked body",
     "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
     "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n",
     "HTTP/1.1 200 OK\r\nContent-Length: 18\r\nConnection: close\r\n\r\nPOST /c?|-|-|abcde"},
    {"content-length body over the limit is drained",
     "POST /big HTTP/1.1\r\nContent-Length: 70\r\n\r\n"
     "0123456789012345678901234567890123456789012345678901234567890123456789"
     "GET /after HTTP/1.1\r\nConnection: close\r\n\r\n",
     OK200(18, "POST /big?|-|-|BIG")
     "HTTP/1.1 200 OK\r\nContent-Length: 16\r\nConnection: close\r\n\r\nGET /after?|-|-|"},
    {"chunked body over the limit",
     "POST /big HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
     "28\r\n0123456789012345678901234567890123456789\r\n"
     "28\r\n0123456789012345678901234567890123456789\r\n0\r\n\r\n",
     "HTTP/1.1 200 OK\r\nContent-Length: 18\r\nConnection: close\r\n\r\nPOST /big?|-|-|BIG"},
    {"bad request line", "BROKEN\r\n\r\n",
     "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
    {"content-length and chunked together",
     "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
     "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
    {"head has length, no body", "HEAD /h HTTP/1.1\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nConnection: close\r\n\r\n"},
    {"204 has neither length nor body", "GET /status/204 HTTP/1.1\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"},
    {"status 0 is sent as 500", "GET /status/0 HTTP/1.1\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
    {"http/1.0 closes by default", "GET /z HTTP/1.0\r\n\r\n",
     "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nGET /z?|-|-|"},
    {"http/1.0 keep-alive is answered as such",
     "GET /z HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /y HTTP/1.0\r\n\r\n",
     "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: keep-alive\r\n\r\nGET /z?|-|-|"
     "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\nGET /y?|-|-|"},
    {"CR LF in a reply header value cannot split the reply",
     "GET /inject HTTP/1.1\r\nConnection: close\r\n\r\n",
     "HTTP/1.1 200 OK\r\nContent-Length: 17\r\nX-Bad: a  Set-Cookie: x\r\nConnection: close\r\n\r\n"
     "GET /inject?|-|-|"},
    {"upgrade is served as a plain request, then closed",
     "GET / HTTP/1.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\nGET /more HTTP/1.1\r\n\r\n",
     "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\nGET /?|-|-|"},
};

START_TEST(test_wire) {
    const struct wire_case *c = &wire_cases[_i];
    int port;
    struct httpd *h = start(0, 8, &port);
    char *got = exchange(port, c->req, strlen(c->req));
    strip_dates(got);
    if (c->reply)
        ck_assert_msg(strcmp(got, c->reply) == 0, "%s:\n got [%s]\nwant [%s]", c->name, got, c->reply);
    else
        ck_assert_msg(strstr(got, "GET /?|t|(empty)|") != NULL, "%s: got [%s]", c->name, got);
    free(got);
    httpd_stop(h);
    ck_assert_int_eq(nbegin, nend);
}
END_TEST

START_TEST(test_spool_and_file_reply) {
    int port;
    struct httpd *h = start(0, 8, &port);
    static const char req[] = "PUT /spool HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                              "GET /after HTTP/1.1\r\n\r\n";
    char *got = exchange(port, req, sizeof(req) - 1);
    strip_dates(got);
    ck_assert_str_eq(got, "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nllo world"
                          "HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\nGET /after?|-|-|");
    free(got);
    /* Over the limit: drained, too_big, nothing written past it. */
    char big[256];
    int n = snprintf(big, sizeof(big), "PUT /spool HTTP/1.1\r\nContent-Length: %d\r\n\r\n", LIMIT + 1);
    memset(big + n, 'x', LIMIT + 1);
    got = exchange(port, big, (size_t)n + LIMIT + 1);
    strip_dates(got);
    ck_assert_msg(strstr(got, "HTTP/1.1 200 OK\r\nContent-Length: 19\r\n\r\nPUT /spool?|-|-|BIG") != NULL,
                  "got [%s]", got);
    free(got);
    httpd_stop(h);
    ck_assert_int_eq(nbegin, nend);
}
END_TEST

/* Sends Z on FD, then waits MS milliseconds. */
static void drip(int fd, const char *z, int ms) {
    ck_assert_int_eq(send(fd, z, strlen(z), MSG_NOSIGNAL), (ssize_t)strlen(z));
    struct timespec ts = {0, ms * 1000000L};
    nanosleep(&ts, NULL);
}

START_TEST(test_slow_head_and_body) {
    int port;
    memset(&limits, 0, sizeof(limits));
    limits.head_timeout_ms = 300;
    limits.body_timeout_ms = 300;
    limits.body_min_rate = 1000;
    struct httpd *h = start(0, 8, &port);
    /* A header line every 100 ms: answered 408 once 300 ms have passed. */
    int fd = dial(port);
    drip(fd, "GET / HTTP/1.1\r\n", 100);
    for (int i = 0; i < 3; i++) drip(fd, "X-A: 1\r\n", 100);
    char buf[512];
    read_all(fd, buf, sizeof(buf));
    ck_assert_msg(strncmp(buf, "HTTP/1.1 408 ", 13) == 0, "got [%s]", buf);
    close(fd);
    /* A body of 60 bytes at 10 bytes per 150 ms: 300 ms + 10 ms per byte
     * received is not enough. */
    fd = dial(port);
    drip(fd, "POST /b HTTP/1.1\r\nContent-Length: 60\r\n\r\n", 0);
    for (int i = 0; i < 3; i++) drip(fd, "0123456789", 150);
    read_all(fd, buf, sizeof(buf));
    ck_assert_msg(strncmp(buf, "HTTP/1.1 408 ", 13) == 0, "got [%s]", buf);
    close(fd);
    /* The same body sent at once is served. */
    static const char ok[] = "POST /b HTTP/1.1\r\nContent-Length: 10\r\nConnection: close\r\n\r\n0123456789";
    char *got = exchange(port, ok, sizeof(ok) - 1);
    ck_assert_msg(strstr(got, "POST /b?|-|-|0123456789") != NULL, "got [%s]", got);
    free(got);
    httpd_stop(h);
    memset(&limits, 0, sizeof(limits));
}
END_TEST

START_TEST(test_body_memory_budget) {
    int port;
    memset(&limits, 0, sizeof(limits));
    limits.max_body_memory = 100;
    struct httpd *h = start(0, 8, &port);
    /* The first request holds 60 of the 100 bytes while its body comes. */
    int a = dial(port);
    drip(a, "POST /a HTTP/1.1\r\nContent-Length: 60\r\nConnection: close\r\n\r\n", 100);
    /* A second of 60 does not fit: refused as over its limit. */
    static const char b[] = "POST /b HTTP/1.1\r\nContent-Length: 60\r\nConnection: close\r\n\r\n"
                            "012345678901234567890123456789012345678901234567890123456789";
    char *got = exchange(port, b, sizeof(b) - 1);
    ck_assert_msg(strstr(got, "POST /b?|-|-|BIG") != NULL, "got [%s]", got);
    free(got);
    /* The first completes; its bytes are given back, so another fits. */
    drip(a, "012345678901234567890123456789012345678901234567890123456789", 0);
    char buf[512];
    read_all(a, buf, sizeof(buf));
    ck_assert_msg(strstr(buf, "POST /a?|-|-|0123") != NULL, "got [%s]", buf);
    close(a);
    got = exchange(port, b, sizeof(b) - 1);
    ck_assert_msg(strstr(got, "POST /b?|-|-|0123") != NULL, "got [%s]", got);
    free(got);
    httpd_stop(h);
    memset(&limits, 0, sizeof(limits));
}
END_TEST

START_TEST(test_header_limit) {
    int port;
    struct httpd *h = start(0, 8, &port);
    enum { n = 80 * 1024 };
    static char req[n + 64];
    int off = sprintf(req, "GET / HTTP/1.1\r\nX-Long: ");
    memset(req + off, 'a', n);
    strcpy(req + off + n, "\r\n\r\n");
    char *got = exchange(port, req, strlen(req));
    ck_assert_msg(strncmp(got, "HTTP/1.1 431 ", 13) == 0, "got [%.60s]", got);
    free(got);
    /* 101 header lines: over the header count limit. */
    off = sprintf(req, "GET / HTTP/1.1\r\n");
    for (int i = 0; i < 101; i++) off += sprintf(req + off, "H%d: v\r\n", i);
    strcpy(req + off, "\r\n");
    got = exchange(port, req, strlen(req));
    ck_assert_msg(strncmp(got, "HTTP/1.1 431 ", 13) == 0, "got [%.60s]", got);
    free(got);
    httpd_stop(h);
}
END_TEST

START_TEST(test_expect_continue) {
    int port;
    struct httpd *h = start(1, 8, &port);
    int fd = dial(port);
    const char *head = "PUT /e HTTP/1.1\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n";
    send(fd, head, strlen(head), 0);
    char buf[1024];
    ssize_t r = recv(fd, buf, sizeof(buf) - 1, 0);
    ck_assert_int_gt(r, 0);
    buf[r] = '\0';
    ck_assert_str_eq(buf, "HTTP/1.1 100 Continue\r\n\r\n");
    send(fd, "body", 4, 0);
    shutdown(fd, SHUT_WR);
    read_all(fd, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "PUT /e?|-|-|body"));
    close(fd);
    /* Over the limit: 413-free early answer from the handler, no 100, closed. */
    fd = dial(port);
    head = "PUT /e HTTP/1.1\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n";
    send(fd, head, strlen(head), 0);
    read_all(fd, buf, sizeof(buf));
    ck_assert_ptr_null(strstr(buf, "100 Continue"));
    ck_assert_ptr_nonnull(strstr(buf, "PUT /e?|-|-|BIG"));
    ck_assert_ptr_nonnull(strstr(buf, "Connection: close"));
    close(fd);
    httpd_stop(h);
    ck_assert_int_eq(nbegin, 2);
    ck_assert_int_eq(nend, 2);
}
END_TEST

START_TEST(test_reject_early) {
    int port;
    struct httpd *h = start(1, 8, &port);
    /* The body never comes: the answer must not wait for it. */
    int fd = dial(port);
    const char *head = "POST /r HTTP/1.1\r\nContent-Length: 100000\r\n\r\n";
    send(fd, head, strlen(head), 0);
    char buf[1024];
    read_all(fd, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "POST /r?|-|-|BIG"));
    ck_assert_ptr_nonnull(strstr(buf, "Connection: close"));
    close(fd);
    /* A chunk announced past the limit (here the largest size there is) is
     * answered at once, not waited for. */
    fd = dial(port);
    const char *chunk = "POST /r HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nabc";
    send(fd, chunk, strlen(chunk), 0);
    read_all(fd, buf, sizeof(buf));
    ck_assert_msg(strstr(buf, "POST /r?|-|-|BIG") != NULL || strncmp(buf, "HTTP/1.1 400 ", 13) == 0,
                  "got [%s]", buf);
    close(fd);
    httpd_stop(h);
}
END_TEST

/* 1 when the peer of FD has closed (a read returns 0 within 2 s). */
static int peer_closed(int fd) {
    char buf[256];
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 2000) != 1) return 0;
    return recv(fd, buf, sizeof(buf), 0) == 0;
}

START_TEST(test_conn_limit) {
    int port;
    struct httpd *h = start(0, 2, &port);
    struct timespec ts = {0, 100 * 1000000L};
    /* Two idle connections, a the older: a third takes a's place. */
    int a = dial(port);
    nanosleep(&ts, NULL);
    int b = dial(port);
    nanosleep(&ts, NULL);
    int c = dial(port);
    ck_assert(peer_closed(a));
    static const char get[] = "GET /c HTTP/1.1\r\n\r\n";
    ck_assert_int_eq(send(c, get, sizeof(get) - 1, 0), (ssize_t)(sizeof(get) - 1));
    char buf[512];
    struct pollfd p = {c, POLLIN, 0};
    ck_assert_int_eq(poll(&p, 1, 2000), 1);
    ssize_t n = recv(c, buf, sizeof(buf) - 1, 0);
    ck_assert_int_gt(n, 0);
    buf[n] = '\0';
    ck_assert_ptr_nonnull(strstr(buf, "GET /c?|-|-|"));
    close(a);
    close(b);
    close(c);
    httpd_stop(h);
    /* Both reading a body: nothing to take, the third is closed unserved. */
    h = start(0, 2, &port);
    static const char post[] = "POST /r HTTP/1.1\r\nContent-Length: 10\r\n\r\nab";
    a = dial(port);
    b = dial(port);
    ck_assert_int_eq(send(a, post, sizeof(post) - 1, 0), (ssize_t)(sizeof(post) - 1));
    ck_assert_int_eq(send(b, post, sizeof(post) - 1, 0), (ssize_t)(sizeof(post) - 1));
    nanosleep(&ts, NULL);
    c = dial(port);
    ck_assert(peer_closed(c));
    close(c);
    close(a);
    close(b);
    httpd_stop(h);
}
END_TEST

START_TEST(test_end_unsent) {
    int port;
    slow_ms = 300;
    struct httpd *h = start(0, 8, &port);
    int fd = dial(port);
    const char *req = "GET /slow HTTP/1.1\r\n\r\n";
    send(fd, req, strlen(req), 0);
    /* Reset the connection while the handler runs: the reply cannot go. */
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    close(fd);
    httpd_stop(h);
    ck_assert_int_eq(nbegin, 1);
    ck_assert_int_eq(nend, 1);
    ck_assert_int_eq(nend_unsent, 1);
}
END_TEST

struct stopper {
    struct httpd *h;
    struct timespec done;
};

static void *stop_main(void *arg) {
    struct stopper *s = arg;
    httpd_stop(s->h);
    clock_gettime(CLOCK_MONOTONIC, &s->done);
    return NULL;
}

static double ms_between(struct timespec a, struct timespec b) {
    return (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
}

START_TEST(test_stop) {
    int port;
    slow_ms = 400;
    struct httpd *h = start(0, 8, &port);
    /* One idle keep-alive connection, one partial request, one in a handler. */
    int idle = dial(port), partial = dial(port), busy = dial(port);
    char buf[1024];
    send(idle, "GET /i HTTP/1.1\r\n\r\n", 19, 0);
    ck_assert_int_gt(recv(idle, buf, sizeof(buf), 0), 0);
    send(partial, "GET /p HTTP/1.1\r\nX-Te", 21, 0);
    send(busy, "GET /slow HTTP/1.1\r\n\r\n", 22, 0);
    struct timespec t0;
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct stopper s = {h, {0, 0}};
    pthread_t th;
    pthread_create(&th, NULL, stop_main, &s);
    /* The busy request still gets its reply, with Connection: close. */
    read_all(busy, buf, sizeof(buf));
    ck_assert_ptr_nonnull(strstr(buf, "GET /slow?|-|-|"));
    ck_assert_ptr_nonnull(strstr(buf, "Connection: close"));
    pthread_join(th, NULL);
    double took = ms_between(t0, s.done);
    /* Waited for the handler (~300 ms left), not for the idle timeout (5 s). */
    ck_assert_msg(took > 150 && took < 2500, "stop took %.0f ms", took);
    ck_assert_int_eq(recv(idle, buf, sizeof(buf), 0), 0);
    close(idle);
    close(partial);
    close(busy);
    ck_assert_int_eq(nbegin, nend);
}
END_TEST

static Suite *httpd_suite(void) {
    Suite *s = suite_create("httpd");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_wire, 0, (int)(sizeof(wire_cases) / sizeof(wire_cases[0])));
    tcase_add_test(tc, test_spool_and_file_reply);
    tcase_add_test(tc, test_slow_head_and_body);
    tcase_add_test(tc, test_body_memory_budget);
    tcase_add_test(tc, test_header_limit);
    tcase_add_test(tc, test_expect_continue);
    tcase_add_test(tc, test_reject_early);
    tcase_add_test(tc, test_conn_limit);
    tcase_add_test(tc, test_end_unsent);
    tcase_add_test(tc, test_stop);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(httpd_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
