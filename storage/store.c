/*
 * SQLite access for every layer above: the per-thread connection, the
 * statement cache, transactions, schema migrations and the admin reset.
 * Called from HTTP worker threads and background threads alike; each
 * thread gets its own connection (house rule: never share a sqlite3*).
 */
#include "storage/store.h"
#include "base/util.h"
#include "storage/store_ddb.h"
#include "storage/schema.h"
#include "storage/store_sql.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

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
static int code_dir_new;          /* store_init made code_dir */

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

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages);

static struct store_conn *conn_new(void) {
    struct store_conn *c = xcalloc(1, sizeof(*c));
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
        if (writer == NULL && (writer = conn_new()) != NULL)
            sqlite3_wal_hook(writer->db, wal_hook, NULL);   /* replaces autocheckpoint */
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
    return xstrdup((const char *)z);
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

int store_row_done(sqlite3_stmt *st, int rc, const char *ctx) {
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) return STORE_OK;
    return rc == SQLITE_DONE ? STORE_NOTFOUND : store_rc(rc, ctx);
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

/* Runs SQL, one transaction-control statement, on store_db()'s
 * connection from the statement cache: sqlite3_exec would parse it
 * again on every call, several times per write. Returns an SQLite code. */
static int ctl(const char *sql) {
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return SQLITE_ERROR;
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static const char sql_begin[] = "BEGIN IMMEDIATE", sql_begin_read[] = "BEGIN", sql_commit[] = "COMMIT",
                  sql_rollback[] = "ROLLBACK", sql_savepoint[] = "SAVEPOINT job",
                  sql_release[] = "RELEASE job", sql_rollback_to[] = "ROLLBACK TO job";

/* A new data directory's database, renamed into place but not yet
 * flushed (create_db). Nothing has been acknowledged before the ready
 * file, so the flush waits until just after it (store_sync_new_db) or
 * until the first writer, whichever comes first: no write commits on top
 * of an image that is not on disk. Read and written under write_mu. */
static int image_unsynced;

static int sync_path(const char *path);

/* Takes the write lock; flushes a new database first when it is not yet
 * (a failure is logged and retried by the next writer). */
static void lock_write(void) {
    pthread_mutex_lock(&write_mu);
    if (image_unsynced) {
        if (sync_path(db_path) == 0 && sync_path(data_dir) == 0)
            image_unsynced = 0;
        else
            fprintf(stderr, "sluice: cannot flush %s: %s\n", db_path, strerror(errno));
    }
}

static void release_write(void) {
    if (holds_write) {
        holds_write = 0;
        pthread_mutex_unlock(&write_mu);
    }
}

/* Write transactions begun by store_begin(1); read and written under
 * write_mu only. */
static uint64_t write_epoch;

void store_sync_new_db(void) {
    lock_write();
    pthread_mutex_unlock(&write_mu);
}

int store_begin(int write) {
    int acquired = 0;
    if (write && !holds_write) {
        lock_write();
        holds_write = 1;
        acquired = 1;
        write_epoch++;
    }
    sqlite3 *db = store_db();
    if (db == NULL) {
        if (acquired) release_write();
        return STORE_ERR;
    }
    int rc = ctl(write ? sql_begin : sql_begin_read);
    /* A nested begin fails without giving up the outer transaction's lock. */
    if (rc != SQLITE_OK && acquired) release_write();
    return store_rc(rc, "begin");
}

int store_commit(void) {
    int rc = ctl(sql_commit);
    if (rc != SQLITE_OK && !sqlite3_get_autocommit(store_db())) ctl(sql_rollback);
    release_write();
    return store_rc(rc, "commit");
}

void store_rollback(void) {
    sqlite3 *db = store_db();
    if (db && !sqlite3_get_autocommit(db)) ctl(sql_rollback);
    release_write();
}

/*
 * Group commit. Small writes (DynamoDB item writes) queue their work
 * (store_group_run) instead of each taking the write lock. The first
 * queued thread that finds no batch running leads one: it takes the write
 * lock, runs every queued job (its own and other threads') as a
 * savepoint inside one transaction, commits once, and wakes the jobs'
 * threads. The WAL gets each changed page once per commit instead of once
 * per write, the write lock stays on one thread for the whole batch (no
 * hand-over, i.e. no futex wake and reschedule, between writes), and the
 * leader itself never sleeps. A job is answered only after the COMMIT
 * holding its work, so nothing acknowledged can be lost; a failed COMMIT
 * fails every job in it. Other writers (store_begin(1)) queue on
 * write_mu as before and get it between two batches.
 */

/* Jobs one transaction may hold: under a steady stream of writers the
 * batch would otherwise never end, and its first jobs' replies would
 * wait without bound. 64 writes of a few pages each stay well under a
 * millisecond of work. */
#define STORE_GROUP_MAX 64

/* Times a queued job's thread yields the CPU, checking whether its batch
 * is done, before it sleeps on its condition variable: about one batch
 * of a few writes on a busy 2-core machine (each yield lets the leader or
 * another thread run), a few microseconds of spinning on an idle big one.
 * 4 connections of PutItem: +25% in memory, +10% with a data dir. */
#define STORE_GROUP_YIELDS 32

struct group_job {
    store_group_fn fn;
    void *ctx;
    int rc;                         /* STORE_ code, see store_group_run */
    int done;                       /* set under group_mu, read also without */
    int yielded;                    /* its thread has yielded once already */
    int sleeping;                   /* its thread waits on CV: signal it */
    pthread_cond_t cv;
    struct group_job *next;
};

static pthread_mutex_t group_mu = PTHREAD_MUTEX_INITIALIZER;
static struct group_job *group_head, *group_tail;
static int group_leading;           /* a batch is running (under group_mu) */

/* Pops the next queued job, or NULL. Holds group_mu. */
static struct group_job *group_pop(void) {
    struct group_job *j = group_head;
    if (j) {
        group_head = j->next;
        if (group_head == NULL) group_tail = NULL;
        j->next = NULL;
    }
    return j;
}

/* Runs job J as a savepoint of the open transaction on DB. Returns 0, or
 * -1 when the transaction is gone (SQLite rolled it back under the job,
 * or the savepoint could not be ended): every job in it has failed. */
static int group_apply(sqlite3 *db, struct group_job *j) {
    if (ctl(sql_savepoint) != SQLITE_OK) {
        j->rc = STORE_ERR;
        return -1;
    }
    j->rc = STORE_OK;
    if (j->fn(j->ctx) == 0) {
        if (ctl(sql_release) != SQLITE_OK) return -1;
    } else if (!sqlite3_get_autocommit(db) &&
               (ctl(sql_rollback_to) != SQLITE_OK || ctl(sql_release) != SQLITE_OK)) {
        return -1;
    }
    return sqlite3_get_autocommit(db) ? -1 : 0;
}

/* Leads one batch: takes queued jobs into one transaction until the
 * queue is empty or STORE_GROUP_MAX, commits, and marks them done, waking
 * every one but SELF. Called without group_mu; the caller is the leader. */
static void group_batch(struct group_job *self) {
    struct group_job *batch = NULL, *last = NULL;
    int n = 0, rc, lost = 0;
    lock_write();
    holds_write = 2;
    sqlite3 *db = store_db();
    rc = db ? ctl(sql_begin) : SQLITE_CANTOPEN;
    while (rc == SQLITE_OK && !lost && n < STORE_GROUP_MAX) {
        pthread_mutex_lock(&group_mu);
        struct group_job *j = group_pop();
        pthread_mutex_unlock(&group_mu);
        if (j == NULL) break;
        if (last) last->next = j;
        else batch = j;
        last = j;
        n++;
        lost = group_apply(db, j);
    }
    if (rc == SQLITE_OK) {
        rc = lost ? SQLITE_ABORT : ctl(sql_commit);
        if (!sqlite3_get_autocommit(db)) ctl(sql_rollback);
    } else {
        /* No transaction: fail the job that would have been first. */
        pthread_mutex_lock(&group_mu);
        batch = group_pop();
        pthread_mutex_unlock(&group_mu);
        if (batch) batch->rc = STORE_ERR;
    }
    release_write();
    int out = store_rc(rc, "group commit");
    pthread_mutex_lock(&group_mu);
    for (struct group_job *j = batch, *next; j; j = next) {
        next = j->next;   /* J lives on its waiter's stack: read first */
        if (out != STORE_OK && j->rc == STORE_OK) j->rc = out;
        __atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
        if (j != self && j->sleeping) pthread_cond_signal(&j->cv);
    }
    pthread_mutex_unlock(&group_mu);
}

int store_in_group(void) { return holds_write == 2; }

uint64_t store_write_epoch(void) {
    assert(store_in_group()); /* store.h: only inside a batch */
    return write_epoch;
}

int store_group_run(store_group_fn fn, void *ctx) {
    if (holds_write) return STORE_ERR;   /* would wait for itself */
    struct group_job j = {fn, ctx, STORE_OK, 0, 0, 0, PTHREAD_COND_INITIALIZER, NULL};
    pthread_mutex_lock(&group_mu);
    if (group_tail) group_tail->next = &j;
    else group_head = &j;
    group_tail = &j;
    while (!j.done) {
        if (group_leading) {
            /* A batch is short: yield the CPU a few times before sleeping,
             * so that most jobs find themselves done without the leader
             * having to wake them (a futex wake and a reschedule each). */
            if (!j.yielded) {
                j.yielded = 1;
                pthread_mutex_unlock(&group_mu);
                for (int i = 0; i < STORE_GROUP_YIELDS && !__atomic_load_n(&j.done, __ATOMIC_ACQUIRE); i++)
                    sched_yield();
                pthread_mutex_lock(&group_mu);
                continue;
            }
            j.sleeping = 1;
            pthread_cond_wait(&j.cv, &group_mu);
            continue;
        }
        group_leading = 1;
        pthread_mutex_unlock(&group_mu);
        group_batch(&j);
        pthread_mutex_lock(&group_mu);
        group_leading = 0;
        /* Whoever queued after the batch's last pop needs a leader. */
        if (group_head) pthread_cond_signal(&group_head->cv);
    }
    pthread_mutex_unlock(&group_mu);
    pthread_cond_destroy(&j.cv);
    return j.rc;
}

/*
 * Checkpoints. SQLite's own automatic checkpoint runs in the COMMIT that
 * takes the WAL past 1,000 pages, with the write lock held: every writer
 * waits while it copies 4 MB into the database and, with a data
 * directory, syncs the WAL and the database file. A checkpoint running
 * beside the writers alone cannot end the log either: the WAL restarts
 * from its beginning only once every frame is in the database, and
 * writers keep appending (tried: the WAL stopped restarting, grew into
 * new pages, and p99 went from 4 to 22 ms).
 * So the writer connection's WAL hook wakes a checkpoint thread, which
 * copies and syncs the bulk while writers go on (a PASSIVE checkpoint
 * takes no lock a writer needs), then takes the write lock for the few
 * frames appended meanwhile. The log is then fully copied, and the next
 * writer restarts it.
 */

/* WAL pages after a commit that wake the checkpoint thread: SQLite's own
 * automatic threshold (4 MB of 4 KB pages). */
#define STORE_CKPT_PAGES 1000
/* WAL pages beyond which a checkpoint truncates the log: 16 MB. Readers
 * that never pause keep checkpoints from restarting the WAL, so it would
 * only grow. */
#define STORE_WAL_TRUNCATE_PAGES 4096

static pthread_mutex_t ckpt_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ckpt_cv = PTHREAD_COND_INITIALIZER;
static pthread_t ckpt_thread;
static int ckpt_running, ckpt_wanted, ckpt_stopping;
/* Commits that wrote to the log (counted by wal_hook), and their number
 * when the last checkpoint began: store_maintain asks for a checkpoint
 * only when they differ, so an idle server never wakes the checkpoint
 * thread (which would open a connection, ~150 kB, for nothing). */
static uint64_t wal_commits, ckpt_commits;

/* Wakes the checkpoint thread for one checkpoint; any thread. */
static void ckpt_request(void) {
    pthread_mutex_lock(&ckpt_mu);
    ckpt_wanted = 1;
    pthread_cond_signal(&ckpt_cv);
    pthread_mutex_unlock(&ckpt_mu);
}

static int wal_hook(void *arg, sqlite3 *db, const char *name, int pages) {
    (void)arg;
    (void)db;
    (void)name;
    __atomic_add_fetch(&wal_commits, 1, __ATOMIC_RELAXED);
    if (pages >= STORE_CKPT_PAGES && !__atomic_load_n(&ckpt_wanted, __ATOMIC_RELAXED)) ckpt_request();
    return SQLITE_OK;
}

/* Checkpoints on the calling thread's own connection: the bulk without
 * the write lock, the rest with it (truncating a log grown past
 * STORE_WAL_TRUNCATE_PAGES). Holds no lock on entry. */
static void checkpoint(void) {
    sqlite3 *db = store_db();
    if (db == NULL) return;
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) != SQLITE_OK) return;
    if (log <= 0) return;
    /* With the write lock held no writer can extend the log meanwhile;
     * TRUNCATE waits (busy timeout) for readers to move past it. */
    lock_write();
    holds_write = 1;
    sqlite3_wal_checkpoint_v2(db, NULL,
                              log >= STORE_WAL_TRUNCATE_PAGES ? SQLITE_CHECKPOINT_TRUNCATE
                                                              : SQLITE_CHECKPOINT_PASSIVE,
                              &log, &done);
    release_write();
}

static void *ckpt_main(void *arg) {
    (void)arg;
    pthread_setname_np(pthread_self(), "sluice-ckpt");
    pthread_mutex_lock(&ckpt_mu);
    while (!ckpt_stopping) {
        if (!ckpt_wanted) {
            pthread_cond_wait(&ckpt_cv, &ckpt_mu);
            continue;
        }
        pthread_mutex_unlock(&ckpt_mu);
        __atomic_store_n(&ckpt_commits, __atomic_load_n(&wal_commits, __ATOMIC_RELAXED), __ATOMIC_RELAXED);
        checkpoint();
        pthread_mutex_lock(&ckpt_mu);
        ckpt_wanted = 0;   /* after: commits during it need not ask again */
    }
    pthread_mutex_unlock(&ckpt_mu);
    store_thread_done();
    return NULL;
}

static void ckpt_stop(void) {
    if (!ckpt_running) return;
    pthread_mutex_lock(&ckpt_mu);
    ckpt_stopping = 1;
    pthread_cond_signal(&ckpt_cv);
    pthread_mutex_unlock(&ckpt_mu);
    pthread_join(ckpt_thread, NULL);
    ckpt_running = ckpt_stopping = ckpt_wanted = 0;
}

void store_maintain(void) {
    if (__atomic_load_n(&wal_commits, __ATOMIC_RELAXED) != __atomic_load_n(&ckpt_commits, __ATOMIC_RELAXED))
        ckpt_request();
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

/* Runs SQL on DB, logging a failure. Returns an SQLite code. */
static int exec_on(sqlite3 *db, const char *sql) {
    char *zerr = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &zerr);
    if (rc != SQLITE_OK) fprintf(stderr, "sluice: sql failed: %s\n", zerr ? zerr : sqlite3_errstr(rc));
    sqlite3_free(zerr);
    return rc;
}

/* Moves the schema of DB from user_version FROM to TO inside the
 * caller's write transaction, one migration after another. Returns an
 * SQLite code. */
static int schema_apply(sqlite3 *db, int from, int to) {
    int rc = SQLITE_OK;
    for (int v = from; rc == SQLITE_OK && v < to; v++) rc = exec_on(db, store_migrations[v]);
    char pragma[64];
    snprintf(pragma, sizeof(pragma), "PRAGMA user_version=%d", to);
    return rc == SQLITE_OK ? exec_on(db, pragma) : rc;
}

/* fsyncs PATH (a file or a directory). Returns 0 or -1. */
static int sync_path(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* The database every new data directory and --in-memory start begins
 * with: the current schema in WAL mode, made at build time from
 * storage/schema.h by tools/mkdbimage.c and zlib-compressed (3 kB for
 * 200 kB of mostly empty pages). Creating the schema with SQL at start
 * was 7.9 million instructions of a 10.5-million-instruction main(). */
extern const unsigned char store_db_image[];
extern const size_t store_db_image_len;
extern const size_t store_db_image_size;

/* store_db_image is inflated and written in pieces of this size: at start
 * every page the process touches costs a page fault, dear on small VMs, so
 * a few kB reused beat a buffer of the whole 200 kB image (50 faults;
 * docs/architecture.md, "Start-up, second pass"). */
#define IMAGE_CHUNK 8192

/* Writes all N bytes of BUF to FD. Returns 0, or -1 with errno set. */
static int write_all(int fd, const unsigned char *buf, size_t n) {
    for (size_t off = 0; off < n;) {
        ssize_t w = write(fd, buf + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        off += (size_t)w;
    }
    return 0;
}

/* Writes store_db_image to PATH, which must not exist; fsynced when
 * SYNC. Returns 0, or -1 with errno set. */
static int write_image(const char *path, int sync) {
    unsigned char buf[IMAGE_CHUNK];
    z_stream zs = {0};
    size_t total = 0;
    int rc = -1, fd = -1, zrc = Z_OK, zinit = 0;
    if (inflateInit(&zs) != Z_OK) {
        errno = ENOMEM;
        goto out;
    }
    zinit = 1;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) goto out;
    zs.next_in = (Bytef *)store_db_image;
    zs.avail_in = (uInt)store_db_image_len;
    while (zrc == Z_OK) {
        zs.next_out = buf;
        zs.avail_out = sizeof(buf);
        zrc = inflate(&zs, Z_NO_FLUSH);
        size_t got = sizeof(buf) - zs.avail_out;
        if (zrc != Z_OK && zrc != Z_STREAM_END) break;
        if (write_all(fd, buf, got) != 0) goto out;
        total += got;
    }
    if (zrc != Z_STREAM_END || total != store_db_image_size) {
        errno = EINVAL;
        goto out;
    }
    if (sync && fsync(fd) != 0) goto out;
    rc = 0;
out:
    if (fd >= 0 && close(fd) != 0) rc = -1;
    if (zinit) inflateEnd(&zs);
    return rc;
}

/* Makes the database of a new data directory: store_db_image written
 * under a temporary name and renamed into place; the file and the
 * directory are flushed after the ready file (image_unsynced). Creating it
 * with SQLite flushed the disk five times on the way to the ready file
 * (switching an empty file to WAL goes through a rollback journal: the
 * journal, the directory, the file; then the new log and the directory
 * again); this flushes twice, and after ready. A crash before the rename
 * leaves only the temporary name, removed at the next start, so the
 * database is either whole or absent. Returns STORE_OK or STORE_ERR. */
static int create_db(void) {
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    char tmp[PATH_MAX + 16], path[PATH_MAX + 32];
    snprintf(tmp, sizeof(tmp), "%s.new", db_path);
    /* Files of an interrupted creation, and a log without its database
     * (which SQLite would otherwise replay into the new one). */
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(path, sizeof(path), "%s%s", tmp, suffixes[i]);
        unlink(path);
        if (i > 0) {
            snprintf(path, sizeof(path), "%s%s", db_path, suffixes[i]);
            unlink(path);
        }
    }
    if (write_image(tmp, 0) != 0 || rename(tmp, db_path) != 0) {
        fprintf(stderr, "sluice: cannot create %s: %s\n", db_path, strerror(errno));
        unlink(tmp);
        return STORE_ERR;
    }
    image_unsynced = 1;
    return STORE_OK;
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
    /* New databases start from store_db_image (create_db); an empty one
     * (version 0: a file of no pages) gets its whole schema in one
     * transaction. One made by an earlier build gets each missing
     * migration in a transaction of its own, as it always has: an upgrade
     * that is interrupted resumes at the migration it stopped in. */
    while (version < STORE_SCHEMA_VERSION) {
        int to = version == 0 ? STORE_SCHEMA_VERSION : version + 1;
        if (store_begin(1) != STORE_OK) return STORE_ERR;
        if (schema_apply(store_db(), version, to) != SQLITE_OK) {
            store_rollback();
            return STORE_ERR;
        }
        if (store_commit() != STORE_OK) return STORE_ERR;
        version = to;
    }
    return STORE_OK;
}

int store_init(const char *dir, int in_memory) {
    in_memory_mode = in_memory;
    /* No bulk page-cache allocation per connection: SQLite's default
     * (SQLITE_DEFAULT_PCACHE_INITSZ, 20 pages) writes a header into every
     * one of the 20 slots when a connection reads its first page, so each
     * connection opened before the ready file cost ~20 page faults for the
     * handful of pages it reads (docs/architecture.md, "Start-up, second pass").
     * Pages are then allocated one by one as the cache grows. Only
     * possible before SQLite initialises; otherwise (tests that used
     * SQLite first) the default stays, which is merely slower to start. */
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
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
    struct stat sb;
    code_dir_new = stat(code_dir, &sb) != 0;
    if (mkdir_p(code_dir) != 0) {
        fprintf(stderr, "sluice: cannot create %s: %s\n", code_dir, strerror(errno));
        return STORE_ERR;
    }
    struct stat db_sb;
    if (in_memory_mode && write_image(db_path, 0) != 0) {
        fprintf(stderr, "sluice: cannot create %s: %s\n", db_path, strerror(errno));
        return STORE_ERR;
    }
    /* Only when there is no database at all: a file that cannot be
     * looked at is left to SQLite to report. */
    if (!in_memory_mode && stat(db_path, &db_sb) != 0 && errno == ENOENT && create_db() != STORE_OK)
        return STORE_ERR;
    if (migrate() != STORE_OK) return STORE_ERR;
    if (pthread_create(&ckpt_thread, NULL, ckpt_main, NULL) != 0) {
        fprintf(stderr, "sluice: cannot start the checkpoint thread\n");
        return STORE_ERR;
    }
    ckpt_running = 1;
    return STORE_OK;
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
    ckpt_stop();
    lock_write();
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
        "DELETE FROM esm_mappings; DELETE FROM esm_positions; DELETE FROM esm_deliveries; DELETE FROM esm_attempts;"
        "DELETE FROM esm_failures;"
        "DELETE FROM metrics;"
        "DELETE FROM sts_keys;"
        "DELETE FROM async_deliveries;"
        "DELETE FROM sqs_queues; DELETE FROM sqs_messages; DELETE FROM sqs_dedup;"
        "DELETE FROM iam_roles; DELETE FROM iam_role_policies; DELETE FROM iam_policies;"
        "DELETE FROM iam_policy_versions; DELETE FROM iam_attachments;"
        "DELETE FROM s3_buckets; DELETE FROM s3_objects; DELETE FROM s3_uploads; DELETE FROM s3_parts;"
        "DELETE FROM ssm_parameters; DELETE FROM ssm_versions;"
        "DELETE FROM cfn_stacks; DELETE FROM cfn_resources; DELETE FROM cfn_events;"
        "DELETE FROM cfn_change_sets; DELETE FROM cfn_exports; DELETE FROM cfn_ops;";
    if (store_begin(1) != STORE_OK) return STORE_ERR;
    if (store_exec(sql) != STORE_OK) {
        store_rollback();
        return STORE_ERR;
    }
    store_ddb_forget();   /* still under the write lock */
    return store_commit();
}

const char *store_code_dir(void) { return code_dir; }

int store_code_dir_new(void) { return code_dir_new; }

const char *store_data_dir(void) { return data_dir; }

int store_schema_version(void) { return STORE_SCHEMA_VERSION; }
