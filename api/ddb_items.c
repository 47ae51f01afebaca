/*
 * DynamoDB item operations: PutItem, GetItem, UpdateItem, DeleteItem,
 * BatchWriteItem, BatchGetItem, TransactWriteItems, TransactGetItems:
 * their parameters, conditions and responses. The write path they share
 * (item row, index entries, stream record in the request's one
 * transaction) is the engine's (engine/ddb/ddb.h), expressions come from
 * engine/ddb/ddb_expr.h.
 */
#include "api/aws_error.h"
#include "api/ddb_int.h"
#include "api/op.h"
#include "api/validate.h"
#include "engine/ddb/ddb_expr.h"
#include "base/util.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <nettle/sha2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* BatchWriteItem takes at most 25 requests, BatchGetItem 100 keys,
 * TransactWriteItems and TransactGetItems 100 actions: AWS's limits. */
#define DDB_MAX_BATCH_WRITE 25
#define DDB_MAX_BATCH_GET 100
#define DDB_MAX_TRANSACT 100
/* "The aggregate size of the items in the transaction cannot exceed
 * 4 MB" (Amazon DynamoDB Developer Guide, "Constraints in Amazon
 * DynamoDB", DynamoDB transactions). */
#define DDB_MAX_TRANSACT_SIZE (4 * 1024 * 1024)

/* The expressions and attribute maps of one request. */
struct exprs {
    struct ddb_expr_attrs attrs;
    struct ddb_expr *cond, *update, *proj;
    cJSON *values;   /* validated copy of ExpressionAttributeValues */
    int inited;
};

static void exprs_free(struct exprs *x) {
    ddb_expr_free(x->cond);
    ddb_expr_free(x->update);
    ddb_expr_free(x->proj);
    if (x->inited) ddb_expr_attrs_free(&x->attrs);
    cJSON_Delete(x->values);
    memset(x, 0, sizeof(*x));
}

/* ddb_check_item with the failure recorded in REQ. */
static int check_item(struct req *req, cJSON *item, int for_update) {
    struct ddb_err err = {0};
    return ddb_check_item(item, for_update, &err) == 0 ? 0 : ddb_req_fail(req, &err);
}

/* ddb_write_item of a request (never a TTL deletion), the failure
 * recorded in REQ. */
static int write_item(struct req *req, struct ddb_table *t, const struct store_key *hk,
                      const struct store_key *rk, const cJSON *old_item, const cJSON *new_item) {
    struct ddb_err err = {0};
    return ddb_write_item(t, hk, rk, old_item, new_item, 0, &err) == 0 ? 0 : ddb_req_fail(req, &err);
}

int ddb_rcc_get(struct req *req, cJSON *in, enum ddb_rcc *out) {
    const char *v = NULL;
    *out = DDB_RCC_NONE;
    if (jget_str(req, in, "ReturnConsumedCapacity", &v) < 0) return -1;
    if (ddb_rcc_parse(v, out) == 0) return 0;
    struct vlist vl = {0};
    vl_add(&vl, v, "returnConsumedCapacity", DDB_RCC_ENUM);
    return vl_fail(req, &vl, &AWSERR_DDB_VALIDATION);
}

/* Legacy (pre-expression) parameters sluice does not implement. */
static int refuse_legacy(struct req *req, cJSON *in) {
    static const char *const legacy[] = {"Expected", "AttributeUpdates", "AttributesToGet",
                                         "KeyConditions", "QueryFilter", "ScanFilter",
                                         "ConditionalOperator"};
    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
        if (cJSON_GetObjectItemCaseSensitive(in, legacy[i]))
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "sluice does not support the legacy parameter %s; use the expression "
                            "parameters (ConditionExpression, UpdateExpression, "
                            "ProjectionExpression, KeyConditionExpression, FilterExpression)",
                            legacy[i]);
    return 0;
}

/* Parses the expressions named COND / UPDATE / PROJ (NULL: not accepted
 * by this operation) from IN, with its attribute maps. */
static int parse_exprs(struct req *req, cJSON *in, const char *cond_key, const char *update_key,
                       const char *proj_key, struct exprs *x) {
    memset(x, 0, sizeof(*x));
    cJSON *names = NULL, *values = NULL;
    const char *ct = NULL, *ut = NULL, *pt = NULL;
    if (refuse_legacy(req, in) != 0 || jget_obj(req, in, "ExpressionAttributeNames", &names) < 0 ||
        jget_obj(req, in, "ExpressionAttributeValues", &values) < 0 ||
        (cond_key && jget_str(req, in, cond_key, &ct) < 0) ||
        (update_key && jget_str(req, in, update_key, &ut) < 0) ||
        (proj_key && jget_str(req, in, proj_key, &pt) < 0))
        return -1;
    if (names && !ct && !ut && !pt)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "ExpressionAttributeNames can only be specified when using expressions");
    if (values && !ct && !ut)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "ExpressionAttributeValues can only be specified when using expressions");
    if (values) {
        x->values = cJSON_Duplicate(values, 1);
        for (cJSON *v = x->values->child; v; v = v->next) {
            char *err = NULL;
            if (ddb_av_validate(v, &err) != 0) {
                req_fail(req, &AWSERR_DDB_VALIDATION, "ExpressionAttributeValues contains invalid value: %s for key %s",
                         err ? err : "", v->string);
                free(err);
                return -1;
            }
        }
    }
    ddb_expr_attrs_init(&x->attrs, names, x->values);
    x->inited = 1;
    char *err = NULL;
    if (ct && (x->cond = ddb_expr_parse(DDB_EXPR_CONDITION, ct, &x->attrs, &err)) == NULL)
        return ddb_fail_msg(req, err);
    if (ut && (x->update = ddb_expr_parse(DDB_EXPR_UPDATE, ut, &x->attrs, &err)) == NULL)
        return ddb_fail_msg(req, err);
    if (pt && (x->proj = ddb_expr_parse(DDB_EXPR_PROJECTION, pt, &x->attrs, &err)) == NULL)
        return ddb_fail_msg(req, err);
    if (ddb_expr_attrs_check(&x->attrs, &err) != 0) return ddb_fail_msg(req, err);
    return 0;
}

static int check_enum(struct req *req, const char *v, const char *field, const char *const *allowed,
                      const char *set) {
    for (; *allowed; allowed++)
        if (strcmp(v, *allowed) == 0) return 0;
    struct vlist vl = {0};
    char c[256];
    snprintf(c, sizeof(c), "Member must satisfy enum value set: %s", set);
    vl_add(&vl, v, field, c);
    return vl_fail(req, &vl, &AWSERR_DDB_VALIDATION);
}

/* ReturnValues of IN, checked against what the operation allows. */
static int return_values(struct req *req, cJSON *in, int update, const char **out) {
    static const char *const all[] = {"NONE", "ALL_OLD", "UPDATED_OLD", "ALL_NEW", "UPDATED_NEW", NULL};
    *out = "NONE";
    const char *rv = NULL;
    if (jget_str(req, in, "ReturnValues", &rv) < 0) return -1;
    if (rv == NULL) return 0;
    if (check_enum(req, rv, "returnValues", all, "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]") != 0)
        return -1;
    if (!update && strcmp(rv, "NONE") != 0 && strcmp(rv, "ALL_OLD") != 0)
        return req_fail(req, &AWSERR_DDB_VALIDATION, "ReturnValues can only be ALL_OLD or NONE");
    *out = rv;
    return 0;
}

static int rv_on_failure(struct req *req, cJSON *in, int *all_old) {
    static const char *const allowed[] = {"NONE", "ALL_OLD", NULL};
    const char *v = NULL;
    *all_old = 0;
    if (jget_str(req, in, "ReturnValuesOnConditionCheckFailure", &v) < 0) return -1;
    if (v == NULL) return 0;
    if (check_enum(req, v, "returnValuesOnConditionCheckFailure", allowed, "[ALL_OLD, NONE]") != 0) return -1;
    *all_old = strcmp(v, "ALL_OLD") == 0;
    return 0;
}

/* Evaluates condition COND on OLD. Returns 1 when it holds (or there is
 * none), 0 when it fails (ConditionalCheckFailedException recorded when
 * RECORD), -1 on error. */
static int condition_holds(struct req *req, struct ddb_expr *cond, const cJSON *old, int all_old,
                           int record) {
    if (cond == NULL) return 1;
    char *err = NULL;
    int r = ddb_expr_eval(cond, old, &err);
    if (r < 0) return ddb_fail_msg(req, err);
    if (r == 0 && record) {
        int with_item = all_old && old;
        req_fail(req, with_item ? &AWSERR_DDB_CONDITIONAL_ITEM : &AWSERR_DDB_CONDITIONAL,
                 "The conditional request failed");
        if (with_item) {
            req->err_extra = cJSON_CreateObject();
            cJSON_AddItemToObject(req->err_extra, "Item", cJSON_Duplicate(old, 1));
        }
    }
    return r;
}

static int required_table(struct req *req, cJSON *in, struct ddb_table *t) {
    const char *z = NULL;
    char name[DDB_TABLE_NAME_BUF];
    memset(t, 0, sizeof(*t));
    if (jget_str(req, in, "TableName", &z) < 0 || ddb_table_name(req, z, name) != 0) return -1;
    return ddb_load_table(req, name, 1, t);
}

/* Loads the table a RequestItems key KEY names: a name, or a table ARN
 * resolved as TableName is. The response keeps KEY as given. */
static int batch_table(struct req *req, const char *key, struct ddb_table *t) {
    char name[DDB_TABLE_NAME_BUF];
    memset(t, 0, sizeof(*t));
    if (strncmp(key, "arn:", 4) == 0) {
        if (ddb_table_name(req, key, name) != 0) return -1;
    } else if (strlen(key) >= sizeof(name)) {
        /* No table has such a name; never look up a cut one. */
        return req_fail(req, &AWSERR_DDB_NOT_FOUND, "Requested resource not found");
    } else {
        snprintf(name, sizeof(name), "%s", key);
    }
    return ddb_load_table(req, name, 1, t);
}

static cJSON *load_item(struct req *req, struct ddb_table *t, struct store_key hk, struct store_key rk,
                        int *failed) {
    char *text = NULL;
    *failed = 0;
    int rc = store_ddb_item_get(t->row.id, hk, rk, &text);
    if (rc == STORE_NOTFOUND) return NULL;
    if (rc != STORE_OK) {
        *failed = 1;
        ddb_store_fail(req, rc);
        return NULL;
    }
    cJSON *item = cJSON_Parse(text);
    free(text);
    if (item == NULL) {
        *failed = 1;
        ddb_store_fail(req, STORE_ERR);
    }
    return item;
}

/* Adds "Attributes" to O when ITEM has any attribute. */
static void add_attributes(cJSON *o, cJSON *item) {
    if (item && item->child) cJSON_AddItemToObject(o, "Attributes", item);
    else cJSON_Delete(item);
}

/* ------------------------------------------------------------------ */
/* PutItem, GetItem, DeleteItem, UpdateItem                             */
/* ------------------------------------------------------------------ */

/* The table as IN names it, for ConsumedCapacity.TableName. */
static const char *table_arg(cJSON *in) {
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(in, "TableName");
    return cJSON_IsString(n) ? n->valuestring : "";
}

/* Adds the ConsumedCapacity of a single-item write (OLD -> NEW) to O. */
static void reply_write_capacity(cJSON *o, enum ddb_rcc rcc, cJSON *in, const struct ddb_table *t,
                                 const cJSON *old_item, const cJSON *new_item) {
    if (rcc == DDB_RCC_NONE) return;
    struct ddb_cap cap;
    ddb_cap_init(&cap, table_arg(in));
    ddb_cap_add_write(&cap, t, old_item, new_item, 1);
    ddb_cap_reply(o, &cap, rcc);
}

/* One Put with its checks, used by PutItem, BatchWriteItem and
 * transactions. CHECK_ONLY evaluates the condition without writing. */
struct put_op {
    struct ddb_table *t;
    cJSON *item;            /* owned copy, validated */
    struct store_key hk, rk;
    cJSON *old;             /* owned */
};

static void put_op_free(struct put_op *p) {
    cJSON_Delete(p->item);
    cJSON_Delete(p->old);
    ddb_key_free(&p->hk);
    ddb_key_free(&p->rk);
}

static int prepare_put(struct req *req, struct ddb_table *t, const cJSON *item_in, struct put_op *p) {
    memset(p, 0, sizeof(*p));
    p->t = t;
    if (!cJSON_IsObject(item_in))
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "1 validation error detected: Value null at 'item' failed to satisfy "
                        "constraint: Member must not be null");
    p->item = cJSON_Duplicate(item_in, 1);
    if (check_item(req, p->item, 0) != 0) return -1;
    if (ddb_req_item_key(req, t, p->item, 1, &p->hk, &p->rk) != 0) return -1;
    int failed = 0;
    p->old = load_item(req, t, p->hk, p->rk, &failed);
    return failed ? -1 : 0;
}

int ddb_put_item(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    struct ddb_table t;
    struct exprs x;
    struct put_op p;
    memset(&p, 0, sizeof(p));
    memset(&x, 0, sizeof(x));
    int rc = -1, all_old = 0;
    const char *rv;
    cJSON *item = NULL;
    enum ddb_rcc rcc;
    memset(&t, 0, sizeof(t));
    if (ddb_rcc_get(req, in, &rcc) != 0) goto out;
    if (required_table(req, in, &t) != 0) goto out;
    if (jget_obj(req, in, "Item", &item) < 0 || return_values(req, in, 0, &rv) != 0 ||
        rv_on_failure(req, in, &all_old) != 0 ||
        parse_exprs(req, in, "ConditionExpression", NULL, NULL, &x) != 0)
        goto out;
    if (prepare_put(req, &t, item, &p) != 0) goto out;
    if (condition_holds(req, x.cond, p.old, all_old, 1) != 1) goto out;
    if (write_item(req, &t, &p.hk, &p.rk, p.old, p.item) != 0) goto out;
    cJSON *o = cJSON_CreateObject();
    reply_write_capacity(o, rcc, in, &t, p.old, p.item);
    if (strcmp(rv, "ALL_OLD") == 0 && p.old) {
        add_attributes(o, p.old);
        p.old = NULL;
    }
    rc = req_reply_json(req, 200, o);
out:
    put_op_free(&p);
    exprs_free(&x);
    ddb_table_free(&t);
    return rc;
}

/* Reads the Key member of IN for table T. */
static int read_key(struct req *req, cJSON *in, struct ddb_table *t, cJSON **key,
                    struct store_key *hk, struct store_key *rk) {
    *key = NULL;
    if (jget_obj(req, in, "Key", key) < 0) return -1;
    if (*key == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "1 validation error detected: Value null at 'key' failed to satisfy "
                        "constraint: Member must not be null");
    for (cJSON *a = (*key)->child; a; a = a->next) {
        char *err = NULL;
        if (ddb_av_validate(a, &err) != 0) return ddb_fail_msg(req, err);
    }
    return ddb_req_item_key(req, t, *key, 0, hk, rk);
}

int ddb_get_item(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    struct ddb_table t;
    struct exprs x;
    struct store_key hk = {0}, rk = {0};
    memset(&x, 0, sizeof(x));
    int rc = -1;
    cJSON *key;
    int consistent = 0;
    enum ddb_rcc rcc;
    memset(&t, 0, sizeof(t));
    if (ddb_rcc_get(req, in, &rcc) != 0) goto out;
    if (required_table(req, in, &t) != 0) goto out;
    if (jget_bool(req, in, "ConsistentRead", &consistent) < 0 ||
        parse_exprs(req, in, NULL, NULL, "ProjectionExpression", &x) != 0 ||
        read_key(req, in, &t, &key, &hk, &rk) != 0)
        goto out;
    int failed = 0;
    cJSON *item = load_item(req, &t, hk, rk, &failed);
    if (failed) goto out;
    cJSON *o = cJSON_CreateObject();
    if (rcc != DDB_RCC_NONE) {
        struct ddb_cap cap;
        ddb_cap_init(&cap, table_arg(in));
        cap.table_units = ddb_cap_read(item ? ddb_item_size(item) : 0, consistent);
        ddb_cap_reply(o, &cap, rcc);
    }
    if (item) {
        if (x.proj) {
            cJSON *pr = ddb_expr_project(x.proj, item);
            cJSON_Delete(item);
            item = pr;
        }
        cJSON_AddItemToObject(o, "Item", item);
    }
    rc = req_reply_json(req, 200, o);
out:
    ddb_key_free(&hk);
    ddb_key_free(&rk);
    exprs_free(&x);
    ddb_table_free(&t);
    return rc;
}

int ddb_delete_item(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    struct ddb_table t;
    struct exprs x;
    struct store_key hk = {0}, rk = {0};
    memset(&x, 0, sizeof(x));
    int rc = -1, all_old = 0;
    const char *rv;
    cJSON *key, *old = NULL;
    enum ddb_rcc rcc;
    memset(&t, 0, sizeof(t));
    if (ddb_rcc_get(req, in, &rcc) != 0) goto out;
    if (required_table(req, in, &t) != 0) goto out;
    if (return_values(req, in, 0, &rv) != 0 || rv_on_failure(req, in, &all_old) != 0 ||
        parse_exprs(req, in, "ConditionExpression", NULL, NULL, &x) != 0 ||
        read_key(req, in, &t, &key, &hk, &rk) != 0)
        goto out;
    int failed = 0;
    old = load_item(req, &t, hk, rk, &failed);
    if (failed) goto out;
    if (condition_holds(req, x.cond, old, all_old, 1) != 1) goto out;
    if (old && write_item(req, &t, &hk, &rk, old, NULL) != 0) goto out;
    cJSON *o = cJSON_CreateObject();
    reply_write_capacity(o, rcc, in, &t, old, NULL);
    if (strcmp(rv, "ALL_OLD") == 0 && old) {
        add_attributes(o, old);
        old = NULL;
    }
    rc = req_reply_json(req, 200, o);
out:
    cJSON_Delete(old);
    ddb_key_free(&hk);
    ddb_key_free(&rk);
    exprs_free(&x);
    ddb_table_free(&t);
    return rc;
}

/* An update may not leave an empty string or binary in a secondary index
 * key attribute; AWS words it apart from the same mistake in a PutItem.
 * Returns 0, or -1 with the error recorded. */
static int update_index_keys_ok(struct req *req, const struct ddb_table *t, const cJSON *item) {
    for (int i = 0; i < t->nidx; i++) {
        const struct ddb_keydef *kd[2] = {&t->idx[i].hash, &t->idx[i].range};
        for (int k = 0; k < 2; k++) {
            if (kd[k]->type == DDB_T_INVALID) continue;
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, kd[k]->name);
            enum ddb_type ty = ddb_av_type(v);
            if ((ty == DDB_T_S || ty == DDB_T_B) && ty == kd[k]->type && cJSON_IsString(v->child) &&
                v->child->valuestring[0] == '\0')
                return req_fail(req, &AWSERR_DDB_VALIDATION,
                                "One or more parameter values are not valid. The update expression "
                                "attempted to update a secondary index key to a value that is not "
                                "supported. The AttributeValue for a key attribute cannot contain an "
                                "empty %s value.",
                                ty == DDB_T_S ? "string" : "binary");
        }
    }
    return 0;
}

/* Computes the new item of an update: OLD (or the key alone) with the
 * update expression applied; refuses changes to key attributes. */
static cJSON *apply_update(struct req *req, struct ddb_table *t, struct ddb_expr *upd,
                           const cJSON *key, const cJSON *old) {
    cJSON *item = old ? cJSON_Duplicate(old, 1) : cJSON_Duplicate(key, 1);
    if (upd == NULL) return item;
    const char *keys[2] = {t->hash.name, t->range.type != DDB_T_INVALID ? t->range.name : NULL};
    for (int i = 0; i < 2; i++) {
        if (keys[i] && ddb_expr_update_touches(upd, keys[i])) {
            req_fail(req, &AWSERR_DDB_VALIDATION,
                     "One or more parameter values were invalid: Cannot update attribute %s. This "
                     "attribute is part of the key",
                     keys[i]);
            goto fail;
        }
    }
    char *err = NULL;
    /* A new item forgives REMOVE of missing nested paths, as AWS does. */
    int r = old ? ddb_expr_update(upd, item, &err) : ddb_expr_update_new(upd, item, &err);
    if (r != 0) {
        ddb_fail_msg(req, err);
        goto fail;
    }
    if (check_item(req, item, 1) != 0 || update_index_keys_ok(req, t, item) != 0) goto fail;
    return item;
fail:
    cJSON_Delete(item);
    return NULL;
}

int ddb_update_item(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    struct ddb_table t;
    struct exprs x;
    struct store_key hk = {0}, rk = {0};
    memset(&x, 0, sizeof(x));
    int rc = -1, all_old = 0;
    const char *rv;
    cJSON *key, *old = NULL, *item = NULL;
    enum ddb_rcc rcc;
    memset(&t, 0, sizeof(t));
    if (ddb_rcc_get(req, in, &rcc) != 0) goto out;
    if (required_table(req, in, &t) != 0) goto out;
    if (return_values(req, in, 1, &rv) != 0 || rv_on_failure(req, in, &all_old) != 0 ||
        parse_exprs(req, in, "ConditionExpression", "UpdateExpression", NULL, &x) != 0 ||
        read_key(req, in, &t, &key, &hk, &rk) != 0)
        goto out;
    int failed = 0;
    old = load_item(req, &t, hk, rk, &failed);
    if (failed) goto out;
    if (condition_holds(req, x.cond, old, all_old, 1) != 1) goto out;
    item = apply_update(req, &t, x.update, key, old);
    if (item == NULL) goto out;
    if (write_item(req, &t, &hk, &rk, old, item) != 0) goto out;
    cJSON *o = cJSON_CreateObject();
    reply_write_capacity(o, rcc, in, &t, old, item);
    if (strcmp(rv, "ALL_OLD") == 0 && old) add_attributes(o, cJSON_Duplicate(old, 1));
    else if (strcmp(rv, "ALL_NEW") == 0) add_attributes(o, cJSON_Duplicate(item, 1));
    else if (strcmp(rv, "UPDATED_OLD") == 0 && old && x.update)
        add_attributes(o, ddb_expr_update_project(x.update, old));
    else if (strcmp(rv, "UPDATED_NEW") == 0 && x.update)
        add_attributes(o, ddb_expr_update_project(x.update, item));
    rc = req_reply_json(req, 200, o);
out:
    cJSON_Delete(old);
    cJSON_Delete(item);
    ddb_key_free(&hk);
    ddb_key_free(&rk);
    exprs_free(&x);
    ddb_table_free(&t);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Batches                                                              */
/* ------------------------------------------------------------------ */

/* Remembers keys seen in one batch to refuse duplicates. */
struct seen_keys {
    int n;
    char *k[DDB_MAX_BATCH_GET];
};

static int seen_add(struct seen_keys *s, const char *table, struct store_key hk, struct store_key rk) {
    size_t nt = strlen(table);
    char *k = xmalloc(nt + 1 + hk.n * 2 + 1 + rk.n * 2 + 1);
    char *p = k;
    memcpy(p, table, nt + 1);
    p += nt + 1;
    for (size_t i = 0; i < hk.n; i++) p += sprintf(p, "%02x", ((const unsigned char *)hk.p)[i]);
    *p++ = '/';
    for (size_t i = 0; i < rk.n; i++) p += sprintf(p, "%02x", ((const unsigned char *)rk.p)[i]);
    *p = '\0';
    int dup = 0;
    for (int i = 0; i < s->n && !dup; i++)
        dup = strcmp(s->k[i], k) == 0 && strcmp(s->k[i] + nt + 1, k + nt + 1) == 0;
    if (!dup && s->n < DDB_MAX_BATCH_GET) {
        s->k[s->n++] = k;
        k = NULL;
    }
    free(k);
    return dup;
}

static void seen_free(struct seen_keys *s) {
    for (int i = 0; i < s->n; i++) free(s->k[i]);
    s->n = 0;
}

int ddb_batch_write_item(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    cJSON *items = NULL;
    enum ddb_rcc rcc;
    if (ddb_rcc_get(req, in, &rcc) != 0) return -1;
    if (jget_obj(req, in, "RequestItems", &items) < 0) return -1;
    if (items == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "1 validation error detected: Value null at 'requestItems' failed to "
                        "satisfy constraint: Member must not be null");
    int total = 0;
    for (cJSON *tb = items->child; tb; tb = tb->next) {
        if (!cJSON_IsArray(tb) || cJSON_GetArraySize(tb) < 1)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "1 validation error detected: Value '{%s=[]}' at 'requestItems' failed "
                            "to satisfy constraint: Map value must satisfy constraint: [Member must "
                            "have length less than or equal to 25, Member must have length greater "
                            "than or equal to 1]",
                            tb->string);
        total += cJSON_GetArraySize(tb);
    }
    if (total > DDB_MAX_BATCH_WRITE || items->child == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        total > DDB_MAX_BATCH_WRITE
                            ? "Too many items requested for the BatchWriteItem call"
                            : "1 validation error detected: Value '{}' at 'requestItems' failed to "
                              "satisfy constraint: Member must have length greater than or equal to 1");
    struct seen_keys seen = {0};
    struct ddb_caps caps = {.mode = rcc};
    int rc = 0;
    for (cJSON *tb = items->child; tb && rc == 0; tb = tb->next) {
        struct ddb_table t;
        rc = batch_table(req, tb->string, &t);
        for (cJSON *w = tb->child; w && rc == 0; w = w->next) {
            cJSON *put = cJSON_GetObjectItemCaseSensitive(w, "PutRequest");
            cJSON *del = cJSON_GetObjectItemCaseSensitive(w, "DeleteRequest");
            if ((put == NULL) == (del == NULL)) {
                rc = req_fail(req, &AWSERR_DDB_VALIDATION,
                              "Supplied AttributeValue has more than one datatypes set, must "
                              "contain exactly one of the supported datatypes");
                break;
            }
            if (put) {
                struct put_op p;
                rc = prepare_put(req, &t, cJSON_GetObjectItemCaseSensitive(put, "Item"), &p);
                if (rc == 0 && seen_add(&seen, t.name, p.hk, p.rk))
                    rc = req_fail(req, &AWSERR_DDB_VALIDATION, "Provided list of item keys contains duplicates");
                if (rc == 0) rc = write_item(req, &t, &p.hk, &p.rk, p.old, p.item);
                if (rc == 0) ddb_caps_add_write(&caps, tb->string, &t, p.old, p.item, 1);
                put_op_free(&p);
            } else {
                cJSON *key;
                struct store_key hk = {0}, rk = {0};
                rc = read_key(req, del, &t, &key, &hk, &rk);
                if (rc == 0 && seen_add(&seen, t.name, hk, rk))
                    rc = req_fail(req, &AWSERR_DDB_VALIDATION, "Provided list of item keys contains duplicates");
                int failed = 0;
                cJSON *old = rc == 0 ? load_item(req, &t, hk, rk, &failed) : NULL;
                if (failed) rc = -1;
                if (rc == 0 && old) rc = write_item(req, &t, &hk, &rk, old, NULL);
                if (rc == 0) ddb_caps_add_write(&caps, tb->string, &t, old, NULL, 1);
                cJSON_Delete(old);
                ddb_key_free(&hk);
                ddb_key_free(&rk);
            }
        }
        ddb_table_free(&t);
    }
    seen_free(&seen);
    if (rc != 0) {
        ddb_caps_free(&caps);
        return -1;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddObjectToObject(o, "UnprocessedItems");
    ddb_caps_reply(o, &caps, NULL);
    return req_reply_json(req, 200, o);
}

/* BatchGetItem answers at most 16 MB of items; the keys past it come back
 * in UnprocessedKeys (API_BatchGetItem: "A single operation can retrieve
 * up to 16 MB of data"). */
#define DDB_MAX_BATCH_GET_BYTES (16 * 1024 * 1024)

/* Appends AV as AWS's validation messages print an AttributeValue. */
static void av_text(const cJSON *av, char *buf, size_t n) {
    size_t len = strlen(buf);
    const cJSON *v = cJSON_IsObject(av) ? av->child : NULL;
    if (v && v->string && cJSON_IsString(v))
        snprintf(buf + len, n - len, "{%s: %s,}", v->string, v->valuestring);
    else
        snprintf(buf + len, n - len, "{}");
}

/* KEYS (a list of keys) as AWS prints it in a validation message:
 * [{a={S: x,}}, ...]. Cut at N bytes. */
static void keys_text(const cJSON *keys, char *buf, size_t n) {
    snprintf(buf, n, "[");
    for (const cJSON *k = keys->child; k; k = k->next) {
        size_t len = strlen(buf);
        if (len + 64 >= n) break;
        snprintf(buf + len, n - len, "%s{", k == keys->child ? "" : ", ");
        for (const cJSON *a = k->child; a; a = a->next) {
            len = strlen(buf);
            snprintf(buf + len, n - len, "%s%s=", a == k->child ? "" : ", ", a->string ? a->string : "");
            av_text(a, buf, n);
        }
        len = strlen(buf);
        snprintf(buf + len, n - len, "}");
    }
    size_t len = strlen(buf);
    snprintf(buf + len, n - len, "]");
}

/* One table of a BatchGetItem. */
struct bget_table {
    cJSON *spec;       /* borrowed: the table's KeysAndAttributes */
    cJSON *keys;       /* borrowed */
    struct exprs x;
    int consistent;
};

/* The request checks AWS makes before it looks at any table: the Coral
 * constraints, the 100-key limit, then each table's expressions. */
static int bget_check(struct req *req, cJSON *in, cJSON **items_out, enum ddb_rcc *rcc,
                      struct bget_table **tabs_out, int *ntabs) {
    cJSON *items = NULL;
    const char *rccv = NULL;
    *tabs_out = NULL;
    *ntabs = 0;
    if (jget_obj(req, in, "RequestItems", &items) < 0 ||
        jget_str(req, in, "ReturnConsumedCapacity", &rccv) < 0)
        return -1;
    struct vlist vl = {0};
    if (ddb_rcc_parse(rccv, rcc) != 0) vl_add(&vl, rccv, "returnConsumedCapacity", DDB_RCC_ENUM);
    if (items == NULL) vl_add(&vl, NULL, "requestItems", "Member must not be null");
    else if (items->child == NULL)
        vl_add(&vl, "{}", "requestItems", "Member must have length greater than or equal to 1");
    int total = 0, n = 0;
    for (cJSON *tb = items ? items->child : NULL; tb; tb = tb->next, n++) {
        cJSON *keys = cJSON_GetObjectItemCaseSensitive(tb, "Keys");
        /* The value is cut at a whole key, inside what vl_add quotes. */
        char field[600], text[480];
        snprintf(field, sizeof(field), "requestItems.%s.member.keys", tb->string);
        if (!cJSON_IsArray(keys)) {
            vl_add(&vl, NULL, field, "Member must not be null");
            continue;
        }
        int nk = cJSON_GetArraySize(keys);
        keys_text(keys, text, sizeof(text));
        if (nk < 1) vl_add(&vl, text, field, "Member must have length greater than or equal to 1");
        if (nk > DDB_MAX_BATCH_GET) vl_add(&vl, text, field, "Member must have length less than or equal to 100");
        total += nk;
    }
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    if (total > DDB_MAX_BATCH_GET)
        return req_fail(req, &AWSERR_DDB_VALIDATION, "Too many items requested for the BatchGetItem call");
    struct bget_table *tabs = xcalloc((size_t)n, sizeof(*tabs));
    *tabs_out = tabs;
    *ntabs = n;
    *items_out = items;
    int i = 0;
    for (cJSON *tb = items->child; tb; tb = tb->next, i++) {
        tabs[i].spec = tb;
        tabs[i].keys = cJSON_GetObjectItemCaseSensitive(tb, "Keys");
        if (jget_bool(req, tb, "ConsistentRead", &tabs[i].consistent) < 0 ||
            parse_exprs(req, tb, NULL, NULL, "ProjectionExpression", &tabs[i].x) != 0)
            return -1;
    }
    return 0;
}

/* Adds key K of table TB to UNPROCESSED, with the table's other members. */
static void bget_unprocessed(cJSON *unprocessed, const struct bget_table *tb, const cJSON *k) {
    cJSON *e = cJSON_GetObjectItemCaseSensitive(unprocessed, tb->spec->string);
    if (e == NULL) {
        e = cJSON_Duplicate(tb->spec, 1);
        cJSON_ReplaceItemInObjectCaseSensitive(e, "Keys", cJSON_CreateArray());
        cJSON_AddItemToObject(unprocessed, tb->spec->string, e);
    }
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(e, "Keys"), cJSON_Duplicate(k, 1));
}

int ddb_batch_get_item(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    cJSON *items = NULL;
    enum ddb_rcc rcc = DDB_RCC_NONE;
    struct bget_table *tabs = NULL;
    int ntabs = 0, rc = -1;
    cJSON *responses = cJSON_CreateObject(), *unprocessed = cJSON_CreateObject();
    struct seen_keys seen = {0};
    struct ddb_caps caps = {0};
    size_t bytes = 0;
    if (bget_check(req, in, &items, &rcc, &tabs, &ntabs) != 0) goto out;
    caps.mode = rcc;
    rc = 0;
    for (int i = 0; i < ntabs && rc == 0; i++) {
        struct bget_table *tb = &tabs[i];
        const char *tname = tb->spec->string;
        struct ddb_table t;
        rc = batch_table(req, tname, &t);
        cJSON *arr = cJSON_CreateArray();
        for (cJSON *k = tb->keys->child; k && rc == 0; k = k->next) {
            struct store_key hk = {0}, rk = {0};
            cJSON *holder = cJSON_CreateObject(), *key;
            cJSON_AddItemReferenceToObject(holder, "Key", k);
            rc = read_key(req, holder, &t, &key, &hk, &rk);
            cJSON_Delete(holder);
            if (rc == 0 && seen_add(&seen, t.name, hk, rk))
                rc = req_fail(req, &AWSERR_DDB_VALIDATION, "Provided list of item keys contains duplicates");
            int failed = 0;
            cJSON *item = rc == 0 && bytes < DDB_MAX_BATCH_GET_BYTES ? load_item(req, &t, hk, rk, &failed) : NULL;
            if (failed) rc = -1;
            size_t size = item ? ddb_item_size(item) : 0;
            if (rc == 0 && (bytes >= DDB_MAX_BATCH_GET_BYTES || bytes + size > DDB_MAX_BATCH_GET_BYTES)) {
                /* Past the 16 MB: later keys (still checked) wait. */
                bytes = DDB_MAX_BATCH_GET_BYTES;
                bget_unprocessed(unprocessed, tb, k);
                cJSON_Delete(item);
                item = NULL;
            } else if (rc == 0) {
                bytes += size;
                ddb_caps_get(&caps, tname)->table_units += ddb_cap_read(size, tb->consistent);
            }
            if (item) {
                if (tb->x.proj) {
                    cJSON *pr = ddb_expr_project(tb->x.proj, item);
                    cJSON_Delete(item);
                    item = pr;
                }
                cJSON_AddItemToArray(arr, item);
            }
            ddb_key_free(&hk);
            ddb_key_free(&rk);
        }
        cJSON_AddItemToObject(responses, tname, arr);
        ddb_table_free(&t);
    }
out:
    seen_free(&seen);
    for (int i = 0; i < ntabs; i++) exprs_free(&tabs[i].x);
    free(tabs);
    if (rc != 0) {
        cJSON_Delete(responses);
        cJSON_Delete(unprocessed);
        ddb_caps_free(&caps);
        return -1;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "Responses", responses);
    cJSON_AddItemToObject(o, "UnprocessedKeys", unprocessed);
    ddb_caps_reply(o, &caps, NULL);
    return req_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ */
/* Transactions                                                         */
/* ------------------------------------------------------------------ */

enum txn_kind { TXN_PUT, TXN_UPDATE, TXN_DELETE, TXN_CHECK };

struct txn_action {
    enum txn_kind kind;
    struct ddb_table t;
    struct exprs x;
    cJSON *spec;                /* borrowed: the action's object */
    cJSON *item;                /* Put: validated item (owned) */
    struct store_key hk, rk;
    cJSON *old;                 /* owned */
    int all_old;
    int failed_condition;
};

static void txn_free(struct txn_action *a) {
    cJSON_Delete(a->item);
    cJSON_Delete(a->old);
    ddb_key_free(&a->hk);
    ddb_key_free(&a->rk);
    exprs_free(&a->x);
    ddb_table_free(&a->t);
}

/* Hex SHA-256 of the request body, for ClientRequestToken idempotency. */
static void body_hash(struct req *req, char out[65]) {
    struct sha256_ctx ctx;
    uint8_t md[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, req->nbody, (const uint8_t *)req->body);
    sha256_digest(&ctx, sizeof(md), md);
    for (size_t i = 0; i < sizeof(md); i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* Reads transaction item IT into A: its one action, table, expressions,
 * key and current item, refusing a second action on an item in SEEN.
 * Returns 0, or -1 with the error recorded. */
static int txn_read_action(struct req *req, cJSON *it, struct txn_action *a, struct seen_keys *seen) {
    static const char *const kinds[] = {"Put", "Update", "Delete", "ConditionCheck"};
    int found = 0;
    for (int k = 0; k < 4; k++) {
        cJSON *s = cJSON_GetObjectItemCaseSensitive(it, kinds[k]);
        if (s) {
            found++;
            a->kind = (enum txn_kind)k;
            a->spec = s;
        }
    }
    if (found != 1)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "TransactItems can only contain one of Check, Put, Update or Delete");
    if (required_table(req, a->spec, &a->t) != 0 || rv_on_failure(req, a->spec, &a->all_old) != 0 ||
        parse_exprs(req, a->spec, "ConditionExpression", a->kind == TXN_UPDATE ? "UpdateExpression" : NULL,
                    NULL, &a->x) != 0)
        return -1;
    if (a->kind == TXN_CHECK && a->x.cond == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "The ConditionExpression parameter is required for a ConditionCheck");
    int rc;
    if (a->kind == TXN_PUT) {
        struct put_op p;
        rc = prepare_put(req, &a->t, cJSON_GetObjectItemCaseSensitive(a->spec, "Item"), &p);
        a->item = p.item;
        a->hk = p.hk;
        a->rk = p.rk;
        a->old = p.old;
    } else {
        cJSON *key;
        rc = read_key(req, a->spec, &a->t, &key, &a->hk, &a->rk);
        int failed = 0;
        if (rc == 0) a->old = load_item(req, &a->t, a->hk, a->rk, &failed);
        if (failed) rc = -1;
    }
    if (rc == 0 && seen_add(seen, a->t.name, a->hk, a->rk))
        rc = req_fail(req, &AWSERR_DDB_VALIDATION,
                      "Transaction request cannot include multiple operations on one item");
    return rc;
}

/* Reads the N actions of ITEMS into ACTS and checks the aggregate size of
 * what the transaction carries: Put items, the keys of the other actions
 * and the values their expressions bring. Returns 0, or -1 with the error
 * recorded. */
static int txn_read(struct req *req, cJSON *items, struct txn_action *acts, int n) {
    struct seen_keys seen = {0};
    int rc = 0, i = 0;
    for (cJSON *it = items->child; it && rc == 0; it = it->next, i++)
        rc = txn_read_action(req, it, &acts[i], &seen);
    seen_free(&seen);
    size_t total = 0;
    for (i = 0; i < n && rc == 0; i++) {
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(acts[i].spec, "ExpressionAttributeValues");
        total += acts[i].kind == TXN_PUT
                     ? ddb_item_size(acts[i].item)
                     : ddb_item_size(cJSON_GetObjectItemCaseSensitive(acts[i].spec, "Key"));
        if (cJSON_IsObject(vals)) total += ddb_item_size(vals);
    }
    if (rc == 0 && total > DDB_MAX_TRANSACT_SIZE)
        rc = req_fail(req, &AWSERR_DDB_VALIDATION, "Transaction request cannot be larger than 4 MB");
    return rc;
}

/* Evaluates every condition of the N actions ACTS first: nothing is
 * written unless every one holds. Returns 0 when all hold, or -1 with
 * the error recorded (TransactionCanceledException with its reasons). */
static int txn_conditions(struct req *req, struct txn_action *acts, int n) {
    int cancelled = 0;
    for (int i = 0; i < n; i++) {
        int r = condition_holds(req, acts[i].x.cond, acts[i].old, 0, 0);
        if (r < 0) return -1;
        if (r == 0) acts[i].failed_condition = cancelled = 1;
    }
    if (!cancelled) return 0;
    /* 100 actions x "ConditionalCheckFailed, " fits. */
    char codes[4096] = "";
    cJSON *reasons = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        cJSON *r = cJSON_CreateObject();
        if (acts[i].failed_condition) {
            cJSON_AddStringToObject(r, "Code", "ConditionalCheckFailed");
            cJSON_AddStringToObject(r, "Message", "The conditional request failed");
            if (acts[i].all_old && acts[i].old)
                cJSON_AddItemToObject(r, "Item", cJSON_Duplicate(acts[i].old, 1));
        } else {
            cJSON_AddStringToObject(r, "Code", "None");
        }
        cJSON_AddItemToArray(reasons, r);
        size_t len = strlen(codes);
        snprintf(codes + len, sizeof(codes) - len, "%s%s", i ? ", " : "",
                 acts[i].failed_condition ? "ConditionalCheckFailed" : "None");
    }
    req_fail(req, &AWSERR_DDB_TXN_CANCELED,
             "Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", codes);
    req->err_extra = cJSON_CreateObject();
    cJSON_AddItemToObject(req->err_extra, "CancellationReasons", reasons);
    return -1;
}

/* Writes the N actions ACTS, adding their capacity to CAPS. Returns 0, or
 * -1 with the error recorded. */
static int txn_write(struct req *req, struct txn_action *acts, int n, struct ddb_caps *caps) {
    /* Transactional writes cost twice the units of standard ones
     * ("DynamoDB read and write operations"). */
    int rc = 0;
    for (int i = 0; i < n && rc == 0; i++) {
        struct txn_action *a = &acts[i];
        const char *tname = table_arg(a->spec);
        if (a->kind == TXN_PUT) {
            rc = write_item(req, &a->t, &a->hk, &a->rk, a->old, a->item);
            if (rc == 0) ddb_caps_add_write(caps, tname, &a->t, a->old, a->item, 2);
        } else if (a->kind == TXN_DELETE) {
            if (a->old) rc = write_item(req, &a->t, &a->hk, &a->rk, a->old, NULL);
            if (rc == 0) ddb_caps_add_write(caps, tname, &a->t, a->old, NULL, 2);
        } else if (a->kind == TXN_UPDATE) {
            cJSON *key = cJSON_GetObjectItemCaseSensitive(a->spec, "Key");
            cJSON *item = apply_update(req, &a->t, a->x.update, key, a->old);
            if (item == NULL) rc = -1;
            else rc = write_item(req, &a->t, &a->hk, &a->rk, a->old, item);
            if (rc == 0) ddb_caps_add_write(caps, tname, &a->t, a->old, item, 2);
            cJSON_Delete(item);
        } else {
            /* A condition check is charged as a write that leaves the item. */
            ddb_caps_add_write(caps, tname, &a->t, a->old, a->old, 2);
        }
    }
    return rc;
}

int ddb_transact_write_items(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    cJSON *items = NULL;
    const char *token = NULL;
    enum ddb_rcc rcc;
    if (ddb_rcc_get(req, in, &rcc) != 0) return -1;
    if (jget_arr(req, in, "TransactItems", &items) < 0 || jget_str(req, in, "ClientRequestToken", &token) < 0)
        return -1;
    int n = items ? cJSON_GetArraySize(items) : 0;
    if (items == NULL || n < 1 || n > DDB_MAX_TRANSACT) {
        struct vlist vl = {0};
        if (items == NULL) vl_add(&vl, NULL, "transactItems", "Member must not be null");
        else vl_add(&vl, "[...]", "transactItems",
                    n < 1 ? "Member must have length greater than or equal to 1"
                          : "Member must have length less than or equal to 100");
        return vl_fail(req, &vl, &AWSERR_DDB_VALIDATION);
    }
    struct ddb_scope scope = ddb_req_scope(req);
    struct ddb_err err = {0};
    char hash[65];
    if (token) {
        body_hash(req, hash);
        int r = ddb_txn_token_check(&scope, token, hash, &err);
        if (r < 0) return ddb_req_fail(req, &err);
        if (r == 1) return req_reply_json(req, 200, cJSON_CreateObject());
    }
    struct txn_action *acts = xcalloc((size_t)n, sizeof(*acts));
    struct ddb_caps caps = {.mode = rcc};
    int rc = txn_read(req, items, acts, n);
    if (rc == 0) rc = txn_conditions(req, acts, n);
    if (rc == 0) rc = txn_write(req, acts, n, &caps);
    for (int i = 0; i < n; i++) txn_free(&acts[i]);
    free(acts);
    if (rc == 0 && token && ddb_txn_token_save(&scope, token, hash, &err) != 0) rc = ddb_req_fail(req, &err);
    if (rc != 0) {
        ddb_caps_free(&caps);
        return -1;
    }
    cJSON *o = cJSON_CreateObject();
    ddb_caps_reply(o, &caps, "WriteCapacityUnits");
    return req_reply_json(req, 200, o);
}

int ddb_transact_get_items(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    cJSON *items = NULL;
    enum ddb_rcc rcc;
    if (ddb_rcc_get(req, in, &rcc) != 0) return -1;
    if (jget_arr(req, in, "TransactItems", &items) < 0) return -1;
    int n = items ? cJSON_GetArraySize(items) : 0;
    if (items == NULL || n < 1 || n > DDB_MAX_TRANSACT) {
        struct vlist vl = {0};
        if (items == NULL) vl_add(&vl, NULL, "transactItems", "Member must not be null");
        else vl_add(&vl, "[...]", "transactItems",
                    n < 1 ? "Member must have length greater than or equal to 1"
                          : "Member must have length less than or equal to 100");
        return vl_fail(req, &vl, &AWSERR_DDB_VALIDATION);
    }
    cJSON *responses = cJSON_CreateArray();
    struct ddb_caps caps = {.mode = rcc};
    int rc = 0;
    for (cJSON *it = items->child; it && rc == 0; it = it->next) {
        cJSON *get = cJSON_GetObjectItemCaseSensitive(it, "Get");
        if (get == NULL) {
            rc = req_fail(req, &AWSERR_DDB_VALIDATION,
                          "1 validation error detected: Value null at 'transactItems.member.get' "
                          "failed to satisfy constraint: Member must not be null");
            break;
        }
        struct ddb_table t;
        struct exprs x;
        memset(&x, 0, sizeof(x));
        struct store_key hk = {0}, rk = {0};
        cJSON *key;
        rc = required_table(req, get, &t);
        if (rc == 0) rc = parse_exprs(req, get, NULL, NULL, "ProjectionExpression", &x);
        if (rc == 0) rc = read_key(req, get, &t, &key, &hk, &rk);
        int failed = 0;
        cJSON *item = rc == 0 ? load_item(req, &t, hk, rk, &failed) : NULL;
        if (failed) rc = -1;
        /* Transactional reads: two units per 4 KB, always consistent. */
        if (rc == 0) ddb_caps_add_read(&caps, table_arg(get), item, 1, 2);
        cJSON *r = cJSON_CreateObject();
        if (item) {
            if (x.proj) {
                cJSON *pr = ddb_expr_project(x.proj, item);
                cJSON_Delete(item);
                item = pr;
            }
            cJSON_AddItemToObject(r, "Item", item);
        }
        cJSON_AddItemToArray(responses, r);
        ddb_key_free(&hk);
        ddb_key_free(&rk);
        exprs_free(&x);
        ddb_table_free(&t);
    }
    if (rc != 0) {
        cJSON_Delete(responses);
        ddb_caps_free(&caps);
        return -1;
    }
    cJSON *o = cJSON_CreateObject();
    ddb_caps_reply(o, &caps, "ReadCapacityUnits");
    cJSON_AddItemToObject(o, "Responses", responses);
    return req_reply_json(req, 200, o);
}
