/*
 * engine/esm_decide.h: the poller's decisions, pure. engine/esm.c does
 * the reading, the invoking and the writing around them.
 */
#include "engine/esm_decide.h"
#include "engine/esm_filter.h"
#include "base/util.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* The retry state after a batch is past (delivered, given up, skipped). */
static const struct esm_retry RETRY_NONE = {0, 0, 0};

/* Moves the records of R that pass the filters to its front, in order
 * (the others behind them, in any order). Returns how many passed. */
static int keep_matching(const struct esm_filter_set *filters, struct esm_rec *r, int n) {
    int k = 0;
    for (int i = 0; i < n; i++) {
        cJSON *rec = cJSON_Parse(r[i].json);
        int keep = rec && esm_filter_set_match(filters, rec);
        cJSON_Delete(rec);
        if (!keep) continue;
        struct esm_rec t = r[k];
        r[k++] = r[i];
        r[i] = t;
    }
    return k;
}

/* No records left to look at: the retried batch is gone, an open
 * tumbling window ends or is waited for, a closed shard is done. */
static void decide_empty(const struct esm_view *v, struct esm_plan *out) {
    out->next.retrying = 0;
    if (v->twin_open) {
        int64_t end = v->twin_start_ms + (int64_t)v->cfg->tumbling_s * 1000;
        int64_t left = end - v->now_ms;
        if (left <= 0 || v->shard_closed) {
            out->step = ESM_STEP_WINDOW_END;
        } else {
            out->step = ESM_STEP_WAIT;
            out->wait_ms = left;
        }
        return;
    }
    /* Closed: read to its end, or nothing past the checkpoint is left
     * (trimmed). */
    out->step = v->shard_closed ? ESM_STEP_DONE : ESM_STEP_WAIT;
}

void esm_decide_read(const struct esm_view *v, struct esm_rec *r, int n, struct esm_plan *out) {
    const struct esm_cfg *c = v->cfg;
    memset(out, 0, sizeof(*out));
    out->step = ESM_STEP_WAIT;
    out->wait_ms = INT64_MAX;
    out->next = v->retry;
    int retrying = v->retry.retrying;
    /* A retried batch is cut at its last record, so bisected halves and
     * filtered batches come back the same. */
    if (retrying)
        while (n > 0 && r[n - 1].seq > v->retry.retry_last) n--;
    if (n == 0) {
        decide_empty(v, out);
        return;
    }
    /* Records past MaximumRecordAgeInSeconds are given up, never sent. */
    if (c->max_age_s >= 0) {
        int old = 0;
        while (old < n && v->now_ms - r[old].created_ms > c->max_age_s * 1000) old++;
        if (old > 0) {
            out->step = ESM_STEP_EXPIRE;
            out->n = old;
            out->invokes = v->retry.attempts;
            out->last_read = r[old - 1].seq;
            out->next = RETRY_NONE;
            return;
        }
    }
    /* The batching window: wait for a full batch until the oldest record
     * has waited the window (a closed shard has nothing more to wait for). */
    if (!retrying && n < c->batch_size && c->window_s > 0 && !v->shard_closed) {
        int64_t due = r[0].created_ms + (int64_t)c->window_s * 1000 - v->now_ms;
        if (due > 0) {
            out->wait_ms = due;
            return;
        }
    }
    if (v->wall_ms < v->not_before_ms) {
        out->wait_ms = v->not_before_ms - v->wall_ms;
        return;
    }
    /* FilterCriteria: records that match no filter are dropped but
     * checkpointed; a batch left empty is not sent at all. */
    out->last_read = r[n - 1].seq;
    if (c->filters) {
        n = keep_matching(c->filters, r, n);
        if (n == 0) {
            out->step = ESM_STEP_SKIP;
            out->next = RETRY_NONE;
            return;
        }
    }
    /* Tumbling windows: a batch never spans two windows, and a window
     * ends with its final invoke before the next one starts. */
    if (c->tumbling_s > 0) {
        int64_t w = (int64_t)c->tumbling_s * 1000;
        int64_t start = r[0].created_ms / w * w;
        if (v->twin_open && v->twin_start_ms < start) {
            out->step = ESM_STEP_WINDOW_END;
            return;
        }
        int cut = 0;
        while (cut < n && r[cut].created_ms < start + w) cut++;
        if (cut < n) {
            n = cut;
            out->last_read = r[cut - 1].seq;
        }
        out->window_start_ms = start;
    }
    out->step = ESM_STEP_INVOKE;
    out->n = n;
    out->parallel = c->parallel > 1 && !retrying && c->tumbling_s == 0;
}

/* FNV-1a of the record's dynamodb.Keys as compact JSON. */
static uint32_t key_hash(const char *json) {
    cJSON *o = cJSON_Parse(json);
    char *k = cJSON_PrintUnformatted(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "dynamodb"), "Keys"));
    uint32_t h = 2166136261u;
    for (const char *c = k ? k : ""; *c; c++) {
        h ^= (unsigned char)*c;
        h *= 16777619u;
    }
    free(k);
    cJSON_Delete(o);
    return h;
}

int esm_decide_groups(const struct esm_rec *r, int n, int k, int batch_size, size_t max_bytes, int *grp,
                      int *cut) {
    assert(k >= 1 && k <= ESM_MAX_PARALLEL);
    int count[ESM_MAX_PARALLEL] = {0};
    size_t bytes[ESM_MAX_PARALLEL] = {0};
    *cut = n;
    for (int i = 0; i < n; i++) {
        int g = (int)(key_hash(r[i].json) % (uint32_t)k);
        size_t len = strlen(r[i].json) + 64;
        if (count[g] == batch_size || (count[g] > 0 && bytes[g] + len > max_bytes)) {
            *cut = i;
            break;
        }
        grp[i] = g;
        count[g]++;
        bytes[g] += len;
    }
    int groups = 0;
    for (int g = 0; g < k; g++) groups += count[g] > 0;
    return groups;
}

/* The record of R whose sequence number prints as Z, or 0. */
static int64_t seq_named(const char *z, const struct esm_rec *r, int n) {
    for (int i = 0; i < n; i++) {
        char s[40];
        util_stream_seq(r[i].seq, s, sizeof(s));
        if (strcmp(s, z) == 0) return r[i].seq;
    }
    return 0;
}

int64_t esm_lowest_failure(const char *body, size_t nbody, const struct esm_rec *r, int n) {
    if (body == NULL || nbody == 0) return 0;
    cJSON *o = cJSON_ParseWithLength(body, nbody);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(o, "batchItemFailures");
    int64_t low = 0;
    if (list != NULL && !cJSON_IsNull(list) && !cJSON_IsArray(list)) low = -1;
    const cJSON *items = cJSON_IsArray(list) ? list : NULL;
    const cJSON *it;
    cJSON_ArrayForEach(it, items) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "itemIdentifier");
        int64_t found = cJSON_IsString(id) && id->valuestring[0] ? seq_named(id->valuestring, r, n) : 0;
        if (!found) {
            low = -1;
            break;
        }
        if (low == 0 || found < low) low = found;
    }
    cJSON_Delete(o);
    return low;
}

void esm_decide_outcome(const struct esm_outcome *o, struct esm_after *out) {
    const struct esm_cfg *c = o->cfg;
    assert(o->nshots >= 1);
    /* Batches are split by key only outside a retry (esm_decide_read). */
    assert(o->nshots == 1 || !o->retry.retrying);
    memset(out, 0, sizeof(*out));
    out->next = o->retry;
    int unreached = 0, errored = 0, reported = 0;
    for (int i = 0; i < o->nshots; i++) {
        const struct esm_shot_end *s = &o->shots[i];
        if (!s->reached) unreached++;
        else if (s->function_error) errored++;
        else if (c->report_failures && s->failed_at != 0) reported++;
    }
    int failed = errored + reported;
    int one = o->nshots == 1;
    /* A stop kills running functions, so a failure during one may be the
     * stop's doing: it is neither retried nor given up; the next poller
     * starts again from the checkpoint. One batch whose function
     * returned its item failures is judged as usual. */
    if (o->stopping && (unreached || errored || (!one && reported))) {
        out->verdict = ESM_OUT_LEAVE;
        return;
    }
    out->backoff_reset = unreached == 0 && (one || failed == 0);
    if (failed == 0) {
        /* Never reached the function: throttled or a service error.
         * Retried with backoff until the records age out. */
        out->verdict = unreached ? ESM_OUT_BACK_OFF : ESM_OUT_CHECKPOINT;
        if (!unreached) out->next = RETRY_NONE;
        return;
    }
    /* A failure: the whole batch, or (one batch) from the lowest failed
     * record on; the records before it are delivered. */
    int64_t attempts = o->retry.attempts + 1;
    out->next.attempts = attempts;
    int64_t failed_at = one && !o->shots[0].function_error ? o->shots[0].failed_at : -1;
    if (failed_at > 0)
        while (out->ok_before < o->n && o->r[out->ok_before].seq < failed_at) out->ok_before++;
    int remaining = o->n - out->ok_before;
    if (one && c->bisect && remaining > 1) {
        /* Split: retry the first half; the rest follows in later batches.
         * Bisecting does not spend retry attempts. A window split by key
         * is retried as one batch, which may then bisect. */
        out->verdict = ESM_OUT_BISECT;
        out->next.retrying = 1;
        out->next.retry_last = o->r[out->ok_before + remaining / 2 - 1].seq;
        out->next.attempts = 0;
    } else if (c->max_retries >= 0 && attempts > c->max_retries) {
        out->verdict = ESM_OUT_GIVE_UP;
        out->invokes = attempts;
        out->next = RETRY_NONE;
    } else {
        out->verdict = ESM_OUT_RETRY;
        out->next.retrying = 1;
        out->next.retry_last = o->last_read;
    }
}
