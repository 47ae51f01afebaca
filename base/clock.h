/*
 * The virtual clock: every AWS-visible time read goes through it, so an
 * admin call can move time forward (retention, iterator expiry, PC
 * readiness) without waiting. Time = wall clock + an offset that only
 * grows.
 */
#ifndef SLUICE_BASE_CLOCK_H
#define SLUICE_BASE_CLOCK_H

#include <stdint.h>

/* Current virtual time in epoch milliseconds. Thread-safe, lock-free. */
int64_t clock_now_ms(void);

/* Current offset from the wall clock, in milliseconds. Thread-safe. */
int64_t clock_offset_ms(void);

/* Sets the offset (restoring a persisted clock at start-up). */
void clock_set_offset_ms(int64_t ms);

/* Moves the clock forward by MS (ignored when MS <= 0). Thread-safe. */
void clock_advance_ms(int64_t ms);

#endif
