/*
 * storage/store_metrics.h over the metrics table (schema migration 5).
 */
#include "storage/store_metrics.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <sqlite3.h>
#include <string.h>

int store_metrics_merge(const struct store_metric_row *rows, int n) {
    static const char sql[] =
        "INSERT INTO metrics(account, region, metric, dims, minute_ms, unit, sum, count, min, max)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT(account, region, metric, dims, minute_ms) DO UPDATE SET"
        " sum = sum + excluded.sum, count = count + excluded.count,"
        " min = min(min, excluded.min), max = max(max, excluded.max)";
    if (n <= 0) return STORE_OK;
    int rc = store_begin(1);
    if (rc != STORE_OK) return rc;
    for (int i = 0; i < n && rc == STORE_OK; i++) {
        const struct store_metric_row *r = &rows[i];
        sqlite3_stmt *st = store_stmt(sql);
        if (st == NULL) {
            rc = STORE_ERR;
            break;
        }
        struct store_scope s = {r->account, r->region};
        store_bind_scope(st, s, r->metric);
        sqlite3_bind_text(st, 4, r->dims, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, r->minute_ms);
        sqlite3_bind_text(st, 6, r->unit, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 7, r->sum);
        sqlite3_bind_double(st, 8, r->count);
        sqlite3_bind_double(st, 9, r->min);
        sqlite3_bind_double(st, 10, r->max);
        rc = store_step_done(st, "metrics_merge");
    }
    if (rc == STORE_OK) return store_commit();
    store_rollback();
    return rc;
}

int store_metrics_prune(int64_t before_ms, int64_t *deleted) {
    static const char sql[] = "DELETE FROM metrics WHERE minute_ms < ?1";
    int rc = store_begin(1);
    if (rc != STORE_OK) return rc;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) {
        store_rollback();
        return STORE_ERR;
    }
    sqlite3_bind_int64(st, 1, before_ms);
    rc = store_step_done(st, "metrics_prune");
    if (deleted) *deleted = rc == STORE_OK ? sqlite3_changes(store_db()) : 0;
    if (rc == STORE_OK) return store_commit();
    store_rollback();
    return rc;
}

/* Fills R from the columns metric, dims, unit, minute_ms, sum, count,
 * min, max of ST (in that order). */
static void read_row(sqlite3_stmt *st, struct store_scope s, struct store_metric_row *r) {
    memset(r, 0, sizeof(*r));
    r->account = s.account;
    r->region = s.region;
    r->metric = (const char *)sqlite3_column_text(st, 0);
    r->dims = (const char *)sqlite3_column_text(st, 1);
    r->unit = (const char *)sqlite3_column_text(st, 2);
    r->minute_ms = sqlite3_column_int64(st, 3);
    r->sum = sqlite3_column_double(st, 4);
    r->count = sqlite3_column_double(st, 5);
    r->min = sqlite3_column_double(st, 6);
    r->max = sqlite3_column_double(st, 7);
}

static int each_row(sqlite3_stmt *st, struct store_scope s, store_metric_cb cb, void *ctx, const char *what) {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_metric_row r;
        read_row(st, s, &r);
        if (cb(ctx, &r)) break;
    }
    return store_rows_done(st, rc, what);
}

int store_metrics_range(struct store_scope s, const char *metric, const char *dims, int64_t start_ms,
                        int64_t end_ms, store_metric_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT metric, dims, unit, minute_ms, sum, count, min, max FROM metrics"
        " WHERE account=?1 AND region=?2 AND metric=?3 AND dims=?4 AND minute_ms >= ?5 AND minute_ms < ?6"
        " ORDER BY minute_ms";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, metric);
    sqlite3_bind_text(st, 4, dims, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, start_ms);
    sqlite3_bind_int64(st, 6, end_ms);
    return each_row(st, s, cb, ctx, "metrics_range");
}

int store_metrics_list(struct store_scope s, const char *metric, store_metric_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT metric, dims, min(unit), 0, 0, 0, 0, 0 FROM metrics"
        " WHERE account=?1 AND region=?2 AND (?3 IS NULL OR metric=?3)"
        " GROUP BY metric, dims ORDER BY metric, dims";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    if (metric) sqlite3_bind_text(st, 3, metric, -1, SQLITE_TRANSIENT);
    return each_row(st, s, cb, ctx, "metrics_list");
}

int store_metrics_total(struct store_scope s, const char *metric, const char *dims,
                        struct store_metric_row *out) {
    static const char sql[] =
        "SELECT count(*), sum(sum), sum(count), min(min), max(max) FROM metrics"
        " WHERE account=?1 AND region=?2 AND metric=?3 AND dims=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, metric);
    sqlite3_bind_text(st, 4, dims, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    int out_rc = STORE_OK;
    memset(out, 0, sizeof(*out));
    if (rc == SQLITE_ROW) {
        if (sqlite3_column_int64(st, 0) == 0) {
            out_rc = STORE_NOTFOUND;
        } else {
            out->sum = sqlite3_column_double(st, 1);
            out->count = sqlite3_column_double(st, 2);
            out->min = sqlite3_column_double(st, 3);
            out->max = sqlite3_column_double(st, 4);
        }
    } else {
        out_rc = store_rc(rc, "metrics_total");
    }
    sqlite3_reset(st);
    return out_rc;
}
