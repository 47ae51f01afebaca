/*
 * S3 objects and multipart uploads (api/s3_int.h), and the object read
 * Lambda's Code.S3Bucket uses (api/s3.h). An object's bytes arrive in a
 * spool file (net/httpd.c writes them there, server/http.c opens it) that
 * is mapped, decoded in place when aws-chunked, verified, and linked as a
 * content-addressed blob before the metadata row is written, so a 5 GB
 * PUT never sits in memory. GetObject sends large objects (or ranges)
 * from the blob's file.
 */
#include "api/s3.h"
#include "api/s3_chunked.h"
#include "api/s3_int.h"
#include "api/s3_xml.h"
#include "api/aws_error.h"
#include "api/op.h"
#include "api/request.h"
#include "base/clock.h"
#include "base/util.h"
#include "base/s3_checksum.h"
#include "storage/blob.h"
#include "storage/store.h"
#include "storage/store_s3.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

/* Objects (or ranges) up to this size are read into the reply; larger
 * ones are sent from the blob's file (sendfile), so a GET of a large
 * object costs no memory. 1 MiB keeps the small reads, most of them,
 * on the path every other reply takes. */
#define S3_GET_IN_MEMORY (1024 * 1024)

/* DeleteObjects takes up to 1,000 keys (DeleteObjects, "Request"). */
#define S3_MAX_DELETE 1000

/* Object headers kept and returned as sent: name and meta member. */
static const char *const kept_headers[][2] = {
    {"Content-Type", "ContentType"},       {"Content-Disposition", "ContentDisposition"},
    {"Content-Language", "ContentLanguage"}, {"Cache-Control", "CacheControl"},
    {"Expires", "Expires"},                {"x-amz-website-redirect-location", "WebsiteRedirectLocation"},
    {"x-amz-storage-class", "StorageClass"}, {"x-amz-tagging", "Tagging"},
};

/* ------------------------------------------------------------------ */
/* Bodies and checksums                                                 */
/* ------------------------------------------------------------------ */

struct body {
    const char *data;
    size_t n;
    void *map;                  /* a spooled body's mapping (body_clear unmaps it) */
    size_t nmap;
    enum s3ck_algo algo;        /* the checksum named by the request, or S3CK_NONE */
    char ck[S3CK_B64_MAX];      /* its value as computed */
    char md5hex[33];
    unsigned char md5raw[16];
};

/* The checksum the request names: its algorithm and expected value
 * (header or trailer; NULL when only the algorithm is named). */
static enum s3ck_algo named_checksum(struct req *req, const struct s3_chunked *ch, const char **want) {
    *want = NULL;
    for (int a = S3CK_CRC32; a <= S3CK_SHA256; a++) {
        const char *v = req_header(req, s3ck_header((enum s3ck_algo)a));
        if (v == NULL && ch) v = s3_chunked_trailer(ch, s3ck_header((enum s3ck_algo)a));
        if (v) {
            *want = v;
            return (enum s3ck_algo)a;
        }
    }
    enum s3ck_algo a = s3ck_by_name(req_header(req, "x-amz-sdk-checksum-algorithm"));
    if (a == S3CK_NONE) a = s3ck_by_name(req_header(req, "x-amz-checksum-algorithm"));
    return a;
}

/* Decodes an aws-chunked body (N bytes at BUF) in place; *N becomes the
 * decoded length. */
static int dechunk_or_fail(struct req *req, char *buf, size_t *n, struct s3_chunked *ch, int *chunked) {
    const char *enc = req_header(req, "Content-Encoding");
    const char *sha = req_header(req, "x-amz-content-sha256");
    *chunked = (enc && strstr(enc, "aws-chunked")) || (sha && strncmp(sha, "STREAMING-", 10) == 0);
    if (!*chunked) return 0;
    const char *why;
    if (s3_chunked_decode(buf, *n, ch, &why) != 0)
        return s3_fail(req, &AWSERR_S3_INCOMPLETE_BODY, NULL, NULL,
                       "You did not provide the number of bytes specified by the Content-Length HTTP "
                       "header (aws-chunked: %s)", why);
    *n = ch->n;
    const char *dlen = req_header(req, "x-amz-decoded-content-length");
    if (dlen && strtoull(dlen, NULL, 10) != ch->n)
        return s3_fail(req, &AWSERR_S3_INCOMPLETE_BODY, NULL, NULL,
                       "You did not provide the number of bytes specified by the Content-Length HTTP header");
    return 0;
}

/* Content-MD5 and a hex x-amz-content-sha256, when sent, must match. */
static int digests_or_fail(struct req *req, struct body *b) {
    const char *md5 = req_header(req, "Content-MD5");
    if (md5) {
        size_t n = 0;
        unsigned char *raw = util_b64_decode(md5, strlen(md5), &n);
        int ok = raw && n == 16;
        int same = ok && memcmp(raw, b->md5raw, 16) == 0;
        free(raw);
        if (!ok) return s3_fail(req, &AWSERR_S3_INVALID_DIGEST, NULL, NULL, "The Content-MD5 you specified was invalid.");
        if (!same)
            return s3_fail(req, &AWSERR_S3_BAD_DIGEST, NULL, NULL,
                           "The Content-MD5 you specified did not match what we received.");
    }
    const char *sha = req_header(req, "x-amz-content-sha256");
    if (sha && strlen(sha) == 64 && strspn(sha, "0123456789abcdef") == 64) {
        char hex[65], b64[45];
        blob_digest(b->data, b->n, hex, b64);
        if (strcmp(hex, sha) != 0)
            return s3_fail(req, &AWSERR_S3_SHA256_MISMATCH, NULL, NULL,
                           "The provided 'x-amz-content-sha256' header does not match what was computed.");
    }
    return 0;
}

/* Unmaps B's spooled body, if any. */
static void body_clear(struct body *b) {
    if (b->map) munmap(b->map, b->nmap);
    b->map = NULL;
}

/* The request's body in writable memory: its spool file mapped shared
 * (decoding in place writes to the file, not to anonymous memory), or
 * the buffer. */
static int body_map_or_fail(struct req *req, struct body *b, char **buf, size_t *n) {
    *n = req->nbody;
    *buf = req->body ? req->body : (char *)"";
    if (!req->body_in_file || req->nbody == 0) return 0;
    void *m = mmap(NULL, req->nbody, PROT_READ | PROT_WRITE, MAP_SHARED, req->body_fd, 0);
    if (m == MAP_FAILED)
        return s3_fail(req, &AWSERR_S3_INTERNAL, NULL, NULL, "We encountered an internal error. Please try again.");
    b->map = m;
    b->nmap = req->nbody;
    *buf = m;
    return 0;
}

/* The request's body, decoded and verified, into *B (body_clear
 * releases it, also after a failure). */
static int body_or_fail(struct req *req, struct body *b) {
    struct s3_chunked ch;
    int chunked;
    char *buf;
    size_t n;
    memset(b, 0, sizeof(*b));
    if (body_map_or_fail(req, b, &buf, &n) != 0 || dechunk_or_fail(req, buf, &n, &ch, &chunked) != 0)
        return -1;
    b->data = buf;
    b->n = n;
    s3ck_md5_hex(b->data, b->n, b->md5hex, b->md5raw);
    const char *want;
    b->algo = named_checksum(req, chunked ? &ch : NULL, &want);
    if (b->algo != S3CK_NONE) {
        s3ck_digest(b->algo, b->data, b->n, b->ck);
        if (want && strcmp(want, b->ck) != 0)
            return s3_fail(req, &AWSERR_S3_BAD_DIGEST, NULL, NULL,
                           "The %s you specified did not match the calculated checksum.", s3ck_name(b->algo));
    }
    return digests_or_fail(req, b);
}

/* The metadata document of a new object from REQ's headers. */
cJSON *s3_meta_from_headers(struct req *req) {
    cJSON *m = cJSON_CreateObject(), *user = cJSON_AddObjectToObject(m, "meta");
    for (size_t i = 0; i < sizeof(kept_headers) / sizeof(kept_headers[0]); i++) {
        const char *v = req_header(req, kept_headers[i][0]);
        if (v) cJSON_AddStringToObject(m, kept_headers[i][1], v);
    }
    /* aws-chunked is the transfer's encoding, not the object's. */
    const char *enc = req_header(req, "Content-Encoding");
    if (enc) {
        char *e = xstrdup(enc), *p;
        if ((p = strstr(e, "aws-chunked")) != NULL) {
            memmove(p, p + 11, strlen(p + 11) + 1);
            while (*e == ',' || *e == ' ') memmove(e, e + 1, strlen(e));
            size_t n = strlen(e);
            while (n > 0 && (e[n - 1] == ',' || e[n - 1] == ' ')) e[--n] = '\0';
        }
        if (*e) cJSON_AddStringToObject(m, "ContentEncoding", e);
        free(e);
    }
    const char *name, *value;
    for (int i = 0; (name = req_header_at(req, i, &value)) != NULL; i++) {
        if (strncasecmp(name, "x-amz-meta-", 11) != 0 || name[11] == '\0') continue;
        char *k = xstrdup(name + 11);
        for (char *p = k; *p; p++) *p = (char)tolower((unsigned char)*p);
        cJSON_DeleteItemFromObjectCaseSensitive(user, k);
        cJSON_AddStringToObject(user, k, value);
        free(k);
    }
    return m;
}

static void set_checksum(cJSON *meta, enum s3ck_algo algo, const char *value, const char *type) {
    cJSON_DeleteItemFromObjectCaseSensitive(meta, "ck");
    cJSON *ck = cJSON_AddObjectToObject(meta, "ck");
    cJSON_AddStringToObject(ck, "algo", s3ck_name(algo));
    cJSON_AddStringToObject(ck, "value", value);
    cJSON_AddStringToObject(ck, "type", type);
}

/* Adds the checksum headers of META's checksum to the reply. */
static void checksum_headers(struct req *req, cJSON *meta) {
    cJSON *ck = cJSON_GetObjectItemCaseSensitive(meta, "ck");
    const char *algo = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ck, "algo"));
    const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ck, "value"));
    const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ck, "type"));
    if (algo == NULL || value == NULL) return;
    req_add_header(req, s3ck_header(s3ck_by_name(algo)), value);
    if (type) req_add_header(req, "x-amz-checksum-type", type);
}

/* Stores B's bytes as a blob: the spool file itself when the body came
 * in one, else a copy. */
static int body_store(struct req *req, struct body *b, char hex[65], char b64[45]) {
    if (req->body_in_file) return blob_put_fd(req->body_fd, b->data, b->n, hex, b64);
    return blob_put(b->data, b->n, hex, b64);
}

int s3_body_for_part(struct req *req, enum s3ck_algo upload_algo, char blob[65], char etag[48],
                     char ck[S3CK_B64_MAX], int64_t *size) {
    struct body b;
    char b64[45];
    int ret = -1;
    if (body_or_fail(req, &b) != 0) goto out;
    if (body_store(req, &b, blob, b64) != 0) {
        s3_fail(req, &AWSERR_S3_INTERNAL, NULL, NULL, "We encountered an internal error. Please try again.");
        goto out;
    }
    snprintf(etag, 48, "\"%s\"", b.md5hex);
    *size = (int64_t)b.n;
    ck[0] = '\0';
    if (b.algo != S3CK_NONE) snprintf(ck, S3CK_B64_MAX, "%s", b.ck);
    else if (upload_algo != S3CK_NONE) s3ck_digest(upload_algo, b.data, b.n, ck);
    ret = 0;
out:
    body_clear(&b);
    return ret;
}

/* ------------------------------------------------------------------ */
/* PutObject, GetObject, HeadObject, DeleteObject                       */
/* ------------------------------------------------------------------ */

static int precondition_failed(struct req *req, const char *condition) {
    return s3_fail(req, &AWSERR_S3_PRECONDITION_FAILED, "Condition", condition,
                   "At least one of the pre-conditions you specified did not hold");
}

/* Conditional writes (If-None-Match: *, If-Match: ETAG) against the
 * current object of BUCKET/KEY. */
static int write_conditions_or_fail(struct req *req, const char *bucket, const char *key) {
    const char *inm = req_header(req, "If-None-Match"), *im = req_header(req, "If-Match");
    if (inm == NULL && im == NULL) return 0;
    struct store_s3_object cur;
    int rc = store_s3_object_get(bucket, key, &cur);
    if (rc != STORE_OK && rc != STORE_NOTFOUND) return s3_store_fail(req, rc);
    int r = 0;
    if (inm && strcmp(inm, "*") == 0 && rc == STORE_OK) r = precondition_failed(req, "If-None-Match");
    else if (im && rc == STORE_NOTFOUND)
        r = s3_fail(req, &AWSERR_S3_NO_SUCH_KEY, "Key", key, "The specified key does not exist.");
    else if (im && strcmp(im, "*") != 0 && strcmp(im, cur.etag) != 0) r = precondition_failed(req, "If-Match");
    store_s3_object_clear(&cur);
    return r;
}

int s3_put_object(struct req *req, struct op_in *in) {
    struct body b;
    char b64[45];
    struct store_s3_object o = {0};
    cJSON *meta = NULL;
    int ret = -1;
    if (body_or_fail(req, &b) != 0 || s3_tagging_header_or_fail(req) != 0) goto out;
    if (s3_bucket_or_fail(req, in->fn, NULL) != 0 || write_conditions_or_fail(req, in->fn, in->sub) != 0)
        goto out;
    if (body_store(req, &b, o.blob, b64) != 0) {
        s3_fail(req, &AWSERR_S3_INTERNAL, NULL, NULL, "We encountered an internal error. Please try again.");
        goto out;
    }
    meta = s3_meta_from_headers(req);
    /* Without a checksum of its own an object gets CRC64NVME, as S3 does
     * since its default integrity protections (Amazon S3 User Guide,
     * "Checking object integrity"). */
    enum s3ck_algo algo = b.algo != S3CK_NONE ? b.algo : S3CK_CRC64NVME;
    char ck[S3CK_B64_MAX];
    if (b.algo != S3CK_NONE) snprintf(ck, sizeof(ck), "%s", b.ck);
    else s3ck_digest(algo, b.data, b.n, ck);
    set_checksum(meta, algo, ck, "FULL_OBJECT");
    o.key = in->sub;
    o.size = (int64_t)b.n;
    snprintf(o.etag, sizeof(o.etag), "\"%s\"", b.md5hex);
    o.modified_ms = clock_now_ms();
    o.meta = cJSON_PrintUnformatted(meta);
    int rc = store_s3_object_put(in->fn, &o);
    if (rc == STORE_NOTFOUND) s3_no_bucket(req, in->fn);
    else if (rc != STORE_OK) s3_store_fail(req, rc);
    else {
        req_add_header(req, "ETag", o.etag);
        if (b.algo != S3CK_NONE) {
            req_add_header(req, s3ck_header(b.algo), b.ck);
            req_add_header(req, "x-amz-checksum-type", "FULL_OBJECT");
        }
        ret = req_reply_raw(req, 200, NULL, "", 0);
    }
out:
    free(o.meta);
    cJSON_Delete(meta);
    body_clear(&b);
    return ret;
}

int s3_parse_range(const char *h, int64_t size, int64_t *start, int64_t *end) {
    if (h == NULL || strncmp(h, "bytes=", 6) != 0) return 0;
    const char *p = h + 6;
    if (strchr(p, ',')) return 0;   /* several ranges: S3 sends the whole object */
    char *e;
    if (*p == '-') {
        if (!isdigit((unsigned char)p[1])) return 0;
        long long n = strtoll(p + 1, &e, 10);
        if (*e) return 0;
        if (n == 0) return size == 0 ? 0 : -1;
        *start = n >= size ? 0 : size - n;
        *end = size - 1;
        return size == 0 ? 0 : 1;
    }
    if (!isdigit((unsigned char)*p)) return 0;
    long long a = strtoll(p, &e, 10), z;
    if (*e != '-') return 0;
    if (e[1] == '\0') {
        z = size - 1;
    } else {
        if (!isdigit((unsigned char)e[1])) return 0;
        z = strtoll(e + 1, &e, 10);
        if (*e || z < a) return 0;
    }
    if (a >= size) return -1;
    *start = a;
    *end = z >= size ? size - 1 : z;
    return 1;
}

/* Reads N bytes at OFF of blob HEX into a new buffer (caller frees), or NULL. */
static char *read_blob(const char *hex, int64_t off, size_t n) {
    char path[4096];
    if (blob_path(hex, path, sizeof(path)) != 0) return NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    char *buf = xmalloc(n + 1);
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)(off + (int64_t)got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (got != n) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Has the reply send N bytes at OFF of blob HEX from its file. */
static int send_blob_or_fail(struct req *req, const char *hex, int64_t off, size_t n) {
    char path[4096];
    int fd = blob_path(hex, path, sizeof(path)) == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    if (fd < 0)
        return s3_fail(req, &AWSERR_S3_INTERNAL, NULL, NULL, "We encountered an internal error. Please try again.");
    req->resp_in_file = 1;
    req->resp_fd = fd;
    req->resp_off = off;
    req->nresp = n;
    return 0;
}

/* The standard headers of object O with metadata META; a RANGED reply
 * carries no checksum (it would not be the checksum of what is sent). */
static void object_headers(struct req *req, const struct store_s3_object *o, cJSON *meta, int ranged) {
    char when[40];
    s3_http_date(o->modified_ms, when);
    req_add_header(req, "ETag", o->etag);
    req_add_header(req, "Last-Modified", when);
    req_add_header(req, "Accept-Ranges", "bytes");
    static const char *const overrides[][2] = {
        {"ContentType", "response-content-type"},       {"ContentDisposition", "response-content-disposition"},
        {"ContentLanguage", "response-content-language"}, {"CacheControl", "response-cache-control"},
        {"Expires", "response-expires"},                {"ContentEncoding", "response-content-encoding"},
    };
    for (size_t i = 0; i < sizeof(kept_headers) / sizeof(kept_headers[0]); i++) {
        const char *member = kept_headers[i][1];
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, member));
        for (size_t k = 0; k < sizeof(overrides) / sizeof(overrides[0]); k++)
            if (strcmp(overrides[k][0], member) == 0 && req_query(req, overrides[k][1]))
                v = req_query(req, overrides[k][1]);
        if (strcmp(member, "ContentType") == 0 && v == NULL) v = "binary/octet-stream";
        if (strcmp(member, "Tagging") == 0 || strcmp(member, "StorageClass") == 0) continue;
        if (v) req_add_header(req, kept_headers[i][0], v);
    }
    const char *enc = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(meta, "ContentEncoding"));
    if (req_query(req, "response-content-encoding")) enc = req_query(req, "response-content-encoding");
    if (enc) req_add_header(req, "Content-Encoding", enc);
    cJSON *user = cJSON_GetObjectItemCaseSensitive(meta, "meta");
    for (cJSON *it = user ? user->child : NULL; it; it = it->next) {
        char *h = xasprintf("x-amz-meta-%s", it->string);
        req_add_header(req, h, cJSON_GetStringValue(it));
        free(h);
    }
    int ntags = s3_object_tag_count(meta);
    if (ntags > 0) {
        char n[16];
        snprintf(n, sizeof(n), "%d", ntags);
        req_add_header(req, "x-amz-tagging-count", n);
    }
    const char *mode = req_header(req, "x-amz-checksum-mode");
    if (mode && strcasecmp(mode, "ENABLED") == 0 && !ranged) checksum_headers(req, meta);
    int parts = cJSON_GetObjectItemCaseSensitive(meta, "parts")
                    ? cJSON_GetObjectItemCaseSensitive(meta, "parts")->valueint : 0;
    if (parts > 0 && req_query(req, "partNumber")) {
        char n[16];
        snprintf(n, sizeof(n), "%d", parts);
        req_add_header(req, "x-amz-mp-parts-count", n);
    }
}

/* Read conditions (If-Match, If-None-Match) against O. */
static int read_conditions_or_fail(struct req *req, const struct store_s3_object *o) {
    const char *im = req_header(req, "If-Match"), *inm = req_header(req, "If-None-Match");
    if (im && strcmp(im, "*") != 0 && strcmp(im, o->etag) != 0) return precondition_failed(req, "If-Match");
    if (inm && (strcmp(inm, "*") == 0 || strcmp(inm, o->etag) == 0)) {
        req_add_header(req, "ETag", o->etag);
        return s3_fail(req, &AWSERR_S3_NOT_MODIFIED, NULL, NULL, "Not Modified");
    }
    return 0;
}

/* GetObject and HeadObject: HEAD announces the length without reading. */
static int get_or_head(struct req *req, struct op_in *in, int head) {
    struct store_s3_object o;
    cJSON *meta = NULL;
    int ret = -1;
    if (s3_bucket_or_fail(req, in->fn, NULL) != 0) return -1;
    int rc = store_s3_object_get(in->fn, in->sub, &o);
    if (rc == STORE_NOTFOUND)
        return s3_fail(req, &AWSERR_S3_NO_SUCH_KEY, "Key", in->sub, "The specified key does not exist.");
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    if (read_conditions_or_fail(req, &o) != 0) goto out;
    meta = cJSON_Parse(o.meta ? o.meta : "{}");
    int64_t start = 0, end = o.size - 1;
    int ranged = s3_parse_range(req_header(req, "Range"), o.size, &start, &end);
    if (ranged < 0) {
        char size[24];
        snprintf(size, sizeof(size), "%lld", (long long)o.size);
        s3_fail(req, &AWSERR_S3_INVALID_RANGE, "ActualObjectSize", size, "The requested range is not satisfiable");
        cJSON_AddStringToObject(req->err_extra, "RangeRequested", req_header(req, "Range"));
        goto out;
    }
    size_t n = o.size > 0 ? (size_t)(end - start + 1) : 0;
    object_headers(req, &o, meta, ranged);
    if (ranged) {
        char cr[80];
        snprintf(cr, sizeof(cr), "bytes %lld-%lld/%lld", (long long)start, (long long)end, (long long)o.size);
        req_add_header(req, "Content-Range", cr);
    }
    int status = ranged ? 206 : 200;
    if (head || n == 0) {
        req_reply_raw(req, status, NULL, "", 0);
        req->head_length = n;
        ret = 0;
        goto out;
    }
    if (n > S3_GET_IN_MEMORY) {
        if (send_blob_or_fail(req, o.blob, start, n) != 0) goto out;
        req->status = status;
        ret = 0;
        goto out;
    }
    char *data = read_blob(o.blob, start, n);
    if (data == NULL) {
        s3_fail(req, &AWSERR_S3_INTERNAL, NULL, NULL, "We encountered an internal error. Please try again.");
        goto out;
    }
    free(req->resp_body);
    req->resp_body = data;
    req->nresp = n;
    req->status = status;
    ret = 0;
out:
    cJSON_Delete(meta);
    store_s3_object_clear(&o);
    return ret;
}

int s3_get_object(struct req *req, struct op_in *in) { return get_or_head(req, in, 0); }

int s3_head_object(struct req *req, struct op_in *in) { return get_or_head(req, in, 1); }

int s3_delete_object(struct req *req, struct op_in *in) {
    if (s3_bucket_or_fail(req, in->fn, NULL) != 0) return -1;
    int rc = store_s3_object_delete(in->fn, in->sub);
    if (rc != STORE_OK) return s3_store_fail(req, rc);
    return req_reply_raw(req, 204, NULL, "", 0);
}

int s3_delete_objects(struct req *req, struct op_in *in) {
    if (s3_bucket_or_fail(req, in->fn, NULL) != 0) return -1;
    size_t pos = 0, start, len;
    if (s3x_next(req->body, req->nbody, "Delete", &pos, &start, &len) != 1)
        return s3_fail(req, &AWSERR_S3_MALFORMED_XML, NULL, NULL,
                       "The XML you provided was not well-formed or did not validate against our published schema");
    const char *doc = req->body + start;
    char *quiet = s3x_child(doc, len, "Quiet");
    int is_quiet = quiet && strcmp(quiet, "true") == 0;
    free(quiet);
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<DeleteResult xmlns=\"" S3_XMLNS "\">");
    size_t op = 0, os, ol;
    int count = 0, k;
    while ((k = s3x_next(doc, len, "Object", &op, &os, &ol)) == 1) {
        char *key = s3x_child(doc + os, ol, "Key");
        if (key == NULL || ++count > S3_MAX_DELETE) {
            free(key);
            k = -1;
            break;
        }
        int rc = store_s3_object_delete(in->fn, key);
        if (rc == STORE_OK && !is_quiet) {
            s3x_add(&x, "<Deleted>");
            s3x_elem(&x, "Key", key);
            s3x_add(&x, "</Deleted>");
        } else if (rc != STORE_OK) {
            s3x_add(&x, "<Error>");
            s3x_elem(&x, "Key", key);
            s3x_elem(&x, "Code", "InternalError");
            s3x_elem(&x, "Message", "We encountered an internal error. Please try again.");
            s3x_add(&x, "</Error>");
        }
        free(key);
    }
    if (k < 0 || count == 0) {
        free(s3x_take(&x, NULL));
        return s3_fail(req, &AWSERR_S3_MALFORMED_XML, NULL, NULL,
                       "The XML you provided was not well-formed or did not validate against our published schema");
    }
    s3x_add(&x, "</DeleteResult>");
    return s3_reply_xml(req, 200, &x);
}

/* ------------------------------------------------------------------ */
/* CopyObject                                                           */
/* ------------------------------------------------------------------ */

/* Splits x-amz-copy-source ("/bucket/key" or "bucket/key", url-encoded,
 * optionally "?versionId=...") into heap BUCKET and KEY. */
static int copy_source_or_fail(struct req *req, char **bucket, char **key) {
    const char *src = req_header(req, "x-amz-copy-source");
    *bucket = *key = NULL;
    if (*src == '/') src++;
    size_t n = strcspn(src, "?");
    char *dec = util_pct_decode(src, n);
    char *slash = dec ? strchr(dec, '/') : NULL;
    if (slash == NULL || slash == dec || slash[1] == '\0') {
        free(dec);
        return s3_fail(req, &AWSERR_S3_INVALID_ARGUMENT, "ArgumentName", "x-amz-copy-source",
                       "Invalid copy source object key");
    }
    *bucket = xstrndup(dec, (size_t)(slash - dec));
    *key = xstrdup(slash + 1);
    free(dec);
    return 0;
}

int s3_copy_object(struct req *req, struct op_in *in) {
    char *sb = NULL, *sk = NULL;
    struct store_s3_object o = {0};
    cJSON *meta = NULL;
    int ret = -1;
    if (copy_source_or_fail(req, &sb, &sk) != 0) return -1;
    if (s3_bucket_or_fail(req, sb, NULL) != 0 || s3_bucket_or_fail(req, in->fn, NULL) != 0) goto out;
    int rc = store_s3_object_get(sb, sk, &o);
    if (rc == STORE_NOTFOUND) {
        s3_fail(req, &AWSERR_S3_NO_SUCH_KEY, "Key", sk, "The specified key does not exist.");
        goto out;
    }
    if (rc != STORE_OK) {
        s3_store_fail(req, rc);
        goto out;
    }
    const char *directive = req_header(req, "x-amz-metadata-directive");
    int replace = directive && strcmp(directive, "REPLACE") == 0;
    if (!replace && strcmp(sb, in->fn) == 0 && strcmp(sk, in->sub) == 0) {
        s3_fail(req, &AWSERR_S3_INVALID_REQUEST, NULL, NULL,
                "This copy request is illegal because it is trying to copy an object to itself without "
                "changing the object's metadata, storage class, website redirect location or encryption "
                "attributes.");
        goto out;
    }
    cJSON *old = cJSON_Parse(o.meta ? o.meta : "{}");
    if (replace) {
        meta = s3_meta_from_headers(req);
        cJSON *ck = cJSON_GetObjectItemCaseSensitive(old, "ck");
        if (ck) cJSON_AddItemToObject(meta, "ck", cJSON_Duplicate(ck, 1));
        cJSON_Delete(old);
    } else {
        meta = old;
    }
    free(o.key);
    o.key = xstrdup(in->sub);
    free(o.meta);
    o.meta = cJSON_PrintUnformatted(meta);
    o.modified_ms = clock_now_ms();
    rc = store_s3_object_put(in->fn, &o);
    if (rc != STORE_OK) {
        if (rc == STORE_NOTFOUND) s3_no_bucket(req, in->fn);
        else s3_store_fail(req, rc);
        goto out;
    }
    char when[32];
    s3_iso(o.modified_ms, when);
    struct s3x_buf x = {0};
    s3x_add(&x, S3_XML_DECL "<CopyObjectResult xmlns=\"" S3_XMLNS "\">");
    s3x_elem(&x, "LastModified", when);
    s3x_elem(&x, "ETag", o.etag);
    s3x_add(&x, "</CopyObjectResult>");
    ret = s3_reply_xml(req, 200, &x);
out:
    cJSON_Delete(meta);
    store_s3_object_clear(&o);
    free(sb);
    free(sk);
    return ret;
}

/* ------------------------------------------------------------------ */
/* Lambda's Code.S3Bucket                                               */
/* ------------------------------------------------------------------ */

int s3_fetch_for_lambda(struct req *req, const char *bucket, const char *key, size_t max,
                        unsigned char **data, size_t *n) {
    struct store_s3_bucket b;
    struct store_s3_object o;
    *data = NULL;
    *n = 0;
    int rc = store_s3_bucket_get(bucket, &b);
    if (rc == STORE_NOTFOUND)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Error occurred while GetObject. S3 Error Code: NoSuchBucket. S3 Error "
                        "Message: The specified bucket does not exist");
    if (rc != STORE_OK) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "Could not read the code from S3");
    if (strcmp(b.region, req->region) != 0)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Error occurred while GetObject. S3 Error Code: PermanentRedirect. S3 Error "
                        "Message: The bucket is in this region: %s. Please use this region to retry the "
                        "request", b.region);
    rc = key ? store_s3_object_get(bucket, key, &o) : STORE_NOTFOUND;
    if (rc == STORE_NOTFOUND)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error "
                        "Message: The specified key does not exist.");
    if (rc != STORE_OK) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "Could not read the code from S3");
    int ret = 0;
    if ((size_t)o.size > max) {
        ret = req_fail(req, &AWSERR_INVALID_PARAMETER, "Unzipped size must be smaller than %zu bytes", max);
    } else {
        *data = (unsigned char *)read_blob(o.blob, 0, (size_t)o.size);
        *n = (size_t)o.size;
        if (*data == NULL) ret = req_fail(req, &AWSERR_LAMBDA_SERVICE, "Could not read the code from S3");
    }
    store_s3_object_clear(&o);
    return ret;
}
