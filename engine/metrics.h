/*
 * Lambda's CloudWatch metrics (namespace AWS/Lambda, docs/aws-reference.md E),
 * recorded per minute of the virtual clock with AWS's dimension sets:
 * FunctionName; FunctionName+Resource; FunctionName+Resource+
 * ExecutedVersion; and account-wide (no dimensions).
 *
 * Recording is cheap: each call folds its samples into an in-memory
 * statistic set (sum, sample count, minimum, maximum) per (account,
 * region, metric, dimension set, minute) under one mutex. metric_flush()
 * merges what accumulated into SQLite in one write transaction; the
 * background task flushes every second, readers flush before they read,
 * and shutdown flushes last. What a kill -9 can lose: the samples
 * recorded since the last flush (at most about one second's worth);
 * everything flushed is in SQLite's write-ahead log.
 *
 * Every function here is thread-safe.
 */
#ifndef SLUICE_ENGINE_METRICS_H
#define SLUICE_ENGINE_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct conc_ticket;

enum metric_id {
    METRIC_INVOCATIONS = 0,
    METRIC_ERRORS,
    METRIC_THROTTLES,
    METRIC_DURATION,
    METRIC_CONCURRENT_EXECUTIONS,
    METRIC_UNRESERVED_CONCURRENT_EXECUTIONS,
    METRIC_PC_EXECUTIONS,
    METRIC_PC_INVOCATIONS,
    METRIC_PC_SPILLOVER_INVOCATIONS,
    METRIC_PC_UTILIZATION,
    METRIC_ASYNC_EVENTS_RECEIVED,
    METRIC_ASYNC_EVENT_AGE,
    METRIC_ASYNC_EVENTS_DROPPED,
    METRIC_ITERATOR_AGE,
    METRIC_DEAD_LETTER_ERRORS,
    METRIC_DESTINATION_DELIVERY_FAILURES,
    METRIC_COUNT
};

/* How a metric's totals read best: counts are summed, gauges keep their
 * maximum, times keep the whole statistic set. */
enum metric_kind { METRIC_KIND_SUM, METRIC_KIND_MAX, METRIC_KIND_TIME };

/* The CloudWatch name ("Invocations"), unit ("Count", "Milliseconds",
 * "None") and kind of ID. Static strings. */
const char *metric_name(enum metric_id id);
const char *metric_unit(enum metric_id id);
enum metric_kind metric_kind(enum metric_id id);

/* The id of metric NAME, or -1 when Lambda publishes no such metric. */
int metric_by_name(const char *name);

/* Start of the minute holding MS (epoch ms); floors negative times too. */
int64_t metric_minute(int64_t ms);

/* Writes the canonical dimension text of N (name, value) pairs into OUT
 * (N bytes): "Name=Value" joined by ',' in name order, "" for none.
 * Returns 0, or -1 when a name or value holds ',' or '=' (no metric of
 * ours can have it) or OUT is too small. Pure. */
int metric_dims(const char *const *names, const char *const *values, int n, char *out, size_t nout);

/* Parses canonical dimension text DIMS back into at most MAX pairs:
 * copies it into BUF (NBUF bytes) and points NAMES/VALUES into BUF.
 * Returns the number of pairs, or -1 when it does not fit. Pure. */
int metric_dims_split(const char *dims, char *buf, size_t nbuf, const char **names,
                      const char **values, int max);

/* ---- recording (the invoke paths call these) ---- */

/* Who an invocation ran for. QUALIFIER as invoked ("" unqualified,
 * "$LATEST", version or alias); VERSION what ran ("$LATEST" or "N"; NULL
 * when nothing ran). Borrowed for the call. */
struct metric_target {
    const char *account;
    const char *region;
    const char *function;
    const char *qualifier;
    const char *version;
};

/* Folds one sample VALUE of metric ID with canonical dimensions DIMS into
 * the minute of the clock now. The low-level entry the helpers below and
 * the unit tests use. */
void metric_put(const char *account, const char *region, enum metric_id id, const char *dims, double value);

/* An admitted invocation (ticket T from conc_acquire): concurrency gauges
 * (function, qualifier, account, unreserved pool) and provisioned
 * concurrency executions, invocations, spillover and utilisation. */
void metric_admitted(const struct metric_target *t, const struct conc_ticket *ticket);

/* An invocation that ran: Invocations, Errors when ERROR, and Duration
 * (DURATION_MS) on every dimension set. */
void metric_invoked(const struct metric_target *t, int error, double duration_ms);

/* A throttled invocation (429): Throttles on FunctionName, Resource (when
 * qualified) and the account. */
void metric_throttled(const struct metric_target *t);

/* Async events of function FN: one accepted into the queue; one run
 * AGE_MS after it was queued; one dropped (retries or maximum age
 * exhausted, or the function gone). */
void metric_async_received(const char *account, const char *region, const char *fn);
void metric_async_age(const char *account, const char *region, const char *fn, double age_ms);
void metric_async_dropped(const char *account, const char *region, const char *fn);
/* A record of FN that did not reach its destination (an async
 * invocation's OnSuccess/OnFailure, a stream mapping's OnFailure), or an
 * event that did not reach its dead-letter queue (docs/aws-reference.md
 * B10). Per function. Any thread. */
void metric_destination_failed(const char *account, const char *region, const char *fn);
void metric_dead_letter_failed(const char *account, const char *region, const char *fn);

/* IteratorAge of an event source mapping batch for FN (QUALIFIER as the
 * mapping names it, "" unqualified): AGE_MS is the age of the batch's
 * last record when the function is invoked. Recorded on FunctionName and,
 * when qualified, FunctionName+Resource. For the pollers of the mappings
 * issue. */
void metric_iterator_age(const char *account, const char *region, const char *fn, const char *qualifier,
                         double age_ms);

/* ---- persistence ---- */

/* Merges every accumulated statistic set into SQLite (one write
 * transaction on the calling thread) and returns 0; on a storage error
 * the sets are kept for the next flush and -1 is returned. Concurrent
 * flushes are serialised, so when it returns every sample recorded before
 * the call is readable. Must not be called inside an open transaction. */
int metric_flush(void);

/* Background task: flushes, and prunes stored minutes older than the
 * retention (METRIC_RETENTION_MS) at most once per clock minute. */
void metric_tick(void);

/* Forgets every accumulated, unflushed sample (the admin reset, which
 * then deletes the stored rows). */
void metric_discard(void);

/* CloudWatch keeps one-minute data points for 15 days; so does sluice
 * (by the virtual clock), well over the 24 hours tests look back. */
#define METRIC_RETENTION_MS (15LL * 24 * 3600 * 1000)

#endif
