/*
 * Content-addressed code blobs: a zip is stored once, as
 * <code_dir>/<sha256 hex>.zip, whatever function or version uses it.
 */
#ifndef SLUICE_STORAGE_BLOB_H
#define SLUICE_STORAGE_BLOB_H

#include <stddef.h>
#include <stdint.h>

/* Writes N bytes of DATA as a blob unless one with the same digest exists.
 * The file is written to a temporary name, fsynced, then renamed, so a
 * crash never leaves a partial blob under its final name. Stores the
 * lowercase hex SHA-256 in HEX (65 bytes) and base64 in B64 (45 bytes,
 * AWS's CodeSha256). Returns 0 or -1 (errno-style failure, logged).
 * Thread-safe. */
int blob_put(const void *data, size_t n, char hex[65], char b64[45]);

/* Opens a new anonymous file beside the blobs (O_TMPFILE; where the
 * file system lacks it, a file unlinked at once) for a body that will
 * become a blob through blob_put_fd. Nothing of it outlives the
 * descriptor, even across a crash. Returns the descriptor (read and
 * write, close-on-exec; the caller closes it), or -1 with errno set.
 * Thread-safe. */
int blob_spool_open(void);

/* Makes the first N bytes of spool file FD (from blob_spool_open), whose
 * contents are DATA (a mapping of it), the blob of those bytes, unless one
 * with the same digest exists: the file is cut to N bytes, fsynced and
 * linked under the blob's name, so its bytes are not copied. Falls back
 * to blob_put(DATA, N) when the file cannot be linked. Stores the digests
 * as blob_put does. Returns 0 or -1 (logged). Thread-safe. */
int blob_put_fd(int fd, const void *data, size_t n, char hex[65], char b64[45]);

/* Removes file NAME of the code directory (a blob "<hex>.zip" or a
 * leftover temporary file) if it is a regular file last written or
 * reused before CUTOFF_S (epoch seconds). Serialised with the reuse of
 * existing blobs, so a blob a writer has just found is never removed
 * under it. Returns 1 when removed, else 0. Thread-safe. */
int blob_remove_stale(const char *name, int64_t cutoff_s);

/* Computes the digests of DATA without storing it. */
void blob_digest(const void *data, size_t n, char hex[65], char b64[45]);

/* Writes the path of blob HEX into BUF (size N). Returns 0, or -1 if it
 * does not fit. */
int blob_path(const char *hex, char *buf, size_t n);

#endif
