/*
 * SQLite access for every layer above: the per-thread connection, the
 * statement cache, transactions, schema migrations and the admin reset.
 * Called from HTTP worker threads and background threads alike; each
 * thread gets its own connection (house rule: never share a sqlite3*).
 */
#include "storage/store.h"
#include "storage/store_ddb.h"
#include "storage/schema.h"
#include "storage/store_sql.h"

#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Statements cached per thread. The code uses a few dozen distinct SQL
 * strings; past this, statements are prepared and finalized per use. */
#define STORE_STMT_CACHE 128

/* How long a writer waits for another thread's write transaction before
 * giving up with STORE_BUSY. Writes are short; 5 s means something is
 * badly wrong rather than merely contended. */
#define STORE_BUSY_TIMEOUT_MS 5000

struct stmt_slot {
    const char *sql;
    sqlite3_stmt *st;
};

struct store_conn {
    sqlite3 *db;
    int nslot;
    struct stmt_slot slot[STORE_STMT_CACHE];
};

static pthread_key_t conn_key;

/* Writers queue on this mutex before BEGIN IMMEDIATE. SQLite's own busy
 * handler makes a waiting writer sleep in growing steps (1, 2, 5, 10 ms…),
 * which under four concurrent writers cost more than the writes; a mutex
 * hands the lock over at once. Held from store_begin(1) to commit or
 * rollback, by one thread at a time. */
static pthread_mutex_t write_mu = PTHREAD_MUTEX_INITIALIZER;
static __thread int holds_write;

/* Every write transaction runs on this one connection, used only by the
 * thread holding write_mu. A write through a thread's own connection
 * would make every other connection drop its page cache at its next
 * read transaction, and with a connection per HTTP thread that meant
 * re-reading the upper b-tree pages on almost every write (pread and
 * copies were the largest cost under four writers). Opened on first
 * use, closed by store_shutdown. */
static struct store_conn *writer;
static char db_path[PATH_MAX];
static char code_dir[PATH_MAX];
static char data_dir[PATH_MAX];
static char tmp_root[PATH_MAX];   /* in-memory mode: removed at shutdown */
static int in_memory_mode;

static void conn_close(void *p) {
    struct store_conn *c = p;
    if (c == NULL) return;
    for (int i = 0; i < c->nslot; i++) sqlite3_finalize(c->slot[i].st);
    sqlite3_close_v2(c->db);
    free(c);
}

int store_rc(int rc, const char *context) {
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_CONSTRAINT:
        return STORE_CONFLICT;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        fprintf(stderr, "sluice: storage busy in %s (rc=%d)\n", context, rc);
        return STORE_BUSY;
    default:
        fprintf(stderr, "sluice: storage error in %s: rc=%d (%s)\n", context,
                rc, sqlite3_errstr(rc));
        return STORE_ERR;
    }
}

static sqlite3 *open_db(void) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(db_path, &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                 SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
                             NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "sluice: cannot open %s: %s\n", db_path,
                db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT_MS);
    /* NORMAL in WAL mode is durable against process crashes (kill -9): a
     * committed transaction is in the WAL file before COMMIT returns. Only
     * an OS crash or power loss can lose the last transactions. */
    /* journal_size_limit: once a checkpoint restarts the WAL, its file is
     * cut back to 16 MB instead of keeping its high-water size. */
    sqlite3_exec(db,
                 in_memory_mode ? "PRAGMA synchronous=OFF; PRAGMA foreign_keys=ON;"
                                  " PRAGMA journal_size_limit=16777216;"
                                : "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                                  " PRAGMA journal_size_limit=16777216;",
                 NULL, NULL, NULL);
    return db;
}

static struct store_conn *conn_new(void) {
    struct store_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) abort();
    c->db = open_db();
    if (c->db == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

/* The connection statements of this thread go to: the shared writer
 * while a write transaction is held, else the thread's own. NULL when
 * the database cannot be opened. */
static struct store_conn *cur_conn(void) {
    if (holds_write) {
        if (writer == NULL) writer = conn_new();
        return writer;
    }
    struct store_conn *c = pthread_getspecific(conn_key);
    if (c) return c;
    c = conn_new();
    if (c) pthread_setspecific(conn_key, c);
    return c;
}

struct sqlite3 *store_db(void) {
    struct store_conn *c = cur_conn();
    return c ? c->db : NULL;
}

struct sqlite3_stmt *store_stmt(const char *sql) {
    struct store_conn *c = cur_conn();
    if (c == NULL) return NULL;
    for (int i = 0; i < c->nslot; i++) {
        if (c->slot[i].sql == sql) {
            sqlite3_reset(c->slot[i].st);
            sqlite3_clear_bindings(c->slot[i].st);
            return c->slot[i].st;
        }
    }
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "sluice: prepare failed: %s\n  in: %s\n", sqlite3_errmsg(c->db), sql);
        return NULL;
    }
    if (c->nslot == STORE_STMT_CACHE) {
        /* Cache full: evict the oldest. Not expected with static SQL. */
        sqlite3_finalize(c->slot[0].st);
        memmove(&c->slot[0], &c->slot[1], sizeof(c->slot[0]) * (STORE_STMT_CACHE - 1));
        c->nslot--;
    }
    c->slot[c->nslot].sql = sql;
    c->slot[c->nslot].st = st;
    c->nslot++;
    return st;
}

int store_exec(const char *sql) {
    sqlite3 *db = store_db();
    if (db == NULL) return STORE_ERR;
    char *zerr = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &zerr);
    if (rc != SQLITE_OK) {
        fprintf(stderr, "sluice: sql failed: %s\n", zerr ? zerr : sqlite3_errstr(rc));
        sqlite3_free(zerr);
    }
    return store_rc(rc, "exec");
}

char *store_col_dup(sqlite3_stmt *st, int i) {
    const unsigned char *z = sqlite3_column_text(st, i);
    if (z == NULL) return NULL;
    char *p = strdup((const char *)z);
    if (p == NULL) abort();
    return p;
}

void store_col_copy(sqlite3_stmt *st, int i, char *buf, size_t n) {
    const unsigned char *z = sqlite3_column_text(st, i);
    snprintf(buf, n, "%s", z ? (const char *)z : "");
}

void store_bind_scope(sqlite3_stmt *st, struct store_scope s, const char *name) {
    sqlite3_bind_text(st, 1, s.account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, s.region, -1, SQLITE_TRANSIENT);
    if (name) sqlite3_bind_text(st, 3, name, -1, SQLITE_TRANSIENT);
}

int store_step_done(sqlite3_stmt *st, const char *ctx) {
    int rc = sqlite3_step(st);
    int out = store_rc(rc, ctx);
    sqlite3_reset(st);
    return out;
}

int store_rows_done(sqlite3_stmt *st, int rc, const char *ctx) {
    int out = (rc == SQLITE_ROW || rc == SQLITE_DONE) ? STORE_OK : store_rc(rc, ctx);
    sqlite3_reset(st);
    return out;
}

int store_rows_each(sqlite3_stmt *st, store_row_cb cb, void *ctx, const char *ctx_name) {
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1)))
            break;
    return store_rows_done(st, rc, ctx_name);
}

int store_step_change(sqlite3_stmt *st, const char *ctx) {
    int rc = store_step_done(st, ctx);
    if (rc != STORE_OK) return rc;
    return sqlite3_changes(sqlite3_db_handle(st)) > 0 ? STORE_OK : STORE_NOTFOUND;
}

/*
 * Group commit. A DynamoDB write (store_begin_group) runs as a savepoint
 * inside a transaction that several writers share: when it ends while
 * other writers are queued on write_mu, it leaves the transaction open,
 * hands the mutex on and sleeps until a later writer commits the group.
 * Each commit writes every page it changed to the WAL once, so k writes
 * that touch the same b-tree leaves (items, stream records) cost one
 * page write each instead of k. A writer is acknowledged only after the
 * COMMIT that holds its work, so nothing acknowledged can be lost, and
 * a failed COMMIT fails every member.
 *
 * Whoever takes write_mu and is not a group writer (store_begin(1),
 * maintenance, shutdown) commits an open group first. A member waits
 * holding no lock but its HTTP thread, and the mutex always passes to a
 * queued thread, which either commits or joins; so a group never waits
 * on itself. Callers of store_begin_group must not hold other locks.
 */

/* Writers one group may hold before it commits even with more queued:
 * under a steady stream of writers the group would otherwise never end,
 * and its members' replies would wait without bound. */
#define STORE_GROUP_MAX 16

struct group_member {
    int rc;                         /* STORE_ code of the group's commit */
    int done;
    struct group_member *next;
};

static pthread_cond_t group_cv = PTHREAD_COND_INITIALIZER;
static int group_open;              /* the writer has an open group transaction */
static int group_lost;              /* SQLite rolled it back under a member */
static int group_size;              /* members sleeping until it commits */
static struct group_member *group_members;
static int write_queued;            /* threads waiting for write_mu (atomic) */

static void lock_write(void) {
    __atomic_add_fetch(&write_queued, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_lock(&write_mu);
    __atomic_sub_fetch(&write_queued, 1, __ATOMIC_SEQ_CST);
}

static int others_queued(void) { return __atomic_load_n(&write_queued, __ATOMIC_SEQ_CST) > 0; }

/* Ends the open group: commits it (or, if SQLite already rolled it back,
 * fails it), tells every member, and wakes them. Holds write_mu. */
static int group_finish(void) {
    int rc = SQLITE_OK;
    if (group_open) {
        sqlite3 *db = writer->db;
        if (group_lost || sqlite3_get_autocommit(db)) {
            rc = SQLITE_ABORT;
        } else {
            rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        }
        /* Whatever is still open (a failed COMMIT, a lost group) goes. */
        if (!sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    int out = store_rc(rc, "group commit");
    for (struct group_member *m = group_members; m; m = m->next) {
        m->rc = out;
        m->done = 1;
    }
    if (group_members) pthread_cond_broadcast(&group_cv);
    group_members = NULL;
    group_size = 0;
    group_open = 0;
    group_lost = 0;
    return out;
}

static void release_write(void) {
    if (holds_write) {
        holds_write = 0;
        pthread_mutex_unlock(&write_mu);
    }
}

/* Lets go of write_mu as a group writer that is not waiting for the
 * group: the group stays open only if it has sleeping members and a
 * queued writer will take the mutex next (and so commit or join it);
 * otherwise it is committed now. Returns the commit's STORE_ code, or
 * STORE_OK when it was left open. */
static int hand_on(void) {
    int rc = STORE_OK;
    if (group_open && !(group_size > 0 && others_queued())) rc = group_finish();
    release_write();
    return rc;
}

/* Ends a member whose savepoint was released into the group: sleeps
 * until the group commits if more writers are queued to join it, else
 * commits it now. Returns the STORE_ code of that commit. */
static int group_leave(void) {
    if (sqlite3_get_autocommit(writer->db)) group_lost = 1;
    if (group_size + 1 < STORE_GROUP_MAX && others_queued()) {
        struct group_member me = {STORE_OK, 0, group_members};
        group_members = &me;
        group_size++;
        while (!me.done) pthread_cond_wait(&group_cv, &write_mu);
        release_write();
        return me.rc;
    }
    int rc = group_finish();
    release_write();
    return rc;
}

int store_begin(int write) {
    int acquired = 0;
    if (write && !holds_write) {
        lock_write();
        holds_write = 1;
        acquired = 1;
        if (group_open) group_finish();
    }
    sqlite3 *db = store_db();
    if (db == NULL) {
        if (acquired) release_write();
        return STORE_ERR;
    }
    int rc = sqlite3_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL, NULL);
    /* A nested begin fails without giving up the outer transaction's lock. */
    if (rc != SQLITE_OK && acquired) release_write();
    return store_rc(rc, "begin");
}

int store_begin_group(void) {
    if (holds_write) return STORE_ERR;  /* no nesting */
    lock_write();
    holds_write = 2;
    sqlite3 *db = store_db();
    if (db == NULL) {
        release_write();
        return STORE_ERR;
    }
    if (group_open && sqlite3_get_autocommit(db)) group_finish();  /* lost: fail it */
    int rc = SQLITE_OK;
    if (!group_open) {
        rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
        if (rc == SQLITE_OK) group_open = 1;
    }
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "SAVEPOINT member", NULL, NULL, NULL);
    if (rc != SQLITE_OK) hand_on();
    return store_rc(rc, "begin group");
}

int store_commit(void) {
    if (holds_write == 2) {
        int rc = sqlite3_exec(writer->db, "RELEASE member", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
            store_rc(rc, "release savepoint");
            group_lost = 1;
        }
        return group_leave();
    }
    int rc = sqlite3_exec(store_db(), "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_exec(store_db(), "ROLLBACK", NULL, NULL, NULL);
    }
    release_write();
    return store_rc(rc, "commit");
}

void store_rollback(void) {
    if (holds_write == 2) {
        sqlite3 *db = writer->db;
        if (!sqlite3_get_autocommit(db) &&
            (sqlite3_exec(db, "ROLLBACK TO member", NULL, NULL, NULL) != SQLITE_OK ||
             sqlite3_exec(db, "RELEASE member", NULL, NULL, NULL) != SQLITE_OK))
            group_lost = 1;
        if (sqlite3_get_autocommit(db)) group_lost = group_open;
        hand_on();
        return;
    }
    sqlite3 *db = store_db();
    if (db && !sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    release_write();
}

/* WAL pages beyond which maintenance truncates the log: 4096 pages of
 * 4 KB is 16 MB. Readers that never pause keep SQLite's automatic
 * (passive) checkpoints from restarting the WAL, so it would only grow. */
#define STORE_WAL_TRUNCATE_PAGES 4096

void store_maintain(void) {
    sqlite3 *db = store_db();
    if (db == NULL) return;
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK) return;
    if (log < STORE_WAL_TRUNCATE_PAGES) return;
    /* With the write lock held no writer can extend the log meanwhile;
     * TRUNCATE waits (busy timeout) for readers to move past it. */
    lock_write();
    holds_write = 1;
    if (group_open) group_finish();
    sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    release_write();
}

static int mkdir_p(const char *path) {
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf)) return -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) return -1;
    return 0;
}

static int migrate(void) {
    sqlite3 *db = store_db();
    if (db == NULL) return STORE_ERR;
    /* WAL persists in the file; set it before any transaction. */
    if (!in_memory_mode && store_exec("PRAGMA journal_mode=WAL") != STORE_OK) return STORE_ERR;
    if (in_memory_mode) store_exec("PRAGMA journal_mode=WAL");
    sqlite3_stmt *st = NULL;
    int version = 0;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > STORE_SCHEMA_VERSION) {
        fprintf(stderr, "sluice: %s has schema version %d, newer than this build (%d)\n",
                db_path, version, STORE_SCHEMA_VERSION);
        return STORE_ERR;
    }
    for (; version < STORE_SCHEMA_VERSION; version++) {
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", version + 1);
        if (store_begin(1) != STORE_OK) return STORE_ERR;
        if (store_exec(store_migrations[version]) != STORE_OK || store_exec(pragma) != STORE_OK) {
            store_rollback();
            return STORE_ERR;
        }
        if (store_commit() != STORE_OK) return STORE_ERR;
    }
    return STORE_OK;
}

int store_init(const char *dir, int in_memory) {
    in_memory_mode = in_memory;
    if (pthread_key_create(&conn_key, conn_close) != 0) return STORE_ERR;
    if (in_memory) {
        /* A private directory on tmpfs when there is one: SQLite in WAL
         * mode with one connection per thread needs a real file, and
         * memory-backed files keep it as fast as :memory:. */
        const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
        if (base == NULL) base = "/tmp";
        snprintf(tmp_root, sizeof(tmp_root), "%s/sluice-mem-XXXXXX", base);
        if (mkdtemp(tmp_root) == NULL) {
            fprintf(stderr, "sluice: cannot create a temporary directory in %s: %s\n", base,
                    strerror(errno));
            return STORE_ERR;
        }
        dir = tmp_root;
    } else if (mkdir_p(dir) != 0) {
        fprintf(stderr, "sluice: cannot create data directory %s: %s\n", dir, strerror(errno));
        return STORE_ERR;
    }
    /* Absolute, so that function processes (LAMBDA_TASK_ROOT) and the
     * orphan check see the same paths whatever the working directory. */
    char abs_dir[PATH_MAX];
    if (realpath(dir, abs_dir) != NULL) dir = abs_dir;
    snprintf(data_dir, sizeof(data_dir), "%s", dir);
    if (snprintf(db_path, sizeof(db_path), "%s/sluice.db", dir) >= (int)sizeof(db_path) ||
        snprintf(code_dir, sizeof(code_dir), "%s/code", dir) >= (int)sizeof(code_dir)) {
        fprintf(stderr, "sluice: data directory path too long\n");
        return STORE_ERR;
    }
    if (mkdir_p(code_dir) != 0) {
        fprintf(stderr, "sluice: cannot create %s: %s\n", code_dir, strerror(errno));
        return STORE_ERR;
    }
    return migrate();
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

void store_thread_done(void) {
    struct store_conn *c = pthread_getspecific(conn_key);
    pthread_setspecific(conn_key, NULL);
    conn_close(c);
}

void store_shutdown(void) {
    struct store_conn *c = pthread_getspecific(conn_key);
    pthread_setspecific(conn_key, NULL);
    conn_close(c);
    lock_write();
    if (group_open) group_finish();
    conn_close(writer);
    store_ddb_forget();
    writer = NULL;
    pthread_mutex_unlock(&write_mu);
    if (in_memory_mode && tmp_root[0]) {
        nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        tmp_root[0] = '\0';
    }
}

int store_reset(void) {
    static const char *const sql =
        "DELETE FROM functions; DELETE FROM versions; DELETE FROM aliases;"
        "DELETE FROM policies; DELETE FROM pc_configs;"
        "DELETE FROM ddb_tables; DELETE FROM ddb_items; DELETE FROM ddb_index_items;"
        "DELETE FROM ddb_streams; DELETE FROM ddb_shards; DELETE FROM ddb_records;"
        "DELETE FROM ddb_transactions;"
        "DELETE FROM log_groups; DELETE FROM log_streams; DELETE FROM log_events;"
        "DELETE FROM async_events; DELETE FROM event_invoke_configs;"
        "DELETE FROM esm_mappings; DELETE FROM esm_positions; DELETE FROM esm_deliveries;"
        "DELETE FROM esm_failures;"
        "DELETE FROM metrics;";
    if (store_begin(1) != STORE_OK) return STORE_ERR;
    if (store_exec(sql) != STORE_OK) {
        store_rollback();
        return STORE_ERR;
    }
    store_ddb_forget();   /* still under the write lock */
    return store_commit();
}

const char *store_code_dir(void) { return code_dir; }

const char *store_data_dir(void) { return data_dir; }

int store_schema_version(void) { return STORE_SCHEMA_VERSION; }
