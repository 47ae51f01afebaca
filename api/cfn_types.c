/*
 * The table of CloudFormation resource types sluice creates (api/cfn_type.h)
 * and what they share. Each type's handlers live in the file of its
 * service (api/cfn_res_*.c); this file only lists them.
 */
#include "api/cfn_type.h"
#include "api/cfn_res_svc.h"
#include "base/util.h"

#include <cjson/cJSON.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* AWS::CDK::Metadata: not a registry type; CDK adds it to every stack in
 * the regions it supports (docs/cloudformation-reference.md, section 1.1,
 * note 2). Stored and updated in place, nothing behind it. */
static int cdk_metadata_create(struct cfn_res *r, char **err) {
    (void)err;
    r->new_physical_id = xstrdup(r->logical_id);
    r->new_attrs = cJSON_CreateObject();
    return 0;
}

static int cdk_metadata_update(struct cfn_res *r, char **err) {
    (void)r;
    (void)err;
    return 0;
}

static int cdk_metadata_remove(struct cfn_res *r, char **err) {
    (void)r;
    (void)err;
    return 0;
}

static const char *const cdk_metadata_create_only[] = {NULL};

static const struct cfn_type cdk_metadata = {
    "AWS::CDK::Metadata", cdk_metadata_create_only, cdk_metadata_create, cdk_metadata_update,
    cdk_metadata_remove,
};

/* Rows defined in the types' own files (api/cfn_res_*.c). */
extern const struct cfn_type cfn_type_lambda_alias;
extern const struct cfn_type cfn_type_lambda_event_invoke_config;
extern const struct cfn_type cfn_type_lambda_event_source_mapping;
extern const struct cfn_type cfn_type_lambda_function;
extern const struct cfn_type cfn_type_lambda_permission;
extern const struct cfn_type cfn_type_lambda_version;
extern const struct cfn_type cfn_type_logs_log_group;
extern const struct cfn_type cfn_type_ssm_parameter;

/* Every type, sorted by name (cfn_type_find searches it in order). */
static const struct cfn_type *const types[] = {
    &cdk_metadata,
    &cfn_type_ddb_table,
    &cfn_type_ecr_repository,
    &cfn_type_iam_managed_policy,
    &cfn_type_iam_policy,
    &cfn_type_iam_role,
    &cfn_type_kms_alias,
    &cfn_type_kms_key,
    &cfn_type_lambda_alias,
    &cfn_type_lambda_event_invoke_config,
    &cfn_type_lambda_event_source_mapping,
    &cfn_type_lambda_function,
    &cfn_type_lambda_permission,
    &cfn_type_lambda_version,
    &cfn_type_logs_log_group,
    &cfn_type_s3_bucket,
    &cfn_type_s3_bucket_policy,
    &cfn_type_sqs_queue,
    &cfn_type_sqs_queue_policy,
    &cfn_type_ssm_parameter,
};

const struct cfn_type *cfn_type_find(const char *name) {
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(types[i]->name, name) == 0) return types[i];
    return NULL;
}

/* The random suffix's length: CloudFormation's generated names end in 12
 * or 13 letters and digits (AWS CloudFormation User Guide, "Name type":
 * "myteststack-s3bucket-jssofi1zie2w"). */
#define CFN_NAME_SUFFIX 12

char *cfn_physical_name(const struct cfn_res *r, size_t maxlen, int lower) {
    /* Upper-case hex of a random uuid: letters and digits as AWS's are. */
    char u[37], suffix[CFN_NAME_SUFFIX + 1];
    size_t k = 0;
    util_uuid(u);
    for (const char *p = u; *p && k < CFN_NAME_SUFFIX; p++)
        if (*p != '-') suffix[k++] = (char)toupper((unsigned char)*p);
    suffix[k] = '\0';
    size_t ns = strlen(r->stack_name), nl = strlen(r->logical_id);
    size_t budget = maxlen > CFN_NAME_SUFFIX + 2 ? maxlen - CFN_NAME_SUFFIX - 2 : 0;
    if (ns + nl > budget) {
        /* Both shortened, the stack name to at most half. */
        size_t half = budget / 2;
        if (ns > half && nl > budget - half) {
            ns = half;
            nl = budget - half;
        } else if (ns > half) {
            ns = budget - nl;
        } else {
            nl = budget - ns;
        }
    }
    char *z = xasprintf("%.*s-%.*s-%s", (int)ns, r->stack_name, (int)nl, r->logical_id, suffix);
    if (lower)
        for (char *p = z; *p; p++) *p = (char)tolower((unsigned char)*p);
    return z;
}
