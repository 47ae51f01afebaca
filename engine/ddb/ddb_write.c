/*
 * The DynamoDB write path (engine/ddb/ddb.h): item checks, TTL expiry,
 * index entries, and ddb_write_item, which writes an item row, its index
 * entries and its stream record in the caller's transaction; also the TTL
 * re-indexing after UpdateTimeToLive and the ClientRequestToken records of
 * TransactWriteItems. Called by api/ddb_items.c, api/dynamodb.c and the
 * sweep (ddb_sweep.c).
 */
#include "engine/ddb/ddb.h"

#include "base/clock.h"
#include "engine/ddb/ddb_num.h"
#include "base/util.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* TTL values older than five years are not expiry times, as in AWS. */
#define DDB_TTL_MAX_PAST_S (5LL * 365 * 24 * 3600)
/* ClientRequestToken idempotency window: 10 minutes. */
#define DDB_TOKEN_WINDOW_MS (10LL * 60 * 1000)
/* "Attribute names must be at least one character long and less than
 * 64 KB in size" (Amazon DynamoDB Developer Guide, "Supported data types
 * and naming rules in Amazon DynamoDB"). */
#define DDB_MAX_ATTR_NAME (64 * 1024 - 1)

/* ------------------------------------------------------------------ */
/* Item checks                                                          */
/* ------------------------------------------------------------------ */

int ddb_check_item(cJSON *item, int for_update, struct ddb_err *err) {
    for (cJSON *a = item->child; a; a = a->next) {
        size_t nname = strlen(a->string);
        if (nname == 0)
            return ddb_err_set(err, DDB_ERR_VALIDATION,
                               "One or more parameter values were invalid: An attribute name cannot be empty");
        if (nname > DDB_MAX_ATTR_NAME)
            return ddb_err_set(err, DDB_ERR_VALIDATION,
                               "One or more parameter values were invalid: An attribute name exceeds the "
                               "maximum size of %d bytes",
                               DDB_MAX_ATTR_NAME);
        char *msg = NULL;
        if (ddb_av_validate(a, &msg) != 0) {
            ddb_err_set(err, DDB_ERR_VALIDATION, "%s", msg ? msg : "Invalid request");
            free(msg);
            return -1;
        }
    }
    if (ddb_item_size(item) > DDB_MAX_ITEM_SIZE)
        return ddb_err_set(err, DDB_ERR_VALIDATION,
                           for_update ? "Item size to update has exceeded the maximum allowed size"
                                      : "Item size has exceeded the maximum allowed size");
    return 0;
}

int64_t ddb_item_expiry(const struct ddb_table *t, const cJSON *item) {
    if (t->ttl_attr[0] == '\0' || item == NULL) return -1;
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, t->ttl_attr);
    if (ddb_av_type(av) != DDB_T_N) return -1;
    struct ddb_num n;
    const char *err;
    if (ddb_num_parse(av->child->valuestring, &n, &err) != 0 || n.neg || n.ndigits == 0) return -1;
    /* Whole seconds: the integer part; values past year 10000 never expire. */
    if (n.exp > 12) return -1;
    int64_t v = 0;
    for (int i = 0; i < n.exp; i++) v = v * 10 + (i < n.ndigits ? n.digits[i] : 0);
    /* AWS ignores expiry times more than five years in the past (they are
     * taken as not being epoch seconds at all). */
    if (v < clock_now_ms() / 1000 - DDB_TTL_MAX_PAST_S) return -1;
    return v;
}

/* The entry of ITEM in index X: 1 with *IHK / *IRK set (heap buffers,
 * IRK empty without a range key), 0 when ITEM lacks one of X's key
 * attributes, -1 with ERR set (VALIDATION) when a key attribute has
 * another type than X's, is empty, or is too long. */
static int index_entry(const struct ddb_index *x, const cJSON *item, struct store_key *ihk,
                       struct store_key *irk, struct ddb_err *err) {
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(item, x->hash.name);
    const cJSON *r = x->range.type != DDB_T_INVALID ? cJSON_GetObjectItemCaseSensitive(item, x->range.name) : NULL;
    if (h == NULL || (x->range.type != DDB_T_INVALID && r == NULL)) return 0;
    const struct ddb_keydef *bad = ddb_av_type(h) != x->hash.type ? &x->hash
                                   : (r && ddb_av_type(r) != x->range.type) ? &x->range
                                                                          : NULL;
    if (bad) {
        const cJSON *v = bad == &x->hash ? h : r;
        return ddb_err_set(err, DDB_ERR_VALIDATION,
                           "One or more parameter values were invalid: Type mismatch for Index "
                           "Key %s Expected: %s Actual: %s IndexName: %s",
                           bad->name, ddb_type_name(bad->type), ddb_type_name(ddb_av_type(v)), x->name);
    }
    /* Index keys follow the table key rules: not empty, 2048 / 1024 bytes. */
    const cJSON *kv[2] = {h, r};
    const struct ddb_keydef *kd[2] = {&x->hash, &x->range};
    for (int k = 0; k < 2; k++) {
        if (kv[k] == NULL || kd[k]->type == DDB_T_N) continue;
        size_t bytes = 0;
        if (kd[k]->type == DDB_T_B) {
            unsigned char *d = util_b64_decode(kv[k]->child->valuestring, strlen(kv[k]->child->valuestring), &bytes);
            free(d);
        } else {
            bytes = strlen(kv[k]->child->valuestring);
        }
        const char *why = bytes == 0 ? "empty" : (k == 0 && bytes > DDB_MAX_HASH_BYTES) ||
                                                     (k == 1 && bytes > DDB_MAX_RANGE_BYTES) ? "size" : NULL;
        if (why == NULL) continue;
        if (why[0] == 'e')
            return ddb_err_set(err, DDB_ERR_VALIDATION,
                               "One or more parameter values are not valid. A value specified for a "
                               "secondary index key is not supported. The AttributeValue for a key "
                               "attribute cannot contain an empty %s value. IndexName: %s, IndexKey: %s",
                               kd[k]->type == DDB_T_S ? "string" : "binary", x->name, kd[k]->name);
        return ddb_err_set(err, DDB_ERR_VALIDATION,
                           k == 0 ? "One or more parameter values were invalid: Size of hashkey has "
                                    "exceeded the maximum size limit of2048 bytes"
                                  : "One or more parameter values were invalid: Aggregated size of all "
                                    "range keys has exceeded the size limit of 1024 bytes");
    }
    unsigned char *p;
    size_t np;
    if (ddb_key_encode(h, x->hash.type, &p, &np) != 0) return 0;
    ihk->p = p;
    ihk->n = np;
    if (r) {
        if (ddb_key_encode(r, x->range.type, &p, &np) != 0) {
            ddb_key_free(ihk);
            return 0;
        }
        irk->p = p;
        irk->n = np;
    } else {
        irk->p = xmalloc(1);
        irk->n = 0;
    }
    return 1;
}

/* Index entries of ITEM for every index whose keys it carries. */
static int index_entries(const struct ddb_table *t, const cJSON *item, struct store_key *ihk,
                         struct store_key *irk, const char **names, int *n, struct ddb_err *err) {
    *n = 0;
    for (int i = 0; i < t->nidx; i++) {
        int rc = index_entry(&t->idx[i], item, &ihk[*n], &irk[*n], err);
        if (rc < 0) goto fail;
        if (rc == 0) continue;
        names[*n] = t->idx[i].name;
        (*n)++;
    }
    return 0;
fail:
    /* The entries built so far are the caller's only on success. */
    for (int j = 0; j < *n; j++) {
        ddb_key_free(&ihk[j]);
        ddb_key_free(&irk[j]);
    }
    *n = 0;
    return -1;
}

/* 1 when items A and B (either may be NULL) hold the same attributes. */
static int same_item(const cJSON *a, const cJSON *b) {
    if (a == NULL || b == NULL) return a == b;
    if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) return 0;
    for (const cJSON *x = a->child; x; x = x->next) {
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
        if (y == NULL || !ddb_av_equal(x, y)) return 0;
    }
    return 1;
}

/* Writes the item row (TEXT, NEW_ITEM printed; NULL deletes it) and its
 * index entries. Returns 0, or -1 with the error recorded. */
static int write_rows(struct ddb_table *t, const struct store_key *hk, const struct store_key *rk,
                      const cJSON *new_item, const char *text, struct ddb_err *err) {
    int rc;
    if (new_item) {
        rc = store_ddb_item_put(t->row.id, *hk, *rk, text, ddb_item_size(new_item),
                                ddb_item_expiry(t, new_item));
    } else {
        rc = store_ddb_item_delete(t->row.id, *hk, *rk);
        if (rc == STORE_NOTFOUND) rc = STORE_OK;
    }
    if (rc != STORE_OK) return ddb_err_store(err, rc);
    if (t->nidx > 0) {
        struct store_key ihk[DDB_MAX_INDEXES], irk[DDB_MAX_INDEXES];
        const char *names[DDB_MAX_INDEXES];
        int n = 0;
        if (new_item && index_entries(t, new_item, ihk, irk, names, &n, err) != 0) return -1;
        rc = store_ddb_index_set(t->row.id, *hk, *rk, n, names, ihk, irk);
        for (int i = 0; i < n; i++) {
            ddb_key_free(&ihk[i]);
            ddb_key_free(&irk[i]);
        }
        if (rc != STORE_OK) return ddb_err_store(err, rc);
    }
    return 0;
}

int ddb_write_item(struct ddb_table *t, const struct store_key *hk, const struct store_key *rk,
                   const cJSON *old_item, const cJSON *new_item, int ttl_delete, struct ddb_err *err) {
    if (same_item(old_item, new_item)) return 0;  /* no change, no record */
    /* NEW_ITEM as stored, reused for its stream record. */
    char *text = new_item ? cJSON_PrintUnformatted(new_item) : NULL;
    if (new_item && text == NULL) abort();
    int out = write_rows(t, hk, rk, new_item, text, err);
    if (out == 0 && t->stream_on) out = ddb_stream_append(t, hk, text, old_item, new_item, ttl_delete, err);
    free(text);
    return out;
}

/* ------------------------------------------------------------------ */
/* TTL                                                                  */
/* ------------------------------------------------------------------ */

/* A heap copy of K, freed with ddb_key_free. */
static struct store_key key_dup(struct store_key k) {
    unsigned char *p = xmalloc(k.n + 1);
    if (k.n) memcpy(p, k.p, k.n);
    struct store_key d = {p, k.n};
    return d;
}

struct reindex_ctx {
    struct ddb_table *t;
    struct reindex_row *rows;
    size_t n, cap;
};

struct reindex_row {
    struct store_key hk, rk;   /* owned (key_dup) */
    int64_t expires;
};

static int reindex_collect(void *ctx, const struct store_ddb_row *row) {
    struct reindex_ctx *c = ctx;
    cJSON *item = cJSON_Parse(row->item);
    int64_t exp = item ? ddb_item_expiry(c->t, item) : -1;
    cJSON_Delete(item);
    if (exp < 0) return 0;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->rows = xrealloc(c->rows, c->cap * sizeof(*c->rows));
    }
    struct reindex_row *r = &c->rows[c->n++];
    r->hk = key_dup(row->hk);
    r->rk = key_dup(row->rk);
    r->expires = exp;
    return 0;
}

int ddb_ttl_reindex(struct ddb_table *t, const char *attr, struct ddb_err *err) {
    snprintf(t->ttl_attr, sizeof(t->ttl_attr), "%s", attr);
    struct reindex_ctx c = {t, NULL, 0, 0};
    struct store_ddb_range r;
    memset(&r, 0, sizeof(r));
    r.table_id = t->row.id;
    r.limit = -1;
    /* Collect first, then update: SQLite leaves it undefined whether a
     * scan sees rows its own connection modifies during the scan. */
    int rc = store_ddb_read(&r, reindex_collect, &c);
    for (size_t i = 0; i < c.n; i++) {
        if (rc == STORE_OK) rc = store_ddb_item_set_expiry(t->row.id, c.rows[i].hk, c.rows[i].rk, c.rows[i].expires);
        ddb_key_free(&c.rows[i].hk);
        ddb_key_free(&c.rows[i].rk);
    }
    free(c.rows);
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}

/* Items the backfill reads per step: a bounded amount of memory for
 * keys between a read and its writes, whatever the table's size. */
#define DDB_BACKFILL_STEP 1000

/* The entries one backfill step found, and where the step ended. */
struct backfill_ctx {
    const struct ddb_index *x;
    struct store_key ihk[DDB_BACKFILL_STEP], irk[DDB_BACKFILL_STEP];
    struct store_key hk[DDB_BACKFILL_STEP], rk[DDB_BACKFILL_STEP];
    int n, rows;
    struct store_key last_hk, last_rk;   /* owned */
};

static int backfill_collect(void *ctx, const struct store_ddb_row *row) {
    struct backfill_ctx *c = ctx;
    c->rows++;
    ddb_key_free(&c->last_hk);
    ddb_key_free(&c->last_rk);
    c->last_hk = key_dup(row->hk);
    c->last_rk = key_dup(row->rk);
    cJSON *item = cJSON_Parse(row->item);
    struct ddb_err skip = {0};
    /* An item whose key attribute is of another type (or empty, or too
     * long) is left out of the index: DynamoDB's backfill does not fail
     * on such an "index key violation" (DynamoDB Developer Guide,
     * "Detecting and correcting index key violations"). */
    int rc = item ? index_entry(c->x, item, &c->ihk[c->n], &c->irk[c->n], &skip) : 0;
    ddb_err_clear(&skip);
    cJSON_Delete(item);
    if (rc == 1) {
        c->hk[c->n] = key_dup(row->hk);
        c->rk[c->n] = key_dup(row->rk);
        c->n++;
    }
    return 0;
}

int ddb_index_backfill(struct ddb_table *t, const char *name, struct ddb_err *err) {
    const struct ddb_index *x = ddb_table_index(t, name);
    if (x == NULL) return ddb_err_set(err, DDB_ERR_INTERNAL, "Internal server error");
    struct backfill_ctx *c = xcalloc(1, sizeof(*c));
    c->x = x;
    int rc = STORE_OK, more = 1;
    while (rc == STORE_OK && more) {
        struct store_ddb_range r;
        memset(&r, 0, sizeof(r));
        r.table_id = t->row.id;
        r.limit = DDB_BACKFILL_STEP;
        if (c->last_hk.p) {
            r.has_start = 1;
            r.start_hk = c->last_hk;
            r.start_rk = c->last_rk;
        }
        c->n = c->rows = 0;
        /* Read a step, then write it: SQLite leaves it undefined whether
         * a scan sees rows its own connection adds during the scan. */
        rc = store_ddb_read(&r, backfill_collect, c);
        for (int i = 0; i < c->n; i++) {
            if (rc == STORE_OK) rc = store_ddb_index_put(t->row.id, x->name, c->ihk[i], c->irk[i], c->hk[i], c->rk[i]);
            ddb_key_free(&c->ihk[i]);
            ddb_key_free(&c->irk[i]);
            ddb_key_free(&c->hk[i]);
            ddb_key_free(&c->rk[i]);
        }
        more = c->rows == DDB_BACKFILL_STEP;
    }
    ddb_key_free(&c->last_hk);
    ddb_key_free(&c->last_rk);
    free(c);
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}

int ddb_index_drop(struct ddb_table *t, const char *name, struct ddb_err *err) {
    int rc = store_ddb_index_drop(t->row.id, name);
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}

int ddb_txn_token_check(const struct ddb_scope *s, const char *token, const char *hash,
                        struct ddb_err *err) {
    char *stored = NULL;
    int64_t created = 0;
    int rc = store_ddb_token_get(ddb_scope_store(s), token, &stored, &created);
    if (rc == STORE_NOTFOUND) return 0;
    if (rc != STORE_OK) return ddb_err_store(err, rc);
    int same = strcmp(stored, hash) == 0;
    free(stored);
    if (clock_now_ms() - created > DDB_TOKEN_WINDOW_MS) return 0;
    if (same) return 1;
    return ddb_err_set(err, DDB_ERR_IDEMPOTENT,
                       "The request uses the same client token as a previous, but non-identical request.");
}

int ddb_txn_token_save(const struct ddb_scope *s, const char *token, const char *hash,
                       struct ddb_err *err) {
    int rc = store_ddb_token_put(ddb_scope_store(s), token, hash, clock_now_ms());
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}

