/*
 * libFuzzer target for S3's parsers of outside input: the aws-chunked
 * decoder (api/s3_chunked.c), the XML element reader (api/s3_xml.c), the
 * Range parser and the addressing split (api/s3.c's pure functions are
 * reached through the chunked/xml files only; Range and addressing are
 * covered by fuzz_router's S3 seeds), and the checksums over the decoded
 * bytes (base/s3_checksum.c). It must never crash, leak or hang. Built
 * only with clang (tests/fuzz/meson.build).
 */
#include "api/s3_chunked.h"
#include "api/s3_xml.h"
#include "base/s3_checksum.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Element names the S3 request documents use. */
static const char *const names[] = {"Key", "Part", "PartNumber", "ETag", "Object", "Delete", "Quiet",
                                    "Tag", "Value", "Status", "LocationConstraint"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    struct s3_chunked ch;
    const char *why;
    if (s3_chunked_decode(buf, size, &ch, &why) == 0) {
        char out[S3CK_B64_MAX];
        for (int a = S3CK_CRC32; a <= S3CK_SHA256; a++) s3ck_digest((enum s3ck_algo)a, buf, ch.n, out);
        (void)s3_chunked_trailer(&ch, "x-amz-checksum-crc32");
    }
    memcpy(buf, data, size);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t pos = 0, start, len;
        int guard = 0;
        while (s3x_next(buf, size, names[i], &pos, &start, &len) == 1 && guard++ < 10000) {
            free(s3x_text(buf + start, len));
            free(s3x_child(buf + start, len, "Key"));
        }
    }
    free(buf);
    return 0;
}
