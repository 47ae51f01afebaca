/*
 * engine/spawn.h: starting execution environments. Chooses the
 * interpreter, unpacks the code, builds the environment variables and
 * calls runtime/env.c's env_start. Used by the invoker and the
 * provisioner.
 */
#include "engine/spawn.h"
#include "base/clock.h"
#include "engine/config.h"
#include "engine/fnlog.h"
#include "engine/invoker.h"
#include "base/log.h"
#include "base/util.h"
#include "runtime/bootstraps.h"
#include "runtime/env.h"
#include "runtime/sandbox.h"
#include "runtime/unzip.h"
#include "storage/blob.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum spawn_family spawn_family(const char *runtime) {
    if (strncmp(runtime, "python", 6) == 0) return SPAWN_PYTHON;
    if (strncmp(runtime, "nodejs", 6) == 0) return SPAWN_NODE;
    if (strncmp(runtime, "provided", 8) == 0) return SPAWN_PROVIDED;
    return SPAWN_UNSUPPORTED;
}

const char *spawn_cfg_str(const cJSON *cfg, const char *key) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(cfg, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

int spawn_cfg_int(const cJSON *cfg, const char *key, int dflt) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(cfg, key);
    return cJSON_IsNumber(it) ? (int)it->valuedouble : dflt;
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
    struct fnlog_events e = {0};
    fnlog_add_text(&e, line, clock_now_ms());
    fnlog_write((struct store_scope){req->account, req->region}, req->function_name, stream, &e);
}

int spawn_code_dir(const char *sha_b64, char *out, size_t n) {
    size_t nraw = 0;
    unsigned char *raw = util_b64_decode(sha_b64, strlen(sha_b64), &nraw);
    int ok = raw != NULL && nraw == 32;
    char hex[65];
    for (int i = 0; ok && i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    free(raw);
    if (!ok) return -1;
    if (snprintf(out, n, "%s/%s", store_code_dir(), hex) >= (int)n) return -1;
    char zip[4096];
    if (blob_path(hex, zip, sizeof(zip)) != 0) return -1;
    const char *msg = NULL;
    int rc = unzip_extract(zip, out, &msg);
    if (rc == UNZIP_ENOLIB) log_msg(LOG_ERROR, "%s", msg);
    return rc == UNZIP_OK ? 0 : -1;
}

/* The variables of one process, NULL-terminated: up to 127 (the
 * function's own, which AWS caps at 4 KB in all, and about 25 of
 * Lambda's); any beyond are dropped. */
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
    env_add(b, "_HANDLER", spawn_cfg_str(cfg, "Handler"));
    env_add(b, "AWS_REGION", req->region);
    env_add(b, "AWS_DEFAULT_REGION", req->region);
    if (!provided) {
        snprintf(buf, sizeof(buf), "AWS_Lambda_%s", runtime);
        env_add(b, "AWS_EXECUTION_ENV", buf);
    }
    env_add(b, "AWS_LAMBDA_FUNCTION_NAME", req->function_name);
    snprintf(buf, sizeof(buf), "%d", spawn_cfg_int(cfg, "MemorySize", 128));
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

int spawn_env(const struct invoke_req *req, const char *dir, const char *runtime,
              const char *init_type, char *stream, size_t nstream, struct env **env,
              struct env_result *ir, double *init_ms) {
    enum spawn_family family = spawn_family(runtime);
    int python = family == SPAWN_PYTHON, node = family == SPAWN_NODE;
    int provided = family == SPAWN_PROVIDED;
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
         * keeps its compiled bytecode between cold starts; a sandboxed
         * runtime cannot write it, so sluice compiles it first. */
        if (sandbox_enabled()) rt_bootstrap_python_compile(cmd, (const char *const *)b.v);
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
    spec.init_timeout_ms = SPAWN_INIT_TIMEOUT_MS;
    int rc = env_start(&spec, env, ir, init_ms);
    env_clear(&b);
    if (rc == 0 && ir->outcome == ENV_OK && (python || node) && !overridden)
        version_note(req, stream, runtime, cmd, *env);
    return rc;
}

void spawn_trace_id(char *out, size_t n) {
    char t1[25], t2[17];
    random_hex(t1, 24);
    random_hex(t2, 16);
    snprintf(out, n, "Root=1-%08llx-%s;Parent=%s;Sampled=0",
             (unsigned long long)(util_wall_ms() / 1000), t1, t2);
}
