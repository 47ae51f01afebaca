/*
 * S3's object checksums (Amazon S3 User Guide, "Checking object
 * integrity"): CRC32, CRC32C, CRC64NVME, SHA1 and SHA256, each sent and
 * returned as the base64 of the big-endian digest, plus the MD5 that is
 * an object's ETag. Pure functions, no I/O; thread-safe.
 */
#ifndef SLUICE_BASE_S3_CHECKSUM_H
#define SLUICE_BASE_S3_CHECKSUM_H

#include <nettle/sha1.h>
#include <nettle/sha2.h>
#include <stddef.h>
#include <stdint.h>

enum s3ck_algo {
    S3CK_NONE = 0,
    S3CK_CRC32,
    S3CK_CRC32C,
    S3CK_CRC64NVME,
    S3CK_SHA1,
    S3CK_SHA256,
};

/* Largest base64 digest (SHA256: 44 characters) plus the terminator. */
#define S3CK_B64_MAX 48

/* The algorithm named NAME ("CRC32", "crc32c", ... case-insensitive), or
 * S3CK_NONE when it is not one of S3's. */
enum s3ck_algo s3ck_by_name(const char *name);

/* The upper-case name of ALGO ("CRC64NVME"), "" for S3CK_NONE. Static. */
const char *s3ck_name(enum s3ck_algo algo);

/* The header that carries ALGO's checksum ("x-amz-checksum-crc32"), ""
 * for S3CK_NONE. Static. */
const char *s3ck_header(enum s3ck_algo algo);

/* An incremental checksum: init, update with any split of the data,
 * final. */
struct s3ck {
    enum s3ck_algo algo;
    uint64_t crc;
    union {
        struct sha1_ctx sha1;
        struct sha256_ctx sha256;
    } u;
};

/* Starts a running checksum of ALGO in C (no allocation; S3CK_NONE
 * gives one that computes nothing). Pure; one thread per C. */
void s3ck_init(struct s3ck *c, enum s3ck_algo algo);
/* Adds N bytes at DATA to C's checksum. Pure. */
void s3ck_update(struct s3ck *c, const void *data, size_t n);
/* Writes the base64 digest into OUT (S3CK_B64_MAX bytes); "" for
 * S3CK_NONE. */
void s3ck_final(struct s3ck *c, char out[S3CK_B64_MAX]);

/* One-shot: the base64 checksum of N bytes at DATA into OUT. */
void s3ck_digest(enum s3ck_algo algo, const void *data, size_t n, char out[S3CK_B64_MAX]);

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) continuing from
 * CRC (0 to start), as zlib's crc32() continues. */
uint32_t s3ck_crc32c(uint32_t crc, const void *data, size_t n);

/* CRC-64/NVME (reflected polynomial 0x9A6C9329AC4BC9B5, initial value and
 * final XOR all ones; NVM Express NVM Command Set Specification, "End-to-end
 * Data Protection") continuing from CRC (0 to start). */
uint64_t s3ck_crc64nvme(uint64_t crc, const void *data, size_t n);

/* The MD5 of N bytes at DATA as 32 lowercase hex digits into HEX (33
 * bytes), and its 16 raw bytes into RAW when RAW is not NULL. */
void s3ck_md5_hex(const void *data, size_t n, char hex[33], unsigned char raw[16]);

#endif
