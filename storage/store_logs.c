/*
 * storage/store_logs.h over log_groups, log_streams and log_events.
 */
#include "storage/store_logs.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <sqlite3.h>
#include <string.h>

int store_logs_append(struct store_scope s, const char *group, const char *stream, int n,
                      const char *const *msg, const int64_t *ts, int64_t ingest_ms) {
    static const char grp_sql[] =
        "INSERT OR IGNORE INTO log_groups(account, region, name, created_ms) VALUES(?1, ?2, ?3, ?4)";
    static const char str_sql[] =
        "INSERT OR IGNORE INTO log_streams(account, region, grp, name, created_ms) VALUES(?1, ?2, ?3, ?4, ?5)";
    static const char ev_sql[] =
        "INSERT INTO log_events(account, region, grp, stream, ts, ingest_ms, message)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    static const char upd_sql[] =
        "UPDATE log_streams SET first_ms=coalesce(min(first_ms, ?5), ?5), last_ms=max(coalesce(last_ms, 0), ?6),"
        " last_ingest_ms=?7, bytes=bytes+?8 WHERE account=?1 AND region=?2 AND grp=?3 AND name=?4";
    int own = sqlite3_get_autocommit(store_db());
    if (own && store_begin(1) != STORE_OK) return STORE_BUSY;
    sqlite3_stmt *st = store_stmt(grp_sql);
    int rc = st ? STORE_OK : STORE_ERR;
    if (rc == STORE_OK) {
        store_bind_scope(st, s, group);
        sqlite3_bind_int64(st, 4, ingest_ms);
        rc = store_step_done(st, "logs_group");
    }
    if (rc == STORE_OK && (st = store_stmt(str_sql)) != NULL) {
        store_bind_scope(st, s, group);
        sqlite3_bind_text(st, 4, stream, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, ingest_ms);
        rc = store_step_done(st, "logs_stream");
    }
    int64_t first = 0, last = 0, bytes = 0;
    for (int i = 0; i < n && rc == STORE_OK; i++) {
        st = store_stmt(ev_sql);
        if (st == NULL) {
            rc = STORE_ERR;
            break;
        }
        store_bind_scope(st, s, group);
        sqlite3_bind_text(st, 4, stream, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, ts[i]);
        sqlite3_bind_int64(st, 6, ingest_ms);
        sqlite3_bind_text(st, 7, msg[i], -1, SQLITE_TRANSIENT);
        rc = store_step_done(st, "logs_event");
        if (i == 0 || ts[i] < first) first = ts[i];
        if (ts[i] > last) last = ts[i];
        bytes += (int64_t)strlen(msg[i]);
    }
    if (rc == STORE_OK && n > 0 && (st = store_stmt(upd_sql)) != NULL) {
        store_bind_scope(st, s, group);
        sqlite3_bind_text(st, 4, stream, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, first);
        sqlite3_bind_int64(st, 6, last);
        sqlite3_bind_int64(st, 7, ingest_ms);
        sqlite3_bind_int64(st, 8, bytes);
        rc = store_step_done(st, "logs_stream_update");
    }
    if (own) {
        if (rc == STORE_OK) rc = store_commit();
        else store_rollback();
    }
    return rc;
}

int store_logs_create_group(struct store_scope s, const char *group, int64_t now_ms) {
    static const char sql[] = "INSERT INTO log_groups(account, region, name, created_ms) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    sqlite3_bind_int64(st, 4, now_ms);
    return store_step_done(st, "logs_create_group");
}

int store_logs_group_exists(struct store_scope s, const char *group) {
    static const char sql[] = "SELECT 1 FROM log_groups WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    int rc = sqlite3_step(st);
    return store_row_done(st, rc, "logs_group_exists");
}

int store_logs_stream_exists(struct store_scope s, const char *group, const char *stream) {
    static const char sql[] =
        "SELECT 1 FROM log_streams WHERE account=?1 AND region=?2 AND grp=?3 AND name=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    sqlite3_bind_text(st, 4, stream, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    return store_row_done(st, rc, "logs_stream_exists");
}

int store_logs_create_stream(struct store_scope s, const char *group, const char *stream, int64_t now_ms) {
    static const char sql[] =
        "INSERT INTO log_streams(account, region, grp, name, created_ms) VALUES(?1, ?2, ?3, ?4, ?5)";
    int rc = store_logs_group_exists(s, group);
    if (rc != STORE_OK) return rc;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    sqlite3_bind_text(st, 4, stream, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, now_ms);
    return store_step_done(st, "logs_create_stream");
}

int store_logs_delete_group(struct store_scope s, const char *group) {
    static const char *const sqls[] = {
        "DELETE FROM log_events WHERE account=?1 AND region=?2 AND grp=?3",
        "DELETE FROM log_streams WHERE account=?1 AND region=?2 AND grp=?3",
        "DELETE FROM log_groups WHERE account=?1 AND region=?2 AND name=?3",
    };
    int rc = STORE_OK;
    for (int i = 0; i < 3 && rc == STORE_OK; i++) {
        sqlite3_stmt *st = store_stmt(sqls[i]);
        if (st == NULL) return STORE_ERR;
        store_bind_scope(st, s, group);
        rc = store_step_done(st, "logs_delete_group");
        if (rc == STORE_OK && i == 2 && sqlite3_changes(store_db()) == 0) rc = STORE_NOTFOUND;
    }
    return rc;
}

int store_logs_groups(struct store_scope s, const char *prefix, const char *after, int limit,
                      int (*cb)(void *ctx, const char *name, int64_t created, int64_t bytes), void *ctx) {
    static const char sql[] =
        "SELECT g.name, g.created_ms, (SELECT coalesce(sum(bytes), 0) FROM log_streams t"
        "   WHERE t.account=g.account AND t.region=g.region AND t.grp=g.name)"
        " FROM log_groups g WHERE g.account=?1 AND g.region=?2 AND substr(g.name, 1, length(?3))=?3"
        " AND g.name>?4 ORDER BY g.name LIMIT ?5";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, prefix ? prefix : "");
    sqlite3_bind_text(st, 4, after ? after : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
               sqlite3_column_int64(st, 2)))
            break;
    return store_rows_done(st, rc, "logs_groups");
}

int store_logs_streams(struct store_scope s, const char *group, const char *prefix, int by_time,
                       int desc, int offset, int limit,
                       int (*cb)(void *ctx, const struct store_log_stream *st), void *ctx) {
    static const char *const sqls[4] = {
        "SELECT name, created_ms, first_ms, last_ms, last_ingest_ms, bytes FROM log_streams"
        " WHERE account=?1 AND region=?2 AND grp=?3 AND substr(name, 1, length(?4))=?4"
        " ORDER BY name LIMIT ?5 OFFSET ?6",
        "SELECT name, created_ms, first_ms, last_ms, last_ingest_ms, bytes FROM log_streams"
        " WHERE account=?1 AND region=?2 AND grp=?3 AND substr(name, 1, length(?4))=?4"
        " ORDER BY name DESC LIMIT ?5 OFFSET ?6",
        "SELECT name, created_ms, first_ms, last_ms, last_ingest_ms, bytes FROM log_streams"
        " WHERE account=?1 AND region=?2 AND grp=?3 AND substr(name, 1, length(?4))=?4"
        " ORDER BY coalesce(last_ms, 0), name LIMIT ?5 OFFSET ?6",
        "SELECT name, created_ms, first_ms, last_ms, last_ingest_ms, bytes FROM log_streams"
        " WHERE account=?1 AND region=?2 AND grp=?3 AND substr(name, 1, length(?4))=?4"
        " ORDER BY coalesce(last_ms, 0) DESC, name DESC LIMIT ?5 OFFSET ?6",
    };
    sqlite3_stmt *st = store_stmt(sqls[(by_time ? 2 : 0) + (desc ? 1 : 0)]);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    sqlite3_bind_text(st, 4, prefix ? prefix : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, limit);
    sqlite3_bind_int(st, 6, offset);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_log_stream ls = {(const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
                                      sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                                      sqlite3_column_int64(st, 4), sqlite3_column_int64(st, 5)};
        if (cb(ctx, &ls)) break;
    }
    return store_rows_done(st, rc, "logs_streams");
}

int store_logs_events(struct store_scope s, const char *group, const char *stream, int64_t start,
                      int64_t end, int end_inclusive, int64_t after_ts, int64_t after_id, int backward, int limit,
                      int (*cb)(void *ctx, const struct store_log_event *ev), void *ctx) {
    static const char fwd[] =
        "SELECT id, stream, ts, ingest_ms, message FROM log_events WHERE account=?1 AND region=?2"
        " AND grp=?3 AND (?4 IS NULL OR stream=?4) AND ts>=?5 AND (?6 = 0 OR ts<=?6)"
        " AND (ts, id) > (?7, ?8) ORDER BY ts, id LIMIT ?9";
    static const char bwd[] =
        "SELECT id, stream, ts, ingest_ms, message FROM log_events WHERE account=?1 AND region=?2"
        " AND grp=?3 AND (?4 IS NULL OR stream=?4) AND ts>=?5 AND (?6 = 0 OR ts<=?6)"
        " AND (ts, id) < (?7, ?8) ORDER BY ts DESC, id DESC LIMIT ?9";
    sqlite3_stmt *st = store_stmt(backward ? bwd : fwd);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    if (stream) sqlite3_bind_text(st, 4, stream, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, 4);
    sqlite3_bind_int64(st, 5, start);
    /* An exclusive end is an inclusive one a millisecond earlier. */
    sqlite3_bind_int64(st, 6, end && !end_inclusive ? end - 1 : end);
    sqlite3_bind_int64(st, 7, after_ts);
    sqlite3_bind_int64(st, 8, after_id);
    sqlite3_bind_int(st, 9, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_log_event ev = {sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                                     sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                                     (const char *)sqlite3_column_text(st, 4)};
        if (cb(ctx, &ev)) break;
    }
    return store_rows_done(st, rc, "logs_events");
}
