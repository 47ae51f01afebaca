/*
 * What the rest of the API layer asks of S3: the pure request classifier
 * (tested with tables) and reading an object for Lambda's Code.S3Bucket.
 */
#ifndef SLUICE_API_S3_H
#define SLUICE_API_S3_H

#include <stddef.h>
#include <stdint.h>

struct cJSON;

struct req;
struct aws_error;

/* Subresources of an S3 request that select its operation (query
 * parameters, and the copy-source header). */
#define S3_SUB_TAGGING 0x001u
#define S3_SUB_VERSIONING 0x002u
#define S3_SUB_POLICY 0x004u
#define S3_SUB_LOCATION 0x008u
#define S3_SUB_UPLOADS 0x010u
#define S3_SUB_UPLOAD_ID 0x020u
#define S3_SUB_LIST_V2 0x040u
#define S3_SUB_DELETE 0x080u
#define S3_SUB_ACL 0x100u
#define S3_SUB_COPY_SOURCE 0x200u
#define S3_SUB_OTHER 0x400u   /* a subresource sluice does not implement */

/* The operation name ("PutObject") of a request with METHOD, whether it
 * names a bucket and a key, and the S3_SUB_* bits SUBS; NULL when S3 has
 * no such operation (MethodNotAllowed), "" for a subresource sluice does
 * not implement. Pure. */
const char *s3_op_name(const char *method, int has_bucket, int has_key, unsigned subs);

/* The operation ("GetBucketCors") a METHOD request on a bucket (HAS_KEY
 * 0) or an object names with query parameter NAME, when NAME is one of the
 * subresources api/s3_config.c answers (*KNOWN set to 1): the name, or
 * NULL for a method S3 has no operation for (MethodNotAllowed). *KNOWN 0:
 * NAME is none of them. Pure. */
const char *s3_sub_op_name(const char *method, int has_key, const char *name, int *known);

/* The tags of an x-amz-tagging header H ("k1=v1&k2=v2", form-encoded) as
 * a JSON array of {"Key","Value"} objects (caller deletes), or NULL when
 * a tag has no key or an escape is malformed. Pure. */
struct cJSON *s3_tags_from_header(const char *h);

/* Splits an S3 request into bucket and key. HOST is the Host header (may
 * be NULL), PATH the raw path. Virtual-hosted style: a host of
 * "BUCKET.localhost", "BUCKET.s3.localhost", "BUCKET.s3.REGION.localhost"
 * or "BUCKET.s3[.-]....amazonaws.com" (any port) names the bucket and the
 * whole path is the key; otherwise path style, "/BUCKET/KEY". Stores heap
 * copies (caller frees; NULL when absent), the key percent-decoded.
 * Returns 0, or -1 when the path's escapes are malformed. Pure. */
int s3_locate(const char *host, const char *path, char **bucket, char **key);

/* Reads a Range header H ("bytes=A-B", "bytes=A-", "bytes=-N") against
 * an object of SIZE bytes: 1 with the inclusive *START and *END, 0 when
 * there is no range to honour (absent, malformed or several: S3 then
 * sends the whole object), -1 when it cannot be satisfied (416). Pure. */
int s3_parse_range(const char *h, int64_t size, int64_t *start, int64_t *end);

/* 1 when NAME is a valid bucket name (Amazon S3 User Guide, "General
 * purpose bucket naming rules"). Pure. */
int s3_bucket_name_ok(const char *name);

/* Reads object KEY of BUCKET for Lambda's Code.S3Bucket/S3Key: the bytes
 * in *DATA (caller frees) and *N; returns 0. A missing bucket or key (KEY
 * NULL is a missing key), or a bucket of another region than REQ's,
 * records Lambda's InvalidParameterValueException as AWS words it
 * ("Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error
 * Message: The specified key does not exist.") and returns -1; so does
 * an object larger than MAX. Any thread; inside a write transaction too. */
int s3_fetch_for_lambda(struct req *req, const char *bucket, const char *key, size_t max,
                        unsigned char **data, size_t *n);

#endif
