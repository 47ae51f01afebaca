/*
 * A one-file zip written in memory with libzip (runtime/zipwrite.h).
 */
#include "runtime/zipwrite.h"
#include "runtime/libzip_load.h"
#include "base/util.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>

/* The entry's modification time: 1980-01-01T00:00:00Z, the first time a
 * zip's DOS date can hold, fixed so that equal sources zip to equal bytes. */
#define ZIPWRITE_MTIME 315532800

static const char ZIPWRITE_FAILED[] = "could not build the zip of the inline code";

/* Reads the whole of SRC (a finished buffer source) into *OUT. */
static int read_all(const struct libzip_api *z, zip_source_t *src, unsigned char **out, size_t *nout) {
    zip_stat_t st;
    int rc = -1;
    if (z->source_open(src) != 0) return -1;
    z->stat_init(&st);
    if (z->source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE)) {
        unsigned char *buf = xmalloc(st.size ? (size_t)st.size : 1);
        if (z->source_read(src, buf, st.size) == (zip_int64_t)st.size) {
            *out = buf;
            *nout = (size_t)st.size;
            rc = 0;
        } else {
            free(buf);
        }
    }
    z->source_close(src);
    return rc;
}

int zipwrite_one(const char *name, const void *data, size_t n, unsigned char **out, size_t *nout,
                 const char **msg) {
    const struct libzip_api *z = libzip_get(msg);
    zip_source_t *buf = NULL, *file = NULL;
    zip_t *za = NULL;
    zip_error_t ze;
    int rc = -1;
    *out = NULL;
    *nout = 0;
    if (z == NULL) return -1;
    *msg = ZIPWRITE_FAILED;
    z->error_init(&ze);
    if ((buf = z->source_buffer_create(NULL, 0, 0, &ze)) == NULL) goto out;
    if ((za = z->open_from_source(buf, ZIP_CREATE | ZIP_TRUNCATE, &ze)) == NULL) goto out;
    z->source_keep(buf);   /* still ours after zip_close */
    if ((file = z->source_buffer_create(data, n, 0, &ze)) == NULL) goto out;
    zip_int64_t idx = z->file_add(za, name, file, ZIP_FL_ENC_UTF_8);
    if (idx < 0) goto out;
    file = NULL;           /* the archive owns it now */
    if (z->file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
                                        (zip_uint32_t)(S_IFREG | 0644) << 16) != 0 ||
        z->file_set_mtime(za, (zip_uint64_t)idx, (time_t)ZIPWRITE_MTIME, 0) != 0)
        goto out;
    if (z->close(za) != 0) goto out;   /* a failed close leaves ZA to discard */
    za = NULL;
    if (read_all(z, buf, out, nout) != 0) goto out;
    *msg = NULL;
    rc = 0;
out:
    if (za) z->discard(za);
    if (file) z->source_free(file);
    if (buf) z->source_free(buf);
    z->error_fini(&ze);
    return rc;
}
