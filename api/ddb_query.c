/*
 * DynamoDB Query and Scan: key-condition ranges over the order-preserving
 * keys, indexes and their projections, Limit and the 1 MB page, filters,
 * ExclusiveStartKey / LastEvaluatedKey, Select COUNT, parallel scan
 * segments.
 */
#include "api/aws_error.h"
#include "engine/ddb/ddb_capacity.h"
#include "engine/ddb/ddb_expr.h"
#include "api/ddb_int.h"
#include "api/op.h"
#include "api/validate.h"
#include "base/util.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A Query or Scan page holds at most 1 MB of items, as in AWS. */
#define DDB_MAX_PAGE_BYTES (1024 * 1024)
/* Parallel scan: AWS allows up to 1,000,000 segments. */
#define DDB_MAX_SEGMENTS 1000000

struct read_ctx {
    struct req *req;
    struct ddb_table *t;
    const struct ddb_index *ix;
    struct ddb_expr *filter, *proj;
    int count_only;
    int limit;                 /* items to evaluate; -1 unbounded */
    int segment, segments;     /* scan segments; segments 0 when unused */
    cJSON *items;
    int count, scanned;
    size_t bytes;
    int count_capacity;        /* ReturnConsumedCapacity asked: add read_bytes */
    size_t read_bytes;         /* DynamoDB item (or index entry) sizes read */
    cJSON *last;               /* key attributes of the last evaluated item */
    int stopped;               /* stopped by limit or page size */
    int failed;
    /* Items returned as stored: nothing to filter and nothing to project
     * (no ProjectionExpression; the table, or an index of ProjectionType
     * ALL), so each row's text goes into RAW ("[item,item]") unparsed;
     * the last one's keys are read once, at the end, from RAW at LAST_AT. */
    int verbatim;
    struct ddb_sbuf raw;
    size_t last_at;
};

/* 1 when index IX projects every attribute (ProjectionType ALL). */
static int projects_all(const struct ddb_index *ix) {
    const cJSON *pt = ix->projection ? cJSON_GetObjectItemCaseSensitive(ix->projection, "ProjectionType") : NULL;
    return !cJSON_IsString(pt) || strcmp(pt->valuestring, "ALL") == 0;
}

/* ITEM as index IX projects it (new). */
static cJSON *projected(const struct ddb_table *t, const struct ddb_index *ix, const cJSON *item) {
    if (projects_all(ix)) return cJSON_Duplicate(item, 1);
    const cJSON *nonkey = cJSON_GetObjectItemCaseSensitive(ix->projection, "NonKeyAttributes");
    cJSON *o = cJSON_CreateObject();
    for (const cJSON *a = item->child; a; a = a->next) {
        int keep = strcmp(a->string, t->hash.name) == 0 ||
                   (t->range.type != DDB_T_INVALID && strcmp(a->string, t->range.name) == 0) ||
                   strcmp(a->string, ix->hash.name) == 0 ||
                   (ix->range.type != DDB_T_INVALID && strcmp(a->string, ix->range.name) == 0);
        for (const cJSON *n = nonkey ? nonkey->child : NULL; n && !keep; n = n->next)
            keep = cJSON_IsString(n) && strcmp(n->valuestring, a->string) == 0;
        if (keep) cJSON_AddItemToObject(o, a->string, cJSON_Duplicate(a, 1));
    }
    return o;
}

static void add_key_attr(cJSON *o, const cJSON *item, const struct ddb_keydef *kd) {
    if (kd->type == DDB_T_INVALID || cJSON_GetObjectItemCaseSensitive(o, kd->name)) return;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, kd->name);
    if (v) cJSON_AddItemToObject(o, kd->name, cJSON_Duplicate(v, 1));
}

static uint32_t key_hash(struct store_key k) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < k.n; i++) {
        h ^= ((const unsigned char *)k.p)[i];
        h *= 16777619u;
    }
    return h;
}

static int read_row(void *ctx, const struct store_ddb_row *row) {
    struct read_ctx *c = ctx;
    if (c->segments > 0 && (int)(key_hash(row->hk) % (uint32_t)c->segments) != c->segment) return 0;
    if (c->limit >= 0 && c->scanned >= c->limit) {
        c->stopped = 1;
        return 1;
    }
    if (c->bytes >= DDB_MAX_PAGE_BYTES) {
        c->stopped = 1;
        return 1;
    }
    if (c->verbatim) {
        /* The stored text is the item as cJSON prints it, which is what
         * parsing and printing it again would give. */
        size_t n = strlen(row->item);
        c->scanned++;
        c->count++;
        c->bytes += n;
        ddb_sb_add(&c->raw, c->raw.n ? "," : "[", 1);
        c->last_at = c->raw.n;
        ddb_sb_add(&c->raw, row->item, n);
        return 0;
    }
    cJSON *item = cJSON_Parse(row->item);
    if (item == NULL) return 0;
    int rc = 0;
    c->scanned++;
    c->bytes += strlen(row->item);
    cJSON_Delete(c->last);
    c->last = cJSON_CreateObject();
    add_key_attr(c->last, item, &c->t->hash);
    add_key_attr(c->last, item, &c->t->range);
    if (c->ix) {
        add_key_attr(c->last, item, &c->ix->hash);
        add_key_attr(c->last, item, &c->ix->range);
        cJSON *p = projected(c->t, c->ix, item);
        cJSON_Delete(item);
        item = p;
    }
    /* Capacity counts what was read, before any filter. */
    if (c->count_capacity) c->read_bytes += ddb_item_size(item);
    if (c->filter) {
        char *err = NULL;
        int r = ddb_expr_eval(c->filter, item, &err);
        if (r < 0) {
            c->failed = 1;
            ddb_fail_msg(c->req, err);
            rc = 1;
            goto out;
        }
        if (r == 0) goto out;
    }
    c->count++;
    if (c->count_only) goto out;
    if (c->proj) {
        cJSON *p = ddb_expr_project(c->proj, item);
        cJSON_Delete(item);
        item = p;
    }
    cJSON_AddItemToArray(c->items, item);
    item = NULL;
out:
    cJSON_Delete(item);
    return rc;
}

/* Shared request parts of Query and Scan. */
struct read_req {
    struct ddb_table t;
    const struct ddb_index *ix;
    struct ddb_expr_attrs attrs;
    int attrs_inited;
    struct ddb_expr *key, *filter, *proj;
    cJSON *values;
    int64_t limit;
    int count_only;
    int consistent;
    enum ddb_rcc rcc;
    cJSON *esk;
};

static void read_req_free(struct read_req *r) {
    ddb_expr_free(r->key);
    ddb_expr_free(r->filter);
    ddb_expr_free(r->proj);
    if (r->attrs_inited) ddb_expr_attrs_free(&r->attrs);
    cJSON_Delete(r->values);
    ddb_table_free(&r->t);
}

static int parse_read(struct req *req, cJSON *in, int query, struct read_req *r) {
    memset(r, 0, sizeof(*r));
    const char *name = NULL, *index = NULL, *kt = NULL, *ft = NULL, *pt = NULL, *select = NULL;
    cJSON *names = NULL, *values = NULL;
    int has_limit, consistent = 0;
    r->limit = -1;
    const char *rcc = NULL;
    if (jget_str(req, in, "ReturnConsumedCapacity", &rcc) < 0) return -1;
    static const char *const legacy[] = {"KeyConditions", "QueryFilter", "ScanFilter",
                                         "AttributesToGet", "ConditionalOperator"};
    for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++)
        if (cJSON_GetObjectItemCaseSensitive(in, legacy[i]))
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "sluice does not support the legacy parameter %s; use "
                            "KeyConditionExpression, FilterExpression and ProjectionExpression",
                            legacy[i]);
    if (jget_str(req, in, "TableName", &name) < 0 || jget_str(req, in, "IndexName", &index) < 0 ||
        jget_str(req, in, "KeyConditionExpression", &kt) < 0 ||
        jget_str(req, in, "FilterExpression", &ft) < 0 ||
        jget_str(req, in, "ProjectionExpression", &pt) < 0 || jget_str(req, in, "Select", &select) < 0 ||
        jget_obj(req, in, "ExpressionAttributeNames", &names) < 0 ||
        jget_obj(req, in, "ExpressionAttributeValues", &values) < 0 ||
        (has_limit = jget_int(req, in, "Limit", &r->limit)) < 0 ||
        jget_bool(req, in, "ConsistentRead", &consistent) < 0 ||
        jget_obj(req, in, "ExclusiveStartKey", &r->esk) < 0)
        return -1;
    struct vlist vl = {0};
    if (ddb_rcc_parse(rcc, &r->rcc) != 0) vl_add(&vl, rcc, "returnConsumedCapacity", DDB_RCC_ENUM);
    if (name == NULL) vl_add(&vl, NULL, "tableName", "Member must not be null");
    if (has_limit && r->limit < 1)
        vl_add_num(&vl, (double)r->limit, "limit", "Member must have value greater than or equal to 1");
    if (select && strcmp(select, "ALL_ATTRIBUTES") != 0 && strcmp(select, "ALL_PROJECTED_ATTRIBUTES") != 0 &&
        strcmp(select, "SPECIFIC_ATTRIBUTES") != 0 && strcmp(select, "COUNT") != 0)
        vl_add(&vl, select, "select",
               "Member must satisfy enum value set: [SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    if (!has_limit) r->limit = -1;
    r->consistent = consistent;
    if (query && kt == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "Either the KeyConditions or KeyConditionExpression parameter must be "
                        "specified in the request.");
    char tname[DDB_TABLE_NAME_BUF];
    if (ddb_table_name(req, name, tname) != 0 || ddb_load_table(req, tname, 1, &r->t) != 0) return -1;
    if (index) {
        r->ix = ddb_table_index(&r->t, index);
        if (r->ix == NULL)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "The table does not have the specified index: %s", index);
        if (consistent && r->ix->global)
            return req_fail(req, &AWSERR_DDB_VALIDATION,
                            "Consistent reads are not supported on global secondary indexes");
    }
    if (select && strcmp(select, "ALL_PROJECTED_ATTRIBUTES") == 0 && index == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: Select type "
                        "ALL_PROJECTED_ATTRIBUTES is supported only for index queries or scans");
    if (select && strcmp(select, "SPECIFIC_ATTRIBUTES") != 0 && pt)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "One or more parameter values were invalid: Can not use both expression "
                        "and non-expression parameters in the same request: Non-expression "
                        "parameters: {Select} Expression parameters: {ProjectionExpression}");
    r->count_only = select && strcmp(select, "COUNT") == 0;
    if (names && !kt && !ft && !pt)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "ExpressionAttributeNames can only be specified when using expressions");
    if (values && !kt && !ft)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "ExpressionAttributeValues can only be specified when using expressions");
    if (values) {
        r->values = cJSON_Duplicate(values, 1);
        for (cJSON *v = r->values->child; v; v = v->next) {
            char *err = NULL;
            if (ddb_av_validate(v, &err) != 0) {
                req_fail(req, &AWSERR_DDB_VALIDATION,
                         "ExpressionAttributeValues contains invalid value: %s for key %s",
                         err ? err : "", v->string);
                free(err);
                return -1;
            }
        }
    }
    ddb_expr_attrs_init(&r->attrs, names, r->values);
    r->attrs_inited = 1;
    char *err = NULL;
    /* An empty projection is refused before the key condition is read,
     * as AWS does; the parse gives AWS's message. */
    if (pt && pt[0] == '\0' && (r->proj = ddb_expr_parse(DDB_EXPR_PROJECTION, pt, &r->attrs, &err)) == NULL)
        return ddb_fail_msg(req, err);
    if (kt && (r->key = ddb_expr_parse(DDB_EXPR_KEY_CONDITION, kt, &r->attrs, &err)) == NULL)
        return ddb_fail_msg(req, err);
    if (ft && (r->filter = ddb_expr_parse(DDB_EXPR_FILTER, ft, &r->attrs, &err)) == NULL)
        return ddb_fail_msg(req, err);
    if (pt && (r->proj = ddb_expr_parse(DDB_EXPR_PROJECTION, pt, &r->attrs, &err)) == NULL)
        return ddb_fail_msg(req, err);
    if (ddb_expr_attrs_check(&r->attrs, &err) != 0) return ddb_fail_msg(req, err);
    return 0;
}

/* Encodes KEY attribute NAME of ESK (type TYPE) into K (heap). */
static int esk_part(struct req *req, const cJSON *esk, const struct ddb_keydef *kd, struct store_key *k) {
    k->p = NULL;
    k->n = 0;
    if (kd->type == DDB_T_INVALID) {
        k->p = xmalloc(1);
        return 0;
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(esk, kd->name);
    unsigned char *p;
    size_t n;
    if (v == NULL || ddb_key_encode(v, kd->type, &p, &n) != 0)
        return req_fail(req, &AWSERR_DDB_VALIDATION, "The provided starting key is invalid: The provided key element does not match the schema");
    k->p = p;
    k->n = n;
    return 0;
}

static int set_start(struct req *req, struct read_req *r, struct store_ddb_range *rg) {
    if (r->esk == NULL) return 0;
    for (cJSON *a = r->esk->child; a; a = a->next) {
        char *err = NULL;
        if (ddb_av_validate(a, &err) != 0) return ddb_fail_msg(req, err);
    }
    rg->has_start = 1;
    if (esk_part(req, r->esk, &r->t.hash, &rg->start_hk) != 0 ||
        esk_part(req, r->esk, &r->t.range, &rg->start_rk) != 0)
        return -1;
    if (r->ix) {
        if (esk_part(req, r->esk, &r->ix->hash, &rg->start_ihk) != 0 ||
            esk_part(req, r->esk, &r->ix->range, &rg->start_irk) != 0)
            return -1;
    }
    return 0;
}

static void free_range(struct store_ddb_range *rg) {
    free((void *)rg->hk.p);
    free((void *)rg->lo.p);
    free((void *)rg->hi.p);
    free((void *)rg->start_hk.p);
    free((void *)rg->start_rk.p);
    free((void *)rg->start_ihk.p);
    free((void *)rg->start_irk.p);
}

/* K followed by a 0x00 byte: the smallest key greater than K. */
static struct store_key key_after(const unsigned char *p, size_t n) {
    unsigned char *q = xmalloc(n + 1);
    memcpy(q, p, n);
    q[n] = 0;
    struct store_key k = {q, n + 1};
    return k;
}

static int run_read(struct req *req, cJSON *in, struct read_req *r, struct store_ddb_range *rg,
                    int segment, int segments) {
    struct read_ctx c;
    memset(&c, 0, sizeof(c));
    c.req = req;
    c.t = &r->t;
    c.ix = r->ix;
    c.filter = r->filter;
    c.proj = r->proj;
    c.count_only = r->count_only;
    c.count_capacity = r->rcc != DDB_RCC_NONE;
    c.limit = (int)(r->limit > 0 && r->limit < 1000000000 ? r->limit : -1);
    c.segment = segment;
    c.segments = segments;
    c.items = cJSON_CreateArray();
    c.verbatim = (r->ix == NULL || projects_all(r->ix)) && r->filter == NULL && r->proj == NULL && !r->count_only &&
                 !c.count_capacity;
    rg->table_id = r->t.row.id;
    rg->index = r->ix ? r->ix->name : NULL;
    rg->limit = -1;
    int rc = -1;
    int src = store_ddb_read(rg, read_row, &c);
    if (src != STORE_OK || c.failed) {
        if (!c.failed) ddb_store_fail(req, src);
        goto out;
    }
    if (c.verbatim && c.raw.n) {
        cJSON *item = cJSON_ParseWithLength(c.raw.z + c.last_at, c.raw.n - c.last_at);
        if (item == NULL) abort();   /* stored by ddb_write_item, printed by cJSON */
        c.last = cJSON_CreateObject();
        add_key_attr(c.last, item, &c.t->hash);
        add_key_attr(c.last, item, &c.t->range);
        if (c.ix) {
            add_key_attr(c.last, item, &c.ix->hash);
            add_key_attr(c.last, item, &c.ix->range);
        }
        cJSON_Delete(item);
    }
    cJSON *o = cJSON_CreateObject();
    if (!c.count_only && !c.verbatim) {
        cJSON_AddItemToObject(o, "Items", c.items);
        c.items = NULL;
    }
    cJSON_AddNumberToObject(o, "Count", c.count);
    cJSON_AddNumberToObject(o, "ScannedCount", c.scanned);
    if (r->rcc != DDB_RCC_NONE) {
        /* One rounding per request: the sum of the sizes read, up to the
         * next 4 KB ("DynamoDB read and write operations", Query and Scan). */
        struct ddb_cap cap;
        const cJSON *tn = cJSON_GetObjectItemCaseSensitive(in, "TableName");
        ddb_cap_init(&cap, cJSON_IsString(tn) ? tn->valuestring : r->t.name);
        double units = ddb_cap_read(c.read_bytes, r->consistent);
        if (r->ix) ddb_cap_add_index(&cap, r->ix, units);
        else cap.table_units = units;
        ddb_cap_reply(o, &cap, r->rcc);
    }
    /* Hitting Limit exactly still reports a LastEvaluatedKey, as AWS does. */
    if ((c.stopped || (c.limit >= 0 && c.scanned == c.limit)) && c.last) {
        cJSON_AddItemToObject(o, "LastEvaluatedKey", c.last);
        c.last = NULL;
    }
    if (c.verbatim) {
        ddb_sb_add(&c.raw, c.raw.n ? "]" : "[]", c.raw.n ? 1 : 2);
        rc = req_reply_json_with(req, 200, o, "Items", c.raw.z, c.raw.n);
    } else {
        rc = req_reply_json(req, 200, o);
    }
out:
    cJSON_Delete(c.items);
    cJSON_Delete(c.last);
    free(c.raw.z);
    return rc;
}

/* Refuses an empty string or binary value V (NULL: none) for key KD of a
 * key condition, with AWS's message. Returns 0 or -1. */
static int empty_key_value(struct req *req, const struct ddb_keydef *kd, const cJSON *v) {
    enum ddb_type t = ddb_av_type(v);
    if ((t != DDB_T_S && t != DDB_T_B) || !cJSON_IsString(v->child) || v->child->valuestring[0] != '\0')
        return 0;
    return req_fail(req, &AWSERR_DDB_VALIDATION,
                    "One or more parameter values are not valid. The AttributeValue for a key "
                    "attribute cannot contain an empty %s value. Key: %s",
                    t == DDB_T_S ? "string" : "binary", kd->name);
}

/* Sets the sort key bounds of RG (key type of RK) from the range
 * condition of KC. Returns 0, or -1 with the error recorded. */
static int range_bounds(struct req *req, const struct ddb_key_cond *kc, const struct ddb_keydef *rk,
                        struct store_ddb_range *rg) {
    unsigned char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    int rc = -1;
    if (ddb_key_encode(kc->range_v1, rk->type, &a, &na) != 0 ||
        (kc->range_v2 && ddb_key_encode(kc->range_v2, rk->type, &b, &nb) != 0)) {
        req_fail(req, &AWSERR_DDB_VALIDATION,
                 "One or more parameter values were invalid: Condition parameter type does "
                 "not match schema type");
        goto out;
    }
    /* A bound that keeps A takes it over (A = NULL); the rest is freed. */
    switch (kc->range_op) {
    case DDB_KEY_EQ: rg->lo.p = a; rg->lo.n = na; rg->hi = key_after(a, na); a = NULL; break;
    case DDB_KEY_LT: rg->hi.p = a; rg->hi.n = na; a = NULL; break;
    case DDB_KEY_LE: rg->hi = key_after(a, na); break;
    case DDB_KEY_GT: rg->lo = key_after(a, na); break;
    case DDB_KEY_GE: rg->lo.p = a; rg->lo.n = na; a = NULL; break;
    case DDB_KEY_BETWEEN: {
        int cmp = 0;
        ddb_av_compare(kc->range_v1, kc->range_v2, &cmp);
        if (cmp > 0) {
            req_fail(req, &AWSERR_DDB_VALIDATION,
                     "Invalid KeyConditionExpression: The BETWEEN operator requires upper "
                     "bound to be greater than or equal to lower bound");
            goto out;
        }
        rg->lo.p = a;
        rg->lo.n = na;
        a = NULL;
        rg->hi = key_after(b, nb);
        break;
    }
    case DDB_KEY_BEGINS_WITH: {
        if (rk->type == DDB_T_N) {
            req_fail(req, &AWSERR_DDB_VALIDATION,
                     "Invalid KeyConditionExpression: Incorrect operand type for operator or "
                     "function; operator or function: begins_with, operand type: N");
            goto out;
        }
        rg->lo.p = a;
        rg->lo.n = na;
        /* Upper bound: the prefix with its last non-0xFF byte
         * incremented; none when every byte is 0xFF. */
        size_t m = na;
        while (m > 0 && a[m - 1] == 0xFF) m--;
        if (m > 0) {
            unsigned char *h = xmalloc(m);
            memcpy(h, a, m);
            h[m - 1]++;
            rg->hi.p = h;
            rg->hi.n = m;
        }
        a = NULL;
        break;
    }
    default:
        break;
    }
    rc = 0;
out:
    free(a);
    free(b);
    return rc;
}

int ddb_query(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    struct read_req r;
    struct store_ddb_range rg;
    memset(&rg, 0, sizeof(rg));
    int rc = -1;
    int forward = 1;
    if (jget_bool(req, in, "ScanIndexForward", &forward) < 0) return -1;
    if (parse_read(req, in, 1, &r) != 0) goto out;
    const struct ddb_keydef *hk = r.ix ? &r.ix->hash : &r.t.hash;
    const struct ddb_keydef *rk = r.ix ? &r.ix->range : &r.t.range;
    struct ddb_key_cond kc;
    char *err = NULL;
    if (ddb_expr_key_condition(r.key, hk->name, rk->type != DDB_T_INVALID ? rk->name : NULL, &kc, &err) != 0) {
        ddb_fail_msg(req, err);
        goto out;
    }
    unsigned char *p;
    size_t n;
    if (ddb_key_encode(kc.hash_value, hk->type, &p, &n) != 0) {
        req_fail(req, &AWSERR_DDB_VALIDATION,
                 "One or more parameter values were invalid: Condition parameter type does not "
                 "match schema type");
        goto out;
    }
    rg.hk.p = p;
    rg.hk.n = n;
    if (empty_key_value(req, hk, kc.hash_value) != 0 ||
        (kc.range_name && kc.range_op != DDB_KEY_NONE &&
         (empty_key_value(req, rk, kc.range_v1) != 0 || empty_key_value(req, rk, kc.range_v2) != 0)))
        goto out;
    if (kc.range_name && kc.range_op != DDB_KEY_NONE && range_bounds(req, &kc, rk, &rg) != 0) goto out;
    rg.desc = !forward;
    if (set_start(req, &r, &rg) != 0) goto out;
    if (rg.has_start) {
        /* The start key must lie in the queried partition. */
        struct store_key sk = r.ix ? rg.start_ihk : rg.start_hk;
        if (sk.n != rg.hk.n || memcmp(sk.p, rg.hk.p, sk.n) != 0) {
            req_fail(req, &AWSERR_DDB_VALIDATION,
                     "The provided starting key does not match the range key predicate");
            goto out;
        }
    }
    rc = run_read(req, in, &r, &rg, 0, 0);
out:
    free_range(&rg);
    read_req_free(&r);
    return rc;
}

int ddb_scan(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    struct read_req r;
    struct store_ddb_range rg;
    memset(&rg, 0, sizeof(rg));
    int rc = -1;
    int64_t segment = 0, total = 0;
    int has_seg, has_total;
    if ((has_seg = jget_int(req, in, "Segment", &segment)) < 0 ||
        (has_total = jget_int(req, in, "TotalSegments", &total)) < 0)
        return -1;
    struct vlist vl = {0};
    if (has_seg && segment < 0) vl_add_num(&vl, (double)segment, "segment", "Member must have value greater than or equal to 0");
    if (has_seg && segment > DDB_MAX_SEGMENTS - 1)
        vl_add_num(&vl, (double)segment, "segment", "Member must have value less than or equal to 999999");
    if (has_total && total < 1) vl_add_num(&vl, (double)total, "totalSegments", "Member must have value greater than or equal to 1");
    if (has_total && total > DDB_MAX_SEGMENTS)
        vl_add_num(&vl, (double)total, "totalSegments", "Member must have value less than or equal to 1000000");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    if (has_seg && !has_total)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "The TotalSegments parameter is required but was not present in the "
                        "request when Segment parameter is present");
    if (has_total && !has_seg)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "The Segment parameter is required but was not present in the request "
                        "when parameter TotalSegments is present");
    if (has_seg && segment >= total)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "The Segment parameter is zero-based and must be less than parameter "
                        "TotalSegments: Segment: %lld is not less than TotalSegments: %lld",
                        (long long)segment, (long long)total);
    if (parse_read(req, in, 0, &r) != 0) goto out;
    if (cJSON_GetObjectItemCaseSensitive(in, "KeyConditionExpression")) {
        req_fail(req, &AWSERR_DDB_VALIDATION,
                 "Can not use both expression and non-expression parameters in the same request: "
                 "KeyConditionExpression is not a Scan parameter");
        goto out;
    }
    if (set_start(req, &r, &rg) != 0) goto out;
    rc = run_read(req, in, &r, &rg, (int)segment, has_total ? (int)total : 0);
out:
    free_range(&rg);
    read_req_free(&r);
    return rc;
}
