/*
 * Execution environments: one OS process each (inside bubblewrap when
 * runtime/sandbox.h says so), running the function's
 * code through the Lambda Runtime API, which every environment serves on
 * its own loopback port (the protocol carries no environment identity).
 *
 * Threads: an environment owns a net/httpd server (thread per
 * connection) for its Runtime API and a thread reading the process's
 * output. env_invoke() blocks the calling thread until the invocation
 * completes, fails or times out; other environments are unaffected.
 */
#ifndef SLUICE_RUNTIME_ENV_H
#define SLUICE_RUNTIME_ENV_H

#include <stddef.h>
#include <stdint.h>

struct env;

/* What an environment runs and the variables it sees. */
struct env_spec {
    const char *argv[4];        /* command: interpreter + bootstrap, or ./bootstrap */
    const char *code_dir;       /* working directory and LAMBDA_TASK_ROOT */
    const char *const *envp;    /* complete environment, NULL-terminated, without
                                   AWS_LAMBDA_RUNTIME_API (added here) */
    int init_timeout_ms;        /* AWS: 10 s */
};

/* LOG[off..] was read at epoch milliseconds MS (wall clock). */
struct env_mark {
    size_t off;
    int64_t ms;
};

/* Result of an invocation or of init. */
enum env_outcome {
    ENV_OK = 0,          /* response posted */
    ENV_FUNCTION_ERROR,  /* error posted by the runtime (handler failed) */
    ENV_INIT_ERROR,      /* the runtime posted init/error or failed to start */
    ENV_TIMEOUT,         /* past the deadline: the process was killed */
    ENV_EXITED,          /* the process died without answering */
    ENV_TOO_LARGE,       /* response over 6 MB */
};

struct env_result {
    enum env_outcome outcome;
    char *body;            /* response or error JSON (malloc'd), may be NULL */
    size_t nbody;
    char error_type[128];  /* Lambda-Runtime-Function-Error-Type, or "" */
    int exit_status;       /* for ENV_EXITED: waitpid status */
    double duration_ms;    /* invoke duration */
    char *log;             /* output the process wrote during the call (malloc'd) */
    size_t nlog;
    struct env_mark *marks;/* when each part of LOG was read (malloc'd) */
    int nmarks;
};

void env_result_clear(struct env_result *r);

/* Starts an environment for SPEC and waits for its init: until the runtime
 * first asks for an invocation (ready), posts init/error, exits, or
 * init_timeout_ms passes. On init failure *OUT is still set (the error
 * is kept to answer the first invoke, as AWS does) and RESULT says why.
 * Returns 0 when the process started (check RESULT), -1 when it could not
 * even be started (RESULT->body holds a message). INIT_MS receives the
 * init duration. Caller owns *OUT (env_free). */
int env_start(const struct env_spec *spec, struct env **out, struct env_result *result,
              double *init_ms);

/* From now on env_start starts no process (nor Runtime API endpoint) and
 * fails as when the interpreter cannot be started. For harnesses that
 * drive every API operation with untrusted input, such as the router's
 * fuzz target: an Invoke must not run what a random zip holds. Thread-safe. */
void env_disable_spawn(void);

/* Runs one invocation in ENV, which must be idle and healthy. Blocks until
 * done or TIMEOUT_MS have passed since the call was handed over (also
 * where RESULT's duration starts, so a timed-out call lasts at least
 * TIMEOUT_MS); on timeout the process group is killed and ENV is dead.
 * The runtime's deadline header is that instant in epoch ms; REQUEST_ID,
 * INVOKED_ARN, the optional CLIENT_CONTEXT (JSON text) and TRACE_ID go
 * to its other headers. Fills RESULT (caller clears). */
void env_invoke(struct env *env, const char *request_id, const char *payload, size_t npayload,
                int64_t timeout_ms, const char *invoked_arn, const char *client_context,
                const char *trace_id, struct env_result *result);

/* 1 when ENV can take another invocation. */
int env_alive(struct env *env);

/* Peak resident memory of the process so far, in MB (VmHWM). */
int env_peak_rss_mb(struct env *env);

/* Kills the process group, stops the Runtime API, joins threads, frees.
 * Accepts NULL. */
void env_free(struct env *env);

/* Kills every process group still alive (shutdown after a crash path). */
void env_kill_all(void);

/* ---- which interpreter runs a runtime ---- */

/* The interpreter command of RUNTIME ("python3.12", "nodejs20.x"): the
 * exact override "RUNTIME=CMD" among the N strings OVERRIDES, else the
 * family one ("python3=CMD", "nodejs=CMD"), else VERSIONED when the
 * caller found that it runs (NULL: it does not, or there is none), else
 * the family default ("python3", "node"). *OVERRIDDEN says whether an
 * override was taken. Returns a pointer into OVERRIDES, VERSIONED or a
 * static string; NULL for a runtime without an interpreter (provided.*).
 * Pure. */
const char *env_interpreter(const char *runtime, const char *const *overrides, int n,
                            const char *versioned, int *overridden);

/* Writes into BUF (N bytes) the versioned command a runtime's own minor
 * version is installed as: "python3.12" for python3.12. Returns 1, or 0
 * (BUF "") for runtimes without such a convention (nodejs*: node is not
 * installed as node20; provided.*). Pure. */
int env_versioned_command(const char *runtime, char *buf, size_t n);

/* Whether interpreter VERSION ("3.11.7", "20.11.1") is the one RUNTIME
 * names (python3.12: 3.12.x; nodejs20.x: 20.x): 1 yes, 0 no, -1 when
 * RUNTIME names no interpreter version. Pure. */
int env_version_matches(const char *runtime, const char *version);

/* The interpreter version in a runtime's User-Agent UA
 * ("aws-lambda-python/3.11.7-sluice" gives "3.11.7"), into BUF (N
 * bytes). Returns 0, or -1 when UA names none. Pure. */
int env_ua_version(const char *ua, char *buf, size_t n);

/* The interpreter version ENV's runtime announced in the User-Agent of
 * its first GET next (sluice's bootstraps send it, as AWS's runtime
 * clients do): 0 with BUF filled, or -1 when it announced none (a
 * provided.* runtime, or init has not reached next). Thread-safe. */
int env_runtime_version(struct env *env, char *buf, size_t n);

/* 1 when an executable file NAME lies in a directory of PATH (a
 * ":"-separated list) other than a version manager's "shims" directory,
 * else 0. Reads the filesystem; no process is started. */
int env_on_path(const char *name, const char *path);

/* Kills processes left behind by an earlier run that died (kill -9):
 * every process whose working directory lies under CODE_DIR, where all
 * environments start, and every one whose environment holds this data
 * directory's mark (env_set_run_mark), wherever it moved to (a daemon
 * that called setsid() and chdir("/")). Reads /proc/<pid>/cwd and
 * /proc/<pid>/environ of every process. Returns how many were killed.
 * Call at start-up, after env_set_run_mark. */
int env_reap_orphans(const char *code_dir);

/* Names the data directory DATA_DIR in every environment started from
 * now on: the variable SLUICE_DATA_ID=<16 hex digits of a hash of the
 * path>, which children inherit. Call once at start-up. */
void env_set_run_mark(const char *data_dir);

/* Makes the server the reaper of its descendants (Linux's
 * PR_SET_CHILD_SUBREAPER): a runtime's child that left its process group
 * and lost its parent becomes the server's child rather than init's, so
 * env_kill_strays can end it. Returns 0, or -1. Call once at start-up. */
int env_adopt_orphans(void);

/* Reaps adopted children (env_adopt_orphans) that have ended; the
 * environments' own processes are left to their readers. Thread-safe. */
void env_reap_strays(void);

/* At shutdown, after the environments were killed: kills every child of
 * the server that is not an environment's process (adopted orphans, with
 * their process groups), waiting up to 2 s for killed runtimes to hand
 * theirs over. Returns how many were killed. */
int env_kill_strays(void);

#endif
