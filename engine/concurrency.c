/*
 * engine/concurrency.h: the decision (pure) and the counters (a small
 * hash table of named counters under one mutex; admission holds it only
 * to compare and increment).
 */
#include "engine/concurrency.h"
#include "base/clock.h"
#include "engine/config.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_lambda.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum conc_slot conc_decide(const struct conc_view *v, const char **reason) {
    if (v->pc_ready > 0 && v->pc_running < v->pc_ready) return CONC_PROVISIONED;
    int account_full = v->account_running >= v->account_limit;
    if (v->has_reserved) {
        if (v->fn_ondemand_running >= v->reserved - v->pc_function_total) {
            *reason = "ReservedFunctionConcurrentInvocationLimitExceeded";
            return CONC_THROTTLED;
        }
        if (!account_full) return CONC_RESERVED;
        *reason = "ConcurrentInvocationLimitExceeded";
        return CONC_THROTTLED;
    }
    int64_t pool = v->account_limit - v->sum_reserved - v->sum_pc_unreserved;
    if (v->unreserved_running < pool && !account_full) return CONC_UNRESERVED;
    /* AWS may answer account-pool throttles with either reason; the
     * account one is the documented meaning [docs/aws-reference.md I.3]. */
    *reason = "ConcurrentInvocationLimitExceeded";
    return CONC_THROTTLED;
}

/* ---- counters ---- */

struct counter {
    char *key;
    int64_t n;
    int64_t at_ms;      /* scaling buckets: when N was last refilled */
    struct counter *next;
};

/* Buckets of the counter table: functions and qualifiers in use at once
 * are few; 256 keeps chains short for thousands. */
#define CONC_BUCKETS 256

static struct counter *table[CONC_BUCKETS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static struct counter *counter(const char *key, int create) {
    uint32_t h = 2166136261u;
    for (const char *p = key; *p; p++) {
        h ^= (unsigned char)*p;
        h *= 16777619u;
    }
    struct counter **b = &table[h % CONC_BUCKETS];
    for (struct counter *c = *b; c; c = c->next)
        if (strcmp(c->key, key) == 0) return c;
    if (!create) return NULL;
    struct counter *c = xcalloc(1, sizeof(*c));
    c->key = xstrdup(key);
    c->next = *b;
    *b = c;
    return c;
}

static int64_t get(const char *key) {
    struct counter *c = counter(key, 0);
    return c ? c->n : 0;
}

static void add(const char *key, int64_t d) { counter(key, 1)->n += d; }

/* Counter names: "pc|" q_key, "od|" fn_key, "un|" scope_key, "all|"
 * scope_key, "fn|" fn_key (every execution of the function) and "q|"
 * q_key (every execution of the qualifier, for metrics). */
static void key(char *buf, size_t n, const char *kind, const char *k) { snprintf(buf, n, "%s|%s", kind, k); }

/* READY PC of the qualifier: the environments the provisioner allocated
 * for a PC config on the alias or version as invoked. */
static int64_t pc_ready(struct store_scope s, const char *name, const char *qualifier) {
    if (qualifier[0] == '\0' || strcmp(qualifier, "$LATEST") == 0) return 0;
    struct store_pc pc;
    if (store_pc_get(s, name, qualifier, &pc) != STORE_OK) return 0;
    return strcmp(pc.status, "READY") == 0 ? pc.allocated : 0;
}

int conc_acquire(const char *account, const char *region, const char *name,
                 const char *qualifier, struct conc_ticket *t, const char **reason) {
    memset(t, 0, sizeof(*t));
    struct store_scope s = {account, region};
    struct conc_view v;
    memset(&v, 0, sizeof(v));
    int own = sqlite3_get_autocommit(store_db());
    if (own) store_begin(0);
    struct store_fn fn;
    int rc = store_fn_get(s, name, &fn);
    if (rc == STORE_OK) {
        v.has_reserved = fn.has_reserved;
        v.reserved = fn.reserved;
        store_fn_clear(&fn);
        rc = store_pc_function_total(s, name, &v.pc_function_total);
    }
    if (rc == STORE_OK) rc = store_concurrency_totals(s, &v.sum_reserved, &v.sum_pc_unreserved);
    if (rc == STORE_OK) v.pc_ready = pc_ready(s, name, qualifier);
    if (own) store_rollback();
    if (rc != STORE_OK) return -1;
    v.account_limit = sluice_cfg.account_concurrency;
    snprintf(t->scope_key, sizeof(t->scope_key), "%s|%s", account, region);
    snprintf(t->fn_key, sizeof(t->fn_key), "%s|%s", t->scope_key, name);
    snprintf(t->q_key, sizeof(t->q_key), "%s|%s", t->fn_key,
             qualifier[0] ? qualifier : "$LATEST");
    char kpc[600], kod[420], kun[64], kall[64], kfn[420], kq[600];
    key(kpc, sizeof(kpc), "pc", t->q_key);
    key(kod, sizeof(kod), "od", t->fn_key);
    key(kun, sizeof(kun), "un", t->scope_key);
    key(kall, sizeof(kall), "all", t->scope_key);
    key(kfn, sizeof(kfn), "fn", t->fn_key);
    key(kq, sizeof(kq), "q", t->q_key);
    pthread_mutex_lock(&mu);
    v.pc_running = get(kpc);
    v.fn_ondemand_running = get(kod);
    v.unreserved_running = get(kun);
    v.account_running = get(kall);
    t->slot = conc_decide(&v, reason);
    switch (t->slot) {
    case CONC_PROVISIONED: add(kpc, 1); break;
    case CONC_RESERVED: add(kod, 1); break;
    case CONC_UNRESERVED:
        add(kod, 1);
        add(kun, 1);
        break;
    case CONC_THROTTLED: break;
    }
    if (t->slot != CONC_THROTTLED) {
        add(kall, 1);
        add(kfn, 1);
        add(kq, 1);
    }
    t->pc_ready = v.pc_ready;
    t->pc_running = get(kpc);
    t->q_running = get(kq);
    t->fn_running = get(kfn);
    t->unreserved_running = get(kun);
    t->account_running = get(kall);
    pthread_mutex_unlock(&mu);
    return t->slot == CONC_THROTTLED ? 1 : 0;
}

void conc_release(struct conc_ticket *t) {
    if (t->slot == CONC_THROTTLED) return;
    char kpc[600], kod[420], kun[64], kall[64], kfn[420], kq[600];
    key(kq, sizeof(kq), "q", t->q_key);
    key(kpc, sizeof(kpc), "pc", t->q_key);
    key(kod, sizeof(kod), "od", t->fn_key);
    key(kun, sizeof(kun), "un", t->scope_key);
    key(kall, sizeof(kall), "all", t->scope_key);
    key(kfn, sizeof(kfn), "fn", t->fn_key);
    pthread_mutex_lock(&mu);
    if (t->slot == CONC_PROVISIONED) add(kpc, -1);
    if (t->slot == CONC_RESERVED || t->slot == CONC_UNRESERVED) add(kod, -1);
    if (t->slot == CONC_UNRESERVED) add(kun, -1);
    add(kall, -1);
    add(kfn, -1);
    add(kq, -1);
    pthread_mutex_unlock(&mu);
    t->slot = CONC_THROTTLED;
}

int64_t conc_running(const char *account, const char *region, const char *name) {
    char k[480];
    if (name) snprintf(k, sizeof(k), "fn|%s|%s|%s", account, region, name);
    else snprintf(k, sizeof(k), "all|%s|%s", account, region);
    pthread_mutex_lock(&mu);
    int64_t n = get(k);
    pthread_mutex_unlock(&mu);
    return n;
}

/* Scaling rate (docs/aws-reference.md E): each function has a bucket of RATE new
 * environments, refilled continuously at RATE per 10 s of clock time and
 * never above RATE (unused capacity is not banked). Kept in thousandths
 * of an environment so that slow refills are not lost to rounding. */
int conc_scale_take(const char *account, const char *region, const char *name, int64_t rate,
                    int64_t now_ms) {
    char k[480];
    snprintf(k, sizeof(k), "sr|%s|%s|%s", account, region, name);
    int64_t cap = rate * 1000;
    pthread_mutex_lock(&mu);
    struct counter *c = counter(k, 0);
    if (c == NULL) {
        c = counter(k, 1);
        c->n = cap;
        c->at_ms = now_ms;
    }
    /* POST /_sluice/reset?clock=1 may set the clock back: refill from now. */
    if (now_ms < c->at_ms) c->at_ms = now_ms;
    if (now_ms > c->at_ms) {
        /* RATE per 10,000 ms is RATE/10 thousandths per ms. */
        int64_t dt = now_ms - c->at_ms;
        int64_t add_milli = dt > 10000 ? cap : dt * rate / 10;
        c->n = c->n + add_milli > cap ? cap : c->n + add_milli;
        c->at_ms = now_ms;
    }
    int ok = c->n >= 1000;
    if (ok) c->n -= 1000;
    pthread_mutex_unlock(&mu);
    return ok;
}
