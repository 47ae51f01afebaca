/*
 * Admission: who may run now. Concurrency is the number of invocations
 * executing at once; every sync invoke, async event and (later) mapping
 * batch holds a slot for its whole run. The pools follow docs/aws-reference.md E:
 *
 *   1. a qualifier with READY provisioned concurrency uses a free PC slot;
 *   2. else a function with reserved concurrency R runs on demand while its
 *      on-demand executions stay below R - sum(PC of the function), and is
 *      throttled with ReservedFunctionConcurrentInvocationLimitExceeded
 *      otherwise (R = 0 throttles everything);
 *   3. else the function shares the unreserved pool
 *      U = limit - sum(reserved) - sum(PC of functions without reserved),
 *      and is throttled with ConcurrentInvocationLimitExceeded when the
 *      pool's executions reach U.
 *
 * The account limit also caps the total at every moment: pools are
 * recomputed from the current settings, so removing reserved or
 * provisioned concurrency while its slots are busy must not let the
 * account run more than its limit.
 *
 * Counters are in memory (they describe running processes, which do not
 * survive a restart anyway). Thread-safe.
 */
#ifndef SLUICE_ENGINE_CONCURRENCY_H
#define SLUICE_ENGINE_CONCURRENCY_H

#include <stdint.h>

/* What the pools look like for one invocation; filled from storage by
 * conc_acquire, or by hand in tests (conc_decide). */
struct conc_view {
    int has_reserved;
    int64_t reserved;           /* R */
    int64_t pc_ready;           /* READY allocated PC of the invoked qualifier */
    int64_t pc_function_total;  /* sum of PC over the function's qualifiers */
    int64_t account_limit;      /* L */
    int64_t sum_reserved;       /* over the account and region */
    int64_t sum_pc_unreserved;  /* PC of functions without reserved */
    /* running now */
    int64_t pc_running;         /* PC slots of this qualifier in use */
    int64_t fn_ondemand_running;/* this function's on-demand executions */
    int64_t unreserved_running; /* executions in the unreserved pool */
    int64_t account_running;    /* every execution of the account and region */
};

enum conc_slot {
    CONC_THROTTLED = 0,
    CONC_PROVISIONED,
    CONC_RESERVED,      /* on demand inside the function's reserved pool */
    CONC_UNRESERVED,    /* on demand in the account's unreserved pool */
};

/* The pure decision for V. On CONC_THROTTLED stores AWS's Reason in
 * *REASON. */
enum conc_slot conc_decide(const struct conc_view *v, const char **reason);

struct conc_ticket {
    enum conc_slot slot;
    char fn_key[400];       /* account|region|function */
    char q_key[560];        /* fn_key|qualifier */
    char scope_key[48];     /* account|region */
    /* What the pools looked like right after this admission (for the
     * metrics of engine/metrics.h); on a throttle, the figures seen. */
    int64_t pc_ready;           /* READY PC of the qualifier */
    int64_t pc_running;         /* PC slots of the qualifier in use */
    int64_t q_running;          /* executions of the qualifier as invoked */
    int64_t fn_running;         /* executions of the function */
    int64_t unreserved_running; /* executions in the unreserved pool */
    int64_t account_running;    /* executions of the account and region */
};

/* Admits one execution of NAME invoked with QUALIFIER ("" unqualified,
 * "$LATEST", version or alias) in (ACCOUNT, REGION), reading reserved and
 * PC settings from storage on the calling thread. Returns 0 and fills T
 * (release it with conc_release), 1 when throttled (*REASON set), or -1
 * on a storage error. */
int conc_acquire(const char *account, const char *region, const char *name,
                 const char *qualifier, struct conc_ticket *t, const char **reason);

/* Gives T's slot back. */
void conc_release(struct conc_ticket *t);

/* Takes one new environment from function NAME's scaling-rate bucket
 * (RATE environments per 10 s, refilled continuously by NOW_MS of the
 * clock, never above RATE). Returns 1 when a new environment may start,
 * 0 when the function scales faster than that (throttle). Warm
 * environments and provisioned ones do not take from it. Thread-safe. */
int conc_scale_take(const char *account, const char *region, const char *name, int64_t rate,
                    int64_t now_ms);

/* Executions running now in (ACCOUNT, REGION) and for function NAME
 * (NULL: the account total). */
int64_t conc_running(const char *account, const char *region, const char *name);

#endif
