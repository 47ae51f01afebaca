/*
 * Stream records produced by writes, inside the writing transaction: one
 * record per effective change, appended to the open shard of the key's
 * partition, with the images the stream's view type asks for. Also the
 * creation of a stream (UpdateTable / CreateTable) with its first shards,
 * and shard rollover after DDB_SHARD_ROLLOVER_MS of clock time.
 */
#include "engine/ddb/ddb.h"

#include "base/clock.h"
#include "base/util.h"
#include "storage/store.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void shard_id(int64_t ms, char *buf, size_t n) {
    char u[37];
    util_uuid(u);
    snprintf(buf, n, "shardId-%020lld-%.8s", (long long)ms, u);
}

/* FNV-1a over the encoded partition key: stable across restarts. */
static int partition_of(const struct store_key *hk, int partitions) {
    uint32_t h = 2166136261u;
    const unsigned char *p = hk->p;
    for (size_t i = 0; i < hk->n; i++) {
        h ^= p[i];
        h *= 16777619u;
    }
    return partitions > 1 ? (int)(h % (uint32_t)partitions) : 0;
}

static int new_shard(const char *arn, int partition, const char *parent, int64_t start_seq,
                     int64_t now, struct ddb_err *err) {
    struct store_shard sh;
    memset(&sh, 0, sizeof(sh));
    shard_id(now, sh.shard_id, sizeof(sh.shard_id));
    snprintf(sh.parent_id, sizeof(sh.parent_id), "%s", parent ? parent : "");
    sh.partition = partition;
    sh.created_ms = now;
    sh.start_seq = start_seq;
    sh.end_seq = -1;
    int rc = store_shard_insert(arn, &sh);
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}

int ddb_stream_create(struct ddb_table *t, const char *view_type, struct ddb_err *err) {
    assert(!t->borrowed);
    int64_t now = clock_now_ms();
    struct store_stream s;
    char label[32];
    /* Every enable makes a new ARN; two in one millisecond would collide. */
    for (;;) {
        time_t secs = (time_t)(now / 1000);
        struct tm tm;
        gmtime_r(&secs, &tm);
        char base[24];
        strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
        snprintf(label, sizeof(label), "%s.%03d", base, (int)(now % 1000));
        char arn[512];
        snprintf(arn, sizeof(arn), "arn:aws:dynamodb:%s:%s:table/%s/stream/%s", t->scope.region,
                 t->scope.account, t->name, label);
        int rc = store_stream_get(arn, &s);
        store_stream_clear(&s);
        if (rc == STORE_NOTFOUND) {
            snprintf(s.arn, sizeof(s.arn), "%s", arn);
            break;
        }
        if (rc != STORE_OK) return ddb_err_store(err, rc);
        now++;
    }
    snprintf(s.account, sizeof(s.account), "%s", t->scope.account);
    snprintf(s.region, sizeof(s.region), "%s", t->scope.region);
    snprintf(s.table_name, sizeof(s.table_name), "%s", t->name);
    snprintf(s.table_id, sizeof(s.table_id), "%s", t->row.id);
    snprintf(s.label, sizeof(s.label), "%s", label);
    snprintf(s.view_type, sizeof(s.view_type), "%s", view_type);
    const cJSON *ks = cJSON_GetObjectItemCaseSensitive(t->desc, "KeySchema");
    s.key_schema = ks ? cJSON_PrintUnformatted(ks) : xstrdup("[]");
    s.enabled = 1;
    s.created_ms = now;
    s.partitions = t->row.partitions > 0 ? t->row.partitions : 1;
    s.next_seq = 1;
    int ok = -1;
    int rc = store_stream_put(&s, 1);
    if (rc != STORE_OK) {
        ddb_err_store(err, rc);
        goto out;
    }
    for (int p = 0; p < s.partitions; p++)
        if (new_shard(s.arn, p, NULL, 1, now, err) != 0) goto out;
    free(t->row.stream_arn);
    t->row.stream_arn = xstrdup(s.arn);
    store_stream_clear(&t->stream);
    t->stream = s;
    memset(&s, 0, sizeof(s));   /* moved into T */
    t->stream_on = 1;
    ok = 0;
out:
    store_stream_clear(&s);
    return ok;
}

int ddb_stream_disable(struct ddb_table *t, struct ddb_err *err) {
    if (!t->stream_on) return 0;
    t->stream.enabled = 0;
    t->stream.disabled_ms = clock_now_ms();
    int rc = store_stream_put(&t->stream, 0);
    if (rc != STORE_OK) return ddb_err_store(err, rc);
    /* Close the open shard of every partition at its last record. */
    for (int p = 0; p < t->stream.partitions && rc == STORE_OK; p++) {
        struct store_shard open;
        rc = store_shard_open(t->stream.arn, p, &open);
        if (rc == STORE_NOTFOUND) {
            rc = STORE_OK;
            continue;
        }
        int64_t lo, hi;
        if (rc == STORE_OK) rc = store_record_bounds(t->stream.arn, open.shard_id, &lo, &hi);
        if (rc == STORE_OK)
            rc = store_shard_close(t->stream.arn, open.shard_id, hi >= 0 ? hi : open.start_seq - 1);
    }
    t->stream_on = 0;
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}

int ddb_shard_rollover(const char *arn, int partition, const struct store_shard *open, int64_t next_seq,
                       int64_t now) {
    /* The shard ends at its own last record; an empty one just before its
     * start (an empty range), so its child's range never overlaps it. */
    int64_t lo, hi;
    int rc = store_record_bounds(arn, open->shard_id, &lo, &hi);
    if (rc != STORE_OK) return rc;
    rc = store_shard_close(arn, open->shard_id, hi >= 0 ? hi : open->start_seq - 1);
    if (rc != STORE_OK) return rc;
    struct store_shard sh;
    memset(&sh, 0, sizeof(sh));
    shard_id(now, sh.shard_id, sizeof(sh.shard_id));
    snprintf(sh.parent_id, sizeof(sh.parent_id), "%s", open->shard_id);
    sh.partition = partition;
    sh.created_ms = now;
    sh.start_seq = next_seq;
    sh.end_seq = -1;
    return store_shard_insert(arn, &sh);
}

/* Copies the key attributes of ITEM into a new object. */
static cJSON *keys_of(const struct ddb_table *t, const cJSON *item) {
    cJSON *k = cJSON_CreateObject();
    const cJSON *h = cJSON_GetObjectItemCaseSensitive(item, t->hash.name);
    if (h) cJSON_AddItemToObject(k, t->hash.name, cJSON_Duplicate(h, 1));
    if (t->range.type != DDB_T_INVALID) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(item, t->range.name);
        if (r) cJSON_AddItemToObject(k, t->range.name, cJSON_Duplicate(r, 1));
    }
    return k;
}

/* Appends "NAME":TEXT to B, TEXT being JSON already. */
static void add_member(struct ddb_sbuf *b, const char *name, const char *text) {
    ddb_sb_adds(b, ",\"");
    ddb_sb_adds(b, name);
    ddb_sb_adds(b, "\":");
    ddb_sb_adds(b, text);
}

int ddb_stream_append(struct ddb_table *t, const struct store_key *hk, const char *new_text,
                      const cJSON *old_item, const cJSON *new_item, int ttl_delete,
                      struct ddb_err *err) {
    struct store_stream *s = &t->stream;
    int64_t now = clock_now_ms();
    int part = partition_of(hk, s->partitions);
    int64_t seq;
    int rc = store_stream_take_seq(s->arn, &seq);
    if (rc != STORE_OK) return ddb_err_store(err, rc);
    struct store_shard open;
    rc = store_shard_open(s->arn, part, &open);
    if (rc == STORE_NOTFOUND) {
        if (new_shard(s->arn, part, NULL, seq, now, err) != 0) return -1;
        rc = store_shard_open(s->arn, part, &open);
    }
    if (rc != STORE_OK) return ddb_err_store(err, rc);
    if (now - open.created_ms >= DDB_SHARD_ROLLOVER_MS) {
        rc = ddb_shard_rollover(s->arn, part, &open, seq, now);
        if (rc == STORE_OK) rc = store_shard_open(s->arn, part, &open);
        if (rc != STORE_OK) return ddb_err_store(err, rc);
    }
    char seqs[32], eid[37], hex[33];
    util_stream_seq(seq, seqs, sizeof(seqs));
    util_uuid(eid);
    size_t k = 0;
    for (const char *p = eid; *p && k < 32; p++)
        if (*p != '-') hex[k++] = *p;
    hex[k] = '\0';

    /* The record is written out as text, the images spliced in as JSON
     * text (the new one is the item row's own text): building it as a
     * cJSON tree copied every image once more and printed it again. Every
     * string but the images is one sluice chose or validated (an event
     * name, a region, a view type, digits), so none needs escaping. */
    const char *view = s->view_type;
    const cJSON *any = new_item ? new_item : old_item;
    int want_new = strcmp(view, "NEW_IMAGE") == 0 || strcmp(view, "NEW_AND_OLD_IMAGES") == 0;
    int want_old = strcmp(view, "OLD_IMAGE") == 0 || strcmp(view, "NEW_AND_OLD_IMAGES") == 0;
    cJSON *kobj = keys_of(t, any);
    size_t size = ddb_item_size(kobj);
    char *keys = cJSON_PrintUnformatted(kobj);
    cJSON_Delete(kobj);
    char *new_own = NULL, *old_text = NULL;
    if (want_new && new_item) {
        if (new_text == NULL) new_text = new_own = cJSON_PrintUnformatted(new_item);
        size += ddb_item_size(new_item);
    }
    if (want_old && old_item) {
        old_text = cJSON_PrintUnformatted(old_item);
        size += ddb_item_size(old_item);
    }
    if (keys == NULL || (want_new && new_item && new_text == NULL) || (want_old && old_item && old_text == NULL))
        abort();   /* cJSON prints only fail for want of memory */
    char num[64];
    struct ddb_sbuf b = {0};
    ddb_sb_adds(&b, "{\"eventID\":\"");
    ddb_sb_adds(&b, hex);
    ddb_sb_adds(&b, "\",\"eventName\":\"");
    ddb_sb_adds(&b, old_item == NULL ? "INSERT" : new_item == NULL ? "REMOVE" : "MODIFY");
    ddb_sb_adds(&b, "\",\"eventVersion\":\"1.1\",\"eventSource\":\"aws:dynamodb\",\"awsRegion\":\"");
    ddb_sb_adds(&b, t->scope.region);
    snprintf(num, sizeof(num), "\",\"dynamodb\":{\"ApproximateCreationDateTime\":%lld", (long long)(now / 1000));
    ddb_sb_adds(&b, num);
    add_member(&b, "Keys", keys);
    if (want_new && new_item) add_member(&b, "NewImage", new_text);
    if (want_old && old_item) add_member(&b, "OldImage", old_text);
    ddb_sb_adds(&b, ",\"SequenceNumber\":\"");
    ddb_sb_adds(&b, seqs);
    snprintf(num, sizeof(num), "\",\"SizeBytes\":%zu,\"StreamViewType\":\"", size);
    ddb_sb_adds(&b, num);
    ddb_sb_adds(&b, view);
    ddb_sb_adds(&b, "\"}");
    if (ttl_delete)
        ddb_sb_adds(&b, ",\"userIdentity\":{\"PrincipalId\":\"dynamodb.amazonaws.com\",\"Type\":\"Service\"}");
    ddb_sb_adds(&b, "}");
    free(keys);
    free(new_own);
    free(old_text);
    rc = store_record_append(&open, seq, now, b.n, b.z);
    free(b.z);
    return rc == STORE_OK ? 0 : ddb_err_store(err, rc);
}
