/*
 * storage/store_cfn.h over cfn_stacks, cfn_resources, cfn_events,
 * cfn_change_sets, cfn_exports and cfn_ops (schema migration 18 -> 19).
 */
#include "storage/store_cfn.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static const char *col(sqlite3_stmt *st, int i) { return (const char *)sqlite3_column_text(st, i); }

/* A borrowed text column, typed as the structs' fields (valid until the
 * next step). */
static char *col_ref(sqlite3_stmt *st, int i) { return (char *)sqlite3_column_text(st, i); }

static void bind_text(sqlite3_stmt *st, int i, const char *z) {
    sqlite3_bind_text(st, i, z, -1, SQLITE_TRANSIENT);
}

/* ---- stacks ---- */

#define STACK_COLS "id, account, region, name, status, reason, created_ms, updated_ms, deleted_ms, doc"

void store_cfn_stack_clear(struct store_cfn_stack *s) {
    free(s->id);
    free(s->account);
    free(s->region);
    free(s->name);
    free(s->status);
    free(s->reason);
    free(s->doc);
    memset(s, 0, sizeof(*s));
}

static void stack_row(sqlite3_stmt *st, struct store_cfn_stack *s, int copy) {
    char *(*get)(sqlite3_stmt *, int) = copy ? store_col_dup : col_ref;
    s->id = get(st, 0);
    s->account = get(st, 1);
    s->region = get(st, 2);
    s->name = get(st, 3);
    s->status = get(st, 4);
    s->reason = get(st, 5);
    s->created_ms = sqlite3_column_int64(st, 6);
    s->updated_ms = sqlite3_column_int64(st, 7);
    s->deleted_ms = sqlite3_column_int64(st, 8);
    s->doc = get(st, 9);
}

int store_cfn_stack_get(struct store_scope s, const char *ref, struct store_cfn_stack *out) {
    static const char by_id[] =
        "SELECT " STACK_COLS " FROM cfn_stacks WHERE account=?1 AND region=?2 AND id=?3";
    static const char by_name[] =
        "SELECT " STACK_COLS " FROM cfn_stacks WHERE account=?1 AND region=?2 AND name=?3 AND deleted_ms=0";
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = store_stmt(strncmp(ref, "arn:", 4) == 0 ? by_id : by_name);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, ref);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) stack_row(st, out, 1);
    return store_row_done(st, rc, "cfn_stack_get");
}

int store_cfn_stack_insert(const struct store_cfn_stack *s) {
    static const char sql[] = "INSERT INTO cfn_stacks(" STACK_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, s->id);
    bind_text(st, 2, s->account);
    bind_text(st, 3, s->region);
    bind_text(st, 4, s->name);
    bind_text(st, 5, s->status);
    bind_text(st, 6, s->reason);
    sqlite3_bind_int64(st, 7, s->created_ms);
    sqlite3_bind_int64(st, 8, s->updated_ms);
    sqlite3_bind_int64(st, 9, s->deleted_ms);
    bind_text(st, 10, s->doc);
    return store_step_done(st, "cfn_stack_insert");
}

int store_cfn_stack_update(const struct store_cfn_stack *s) {
    static const char sql[] = "UPDATE cfn_stacks SET status=?2, reason=?3, updated_ms=?4, deleted_ms=?5, doc=?6"
                              " WHERE id=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, s->id);
    bind_text(st, 2, s->status);
    bind_text(st, 3, s->reason);
    sqlite3_bind_int64(st, 4, s->updated_ms);
    sqlite3_bind_int64(st, 5, s->deleted_ms);
    bind_text(st, 6, s->doc);
    return store_step_change(st, "cfn_stack_update");
}

int store_cfn_stack_list(struct store_scope s, store_cfn_stack_cb cb, void *ctx) {
    static const char sql[] = "SELECT " STACK_COLS " FROM cfn_stacks WHERE account=?1 AND region=?2"
                              " ORDER BY created_ms DESC, id";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_cfn_stack row;
        stack_row(st, &row, 0);
        if (cb(ctx, &row)) break;
    }
    return store_rows_done(st, rc, "cfn_stack_list");
}

/* ---- resources ---- */

#define RES_COLS "stack_id, logical_id, type, physical_id, status, reason, props, attrs, updated_ms, prev, seq"

void store_cfn_res_clear(struct store_cfn_res *r) {
    free(r->stack_id);
    free(r->logical_id);
    free(r->type);
    free(r->physical_id);
    free(r->status);
    free(r->reason);
    free(r->props);
    free(r->attrs);
    free(r->prev);
    memset(r, 0, sizeof(*r));
}

static void res_row(sqlite3_stmt *st, struct store_cfn_res *r, int copy) {
    char *(*get)(sqlite3_stmt *, int) = copy ? store_col_dup : col_ref;
    r->stack_id = get(st, 0);
    r->logical_id = get(st, 1);
    r->type = get(st, 2);
    r->physical_id = get(st, 3);
    r->status = get(st, 4);
    r->reason = get(st, 5);
    r->props = get(st, 6);
    r->attrs = get(st, 7);
    r->updated_ms = sqlite3_column_int64(st, 8);
    r->prev = get(st, 9);
    r->seq = sqlite3_column_int64(st, 10);
}

int store_cfn_res_get(const char *stack_id, const char *logical_id, struct store_cfn_res *out) {
    static const char sql[] = "SELECT " RES_COLS " FROM cfn_resources WHERE stack_id=?1 AND logical_id=?2";
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, stack_id);
    bind_text(st, 2, logical_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) res_row(st, out, 1);
    return store_row_done(st, rc, "cfn_res_get");
}

int store_cfn_res_put(const struct store_cfn_res *r) {
    static const char sql[] = "INSERT OR REPLACE INTO cfn_resources(" RES_COLS ")"
                              " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, r->stack_id);
    bind_text(st, 2, r->logical_id);
    bind_text(st, 3, r->type);
    bind_text(st, 4, r->physical_id);
    bind_text(st, 5, r->status);
    bind_text(st, 6, r->reason);
    bind_text(st, 7, r->props);
    bind_text(st, 8, r->attrs);
    sqlite3_bind_int64(st, 9, r->updated_ms);
    bind_text(st, 10, r->prev);
    sqlite3_bind_int64(st, 11, r->seq);
    return store_step_done(st, "cfn_res_put");
}

int store_cfn_res_delete(const char *stack_id, const char *logical_id) {
    static const char sql[] = "DELETE FROM cfn_resources WHERE stack_id=?1 AND logical_id=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, stack_id);
    bind_text(st, 2, logical_id);
    return store_step_done(st, "cfn_res_delete");
}

int store_cfn_res_list(const char *stack_id, store_cfn_res_cb cb, void *ctx) {
    static const char sql[] = "SELECT " RES_COLS " FROM cfn_resources WHERE stack_id=?1 ORDER BY logical_id";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, stack_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_cfn_res row;
        res_row(st, &row, 0);
        if (cb(ctx, &row)) break;
    }
    return store_rows_done(st, rc, "cfn_res_list");
}

/* ---- events ---- */

int store_cfn_event_add(const struct store_cfn_event *e) {
    static const char sql[] =
        "INSERT INTO cfn_events(stack_id, event_id, logical_id, physical_id, type, status, reason, props, ts_ms,"
        " token) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, e->stack_id);
    bind_text(st, 2, e->event_id);
    bind_text(st, 3, e->logical_id);
    bind_text(st, 4, e->physical_id);
    bind_text(st, 5, e->type);
    bind_text(st, 6, e->status);
    bind_text(st, 7, e->reason);
    bind_text(st, 8, e->props);
    sqlite3_bind_int64(st, 9, e->ts_ms);
    bind_text(st, 10, e->token);
    return store_step_done(st, "cfn_event_add");
}

int store_cfn_event_list(const char *stack_id, store_cfn_event_cb cb, void *ctx) {
    static const char sql[] = "SELECT stack_id, event_id, logical_id, physical_id, type, status, reason, props,"
                              " ts_ms, token FROM cfn_events WHERE stack_id=?1 ORDER BY seq DESC";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, stack_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_cfn_event e = {col(st, 0), col(st, 1), col(st, 2), col(st, 3), col(st, 4),
                                    col(st, 5), col(st, 6), col(st, 7), sqlite3_column_int64(st, 8),
                                    col(st, 9)};
        if (cb(ctx, &e)) break;
    }
    return store_rows_done(st, rc, "cfn_event_list");
}

/* ---- change sets ---- */

#define CS_COLS "id, stack_id, name, status, reason, exec_status, created_ms, doc"

void store_cfn_cs_clear(struct store_cfn_cs *c) {
    free(c->id);
    free(c->stack_id);
    free(c->name);
    free(c->status);
    free(c->reason);
    free(c->exec_status);
    free(c->doc);
    memset(c, 0, sizeof(*c));
}

static void cs_row(sqlite3_stmt *st, struct store_cfn_cs *c, int copy) {
    char *(*get)(sqlite3_stmt *, int) = copy ? store_col_dup : col_ref;
    c->id = get(st, 0);
    c->stack_id = get(st, 1);
    c->name = get(st, 2);
    c->status = get(st, 3);
    c->reason = get(st, 4);
    c->exec_status = get(st, 5);
    c->created_ms = sqlite3_column_int64(st, 6);
    c->doc = get(st, 7);
}

int store_cfn_cs_get(const char *id, const char *stack_id, const char *name, struct store_cfn_cs *out) {
    static const char by_id[] = "SELECT " CS_COLS " FROM cfn_change_sets WHERE id=?1";
    static const char by_name[] = "SELECT " CS_COLS " FROM cfn_change_sets WHERE stack_id=?1 AND name=?2";
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = store_stmt(id ? by_id : by_name);
    if (st == NULL) return STORE_ERR;
    if (id) {
        bind_text(st, 1, id);
    } else {
        bind_text(st, 1, stack_id);
        bind_text(st, 2, name);
    }
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) cs_row(st, out, 1);
    return store_row_done(st, rc, "cfn_cs_get");
}

int store_cfn_cs_put(const struct store_cfn_cs *c) {
    static const char sql[] = "INSERT OR REPLACE INTO cfn_change_sets(" CS_COLS ") VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, c->id);
    bind_text(st, 2, c->stack_id);
    bind_text(st, 3, c->name);
    bind_text(st, 4, c->status);
    bind_text(st, 5, c->reason);
    bind_text(st, 6, c->exec_status);
    sqlite3_bind_int64(st, 7, c->created_ms);
    bind_text(st, 8, c->doc);
    return store_step_done(st, "cfn_cs_put");
}

int store_cfn_cs_delete(const char *id) {
    static const char sql[] = "DELETE FROM cfn_change_sets WHERE id=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, id);
    return store_step_change(st, "cfn_cs_delete");
}

int store_cfn_cs_drop_others(const char *stack_id, const char *except) {
    static const char sql[] = "DELETE FROM cfn_change_sets WHERE stack_id=?1 AND (?2 IS NULL OR id<>?2)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, stack_id);
    bind_text(st, 2, except);
    return store_step_done(st, "cfn_cs_drop_others");
}

int store_cfn_cs_list(const char *stack_id, store_cfn_cs_cb cb, void *ctx) {
    static const char sql[] = "SELECT " CS_COLS " FROM cfn_change_sets WHERE stack_id=?1 ORDER BY created_ms, id";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, stack_id);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_cfn_cs row;
        cs_row(st, &row, 0);
        if (cb(ctx, &row)) break;
    }
    return store_rows_done(st, rc, "cfn_cs_list");
}

/* ---- exports ---- */

int store_cfn_export_get(struct store_scope s, const char *name, char **value, char **stack_id) {
    static const char sql[] = "SELECT value, stack_id FROM cfn_exports WHERE account=?1 AND region=?2 AND name=?3";
    if (value) *value = NULL;
    if (stack_id) *stack_id = NULL;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (value) *value = store_col_dup(st, 0);
        if (stack_id) *stack_id = store_col_dup(st, 1);
    }
    return store_row_done(st, rc, "cfn_export_get");
}

int store_cfn_export_put(struct store_scope s, const char *name, const char *stack_id, const char *value,
                         char **owner) {
    static const char sql[] = "INSERT OR REPLACE INTO cfn_exports(account, region, name, stack_id, value)"
                              " VALUES(?1, ?2, ?3, ?4, ?5)";
    char *cur = NULL;
    if (owner) *owner = NULL;
    int rc = store_cfn_export_get(s, name, NULL, &cur);
    if (rc == STORE_OK && strcmp(cur, stack_id) != 0) {
        if (owner) *owner = cur;
        else free(cur);
        return STORE_CONFLICT;
    }
    free(cur);
    if (rc != STORE_OK && rc != STORE_NOTFOUND) return rc;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    bind_text(st, 4, stack_id);
    bind_text(st, 5, value);
    return store_step_done(st, "cfn_export_put");
}

int store_cfn_export_drop(const char *stack_id) {
    static const char sql[] = "DELETE FROM cfn_exports WHERE stack_id=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, stack_id);
    return store_step_done(st, "cfn_export_drop");
}

int store_cfn_export_list(struct store_scope s, store_cfn_export_cb cb, void *ctx) {
    static const char sql[] = "SELECT name, stack_id, value FROM cfn_exports WHERE account=?1 AND region=?2"
                              " ORDER BY name";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, NULL);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, col(st, 0), col(st, 1), col(st, 2))) break;
    return store_rows_done(st, rc, "cfn_export_list");
}

/* ---- the deployer's queue ---- */

int store_cfn_op_add(const char *stack_id, const char *kind, const char *arg) {
    static const char sql[] = "INSERT INTO cfn_ops(stack_id, kind, arg) VALUES(?1, ?2, ?3)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_text(st, 1, stack_id);
    bind_text(st, 2, kind);
    bind_text(st, 3, arg);
    return store_step_done(st, "cfn_op_add");
}

int store_cfn_op_next(int64_t *seq, char **stack_id, char **kind, char **arg, int *started) {
    static const char sql[] = "SELECT seq, stack_id, kind, arg, started FROM cfn_ops ORDER BY seq LIMIT 1";
    *stack_id = *kind = *arg = NULL;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        *stack_id = store_col_dup(st, 1);
        *kind = store_col_dup(st, 2);
        *arg = store_col_dup(st, 3);
        *started = sqlite3_column_int(st, 4);
    }
    return store_row_done(st, rc, "cfn_op_next");
}

int store_cfn_op_start(int64_t seq) {
    static const char sql[] = "UPDATE cfn_ops SET started=1 WHERE seq=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, seq);
    return store_step_done(st, "cfn_op_start");
}

int store_cfn_op_done(int64_t seq) {
    static const char sql[] = "DELETE FROM cfn_ops WHERE seq=?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_int64(st, 1, seq);
    return store_step_done(st, "cfn_op_done");
}
