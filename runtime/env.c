/*
 * Execution environments (runtime/env.h): the process, its Runtime API
 * endpoint, and the hand-over of one invocation at a time.
 *
 * The Runtime API of each environment is a small net/httpd server on
 * 127.0.0.1 and an ephemeral port; AWS_LAMBDA_RUNTIME_API names it. The
 * runtime's GET .../invocation/next blocks its connection thread on the
 * environment's condition variable until env_invoke() hands over an
 * event; .../response and .../error complete it and wake the invoker.
 */
#include "runtime/env.h"
#include "base/util.h"
#include "net/httpd.h"
#include "runtime/peer.h"
#include "runtime/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <time.h>
#include <unistd.h>

/* AWS's limit on a synchronous response: 6 MB plus 100 bytes, the figure
 * its own error message names ("6291556 bytes"). */
#define ENV_MAX_RESPONSE 6291556u
/* Error bodies follow the same limit as responses. */
#define ENV_MAX_ERROR_BODY ENV_MAX_RESPONSE
/* Output kept per invocation for LogType Tail and the log; AWS keeps the
 * last 4 KB for Tail, so 1 MB per call bounds memory while keeping the
 * whole output of any reasonable handler. */
#define ENV_MAX_LOG (1024u * 1024)
/* Runtime API connections per environment: the runtime uses one at a time;
 * a few more cover reconnects. */
#define ENV_RAPI_CONNECTIONS 16
/* Longest wait, in 1 ms steps, for the output reader to empty the pipe
 * after a response: a handler's output is already written by then. */
#define ENV_DRAIN_MS 50
/* Seconds a Runtime API connection may sit between requests. A runtime
 * keeps one connection and long-polls on it; while it waits in a handler
 * no timeout applies, so this only ends connections a runtime left. */
#define ENV_RAPI_IDLE_S 600
/* Stack of Runtime API connection threads: they only copy buffers. */
#define ENV_RAPI_STACK (256 * 1024)

enum env_state { ST_STARTING, ST_IDLE, ST_BUSY, ST_DEAD };

struct env {
    pid_t pid;                 /* the runtime, or bwrap around it */
    int sandboxed;             /* PID is bwrap's (runtime/sandbox.h) */
    _Atomic int rpid;          /* in a sandbox: the runtime's pid, once seen */
    struct httpd *rapi;
    int port;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    enum env_state state;
    int ready;                 /* the runtime asked for work at least once */
    int dying;
    /* init failure */
    int init_failed;
    char *init_body;
    size_t ninit;
    char init_type[128];
    char user_agent[96];   /* of the runtime's first GET next; "" before */
    /* process end */
    int exited;
    int exit_status;
    int out_fd;
    _Atomic int reading;       /* the reader holds bytes not yet appended */
    _Atomic long peak_kb;      /* highest VmHWM seen while the process lived */
    pthread_t reader;
    int reader_started;
    /* output captured for the current call, with read times */
    char *log;
    size_t nlog;
    struct env_mark *marks;
    int nmarks;
    /* the invocation in flight */
    int assigned, taken, done;
    char id[64];
    const char *payload;
    size_t npayload;
    int64_t deadline_ms;
    const char *arn;
    const char *cc;
    const char *trace;
    enum env_outcome outcome;
    char *body;
    size_t nbody;
    char etype[128];
};

void env_result_clear(struct env_result *r) {
    free(r->body);
    free(r->log);
    free(r->marks);
    memset(r, 0, sizeof(*r));
}

/* Milliseconds on the monotonic clock, with the fraction. */
static double mono_ms(void) {
    return (double)util_mono_ns() / 1e6;
}

/* Appends to the captured output (caller holds mu). */
static void log_append(struct env *e, const char *p, size_t n) {
    if (e->nlog + n > ENV_MAX_LOG) n = ENV_MAX_LOG > e->nlog ? ENV_MAX_LOG - e->nlog : 0;
    if (n == 0) return;
    e->marks = xrealloc(e->marks, (size_t)(e->nmarks + 1) * sizeof(*e->marks));
    e->marks[e->nmarks].off = e->nlog;
    e->marks[e->nmarks].ms = util_wall_ms();
    e->nmarks++;
    e->log = xrealloc(e->log, e->nlog + n + 1);
    memcpy(e->log + e->nlog, p, n);
    e->nlog += n;
    e->log[e->nlog] = '\0';
}

/* ------------------------------------------------------------------ */
/* Runtime API                                                          */
/* ------------------------------------------------------------------ */

struct rconn {
    struct env *env;
    char took[64];   /* request id this GET next handed out, if any */
};

static void reply(struct httpd_resp *resp, int status, const char *body) {
    resp->status = status;
    httpd_resp_copy_body(resp, body, strlen(body));
    httpd_resp_header(resp, "Content-Type", "application/json");
}

static void next_invocation(struct env *e, struct httpd_req *r, struct rconn *rc,
                            struct httpd_resp *resp) {
    const char *ua = httpd_header(r, "User-Agent");
    pthread_mutex_lock(&e->mu);
    if (!e->ready) {
        /* The runtime's User-Agent names its language version, as AWS's
         * runtime interface clients send it. */
        snprintf(e->user_agent, sizeof(e->user_agent), "%s", ua ? ua : "");
        e->ready = 1;
        pthread_cond_broadcast(&e->cv);
    }
    while (!e->dying && !(e->assigned && !e->taken)) pthread_cond_wait(&e->cv, &e->mu);
    int dying = e->dying;
    if (!dying) {
        e->taken = 1;
        snprintf(rc->took, sizeof(rc->took), "%s", e->id);
        rc->env = e;
        resp->status = 200;
        httpd_resp_copy_body(resp, e->payload, e->npayload);
        char deadline[32];
        snprintf(deadline, sizeof(deadline), "%lld", (long long)e->deadline_ms);
        httpd_resp_header(resp, "Lambda-Runtime-Aws-Request-Id", e->id);
        httpd_resp_header(resp, "Lambda-Runtime-Deadline-Ms", deadline);
        httpd_resp_header(resp, "Lambda-Runtime-Invoked-Function-Arn", e->arn);
        httpd_resp_header(resp, "Lambda-Runtime-Trace-Id", e->trace);
        if (e->cc) httpd_resp_header(resp, "Lambda-Runtime-Client-Context", e->cc);
        httpd_resp_header(resp, "Content-Type", "application/json");
    }
    pthread_mutex_unlock(&e->mu);
    if (dying) reply(resp, 500, "{\"errorMessage\":\"environment shutting down\",\"errorType\":\"Runtime.Shutdown\"}");
}

/* POST .../{id}/response or .../{id}/error. */
static void complete(struct env *e, struct httpd_req *r, const char *id, int is_error,
                     struct httpd_resp *resp) {
    int status = 202;
    const char *body = "{\"status\":\"OK\"}";
    pthread_mutex_lock(&e->mu);
    if (!e->taken || e->done || strcmp(id, e->id) != 0) {
        status = 400;
        body = "{\"errorMessage\":\"Invalid request ID\",\"errorType\":\"InvalidRequestID\"}";
    } else if (r->too_big) {
        e->outcome = ENV_TOO_LARGE;
        e->done = 1;
        pthread_cond_broadcast(&e->cv);
        status = 413;
        body = "{\"errorMessage\":\"Exceeded maximum allowed payload size (6291556 bytes).\","
               "\"errorType\":\"RequestEntityTooLarge\"}";
    } else {
        e->outcome = is_error ? ENV_FUNCTION_ERROR : ENV_OK;
        free(e->body);
        e->body = r->body;
        e->nbody = r->nbody;
        r->body = NULL;
        const char *t = httpd_header(r, "Lambda-Runtime-Function-Error-Type");
        snprintf(e->etype, sizeof(e->etype), "%s", t ? t : "");
        e->done = 1;
        pthread_cond_broadcast(&e->cv);
    }
    pthread_mutex_unlock(&e->mu);
    reply(resp, status, body);
}

static void init_error(struct env *e, struct httpd_req *r, struct httpd_resp *resp) {
    pthread_mutex_lock(&e->mu);
    e->init_failed = 1;
    free(e->init_body);
    if (r->too_big) {
        /* Never pass on a body cut at an arbitrary byte. */
        static const char big[] =
            "{\"errorMessage\":\"The init error was larger than the response limit.\","
            "\"errorType\":\"Runtime.InitErrorTooLarge\"}";
        e->init_body = xmalloc(sizeof(big));
        memcpy(e->init_body, big, sizeof(big));
        e->ninit = sizeof(big) - 1;
    } else {
        e->init_body = r->body;
        e->ninit = r->nbody;
        r->body = NULL;
    }
    const char *t = httpd_header(r, "Lambda-Runtime-Function-Error-Type");
    snprintf(e->init_type, sizeof(e->init_type), "%s", t ? t : "");
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
    reply(resp, 202, "{\"status\":\"OK\"}");
}

/* httpd begin(): every body is capped at the response limit. */
static size_t rapi_begin(void *ud, struct httpd_req *r) {
    (void)ud;
    struct rconn *rc = xcalloc(1, sizeof(*rc));
    r->data = rc;
    return strstr(r->path, "/error") ? ENV_MAX_ERROR_BODY : ENV_MAX_RESPONSE;
}

static void rapi_handle(void *ud, struct httpd_req *r, struct httpd_resp *resp) {
    struct env *e = ud;
    struct rconn *rc = r->data;
    const char *url = r->path, *method = r->method;
    static const char prefix[] = "/2018-06-01/runtime/";
    if (strncmp(url, prefix, sizeof(prefix) - 1) != 0) {
        reply(resp, 404, "{\"errorMessage\":\"Not found\",\"errorType\":\"InvalidRequest\"}");
        return;
    }
    const char *rest = url + sizeof(prefix) - 1;
    if (strcmp(method, "GET") == 0 && strcmp(rest, "invocation/next") == 0) {
        next_invocation(e, r, rc, resp);
        return;
    }
    if (strcmp(method, "POST") == 0 && strcmp(rest, "init/error") == 0) {
        init_error(e, r, resp);
        return;
    }
    if (strcmp(method, "POST") == 0 && strncmp(rest, "invocation/", 11) == 0) {
        const char *id = rest + 11;
        const char *slash = strchr(id, '/');
        if (slash && (size_t)(slash - id) < 64) {
            char rid[64];
            memcpy(rid, id, (size_t)(slash - id));
            rid[slash - id] = '\0';
            if (strcmp(slash, "/response") == 0) {
                complete(e, r, rid, 0, resp);
                return;
            }
            if (strcmp(slash, "/error") == 0) {
                complete(e, r, rid, 1, resp);
                return;
            }
        }
    }
    reply(resp, 404, "{\"errorMessage\":\"Not found\",\"errorType\":\"InvalidRequest\"}");
}

static void rapi_end(void *ud, struct httpd_req *r, int sent) {
    (void)ud;
    struct rconn *rc = r->data;
    if (rc && rc->took[0] && !sent) {
        /* The runtime gave up on this "next" (its connection died) before
         * the event reached it: hand the event to its next "next". */
        struct env *e = rc->env;
        pthread_mutex_lock(&e->mu);
        if (e->taken && !e->done && strcmp(e->id, rc->took) == 0) {
            e->taken = 0;
            pthread_cond_broadcast(&e->cv);
        }
        pthread_mutex_unlock(&e->mu);
    }
    free(rc);
    r->data = NULL;
}

/* ------------------------------------------------------------------ */
/* The process                                                          */
/* ------------------------------------------------------------------ */

/* Every live process group, so a shutdown can kill them all. */
#define ENV_MAX_TRACKED 4096
static pid_t tracked[ENV_MAX_TRACKED];
static pthread_mutex_t tracked_mu = PTHREAD_MUTEX_INITIALIZER;

/* Adds (ADD 1) or removes PID; the caller holds tracked_mu. */
static void track_locked(pid_t pid, int add) {
    for (int i = 0; i < ENV_MAX_TRACKED; i++) {
        if (add && tracked[i] == 0) {
            tracked[i] = pid;
            break;
        }
        if (!add && tracked[i] == pid) {
            tracked[i] = 0;
            break;
        }
    }
}

static void track(pid_t pid, int add) {
    pthread_mutex_lock(&tracked_mu);
    track_locked(pid, add);
    pthread_mutex_unlock(&tracked_mu);
}

static int is_tracked_locked(pid_t pid) {
    for (int i = 0; i < ENV_MAX_TRACKED; i++)
        if (tracked[i] == pid) return 1;
    return 0;
}

void env_kill_all(void) {
    pthread_mutex_lock(&tracked_mu);
    for (int i = 0; i < ENV_MAX_TRACKED; i++)
        if (tracked[i] > 0) kill(-tracked[i], SIGKILL);
    pthread_mutex_unlock(&tracked_mu);
}

/* Marks the process ended with STATUS and wakes every waiter. */
static void mark_exited(struct env *e, int status) {
    track(e->pid, 0);
    pthread_mutex_lock(&e->mu);
    e->exited = 1;
    e->exit_status = status;
    e->state = ST_DEAD;
    pthread_cond_broadcast(&e->cv);
    pthread_mutex_unlock(&e->mu);
}

/* How often the reader checks that the runtime is still alive while its
 * output pipe stays open (a child may hold the pipe after it exits). */
#define ENV_EXIT_CHECK_MS 100
/* Output still read after the runtime exited, for children that hold the
 * pipe: enough to catch what was already written, never a hang. */
#define ENV_LINGER_MS 300

/* Reads the process's stdout+stderr (one pipe) and notices its exit, even
 * when a child it started keeps the pipe open. */
static long read_hwm_kb(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    long kb = 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "VmHWM:", 6) == 0) kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

/* httpd admit(): the Runtime API serves only its environment's own
 * processes (runtime/peer.h); another function, or any local process
 * that found the port, is closed on. Where /proc cannot tell (no
 * children lists), the connection is served, as before this check. */
static int rapi_admit(void *ud, int fd) {
    struct env *e = ud;
    int r = e->pid > 0 ? peer_from_tree(fd, (unsigned)e->port, e->pid) : -1;
    return r != 0;
}

/* The first child of PID (of its main thread), or 0. */
static pid_t first_child(pid_t pid) {
    char path[64], buf[64];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return (pid_t)strtol(buf, NULL, 10);
}

/* The process whose memory REPORT names: the runtime. In a sandbox that
 * is bwrap's grandchild (bwrap, its init in the new PID namespace, the
 * command), found once it exists. */
static pid_t runtime_pid(struct env *e) {
    if (!e->sandboxed) return e->pid;
    pid_t r = atomic_load(&e->rpid);
    if (r > 0) return r;
    pid_t init = first_child(e->pid);
    r = init > 0 ? first_child(init) : 0;
    if (r > 0) atomic_store(&e->rpid, r);
    return r > 0 ? r : e->pid;
}

/* Keeps the peak RSS seen so far: /proc forgets it once the process is
 * reaped, and REPORT still needs it for a call that crashed or timed out. */
static void sample_peak(struct env *e) {
    long kb = read_hwm_kb(runtime_pid(e));
    if (kb > atomic_load(&e->peak_kb)) atomic_store(&e->peak_kb, kb);
}

static void *reader_main(void *arg) {
    struct env *e = arg;
    char buf[8192];
    int exited = 0;
    double linger_until = 0;
    for (;;) {
        /* Wait for data first and flag the read before taking it, so that
         * the drain never sees an empty pipe while bytes are in flight
         * between read() and the log. */
        struct pollfd pfd = {e->out_fd, POLLIN, 0};
        int pr = poll(&pfd, 1, ENV_EXIT_CHECK_MS);
        if (pr < 0 && errno != EINTR) break;
        if (!exited) {
            sample_peak(e);
            int status = 0;
            pid_t w = waitpid(e->pid, &status, WNOHANG);
            if (w == e->pid) {
                exited = 1;
                if (e->sandboxed) status = sandbox_status(status);
                /* The runtime is gone: so is its sandbox. */
                kill(-e->pid, SIGKILL);
                mark_exited(e, status);
                linger_until = mono_ms() + ENV_LINGER_MS;
            }
        }
        if (pr <= 0) {
            if (exited && mono_ms() > linger_until) break;
            continue;
        }
        atomic_store(&e->reading, 1);
        ssize_t n = read(e->out_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) {
            atomic_store(&e->reading, 0);
            continue;
        }
        if (n <= 0) {
            atomic_store(&e->reading, 0);
            break;
        }
        pthread_mutex_lock(&e->mu);
        log_append(e, buf, (size_t)n);
        pthread_mutex_unlock(&e->mu);
        atomic_store(&e->reading, 0);
        if (exited && mono_ms() > linger_until) break;
    }
    if (!exited) {
        int status = 0;
        while (waitpid(e->pid, &status, 0) < 0 && errno == EINTR) {
        }
        mark_exited(e, e->sandboxed ? sandbox_status(status) : status);
    }
    /* Children of this runtime that outlived it were handed to the
     * server (env_adopt_orphans): reap those that have ended. */
    env_reap_strays();
    return NULL;
}

/* The runtime writes its output before it posts to the Runtime API, so by
 * the time a post arrives the output is in the pipe: let the reader take
 * it before a call's log is closed. ENV_DRAIN_MS bounds the wait. */
static void drain(struct env *e) {
    for (int i = 0; i < ENV_DRAIN_MS && e->out_fd >= 0; i++) {
        int pending = 0;
        if (ioctl(e->out_fd, FIONREAD, &pending) != 0) break;
        if (pending == 0 && !atomic_load(&e->reading)) break;
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
}

static int start_rapi(struct env *e) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct httpd_config cfg = {
        .max_conns = ENV_RAPI_CONNECTIONS,
        .idle_timeout_s = ENV_RAPI_IDLE_S,
        .stack_size = ENV_RAPI_STACK,
        /* A runtime posts its whole response before it reads a reply:
         * read and drop an oversized one, then answer 413. */
        .reject_early = 0,
        .admit = rapi_admit,
        .begin = rapi_begin,
        .handle = rapi_handle,
        .end = rapi_end,
        .ud = e,
    };
    e->rapi = httpd_start(&cfg, (struct sockaddr *)&a, sizeof(a), &e->port);
    return e->rapi ? 0 : -1;
}

static char *dup_text(const char *z) {
    size_t n = strlen(z);
    char *p = xmalloc(n + 1);
    memcpy(p, z, n + 1);
    return p;
}

/* "SLUICE_DATA_ID=<hex>" in every environment (env_set_run_mark), or "". */
static char run_mark[64];

/* Starts ENV's process for SPEC (inside bwrap when the sandbox is on),
 * its output on OUT_W, in a process group of its own, and tracks it.
 * *T0 receives the instant of the spawn. Returns 0 (E->pid set), or an
 * errno: what posix_spawnp failed with, or E2BIG when the sandbox's
 * arguments do not fit. */
static int spawn_runtime(struct env *e, const struct env_spec *spec, int out_w, double *t0) {
    /* The environment: the given one plus AWS_LAMBDA_RUNTIME_API and the
     * mark of this data directory's processes (env_reap_orphans). */
    size_t n = 0;
    while (spec->envp[n]) n++;
    char **envp = xmalloc((n + 3) * sizeof(char *));
    char rapi[64];
    snprintf(rapi, sizeof(rapi), "AWS_LAMBDA_RUNTIME_API=127.0.0.1:%d", e->port);
    for (size_t i = 0; i < n; i++) envp[i] = (char *)spec->envp[i];
    envp[n++] = rapi;
    if (run_mark[0]) envp[n++] = run_mark;
    envp[n] = NULL;
    /* In a sandbox: bwrap's words before the command (runtime/sandbox.h).
     * The server's PATH, as posix_spawnp below would search: the
     * function's own PATH (its variables come first in ENVP) must not
     * choose what the sandbox binds. */
    const char *path_env = getenv("PATH");
    e->sandboxed = sandbox_enabled();
    struct sandbox_cmd *sb = e->sandboxed ? sandbox_command(spec->argv, spec->code_dir,
                                                            path_env ? path_env : "/usr/local/bin:/usr/bin:/bin")
                                          : NULL;
    if (e->sandboxed && sb == NULL) {
        /* Never a plain process instead: that would undo the isolation. */
        free(envp);
        return E2BIG;
    }
    const char *const *argv = sb ? sb->argv : spec->argv;

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t at;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&at);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_w, 1);
    posix_spawn_file_actions_adddup2(&fa, out_w, 2);
    posix_spawn_file_actions_addchdir_np(&fa, spec->code_dir);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    /* Its own process group, so that a timeout kills its children too
     * (in a sandbox, the group holds bwrap and the namespace's init,
     * whose death ends every process in the namespace);
     * default signal dispositions and an empty mask (the server blocks
     * SIGTERM/SIGINT for sigwait and ignores SIGPIPE). */
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setpgroup(&at, 0);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
    *t0 = mono_ms();
    /* Spawned and tracked under one lock, so that env_reap_strays never
     * takes a new runtime for an orphan it adopted. */
    pthread_mutex_lock(&tracked_mu);
    int rc = sb && sb->err ? sb->err
                           : posix_spawnp(&e->pid, argv[0], &fa, &at, (char *const *)argv, envp);
    if (rc == 0) track_locked(e->pid, 1);
    pthread_mutex_unlock(&tracked_mu);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    free(envp);
    free(sb);
    return rc;
}

/* Set once by env_disable_spawn(); read by every env_start. */
static atomic_int spawn_disabled;

void env_disable_spawn(void) { atomic_store(&spawn_disabled, 1); }

int env_start(const struct env_spec *spec, struct env **out, struct env_result *res,
              double *init_ms) {
    memset(res, 0, sizeof(*res));
    *init_ms = 0;
    struct env *e = xcalloc(1, sizeof(*e));
    *out = e;
    pthread_mutex_init(&e->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&e->cv, &ca);
    pthread_condattr_destroy(&ca);
    e->out_fd = -1;
    e->state = ST_STARTING;
    if (atomic_load(&spawn_disabled)) {
        res->outcome = ENV_INIT_ERROR;
        res->body = dup_text("could not start the runtime: function processes are disabled");
        e->state = ST_DEAD;
        return -1;
    }
    if (start_rapi(e) != 0) {
        res->outcome = ENV_INIT_ERROR;
        res->body = dup_text("could not start the Runtime API endpoint");
        e->state = ST_DEAD;
        return -1;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        res->outcome = ENV_INIT_ERROR;
        res->body = dup_text("could not create a pipe");
        e->state = ST_DEAD;
        return -1;
    }
    double t0 = 0;
    int rc = spawn_runtime(e, spec, fds[1], &t0);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        res->outcome = ENV_INIT_ERROR;
        char msg[512];
        snprintf(msg, sizeof(msg), "could not start %s: %s", spec->argv[0], strerror(rc));
        res->body = dup_text(msg);
        e->state = ST_DEAD;
        return -1;
    }
    e->out_fd = fds[0];
    if (pthread_create(&e->reader, NULL, reader_main, e) != 0) abort();
    e->reader_started = 1;

    /* Wait for the runtime's first "next", an init error, or an exit. */
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t end_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + (int64_t)spec->init_timeout_ms * 1000000;
    ts.tv_sec = (time_t)(end_ns / 1000000000);
    ts.tv_nsec = (long)(end_ns % 1000000000);
    pthread_mutex_lock(&e->mu);
    int timed_out = 0;
    while (!e->ready && !e->init_failed && !e->exited) {
        if (pthread_cond_timedwait(&e->cv, &e->mu, &ts) == ETIMEDOUT) {
            timed_out = 1;
            break;
        }
    }
    *init_ms = mono_ms() - t0;
    pthread_mutex_unlock(&e->mu);
    drain(e);
    pthread_mutex_lock(&e->mu);
    res->log = e->log;
    res->nlog = e->nlog;
    res->marks = e->marks;
    res->nmarks = e->nmarks;
    e->log = NULL;
    e->nlog = 0;
    e->marks = NULL;
    e->nmarks = 0;
    if (e->ready && !e->init_failed) {
        e->state = ST_IDLE;
        res->outcome = ENV_OK;
    } else {
        res->outcome = timed_out ? ENV_TIMEOUT : e->init_failed ? ENV_INIT_ERROR : ENV_EXITED;
        if (e->init_failed) {
            res->body = e->init_body;
            res->nbody = e->ninit;
            e->init_body = NULL;
            snprintf(res->error_type, sizeof(res->error_type), "%s", e->init_type);
        }
        res->exit_status = e->exit_status;
        e->state = ST_DEAD;
    }
    pthread_mutex_unlock(&e->mu);
    if (res->outcome != ENV_OK) kill(-e->pid, SIGKILL);
    return 0;
}

void env_invoke(struct env *e, const char *request_id, const char *payload, size_t npayload,
                int64_t timeout_ms, const char *invoked_arn, const char *client_context,
                const char *trace_id, struct env_result *res) {
    memset(res, 0, sizeof(*res));
    pthread_mutex_lock(&e->mu);
    if (e->state != ST_IDLE) {
        res->outcome = ENV_EXITED;
        res->exit_status = e->exit_status;
        pthread_mutex_unlock(&e->mu);
        return;
    }
    e->state = ST_BUSY;
    /* A baseline for REPORT's Max Memory Used, should the call crash
     * before the reader's next sample. */
    sample_peak(e);
    snprintf(e->id, sizeof(e->id), "%s", request_id);
    e->payload = payload;
    e->npayload = npayload;
    e->arn = invoked_arn;
    e->cc = client_context;
    e->trace = trace_id;
    e->assigned = 1;
    e->taken = 0;
    e->done = 0;
    free(e->body);
    e->body = NULL;
    e->nbody = 0;
    e->etype[0] = '\0';
    /* Output written since the last call (after its response) belongs to
     * this call's log rather than to nobody's.
     * The timeout runs from here, where Duration starts, so a timed-out
     * call's Duration is never short of it. The runtime's deadline header
     * is the same instant by the wall clock; the wait is on the monotonic
     * one. */
    int64_t wait_ms = timeout_ms > 0 ? timeout_ms : 0;
    double t0 = mono_ms();
    e->deadline_ms = util_wall_ms() + wait_ms;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    pthread_cond_broadcast(&e->cv);
    int64_t end_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + wait_ms * 1000000;
    ts.tv_sec = (time_t)(end_ns / 1000000000);
    ts.tv_nsec = (long)(end_ns % 1000000000);
    int timed_out = 0;
    while (!e->done && !e->exited) {
        if (pthread_cond_timedwait(&e->cv, &e->mu, &ts) == ETIMEDOUT) {
            timed_out = !e->done;
            break;
        }
    }
    res->duration_ms = mono_ms() - t0;
    if (e->done) {
        res->outcome = e->outcome;
        res->body = e->body;
        res->nbody = e->nbody;
        e->body = NULL;
        snprintf(res->error_type, sizeof(res->error_type), "%s", e->etype);
        /* After a 413 runtimes differ (the Python one exits): retire the
         * environment; the next invocation starts a fresh one. */
        e->state = e->outcome == ENV_TOO_LARGE ? ST_DEAD : ST_IDLE;
    } else {
        res->outcome = timed_out ? ENV_TIMEOUT : ENV_EXITED;
        res->exit_status = e->exit_status;
        e->state = ST_DEAD;
    }
    e->assigned = 0;
    e->payload = NULL;
    e->arn = e->cc = e->trace = NULL;
    pid_t pid = e->pid;
    int kill_it = e->state == ST_DEAD && !e->exited;
    pthread_mutex_unlock(&e->mu);
    if (kill_it) {
        kill(-pid, SIGKILL);
        /* Let the reader collect the last output and reap it. */
        pthread_mutex_lock(&e->mu);
        struct timespec w;
        clock_gettime(CLOCK_MONOTONIC, &w);
        w.tv_sec += 2;
        while (!e->exited)
            if (pthread_cond_timedwait(&e->cv, &e->mu, &w) == ETIMEDOUT) break;
        pthread_mutex_unlock(&e->mu);
    }
    drain(e);
    pthread_mutex_lock(&e->mu);
    res->log = e->log;
    res->nlog = e->nlog;
    res->marks = e->marks;
    res->nmarks = e->nmarks;
    e->log = NULL;
    e->nlog = 0;
    e->marks = NULL;
    e->nmarks = 0;
    if (!res->exit_status) res->exit_status = e->exit_status;
    pthread_mutex_unlock(&e->mu);
}

int env_alive(struct env *e) {
    pthread_mutex_lock(&e->mu);
    int ok = e->state == ST_IDLE && !e->exited;
    pthread_mutex_unlock(&e->mu);
    return ok;
}

int env_peak_rss_mb(struct env *e) {
    if (!e->exited) sample_peak(e);
    long kb = atomic_load(&e->peak_kb);
    return (int)((kb + 1023) / 1024);
}

void env_free(struct env *e) {
    if (e == NULL) return;
    pthread_mutex_lock(&e->mu);
    e->dying = 1;
    pthread_cond_broadcast(&e->cv);
    pid_t pid = e->pid;
    int exited = e->exited;
    pthread_mutex_unlock(&e->mu);
    if (pid > 0 && !exited) kill(-pid, SIGKILL);
    if (e->reader_started) pthread_join(e->reader, NULL);
    if (e->out_fd >= 0) close(e->out_fd);
    httpd_stop(e->rapi);
    free(e->init_body);
    free(e->body);
    free(e->log);
    free(e->marks);
    pthread_cond_destroy(&e->cv);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

/* Largest environment of a process read when looking for the mark: a
 * function's own variables are 4 KB at most (docs/aws-reference.md H),
 * Lambda's a few hundred bytes; the shell's of a daemon can be larger. */
#define ENV_MAX_ENVIRON (256 * 1024)

/* 1 when the environment (NUL-separated) in BUF[0..N) holds MARK. */
static int environ_has(const char *buf, size_t n, const char *mark) {
    size_t m = strlen(mark);
    for (size_t i = 0; i < n;) {
        size_t len = strnlen(buf + i, n - i);
        if (len == m && memcmp(buf + i, mark, m) == 0) return 1;
        i += len + 1;
    }
    return 0;
}

/* 1 when process PID carries MARK in its environment; BUF is scratch. */
static int marked(long pid, const char *mark, char *buf) {
    char path[64];
    snprintf(path, sizeof(path), "/proc/%ld/environ", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    size_t got = 0;
    ssize_t r;
    while (got < ENV_MAX_ENVIRON && ((r = read(fd, buf + got, ENV_MAX_ENVIRON - got)) > 0 ||
                                     (r < 0 && errno == EINTR)))
        if (r > 0) got += (size_t)r;
    close(fd);
    return environ_has(buf, got, mark);
}

int env_reap_orphans(const char *code_dir) {
    DIR *d = opendir("/proc");
    if (d == NULL) return 0;
    size_t n = strlen(code_dir);
    int killed = 0;
    pid_t self = getpid();
    char *buf = run_mark[0] ? xmalloc(ENV_MAX_ENVIRON) : NULL;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 1 || pid == self) continue;
        char link[64], cwd[PATH_MAX];
        snprintf(link, sizeof(link), "/proc/%ld/cwd", pid);
        ssize_t len = readlink(link, cwd, sizeof(cwd) - 1);
        int in_code = 0;
        if (len > 0) {
            cwd[len] = '\0';
            in_code = (size_t)len > n && strncmp(cwd, code_dir, n) == 0 && cwd[n] == '/';
        }
        if (in_code || (buf && marked(pid, run_mark, buf))) {
            kill((pid_t)pid, SIGKILL);
            killed++;
        }
    }
    free(buf);
    closedir(d);
    return killed;
}

void env_set_run_mark(const char *data_dir) {
    /* FNV-1a (64 bits) of the path: a name, not a secret. */
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)data_dir; *p; p++) {
        h ^= *p;
        h *= 1099511628211ull;
    }
    snprintf(run_mark, sizeof(run_mark), "SLUICE_DATA_ID=%016llx", (unsigned long long)h);
}

int env_adopt_orphans(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : -1;
}

/* Children of this process (of any of its threads) into OUT (MAX), and
 * how many; with ALL 0 only those not tracked, and then the caller holds
 * tracked_mu. */
static int children_locked(pid_t *out, int max, int all) {
    DIR *d = opendir("/proc/self/task");
    if (d == NULL) return 0;
    int k = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL && k < max) {
        if (de->d_name[0] == '.') continue;
        char path[300];
        snprintf(path, sizeof(path), "/proc/self/task/%s/children", de->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL) continue;
        long pid;
        while (k < max && fscanf(f, "%ld", &pid) == 1)
            if (all || !is_tracked_locked((pid_t)pid)) out[k++] = (pid_t)pid;
        fclose(f);
    }
    closedir(d);
    return k;
}

/* Orphans handled per pass: the rest wait for the next. */
#define ENV_STRAYS_PER_PASS 256

void env_reap_strays(void) {
    pid_t kids[ENV_STRAYS_PER_PASS];
    /* Listed without the lock (one read per thread of the server), so
     * that spawns wait only for the check: a pid not tracked under the
     * lock is no runtime, as spawn and track happen under it together. */
    int n = children_locked(kids, ENV_STRAYS_PER_PASS, 1);
    pthread_mutex_lock(&tracked_mu);
    for (int i = 0; i < n; i++)
        if (!is_tracked_locked(kids[i])) waitpid(kids[i], NULL, WNOHANG);
    pthread_mutex_unlock(&tracked_mu);
}

/* How long a shutdown waits for killed runtimes to hand their orphans
 * over (each pass 10 ms): a SIGKILLed process is gone within a few. */
#define ENV_STRAY_PASSES 200

int env_kill_strays(void) {
    pid_t kids[ENV_STRAYS_PER_PASS];
    int killed = 0;
    for (int pass = 0; pass < ENV_STRAY_PASSES; pass++) {
        pthread_mutex_lock(&tracked_mu);
        int nall = children_locked(kids, ENV_STRAYS_PER_PASS, 1);
        int n = children_locked(kids, ENV_STRAYS_PER_PASS, 0);
        pthread_mutex_unlock(&tracked_mu);
        for (int i = 0; i < n; i++) {
            /* It may lead a session of its own, with children in it. */
            kill(-kids[i], SIGKILL);
            kill(kids[i], SIGKILL);
            while (waitpid(kids[i], NULL, 0) < 0 && errno == EINTR) {
            }
            killed++;
        }
        if (nall == 0) break;
        struct timespec ms = {0, 10 * 1000000};
        nanosleep(&ms, NULL);
    }
    return killed;
}

/* ---- which interpreter runs a runtime ---- */

/* The family of RUNTIME and its default command; NULL for provided.*. */
static const char *family(const char *runtime, const char **dflt) {
    if (strncmp(runtime, "python", 6) == 0) {
        *dflt = "python3";
        return "python3";
    }
    if (strncmp(runtime, "nodejs", 6) == 0) {
        *dflt = "node";
        return "nodejs";
    }
    return NULL;
}

/* The command of "KEY=CMD" among OVERRIDES, or NULL. */
static const char *override_of(const char *key, const char *const *overrides, int n) {
    size_t nk = strlen(key);
    for (int i = 0; i < n; i++)
        if (strncmp(overrides[i], key, nk) == 0 && overrides[i][nk] == '=') return overrides[i] + nk + 1;
    return NULL;
}

const char *env_interpreter(const char *runtime, const char *const *overrides, int n,
                            const char *versioned, int *overridden) {
    const char *dflt = NULL;
    const char *fam = family(runtime, &dflt);
    *overridden = 0;
    if (fam == NULL) return NULL;
    const char *c = override_of(runtime, overrides, n);
    if (c == NULL) c = override_of(fam, overrides, n);
    if (c != NULL) {
        *overridden = 1;
        return c;
    }
    return versioned ? versioned : dflt;
}

int env_versioned_command(const char *runtime, char *buf, size_t n) {
    if (n > 0) buf[0] = '\0';
    /* python3.<minor>: the name CPython's installs give every version. */
    if (strncmp(runtime, "python3.", 8) != 0) return 0;
    const char *minor = runtime + 8;
    size_t nd = strspn(minor, "0123456789");
    if (nd == 0 || nd > 3 || minor[nd] != '\0') return 0;
    return snprintf(buf, n, "%s", runtime) < (int)n;
}

int env_version_matches(const char *runtime, const char *version) {
    char want[16];
    if (strncmp(runtime, "python", 6) == 0) {
        /* "python3.12" wants "3.12" */
        snprintf(want, sizeof(want), "%.15s", runtime + 6);
    } else if (strncmp(runtime, "nodejs", 6) == 0) {
        /* "nodejs20.x" wants "20"; "nodejs" alone names no version */
        size_t nd = strspn(runtime + 6, "0123456789");
        if (nd == 0 || nd >= sizeof(want)) return -1;
        snprintf(want, sizeof(want), "%.*s", (int)nd, runtime + 6);
    } else {
        return -1;
    }
    size_t nw = strlen(want);
    if (nw == 0 || strspn(want, "0123456789.") != nw) return -1;
    return strncmp(version, want, nw) == 0 && (version[nw] == '\0' || version[nw] == '.');
}

int env_ua_version(const char *ua, char *buf, size_t n) {
    if (n > 0) buf[0] = '\0';
    /* "aws-lambda-python/3.11.7-sluice", "aws-lambda-nodejs/20.11.1-…" */
    if (ua == NULL || strncmp(ua, "aws-lambda-", 11) != 0) return -1;
    const char *slash = strchr(ua, '/');
    if (slash == NULL) return -1;
    size_t nv = strspn(slash + 1, "0123456789.");
    if (nv == 0 || nv >= n || !(slash[1] >= '0' && slash[1] <= '9')) return -1;
    snprintf(buf, n, "%.*s", (int)nv, slash + 1);
    return 0;
}

int env_runtime_version(struct env *e, char *buf, size_t n) {
    pthread_mutex_lock(&e->mu);
    int rc = env_ua_version(e->user_agent, buf, n);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

int env_on_path(const char *name, const char *path) {
    if (name == NULL || name[0] == '\0' || strchr(name, '/') || path == NULL) return 0;
    while (*path) {
        size_t nd = strcspn(path, ":");
        /* A version manager's shims (pyenv, asdf) choose per directory
         * which version runs, and a shim of a version not selected exits
         * with an error: a shim does not say the version is there. */
        size_t nt = nd;
        while (nt > 1 && path[nt - 1] == '/') nt--;   /* "…/shims/" too */
        int shims = nt >= 5 && strncmp(path + nt - 5, "shims", 5) == 0 &&
                    (nt == 5 || path[nt - 6] == '/');
        if (nd > 0 && !shims) {
            char full[4096];
            if (snprintf(full, sizeof(full), "%.*s/%s", (int)nd, path, name) < (int)sizeof(full) &&
                access(full, X_OK) == 0) {
                struct stat st;
                if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) return 1;
            }
        }
        path += nd;
        if (*path == ':') path++;
    }
    return 0;
}
