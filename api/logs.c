/*
 * CloudWatch Logs (JSON 1.1, X-Amz-Target Logs_20140328.*): the subset
 * that `aws logs` and boto3 use to read function output -- log groups,
 * streams, GetLogEvents, FilterLogEvents -- plus CreateLogGroup,
 * CreateLogStream, PutLogEvents and DeleteLogGroup so clients can write,
 * and what Terraform's aws_cloudwatch_log_group reads and writes: tags
 * (by ARN and by name) and retention policies, whose expiry
 * api/logs_retention.c carries out. Function logs arrive from the
 * invoker (engine/invoker.c).
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/logs_retention.h"
#include "api/op.h"
#include "api/request.h"
#include "api/validate.h"
#include "base/clock.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_logs.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Page sizes AWS allows: 50 groups/streams, 10,000 events. */
#define LOGS_MAX_GROUPS 50
#define LOGS_MAX_STREAMS 50
#define LOGS_MAX_EVENTS 10000

static const struct aws_error LOGS_NOT_FOUND = {"ResourceNotFoundException", 400, NULL, AWSERR_MSG_LOWER, 0};
static const struct aws_error LOGS_EXISTS = {"ResourceAlreadyExistsException", 400, NULL, AWSERR_MSG_LOWER, 0};
static const struct aws_error LOGS_INVALID = {"InvalidParameterException", 400, NULL, AWSERR_MSG_LOWER, 0};
static const struct aws_error LOGS_SERVICE = {"ServiceUnavailableException", 500, NULL, AWSERR_MSG_LOWER, 1};
/* A tagging call whose resourceArn is not a log group's ARN. The LogGroup
 * shape of the CloudWatch Logs API reference says the tagging calls take
 * the ARN without the trailing ":*" that `arn` carries. [?] The type and
 * text ("Invalid resourceArn") are not in the model's error list; they
 * are what clients report getting from the service for the ":*" form. */
static const struct aws_error LOGS_VALIDATION = {"ValidationException", 400, NULL, AWSERR_MSG_LOWER, 0};
static const struct aws_error LOGS_TOO_MANY_TAGS = {"TooManyTagsException", 400, NULL, AWSERR_MSG_LOWER, 0};

static struct store_scope scope(struct req *req) {
    struct store_scope s = {req->account, req->region};
    return s;
}

static int store_fail(struct req *req) {
    return req_fail(req, &LOGS_SERVICE, "The service cannot complete the request.");
}

static void group_arn(struct req *req, const char *g, char *buf, size_t n) {
    snprintf(buf, n, "arn:aws:logs:%s:%s:log-group:%s", req->region, req->account, g);
}

/* A required string member: 0 with *OUT set, or -1 with AWS's answer for
 * a missing, null or empty one recorded (Logs reports constraint failures
 * as InvalidParameterException). jget_str sets *OUT on every path. */
/* Records Logs' error for a required member FIELD that is absent or
 * null. Returns -1. */
static int null_member(struct req *req, const char *field) {
    struct vlist vl = {0};
    vl_add(&vl, NULL, field, "Member must not be null");
    return vl_fail(req, &vl, &LOGS_INVALID);
}

static int required(struct req *req, cJSON *in, const char *key, const char *field, const char **out) {
    if (jget_str(req, in, key, out) < 0) return -1;
    if (*out == NULL) return null_member(req, field);
    if (**out == '\0') {
        struct vlist vl = {0};
        vl_add(&vl, "", field, "Member must have length greater than or equal to 1");
        return vl_fail(req, &vl, &LOGS_INVALID);
    }
    return 0;
}

static int stream_must_exist(struct req *req, const char *group, const char *stream) {
    int rc = store_logs_stream_exists(scope(req), group, stream);
    if (rc == STORE_NOTFOUND) return req_fail(req, &LOGS_NOT_FOUND, "The specified log stream does not exist.");
    return rc == STORE_OK ? 0 : store_fail(req);
}

static int group_must_exist(struct req *req, const char *group) {
    int rc = store_logs_group_exists(scope(req), group);
    if (rc == STORE_NOTFOUND) return req_fail(req, &LOGS_NOT_FOUND, "The specified log group does not exist.");
    return rc == STORE_OK ? 0 : store_fail(req);
}

/* ---- groups ---- */

struct groups_ctx {
    struct req *req;
    cJSON *arr;
    int count, limit, more;
    char last[512];
};

static int group_row(void *ctx, const struct store_log_group *g) {
    struct groups_ctx *c = ctx;
    const char *name = g->name;
    if (c->count == c->limit) {
        c->more = 1;
        return 1;
    }
    cJSON *o = cJSON_CreateObject();
    char arn[768];
    group_arn(c->req, name, arn, sizeof(arn));
    cJSON_AddStringToObject(o, "logGroupName", name);
    cJSON_AddNumberToObject(o, "creationTime", (double)g->created_ms);
    /* Only when set: a group without a policy never expires, and AWS
     * leaves the member out. */
    if (g->retention_days > 0) cJSON_AddNumberToObject(o, "retentionInDays", (double)g->retention_days);
    cJSON_AddNumberToObject(o, "metricFilterCount", 0);
    strncat(arn, ":*", sizeof(arn) - strlen(arn) - 1);
    cJSON_AddStringToObject(o, "arn", arn);
    arn[strlen(arn) - 2] = '\0';
    cJSON_AddStringToObject(o, "logGroupArn", arn);
    cJSON_AddNumberToObject(o, "storedBytes", (double)g->bytes);
    cJSON_AddStringToObject(o, "logGroupClass", "STANDARD");
    cJSON_AddItemToArray(c->arr, o);
    snprintf(c->last, sizeof(c->last), "%s", name);
    c->count++;
    return 0;
}

static int describe_log_groups(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *prefix = NULL, *token = NULL;
    int64_t limit = LOGS_MAX_GROUPS;
    if (jget_str(req, in, "logGroupNamePrefix", &prefix) < 0 || jget_str(req, in, "nextToken", &token) < 0 ||
        jget_int(req, in, "limit", &limit) < 0)
        return -1;
    if (limit < 1 || limit > LOGS_MAX_GROUPS)
        return req_fail(req, &LOGS_INVALID, "1 validation error detected: Value '%lld' at 'limit' failed to "
                        "satisfy constraint: Member must have value between 1 and 50", (long long)limit);
    struct groups_ctx c = {req, cJSON_CreateArray(), 0, (int)limit, 0, ""};
    if (store_logs_groups(scope(req), prefix, token, (int)limit + 1, group_row, &c) != STORE_OK) {
        cJSON_Delete(c.arr);
        return store_fail(req);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "logGroups", c.arr);
    if (c.more) cJSON_AddStringToObject(o, "nextToken", c.last);
    return req_reply_json(req, 200, o);
}

static int check_tags(struct req *req, const cJSON *tags, const char *field);
static int save_group_tags(struct req *req, const char *g, const cJSON *tags);

static int create_log_group(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g = NULL;
    cJSON *tags = NULL;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0 || jget_obj(req, in, "tags", &tags) < 0)
        return -1;
    if (tags && check_tags(req, tags, "tags") != 0) return -1;
    int rc = store_logs_create_group(scope(req), g, clock_now_ms());
    if (rc == STORE_CONFLICT) return req_fail(req, &LOGS_EXISTS, "The specified log group already exists");
    if (rc != STORE_OK) return store_fail(req);
    if (tags && save_group_tags(req, g, tags) != 0) return -1;
    return req_reply_raw(req, 200, "application/x-amz-json-1.1", "", 0);
}

static int delete_log_group(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0) return -1;
    int rc = store_logs_delete_group(scope(req), g);
    if (rc == STORE_NOTFOUND) return req_fail(req, &LOGS_NOT_FOUND, "The specified log group does not exist.");
    if (rc != STORE_OK) return store_fail(req);
    return req_reply_raw(req, 200, "application/x-amz-json-1.1", "", 0);
}

/* ---- streams ---- */

struct streams_ctx {
    struct req *req;
    const char *group;
    cJSON *arr;
    int count, limit, more;
};

static int stream_row(void *ctx, const struct store_log_stream *st) {
    struct streams_ctx *c = ctx;
    if (c->count == c->limit) {
        c->more = 1;
        return 1;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "logStreamName", st->name);
    cJSON_AddNumberToObject(o, "creationTime", (double)st->created_ms);
    if (st->first_ms) cJSON_AddNumberToObject(o, "firstEventTimestamp", (double)st->first_ms);
    if (st->last_ms) cJSON_AddNumberToObject(o, "lastEventTimestamp", (double)st->last_ms);
    if (st->last_ingest_ms) cJSON_AddNumberToObject(o, "lastIngestionTime", (double)st->last_ingest_ms);
    char arn[1024];
    snprintf(arn, sizeof(arn), "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", c->req->region,
             c->req->account, c->group, st->name);
    cJSON_AddStringToObject(o, "arn", arn);
    cJSON_AddNumberToObject(o, "storedBytes", 0);
    cJSON_AddItemToArray(c->arr, o);
    c->count++;
    return 0;
}

static int describe_log_streams(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g, *prefix = NULL, *order = NULL, *token = NULL;
    int desc = 0;
    int64_t limit = LOGS_MAX_STREAMS;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0 ||
        jget_str(req, in, "logStreamNamePrefix", &prefix) < 0 || jget_str(req, in, "orderBy", &order) < 0 ||
        jget_bool(req, in, "descending", &desc) < 0 || jget_int(req, in, "limit", &limit) < 0 ||
        jget_str(req, in, "nextToken", &token) < 0)
        return -1;
    int by_time = order && strcmp(order, "LastEventTime") == 0;
    if (order && !by_time && strcmp(order, "LogStreamName") != 0)
        return req_fail(req, &LOGS_INVALID, "1 validation error detected: Value '%s' at 'orderBy' failed "
                        "to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]",
                        order);
    if (by_time && prefix)
        return req_fail(req, &LOGS_INVALID, "Cannot order by LastEventTime with a logStreamNamePrefix.");
    if (limit < 1 || limit > LOGS_MAX_STREAMS)
        return req_fail(req, &LOGS_INVALID, "1 validation error detected: Value '%lld' at 'limit' failed to "
                        "satisfy constraint: Member must have value between 1 and 50", (long long)limit);
    if (group_must_exist(req, g) != 0) return -1;
    int offset = token ? atoi(token) : 0;
    struct streams_ctx c = {req, g, cJSON_CreateArray(), 0, (int)limit, 0};
    if (store_logs_streams(scope(req), g, prefix, by_time, desc, offset, (int)limit + 1, stream_row, &c) != STORE_OK) {
        cJSON_Delete(c.arr);
        return store_fail(req);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "logStreams", c.arr);
    if (c.more) {
        char t[32];
        snprintf(t, sizeof(t), "%d", offset + c.count);
        cJSON_AddStringToObject(o, "nextToken", t);
    }
    return req_reply_json(req, 200, o);
}

static int create_log_stream(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g, *s;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0 ||
        required(req, in, "logStreamName", "logStreamName", &s) != 0)
        return -1;
    int rc = store_logs_create_stream(scope(req), g, s, clock_now_ms());
    if (rc == STORE_NOTFOUND) return req_fail(req, &LOGS_NOT_FOUND, "The specified log group does not exist.");
    if (rc == STORE_CONFLICT) return req_fail(req, &LOGS_EXISTS, "The specified log stream already exists");
    if (rc != STORE_OK) return store_fail(req);
    return req_reply_raw(req, 200, "application/x-amz-json-1.1", "", 0);
}

static int put_log_events(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g, *s;
    cJSON *events = NULL;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0 ||
        required(req, in, "logStreamName", "logStreamName", &s) != 0 ||
        jget_arr(req, in, "logEvents", &events) < 0)
        return -1;
    if (group_must_exist(req, g) != 0 || stream_must_exist(req, g, s) != 0) return -1;
    int n = events ? cJSON_GetArraySize(events) : 0;
    if (n < 1 || n > LOGS_MAX_EVENTS)
        return req_fail(req, &LOGS_INVALID, "logEvents must hold 1 to 10000 events");
    int rc = -1;
    const char **msg = xcalloc((size_t)n, sizeof(*msg));
    int64_t *ts = xcalloc((size_t)n, sizeof(*ts));
    int i = 0;
    for (cJSON *e = events->child; e; e = e->next, i++) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "timestamp");
        if (!cJSON_IsString(m) || !cJSON_IsNumber(t)) {
            req_fail(req, &LOGS_INVALID, "Each log event needs a timestamp and a message.");
            goto out;
        }
        msg[i] = m->valuestring;
        ts[i] = (int64_t)t->valuedouble;
    }
    if (store_logs_append(scope(req), g, s, n, msg, ts, clock_now_ms()) != STORE_OK) {
        store_fail(req);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "nextSequenceToken", "0");
    rc = req_reply_json(req, 200, o);
out:
    free(msg);
    free(ts);
    return rc;
}

/* ---- events ---- */

struct events_ctx {
    cJSON *arr;
    int count, limit, more, with_stream;
    const char *pattern;
    int64_t last_ts, last_id, first_ts, first_id;
};

/* FilterLogEvents patterns: the plain-text form (terms all present,
 * quoted phrases exact). JSON and space-delimited patterns match all. */
static int pattern_matches(const char *pattern, const char *msg) {
    if (pattern == NULL || *pattern == '\0' || *pattern == '{' || *pattern == '[') return 1;
    char *copy = xstrdup(pattern);
    int ok = 1;
    char *p = copy;
    while (*p && ok) {
        while (*p == ' ') p++;
        if (*p == '\0') break;
        char *term;
        if (*p == '"') {
            term = ++p;
            while (*p && *p != '"') p++;
        } else {
            term = p;
            while (*p && *p != ' ') p++;
        }
        if (*p) *p++ = '\0';
        if (*term && strstr(msg, term) == NULL) ok = 0;
    }
    free(copy);
    return ok;
}

static int event_row(void *ctx, const struct store_log_event *ev) {
    struct events_ctx *c = ctx;
    if (!pattern_matches(c->pattern, ev->message)) {
        c->last_ts = ev->ts;
        c->last_id = ev->id;
        return 0;
    }
    if (c->count == c->limit) {
        c->more = 1;
        return 1;
    }
    cJSON *o = cJSON_CreateObject();
    if (c->with_stream) cJSON_AddStringToObject(o, "logStreamName", ev->stream);
    cJSON_AddNumberToObject(o, "timestamp", (double)ev->ts);
    cJSON_AddStringToObject(o, "message", ev->message);
    cJSON_AddNumberToObject(o, "ingestionTime", (double)ev->ingest_ms);
    if (c->with_stream) {
        char id[64];
        snprintf(id, sizeof(id), "%020" PRId64, ev->id);
        cJSON_AddStringToObject(o, "eventId", id);
    }
    cJSON_AddItemToArray(c->arr, o);
    if (c->count == 0) {
        c->first_ts = ev->ts;
        c->first_id = ev->id;
    }
    c->last_ts = ev->ts;
    c->last_id = ev->id;
    c->count++;
    return 0;
}

/* Tokens are "f/<ts>/<id>" (forward) or "b/<ts>/<id>" (backward). */
static int parse_token(const char *t, char *dir, int64_t *ts, int64_t *id) {
    long long a, b;
    char d;
    if (t == NULL || sscanf(t, "%c/%lld/%lld", &d, &a, &b) != 3 || (d != 'f' && d != 'b')) return -1;
    *dir = d;
    *ts = a;
    *id = b;
    return 0;
}

static int get_log_events(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g, *s, *token = NULL;
    int64_t start = 0, end = 0, limit = LOGS_MAX_EVENTS;
    int head = 0, has_head;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0 ||
        required(req, in, "logStreamName", "logStreamName", &s) != 0 ||
        jget_int(req, in, "startTime", &start) < 0 || jget_int(req, in, "endTime", &end) < 0 ||
        jget_int(req, in, "limit", &limit) < 0 || (has_head = jget_bool(req, in, "startFromHead", &head)) < 0 ||
        jget_str(req, in, "nextToken", &token) < 0)
        return -1;
    if (limit < 1 || limit > LOGS_MAX_EVENTS) limit = LOGS_MAX_EVENTS;
    if (group_must_exist(req, g) != 0 || stream_must_exist(req, g, s) != 0) return -1;
    char dir = head ? 'f' : 'b';
    int64_t ts = head ? INT64_MIN : INT64_MAX, id = head ? INT64_MIN : INT64_MAX;
    if (token && parse_token(token, &dir, &ts, &id) != 0)
        return req_fail(req, &LOGS_INVALID, "The specified nextToken is invalid.");
    struct events_ctx c = {cJSON_CreateArray(), 0, (int)limit, 0, 0, NULL, ts, id, ts, id};
    int backward = dir == 'b';
    if (store_logs_events(scope(req), g, s, start, end, 0, ts, id, backward, (int)limit, event_row, &c) != STORE_OK) {
        cJSON_Delete(c.arr);
        return store_fail(req);
    }
    if (backward) {
        /* Read newest first; answer oldest first, as AWS does. */
        cJSON *rev = cJSON_CreateArray();
        while (c.arr->child) {
            cJSON *last = cJSON_DetachItemFromArray(c.arr, cJSON_GetArraySize(c.arr) - 1);
            cJSON_AddItemToArray(rev, last);
        }
        cJSON_Delete(c.arr);
        c.arr = rev;
    }
    int64_t lo_ts = backward ? c.last_ts : c.first_ts, lo_id = backward ? c.last_id : c.first_id;
    int64_t hi_ts = backward ? c.first_ts : c.last_ts, hi_id = backward ? c.first_id : c.last_id;
    if (c.count == 0) {
        lo_ts = hi_ts = ts;
        lo_id = hi_id = id;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "events", c.arr);
    char t[96];
    snprintf(t, sizeof(t), "f/%" PRId64 "/%" PRId64, hi_ts, hi_id);
    cJSON_AddStringToObject(o, "nextForwardToken", t);
    snprintf(t, sizeof(t), "b/%" PRId64 "/%" PRId64, lo_ts, lo_id);
    cJSON_AddStringToObject(o, "nextBackwardToken", t);
    return req_reply_json(req, 200, o);
}

static int filter_log_events(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g, *pattern = NULL, *token = NULL, *prefix = NULL;
    int64_t start = 0, end = 0, limit = LOGS_MAX_EVENTS;
    cJSON *names = NULL;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0 ||
        jget_str(req, in, "filterPattern", &pattern) < 0 || jget_int(req, in, "startTime", &start) < 0 ||
        jget_int(req, in, "endTime", &end) < 0 || jget_int(req, in, "limit", &limit) < 0 ||
        jget_str(req, in, "nextToken", &token) < 0 || jget_arr(req, in, "logStreamNames", &names) < 0 ||
        jget_str(req, in, "logStreamNamePrefix", &prefix) < 0)
        return -1;
    if (limit < 1 || limit > LOGS_MAX_EVENTS) limit = LOGS_MAX_EVENTS;
    if (group_must_exist(req, g) != 0) return -1;
    char dir = 'f';
    int64_t ts = INT64_MIN, id = INT64_MIN;
    if (token && parse_token(token, &dir, &ts, &id) != 0)
        return req_fail(req, &LOGS_INVALID, "The specified nextToken is invalid.");
    struct events_ctx c = {cJSON_CreateArray(), 0, (int)limit, 0, 1, pattern, ts, id, ts, id};
    /* One stream, or all; stream lists and prefixes filter afterwards. */
    const char *only = names && cJSON_GetArraySize(names) == 1 && cJSON_IsString(names->child)
                           ? names->child->valuestring : NULL;
    /* No SQL limit: the pattern filters rows after the query, and the row
     * callback stops once a page (plus one) has matched. */
    if (store_logs_events(scope(req), g, only, start, end, 1, ts, id, 0, -1, event_row, &c) != STORE_OK) {
        cJSON_Delete(c.arr);
        return store_fail(req);
    }
    if ((names && !only) || prefix) {
        int idx = 0;
        for (cJSON *e = c.arr->child; e;) {
            cJSON *next = e->next;
            const char *sn = cJSON_GetObjectItemCaseSensitive(e, "logStreamName")->valuestring;
            int keep = prefix == NULL || strncmp(sn, prefix, strlen(prefix)) == 0;
            if (names && !only) {
                int listed = 0;
                for (cJSON *n = names->child; n; n = n->next)
                    listed |= cJSON_IsString(n) && strcmp(n->valuestring, sn) == 0;
                keep = keep && listed;
            }
            if (!keep) cJSON_DeleteItemFromArray(c.arr, idx);
            else idx++;
            e = next;
        }
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "events", c.arr);
    cJSON_AddArrayToObject(o, "searchedLogStreams");
    if (c.more) {
        char t[96];
        snprintf(t, sizeof(t), "f/%" PRId64 "/%" PRId64, c.last_ts, c.last_id);
        cJSON_AddStringToObject(o, "nextToken", t);
    }
    return req_reply_json(req, 200, o);
}

/* ---- retention ---- */

static int put_retention_policy(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g = NULL;
    int64_t days = 0;
    int has;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0 ||
        (has = jget_int(req, in, "retentionInDays", &days)) < 0)
        return -1;
    if (!has)
        return null_member(req, "retentionInDays");
    /* [?] The model's Days shape lists the values in its documentation
     * but declares no enum; the text is the Coral form AWS uses for enum
     * members (as for orderBy above). */
    if (!logs_retention_valid(days)) {
        char values[160];
        logs_retention_values(values, sizeof(values));
        return req_fail(req, &LOGS_INVALID, "1 validation error detected: Value '%lld' at 'retentionInDays' "
                        "failed to satisfy constraint: Member must satisfy enum value set: %s",
                        (long long)days, values);
    }
    int rc = store_logs_set_retention(scope(req), g, days);
    if (rc == STORE_NOTFOUND) return req_fail(req, &LOGS_NOT_FOUND, "The specified log group does not exist.");
    if (rc != STORE_OK) return store_fail(req);
    return req_reply_raw(req, 200, "application/x-amz-json-1.1", "", 0);
}

static int delete_retention_policy(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g = NULL;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0) return -1;
    int rc = store_logs_set_retention(scope(req), g, 0);
    if (rc == STORE_NOTFOUND) return req_fail(req, &LOGS_NOT_FOUND, "The specified log group does not exist.");
    if (rc != STORE_OK) return store_fail(req);
    return req_reply_raw(req, 200, "application/x-amz-json-1.1", "", 0);
}

/* ---- tags ---- */

/* The Tags shape: 1 to 50 entries; keys 1-128 and values up to 256
 * characters of letters, digits, spaces and _.:/=+-@. */
#define LOGS_MAX_TAGS 50
#define LOGS_TAG_KEY_MAX 128
#define LOGS_TAG_VALUE_MAX 256
#define TAG_KEY_PATTERN "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$"
#define TAG_VALUE_PATTERN "^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$"

/* Returns 1 when every character of Z is one the tag patterns allow:
 * ASCII letters, digits, space and _.:/=+-@; bytes of multi-byte UTF-8
 * sequences are taken as letters (\p{L}). */
static int tag_chars_ok(const char *z) {
    for (const unsigned char *p = (const unsigned char *)z; *p; p++)
        if (!(*p >= 0x80 || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr(" _.:/=+-@", *p)))
            return 0;
    return 1;
}

/* "{k=v, k2=v2}", the map as AWS quotes it in validation messages. */
static void map_text(const cJSON *tags, char *buf, size_t n) {
    size_t len = (size_t)snprintf(buf, n, "{");
    for (const cJSON *t = tags->child; t && len < n; t = t->next)
        len += (size_t)snprintf(buf + len, n - len, "%s%s=%s", t == tags->child ? "" : ", ", t->string,
                                cJSON_IsString(t) ? t->valuestring : "");
    if (len < n) snprintf(buf + len, n - len, "}");
}

/* Validates TAGS (the FIELD member: a map of strings) against the Tags
 * shape. Returns 0 or -1 with InvalidParameterException recorded. */
static int check_tags(struct req *req, const cJSON *tags, const char *field) {
    char text[512];
    struct vlist vl = {0};
    int n = 0, bad_key = 0, bad_value = 0;
    for (const cJSON *t = tags->child; t; t = t->next, n++) {
        if (!cJSON_IsString(t))
            return req_fail(req, &LOGS_INVALID, "The value of tag %.128s must be a string.", t->string);
        size_t nk = strlen(t->string), nv = strlen(t->valuestring);
        bad_key |= nk < 1 || nk > LOGS_TAG_KEY_MAX || !tag_chars_ok(t->string);
        bad_value |= nv > LOGS_TAG_VALUE_MAX || !tag_chars_ok(t->valuestring);
    }
    map_text(tags, text, sizeof(text));
    if (n < 1) vl_add(&vl, text, field, "Member must have length greater than or equal to 1");
    if (n > LOGS_MAX_TAGS) vl_add(&vl, text, field, "Member must have length less than or equal to 50");
    if (bad_key)
        vl_add(&vl, text, field, "Map keys must satisfy constraint: [Member must have length less than or "
               "equal to 128, Member must have length greater than or equal to 1, Member must satisfy "
               "regular expression pattern: " TAG_KEY_PATTERN "]");
    if (bad_value)
        vl_add(&vl, text, field, "Map value must satisfy constraint: [Member must have length less than or "
               "equal to 256, Member must satisfy regular expression pattern: " TAG_VALUE_PATTERN "]");
    return vl_fail(req, &vl, &LOGS_INVALID) ? -1 : 0;
}

/* Loads group G's tags (owned by the caller); 404 without the group. */
static cJSON *load_group_tags(struct req *req, const char *g) {
    char *text = NULL;
    int rc = store_logs_tags_get(scope(req), g, &text);
    if (rc == STORE_NOTFOUND) {
        req_fail(req, &LOGS_NOT_FOUND, "The specified log group does not exist.");
        return NULL;
    }
    if (rc != STORE_OK) {
        store_fail(req);
        return NULL;
    }
    cJSON *tags = cJSON_Parse(text ? text : "{}");
    free(text);
    return tags ? tags : cJSON_CreateObject();
}

/* Adds TAGS (checked) to group G's, replacing equal keys. */
static int save_group_tags(struct req *req, const char *g, const cJSON *tags) {
    cJSON *all = load_group_tags(req, g);
    if (all == NULL) return -1;
    for (const cJSON *t = tags->child; t; t = t->next) {
        cJSON_DeleteItemFromObjectCaseSensitive(all, t->string);
        cJSON_AddStringToObject(all, t->string, t->valuestring);
    }
    int rc = -1;
    if (cJSON_GetArraySize(all) > LOGS_MAX_TAGS) {
        /* [?] AWS's text for TooManyTagsException is not recorded. */
        req_fail(req, &LOGS_TOO_MANY_TAGS, "A resource can have no more than %d tags.", LOGS_MAX_TAGS);
    } else {
        char *text = cJSON_PrintUnformatted(all);
        int src = store_logs_tags_set(scope(req), g, text);
        free(text);
        rc = src == STORE_OK ? 0 : store_fail(req);
    }
    cJSON_Delete(all);
    return rc;
}

/* Removes the keys listed in KEYS (an array of strings) from G's tags. */
static int remove_group_tags(struct req *req, const char *g, const cJSON *keys) {
    cJSON *all = load_group_tags(req, g);
    if (all == NULL) return -1;
    for (const cJSON *k = keys->child; k; k = k->next)
        if (cJSON_IsString(k)) cJSON_DeleteItemFromObjectCaseSensitive(all, k->valuestring);
    char *text = cJSON_PrintUnformatted(all);
    int src = store_logs_tags_set(scope(req), g, text);
    free(text);
    cJSON_Delete(all);
    return src == STORE_OK ? 0 : store_fail(req);
}

static int reply_tags(struct req *req, const char *g) {
    cJSON *tags = load_group_tags(req, g);
    if (tags == NULL) return -1;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "tags", tags);
    return req_reply_json(req, 200, o);
}

/* Reads the log group name out of ARN, "arn:aws:logs:REGION:ACCOUNT:
 * log-group:NAME" without the ":*" that DescribeLogGroups' `arn` carries
 * (the tagging calls take `logGroupArn`'s form). Copies NAME into OUT
 * (size N). Returns 0, or -1 with the error recorded: ValidationException
 * for anything else, 404 for a group of another account or region. */
static int arn_group_name(struct req *req, const char *arn, char *out, size_t n) {
    const char *p = arn;
    if (strncmp(p, "arn:aws", 7) != 0) goto bad;
    p = strchr(p + 4, ':');
    if (p == NULL || strncmp(p, ":logs:", 6) != 0) goto bad;
    p += 6;
    const char *region = p;
    size_t nregion = strcspn(p, ":");
    p += nregion;
    if (*p++ != ':') goto bad;
    const char *account = p;
    size_t naccount = strcspn(p, ":");
    p += naccount;
    if (strncmp(p, ":log-group:", 11) != 0) goto bad;
    p += 11;
    size_t nname = strlen(p);
    if (nname == 0 || nname >= n || strspn(p, "._-/#ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        != nname)
        goto bad;
    if (nregion != strlen(req->region) || strncmp(region, req->region, nregion) != 0 ||
        naccount != strlen(req->account) || strncmp(account, req->account, naccount) != 0)
        return req_fail(req, &LOGS_NOT_FOUND, "The specified log group does not exist.");
    memcpy(out, p, nname + 1);
    return 0;
bad:
    return req_fail(req, &LOGS_VALIDATION, "Invalid resourceArn");
}

static int list_tags_for_resource(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *arn = NULL;
    char g[513];
    if (required(req, in, "resourceArn", "resourceArn", &arn) != 0 || arn_group_name(req, arn, g, sizeof(g)) != 0)
        return -1;
    return reply_tags(req, g);
}

static int tag_resource(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *arn = NULL;
    cJSON *tags = NULL;
    char g[513];
    if (required(req, in, "resourceArn", "resourceArn", &arn) != 0 || jget_obj(req, in, "tags", &tags) < 0)
        return -1;
    if (tags == NULL)
        return null_member(req, "tags");
    if (check_tags(req, tags, "tags") != 0 || arn_group_name(req, arn, g, sizeof(g)) != 0 ||
        save_group_tags(req, g, tags) != 0)
        return -1;
    return req_reply_raw(req, 200, "application/x-amz-json-1.1", "", 0);
}

static int untag_resource(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *arn = NULL;
    cJSON *keys = NULL;
    char g[513];
    if (required(req, in, "resourceArn", "resourceArn", &arn) != 0 || jget_arr(req, in, "tagKeys", &keys) < 0)
        return -1;
    if (keys == NULL)
        return null_member(req, "tagKeys");
    if (arn_group_name(req, arn, g, sizeof(g)) != 0 || remove_group_tags(req, g, keys) != 0) return -1;
    return req_reply_raw(req, 200, "application/x-amz-json-1.1", "", 0);
}

/* The older calls by group name (deprecated in the model, still served). */

static int list_tags_log_group(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g = NULL;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0) return -1;
    return reply_tags(req, g);
}

static int tag_log_group(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g = NULL;
    cJSON *tags = NULL;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0 || jget_obj(req, in, "tags", &tags) < 0)
        return -1;
    if (tags == NULL)
        return null_member(req, "tags");
    if (check_tags(req, tags, "tags") != 0 || save_group_tags(req, g, tags) != 0) return -1;
    return req_reply_raw(req, 200, "application/x-amz-json-1.1", "", 0);
}

static int untag_log_group(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *g = NULL;
    cJSON *keys = NULL;
    if (required(req, in, "logGroupName", "logGroupName", &g) != 0 || jget_arr(req, in, "tags", &keys) < 0)
        return -1;
    if (keys == NULL)
        return null_member(req, "tags");
    if (remove_group_tags(req, g, keys) != 0) return -1;
    return req_reply_raw(req, 200, "application/x-amz-json-1.1", "", 0);
}

/* Sorted by name (op_by_target). */
static const struct op logs_ops[] = {
    {"CreateLogGroup", create_log_group, OP_WRITE, NULL, NULL, NULL},
    {"CreateLogStream", create_log_stream, OP_WRITE, NULL, NULL, NULL},
    {"DeleteLogGroup", delete_log_group, OP_WRITE, NULL, NULL, NULL},
    {"DeleteRetentionPolicy", delete_retention_policy, OP_WRITE, NULL, NULL, NULL},
    {"DescribeLogGroups", describe_log_groups, 0, NULL, NULL, NULL},
    {"DescribeLogStreams", describe_log_streams, 0, NULL, NULL, NULL},
    {"FilterLogEvents", filter_log_events, 0, NULL, NULL, NULL},
    {"GetLogEvents", get_log_events, 0, NULL, NULL, NULL},
    {"ListTagsForResource", list_tags_for_resource, 0, NULL, NULL, NULL},
    {"ListTagsLogGroup", list_tags_log_group, 0, NULL, NULL, NULL},
    {"PutLogEvents", put_log_events, OP_WRITE, NULL, NULL, NULL},
    {"PutRetentionPolicy", put_retention_policy, OP_WRITE, NULL, NULL, NULL},
    {"TagLogGroup", tag_log_group, OP_WRITE, NULL, NULL, NULL},
    {"TagResource", tag_resource, OP_WRITE, NULL, NULL, NULL},
    {"UntagLogGroup", untag_log_group, OP_WRITE, NULL, NULL, NULL},
    {"UntagResource", untag_resource, OP_WRITE, NULL, NULL, NULL},
};

static void logs_store_fail(struct req *req, int rc) {
    (void)rc;
    store_fail(req);
}

const struct service logs_service = {
    .name = "logs",
    .ops = logs_ops,
    .nops = sizeof(logs_ops) / sizeof(logs_ops[0]),
    .find = op_find_target,
    .unknown_op = &AWSERR_DDB_UNKNOWN_OP,
    .parse = op_parse_json,
    .store_fail = logs_store_fail,
};
