/*
 * Event source mappings at run time (engine/esm.h): the manager thread
 * and the pollers.
 */
#include "engine/esm.h"
#include "engine/log.h"
#include "engine/util.h"
#include "storage/store.h"
#include "storage/store_esm.h"

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
static pthread_t manager;
static int running, stopping, kicks;

void esm_kick(void) {
    pthread_mutex_lock(&mu);
    kicks++;
    pthread_cond_broadcast(&manager_cv);
    pthread_mutex_unlock(&mu);
}

void esm_stream_written(void) {}

static void deadline_in(struct timespec *ts, int ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    ts->tv_sec += ms / 1000 + ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

/* ---- the manager ---- */

struct settle {
    char uuid[37];
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
        if (l.v[i].to[0] == '\0') rc = store_esm_delete(l.v[i].uuid);
        else rc = store_esm_set_state(l.v[i].uuid, l.v[i].to, "User action", 0);
        if (rc == STORE_NOTFOUND) rc = STORE_OK;   /* deleted meanwhile */
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
        pthread_mutex_lock(&mu);
        if (stopping || kicks != seen) continue;
        struct timespec ts;
        deadline_in(&ts, ESM_TICK_MS);
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
}
