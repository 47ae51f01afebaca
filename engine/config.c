/*
 * Defaults of engine/config.h; main() overwrites them from flags.
 */
#include "engine/config.h"

struct sluice_config sluice_cfg = {
    .host = "127.0.0.1",
    .port = 4566,
    .data_dir = "./sluice-data",
    .in_memory = 0,
    .ready_file = 0,
    .log_level = "info",
    .account_concurrency = 1000,
    .min_unreserved_concurrency = 100,
    .env_keepalive_s = 600,
    .sandbox = "auto",
    /* A laptop or CI runner cannot hold the hundreds of processes a big
     * PC config would ask for; beyond this, a config's environments are
     * started at their first use (still initialised as provisioned). */
    .pc_max_envs = 32,
    .scaling_rate = 1000,           /* AWS's: 1,000 per function per 10 s */
    .default_account = "000000000000",
    /* Long enough for the requests and batches a test has in flight to
     * finish; short enough that a stuck 900 s handler cannot hold a stop
     * (issue 17). */
    .shutdown_grace_s = 10,
};
