/*
 * The types of CDK's bootstrap template that no service of sluice backs:
 * AWS::KMS::Key, AWS::KMS::Alias and AWS::ECR::Repository
 * (docs/cloudformation-reference.md, sections 1.1 and 4.2). sluice has no
 * KMS and no ECR: these resources are stored and reported (their Ref and
 * Fn::GetAtt values have AWS's shapes), updated in place by keeping the
 * new properties, and nothing exists behind them — no key encrypts, no
 * repository holds images. `cdk bootstrap` with its default parameters
 * creates no key (FileAssetsBucketKmsKeyId=AWS_MANAGED_KEY) but does
 * create the repository.
 */
#include "api/cfn_res_svc.h"
#include "base/util.h"

#include <cjson/cJSON.h>

#include <stdlib.h>
#include <string.h>

/* ECR repository names are 2 to 256 characters, lower case (Amazon ECR
 * API Reference, "CreateRepository", repositoryName). */
#define REPOSITORY_NAME_MAX 256

/* Nothing to change: the deployer keeps the new properties. */
static int stored_update(struct cfn_res *r, char **err) {
    (void)r;
    (void)err;
    return 0;
}

/* Nothing to delete. */
static int stored_remove(struct cfn_res *r, char **err) {
    (void)r;
    (void)err;
    return 0;
}

/* ---- AWS::KMS::Key: Ref is a key id (a uuid) ---- */

static int key_create(struct cfn_res *r, char **err) {
    (void)err;
    char id[37];
    util_uuid(id);
    r->new_physical_id = xstrdup(id);
    r->new_attrs = cJSON_CreateObject();
    char *arn = xasprintf("arn:aws:kms:%s:%s:key/%s", r->region, r->account, id);
    cJSON_AddStringToObject(r->new_attrs, "Arn", arn);
    cJSON_AddStringToObject(r->new_attrs, "KeyId", id);
    free(arn);
    return 0;
}

static const char *const key_create_only[] = {NULL};

const struct cfn_type cfn_type_kms_key = {
    "AWS::KMS::Key", key_create_only, key_create, stored_update, stored_remove,
};

/* ---- AWS::KMS::Alias: Ref is the alias name ---- */

static int alias_create(struct cfn_res *r, char **err) {
    const char *name = cfnr_str(r->props, "AliasName");
    /* AWS Key Management Service API Reference, "CreateAlias": the name
     * begins with alias/. */
    if (name == NULL || strncmp(name, "alias/", 6) != 0 || cfnr_str(r->props, "TargetKeyId") == NULL)
        return cfnr_failf(err, "Properties validation failed for resource %s: AliasName (beginning alias/) and "
                               "TargetKeyId are required",
                          r->logical_id);
    r->new_physical_id = xstrdup(name);
    r->new_attrs = cJSON_CreateObject();
    return 0;
}

/* docs/cloudformation-reference.md, section 1.1. */
static const char *const alias_create_only[] = {"AliasName", NULL};

const struct cfn_type cfn_type_kms_alias = {
    "AWS::KMS::Alias", alias_create_only, alias_create, stored_update, stored_remove,
};

/* ---- AWS::ECR::Repository: Ref is the repository name ---- */

static int repository_create(struct cfn_res *r, char **err) {
    (void)err;
    const char *given = cfnr_str(r->props, "RepositoryName");
    char *name = given ? xstrdup(given) : cfn_physical_name(r, REPOSITORY_NAME_MAX, 1);
    r->new_physical_id = name;
    r->new_attrs = cJSON_CreateObject();
    char *arn = xasprintf("arn:aws:ecr:%s:%s:repository/%s", r->region, r->account, name);
    char *uri = xasprintf("%s.dkr.ecr.%s.amazonaws.com/%s", r->account, r->region, name);
    cJSON_AddStringToObject(r->new_attrs, "Arn", arn);
    cJSON_AddStringToObject(r->new_attrs, "RepositoryUri", uri);
    free(arn);
    free(uri);
    return 0;
}

/* docs/cloudformation-reference.md, section 1.1. */
static const char *const repository_create_only[] = {"RepositoryName", "EncryptionConfiguration", NULL};

const struct cfn_type cfn_type_ecr_repository = {
    "AWS::ECR::Repository", repository_create_only, repository_create, stored_update, stored_remove,
};
