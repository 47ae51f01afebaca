/*
 * Event source mappings at run time: a manager thread settles the states
 * the control plane leaves (Creating, Enabling, Disabling, Updating,
 * Deleting) and runs one poller thread per enabled mapping. A poller reads
 * its stream's shards in order (parents before children) from durable
 * checkpoints, builds batches (BatchSize, the batching window, 6 MB),
 * invokes the mapping's function through invoke_sync (so admission,
 * provisioned environments and throttles apply as to any Invoke), and
 * after a success moves the checkpoint and counts the deliveries in one
 * transaction. Function errors are retried per the mapping's settings;
 * throttles and service errors back off without spending retries.
 *
 * Thread-safe. Pollers wake when a DynamoDB write commits records
 * (esm_stream_written), when a mapping changes (esm_kick), and on their
 * own for batching windows, backoff and shard rollover.
 */
#ifndef SLUICE_ENGINE_ESM_H
#define SLUICE_ENGINE_ESM_H

/* Starts the manager thread. Call once after store_init, before serving.
 * Returns 0, or -1 when the thread cannot be created. */
int esm_start(void);

/* Stops the pollers (a batch in flight finishes first) and the manager.
 * Safe to call when never started. */
void esm_stop(void);

/* Mappings changed (create, update, delete, enable, disable, reset):
 * the manager re-reads them at once. Cheap; callable from any thread,
 * also inside a transaction (the manager reads after it commits). */
void esm_kick(void);

/* A write that appended stream records has committed: wakes pollers.
 * Cheap when nobody waits; callable from any thread. */
void esm_stream_written(void);

#endif
