/*
 * What happens to an asynchronous event after an attempt, as a pure
 * decision (docs/aws-reference.md B8 for the retry rules, B10 for where
 * the event then goes). engine/async.c acts on it; invoker.h declares
 * the queue itself.
 */
#ifndef SLUICE_ENGINE_ASYNC_H
#define SLUICE_ENGINE_ASYNC_H

#include <stdint.h>

/* Backoff after a service error, doubling from 1 s up to 5 minutes. */
#define ASYNC_BACKOFF_MIN_MS 1000
#define ASYNC_BACKOFF_MAX_MS (5 * 60 * 1000)
/* AWS's waits before the first and the second retry of a function error. */
#define ASYNC_RETRY1_MS 60000
#define ASYNC_RETRY2_MS 120000

enum async_verdict {
    ASYNC_RETRY = 0,       /* run again at next_ms */
    ASYNC_END_SUCCESS,     /* done: OnSuccess */
    ASYNC_END_RETRIES,     /* given up after function errors: OnFailure, DLQ (RetriesExhausted) */
    ASYNC_END_AGE,         /* given up for age: OnFailure, DLQ (EventAgeExceeded) */
    ASYNC_END_GONE,        /* the function no longer exists: dropped, nowhere to deliver */
};

struct async_facts {
    int64_t now_ms;        /* the clock before the attempt */
    int64_t end_ms;        /* the clock after it (== now_ms when nothing ran) */
    int64_t received_ms;   /* when the event was queued */
    int max_age_s;         /* MaximumEventAgeInSeconds */
    int max_retries;       /* MaximumRetryAttempts */
    int attempts;          /* function errors before this attempt */
    int gone;              /* the function, version or alias does not exist */
    int ran;               /* an invocation was attempted now */
    int service_error;     /* ... and never reached the function (throttle, storage) */
    int function_error;    /* ... and the function failed */
};

struct async_step {
    enum async_verdict verdict;
    int attempts;          /* function errors counted, to store with a retry */
    int64_t next_ms;       /* with ASYNC_RETRY */
};

/* 1 when the event of F is older than its maximum age at F->now_ms (then
 * it is not run). Pure. */
int async_too_old(const struct async_facts *f);

/* Decides what follows F into OUT. Pure. */
void async_decide(const struct async_facts *f, struct async_step *out);

#endif
