/*
 * libFuzzer target for the DynamoDB expression language (engine/ddb/ddb_expr.c,
 * engine/ddb/ddb_av.c). The input is split on NUL bytes into an expression,
 * ExpressionAttributeNames JSON and ExpressionAttributeValues JSON; the
 * expression is parsed as every kind and each parse that succeeds is
 * evaluated, applied and projected against a fixed item. It must never
 * crash, leak or hang. Built only with clang (tests/fuzz/meson.build).
 *
 * The first byte picks how the expression bytes are read: raw, or with
 * each byte >= 0x80 standing for a grammar word (" AND ", "size(", ":v"),
 * so that short random inputs reach deep into the grammar without a seed
 * corpus.
 */
#include "engine/ddb/ddb_av.h"
#include "engine/ddb/ddb_expr.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const words[] = {
    " AND ", " OR ", "NOT ", " BETWEEN ", " IN ", "(", ")", "[", "]", ",", ".", " = ", " <> ",
    " < ", " <= ", " > ", " >= ", " + ", " - ", "SET ", "REMOVE ", "ADD ", "DELETE ",
    "attribute_exists(", "attribute_not_exists(", "attribute_type(", "begins_with(",
    "contains(", "size(", "if_not_exists(", "list_append(", ":v", ":n", ":s", ":l", ":m",
    ":ss", ":ns", ":b", ":t", "#n", "#m", "a", "b", "n", "l", "m", "s", "ss", "ns", "pk", "sk",
    "0", "1", "7", "status", "m.x", "l[0]", "l[5]", "m.l[1].z", "#m.#n", " ",
};

/* Names and values used when the input brings none (or bad JSON). */
static const char default_names[] = "{\"#n\":\"n\",\"#m\":\"m\"}";
static const char default_values[] =
    "{\":v\":{\"S\":\"x\"},\":n\":{\"N\":\"5\"},\":s\":{\"S\":\"hello\"},"
    "\":l\":{\"L\":[{\"N\":\"1\"}]},\":m\":{\"M\":{\"x\":{\"S\":\"y\"}}},"
    "\":ss\":{\"SS\":[\"a\",\"b\"]},\":ns\":{\"NS\":[\"1\",\"2.5\"]},"
    "\":b\":{\"B\":\"AQ==\"},\":t\":{\"S\":\"S\"}}";

static const char item_json[] =
    "{\"pk\":{\"S\":\"p\"},\"sk\":{\"N\":\"1\"},\"a\":{\"S\":\"hello\"},\"n\":{\"N\":\"5\"},"
    "\"s\":{\"S\":\"x\"},\"ss\":{\"SS\":[\"a\",\"b\"]},\"ns\":{\"NS\":[\"1\",\"2\"]},"
    "\"b\":{\"B\":\"AQI=\"},\"l\":{\"L\":[{\"N\":\"1\"},{\"S\":\"q\"},{\"M\":{\"z\":{\"N\":\"2\"}}}]},"
    "\"m\":{\"M\":{\"x\":{\"S\":\"y\"},\"l\":{\"L\":[{\"N\":\"0\"},{\"M\":{\"z\":{\"L\":[]}}}]}}},"
    "\"status\":{\"BOOL\":true},\"nu\":{\"NULL\":true}}";

/* Copies N bytes of P into a NUL-terminated string, expanding word bytes
 * when WORDY is set. */
static char *take(const uint8_t *p, size_t n, int wordy) {
    size_t cap = n * 24 + 1;
    char *z = malloc(cap);
    size_t o = 0;
    if (!z)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (wordy && p[i] >= 0x80) {
            const char *w = words[(p[i] - 0x80) % (sizeof(words) / sizeof(words[0]))];
            size_t wl = strlen(w);
            memcpy(z + o, w, wl);
            o += wl;
        } else {
            z[o++] = (char)p[i];
        }
    }
    z[o] = '\0';
    return z;
}

static void exercise(struct ddb_expr *e, const cJSON *item) {
    char *err = NULL;
    int r = ddb_expr_eval(e, item, &err);
    if (r < 0)
        free(err);
    ddb_expr_eval(e, NULL, NULL);

    cJSON *copy = cJSON_Duplicate(item, 1);
    err = NULL;
    if (ddb_expr_update(e, copy, &err) < 0)
        free(err);
    cJSON_Delete(copy);
    copy = cJSON_CreateObject();
    cJSON_AddItemToObject(copy, "pk", cJSON_CreateString("unused"));
    err = NULL;
    if (ddb_expr_update_new(e, copy, &err) < 0)
        free(err);
    cJSON_Delete(copy);

    ddb_expr_update_touches(e, "pk");
    cJSON_Delete(ddb_expr_update_project(e, item));
    cJSON_Delete(ddb_expr_project(e, item));

    struct ddb_key_cond kc;
    err = NULL;
    if (ddb_expr_key_condition(e, "pk", "sk", &kc, &err) < 0)
        free(err);
    err = NULL;
    if (ddb_expr_key_condition(e, "pk", NULL, &kc, &err) < 0)
        free(err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0)
        return 0;
    int wordy = data[0] & 1;
    data++;
    size--;
    /* Split on NULs: expression, names, values. */
    const uint8_t *part[3] = {data, NULL, NULL};
    size_t len[3] = {size, 0, 0};
    for (int k = 0; k < 2; k++) {
        const uint8_t *nul = memchr(part[k], 0, len[k]);
        if (!nul)
            break;
        part[k + 1] = nul + 1;
        len[k + 1] = len[k] - (size_t)(nul + 1 - part[k]);
        len[k] = (size_t)(nul - part[k]);
    }
    char *expr = take(part[0], len[0], wordy);
    cJSON *names = part[1] ? cJSON_ParseWithLength((const char *)part[1], len[1]) : NULL;
    cJSON *values = part[2] ? cJSON_ParseWithLength((const char *)part[2], len[2]) : NULL;
    if (!part[1])
        names = cJSON_Parse(default_names);
    if (!part[2])
        values = cJSON_Parse(default_values);
    cJSON *item = cJSON_Parse(item_json);

    struct ddb_expr_attrs a;
    ddb_expr_attrs_init(&a, names, values);
    for (int kind = DDB_EXPR_CONDITION; kind <= DDB_EXPR_PROJECTION; kind++) {
        char *err = NULL;
        struct ddb_expr *e = ddb_expr_parse((enum ddb_expr_kind)kind, expr, &a, &err);
        if (!e) {
            free(err);
            continue;
        }
        exercise(e, item);
        ddb_expr_free(e);
    }
    char *err = NULL;
    if (ddb_expr_attrs_check(&a, &err) < 0)
        free(err);
    ddb_expr_attrs_free(&a);

    /* The values themselves, validated in place. */
    for (cJSON *v = values ? values->child : NULL; v; v = v->next) {
        err = NULL;
        if (ddb_av_validate(v, &err) < 0)
            free(err);
        ddb_av_size(v);
    }
    if (values)
        ddb_item_size(values);

    cJSON_Delete(item);
    cJSON_Delete(names);
    cJSON_Delete(values);
    free(expr);
    return 0;
}
