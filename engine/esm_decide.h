/*
 * The decisions of an event source mapping's poller (engine/esm.c), as
 * pure functions: what to do with the records read from a shard
 * (esm_decide_read), how to split a window among ParallelizationFactor
 * batches (esm_decide_groups), which records a ReportBatchItemFailures
 * response names (esm_lowest_failure), and what an invocation's outcome
 * leads to (esm_decide_outcome). The rules are docs/aws-reference.md D3.
 *
 * No I/O, no locks, no clock reads (the caller passes the time in), no
 * globals: thread-safe. engine/esm.c reads, calls these, then acts.
 */
#ifndef SLUICE_ENGINE_ESM_DECIDE_H
#define SLUICE_ENGINE_ESM_DECIDE_H

#include "engine/esm_settings.h"

#include <stddef.h>
#include <stdint.h>

/* One stream record read from a shard. */
struct esm_rec {
    int64_t seq;
    int64_t created_ms;       /* the record's creation, on the emulator clock */
    char *json;               /* the stored record (owned by the batch holding it) */
};

/* A shard's retry state: a batch retried after a function error is cut
 * at RETRY_LAST so it comes back the same, and ATTEMPTS counts its
 * invokes against MaximumRetryAttempts. */
struct esm_retry {
    int retrying;
    int64_t retry_last;
    int64_t attempts;
};

/* What the poller knows when it looks at the records it read. */
struct esm_view {
    const struct esm_cfg *cfg;
    struct esm_retry retry;
    int shard_closed;         /* the shard has an end (no more records come) */
    int64_t now_ms;           /* the emulator clock (record ages, windows) */
    int64_t wall_ms;          /* the wall clock (backoff) */
    int64_t not_before_ms;    /* wall ms before which nothing is invoked */
    int twin_open;            /* a tumbling window of this shard is open */
    int64_t twin_start_ms;    /* ... and its start */
};

enum esm_step {
    ESM_STEP_WAIT,            /* nothing to do now: look again within WAIT_MS */
    ESM_STEP_DONE,            /* the closed shard is read to its end */
    ESM_STEP_EXPIRE,          /* records [0, N) are past MaximumRecordAgeInSeconds: give them up */
    ESM_STEP_SKIP,            /* every record was filtered out: checkpoint at LAST_READ */
    ESM_STEP_WINDOW_END,      /* the open tumbling window's final invoke */
    ESM_STEP_INVOKE,          /* send records [0, N), then checkpoint at LAST_READ */
};

/* What esm_decide_read decided. */
struct esm_plan {
    enum esm_step step;
    struct esm_retry next;    /* the shard's retry state from now on */
    int64_t wait_ms;          /* WAIT: look again within this (INT64_MAX: no sooner than idle) */
    int n;                    /* EXPIRE: records given up; INVOKE: records sent */
    int64_t invokes;          /* EXPIRE: the approximateInvokeCount of the failure record */
    int64_t last_read;        /* EXPIRE, SKIP, INVOKE: the checkpoint's sequence number */
    int64_t window_start_ms;  /* INVOKE with a tumbling window: the window's start */
    int parallel;             /* INVOKE: the records may be split by key (esm_decide_groups) */
};

/* Decides what to do with the N records R read past the checkpoint
 * (oldest first; at most BatchSize, or BatchSize x ParallelizationFactor
 * when no retry is running). FilterCriteria are applied here: the records
 * that pass move to the front of R in their order, so R[0, OUT->n) is
 * what an INVOKE sends; the others stay in R behind them (R's owner frees
 * all N as before). Fills OUT; never fails. */
void esm_decide_read(const struct esm_view *v, struct esm_rec *r, int n, struct esm_plan *out);

/* Splits the N records R among K (1..ESM_MAX_PARALLEL) batches by item
 * key (dynamodb.Keys), so one key's records stay in one batch and in
 * order: GRP[i] (N ints) gets record i's batch. The window ends before the first record whose batch
 * would pass BATCH_SIZE records or MAX_BYTES (each record counting its
 * length plus 64): *CUT gets the number of records in the window.
 * Returns how many batches are not empty. */
int esm_decide_groups(const struct esm_rec *r, int n, int k, int batch_size, size_t max_bytes, int *grp,
                      int *cut);

/* The lowest failed sequence number a ReportBatchItemFailures response
 * BODY (NBODY bytes, may be NULL) names among the N records R: 0 none (a
 * success), -1 the whole batch failed (an identifier that is empty, null,
 * unknown or misspelled, or a list that is not one). */
int64_t esm_lowest_failure(const char *body, size_t nbody, const struct esm_rec *r, int n);

/* How one batch's invoke ended. */
struct esm_shot_end {
    int reached;              /* the function ran (else throttle or service error) */
    int function_error;       /* it failed with an error */
    int64_t failed_at;        /* esm_lowest_failure of its response (0 unless ReportBatchItemFailures) */
};

/* What the poller knows after invoking. */
struct esm_outcome {
    const struct esm_cfg *cfg;
    const struct esm_shot_end *shots;   /* the batches invoked at once (1 unless split by key) */
    int nshots;
    const struct esm_rec *r;  /* one batch: its N records (for bisecting) */
    int n;
    int64_t last_read;        /* where the checkpoint goes past the batches */
    int stopping;             /* the poller is being stopped */
    struct esm_retry retry;   /* the shard's retry state before the invoke */
};

enum esm_verdict {
    ESM_OUT_LEAVE,            /* a failure during a stop: neither retried nor given up */
    ESM_OUT_BACK_OFF,         /* a batch never reached the function: back off, spend no retry */
    ESM_OUT_CHECKPOINT,       /* every batch succeeded: checkpoint past them */
    ESM_OUT_BISECT,           /* retry the first half (NEXT.retry_last) without spending a retry */
    ESM_OUT_GIVE_UP,          /* retries exhausted: the failure record, then past the batch */
    ESM_OUT_RETRY,            /* retry the batch after a pause */
};

/* What esm_decide_outcome decided. */
struct esm_after {
    enum esm_verdict verdict;
    int backoff_reset;        /* the throttle backoff starts over */
    int ok_before;            /* one batch: records before the lowest failure (delivered first) */
    int64_t invokes;          /* GIVE_UP: the approximateInvokeCount of the failure record */
    struct esm_retry next;    /* the retry state from now on (CHECKPOINT: once it is written) */
};

/* Decides what the outcome O leads to. Fills OUT; never fails. */
void esm_decide_outcome(const struct esm_outcome *o, struct esm_after *out);

#endif
