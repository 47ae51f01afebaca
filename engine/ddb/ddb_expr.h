/*
 * DynamoDB expressions: a tokenizer, parser and evaluator for condition,
 * filter, key-condition, update and projection expressions, with
 * ExpressionAttributeNames/Values resolution and AWS's error messages
 * (docs/aws-reference.md G). Pure: no storage, no HTTP. Thread-safe.
 *
 * Errors are returned as malloc'd strings holding the complete
 * ValidationException message the client must see; the caller frees.
 */
#ifndef SLUICE_ENGINE_DDB_DDB_EXPR_H
#define SLUICE_ENGINE_DDB_DDB_EXPR_H

#include <stddef.h>

struct cJSON;

enum ddb_expr_kind {
    DDB_EXPR_CONDITION = 0,  /* "Invalid ConditionExpression: ..." */
    DDB_EXPR_FILTER,         /* "Invalid FilterExpression: ..." */
    DDB_EXPR_KEY_CONDITION,  /* "Invalid KeyConditionExpression: ..." */
    DDB_EXPR_UPDATE,         /* "Invalid UpdateExpression: ..." */
    DDB_EXPR_PROJECTION,     /* "Invalid ProjectionExpression: ..." */
};

/* The ExpressionAttributeNames / Values of one request, shared by all of
 * its expressions, with a record of which entries some expression used. */
struct ddb_expr_attrs {
    const struct cJSON *names;   /* object or NULL; borrowed */
    const struct cJSON *values;  /* object or NULL; borrowed */
    unsigned char *names_used;   /* internal */
    unsigned char *values_used;  /* internal */
    int nnames, nvalues;         /* internal */
};

/* Starts tracking NAMES and VALUES (either may be NULL). They must outlive
 * every expression parsed with A. Free with ddb_expr_attrs_free. */
void ddb_expr_attrs_init(struct ddb_expr_attrs *a, const struct cJSON *names,
                         const struct cJSON *values);
void ddb_expr_attrs_free(struct ddb_expr_attrs *a);

/* After all of a request's expressions are parsed: checks what AWS checks
 * about the maps themselves (empty maps, key syntax "#x" / ":x") and that
 * every entry was used ("Value provided in ExpressionAttributeValues
 * unused in expressions: keys: {:x}"). Returns 0 or -1 with *ERR. */
int ddb_expr_attrs_check(struct ddb_expr_attrs *a, char **err);

struct ddb_expr; /* opaque parsed expression */

/* Parses TEXT as an expression of KIND, resolving #names and :values
 * through A (undefined ones are errors; used ones are marked). Checks
 * reserved words (docs/dynamodb-reserved-words.txt), function
 * names and arity, operand types that are known at parse time, clause
 * repetition and overlapping paths in updates. Returns the expression or
 * NULL with *ERR set. */
struct ddb_expr *ddb_expr_parse(enum ddb_expr_kind kind, const char *text,
                                struct ddb_expr_attrs *a, char **err);

/* Frees E; accepts NULL. */
void ddb_expr_free(struct ddb_expr *e);

/* Evaluates a condition or filter against ITEM (an item object, or NULL
 * for "no item"). Returns 1 (true), 0 (false), or -1 with *ERR for
 * errors that only show at run time. */
int ddb_expr_eval(const struct ddb_expr *e, const struct cJSON *item, char **err);

/* Applies an update expression to ITEM in place (ITEM is an object; for a
 * new item, an object holding just the key). SET with + and -, if_not_exists,
 * list_append, nested paths and list indexes; REMOVE; ADD for numbers
 * and sets; DELETE for sets. Returns 0 or -1 with *ERR ("An operand in
 * the update expression has an incorrect data type", "The document path
 * provided in the update expression is invalid for update", ...). On
 * error ITEM may be partly modified: apply to a copy. */
int ddb_expr_update(const struct ddb_expr *e, struct cJSON *item, char **err);

/* As ddb_expr_update, for an item that did not exist before the update
 * (ITEM holds just the key): there DynamoDB ignores a REMOVE whose parent
 * path is missing instead of refusing it. */
int ddb_expr_update_new(const struct ddb_expr *e, struct cJSON *item, char **err);

/* 1 when the update expression E writes (SET/REMOVE/ADD/DELETE) the
 * top-level attribute NAME or something inside it. Used to refuse
 * updates of key attributes. */
int ddb_expr_update_touches(const struct ddb_expr *e, const char *name);

/* New object holding the parts of ITEM the update E wrote (for
 * ReturnValues UPDATED_OLD / UPDATED_NEW); attributes absent from ITEM
 * are left out. Caller deletes. */
struct cJSON *ddb_expr_update_project(const struct ddb_expr *e, const struct cJSON *item);

/* New object with the paths of projection E taken from ITEM (nested
 * paths keep their structure; list indexes compact, as DynamoDB does).
 * Caller deletes. */
struct cJSON *ddb_expr_project(const struct ddb_expr *e, const struct cJSON *item);

enum ddb_key_op {
    DDB_KEY_NONE = 0, DDB_KEY_EQ, DDB_KEY_LT, DDB_KEY_LE, DDB_KEY_GT, DDB_KEY_GE,
    DDB_KEY_BETWEEN, DDB_KEY_BEGINS_WITH,
};

/* The shape of a key condition: "pk = :v [AND sk <op> ...]". */
struct ddb_key_cond {
    const char *hash_name;              /* resolved attribute name; borrowed from E */
    const struct cJSON *hash_value;     /* AttributeValue; borrowed from the attrs */
    const char *range_name;             /* NULL when there is no range condition */
    enum ddb_key_op range_op;
    const struct cJSON *range_v1;       /* first operand value */
    const struct cJSON *range_v2;       /* BETWEEN's upper bound, else NULL */
};

/* Splits a parsed key condition into OUT. HASH_KEY and RANGE_KEY (may be
 * NULL) are the table's or index's key attribute names, used to tell the
 * two conditions apart and to word AWS's errors ("Query condition missed
 * key schema element: <k>", "Query key condition not supported"). Returns
 * 0 or -1 with *ERR. */
int ddb_expr_key_condition(const struct ddb_expr *e, const char *hash_key,
                           const char *range_key, struct ddb_key_cond *out, char **err);

#endif
