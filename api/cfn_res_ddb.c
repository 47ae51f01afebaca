/*
 * AWS::DynamoDB::Table (api/cfn_type.h), through DynamoDB's own
 * operations: CreateTable, UpdateTable, UpdateTimeToLive,
 * UpdateContinuousBackups, TagResource / UntagResource, DescribeTable,
 * DeleteTable (X-Amz-Target DynamoDB_20120810.*), so a template gets
 * DynamoDB's checks and messages. Identity, attributes and the in-place
 * properties: docs/cloudformation-reference.md, sections 1.1 and 1.2;
 * property shapes: AWS CloudFormation User Guide,
 * "AWS::DynamoDB::Table". Stored only (sluice's DynamoDB has nothing
 * behind them): ContributorInsightsSpecification,
 * KinesisStreamSpecification, ResourcePolicy, SSESpecification,
 * TableClass, OnDemandThroughput, WarmThroughput.
 */
#include "api/cfn_res_svc.h"
#include "base/util.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DDB_TARGET "DynamoDB_20120810."
#define DDB_TITLE "DynamoDb"

/* DynamoDB table names are 3 to 255 characters (DynamoDB Developer
 * Guide, "Naming rules"). */
#define DDB_NAME_MAX 255

/* How long a handler waits for a table (and its indexes) to become
 * ACTIVE, as CloudFormation does before it reports CREATE_COMPLETE:
 * polls of DDB_POLL_MS. sluice's tables are ACTIVE at once; the bound
 * keeps a stuck table from holding the deployer forever. */
#define DDB_POLL_TRIES 300
#define DDB_POLL_MS 100

/* The members CreateTable takes as CloudFormation spells them. */
static const char *const create_copy[] = {
    "KeySchema", "AttributeDefinitions", "BillingMode", "ProvisionedThroughput", "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes", "Tags", "DeletionProtectionEnabled", "TableClass", NULL,
};

/* The members of DynamoDB's requests that are numbers and booleans,
 * which a template may write as strings (cfnr_coerce). */
static const char *const ddb_nums[] = {"ReadCapacityUnits", "WriteCapacityUnits", "MaxReadRequestUnits",
                                       "MaxWriteRequestUnits", "RecoveryPeriodInDays", NULL};
static const char *const ddb_bools[] = {"DeletionProtectionEnabled", "Enabled", "StreamEnabled",
                                        "PointInTimeRecoveryEnabled", NULL};

/* CloudFormation's StreamSpecification holds only StreamViewType; the API
 * wants StreamEnabled too. A new object, or NULL without a view. */
static cJSON *stream_spec(const cJSON *props) {
    const char *view = cfnr_str(cJSON_GetObjectItemCaseSensitive(props, "StreamSpecification"), "StreamViewType");
    if (view == NULL) return NULL;
    cJSON *ss = cJSON_CreateObject();
    cJSON_AddBoolToObject(ss, "StreamEnabled", 1);
    cJSON_AddStringToObject(ss, "StreamViewType", view);
    return ss;
}

/* The CreateTable body for table NAME from PROPS. Pure; a new object. */
static cJSON *create_body(const cJSON *props, const char *name) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "TableName", name);
    for (int i = 0; create_copy[i]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, create_copy[i]);
        if (v) cJSON_AddItemToObject(b, create_copy[i], cJSON_Duplicate(v, 1));
    }
    cJSON *ss = stream_spec(props);
    if (ss) cJSON_AddItemToObject(b, "StreamSpecification", ss);
    /* SSESpecification: CloudFormation's SSEEnabled is the API's Enabled. */
    const cJSON *sse = cJSON_GetObjectItemCaseSensitive(props, "SSESpecification");
    if (cJSON_IsObject(sse)) {
        cJSON *o = cJSON_AddObjectToObject(b, "SSESpecification");
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(sse, "SSEEnabled");
        if (en) cJSON_AddItemToObject(o, "Enabled", cJSON_Duplicate(en, 1));
        if (cfnr_str(sse, "SSEType")) cJSON_AddStringToObject(o, "SSEType", cfnr_str(sse, "SSEType"));
        const char *key = cfnr_str(sse, "KMSMasterKeyId");
        if (key) cJSON_AddStringToObject(o, "KMSMasterKeyId", key);
    }
    return b;
}

/* A call whose body is {"TableName": NAME} plus MEMBER (taken; may be
 * NULL). Returns call_run's result; the caller clears C. */
static int table_call(const struct cfn_res *r, const char *op, const char *name, const char *member, cJSON *v,
                      struct call *c) {
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "TableName", name);
    if (member) cJSON_AddItemToObject(b, member, v);
    cfnr_coerce(b, ddb_nums, ddb_bools);
    char target[96];
    snprintf(target, sizeof(target), DDB_TARGET "%s", op);
    int rc = cfnr_json(r, "dynamodb", target, b, c);
    cJSON_Delete(b);
    return rc;
}

/* 1 when table description D and its indexes are ACTIVE. */
static int all_active(const cJSON *d) {
    const char *st = cfnr_str(d, "TableStatus");
    if (st == NULL || strcmp(st, "ACTIVE") != 0) return 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, cJSON_GetObjectItemCaseSensitive(d, "GlobalSecondaryIndexes")) {
        const char *is = cfnr_str(g, "IndexStatus");
        if (is && strcmp(is, "ACTIVE") != 0) return 0;
    }
    return 1;
}

/* Polls DescribeTable until table NAME is ACTIVE (bounded); on success
 * *DESC is its description (caller deletes). Returns 0, or -1 with *ERR. */
static int wait_active(const struct cfn_res *r, const char *name, cJSON **desc, char **err) {
    *desc = NULL;
    for (int i = 0; i < DDB_POLL_TRIES; i++) {
        struct call c;
        if (table_call(r, "DescribeTable", name, NULL, NULL, &c) != 0) {
            cfnr_fail(&c, DDB_TITLE, err);
            call_clear(&c);
            return -1;
        }
        cJSON *d = cJSON_DetachItemFromObjectCaseSensitive(c.out, "Table");
        call_clear(&c);
        if (all_active(d)) {
            *desc = d;
            return 0;
        }
        cJSON_Delete(d);
        cfnr_pause(DDB_POLL_MS);
    }
    return cfnr_failf(err, "Table %s did not become ACTIVE in time", name);
}

/* The attributes of table description D: Arn, and StreamArn when the
 * table has a stream (docs/cloudformation-reference.md, section 1.1). */
static cJSON *table_attrs(const cJSON *d) {
    cJSON *a = cJSON_CreateObject();
    const char *arn = cfnr_str(d, "TableArn");
    cJSON_AddStringToObject(a, "Arn", arn ? arn : "");
    const cJSON *ss = cJSON_GetObjectItemCaseSensitive(d, "StreamSpecification");
    const char *sarn = cfnr_str(d, "LatestStreamArn");
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ss, "StreamEnabled")) && sarn)
        cJSON_AddStringToObject(a, "StreamArn", sarn);
    return a;
}

/* Runs one table call and turns its failure into *ERR. Takes V. */
static int table_step(const struct cfn_res *r, const char *op, const char *name, const char *member, cJSON *v,
                      char **err) {
    struct call c;
    int rc = table_call(r, op, name, member, v, &c);
    if (rc != 0) cfnr_fail(&c, DDB_TITLE, err);
    call_clear(&c);
    return rc;
}

/* UpdateTimeToLive from spec OLD (may be NULL) to NEW (may be NULL):
 * DynamoDB turns TTL off only for the attribute it is on, and refuses
 * to enable it twice, so a change of attribute is off, then on. */
static int ttl_apply(const struct cfn_res *r, const char *name, const cJSON *old, const cJSON *new_, char **err) {
    int was = cfnr_true(cJSON_GetObjectItemCaseSensitive(old, "Enabled"));
    int now = cfnr_true(cJSON_GetObjectItemCaseSensitive(new_, "Enabled"));
    const char *oa = cfnr_str(old, "AttributeName"), *na = cfnr_str(new_, "AttributeName");
    int same = was && now && oa && na && strcmp(oa, na) == 0;
    if (same) return 0;
    if (was && oa) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "AttributeName", oa);
        cJSON_AddBoolToObject(s, "Enabled", 0);
        if (table_step(r, "UpdateTimeToLive", name, "TimeToLiveSpecification", s, err) != 0) return -1;
    }
    if (!now) return 0;
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "AttributeName", na ? na : "");
    cJSON_AddBoolToObject(s, "Enabled", 1);
    return table_step(r, "UpdateTimeToLive", name, "TimeToLiveSpecification", s, err);
}

/* 1 when PROPS turn point-in-time recovery on. */
static int pitr_on(const cJSON *props) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(props, "PointInTimeRecoverySpecification");
    return cfnr_true(cJSON_GetObjectItemCaseSensitive(s, "PointInTimeRecoveryEnabled"));
}

/* UpdateContinuousBackups to SPEC (NULL: recovery off). */
static int pitr_apply(const struct cfn_res *r, const char *name, const cJSON *spec, char **err) {
    cJSON *s = spec ? cJSON_Duplicate(spec, 1) : cJSON_CreateObject();
    if (spec == NULL) cJSON_AddBoolToObject(s, "PointInTimeRecoveryEnabled", 0);
    return table_step(r, "UpdateContinuousBackups", name, "PointInTimeRecoverySpecification", s, err);
}

/* DeleteTable NAME; a table already gone counts as deleted. */
static int delete_table(const struct cfn_res *r, const char *name, char **err) {
    struct call c;
    int rc = table_call(r, "DeleteTable", name, NULL, NULL, &c);
    if (rc != 0 && c.code && strcmp(c.code, "ResourceNotFoundException") == 0) rc = 0;
    else if (rc != 0) cfnr_fail(&c, DDB_TITLE, err);
    call_clear(&c);
    return rc;
}

/* Creates the table, then what CreateTable cannot set (TTL, point-in-time
 * recovery), then waits for ACTIVE. */
static int table_create(struct cfn_res *r, char **err) {
    const cJSON *p = r->props;
    char *name = cfnr_str(p, "TableName") ? xstrdup(cfnr_str(p, "TableName")) : cfn_physical_name(r, DDB_NAME_MAX, 0);
    const cJSON *pitr = cJSON_GetObjectItemCaseSensitive(p, "PointInTimeRecoverySpecification");
    cJSON *desc = NULL, *body = NULL;
    struct call c;
    int rc = -1, made = 0;
    if (cJSON_GetObjectItemCaseSensitive(p, "ImportSourceSpecification")) {
        cfnr_failf(err, "sluice's DynamoDB cannot import a table from S3 (ImportSourceSpecification)");
        goto out;
    }
    body = create_body(p, name);
    cfnr_coerce(body, ddb_nums, ddb_bools);
    rc = cfnr_json(r, "dynamodb", DDB_TARGET "CreateTable", body, &c);
    if (rc != 0) cfnr_fail(&c, DDB_TITLE, err);
    call_clear(&c);
    if (rc != 0) goto out;
    made = 1;
    if ((rc = wait_active(r, name, &desc, err)) != 0) goto out;
    if ((rc = ttl_apply(r, name, NULL, cJSON_GetObjectItemCaseSensitive(p, "TimeToLiveSpecification"), err)) != 0)
        goto out;
    if (pitr_on(p) && (rc = pitr_apply(r, name, pitr, err)) != 0) goto out;
    r->new_physical_id = xstrdup(name);
    r->new_attrs = table_attrs(desc);
out:
    if (rc != 0 && made) {
        char *ignored = NULL;
        delete_table(r, name, &ignored);
        free(ignored);
    }
    cJSON_Delete(body);
    cJSON_Delete(desc);
    free(name);
    return rc;
}

/* UpdateTable with the members of BODY (taken) besides TableName, then
 * waits for ACTIVE again. */
static int update_step(const struct cfn_res *r, const char *name, cJSON *body, char **err) {
    cJSON_AddStringToObject(body, "TableName", name);
    cfnr_coerce(body, ddb_nums, ddb_bools);
    struct call c;
    int rc = cfnr_json(r, "dynamodb", DDB_TARGET "UpdateTable", body, &c);
    cJSON_Delete(body);
    if (rc != 0) cfnr_fail(&c, DDB_TITLE, err);
    call_clear(&c);
    cJSON *desc = NULL;
    if (rc == 0) rc = wait_active(r, name, &desc, err);
    cJSON_Delete(desc);
    return rc;
}

/* The billing mode PROPS ask for: PROVISIONED when absent
 * (docs/cloudformation-reference.md, section 1.3). */
static const char *billing_of(const cJSON *props) {
    const char *b = cfnr_str(props, "BillingMode");
    return b ? b : "PROVISIONED";
}

/* BillingMode and the table's ProvisionedThroughput. */
static int billing_apply(const struct cfn_res *r, const char *name, char **err) {
    const char *ob = billing_of(r->old_props), *nb = billing_of(r->props);
    int prov = strcmp(nb, "PROVISIONED") == 0;
    if (strcmp(ob, nb) == 0 && !(prov && cfnr_changed(r->old_props, r->props, "ProvisionedThroughput")))
        return 0;
    cJSON *b = cJSON_CreateObject();
    cJSON_AddStringToObject(b, "BillingMode", nb);
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(r->props, "ProvisionedThroughput");
    if (prov && pt) cJSON_AddItemToObject(b, "ProvisionedThroughput", cJSON_Duplicate(pt, 1));
    return update_step(r, name, b, err);
}

/* The index named NAME in index list LIST, or NULL. */
static const cJSON *index_named(const cJSON *list, const char *name) {
    const cJSON *ix;
    cJSON_ArrayForEach(ix, list) {
        const char *n = cfnr_str(ix, "IndexName");
        if (n && strcmp(n, name) == 0) return ix;
    }
    return NULL;
}

/* An UpdateTable body with the one global index update ACTION: V. */
static cJSON *gsi_update(const char *action, cJSON *v) {
    cJSON *b = cJSON_CreateObject(), *u = cJSON_AddArrayToObject(b, "GlobalSecondaryIndexUpdates");
    cJSON *one = cJSON_CreateObject();
    cJSON_AddItemToObject(one, action, v);
    cJSON_AddItemToArray(u, one);
    return b;
}

/* A Create (or Update, THROUGHPUT_ONLY) action for index IX: the API's
 * members of CloudFormation's GlobalSecondaryIndex. */
static cJSON *gsi_action(const cJSON *ix, int throughput_only) {
    static const char *const members[] = {"KeySchema", "Projection", "ProvisionedThroughput", "OnDemandThroughput"};
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "IndexName", cfnr_str(ix, "IndexName"));
    for (size_t i = throughput_only ? 2 : 0; i < sizeof(members) / sizeof(members[0]); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(ix, members[i]);
        if (v) cJSON_AddItemToObject(a, members[i], cJSON_Duplicate(v, 1));
    }
    return a;
}

/* 1 when global indexes A and B differ in more than their throughput. */
static int gsi_shape_changed(const cJSON *a, const cJSON *b) {
    static const char *const shape[] = {"KeySchema", "Projection"};
    for (size_t i = 0; i < sizeof(shape) / sizeof(shape[0]); i++)
        if (cfnr_changed(a, b, shape[i])) return 1;
    return 0;
}

/* Global secondary indexes: each delete, then each create or throughput
 * change, one per UpdateTable call and ACTIVE between them, as DynamoDB
 * allows one index operation per call (DynamoDB API Reference,
 * "UpdateTable"). */
static int gsi_apply(const struct cfn_res *r, const char *name, char **err) {
    const cJSON *ol = cJSON_GetObjectItemCaseSensitive(r->old_props, "GlobalSecondaryIndexes");
    const cJSON *nl = cJSON_GetObjectItemCaseSensitive(r->props, "GlobalSecondaryIndexes");
    const cJSON *ix;
    cJSON_ArrayForEach(ix, ol) {
        const char *n = cfnr_str(ix, "IndexName");
        if (n == NULL || index_named(nl, n)) continue;
        cJSON *a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "IndexName", n);
        if (update_step(r, name, gsi_update("Delete", a), err) != 0) return -1;
    }
    cJSON_ArrayForEach(ix, nl) {
        const char *n = cfnr_str(ix, "IndexName");
        const cJSON *was = n ? index_named(ol, n) : NULL;
        if (n == NULL || (was && cJSON_Compare(was, ix, 1))) continue;
        if (was && gsi_shape_changed(was, ix))
            return cfnr_failf(err, "Cannot update GSI's properties other than Provisioned Throughput and Contributor "
                                   "Insights Specification. You can create a new GSI with a different name.");
        cJSON *b = gsi_update(was ? "Update" : "Create", gsi_action(ix, was != NULL));
        const cJSON *defs = cJSON_GetObjectItemCaseSensitive(r->props, "AttributeDefinitions");
        if (!was && defs) cJSON_AddItemToObject(b, "AttributeDefinitions", cJSON_Duplicate(defs, 1));
        if (update_step(r, name, b, err) != 0) return -1;
    }
    return 0;
}

/* The stream: enabled, disabled, or (a new view type) disabled and
 * enabled again, as DynamoDB changes a view type only so (DynamoDB
 * Developer Guide, "Change data capture for DynamoDB Streams"). */
static int stream_apply(const struct cfn_res *r, const char *name, char **err) {
    const char *ov = cfnr_str(cJSON_GetObjectItemCaseSensitive(r->old_props, "StreamSpecification"), "StreamViewType");
    const char *nv = cfnr_str(cJSON_GetObjectItemCaseSensitive(r->props, "StreamSpecification"), "StreamViewType");
    if ((ov == NULL && nv == NULL) || (ov && nv && strcmp(ov, nv) == 0)) return 0;
    if (ov) {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddBoolToObject(cJSON_AddObjectToObject(b, "StreamSpecification"), "StreamEnabled", 0);
        if (update_step(r, name, b, err) != 0) return -1;
    }
    if (nv) {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddItemToObject(b, "StreamSpecification", stream_spec(r->props));
        if (update_step(r, name, b, err) != 0) return -1;
    }
    return 0;
}

/* Tags through UntagResource (keys gone) and TagResource (new or
 * changed values) on the table's ARN. */
static int tags_apply(const struct cfn_res *r, const char *arn, char **err) {
    const cJSON *ot = cJSON_GetObjectItemCaseSensitive(r->old_props, "Tags");
    const cJSON *nt = cJSON_GetObjectItemCaseSensitive(r->props, "Tags");
    cJSON *gone = cJSON_CreateArray(), *set = cJSON_CreateArray();
    const cJSON *t;
    cJSON_ArrayForEach(t, ot) {
        const char *k = cfnr_str(t, "Key");
        if (k && cfnr_tag(nt, k) == NULL) cJSON_AddItemToArray(gone, cJSON_CreateString(k));
    }
    cJSON_ArrayForEach(t, nt) {
        const char *k = cfnr_str(t, "Key"), *v = cfnr_str(t, "Value"), *was = k ? cfnr_tag(ot, k) : NULL;
        if (k && v && !(was && strcmp(was, v) == 0)) cJSON_AddItemToArray(set, cJSON_Duplicate(t, 1));
    }
    int rc = 0;
    const char *ops[2] = {"UntagResource", "TagResource"}, *members[2] = {"TagKeys", "Tags"};
    cJSON *lists[2] = {gone, set};
    for (int i = 0; i < 2 && rc == 0; i++) {
        if (cJSON_GetArraySize(lists[i]) == 0) continue;
        cJSON *b = cJSON_CreateObject();
        cJSON_AddStringToObject(b, "ResourceArn", arn);
        cJSON_AddItemReferenceToObject(b, members[i], lists[i]);
        char target[64];
        snprintf(target, sizeof(target), DDB_TARGET "%s", ops[i]);
        struct call c;
        rc = cfnr_json(r, "dynamodb", target, b, &c);
        if (rc != 0) cfnr_fail(&c, DDB_TITLE, err);
        call_clear(&c);
        cJSON_Delete(b);
    }
    cJSON_Delete(gone);
    cJSON_Delete(set);
    return rc;
}

/* Updates in place every property that changed, each through its own
 * DynamoDB operation, then reads the attributes again (a new stream has
 * a new StreamArn). */
static int table_update(struct cfn_res *r, char **err) {
    const char *name = r->physical_id;
    const cJSON *o = r->old_props, *p = r->props;
    cJSON *desc = NULL;
    int rc = -1;
    if (cfnr_changed(o, p, "LocalSecondaryIndexes")) {
        cfnr_failf(err, "Local secondary indexes cannot be added, changed or removed once table %s exists", name);
        goto out;
    }
    if (billing_apply(r, name, err) != 0 || gsi_apply(r, name, err) != 0 || stream_apply(r, name, err) != 0)
        goto out;
    if (cfnr_changed(o, p, "DeletionProtectionEnabled")) {
        cJSON *b = cJSON_CreateObject();
        cJSON_AddBoolToObject(b, "DeletionProtectionEnabled",
                              cfnr_true(cJSON_GetObjectItemCaseSensitive(p, "DeletionProtectionEnabled")));
        if (update_step(r, name, b, err) != 0) goto out;
    }
    if (ttl_apply(r, name, cJSON_GetObjectItemCaseSensitive(o, "TimeToLiveSpecification"),
                  cJSON_GetObjectItemCaseSensitive(p, "TimeToLiveSpecification"), err) != 0)
        goto out;
    if (pitr_on(o) != pitr_on(p) || (pitr_on(p) && cfnr_changed(o, p, "PointInTimeRecoverySpecification"))) {
        if (pitr_apply(r, name, pitr_on(p) ? cJSON_GetObjectItemCaseSensitive(p, "PointInTimeRecoverySpecification")
                                            : NULL, err) != 0)
            goto out;
    }
    if (wait_active(r, name, &desc, err) != 0) goto out;
    if (tags_apply(r, cfnr_str(desc, "TableArn") ? cfnr_str(desc, "TableArn") : "", err) != 0) goto out;
    r->new_attrs = table_attrs(desc);
    rc = 0;
out:
    cJSON_Delete(desc);
    return rc;
}

/* DeleteTable, then waits (bounded) until DescribeTable no longer finds
 * it, as CloudFormation waits before DELETE_COMPLETE. */
static int table_remove(struct cfn_res *r, char **err) {
    if (delete_table(r, r->physical_id, err) != 0) return -1;
    for (int i = 0; i < DDB_POLL_TRIES; i++) {
        struct call c;
        int rc = table_call(r, "DescribeTable", r->physical_id, NULL, NULL, &c);
        int gone = rc != 0 && c.code && strcmp(c.code, "ResourceNotFoundException") == 0;
        call_clear(&c);
        if (gone) return 0;
        cfnr_pause(DDB_POLL_MS);
    }
    return cfnr_failf(err, "Table %s was not deleted in time", r->physical_id);
}

/* docs/cloudformation-reference.md, section 1.1. */
static const char *const table_create_only[] = {"KeySchema", "TableName", "ImportSourceSpecification", NULL};

const struct cfn_type cfn_type_ddb_table = {
    "AWS::DynamoDB::Table", table_create_only, table_create, table_update, table_remove,
};
