/*
 * The invoker: runs one invocation of a function version in a warm,
 * provisioned or new execution environment (engine/pool.h keeps them for
 * reuse per account, region, function, version and configuration
 * revision). The same path serves sync Invoke, async events
 * (engine/async.c) and event source mappings (engine/esm.c). Thread-safe:
 * any number of callers at once.
 */
#ifndef SLUICE_ENGINE_INVOKER_H
#define SLUICE_ENGINE_INVOKER_H

#include <stddef.h>
#include <stdint.h>

#include "engine/provisioner.h" /* invoke_provisioner_start, _stop, invoke_provision_kick */

struct cJSON;

struct invoke_req {
    const char *account;
    const char *region;
    const char *function_name;
    const char *qualifier;        /* as invoked: "", "$LATEST", version or alias (admission) */
    const char *version;          /* "$LATEST" or "N": what runs */
    const struct cJSON *config;   /* that version's FunctionConfiguration */
    const char *invoked_arn;      /* ARN as invoked (with the qualifier given) */
    const char *payload;
    size_t npayload;
    const char *client_context;   /* decoded JSON text, or NULL */
    int tail;                     /* LogType Tail: fill log_tail */
    const char *request_id;       /* invocation id to use (the HTTP request's), or NULL */
};

struct invoke_res {
    int function_error;           /* X-Amz-Function-Error: Unhandled */
    char *body;                   /* response or error payload (malloc'd) */
    size_t nbody;
    char *log_tail;               /* base64 of the last 4 KB of the log, or NULL */
    char request_id[37];
    int service_error;            /* sluice could not run it (body: message) */
    char error_code[64];          /* for service errors: AWS error code */
    const char *throttle_reason;  /* set with error_code TooManyRequestsException */
    double duration_ms;           /* the run (init, when init failed); the Duration metric */
};

/* Frees R's body and log tail and zeroes it. */
void invoke_res_clear(struct invoke_res *r);

/* Runs REQ synchronously in an environment of its version, once admission
 * (engine/concurrency.h) gives it a slot. Returns 0 with RES filled (the
 * function's outcome, errors included), or -1 when the function cannot run
 * (RES->service_error set with a message; a throttle sets error_code
 * "TooManyRequestsException" and throttle_reason).
 * Blocks up to the function's timeout plus init. */
int invoke_sync(const struct invoke_req *req, struct invoke_res *res);

/* Resolves what an invocation of NAME with QUALIFIER ("" unqualified,
 * "$LATEST", a version or an alias) runs in (ACCOUNT, REGION): stores the
 * version in VERSION (32 bytes) and returns a copy of its configuration,
 * or NULL with *MISSING set when the function, version or alias does not
 * exist (clear on a storage error). A weighted alias picks per call.
 * Caller deletes the result. Reads on the calling thread's connection. */
struct cJSON *invoke_resolve(const char *account, const char *region, const char *name,
                             const char *qualifier, char version[32], int *missing);

/* Queues an Event invocation durably (its own transaction) and wakes the
 * async workers. Returns 0 or -1. */
int invoke_async_enqueue(const char *account, const char *region, const char *name,
                         const char *qualifier, const char *request_id, const char *payload);

/* Starts / stops the async workers (threads that run queued events with
 * AWS's retry rules: function errors retried twice, 1 and 2 minutes
 * apart by the virtual clock; events older than their maximum age
 * dropped). */
int invoke_async_start(void);
void invoke_async_stop(void);

/* Wakes the async workers (after the clock moved). */
void invoke_async_kick(void);

/* Kills warm environments idle for longer than the keep-alive
 * (--env-keepalive) and dead ones. Registered as a background task. */
void invoke_reap(void);

/* Kills every environment (shutdown). From then on invoke_sync refuses
 * with the service error "ServiceUnavailable", and an invocation whose
 * environment this kills ends with it too (not as a function error).
 * Tells the provisioner to stop
 * first, without waiting for it: a pass in progress abandons its work, so
 * the environments killed here are not taken for failed inits (which
 * stored PC configs FAILED across a clean restart). */
void invoke_shutdown(void);

#endif
