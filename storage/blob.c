/*
 * Content-addressed code blobs under store_code_dir(). Written by the
 * Lambda API on CreateFunction / UpdateFunctionCode; read by the runtime
 * when it unpacks code for an environment.
 */
#include "storage/blob.h"
#include "storage/store.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void blob_digest(const void *data, size_t n, char hex[65], char b64[45]) {
    struct sha256_ctx ctx;
    uint8_t md[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, n, data);
    sha256_digest(&ctx, sizeof(md), md);
    for (size_t i = 0; i < sizeof(md); i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
    /* Padded base64: 44 characters for 32 bytes, then the terminator. */
    base64_encode_raw(b64, sizeof(md), md);
    b64[BASE64_ENCODE_RAW_LENGTH(sizeof(md))] = '\0';
}

int blob_path(const char *hex, char *buf, size_t n) {
    int w = snprintf(buf, n, "%s/%s.zip", store_code_dir(), hex);
    return (w < 0 || (size_t)w >= n) ? -1 : 0;
}

/* Serialises "reuse an existing blob" (blob_reuse) with "remove a stale
 * one" (blob_remove_stale): a blob is either refreshed before the sweep
 * looks at its age, or removed before a writer looks for it and then
 * written again. */
static pthread_mutex_t reuse_mu = PTHREAD_MUTEX_INITIALIZER;

/* 1 when the blob at PATH exists with N bytes; its time is then set to
 * now, so that the sweep counts it as new while the row that will name it
 * is being written. */
static int blob_reuse(const char *path, size_t n) {
    struct stat sb;
    pthread_mutex_lock(&reuse_mu);
    int same = stat(path, &sb) == 0 && (size_t)sb.st_size == n;
    if (same) utimensat(AT_FDCWD, path, NULL, 0);
    pthread_mutex_unlock(&reuse_mu);
    return same;
}

int blob_remove_stale(const char *name, int64_t cutoff_s) {
    char path[4200];
    struct stat sb;
    int removed = 0;
    if (snprintf(path, sizeof(path), "%s/%s", store_code_dir(), name) >= (int)sizeof(path)) return 0;
    pthread_mutex_lock(&reuse_mu);
    if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && (int64_t)sb.st_mtime < cutoff_s)
        removed = unlink(path) == 0;
    pthread_mutex_unlock(&reuse_mu);
    return removed;
}

int blob_put(const void *data, size_t n, char hex[65], char b64[45]) {
    static atomic_uint seq;
    char path[4096], tmp[4200];
    blob_digest(data, n, hex, b64);
    if (blob_path(hex, path, sizeof(path)) != 0) return -1;
    if (blob_reuse(path, n)) return 0;
    snprintf(tmp, sizeof(tmp), "%s.tmp.%d.%u", path, (int)getpid(), atomic_fetch_add(&seq, 1));
    int rc = -1;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) goto out;
    const char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0) {
            if (errno == EINTR) continue;
            goto out;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) goto out;
    int cr = close(fd);
    fd = -1;
    if (cr != 0 || rename(tmp, path) != 0) goto out;
    rc = 0;
out:
    if (rc != 0) {
        int err = errno;
        if (fd >= 0) close(fd);
        fprintf(stderr, "sluice: cannot write code blob %s: %s\n", path, strerror(err));
        unlink(tmp);
    }
    return rc;
}

int blob_spool_open(void) {
    int fd = open(store_code_dir(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0644);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)) return fd;
    /* No O_TMPFILE here: a named file, unlinked at once. */
    char path[4200];
    static atomic_uint seq;
    snprintf(path, sizeof(path), "%s/spool.%d.%u", store_code_dir(), (int)getpid(), atomic_fetch_add(&seq, 1));
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) unlink(path);
    return fd;
}

int blob_put_fd(int fd, const void *data, size_t n, char hex[65], char b64[45]) {
    char path[4096], self[64];
    blob_digest(data, n, hex, b64);
    if (blob_path(hex, path, sizeof(path)) != 0) return -1;
    if (blob_reuse(path, n)) return 0;
    if (ftruncate(fd, (off_t)n) != 0 || fsync(fd) != 0) goto copy;
    /* An O_TMPFILE file gets its name through /proc (linkat(2)); an
     * unlinked one cannot, and is copied instead. */
    snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, self, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 || errno == EEXIST) return 0;
copy:
    return blob_put(data, n, hex, b64);
}
