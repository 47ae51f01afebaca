/*
 * CloudFormation type AWS::Logs::LogGroup (api/cfn_type.h), made through
 * CloudWatch Logs' own CreateLogGroup, PutRetentionPolicy,
 * DeleteRetentionPolicy and DeleteLogGroup. Ref: the name; GetAtt: Arn
 * (ending ":*"; docs/cloudformation-reference.md, section 1.1).
 */
#include "api/call.h"
#include "api/cfn_res_svc.h"
#include "api/cfn_type.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Log group names are at most 512 characters (Amazon CloudWatch Logs API
 * Reference, CreateLogGroup). */
#define LOG_GROUP_NAME_MAX 512

/* Runs Logs operation OP with BODY for R. Returns 0, or -1 with *ERR the
 * CloudFormation reason (heap) and *CODE (if given) the error code. */
static int logs_call(const struct cfn_res *r, const char *op, const cJSON *body, char **err, char **code) {
    char target[64];
    struct call c;
    snprintf(target, sizeof(target), "Logs_20140328.%s", op);
    int rc = cfnr_json(r, "logs", target, body, &c);
    if (rc != 0) {
        if (err) *err = call_reason(&c, "CloudWatchLogs");
        if (code) *code = xstrdup(c.code ? c.code : "");
    }
    call_clear(&c);
    return rc;
}

/* Applies RetentionInDays (set or removed) to group NAME. */
static int retention(const struct cfn_res *r, const char *name, char **err) {
    const cJSON *days = cJSON_GetObjectItemCaseSensitive(r->props, "RetentionInDays");
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(r->old_props, "RetentionInDays");
    cJSON *b = cJSON_CreateObject();
    int rc = 0;
    cJSON_AddStringToObject(b, "logGroupName", name);
    if (days) {
        cJSON_AddNumberToObject(b, "retentionInDays",
                                cJSON_IsNumber(days) ? days->valuedouble : atof(cJSON_IsString(days) ? days->valuestring : "0"));
        rc = logs_call(r, "PutRetentionPolicy", b, err, NULL);
    } else if (old) {
        rc = logs_call(r, "DeleteRetentionPolicy", b, err, NULL);
    }
    cJSON_Delete(b);
    return rc;
}

static cJSON *attrs(const struct cfn_res *r, const char *name) {
    cJSON *a = cJSON_CreateObject();
    char *arn = xasprintf("arn:aws:logs:%s:%s:log-group:%s:*", r->region, r->account, name);
    cJSON_AddStringToObject(a, "Arn", arn);
    free(arn);
    return a;
}

/* CreateLogGroup's tags: CloudFormation's Tags list as Logs' map. */
static void add_tags(cJSON *b, const cJSON *tags) {
    const cJSON *t;
    if (!cJSON_IsArray(tags) || tags->child == NULL) return;
    cJSON *m = cJSON_AddObjectToObject(b, "tags");
    cJSON_ArrayForEach(t, tags) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key"), *v = cJSON_GetObjectItemCaseSensitive(t, "Value");
        if (cJSON_IsString(k)) cJSON_AddStringToObject(m, k->valuestring, cJSON_IsString(v) ? v->valuestring : "");
    }
}

static int logs_remove_name(const struct cfn_res *r, const char *name, char **err);

static int logs_create(struct cfn_res *r, char **err) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(r->props, "LogGroupName");
    char *name = cJSON_IsString(n) ? xstrdup(n->valuestring) : cfn_physical_name(r, LOG_GROUP_NAME_MAX, 0);
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "logGroupName", name);
    const cJSON *kms = cJSON_GetObjectItemCaseSensitive(r->props, "KmsKeyId");
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(r->props, "LogGroupClass");
    if (cJSON_IsString(kms)) cJSON_AddStringToObject(b, "kmsKeyId", kms->valuestring);
    if (cJSON_IsString(cls)) cJSON_AddStringToObject(b, "logGroupClass", cls->valuestring);
    add_tags(b, cJSON_GetObjectItemCaseSensitive(r->props, "Tags"));
    int rc = logs_call(r, "CreateLogGroup", b, err, NULL);
    cJSON_Delete(b);
    if (rc == 0 && retention(r, name, err) != 0) {
        char *ignored = NULL;
        logs_remove_name(r, name, &ignored);
        free(ignored);
        rc = -1;
    }
    if (rc == 0) {
        r->new_physical_id = name;
        r->new_attrs = attrs(r, name);
    } else {
        free(name);
    }
    return rc;
}

static int logs_update(struct cfn_res *r, char **err) { return retention(r, r->physical_id, err); }

static int logs_remove_name(const struct cfn_res *r, const char *name, char **err) {
    cJSON *b = cJSON_CreateObject();
    char *code = NULL;
    cJSON_AddStringToObject(b, "logGroupName", name);
    int rc = logs_call(r, "DeleteLogGroup", b, err, &code);
    cJSON_Delete(b);
    if (rc != 0 && code && strcmp(code, "ResourceNotFoundException") == 0) {
        free(*err);
        *err = NULL;
        rc = 0;
    }
    free(code);
    return rc;
}

static int logs_remove(struct cfn_res *r, char **err) { return logs_remove_name(r, r->physical_id, err); }

static const char *const logs_create_only[] = {"LogGroupName", NULL};

const struct cfn_type cfn_type_logs_log_group = {
    "AWS::Logs::LogGroup", logs_create_only, logs_create, logs_update, logs_remove,
};
