/*
 * storage/store_ssm.h over ssm_parameters (one row per parameter: its
 * current version and tags) and ssm_versions (one row per version), schema
 * migration 16 -> 17.
 */
#include "storage/store_ssm.h"
#include "storage/store.h"
#include "storage/store_sql.h"
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The columns every version query selects, in struct order. */
#define SSM_COLS                                                                                   \
    "v.name, v.version, v.type, v.value, v.description, v.allowed_pattern, v.key_id, v.tier,"      \
    " v.data_type, v.modified_ms, v.modified_user, v.labels"

void store_ssm_param_clear(struct store_ssm_param *p) {
    free(p->name);
    free(p->type);
    free(p->value);
    free(p->description);
    free(p->allowed_pattern);
    free(p->key_id);
    free(p->tier);
    free(p->data_type);
    free(p->modified_user);
    free(p->labels);
    free(p->tags);
    memset(p, 0, sizeof(*p));
}

static const char *col(sqlite3_stmt *st, int i) {
    return (const char *)sqlite3_column_text(st, i);
}

/* Fills P from the current row of ST (SSM_COLS first), borrowed. */
static void row_borrow(sqlite3_stmt *st, struct store_ssm_param *p) {
    p->name = (char *)col(st, 0);
    p->version = sqlite3_column_int64(st, 1);
    p->type = (char *)col(st, 2);
    p->value = (char *)col(st, 3);
    p->description = (char *)col(st, 4);
    p->allowed_pattern = (char *)col(st, 5);
    p->key_id = (char *)col(st, 6);
    p->tier = (char *)col(st, 7);
    p->data_type = (char *)col(st, 8);
    p->modified_ms = sqlite3_column_int64(st, 9);
    p->modified_user = (char *)col(st, 10);
    p->labels = (char *)col(st, 11);
    p->tags = NULL;
}

/* Fills P with copies of the current row of ST (SSM_COLS first). */
static void row_copy(sqlite3_stmt *st, struct store_ssm_param *p) {
    p->name = store_col_dup(st, 0);
    p->version = sqlite3_column_int64(st, 1);
    p->type = store_col_dup(st, 2);
    p->value = store_col_dup(st, 3);
    p->description = store_col_dup(st, 4);
    p->allowed_pattern = store_col_dup(st, 5);
    p->key_id = store_col_dup(st, 6);
    p->tier = store_col_dup(st, 7);
    p->data_type = store_col_dup(st, 8);
    p->modified_ms = sqlite3_column_int64(st, 9);
    p->modified_user = store_col_dup(st, 10);
    p->labels = store_col_dup(st, 11);
    p->tags = NULL;
}

/* Steps the one-row lookup ST into *OUT. */
static int get_one(sqlite3_stmt *st, struct store_ssm_param *out, const char *ctx) {
    memset(out, 0, sizeof(*out));
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_copy(st, out);
    return store_row_done(st, rc, ctx);
}

int store_ssm_get(struct store_scope s, const char *name, int64_t version, struct store_ssm_param *out) {
    static const char sql[] =
        "SELECT " SSM_COLS " FROM ssm_parameters p JOIN ssm_versions v"
        " ON v.account=p.account AND v.region=p.region AND v.name=p.name"
        " WHERE p.account=?1 AND p.region=?2 AND p.name=?3 AND v.version=CASE WHEN ?4=0 THEN p.version ELSE ?4 END";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_int64(st, 4, version);
    return get_one(st, out, "ssm_get");
}

int store_ssm_get_label(struct store_scope s, const char *name, const char *label, struct store_ssm_param *out) {
    static const char sql[] =
        "SELECT " SSM_COLS " FROM ssm_versions v"
        " WHERE v.account=?1 AND v.region=?2 AND v.name=?3"
        " AND EXISTS(SELECT 1 FROM json_each(v.labels) WHERE json_each.value=?4)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, label, -1, SQLITE_TRANSIENT);
    return get_one(st, out, "ssm_get_label");
}

int store_ssm_lookup(const char *account, const char *region, const char *name, char **value, char type[16],
                     int64_t *version) {
    struct store_scope s = {account, region};
    struct store_ssm_param p;
    int rc = store_ssm_get(s, name, 0, &p);
    if (rc == STORE_OK) {
        snprintf(type, 16, "%s", p.type ? p.type : "");
        *version = p.version;
        *value = p.value;
        p.value = NULL;
    }
    store_ssm_param_clear(&p);
    return rc;
}

int store_ssm_put(struct store_scope s, const struct store_ssm_param *p) {
    static const char ver_sql[] =
        "INSERT INTO ssm_versions(account, region, name, version, type, value, description, allowed_pattern,"
        " key_id, tier, data_type, modified_ms, modified_user)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
    static const char par_sql[] =
        "INSERT INTO ssm_parameters(account, region, name, version) VALUES(?1, ?2, ?3, ?4)"
        " ON CONFLICT(account, region, name) DO UPDATE SET version=excluded.version";
    sqlite3_stmt *st = store_stmt(ver_sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, p->name);
    sqlite3_bind_int64(st, 4, p->version);
    sqlite3_bind_text(st, 5, p->type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, p->value, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, p->description, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 8, p->allowed_pattern, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 9, p->key_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 10, p->tier, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, p->data_type, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 12, p->modified_ms);
    sqlite3_bind_text(st, 13, p->modified_user, -1, SQLITE_TRANSIENT);
    int rc = store_step_done(st, "ssm_put_version");
    if (rc != STORE_OK) return rc;
    if ((st = store_stmt(par_sql)) == NULL) return STORE_ERR;
    store_bind_scope(st, s, p->name);
    sqlite3_bind_int64(st, 4, p->version);
    return store_step_done(st, "ssm_put_parameter");
}

int store_ssm_delete(struct store_scope s, const char *name) {
    static const char par_sql[] = "DELETE FROM ssm_parameters WHERE account=?1 AND region=?2 AND name=?3";
    static const char ver_sql[] = "DELETE FROM ssm_versions WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(par_sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    int rc = store_step_change(st, "ssm_delete");
    if (rc != STORE_OK) return rc;
    if ((st = store_stmt(ver_sql)) == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    return store_step_done(st, "ssm_delete_versions");
}

int store_ssm_versions(struct store_scope s, const char *name, int64_t *n, int64_t *oldest, int *labelled) {
    static const char sql[] =
        "SELECT count(*), min(version),"
        " (SELECT labels <> '[]' FROM ssm_versions WHERE account=?1 AND region=?2 AND name=?3"
        "  ORDER BY version LIMIT 1)"
        " FROM ssm_versions WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        *oldest = sqlite3_column_int64(st, 1);
        *labelled = sqlite3_column_int(st, 2);
    }
    return store_row_done(st, rc, "ssm_versions");
}

int store_ssm_delete_version(struct store_scope s, const char *name, int64_t version) {
    static const char sql[] = "DELETE FROM ssm_versions WHERE account=?1 AND region=?2 AND name=?3 AND version=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_int64(st, 4, version);
    return store_step_change(st, "ssm_delete_version");
}

/* Steps ST's rows (SSM_COLS, then tags when WITH_TAGS) into CB. */
static int each(sqlite3_stmt *st, int with_tags, store_ssm_cb cb, void *ctx, const char *name) {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_ssm_param p;
        row_borrow(st, &p);
        if (with_tags) p.tags = (char *)col(st, 12);
        if (cb(ctx, &p)) break;
    }
    return store_rows_done(st, rc, name);
}

int store_ssm_list(struct store_scope s, const char *prefix, const char *after, store_ssm_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT " SSM_COLS ", p.tags FROM ssm_parameters p JOIN ssm_versions v"
        " ON v.account=p.account AND v.region=p.region AND v.name=p.name AND v.version=p.version"
        " WHERE p.account=?1 AND p.region=?2 AND p.name > ?3"
        " AND (?4 IS NULL OR (p.name >= ?4 AND substr(p.name, 1, length(?4)) = ?4))"
        " ORDER BY p.name";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, after ? after : "");
    sqlite3_bind_text(st, 4, prefix, -1, SQLITE_TRANSIENT);
    return each(st, 1, cb, ctx, "ssm_list");
}

int store_ssm_history(struct store_scope s, const char *name, int64_t after, store_ssm_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT " SSM_COLS " FROM ssm_versions v"
        " WHERE v.account=?1 AND v.region=?2 AND v.name=?3 AND v.version > ?4 ORDER BY v.version";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_int64(st, 4, after);
    return each(st, 0, cb, ctx, "ssm_history");
}

int store_ssm_tags_get(struct store_scope s, const char *name, char **out) {
    static const char sql[] = "SELECT tags FROM ssm_parameters WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    *out = NULL;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = store_col_dup(st, 0);
    return store_row_done(st, rc, "ssm_tags_get");
}

int store_ssm_tags_set(struct store_scope s, const char *name, const char *tags) {
    static const char sql[] = "UPDATE ssm_parameters SET tags=?4 WHERE account=?1 AND region=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_text(st, 4, tags, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "ssm_tags_set");
}

int store_ssm_labels_set(struct store_scope s, const char *name, int64_t version, const char *labels) {
    static const char sql[] =
        "UPDATE ssm_versions SET labels=?5 WHERE account=?1 AND region=?2 AND name=?3 AND version=?4";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    store_bind_scope(st, s, name);
    sqlite3_bind_int64(st, 4, version);
    sqlite3_bind_text(st, 5, labels, -1, SQLITE_TRANSIENT);
    return store_step_change(st, "ssm_labels_set");
}
