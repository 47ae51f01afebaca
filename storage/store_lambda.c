/*
 * storage/store_lambda.h over the functions, versions, aliases, policies
 * and pc_configs tables. Plain bound-parameter SQL; statements cached
 * per thread by store_stmt().
 */
#include "storage/store_lambda.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- functions ---- */

void store_fn_clear(struct store_fn *f) {
    free(f->config);
    free(f->tags);
    free(f->published_rev);
    memset(f, 0, sizeof(*f));
}

int store_fn_get(struct store_scope s, const char *name, struct store_fn *out) {
    static const char sql[] =
        "SELECT config, tags, reserved, next_version, published_rev, created_ms"
        " FROM functions WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    memset(out, 0, sizeof(*out));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->config = store_col_dup(st, 0);
        out->tags = store_col_dup(st, 1);
        out->has_reserved = sqlite3_column_type(st, 2) != SQLITE_NULL;
        out->reserved = sqlite3_column_int(st, 2);
        out->next_version = sqlite3_column_int(st, 3);
        out->published_rev = store_col_dup(st, 4);
        out->created_ms = sqlite3_column_int64(st, 5);
    }
    return store_row_done(st, rc, "fn_get");
}

int store_fn_put(struct store_scope s, const char *name, const struct store_fn *f, int insert) {
    static const char ins[] =
        "INSERT INTO functions(account, region, name, config, tags, reserved, next_version,"
        " published_rev, created_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    static const char upd[] =
        "UPDATE functions SET config=?4, tags=?5, reserved=?6, next_version=?7,"
        " published_rev=?8, created_ms=?9 WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(insert ? ins : upd);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, f->config, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, f->tags ? f->tags : "{}", -1, SQLITE_TRANSIENT);
    if (f->has_reserved) sqlite3_bind_int(st, 6, f->reserved);
    else sqlite3_bind_null(st, 6);
    sqlite3_bind_int(st, 7, f->next_version > 0 ? f->next_version : 1);
    if (f->published_rev) sqlite3_bind_text(st, 8, f->published_rev, -1, SQLITE_TRANSIENT);
    else sqlite3_bind_null(st, 8);
    sqlite3_bind_int64(st, 9, f->created_ms);
    return insert ? store_step_done(st, "fn_insert") : store_step_change(st, "fn_update");
}

int store_fn_delete(struct store_scope s, const char *name) {
    static const char *const sqls[] = {
        "DELETE FROM versions WHERE account=?1 AND region=?2 AND name=?3",
        "DELETE FROM aliases WHERE account=?1 AND region=?2 AND name=?3",
        "DELETE FROM policies WHERE account=?1 AND region=?2 AND name=?3",
        "DELETE FROM pc_configs WHERE account=?1 AND region=?2 AND name=?3",
        "DELETE FROM event_invoke_configs WHERE account=?1 AND region=?2 AND name=?3",
        "DELETE FROM functions WHERE account=?1 AND region=?2 AND name=?3",
    };
    int rc = STORE_OK;
    for (size_t i = 0; i < sizeof(sqls) / sizeof(sqls[0]) && rc == STORE_OK; i++) {
        sqlite3_stmt *st = store_stmt(sqls[i]);
        if (st == NULL) return STORE_ERR;
        store_bind_scope(st, s, name);
        rc = i + 1 == sizeof(sqls) / sizeof(sqls[0]) ? store_step_change(st, "fn_delete")
                                                     : store_step_done(st, "fn_delete");
    }
    return rc;
}

int store_fn_list(struct store_scope s, const char *from, int inclusive, int limit,
                  store_row_cb cb, void *ctx) {
    static const char sql_gt[] =
        "SELECT name, config FROM functions WHERE account=?1 AND region=?2 AND name>?3"
        " ORDER BY name LIMIT ?4";
    static const char sql_ge[] =
        "SELECT name, config FROM functions WHERE account=?1 AND region=?2 AND name>=?3"
        " ORDER BY name LIMIT ?4";
    sqlite3_stmt *st = store_stmt(inclusive ? sql_ge : sql_gt);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, from ? from : "");
    sqlite3_bind_int(st, 4, limit);
    return store_rows_each(st, cb, ctx, "fn_list");
}

int store_fn_usage(struct store_scope s, int64_t *count, int64_t *code_size) {
    static const char sql[] =
        "SELECT (SELECT count(*) FROM functions WHERE account=?1 AND region=?2),"
        " (SELECT coalesce(sum(json_extract(config, '$.CodeSize')), 0) FROM functions"
        "   WHERE account=?1 AND region=?2)"
        " + (SELECT coalesce(sum(json_extract(config, '$.CodeSize')), 0) FROM versions"
        "   WHERE account=?1 AND region=?2)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(st, 0);
        *code_size = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : store_rc(rc, "fn_usage");
}

/* ---- versions ---- */

int store_ver_get(struct store_scope s, const char *name, int version, char **config) {
    static const char sql[] =
        "SELECT config FROM versions WHERE account=?1 AND region=?2 AND name=?3 AND version=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_int(st, 4, version);
    int rc = sqlite3_step(st);
    *config = rc == SQLITE_ROW ? store_col_dup(st, 0) : NULL;
    return store_row_done(st, rc, "ver_get");
}

int store_ver_insert(struct store_scope s, const char *name, int version, const char *config) {
    static const char sql[] =
        "INSERT INTO versions(account, region, name, version, config) VALUES(?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_int(st, 4, version);
    sqlite3_bind_text(st, 5, config, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "ver_insert");
}

int store_ver_delete(struct store_scope s, const char *name, int version) {
    static const char sql[] =
        "DELETE FROM versions WHERE account=?1 AND region=?2 AND name=?3 AND version=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_int(st, 4, version);
    return store_step_change(st, "ver_delete");
}

int store_ver_max(struct store_scope s, const char *name, int *version) {
    static const char sql[] =
        "SELECT coalesce(max(version), 0) FROM versions WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    int rc = sqlite3_step(st);
    *version = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : store_rc(rc, "ver_max");
}

int store_ver_list(struct store_scope s, const char *name, int after, int limit, store_row_cb cb,
                   void *ctx) {
    static const char sql[] =
        "SELECT CAST(version AS TEXT), config FROM versions WHERE account=?1 AND region=?2"
        " AND name=?3 AND version>?4 ORDER BY version LIMIT ?5";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_int(st, 4, after);
    sqlite3_bind_int(st, 5, limit);
    return store_rows_each(st, cb, ctx, "ver_list");
}

/* ---- aliases ---- */

int store_alias_get(struct store_scope s, const char *name, const char *alias, char **config) {
    static const char sql[] =
        "SELECT config FROM aliases WHERE account=?1 AND region=?2 AND name=?3 AND alias=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, alias, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    *config = rc == SQLITE_ROW ? store_col_dup(st, 0) : NULL;
    return store_row_done(st, rc, "alias_get");
}

int store_alias_put(struct store_scope s, const char *name, const char *alias, const char *config,
                    int insert) {
    static const char ins[] =
        "INSERT INTO aliases(account, region, name, alias, config) VALUES(?1, ?2, ?3, ?4, ?5)";
    static const char upd[] =
        "UPDATE aliases SET config=?5 WHERE account=?1 AND region=?2 AND name=?3 AND alias=?4";
    sqlite3_stmt *st = store_stmt(insert ? ins : upd);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, alias, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, config, -1, SQLITE_TRANSIENT);
    return insert ? store_step_done(st, "alias_insert") : store_step_change(st, "alias_update");
}

int store_alias_delete(struct store_scope s, const char *name, const char *alias) {
    static const char sql[] =
        "DELETE FROM aliases WHERE account=?1 AND region=?2 AND name=?3 AND alias=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, alias, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "alias_delete");
}

int store_alias_list(struct store_scope s, const char *name, const char *after, int limit,
                     store_row_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT alias, config FROM aliases WHERE account=?1 AND region=?2 AND name=?3"
        " AND alias>?4 ORDER BY alias LIMIT ?5";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, after ? after : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, limit);
    return store_rows_each(st, cb, ctx, "alias_list");
}

/* ---- policies ---- */

int store_policy_get(struct store_scope s, const char *name, const char *qualifier,
                     char **statements, char **revision) {
    static const char sql[] =
        "SELECT statements, revision FROM policies WHERE account=?1 AND region=?2 AND name=?3"
        " AND qualifier=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    *statements = rc == SQLITE_ROW ? store_col_dup(st, 0) : NULL;
    if (revision) *revision = rc == SQLITE_ROW ? store_col_dup(st, 1) : NULL;
    return store_row_done(st, rc, "policy_get");
}

int store_policy_put(struct store_scope s, const char *name, const char *qualifier,
                     const char *statements, const char *revision) {
    static const char sql[] =
        "INSERT INTO policies(account, region, name, qualifier, statements, revision)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(account, region, name, qualifier)"
        " DO UPDATE SET statements=excluded.statements, revision=excluded.revision";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, statements, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, revision, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "policy_put");
}

int store_policy_delete(struct store_scope s, const char *name, const char *qualifier) {
    static const char sql[] =
        "DELETE FROM policies WHERE account=?1 AND region=?2 AND name=?3 AND qualifier=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "policy_delete");
}

/* ---- provisioned concurrency ---- */

static void read_pc(sqlite3_stmt *st, struct store_pc *out) {
    memset(out, 0, sizeof(*out));
    snprintf(out->qualifier, sizeof(out->qualifier), "%s", (const char *)sqlite3_column_text(st, 0));
    out->requested = sqlite3_column_int(st, 1);
    out->ready_ms = sqlite3_column_int64(st, 2);
    snprintf(out->last_modified, sizeof(out->last_modified), "%s",
             (const char *)sqlite3_column_text(st, 3));
    snprintf(out->status, sizeof(out->status), "%s", (const char *)sqlite3_column_text(st, 4));
    snprintf(out->reason, sizeof(out->reason), "%s", (const char *)sqlite3_column_text(st, 5));
    out->allocated = sqlite3_column_int(st, 6);
}

int store_pc_get(struct store_scope s, const char *name, const char *qualifier, struct store_pc *out) {
    static const char sql[] =
        "SELECT qualifier, requested, ready_ms, last_modified, status, reason, allocated FROM pc_configs"
        " WHERE account=?1 AND region=?2 AND name=?3 AND qualifier=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) read_pc(st, out);
    return store_row_done(st, rc, "pc_get");
}

int store_pc_put(struct store_scope s, const char *name, const struct store_pc *pc) {
    static const char sql[] =
        "INSERT INTO pc_configs(account, region, name, qualifier, requested, ready_ms,"
        " last_modified, status, reason, allocated) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT(account, region, name, qualifier) DO UPDATE SET"
        " requested=excluded.requested, ready_ms=excluded.ready_ms,"
        " last_modified=excluded.last_modified, status=excluded.status,"
        " reason=excluded.reason, allocated=excluded.allocated";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, pc->qualifier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 5, pc->requested);
    sqlite3_bind_int64(st, 6, pc->ready_ms);
    sqlite3_bind_text(st, 7, pc->last_modified, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, pc->status[0] ? pc->status : "IN_PROGRESS", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, pc->reason, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 10, pc->allocated);
    return store_step_done(st, "pc_put");
}

int store_pc_delete(struct store_scope s, const char *name, const char *qualifier) {
    static const char sql[] =
        "DELETE FROM pc_configs WHERE account=?1 AND region=?2 AND name=?3 AND qualifier=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "pc_delete");
}

int store_pc_list(struct store_scope s, const char *name, struct store_pc *out, int max, int *n) {
    static const char sql[] =
        "SELECT qualifier, requested, ready_ms, last_modified, status, reason, allocated FROM pc_configs"
        " WHERE account=?1 AND region=?2 AND name=?3 ORDER BY qualifier";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < max) read_pc(st, &out[(*n)++]);
    return store_rows_done(st, rc, "pc_list");
}

int store_pc_settle(struct store_scope s, const char *name, const char *qualifier,
                    const char *last_modified, int requested, const char *status,
                    const char *reason, int allocated) {
    static const char sql[] =
        "UPDATE pc_configs SET status=?5, reason=?6, allocated=?7"
        " WHERE account=?1 AND region=?2 AND name=?3 AND qualifier=?4 AND last_modified=?8"
        " AND requested=?9";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, status, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, reason ? reason : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 7, allocated);
    sqlite3_bind_text(st, 8, last_modified, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 9, requested);
    return store_step_change(st, "pc_settle");
}

int store_pc_each(int (*cb)(void *ctx, const char *account, const char *region, const char *name,
                            const struct store_pc *pc),
                  void *ctx) {
    static const char sql[] =
        "SELECT qualifier, requested, ready_ms, last_modified, status, reason, allocated,"
        " account, region, name FROM pc_configs ORDER BY account, region, name, qualifier";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_pc pc;
        read_pc(st, &pc);
        if (cb(ctx, (const char *)sqlite3_column_text(st, 7), (const char *)sqlite3_column_text(st, 8),
               (const char *)sqlite3_column_text(st, 9), &pc))
            break;
    }
    return store_rows_done(st, rc, "pc_each");
}

int store_pc_function_total(struct store_scope s, const char *name, int64_t *total) {
    static const char sql[] =
        "SELECT coalesce(sum(requested), 0) FROM pc_configs WHERE account=?1 AND region=?2"
        " AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    int rc = sqlite3_step(st);
    *total = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : store_rc(rc, "pc_total");
}

int store_concurrency_totals(struct store_scope s, int64_t *reserved, int64_t *pc_unreserved) {
    static const char sql[] =
        "SELECT (SELECT coalesce(sum(reserved), 0) FROM functions WHERE account=?1 AND region=?2),"
        " (SELECT coalesce(sum(p.requested), 0) FROM pc_configs p JOIN functions f"
        "   ON f.account=p.account AND f.region=p.region AND f.name=p.name"
        "   WHERE p.account=?1 AND p.region=?2 AND f.reserved IS NULL)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *reserved = sqlite3_column_int64(st, 0);
        *pc_unreserved = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : store_rc(rc, "conc_totals");
}

/* ---- asynchronous invocations ---- */

int store_async_put(struct store_scope s, const char *name, const char *qualifier,
                    const char *request_id, const char *payload, int64_t now_ms) {
    static const char sql[] =
        "INSERT INTO async_events(account, region, name, qualifier, request_id, payload,"
        " received_ms, attempts, next_ms) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?7)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, request_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, payload, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, now_ms);
    return store_step_done(st, "async_put");
}

int store_async_next(int64_t now_ms, const int64_t *skip, int nskip, struct store_async_event *out) {
    static const char sql[] =
        "SELECT id, account, region, name, qualifier, request_id, payload, received_ms, attempts,"
        " next_ms FROM async_events WHERE next_ms<=?1 ORDER BY next_ms, id LIMIT 64";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, now_ms);
    int rc, found = 0;
    while (!found && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        int busy = 0;
        for (int i = 0; i < nskip; i++) busy |= skip[i] == id;
        if (busy) continue;
        memset(out, 0, sizeof(*out));
        out->id = id;
        snprintf(out->account, sizeof(out->account), "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(out->region, sizeof(out->region), "%s", (const char *)sqlite3_column_text(st, 2));
        snprintf(out->name, sizeof(out->name), "%s", (const char *)sqlite3_column_text(st, 3));
        snprintf(out->qualifier, sizeof(out->qualifier), "%s", (const char *)sqlite3_column_text(st, 4));
        snprintf(out->request_id, sizeof(out->request_id), "%s", (const char *)sqlite3_column_text(st, 5));
        out->payload = store_col_dup(st, 6);
        out->received_ms = sqlite3_column_int64(st, 7);
        out->attempts = sqlite3_column_int(st, 8);
        out->next_ms = sqlite3_column_int64(st, 9);
        found = 1;
    }
    sqlite3_reset(st);
    return found ? STORE_OK : STORE_NOTFOUND;
}

int store_async_retry(int64_t id, int attempts, int64_t next_ms) {
    static const char sql[] = "UPDATE async_events SET attempts=?2, next_ms=?3 WHERE id=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int(st, 2, attempts);
    sqlite3_bind_int64(st, 3, next_ms);
    return store_step_done(st, "async_retry");
}

int store_async_delete(int64_t id) {
    static const char sql[] = "DELETE FROM async_events WHERE id=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, id);
    return store_step_done(st, "async_delete");
}

int store_async_delivery_add(struct store_scope s, const struct store_async_delivery *d) {
    static const char sql[] =
        "INSERT INTO async_deliveries(account, region, function, created_ms, request_id, kind, condition,"
        " destination, error) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, d->function);
    sqlite3_bind_int64(st, 4, d->created_ms);
    sqlite3_bind_text(st, 5, d->request_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, d->kind, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, d->condition, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, d->destination, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, d->error, -1, SQLITE_TRANSIENT);   /* NULL binds NULL */
    return store_step_done(st, "async_delivery_add");
}

int store_async_deliveries(struct store_scope s, const char *function, int limit,
                           int (*cb)(void *ctx, const struct store_async_delivery *d), void *ctx) {
    static const char sql[] =
        "SELECT created_ms, request_id, kind, condition, destination, error FROM async_deliveries"
        " WHERE account=?1 AND region=?2 AND function=?3 ORDER BY id DESC LIMIT ?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, function);
    sqlite3_bind_int(st, 4, limit);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_async_delivery d = {
            function,
            sqlite3_column_int64(st, 0),
            (const char *)sqlite3_column_text(st, 1),
            (const char *)sqlite3_column_text(st, 2),
            (const char *)sqlite3_column_text(st, 3),
            (const char *)sqlite3_column_text(st, 4),
            (const char *)sqlite3_column_text(st, 5),
        };
        if (cb(ctx, &d)) break;
    }
    return store_rows_done(st, rc, "async_deliveries");
}

int store_async_count(int64_t *n) {
    static const char sql[] = "SELECT count(*) FROM async_events";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    int rc = sqlite3_step(st);
    *n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? STORE_OK : store_rc(rc, "async_count");
}

int store_eic_get(struct store_scope s, const char *name, const char *qualifier, char **config) {
    static const char sql[] =
        "SELECT config FROM event_invoke_configs WHERE account=?1 AND region=?2 AND name=?3 AND qualifier=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    *config = rc == SQLITE_ROW ? store_col_dup(st, 0) : NULL;
    return store_row_done(st, rc, "eic_get");
}

int store_eic_put(struct store_scope s, const char *name, const char *qualifier, const char *config) {
    static const char sql[] =
        "INSERT INTO event_invoke_configs(account, region, name, qualifier, config) VALUES(?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT(account, region, name, qualifier) DO UPDATE SET config=excluded.config";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, config, -1, SQLITE_TRANSIENT);
    return store_step_done(st, "eic_put");
}

int store_eic_delete(struct store_scope s, const char *name, const char *qualifier) {
    static const char sql[] =
        "DELETE FROM event_invoke_configs WHERE account=?1 AND region=?2 AND name=?3 AND qualifier=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, qualifier, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "eic_delete");
}

int store_eic_list(struct store_scope s, const char *name, store_row_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT qualifier, config FROM event_invoke_configs WHERE account=?1 AND region=?2 AND name=?3"
        " ORDER BY qualifier";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    return store_rows_each(st, cb, ctx, "eic_list");
}
