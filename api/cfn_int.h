/*
 * What CloudFormation's API (api/cloudformation.c, api/cloudformation_cs.c)
 * and its deployer (api/cfn_deploy.c) share: a stack's "spec" (the template
 * and settings one operation submits, checked and resolved by cfn_spec_build
 * in api/cfn_spec.c), the stack document's layout, and the deployer's
 * queue. Private to those files.
 *
 * A stack's doc (storage/store_cfn.h) is a JSON object: the current spec's
 * members (TemplateBody as submitted, Description, Parameters as
 * DescribeStacks shows them, Values: parameter name -> resolved value,
 * Raw: parameter name -> value as submitted, Tags, Capabilities,
 * DisableRollback, NotificationARNs, RoleARN), plus Outputs,
 * EnableTerminationProtection, OnFailure, Imports (export names it uses)
 * and, while an update runs, Pending (the new spec).
 */
#ifndef SLUICE_API_CFN_INT_H
#define SLUICE_API_CFN_INT_H

#include <stdint.h>

struct cJSON;
struct op_in;
struct req;

#define CFN_XMLNS "http://cloudformation.amazonaws.com/doc/2010-05-15/"
#define CFN_VERSION "2010-05-15"
#define CFN_STACK_TYPE "AWS::CloudFormation::Stack"

/* TemplateBody's limit (AWS CloudFormation User Guide, "CloudFormation
 * quotas": 51,200 bytes); a TemplateURL object may hold up to 1 MB. */
#define CFN_BODY_MAX 51200
#define CFN_URL_OBJECT_MAX 1000000

/* What one operation submits. IN is the request's form tree. PREV is the
 * stack's current doc for UpdateStack / an UPDATE change set (for
 * UsePreviousTemplate and UsePreviousValue), else NULL. Builds *SPEC (a new
 * object with the doc members listed above) after every check
 * CloudFormation makes before it accepts the call: exactly one template
 * source, the template's syntax and shape, references and cycles
 * (cfn_graph_build), parameters (unknown, missing, types, constraints,
 * SSM-typed ones read from Parameter Store), Rules, and capabilities.
 * Returns 0, or -1 with the AWS error recorded. Runs outside any store
 * transaction (a TemplateURL is read through S3's own GetObject). */
int cfn_spec_build(struct req *req, const struct cJSON *in, const struct cJSON *prev, struct cJSON **spec);

/* Only the template of IN (TemplateBody or TemplateURL), read but not
 * checked, into a new *SPEC holding TemplateBody. Returns 0, or -1 with
 * the error recorded. Outside any store transaction. */
int cfn_spec_fetch(struct req *req, const struct cJSON *in, struct cJSON **spec);

/* Parses SPEC's TemplateBody (it was checked when the spec was built).
 * Returns a new tree, or NULL with *ERR set (heap). */
struct cJSON *cfn_spec_template(const struct cJSON *spec, char **err);

/* 1 when STATUS is one of the *_IN_PROGRESS statuses but
 * REVIEW_IN_PROGRESS (an operation runs on the stack). */
int cfn_status_busy(const char *status);

/* The first stack event of an operation, "User Initiated", and the stack's
 * new status, in the caller's write transaction. */
int cfn_stack_event(const char *stack_id, const char *stack_name, const char *status, const char *reason);

/* Queues operation KIND ("CREATE", "UPDATE", "DELETE") of STACK_ID with
 * ARG, in the caller's write transaction; cfn_deploy_kick after the commit
 * starts it. */
int cfn_deploy_queue(const char *stack_id, const char *kind, const char *arg);

/* Wakes the deployer. Any thread. */
void cfn_deploy_kick(void);

/* The change set's Changes for a stack whose current resources are those
 * of STACK_ID (NULL: a new stack) and whose new spec is SPEC, in ACCOUNT
 * and REGION: a new array (api/cloudformation_cs.c). Returns NULL with
 * *ERR set when the template cannot be evaluated. Reads the store. */
struct cJSON *cfn_changes(const char *account, const char *region, const char *stack_id, const char *stack_name,
                          const struct cJSON *cur_doc, const struct cJSON *spec, char **err);

/* CloudFormation's error kinds (botocore's modelled exceptions). */
struct aws_error;
struct store_cfn_stack;
extern const struct aws_error AWSERR_CFN_ALREADY_EXISTS;      /* AlreadyExistsException */
extern const struct aws_error AWSERR_CFN_CAPABILITIES;        /* InsufficientCapabilitiesException */
extern const struct aws_error AWSERR_CFN_CS_NOT_FOUND;        /* ChangeSetNotFound, 404 */
extern const struct aws_error AWSERR_CFN_CS_STATUS;           /* InvalidChangeSetStatus */

/* Shared by the API files (api/cloudformation.c). */
/* Records the StackName constraint's ValidationError unless NAME is valid. */
int cfn_check_stack_name(struct req *req, const char *name);
/* Finds stack REF (name or ARN) into *ST (clear it), else records the
 * ValidationError "Stack with id REF does not exist" (DescribeStacks'
 * words, which the CDK CLI compares), or with BRACKETED "Stack [REF] does
 * not exist" (DescribeStackEvents'). Returns 0 or -1. */
int cfn_stack_or_fail(struct req *req, const char *ref, struct store_cfn_stack *st, int bracketed);
/* A new stack ARN for NAME in REQ's scope (heap). */
char *cfn_stack_arn(struct req *req, const char *name);
/* 1 when SPEC changes nothing of the stack whose doc is DOC (template,
 * parameter values, tags). */
int cfn_spec_same(const struct cJSON *doc, const struct cJSON *spec);
/* 1 when the change set ARN ID belongs to REQ's account and region. */
int cfn_cs_in_scope(struct req *req, const char *id);
/* 1 when a stack in STATUS may be updated. */
int cfn_status_updatable(const char *status);
/* Starts the update of STACK_ID to SPEC (taken) in a transaction of its
 * own: the stack UPDATE_IN_PROGRESS, its event, the queued operation; then
 * wakes the deployer. Returns 0, or -1 with the error recorded. */
int cfn_start_update(struct req *req, const char *stack_id, struct cJSON *spec);

/* The query parameter KEY of IN when it is a non-empty string, else
 * NULL; borrowed from IN. Pure. */
const char *cfn_param(struct op_in *in, const char *key);
/* The string member K of O, or NULL; borrowed from O. Pure. */
const char *cfn_jstr(const struct cJSON *o, const char *k);
/* Records CloudFormation's answer to a storage failure in REQ
 * (InternalFailure, "The service cannot complete the request."). */
void cfn_store_failed(struct req *req);

/* The change set operations (api/cloudformation_cs.c), rows of
 * api/cloudformation.c's operation table: each answers REQ for the
 * query form IN, returning 0 or -1 with the error recorded. */
int cfn_create_change_set(struct req *req, struct op_in *in);
int cfn_describe_change_set(struct req *req, struct op_in *in);
int cfn_execute_change_set(struct req *req, struct op_in *in);
int cfn_delete_change_set(struct req *req, struct op_in *in);
int cfn_list_change_sets(struct req *req, struct op_in *in);

#endif
