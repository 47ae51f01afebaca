/*
 * CloudWatch Logs storage: log groups, streams and events, per (account,
 * region). Functions write here; the Logs API reads. Same conventions as
 * the other store_ modules (caller's transaction, STORE_ codes).
 */
#ifndef EMU_STORAGE_STORE_LOGS_H
#define EMU_STORAGE_STORE_LOGS_H

#include <stdint.h>

#include "storage/store_lambda.h" /* struct store_scope */

/* Creates GROUP and STREAM when missing and appends N events (messages
 * MSG[i] at TS[i]). Runs in its own write transaction when none is open. */
int store_logs_append(struct store_scope s, const char *group, const char *stream, int n,
                      const char *const *msg, const int64_t *ts, int64_t ingest_ms);

/* Creates a group (STORE_CONFLICT when it exists). */
int store_logs_create_group(struct store_scope s, const char *group, int64_t now_ms);
/* Creates a stream in GROUP (STORE_NOTFOUND without the group,
 * STORE_CONFLICT when it exists). */
int store_logs_create_stream(struct store_scope s, const char *group, const char *stream, int64_t now_ms);
int store_logs_delete_group(struct store_scope s, const char *group);
int store_logs_group_exists(struct store_scope s, const char *group);
int store_logs_stream_exists(struct store_scope s, const char *group, const char *stream);

/* Groups whose names start with PREFIX, after AFTER, at most LIMIT.
 * CB(ctx, name, created_ms, bytes); nonzero stops. */
int store_logs_groups(struct store_scope s, const char *prefix, const char *after, int limit,
                      int (*cb)(void *ctx, const char *name, int64_t created, int64_t bytes), void *ctx);

struct store_log_stream {
    const char *name;
    int64_t created_ms, first_ms, last_ms, last_ingest_ms, bytes;
};

/* Streams of GROUP with PREFIX; ordered by name, or by last event time
 * (BY_TIME) descending when DESC. OFFSET/LIMIT page through them. */
int store_logs_streams(struct store_scope s, const char *group, const char *prefix, int by_time,
                       int desc, int offset, int limit,
                       int (*cb)(void *ctx, const struct store_log_stream *st), void *ctx);

struct store_log_event {
    int64_t id;
    const char *stream;
    int64_t ts, ingest_ms;
    const char *message;
};

/* Events of GROUP (STREAM NULL: every stream) with START <= ts and ts < END (ts <= END
 * when END_INCLUSIVE; END 0: unbounded), after event id AFTER_ID in (ts, id) order (or before, when
 * BACKWARD), at most LIMIT. */
int store_logs_events(struct store_scope s, const char *group, const char *stream, int64_t start,
                      int64_t end, int end_inclusive, int64_t after_ts, int64_t after_id, int backward, int limit,
                      int (*cb)(void *ctx, const struct store_log_event *ev), void *ctx);

#endif
