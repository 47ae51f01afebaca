/*
 * engine/provisioner.h: the provisioned concurrency thread. Each pass
 * reads every PC config, starts the environments a ready-to-allocate
 * config lacks (engine/spawn.h) into the provisioned pool
 * (engine/pool.h), settles the config's status, and retires what no
 * config wants. Started and stopped by server/main.c, kicked by the
 * Lambda API and the admin clock.
 */
#include "engine/provisioner.h"
#include "base/clock.h"
#include "engine/config.h"
#include "engine/fnlog.h"
#include "engine/invoker.h"
#include "engine/pool.h"
#include "engine/spawn.h"
#include "base/util.h"
#include "runtime/env.h"
#include "storage/store.h"
#include "storage/store_lambda.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One PC config as the provisioner sees it. */
struct pcwant {
    char account[13], region[32], name[257], qualifier[129];
    struct store_pc pc;
    char key[POOL_KEY_MAX];  /* its provisioned pool key, "" when it resolves to nothing */
    int want;                /* environments to keep for KEY */
};

struct pcwants {
    struct pcwant *w;
    int n, cap;
};

static int collect_pc(void *ctx, const char *account, const char *region, const char *name,
                      const struct store_pc *pc) {
    struct pcwants *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->w = xrealloc(l->w, (size_t)l->cap * sizeof(*l->w));
    }
    struct pcwant *w = &l->w[l->n++];
    memset(w, 0, sizeof(*w));
    snprintf(w->account, sizeof(w->account), "%s", account);
    snprintf(w->region, sizeof(w->region), "%s", region);
    snprintf(w->name, sizeof(w->name), "%s", name);
    snprintf(w->qualifier, sizeof(w->qualifier), "%s", pc->qualifier);
    w->pc = *pc;
    return 0;
}

/* One environment started by a provisioner worker thread. */
struct pcstart {
    const struct pcwant *w;
    const char *version, *runtime, *dir;
    const cJSON *cfg;
    int ok;
    pthread_t thread;
};

static void *pc_start_one(void *arg) {
    struct pcstart *ps = arg;
    const struct pcwant *w = ps->w;
    struct invoke_req ir = {w->account, w->region, w->name, w->qualifier, ps->version, ps->cfg,
                            NULL, NULL, 0, NULL, 0, NULL};
    struct env *env = NULL;
    struct env_result res;
    double init_ms = 0;
    char stream[SPAWN_STREAM_MAX] = "";
    int src = spawn_env(&ir, ps->dir, ps->runtime, "provisioned-concurrency", stream, sizeof(stream),
                        &env, &res, &init_ms);
    if (src != 0 || res.outcome != ENV_OK) {
        env_free(env);
    } else {
        pool_pc_adopt(w->key, stream, env);
        ps->ok = 1;
    }
    /* Init output goes to the log like any environment's. */
    if (res.log && res.nlog) {
        struct fnlog_events e = {0};
        fnlog_add_output(&e, res.log, res.nlog, res.marks, res.nmarks, clock_offset_ms(),
                         clock_now_ms());
        fnlog_write((struct store_scope){w->account, w->region}, w->name, stream, &e);
    }
    env_result_clear(&res);
    store_thread_done();
    return NULL;
}

/* Environments started at once for one config: inits overlap, as AWS
 * allocates in parallel, but a big config cannot fork-bomb the machine
 * (a python init is ~30 ms of CPU; four at a time keep a 2-core machine
 * answering requests meanwhile). */
#define PC_START_PARALLEL 4

static int prov_kicked_since(int seen);

/* Starts N environments for W, PC_START_PARALLEL at a time. Returns 1 when
 * all initialised, 0 when one failed, -1 when the configs changed
 * meanwhile (kick SEEN is old): the caller starts the pass over. */
static int pc_start_many(const struct pcwant *w, const char *version, const cJSON *cfg,
                         const char *runtime, const char *dir, int n, int seen) {
    int all_ok = 1;
    while (n > 0 && all_ok) {
        if (prov_kicked_since(seen)) return -1;
        int k = n < PC_START_PARALLEL ? n : PC_START_PARALLEL;
        struct pcstart ps[PC_START_PARALLEL];
        for (int i = 0; i < k; i++) {
            ps[i] = (struct pcstart){w, version, runtime, dir, cfg, 0, 0};
            if (pthread_create(&ps[i].thread, NULL, pc_start_one, &ps[i]) != 0) {
                pc_start_one(&ps[i]);
                ps[i].thread = 0;
            }
        }
        for (int i = 0; i < k; i++) {
            if (ps[i].thread) pthread_join(ps[i].thread, NULL);
            all_ok = all_ok && ps[i].ok;
        }
        /* A stop (which ends starting environments) or a config change
         * during the batch makes its failures meaningless. */
        if (prov_kicked_since(seen)) return -1;
        n -= k;
    }
    return all_ok;
}

static void set_status(const struct pcwant *w, const char *status, const char *reason, int allocated) {
    struct store_scope sc = {w->account, w->region};
    if (store_begin(1) != STORE_OK) return;
    /* Only if nobody changed the config while its environments started. */
    if (store_pc_settle(sc, w->name, w->qualifier, w->pc.last_modified, w->pc.requested, status,
                        reason, allocated) == STORE_OK)
        store_commit();
    else
        store_rollback();
}

struct prov_plan prov_plan(const struct store_pc *pc, int64_t now, int have, int have_all,
                           int max_all) {
    struct prov_plan p = {0, 0, 0};
    if (strcmp(pc->status, "FAILED") == 0) return p;
    p.want = pc->requested;
    if (now < pc->ready_ms) {
        /* Not due: keep what it has while it is being allocated. */
        if (strcmp(pc->status, "IN_PROGRESS") == 0) p.want = have;
        return p;
    }
    p.due = 1;
    int room = max_all - have_all;
    p.start = pc->requested - have;
    if (p.start > room) p.start = room > 0 ? room : 0;
    if (p.start < 0) p.start = 0;
    return p;
}

/* Brings W's config to its requested number of environments (never more
 * than --pc-max-environments in all) and settles its status, once its
 * allocation is due (NOW, the clock, past its ready time); sets W's key
 * and what it wants kept. Returns -1 when the configs changed meanwhile
 * (kick SEEN is old), else 0. */
static int provision_config(struct pcwant *w, int64_t now, int seen) {
    char version[32];
    int missing = 0, rc = 0;
    cJSON *cfg = invoke_resolve(w->account, w->region, w->name, w->qualifier, version, &missing);
    if (cfg == NULL) return 0;
    pool_pc_key(w->key, w->account, w->region, w->name, w->qualifier, version,
                spawn_cfg_str(cfg, "RevisionId"));
    struct prov_plan plan = prov_plan(&w->pc, now, pool_pc_count(w->key), pool_pc_count(NULL),
                                      sluice_cfg.pc_max_envs);
    w->want = plan.want;
    if (!plan.due) goto out;
    const char *runtime = spawn_cfg_str(cfg, "Runtime");
    const char *sha = spawn_cfg_str(cfg, "CodeSha256");
    char dir[4096];
    int ok = runtime && sha && spawn_code_dir(sha, dir, sizeof(dir)) == 0;
    if (ok && plan.start > 0) ok = pc_start_many(w, version, cfg, runtime, dir, plan.start, seen);
    if (ok < 0) {
        rc = -1;
    } else if (!ok) {
        w->want = 0;
        set_status(w, "FAILED", "FUNCTION_ERROR_INIT_FAILURE", 0);
    } else if (strcmp(w->pc.status, "READY") != 0 || w->pc.allocated != w->pc.requested) {
        set_status(w, "READY", "", w->pc.requested);
    }
out:
    cJSON_Delete(cfg);
    return rc;
}

/* pool_pc_retire's WANT: what the configs of CTX (a struct pcwants) want
 * kept under KEY. */
static int wanted(void *ctx, const char *key) {
    const struct pcwants *l = ctx;
    int want = 0;
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->w[i].key, key) == 0) want += l->w[i].want;
    return want;
}

/* Brings every PC config to its requested number of initialised
 * environments, sets READY or FAILED, and retires environments no config
 * wants any more. Runs on the provisioner thread. */
static void provision_once(int seen) {
    struct pcwants l = {NULL, 0, 0};
    int own = sqlite3_get_autocommit(store_db());
    if (own) store_begin(0);
    int rc = store_pc_each(collect_pc, &l);
    if (own) store_rollback();
    if (rc != STORE_OK) goto out;
    int64_t now = clock_now_ms();
    for (int i = 0; i < l.n; i++) {
        /* A config changed: what this pass wants is stale. Keep every
         * environment; the next pass (at once) sorts them out. */
        if (provision_config(&l.w[i], now, seen) < 0) goto out;
    }
    pool_pc_retire(wanted, &l);
out:
    free(l.w);
}

/* ---- the thread ---- */

/* The provisioner thread: works every PROVISION_TICK_MS or when kicked
 * (a PC config changed, an alias moved, the clock advanced). Starting an
 * environment can take seconds, so it has a thread of its own. */
#define PROVISION_TICK_MS 250

static pthread_t prov_thread;
static int prov_running;                 /* main thread only */
static int prov_stopping, prov_kicks;    /* under prov_mu */
static pthread_mutex_t prov_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t prov_cv = PTHREAD_COND_INITIALIZER;

void invoke_provision_kick(void) {
    pthread_mutex_lock(&prov_mu);
    prov_kicks++;
    pthread_cond_broadcast(&prov_cv);
    pthread_mutex_unlock(&prov_mu);
}

static int prov_kicked_since(int seen) {
    pthread_mutex_lock(&prov_mu);
    int kicked = prov_kicks != seen || prov_stopping;
    pthread_mutex_unlock(&prov_mu);
    return kicked;
}

static void *prov_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&prov_mu);
    while (!prov_stopping) {
        int seen = prov_kicks;
        pthread_mutex_unlock(&prov_mu);
        provision_once(seen);
        pthread_mutex_lock(&prov_mu);
        if (prov_stopping || prov_kicks != seen) continue;
        struct timespec ts;
        util_deadline_in(&ts, PROVISION_TICK_MS);
        pthread_cond_timedwait(&prov_cv, &prov_mu, &ts);
    }
    pthread_mutex_unlock(&prov_mu);
    store_thread_done();
    return NULL;
}

int invoke_provisioner_start(void) {
    if (pthread_create(&prov_thread, NULL, prov_main, NULL) != 0) return -1;
    prov_running = 1;
    return 0;
}

void prov_halt(void) {
    pthread_mutex_lock(&prov_mu);
    prov_stopping = 1;
    pthread_cond_broadcast(&prov_cv);
    pthread_mutex_unlock(&prov_mu);
}

void invoke_provisioner_stop(void) {
    if (!prov_running) return;
    prov_halt();
    pthread_join(prov_thread, NULL);
    prov_running = 0;
    pool_pc_drain();
}
