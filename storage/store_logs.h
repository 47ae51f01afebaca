/*
 * CloudWatch Logs storage: log groups, streams and events, per (account,
 * region). Functions write here; the Logs API reads. Same conventions as
 * the other store_ modules (caller's transaction, STORE_ codes).
 */
#ifndef SLUICE_STORAGE_STORE_LOGS_H
#define SLUICE_STORAGE_STORE_LOGS_H

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

struct store_log_group {
    const char *name;
    int64_t created_ms;
    int64_t bytes;            /* sum of its streams' stored bytes */
    int64_t retention_days;   /* 0: events never expire */
};

/* Groups whose names start with PREFIX, after AFTER, at most LIMIT.
 * CB(ctx, group) with G borrowed for the call; nonzero stops. */
int store_logs_groups(struct store_scope s, const char *prefix, const char *after, int limit,
                      int (*cb)(void *ctx, const struct store_log_group *g), void *ctx);

/* ---- retention and tags ---- */

/* Sets GROUP's retention to DAYS (0 removes it: events never expire).
 * STORE_NOTFOUND without the group. */
int store_logs_set_retention(struct store_scope s, const char *group, int64_t days);

/* GROUP's tags as JSON object text in *OUT (heap; free it).
 * STORE_NOTFOUND without the group. */
int store_logs_tags_get(struct store_scope s, const char *group, char **out);
/* Replaces GROUP's tags with TAGS (JSON object text). STORE_NOTFOUND
 * without the group. */
int store_logs_tags_set(struct store_scope s, const char *group, const char *tags);

/* Every group that has a retention, of every account and region:
 * CB(ctx, account, region, group, days) with the strings borrowed for the
 * call; nonzero stops. For the retention sweep. */
int store_logs_retained(int (*cb)(void *ctx, const char *account, const char *region, const char *group,
                                  int64_t days),
                        void *ctx);

/* Timestamp of GROUP's oldest event in *TS; STORE_NOTFOUND when it has
 * none. A read: lets the sweep skip its write transaction. */
int store_logs_oldest(struct store_scope s, const char *group, int64_t *ts);

/* Deletes up to LIMIT events of GROUP whose timestamp is before BEFORE_MS,
 * oldest first, sets *DELETED to how many, and when any were deleted
 * recomputes the stored bytes of the group's streams. Caller's write
 * transaction. */
int store_logs_expire(struct store_scope s, const char *group, int64_t before_ms, int limit, int64_t *deleted);

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
