/*
 * Event source mappings at run time (engine/esm.h): the manager thread
 * and the pollers. A poller's work on a shard is read -> decide -> act:
 * it reads records and state, asks the pure deciders of
 * engine/esm_decide.h what to do, and does it (invoke, checkpoint,
 * failure record, backoff).
 */
#include "engine/esm.h"
#include "engine/destination.h"
#include "engine/esm_decide.h"
#include "engine/esm_settings.h"
#include "base/clock.h"
#include "engine/invoker.h"
#include "base/log.h"
#include "engine/metrics.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_ddb.h"
#include "storage/store_esm.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <errno.h>
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
/* The fields marked "under mu" are read and written holding it. A
 * default mutex cannot say who holds it: this checks that someone does. */
#define ASSERT_MU_HELD() assert(pthread_mutex_trylock(&mu) == EBUSY)
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

/* The invoke payload limit a batch must fit in (AWS's 6 MB for a
 * synchronous invoke). */
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
/* Shards read per stream listing (a stream has one open shard per
 * partition, at most 16, plus closed ones for 24 h at one per 4 h). */
#define ESM_MAX_SHARDS 1024

/* A shard's retry state (struct esm_retry) by shard. */
struct sstate {
    char shard[80];
    struct esm_retry r;
    struct sstate *next;
};

/* A shard's open tumbling window and the state the function returned. */
struct twin {
    char shard[80];
    int64_t start_ms;
    char *state;              /* JSON object text */
    struct twin *next;
};

/* One mapping generation's poller. The fields marked "under mu" are
 * shared with the manager; the others are its thread's own. */
struct poller {
    struct store_esm m;       /* the row as of GENERATION (owned) */
    struct esm_cfg cfg;       /* parsed once per generation (owned) */
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

/* What one poll of a shard came to. */
enum poll_rc {
    POLL_WAIT = 0,            /* nothing moved: the poller may sleep until *WAIT_MS */
    POLL_AGAIN = 1,           /* progress: poll again at once */
};

/* Lowers *WAIT_MS to MS. */
static void wait_at_most(int64_t *wait_ms, int64_t ms) {
    if (ms < *wait_ms) *wait_ms = ms;
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
    wait_at_most(wait_ms, p->backoff_ms);
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


/* Records read from a shard (oldest first). */
struct batch {
    struct esm_rec *r;
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

static char *build_payload(const struct esm_rec *r, int n, const char *arn, const char *extra) {
    size_t cap = 32 + (extra ? strlen(extra) : 0);
    for (int i = 0; i < n; i++) cap += strlen(r[i].json) + strlen(arn) + 24;
    char *out = xmalloc(cap);
    size_t o = (size_t)snprintf(out, cap, "{\"Records\":[");
    for (int i = 0; i < n; i++) {
        const char *j = r[i].json;
        size_t len = strlen(j);
        while (len > 0 && j[len - 1] != '}') len--;   /* the record's closing brace */
        if (len == 0) continue;
        o += (size_t)snprintf(out + o, cap - o, "%s%.*s,\"eventSourceARN\":\"%s\"}", i ? "," : "",
                              (int)(len - 1), j, arn);
    }
    snprintf(out + o, cap - o, "]%s}", extra ? extra : "");
    return out;
}

/* The failure record (docs/aws-reference.md D4) of records [0, N) of R,
 * as JSON text (caller frees); checkpoint() keeps and delivers it. */
static char *failure_record(struct poller *p, const struct store_shard *sh, const struct esm_rec *r, int n,
                            const char *condition, int64_t invokes, const struct invoke_res *res,
                            const char *version) {
    char first[40], last[40];
    util_stream_seq(r[0].seq, first, sizeof(first));
    util_stream_seq(r[n - 1].seq, last, sizeof(last));
    struct dest_stream_batch b = {res && res->request_id[0] ? res->request_id : "",
                                  p->m.function_arn,
                                  condition,
                                  invokes,
                                  version,
                                  res && res->function_error,
                                  sh->shard_id,
                                  first,
                                  last,
                                  r[0].created_ms,
                                  r[n - 1].created_ms,
                                  n,
                                  p->m.source_arn,
                                  clock_now_ms()};
    log_msg(LOG_INFO, "mapping %s: gave up a batch of %d records of %s (%s)", p->m.uuid, n, sh->shard_id,
            condition);
    return dest_stream_record(&b);
}

/* Keeps FAILURE (a record of failure_record()) and sends it to the
 * mapping's OnFailure destination, in the caller's transaction. Sets
 * *UNDELIVERED when a destination did not take it. */
static int keep_failure(struct poller *p, const char *failure, int *undelivered) {
    const char *dest = p->cfg.on_failure;
    char why[512];
    int failed = dest && dest_deliver(p->m.account, p->m.region, dest, failure, NULL, 0, why, sizeof(why)) != 0;
    if (failed) log_msg(LOG_WARN, "mapping %s: failure record not delivered to %s: %s", p->m.uuid, dest, why);
    *undelivered = failed;
    return store_esm_failure_add(p->m.uuid, clock_now_ms(), failure, dest, failed ? why : NULL);
}

static void set_result(struct poller *p, const char *result) {
    if (strcmp(p->last_result, result) == 0) return;
    snprintf(p->last_result, sizeof(p->last_result), "%s", result);
    store_esm_set_result(p->m.uuid, result);
}

/* Moves P's checkpoint in SH to LAST_SEQ, counting records [0, NDELIV)
 * of R as delivered (and BATCHES successful invokes), in one write
 * transaction. Returns STORE_OK or an error (nothing moved). */
static int checkpoint(struct poller *p, const struct store_shard *sh, struct store_esm_pos *pos,
                      const struct esm_rec *r, int ndeliv, int64_t last_seq, int batches,
                      const char *result, const char *failure) {
    if (store_begin(1) != STORE_OK) return STORE_ERR;
    int undelivered = 0;
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
        rc = store_esm_delivered(p->m.uuid, p->m.source_arn, sh->shard_id, r[i].seq);
    /* The attempt's outcome is written with it. */
    if (rc == STORE_OK) rc = store_esm_attempt_clear(p->m.uuid, sh->shard_id);
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
    if (rc == STORE_OK && failure) rc = keep_failure(p, failure, &undelivered);
    if (rc != STORE_OK) {
        store_rollback();
        return rc;
    }
    rc = store_commit();
    if (rc == STORE_OK && failure) {
        dest_after_commit();
        if (undelivered) metric_destination_failed(p->m.account, p->m.region, p->m.function_name);
    }
    return rc;
}

/* Saves POS alone (counters, started/done) in its own transaction. */
static void save_pos(struct poller *p, const struct store_esm_pos *pos) {
    if (store_begin(1) != STORE_OK) return;
    struct store_esm cur;
    int rc = store_esm_get(p->m.uuid, &cur);   /* a deleted mapping keeps no position */
    store_esm_clear(&cur);
    if (rc == STORE_OK) rc = store_esm_pos_put(p->m.uuid, p->m.source_arn, pos);
    /* The last attempt's outcome (a retry, a throttle) is known. */
    if (rc == STORE_OK) rc = store_esm_attempt_clear(p->m.uuid, pos->shard_id);
    if (rc == STORE_OK) store_commit();
    else store_rollback();
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

/* Keeps the "state" object of a tumbling-window response in P's window
 * of SHARD, opening it at START_MS when none is open. */
static void twin_keep(struct poller *p, const char *shard, int64_t start_ms, const struct invoke_res *res) {
    struct twin *t = twin_of(p, shard);
    if (t == NULL) {
        t = xcalloc(1, sizeof(*t));
        snprintf(t->shard, sizeof(t->shard), "%s", shard);
        t->start_ms = start_ms;
        t->next = p->twins;
        p->twins = t;
    }
    cJSON *o = res->body ? cJSON_ParseWithLength(res->body, res->nbody) : NULL;
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "state");
    if (cJSON_IsObject(st)) {
        free(t->state);
        t->state = cJSON_PrintUnformatted(st);
    }
    cJSON_Delete(o);
}

/* The final invoke of window T (no records, isFinalInvokeForWindow),
 * once the window has ended. POLL_AGAIN when done, POLL_WAIT to try
 * later. */
static enum poll_rc twin_final(struct poller *p, const struct store_shard *sh, struct twin *t, int64_t *wait_ms) {
    char version[32] = "";
    int missing = 0;
    cJSON *fcfg = invoke_resolve(p->m.account, p->m.region, p->m.function_name, p->m.qualifier, version,
                                 &missing);
    if (fcfg == NULL) {
        wait_at_most(wait_ms, ESM_BACKOFF_MAX_MS);
        return POLL_WAIT;
    }
    char *extra = twin_extra(p, sh->shard_id, t->start_ms, t->state, 1);
    char *payload = build_payload(NULL, 0, p->m.source_arn, extra);
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
    return done ? POLL_AGAIN : POLL_WAIT;
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

/* ---- a shard's poll: read, decide, act ---- */

static struct sstate *sstate_of(struct poller *p, const char *shard) {
    for (struct sstate *x = p->shards; x; x = x->next)
        if (strcmp(x->shard, shard) == 0) return x;
    struct sstate *x = xcalloc(1, sizeof(*x));
    snprintf(x->shard, sizeof(x->shard), "%s", shard);
    x->next = p->shards;
    p->shards = x;
    return x;
}

/* A batch (or a window of batches split by key) on its way to the
 * function: records [0, N) of R, the checkpoint at LAST_READ after them. */
struct sending {
    struct poller *p;
    const struct store_shard *sh;
    struct store_esm_pos *pos;
    struct sstate *ss;
    const struct esm_rec *r;
    int n;
    int64_t last_read;
    int64_t now_ms;           /* the clock when the records were judged */
    char version[32];         /* the version invoke_resolve picked */
    cJSON *fcfg;              /* its configuration (owned) */
    int64_t *wait_ms;
};

/* Acts on verdict A about S, after the caller has counted what was
 * delivered of a failed invoke. BATCHES is the number of invokes,
 * THROTTLES what a back-off adds to the throttle count, FAIL_R / FAIL_N /
 * FAIL_RES the records and response a give-up cites. */
static enum poll_rc act_outcome(struct sending *s, const struct esm_after *a, int batches, int throttles,
                                const struct esm_rec *fail_r, int fail_n, const struct invoke_res *fail_res) {
    struct poller *p = s->p;
    if (a->backoff_reset) p->backoff_ms = 0;
    switch (a->verdict) {
    case ESM_OUT_LEAVE:
        return POLL_WAIT;
    case ESM_OUT_BACK_OFF:
        s->pos->throttles += throttles;
        back_off(p, s->wait_ms);
        save_pos(p, s->pos);
        return POLL_WAIT;
    case ESM_OUT_CHECKPOINT:
        if (checkpoint(p, s->sh, s->pos, s->r, s->n, s->last_read, batches, "OK", NULL) == STORE_OK) s->ss->r = a->next;
        return POLL_AGAIN;
    case ESM_OUT_BISECT:
        s->ss->r = a->next;
        s->pos->retries++;
        save_pos(p, s->pos);
        return POLL_AGAIN;
    case ESM_OUT_GIVE_UP:
        /* The failure record, then past the batch. */
        s->ss->r = a->next;
        s->pos->retries++;
        {
            char *failure = failure_record(p, s->sh, fail_r, fail_n, "RetryAttemptsExhausted", a->invokes,
                                           fail_res, s->version);
            checkpoint(p, s->sh, s->pos, s->r, 0, s->last_read, 0, "PROBLEM: Function call failed", failure);
            free(failure);
        }
        return POLL_AGAIN;
    case ESM_OUT_RETRY:
        s->ss->r = a->next;
        s->pos->retries++;
        set_result(p, "PROBLEM: Function call failed");
        save_pos(p, s->pos);
        p->not_before_ms = util_wall_ms() + ESM_RETRY_PAUSE_MS;
        return POLL_AGAIN;
    }
    return POLL_WAIT;
}

/* Invokes S's records as one batch (WINDOW_START_MS: its tumbling
 * window, when the mapping has them) and acts on the outcome. */
static enum poll_rc run_single(struct sending *s, int64_t window_start_ms) {
    struct poller *p = s->p;
    const char *shard = s->sh->shard_id;
    char *extra = NULL;
    if (p->cfg.tumbling_s > 0) {
        struct twin *t = twin_of(p, shard);
        extra = twin_extra(p, shard, window_start_ms, t ? t->state : NULL, 0);
    }
    char *payload = build_payload(s->r, s->n, p->m.source_arn, extra);
    free(extra);
    struct invoke_req ir = {p->m.account, p->m.region, p->m.function_name, p->m.qualifier, s->version, s->fcfg,
                            p->m.function_arn, payload, strlen(payload), NULL, 0, NULL};
    metric_iterator_age(p->m.account, p->m.region, p->m.function_name, p->m.qualifier,
                        (double)(s->now_ms - s->r[s->n - 1].created_ms));
    struct invoke_res res;
    int irc = invoke_sync(&ir, &res);
    free(payload);
    struct esm_shot_end end = {irc == 0, irc == 0 && res.function_error, 0};
    if (end.reached && !end.function_error && p->cfg.report_failures)
        end.failed_at = esm_lowest_failure(res.body, res.nbody, s->r, s->n);
    struct esm_outcome o = {&p->cfg, &end, 1, s->r, s->n, s->last_read, poller_stopped(p), s->ss->r};
    struct esm_after a;
    esm_decide_outcome(&o, &a);
    if (a.verdict == ESM_OUT_CHECKPOINT && p->cfg.tumbling_s > 0) twin_keep(p, shard, window_start_ms, &res);
    /* Checkpoint just before the lowest failure; the rest is retried. */
    if (a.ok_before > 0) checkpoint(p, s->sh, s->pos, s->r, a.ok_before, s->r[a.ok_before - 1].seq, 1, NULL, NULL);
    enum poll_rc rc = act_outcome(s, &a, 1, res.throttle_reason != NULL, s->r + a.ok_before, s->n - a.ok_before,
                                  &res);
    invoke_res_clear(&res);
    return rc;
}

/* One of several batches of a shard run at once. */
struct shot {
    struct poller *p;
    struct esm_rec *r;        /* records borrowed from the window */
    int n;
    const char *version;
    const cJSON *fcfg;
    struct invoke_res res;
    int irc;
    pthread_t thread;
    int threaded;
};

static void *shot_main(void *arg) {
    struct shot *s = arg;
    struct poller *p = s->p;
    char *payload = build_payload(s->r, s->n, p->m.source_arn, NULL);
    struct invoke_req ir = {p->m.account, p->m.region, p->m.function_name, p->m.qualifier, s->version, s->fcfg,
                            p->m.function_arn, payload, strlen(payload), NULL, 0, NULL};
    s->irc = invoke_sync(&ir, &s->res);
    free(payload);
    if (s->threaded) store_thread_done();
    return NULL;
}

/* Runs the NS shots at once: the first on this thread, the others on
 * threads of their own (or here, when none can be started). */
static void shots_run(struct shot *shots, int ns) {
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
}

/* Invokes S's window as the batches GRP assigns (esm_decide_groups, more
 * than one) at once. The checkpoint moves past the window only when
 * every batch succeeded; otherwise the successful batches count as
 * delivered and the window is retried (as one batch). */
static enum poll_rc run_parallel(struct sending *s, const int *grp) {
    struct poller *p = s->p;
    struct shot shots[ESM_MAX_PARALLEL];
    struct esm_shot_end ends[ESM_MAX_PARALLEL];
    int ns = 0;
    for (int g = 0; g < p->cfg.parallel; g++) {
        int count = 0;
        for (int i = 0; i < s->n; i++) count += grp[i] == g;
        if (count == 0) continue;
        struct shot *x = &shots[ns++];
        memset(x, 0, sizeof(*x));
        x->p = p;
        x->version = s->version;
        x->fcfg = s->fcfg;
        x->r = xmalloc((size_t)count * sizeof(*x->r));
        for (int i = 0; i < s->n; i++)
            if (grp[i] == g) x->r[x->n++] = s->r[i];
    }
    metric_iterator_age(p->m.account, p->m.region, p->m.function_name, p->m.qualifier,
                        (double)(s->now_ms - s->r[s->n - 1].created_ms));
    shots_run(shots, ns);
    int throttled = 0;
    const struct shot *first_failed = NULL;
    for (int i = 0; i < ns; i++) {
        struct shot *x = &shots[i];
        ends[i] = (struct esm_shot_end){x->irc == 0, x->irc == 0 && x->res.function_error, 0};
        if (ends[i].reached && !ends[i].function_error && p->cfg.report_failures)
            ends[i].failed_at = esm_lowest_failure(x->res.body, x->res.nbody, x->r, x->n);
        throttled += !ends[i].reached;
        int failed = ends[i].reached && (ends[i].function_error || ends[i].failed_at != 0);
        if (failed && first_failed == NULL) first_failed = x;
    }
    struct esm_outcome o = {&p->cfg, ends, ns, s->r, s->n, s->last_read, poller_stopped(p), s->ss->r};
    struct esm_after a;
    esm_decide_outcome(&o, &a);
    if (a.verdict != ESM_OUT_LEAVE && a.verdict != ESM_OUT_CHECKPOINT) {
        /* The function saw the batches that succeeded. */
        for (int i = 0; i < ns; i++)
            if (ends[i].reached && !ends[i].function_error && ends[i].failed_at == 0)
                checkpoint(p, s->sh, s->pos, shots[i].r, shots[i].n, s->pos->seq, 1, NULL, NULL);
    }
    assert(a.verdict != ESM_OUT_GIVE_UP || first_failed != NULL);
    enum poll_rc rc = act_outcome(s, &a, ns, throttled, first_failed ? first_failed->r : NULL,
                                  first_failed ? first_failed->n : 0, first_failed ? &first_failed->res : NULL);
    for (int i = 0; i < ns; i++) {
        invoke_res_clear(&shots[i].res);
        free(shots[i].r);
    }
    return rc;
}

/* Writes down, durably, that P is about to invoke the N records R of SH
 * (store_esm_attempt_put): should a crash lose the outcome, the next
 * start counts them as possibly delivered (issue 17). One small write
 * transaction per batch; a failure to write it is logged, not fatal. */
static void attempt_begin(struct poller *p, const struct store_shard *sh, const struct esm_rec *r, int n) {
    int64_t stack[64], *seqs = n <= 64 ? stack : xmalloc((size_t)n * sizeof(*seqs));
    for (int i = 0; i < n; i++) seqs[i] = r[i].seq;
    char *text = store_esm_seqs_text(seqs, n);
    int rc = store_begin(1);
    if (rc == STORE_OK) rc = store_esm_attempt_put(p->m.uuid, p->m.source_arn, sh->shard_id, text);
    if (rc == STORE_OK) rc = store_commit();
    else store_rollback();
    if (rc != STORE_OK) log_msg(LOG_WARN, "mapping %s: cannot record a batch attempt", p->m.uuid);
    free(text);
    if (seqs != stack) free(seqs);
}

/* Sends PLAN's records of B, as the mapping's function ARN says: split
 * by key when the plan allows it and the records make more than one
 * batch, else as one batch. */
static enum poll_rc invoke_step(struct poller *p, const struct store_shard *sh, struct store_esm_pos *pos,
                                struct sstate *ss, const struct batch *b, const struct esm_plan *plan,
                                const struct esm_view *v, int64_t *wait_ms) {
    struct sending s = {p, sh, pos, ss, b->r, plan->n, plan->last_read, v->now_ms, "", NULL, wait_ms};
    int missing = 0;
    s.fcfg = invoke_resolve(p->m.account, p->m.region, p->m.function_name, p->m.qualifier, s.version, &missing);
    if (s.fcfg == NULL) {
        set_result(p, missing ? "PROBLEM: Function not found" : "PROBLEM: Internal error");
        p->not_before_ms = v->wall_ms + ESM_BACKOFF_MAX_MS;
        wait_at_most(wait_ms, ESM_BACKOFF_MAX_MS);
        return POLL_WAIT;
    }
    enum poll_rc rc;
    if (plan->parallel) {
        int *grp = xmalloc((size_t)s.n * sizeof(*grp));
        int cut;
        int groups = esm_decide_groups(s.r, s.n, p->cfg.parallel, p->cfg.batch_size, ESM_MAX_PAYLOAD, grp, &cut);
        if (cut < s.n) {
            s.n = cut;
            s.last_read = s.r[cut - 1].seq;   /* what follows is read again */
        }
        attempt_begin(p, sh, s.r, s.n);
        rc = groups > 1 ? run_parallel(&s, grp) : run_single(&s, plan->window_start_ms);
        free(grp);
    } else {
        attempt_begin(p, sh, s.r, s.n);
        rc = run_single(&s, plan->window_start_ms);
    }
    cJSON_Delete(s.fcfg);
    return rc;
}

/* Reads the records of SH past POS into B: a batch (a retry's), or up
 * to ParallelizationFactor batches. Returns STORE_OK or an error. */
static int read_batch(struct poller *p, const struct store_shard *sh, const struct store_esm_pos *pos,
                      int retrying, struct batch *b) {
    int k = retrying ? 1 : p->cfg.parallel;
    if (store_begin(0) != STORE_OK) return STORE_ERR;
    int rc = store_record_read(p->m.source_arn, sh->shard_id, pos->seq + 1, p->cfg.batch_size * k,
                               (size_t)ESM_MAX_PAYLOAD * (size_t)k, collect_rec, b);
    store_rollback();
    return rc;
}

/* Works one shard once: at most one invoke. POLL_AGAIN when it made
 * progress (the caller polls again at once), POLL_WAIT when it waits;
 * lowers *WAIT_MS to when it wants to look again. */
static enum poll_rc poll_shard(struct poller *p, const struct store_shard *sh, struct store_esm_pos *pos,
                               int64_t *wait_ms) {
    enum poll_rc rc = POLL_WAIT;
    struct batch b = {NULL, 0, 0, 0};
    struct sstate *ss = NULL;
    struct twin *t = NULL;
    struct esm_view v;
    struct esm_plan plan;
    char *failure = NULL;   /* a give-up's record */
    if (pos->done) goto out;
    if (!pos->started) {
        if (start_position(p, sh, pos) != 0) goto out;
        if (pos->done) {
            rc = POLL_AGAIN;
            goto out;
        }
    }
    ss = sstate_of(p, sh->shard_id);
    if (read_batch(p, sh, pos, ss->r.retrying, &b) != STORE_OK) goto out;
    t = p->cfg.tumbling_s ? twin_of(p, sh->shard_id) : NULL;
    v = (struct esm_view){&p->cfg, ss->r, sh->end_seq >= 0, clock_now_ms(), util_wall_ms(), p->not_before_ms,
                          t != NULL, t ? t->start_ms : 0};
    esm_decide_read(&v, b.r, b.n, &plan);
    ss->r = plan.next;
    switch (plan.step) {
    case ESM_STEP_WAIT:
        wait_at_most(wait_ms, plan.wait_ms);
        break;
    case ESM_STEP_DONE:
        pos->done = 1;
        save_pos(p, pos);
        rc = POLL_AGAIN;
        break;
    case ESM_STEP_EXPIRE:
        failure = failure_record(p, sh, b.r, plan.n, "RecordAgeExceeded", plan.invokes, NULL, NULL);
        checkpoint(p, sh, pos, b.r, 0, plan.last_read, 0, NULL, failure);
        rc = POLL_AGAIN;
        break;
    case ESM_STEP_SKIP:
        checkpoint(p, sh, pos, b.r, 0, plan.last_read, 0, NULL, NULL);
        rc = POLL_AGAIN;
        break;
    case ESM_STEP_WINDOW_END:
        assert(t != NULL);   /* the plan ends only an open window */
        rc = twin_final(p, sh, t, wait_ms);
        break;
    case ESM_STEP_INVOKE:
        rc = invoke_step(p, sh, pos, ss, &b, &plan, &v, wait_ms);
        break;
    }
out:
    free(failure);
    batch_clear(&b);
    return rc;
}

/* One pass over the stream's shards in order, parents before children.
 * POLL_AGAIN when a shard made progress, else POLL_WAIT (*WAIT_MS
 * lowered to when a shard wants to look again). */
static enum poll_rc poll_once(struct poller *p, int64_t *wait_ms) {
    struct store_shard *sh = xmalloc(ESM_MAX_SHARDS * sizeof(*sh));
    struct store_esm_pos *pos = xcalloc(ESM_MAX_SHARDS, sizeof(*pos));
    int n = 0;
    enum poll_rc worked = POLL_WAIT;
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
        if (poll_shard(p, &sh[i], &pos[i], wait_ms) == POLL_AGAIN) worked = POLL_AGAIN;
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
        if (poll_once(p, &wait_ms) == POLL_AGAIN) continue;
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
    esm_cfg_clear(&p->cfg);
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

/* Stops the pollers whose mapping is not in L at the same generation.
 * Caller holds mu. */
static void stop_stale(const struct live *l) {
    ASSERT_MU_HELD();
    for (struct poller *p = pollers; p; p = p->next) {
        int keep = 0;
        for (int i = 0; i < l->n && !keep; i++)
            keep = strcmp(l->m[i].uuid, p->m.uuid) == 0 && l->m[i].generation == p->m.generation;
        if (!keep && !p->stop) {
            p->stop = 1;
            pthread_cond_broadcast(&stream_cv);
        }
    }
}

/* Unlinks the stopped pollers that have exited and returns them (the
 * caller joins and frees them once it has released mu). Caller holds mu. */
static struct poller *take_exited(void) {
    ASSERT_MU_HELD();
    struct poller *dead = NULL;
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
    return dead;
}

/* Starts a poller for each mapping of L that has none; a started one
 * takes its row from L. Caller holds mu. */
static void start_missing(struct live *l) {
    ASSERT_MU_HELD();
    for (int i = 0; i < l->n; i++) {
        int have = 0;
        for (struct poller *p = pollers; p && !have; p = p->next)
            have = !p->stop && strcmp(p->m.uuid, l->m[i].uuid) == 0;
        /* A stopping poller of the same mapping may still have a batch
         * in flight: the new one starts once it has exited, so a batch
         * is never run twice at once. */
        int draining = 0;
        for (struct poller *p = pollers; p && !draining; p = p->next)
            draining = p->stop && strcmp(p->m.uuid, l->m[i].uuid) == 0;
        if (have || draining) continue;
        struct poller *np = xcalloc(1, sizeof(*np));
        np->m = l->m[i];
        memset(&l->m[i], 0, sizeof(l->m[i]));
        esm_cfg_parse(np->m.config, &np->cfg);
        if (pthread_create(&np->thread, NULL, poller_main, np) != 0) {
            log_msg(LOG_ERROR, "mapping %s: cannot start its poller", np->m.uuid);
            poller_free(np);
            continue;
        }
        np->next = pollers;
        pollers = np;
    }
}

/* Runs a poller for every enabled mapping at its current generation and
 * stops the others (a stopped poller finishes its batch in flight; it
 * is joined once it has exited). */
static void reconcile(void) {
    struct live l = {NULL, 0, 0};
    struct poller *dead = NULL;
    if (store_begin(0) != STORE_OK) return;
    int rc = store_esm_all(collect_live, &l);
    store_rollback();
    if (rc != STORE_OK) goto out;
    pthread_mutex_lock(&mu);
    stop_stale(&l);
    dead = take_exited();
    start_missing(&l);
    pthread_mutex_unlock(&mu);
    while (dead) {
        struct poller *n = dead->next;
        pthread_join(dead->thread, NULL);
        poller_free(dead);
        dead = n;
    }
out:
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
    if (rc != STORE_OK || l.n == 0) goto out;
    if (store_begin(1) != STORE_OK) goto out;
    for (int i = 0; i < l.n && rc == STORE_OK; i++) {
        /* Only from the state read: a change that committed since (a
         * delete right after a create, say) is not overwritten. */
        if (l.v[i].to[0] == '\0') rc = store_esm_delete(l.v[i].uuid);
        else rc = store_esm_settle(l.v[i].uuid, l.v[i].from, l.v[i].to);
        if (rc == STORE_NOTFOUND) rc = STORE_OK;   /* moved on or deleted meanwhile */
    }
    if (rc == STORE_OK) store_commit();
    else store_rollback();
out:
    free(l.v);
}

/* Batches a crash cut short count as (possibly) delivered: done by the
 * manager before it starts any poller, on its own connection (an idle
 * server keeps few; docs/architecture.md, "Start-up"). */
static void recover_attempts(void) {
    int64_t interrupted = 0;
    if (store_esm_attempts_recover(&interrupted) != STORE_OK)
        log_msg(LOG_WARN, "cannot read the event-source attempts a previous run left");
    else if (interrupted > 0)
        log_msg(LOG_INFO, "%lld record(s) of batches a previous run did not finish count as possibly delivered",
                (long long)interrupted);
}

static void *manager_main(void *arg) {
    (void)arg;
    recover_attempts();
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
