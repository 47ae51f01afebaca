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
                      int (*cb)(void *ctx, const struct store_log_group *g), void *ctx) {
    static const char sql[] =
        "SELECT g.name, g.created_ms, (SELECT coalesce(sum(bytes), 0) FROM log_streams t"
        "   WHERE t.account=g.account AND t.region=g.region AND t.grp=g.name), coalesce(g.retention_days, 0)"
        " FROM log_groups g WHERE g.account=?1 AND g.region=?2 AND substr(g.name, 1, length(?3))=?3"
        " AND g.name>?4 ORDER BY g.name LIMIT ?5";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, prefix ? prefix : "");
    sqlite3_bind_text(st, 4, after ? after : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_log_group g = {(const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
                                    sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)};
        if (cb(ctx, &g)) break;
    }
    return store_rows_done(st, rc, "logs_groups");
}

/* ---- retention and tags ---- */

int store_logs_set_retention(struct store_scope s, const char *group, int64_t days) {
    static const char sql[] = "UPDATE log_groups SET retention_days=?4 WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    if (days > 0) sqlite3_bind_int64(st, 4, days);
    else sqlite3_bind_null(st, 4);
    return store_step_change(st, "logs_set_retention");
}

int store_logs_tags_get(struct store_scope s, const char *group, char **out) {
    static const char sql[] = "SELECT tags FROM log_groups WHERE account=?1 AND region=?2 AND name=?3";
    *out = NULL;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = store_col_dup(st, 0);
    return store_row_done(st, rc, "logs_tags_get");
}

int store_logs_tags_set(struct store_scope s, const char *group, const char *tags) {
    static const char sql[] = "UPDATE log_groups SET tags=?4 WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    sqlite3_bind_text(st, 4, tags, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "logs_tags_set");
}

int store_logs_retained(int (*cb)(void *ctx, const char *account, const char *region, const char *group,
                                  int64_t days),
                        void *ctx) {
    static const char sql[] =
        "SELECT account, region, name, retention_days FROM log_groups WHERE retention_days IS NOT NULL";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3)))
            break;
    return store_rows_done(st, rc, "logs_retained");
}

int store_logs_oldest(struct store_scope s, const char *group, int64_t *ts) {
    /* ORDER BY + LIMIT walks the (account, region, grp, ts, id) index to
     * its first entry. */
    static const char sql[] =
        "SELECT ts FROM log_events WHERE account=?1 AND region=?2 AND grp=?3 ORDER BY ts LIMIT 1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *ts = sqlite3_column_int64(st, 0);
    return store_row_done(st, rc, "logs_oldest");
}

int store_logs_expire(struct store_scope s, const char *group, int64_t before_ms, int limit, int64_t *deleted) {
    static const char del[] =
        "DELETE FROM log_events WHERE id IN (SELECT id FROM log_events WHERE account=?1 AND region=?2"
        " AND grp=?3 AND ts<?4 ORDER BY ts, id LIMIT ?5)";
    static const char bytes[] =
        "UPDATE log_streams SET bytes=(SELECT coalesce(sum(length(CAST(e.message AS BLOB))), 0)"
        " FROM log_events e WHERE e.account=log_streams.account AND e.region=log_streams.region"
        " AND e.grp=log_streams.grp AND e.stream=log_streams.name)"
        " WHERE account=?1 AND region=?2 AND grp=?3";
    *deleted = 0;
    sqlite3_stmt *st = store_stmt(del);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    sqlite3_bind_int64(st, 4, before_ms);
    sqlite3_bind_int(st, 5, limit);
    int rc = store_step_done(st, "logs_expire");
    if (rc != STORE_OK) return rc;
    *deleted = sqlite3_changes(sqlite3_db_handle(st));
    if (*deleted == 0) return STORE_OK;
    if ((st = store_stmt(bytes)) == NULL) return STORE_ERR;
    store_bind_scope(st, s, group);
    return store_step_done(st, "logs_expire_bytes");
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
