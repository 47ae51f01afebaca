/*
 * Destinations (engine/destination.h): the records of
 * docs/aws-reference.md B10 and D4, and their delivery into the caller's
 * transaction.
 */
#include "engine/destination.h"
#include "engine/arn.h"
#include "engine/invoker.h"
#include "engine/sqs.h"
#include "base/clock.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_lambda.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A dead-letter message keeps the first 1 KB of the error message
 * (docs/aws-reference.md B10). */
#define DEST_MAX_ERROR_MESSAGE 1024

static int has_prefix(const char *s, const char *p) {
    return strncmp(s, p, strlen(p)) == 0;
}

enum dest_type dest_type_of(const char *arn) {
    if (arn == NULL || *arn == '\0') return DEST_NONE;
    /* arn:PARTITION:SERVICE:... */
    if (!has_prefix(arn, "arn:")) return DEST_OTHER;
    const char *svc = strchr(arn + 4, ':');
    if (svc == NULL) return DEST_OTHER;
    svc++;
    if (has_prefix(svc, "sqs:")) return DEST_SQS;
    if (has_prefix(svc, "lambda:")) return DEST_LAMBDA;
    if (has_prefix(svc, "sns:")) return DEST_SNS;
    if (has_prefix(svc, "s3:")) return DEST_S3;
    if (has_prefix(svc, "events:")) return DEST_EVENTS;
    return DEST_OTHER;
}

/* TEXT (N bytes) as a JSON value when it parses as one, else as a string. */
static cJSON *json_or_string(const char *text, size_t n) {
    cJSON *v = cJSON_ParseWithLength(text, n);
    if (v) return v;
    char *copy = xstrndup(text, n);
    v = cJSON_CreateString(copy);
    free(copy);
    return v;
}

char *dest_async_record(const struct dest_async_end *e) {
    char ts[40];
    util_iso_time(e->now_ms, ts, sizeof(ts));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "version", "1.0");
    cJSON_AddStringToObject(o, "timestamp", ts);
    cJSON *rq = cJSON_AddObjectToObject(o, "requestContext");
    cJSON_AddStringToObject(rq, "requestId", e->request_id);
    cJSON_AddStringToObject(rq, "functionArn", e->function_arn);
    cJSON_AddStringToObject(rq, "condition", e->condition);
    cJSON_AddNumberToObject(rq, "approximateInvokeCount", e->invokes);
    cJSON_AddItemToObject(o, "requestPayload", json_or_string(e->payload, strlen(e->payload)));
    if (e->reached) {
        cJSON *rs = cJSON_AddObjectToObject(o, "responseContext");
        cJSON_AddNumberToObject(rs, "statusCode", 200);
        cJSON_AddStringToObject(rs, "executedVersion", e->executed_version ? e->executed_version : "$LATEST");
        if (e->function_error) cJSON_AddStringToObject(rs, "functionError", "Unhandled");
        if (e->response) cJSON_AddItemToObject(o, "responsePayload", json_or_string(e->response, e->nresponse));
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

char *dest_stream_record(const struct dest_stream_batch *b) {
    char t0[40], t1[40], now[40];
    util_iso_time(b->first_ms, t0, sizeof(t0));
    util_iso_time(b->last_ms, t1, sizeof(t1));
    util_iso_time(b->now_ms, now, sizeof(now));
    cJSON *o = cJSON_CreateObject();
    cJSON *rq = cJSON_AddObjectToObject(o, "requestContext");
    cJSON_AddStringToObject(rq, "requestId", b->request_id ? b->request_id : "");
    cJSON_AddStringToObject(rq, "functionArn", b->function_arn);
    cJSON_AddStringToObject(rq, "condition", b->condition);
    cJSON_AddNumberToObject(rq, "approximateInvokeCount", (double)b->invokes);
    cJSON *rs = cJSON_AddObjectToObject(o, "responseContext");
    cJSON_AddNumberToObject(rs, "statusCode", 200);
    cJSON_AddStringToObject(rs, "executedVersion",
                            b->executed_version && b->executed_version[0] ? b->executed_version : "$LATEST");
    if (b->function_error) cJSON_AddStringToObject(rs, "functionError", "Unhandled");
    else cJSON_AddNullToObject(rs, "functionError");
    cJSON_AddStringToObject(o, "version", "1.0");
    cJSON_AddStringToObject(o, "timestamp", now);
    cJSON *bi = cJSON_AddObjectToObject(o, "DDBStreamBatchInfo");
    cJSON_AddStringToObject(bi, "shardId", b->shard_id);
    cJSON_AddStringToObject(bi, "startSequenceNumber", b->first_seq);
    cJSON_AddStringToObject(bi, "endSequenceNumber", b->last_seq);
    cJSON_AddStringToObject(bi, "approximateArrivalOfFirstRecord", t0);
    cJSON_AddStringToObject(bi, "approximateArrivalOfLastRecord", t1);
    cJSON_AddNumberToObject(bi, "batchSize", b->batch_size);
    cJSON_AddStringToObject(bi, "streamArn", b->stream_arn);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

void dest_error_message(const char *body, size_t nbody, char *out, size_t n) {
    size_t cap = n - 1 < DEST_MAX_ERROR_MESSAGE ? n - 1 : DEST_MAX_ERROR_MESSAGE;
    cJSON *o = body ? cJSON_ParseWithLength(body, nbody) : NULL;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "errorMessage");
    const char *z = cJSON_IsString(m) ? m->valuestring : body ? body : "";
    size_t len = cJSON_IsString(m) ? strlen(z) : body ? nbody : 0;
    if (len > cap) {
        len = cap;
        /* Never end inside a UTF-8 sequence: drop continuation bytes and
         * the lead byte they follow. */
        while (len > 0 && ((unsigned char)z[len] & 0xC0) == 0x80) len--;
    }
    memcpy(out, z, len);
    out[len] = '\0';
    cJSON_Delete(o);
}

/* Queues BODY as an asynchronous invocation of the function ARN names. */
static int deliver_lambda(const char *account, const char *region, const char *arn, const char *body,
                          char *why, size_t nwhy) {
    struct fn_ref ref;
    if (arn_parse_function(arn, ARN_SHAPE_FUNCTION, &ref) != ARN_OK || ref.region[0] == '\0') {
        snprintf(why, nwhy, "%.400s is not a function ARN", arn);
        return -1;
    }
    if (strcmp(ref.account, account) != 0 || strcmp(ref.region, region) != 0) {
        snprintf(why, nwhy, "%.400s is in another account or region", arn);
        return -1;
    }
    char version[32];
    int missing = 0;
    cJSON *cfg = invoke_resolve(account, region, ref.name, ref.qualifier, version, &missing);
    if (cfg == NULL) {
        snprintf(why, nwhy, missing ? "Function not found: %.400s" : "could not read %.400s", arn);
        return -1;
    }
    cJSON_Delete(cfg);
    char request_id[37];
    util_uuid(request_id);
    struct store_scope s = {account, region};
    if (store_async_put(s, ref.name, ref.qualifier, request_id, body, clock_now_ms()) != STORE_OK) {
        snprintf(why, nwhy, "could not queue the invocation of %.400s", arn);
        return -1;
    }
    return 0;
}

/* Sends BODY with ATTRS to the queue ARN names, from ACCOUNT (SenderId). */
static int deliver_sqs(const char *account, const char *arn, const char *body, const struct dest_attr *attrs,
                       int nattrs, char *why, size_t nwhy) {
    cJSON *ma = NULL;
    if (nattrs > 0) {
        ma = cJSON_CreateObject();
        for (int i = 0; i < nattrs; i++) {
            cJSON *a = cJSON_AddObjectToObject(ma, attrs[i].name);
            cJSON_AddStringToObject(a, "DataType", attrs[i].type);
            cJSON_AddStringToObject(a, "StringValue", attrs[i].value);
        }
    }
    struct sqs_err e = {0};
    int rc = sqs_send_arn_tx(arn, body, ma, account, &e);
    if (rc != 0) snprintf(why, nwhy, "%s", e.msg[0] ? e.msg : "the queue refused the message");
    cJSON_Delete(ma);
    return rc;
}

int dest_deliver(const char *account, const char *region, const char *arn, const char *body,
                 const struct dest_attr *attrs, int nattrs, char *why, size_t nwhy) {
    switch (dest_type_of(arn)) {
    case DEST_LAMBDA: return deliver_lambda(account, region, arn, body, why, nwhy);
    case DEST_SQS: return deliver_sqs(account, arn, body, attrs, nattrs, why, nwhy);
    case DEST_NONE: snprintf(why, nwhy, "no destination"); return -1;
    case DEST_SNS:
    case DEST_S3:
    case DEST_EVENTS:
    case DEST_OTHER:
    default: break;
    }
    snprintf(why, nwhy, "sluice cannot deliver to %.400s", arn);
    return -1;
}

void dest_after_commit(void) {
    invoke_async_kick();
    sqs_notify();
}
