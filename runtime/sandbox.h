/*
 * The sandbox execution environments run in (issue 17): Debian's
 * bubblewrap (`bwrap`, unprivileged user namespaces) gives each one a
 * PID namespace (it sees only its own processes, and killing its init
 * ends the whole tree), a private writable /tmp, and a filesystem of
 * read-only binds: the system directories, the directories of PATH
 * where interpreters live, the bootstraps and the function's own code
 * directory. The data directory is not visible; the network is shared
 * (the Runtime API and the handler's SDK calls back to sluice are on
 * 127.0.0.1). Where bwrap is missing or cannot create namespaces, the
 * mode `auto` falls back to plain processes with one warning.
 *
 * Threads: sandbox_setup() once at start-up before any environment
 * starts; everything else is thread-safe.
 */
#ifndef SLUICE_RUNTIME_SANDBOX_H
#define SLUICE_RUNTIME_SANDBOX_H

#include <stddef.h>

enum sandbox_mode {
    SANDBOX_OFF = 0,   /* plain processes (the library's default) */
    SANDBOX_AUTO,      /* bwrap when its probe succeeds, else plain processes */
    SANDBOX_ON,        /* bwrap or refuse to start */
};

/* "auto", "on" or "off" into *OUT: 0, or -1 for anything else. Pure. */
int sandbox_parse_mode(const char *z, enum sandbox_mode *out);

/* Chooses MODE; RUNTIME_DIR is the bootstraps' directory (bound
 * read-only in every sandbox). For SANDBOX_ON it runs the probe (bwrap
 * around `true`) now and returns -1 (logged) when bwrap cannot run;
 * otherwise returns 0 and starts nothing. Call once, before any
 * environment starts. */
int sandbox_setup(enum sandbox_mode mode, const char *runtime_dir);

/* For SANDBOX_AUTO: runs the probe on a thread of its own. Call after
 * the ready file, so that start-up waits for no process; a spawn that
 * comes first runs the probe itself. */
void sandbox_probe_start(void);

/* 1 when environments start inside bwrap, 0 for plain processes. The
 * first call in SANDBOX_AUTO runs the probe (others wait for it), which
 * logs one warning when it fails. */
int sandbox_enabled(void);

/* Most arguments sandbox_argv() writes: the fixed ones, SANDBOX_MAX_ROOTS
 * binds of three words, and the command's. */
#define SANDBOX_MAX_ROOTS 24
#define SANDBOX_MAX_ARGS (48 + 3 * SANDBOX_MAX_ROOTS)

/* What one sandbox holds. */
struct sandbox_spec {
    const char *bwrap;              /* path of bwrap */
    const char *code_dir;           /* read-only, at its own path; the working directory */
    const char *runtime_dir;        /* read-only, at its own path (NULL: none) */
    const char *const *roots;       /* further read-only directories (interpreters) */
    int nroots;
    const char *const *argv;        /* the command, NULL-terminated */
};

/* Writes into OUT (N slots) bwrap's argument vector for SPEC, ending in
 * NULL; the strings are SPEC's or static. Returns the count of
 * arguments (without the NULL), or -1 when N is too small. Pure. */
int sandbox_argv(const struct sandbox_spec *spec, const char **out, int n);

/* The directory to bind read-only for PATH entry DIR, into OUT (N
 * bytes): DIR's parent when DIR ends in /bin or /shims (a prefix such as
 * /root/.pyenv/versions/3.11.7 or ~/.nvm/versions/node/v20, whose lib/
 * lies beside bin/), else DIR itself. Returns 1, or 0 when there is
 * nothing to bind: DIR is relative or empty, the parent would be "/" or
 * HOME (a whole home directory is not bound for one ~/bin), or it lies
 * under a system directory every sandbox binds anyway (/usr, /bin, /etc,
 * ...). Pure. */
int sandbox_path_root(const char *dir, const char *home, char *out, size_t n);

/* The waitpid status of the command from the waitpid STATUS of bwrap,
 * which exits with 128+N when its command was killed by signal N: such
 * an exit becomes "killed by N", so a crash reads the same in and out of
 * the sandbox. Pure. */
int sandbox_status(int status);

/* A command ready to spawn: ARGV (bwrap's words, then the command's,
 * whose first is the command found on the host), with the storage its
 * strings live in. One allocation: free() it. */
struct sandbox_cmd {
    const char *argv[SANDBOX_MAX_ARGS];
    char exe[4096];
    const char *cmd[16];
    char roots[SANDBOX_MAX_ROOTS][1024];
    const char *rootp[SANDBOX_MAX_ROOTS];
    int nroots;
    /* 0, or the errno of looking ARGV[0] up (ENOENT, EACCES): what
     * posix_spawnp would have failed with, so a missing interpreter
     * reads the same in and out of the sandbox. */
    int err;
};

/* Builds the bwrap command that runs ARGV (NULL-terminated, at most 15
 * words) in a sandbox of CODE_DIR, binding the roots of the directories
 * of PATH_ENV (the server's PATH: never one a function chose, or it
 * could bind the data directory into its own sandbox) and of ARGV[0]'s
 * resolved location; ARGV[0] is run by the path found on PATH_ENV, as
 * posix_spawnp would outside the sandbox. Reads the filesystem (access,
 * realpath); starts nothing. Returns NULL when the sandbox is off or the
 * arguments do not fit. Caller frees. */
struct sandbox_cmd *sandbox_command(const char *const *argv, const char *code_dir,
                                    const char *path_env);

#endif
