/*
 * S3 subresources: the bucket configuration documents (?cors, ?website,
 * ?lifecycle, ?logging, ?encryption, ?ownershipControls,
 * ?publicAccessBlock, ...) that sluice stores and answers but does not act
 * on, ACLs (canned or as sent), object tags, ListObjectVersions of an
 * unversioned bucket, and the Object Lock answers of a bucket without
 * Object Lock. A bucket with nothing configured answers what AWS answers
 * for a bucket created today (Amazon S3 User Guide, "Setting Object
 * Ownership when you create a bucket": ACLs disabled, Block Public Access
 * on; "Setting default server-side encryption behavior for Amazon S3
 * buckets": SSE-S3).
 */
#include "api/s3.h"
#include "api/s3_int.h"
#include "api/s3_xml.h"
#include "api/aws_error.h"
#include "api/op.h"
#include "api/request.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_s3.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* S3's errors for a subresource that is not configured (Amazon S3 API
 * Reference, "List of error codes", and each Get operation's page). They
 * are S3's alone, so they live here rather than in api/aws_error.c. */
static const struct aws_error ERR_NO_CORS = {"NoSuchCORSConfiguration", 404, NULL, AWSERR_MSG_UPPER, 0};
static const struct aws_error ERR_NO_WEBSITE = {"NoSuchWebsiteConfiguration", 404, NULL, AWSERR_MSG_UPPER, 0};
static const struct aws_error ERR_NO_LIFECYCLE = {"NoSuchLifecycleConfiguration", 404, NULL, AWSERR_MSG_UPPER, 0};
static const struct aws_error ERR_NO_REPLICATION = {"ReplicationConfigurationNotFoundError", 404, NULL,
                                                    AWSERR_MSG_UPPER, 0};
static const struct aws_error ERR_NO_LOCK = {"ObjectLockConfigurationNotFoundError", 404, NULL, AWSERR_MSG_UPPER, 0};
static const struct aws_error ERR_NO_PAB = {"NoSuchPublicAccessBlockConfiguration", 404, NULL, AWSERR_MSG_UPPER, 0};
static const struct aws_error ERR_NO_OWNERSHIP = {"OwnershipControlsNotFoundError", 404, NULL, AWSERR_MSG_UPPER, 0};
static const struct aws_error ERR_INVALID_TAG = {"InvalidTag", 400, NULL, AWSERR_MSG_UPPER, 0};
static const struct aws_error ERR_BAD_REQUEST = {"BadRequest", 400, NULL, AWSERR_MSG_UPPER, 0};

/* S3 allows 10 tags on an object (Amazon S3 User Guide, "Categorizing
 * your storage using tags"), keys of 128 and values of 256 characters. */
#define S3_OBJECT_TAGS_MAX 10
#define S3_TAG_KEY_MAX 128
#define S3_TAG_VALUE_MAX 256

/* ------------------------------------------------------------------ */
/* Classification (pure)                                                */
/* ------------------------------------------------------------------ */

/* A subresource's operations by method; NULL where S3 has none. */
struct sub_ops {
    const char *query;
    int object;
    const char *get, *put, *del;
};

static const struct sub_ops sub_ops[] = {
    {"acl", 0, "GetBucketAcl", "PutBucketAcl", NULL},
    {"cors", 0, "GetBucketCors", "PutBucketCors", "DeleteBucketCors"},
    {"website", 0, "GetBucketWebsite", "PutBucketWebsite", "DeleteBucketWebsite"},
    {"lifecycle", 0, "GetBucketLifecycleConfiguration", "PutBucketLifecycleConfiguration", "DeleteBucketLifecycle"},
    {"logging", 0, "GetBucketLogging", "PutBucketLogging", NULL},
    {"accelerate", 0, "GetBucketAccelerateConfiguration", "PutBucketAccelerateConfiguration", NULL},
    {"requestPayment", 0, "GetBucketRequestPayment", "PutBucketRequestPayment", NULL},
    {"replication", 0, "GetBucketReplication", "PutBucketReplication", "DeleteBucketReplication"},
    {"encryption", 0, "GetBucketEncryption", "PutBucketEncryption", "DeleteBucketEncryption"},
    {"object-lock", 0, "GetObjectLockConfiguration", "PutObjectLockConfiguration", NULL},
    {"ownershipControls", 0, "GetBucketOwnershipControls", "PutBucketOwnershipControls",
     "DeleteBucketOwnershipControls"},
    {"publicAccessBlock", 0, "GetPublicAccessBlock", "PutPublicAccessBlock", "DeletePublicAccessBlock"},
    {"notification", 0, "GetBucketNotificationConfiguration", "PutBucketNotificationConfiguration", NULL},
    {"policyStatus", 0, "GetBucketPolicyStatus", NULL, NULL},
    {"versions", 0, "ListObjectVersions", NULL, NULL},
    {"tagging", 1, "GetObjectTagging", "PutObjectTagging", "DeleteObjectTagging"},
    {"acl", 1, "GetObjectAcl", "PutObjectAcl", NULL},
    {"retention", 1, "GetObjectRetention", "PutObjectRetention", NULL},
    {"legal-hold", 1, "GetObjectLegalHold", "PutObjectLegalHold", NULL},
};

const char *s3_sub_op_name(const char *method, int has_key, const char *name, int *known) {
    *known = 0;
    for (size_t i = 0; i < sizeof(sub_ops) / sizeof(sub_ops[0]); i++) {
        const struct sub_ops *s = &sub_ops[i];
        if (s->object != (has_key != 0) || strcmp(s->query, name) != 0) continue;
        *known = 1;
        if (strcmp(method, "GET") == 0) return s->get;
        if (strcmp(method, "PUT") == 0) return s->put;
        if (strcmp(method, "DELETE") == 0) return s->del;
        return NULL;
    }
    return NULL;
}

cJSON *s3_tags_from_header(const char *h) {
    cJSON *tags = cJSON_CreateArray();
    const char *p = h;
    while (*p) {
        size_t n = strcspn(p, "&");
        if (n > 0) {
            size_t nk = strcspn(p, "=");
            if (nk > n) nk = n;
            char *k = util_form_decode(p, nk);
            char *v = nk < n ? util_form_decode(p + nk + 1, n - nk - 1) : xstrdup("");
            int ok = k && v && *k;
            if (ok) {
                cJSON *t = cJSON_CreateObject();
                cJSON_AddStringToObject(t, "Key", k);
                cJSON_AddStringToObject(t, "Value", v);
                cJSON_AddItemToArray(tags, t);
            }
            free(k);
            free(v);
            if (!ok) {
                cJSON_Delete(tags);
                return NULL;
            }
        }
        p += n;
        if (*p == '&') p++;
    }
    return tags;
}

/* ------------------------------------------------------------------ */
/* Bucket configuration documents                                       */
/* ------------------------------------------------------------------ */

/* How a stored document answers. DFLT is the reply while nothing is
 * stored (NULL: the error MISSING); once DeleteX has run, S3 answers
 * MISSING for the ones with both (stored as ""), except where
 * DELETE_RESTORES (encryption: SSE-S3 cannot be turned off). */
struct sub_doc {
    const char *query;
    const char *root;        /* the element a Put body must hold */
    const char *dflt;        /* inner XML of ROOT, or NULL */
    const struct aws_error *missing;
    const char *missing_msg;
    int delete_restores;
};

static const struct sub_doc sub_docs[] = {
    {"cors", "CORSConfiguration", NULL, &ERR_NO_CORS, "The CORS configuration does not exist", 0},
    {"website", "WebsiteConfiguration", NULL, &ERR_NO_WEBSITE,
     "The specified bucket does not have a website configuration", 0},
    {"lifecycle", "LifecycleConfiguration", NULL, &ERR_NO_LIFECYCLE, "The lifecycle configuration does not exist", 0},
    {"replication", "ReplicationConfiguration", NULL, &ERR_NO_REPLICATION,
     "The replication configuration was not found", 0},
    {"logging", "BucketLoggingStatus", "", NULL, NULL, 0},
    {"accelerate", "AccelerateConfiguration", "", NULL, NULL, 0},
    {"requestPayment", "RequestPaymentConfiguration", "<Payer>BucketOwner</Payer>", NULL, NULL, 0},
    {"notification", "NotificationConfiguration", "", NULL, NULL, 0},
    {"encryption", "ServerSideEncryptionConfiguration",
     "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
     "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule>",
     NULL, NULL, 1},
    {"ownershipControls", "OwnershipControls", "<Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule>",
     &ERR_NO_OWNERSHIP, "The bucket ownership controls were not found", 0},
    {"publicAccessBlock", "PublicAccessBlockConfiguration",
     "<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
     "<BlockPublicPolicy>true</BlockPublicPolicy><RestrictPublicBuckets>true</RestrictPublicBuckets>",
     &ERR_NO_PAB, "The public access block configuration was not found", 0},
    {"object-lock", "ObjectLockConfiguration", NULL, &ERR_NO_LOCK,
     "Object Lock configuration does not exist for this bucket", 0},
};

/* The document REQ's query names, or NULL. */
static const struct sub_doc *request_doc(struct req *req) {
    for (int i = 0; i < req->nquery; i++)
        for (size_t k = 0; k < sizeof(sub_docs) / sizeof(sub_docs[0]); k++)
            if (strcmp(req->query[i].name, sub_docs[k].query) == 0) return &sub_docs[k];
    return NULL;
}

/* Loads member SUB of BUCKET's configuration into *DOC (NULL: unset), or
 * records the error: 0 or -1. */
static int config_or_fail(struct req *req, const char *bucket, const char *sub, char **doc) {
    int rc = store_s3_bucket_config_get(bucket, sub, doc);
    if (rc == STORE_NOTFOUND) return s3_no_bucket(req, bucket);
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    return 0;
}

static int config_write(struct req *req, const char *bucket, const char *sub, const char *value, int status) {
    int rc = store_s3_bucket_config_set(bucket, sub, value);
    if (rc == STORE_NOTFOUND) return s3_no_bucket(req, bucket);
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    return req_reply_raw(req, status, NULL, "", 0);
}

static int malformed(struct req *req) {
    return s3_fail(req, &AWSERR_S3_MALFORMED_XML, NULL, NULL,
                   "The XML you provided was not well-formed or did not validate against our published schema");
}

/* GetBucketCors, GetBucketEncryption, ...: the stored document as it was
 * sent, else the default or the "not configured" error. */
int s3_config_get(struct req *req, struct op_in *in) {
    const struct sub_doc *d = request_doc(req);
    char *doc = NULL;
    if (d == NULL) return malformed(req);
    if (config_or_fail(req, in->fn, d->query, &doc) != 0) return -1;
    if (doc && *doc) {
        req_reply_raw(req, 200, "application/xml", doc, strlen(doc));
        free(doc);
        return 0;
    }
    int deleted = doc != NULL;
    free(doc);
    if (d->dflt == NULL || (deleted && d->missing))
        return s3_fail(req, d->missing, "BucketName", in->fn, "%s", d->missing_msg);
    struct s3x_buf x = {0};
    s3x_addf(&x, S3_XML_DECL "<%s xmlns=\"" S3_XMLNS "\">%s</%s>", d->root, d->dflt, d->root);
    return s3_reply_xml(req, 200, &x);
}

/* PutBucketCors, ...: stores the body when it holds the document's root
 * element; nothing in it is acted on. */
int s3_config_put(struct req *req, struct op_in *in) {
    const struct sub_doc *d = request_doc(req);
    size_t pos = 0, start, len;
    if (d == NULL || req->nbody == 0 || s3x_next(req->body, req->nbody, d->root, &pos, &start, &len) != 1)
        return malformed(req);
    if (strcmp(d->query, "replication") == 0) {
        char *v = NULL;
        int rc = store_s3_bucket_attr(in->fn, STORE_S3_VERSIONING, &v);
        int enabled = v && strcmp(v, "Enabled") == 0;
        free(v);
        if (rc == STORE_NOTFOUND) return s3_no_bucket(req, in->fn);
        if (rc != STORE_OK) return s3_store_fail(req, rc);
        if (!enabled)
            return s3_fail(req, &AWSERR_S3_INVALID_REQUEST, NULL, NULL,
                           "Versioning must be 'Enabled' on the bucket to apply a replication configuration");
    }
    char *body = xstrndup(req->body, req->nbody);
    int r = config_write(req, in->fn, d->query, body, 200);
    free(body);
    return r;
}

/* DeleteBucketCors, ...: 204 whether or not one was stored. */
int s3_config_delete(struct req *req, struct op_in *in) {
    const struct sub_doc *d = request_doc(req);
    if (d == NULL) return malformed(req);
    /* A default that deleting takes away is remembered as "". */
    const char *value = d->dflt && d->missing && !d->delete_restores ? "" : NULL;
    return config_write(req, in->fn, d->query, value, 204);
}

/* GetBucketPolicyStatus: NoSuchBucketPolicy without a policy; a stored
 * policy is not evaluated, so it reads as not public. */
int s3_policy_status(struct req *req, struct op_in *in) {
    char *doc = NULL;
    int rc = store_s3_bucket_attr(in->fn, STORE_S3_POLICY, &doc);
    if (rc == STORE_NOTFOUND) return s3_no_bucket(req, in->fn);
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    if (doc == NULL)
        return s3_fail(req, &AWSERR_S3_NO_SUCH_POLICY, "BucketName", in->fn, "The bucket policy does not exist");
    free(doc);
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<PolicyStatus xmlns=\"" S3_XMLNS "\"><IsPublic>false</IsPublic></PolicyStatus>");
    return s3_reply_xml(req, 200, &x);
}

/* ------------------------------------------------------------------ */
/* ACLs                                                                 */
/* ------------------------------------------------------------------ */

/* The canned ACLs S3 takes in x-amz-acl (Amazon S3 User Guide, "Access
 * control list (ACL) overview", "Canned ACL"). */
static const char *const canned_acls[] = {
    "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
    "bucket-owner-read", "bucket-owner-full-control", "log-delivery-write",
};

static void group_grant(struct s3x_buf *x, const char *group, const char *permission) {
    s3x_addf(x, "<Grant><Grantee xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"Group\">"
                "<URI>http://acs.amazonaws.com/groups/%s</URI></Grantee><Permission>%s</Permission></Grant>",
             group, permission);
}

/* Replies the AccessControlPolicy of canned ACL CANNED ("private" when
 * NULL) owned by ACCOUNT. */
static int reply_canned(struct req *req, const char *account, const char *canned) {
    char id[65];
    s3_owner_id(account, id);
    struct s3x_buf x = {0};
    s3x_addf(&x,
             S3_XML_DECL "<AccessControlPolicy xmlns=\"" S3_XMLNS "\"><Owner><ID>%s</ID><DisplayName>%s</DisplayName>"
                         "</Owner><AccessControlList><Grant><Grantee "
                         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"CanonicalUser\">"
                         "<ID>%s</ID><DisplayName>%s</DisplayName></Grantee><Permission>FULL_CONTROL</Permission>"
                         "</Grant>",
             id, account, id, account);
    if (canned && (strcmp(canned, "public-read") == 0 || strcmp(canned, "public-read-write") == 0))
        group_grant(&x, "global/AllUsers", "READ");
    if (canned && strcmp(canned, "public-read-write") == 0) group_grant(&x, "global/AllUsers", "WRITE");
    if (canned && strcmp(canned, "authenticated-read") == 0) group_grant(&x, "global/AuthenticatedUsers", "READ");
    if (canned && strcmp(canned, "log-delivery-write") == 0) {
        group_grant(&x, "s3/LogDelivery", "WRITE");
        group_grant(&x, "s3/LogDelivery", "READ_ACP");
    }
    s3x_add(&x, "</AccessControlList></AccessControlPolicy>");
    return s3_reply_xml(req, 200, &x);
}

/* The ACL a PutBucketAcl / PutObjectAcl sends, as stored: "canned:NAME"
 * or "xml:DOC" (heap; x-amz-grant-* headers read as "canned:private"), or
 * NULL with the error recorded. */
static char *acl_from_request(struct req *req) {
    const char *canned = req_header(req, "x-amz-acl");
    if (canned) {
        for (size_t i = 0; i < sizeof(canned_acls) / sizeof(canned_acls[0]); i++)
            if (strcmp(canned, canned_acls[i]) == 0) return xasprintf("canned:%s", canned);
        s3_fail(req, &AWSERR_S3_INVALID_ARGUMENT, "ArgumentName", "x-amz-acl", "%s", "");
        return NULL;
    }
    size_t pos = 0, start, len;
    if (req->nbody > 0 && s3x_next(req->body, req->nbody, "AccessControlPolicy", &pos, &start, &len) == 1) {
        char *body = xstrndup(req->body, req->nbody);
        char *v = xasprintf("xml:%s", body);
        free(body);
        return v;
    }
    const char *name, *value;
    for (int i = 0; (name = req_header_at(req, i, &value)) != NULL; i++)
        if (strncasecmp(name, "x-amz-grant-", 12) == 0) return xstrdup("canned:private");
    malformed(req);
    return NULL;
}

/* Replies stored ACL ACL (acl_from_request's form; NULL: private). */
static int reply_acl(struct req *req, const char *account, const char *acl) {
    if (acl && strncmp(acl, "xml:", 4) == 0) return req_reply_raw(req, 200, "application/xml", acl + 4, strlen(acl + 4));
    return reply_canned(req, account, acl && strncmp(acl, "canned:", 7) == 0 ? acl + 7 : NULL);
}

int s3_get_bucket_acl(struct req *req, struct op_in *in) {
    struct store_s3_bucket b;
    char *acl = NULL;
    if (s3_bucket_or_fail(req, in->fn, &b) != 0 || config_or_fail(req, in->fn, "acl", &acl) != 0) return -1;
    int r = reply_acl(req, b.account, acl);
    free(acl);
    return r;
}

int s3_put_bucket_acl(struct req *req, struct op_in *in) {
    char *acl = acl_from_request(req);
    if (acl == NULL) return -1;
    int r = config_write(req, in->fn, "acl", acl, 200);
    free(acl);
    return r;
}

/* ------------------------------------------------------------------ */
/* Objects: tags, ACL, Object Lock                                      */
/* ------------------------------------------------------------------ */

/* Loads object KEY's metadata (a JSON object; caller deletes) after the
 * bucket and the object are found, or records the error: NULL. */
static cJSON *object_meta_or_fail(struct req *req, const char *bucket, const char *key) {
    if (s3_bucket_or_fail(req, bucket, NULL) != 0) return NULL;
    struct store_s3_object o;
    int rc = store_s3_object_get(bucket, key, &o);
    if (rc == STORE_NOTFOUND) {
        s3_fail(req, &AWSERR_S3_NO_SUCH_KEY, "Key", key, "The specified key does not exist.");
        return NULL;
    }
    if (rc != STORE_OK) {
        s3_store_fail(req, rc);
        return NULL;
    }
    cJSON *meta = cJSON_Parse(o.meta ? o.meta : "{}");
    store_s3_object_clear(&o);
    if (!cJSON_IsObject(meta)) {
        cJSON_Delete(meta);
        meta = cJSON_CreateObject();
    }
    return meta;
}

static int meta_write(struct req *req, struct op_in *in, const char *member, const char *json, int status) {
    int rc = store_s3_object_meta_set(in->fn, in->sub, member, json);
    if (rc == STORE_NOTFOUND) {
        if (s3_bucket_or_fail(req, in->fn, NULL) != 0) return -1;
        return s3_fail(req, &AWSERR_S3_NO_SUCH_KEY, "Key", in->sub, "The specified key does not exist.");
    }
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    return req_reply_raw(req, status, NULL, "", 0);
}

/* Checks TAGS (a JSON array of Key/Value objects) against S3's limits:
 * 0, or -1 with the error recorded. */
static int check_tags(struct req *req, const cJSON *tags) {
    int n = cJSON_GetArraySize(tags);
    if (n > S3_OBJECT_TAGS_MAX)
        return s3_fail(req, &ERR_BAD_REQUEST, NULL, NULL, "Object tags cannot be greater than %d",
                       S3_OBJECT_TAGS_MAX);
    for (int i = 0; i < n; i++) {
        const cJSON *t = cJSON_GetArrayItem(tags, i);
        const char *k = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Key"));
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Value"));
        if (strlen(k) > S3_TAG_KEY_MAX)
            return s3_fail(req, &ERR_INVALID_TAG, NULL, NULL, "The TagKey you have provided is too long, max %d",
                           S3_TAG_KEY_MAX);
        if (strlen(v) > S3_TAG_VALUE_MAX)
            return s3_fail(req, &ERR_INVALID_TAG, NULL, NULL,
                           "The TagValue you have provided is too long, max %d", S3_TAG_VALUE_MAX);
        for (int j = 0; j < i; j++)
            if (strcmp(k, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tags, j),
                                                                                 "Key"))) == 0)
                return s3_fail(req, &ERR_INVALID_TAG, NULL, NULL, "Cannot provide multiple Tags with the same key");
    }
    return 0;
}

int s3_tagging_header_or_fail(struct req *req) {
    const char *h = req_header(req, "x-amz-tagging");
    if (h == NULL) return 0;
    cJSON *tags = s3_tags_from_header(h);
    if (tags == NULL)
        return s3_fail(req, &AWSERR_S3_INVALID_ARGUMENT, "ArgumentName", "x-amz-tagging",
                       "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
                       "parameters without tag name duplicates.");
    int r = check_tags(req, tags);
    cJSON_Delete(tags);
    return r;
}

/* The tags of a Tagging document BODY (N bytes) as a JSON array, or NULL
 * when it is malformed (a Tag without Key or Value). */
static cJSON *tags_from_xml(const char *body, size_t n) {
    size_t pos = 0, start, len;
    if (s3x_next(body, n, "Tagging", &pos, &start, &len) != 1) return NULL;
    const char *set = body + start;
    cJSON *tags = cJSON_CreateArray();
    size_t tp = 0, ts, tl;
    int k;
    while ((k = s3x_next(set, len, "Tag", &tp, &ts, &tl)) == 1) {
        char *key = s3x_child(set + ts, tl, "Key"), *val = s3x_child(set + ts, tl, "Value");
        if (key && val && *key) {
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "Key", key);
            cJSON_AddStringToObject(t, "Value", val);
            cJSON_AddItemToArray(tags, t);
        } else {
            k = -1;
        }
        free(key);
        free(val);
        if (k < 0) break;
    }
    if (k < 0) {
        cJSON_Delete(tags);
        return NULL;
    }
    return tags;
}

/* The tags of an object with metadata META (a new array): those
 * PutObjectTagging stored, else those of the x-amz-tagging header it was
 * written with (kept as "Tagging"), else none. */
static cJSON *object_tags(const cJSON *meta) {
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(meta, "tags");
    if (cJSON_IsArray(tags)) return cJSON_Duplicate(tags, 1);
    const char *h = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "Tagging"));
    cJSON *parsed = h ? s3_tags_from_header(h) : NULL;
    return parsed ? parsed : cJSON_CreateArray();
}

int s3_object_tag_count(const cJSON *meta) {
    cJSON *tags = object_tags(meta);
    int n = cJSON_GetArraySize(tags);
    cJSON_Delete(tags);
    return n;
}

int s3_get_object_tagging(struct req *req, struct op_in *in) {
    cJSON *meta = object_meta_or_fail(req, in->fn, in->sub);
    if (meta == NULL) return -1;
    cJSON *tags = object_tags(meta);
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<Tagging xmlns=\"" S3_XMLNS "\"><TagSet>");
    const cJSON *t;
    cJSON_ArrayForEach(t, tags) {
        s3x_add(&x, "<Tag>");
        s3x_elem(&x, "Key", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Key")));
        s3x_elem(&x, "Value", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, "Value")));
        s3x_add(&x, "</Tag>");
    }
    s3x_add(&x, "</TagSet></Tagging>");
    cJSON_Delete(tags);
    cJSON_Delete(meta);
    return s3_reply_xml(req, 200, &x);
}

int s3_put_object_tagging(struct req *req, struct op_in *in) {
    cJSON *tags = tags_from_xml(req->body, req->nbody);
    if (tags == NULL) return malformed(req);
    int r = -1;
    if (check_tags(req, tags) == 0) {
        char *json = cJSON_PrintUnformatted(tags);
        r = meta_write(req, in, "tags", json, 200);
        free(json);
    }
    cJSON_Delete(tags);
    return r;
}

/* Stores an empty set, which hides the tags of x-amz-tagging too. */
int s3_delete_object_tagging(struct req *req, struct op_in *in) { return meta_write(req, in, "tags", "[]", 204); }

int s3_get_object_acl(struct req *req, struct op_in *in) {
    struct store_s3_bucket b;
    if (s3_bucket_or_fail(req, in->fn, &b) != 0) return -1;
    cJSON *meta = object_meta_or_fail(req, in->fn, in->sub);
    if (meta == NULL) return -1;
    int r = reply_acl(req, b.account, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "acl")));
    cJSON_Delete(meta);
    return r;
}

int s3_put_object_acl(struct req *req, struct op_in *in) {
    char *acl = acl_from_request(req);
    if (acl == NULL) return -1;
    cJSON *s = cJSON_CreateString(acl);
    char *json = cJSON_PrintUnformatted(s);
    int r = meta_write(req, in, "acl", json, 200);
    free(json);
    cJSON_Delete(s);
    free(acl);
    return r;
}

/* Get/PutObjectRetention and Get/PutObjectLegalHold: sluice's buckets
 * never have Object Lock, and S3 answers these so for such a bucket. */
int s3_object_lock_missing(struct req *req, struct op_in *in) {
    if (s3_bucket_or_fail(req, in->fn, NULL) != 0) return -1;
    return s3_fail(req, &AWSERR_S3_INVALID_REQUEST, NULL, NULL, "Bucket is missing Object Lock Configuration");
}
