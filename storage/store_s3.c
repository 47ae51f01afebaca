/*
 * storage/store_s3.h over the s3_buckets, s3_objects, s3_uploads and
 * s3_parts tables. Writes take the writer (store_begin(1)) for their one
 * or few statements only: the blob itself was written before.
 */
#include "storage/store_s3.h"
#include "storage/store.h"
#include "storage/store_sql.h"

#include "storage/blob.h"
#include "base/s3_checksum.h"
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Opens a write transaction and prepares SQL in it. Returns the
 * statement, or NULL with *RC set and no transaction left open. */
static sqlite3_stmt *write_stmt(const char *sql, int *rc) {
    *rc = store_begin(1);
    if (*rc != STORE_OK) return NULL;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) {
        store_rollback();
        *rc = STORE_ERR;
    }
    return st;
}

/* Runs one write statement ST (prepared by write_stmt) and commits. */
static int write_one(sqlite3_stmt *st, const char *ctx, int need_change) {
    int rc = need_change ? store_step_change(st, ctx) : store_step_done(st, ctx);
    if (rc != STORE_OK) {
        store_rollback();
        return rc;
    }
    return store_commit();
}

int store_s3_bucket_create(struct store_s3_bucket *b) {
    static const char sql[] =
        "INSERT INTO s3_buckets(name, account, region, created_ms) VALUES(?1, ?2, ?3, ?4)";
    int rc;
    sqlite3_stmt *st = write_stmt(sql, &rc);
    if (st == NULL) return rc;
    sqlite3_bind_text(st, 1, b->name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, b->account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, b->region, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, b->created_ms);
    rc = write_one(st, "s3_bucket_create", 0);
    if (rc == STORE_CONFLICT) store_s3_bucket_get(b->name, b);
    return rc;
}

static void bucket_row(sqlite3_stmt *st, struct store_s3_bucket *b) {
    store_col_copy(st, 0, b->name, sizeof(b->name));
    store_col_copy(st, 1, b->account, sizeof(b->account));
    store_col_copy(st, 2, b->region, sizeof(b->region));
    b->created_ms = sqlite3_column_int64(st, 3);
}

int store_s3_bucket_get(const char *name, struct store_s3_bucket *out) {
    static const char sql[] = "SELECT name, account, region, created_ms FROM s3_buckets WHERE name = ?1";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) bucket_row(st, out);
    return store_row_done(st, rc, "s3_bucket_get");
}

int store_s3_bucket_delete(const char *name) {
    static const char busy[] = "SELECT (SELECT count(*) FROM s3_objects WHERE bucket = ?1)"
                               " + (SELECT count(*) FROM s3_uploads WHERE bucket = ?1)";
    static const char del[] = "DELETE FROM s3_buckets WHERE name = ?1";
    int rc;
    sqlite3_stmt *st = write_stmt(busy, &rc);
    if (st == NULL) return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    rc = store_row_done(st, rc, "s3_bucket_busy");
    if (rc == STORE_OK && n > 0) rc = STORE_CONFLICT;
    if (rc != STORE_OK) {
        store_rollback();
        return rc;
    }
    st = store_stmt(del);
    if (st == NULL) {
        store_rollback();
        return STORE_ERR;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    return write_one(st, "s3_bucket_delete", 1);
}

int store_s3_bucket_each(const char *account, int (*cb)(void *ctx, const struct store_s3_bucket *b),
                         void *ctx) {
    static const char sql[] =
        "SELECT name, account, region, created_ms FROM s3_buckets WHERE account = ?1 ORDER BY name";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_s3_bucket b;
        bucket_row(st, &b);
        if (cb(ctx, &b)) break;
    }
    return store_rows_done(st, rc, "s3_bucket_each");
}

int store_s3_bucket_set(const char *name, enum store_s3_attr which, const char *value) {
    /* One statement per column: column names cannot be bound. */
    static const char *const sql[] = {
        [STORE_S3_TAGS] = "UPDATE s3_buckets SET tags = ?2 WHERE name = ?1",
        [STORE_S3_POLICY] = "UPDATE s3_buckets SET policy = ?2 WHERE name = ?1",
        [STORE_S3_VERSIONING] = "UPDATE s3_buckets SET versioning = ?2 WHERE name = ?1",
    };
    int rc;
    sqlite3_stmt *st = write_stmt(sql[which], &rc);
    if (st == NULL) return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (value)
        sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, 2);
    return write_one(st, "s3_bucket_set", 1);
}

int store_s3_bucket_attr(const char *name, enum store_s3_attr which, char **out) {
    static const char *const sql[] = {
        [STORE_S3_TAGS] = "SELECT tags FROM s3_buckets WHERE name = ?1",
        [STORE_S3_POLICY] = "SELECT policy FROM s3_buckets WHERE name = ?1",
        [STORE_S3_VERSIONING] = "SELECT versioning FROM s3_buckets WHERE name = ?1",
    };
    *out = NULL;
    sqlite3_stmt *st = store_stmt(sql[which]);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = store_col_dup(st, 0);
    return store_row_done(st, rc, "s3_bucket_attr");
}

/* A JSON path naming member SUB ('$."SUB"'); SUB is one of sluice's own
 * names (letters and '-'), never a client's string. */
static char *member_path(const char *sub) { return xasprintf("$.\"%s\"", sub); }

int store_s3_bucket_config_set(const char *name, const char *sub, const char *value) {
    static const char set[] = "UPDATE s3_buckets SET config = json_set(config, ?2, ?3) WHERE name = ?1";
    static const char del[] = "UPDATE s3_buckets SET config = json_remove(config, ?2) WHERE name = ?1";
    int rc;
    sqlite3_stmt *st = write_stmt(value ? set : del, &rc);
    if (st == NULL) return rc;
    char *path = member_path(sub);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT);
    if (value) sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
    free(path);
    return write_one(st, "s3_bucket_config_set", 1);
}

int store_s3_bucket_config_get(const char *name, const char *sub, char **out) {
    *out = NULL;
    sqlite3_stmt *st = store_stmt("SELECT json_extract(config, ?2) FROM s3_buckets WHERE name = ?1");
    if (st == NULL) return STORE_ERR;
    char *path = member_path(sub);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, path, -1, SQLITE_TRANSIENT);
    free(path);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *out = store_col_dup(st, 0);
    return store_row_done(st, rc, "s3_bucket_config_get");
}

/* ---- objects ---- */

void store_s3_object_clear(struct store_s3_object *o) {
    free(o->key);
    free(o->meta);
    memset(o, 0, sizeof(*o));
}

static const char object_put_sql[] =
    "INSERT OR REPLACE INTO s3_objects(bucket, key, blob, size, etag, modified_ms, meta)"
    " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS(SELECT 1 FROM s3_buckets WHERE name = ?1)";

static int object_put_stmt(const char *bucket, const struct store_s3_object *o) {
    sqlite3_stmt *st = store_stmt(object_put_sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, o->key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, o->blob, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, o->size);
    sqlite3_bind_text(st, 5, o->etag, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, o->modified_ms);
    sqlite3_bind_text(st, 7, o->meta ? o->meta : "{}", -1, SQLITE_TRANSIENT);
    return store_step_change(st, "s3_object_put");
}

int store_s3_object_put(const char *bucket, const struct store_s3_object *o) {
    int rc = store_begin(1);
    if (rc != STORE_OK) return rc;
    rc = object_put_stmt(bucket, o);
    if (rc != STORE_OK) {
        store_rollback();
        return rc;
    }
    return store_commit();
}

static void object_row(sqlite3_stmt *st, struct store_s3_object *o) {
    o->key = store_col_dup(st, 0);
    store_col_copy(st, 1, o->blob, sizeof(o->blob));
    o->size = sqlite3_column_int64(st, 2);
    store_col_copy(st, 3, o->etag, sizeof(o->etag));
    o->modified_ms = sqlite3_column_int64(st, 4);
    o->meta = store_col_dup(st, 5);
}

int store_s3_object_get(const char *bucket, const char *key, struct store_s3_object *out) {
    static const char sql[] = "SELECT key, blob, size, etag, modified_ms, meta FROM s3_objects"
                              " WHERE bucket = ?1 AND key = ?2";
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) object_row(st, out);
    return store_row_done(st, rc, "s3_object_get");
}

int store_s3_object_delete(const char *bucket, const char *key) {
    static const char sql[] = "DELETE FROM s3_objects WHERE bucket = ?1 AND key = ?2";
    int rc;
    sqlite3_stmt *st = write_stmt(sql, &rc);
    if (st == NULL) return rc;
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    return write_one(st, "s3_object_delete", 0);
}

int store_s3_object_meta_set(const char *bucket, const char *key, const char *member, const char *value) {
    static const char set[] = "UPDATE s3_objects SET meta = json_set(meta, ?3, json(?4)) WHERE bucket = ?1 AND key = ?2";
    static const char del[] = "UPDATE s3_objects SET meta = json_remove(meta, ?3) WHERE bucket = ?1 AND key = ?2";
    int rc;
    sqlite3_stmt *st = write_stmt(value ? set : del, &rc);
    if (st == NULL) return rc;
    char *path = member_path(member);
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, path, -1, SQLITE_TRANSIENT);
    if (value) sqlite3_bind_text(st, 4, value, -1, SQLITE_TRANSIENT);
    free(path);
    return write_one(st, "s3_object_meta_set", 1);
}

int store_s3_object_each(const char *bucket, const char *prefix, const char *after,
                         int (*cb)(void *ctx, const struct store_s3_object *o), void *ctx) {
    /* Keys in byte order from max(AFTER, PREFIX); the walk stops at the
     * first key past the prefix. */
    static const char sql[] = "SELECT key, blob, size, etag, modified_ms, meta FROM s3_objects"
                              " WHERE bucket = ?1 AND key > ?2 AND key >= ?3 ORDER BY key";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    size_t np = strlen(prefix);
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, after, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, prefix, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        if (k == NULL || strncmp(k, prefix, np) != 0) break;
        struct store_s3_object o;
        object_row(st, &o);
        int stop = cb(ctx, &o);
        store_s3_object_clear(&o);
        if (stop) break;
    }
    return store_rows_done(st, rc, "s3_object_each");
}

/* ---- multipart ---- */

int store_s3_upload_create(const char *upload_id, const char *bucket, const char *key, const char *meta,
                           int64_t ms) {
    static const char sql[] =
        "INSERT INTO s3_uploads(upload_id, bucket, key, meta, created_ms)"
        " SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS(SELECT 1 FROM s3_buckets WHERE name = ?2)";
    int rc;
    sqlite3_stmt *st = write_stmt(sql, &rc);
    if (st == NULL) return rc;
    sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, bucket, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, meta, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, ms);
    return write_one(st, "s3_upload_create", 1);
}

int store_s3_upload_get(const char *upload_id, const char *bucket, const char *key, char **meta) {
    static const char sql[] =
        "SELECT meta FROM s3_uploads WHERE upload_id = ?1 AND bucket = ?2 AND key = ?3";
    *meta = NULL;
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, bucket, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, key, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) *meta = store_col_dup(st, 0);
    return store_row_done(st, rc, "s3_upload_get");
}

int store_s3_upload_each(const char *bucket,
                         int (*cb)(void *ctx, const char *key, const char *upload_id, int64_t ms),
                         void *ctx) {
    static const char sql[] = "SELECT key, upload_id, created_ms FROM s3_uploads WHERE bucket = ?1"
                              " ORDER BY key, created_ms";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, bucket, -1, SQLITE_TRANSIENT);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (cb(ctx, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
               sqlite3_column_int64(st, 2)))
            break;
    }
    return store_rows_done(st, rc, "s3_upload_each");
}

int store_s3_part_put(const char *upload_id, const struct store_s3_part *p) {
    static const char sql[] =
        "INSERT OR REPLACE INTO s3_parts(upload_id, number, blob, size, etag, checksum, modified_ms)"
        " SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS(SELECT 1 FROM s3_uploads WHERE upload_id = ?1)";
    int rc;
    sqlite3_stmt *st = write_stmt(sql, &rc);
    if (st == NULL) return rc;
    sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, p->number);
    sqlite3_bind_text(st, 3, p->blob, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, p->size);
    sqlite3_bind_text(st, 5, p->etag, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, p->checksum, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 7, p->modified_ms);
    return write_one(st, "s3_part_put", 1);
}

int store_s3_part_each(const char *upload_id, int after,
                       int (*cb)(void *ctx, const struct store_s3_part *p), void *ctx) {
    static const char sql[] = "SELECT number, blob, size, etag, checksum, modified_ms FROM s3_parts"
                              " WHERE upload_id = ?1 AND number > ?2 ORDER BY number";
    sqlite3_stmt *st = store_stmt(sql);
    if (st == NULL) return STORE_ERR;
    sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 2, after);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct store_s3_part p;
        p.number = sqlite3_column_int(st, 0);
        store_col_copy(st, 1, p.blob, sizeof(p.blob));
        p.size = sqlite3_column_int64(st, 2);
        store_col_copy(st, 3, p.etag, sizeof(p.etag));
        store_col_copy(st, 4, p.checksum, sizeof(p.checksum));
        p.modified_ms = sqlite3_column_int64(st, 5);
        if (cb(ctx, &p)) break;
    }
    return store_rows_done(st, rc, "s3_part_each");
}

int store_s3_upload_finish(const char *upload_id, const char *bucket, const struct store_s3_object *o) {
    static const char del_upload[] = "DELETE FROM s3_uploads WHERE upload_id = ?1";
    static const char del_parts[] = "DELETE FROM s3_parts WHERE upload_id = ?1";
    int rc = store_begin(1);
    if (rc != STORE_OK) return rc;
    sqlite3_stmt *st = store_stmt(del_upload);
    if (st == NULL) goto fail;
    sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_TRANSIENT);
    rc = store_step_change(st, "s3_upload_finish");
    if (rc != STORE_OK) goto out;
    st = store_stmt(del_parts);
    if (st == NULL) goto fail;
    sqlite3_bind_text(st, 1, upload_id, -1, SQLITE_TRANSIENT);
    rc = store_step_done(st, "s3_upload_finish");
    if (rc != STORE_OK) goto out;
    if (o) rc = object_put_stmt(bucket, o);
out:
    if (rc != STORE_OK) {
        store_rollback();
        return rc;
    }
    return store_commit();
fail:
    store_rollback();
    return STORE_ERR;
}

/* ---- blobs ---- */

/* Bytes copied per read while concatenating parts: a bounded buffer,
 * so completing a multi-GB upload never holds a part in memory. */
#define CONCAT_CHUNK (1024 * 1024)

/* Appends blob HEX to FD, feeding SHA and CK. 0 or -1. */
static int append_blob(int fd, const char *hex, struct sha256_ctx *sha, struct s3ck *ck, char *buf,
                       int64_t *size) {
    char path[4096];
    if (blob_path(hex, path, sizeof(path)) != 0) return -1;
    int in = open(path, O_RDONLY | O_CLOEXEC);
    if (in < 0) return -1;
    int rc = 0;
    for (;;) {
        ssize_t r = read(in, buf, CONCAT_CHUNK);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) rc = -1;
        if (r <= 0) break;
        sha256_update(sha, (size_t)r, (const uint8_t *)buf);
        if (ck) s3ck_update(ck, buf, (size_t)r);
        *size += r;
        for (ssize_t off = 0; off < r;) {
            ssize_t w = write(fd, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) {
                rc = -1;
                break;
            }
            off += w;
        }
        if (rc) break;
    }
    close(in);
    return rc;
}

int store_s3_blob_concat(const char (*blobs)[65], int n, char hex[65], int64_t *size, struct s3ck *ck) {
    static atomic_uint seq;
    char tmp[4200], path[4096];
    struct sha256_ctx sha;
    uint8_t md[SHA256_DIGEST_SIZE];
    char *buf = malloc(CONCAT_CHUNK);
    int rc = STORE_ERR;
    *size = 0;
    snprintf(tmp, sizeof(tmp), "%s/s3concat.tmp.%d.%u", store_code_dir(), (int)getpid(), atomic_fetch_add(&seq, 1));
    int fd = buf ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    if (fd < 0) goto out;
    sha256_init(&sha);
    for (int i = 0; i < n; i++)
        if (append_blob(fd, blobs[i], &sha, ck, buf, size) != 0) {
            close(fd);
            goto out;
        }
    sha256_digest(&sha, sizeof(md), md);
    for (size_t i = 0; i < sizeof(md); i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    if (fsync(fd) != 0 || close(fd) != 0) goto out;
    if (blob_path(hex, path, sizeof(path)) != 0 || rename(tmp, path) != 0) goto out;
    rc = STORE_OK;
out:
    if (rc != STORE_OK) {
        fprintf(stderr, "sluice: cannot write a multipart object: %s\n", strerror(errno));
        unlink(tmp);
    }
    free(buf);
    return rc;
}
