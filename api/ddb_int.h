/*
 * Internals shared by the DynamoDB API files: dynamodb.c (dispatch and
 * table operations), ddb_items.c (item reads and writes, batches and
 * transactions), ddb_query.c (Query and Scan), dynamodbstreams.c (the
 * Streams reads). They parse and validate requests, call the engine
 * (engine/ddb/ddb.h) and shape the responses. Not for other modules.
 */
#ifndef SLUICE_API_DDB_INT_H
#define SLUICE_API_DDB_INT_H

#include "api/request.h"
#include "engine/ddb/ddb.h"
#include "engine/ddb/ddb_capacity.h"
#include "storage/store_ddb.h"

struct cJSON;
struct op_in;

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

/* The scope of the caller: REQ's account and region. */
struct ddb_scope ddb_req_scope(struct req *req);

/* Records the engine's failure ERR in REQ as the AWS error of its kind,
 * with its message, and clears ERR. Returns -1. */
int ddb_req_fail(struct req *req, struct ddb_err *err);

/* ddb_table_load in the caller's scope, the failure recorded in REQ.
 * Returns 0 or -1; free T with ddb_table_free either way. */
int ddb_load_table(struct req *req, const char *name, int item_op, struct ddb_table *t);

/* ddb_item_key with the failure recorded in REQ. */
int ddb_req_item_key(struct req *req, const struct ddb_table *t, const struct cJSON *item,
                     int full_item, struct store_key *hk, struct store_key *rk);

/* Records 500 InternalServerError for a storage failure; returns -1. */
int ddb_store_fail(struct req *req, int rc);

/* Records a ValidationException with a malloc'd message and frees it. */
int ddb_fail_msg(struct req *req, char *msg);

/* Reads ReturnConsumedCapacity of IN into *OUT (NONE when absent).
 * Returns 0, or -1 with AWS's enum ValidationException recorded. */
int ddb_rcc_get(struct req *req, struct cJSON *in, enum ddb_rcc *out);

/* Item handlers (ddb_items.c) and reads (ddb_query.c). */
int ddb_put_item(struct req *req, struct op_in *oi);
int ddb_get_item(struct req *req, struct op_in *oi);
int ddb_update_item(struct req *req, struct op_in *oi);
int ddb_delete_item(struct req *req, struct op_in *oi);
int ddb_batch_write_item(struct req *req, struct op_in *oi);
int ddb_batch_get_item(struct req *req, struct op_in *oi);
int ddb_transact_write_items(struct req *req, struct op_in *oi);
int ddb_transact_get_items(struct req *req, struct op_in *oi);
int ddb_query(struct req *req, struct op_in *oi);
int ddb_scan(struct req *req, struct op_in *oi);

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
int ddbs_list_streams(struct req *req, struct op_in *oi);
int ddbs_describe_stream(struct req *req, struct op_in *oi);
int ddbs_get_shard_iterator(struct req *req, struct op_in *oi);
int ddbs_get_records(struct req *req, struct op_in *oi);

#endif
