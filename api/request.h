/*
 * One HTTP request as the API layer sees it: method, decoded path and query,
 * header lookup, body, caller identity (account, region) and the response
 * being built. The HTTP front (server/http.c) fills the input side; handlers
 * fill the output side with req_reply_* or req_fail; the front renders it.
 *
 * Memory: everything hanging off a struct req is owned by it and freed by
 * req_free() when the connection reports the request completed (the h2o
 * pool idea), so handlers never free piecemeal what they attach here.
 * A struct req is used by one thread at a time.
 */
#ifndef SLUICE_API_REQUEST_H
#define SLUICE_API_REQUEST_H

#include <stddef.h>
#include <stdarg.h>

struct cJSON;
struct aws_error;

/* Wire protocol of the service that answers; selects the error envelope. */
enum req_proto {
    PROTO_NONE = 0,
    PROTO_REST_JSON, /* Lambda: X-Amzn-ErrorType header + JSON body */
    PROTO_JSON10,    /* DynamoDB, Streams: {"__type":"ns#Code","message":..} */
    PROTO_JSON11,    /* CloudWatch Logs */
    PROTO_ADMIN,     /* /_sluice/...: {"error":..,"message":..} */
    PROTO_CW_JSON,   /* CloudWatch, JSON 1.0 (awsQueryCompatible): __type plus x-amzn-query-error */
    PROTO_CW_QUERY,  /* CloudWatch, query: form-encoded in, XML out (ErrorResponse) */
    PROTO_QUERY,     /* the other query services (STS): as PROTO_CW_QUERY, in req->xmlns */
    PROTO_REST_XML,  /* S3: <Error><Code>..</Code><Message>..</Message>..</Error> */
};

struct req_kv {
    char *name;
    char *value;
};

/* Upper bound of query parameters kept; extra ones are ignored. AWS
 * operations take at most a handful, so 32 is generous. */
#define REQ_MAX_QUERY 32
/* Upper bound of extra response headers a handler may add. An S3
 * GetObject returns its standard headers (about a dozen) plus the user
 * metadata, whose 2 KB limit allows a few dozen short entries. */
#define REQ_MAX_RESP_HEADERS 48

struct req {
    /* ---- input, set by the HTTP front ---- */
    const char *method;          /* "GET", "POST", ...; borrowed, static */
    char *path;                  /* raw path, not decoded (owned) */
    struct req_kv query[REQ_MAX_QUERY]; /* decoded (owned) */
    int nquery;
    char *body;                  /* NUL-terminated copy of the body (owned) */
    size_t nbody;
    /* S3 object bodies are not held in memory: the router asks for the
     * body in a file (body_to_file, set by router_prepare), the HTTP
     * front spools it there, and then body is "" while nbody counts the
     * bytes in body_fd (owned, open for reading and writing; closed by
     * req_free) when body_in_file is set. */
    int body_to_file;
    int body_in_file;
    int body_fd;
    const char *(*header_fn)(void *ctx, const char *name);
    /* The I-th header's name, its value in *VALUE; NULL past the last
     * (NULL: the request's headers cannot be listed). */
    const char *(*header_at_fn)(void *ctx, int i, const char **value);
    void *header_ctx;
    char account[13];            /* 12 digits */
    char region[32];
    char service[32];            /* SigV4 signing service, "" when unsigned */
    char request_id[40];         /* uuid, sent as x-amzn-RequestId */
    enum req_proto proto;
    const void *route;           /* the router's pick (server/router.c), opaque here */
    const char *xmlns;           /* query protocols: the service's XML namespace (static) */
    /* The caller's identity: the access key id of the credential scope
     * ("" unsigned), and the ARN and user id of the temporary credentials
     * it names ("" for long-term keys). */
    char access_key[132];
    char caller_arn[300];
    char caller_id[160];

    /* ---- output, set by handlers ---- */
    int status;                  /* HTTP status; 0 until a reply is set */
    char *resp_body;             /* owned */
    size_t nresp;
    /* A reply body sent from a file (S3's GetObject): when resp_in_file
     * is set, nresp bytes of resp_fd (owned) from resp_off, and resp_body
     * is NULL. */
    int resp_in_file;
    int resp_fd;
    long long resp_off;
    const char *content_type;    /* static string */
    struct req_kv resp_headers[REQ_MAX_RESP_HEADERS]; /* owned */
    int nresp_headers;
    const struct aws_error *err; /* set by req_fail */
    char *err_msg;               /* owned */
    struct cJSON *err_extra;     /* extra members merged into the error body (owned) */
    int err_rendered;            /* awserr_render already produced the reply */
    /* A HEAD reply's Content-Length when it is not nresp (S3's HeadObject
     * announces the object's size without reading it); 0: nresp. */
    size_t head_length;

    /* ---- in-process calls (api/call.h) ---- */
    /* Set by call_run: a query service's result tree is kept in out_tree
     * (owned) instead of being written out as XML. */
    int keep_tree;
    struct cJSON *out_tree;
};

/* Returns the value of request header NAME (case-insensitive), or NULL.
 * Borrowed: valid until the request completes. */
const char *req_header(struct req *req, const char *name);

/* Returns the name of REQ's I-th request header (0-based) and its value
 * in *VALUE, or NULL when there are no more. Borrowed as req_header. */
const char *req_header_at(struct req *req, int i, const char **value);

/* Splits the raw query string Q at '&' and '=' into REQ's decoded
 * parameters: '+' is a space, %XX a byte (application/x-www-form-urlencoded,
 * as AWS's query-string parameters are encoded). Pairs that do not decode
 * are skipped, and so are those past REQ_MAX_QUERY; a name without '='
 * has the value "". Used by the HTTP front and the unit tests' driver. */
void req_parse_query(struct req *req, const char *q);

/* Returns the decoded value of query parameter NAME (case-sensitive, as
 * AWS's query names are), or NULL. Borrowed from REQ. */
const char *req_query(struct req *req, const char *name);

/* Records an AWS error with a printf-style message and returns -1, so a
 * handler can `return req_fail(...)`. A later call replaces an earlier
 * one. Thread: the request's thread. */
int req_fail(struct req *req, const struct aws_error *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Sets a JSON reply: takes ownership of ROOT (deleted here after printing).
 * ROOT may be NULL for an empty body. Returns 0. */
int req_reply_json(struct req *req, int status, struct cJSON *root);

/* Sets a JSON reply whose first member is MEMBER with the JSON text
 * VALUE (N bytes, copied), already rendered, followed by ROOT's members:
 * a large member built as text is never parsed into cJSON nodes and
 * printed again (DynamoDB's Items, api/ddb_query.c). Takes ownership of
 * ROOT, an object. Returns 0. */
int req_reply_json_with(struct req *req, int status, struct cJSON *root, const char *member,
                        const char *value, size_t n);

/* Sets a raw reply; copies N bytes of DATA. Returns 0. */
int req_reply_raw(struct req *req, int status, const char *content_type,
                  const void *data, size_t n);

/* Adds a response header; NAME and VALUE are copied. Extra headers beyond
 * REQ_MAX_RESP_HEADERS are dropped. */
void req_add_header(struct req *req, const char *name, const char *value);

/* Frees everything the request owns, and REQ itself. Accepts NULL. */
void req_free(struct req *req);

#endif
