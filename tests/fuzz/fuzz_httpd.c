/*
 * libFuzzer target for net/httpd.c: each input is the byte stream a client
 * sends on one connection. It is written into one end of a socketpair
 * (then half-closed) while httpd_serve_fd() serves the other end, and a
 * second thread drains the replies. Whatever the bytes (pipelined
 * requests, chunked bodies, Expect: 100-continue, bodies over the limit,
 * header floods, garbage), the server must not crash, leak, hang or hit
 * undefined behaviour, and begin() and end() must pair up.
 *
 * The input's length picks the variant: odd lengths answer an oversized
 * body early (as the AWS port does), even ones drain it (as the Runtime
 * API does). Seeds: tests/fuzz/httpd_corpus/.
 */
#include "net/httpd.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Body limit: small, so inputs reach the over-limit paths. */
#define FUZZ_LIMIT 1024

static int begun, ended;

static size_t f_begin(void *ud, struct httpd_req *r) {
    (void)ud;
    begun++;
    r->data = malloc(1); /* ownership must reach end() */
    if (strncmp(r->path, "/spool", 6) == 0) {
        /* The body goes to a file, as S3 object bodies do; the reply is
         * sent from it. */
        FILE *f = tmpfile();
        if (f) {
            r->spool = 1;
            r->spool_fd = dup(fileno(f));
            fclose(f);
        }
    }
    return FUZZ_LIMIT;
}

static void f_handle(void *ud, struct httpd_req *r, struct httpd_resp *resp) {
    (void)ud;
    char out[256];
    const char *ct = httpd_header(r, "Content-Type");
    int n = snprintf(out, sizeof(out), "%s %.64s ?%.64s h=%d n=%zu big=%d ct=%.32s", r->method,
                     r->path, r->query, r->nheaders, r->nbody, r->too_big, ct ? ct : "-");
    if (r->spool) {
        if (r->body[0] != '\0') abort(); /* a spooled body stays out of memory */
        if (r->too_big || r->spool_err || lseek(r->spool_fd, 0, SEEK_END) != (off_t)r->nbody) {
            if (!r->too_big && !r->spool_err) abort(); /* the file holds the whole body */
            close(r->spool_fd);
            r->spool_fd = -1;
            resp->status = 413;
            return;
        }
        resp->status = 200;
        resp->file = 1;
        resp->file_fd = r->spool_fd;
        r->spool_fd = -1; /* the server closes it */
        resp->file_off = 0;
        resp->nbody = r->nbody;
        return;
    }
    if (r->nbody > 0 && r->body[r->nbody] != '\0') abort(); /* body must be terminated */
    resp->status = r->nbody % 2 ? 200 : 204;
    httpd_resp_header(resp, "X-Echo", r->path);
    httpd_resp_copy_body(resp, out, (size_t)n);
}

static void f_end(void *ud, struct httpd_req *r, int sent) {
    (void)ud;
    (void)sent;
    free(r->data);
    r->data = NULL;
    if (r->spool && r->spool_fd >= 0) close(r->spool_fd); /* never handled */
    ended++;
}

struct feed {
    int fd;
    const uint8_t *data;
    size_t size;
};

static void *writer(void *arg) {
    struct feed *f = arg;
    size_t off = 0;
    while (off < f->size) {
        ssize_t w = send(f->fd, f->data + off, f->size - off, MSG_NOSIGNAL);
        if (w <= 0) break; /* the server closed early */
        off += (size_t)w;
    }
    shutdown(f->fd, SHUT_WR);
    return NULL;
}

static void *drainer(void *arg) {
    struct feed *f = arg;
    char buf[16384];
    while (recv(f->fd, buf, sizeof(buf), 0) > 0) {
    }
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) abort();
    int client = sv[0];
    /* The writer and the drainer share the client end: give the drainer
     * its own descriptor so the writer's shutdown(SHUT_WR) leaves reads on. */
    struct feed in = {client, data, size};
    struct feed out = {dup(client), NULL, 0};
    pthread_t tw, td;
    pthread_create(&tw, NULL, writer, &in);
    pthread_create(&td, NULL, drainer, &out);
    struct httpd_config cfg = {
        .max_conns = 1,
        .idle_timeout_s = 5,
        .reject_early = (int)(size % 2),
        .begin = f_begin,
        .handle = f_handle,
        .end = f_end,
    };
    begun = ended = 0;
    httpd_serve_fd(&cfg, sv[1]); /* closes sv[1] */
    pthread_join(tw, NULL);
    pthread_join(td, NULL);
    close(out.fd);
    close(client);
    if (begun != ended) abort();
    return 0;
}
