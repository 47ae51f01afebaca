/*
 * Data access for the Lambda control plane: functions, versions, aliases,
 * resource policies and provisioned-concurrency configs, all keyed by
 * (account, region, function name). Configuration documents are JSON
 * text owned by the API layer; this layer stores and returns them as is.
 *
 * Every function runs on the calling thread's connection and inside the
 * caller's transaction, if one is open. Strings returned through char **
 * are heap copies the caller frees. Return STORE_OK, STORE_NOTFOUND,
 * STORE_CONFLICT or STORE_ERR.
 */
#ifndef SLUICE_STORAGE_STORE_LAMBDA_H
#define SLUICE_STORAGE_STORE_LAMBDA_H

#include <stdint.h>

struct store_scope {
    const char *account;
    const char *region;
};

struct store_fn {
    char *config;        /* $LATEST FunctionConfiguration JSON */
    char *tags;          /* JSON object */
    int has_reserved;
    int reserved;
    int next_version;
    char *published_rev; /* fingerprint of the config last published; NULL when never */
    int64_t created_ms;
};

/* Frees the strings of F (not F itself). */
void store_fn_clear(struct store_fn *f);

int store_fn_get(struct store_scope s, const char *name, struct store_fn *out);
/* INSERT when INSERT is set (STORE_CONFLICT if the name exists), else
 * UPDATE every column (STORE_NOTFOUND if missing). */
int store_fn_put(struct store_scope s, const char *name, const struct store_fn *f, int insert);
/* Deletes the function with its versions, aliases, policies and PC configs. */
int store_fn_delete(struct store_scope s, const char *name);

/* Row callback: return nonzero to stop. Arguments are borrowed for the
 * duration of the call. */
typedef int (*store_row_cb)(void *ctx, const char *key, const char *config);

/* Functions ordered by name, after FROM (NULL: from the start; FROM
 * itself included when INCLUSIVE), at most LIMIT rows. KEY is the name,
 * CONFIG the $LATEST config. */
int store_fn_list(struct store_scope s, const char *from, int inclusive, int limit,
                  store_row_cb cb, void *ctx);

/* Function count and sum of CodeSize over every function and version. */
int store_fn_usage(struct store_scope s, int64_t *count, int64_t *code_size);

int store_ver_get(struct store_scope s, const char *name, int version, char **config);
int store_ver_insert(struct store_scope s, const char *name, int version, const char *config);
int store_ver_delete(struct store_scope s, const char *name, int version);
/* Highest published version, 0 when none. */
int store_ver_max(struct store_scope s, const char *name, int *version);
/* Versions in ascending order after AFTER, at most LIMIT. KEY is the
 * decimal version. */
int store_ver_list(struct store_scope s, const char *name, int after, int limit, store_row_cb cb,
                   void *ctx);

int store_alias_get(struct store_scope s, const char *name, const char *alias, char **config);
int store_alias_put(struct store_scope s, const char *name, const char *alias, const char *config,
                    int insert);
int store_alias_delete(struct store_scope s, const char *name, const char *alias);
/* Aliases ordered by name after AFTER (NULL: from the start). */
int store_alias_list(struct store_scope s, const char *name, const char *after, int limit,
                     store_row_cb cb, void *ctx);

/* Resource policy of (NAME, QUALIFIER); QUALIFIER "" is the function. */
int store_policy_get(struct store_scope s, const char *name, const char *qualifier,
                     char **statements, char **revision);
int store_policy_put(struct store_scope s, const char *name, const char *qualifier,
                     const char *statements, const char *revision);
int store_policy_delete(struct store_scope s, const char *name, const char *qualifier);

struct store_pc {
    char qualifier[129];
    int requested;
    int64_t ready_ms;          /* not READY before this clock time (--pc-ready-delay) */
    char last_modified[40];
    char status[16];           /* IN_PROGRESS, READY or FAILED */
    char reason[64];           /* StatusReason when FAILED */
    int allocated;             /* environments initialised and kept */
};

int store_pc_get(struct store_scope s, const char *name, const char *qualifier, struct store_pc *out);
int store_pc_put(struct store_scope s, const char *name, const struct store_pc *pc);
int store_pc_delete(struct store_scope s, const char *name, const char *qualifier);
/* Fills OUT with up to MAX configs of NAME ordered by qualifier; stores
 * the count in *N. */
int store_pc_list(struct store_scope s, const char *name, struct store_pc *out, int max, int *n);
/* Sets the status, reason and allocated count of one config (the
 * provisioner's verdict), only while the config is the one the caller
 * saw: its LastModified still equals LAST_MODIFIED and its requested
 * count REQUESTED (a Put or an alias move in the meantime wins).
 * STORE_NOTFOUND otherwise, or when the config is gone. */
int store_pc_settle(struct store_scope s, const char *name, const char *qualifier,
                    const char *last_modified, int requested, const char *status,
                    const char *reason, int allocated);

/* Calls CB for every PC config of every scope. */
int store_pc_each(int (*cb)(void *ctx, const char *account, const char *region, const char *name,
                            const struct store_pc *pc),
                  void *ctx);

/* Sum of requested PC over the function's qualifiers. */
int store_pc_function_total(struct store_scope s, const char *name, int64_t *total);

/* Account-wide figures for the unreserved pool: the sum of reserved
 * concurrency, and the sum of PC of functions without reserved. */
int store_concurrency_totals(struct store_scope s, int64_t *reserved, int64_t *pc_unreserved);

/* ---- asynchronous invocations ---- */

struct store_async_event {
    int64_t id;
    char account[13];
    char region[32];
    char name[257];
    char qualifier[257];
    char request_id[40];
    char *payload;          /* owned */
    int64_t received_ms;
    int attempts;
    int64_t next_ms;
};

/* Queues an event; runs in the caller's transaction if one is open. */
int store_async_put(struct store_scope s, const char *name, const char *qualifier,
                    const char *request_id, const char *payload, int64_t now_ms);
/* The earliest event due at NOW_MS whose id is not in SKIP[0..NSKIP),
 * into OUT (caller frees OUT->payload). STORE_NOTFOUND when none. */
int store_async_next(int64_t now_ms, const int64_t *skip, int nskip, struct store_async_event *out);
/* Reschedules event ID after a failed attempt. */
int store_async_retry(int64_t id, int attempts, int64_t next_ms);
int store_async_delete(int64_t id);
/* Events waiting (for metrics and tests). */
int store_async_count(int64_t *n);

/* One delivery of an asynchronous invocation's end
 * (docs/aws-reference.md B10). */
struct store_async_delivery {
    const char *function;       /* the function name */
    int64_t created_ms;
    const char *request_id;     /* the invocation's */
    const char *kind;           /* "OnSuccess", "OnFailure", "DeadLetter" */
    const char *condition;      /* "Success", "RetriesExhausted", "EventAgeExceeded" */
    const char *destination;    /* the target ARN */
    const char *error;          /* why it was not delivered, NULL: delivered */
};
/* Keeps D in scope S; in the caller's transaction if one is open. */
int store_async_delivery_add(struct store_scope s, const struct store_async_delivery *d);
/* The deliveries of FUNCTION in S, newest first, at most LIMIT; the
 * strings of D are borrowed for the call. Nonzero from CB stops. */
int store_async_deliveries(struct store_scope s, const char *function, int limit,
                           int (*cb)(void *ctx, const struct store_async_delivery *d), void *ctx);

/* EventInvokeConfig documents per (function, qualifier); '' = unqualified. */
int store_eic_get(struct store_scope s, const char *name, const char *qualifier, char **config);
int store_eic_put(struct store_scope s, const char *name, const char *qualifier, const char *config);
int store_eic_delete(struct store_scope s, const char *name, const char *qualifier);
int store_eic_list(struct store_scope s, const char *name, store_row_cb cb, void *ctx);

#endif
