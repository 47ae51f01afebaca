/*
 * SQS's engine: queues, their attributes and tags, messages and their
 * visibility by the virtual clock (base/clock.h), FIFO ordering and
 * deduplication, redrive to a dead-letter queue, retention, and the
 * long-poll wait. It knows no HTTP request: a caller names the account
 * and region with a struct sqs_scope and receives failures in a struct
 * sqs_err, which api/sqs.c renders as the AWS error. Called by the SQS
 * handlers in api/, by the background thread (sqs_sweep) and, through
 * sqs_send_arn, by any engine thread that delivers to a queue.
 *
 * Threads: unless said otherwise a function runs on the calling thread
 * inside the caller's SQLite write transaction (storage/store.h).
 * Wire facts cited below are from the Amazon SQS API Reference (pages
 * named by operation) and the Amazon SQS Developer Guide.
 */
#ifndef SLUICE_ENGINE_SQS_H
#define SLUICE_ENGINE_SQS_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* Queue names: 1..80 characters of [A-Za-z0-9_-], ".fifo" included
 * (API Reference, "CreateQueue", QueueName). */
#define SQS_MAX_NAME 80
/* Largest message, and largest SendMessageBatch, in bytes: 1 MiB
 * (API Reference, "SendMessage" and "SendMessageBatch"). */
#define SQS_MAX_MESSAGE 1048576
/* Messages per SendMessageBatch / DeleteMessageBatch /
 * ChangeMessageVisibilityBatch and per ReceiveMessage (API Reference,
 * "SendMessageBatch" Entries and "ReceiveMessage" MaxNumberOfMessages). */
#define SQS_MAX_BATCH 10
/* ReceiveMessage's WaitTimeSeconds ceiling: 20 s (API Reference,
 * "ReceiveMessage"); it also bounds how long a long poll holds a thread. */
#define SQS_MAX_WAIT_S 20
/* Visibility timeout ceiling: 12 hours (API Reference,
 * "ChangeMessageVisibility", VisibilityTimeout). */
#define SQS_MAX_VISIBILITY_S 43200
/* DelaySeconds ceiling: 15 minutes (API Reference, "SendMessage",
 * DelaySeconds). */
#define SQS_MAX_DELAY_S 900
/* FIFO deduplication interval: 5 minutes (Developer Guide, "Exactly-once
 * processing in Amazon SQS"). */
#define SQS_DEDUP_WINDOW_MS (5LL * 60 * 1000)
/* Message attributes per message (API Reference, "SendMessage",
 * MessageAttributes). */
#define SQS_MAX_MSG_ATTRS 10
/* Messages a FIFO receive looks at to find its groups' heads: the queue
 * order must be read from the first message on, in-flight ones included. */
#define SQS_FIFO_SCAN 10000
/* One PurgeQueue per 60 seconds (API Reference, "PurgeQueue"). */
#define SQS_PURGE_INTERVAL_MS 60000

/* Whose queues: an account (12 digits) and a region. */
struct sqs_scope {
    char account[13];
    char region[32];
};

/* The scope ACCOUNT / REGION (copied, cut to the buffers). */
struct sqs_scope sqs_scope_make(const char *account, const char *region);

/* The kinds of failure; api/sqs.c maps each to one AWS error. */
enum sqs_errkind {
    SQS_ERR_NONE = 0,
    SQS_ERR_NO_QUEUE,          /* AWS.SimpleQueueService.NonExistentQueue */
    SQS_ERR_QUEUE_EXISTS,      /* QueueAlreadyExists */
    SQS_ERR_ATTR_VALUE,        /* InvalidAttributeValue */
    SQS_ERR_ATTR_NAME,         /* InvalidAttributeName */
    SQS_ERR_PARAM,             /* InvalidParameterValue */
    SQS_ERR_MISSING,           /* MissingParameter */
    SQS_ERR_RECEIPT,           /* ReceiptHandleIsInvalid */
    SQS_ERR_NOT_INFLIGHT,      /* AWS.SimpleQueueService.MessageNotInflight */
    SQS_ERR_CONTENTS,          /* InvalidMessageContents */
    SQS_ERR_PURGE_IN_PROGRESS, /* AWS.SimpleQueueService.PurgeQueueInProgress */
    SQS_ERR_INTERNAL,          /* a storage failure */
};

/* A failure: its kind and AWS's message. Start it zeroed. */
struct sqs_err {
    enum sqs_errkind kind;
    char msg[600];
};

/* Records KIND with a printf-style message in E. Returns -1. */
int sqs_err_set(struct sqs_err *e, enum sqs_errkind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------------ */
/* Pure decisions (tests/unit/test_sqs.c)                               */
/* ------------------------------------------------------------------ */

/* MD5OfMessageAttributes of ATTRS (a MessageAttributes object as the
 * JSON protocol carries it: name -> {DataType, StringValue | BinaryValue
 * (base64)}) into OUT: names sorted, each as length-prefixed name, data
 * type, a transport byte (1 string, 2 binary) and length-prefixed value
 * (Developer Guide, "Calculating the MD5 message digest for message
 * attributes"). Returns 0, or -1 with E set when an attribute is not
 * well formed (ATTRS is validated here too: names, types, values). */
int sqs_md5_attributes(const struct cJSON *attrs, char out[33], struct sqs_err *e);

/* The size SQS counts against MaximumMessageSize: the body's bytes plus
 * each attribute's name, data type and value (Developer Guide, "Amazon
 * SQS message attributes": they count toward the message size). Pure. */
size_t sqs_message_size(const char *body, const struct cJSON *attrs);

/* 0 when BODY (N bytes, UTF-8) holds only the characters SQS accepts:
 * #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF. */
int sqs_text_valid(const char *body, size_t n);

/* 0 when NAME is a valid queue name (FIFO names end in ".fifo"). */
int sqs_name_valid(const char *name);

/* Checks queue attribute NAME = VALUE for a queue that is FIFO (FIFO),
 * writing AWS's form of the value (integers without sign or zeros,
 * RedrivePolicy as compact JSON) into NORM (NNORM bytes). CREATE: the
 * attribute is given to CreateQueue (FifoQueue is settable only there).
 * Returns 0, or -1 with InvalidAttributeName / InvalidAttributeValue. */
int sqs_attr_check(const char *name, const char *value, int fifo, int create, char *norm, size_t nnorm,
                   struct sqs_err *e);

/* Where a message stands at clock time NOW. */
enum sqs_msg_state {
    SQS_MSG_AVAILABLE,   /* receivable */
    SQS_MSG_DELAYED,     /* sent with a delay, never received, not yet visible */
    SQS_MSG_INFLIGHT,    /* received, its visibility timeout running */
};
enum sqs_msg_state sqs_msg_state(int64_t visible_ms, int64_t receive_count, int64_t now);

/* 1 when a message received RECEIVE_COUNT times so far goes to the
 * dead-letter queue instead of being received again under a redrive
 * policy of MAX_RECEIVE (0: no policy): once the count has reached it. */
int sqs_redrive_due(int64_t receive_count, int64_t max_receive);

/* A message as sqs_pick sees it, in queue order. */
struct sqs_cand {
    int64_t visible_ms;
    int64_t receive_count;
    const char *group_id;   /* FIFO only */
};

/* Picks up to MAX of the N candidates C (queue order) to receive at NOW
 * into OUT (indexes, ascending). A standard queue takes any available
 * message; a FIFO queue takes no message of a group that has one in
 * flight or delayed ahead of it, and a group's messages only in order.
 * Returns the number picked. */
size_t sqs_pick(const struct sqs_cand *c, size_t n, int fifo, int64_t now, size_t max, size_t *out);

/* Splits a queue ARN arn:aws:sqs:REGION:ACCOUNT:NAME. Returns 0 or -1. */
int sqs_parse_arn(const char *arn, char account[13], char region[32], char name[SQS_MAX_NAME + 1]);

/* ------------------------------------------------------------------ */
/* Queues                                                               */
/* ------------------------------------------------------------------ */

/* A queue's settings as the engine uses them. */
struct sqs_queue {
    char name[SQS_MAX_NAME + 1];
    int fifo;
    int content_dedup;
    int64_t visibility_s, delay_s, retention_s, max_size, wait_s;
    int64_t max_receive;                 /* redrive policy, 0: none */
    char dlq_arn[300];
    int64_t created_ms, modified_ms, purged_ms;
};

/* Creates queue NAME with ATTRS (object name -> string, may be NULL) and
 * TAGS (object, may be NULL). An existing queue is fine when every given
 * attribute has its value (QueueAlreadyExists otherwise). Returns 0 or -1. */
int sqs_queue_create(const struct sqs_scope *s, const char *name, const struct cJSON *attrs,
                     const struct cJSON *tags, struct sqs_err *e);

/* Loads queue NAME into Q. Returns 0, or -1 with NonExistentQueue. */
int sqs_queue_load(const struct sqs_scope *s, const char *name, struct sqs_queue *q, struct sqs_err *e);

/* Deletes queue NAME and its messages. Returns 0 or -1. */
int sqs_queue_delete(const struct sqs_scope *s, const char *name, struct sqs_err *e);

/* A new object with every attribute of queue NAME (GetQueueAttributes
 * "All": settable ones, counts, QueueArn, timestamps), values strings.
 * Returns NULL with E set. Caller deletes. */
struct cJSON *sqs_queue_attributes(const struct sqs_scope *s, const char *name, struct sqs_err *e);

/* Sets ATTRS (object name -> string) on queue NAME. Returns 0 or -1. */
int sqs_queue_set(const struct sqs_scope *s, const char *name, const struct cJSON *attrs, struct sqs_err *e);

/* Tags of queue NAME: a new object (caller deletes), or NULL with E set. */
struct cJSON *sqs_queue_tags(const struct sqs_scope *s, const char *name, struct sqs_err *e);

/* Adds TAGS (object) to, or removes KEYS (array of strings) from, queue
 * NAME; either may be NULL. Returns 0 or -1. */
int sqs_queue_tag(const struct sqs_scope *s, const char *name, const struct cJSON *tags, const struct cJSON *keys,
                  struct sqs_err *e);

/* Calls CB(CTX, name) for the queues starting with PREFIX after AFTER, at
 * most LIMIT. Returns 0 or -1. */
int sqs_queue_list(const struct sqs_scope *s, const char *prefix, const char *after, int limit,
                   int (*cb)(void *ctx, const char *name), void *ctx, struct sqs_err *e);

/* Calls CB(CTX, name) for each queue of scope S whose RedrivePolicy
 * names queue NAME as its dead-letter queue (ListDeadLetterSourceQueues;
 * sources in other accounts or regions are not searched). Returns 0 or
 * -1 (NonExistentQueue for NAME). */
int sqs_queue_sources(const struct sqs_scope *s, const char *name, int (*cb)(void *ctx, const char *name),
                      void *ctx, struct sqs_err *e);

/* Deletes every message of queue NAME (PurgeQueueInProgress within 60
 * seconds of the last purge). Returns 0 or -1. */
int sqs_queue_purge(const struct sqs_scope *s, const char *name, struct sqs_err *e);

/* ------------------------------------------------------------------ */
/* Messages                                                             */
/* ------------------------------------------------------------------ */

/* One message to send. Strings borrowed. */
struct sqs_send_in {
    const char *body;
    const struct cJSON *attrs;      /* MessageAttributes or NULL */
    int64_t delay_s;                /* -1: the queue's DelaySeconds */
    const char *group_id;           /* FIFO: required */
    const char *dedup_id;           /* FIFO: or content-based */
    const char *sender_id;          /* SenderId attribute */
    const char *trace_header;       /* AWSTraceHeader system attribute or NULL */
    const char *dlq_source_arn;     /* DeadLetterQueueSourceArn or NULL */
};

/* What a send returns. */
struct sqs_sent {
    char message_id[37];
    char md5_body[33];
    char md5_attrs[33];             /* "" without attributes */
    char sequence[24];              /* FIFO SequenceNumber, "" otherwise */
};

/* Sends IN to queue Q (loaded in this transaction). Returns 0 or -1 (E:
 * the reason, for one batch entry or the request). Call sqs_notify after
 * the commit. */
int sqs_send(const struct sqs_scope *s, const struct sqs_queue *q, const struct sqs_send_in *in,
             struct sqs_sent *out, struct sqs_err *e);

/* Sends BODY with ATTRS (MessageAttributes object or NULL) to the queue
 * ARN (in the ARN's account and region), from SENDER_ID, in its own write
 * transaction, and wakes the long polls. For the engine's deliveries
 * (failure destinations, dead-letter queues): call it outside any
 * transaction, from any thread. Returns 0, or -1 with E set (no such
 * queue, a FIFO queue, a body SQS would refuse, a storage failure). */
int sqs_send_arn(const char *arn, const char *body, const struct cJSON *attrs, const char *sender_id,
                 struct sqs_err *e);

/* sqs_send_arn inside the caller's write transaction (store_begin(1)):
 * the message commits or rolls back with the caller's work, and a
 * refusal writes nothing. Call sqs_notify() after the commit. */
int sqs_send_arn_tx(const char *arn, const char *body, const struct cJSON *attrs, const char *sender_id,
                    struct sqs_err *e);

/* ReceiveMessage's input. */
struct sqs_recv_in {
    int max;                        /* 1..10 */
    int64_t visibility_s;           /* -1: the queue's VisibilityTimeout */
};

/* Receives from queue NAME at clock time now: moves messages due for
 * redrive to the dead-letter queue, and appends up to IN->max received
 * messages to OUT (array) as the JSON protocol returns them, with every
 * system attribute ("Attributes") and message attribute (the caller
 * filters them). Returns 0 or -1. */
int sqs_receive(const struct sqs_scope *s, const char *name, const struct sqs_recv_in *in, struct cJSON *out,
                struct sqs_err *e);

/* Deletes the message RECEIPT names from queue NAME (a message already
 * gone is fine). Returns 0, or -1 with ReceiptHandleIsInvalid. */
int sqs_delete(const struct sqs_scope *s, const char *name, const char *receipt, struct sqs_err *e);

/* Makes the message RECEIPT names visible TIMEOUT_S seconds from now.
 * Returns 0, or -1 (ReceiptHandleIsInvalid, MessageNotInflight). */
int sqs_change_visibility(const struct sqs_scope *s, const char *name, const char *receipt, int64_t timeout_s,
                          struct sqs_err *e);

/* The clock time at which queue NAME next has a message becoming
 * visible (INT64_MAX: none). Outside or inside a transaction. */
int64_t sqs_next_visible(const struct sqs_scope *s, const char *name);

/* ------------------------------------------------------------------ */
/* Long polling and the background sweep                                */
/* ------------------------------------------------------------------ */

/* The wake-up generation: read it before looking for messages. */
uint64_t sqs_generation(void);

/* Wakes every waiting long poll (after a commit that sent messages or
 * after the clock moved). Thread-safe. */
void sqs_notify(void);

/* Waits until the generation differs from GEN or WAIT_MS (wall) pass.
 * Thread-safe; call with no transaction open. */
void sqs_wait(uint64_t gen, int64_t wait_ms);

/* Caps every long poll at MS milliseconds of waiting (0: no waiting at
 * all), for the fuzzer, whose inputs must not hang. Call before serving. */
void sqs_cap_long_poll(int64_t ms);

/* The wait a long poll of WAIT_MS may take under the cap. Thread-safe. */
int64_t sqs_long_poll_ms(int64_t wait_ms);

/* One pass of retention by the virtual clock (messages older than their
 * queue's MessageRetentionPeriod, expired deduplication ids), and a wake
 * of the long polls when the clock has moved. Registered with
 * engine/background, which runs its tasks one at a time (its thread, or
 * bg_run_now's caller after a clock move). */
void sqs_sweep(void);

#endif
