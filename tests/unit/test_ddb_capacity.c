/*
 * Unit tests for engine/ddb/ddb_capacity.h: the read and write unit arithmetic of
 * the DynamoDB Developer Guide ("DynamoDB read and write operations", the
 * index pages' "Provisioned throughput considerations"), index entry sizes,
 * ReturnConsumedCapacity parsing and the ConsumedCapacity objects.
 */
#include "engine/ddb/ddb_capacity.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- reads: 4 KB units, at least one, eventually consistent halves ---- */

START_TEST(read_units) {
    static const struct {
        size_t bytes;
        int consistent;
        double want;
    } cases[] = {
        {0, 1, 1.0},       /* a missing item still costs a unit */
        {0, 0, 0.5},
        {1, 1, 1.0},
        {3500, 0, 0.5},    /* the guide's 3,500-byte item */
        {4096, 1, 1.0},
        {4097, 1, 2.0},
        {8192, 0, 1.0},    /* an 8 KB item: 2 strong, 1 eventual */
        {8192, 1, 2.0},
        {10 * 1024, 1, 3.0},  /* 10 KB rounds up to 12 KB */
        {400 * 1024, 1, 100.0},
        {400 * 1024, 0, 50.0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = ddb_cap_read(cases[i].bytes, cases[i].consistent);
        ck_assert_msg(got == cases[i].want, "read(%zu, %d) = %g, want %g", cases[i].bytes,
                      cases[i].consistent, got, cases[i].want);
    }
}
END_TEST

/* ---- writes: 1 KB units, at least one, the larger of old and new ---- */

START_TEST(write_units) {
    static const struct {
        size_t old_bytes, new_bytes;
        double want;
    } cases[] = {
        {0, 0, 1.0},         /* deleting a missing item costs one unit */
        {0, 1, 1.0},
        {0, 1024, 1.0},
        {0, 1025, 2.0},
        {1503, 0, 2.0},      /* a delete is charged the deleted item's size */
        {3000, 500, 3.0},    /* an update shrinking an item: the old size */
        {500, 3000, 3.0},
        {0, 400 * 1024, 400.0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = ddb_cap_item_write(cases[i].old_bytes, cases[i].new_bytes);
        ck_assert_msg(got == cases[i].want, "write(%zu -> %zu) = %g, want %g", cases[i].old_bytes,
                      cases[i].new_bytes, got, cases[i].want);
    }
}
END_TEST

/* ---- index writes ---- */

START_TEST(index_write_units) {
    static const struct {
        struct ddb_cap_entry before, after;
        int key_changed, entry_changed;
        double want;
    } cases[] = {
        {{0, 0}, {0, 0}, 0, 0, 0.0},          /* never in the index */
        {{0, 0}, {1, 100}, 0, 0, 1.0},        /* put into the index */
        {{0, 0}, {1, 2048}, 0, 0, 2.0},       /* a 2 KB entry */
        {{1, 100}, {0, 0}, 0, 0, 1.0},        /* removed from the index */
        {{1, 100}, {1, 100}, 1, 1, 2.0},      /* key A -> B: delete + put */
        {{1, 1500}, {1, 100}, 1, 1, 3.0},
        {{1, 100}, {1, 120}, 0, 1, 1.0},      /* projected attribute changed */
        {{1, 100}, {1, 100}, 0, 0, 0.0},      /* entry unchanged */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double got = ddb_cap_index_write(&cases[i].before, &cases[i].after, cases[i].key_changed,
                                         cases[i].entry_changed);
        ck_assert_msg(got == cases[i].want, "case %zu: index write = %g, want %g", i, got, cases[i].want);
    }
}
END_TEST

/* A table pk (S) with a KEYS_ONLY GSI on g and an ALL LSI on l. */
static void make_table(struct ddb_table *t, cJSON *proj_keys, cJSON *proj_all) {
    memset(t, 0, sizeof(*t));
    snprintf(t->name, sizeof(t->name), "t");
    snprintf(t->hash.name, sizeof(t->hash.name), "pk");
    t->hash.type = DDB_T_S;
    t->range.type = DDB_T_INVALID;
    t->nidx = 2;
    snprintf(t->idx[0].name, sizeof(t->idx[0].name), "gsi");
    t->idx[0].global = 1;
    snprintf(t->idx[0].hash.name, sizeof(t->idx[0].hash.name), "g");
    t->idx[0].hash.type = DDB_T_S;
    t->idx[0].range.type = DDB_T_INVALID;
    t->idx[0].projection = proj_keys;
    snprintf(t->idx[1].name, sizeof(t->idx[1].name), "lsi");
    snprintf(t->idx[1].hash.name, sizeof(t->idx[1].hash.name), "pk");
    t->idx[1].hash.type = DDB_T_S;
    snprintf(t->idx[1].range.name, sizeof(t->idx[1].range.name), "l");
    t->idx[1].range.type = DDB_T_S;
    t->idx[1].projection = proj_all;
}

START_TEST(index_entries_and_writes) {
    cJSON *pk = cJSON_Parse("{\"ProjectionType\":\"KEYS_ONLY\"}");
    cJSON *pa = cJSON_Parse("{\"ProjectionType\":\"ALL\"}");
    struct ddb_table t;
    make_table(&t, pk, pa);
    cJSON *a = cJSON_Parse("{\"pk\":{\"S\":\"k\"},\"g\":{\"S\":\"gg\"},\"x\":{\"S\":\"xxxx\"}}");
    cJSON *b = cJSON_Parse("{\"pk\":{\"S\":\"k\"},\"g\":{\"S\":\"gg\"},\"x\":{\"S\":\"yyyy\"}}");
    cJSON *c = cJSON_Parse("{\"pk\":{\"S\":\"k\"},\"g\":{\"S\":\"hh\"},\"l\":{\"S\":\"1\"}}");
    /* KEYS_ONLY: pk (2+1) + g (1+2) = 6 bytes; the LSI needs l. */
    struct ddb_cap_entry e = ddb_cap_index_entry(&t, &t.idx[0], a);
    ck_assert_int_eq(e.present, 1);
    ck_assert_uint_eq(e.bytes, 6);
    e = ddb_cap_index_entry(&t, &t.idx[1], a);
    ck_assert_int_eq(e.present, 0);
    e = ddb_cap_index_entry(&t, &t.idx[1], c);
    ck_assert_int_eq(e.present, 1);
    ck_assert_uint_eq(e.bytes, ddb_item_size(c));

    struct ddb_cap cap;
    /* A new item in the GSI only: table 1 + GSI 1. */
    ddb_cap_init(&cap, "t");
    ddb_cap_add_write(&cap, &t, NULL, a, 1);
    ck_assert(cap.table_units == 1.0);
    ck_assert_int_eq(cap.nidx, 1);
    ck_assert(cap.idx[0].units == 1.0 && cap.idx[0].global == 1);
    /* x is not projected into the KEYS_ONLY GSI: no index write. */
    ddb_cap_init(&cap, "t");
    ddb_cap_add_write(&cap, &t, a, b, 1);
    ck_assert(cap.table_units == 1.0);
    ck_assert_int_eq(cap.nidx, 0);
    /* g changes (GSI delete + put) and the item enters the LSI; doubled
     * as in a transaction. */
    ddb_cap_init(&cap, "t");
    ddb_cap_add_write(&cap, &t, a, c, 2);
    ck_assert(cap.table_units == 2.0);
    ck_assert_int_eq(cap.nidx, 2);
    ck_assert(cap.idx[0].units == 4.0);
    ck_assert(cap.idx[1].units == 2.0);
    cJSON *j = ddb_cap_json(&cap, DDB_RCC_INDEXES, NULL);
    char *text = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(text, "{\"TableName\":\"t\",\"CapacityUnits\":8,\"Table\":{\"CapacityUnits\":2},"
                           "\"LocalSecondaryIndexes\":{\"lsi\":{\"CapacityUnits\":2}},"
                           "\"GlobalSecondaryIndexes\":{\"gsi\":{\"CapacityUnits\":4}}}");
    free(text);
    cJSON_Delete(j);
    j = ddb_cap_json(&cap, DDB_RCC_TOTAL, "WriteCapacityUnits");
    text = cJSON_PrintUnformatted(j);
    ck_assert_str_eq(text, "{\"TableName\":\"t\",\"CapacityUnits\":8,\"WriteCapacityUnits\":8}");
    free(text);
    cJSON_Delete(j);
    /* A batch that asked for no capacity counts nothing; one that asked
     * counts what ddb_cap_add_write does, and a condition check (the
     * item left as it was) costs its table write only. */
    struct ddb_caps none = {.mode = DDB_RCC_NONE}, some = {.mode = DDB_RCC_INDEXES};
    ddb_caps_add_write(&none, "t", &t, a, c, 2);
    ddb_caps_add_read(&none, "t", a, 1, 2);
    ck_assert_int_eq(none.n, 0);
    ddb_caps_add_write(&some, "t", &t, a, c, 2);
    ck_assert_int_eq(some.n, 1);
    ck_assert(some.a[0].table_units == 2.0 && some.a[0].nidx == 2);
    ddb_caps_add_write(&some, "u", &t, c, c, 2);
    ck_assert(some.a[1].table_units == 2.0 && some.a[1].nidx == 0);
    ddb_caps_add_read(&some, "u", NULL, 1, 2);
    ck_assert(some.a[1].table_units == 4.0);
    ddb_caps_free(&none);
    ddb_caps_free(&some);
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    cJSON_Delete(pk);
    cJSON_Delete(pa);
}
END_TEST

START_TEST(rcc_values) {
    static const struct {
        const char *v;
        int rc;
        enum ddb_rcc want;
    } cases[] = {
        {NULL, 0, DDB_RCC_NONE}, {"NONE", 0, DDB_RCC_NONE}, {"TOTAL", 0, DDB_RCC_TOTAL},
        {"INDEXES", 0, DDB_RCC_INDEXES}, {"total", -1, DDB_RCC_NONE}, {"", -1, DDB_RCC_NONE},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum ddb_rcc got;
        int rc = ddb_rcc_parse(cases[i].v, &got);
        ck_assert_msg(rc == cases[i].rc, "parse(%s) = %d", cases[i].v ? cases[i].v : "NULL", rc);
        if (rc == 0) ck_assert_int_eq(got, cases[i].want);
    }
}
END_TEST

START_TEST(caps_list_keeps_table_order) {
    struct ddb_caps cs = {.mode = DDB_RCC_TOTAL};
    ddb_caps_get(&cs, "b")->table_units += 1;
    ddb_caps_get(&cs, "a")->table_units += 0.5;
    ddb_caps_get(&cs, "b")->table_units += 1;
    for (int i = 0; i < 10; i++) ddb_caps_get(&cs, i % 2 ? "c" : "d")->table_units += 1;
    cJSON *o = cJSON_CreateObject();
    ddb_caps_reply(o, &cs, NULL);
    char *text = cJSON_PrintUnformatted(o);
    ck_assert_str_eq(text, "{\"ConsumedCapacity\":[{\"TableName\":\"b\",\"CapacityUnits\":2},"
                           "{\"TableName\":\"a\",\"CapacityUnits\":0.5},"
                           "{\"TableName\":\"d\",\"CapacityUnits\":5},"
                           "{\"TableName\":\"c\",\"CapacityUnits\":5}]}");
    ck_assert_int_eq(cs.n, 0);
    free(text);
    cJSON_Delete(o);
}
END_TEST

static Suite *capacity_suite(void) {
    Suite *s = suite_create("ddb_capacity");
    TCase *tc = tcase_create("units");
    tcase_add_test(tc, read_units);
    tcase_add_test(tc, write_units);
    tcase_add_test(tc, index_write_units);
    suite_add_tcase(s, tc);
    tc = tcase_create("indexes");
    tcase_add_test(tc, index_entries_and_writes);
    suite_add_tcase(s, tc);
    tc = tcase_create("reply");
    tcase_add_test(tc, rcc_values);
    tcase_add_test(tc, caps_list_keeps_table_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(capacity_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed < 77 ? failed : 76;
}
