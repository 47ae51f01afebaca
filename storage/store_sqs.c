/*
 * storage/store_sqs.h over the sqs_queues, sqs_messages and sqs_dedup
 * tables (storage/schema.h, the SQS migration).
 */
#include "storage/store_sqs.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

void store_sqs_queue_clear(struct store_sqs_queue *q) {
    free(q->name);
    free(q->attrs);
    free(q->tags);
    memset(q, 0, sizeof(*q));
}

int store_sqs_queue_get(struct store_scope s, const char *name, struct store_sqs_queue *out) {
    static const char sql[] = "SELECT name, attrs, tags, created_ms, modified_ms, purged_ms FROM sqs_queues"
                              " WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->name = store_col_dup(st, 0);
        out->attrs = store_col_dup(st, 1);
        out->tags = store_col_dup(st, 2);
        out->created_ms = sqlite3_column_int64(st, 3);
        out->modified_ms = sqlite3_column_int64(st, 4);
        out->purged_ms = sqlite3_column_int64(st, 5);
    }
    return store_row_done(st, rc, "sqs_queue_get");
}

int store_sqs_queue_put(struct store_scope s, const struct store_sqs_queue *q, int insert) {
    static const char ins[] = "INSERT INTO sqs_queues(account, region, name, attrs, tags, created_ms, modified_ms,"
                              " purged_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    static const char upd[] = "UPDATE sqs_queues SET attrs=?4, tags=?5, modified_ms=?7, purged_ms=?8"
                              " WHERE account=?1 AND region=?2 AND name=?3 AND ?6 IS NOT NULL";
    sqlite3_stmt *st = store_stmt(insert ? ins : upd);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, q->name);
    sqlite3_bind_text(st, 4, q->attrs, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, q->tags ? q->tags : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, q->created_ms);
    sqlite3_bind_int64(st, 7, q->modified_ms);
    sqlite3_bind_int64(st, 8, q->purged_ms);
    return insert ? store_step_done(st, "sqs_queue_put") : store_step_change(st, "sqs_queue_put");
}

int store_sqs_queue_delete(struct store_scope s, const char *name) {
    static const char del_msgs[] = "DELETE FROM sqs_messages WHERE account=?1 AND region=?2 AND queue=?3";
    static const char del_dedup[] = "DELETE FROM sqs_dedup WHERE account=?1 AND region=?2 AND queue=?3";
    static const char del_q[] = "DELETE FROM sqs_queues WHERE account=?1 AND region=?2 AND name=?3";
    const char *sqls[] = {del_msgs, del_dedup};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_stmt(sqls[i]);
        if (st == NULL) return STORE_ERR;
        store_bind_scope(st, s, name);
        int rc = store_step_done(st, "sqs_queue_delete");
        if (rc != STORE_OK) return rc;
    }
    sqlite3_stmt *st = store_stmt(del_q);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    return store_step_change(st, "sqs_queue_delete");
}

int store_sqs_queue_list(struct store_scope s, const char *prefix, const char *after, int limit,
                         int (*cb)(void *ctx, const char *name), void *ctx) {
    static const char sql[] = "SELECT name FROM sqs_queues WHERE account=?1 AND region=?2"
                              " AND substr(name, 1, length(?3)) = ?3 AND name > ?4 ORDER BY name LIMIT ?5";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, prefix ? prefix : "");
    sqlite3_bind_text(st, 4, after ? after : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, (const char *)sqlite3_column_text(st, 0))) break;
    return store_rows_done(st, rc, "sqs_queue_list");
}

int store_sqs_queue_each(struct store_scope s, int (*cb)(void *ctx, const char *name, const char *attrs),
                         void *ctx) {
    static const char sql[] = "SELECT name, attrs FROM sqs_queues WHERE account=?1 AND region=?2 ORDER BY name";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1))) break;
    return store_rows_done(st, rc, "sqs_queue_each");
}

void store_sqs_msg_clear(struct store_sqs_msg *m) {
    free(m->message_id);
    free(m->body);
    free(m->md5_body);
    free(m->attrs);
    free(m->md5_attrs);
    free(m->sys_attrs);
    free(m->group_id);
    free(m->dedup_id);
    free(m->receipt);
    memset(m, 0, sizeof(*m));
}

static void bind_opt(sqlite3_stmt *st, int i, const char *z) {
    if (z) sqlite3_bind_text(st, i, z, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, i);
}

int store_sqs_msg_insert(struct store_scope s, const char *queue, struct store_sqs_msg *m) {
    static const char sql[] =
        "INSERT INTO sqs_messages(account, region, queue, message_id, body, md5_body, attrs, md5_attrs,"
        " sys_attrs, group_id, dedup_id, receipt, sent_ms, visible_ms, first_receive_ms, receive_count)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, queue);
    sqlite3_bind_text(st, 4, m->message_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, m->body, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, m->md5_body, -1, SQLITE_TRANSIENT);
    bind_opt(st, 7, m->attrs);
    bind_opt(st, 8, m->md5_attrs);
    bind_opt(st, 9, m->sys_attrs);
    bind_opt(st, 10, m->group_id);
    bind_opt(st, 11, m->dedup_id);
    bind_opt(st, 12, m->receipt);
    sqlite3_bind_int64(st, 13, m->sent_ms);
    sqlite3_bind_int64(st, 14, m->visible_ms);
    sqlite3_bind_int64(st, 15, m->first_receive_ms);
    sqlite3_bind_int64(st, 16, m->receive_count);
    int rc = store_step_done(st, "sqs_msg_insert");
    if (rc == STORE_OK) m->seq = sqlite3_last_insert_rowid(store_db());
    return rc;
}

#define MSG_COLS \
    "seq, message_id, body, md5_body, attrs, md5_attrs, sys_attrs, group_id, dedup_id, receipt, sent_ms," \
    " visible_ms, first_receive_ms, receive_count"

/* The MSG_COLS of ST's current row into M (heap copies). */
static void msg_row(sqlite3_stmt *st, struct store_sqs_msg *m) {
    m->seq = sqlite3_column_int64(st, 0);
    m->message_id = store_col_dup(st, 1);
    m->body = store_col_dup(st, 2);
    m->md5_body = store_col_dup(st, 3);
    m->attrs = store_col_dup(st, 4);
    m->md5_attrs = store_col_dup(st, 5);
    m->sys_attrs = store_col_dup(st, 6);
    m->group_id = store_col_dup(st, 7);
    m->dedup_id = store_col_dup(st, 8);
    m->receipt = store_col_dup(st, 9);
    m->sent_ms = sqlite3_column_int64(st, 10);
    m->visible_ms = sqlite3_column_int64(st, 11);
    m->first_receive_ms = sqlite3_column_int64(st, 12);
    m->receive_count = sqlite3_column_int64(st, 13);
}

int store_sqs_msg_scan(struct store_scope s, const char *queue, int64_t visible_by, int64_t sent_after, int limit,
                       int (*cb)(void *ctx, const struct store_sqs_msg *m), void *ctx) {
    static const char sql[] = "SELECT " MSG_COLS " FROM sqs_messages WHERE account=?1 AND region=?2 AND queue=?3"
                              " AND visible_ms <= ?4 AND sent_ms > ?6 ORDER BY seq LIMIT ?5";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, queue);
    sqlite3_bind_int64(st, 4, visible_by);
    sqlite3_bind_int(st, 5, limit);
    sqlite3_bind_int64(st, 6, sent_after);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_sqs_msg m = {0};
        msg_row(st, &m);
        int stop = cb(ctx, &m);
        store_sqs_msg_clear(&m);
        if (stop) break;
    }
    return store_rows_done(st, rc, "sqs_msg_scan");
}

int store_sqs_msg_get(struct store_scope s, const char *queue, const char *message_id,
                      struct store_sqs_msg *out) {
    static const char sql[] = "SELECT " MSG_COLS " FROM sqs_messages WHERE account=?1 AND region=?2 AND queue=?3"
                              " AND message_id=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, queue);
    sqlite3_bind_text(st, 4, message_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) msg_row(st, out);
    return store_row_done(st, rc, "sqs_msg_get");
}

int store_sqs_msg_received(int64_t seq, int64_t visible_ms, int64_t receive_count, int64_t first_receive_ms,
                           const char *receipt) {
    static const char sql[] = "UPDATE sqs_messages SET visible_ms=?2, receive_count=?3, first_receive_ms=?4,"
                              " receipt=?5 WHERE seq=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, visible_ms);
    sqlite3_bind_int64(st, 3, receive_count);
    sqlite3_bind_int64(st, 4, first_receive_ms);
    sqlite3_bind_text(st, 5, receipt, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "sqs_msg_received");
}

int store_sqs_msg_set_visible(int64_t seq, int64_t visible_ms) {
    static const char sql[] = "UPDATE sqs_messages SET visible_ms=?2 WHERE seq=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, visible_ms);
    return store_step_done(st, "sqs_msg_set_visible");
}

int store_sqs_msg_delete(int64_t seq) {
    static const char sql[] = "DELETE FROM sqs_messages WHERE seq=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, seq);
    return store_step_done(st, "sqs_msg_delete");
}

int store_sqs_purge(struct store_scope s, const char *queue) {
    static const char sql[] = "DELETE FROM sqs_messages WHERE account=?1 AND region=?2 AND queue=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, queue);
    return store_step_done(st, "sqs_purge");
}

int store_sqs_counts(struct store_scope s, const char *queue, int64_t now, int64_t sent_after, int64_t *visible,
                     int64_t *inflight, int64_t *delayed) {
    static const char sql[] =
        "SELECT coalesce(sum(visible_ms <= ?4), 0),"
        " coalesce(sum(visible_ms > ?4 AND receive_count > 0), 0),"
        " coalesce(sum(visible_ms > ?4 AND receive_count = 0), 0)"
        " FROM sqs_messages WHERE account=?1 AND region=?2 AND queue=?3 AND sent_ms > ?5";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, queue);
    sqlite3_bind_int64(st, 4, now);
    sqlite3_bind_int64(st, 5, sent_after);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *visible = sqlite3_column_int64(st, 0);
        *inflight = sqlite3_column_int64(st, 1);
        *delayed = sqlite3_column_int64(st, 2);
    }
    return store_row_done(st, rc, "sqs_counts");
}

int store_sqs_next_visible(struct store_scope s, const char *queue, int64_t now, int64_t *out) {
    static const char sql[] = "SELECT min(visible_ms) FROM sqs_messages WHERE account=?1 AND region=?2"
                              " AND queue=?3 AND visible_ms > ?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, queue);
    sqlite3_bind_int64(st, 4, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_type(st, 0) == SQLITE_NULL ? INT64_MAX : sqlite3_column_int64(st, 0);
    return store_row_done(st, rc, "sqs_next_visible");
}

int store_sqs_expire(int64_t now, int64_t *n) {
    static const char del_msgs[] =
        "DELETE FROM sqs_messages WHERE seq IN (SELECT m.seq FROM sqs_messages m JOIN sqs_queues q"
        " ON q.account=m.account AND q.region=m.region AND q.name=m.queue"
        " WHERE m.sent_ms + 1000 * CAST(json_extract(q.attrs, '$.MessageRetentionPeriod') AS INTEGER) <= ?1)";
    static const char del_dedup[] = "DELETE FROM sqs_dedup WHERE expires_ms <= ?1";
    *n = 0;
    sqlite3_stmt *st = store_stmt(del_msgs);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, now);
    int rc = store_step_done(st, "sqs_expire");
    if (rc != STORE_OK) return rc;
    *n = sqlite3_changes64(store_db());
    st = store_stmt(del_dedup);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, now);
    return store_step_done(st, "sqs_expire_dedup");
}

int store_sqs_dedup_get(struct store_scope s, const char *queue, const char *dedup_id, int64_t now,
                        char *message_id, size_t nmid, int64_t *seq) {
    static const char sql[] = "SELECT message_id, seq FROM sqs_dedup WHERE account=?1 AND region=?2 AND queue=?3"
                              " AND dedup_id=?4 AND expires_ms > ?5";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, queue);
    sqlite3_bind_text(st, 4, dedup_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_col_copy(st, 0, message_id, nmid);
        *seq = sqlite3_column_int64(st, 1);
    }
    return store_row_done(st, rc, "sqs_dedup_get");
}

int store_sqs_dedup_put(struct store_scope s, const char *queue, const char *dedup_id, const char *message_id,
                        int64_t seq, int64_t expires_ms) {
    static const char sql[] = "INSERT OR REPLACE INTO sqs_dedup(account, region, queue, dedup_id, message_id, seq,"
                              " expires_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, queue);
    sqlite3_bind_text(st, 4, dedup_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, message_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, seq);
    sqlite3_bind_int64(st, 7, expires_ms);
    return store_step_done(st, "sqs_dedup_put");
}
