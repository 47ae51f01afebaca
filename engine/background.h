/*
 * One background thread for periodic work that must also react at once
 * when the virtual clock moves: stream trimming and shard rollover, TTL
 * deletion, and later pollers' housekeeping. Tasks are registered by the
 * layers that own them (the engine knows nothing of what they do).
 */
#ifndef SLUICE_ENGINE_BACKGROUND_H
#define SLUICE_ENGINE_BACKGROUND_H

/* A task runs on the background thread, with that thread's own SQLite
 * connection; it must not block for long. */
typedef void (*bg_task_fn)(void);

/* Adds FN to the tasks run every tick. Call before bg_start. Returns 0, or
 * -1 when the task table is full. */
int bg_register(bg_task_fn fn);

/* Starts the thread. Returns 0 or -1. */
int bg_start(void);

/* Wakes the thread now (after the clock moved, say). Thread-safe. */
void bg_kick(void);

/* Runs every task once on the calling thread and waits for a tick in
 * progress to finish first, so that when it returns, background work has
 * caught up with the clock. Thread-safe. */
void bg_run_now(void);

/* Stops and joins the thread. */
void bg_stop(void);

#endif
