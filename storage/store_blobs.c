/*
 * The sweep of the code directory (storage/store_blobs.h): blobs no row
 * names any more — a function's code after DeleteFunction, a zip refused
 * after it was stored, an object overwritten or deleted — and the
 * temporary files a crash left, once they are older than a grace period.
 */
#include "storage/store_blobs.h"
#include "storage/blob.h"
#include "storage/store.h"
#include "storage/store_lambda.h"
#include "storage/store_sql.h"
#include "base/util.h"

#include <dirent.h>
#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The digests every row names, hex, sorted. */
struct refs {
    char (*hex)[65];
    size_t n, cap;
};

static void refs_add(struct refs *r, const char *hex) {
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->hex = xrealloc(r->hex, r->cap * sizeof(*r->hex));
    }
    snprintf(r->hex[r->n++], 65, "%s", hex);
}

/* A function's CodeSha256 (base64) as the hex its blob is named by. */
static int add_b64(void *ctx, const char *b64, const char *unused) {
    (void)unused;
    size_t n = 0;
    unsigned char *raw = b64 ? util_b64_decode(b64, strlen(b64), &n) : NULL;
    if (raw && n == 32) {
        char hex[65];
        for (size_t i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
        refs_add(ctx, hex);
    }
    free(raw);
    return 0;
}

static int add_hex(void *ctx, const char *hex, const char *unused) {
    (void)unused;
    if (hex && strlen(hex) == 64) refs_add(ctx, hex);
    return 0;
}

static int by_hex(const void *a, const void *b) { return strcmp(a, b); }

/* Collects every digest a function, a version, an object or a part of an
 * upload names. */
static int collect(struct refs *r) {
    static const char code_sql[] =
        "SELECT json_extract(config, '$.CodeSha256'), '' FROM functions"
        " UNION SELECT json_extract(config, '$.CodeSha256'), '' FROM versions";
    static const char s3_sql[] = "SELECT blob, '' FROM s3_objects UNION SELECT blob, '' FROM s3_parts";
    struct sqlite3_stmt *st = store_stmt(code_sql);
    if (st == NULL || store_rows_each(st, add_b64, r, "blob_refs") != STORE_OK) return -1;
    st = store_stmt(s3_sql);
    if (st == NULL || store_rows_each(st, add_hex, r, "blob_refs") != STORE_OK) return -1;
    if (r->n > 1) qsort(r->hex, r->n, sizeof(*r->hex), by_hex);
    return 0;
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *f) {
    (void)sb;
    (void)f;
    return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* 1 when NAME is 64 lower-case hex digits followed by SUFFIX. */
static int is_hex_name(const char *name, const char *suffix) {
    return strspn(name, "0123456789abcdef") == 64 && strcmp(name + 64, suffix) == 0;
}

/* A temporary file of blob_put, store_s3_blob_concat or a spool. */
static int is_leftover(const char *name) {
    return strstr(name, ".tmp.") != NULL || strncmp(name, "spool.", 6) == 0;
}

/* Removes the unpacked code directory of blob HEX, if any. */
static void remove_unpacked(const char *hex) {
    char dir[4200];
    struct stat sb;
    snprintf(dir, sizeof(dir), "%s/%s", store_code_dir(), hex);
    if (lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode)) nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int store_blob_sweep(int64_t grace_s, int *removed) {
    struct refs r = {0};
    DIR *d = NULL;
    int rc = -1;
    *removed = 0;
    if (collect(&r) != 0) goto out;
    d = opendir(store_code_dir());
    if (d == NULL) goto out;
    int64_t cutoff = (int64_t)time(NULL) - grace_s;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char hex[65];
        if (is_hex_name(e->d_name, ".zip")) {
            snprintf(hex, sizeof(hex), "%.64s", e->d_name);
            if (r.n > 0 && bsearch(hex, r.hex, r.n, sizeof(*r.hex), by_hex)) continue;
            if (blob_remove_stale(e->d_name, cutoff)) {
                remove_unpacked(hex);
                (*removed)++;
            }
        } else if (is_leftover(e->d_name)) {
            *removed += blob_remove_stale(e->d_name, cutoff);
        }
    }
    rc = 0;
out:
    if (d) closedir(d);
    free(r.hex);
    return rc;
}

/* How often the background thread sweeps, and how old an unnamed blob
 * must be before it goes. A blob is written (or found and refreshed)
 * before the row that names it; ten minutes is far longer than that
 * takes, even for a 5 GB upload's final link and row. */
#define SWEEP_EVERY_S 300
#define SWEEP_GRACE_S 600

void store_blob_maintain(void) {
    static int64_t next;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if ((int64_t)ts.tv_sec < next) return;
    next = (int64_t)ts.tv_sec + SWEEP_EVERY_S;
    int removed = 0;
    if (store_blob_sweep(SWEEP_GRACE_S, &removed) == 0 && removed > 0)
        fprintf(stderr, "sluice: removed %d unused code or object file(s)\n", removed);
}
