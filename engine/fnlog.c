/*
 * engine/fnlog.h: the lines Lambda writes around an invocation, the Tail
 * text and the log events of a stream. The only place that formats START,
 * END and REPORT; the invoker and the provisioner call it.
 */
#include "engine/fnlog.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/util.h"
#include "runtime/env.h"
#include "storage/store.h"
#include "storage/store_logs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fnlog_start(char *buf, size_t n, const char *request_id, const char *version) {
    snprintf(buf, n, "START RequestId: %s Version: %s\n", request_id, version);
}

void fnlog_end_report(char *buf, size_t n, const struct fnlog_report *r) {
    double billed = ceil(r->duration_ms);
    char last[192] = "";
    if (r->error_type) {
        snprintf(last, sizeof(last), "Status: error\tError Type: %s\t", r->error_type);
    } else {
        if (billed <= 0) billed = 1;
        if (r->init_ms >= 0) snprintf(last, sizeof(last), "Init Duration: %.2f ms\t", r->init_ms);
    }
    snprintf(buf, n,
             "END RequestId: %s\nREPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %lld ms\t"
             "Memory Size: %d MB\tMax Memory Used: %d MB\t%s\n",
             r->request_id, r->request_id, r->duration_ms, (long long)billed, r->memory_mb,
             r->max_memory_mb, last);
}

void fnlog_timeout_line(char *buf, size_t n, int64_t wall_ms, const char *request_id,
                        double timeout_s) {
    char iso[40];
    util_iso_time(wall_ms, iso, sizeof(iso));
    snprintf(buf, n, "%s %s Task timed out after %.2f seconds\n\n", iso, request_id, timeout_s);
}

/* Length of OUT[0..N) up to its first NUL. */
static size_t out_len(const char *out, size_t n) {
    return out ? strnlen(out, n) : 0;
}

char *fnlog_join(const struct fnlog_text *t) {
    size_t ninit = out_len(t->init, t->ninit), ncall = out_len(t->call, t->ncall);
    /* A line end is added after an output whose last byte is not one. */
    int nl_init = !t->as_read && t->ninit && t->init[t->ninit - 1] != '\n';
    int nl_call = !t->as_read && t->ncall && t->call[t->ncall - 1] != '\n';
    const char *timeout = t->timeout ? t->timeout : "";
    size_t nstart = strlen(t->start), ntimeout = strlen(timeout), nreport = strlen(t->report);
    char *z = xmalloc(nstart + ninit + 1 + ncall + 1 + ntimeout + nreport + 1);
    size_t k = 0;
    memcpy(z + k, t->start, nstart);
    k += nstart;
    if (ninit) memcpy(z + k, t->init, ninit);
    k += ninit;
    if (nl_init) z[k++] = '\n';
    if (ncall) memcpy(z + k, t->call, ncall);
    k += ncall;
    if (nl_call) z[k++] = '\n';
    memcpy(z + k, timeout, ntimeout);
    k += ntimeout;
    memcpy(z + k, t->report, nreport);
    k += nreport;
    z[k] = '\0';
    return z;
}

char *fnlog_tail(const char *text, size_t n) {
    size_t from = n > FNLOG_TAIL_BYTES ? n - FNLOG_TAIL_BYTES : 0;
    return util_b64_encode(text + from, n - from);
}

static void events_add(struct fnlog_events *e, const char *line, size_t n, int64_t ts) {
    if (e->n == e->cap) {
        e->cap = e->cap ? e->cap * 2 : 16;
        e->msg = xrealloc(e->msg, (size_t)e->cap * sizeof(*e->msg));
        e->ts = xrealloc(e->ts, (size_t)e->cap * sizeof(*e->ts));
    }
    e->msg[e->n] = xstrndup(line, n);
    e->ts[e->n] = ts;
    e->n++;
}

void fnlog_add_output(struct fnlog_events *e, const char *text, size_t n,
                      const struct env_mark *marks, int nmarks, int64_t offset_ms, int64_t dflt) {
    size_t pos = 0;
    int m = 0;
    while (pos < n) {
        const char *nl = memchr(text + pos, '\n', n - pos);
        size_t len = nl ? (size_t)(nl - (text + pos)) : n - pos;
        while (m + 1 < nmarks && marks[m + 1].off <= pos) m++;
        int64_t ts = nmarks && marks[m].off <= pos ? marks[m].ms + offset_ms : dflt;
        if (len > 0) events_add(e, text + pos, len, ts);
        pos += len + 1;
    }
}

void fnlog_add_text(struct fnlog_events *e, const char *text, int64_t ts) {
    fnlog_add_output(e, text, strlen(text), NULL, 0, 0, ts);
}

void fnlog_events_clear(struct fnlog_events *e) {
    for (int i = 0; i < e->n; i++) free(e->msg[i]);
    free(e->msg);
    free(e->ts);
    memset(e, 0, sizeof(*e));
}

void fnlog_write(struct store_scope sc, const char *function, const char *stream,
                 struct fnlog_events *e) {
    char group[160];
    snprintf(group, sizeof(group), "/aws/lambda/%s", function);
    if (e->n && store_logs_append(sc, group, stream, e->n, (const char *const *)e->msg, e->ts,
                                  clock_now_ms()) != STORE_OK)
        log_msg(LOG_WARN, "could not store the log of %s", function);
    fnlog_events_clear(e);
}
