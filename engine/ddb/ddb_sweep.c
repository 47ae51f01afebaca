/*
 * DynamoDB background work, run by the engine's background thread each
 * tick and whenever the clock moves: trimming stream records past 24
 * hours, rolling shards over after 4 hours, and deleting items whose TTL
 * has passed (REMOVE records with the service's userIdentity). All times
 * are the virtual clock's.
 */
#include "engine/ddb/ddb.h"

#include "base/clock.h"
#include "engine/esm.h"
#include "base/log.h"
#include "base/util.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Expired items deleted per transaction: bounds how long one sweep holds
 * the write lock; the next tick continues. */
#define DDB_TTL_BATCH 500

struct arn_list {
    char (*arn)[512];
    int n, cap;
};

static int collect_arn(void *ctx, const char *arn, const char *table) {
    (void)table;
    struct arn_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->arn = xrealloc(l->arn, (size_t)l->cap * sizeof(*l->arn));
    }
    snprintf(l->arn[l->n++], 512, "%s", arn);
    return 0;
}

static int roll_and_prune(int64_t now) {
    struct arn_list l = {NULL, 0, 0};
    int rc = store_stream_all(collect_arn, &l);
    for (int i = 0; i < l.n && rc == STORE_OK; i++) {
        struct store_stream s;
        if (store_stream_get(l.arn[i], &s) != STORE_OK) continue;
        if (s.enabled) {
            for (int p = 0; p < s.partitions && rc == STORE_OK; p++) {
                struct store_shard open;
                if (store_shard_open(s.arn, p, &open) != STORE_OK) continue;
                if (now - open.created_ms < DDB_SHARD_ROLLOVER_MS) continue;
                int64_t next;
                rc = store_stream_next_seq(s.arn, &next);
                if (rc == STORE_OK) rc = ddb_shard_rollover(s.arn, p, &open, next, now);
            }
        }
        if (rc == STORE_OK) rc = store_shard_prune(s.arn, now - DDB_STREAM_RETENTION_MS);
        store_stream_clear(&s);
    }
    free(l.arn);
    return rc;
}

struct expired {
    char table_id[40];
    unsigned char *hk, *rk;
    size_t nhk, nrk;
};

struct expired_list {
    struct expired *e;
    int n;
};

static int collect_expired(void *ctx, const char *table_id, const struct store_ddb_row *row) {
    struct expired_list *l = ctx;
    struct expired *e = &l->e[l->n++];
    snprintf(e->table_id, sizeof(e->table_id), "%s", table_id);
    e->hk = xmalloc(row->hk.n + 1);
    if (row->hk.n) memcpy(e->hk, row->hk.p, row->hk.n);
    e->nhk = row->hk.n;
    e->rk = xmalloc(row->rk.n + 1);
    if (row->rk.n) memcpy(e->rk, row->rk.p, row->rk.n);
    e->nrk = row->rk.n;
    return l->n == DDB_TTL_BATCH;
}

/* Deletes item E of T if it is still expired under T's current TTL
 * attribute at NOW (ms), or stores its new expiry. An item gone since it
 * was collected is no failure. Returns 0, or -1 when a write failed. */
static int expire_item(struct ddb_table *t, const struct expired *e, int64_t now) {
    struct store_key hk = {e->hk, e->nhk}, rk = {e->rk, e->nrk};
    char *text = NULL;
    int rc = 0;
    if (store_ddb_item_get(t->row.id, hk, rk, &text) == STORE_OK) {
        cJSON *old = cJSON_Parse(text);
        int64_t exp = ddb_item_expiry(t, old);
        if (old && exp >= 0 && exp <= now / 1000) {
            struct ddb_err err = {0};
            if (ddb_write_item(t, &hk, &rk, old, NULL, 1, &err) != 0) rc = -1;
            ddb_err_clear(&err);
        } else if (store_ddb_item_set_expiry(t->row.id, hk, rk, exp) != STORE_OK) {
            rc = -1;
        }
        cJSON_Delete(old);
    }
    free(text);
    return rc;
}

/* expire_item for E in its table, loaded in the table's own scope (no
 * request is involved). A table gone since is no failure. */
static int expire_one(const struct expired *e, int64_t now) {
    struct ddb_scope s;
    char name[256];
    if (store_ddb_table_by_id(e->table_id, s.account, s.region, name) != STORE_OK) return 0;
    struct ddb_err err = {0};
    struct ddb_table t;
    int rc = ddb_table_load(&s, name, 1, &t, &err) == 0 ? expire_item(&t, e, now) : 0;
    ddb_table_free(&t);
    ddb_err_clear(&err);
    return rc;
}

/* Deletes up to DDB_TTL_BATCH expired items. Returns how many were due
 * (DDB_TTL_BATCH means more may be), or -1 when a write failed. */
static int expire_items(int64_t now) {
    int failed = 0, rc = -1;
    struct expired_list l = {xcalloc(DDB_TTL_BATCH, sizeof(struct expired)), 0};
    if (store_ddb_expired(now / 1000, DDB_TTL_BATCH, collect_expired, &l) != STORE_OK) goto out;
    for (int i = 0; i < l.n; i++)
        if (expire_one(&l.e[i], now) != 0) failed = 1;
    rc = failed ? -1 : l.n;
out:
    /* Also the keys collected before a failed read. */
    for (int i = 0; i < l.n; i++) {
        free(l.e[i].hk);
        free(l.e[i].rk);
    }
    free(l.e);
    return rc;
}

void ddb_sweep(void) {
    int64_t now = clock_now_ms();
    /* Trimming and rollover in one transaction; all or nothing. */
    if (store_begin(1) != STORE_OK) return;
    int64_t trimmed = 0;
    int rc = store_record_trim(now - DDB_STREAM_RETENTION_MS, &trimmed);
    if (rc == STORE_OK) rc = roll_and_prune(now);
    if (rc != STORE_OK) {
        store_rollback();
        log_msg(LOG_WARN, "background sweep failed; it will run again");
        return;
    }
    if (store_commit() != STORE_OK) return;
    if (trimmed > 0) log_msg(LOG_DEBUG, "trimmed %lld stream records", (long long)trimmed);
    /* TTL in batches, each its own transaction, until nothing is due, so
     * that a clock advance has deleted everything expired when it returns. */
    for (;;) {
        if (store_begin(1) != STORE_OK) return;
        int due = expire_items(now);
        if (due < 0) {
            store_rollback();
            log_msg(LOG_WARN, "TTL sweep failed; it will run again");
            return;
        }
        if (store_commit() != STORE_OK) return;
        if (due > 0) esm_stream_written();   /* REMOVE records for the pollers */
        if (due < DDB_TTL_BATCH) return;
    }
}
