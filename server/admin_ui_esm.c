/*
 * The mappings of the dashboard's data (GET /_sluice/ui/state): every
 * mapping of a scope with, per shard, its checkpoint, what lies past it
 * (lag) and how old the oldest of that is, its counters and its parent
 * shard, from one statement (store_ui_mappings).
 */
#include "server/admin_ui.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_ui.h"

#include <cjson/cJSON.h>
#include <string.h>

struct maps {
    int64_t now;
    cJSON *out;
    cJSON *cur;       /* the mapping of the previous row */
    int latest;       /* cur starts at LATEST */
    int64_t batches, records, retries, throttles, lag, age;
};

/* Writes the totals of the mapping just finished. */
static void finish(struct maps *x) {
    if (x->cur == NULL) return;
    cJSON_AddNumberToObject(x->cur, "batches", (double)x->batches);
    cJSON_AddNumberToObject(x->cur, "records", (double)x->records);
    cJSON_AddNumberToObject(x->cur, "retries", (double)x->retries);
    cJSON_AddNumberToObject(x->cur, "throttles", (double)x->throttles);
    cJSON_AddNumberToObject(x->cur, "lag", (double)x->lag);
    cJSON_AddNumberToObject(x->cur, "oldest_pending_age_ms", (double)x->age);
    x->batches = x->records = x->retries = x->throttles = x->lag = x->age = 0;
}

static cJSON *start(struct maps *x, const struct store_esm_row_ui *m) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "UUID", m->uuid);
    cJSON_AddStringToObject(o, "State", m->state);
    cJSON_AddStringToObject(o, "FunctionArn", m->function_arn);
    cJSON_AddStringToObject(o, "EventSourceArn", m->source_arn);
    cJSON_AddStringToObject(o, "LastProcessingResult", m->last_result);
    cJSON_AddStringToObject(o, "function", m->function_name);
    /* What it invokes: the unqualified name runs $LATEST. */
    const char *q = m->qualifier;
    cJSON_AddStringToObject(o, "qualifier", q[0] ? q : "$LATEST");
    int version = q[0] && strspn(q, "0123456789") == strlen(q);
    cJSON_AddStringToObject(o, "target",
                            q[0] == '\0' ? "unqualified" : strcmp(q, "$LATEST") == 0 ? "$LATEST"
                                                           : version             ? "version"
                                                                                 : "alias");
    cJSON *cfg = cJSON_Parse(m->config);
    const cJSON *sp = cJSON_GetObjectItemCaseSensitive(cfg, "StartingPosition");
    const cJSON *bs = cJSON_GetObjectItemCaseSensitive(cfg, "BatchSize");
    cJSON_AddStringToObject(o, "StartingPosition", cJSON_IsString(sp) ? sp->valuestring : "");
    if (cJSON_IsNumber(bs)) cJSON_AddNumberToObject(o, "BatchSize", bs->valuedouble);
    x->latest = cJSON_IsString(sp) && strcmp(sp->valuestring, "LATEST") == 0;
    cJSON_Delete(cfg);
    char iso[40];
    util_iso_time(m->last_modified_ms, iso, sizeof(iso));
    cJSON_AddStringToObject(o, "LastModified", iso);
    cJSON_AddArrayToObject(o, "shards");
    cJSON_AddItemToArray(x->out, o);
    return o;
}

static int add_row(void *ctx, const struct store_esm_row_ui *m, const struct store_ui_shard *sh) {
    struct maps *x = ctx;
    if (x->cur == NULL || strcmp(cJSON_GetObjectItemCaseSensitive(x->cur, "UUID")->valuestring, m->uuid) != 0) {
        finish(x);
        x->cur = start(x, m);
    }
    if (sh == NULL) return 0;
    /* Before its first poll a LATEST mapping has nothing behind it. */
    int64_t lag = !sh->started && x->latest ? 0 : sh->lag;
    int64_t age = lag > 0 && sh->oldest_ms >= 0 && x->now > sh->oldest_ms ? x->now - sh->oldest_ms : 0;
    cJSON *s = cJSON_CreateObject();
    char seq[32];
    util_stream_seq(sh->seq, seq, sizeof(seq));
    cJSON_AddStringToObject(s, "shard_id", sh->shard_id);
    if (sh->parent_id) cJSON_AddStringToObject(s, "parent_shard_id", sh->parent_id);
    else cJSON_AddNullToObject(s, "parent_shard_id");
    if (sh->started && sh->seq >= 0) cJSON_AddStringToObject(s, "checkpoint", seq);
    else cJSON_AddNullToObject(s, "checkpoint");
    cJSON_AddBoolToObject(s, "done", sh->done);
    cJSON_AddNumberToObject(s, "lag", (double)lag);
    cJSON_AddNumberToObject(s, "oldest_pending_age_ms", (double)age);
    cJSON_AddNumberToObject(s, "batches", (double)sh->batches);
    cJSON_AddNumberToObject(s, "records", (double)sh->records);
    cJSON_AddNumberToObject(s, "retries", (double)sh->retries);
    cJSON_AddNumberToObject(s, "throttles", (double)sh->throttles);
    cJSON_AddStringToObject(s, "last_result", sh->last_result);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(x->cur, "shards"), s);
    x->batches += sh->batches;
    x->records += sh->records;
    x->retries += sh->retries;
    x->throttles += sh->throttles;
    x->lag += lag;
    if (age > x->age) x->age = age;
    return 0;
}

int admin_ui_mappings(struct store_scope s, int64_t now, cJSON *out) {
    struct maps x = {.now = now, .out = out};
    int rc = store_ui_mappings(s, add_row, &x);
    finish(&x);
    return rc;
}
