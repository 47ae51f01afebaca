/*
 * IAM's durable state (schema migration 12 -> 13): roles, their inline
 * policies, customer managed policies and their versions, and which
 * managed policies are attached to which role. IAM is global: every row
 * is per account, none per region. Roles and policies are the JSON
 * documents api/iam.c builds; this layer only keeps them. Same
 * conventions as the other store_ modules (STORE_ codes, the calling
 * thread's connection, inside the handler's transaction).
 */
#ifndef SLUICE_STORAGE_STORE_IAM_H
#define SLUICE_STORAGE_STORE_IAM_H

#include "storage/store_lambda.h" /* store_row_cb */

#include <stdint.h>

/* -- roles (KEY: the lower-cased role name) -- */

/* Inserts (INSERT set; STORE_CONFLICT when KEY exists) or replaces the
 * role document ROLE. Returns a STORE_ code. */
int store_iam_role_put(const char *account, const char *key, const char *role, int insert);
/* *ROLE (heap, caller frees) for KEY; STORE_NOTFOUND when absent. */
int store_iam_role_get(const char *account, const char *key, char **role);
/* Deletes KEY's role (its inline policies and attachments with it).
 * STORE_NOTFOUND when absent. */
int store_iam_role_delete(const char *account, const char *key);
/* Every role of ACCOUNT ordered by key: CB(ctx, key, role document). */
int store_iam_roles_each(const char *account, store_row_cb cb, void *ctx);

/* -- inline role policies -- */

/* Inserts or replaces the policy NAME of role ROLE_KEY. */
int store_iam_inline_put(const char *account, const char *role_key, const char *name, const char *doc);
/* *DOC (heap); STORE_NOTFOUND when absent. */
int store_iam_inline_get(const char *account, const char *role_key, const char *name, char **doc);
/* STORE_NOTFOUND when absent. */
int store_iam_inline_delete(const char *account, const char *role_key, const char *name);
/* The role's inline policies ordered by name: CB(ctx, name, document). */
int store_iam_inline_each(const char *account, const char *role_key, store_row_cb cb, void *ctx);

/* -- customer managed policies (by ARN; KEY the lower-cased name) -- */

/* Inserts (INSERT set; STORE_CONFLICT when the ARN or the name exists)
 * or replaces the policy document POLICY. */
int store_iam_policy_put(const char *account, const char *arn, const char *key, const char *policy, int insert);
/* *POLICY (heap); STORE_NOTFOUND when absent. */
int store_iam_policy_get(const char *account, const char *arn, char **policy);
/* Deletes the policy with its versions. STORE_NOTFOUND when absent. */
int store_iam_policy_delete(const char *account, const char *arn);
/* Every customer managed policy ordered by key: CB(ctx, arn, policy). */
int store_iam_policies_each(const char *account, store_row_cb cb, void *ctx);

/* -- versions of a customer managed policy (VERSION: n of "vN") -- */

/* Inserts or replaces version VERSION (its JSON document DOC). */
int store_iam_version_put(const char *account, const char *arn, int version, const char *doc);
/* *DOC (heap); STORE_NOTFOUND when absent. */
int store_iam_version_get(const char *account, const char *arn, int version, char **doc);
/* STORE_NOTFOUND when absent. */
int store_iam_version_delete(const char *account, const char *arn, int version);
/* The versions, newest first: CB(ctx, decimal version, document). */
int store_iam_versions_each(const char *account, const char *arn, store_row_cb cb, void *ctx);

/* -- attachments of managed policies (any ARN) to roles -- */

/* Attaches ARN to the role; attaching twice is no change. */
int store_iam_attach(const char *account, const char *role_key, const char *arn);
/* STORE_NOTFOUND when ARN is not attached to the role. */
int store_iam_detach(const char *account, const char *role_key, const char *arn);
/* The ARNs attached to the role, ordered: CB(ctx, arn, ""). */
int store_iam_attached_each(const char *account, const char *role_key, store_row_cb cb, void *ctx);
/* How many roles ARN is attached to (ROLE_KEY NULL), or how many
 * policies the role has attached (ARN NULL), into *N. */
int store_iam_attach_count(const char *account, const char *role_key, const char *arn, int64_t *n);
/* How many inline policies the role has, into *N. */
int store_iam_inline_count(const char *account, const char *role_key, int64_t *n);

#endif
