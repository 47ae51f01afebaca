/*
 * A small HTTP/1.1 server: one thread per connection, keep-alive,
 * pipelining, chunked and Content-Length request bodies, Expect:
 * 100-continue, idle timeouts and a connection limit. Messages are parsed
 * by Debian's http-parser (libhttp-parser, the parser Node.js used before
 * llhttp); this module owns sockets, threads, buffers and replies.
 *
 * Both HTTP listeners of sluice use it: the AWS API port (server/http.c)
 * and each execution environment's Runtime API (runtime/env.c). It knows
 * nothing of AWS; it sits at the bottom of the tree with storage/ and
 * may include nothing of the project.
 *
 * Why not libmicrohttpd, which sluice used first: Debian builds it with
 * TLS, and loading gnutls and its eight libraries cost about 6 ms of every
 * start on a small VM, more than half of the 10 ms start goal
 * (docs/architecture.md, "Start-up, third pass").
 */
#ifndef SLUICE_NET_HTTPD_H
#define SLUICE_NET_HTTPD_H

#include <stddef.h>
#include <sys/socket.h>

struct httpd;

struct httpd_header {
    const char *name;
    const char *value;
};

/* One request. Every string is NUL-terminated and lives until end() has
 * returned. */
struct httpd_req {
    const char *method;    /* "GET", "POST", ... */
    const char *path;      /* request-target up to '?', not percent-decoded */
    const char *query;     /* after '?', not decoded; "" when there is none */
    const struct httpd_header *headers;
    int nheaders;
    /* The body, NUL-terminated (so also "" when empty). handle() may take
     * it (set body to NULL); it was allocated with malloc(). */
    char *body;
    size_t nbody;
    /* The body was larger than begin()'s limit: body is empty. */
    int too_big;
    /* The server is stopping and the body will not arrive: handle() only
     * answers (a 503), and the connection closes. */
    int aborted;
    /* Set by begin() to have the body written to the file SPOOL_FD (open
     * for writing, owned by the caller) instead of memory: body stays ""
     * and nbody counts the bytes written. SPOOL_ERR is the errno of a
     * failed write (the rest of the body is then read and dropped). */
    int spool;
    int spool_fd;
    int spool_err;
    /* For the callbacks: set by begin(), seen by handle() and end(). */
    void *data;
};

/* The reply handle() fills in. status 0 is sent as 500. */
struct httpd_resp {
    int status;
    char *body;            /* malloc()ed; freed by the server after sending */
    size_t nbody;
    char *hdrs;            /* header lines added by httpd_resp_header() */
    /* For a HEAD request: the Content-Length to announce when it is not
     * nbody (the size of the body a GET would send); 0: nbody. */
    size_t head_length;
    /* A body sent from a file instead of BODY: when FILE is set, NBODY
     * bytes of FILE_FD from FILE_OFF (sendfile). The server closes
     * FILE_FD after sending. */
    int file;
    int file_fd;
    long long file_off;
    size_t nhdrs, caphdrs;
};

struct httpd_config {
    /* Largest number of connections served at once. At the limit, a new
     * connection takes the place of the one that has waited longest for
     * a request (or for the rest of its headers); when every connection
     * is reading a body or running a handler, it is closed at once. Each
     * holds a thread. */
    int max_conns;
    /* Milliseconds a request may take from its first byte to the end of
     * its headers, and a body from its first byte to its last beyond
     * BODY_MIN_RATE bytes per second, before it is answered 408 and
     * closed (a client that drips bytes holds a connection no longer).
     * 0: no bound but the idle timeout. */
    int head_timeout_ms;
    int body_timeout_ms;
    int body_min_rate;
    /* Bytes of request bodies held in memory at once, over all
     * connections (spooled bodies do not count). A body announced larger
     * than what is left is refused as over its limit (too_big), before a
     * byte of it is read. 0: no bound. */
    size_t max_body_memory;
    /* Seconds a connection may wait for the next bytes of a request (or a
     * client may take to read a reply) before it is closed. */
    int idle_timeout_s;
    /* Stack size of each connection thread. */
    size_t stack_size;
    /* When a request announces (Content-Length) a body over its limit:
     * 1 answers at once without reading the body and closes the
     * connection; 0 reads and drops the body, then answers. */
    int reject_early;
    /* Called on a new connection's thread before anything is read from
     * it, with its socket: returns 1 to serve it, 0 to close it unserved
     * (the Runtime API admits only its environment's own processes).
     * Optional. */
    int (*admit)(void *ud, int fd);
    /* Called once the headers are read, before any body byte. Returns the
     * largest body accepted; may set r->data. Required. */
    size_t (*begin)(void *ud, struct httpd_req *r);
    /* Called with the whole request (or r->too_big set): fills RESP. Runs
     * on the connection's thread and may block as long as it needs; other
     * connections are not held up. Required. */
    void (*handle)(void *ud, struct httpd_req *r, struct httpd_resp *resp);
    /* Called exactly once per begin(): SENT is 1 when the whole reply was
     * written, 0 when the connection failed before that. Optional. */
    void (*end)(void *ud, struct httpd_req *r, int sent);
    void *ud;
};

/* Listens on ADDR (port 0 picks a free port) with the callbacks of CFG
 * (copied). Returns the server and stores the bound port in *PORT, or
 * returns NULL with errno set when the socket cannot be opened, bound or
 * listened on. Starts one accepting thread; callable from any thread. */
struct httpd *httpd_start(const struct httpd_config *cfg, const struct sockaddr *addr,
                          socklen_t addrlen, int *port);

/* The first step of a graceful stop: stops accepting and closes the
 * connections waiting for a request; requests being read or handled go
 * on, and their connections close after the reply. Returns at once.
 * NULL is a no-op. Call at most once, before httpd_stop. */
void httpd_quiesce(struct httpd *h);

/* Waits until H has no connection left or DEADLINE_MS (CLOCK_MONOTONIC
 * milliseconds; negative: no deadline) passes. Returns the connections
 * still open. Call after httpd_quiesce. */
int httpd_wait(struct httpd *h, long long deadline_ms);

/* Stops accepting (if httpd_quiesce did not), closes idle connections,
 * lets requests being handled finish (their connections close after the
 * reply), and answers a request whose headers are in but whose body is
 * still arriving with handle() called with ABORTED set (others being read
 * get a bare 503); then joins every thread and frees H. No callback runs
 * after it returns. NULL is a no-op. Call once, never from one of H's own
 * callbacks. */
void httpd_stop(struct httpd *h);

/* Returns the value of header NAME (case-insensitive) of R, the first if
 * it is repeated, or NULL. The string lives as long as R. */
const char *httpd_header(const struct httpd_req *r, const char *name);

/* Adds header NAME: VALUE to RESP (both copied; CR and LF in VALUE become
 * spaces, so a value taken from a request cannot split the reply). The
 * server adds Content-Length, Date and Connection itself. */
void httpd_resp_header(struct httpd_resp *resp, const char *name, const char *value);

/* Sets RESP's body to a copy of the N bytes at BODY. */
void httpd_resp_copy_body(struct httpd_resp *resp, const void *body, size_t n);

/* Serves one connection on FD on the calling thread until it closes, then
 * closes FD: the loop each connection thread runs, exposed so the fuzzer
 * can drive it through a socketpair. H must come from httpd_start, or be
 * NULL with CFG given. */
void httpd_serve_fd(const struct httpd_config *cfg, int fd);

#endif
