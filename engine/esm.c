/*
 * Event source mappings at run time (engine/esm.h): the manager thread
 * and the pollers.
 */
#include "engine/esm.h"
#include "engine/esm_filter.h"
#include "engine/clock.h"
#include "engine/invoker.h"
#include "engine/log.h"
#include "engine/metrics.h"
#include "engine/util.h"
#include "storage/store.h"
#include "storage/store_ddb.h"
#include "storage/store_esm.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The manager looks at the mappings this often even without a kick:
 * AWS settles a mapping's state within seconds; a quarter second keeps
 * "Creating" short without costing anything measurable. */
#define ESM_TICK_MS 250

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t manager_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t stream_cv = PTHREAD_COND_INITIALIZER;   /* pollers wait here */
static pthread_t manager;
static int running, stopping, kicks;
static int64_t stream_epoch;        /* +1 per committed write (atomic) */
static int stream_waiters;          /* pollers about to wait or waiting on stream_cv (atomic) */

void esm_kick(void) {
    pthread_mutex_lock(&mu);
    kicks++;
    pthread_cond_broadcast(&manager_cv);
    pthread_mutex_unlock(&mu);
}

void esm_stream_written(void) {
    /* The epoch goes up before the waiter count is read, and a poller
     * counts itself a waiter before it reads the epoch (both sequentially
     * consistent), so either the writer sees the waiter and broadcasts
     * under mu, or the poller sees the new epoch and does not sleep. */
    __atomic_add_fetch(&stream_epoch, 1, __ATOMIC_SEQ_CST);
    if (__atomic_load_n(&stream_waiters, __ATOMIC_SEQ_CST) == 0) return;
    pthread_mutex_lock(&mu);
    pthread_cond_broadcast(&stream_cv);
    pthread_mutex_unlock(&mu);
}

/* ---- pollers ---- */

/* Records one batch may hold at most (AWS's BatchSize maximum for
 * streams) and the invoke payload limit a batch must fit in. */
#define ESM_MAX_BATCH 10000
#define ESM_MAX_PAYLOAD (6 * 1024 * 1024)
/* Backoff after a throttle or a service error: doubling from the first
 * to the last, as AWS retries "with backoff"; never spends retries. */
#define ESM_BACKOFF_MIN_MS 100
#define ESM_BACKOFF_MAX_MS 5000
/* Pause between retries of a failed batch (function error). AWS retries
 * at once; a short pause keeps a failing handler from spinning a core. */
#define ESM_RETRY_PAUSE_MS 50
/* A poller with nothing to do wakes at least this often: shard rollover
 * and trimming happen without writes, and a batching window or backoff
 * may end sooner. */
#define ESM_IDLE_MS 1000
/* ParallelizationFactor's maximum (docs/aws-reference.md D1). */
#define ESM_MAX_PARALLEL 10
/* Shards read per stream listing (a stream has one open shard per
 * partition, at most 16, plus closed ones for 24 h at one per 4 h). */
#define ESM_MAX_SHARDS 1024

/* The mapping's settings (docs/aws-reference.md D1), parsed once per generation. */
struct esm_cfg {
    int batch_size;
    int window_s;
    int64_t max_age_s;        /* -1: none */
    int64_t max_retries;      /* -1: until the records expire */
    int bisect;
    int report_failures;      /* FunctionResponseTypes has ReportBatchItemFailures */
    int latest;               /* StartingPosition LATEST (else TRIM_HORIZON) */
    int parallel;             /* ParallelizationFactor: batches per shard at once */
    int tumbling_s;           /* TumblingWindowInSeconds, 0 none */
    char on_failure[512];     /* DestinationConfig.OnFailure.Destination, "" none */
    struct esm_filter_set *filters;   /* FilterCriteria, NULL when none (owned) */
};

/* A shard's batch being retried after a function error: the batch is
 * cut at RETRY_LAST so it comes back the same, and ATTEMPTS counts its
 * invokes against MaximumRetryAttempts. */
struct sstate {
    char shard[80];
    int retrying;
    int64_t retry_last;
    int64_t attempts;
    struct sstate *next;
};

/* A shard's open tumbling window and the state the function returned. */
struct twin {
    char shard[80];
    int64_t start_ms;
    char *state;              /* JSON object text */
    struct twin *next;
};

struct poller {
    struct store_esm m;       /* the row as of GENERATION (owned) */
    struct esm_cfg cfg;
    pthread_t thread;
    int stop;                 /* under mu */
    int exited;               /* under mu */
    struct sstate *shards;    /* per-shard retry state */
    int64_t backoff_ms;
    int64_t not_before_ms;    /* wall ms: no invoke before (backoff) */
    char last_result[64];     /* last LastProcessingResult written */
    struct twin *twins;       /* open tumbling windows, one per shard */
    struct poller *next;
};

static struct poller *pollers;      /* under mu */

static int cfg_int(const cJSON *o, const char *k, int dflt) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valueint : dflt;
}

static void parse_cfg(const char *json, struct esm_cfg *c) {
    memset(c, 0, sizeof(*c));
    cJSON *o = cJSON_Parse(json ? json : "{}");
    c->batch_size = cfg_int(o, "BatchSize", 100);
    if (c->batch_size < 1 || c->batch_size > ESM_MAX_BATCH) c->batch_size = 100;
    c->window_s = cfg_int(o, "MaximumBatchingWindowInSeconds", 0);
    c->parallel = cfg_int(o, "ParallelizationFactor", 1);
    c->tumbling_s = cfg_int(o, "TumblingWindowInSeconds", 0);
    if (c->tumbling_s < 0 || c->tumbling_s > 900) c->tumbling_s = 0;
    if (c->parallel < 1 || c->parallel > ESM_MAX_PARALLEL) c->parallel = 1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "MaximumRecordAgeInSeconds");
    c->max_age_s = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
    v = cJSON_GetObjectItemCaseSensitive(o, "MaximumRetryAttempts");
    c->max_retries = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : -1;
    c->bisect = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "BisectBatchOnFunctionError"));
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(o, "FunctionResponseTypes");
    const cJSON *t;
    cJSON_ArrayForEach(t, types)
        if (cJSON_IsString(t) && strcmp(t->valuestring, "ReportBatchItemFailures") == 0) c->report_failures = 1;
    v = cJSON_GetObjectItemCaseSensitive(o, "StartingPosition");
    c->latest = cJSON_IsString(v) && strcmp(v->valuestring, "LATEST") == 0;
    const cJSON *dest = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "DestinationConfig"), "OnFailure"),
        "Destination");
    if (cJSON_IsString(dest)) snprintf(c->on_failure, sizeof(c->on_failure), "%s", dest->valuestring);
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(o, "FilterCriteria");
    if (fc) {
        /* The API validated it; a set that no longer parses filters
         * nothing out rather than dropping every record. */
        c->filters = esm_filter_set_new(fc, NULL, 0);
        if (c->filters && esm_filter_set_count(c->filters) == 0) {
            esm_filter_set_free(c->filters);
            c->filters = NULL;
        }
    }
    cJSON_Delete(o);
}

static int poller_stopped(struct poller *p) {
    pthread_mutex_lock(&mu);
    int s = p->stop;
    pthread_mutex_unlock(&mu);
    return s;
}

/* Backs P off after a batch never reached the function (throttle,
 * service error): the pause doubles from ESM_BACKOFF_MIN_MS up to
 * ESM_BACKOFF_MAX_MS; lowers *WAIT_MS to it. */
static void back_off(struct poller *p, int64_t *wait_ms) {
    p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : ESM_BACKOFF_MIN_MS;
    if (p->backoff_ms > ESM_BACKOFF_MAX_MS) p->backoff_ms = ESM_BACKOFF_MAX_MS;
    p->not_before_ms = util_wall_ms() + p->backoff_ms;
    if (p->backoff_ms < *wait_ms) *wait_ms = p->backoff_ms;
}

/* Sleeps until a write commits after SEEN, P is stopped, or MS pass. */
static void poller_wait(struct poller *p, int64_t seen, int64_t ms) {
    if (ms <= 0) return;
    pthread_mutex_lock(&mu);
    __atomic_add_fetch(&stream_waiters, 1, __ATOMIC_SEQ_CST);
    if (!p->stop && __atomic_load_n(&stream_epoch, __ATOMIC_SEQ_CST) == seen) {
        struct timespec ts;
        util_deadline_in(&ts, ms > ESM_IDLE_MS ? ESM_IDLE_MS : ms);
        pthread_cond_timedwait(&stream_cv, &mu, &ts);
    }
    __atomic_sub_fetch(&stream_waiters, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&mu);
}

/* One record read from a shard. */
struct rec {
    int64_t seq;
    int64_t created_ms;
    char *json;
};

struct batch {
    struct rec *r;
    int n, cap;
    size_t bytes;
};

static void batch_clear(struct batch *b) {
    for (int i = 0; i < b->n; i++) free(b->r[i].json);
    free(b->r);
    memset(b, 0, sizeof(*b));
}

static int collect_rec(void *ctx, int64_t seq, int64_t created_ms, const char *record) {
    struct batch *b = ctx;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->r = xrealloc(b->r, (size_t)b->cap * sizeof(*b->r));
    }
    b->r[b->n].seq = seq;
    b->r[b->n].created_ms = created_ms;
    b->r[b->n].json = xstrdup(record);
    b->bytes += strlen(record);
    b->n++;
    return 0;
}

/* Each stored record with "eventSourceARN" added (docs/aws-reference.md D4). */
static char *build_payload(const struct batch *b, int n, const char *arn, const char *extra) {
    size_t cap = 32 + (extra ? strlen(extra) : 0);
    for (int i = 0; i < n; i++) cap += strlen(b->r[i].json) + strlen(arn) + 24;
    char *out = xmalloc(cap);
    size_t o = (size_t)snprintf(out, cap, "{\"Records\":[");
    for (int i = 0; i < n; i++) {
        const char *j = b->r[i].json;
        size_t len = strlen(j);
        while (len > 0 && j[len - 1] != '}') len--;   /* the record's closing brace */
        if (len == 0) continue;
        o += (size_t)snprintf(out + o, cap - o, "%s%.*s,\"eventSourceARN\":\"%s\"}", i ? "," : "",
                              (int)(len - 1), j, arn);
    }
    snprintf(out + o, cap - o, "]%s}", extra ? extra : "");
    return out;
}

/* Keeps the failure record (docs/aws-reference.md D4) of records [0, N) of B. */
static void add_failure(struct poller *p, const struct store_shard *sh, const struct batch *b, int n,
                        const char *condition, int64_t invokes, const struct invoke_res *res,
                        const char *version) {
    char first[40], last[40], t0[40], t1[40], now[40];
    util_stream_seq(b->r[0].seq, first, sizeof(first));
    util_stream_seq(b->r[n - 1].seq, last, sizeof(last));
    util_iso_time(b->r[0].created_ms, t0, sizeof(t0));
    util_iso_time(b->r[n - 1].created_ms, t1, sizeof(t1));
    int64_t at = clock_now_ms();
    util_iso_time(at, now, sizeof(now));
    cJSON *o = cJSON_CreateObject();
    cJSON *rq = cJSON_AddObjectToObject(o, "requestContext");
    cJSON_AddStringToObject(rq, "requestId", res && res->request_id[0] ? res->request_id : "");
    cJSON_AddStringToObject(rq, "functionArn", p->m.function_arn);
    cJSON_AddStringToObject(rq, "condition", condition);
    cJSON_AddNumberToObject(rq, "approximateInvokeCount", (double)invokes);
    cJSON *rs = cJSON_AddObjectToObject(o, "responseContext");
    cJSON_AddNumberToObject(rs, "statusCode", 200);
    cJSON_AddStringToObject(rs, "executedVersion", version && version[0] ? version : "$LATEST");
    if (res && res->function_error) cJSON_AddStringToObject(rs, "functionError", "Unhandled");
    else cJSON_AddNullToObject(rs, "functionError");
    cJSON_AddStringToObject(o, "version", "1.0");
    cJSON_AddStringToObject(o, "timestamp", now);
    cJSON *bi = cJSON_AddObjectToObject(o, "DDBStreamBatchInfo");
    cJSON_AddStringToObject(bi, "shardId", sh->shard_id);
    cJSON_AddStringToObject(bi, "startSequenceNumber", first);
    cJSON_AddStringToObject(bi, "endSequenceNumber", last);
    cJSON_AddStringToObject(bi, "approximateArrivalOfFirstRecord", t0);
    cJSON_AddStringToObject(bi, "approximateArrivalOfLastRecord", t1);
    cJSON_AddNumberToObject(bi, "batchSize", n);
    cJSON_AddStringToObject(bi, "streamArn", p->m.source_arn);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    store_esm_failure_add(p->m.uuid, at, text);
    log_msg(LOG_INFO, "mapping %s: gave up a batch of %d records of %s (%s)", p->m.uuid, n, sh->shard_id,
            condition);
    free(text);
}

static void set_result(struct poller *p, const char *result) {
    if (strcmp(p->last_result, result) == 0) return;
    snprintf(p->last_result, sizeof(p->last_result), "%s", result);
    store_esm_set_result(p->m.uuid, result);
}

/* Moves P's checkpoint in SH to LAST_SEQ, counting records [0, NDELIV)
 * of B as delivered (and BATCHES successful invokes), in one write
 * transaction. Returns STORE_OK or an error (nothing moved). */
static int checkpoint(struct poller *p, const struct store_shard *sh, struct store_esm_pos *pos,
                      const struct batch *b, int ndeliv, int64_t last_seq, int batches,
                      const char *result) {
    if (store_begin(1) != STORE_OK) return STORE_ERR;
    /* The function got these records whatever happened to the mapping
     * meanwhile, so their deliveries count. An update keeps the position
     * (the next poller of this UUID starts only after this one exits);
     * a deleted mapping has no position left to move. */
    struct store_esm cur;
    int rc = store_esm_get(p->m.uuid, &cur);
    int gone = rc == STORE_NOTFOUND;
    if (gone) rc = STORE_OK;
    store_esm_clear(&cur);
    for (int i = 0; i < ndeliv && rc == STORE_OK; i++)
        rc = store_esm_delivered(p->m.uuid, p->m.source_arn, sh->shard_id, b->r[i].seq);
    if (rc == STORE_OK && !gone) {
        struct store_esm_pos np = *pos;
        np.seq = last_seq;
        np.batches += batches;
        np.records += ndeliv;
        if (result) snprintf(np.last_result, sizeof(np.last_result), "%s", result);
        rc = store_esm_pos_put(p->m.uuid, p->m.source_arn, &np);
        if (rc == STORE_OK) *pos = np;
    }
    if (rc == STORE_OK && !gone && result && strcmp(p->last_result, result) != 0) {
        snprintf(p->last_result, sizeof(p->last_result), "%s", result);
        rc = store_esm_set_result(p->m.uuid, result);
    }
    if (rc == STORE_OK) return store_commit();
    store_rollback();
    return rc;
}

/* Saves POS alone (counters, started/done) in its own transaction. */
static void save_pos(struct poller *p, const struct store_esm_pos *pos) {
    if (store_begin(1) != STORE_OK) return;
    struct store_esm cur;
    int rc = store_esm_get(p->m.uuid, &cur);   /* a deleted mapping keeps no position */
    store_esm_clear(&cur);
    if (rc == STORE_OK) rc = store_esm_pos_put(p->m.uuid, p->m.source_arn, pos);
    if (rc == STORE_OK) store_commit();
    else store_rollback();
}

/* The lowest failed sequence number a ReportBatchItemFailures response
 * names, among B's first N records: 0 none (success), -1 the whole batch
 * failed (an identifier that is empty, null, unknown or misspelled). */
static int64_t lowest_failure(const struct invoke_res *res, const struct batch *b, int n) {
    if (res->body == NULL || res->nbody == 0) return 0;
    cJSON *o = cJSON_ParseWithLength(res->body, res->nbody);
    if (o == NULL || cJSON_IsNull(o)) {
        cJSON_Delete(o);
        return 0;
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "batchItemFailures");
    int64_t low = 0;
    if (list == NULL || cJSON_IsNull(list)) {
        cJSON_Delete(o);
        return 0;
    }
    if (!cJSON_IsArray(list)) {
        cJSON_Delete(o);
        return -1;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, list) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier");
        if (!cJSON_IsString(id) || id->valuestring[0] == '\0') {
            low = -1;
            break;
        }
        int64_t found = 0;
        for (int i = 0; i < n && !found; i++) {
            char s[40];
            util_stream_seq(b->r[i].seq, s, sizeof(s));
            if (strcmp(s, id->valuestring) == 0) found = b->r[i].seq;
        }
        if (!found) {
            low = -1;
            break;
        }
        if (low == 0 || found < low) low = found;
    }
    cJSON_Delete(o);
    return low;
}


static struct sstate *sstate_of(struct poller *p, const char *shard) {
    for (struct sstate *x = p->shards; x; x = x->next)
        if (strcmp(x->shard, shard) == 0) return x;
    struct sstate *x = xcalloc(1, sizeof(*x));
    snprintf(x->shard, sizeof(x->shard), "%s", shard);
    x->next = p->shards;
    p->shards = x;
    return x;
}

/* ---- ParallelizationFactor ---- */

/* One of several batches of a shard run at once. */
struct shot {
    struct poller *p;
    struct batch g;           /* records borrowed from the window */
    const char *version;
    const cJSON *fcfg;
    struct invoke_res res;
    int irc;
    int failed;               /* function error or reported item failures */
    pthread_t thread;
    int threaded;
};

static void *shot_main(void *arg) {
    struct shot *s = arg;
    struct poller *p = s->p;
    char *payload = build_payload(&s->g, s->g.n, p->m.source_arn, NULL);
    struct invoke_req ir = {p->m.account, p->m.region, p->m.function_name, p->m.qualifier, s->version, s->fcfg,
                            p->m.function_arn, payload, strlen(payload), NULL, 0, NULL};
    s->irc = invoke_sync(&ir, &s->res);
    free(payload);
    if (s->irc == 0)
        s->failed = s->res.function_error ||
                    (p->cfg.report_failures && lowest_failure(&s->res, &s->g, s->g.n) != 0);
    if (s->threaded) store_thread_done();
    return NULL;
}

static uint32_t key_hash(const char *json) {
    cJSON *o = cJSON_Parse(json);
    char *k = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(o, "dynamodb"), "Keys"));
    uint32_t h = 2166136261u;
    for (const char *c = k ? k : ""; *c; c++) {
        h ^= (unsigned char)*c;
        h *= 16777619u;
    }
    free(k);
    cJSON_Delete(o);
    return h;
}

/* Splits the window B (records read past the checkpoint, filtered) into
 * up to ParallelizationFactor batches by item key, so one key's records
 * stay in one batch in order, and runs them at once. The window ends
 * where a batch would pass BatchSize or 6 MB. The checkpoint moves past
 * the window only when every batch succeeded; otherwise the successful
 * batches count as delivered and the window is retried (as one batch).
 * Returns what poll_shard returns, or -2 when the window holds only
 * one batch (B cut to it, *LAST_READ_IO lowered to match): the caller
 * sends it the ordinary way. */
static int poll_parallel(struct poller *p, const struct store_shard *sh, struct store_esm_pos *pos,
                         struct batch *b, int64_t *last_read_io, int64_t now, const char *version,
                         const cJSON *fcfg, int64_t *wait_ms) {
    int k = p->cfg.parallel;
    struct sstate *ss = sstate_of(p, sh->shard_id);
    int64_t last_read = *last_read_io;
    int *grp = xmalloc((size_t)b->n * sizeof(*grp));
    int count[ESM_MAX_PARALLEL] = {0};
    size_t bytes[ESM_MAX_PARALLEL] = {0};
    int cut = b->n;
    for (int i = 0; i < b->n; i++) {
        int g = (int)(key_hash(b->r[i].json) % (uint32_t)k);
        size_t len = strlen(b->r[i].json) + 64;
        if (count[g] == p->cfg.batch_size || (count[g] > 0 && bytes[g] + len > ESM_MAX_PAYLOAD)) {
            cut = i;
            break;
        }
        grp[i] = g;
        count[g]++;
        bytes[g] += len;
    }
    if (cut < b->n) {
        while (b->n > cut) free(b->r[--b->n].json);
        last_read = b->r[cut - 1].seq;   /* what follows is read again */
        *last_read_io = last_read;
    }
    int groups = 0;
    for (int g = 0; g < k; g++) groups += count[g] > 0;
    if (groups <= 1) {
        free(grp);
        return -2;
    }
    struct shot shots[ESM_MAX_PARALLEL];
    int ns = 0;
    for (int g = 0; g < k; g++) {
        if (count[g] == 0) continue;
        struct shot *s = &shots[ns++];
        memset(s, 0, sizeof(*s));
        s->p = p;
        s->version = version;
        s->fcfg = fcfg;
        s->g.r = xmalloc((size_t)count[g] * sizeof(*s->g.r));
        for (int i = 0; i < b->n; i++)
            if (grp[i] == g) s->g.r[s->g.n++] = b->r[i];
    }
    free(grp);
    metric_iterator_age(p->m.account, p->m.region, p->m.function_name, p->m.qualifier,
                        (double)(now - b->r[b->n - 1].created_ms));
    for (int i = 1; i < ns; i++) {
        shots[i].threaded = 1;
        if (pthread_create(&shots[i].thread, NULL, shot_main, &shots[i]) != 0) {
            shots[i].threaded = 0;
            shot_main(&shots[i]);
        }
    }
    shot_main(&shots[0]);
    for (int i = 1; i < ns; i++)
        if (shots[i].threaded) pthread_join(shots[i].thread, NULL);
    int throttled = 0, failed = 0, ok = 0;
    for (int i = 0; i < ns; i++) {
        if (shots[i].irc != 0) throttled++;
        else if (shots[i].failed) failed++;
        else ok++;
    }
    int out = 1;
    if (throttled == 0 && failed == 0) {
        if (checkpoint(p, sh, pos, b, b->n, last_read, ns, "OK") == STORE_OK) ss->attempts = 0;
        p->backoff_ms = 0;
    } else if (poller_stopped(p)) {
        out = 0;   /* as in poll_shard: a failure during a stop is not judged */
    } else {
        /* The function saw the batches that succeeded. */
        for (int i = 0; i < ns; i++)
            if (shots[i].irc == 0 && !shots[i].failed)
                checkpoint(p, sh, pos, &shots[i].g, shots[i].g.n, pos->seq, 1, NULL);
        if (failed == 0) {
            pos->throttles += throttled;
            back_off(p, wait_ms);
            save_pos(p, pos);
            out = 0;
        } else {
            ss->attempts++;
            pos->retries++;
            if (p->cfg.max_retries >= 0 && ss->attempts > p->cfg.max_retries) {
                struct shot *f = NULL;
                for (int i = 0; i < ns && f == NULL; i++)
                    if (shots[i].irc == 0 && shots[i].failed) f = &shots[i];
                add_failure(p, sh, &f->g, f->g.n, "RetryAttemptsExhausted", ss->attempts, &f->res, version);
                checkpoint(p, sh, pos, b, 0, last_read, 0, "PROBLEM: Function call failed");
                ss->attempts = 0;
            } else {
                ss->retrying = 1;
                ss->retry_last = last_read;
                set_result(p, "PROBLEM: Function call failed");
                save_pos(p, pos);
                p->not_before_ms = util_wall_ms() + ESM_RETRY_PAUSE_MS;
            }
        }
    }
    for (int i = 0; i < ns; i++) {
        invoke_res_clear(&shots[i].res);
        free(shots[i].g.r);
    }
    return out;
}


/* ---- tumbling windows ---- */

static struct twin *twin_of(struct poller *p, const char *shard) {
    for (struct twin *t = p->twins; t; t = t->next)
        if (strcmp(t->shard, shard) == 0) return t;
    return NULL;
}

static void twin_drop(struct poller *p, struct twin *t) {
    for (struct twin **pp = &p->twins; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            free(t->state);
            free(t);
            return;
        }
}

/* The top-level members a tumbling-window event adds (docs/aws-reference.md D3),
 * as ",\"window\":…" text to append to the payload object. */
static char *twin_extra(struct poller *p, const char *shard, int64_t start_ms, const char *state, int final) {
    char a[40], z[40];
    util_iso_time(start_ms, a, sizeof(a));
    util_iso_time(start_ms + (int64_t)p->cfg.tumbling_s * 1000, z, sizeof(z));
    return xasprintf(",\"window\":{\"start\":\"%s\",\"end\":\"%s\"},\"state\":%s,\"shardId\":\"%s\","
                     "\"eventSourceARN\":\"%s\",\"isFinalInvokeForWindow\":%s,\"isWindowTerminatedEarly\":false",
                     a, z, state && state[0] ? state : "{}", shard, p->m.source_arn, final ? "true" : "false");
}

/* Keeps the "state" object of a tumbling-window response in T. */
static void twin_keep_state(struct twin *t, const struct invoke_res *res) {
    cJSON *o = res->body ? cJSON_ParseWithLength(res->body, res->nbody) : NULL;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "state");
    if (cJSON_IsObject(st)) {
        free(t->state);
        t->state = cJSON_PrintUnformatted(st);
    }
    cJSON_Delete(o);
}

/* The final invoke of window T (no records, isFinalInvokeForWindow),
 * once the window has ended. Returns 1 when done, 0 to try later. */
static int twin_final(struct poller *p, const struct store_shard *sh, struct twin *t, int64_t *wait_ms) {
    char version[32] = "";
    int missing = 0;
    cJSON *fcfg = invoke_resolve(p->m.account, p->m.region, p->m.function_name, p->m.qualifier, version,
                                 &missing);
    if (fcfg == NULL) {
        if (ESM_BACKOFF_MAX_MS < *wait_ms) *wait_ms = ESM_BACKOFF_MAX_MS;
        return 0;
    }
    char *extra = twin_extra(p, sh->shard_id, t->start_ms, t->state, 1);
    struct batch none = {NULL, 0, 0, 0};
    char *payload = build_payload(&none, 0, p->m.source_arn, extra);
    free(extra);
    struct invoke_req ir = {p->m.account, p->m.region, p->m.function_name, p->m.qualifier, version, fcfg,
                            p->m.function_arn, payload, strlen(payload), NULL, 0, NULL};
    struct invoke_res res;
    int irc = invoke_sync(&ir, &res);
    free(payload);
    cJSON_Delete(fcfg);
    int done = irc == 0;   /* a function error ends the window too: its state is gone */
    if (!done) {
        back_off(p, wait_ms);
    } else {
        twin_drop(p, t);
    }
    invoke_res_clear(&res);
    return done;
}

/* Resolves the start of P in SH when it has none: TRIM_HORIZON reads the
 * shard from its oldest retained record; LATEST only what comes after
 * the mapping started, so a closed shard that existed then is done and
 * an open one starts after its last record. Shards created after the
 * mapping are read from their start either way. */
static int start_position(struct poller *p, const struct store_shard *sh, struct store_esm_pos *pos) {
    pos->seq = sh->start_seq - 1;
    if (p->cfg.latest && sh->created_ms <= p->m.created_ms) {
        if (sh->end_seq >= 0) {
            pos->done = 1;
        } else {
            int64_t lo, hi;
            if (store_record_bounds(p->m.source_arn, sh->shard_id, &lo, &hi) != STORE_OK) return -1;
            if (hi >= 0) pos->seq = hi;
        }
    }
    pos->started = 1;
    save_pos(p, pos);
    return 0;
}

/* Works one shard once: at most one invoke. Returns 1 when it made
 * progress (the caller polls again at once), 0 when it waits, and
 * lowers *WAIT_MS to when it wants to look again. */
static int poll_shard(struct poller *p, const struct store_shard *sh, struct store_esm_pos *pos,
                      int64_t *wait_ms) {
    if (pos->done) return 0;
    if (!pos->started) {
        if (start_position(p, sh, pos) != 0) return 0;
        if (pos->done) return 1;
    }
    struct sstate *ss = sstate_of(p, sh->shard_id);
    int retrying = ss->retrying;
    /* A retried batch is cut at its last record below, so bisected
     * halves and filtered batches come back the same. */
    int limit = p->cfg.batch_size * (retrying ? 1 : p->cfg.parallel);
    struct batch b = {NULL, 0, 0, 0};
    if (store_begin(0) != STORE_OK) return 0;
    int rc = store_record_read(p->m.source_arn, sh->shard_id, pos->seq + 1, limit,
                               (size_t)ESM_MAX_PAYLOAD * (size_t)(retrying ? 1 : p->cfg.parallel), collect_rec, &b);
    store_rollback();
    if (rc != STORE_OK) {
        batch_clear(&b);
        return 0;
    }
    if (retrying)
        while (b.n > 0 && b.r[b.n - 1].seq > ss->retry_last) free(b.r[--b.n].json);
    if (b.n == 0) {
        batch_clear(&b);
        if (retrying) ss->retrying = 0;
        struct twin *t = p->cfg.tumbling_s ? twin_of(p, sh->shard_id) : NULL;
        if (t) {
            int64_t end = t->start_ms + (int64_t)p->cfg.tumbling_s * 1000;
            int64_t left = end - clock_now_ms();
            if (left <= 0 || sh->end_seq >= 0) return twin_final(p, sh, t, wait_ms);
            if (left < *wait_ms) *wait_ms = left;
            return 0;
        }
        if (sh->end_seq >= 0 && pos->seq >= sh->end_seq) {
            pos->done = 1;
            save_pos(p, pos);
            return 1;
        }
        if (sh->end_seq >= 0) {
            /* Closed, and nothing past the checkpoint is left (trimmed). */
            pos->done = 1;
            save_pos(p, pos);
            return 1;
        }
        return 0;
    }
    int64_t now = clock_now_ms();
    /* Records past MaximumRecordAgeInSeconds are given up, never sent. */
    if (p->cfg.max_age_s >= 0) {
        int old = 0;
        while (old < b.n && now - b.r[old].created_ms > p->cfg.max_age_s * 1000) old++;
        if (old > 0) {
            add_failure(p, sh, &b, old, "RecordAgeExceeded", ss->attempts, NULL, NULL);
            checkpoint(p, sh, pos, &b, 0, b.r[old - 1].seq, 0, NULL);
            ss->retrying = 0;
            ss->attempts = 0;
            batch_clear(&b);
            return 1;
        }
    }
    /* The batching window: wait for a full batch until the oldest record
     * has waited the window (a closed shard has nothing more to wait for). */
    if (!retrying && b.n < p->cfg.batch_size && p->cfg.window_s > 0 && sh->end_seq < 0) {
        int64_t due = b.r[0].created_ms + (int64_t)p->cfg.window_s * 1000 - now;
        if (due > 0) {
            if (due < *wait_ms) *wait_ms = due;
            batch_clear(&b);
            return 0;
        }
    }
    int64_t wall = util_wall_ms();
    if (wall < p->not_before_ms) {
        if (p->not_before_ms - wall < *wait_ms) *wait_ms = p->not_before_ms - wall;
        batch_clear(&b);
        return 0;
    }

    /* FilterCriteria: records that match no filter are dropped but
     * checkpointed; a batch left empty is not sent at all. The batch
     * keeps only what is sent (B's order), LAST_READ what was read. */
    int64_t last_read = b.r[b.n - 1].seq;
    if (p->cfg.filters) {
        int k = 0;
        for (int i = 0; i < b.n; i++) {
            cJSON *rec = cJSON_Parse(b.r[i].json);
            int keep = rec && esm_filter_set_match(p->cfg.filters, rec);
            cJSON_Delete(rec);
            if (keep) b.r[k++] = b.r[i];
            else free(b.r[i].json);
        }
        b.n = k;
        if (b.n == 0) {
            checkpoint(p, sh, pos, &b, 0, last_read, 0, NULL);
            ss->retrying = 0;
            ss->attempts = 0;
            batch_clear(&b);
            return 1;
        }
    }

    /* Tumbling windows: a batch never spans two windows, and a window
     * ends with its final invoke before the next one starts. */
    char *tw_extra = NULL;
    int64_t tw_start = 0;
    if (p->cfg.tumbling_s > 0) {
        int64_t w = (int64_t)p->cfg.tumbling_s * 1000;
        tw_start = b.r[0].created_ms / w * w;
        struct twin *t = twin_of(p, sh->shard_id);
        if (t && t->start_ms < tw_start) {
            batch_clear(&b);
            return twin_final(p, sh, t, wait_ms);
        }
        int cut = 0;
        while (cut < b.n && b.r[cut].created_ms < tw_start + w) cut++;
        if (cut < b.n) {
            while (b.n > cut) free(b.r[--b.n].json);
            last_read = b.r[cut - 1].seq;
        }
        tw_extra = twin_extra(p, sh->shard_id, tw_start, t ? t->state : NULL, 0);
    }

    /* Invoke, as the mapping's function ARN says. */
    char version[32] = "";
    int missing = 0;
    cJSON *fcfg = invoke_resolve(p->m.account, p->m.region, p->m.function_name, p->m.qualifier, version,
                                 &missing);
    if (fcfg == NULL) {
        set_result(p, missing ? "PROBLEM: Function not found" : "PROBLEM: Internal error");
        free(tw_extra);
        p->not_before_ms = wall + ESM_BACKOFF_MAX_MS;
        if (ESM_BACKOFF_MAX_MS < *wait_ms) *wait_ms = ESM_BACKOFF_MAX_MS;
        batch_clear(&b);
        return 0;
    }
    if (p->cfg.parallel > 1 && !retrying && p->cfg.tumbling_s == 0) {
        int prc = poll_parallel(p, sh, pos, &b, &last_read, now, version, fcfg, wait_ms);
        if (prc != -2) {
            cJSON_Delete(fcfg);
            batch_clear(&b);
            return prc;
        }
    }
    char *payload = build_payload(&b, b.n, p->m.source_arn, tw_extra);
    free(tw_extra);
    struct invoke_req ir = {p->m.account, p->m.region, p->m.function_name, p->m.qualifier, version, fcfg,
                            p->m.function_arn, payload, strlen(payload), NULL, 0, NULL};
    metric_iterator_age(p->m.account, p->m.region, p->m.function_name, p->m.qualifier,
                        (double)(now - b.r[b.n - 1].created_ms));
    struct invoke_res res;
    int irc = invoke_sync(&ir, &res);
    free(payload);
    cJSON_Delete(fcfg);
    if ((irc != 0 || res.function_error) && poller_stopped(p)) {
        /* The server or the mapping is going away: a batch that failed
         * meanwhile may have been cut short by that (a stop kills running
         * functions), so it is neither retried nor given up here; the
         * next poller starts again from the checkpoint. A batch that
         * succeeded is checkpointed below as always. */
        invoke_res_clear(&res);
        batch_clear(&b);
        return 0;
    }
    if (irc != 0) {
        /* Never reached the function: throttled or a service error.
         * Retried with backoff until the records age out; no retry
         * attempt is spent. */
        pos->throttles += res.throttle_reason != NULL;
        back_off(p, wait_ms);
        save_pos(p, pos);
        invoke_res_clear(&res);
        batch_clear(&b);
        return 0;
    }
    p->backoff_ms = 0;
    int64_t failed_at = 0;
    if (res.function_error) failed_at = -1;
    else if (p->cfg.report_failures) failed_at = lowest_failure(&res, &b, b.n);
    if (failed_at == 0) {
        if (p->cfg.tumbling_s > 0) {
            struct twin *t = twin_of(p, sh->shard_id);
            if (t == NULL) {
                t = xcalloc(1, sizeof(*t));
                snprintf(t->shard, sizeof(t->shard), "%s", sh->shard_id);
                t->start_ms = tw_start;
                t->next = p->twins;
                p->twins = t;
            }
            twin_keep_state(t, &res);
        }
        if (checkpoint(p, sh, pos, &b, b.n, last_read, 1, "OK") == STORE_OK) {
            ss->retrying = 0;
            ss->attempts = 0;
        }
        invoke_res_clear(&res);
        batch_clear(&b);
        return 1;
    }
    /* A failure: the whole batch, or from the lowest failed record on. */
    ss->attempts++;
    int ok_before = 0;
    if (failed_at > 0) {
        while (ok_before < b.n && b.r[ok_before].seq < failed_at) ok_before++;
        if (ok_before > 0) {
            /* Checkpoint just before the lowest failure; retry from it. */
            checkpoint(p, sh, pos, &b, ok_before, b.r[ok_before - 1].seq, 1, NULL);
        }
    }
    int remaining = b.n - ok_before;
    int64_t last = last_read;
    pos->retries++;
    if (p->cfg.bisect && remaining > 1) {
        /* Split: retry the first half; the rest follows in later batches.
         * Bisecting does not spend retry attempts. */
        ss->retrying = 1;
        ss->retry_last = b.r[ok_before + remaining / 2 - 1].seq;
        ss->attempts = 0;
        save_pos(p, pos);
    } else if (p->cfg.max_retries >= 0 && ss->attempts > p->cfg.max_retries) {
        /* Given up: the failure record, then past the batch. */
        struct batch rest = {b.r + ok_before, remaining, remaining, 0};
        add_failure(p, sh, &rest, remaining, "RetryAttemptsExhausted", ss->attempts, &res, version);
        checkpoint(p, sh, pos, &b, 0, last, 0, "PROBLEM: Function call failed");
        ss->retrying = 0;
        ss->attempts = 0;
    } else {
        ss->retrying = 1;
        ss->retry_last = last;
        set_result(p, "PROBLEM: Function call failed");
        save_pos(p, pos);
        p->not_before_ms = util_wall_ms() + ESM_RETRY_PAUSE_MS;
    }
    invoke_res_clear(&res);
    batch_clear(&b);
    return 1;
}

/* One pass over the stream's shards in order, parents before children. */
static int poll_once(struct poller *p, int64_t *wait_ms) {
    struct store_shard *sh = xmalloc(ESM_MAX_SHARDS * sizeof(*sh));
    struct store_esm_pos *pos = xcalloc(ESM_MAX_SHARDS, sizeof(*pos));
    int n = 0;
    int worked = 0;
    if (store_begin(0) != STORE_OK) goto out;
    int rc = store_shard_list(p->m.source_arn, sh, ESM_MAX_SHARDS, &n);
    for (int i = 0; i < n && rc == STORE_OK; i++) {
        int prc = store_esm_pos_get(p->m.uuid, sh[i].shard_id, &pos[i]);
        if (prc == STORE_NOTFOUND) {
            memset(&pos[i], 0, sizeof(pos[i]));
            snprintf(pos[i].shard_id, sizeof(pos[i].shard_id), "%s", sh[i].shard_id);
            pos[i].seq = -1;
        } else if (prc != STORE_OK) {
            rc = prc;
        }
    }
    store_rollback();
    if (rc != STORE_OK) goto out;
    for (int i = 0; i < n && !poller_stopped(p); i++) {
        /* A child waits for its parent to be read to its end. */
        int parent_busy = 0;
        if (sh[i].parent_id[0])
            for (int j = 0; j < n; j++)
                if (strcmp(sh[j].shard_id, sh[i].parent_id) == 0 && !pos[j].done) parent_busy = 1;
        if (parent_busy) continue;
        /* While a batch of one shard is retried, the others go on (AWS
         * blocks only the failing shard). */
        worked |= poll_shard(p, &sh[i], &pos[i], wait_ms);
    }
out:
    free(sh);
    free(pos);
    return worked;
}

static void *poller_main(void *arg) {
    struct poller *p = arg;
    snprintf(p->last_result, sizeof(p->last_result), "%s", p->m.last_result);
    while (!poller_stopped(p)) {
        int64_t seen = __atomic_load_n(&stream_epoch, __ATOMIC_SEQ_CST);
        int64_t wait_ms = ESM_IDLE_MS;
        if (poll_once(p, &wait_ms)) continue;
        poller_wait(p, seen, wait_ms);
    }
    store_thread_done();
    pthread_mutex_lock(&mu);
    p->exited = 1;
    kicks++;   /* the manager joins it and starts its successor now */
    pthread_cond_broadcast(&manager_cv);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static void poller_free(struct poller *p) {
    while (p->shards) {
        struct sstate *n = p->shards->next;
        free(p->shards);
        p->shards = n;
    }
    while (p->twins) {
        struct twin *n = p->twins->next;
        free(p->twins->state);
        free(p->twins);
        p->twins = n;
    }
    esm_filter_set_free(p->cfg.filters);
    store_esm_clear(&p->m);
    free(p);
}

/* ---- the manager's view of mappings ---- */

struct live {
    struct store_esm *m;
    int n, cap;
};

static int collect_live(void *ctx, const struct store_esm *m) {
    if (!m->enabled || strcmp(m->state, "Enabled") != 0) return 0;
    struct live *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->m = xrealloc(l->m, (size_t)l->cap * sizeof(*l->m));
    }
    struct store_esm *c = &l->m[l->n++];
    *c = *m;
    c->function_arn = xstrdup(m->function_arn ? m->function_arn : "");
    c->source_arn = xstrdup(m->source_arn ? m->source_arn : "");
    c->config = xstrdup(m->config ? m->config : "{}");
    return 0;
}

/* Runs a poller for every enabled mapping at its current generation and
 * stops the others (a stopped poller finishes its batch in flight; it
 * is joined once it has exited). */
static void reconcile(void) {
    struct live l = {NULL, 0, 0};
    if (store_begin(0) != STORE_OK) return;
    int rc = store_esm_all(collect_live, &l);
    store_rollback();
    if (rc != STORE_OK) {
        for (int i = 0; i < l.n; i++) store_esm_clear(&l.m[i]);
        free(l.m);
        return;
    }
    struct poller *dead = NULL;
    pthread_mutex_lock(&mu);
    for (struct poller *p = pollers; p; p = p->next) {
        int keep = 0;
        for (int i = 0; i < l.n && !keep; i++)
            keep = strcmp(l.m[i].uuid, p->m.uuid) == 0 && l.m[i].generation == p->m.generation;
        if (!keep && !p->stop) {
            p->stop = 1;
            pthread_cond_broadcast(&stream_cv);
        }
    }
    /* Join the ones that have exited. */
    for (struct poller **pp = &pollers; *pp;) {
        struct poller *p = *pp;
        if (p->stop && p->exited) {
            *pp = p->next;
            p->next = dead;
            dead = p;
        } else {
            pp = &p->next;
        }
    }
    for (int i = 0; i < l.n; i++) {
        int have = 0;
        for (struct poller *p = pollers; p && !have; p = p->next)
            have = !p->stop && strcmp(p->m.uuid, l.m[i].uuid) == 0;
        /* A stopping poller of the same mapping may still have a batch
         * in flight: the new one starts once it has exited, so a batch
         * is never run twice at once. */
        int draining = 0;
        for (struct poller *p = pollers; p && !draining; p = p->next)
            draining = p->stop && strcmp(p->m.uuid, l.m[i].uuid) == 0;
        if (have || draining) continue;
        struct poller *np = xcalloc(1, sizeof(*np));
        np->m = l.m[i];
        memset(&l.m[i], 0, sizeof(l.m[i]));
        parse_cfg(np->m.config, &np->cfg);
        if (pthread_create(&np->thread, NULL, poller_main, np) != 0) {
            log_msg(LOG_ERROR, "mapping %s: cannot start its poller", np->m.uuid);
            poller_free(np);
            continue;
        }
        np->next = pollers;
        pollers = np;
    }
    pthread_mutex_unlock(&mu);
    while (dead) {
        struct poller *n = dead->next;
        pthread_join(dead->thread, NULL);
        poller_free(dead);
        dead = n;
    }
    for (int i = 0; i < l.n; i++) store_esm_clear(&l.m[i]);
    free(l.m);
}

/* ---- the manager ---- */

struct settle {
    char uuid[37];
    char from[16];
    char to[16];     /* "" for a delete */
};

struct settle_list {
    struct settle *v;
    int n, cap;
};

/* The state a transitional one ends in, "" for Deleting (the row goes),
 * NULL when M's state is final. */
static const char *final_state(const struct store_esm *m) {
    if (strcmp(m->state, "Deleting") == 0) return "";
    if (strcmp(m->state, "Creating") == 0 || strcmp(m->state, "Updating") == 0)
        return m->enabled ? "Enabled" : "Disabled";
    if (strcmp(m->state, "Enabling") == 0) return "Enabled";
    if (strcmp(m->state, "Disabling") == 0) return "Disabled";
    return NULL;
}

static int collect_settle(void *ctx, const struct store_esm *m) {
    const char *to = final_state(m);
    if (to == NULL) return 0;
    struct settle_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->v = xrealloc(l->v, (size_t)l->cap * sizeof(*l->v));
    }
    snprintf(l->v[l->n].uuid, sizeof(l->v[l->n].uuid), "%s", m->uuid);
    snprintf(l->v[l->n].from, sizeof(l->v[l->n].from), "%s", m->state);
    snprintf(l->v[l->n].to, sizeof(l->v[l->n].to), "%s", to);
    l->n++;
    return 0;
}

/* Moves every mapping in a transitional state to its final one. */
static void settle_states(void) {
    struct settle_list l = {NULL, 0, 0};
    if (store_begin(0) != STORE_OK) return;
    int rc = store_esm_all(collect_settle, &l);
    store_rollback();
    if (rc != STORE_OK || l.n == 0) {
        free(l.v);
        return;
    }
    if (store_begin(1) != STORE_OK) {
        free(l.v);
        return;
    }
    for (int i = 0; i < l.n && rc == STORE_OK; i++) {
        /* Only from the state read: a change that committed since (a
         * delete right after a create, say) is not overwritten. */
        if (l.v[i].to[0] == '\0') rc = store_esm_delete(l.v[i].uuid);
        else rc = store_esm_settle(l.v[i].uuid, l.v[i].from, l.v[i].to);
        if (rc == STORE_NOTFOUND) rc = STORE_OK;   /* moved on or deleted meanwhile */
    }
    if (rc == STORE_OK) store_commit();
    else store_rollback();
    free(l.v);
}

static void *manager_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!stopping) {
        int seen = kicks;
        pthread_mutex_unlock(&mu);
        settle_states();
        reconcile();
        pthread_mutex_lock(&mu);
        if (stopping || kicks != seen) continue;
        struct timespec ts;
        util_deadline_in(&ts, ESM_TICK_MS);
        pthread_cond_timedwait(&manager_cv, &mu, &ts);
    }
    pthread_mutex_unlock(&mu);
    store_thread_done();
    return NULL;
}

int esm_start(void) {
    pthread_mutex_lock(&mu);
    stopping = 0;
    pthread_mutex_unlock(&mu);
    if (pthread_create(&manager, NULL, manager_main, NULL) != 0) return -1;
    running = 1;
    return 0;
}

void esm_stop(void) {
    if (!running) return;
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_broadcast(&manager_cv);
    pthread_mutex_unlock(&mu);
    pthread_join(manager, NULL);
    running = 0;
    pthread_mutex_lock(&mu);
    for (struct poller *p = pollers; p; p = p->next) p->stop = 1;
    pthread_cond_broadcast(&stream_cv);
    struct poller *all = pollers;
    pollers = NULL;
    pthread_mutex_unlock(&mu);
    while (all) {
        struct poller *n = all->next;
        pthread_join(all->thread, NULL);
        poller_free(all);
        all = n;
    }
}
