/*
 * Process-wide settings from flags and SLUICE_* environment variables.
 * Written once by main() before any thread starts; read-only afterwards,
 * so every thread may read it without locking.
 */
#ifndef SLUICE_ENGINE_CONFIG_H
#define SLUICE_ENGINE_CONFIG_H

#include <stdint.h>

struct sluice_config {
    const char *host;
    int port;
    const char *data_dir;
    int in_memory;
    const char *ready_file;
    const char *log_level;
    int account_concurrency;        /* AWS default account limit: 1000 */
    int min_unreserved_concurrency; /* AWS keeps 100 unreserved */
    int bound_port;                 /* the port actually bound (for AWS_ENDPOINT_URL) */
    int env_keepalive_s;            /* idle environments are reaped after this */
    int64_t pc_ready_delay_ms;      /* extra wait before PC environments start */
    int pc_max_envs;                /* PC environments started ahead of use, in all */
    int scaling_rate;               /* new environments per function per 10 s */
    const char *runtime_commands[16]; /* "python3.12=/usr/bin/python3" overrides */
    int nruntime_commands;
    /* The account of requests whose access key is not 12 digits (and of
     * unsigned ones): "000000000000" unless --default-account says
     * otherwise (moto's tests assume 123456789012). 12 digits. */
    char default_account[13];
    /* Seconds a SIGTERM lets requests, invocations and batches in flight
     * finish before what is left is stopped (--shutdown-grace). */
    int shutdown_grace_s;
    /* Milliseconds a CloudFormation update waits in
     * UPDATE_COMPLETE_CLEANUP_IN_PROGRESS (--cfn-cleanup-delay-ms). */
    int cfn_cleanup_delay_ms;
    /* --sandbox: "auto" (bubblewrap where it works), "on" or "off"
     * (runtime/sandbox.h). */
    const char *sandbox;
};

/* The settings in force. Never NULL. */
extern struct sluice_config sluice_cfg;

#endif
