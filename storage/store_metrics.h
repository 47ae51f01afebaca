/*
 * CloudWatch metric storage: one statistic set (sum, sample count,
 * minimum, maximum) per (account, region, metric, dimension set, minute).
 * engine/metrics.c aggregates in memory and merges batches here; the
 * CloudWatch API and the admin endpoint read. Same conventions as the
 * other store_ modules (STORE_ codes, the calling thread's connection).
 */
#ifndef SLUICE_STORAGE_STORE_METRICS_H
#define SLUICE_STORAGE_STORE_METRICS_H

#include <stdint.h>

#include "storage/store_lambda.h" /* struct store_scope */

/* One row: a statistic set for one minute. Strings are borrowed (from the
 * caller when writing; from SQLite, valid during the callback, when
 * reading). */
struct store_metric_row {
    const char *account;
    const char *region;
    const char *metric;
    const char *dims;       /* canonical "Name=Value,..." sorted by name; "" account-wide */
    const char *unit;
    int64_t minute_ms;      /* start of the minute, epoch ms (clock time) */
    double sum, count, min, max;
};

/* Merges N rows into the table in one write transaction of its own
 * (sums and counts add up, minima and maxima combine with what is
 * stored). Returns STORE_OK, or an error with nothing written. Any
 * thread; must not be called inside an open transaction. */
int store_metrics_merge(const struct store_metric_row *rows, int n);

/* Deletes every row whose minute starts before BEFORE_MS (own write
 * transaction). Stores the number of rows deleted in *DELETED (may be
 * NULL). */
int store_metrics_prune(int64_t before_ms, int64_t *deleted);

/* Row callback: return nonzero to stop. */
typedef int (*store_metric_cb)(void *ctx, const struct store_metric_row *row);

/* The minutes of METRIC with exactly DIMS whose start is in
 * [START_MS, END_MS), in ascending time order. */
int store_metrics_range(struct store_scope s, const char *metric, const char *dims, int64_t start_ms,
                        int64_t end_ms, store_metric_cb cb, void *ctx);

/* Each distinct (metric, dims) that has data, ordered by metric then
 * dims; METRIC NULL lists every metric. Only metric, dims and unit of the
 * row are set. */
int store_metrics_list(struct store_scope s, const char *metric, store_metric_cb cb, void *ctx);

/* The statistic set of METRIC with DIMS over every stored minute into
 * *OUT (sum, count, min, max; strings unset). STORE_NOTFOUND when there
 * is no data. */
int store_metrics_total(struct store_scope s, const char *metric, const char *dims,
                        struct store_metric_row *out);

#endif
