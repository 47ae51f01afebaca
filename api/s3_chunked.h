/*
 * The aws-chunked content encoding of S3 uploads (Amazon S3 API Reference,
 * "Signature Calculations for the Authorization Header: Transferring
 * Payload in Multiple Chunks (Chunked Upload)" and "... Including
 * Trailing Headers"): a body of "<hex size>[;chunk-signature=<sig>]\r\n
 * <data>\r\n" chunks ending with a zero-size chunk, then optional trailer
 * lines ("x-amz-checksum-crc32:<b64>\r\n") and an empty line. Current
 * SDKs send PutObject and UploadPart bodies this way with a trailing
 * checksum. Pure parsing of outside input; no allocation.
 */
#ifndef SLUICE_API_S3_CHUNKED_H
#define SLUICE_API_S3_CHUNKED_H

#include <stddef.h>

/* Trailer lines kept: the checksum and its signature are all any SDK
 * sends; the rest are refused as malformed. */
#define S3_CHUNKED_MAX_TRAILERS 4

struct s3_trailer {
    char name[64];     /* lower-cased */
    char value[160];
};

struct s3_chunked {
    size_t n;                                       /* decoded length */
    struct s3_trailer trailers[S3_CHUNKED_MAX_TRAILERS];
    int ntrailers;
};

/* Decodes the N aws-chunked bytes at BUF in place: the payload is moved
 * to BUF's start (it is never longer than its encoding) and its length
 * stored in OUT->n, with the trailer lines in OUT. Returns 0, or -1 when
 * the encoding is malformed (a bad size line, a chunk running past the
 * end, a missing CRLF, a bad trailer), with *WHY set to a static
 * description. Chunk signatures are read past, not verified. */
int s3_chunked_decode(char *buf, size_t n, struct s3_chunked *out, const char **why);

/* The value of trailer NAME (case-insensitive) in C, or NULL. Borrowed. */
const char *s3_chunked_trailer(const struct s3_chunked *c, const char *name);

#endif
