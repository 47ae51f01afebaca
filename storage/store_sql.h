/*
 * storage/store_sql.h: small statement helpers shared by the store_*.c
 * files. Private to storage/; the layers above use the typed functions
 * of store.h, store_lambda.h, store_ddb.h and store_logs.h.
 */
#ifndef SLUICE_STORAGE_STORE_SQL_H
#define SLUICE_STORAGE_STORE_SQL_H

#include "storage/store_lambda.h"  /* struct store_scope */

struct sqlite3_stmt;

/* Returns a heap copy of text column I of the current row (caller frees),
 * or NULL when the column is NULL. Aborts when out of memory. */
char *store_col_dup(struct sqlite3_stmt *st, int i);

/* Copies text column I of the current row into BUF (size N, truncating;
 * "" for NULL). */
void store_col_copy(struct sqlite3_stmt *st, int i, char *buf, size_t n);

/* Binds the scope's account to ?1 and region to ?2 and, when NAME is not
 * NULL, NAME to ?3. The values are copied. */
void store_bind_scope(struct sqlite3_stmt *st, struct store_scope s, const char *name);

/* Steps a write ST to completion and resets it. Returns STORE_OK or the
 * store_rc mapping of the failure (logged with CTX). */
int store_step_done(struct sqlite3_stmt *st, const char *ctx);

/* Ends a one-row lookup ST whose single step returned RC: resets ST and
 * returns STORE_OK for a row, STORE_NOTFOUND for none, else the store_rc
 * mapping of RC (logged with CTX). Read the row's columns before. */
int store_row_done(struct sqlite3_stmt *st, int rc, const char *ctx);

/* Ends a query ST whose rows were stepped until RC (SQLITE_ROW when the
 * caller stopped early, SQLITE_DONE at the end, else an error): resets
 * ST and returns STORE_OK, or the store_rc mapping of RC (logged with
 * CTX). */
int store_rows_done(struct sqlite3_stmt *st, int rc, const char *ctx);

/* Steps ST, whose rows are two text columns, into CB (key, value) until
 * CB returns nonzero or the rows end; then as store_rows_done. */
int store_rows_each(struct sqlite3_stmt *st, store_row_cb cb, void *ctx, const char *ctx_name);

/* As store_step_done, but STORE_NOTFOUND when the write changed no row. */
int store_step_change(struct sqlite3_stmt *st, const char *ctx);

#endif
