/*
 * S3 (REST XML): the service table, addressing (path and virtual-hosted
 * style), the operation classifier, and the bucket operations and
 * listings. Object and multipart handlers are in api/s3_object.c.
 * Signatures are not verified, as for every service of sluice; a
 * presigned URL's expiry is (AccessDenied "Request has expired").
 */
#include "api/s3.h"
#include "api/s3_int.h"
#include "api/s3_xml.h"
#include "api/api.h"
#include "api/aws_error.h"
#include "api/op.h"
#include "api/request.h"
#include "api/utf8.h"
#include "base/clock.h"
#include "base/util.h"
#include "storage/blob.h"
#include "storage/store.h"
#include "storage/store_s3.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Body cap of the PUTs that carry an object's bytes (PutObject,
 * UploadPart): 5 GB, S3's largest single PUT and largest part (Amazon S3
 * User Guide, "Uploading objects"; "Amazon S3 multipart upload limits").
 * These bodies are spooled to a file, never held in memory. */
#define S3_MAX_BODY_PUT (5ull * 1024 * 1024 * 1024)
/* Other S3 bodies are small XML documents: CompleteMultipartUpload of
 * 10,000 parts is about 1 MB, DeleteObjects of 1,000 keys a few hundred KB. */
#define S3_MAX_BODY_XML (4u * 1024 * 1024)
/* S3's default and largest page of a listing (max-keys). */
#define S3_MAX_KEYS 1000

/* ------------------------------------------------------------------ */
/* Shared helpers                                                       */
/* ------------------------------------------------------------------ */

int s3_fail(struct req *req, const struct aws_error *kind, const char *name, const char *value,
            const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    req_fail(req, kind, "%s", msg);
    free(msg);
    cJSON_Delete(req->err_extra);
    req->err_extra = NULL;
    if (name) {
        req->err_extra = cJSON_CreateObject();
        cJSON_AddStringToObject(req->err_extra, name, value ? value : "");
    }
    return -1;
}

int s3_no_bucket(struct req *req, const char *bucket) {
    return s3_fail(req, &AWSERR_S3_NO_SUCH_BUCKET, "BucketName", bucket, "The specified bucket does not exist");
}

int s3_store_fail(struct req *req, int rc) {
    if (rc == STORE_BUSY)
        return s3_fail(req, &AWSERR_S3_INTERNAL, NULL, NULL,
                       "We encountered an internal error. Please try again.");
    return s3_fail(req, &AWSERR_S3_INTERNAL, NULL, NULL, "We encountered an internal error. Please try again.");
}

static void store_fail_cb(struct req *req, int rc) { s3_store_fail(req, rc); }

int s3_bucket_or_fail(struct req *req, const char *bucket, struct store_s3_bucket *b) {
    struct store_s3_bucket tmp;
    int rc = store_s3_bucket_get(bucket, b ? b : &tmp);
    if (rc == STORE_NOTFOUND) return s3_no_bucket(req, bucket);
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    return 0;
}

int s3_reply_xml(struct req *req, int status, struct s3x_buf *b) {
    size_t n;
    char *xml = s3x_take(b, &n);
    free(req->resp_body);
    req->resp_body = xml;
    req->nresp = n;
    req->status = status;
    req->content_type = "application/xml";
    return 0;
}

void s3_iso(int64_t ms, char out[32]) { util_iso_time(ms, out, 32); }

void s3_http_date(int64_t ms, char out[40]) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 40, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

void s3_owner_id(const char *account, char out[65]) {
    char b64[45];
    char *seed = xasprintf("sluice-s3-owner:%s", account);
    blob_digest(seed, strlen(seed), out, b64);
    free(seed);
}

/* ------------------------------------------------------------------ */
/* Addressing and classification (pure)                                 */
/* ------------------------------------------------------------------ */

int s3_owns_path(const char *path) {
    /* "/YYYY-MM-DD/...": a dated REST API version, not a bucket. */
    static const char shape[] = "/dddd-dd-dd";
    size_t i;
    for (i = 0; shape[i]; i++) {
        if (path[i] == '\0') return 1;
        if (shape[i] == 'd' ? !isdigit((unsigned char)path[i]) : path[i] != shape[i]) return 1;
    }
    return !(path[i] == '/' || path[i] == '\0');
}


int s3_bucket_name_ok(const char *name) {
    size_t n = strlen(name);
    if (n < 3 || n > 63) return 0;
    if (!isalnum((unsigned char)name[0]) || !isalnum((unsigned char)name[n - 1])) return 0;
    int dots = 0, digits_only = 1;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' || c == '-')) return 0;
        if (c == '.' && (name[i + 1] == '.' || name[i + 1] == '-' || (i > 0 && name[i - 1] == '-'))) return 0;
        if (c == '.') dots++;
        else if (!isdigit((unsigned char)c)) digits_only = 0;
    }
    /* Not formatted as an IP address (192.168.5.4). */
    if (dots == 3 && digits_only) return 0;
    if (strncmp(name, "xn--", 4) == 0 || strncmp(name, "sthree-", 7) == 0) return 0;
    if (n > 8 && strcmp(name + n - 8, "-s3alias") == 0) return 0;
    return 1;
}

/* The bucket a virtual-hosted HOST (port removed, N bytes) names, or NULL. */
static char *host_bucket(const char *host, size_t n) {
    static const char local[] = ".localhost";
    size_t nl = sizeof(local) - 1;
    if (n > nl && strncasecmp(host + n - nl, local, nl) == 0) {
        size_t nb = n - nl;
        /* BUCKET.s3[.REGION].localhost: the bucket is what precedes ".s3". */
        for (size_t i = 0; i + 3 <= nb; i++)
            if (strncasecmp(host + i, ".s3", 3) == 0 && (i + 3 == nb || host[i + 3] == '.'))
                return i > 0 ? xstrndup(host, i) : NULL;
        if (nb == 2 && strncasecmp(host, "s3", 2) == 0) return NULL;
        return xstrndup(host, nb);
    }
    static const char aws[] = ".amazonaws.com";
    size_t na = sizeof(aws) - 1;
    if (n > na && strncasecmp(host + n - na, aws, na) == 0) {
        for (size_t i = 1; i + 4 <= n; i++)
            if (host[i] == '.' && strncasecmp(host + i, ".s3", 3) == 0 &&
                (host[i + 3] == '.' || host[i + 3] == '-'))
                return xstrndup(host, i);
    }
    return NULL;
}

int s3_locate(const char *host, const char *path, char **bucket, char **key) {
    *bucket = *key = NULL;
    char *vb = NULL;
    if (host && *host && host[0] != '[') {
        size_t n = strcspn(host, ":");
        vb = host_bucket(host, n);
        for (char *p = vb; p && *p; p++) *p = (char)tolower((unsigned char)*p);
    }
    const char *p = path[0] == '/' ? path + 1 : path;
    if (vb == NULL) {
        size_t nb = strcspn(p, "/");
        if (nb > 0) {
            vb = util_pct_decode(p, nb);
            if (vb == NULL) return -1;
        }
        p += nb;
        if (*p == '/') p++;
    }
    *bucket = vb;
    if (vb && *p) {
        *key = util_pct_decode(p, strlen(p));
        if (*key == NULL) {
            free(vb);
            *bucket = NULL;
            return -1;
        }
    }
    return 0;
}

const char *s3_op_name(const char *method, int has_bucket, int has_key, unsigned subs) {
    int get = strcmp(method, "GET") == 0, put = strcmp(method, "PUT") == 0;
    int head = strcmp(method, "HEAD") == 0, del = strcmp(method, "DELETE") == 0;
    int post = strcmp(method, "POST") == 0;
    if (!has_bucket) return get ? "ListBuckets" : NULL;
    if (!has_key) {
        if (subs & S3_SUB_TAGGING)
            return put ? "PutBucketTagging" : get ? "GetBucketTagging" : del ? "DeleteBucketTagging" : NULL;
        if (subs & S3_SUB_POLICY)
            return put ? "PutBucketPolicy" : get ? "GetBucketPolicy" : del ? "DeleteBucketPolicy" : NULL;
        if (subs & S3_SUB_VERSIONING) return put ? "PutBucketVersioning" : get ? "GetBucketVersioning" : NULL;
        if (subs & S3_SUB_LOCATION) return get ? "GetBucketLocation" : NULL;
        if (subs & S3_SUB_ACL) return get ? "GetBucketAcl" : put ? "" : NULL;
        if (subs & S3_SUB_UPLOADS) return get ? "ListMultipartUploads" : NULL;
        if (subs & S3_SUB_DELETE) return post ? "DeleteObjects" : NULL;
        if (subs & S3_SUB_OTHER) return (get || put || del) ? "" : NULL;
        if (subs & S3_SUB_LIST_V2) return get ? "ListObjectsV2" : NULL;
        return put ? "CreateBucket" : get ? "ListObjects" : head ? "HeadBucket" : del ? "DeleteBucket" : NULL;
    }
    if (subs & S3_SUB_UPLOAD_ID)
        return put ? ((subs & S3_SUB_COPY_SOURCE) ? "" : "UploadPart")
               : post ? "CompleteMultipartUpload"
               : get ? "ListParts"
               : del ? "AbortMultipartUpload"
               : NULL;
    if (subs & S3_SUB_UPLOADS) return post ? "CreateMultipartUpload" : NULL;
    if (subs & (S3_SUB_TAGGING | S3_SUB_ACL | S3_SUB_OTHER)) return (get || put || del) ? "" : NULL;
    if (put) return (subs & S3_SUB_COPY_SOURCE) ? "CopyObject" : "PutObject";
    return get ? "GetObject" : head ? "HeadObject" : del ? "DeleteObject" : NULL;
}

/* The S3_SUB_* bits of REQ. */
static unsigned request_subs(struct req *req) {
    static const struct {
        const char *name;
        unsigned bit;
    } known[] = {
        {"tagging", S3_SUB_TAGGING}, {"versioning", S3_SUB_VERSIONING}, {"policy", S3_SUB_POLICY},
        {"location", S3_SUB_LOCATION}, {"uploads", S3_SUB_UPLOADS}, {"uploadId", S3_SUB_UPLOAD_ID},
        {"delete", S3_SUB_DELETE}, {"acl", S3_SUB_ACL},
    };
    /* Subresources sluice does not implement: answered NotImplemented
     * rather than taken for the plain operation. */
    static const char *const other[] = {
        "cors", "lifecycle", "website", "logging", "notification", "replication", "encryption",
        "accelerate", "requestPayment", "object-lock", "ownershipControls", "publicAccessBlock",
        "intelligent-tiering", "inventory", "metrics", "analytics", "retention", "legal-hold",
        "restore", "select", "attributes", "versions", "torrent", "policyStatus", "website",
        "metadataTable", "metadataConfiguration",
    };
    unsigned subs = 0;
    for (int i = 0; i < req->nquery; i++) {
        const char *q = req->query[i].name;
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            if (strcmp(q, known[k].name) == 0) subs |= known[k].bit;
        for (size_t k = 0; k < sizeof(other) / sizeof(other[0]); k++)
            if (strcmp(q, other[k]) == 0) subs |= S3_SUB_OTHER;
        if (strcmp(q, "list-type") == 0 && strcmp(req->query[i].value, "2") == 0) subs |= S3_SUB_LIST_V2;
    }
    if (req_header(req, "x-amz-copy-source")) subs |= S3_SUB_COPY_SOURCE;
    return subs;
}

/* ------------------------------------------------------------------ */
/* Buckets                                                              */
/* ------------------------------------------------------------------ */

/* The LocationConstraint of a CreateBucket body (NULL for none). */
static int location_or_fail(struct req *req, char **loc) {
    *loc = NULL;
    if (req->nbody == 0) return 0;
    size_t pos = 0, start, len;
    int found = s3x_next(req->body, req->nbody, "CreateBucketConfiguration", &pos, &start, &len);
    if (found <= 0)
        return s3_fail(req, &AWSERR_S3_MALFORMED_XML, NULL, NULL,
                       "The XML you provided was not well-formed or did not validate against our "
                       "published schema");
    *loc = s3x_child(req->body + start, len, "LocationConstraint");
    if (*loc && **loc == '\0') {
        free(*loc);
        *loc = NULL;
    }
    return 0;
}

/* The region a CreateBucket in REGION with constraint LOC makes its bucket
 * in, or the error S3 answers (Amazon S3 API Reference, CreateBucket). */
static int region_or_fail(struct req *req, const char *loc, char region[32]) {
    if (loc == NULL) {
        if (strcmp(req->region, "us-east-1") != 0)
            return s3_fail(req, &AWSERR_S3_ILLEGAL_LOCATION, NULL, NULL,
                           "The unspecified location constraint is incompatible for the region specific "
                           "endpoint this request was sent to.");
        snprintf(region, 32, "%s", "us-east-1");
        return 0;
    }
    if (strcmp(loc, "us-east-1") == 0 || strlen(loc) >= 32)
        return s3_fail(req, &AWSERR_S3_INVALID_LOCATION, NULL, NULL,
                       "The specified location-constraint is not valid");
    if (strcmp(loc, "EU") != 0 && strcmp(loc, req->region) != 0)
        return s3_fail(req, &AWSERR_S3_ILLEGAL_LOCATION, NULL, NULL,
                       "The %s location constraint is incompatible for the region specific endpoint "
                       "this request was sent to.", loc);
    snprintf(region, 32, "%s", strcmp(loc, "EU") == 0 ? "eu-west-1" : loc);
    return 0;
}

static int create_bucket(struct req *req, struct op_in *in) {
    char *loc = NULL;
    int ret = -1;
    if (!s3_bucket_name_ok(in->fn)) {
        s3_fail(req, &AWSERR_S3_INVALID_BUCKET_NAME, "BucketName", in->fn, "The specified bucket is not valid.");
        goto out;
    }
    struct store_s3_bucket b = {0};
    snprintf(b.name, sizeof(b.name), "%s", in->fn);
    snprintf(b.account, sizeof(b.account), "%s", req->account);
    b.created_ms = clock_now_ms();
    if (location_or_fail(req, &loc) != 0 || region_or_fail(req, loc, b.region) != 0) goto out;
    int rc = store_s3_bucket_create(&b);
    if (rc == STORE_CONFLICT) {
        /* us-east-1 keeps S3's legacy answer: re-creating one's own bucket
         * succeeds (Amazon S3 API Reference, CreateBucket, "Errors"). */
        if (strcmp(b.account, req->account) != 0) {
            s3_fail(req, &AWSERR_S3_ALREADY_EXISTS, "BucketName", in->fn,
                    "The requested bucket name is not available. The bucket namespace is shared by all "
                    "users of the system. Please select a different name and try again.");
            goto out;
        }
        if (strcmp(req->region, "us-east-1") != 0 || strcmp(b.region, "us-east-1") != 0) {
            s3_fail(req, &AWSERR_S3_ALREADY_OWNED, "BucketName", in->fn,
                    "Your previous request to create the named bucket succeeded and you already own it.");
            goto out;
        }
    } else if (rc != STORE_OK) {
        s3_store_fail(req, rc);
        goto out;
    }
    char *where = xasprintf("/%s", in->fn);
    req_add_header(req, "Location", where);
    free(where);
    ret = req_reply_raw(req, 200, NULL, "", 0);
out:
    free(loc);
    return ret;
}

static int head_bucket(struct req *req, struct op_in *in) {
    struct store_s3_bucket b;
    if (s3_bucket_or_fail(req, in->fn, &b) != 0) return -1;
    req_add_header(req, "x-amz-bucket-region", b.region);
    return req_reply_raw(req, 200, NULL, "", 0);
}

static int delete_bucket(struct req *req, struct op_in *in) {
    int rc = store_s3_bucket_delete(in->fn);
    if (rc == STORE_NOTFOUND) return s3_no_bucket(req, in->fn);
    if (rc == STORE_CONFLICT)
        return s3_fail(req, &AWSERR_S3_BUCKET_NOT_EMPTY, "BucketName", in->fn,
                       "The bucket you tried to delete is not empty");
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    return req_reply_raw(req, 204, NULL, "", 0);
}

static void owner_xml(struct s3x_buf *x, const char *account) {
    char id[65];
    s3_owner_id(account, id);
    s3x_addf(x, "<Owner><ID>%s</ID><DisplayName>%s</DisplayName></Owner>", id, account);
}

static int list_bucket_row(void *ctx, const struct store_s3_bucket *b) {
    char when[32];
    s3_iso(b->created_ms, when);
    s3x_add(ctx, "<Bucket>");
    s3x_elem(ctx, "Name", b->name);
    s3x_elem(ctx, "CreationDate", when);
    s3x_elem(ctx, "BucketRegion", b->region);
    s3x_add(ctx, "</Bucket>");
    return 0;
}

static int list_buckets(struct req *req, struct op_in *in) {
    (void)in;
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<ListAllMyBucketsResult xmlns=\"" S3_XMLNS "\">");
    owner_xml(&x, req->account);
    s3x_add(&x, "<Buckets>");
    int rc = store_s3_bucket_each(req->account, list_bucket_row, &x);
    if (rc != STORE_OK) {
        free(s3x_take(&x, NULL));
        return s3_store_fail(req, rc);
    }
    s3x_add(&x, "</Buckets></ListAllMyBucketsResult>");
    return s3_reply_xml(req, 200, &x);
}

static int get_bucket_location(struct req *req, struct op_in *in) {
    struct store_s3_bucket b;
    if (s3_bucket_or_fail(req, in->fn, &b) != 0) return -1;
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<LocationConstraint xmlns=\"" S3_XMLNS "\">");
    /* us-east-1 is the empty constraint (GetBucketLocation). */
    if (strcmp(b.region, "us-east-1") != 0) s3x_add(&x, b.region);
    s3x_add(&x, "</LocationConstraint>");
    return s3_reply_xml(req, 200, &x);
}

/* Stores (BODY) or clears (NULL) document WHICH of REQ's bucket; 204. */
static int set_attr(struct req *req, const char *bucket, enum store_s3_attr which, const char *value,
                    int status) {
    int rc = store_s3_bucket_set(bucket, which, value);
    if (rc == STORE_NOTFOUND) return s3_no_bucket(req, bucket);
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    return req_reply_raw(req, status, NULL, "", 0);
}

static int malformed_xml(struct req *req) {
    return s3_fail(req, &AWSERR_S3_MALFORMED_XML, NULL, NULL,
                   "The XML you provided was not well-formed or did not validate against our published schema");
}

static int put_bucket_tagging(struct req *req, struct op_in *in) {
    size_t pos = 0, start, len;
    if (s3x_next(req->body, req->nbody, "Tagging", &pos, &start, &len) != 1) return malformed_xml(req);
    /* Every Tag has a Key and a Value. */
    const char *set = req->body + start;
    size_t tp = 0, ts, tl;
    int k;
    while ((k = s3x_next(set, len, "Tag", &tp, &ts, &tl)) == 1) {
        char *key = s3x_child(set + ts, tl, "Key"), *val = s3x_child(set + ts, tl, "Value");
        int ok = key && val && *key;
        free(key);
        free(val);
        if (!ok) return malformed_xml(req);
    }
    if (k < 0) return malformed_xml(req);
    return set_attr(req, in->fn, STORE_S3_TAGS, req->body, 204);
}

static int get_bucket_tagging(struct req *req, struct op_in *in) {
    char *doc = NULL;
    int rc = store_s3_bucket_attr(in->fn, STORE_S3_TAGS, &doc);
    if (rc == STORE_NOTFOUND) return s3_no_bucket(req, in->fn);
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    if (doc == NULL)
        return s3_fail(req, &AWSERR_S3_NO_SUCH_TAG_SET, "BucketName", in->fn, "The TagSet does not exist");
    /* Re-emit the tags in S3's own envelope. */
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<Tagging xmlns=\"" S3_XMLNS "\"><TagSet>");
    size_t pos = 0, start, len;
    while (s3x_next(doc, strlen(doc), "Tag", &pos, &start, &len) == 1) {
        char *key = s3x_child(doc + start, len, "Key"), *val = s3x_child(doc + start, len, "Value");
        s3x_add(&x, "<Tag>");
        s3x_elem(&x, "Key", key);
        s3x_elem(&x, "Value", val);
        s3x_add(&x, "</Tag>");
        free(key);
        free(val);
    }
    free(doc);
    s3x_add(&x, "</TagSet></Tagging>");
    return s3_reply_xml(req, 200, &x);
}

static int delete_bucket_tagging(struct req *req, struct op_in *in) {
    return set_attr(req, in->fn, STORE_S3_TAGS, NULL, 204);
}

static int put_bucket_versioning(struct req *req, struct op_in *in) {
    char *status = s3x_child(req->body, req->nbody, "Status");
    if (status == NULL || (strcmp(status, "Enabled") != 0 && strcmp(status, "Suspended") != 0)) {
        free(status);
        return malformed_xml(req);
    }
    int r = set_attr(req, in->fn, STORE_S3_VERSIONING, status, 200);
    free(status);
    return r;
}

static int get_bucket_versioning(struct req *req, struct op_in *in) {
    char *status = NULL;
    int rc = store_s3_bucket_attr(in->fn, STORE_S3_VERSIONING, &status);
    if (rc == STORE_NOTFOUND) return s3_no_bucket(req, in->fn);
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<VersioningConfiguration xmlns=\"" S3_XMLNS "\">");
    if (status) s3x_elem(&x, "Status", status);
    s3x_add(&x, "</VersioningConfiguration>");
    free(status);
    return s3_reply_xml(req, 200, &x);
}

static int put_bucket_policy(struct req *req, struct op_in *in) {
    cJSON *doc = req->nbody ? cJSON_ParseWithLength(req->body, req->nbody) : NULL;
    int ok = cJSON_IsObject(doc);
    cJSON_Delete(doc);
    if (!ok)
        return s3_fail(req, &AWSERR_S3_MALFORMED_POLICY, NULL, NULL,
                       "Policies must be valid JSON and the first byte must be '{'");
    return set_attr(req, in->fn, STORE_S3_POLICY, req->body, 204);
}

static int get_bucket_policy(struct req *req, struct op_in *in) {
    char *doc = NULL;
    int rc = store_s3_bucket_attr(in->fn, STORE_S3_POLICY, &doc);
    if (rc == STORE_NOTFOUND) return s3_no_bucket(req, in->fn);
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    if (doc == NULL)
        return s3_fail(req, &AWSERR_S3_NO_SUCH_POLICY, "BucketName", in->fn, "The bucket policy does not exist");
    req_reply_raw(req, 200, "application/json", doc, strlen(doc));
    free(doc);
    return 0;
}

static int delete_bucket_policy(struct req *req, struct op_in *in) {
    return set_attr(req, in->fn, STORE_S3_POLICY, NULL, 204);
}

/* ------------------------------------------------------------------ */
/* ListObjects (v1 and v2)                                              */
/* ------------------------------------------------------------------ */

struct listing {
    struct s3x_buf *x;
    const char *prefix, *delim;
    char *resume_cp;       /* the common prefix the listing resumes after, or NULL */
    char *last_cp;         /* the last common prefix emitted */
    char *last;            /* the last key or prefix emitted */
    const char *owner;     /* ListObjectVersions: the bucket's account; NULL for the other listings */
    int url, max, count, truncated;
};

/* Emits element NAME with text Z, url-encoded when asked. */
static void emit_text(struct listing *l, const char *name, const char *z) {
    if (!l->url) {
        s3x_elem(l->x, name, z);
        return;
    }
    char *e = util_pct_encode(z, "/");   /* encoding-type=url keeps '/' */
    s3x_elem(l->x, name, e);
    free(e);
}

/* The common prefix of KEY under L (heap), or NULL when KEY has none. */
static char *common_prefix(const struct listing *l, const char *key) {
    if (!l->delim[0]) return NULL;
    size_t np = strlen(l->prefix);
    const char *d = strstr(key + np, l->delim);
    return d ? xstrndup(key, (size_t)(d - key) + strlen(l->delim)) : NULL;
}

static int list_row(void *ctx, const struct store_s3_object *o) {
    struct listing *l = ctx;
    char *cp = common_prefix(l, o->key);
    if (cp && ((l->last_cp && strcmp(cp, l->last_cp) == 0) || (l->resume_cp && strcmp(cp, l->resume_cp) == 0))) {
        free(cp);
        return 0;
    }
    if (l->count == l->max) {
        free(cp);
        l->truncated = 1;
        return 1;
    }
    l->count++;
    free(l->last);
    if (cp) {
        s3x_add(l->x, "<CommonPrefixes>");
        emit_text(l, "Prefix", cp);
        s3x_add(l->x, "</CommonPrefixes>");
        free(l->last_cp);
        l->last_cp = cp;
        l->last = xstrdup(cp);
        return 0;
    }
    char when[32], size[24];
    s3_iso(o->modified_ms, when);
    snprintf(size, sizeof(size), "%lld", (long long)o->size);
    s3x_add(l->x, l->owner ? "<Version>" : "<Contents>");
    emit_text(l, "Key", o->key);
    /* An unversioned bucket's objects are each the one "null" version. */
    if (l->owner) s3x_add(l->x, "<VersionId>null</VersionId><IsLatest>true</IsLatest>");
    s3x_elem(l->x, "LastModified", when);
    s3x_elem(l->x, "ETag", o->etag);
    s3x_elem(l->x, "Size", size);
    if (l->owner) owner_xml(l->x, l->owner);
    s3x_elem(l->x, "StorageClass", "STANDARD");
    s3x_add(l->x, l->owner ? "</Version>" : "</Contents>");
    l->last = xstrdup(o->key);
    return 0;
}

/* max-keys, or -1 with InvalidArgument recorded. */
static int max_keys_or_fail(struct req *req, const char *name, int dflt) {
    const char *v = req_query(req, name);
    if (v == NULL) return dflt;
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end || n < 0)
        return s3_fail(req, &AWSERR_S3_INVALID_ARGUMENT, "ArgumentName", name,
                       "Provided %s not an integer or within integer range", name);
    return n > S3_MAX_KEYS ? S3_MAX_KEYS : (int)n;
}

/* Walks the keys after AFTER into L (whose buffer has the head), then
 * closes the document with TAIL. */
static int list_walk(struct req *req, const char *bucket, const char *after, struct listing *l) {
    l->resume_cp = after[0] ? common_prefix(l, after) : NULL;
    int rc = l->max == 0 ? STORE_OK : store_s3_object_each(bucket, l->prefix, after, list_row, l);
    free(l->resume_cp);
    free(l->last_cp);
    l->resume_cp = l->last_cp = NULL;
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    return 0;
}

static void list_head(struct listing *l, const char *bucket) {
    s3x_add(l->x, S3_XML_DECL "<ListBucketResult xmlns=\"" S3_XMLNS "\">");
    s3x_elem(l->x, "Name", bucket);
    emit_text(l, "Prefix", l->prefix);
    s3x_addf(l->x, "<MaxKeys>%d</MaxKeys>", l->max);
    if (l->delim[0]) emit_text(l, "Delimiter", l->delim);
    if (l->url) s3x_elem(l->x, "EncodingType", "url");
}

static int list_common(struct req *req, struct op_in *in, int v2) {
    const char *enc = req_query(req, "encoding-type");
    if (enc && strcmp(enc, "url") != 0)
        return s3_fail(req, &AWSERR_S3_INVALID_ARGUMENT, "ArgumentName", "encoding-type",
                       "Invalid Encoding Method specified in Request");
    int max = max_keys_or_fail(req, "max-keys", S3_MAX_KEYS);
    if (max < 0) return -1;
    if (s3_bucket_or_fail(req, in->fn, NULL) != 0) return -1;
    const char *prefix = req_query(req, "prefix"), *delim = req_query(req, "delimiter");
    struct s3x_buf tail = {0};
    struct listing l = {NULL, prefix ? prefix : "", delim ? delim : "", NULL, NULL, NULL, NULL, enc != NULL, max, 0, 0};
    char *after = NULL;
    if (v2) {
        const char *token = req_query(req, "continuation-token"), *start = req_query(req, "start-after");
        if (token) {
            size_t n;
            after = (char *)util_b64_decode(token, strlen(token), &n);
            if (after == NULL || memchr(after, '\0', n)) {
                free(after);
                return s3_fail(req, &AWSERR_S3_INVALID_ARGUMENT, "ArgumentName", "continuation-token",
                               "The continuation token provided is incorrect");
            }
            after = xrealloc(after, n + 1);
            after[n] = '\0';
            s3x_elem(&tail, "ContinuationToken", token);
        } else if (start) {
            after = xstrdup(start);
        }
    } else {
        const char *marker = req_query(req, "marker");
        after = xstrdup(marker ? marker : "");
    }
    struct s3x_buf head = {0};
    l.x = &head;
    list_head(&l, in->fn);
    if (v2 && req_query(req, "start-after")) emit_text(&l, "StartAfter", req_query(req, "start-after"));
    if (!v2) emit_text(&l, "Marker", after);
    struct s3x_buf body = {0};
    l.x = &body;
    int rc = list_walk(req, in->fn, after ? after : "", &l);
    free(after);
    if (rc != 0) goto fail;
    s3x_addf(&head, "<IsTruncated>%s</IsTruncated>", l.truncated ? "true" : "false");
    if (v2) {
        s3x_addf(&head, "<KeyCount>%d</KeyCount>", l.count);
        char *t = s3x_take(&tail, NULL);
        s3x_add(&head, t);
        free(t);
        if (l.truncated && l.last) {
            char *tok = util_b64_encode(l.last, strlen(l.last));
            s3x_elem(&head, "NextContinuationToken", tok);
            free(tok);
        }
    } else if (l.truncated && l.last) {
        l.x = &head;
        emit_text(&l, "NextMarker", l.last);
    }
    char *items = s3x_take(&body, NULL);
    s3x_add(&head, items);
    free(items);
    s3x_add(&head, "</ListBucketResult>");
    free(l.last);
    return s3_reply_xml(req, 200, &head);
fail:
    free(l.last);
    free(s3x_take(&head, NULL));
    free(s3x_take(&body, NULL));
    free(s3x_take(&tail, NULL));
    return -1;
}

static int list_objects(struct req *req, struct op_in *in) { return list_common(req, in, 0); }

static int list_objects_v2(struct req *req, struct op_in *in) { return list_common(req, in, 1); }

/* ListObjectVersions. sluice keeps one version per key (versioning is
 * stored, not acted on), so each object is listed as its "null" version,
 * the latest; there are no delete markers. key-marker resumes after a key. */
static int list_versions(struct req *req, struct op_in *in) {
    const char *enc = req_query(req, "encoding-type");
    if (enc && strcmp(enc, "url") != 0)
        return s3_fail(req, &AWSERR_S3_INVALID_ARGUMENT, "ArgumentName", "encoding-type",
                       "Invalid Encoding Method specified in Request");
    int max = max_keys_or_fail(req, "max-keys", S3_MAX_KEYS);
    if (max < 0) return -1;
    struct store_s3_bucket b;
    if (s3_bucket_or_fail(req, in->fn, &b) != 0) return -1;
    const char *prefix = req_query(req, "prefix"), *delim = req_query(req, "delimiter");
    const char *marker = req_query(req, "key-marker");
    struct listing l = {NULL, prefix ? prefix : "", delim ? delim : "", NULL, NULL, NULL, b.account, enc != NULL,
                        max, 0, 0};
    struct s3x_buf head = {0}, body = {0};
    l.x = &body;
    if (list_walk(req, in->fn, marker ? marker : "", &l) != 0) {
        free(l.last);
        free(s3x_take(&body, NULL));
        return -1;
    }
    l.x = &head;
    s3x_add(&head, S3_XML_DECL "<ListVersionsResult xmlns=\"" S3_XMLNS "\">");
    s3x_elem(&head, "Name", in->fn);
    emit_text(&l, "Prefix", l.prefix);
    emit_text(&l, "KeyMarker", marker ? marker : "");
    s3x_elem(&head, "VersionIdMarker", req_query(req, "version-id-marker") ? req_query(req, "version-id-marker") : "");
    if (l.truncated && l.last) {
        emit_text(&l, "NextKeyMarker", l.last);
        s3x_elem(&head, "NextVersionIdMarker", "null");
    }
    s3x_addf(&head, "<MaxKeys>%d</MaxKeys>", max);
    if (l.delim[0]) emit_text(&l, "Delimiter", l.delim);
    if (l.url) s3x_elem(&head, "EncodingType", "url");
    s3x_addf(&head, "<IsTruncated>%s</IsTruncated>", l.truncated ? "true" : "false");
    char *items = s3x_take(&body, NULL);
    s3x_add(&head, items);
    free(items);
    s3x_add(&head, "</ListVersionsResult>");
    free(l.last);
    return s3_reply_xml(req, 200, &head);
}

/* ------------------------------------------------------------------ */
/* The service                                                          */
/* ------------------------------------------------------------------ */

static const struct op s3_ops[] = {
    {"AbortMultipartUpload", s3_abort_upload, 0, NULL, NULL, NULL},
    {"CompleteMultipartUpload", s3_complete_upload, 0, NULL, NULL, NULL},
    {"CopyObject", s3_copy_object, 0, NULL, NULL, NULL},
    {"CreateBucket", create_bucket, 0, NULL, NULL, NULL},
    {"CreateMultipartUpload", s3_create_upload, 0, NULL, NULL, NULL},
    {"DeleteBucket", delete_bucket, 0, NULL, NULL, NULL},
    {"DeleteBucketPolicy", delete_bucket_policy, 0, NULL, NULL, NULL},
    {"DeleteBucketTagging", delete_bucket_tagging, 0, NULL, NULL, NULL},
    {"DeleteObject", s3_delete_object, 0, NULL, NULL, NULL},
    {"DeleteObjects", s3_delete_objects, 0, NULL, NULL, NULL},
    {"GetBucketAcl", s3_get_bucket_acl, 0, NULL, NULL, NULL},
    {"GetBucketLocation", get_bucket_location, 0, NULL, NULL, NULL},
    {"GetBucketPolicy", get_bucket_policy, 0, NULL, NULL, NULL},
    {"GetBucketTagging", get_bucket_tagging, 0, NULL, NULL, NULL},
    {"GetBucketVersioning", get_bucket_versioning, 0, NULL, NULL, NULL},
    {"GetObject", s3_get_object, 0, NULL, NULL, NULL},
    {"HeadBucket", head_bucket, 0, NULL, NULL, NULL},
    {"HeadObject", s3_head_object, 0, NULL, NULL, NULL},
    {"ListBuckets", list_buckets, 0, NULL, NULL, NULL},
    {"ListMultipartUploads", s3_list_uploads, 0, NULL, NULL, NULL},
    {"ListObjects", list_objects, 0, NULL, NULL, NULL},
    {"ListObjectsV2", list_objects_v2, 0, NULL, NULL, NULL},
    {"ListParts", s3_list_parts, 0, NULL, NULL, NULL},
    {"PutBucketPolicy", put_bucket_policy, 0, NULL, NULL, NULL},
    {"PutBucketTagging", put_bucket_tagging, 0, NULL, NULL, NULL},
    {"PutBucketVersioning", put_bucket_versioning, 0, NULL, NULL, NULL},
    {"PutObject", s3_put_object, 0, NULL, NULL, NULL},
    {"UploadPart", s3_upload_part, 0, NULL, NULL, NULL},
    /* Subresources (api/s3_config.c). */
    {"DeleteBucketCors", s3_config_delete, 0, NULL, NULL, NULL},
    {"DeleteBucketEncryption", s3_config_delete, 0, NULL, NULL, NULL},
    {"DeleteBucketLifecycle", s3_config_delete, 0, NULL, NULL, NULL},
    {"DeleteBucketOwnershipControls", s3_config_delete, 0, NULL, NULL, NULL},
    {"DeleteBucketReplication", s3_config_delete, 0, NULL, NULL, NULL},
    {"DeleteBucketWebsite", s3_config_delete, 0, NULL, NULL, NULL},
    {"DeleteObjectTagging", s3_delete_object_tagging, 0, NULL, NULL, NULL},
    {"DeletePublicAccessBlock", s3_config_delete, 0, NULL, NULL, NULL},
    {"GetBucketAccelerateConfiguration", s3_config_get, 0, NULL, NULL, NULL},
    {"GetBucketCors", s3_config_get, 0, NULL, NULL, NULL},
    {"GetBucketEncryption", s3_config_get, 0, NULL, NULL, NULL},
    {"GetBucketLifecycleConfiguration", s3_config_get, 0, NULL, NULL, NULL},
    {"GetBucketLogging", s3_config_get, 0, NULL, NULL, NULL},
    {"GetBucketNotificationConfiguration", s3_config_get, 0, NULL, NULL, NULL},
    {"GetBucketOwnershipControls", s3_config_get, 0, NULL, NULL, NULL},
    {"GetBucketPolicyStatus", s3_policy_status, 0, NULL, NULL, NULL},
    {"GetBucketReplication", s3_config_get, 0, NULL, NULL, NULL},
    {"GetBucketRequestPayment", s3_config_get, 0, NULL, NULL, NULL},
    {"GetBucketWebsite", s3_config_get, 0, NULL, NULL, NULL},
    {"GetObjectAcl", s3_get_object_acl, 0, NULL, NULL, NULL},
    {"GetObjectLegalHold", s3_object_lock_missing, 0, NULL, NULL, NULL},
    {"GetObjectLockConfiguration", s3_config_get, 0, NULL, NULL, NULL},
    {"GetObjectRetention", s3_object_lock_missing, 0, NULL, NULL, NULL},
    {"GetObjectTagging", s3_get_object_tagging, 0, NULL, NULL, NULL},
    {"GetPublicAccessBlock", s3_config_get, 0, NULL, NULL, NULL},
    {"ListObjectVersions", list_versions, 0, NULL, NULL, NULL},
    {"PutBucketAccelerateConfiguration", s3_config_put, 0, NULL, NULL, NULL},
    {"PutBucketAcl", s3_put_bucket_acl, 0, NULL, NULL, NULL},
    {"PutBucketCors", s3_config_put, 0, NULL, NULL, NULL},
    {"PutBucketEncryption", s3_config_put, 0, NULL, NULL, NULL},
    {"PutBucketLifecycleConfiguration", s3_config_put, 0, NULL, NULL, NULL},
    {"PutBucketLogging", s3_config_put, 0, NULL, NULL, NULL},
    {"PutBucketNotificationConfiguration", s3_config_put, 0, NULL, NULL, NULL},
    {"PutBucketOwnershipControls", s3_config_put, 0, NULL, NULL, NULL},
    {"PutBucketReplication", s3_config_put, 0, NULL, NULL, NULL},
    {"PutBucketRequestPayment", s3_config_put, 0, NULL, NULL, NULL},
    {"PutBucketWebsite", s3_config_put, 0, NULL, NULL, NULL},
    {"PutObjectAcl", s3_put_object_acl, 0, NULL, NULL, NULL},
    {"PutObjectLegalHold", s3_object_lock_missing, 0, NULL, NULL, NULL},
    {"PutObjectRetention", s3_object_lock_missing, 0, NULL, NULL, NULL},
    {"PutObjectTagging", s3_put_object_tagging, 0, NULL, NULL, NULL},
    {"PutPublicAccessBlock", s3_config_put, 0, NULL, NULL, NULL},
};

/* Presigned URLs carry their expiry: X-Amz-Date + X-Amz-Expires (SigV4)
 * or Expires in epoch seconds (the older form). 1 when past it. */
static int presign_expired(struct req *req) {
    int64_t now = clock_now_ms() / 1000;
    const char *exp = req_query(req, "Expires");
    if (exp && req_query(req, "Signature")) return atoll(exp) < now;
    const char *date = req_query(req, "X-Amz-Date"), *secs = req_query(req, "X-Amz-Expires");
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    if (date == NULL || secs == NULL || strptime(date, "%Y%m%dT%H%M%SZ", &tm) == NULL) return 0;
    return (int64_t)timegm(&tm) + atoll(secs) < now;
}

/* The caller's account for requests SigV4 did not name one for: the
 * older presigned form's AWSAccessKeyId, or a SigV2 "AWS AKID:sig"
 * Authorization header, when it is 12 digits. */
static void older_signature_account(struct req *req) {
    if (req->service[0]) return;
    const char *akid = req_query(req, "AWSAccessKeyId");
    const char *auth = req_header(req, "Authorization");
    char buf[16] = "";
    if (akid == NULL && auth && strncmp(auth, "AWS ", 4) == 0) {
        size_t n = strcspn(auth + 4, ":");
        if (n < sizeof(buf)) {
            memcpy(buf, auth + 4, n);
            buf[n] = '\0';
            akid = buf;
        }
    }
    if (akid == NULL || strlen(akid) != 12) return;
    for (int i = 0; i < 12; i++)
        if (!isdigit((unsigned char)akid[i])) return;
    memcpy(req->account, akid, 13);
}

static const struct op *s3_find(const struct service *svc, struct req *req, struct op_in *in) {
    older_signature_account(req);
    if (presign_expired(req)) {
        s3_fail(req, &AWSERR_S3_ACCESS_DENIED, NULL, NULL, "Request has expired");
        return NULL;
    }
    char *bucket = NULL, *key = NULL;
    if (s3_locate(req_header(req, "Host"), req->path, &bucket, &key) != 0) {
        s3_fail(req, &AWSERR_S3_INVALID_ARGUMENT, NULL, NULL, "Couldn't parse the specified URI.");
        return NULL;
    }
    struct utf8_error ue;
    if (key && (utf8_check(key, strlen(key), &ue) != 0 || strlen(key) > 1024)) {
        s3_fail(req, strlen(key) > 1024 ? &AWSERR_S3_KEY_TOO_LONG : &AWSERR_S3_INVALID_ARGUMENT, NULL, NULL,
                strlen(key) > 1024 ? "Your key is too long" : "Object key is not valid UTF-8");
        free(bucket);
        free(key);
        return NULL;
    }
    const char *name = NULL;
    int known = 0;
    unsigned subs = request_subs(req);
    /* The subresources of api/s3_config.c, unless the request is a
     * multipart one (which names its operation on its own). */
    for (int i = 0; bucket && !known && !(subs & (S3_SUB_UPLOADS | S3_SUB_UPLOAD_ID)) && i < req->nquery; i++)
        name = s3_sub_op_name(req->method, key != NULL, req->query[i].name, &known);
    if (!known) name = s3_op_name(req->method, bucket != NULL, key != NULL, subs);
    in->fn = bucket;
    in->sub = key;
    if (name == NULL) {
        s3_fail(req, &AWSERR_S3_METHOD_NOT_ALLOWED, NULL, NULL,
                "The specified method is not allowed against this resource.");
        return NULL;
    }
    for (size_t i = 0; i < svc->nops; i++)
        if (strcmp(svc->ops[i].name, name) == 0) return &svc->ops[i];
    s3_fail(req, &AWSERR_S3_NOT_IMPLEMENTED, NULL, NULL,
            "A header or query you provided implies functionality that is not implemented.");
    return NULL;
}

size_t s3_body_cap(struct req *req) {
    if (strcmp(req->method, "PUT") != 0) return S3_MAX_BODY_XML;
    char *bucket = NULL, *key = NULL;
    if (s3_locate(req_header(req, "Host"), req->path, &bucket, &key) != 0) return S3_MAX_BODY_XML;
    unsigned subs = request_subs(req);
    int known = 0;
    for (int i = 0; bucket && key && !(subs & (S3_SUB_UPLOADS | S3_SUB_UPLOAD_ID)) && i < req->nquery; i++)
        s3_sub_op_name(req->method, 1, req->query[i].name, &known);
    const char *name = known ? NULL : s3_op_name(req->method, bucket != NULL, key != NULL, subs);
    free(bucket);
    free(key);
    if (name && (strcmp(name, "PutObject") == 0 || strcmp(name, "UploadPart") == 0)) {
        req->body_to_file = 1;
        return (size_t)S3_MAX_BODY_PUT;
    }
    return S3_MAX_BODY_XML;
}

const struct service s3_service = {
    .name = "s3",
    .ops = s3_ops,
    .nops = sizeof(s3_ops) / sizeof(s3_ops[0]),
    .find = s3_find,
    .parse = NULL,
    .store_fail = store_fail_cb,
    .reply = NULL,
    .group_job = NULL,
    .unknown_op = &AWSERR_S3_NOT_IMPLEMENTED,
};
