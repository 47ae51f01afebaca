/*
 * storage/store_iam.h over the iam_* tables (schema migration 12 -> 13).
 */
#include "storage/store_iam.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <sqlite3.h>
#include <stddef.h>

static void bind_texts(sqlite3_stmt *st, const char *a, const char *b, const char *c, const char *d) {
    const char *v[4] = {a, b, c, d};
    for (int i = 0; i < 4; i++)
        if (v[i]) sqlite3_bind_text(st, i + 1, v[i], -1, SQLITE_TRANSIENT);
}

/* One text column of one row into *OUT (heap). */
static int get_text(sqlite3_stmt *st, char **out, const char *ctx) {
    int rc = sqlite3_step(st);
    *out = NULL;
    if (rc == SQLITE_ROW) *out = store_col_dup(st, 0);
    return store_row_done(st, rc, ctx);
}

static int get_count(sqlite3_stmt *st, int64_t *n, const char *ctx) {
    int rc = sqlite3_step(st);
    *n = 0;
    if (rc == SQLITE_ROW) *n = sqlite3_column_int64(st, 0);
    return store_row_done(st, rc, ctx);
}

int store_iam_role_put(const char *account, const char *key, const char *role, int insert) {
    static const char ins[] = "INSERT INTO iam_roles(account, key, role) VALUES(?1, ?2, ?3)";
    static const char rep[] = "UPDATE iam_roles SET role=?3 WHERE account=?1 AND key=?2";
    sqlite3_stmt *st = store_stmt(insert ? ins : rep);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, key, role, NULL);
    return insert ? store_step_done(st, "iam_role_put") : store_step_change(st, "iam_role_put");
}

int store_iam_role_get(const char *account, const char *key, char **role) {
    static const char sql[] = "SELECT role FROM iam_roles WHERE account=?1 AND key=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, key, NULL, NULL);
    return get_text(st, role, "iam_role_get");
}

int store_iam_role_delete(const char *account, const char *key) {
    static const char del_inline[] = "DELETE FROM iam_role_policies WHERE account=?1 AND role_key=?2";
    static const char del_attach[] = "DELETE FROM iam_attachments WHERE account=?1 AND role_key=?2";
    static const char del[] = "DELETE FROM iam_roles WHERE account=?1 AND key=?2";
    const char *sqls[3] = {del_inline, del_attach, del};
    int rc = STORE_OK;
    for (int i = 0; i < 3 && rc == STORE_OK; i++) {
        sqlite3_stmt *st = store_stmt(sqls[i]);
        if (st == NULL) return STORE_ERR;
        bind_texts(st, account, key, NULL, NULL);
        rc = i < 2 ? store_step_done(st, "iam_role_delete") : store_step_change(st, "iam_role_delete");
    }
    return rc;
}

int store_iam_roles_each(const char *account, store_row_cb cb, void *ctx) {
    static const char sql[] = "SELECT key, role FROM iam_roles WHERE account=?1 ORDER BY key";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, NULL, NULL, NULL);
    return store_rows_each(st, cb, ctx, "iam_roles_each");
}

int store_iam_inline_put(const char *account, const char *role_key, const char *name, const char *doc) {
    static const char sql[] =
        "INSERT INTO iam_role_policies(account, role_key, name, document) VALUES(?1, ?2, ?3, ?4)"
        " ON CONFLICT(account, role_key, name) DO UPDATE SET document=excluded.document";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, role_key, name, doc);
    return store_step_done(st, "iam_inline_put");
}

int store_iam_inline_get(const char *account, const char *role_key, const char *name, char **doc) {
    static const char sql[] =
        "SELECT document FROM iam_role_policies WHERE account=?1 AND role_key=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, role_key, name, NULL);
    return get_text(st, doc, "iam_inline_get");
}

int store_iam_inline_delete(const char *account, const char *role_key, const char *name) {
    static const char sql[] = "DELETE FROM iam_role_policies WHERE account=?1 AND role_key=?2 AND name=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, role_key, name, NULL);
    return store_step_change(st, "iam_inline_delete");
}

int store_iam_inline_each(const char *account, const char *role_key, store_row_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT name, document FROM iam_role_policies WHERE account=?1 AND role_key=?2 ORDER BY name";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, role_key, NULL, NULL);
    return store_rows_each(st, cb, ctx, "iam_inline_each");
}

int store_iam_inline_count(const char *account, const char *role_key, int64_t *n) {
    static const char sql[] = "SELECT count(*) FROM iam_role_policies WHERE account=?1 AND role_key=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, role_key, NULL, NULL);
    return get_count(st, n, "iam_inline_count");
}

int store_iam_policy_put(const char *account, const char *arn, const char *key, const char *policy, int insert) {
    static const char ins[] = "INSERT INTO iam_policies(account, arn, key, policy) VALUES(?1, ?2, ?3, ?4)";
    static const char rep[] = "UPDATE iam_policies SET policy=?4 WHERE account=?1 AND arn=?2 AND key=?3";
    sqlite3_stmt *st = store_stmt(insert ? ins : rep);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, arn, key, policy);
    return insert ? store_step_done(st, "iam_policy_put") : store_step_change(st, "iam_policy_put");
}

int store_iam_policy_get(const char *account, const char *arn, char **policy) {
    static const char sql[] = "SELECT policy FROM iam_policies WHERE account=?1 AND arn=?2";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, arn, NULL, NULL);
    return get_text(st, policy, "iam_policy_get");
}

int store_iam_policy_delete(const char *account, const char *arn) {
    static const char del_versions[] = "DELETE FROM iam_policy_versions WHERE account=?1 AND arn=?2";
    static const char del[] = "DELETE FROM iam_policies WHERE account=?1 AND arn=?2";
    sqlite3_stmt *st = store_stmt(del_versions);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, arn, NULL, NULL);
    int rc = store_step_done(st, "iam_policy_delete");
    if (rc != STORE_OK) return rc;
    st = store_stmt(del);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, arn, NULL, NULL);
    return store_step_change(st, "iam_policy_delete");
}

int store_iam_policies_each(const char *account, store_row_cb cb, void *ctx) {
    static const char sql[] = "SELECT arn, policy FROM iam_policies WHERE account=?1 ORDER BY key";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, NULL, NULL, NULL);
    return store_rows_each(st, cb, ctx, "iam_policies_each");
}

int store_iam_version_put(const char *account, const char *arn, int version, const char *doc) {
    static const char sql[] =
        "INSERT INTO iam_policy_versions(account, arn, version, doc) VALUES(?1, ?2, ?3, ?4)"
        " ON CONFLICT(account, arn, version) DO UPDATE SET doc=excluded.doc";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, arn, NULL, doc);
    sqlite3_bind_int(st, 3, version);
    return store_step_done(st, "iam_version_put");
}

int store_iam_version_get(const char *account, const char *arn, int version, char **doc) {
    static const char sql[] = "SELECT doc FROM iam_policy_versions WHERE account=?1 AND arn=?2 AND version=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, arn, NULL, NULL);
    sqlite3_bind_int(st, 3, version);
    return get_text(st, doc, "iam_version_get");
}

int store_iam_version_delete(const char *account, const char *arn, int version) {
    static const char sql[] = "DELETE FROM iam_policy_versions WHERE account=?1 AND arn=?2 AND version=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, arn, NULL, NULL);
    sqlite3_bind_int(st, 3, version);
    return store_step_change(st, "iam_version_delete");
}

int store_iam_versions_each(const char *account, const char *arn, store_row_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT CAST(version AS TEXT), doc FROM iam_policy_versions WHERE account=?1 AND arn=?2"
        " ORDER BY version DESC";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, arn, NULL, NULL);
    return store_rows_each(st, cb, ctx, "iam_versions_each");
}

int store_iam_attach(const char *account, const char *role_key, const char *arn) {
    static const char sql[] = "INSERT OR IGNORE INTO iam_attachments(account, role_key, arn) VALUES(?1, ?2, ?3)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, role_key, arn, NULL);
    return store_step_done(st, "iam_attach");
}

int store_iam_detach(const char *account, const char *role_key, const char *arn) {
    static const char sql[] = "DELETE FROM iam_attachments WHERE account=?1 AND role_key=?2 AND arn=?3";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, role_key, arn, NULL);
    return store_step_change(st, "iam_detach");
}

int store_iam_attached_each(const char *account, const char *role_key, store_row_cb cb, void *ctx) {
    static const char sql[] =
        "SELECT arn, '' FROM iam_attachments WHERE account=?1 AND role_key=?2 ORDER BY arn";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, role_key, NULL, NULL);
    return store_rows_each(st, cb, ctx, "iam_attached_each");
}

int store_iam_attach_count(const char *account, const char *role_key, const char *arn, int64_t *n) {
    static const char by_role[] = "SELECT count(*) FROM iam_attachments WHERE account=?1 AND role_key=?2";
    static const char by_arn[] = "SELECT count(*) FROM iam_attachments WHERE account=?1 AND arn=?2";
    sqlite3_stmt *st = store_stmt(role_key ? by_role : by_arn);
    if (st == NULL) return STORE_ERR;
    bind_texts(st, account, role_key ? role_key : arn, NULL, NULL);
    return get_count(st, n, "iam_attach_count");
}
