/*
 * CloudFormation type AWS::SSM::Parameter (api/cfn_type.h), made through
 * SSM's own PutParameter and DeleteParameter. Ref: the name; GetAtt:
 * Type, Value, Arn (docs/cloudformation-reference.md, section 1.1).
 */
#include "api/call.h"
#include "api/cfn_res_svc.h"
#include "api/cfn_type.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* SSM's parameter name limit: 2048 characters (AWS Systems Manager API
 * Reference, PutParameter, Name). */
#define SSM_NAME_MAX 2048

/* Runs SSM operation OP with BODY for R. Returns 0, or -1 with *ERR the
 * CloudFormation reason (heap). */
static int ssm_call(const struct cfn_res *r, const char *op, const cJSON *body, char **err, char **code) {
    char target[64];
    struct call c;
    snprintf(target, sizeof(target), "AmazonSSM.%s", op);
    int rc = cfnr_json(r, "ssm", target, body, &c);
    if (rc != 0) {
        if (err) *err = call_reason(&c, "Ssm");
        if (code) *code = xstrdup(c.code ? c.code : "");
    }
    call_clear(&c);
    return rc;
}

/* PutParameter's body from R's properties for NAME. */
static cJSON *put_body(const struct cfn_res *r, const char *name, int overwrite) {
    static const char *const copy[] = {"Type", "Value", "Description", "AllowedPattern", "Tier", "DataType", "Policies", NULL};
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "Name", name);
    for (const char *const *k = copy; *k; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->props, *k);
        if (v) cJSON_AddItemToObject(b, *k, cJSON_Duplicate(v, 1));
    }
    cJSON_AddBoolToObject(b, "Overwrite", overwrite);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(r->props, "Tags"), *t;
    if (!overwrite && cJSON_IsObject(tags) && tags->child) {
        cJSON *list = cJSON_AddArrayToObject(b, "Tags");
        cJSON_ArrayForEach(t, tags) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "Key", t->string);
            cJSON_AddStringToObject(o, "Value", cJSON_IsString(t) ? t->valuestring : "");
            cJSON_AddItemToArray(list, o);
        }
    }
    return b;
}

static cJSON *attrs(const struct cfn_res *r, const char *name) {
    cJSON *a = cJSON_CreateObject();
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(r->props, "Type");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(r->props, "Value");
    if (type) cJSON_AddItemToObject(a, "Type", cJSON_Duplicate(type, 1));
    if (value) cJSON_AddItemToObject(a, "Value", cJSON_Duplicate(value, 1));
    char *arn = xasprintf("arn:aws:ssm:%s:%s:parameter%s%s", r->region, r->account, name[0] == '/' ? "" : "/", name);
    cJSON_AddStringToObject(a, "Arn", arn);
    free(arn);
    return a;
}

static int ssm_create(struct cfn_res *r, char **err) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(r->props, "Name");
    char *name = cJSON_IsString(n) ? xstrdup(n->valuestring) : cfn_physical_name(r, 128, 0);
    cJSON *b = put_body(r, name, 0);
    int rc = ssm_call(r, "PutParameter", b, err, NULL);
    cJSON_Delete(b);
    if (rc == 0) {
        r->new_physical_id = name;
        r->new_attrs = attrs(r, name);
    } else {
        free(name);
    }
    return rc;
}

static int ssm_update(struct cfn_res *r, char **err) {
    cJSON *b = put_body(r, r->physical_id, 1);
    int rc = ssm_call(r, "PutParameter", b, err, NULL);
    cJSON_Delete(b);
    if (rc == 0) r->new_attrs = attrs(r, r->physical_id);
    return rc;
}

static int ssm_remove(struct cfn_res *r, char **err) {
    cJSON *b = cJSON_CreateObject();
    char *code = NULL;
    cJSON_AddStringToObject(b, "Name", r->physical_id);
    int rc = ssm_call(r, "DeleteParameter", b, err, &code);
    cJSON_Delete(b);
    if (rc != 0 && code && strcmp(code, "ParameterNotFound") == 0) {
        free(*err);
        *err = NULL;
        rc = 0;
    }
    free(code);
    return rc;
}

static const char *const ssm_create_only[] = {"Name", NULL};

const struct cfn_type cfn_type_ssm_parameter = {
    "AWS::SSM::Parameter", ssm_create_only, ssm_create, ssm_update, ssm_remove,
};
