/*
 * sluice: a local AWS emulator for DynamoDB Streams and Lambda.
 * main() reads flags (each also from SLUICE_<NAME>), opens storage,
 * starts the HTTP front, writes the ready file, and waits for SIGTERM or
 * SIGINT to shut down cleanly.
 */
#include "api/api.h"
#include "api/call.h"
#include "engine/background.h"
#include "base/clock.h"
#include "engine/config.h"
#include "engine/ddb/ddb.h"
#include "engine/esm.h"
#include "engine/invoker.h"
#include "engine/metrics.h"
#include "engine/sqs.h"
#include "runtime/bootstraps.h"
#include "runtime/env.h"
#include "runtime/sandbox.h"
#include "base/log.h"
#include "server/http.h"
#include "server/router.h"
#include "storage/store.h"
#include "storage/store_blobs.h"
#include "storage/store_ddb.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *f) {
    fprintf(f,
        "Usage: sluice [options]\n"
        "A local AWS emulator for DynamoDB Streams and Lambda, on one port.\n"
        "Every option can also be set through the environment as SLUICE_<NAME>,\n"
        "e.g. SLUICE_PORT=4566 or SLUICE_IN_MEMORY=1; flags win over the environment.\n"
        "\n"
        "  --host ADDR                      address to bind (default 127.0.0.1)\n"
        "  --port N                         port to listen on; 0 picks a free port (default 4566)\n"
        "  --data-dir DIR                   where state persists (default ./sluice-data)\n"
        "  --in-memory                      keep no state on disk; everything is gone at exit\n"
        "  --ready-file PATH                write HOST:PORT and a newline to PATH once serving\n"
        "  --log-level LEVEL                error, warn, info (default) or debug\n"
        "  --account-concurrency N          account concurrency limit (default 1000)\n"
        "  --min-unreserved-concurrency N   unreserved concurrency the account keeps (default 100)\n"
        "  --runtime-command RT=CMD         interpreter for a runtime, e.g. python3.12=/usr/bin/python3\n"
        "                                   or a family: python3=..., nodejs=... (repeatable; default\n"
        "                                   python3 and node on PATH); SLUICE_RUNTIME_COMMAND takes a\n"
        "                                   comma-separated list\n"
        "  --env-keepalive SECONDS          idle execution environments are stopped after this (default 600)\n"
        "  --pc-ready-delay SECONDS         wait this long (virtual clock) before provisioned\n"
        "                                   concurrency environments start, to model AWS's\n"
        "                                   minutes-long allocation (default 0)\n"
        "  --pc-max-environments N          provisioned concurrency environments started ahead\n"
        "                                   of use, over all configs; a config's further ones\n"
        "                                   start at their first invoke (default 32)\n"
        "  --scaling-rate N                 new execution environments a function may start per\n"
        "                                   10 s, refilled continuously; beyond it, 429 (default 1000)\n"
        "  --default-account ID             account of access keys that are not 12 digits\n"
        "                                   (default 000000000000)\n"
        "  --shutdown-grace SECONDS         on SIGTERM/SIGINT, let requests, invocations and\n"
        "                                   batches in flight finish for up to this long; what\n"
        "                                   still runs then gets 503 ServiceUnavailable (default 10)\n"
        "  --cfn-cleanup-delay-ms MS        CloudFormation updates wait this long before their\n"
        "                                   cleanup (deleting replaced and removed resources), to\n"
        "                                   widen the window in which both exist (default 0)\n"
        "  --sandbox MODE                   run functions inside bubblewrap (read-only code, private\n"
        "                                   /tmp, own PID namespace): auto (where it works, else plain\n"
        "                                   processes and a warning), on (or refuse to start), off\n"
        "                                   (default auto)\n"
        "  --help                           show this help and exit\n"
        "  --version                        print the version and exit\n");
}

static int parse_int(const char *name, const char *z, int lo, int hi, int *out) {
    char *end;
    errno = 0;
    long v = strtol(z, &end, 10);
    if (errno || end == z || *end || v < lo || v > hi) {
        fprintf(stderr, "sluice: %s must be an integer from %d to %d, got '%s'\n", name, lo, hi, z);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int truthy(const char *z) {
    return z && (strcmp(z, "1") == 0 || strcasecmp(z, "true") == 0 || strcasecmp(z, "yes") == 0);
}

enum { OPT_HOST = 1000, OPT_PORT, OPT_DATA_DIR, OPT_IN_MEMORY, OPT_READY_FILE, OPT_LOG_LEVEL,
       OPT_ACCOUNT_CONC, OPT_MIN_UNRESERVED, OPT_RUNTIME_CMD, OPT_KEEPALIVE, OPT_PC_DELAY,
       OPT_PC_MAX, OPT_SCALING_RATE, OPT_DEFAULT_ACCOUNT, OPT_SHUTDOWN_GRACE, OPT_CFN_CLEANUP_DELAY,
       OPT_SANDBOX, OPT_HELP, OPT_VERSION };

/* Adds one or more (comma-separated) RT=CMD runtime overrides. */
static int add_runtime_commands(const char *value) {
    char *copy = strdup(value);
    if (copy == NULL) abort();
    int rc = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (strchr(tok, '=') == NULL || tok[0] == '=') {
            fprintf(stderr, "sluice: --runtime-command wants RUNTIME=COMMAND, got '%s'\n", tok);
            rc = -1;
            break;
        }
        if (sluice_cfg.nruntime_commands == (int)(sizeof(sluice_cfg.runtime_commands) /
                                                  sizeof(sluice_cfg.runtime_commands[0]))) {
            fprintf(stderr, "sluice: too many --runtime-command overrides\n");
            rc = -1;
            break;
        }
        /* Kept for the process lifetime. */
        sluice_cfg.runtime_commands[sluice_cfg.nruntime_commands++] = strdup(tok);
    }
    free(copy);
    return rc;
}

/* Applies one setting; VALUE is NULL for a flag without argument. */
static int apply(int opt, const char *value) {
    struct sluice_config *c = &sluice_cfg;
    switch (opt) {
    case OPT_HOST: c->host = value; return 0;
    case OPT_PORT: return parse_int("--port", value, 0, 65535, &c->port);
    case OPT_DATA_DIR: c->data_dir = value; return 0;
    case OPT_IN_MEMORY: c->in_memory = value == NULL || truthy(value); return 0;
    case OPT_READY_FILE: c->ready_file = value; return 0;
    case OPT_LOG_LEVEL:
        if (log_set_level(value) != 0) {
            fprintf(stderr, "sluice: --log-level must be error, warn, info or debug\n");
            return -1;
        }
        c->log_level = value;
        return 0;
    case OPT_ACCOUNT_CONC:
        return parse_int("--account-concurrency", value, 1, 1000000, &c->account_concurrency);
    case OPT_MIN_UNRESERVED:
        return parse_int("--min-unreserved-concurrency", value, 0, 1000000,
                         &c->min_unreserved_concurrency);
    case OPT_RUNTIME_CMD: return add_runtime_commands(value);
    case OPT_KEEPALIVE: return parse_int("--env-keepalive", value, 1, 86400 * 7, &c->env_keepalive_s);
    case OPT_PC_DELAY: {
        int secs = 0;
        if (parse_int("--pc-ready-delay", value, 0, 86400, &secs) != 0) return -1;
        c->pc_ready_delay_ms = (int64_t)secs * 1000;
        return 0;
    }
    case OPT_PC_MAX:
        return parse_int("--pc-max-environments", value, 0, 100000, &c->pc_max_envs);
    case OPT_SCALING_RATE:
        return parse_int("--scaling-rate", value, 1, 1000000, &c->scaling_rate);
    case OPT_DEFAULT_ACCOUNT:
        if (strlen(value) != 12 || strspn(value, "0123456789") != 12) {
            fprintf(stderr, "sluice: --default-account must be 12 digits, got '%s'\n", value);
            return -1;
        }
        memcpy(c->default_account, value, 13);
        return 0;
    case OPT_SHUTDOWN_GRACE:
        return parse_int("--shutdown-grace", value, 0, 3600, &c->shutdown_grace_s);
    case OPT_CFN_CLEANUP_DELAY:
        /* An hour at most: a larger value is most likely a unit mistake. */
        return parse_int("--cfn-cleanup-delay-ms", value, 0, 3600000, &c->cfn_cleanup_delay_ms);
    case OPT_SANDBOX: {
        enum sandbox_mode m;
        if (sandbox_parse_mode(value, &m) != 0) {
            fprintf(stderr, "sluice: --sandbox must be auto, on or off, got '%s'\n", value);
            return -1;
        }
        c->sandbox = value;
        return 0;
    }
    }
    return -1;
}

static const struct option long_opts[] = {
    {"host", required_argument, NULL, OPT_HOST},
    {"port", required_argument, NULL, OPT_PORT},
    {"data-dir", required_argument, NULL, OPT_DATA_DIR},
    {"in-memory", no_argument, NULL, OPT_IN_MEMORY},
    {"ready-file", required_argument, NULL, OPT_READY_FILE},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"account-concurrency", required_argument, NULL, OPT_ACCOUNT_CONC},
    {"min-unreserved-concurrency", required_argument, NULL, OPT_MIN_UNRESERVED},
    {"runtime-command", required_argument, NULL, OPT_RUNTIME_CMD},
    {"env-keepalive", required_argument, NULL, OPT_KEEPALIVE},
    {"pc-ready-delay", required_argument, NULL, OPT_PC_DELAY},
    {"pc-max-environments", required_argument, NULL, OPT_PC_MAX},
    {"scaling-rate", required_argument, NULL, OPT_SCALING_RATE},
    {"default-account", required_argument, NULL, OPT_DEFAULT_ACCOUNT},
    {"shutdown-grace", required_argument, NULL, OPT_SHUTDOWN_GRACE},
    {"cfn-cleanup-delay-ms", required_argument, NULL, OPT_CFN_CLEANUP_DELAY},
    {"sandbox", required_argument, NULL, OPT_SANDBOX},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* The environment first (SLUICE_DATA_DIR for --data-dir), flags after. */
static int read_env(void) {
    for (const struct option *o = long_opts; o->name; o++) {
        if (o->val == OPT_HELP || o->val == OPT_VERSION) continue;
        char name[64] = "SLUICE_";
        size_t n = strlen(name);
        for (const char *p = o->name; *p && n < sizeof(name) - 1; p++)
            name[n++] = *p == '-' ? '_' : (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
        name[n] = '\0';
        const char *v = getenv(name);
        if (v == NULL || *v == '\0') continue;
        if (apply(o->val, v) != 0) return -1;
    }
    return 0;
}

static int write_ready_file(const char *path, const char *host, int port) {
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= (int)sizeof(tmp)) return -1;
    FILE *f = fopen(tmp, "w");
    if (f == NULL) return -1;
    fprintf(f, "%s:%d\n", host, port);
    if (fclose(f) != 0) return -1;
    return rename(tmp, path);
}

/* The graceful part of a stop (issue 17): no new connections; pollers
 * take no new batch and async workers no new event; what is in flight
 * (requests, invocations, batches, whose checkpoints are written as they
 * complete) has GRACE_S seconds to finish. What still runs then is
 * stopped: functions are killed (their invocations end 503
 * ServiceUnavailable, their batches and events stay to run again), and
 * requests still being read are answered 503. */
struct drainer {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int done;
};

static void *drain_main(void *arg) {
    struct drainer *d = arg;
    esm_stop();           /* a batch in flight finishes and is checkpointed */
    invoke_async_stop();  /* an event in flight finishes */
    store_thread_done();
    pthread_mutex_lock(&d->mu);
    d->done = 1;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    return NULL;
}

static void drain(int grace_s) {
    struct drainer d = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0};
    pthread_t t;
    struct timespec now, until;
    http_quiesce();
    int threaded = pthread_create(&t, NULL, drain_main, &d) == 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long deadline = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 + (long long)grace_s * 1000;
    int left = http_wait(deadline);
    /* The pollers and workers get what is left of the same period. */
    clock_gettime(CLOCK_MONOTONIC, &now);
    long long rest = deadline - ((long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
    if (rest < 0) rest = 0;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(rest / 1000);
    until.tv_nsec += (long)(rest % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&d.mu);
    while (threaded && !d.done && pthread_cond_timedwait(&d.cv, &d.mu, &until) == 0) {
    }
    int finished = d.done;
    pthread_mutex_unlock(&d.mu);
    if (left > 0 || !finished) {
        log_msg(LOG_WARN, "shutdown: the %d s grace period is over (%d connection(s) busy); stopping "
                "what still runs", grace_s, left);
        invoke_shutdown();
    }
    /* Requests still being read are answered 503; handlers end now that
     * no function runs. */
    http_stop();
    if (threaded) pthread_join(t, NULL);
    else drain_main(&d);
}

int main(int argc, char **argv) {
    if (read_env() != 0) return 2;
    int opt;
    while ((opt = getopt_long(argc, argv, "h", long_opts, NULL)) != -1) {
        if (opt == OPT_HELP || opt == 'h') {
            usage(stdout);
            return 0;
        }
        if (opt == OPT_VERSION) {
            printf("sluice %s\n", SLUICE_VERSION);
            return 0;
        }
        if (opt == '?' || apply(opt, optarg) != 0) {
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sluice: unexpected argument '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }

    /* Every waiting invoke holds a few descriptors (its connection, its
     * thread's database handle, its environment's endpoint and pipe):
     * raise the soft limit to the hard one so hundreds fit. */
    struct rlimit nofile;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
        nofile.rlim_cur = nofile.rlim_max;
        setrlimit(RLIMIT_NOFILE, &nofile);
    }

    /* Signals: handled synchronously by the main thread only. Block them
     * before any thread starts so every thread inherits the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (store_init(sluice_cfg.data_dir, sluice_cfg.in_memory) != STORE_OK) return 1;
    /* CloudFormation's deployer calls the services through the router. */
    call_init(router_prepare, router_dispatch);
    /* The virtual clock survives restarts: records and TTLs were written
     * by it. */
    char *offset = NULL;
    if (store_meta_get("clock_offset_ms", &offset) == STORE_OK && offset) {
        clock_set_offset_ms(strtoll(offset, NULL, 10));
        free(offset);
    }
    /* Functions of an earlier run that was killed must not linger. The
     * search reads the working directory of every process on the machine
     * (one readlink each: hundreds on a shared machine); in a code
     * directory made just now no process can be working. */
    env_set_run_mark(store_data_dir());
    int orphans = store_code_dir_new() ? 0 : env_reap_orphans(store_code_dir());
    if (orphans > 0) log_msg(LOG_INFO, "stopped %d function processes left by an earlier run", orphans);
    if (rt_bootstraps_install(store_data_dir()) != 0) {
        store_shutdown();
        return 1;
    }
    /* Functions' processes stay ours to end (issue 17): orphans come to
     * the server, and each environment gets its sandbox. */
    env_adopt_orphans();
    enum sandbox_mode sandbox = SANDBOX_AUTO;
    sandbox_parse_mode(sluice_cfg.sandbox, &sandbox);
    char rdir[PATH_MAX];
    snprintf(rdir, sizeof(rdir), "%s/runtime", store_data_dir());
    if (sandbox_setup(sandbox, rdir) != 0) {
        store_shutdown();
        return 1;
    }
    bg_register(ddb_sweep);
    bg_register(store_maintain);
    bg_register(invoke_reap);
    bg_register(metric_tick);
    bg_register(logs_sweep);
    bg_register(sqs_sweep);
    bg_register(store_blob_maintain);
    int port = 0;
    if (http_start(sluice_cfg.host, sluice_cfg.port, &port) != 0) {
        store_shutdown();
        return 1;
    }
    sluice_cfg.bound_port = port;
    if (sluice_cfg.ready_file && write_ready_file(sluice_cfg.ready_file, sluice_cfg.host, port) != 0) {
        log_msg(LOG_ERROR, "cannot write ready file %s: %s", sluice_cfg.ready_file, strerror(errno));
        http_stop();
        store_shutdown();
        return 1;
    }
    log_msg(LOG_INFO, "sluice %s listening on http://%s:%d (%s)", SLUICE_VERSION, sluice_cfg.host,
            port, sluice_cfg.in_memory ? "in memory" : sluice_cfg.data_dir);
    /* A new database reaches the disk now, before any write can commit on
     * it (storage/store.h); the bootstraps are written now too (the first
     * spawn waits for them: runtime/bootstraps.h). */
    store_sync_new_db();
    rt_bootstraps_write();
    sandbox_probe_start();
    /* The threads that work behind requests start once the ready file is
     * written: each opens its own database connection (schema parse,
     * page cache), which on a small machine competed with the main thread
     * for the CPU before ready (docs/architecture.md, "Start-up, second pass").
     * Nothing a request does needs them to be running already: async
     * events and event source mappings wait in the database, where the
     * first look of async worker 0 and of the ESM manager finds them, and
     * the background thread's first tick is a timer away anyway. */
    if (bg_start() != 0 || invoke_async_start() != 0 || invoke_provisioner_start() != 0 ||
        esm_start() != 0 || cfn_deploy_start() != 0) {
        http_stop();
        bg_stop();
        store_shutdown();
        return 1;
    }
    /* The main thread makes no more queries until shutdown: give back its
     * connection (its schema copy and page cache stay out of the idle
     * server's memory). Not earlier: closing the last connection of a
     * WAL database checkpoints it and deletes the log, which the threads'
     * connections would then create again. Shutdown opens one again if
     * it needs it. */
    store_thread_done();

    int sig = 0;
    while (sigwait(&set, &sig) != 0) {
    }
    log_msg(LOG_INFO, "signal %d: shutting down (grace period %d s)", sig, sluice_cfg.shutdown_grace_s);
    drain(sluice_cfg.shutdown_grace_s);
    /* Before the services it calls: it stops between two steps. */
    cfn_deploy_stop();
    bg_stop();
    invoke_provisioner_stop();
    invoke_shutdown();
    env_kill_strays();
    /* Last: every invocation has ended, so no metric is recorded after
     * this flush. */
    metric_flush();
    store_shutdown();
    return 0;
}
