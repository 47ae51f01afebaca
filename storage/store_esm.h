/*
 * Event source mappings (DynamoDB stream -> Lambda function): the mapping
 * rows the control plane writes (store_esm.c), and the pollers' durable
 * state (store_esm_pos.c): a checkpoint per (mapping, shard), the count
 * of deliveries of every record per mapping (kept after the mapping is
 * deleted: the delivery audit needs them), and the failure records of
 * batches given up.
 *
 * Every function runs on the calling thread's connection and inside the
 * caller's transaction, if one is open. Strings returned in structs are
 * heap copies freed by the matching _clear. Return STORE_OK,
 * STORE_NOTFOUND, STORE_CONFLICT or STORE_ERR.
 */
#ifndef SLUICE_STORAGE_STORE_ESM_H
#define SLUICE_STORAGE_STORE_ESM_H

#include "storage/store_lambda.h"

#include <stdint.h>

/* ---- mappings (control plane) ---- */

struct store_esm {
    char uuid[37];
    char account[13];
    char region[32];
    char function_name[65];   /* unqualified name */
    char qualifier[129];      /* "" when the mapping targets the unqualified function */
    char *function_arn;       /* FunctionArn as returned (qualified when a qualifier was given) */
    char *source_arn;         /* EventSourceArn (the stream) */
    char *config;             /* the user-visible settings as JSON: BatchSize,
                               * MaximumBatchingWindowInSeconds, ParallelizationFactor,
                               * StartingPosition, MaximumRecordAgeInSeconds,
                               * MaximumRetryAttempts, BisectBatchOnFunctionError,
                               * TumblingWindowInSeconds, FunctionResponseTypes,
                               * DestinationConfig, FilterCriteria (when set) */
    char state[16];           /* Creating, Enabling, Enabled, Disabling, Disabled, Updating, Deleting */
    char state_reason[64];    /* StateTransitionReason, e.g. "User action" */
    char last_result[64];     /* LastProcessingResult */
    int enabled;              /* what the user asked for (Enabled) */
    int64_t last_modified_ms; /* LastModified (clock) */
    int64_t created_ms;
    int64_t generation;       /* +1 on every change, so pollers notice updates */
};

void store_esm_clear(struct store_esm *m);

int store_esm_get(const char *uuid, struct store_esm *out);
/* Inserts (INSERT set; STORE_CONFLICT when the UUID exists) or replaces
 * every column of M's row (STORE_NOTFOUND when missing). */
int store_esm_put(const struct store_esm *m, int insert);
/* Deletes the mapping row and its checkpoints (deliveries and failure
 * records stay for the audit). */
int store_esm_delete(const char *uuid);

/* Mapping row callback: M is borrowed for the call; nonzero stops. */
typedef int (*store_esm_cb)(void *ctx, const struct store_esm *m);

/* Mappings of SCOPE, optionally only those of SOURCE_ARN and/or of the
 * function NAME (unqualified name; NULL: any), ordered by UUID after
 * AFTER (NULL: from the start), at most LIMIT. */
int store_esm_list(struct store_scope s, const char *source_arn, const char *name, const char *after,
                   int limit, store_esm_cb cb, void *ctx);
/* Every mapping of every account and region (the pollers' view). */
int store_esm_all(store_esm_cb cb, void *ctx);
/* Sets the state (and reason) of UUID, bumping its generation only when
 * BUMP is set. STORE_NOTFOUND when gone. */
int store_esm_set_state(const char *uuid, const char *state, const char *reason, int bump);
/* Moves UUID from state FROM to TO (reason "User action") only if it is
 * still in FROM: STORE_NOTFOUND when it moved on or is gone. */
int store_esm_settle(const char *uuid, const char *from, const char *to);
/* Sets LastProcessingResult of UUID. */
int store_esm_set_result(const char *uuid, const char *result);

/* Tags of mapping UUID in scope S as a JSON object text in *OUT (heap;
 * free it). STORE_NOTFOUND when no such mapping in S. */
int store_esm_tags_get(struct store_scope s, const char *uuid, char **out);
/* Replaces the tags of UUID with TAGS (a JSON object text).
 * STORE_NOTFOUND when the mapping is gone. */
int store_esm_tags_set(const char *uuid, const char *tags);

/* ---- pollers' state ---- */

struct store_esm_pos {
    char shard_id[80];
    int64_t seq;         /* last sequence number checkpointed; -1 none yet */
    int started;         /* the starting position was resolved */
    int done;            /* the shard is closed and read to its end */
    int64_t batches;     /* successful invocations */
    int64_t records;     /* records delivered by them */
    int64_t retries;     /* invocations that failed and were retried */
    int64_t throttles;   /* invocations throttled (not counted as retries) */
    char last_result[64];
};

int store_esm_pos_get(const char *uuid, const char *shard_id, struct store_esm_pos *out);
/* Inserts or replaces the row of (UUID, P->shard_id). */
int store_esm_pos_put(const char *uuid, const char *stream_arn, const struct store_esm_pos *p);
/* Positions of UUID in shard order; fills up to MAX, count in *N. */
int store_esm_pos_list(const char *uuid, struct store_esm_pos *out, int max, int *n);

/* Counts one delivery of record SEQ of STREAM_ARN's SHARD_ID by UUID. */
int store_esm_delivered(const char *uuid, const char *stream_arn, const char *shard_id, int64_t seq);

/* Delivery row callback for the audit: TIMES deliveries of (SHARD_ID,
 * SEQ) by UUID whose outcome was written, and INTERRUPTED attempts whose
 * outcome a crash lost (each a possible delivery). */
typedef int (*store_esm_delivery_cb)(void *ctx, const char *shard_id, int64_t seq, const char *uuid,
                                     int64_t times, int64_t interrupted);
/* Every delivery row of STREAM_ARN, ordered by shard, seq, uuid. */
int store_esm_deliveries(const char *stream_arn, store_esm_delivery_cb cb, void *ctx);

/* ---- invoke attempts (issue 17: the audit counts redeliveries) ---- */

/* The N sequence numbers SEQS (increasing) as the text esm_attempts
 * keeps: runs of consecutive numbers as "A-B", others alone, joined by
 * ','. Returns a heap string the caller frees. Pure. */
char *store_esm_seqs_text(const int64_t *seqs, int n);

/* Records that UUID is about to invoke the records SEQS (the text of
 * store_esm_seqs_text) of STREAM_ARN's SHARD_ID, replacing its previous
 * attempt in that shard. Run in a write transaction. */
int store_esm_attempt_put(const char *uuid, const char *stream_arn, const char *shard_id, const char *seqs);

/* The outcome of UUID's attempt in SHARD_ID is written: forgets it.
 * Run inside the transaction that writes the outcome. */
int store_esm_attempt_clear(const char *uuid, const char *shard_id);

/* At start-up, before any poller runs: every attempt left is one whose
 * outcome a crash lost; counts each of its records once more as an
 * interrupted delivery and forgets the attempts. Stores the records
 * counted in *N. Runs its own write transaction. */
int store_esm_attempts_recover(int64_t *n);

/* Keeps a failure record (docs/aws-reference.md D4 JSON) of UUID, with
 * the DESTINATION it was sent to (NULL: none configured) and the reason
 * its delivery failed (ERROR, NULL: delivered). */
int store_esm_failure_add(const char *uuid, int64_t created_ms, const char *record, const char *destination,
                          const char *error);
/* One kept failure record; every string is borrowed for the call,
 * DESTINATION and ERROR may be NULL. Nonzero stops the walk. */
typedef int (*store_esm_failure_cb)(void *ctx, int64_t created_ms, const char *record, const char *destination,
                                    const char *error);
/* Failure records of UUID, oldest first. */
int store_esm_failures(const char *uuid, store_esm_failure_cb cb, void *ctx);
/* UUIDs that ever delivered records of STREAM_ARN (live or deleted). */
int store_esm_stream_uuids(const char *stream_arn, int (*cb)(void *ctx, const char *uuid), void *ctx);

#endif
