/*
 * Destinations: what Lambda sends where an event or a batch ends, and
 * the sending. The records are AWS's (docs/aws-reference.md B10 for
 * asynchronous invocations and their dead-letter queue, D4 for stream
 * mappings); building them is pure, so tables test them. Delivery writes
 * into the caller's transaction: the record lands together with the
 * work that ends the event (the async row's deletion, the mapping's
 * checkpoint), so a crash neither loses nor repeats it.
 */
#ifndef SLUICE_ENGINE_DESTINATION_H
#define SLUICE_ENGINE_DESTINATION_H

#include <stddef.h>
#include <stdint.h>

/* The service an ARN names, as far as destinations care. */
enum dest_type {
    DEST_NONE = 0,   /* NULL or "" */
    DEST_SQS,        /* arn:aws:sqs:REGION:ACCOUNT:QUEUE */
    DEST_LAMBDA,     /* arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER] */
    DEST_SNS,        /* arn:aws:sns:... */
    DEST_S3,         /* arn:aws:s3:::BUCKET */
    DEST_EVENTS,     /* arn:aws:events:... */
    DEST_OTHER,
};

/* The type of ARN (pure). */
enum dest_type dest_type_of(const char *arn);

/* An asynchronous invocation's end (docs/aws-reference.md B10). */
struct dest_async_end {
    const char *request_id;
    const char *function_arn;     /* qualified: ...:function:NAME:$LATEST or :QUALIFIER */
    const char *condition;        /* "Success", "RetriesExhausted", "EventAgeExceeded" */
    int invokes;                  /* approximateInvokeCount */
    const char *payload;          /* the event (JSON text) */
    int reached;                  /* the function ran at least once: responseContext is known */
    const char *executed_version; /* "$LATEST" or "N" (with REACHED) */
    int function_error;           /* the last run failed: functionError "Unhandled" */
    const char *response;         /* the last run's result or error object, NULL: none */
    size_t nresponse;
    int64_t now_ms;               /* the record's timestamp */
};

/* The invocation record of E as JSON text (malloc'd, caller frees).
 * requestPayload and responsePayload are embedded as JSON when they
 * parse as JSON, else as strings. Pure. */
char *dest_async_record(const struct dest_async_end *e);

/* A stream mapping's batch given up (docs/aws-reference.md D4). */
struct dest_stream_batch {
    const char *request_id;       /* of the last invoke, "" when none ran */
    const char *function_arn;
    const char *condition;        /* "RetryAttemptsExhausted", "RecordAgeExceeded" */
    int64_t invokes;
    const char *executed_version; /* NULL: "$LATEST" */
    int function_error;           /* functionError "Unhandled", else null */
    const char *shard_id;
    const char *first_seq, *last_seq;
    int64_t first_ms, last_ms;    /* the records' ApproximateCreationDateTime */
    int batch_size;
    const char *stream_arn;
    int64_t now_ms;
};

/* The failure record of B as JSON text (malloc'd, caller frees). Pure. */
char *dest_stream_record(const struct dest_stream_batch *b);

/* The message of a function's error object (its "errorMessage"; the whole
 * body when it has none), cut to the first 1 KB that AWS keeps for a
 * dead-letter message's ErrorMessage, into OUT (size N, at least 1).
 * Pure. */
void dest_error_message(const char *body, size_t nbody, char *out, size_t n);

/* A message attribute of a dead-letter message (SQS's shape). */
struct dest_attr {
    const char *name;
    const char *type;    /* "String" or "Number" */
    const char *value;
};

/* Sends BODY (and, for a queue, ATTRS) to ARN on behalf of a function
 * in (ACCOUNT, REGION): an SQS queue (standard, in the ARN's account and
 * region) gets a message with ATTRS as its message attributes, a Lambda
 * function (of the same account and region) an asynchronous invocation
 * with BODY as its event. Runs inside the caller's
 * write transaction (store_begin(1)): what it writes commits or rolls
 * back with the caller's work. Returns 0, or -1 with the reason in WHY
 * (size NWHY) when ARN cannot take it (no such queue or function, a
 * service sluice does not have); then nothing was written. A storage
 * error is also -1: the caller decides whether its transaction goes on.
 * Call dest_after_commit() once the transaction has committed. Thread:
 * any thread holding the transaction. */
int dest_deliver(const char *account, const char *region, const char *arn, const char *body,
                 const struct dest_attr *attrs, int nattrs, char *why, size_t nwhy);

/* Wakes whoever waits for what dest_deliver wrote (the async workers,
 * receivers of a queue). Call after the commit. Any thread. */
void dest_after_commit(void);

#endif
