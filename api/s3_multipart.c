/*
 * S3 multipart uploads (api/s3_int.h): CreateMultipartUpload,
 * UploadPart, CompleteMultipartUpload (the parts concatenated into one
 * blob; the ETag the MD5 of the parts' MD5s with "-N"), Abort, ListParts
 * and ListMultipartUploads.
 */
#include "api/s3.h"
#include "api/s3_int.h"
#include "api/s3_xml.h"
#include "api/aws_error.h"
#include "api/op.h"
#include "api/request.h"
#include "base/clock.h"
#include "base/s3_checksum.h"
#include "base/util.h"
#include "storage/blob.h"
#include "storage/store.h"
#include "storage/store_s3.h"

#include <cjson/cJSON.h>
#include <nettle/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* S3's multipart limits (Amazon S3 User Guide, "Amazon S3 multipart
 * upload limits"): part numbers 1 to 10,000, every part but the last at
 * least 5 MiB. */
#define S3_MAX_PART_NUMBER 10000
#define S3_MIN_PART_SIZE (5 * 1024 * 1024)


static int no_upload(struct req *req, const char *id) {
    return s3_fail(req, &AWSERR_S3_NO_SUCH_UPLOAD, "UploadId", id,
                   "The specified upload does not exist. The upload ID may be invalid, or the upload may "
                   "have been aborted or completed.");
}

/* The upload named by ?uploadId for REQ's bucket and key: its metadata
 * (caller deletes) or NULL with the error recorded. */
static cJSON *upload_or_fail(struct req *req, struct op_in *in) {
    const char *id = req_query(req, "uploadId");
    char *meta = NULL;
    if (s3_bucket_or_fail(req, in->fn, NULL) != 0) return NULL;
    int rc = store_s3_upload_get(id, in->fn, in->sub, &meta);
    if (rc == STORE_NOTFOUND) {
        no_upload(req, id);
        return NULL;
    }
    if (rc != STORE_OK) {
        s3_store_fail(req, rc);
        return NULL;
    }
    cJSON *m = cJSON_Parse(meta);
    free(meta);
    return m ? m : cJSON_CreateObject();
}

static enum s3ck_algo upload_algo(cJSON *meta) {
    return s3ck_by_name(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "ckalgo")));
}

int s3_create_upload(struct req *req, struct op_in *in) {
    if (s3_bucket_or_fail(req, in->fn, NULL) != 0 || s3_tagging_header_or_fail(req) != 0) return -1;
    cJSON *meta = s3_meta_from_headers(req);
    enum s3ck_algo algo = s3ck_by_name(req_header(req, "x-amz-checksum-algorithm"));
    const char *type = req_header(req, "x-amz-checksum-type");
    if (algo != S3CK_NONE) {
        cJSON_AddStringToObject(meta, "ckalgo", s3ck_name(algo));
        cJSON_AddStringToObject(meta, "cktype", type && strcmp(type, "FULL_OBJECT") == 0 ? "FULL_OBJECT" : "COMPOSITE");
    }
    char uuid[37];
    util_uuid(uuid);
    char *id = util_b64_encode(uuid, 36);
    for (char *p = id; *p; p++)
        if (*p == '+' || *p == '/' || *p == '=') *p = 'x';
    char *doc = cJSON_PrintUnformatted(meta);
    int rc = store_s3_upload_create(id, in->fn, in->sub, doc, clock_now_ms());
    free(doc);
    int ret = -1;
    if (rc == STORE_NOTFOUND) s3_no_bucket(req, in->fn);
    else if (rc != STORE_OK) s3_store_fail(req, rc);
    else {
        struct s3x_buf x = {0};
        s3x_add(&x, S3_XML_DECL "<InitiateMultipartUploadResult xmlns=\"" S3_XMLNS "\">");
        s3x_elem(&x, "Bucket", in->fn);
        s3x_elem(&x, "Key", in->sub);
        s3x_elem(&x, "UploadId", id);
        s3x_add(&x, "</InitiateMultipartUploadResult>");
        if (algo != S3CK_NONE) {
            req_add_header(req, "x-amz-checksum-algorithm", s3ck_name(algo));
            req_add_header(req, "x-amz-checksum-type",
                           cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "cktype")));
        }
        ret = s3_reply_xml(req, 200, &x);
    }
    free(id);
    cJSON_Delete(meta);
    return ret;
}

int s3_upload_part(struct req *req, struct op_in *in) {
    const char *pn = req_query(req, "partNumber");
    char *end;
    long number = pn ? strtol(pn, &end, 10) : 0;
    if (pn == NULL || *pn == '\0' || *end || number < 1 || number > S3_MAX_PART_NUMBER)
        return s3_fail(req, &AWSERR_S3_INVALID_ARGUMENT, "ArgumentName", "partNumber",
                       "Part number must be an integer between 1 and 10000, inclusive");
    cJSON *meta = upload_or_fail(req, in);
    if (meta == NULL) return -1;
    struct store_s3_part p = {0};
    p.number = (int)number;
    p.modified_ms = clock_now_ms();
    enum s3ck_algo algo = upload_algo(meta);
    cJSON_Delete(meta);
    if (s3_body_for_part(req, algo, p.blob, p.etag, p.checksum, &p.size) != 0) return -1;
    int rc = store_s3_part_put(req_query(req, "uploadId"), &p);
    if (rc == STORE_NOTFOUND) return no_upload(req, req_query(req, "uploadId"));
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    req_add_header(req, "ETag", p.etag);
    if (p.checksum[0]) {
        enum s3ck_algo a = algo;
        for (int k = S3CK_CRC32; a == S3CK_NONE && k <= S3CK_SHA256; k++)
            if (req_header(req, s3ck_header((enum s3ck_algo)k))) a = (enum s3ck_algo)k;
        if (a != S3CK_NONE) req_add_header(req, s3ck_header(a), p.checksum);
    }
    return req_reply_raw(req, 200, NULL, "", 0);
}

/* The parts an upload has, in number order. */
struct part_list {
    struct store_s3_part *a;
    int n, cap;
};

static int collect_part(void *ctx, const struct store_s3_part *p) {
    struct part_list *l = ctx;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->a = xrealloc(l->a, (size_t)l->cap * sizeof(*l->a));
    }
    l->a[l->n++] = *p;
    return 0;
}

static const struct store_s3_part *find_part(const struct part_list *l, int number) {
    for (int i = 0; i < l->n; i++)
        if (l->a[i].number == number) return &l->a[i];
    return NULL;
}

/* Etags compare without their quotes: clients send either form. */
static int same_etag(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    if (na >= 2 && a[0] == '"') a++, na -= 2;
    if (nb >= 2 && b[0] == '"') b++, nb -= 2;
    return na == nb && memcmp(a, b, na) == 0;
}

/* The parts the CompleteMultipartUpload body names, checked against
 * HAVE, into *CHOSEN (in order). */
static int chosen_parts_or_fail(struct req *req, const struct part_list *have, struct part_list *chosen) {
    static const char bad_part[] =
        "One or more of the specified parts could not be found.  The part may not have been uploaded, or "
        "the specified entity tag may not have matched the part's entity tag.";
    size_t pos = 0, start, len, pp = 0, ps, pl;
    if (s3x_next(req->body, req->nbody, "CompleteMultipartUpload", &pos, &start, &len) != 1)
        return s3_fail(req, &AWSERR_S3_MALFORMED_XML, NULL, NULL,
                       "The XML you provided was not well-formed or did not validate against our published schema");
    const char *doc = req->body + start;
    int last = 0, k;
    while ((k = s3x_next(doc, len, "Part", &pp, &ps, &pl)) == 1) {
        char *num = s3x_child(doc + ps, pl, "PartNumber"), *etag = s3x_child(doc + ps, pl, "ETag");
        int number = num ? atoi(num) : 0;
        const struct store_s3_part *p = find_part(have, number);
        int ok = etag && p && same_etag(etag, p->etag);
        free(num);
        free(etag);
        if (number <= last && number > 0)
            return s3_fail(req, &AWSERR_S3_INVALID_PART_ORDER, NULL, NULL,
                           "The list of parts was not in ascending order. Parts must be ordered by part number.");
        if (!ok) return s3_fail(req, &AWSERR_S3_INVALID_PART, NULL, NULL, "%s", bad_part);
        last = number;
        collect_part(chosen, p);
    }
    if (k < 0 || chosen->n == 0)
        return s3_fail(req, &AWSERR_S3_MALFORMED_XML, NULL, NULL,
                       "The XML you provided was not well-formed or did not validate against our published schema");
    for (int i = 0; i + 1 < chosen->n; i++)
        if (chosen->a[i].size < S3_MIN_PART_SIZE)
            return s3_fail(req, &AWSERR_S3_ENTITY_TOO_SMALL, NULL, NULL,
                           "Your proposed upload is smaller than the minimum allowed size");
    return 0;
}

/* The multipart ETag: the MD5 of the parts' binary MD5s, "-N". */
static void multipart_etag(const struct part_list *l, char out[48]) {
    struct md5_ctx ctx;
    uint8_t md[MD5_DIGEST_SIZE];
    md5_init(&ctx);
    for (int i = 0; i < l->n; i++) {
        const char *h = l->a[i].etag + (l->a[i].etag[0] == '"');
        uint8_t raw[16];
        for (int k = 0; k < 16; k++) {
            unsigned v = 0;
            sscanf(h + 2 * k, "%2x", &v);
            raw[k] = (uint8_t)v;
        }
        md5_update(&ctx, sizeof(raw), raw);
    }
    md5_digest(&ctx, sizeof(md), md);
    char hex[33];
    for (int i = 0; i < 16; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(out, 48, "\"%s-%d\"", hex, l->n);
}

/* A composite checksum's text: the base64 digest, '-', the part count (an
 * int's 11 characters at most), NUL. */
#define S3_COMPOSITE_MAX (S3CK_B64_MAX + 12)

/* A COMPOSITE checksum: the checksum of the parts' decoded checksums, "-N". */
static void composite_checksum(enum s3ck_algo algo, const struct part_list *l, char out[S3_COMPOSITE_MAX]) {
    struct s3ck c;
    s3ck_init(&c, algo);
    for (int i = 0; i < l->n; i++) {
        size_t n = 0;
        unsigned char *raw = util_b64_decode(l->a[i].checksum, strlen(l->a[i].checksum), &n);
        if (raw) s3ck_update(&c, raw, n);
        free(raw);
    }
    char b64[S3CK_B64_MAX];
    s3ck_final(&c, b64);
    snprintf(out, S3_COMPOSITE_MAX, "%s-%d", b64, l->n);
}

/* Writes the object of CHOSEN into O (blob, size, etag) and its checksum
 * into META. */
static int assemble_or_fail(struct req *req, const struct part_list *chosen, cJSON *meta,
                            struct store_s3_object *o) {
    enum s3ck_algo algo = upload_algo(meta);
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "cktype"));
    int full = algo == S3CK_NONE || (type && strcmp(type, "FULL_OBJECT") == 0);
    struct s3ck ck;
    s3ck_init(&ck, algo == S3CK_NONE ? S3CK_CRC64NVME : algo);
    char (*blobs)[65] = xmalloc((size_t)chosen->n * sizeof(*blobs));
    for (int i = 0; i < chosen->n; i++) memcpy(blobs[i], chosen->a[i].blob, 65);
    int rc = store_s3_blob_concat((const char (*)[65])blobs, chosen->n, o->blob, &o->size, full ? &ck : NULL);
    free(blobs);
    if (rc != STORE_OK)
        return s3_fail(req, &AWSERR_S3_INTERNAL, NULL, NULL, "We encountered an internal error. Please try again.");
    multipart_etag(chosen, o->etag);
    char value[S3_COMPOSITE_MAX];
    if (full)
        s3ck_final(&ck, value);
    else
        composite_checksum(algo, chosen, value);
    cJSON *ckj = cJSON_AddObjectToObject(meta, "ck");
    cJSON_AddStringToObject(ckj, "algo", s3ck_name(ck.algo));
    cJSON_AddStringToObject(ckj, "value", value);
    cJSON_AddStringToObject(ckj, "type", full ? "FULL_OBJECT" : "COMPOSITE");
    cJSON_AddNumberToObject(meta, "parts", chosen->n);
    return 0;
}

int s3_complete_upload(struct req *req, struct op_in *in) {
    const char *id = req_query(req, "uploadId");
    struct part_list have = {0}, chosen = {0};
    struct store_s3_object o = {0};
    int ret = -1;
    cJSON *meta = upload_or_fail(req, in);
    if (meta == NULL) return -1;
    int rc = store_s3_part_each(id, 0, collect_part, &have);
    if (rc != STORE_OK) {
        s3_store_fail(req, rc);
        goto out;
    }
    if (chosen_parts_or_fail(req, &have, &chosen) != 0 || assemble_or_fail(req, &chosen, meta, &o) != 0)
        goto out;
    o.key = in->sub;
    o.modified_ms = clock_now_ms();
    o.meta = cJSON_PrintUnformatted(meta);
    rc = store_s3_upload_finish(id, in->fn, &o);
    if (rc == STORE_NOTFOUND) {
        no_upload(req, id);
        goto out;
    }
    if (rc != STORE_OK) {
        s3_store_fail(req, rc);
        goto out;
    }
    const char *host = req_header(req, "Host");
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<CompleteMultipartUploadResult xmlns=\"" S3_XMLNS "\">");
    char *loc = xasprintf("http://%s/%s/%s", host ? host : "localhost", in->fn, in->sub);
    s3x_elem(&x, "Location", loc);
    free(loc);
    s3x_elem(&x, "Bucket", in->fn);
    s3x_elem(&x, "Key", in->sub);
    s3x_elem(&x, "ETag", o.etag);
    cJSON *ck = cJSON_GetObjectItemCaseSensitive(meta, "ck");
    if (upload_algo(meta) != S3CK_NONE) {
        char *el = xasprintf("Checksum%s", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ck, "algo")));
        s3x_elem(&x, el, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ck, "value")));
        free(el);
        s3x_elem(&x, "ChecksumType", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ck, "type")));
    }
    s3x_add(&x, "</CompleteMultipartUploadResult>");
    ret = s3_reply_xml(req, 200, &x);
out:
    free(o.meta);
    free(have.a);
    free(chosen.a);
    cJSON_Delete(meta);
    return ret;
}

int s3_abort_upload(struct req *req, struct op_in *in) {
    cJSON *meta = upload_or_fail(req, in);
    if (meta == NULL) return -1;
    cJSON_Delete(meta);
    int rc = store_s3_upload_finish(req_query(req, "uploadId"), in->fn, NULL);
    if (rc == STORE_NOTFOUND) return no_upload(req, req_query(req, "uploadId"));
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    return req_reply_raw(req, 204, NULL, "", 0);
}

struct parts_page {
    struct s3x_buf *x;
    int max, count, truncated, last;
};

static int list_part_row(void *ctx, const struct store_s3_part *p) {
    struct parts_page *pg = ctx;
    if (pg->count == pg->max) {
        pg->truncated = 1;
        return 1;
    }
    char when[32];
    s3_iso(p->modified_ms, when);
    s3x_addf(pg->x, "<Part><PartNumber>%d</PartNumber>", p->number);
    s3x_elem(pg->x, "LastModified", when);
    s3x_elem(pg->x, "ETag", p->etag);
    s3x_addf(pg->x, "<Size>%lld</Size></Part>", (long long)p->size);
    pg->count++;
    pg->last = p->number;
    return 0;
}

int s3_list_parts(struct req *req, struct op_in *in) {
    cJSON *meta = upload_or_fail(req, in);
    if (meta == NULL) return -1;
    cJSON_Delete(meta);
    const char *marker = req_query(req, "part-number-marker"), *mx = req_query(req, "max-parts");
    int after = marker ? atoi(marker) : 0, max = mx ? atoi(mx) : 1000;
    if (max <= 0 || max > 1000) max = 1000;
    struct s3x_buf x = {0}, parts = {0};
    struct parts_page pg = {&parts, max, 0, 0, 0};
    int rc = store_s3_part_each(req_query(req, "uploadId"), after, list_part_row, &pg);
    if (rc != STORE_OK) {
        free(s3x_take(&parts, NULL));
        return s3_store_fail(req, rc);
    }
    s3x_add(&x, S3_XML_DECL "<ListPartsResult xmlns=\"" S3_XMLNS "\">");
    s3x_elem(&x, "Bucket", in->fn);
    s3x_elem(&x, "Key", in->sub);
    s3x_elem(&x, "UploadId", req_query(req, "uploadId"));
    s3x_addf(&x, "<PartNumberMarker>%d</PartNumberMarker><NextPartNumberMarker>%d</NextPartNumberMarker>"
                 "<MaxParts>%d</MaxParts><IsTruncated>%s</IsTruncated>",
             after, pg.last, max, pg.truncated ? "true" : "false");
    char *body = s3x_take(&parts, NULL);
    s3x_add(&x, body);
    free(body);
    s3x_add(&x, "<StorageClass>STANDARD</StorageClass></ListPartsResult>");
    return s3_reply_xml(req, 200, &x);
}

static int list_upload_row(void *ctx, const char *key, const char *id, int64_t ms) {
    char when[32];
    s3_iso(ms, when);
    s3x_add(ctx, "<Upload>");
    s3x_elem(ctx, "Key", key);
    s3x_elem(ctx, "UploadId", id);
    s3x_elem(ctx, "Initiated", when);
    s3x_add(ctx, "<StorageClass>STANDARD</StorageClass></Upload>");
    return 0;
}

int s3_list_uploads(struct req *req, struct op_in *in) {
    if (s3_bucket_or_fail(req, in->fn, NULL) != 0) return -1;
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<ListMultipartUploadsResult xmlns=\"" S3_XMLNS "\">");
    s3x_elem(&x, "Bucket", in->fn);
    s3x_add(&x, "<KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><MaxUploads>1000</MaxUploads>"
                "<IsTruncated>false</IsTruncated>");
    int rc = store_s3_upload_each(in->fn, list_upload_row, &x);
    if (rc != STORE_OK) {
        free(s3x_take(&x, NULL));
        return s3_store_fail(req, rc);
    }
    s3x_add(&x, "</ListMultipartUploadsResult>");
    return s3_reply_xml(req, 200, &x);
}
