/*
 * S3 metadata (the schema migration that adds the s3_ tables): buckets,
 * objects, multipart uploads and their parts. Object bytes are blobs
 * (storage/blob.h); these rows name them by digest. Bucket names are
 * global to one sluice instance, as S3's namespace is global: a bucket
 * belongs to the account that created it. Same conventions as the other
 * store_ modules (STORE_ codes, the calling thread's connection). Every
 * write here runs its own transaction (store_begin(1)); call them outside
 * one. Reads are autocommit reads. Any thread.
 */
#ifndef SLUICE_STORAGE_STORE_S3_H
#define SLUICE_STORAGE_STORE_S3_H

#include <stddef.h>
#include <stdint.h>

/* S3 bucket names are 3 to 63 characters. */
#define STORE_S3_BUCKET_MAX 64

struct store_s3_bucket {
    char name[STORE_S3_BUCKET_MAX];
    char account[13];
    char region[32];
    int64_t created_ms;
};

/* A bucket's stored documents (the column each names). */
enum store_s3_attr {
    STORE_S3_TAGS = 0,       /* the Tagging XML as sent */
    STORE_S3_POLICY,         /* the policy JSON as sent */
    STORE_S3_VERSIONING,     /* "Enabled" / "Suspended" */
};

/* Creates bucket B. STORE_CONFLICT when the name is taken (*B is then
 * overwritten with the existing bucket, so the caller can tell its own
 * from another account's). */
int store_s3_bucket_create(struct store_s3_bucket *b);

/* Loads bucket NAME into *OUT: STORE_OK or STORE_NOTFOUND. */
int store_s3_bucket_get(const char *name, struct store_s3_bucket *out);

/* Deletes bucket NAME: STORE_OK, STORE_NOTFOUND, or STORE_CONFLICT while
 * it holds objects or multipart uploads. */
int store_s3_bucket_delete(const char *name);

/* Calls CB for each bucket of ACCOUNT in name order until it returns
 * nonzero. */
int store_s3_bucket_each(const char *account, int (*cb)(void *ctx, const struct store_s3_bucket *b),
                         void *ctx);

/* Sets (VALUE) or clears (NULL) document WHICH of bucket NAME: STORE_OK
 * or STORE_NOTFOUND. */
int store_s3_bucket_set(const char *name, enum store_s3_attr which, const char *value);

/* Copies document WHICH of bucket NAME into *OUT (caller frees; NULL
 * when unset): STORE_OK or STORE_NOTFOUND for no bucket. */
int store_s3_bucket_attr(const char *name, enum store_s3_attr which, char **out);

/* Sets member SUB of bucket NAME's subresource document (a JSON object
 * of strings) to VALUE, or removes it (VALUE NULL), in one statement:
 * STORE_OK or STORE_NOTFOUND for no bucket. */
int store_s3_bucket_config_set(const char *name, const char *sub, const char *value);

/* Copies member SUB of bucket NAME's subresource document into *OUT
 * (caller frees; NULL when unset): STORE_OK or STORE_NOTFOUND for no
 * bucket. */
int store_s3_bucket_config_get(const char *name, const char *sub, char **out);

/* One object. meta is a JSON document (api/s3.c owns its shape). */
struct store_s3_object {
    char *key;          /* owned by loaders (store_s3_object_clear) */
    char blob[65];      /* sha256 hex of the bytes (blob_path) */
    int64_t size;
    char etag[48];      /* quoted: "\"<md5 hex>\"" or "\"<hex>-N\"" */
    int64_t modified_ms;
    char *meta;         /* owned by loaders */
};

/* Frees what a loader put in O. */
void store_s3_object_clear(struct store_s3_object *o);

/* Stores O (KEY, META borrowed) in BUCKET, replacing any object of its
 * key: STORE_OK, or STORE_NOTFOUND when the bucket does not exist. */
int store_s3_object_put(const char *bucket, const struct store_s3_object *o);

/* Loads object KEY of BUCKET into *OUT (clear it after): STORE_OK or
 * STORE_NOTFOUND. */
int store_s3_object_get(const char *bucket, const char *key, struct store_s3_object *out);

/* Deletes object KEY of BUCKET: STORE_OK whether or not it existed. */
int store_s3_object_delete(const char *bucket, const char *key);

/* Sets member MEMBER of the metadata document of object KEY in BUCKET to
 * the JSON text VALUE, or removes it (VALUE NULL), in one statement
 * (a concurrent PutObject is not overwritten with old metadata):
 * STORE_OK or STORE_NOTFOUND when there is no such object. */
int store_s3_object_meta_set(const char *bucket, const char *key, const char *member, const char *value);

/* Calls CB for the objects of BUCKET whose key starts with PREFIX and
 * sorts after AFTER ("" for from the start), in UTF-8 byte order, until
 * CB returns nonzero. O is borrowed for the call. */
int store_s3_object_each(const char *bucket, const char *prefix, const char *after,
                         int (*cb)(void *ctx, const struct store_s3_object *o), void *ctx);

/* ---- multipart uploads ---- */

/* Records upload UPLOAD_ID of KEY in BUCKET with META: STORE_OK or
 * STORE_NOTFOUND when the bucket does not exist. */
int store_s3_upload_create(const char *upload_id, const char *bucket, const char *key, const char *meta,
                           int64_t ms);

/* Loads upload UPLOAD_ID if it belongs to BUCKET and KEY: *META (caller
 * frees) gets its metadata. STORE_OK or STORE_NOTFOUND. */
int store_s3_upload_get(const char *upload_id, const char *bucket, const char *key, char **meta);

/* Calls CB(ctx, key, upload_id, initiated_ms) for the uploads of BUCKET
 * in key order, until it returns nonzero. */
int store_s3_upload_each(const char *bucket,
                         int (*cb)(void *ctx, const char *key, const char *upload_id, int64_t ms),
                         void *ctx);

/* One part; ETAG quoted. CHECKSUM is the part's base64 checksum of the
 * upload's algorithm ("" when none). */
struct store_s3_part {
    int number;
    char blob[65];
    int64_t size;
    char etag[48];
    char checksum[48];
    int64_t modified_ms;
};

/* Stores part P of upload UPLOAD_ID, replacing one of its number:
 * STORE_OK or STORE_NOTFOUND when the upload does not exist. */
int store_s3_part_put(const char *upload_id, const struct store_s3_part *p);

/* Calls CB for the parts of UPLOAD_ID numbered above AFTER, in order. */
int store_s3_part_each(const char *upload_id, int after,
                       int (*cb)(void *ctx, const struct store_s3_part *p), void *ctx);

/* Ends upload UPLOAD_ID: deletes it and its parts and, when O is not
 * NULL, stores O in BUCKET in the same transaction. STORE_OK, or
 * STORE_NOTFOUND when the upload (or the bucket) is gone. */
int store_s3_upload_finish(const char *upload_id, const char *bucket, const struct store_s3_object *o);

#endif

/* ---- blobs ---- */

struct s3ck;

/* Writes the concatenation of the N blobs BLOBS as a new blob (streamed
 * through a temporary file, fsynced and renamed as blob_put does): its
 * SHA-256 hex into HEX, its size into *SIZE; each byte also goes through
 * CK when it is not NULL (a full-object checksum). Returns STORE_OK or
 * STORE_ERR (logged). Any thread. */
int store_s3_blob_concat(const char (*blobs)[65], int n, char hex[65], int64_t *size, struct s3ck *ck);
