/*
 * The settings of an event source mapping: the integer settings' names,
 * ranges and defaults as one table (docs/aws-reference.md D1), read by
 * the control plane's validation (api/lambda_esm.c) and by the pollers'
 * parse of a stored configuration (engine/esm.c, esm_cfg_parse).
 *
 * The values are AWS's for DynamoDB stream sources, the only source
 * sluice accepts (api/lambda_esm.c refuses the others).
 *
 * Pure data and pure functions; thread-safe.
 */
#ifndef SLUICE_ENGINE_ESM_SETTINGS_H
#define SLUICE_ENGINE_ESM_SETTINGS_H

#include <stdint.h>

struct esm_filter_set;

/* ParallelizationFactor's maximum (docs/aws-reference.md D1): the
 * batches of one shard a poller runs at once, which sizes its arrays. */
#define ESM_MAX_PARALLEL 10

/* Rows of ESM_INT_SETTINGS, in its order. */
enum esm_int_setting {
    ESM_SET_BATCH_SIZE = 0,
    ESM_SET_BATCHING_WINDOW,
    ESM_SET_PARALLELIZATION,
    ESM_SET_RECORD_AGE,
    ESM_SET_RETRY_ATTEMPTS,
    ESM_SET_TUMBLING_WINDOW,
    ESM_INT_SETTING_COUNT
};

/* One integer setting. */
struct esm_int_setting_def {
    const char *key;         /* the request member and the stored key */
    const char *field;       /* the name in Coral validation messages */
    int64_t min, max;        /* the model's range */
    int64_t def;             /* AWS's default */
    /* The service refuses values in [0, SERVICE_MIN) the model allows
     * (-1 stays "none"); 0 when it adds no rule. */
    int64_t service_min;
};

/* The integer settings, indexed by enum esm_int_setting. */
extern const struct esm_int_setting_def ESM_INT_SETTINGS[ESM_INT_SETTING_COUNT];

/* A mapping's settings as the pollers use them, parsed from the stored
 * configuration (docs/aws-reference.md D1). */
struct esm_cfg {
    int batch_size;
    int window_s;             /* MaximumBatchingWindowInSeconds */
    int64_t max_age_s;        /* MaximumRecordAgeInSeconds, -1: none */
    int64_t max_retries;      /* MaximumRetryAttempts, -1: until the records expire */
    int bisect;               /* BisectBatchOnFunctionError */
    int report_failures;      /* FunctionResponseTypes has ReportBatchItemFailures */
    int latest;               /* StartingPosition LATEST (else TRIM_HORIZON) */
    int parallel;             /* ParallelizationFactor: batches per shard at once */
    int tumbling_s;           /* TumblingWindowInSeconds, 0 none */
    struct esm_filter_set *filters;   /* FilterCriteria, NULL when none (owned) */
    char *on_failure;         /* DestinationConfig.OnFailure.Destination, NULL when none (owned) */
};

/* Parses the stored configuration JSON (NULL reads as "{}") into C. A
 * setting that is missing, not a number or outside its range takes its
 * default. Free C's members with esm_cfg_clear. */
void esm_cfg_parse(const char *json, struct esm_cfg *c);

/* Frees what C owns; C may be zeroed or parsed. */
void esm_cfg_clear(struct esm_cfg *c);

#endif
