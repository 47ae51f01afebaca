/*
 * Unit tests for engine/metrics.c and storage/store_metrics.c:
 *
 *   - canonical dimension text (sorted, refused characters, round trip);
 *   - minute bucketing by the virtual clock;
 *   - aggregation: samples fold into one statistic set per (metric,
 *     dimensions, minute), flushes merge with what is stored, and a
 *     clock move starts a new minute;
 *   - the invocation helpers put exactly AWS's dimension sets;
 *   - IteratorAge (for the mappings issue) on FunctionName and Resource;
 *   - retention: metric_tick prunes minutes older than 15 days;
 *   - many threads recording at once lose nothing.
 *
 * Each test runs in its own forked child with a fresh database (checked
 * fixture), so the in-memory table and the clock never leak.
 */
#include "base/clock.h"
#include "engine/concurrency.h"
#include "engine/metrics.h"
#include "storage/store.h"
#include "storage/store_metrics.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ACCOUNT "123456789012"
#define REGION "us-east-1"

static const struct store_scope S = {ACCOUNT, REGION};

static char basedir[PATH_MAX];
static char tmpdir[PATH_MAX + 16];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_rf(const char *path) { nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

static void setup(void) {
    snprintf(tmpdir, sizeof(tmpdir), "%s/t-XXXXXX", basedir);
    ck_assert_msg(mkdtemp(tmpdir) != NULL, "mkdtemp: %s", strerror(errno));
    ck_assert_int_eq(store_init(tmpdir, 0), STORE_OK);
}

static void teardown(void) {
    store_shutdown();
    rm_rf(tmpdir);
}

/* Totals of METRIC on DIMS after a flush; count -1 when there is no row. */
static struct store_metric_row total(const char *metric, const char *dims) {
    ck_assert_int_eq(metric_flush(), 0);
    struct store_metric_row t;
    int rc = store_metrics_total(S, metric, dims, &t);
    if (rc == STORE_NOTFOUND) t.count = -1;
    else ck_assert_int_eq(rc, STORE_OK);
    return t;
}

struct rows {
    int n;
    int64_t minute[16];
    double sum[16];
};

static int collect(void *ctx, const struct store_metric_row *r) {
    struct rows *c = ctx;
    if (c->n < 16) {
        c->minute[c->n] = r->minute_ms;
        c->sum[c->n] = r->sum;
    }
    c->n++;
    return 0;
}

/* ---- dimension text ---- */

START_TEST(dims_sorted) {
    const char *n[3] = {"Resource", "FunctionName", "ExecutedVersion"};
    const char *v[3] = {"f:live", "f", "3"};
    char out[256];
    ck_assert_int_eq(metric_dims(n, v, 3, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "ExecutedVersion=3,FunctionName=f,Resource=f:live");
    ck_assert_int_eq(metric_dims(n, v, 0, out, sizeof(out)), 0);
    ck_assert_str_eq(out, "");
    const char *bad[1] = {"a,b"};
    ck_assert_int_eq(metric_dims(n, bad, 1, out, sizeof(out)), -1);
    const char *bad2[1] = {"a=b"};
    ck_assert_int_eq(metric_dims(bad2, v, 1, out, sizeof(out)), -1);
    ck_assert_int_eq(metric_dims(n, v, 3, out, 10), -1);
}
END_TEST

START_TEST(dims_split) {
    char buf[128];
    const char *n[4], *v[4];
    ck_assert_int_eq(metric_dims_split("FunctionName=f,Resource=f:1", buf, sizeof(buf), n, v, 4), 2);
    ck_assert_str_eq(n[0], "FunctionName");
    ck_assert_str_eq(v[0], "f");
    ck_assert_str_eq(n[1], "Resource");
    ck_assert_str_eq(v[1], "f:1");
    ck_assert_int_eq(metric_dims_split("", buf, sizeof(buf), n, v, 4), 0);
    ck_assert_int_eq(metric_dims_split("a=1,b=2", buf, sizeof(buf), n, v, 1), -1);
    ck_assert_int_eq(metric_dims_split("nope", buf, sizeof(buf), n, v, 4), -1);
}
END_TEST

START_TEST(minute_floor) {
    ck_assert_int_eq(metric_minute(0), 0);
    ck_assert_int_eq(metric_minute(59999), 0);
    ck_assert_int_eq(metric_minute(60000), 60000);
    ck_assert_int_eq(metric_minute(1700000012345LL), 1699999980000LL);
    ck_assert_int_eq(metric_minute(-1), -60000);
}
END_TEST

START_TEST(names) {
    ck_assert_int_eq(metric_by_name("Throttles"), METRIC_THROTTLES);
    ck_assert_int_eq(metric_by_name("IteratorAge"), METRIC_ITERATOR_AGE);
    ck_assert_int_eq(metric_by_name("ColdStarts"), -1);
    for (int i = 0; i < METRIC_COUNT; i++) {
        ck_assert_ptr_nonnull(metric_name((enum metric_id)i));
        ck_assert_int_eq(metric_by_name(metric_name((enum metric_id)i)), i);
    }
    ck_assert_str_eq(metric_unit(METRIC_DURATION), "Milliseconds");
    ck_assert_str_eq(metric_unit(METRIC_INVOCATIONS), "Count");
}
END_TEST

/* ---- aggregation ---- */

START_TEST(folds_per_minute) {
    metric_put(ACCOUNT, REGION, METRIC_DURATION, "FunctionName=f", 10);
    metric_put(ACCOUNT, REGION, METRIC_DURATION, "FunctionName=f", 30);
    metric_put(ACCOUNT, REGION, METRIC_DURATION, "FunctionName=f", 20);
    metric_put(ACCOUNT, REGION, METRIC_DURATION, "FunctionName=g", 99);
    struct store_metric_row t = total("Duration", "FunctionName=f");
    ck_assert_double_eq(t.sum, 60);
    ck_assert_double_eq(t.count, 3);
    ck_assert_double_eq(t.min, 10);
    ck_assert_double_eq(t.max, 30);
    /* Another batch for the same minute merges into the stored row. */
    metric_put(ACCOUNT, REGION, METRIC_DURATION, "FunctionName=f", 5);
    t = total("Duration", "FunctionName=f");
    ck_assert_double_eq(t.sum, 65);
    ck_assert_double_eq(t.count, 4);
    ck_assert_double_eq(t.min, 5);
    ck_assert_double_eq(t.max, 30);
    struct rows r = {0};
    ck_assert_int_eq(store_metrics_range(S, "Duration", "FunctionName=f", 0, INT64_MAX, collect, &r), STORE_OK);
    ck_assert_int_eq(r.n, 1);
    /* Another account sees nothing. */
    struct store_metric_row o;
    struct store_scope other = {"000000000000", REGION};
    ck_assert_int_eq(store_metrics_total(other, "Duration", "FunctionName=f", &o), STORE_NOTFOUND);
}
END_TEST

START_TEST(clock_moves_minutes) {
    metric_put(ACCOUNT, REGION, METRIC_INVOCATIONS, "FunctionName=f", 1);
    clock_advance_ms(60000);
    metric_put(ACCOUNT, REGION, METRIC_INVOCATIONS, "FunctionName=f", 1);
    metric_put(ACCOUNT, REGION, METRIC_INVOCATIONS, "FunctionName=f", 1);
    clock_advance_ms(3 * 60000);
    metric_put(ACCOUNT, REGION, METRIC_INVOCATIONS, "FunctionName=f", 1);
    ck_assert_int_eq(metric_flush(), 0);
    struct rows r = {0};
    ck_assert_int_eq(store_metrics_range(S, "Invocations", "FunctionName=f", 0, INT64_MAX, collect, &r), STORE_OK);
    ck_assert_int_eq(r.n, 3);
    ck_assert_double_eq(r.sum[0], 1);
    ck_assert_double_eq(r.sum[1], 2);
    ck_assert_double_eq(r.sum[2], 1);
    ck_assert_int_eq(r.minute[1] - r.minute[0], 60000);
    ck_assert_int_eq(r.minute[2] - r.minute[1], 3 * 60000);
    ck_assert_int_eq(r.minute[2], metric_minute(clock_now_ms()));
}
END_TEST

START_TEST(invocation_dimension_sets) {
    struct metric_target t = {ACCOUNT, REGION, "f", "live", "3"};
    metric_invoked(&t, 0, 12.5);
    metric_invoked(&t, 1, 7.5);
    struct metric_target u = {ACCOUNT, REGION, "f", "", "$LATEST"};
    metric_invoked(&u, 0, 1);
    metric_throttled(&t);
    metric_throttled(&u);
    ck_assert_double_eq(total("Invocations", "FunctionName=f").sum, 3);
    ck_assert_double_eq(total("Invocations", "FunctionName=f,Resource=f:live").sum, 2);
    ck_assert_double_eq(total("Invocations", "ExecutedVersion=3,FunctionName=f,Resource=f:live").sum, 2);
    ck_assert_double_eq(total("Invocations", "").sum, 3);
    ck_assert_double_eq(total("Errors", "FunctionName=f").sum, 1);
    ck_assert_double_eq(total("Errors", "FunctionName=f").count, 3);
    struct store_metric_row d = total("Duration", "FunctionName=f,Resource=f:live");
    ck_assert_double_eq(d.sum, 20);
    ck_assert_double_eq(d.min, 7.5);
    ck_assert_double_eq(d.max, 12.5);
    ck_assert_double_eq(total("Throttles", "FunctionName=f").sum, 2);
    ck_assert_double_eq(total("Throttles", "FunctionName=f,Resource=f:live").sum, 1);
    ck_assert_double_eq(total("Throttles", "").sum, 2);
    /* Throttles never carry ExecutedVersion; nothing ran. */
    ck_assert_double_eq(total("Throttles", "ExecutedVersion=3,FunctionName=f,Resource=f:live").count, -1);
    /* An unqualified call has no Resource set. */
    ck_assert_double_eq(total("Invocations", "FunctionName=f,Resource=f:").count, -1);
}
END_TEST

START_TEST(admitted_gauges_and_pc) {
    struct metric_target t = {ACCOUNT, REGION, "f", "live", "1"};
    struct conc_ticket k;
    memset(&k, 0, sizeof(k));
    k.slot = CONC_PROVISIONED;
    k.pc_ready = 4;
    k.pc_running = 1;
    k.q_running = 1;
    k.fn_running = 2;
    k.account_running = 5;
    metric_admitted(&t, &k);
    k.pc_running = 3;
    k.q_running = 3;
    k.fn_running = 4;
    k.account_running = 6;
    metric_admitted(&t, &k);
    k.slot = CONC_UNRESERVED;
    k.unreserved_running = 2;
    metric_admitted(&t, &k);
    const char *res = "FunctionName=f,Resource=f:live";
    ck_assert_double_eq(total("ConcurrentExecutions", "").max, 6);
    ck_assert_double_eq(total("ConcurrentExecutions", "FunctionName=f").max, 4);
    ck_assert_double_eq(total("ConcurrentExecutions", res).max, 3);
    ck_assert_double_eq(total("UnreservedConcurrentExecutions", "").max, 2);
    ck_assert_double_eq(total("ProvisionedConcurrencyInvocations", res).sum, 2);
    ck_assert_double_eq(total("ProvisionedConcurrencySpilloverInvocations", res).sum, 1);
    ck_assert_double_eq(total("ProvisionedConcurrentExecutions", res).max, 3);
    ck_assert_double_eq(total("ProvisionedConcurrencyUtilization", res).max, 0.75);
    ck_assert_double_eq(total("ProvisionedConcurrencyUtilization", res).min, 0.25);
}
END_TEST

START_TEST(iterator_age) {
    metric_iterator_age(ACCOUNT, REGION, "f", "", 1500);
    metric_iterator_age(ACCOUNT, REGION, "f", "live", 500);
    struct store_metric_row t = total("IteratorAge", "FunctionName=f");
    ck_assert_double_eq(t.count, 2);
    ck_assert_double_eq(t.max, 1500);
    ck_assert_double_eq(t.min, 500);
    t = total("IteratorAge", "FunctionName=f,Resource=f:live");
    ck_assert_double_eq(t.count, 1);
    ck_assert_double_eq(t.sum, 500);
}
END_TEST

START_TEST(async_metrics) {
    metric_async_received(ACCOUNT, REGION, "f");
    metric_async_received(ACCOUNT, REGION, "f");
    metric_async_age(ACCOUNT, REGION, "f", 250);
    metric_async_dropped(ACCOUNT, REGION, "f");
    ck_assert_double_eq(total("AsyncEventsReceived", "FunctionName=f").sum, 2);
    ck_assert_double_eq(total("AsyncEventAge", "FunctionName=f").max, 250);
    ck_assert_double_eq(total("AsyncEventsDropped", "FunctionName=f").sum, 1);
}
END_TEST

START_TEST(retention_prunes) {
    metric_put(ACCOUNT, REGION, METRIC_INVOCATIONS, "FunctionName=old", 1);
    metric_tick();
    clock_advance_ms(METRIC_RETENTION_MS - 120000);
    metric_put(ACCOUNT, REGION, METRIC_INVOCATIONS, "FunctionName=new", 1);
    metric_tick();
    ck_assert_double_eq(total("Invocations", "FunctionName=old").sum, 1);
    clock_advance_ms(180000);
    metric_tick();
    ck_assert_double_eq(total("Invocations", "FunctionName=old").count, -1);
    ck_assert_double_eq(total("Invocations", "FunctionName=new").sum, 1);
}
END_TEST

START_TEST(discard_forgets) {
    metric_put(ACCOUNT, REGION, METRIC_INVOCATIONS, "FunctionName=f", 1);
    metric_discard();
    ck_assert_double_eq(total("Invocations", "FunctionName=f").count, -1);
}
END_TEST

/* Threads recording and flushing at once: every sample lands exactly once. */
#define MT_THREADS 8
#define MT_SAMPLES 5000

static void *recorder(void *arg) {
    (void)arg;
    struct metric_target t = {ACCOUNT, REGION, "f", "live", "1"};
    for (int i = 0; i < MT_SAMPLES; i++) {
        metric_invoked(&t, i % 10 == 0, 2);
        if (i % 997 == 0) metric_flush();
    }
    store_thread_done();
    return NULL;
}

START_TEST(threads_lose_nothing) {
    pthread_t th[MT_THREADS];
    for (int i = 0; i < MT_THREADS; i++) ck_assert_int_eq(pthread_create(&th[i], NULL, recorder, NULL), 0);
    for (int i = 0; i < MT_THREADS; i++) pthread_join(th[i], NULL);
    ck_assert_double_eq(total("Invocations", "FunctionName=f").sum, MT_THREADS * MT_SAMPLES);
    ck_assert_double_eq(total("Errors", "FunctionName=f,Resource=f:live").sum, MT_THREADS * (MT_SAMPLES / 10));
    ck_assert_double_eq(total("Duration", "").sum, 2.0 * MT_THREADS * MT_SAMPLES);
}
END_TEST

static TCase *tc(Suite *s, const char *name, int timeout) {
    TCase *t = tcase_create(name);
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_set_timeout(t, timeout);
    suite_add_tcase(s, t);
    return t;
}

static Suite *metrics_suite(void) {
    Suite *s = suite_create("metrics");
    TCase *t = tc(s, "pure", 30);
    tcase_add_test(t, dims_sorted);
    tcase_add_test(t, dims_split);
    tcase_add_test(t, minute_floor);
    tcase_add_test(t, names);
    tcase_add_test(tc(s, "folds_per_minute", 30), folds_per_minute);
    tcase_add_test(tc(s, "clock_moves_minutes", 30), clock_moves_minutes);
    tcase_add_test(tc(s, "invocation_dimension_sets", 30), invocation_dimension_sets);
    tcase_add_test(tc(s, "admitted_gauges_and_pc", 30), admitted_gauges_and_pc);
    tcase_add_test(tc(s, "iterator_age", 30), iterator_age);
    tcase_add_test(tc(s, "async_metrics", 30), async_metrics);
    tcase_add_test(tc(s, "retention_prunes", 30), retention_prunes);
    tcase_add_test(tc(s, "discard_forgets", 30), discard_forgets);
    tcase_add_test(tc(s, "threads_lose_nothing", 60), threads_lose_nothing);
    return s;
}

int main(void) {
    const char *base = getenv("TMPDIR");
    snprintf(basedir, sizeof(basedir), "%s/sluice-metrics-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(basedir) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    SRunner *sr = srunner_create(metrics_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    rm_rf(basedir);
    return failed < 77 ? failed : 76;
}
