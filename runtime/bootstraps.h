/*
 * The language bootstraps sluice ships (runtime/python/bootstrap.py and
 * runtime/nodejs/bootstrap.js), embedded in the binary at build time and
 * written to the data directory at start-up, where environments run them.
 */
#ifndef SLUICE_RUNTIME_BOOTSTRAPS_H
#define SLUICE_RUNTIME_BOOTSTRAPS_H

/* Writes the bootstraps under DIR/runtime/ (replacing older copies
 * atomically). Returns 0 or -1 (logged). Call once at start-up. */
int rt_bootstraps_install(const char *dir);

/* Paths of the installed bootstraps; valid after rt_bootstraps_install. */
const char *rt_bootstrap_python(void);
const char *rt_bootstrap_nodejs(void);

#endif
