/*
 * The invoker: runs one invocation of a function version in a warm or new
 * execution environment, and keeps idle environments for reuse per
 * (account, region, function, version, configuration revision). The
 * same path serves sync Invoke now and, later, async events and event
 * source mappings. Thread-safe: any number of callers at once.
 */
#ifndef EMU_ENGINE_INVOKER_H
#define EMU_ENGINE_INVOKER_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

struct invoke_req {
    const char *account;
    const char *region;
    const char *function_name;
    const char *version;          /* "$LATEST" or "N": what runs */
    const struct cJSON *config;   /* that version's FunctionConfiguration */
    const char *invoked_arn;      /* ARN as invoked (with the qualifier given) */
    const char *payload;
    size_t npayload;
    const char *client_context;   /* decoded JSON text, or NULL */
    int tail;                     /* LogType Tail: fill log_tail */
};

struct invoke_res {
    int function_error;           /* X-Amz-Function-Error: Unhandled */
    char *body;                   /* response or error payload (malloc'd) */
    size_t nbody;
    char *log_tail;               /* base64 of the last 4 KB of the log, or NULL */
    char request_id[37];
    int service_error;            /* sluice could not run it (body: message) */
    char error_code[64];          /* for service errors: AWS error code */
};

void invoke_res_clear(struct invoke_res *r);

/* Runs REQ synchronously in an environment of its version. Returns 0 with
 * RES filled (the function's outcome, errors included), or -1 when the
 * function cannot run at all (RES->service_error set with a message).
 * Blocks up to the function's timeout plus init. */
int invoke_sync(const struct invoke_req *req, struct invoke_res *res);

/* Kills environments idle for longer than the keep-alive. Registered as a
 * background task. */
void invoke_reap(void);

/* Kills every environment (shutdown). */
void invoke_shutdown(void);

#endif
