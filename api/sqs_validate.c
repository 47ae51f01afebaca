/*
 * SQS's pure API-level parts (api/sqs_int.h): queue URLs, batch ids,
 * attribute-name filters, and the query protocol's shapes (Amazon SQS
 * API Reference, "Making query API requests": flattened lists such as
 * Attribute.N.Name, MessageAttribute.N.Value.StringValue,
 * SendMessageBatchRequestEntry.N.Id, and the flattened XML replies).
 */
#include "api/sqs_int.h"
#include "api/aws_error.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sqs_url_parse(const char *url, char account[13], char name[81]) {
    const char *p = url;
    const char *scheme = strstr(p, "://");
    if (scheme) {
        p = strchr(scheme + 3, '/');
        if (p == NULL) return -1;
    }
    const char *last = strrchr(p, '/');
    account[0] = '\0';
    if (last == NULL) {
        if (strlen(p) == 0 || strlen(p) > 80) return -1;
        snprintf(name, 81, "%s", p);
        return 0;
    }
    const char *nm = last + 1;
    if (*nm == '\0' || strlen(nm) > 80 || last == p) return -1;
    const char *acc = last - 1;
    while (acc > p && *acc != '/') acc--;
    if (*acc == '/') acc++;
    if (last - acc != 12) return -1;
    for (const char *c = acc; c < last; c++)
        if (*c < '0' || *c > '9') return -1;
    memcpy(account, acc, 12);
    account[12] = '\0';
    snprintf(name, 81, "%s", nm);
    return 0;
}

int sqs_batch_id_valid(const char *id) {
    size_t n = strlen(id);
    if (n == 0 || n > SQS_MAX_BATCH_ID) return -1;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' ||
              *p == '-'))
            return -1;
    return 0;
}

int sqs_attr_selected(const cJSON *want, const char *name) {
    for (const cJSON *w = want ? want->child : NULL; w; w = w->next) {
        if (!cJSON_IsString(w)) continue;
        const char *z = w->valuestring;
        size_t n = strlen(z);
        if (strcmp(z, "All") == 0 || strcmp(z, ".*") == 0 || strcmp(z, name) == 0) return 1;
        if (n > 2 && strcmp(z + n - 2, ".*") == 0 && strncmp(name, z, n - 1) == 0) return 1;
    }
    return 0;
}

/* ---- query input ---- */

/* Detaches member KEY of O (NULL when absent). */
static cJSON *take(cJSON *o, const char *key) {
    return cJSON_DetachItemFromObjectCaseSensitive(o, key);
}

/* {"1": {K: a, V: b}, ...} -> {a: b, ...} under NEW in O. */
static void to_map(cJSON *o, const char *old, const char *new_name, const char *k, const char *v) {
    cJSON *src = take(o, old);
    if (src == NULL) return;
    cJSON *map = cJSON_CreateObject();
    for (cJSON *e = src->child; e; e = e->next) {
        cJSON *key = cJSON_GetObjectItemCaseSensitive(e, k);
        cJSON *val = cJSON_GetObjectItemCaseSensitive(e, v);
        if (!cJSON_IsString(key) || val == NULL) continue;
        cJSON_DeleteItemFromObjectCaseSensitive(map, key->valuestring);
        cJSON_AddItemToObject(map, key->valuestring, cJSON_Duplicate(val, 1));
    }
    cJSON_Delete(src);
    cJSON_DeleteItemFromObjectCaseSensitive(o, new_name);
    cJSON_AddItemToObject(o, new_name, map);
}

static int by_index(const void *a, const void *b) {
    long i = strtol((*(cJSON *const *)a)->string, NULL, 10), j = strtol((*(cJSON *const *)b)->string, NULL, 10);
    return (i > j) - (i < j);
}

/* {"1": x, "2": y} (or a bare string) -> [x, y] under NEW in O, in index
 * order; each element normalised when NORM is set. */
static void to_list(cJSON *o, const char *old, const char *new_name, int norm) {
    cJSON *src = take(o, old);
    if (src == NULL) return;
    cJSON *arr = cJSON_CreateArray();
    if (cJSON_IsObject(src)) {
        int n = cJSON_GetArraySize(src), k = 0;
        cJSON **items = xcalloc((size_t)n + 1, sizeof(*items));
        for (cJSON *e = src->child; e; e = e->next) items[k++] = e;
        qsort(items, (size_t)k, sizeof(*items), by_index);
        for (int i = 0; i < k; i++) {
            cJSON *d = cJSON_Duplicate(items[i], 1);
            if (norm) sqs_query_normalize(d);
            cJSON_AddItemToArray(arr, d);
        }
        free(items);
    } else {
        cJSON_AddItemToArray(arr, cJSON_Duplicate(src, 1));
    }
    cJSON_Delete(src);
    cJSON_DeleteItemFromObjectCaseSensitive(o, new_name);
    cJSON_AddItemToObject(o, new_name, arr);
}

void sqs_query_normalize(cJSON *in) {
    if (!cJSON_IsObject(in)) return;
    to_map(in, "Attribute", "Attributes", "Name", "Value");
    to_map(in, "MessageAttribute", "MessageAttributes", "Name", "Value");
    to_map(in, "MessageSystemAttribute", "MessageSystemAttributes", "Name", "Value");
    /* CreateQueue spells its tags member "tags"; TagQueue "Tags". */
    cJSON *tags = cJSON_GetObjectItemCaseSensitive(in, "Tag");
    if (tags) to_map(in, "Tag", cJSON_GetObjectItemCaseSensitive(in, "QueueName") ? "tags" : "Tags", "Key", "Value");
    to_list(in, "TagKey", "TagKeys", 0);
    to_list(in, "AttributeName", "AttributeNames", 0);
    to_list(in, "MessageAttributeName", "MessageAttributeNames", 0);
    to_list(in, "MessageSystemAttributeName", "MessageSystemAttributeNames", 0);
    to_list(in, "SendMessageBatchRequestEntry", "Entries", 1);
    to_list(in, "DeleteMessageBatchRequestEntry", "Entries", 1);
    to_list(in, "ChangeMessageVisibilityBatchRequestEntry", "Entries", 1);
}

/* ---- query output ---- */

/* Text escaped for XML; a carriage return as a character reference, so
 * that an XML parser does not turn it into a line feed. */
static void put_text(struct util_buf *b, const char *z) {
    char *e = awserr_xml_escape(z);
    for (char *p = e; *p; p++) {
        char one[2] = {*p, 0};
        util_buf_add(b, *p == '\r' ? "&#xD;" : one);
    }
    free(e);
}

static void put_value(struct util_buf *b, const cJSON *v, const char *action);

static void put_elem(struct util_buf *b, const char *name, const cJSON *v, const char *action) {
    util_buf_add(b, "<");
    util_buf_add(b, name);
    util_buf_add(b, ">");
    put_value(b, v, action);
    util_buf_add(b, "</");
    util_buf_add(b, name);
    util_buf_add(b, ">");
}

/* A map V as flattened <ELEM><K>name</K><VK>value</VK></ELEM>. */
static void put_map(struct util_buf *b, const char *elem, const char *k, const char *vk, const cJSON *v,
                    const char *action) {
    for (const cJSON *c = v->child; c; c = c->next) {
        util_buf_add(b, "<");
        util_buf_add(b, elem);
        util_buf_add(b, "><");
        util_buf_add(b, k);
        util_buf_add(b, ">");
        put_text(b, c->string);
        util_buf_add(b, "</");
        util_buf_add(b, k);
        util_buf_add(b, ">");
        put_elem(b, vk, c, action);
        util_buf_add(b, "</");
        util_buf_add(b, elem);
        util_buf_add(b, ">");
    }
}

/* The flattened element name of list member KEY in ACTION's result. */
static const char *list_elem(const char *key, const char *action, char *buf, size_t n) {
    if (strcmp(key, "QueueUrls") == 0 || strcmp(key, "queueUrls") == 0) return "QueueUrl";
    if (strcmp(key, "Messages") == 0) return "Message";
    if (strcmp(key, "Failed") == 0) return "BatchResultErrorEntry";
    if (strcmp(key, "Successful") == 0) {
        snprintf(buf, n, "%sResultEntry", action);
        return buf;
    }
    return "member";
}

static void put_value(struct util_buf *b, const cJSON *v, const char *action) {
    char buf[96];
    if (cJSON_IsObject(v)) {
        for (const cJSON *c = v->child; c; c = c->next) {
            if (strcmp(c->string, "Attributes") == 0 && cJSON_IsObject(c))
                put_map(b, "Attribute", "Name", "Value", c, action);
            else if (strcmp(c->string, "MessageAttributes") == 0 && cJSON_IsObject(c))
                put_map(b, "MessageAttribute", "Name", "Value", c, action);
            else if (strcmp(c->string, "Tags") == 0 && cJSON_IsObject(c))
                put_map(b, "Tag", "Key", "Value", c, action);
            else if (cJSON_IsArray(c))
                for (const cJSON *e = c->child; e; e = e->next)
                    put_elem(b, list_elem(c->string, action, buf, sizeof(buf)), e, action);
            else
                put_elem(b, c->string, c, action);
        }
    } else if (cJSON_IsString(v)) {
        put_text(b, v->valuestring);
    } else if (cJSON_IsBool(v)) {
        util_buf_add(b, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNumber(v)) {
        snprintf(buf, sizeof(buf), "%.0f", v->valuedouble);
        util_buf_add(b, buf);
    }
}

char *sqs_query_xml(const char *action, const cJSON *out) {
    struct util_buf b = {0};
    util_buf_add(&b, "");
    if (out) put_value(&b, out, action);
    return b.z;
}
