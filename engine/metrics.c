/*
 * engine/metrics.h: the in-memory aggregation table (a hash of statistic
 * sets keyed by account, region, metric, dimensions and minute, under one
 * mutex), its flush into storage/store_metrics, and the helpers that
 * turn one invocation into samples on AWS's dimension sets.
 */
#include "engine/metrics.h"
#include "base/clock.h"
#include "engine/concurrency.h"
#include "base/log.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    const char *unit;
    enum metric_kind kind;
} metrics[METRIC_COUNT] = {
    [METRIC_INVOCATIONS] = {"Invocations", "Count", METRIC_KIND_SUM},
    [METRIC_ERRORS] = {"Errors", "Count", METRIC_KIND_SUM},
    [METRIC_THROTTLES] = {"Throttles", "Count", METRIC_KIND_SUM},
    [METRIC_DURATION] = {"Duration", "Milliseconds", METRIC_KIND_TIME},
    [METRIC_CONCURRENT_EXECUTIONS] = {"ConcurrentExecutions", "Count", METRIC_KIND_MAX},
    [METRIC_UNRESERVED_CONCURRENT_EXECUTIONS] = {"UnreservedConcurrentExecutions", "Count", METRIC_KIND_MAX},
    [METRIC_PC_EXECUTIONS] = {"ProvisionedConcurrentExecutions", "Count", METRIC_KIND_MAX},
    [METRIC_PC_INVOCATIONS] = {"ProvisionedConcurrencyInvocations", "Count", METRIC_KIND_SUM},
    [METRIC_PC_SPILLOVER_INVOCATIONS] = {"ProvisionedConcurrencySpilloverInvocations", "Count", METRIC_KIND_SUM},
    /* A fraction (0.5 is half the allocated PC busy), as AWS reports it. */
    [METRIC_PC_UTILIZATION] = {"ProvisionedConcurrencyUtilization", "None", METRIC_KIND_MAX},
    [METRIC_ASYNC_EVENTS_RECEIVED] = {"AsyncEventsReceived", "Count", METRIC_KIND_SUM},
    [METRIC_ASYNC_EVENT_AGE] = {"AsyncEventAge", "Milliseconds", METRIC_KIND_TIME},
    [METRIC_ASYNC_EVENTS_DROPPED] = {"AsyncEventsDropped", "Count", METRIC_KIND_SUM},
    [METRIC_ITERATOR_AGE] = {"IteratorAge", "Milliseconds", METRIC_KIND_TIME},
    [METRIC_DEAD_LETTER_ERRORS] = {"DeadLetterErrors", "Count", METRIC_KIND_SUM},
    [METRIC_DESTINATION_DELIVERY_FAILURES] = {"DestinationDeliveryFailures", "Count", METRIC_KIND_SUM},
};

const char *metric_name(enum metric_id id) { return metrics[id].name; }
const char *metric_unit(enum metric_id id) { return metrics[id].unit; }
enum metric_kind metric_kind(enum metric_id id) { return metrics[id].kind; }

int metric_by_name(const char *name) {
    for (int i = 0; i < METRIC_COUNT; i++)
        if (strcmp(metrics[i].name, name) == 0) return i;
    return -1;
}

int64_t metric_minute(int64_t ms) {
    int64_t m = ms / 60000;
    if (ms < 0 && m * 60000 != ms) m--;
    return m * 60000;
}

/* ---- dimension text ---- */

/* Dimensions per metric: AWS allows 30; Lambda's sets have at most 3. */
#define METRIC_MAX_DIMS 30

int metric_dims(const char *const *names, const char *const *values, int n, char *out, size_t nout) {
    if (n < 0 || n > METRIC_MAX_DIMS) return -1;
    int order[METRIC_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        if (strpbrk(names[i], ",=") || strpbrk(values[i], ",=")) return -1;
        order[i] = i;
    }
    /* Insertion sort by name: n is tiny. */
    for (int i = 1; i < n; i++) {
        int k = order[i], j = i;
        while (j > 0 && strcmp(names[order[j - 1]], names[k]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    size_t len = 0;
    if (nout == 0) return -1;
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        int w = snprintf(out + len, nout - len, "%s%s=%s", i ? "," : "", names[order[i]], values[order[i]]);
        if (w < 0 || (size_t)w >= nout - len) return -1;
        len += (size_t)w;
    }
    return 0;
}

int metric_dims_split(const char *dims, char *buf, size_t nbuf, const char **names,
                      const char **values, int max) {
    size_t n = strlen(dims);
    if (n + 1 > nbuf) return -1;
    memcpy(buf, dims, n + 1);
    if (n == 0) return 0;
    int count = 0;
    char *p = buf;
    while (p) {
        char *next = strchr(p, ',');
        if (next) *next++ = '\0';
        char *eq = strchr(p, '=');
        if (eq == NULL || count == max) return -1;
        *eq = '\0';
        names[count] = p;
        values[count] = eq + 1;
        count++;
        p = next;
    }
    return count;
}

/* ---- the aggregation table ---- */

struct agg {
    char *key;              /* account|region|metric|dims|minute: hash key */
    char *account, *region, *dims;
    enum metric_id id;
    int64_t minute_ms;
    double sum, count, min, max;
    struct agg *next;       /* bucket chain */
};

/* Buckets: a flush empties the table every second, so it holds a
 * second's worth of distinct (function, dimension set) pairs; 1024 keeps
 * chains short for hundreds of busy functions. */
#define METRIC_BUCKETS 1024

static struct agg *table[METRIC_BUCKETS];
static int nentries;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
/* Serialises flushes (and the reset), so a reader's flush returns only
 * after an earlier flush in progress has committed too. */
static pthread_mutex_t flush_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t last_prune_minute = INT64_MIN;

static uint32_t hash(const char *z) {
    uint32_t h = 2166136261u;
    for (; *z; z++) {
        h ^= (unsigned char)*z;
        h *= 16777619u;
    }
    return h;
}

static void agg_free(struct agg *a) {
    free(a->key);
    free(a->account);
    free(a->region);
    free(a->dims);
    free(a);
}

/* Folds a statistic set into the table; mu held. */
static void fold_locked(const char *account, const char *region, enum metric_id id, const char *dims,
                        int64_t minute, double sum, double count, double min, double max) {
    char key[1024];
    snprintf(key, sizeof(key), "%s|%s|%d|%s|%lld", account, region, (int)id, dims, (long long)minute);
    struct agg **b = &table[hash(key) % METRIC_BUCKETS];
    for (struct agg *a = *b; a; a = a->next) {
        if (strcmp(a->key, key) != 0) continue;
        a->sum += sum;
        a->count += count;
        if (min < a->min) a->min = min;
        if (max > a->max) a->max = max;
        return;
    }
    struct agg *a = xcalloc(1, sizeof(*a));
    a->key = xstrdup(key);
    a->account = xstrdup(account);
    a->region = xstrdup(region);
    a->dims = xstrdup(dims);
    a->id = id;
    a->minute_ms = minute;
    a->sum = sum;
    a->count = count;
    a->min = min;
    a->max = max;
    a->next = *b;
    *b = a;
    nentries++;
}

void metric_put(const char *account, const char *region, enum metric_id id, const char *dims, double value) {
    int64_t minute = metric_minute(clock_now_ms());
    pthread_mutex_lock(&mu);
    fold_locked(account, region, id, dims, minute, value, 1, value, value);
    pthread_mutex_unlock(&mu);
}

/* Takes every entry out of the table as one list; mu held. */
static struct agg *detach_locked(void) {
    struct agg *list = NULL;
    for (int i = 0; i < METRIC_BUCKETS; i++) {
        struct agg *a = table[i];
        while (a) {
            struct agg *next = a->next;
            a->next = list;
            list = a;
            a = next;
        }
        table[i] = NULL;
    }
    nentries = 0;
    return list;
}

int metric_flush(void) {
    pthread_mutex_lock(&flush_mu);
    pthread_mutex_lock(&mu);
    int n = nentries;
    struct agg *list = n ? detach_locked() : NULL;
    pthread_mutex_unlock(&mu);
    int out = 0;
    if (list) {
        struct store_metric_row *rows = xmalloc((size_t)n * sizeof(*rows));
        int i = 0;
        for (struct agg *a = list; a && i < n; a = a->next, i++) {
            rows[i] = (struct store_metric_row){a->account, a->region, metrics[a->id].name, a->dims,
                                                metrics[a->id].unit, a->minute_ms, a->sum, a->count,
                                                a->min, a->max};
        }
        int rc = store_metrics_merge(rows, i);
        free(rows);
        if (rc != STORE_OK) {
            /* Keep the samples: fold them back for the next flush. */
            log_msg(LOG_WARN, "metrics: flush failed (%d); retrying at the next tick", rc);
            pthread_mutex_lock(&mu);
            for (struct agg *a = list; a; a = a->next)
                fold_locked(a->account, a->region, a->id, a->dims, a->minute_ms, a->sum, a->count, a->min,
                            a->max);
            pthread_mutex_unlock(&mu);
            out = -1;
        }
        while (list) {
            struct agg *next = list->next;
            agg_free(list);
            list = next;
        }
    }
    pthread_mutex_unlock(&flush_mu);
    return out;
}

void metric_tick(void) {
    metric_flush();
    int64_t minute = metric_minute(clock_now_ms());
    if (minute == last_prune_minute) return;
    int64_t deleted = 0;
    if (store_metrics_prune(minute - METRIC_RETENTION_MS, &deleted) == STORE_OK) {
        last_prune_minute = minute;
        if (deleted) log_msg(LOG_DEBUG, "metrics: pruned %lld minutes past retention", (long long)deleted);
    }
}

void metric_discard(void) {
    pthread_mutex_lock(&flush_mu);
    pthread_mutex_lock(&mu);
    struct agg *list = detach_locked();
    pthread_mutex_unlock(&mu);
    pthread_mutex_unlock(&flush_mu);
    while (list) {
        struct agg *next = list->next;
        agg_free(list);
        list = next;
    }
}

/* ---- one invocation, on AWS's dimension sets ---- */

/* Dimension text of T: FN "FunctionName=f"; RES with Resource "f:q"
 * (empty when unqualified); EXEC with ExecutedVersion too (empty when
 * unqualified or nothing ran). Sizes: names are at most 140 and
 * qualifiers 128 characters, so 1024 bytes always fit. */
struct dimsets {
    char fn[1024], res[1024], exec[1024];
};

static void dimsets(const char *function, const char *qualifier, const char *version, struct dimsets *d) {
    d->fn[0] = d->res[0] = d->exec[0] = '\0';
    const char *names[3] = {"FunctionName", "Resource", "ExecutedVersion"};
    char resource[600];
    snprintf(resource, sizeof(resource), "%s:%s", function, qualifier ? qualifier : "");
    const char *values[3] = {function, resource, version ? version : ""};
    if (metric_dims(names, values, 1, d->fn, sizeof(d->fn)) != 0) d->fn[0] = '\0';
    if (qualifier == NULL || qualifier[0] == '\0') return;
    if (metric_dims(names, values, 2, d->res, sizeof(d->res)) != 0) d->res[0] = '\0';
    if (version && version[0] && metric_dims(names, values, 3, d->exec, sizeof(d->exec)) != 0)
        d->exec[0] = '\0';
}

/* One sample on the account set and each non-empty set in D; mu held. */
static void put_sets_locked(const struct metric_target *t, int64_t minute, enum metric_id id, double v,
                            const struct dimsets *d, int account, int fn, int res, int exec) {
    if (account) fold_locked(t->account, t->region, id, "", minute, v, 1, v, v);
    if (fn && d->fn[0]) fold_locked(t->account, t->region, id, d->fn, minute, v, 1, v, v);
    if (res && d->res[0]) fold_locked(t->account, t->region, id, d->res, minute, v, 1, v, v);
    if (exec && d->exec[0]) fold_locked(t->account, t->region, id, d->exec, minute, v, 1, v, v);
}

void metric_admitted(const struct metric_target *t, const struct conc_ticket *k) {
    struct dimsets d;
    dimsets(t->function, t->qualifier, t->version, &d);
    int64_t minute = metric_minute(clock_now_ms());
    pthread_mutex_lock(&mu);
    put_sets_locked(t, minute, METRIC_CONCURRENT_EXECUTIONS, (double)k->account_running, &d, 1, 0, 0, 0);
    put_sets_locked(t, minute, METRIC_CONCURRENT_EXECUTIONS, (double)k->fn_running, &d, 0, 1, 0, 0);
    put_sets_locked(t, minute, METRIC_CONCURRENT_EXECUTIONS, (double)k->q_running, &d, 0, 0, 1, 0);
    put_sets_locked(t, minute, METRIC_UNRESERVED_CONCURRENT_EXECUTIONS, (double)k->unreserved_running, &d, 1,
                    0, 0, 0);
    /* PC figures are AWS's on FunctionName+Resource; sluice also keeps
     * them per function (counts summed, gauges the busiest qualifier's),
     * so a function-wide view sees them. */
    if (k->slot == CONC_PROVISIONED) {
        put_sets_locked(t, minute, METRIC_PC_INVOCATIONS, 1, &d, 0, 1, 1, 0);
        put_sets_locked(t, minute, METRIC_PC_EXECUTIONS, (double)k->pc_running, &d, 0, 1, 1, 0);
        if (k->pc_ready > 0)
            put_sets_locked(t, minute, METRIC_PC_UTILIZATION, (double)k->pc_running / (double)k->pc_ready, &d,
                            0, 1, 1, 0);
    } else if (k->pc_ready > 0) {
        /* The qualifier has READY PC but all of it is busy. */
        put_sets_locked(t, minute, METRIC_PC_SPILLOVER_INVOCATIONS, 1, &d, 0, 1, 1, 0);
    }
    pthread_mutex_unlock(&mu);
}

void metric_invoked(const struct metric_target *t, int error, double duration_ms) {
    struct dimsets d;
    dimsets(t->function, t->qualifier, t->version, &d);
    int64_t minute = metric_minute(clock_now_ms());
    pthread_mutex_lock(&mu);
    put_sets_locked(t, minute, METRIC_INVOCATIONS, 1, &d, 1, 1, 1, 1);
    /* Errors is published as 0 for a success too (so its Average is the
     * error rate, as in AWS). */
    put_sets_locked(t, minute, METRIC_ERRORS, error ? 1 : 0, &d, 1, 1, 1, 1);
    put_sets_locked(t, minute, METRIC_DURATION, duration_ms, &d, 1, 1, 1, 1);
    pthread_mutex_unlock(&mu);
}

void metric_throttled(const struct metric_target *t) {
    struct dimsets d;
    dimsets(t->function, t->qualifier, NULL, &d);
    int64_t minute = metric_minute(clock_now_ms());
    pthread_mutex_lock(&mu);
    put_sets_locked(t, minute, METRIC_THROTTLES, 1, &d, 1, 1, 1, 0);
    pthread_mutex_unlock(&mu);
}

static void put_fn(const char *account, const char *region, const char *fn, const char *qualifier,
                   enum metric_id id, double v) {
    struct metric_target t = {account, region, fn, qualifier, NULL};
    struct dimsets d;
    dimsets(fn, qualifier, NULL, &d);
    int64_t minute = metric_minute(clock_now_ms());
    pthread_mutex_lock(&mu);
    put_sets_locked(&t, minute, id, v, &d, 0, 1, 1, 0);
    pthread_mutex_unlock(&mu);
}

void metric_async_received(const char *account, const char *region, const char *fn) {
    put_fn(account, region, fn, "", METRIC_ASYNC_EVENTS_RECEIVED, 1);
}

void metric_async_age(const char *account, const char *region, const char *fn, double age_ms) {
    put_fn(account, region, fn, "", METRIC_ASYNC_EVENT_AGE, age_ms);
}

void metric_async_dropped(const char *account, const char *region, const char *fn) {
    put_fn(account, region, fn, "", METRIC_ASYNC_EVENTS_DROPPED, 1);
}

void metric_destination_failed(const char *account, const char *region, const char *fn) {
    put_fn(account, region, fn, "", METRIC_DESTINATION_DELIVERY_FAILURES, 1);
}

void metric_dead_letter_failed(const char *account, const char *region, const char *fn) {
    put_fn(account, region, fn, "", METRIC_DEAD_LETTER_ERRORS, 1);
}

void metric_iterator_age(const char *account, const char *region, const char *fn, const char *qualifier,
                         double age_ms) {
    put_fn(account, region, fn, qualifier ? qualifier : "", METRIC_ITERATOR_AGE, age_ms);
}
