/*
 * Environment pools: execution environments kept for reuse, each with
 * its log stream, in two lists under one mutex.
 *
 * The warm pool holds on-demand environments between calls, keyed by
 * account|region|function|version|RevisionId. A configuration or code
 * change gives $LATEST a new RevisionId, so its old environments are
 * never reused: they are retired as soon as a newer key is asked for,
 * while published versions keep theirs. Environments idle for longer than
 * the keep-alive are reaped.
 *
 * The provisioned pool holds the environments of provisioned concurrency
 * configs, keyed by account|region|function|qualifier|version|RevisionId
 * (an alias moving to another version, or a new revision, makes a new
 * key), each busy while a call runs in it. The provisioner
 * (engine/provisioner.h) fills it and decides what to retire; the invoker
 * takes and gives back.
 *
 * Thread-safe. Stopping an environment waits for its process, so none is
 * stopped with the mutex held.
 */
#ifndef SLUICE_ENGINE_POOL_H
#define SLUICE_ENGINE_POOL_H

#include <stddef.h>
#include <stdint.h>

struct env;

/* Room for a key: an account (12), a region, a function name (64), a
 * qualifier (128), a version and a RevisionId (36), with separators. */
#define POOL_KEY_MAX 768

/* ---- the warm pool ---- */

/* Writes the warm pool's key of (ACCOUNT, REGION, NAME, VERSION, REV;
 * REV may be NULL) to KEY. Returns the length of its prefix up to and
 * including the "|" after VERSION, which names the function version. */
size_t pool_key(char key[POOL_KEY_MAX], const char *account, const char *region,
                const char *name, const char *version, const char *rev);

/* Takes an idle live environment of KEY (its stream name copied to
 * STREAM, NSTREAM bytes), retiring on the way every dead one and those
 * of the same function version (the first NPREFIX bytes of KEY) with
 * another revision. Returns NULL when none is idle. Caller owns it. */
struct env *pool_take(const char *key, size_t nprefix, char *stream, size_t nstream);

/* Gives ENV (alive, with its log stream STREAM) to the warm pool under
 * KEY; the pool owns it from now on. */
void pool_put(const char *key, const char *stream, struct env *env);

/* Stops and frees the warm environments last given back before
 * BEFORE_MS (wall clock), and dead ones. */
void pool_reap(int64_t before_ms);

/* Stops and frees every warm environment (shutdown). */
void pool_drain(void);

/* ---- the provisioned pool ---- */

/* Writes the provisioned pool's key of (ACCOUNT, REGION, NAME,
 * QUALIFIER, VERSION, REV; REV may be NULL) to KEY. */
void pool_pc_key(char key[POOL_KEY_MAX], const char *account, const char *region,
                 const char *name, const char *qualifier, const char *version, const char *rev);

/* Marks busy and returns a free live environment of KEY (its stream name
 * copied to STREAM), or NULL. The pool keeps owning it: give it back
 * with pool_pc_give_back. */
struct env *pool_pc_take(const char *key, char *stream, size_t nstream);

/* Frees ENV, taken with pool_pc_take, for the next call; a dead one is
 * dropped and freed (the provisioner starts a replacement). */
void pool_pc_give_back(struct env *env);

/* Adds ENV (free, with its log stream STREAM) to the provisioned pool
 * under KEY, which owns it from now on; a dead one is freed instead. */
void pool_pc_adopt(const char *key, const char *stream, struct env *env);

/* The live environments of KEY, busy or free; with KEY NULL, every
 * environment of the pool (dead ones not yet dropped included). */
int pool_pc_count(const char *key);

/* Stops and frees each free environment that is dead or beyond what its
 * key wants: walking the pool in order, one is kept while fewer of its
 * key than WANT(CTX, key) were kept before it. Busy ones always stay. */
void pool_pc_retire(int (*want)(void *ctx, const char *key), void *ctx);

/* Stops and frees every provisioned environment, busy or not (after the
 * provisioner and every call have stopped). */
void pool_pc_drain(void);

#endif
