/*
 * runtime/bootstraps.h: writes the embedded bootstraps to files.
 */
#include "runtime/bootstraps.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern const unsigned char sluice_bootstrap_py[];
extern const size_t sluice_bootstrap_py_len;
extern const unsigned char sluice_bootstrap_js[];
extern const size_t sluice_bootstrap_js_len;

static char py_path[PATH_MAX];
static char js_path[PATH_MAX];

static int write_file(const char *path, const unsigned char *data, size_t n) {
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    int rc = -1;
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, data + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) goto out;
        off += (size_t)w;
    }
    int cr = close(fd);
    fd = -1;
    if (cr != 0 || rename(tmp, path) != 0) goto out;
    rc = 0;
out:
    if (fd >= 0) close(fd);
    if (rc != 0) unlink(tmp);
    return rc;
}

static char rdir[PATH_MAX];
static pthread_once_t written = PTHREAD_ONCE_INIT;

int rt_bootstraps_install(const char *dir) {
    if (snprintf(rdir, sizeof(rdir), "%s/runtime", dir) >= (int)sizeof(rdir)) return -1;
    if (mkdir(rdir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "sluice: cannot create %s: %s\n", rdir, strerror(errno));
        return -1;
    }
    if (snprintf(py_path, sizeof(py_path), "%s/bootstrap.py", rdir) >= (int)sizeof(py_path) ||
        snprintf(js_path, sizeof(js_path), "%s/bootstrap.js", rdir) >= (int)sizeof(js_path))
        return -1;
    return 0;
}

static void write_both(void) {
    if (write_file(py_path, sluice_bootstrap_py, sluice_bootstrap_py_len) != 0 ||
        write_file(js_path, sluice_bootstrap_js, sluice_bootstrap_js_len) != 0)
        fprintf(stderr, "sluice: cannot write the runtime bootstraps in %s: %s\n", rdir, strerror(errno));
}

void rt_bootstraps_write(void) { pthread_once(&written, write_both); }

const char *rt_bootstrap_python(void) {
    rt_bootstraps_write();
    return py_path;
}

const char *rt_bootstrap_nodejs(void) {
    rt_bootstraps_write();
    return js_path;
}

/* Interpreters the bootstrap was compiled with in this run: a handful
 * (one per python runtime in use); any beyond are compiled each time. */
#define RT_MAX_COMPILED 16
static char compiled[RT_MAX_COMPILED][256];
static int ncompiled;
static pthread_mutex_t compile_mu = PTHREAD_MUTEX_INITIALIZER;

void rt_bootstrap_python_compile(const char *cmd, const char *const *envp) {
    const char *py = rt_bootstrap_python();
    pthread_mutex_lock(&compile_mu);
    for (int i = 0; i < ncompiled; i++)
        if (strcmp(compiled[i], cmd) == 0) goto out;
    /* -I: no user site, no PYTHON* variables, no working directory on
     * sys.path. */
    const char *argv[] = {cmd, "-I", "-c", "import py_compile, sys; py_compile.compile(sys.argv[1])",
                          py, NULL};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&at, &none);
    posix_spawnattr_setsigdefault(&at, &all);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid;
    int rc = posix_spawnp(&pid, cmd, &fa, &at, (char *const *)argv, (char *const *)envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    if (rc == 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    if (ncompiled < RT_MAX_COMPILED) snprintf(compiled[ncompiled++], sizeof(compiled[0]), "%s", cmd);
out:
    pthread_mutex_unlock(&compile_mu);
}
