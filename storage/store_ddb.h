/*
 * Data access for DynamoDB and DynamoDB Streams: tables, items (keyed by
 * order-preserving key bytes), secondary-index entries, streams, shards
 * and stream records. Documents (table descriptions, items, records) are
 * JSON text owned by the API layer.
 *
 * Every function runs on the calling thread's connection, inside the
 * caller's transaction when one is open; the write path (item + index +
 * stream record) must be called inside one transaction. Strings returned
 * through char ** are heap copies the caller frees. Returns STORE_OK,
 * STORE_NOTFOUND, STORE_CONFLICT or STORE_ERR.
 */
#ifndef SLUICE_STORAGE_STORE_DDB_H
#define SLUICE_STORAGE_STORE_DDB_H

#include <stddef.h>
#include <stdint.h>

#include "storage/store_lambda.h" /* struct store_scope */

struct store_ddb_table {
    char *id;          /* TableId */
    char *desc;        /* TableDescription JSON (static parts) */
    char *tags;        /* JSON array of {Key, Value} */
    char *ttl;         /* TimeToLiveSpecification JSON or NULL */
    char *stream_arn;  /* latest stream ARN or NULL */
    char *pitr;        /* point-in-time recovery JSON, NULL while disabled */
    int partitions;
    int64_t created_ms;
};

void store_ddb_table_clear(struct store_ddb_table *t);
int store_ddb_table_get(struct store_scope s, const char *name, struct store_ddb_table *out);
/* INSERT (STORE_CONFLICT when the name exists) or UPDATE every column. */
int store_ddb_table_put(struct store_scope s, const char *name, const struct store_ddb_table *t,
                        int insert);
/* Deletes the table row, its items and index entries (not its streams). */
int store_ddb_table_delete(struct store_scope s, const char *name, const char *table_id);
/* Table names in order after AFTER (NULL: from the start), at most LIMIT.
 * CB's KEY is the name, CONFIG the description. */
int store_ddb_table_list(struct store_scope s, const char *after, int limit, store_row_cb cb,
                         void *ctx);
/* Finds the table whose TableId is ID: its scope and name (buffers of
 * 13, 32 and 256 bytes). */
int store_ddb_table_by_id(const char *id, char *account, char *region, char *name);

/* Number of items and their total size. */
int store_ddb_table_usage(const char *table_id, int64_t *count, int64_t *bytes);

/* A key as stored: order-preserving bytes. */
struct store_key {
    const void *p;
    size_t n;
};

/* One row handed to a scan/query callback; everything borrowed for the
 * duration of the call. For base-table rows ihk/irk are empty. */
struct store_ddb_row {
    struct store_key hk, rk, ihk, irk;
    const char *item;
};
typedef int (*store_ddb_row_cb)(void *ctx, const struct store_ddb_row *row);

int store_ddb_item_get(const char *table_id, struct store_key hk, struct store_key rk, char **item);
/* Inserts or replaces. EXPIRES < 0 means no TTL value. */
int store_ddb_item_put(const char *table_id, struct store_key hk, struct store_key rk,
                       const char *item, size_t size, int64_t expires);
int store_ddb_item_delete(const char *table_id, struct store_key hk, struct store_key rk);

/* Sets only the TTL expiry of an existing item (EXPIRES < 0: none). */
int store_ddb_item_set_expiry(const char *table_id, struct store_key hk, struct store_key rk,
                              int64_t expires);

/* TransactWriteItems ClientRequestToken records: the request's hash and
 * when it was first seen. Put replaces. */
int store_ddb_token_get(struct store_scope s, const char *token, char **hash, int64_t *created_ms);
int store_ddb_token_put(struct store_scope s, const char *token, const char *hash, int64_t created_ms);

/* Replaces the index entries of the item (HK, RK): removes them all, then
 * adds one per (INDEX[i], IHK[i], IRK[i]) for i < N. */
int store_ddb_index_set(const char *table_id, struct store_key hk, struct store_key rk, int n,
                        const char *const *index, const struct store_key *ihk,
                        const struct store_key *irk);

/* Adds the entry (IHK, IRK) of the item (HK, RK) to index INDEX,
 * replacing an equal entry: one of store_ddb_index_set's, or one the
 * backfill of an index created by UpdateTable adds. */
int store_ddb_index_put(const char *table_id, const char *index, struct store_key ihk,
                        struct store_key irk, struct store_key hk, struct store_key rk);

/* Removes every entry of index INDEX of the table (an index deleted by
 * UpdateTable); none is not an error. */
int store_ddb_index_drop(const char *table_id, const char *index);

/* A key-range read. INDEX NULL reads the table itself. With HK set, reads
 * one partition key (Query); without, every key in order (Scan). The
 * range is [LO, HI) on the range key (or the index's range key); either
 * bound may be absent (p NULL). START (p NULL: none) is an exclusive
 * position: for the table (hk, rk), for an index (ihk, irk, hk, rk),
 * passed as four keys. DESC reads backwards (Query only). */
struct store_ddb_range {
    const char *table_id;
    const char *index;
    struct store_key hk;
    struct store_key lo, hi;
    int desc;
    int has_start;
    struct store_key start_ihk, start_irk, start_hk, start_rk;
    int limit;
    /* When not NULL, receives the statement's virtual machine steps
     * (sqlite3_stmt_status, SQLITE_STMTSTATUS_VM_STEP): the work the read
     * did, which tests compare to show that a page after a position costs
     * what the first page does. */
    long *steps;
};
int store_ddb_read(const struct store_ddb_range *r, store_ddb_row_cb cb, void *ctx);

/* Items whose TTL (epoch seconds) is at or before NOW_S, at most LIMIT,
 * with their table id. CB's KEY is the table id. */
int store_ddb_expired(int64_t now_s, int limit,
                      int (*cb)(void *ctx, const char *table_id, const struct store_ddb_row *row),
                      void *ctx);

/* ---- streams ---- */

struct store_stream {
    char arn[512];
    char account[13];
    char region[32];
    char table_name[256];
    char table_id[40];
    char label[32];
    char view_type[24];
    char *key_schema;   /* JSON (owned) */
    int enabled;
    int64_t created_ms;
    int64_t disabled_ms; /* 0 while enabled */
    int partitions;
    int64_t next_seq;
    int64_t trim_seq;    /* records up to this seq were trimmed (0: none) */
};

void store_stream_clear(struct store_stream *s);

/* Reads stream ARN into OUT (key_schema owned by OUT: store_stream_clear).
 * OUT->next_seq is only the row's lower bound: the live counter is
 * store_stream_next_seq's. Returns STORE_OK, STORE_NOTFOUND or STORE_ERR. */
int store_stream_get(const char *arn, struct store_stream *out);

/* The next sequence number stream ARN will give into *NEXT: in memory
 * once a write has taken one since start, else recovered from the
 * records and shards (see store_ddb.c). Returns STORE_OK,
 * STORE_NOTFOUND or STORE_ERR. */
int store_stream_next_seq(const char *arn, int64_t *next);

/* Inserts (INSERT set) or updates the enabled/disabled state of ST. The
 * row's next_seq only ever rises. A new stream's counter starts at
 * ST->next_seq. Returns STORE_OK, STORE_CONFLICT, STORE_NOTFOUND (update
 * of a missing row) or STORE_ERR. */
int store_stream_put(const struct store_stream *st, int insert);

/* Takes stream ARN's next sequence number into *SEQ. Call inside a write
 * transaction: the first take since start recovers the counter from the
 * database. A number taken by a write that rolls back is never reused.
 * Returns STORE_OK, STORE_NOTFOUND or STORE_ERR. Thread-safe. */
int store_stream_take_seq(const char *arn, int64_t *seq);

/* Drops the in-memory sequence counters (after store_reset). */
void store_ddb_forget(void);
/* Streams of SCOPE (TABLE NULL: all tables) ordered by ARN after AFTER. */
int store_stream_list(struct store_scope s, const char *table, const char *after, int limit,
                      store_row_cb cb, void *ctx);

struct store_shard {
    char shard_id[80];
    char parent_id[80];   /* "" when none */
    int partition;
    int64_t created_ms;
    int64_t start_seq;
    int64_t end_seq;      /* -1 while open */
    int64_t trim_seq;     /* records up to this seq were trimmed (0: none) */
    int64_t num;          /* its number, never reused: where its records are kept */
};

int store_shard_insert(const char *arn, const struct store_shard *sh);
/* Closes SHARD at END_SEQ. */
int store_shard_close(const char *arn, const char *shard_id, int64_t end_seq);
/* The open shard of PARTITION. */
int store_shard_open(const char *arn, int partition, struct store_shard *out);
int store_shard_get(const char *arn, const char *shard_id, struct store_shard *out);
/* All shards of ARN ordered by creation, into OUT (up to MAX); count in *N. */
int store_shard_list(const char *arn, struct store_shard *out, int max, int *n);
/* Deletes shards that are closed, were created before OLDER_MS, and whose
 * records are all trimmed or that never held any. */
int store_shard_prune(const char *arn, int64_t older_ms);

/* Appends the record numbered SEQ to shard SH (as read back by
 * store_shard_open/get/list: its num is set); RECORD is read during the
 * call only. STORE_ERR when SEQ is not in 1..2^40-1. */
int store_record_append(const struct store_shard *sh, int64_t seq, int64_t created_ms, size_t size,
                        const char *record);
/* Records of SHARD with seq >= FROM, ascending, at most LIMIT rows and
 * about MAX_BYTES (at least one row); none when the shard is unknown. CB
 * gets each one's seq, creation time and text (borrowed for the call)
 * and returns nonzero to stop. */
int store_record_read(const char *arn, const char *shard_id, int64_t from, int limit,
                      size_t max_bytes, int (*cb)(void *ctx, int64_t seq, int64_t created_ms,
                                                  const char *record),
                      void *ctx);
/* Every retained record of ARN as (SHARD_ID, SEQ), ordered by shard id
 * then seq; CB returns nonzero to stop. SHARD_ID is borrowed. */
int store_record_seqs(const char *arn, int (*cb)(void *ctx, const char *shard_id, int64_t seq), void *ctx);
/* Lowest retained seq of SHARD into *LO and the highest into *HI, both -1
 * when it holds none (or is unknown). */
int store_record_bounds(const char *arn, const char *shard_id, int64_t *lo, int64_t *hi);
/* Deletes records created before OLDER_MS, first raising each stream's
 * trim_seq to the highest seq deleted. Stores the count in *N. */
int store_record_trim(int64_t older_ms, int64_t *n);

/* Streams (all scopes) with enabled=1, for background rollover. CB gets
 * the ARN as KEY. */
int store_stream_all(store_row_cb cb, void *ctx);

/* Small key/value settings that must survive restarts (the clock offset). */
int store_meta_get(const char *key, char **value);
int store_meta_set(const char *key, const char *value);

#endif
