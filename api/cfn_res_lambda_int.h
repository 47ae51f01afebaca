/*
 * What the Lambda resource types of CloudFormation share
 * (api/cfn_res_lambda*.c): one Lambda call for a resource, the property
 * helpers that turn a template's values into Lambda's request members, and
 * the bounded waits. Every type acts only through Lambda's own operations
 * (api/call.h), so a failure's reason is Lambda's own message in
 * call_reason's form. Used by api/cfn_res_lambda*.c only.
 */
#ifndef SLUICE_API_CFN_RES_LAMBDA_INT_H
#define SLUICE_API_CFN_RES_LAMBDA_INT_H

#include "api/call.h"
#include "api/cfn_type.h"

#include <stdint.h>

struct cJSON;

/* Runs one Lambda operation in R's account and region: METHOD on PATH
 * (raw, percent-encoded, may carry "?query") with BODY (an object sent as
 * JSON, or NULL for none). *C is zeroed first; the caller reads its
 * outputs and frees them with call_clear. Returns call_run's answer. */
int lam_run(const struct cfn_res *r, struct call *c, const char *method, const char *path,
            const struct cJSON *body);

/* call_reason(C, "Lambda"): the ResourceStatusReason of a refused call,
 * heap. */
char *lam_reason(const struct call *c);

/* 1 when the failed call C says the thing is not there (404
 * ResourceNotFoundException): a remove counts that as done. */
int lam_gone(const struct call *c);

/* Z percent-encoded for a path segment (a name or an ARN), heap. */
char *lam_enc(const char *z);

/* The string member KEY of PROPS, or NULL (absent, or not a string). */
const char *lam_str(const struct cJSON *props, const char *key);

/* Sets *OUT to the string property KEY of R, which the resource schema
 * requires. Returns 0, or -1 with *ERR CloudFormation's "Properties
 * validation failed ... required key [KEY] not found" when it is absent. */
int lam_required(const struct cfn_res *r, const char *key, const char **out, char **err);

/* 1 when member KEY differs between OLD and NEW (absent counts as a value). */
int lam_changed(const struct cJSON *old, const struct cJSON *new, const char *key);

/* How a template value becomes a request member: CloudFormation accepts
 * "256" for an integer and "true" for a boolean (a parameter's value is a
 * string), and 8080 for a string (an environment variable, a tag value),
 * Lambda's JSON does not. LAM_ENV: an Environment object whose
 * Variables' numbers and booleans become strings. */
enum lam_kind { LAM_ANY, LAM_INT, LAM_BOOL, LAM_ENV };

/* V as a string when it is a number ("8080", "1.5") or a boolean
 * ("true"); a copy otherwise. A new item. */
struct cJSON *lam_text(const struct cJSON *v);

/* A copy of V converted to KIND when it is a string that spells one;
 * anything else copied as it is (Lambda then reports the type). */
struct cJSON *lam_value(const struct cJSON *v, enum lam_kind kind);

/* Copies member KEY of PROPS into BODY as lam_value converts it; nothing
 * when absent. */
void lam_copy(struct cJSON *body, const struct cJSON *props, const char *key, enum lam_kind kind);

/* CloudFormation's tag list [{"Key":k,"Value":v}] as Lambda's map
 * {"k":"v"} (values as lam_text makes them); NULL when LIST is not an
 * array. A new object. */
struct cJSON *lam_tags_map(const struct cJSON *list);

/* The tags a new resource gets: LIST as lam_tags_map makes it, plus the
 * three CloudFormation adds to every resource that takes tags
 * (aws:cloudformation:stack-name, stack-id, logical-id; AWS
 * CloudFormation User Guide, "Tag"). A new object. Updates leave those
 * three alone (lam_tags_sync only touches the template's keys). */
struct cJSON *lam_create_tags(const struct cfn_res *r, const struct cJSON *list);

/* Brings the tags of Lambda resource ARN (a function or a mapping) from
 * the list OLD_LIST to NEW_LIST (either may be NULL): UntagResource for
 * the keys that went, TagResource for the rest when anything changed.
 * Returns 0, or -1 with *ERR the reason. */
int lam_tags_sync(const struct cfn_res *r, const char *arn, const struct cJSON *old_list,
                  const struct cJSON *new_list, char **err);

/* Sleeps one poll interval of the waits (LAM_POLL_MS). */
void lam_pause(void);

/* Milliseconds on a monotonic clock, for the waits' bounds (real time: a
 * wait must end even when the virtual clock stands still). */
int64_t lam_mono_ms(void);

/* How often a wait asks again: a few times per tick of the mapping
 * manager (250 ms, engine/esm.c), so a settled state is seen promptly,
 * while each ask is one in-process read. */
#define LAM_POLL_MS 50

/* Waits until provisioned concurrency on QUALIFIER of function FN is
 * READY, as CloudFormation does for an alias or version that asks for it.
 * Returns 0, or -1 with *ERR the reason (FAILED, or not READY in time:
 * HandlerErrorCode NotStabilized). */
int lam_pc_wait(const struct cfn_res *r, const char *fn, const char *qualifier, char **err);

/* Sets lam_pc_wait's bound to MS milliseconds; a negative MS restores the
 * default (LAM_PC_WAIT_MS plus --pc-ready-delay). For the unit tests, which
 * run no provisioner; not thread-safe against a running wait. */
void lam_pc_wait_bound(int64_t ms);

#endif
