/*
 * Durable state: one SQLite database (WAL) in the data directory, with one
 * connection per thread, opened lazily and closed when the thread exits.
 * Code zips live beside it as content-addressed files (storage/blob.c).
 * This layer knows nothing of HTTP or AWS errors: callers map STORE_*
 * codes to what they mean.
 */
#ifndef SLUICE_STORAGE_STORE_H
#define SLUICE_STORAGE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct sqlite3;
struct sqlite3_stmt;

/* Result codes of store_ functions (0 or negative, Redis C_OK style). */
#define STORE_OK 0
#define STORE_ERR -1       /* unexpected SQLite or I/O failure, logged */
#define STORE_NOTFOUND -2
#define STORE_CONFLICT -3  /* a uniqueness constraint failed */
#define STORE_BUSY -4

/* Opens (creating if needed) the database under DIR, or a throwaway one in
 * a private temporary directory when IN_MEMORY is set, and migrates the
 * schema forward. Call once from the main thread before any other store_
 * function. Returns STORE_OK or STORE_ERR (with a message on stderr). */
int store_init(const char *dir, int in_memory);

/* Closes the calling thread's connection (if any) and the shared writer
 * connection and, in in-memory mode, removes the temporary directory. Call once at shutdown, after worker
 * threads have stopped. */
void store_shutdown(void);

/* Returns the connection the calling thread's statements go to, opening
 * it on first use: inside a write transaction (store_begin(1) until commit
 * or rollback) the one writer connection, which the thread may use only
 * until then; otherwise the thread's own, which belongs to the thread.
 * Never pass either to another thread. Returns NULL only if opening
 * failed (logged). */
struct sqlite3 *store_db(void);

/* Closes the calling thread's connection now (it would otherwise be
 * closed when the thread exits). Safe to call when none is open. */
void store_thread_done(void);

/* Returns a prepared statement for SQL on store_db()'s connection, cached
 * per connection by the address of SQL (pass string literals only). The
 * statement is reset and its bindings cleared; borrowed until the write
 * transaction ends (writer connection) or the thread ends (its own).
 * Returns NULL on error (logged). */
struct sqlite3_stmt *store_stmt(const char *sql);

/* Flushes a new data directory's database to disk (file and directory)
 * if store_init created it and no writer has yet. Call once the ready
 * file is written: until then nothing has been acknowledged. Blocks
 * writers meanwhile; cheap when there is nothing to flush. Any thread. */
void store_sync_new_db(void);

/* Transaction helpers. store_begin(0) reads on the thread's connection;
 * store_begin(1) waits for the write mutex, then takes SQLite's write lock
 * at once (BEGIN IMMEDIATE) on the shared writer connection. Return STORE_OK or STORE_ERR/BUSY. */
int store_begin(int write);

/* Ends the calling thread's transaction (store_begin). */
int store_commit(void);
void store_rollback(void);

/* Work for store_group_run: runs on the thread leading the batch (the
 * caller's own or another one waiting in store_group_run) inside a
 * savepoint of the open write transaction (store_db() is the writer
 * connection). Returns 0 to keep its changes, nonzero to undo them. It
 * must not begin, commit or roll back, use thread-local state of the
 * caller, nor take a lock that a thread waiting in store_group_run may
 * hold. */
typedef int (*store_group_fn)(void *ctx);

/* Group commit (see store.c): queues FN(CTX); the first queued thread that
 * finds no batch running runs it with whatever other work is queued in
 * one transaction. Returns once the transaction holding FN has ended:
 * STORE_OK when FN ran and its outcome is final (what it kept is
 * committed, durable as any commit; what it undid is gone). Otherwise the
 * STORE_ code of the failure, and nothing FN did is in the database (FN
 * may or may not have run). CTX may be used by another thread meanwhile;
 * the caller yields or sleeps, holding no lock it must give up. Fails
 * with STORE_ERR inside a write transaction. Any thread. */
int store_group_run(store_group_fn fn, void *ctx);

/* 1 when the calling thread runs a store_group_fn (inside a batch), else
 * 0. Such work is serialised with every other write: caches it keeps
 * need no lock of their own. */
int store_in_group(void);

/* Counts the write transactions begun with store_begin(1) (table
 * changes, maintenance, every write but group work). Call only inside a
 * batch (store_in_group): state read there stays valid for as long as
 * the count does not change. */
uint64_t store_write_epoch(void);

/* Asks for a checkpoint of the write-ahead log (truncating it once it has
 * grown large), run on the checkpoint thread, when a commit has written to
 * the log since the last checkpoint began (an idle server does nothing);
 * returns at once. Any thread, between store_init and store_shutdown. */
void store_maintain(void);

/* Executes SQL text that has no parameters (schema, pragmas). */
int store_exec(const char *sql);

/* Maps an SQLite result code to a STORE_ code, logging unexpected ones
 * with CONTEXT. */
int store_rc(int rc, const char *context);

/* Deletes every row of every table (the admin reset). Code blobs stay:
 * they are content-addressed and harmless. Returns STORE_OK or STORE_ERR. */
int store_reset(void);

/* The directory holding code blobs and unpacked code, without trailing
 * slash. Borrowed, valid until store_shutdown(). */
const char *store_code_dir(void);

/* 1 when store_init made the code directory itself (--in-memory, or a
 * new data directory), so no process of an earlier run can be working
 * in it; 0 when it was there already. */
int store_code_dir_new(void);

/* The data directory (or the private temporary one of --in-memory).
 * Borrowed, valid until store_shutdown(). */
const char *store_data_dir(void);

/* Schema version this build migrates to (PRAGMA user_version). */
int store_schema_version(void);

#endif
