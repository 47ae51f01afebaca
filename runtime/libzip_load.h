/*
 * libzip, loaded on first use. Only Lambda code zips need it, and linking
 * it made the loader map libzip and, through it, libcrypto at every start
 * (see docs/architecture.md, "Start-up, second pass"), so it is opened with
 * dlopen() the first time a zip is checked or unpacked.
 */
#ifndef SLUICE_RUNTIME_LIBZIP_LOAD_H
#define SLUICE_RUNTIME_LIBZIP_LOAD_H

#include <stddef.h>
#include <zip.h>

/* The soname opened: libzip's ABI major 4 (Debian's libzip4), the one the
 * headers sluice is built against declare. */
#define LIBZIP_SONAME "libzip.so.4"

/* The libzip functions runtime/unzip.c and runtime/zipwrite.c use, typed
 * from <zip.h> so a mismatch with the headers is a compile error. */
struct libzip_api {
    __typeof__(zip_discard) *discard;
    __typeof__(zip_error_fini) *error_fini;
    __typeof__(zip_error_init) *error_init;
    __typeof__(zip_fclose) *fclose;
    __typeof__(zip_fdopen) *fdopen;
    __typeof__(zip_file_get_external_attributes) *file_get_external_attributes;
    __typeof__(zip_fopen_index) *fopen_index;
    __typeof__(zip_fread) *fread;
    __typeof__(zip_get_name) *get_name;
    __typeof__(zip_get_num_entries) *get_num_entries;
    __typeof__(zip_open_from_source) *open_from_source;
    __typeof__(zip_source_buffer_create) *source_buffer_create;
    __typeof__(zip_source_free) *source_free;
    __typeof__(zip_stat_index) *stat_index;
    __typeof__(zip_stat_init) *stat_init;
    /* Writing (runtime/zipwrite.c) */
    __typeof__(zip_close) *close;
    __typeof__(zip_file_add) *file_add;
    __typeof__(zip_file_set_external_attributes) *file_set_external_attributes;
    __typeof__(zip_file_set_mtime) *file_set_mtime;
    __typeof__(zip_source_close) *source_close;
    __typeof__(zip_source_keep) *source_keep;
    __typeof__(zip_source_open) *source_open;
    __typeof__(zip_source_read) *source_read;
    __typeof__(zip_source_stat) *source_stat;
};

/* Opens SONAME with dlopen() and fills *API with its functions. Returns 0,
 * or -1 with a message naming the library and the reason in ERR (N bytes,
 * always terminated); on failure the library is not left open. Keeps no
 * state of its own (dlerror() is per thread); the handle of a success is
 * never closed. Exported for the tests; the server uses libzip_get(). */
int libzip_load(const char *soname, struct libzip_api *api, char *err, size_t n);

/* The process-wide libzip, loaded from LIBZIP_SONAME by the first call
 * (thread-safe: pthread_once). Returns the table, valid for the life of
 * the process, or NULL when the library could not be loaded; then *ERR
 * (if ERR is not NULL) points to a static message saying why, and every
 * later call returns the same failure without retrying. */
const struct libzip_api *libzip_get(const char **err);

#endif
