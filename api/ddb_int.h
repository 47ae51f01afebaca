/*
 * Internals shared by the DynamoDB API files: dynamodb.c (dispatch and
 * table operations), ddb_items.c (item reads and writes, batches and
 * transactions), ddb_query.c (Query and Scan), ddb_stream_write.c (stream
 * records produced by writes). Not for other modules.
 */
#ifndef EMU_API_DDB_INT_H
#define EMU_API_DDB_INT_H

#include "api/ddb_av.h"
#include "api/request.h"
#include "storage/store_ddb.h"

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

/* A table as the handlers use it. */
struct ddb_table {
    char name[256];
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

/* A table name with its NUL: names are 3 to 255 characters. */
#define DDB_TABLE_NAME_BUF 256
/* Longest table ARN a TableName member takes (botocore's TableArn shape). */
#define DDB_MAX_TABLE_ARN 1024

/* How a TableName value names a table. */
enum ddb_table_ref {
    DDB_REF_NAME,            /* not an ARN: a name, checked by the caller */
    DDB_REF_ARN,             /* arn:aws:dynamodb:REGION:ACCOUNT:table/NAME of the caller */
    DDB_REF_BAD_ARN,         /* an ARN, but not of a table (index, stream, other service) */
    DDB_REF_OTHER_ACCOUNT,   /* a table ARN of another account */
    DDB_REF_OTHER_REGION,    /* a table ARN of the caller's account, another region */
};

/* Classifies the TableName value Z for a caller in REGION and ACCOUNT.
 * *NAME points into Z at the table's name (all of Z for DDB_REF_NAME).
 * Pure. */
enum ddb_table_ref ddb_table_ref_parse(const char *z, const char *region, const char *account,
                                       const char **name);

/* Resolves the TableName value Z of REQ (NULL when absent) to the table's
 * name in NAME: checks a name's length and pattern, an ARN's length, kind,
 * account and region, with AWS's errors. The one place every TableName
 * (and ARN-keyed RequestItems) passes. Returns 0, or -1 with the error
 * recorded. */
int ddb_table_name(struct req *req, const char *z, char name[DDB_TABLE_NAME_BUF]);

/* Point-in-time recovery keeps this many days unless told otherwise
 * (RecoveryPeriodInDays, 1..35; DynamoDB Developer Guide, "Point-in-time
 * recovery for DynamoDB"). */
#define DDB_PITR_DAYS_DEFAULT 35
#define DDB_PITR_DAYS_MAX 35
/* LatestRestorableDateTime trails the clock by about five minutes (API
 * Reference, DescribeContinuousBackups). */
#define DDB_PITR_LAG_MS (5LL * 60 * 1000)

/* The restorable window of a table whose point-in-time recovery was
 * enabled at ENABLED_MS with a period of DAYS, seen at NOW_MS: the
 * earliest point is the later of the enabling and the start of the
 * period, the latest the later of the enabling and NOW_MS less the lag.
 * Pure; EARLIEST <= LATEST always. */
void ddb_pitr_window(int64_t enabled_ms, int days, int64_t now_ms, int64_t *earliest_ms,
                     int64_t *latest_ms);

/* Loads table NAME. ITEM_OP selects the not-found wording of item
 * operations ("Requested resource not found") over that of table
 * operations ("Requested resource not found: Table: T not found").
 * Inside a group-commit batch (item writes) the table comes from a small
 * cache, valid while no other write transaction has begun: T is then a
 * borrowed, read-only copy, good until the job ends. Returns 0, or -1
 * with the error recorded. Free with ddb_table_free either way. */
int ddb_table_load(struct req *req, const char *name, int item_op, struct ddb_table *t);
void ddb_table_free(struct ddb_table *t);

/* Finds index NAME of T, or NULL. */
const struct ddb_index *ddb_table_index(const struct ddb_table *t, const char *name);

/* Encodes the key attribute value AV of TYPE into order-preserving bytes
 * (caller frees *OUT). Returns 0, or -1 when AV is not of TYPE. */
int ddb_key_encode(const struct cJSON *av, enum ddb_type type, unsigned char **out, size_t *n);

/* Extracts and encodes the primary key of ITEM (which may hold other
 * attributes when FULL_ITEM). Checks presence, types and key sizes with
 * AWS's messages. HK/RK receive heap buffers (RK empty when the table
 * has no range key). Returns 0 or -1 with the error recorded. */
int ddb_item_key(struct req *req, const struct ddb_table *t, const struct cJSON *item,
                 int full_item, struct store_key *hk, struct store_key *rk);

/* Frees what ddb_item_key allocated. */
void ddb_key_free(struct store_key *k);

/* The scope of the caller. */
struct store_scope ddb_scope(struct req *req);

/* Records 500 InternalServerError for a storage failure; returns -1. */
int ddb_store_fail(struct req *req, int rc);

/* Records a ValidationException with a malloc'd message and frees it. */
int ddb_fail_msg(struct req *req, char *msg);

/* Writes ITEM (new image; NULL to delete) over OLD (old image; NULL when
 * absent) in table T: item row, index entries and, when the table has an
 * enabled stream and the write changed something, the stream record.
 * USER_IDENTITY_TTL marks a TTL deletion. Must run inside the request's
 * write transaction. Returns 0 or -1 with the error recorded. */
int ddb_write_item(struct req *req, struct ddb_table *t, const struct store_key *hk,
                   const struct store_key *rk, const struct cJSON *old_item,
                   const struct cJSON *new_item, int ttl_delete);

/* Stream records (ddb_stream_write.c). Appends the record of a change to
 * T's enabled stream, choosing the shard by the key's partition and
 * rolling the shard over when due. NEW_TEXT is NEW_ITEM as JSON text when
 * the caller has it (NULL: printed here). Returns 0, or -1 with the error
 * recorded. */
int ddb_stream_append(struct req *req, struct ddb_table *t, const struct store_key *hk,
                      const char *new_text, const struct cJSON *old_item,
                      const struct cJSON *new_item, int ttl_delete);

/* Creates the stream row and first shards for T with VIEW_TYPE, stores
 * its ARN and label in T's row. */
int ddb_stream_create(struct req *req, struct ddb_table *t, const char *view_type,
                      struct cJSON *desc);

/* Recomputes the stored TTL expiry of every item of T from attribute
 * ATTR (after UpdateTimeToLive enables it). */
int ddb_ttl_reindex(struct req *req, struct ddb_table *t, const char *attr);

/* Expiry in epoch seconds of ITEM under T's TTL attribute, or -1. */
int64_t ddb_item_expiry(const struct ddb_table *t, const struct cJSON *item);

/* Validates every AttributeValue of ITEM (an item map), canonicalising
 * numbers, and its size; FIELD words the size message ("Item size has
 * exceeded the maximum allowed size" or, for updates, "Item size to
 * update has exceeded the maximum allowed size"). Returns 0 or -1. */
int ddb_check_item(struct req *req, struct cJSON *item, int for_update);

/* ClientRequestToken idempotency of TransactWriteItems: check returns 1
 * when TOKEN was used with the same request (hex HASH) within the
 * window (the caller answers success without writing), 0 when unused
 * or expired, -1 with IdempotentParameterMismatchException recorded when
 * it was used with another request. Save records it. */
int ddb_txn_token_check(struct req *req, const char *token, const char *hash);
int ddb_txn_token_save(struct req *req, const char *token, const char *hash);


/* Closes shard OPEN of PARTITION at NEXT_SEQ - 1 and opens its child.
 * Returns a STORE_ code. */
int ddb_shard_rollover(const char *arn, int partition, const struct store_shard *open,
                       int64_t next_seq, int64_t now);

/* Item handlers (ddb_items.c) and reads (ddb_query.c). */
int ddb_put_item(struct req *req, struct cJSON *in);
int ddb_get_item(struct req *req, struct cJSON *in);
int ddb_update_item(struct req *req, struct cJSON *in);
int ddb_delete_item(struct req *req, struct cJSON *in);
int ddb_batch_write_item(struct req *req, struct cJSON *in);
int ddb_batch_get_item(struct req *req, struct cJSON *in);
int ddb_transact_write_items(struct req *req, struct cJSON *in);
int ddb_transact_get_items(struct req *req, struct cJSON *in);
int ddb_query(struct req *req, struct cJSON *in);
int ddb_scan(struct req *req, struct cJSON *in);

/* The StartingSequenceNumber DescribeStream shows for shard SH: its first
 * number, or the first after its trimmed records. Pure. */
int64_t ddbs_shard_start(const struct store_shard *sh);

/* Where an AT_SEQUENCE_NUMBER (AFTER 0) or AFTER_SEQUENCE_NUMBER (AFTER 1)
 * iterator for sequence number SEQ starts in shard SH, NEXT being the
 * stream's next unissued number: DDBS_SEQ_OK with *POS set, DDBS_SEQ_RANGE
 * when SEQ is not in the shard, DDBS_SEQ_TRIMMED when its record was
 * trimmed. The shard's advertised start (ddbs_shard_start) is always OK,
 * also in a shard that holds no record. Pure. */
#define DDBS_SEQ_OK 0
#define DDBS_SEQ_RANGE 1
#define DDBS_SEQ_TRIMMED 2
int ddbs_seq_position(const struct store_shard *sh, int64_t seq, int after, int64_t next,
                      int64_t *pos);

/* Stream handlers (dynamodbstreams.c). */
int ddbs_list_streams(struct req *req, struct cJSON *in);
int ddbs_describe_stream(struct req *req, struct cJSON *in);
int ddbs_get_shard_iterator(struct req *req, struct cJSON *in);
int ddbs_get_records(struct req *req, struct cJSON *in);

#endif
