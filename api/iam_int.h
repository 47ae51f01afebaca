/*
 * IAM's pure parts (api/iam_validate.c, api/iam_managed.c), apart from
 * the handlers in api/iam.c so the unit tests can drive them with
 * tables: the model's constraints with AWS's validation messages, the
 * policy document check, the URL encoding of documents in replies, list
 * paging, and the table of AWS managed policies.
 */
#ifndef SLUICE_API_IAM_INT_H
#define SLUICE_API_IAM_INT_H

#include "api/sts_int.h" /* struct sts_verr: the same "N validation errors" format */

#include <stddef.h>

/* The constraints of IAM's model (botocore iam/2010-05-08
 * service-2.json: roleNameType, policyNameType, pathType,
 * policyPathType, policyDocumentType, roleDescriptionType,
 * roleMaxSessionDurationType, maxItemsType, arnType, tagListType,
 * tagKeyType, tagValueType). */
#define IAM_ROLE_NAME_MAX 64
#define IAM_POLICY_NAME_MAX 128
#define IAM_PATH_MAX 512
#define IAM_DOC_MAX 131072
#define IAM_DESCRIPTION_MAX 1000
#define IAM_SESSION_MIN 3600
#define IAM_SESSION_MAX 43200
#define IAM_ARN_MIN 20
#define IAM_ARN_MAX 2048
#define IAM_TAGS_MAX 50
#define IAM_TAG_KEY_MAX 128
#define IAM_TAG_VALUE_MAX 256
#define IAM_MAX_ITEMS_MAX 1000
/* What a list returns without MaxItems (IAM API Reference, e.g.
 * "ListRoles": "it defaults to 100"). */
#define IAM_MAX_ITEMS_DEFAULT 100
/* Managed policies attached to one role: the default quota (IAM User
 * Guide, "IAM and AWS STS quotas"). */
#define IAM_ROLE_POLICIES_MAX 10
/* A managed policy keeps at most five versions (IAM API Reference,
 * "CreatePolicyVersion"). */
#define IAM_POLICY_VERSIONS_MAX 5

/* Checks a RoleName or PolicyName NAME (FIELD as AWS names it in
 * messages: "roleName") against length 1..MAX and [\w+=,.@-]+, adding
 * each broken constraint to V. Returns 0 when valid. Pure. */
int iam_check_name(const char *name, const char *field, size_t max, struct sts_verr *v);

/* Checks an optional Path (NULL: valid): length 1..512 and either the
 * role pattern (\u002F)|(\u002F[\u0021-\u007E]+\u002F) or, with POLICY
 * set, the policy pattern ((/[A-Za-z0-9\.,\+@=_-]+)*)/. Returns 0 when
 * valid. Pure. */
int iam_check_path(const char *path, const char *field, int policy, struct sts_verr *v);

/* Checks an optional PathPrefix (NULL: valid) of a list: length 1..512
 * starting with '/'. Returns 0 when valid. Pure. */
int iam_check_path_prefix(const char *prefix, const char *field, struct sts_verr *v);

/* Checks a policy document parameter against the model (present, length
 * 1..131072, characters U+0009, U+000A, U+000D, U+0020..U+00FF).
 * Returns 0 when valid. Pure. */
int iam_check_document_param(const char *doc, const char *field, struct sts_verr *v);

/* Checks an optional Description (NULL: valid): at most 1000 characters
 * of U+0009, U+000A, U+000D, U+0020..U+007E, U+00A1..U+00FF. Pure. */
int iam_check_description(const char *text, const char *field, struct sts_verr *v);

/* Checks an optional ARN parameter (NULL: valid) against length 20..2048. */
int iam_check_arn(const char *arn, const char *field, struct sts_verr *v);

/* The policy grammar IAM applies before storing DOC: a JSON object of
 * only Version, Id and Statement, with a Statement (an object or an array
 * of objects), Version "2012-10-17" or "2008-10-17" when present, and,
 * with MANAGED set (CreatePolicy, CreatePolicyVersion), Version
 * "2012-10-17" ("Policy document must be version 2012-10-17 or
 * greater."). Returns NULL when DOC passes, else the message of the
 * MalformedPolicyDocument error ("Syntax errors in policy."). Pure. */
const char *iam_check_policy(const char *doc, int managed);

/* One page of a list of N items ordered by KEYS (ascending strcmp order,
 * or any order when markers are always keys of the list): START is the
 * index of the item named by MARKER (NULL: 0; a marker not in the list:
 * the first key after it), COUNT at most MAX_ITEMS, and NEXT the key
 * that starts the next page or NULL when this one is the last (then
 * IsTruncated is false). Pure. */
struct iam_page {
    size_t start, count;
    const char *next;
};
void iam_page(const char *const *keys, size_t n, const char *marker, long max_items, struct iam_page *out);

/* The n of a policy version id "vN" (1..), or -1 when ID is not one. */
int iam_version_num(const char *id);

/* Lower-cases NAME into OUT (N bytes): IAM names are unique whatever
 * their case. Pure. */
void iam_name_key(const char *name, char *out, size_t n);

/* One AWS managed policy: what GetPolicy and GetPolicyVersion return.
 * Their documents are those of the AWS Managed Policy Reference Guide
 * (docs.aws.amazon.com/aws-managed-policy), page by page. */
struct iam_aws_policy {
    const char *name;
    const char *path;          /* "/" or "/service-role/" */
    const char *description;
    const char *version;       /* the default (and only) version id, "v1" */
    long long create_s;        /* epoch seconds */
    long long update_s;
    const char *document;
};

/* The AWS managed policies sluice knows and their count. Static. */
extern const struct iam_aws_policy iam_aws_policies[];
extern const size_t iam_aws_npolicies;

/* The AWS managed policy whose ARN is ARN
 * ("arn:aws:iam::aws:policy" + path + name), or NULL. Pure. */
const struct iam_aws_policy *iam_aws_policy_find(const char *arn);

#endif
