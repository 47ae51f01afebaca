/*
 * storage/store_ddb.h over the ddb_* tables. Keys are BLOBs compared with
 * memcmp by SQLite, which is DynamoDB's order given engine/ddb/ddb_key.c's
 * encoding. Range bounds are normalised by the caller to [lo, hi).
 */
#include "storage/store_ddb.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Shards and their records. ddb_records is a rowid table keyed by
 * position: the shard's number (ddb_shards.num, never reused) shifted
 * left by SEQ_BITS, or'd with the record's sequence number. A shard's
 * records are one run of keys in seq order, and a write appends at the
 * end of its shard's run (for the newest shard, at the end of the table,
 * where SQLite splits off a new page without rebalancing). Limits: 2^40
 * sequence numbers per stream (a year of writes at 30,000/s, then writes
 * to it fail) and 2^23 shards (one per partition every 4 hours of clock,
 * and per stream enabled).
 */
#define SEQ_BITS 40
#define SEQ_BITS_SQL "40"   /* SEQ_BITS, for SQL text */
#define SEQ_SPAN ((int64_t)1 << SEQ_BITS)             /* positions per shard */
#define SHARD_NUM_MAX ((int64_t)1 << (63 - SEQ_BITS))

/* WHERE terms: record R lies in shard S's run. */
#define IN_RUN(r, s) \
    r ".pos >= (" s ".num << " SEQ_BITS_SQL ") AND " r ".pos < ((" s ".num + 1) << " SEQ_BITS_SQL ")"

static void bind_key(sqlite3_stmt *st, int i, struct store_key k) {
    /* A zero-length key still binds as an empty BLOB, never NULL. */
    sqlite3_bind_blob(st, i, k.p ? k.p : "", (int)k.n, SQLITE_TRANSIENT);
}

static struct store_key col_key(sqlite3_stmt *st, int i) {
    struct store_key k = {sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i)};
    return k;
}

/* ---- tables ---- */

void store_ddb_table_clear(struct store_ddb_table *t) {
    free(t->id);
    free(t->desc);
    free(t->tags);
    free(t->ttl);
    free(t->stream_arn);
    free(t->pitr);
    memset(t, 0, sizeof(*t));
}

int store_ddb_table_get(struct store_scope s, const char *name, struct store_ddb_table *out) {
    static const char sql[] =
        "SELECT id, description, tags, ttl, stream_arn, partitions, created_ms, pitr FROM ddb_tables"
        " WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    memset(out, 0, sizeof(*out));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->id = store_col_dup(st, 0);
        out->desc = store_col_dup(st, 1);
        out->tags = store_col_dup(st, 2);
        out->ttl = store_col_dup(st, 3);
        out->stream_arn = store_col_dup(st, 4);
        out->partitions = sqlite3_column_int(st, 5);
        out->created_ms = sqlite3_column_int64(st, 6);
        out->pitr = store_col_dup(st, 7);
    }
    return store_row_done(st, rc, "ddb_table_get");
}

int store_ddb_table_put(struct store_scope s, const char *name, const struct store_ddb_table *t,
                        int insert) {
    static const char ins[] =
        "INSERT INTO ddb_tables(account, region, name, id, description, tags, ttl, stream_arn,"
        " partitions, created_ms, pitr) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    static const char upd[] =
        "UPDATE ddb_tables SET id=?4, description=?5, tags=?6, ttl=?7, stream_arn=?8,"
        " partitions=?9, created_ms=?10, pitr=?11 WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(insert ? ins : upd);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, t->id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, t->desc, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, t->tags ? t->tags : "[]", -1, SQLITE_TRANSIENT);
    if (t->ttl) sqlite3_bind_text(st, 7, t->ttl, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, 7);
    if (t->stream_arn) sqlite3_bind_text(st, 8, t->stream_arn, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, 8);
    sqlite3_bind_int(st, 9, t->partitions > 0 ? t->partitions : 1);
    sqlite3_bind_int64(st, 10, t->created_ms);
    if (t->pitr) sqlite3_bind_text(st, 11, t->pitr, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, 11);
    return insert ? store_step_done(st, "ddb_table_insert") : store_step_change(st, "ddb_table_update");
}

int store_ddb_table_delete(struct store_scope s, const char *name, const char *table_id) {
    static const char del_items[] = "DELETE FROM ddb_items WHERE table_id=?1";
    static const char del_index[] = "DELETE FROM ddb_index_items WHERE table_id=?1";
    static const char del_table[] =
        "DELETE FROM ddb_tables WHERE account=?1 AND region=?2 AND name=?3";
    const char *const by_id[] = {del_items, del_index};
    for (int i = 0; i < 2; i++) {
        sqlite3_stmt *st = store_stmt(by_id[i]);
        if (st == NULL) return STORE_ERR;
        sqlite3_bind_text(st, 1, table_id, -1, SQLITE_TRANSIENT);
        int rc = store_step_done(st, "ddb_table_delete");
        if (rc != STORE_OK) return rc;
    }
    sqlite3_stmt *st = store_stmt(del_table);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    return store_step_change(st, "ddb_table_delete");
}

int store_ddb_table_list(struct store_scope s, const char *after, int limit, store_row_cb cb,
                         void *ctx) {
    static const char sql[] =
        "SELECT name, description FROM ddb_tables WHERE account=?1 AND region=?2 AND name>?3"
        " ORDER BY name LIMIT ?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, after ? after : "");
    sqlite3_bind_int(st, 4, limit);
    return store_rows_each(st, cb, ctx, "ddb_table_list");
}

int store_ddb_table_by_id(const char *id, char *account, char *region, char *name) {
    static const char sql[] = "SELECT account, region, name FROM ddb_tables WHERE id=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_col_copy(st, 0, account, 13);
        store_col_copy(st, 1, region, 32);
        store_col_copy(st, 2, name, 256);
    }
    return store_row_done(st, rc, "ddb_table_by_id");
}

int store_ddb_table_usage(const char *table_id, int64_t *count, int64_t *bytes) {
    static const char sql[] =
        "SELECT count(*), coalesce(sum(size), 0) FROM ddb_items WHERE table_id=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, table_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(st, 0);
        *bytes = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : store_rc(rc, "ddb_table_usage");
}

/* ---- items ---- */

int store_ddb_item_get(const char *table_id, struct store_key hk, struct store_key rk, char **item) {
    static const char sql[] =
        "SELECT item FROM ddb_items WHERE table_id=?1 AND hk=?2 AND rk=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, table_id, -1, SQLITE_TRANSIENT);
    bind_key(st, 2, hk);
    bind_key(st, 3, rk);
    int rc = sqlite3_step(st);
    *item = rc == SQLITE_ROW ? store_col_dup(st, 0) : NULL;
    return store_row_done(st, rc, "ddb_item_get");
}

int store_ddb_item_put(const char *table_id, struct store_key hk, struct store_key rk,
                       const char *item, size_t size, int64_t expires) {
    static const char sql[] =
        "INSERT OR REPLACE INTO ddb_items(table_id, hk, rk, item, size, expires)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, table_id, -1, SQLITE_TRANSIENT);
    bind_key(st, 2, hk);
    bind_key(st, 3, rk);
    sqlite3_bind_text(st, 4, item, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)size);
    if (expires >= 0) sqlite3_bind_int64(st, 6, expires);
    else sqlite3_bind_null(st, 6);
    return store_step_done(st, "ddb_item_put");
}

int store_ddb_item_delete(const char *table_id, struct store_key hk, struct store_key rk) {
    static const char sql[] = "DELETE FROM ddb_items WHERE table_id=?1 AND hk=?2 AND rk=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, table_id, -1, SQLITE_TRANSIENT);
    bind_key(st, 2, hk);
    bind_key(st, 3, rk);
    return store_step_change(st, "ddb_item_delete");
}

int store_ddb_item_set_expiry(const char *table_id, struct store_key hk, struct store_key rk,
                              int64_t expires) {
    static const char sql[] = "UPDATE ddb_items SET expires=?4 WHERE table_id=?1 AND hk=?2 AND rk=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, table_id, -1, SQLITE_TRANSIENT);
    bind_key(st, 2, hk);
    bind_key(st, 3, rk);
    if (expires >= 0) sqlite3_bind_int64(st, 4, expires);
    else sqlite3_bind_null(st, 4);
    return store_step_done(st, "ddb_item_set_expiry");
}

int store_ddb_token_get(struct store_scope s, const char *token, char **hash, int64_t *created_ms) {
    static const char sql[] =
        "SELECT request_hash, created_ms FROM ddb_transactions WHERE account=?1 AND region=?2"
        " AND token=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, token);
    int rc = sqlite3_step(st);
    *hash = rc == SQLITE_ROW ? store_col_dup(st, 0) : NULL;
    *created_ms = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    return store_row_done(st, rc, "token_get");
}

int store_ddb_token_put(struct store_scope s, const char *token, const char *hash, int64_t created_ms) {
    static const char sql[] =
        "INSERT OR REPLACE INTO ddb_transactions(account, region, token, request_hash, created_ms)"
        " VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, token);
    sqlite3_bind_text(st, 4, hash, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, created_ms);
    return store_step_done(st, "token_put");
}

int store_ddb_index_put(const char *table_id, const char *index, struct store_key ihk,
                        struct store_key irk, struct store_key hk, struct store_key rk) {
    static const char sql[] =
        "INSERT OR REPLACE INTO ddb_index_items(table_id, idx, ihk, irk, hk, rk)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, table_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, index, -1, SQLITE_TRANSIENT);
    bind_key(st, 3, ihk);
    bind_key(st, 4, irk);
    bind_key(st, 5, hk);
    bind_key(st, 6, rk);
    return store_step_done(st, "ddb_index_put");
}

int store_ddb_index_set(const char *table_id, struct store_key hk, struct store_key rk, int n,
                        const char *const *index, const struct store_key *ihk,
                        const struct store_key *irk) {
    static const char del[] = "DELETE FROM ddb_index_items WHERE table_id=?1 AND hk=?2 AND rk=?3";
    sqlite3_stmt *st = store_stmt(del);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, table_id, -1, SQLITE_TRANSIENT);
    bind_key(st, 2, hk);
    bind_key(st, 3, rk);
    int rc = store_step_done(st, "ddb_index_clear");
    for (int i = 0; i < n && rc == STORE_OK; i++) rc = store_ddb_index_put(table_id, index[i], ihk[i], irk[i], hk, rk);
    return rc;
}

int store_ddb_index_drop(const char *table_id, const char *index) {
    static const char sql[] = "DELETE FROM ddb_index_items WHERE table_id=?1 AND idx=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, table_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, index, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "ddb_index_drop");
}

/* The reads: table or index, one partition (Query) or all (Scan), with or
 * without an upper bound, forwards or backwards, from the start or after
 * a position (ExclusiveStartKey). Each combination is a static statement
 * so SQLite plans every one on its own index range. The position is a
 * plain range condition, not "(?10 = 0 OR (hk, rk) > ...)": that OR hid
 * it from the planner, which then walked the whole table (or partition)
 * up to the position on every page, so page N cost N pages (issue 17). */
enum { R_INDEX = 1, R_HI = 2, R_DESC = 4, R_START = 8 };

/* A position is a second bound on the same column as the range's own
 * (forwards: the low bound; backwards: the high one), and SQLite seeks on
 * one of them and filters by the other, which costs a page N pages again.
 * So only the tighter is written: forwards after a position, the low bound
 * is left out (store_ddb_read uses the statement without the position when
 * the low bound is the tighter); backwards, the high bound is. */
#define Q_TABLE(lo, hi, start, order)                                               \
    "SELECT hk, rk, x'', x'', item FROM ddb_items WHERE table_id=?1 AND hk=?2" lo hi \
    start " ORDER BY rk" order " LIMIT ?11"
#define Q_INDEX(lo, hi, start, order)                                                    \
    "SELECT i.hk, i.rk, i.ihk, i.irk, t.item FROM ddb_index_items i JOIN ddb_items t"    \
    " ON t.table_id=i.table_id AND t.hk=i.hk AND t.rk=i.rk"                              \
    " WHERE i.table_id=?1 AND i.idx=?5 AND i.ihk=?2" lo hi start                         \
    " ORDER BY i.irk" order ", i.hk" order ", i.rk" order " LIMIT ?11"
#define LO_T " AND rk>=?3"
#define LO_I " AND i.irk>=?3"
#define HI_T " AND rk<?4"
#define HI_I " AND i.irk<?4"
#define AFTER_T " AND rk>?9"
#define BEFORE_T " AND rk<?9"
#define AFTER_I " AND (i.irk, i.hk, i.rk) > (?8, ?6, ?7)"
#define BEFORE_I " AND (i.irk, i.hk, i.rk) < (?8, ?6, ?7)"

static const char *const query_sql[16] = {
    Q_TABLE(LO_T, "", "", ""),         Q_INDEX(LO_I, "", "", ""),
    Q_TABLE(LO_T, HI_T, "", ""),       Q_INDEX(LO_I, HI_I, "", ""),
    Q_TABLE(LO_T, "", "", " DESC"),    Q_INDEX(LO_I, "", "", " DESC"),
    Q_TABLE(LO_T, HI_T, "", " DESC"),  Q_INDEX(LO_I, HI_I, "", " DESC"),
    Q_TABLE("", "", AFTER_T, ""),      Q_INDEX("", "", AFTER_I, ""),
    Q_TABLE("", HI_T, AFTER_T, ""),    Q_INDEX("", HI_I, AFTER_I, ""),
    Q_TABLE(LO_T, "", BEFORE_T, " DESC"), Q_INDEX(LO_I, "", BEFORE_I, " DESC"),
    /* Backwards after a position with a high bound: never picked (the
     * tighter of the two is kept); the same statements as without it. */
    Q_TABLE(LO_T, "", BEFORE_T, " DESC"), Q_INDEX(LO_I, "", BEFORE_I, " DESC"),
};

/* Compares keys as SQLite compares BLOBs: bytes, then length. */
static int key_cmp(struct store_key a, struct store_key b) {
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.p, b.p, n) : 0;
    if (c != 0) return c;
    return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

/* Scans: [0] from the start, [1] after a position; table and index. */
static const char *const scan_table_sql[2] = {
    "SELECT hk, rk, x'', x'', item FROM ddb_items WHERE table_id=?1 ORDER BY hk, rk LIMIT ?11",
    "SELECT hk, rk, x'', x'', item FROM ddb_items WHERE table_id=?1"
    " AND (hk, rk) > (?6, ?7) ORDER BY hk, rk LIMIT ?11",
};
static const char *const scan_index_sql[2] = {
    "SELECT i.hk, i.rk, i.ihk, i.irk, t.item FROM ddb_index_items i JOIN ddb_items t"
    " ON t.table_id=i.table_id AND t.hk=i.hk AND t.rk=i.rk"
    " WHERE i.table_id=?1 AND i.idx=?5 ORDER BY i.ihk, i.irk, i.hk, i.rk LIMIT ?11",
    "SELECT i.hk, i.rk, i.ihk, i.irk, t.item FROM ddb_index_items i JOIN ddb_items t"
    " ON t.table_id=i.table_id AND t.hk=i.hk AND t.rk=i.rk"
    " WHERE i.table_id=?1 AND i.idx=?5"
    " AND (i.ihk, i.irk, i.hk, i.rk) > (?12, ?8, ?6, ?7)"
    " ORDER BY i.ihk, i.irk, i.hk, i.rk LIMIT ?11",
};

int store_ddb_read(const struct store_ddb_range *r, store_ddb_row_cb cb, void *ctx) {
    const char *sql;
    int start = r->has_start != 0, hi = r->hi.p != NULL;
    if (r->hk.p == NULL) {
        sql = r->index ? scan_index_sql[start] : scan_table_sql[start];
    } else {
        /* The position's range-key part, against the bound it competes with. */
        struct store_key pos = r->index ? r->start_irk : r->start_rk;
        struct store_key none = {"", 0};
        if (start && !r->desc && key_cmp(pos, r->lo.p ? r->lo : none) < 0) start = 0;
        if (start && r->desc && hi) {
            if (key_cmp(pos, r->hi) < 0) hi = 0;
            else start = 0;
        }
        int k = (r->index ? R_INDEX : 0) | (hi ? R_HI : 0) | (r->desc ? R_DESC : 0) |
                (start ? R_START : 0);
        sql = query_sql[k];
    }
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, r->table_id, -1, SQLITE_TRANSIENT);
    if (r->hk.p) bind_key(st, 2, r->hk);
    struct store_key empty = {"", 0};
    bind_key(st, 3, r->lo.p ? r->lo : empty);
    if (r->hi.p) bind_key(st, 4, r->hi);
    if (r->index) sqlite3_bind_text(st, 5, r->index, -1, SQLITE_TRANSIENT);
    bind_key(st, 6, r->start_hk);
    bind_key(st, 7, r->start_rk);
    bind_key(st, 8, r->start_irk);
    /* For a base-table Query the start position is the range key alone. */
    bind_key(st, 9, r->start_rk);
    sqlite3_bind_int(st, 11, r->limit > 0 ? r->limit : -1);
    bind_key(st, 12, r->start_ihk);
    int rc;
    /* The counter is kept per cached statement: start it at zero. */
    if (r->steps) sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 1);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_ddb_row row = {col_key(st, 0), col_key(st, 1), col_key(st, 2), col_key(st, 3),
                                    (const char *)sqlite3_column_text(st, 4)};
        if (cb(ctx, &row)) break;
    }
    if (r->steps) *r->steps = sqlite3_stmt_status(st, SQLITE_STMTSTATUS_VM_STEP, 0);
    return store_rows_done(st, rc, "ddb_read");
}

int store_ddb_expired(int64_t now_s, int limit,
                      int (*cb)(void *ctx, const char *table_id, const struct store_ddb_row *row),
                      void *ctx) {
    static const char sql[] =
        "SELECT hk, rk, table_id, item FROM ddb_items WHERE expires IS NOT NULL AND expires<=?1"
        " LIMIT ?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, now_s);
    sqlite3_bind_int(st, 2, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_ddb_row row;
        memset(&row, 0, sizeof(row));
        row.hk = col_key(st, 0);
        row.rk = col_key(st, 1);
        row.item = (const char *)sqlite3_column_text(st, 3);
        if (cb(ctx, (const char *)sqlite3_column_text(st, 2), &row)) break;
    }
    return store_rows_done(st, rc, "ddb_expired");
}

/* ---- streams ---- */

void store_stream_clear(struct store_stream *s) {
    free(s->key_schema);
    memset(s, 0, sizeof(*s));
}

static void read_stream(sqlite3_stmt *st, struct store_stream *out) {
    memset(out, 0, sizeof(*out));
    store_col_copy(st, 0, out->arn, sizeof(out->arn));
    store_col_copy(st, 1, out->account, sizeof(out->account));
    store_col_copy(st, 2, out->region, sizeof(out->region));
    store_col_copy(st, 3, out->table_name, sizeof(out->table_name));
    store_col_copy(st, 4, out->table_id, sizeof(out->table_id));
    store_col_copy(st, 5, out->label, sizeof(out->label));
    store_col_copy(st, 6, out->view_type, sizeof(out->view_type));
    out->key_schema = store_col_dup(st, 7);
    out->enabled = sqlite3_column_int(st, 8);
    out->created_ms = sqlite3_column_int64(st, 9);
    out->disabled_ms = sqlite3_column_int64(st, 10);
    out->partitions = sqlite3_column_int(st, 11);
    out->next_seq = sqlite3_column_int64(st, 12);
    out->trim_seq = sqlite3_column_int64(st, 13);
}

/*
 * Stream sequence counters. Each stream's next sequence number lives in
 * memory once a write has used it, so a write does not rewrite the
 * stream's row (one more page in the WAL per PutItem). The row's
 * next_seq is then only a lower bound, raised whenever the row is
 * written; the durable truth is the records and shard ranges, and after
 * a restart the counter resumes past all of them (seq_recover). Numbers
 * taken by a write that rolls back are skipped, as gaps: AWS's sequence
 * numbers are only increasing, never dense.
 */
struct seq_slot {
    char *arn;
    int64_t next;
};

/* Sorted by ARN; one slot per stream written since start (or reset).
 * Takes happen under the write lock; the mutex is for readers. */
static struct seq_slot *seq_slots;
static int seq_n, seq_cap;
static pthread_mutex_t seq_mu = PTHREAD_MUTEX_INITIALIZER;

/* Index of ARN, or -(insertion point) - 1. Holds seq_mu. */
static int seq_find(const char *arn) {
    int lo = 0, hi = seq_n;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(seq_slots[mid].arn, arn);
        if (c == 0) return mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -lo - 1;
}

/* Sets ARN's counter to at least NEXT, adding the slot when CREATE. */
static void seq_raise(const char *arn, int64_t next, int create) {
    pthread_mutex_lock(&seq_mu);
    int i = seq_find(arn);
    if (i >= 0) {
        if (seq_slots[i].next < next) seq_slots[i].next = next;
    } else if (create) {
        i = -i - 1;
        if (seq_n == seq_cap) {
            seq_cap = seq_cap ? seq_cap * 2 : 16;
            seq_slots = xrealloc(seq_slots, (size_t)seq_cap * sizeof(*seq_slots));
        }
        memmove(&seq_slots[i + 1], &seq_slots[i], (size_t)(seq_n - i) * sizeof(*seq_slots));
        seq_slots[i].arn = xstrdup(arn);
        seq_slots[i].next = next;
        seq_n++;
    }
    pthread_mutex_unlock(&seq_mu);
}

/* ARN's counter, or -1 when no write has used it since start. */
static int64_t seq_cached(const char *arn) {
    pthread_mutex_lock(&seq_mu);
    int i = seq_find(arn);
    int64_t v = i >= 0 ? seq_slots[i].next : -1;
    pthread_mutex_unlock(&seq_mu);
    return v;
}

void store_ddb_forget(void) {
    pthread_mutex_lock(&seq_mu);
    for (int i = 0; i < seq_n; i++) free(seq_slots[i].arn);
    free(seq_slots);
    seq_slots = NULL;
    seq_n = seq_cap = 0;
    pthread_mutex_unlock(&seq_mu);
}

/* The first sequence number past everything durable for ARN: the row's
 * lower bound, the last record of every shard, every shard's start and
 * end. Every write's record is in a shard until trimmed, a rollover
 * starts the new shard at the counter, and a shard is pruned only once
 * its records are trimmed, so nothing once used is at or above this. */
static int seq_recover(const char *arn, int64_t row_next, int64_t *out) {
    static const char sql[] =
        "SELECT max(start_seq), max(coalesce(end_seq, 0) + 1),"
        " max((SELECT max(r.pos) + 1 - (s.num << " SEQ_BITS_SQL ") FROM ddb_records r WHERE " IN_RUN("r", "s") "))"
        " FROM ddb_shards s WHERE arn=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    int64_t next = row_next > 1 ? row_next : 1;
    if (rc == SQLITE_ROW)
        for (int i = 0; i < 3; i++)
            if (sqlite3_column_type(st, i) != SQLITE_NULL && sqlite3_column_int64(st, i) > next)
                next = sqlite3_column_int64(st, i);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW) return store_rc(rc, "seq_recover");
    *out = next;
    return STORE_OK;
}

int store_stream_take_seq(const char *arn, int64_t *seq) {
    pthread_mutex_lock(&seq_mu);
    int i = seq_find(arn);
    if (i >= 0) *seq = seq_slots[i].next++;
    pthread_mutex_unlock(&seq_mu);
    if (i >= 0) return STORE_OK;
    int64_t next;
    int rc = store_stream_next_seq(arn, &next);   /* recovers it */
    if (rc != STORE_OK) return rc;
    seq_raise(arn, next, 1);
    return store_stream_take_seq(arn, seq);
}

int store_stream_next_seq(const char *arn, int64_t *next) {
    int64_t cached = seq_cached(arn);
    if (cached >= 0) {
        *next = cached;
        return STORE_OK;
    }
    static const char sql[] = "SELECT next_seq FROM ddb_streams WHERE arn=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    int64_t row_next = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    if ((rc = store_row_done(st, rc, "stream_next_seq")) != STORE_OK) return rc;
    return seq_recover(arn, row_next, next);
}

int store_stream_get(const char *arn, struct store_stream *out) {
    static const char sql[] =
        "SELECT arn, account, region, table_name, table_id, label, view_type, key_schema,"
        " enabled, created_ms, disabled_ms, partitions, next_seq, trim_seq FROM ddb_streams"
        " WHERE arn=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_stream(st, out);
    else memset(out, 0, sizeof(*out));
    return store_row_done(st, rc, "stream_get");
}

int store_stream_put(const struct store_stream *s, int insert) {
    static const char ins[] =
        "INSERT INTO ddb_streams(arn, account, region, table_name, table_id, label, view_type,"
        " key_schema, enabled, created_ms, disabled_ms, partitions, next_seq)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    static const char upd[] =
        "UPDATE ddb_streams SET enabled=?9, disabled_ms=?11, next_seq=max(next_seq, ?13)"
        " WHERE arn=?1";
    sqlite3_stmt *st = store_stmt(insert ? ins : upd);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, s->arn, -1, SQLITE_TRANSIENT);
    if (insert) {
        sqlite3_bind_text(st, 2, s->account, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, s->region, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, s->table_name, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 5, s->table_id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 6, s->label, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 7, s->view_type, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 8, s->key_schema ? s->key_schema : "[]", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 10, s->created_ms);
        sqlite3_bind_int(st, 12, s->partitions);
    }
    sqlite3_bind_int(st, 9, s->enabled);
    if (s->disabled_ms) sqlite3_bind_int64(st, 11, s->disabled_ms);
    else sqlite3_bind_null(st, 11);
    int64_t cached = seq_cached(s->arn);
    sqlite3_bind_int64(st, 13, cached > s->next_seq ? cached : s->next_seq);
    int rc = insert ? store_step_done(st, "stream_insert") : store_step_change(st, "stream_update");
    /* A new stream has nothing durable yet: its counter starts here. */
    if (rc == STORE_OK && insert) seq_raise(s->arn, s->next_seq, 1);
    return rc;
}

int store_stream_list(struct store_scope s, const char *table, const char *after, int limit,
                      store_row_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT arn, table_name FROM ddb_streams WHERE account=?1 AND region=?2"
        " AND (?3 IS NULL OR table_name=?3) AND arn>?4 ORDER BY arn LIMIT ?5";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, table);
    sqlite3_bind_text(st, 4, after ? after : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, limit);
    return store_rows_each(st, cb, ctx, "stream_list");
}

int store_stream_all(store_row_cb cb, void *ctx) {
    static const char sql[] = "SELECT arn, table_name FROM ddb_streams ORDER BY arn";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    return store_rows_each(st, cb, ctx, "stream_all");
}

/* ---- shards and records (positions: see the top of the file) ---- */

#define SHARD_COLS "shard_id, parent_id, partition, created_ms, start_seq, end_seq, trim_seq, num"

static void read_shard(sqlite3_stmt *st, struct store_shard *out) {
    memset(out, 0, sizeof(*out));
    store_col_copy(st, 0, out->shard_id, sizeof(out->shard_id));
    store_col_copy(st, 1, out->parent_id, sizeof(out->parent_id));
    out->partition = sqlite3_column_int(st, 2);
    out->created_ms = sqlite3_column_int64(st, 3);
    out->start_seq = sqlite3_column_int64(st, 4);
    out->end_seq = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
    out->trim_seq = sqlite3_column_int64(st, 6);
    out->num = sqlite3_column_int64(st, 7);
}

int store_shard_insert(const char *arn, const struct store_shard *sh) {
    static const char sql[] =
        "INSERT INTO ddb_shards(arn, shard_id, parent_id, partition, created_ms, start_seq, end_seq)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, NULL)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, sh->shard_id, -1, SQLITE_TRANSIENT);
    if (sh->parent_id[0]) sqlite3_bind_text(st, 3, sh->parent_id, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, 3);
    sqlite3_bind_int(st, 4, sh->partition);
    sqlite3_bind_int64(st, 5, sh->created_ms);
    sqlite3_bind_int64(st, 6, sh->start_seq);
    return store_step_done(st, "shard_insert");
}

int store_shard_close(const char *arn, const char *shard_id, int64_t end_seq) {
    static const char sql[] = "UPDATE ddb_shards SET end_seq=?3 WHERE arn=?1 AND shard_id=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, end_seq);
    return store_step_change(st, "shard_close");
}

static int one_shard(sqlite3_stmt *st, struct store_shard *out, const char *ctx) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_shard(st, out);
    return store_row_done(st, rc, ctx);
}

int store_shard_open(const char *arn, int partition, struct store_shard *out) {
    static const char sql[] =
        "SELECT " SHARD_COLS " FROM ddb_shards"
        " WHERE arn=?1 AND partition=?2 AND end_seq IS NULL ORDER BY created_ms DESC LIMIT 1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, partition);
    return one_shard(st, out, "shard_open");
}

int store_shard_get(const char *arn, const char *shard_id, struct store_shard *out) {
    static const char sql[] = "SELECT " SHARD_COLS " FROM ddb_shards WHERE arn=?1 AND shard_id=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_TRANSIENT);
    return one_shard(st, out, "shard_get");
}

int store_shard_list(const char *arn, struct store_shard *out, int max, int *n) {
    static const char sql[] =
        "SELECT " SHARD_COLS " FROM ddb_shards WHERE arn=?1 ORDER BY start_seq, shard_id";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) read_shard(st, &out[(*n)++]);
    return store_rows_done(st, rc, "shard_list");
}

int store_shard_prune(const char *arn, int64_t older_ms) {
    /* A closed shard created before the retention window whose records
     * are all trimmed, or that never had any, is gone for good. */
    static const char sql[] =
        "DELETE FROM ddb_shards WHERE arn=?1 AND end_seq IS NOT NULL AND created_ms<?2"
        " AND (end_seq <= (SELECT trim_seq FROM ddb_streams s WHERE s.arn=?1)"
        "      OR NOT EXISTS (SELECT 1 FROM ddb_records r WHERE " IN_RUN("r", "ddb_shards") "))";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, older_ms);
    return store_step_done(st, "shard_prune");
}

/* The first position of shard NUM's run. */
static int64_t run_start(int64_t num) { return num << SEQ_BITS; }

/* Shard SHARD_ID of ARN's run of positions, [*LO, *HI). */
static int shard_run(const char *arn, const char *shard_id, int64_t *lo, int64_t *hi) {
    static const char sql[] = "SELECT num FROM ddb_shards WHERE arn=?1 AND shard_id=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *lo = run_start(sqlite3_column_int64(st, 0));
        *hi = *lo + SEQ_SPAN;
    }
    return store_row_done(st, rc, "shard_run");
}

/* The first (DESC: last) position in [LO, HI), or -1 when none. */
static int run_edge(int64_t lo, int64_t hi, int desc, int64_t *pos) {
    static const char first_sql[] = "SELECT pos FROM ddb_records WHERE pos>=?1 AND pos<?2 ORDER BY pos LIMIT 1";
    static const char last_sql[] =
        "SELECT pos FROM ddb_records WHERE pos>=?1 AND pos<?2 ORDER BY pos DESC LIMIT 1";
    sqlite3_stmt *st = store_stmt(desc ? last_sql : first_sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, lo);
    sqlite3_bind_int64(st, 2, hi);
    int rc = sqlite3_step(st);
    *pos = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    rc = store_row_done(st, rc, "record_edge");
    return rc == STORE_NOTFOUND ? STORE_OK : rc;
}

int store_record_append(const struct store_shard *sh, int64_t seq, int64_t created_ms, size_t size,
                        const char *record) {
    static const char sql[] = "INSERT INTO ddb_records(pos, created_ms, size, record) VALUES(?1, ?2, ?3, ?4)";
    if (seq <= 0 || seq >= SEQ_SPAN || sh->num <= 0 || sh->num >= SHARD_NUM_MAX) {
        fprintf(stderr, "sluice: stream position out of range (shard %lld, seq %lld)\n",
                (long long)sh->num, (long long)seq);
        return STORE_ERR;
    }
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, run_start(sh->num) | seq);
    sqlite3_bind_int64(st, 2, created_ms);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)size);
    sqlite3_bind_text(st, 4, record, -1, SQLITE_STATIC);
    return store_step_done(st, "record_append");
}

int store_record_read(const char *arn, const char *shard_id, int64_t from, int limit,
                      size_t max_bytes, int (*cb)(void *ctx, int64_t seq, int64_t created_ms,
                                                  const char *record),
                      void *ctx) {
    static const char sql[] =
        "SELECT pos, created_ms, record, size FROM ddb_records WHERE pos>=?1 AND pos<?2"
        " ORDER BY pos LIMIT ?3";
    int64_t lo = 0, hi = 0;
    int rc = shard_run(arn, shard_id, &lo, &hi);
    if (rc != STORE_OK) return rc == STORE_NOTFOUND ? STORE_OK : rc;   /* pruned: no records */
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    if (from < 0) from = 0;
    if (from > hi - lo) from = hi - lo;
    sqlite3_bind_int64(st, 1, lo + from);
    sqlite3_bind_int64(st, 2, hi);
    sqlite3_bind_int(st, 3, limit);
    size_t bytes = 0;
    int rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t sz = (size_t)sqlite3_column_int64(st, 3);
        if (rows > 0 && bytes + sz > max_bytes) break;
        bytes += sz;
        rows++;
        if (cb(ctx, sqlite3_column_int64(st, 0) - lo, sqlite3_column_int64(st, 1),
               (const char *)sqlite3_column_text(st, 2)))
            break;
    }
    return store_rows_done(st, rc, "record_read");
}

int store_record_seqs(const char *arn, int (*cb)(void *ctx, const char *shard_id, int64_t seq), void *ctx) {
    static const char sql[] =
        "SELECT s.shard_id, r.pos - (s.num << " SEQ_BITS_SQL ") FROM ddb_shards s, ddb_records r"
        " WHERE s.arn=?1 AND " IN_RUN("r", "s") " ORDER BY s.shard_id, r.pos";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, arn, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1))) break;
    return store_rows_done(st, rc, "record_seqs");
}

int store_record_bounds(const char *arn, const char *shard_id, int64_t *lo, int64_t *hi) {
    int64_t start = 0, end = 0, first = -1, last = -1;
    *lo = *hi = -1;
    int rc = shard_run(arn, shard_id, &start, &end);
    if (rc != STORE_OK) return rc == STORE_NOTFOUND ? STORE_OK : rc;
    if ((rc = run_edge(start, end, 0, &first)) != STORE_OK || first < 0) return rc;
    if ((rc = run_edge(start, end, 1, &last)) != STORE_OK) return rc;
    *lo = first - start;
    *hi = last - start;
    return STORE_OK;
}

int store_record_trim(int64_t older_ms, int64_t *n) {
    static const char shards_sql[] = "SELECT arn, num FROM ddb_shards";
    /* The first record young enough to keep: everything before it in the
     * shard is older (seq order is creation order within a stream). */
    static const char keep_sql[] =
        "SELECT pos FROM ddb_records WHERE pos>=?1 AND pos<?2 AND created_ms>=?3 ORDER BY pos LIMIT 1";
    static const char del_sql[] = "DELETE FROM ddb_records WHERE pos>=?1 AND pos<?2";
    static const char mark_sql[] =
        "UPDATE ddb_streams SET trim_seq=max(trim_seq, ?2) WHERE arn=?1";
    static const char mark_shard_sql[] =
        "UPDATE ddb_shards SET trim_seq=max(trim_seq, ?2) WHERE num=?1";
    *n = 0;
    /* Collect the shards first: the loop below writes to tables the
     * shard query would otherwise be reading. */
    struct pair {
        char arn[512];
        int64_t num;
    } *list = NULL;
    size_t count = 0, cap = 0;
    sqlite3_stmt *st = store_stmt(shards_sql);
    if (st == NULL) return STORE_ERR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            cap = cap ? cap * 2 : 32;
            list = xrealloc(list, cap * sizeof(*list));
        }
        store_col_copy(st, 0, list[count].arn, sizeof(list[count].arn));
        list[count].num = sqlite3_column_int64(st, 1);
        count++;
    }
    sqlite3_reset(st);
    int out = rc == SQLITE_DONE ? STORE_OK : store_rc(rc, "record_trim_shards");
    for (size_t i = 0; i < count && out == STORE_OK; i++) {
        int64_t start = run_start(list[i].num), end = start + SEQ_SPAN;
        int64_t keep = end, last;
        st = store_stmt(keep_sql);
        if (st == NULL) {
            out = STORE_ERR;
            break;
        }
        sqlite3_bind_int64(st, 1, start);
        sqlite3_bind_int64(st, 2, end);
        sqlite3_bind_int64(st, 3, older_ms);
        rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) keep = sqlite3_column_int64(st, 0);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
            out = store_rc(rc, "record_trim_keep");
            break;
        }
        if ((out = run_edge(start, keep, 1, &last)) != STORE_OK) break;
        if (last < 0) continue;   /* nothing old */
        st = store_stmt(mark_sql);
        if (st == NULL) {
            out = STORE_ERR;
            break;
        }
        sqlite3_bind_text(st, 1, list[i].arn, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 2, last - start);
        out = store_step_done(st, "record_trim_mark");
        if (out != STORE_OK) break;
        st = store_stmt(mark_shard_sql);
        if (st == NULL) {
            out = STORE_ERR;
            break;
        }
        sqlite3_bind_int64(st, 1, list[i].num);
        sqlite3_bind_int64(st, 2, last - start);
        out = store_step_done(st, "record_trim_mark_shard");
        if (out != STORE_OK) break;
        st = store_stmt(del_sql);
        if (st == NULL) {
            out = STORE_ERR;
            break;
        }
        sqlite3_bind_int64(st, 1, start);
        sqlite3_bind_int64(st, 2, keep);
        out = store_step_done(st, "record_trim");
        if (out == STORE_OK) *n += sqlite3_changes(store_db());
    }
    free(list);
    return out;
}

int store_meta_get(const char *key, char **value) {
    static const char sql[] = "SELECT value FROM meta WHERE key=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    *value = rc == SQLITE_ROW ? store_col_dup(st, 0) : NULL;
    return store_row_done(st, rc, "meta_get");
}

int store_meta_set(const char *key, const char *value) {
    static const char sql[] =
        "INSERT INTO meta(key, value) VALUES(?1, ?2)"
        " ON CONFLICT(key) DO UPDATE SET value=excluded.value";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "meta_set");
}
