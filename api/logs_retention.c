/*
 * Log group retention (api/logs_retention.h): which values are accepted,
 * where a retention cuts, and the background sweep that deletes expired
 * events. The sweep reads first and opens a write transaction only for a
 * group that holds expired events, so an idle server writes nothing.
 */
#include "api/api.h"
#include "api/logs_retention.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Events deleted per transaction: bounds how long one group's sweep holds
 * the write lock; the sweep loops until the group is done, so a clock
 * advance has removed every expired event when it answers. */
#define LOGS_EXPIRE_BATCH 5000

/* The retentions AWS accepts, in days (the Days shape's documentation in
 * the CloudWatch Logs API reference, PutRetentionPolicy). */
static const int64_t RETENTION_DAYS[] = {1,   3,   5,   7,   14,  30,   60,   90,   120,  150,  180,
                                         365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653};

#define NRETENTION (sizeof(RETENTION_DAYS) / sizeof(RETENTION_DAYS[0]))

int logs_retention_valid(int64_t days) {
    for (size_t i = 0; i < NRETENTION; i++)
        if (RETENTION_DAYS[i] == days) return 1;
    return 0;
}

void logs_retention_values(char *buf, size_t n) {
    size_t len = 0;
    if (n == 0) return;
    buf[0] = '\0';
    for (size_t i = 0; i < NRETENTION && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%lld", i == 0 ? "[" : ", ", (long long)RETENTION_DAYS[i]);
    if (len < n) snprintf(buf + len, n - len, "]");
}

int64_t logs_retention_cutoff_ms(int64_t now_ms, int64_t days) {
    if (days <= 0) return INT64_MIN;
    return now_ms - days * LOGS_DAY_MS;
}

/* ---- the sweep ---- */

struct retained {
    char account[13];
    char region[32];
    char *group;
    int64_t days;
};

struct retained_list {
    struct retained *r;
    int n, cap;
};

static int collect(void *ctx, const char *account, const char *region, const char *group, int64_t days) {
    struct retained_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->r = xrealloc(l->r, (size_t)l->cap * sizeof(*l->r));
    }
    struct retained *r = &l->r[l->n++];
    snprintf(r->account, sizeof(r->account), "%s", account);
    snprintf(r->region, sizeof(r->region), "%s", region);
    r->group = xstrdup(group);
    r->days = days;
    return 0;
}

/* Deletes GROUP's events before CUTOFF in batches. Returns how many, or
 * -1 when a write failed (the next tick tries again). */
static int64_t expire_group(struct store_scope s, const char *group, int64_t cutoff) {
    int64_t total = 0;
    for (;;) {
        int64_t oldest = 0;
        int rc = store_logs_oldest(s, group, &oldest);
        if (rc == STORE_NOTFOUND || (rc == STORE_OK && oldest >= cutoff)) return total;
        if (rc != STORE_OK || store_begin(1) != STORE_OK) return -1;
        int64_t n = 0;
        if (store_logs_expire(s, group, cutoff, LOGS_EXPIRE_BATCH, &n) != STORE_OK) {
            store_rollback();
            return -1;
        }
        if (store_commit() != STORE_OK) return -1;
        total += n;
        if (n < LOGS_EXPIRE_BATCH) return total;
    }
}

void logs_sweep(void) {
    int64_t now = clock_now_ms();
    struct retained_list l = {NULL, 0, 0};
    if (store_logs_retained(collect, &l) != STORE_OK)
        log_msg(LOG_WARN, "log retention sweep could not read the log groups; it will run again");
    for (int i = 0; i < l.n; i++) {
        struct store_scope s = {l.r[i].account, l.r[i].region};
        int64_t n = expire_group(s, l.r[i].group, logs_retention_cutoff_ms(now, l.r[i].days));
        if (n < 0) log_msg(LOG_WARN, "log retention sweep of %s failed; it will run again", l.r[i].group);
        else if (n > 0) log_msg(LOG_DEBUG, "expired %lld events of log group %s", (long long)n, l.r[i].group);
        free(l.r[i].group);
    }
    free(l.r);
}
