/*
 * engine/background.h: a thread that runs the registered tasks every
 * BG_TICK_MS, or at once when kicked. One mutex serialises tick runs so
 * that bg_run_now() and the thread never run tasks concurrently.
 */
#include "engine/background.h"
#include "base/log.h"
#include "storage/store.h"

#include <pthread.h>
#include <time.h>

/* Housekeeping runs once a second: retention (24 h), rollover (4 h) and
 * TTL are far coarser, so a second is plenty and costs nothing idle. */
#define BG_TICK_MS 1000
/* Registered tasks: a handful of subsystems each add one. */
#define BG_MAX_TASKS 8

static bg_task_fn tasks[BG_MAX_TASKS];
static int ntasks;
static pthread_t thread;
static int running;
static int stopping;
static int kicked;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER;

int bg_register(bg_task_fn fn) {
    if (ntasks == BG_MAX_TASKS) return -1;
    tasks[ntasks++] = fn;
    return 0;
}

static void run_tasks(void) {
    pthread_mutex_lock(&run_mu);
    for (int i = 0; i < ntasks; i++) tasks[i]();
    pthread_mutex_unlock(&run_mu);
}

static void *loop(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    while (!stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += BG_TICK_MS / 1000;
        while (!stopping && !kicked) {
            if (pthread_cond_timedwait(&cv, &mu, &ts) != 0) break;
        }
        if (stopping) break;
        kicked = 0;
        pthread_mutex_unlock(&mu);
        run_tasks();
        pthread_mutex_lock(&mu);
    }
    pthread_mutex_unlock(&mu);
    store_thread_done();
    return NULL;
}

int bg_start(void) {
    if (pthread_create(&thread, NULL, loop, NULL) != 0) {
        log_msg(LOG_ERROR, "cannot start the background thread");
        return -1;
    }
    running = 1;
    return 0;
}

void bg_kick(void) {
    pthread_mutex_lock(&mu);
    kicked = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

void bg_run_now(void) { run_tasks(); }

void bg_stop(void) {
    if (!running) return;
    pthread_mutex_lock(&mu);
    stopping = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    running = 0;
}
