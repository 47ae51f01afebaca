/*
 * Asynchronous (Event) invocations: a durable queue in SQLite and a few
 * worker threads that run due events through invoke_sync(), with AWS's
 * retry rules [docs/aws-reference.md B8]: a function error is retried twice (1
 * minute, then 2 minutes later, by the virtual clock, so a clock advance
 * fires retries at once); an event that cannot run (service error) is
 * retried with backoff until its maximum age; EventInvokeConfig's
 * MaximumRetryAttempts (0-2) and MaximumEventAgeInSeconds (60-21600)
 * apply per qualifier. Events survive restarts: a row is deleted only
 * after its final attempt, in the transaction that delivers its end to
 * the EventInvokeConfig's destinations and the function's dead-letter
 * queue (B10). The decisions are engine/async.h's, pure.
 */
#include "engine/invoker.h"
#include "engine/arn.h"
#include "engine/async.h"
#include "engine/destination.h"
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
/* Longest destination ARN the Lambda model allows (DestinationArn, 350),
 * with room to spare. */
#define ASYNC_MAX_ARN 400

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

int async_too_old(const struct async_facts *f) {
    return f->now_ms - f->received_ms > (int64_t)f->max_age_s * 1000;
}

void async_decide(const struct async_facts *f, struct async_step *out) {
    out->attempts = f->attempts;
    out->next_ms = 0;
    if (f->gone) {
        out->verdict = ASYNC_END_GONE;
    } else if (!f->ran) {
        /* Too old to run, or the function could not be read: try again soon. */
        out->verdict = async_too_old(f) ? ASYNC_END_AGE : ASYNC_RETRY;
        out->next_ms = out->verdict == ASYNC_RETRY ? f->now_ms + ASYNC_BACKOFF_MIN_MS : 0;
    } else if (f->service_error) {
        /* Never reached the function (like a throttle): retry with
         * backoff, not counted against the retry attempts. */
        int64_t back = ASYNC_BACKOFF_MIN_MS;
        for (int i = 0; i < f->attempts && back < ASYNC_BACKOFF_MAX_MS; i++) back *= 2;
        out->verdict = ASYNC_RETRY;
        out->next_ms = f->now_ms + (back < ASYNC_BACKOFF_MAX_MS ? back : ASYNC_BACKOFF_MAX_MS);
    } else if (f->function_error) {
        out->attempts = f->attempts + 1;
        if (out->attempts > f->max_retries) {
            out->verdict = ASYNC_END_RETRIES;
        } else {
            out->verdict = ASYNC_RETRY;
            out->next_ms = f->end_ms + (out->attempts == 1 ? ASYNC_RETRY1_MS : ASYNC_RETRY2_MS);
        }
    } else {
        out->verdict = ASYNC_END_SUCCESS;
    }
}

/* What an event's qualifier configures: the retry settings and the
 * destinations of its EventInvokeConfig. */
struct async_settings {
    int retries, max_age_s;
    char on_success[ASYNC_MAX_ARN], on_failure[ASYNC_MAX_ARN];
};

/* Copies DOC's DestinationConfig.KIND.Destination into OUT ("" none). */
static void destination_of(const cJSON *doc, const char *kind, char out[ASYNC_MAX_ARN]) {
    const cJSON *dc = cJSON_GetObjectItemCaseSensitive(doc, "DestinationConfig");
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(dc, kind);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(k, "Destination");
    snprintf(out, ASYNC_MAX_ARN, "%s", cJSON_IsString(d) ? d->valuestring : "");
}

/* The settings for EV: its qualifier's EventInvokeConfig, else the
 * unqualified function's, else AWS's defaults and no destinations. */
static void settings(const struct store_async_event *ev, struct async_settings *out) {
    memset(out, 0, sizeof(*out));
    out->retries = ASYNC_DEFAULT_RETRIES;
    out->max_age_s = ASYNC_DEFAULT_MAX_AGE_S;
    struct store_scope s = {ev->account, ev->region};
    char *text = NULL;
    const char *q = strcmp(ev->qualifier, "$LATEST") == 0 ? "" : ev->qualifier;
    if (store_eic_get(s, ev->name, q, &text) != STORE_OK && q[0] &&
        store_eic_get(s, ev->name, "", &text) != STORE_OK)
        return;
    cJSON *c = cJSON_Parse(text);
    free(text);
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(c, "MaximumRetryAttempts");
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(c, "MaximumEventAgeInSeconds");
    if (cJSON_IsNumber(r)) out->retries = (int)r->valuedouble;
    if (cJSON_IsNumber(a)) out->max_age_s = (int)a->valuedouble;
    destination_of(c, "OnSuccess", out->on_success);
    destination_of(c, "OnFailure", out->on_failure);
    cJSON_Delete(c);
}

/* An event's end, as its deliveries need it. */
struct async_end {
    const struct store_async_event *ev;
    const struct async_settings *set;
    const char *dlq;                 /* DeadLetterConfig.TargetArn, "" none */
    const struct async_step *step;
    const struct invoke_res *res;    /* of this attempt; NULL when none reached the function */
    const char *version;
};

/* Sends BODY to ARN for END, keeps the delivery's row, and counts a
 * failure in METRIC_ID. In the caller's transaction. Returns 1 when a
 * failure is to be counted after the commit. */
static int deliver_one(const struct async_end *end, const char *kind, const char *condition, const char *arn,
                       const char *body, const struct dest_attr *attrs, int nattrs) {
    const struct store_async_event *ev = end->ev;
    char why[512];
    int failed = dest_deliver(ev->account, ev->region, arn, body, attrs, nattrs, why, sizeof(why)) != 0;
    if (failed)
        log_msg(LOG_WARN, "async event %s of %s: %s delivery to %s failed: %s", ev->request_id, ev->name, kind,
                arn, why);
    struct store_scope s = {ev->account, ev->region};
    struct store_async_delivery d = {ev->name, clock_now_ms(), ev->request_id, kind, condition, arn,
                                     failed ? why : NULL};
    store_async_delivery_add(s, &d);
    return failed;
}

/* Delivers END's record to its destinations and dead-letter queue, in the
 * caller's transaction. Sets *DEST_FAILED / *DLQ_FAILED for the metrics. */
static void deliver_end(const struct async_end *end, int *dest_failed, int *dlq_failed) {
    const struct store_async_event *ev = end->ev;
    enum async_verdict v = end->step->verdict;
    const char *condition = v == ASYNC_END_SUCCESS ? "Success" : v == ASYNC_END_RETRIES ? "RetriesExhausted"
                                                                                        : "EventAgeExceeded";
    const char *target = v == ASYNC_END_SUCCESS ? end->set->on_success : end->set->on_failure;
    if (target[0]) {
        char arn[600];
        arn_function(arn, sizeof(arn), ev->region, ev->account, ev->name,
                     ev->qualifier[0] ? ev->qualifier : "$LATEST");
        const struct invoke_res *res = end->res;
        struct dest_async_end e = {ev->request_id,
                                   arn,
                                   condition,
                                   end->step->attempts + (v == ASYNC_END_SUCCESS),
                                   ev->payload,
                                   res != NULL,
                                   end->version,
                                   res && res->function_error,
                                   res ? res->body : NULL,
                                   res ? res->nbody : 0,
                                   clock_now_ms()};
        char *record = dest_async_record(&e);
        *dest_failed = deliver_one(end, v == ASYNC_END_SUCCESS ? "OnSuccess" : "OnFailure", condition, target,
                                   record, NULL, 0);
        free(record);
    }
    if (v != ASYNC_END_SUCCESS && end->dlq[0]) {
        char message[1025], code[8];
        if (end->res) dest_error_message(end->res->body, end->res->nbody, message, sizeof(message));
        else snprintf(message, sizeof(message), "Event age exceeded the maximum of %d seconds", end->set->max_age_s);
        snprintf(code, sizeof(code), "%d", 200);
        const struct dest_attr attrs[] = {
            {"RequestID", "String", ev->request_id},
            {"ErrorCode", "Number", code},
            {"ErrorMessage", "String", message},
        };
        *dlq_failed = deliver_one(end, "DeadLetter", condition, end->dlq, ev->payload, attrs, 3);
    }
}

/* Ends or reschedules EV as STEP says, in one transaction with the
 * deliveries of its end, so they happen once. */
static void finish(const struct async_end *end) {
    const struct store_async_event *ev = end->ev;
    const struct async_step *step = end->step;
    int dest_failed = 0, dlq_failed = 0;
    if (store_begin(1) != STORE_OK) return;
    int rc;
    if (step->verdict == ASYNC_RETRY) {
        rc = store_async_retry(ev->id, step->attempts, step->next_ms);
    } else {
        if (step->verdict != ASYNC_END_GONE) deliver_end(end, &dest_failed, &dlq_failed);
        rc = store_async_delete(ev->id);
    }
    if (rc != STORE_OK) {
        store_rollback();
        return;
    }
    if (store_commit() != STORE_OK) return;
    dest_after_commit();
    if (step->verdict != ASYNC_RETRY && step->verdict != ASYNC_END_SUCCESS)
        metric_async_dropped(ev->account, ev->region, ev->name);
    if (dest_failed) metric_destination_failed(ev->account, ev->region, ev->name);
    if (dlq_failed) metric_dead_letter_failed(ev->account, ev->region, ev->name);
}

/* The dead-letter queue in the function configuration CFG into OUT. */
static void dlq_of(const cJSON *cfg, char out[ASYNC_MAX_ARN]) {
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(cfg, "DeadLetterConfig");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "TargetArn");
    snprintf(out, ASYNC_MAX_ARN, "%s", cJSON_IsString(t) ? t->valuestring : "");
}

/* Runs one event; returns after its row is deleted or rescheduled. */
static void run_event(struct store_async_event *ev) {
    struct async_settings set;
    settings(ev, &set);
    struct async_facts f = {0};
    f.now_ms = clock_now_ms();
    f.received_ms = ev->received_ms;
    f.max_age_s = set.max_age_s;
    f.max_retries = set.retries;
    f.attempts = ev->attempts;
    char version[32] = "", dlq[ASYNC_MAX_ARN] = "";
    int missing = 0, reached = 0;
    struct invoke_res res;
    memset(&res, 0, sizeof(res));
    cJSON *cfg = invoke_resolve(ev->account, ev->region, ev->name, ev->qualifier, version, &missing);
    f.gone = cfg == NULL && missing;
    if (f.gone) log_msg(LOG_WARN, "async event %s: function %s is gone; dropped", ev->request_id, ev->name);
    if (cfg) dlq_of(cfg, dlq);
    if (cfg && !async_too_old(&f)) {
        char arn[600];
        arn_function(arn, sizeof(arn), ev->region, ev->account, ev->name, ev->qualifier);
        struct invoke_req ir = {ev->account, ev->region, ev->name, ev->qualifier, version, cfg,
                                arn, ev->payload, strlen(ev->payload), NULL, 0, ev->request_id};
        int rc = invoke_sync(&ir, &res);
        f.ran = 1;
        f.service_error = rc != 0;
        f.function_error = rc == 0 && res.function_error;
        reached = rc == 0;
        /* AsyncEventAge: queued to invoked, each time it reaches the
         * function (retries and throttles make it grow). */
        if (rc == 0) metric_async_age(ev->account, ev->region, ev->name, (double)(f.now_ms - ev->received_ms));
    }
    f.end_ms = clock_now_ms();
    struct async_step step;
    async_decide(&f, &step);
    if (step.verdict == ASYNC_END_RETRIES)
        log_msg(LOG_INFO, "async event %s of %s failed %d times; given up", ev->request_id, ev->name,
                step.attempts);
    struct async_end end = {ev, &set, dlq, &step, reached ? &res : NULL, version};
    finish(&end);
    invoke_res_clear(&res);
    cJSON_Delete(cfg);
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
