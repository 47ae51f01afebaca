/*
 * Unit tests for engine/ddb/ddb_av.h: AttributeValue shape and validation (with
 * AWS's messages), canonical number rewriting, equality and ordering the
 * DynamoDB way, base64, and the item-size measure behind the 400 KB limit.
 * JSON in the tables uses single quotes, turned into double quotes.
 */
#include "engine/ddb/ddb_av.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *js(const char *z) {
    char *d = strdup(z);
    for (char *p = d; *p; p++)
        if (*p == '\'')
            *p = '"';
    cJSON *j = cJSON_Parse(d);
    ck_assert_msg(j != NULL, "bad test JSON: %s", z);
    free(d);
    return j;
}

/* --- Types -------------------------------------------------------------- */

START_TEST(test_types) {
    static const struct {
        const char *av;
        enum ddb_type t;
        const char *name;
    } cases[] = {
        {"{'S':'x'}", DDB_T_S, "S"},       {"{'N':'1'}", DDB_T_N, "N"},
        {"{'B':'AQ=='}", DDB_T_B, "B"},    {"{'SS':['a']}", DDB_T_SS, "SS"},
        {"{'NS':['1']}", DDB_T_NS, "NS"},  {"{'BS':['AQ==']}", DDB_T_BS, "BS"},
        {"{'M':{}}", DDB_T_M, "M"},        {"{'L':[]}", DDB_T_L, "L"},
        {"{'NULL':true}", DDB_T_NULL, "NULL"}, {"{'BOOL':false}", DDB_T_BOOL, "BOOL"},
        {"{}", DDB_T_INVALID, ""},         {"{'X':1}", DDB_T_INVALID, ""},
        {"{'S':'a','N':'1'}", DDB_T_INVALID, ""}, {"[]", DDB_T_INVALID, ""},
        {"'S'", DDB_T_INVALID, ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cJSON *j = js(cases[i].av);
        ck_assert_int_eq(ddb_av_type(j), cases[i].t);
        ck_assert_str_eq(ddb_type_name(cases[i].t), cases[i].name);
        cJSON_Delete(j);
    }
    ck_assert_int_eq(ddb_av_type(NULL), DDB_T_INVALID);
}
END_TEST

/* --- Validation --------------------------------------------------------- */

struct val_case {
    const char *av;
    const char *err;       /* NULL: valid */
    const char *rewritten; /* canonical form after validation, if it changes */
};

#define EMPTY "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
#define INV "One or more parameter values were invalid: "

static const struct val_case val_cases[] = {
    {"{'S':'x'}", NULL, NULL},
    {"{'S':''}", NULL, NULL},
    {"{'N':'1'}", NULL, NULL},
    {"{'N':'1.50'}", NULL, "{'N':'1.5'}"},
    {"{'N':'+5'}", NULL, "{'N':'5'}"},
    {"{'N':'1e2'}", NULL, "{'N':'100'}"},
    {"{'N':'-0'}", NULL, "{'N':'0'}"},
    {"{'N':'007'}", NULL, "{'N':'7'}"},
    {"{'B':'aGVsbG8='}", NULL, NULL},
    {"{'B':''}", NULL, NULL},
    {"{'SS':['a','b']}", NULL, NULL},
    {"{'NS':['1','2.0']}", NULL, "{'NS':['1','2']}"},
    {"{'BS':['AQ==','Ag==']}", NULL, NULL},
    {"{'M':{}}", NULL, NULL},
    {"{'M':{'a':{'N':'01'},'b':{'L':[{'N':'2.50'}]}}}", NULL,
     "{'M':{'a':{'N':'1'},'b':{'L':[{'N':'2.5'}]}}}"},
    {"{'L':[]}", NULL, NULL},
    {"{'NULL':true}", NULL, NULL},
    {"{'BOOL':false}", NULL, NULL},
    {"{'BOOL':true}", NULL, NULL},
    {"{'S':'x','Unknown':1}", NULL, NULL},
    {"{}", EMPTY, NULL},
    {"{'X':'y'}", EMPTY, NULL},
    {"[]", EMPTY, NULL},
    {"{'S':'x','N':'1'}",
     "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the "
     "supported datatypes",
     NULL},
    {"{'N':'x'}", "The parameter cannot be converted to a numeric value: x", NULL},
    {"{'N':''}", "The parameter cannot be converted to a numeric value", NULL},
    {"{'N':' 1'}", "The parameter cannot be converted to a numeric value:  1", NULL},
    {"{'N':'42.0 '}", "The parameter cannot be converted to a numeric value: 42.0 ", NULL},
    {"{'N':'Infinity'}", "The parameter cannot be converted to a numeric value: Infinity", NULL},
    {"{'N':'nan'}", "The parameter cannot be converted to a numeric value: nan", NULL},
    {"{'N':'123456789012345678901234567890123456789'}",
     "Attempting to store more than 38 significant digits in a Number", NULL},
    {"{'N':'1e126'}",
     "Number overflow. Attempting to store a number with magnitude larger than supported range",
     NULL},
    {"{'N':'1e-131'}",
     "Number underflow. Attempting to store a number with magnitude smaller than supported range",
     NULL},
    {"{'N':1}", "A value provided cannot be converted into a number", NULL},
    {"{'SS':[]}", INV "An string set  may not be empty", NULL},
    {"{'NS':[]}", INV "An number set  may not be empty", NULL},
    {"{'BS':[]}", INV "An binary set  may not be empty", NULL},
    {"{'SS':['a','a']}", INV "Input collection [a, a] contains duplicates.", NULL},
    {"{'SS':['a','b','a']}", INV "Input collection [a, b, a] contains duplicates.", NULL},
    {"{'NS':['1','1.0']}", INV "Input collection [1, 1.0] contains duplicates.", NULL},
    {"{'BS':['AQ==','AQ==']}", INV "Input collection [AQ==, AQ==]of type BS contains duplicates.",
     NULL},
    {"{'NS':['1','x']}", "The parameter cannot be converted to a numeric value: x", NULL},
    {"{'NS':['1','']}", "The parameter cannot be converted to a numeric value", NULL},
    {"{'SS':['a','']}", INV "An string set may not have a empty string as a member", NULL},
    {"{'BS':['']}", INV "Binary sets may not contain null or empty values", NULL},
    {"{'NULL':false}", INV "Null attribute value types must have the value of true", NULL},
    {"{'M':{'a':{}}}", EMPTY, NULL},
    {"{'L':[{'S':'x'},{'N':'bad'}]}", "The parameter cannot be converted to a numeric value: bad", NULL},
    {"{'B':'abc'}", "'abc' can not be converted to a Blob: Invalid Base64 encoding", NULL},
    {"{'B':'a==='}", "'a===' can not be converted to a Blob: Invalid Base64 encoding", NULL},
    {"{'B':'ab!='}", "'ab!=' can not be converted to a Blob: Invalid Base64 encoding", NULL},
};

START_TEST(test_validate_table) {
    const struct val_case *c = &val_cases[_i];
    cJSON *j = js(c->av);
    char *err = NULL;
    int rc = ddb_av_check(j, &err);
    if (c->err) {
        ck_assert_msg(rc == -1, "%s valid", c->av);
        ck_assert_msg(strcmp(err, c->err) == 0, "%s:\n got %s\nwant %s", c->av, err, c->err);
        free(err);
    } else {
        ck_assert_msg(rc == 0, "%s: %s", c->av, err ? err : "?");
    }
    /* check never rewrites; validate rewrites numbers and agrees on errors. */
    char *before = cJSON_PrintUnformatted(j);
    rc = ddb_av_validate(j, &err);
    ck_assert_int_eq(rc, c->err ? -1 : 0);
    if (c->err)
        free(err);
    if (!c->err) {
        cJSON *want = js(c->rewritten ? c->rewritten : c->av);
        char *got = cJSON_PrintUnformatted(j), *w = cJSON_PrintUnformatted(want);
        ck_assert_str_eq(got, w);
        free(got);
        free(w);
        cJSON_Delete(want);
    }
    free(before);
    cJSON_Delete(j);
}
END_TEST

/* Documents may nest 32 levels; the 33rd is refused with AWS's text. */
START_TEST(test_validate_depth) {
    char buf[1024] = "";
    for (int i = 0; i < 32; i++)
        strcat(buf, "{'L':[");
    strcat(buf, "{'S':'x'}");
    for (int i = 0; i < 32; i++)
        strcat(buf, "]}");
    cJSON *j = js(buf);
    char *err = NULL;
    ck_assert_int_eq(ddb_av_validate(j, &err), 0);
    cJSON_Delete(j);
    char deeper[1100] = "{'M':{'a':";
    strcat(deeper, buf);
    strcat(deeper, "}}");
    j = js(deeper);
    ck_assert_int_eq(ddb_av_validate(j, &err), -1);
    ck_assert_str_eq(err, "Nesting Levels have exceeded supported limits");
    free(err);
    /* A NULL ERR discards the message. */
    ck_assert_int_eq(ddb_av_validate(j, NULL), -1);
    cJSON_Delete(j);
}
END_TEST

/* A large set with a duplicate at the end is still found. */
START_TEST(test_validate_big_set) {
    cJSON *av = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(av, "NS");
    char num[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(num, sizeof(num), "%d.5", i);
        cJSON_AddItemToArray(arr, cJSON_CreateString(num));
    }
    char *err = NULL;
    ck_assert_int_eq(ddb_av_check(av, &err), 0);
    cJSON_AddItemToArray(arr, cJSON_CreateString("19999.50"));
    ck_assert_int_eq(ddb_av_check(av, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "contains duplicates."));
    free(err);
    cJSON_Delete(av);
}
END_TEST

/* --- Equality and order ------------------------------------------------- */

struct eq_case {
    const char *a, *b;
    int equal;
    int cmp; /* 2: not comparable */
};

static const struct eq_case eq_cases[] = {
    {"{'S':'a'}", "{'S':'a'}", 1, 0},
    {"{'S':'a'}", "{'S':'b'}", 0, -1},
    {"{'S':'b'}", "{'S':'a'}", 0, 1},
    {"{'S':'a'}", "{'S':'ab'}", 0, -1},
    {"{'S':'Z'}", "{'S':'a'}", 0, -1},
    {"{'S':'\\u00e9'}", "{'S':'z'}", 0, 1},
    {"{'S':''}", "{'S':'a'}", 0, -1},
    {"{'N':'1'}", "{'N':'1.0'}", 1, 0},
    {"{'N':'10'}", "{'N':'9'}", 0, 1},
    {"{'N':'-10'}", "{'N':'9'}", 0, -1},
    {"{'N':'-0.001'}", "{'N':'-0.01'}", 0, 1},
    {"{'N':'1e2'}", "{'N':'100'}", 1, 0},
    {"{'N':'12345678901234567890123456789012345678'}",
     "{'N':'12345678901234567890123456789012345679'}", 0, -1},
    {"{'B':'AQ=='}", "{'B':'AQ=='}", 1, 0},
    {"{'B':'AQ=='}", "{'B':'Ag=='}", 0, -1},
    {"{'B':'/w=='}", "{'B':'AQ=='}", 0, 1},
    {"{'B':'AQ=='}", "{'B':'AQI='}", 0, -1},
    {"{'S':'1'}", "{'N':'1'}", 0, 2},
    {"{'N':'1'}", "{'NS':['1']}", 0, 2},
    {"{'SS':['a','b']}", "{'SS':['b','a']}", 1, 2},
    {"{'SS':['a','b']}", "{'SS':['a']}", 0, 2},
    {"{'SS':['a','b']}", "{'SS':['a','c']}", 0, 2},
    {"{'NS':['1','2']}", "{'NS':['2.0','1']}", 1, 2},
    {"{'BS':['AQ==']}", "{'BS':['AQ==']}", 1, 2},
    {"{'L':[{'S':'a'},{'N':'1'}]}", "{'L':[{'S':'a'},{'N':'1.0'}]}", 1, 2},
    {"{'L':[{'S':'a'},{'N':'1'}]}", "{'L':[{'N':'1'},{'S':'a'}]}", 0, 2},
    {"{'L':[]}", "{'L':[{'S':'a'}]}", 0, 2},
    {"{'M':{'a':{'S':'x'},'b':{'N':'1'}}}", "{'M':{'b':{'N':'1'},'a':{'S':'x'}}}", 1, 2},
    {"{'M':{'a':{'S':'x'}}}", "{'M':{'a':{'S':'y'}}}", 0, 2},
    {"{'M':{'a':{'S':'x'}}}", "{'M':{'b':{'S':'x'}}}", 0, 2},
    {"{'M':{}}", "{'M':{'a':{'S':'x'}}}", 0, 2},
    {"{'NULL':true}", "{'NULL':true}", 1, 2},
    {"{'BOOL':true}", "{'BOOL':true}", 1, 2},
    {"{'BOOL':true}", "{'BOOL':false}", 0, 2},
    {"{}", "{}", 0, 2},
};

START_TEST(test_equal_compare_table) {
    const struct eq_case *c = &eq_cases[_i];
    cJSON *a = js(c->a), *b = js(c->b);
    ck_assert_msg(ddb_av_equal(a, b) == c->equal, "%s == %s", c->a, c->b);
    ck_assert_msg(ddb_av_equal(b, a) == c->equal, "%s == %s", c->b, c->a);
    int cmp = 99;
    int rc = ddb_av_compare(a, b, &cmp);
    if (c->cmp == 2) {
        ck_assert_msg(rc == -1, "%s ? %s comparable", c->a, c->b);
    } else {
        ck_assert_msg(rc == 0 && cmp == c->cmp, "%s ? %s gave %d/%d", c->a, c->b, rc, cmp);
        ck_assert_int_eq(ddb_av_compare(b, a, &cmp), 0);
        ck_assert_int_eq(cmp, -c->cmp);
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
}
END_TEST

/* --- Sizes -------------------------------------------------------------- */

struct size_case {
    const char *av;
    size_t size;
};

static const struct size_case size_cases[] = {
    {"{'S':'hello'}", 5},
    {"{'S':''}", 0},
    {"{'S':'\\u00e9'}", 2},
    {"{'N':'1'}", 2},
    {"{'N':'12'}", 2},
    {"{'N':'123'}", 3},
    {"{'N':'1000000'}", 2},
    {"{'N':'0.001'}", 2},
    {"{'N':'12345678901234567890123456789012345678'}", 20},
    {"{'B':'aGVsbG8='}", 5},
    {"{'B':''}", 0},
    {"{'SS':['ab','c']}", 3},
    {"{'NS':['1','123']}", 5},
    {"{'BS':['AQ==','AQI=']}", 3},
    {"{'NULL':true}", 1},
    {"{'BOOL':false}", 1},
    {"{'L':[]}", 3},
    {"{'M':{}}", 3},
    {"{'L':[{'S':'aa'},{'S':'aa'}]}", 9},
    {"{'M':{'a':{'S':'b'}}}", 6},
    {"{'L':[{'M':{'a':{'S':'b'}}}]}", 10},
};

START_TEST(test_size_table) {
    cJSON *j = js(size_cases[_i].av);
    ck_assert_msg(ddb_av_size(j) == size_cases[_i].size, "%s: %zu", size_cases[_i].av,
                  ddb_av_size(j));
    cJSON_Delete(j);
}
END_TEST

/* Values measured against DynamoDB (ExtendDB test_list_map_item_size.py):
 * a 500-element list of "aa" plus its key fits in 2 KB (2 WCU), 800 map
 * entries in 5 KB. */
START_TEST(test_item_size) {
    cJSON *item = js("{'pk':{'S':'l500'}}");
    cJSON *l = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(l, "L");
    for (int i = 0; i < 500; i++)
        cJSON_AddItemToArray(arr, js("{'S':'aa'}"));
    cJSON_AddItemToObject(item, "data", l);
    size_t n = ddb_item_size(item);
    ck_assert_uint_eq(n, 2 + 4 + 4 + 3 + 500 * 3);
    ck_assert_uint_eq((n + 1023) / 1024, 2);
    cJSON_Delete(item);

    item = js("{'pk':{'S':'m800'}}");
    cJSON *m = cJSON_CreateObject();
    cJSON *obj = cJSON_AddObjectToObject(m, "M");
    char key[16];
    for (int i = 0; i < 800; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        cJSON_AddItemToObject(obj, key, js("{'S':'v'}"));
    }
    cJSON_AddItemToObject(item, "data", m);
    n = ddb_item_size(item);
    ck_assert_uint_eq((n + 1023) / 1024, 5);
    cJSON_Delete(item);

    item = js("{'a':{'S':'xyz'},'bb':{'N':'1'}}");
    ck_assert_uint_eq(ddb_item_size(item), 1 + 3 + 2 + 2);
    cJSON_Delete(item);
    item = cJSON_CreateObject();
    ck_assert_uint_eq(ddb_item_size(item), 0);
    cJSON_Delete(item);
    /* An array has unnamed members (the fuzzer found this): no crash,
     * names count as empty. */
    item = js("[{'S':'ab'},{'M':{}}]");
    ck_assert_uint_eq(ddb_item_size(item), 2 + 3);
    cJSON_Delete(item);
}
END_TEST

/* --- Base64 ------------------------------------------------------------- */

START_TEST(test_b64) {
    static const struct {
        const char *in;
        const char *out; /* NULL: invalid */
        size_t n;
    } cases[] = {
        {"", "", 0},          {"aGVsbG8=", "hello", 5}, {"aGVsbA==", "hell", 4},
        {"aGVs", "hel", 3},   {"AA==", "\0", 1},        {"abc", NULL, 0},
        {"a===", NULL, 0},    {"=aaa", NULL, 0},        {"aa=a", NULL, 0},
        {"ab!=", NULL, 0},    {"aGVs\n", NULL, 0},      {"aGVsbG8=aGVs", NULL, 0},
        {"+/+/", "\xfb\xff\xbf", 3},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = 99;
        unsigned char *d = ddb_b64_decode(cases[i].in, &n);
        if (!cases[i].out) {
            ck_assert_msg(d == NULL, "'%s' decoded", cases[i].in);
            continue;
        }
        ck_assert_msg(d != NULL, "'%s' refused", cases[i].in);
        ck_assert_uint_eq(n, cases[i].n);
        ck_assert_int_eq(memcmp(d, cases[i].out, n), 0);
        free(d);
    }
    size_t n;
    ck_assert_ptr_null(ddb_b64_decode(NULL, &n));
}
END_TEST

static Suite *av_suite(void) {
    Suite *s = suite_create("ddb_av");
    TCase *t = tcase_create("types");
    tcase_add_test(t, test_types);
    suite_add_tcase(s, t);
    t = tcase_create("validate");
    tcase_add_loop_test(t, test_validate_table, 0, (int)(sizeof(val_cases) / sizeof(val_cases[0])));
    tcase_add_test(t, test_validate_depth);
    tcase_add_test(t, test_validate_big_set);
    suite_add_tcase(s, t);
    t = tcase_create("equal_compare");
    tcase_add_loop_test(t, test_equal_compare_table, 0,
                        (int)(sizeof(eq_cases) / sizeof(eq_cases[0])));
    suite_add_tcase(s, t);
    t = tcase_create("size");
    tcase_add_loop_test(t, test_size_table, 0, (int)(sizeof(size_cases) / sizeof(size_cases[0])));
    tcase_add_test(t, test_item_size);
    suite_add_tcase(s, t);
    t = tcase_create("base64");
    tcase_add_test(t, test_b64);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(av_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
