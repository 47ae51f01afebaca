/*
 * GET /_sluice/ui/state[?account=A][&region=R][&minutes=N] (issue 18):
 * everything the dashboard shows, in one JSON object read in one
 * snapshot with one statement per kind of row (storage/store_ui.h), so a
 * page polling it every second stays cheap with hundreds of functions and
 * mappings. Useful on its own to scripts: the README documents the shape.
 */
#include "server/router.h"
#include "server/admin_ui.h"
#include "api/aws_error.h"
#include "base/clock.h"
#include "base/util.h"
#include "engine/concurrency.h"
#include "engine/config.h"
#include "engine/metrics.h"
#include "storage/store.h"
#include "storage/store_ui.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The per-minute series cover at most this many minutes back: an hour
 * of one-minute points is what a class looks back on, and keeps the
 * reply small whatever the retention (15 days). */
#define UI_MAX_MINUTES 60
#define UI_DEFAULT_MINUTES 15

/* The metrics the per-minute series carry (the charts' and a script's
 * view of throttling and provisioned concurrency over time). */
static const char *const series_metrics[] = {"Throttles", "Invocations", "ConcurrentExecutions",
                                             "ProvisionedConcurrencySpilloverInvocations",
                                             "ProvisionedConcurrencyUtilization", "IteratorAge"};

struct fn_slot {
    const char *name;   /* borrowed from the tree */
    cJSON *fn;
};

struct state {
    struct store_scope s;
    int64_t now;
    cJSON *functions;   /* array */
    struct fn_slot *slots;
    int nslots, capslots;
    cJSON *account_metrics;
    cJSON *series;
    cJSON *mappings;    /* array */
    cJSON *cur_map;     /* the mapping the last row belonged to */
    cJSON *streams;     /* array */
    cJSON *invocations; /* array */
    cJSON *stack_events; /* array */
    int64_t sum_reserved, sum_pc_unreserved;
};

static int slot_cmp(const void *k, const void *e) {
    return strcmp(k, ((const struct fn_slot *)e)->name);
}

/* The function NAME's object, or NULL (slots are in name order). */
static cJSON *fn_find(struct state *st, const char *name) {
    struct fn_slot *f = bsearch(name, st->slots, (size_t)st->nslots, sizeof(*st->slots), slot_cmp);
    return f ? f->fn : NULL;
}

static int add_fn(void *ctx, const char *name, int64_t reserved, const char *runtime, int64_t versions) {
    struct state *st = ctx;
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "name", name);
    cJSON_AddStringToObject(f, "runtime", runtime);
    if (reserved >= 0) cJSON_AddNumberToObject(f, "reserved", (double)reserved);
    else cJSON_AddNullToObject(f, "reserved");
    cJSON_AddNumberToObject(f, "versions", (double)versions);
    cJSON_AddNumberToObject(f, "running", (double)conc_running(st->s.account, st->s.region, name));
    cJSON_AddArrayToObject(f, "aliases");
    cJSON_AddArrayToObject(f, "provisioned");
    cJSON_AddObjectToObject(f, "metrics");
    cJSON_AddObjectToObject(f, "qualifiers");
    cJSON_AddItemToArray(st->functions, f);
    if (st->nslots == st->capslots) {
        st->capslots = st->capslots ? st->capslots * 2 : 32;
        st->slots = xrealloc(st->slots, (size_t)st->capslots * sizeof(*st->slots));
    }
    st->slots[st->nslots].name = cJSON_GetObjectItemCaseSensitive(f, "name")->valuestring;
    st->slots[st->nslots++].fn = f;
    if (reserved >= 0) st->sum_reserved += reserved;
    return 0;
}

static int add_alias(void *ctx, const char *name, const char *alias, const char *version) {
    cJSON *f = fn_find(ctx, name);
    if (f == NULL) return 0;
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "name", alias);
    cJSON_AddStringToObject(a, "version", version);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(f, "aliases"), a);
    return 0;
}

static int add_pc(void *ctx, const char *name, const struct store_pc *pc) {
    struct state *st = ctx;
    cJSON *f = fn_find(st, name);
    if (f == NULL) return 0;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "qualifier", pc->qualifier);
    cJSON_AddNumberToObject(p, "requested", pc->requested);
    cJSON_AddNumberToObject(p, "allocated", pc->allocated);
    cJSON_AddStringToObject(p, "status", pc->status);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(f, "provisioned"), p);
    cJSON *total = cJSON_GetObjectItemCaseSensitive(f, "pc_total");
    if (total) cJSON_SetNumberValue(total, total->valuedouble + pc->requested);
    else cJSON_AddNumberToObject(f, "pc_total", pc->requested);
    if (cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(f, "reserved"))) st->sum_pc_unreserved += pc->requested;
    return 0;
}

/* Where a metric row's dimensions put it: the account (""), a function
 * (FunctionName=F) or one of its qualifiers (FunctionName=F,Resource=F:Q);
 * NULL for the ExecutedVersion sets and anything else. */
static cJSON *metric_home(struct state *st, const char *dims) {
    if (dims[0] == '\0') return st->account_metrics;
    char buf[1024];
    const char *names[3], *values[3];
    int n = metric_dims_split(dims, buf, sizeof(buf), names, values, 3);
    if (n < 1 || strcmp(names[0], "FunctionName") != 0) return NULL;
    cJSON *f = fn_find(st, values[0]);
    if (f == NULL) return NULL;
    if (n == 1) return cJSON_GetObjectItemCaseSensitive(f, "metrics");
    if (n != 2 || strcmp(names[1], "Resource") != 0) return NULL;
    const char *q = strchr(values[1], ':');
    if (q == NULL) return NULL;
    cJSON *qs = cJSON_GetObjectItemCaseSensitive(f, "qualifiers");
    cJSON *home = cJSON_GetObjectItemCaseSensitive(qs, q + 1);
    return home ? home : cJSON_AddObjectToObject(qs, q + 1);
}

/* A statistic set as /_sluice/metrics words it: counts summed, gauges
 * as their maximum, times as {sum, count, min, max, average}. */
static cJSON *metric_value(int id, double sum, double count, double min, double max) {
    if (metric_kind((enum metric_id)id) == METRIC_KIND_SUM) return cJSON_CreateNumber(sum);
    if (metric_kind((enum metric_id)id) == METRIC_KIND_MAX) return cJSON_CreateNumber(max);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "sum", sum);
    cJSON_AddNumberToObject(o, "count", count);
    cJSON_AddNumberToObject(o, "min", min);
    cJSON_AddNumberToObject(o, "max", max);
    cJSON_AddNumberToObject(o, "average", count > 0 ? sum / count : 0);
    return o;
}

static int add_total(void *ctx, const char *metric, const char *dims, int64_t minute_ms, double sum, double count,
                     double min, double max) {
    (void)minute_ms;
    int id = metric_by_name(metric);
    cJSON *home = metric_home(ctx, dims);
    if (id < 0 || home == NULL) return 0;
    cJSON_AddItemToObject(home, metric, metric_value(id, sum, count, min, max));
    return 0;
}

/* Per-minute points: series[dims][metric] = [[minute_ms, value], ...]. */
static int add_point(void *ctx, const char *metric, const char *dims, int64_t minute_ms, double sum, double count,
                     double min, double max) {
    struct state *st = ctx;
    int id = metric_by_name(metric), wanted = 0;
    for (size_t i = 0; i < sizeof(series_metrics) / sizeof(series_metrics[0]); i++)
        wanted |= strcmp(series_metrics[i], metric) == 0;
    if (id < 0 || !wanted || strstr(dims, "ExecutedVersion=")) return 0;
    cJSON *d = cJSON_GetObjectItemCaseSensitive(st->series, dims);
    if (d == NULL) d = cJSON_AddObjectToObject(st->series, dims);
    cJSON *m = cJSON_GetObjectItemCaseSensitive(d, metric);
    if (m == NULL) m = cJSON_AddArrayToObject(d, metric);
    cJSON *v = metric_value(id, sum, count, min, max);
    if (cJSON_IsObject(v)) {   /* times: the minute's maximum */
        cJSON_Delete(v);
        v = cJSON_CreateNumber(max);
    }
    cJSON *pt = cJSON_CreateArray();
    cJSON_AddItemToArray(pt, cJSON_CreateNumber((double)minute_ms));
    cJSON_AddItemToArray(pt, v);
    cJSON_AddItemToArray(m, pt);
    return 0;
}

/* The reason AWS gives a throttle of F's on-demand invocations
 * (docs/aws-reference.md E, engine/concurrency.h), and the on-demand
 * executions F may have: its reserved concurrency less its provisioned,
 * else the account's unreserved pool. */
static void add_limits(cJSON *f, int64_t pool) {
    cJSON *r = cJSON_GetObjectItemCaseSensitive(f, "reserved");
    cJSON *pc = cJSON_GetObjectItemCaseSensitive(f, "pc_total");
    int64_t pct = pc ? (int64_t)pc->valuedouble : 0;
    if (pc == NULL) cJSON_AddNumberToObject(f, "pc_total", 0);
    if (cJSON_IsNumber(r)) {
        int64_t od = (int64_t)r->valuedouble - pct;
        cJSON_AddNumberToObject(f, "on_demand_limit", (double)(od > 0 ? od : 0));
        cJSON_AddStringToObject(f, "throttle_reason", "ReservedFunctionConcurrentInvocationLimitExceeded");
    } else {
        cJSON_AddNumberToObject(f, "on_demand_limit", (double)(pool > 0 ? pool : 0));
        cJSON_AddStringToObject(f, "throttle_reason", "ConcurrentInvocationLimitExceeded");
    }
}

/* Recent invocations listed: enough to see a class's last few batches. */
#define UI_MAX_INVOCATIONS 20

/* Copies the value after "NAME: " in REPORT line MSG (up to a tab or
 * the end) into OUT; "" when absent. */
static void report_field(const char *msg, const char *name, char *out, size_t n) {
    char key[48];
    snprintf(key, sizeof(key), "%s: ", name);
    const char *p = strstr(msg, key);
    out[0] = '\0';
    if (p == NULL) return;
    p += strlen(key);
    size_t len = strcspn(p, "\t\n");
    snprintf(out, n, "%.*s", (int)(len < n ? len : n - 1), p);
}

static int add_report(void *ctx, const char *group, const char *stream, int64_t ts, const char *message) {
    struct state *st = ctx;
    const char *report = strstr(message, "REPORT RequestId: ");
    if (report) message = report;   /* the END line comes first in the event */
    cJSON *o = cJSON_CreateObject();
    char iso[40], v[128];
    util_iso_time(ts, iso, sizeof(iso));
    cJSON_AddStringToObject(o, "time", iso);
    cJSON_AddStringToObject(o, "function", strncmp(group, "/aws/lambda/", 12) == 0 ? group + 12 : group);
    cJSON_AddStringToObject(o, "log_group", group);
    cJSON_AddStringToObject(o, "log_stream", stream);
    report_field(message, "RequestId", v, sizeof(v));
    cJSON_AddStringToObject(o, "request_id", v);
    report_field(message, "Duration", v, sizeof(v));
    cJSON_AddNumberToObject(o, "duration_ms", strtod(v, NULL));
    report_field(message, "Init Duration", v, sizeof(v));
    if (v[0]) cJSON_AddNumberToObject(o, "init_duration_ms", strtod(v, NULL));
    report_field(message, "Status", v, sizeof(v));
    if (v[0]) cJSON_AddStringToObject(o, "status", v);
    else cJSON_AddNullToObject(o, "status");
    report_field(message, "Error Type", v, sizeof(v));
    if (v[0]) cJSON_AddStringToObject(o, "error_type", v);
    cJSON_AddItemToArray(st->invocations, o);
    return 0;
}

/* Recent CloudFormation stack events listed: one deploy's worth. */
#define UI_MAX_STACK_EVENTS 30

static int add_stack_event(void *ctx, const char *stack, const char *logical_id, const char *type,
                           const char *status, const char *reason, int64_t ts_ms) {
    struct state *st = ctx;
    cJSON *o = cJSON_CreateObject();
    char iso[40];
    util_iso_time(ts_ms, iso, sizeof(iso));
    cJSON_AddStringToObject(o, "time", iso);
    cJSON_AddStringToObject(o, "stack", stack ? stack : "");
    cJSON_AddStringToObject(o, "logical_id", logical_id ? logical_id : "");
    cJSON_AddStringToObject(o, "type", type ? type : "");
    cJSON_AddStringToObject(o, "status", status ? status : "");
    if (reason && reason[0]) cJSON_AddStringToObject(o, "reason", reason);
    else cJSON_AddNullToObject(o, "reason");
    cJSON_AddItemToArray(st->stack_events, o);
    return 0;
}

static int add_stream(void *ctx, const char *arn, const char *table) {
    struct state *st = ctx;
    cJSON *a = NULL;
    int rc = admin_audit_read(arn, &a);
    if (rc == STORE_NOTFOUND) return 0;
    if (rc != STORE_OK) return 1;
    cJSON_AddStringToObject(a, "table", table);
    cJSON_AddItemToArray(st->streams, a);
    return 0;
}

/* Reads everything inside one read transaction into O. Returns STORE_OK
 * or an error. */
static int read_all(struct state *st, cJSON *o, int minutes) {
    if (store_begin(0) != STORE_OK) return STORE_ERR;
    int rc = store_ui_functions(st->s, add_fn, st);
    if (rc == STORE_OK) rc = store_ui_aliases(st->s, add_alias, st);
    if (rc == STORE_OK) rc = store_ui_pcs(st->s, add_pc, st);
    if (rc == STORE_OK) rc = store_ui_metrics(st->s, -1, add_total, st);
    if (rc == STORE_OK)
        rc = store_ui_metrics(st->s, metric_minute(st->now) - (int64_t)(minutes - 1) * 60000, add_point, st);
    if (rc == STORE_OK) rc = admin_ui_mappings(st->s, st->now, st->mappings);
    if (rc == STORE_OK) rc = store_ui_streams(st->s, add_stream, st);
    if (rc == STORE_OK)
        rc = store_ui_reports(st->s, st->now - (int64_t)minutes * 60000, UI_MAX_INVOCATIONS, add_report, st);
    if (rc == STORE_OK) rc = store_ui_stack_events(st->s, UI_MAX_STACK_EVENTS, add_stack_event, st);
    store_rollback();
    if (rc != STORE_OK) return rc;
    int64_t pool = (int64_t)sluice_cfg.account_concurrency - st->sum_reserved - st->sum_pc_unreserved;
    cJSON *c = cJSON_AddObjectToObject(o, "concurrency");
    cJSON_AddNumberToObject(c, "account_limit", sluice_cfg.account_concurrency);
    cJSON_AddNumberToObject(c, "reserved_total", (double)st->sum_reserved);
    cJSON_AddNumberToObject(c, "provisioned_unreserved_total", (double)st->sum_pc_unreserved);
    cJSON_AddNumberToObject(c, "unreserved_pool", (double)(pool > 0 ? pool : 0));
    cJSON_AddNumberToObject(c, "running", (double)conc_running(st->s.account, st->s.region, NULL));
    for (int i = 0; i < st->nslots; i++) add_limits(st->slots[i].fn, pool);
    return STORE_OK;
}

static int bad(struct req *req, const char *what, const char *why) {
    req->err = NULL;
    return req_fail(req, &AWSERR_ADMIN_BAD_REQUEST, "%.100s %s", what, why);
}

int admin_ui_state(struct req *req) {
    const char *account = req->account, *region = req->region;
    int minutes = UI_DEFAULT_MINUTES;
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].name, *v = req->query[i].value;
        if (strcmp(k, "account") == 0) account = v;
        else if (strcmp(k, "region") == 0) region = v;
        else if (strcmp(k, "minutes") == 0) {
            char *end = NULL;
            long n = strtol(v, &end, 10);
            if (v[0] == '\0' || *end || n < 1 || n > UI_MAX_MINUTES) return bad(req, "minutes", "must be 1 to 60");
            minutes = (int)n;
        } else return bad(req, k, "is not a parameter of /_sluice/ui/state (account, region, minutes)");
    }
    if (strlen(account) != 12 || strspn(account, "0123456789") != 12) return bad(req, "account", "must be 12 digits");
    if (region[0] == '\0' || strlen(region) > 31 ||
        strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region))
        return bad(req, "region", "is not a region name");
    if (metric_flush() != 0) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not read metrics");
    struct state st = {.s = {account, region}, .now = clock_now_ms()};
    cJSON *o = cJSON_CreateObject();
    char iso[40];
    util_iso_time(st.now, iso, sizeof(iso));
    cJSON *clk = cJSON_AddObjectToObject(o, "clock");
    cJSON_AddNumberToObject(clk, "now_ms", (double)st.now);
    cJSON_AddStringToObject(clk, "now", iso);
    cJSON_AddNumberToObject(clk, "offset_ms", (double)clock_offset_ms());
    cJSON_AddStringToObject(o, "account", account);
    cJSON_AddStringToObject(o, "region", region);
    cJSON_AddNumberToObject(o, "minutes", minutes);
    st.functions = cJSON_AddArrayToObject(o, "functions");
    st.account_metrics = cJSON_AddObjectToObject(o, "account_metrics");
    st.series = cJSON_AddObjectToObject(o, "series");
    st.mappings = cJSON_AddArrayToObject(o, "mappings");
    st.streams = cJSON_AddArrayToObject(o, "streams");
    st.invocations = cJSON_AddArrayToObject(o, "invocations");
    st.stack_events = cJSON_AddArrayToObject(o, "stack_events");
    int rc = read_all(&st, o, minutes);
    free(st.slots);
    if (rc != STORE_OK) {
        cJSON_Delete(o);
        return req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not read the state");
    }
    return req_reply_json(req, 200, o);
}
