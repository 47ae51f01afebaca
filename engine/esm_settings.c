/*
 * engine/esm_settings.h: the integer settings table and the pollers'
 * parse of a stored mapping configuration.
 */
#include "engine/esm_settings.h"
#include "engine/esm_filter.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* docs/aws-reference.md D1 (DynamoDB streams). MaximumRecordAgeInSeconds:
 * the model allows -1..604800, the service only -1 or 60 and up (its
 * message is in api/lambda_esm.c). */
const struct esm_int_setting_def ESM_INT_SETTINGS[ESM_INT_SETTING_COUNT] = {
    [ESM_SET_BATCH_SIZE] = {"BatchSize", "batchSize", 1, 10000, 100, 0},
    [ESM_SET_BATCHING_WINDOW] = {"MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds", 0, 300,
                                 0, 0},
    [ESM_SET_PARALLELIZATION] = {"ParallelizationFactor", "parallelizationFactor", 1, ESM_MAX_PARALLEL, 1, 0},
    [ESM_SET_RECORD_AGE] = {"MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds", -1, 604800, -1, 60},
    [ESM_SET_RETRY_ATTEMPTS] = {"MaximumRetryAttempts", "maximumRetryAttempts", -1, 10000, -1, 0},
    [ESM_SET_TUMBLING_WINDOW] = {"TumblingWindowInSeconds", "tumblingWindowInSeconds", 0, 900, 0, 0},
};

/* Setting S of O, or its default when missing or out of range. */
static int64_t int_setting(const cJSON *o, enum esm_int_setting s) {
    const struct esm_int_setting_def *d = &ESM_INT_SETTINGS[s];
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, d->key);
    if (!cJSON_IsNumber(v) || v->valuedouble < (double)d->min || v->valuedouble > (double)d->max) return d->def;
    return (int64_t)v->valuedouble;
}

void esm_cfg_parse(const char *json, struct esm_cfg *c) {
    memset(c, 0, sizeof(*c));
    cJSON *o = cJSON_Parse(json ? json : "{}");
    c->batch_size = (int)int_setting(o, ESM_SET_BATCH_SIZE);
    c->window_s = (int)int_setting(o, ESM_SET_BATCHING_WINDOW);
    c->parallel = (int)int_setting(o, ESM_SET_PARALLELIZATION);
    c->tumbling_s = (int)int_setting(o, ESM_SET_TUMBLING_WINDOW);
    c->max_age_s = int_setting(o, ESM_SET_RECORD_AGE);
    c->max_retries = int_setting(o, ESM_SET_RETRY_ATTEMPTS);
    c->bisect = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "BisectBatchOnFunctionError"));
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(o, "FunctionResponseTypes");
    const cJSON *t;
    cJSON_ArrayForEach(t, types)
        if (cJSON_IsString(t) && strcmp(t->valuestring, "ReportBatchItemFailures") == 0) c->report_failures = 1;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "StartingPosition");
    c->latest = cJSON_IsString(v) && strcmp(v->valuestring, "LATEST") == 0;
    const cJSON *fc = cJSON_GetObjectItemCaseSensitive(o, "FilterCriteria");
    if (fc) {
        /* The API validated it; a set that no longer parses filters
         * nothing out rather than dropping every record. */
        c->filters = esm_filter_set_new(fc, NULL, 0);
        if (c->filters && esm_filter_set_count(c->filters) == 0) {
            esm_filter_set_free(c->filters);
            c->filters = NULL;
        }
    }
    const cJSON *dc = cJSON_GetObjectItemCaseSensitive(o, "DestinationConfig");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(dc, "OnFailure"), "Destination");
    if (cJSON_IsString(d) && d->valuestring[0]) c->on_failure = xstrdup(d->valuestring);
    cJSON_Delete(o);
}

void esm_cfg_clear(struct esm_cfg *c) {
    esm_filter_set_free(c->filters);
    c->filters = NULL;
    free(c->on_failure);
    c->on_failure = NULL;
}
