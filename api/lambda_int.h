/*
 * Internals shared by the Lambda API files (lambda.c: routing, functions
 * and versions; lambda_alias.c: aliases, concurrency, permissions, tags).
 * Not for other modules.
 */
#ifndef SLUICE_API_LAMBDA_INT_H
#define SLUICE_API_LAMBDA_INT_H

#include "api/op.h"
#include "api/request.h"
#include "engine/arn.h"
#include "storage/store_lambda.h"

#include <stdint.h>

struct cJSON;

/* A function resolved from a FunctionName parameter. */
struct lfn {
    struct fn_ref ref;
    char qualifier[ARN_MAX_NAME * 4 + 1];  /* from the name or ?Qualifier; "" none */
    struct store_fn row;
    struct cJSON *latest;                  /* parsed $LATEST config (owned) */
};

/* Flags for lfn_load. */
#define LFN_QUERY_QUALIFIER 1  /* merge ?Qualifier= into the name's qualifier */
#define LFN_NF_LATEST 2        /* not-found message names ...:$LATEST when unqualified */
#define LFN_NO_LOAD 4          /* parse and check only; do not read the function */

/* Parses the function name Z (a path label) of SHAPE, checks its region
 * and account against the caller, merges ?Qualifier when asked, and loads
 * the function. Returns 0, or -1 with the AWS error recorded. Free with
 * lfn_free. */
int lfn_load(struct req *req, const char *z, enum arn_shape shape, int flags, struct lfn *out);
void lfn_free(struct lfn *f);

/* The caller's (account, region) scope. */
struct store_scope lscope(struct req *req);

/* Records a ServiceException for an unexpected storage result and
 * returns -1. */
int lstore_fail(struct req *req, int rc);

/* Writes the function ARN of F's name with QUALIFIER into BUF. */
void lfn_arn(struct req *req, const char *name, const char *qualifier, char *buf, size_t n);

/* Records 404 "Function not found: <arn>" and returns -1. */
int lfn_not_found(struct req *req, const char *name, const char *qualifier);

/* Loads the config of version V (digits) of F; 404 when missing. Returns
 * a parsed config (caller deletes) or NULL with the error recorded. */
struct cJSON *lfn_version_config(struct req *req, struct lfn *f, const char *v);

/* Loads alias ALIAS of F as parsed JSON; NULL when missing (no error
 * recorded) or on storage error (error recorded, *FAILED set). */
struct cJSON *lfn_alias_config(struct req *req, struct lfn *f, const char *alias, int *failed);

/* New RevisionId into OUT. */
void lrevision(char out[37]);

/* Clock time as Lambda's LastModified string. */
void lnow_string(char *buf, size_t n);

/* Handlers in lambda_alias.c. */
int lambda_create_alias(struct req *req, struct op_in *a);
int lambda_get_alias(struct req *req, struct op_in *a);
int lambda_update_alias(struct req *req, struct op_in *a);
int lambda_delete_alias(struct req *req, struct op_in *a);
int lambda_list_aliases(struct req *req, struct op_in *a);
int lambda_put_concurrency(struct req *req, struct op_in *a);
int lambda_get_concurrency(struct req *req, struct op_in *a);
int lambda_delete_concurrency(struct req *req, struct op_in *a);
int lambda_put_pc(struct req *req, struct op_in *a);
int lambda_get_pc(struct req *req, struct op_in *a);
int lambda_delete_pc(struct req *req, struct op_in *a);
int lambda_account_settings(struct req *req, struct op_in *a);
int lambda_add_permission(struct req *req, struct op_in *a);
int lambda_get_policy(struct req *req, struct op_in *a);
int lambda_remove_permission(struct req *req, struct op_in *a);
int lambda_tag_resource(struct req *req, struct op_in *a);
int lambda_untag_resource(struct req *req, struct op_in *a);
int lambda_list_tags(struct req *req, struct op_in *a);

/* Checks the tags in ADD (a JSON object of strings: keys 1-128, values up
 * to 256 characters) and sets them in INTO, replacing equal keys; at
 * most 50 in all. Returns 0 or -1 with the AWS error recorded. */
int ltags_merge(struct req *req, struct cJSON *into, const struct cJSON *add);

/* Handlers in lambda_eic.c. */
int lambda_put_eic(struct req *req, struct op_in *a);
int lambda_update_eic(struct req *req, struct op_in *a);
int lambda_get_eic(struct req *req, struct op_in *a);
int lambda_delete_eic(struct req *req, struct op_in *a);
int lambda_list_eic(struct req *req, struct op_in *a);

/* Handlers in lambda_csc.c (a function's code signing configuration). */
int lambda_get_fn_csc(struct req *req, struct op_in *a);
int lambda_put_fn_csc(struct req *req, struct op_in *a);
int lambda_delete_fn_csc(struct req *req, struct op_in *a);
/* CreateFunction's CodeSigningConfigArn: validates ARN and records the
 * error a configuration sluice cannot have gets (none exist). Returns -1. */
int lambda_csc_refuse(struct req *req, const char *arn);

/* Handlers in lambda_esm.c (event source mappings; the UUID is a->sub). */
int lambda_create_esm(struct req *req, struct op_in *a);
int lambda_get_esm(struct req *req, struct op_in *a);
int lambda_update_esm(struct req *req, struct op_in *a);
int lambda_delete_esm(struct req *req, struct op_in *a);
int lambda_list_esm(struct req *req, struct op_in *a);


/* Page size caps of the list operations (AWS: 50 functions/versions). */
#define LAMBDA_MAX_PAGE 50

/* Reads ?MaxItems= (1..10000) into *OUT (default LAMBDA_MAX_PAGE, capped
 * at it). Returns 0 or -1 with a validation error recorded. */
int lmax_items(struct req *req, int *out);

#endif
