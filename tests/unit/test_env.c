/*
 * Unit tests for runtime/env.c: the execution environment as a state
 * machine (starting → idle ⇄ busy → dead). Each test writes a small fake
 * runtime, a python3 script using only the standard library, into a
 * fresh mkdtemp() code directory and drives one path of the Runtime API
 * through env_start/env_invoke/env_free. The fakes report what they saw
 * (headers, statuses, pids) in their response bodies, on their output or
 * in files of the code directory. Each test runs in its own forked child;
 * main() kills any process a fake left behind and removes the files.
 */
#include "runtime/env.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* AWS's limit on a synchronous response, as env.c applies it: 6 MB. */
#define SIX_MB 6291456L
/* Slack allowed for a kill or a reap to show in /proc: generous for
 * sanitizer builds and loaded CI machines. */
#define GONE_MS 1000
/* Per-test limit: python3 start-up plus a 7 MB upload under ASan. */
#define TEST_TIMEOUT_S 60

/* ---- fixture ---- */

/* One directory for the whole run, made and removed by main() in the
 * parent; each test's code directory is made inside it by the checked
 * setup in the forked child. A failed assertion skips the checked
 * teardown, so the parent cleans up (and kills stray processes). */
static char basedir[PATH_MAX];
static char g_dir[PATH_MAX];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    /* Unused. */ (void)sb; (void)flag; (void)ftw;
    remove(path);
    return 0;
}

static void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static void setup(void) {
    int w = snprintf(g_dir, sizeof(g_dir), "%s/t-XXXXXX", basedir);
    ck_assert(w > 0 && (size_t)w < sizeof(g_dir));
    ck_assert_msg(mkdtemp(g_dir) != NULL, "mkdtemp: %s", strerror(errno));
    /* What the server does to itself; env.c must undo it for the child. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void teardown(void) { env_kill_all(); }

/* ---- small helpers ---- */

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Writes "<g_dir>/<rel>" into OUT (PATH_MAX bytes). */
static void path_of(char *out, const char *rel) {
    int w = snprintf(out, PATH_MAX, "%s/%s", g_dir, rel);
    ck_assert(w > 0 && w < PATH_MAX);
}

static void write_file(const char *rel, const char *text) {
    char p[PATH_MAX];
    path_of(p, rel);
    FILE *f = fopen(p, "w");
    ck_assert_msg(f != NULL, "fopen %s: %s", p, strerror(errno));
    ck_assert_int_eq(fputs(text, f) >= 0, 1);
    ck_assert_int_eq(fclose(f), 0);
}

/* Returns the malloc'd content of "<g_dir>/<rel>" (NUL-terminated, length
 * in *N if given), or NULL when it does not exist. */
static char *read_file(const char *rel, size_t *n) {
    char p[PATH_MAX];
    path_of(p, rel);
    FILE *f = fopen(p, "rb");
    if (f == NULL) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        size_t got = fread(buf + len, 1, cap - len - 1, f);
        len += got;
        if (got == 0) break;
    }
    fclose(f);
    buf[len] = '\0';
    if (n) *n = len;
    return buf;
}

/* Waits up to MS for "<g_dir>/<rel>" (the fakes write via rename, so
 * the file is complete once it exists) and returns its content. */
static char *wait_file(const char *rel, long ms) {
    double end = mono_ms() + (double)ms;
    for (;;) {
        char *t = read_file(rel, NULL);
        if (t || mono_ms() > end) return t;
        sleep_ms(10);
    }
}

/* The pid the fake wrote to REL. */
static pid_t pid_from(const char *rel) {
    char *t = wait_file(rel, 2000);
    ck_assert_msg(t != NULL, "the fake did not write %s", rel);
    long v = strtol(t, NULL, 10);
    free(t);
    ck_assert(v > 1);
    return (pid_t)v;
}

/* 1 when PID no longer runs: no /proc entry, or a zombie (an orphaned
 * grandchild waits there for whichever process reaps orphans here). */
static int pid_gone(pid_t pid) {
    char p[64], line[512];
    snprintf(p, sizeof(p), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(p, "r");
    if (f == NULL) return 1;
    char *ok = fgets(line, sizeof(line), f);
    fclose(f);
    if (ok == NULL) return 1;
    const char *rp = strrchr(line, ')');
    return rp && rp[1] == ' ' && (rp[2] == 'Z' || rp[2] == 'X');
}

static int wait_gone(pid_t pid, long ms) {
    double end = mono_ms() + (double)ms;
    while (!pid_gone(pid)) {
        if (mono_ms() > end) return 0;
        sleep_ms(5);
    }
    return 1;
}

/* Our children, zombies included (an unreaped child is a leak too). */
static int count_children(void) {
    DIR *d = opendir("/proc");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9') continue;
        char p[300], line[512];
        snprintf(p, sizeof(p), "/proc/%s/stat", de->d_name);
        FILE *f = fopen(p, "r");
        if (f == NULL) continue;
        char *ok = fgets(line, sizeof(line), f);
        fclose(f);
        const char *rp = ok ? strrchr(line, ')') : NULL;
        char state;
        int ppid;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == (int)getpid()) n++;
    }
    closedir(d);
    return n;
}

static int wait_no_children(long ms) {
    double end = mono_ms() + (double)ms;
    int n;
    while ((n = count_children()) != 0 && mono_ms() <= end) sleep_ms(5);
    return n;
}

static int count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.') n++;
    closedir(d);
    return n - 1; /* the directory's own fd */
}

static int count_threads(void) {
    FILE *f = fopen("/proc/self/status", "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    int n = -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "Threads:", 8) == 0) n = atoi(line + 8);
    fclose(f);
    return n;
}

/* Asserts that the LEN bytes at HAY contain NEEDLE. */
static void assert_has(const char *hay, size_t len, const char *needle) {
    ck_assert_msg(hay != NULL, "no text (looking for \"%s\")", needle);
    ck_assert_msg(memmem(hay, len, needle, strlen(needle)) != NULL, "\"%s\" not in: %.*s", needle,
                  (int)(len > 2000 ? 2000 : len), hay);
}

static void assert_lacks(const char *hay, size_t len, const char *needle) {
    if (hay == NULL) return;
    ck_assert_msg(memmem(hay, len, needle, strlen(needle)) == NULL, "\"%s\" unexpectedly in: %.*s",
                  needle, (int)(len > 2000 ? 2000 : len), hay);
}

/* ---- the fake runtimes ---- */

/* Shared by every fake: Runtime API calls over http.client, and files
 * written through a rename so that the test never reads half of one. */
static const char PRELUDE[] =
    "import os, sys, time, signal, subprocess, http.client\n"
    "HOST, PORT = os.environ['AWS_LAMBDA_RUNTIME_API'].rsplit(':', 1)\n"
    "def call(method, path, body=None, headers=None):\n"
    "    c = http.client.HTTPConnection(HOST, int(PORT), timeout=120)\n"
    "    c.request(method, '/2018-06-01/runtime/' + path, body=body, headers=headers or {})\n"
    "    r = c.getresponse()\n"
    "    data = r.read()\n"
    "    h = {k.lower(): v for k, v in r.getheaders()}\n"
    "    c.close()\n"
    "    return r.status, h, data\n"
    "def nxt():\n"
    "    st, h, body = call('GET', 'invocation/next')\n"
    "    if st != 200:\n"
    "        sys.exit(0)\n"
    "    return h, body\n"
    "def respond(rid, body, kind='response', headers=None):\n"
    "    st, _, data = call('POST', 'invocation/%s/%s' % (rid, kind), body, headers)\n"
    "    return '%d %s' % (st, data.decode())\n"
    "def put(name, text):\n"
    "    with open(name + '.tmp', 'w') as f:\n"
    "        f.write(str(text))\n"
    "    os.rename(name + '.tmp', name)\n"
    "def out(*a):\n"
    "    print(*a, flush=True)\n"
    "def err(*a):\n"
    "    print(*a, file=sys.stderr, flush=True)\n"
    "put('rt.pid', os.getpid())\n";

static const char *fake_envp[4];
static char env_path[PATH_MAX + 8];

/* Writes PRELUDE + BODY as rt.py and starts it with env_start. */
static int start_fake(const char *body, int init_timeout_ms, struct env **e, struct env_result *r,
                      double *init_ms) {
    size_t n = strlen(PRELUDE) + strlen(body) + 1;
    char *src = malloc(n);
    ck_assert_ptr_nonnull(src);
    snprintf(src, n, "%s%s", PRELUDE, body);
    write_file("rt.py", src);
    free(src);

    static char script[PATH_MAX];
    path_of(script, "rt.py");
    const char *path = getenv("PATH");
    snprintf(env_path, sizeof(env_path), "PATH=%s", path ? path : "/usr/bin:/bin");
    fake_envp[0] = env_path;
    fake_envp[1] = "FAKE_MARK=sluice-test";
    fake_envp[2] = "PYTHONDONTWRITEBYTECODE=1";
    fake_envp[3] = NULL;
    struct env_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.argv[0] = "python3";
    spec.argv[1] = script;
    spec.argv[2] = NULL;
    spec.code_dir = g_dir;
    spec.envp = fake_envp;
    spec.init_timeout_ms = init_timeout_ms;
    return env_start(&spec, e, r, init_ms);
}

/* Starts BODY and asserts that it became ready. */
static struct env *start_ready(const char *body) {
    struct env *e = NULL;
    struct env_result r;
    double init_ms = -1;
    int rc = start_fake(body, 10000, &e, &r, &init_ms);
    ck_assert_msg(rc == 0 && r.outcome == ENV_OK, "env_start rc=%d outcome=%d body=%.*s log=%.*s", rc,
                  (int)r.outcome, (int)r.nbody, r.body ? r.body : "", (int)r.nlog,
                  r.log ? r.log : "");
    ck_assert_ptr_nonnull(e);
    env_result_clear(&r);
    return e;
}

static const char *const ARN = "arn:aws:lambda:us-east-1:123456789012:function:fake:live";
static const char *const TRACE = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0";

/* One invocation with a 10 s deadline. */
static void invoke(struct env *e, const char *id, const char *payload, struct env_result *r) {
    env_invoke(e, id, payload, strlen(payload), 10000, ARN, NULL, TRACE, r);
}

/* ---- init ---- */

/* The runtime asks for work: ready. Also what the process was given:
 * its cwd, its variables plus AWS_LAMBDA_RUNTIME_API, its own process
 * group, no blocked signals and default dispositions. */
START_TEST(ready) {
    /* SIGPIPE is ignored by main(); SIGTERM/SIGINT are blocked by setup. */
    struct env *e = NULL;
    struct env_result r;
    double init_ms = -1;
    double t0 = mono_ms();
    int rc = start_fake("blk = [l for l in open('/proc/self/status') if l.startswith('SigBlk:')][0]\n"
                        "put('info', 'cwd=%s\\nmark=%s\\napi=%s\\npgid_is_pid=%d\\nsigblk=%s\\n"
                        "term=%s\\n' % (os.getcwd(), os.environ.get('FAKE_MARK'),\n"
                        "    os.environ.get('AWS_LAMBDA_RUNTIME_API'), os.getpgid(0) == os.getpid(),\n"
                        "    int(blk.split()[1], 16), signal.getsignal(signal.SIGTERM) == signal.SIG_DFL))\n"
                        "time.sleep(0.1)\n"
                        "while True:\n"
                        "    nxt()\n",
                        10000, &e, &r, &init_ms);
    double took = mono_ms() - t0;
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(r.outcome, ENV_OK);
    ck_assert_ptr_null(r.body);
    ck_assert_str_eq(r.error_type, "");
    /* It waited for the first next: at least the fake's 100 ms sleep. */
    ck_assert_msg(init_ms >= 100.0 && init_ms <= took + 1.0, "init_ms=%.1f took=%.1f", init_ms, took);
    ck_assert_int_eq(env_alive(e), 1);
    ck_assert_int_ge(env_peak_rss_mb(e), 1);

    char *info = read_file("info", NULL);
    ck_assert_ptr_nonnull(info);
    char real[PATH_MAX], want[PATH_MAX + 8];
    ck_assert_ptr_nonnull(realpath(g_dir, real));
    snprintf(want, sizeof(want), "cwd=%s\n", real);
    assert_has(info, strlen(info), want);
    assert_has(info, strlen(info), "mark=sluice-test\n");
    assert_has(info, strlen(info), "api=127.0.0.1:");
    assert_has(info, strlen(info), "pgid_is_pid=1\n");
    assert_has(info, strlen(info), "sigblk=0\n");
    assert_has(info, strlen(info), "term=True\n");
    free(info);
    /* Still alive a while later: waiting in next. */
    sleep_ms(100);
    ck_assert_int_eq(env_alive(e), 1);
    env_free(e);
    ck_assert_int_eq(wait_no_children(GONE_MS), 0);
}
END_TEST

/* POST /runtime/init/error, then exit: ENV_INIT_ERROR with the body and
 * type; the environment is dead and refuses invocations. */
START_TEST(init_error) {
    struct env *e = NULL;
    struct env_result r;
    double init_ms = -1;
    int rc = start_fake("body = '{\"errorMessage\":\"bad import\",\"errorType\":\"ImportError\","
                        "\"requestId\":\"\",\"stackTrace\":[]}'\n"
                        "s = call('POST', 'init/error', body, {'Lambda-Runtime-Function-Error-Type':\n"
                        "    'Runtime.ImportModuleError', 'Content-Type':\n"
                        "    'application/vnd.aws.lambda.error+json'})\n"
                        "put('status', s[0])\n"
                        "sys.exit(1)\n",
                        10000, &e, &r, &init_ms);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(r.outcome, ENV_INIT_ERROR);
    static const char want[] =
        "{\"errorMessage\":\"bad import\",\"errorType\":\"ImportError\",\"requestId\":\"\",\"stackTrace\":[]}";
    ck_assert_uint_eq(r.nbody, strlen(want));
    ck_assert_mem_eq(r.body, want, strlen(want));
    ck_assert_str_eq(r.error_type, "Runtime.ImportModuleError");
    ck_assert(init_ms > 0);
    ck_assert_int_eq(env_alive(e), 0);
    env_result_clear(&r);

    struct env_result r2;
    double t0 = mono_ms();
    invoke(e, "req-after-init-error", "{}", &r2);
    ck_assert_msg(mono_ms() - t0 < 1000, "invoke on a dead environment waited");
    ck_assert_int_ne(r2.outcome, ENV_OK);
    env_result_clear(&r2);
    env_free(e);
    ck_assert_int_eq(wait_no_children(GONE_MS), 0);
}
END_TEST

/* The runtime exits before asking for work: ENV_EXITED with its status. */
START_TEST(init_exit) {
    struct env *e = NULL;
    struct env_result r;
    double init_ms = -1;
    int rc = start_fake("out('about to fail')\nsys.exit(5)\n", 10000, &e, &r, &init_ms);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(r.outcome, ENV_EXITED);
    ck_assert(WIFEXITED(r.exit_status));
    ck_assert_int_eq(WEXITSTATUS(r.exit_status), 5);
    assert_has(r.log, r.nlog, "about to fail");
    ck_assert_int_eq(env_alive(e), 0);
    env_result_clear(&r);
    env_free(e);
    ck_assert_int_eq(wait_no_children(GONE_MS), 0);
}
END_TEST

/* The runtime never asks for work: ENV_TIMEOUT right after
 * init_timeout_ms; the process and its children are gone. */
START_TEST(init_timeout) {
    struct env *e = NULL;
    struct env_result r;
    double init_ms = -1;
    double t0 = mono_ms();
    int rc = start_fake("g = subprocess.Popen(['sleep', '30'])\n"
                        "put('gc.pid', g.pid)\n"
                        "time.sleep(30)\n",
                        300, &e, &r, &init_ms);
    double took = mono_ms() - t0;
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(r.outcome, ENV_TIMEOUT);
    ck_assert_msg(init_ms >= 295 && took < 1500, "init_ms=%.1f took=%.1f", init_ms, took);
    ck_assert_int_eq(env_alive(e), 0);
    /* Our only child is the runtime: none may remain, not even a zombie.
     * On a loaded machine python3 may be killed before it wrote a pid or
     * spawned the grandchild; what it did write is checked. */
    ck_assert_int_eq(wait_no_children(GONE_MS), 0);
    char *rtp = read_file("rt.pid", NULL);
    if (rtp) {
        pid_t rt = (pid_t)strtol(rtp, NULL, 10);
        free(rtp);
        ck_assert_msg(wait_gone(rt, GONE_MS), "runtime %d still runs", (int)rt);
    }
    char *gc = read_file("gc.pid", NULL);
    if (gc) {
        pid_t g = (pid_t)strtol(gc, NULL, 10);
        free(gc);
        ck_assert_msg(wait_gone(g, GONE_MS), "grandchild %d still runs", (int)g);
    }
    env_result_clear(&r);
    env_free(e);
}
END_TEST

/* A command that cannot be spawned: -1 with a message; env_free still
 * takes the environment. */
START_TEST(spawn_failure) {
    struct env_spec spec;
    memset(&spec, 0, sizeof(spec));
    const char *envp[] = {"PATH=/usr/bin:/bin", NULL};
    spec.argv[0] = "/nonexistent/sluice-no-such-runtime";
    spec.code_dir = g_dir;
    spec.envp = envp;
    spec.init_timeout_ms = 1000;
    struct env *e = NULL;
    struct env_result r;
    double init_ms = -1;
    int before = count_fds();
    int rc = env_start(&spec, &e, &r, &init_ms);
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(r.outcome, ENV_INIT_ERROR);
    ck_assert_ptr_nonnull(r.body);
    assert_has(r.body, strlen(r.body), "sluice-no-such-runtime");
    env_result_clear(&r);
    env_free(e);
    ck_assert_int_eq(count_fds(), before);
    ck_assert_int_eq(count_children(), 0);
}
END_TEST

/* With spawning disabled (the router's fuzz target) even a runtime that
 * would start is not started: -1 with a message, no process, no Runtime
 * API socket left open. Runs last: without CK_FORK the switch would stay
 * on for the tests after it. */
START_TEST(spawn_disabled) {
    int before = count_fds();
    env_disable_spawn();
    struct env *e = NULL;
    struct env_result r;
    double init_ms = -1;
    int rc = start_fake("nxt()\n", 10000, &e, &r, &init_ms);
    ck_assert_int_eq(rc, -1);
    ck_assert_int_eq(r.outcome, ENV_INIT_ERROR);
    ck_assert_ptr_nonnull(r.body);
    assert_has(r.body, strlen(r.body), "function processes are disabled");
    env_result_clear(&r);
    env_free(e);
    ck_assert_int_eq(count_fds(), before);
    ck_assert_int_eq(count_children(), 0);
}
END_TEST

/* ---- invocations ---- */

/* The event and its headers reach the runtime; the posted body comes back
 * byte for byte; the runtime got 202 {"status":"OK"}. The fake answers
 * with what it saw and keeps the exact bytes it posted in posted.N. */
static const char ECHO[] =
    "n = 0\n"
    "prev = 'none'\n"
    "while True:\n"
    "    h, event = nxt()\n"
    "    n += 1\n"
    "    rid = h.get('lambda-runtime-aws-request-id')\n"
    "    lines = ['n=%d' % n, 'event=%s' % event.hex(), 'rid=%s' % rid,\n"
    "        'deadline=%s' % h.get('lambda-runtime-deadline-ms'),\n"
    "        'arn=%s' % h.get('lambda-runtime-invoked-function-arn'),\n"
    "        'trace=%s' % h.get('lambda-runtime-trace-id'),\n"
    "        'cc=%s' % h.get('lambda-runtime-client-context'),\n"
    "        'prev=%s' % prev]\n"
    "    body = ('\\n'.join(lines) + '\\n').encode() + b'\\x00\\xff tail'\n"
    "    with open('posted.%d' % n, 'wb') as f:\n"
    "        f.write(body)\n"
    "    prev = respond(rid, body)\n"
    "    out('status %d: %s' % (n, prev))\n";

/* The deadline the runtime got (ECHO's "deadline=" line) is TIMEOUT_MS
 * after the hand-over, by the wall clock: between BEFORE and AFTER the
 * call, plus the timeout. */
static void assert_deadline(const struct env_result *r, int64_t before, int64_t after, int64_t timeout_ms) {
    const char *dl = memmem(r->body, r->nbody, "deadline=", 9);
    ck_assert_ptr_nonnull(dl);
    long long deadline = strtoll(dl + 9, NULL, 10);
    ck_assert_msg(deadline >= before + timeout_ms && deadline <= after + timeout_ms,
                  "deadline %lld, call %lld-%lld, timeout %lld", deadline, (long long)before, (long long)after,
                  (long long)timeout_ms);
}

START_TEST(response) {
    struct env *e = start_ready(ECHO);
    static const char payload[] = "{\"key\":\"v\\u00e9\",\"nul\":\"\0\"}";
    const size_t npayload = sizeof(payload) - 1;
    const char *cc = "{\"custom\":{\"k\":\"v\"},\"env\":{},\"client\":{}}";
    int64_t before = wall_ms();
    struct env_result r;
    env_invoke(e, "4ffd7b34-3c52-4e2b-9c1a-0a1b2c3d4e5f", payload, npayload, 7000, ARN, cc, TRACE, &r);
    int64_t after = wall_ms();
    ck_assert_msg(r.outcome == ENV_OK, "outcome=%d body=%.*s log=%.*s", (int)r.outcome, (int)r.nbody,
                  r.body ? r.body : "", (int)r.nlog, r.log ? r.log : "");
    size_t nposted = 0;
    char *posted = read_file("posted.1", &nposted);
    ck_assert_ptr_nonnull(posted);
    ck_assert_uint_eq(r.nbody, nposted);
    ck_assert_mem_eq(r.body, posted, nposted);
    free(posted);
    ck_assert_str_eq(r.error_type, "");

    char want[512];
    char hex[2 * sizeof(payload) + 1];
    for (size_t k = 0; k < npayload; k++) snprintf(hex + 2 * k, 3, "%02x", (unsigned char)payload[k]);
    snprintf(want, sizeof(want), "event=%s\n", hex);
    assert_has(r.body, r.nbody, want);
    assert_has(r.body, r.nbody, "rid=4ffd7b34-3c52-4e2b-9c1a-0a1b2c3d4e5f\n");
    assert_deadline(&r, before, after, 7000);
    snprintf(want, sizeof(want), "arn=%s\n", ARN);
    assert_has(r.body, r.nbody, want);
    snprintf(want, sizeof(want), "trace=%s\n", TRACE);
    assert_has(r.body, r.nbody, want);
    snprintf(want, sizeof(want), "cc=%s\n", cc);
    assert_has(r.body, r.nbody, want);
    ck_assert(r.duration_ms > 0 && r.duration_ms < 7000);
    ck_assert_int_eq(env_alive(e), 1);
    env_result_clear(&r);

    /* The second call sees what the first POST got, and no client
     * context header when there is none. */
    before = wall_ms();
    env_invoke(e, "req-2", "[]", 2, 9000, ARN, NULL, TRACE, &r);
    after = wall_ms();
    ck_assert_int_eq(r.outcome, ENV_OK);
    assert_has(r.body, r.nbody, "n=2\n");
    assert_has(r.body, r.nbody, "rid=req-2\n");
    assert_has(r.body, r.nbody, "event=5b5d\n");
    assert_has(r.body, r.nbody, "cc=None\n");
    assert_deadline(&r, before, after, 9000);
    assert_has(r.body, r.nbody, "prev=202 {\"status\":\"OK\"}\n");
    env_result_clear(&r);
    env_free(e);
}
END_TEST

/* POST .../error with Lambda-Runtime-Function-Error-Type: a function
 * error with the body and type kept; the environment stays warm. */
START_TEST(function_error) {
    struct env *e = start_ready(
        "prev = 'none'\n"
        "while True:\n"
        "    h, event = nxt()\n"
        "    rid = h['lambda-runtime-aws-request-id']\n"
        "    if event == b'fail':\n"
        "        prev = respond(rid, '{\"errorMessage\":\"boom\",\"errorType\":\"ValueError\",'\n"
        "            '\"stackTrace\":[\"line 1\"]}', 'error',\n"
        "            {'Lambda-Runtime-Function-Error-Type': 'Unhandled.ValueError',\n"
        "             'Content-Type': 'application/vnd.aws.lambda.error+json'})\n"
        "    else:\n"
        "        prev = respond(rid, 'prev=' + prev)\n");
    struct env_result r;
    env_invoke(e, "req-err", "fail", 4, 10000, ARN, NULL, TRACE, &r);
    ck_assert_int_eq(r.outcome, ENV_FUNCTION_ERROR);
    static const char want[] = "{\"errorMessage\":\"boom\",\"errorType\":\"ValueError\",\"stackTrace\":[\"line 1\"]}";
    ck_assert_uint_eq(r.nbody, strlen(want));
    ck_assert_mem_eq(r.body, want, strlen(want));
    ck_assert_str_eq(r.error_type, "Unhandled.ValueError");
    ck_assert_int_eq(env_alive(e), 1);
    env_result_clear(&r);

    invoke(e, "req-ok", "ok", &r);
    ck_assert_int_eq(r.outcome, ENV_OK);
    static const char want2[] = "prev=202 {\"status\":\"OK\"}";
    ck_assert_uint_eq(r.nbody, strlen(want2));
    ck_assert_mem_eq(r.body, want2, strlen(want2));
    ck_assert_str_eq(r.error_type, "");
    env_result_clear(&r);
    env_free(e);
}
END_TEST

/* A response or error for another request id gets 400 and leaves the
 * invocation waiting; the right id then completes it. A second response
 * for a finished request is refused too. */
START_TEST(wrong_request_id) {
    struct env *e = start_ready(
        "prev = 'none'\n"
        "while True:\n"
        "    h, event = nxt()\n"
        "    rid = h['lambda-runtime-aws-request-id']\n"
        "    a = respond('not-' + rid, 'wrong')\n"
        "    b = respond('not-' + rid, '{}', 'error')\n"
        "    out('wrong response: ' + a)\n"
        "    out('wrong error: ' + b)\n"
        "    time.sleep(0.3)\n"
        "    r = respond(rid, 'a=%s|b=%s|prev=%s' % (a[:3], b[:3], prev))\n"
        "    prev = respond(rid, 'again')[:3]\n");
    struct env_result r;
    invoke(e, "req-1", "{}", &r);
    ck_assert_int_eq(r.outcome, ENV_OK);
    static const char want[] = "a=400|b=400|prev=none";
    ck_assert_uint_eq(r.nbody, strlen(want));
    ck_assert_mem_eq(r.body, want, strlen(want));
    ck_assert_msg(r.duration_ms >= 290, "returned after %.1f ms, before the right id", r.duration_ms);
    assert_has(r.log, r.nlog, "wrong response: 400 ");
    assert_has(r.log, r.nlog, "wrong error: 400 ");
    ck_assert_int_eq(env_alive(e), 1);
    env_result_clear(&r);

    invoke(e, "req-2", "{}", &r);
    ck_assert_int_eq(r.outcome, ENV_OK);
    assert_has(r.body, r.nbody, "prev=400");
    env_result_clear(&r);
    env_free(e);
}
END_TEST

/* The process exits with status 3 after taking the event. */
START_TEST(exit_during_invoke) {
    struct env *e = start_ready("h, event = nxt()\nout('leaving')\nsys.exit(3)\n");
    struct env_result r;
    double t0 = mono_ms();
    invoke(e, "req-exit", "{}", &r);
    ck_assert_msg(mono_ms() - t0 < 5000, "took %.1f ms", mono_ms() - t0);
    ck_assert_int_eq(r.outcome, ENV_EXITED);
    ck_assert(WIFEXITED(r.exit_status));
    ck_assert_int_eq(WEXITSTATUS(r.exit_status), 3);
    assert_has(r.log, r.nlog, "leaving");
    ck_assert_int_eq(env_alive(e), 0);
    ck_assert_int_eq(wait_no_children(GONE_MS), 0);
    env_result_clear(&r);
    /* A dead environment answers at once. */
    t0 = mono_ms();
    invoke(e, "req-next", "{}", &r);
    ck_assert(mono_ms() - t0 < 1000);
    ck_assert_int_eq(r.outcome, ENV_EXITED);
    env_result_clear(&r);
    env_free(e);
}
END_TEST

/* The handler sleeps past the deadline: ENV_TIMEOUT soon after it, and
 * the whole process group is killed, grandchild included. */
START_TEST(invoke_timeout) {
    struct env *e = start_ready("h, event = nxt()\n"
                                "g = subprocess.Popen(['sleep', '30'])\n"
                                "put('gc.pid', g.pid)\n"
                                "out('sleeping')\n"
                                "time.sleep(5)\n"
                                "respond(h['lambda-runtime-aws-request-id'], 'late')\n");
    pid_t rt = pid_from("rt.pid");
    struct env_result r;
    double t0 = mono_ms();
    env_invoke(e, "req-slow", "{}", 2, 300, ARN, NULL, TRACE, &r);
    double took = mono_ms() - t0;
    ck_assert_int_eq(r.outcome, ENV_TIMEOUT);
    ck_assert_msg(took >= 300 && took < 1000, "took %.1f ms", took);
    /* Duration runs from where the timeout does: never short of it. */
    ck_assert_msg(r.duration_ms >= 300, "duration_ms=%.1f", r.duration_ms);
    ck_assert_int_eq(env_alive(e), 0);
    assert_has(r.log, r.nlog, "sleeping");
    pid_t g = pid_from("gc.pid");
    ck_assert_msg(wait_gone(g, GONE_MS), "grandchild %d survived the timeout", (int)g);
    ck_assert_msg(wait_gone(rt, GONE_MS), "runtime %d survived the timeout", (int)rt);
    ck_assert_int_eq(wait_no_children(GONE_MS), 0);
    env_result_clear(&r);
    env_free(e);
}
END_TEST

/* A response of exactly 6 MB is accepted whole. */
START_TEST(response_at_limit) {
    struct env *e = start_ready("while True:\n"
                                "    h, event = nxt()\n"
                                "    n = int(event)\n"
                                "    respond(h['lambda-runtime-aws-request-id'], b'x' * n)\n");
    struct env_result r;
    char n[32];
    snprintf(n, sizeof(n), "%ld", SIX_MB);
    invoke(e, "req-6mb", n, &r);
    ck_assert_int_eq(r.outcome, ENV_OK);
    ck_assert_uint_eq(r.nbody, (size_t)SIX_MB);
    ck_assert(r.body[0] == 'x' && r.body[SIX_MB - 1] == 'x');
    ck_assert_int_eq(env_alive(e), 1);
    env_result_clear(&r);
    env_free(e);
}
END_TEST

/* A response over 6 MB: ENV_TOO_LARGE, and 413 to the runtime. The POST
 * is made by a helper in its own session with its output closed: the
 * environment is killed once the invocation fails, and the helper must
 * outlive that to report the status it got. */
START_TEST(response_too_large) {
    struct env *e = start_ready(
        "HELPER = '''\n"
        "import os, sys, http.client\n"
        "host, port = os.environ['AWS_LAMBDA_RUNTIME_API'].rsplit(':', 1)\n"
        "c = http.client.HTTPConnection(host, int(port), timeout=60)\n"
        "c.request('POST', '/2018-06-01/runtime/invocation/%s/response' % sys.argv[1],\n"
        "          body=b'y' * 7340032)\n"
        "r = c.getresponse()\n"
        "data = r.read().decode()\n"
        "with open('status.tmp', 'w') as f:\n"
        "    f.write('%d %s' % (r.status, data))\n"
        "os.rename('status.tmp', 'status')\n"
        "'''\n"
        "h, event = nxt()\n"
        "p = subprocess.Popen([sys.executable, '-c', HELPER, h['lambda-runtime-aws-request-id']],\n"
        "    start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,\n"
        "    stderr=subprocess.DEVNULL)\n"
        "put('helper.pid', p.pid)\n"
        "time.sleep(30)\n");
    struct env_result r;
    invoke(e, "req-big", "{}", &r);
    ck_assert_int_eq(r.outcome, ENV_TOO_LARGE);
    char *status = wait_file("status", 10000);
    ck_assert_msg(status != NULL, "the runtime got no answer");
    assert_has(status, strlen(status), "413 ");
    free(status);
    ck_assert_int_eq(env_alive(e), 0);
    pid_t helper = pid_from("helper.pid");
    ck_assert(wait_gone(helper, 5000));
    env_result_clear(&r);
    env_free(e);
}
END_TEST

/* Output on stdout and stderr is captured per call: init output in
 * env_start's log, a call's output in its own log only. */
START_TEST(output_capture) {
    struct env *e = NULL;
    struct env_result r;
    double init_ms = -1;
    int rc = start_fake("out('init-stdout-line')\n"
                        "err('init-stderr-line')\n"
                        "n = 0\n"
                        "while True:\n"
                        "    h, event = nxt()\n"
                        "    n += 1\n"
                        "    out('call-%d-stdout' % n)\n"
                        "    err('call-%d-stderr' % n)\n"
                        "    if event == b'big':\n"
                        "        for i in range(4000):\n"
                        "            sys.stdout.write('bulk-%05d ' % i + 'z' * 40 + '\\n')\n"
                        "        sys.stdout.write('bulk-end\\n')\n"
                        "        sys.stdout.flush()\n"
                        "    respond(h['lambda-runtime-aws-request-id'], 'ok')\n",
                        10000, &e, &r, &init_ms);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(r.outcome, ENV_OK);
    assert_has(r.log, r.nlog, "init-stdout-line\n");
    assert_has(r.log, r.nlog, "init-stderr-line\n");
    env_result_clear(&r);

    invoke(e, "req-1", "small", &r);
    ck_assert_int_eq(r.outcome, ENV_OK);
    assert_has(r.log, r.nlog, "call-1-stdout\n");
    assert_has(r.log, r.nlog, "call-1-stderr\n");
    assert_lacks(r.log, r.nlog, "init-");
    env_result_clear(&r);

    /* 200 KB, more than a pipe holds: all of it, in order. */
    invoke(e, "req-2", "big", &r);
    ck_assert_int_eq(r.outcome, ENV_OK);
    assert_has(r.log, r.nlog, "call-2-stdout\n");
    assert_lacks(r.log, r.nlog, "call-1-");
    assert_has(r.log, r.nlog, "bulk-00000 ");
    assert_has(r.log, r.nlog, "bulk-03999 ");
    assert_has(r.log, r.nlog, "bulk-end\n");
    ck_assert_uint_ge(r.nlog, 4000u * 52u);
    env_result_clear(&r);
    env_free(e);
}
END_TEST

/* Module state survives between invocations of one environment. */
START_TEST(warm_reuse) {
    struct env *e = start_ready("counter = 0\n"
                                "while True:\n"
                                "    h, event = nxt()\n"
                                "    counter += 1\n"
                                "    respond(h['lambda-runtime-aws-request-id'],\n"
                                "            'count=%d pid=%d' % (counter, os.getpid()))\n");
    pid_t rt = pid_from("rt.pid");
    char want[64];
    for (int k = 1; k <= 3; k++) {
        struct env_result r;
        char id[32];
        snprintf(id, sizeof(id), "req-%d", k);
        invoke(e, id, "{}", &r);
        ck_assert_int_eq(r.outcome, ENV_OK);
        snprintf(want, sizeof(want), "count=%d pid=%d", k, (int)rt);
        ck_assert_uint_eq(r.nbody, strlen(want));
        ck_assert_mem_eq(r.body, want, strlen(want));
        ck_assert_int_eq(env_alive(e), 1);
        env_result_clear(&r);
    }
    env_free(e);
}
END_TEST

/* env_free while the runtime waits in next: prompt, and nothing left
 * behind (process, threads, descriptors). */
START_TEST(free_while_waiting) {
    env_free(NULL);
    int fds0 = count_fds();
    int threads0 = count_threads();
    struct env *e = start_ready("while True:\n    nxt()\n");
    pid_t rt = pid_from("rt.pid");
    sleep_ms(150);
    ck_assert_int_eq(env_alive(e), 1);
    ck_assert_int_gt(count_threads(), threads0);
    double t0 = mono_ms();
    env_free(e);
    double took = mono_ms() - t0;
    ck_assert_msg(took < 1000, "env_free took %.1f ms", took);
    ck_assert_int_eq(count_threads(), threads0);
    ck_assert_int_eq(count_fds(), fds0);
    ck_assert(wait_gone(rt, GONE_MS));
    ck_assert_int_eq(count_children(), 0);
}
END_TEST

/* ---- which interpreter runs a runtime (pure choices) ---- */

START_TEST(interpreter_choice) {
    static const char *const none[] = {NULL};
    static const char *const exact[] = {"python3.12=/opt/py312/bin/python", "nodejs=/opt/node/bin/node"};
    static const char *const fam[] = {"python3=/usr/bin/python3.11"};
    static const char *const both[] = {"python3=/fam", "python3.12=/exact"};
    const struct {
        const char *runtime;
        const char *const *ov;
        int n;
        const char *versioned;   /* what the caller found running */
        const char *want;        /* NULL: no interpreter */
        int overridden;
    } t[] = {
        {"python3.12", none, 0, NULL, "python3", 0},
        {"python3.12", none, 0, "python3.12", "python3.12", 0},
        {"python3.12", exact, 2, "python3.12", "/opt/py312/bin/python", 1},
        {"python3.13", exact, 2, NULL, "python3", 0},
        {"python3.13", fam, 1, "python3.13", "/usr/bin/python3.11", 1},
        {"python3.12", both, 2, NULL, "/exact", 1},
        {"python3.9", both, 2, NULL, "/fam", 1},
        {"nodejs20.x", none, 0, NULL, "node", 0},
        {"nodejs20.x", exact, 2, NULL, "/opt/node/bin/node", 1},
        {"nodejs22.x", fam, 1, NULL, "node", 0},
        {"provided.al2023", exact, 2, NULL, NULL, 0},
        /* "python3.1" must not take "python3.12=": the key ends at '=' */
        {"python3.1", exact, 2, NULL, "python3", 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int ov = -1;
        const char *got = env_interpreter(t[i].runtime, t[i].ov, t[i].n, t[i].versioned, &ov);
        if (t[i].want == NULL) ck_assert_msg(got == NULL, "case %zu", i);
        else ck_assert_msg(got && strcmp(got, t[i].want) == 0, "case %zu: %s", i, got ? got : "NULL");
        ck_assert_msg(ov == t[i].overridden, "case %zu: overridden %d", i, ov);
    }
}
END_TEST

START_TEST(versioned_command) {
    const struct {
        const char *runtime;
        int ok;
        const char *want;
    } t[] = {
        {"python3.12", 1, "python3.12"}, {"python3.9", 1, "python3.9"}, {"python3.14", 1, "python3.14"},
        {"python3", 0, ""}, {"python3.", 0, ""}, {"python3.12x", 0, ""}, {"python2.7", 0, ""},
        {"nodejs20.x", 0, ""}, {"provided.al2", 0, ""},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char buf[32] = "junk";
        ck_assert_msg(env_versioned_command(t[i].runtime, buf, sizeof(buf)) == t[i].ok, "case %zu", i);
        ck_assert_msg(strcmp(buf, t[i].want) == 0, "case %zu: %s", i, buf);
    }
    char small[4];
    ck_assert_int_eq(env_versioned_command("python3.12", small, sizeof(small)), 0);
}
END_TEST

START_TEST(version_matches) {
    const struct {
        const char *runtime, *version;
        int want;
    } t[] = {
        {"python3.12", "3.12.1", 1}, {"python3.12", "3.12", 1}, {"python3.12", "3.11.7", 0},
        {"python3.1", "3.12.0", 0}, {"python3.1", "3.1.4", 1}, {"python3.9", "3.10.0", 0},
        {"nodejs20.x", "20.20.2", 1}, {"nodejs22.x", "20.20.2", 0}, {"nodejs2.x", "20.1.0", 0},
        {"nodejs", "20.1.0", -1}, {"provided.al2", "1.0", -1}, {"python3.12", "", 0},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg(env_version_matches(t[i].runtime, t[i].version) == t[i].want, "case %zu: %s on %s",
                      i, t[i].runtime, t[i].version);
}
END_TEST

START_TEST(ua_version) {
    const struct {
        const char *ua;
        int rc;
        const char *want;
    } t[] = {
        {"aws-lambda-python/3.11.7-sluice", 0, "3.11.7"},
        {"aws-lambda-nodejs/20.20.2-sluice", 0, "20.20.2"},
        {"aws-lambda-python/3.12.1", 0, "3.12.1"},
        {"aws-lambda-rust/", -1, ""},
        {"aws-lambda-python/x3", -1, ""},
        {"curl/8.0.1", -1, ""},
        {"", -1, ""},
        {NULL, -1, ""},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        char buf[32] = "junk";
        ck_assert_msg(env_ua_version(t[i].ua, buf, sizeof(buf)) == t[i].rc, "case %zu", i);
        ck_assert_msg(strcmp(buf, t[i].want) == 0, "case %zu: %s", i, buf);
    }
    char small[4];
    ck_assert_int_eq(env_ua_version("aws-lambda-python/3.11.7", small, sizeof(small)), -1);
}
END_TEST

/* Writes an executable (or not) file DIR/NAME. */
static void touch(const char *dir, const char *name, mode_t mode) {
    char p[2 * PATH_MAX];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    ck_assert_ptr_nonnull(f);
    fputs("#!/bin/sh\n", f);
    fclose(f);
    ck_assert_int_eq(chmod(p, mode), 0);
}

START_TEST(on_path) {
    char a[PATH_MAX + 16], shims[PATH_MAX + 16], b[PATH_MAX + 16], dir[PATH_MAX + 32];
    char path[4 * PATH_MAX];
    snprintf(a, sizeof(a), "%s/a", basedir);
    snprintf(shims, sizeof(shims), "%s/shims", basedir);
    snprintf(b, sizeof(b), "%s/b", basedir);
    ck_assert_int_eq(mkdir(a, 0755), 0);
    ck_assert_int_eq(mkdir(shims, 0755), 0);
    ck_assert_int_eq(mkdir(b, 0755), 0);
    touch(shims, "python3.12", 0755);   /* a version manager's shim */
    touch(a, "python3.11", 0644);       /* not executable */
    touch(b, "python3.11", 0755);
    touch(b, "python3.13", 0755);
    snprintf(dir, sizeof(dir), "%s/python3.14", b);
    ck_assert_int_eq(mkdir(dir, 0755), 0);   /* a directory, not a command */
    snprintf(path, sizeof(path), "%s::%s:%s", shims, a, b);
    ck_assert_int_eq(env_on_path("python3.12", path), 0);
    snprintf(path, sizeof(path), "%s/", shims);
    ck_assert_int_eq(env_on_path("python3.12", path), 0);
    snprintf(path, sizeof(path), "%s::%s:%s", shims, a, b);
    ck_assert_int_eq(env_on_path("python3.11", path), 1);
    ck_assert_int_eq(env_on_path("python3.13", path), 1);
    ck_assert_int_eq(env_on_path("python3.14", path), 0);
    ck_assert_int_eq(env_on_path("python3.9", path), 0);
    ck_assert_int_eq(env_on_path("../b/python3.13", path), 0);
    ck_assert_int_eq(env_on_path("", path), 0);
    snprintf(path, sizeof(path), "%s", a);
    ck_assert_int_eq(env_on_path("python3.11", path), 0);
    /* "shims" only as a whole directory name */
    char myshims[PATH_MAX + 16];
    snprintf(myshims, sizeof(myshims), "%s/myshims", basedir);
    ck_assert_int_eq(mkdir(myshims, 0755), 0);
    touch(myshims, "python3.12", 0755);
    ck_assert_int_eq(env_on_path("python3.12", myshims), 1);
}
END_TEST

/* ---- suite ---- */

static Suite *env_suite(void) {
    Suite *s = suite_create("env");
    const struct {
        const char *name;
        const TTest *test;
    } cases[] = {
        {"ready", ready},
        {"init_error", init_error},
        {"init_exit", init_exit},
        {"init_timeout", init_timeout},
        {"spawn_failure", spawn_failure},
        {"response", response},
        {"function_error", function_error},
        {"wrong_request_id", wrong_request_id},
        {"exit_during_invoke", exit_during_invoke},
        {"invoke_timeout", invoke_timeout},
        {"response_at_limit", response_at_limit},
        {"response_too_large", response_too_large},
        {"output_capture", output_capture},
        {"warm_reuse", warm_reuse},
        {"free_while_waiting", free_while_waiting},
        {"interpreter_choice", interpreter_choice},
        {"versioned_command", versioned_command},
        {"version_matches", version_matches},
        {"spawn_disabled", spawn_disabled},
        {"ua_version", ua_version},
        {"on_path", on_path},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        TCase *tc = tcase_create(cases[k].name);
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, TEST_TIMEOUT_S);
        tcase_add_test(tc, cases[k].test);
        suite_add_tcase(s, tc);
    }
    return s;
}

/* Parent side: kills what a failed test's fakes left running (only pids
 * they recorded, and only while they still run our scripts or sleep),
 * then removes the files. */
static int kill_recorded(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    /* Unused. */ (void)sb; (void)ftw;
    size_t n = strlen(path);
    if (flag != FTW_F || n < 4 || strcmp(path + n - 4, ".pid") != 0) return 0;
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    long pid = 0;
    int got = fscanf(f, "%ld", &pid);
    fclose(f);
    if (got != 1 || pid <= 1) return 0;
    char p[64], cmd[512];
    snprintf(p, sizeof(p), "/proc/%ld/cmdline", pid);
    f = fopen(p, "r");
    if (f == NULL) return 0;
    size_t len = fread(cmd, 1, sizeof(cmd) - 1, f);
    fclose(f);
    for (size_t k = 0; k < len; k++)
        if (cmd[k] == '\0') cmd[k] = ' ';
    cmd[len] = '\0';
    if (strstr(cmd, basedir) || strncmp(cmd, "sleep ", 6) == 0 || strstr(cmd, "HELPER") ||
        strstr(cmd, "http.client"))
        kill((pid_t)pid, SIGKILL);
    return 0;
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    const char *tmp = getenv("TMPDIR");
    snprintf(basedir, sizeof(basedir), "%s/test_env.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (mkdtemp(basedir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(env_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    nftw(basedir, kill_recorded, 16, FTW_PHYS);
    rm_rf(basedir);
    return failed;
}
