/*
 * In-process calls of sluice's own operations. CloudFormation's deployer
 * creates a resource by calling the service that owns it the way a client
 * would (Lambda's CreateFunction, DynamoDB's CreateTable), so that every
 * resource gets that service's own validation, defaults and error
 * messages, and nothing about a service is written twice. A call is a
 * struct req built here and run through the router (server/router.c),
 * which is handed in once at start-up (call_init) so that the api layer
 * does not include the server layer.
 */
#ifndef SLUICE_API_CALL_H
#define SLUICE_API_CALL_H

#include <stddef.h>

struct cJSON;
struct req;

/* Installs the router's two steps (router_prepare, router_dispatch). Call
 * once before any call_run, from the thread that starts the server (or a
 * unit test's setup). */
void call_init(size_t (*prepare)(struct req *), void (*dispatch)(struct req *));

/* One call. Fill the inputs (zero the rest), run it with call_run, read
 * the outputs, release them with call_clear. */
struct call {
    /* ---- in (borrowed) ---- */
    const char *account;      /* 12 digits */
    const char *region;       /* "us-east-1" */
    const char *service;      /* SigV4 signing service that routes it: "lambda",
                                 "dynamodb", "iam", "sts", "sqs", "s3", "logs", "ssm" */
    const char *method;       /* "POST", "PUT", "GET", "DELETE" */
    const char *path;         /* raw (percent-encoded) path, may carry "?query" */
    const char *target;       /* X-Amz-Target, or NULL */
    const char *content_type; /* NULL: application/x-amz-json-1.0 with a target, the
                                 form type for a query service, else none */
    const char *body;         /* NULL: empty */
    size_t nbody;
    /* Extra request headers, NAME/VALUE pairs ending with NULL (S3's
     * x-amz-* headers); may be NULL. */
    const char *const *headers;

    /* ---- out (owned, freed by call_clear) ---- */
    int status;               /* HTTP status of the reply */
    /* The result: a JSON reply parsed, or a query service's result tree
     * (the members its XML would carry, as the handler built them), or
     * NULL when the reply has no body or is not JSON. */
    struct cJSON *out;
    char *raw;                /* the reply body as sent (NUL-terminated), or NULL */
    size_t nraw;
    char *code;               /* on failure: the AWS error code ("ResourceConflictException") */
    char *message;            /* on failure: the error message as the client would see it */
    char request_id[40];      /* the call's request id */
};

/* Runs C. Returns 0 when the operation succeeded (2xx), or -1 when it
 * failed, with C->status, C->code and C->message set. Runs on the calling
 * thread, which must not hold a store transaction (the operation opens its
 * own). Thread-safe otherwise. */
int call_run(struct call *c);

/* Frees C's outputs; the inputs are untouched. */
void call_clear(struct call *c);

/* The message CloudFormation shows as a failed resource's reason for the
 * failed call C of service SVC_TITLE ("Lambda", "DynamoDb", "S3"):
 * 'Resource handler returned message: "MSG" (Service: SVC_TITLE, Status
 * Code: N, Request ID: ID)'. Returns a heap string the caller frees. */
char *call_reason(const struct call *c, const char *svc_title);

/* Builds an application/x-www-form-urlencoded body from the members of
 * FORM (an object of strings, numbers and booleans; arrays become
 * NAME.member.N, objects NAME.KEY, recursively, as the query protocol
 * flattens lists and structures), prefixed with Action=ACTION and
 * Version=VERSION. Returns a heap string the caller frees. */
char *call_form(const char *action, const char *version, const struct cJSON *form);

#endif
