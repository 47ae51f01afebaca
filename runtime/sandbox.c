/*
 * runtime/sandbox.h: bubblewrap's arguments (pure), the directories a
 * sandbox binds, and the start-up probe.
 */
#include "runtime/sandbox.h"
#include "base/log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int sandbox_parse_mode(const char *z, enum sandbox_mode *out) {
    if (z == NULL) return -1;
    if (strcmp(z, "auto") == 0) *out = SANDBOX_AUTO;
    else if (strcmp(z, "on") == 0) *out = SANDBOX_ON;
    else if (strcmp(z, "off") == 0) *out = SANDBOX_OFF;
    else return -1;
    return 0;
}

/* The system directories every sandbox binds read-only when they exist:
 * what an interpreter installed from Debian packages needs (/etc for
 * its configuration, certificates, resolv.conf and passwd). */
static const char *const system_dirs[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/etc"};
#define NSYSTEM ((int)(sizeof(system_dirs) / sizeof(system_dirs[0])))

/* 1 when PATH is DIR or lies under it. */
static int under(const char *path, const char *dir) {
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int sandbox_argv(const struct sandbox_spec *s, const char **out, int n) {
    int k = 0;
#define ADD(x)                      \
    do {                            \
        if (k >= n - 1) return -1;  \
        out[k++] = (x);             \
    } while (0)
    ADD(s->bwrap);
    /* A new PID namespace, whose init (bwrap's, in the process group
     * env.c kills) takes every process in it along when it dies, even
     * one that left the group; its own System V IPC. No --unshare-net:
     * the runtime reaches its Runtime API and the handler reaches sluice
     * on 127.0.0.1. No --die-with-parent: its parent-death signal follows
     * the thread that spawned bwrap, and a connection thread that started
     * an environment ends with its connection, long before the
     * environment should. */
    ADD("--unshare-pid");
    ADD("--unshare-ipc");
    for (int i = 0; i < NSYSTEM; i++) {
        ADD("--ro-bind-try");
        ADD(system_dirs[i]);
        ADD(system_dirs[i]);
    }
    ADD("--proc");
    ADD("/proc");
    ADD("--dev");
    ADD("/dev");
    /* /tmp first, so that binds below it (a data directory under /tmp)
     * land on the private tmpfs rather than under it. */
    ADD("--tmpfs");
    ADD("/tmp");
    for (int i = 0; i < s->nroots; i++) {
        ADD("--ro-bind-try");
        ADD(s->roots[i]);
        ADD(s->roots[i]);
    }
    if (s->runtime_dir) {
        ADD("--ro-bind");
        ADD(s->runtime_dir);
        ADD(s->runtime_dir);
    }
    ADD("--ro-bind");
    ADD(s->code_dir);
    ADD(s->code_dir);
    ADD("--chdir");
    ADD(s->code_dir);
    ADD("--");
    /* bwrap sets PWD, which a function outside the sandbox never sees
     * (nothing of the server's environment but PATH and locale): env(1)
     * takes it out on the way to the command. */
    ADD("/usr/bin/env");
    ADD("-u");
    ADD("PWD");
    for (int i = 0; s->argv[i]; i++) ADD(s->argv[i]);
#undef ADD
    out[k] = NULL;
    return k;
}

int sandbox_path_root(const char *dir, const char *home, char *out, size_t n) {
    if (n > 0) out[0] = '\0';
    if (dir == NULL || dir[0] != '/') return 0;
    size_t len = strlen(dir);
    while (len > 1 && dir[len - 1] == '/') len--;
    if (len >= n) return 0;
    memcpy(out, dir, len);
    out[len] = '\0';
    const char *slash = strrchr(out, '/');
    const char *base = slash + 1;
    if (strcmp(base, "bin") == 0 || strcmp(base, "shims") == 0) {
        size_t plen = (size_t)(slash - out);
        if (plen == 0) {
            out[0] = '\0';
            return 0;   /* /bin: a system directory */
        }
        out[plen] = '\0';
        if (home && home[0] == '/') {
            size_t hl = strlen(home);
            while (hl > 1 && home[hl - 1] == '/') hl--;
            if (plen == hl && strncmp(out, home, hl) == 0) {
                out[0] = '\0';
                return 0;
            }
        }
    }
    if (strcmp(out, "/") == 0) {
        out[0] = '\0';
        return 0;
    }
    for (int i = 0; i < NSYSTEM; i++)
        if (under(out, system_dirs[i])) {
            out[0] = '\0';
            return 0;
        }
    return 1;
}

int sandbox_status(int status) {
    if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        /* Signals 1-64 (Linux's real-time ones end at 64). */
        if (code > 128 && code <= 128 + 64) return code - 128;   /* a "killed by" status */
    }
    return status;
}

/* ---- set-up and probe ---- */

static enum sandbox_mode mode_set = SANDBOX_OFF;
static char runtime_dir[PATH_MAX];
static char bwrap_path[PATH_MAX];
static int usable;                      /* the probe succeeded; set once by probe_now */
static pthread_once_t probe_once = PTHREAD_ONCE_INIT;

/* The first executable NAME on PATH into OUT: 0, or -1. */
static int find_exec(const char *name, const char *path, char *out, size_t n) {
    if (strchr(name, '/')) {
        if (access(name, X_OK) != 0) return -1;
        return snprintf(out, n, "%s", name) < (int)n ? 0 : -1;
    }
    errno = ENOENT;
    while (path && *path) {
        size_t nd = strcspn(path, ":");
        if (nd > 0 && path[0] == '/' && snprintf(out, n, "%.*s/%s", (int)nd, path, name) < (int)n) {
            struct stat st;
            if (access(out, X_OK) == 0 && stat(out, &st) == 0 && S_ISREG(st.st_mode)) return 0;
        }
        path += nd;
        if (*path == ':') path++;
    }
    errno = ENOENT;
    return -1;
}

/* Runs bwrap once with a sandbox like an environment's, around `true`.
 * Returns 0, or -1 with the reason (its first line of error output) in
 * WHY. */
static int probe(char *why, size_t nwhy) {
    const char *path = getenv("PATH");
    if (find_exec("bwrap", path ? path : "/usr/bin:/bin", bwrap_path, sizeof(bwrap_path)) != 0) {
        snprintf(why, nwhy, "bwrap is not installed (Debian package bubblewrap)");
        return -1;
    }
    const char *cmd[] = {"true", NULL};
    struct sandbox_spec spec = {bwrap_path, runtime_dir, NULL, NULL, 0, cmd};
    const char *argv[SANDBOX_MAX_ARGS];
    if (sandbox_argv(&spec, argv, SANDBOX_MAX_ARGS) < 0) return -1;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        snprintf(why, nwhy, "pipe: %s", strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int rc = posix_spawn(&pid, bwrap_path, &fa, &at, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        snprintf(why, nwhy, "cannot run %.200s: %s", bwrap_path, strerror(rc));
        return -1;
    }
    char buf[512];
    size_t got = 0;
    ssize_t r;
    while ((r = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0) got += (size_t)r;
    close(fds[0]);
    buf[got] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    snprintf(why, nwhy, "%s", got ? buf : "bwrap failed");
    return -1;
}

/* Runs the probe and publishes its result; logs the fallback. Once. */
static void probe_now(void) {
    char why[600] = "";
    usable = probe(why, sizeof(why)) == 0;
    if (!usable)
        log_msg(mode_set == SANDBOX_ON ? LOG_ERROR : LOG_WARN,
                "function sandbox unavailable (%s): %s", why,
                mode_set == SANDBOX_ON ? "--sandbox on refuses to start"
                                       : "functions run as plain processes that can read and write "
                                         "whatever this user can (--sandbox auto)");
}

static void *probe_main(void *arg) {
    (void)arg;
    sandbox_enabled();
    return NULL;
}

int sandbox_setup(enum sandbox_mode mode, const char *rdir) {
    mode_set = mode;
    snprintf(runtime_dir, sizeof(runtime_dir), "%s", rdir);
    if (mode == SANDBOX_ON) return sandbox_enabled() ? 0 : -1;
    return 0;
}

void sandbox_probe_start(void) {
    if (mode_set != SANDBOX_AUTO) return;
    pthread_t t;
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 256 * 1024);
    /* Without a thread the first spawn runs the probe itself. */
    pthread_create(&t, &a, probe_main, NULL);
    pthread_attr_destroy(&a);
}

int sandbox_enabled(void) {
    if (mode_set == SANDBOX_OFF) return 0;
    pthread_once(&probe_once, probe_now);
    return usable;
}

/* Adds ROOT to C unless it is there already or covered by one there. */
static void add_root(struct sandbox_cmd *c, const char *root) {
    for (int i = 0; i < c->nroots; i++)
        if (under(root, c->roots[i])) return;
    if (c->nroots >= SANDBOX_MAX_ROOTS) return;
    snprintf(c->roots[c->nroots], sizeof(c->roots[0]), "%s", root);
    c->rootp[c->nroots] = c->roots[c->nroots];
    c->nroots++;
}

struct sandbox_cmd *sandbox_command(const char *const *argv, const char *code_dir,
                                    const char *path_env) {
    if (!sandbox_enabled()) return NULL;
    struct sandbox_cmd *c = calloc(1, sizeof(*c));
    if (c == NULL) abort();
    const char *home = getenv("HOME");
    char root[1024], exe[PATH_MAX], real[PATH_MAX];
    /* Where the command itself lives, through symlinks (a node in
     * /usr/local/bin linking into /opt/node/bin). */
    int nargs = 0;
    while (argv[nargs]) nargs++;
    if (nargs == 0 || nargs >= (int)(sizeof(c->cmd) / sizeof(c->cmd[0]))) {
        free(c);
        return NULL;
    }
    memcpy(c->cmd, argv, (size_t)(nargs + 1) * sizeof(*argv));
    if (find_exec(argv[0], path_env, exe, sizeof(exe)) != 0) {
        c->err = errno ? errno : ENOENT;
    } else {
        snprintf(c->exe, sizeof(c->exe), "%s", exe);
        c->cmd[0] = c->exe;
        char *slash = strrchr(exe, '/');
        *slash = '\0';
        if (sandbox_path_root(exe, home, root, sizeof(root))) add_root(c, root);
        *slash = '/';
        if (realpath(exe, real) != NULL) {
            slash = strrchr(real, '/');
            *slash = '\0';
            if (sandbox_path_root(real, home, root, sizeof(root))) add_root(c, root);
        }
    }
    /* Every directory of PATH, for what the runtime starts by name (a
     * provided runtime's "#!/usr/bin/env python3"). */
    for (const char *p = path_env; p && *p;) {
        size_t nd = strcspn(p, ":");
        char dir[1024];
        if (nd > 0 && nd < sizeof(dir)) {
            memcpy(dir, p, nd);
            dir[nd] = '\0';
            struct stat st;
            if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && sandbox_path_root(dir, home, root, sizeof(root)))
                add_root(c, root);
        }
        p += nd;
        if (*p == ':') p++;
    }
    struct sandbox_spec spec = {bwrap_path, code_dir, runtime_dir, c->rootp, c->nroots, c->cmd};
    if (sandbox_argv(&spec, c->argv, SANDBOX_MAX_ARGS) < 0) {
        free(c);
        return NULL;
    }
    return c;
}
