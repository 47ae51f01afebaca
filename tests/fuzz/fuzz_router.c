/*
 * libFuzzer target for the request router and every operation behind it:
 * each input is a short script of HTTP-like requests, fed through
 * router_prepare / router_dispatch (the server's own dispatch, as
 * server/http.c calls it) against a throwaway store. The store and the
 * clock are reset before each input, so a crash reproduces from its
 * input alone, and a script can create a table or a function and then
 * use it. Functions never run: env_disable_spawn() makes every Invoke
 * fail its init without starting a process. It must never crash, leak,
 * hang or hit undefined behaviour, and every reply must be rendered.
 *
 * Input: requests separated by a line "--next--". Each is
 *     METHOD SP PATH[?QUERY] LF
 *     (Name: value LF)*
 *     LF
 *     body
 * A CR before LF is allowed. "@StreamArn@", "@UUID@" and the like stand
 * for the last such value a reply held (see CAPTURED). The corpus in tests/fuzz/router_corpus/ and
 * the dictionary tests/fuzz/router.dict hold every operation of every
 * service (tools/fuzz_router_seeds.py writes the corpus).
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/request.h"
#include "base/clock.h"
#include "engine/ddb/ddb.h"
#include "engine/metrics.h"
#include "engine/sqs.h"
#include "base/util.h"
#include "runtime/env.h"
#include "server/router.h"
#include "storage/store.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Requests run per input: enough for create, write, read, delete
 * sequences; more only slows each input down. */
#define FUZZ_MAX_REQUESTS 8
/* Headers kept per request; AWS clients send about ten. */
#define FUZZ_MAX_HEADERS 16

static const char SEPARATOR[] = "\n--next--\n";

/* Values a script cannot know in advance (a stream's ARN holds its
 * creation time, a mapping's UUID is random, an SQS receipt handle or an
 * S3 upload id too): the last one seen in a reply, as a JSON member or an
 * XML element, is captured, and "@NAME@" in a later request stands for
 * it. */
static const char *const CAPTURED[] = {"LatestStreamArn", "StreamArn", "UUID", "ShardIterator",
                                       "NextShardIterator", "ShardId", "RevisionId", "nextToken",
                                       "ReceiptHandle", "UploadId", "NextToken"};
#define NCAPTURED (sizeof(CAPTURED) / sizeof(CAPTURED[0]))
static char captured[NCAPTURED][512];

/* FUZZ_ROUTER_VERBOSE=1 prints each request's status and reply, to check
 * that the seeds reach their handlers. */
static int verbose;

struct fuzz_headers {
    int n;
    char *name[FUZZ_MAX_HEADERS];
    char *value[FUZZ_MAX_HEADERS];
};

static const char *header(void *ctx, const char *name) {
    struct fuzz_headers *h = ctx;
    for (int i = 0; i < h->n; i++)
        if (strcasecmp(h->name[i], name) == 0) return h->value[i];
    return NULL;
}

/* The I-th header, as req_header_at lists them (S3's x-amz-meta-*). */
static const char *header_at(void *ctx, int i, const char **value) {
    struct fuzz_headers *h = ctx;
    if (i < 0 || i >= h->n) return NULL;
    *value = h->value[i];
    return h->name[i];
}

/* The method as a static string, as net/httpd hands it over. */
static const char *method_of(const char *z, size_t n) {
    static const char *const known[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (strlen(known[i]) == n && memcmp(known[i], z, n) == 0) return known[i];
    return "BREW";
}

/* Copies Z..Z+N without a trailing CR. */
static char *line_dup(const char *z, size_t n) {
    if (n > 0 && z[n - 1] == '\r') n--;
    return xstrndup(z, n);
}

/* Remembers the values of CAPTURED members found in a reply. */
static void capture(const char *body) {
    if (body == NULL) return;
    for (size_t i = 0; i < NCAPTURED; i++) {
        char key[64], elem[64];
        snprintf(key, sizeof(key), "\"%s\":\"", CAPTURED[i]);
        snprintf(elem, sizeof(elem), "<%s>", CAPTURED[i]);
        const char *v = strstr(body, key), *end = "\"";
        if (v != NULL) {
            v += strlen(key);
        } else if ((v = strstr(body, elem)) != NULL) {
            v += strlen(elem);
            end = "<";
        } else {
            continue;
        }
        size_t len = strcspn(v, end);
        if (len >= sizeof(captured[i])) continue;
        memcpy(captured[i], v, len);
        captured[i][len] = '\0';
    }
}

/* Z..Z+N with each "@NAME@" replaced by its captured value; *OUT_N gets
 * the length. Caller frees. */
static char *substitute(const char *z, size_t n, size_t *out_n) {
    size_t cap = n + 1, len = 0;
    char *out = xmalloc(cap);
    for (size_t i = 0; i < n;) {
        size_t k = NCAPTURED;
        if (z[i] == '@')
            for (k = 0; k < NCAPTURED; k++) {
                size_t nk = strlen(CAPTURED[k]);
                if (i + nk + 2 <= n && memcmp(z + i + 1, CAPTURED[k], nk) == 0 && z[i + nk + 1] == '@') break;
            }
        const char *add = k < NCAPTURED ? captured[k] : z + i;
        size_t nadd = k < NCAPTURED ? strlen(captured[k]) : 1;
        if (len + nadd + 1 > cap) {
            cap = (len + nadd + 1) * 2;
            out = xrealloc(out, cap);
        }
        memcpy(out + len, add, nadd);
        len += nadd;
        i += k < NCAPTURED ? strlen(CAPTURED[k]) + 2 : 1;
    }
    out[len] = '\0';
    *out_n = len;
    return out;
}

/* Runs the one request in Z..Z+N. */
static void run_one(const char *z, size_t n) {
    const char *end = z + n;
    const char *nl = memchr(z, '\n', n);
    const char *line_end = nl ? nl : end;
    const char *sp = memchr(z, ' ', (size_t)(line_end - z));
    if (sp == NULL) return;
    struct req *req = xcalloc(1, sizeof(*req));
    struct fuzz_headers h = {0};
    req->method = method_of(z, (size_t)(sp - z));
    char *target = line_dup(sp + 1, (size_t)(line_end - sp - 1));
    char *qmark = strchr(target, '?');
    if (qmark) {
        req_parse_query(req, qmark + 1);   /* as server/http.c splits it */
        *qmark = '\0';
    }
    req->path = target;
    const char *p = nl ? nl + 1 : end;
    /* Headers up to an empty line. */
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        const char *le = e ? e : end;
        size_t len = (size_t)(le - p);
        if (len > 0 && p[len - 1] == '\r') len--;
        if (len == 0) {
            p = e ? e + 1 : end;
            break;
        }
        const char *colon = memchr(p, ':', len);
        if (colon && h.n < FUZZ_MAX_HEADERS) {
            const char *v = colon + 1;
            while (v < p + len && *v == ' ') v++;
            h.name[h.n] = xstrndup(p, (size_t)(colon - p));
            h.value[h.n] = xstrndup(v, (size_t)(p + len - v));
            h.n++;
        }
        p = e ? e + 1 : end;
    }
    req->header_fn = header;
    req->header_at_fn = header_at;
    req->header_ctx = &h;
    strcpy(req->account, "000000000000");
    strcpy(req->region, "us-east-1");
    util_uuid(req->request_id);
    req->nbody = (size_t)(end - p);
    req->body = xmalloc(req->nbody + 1);
    memcpy(req->body, p, req->nbody);
    req->body[req->nbody] = '\0';
    size_t cap = router_prepare(req);
    if (req->nbody <= cap) router_dispatch(req);
    else req_fail(req, &AWSERR_LAMBDA_SERVICE, "too large");
    awserr_render(req);
    if (verbose)
        fprintf(stderr, "%s %s %s -> %d %.300s\n", req->method, req->path,
                req_header(req, "X-Amz-Target") ? req_header(req, "X-Amz-Target") : "", req->status,
                req->resp_body ? req->resp_body : "");
    capture(req->resp_body);
    if (req->status == 0) {
        /* server/http.c answers 500 for this; a handler must not do it. */
        fprintf(stderr, "handler produced no reply: %s %s\n", req->method, req->path);
        abort();
    }
    req_free(req);
    for (int i = 0; i < h.n; i++) {
        free(h.name[i]);
        free(h.value[i]);
    }
}

static void shutdown_store(void) { store_shutdown(); }

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    verbose = getenv("FUZZ_ROUTER_VERBOSE") != NULL;
    env_disable_spawn();
    /* ReceiveMessage's WaitTimeSeconds would stall an input for 20 s. */
    sqs_cap_long_poll(0);
    if (store_init(NULL, 1) != STORE_OK) abort();
    atexit(shutdown_store);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* A fresh account each time: nothing carries over between inputs. */
    metric_discard();
    if (store_reset() != STORE_OK) abort();
    clock_set_offset_ms(0);
    memset(captured, 0, sizeof(captured));
    const char *p = (const char *)data, *end = p + size;
    for (int i = 0; i < FUZZ_MAX_REQUESTS && p < end; i++) {
        const char *sep = memmem(p, (size_t)(end - p), SEPARATOR, sizeof(SEPARATOR) - 1);
        const char *stop = sep ? sep : end;
        size_t n = 0;
        char *one = substitute(p, (size_t)(stop - p), &n);
        run_one(one, n);
        free(one);
        p = sep ? sep + sizeof(SEPARATOR) - 1 : end;
    }
    /* The background pass (trimming, rollover, TTL) over what was made. */
    ddb_sweep();
    return 0;
}
