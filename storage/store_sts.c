/*
 * storage/store_sts.h over the sts_keys table (schema migration 11 -> 12).
 */
#include "storage/store_sts.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include <sqlite3.h>
#include <stddef.h>

int store_sts_put(const struct store_sts_key *k) {
    static const char sql[] =
        "INSERT INTO sts_keys(access_key_id, account, arn, user_id, secret, session_token, expires_ms)"
        " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, k->access_key_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, k->account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, k->arn, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, k->user_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, k->secret, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, k->session_token, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, k->expires_ms);
    return store_step_done(st, "sts_put");
}

int store_sts_get(const char *access_key_id, char account[13], char *arn, size_t narn, char *user_id,
                  size_t nuser) {
    static const char sql[] = "SELECT account, arn, user_id FROM sts_keys WHERE access_key_id = ?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, access_key_id, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        store_col_copy(st, 0, account, 13);
        store_col_copy(st, 1, arn, narn);
        store_col_copy(st, 2, user_id, nuser);
    }
    return store_row_done(st, rc, "sts_get");
}
