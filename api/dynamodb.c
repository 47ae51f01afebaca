/*
 * DynamoDB (JSON 1.0, X-Amz-Target DynamoDB_20120810.<Op>) and DynamoDB
 * Streams (DynamoDBStreams_20120810.<Op>): the operation table and
 * dispatch, and the table operations (create, describe, list, update,
 * delete, tags, TTL, backups): their parameters, checks and responses.
 * Item operations are in ddb_items.c, Query and Scan in ddb_query.c, the
 * Streams reads in dynamodbstreams.c. Tables, items and stream records
 * are the engine's (engine/ddb/ddb.h), whose failures ddb_req_fail turns
 * into AWS errors.
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/ddb_int.h"
#include "api/op.h"
#include "api/validate.h"
#include "engine/esm.h"
#include "base/clock.h"
#include "base/util.h"
#include "storage/store.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct ddb_scope ddb_req_scope(struct req *req) {
    return ddb_scope_make(req->account, req->region);
}

int ddb_req_fail(struct req *req, struct ddb_err *err) {
    const struct aws_error *kind = &AWSERR_DDB_INTERNAL;
    switch (err->kind) {
    case DDB_ERR_VALIDATION: kind = &AWSERR_DDB_VALIDATION; break;
    case DDB_ERR_NOT_FOUND: kind = &AWSERR_DDB_NOT_FOUND; break;
    case DDB_ERR_IN_USE: kind = &AWSERR_DDB_RESOURCE_IN_USE; break;
    case DDB_ERR_IDEMPOTENT: kind = &AWSERR_DDB_IDEMPOTENT; break;
    case DDB_ERR_INTERNAL: kind = &AWSERR_DDB_INTERNAL; break;
    case DDB_ERR_NONE:
    default:
        /* Every engine failure sets a kind before it returns -1. */
        assert(!"ddb_req_fail without a failure");
        break;
    }
    req_fail(req, kind, "%s", err->msg ? err->msg : "Internal server error");
    ddb_err_clear(err);
    return -1;
}

int ddb_load_table(struct req *req, const char *name, int item_op, struct ddb_table *t) {
    struct ddb_scope s = ddb_req_scope(req);
    struct ddb_err err = {0};
    if (ddb_table_load(&s, name, item_op, t, &err) == 0) return 0;
    return ddb_req_fail(req, &err);
}

int ddb_req_item_key(struct req *req, const struct ddb_table *t, const cJSON *item, int full_item,
                     struct store_key *hk, struct store_key *rk) {
    struct ddb_err err = {0};
    if (ddb_item_key(t, item, full_item, hk, rk, &err) == 0) return 0;
    return ddb_req_fail(req, &err);
}

int ddb_store_fail(struct req *req, int rc) {
    (void)rc;
    return req_fail(req, &AWSERR_DDB_INTERNAL, "Internal server error");
}

int ddb_fail_msg(struct req *req, char *msg) {
    req_fail(req, &AWSERR_DDB_VALIDATION, "%s", msg ? msg : "Invalid request");
    free(msg);
    return -1;
}

/* ------------------------------------------------------------------ */
/* Table descriptions                                                   */
/* ------------------------------------------------------------------ */

static void table_arn(const struct ddb_scope *s, const char *name, char *buf, size_t n) {
    snprintf(buf, n, "arn:aws:dynamodb:%s:%s:table/%s", s->region, s->account, name);
}

/* The description as returned: stored static parts plus live figures. */
static cJSON *describe(struct ddb_table *t, const char *status) {
    cJSON *d = cJSON_Duplicate(t->desc, 1);
    int64_t count = 0, bytes = 0;
    store_ddb_table_usage(t->row.id, &count, &bytes);
    cJSON_DeleteItemFromObjectCaseSensitive(d, "TableStatus");
    cJSON_AddStringToObject(d, "TableStatus", status);
    cJSON_DeleteItemFromObjectCaseSensitive(d, "TableSizeBytes");
    cJSON_DeleteItemFromObjectCaseSensitive(d, "ItemCount");
    cJSON_AddNumberToObject(d, "TableSizeBytes", (double)bytes);
    cJSON_AddNumberToObject(d, "ItemCount", (double)count);
    cJSON *gsis = cJSON_GetObjectItemCaseSensitive(d, "GlobalSecondaryIndexes");
    for (cJSON *g = gsis ? gsis->child : NULL; g; g = g->next) {
        cJSON_DeleteItemFromObjectCaseSensitive(g, "IndexStatus");
        cJSON_AddStringToObject(g, "IndexStatus", "ACTIVE");
    }
    if (t->stream_on) {
        cJSON *ss = cJSON_CreateObject();
        cJSON_AddBoolToObject(ss, "StreamEnabled", 1);
        cJSON_AddStringToObject(ss, "StreamViewType", t->stream.view_type);
        cJSON_AddItemToObject(d, "StreamSpecification", ss);
    }
    if (t->row.stream_arn) {
        cJSON_AddStringToObject(d, "LatestStreamArn", t->row.stream_arn);
        const char *label = strrchr(t->row.stream_arn, '/');
        cJSON_AddStringToObject(d, "LatestStreamLabel", label ? label + 1 : "");
    }
    return d;
}

static int reply_table(struct req *req, const char *member, struct ddb_table *t, const char *status) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, member, describe(t, status));
    return req_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ */
/* CreateTable                                                          */
/* ------------------------------------------------------------------ */

/* The characters of table and index names. */
#define TABLE_NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

static int table_name_ok(struct vlist *vl, const char *name, const char *field) {
    size_t n = strlen(name);
    int before = vl->n;
    if (n < 3) vl_add(vl, name, field, "Member must have length greater than or equal to 3");
    if (n > 255) vl_add(vl, name, field, "Member must have length less than or equal to 255");
    if (strspn(name, TABLE_NAME_CHARS) != n)
        vl_add(vl, name, field, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
    return vl->n == before;
}

/*
 * Table names and table ARNs. Every operation that takes a TableName also
 * takes the table's ARN, arn:aws:dynamodb:REGION:ACCOUNT:table/NAME (the
 * API Reference of each operation: "You can also provide the Amazon
 * Resource Name (ARN) of the table in this parameter"; the botocore model
 * gives the member the TableArn shape, 1 to 1024 characters, no pattern).
 */

enum ddb_table_ref ddb_table_ref_parse(const char *z, const char *region, const char *account,
                                       const char **name) {
    *name = z;
    if (strncmp(z, "arn:", 4) != 0) return DDB_REF_NAME;
    /* arn : partition : service : region : account : resource */
    const char *part[6];
    size_t len[6];
    const char *p = z;
    for (int i = 0; i < 6; i++) {
        const char *colon = i < 5 ? strchr(p, ':') : NULL;
        if (i < 5 && colon == NULL) return DDB_REF_BAD_ARN;
        part[i] = p;
        len[i] = colon ? (size_t)(colon - p) : strlen(p);
        p = colon ? colon + 1 : p;
    }
#define PART_IS(i, lit) (len[i] == strlen(lit) && strncmp(part[i], (lit), len[i]) == 0)
    if (!PART_IS(1, "aws") || !PART_IS(2, "dynamodb") || len[5] < 6 || strncmp(part[5], "table/", 6) != 0)
        return DDB_REF_BAD_ARN;
    if (!PART_IS(4, account)) return DDB_REF_OTHER_ACCOUNT;
    if (!PART_IS(3, region)) return DDB_REF_OTHER_REGION;
#undef PART_IS
    const char *n = part[5] + 6;
    size_t nn = strlen(n);
    if (nn < 3 || nn > 255 || strspn(n, TABLE_NAME_CHARS) != nn) return DDB_REF_BAD_ARN;
    *name = n;
    return DDB_REF_ARN;
}

int ddb_table_name(struct req *req, const char *z, char name[DDB_TABLE_NAME_BUF]) {
    name[0] = '\0';
    struct vlist vl = {0};
    if (z == NULL) vl_add(&vl, NULL, "tableName", "Member must not be null");
    else if (strncmp(z, "arn:", 4) != 0) table_name_ok(&vl, z, "tableName");
    else if (strlen(z) > DDB_MAX_TABLE_ARN)
        vl_add(&vl, z, "tableName", "Member must have length less than or equal to 1024");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    const char *n;
    switch (ddb_table_ref_parse(z, req->region, req->account, &n)) {
    case DDB_REF_NAME:
    case DDB_REF_ARN:
        snprintf(name, DDB_TABLE_NAME_BUF, "%s", n);
        return 0;
    case DDB_REF_OTHER_ACCOUNT: {
        /* Another account's table needs a resource-based policy, which
         * sluice has not: IAM's denial, naming the operation. */
        const char *target = req_header(req, "X-Amz-Target");
        const char *op = target && strchr(target, '.') ? strchr(target, '.') + 1 : "";
        return req_fail(req, &AWSERR_DDB_ACCESS_DENIED,
                        "User: arn:aws:iam::%s:root is not authorized to perform: dynamodb:%s on "
                        "resource: %s because no resource-based policy allows the dynamodb:%s action",
                        req->account, op, z, op);
    }
    case DDB_REF_OTHER_REGION:
    case DDB_REF_BAD_ARN:
    default:
        /* The wording DynamoDB gives a ResourceArn that names no table of
         * this region (see table_by_arn); not recorded from AWS for
         * TableName. */
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "Invalid TableArn: Invalid ResourceArn provided as input %s", z);
    }
}

/* Adds to VL the constraint failures of key schema KS, named FIELD in
 * messages ("keySchema", "globalSecondaryIndexes.1.member.keySchema"):
 * AWS reports these, for the whole request, before any other check. */
static void key_schema_shape(struct vlist *vl, const cJSON *ks, const char *field) {
    int n = cJSON_GetArraySize(ks);
    if (n < 1) vl_add(vl, "[]", field, "Member must have length greater than or equal to 1");
    if (n > 2) vl_add(vl, "[...]", field, "Member must have length less than or equal to 2");
    int i = 0;
    for (const cJSON *k = ks->child; k; k = k->next, i++) {
        const cJSON *an = cJSON_GetObjectItemCaseSensitive(k, "AttributeName");
        const cJSON *kt = cJSON_GetObjectItemCaseSensitive(k, "KeyType");
        char f[160];
        snprintf(f, sizeof(f), "%s.%d.member.attributeName", field, i + 1);
        if (!cJSON_IsString(an)) vl_add(vl, NULL, f, "Member must not be null");
        else if (strlen(an->valuestring) < 1 || strlen(an->valuestring) > 255)
            vl_add(vl, an->valuestring, f,
                   strlen(an->valuestring) < 1 ? "Member must have length greater than or equal to 1"
                                               : "Member must have length less than or equal to 255");
        snprintf(f, sizeof(f), "%s.%d.member.keyType", field, i + 1);
        if (!cJSON_IsString(kt)) vl_add(vl, NULL, f, "Member must not be null");
        else if (strcmp(kt->valuestring, "HASH") != 0 && strcmp(kt->valuestring, "RANGE") != 0)
            vl_add(vl, kt->valuestring, f, "Member must satisfy enum value set: [HASH, RANGE]");
    }
}

/* Checks the order of a key schema whose shape passed key_schema_shape:
 * HASH first, RANGE second, two names. Returns 0 or -1 (error recorded). */
static int key_schema_order(struct req *req, const cJSON *ks) {
    const cJSON *t0 = cJSON_GetObjectItemCaseSensitive(ks->child, "KeyType");
    if (strcmp(t0->valuestring, "HASH") != 0)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
    if (cJSON_GetArraySize(ks) == 2) {
        const cJSON *t1 = cJSON_GetObjectItemCaseSensitive(ks->child->next, "KeyType");
        if (strcmp(t1->valuestring, "RANGE") != 0)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
        const cJSON *a0 = cJSON_GetObjectItemCaseSensitive(ks->child, "AttributeName");
        const cJSON *a1 = cJSON_GetObjectItemCaseSensitive(ks->child->next, "AttributeName");
        if (strcmp(a0->valuestring, a1->valuestring) == 0)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "Both the Hash Key and the Range Key element in the KeySchema have the "
                            "same name");
    }
    return 0;
}

/* A ProvisionedThroughput as stored: both 0 under PAY_PER_REQUEST. */
struct throughput {
    int64_t rcu, wcu;
};

/* Reads and checks ProvisionedThroughput PT (NULL: absent) against
 * BillingMode BILLING (NULL: PROVISIONED) into *OUT. Returns 0, or -1
 * with the error recorded. */
static int throughput_parse(struct req *req, const char *billing, const cJSON *pt, struct throughput *out) {
    int ppr = billing && strcmp(billing, "PAY_PER_REQUEST") == 0;
    int64_t rcu = 0, wcu = 0;
    int hr = 0, hw = 0;
    if (pt && ((hr = jget_int(req, (cJSON *)pt, "ReadCapacityUnits", &rcu)) < 0 ||
               (hw = jget_int(req, (cJSON *)pt, "WriteCapacityUnits", &wcu)) < 0))
        return -1;
    if (ppr && pt)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
    struct vlist vl = {0};
    if (!ppr && pt && (!hr || !hw)) {
        if (!hr) vl_add(&vl, NULL, "provisionedThroughput.readCapacityUnits", "Member must not be null");
        if (!hw) vl_add(&vl, NULL, "provisionedThroughput.writeCapacityUnits", "Member must not be null");
        return vl_fail(req, &vl, &AWSERR_DDB_VALIDATION);
    }
    if (!ppr && !pt)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: ReadCapacityUnits and "
                        "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
    if (!ppr && rcu < 1)
        vl_add_num(&vl, (double)rcu, "provisionedThroughput.readCapacityUnits",
                   "Member must have value greater than or equal to 1");
    if (!ppr && wcu < 1)
        vl_add_num(&vl, (double)wcu, "provisionedThroughput.writeCapacityUnits",
                   "Member must have value greater than or equal to 1");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    out->rcu = rcu;
    out->wcu = wcu;
    return 0;
}

/* The ProvisionedThroughput object stored for TP (new). */
static cJSON *throughput_json(const struct throughput *tp) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "NumberOfDecreasesToday", 0);
    cJSON_AddNumberToObject(o, "ReadCapacityUnits", (double)tp->rcu);
    cJSON_AddNumberToObject(o, "WriteCapacityUnits", (double)tp->wcu);
    return o;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct attribute names in the key schemas of KS and of every
 * index in the lists GSIS and LSIS (either may be NULL), sorted, into
 * OUT (at most MAX, borrowed from the JSON). Returns the count. */
static int key_names(const cJSON *ks, const cJSON *gsis, const cJSON *lsis, const char **out, int max) {
    const cJSON *schemas[2 + 2 * DDB_MAX_INDEXES];
    int ns = 0, n = 0;
    schemas[ns++] = ks;
    const cJSON *lists[2] = {gsis, lsis};
    for (int g = 0; g < 2; g++)
        for (const cJSON *ix = lists[g] ? lists[g]->child : NULL; ix && ns < (int)NELEM(schemas); ix = ix->next)
            schemas[ns++] = cJSON_GetObjectItemCaseSensitive(ix, "KeySchema");
    for (int i = 0; i < ns; i++) {
        for (const cJSON *k = schemas[i] ? schemas[i]->child : NULL; k; k = k->next) {
            const cJSON *an = cJSON_GetObjectItemCaseSensitive(k, "AttributeName");
            int dup = !cJSON_IsString(an);
            for (int j = 0; j < n && !dup; j++) dup = strcmp(out[j], an->valuestring) == 0;
            if (!dup && n < max) out[n++] = an->valuestring;
        }
    }
    qsort(out, (size_t)n, sizeof(*out), cmp_str);
    return n;
}

/* Appends "[a, b]" of the N names Z to B, as Java prints a list. */
static void add_list(struct ddb_sbuf *b, const char *const *z, int n) {
    ddb_sb_adds(b, "[");
    for (int i = 0; i < n; i++) {
        if (i) ddb_sb_adds(b, ", ");
        ddb_sb_adds(b, z[i]);
    }
    ddb_sb_adds(b, "]");
}

/*
 * The attribute definitions must name exactly the key attributes of the
 * table and of its indexes. AWS has four texts for a mismatch, chosen by
 * which set is larger and whether the request declares indexes; this is
 * moto's decision table (moto/dynamodb/responses.py _throw_attr_error),
 * whose texts AWS answers: "Some AttributeDefinitions are not used" and
 * both texts without indexes are quoted from AWS in
 * aws-cloudformation/cfn-lint issue 1037; "Some index key attributes are
 * not defined" (naming, with indexes, only the undefined attributes) in
 * getmoto/moto issue 2445. Lists are sorted, printed as Java lists. A
 * name defined twice is "Attribute Name is duplicated: <name>" (observed
 * on AWS, aws-controllers-k8s dynamodb findings DDB-TABLE-042). Returns
 * the message (caller frees) or NULL when they agree. Pure.
 */
static char *attr_defs_mismatch(const cJSON *ks, const cJSON *gsis, const cJSON *lsis, const cJSON *defs) {
    enum { MAXN = 2 * (1 + DDB_MAX_INDEXES) };
    const char *keys[MAXN], *missing[MAXN];
    int nk = key_names(ks, gsis, lsis, keys, MAXN), nm = 0;
    /* Every definition, sorted: duplicates are neighbours. */
    int ndefs = cJSON_GetArraySize(defs), nd = 0;
    const char **def = xmalloc(sizeof(*def) * (size_t)(ndefs + 1));
    for (const cJSON *d = defs ? defs->child : NULL; d && nd < ndefs; d = d->next)
        def[nd++] = cJSON_GetObjectItemCaseSensitive(d, "AttributeName")->valuestring;
    qsort(def, (size_t)nd, sizeof(*def), cmp_str);
    char *msg = NULL;
    for (int i = 1; i < nd; i++) {
        if (strcmp(def[i - 1], def[i]) == 0) {
            msg = xasprintf("Attribute Name is duplicated: %s", def[i]);
            goto out;
        }
    }
    for (int i = 0; i < nk; i++) {
        int found = 0;
        for (int j = 0; j < nd && !found; j++) found = strcmp(keys[i], def[j]) == 0;
        if (!found) missing[nm++] = keys[i];
    }
    if (nm == 0 && ndefs == nk) goto out;
    int indexes = (gsis && gsis->child) || (lsis && lsis->child);
    static const char inv[] = "One or more parameter values were invalid: ";
    struct ddb_sbuf b = {0};
    if (ndefs > nk && indexes) {
        ddb_sb_adds(&b, inv);
        ddb_sb_adds(&b, "Some AttributeDefinitions are not used. AttributeDefinitions: ");
        add_list(&b, def, nd);
        ddb_sb_adds(&b, ", keys used: ");
        add_list(&b, keys, nk);
    } else if (ndefs > nk) {
        ddb_sb_adds(&b, inv);
        ddb_sb_adds(&b, "Number of attributes in KeySchema does not exactly match number of "
                        "attributes defined in AttributeDefinitions");
    } else if (ndefs < nk && !indexes) {
        ddb_sb_adds(&b, "Invalid KeySchema: Some index key attribute have no definition");
    } else {
        /* Fewer definitions with indexes, or as many as keys but other
         * names: without indexes the message lists every key. */
        ddb_sb_adds(&b, inv);
        ddb_sb_adds(&b, "Some index key attributes are not defined in AttributeDefinitions. Keys: ");
        if (indexes) add_list(&b, missing, nm);
        else add_list(&b, keys, nk);
        ddb_sb_adds(&b, ", AttributeDefinitions: ");
        add_list(&b, def, nd);
    }
    msg = b.z;
out:
    free(def);
    return msg;
}

/* Adds to VL the constraint failures of index IX, whose members are
 * named PREFIX.indexName etc. in messages (PREFIX such as
 * "globalSecondaryIndexes.1.member"). Returns 0, or -1 when a member has
 * the wrong JSON type (error recorded). */
static int index_shape(struct req *req, struct vlist *vl, cJSON *ix, const char *prefix) {
    const char *name = NULL, *ptype = NULL;
    cJSON *ks = NULL, *proj = NULL;
    if (jget_str(req, ix, "IndexName", &name) < 0 || jget_arr(req, ix, "KeySchema", &ks) < 0 ||
        jget_obj(req, ix, "Projection", &proj) < 0 ||
        (proj && jget_str(req, proj, "ProjectionType", &ptype) < 0))
        return -1;
    char f[160];
    snprintf(f, sizeof(f), "%s.indexName", prefix);
    if (name == NULL) vl_add(vl, NULL, f, "Member must not be null");
    else table_name_ok(vl, name, f);
    snprintf(f, sizeof(f), "%s.keySchema", prefix);
    if (ks == NULL) vl_add(vl, NULL, f, "Member must not be null");
    else key_schema_shape(vl, ks, f);
    snprintf(f, sizeof(f), "%s.projection", prefix);
    if (proj == NULL) vl_add(vl, NULL, f, "Member must not be null");
    snprintf(f, sizeof(f), "%s.projection.projectionType", prefix);
    if (ptype && strcmp(ptype, "ALL") != 0 && strcmp(ptype, "KEYS_ONLY") != 0 && strcmp(ptype, "INCLUDE") != 0)
        vl_add(vl, ptype, f, "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]");
    return 0;
}

/* One secondary index of a CreateTable request, checked. */
struct index_spec {
    const char *name;              /* borrowed from the request */
    const cJSON *ks, *proj;        /* borrowed from the request */
    int global;
    struct throughput tp;          /* a global index's own */
};

/* Checks the secondary index definition IX (a global one when GLOBAL) of
 * a CreateTable request whose table has key schema TABLE_KS and billing
 * mode BILLING, after index_shape, and reads it into *OUT. Returns 0, or
 * -1 with the error recorded. */
static int parse_index(struct req *req, const cJSON *ix, int global, const char *billing,
                       const cJSON *table_ks, struct index_spec *out) {
    const char *name = NULL;
    cJSON *ks = NULL, *proj = NULL, *pt = NULL;
    if (jget_str(req, (cJSON *)ix, "IndexName", &name) < 0 || jget_arr(req, (cJSON *)ix, "KeySchema", &ks) < 0 ||
        jget_obj(req, (cJSON *)ix, "Projection", &proj) < 0 ||
        jget_obj(req, (cJSON *)ix, "ProvisionedThroughput", &pt) < 0)
        return -1;
    /* index_shape has checked the members' constraints. */
    if (key_schema_order(req, ks) != 0) return -1;
    const char *ptype = NULL;
    cJSON *nonkey = NULL;
    if (jget_str(req, proj, "ProjectionType", &ptype) < 0 || jget_arr(req, proj, "NonKeyAttributes", &nonkey) < 0)
        return -1;
    if ((ptype == NULL || strcmp(ptype, "INCLUDE") != 0) && nonkey)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: ProjectionType is %s, but "
                        "NonKeyAttributes is specified",
                        ptype ? ptype : "null");
    if (!global) {
        /* An LSI shares the table's partition key. */
        const cJSON *h0 = cJSON_GetObjectItemCaseSensitive(ks->child, "AttributeName");
        const cJSON *t0 = cJSON_GetObjectItemCaseSensitive(table_ks->child, "AttributeName");
        if (cJSON_GetArraySize(ks) != 2 || strcmp(h0->valuestring, t0->valuestring) != 0)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "One or more parameter values were invalid: Index KeySchema does not have "
                            "the same leading hash key as table KeySchema for index: %s. index hash key: "
                            "%s, table hash key: %s",
                            name, h0->valuestring, t0->valuestring);
        if (cJSON_GetArraySize(table_ks) != 2)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "One or more parameter values were invalid: Table KeySchema does not have a "
                            "range key, which is required when specifying a LocalSecondaryIndex");
    }
    memset(out, 0, sizeof(*out));
    out->name = name;
    out->ks = ks;
    out->proj = proj;
    out->global = global;
    return global ? throughput_parse(req, billing, pt, &out->tp) : 0;
}

/* The stored description of index IX of table TNAME in scope S (new). */
static cJSON *index_json(const struct index_spec *ix, const struct ddb_scope *s, const char *tname) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "IndexName", ix->name);
    cJSON_AddItemToObject(o, "KeySchema", cJSON_Duplicate(ix->ks, 1));
    cJSON_AddItemToObject(o, "Projection", cJSON_Duplicate(ix->proj, 1));
    if (ix->global) {
        cJSON_AddStringToObject(o, "IndexStatus", "ACTIVE");
        cJSON_AddItemToObject(o, "ProvisionedThroughput", throughput_json(&ix->tp));
    }
    cJSON_AddNumberToObject(o, "IndexSizeBytes", 0);
    cJSON_AddNumberToObject(o, "ItemCount", 0);
    char arn[1024];
    snprintf(arn, sizeof(arn), "arn:aws:dynamodb:%s:%s:table/%s/index/%s", s->region, s->account, tname,
             ix->name);
    cJSON_AddStringToObject(o, "IndexArn", arn);
    return o;
}

static int check_tags(struct req *req, const cJSON *tags) {
    for (const cJSON *t = tags ? tags->child : NULL; t; t = t->next) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "Value");
        struct vlist vl = {0};
        if (!cJSON_IsString(k)) vl_add(&vl, NULL, "tags.member.key", "Member must not be null");
        else if (strlen(k->valuestring) < 1 || strlen(k->valuestring) > 128)
            vl_add(&vl, k->valuestring, "tags.member.key",
                   strlen(k->valuestring) < 1 ? "Member must have length greater than or equal to 1"
                                              : "Member must have length less than or equal to 128");
        if (!cJSON_IsString(v)) vl_add(&vl, NULL, "tags.member.value", "Member must not be null");
        else if (strlen(v->valuestring) > 256)
            vl_add(&vl, v->valuestring, "tags.member.value", "Member must have length less than or equal to 256");
        if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    }
    return 0;
}

/* sluice:partitions from the CreateTable tags: 1..16 (default 1). */
static int partitions_from_tags(struct req *req, const cJSON *tags, int *out) {
    *out = 1;
    for (const cJSON *t = tags ? tags->child : NULL; t; t = t->next) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "Value");
        if (!cJSON_IsString(k) || strcmp(k->valuestring, "sluice:partitions") != 0) continue;
        char *end = NULL;
        long n = cJSON_IsString(v) ? strtol(v->valuestring, &end, 10) : 0;
        if (!cJSON_IsString(v) || *v->valuestring == '\0' || *end != '\0' || n < 1 ||
            n > DDB_MAX_PARTITIONS)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "One or more parameter values were invalid: tag sluice:partitions must "
                            "be an integer from 1 to %d",
                            DDB_MAX_PARTITIONS);
        *out = (int)n;
    }
    return 0;
}

static int check_stream_spec(struct req *req, const cJSON *ss, int *enabled, const char **view) {
    *enabled = 0;
    *view = NULL;
    if (ss == NULL) return 0;
    int en = 0;
    int has = jget_bool(req, (cJSON *)ss, "StreamEnabled", &en);
    if (has < 0 || jget_str(req, (cJSON *)ss, "StreamViewType", view) < 0) return -1;
    if (has == 0)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "1 validation error detected: Value null at 'streamSpecification.streamEnabled' "
                        "failed to satisfy constraint: Member must not be null");
    if (*view && strcmp(*view, "NEW_IMAGE") != 0 && strcmp(*view, "OLD_IMAGE") != 0 &&
        strcmp(*view, "NEW_AND_OLD_IMAGES") != 0 && strcmp(*view, "KEYS_ONLY") != 0) {
        struct vlist vl = {0};
        vl_add(&vl, *view, "streamSpecification.streamViewType",
               "Member must satisfy enum value set: [NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]");
        return vl_fail(req, &vl, &AWSERR_DDB_VALIDATION);
    }
    *enabled = en;
    return 0;
}

/* Adds to VL the constraint failures of the AttributeDefinitions array
 * DEFS (NULL: none) of CreateTable or UpdateTable: each member's name and
 * type present, the type one of B, N, S. */
static void defs_shape(struct vlist *vl, const cJSON *defs) {
    int i = 0;
    for (const cJSON *d = defs ? defs->child : NULL; d; d = d->next, i++) {
        const cJSON *an = cJSON_GetObjectItemCaseSensitive(d, "AttributeName");
        const cJSON *at = cJSON_GetObjectItemCaseSensitive(d, "AttributeType");
        char f[96];
        snprintf(f, sizeof(f), "attributeDefinitions.%d.member.attributeName", i + 1);
        if (!cJSON_IsString(an)) vl_add(vl, NULL, f, "Member must not be null");
        snprintf(f, sizeof(f), "attributeDefinitions.%d.member.attributeType", i + 1);
        if (!cJSON_IsString(at)) vl_add(vl, NULL, f, "Member must not be null");
        else if (ddb_scalar_type(at->valuestring) == DDB_T_INVALID)
            vl_add(vl, at->valuestring, f, "Member must satisfy enum value set: [B, N, S]");
    }
}

/* A CreateTable request, read and checked: all that create_table writes.
 * Strings and nodes are borrowed from the request's JSON. */
struct table_spec {
    const char *name, *billing;
    cJSON *ks, *defs, *pt, *gsis, *lsis, *tags, *ss;
    int protect;
    int partitions;                           /* sluice:partitions; 1 by default */
    const char *view;                         /* StreamViewType of an enabled stream, else NULL */
    struct throughput tp;                     /* the table's */
    struct index_spec idx[DDB_MAX_INDEXES];   /* the global indexes, then the local ones */
    int nidx;
};

/* Reads CreateTable's members from IN into SP, checking their JSON types
 * and the constraints AWS reports together, for the whole request, before
 * any other check. Returns 0, or -1 with the error recorded. */
static int create_members(struct req *req, cJSON *in, struct table_spec *sp) {
    if (jget_str(req, in, "TableName", &sp->name) < 0 || jget_str(req, in, "BillingMode", &sp->billing) < 0 ||
        jget_bool(req, in, "DeletionProtectionEnabled", &sp->protect) < 0 ||
        jget_arr(req, in, "KeySchema", &sp->ks) < 0 || jget_arr(req, in, "AttributeDefinitions", &sp->defs) < 0 ||
        jget_obj(req, in, "ProvisionedThroughput", &sp->pt) < 0 ||
        jget_arr(req, in, "GlobalSecondaryIndexes", &sp->gsis) < 0 ||
        jget_arr(req, in, "LocalSecondaryIndexes", &sp->lsis) < 0 || jget_arr(req, in, "Tags", &sp->tags) < 0 ||
        jget_obj(req, in, "StreamSpecification", &sp->ss) < 0)
        return -1;
    struct vlist vl = {0};
    if (sp->name == NULL) vl_add(&vl, NULL, "tableName", "Member must not be null");
    else table_name_ok(&vl, sp->name, "tableName");
    if (sp->ks == NULL) vl_add(&vl, NULL, "keySchema", "Member must not be null");
    if (sp->defs == NULL) vl_add(&vl, NULL, "attributeDefinitions", "Member must not be null");
    if (sp->billing && strcmp(sp->billing, "PROVISIONED") != 0 && strcmp(sp->billing, "PAY_PER_REQUEST") != 0)
        vl_add(&vl, sp->billing, "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
    defs_shape(&vl, sp->defs);
    if (sp->ks) key_schema_shape(&vl, sp->ks, "keySchema");
    static const char *const list_fields[] = {"globalSecondaryIndexes", "localSecondaryIndexes"};
    cJSON *ixlists[2] = {sp->gsis, sp->lsis};
    for (int g = 0; g < 2; g++) {
        int i = 1;
        for (cJSON *ix = ixlists[g] ? ixlists[g]->child : NULL; ix; ix = ix->next, i++) {
            char prefix[64];
            snprintf(prefix, sizeof(prefix), "%s.%d.member", list_fields[g], i);
            if (index_shape(req, &vl, ix, prefix) != 0) return -1;
        }
    }
    return vl_fail(req, &vl, &AWSERR_DDB_VALIDATION) ? -1 : 0;
}

/* Checks the index lists of SP (the number of indexes, then each index in
 * order, then its name against those before it) and reads the indexes
 * into SP. Returns 0, or -1 with the error recorded. */
static int create_indexes(struct req *req, struct table_spec *sp) {
    /* An index list, when given, holds at least one index (moto's
     * CreateTable checks these before the attribute definitions). */
    if (sp->gsis && cJSON_GetArraySize(sp->gsis) == 0)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: List of GlobalSecondaryIndexes "
                        "is empty");
    if (sp->lsis && cJSON_GetArraySize(sp->lsis) == 0)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: List of LocalSecondaryIndexes "
                        "is empty");
    /* Counted before the definitions, which attr_defs_mismatch compares
     * for at most this many indexes. */
    if (sp->gsis && cJSON_GetArraySize(sp->gsis) > DDB_MAX_GSI)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: List of "
                        "GlobalSecondaryIndexes is empty or has more than %d elements",
                        DDB_MAX_GSI);
    if (sp->lsis && cJSON_GetArraySize(sp->lsis) > DDB_MAX_LSI)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: List of "
                        "LocalSecondaryIndexes is empty or has more than %d elements",
                        DDB_MAX_LSI);
    char *mismatch = attr_defs_mismatch(sp->ks, sp->gsis, sp->lsis, sp->defs);
    if (mismatch) return ddb_fail_msg(req, mismatch);
    if (throughput_parse(req, sp->billing, sp->pt, &sp->tp) != 0) return -1;
    const cJSON *lists[2] = {sp->gsis, sp->lsis};
    for (int g = 0; g < 2; g++) {
        for (const cJSON *ix = lists[g] ? lists[g]->child : NULL; ix; ix = ix->next) {
            assert(sp->nidx < DDB_MAX_INDEXES);
            struct index_spec *x = &sp->idx[sp->nidx];
            if (parse_index(req, ix, g == 0, sp->billing, sp->ks, x) != 0) return -1;
            for (int j = 0; j < sp->nidx; j++)
                if (strcmp(sp->idx[j].name, x->name) == 0)
                    return req_fail(req, &AWSERR_DDB_VALIDATION,
                                    "One or more parameter values were invalid: Duplicate index name: %s",
                                    x->name);
            sp->nidx++;
        }
    }
    return 0;
}

/* Reads and checks a CreateTable request IN into *SP, in the order AWS
 * checks (moto's where AWS's is not known). Returns 0, or -1 with the
 * error recorded. */
static int create_parse(struct req *req, cJSON *in, struct table_spec *sp) {
    memset(sp, 0, sizeof(*sp));
    if (create_members(req, in, sp) != 0) return -1;
    if (key_schema_order(req, sp->ks) != 0 || check_tags(req, sp->tags) != 0) return -1;
    if (partitions_from_tags(req, sp->tags, &sp->partitions) != 0) return -1;
    int stream_en = 0;
    const char *view = NULL;
    if (check_stream_spec(req, sp->ss, &stream_en, &view) != 0) return -1;
    if (stream_en && view == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: Table is being created with a "
                        "stream enabled, UpdateViewType is required");
    sp->view = stream_en ? view : NULL;
    return create_indexes(req, sp);
}

/* The stored description of the table SP creates in scope S with table
 * id ID at NOW (ms). Cannot fail; returns a new object. */
static cJSON *table_json(const struct table_spec *sp, const struct ddb_scope *s, const char *id, int64_t now) {
    cJSON *d = cJSON_CreateObject();
    char arn[512];
    table_arn(s, sp->name, arn, sizeof(arn));
    cJSON_AddItemToObject(d, "AttributeDefinitions", cJSON_Duplicate(sp->defs, 1));
    cJSON_AddStringToObject(d, "TableName", sp->name);
    cJSON_AddItemToObject(d, "KeySchema", cJSON_Duplicate(sp->ks, 1));
    cJSON_AddNumberToObject(d, "CreationDateTime", (double)now / 1000.0);
    cJSON_AddItemToObject(d, "ProvisionedThroughput", throughput_json(&sp->tp));
    cJSON_AddStringToObject(d, "TableArn", arn);
    cJSON_AddStringToObject(d, "TableId", id);
    if (sp->billing && strcmp(sp->billing, "PAY_PER_REQUEST") == 0) {
        cJSON *bm = cJSON_AddObjectToObject(d, "BillingModeSummary");
        cJSON_AddStringToObject(bm, "BillingMode", "PAY_PER_REQUEST");
        cJSON_AddNumberToObject(bm, "LastUpdateToPayPerRequestDateTime", (double)now / 1000.0);
    }
    static const char *const kinds[] = {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"};
    const cJSON *lists[2] = {sp->gsis, sp->lsis};
    for (int g = 0; g < 2; g++) {
        if (lists[g] == NULL) continue;
        cJSON *arr = cJSON_AddArrayToObject(d, kinds[g]);
        for (int i = 0; i < sp->nidx; i++)
            if (sp->idx[i].global == (g == 0)) cJSON_AddItemToArray(arr, index_json(&sp->idx[i], s, sp->name));
    }
    cJSON_AddBoolToObject(d, "DeletionProtectionEnabled", sp->protect);
    return d;
}

static int create_table(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    struct table_spec sp;
    if (create_parse(req, in, &sp) != 0) return -1;
    struct ddb_table t;
    memset(&t, 0, sizeof(t));
    snprintf(t.name, sizeof(t.name), "%s", sp.name);
    t.scope = ddb_req_scope(req);
    char id[37];
    util_uuid(id);
    int64_t now = clock_now_ms();
    t.desc = table_json(&sp, &t.scope, id, now);
    t.row.id = xstrdup(id);
    t.row.tags = sp.tags ? cJSON_PrintUnformatted(sp.tags) : xstrdup("[]");
    t.row.partitions = sp.partitions;
    t.row.created_ms = now;
    struct ddb_err err = {0};
    int rc;
    if ((sp.view && ddb_stream_create(&t, sp.view, &err) != 0) || ddb_table_insert(&t, &err) != 0)
        rc = ddb_req_fail(req, &err);
    else
        rc = reply_table(req, "TableDescription", &t, "CREATING");
    ddb_table_free(&t);
    return rc;
}

/* ------------------------------------------------------------------ */
/* DescribeTable, ListTables, DeleteTable                               */
/* ------------------------------------------------------------------ */

static int required_table_name(struct req *req, cJSON *in, char name[DDB_TABLE_NAME_BUF]) {
    const char *z = NULL;
    if (jget_str(req, in, "TableName", &z) < 0) return -1;
    return ddb_table_name(req, z, name);
}

static int describe_table(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    char name[DDB_TABLE_NAME_BUF];
    if (required_table_name(req, in, name) != 0) return -1;
    struct ddb_table t;
    int rc = ddb_load_table(req, name, 0, &t);
    if (rc == 0) rc = reply_table(req, "Table", &t, "ACTIVE");
    ddb_table_free(&t);
    return rc;
}

struct names_acc {
    cJSON *arr;
    int count, limit, more;
    char last[256];
};

static int list_row(void *ctx, const char *name, const char *desc) {
    (void)desc;
    struct names_acc *acc = ctx;
    if (acc->count == acc->limit) {
        acc->more = 1;
        return 1;
    }
    cJSON_AddItemToArray(acc->arr, cJSON_CreateString(name));
    snprintf(acc->last, sizeof(acc->last), "%s", name);
    acc->count++;
    return 0;
}

static int list_tables(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *start = NULL;
    int64_t limit = 100;
    int has_limit;
    if (jget_str(req, in, "ExclusiveStartTableName", &start) < 0 ||
        (has_limit = jget_int(req, in, "Limit", &limit)) < 0)
        return -1;
    struct vlist vl = {0};
    if (has_limit && limit < 1) vl_add_num(&vl, (double)limit, "limit", "Member must have value greater than or equal to 1");
    if (has_limit && limit > 100) vl_add_num(&vl, (double)limit, "limit", "Member must have value less than or equal to 100");
    if (start) table_name_ok(&vl, start, "exclusiveStartTableName");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    struct names_acc acc = {cJSON_CreateArray(), 0, (int)limit, 0, ""};
    struct ddb_scope scope = ddb_req_scope(req);
    int rc = store_ddb_table_list(ddb_scope_store(&scope), start, (int)limit + 1, list_row, &acc);
    if (rc != STORE_OK) {
        cJSON_Delete(acc.arr);
        return ddb_store_fail(req, rc);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "TableNames", acc.arr);
    if (acc.more) cJSON_AddStringToObject(o, "LastEvaluatedTableName", acc.last);
    return req_reply_json(req, 200, o);
}

static int delete_table(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    char name[DDB_TABLE_NAME_BUF];
    if (required_table_name(req, in, name) != 0) return -1;
    struct ddb_table t;
    int rc = ddb_load_table(req, name, 0, &t);
    if (rc == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t.desc, "DeletionProtectionEnabled")))
        /* AWS's text and kind (ValidationException), as dynoxide records
         * them from DynamoDB (nubo-db/dynoxide issue 46). */
        rc = req_fail(req, &AWSERR_DDB_VALIDATION,
                      "Resource cannot be deleted as it is currently protected against deletion. "
                      "Disable deletion protection first.");
    if (rc == 0) {
        cJSON *d = describe(&t, "DELETING");
        struct ddb_err err = {0};
        if (ddb_table_delete(&t, &err) != 0) rc = ddb_req_fail(req, &err);
        if (rc == 0) {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "TableDescription", d);
            rc = req_reply_json(req, 200, o);
        } else {
            cJSON_Delete(d);
        }
    }
    ddb_table_free(&t);
    return rc;
}

/* ------------------------------------------------------------------ */
/* UpdateTable                                                          */
/* ------------------------------------------------------------------ */

/* ddb_table_save with the failure recorded in REQ. */
static int save_table(struct req *req, struct ddb_table *t) {
    struct ddb_err err = {0};
    return ddb_table_save(t, &err) == 0 ? 0 : ddb_req_fail(req, &err);
}

/* GlobalSecondaryIndexUpdates a request may hold: DynamoDB allows one
 * create or delete per call, with throughput updates of the other
 * indexes beside it; more than one per index is refused, so a request
 * that passes holds at most one per global index plus one. */
#define DDB_MAX_GSI_UPDATES (DDB_MAX_GSI + 1)

/* One element of GlobalSecondaryIndexUpdates, read. */
struct gsi_op {
    char action;             /* 'C'reate, 'U'pdate or 'D'elete */
    cJSON *body;             /* the action's object, borrowed */
    const char *name;        /* its IndexName, borrowed */
    struct index_spec spec;  /* Create: the index, checked against the table */
};

/* An UpdateTable request, read and checked. Strings and nodes are
 * borrowed from the request's JSON. */
struct table_update {
    char name[DDB_TABLE_NAME_BUF];
    const char *billing;
    cJSON *ss, *pt, *gsiu, *defs;
    int protect, has_protect;
    int stream_en;                /* with SS: enable (1) or disable (0) */
    const char *view;
    const char *mode;             /* with BILLING or PT: the billing mode after the update */
    struct throughput tp;         /* with BILLING or PT: the throughput after the update */
    struct gsi_op gsi[DDB_MAX_GSI_UPDATES];
    int ngsi;
    int online;                   /* creates and deletes among GSI */
};

/* Adds to VL the constraint failures of the index updates of U (each
 * action's members, named as AWS names them), reading each element into
 * U->gsi. Returns 0, or -1 when a member has the wrong JSON type or an
 * element holds no action or several (error recorded). */
static int gsi_updates_shape(struct req *req, struct vlist *vl, struct table_update *u) {
    static const char *const actions[] = {"Create", "Update", "Delete"};
    static const char one_of[] =
        "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, "
        "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null";
    int i = 0;
    for (cJSON *el = u->gsiu->child; el; el = el->next, i++) {
        cJSON *a[3] = {NULL, NULL, NULL};
        int n = 0, which = 0;
        for (int k = 0; k < 3; k++) {
            if (cJSON_IsObject(el) && jget_obj(req, el, actions[k], &a[k]) < 0) return -1;
            if (a[k]) n++, which = k;
        }
        if (n == 0) return req_fail(req, &AWSERR_DDB_VALIDATION, one_of);
        if (n > 1)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "One or more parameter values were invalid: Only one global secondary index "
                            "action is allowed per GlobalSecondaryIndexUpdate object");
        if (i >= DDB_MAX_GSI_UPDATES) continue;   /* refused below, by name or by count */
        struct gsi_op *op = &u->gsi[u->ngsi++];
        op->action = actions[which][0];
        op->body = a[which];
        char prefix[96], f[128];
        snprintf(prefix, sizeof(prefix), "globalSecondaryIndexUpdates.%d.member.%c%s", i + 1,
                 actions[which][0] + ('a' - 'A'), actions[which] + 1);
        if (jget_str(req, op->body, "IndexName", &op->name) < 0) return -1;
        if (op->action == 'C') {
            if (index_shape(req, vl, op->body, prefix) != 0) return -1;
        } else {
            snprintf(f, sizeof(f), "%s.indexName", prefix);
            if (op->name == NULL) vl_add(vl, NULL, f, "Member must not be null");
            else table_name_ok(vl, op->name, f);
        }
        if (op->action != 'U') u->online++;
    }
    return 0;
}

/* Checks the index updates of U that need no table: one update per
 * index, one create or delete per call, and none beside a stream change
 * (AWS's texts: docs/aws-reference.md G, "UpdateTable
 * GlobalSecondaryIndexUpdates"). Returns 0, or -1 with the error
 * recorded. */
static int gsi_updates_check(struct req *req, const struct table_update *u) {
    for (int i = 0; i < u->ngsi; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(u->gsi[i].name, u->gsi[j].name) == 0)
                return req_fail(req, &AWSERR_DDB_VALIDATION,
                                "One or more parameter values were invalid: Only one global secondary "
                                "index update per index is allowed simultaneously. Index: %s",
                                u->gsi[i].name);
    if (u->online > 1 || cJSON_GetArraySize(u->gsiu) > DDB_MAX_GSI_UPDATES)
        return req_fail(req, &AWSERR_DDB_LIMIT_EXCEEDED,
                        "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                        "simultaneously per table");
    if (u->online && u->ss)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: You cannot create or delete index "
                        "while changing stream status");
    return 0;
}

/* Refuses an UpdateTable that asks for no change (only TableName, or
 * only AttributeDefinitions), with AWS's text, which names the members
 * that would be one, less any the request has (docs/aws-reference.md G).
 * MultiRegionConsistency alone is not a change. Members sluice stores
 * nothing for (SSESpecification, TableClass, ...) still count. Returns
 * 0, or -1 with the error recorded. */
static int update_empty(struct req *req, const cJSON *in) {
    static const struct {
        const char *member, *name;   /* NAME: as the message lists it */
        int counts;
    } changes[] = {
        {"ProvisionedThroughput", "ProvisionedThroughput", 1}, {"BillingMode", "BillingMode", 1},
        {"StreamSpecification", "UpdateStreamEnabled", 1}, {"GlobalSecondaryIndexUpdates", "GlobalSecondaryIndexUpdates", 1},
        {"SSESpecification", "SSESpecification", 1}, {"ReplicaUpdates", "ReplicaUpdates", 1},
        {"MultiAccountReplicaReady", "MultiAccountReplicaReady", 1},
        {"ReplicaTransitRoleArn", "ReplicaTransitRoleArn", 1},
        {"MultiRegionConsistency", "MultiRegionConsistency", 0},
        {"DeletionProtectionEnabled", "DeletionProtectionEnabled", 1},
        {"OnDemandThroughput", "OnDemandThroughput", 1}, {"WarmThroughput", "WarmThroughput", 1},
        {"TableClass", "TableClass", 1},
    };
    enum { N = sizeof(changes) / sizeof(changes[0]) };
    const char *names[N];
    int n = 0;
    for (int i = 0; i < N; i++) {
        int has = cJSON_GetObjectItemCaseSensitive(in, changes[i].member) != NULL;
        if (has && changes[i].counts) return 0;
        if (!has) names[n++] = changes[i].name;
    }
    struct ddb_sbuf b = {0};
    ddb_sb_adds(&b, "At least one of ");
    for (int i = 0; i < n; i++) {
        if (i) ddb_sb_adds(&b, i == n - 1 ? " or " : ", ");
        ddb_sb_adds(&b, names[i]);
    }
    ddb_sb_adds(&b, " is required");
    return ddb_fail_msg(req, b.z);
}

/* Reads UpdateTable's members from IN into *U and checks what needs no
 * table. Returns 0, or -1 with the error recorded. */
static int update_parse(struct req *req, cJSON *in, struct table_update *u) {
    memset(u, 0, sizeof(*u));
    if (required_table_name(req, in, u->name) != 0) return -1;
    if ((u->has_protect = jget_bool(req, in, "DeletionProtectionEnabled", &u->protect)) < 0 ||
        jget_obj(req, in, "StreamSpecification", &u->ss) < 0 || jget_str(req, in, "BillingMode", &u->billing) < 0 ||
        jget_obj(req, in, "ProvisionedThroughput", &u->pt) < 0 ||
        jget_arr(req, in, "GlobalSecondaryIndexUpdates", &u->gsiu) < 0 ||
        jget_arr(req, in, "AttributeDefinitions", &u->defs) < 0)
        return -1;
    struct vlist vl = {0};
    if (u->billing && strcmp(u->billing, "PROVISIONED") != 0 && strcmp(u->billing, "PAY_PER_REQUEST") != 0)
        vl_add(&vl, u->billing, "billingMode", "Member must satisfy enum value set: [PROVISIONED, PAY_PER_REQUEST]");
    defs_shape(&vl, u->defs);
    if (u->gsiu && gsi_updates_shape(req, &vl, u) != 0) return -1;
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    if (update_empty(req, in) != 0) return -1;
    if (u->gsiu && cJSON_GetArraySize(u->gsiu) == 0)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: List of GlobalSecondaryIndexUpdates "
                        "is empty");
    if (u->gsiu && gsi_updates_check(req, u) != 0) return -1;
    return check_stream_spec(req, u->ss, &u->stream_en, &u->view);
}

/* The index named NAME in list KIND ("GlobalSecondaryIndexes" or
 * "LocalSecondaryIndexes") of description DESC, or NULL. */
static cJSON *desc_index(const cJSON *desc, const char *kind, const char *name) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(desc, kind);
    for (cJSON *ix = arr ? arr->child : NULL; ix; ix = ix->next) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(ix, "IndexName");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return ix;
    }
    return NULL;
}

/* Checks Create OP against table T as it is: a new name, room for one
 * more global index, its key attributes defined by the request, its
 * throughput under the table's billing mode PPR. Reads it into OP->spec.
 * Returns 0, or -1 with the error recorded. */
static int gsi_create_check(struct req *req, const struct table_update *u, struct gsi_op *op,
                            const struct ddb_table *t, int ppr) {
    if (desc_index(t->desc, "GlobalSecondaryIndexes", op->name) ||
        desc_index(t->desc, "LocalSecondaryIndexes", op->name))
        return req_fail(req, &AWSERR_DDB_VALIDATION, "Attempting to create an index which already exists");
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t->desc, "GlobalSecondaryIndexes")) >= DDB_MAX_GSI)
        return req_fail(req, &AWSERR_DDB_LIMIT_EXCEEDED,
                        "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds "
                        "the per-table limit of %d",
                        DDB_MAX_GSI);
    if (u->defs == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: AttributeDefinitions is not "
                        "specified for index: %s",
                        op->name);
    const cJSON *ks = cJSON_GetObjectItemCaseSensitive(op->body, "KeySchema");
    const cJSON *tdefs = cJSON_GetObjectItemCaseSensitive(t->desc, "AttributeDefinitions");
    for (const cJSON *k = ks->child; k; k = k->next) {
        const char *an = cJSON_GetObjectItemCaseSensitive(k, "AttributeName")->valuestring;
        enum ddb_type want = ddb_defined_type(u->defs, an), have = ddb_defined_type(tdefs, an);
        if (want == DDB_T_INVALID) {
            const char *keys[2] = {an, NULL};
            struct ddb_sbuf b = {0};
            ddb_sb_adds(&b, "One or more parameter values were invalid: Some index key attributes are not "
                            "defined in AttributeDefinitions. Keys: ");
            add_list(&b, keys, 1);
            ddb_sb_adds(&b, ", AttributeDefinitions: ");
            enum { MAXD = 64 };
            const char *dn[MAXD];
            int nd = 0;
            for (const cJSON *d = u->defs->child; d && nd < MAXD; d = d->next)
                dn[nd++] = cJSON_GetObjectItemCaseSensitive(d, "AttributeName")->valuestring;
            qsort(dn, (size_t)nd, sizeof(*dn), cmp_str);
            add_list(&b, dn, nd);
            return ddb_fail_msg(req, b.z);
        }
        if (have != DDB_T_INVALID && have != want)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "One or more parameter values were invalid: Attribute %s is already defined "
                            "with type %s",
                            an, ddb_type_name(have));
    }
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(op->body, "ProvisionedThroughput");
    if (ppr && pt)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                        "WriteCapacityUnits can be specified for index: %s when BillingMode is "
                        "PAY_PER_REQUEST",
                        op->name);
    if (!ppr && pt == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: ProvisionedThroughput must be "
                        "specified for index: %s",
                        op->name);
    const cJSON *table_ks = cJSON_GetObjectItemCaseSensitive(t->desc, "KeySchema");
    return parse_index(req, op->body, 1, ppr ? "PAY_PER_REQUEST" : "PROVISIONED", table_ks, &op->spec);
}

/* Checks Update or Delete OP against table T: the index exists and is
 * global; an Update's throughput fits the billing mode PPR. Returns 0,
 * or -1 with the error recorded. */
static int gsi_change_check(struct req *req, struct gsi_op *op, const struct ddb_table *t, int ppr) {
    const char *verb = op->action == 'D' ? "delete" : "update";
    if (desc_index(t->desc, "LocalSecondaryIndexes", op->name))
        return req_fail(req, &AWSERR_DDB_VALIDATION, "Cannot %s an index that is not a GlobalSecondaryIndex: %s",
                        verb, op->name);
    /* AWS's text for an index the table lacks, as Query gives it; the
     * UpdateTable text is not on record (docs/aws-reference.md G). */
    if (desc_index(t->desc, "GlobalSecondaryIndexes", op->name) == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION, "The table does not have the specified index: %s", op->name);
    if (op->action == 'D') return 0;
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(op->body, "ProvisionedThroughput");
    if (ppr && pt)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: The only Updates for index: %s when "
                        "TableThroughputMode is PAY_PER_REQUEST can be to OnDemandThroughput, "
                        "WarmThroughput",
                        op->name);
    if (pt && throughput_parse(req, "PROVISIONED", pt, &op->spec.tp) != 0) return -1;
    return 0;
}

/* Checks update U against table T as it is: the stream change, the
 * throughput under the billing mode that follows, the index updates.
 * Fills U's mode and throughput. Returns 0, or -1 with the error recorded. */
static int update_check(struct req *req, struct table_update *u, const struct ddb_table *t) {
    if (u->ss && u->stream_en) {
        if (t->stream_on)
            return req_fail(req, &AWSERR_DDB_VALIDATION, "Table already has an enabled stream: TableName: %s",
                            u->name);
        if (u->view == NULL)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "One or more parameter values were invalid: If stream is being enabled "
                            "then UpdateViewType is required");
    } else if (u->ss) {
        if (u->view)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "One or more parameter values were invalid: If stream is being disabled, "
                            "then UpdateViewType must not be specified");
        if (!t->stream_on)
            return req_fail(req, &AWSERR_DDB_VALIDATION, "Table has no stream to disable: TableName: %s",
                            u->name);
    }
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(t->desc, "BillingModeSummary");
    if (u->billing || u->pt) {
        u->mode = u->billing ? u->billing : cur ? "PAY_PER_REQUEST" : "PROVISIONED";
        if (throughput_parse(req, u->mode, u->pt, &u->tp) != 0) return -1;
    }
    int ppr = u->mode ? strcmp(u->mode, "PAY_PER_REQUEST") == 0 : cur != NULL;
    for (int i = 0; i < u->ngsi; i++) {
        struct gsi_op *op = &u->gsi[i];
        if ((op->action == 'C' ? gsi_create_check(req, u, op, t, ppr) : gsi_change_check(req, op, t, ppr)) != 0)
            return -1;
    }
    return 0;
}

/* Applies the billing and protection changes of checked update U to T's
 * description. Cannot fail. */
static void update_desc(struct ddb_table *t, const struct table_update *u) {
    if (u->mode) {
        cJSON_DeleteItemFromObjectCaseSensitive(t->desc, "ProvisionedThroughput");
        cJSON_AddItemToObject(t->desc, "ProvisionedThroughput", throughput_json(&u->tp));
        cJSON_DeleteItemFromObjectCaseSensitive(t->desc, "BillingModeSummary");
        if (strcmp(u->mode, "PAY_PER_REQUEST") == 0) {
            cJSON *bm = cJSON_AddObjectToObject(t->desc, "BillingModeSummary");
            cJSON_AddStringToObject(bm, "BillingMode", "PAY_PER_REQUEST");
            cJSON_AddNumberToObject(bm, "LastUpdateToPayPerRequestDateTime", (double)clock_now_ms() / 1000.0);
        }
    }
    if (u->has_protect) {
        cJSON_DeleteItemFromObjectCaseSensitive(t->desc, "DeletionProtectionEnabled");
        cJSON_AddBoolToObject(t->desc, "DeletionProtectionEnabled", u->protect);
    }
}

/* Keeps in T's AttributeDefinitions only the attributes some key schema
 * of the table or of an index names, as DynamoDB describes a table after
 * an index is created or deleted. Cannot fail. */
static void defs_prune(struct ddb_table *t) {
    enum { MAXN = 2 * (1 + DDB_MAX_INDEXES) };
    const char *keys[MAXN];
    int nk = key_names(cJSON_GetObjectItemCaseSensitive(t->desc, "KeySchema"),
                       cJSON_GetObjectItemCaseSensitive(t->desc, "GlobalSecondaryIndexes"),
                       cJSON_GetObjectItemCaseSensitive(t->desc, "LocalSecondaryIndexes"), keys, MAXN);
    cJSON *defs = cJSON_GetObjectItemCaseSensitive(t->desc, "AttributeDefinitions");
    for (cJSON *d = defs ? defs->child : NULL, *next; d; d = next) {
        next = d->next;
        const cJSON *an = cJSON_GetObjectItemCaseSensitive(d, "AttributeName");
        int used = 0;
        for (int k = 0; k < nk && !used; k++) used = cJSON_IsString(an) && strcmp(keys[k], an->valuestring) == 0;
        if (!used) cJSON_Delete(cJSON_DetachItemViaPointer(defs, d));
    }
}

/* Applies the index updates of checked update U to T: the description,
 * then the entries (a new index backfilled from the table's items, a
 * deleted one's removed). A deleted index's description is moved into
 * *GONE (a new array, or NULL when none), for the reply to show it
 * DELETING. Returns 0, or -1 with ERR set. */
static int gsi_apply(struct ddb_table *t, const struct table_update *u, cJSON **gone, struct ddb_err *err) {
    *gone = NULL;
    for (int i = 0; i < u->ngsi; i++) {
        const struct gsi_op *op = &u->gsi[i];
        cJSON *list = cJSON_GetObjectItemCaseSensitive(t->desc, "GlobalSecondaryIndexes");
        if (op->action == 'C') {
            if (list == NULL) list = cJSON_AddArrayToObject(t->desc, "GlobalSecondaryIndexes");
            cJSON_AddItemToArray(list, index_json(&op->spec, &t->scope, t->name));
            cJSON *defs = cJSON_GetObjectItemCaseSensitive(t->desc, "AttributeDefinitions");
            for (const cJSON *d = u->defs->child; d; d = d->next) {
                const char *an = cJSON_GetObjectItemCaseSensitive(d, "AttributeName")->valuestring;
                if (ddb_defined_type(defs, an) == DDB_T_INVALID) cJSON_AddItemToArray(defs, cJSON_Duplicate(d, 1));
            }
        } else if (op->action == 'D') {
            int at = 0;
            for (cJSON *ix = list->child; ix; ix = ix->next, at++)
                if (strcmp(cJSON_GetObjectItemCaseSensitive(ix, "IndexName")->valuestring, op->name) == 0) break;
            if (*gone == NULL) *gone = cJSON_CreateArray();
            cJSON_AddItemToArray(*gone, cJSON_DetachItemFromArray(list, at));
            if (list->child == NULL) cJSON_DeleteItemFromObjectCaseSensitive(t->desc, "GlobalSecondaryIndexes");
            if (ddb_index_drop(t, op->name, err) != 0) return -1;
        } else {
            cJSON *ix = desc_index(t->desc, "GlobalSecondaryIndexes", op->name);
            const cJSON *odt = cJSON_GetObjectItemCaseSensitive(op->body, "OnDemandThroughput");
            if (cJSON_GetObjectItemCaseSensitive(op->body, "ProvisionedThroughput")) {
                cJSON_DeleteItemFromObjectCaseSensitive(ix, "ProvisionedThroughput");
                cJSON_AddItemToObject(ix, "ProvisionedThroughput", throughput_json(&op->spec.tp));
            }
            if (odt) {
                cJSON_DeleteItemFromObjectCaseSensitive(ix, "OnDemandThroughput");
                cJSON_AddItemToObject(ix, "OnDemandThroughput", cJSON_Duplicate(odt, 1));
            }
        }
    }
    defs_prune(t);
    ddb_table_reread(t);
    for (int i = 0; i < u->ngsi; i++)
        if (u->gsi[i].action == 'C' && ddb_index_backfill(t, u->gsi[i].name, err) != 0) return -1;
    return 0;
}

/* The UpdateTable reply for T after update U: the table UPDATING when
 * its stream or an index changed, each changed index in the status AWS
 * reports at that point (a new one CREATING, not yet backfilling; an
 * updated one UPDATING; a deleted one, from GONE, DELETING). */
static int update_reply(struct req *req, struct ddb_table *t, const struct table_update *u, cJSON *gone) {
    cJSON *d = describe(t, u->ss || u->ngsi ? "UPDATING" : "ACTIVE");
    cJSON *list = cJSON_GetObjectItemCaseSensitive(d, "GlobalSecondaryIndexes");
    if (gone) {
        if (list == NULL) list = cJSON_AddArrayToObject(d, "GlobalSecondaryIndexes");
        for (cJSON *g = gone->child; g; g = g->next) {
            cJSON *c = cJSON_Duplicate(g, 1);
            cJSON_DeleteItemFromObjectCaseSensitive(c, "IndexStatus");
            cJSON_AddStringToObject(c, "IndexStatus", "DELETING");
            cJSON_AddItemToArray(list, c);
        }
    }
    for (int i = 0; i < u->ngsi; i++) {
        if (u->gsi[i].action == 'D') continue;
        cJSON *ix = desc_index(d, "GlobalSecondaryIndexes", u->gsi[i].name);
        cJSON_DeleteItemFromObjectCaseSensitive(ix, "IndexStatus");
        cJSON_AddStringToObject(ix, "IndexStatus", u->gsi[i].action == 'C' ? "CREATING" : "UPDATING");
        if (u->gsi[i].action == 'C') cJSON_AddBoolToObject(ix, "Backfilling", 0);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "TableDescription", d);
    return req_reply_json(req, 200, o);
}

/* UpdateTable. An index created here is built from the table's items
 * inside this call, so it is ACTIVE when the next request reads the
 * table (DynamoDB builds it in the background; README, "Known
 * differences"). */
static int update_table(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    struct table_update u;
    if (update_parse(req, in, &u) != 0) return -1;
    struct ddb_table t;
    int rc = ddb_load_table(req, u.name, 0, &t);
    if (rc == 0) rc = update_check(req, &u, &t);
    if (rc == 0) {
        struct ddb_err err = {0};
        cJSON *gone = NULL;
        int src = 0;
        if (u.ss) src = u.stream_en ? ddb_stream_create(&t, u.view, &err) : ddb_stream_disable(&t, &err);
        if (src == 0 && u.ngsi) src = gsi_apply(&t, &u, &gone, &err);
        if (src == 0) {
            update_desc(&t, &u);
            src = ddb_table_save(&t, &err);
        }
        rc = src == 0 ? update_reply(req, &t, &u, gone) : ddb_req_fail(req, &err);
        cJSON_Delete(gone);
    }
    ddb_table_free(&t);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Tags and TTL                                                         */
/* ------------------------------------------------------------------ */

/* Loads the table named by a table ARN of the caller's scope (a
 * ResourceArn: anything but such an ARN is refused alike). */
static int table_by_arn(struct req *req, const char *arn, struct ddb_table *t) {
    memset(t, 0, sizeof(*t));
    const char *name;
    if (ddb_table_ref_parse(arn, req->region, req->account, &name) != DDB_REF_ARN)
        return req_fail(req, &AWSERR_DDB_VALIDATION, "Invalid TableArn: Invalid ResourceArn provided as input %s", arn);
    int rc = ddb_load_table(req, name, 1, t);
    if (rc != 0 && req->err == &AWSERR_DDB_NOT_FOUND)
        req_fail(req, &AWSERR_DDB_NOT_FOUND, "Requested resource not found: ResourcArn: %s not found", arn);
    return rc;
}

static int tag_resource(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *arn = NULL;
    cJSON *tags = NULL;
    if (jget_str(req, in, "ResourceArn", &arn) < 0 || jget_arr(req, in, "Tags", &tags) < 0) return -1;
    struct vlist vl = {0};
    if (arn == NULL) vl_add(&vl, NULL, "resourceArn", "Member must not be null");
    if (tags == NULL) vl_add(&vl, NULL, "tags", "Member must not be null");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION) || check_tags(req, tags) != 0) return -1;
    struct ddb_table t;
    int rc = table_by_arn(req, arn, &t);
    if (rc == 0) {
        cJSON *cur = cJSON_Parse(t.row.tags ? t.row.tags : "[]");
        if (cur == NULL) cur = cJSON_CreateArray();
        for (const cJSON *n = tags->child; n; n = n->next) {
            const char *k = cJSON_GetObjectItemCaseSensitive(n, "Key")->valuestring;
            int idx = 0;
            for (cJSON *c = cur->child; c; c = c->next, idx++) {
                if (strcmp(cJSON_GetObjectItemCaseSensitive(c, "Key")->valuestring, k) == 0) {
                    cJSON_DeleteItemFromArray(cur, idx);
                    break;
                }
            }
            cJSON_AddItemToArray(cur, cJSON_Duplicate(n, 1));
        }
        free(t.row.tags);
        t.row.tags = cJSON_PrintUnformatted(cur);
        cJSON_Delete(cur);
        rc = save_table(req, &t);
        if (rc == 0) rc = req_reply_raw(req, 200, "application/x-amz-json-1.0", "", 0);
    }
    ddb_table_free(&t);
    return rc;
}

static int untag_resource(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *arn = NULL;
    cJSON *keys = NULL;
    if (jget_str(req, in, "ResourceArn", &arn) < 0 || jget_arr(req, in, "TagKeys", &keys) < 0) return -1;
    struct vlist vl = {0};
    if (arn == NULL) vl_add(&vl, NULL, "resourceArn", "Member must not be null");
    if (keys == NULL) vl_add(&vl, NULL, "tagKeys", "Member must not be null");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    struct ddb_table t;
    int rc = table_by_arn(req, arn, &t);
    if (rc == 0) {
        cJSON *cur = cJSON_Parse(t.row.tags ? t.row.tags : "[]");
        if (cur == NULL) cur = cJSON_CreateArray();
        for (const cJSON *k = keys->child; k; k = k->next) {
            if (!cJSON_IsString(k)) continue;
            int idx = 0;
            for (cJSON *c = cur->child; c; c = c->next, idx++) {
                if (strcmp(cJSON_GetObjectItemCaseSensitive(c, "Key")->valuestring, k->valuestring) == 0) {
                    cJSON_DeleteItemFromArray(cur, idx);
                    break;
                }
            }
        }
        free(t.row.tags);
        t.row.tags = cJSON_PrintUnformatted(cur);
        cJSON_Delete(cur);
        rc = save_table(req, &t);
        if (rc == 0) rc = req_reply_raw(req, 200, "application/x-amz-json-1.0", "", 0);
    }
    ddb_table_free(&t);
    return rc;
}

static int list_tags(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *arn = NULL;
    if (jget_str(req, in, "ResourceArn", &arn) < 0) return -1;
    if (arn == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "1 validation error detected: Value null at 'resourceArn' failed to "
                        "satisfy constraint: Member must not be null");
    struct ddb_table t;
    int rc = table_by_arn(req, arn, &t);
    if (rc == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON *tags = cJSON_Parse(t.row.tags ? t.row.tags : "[]");
        cJSON_AddItemToObject(o, "Tags", tags ? tags : cJSON_CreateArray());
        rc = req_reply_json(req, 200, o);
    }
    ddb_table_free(&t);
    return rc;
}

static int update_ttl(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    char name[DDB_TABLE_NAME_BUF];
    cJSON *spec = NULL;
    if (required_table_name(req, in, name) != 0 ||
        jget_obj(req, in, "TimeToLiveSpecification", &spec) < 0)
        return -1;
    int en = 0, has_en = 0;
    const char *attr = NULL;
    struct vlist vl = {0};
    if (spec == NULL) vl_add(&vl, NULL, "timeToLiveSpecification", "Member must not be null");
    else {
        if ((has_en = jget_bool(req, spec, "Enabled", &en)) < 0 || jget_str(req, spec, "AttributeName", &attr) < 0)
            return -1;
        if (!has_en) vl_add(&vl, NULL, "timeToLiveSpecification.enabled", "Member must not be null");
        if (attr == NULL) vl_add(&vl, NULL, "timeToLiveSpecification.attributeName", "Member must not be null");
        else if (strlen(attr) < 1 || strlen(attr) > 255)
            vl_add(&vl, attr, "timeToLiveSpecification.attributeName",
                   strlen(attr) < 1 ? "Member must have length greater than or equal to 1"
                                    : "Member must have length less than or equal to 255");
    }
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    struct ddb_table t;
    struct ddb_err err = {0};
    cJSON *o = NULL;
    int rc = ddb_load_table(req, name, 0, &t);
    if (rc != 0) goto out;
    rc = -1;
    if (en && t.ttl_attr[0]) {
        req_fail(req, &AWSERR_DDB_VALIDATION, "TimeToLive is already enabled");
        goto out;
    }
    if (!en && !t.ttl_attr[0]) {
        req_fail(req, &AWSERR_DDB_VALIDATION, "TimeToLive is already disabled");
        goto out;
    }
    if (!en && strcmp(t.ttl_attr, attr) != 0) {
        req_fail(req, &AWSERR_DDB_VALIDATION,
                 "TimeToLive is active on a different AttributeName: current AttributeName is %s",
                 t.ttl_attr);
        goto out;
    }
    o = cJSON_CreateObject();
    cJSON_AddBoolToObject(o, "Enabled", en);
    cJSON_AddStringToObject(o, "AttributeName", attr);
    free(t.row.ttl);
    t.row.ttl = en ? cJSON_PrintUnformatted(o) : NULL;
    if (save_table(req, &t) != 0) goto out;
    /* Items written before TTL was enabled get their expiry now. */
    if (en && ddb_ttl_reindex(&t, attr, &err) != 0) {
        ddb_req_fail(req, &err);
        goto out;
    }
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "TimeToLiveSpecification", o);
    o = NULL;
    rc = req_reply_json(req, 200, r);
out:
    cJSON_Delete(o);
    ddb_table_free(&t);
    return rc;
}

static int describe_ttl(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    char name[DDB_TABLE_NAME_BUF];
    if (required_table_name(req, in, name) != 0) return -1;
    struct ddb_table t;
    int rc = ddb_load_table(req, name, 0, &t);
    if (rc == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON *d = cJSON_AddObjectToObject(o, "TimeToLiveDescription");
        cJSON_AddStringToObject(d, "TimeToLiveStatus", t.ttl_attr[0] ? "ENABLED" : "DISABLED");
        if (t.ttl_attr[0]) cJSON_AddStringToObject(d, "AttributeName", t.ttl_attr);
        rc = req_reply_json(req, 200, o);
    }
    ddb_table_free(&t);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Continuous backups (point-in-time recovery)                          */
/* ------------------------------------------------------------------ */

void ddb_pitr_window(int64_t enabled_ms, int days, int64_t now_ms, int64_t *earliest_ms,
                     int64_t *latest_ms) {
    int64_t start = now_ms - (int64_t)days * 86400000LL;
    int64_t lag = now_ms - DDB_PITR_LAG_MS;
    *earliest_ms = start > enabled_ms ? start : enabled_ms;
    *latest_ms = lag > enabled_ms ? lag : enabled_ms;
}

/* The backup operations name a missing table their own way. */
static int backup_table_load(struct req *req, const char *name, struct ddb_table *t) {
    if (ddb_load_table(req, name, 0, t) == 0) return 0;
    /* req_fail replaces the error ddb_load_table recorded. */
    if (req->err == &AWSERR_DDB_NOT_FOUND)
        return req_fail(req, &AWSERR_DDB_TABLE_NOT_FOUND, "Table not found: %s", name);
    return -1;
}

/* {"ContinuousBackupsDescription": ...} of T at the clock's now. */
static cJSON *backups_description(const struct ddb_table *t) {
    cJSON *o = cJSON_CreateObject();
    cJSON *d = cJSON_AddObjectToObject(o, "ContinuousBackupsDescription");
    /* Continuous backups are on for every table from its creation (API
     * Reference, DescribeContinuousBackups); recovery is what one turns on. */
    cJSON_AddStringToObject(d, "ContinuousBackupsStatus", "ENABLED");
    cJSON *p = cJSON_AddObjectToObject(d, "PointInTimeRecoveryDescription");
    cJSON *cfg = t->row.pitr ? cJSON_Parse(t->row.pitr) : NULL;
    const cJSON *at = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "EnabledAt") : NULL;
    const cJSON *days = cfg ? cJSON_GetObjectItemCaseSensitive(cfg, "RecoveryPeriodInDays") : NULL;
    if (cJSON_IsNumber(at) && cJSON_IsNumber(days)) {
        int64_t earliest, latest;
        ddb_pitr_window((int64_t)at->valuedouble, days->valueint, clock_now_ms(), &earliest, &latest);
        cJSON_AddStringToObject(p, "PointInTimeRecoveryStatus", "ENABLED");
        cJSON_AddNumberToObject(p, "RecoveryPeriodInDays", days->valueint);
        cJSON_AddNumberToObject(p, "EarliestRestorableDateTime", (double)earliest / 1000.0);
        cJSON_AddNumberToObject(p, "LatestRestorableDateTime", (double)latest / 1000.0);
    } else {
        cJSON_AddStringToObject(p, "PointInTimeRecoveryStatus", "DISABLED");
    }
    cJSON_Delete(cfg);
    return o;
}

static int describe_backups(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    char name[DDB_TABLE_NAME_BUF];
    if (required_table_name(req, in, name) != 0) return -1;
    struct ddb_table t;
    int rc = backup_table_load(req, name, &t);
    if (rc == 0) rc = req_reply_json(req, 200, backups_description(&t));
    ddb_table_free(&t);
    return rc;
}

static int update_backups(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    char name[DDB_TABLE_NAME_BUF];
    cJSON *spec = NULL;
    int en = 0, has_en = 0, has_days = 0;
    int64_t days = DDB_PITR_DAYS_DEFAULT;
    if (required_table_name(req, in, name) != 0 ||
        jget_obj(req, in, "PointInTimeRecoverySpecification", &spec) < 0)
        return -1;
    struct vlist vl = {0};
    if (spec == NULL) {
        vl_add(&vl, NULL, "pointInTimeRecoverySpecification", "Member must not be null");
    } else {
        if ((has_en = jget_bool(req, spec, "PointInTimeRecoveryEnabled", &en)) < 0 ||
            (has_days = jget_int(req, spec, "RecoveryPeriodInDays", &days)) < 0)
            return -1;
        if (!has_en)
            vl_add(&vl, NULL, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled",
                   "Member must not be null");
        if (has_days && days < 1)
            vl_add_num(&vl, (double)days, "pointInTimeRecoverySpecification.recoveryPeriodInDays",
                       "Member must have value greater than or equal to 1");
        if (has_days && days > DDB_PITR_DAYS_MAX)
            vl_add_num(&vl, (double)days, "pointInTimeRecoverySpecification.recoveryPeriodInDays",
                       "Member must have value less than or equal to 35");
    }
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    struct ddb_table t;
    int rc = backup_table_load(req, name, &t);
    if (rc != 0) goto out;
    int64_t at = clock_now_ms();
    if (en && t.row.pitr) {
        /* Turning recovery on again keeps the window it already has;
         * only the period changes. */
        cJSON *old = cJSON_Parse(t.row.pitr);
        const cJSON *prev = old ? cJSON_GetObjectItemCaseSensitive(old, "EnabledAt") : NULL;
        if (cJSON_IsNumber(prev)) at = (int64_t)prev->valuedouble;
        cJSON_Delete(old);
    }
    free(t.row.pitr);
    t.row.pitr = en ? xasprintf("{\"EnabledAt\":%lld,\"RecoveryPeriodInDays\":%d}", (long long)at,
                                (int)days)
                    : NULL;
    rc = save_table(req, &t);
    if (rc == 0) rc = req_reply_json(req, 200, backups_description(&t));
out:
    ddb_table_free(&t);
    return rc;
}

/* Kinesis Data Streams destinations: sluice has no Kinesis, so a table
 * never has one; the read answers the empty list AWS gives such a table. */
static int describe_kinesis_destination(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    char name[DDB_TABLE_NAME_BUF];
    if (required_table_name(req, in, name) != 0) return -1;
    struct ddb_table t;
    int rc = ddb_load_table(req, name, 0, &t);
    if (rc == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "TableName", t.name);
        cJSON_AddArrayToObject(o, "KinesisDataStreamDestinations");
        rc = req_reply_json(req, 200, o);
    }
    ddb_table_free(&t);
    return rc;
}

static int describe_endpoints(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    (void)in;
    cJSON *o = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(o, "Endpoints");
    cJSON *e = cJSON_CreateObject();
    const char *host = req_header(req, "Host");
    cJSON_AddStringToObject(e, "Address", host ? host : "localhost");
    cJSON_AddNumberToObject(e, "CachePeriodInMinutes", 1440);
    cJSON_AddItemToArray(arr, e);
    return req_reply_json(req, 200, o);
}

static int describe_limits(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    (void)in;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "AccountMaxReadCapacityUnits", 80000);
    cJSON_AddNumberToObject(o, "AccountMaxWriteCapacityUnits", 80000);
    cJSON_AddNumberToObject(o, "TableMaxReadCapacityUnits", 40000);
    cJSON_AddNumberToObject(o, "TableMaxWriteCapacityUnits", 40000);
    return req_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                             */
/* ------------------------------------------------------------------ */

/* DynamoDB's operations, sorted by name (op_by_target). Writes wake the
 * stream pollers once they commit: they read what just committed. Item
 * writes (OP_GROUP) share commits through the group writer. */
static const struct op ddb_ops[] = {
    {"BatchGetItem", ddb_batch_get_item, 0, NULL, NULL, NULL},
    {"BatchWriteItem", ddb_batch_write_item, OP_WRITE | OP_GROUP, esm_stream_written, NULL, NULL},
    {"CreateTable", create_table, OP_WRITE, esm_stream_written, NULL, NULL},
    {"DeleteItem", ddb_delete_item, OP_WRITE | OP_GROUP, esm_stream_written, NULL, NULL},
    {"DeleteTable", delete_table, OP_WRITE, esm_stream_written, NULL, NULL},
    {"DescribeContinuousBackups", describe_backups, 0, NULL, NULL, NULL},
    {"DescribeEndpoints", describe_endpoints, 0, NULL, NULL, NULL},
    {"DescribeKinesisStreamingDestination", describe_kinesis_destination, 0, NULL, NULL, NULL},
    {"DescribeLimits", describe_limits, 0, NULL, NULL, NULL},
    {"DescribeTable", describe_table, 0, NULL, NULL, NULL},
    {"DescribeTimeToLive", describe_ttl, 0, NULL, NULL, NULL},
    {"GetItem", ddb_get_item, 0, NULL, NULL, NULL},
    {"ListTables", list_tables, 0, NULL, NULL, NULL},
    {"ListTagsOfResource", list_tags, 0, NULL, NULL, NULL},
    {"PutItem", ddb_put_item, OP_WRITE | OP_GROUP, esm_stream_written, NULL, NULL},
    {"Query", ddb_query, 0, NULL, NULL, NULL},
    {"Scan", ddb_scan, 0, NULL, NULL, NULL},
    {"TagResource", tag_resource, OP_WRITE, esm_stream_written, NULL, NULL},
    {"TransactGetItems", ddb_transact_get_items, 0, NULL, NULL, NULL},
    {"TransactWriteItems", ddb_transact_write_items, OP_WRITE | OP_GROUP, esm_stream_written, NULL, NULL},
    {"UntagResource", untag_resource, OP_WRITE, esm_stream_written, NULL, NULL},
    {"UpdateContinuousBackups", update_backups, OP_WRITE, esm_stream_written, NULL, NULL},
    {"UpdateItem", ddb_update_item, OP_WRITE | OP_GROUP, esm_stream_written, NULL, NULL},
    {"UpdateTable", update_table, OP_WRITE, esm_stream_written, NULL, NULL},
    {"UpdateTimeToLive", update_ttl, OP_WRITE, esm_stream_written, NULL, NULL},
};

static const struct op ddbs_ops[] = {
    {"DescribeStream", ddbs_describe_stream, 0, NULL, NULL, NULL},
    {"GetRecords", ddbs_get_records, 0, NULL, NULL, NULL},
    {"GetShardIterator", ddbs_get_shard_iterator, 0, NULL, NULL, NULL},
    {"ListStreams", ddbs_list_streams, 0, NULL, NULL, NULL},
};

static void ddb_store_fail_(struct req *req, int rc) {
    ddb_store_fail(req, rc);
}

const struct service ddb_service = {
    .name = "dynamodb",
    .ops = ddb_ops,
    .nops = NELEM(ddb_ops),
    .find = op_find_target,
    .unknown_op = &AWSERR_DDB_UNKNOWN_OP,
    .parse = op_parse_json_nonempty,
    .store_fail = ddb_store_fail_,
    /* Tables handed to earlier jobs of a batch are no longer in use. */
    .group_job = ddb_table_job_begin,
    /* Reads see one consistent snapshot. */
    .read_snapshot = 1,
};

const struct service ddbs_service = {
    .name = "dynamodbstreams",
    .ops = ddbs_ops,
    .nops = NELEM(ddbs_ops),
    .find = op_find_target,
    .unknown_op = &AWSERR_DDB_UNKNOWN_OP,
    .parse = op_parse_json_nonempty,
    .store_fail = ddb_store_fail_,
    .read_snapshot = 1,
};
