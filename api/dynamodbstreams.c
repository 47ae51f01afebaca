/*
 * DynamoDB Streams (JSON 1.0, X-Amz-Target DynamoDBStreams_20120810.*):
 * ListStreams, DescribeStream, GetShardIterator, GetRecords, over the
 * records writes append (ddb_stream_write.c). Iterators are opaque to
 * clients: "<stream arn>|1|<base64 of shard id, position, issue time>".
 */
#include "api/aws_error.h"
#include "api/ddb_int.h"
#include "api/op.h"
#include "api/validate.h"
#include "base/clock.h"
#include "base/util.h"
#include "storage/store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Iterators expire 15 minutes after they are issued. */
#define DDBS_ITERATOR_TTL_MS (15LL * 60 * 1000)
/* GetRecords returns at most 1000 records or 1 MB. */
#define DDBS_MAX_RECORDS 1000
#define DDBS_MAX_BYTES (1024 * 1024)
/* Shards a DescribeStream page lists: AWS's maximum Limit. */
#define DDBS_MAX_SHARDS_PAGE 100
/* Shards DescribeStream considers per stream: 16 partitions rolling over
 * every 4 hours keep about 8 generations (some 130 shards) within the
 * 24-hour window plus the day before pruning; 4096 is far beyond that. */
#define DDBS_MAX_SHARDS 4096

static int stream_not_found(struct req *req, const char *arn) {
    return req_fail(req, &AWSERR_DDB_NOT_FOUND, "Requested resource not found: Stream: %s not found", arn);
}

/* Loads stream ARN of the caller's scope; disabled streams stay visible
 * for the 24 hours their records are kept. */
static int load_stream(struct req *req, const char *arn, struct store_stream *s) {
    int rc = store_stream_get(arn, s);
    if (rc != STORE_OK && rc != STORE_NOTFOUND) return ddb_store_fail(req, rc);
    if (rc == STORE_OK && strcmp(s->account, req->account) == 0 && strcmp(s->region, req->region) == 0 &&
        (s->enabled || clock_now_ms() - s->disabled_ms <= DDB_STREAM_RETENTION_MS))
        return 0;
    store_stream_clear(s);
    return stream_not_found(req, arn);
}

static int required_arn(struct req *req, cJSON *in, const char **arn) {
    *arn = NULL;
    if (jget_str(req, in, "StreamArn", arn) < 0) return -1;
    struct vlist vl = {0};
    if (*arn == NULL) vl_add(&vl, NULL, "streamArn", "Member must not be null");
    else if (strlen(*arn) < 37 || strlen(*arn) > 1024)
        vl_add(&vl, *arn, "streamArn",
               strlen(*arn) < 37 ? "Member must have length greater than or equal to 37"
                                 : "Member must have length less than or equal to 1024");
    return vl_fail(req, &vl, &AWSERR_DDB_VALIDATION);
}

/* ------------------------------------------------------------------ */

struct list_ctx {
    struct req *req;
    cJSON *arr;
    int count, limit, more;
    char last[512];
};

static int list_row(void *ctx, const char *arn, const char *table) {
    struct list_ctx *c = ctx;
    struct store_stream s;
    if (store_stream_get(arn, &s) != STORE_OK) return 0;
    int visible = s.enabled || clock_now_ms() - s.disabled_ms <= DDB_STREAM_RETENTION_MS;
    int rc = 0;
    if (visible && c->count == c->limit) {
        c->more = 1;
        rc = 1;
    } else if (visible) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "StreamArn", arn);
        cJSON_AddStringToObject(o, "TableName", table);
        cJSON_AddStringToObject(o, "StreamLabel", s.label);
        cJSON_AddItemToArray(c->arr, o);
        c->count++;
        snprintf(c->last, sizeof(c->last), "%s", arn);
    }
    store_stream_clear(&s);
    return rc;
}

int ddbs_list_streams(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *table = NULL, *start = NULL;
    int64_t limit = 100;
    int has;
    if (jget_str(req, in, "TableName", &table) < 0 || jget_str(req, in, "ExclusiveStartStreamArn", &start) < 0 ||
        (has = jget_int(req, in, "Limit", &limit)) < 0)
        return -1;
    struct vlist vl = {0};
    if (has && limit < 1) vl_add_num(&vl, (double)limit, "limit", "Member must have value greater than or equal to 1");
    if (has && limit > 100) vl_add_num(&vl, (double)limit, "limit", "Member must have value less than or equal to 100");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    struct list_ctx c = {req, cJSON_CreateArray(), 0, (int)limit, 0, ""};
    struct ddb_scope scope = ddb_req_scope(req);
    int rc = store_stream_list(ddb_scope_store(&scope), table, start, 100000, list_row, &c);
    if (rc != STORE_OK) {
        cJSON_Delete(c.arr);
        return ddb_store_fail(req, rc);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "Streams", c.arr);
    if (c.more) cJSON_AddStringToObject(o, "LastEvaluatedStreamArn", c.last);
    return req_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ */

int64_t ddbs_shard_start(const struct store_shard *sh) {
    return sh->start_seq > sh->trim_seq ? sh->start_seq : sh->trim_seq + 1;
}

int ddbs_seq_position(const struct store_shard *sh, int64_t seq, int after, int64_t next,
                      int64_t *pos) {
    *pos = after ? seq + 1 : seq;
    /* The number DescribeStream advertises is always a valid place to
     * start, even in a shard that holds no record yet (nothing has that
     * number then, and it may be NEXT itself). */
    if (seq == ddbs_shard_start(sh)) return DDBS_SEQ_OK;
    if (seq < sh->start_seq || (sh->end_seq >= 0 && seq > sh->end_seq) || seq >= next)
        return DDBS_SEQ_RANGE;
    if (seq <= sh->trim_seq) return DDBS_SEQ_TRIMMED;
    return DDBS_SEQ_OK;
}

static cJSON *shard_json(const struct store_shard *sh) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ShardId", sh->shard_id);
    if (sh->parent_id[0]) cJSON_AddStringToObject(o, "ParentShardId", sh->parent_id);
    cJSON *r = cJSON_AddObjectToObject(o, "SequenceNumberRange");
    char seq[32];
    util_stream_seq(ddbs_shard_start(sh), seq, sizeof(seq));
    cJSON_AddStringToObject(r, "StartingSequenceNumber", seq);
    if (sh->end_seq >= 0) {
        util_stream_seq(sh->end_seq, seq, sizeof(seq));
        cJSON_AddStringToObject(r, "EndingSequenceNumber", seq);
    }
    return o;
}

int ddbs_describe_stream(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *arn, *start = NULL;
    int64_t limit = DDBS_MAX_SHARDS_PAGE;
    int has;
    cJSON *filter = NULL;
    if (required_arn(req, in, &arn) != 0 || jget_str(req, in, "ExclusiveStartShardId", &start) < 0 ||
        (has = jget_int(req, in, "Limit", &limit)) < 0 || jget_obj(req, in, "ShardFilter", &filter) < 0)
        return -1;
    struct vlist vl = {0};
    if (has && limit < 1) vl_add_num(&vl, (double)limit, "limit", "Member must have value greater than or equal to 1");
    if (has && limit > 100) vl_add_num(&vl, (double)limit, "limit", "Member must have value less than or equal to 100");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    const char *ftype = NULL, *fshard = NULL;
    if (filter && (jget_str(req, filter, "Type", &ftype) < 0 || jget_str(req, filter, "ShardId", &fshard) < 0))
        return -1;
    if (filter && (ftype == NULL || strcmp(ftype, "CHILD_SHARDS") != 0)) {
        vl_add(&vl, ftype, "shardFilter.type", "Member must satisfy enum value set: [CHILD_SHARDS]");
        return vl_fail(req, &vl, &AWSERR_DDB_VALIDATION);
    }
    struct store_stream s;
    if (load_stream(req, arn, &s) != 0) return -1;
    int rc = -1;
    struct store_shard *shards = xcalloc(DDBS_MAX_SHARDS, sizeof(*shards));
    int n = 0;
    int src = store_shard_list(arn, shards, DDBS_MAX_SHARDS, &n);
    if (src != STORE_OK) {
        ddb_store_fail(req, src);
        goto out;
    }
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "StreamArn", s.arn);
    cJSON_AddStringToObject(d, "StreamLabel", s.label);
    cJSON_AddStringToObject(d, "StreamStatus", s.enabled ? "ENABLED" : "DISABLED");
    cJSON_AddStringToObject(d, "StreamViewType", s.view_type);
    cJSON_AddNumberToObject(d, "CreationRequestDateTime", (double)s.created_ms / 1000.0);
    cJSON_AddStringToObject(d, "TableName", s.table_name);
    cJSON *ks = cJSON_Parse(s.key_schema ? s.key_schema : "[]");
    cJSON_AddItemToObject(d, "KeySchema", ks ? ks : cJSON_CreateArray());
    cJSON *arr = cJSON_AddArrayToObject(d, "Shards");
    int skipping = start != NULL, count = 0;
    const char *last = NULL;
    for (int i = 0; i < n; i++) {
        if (skipping) {
            if (strcmp(shards[i].shard_id, start) == 0) skipping = 0;
            continue;
        }
        if (fshard && strcmp(shards[i].parent_id, fshard) != 0) continue;
        if (count == limit) {
            cJSON_AddStringToObject(d, "LastEvaluatedShardId", last);
            break;
        }
        cJSON_AddItemToArray(arr, shard_json(&shards[i]));
        last = shards[i].shard_id;
        count++;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "StreamDescription", d);
    rc = req_reply_json(req, 200, o);
out:
    free(shards);
    store_stream_clear(&s);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Iterators                                                            */
/* ------------------------------------------------------------------ */

static char *make_iterator(const char *arn, const char *shard, int64_t pos) {
    char inner[256];
    snprintf(inner, sizeof(inner), "%s|%" PRId64 "|%" PRId64, shard, pos, clock_now_ms());
    char *b64 = util_b64_encode(inner, strlen(inner));
    char *it = xasprintf("%s|1|%s", arn, b64);
    free(b64);
    return it;
}

struct iter {
    char arn[512];
    char shard[80];
    int64_t pos;
    int64_t issued_ms;
};

static int parse_iterator(const char *z, struct iter *it) {
    memset(it, 0, sizeof(*it));
    const char *bar = strstr(z, "|1|");
    if (bar == NULL || (size_t)(bar - z) >= sizeof(it->arn)) return -1;
    memcpy(it->arn, z, (size_t)(bar - z));
    size_t n = 0;
    const char *b = bar + 3;
    unsigned char *inner = util_b64_decode(b, strlen(b), &n);
    if (inner == NULL) return -1;
    char buf[256];
    int ok = n > 0 && n < sizeof(buf) && memchr(inner, 0, n) == NULL;
    if (ok) {
        memcpy(buf, inner, n);
        buf[n] = '\0';
    }
    free(inner);
    if (!ok) return -1;
    char *p1 = strchr(buf, '|');
    char *p2 = p1 ? strchr(p1 + 1, '|') : NULL;
    if (p1 == NULL || p2 == NULL || (size_t)(p1 - buf) >= sizeof(it->shard)) return -1;
    *p1 = *p2 = '\0';
    snprintf(it->shard, sizeof(it->shard), "%.79s", buf);
    char *end;
    errno = 0;
    it->pos = strtoll(p1 + 1, &end, 10);
    if (*end || errno || it->pos < 0) return -1;
    it->issued_ms = strtoll(p2 + 1, &end, 10);
    /* Forged times must not overflow the age arithmetic nor never expire. */
    if (*end || errno || it->issued_ms < 0 || it->issued_ms > clock_now_ms() + 1000) return -1;
    return 0;
}

/* Parses a 21..40 digit sequence number as AWS shows it. */
static int parse_seq(const char *z, int64_t *out) {
    size_t n = strlen(z);
    if (n != 1 + UTIL_SEQ_DIGITS || strspn(z, "0123456789") != n || z[0] != '1') return -1;
    char *end;
    long long v = strtoll(z + 1, &end, 10);
    if (*end) return -1;
    *out = v;
    return 0;
}

int ddbs_get_shard_iterator(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *arn, *shard = NULL, *type = NULL, *seqz = NULL;
    if (required_arn(req, in, &arn) != 0 || jget_str(req, in, "ShardId", &shard) < 0 ||
        jget_str(req, in, "ShardIteratorType", &type) < 0 || jget_str(req, in, "SequenceNumber", &seqz) < 0)
        return -1;
    struct vlist vl = {0};
    if (shard == NULL) vl_add(&vl, NULL, "shardId", "Member must not be null");
    else if (strlen(shard) < 28 || strlen(shard) > 65)
        vl_add(&vl, shard, "shardId",
               strlen(shard) < 28 ? "Member must have length greater than or equal to 28"
                                  : "Member must have length less than or equal to 65");
    if (type == NULL) vl_add(&vl, NULL, "shardIteratorType", "Member must not be null");
    else if (strcmp(type, "TRIM_HORIZON") != 0 && strcmp(type, "LATEST") != 0 &&
             strcmp(type, "AT_SEQUENCE_NUMBER") != 0 && strcmp(type, "AFTER_SEQUENCE_NUMBER") != 0)
        vl_add(&vl, type, "shardIteratorType",
               "Member must satisfy enum value set: [AFTER_SEQUENCE_NUMBER, LATEST, AT_SEQUENCE_NUMBER, TRIM_HORIZON]");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    int at = strcmp(type, "AT_SEQUENCE_NUMBER") == 0, after = strcmp(type, "AFTER_SEQUENCE_NUMBER") == 0;
    int64_t seq = 0;
    if ((at || after) && seqz == NULL)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "Must specify SequenceNumber when using AT_SEQUENCE_NUMBER or AFTER_SEQUENCE_NUMBER");
    if (!(at || after) && seqz)
        return req_fail(req, &AWSERR_DDB_VALIDATION,
                        "Must not specify SequenceNumber when using TRIM_HORIZON or LATEST");
    if (seqz && parse_seq(seqz, &seq) != 0)
        return req_fail(req, &AWSERR_DDB_VALIDATION, "Invalid SequenceNumber: %.64s", seqz);
    struct store_stream s;
    if (load_stream(req, arn, &s) != 0) return -1;
    int rc = -1;
    struct store_shard sh;
    int src = store_shard_get(arn, shard, &sh);
    if (src == STORE_NOTFOUND) {
        req_fail(req, &AWSERR_DDB_NOT_FOUND, "Requested resource not found: Shard does not exist");
        goto out;
    }
    if (src != STORE_OK) {
        ddb_store_fail(req, src);
        goto out;
    }
    int64_t lo, hi, pos, next;
    src = store_record_bounds(arn, shard, &lo, &hi);
    if (src == STORE_OK) src = store_stream_next_seq(arn, &next);
    if (src != STORE_OK) {
        ddb_store_fail(req, src);
        goto out;
    }
    if (strcmp(type, "TRIM_HORIZON") == 0) {
        pos = lo >= 0 ? lo : ddbs_shard_start(&sh);
    } else if (strcmp(type, "LATEST") == 0) {
        pos = sh.end_seq >= 0 ? sh.end_seq + 1 : (hi >= 0 ? hi + 1 : next);
    } else {
        int where = ddbs_seq_position(&sh, seq, after, next, &pos);
        if (where == DDBS_SEQ_RANGE) {
            req_fail(req, &AWSERR_DDB_VALIDATION,
                     "Invalid SequenceNumber: %s is not in the range of shard %s", seqz, shard);
            goto out;
        }
        if (where == DDBS_SEQ_TRIMMED) {
            req_fail(req, &AWSERR_DDBS_TRIMMED,
                     "The operation attempted to read past the oldest stream record in a shard.");
            goto out;
        }
    }
    char *it = make_iterator(arn, shard, pos);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ShardIterator", it);
    free(it);
    rc = req_reply_json(req, 200, o);
out:
    store_stream_clear(&s);
    return rc;
}

/* GetRecords copies the stored record text into the reply as is: the
 * records were serialised once, when written, and parsing and printing
 * each again would dominate the cost of a 1000-record page. */
struct rec_ctx {
    char *buf;
    size_t len, cap;
    int n;
    int64_t last;
};

static void rec_append(struct rec_ctx *c, const char *z, size_t n) {
    if (c->len + n + 1 > c->cap) {
        while (c->len + n + 1 > c->cap) c->cap = c->cap ? c->cap * 2 : 4096;
        c->buf = xrealloc(c->buf, c->cap);
    }
    memcpy(c->buf + c->len, z, n);
    c->len += n;
    c->buf[c->len] = '\0';
}

static int rec_row(void *ctx, int64_t seq, int64_t created_ms, const char *record) {
    (void)created_ms;
    struct rec_ctx *c = ctx;
    if (c->n++) rec_append(c, ",", 1);
    rec_append(c, record, strlen(record));
    c->last = seq;
    return 0;
}

int ddbs_get_records(struct req *req, struct op_in *oi) {
    cJSON *in = oi->json;
    const char *itz = NULL;
    int64_t limit = DDBS_MAX_RECORDS;
    int has;
    if (jget_str(req, in, "ShardIterator", &itz) < 0 || (has = jget_int(req, in, "Limit", &limit)) < 0)
        return -1;
    struct vlist vl = {0};
    if (itz == NULL) vl_add(&vl, NULL, "shardIterator", "Member must not be null");
    else if (strlen(itz) < 1 || strlen(itz) > 2048)
        vl_add(&vl, "...", "shardIterator", strlen(itz) < 1 ? "Member must have length greater than or equal to 1"
                                                            : "Member must have length less than or equal to 2048");
    if (has && limit < 1) vl_add_num(&vl, (double)limit, "limit", "Member must have value greater than or equal to 1");
    if (has && limit > DDBS_MAX_RECORDS)
        vl_add_num(&vl, (double)limit, "limit", "Member must have value less than or equal to 1000");
    if (vl_fail(req, &vl, &AWSERR_DDB_VALIDATION)) return -1;
    struct iter it;
    if (parse_iterator(itz, &it) != 0)
        return req_fail(req, &AWSERR_DDB_VALIDATION, "Invalid ShardIterator");
    struct store_stream s;
    if (load_stream(req, it.arn, &s) != 0) return -1;
    int rc = -1;
    struct rec_ctx c = {NULL, 0, 0, 0, -1};
    if (clock_now_ms() - it.issued_ms > DDBS_ITERATOR_TTL_MS) {
        req_fail(req, &AWSERR_DDBS_EXPIRED_ITERATOR, "The provided iterator exceeds the maximum age allowed.");
        goto out;
    }
    struct store_shard sh;
    int src = store_shard_get(it.arn, it.shard, &sh);
    if (src == STORE_NOTFOUND) {
        /* A shard whose records were all trimmed is pruned; an iterator
         * into it must still say "trimmed". */
        if (it.pos <= s.trim_seq)
            req_fail(req, &AWSERR_DDBS_TRIMMED,
                     "The operation attempted to read past the oldest stream record in a shard.");
        else
            req_fail(req, &AWSERR_DDB_NOT_FOUND, "Requested resource not found: Shard does not exist");
        goto out;
    }
    if (src == STORE_OK && it.pos <= sh.trim_seq) {
        req_fail(req, &AWSERR_DDBS_TRIMMED,
                 "The operation attempted to read past the oldest stream record in a shard.");
        goto out;
    }
    if (src != STORE_OK) {
        ddb_store_fail(req, src);
        goto out;
    }
    rec_append(&c, "{\"Records\":[", 12);
    src = store_record_read(it.arn, it.shard, it.pos, (int)limit, DDBS_MAX_BYTES, rec_row, &c);
    if (src != STORE_OK) {
        ddb_store_fail(req, src);
        goto out;
    }
    rec_append(&c, "]", 1);
    int64_t next = c.last >= 0 ? c.last + 1 : it.pos;
    /* A closed shard read to its end has no next iterator: nothing is
     * left at or after NEXT, and nothing can be added any more. */
    int ended = 0;
    if (sh.end_seq >= 0) {
        int64_t lo, hi;
        if ((src = store_record_bounds(it.arn, it.shard, &lo, &hi)) != STORE_OK) {
            ddb_store_fail(req, src);
            goto out;
        }
        ended = next > sh.end_seq || hi < next;
    }
    if (!ended) {
        char *nit = make_iterator(it.arn, it.shard, next);
        rec_append(&c, ",\"NextShardIterator\":\"", 22);
        rec_append(&c, nit, strlen(nit));
        rec_append(&c, "\"", 1);
        free(nit);
    }
    rec_append(&c, "}", 1);
    /* Hand the buffer over instead of copying it. */
    free(req->resp_body);
    req->resp_body = c.buf;
    c.buf = NULL;
    req->nresp = c.len;
    req->status = 200;
    req->content_type = "application/x-amz-json-1.0";
    rc = 0;
out:
    free(c.buf);
    store_stream_clear(&s);
    return rc;
}
