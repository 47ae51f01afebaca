/*
 * engine/invoker.h: environment pool and synchronous invocation.
 *
 * Pool: idle environments in one list under one mutex, keyed by
 * account|region|function|version|RevisionId. A configuration or code
 * change gives $LATEST a new RevisionId, so its old environments are never
 * reused: they are retired as soon as a newer key is asked for, while
 * published versions keep theirs.
 */
#include "engine/invoker.h"
#include "engine/clock.h"
#include "engine/concurrency.h"
#include "engine/metrics.h"
#include "engine/config.h"
#include "engine/log.h"
#include "engine/util.h"
#include "runtime/bootstraps.h"
#include "runtime/env.h"
#include "runtime/unzip.h"
#include "storage/blob.h"
#include "storage/store.h"
#include "storage/store_lambda.h"
#include "storage/store_logs.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* AWS gives a runtime 10 s to initialise before the first invoke. */
#define INVOKE_INIT_TIMEOUT_MS 10000
/* LogType Tail returns the last 4 KB of the log. */
#define INVOKE_TAIL_BYTES 4096

/* An environment kept for reuse: in the warm pool (idle) or in the
 * provisioned pool (pcenvs, defined with the provisioner below). */
struct pooled {
    char key[768];
    char stream[160];        /* its CloudWatch log stream */
    struct env *env;
    int64_t last_used_ms;    /* warm pool: when it was last given back */
    int busy;                /* provisioned pool: handed out by pc_take */
    struct pooled *next;
};

static struct pooled *idle;
static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;

static struct pooled *pooled_new(const char *key, const char *stream, struct env *env) {
    struct pooled *p = xcalloc(1, sizeof(*p));
    snprintf(p->key, sizeof(p->key), "%s", key);
    snprintf(p->stream, sizeof(p->stream), "%s", stream);
    p->env = env;
    return p;
}

/* Stops and frees every environment of LIST (unlinked, pool_mu not held:
 * stopping one waits for its process). */
static void pooled_free_all(struct pooled *list) {
    while (list) {
        struct pooled *n = list->next;
        env_free(list->env);
        free(list);
        list = n;
    }
}

void invoke_res_clear(struct invoke_res *r) {
    free(r->body);
    free(r->log_tail);
    memset(r, 0, sizeof(*r));
}

static const char *cfg_str(const cJSON *cfg, const char *key) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(cfg, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static int cfg_int(const cJSON *cfg, const char *key, int dflt) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(cfg, key);
    return cJSON_IsNumber(it) ? (int)it->valuedouble : dflt;
}

/* Takes an idle environment for KEY, retiring those of the same function
 * version with another revision. Returns NULL when none is idle. */
static struct env *pool_take(const char *key, size_t prefix_len, char *stream, size_t nstream) {
    struct env *found = NULL;
    struct pooled *retired = NULL;
    pthread_mutex_lock(&pool_mu);
    struct pooled **pp = &idle;
    while (*pp) {
        struct pooled *p = *pp;
        int same = strcmp(p->key, key) == 0;
        int stale = !same && strncmp(p->key, key, prefix_len) == 0;
        if ((same && found == NULL && env_alive(p->env)) || stale || !env_alive(p->env)) {
            *pp = p->next;
            if (same && found == NULL && env_alive(p->env)) {
                found = p->env;
                snprintf(stream, nstream, "%s", p->stream);
                free(p);
            } else {
                p->next = retired;
                retired = p;
            }
            continue;
        }
        pp = &p->next;
    }
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(retired);
    return found;
}

static void pool_put(const char *key, const char *stream, struct env *env) {
    struct pooled *p = pooled_new(key, stream, env);
    p->last_used_ms = util_wall_ms();
    pthread_mutex_lock(&pool_mu);
    p->next = idle;
    idle = p;
    pthread_mutex_unlock(&pool_mu);
}

/* Provisioned environments (defined at the end of this file). */
static void pc_key(char *buf, size_t n, const char *account, const char *region, const char *name,
                   const char *qualifier, const char *version, const char *rev);
static struct env *pc_take(const char *key, char *stream, size_t nstream);
static void pc_give_back(const char *key, struct env *env);
static void pc_adopt(const char *key, const char *stream, struct env *env);

void invoke_reap(void) {
    int64_t cutoff = util_wall_ms() - (int64_t)sluice_cfg.env_keepalive_s * 1000;
    struct pooled *dead = NULL;
    pthread_mutex_lock(&pool_mu);
    struct pooled **pp = &idle;
    while (*pp) {
        struct pooled *p = *pp;
        if (p->last_used_ms < cutoff || !env_alive(p->env)) {
            *pp = p->next;
            p->next = dead;
            dead = p;
            continue;
        }
        pp = &p->next;
    }
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(dead);
}

static void provisioner_halt(void);

void invoke_shutdown(void) {
    provisioner_halt();
    pthread_mutex_lock(&pool_mu);
    struct pooled *all = idle;
    idle = NULL;
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(all);
    env_kill_all();
}

/* The interpreter for RUNTIME (python or nodejs; NULL for others): a
 * --runtime-command override (*OVERRIDDEN set), else python3.X when one
 * lies on PATH, else the family default on PATH. Looks at the filesystem
 * only: no process is started to choose. */
static const char *runtime_command(const char *runtime, int *overridden) {
    const char *const *ov = (const char *const *)sluice_cfg.runtime_commands;
    int n = sluice_cfg.nruntime_commands;
    const char *cmd = env_interpreter(runtime, ov, n, NULL, overridden);
    if (cmd == NULL || *overridden) return cmd;
    char versioned[32];
    const char *path = getenv("PATH");
    int found = env_versioned_command(runtime, versioned, sizeof(versioned)) &&
                env_on_path(versioned, path ? path : "/usr/local/bin:/usr/bin:/bin");
    /* The versioned command is the runtime's own name (python3.12), so
     * RUNTIME, which outlives the spawn, stands for it. */
    return env_interpreter(runtime, ov, n, found ? runtime : NULL, overridden);
}

static void write_logs(const struct invoke_req *req, const char *stream, const char *text);

/* Says in ENV's log stream (STREAM) when the interpreter CMD that runs
 * RUNTIME announced another version than the runtime's, once per cold
 * start, where AWS's INIT_START line names the runtime version. */
static void version_note(const struct invoke_req *req, const char *stream, const char *runtime,
                         const char *cmd, struct env *env) {
    char v[32];
    if (env_runtime_version(env, v, sizeof(v)) != 0 || env_version_matches(runtime, v) != 0) return;
    char line[512];
    if (strncmp(runtime, "nodejs", 6) == 0)
        snprintf(line, sizeof(line),
                 "sluice: runtime %s runs on Node.js %s (%s on PATH); to run another, pass "
                 "--runtime-command %s=/path/to/node\n", runtime, v, cmd, runtime);
    else
        snprintf(line, sizeof(line),
                 "sluice: runtime %s runs on Python %s (%s on PATH): no %s on PATH; install it "
                 "or pass --runtime-command %s=/path/to/%s\n", runtime, v, cmd, runtime, runtime,
                 runtime);
    write_logs(req, stream, line);
}

/* Unpacked code directory of CodeSha256 (base64), unpacking if needed. */
static int code_dir(const char *sha_b64, char *out, size_t n) {
    size_t nraw = 0;
    unsigned char *raw = util_b64_decode(sha_b64, strlen(sha_b64), &nraw);
    if (raw == NULL || nraw != 32) {
        free(raw);
        return -1;
    }
    char hex[65];
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    free(raw);
    if (snprintf(out, n, "%s/%s", store_code_dir(), hex) >= (int)n) return -1;
    char zip[4096];
    if (blob_path(hex, zip, sizeof(zip)) != 0) return -1;
    const char *msg = NULL;
    int rc = unzip_extract(zip, out, &msg);
    if (rc == UNZIP_ENOLIB) log_msg(LOG_ERROR, "%s", msg);
    return rc == UNZIP_OK ? 0 : -1;
}

struct envbuf {
    char *v[128];
    int n;
};

static void env_add(struct envbuf *b, const char *name, const char *value) {
    if (b->n >= (int)(sizeof(b->v) / sizeof(b->v[0])) - 1 || value == NULL) return;
    b->v[b->n++] = xasprintf("%s=%s", name, value);
    b->v[b->n] = NULL;
}

static void env_clear(struct envbuf *b) {
    for (int i = 0; i < b->n; i++) free(b->v[i]);
    b->n = 0;
}

static void random_hex(char *out, int n) {
    char u[37];
    int k = 0;
    while (k < n) {
        util_uuid(u);
        for (const char *p = u; *p && k < n; p++)
            if (*p != '-') out[k++] = *p;
    }
    out[k] = '\0';
}

/* Builds the environment of docs/aws-reference.md H plus the function's own. */
static void build_env(struct envbuf *b, const struct invoke_req *req, const char *dir,
                      const char *runtime, int provided, const char *init_type, char *stream,
                      size_t nstream) {
    const cJSON *cfg = req->config;
    char buf[512];
    /* The function's own variables first; the reserved ones below win. */
    const cJSON *envo = cJSON_GetObjectItemCaseSensitive(cfg, "Environment");
    const cJSON *vars = envo ? cJSON_GetObjectItemCaseSensitive(envo, "Variables") : NULL;
    for (const cJSON *v = vars ? vars->child : NULL; v; v = v->next)
        if (cJSON_IsString(v)) env_add(b, v->string, v->valuestring);
    const char *path = getenv("PATH");
    env_add(b, "PATH", path ? path : "/usr/local/bin:/usr/bin:/bin");
    const char *lang = getenv("LANG");
    env_add(b, "LANG", lang ? lang : "en_US.UTF-8");
    const char *lcall = getenv("LC_ALL");
    if (lcall) env_add(b, "LC_ALL", lcall);
    env_add(b, "TZ", ":UTC");
    env_add(b, "_HANDLER", cfg_str(cfg, "Handler"));
    env_add(b, "AWS_REGION", req->region);
    env_add(b, "AWS_DEFAULT_REGION", req->region);
    if (!provided) {
        snprintf(buf, sizeof(buf), "AWS_Lambda_%s", runtime);
        env_add(b, "AWS_EXECUTION_ENV", buf);
    }
    env_add(b, "AWS_LAMBDA_FUNCTION_NAME", req->function_name);
    snprintf(buf, sizeof(buf), "%d", cfg_int(cfg, "MemorySize", 128));
    env_add(b, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", buf);
    env_add(b, "AWS_LAMBDA_FUNCTION_VERSION", req->version);
    env_add(b, "AWS_LAMBDA_INITIALIZATION_TYPE", init_type);
    snprintf(buf, sizeof(buf), "/aws/lambda/%s", req->function_name);
    env_add(b, "AWS_LAMBDA_LOG_GROUP_NAME", buf);
    time_t now = (time_t)(clock_now_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    char day[16], hex[33];
    strftime(day, sizeof(day), "%Y/%m/%d", &tm);
    random_hex(hex, 32);
    snprintf(stream, nstream, "%s/[%s]%s", day, req->version, hex);
    env_add(b, "AWS_LAMBDA_LOG_STREAM_NAME", stream);
    /* Credentials whose access key is the account id: SDK calls the
     * function makes back to sluice land in the same account. */
    env_add(b, "AWS_ACCESS_KEY_ID", req->account);
    env_add(b, "AWS_SECRET_ACCESS_KEY", "sluice");
    env_add(b, "AWS_SESSION_TOKEN", "sluice");
    env_add(b, "LAMBDA_TASK_ROOT", dir);
    env_add(b, "LAMBDA_RUNTIME_DIR", provided ? dir : "/var/runtime");
    /* Not an AWS variable: points the function's AWS SDK at this sluice,
     * the way LocalStack does, so a handler can use DynamoDB or Lambda. */
    const char *host = strcmp(sluice_cfg.host, "0.0.0.0") == 0 || strcmp(sluice_cfg.host, "::") == 0
                           ? "127.0.0.1" : sluice_cfg.host;
    snprintf(buf, sizeof(buf), "http://%s:%d", host, sluice_cfg.bound_port);
    env_add(b, "AWS_ENDPOINT_URL", buf);
}

/* Writes the invocation's log text to /aws/lambda/<function>, one event
 * per line, in the environment's stream. Failures are logged, never
 * fatal: the invocation has already happened. */
static void write_logs(const struct invoke_req *req, const char *stream, const char *text) {
    char group[160];
    snprintf(group, sizeof(group), "/aws/lambda/%s", req->function_name);
    int n = 0;
    for (const char *p = text; *p; p++) n += *p == '\n';
    if (n == 0) return;
    const char **msg = xcalloc((size_t)n, sizeof(*msg));
    int64_t *ts = xcalloc((size_t)n, sizeof(*ts));
    char *copy = xstrdup(text);
    int64_t now = clock_now_ms();
    int k = 0;
    for (char *save = NULL, *line = strtok_r(copy, "\n", &save); line && k < n;
         line = strtok_r(NULL, "\n", &save)) {
        msg[k] = line;
        ts[k] = now;
        k++;
    }
    struct store_scope sc = {req->account, req->region};
    if (store_logs_append(sc, group, stream, k, msg, ts, now) != STORE_OK)
        log_msg(LOG_WARN, "could not store the log of %s", req->function_name);
    free(copy);
    free(msg);
    free(ts);
}

/* Log events with their own times, gathered for one invocation. */
struct evbuf {
    char **msg;
    int64_t *ts;
    int n, cap;
};

static void ev_add(struct evbuf *b, const char *line, size_t n, int64_t ts) {
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 16;
        b->msg = xrealloc(b->msg, (size_t)b->cap * sizeof(*b->msg));
        b->ts = xrealloc(b->ts, (size_t)b->cap * sizeof(*b->ts));
    }
    b->msg[b->n] = xstrndup(line, n);
    b->ts[b->n] = ts;
    b->n++;
}

/* Adds each line of TEXT, stamped (virtual clock) with the time its first
 * byte was read from the process (MARKS), or DFLT when unknown. */
static void ev_add_output(struct evbuf *b, const char *text, size_t n, const struct env_mark *marks,
                          int nmarks, int64_t dflt) {
    size_t pos = 0;
    int m = 0;
    while (pos < n) {
        const char *nl = memchr(text + pos, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - (text + pos)) : n - pos;
        while (m + 1 < nmarks && marks[m + 1].off <= pos) m++;
        int64_t ts = nmarks && marks[m].off <= pos ? marks[m].ms + clock_offset_ms() : dflt;
        if (len > 0) ev_add(b, text + pos, len, ts);
        pos += len + 1;
    }
}

/* Adds each line of TEXT at time TS. */
static void ev_add_text(struct evbuf *b, const char *text, int64_t ts) {
    ev_add_output(b, text, strlen(text), NULL, 0, ts);
}

static void ev_write(const struct invoke_req *req, const char *stream, struct evbuf *b) {
    char group[160];
    snprintf(group, sizeof(group), "/aws/lambda/%s", req->function_name);
    struct store_scope sc = {req->account, req->region};
    if (b->n && store_logs_append(sc, group, stream, b->n, (const char *const *)b->msg, b->ts,
                                  clock_now_ms()) != STORE_OK)
        log_msg(LOG_WARN, "could not store the log of %s", req->function_name);
    for (int i = 0; i < b->n; i++) free(b->msg[i]);
    free(b->msg);
    free(b->ts);
    memset(b, 0, sizeof(*b));
}

/* Base64 of the last 4 KB of the invocation's log, as Tail returns. */
static char *tail_of(const char *log, size_t n) {
    size_t from = n > INVOKE_TAIL_BYTES ? n - INVOKE_TAIL_BYTES : 0;
    return util_b64_encode(log + from, n - from);
}

static void set_body(struct invoke_res *res, const char *z) {
    free(res->body);
    res->body = xstrdup(z);
    res->nbody = strlen(z);
}

static int service_error(struct invoke_res *res, const char *code, const char *msg) {
    res->service_error = 1;
    snprintf(res->error_code, sizeof(res->error_code), "%s", code);
    set_body(res, msg);
    return -1;
}

/* The error body of a runtime that died, per docs/aws-reference.md B8. */
static char *exit_error(const char *request_id, int status) {
    char why[96];
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        snprintf(why, sizeof(why), "Runtime exited without providing a reason");
    else if (WIFEXITED(status))
        snprintf(why, sizeof(why), "Runtime exited with error: exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(why, sizeof(why), "Runtime exited with error: signal: %s",
                 WTERMSIG(status) == 9 ? "killed" : strsignal(WTERMSIG(status)));
    else
        snprintf(why, sizeof(why), "Runtime exited without providing a reason");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "errorType", "Runtime.ExitError");
    char msg[256];
    snprintf(msg, sizeof(msg), "RequestId: %s Error: %s", request_id, why);
    cJSON_AddStringToObject(o, "errorMessage", msg);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* Starts an environment for REQ's version with AWS_LAMBDA_INITIALIZATION_TYPE
 * INIT_TYPE; its log stream name goes to STREAM. Returns env_start's
 * result (IR says how init went). */
static int spawn_env(const struct invoke_req *req, const char *dir, const char *runtime,
                     const char *init_type, char *stream, size_t nstream, struct env **env,
                     struct env_result *ir, double *init_ms) {
    int python = strncmp(runtime, "python", 6) == 0;
    int node = strncmp(runtime, "nodejs", 6) == 0;
    int provided = strncmp(runtime, "provided", 8) == 0;
    struct envbuf b = {{0}, 0};
    build_env(&b, req, dir, runtime, provided, init_type, stream, nstream);
    char boot[4200];
    struct env_spec spec;
    memset(&spec, 0, sizeof(spec));
    int overridden = 0;
    const char *cmd = runtime_command(runtime, &overridden);
    char pyboot[4400];
    const char *pyscript = rt_bootstrap_python();
    if (python && (strchr(pyscript, '\'') || strchr(pyscript, '\\'))) {
        /* A path Python cannot take inside quotes: run the script. */
        spec.argv[0] = cmd;
        spec.argv[1] = pyscript;
    } else if (python) {
        /* Imported as a module rather than run as a script, so Python
         * keeps its compiled bytecode between cold starts. */
        char rdir[4096];
        snprintf(rdir, sizeof(rdir), "%s", rt_bootstrap_python());
        char *slash = strrchr(rdir, '/');
        if (slash) *slash = '\0';
        snprintf(pyboot, sizeof(pyboot),
                 "import sys; sys.path.insert(0, %s%s%s); import bootstrap; bootstrap.main()",
                 "'", rdir, "'");
        spec.argv[0] = cmd;
        spec.argv[1] = "-c";
        spec.argv[2] = pyboot;
    } else if (node) {
        spec.argv[0] = cmd;
        spec.argv[1] = rt_bootstrap_nodejs();
    } else {
        snprintf(boot, sizeof(boot), "%s/bootstrap", dir);
        spec.argv[0] = boot;
    }
    spec.code_dir = dir;
    spec.envp = (const char *const *)b.v;
    spec.init_timeout_ms = INVOKE_INIT_TIMEOUT_MS;
    int rc = env_start(&spec, env, ir, init_ms);
    env_clear(&b);
    if (rc == 0 && ir->outcome == ENV_OK && (python || node) && !overridden)
        version_note(req, stream, runtime, cmd, *env);
    return rc;
}

/* Runs REQ admitted with ticket T (its slot says provisioned or not);
 * records MT's admission metrics once an environment is found. */
static int run_admitted(const struct invoke_req *req, struct invoke_res *res,
                        const struct conc_ticket *t, const struct metric_target *mt);

int invoke_sync(const struct invoke_req *req, struct invoke_res *res) {
    memset(res, 0, sizeof(*res));
    if (req->request_id && strlen(req->request_id) < sizeof(res->request_id))
        snprintf(res->request_id, sizeof(res->request_id), "%s", req->request_id);
    else
        util_uuid(res->request_id);
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
    if (rc != 0 && res->throttle_reason) metric_throttled(&mt);
    /* Only what reached the function counts as an invocation; sluice's
     * own failures to run it (unsupported runtime, unpacking) do not. */
    if (rc == 0) metric_invoked(&mt, res->function_error, res->duration_ms);
    return rc;
}

static int run_admitted(const struct invoke_req *req, struct invoke_res *res,
                        const struct conc_ticket *t, const struct metric_target *mt) {
    int provisioned = t->slot == CONC_PROVISIONED;
    const cJSON *cfg = req->config;
    const char *runtime = cfg_str(cfg, "Runtime");
    const char *sha = cfg_str(cfg, "CodeSha256");
    const char *rev = cfg_str(cfg, "RevisionId");
    if (runtime == NULL || sha == NULL)
        return service_error(res, "InvalidRuntimeException", "The function has no runtime or code.");
    int python = strncmp(runtime, "python", 6) == 0;
    int node = strncmp(runtime, "nodejs", 6) == 0;
    int provided = strncmp(runtime, "provided", 8) == 0;
    if (!python && !node && !provided)
        return service_error(res, "InvalidRuntimeException",
                             "sluice runs python3.x, nodejs*.x and provided.* functions; the "
                             "runtime of this function is not supported here.");
    char dir[4096];
    if (code_dir(sha, dir, sizeof(dir)) != 0)
        return service_error(res, "ServiceException", "The function's code could not be unpacked.");

    char key[768];
    int np = snprintf(key, sizeof(key), "%s|%s|%s|%s|", req->account, req->region,
                      req->function_name, req->version);
    snprintf(key + np, sizeof(key) - (size_t)np, "%s", rev ? rev : "");
    char stream[160] = "";
    struct env *env = NULL;
    char pckey[768] = "";
    int lazy_pc = 0;
    if (provisioned) {
        /* A provisioned slot runs in one of the qualifier's pre-initialised
         * environments when one is free; else on demand (spillover). */
        pc_key(pckey, sizeof(pckey), req->account, req->region, req->function_name,
               req->qualifier ? req->qualifier : "", req->version, rev);
        env = pc_take(pckey, stream, sizeof(stream));
        /* None free: admission counted a provisioned slot, so this is
         * one of the config's environments beyond --pc-max-environments
         * (or one that died). It is started now, initialised as
         * provisioned, and stays in the config's pool afterwards. */
        lazy_pc = env == NULL;
    }
    if (env == NULL && !lazy_pc) env = pool_take(key, (size_t)np, stream, sizeof(stream));
    int timeout_s = cfg_int(cfg, "Timeout", 3);
    int memory = cfg_int(cfg, "MemorySize", 128);
    double init_ms = -1;
    char *log = NULL;
    size_t nlog = 0;
    struct env_mark *init_marks = NULL;
    int n_init_marks = 0;
    char head[256];
    snprintf(head, sizeof(head), "START RequestId: %s Version: %s\n", res->request_id, req->version);

    if (env == NULL && !lazy_pc &&
        !conc_scale_take(req->account, req->region, req->function_name, sluice_cfg.scaling_rate,
                         clock_now_ms())) {
        /* AWS documents a 429 for scaling faster than the rate but no
         * Reason of its own; the account one is the most plausible. */
        res->throttle_reason = "ConcurrentInvocationLimitExceeded";
        return service_error(res, "TooManyRequestsException", "Rate Exceeded.");
    }
    metric_admitted(mt, t);
    if (env == NULL) {
        struct env_result ir;
        int rc = spawn_env(req, dir, runtime, lazy_pc ? "provisioned-concurrency" : "on-demand",
                           stream, sizeof(stream), &env, &ir, &init_ms);
        if (rc != 0 || ir.outcome != ENV_OK) {
            /* The init error answers this invoke; the next one starts over. */
            char *text;
            if (ir.outcome == ENV_INIT_ERROR && ir.body && ir.nbody) {
                text = xstrndup(ir.body, ir.nbody);
            } else if (ir.outcome == ENV_TIMEOUT) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "errorType", "Runtime.InitTimeout");
                char m[160];
                snprintf(m, sizeof(m), "RequestId: %s Error: Init timed out after %.2f seconds",
                         res->request_id, INVOKE_INIT_TIMEOUT_MS / 1000.0);
                cJSON_AddStringToObject(o, "errorMessage", m);
                text = cJSON_PrintUnformatted(o);
                cJSON_Delete(o);
            } else if (rc != 0) {
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "errorType", "Runtime.InvalidEntrypoint");
                char m[4600];
                if (provided && ir.body && strstr(ir.body, "Permission denied"))
                    snprintf(m, sizeof(m), "RequestId: %s Error: fork/exec %s/bootstrap: permission denied",
                             res->request_id, dir);
                else if (provided)
                    snprintf(m, sizeof(m), "RequestId: %s Error: Couldn't find valid bootstrap(s): "
                             "[%s/bootstrap /opt/bootstrap]", res->request_id, dir);
                else
                    snprintf(m, sizeof(m), "RequestId: %s Error: %s", res->request_id,
                             ir.body ? ir.body : "could not start the runtime");
                cJSON_AddStringToObject(o, "errorMessage", m);
                text = cJSON_PrintUnformatted(o);
                cJSON_Delete(o);
            } else {
                text = exit_error(res->request_id, ir.exit_status);
            }
            res->function_error = 1;
            res->body = text;
            res->nbody = strlen(text);
            res->duration_ms = init_ms > 0 ? init_ms : 0;
            /* REPORT names the error type the caller got. */
            char etype[128];
            cJSON *parsed = cJSON_Parse(text);
            const cJSON *et = parsed ? cJSON_GetObjectItemCaseSensitive(parsed, "errorType") : NULL;
            snprintf(etype, sizeof(etype), "%s",
                     ir.error_type[0] ? ir.error_type : cJSON_IsString(et) ? et->valuestring : "Runtime.Unknown");
            cJSON_Delete(parsed);
            {
                char *all = xasprintf("%s%.*sEND RequestId: %s\nREPORT RequestId: %s\tDuration: %.2f ms\t"
                                      "Billed Duration: %lld ms\tMemory Size: %d MB\tMax Memory Used: %d MB\t"
                                      "Status: error\tError Type: %s\t\n",
                                      head, (int)ir.nlog, ir.log ? ir.log : "", res->request_id,
                                      res->request_id, init_ms, (long long)ceil(init_ms), memory,
                                      env ? env_peak_rss_mb(env) : 0, etype);
                if (req->tail) res->log_tail = tail_of(all, strlen(all));
                write_logs(req, stream, all);
                free(all);
            }
            env_result_clear(&ir);
            env_free(env);
            return 0;
        }
        log = ir.log;
        nlog = ir.nlog;
        init_marks = ir.marks;
        n_init_marks = ir.nmarks;
        ir.log = NULL;
        ir.marks = NULL;
        env_result_clear(&ir);
    }

    char trace[128], t1[25], t2[17];
    random_hex(t1, 24);
    random_hex(t2, 16);
    snprintf(trace, sizeof(trace), "Root=1-%08llx-%s;Parent=%s;Sampled=0",
             (unsigned long long)(util_wall_ms() / 1000), t1, t2);
    struct env_result r;
    int64_t started = clock_now_ms();
    env_invoke(env, res->request_id, req->payload, req->npayload, (int64_t)timeout_s * 1000, req->invoked_arn,
               req->client_context, trace, &r);
    int peak = env_peak_rss_mb(env);
    res->duration_ms = r.duration_ms;
    switch (r.outcome) {
    case ENV_OK:
        if (r.body && r.nbody) {
            res->body = r.body;
            res->nbody = r.nbody;
            r.body = NULL;
        } else {
            set_body(res, "null");
        }
        break;
    case ENV_FUNCTION_ERROR:
        res->function_error = 1;
        if (r.body && r.nbody) {
            res->body = r.body;
            res->nbody = r.nbody;
            r.body = NULL;
        } else {
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "errorType", r.error_type[0] ? r.error_type : "Unhandled");
            cJSON_AddStringToObject(o, "errorMessage", "");
            res->body = cJSON_PrintUnformatted(o);
            res->nbody = strlen(res->body);
            cJSON_Delete(o);
        }
        break;
    case ENV_TIMEOUT: {
        res->function_error = 1;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "errorType", "Sandbox.Timedout");
        char m[160];
        snprintf(m, sizeof(m), "RequestId: %s Error: Task timed out after %.2f seconds",
                 res->request_id, (double)timeout_s);
        cJSON_AddStringToObject(o, "errorMessage", m);
        res->body = cJSON_PrintUnformatted(o);
        res->nbody = strlen(res->body);
        cJSON_Delete(o);
        break;
    }
    case ENV_TOO_LARGE:
        res->function_error = 1;
        set_body(res, "{\"errorMessage\":\"Response payload size exceeded maximum allowed payload "
                      "size (6291556 bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}");
        break;
    default:
        res->function_error = 1;
        res->body = exit_error(res->request_id, r.exit_status);
        res->nbody = strlen(res->body);
        break;
    }
    /* The log: START, the output, END and REPORT, as AWS writes them. */
    size_t total = nlog + r.nlog;
    char *out = xmalloc(total + 1);
    if (nlog) memcpy(out, log, nlog);
    if (r.nlog) memcpy(out + nlog, r.log, r.nlog);
    out[total] = '\0';
    char init_part[64] = "";
    if (init_ms >= 0) snprintf(init_part, sizeof(init_part), "Init Duration: %.2f ms\t", init_ms);
    char timeout_line[192] = "";
    if (r.outcome == ENV_TIMEOUT) {
        char iso[40];
        util_iso_time(util_wall_ms(), iso, sizeof(iso));
        snprintf(timeout_line, sizeof(timeout_line), "%s %s Task timed out after %.2f seconds\n\n",
                 iso, res->request_id, (double)timeout_s);
    }
    /* In the log stream, init output comes before START (as in AWS); the
     * Tail of the call starts at START and holds both. */
    char *init_out = xstrndup(out, nlog);
    const char *call_out = out + nlog;
    size_t ncall = total - nlog;
    char report[512];
    snprintf(report, sizeof(report),
             "END RequestId: %s\nREPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld ms\t"
             "Memory Size: %d MB\tMax Memory Used: %d MB\t%s\n",
             res->request_id, res->request_id, r.duration_ms,
             (long long)(ceil(r.duration_ms) > 0 ? ceil(r.duration_ms) : 1), memory, peak, init_part);
    const char *nl_init = (nlog && init_out[nlog - 1] != '\n') ? "\n" : "";
    const char *nl_call = (ncall && call_out[ncall - 1] != '\n') ? "\n" : "";
    char *all = xasprintf("%s%s%s%s%s%s%s", init_out, nl_init, head, call_out, nl_call, timeout_line, report);
    char *tail = req->tail ? xasprintf("%s%s%s%s%s%s%s", head, init_out, nl_init, call_out, nl_call,
                                       timeout_line, report)
                           : NULL;
    free(init_out);
    free(out);
    if (tail) res->log_tail = tail_of(tail, strlen(tail));
    free(tail);
    /* The log stream: each line at the time the process wrote it. */
    struct evbuf eb = {0};
    int64_t ended = clock_now_ms();
    if (log) ev_add_output(&eb, log, nlog, init_marks, n_init_marks, started);
    ev_add_text(&eb, head, started);
    if (r.log) ev_add_output(&eb, r.log, r.nlog, r.marks, r.nmarks, ended);
    ev_add_text(&eb, timeout_line, ended);
    ev_add_text(&eb, report, ended);
    ev_write(req, stream, &eb);
    free(init_marks);
    free(log);
    log_msg(LOG_DEBUG, "invoke %s:%s %s -> %s", req->function_name, req->version, res->request_id,
            res->function_error ? "error" : "ok");
    free(all);
    if (lazy_pc) pc_adopt(pckey, stream, env);
    else if (pckey[0]) pc_give_back(pckey, env);
    else if (env_alive(env)) pool_put(key, stream, env);
    else env_free(env);
    env_result_clear(&r);
    return 0;
}

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
    cJSON *alias = NULL;
    if (qualifier[0] == '\0' || strcmp(qualifier, "$LATEST") == 0) {
        snprintf(version, 32, "$LATEST");
        return latest;
    }
    if (!(qualifier[0] >= '0' && qualifier[0] <= '9')) {
        char *text = NULL;
        rc = store_alias_get(s, name, qualifier, &text);
        if (rc != STORE_OK) {
            *missing = rc == STORE_NOTFOUND;
            cJSON_Delete(latest);
            return NULL;
        }
        alias = cJSON_Parse(text);
        free(text);
        const cJSON *fv = alias ? cJSON_GetObjectItemCaseSensitive(alias, "FunctionVersion") : NULL;
        if (!cJSON_IsString(fv)) {
            cJSON_Delete(alias);
            cJSON_Delete(latest);
            return NULL;
        }
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
    if (alias) cJSON_Delete(alias);
    if (strcmp(version, "$LATEST") == 0) return latest;
    cJSON_Delete(latest);
    char *text = NULL;
    rc = strlen(version) > 9 ? STORE_NOTFOUND : store_ver_get(s, name, atoi(version), &text);
    if (rc != STORE_OK) {
        *missing = rc == STORE_NOTFOUND;
        return NULL;
    }
    cJSON *cfg = cJSON_Parse(text);
    free(text);
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

/* ------------------------------------------------------------------ */
/* Provisioned concurrency                                              */
/* ------------------------------------------------------------------ */

/* Pre-initialised environments of PC configs, keyed by
 * account|region|function|qualifier|version|RevisionId: an alias moving
 * to another version, or a new revision, makes a new key. */
static struct pooled *pcenvs;   /* under pool_mu */

static void pc_key(char *buf, size_t n, const char *account, const char *region, const char *name,
                   const char *qualifier, const char *version, const char *rev) {
    snprintf(buf, n, "%s|%s|%s|%s|%s|%s", account, region, name, qualifier, version, rev ? rev : "");
}

/* Takes a free provisioned environment of KEY, or NULL. */
static struct env *pc_take(const char *key, char *stream, size_t nstream) {
    struct env *found = NULL;
    pthread_mutex_lock(&pool_mu);
    for (struct pooled *p = pcenvs; p; p = p->next) {
        if (!p->busy && strcmp(p->key, key) == 0 && env_alive(p->env)) {
            p->busy = 1;
            found = p->env;
            snprintf(stream, nstream, "%s", p->stream);
            break;
        }
    }
    pthread_mutex_unlock(&pool_mu);
    return found;
}

/* Returns ENV (taken with pc_take) to the provisioned pool; a dead one is
 * dropped and the provisioner starts a replacement. */
static void pc_give_back(const char *key, struct env *env) {
    struct pooled *dead = NULL;
    pthread_mutex_lock(&pool_mu);
    for (struct pooled **pp = &pcenvs; *pp; pp = &(*pp)->next) {
        struct pooled *p = *pp;
        if (p->env != env) continue;
        if (env_alive(env)) {
            p->busy = 0;
        } else {
            *pp = p->next;
            p->next = NULL;
            dead = p;
        }
        break;
    }
    pthread_mutex_unlock(&pool_mu);
    (void)key;
    pooled_free_all(dead);
}

/* Adds ENV, started by the provisioner or for a provisioned slot at
 * invoke time, to KEY's provisioned pool (a dead one is freed). The
 * provisioner retires environments beyond what the config wants. */
static void pc_adopt(const char *key, const char *stream, struct env *env) {
    if (!env_alive(env)) {
        env_free(env);
        return;
    }
    struct pooled *p = pooled_new(key, stream, env);
    pthread_mutex_lock(&pool_mu);
    p->next = pcenvs;
    pcenvs = p;
    pthread_mutex_unlock(&pool_mu);
}

/* Environments of KEY (busy or not, alive), or with KEY NULL every
 * environment of every config (dead ones not yet dropped included). */
static int pc_count(const char *key) {
    int n = 0;
    pthread_mutex_lock(&pool_mu);
    for (struct pooled *p = pcenvs; p; p = p->next)
        n += key == NULL || (strcmp(p->key, key) == 0 && env_alive(p->env));
    pthread_mutex_unlock(&pool_mu);
    return n;
}

/* One PC config as the provisioner sees it. */
struct pcwant {
    char account[13], region[32], name[257], qualifier[129];
    struct store_pc pc;
    char key[768];
    int want;        /* environments to keep for KEY */
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
    char stream[160] = "";
    int src = spawn_env(&ir, ps->dir, ps->runtime, "provisioned-concurrency", stream, sizeof(stream),
                        &env, &res, &init_ms);
    if (src != 0 || res.outcome != ENV_OK) {
        env_free(env);
    } else {
        pc_adopt(w->key, stream, env);
        ps->ok = 1;
    }
    /* Init output goes to the log like any environment's. */
    if (res.log && res.nlog) {
        struct evbuf eb = {0};
        ev_add_output(&eb, res.log, res.nlog, res.marks, res.nmarks, clock_now_ms());
        ev_write(&ir, stream, &eb);
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

/* Brings every PC config to its requested number of initialised
 * environments, sets READY or FAILED, and retires environments no config
 * wants any more. Runs on the provisioner thread. */
static void provision_once(int seen) {
    struct pcwants l = {NULL, 0, 0};
    int own = sqlite3_get_autocommit(store_db());
    if (own) store_begin(0);
    int rc = store_pc_each(collect_pc, &l);
    if (own) store_rollback();
    if (rc != STORE_OK) {
        free(l.w);
        return;
    }
    int64_t now = clock_now_ms();
    for (int i = 0; i < l.n; i++) {
        struct pcwant *w = &l.w[i];
        char version[32];
        int missing = 0;
        cJSON *cfg = invoke_resolve(w->account, w->region, w->name, w->qualifier, version, &missing);
        if (cfg == NULL) continue;
        const char *rev = cfg_str(cfg, "RevisionId");
        pc_key(w->key, sizeof(w->key), w->account, w->region, w->name, w->qualifier, version, rev);
        int failed = strcmp(w->pc.status, "FAILED") == 0;
        w->want = failed ? 0 : w->pc.requested;
        if (failed || now < w->pc.ready_ms) {
            if (!failed && strcmp(w->pc.status, "IN_PROGRESS") == 0) w->want = pc_count(w->key);
            cJSON_Delete(cfg);
            continue;
        }
        const char *runtime = cfg_str(cfg, "Runtime");
        const char *sha = cfg_str(cfg, "CodeSha256");
        char dir[4096];
        int ok = runtime && sha && code_dir(sha, dir, sizeof(dir)) == 0;
        int missing_envs = w->pc.requested - pc_count(w->key);
        int room = sluice_cfg.pc_max_envs - pc_count(NULL);
        if (missing_envs > room) missing_envs = room > 0 ? room : 0;
        if (ok && missing_envs > 0) ok = pc_start_many(w, version, cfg, runtime, dir, missing_envs, seen);
        if (ok < 0) {
            /* A config changed: what this pass wants is stale. Keep every
             * environment; the next pass (at once) sorts them out. */
            cJSON_Delete(cfg);
            free(l.w);
            return;
        }
        if (!ok) {
            w->want = 0;
            set_status(w, "FAILED", "FUNCTION_ERROR_INIT_FAILURE", 0);
        } else if (strcmp(w->pc.status, "READY") != 0 || w->pc.allocated != w->pc.requested) {
            set_status(w, "READY", "", w->pc.requested);
        }
        cJSON_Delete(cfg);
    }
    /* Retire idle environments beyond what their key wants. */
    struct pooled *retired = NULL;
    pthread_mutex_lock(&pool_mu);
    for (struct pooled **pp = &pcenvs; *pp;) {
        struct pooled *p = *pp;
        int want = 0, have_before = 0;
        for (int i = 0; i < l.n; i++)
            if (strcmp(l.w[i].key, p->key) == 0) want += l.w[i].want;
        for (struct pooled *q = pcenvs; q != p; q = q->next) have_before += strcmp(q->key, p->key) == 0;
        if (!p->busy && (have_before >= want || !env_alive(p->env))) {
            *pp = p->next;
            p->next = retired;
            retired = p;
            continue;
        }
        pp = &p->next;
    }
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(retired);
    free(l.w);
}

/* The provisioner thread: works every PROVISION_TICK_MS or when kicked
 * (a PC config changed, an alias moved, the clock advanced). Starting an
 * environment can take seconds, so it has a thread of its own. */
#define PROVISION_TICK_MS 250

static pthread_t prov_thread;
static int prov_running, prov_stopping, prov_kicks;
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

/* Tells the provisioner thread to stop and returns at once; any thread. */
static void provisioner_halt(void) {
    pthread_mutex_lock(&prov_mu);
    prov_stopping = 1;
    pthread_cond_broadcast(&prov_cv);
    pthread_mutex_unlock(&prov_mu);
}

void invoke_provisioner_stop(void) {
    if (!prov_running) return;
    provisioner_halt();
    pthread_join(prov_thread, NULL);
    prov_running = 0;
    pthread_mutex_lock(&pool_mu);
    struct pooled *all = pcenvs;
    pcenvs = NULL;
    pthread_mutex_unlock(&pool_mu);
    pooled_free_all(all);
}

