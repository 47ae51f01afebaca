/*
 * The language bootstraps sluice ships (runtime/python/bootstrap.py and
 * runtime/nodejs/bootstrap.js), embedded in the binary at build time and
 * written to the data directory at start-up, where environments run them.
 */
#ifndef SLUICE_RUNTIME_BOOTSTRAPS_H
#define SLUICE_RUNTIME_BOOTSTRAPS_H

/* Makes DIR/runtime/ and names the bootstraps' files there. Returns 0 or
 * -1 (logged). Call once at start-up, before any other function here. */
int rt_bootstraps_install(const char *dir);

/* Writes the bootstraps (replacing older copies atomically), once: the
 * server calls it right after its ready file, and the path getters below
 * call it first, so an environment spawned earlier waits for the files
 * rather than missing them. A failure is logged (environments then fail
 * their init). Thread-safe. */
void rt_bootstraps_write(void);

/* Paths of the installed bootstraps, written (rt_bootstraps_write) before
 * they are returned; valid after rt_bootstraps_install. */
const char *rt_bootstrap_python(void);
const char *rt_bootstrap_nodejs(void);

/* Compiles the Python bootstrap's bytecode (__pycache__) with the
 * interpreter CMD, found on the PATH of ENVP, once per CMD and run: a
 * sandboxed runtime cannot write it (the directory is read-only there),
 * and compiling the bootstrap costs each cold start ~30 ms. Runs
 * `CMD -I -c` outside any sandbox (sluice's own code only) and waits for
 * it; a failure is ignored (the runtime then compiles in memory).
 * Thread-safe; concurrent callers wait for the first. */
void rt_bootstrap_python_compile(const char *cmd, const char *const *envp);

#endif
