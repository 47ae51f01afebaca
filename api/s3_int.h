/*
 * Private to api/s3*.c: the helpers the bucket handlers (api/s3.c) and
 * the object handlers (api/s3_object.c) share.
 */
#ifndef SLUICE_API_S3_INT_H
#define SLUICE_API_S3_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/s3_checksum.h"

struct cJSON;
struct aws_error;
struct op_in;
struct req;
struct s3x_buf;
struct store_s3_bucket;

/* The namespace of every S3 reply document. */
#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
/* The XML declaration S3 starts its replies with. */
#define S3_XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"

/* Records error KIND with the message FMT, plus the element NAME=VALUE
 * (BucketName, Key, UploadId; NAME NULL for none) that S3 adds to its
 * error document. Returns -1. */
int s3_fail(struct req *req, const struct aws_error *kind, const char *name, const char *value,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Records the NoSuchBucket error for BUCKET. Returns -1. */
int s3_no_bucket(struct req *req, const char *bucket);

/* Records the error for storage result RC (not STORE_OK). Returns -1. */
int s3_store_fail(struct req *req, int rc);

/* Loads BUCKET into *B (may be NULL), or records NoSuchBucket: 0 or -1. */
int s3_bucket_or_fail(struct req *req, const char *bucket, struct store_s3_bucket *b);

/* Sets an XML reply from B (taken) with STATUS. Returns 0. */
int s3_reply_xml(struct req *req, int status, struct s3x_buf *b);

/* Formats MS as S3's ISO time ("2024-01-01T00:00:00.000Z") into OUT (32). */
void s3_iso(int64_t ms, char out[32]);

/* Formats MS as an HTTP date ("Mon, 01 Jan 2024 00:00:00 GMT") into OUT (40). */
void s3_http_date(int64_t ms, char out[40]);

/* The canonical user id S3 shows as ACCOUNT's owner: 64 hex digits into
 * OUT (65 bytes). */
void s3_owner_id(const char *account, char out[65]);

/* The metadata document (JSON) of a new object or upload from REQ's
 * headers: Content-Type and the other kept headers, x-amz-meta-* (names
 * lower-cased). Caller deletes. */
struct cJSON *s3_meta_from_headers(struct req *req);

/* UploadPart's body: decoded, verified and stored as a blob (BLOB, the
 * quoted MD5 ETAG, *SIZE); CK gets the part's checksum of the upload's
 * algorithm UPLOAD_ALGO (or of the one the request names; "" for none).
 * Returns 0, or -1 with the error recorded. */
int s3_body_for_part(struct req *req, enum s3ck_algo upload_algo, char blob[65], char etag[48],
                     char ck[S3CK_B64_MAX], int64_t *size);

/* ---- object handlers (api/s3_object.c), op_fn shaped ---- */
int s3_put_object(struct req *req, struct op_in *in);
int s3_get_object(struct req *req, struct op_in *in);
int s3_head_object(struct req *req, struct op_in *in);
int s3_delete_object(struct req *req, struct op_in *in);
int s3_delete_objects(struct req *req, struct op_in *in);
int s3_copy_object(struct req *req, struct op_in *in);
int s3_create_upload(struct req *req, struct op_in *in);
int s3_upload_part(struct req *req, struct op_in *in);
int s3_complete_upload(struct req *req, struct op_in *in);
int s3_abort_upload(struct req *req, struct op_in *in);
int s3_list_parts(struct req *req, struct op_in *in);
int s3_list_uploads(struct req *req, struct op_in *in);

/* ---- subresource handlers (api/s3_config.c), op_fn shaped ---- */
int s3_config_get(struct req *req, struct op_in *in);
int s3_config_put(struct req *req, struct op_in *in);
int s3_config_delete(struct req *req, struct op_in *in);
int s3_policy_status(struct req *req, struct op_in *in);
int s3_get_bucket_acl(struct req *req, struct op_in *in);
int s3_put_bucket_acl(struct req *req, struct op_in *in);
int s3_get_object_tagging(struct req *req, struct op_in *in);
int s3_put_object_tagging(struct req *req, struct op_in *in);
int s3_delete_object_tagging(struct req *req, struct op_in *in);
int s3_get_object_acl(struct req *req, struct op_in *in);
int s3_put_object_acl(struct req *req, struct op_in *in);
int s3_object_lock_missing(struct req *req, struct op_in *in);

/* Checks REQ's x-amz-tagging header (PutObject, CreateMultipartUpload),
 * when it has one, against S3's tag rules: 0, or -1 with the error
 * recorded. */
int s3_tagging_header_or_fail(struct req *req);

/* The number of tags of an object with metadata META (its
 * x-amz-tagging-count). */
int s3_object_tag_count(const struct cJSON *meta);

#endif
