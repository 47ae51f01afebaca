/*
 * Admission overhead per invoke (issue 5): conc_acquire + conc_release,
 * in process, on a real database in a temporary directory, with the
 * settings a realistic account has (a few dozen functions, some with
 * reserved concurrency, PC configs on versions and aliases). Each
 * acquire reads the function's reserved setting, its qualifier's PC and
 * the account's sums from SQLite, like every Invoke does.
 *
 * Usage: bench_admission [ITERATIONS] [THREADS]   (default 200000, 1)
 * Prints one JSON line: ns per acquire+release pair (mean, p50, p99 of
 * batches) and pairs per second over all threads.
 */
#include "base/clock.h"
#include "engine/concurrency.h"
#include "engine/config.h"
#include "storage/store.h"
#include "storage/store_lambda.h"

#include <ftw.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ACCOUNT "123456789012"
#define REGION "us-east-1"
/* Functions in the account: enough that the sums cover several rows. */
#define FUNCTIONS 40
/* Pairs per timed batch: long enough to dwarf clock_gettime. */
#define BATCH 1000

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb; (void)flag; (void)ftw;
    return remove(path);
}

static void setup_account(void) {
    struct store_scope s = {ACCOUNT, REGION};
    if (store_begin(1) != STORE_OK) exit(1);
    for (int i = 0; i < FUNCTIONS; i++) {
        char name[32], cfg[96];
        snprintf(name, sizeof(name), "fn%02d", i);
        snprintf(cfg, sizeof(cfg), "{\"FunctionName\":\"%s\"}", name);
        struct store_fn f;
        memset(&f, 0, sizeof(f));
        f.config = cfg;
        f.has_reserved = i % 4 == 0;
        f.reserved = 10;
        if (store_fn_put(s, name, &f, 1) != STORE_OK) exit(1);
        if (i % 5 == 0) {
            struct store_pc pc;
            memset(&pc, 0, sizeof(pc));
            snprintf(pc.qualifier, sizeof(pc.qualifier), "live");
            pc.requested = 2;
            snprintf(pc.last_modified, sizeof(pc.last_modified), "2024-01-01T00:00:00.000+0000");
            snprintf(pc.status, sizeof(pc.status), "READY");
            pc.allocated = 2;
            if (store_pc_put(s, name, &pc) != STORE_OK) exit(1);
        }
    }
    if (store_commit() != STORE_OK) exit(1);
}

struct worker {
    int id, iters;
    int64_t *batch_ns;   /* one per batch */
    int nbatch, throttled, failed;
};

static void *run(void *arg) {
    struct worker *w = arg;
    /* Alternate the paths Invoke takes: an alias with PC, an unqualified
     * function with reserved concurrency, one in the unreserved pool. */
    static const char *const names[] = {"fn00", "fn04", "fn01", "fn05"};
    static const char *const quals[] = {"live", "", "", "live"};
    for (int b = 0; b < w->nbatch; b++) {
        int64_t t0 = now_ns();
        for (int i = 0; i < BATCH; i++) {
            int k = (i + w->id) % 4;
            struct conc_ticket t;
            const char *reason = NULL;
            int rc = conc_acquire(ACCOUNT, REGION, names[k], quals[k], &t, &reason);
            if (rc == 0) conc_release(&t);
            else if (rc > 0) w->throttled++;
            else w->failed++;
        }
        w->batch_ns[b] = now_ns() - t0;
    }
    store_thread_done();
    return NULL;
}

static int cmp64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    int iters = argc > 1 ? atoi(argv[1]) : 200000;
    int nthreads = argc > 2 ? atoi(argv[2]) : 1;
    if (iters < BATCH || nthreads < 1 || nthreads > 64) {
        fprintf(stderr, "usage: bench_admission [ITERATIONS>=%d] [THREADS 1-64]\n", BATCH);
        return 2;
    }
    char dir[] = "/tmp/sluice-bench-admission-XXXXXX";
    if (mkdtemp(dir) == NULL) return 1;
    if (store_init(dir, 0) != STORE_OK) return 1;
    sluice_cfg.account_concurrency = 1000;
    setup_account();

    int nbatch = iters / BATCH / nthreads;
    if (nbatch < 1) nbatch = 1;
    struct worker w[64];
    pthread_t th[64];
    int64_t t0 = now_ns();
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){i, iters, calloc((size_t)nbatch, sizeof(int64_t)), nbatch, 0, 0};
        pthread_create(&th[i], NULL, run, &w[i]);
    }
    for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
    int64_t wall = now_ns() - t0;

    int64_t *all = calloc((size_t)(nbatch * nthreads), sizeof(int64_t));
    int n = 0, throttled = 0, failed = 0;
    for (int i = 0; i < nthreads; i++) {
        memcpy(all + n, w[i].batch_ns, (size_t)nbatch * sizeof(int64_t));
        n += nbatch;
        throttled += w[i].throttled;
        failed += w[i].failed;
        free(w[i].batch_ns);
    }
    qsort(all, (size_t)n, sizeof(int64_t), cmp64);
    int64_t sum = 0;
    for (int i = 0; i < n; i++) sum += all[i];
    long long pairs = (long long)n * BATCH;
    printf("{\"pairs\":%lld,\"threads\":%d,\"ns_per_pair_mean\":%.0f,"
           "\"ns_per_pair_p50\":%.0f,\"ns_per_pair_p99\":%.0f,\"pairs_per_s\":%.0f,"
           "\"throttled\":%d,\"failed\":%d,\"functions\":%d}\n",
           pairs, nthreads, (double)sum / (double)pairs, (double)all[n / 2] / BATCH,
           (double)all[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / BATCH,
           (double)pairs * 1e9 / (double)wall, throttled, failed, FUNCTIONS);
    free(all);
    store_shutdown();
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return failed ? 1 : 0;
}
