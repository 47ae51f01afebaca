/*
 * engine/invoker.h: synchronous invocation of a function version.
 *
 * invoke_sync takes an admission slot (engine/concurrency.h) and runs the
 * call as one sequence: acquire an environment (a provisioned or warm one
 * from engine/pool.h, else a new one from engine/spawn.h, unless the
 * scaling rate throttles it) -> run the call -> turn the outcome into the
 * result (engine/outcome.h) -> write the log (engine/fnlog.h) -> release
 * the environment to its pool. The provisioner has a file of its own
 * (engine/provisioner.c).
 */
#include "engine/invoker.h"
#include "base/clock.h"
#include "engine/concurrency.h"
#include "engine/config.h"
#include "engine/fnlog.h"
#include "base/log.h"
#include "engine/metrics.h"
#include "engine/outcome.h"
#include "engine/pool.h"
#include "engine/spawn.h"
#include "base/util.h"
#include "runtime/env.h"
#include "storage/store.h"
#include "storage/store_lambda.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void invoke_res_clear(struct invoke_res *r) {
    free(r->body);
    free(r->log_tail);
    memset(r, 0, sizeof(*r));
}

void invoke_reap(void) {
    pool_reap(util_wall_ms() - (int64_t)sluice_cfg.env_keepalive_s * 1000);
}

/* Set once by invoke_shutdown: no invocation starts any more, and one
 * whose environment it kills ends as ServiceUnavailable, not as the
 * function's failure (the function did nothing wrong, and an event or a
 * batch that never completed stays to be run again). */
static atomic_int shutting_down;

#define SHUTDOWN_MESSAGE "sluice is shutting down; the function was not run to completion. Retry the request."

void invoke_shutdown(void) {
    atomic_store(&shutting_down, 1);
    prov_halt();
    pool_drain();
    env_kill_all();
}

static int service_error(struct invoke_res *res, const char *code, const char *msg) {
    res->service_error = 1;
    snprintf(res->error_code, sizeof(res->error_code), "%s", code);
    free(res->body);
    res->body = xstrdup(msg);
    res->nbody = strlen(msg);
    return -1;
}

/* ------------------------------------------------------------------ */
/* One admitted invocation                                              */
/* ------------------------------------------------------------------ */

/* An invocation on its way through run_admitted: what it runs, the
 * environment it runs in and how its init and call ended. */
struct run {
    const struct invoke_req *req;
    struct invoke_res *res;
    int provisioned;               /* admitted to a provisioned slot */
    const char *runtime;           /* borrowed from req->config */
    int provided;                  /* a provided.* runtime (./bootstrap) */
    int timeout_s, memory_mb;      /* Timeout and MemorySize */
    char dir[4096];                /* the unpacked code */
    char key[POOL_KEY_MAX];        /* its warm pool key */
    size_t nprefix;                /* ... up to the version */
    char pckey[POOL_KEY_MAX];      /* provisioned slot: its provisioned pool key, else "" */
    int lazy_pc;                   /* provisioned slot, none free: a new one, kept */
    struct env *env;               /* NULL until acquired */
    char stream[SPAWN_STREAM_MAX]; /* the environment's log stream */
    double init_ms;                /* a cold start's init; -1 for a warm one */
    int start_rc;                  /* spawn_env's result (cold start) */
    int init_failed;               /* the init error answers the call */
    struct env_result init;        /* the cold start's init (its output) */
    struct env_result call;        /* the call (when init succeeded) */
    int64_t started;               /* virtual clock: the call handed over */
    int peak_mb;                   /* the process's peak memory after the call */
    int timed_out;                 /* the call passed its timeout */
    char error_type[128];          /* init failure: REPORT's Error Type */
    char start_line[FNLOG_LINE_MAX];
};

static void run_init(struct run *r, const struct invoke_req *req, struct invoke_res *res,
                     int provisioned) {
    memset(r, 0, sizeof(*r));
    r->req = req;
    r->res = res;
    r->provisioned = provisioned;
    r->init_ms = -1;
    r->timeout_s = spawn_cfg_int(req->config, "Timeout", 3);
    r->memory_mb = spawn_cfg_int(req->config, "MemorySize", 128);
    fnlog_start(r->start_line, sizeof(r->start_line), res->request_id, req->version);
}

static void run_clear(struct run *r) {
    env_result_clear(&r->init);
    env_result_clear(&r->call);
}

/* Checks that R's function has a runtime sluice runs and code, and
 * unpacks the code. Returns 0, or -1 with a service error in R's result. */
static int prepare(struct run *r) {
    const cJSON *cfg = r->req->config;
    const char *sha = spawn_cfg_str(cfg, "CodeSha256");
    r->runtime = spawn_cfg_str(cfg, "Runtime");
    if (r->runtime == NULL || sha == NULL)
        return service_error(r->res, "InvalidRuntimeException", "The function has no runtime or code.");
    enum spawn_family family = spawn_family(r->runtime);
    if (family == SPAWN_UNSUPPORTED)
        return service_error(r->res, "InvalidRuntimeException",
                             "sluice runs python3.x, nodejs*.x and provided.* functions; the "
                             "runtime of this function is not supported here.");
    r->provided = family == SPAWN_PROVIDED;
    if (spawn_code_dir(sha, r->dir, sizeof(r->dir)) != 0)
        return service_error(r->res, "ServiceException", "The function's code could not be unpacked.");
    return 0;
}

/* Takes an environment for R: a provisioned slot runs in one of the
 * qualifier's pre-initialised environments when one is free, else in a
 * new one that joins the config's pool (lazy_pc); an on-demand slot in a
 * warm one of its version and revision. R->env stays NULL when a new one
 * must be started. */
static void take_env(struct run *r) {
    const struct invoke_req *req = r->req;
    const char *rev = spawn_cfg_str(req->config, "RevisionId");
    r->nprefix = pool_key(r->key, req->account, req->region, req->function_name, req->version, rev);
    if (r->provisioned) {
        pool_pc_key(r->pckey, req->account, req->region, req->function_name,
                    req->qualifier ? req->qualifier : "", req->version, rev);
        r->env = pool_pc_take(r->pckey, r->stream, sizeof(r->stream));
        /* None free: admission counted a provisioned slot, so this is
         * one of the config's environments beyond --pc-max-environments
         * (or one that died). It is started now, initialised as
         * provisioned, and stays in the config's pool afterwards. */
        r->lazy_pc = r->env == NULL;
    } else {
        r->env = pool_take(r->key, r->nprefix, r->stream, sizeof(r->stream));
    }
}

/* Starts a new environment for R. Its init may fail: the init error then
 * answers this call (R->init_failed), and the next call starts over. */
static void cold_start(struct run *r) {
    r->start_rc = spawn_env(r->req, r->dir, r->runtime,
                            r->lazy_pc ? "provisioned-concurrency" : "on-demand", r->stream,
                            sizeof(r->stream), &r->env, &r->init, &r->init_ms);
    r->init_failed = r->start_rc != 0 || r->init.outcome != ENV_OK;
}

/* Acquires an environment for R, admitted with ticket T: a pooled one or
 * a new one, recording MT's admission metrics once one is found. Returns
 * 0 (R->env set; its init may have failed), or -1 with a service error
 * in R's result: the function cannot run, or a new on-demand environment
 * would exceed the scaling rate. */
static int acquire(struct run *r, const struct conc_ticket *t, const struct metric_target *mt) {
    if (prepare(r) != 0) return -1;
    take_env(r);
    if (r->env == NULL && !r->lazy_pc &&
        !conc_scale_take(r->req->account, r->req->region, r->req->function_name,
                         sluice_cfg.scaling_rate, clock_now_ms())) {
        /* AWS documents a 429 for scaling faster than the rate but no
         * Reason of its own; the account one is the most plausible. */
        r->res->throttle_reason = "ConcurrentInvocationLimitExceeded";
        return service_error(r->res, "TooManyRequestsException", "Rate Exceeded.");
    }
    metric_admitted(mt, t);
    if (r->env == NULL) cold_start(r);
    assert(r->env != NULL);
    return 0;
}

/* Runs the call in R's environment, which initialised. */
static void run_call(struct run *r) {
    const struct invoke_req *req = r->req;
    char trace[128];
    spawn_trace_id(trace, sizeof(trace));
    r->started = clock_now_ms();
    env_invoke(r->env, r->res->request_id, req->payload, req->npayload, (int64_t)r->timeout_s * 1000,
               req->invoked_arn, req->client_context, trace, &r->call);
    r->peak_mb = env_peak_rss_mb(r->env);
}

/* Sets R's result from its call's outcome. */
static void settle_call(struct run *r) {
    struct invoke_res *res = r->res;
    struct env_result *c = &r->call;
    struct outcome o = outcome_of_call(c->outcome, c->body && c->nbody);
    res->duration_ms = c->duration_ms;
    res->function_error = o.function_error;
    r->timed_out = o.timed_out;
    if (o.body == OUTCOME_RUNTIME) {
        res->body = c->body;
        res->nbody = c->nbody;
        c->body = NULL;
    } else {
        struct outcome_ctx ctx = {res->request_id, c->error_type, c->exit_status,
                                  (double)r->timeout_s, NULL, NULL};
        res->body = outcome_body_text(o.body, &ctx);
        res->nbody = strlen(res->body);
    }
}

/* Sets R's result from its failed init, which answers the call. */
static void settle_init(struct run *r) {
    struct invoke_res *res = r->res;
    struct env_result *in = &r->init;
    enum outcome_body b = outcome_of_init(r->start_rc, in->outcome, in->body, in->nbody, r->provided);
    if (b == OUTCOME_RUNTIME) {
        res->body = xstrndup(in->body, in->nbody);
    } else {
        struct outcome_ctx ctx = {res->request_id, in->error_type, in->exit_status,
                                  SPAWN_INIT_TIMEOUT_MS / 1000.0, r->dir, in->body};
        res->body = outcome_body_text(b, &ctx);
    }
    res->nbody = strlen(res->body);
    res->function_error = 1;
    res->duration_ms = r->init_ms > 0 ? r->init_ms : 0;
    /* REPORT names the error type the caller got. */
    outcome_report_type(r->error_type, sizeof(r->error_type), in->error_type, res->body);
}

/* Writes the log of R's call: in the log stream the init output comes
 * first (as in AWS), each line at the time the process wrote it, then
 * START, the call's output, the timeout line and END/REPORT; the Tail
 * starts at START and holds both outputs. */
static void log_call(struct run *r) {
    const struct invoke_req *req = r->req;
    struct env_result *c = &r->call;
    char timeout[FNLOG_LINE_MAX] = "", report[FNLOG_LINE_MAX];
    if (r->timed_out)
        fnlog_timeout_line(timeout, sizeof(timeout), util_wall_ms(), r->res->request_id,
                           (double)r->timeout_s);
    struct fnlog_report rep = {r->res->request_id, c->duration_ms, r->memory_mb, r->peak_mb,
                               r->init_ms, NULL};
    fnlog_end_report(report, sizeof(report), &rep);
    if (req->tail) {
        struct fnlog_text t = {r->start_line, r->init.log, r->init.nlog, c->log, c->nlog,
                               timeout, report, 0};
        char *text = fnlog_join(&t);
        r->res->log_tail = fnlog_tail(text, strlen(text));
        free(text);
    }
    struct fnlog_events e = {0};
    int64_t ended = clock_now_ms(), offset = clock_offset_ms();
    if (r->init.log)
        fnlog_add_output(&e, r->init.log, r->init.nlog, r->init.marks, r->init.nmarks, offset,
                         r->started);
    fnlog_add_text(&e, r->start_line, r->started);
    if (c->log) fnlog_add_output(&e, c->log, c->nlog, c->marks, c->nmarks, offset, ended);
    fnlog_add_text(&e, timeout, ended);
    fnlog_add_text(&e, report, ended);
    fnlog_write((struct store_scope){req->account, req->region}, req->function_name, r->stream, &e);
    log_msg(LOG_DEBUG, "invoke %s:%s %s -> %s", req->function_name, req->version,
            r->res->request_id, r->res->function_error ? "error" : "ok");
}

/* Writes the log of R's failed init: START, its output as read and
 * END/REPORT with the error, every line at the time of writing. */
static void log_init(struct run *r) {
    const struct invoke_req *req = r->req;
    char report[FNLOG_LINE_MAX];
    struct fnlog_report rep = {r->res->request_id, r->init_ms, r->memory_mb,
                               env_peak_rss_mb(r->env), -1, r->error_type};
    fnlog_end_report(report, sizeof(report), &rep);
    struct fnlog_text t = {r->start_line, r->init.log, r->init.nlog, NULL, 0, NULL, report, 1};
    char *text = fnlog_join(&t);
    if (req->tail) r->res->log_tail = fnlog_tail(text, strlen(text));
    struct fnlog_events e = {0};
    fnlog_add_text(&e, text, clock_now_ms());
    fnlog_write((struct store_scope){req->account, req->region}, req->function_name, r->stream, &e);
    free(text);
}

/* Gives R's environment back: a new provisioned one joins its config's
 * pool, a provisioned one is freed for the next call, a live on-demand
 * one goes to the warm pool; a dead one, or one whose init failed, is
 * stopped. */
static void release(struct run *r) {
    struct env *env = r->env;
    r->env = NULL;
    if (env == NULL) return;
    if (r->init_failed) env_free(env);
    else if (r->lazy_pc) pool_pc_adopt(r->pckey, r->stream, env);
    else if (r->pckey[0]) pool_pc_give_back(env);
    else if (env_alive(env)) pool_put(r->key, r->stream, env);
    else env_free(env);
}

/* Runs REQ admitted with ticket T (its slot says provisioned or not):
 * acquire an environment, run, settle the result, write the log, release.
 * Returns 0 with RES the function's outcome, or -1 with a service error. */
static int run_admitted(const struct invoke_req *req, struct invoke_res *res,
                        const struct conc_ticket *t, const struct metric_target *mt) {
    struct run r;
    run_init(&r, req, res, t->slot == CONC_PROVISIONED);
    int rc = acquire(&r, t, mt);
    if (rc == 0 && r.init_failed) {
        settle_init(&r);
        log_init(&r);
    } else if (rc == 0) {
        run_call(&r);
        settle_call(&r);
        log_call(&r);
    }
    release(&r);
    run_clear(&r);
    return rc;
}

int invoke_sync(const struct invoke_req *req, struct invoke_res *res) {
    memset(res, 0, sizeof(*res));
    if (req->request_id && strlen(req->request_id) < sizeof(res->request_id))
        snprintf(res->request_id, sizeof(res->request_id), "%s", req->request_id);
    else
        util_uuid(res->request_id);
    if (atomic_load(&shutting_down)) return service_error(res, "ServiceUnavailable", SHUTDOWN_MESSAGE);
    struct conc_ticket t;
    const char *reason = NULL;
    int rc = conc_acquire(req->account, req->region, req->function_name,
                          req->qualifier ? req->qualifier : "", &t, &reason);
    if (rc < 0) return service_error(res, "ServiceException", "Admission failed: storage error.");
    struct metric_target mt = {req->account, req->region, req->function_name,
                               req->qualifier ? req->qualifier : "", req->version};
    if (rc > 0) {
        metric_throttled(&mt);
        res->throttle_reason = reason;
        return service_error(res, "TooManyRequestsException", "Rate Exceeded.");
    }
    rc = run_admitted(req, res, &t, &mt);
    conc_release(&t);
    if (rc == 0 && res->function_error && atomic_load(&shutting_down)) {
        /* Killed by the shutdown, not failed. */
        char id[sizeof(res->request_id)];
        memcpy(id, res->request_id, sizeof(id));
        invoke_res_clear(res);
        memcpy(res->request_id, id, sizeof(id));
        return service_error(res, "ServiceUnavailable", SHUTDOWN_MESSAGE);
    }
    if (rc != 0 && res->throttle_reason) metric_throttled(&mt);
    /* Only what reached the function counts as an invocation; sluice's
     * own failures to run it (unsupported runtime, unpacking) do not. */
    if (rc == 0) metric_invoked(&mt, res->function_error, res->duration_ms);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Resolving what an invocation runs                                    */
/* ------------------------------------------------------------------ */

static cJSON *resolve(const char *account, const char *region, const char *name,
                      const char *qualifier, char version[32], int *missing) {
    struct store_scope s = {account, region};
    *missing = 0;
    struct store_fn fn;
    int rc = store_fn_get(s, name, &fn);
    if (rc != STORE_OK) {
        *missing = rc == STORE_NOTFOUND;
        return NULL;
    }
    cJSON *latest = cJSON_Parse(fn.config);
    store_fn_clear(&fn);
    if (latest == NULL) return NULL;
    const char *v = qualifier;
    cJSON *alias = NULL, *cfg = NULL;
    char *text = NULL;
    if (qualifier[0] == '\0' || strcmp(qualifier, "$LATEST") == 0) {
        snprintf(version, 32, "$LATEST");
        cfg = latest;
        latest = NULL;
        goto out;
    }
    if (!(qualifier[0] >= '0' && qualifier[0] <= '9')) {
        rc = store_alias_get(s, name, qualifier, &text);
        if (rc != STORE_OK) {
            *missing = rc == STORE_NOTFOUND;
            goto out;
        }
        alias = cJSON_Parse(text);
        free(text);
        text = NULL;
        const cJSON *fv = alias ? cJSON_GetObjectItemCaseSensitive(alias, "FunctionVersion") : NULL;
        if (!cJSON_IsString(fv)) goto out;
        v = fv->valuestring;
        const cJSON *rcfg = cJSON_GetObjectItemCaseSensitive(alias, "RoutingConfig");
        const cJSON *w = rcfg ? cJSON_GetObjectItemCaseSensitive(rcfg, "AdditionalVersionWeights") : NULL;
        if (w && w->child && cJSON_IsNumber(w->child)) {
            /* A uniform draw from the first 32 random bits of a uuid. */
            char u[37];
            util_uuid(u);
            u[8] = '\0';
            uint32_t r = (uint32_t)strtoul(u, NULL, 16);
            if ((double)r / 4294967296.0 < w->child->valuedouble) v = w->child->string;
        }
    }
    snprintf(version, 32, "%.31s", v);
    if (strcmp(version, "$LATEST") == 0) {
        cfg = latest;
        latest = NULL;
        goto out;
    }
    rc = strlen(version) > 9 ? STORE_NOTFOUND : store_ver_get(s, name, atoi(version), &text);
    if (rc != STORE_OK) {
        *missing = rc == STORE_NOTFOUND;
        goto out;
    }
    cfg = cJSON_Parse(text);
out:
    free(text);
    cJSON_Delete(alias);
    cJSON_Delete(latest);
    return cfg;
}

cJSON *invoke_resolve(const char *account, const char *region, const char *name,
                      const char *qualifier, char version[32], int *missing) {
    /* One read snapshot for the function, its alias and its version,
     * unless the caller already has a transaction open. */
    int own = sqlite3_get_autocommit(store_db());
    if (own) store_begin(0);
    cJSON *cfg = resolve(account, region, name, qualifier, version, missing);
    if (own) store_rollback();
    return cfg;
}

