/*
 * storage/store_esm.h over the esm_* tables: mapping rows, the pollers'
 * positions, deliveries and failure records.
 */
#include "storage/store_esm.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- mappings ---- */

#define ESM_COLS                                                                                   \
    "uuid, account, region, function_name, qualifier, function_arn, source_arn, config, state,"    \
    " state_reason, last_result, enabled, last_modified_ms, created_ms, generation"

void store_esm_clear(struct store_esm *m) {
    free(m->function_arn);
    free(m->source_arn);
    free(m->config);
    memset(m, 0, sizeof(*m));
}

static void read_esm(sqlite3_stmt *st, struct store_esm *m) {
    memset(m, 0, sizeof(*m));
    store_col_copy(st, 0, m->uuid, sizeof(m->uuid));
    store_col_copy(st, 1, m->account, sizeof(m->account));
    store_col_copy(st, 2, m->region, sizeof(m->region));
    store_col_copy(st, 3, m->function_name, sizeof(m->function_name));
    store_col_copy(st, 4, m->qualifier, sizeof(m->qualifier));
    m->function_arn = store_col_dup(st, 5);
    m->source_arn = store_col_dup(st, 6);
    m->config = store_col_dup(st, 7);
    store_col_copy(st, 8, m->state, sizeof(m->state));
    store_col_copy(st, 9, m->state_reason, sizeof(m->state_reason));
    store_col_copy(st, 10, m->last_result, sizeof(m->last_result));
    m->enabled = sqlite3_column_int(st, 11);
    m->last_modified_ms = sqlite3_column_int64(st, 12);
    m->created_ms = sqlite3_column_int64(st, 13);
    m->generation = sqlite3_column_int64(st, 14);
}

int store_esm_get(const char *uuid, struct store_esm *out) {
    static const char sql[] = "SELECT " ESM_COLS " FROM esm_mappings WHERE uuid=?1";
    sqlite3_stmt *st = store_stmt(sql);
    memset(out, 0, sizeof(*out));
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_esm(st, out);
    return store_row_done(st, rc, "esm_get");
}

int store_esm_put(const struct store_esm *m, int insert) {
    static const char ins[] =
        "INSERT INTO esm_mappings(" ESM_COLS ")"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)";
    static const char upd[] =
        "UPDATE esm_mappings SET account=?2, region=?3, function_name=?4, qualifier=?5,"
        " function_arn=?6, source_arn=?7, config=?8, state=?9, state_reason=?10, last_result=?11,"
        " enabled=?12, last_modified_ms=?13, created_ms=?14, generation=?15 WHERE uuid=?1";
    sqlite3_stmt *st = store_stmt(insert ? ins : upd);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, m->uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, m->account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, m->region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, m->function_name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, m->qualifier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, m->function_arn ? m->function_arn : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, m->source_arn ? m->source_arn : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, m->config ? m->config : "{}", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, m->state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, m->state_reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, m->last_result, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 12, m->enabled);
    sqlite3_bind_int64(st, 13, m->last_modified_ms);
    sqlite3_bind_int64(st, 14, m->created_ms);
    sqlite3_bind_int64(st, 15, m->generation);
    return insert ? store_step_done(st, "esm_insert") : store_step_change(st, "esm_update");
}

int store_esm_delete(const char *uuid) {
    static const char del_pos[] = "DELETE FROM esm_positions WHERE uuid=?1";
    static const char del[] = "DELETE FROM esm_mappings WHERE uuid=?1";
    sqlite3_stmt *st = store_stmt(del_pos);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc = store_step_done(st, "esm_delete_pos");
    if (rc != STORE_OK) return rc;
    st = store_stmt(del);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "esm_delete");
}

int store_esm_tags_get(struct store_scope s, const char *uuid, char **out) {
    static const char sql[] = "SELECT tags FROM esm_mappings WHERE account=?1 AND region=?2 AND uuid=?3";
    *out = NULL;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, uuid);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = store_col_dup(st, 0);
    return store_row_done(st, rc, "esm_tags_get");
}

int store_esm_tags_set(const char *uuid, const char *tags) {
    static const char sql[] = "UPDATE esm_mappings SET tags=?2 WHERE uuid=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, tags, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "esm_tags_set");
}

static int each_esm(sqlite3_stmt *st, store_esm_cb cb, void *ctx, const char *what) {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_esm m;
        read_esm(st, &m);
        int stop = cb(ctx, &m);
        store_esm_clear(&m);
        if (stop) break;
    }
    return store_rows_done(st, rc, what);
}

int store_esm_list(struct store_scope s, const char *source_arn, const char *name, const char *after,
                   int limit, store_esm_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT " ESM_COLS " FROM esm_mappings WHERE account=?1 AND region=?2"
        " AND (?3 IS NULL OR source_arn=?3) AND (?4 IS NULL OR function_name=?4) AND uuid>?5"
        " ORDER BY uuid LIMIT ?6";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, source_arn);
    if (source_arn == NULL) sqlite3_bind_null(st, 3);
    if (name) sqlite3_bind_text(st, 4, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, after ? after : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 6, limit);
    return each_esm(st, cb, ctx, "esm_list");
}

int store_esm_all(store_esm_cb cb, void *ctx) {
    static const char sql[] = "SELECT " ESM_COLS " FROM esm_mappings ORDER BY uuid";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    return each_esm(st, cb, ctx, "esm_all");
}

int store_esm_set_state(const char *uuid, const char *state, const char *reason, int bump) {
    static const char sql[] =
        "UPDATE esm_mappings SET state=?2, state_reason=?3, generation=generation+?4 WHERE uuid=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, reason ? reason : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 4, bump ? 1 : 0);
    return store_step_change(st, "esm_set_state");
}

int store_esm_settle(const char *uuid, const char *from, const char *to) {
    static const char sql[] =
        "UPDATE esm_mappings SET state=?3, state_reason='User action' WHERE uuid=?1 AND state=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, from, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, to, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "esm_settle");
}

int store_esm_set_result(const char *uuid, const char *result) {
    static const char sql[] = "UPDATE esm_mappings SET last_result=?2 WHERE uuid=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, result, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "esm_set_result");
}

/* ---- positions ---- */

#define POS_COLS "shard_id, seq, started, done, batches, records, retries, throttles, last_result"

static void read_pos(sqlite3_stmt *st, struct store_esm_pos *p) {
    memset(p, 0, sizeof(*p));
    store_col_copy(st, 0, p->shard_id, sizeof(p->shard_id));
    p->seq = sqlite3_column_int64(st, 1);
    p->started = sqlite3_column_int(st, 2);
    p->done = sqlite3_column_int(st, 3);
    p->batches = sqlite3_column_int64(st, 4);
    p->records = sqlite3_column_int64(st, 5);
    p->retries = sqlite3_column_int64(st, 6);
    p->throttles = sqlite3_column_int64(st, 7);
    store_col_copy(st, 8, p->last_result, sizeof(p->last_result));
}

int store_esm_pos_get(const char *uuid, const char *shard_id, struct store_esm_pos *out) {
    static const char sql[] = "SELECT " POS_COLS " FROM esm_positions WHERE uuid=?1 AND shard_id=?2";
    sqlite3_stmt *st = store_stmt(sql);
    memset(out, 0, sizeof(*out));
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_pos(st, out);
    return store_row_done(st, rc, "esm_pos_get");
}

int store_esm_pos_put(const char *uuid, const char *stream_arn, const struct store_esm_pos *p) {
    static const char sql[] =
        "INSERT OR REPLACE INTO esm_positions(uuid, stream_arn, " POS_COLS ")"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, stream_arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, p->shard_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, p->seq);
    sqlite3_bind_int(st, 5, p->started);
    sqlite3_bind_int(st, 6, p->done);
    sqlite3_bind_int64(st, 7, p->batches);
    sqlite3_bind_int64(st, 8, p->records);
    sqlite3_bind_int64(st, 9, p->retries);
    sqlite3_bind_int64(st, 10, p->throttles);
    sqlite3_bind_text(st, 11, p->last_result, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "esm_pos_put");
}

int store_esm_pos_list(const char *uuid, struct store_esm_pos *out, int max, int *n) {
    static const char sql[] = "SELECT " POS_COLS " FROM esm_positions WHERE uuid=?1 ORDER BY shard_id";
    sqlite3_stmt *st = store_stmt(sql);
    *n = 0;
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) read_pos(st, &out[(*n)++]);
    return store_rows_done(st, rc, "esm_pos_list");
}

/* ---- deliveries and failures ---- */

int store_esm_delivered(const char *uuid, const char *stream_arn, const char *shard_id, int64_t seq) {
    static const char sql[] =
        "INSERT INTO esm_deliveries(stream_arn, shard_id, seq, uuid, times) VALUES(?1, ?2, ?3, ?4, 1)"
        " ON CONFLICT(stream_arn, shard_id, seq, uuid) DO UPDATE SET times=times+1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, stream_arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_text(st, 4, uuid, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "esm_delivered");
}

int store_esm_deliveries(const char *stream_arn, store_esm_delivery_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT shard_id, seq, uuid, times, interrupted FROM esm_deliveries WHERE stream_arn=?1"
        " ORDER BY shard_id, seq, uuid";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, stream_arn, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, (const char *)sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
               (const char *)sqlite3_column_text(st, 2), sqlite3_column_int64(st, 3),
               sqlite3_column_int64(st, 4)))
            break;
    return store_rows_done(st, rc, "esm_deliveries");
}

char *store_esm_seqs_text(const int64_t *seqs, int n) {
    struct util_buf b = {0};
    util_buf_add(&b, "");
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && seqs[j + 1] == seqs[j] + 1) j++;
        char part[48];
        if (j > i) snprintf(part, sizeof(part), "%s%lld-%lld", i ? "," : "", (long long)seqs[i], (long long)seqs[j]);
        else snprintf(part, sizeof(part), "%s%lld", i ? "," : "", (long long)seqs[i]);
        util_buf_add(&b, part);
        i = j + 1;
    }
    return b.z;
}

int store_esm_attempt_put(const char *uuid, const char *stream_arn, const char *shard_id, const char *seqs) {
    static const char sql[] =
        "INSERT OR REPLACE INTO esm_attempts(uuid, shard_id, stream_arn, seqs) VALUES(?1, ?2, ?3, ?4)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, stream_arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, seqs, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "esm_attempt_put");
}

int store_esm_attempt_clear(const char *uuid, const char *shard_id) {
    static const char sql[] = "DELETE FROM esm_attempts WHERE uuid=?1 AND shard_id=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "esm_attempt_clear");
}

/* Counts record SEQ of an interrupted attempt. */
static int interrupted_one(const char *uuid, const char *stream_arn, const char *shard_id, int64_t seq) {
    static const char sql[] =
        "INSERT INTO esm_deliveries(stream_arn, shard_id, seq, uuid, times, interrupted)"
        " VALUES(?1, ?2, ?3, ?4, 0, 1)"
        " ON CONFLICT(stream_arn, shard_id, seq, uuid) DO UPDATE SET interrupted=interrupted+1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, stream_arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, shard_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, seq);
    sqlite3_bind_text(st, 4, uuid, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "esm_interrupted");
}

/* Counts every record of the seqs text Z ("5-9,12") of one attempt. */
static int interrupted_all(const char *uuid, const char *stream_arn, const char *shard_id, const char *z,
                           int64_t *n) {
    int rc = STORE_OK;
    while (*z && rc == STORE_OK) {
        char *e;
        long long a = strtoll(z, &e, 10), b = a;
        if (*e == '-') b = strtoll(e + 1, &e, 10);
        for (long long q = a; q <= b && rc == STORE_OK; q++, (*n)++)
            rc = interrupted_one(uuid, stream_arn, shard_id, q);
        z = *e == ',' ? e + 1 : e;
        if (*e && *e != ',') break;   /* not text of store_esm_seqs_text */
    }
    return rc;
}

int store_esm_attempts_recover(int64_t *n) {
    static const char sql[] = "SELECT uuid, shard_id, stream_arn, seqs FROM esm_attempts";
    static const char any[] = "SELECT 1 FROM esm_attempts LIMIT 1";
    *n = 0;
    /* Mostly there are none: a read, not a write transaction (which would
     * open the writer's connection on an idle server). */
    sqlite3_stmt *q = store_stmt(any);
    if (q == NULL) return STORE_ERR;
    int found = sqlite3_step(q);
    int qrc = store_rows_done(q, found, "esm_attempts_any");
    if (qrc != STORE_OK || found != SQLITE_ROW) return qrc;
    int rc = store_begin(1);
    if (rc != STORE_OK) return rc;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) rc = STORE_ERR;
    int step = SQLITE_DONE;
    while (rc == STORE_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        char *uuid = store_col_dup(st, 0), *shard = store_col_dup(st, 1), *arn = store_col_dup(st, 2),
             *seqs = store_col_dup(st, 3);
        rc = interrupted_all(uuid, arn, shard, seqs, n);
        free(uuid);
        free(shard);
        free(arn);
        free(seqs);
    }
    if (st) {
        int drc = store_rows_done(st, rc == STORE_OK ? step : SQLITE_ROW, "esm_attempts_recover");
        if (rc == STORE_OK) rc = drc;
    }
    if (rc == STORE_OK) rc = store_exec("DELETE FROM esm_attempts");
    if (rc == STORE_OK) return store_commit();
    store_rollback();
    return rc;
}

int store_esm_failure_add(const char *uuid, int64_t created_ms, const char *record, const char *destination,
                          const char *error) {
    static const char sql[] =
        "INSERT INTO esm_failures(uuid, created_ms, n, record, destination, delivery_error) VALUES(?1, ?2,"
        " (SELECT count(*) FROM esm_failures WHERE uuid=?1 AND created_ms=?2), ?3, ?4, ?5)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, created_ms);
    sqlite3_bind_text(st, 3, record, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, destination, -1, SQLITE_TRANSIENT);   /* NULL binds NULL */
    sqlite3_bind_text(st, 5, error, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "esm_failure_add");
}

int store_esm_failures(const char *uuid, store_esm_failure_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT created_ms, record, destination, delivery_error FROM esm_failures WHERE uuid=?1"
        " ORDER BY created_ms, n";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3)))
            break;
    return store_rows_done(st, rc, "esm_failures");
}

int store_esm_stream_uuids(const char *stream_arn, int (*cb)(void *ctx, const char *uuid), void *ctx) {
    static const char sql[] =
        "SELECT DISTINCT uuid FROM esm_deliveries WHERE stream_arn=?1"
        " UNION SELECT uuid FROM esm_mappings WHERE source_arn=?1 ORDER BY 1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, stream_arn, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, (const char *)sqlite3_column_text(st, 0))) break;
    return store_rows_done(st, rc, "esm_stream_uuids");
}
