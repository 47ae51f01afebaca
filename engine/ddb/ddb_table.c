/*
 * DynamoDB tables as the engine uses them (engine/ddb/ddb.h): the scope
 * and error helpers, loading a table (its row, parsed description, key
 * schema, indexes, TTL attribute and stream), the cache of loaded tables
 * that item writes share inside a group-commit batch, and storing,
 * updating and deleting a table row. Called by api/dynamodb.c,
 * api/ddb_items.c, api/ddb_query.c and the sweep.
 */
#include "engine/ddb/ddb.h"

#include "base/util.h"
#include "storage/store.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ */
/* Scope and errors                                                     */
/* ------------------------------------------------------------------ */

struct ddb_scope ddb_scope_make(const char *account, const char *region) {
    struct ddb_scope s;
    snprintf(s.account, sizeof(s.account), "%s", account);
    snprintf(s.region, sizeof(s.region), "%s", region);
    return s;
}

struct store_scope ddb_scope_store(const struct ddb_scope *s) {
    struct store_scope ss = {s->account, s->region};
    return ss;
}

int ddb_err_set(struct ddb_err *e, enum ddb_errkind kind, const char *fmt, ...) {
    assert(kind != DDB_ERR_NONE);
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    free(e->msg);
    e->msg = msg;
    e->kind = kind;
    return -1;
}

int ddb_err_store(struct ddb_err *e, int rc) {
    (void)rc;
    return ddb_err_set(e, DDB_ERR_INTERNAL, "Internal server error");
}

void ddb_err_clear(struct ddb_err *e) {
    free(e->msg);
    e->msg = NULL;
    e->kind = DDB_ERR_NONE;
}

/* ------------------------------------------------------------------ */
/* Key schemas                                                          */
/* ------------------------------------------------------------------ */

enum ddb_type ddb_scalar_type(const char *z) {
    if (z == NULL) return DDB_T_INVALID;
    if (strcmp(z, "S") == 0) return DDB_T_S;
    if (strcmp(z, "N") == 0) return DDB_T_N;
    if (strcmp(z, "B") == 0) return DDB_T_B;
    return DDB_T_INVALID;
}

enum ddb_type ddb_defined_type(const cJSON *defs, const char *name) {
    for (const cJSON *d = defs ? defs->child : NULL; d; d = d->next) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(d, "AttributeName");
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(d, "AttributeType");
        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return ddb_scalar_type(cJSON_IsString(ty) ? ty->valuestring : NULL);
    }
    return DDB_T_INVALID;
}

void ddb_read_key_schema(const cJSON *ks, const cJSON *defs, struct ddb_keydef *hash,
                         struct ddb_keydef *range) {
    memset(hash, 0, sizeof(*hash));
    memset(range, 0, sizeof(*range));
    for (const cJSON *k = ks ? ks->child : NULL; k; k = k->next) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(k, "AttributeName");
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(k, "KeyType");
        if (!cJSON_IsString(n) || !cJSON_IsString(ty)) continue;
        struct ddb_keydef *kd = strcmp(ty->valuestring, "HASH") == 0 ? hash : range;
        snprintf(kd->name, sizeof(kd->name), "%s", n->valuestring);
        kd->type = ddb_defined_type(defs, n->valuestring);
    }
}

/* ------------------------------------------------------------------ */
/* Loading                                                              */
/* ------------------------------------------------------------------ */

void ddb_table_free(struct ddb_table *t) {
    if (t->borrowed) {
        memset(t, 0, sizeof(*t));
        return;
    }
    store_ddb_table_clear(&t->row);
    store_stream_clear(&t->stream);
    cJSON_Delete(t->desc);
    t->desc = NULL;
}

/* Fills T's key schema, indexes and TTL attribute from its row and
 * parsed description. */
static void read_schema(struct ddb_table *t) {
    const cJSON *defs = cJSON_GetObjectItemCaseSensitive(t->desc, "AttributeDefinitions");
    ddb_read_key_schema(cJSON_GetObjectItemCaseSensitive(t->desc, "KeySchema"), defs, &t->hash, &t->range);
    static const char *const kinds[] = {"GlobalSecondaryIndexes", "LocalSecondaryIndexes"};
    for (int g = 0; g < 2; g++) {
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(t->desc, kinds[g]);
        for (const cJSON *ix = arr ? arr->child : NULL; ix && t->nidx < DDB_MAX_INDEXES; ix = ix->next) {
            struct ddb_index *d = &t->idx[t->nidx++];
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(ix, "IndexName");
            snprintf(d->name, sizeof(d->name), "%s", cJSON_IsString(n) ? n->valuestring : "");
            d->global = g == 0;
            ddb_read_key_schema(cJSON_GetObjectItemCaseSensitive(ix, "KeySchema"), defs, &d->hash, &d->range);
            d->projection = cJSON_GetObjectItemCaseSensitive(ix, "Projection");
        }
    }
    if (t->row.ttl) {
        cJSON *ttl = cJSON_Parse(t->row.ttl);
        const cJSON *en = ttl ? cJSON_GetObjectItemCaseSensitive(ttl, "Enabled") : NULL;
        const cJSON *an = ttl ? cJSON_GetObjectItemCaseSensitive(ttl, "AttributeName") : NULL;
        if (cJSON_IsTrue(en) && cJSON_IsString(an))
            snprintf(t->ttl_attr, sizeof(t->ttl_attr), "%s", an->valuestring);
        cJSON_Delete(ttl);
    }
}

void ddb_table_reread(struct ddb_table *t) {
    assert(!t->borrowed);
    memset(t->idx, 0, sizeof(t->idx));
    t->nidx = 0;
    t->ttl_attr[0] = '\0';
    read_schema(t);
}

/* Loads table NAME of S from storage into T (owned). */
static int table_read(const struct ddb_scope *s, const char *name, int item_op, struct ddb_table *t,
                      struct ddb_err *err) {
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->scope = *s;
    int rc = store_ddb_table_get(ddb_scope_store(s), name, &t->row);
    if (rc == STORE_NOTFOUND) {
        if (item_op) return ddb_err_set(err, DDB_ERR_NOT_FOUND, "Requested resource not found");
        return ddb_err_set(err, DDB_ERR_NOT_FOUND, "Requested resource not found: Table: %s not found", name);
    }
    if (rc != STORE_OK) return ddb_err_store(err, rc);
    t->desc = cJSON_Parse(t->row.desc);
    if (t->desc == NULL) return ddb_err_store(err, STORE_ERR);
    read_schema(t);
    if (t->row.stream_arn) {
        rc = store_stream_get(t->row.stream_arn, &t->stream);
        if (rc == STORE_OK) t->stream_on = t->stream.enabled;
        else if (rc != STORE_NOTFOUND) return ddb_err_store(err, rc);
    }
    return 0;
}

/*
 * Tables as item writes see them. Every item write loaded its table (a
 * row, its description parsed from JSON, its stream row): about a
 * quarter of a streamed PutItem. Item writes run as group-commit jobs
 * (store_group_run), serialised with every other write, and they never
 * change a table; a table changes only in a write transaction of its own
 * (store_begin(1)), which moves store_write_epoch(). So an entry is good
 * for as long as the epoch it was read at, and needs no lock: only jobs
 * touch the cache. Entries hold the table; jobs get shallow copies.
 */

/* Tables kept: one per table being written to at once is plenty; a miss
 * costs only the load the cache saves. */
#define DDB_TABLE_CACHE 8

struct table_slot {
    int used;
    uint64_t epoch;
    uint64_t job;      /* the last job given a copy: not evicted during it */
    struct ddb_table t;
};

static struct table_slot table_cache[DDB_TABLE_CACHE];
static unsigned table_cache_next;
static uint64_t table_cache_job;   /* counts group jobs (ddb_table_job_begin) */

void ddb_table_job_begin(void) {
    assert(store_in_group());
    table_cache_job++;
}

static int same_scope(const struct ddb_scope *a, const struct ddb_scope *b) {
    return strcmp(a->account, b->account) == 0 && strcmp(a->region, b->region) == 0;
}

static int table_cached(const struct ddb_scope *s, const char *name, struct ddb_table *t,
                        struct ddb_err *err) {
    uint64_t epoch = store_write_epoch();
    for (int i = 0; i < DDB_TABLE_CACHE; i++) {
        struct table_slot *e = &table_cache[i];
        if (e->used && e->epoch == epoch && strcmp(e->t.name, name) == 0 && same_scope(&e->t.scope, s)) {
            *t = e->t;
            t->borrowed = 1;
            e->job = table_cache_job;
            return 0;
        }
    }
    if (table_read(s, name, 1, t, err) != 0) return -1;
    /* A slot whose table no copy of this job may still use (a
     * transaction can name more tables than there are slots); with none,
     * T stays the caller's own. */
    struct table_slot *e = NULL;
    for (int i = 0; i < DDB_TABLE_CACHE && e == NULL; i++) {
        struct table_slot *c = &table_cache[table_cache_next++ % DDB_TABLE_CACHE];
        if (!c->used || c->job != table_cache_job) e = c;
    }
    if (e == NULL) return 0;
    if (e->used) ddb_table_free(&e->t);
    e->used = 1;
    e->epoch = epoch;
    e->job = table_cache_job;
    e->t = *t;
    t->borrowed = 1;
    return 0;
}

int ddb_table_load(const struct ddb_scope *s, const char *name, int item_op, struct ddb_table *t,
                   struct ddb_err *err) {
    if (item_op && store_in_group()) return table_cached(s, name, t, err);
    return table_read(s, name, item_op, t, err);
}

const struct ddb_index *ddb_table_index(const struct ddb_table *t, const char *name) {
    for (int i = 0; i < t->nidx; i++)
        if (strcmp(t->idx[i].name, name) == 0) return &t->idx[i];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Storing                                                              */
/* ------------------------------------------------------------------ */

int ddb_table_insert(struct ddb_table *t, struct ddb_err *err) {
    assert(!t->borrowed);
    free(t->row.desc);
    t->row.desc = cJSON_PrintUnformatted(t->desc);
    int rc = store_ddb_table_put(ddb_scope_store(&t->scope), t->name, &t->row, 1);
    if (rc == STORE_CONFLICT) return ddb_err_set(err, DDB_ERR_IN_USE, "Table already exists: %s", t->name);
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}

int ddb_table_save(struct ddb_table *t, struct ddb_err *err) {
    assert(!t->borrowed);
    free(t->row.desc);
    t->row.desc = cJSON_PrintUnformatted(t->desc);
    int rc = store_ddb_table_put(ddb_scope_store(&t->scope), t->name, &t->row, 0);
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}

int ddb_table_delete(struct ddb_table *t, struct ddb_err *err) {
    if (ddb_stream_disable(t, err) != 0) return -1;
    int rc = store_ddb_table_delete(ddb_scope_store(&t->scope), t->name, t->row.id);
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}
