/*
 * DynamoDB consumed capacity (see ddb_capacity.h): unit arithmetic, index
 * entry sizes, ReturnConsumedCapacity and the ConsumedCapacity objects.
 * Item sizes are those of ddb_item_size ("Item sizes and formats").
 */
#include "engine/ddb/ddb_capacity.h"

#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Unit arithmetic                                                      */
/* ------------------------------------------------------------------ */

static double units_of(size_t bytes, size_t unit) {
    size_t n = (bytes + unit - 1) / unit;
    return (double)(n ? n : 1);
}

double ddb_cap_read(size_t bytes, int consistent) {
    double u = units_of(bytes, DDB_READ_UNIT_BYTES);
    return consistent ? u : u / 2;
}

double ddb_cap_write(size_t bytes) {
    return units_of(bytes, DDB_WRITE_UNIT_BYTES);
}

double ddb_cap_item_write(size_t old_bytes, size_t new_bytes) {
    return ddb_cap_write(old_bytes > new_bytes ? old_bytes : new_bytes);
}

double ddb_cap_index_write(const struct ddb_cap_entry *before, const struct ddb_cap_entry *after,
                           int key_changed, int entry_changed) {
    if (!before->present && !after->present) return 0;
    if (!before->present) return ddb_cap_write(after->bytes);
    if (!after->present) return ddb_cap_write(before->bytes);
    if (key_changed) return ddb_cap_write(before->bytes) + ddb_cap_write(after->bytes);
    return entry_changed ? ddb_cap_write(after->bytes) : 0;
}

/* ------------------------------------------------------------------ */
/* Index entries                                                        */
/* ------------------------------------------------------------------ */

static int is_key(const struct ddb_keydef *kd, const char *name) {
    return kd->type != DDB_T_INVALID && strcmp(kd->name, name) == 0;
}

/* 1 when attribute NAME is part of IX's entries. */
static int projected(const struct ddb_table *t, const struct ddb_index *ix, const char *name) {
    if (is_key(&t->hash, name) || is_key(&t->range, name) || is_key(&ix->hash, name) ||
        is_key(&ix->range, name))
        return 1;
    const cJSON *pt = ix->projection ? cJSON_GetObjectItemCaseSensitive(ix->projection, "ProjectionType") : NULL;
    if (!cJSON_IsString(pt) || strcmp(pt->valuestring, "ALL") == 0) return 1;
    const cJSON *nonkey = cJSON_GetObjectItemCaseSensitive(ix->projection, "NonKeyAttributes");
    for (const cJSON *n = nonkey ? nonkey->child : NULL; n; n = n->next)
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0) return 1;
    return 0;
}

struct ddb_cap_entry ddb_cap_index_entry(const struct ddb_table *t, const struct ddb_index *ix,
                                         const cJSON *item) {
    struct ddb_cap_entry e = {0, 0};
    if (item == NULL || !cJSON_GetObjectItemCaseSensitive(item, ix->hash.name) ||
        (ix->range.type != DDB_T_INVALID && !cJSON_GetObjectItemCaseSensitive(item, ix->range.name)))
        return e;
    e.present = 1;
    for (const cJSON *a = item->child; a; a = a->next)
        if (a->string && projected(t, ix, a->string)) e.bytes += strlen(a->string) + ddb_av_size(a);
    return e;
}

/* 1 when attribute NAME differs between A and B (either may lack it). */
static int attr_differs(const cJSON *a, const cJSON *b, const char *name) {
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, name);
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, name);
    if (x == NULL || y == NULL) return x != y;
    return !ddb_av_equal(x, y);
}

/* 1 when a projected attribute of IX differs between OLD and NEW. */
static int entry_differs(const struct ddb_table *t, const struct ddb_index *ix, const cJSON *old_item,
                         const cJSON *new_item) {
    for (const cJSON *a = old_item->child; a; a = a->next)
        if (a->string && projected(t, ix, a->string) && attr_differs(old_item, new_item, a->string))
            return 1;
    for (const cJSON *a = new_item->child; a; a = a->next)
        if (a->string && projected(t, ix, a->string) &&
            !cJSON_GetObjectItemCaseSensitive(old_item, a->string))
            return 1;
    return 0;
}

/* ------------------------------------------------------------------ */
/* ReturnConsumedCapacity and ConsumedCapacity                          */
/* ------------------------------------------------------------------ */

int ddb_rcc_parse(const char *v, enum ddb_rcc *out) {
    *out = DDB_RCC_NONE;
    if (v == NULL || strcmp(v, "NONE") == 0) return 0;
    if (strcmp(v, "TOTAL") == 0) *out = DDB_RCC_TOTAL;
    else if (strcmp(v, "INDEXES") == 0) *out = DDB_RCC_INDEXES;
    else return -1;
    return 0;
}

void ddb_cap_init(struct ddb_cap *c, const char *table) {
    memset(c, 0, sizeof(*c));
    snprintf(c->table, sizeof(c->table), "%s", table ? table : "");
}

void ddb_cap_add_index(struct ddb_cap *c, const struct ddb_index *ix, double units) {
    for (int i = 0; i < c->nidx; i++)
        if (strcmp(c->idx[i].name, ix->name) == 0) {
            c->idx[i].units += units;
            return;
        }
    if (c->nidx == DDB_MAX_INDEXES) return;
    snprintf(c->idx[c->nidx].name, sizeof(c->idx[c->nidx].name), "%s", ix->name);
    c->idx[c->nidx].global = ix->global;
    c->idx[c->nidx].units = units;
    c->nidx++;
}

void ddb_cap_add_write(struct ddb_cap *c, const struct ddb_table *t, const cJSON *old_item,
                       const cJSON *new_item, double factor) {
    size_t ob = old_item ? ddb_item_size(old_item) : 0, nb = new_item ? ddb_item_size(new_item) : 0;
    c->table_units += factor * ddb_cap_item_write(ob, nb);
    for (int i = 0; i < t->nidx; i++) {
        const struct ddb_index *ix = &t->idx[i];
        struct ddb_cap_entry before = ddb_cap_index_entry(t, ix, old_item);
        struct ddb_cap_entry after = ddb_cap_index_entry(t, ix, new_item);
        int key_changed = 0, entry_changed = 0;
        if (before.present && after.present) {
            key_changed = attr_differs(old_item, new_item, ix->hash.name) ||
                          (ix->range.type != DDB_T_INVALID && attr_differs(old_item, new_item, ix->range.name));
            entry_changed = entry_differs(t, ix, old_item, new_item);
        }
        double u = ddb_cap_index_write(&before, &after, key_changed, entry_changed);
        if (u > 0) ddb_cap_add_index(c, ix, factor * u);
    }
}

static cJSON *units_obj(double units) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "CapacityUnits", units);
    return o;
}

cJSON *ddb_cap_json(const struct ddb_cap *c, enum ddb_rcc mode, const char *rw_member) {
    double total = c->table_units;
    for (int i = 0; i < c->nidx; i++) total += c->idx[i].units;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "TableName", c->table);
    cJSON_AddNumberToObject(o, "CapacityUnits", total);
    if (rw_member) cJSON_AddNumberToObject(o, rw_member, total);
    if (mode != DDB_RCC_INDEXES) return o;
    cJSON_AddItemToObject(o, "Table", units_obj(c->table_units));
    for (int g = 0; g < 2; g++) {
        cJSON *m = NULL;
        for (int i = 0; i < c->nidx; i++) {
            if (c->idx[i].global != g) continue;
            if (m == NULL) m = cJSON_AddObjectToObject(o, g ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
            cJSON_AddItemToObject(m, c->idx[i].name, units_obj(c->idx[i].units));
        }
    }
    return o;
}

void ddb_cap_reply(cJSON *o, const struct ddb_cap *c, enum ddb_rcc mode) {
    if (mode != DDB_RCC_NONE) cJSON_AddItemToObject(o, "ConsumedCapacity", ddb_cap_json(c, mode, NULL));
}

struct ddb_cap *ddb_caps_get(struct ddb_caps *cs, const char *table) {
    for (int i = 0; i < cs->n; i++)
        if (strcmp(cs->a[i].table, table) == 0) return &cs->a[i];
    if (cs->n == cs->cap) {
        cs->cap = cs->cap ? cs->cap * 2 : 4;
        cs->a = xrealloc(cs->a, (size_t)cs->cap * sizeof(*cs->a));
    }
    ddb_cap_init(&cs->a[cs->n], table);
    return &cs->a[cs->n++];
}

void ddb_caps_add_write(struct ddb_caps *cs, const char *table, const struct ddb_table *t,
                        const cJSON *old_item, const cJSON *new_item, double factor) {
    if (cs->mode != DDB_RCC_NONE) ddb_cap_add_write(ddb_caps_get(cs, table), t, old_item, new_item, factor);
}

void ddb_caps_add_read(struct ddb_caps *cs, const char *table, const cJSON *item, int consistent,
                       double factor) {
    if (cs->mode != DDB_RCC_NONE)
        ddb_caps_get(cs, table)->table_units += factor * ddb_cap_read(item ? ddb_item_size(item) : 0, consistent);
}

void ddb_caps_reply(cJSON *o, struct ddb_caps *cs, const char *rw_member) {
    if (cs->mode != DDB_RCC_NONE) {
        cJSON *l = cJSON_AddArrayToObject(o, "ConsumedCapacity");
        for (int i = 0; i < cs->n; i++) cJSON_AddItemToArray(l, ddb_cap_json(&cs->a[i], cs->mode, rw_member));
    }
    ddb_caps_free(cs);
}

void ddb_caps_free(struct ddb_caps *cs) {
    free(cs->a);
    memset(cs, 0, sizeof(*cs));
}
