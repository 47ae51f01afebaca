/*
 * base/s3_checksum.h: the CRC tables are built once (pthread_once) from
 * the polynomials named in the header; SHA and MD5 come from nettle,
 * CRC-32 from zlib.
 */
#include "base/s3_checksum.h"

#include <nettle/base64.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>


static uint32_t crc32c_table[256];
static uint64_t crc64_table[256];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void build_tables(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        uint64_t d = i;
        for (int k = 0; k < 8; k++) {
            c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            d = (d & 1) ? (d >> 1) ^ 0x9A6C9329AC4BC9B5ull : d >> 1;
        }
        crc32c_table[i] = c;
        crc64_table[i] = d;
    }
}

uint32_t s3ck_crc32c(uint32_t crc, const void *data, size_t n) {
    pthread_once(&tables_once, build_tables);
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = crc32c_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

uint64_t s3ck_crc64nvme(uint64_t crc, const void *data, size_t n) {
    pthread_once(&tables_once, build_tables);
    const unsigned char *p = data;
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = crc64_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static const struct {
    const char *name;
    const char *header;
} algos[] = {
    [S3CK_NONE] = {"", ""},
    [S3CK_CRC32] = {"CRC32", "x-amz-checksum-crc32"},
    [S3CK_CRC32C] = {"CRC32C", "x-amz-checksum-crc32c"},
    [S3CK_CRC64NVME] = {"CRC64NVME", "x-amz-checksum-crc64nvme"},
    [S3CK_SHA1] = {"SHA1", "x-amz-checksum-sha1"},
    [S3CK_SHA256] = {"SHA256", "x-amz-checksum-sha256"},
};

enum s3ck_algo s3ck_by_name(const char *name) {
    if (name == NULL) return S3CK_NONE;
    for (int a = S3CK_CRC32; a <= S3CK_SHA256; a++)
        if (strcasecmp(name, algos[a].name) == 0) return (enum s3ck_algo)a;
    return S3CK_NONE;
}

const char *s3ck_name(enum s3ck_algo algo) { return algos[algo].name; }

const char *s3ck_header(enum s3ck_algo algo) { return algos[algo].header; }

void s3ck_init(struct s3ck *c, enum s3ck_algo algo) {
    memset(c, 0, sizeof(*c));
    c->algo = algo;
    if (algo == S3CK_SHA1) sha1_init(&c->u.sha1);
    if (algo == S3CK_SHA256) sha256_init(&c->u.sha256);
}

void s3ck_update(struct s3ck *c, const void *data, size_t n) {
    switch (c->algo) {
    case S3CK_CRC32: {
        /* zlib takes uInt lengths: feed in pieces. */
        const unsigned char *p = data;
        while (n > 0) {
            uInt k = n > (1u << 30) ? (1u << 30) : (uInt)n;
            c->crc = crc32((uLong)c->crc, p, k);
            p += k;
            n -= k;
        }
        break;
    }
    case S3CK_CRC32C: c->crc = s3ck_crc32c((uint32_t)c->crc, data, n); break;
    case S3CK_CRC64NVME: c->crc = s3ck_crc64nvme(c->crc, data, n); break;
    case S3CK_SHA1: sha1_update(&c->u.sha1, n, data); break;
    case S3CK_SHA256: sha256_update(&c->u.sha256, n, data); break;
    case S3CK_NONE:
    default: break;
    }
}

void s3ck_final(struct s3ck *c, char out[S3CK_B64_MAX]) {
    uint8_t md[SHA256_DIGEST_SIZE];
    size_t n = 0;
    switch (c->algo) {
    case S3CK_CRC32:
    case S3CK_CRC32C:
        for (int i = 0; i < 4; i++) md[i] = (uint8_t)(c->crc >> (24 - 8 * i));
        n = 4;
        break;
    case S3CK_CRC64NVME:
        for (int i = 0; i < 8; i++) md[i] = (uint8_t)(c->crc >> (56 - 8 * i));
        n = 8;
        break;
    case S3CK_SHA1:
        sha1_digest(&c->u.sha1, SHA1_DIGEST_SIZE, md);
        n = SHA1_DIGEST_SIZE;
        break;
    case S3CK_SHA256:
        sha256_digest(&c->u.sha256, SHA256_DIGEST_SIZE, md);
        n = SHA256_DIGEST_SIZE;
        break;
    case S3CK_NONE:
    default:
        out[0] = '\0';
        return;
    }
    base64_encode_raw(out, n, md);
    out[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
}

void s3ck_digest(enum s3ck_algo algo, const void *data, size_t n, char out[S3CK_B64_MAX]) {
    struct s3ck c;
    s3ck_init(&c, algo);
    s3ck_update(&c, data, n);
    s3ck_final(&c, out);
}

void s3ck_md5_hex(const void *data, size_t n, char hex[33], unsigned char raw[16]) {
    struct md5_ctx ctx;
    uint8_t md[MD5_DIGEST_SIZE];
    md5_init(&ctx);
    md5_update(&ctx, n, data);
    md5_digest(&ctx, sizeof(md), md);
    for (size_t i = 0; i < sizeof(md); i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    if (raw) memcpy(raw, md, sizeof(md));
}
