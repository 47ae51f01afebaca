/*
 * Outcomes of an invocation: what answers the caller, decided by pure
 * functions from how the environment's init or call ended, and the one
 * builder of the bodies Lambda itself writes (its error bodies, per
 * docs/aws-reference.md B, and "null"). The invoker calls them after each
 * init and each call. No state, no I/O: any thread.
 */
#ifndef SLUICE_ENGINE_OUTCOME_H
#define SLUICE_ENGINE_OUTCOME_H

#include <stddef.h>

#include "runtime/env.h" /* enum env_outcome */

/* Where the body that answers an invocation comes from. */
enum outcome_body {
    OUTCOME_RUNTIME = 0,      /* the body the runtime posted, as it is */
    OUTCOME_NULL,             /* "null": a response posted without a payload */
    OUTCOME_UNHANDLED,        /* an error posted without a body: its error type
                                 header (or "Unhandled") and an empty message */
    OUTCOME_TASK_TIMEOUT,     /* Sandbox.Timedout */
    OUTCOME_TOO_LARGE,        /* Function.ResponseSizeTooLarge */
    OUTCOME_EXIT,             /* Runtime.ExitError: the process died */
    OUTCOME_INIT_TIMEOUT,     /* Runtime.InitTimeout */
    OUTCOME_BOOTSTRAP_DENIED, /* Runtime.InvalidEntrypoint: ./bootstrap not executable */
    OUTCOME_NO_BOOTSTRAP,     /* Runtime.InvalidEntrypoint: no ./bootstrap */
    OUTCOME_NOT_STARTED,      /* Runtime.InvalidEntrypoint: the interpreter did not start */
};

/* The result of one call. */
struct outcome {
    int function_error;       /* X-Amz-Function-Error: Unhandled */
    enum outcome_body body;
    int timed_out;            /* the log gets the timeout line */
};

/* Decides the result of a call that ended HOW (env_invoke's outcome),
 * HAS_BODY when the runtime posted a non-empty body: a response answers
 * with it (or "null"), a function error with its body (or one built from
 * its error type); a timeout, an oversized response or a dead process
 * with Lambda's own error. */
struct outcome outcome_of_call(enum env_outcome how, int has_body);

/* Decides the body that answers the call whose environment failed to
 * initialise: env_start returned START_RC and ended HOW with BODY[0..NBODY)
 * (NULL when none; a message when START_RC != 0). PROVIDED: an OS-only
 * runtime (provided.*), which runs ./bootstrap. The runtime's own init
 * error comes first, then a timeout, then a process that could not start,
 * else the process died. Such a call is always a function error. */
enum outcome_body outcome_of_init(int start_rc, enum env_outcome how, const char *body,
                                  size_t nbody, int provided);

/* What the bodies built by outcome_body_text say. */
struct outcome_ctx {
    const char *request_id;
    const char *error_type;   /* UNHANDLED: the runtime's error type header, or "" */
    int exit_status;          /* EXIT: the process's waitpid status */
    double timeout_s;         /* TASK_TIMEOUT, INIT_TIMEOUT: the limit that passed */
    const char *code_dir;     /* BOOTSTRAP_DENIED, NO_BOOTSTRAP: the code directory */
    const char *detail;       /* NOT_STARTED: why (env_start's message), or NULL */
};

/* Returns the body Lambda writes for BODY: "null", or the JSON error
 * object {"errorType":…,"errorMessage":…} (members in AWS's order for
 * that error), its message naming C->request_id. Returns NULL for
 * OUTCOME_RUNTIME, whose body is the runtime's. Caller frees. */
char *outcome_body_text(enum outcome_body body, const struct outcome_ctx *c);

/* Writes to OUT (N bytes) the Error Type a REPORT names for a failed
 * init: HEADER (the runtime's error type header) when not empty, else the
 * errorType member of the JSON BODY, else "Runtime.Unknown". */
void outcome_report_type(char *out, size_t n, const char *header, const char *body);

#endif
