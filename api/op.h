/*
 * One shape for every operation of every service, and one runner.
 *
 * A service is a table of operations (struct op) plus the few things that
 * differ between AWS protocols (struct service): how an operation is found
 * (X-Amz-Target suffix, method and path, a form's Action), how the body is
 * parsed and which error a bad body gets, how a storage failure is worded,
 * and how a result tree is written out. op_run() does the rest for all of
 * them, the way Redis's call() runs any row of its command table: find the
 * operation, parse its input, run the handler inside the transaction its
 * flags ask for, roll back when the handler records an error, and run the
 * after-commit hook once the work is durable.
 *
 * Adding an operation is a row; adding a service is a table, a struct
 * service and a routing row in server/router.c.
 */
#ifndef SLUICE_API_OP_H
#define SLUICE_API_OP_H

#include <stddef.h>

struct aws_error;
struct cJSON;
struct req;

/* The parsed input of one request, handed to the handler. Everything here
 * is owned by the runner and freed after the handler returns. */
struct op_in {
    char *fn;             /* REST: decoded {F} path label ({FunctionName}, {Resource}) */
    char *sub;            /* REST: decoded second label ({Name}, {StatementId}, {UUID}) */
    struct cJSON *json;   /* JSON protocols: the body; query protocol: the form as a tree */
    char *action;         /* query protocol: the Action parameter */
    struct cJSON *out;    /* a result tree the service's reply() writes out (CloudWatch) */
};

/* Returns 0, or -1 with an AWS error recorded in REQ (req_fail). A handler
 * that returns 0 has set its reply (req_reply_*), or left IN->out for the
 * service's reply(). Runs on the request's thread, inside the transaction
 * its flags ask for. */
typedef int (*op_fn)(struct req *req, struct op_in *in);

#define OP_WRITE 1u   /* BEGIN IMMEDIATE ... COMMIT; rolled back when the handler fails */
#define OP_GROUP 2u   /* an item write: runs inside a commit shared with others (store_group_run) */
#define OP_CODE 4u    /* the body carries a code zip: the large body cap (API_MAX_BODY_CODE) */

struct op {
    const char *name;          /* the AWS operation name: "PutItem", "CreateFunction" */
    op_fn fn;
    unsigned flags;            /* OP_* */
    /* Called after the transaction that holds the work has committed
     * (after a successful handler, for operations without one), e.g. to
     * wake the pollers. NULL: nothing. */
    void (*after_commit)(void);
    /* REST services: the method and path template; "{F}" captures IN->fn,
     * "{S}" IN->sub. NULL for the others. */
    const char *method;
    const char *path;
};

struct service {
    const char *name;          /* for logs: "lambda", "dynamodb", ... */
    const struct op *ops;
    size_t nops;
    /* Finds REQ's operation (and fills what the lookup yields into IN:
     * path captures, the query protocol's form). Returns NULL with the
     * service's error recorded when there is none. op_find_target serves
     * the X-Amz-Target services. */
    const struct op *(*find)(const struct service *svc, struct req *req, struct op_in *in);
    /* Parses REQ's body into IN->json, or records the service's error for
     * a body it cannot take and returns -1. NULL: handlers read the body. */
    int (*parse)(struct req *req, struct op_in *in);
    /* Records the service's error for storage result RC (a STORE_* code). */
    void (*store_fail)(struct req *req, int rc);
    /* Writes out IN->out after a successful handler. NULL: handlers reply. */
    void (*reply)(struct req *req, struct op_in *in);
    /* Called at the start of each OP_GROUP job, inside the shared
     * transaction (DynamoDB drops its per-job table cache). NULL: nothing. */
    void (*group_job)(void);
    /* op_find_target's error for an operation the service lacks (recorded
     * with an empty message, as AWS's JSON services answer it). */
    const struct aws_error *unknown_op;
    /* Operations without OP_WRITE read in one snapshot (BEGIN ... ROLLBACK)
     * when set: a Query or a Scan sees one consistent state. */
    int read_snapshot;
    /* Query protocol services (api/query.h): the Version every request
     * must carry ("2010-08-01") and the XML namespace of replies and
     * errors. NULL for the others. */
    const char *query_version;
    const char *xmlns;
};

/* Runs REQ (whose body is complete) through SVC: find, parse, the handler
 * in its transaction, the after-commit hook. Afterwards REQ holds a reply
 * or an error. Thread: the request's thread. */
void op_run(const struct service *svc, struct req *req);

/* find() for services whose operation is named by the X-Amz-Target suffix
 * after the first '.' ("DynamoDB_20120810.PutItem"). svc->ops must be
 * sorted by name. Records nothing when it returns NULL: the caller's
 * find() words the error. */
const struct op *op_by_target(const struct service *svc, struct req *req);

/* find() for the X-Amz-Target services: op_by_target, or SVC's
 * unknown_op error recorded and NULL. */
const struct op *op_find_target(const struct service *svc, struct req *req, struct op_in *in);

/* find() helper for REST services: the first row whose method and path
 * template match REQ, with its captures stored (decoded) in IN. Returns
 * NULL with *BAD set to 1 when a capture is not valid percent-encoding,
 * 0 when nothing matches. Without IN only matches. */
const struct op *op_by_path(const struct service *svc, const char *method, const char *path,
                            struct op_in *in, int *bad);

/* 1 when PATH (raw) matches the template TMPL of a REST row ("{F}" and
 * "{S}" match one non-empty segment; a trailing slash is tolerated). */
int op_path_match(const char *tmpl, const char *path);

/* parse() for the AWS JSON services (DynamoDB, Logs): the body as a JSON
 * object; anything else is a SerializationException carrying the parser's
 * explanation (where the parse stopped, or a NUL in a string). An empty
 * body is the empty object. Returns 0, or -1 with the error recorded. */
int op_parse_json(struct req *req, struct op_in *in);

/* op_parse_json, except that a missing body is itself a
 * SerializationException, as DynamoDB answers it. */
int op_parse_json_nonempty(struct req *req, struct op_in *in);

#endif
