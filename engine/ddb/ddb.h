/*
 * DynamoDB's engine: tables as the operations use them, primary and index
 * keys, the write path (item row, index entries and stream record in the
 * caller's one transaction), stream creation and shard rollover, TTL and
 * ClientRequestToken bookkeeping, and the background sweep. It knows no
 * HTTP request: a caller names the account and region with a struct
 * ddb_scope and receives failures in a struct ddb_err, which api/
 * (api/dynamodb.c, ddb_req_fail) renders as the AWS error. Called by the
 * DynamoDB handlers in api/ and by the background thread (ddb_sweep).
 *
 * Threads: every function runs on the calling thread inside the caller's
 * SQLite transaction (storage/store.h); the table cache is used only by
 * group-commit jobs, which the group writer runs one at a time.
 */
#ifndef SLUICE_ENGINE_DDB_DDB_H
#define SLUICE_ENGINE_DDB_DDB_H

#include "engine/ddb/ddb_av.h"
#include "storage/store_ddb.h"

#include <stdint.h>

struct cJSON;

/* DynamoDB's limits on secondary indexes per table. */
#define DDB_MAX_GSI 20
#define DDB_MAX_LSI 5
#define DDB_MAX_INDEXES (DDB_MAX_GSI + DDB_MAX_LSI)
/* Attribute name bytes DynamoDB allows for key attributes. */
#define DDB_MAX_KEY_NAME 255
/* Item size limit: 400 KB including attribute names. */
#define DDB_MAX_ITEM_SIZE (400 * 1024)
/* Partition key value bytes: 2048; sort key value bytes: 1024. */
#define DDB_MAX_HASH_BYTES 2048
#define DDB_MAX_RANGE_BYTES 1024
/* Stream partitions a table may ask for with the sluice:partitions tag. */
#define DDB_MAX_PARTITIONS 16
/* A shard rolls over to a child after 4 hours of clock time, as observed
 * on AWS [docs/aws-reference.md F; undocumented]. */
#define DDB_SHARD_ROLLOVER_MS (4LL * 3600 * 1000)
/* Stream records are kept 24 hours. */
#define DDB_STREAM_RETENTION_MS (24LL * 3600 * 1000)

/* ------------------------------------------------------------------ */
/* Scope and errors                                                     */
/* ------------------------------------------------------------------ */

/* Whose tables: an account (12 digits) and a region. Held by value, so a
 * table keeps the scope it was loaded in. */
struct ddb_scope {
    char account[13];
    char region[32];
};

/* The scope ACCOUNT / REGION (copied, cut to the buffers). */
struct ddb_scope ddb_scope_make(const char *account, const char *region);

/* S as the storage layer takes it; borrowed from S. */
struct store_scope ddb_scope_store(const struct ddb_scope *s);

/* The kinds of failure the engine reports; api/ maps each to one AWS
 * error (dynamodb.c, ddb_req_fail). */
enum ddb_errkind {
    DDB_ERR_NONE = 0,
    DDB_ERR_VALIDATION,   /* ValidationException */
    DDB_ERR_NOT_FOUND,    /* ResourceNotFoundException */
    DDB_ERR_IN_USE,       /* ResourceInUseException */
    DDB_ERR_IDEMPOTENT,   /* IdempotentParameterMismatchException */
    DDB_ERR_INTERNAL,     /* InternalServerError (a storage failure) */
};

/* A failure: its kind and AWS's message, word for word. Start it zeroed;
 * a later failure replaces an earlier one; free MSG with ddb_err_clear. */
struct ddb_err {
    enum ddb_errkind kind;
    char *msg;   /* owned; NULL when KIND is NONE */
};

/* Records KIND with a printf-style message in E. Returns -1, so a
 * function can `return ddb_err_set(...)`. */
int ddb_err_set(struct ddb_err *e, enum ddb_errkind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the failure of a storage call that returned RC (a STORE_ code;
 * logged nowhere, as AWS tells the client only "Internal server error").
 * Returns -1. */
int ddb_err_store(struct ddb_err *e, int rc);

/* Frees E's message and resets it to no failure. */
void ddb_err_clear(struct ddb_err *e);

/* ------------------------------------------------------------------ */
/* Tables                                                               */
/* ------------------------------------------------------------------ */

struct ddb_keydef {
    char name[DDB_MAX_KEY_NAME + 1];
    enum ddb_type type;   /* DDB_T_S, DDB_T_N or DDB_T_B; INVALID when absent */
};

struct ddb_index {
    char name[256];
    int global;
    struct ddb_keydef hash, range;
    const struct cJSON *projection;   /* borrowed from the table description */
};

/* A table as the operations use it. */
struct ddb_table {
    char name[256];
    struct ddb_scope scope;            /* the account and region it belongs to */
    struct store_ddb_table row;
    struct cJSON *desc;                /* parsed description (owned) */
    struct ddb_keydef hash, range;     /* range.type INVALID when no range key */
    struct ddb_index idx[DDB_MAX_INDEXES];
    int nidx;
    char ttl_attr[256];                /* "" when TTL is off */
    int stream_on;                     /* an enabled stream exists */
    struct store_stream stream;        /* valid when stream_on */
    int borrowed;                      /* a copy of a cached table: read only,
                                        * ddb_table_free leaves its parts alone */
};

/* The key type an AttributeType value Z names: S, N or B; INVALID for
 * anything else and for NULL. Pure. */
enum ddb_type ddb_scalar_type(const char *z);

/* The type attribute NAME has in the AttributeDefinitions array DEFS:
 * INVALID when DEFS does not define it (or gives no S, N or B). Pure. */
enum ddb_type ddb_defined_type(const struct cJSON *defs, const char *name);

/* Reads the KeySchema array KS into HASH / RANGE, taking the types from
 * the AttributeDefinitions array DEFS (a key without a definition gets
 * DDB_T_INVALID). Pure. */
void ddb_read_key_schema(const struct cJSON *ks, const struct cJSON *defs, struct ddb_keydef *hash,
                         struct ddb_keydef *range);

/* Loads table NAME of scope S into T. ITEM_OP selects the not-found
 * wording of item operations ("Requested resource not found") over that
 * of table operations ("Requested resource not found: Table: T not
 * found"). Inside a group-commit batch (store_in_group) an item operation
 * takes the table from a small cache, valid while no other write
 * transaction has begun: T is then a borrowed, read-only copy, good until
 * the job ends. Returns 0, or -1 with ERR set (NOT_FOUND or INTERNAL).
 * Free T with ddb_table_free either way. */
int ddb_table_load(const struct ddb_scope *s, const char *name, int item_op, struct ddb_table *t,
                   struct ddb_err *err);

/* Frees what T owns (nothing for a borrowed copy) and zeroes its parts. */
void ddb_table_free(struct ddb_table *t);

/* Marks the start of a group-commit job: the cached tables handed to
 * earlier jobs are no longer in use. Called by the group writer's job
 * runner only, inside the batch. */
void ddb_table_job_begin(void);

/* Finds index NAME of T, or NULL. */
const struct ddb_index *ddb_table_index(const struct ddb_table *t, const char *name);

/* Reads T's key schema, indexes and TTL attribute again from T->desc
 * and T->row after a caller changed them (UpdateTable's index changes).
 * T must be owned, not borrowed. Cannot fail. */
void ddb_table_reread(struct ddb_table *t);

/* Stores T as a new table (T->desc printed into T->row.desc). Returns 0,
 * or -1 with ERR set: IN_USE "Table already exists: NAME" when its scope
 * has a table of that name, else INTERNAL. Inside a write transaction. */
int ddb_table_insert(struct ddb_table *t, struct ddb_err *err);

/* Stores T's row after a change, its description printed from T->desc.
 * Returns 0, or -1 with ERR set (INTERNAL). Inside a write transaction. */
int ddb_table_save(struct ddb_table *t, struct ddb_err *err);

/* Deletes T with its items, disabling its stream first (the records stay
 * readable for 24 hours). Returns 0, or -1 with ERR set (INTERNAL).
 * Inside a write transaction. */
int ddb_table_delete(struct ddb_table *t, struct ddb_err *err);

/* ------------------------------------------------------------------ */
/* Keys                                                                 */
/* ------------------------------------------------------------------ */

/* Encodes the key attribute value AV of TYPE into order-preserving bytes
 * (caller frees *OUT). Returns 0, or -1 when AV is not of TYPE. */
int ddb_key_encode(const struct cJSON *av, enum ddb_type type, unsigned char **out, size_t *n);

/* Extracts and encodes the primary key of ITEM (which may hold other
 * attributes when FULL_ITEM). Checks presence, types and key sizes with
 * AWS's messages. HK/RK receive heap buffers (RK empty when the table
 * has no range key). Returns 0, or -1 with ERR set (VALIDATION). */
int ddb_item_key(const struct ddb_table *t, const struct cJSON *item, int full_item,
                 struct store_key *hk, struct store_key *rk, struct ddb_err *err);

/* Frees what ddb_item_key allocated. */
void ddb_key_free(struct store_key *k);

/* ------------------------------------------------------------------ */
/* Items                                                                */
/* ------------------------------------------------------------------ */

/* Validates every AttributeValue of ITEM (an item map), canonicalising
 * numbers, and its size; FOR_UPDATE words the size message ("Item size
 * to update has exceeded the maximum allowed size" instead of "Item size
 * has exceeded the maximum allowed size"). Returns 0, or -1 with ERR set
 * (VALIDATION). */
int ddb_check_item(struct cJSON *item, int for_update, struct ddb_err *err);

/* Expiry in epoch seconds of ITEM under T's TTL attribute, or -1. Reads
 * the clock. */
int64_t ddb_item_expiry(const struct ddb_table *t, const struct cJSON *item);

/* Writes ITEM (new image; NULL to delete) over OLD (old image; NULL when
 * absent) in table T: item row, index entries and, when the table has an
 * enabled stream and the write changed something, the stream record.
 * TTL_DELETE marks a TTL deletion. Must run inside a write transaction.
 * Returns 0, or -1 with ERR set (VALIDATION for an index key, INTERNAL). */
int ddb_write_item(struct ddb_table *t, const struct store_key *hk, const struct store_key *rk,
                   const struct cJSON *old_item, const struct cJSON *new_item, int ttl_delete,
                   struct ddb_err *err);

/* Sets T's TTL attribute to ATTR and recomputes the stored TTL expiry of
 * every item of T from it (after UpdateTimeToLive enables it). Returns 0,
 * or -1 with ERR set (INTERNAL). */
int ddb_ttl_reindex(struct ddb_table *t, const char *attr, struct ddb_err *err);

/* Builds the entries of index NAME, already among T's indexes (see
 * ddb_table_reread), for every item of T that carries the index's keys,
 * reading the table a bounded step at a time. An item whose index key
 * is of another type, empty or too long is left out, not an error.
 * Returns 0, or -1 with ERR set (INTERNAL). Inside a write transaction. */
int ddb_index_backfill(struct ddb_table *t, const char *name, struct ddb_err *err);

/* Removes every entry of index NAME of T (an index UpdateTable deletes).
 * Returns 0, or -1 with ERR set (INTERNAL). Inside a write transaction. */
int ddb_index_drop(struct ddb_table *t, const char *name, struct ddb_err *err);

/* ClientRequestToken idempotency of TransactWriteItems in scope S: check
 * returns 1 when TOKEN was used with the same request (hex HASH) within
 * the window (the caller answers success without writing), 0 when unused
 * or expired, -1 with ERR set (IDEMPOTENT, or INTERNAL) when it was used
 * with another request. Save records it: 0, or -1 with ERR set. */
int ddb_txn_token_check(const struct ddb_scope *s, const char *token, const char *hash,
                        struct ddb_err *err);
int ddb_txn_token_save(const struct ddb_scope *s, const char *token, const char *hash,
                       struct ddb_err *err);

/* ------------------------------------------------------------------ */
/* Streams (ddb_stream_write.c)                                         */
/* ------------------------------------------------------------------ */

/* Appends the record of a change to T's enabled stream, choosing the
 * shard by the key's partition and rolling the shard over when due.
 * NEW_TEXT is NEW_ITEM as JSON text when the caller has it (NULL: printed
 * here). Returns 0, or -1 with ERR set (INTERNAL). */
int ddb_stream_append(struct ddb_table *t, const struct store_key *hk, const char *new_text,
                      const struct cJSON *old_item, const struct cJSON *new_item, int ttl_delete,
                      struct ddb_err *err);

/* Creates the stream row and first shards for T (in T's scope) with
 * VIEW_TYPE, and makes it T's enabled stream (T->row.stream_arn, T->stream).
 * Returns 0, or -1 with ERR set (INTERNAL). */
int ddb_stream_create(struct ddb_table *t, const char *view_type, struct ddb_err *err);

/* Disables T's enabled stream (nothing when it has none): the open shard
 * of every partition closes at its last record; the records stay readable
 * for 24 hours. Returns 0, or -1 with ERR set (INTERNAL). */
int ddb_stream_disable(struct ddb_table *t, struct ddb_err *err);

/* Closes shard OPEN of PARTITION at NEXT_SEQ - 1 and opens its child.
 * Returns a STORE_ code. */
int ddb_shard_rollover(const char *arn, int partition, const struct store_shard *open,
                       int64_t next_seq, int64_t now);

/* ------------------------------------------------------------------ */
/* Background work (ddb_sweep.c)                                        */
/* ------------------------------------------------------------------ */

/* One pass of DynamoDB's background work (stream trimming, shard
 * rollover, TTL deletes) by the virtual clock. Runs in write transactions
 * of its own on the calling thread. Registered with engine/background. */
void ddb_sweep(void);

#endif
