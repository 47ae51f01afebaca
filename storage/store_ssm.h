/*
 * SSM Parameter Store storage (schema migration 16 -> 17): parameters
 * per (account, region), each with its versions (the value and settings
 * of each PutParameter), the labels on each version, and the parameter's
 * tags. Same conventions as the other store_ modules (STORE_ codes, the
 * calling thread's connection; writes in the caller's write
 * transaction).
 */
#ifndef SLUICE_STORAGE_STORE_SSM_H
#define SLUICE_STORAGE_STORE_SSM_H

#include <stdint.h>

#include "storage/store_lambda.h" /* struct store_scope */

/* One version of a parameter. From store_ssm_get the strings are owned
 * (store_ssm_param_clear frees them); in a store_ssm_cb they are borrowed
 * for the call. NULL: not set (description, allowed_pattern, key_id). */
struct store_ssm_param {
    char *name;
    int64_t version;
    char *type;              /* "String", "StringList", "SecureString" */
    char *value;             /* in clear, SecureString too */
    char *description;
    char *allowed_pattern;
    char *key_id;            /* SecureString only */
    char *tier;              /* "Standard" or "Advanced" */
    char *data_type;         /* "text", "aws:ec2:image", ... */
    int64_t modified_ms;     /* epoch ms (clock time) */
    char *modified_user;     /* the ARN of who wrote the version */
    char *labels;            /* JSON array of strings */
    char *tags;              /* JSON object; set by store_ssm_list only, else NULL */
};

/* Frees the strings of P (not P) and zeroes it. Accepts a zeroed P. */
void store_ssm_param_clear(struct store_ssm_param *p);

/* Version VERSION of parameter NAME of scope S into *OUT (owned; clear it),
 * or the current (latest) version when VERSION is 0. Returns STORE_OK,
 * STORE_NOTFOUND (no such parameter, or no such version), or an error. */
int store_ssm_get(struct store_scope s, const char *name, int64_t version, struct store_ssm_param *out);

/* The version of NAME that carries LABEL, into *OUT as store_ssm_get.
 * STORE_NOTFOUND when no version carries it. */
int store_ssm_get_label(struct store_scope s, const char *name, const char *label, struct store_ssm_param *out);

/* The lookup CloudFormation's AWS::SSM::Parameter::Value<String>
 * parameters (and CDK's bootstrap version check) need: the current
 * value, type and version of the parameter named NAME (a plain name: no
 * ARN, no ":version" or ":label" selector) in account ACCOUNT and region
 * REGION. *VALUE is a heap copy (the caller frees it; a SecureString's
 * value in clear), TYPE receives "String", "StringList" or
 * "SecureString". Returns STORE_OK, STORE_NOTFOUND, or an error, with
 * nothing set. Any thread; runs in the caller's open transaction if
 * there is one, else reads in autocommit. Needs no struct req. */
int store_ssm_lookup(const char *account, const char *region, const char *name, char **value, char type[16],
                     int64_t *version);

/* Stores P as version P->version of P->name and makes it the current
 * version; a new parameter gets its row (no tags). The caller picks the
 * version (current + 1, or 1). Caller's write transaction. Returns
 * STORE_OK, STORE_CONFLICT when that version exists, or an error. */
int store_ssm_put(struct store_scope s, const struct store_ssm_param *p);

/* Deletes parameter NAME with its versions, labels and tags. Caller's
 * write transaction. STORE_NOTFOUND when there is no such parameter. */
int store_ssm_delete(struct store_scope s, const char *name);

/* How many versions NAME has (*N) and the oldest one (*OLDEST, 0 when
 * none), and whether that one carries a label (*LABELLED). */
int store_ssm_versions(struct store_scope s, const char *name, int64_t *n, int64_t *oldest, int *labelled);

/* Deletes version VERSION of NAME (the current version must not be
 * deleted this way). Caller's write transaction. */
int store_ssm_delete_version(struct store_scope s, const char *name, int64_t version);

/* Row callback of the listings: P is borrowed for the call; return
 * nonzero to stop. It must not run statements of its own. */
typedef int (*store_ssm_cb)(void *ctx, const struct store_ssm_param *p);

/* The current version of every parameter of S whose name starts with
 * PREFIX (NULL: all) and sorts after AFTER (NULL: from the first), in
 * name order (bytewise), tags included. */
int store_ssm_list(struct store_scope s, const char *prefix, const char *after, store_ssm_cb cb, void *ctx);

/* The versions of NAME after version AFTER (0: from the first), oldest
 * first. */
int store_ssm_history(struct store_scope s, const char *name, int64_t after, store_ssm_cb cb, void *ctx);

/* NAME's tags as JSON object text in *OUT (heap; free it).
 * STORE_NOTFOUND without the parameter. */
int store_ssm_tags_get(struct store_scope s, const char *name, char **out);

/* Replaces NAME's tags with TAGS (JSON object text). Caller's write
 * transaction. STORE_NOTFOUND without the parameter. */
int store_ssm_tags_set(struct store_scope s, const char *name, const char *tags);

/* Replaces the labels of version VERSION of NAME with LABELS (JSON array
 * text). Caller's write transaction. STORE_NOTFOUND without it. */
int store_ssm_labels_set(struct store_scope s, const char *name, int64_t version, const char *labels);

#endif
