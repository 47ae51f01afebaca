/*
 * Amazon SQS, in both of its protocols: JSON 1.0 (X-Amz-Target
 * "AmazonSQS.Op", awsQueryCompatible: errors carry the query code in
 * x-amzn-query-error, as botocore's sqs/2012-11-05 model says) and the
 * query protocol (Version 2012-11-05, form in, XML out), one table of
 * handlers for both. Handlers read the JSON shapes; the query form is
 * rewritten into them first (api/sqs_int.h). The queue logic is
 * engine/sqs.h. Queue URLs are http://HOST/ACCOUNT/NAME, HOST being the
 * request's Host header, so they point back at sluice.
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/op.h"
#include "api/query.h"
#include "api/request.h"
#include "api/sqs_int.h"
#include "api/validate.h"
#include "base/clock.h"
#include "base/util.h"
#include "engine/sqs.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SQS_XMLNS "http://queue.amazonaws.com/doc/2012-11-05/"
/* ListQueues returns at most 1000 URLs (API Reference, "ListQueues"). */
#define SQS_MAX_LIST 1000

/* ---- helpers ---- */

static const struct aws_error *errkind(enum sqs_errkind k) {
    switch (k) {
    case SQS_ERR_NO_QUEUE: return &AWSERR_SQS_NO_QUEUE;
    case SQS_ERR_QUEUE_EXISTS: return &AWSERR_SQS_QUEUE_EXISTS;
    case SQS_ERR_ATTR_VALUE: return &AWSERR_SQS_ATTR_VALUE;
    case SQS_ERR_ATTR_NAME: return &AWSERR_SQS_ATTR_NAME;
    case SQS_ERR_PARAM: return &AWSERR_SQS_PARAM;
    case SQS_ERR_MISSING: return &AWSERR_SQS_MISSING;
    case SQS_ERR_RECEIPT: return &AWSERR_SQS_RECEIPT;
    case SQS_ERR_NOT_INFLIGHT: return &AWSERR_SQS_NOT_INFLIGHT;
    case SQS_ERR_CONTENTS: return &AWSERR_SQS_CONTENTS;
    case SQS_ERR_PURGE_IN_PROGRESS: return &AWSERR_SQS_PURGE_IN_PROGRESS;
    case SQS_ERR_NONE:
    case SQS_ERR_INTERNAL:
    default: return &AWSERR_SQS_INTERNAL;
    }
}

static int fail(struct req *req, const struct sqs_err *e) {
    return req_fail(req, errkind(e->kind), "%s", e->msg);
}

static const char *str(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Integer member KEY of O (a number in JSON, a string in the query form)
 * into *OUT; DEF when absent. Returns 0, or -1 with InvalidParameterValue. */
static int int_param(struct req *req, const cJSON *o, const char *key, long long def, long long *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = def;
    if (v == NULL || cJSON_IsNull(v)) return 0;
    if (cJSON_IsNumber(v) && v->valuedouble == (double)util_dtoll(v->valuedouble)) {
        *out = util_dtoll(v->valuedouble);
        return 0;
    }
    char *end = NULL;
    if (cJSON_IsString(v) && v->valuestring[0]) {
        *out = strtoll(v->valuestring, &end, 10);
        if (*end == '\0') return 0;
    }
    return req_fail(req, &AWSERR_SQS_PARAM, "Value for parameter %s is invalid. Reason: not an integer.", key);
}

static int missing(struct req *req, const char *what) {
    return req_fail(req, &AWSERR_SQS_MISSING, "The request must contain the parameter %s.", what);
}

/* The scope and queue name of IN's QueueUrl. Returns 0 or -1 (recorded). */
static int queue_of(struct req *req, struct op_in *in, struct sqs_scope *s, char name[81]) {
    const char *url = str(in->json, "QueueUrl");
    char account[13];
    if (url == NULL) return missing(req, "QueueUrl");
    if (sqs_url_parse(url, account, name) != 0)
        return req_fail(req, &AWSERR_SQS_NO_QUEUE, "%s", "The specified queue does not exist.");
    *s = sqs_scope_make(account[0] ? account : req->account, req->region);
    return 0;
}

static char *queue_url(struct req *req, const char *account, const char *name) {
    const char *host = req_header(req, "Host");
    return xasprintf("http://%s/%s/%s", host && host[0] ? host : "localhost", account, name);
}

static void set_url(struct req *req, struct op_in *in, const char *account, const char *name) {
    char *url = queue_url(req, account, name);
    in->out = cJSON_CreateObject();
    cJSON_AddStringToObject(in->out, "QueueUrl", url);
    free(url);
}

/* ---- queues ---- */

static int create_queue(struct req *req, struct op_in *in) {
    const char *name = str(in->json, "QueueName");
    if (name == NULL) return missing(req, "QueueName");
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(in->json, "Attributes");
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in->json, "tags");
    struct sqs_scope s = sqs_scope_make(req->account, req->region);
    struct sqs_err e = {0};
    if (sqs_queue_create(&s, name, cJSON_IsObject(attrs) ? attrs : NULL, cJSON_IsObject(tags) ? tags : NULL, &e))
        return fail(req, &e);
    set_url(req, in, req->account, name);
    return 0;
}

static int get_queue_url(struct req *req, struct op_in *in) {
    const char *name = str(in->json, "QueueName");
    const char *owner = str(in->json, "QueueOwnerAWSAccountId");
    if (name == NULL) return missing(req, "QueueName");
    struct sqs_scope s = sqs_scope_make(owner ? owner : req->account, req->region);
    struct sqs_queue q;
    struct sqs_err e = {0};
    if (sqs_queue_load(&s, name, &q, &e) != 0) return fail(req, &e);
    set_url(req, in, s.account, name);
    return 0;
}

struct list_ctx {
    struct req *req;
    cJSON *urls;
    int n;
    char last[81];
};

static int list_one(void *ctx, const char *name) {
    struct list_ctx *l = ctx;
    char *url = queue_url(l->req, l->req->account, name);
    cJSON_AddItemToArray(l->urls, cJSON_CreateString(url));
    free(url);
    snprintf(l->last, sizeof(l->last), "%s", name);
    l->n++;
    return 0;
}

static int list_queues(struct req *req, struct op_in *in) {
    long long max;
    const char *prefix = str(in->json, "QueueNamePrefix"), *token = str(in->json, "NextToken");
    int has_max = cJSON_GetObjectItemCaseSensitive(in->json, "MaxResults") != NULL;
    if (int_param(req, in->json, "MaxResults", SQS_MAX_LIST, &max) != 0) return -1;
    if (max < 1 || max > SQS_MAX_LIST)
        return req_fail(req, &AWSERR_SQS_PARAM, "Value %lld for parameter MaxResults is invalid. Reason: must be "
                        "between 1 and 1000.", max);
    char *after = NULL;
    if (token && (after = util_token_read(token)) == NULL)
        return req_fail(req, &AWSERR_SQS_PARAM, "%s", "Invalid NextToken value.");
    struct sqs_scope s = sqs_scope_make(req->account, req->region);
    struct list_ctx l = {req, cJSON_CreateArray(), 0, ""};
    struct sqs_err e = {0};
    int rc = sqs_queue_list(&s, prefix, after, (int)max + 1, list_one, &l, &e);
    free(after);
    if (rc != 0) {
        cJSON_Delete(l.urls);
        return fail(req, &e);
    }
    in->out = cJSON_CreateObject();
    if (l.n > max) {
        /* One more than asked: there is a next page, after the last kept. */
        cJSON_DeleteItemFromArray(l.urls, l.n - 1);
        const cJSON *lastu = cJSON_GetArrayItem(l.urls, (int)max - 1);
        char acc[13], nm[81];
        sqs_url_parse(lastu->valuestring, acc, nm);
        char *t = util_token_make(nm);
        if (has_max) cJSON_AddStringToObject(in->out, "NextToken", t);
        free(t);
    }
    if (cJSON_GetArraySize(l.urls) > 0) cJSON_AddItemToObject(in->out, "QueueUrls", l.urls);
    else cJSON_Delete(l.urls);
    return 0;
}

struct sources_ctx {
    struct req *req;
    const char *account;
    const char *after;     /* NextToken's queue name, or NULL */
    long long max;
    cJSON *urls;
    char last[81];
    int more;
};

static int source_url(void *ctx, const char *name) {
    struct sources_ctx *c = ctx;
    if (c->after && strcmp(name, c->after) <= 0) return 0;
    if (cJSON_GetArraySize(c->urls) == c->max) {
        c->more = 1;
        return 1;
    }
    char *url = queue_url(c->req, c->account, name);
    cJSON_AddItemToArray(c->urls, cJSON_CreateString(url));
    free(url);
    snprintf(c->last, sizeof(c->last), "%s", name);
    return 0;
}

static int list_dead_letter_source_queues(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    long long max;
    if (queue_of(req, in, &s, name) != 0) return -1;
    if (int_param(req, in->json, "MaxResults", SQS_MAX_LIST, &max) != 0) return -1;
    if (max < 1 || max > SQS_MAX_LIST)
        return req_fail(req, &AWSERR_SQS_PARAM, "Value %lld for parameter MaxResults is invalid. Reason: must be "
                        "between 1 and 1000.", max);
    const char *token = str(in->json, "NextToken");
    char *after = NULL;
    if (token && (after = util_token_read(token)) == NULL)
        return req_fail(req, &AWSERR_SQS_PARAM, "%s", "Invalid NextToken value.");
    struct sources_ctx c = {req, s.account, after, max, cJSON_CreateArray(), "", 0};
    int rc = sqs_queue_sources(&s, name, source_url, &c, &e);
    free(after);
    if (rc != 0) {
        cJSON_Delete(c.urls);
        return fail(req, &e);
    }
    in->out = cJSON_CreateObject();
    cJSON_AddItemToObject(in->out, "queueUrls", c.urls);
    if (c.more) {
        char *t = util_token_make(c.last);
        cJSON_AddStringToObject(in->out, "NextToken", t);
        free(t);
    }
    return 0;
}

static int delete_queue(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    if (sqs_queue_delete(&s, name, &e) != 0) return fail(req, &e);
    in->out = cJSON_CreateObject();
    return 0;
}

static int purge_queue(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    if (sqs_queue_purge(&s, name, &e) != 0) return fail(req, &e);
    in->out = cJSON_CreateObject();
    return 0;
}

/* The attribute names GetQueueAttributes may be asked for (botocore's
 * QueueAttributeName). */
static const char *const queue_attr_names[] = {
    "All", "Policy", "VisibilityTimeout", "MaximumMessageSize", "MessageRetentionPeriod",
    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "CreatedTimestamp",
    "LastModifiedTimestamp", "QueueArn", "ApproximateNumberOfMessagesDelayed", "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds", "RedrivePolicy", "FifoQueue", "ContentBasedDeduplication", "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds", "DeduplicationScope", "FifoThroughputLimit", "RedriveAllowPolicy",
    "SqsManagedSseEnabled",
};

static int get_queue_attributes(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    const cJSON *want = cJSON_GetObjectItemCaseSensitive(in->json, "AttributeNames");
    for (const cJSON *w = want ? want->child : NULL; w; w = w->next) {
        int known = 0;
        for (size_t i = 0; cJSON_IsString(w) && i < sizeof(queue_attr_names) / sizeof(queue_attr_names[0]); i++)
            known |= strcmp(w->valuestring, queue_attr_names[i]) == 0;
        if (!known)
            return req_fail(req, &AWSERR_SQS_ATTR_NAME, "Unknown Attribute %.200s.",
                            cJSON_IsString(w) ? w->valuestring : "");
    }
    cJSON *all = sqs_queue_attributes(&s, name, &e);
    if (all == NULL) return fail(req, &e);
    cJSON *keep = cJSON_CreateObject();
    for (cJSON *a = all->child; a; a = a->next)
        if (sqs_attr_selected(want, a->string)) cJSON_AddItemToObject(keep, a->string, cJSON_Duplicate(a, 1));
    cJSON_Delete(all);
    in->out = cJSON_CreateObject();
    if (keep->child) cJSON_AddItemToObject(in->out, "Attributes", keep);
    else cJSON_Delete(keep);
    return 0;
}

static int set_queue_attributes(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(in->json, "Attributes");
    if (!cJSON_IsObject(attrs)) return missing(req, "Attributes");
    if (sqs_queue_set(&s, name, attrs, &e) != 0) return fail(req, &e);
    in->out = cJSON_CreateObject();
    return 0;
}

static int tag_queue(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in->json, "Tags");
    if (!cJSON_IsObject(tags)) return missing(req, "Tags");
    if (sqs_queue_tag(&s, name, tags, NULL, &e) != 0) return fail(req, &e);
    in->out = cJSON_CreateObject();
    return 0;
}

static int untag_queue(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(in->json, "TagKeys");
    if (!cJSON_IsArray(keys)) return missing(req, "TagKeys");
    if (sqs_queue_tag(&s, name, NULL, keys, &e) != 0) return fail(req, &e);
    in->out = cJSON_CreateObject();
    return 0;
}

static int list_queue_tags(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    cJSON *tags = sqs_queue_tags(&s, name, &e);
    if (tags == NULL) return fail(req, &e);
    in->out = cJSON_CreateObject();
    if (tags->child) cJSON_AddItemToObject(in->out, "Tags", tags);
    else cJSON_Delete(tags);
    return 0;
}

/* ---- sending ---- */

/* Sends the SendMessage-shaped entry O to queue Q into OUT (the result
 * members). Returns 0 or -1 with E set. */
static int send_one(struct req *req, const struct sqs_scope *s, const struct sqs_queue *q, const cJSON *o,
                    cJSON *out, struct sqs_err *e) {
    long long delay;
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "DelaySeconds");
    if (d == NULL || cJSON_IsNull(d)) delay = -1;
    else if (cJSON_IsNumber(d)) delay = util_dtoll(d->valuedouble);
    else if (cJSON_IsString(d)) delay = strtoll(d->valuestring, NULL, 10);
    else return sqs_err_set(e, SQS_ERR_PARAM, "%s", "Value for parameter DelaySeconds is invalid.");
    const char *body = str(o, "MessageBody");
    if (body == NULL) return sqs_err_set(e, SQS_ERR_MISSING, "%s", "The request must contain the parameter MessageBody.");
    const cJSON *attrs = cJSON_GetObjectItemCaseSensitive(o, "MessageAttributes");
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(o, "MessageSystemAttributes");
    const cJSON *trace = cJSON_GetObjectItemCaseSensitive(sys, "AWSTraceHeader");
    struct sqs_send_in si = {
        .body = body,
        .attrs = cJSON_IsObject(attrs) ? attrs : NULL,
        .delay_s = delay,
        .group_id = str(o, "MessageGroupId"),
        .dedup_id = str(o, "MessageDeduplicationId"),
        .sender_id = req->caller_id[0] ? req->caller_id : req->account,
        .trace_header = str(trace, "StringValue"),
    };
    struct sqs_sent sent;
    if (sqs_send(s, q, &si, &sent, e) != 0) return -1;
    cJSON_AddStringToObject(out, "MD5OfMessageBody", sent.md5_body);
    if (sent.md5_attrs[0]) cJSON_AddStringToObject(out, "MD5OfMessageAttributes", sent.md5_attrs);
    if (si.trace_header) {
        char md5[33];
        struct sqs_err ignore = {0};
        if (sqs_md5_attributes(sys, md5, &ignore) == 0)
            cJSON_AddStringToObject(out, "MD5OfMessageSystemAttributes", md5);
    }
    cJSON_AddStringToObject(out, "MessageId", sent.message_id);
    if (sent.sequence[0]) cJSON_AddStringToObject(out, "SequenceNumber", sent.sequence);
    return 0;
}

static int send_message(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_queue q;
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    if (sqs_queue_load(&s, name, &q, &e) != 0) return fail(req, &e);
    in->out = cJSON_CreateObject();
    if (send_one(req, &s, &q, in->json, in->out, &e) != 0) return fail(req, &e);
    return 0;
}

/* Checks a batch's Entries: present, 1..10, ids valid and distinct.
 * Returns the array, or NULL with the error recorded. */
static const cJSON *batch_entries(struct req *req, struct op_in *in, const char *entry) {
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(in->json, "Entries");
    int n = cJSON_GetArraySize(en);
    if (!cJSON_IsArray(en) || n == 0) {
        req_fail(req, &AWSERR_SQS_EMPTY_BATCH, "There should be at least one %s in the request.", entry);
        return NULL;
    }
    if (n > SQS_MAX_BATCH) {
        req_fail(req, &AWSERR_SQS_TOO_MANY_ENTRIES, "Maximum number of entries per request are %d. You have "
                 "sent %d.", SQS_MAX_BATCH, n);
        return NULL;
    }
    for (const cJSON *a = en->child; a; a = a->next) {
        const char *id = str(a, "Id");
        if (id == NULL || sqs_batch_id_valid(id) != 0) {
            req_fail(req, &AWSERR_SQS_BATCH_ID, "%s", "A batch entry id can only contain alphanumeric characters, "
                     "hyphens and underscores. It can be at most 80 letters long.");
            return NULL;
        }
        for (const cJSON *b = en->child; b != a; b = b->next)
            if (strcmp(str(b, "Id"), id) == 0) {
                req_fail(req, &AWSERR_SQS_IDS_NOT_DISTINCT, "Id %s repeated.", id);
                return NULL;
            }
    }
    return en;
}

/* Adds entry ID's failure E to the Failed list of OUT. */
static void add_failed(cJSON *out, const char *id, const struct sqs_err *e) {
    cJSON *f = cJSON_GetObjectItemCaseSensitive(out, "Failed");
    if (f == NULL) f = cJSON_AddArrayToObject(out, "Failed");
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Id", id);
    cJSON_AddBoolToObject(o, "SenderFault", e->kind != SQS_ERR_INTERNAL);
    cJSON_AddStringToObject(o, "Code", errkind(e->kind)->code);
    cJSON_AddStringToObject(o, "Message", e->msg);
    cJSON_AddItemToArray(f, o);
}

static int send_message_batch(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_queue q;
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    const cJSON *en = batch_entries(req, in, "SendMessageBatchRequestEntry");
    if (en == NULL) return -1;
    if (sqs_queue_load(&s, name, &q, &e) != 0) return fail(req, &e);
    size_t total = 0;
    for (const cJSON *a = en->child; a; a = a->next)
        if (str(a, "MessageBody"))
            total += sqs_message_size(str(a, "MessageBody"), cJSON_GetObjectItemCaseSensitive(a, "MessageAttributes"));
    if (total > SQS_MAX_MESSAGE)
        return req_fail(req, &AWSERR_SQS_BATCH_TOO_LONG, "Batch requests cannot be longer than %d bytes. You have "
                        "sent %zu bytes.", SQS_MAX_MESSAGE, total);
    in->out = cJSON_CreateObject();
    cJSON *ok = cJSON_AddArrayToObject(in->out, "Successful");
    for (const cJSON *a = en->child; a; a = a->next) {
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "Id", str(a, "Id"));
        struct sqs_err ee = {0};
        if (send_one(req, &s, &q, a, r, &ee) != 0) {
            cJSON_Delete(r);
            if (ee.kind == SQS_ERR_INTERNAL) return fail(req, &ee);
            add_failed(in->out, str(a, "Id"), &ee);
            continue;
        }
        cJSON_AddItemToArray(ok, r);
    }
    if (cJSON_GetObjectItemCaseSensitive(in->out, "Failed") == NULL) cJSON_AddArrayToObject(in->out, "Failed");
    return 0;
}

/* ---- receiving ---- */

/* Keeps in message M only the system attributes SYS and the message
 * attributes USER ask for, with the MD5 of those kept. */
static void filter_message(cJSON *m, const cJSON *sys, const cJSON *sys2, const cJSON *user) {
    cJSON *a = cJSON_GetObjectItemCaseSensitive(m, "Attributes");
    for (cJSON *c = a ? a->child : NULL; c;) {
        cJSON *next = c->next;
        if (!sqs_attr_selected(sys, c->string) && !sqs_attr_selected(sys2, c->string))
            cJSON_Delete(cJSON_DetachItemViaPointer(a, c));
        c = next;
    }
    if (a && a->child == NULL) cJSON_DeleteItemFromObjectCaseSensitive(m, "Attributes");
    cJSON *ma = cJSON_GetObjectItemCaseSensitive(m, "MessageAttributes");
    for (cJSON *c = ma ? ma->child : NULL; c;) {
        cJSON *next = c->next;
        if (!sqs_attr_selected(user, c->string)) cJSON_Delete(cJSON_DetachItemViaPointer(ma, c));
        c = next;
    }
    if (ma && ma->child == NULL) {
        cJSON_DeleteItemFromObjectCaseSensitive(m, "MessageAttributes");
    } else if (ma) {
        char md5[33];
        struct sqs_err e = {0};
        if (sqs_md5_attributes(ma, md5, &e) == 0) cJSON_AddStringToObject(m, "MD5OfMessageAttributes", md5);
    }
}

/* One receive attempt in its own write transaction. Returns 0 or -1. */
static int receive_once(struct req *req, const struct sqs_scope *s, const char *name, const struct sqs_recv_in *ri,
                        cJSON *msgs) {
    struct sqs_err e = {0};
    if (store_begin(1) != STORE_OK)
        return req_fail(req, &AWSERR_SQS_INTERNAL, "%s", "The service cannot complete the request.");
    if (sqs_receive(s, name, ri, msgs, &e) != 0) {
        store_rollback();
        return fail(req, &e);
    }
    if (store_commit() != STORE_OK)
        return req_fail(req, &AWSERR_SQS_INTERNAL, "%s", "The service cannot complete the request.");
    return 0;
}

/* Runs without the runner's transaction: a long poll must not hold the
 * write lock while it waits, so each attempt has its own. */
static int receive_message(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_queue q;
    struct sqs_err e = {0};
    long long max, wait, vis;
    if (queue_of(req, in, &s, name) != 0) return -1;
    if (int_param(req, in->json, "MaxNumberOfMessages", 1, &max) != 0) return -1;
    if (max < 1 || max > SQS_MAX_BATCH)
        return req_fail(req, &AWSERR_SQS_PARAM, "Value %lld for parameter MaxNumberOfMessages is invalid. Reason: "
                        "Must be between 1 and 10, if provided.", max);
    if (int_param(req, in->json, "VisibilityTimeout", -1, &vis) != 0) return -1;
    if (vis < -1 || vis > SQS_MAX_VISIBILITY_S)
        return req_fail(req, &AWSERR_SQS_PARAM, "Value %lld for parameter VisibilityTimeout is invalid. Reason: "
                        "Must be >= 0 and <= 43200, if provided.", vis);
    if (sqs_queue_load(&s, name, &q, &e) != 0) return fail(req, &e);
    if (int_param(req, in->json, "WaitTimeSeconds", q.wait_s, &wait) != 0) return -1;
    if (wait < 0 || wait > SQS_MAX_WAIT_S)
        return req_fail(req, &AWSERR_SQS_PARAM, "Value %lld for parameter WaitTimeSeconds is invalid. Reason: "
                        "Must be >= 0 and <= 20, if provided.", wait);
    struct sqs_recv_in ri = {(int)max, vis};
    cJSON *msgs = cJSON_CreateArray();
    int64_t deadline = util_mono_ns() / 1000000 + sqs_long_poll_ms(wait * 1000);
    for (;;) {
        uint64_t gen = sqs_generation();
        if (receive_once(req, &s, name, &ri, msgs) != 0) {
            cJSON_Delete(msgs);
            return -1;
        }
        int64_t left = deadline - util_mono_ns() / 1000000;
        if (cJSON_GetArraySize(msgs) > 0 || left <= 0) break;
        /* Sleep until a send, a clock move, or the next message turning
         * visible by the clock, whichever comes first. */
        int64_t next = sqs_next_visible(&s, name);
        if (next != INT64_MAX) {
            int64_t until = next - clock_now_ms();
            if (until < left) left = until < 1 ? 1 : until;
        }
        sqs_wait(gen, left);
    }
    const cJSON *sys = cJSON_GetObjectItemCaseSensitive(in->json, "AttributeNames");
    const cJSON *sys2 = cJSON_GetObjectItemCaseSensitive(in->json, "MessageSystemAttributeNames");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(in->json, "MessageAttributeNames");
    for (cJSON *m = msgs->child; m; m = m->next) filter_message(m, sys, sys2, user);
    in->out = cJSON_CreateObject();
    if (msgs->child) cJSON_AddItemToObject(in->out, "Messages", msgs);
    else cJSON_Delete(msgs);
    return 0;
}

static int delete_message(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    const char *rh = str(in->json, "ReceiptHandle");
    if (rh == NULL) return missing(req, "ReceiptHandle");
    if (sqs_delete(&s, name, rh, &e) != 0) return fail(req, &e);
    in->out = cJSON_CreateObject();
    return 0;
}

static int change_visibility(struct req *req, struct op_in *in) {
    struct sqs_scope s;
    char name[81];
    struct sqs_err e = {0};
    long long t;
    if (queue_of(req, in, &s, name) != 0) return -1;
    const char *rh = str(in->json, "ReceiptHandle");
    if (rh == NULL) return missing(req, "ReceiptHandle");
    if (cJSON_GetObjectItemCaseSensitive(in->json, "VisibilityTimeout") == NULL) return missing(req, "VisibilityTimeout");
    if (int_param(req, in->json, "VisibilityTimeout", 0, &t) != 0) return -1;
    if (sqs_change_visibility(&s, name, rh, t, &e) != 0) return fail(req, &e);
    in->out = cJSON_CreateObject();
    return 0;
}

/* DeleteMessageBatch (VISIBILITY 0) and ChangeMessageVisibilityBatch. */
static int batch_by_receipt(struct req *req, struct op_in *in, int visibility, const char *entry) {
    struct sqs_scope s;
    char name[81];
    struct sqs_queue q;
    struct sqs_err e = {0};
    if (queue_of(req, in, &s, name) != 0) return -1;
    const cJSON *en = batch_entries(req, in, entry);
    if (en == NULL) return -1;
    if (sqs_queue_load(&s, name, &q, &e) != 0) return fail(req, &e);
    in->out = cJSON_CreateObject();
    cJSON *ok = cJSON_AddArrayToObject(in->out, "Successful");
    for (const cJSON *a = en->child; a; a = a->next) {
        struct sqs_err ee = {0};
        const char *rh = str(a, "ReceiptHandle");
        const cJSON *tv = cJSON_GetObjectItemCaseSensitive(a, "VisibilityTimeout");
        long long t = cJSON_IsNumber(tv) ? util_dtoll(tv->valuedouble)
                      : cJSON_IsString(tv) ? strtoll(tv->valuestring, NULL, 10) : 0;
        int rc;
        if (rh == NULL) rc = sqs_err_set(&ee, SQS_ERR_MISSING, "%s", "The request must contain the parameter ReceiptHandle.");
        else rc = visibility ? sqs_change_visibility(&s, name, rh, t, &ee) : sqs_delete(&s, name, rh, &ee);
        if (rc != 0) {
            if (ee.kind == SQS_ERR_INTERNAL) return fail(req, &ee);
            add_failed(in->out, str(a, "Id"), &ee);
            continue;
        }
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "Id", str(a, "Id"));
        cJSON_AddItemToArray(ok, r);
    }
    if (cJSON_GetObjectItemCaseSensitive(in->out, "Failed") == NULL) cJSON_AddArrayToObject(in->out, "Failed");
    return 0;
}

static int delete_message_batch(struct req *req, struct op_in *in) {
    return batch_by_receipt(req, in, 0, "DeleteMessageBatchRequestEntry");
}

static int change_visibility_batch(struct req *req, struct op_in *in) {
    return batch_by_receipt(req, in, 1, "ChangeMessageVisibilityBatchRequestEntry");
}

/* ---- the services ---- */

/* Sorted by name (op_by_target searches it). The reads run without a
 * transaction (autocommit reads on the thread's connection); ReceiveMessage
 * opens its own (receive_message). */
static const struct op sqs_ops[] = {
    {"ChangeMessageVisibility", change_visibility, OP_WRITE, NULL, NULL, NULL},
    {"ChangeMessageVisibilityBatch", change_visibility_batch, OP_WRITE, NULL, NULL, NULL},
    {"CreateQueue", create_queue, OP_WRITE, NULL, NULL, NULL},
    {"DeleteMessage", delete_message, OP_WRITE, NULL, NULL, NULL},
    {"DeleteMessageBatch", delete_message_batch, OP_WRITE, NULL, NULL, NULL},
    {"DeleteQueue", delete_queue, OP_WRITE, sqs_notify, NULL, NULL},
    {"GetQueueAttributes", get_queue_attributes, 0, NULL, NULL, NULL},
    {"GetQueueUrl", get_queue_url, 0, NULL, NULL, NULL},
    {"ListDeadLetterSourceQueues", list_dead_letter_source_queues, 0, NULL, NULL, NULL},
    {"ListQueueTags", list_queue_tags, 0, NULL, NULL, NULL},
    {"ListQueues", list_queues, 0, NULL, NULL, NULL},
    {"PurgeQueue", purge_queue, OP_WRITE, NULL, NULL, NULL},
    {"ReceiveMessage", receive_message, 0, NULL, NULL, NULL},
    {"SendMessage", send_message, OP_WRITE, sqs_notify, NULL, NULL},
    {"SendMessageBatch", send_message_batch, OP_WRITE, sqs_notify, NULL, NULL},
    {"SetQueueAttributes", set_queue_attributes, OP_WRITE, sqs_notify, NULL, NULL},
    {"TagQueue", tag_queue, OP_WRITE, NULL, NULL, NULL},
    {"UntagQueue", untag_queue, OP_WRITE, NULL, NULL, NULL},
};

static void sqs_store_fail(struct req *req, int rc) {
    (void)rc;
    req_fail(req, &AWSERR_SQS_INTERNAL, "%s", "The service cannot complete the request.");
}

/* parse() for JSON: the body as an object, else SerializationException. */
static int sqs_parse_json(struct req *req, struct op_in *in) {
    if (json_body(req, &in->json) == 0) return 0;
    char *msg = req->err_msg;
    req->err_msg = NULL;
    req_fail(req, &AWSERR_SQS_SERIALIZATION, "%s", msg ? msg : "Malformed JSON request body");
    free(msg);
    return -1;
}

static void sqs_json_reply(struct req *req, struct op_in *in) {
    req_reply_json(req, 200, in->out);
    in->out = NULL;
}

const struct service sqs_json_service = {
    .name = "sqs",
    .ops = sqs_ops,
    .nops = sizeof(sqs_ops) / sizeof(sqs_ops[0]),
    .find = op_find_target,
    .parse = sqs_parse_json,
    .store_fail = sqs_store_fail,
    .reply = sqs_json_reply,
    .unknown_op = &AWSERR_SQS_UNKNOWN_OP,
};

/* find() for the query protocol: query_find, then the form rewritten
 * into the JSON shapes, and QueueUrl taken from the path when the
 * request was posted to the queue's URL. */
static const struct op *sqs_query_find(const struct service *svc, struct req *req, struct op_in *in) {
    const struct op *op = query_find(svc, req, in);
    if (op == NULL) return NULL;
    sqs_query_normalize(in->json);
    char account[13], name[81];
    if (str(in->json, "QueueUrl") == NULL && strcmp(req->path, "/") != 0 &&
        sqs_url_parse(req->path, account, name) == 0 && account[0])
        cJSON_AddStringToObject(in->json, "QueueUrl", req->path);
    return op;
}

static void sqs_query_reply(struct req *req, struct op_in *in) {
    char *inner = sqs_query_xml(in->action, in->out);
    char *xml = xasprintf("<?xml version=\"1.0\"?><%sResponse xmlns=\"%s\"><%sResult>%s</%sResult>"
                          "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>",
                          in->action, SQS_XMLNS, in->action, inner, in->action, req->request_id, in->action);
    req_reply_raw(req, 200, "text/xml", xml, strlen(xml));
    free(inner);
    free(xml);
}

const struct service sqs_query_service = {
    .name = "sqs",
    .ops = sqs_ops,
    .nops = sizeof(sqs_ops) / sizeof(sqs_ops[0]),
    .find = sqs_query_find,
    .store_fail = sqs_store_fail,
    .reply = sqs_query_reply,
    .query_version = "2012-11-05",
    .xmlns = SQS_XMLNS,
};
