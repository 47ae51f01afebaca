/*
 * Admin endpoints of event source mappings: one mapping's delivery state
 * (GET /_sluice/event-source-mappings/{uuid}) and the delivery audit of a
 * stream (GET /_sluice/streams/audit?stream_arn=ARN), which is how a user
 * sees what replacing a mapping did: records delivered once, twice or
 * more, never, or still ahead of a mapping.
 */
#include "server/router.h"
#include "api/aws_error.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_ddb.h"
#include "storage/store_esm.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Shards listed per mapping or stream (see ESM_MAX_SHARDS in engine/esm.c). */
#define ADMIN_MAX_SHARDS 1024

/* The two lists a mapping's failures fill: the records as AWS writes
 * them, and beside each (same index) where it was sent. */
struct failures {
    cJSON *records;
    cJSON *sent;
};

static int add_failure(void *ctx, int64_t created_ms, const char *record, const char *destination,
                       const char *error) {
    (void)created_ms;
    struct failures *f = ctx;
    cJSON *item = cJSON_Parse(record);
    cJSON_AddItemToArray(f->records, item ? item : cJSON_CreateString(record));
    cJSON *s = cJSON_CreateObject();
    if (destination) cJSON_AddStringToObject(s, "destination", destination);
    else cJSON_AddNullToObject(s, "destination");
    cJSON_AddBoolToObject(s, "delivered", destination && !error);
    if (error) cJSON_AddStringToObject(s, "error", error);
    cJSON_AddItemToArray(f->sent, s);
    return 0;
}

int admin_esm_get(struct req *req, const char *uuid) {
    if (store_begin(0) != STORE_OK) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "storage busy");
    struct store_esm m;
    int rc = store_esm_get(uuid, &m);
    if (rc == STORE_NOTFOUND) {
        store_rollback();
        return req_fail(req, &AWSERR_ADMIN_NOT_FOUND, "No event source mapping %.64s", uuid);
    }
    int ret = -1;
    struct store_esm_pos *pos = xcalloc(ADMIN_MAX_SHARDS, sizeof(*pos));
    int n = 0;
    if (rc == STORE_OK) rc = store_esm_pos_list(uuid, pos, ADMIN_MAX_SHARDS, &n);
    cJSON *o = cJSON_CreateObject();
    struct failures fails = {cJSON_CreateArray(), cJSON_CreateArray()};
    if (rc == STORE_OK) rc = store_esm_failures(uuid, add_failure, &fails);
    store_rollback();
    if (rc != STORE_OK) {
        req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not read the mapping");
        goto out;
    }
    cJSON_AddStringToObject(o, "UUID", m.uuid);
    cJSON_AddStringToObject(o, "State", m.state);
    cJSON_AddStringToObject(o, "FunctionArn", m.function_arn);
    cJSON_AddStringToObject(o, "EventSourceArn", m.source_arn);
    cJSON_AddStringToObject(o, "LastProcessingResult", m.last_result);
    int64_t batches = 0, records = 0, retries = 0, throttles = 0;
    cJSON *shards = cJSON_AddArrayToObject(o, "shards");
    for (int i = 0; i < n; i++) {
        cJSON *s = cJSON_CreateObject();
        char seq[32];
        util_stream_seq(pos[i].seq, seq, sizeof(seq));
        cJSON_AddStringToObject(s, "shard_id", pos[i].shard_id);
        if (pos[i].started && pos[i].seq >= 0) cJSON_AddStringToObject(s, "checkpoint", seq);
        else cJSON_AddNullToObject(s, "checkpoint");
        cJSON_AddBoolToObject(s, "done", pos[i].done);
        cJSON_AddNumberToObject(s, "batches", (double)pos[i].batches);
        cJSON_AddNumberToObject(s, "records", (double)pos[i].records);
        cJSON_AddNumberToObject(s, "retries", (double)pos[i].retries);
        cJSON_AddNumberToObject(s, "throttles", (double)pos[i].throttles);
        cJSON_AddStringToObject(s, "last_result", pos[i].last_result);
        cJSON_AddItemToArray(shards, s);
        batches += pos[i].batches;
        records += pos[i].records;
        retries += pos[i].retries;
        throttles += pos[i].throttles;
    }
    cJSON_AddNumberToObject(o, "batches", (double)batches);
    cJSON_AddNumberToObject(o, "records", (double)records);
    cJSON_AddNumberToObject(o, "retries", (double)retries);
    cJSON_AddNumberToObject(o, "throttles", (double)throttles);
    cJSON_AddItemToObject(o, "failures", fails.records);
    cJSON_AddItemToObject(o, "failure_destinations", fails.sent);
    fails.records = fails.sent = NULL;
    ret = req_reply_json(req, 200, o);
    o = NULL;
out:
    cJSON_Delete(o);
    cJSON_Delete(fails.records);
    cJSON_Delete(fails.sent);
    free(pos);
    store_esm_clear(&m);
    return ret;
}

/* ---- the audit ---- */

struct delivery {
    char shard[80];
    int64_t seq;
    int m;          /* index into the audit's mappings */
    int64_t times;  /* deliveries whose outcome was written */
    int64_t interrupted; /* attempts a crash cut short: possible deliveries */
};

struct amap {
    char uuid[37];
    int live;                 /* the mapping still exists (not deleted) */
    int trim_horizon;
    struct store_esm_pos *pos;
    int npos;
    /* figures */
    int64_t delivered, duplicates, deliveries, pending, interrupted;
};

struct audit {
    struct amap *maps;
    int nmaps, capmaps;
    struct delivery *d;
    size_t nd, capd, at;      /* AT: merge cursor */
    int64_t records, once, dups, never, pending;
    int64_t dups_crash;       /* a mapping delivered it again after a crash cut an attempt short */
    int64_t dups_mappings;    /* more than one mapping delivered it */
};

static int amap_index(struct audit *a, const char *uuid) {
    for (int i = 0; i < a->nmaps; i++)
        if (strcmp(a->maps[i].uuid, uuid) == 0) return i;
    if (a->nmaps == a->capmaps) {
        a->capmaps = a->capmaps ? a->capmaps * 2 : 8;
        a->maps = xrealloc(a->maps, (size_t)a->capmaps * sizeof(*a->maps));
    }
    struct amap *m = &a->maps[a->nmaps];
    memset(m, 0, sizeof(*m));
    snprintf(m->uuid, sizeof(m->uuid), "%s", uuid);
    return a->nmaps++;
}

static int collect_uuid(void *ctx, const char *uuid) {
    amap_index(ctx, uuid);
    return 0;
}

static int collect_delivery(void *ctx, const char *shard, int64_t seq, const char *uuid, int64_t times,
                            int64_t interrupted) {
    struct audit *a = ctx;
    if (a->nd == a->capd) {
        a->capd = a->capd ? a->capd * 2 : 1024;
        a->d = xrealloc(a->d, a->capd * sizeof(*a->d));
    }
    struct delivery *d = &a->d[a->nd++];
    snprintf(d->shard, sizeof(d->shard), "%s", shard);
    d->seq = seq;
    d->m = amap_index(a, uuid);
    d->times = times;
    d->interrupted = interrupted;
    return 0;
}

/* Whether live mapping M will still deliver record SEQ of SHARD: it is
 * past M's checkpoint, or M has not started the shard and reads from
 * the trim horizon. */
static int ahead_of(const struct amap *m, const char *shard, int64_t seq) {
    for (int i = 0; i < m->npos; i++) {
        if (strcmp(m->pos[i].shard_id, shard) != 0) continue;
        if (!m->pos[i].started) return m->trim_horizon;
        if (m->pos[i].done) return 0;
        return seq > m->pos[i].seq;
    }
    return m->trim_horizon;
}

static int d_cmp(const struct delivery *d, const char *shard, int64_t seq) {
    int c = strcmp(d->shard, shard);
    if (c) return c;
    return d->seq < seq ? -1 : d->seq > seq;
}

static int audit_record(void *ctx, const char *shard, int64_t seq) {
    struct audit *a = ctx;
    a->records++;
    /* Deliveries of records already trimmed sort before: skip them. */
    while (a->at < a->nd && d_cmp(&a->d[a->at], shard, seq) < 0) a->at++;
    int64_t total = 0, written = 0;
    int by = 0, again_after_crash = 0;
    for (size_t k = a->at; k < a->nd && d_cmp(&a->d[k], shard, seq) == 0; k++) {
        struct amap *m = &a->maps[a->d[k].m];
        /* An attempt a crash cut short counts as a delivery: the function
         * may have run it (issue 17). */
        int64_t n = a->d[k].times + a->d[k].interrupted;
        if (n == 0) continue;
        total += n;
        written += a->d[k].times;
        by++;
        m->delivered++;
        m->deliveries += n;
        if (a->d[k].interrupted > 0) m->interrupted++;
        if (n > 1) m->duplicates++;
        if (n > 1 && a->d[k].interrupted > 0) again_after_crash = 1;
    }
    if (again_after_crash) a->dups_crash++;
    if (by > 1) a->dups_mappings++;
    int pending = 0;
    for (int i = 0; i < a->nmaps; i++) {
        struct amap *m = &a->maps[i];
        if (!m->live) continue;
        /* Ahead of M and not yet delivered by M. */
        int by_m = 0;
        for (size_t k = a->at; k < a->nd && d_cmp(&a->d[k], shard, seq) == 0; k++)
            by_m |= a->d[k].m == i && a->d[k].times > 0;
        if (!by_m && ahead_of(m, shard, seq)) {
            m->pending++;
            pending = 1;
        }
    }
    /* A record whose only delivery a crash cut short, and that its
     * mapping will deliver again, is pending (the next is a duplicate). */
    if (total > 1) a->dups++;
    else if (total == 1 && (written > 0 || !pending)) a->once++;
    else if (pending) a->pending++;
    else a->never++;
    return 0;
}

static void audit_free(struct audit *a) {
    for (int i = 0; i < a->nmaps; i++) free(a->maps[i].pos);
    free(a->maps);
    free(a->d);
}

/* Shards most mappings have: read into a buffer this size first, and
 * into one of ADMIN_MAX_SHARDS only when it fills (the audit of a stream
 * with hundreds of mappings would otherwise clear 200 kB per mapping). */
#define AUDIT_FEW_SHARDS 16

/* Reads M's shard positions into M->pos. */
static int positions(struct amap *m) {
    m->pos = xcalloc(AUDIT_FEW_SHARDS, sizeof(*m->pos));
    int rc = store_esm_pos_list(m->uuid, m->pos, AUDIT_FEW_SHARDS, &m->npos);
    if (rc != STORE_OK || m->npos < AUDIT_FEW_SHARDS) return rc;
    free(m->pos);
    m->pos = xcalloc(ADMIN_MAX_SHARDS, sizeof(*m->pos));
    return store_esm_pos_list(m->uuid, m->pos, ADMIN_MAX_SHARDS, &m->npos);
}

int admin_audit_read(const char *arn, cJSON **out) {
    struct audit a;
    memset(&a, 0, sizeof(a));
    *out = NULL;
    struct store_stream s;
    int rc = store_stream_get(arn, &s);
    if (rc != STORE_OK) return rc;
    store_stream_clear(&s);
    rc = store_esm_stream_uuids(arn, collect_uuid, &a);
    for (int i = 0; i < a.nmaps && rc == STORE_OK; i++) {
        struct amap *m = &a.maps[i];
        struct store_esm e;
        int grc = store_esm_get(m->uuid, &e);
        if (grc == STORE_NOTFOUND) continue;   /* deleted: its deliveries still count */
        if (grc != STORE_OK) {
            rc = grc;
            break;
        }
        m->live = strcmp(e.state, "Deleting") != 0 && strcmp(e.source_arn, arn) == 0;
        cJSON *cfg = cJSON_Parse(e.config);
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(cfg, "StartingPosition");
        m->trim_horizon = !(cJSON_IsString(sp) && strcmp(sp->valuestring, "LATEST") == 0);
        cJSON_Delete(cfg);
        store_esm_clear(&e);
        rc = positions(m);
    }
    if (rc == STORE_OK) rc = store_esm_deliveries(arn, collect_delivery, &a);
    if (rc == STORE_OK) rc = store_record_seqs(arn, audit_record, &a);
    if (rc != STORE_OK) goto out;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "stream_arn", arn);
    cJSON_AddNumberToObject(o, "records", (double)a.records);
    cJSON_AddNumberToObject(o, "delivered_once", (double)a.once);
    cJSON_AddNumberToObject(o, "duplicates", (double)a.dups);
    cJSON_AddNumberToObject(o, "duplicates_after_crash", (double)a.dups_crash);
    cJSON_AddNumberToObject(o, "duplicates_by_several_mappings", (double)a.dups_mappings);
    cJSON_AddNumberToObject(o, "never_delivered", (double)a.never);
    cJSON_AddNumberToObject(o, "pending", (double)a.pending);
    cJSON *by = cJSON_AddObjectToObject(o, "by_mapping");
    for (int i = 0; i < a.nmaps; i++) {
        struct amap *m = &a.maps[i];
        cJSON *x = cJSON_AddObjectToObject(by, m->uuid);
        cJSON_AddBoolToObject(x, "deleted", !m->live);
        cJSON_AddNumberToObject(x, "delivered", (double)m->delivered);
        cJSON_AddNumberToObject(x, "delivered_more_than_once", (double)m->duplicates);
        cJSON_AddNumberToObject(x, "deliveries", (double)m->deliveries);
        cJSON_AddNumberToObject(x, "interrupted", (double)m->interrupted);
        cJSON_AddNumberToObject(x, "pending", (double)m->pending);
    }
    *out = o;
out:
    audit_free(&a);
    return rc;
}

int admin_stream_audit(struct req *req) {
    const char *arn = NULL;
    for (int i = 0; i < req->nquery; i++) {
        if (strcmp(req->query[i].name, "stream_arn") == 0) arn = req->query[i].value;
        else
            return req_fail(req, &AWSERR_ADMIN_BAD_REQUEST, "%.100s is not a parameter of /_sluice/streams/audit (stream_arn)",
                            req->query[i].name);
    }
    if (arn == NULL || arn[0] == '\0' || strlen(arn) > 500)
        return req_fail(req, &AWSERR_ADMIN_BAD_REQUEST, "stream_arn is required");
    /* One snapshot: the records, the deliveries and the positions agree. */
    if (store_begin(0) != STORE_OK) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "storage busy");
    cJSON *o = NULL;
    int rc = admin_audit_read(arn, &o);
    store_rollback();
    if (rc == STORE_NOTFOUND) return req_fail(req, &AWSERR_ADMIN_NOT_FOUND, "No stream %.500s", arn);
    if (rc != STORE_OK) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not read the stream");
    return req_reply_json(req, 200, o);
}
