/*
 * CloudFormation resource types of the services other than Lambda
 * (api/cfn_type.h rows: DynamoDB, IAM, SQS, S3, and the bootstrap-only
 * KMS and ECR types), and the helpers they share to call a service in
 * process (api/call.h) on a resource's behalf. The rows are listed in
 * api/cfn_types.c; the helpers are for api/cfn_res_*.c only.
 */
#ifndef SLUICE_API_CFN_RES_SVC_H
#define SLUICE_API_CFN_RES_SVC_H

#include "api/call.h"
#include "api/cfn_type.h"

struct cJSON;

/* The rows (api/cfn_res_ddb.c, cfn_res_iam.c, cfn_res_sqs.c, cfn_res_s3.c,
 * cfn_res_misc.c). */
extern const struct cfn_type cfn_type_ddb_table;
extern const struct cfn_type cfn_type_iam_role;
extern const struct cfn_type cfn_type_iam_policy;
extern const struct cfn_type cfn_type_iam_managed_policy;
extern const struct cfn_type cfn_type_sqs_queue;
extern const struct cfn_type cfn_type_sqs_queue_policy;
extern const struct cfn_type cfn_type_s3_bucket;
extern const struct cfn_type cfn_type_s3_bucket_policy;
extern const struct cfn_type cfn_type_kms_key;
extern const struct cfn_type cfn_type_kms_alias;
extern const struct cfn_type cfn_type_ecr_repository;

/* Runs a JSON 1.0 call of SERVICE ("dynamodb", "sqs") with X-Amz-Target
 * TARGET and body BODY (printed; NULL: "{}") in R's account and region.
 * Returns call_run's result; C holds the outputs either way (the caller
 * clears it). Blocks; no store transaction may be held. */
int cfnr_json(const struct cfn_res *r, const char *service, const char *target, const struct cJSON *body,
              struct call *c);

/* Runs a query-protocol call (call_form of ACTION, VERSION, FORM; FORM may
 * be NULL) of SERVICE in R's account and region. As cfnr_json. */
int cfnr_query(const struct cfn_res *r, const char *service, const char *action, const char *version,
               const struct cJSON *form, struct call *c);

/* Runs a REST call of SERVICE: METHOD PATH (percent-encoded, may carry a
 * query) with BODY (NULL: none) and HEADERS (call.h's NAME/VALUE list, may
 * be NULL). As cfnr_json. */
int cfnr_rest(const struct cfn_res *r, const char *service, const char *method, const char *path,
              const char *body, const char *const *headers, struct call *c);

/* Sets *ERR to call_reason(C, TITLE) and returns -1. */
int cfnr_fail(const struct call *c, const char *title, char **err);

/* Sets *ERR to a heap copy of the formatted message and returns -1. */
int cfnr_failf(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Property NAME of PROPS as a string, or NULL when absent or not a string.
 * Borrowed from PROPS. */
const char *cfnr_str(const struct cJSON *props, const char *name);

/* A property value as the text a service takes: a string as it is, a
 * number in its shortest integer or decimal form, a boolean as
 * "true"/"false", an object or array as compact JSON (a policy document
 * written as an object in the template). Returns a heap string, or NULL
 * for NULL. */
char *cfnr_text(const struct cJSON *v);

/* 1 when property NAME differs between OLD and NEW (absent on one side
 * counts as a difference), else 0. */
int cfnr_changed(const struct cJSON *old, const struct cJSON *new_, const char *name);

/* 1 when V is true: a boolean, or the string "true" (a template may
 * write either; CloudFormation converts it to the schema's type). */
int cfnr_true(const struct cJSON *v);

/* Converts, anywhere in TREE, the string values of members named in
 * NUMS (NULL-terminated, may be NULL) to numbers and of those in BOOLS to
 * booleans, where the string reads as one ("5", "true"): CloudFormation
 * converts a property to its schema's type, and a JSON template often
 * writes numbers and booleans as strings. Other values are left as they
 * are, for the service to refuse. */
void cfnr_coerce(struct cJSON *tree, const char *const *nums, const char *const *bools);

/* 1 when the string array ARR (may be NULL) holds Z. */
int cfnr_has(const struct cJSON *arr, const char *z);

/* The Value of the Tags entry (a [{Key, Value}] list, may be NULL) whose
 * Key is KEY, or NULL. Borrowed. */
const char *cfnr_tag(const struct cJSON *tags, const char *key);

/* Waits about MS milliseconds (a poll's pause while a service settles). */
void cfnr_pause(int ms);

#endif
