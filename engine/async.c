/*
 * Asynchronous (Event) invocations: a durable queue in SQLite and a few
 * worker threads that run due events through invoke_sync(), with AWS's
 * retry rules [docs/aws-reference.md B8]: a function error is retried twice (1
 * minute, then 2 minutes later, by the virtual clock, so a clock advance
 * fires retries at once); an event that cannot run (service error) is
 * retried with backoff until its maximum age; EventInvokeConfig's
 * MaximumRetryAttempts (0-2) and MaximumEventAgeInSeconds (60-21600)
 * apply per qualifier. Events survive restarts: a row is deleted only
 * after its final attempt.
 */
#include "engine/invoker.h"
#include "base/clock.h"
#include "base/log.h"
#include "engine/metrics.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_lambda.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Events run at once: a few workers keep slow handlers from holding up
 * the rest of the queue without flooding the machine with processes. */
#define ASYNC_WORKERS 4
/* Idle workers look at the queue this often even when nobody kicks them
 * (a retry that came due by the passing of real time). */
#define ASYNC_POLL_MS 250
/* AWS defaults: 2 retries after function errors, 6 hours of event age. */
#define ASYNC_DEFAULT_RETRIES 2
#define ASYNC_DEFAULT_MAX_AGE_S 21600
/* Backoff after a service error, doubling from 1 s up to 5 minutes. */
#define ASYNC_BACKOFF_MIN_MS 1000
#define ASYNC_BACKOFF_MAX_MS (5 * 60 * 1000)

static pthread_t workers[ASYNC_WORKERS];
static int nworkers;
static int stopping;
static int kicks;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
/* Events being run now, so two workers never take the same one. */
static int64_t running[ASYNC_WORKERS];

void invoke_async_kick(void) {
    pthread_mutex_lock(&mu);
    kicks++;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
}

int invoke_async_enqueue(const char *account, const char *region, const char *name,
                         const char *qualifier, const char *request_id, const char *payload) {
    struct store_scope s = {account, region};
    if (store_begin(1) != STORE_OK) return -1;
    if (store_async_put(s, name, qualifier, request_id, payload, clock_now_ms()) != STORE_OK) {
        store_rollback();
        return -1;
    }
    if (store_commit() != STORE_OK) return -1;
    metric_async_received(account, region, name);
    invoke_async_kick();
    return 0;
}

/* The retry settings for EV: its qualifier's EventInvokeConfig, else the
 * unqualified function's, else AWS's defaults. */
static void settings(const struct store_async_event *ev, int *retries, int *max_age_s) {
    *retries = ASYNC_DEFAULT_RETRIES;
    *max_age_s = ASYNC_DEFAULT_MAX_AGE_S;
    struct store_scope s = {ev->account, ev->region};
    char *text = NULL;
    const char *q = strcmp(ev->qualifier, "$LATEST") == 0 ? "" : ev->qualifier;
    if (store_eic_get(s, ev->name, q, &text) != STORE_OK && q[0] &&
        store_eic_get(s, ev->name, "", &text) != STORE_OK)
        return;
    cJSON *c = cJSON_Parse(text);
    free(text);
    const cJSON *r = c ? cJSON_GetObjectItemCaseSensitive(c, "MaximumRetryAttempts") : NULL;
    const cJSON *a = c ? cJSON_GetObjectItemCaseSensitive(c, "MaximumEventAgeInSeconds") : NULL;
    if (cJSON_IsNumber(r)) *retries = (int)r->valuedouble;
    if (cJSON_IsNumber(a)) *max_age_s = (int)a->valuedouble;
    cJSON_Delete(c);
}

/* Runs one event; returns after its row is deleted or rescheduled. */
static void run_event(struct store_async_event *ev) {
    int retries, max_age_s;
    settings(ev, &retries, &max_age_s);
    int64_t now = clock_now_ms();
    int drop = now - ev->received_ms > (int64_t)max_age_s * 1000;
    int64_t next = 0;
    int attempts = ev->attempts;
    int done = 0;
    if (!drop) {
        char version[32];
        int missing = 0;
        cJSON *cfg = invoke_resolve(ev->account, ev->region, ev->name, ev->qualifier, version, &missing);
        if (cfg == NULL && missing) {
            log_msg(LOG_WARN, "async event %s: function %s is gone; dropped", ev->request_id, ev->name);
            drop = 1;
        } else if (cfg == NULL) {
            next = now + ASYNC_BACKOFF_MIN_MS;
        } else {
            char arn[600];
            snprintf(arn, sizeof(arn), "arn:aws:lambda:%s:%s:function:%s%s%s", ev->region, ev->account,
                     ev->name, ev->qualifier[0] ? ":" : "", ev->qualifier);
            struct invoke_req ir = {ev->account, ev->region, ev->name, ev->qualifier, version, cfg,
                                    arn, ev->payload, strlen(ev->payload), NULL, 0, ev->request_id};
            struct invoke_res res;
            int rc = invoke_sync(&ir, &res);
            cJSON_Delete(cfg);
            /* AsyncEventAge: queued to invoked, each time it reaches the
             * function (retries and throttles make it grow). */
            if (rc == 0) metric_async_age(ev->account, ev->region, ev->name, (double)(now - ev->received_ms));
            if (rc != 0) {
                /* Never reached the function (like a throttle): retry with
                 * backoff, not counted against the retry attempts. */
                int64_t back = ASYNC_BACKOFF_MIN_MS;
                for (int i = 0; i < attempts && back < ASYNC_BACKOFF_MAX_MS; i++) back *= 2;
                next = now + (back < ASYNC_BACKOFF_MAX_MS ? back : ASYNC_BACKOFF_MAX_MS);
            } else if (res.function_error) {
                attempts++;
                if (attempts > retries) {
                    log_msg(LOG_INFO, "async event %s of %s failed %d times; dropped", ev->request_id,
                            ev->name, attempts);
                    drop = 1;
                } else {
                    next = clock_now_ms() + (attempts == 1 ? 60000 : 120000);
                }
            } else {
                drop = 1; /* done */
                done = 1;
            }
            invoke_res_clear(&res);
        }
    }
    if (drop && !done) metric_async_dropped(ev->account, ev->region, ev->name);
    if (store_begin(1) != STORE_OK) return;
    int rc = drop ? store_async_delete(ev->id) : store_async_retry(ev->id, attempts, next);
    if (rc == STORE_OK) store_commit();
    else store_rollback();
}

static void *worker_main(void *arg) {
    int slot = (int)(intptr_t)arg;
    pthread_mutex_lock(&mu);
    /* Only worker 0 looks at the queue at start and on the timer; the
     * others wait for a kick, which every enqueue gives and every event
     * a worker finds passes on. An idle server then has one connection
     * polling instead of four (each open connection holds its own copy
     * of the schema and page cache), and three fewer connections open
     * during start-up. */
    int seen = kicks, look = slot == 0;
    while (!stopping) {
        if (!look) {
            int timed_out = 0;
            if (kicks == seen) {
                if (slot == 0) {
                    struct timespec ts;
                    util_deadline_in(&ts, ASYNC_POLL_MS);
                    timed_out = pthread_cond_timedwait(&cv, &mu, &ts) != 0;
                } else {
                    pthread_cond_wait(&cv, &mu);
                }
            }
            if (stopping) break;
            if (kicks == seen && !timed_out) continue;   /* woken for nothing */
        }
        seen = kicks;
        pthread_mutex_unlock(&mu);
        struct store_async_event ev;
        int64_t skip[ASYNC_WORKERS];
        pthread_mutex_lock(&mu);
        memcpy(skip, running, sizeof(skip));
        pthread_mutex_unlock(&mu);
        int rc = store_async_next(clock_now_ms(), skip, ASYNC_WORKERS, &ev);
        pthread_mutex_lock(&mu);
        look = rc == STORE_OK;   /* found one: look again once it has run */
        if (rc != STORE_OK) continue;
        int taken = 0;
        for (int i = 0; i < ASYNC_WORKERS; i++) taken |= running[i] == ev.id;
        if (!taken) running[slot] = ev.id;
        /* More may be due: let the idle workers look too. */
        kicks++;
        pthread_cond_broadcast(&cv);
        seen = kicks;
        pthread_mutex_unlock(&mu);
        if (!taken) run_event(&ev);
        free(ev.payload);
        pthread_mutex_lock(&mu);
        running[slot] = 0;
    }
    pthread_mutex_unlock(&mu);
    store_thread_done();
    return NULL;
}

int invoke_async_start(void) {
    for (int i = 0; i < ASYNC_WORKERS; i++) {
        if (pthread_create(&workers[i], NULL, worker_main, (void *)(intptr_t)i) != 0) {
            log_msg(LOG_ERROR, "cannot start async workers");
            return -1;
        }
        nworkers++;
    }
    return 0;
}

void invoke_async_stop(void) {
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    for (int i = 0; i < nworkers; i++) pthread_join(workers[i], NULL);
    nworkers = 0;
}
