/*
 * SQS storage (one schema migration): queues with their attributes and
 * tags, messages, and the FIFO deduplication ids, per (account, region).
 * engine/sqs.c is the only caller. Same conventions as the other store_
 * modules: STORE_ codes, statements on the calling thread's connection,
 * inside the caller's transaction.
 */
#ifndef SLUICE_STORAGE_STORE_SQS_H
#define SLUICE_STORAGE_STORE_SQS_H

#include <stddef.h>
#include <stdint.h>

#include "storage/store_lambda.h" /* struct store_scope */

/* One queue row. Strings are heap copies when read (store_sqs_queue_clear
 * frees them) and borrowed from the caller when written. */
struct store_sqs_queue {
    char *name;
    char *attrs;          /* JSON object of the settable attributes, as AWS returns them */
    char *tags;           /* JSON object */
    int64_t created_ms;
    int64_t modified_ms;
    int64_t purged_ms;    /* last PurgeQueue (clock time), 0: never */
};

/* Frees the strings of Q and zeroes it. Accepts a zeroed Q. */
void store_sqs_queue_clear(struct store_sqs_queue *q);

/* Reads queue NAME into OUT. Returns STORE_OK, STORE_NOTFOUND or an error. */
int store_sqs_queue_get(struct store_scope s, const char *name, struct store_sqs_queue *out);

/* Inserts Q when INSERT is set (STORE_CONFLICT when the name exists),
 * else updates its attrs, tags, modified_ms and purged_ms. */
int store_sqs_queue_put(struct store_scope s, const struct store_sqs_queue *q, int insert);

/* Deletes queue NAME with its messages and deduplication ids. Returns
 * STORE_OK or STORE_NOTFOUND. */
int store_sqs_queue_delete(struct store_scope s, const char *name);

/* Calls CB(CTX, name) for the queues whose names start with PREFIX (""
 * for all) and sort after AFTER ("" from the start), in name order, at
 * most LIMIT; CB returning nonzero stops. NAME is borrowed for the call. */
int store_sqs_queue_list(struct store_scope s, const char *prefix, const char *after, int limit,
                         int (*cb)(void *ctx, const char *name), void *ctx);

/* One message row. As struct store_sqs_queue for ownership. */
struct store_sqs_msg {
    int64_t seq;              /* row id: the queue's order (FIFO sequence) */
    char *message_id;
    char *body;
    char *md5_body;
    char *attrs;              /* JSON of MessageAttributes, NULL when none */
    char *md5_attrs;          /* NULL when none */
    char *sys_attrs;          /* JSON: SenderId, AWSTraceHeader, DeadLetterQueueSourceArn... */
    char *group_id;           /* FIFO MessageGroupId, else NULL */
    char *dedup_id;           /* FIFO MessageDeduplicationId, else NULL */
    char *receipt;            /* the last receipt handle, NULL before a receive */
    int64_t sent_ms;
    int64_t visible_ms;       /* not receivable before this clock time */
    int64_t first_receive_ms; /* 0: never received */
    int64_t receive_count;
};

/* Frees the strings of M and zeroes it. Accepts a zeroed M. */
void store_sqs_msg_clear(struct store_sqs_msg *m);

/* Appends M to QUEUE; stores the new row id in M->seq. */
int store_sqs_msg_insert(struct store_scope s, const char *queue, struct store_sqs_msg *m);

/* Calls CB(CTX, m) for QUEUE's messages with visible_ms <= VISIBLE_BY
 * (INT64_MAX: all) sent after SENT_AFTER (retention), oldest first, at
 * most LIMIT; CB returning nonzero stops. M is borrowed for the call. */
int store_sqs_msg_scan(struct store_scope s, const char *queue, int64_t visible_by, int64_t sent_after, int limit,
                       int (*cb)(void *ctx, const struct store_sqs_msg *m), void *ctx);

/* Reads QUEUE's message MESSAGE_ID into OUT. STORE_OK or STORE_NOTFOUND. */
int store_sqs_msg_get(struct store_scope s, const char *queue, const char *message_id,
                      struct store_sqs_msg *out);

/* Records a receive of row SEQ: its new visibility, count, first receive
 * time and receipt handle. */
int store_sqs_msg_received(int64_t seq, int64_t visible_ms, int64_t receive_count, int64_t first_receive_ms,
                           const char *receipt);

/* Sets row SEQ's visible_ms. */
int store_sqs_msg_set_visible(int64_t seq, int64_t visible_ms);

/* Deletes row SEQ (STORE_OK even when it is gone). */
int store_sqs_msg_delete(int64_t seq);

/* Deletes every message of QUEUE. */
int store_sqs_purge(struct store_scope s, const char *queue);

/* Counts QUEUE's messages sent after SENT_AFTER at clock time NOW:
 * receivable ones (VISIBLE), received and not yet visible again
 * (INFLIGHT), never received and not yet visible (DELAYED). */
int store_sqs_counts(struct store_scope s, const char *queue, int64_t now, int64_t sent_after, int64_t *visible,
                     int64_t *inflight, int64_t *delayed);

/* Calls CB(CTX, name, attrs) for every queue of scope S (name order);
 * nonzero stops. Strings are borrowed for the call. */
int store_sqs_queue_each(struct store_scope s, int (*cb)(void *ctx, const char *name, const char *attrs),
                         void *ctx);

/* The earliest visible_ms after NOW among QUEUE's messages into *OUT
 * (INT64_MAX when none). */
int store_sqs_next_visible(struct store_scope s, const char *queue, int64_t now, int64_t *out);

/* Deletes, in every queue of every scope, the messages older than the
 * queue's MessageRetentionPeriod at clock time NOW, and the expired
 * deduplication ids. *N gets the number of messages deleted. */
int store_sqs_expire(int64_t now, int64_t *n);

/* Looks up QUEUE's deduplication id DEDUP_ID still valid at NOW: copies
 * the message id it gave into MESSAGE_ID (NMID bytes) and its sequence
 * number into *SEQ. STORE_OK or STORE_NOTFOUND. */
int store_sqs_dedup_get(struct store_scope s, const char *queue, const char *dedup_id, int64_t now,
                        char *message_id, size_t nmid, int64_t *seq);

/* Remembers DEDUP_ID of QUEUE until EXPIRES_MS (replacing an expired one). */
int store_sqs_dedup_put(struct store_scope s, const char *queue, const char *dedup_id, const char *message_id,
                        int64_t seq, int64_t expires_ms);

#endif
