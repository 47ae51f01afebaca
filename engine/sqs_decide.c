/*
 * SQS's pure parts (engine/sqs.h): MD5 digests as SQS computes them,
 * character and name rules, attribute validation, and the decisions of
 * what a receive takes at a given clock time. No I/O: tested with tables
 * in tests/unit/test_sqs.c.
 */
#include "engine/sqs.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <nettle/md5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int sqs_err_set(struct sqs_err *e, enum sqs_errkind kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    e->kind = kind;
    vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
    va_end(ap);
    return -1;
}

static void md5_len_bytes(struct md5_ctx *c, const void *z, size_t n) {
    uint8_t len[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    md5_update(c, 4, len);
    md5_update(c, n, z);
}

static int by_name(const void *a, const void *b) {
    const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;
    return strcmp(x->string, y->string);
}

/* Checks one attribute V named NAME; sets *BINARY and the value bytes. */
static int attr_value(const char *name, const cJSON *v, int *binary, const char **type, struct sqs_err *e) {
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(v, "DataType");
    if (!cJSON_IsObject(v) || !cJSON_IsString(dt) || dt->valuestring[0] == '\0')
        return sqs_err_set(e, SQS_ERR_PARAM, "The message attribute '%.256s' must contain non-empty message "
                           "attribute type.", name);
    *type = dt->valuestring;
    const char *t = dt->valuestring;
    int is_bin = strncmp(t, "Binary", 6) == 0 && (t[6] == '\0' || t[6] == '.');
    int is_str = (strncmp(t, "String", 6) == 0 && (t[6] == '\0' || t[6] == '.')) ||
                 (strncmp(t, "Number", 6) == 0 && (t[6] == '\0' || t[6] == '.'));
    if (!is_bin && !is_str)
        return sqs_err_set(e, SQS_ERR_PARAM, "The type of message (user) attribute '%.256s' is invalid. You "
                           "must use only the following supported type prefixes: Binary, Number, String.", name);
    const cJSON *sv = cJSON_GetObjectItemCaseSensitive(v, "StringValue");
    const cJSON *bv = cJSON_GetObjectItemCaseSensitive(v, "BinaryValue");
    const cJSON *val = is_bin ? bv : sv;
    if (!cJSON_IsString(val) || val->valuestring[0] == '\0')
        return sqs_err_set(e, SQS_ERR_PARAM, "The message attribute '%.256s' must contain non-empty message "
                           "attribute value for message attribute type '%.64s'.", name, t);
    if (!is_bin && sqs_text_valid(val->valuestring, strlen(val->valuestring)) != 0)
        return sqs_err_set(e, SQS_ERR_CONTENTS, "Invalid characters found in the message attribute '%.256s'.",
                           name);
    if (strncmp(t, "Number", 6) == 0) {
        char *end = NULL;
        strtod(val->valuestring, &end);
        if (end == val->valuestring || *end != '\0')
            return sqs_err_set(e, SQS_ERR_PARAM, "Can't cast the value of message (user) attribute '%.256s' to a "
                               "number.", name);
    }
    *binary = is_bin;
    return 0;
}

/* 0 when NAME is a valid message attribute name: up to 256 of
 * [A-Za-z0-9_.-], not starting with "AWS." or "Amazon.", no ".." and no
 * leading or trailing '.' (API Reference, "MessageAttributeValue" and
 * Developer Guide, "Amazon SQS message attributes"). */
static int attr_name_valid(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n > 256 || name[0] == '.' || name[n - 1] == '.' || strstr(name, "..")) return -1;
    if (strncasecmp(name, "AWS.", 4) == 0 || strncasecmp(name, "Amazon.", 7) == 0) return -1;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-' || *p == '.'))
            return -1;
    return 0;
}

int sqs_md5_attributes(const cJSON *attrs, char out[33], struct sqs_err *e) {
    int n = cJSON_GetArraySize(attrs), rc = -1;
    if (!cJSON_IsObject(attrs)) return sqs_err_set(e, SQS_ERR_PARAM, "MessageAttributes must be a map.");
    if (n > SQS_MAX_MSG_ATTRS)
        return sqs_err_set(e, SQS_ERR_PARAM, "Number of message attributes [%d] exceeds the allowed maximum "
                           "[%d].", n, SQS_MAX_MSG_ATTRS);
    const cJSON **v = xcalloc((size_t)n + 1, sizeof(*v));
    int k = 0;
    for (const cJSON *a = attrs->child; a; a = a->next) v[k++] = a;
    qsort(v, (size_t)k, sizeof(*v), by_name);
    struct md5_ctx c;
    md5_init(&c);
    for (int i = 0; i < k; i++) {
        const char *name = v[i]->string, *type = "";
        int binary = 0;
        if (attr_name_valid(name) != 0) {
            sqs_err_set(e, SQS_ERR_PARAM, "Message (user) attribute name '%.256s' is invalid.", name);
            goto out;
        }
        if (attr_value(name, v[i], &binary, &type, e) != 0) goto out;
        md5_len_bytes(&c, name, strlen(name));
        md5_len_bytes(&c, type, strlen(type));
        uint8_t transport = binary ? 2 : 1;
        md5_update(&c, 1, &transport);
        if (binary) {
            const char *b64 = cJSON_GetObjectItemCaseSensitive(v[i], "BinaryValue")->valuestring;
            size_t nb = 0;
            unsigned char *raw = util_b64_decode(b64, strlen(b64), &nb);
            if (raw == NULL) {
                sqs_err_set(e, SQS_ERR_PARAM, "The binary value of message attribute '%.256s' is not valid "
                            "base64.", name);
                goto out;
            }
            md5_len_bytes(&c, raw, nb);
            free(raw);
        } else {
            const char *sv = cJSON_GetObjectItemCaseSensitive(v[i], "StringValue")->valuestring;
            md5_len_bytes(&c, sv, strlen(sv));
        }
    }
    uint8_t d[MD5_DIGEST_SIZE];
    md5_digest(&c, sizeof(d), d);
    for (int i = 0; i < MD5_DIGEST_SIZE; i++) snprintf(out + 2 * i, 3, "%02x", d[i]);
    rc = 0;
out:
    free(v);
    return rc;
}

size_t sqs_message_size(const char *body, const cJSON *attrs) {
    size_t n = strlen(body);
    for (const cJSON *a = attrs ? attrs->child : NULL; a; a = a->next) {
        const cJSON *dt = cJSON_GetObjectItemCaseSensitive(a, "DataType");
        const cJSON *sv = cJSON_GetObjectItemCaseSensitive(a, "StringValue");
        const cJSON *bv = cJSON_GetObjectItemCaseSensitive(a, "BinaryValue");
        n += strlen(a->string);
        if (cJSON_IsString(dt)) n += strlen(dt->valuestring);
        if (cJSON_IsString(sv)) n += strlen(sv->valuestring);
        /* The decoded size of the base64 value. */
        if (cJSON_IsString(bv)) n += strlen(bv->valuestring) / 4 * 3;
    }
    return n;
}

int sqs_text_valid(const char *body, size_t n) {
    const unsigned char *p = (const unsigned char *)body, *end = p + n;
    while (p < end) {
        unsigned cp;
        int len;
        if (*p < 0x80) cp = *p, len = 1;
        else if ((*p & 0xe0) == 0xc0) cp = *p & 0x1f, len = 2;
        else if ((*p & 0xf0) == 0xe0) cp = *p & 0x0f, len = 3;
        else if ((*p & 0xf8) == 0xf0) cp = *p & 0x07, len = 4;
        else return -1;
        if (end - p < len) return -1;
        for (int i = 1; i < len; i++) {
            if ((p[i] & 0xc0) != 0x80) return -1;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        p += len;
        if (cp == 0x9 || cp == 0xa || cp == 0xd) continue;
        if ((cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff))
            continue;
        return -1;
    }
    return 0;
}

int sqs_name_valid(const char *name) {
    size_t n = strlen(name);
    int fifo = n > 5 && strcmp(name + n - 5, ".fifo") == 0;
    size_t base = fifo ? n - 5 : n;
    if (n == 0 || n > SQS_MAX_NAME || base == 0) return -1;
    for (size_t i = 0; i < base; i++) {
        char ch = name[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' ||
              ch == '-'))
            return -1;
    }
    return 0;
}

/* An integer attribute: its name and inclusive range (API Reference,
 * "SetQueueAttributes"; MaximumMessageSize up to 1 MiB since 2025). */
struct int_attr {
    const char *name;
    long long min, max;
};

static const struct int_attr int_attrs[] = {
    {"DelaySeconds", 0, SQS_MAX_DELAY_S},
    {"MaximumMessageSize", 1024, 1048576},
    {"MessageRetentionPeriod", 60, 1209600},
    {"ReceiveMessageWaitTimeSeconds", 0, SQS_MAX_WAIT_S},
    {"VisibilityTimeout", 0, SQS_MAX_VISIBILITY_S},
    {"KmsDataKeyReusePeriodSeconds", 60, 86400},
};

/* Attributes stored as given (no behaviour behind them). */
static const char *const opaque_attrs[] = {"Policy", "KmsMasterKeyId", "RedriveAllowPolicy"};

static int check_redrive(const char *value, char *norm, size_t nnorm, struct sqs_err *e) {
    int rc = -1;
    cJSON *j = cJSON_Parse(value);
    if (value[0] == '\0') {
        snprintf(norm, nnorm, "%s", "");
        rc = 0;
        goto out;
    }
    const cJSON *arn = cJSON_GetObjectItemCaseSensitive(j, "deadLetterTargetArn");
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(j, "maxReceiveCount");
    long long m = -1;
    if (cJSON_IsNumber(max)) m = util_dtoll(max->valuedouble);
    else if (cJSON_IsString(max)) m = strtoll(max->valuestring, NULL, 10);
    char a[13], r[32], name[SQS_MAX_NAME + 1];
    if (!cJSON_IsObject(j) || !cJSON_IsString(arn) || max == NULL) {
        sqs_err_set(e, SQS_ERR_ATTR_VALUE, "Value %.400s for parameter RedrivePolicy is invalid. Reason: Redrive "
                    "policy is not a dict or valid json.", value);
    } else if (sqs_parse_arn(arn->valuestring, a, r, name) != 0) {
        sqs_err_set(e, SQS_ERR_ATTR_VALUE, "Value %.400s for parameter RedrivePolicy is invalid. Reason: Invalid "
                    "value for deadLetterTargetArn.", value);
    } else if (m < 1 || m > 1000) {
        sqs_err_set(e, SQS_ERR_ATTR_VALUE, "Value %.400s for parameter RedrivePolicy is invalid. Reason: Invalid "
                    "value for maxReceiveCount: %lld, valid values are from 1 to 1000 both inclusive.", value, m);
    } else {
        snprintf(norm, nnorm, "{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":%lld}", arn->valuestring, m);
        rc = 0;
    }
out:
    cJSON_Delete(j);
    return rc;
}

int sqs_attr_check(const char *name, const char *value, int fifo, int create, char *norm, size_t nnorm,
                   struct sqs_err *e) {
    for (size_t i = 0; i < sizeof(int_attrs) / sizeof(int_attrs[0]); i++) {
        if (strcmp(name, int_attrs[i].name) != 0) continue;
        char *end = NULL;
        long long v = strtoll(value, &end, 10);
        if (value[0] == '\0' || *end != '\0' || v < int_attrs[i].min || v > int_attrs[i].max)
            return sqs_err_set(e, SQS_ERR_ATTR_VALUE, "Invalid value for the parameter %s.", name);
        snprintf(norm, nnorm, "%lld", v);
        return 0;
    }
    for (size_t i = 0; i < sizeof(opaque_attrs) / sizeof(opaque_attrs[0]); i++)
        if (strcmp(name, opaque_attrs[i]) == 0) {
            snprintf(norm, nnorm, "%s", value);
            return 0;
        }
    if (strcmp(name, "RedrivePolicy") == 0) return check_redrive(value, norm, nnorm, e);
    if (strcmp(name, "SqsManagedSseEnabled") == 0 || (fifo && strcmp(name, "ContentBasedDeduplication") == 0) ||
        (create && strcmp(name, "FifoQueue") == 0)) {
        if (strcasecmp(value, "true") != 0 && strcasecmp(value, "false") != 0)
            return sqs_err_set(e, SQS_ERR_ATTR_VALUE, "Invalid value for the parameter %s.", name);
        snprintf(norm, nnorm, "%s", strcasecmp(value, "true") == 0 ? "true" : "false");
        return 0;
    }
    if (fifo && strcmp(name, "DeduplicationScope") == 0) {
        if (strcmp(value, "messageGroup") != 0 && strcmp(value, "queue") != 0)
            return sqs_err_set(e, SQS_ERR_ATTR_VALUE, "Invalid value for the parameter %s.", name);
        snprintf(norm, nnorm, "%s", value);
        return 0;
    }
    if (fifo && strcmp(name, "FifoThroughputLimit") == 0) {
        if (strcmp(value, "perQueue") != 0 && strcmp(value, "perMessageGroupId") != 0)
            return sqs_err_set(e, SQS_ERR_ATTR_VALUE, "Invalid value for the parameter %s.", name);
        snprintf(norm, nnorm, "%s", value);
        return 0;
    }
    return sqs_err_set(e, SQS_ERR_ATTR_NAME, "Unknown Attribute %.200s.", name);
}

enum sqs_msg_state sqs_msg_state(int64_t visible_ms, int64_t receive_count, int64_t now) {
    if (visible_ms <= now) return SQS_MSG_AVAILABLE;
    return receive_count > 0 ? SQS_MSG_INFLIGHT : SQS_MSG_DELAYED;
}

int sqs_redrive_due(int64_t receive_count, int64_t max_receive) {
    return max_receive > 0 && receive_count >= max_receive;
}

/* 1 when group G is among the N strings of BLOCKED. */
static int blocked(const char *const *b, size_t n, const char *g) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(b[i], g) == 0) return 1;
    return 0;
}

size_t sqs_pick(const struct sqs_cand *c, size_t n, int fifo, int64_t now, size_t max, size_t *out) {
    size_t k = 0, nb = 0;
    const char **b = fifo ? xcalloc(n + 1, sizeof(*b)) : NULL;
    for (size_t i = 0; i < n && k < max; i++) {
        int avail = sqs_msg_state(c[i].visible_ms, c[i].receive_count, now) == SQS_MSG_AVAILABLE;
        if (!fifo) {
            if (avail) out[k++] = i;
            continue;
        }
        const char *g = c[i].group_id ? c[i].group_id : "";
        if (blocked(b, nb, g)) continue;
        if (avail) out[k++] = i;
        else b[nb++] = g;   /* a message ahead in its group holds the rest back */
    }
    free(b);
    return k;
}

int sqs_parse_arn(const char *arn, char account[13], char region[32], char name[SQS_MAX_NAME + 1]) {
    if (strncmp(arn, "arn:aws:sqs:", 12) != 0) return -1;
    const char *r = arn + 12, *a = strchr(r, ':');
    if (a == NULL || a == r || (size_t)(a - r) >= 32) return -1;
    const char *nm = strchr(a + 1, ':');
    if (nm == NULL || nm - (a + 1) != 12) return -1;
    for (const char *p = a + 1; p < nm; p++)
        if (*p < '0' || *p > '9') return -1;
    if (sqs_name_valid(nm + 1) != 0) return -1;
    memcpy(region, r, (size_t)(a - r));
    region[a - r] = '\0';
    memcpy(account, a + 1, 12);
    account[12] = '\0';
    snprintf(name, SQS_MAX_NAME + 1, "%s", nm + 1);
    return 0;
}
