/*
 * Removing blobs nothing names (storage/store_blobs.c). Blobs are shared
 * by content (a zip used by two functions, an object uploaded twice), so
 * a delete cannot remove its blob at once: another row may name it, or a
 * writer may be about to. The sweep instead removes what no row names
 * and nobody has written or reused for a grace period (blob_remove_stale
 * takes care of the writer that is about to).
 */
#ifndef SLUICE_STORAGE_STORE_BLOBS_H
#define SLUICE_STORAGE_STORE_BLOBS_H

#include <stdint.h>

/* Removes every blob of the code directory that no function, version,
 * S3 object or upload part names and that is older than GRACE_S
 * seconds, with its unpacked code directory, and the temporary files a
 * crash left that are as old. Stores the number of files removed in
 * *REMOVED. Returns 0, or -1 when the rows or the directory cannot be
 * read (nothing is removed then). Runs on the calling thread's
 * connection, outside a transaction. */
int store_blob_sweep(int64_t grace_s, int *removed);

/* The background task: store_blob_sweep with a ten-minute grace, once at
 * start-up and every five minutes after. Background thread only. */
void store_blob_maintain(void);

#endif
