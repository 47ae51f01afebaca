/*
 * Bulk reads for the dashboard: one statement per kind of row (see
 * store_ui.h).
 */
#include "storage/store_ui.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <sqlite3.h>

static const char *col(sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? (const char *)t : "";
}

int store_ui_functions(struct store_scope s, store_ui_fn_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT name, coalesce(reserved, -1), coalesce(json_extract(config, '$.Runtime'), ''),"
        " next_version - 1 FROM functions WHERE account=?1 AND region=?2 ORDER BY name";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, col(st, 0), sqlite3_column_int64(st, 1), col(st, 2), sqlite3_column_int64(st, 3))) break;
    return store_rows_done(st, rc, "ui_functions");
}

int store_ui_aliases(struct store_scope s, store_ui_alias_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT name, alias, coalesce(json_extract(config, '$.FunctionVersion'), '') FROM aliases"
        " WHERE account=?1 AND region=?2 ORDER BY name, alias";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, col(st, 0), col(st, 1), col(st, 2))) break;
    return store_rows_done(st, rc, "ui_aliases");
}

int store_ui_pcs(struct store_scope s, store_ui_pc_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT name, qualifier, requested, ready_ms, last_modified, status, reason, allocated FROM pc_configs"
        " WHERE account=?1 AND region=?2 ORDER BY name, qualifier";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_pc pc = {0};
        store_col_copy(st, 1, pc.qualifier, sizeof(pc.qualifier));
        pc.requested = sqlite3_column_int(st, 2);
        pc.ready_ms = sqlite3_column_int64(st, 3);
        store_col_copy(st, 4, pc.last_modified, sizeof(pc.last_modified));
        store_col_copy(st, 5, pc.status, sizeof(pc.status));
        store_col_copy(st, 6, pc.reason, sizeof(pc.reason));
        pc.allocated = sqlite3_column_int(st, 7);
        if (cb(ctx, col(st, 0), &pc)) break;
    }
    return store_rows_done(st, rc, "ui_pcs");
}

int store_ui_metrics(struct store_scope s, int64_t since_ms, store_ui_metric_cb cb, void *ctx) {
    static const char totals[] =
        "SELECT metric, dims, -1, sum(sum), sum(count), min(min), max(max) FROM metrics"
        " WHERE account=?1 AND region=?2 GROUP BY metric, dims ORDER BY metric, dims";
    static const char minutes[] =
        "SELECT metric, dims, minute_ms, sum, count, min, max FROM metrics"
        " WHERE account=?1 AND region=?2 AND minute_ms >= ?3 ORDER BY metric, dims, minute_ms";
    sqlite3_stmt *st = store_stmt(since_ms >= 0 ? minutes : totals);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    if (since_ms >= 0) sqlite3_bind_int64(st, 3, since_ms);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, col(st, 0), col(st, 1), sqlite3_column_int64(st, 2), sqlite3_column_double(st, 3),
               sqlite3_column_double(st, 4), sqlite3_column_double(st, 5), sqlite3_column_double(st, 6)))
            break;
    return store_rows_done(st, rc, "ui_metrics");
}

/* A shard's records are the positions (num << 40) + seq of ddb_records
 * (schema 9), so what lies past a checkpoint is one range of the
 * primary key: counted, and its first row's time read, without a scan. */
int store_ui_mappings(struct store_scope s, store_ui_esm_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT m.uuid, m.function_name, m.qualifier, m.function_arn, m.source_arn, m.config, m.state,"
        " m.last_result, m.last_modified_ms,"
        " p.shard_id, sh.parent_id, p.seq, p.started, p.done, p.batches, p.records, p.retries, p.throttles,"
        " p.last_result,"
        " (SELECT count(*) FROM ddb_records r WHERE r.pos > (sh.num << 40) + p.seq"
        "    AND r.pos < ((sh.num + 1) << 40)),"
        " (SELECT r.created_ms FROM ddb_records r WHERE r.pos > (sh.num << 40) + p.seq"
        "    AND r.pos < ((sh.num + 1) << 40) ORDER BY r.pos LIMIT 1)"
        " FROM esm_mappings m"
        " LEFT JOIN esm_positions p ON p.uuid = m.uuid"
        " LEFT JOIN ddb_shards sh ON sh.arn = p.stream_arn AND sh.shard_id = p.shard_id"
        " WHERE m.account=?1 AND m.region=?2 ORDER BY m.uuid, p.shard_id";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_esm_row_ui m = {col(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4),
                                     col(st, 5), col(st, 6), col(st, 7), sqlite3_column_int64(st, 8)};
        struct store_ui_shard sh = {0};
        int has = sqlite3_column_type(st, 9) != SQLITE_NULL;
        if (has) {
            sh.shard_id = col(st, 9);
            sh.parent_id = sqlite3_column_type(st, 10) == SQLITE_NULL ? NULL : col(st, 10);
            sh.seq = sqlite3_column_int64(st, 11);
            sh.started = sqlite3_column_int(st, 12);
            sh.done = sqlite3_column_int(st, 13);
            sh.batches = sqlite3_column_int64(st, 14);
            sh.records = sqlite3_column_int64(st, 15);
            sh.retries = sqlite3_column_int64(st, 16);
            sh.throttles = sqlite3_column_int64(st, 17);
            sh.last_result = col(st, 18);
            sh.lag = sqlite3_column_int64(st, 19);
            sh.oldest_ms = sqlite3_column_type(st, 20) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 20);
        }
        if (cb(ctx, &m, has ? &sh : NULL)) break;
    }
    return store_rows_done(st, rc, "ui_mappings");
}

int store_ui_streams(struct store_scope s, store_ui_stream_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT arn, table_name FROM ddb_streams WHERE account=?1 AND region=?2"
        " AND (EXISTS(SELECT 1 FROM esm_mappings m WHERE m.source_arn = ddb_streams.arn)"
        "   OR EXISTS(SELECT 1 FROM esm_deliveries d WHERE d.stream_arn = ddb_streams.arn))"
        " ORDER BY arn";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, col(st, 0), col(st, 1))) break;
    return store_rows_done(st, rc, "ui_streams");
}

/* END and REPORT are one event (engine/fnlog.c), hence the leading '%'.
 * The streams written last come from log_streams (one row per stream),
 * and each one's events from the (account, region, grp, ts) index, so
 * the cost follows LIMIT, not the size of the logs. */
int store_ui_reports(struct store_scope s, int64_t since_ms, int limit, store_ui_report_cb cb, void *ctx) {
    static const char sql[] =
        "WITH recent AS (SELECT grp, name FROM log_streams WHERE account=?1 AND region=?2"
        "   AND grp >= '/aws/lambda/' AND grp < '/aws/lambda0' AND last_ms >= ?3"
        "   ORDER BY last_ms DESC LIMIT ?4)"
        " SELECT e.grp, e.stream, e.ts, e.message FROM recent r JOIN log_events e"
        "   ON e.account=?1 AND e.region=?2 AND e.grp=r.grp AND e.stream=r.name AND e.ts >= ?3"
        " WHERE e.message LIKE '%REPORT RequestId: %'"
        " ORDER BY e.ts DESC, e.id DESC LIMIT ?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    sqlite3_bind_int64(st, 3, since_ms);
    sqlite3_bind_int(st, 4, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, col(st, 0), col(st, 1), sqlite3_column_int64(st, 2), col(st, 3))) break;
    return store_rows_done(st, rc, "ui_reports");
}

int store_ui_stack_events(struct store_scope s, int limit, store_ui_stack_event_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT s.name, e.logical_id, e.type, e.status, e.reason, e.ts_ms FROM cfn_events e"
        " JOIN cfn_stacks s ON s.id=e.stack_id WHERE s.account=?1 AND s.region=?2"
        " ORDER BY e.seq DESC LIMIT ?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    sqlite3_bind_int(st, 3, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, col(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4), sqlite3_column_int64(st, 5)))
            break;
    return store_rows_done(st, rc, "ui_stack_events");
}
