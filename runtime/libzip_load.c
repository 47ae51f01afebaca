/*
 * libzip, loaded on first use: see libzip_load.h.
 */
#include "runtime/libzip_load.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/* One symbol of the table: its name in the library and where it goes. */
struct sym {
    const char *name;
    size_t off;
};

#define SYM(field) {"zip_" #field, offsetof(struct libzip_api, field)}
static const struct sym syms[] = {
    SYM(discard),          SYM(error_fini),       SYM(error_init),
    SYM(fclose),           SYM(fdopen),           SYM(file_get_external_attributes),
    SYM(fopen_index),      SYM(fread),            SYM(get_name),
    SYM(get_num_entries),  SYM(open_from_source), SYM(source_buffer_create),
    SYM(source_free),      SYM(stat_index),       SYM(stat_init),
    SYM(close),            SYM(file_add),         SYM(file_set_external_attributes),
    SYM(file_set_mtime),   SYM(source_close),     SYM(source_keep),
    SYM(source_open),      SYM(source_read),      SYM(source_stat),
};
#undef SYM

int libzip_load(const char *soname, struct libzip_api *api, char *err, size_t n) {
    struct libzip_api t;
    const char *why;
    void *h;
    int rc = -1;

    /* RTLD_LOCAL: libzip's symbols are reached only through the table. */
    if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
        why = dlerror();
        snprintf(err, n, "cannot load %s, needed for Lambda code zips: %s", soname,
                 why ? why : "unknown error");
        goto out;
    }
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        void *f;
        dlerror();
        /* POSIX lets a void * from dlsym() hold a function pointer. */
        if ((f = dlsym(h, syms[i].name)) == NULL) {
            why = dlerror();
            snprintf(err, n, "cannot load %s, needed for Lambda code zips: no %s (%s)", soname,
                     syms[i].name, why ? why : "null symbol");
            goto out;
        }
        memcpy((char *)&t + syms[i].off, &f, sizeof(f));
    }
    *api = t;
    rc = 0;

out:
    if (rc != 0 && h) dlclose(h);
    return rc;
}

/* Room for dlerror()'s message, which names the file and the reason. */
#define LOAD_ERR_MAX 512

static pthread_once_t g_once = PTHREAD_ONCE_INIT;
static struct libzip_api g_api;
static int g_ok;
static char g_err[LOAD_ERR_MAX];

static void load_once(void) {
    g_ok = libzip_load(LIBZIP_SONAME, &g_api, g_err, sizeof(g_err)) == 0;
}

const struct libzip_api *libzip_get(const char **err) {
    pthread_once(&g_once, load_once);
    if (!g_ok && err) *err = g_err;
    return g_ok ? &g_api : NULL;
}
