/*
 * Primary and index keys: extraction from items with AWS's messages, and
 * the order-preserving byte encoding the storage layer sorts by.
 *
 * Encoding (memcmp order == DynamoDB order):
 *   S  the UTF-8 bytes;  B  the decoded bytes;
 *   N  0x80 for zero; positive: 0xC0, exponent+32768 as two big-endian
 *      bytes, the digits as '0'..'9'; negative: 0x40, the exponent
 *      complemented, the digits complemented ('9'-d) and a final 0xFF so
 *      that a longer negative (more digits) sorts first.
 */
#include "engine/ddb/ddb.h"

#include "engine/ddb/ddb_num.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ddb_key_encode(const cJSON *av, enum ddb_type type, unsigned char **out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (ddb_av_type(av) != type) return -1;
    const cJSON *v = av->child;
    if (!cJSON_IsString(v)) return -1;
    if (type == DDB_T_S) {
        size_t len = strlen(v->valuestring);
        *out = xmalloc(len + 1);
        memcpy(*out, v->valuestring, len);
        *n = len;
        return 0;
    }
    if (type == DDB_T_B) {
        *out = util_b64_decode(v->valuestring, strlen(v->valuestring), n);
        return *out ? 0 : -1;
    }
    struct ddb_num num;
    const char *err = NULL;
    if (ddb_num_parse(v->valuestring, &num, &err) != 0) return -1;
    unsigned char *p = xmalloc(4 + DDB_NUM_DIGITS + 1);
    size_t k = 0;
    if (num.ndigits == 0) {
        p[k++] = 0x80;
    } else {
        unsigned e = (unsigned)(num.exp + 32768);
        if (!num.neg) {
            p[k++] = 0xC0;
            p[k++] = (unsigned char)(e >> 8);
            p[k++] = (unsigned char)e;
            for (int i = 0; i < num.ndigits; i++) p[k++] = (unsigned char)('0' + num.digits[i]);
        } else {
            p[k++] = 0x40;
            p[k++] = (unsigned char)~(e >> 8);
            p[k++] = (unsigned char)~e;
            for (int i = 0; i < num.ndigits; i++) p[k++] = (unsigned char)('9' - num.digits[i]);
            p[k++] = 0xFF;
        }
    }
    *out = p;
    *n = k;
    return 0;
}

void ddb_key_free(struct store_key *k) {
    free((void *)k->p);
    k->p = NULL;
    k->n = 0;
}

static size_t value_bytes(const cJSON *av, enum ddb_type type) {
    const cJSON *v = av->child;
    if (type == DDB_T_B) {
        size_t n = 0;
        unsigned char *d = util_b64_decode(v->valuestring, strlen(v->valuestring), &n);
        free(d);
        return n;
    }
    return strlen(v->valuestring);
}

/* One key attribute of ITEM into K. */
static int one_key(const struct ddb_keydef *kd, const cJSON *item, int full_item, int is_hash,
                   struct store_key *k, struct ddb_err *err) {
    const cJSON *av = cJSON_GetObjectItemCaseSensitive(item, kd->name);
    if (av == NULL) {
        if (full_item)
            return ddb_err_set(err, DDB_ERR_VALIDATION,
                               "One or more parameter values were invalid: Missing the key %s in the item",
                               kd->name);
        return ddb_err_set(err, DDB_ERR_VALIDATION, "The provided key element does not match the schema");
    }
    enum ddb_type t = ddb_av_type(av);
    if (t != kd->type) {
        if (full_item)
            return ddb_err_set(err, DDB_ERR_VALIDATION,
                               "One or more parameter values were invalid: Type mismatch for key %s "
                               "expected: %s actual: %s",
                               kd->name, ddb_type_name(kd->type), t == DDB_T_INVALID ? "null" : ddb_type_name(t));
        return ddb_err_set(err, DDB_ERR_VALIDATION, "The provided key element does not match the schema");
    }
    size_t bytes = value_bytes(av, t);
    if (bytes == 0 && t != DDB_T_N)
        return ddb_err_set(err, DDB_ERR_VALIDATION,
                           "One or more parameter values are not valid. The AttributeValue for a key "
                           "attribute cannot contain an empty %s value. Key: %s",
                           t == DDB_T_S ? "string" : "binary", kd->name);
    if (is_hash && bytes > DDB_MAX_HASH_BYTES)
        return ddb_err_set(err, DDB_ERR_VALIDATION,
                           "One or more parameter values were invalid: Size of hashkey has exceeded "
                           "the maximum size limit of2048 bytes");
    if (!is_hash && bytes > DDB_MAX_RANGE_BYTES)
        return ddb_err_set(err, DDB_ERR_VALIDATION,
                           "One or more parameter values were invalid: Aggregated size of all range "
                           "keys has exceeded the size limit of 1024 bytes");
    unsigned char *p;
    size_t n;
    if (ddb_key_encode(av, t, &p, &n) != 0)
        return ddb_err_set(err, DDB_ERR_VALIDATION, "The provided key element does not match the schema");
    k->p = p;
    k->n = n;
    return 0;
}

int ddb_item_key(const struct ddb_table *t, const cJSON *item, int full_item, struct store_key *hk,
                 struct store_key *rk, struct ddb_err *err) {
    memset(hk, 0, sizeof(*hk));
    memset(rk, 0, sizeof(*rk));
    if (!full_item) {
        /* A Key map must name exactly the key attributes. */
        int want = t->range.type != DDB_T_INVALID ? 2 : 1;
        if (cJSON_GetArraySize(item) != want)
            return ddb_err_set(err, DDB_ERR_VALIDATION,
                               "The provided key element does not match the schema");
    }
    if (one_key(&t->hash, item, full_item, 1, hk, err) != 0) return -1;
    if (t->range.type == DDB_T_INVALID) {
        rk->p = xmalloc(1);
        rk->n = 0;
        return 0;
    }
    if (one_key(&t->range, item, full_item, 0, rk, err) != 0) {
        ddb_key_free(hk);
        return -1;
    }
    return 0;
}
