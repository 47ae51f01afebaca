/*
 * Starting an execution environment for a function version: its unpacked
 * code, the interpreter that runs its runtime, the variables of
 * docs/aws-reference.md H, and runtime/env.c's env_start. The invoker
 * (cold starts) and the provisioner (provisioned environments) call it;
 * any thread may, any number at once.
 */
#ifndef SLUICE_ENGINE_SPAWN_H
#define SLUICE_ENGINE_SPAWN_H

#include <stddef.h>

struct cJSON;
struct env;
struct env_result;
struct invoke_req;

/* AWS gives a runtime 10 s to initialise before the first invoke
 * (docs/aws-reference.md B). */
#define SPAWN_INIT_TIMEOUT_MS 10000

/* Room for an environment's log stream name: "YYYY/MM/DD/[<version>]"
 * and 32 hex digits. */
#define SPAWN_STREAM_MAX 160

/* The runtimes sluice can run, by family of the Runtime name. */
enum spawn_family {
    SPAWN_UNSUPPORTED = 0,
    SPAWN_PYTHON,         /* python3.x */
    SPAWN_NODE,           /* nodejs*.x */
    SPAWN_PROVIDED,       /* provided.*: the code's own ./bootstrap */
};

/* The family of RUNTIME (a FunctionConfiguration's Runtime). */
enum spawn_family spawn_family(const char *runtime);

/* The string member KEY of the FunctionConfiguration CFG, or NULL;
 * borrowed from CFG. */
const char *spawn_cfg_str(const struct cJSON *cfg, const char *key);

/* The number member KEY of CFG as an int, or DFLT when absent. */
int spawn_cfg_int(const struct cJSON *cfg, const char *key, int dflt);

/* Writes to OUT (N bytes) the unpacked code directory of the code whose
 * CodeSha256 (base64) is SHA_B64, unpacking its zip there first if needed.
 * Returns 0, or -1 (bad hash, unknown blob, unpacking failed; a missing
 * libzip is logged). */
int spawn_code_dir(const char *sha_b64, char *out, size_t n);

/* Starts an environment for REQ's version (its config, function name,
 * version, account and region are read) running RUNTIME from the code in
 * DIR, initialised as INIT_TYPE ("on-demand" or
 * "provisioned-concurrency"); its new log stream's name goes to STREAM
 * (NSTREAM bytes). Returns env_start's result: *ENV set in every case
 * (caller frees), IR says how init went (caller clears), *INIT_MS how
 * long it took. A python or nodejs environment whose interpreter runs
 * another version than the runtime's gets a line saying so in its log. */
int spawn_env(const struct invoke_req *req, const char *dir, const char *runtime,
              const char *init_type, char *stream, size_t nstream, struct env **env,
              struct env_result *ir, double *init_ms);

/* Writes to OUT (at least 128 bytes) a new X-Ray trace header for one
 * call: "Root=1-<epoch s hex>-<24 hex>;Parent=<16 hex>;Sampled=0". */
void spawn_trace_id(char *out, size_t n);

#endif
