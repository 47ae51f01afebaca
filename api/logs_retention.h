/*
 * CloudWatch Logs retention: the values PutRetentionPolicy accepts, the
 * cut-off a retention puts on a group's events, and the sweep that
 * removes events past it by the virtual clock (registered with
 * engine/background, so it runs every tick, at once after
 * POST /_sluice/clock, and after a restart). The decisions are pure
 * functions, tested with tables in tests/unit/test_logs.c.
 */
#ifndef SLUICE_API_LOGS_RETENTION_H
#define SLUICE_API_LOGS_RETENTION_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds in a retention day. */
#define LOGS_DAY_MS 86400000LL

/* Returns 1 when DAYS is one of the retentions AWS accepts (the Days
 * shape of the CloudWatch Logs API reference, PutRetentionPolicy), else
 * 0. Thread-safe. */
int logs_retention_valid(int64_t days);

/* Writes "[1, 3, 5, ..., 3653]", the accepted values as AWS lists them in
 * its validation message, into BUF (size N). Thread-safe. */
void logs_retention_values(char *buf, size_t n);

/* The cut-off of a DAYS-day retention at NOW_MS: events whose timestamp
 * is before it have expired. DAYS <= 0 (no retention) gives INT64_MIN:
 * nothing expires. Thread-safe. */
int64_t logs_retention_cutoff_ms(int64_t now_ms, int64_t days);

/* The sweep itself, logs_sweep(), is declared in api/api.h. */

#endif
