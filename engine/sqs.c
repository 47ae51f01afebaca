/*
 * SQS's engine (engine/sqs.h): queues and messages over storage/store_sqs.h,
 * visibility and retention by the virtual clock, FIFO order and
 * deduplication, redrive, and the long-poll wake-ups.
 */
#include "engine/sqs.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/s3_checksum.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_sqs.h"

#include <cjson/cJSON.h>
#include <nettle/sha2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The defaults CreateQueue gives (API Reference, "CreateQueue"). */
static const char *const default_attrs[][2] = {
    {"DelaySeconds", "0"},
    {"MaximumMessageSize", "1048576"},
    {"MessageRetentionPeriod", "345600"},
    {"ReceiveMessageWaitTimeSeconds", "0"},
    {"VisibilityTimeout", "30"},
    {"SqsManagedSseEnabled", "true"},
};

/* Receipt handles: base64 of "sluice1 MESSAGE_ID NONCE". */
#define RECEIPT_TAG "sluice1 "

struct sqs_scope sqs_scope_make(const char *account, const char *region) {
    struct sqs_scope s;
    snprintf(s.account, sizeof(s.account), "%s", account);
    snprintf(s.region, sizeof(s.region), "%s", region);
    return s;
}

static struct store_scope st_scope(const struct sqs_scope *s) {
    return (struct store_scope){s->account, s->region};
}

static int storage_fail(struct sqs_err *e) {
    return sqs_err_set(e, SQS_ERR_INTERNAL, "%s", "The service cannot complete the request.");
}

static int no_queue(struct sqs_err *e) {
    return sqs_err_set(e, SQS_ERR_NO_QUEUE, "%s", "The specified queue does not exist.");
}

static int64_t attr_int(const cJSON *attrs, const char *name, int64_t def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(attrs, name);
    return cJSON_IsString(v) ? strtoll(v->valuestring, NULL, 10) : def;
}

static int attr_true(const cJSON *attrs, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(attrs, name);
    return cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0;
}

/* Fills Q from the row R. */
static void queue_from_row(const struct store_sqs_queue *r, struct sqs_queue *q) {
    memset(q, 0, sizeof(*q));
    cJSON *a = cJSON_Parse(r->attrs);
    snprintf(q->name, sizeof(q->name), "%s", r->name);
    q->fifo = attr_true(a, "FifoQueue");
    q->content_dedup = attr_true(a, "ContentBasedDeduplication");
    q->visibility_s = attr_int(a, "VisibilityTimeout", 30);
    q->delay_s = attr_int(a, "DelaySeconds", 0);
    q->retention_s = attr_int(a, "MessageRetentionPeriod", 345600);
    q->max_size = attr_int(a, "MaximumMessageSize", 1048576);
    q->wait_s = attr_int(a, "ReceiveMessageWaitTimeSeconds", 0);
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(a, "RedrivePolicy");
    cJSON *p = cJSON_IsString(rp) ? cJSON_Parse(rp->valuestring) : NULL;
    const cJSON *arn = cJSON_GetObjectItemCaseSensitive(p, "deadLetterTargetArn");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(p, "maxReceiveCount");
    if (cJSON_IsString(arn) && cJSON_IsNumber(max)) {
        snprintf(q->dlq_arn, sizeof(q->dlq_arn), "%s", arn->valuestring);
        q->max_receive = (int64_t)max->valuedouble;
    }
    q->created_ms = r->created_ms;
    q->modified_ms = r->modified_ms;
    q->purged_ms = r->purged_ms;
    cJSON_Delete(p);
    cJSON_Delete(a);
}

int sqs_queue_load(const struct sqs_scope *s, const char *name, struct sqs_queue *q, struct sqs_err *e) {
    struct store_sqs_queue r = {0};
    int rc = store_sqs_queue_get(st_scope(s), name, &r);
    if (rc == STORE_OK) queue_from_row(&r, q);
    store_sqs_queue_clear(&r);
    if (rc == STORE_NOTFOUND) return no_queue(e);
    return rc == STORE_OK ? 0 : storage_fail(e);
}

/* Checks ATTRS (may be NULL) for a queue that is FIFO and merges their
 * normalised values into INTO. Returns 0 or -1. */
static int merge_attrs(cJSON *into, const cJSON *attrs, int fifo, int create, struct sqs_err *e) {
    char norm[4096];
    for (const cJSON *a = attrs ? attrs->child : NULL; a; a = a->next) {
        if (!cJSON_IsString(a))
            return sqs_err_set(e, SQS_ERR_ATTR_VALUE, "Invalid value for the parameter %.200s.", a->string);
        if (sqs_attr_check(a->string, a->valuestring, fifo, create, norm, sizeof(norm), e) != 0) return -1;
        if (strcmp(a->string, "RedrivePolicy") == 0 && norm[0] == '\0') {
            cJSON_DeleteItemFromObjectCaseSensitive(into, a->string);
            continue;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(into, a->string);
        cJSON_AddStringToObject(into, a->string, norm);
    }
    return 0;
}

/* Compares the requested ATTRS with an existing queue's stored ones for
 * CreateQueue's idempotency. Returns 0 when they agree. */
static int same_attrs(const char *stored, const cJSON *want, struct sqs_err *e) {
    cJSON *have = cJSON_Parse(stored);
    int rc = 0;
    for (const cJSON *a = want ? want->child : NULL; a && rc == 0; a = a->next) {
        const cJSON *h = cJSON_GetObjectItemCaseSensitive(have, a->string);
        const char *hv = cJSON_IsString(h) ? h->valuestring : "";
        if (strcmp(a->string, "FifoQueue") == 0 && h == NULL) hv = "false";
        if (strcmp(hv, a->valuestring) != 0)
            rc = sqs_err_set(e, SQS_ERR_QUEUE_EXISTS, "A queue already exists with the same name and a different "
                             "value for attribute %.200s", a->string);
    }
    cJSON_Delete(have);
    return rc;
}

int sqs_queue_create(const struct sqs_scope *s, const char *name, const cJSON *attrs, const cJSON *tags,
                     struct sqs_err *e) {
    int rc = -1;
    char *text = NULL;
    size_t n = strlen(name);
    int fifo_name = n > 5 && strcmp(name + n - 5, ".fifo") == 0;
    const cJSON *fq = cJSON_GetObjectItemCaseSensitive(attrs, "FifoQueue");
    int fifo = cJSON_IsString(fq) && strcasecmp(fq->valuestring, "true") == 0;
    struct store_sqs_queue row = {0};
    cJSON *want = cJSON_CreateObject(), *all = cJSON_CreateObject();
    if (sqs_name_valid(name) != 0) {
        sqs_err_set(e, SQS_ERR_PARAM, "%s", "Can only include alphanumeric characters, hyphens, or underscores. "
                    "1 to 80 in length");
        goto out;
    }
    if (fifo != fifo_name) {
        sqs_err_set(e, SQS_ERR_PARAM, "%s", fifo ? "The name of a FIFO queue can only include alphanumeric "
                    "characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length."
                    : "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length");
        goto out;
    }
    if (merge_attrs(want, attrs, fifo, 1, e) != 0) goto out;
    int got = store_sqs_queue_get(st_scope(s), name, &row);
    if (got == STORE_OK) {
        rc = same_attrs(row.attrs, want, e);
        goto out;
    }
    if (got != STORE_NOTFOUND) {
        storage_fail(e);
        goto out;
    }
    for (size_t i = 0; i < sizeof(default_attrs) / sizeof(default_attrs[0]); i++)
        cJSON_AddStringToObject(all, default_attrs[i][0], default_attrs[i][1]);
    if (fifo) {
        cJSON_AddStringToObject(all, "FifoQueue", "true");
        cJSON_AddStringToObject(all, "ContentBasedDeduplication", "false");
        cJSON_AddStringToObject(all, "DeduplicationScope", "queue");
        cJSON_AddStringToObject(all, "FifoThroughputLimit", "perQueue");
    }
    for (const cJSON *a = want->child; a; a = a->next) {
        if (strcmp(a->string, "FifoQueue") == 0 && !fifo) continue;
        cJSON_DeleteItemFromObjectCaseSensitive(all, a->string);
        cJSON_AddStringToObject(all, a->string, a->valuestring);
    }
    text = cJSON_PrintUnformatted(all);
    char *tag_text = tags ? cJSON_PrintUnformatted(tags) : NULL;
    int64_t now = clock_now_ms();
    struct store_sqs_queue q = {(char *)name, text, tag_text, now, now, 0};
    int put = store_sqs_queue_put(st_scope(s), &q, 1);
    free(tag_text);
    rc = put == STORE_OK ? 0 : storage_fail(e);
out:
    free(text);
    store_sqs_queue_clear(&row);
    cJSON_Delete(want);
    cJSON_Delete(all);
    return rc;
}

int sqs_queue_delete(const struct sqs_scope *s, const char *name, struct sqs_err *e) {
    int rc = store_sqs_queue_delete(st_scope(s), name);
    if (rc == STORE_NOTFOUND) return no_queue(e);
    return rc == STORE_OK ? 0 : storage_fail(e);
}

static void add_int(cJSON *o, const char *name, int64_t v) {
    char b[32];
    snprintf(b, sizeof(b), "%lld", (long long)v);
    cJSON_AddStringToObject(o, name, b);
}

cJSON *sqs_queue_attributes(const struct sqs_scope *s, const char *name, struct sqs_err *e) {
    struct store_sqs_queue r = {0};
    int rc = store_sqs_queue_get(st_scope(s), name, &r);
    if (rc != STORE_OK) {
        if (rc == STORE_NOTFOUND) no_queue(e);
        else storage_fail(e);
        return NULL;
    }
    int64_t now = clock_now_ms(), vis = 0, inflight = 0, delayed = 0;
    struct sqs_queue q;
    queue_from_row(&r, &q);
    if (store_sqs_counts(st_scope(s), name, now, now - q.retention_s * 1000, &vis, &inflight, &delayed) !=
        STORE_OK) {
        store_sqs_queue_clear(&r);
        storage_fail(e);
        return NULL;
    }
    cJSON *out = cJSON_Parse(r.attrs);
    if (out == NULL) out = cJSON_CreateObject();
    char arn[200];
    snprintf(arn, sizeof(arn), "arn:aws:sqs:%s:%s:%s", s->region, s->account, name);
    cJSON_AddStringToObject(out, "QueueArn", arn);
    add_int(out, "ApproximateNumberOfMessages", vis);
    add_int(out, "ApproximateNumberOfMessagesNotVisible", inflight);
    add_int(out, "ApproximateNumberOfMessagesDelayed", delayed);
    /* Seconds, as AWS returns both. */
    add_int(out, "CreatedTimestamp", r.created_ms / 1000);
    add_int(out, "LastModifiedTimestamp", r.modified_ms / 1000);
    store_sqs_queue_clear(&r);
    return out;
}

int sqs_queue_set(const struct sqs_scope *s, const char *name, const cJSON *attrs, struct sqs_err *e) {
    struct store_sqs_queue r = {0};
    int rc = store_sqs_queue_get(st_scope(s), name, &r);
    if (rc != STORE_OK) {
        store_sqs_queue_clear(&r);
        return rc == STORE_NOTFOUND ? no_queue(e) : storage_fail(e);
    }
    cJSON *all = cJSON_Parse(r.attrs);
    int fifo = attr_true(all, "FifoQueue");
    rc = -1;
    if (merge_attrs(all, attrs, fifo, 0, e) == 0) {
        char *text = cJSON_PrintUnformatted(all);
        free(r.attrs);
        r.attrs = text;
        r.modified_ms = clock_now_ms();
        rc = store_sqs_queue_put(st_scope(s), &r, 0) == STORE_OK ? 0 : storage_fail(e);
    }
    cJSON_Delete(all);
    store_sqs_queue_clear(&r);
    return rc;
}

cJSON *sqs_queue_tags(const struct sqs_scope *s, const char *name, struct sqs_err *e) {
    struct store_sqs_queue r = {0};
    int rc = store_sqs_queue_get(st_scope(s), name, &r);
    cJSON *out = NULL;
    if (rc == STORE_OK) out = cJSON_Parse(r.tags);
    else if (rc == STORE_NOTFOUND) no_queue(e);
    else storage_fail(e);
    if (rc == STORE_OK && out == NULL) out = cJSON_CreateObject();
    store_sqs_queue_clear(&r);
    return out;
}

int sqs_queue_tag(const struct sqs_scope *s, const char *name, const cJSON *tags, const cJSON *keys,
                  struct sqs_err *e) {
    struct store_sqs_queue r = {0};
    int rc = store_sqs_queue_get(st_scope(s), name, &r);
    if (rc != STORE_OK) {
        store_sqs_queue_clear(&r);
        return rc == STORE_NOTFOUND ? no_queue(e) : storage_fail(e);
    }
    cJSON *all = cJSON_Parse(r.tags);
    if (all == NULL) all = cJSON_CreateObject();
    for (const cJSON *t = tags ? tags->child : NULL; t; t = t->next) {
        cJSON_DeleteItemFromObjectCaseSensitive(all, t->string);
        cJSON_AddStringToObject(all, t->string, cJSON_IsString(t) ? t->valuestring : "");
    }
    for (const cJSON *k = keys ? keys->child : NULL; k; k = k->next)
        if (cJSON_IsString(k)) cJSON_DeleteItemFromObjectCaseSensitive(all, k->valuestring);
    free(r.tags);
    r.tags = cJSON_PrintUnformatted(all);
    rc = store_sqs_queue_put(st_scope(s), &r, 0) == STORE_OK ? 0 : storage_fail(e);
    cJSON_Delete(all);
    store_sqs_queue_clear(&r);
    return rc;
}

int sqs_queue_list(const struct sqs_scope *s, const char *prefix, const char *after, int limit,
                   int (*cb)(void *ctx, const char *name), void *ctx, struct sqs_err *e) {
    int rc = store_sqs_queue_list(st_scope(s), prefix, after, limit, cb, ctx);
    return rc == STORE_OK ? 0 : storage_fail(e);
}

struct sources {
    const char *arn;
    int (*cb)(void *ctx, const char *name);
    void *ctx;
};

static int source_one(void *ctx, const char *name, const char *attrs) {
    struct sources *src = ctx;
    struct store_sqs_queue r = {(char *)name, (char *)attrs, NULL, 0, 0, 0};
    struct sqs_queue q;
    queue_from_row(&r, &q);
    return q.max_receive > 0 && strcmp(q.dlq_arn, src->arn) == 0 ? src->cb(src->ctx, name) : 0;
}

int sqs_queue_sources(const struct sqs_scope *s, const char *name, int (*cb)(void *ctx, const char *name),
                      void *ctx, struct sqs_err *e) {
    struct sqs_queue q;
    if (sqs_queue_load(s, name, &q, e) != 0) return -1;
    char arn[200];
    snprintf(arn, sizeof(arn), "arn:aws:sqs:%s:%s:%s", s->region, s->account, name);
    struct sources src = {arn, cb, ctx};
    return store_sqs_queue_each(st_scope(s), source_one, &src) == STORE_OK ? 0 : storage_fail(e);
}

int sqs_queue_purge(const struct sqs_scope *s, const char *name, struct sqs_err *e) {
    struct store_sqs_queue r = {0};
    int rc = store_sqs_queue_get(st_scope(s), name, &r);
    int64_t now = clock_now_ms();
    if (rc != STORE_OK) {
        rc = rc == STORE_NOTFOUND ? no_queue(e) : storage_fail(e);
    } else if (r.purged_ms > 0 && now - r.purged_ms < SQS_PURGE_INTERVAL_MS) {
        char arn[200];
        snprintf(arn, sizeof(arn), "arn:aws:sqs:%s:%s:%s", s->region, s->account, name);
        rc = sqs_err_set(e, SQS_ERR_PURGE_IN_PROGRESS, "Only one PurgeQueue operation on %s is allowed every 60 "
                         "seconds.", arn);
    } else {
        r.purged_ms = now;
        rc = store_sqs_purge(st_scope(s), name) == STORE_OK && store_sqs_queue_put(st_scope(s), &r, 0) == STORE_OK
                 ? 0
                 : storage_fail(e);
    }
    store_sqs_queue_clear(&r);
    return rc;
}

/* ---- messages ---- */

/* The FIFO deduplication id of IN for queue Q into OUT (129 bytes), or
 * -1 with E set when neither an id nor content-based deduplication. */
static int dedup_id(const struct sqs_queue *q, const struct sqs_send_in *in, char out[129], struct sqs_err *e) {
    if (in->dedup_id) {
        snprintf(out, 129, "%s", in->dedup_id);
        return 0;
    }
    if (!q->content_dedup)
        return sqs_err_set(e, SQS_ERR_PARAM, "%s", "The queue should either have ContentBasedDeduplication "
                           "enabled or MessageDeduplicationId provided explicitly");
    struct sha256_ctx c;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&c);
    sha256_update(&c, strlen(in->body), (const uint8_t *)in->body);
    sha256_digest(&c, sizeof(d), d);
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
    return 0;
}

/* Checks IN against queue Q's rules. Returns 0 or -1. */
static int send_check(const struct sqs_queue *q, const struct sqs_send_in *in, struct sqs_err *e) {
    size_t n = strlen(in->body);
    if (n == 0)
        return sqs_err_set(e, SQS_ERR_MISSING, "%s", "The request must contain the parameter MessageBody.");
    if (sqs_text_valid(in->body, n) != 0)
        return sqs_err_set(e, SQS_ERR_CONTENTS, "%s", "Invalid characters found. Valid unicode characters are "
                           "#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF");
    if ((int64_t)sqs_message_size(in->body, in->attrs) > q->max_size)
        return sqs_err_set(e, SQS_ERR_PARAM, "One or more parameters are invalid. Reason: Message must be shorter "
                           "than %lld bytes.", (long long)q->max_size);
    if (in->delay_s > SQS_MAX_DELAY_S || in->delay_s < -1)
        return sqs_err_set(e, SQS_ERR_PARAM, "Value %lld for parameter DelaySeconds is invalid. Reason: must be "
                           "between 0 and 900, if provided.", (long long)in->delay_s);
    if (q->fifo) {
        if (in->delay_s > 0)
            return sqs_err_set(e, SQS_ERR_PARAM, "Value %lld for parameter DelaySeconds is invalid. Reason: The "
                               "request include parameter that is not valid for this queue type.",
                               (long long)in->delay_s);
        if (in->group_id == NULL || in->group_id[0] == '\0')
            return sqs_err_set(e, SQS_ERR_MISSING, "%s", "The request must contain the parameter MessageGroupId.");
    } else if (in->dedup_id) {
        return sqs_err_set(e, SQS_ERR_PARAM, "%s", "The request include parameter MessageDeduplicationId which is "
                           "not valid for this queue type");
    }
    return 0;
}

/* The system attributes object of IN as stored (JSON text, heap). */
static char *sys_attrs_text(const struct sqs_send_in *in) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "SenderId", in->sender_id ? in->sender_id : "");
    if (in->trace_header) cJSON_AddStringToObject(o, "AWSTraceHeader", in->trace_header);
    if (in->dlq_source_arn) cJSON_AddStringToObject(o, "DeadLetterQueueSourceArn", in->dlq_source_arn);
    char *t = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return t;
}

int sqs_send(const struct sqs_scope *s, const struct sqs_queue *q, const struct sqs_send_in *in,
             struct sqs_sent *out, struct sqs_err *e) {
    memset(out, 0, sizeof(*out));
    if (send_check(q, in, e) != 0) return -1;
    if (in->attrs && cJSON_GetArraySize(in->attrs) > 0 && sqs_md5_attributes(in->attrs, out->md5_attrs, e) != 0)
        return -1;
    s3ck_md5_hex(in->body, strlen(in->body), out->md5_body, NULL);
    int64_t now = clock_now_ms();
    char dedup[129] = "";
    if (q->fifo) {
        if (dedup_id(q, in, dedup, e) != 0) return -1;
        int64_t seq = 0;
        int rc = store_sqs_dedup_get(st_scope(s), q->name, dedup, now, out->message_id, sizeof(out->message_id),
                                     &seq);
        if (rc == STORE_OK) {
            snprintf(out->sequence, sizeof(out->sequence), "%020lld", (long long)seq);
            return 0;   /* a duplicate: accepted, not enqueued */
        }
        if (rc != STORE_NOTFOUND) return storage_fail(e);
    }
    util_uuid(out->message_id);
    char *attrs = in->attrs && cJSON_GetArraySize(in->attrs) > 0 ? cJSON_PrintUnformatted(in->attrs) : NULL;
    char *sys = sys_attrs_text(in);
    int64_t delay = in->delay_s >= 0 ? in->delay_s : q->delay_s;
    struct store_sqs_msg m = {0};
    m.message_id = out->message_id;
    m.body = (char *)in->body;
    m.md5_body = out->md5_body;
    m.attrs = attrs;
    m.md5_attrs = attrs ? out->md5_attrs : NULL;
    m.sys_attrs = sys;
    m.group_id = q->fifo ? (char *)in->group_id : NULL;
    m.dedup_id = q->fifo ? dedup : NULL;
    m.sent_ms = now;
    m.visible_ms = now + delay * 1000;
    int rc = store_sqs_msg_insert(st_scope(s), q->name, &m);
    if (rc == STORE_OK && q->fifo) {
        rc = store_sqs_dedup_put(st_scope(s), q->name, dedup, out->message_id, m.seq, now + SQS_DEDUP_WINDOW_MS);
        snprintf(out->sequence, sizeof(out->sequence), "%020lld", (long long)m.seq);
    }
    free(attrs);
    free(sys);
    return rc == STORE_OK ? 0 : storage_fail(e);
}

int sqs_send_arn_tx(const char *arn, const char *body, const cJSON *attrs, const char *sender_id,
                    struct sqs_err *e) {
    char account[13], region[32], name[SQS_MAX_NAME + 1];
    if (sqs_parse_arn(arn, account, region, name) != 0)
        return sqs_err_set(e, SQS_ERR_NO_QUEUE, "%s is not a queue ARN.", arn);
    struct sqs_scope s = sqs_scope_make(account, region);
    struct sqs_queue q;
    struct sqs_sent sent;
    struct sqs_send_in in = {.body = body, .attrs = attrs, .delay_s = -1, .sender_id = sender_id};
    int rc = sqs_queue_load(&s, name, &q, e);
    if (rc == 0 && q.fifo)
        rc = sqs_err_set(e, SQS_ERR_PARAM, "%s", "sluice delivers to standard queues only, not to FIFO queues.");
    if (rc == 0) rc = sqs_send(&s, &q, &in, &sent, e);
    return rc;
}

int sqs_send_arn(const char *arn, const char *body, const cJSON *attrs, const char *sender_id, struct sqs_err *e) {
    if (store_begin(1) != STORE_OK) return storage_fail(e);
    if (sqs_send_arn_tx(arn, body, attrs, sender_id, e) != 0) {
        store_rollback();
        return -1;
    }
    if (store_commit() != STORE_OK) return storage_fail(e);
    sqs_notify();
    return 0;
}

/* ---- receive ---- */

struct scan {
    struct store_sqs_msg *m;
    size_t n, cap;
};

static int collect(void *ctx, const struct store_sqs_msg *m) {
    struct scan *sc = ctx;
    if (sc->n == sc->cap) {
        sc->cap = sc->cap ? sc->cap * 2 : 16;
        sc->m = xrealloc(sc->m, sc->cap * sizeof(*sc->m));
    }
    struct store_sqs_msg *d = &sc->m[sc->n++];
    memset(d, 0, sizeof(*d));
    *d = *m;
    d->message_id = m->message_id ? xstrdup(m->message_id) : NULL;
    d->body = m->body ? xstrdup(m->body) : NULL;
    d->md5_body = m->md5_body ? xstrdup(m->md5_body) : NULL;
    d->attrs = m->attrs ? xstrdup(m->attrs) : NULL;
    d->md5_attrs = m->md5_attrs ? xstrdup(m->md5_attrs) : NULL;
    d->sys_attrs = m->sys_attrs ? xstrdup(m->sys_attrs) : NULL;
    d->group_id = m->group_id ? xstrdup(m->group_id) : NULL;
    d->dedup_id = m->dedup_id ? xstrdup(m->dedup_id) : NULL;
    d->receipt = m->receipt ? xstrdup(m->receipt) : NULL;
    return 0;
}

/* Moves message M of queue Q to its dead-letter queue. Returns 1 when
 * moved, 0 when there is no such queue (M stays), -1 on failure. */
static int redrive(const struct sqs_scope *s, const struct sqs_queue *q, const struct store_sqs_msg *m) {
    char account[13], region[32], name[SQS_MAX_NAME + 1], src[200];
    if (sqs_parse_arn(q->dlq_arn, account, region, name) != 0) return 0;
    struct sqs_scope ds = sqs_scope_make(account, region);
    struct store_sqs_queue dq = {0};
    int rc = store_sqs_queue_get(st_scope(&ds), name, &dq);
    store_sqs_queue_clear(&dq);
    if (rc == STORE_NOTFOUND) return 0;
    if (rc != STORE_OK) return -1;
    snprintf(src, sizeof(src), "arn:aws:sqs:%s:%s:%s", s->region, s->account, q->name);
    cJSON *sys = cJSON_Parse(m->sys_attrs ? m->sys_attrs : "{}");
    if (sys == NULL) sys = cJSON_CreateObject();
    cJSON_DeleteItemFromObjectCaseSensitive(sys, "DeadLetterQueueSourceArn");
    cJSON_AddStringToObject(sys, "DeadLetterQueueSourceArn", src);
    char *sys_text = cJSON_PrintUnformatted(sys);
    cJSON_Delete(sys);
    /* The message keeps its id, body, attributes and SentTimestamp, as
     * AWS moves it (Developer Guide, "Using dead-letter queues"). */
    struct store_sqs_msg d = *m;
    d.sys_attrs = sys_text;
    d.receipt = NULL;
    d.receive_count = 0;
    d.first_receive_ms = 0;
    d.visible_ms = m->sent_ms;
    rc = store_sqs_msg_insert(st_scope(&ds), name, &d);
    free(sys_text);
    if (rc == STORE_OK) rc = store_sqs_msg_delete(m->seq);
    return rc == STORE_OK ? 1 : -1;
}

/* The message M, just received with RECEIPT, as the JSON protocol
 * returns it, with every attribute. */
static cJSON *message_json(const struct store_sqs_msg *m, const char *receipt) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "MessageId", m->message_id);
    cJSON_AddStringToObject(o, "ReceiptHandle", receipt);
    cJSON_AddStringToObject(o, "MD5OfBody", m->md5_body);
    cJSON_AddStringToObject(o, "Body", m->body);
    cJSON *a = cJSON_Parse(m->sys_attrs ? m->sys_attrs : "{}");
    if (a == NULL) a = cJSON_CreateObject();
    add_int(a, "SentTimestamp", m->sent_ms);
    add_int(a, "ApproximateReceiveCount", m->receive_count);
    add_int(a, "ApproximateFirstReceiveTimestamp", m->first_receive_ms);
    if (m->group_id) {
        cJSON_AddStringToObject(a, "MessageGroupId", m->group_id);
        cJSON_AddStringToObject(a, "MessageDeduplicationId", m->dedup_id ? m->dedup_id : "");
        char seq[24];
        snprintf(seq, sizeof(seq), "%020lld", (long long)m->seq);
        cJSON_AddStringToObject(a, "SequenceNumber", seq);
    }
    cJSON_AddItemToObject(o, "Attributes", a);
    cJSON *ma = m->attrs ? cJSON_Parse(m->attrs) : NULL;
    if (ma) cJSON_AddItemToObject(o, "MessageAttributes", ma);
    return o;
}

/* A new receipt handle for MESSAGE_ID into OUT (heap). */
static char *new_receipt(const char *message_id) {
    char nonce[37];
    util_uuid(nonce);
    char *raw = xasprintf(RECEIPT_TAG "%s %s", message_id, nonce);
    char *b64 = util_b64_encode(raw, strlen(raw));
    free(raw);
    return b64;
}

int sqs_receive(const struct sqs_scope *s, const char *name, const struct sqs_recv_in *in, cJSON *out,
                struct sqs_err *e) {
    struct sqs_queue q;
    if (sqs_queue_load(s, name, &q, e) != 0) return -1;
    int64_t now = clock_now_ms();
    struct scan sc = {0};
    int rc = -1;
    size_t *picked = NULL;
    struct sqs_cand *c = NULL;
    /* A standard queue needs only receivable messages (a few more than
     * asked, for those redriven instead); FIFO needs the queue order. */
    /* Messages past their retention are gone even before the sweep
     * deletes them. */
    int st = store_sqs_msg_scan(st_scope(s), name, q.fifo ? INT64_MAX : now, now - q.retention_s * 1000,
                                q.fifo ? SQS_FIFO_SCAN : in->max * 4 + 16, collect, &sc);
    if (st != STORE_OK) {
        storage_fail(e);
        goto out;
    }
    c = xcalloc(sc.n + 1, sizeof(*c));
    for (size_t i = 0; i < sc.n; i++)
        c[i] = (struct sqs_cand){sc.m[i].visible_ms, sc.m[i].receive_count, sc.m[i].group_id};
    picked = xcalloc(sc.n + 1, sizeof(*picked));
    size_t np = sqs_pick(c, sc.n, q.fifo, now, sc.n, picked);
    int64_t vis = in->visibility_s >= 0 ? in->visibility_s : q.visibility_s;
    int taken = 0;
    for (size_t k = 0; k < np && taken < in->max; k++) {
        struct store_sqs_msg *m = &sc.m[picked[k]];
        if (sqs_redrive_due(m->receive_count, q.max_receive)) {
            int moved = redrive(s, &q, m);
            if (moved < 0) {
                storage_fail(e);
                goto out;
            }
            if (moved) continue;
        }
        char *receipt = new_receipt(m->message_id);
        m->receive_count++;
        if (m->first_receive_ms == 0) m->first_receive_ms = now;
        st = store_sqs_msg_received(m->seq, now + vis * 1000, m->receive_count, m->first_receive_ms, receipt);
        if (st == STORE_OK) cJSON_AddItemToArray(out, message_json(m, receipt));
        free(receipt);
        if (st != STORE_OK) {
            storage_fail(e);
            goto out;
        }
        taken++;
    }
    rc = 0;
out:
    for (size_t i = 0; i < sc.n; i++) store_sqs_msg_clear(&sc.m[i]);
    free(sc.m);
    free(c);
    free(picked);
    return rc;
}

/* Decodes RECEIPT into its message id (MID, 37 bytes). Returns 0 or -1
 * with ReceiptHandleIsInvalid. */
static int receipt_message(const char *receipt, char mid[37], struct sqs_err *e) {
    size_t n = 0;
    unsigned char *raw = util_b64_decode(receipt, strlen(receipt), &n);
    int ok = raw && n == strlen(RECEIPT_TAG) + 36 + 1 + 36 && memcmp(raw, RECEIPT_TAG, strlen(RECEIPT_TAG)) == 0;
    if (ok) {
        memcpy(mid, raw + strlen(RECEIPT_TAG), 36);
        mid[36] = '\0';
    }
    free(raw);
    if (!ok)
        return sqs_err_set(e, SQS_ERR_RECEIPT, "The input receipt handle \"%.300s\" is not a valid receipt handle.",
                           receipt);
    return 0;
}

int sqs_delete(const struct sqs_scope *s, const char *name, const char *receipt, struct sqs_err *e) {
    char mid[37];
    struct sqs_queue q;
    if (sqs_queue_load(s, name, &q, e) != 0) return -1;
    if (receipt_message(receipt, mid, e) != 0) return -1;
    struct store_sqs_msg m = {0};
    int rc = store_sqs_msg_get(st_scope(s), name, mid, &m);
    if (rc == STORE_OK) rc = store_sqs_msg_delete(m.seq);
    store_sqs_msg_clear(&m);
    if (rc == STORE_NOTFOUND) return 0;
    return rc == STORE_OK ? 0 : storage_fail(e);
}

int sqs_change_visibility(const struct sqs_scope *s, const char *name, const char *receipt, int64_t timeout_s,
                          struct sqs_err *e) {
    char mid[37];
    struct sqs_queue q;
    if (sqs_queue_load(s, name, &q, e) != 0) return -1;
    if (timeout_s < 0 || timeout_s > SQS_MAX_VISIBILITY_S)
        return sqs_err_set(e, SQS_ERR_PARAM, "Value %lld for parameter VisibilityTimeout is invalid. Reason: Must "
                           "be between 0 and 43200, if provided.", (long long)timeout_s);
    if (receipt_message(receipt, mid, e) != 0) return -1;
    struct store_sqs_msg m = {0};
    int64_t now = clock_now_ms();
    int rc = store_sqs_msg_get(st_scope(s), name, mid, &m);
    if (rc == STORE_OK && sqs_msg_state(m.visible_ms, m.receive_count, now) != SQS_MSG_INFLIGHT) rc = STORE_NOTFOUND;
    else if (rc == STORE_OK) rc = store_sqs_msg_set_visible(m.seq, now + timeout_s * 1000);
    store_sqs_msg_clear(&m);
    if (rc == STORE_NOTFOUND)
        return sqs_err_set(e, SQS_ERR_NOT_INFLIGHT, "Value %.300s for parameter ReceiptHandle is invalid. Reason: "
                           "Message does not exist or is not available for visibility timeout change.", receipt);
    return rc == STORE_OK ? 0 : storage_fail(e);
}

int64_t sqs_next_visible(const struct sqs_scope *s, const char *name) {
    int64_t t = INT64_MAX;
    if (store_sqs_next_visible(st_scope(s), name, clock_now_ms(), &t) != STORE_OK) return INT64_MAX;
    return t;
}

/* ---- long polling ---- */

static pthread_mutex_t wake_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv = PTHREAD_COND_INITIALIZER;
static uint64_t wake_gen;
/* Set once before serving (sqs_cap_long_poll); -1: no cap. */
static int64_t poll_cap_ms = -1;

void sqs_cap_long_poll(int64_t ms) {
    poll_cap_ms = ms;
}

int64_t sqs_long_poll_ms(int64_t wait_ms) {
    return poll_cap_ms >= 0 && wait_ms > poll_cap_ms ? poll_cap_ms : wait_ms;
}

uint64_t sqs_generation(void) {
    pthread_mutex_lock(&wake_mu);
    uint64_t g = wake_gen;
    pthread_mutex_unlock(&wake_mu);
    return g;
}

void sqs_notify(void) {
    pthread_mutex_lock(&wake_mu);
    wake_gen++;
    pthread_cond_broadcast(&wake_cv);
    pthread_mutex_unlock(&wake_mu);
}

void sqs_wait(uint64_t gen, int64_t wait_ms) {
    if (wait_ms <= 0) return;
    struct timespec ts;
    util_deadline_in(&ts, wait_ms);
    pthread_mutex_lock(&wake_mu);
    while (wake_gen == gen)
        if (pthread_cond_timedwait(&wake_cv, &wake_mu, &ts) != 0) break;
    pthread_mutex_unlock(&wake_mu);
}

/* Wall milliseconds between retention passes while the clock only
 * ticks: retention periods are at least 60 s, so a message outlives
 * its period by at most this much (a clock move sweeps at once). */
#define SQS_SWEEP_EVERY_MS 5000

void sqs_sweep(void) {
    static int64_t last_offset, last_sweep_ms;
    int64_t off = clock_offset_ms(), n = 0, mono = util_mono_ns() / 1000000;
    if (off == last_offset && last_sweep_ms != 0 && mono - last_sweep_ms < SQS_SWEEP_EVERY_MS) return;
    last_sweep_ms = mono;
    if (store_begin(1) != STORE_OK) return;
    if (store_sqs_expire(clock_now_ms(), &n) != STORE_OK) {
        store_rollback();
        return;
    }
    if (store_commit() != STORE_OK) return;
    if (n > 0) log_msg(LOG_DEBUG, "sqs: %lld messages past their retention deleted", (long long)n);
    /* The clock moved: delays and visibility timeouts may have ended. */
    if (off != last_offset) {
        last_offset = off;
        sqs_notify();
    }
}
