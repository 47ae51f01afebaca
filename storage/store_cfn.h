/*
 * CloudFormation storage (schema migration 18 -> 19): stacks, their
 * resources and events, change sets, exports, and the deployer's queue of
 * operations (api/cfn_deploy.c). Stacks and exports are per (account,
 * region); everything else hangs off a stack's id (its ARN). Same
 * conventions as the other store_ modules: STORE_ codes, the calling
 * thread's connection, writes inside the caller's write transaction.
 */
#ifndef SLUICE_STORAGE_STORE_CFN_H
#define SLUICE_STORAGE_STORE_CFN_H

#include <stdint.h>

#include "storage/store_lambda.h" /* struct store_scope */

/* A stack. From store_cfn_stack_get the strings are owned (clear them);
 * in a callback borrowed for the call. */
struct store_cfn_stack {
    char *id;          /* arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID */
    char *account;
    char *region;
    char *name;
    char *status;      /* "CREATE_IN_PROGRESS", ... */
    char *reason;      /* StackStatusReason, or NULL */
    int64_t created_ms;
    int64_t updated_ms; /* 0: never updated */
    int64_t deleted_ms; /* 0: live */
    char *doc;         /* JSON object (api/cloudformation.c) */
};

void store_cfn_stack_clear(struct store_cfn_stack *s);

/* The stack named by REF in scope S: an ARN finds any stack, deleted ones
 * too; a name finds the live stack of that name. STORE_NOTFOUND if none. */
int store_cfn_stack_get(struct store_scope s, const char *ref, struct store_cfn_stack *out);

/* Inserts ST. STORE_CONFLICT when a live stack of that name exists. */
int store_cfn_stack_insert(const struct store_cfn_stack *st);

/* Writes ST's status, reason, times and doc (by id). STORE_NOTFOUND when
 * there is no such stack. */
int store_cfn_stack_update(const struct store_cfn_stack *st);

typedef int (*store_cfn_stack_cb)(void *ctx, const struct store_cfn_stack *st);

/* Every stack of S, deleted ones too, newest first. CB returns nonzero
 * to stop. */
int store_cfn_stack_list(struct store_scope s, store_cfn_stack_cb cb, void *ctx);

/* A stack's resource. Ownership as for struct store_cfn_stack. */
struct store_cfn_res {
    char *stack_id;
    char *logical_id;
    char *type;
    char *physical_id;  /* NULL until created */
    char *status;
    char *reason;
    char *props;        /* JSON: the evaluated properties it was created/updated with */
    char *attrs;        /* JSON: its attributes as the type's handler returned them */
    int64_t updated_ms;
    char *prev;         /* JSON: what the operation in progress replaced, or NULL */
    int64_t seq;        /* the order in which the operation in progress touched it */
};

void store_cfn_res_clear(struct store_cfn_res *r);

int store_cfn_res_get(const char *stack_id, const char *logical_id, struct store_cfn_res *out);

/* Inserts or replaces R (keyed by stack id and logical id). */
int store_cfn_res_put(const struct store_cfn_res *r);

int store_cfn_res_delete(const char *stack_id, const char *logical_id);

typedef int (*store_cfn_res_cb)(void *ctx, const struct store_cfn_res *r);

/* The resources of stack STACK_ID by logical id. */
int store_cfn_res_list(const char *stack_id, store_cfn_res_cb cb, void *ctx);

/* A stack event; borrowed in callbacks, borrowed by store_cfn_event_add. */
struct store_cfn_event {
    const char *stack_id;
    const char *event_id;
    const char *logical_id;
    const char *physical_id;
    const char *type;
    const char *status;
    const char *reason;
    const char *props;
    int64_t ts_ms;
    const char *token;
};

int store_cfn_event_add(const struct store_cfn_event *e);

typedef int (*store_cfn_event_cb)(void *ctx, const struct store_cfn_event *e);

/* The events of STACK_ID, newest first. */
int store_cfn_event_list(const char *stack_id, store_cfn_event_cb cb, void *ctx);

/* A change set; ownership as for struct store_cfn_stack. */
struct store_cfn_cs {
    char *id;           /* arn:aws:cloudformation:REGION:ACCOUNT:changeSet/NAME/UUID */
    char *stack_id;
    char *name;
    char *status;       /* CREATE_COMPLETE, FAILED, ... */
    char *reason;
    char *exec_status;  /* AVAILABLE, UNAVAILABLE, EXECUTE_*, OBSOLETE */
    int64_t created_ms;
    char *doc;          /* JSON object (api/cloudformation_cs.c) */
};

void store_cfn_cs_clear(struct store_cfn_cs *c);

/* By ARN (ID), or by STACK_ID and NAME when ID is NULL. */
int store_cfn_cs_get(const char *id, const char *stack_id, const char *name, struct store_cfn_cs *out);

/* Inserts or replaces C (by id). */
int store_cfn_cs_put(const struct store_cfn_cs *c);

int store_cfn_cs_delete(const char *id);

/* Deletes every change set of STACK_ID but EXCEPT (may be NULL). */
int store_cfn_cs_drop_others(const char *stack_id, const char *except);

typedef int (*store_cfn_cs_cb)(void *ctx, const struct store_cfn_cs *c);

/* The change sets of STACK_ID, oldest first. */
int store_cfn_cs_list(const char *stack_id, store_cfn_cs_cb cb, void *ctx);

/* Registers export NAME = VALUE of stack STACK_ID. STORE_CONFLICT when
 * another stack exports NAME (*OWNER, if given, then gets a heap copy of
 * its stack id). Re-registering one's own export replaces the value. */
int store_cfn_export_put(struct store_scope s, const char *name, const char *stack_id, const char *value,
                         char **owner);

/* The value and owner of export NAME (heap copies; either may be NULL). */
int store_cfn_export_get(struct store_scope s, const char *name, char **value, char **stack_id);

/* Drops every export of STACK_ID. */
int store_cfn_export_drop(const char *stack_id);

typedef int (*store_cfn_export_cb)(void *ctx, const char *name, const char *stack_id, const char *value);

/* The exports of S by name. */
int store_cfn_export_list(struct store_scope s, store_cfn_export_cb cb, void *ctx);

/* The deployer's queue: an operation KIND ("CREATE", "UPDATE", "DELETE",
 * ...) on STACK_ID, with ARG (may be NULL). */
int store_cfn_op_add(const char *stack_id, const char *kind, const char *arg);

/* The oldest queued operation: *SEQ, and heap copies of its stack id, kind
 * and arg (NULL when none); *STARTED is 1 when a run of it had begun (the
 * server stopped during it). STORE_NOTFOUND when the queue is empty. */
int store_cfn_op_next(int64_t *seq, char **stack_id, char **kind, char **arg, int *started);

/* Marks operation SEQ begun. */
int store_cfn_op_start(int64_t seq);

/* Removes operation SEQ. */
int store_cfn_op_done(int64_t seq);

#endif
