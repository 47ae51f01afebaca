/*
 * Bulk reads for the dashboard (server/admin_ui.c, issue 18): each
 * function walks every row of one kind in a scope with one statement, so
 * that a page polling every second costs a handful of queries however
 * many functions and mappings there are (no query per item).
 *
 * Same conventions as the other store_ modules: the calling thread's
 * connection, inside the caller's transaction when one is open (the
 * dashboard reads them all in one snapshot); strings passed to callbacks
 * are borrowed for the call; a callback returning nonzero stops the walk.
 * Return STORE_OK or STORE_ERR.
 */
#ifndef SLUICE_STORAGE_STORE_UI_H
#define SLUICE_STORAGE_STORE_UI_H

#include <stdint.h>

#include "storage/store_lambda.h" /* struct store_scope */

/* A function: its reserved concurrency (-1: none), runtime and the
 * highest published version (0: none). */
typedef int (*store_ui_fn_cb)(void *ctx, const char *name, int64_t reserved, const char *runtime,
                              int64_t versions);
/* Every function of S, by name. */
int store_ui_functions(struct store_scope s, store_ui_fn_cb cb, void *ctx);

/* An alias of function NAME and the version it points to. */
typedef int (*store_ui_alias_cb)(void *ctx, const char *name, const char *alias, const char *version);
/* Every alias of S, by function then alias. */
int store_ui_aliases(struct store_scope s, store_ui_alias_cb cb, void *ctx);

/* A provisioned concurrency config of function NAME (struct store_pc). */
typedef int (*store_ui_pc_cb)(void *ctx, const char *name, const struct store_pc *pc);
/* Every provisioned concurrency config of S, by function then qualifier. */
int store_ui_pcs(struct store_scope s, store_ui_pc_cb cb, void *ctx);

/* A metric's statistic set (sum, count, min, max) on canonical dims
 * DIMS, over every stored minute (MINUTE_MS -1) or for one minute. */
typedef int (*store_ui_metric_cb)(void *ctx, const char *metric, const char *dims, int64_t minute_ms, double sum,
                                  double count, double min, double max);
/* The totals over every stored minute of each (metric, dims) of S, by
 * metric then dims; with SINCE_MS >= 0, instead every minute that starts
 * at or after SINCE_MS, by metric, dims, minute. */
int store_ui_metrics(struct store_scope s, int64_t since_ms, store_ui_metric_cb cb, void *ctx);

/* One shard position of a mapping, with what the stream holds past it. */
struct store_ui_shard {
    const char *shard_id;
    const char *parent_id;  /* NULL: no parent (or the shard row is gone) */
    int64_t seq;            /* last checkpointed; -1 none */
    int started, done;
    int64_t batches, records, retries, throttles;
    const char *last_result;
    int64_t lag;            /* retained records after the checkpoint (all of them before it started) */
    int64_t oldest_ms;      /* created_ms of the first of them; -1 when LAG is 0 */
};
/* What the dashboard shows of a mapping row; strings borrowed. */
struct store_esm_row_ui {
    const char *uuid, *function_name, *qualifier, *function_arn, *source_arn, *config, *state, *last_result;
    int64_t last_modified_ms;
};
/* A mapping of S (M borrowed), with one of its shard positions (SH NULL
 * for a mapping that has none yet): rows ordered by mapping, then shard. */
typedef int (*store_ui_esm_cb)(void *ctx, const struct store_esm_row_ui *m, const struct store_ui_shard *sh);

/* Every mapping of S with each of its shard positions, by UUID then
 * shard id. */
int store_ui_mappings(struct store_scope s, store_ui_esm_cb cb, void *ctx);

/* The streams of S that a mapping reads or ever delivered from, by ARN,
 * with their table name. */
typedef int (*store_ui_stream_cb)(void *ctx, const char *arn, const char *table);
int store_ui_streams(struct store_scope s, store_ui_stream_cb cb, void *ctx);

/* A function's REPORT line (its log group GROUP, stream STREAM, time TS
 * and the whole MESSAGE). */
typedef int (*store_ui_report_cb)(void *ctx, const char *group, const char *stream, int64_t ts,
                                  const char *message);
/* The newest REPORT lines, at most LIMIT, newest first, of the LIMIT log
 * streams of S's /aws/lambda/ groups written last, from SINCE_MS on:
 * the dashboard's recent invocations. */
int store_ui_reports(struct store_scope s, int64_t since_ms, int limit, store_ui_report_cb cb, void *ctx);

/* A CloudFormation stack event: its stack's name, the resource's logical
 * id and type, its status and reason (NULL when none), its time. */
typedef int (*store_ui_stack_event_cb)(void *ctx, const char *stack, const char *logical_id, const char *type,
                                       const char *status, const char *reason, int64_t ts_ms);
/* The newest LIMIT events of S's stacks (deleted ones too), newest
 * first: the dashboard's recent stack events. */
int store_ui_stack_events(struct store_scope s, int limit, store_ui_stack_event_cb cb, void *ctx);

#endif
