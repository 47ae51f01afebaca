/*
 * Provisioned concurrency: a thread keeps every PC config's requested
 * number of environments initialised (AWS_LAMBDA_INITIALIZATION_TYPE
 * provisioned-concurrency) in the provisioned pool (engine/pool.h), a
 * few inits at a time and at most --pc-max-environments in all, then
 * settles the config READY, or FAILED with FUNCTION_ERROR_INIT_FAILURE,
 * by a compare-and-set on its LastModified. A config changing, or the
 * server stopping, abandons a pass; the next starts at once. Environments
 * no config wants any more are retired. Invocations admitted to a
 * provisioned slot run in the pool's environments (engine/invoker.c).
 *
 * These are part of the invoker's interface: engine/invoker.h includes
 * this header.
 */
#ifndef SLUICE_ENGINE_PROVISIONER_H
#define SLUICE_ENGINE_PROVISIONER_H

#include <stdint.h>

struct store_pc;

/* What one pass does with one PC config. */
struct prov_plan {
    int due;        /* allocate now: start START environments, then settle */
    int start;      /* environments to start (due only) */
    int want;       /* environments of the config to keep when retiring */
};

/* Decides, for config PC at clock time NOW, with HAVE live environments
 * of its key and HAVE_ALL in the whole provisioned pool of at most
 * MAX_ALL (--pc-max-environments): a FAILED config keeps none and waits
 * for a change; one not yet due (before its ready time) keeps what it
 * has while IN_PROGRESS, its requested number otherwise; a due one
 * starts what it lacks, as far as the pool has room, and keeps its
 * requested number. Pure. */
struct prov_plan prov_plan(const struct store_pc *pc, int64_t now, int have, int have_all,
                           int max_all);

/* Starts the provisioner thread. Returns 0, or -1 when it could not be
 * created. Main thread, once. */
int invoke_provisioner_start(void);

/* Stops the provisioner, waits for its thread and frees every
 * provisioned environment. Main thread, at shutdown, after every caller
 * of invoke_sync has stopped. */
void invoke_provisioner_stop(void);

/* Makes the provisioner look at every config again at once; call after
 * any PC-relevant change (a PC config, an alias, a version, the clock).
 * Any thread. */
void invoke_provision_kick(void);

/* Tells the provisioner thread to stop and returns at once, without
 * waiting: a pass in progress abandons its work. Any thread. */
void prov_halt(void);

#endif
