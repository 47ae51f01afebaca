/*
 * Unit tests for SSM Parameter Store: the pure rules of api/ssm_int.h as
 * tables (names, references, paths, labels, AllowedPattern, tiers,
 * tokens, the opaque SecureString value), and a few operations through
 * the in-process driver (tests/unit/driver.h): versions, selectors,
 * GetParametersByPath paging and the lookup CloudFormation will use
 * (store_ssm_lookup).
 */
#include "api/aws_error.h"
#include "api/request.h"
#include "api/ssm_int.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_ssm.h"
#include "tests/unit/driver.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- names ---- */

struct name_case {
    const char *name;
    int write;
    enum ssm_name_rc want;
};

static const struct name_case names[] = {
    {"plain", 1, SSM_NAME_OK},
    {"a.b-c_d", 1, SSM_NAME_OK},
    {"/a/b/c", 1, SSM_NAME_OK},
    {"/cdk-bootstrap/hnb659fds/version", 1, SSM_NAME_OK},
    {"", 1, SSM_NAME_BAD},
    {"/", 1, SSM_NAME_BAD},
    {"a/b", 1, SSM_NAME_BAD},          /* a '/' needs the leading one */
    {"/a//b", 1, SSM_NAME_BAD},
    {"/a/b/", 1, SSM_NAME_BAD},
    {"has space", 1, SSM_NAME_BAD},
    {"at@sign", 1, SSM_NAME_BAD},
    {"colon:x", 1, SSM_NAME_BAD},
    {"ssm-thing", 0, SSM_NAME_BAD},
    {"/SSM/thing", 1, SSM_NAME_BAD},
    {"aws-thing", 1, SSM_NAME_RESERVED},
    {"/AWS/service/x", 1, SSM_NAME_RESERVED},
    {"/aws/service/x", 0, SSM_NAME_OK},  /* reads: AWS's public parameters */
    {"awesome", 1, SSM_NAME_OK},
    {"/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15", 1, SSM_NAME_OK},
    {"/1/2/3/4/5/6/7/8/9/10/11/12/13/14/15/16", 1, SSM_NAME_DEEP},
};

START_TEST(name_rules) {
    const struct name_case *c = &names[_i];
    ck_assert_msg(ssm_name_check(c->name, c->write) == c->want, "%s (write %d): got %d want %d", c->name,
                  c->write, ssm_name_check(c->name, c->write), c->want);
}
END_TEST

START_TEST(name_length) {
    char name[SSM_NAME_MAX + 2];
    memset(name, 'a', SSM_NAME_MAX);
    name[SSM_NAME_MAX] = '\0';
    ck_assert_int_eq(ssm_name_check(name, 1), SSM_NAME_OK);
    name[SSM_NAME_MAX] = 'a';
    name[SSM_NAME_MAX + 1] = '\0';
    ck_assert_int_eq(ssm_name_check(name, 1), SSM_NAME_LONG);
}
END_TEST

/* ---- references ---- */

struct ref_case {
    const char *text;
    int rc;
    const char *name;
    long long version;
    const char *label, *selector, *account, *region;
};

static const struct ref_case refs[] = {
    {"plain", 0, "plain", 0, "", "", "", ""},
    {"/a/b", 0, "/a/b", 0, "", "", "", ""},
    {"/a/b:3", 0, "/a/b", 3, "", ":3", "", ""},
    {"/a/b:prod", 0, "/a/b", 0, "prod", ":prod", "", ""},
    {"plain:12", 0, "plain", 12, "", ":12", "", ""},
    {"arn:aws:ssm:eu-west-1:123456789012:parameter/a/b", 0, "/a/b", 0, "", "", "123456789012", "eu-west-1"},
    {"arn:aws:ssm:eu-west-1:123456789012:parameter/plain:2", 0, "plain", 2, "", ":2", "123456789012",
     "eu-west-1"},
    {"arn:aws:ssm:us-east-1:123456789012:parameter/a/b:live", 0, "/a/b", 0, "live", ":live", "123456789012",
     "us-east-1"},
    {"/a/b:", -1, NULL, 0, NULL, NULL, NULL, NULL},
    {":3", -1, NULL, 0, NULL, NULL, NULL, NULL},
    {"/a/b:1:2", -1, NULL, 0, NULL, NULL, NULL, NULL},
    {"/a/b:0", -1, NULL, 0, NULL, NULL, NULL, NULL},
    {"arn:aws:s3:::bucket", -1, NULL, 0, NULL, NULL, NULL, NULL},
    {"arn:aws:ssm:us-east-1:123:parameter/x", -1, NULL, 0, NULL, NULL, NULL, NULL},
    {"arn:aws:ssm:us-east-1:123456789012:document/x", -1, NULL, 0, NULL, NULL, NULL, NULL},
};

START_TEST(ref_parse) {
    const struct ref_case *c = &refs[_i];
    struct ssm_ref r;
    ck_assert_msg(ssm_ref_parse(c->text, &r) == c->rc, "%s", c->text);
    if (c->rc != 0) return;
    ck_assert_str_eq(r.name, c->name);
    ck_assert_int_eq(r.version, c->version);
    ck_assert_str_eq(r.label, c->label);
    ck_assert_str_eq(r.selector, c->selector);
    ck_assert_str_eq(r.account, c->account);
    ck_assert_str_eq(r.region, c->region);
}
END_TEST

START_TEST(arns) {
    char arn[256];
    ssm_arn("us-east-1", "123456789012", "/a/b", arn, sizeof(arn));
    ck_assert_str_eq(arn, "arn:aws:ssm:us-east-1:123456789012:parameter/a/b");
    ssm_arn("us-east-1", "123456789012", "plain", arn, sizeof(arn));
    ck_assert_str_eq(arn, "arn:aws:ssm:us-east-1:123456789012:parameter/plain");
}
END_TEST

/* ---- paths ---- */

struct path_case {
    const char *path, *name;
    int recursive, holds;
};

static const struct path_case paths[] = {
    {"/", "/a", 0, 1},
    {"/", "/a/b", 0, 0},
    {"/", "/a/b", 1, 1},
    {"/", "plain", 1, 0},
    {"/a", "/a/b", 0, 1},
    {"/a/", "/a/b", 0, 1},
    {"/a", "/a/b/c", 0, 0},
    {"/a", "/a/b/c", 1, 1},
    {"/a", "/a", 1, 0},
    {"/a", "/ab/c", 1, 0},
    {"/a/b", "/a/b/c", 0, 1},
};

START_TEST(path_holds) {
    const struct path_case *c = &paths[_i];
    ck_assert_msg(ssm_path_holds(c->path, c->name, c->recursive) == c->holds, "%s %s %d", c->path, c->name,
                  c->recursive);
}
END_TEST

START_TEST(path_ok) {
    ck_assert(ssm_path_ok("/"));
    ck_assert(ssm_path_ok("/a"));
    ck_assert(ssm_path_ok("/a/b/"));
    ck_assert(ssm_path_ok("/aws/service"));
    ck_assert(!ssm_path_ok("a"));
    ck_assert(!ssm_path_ok("a/b"));
    ck_assert(!ssm_path_ok("/a//b"));
    ck_assert(!ssm_path_ok("/a b"));
    ck_assert(!ssm_path_ok(""));
}
END_TEST

START_TEST(labels) {
    ck_assert(ssm_label_ok("prod"));
    ck_assert(ssm_label_ok("Release_1.2-rc"));
    ck_assert(!ssm_label_ok(""));
    ck_assert(!ssm_label_ok("1st"));
    ck_assert(!ssm_label_ok("awsy"));
    ck_assert(!ssm_label_ok("SSMy"));
    ck_assert(!ssm_label_ok("with space"));
    char long_label[SSM_LABEL_MAX + 2];
    memset(long_label, 'x', SSM_LABEL_MAX + 1);
    long_label[SSM_LABEL_MAX + 1] = '\0';
    ck_assert(!ssm_label_ok(long_label));
    long_label[SSM_LABEL_MAX] = '\0';
    ck_assert(ssm_label_ok(long_label));
}
END_TEST

/* ---- AllowedPattern ---- */

struct pattern_case {
    const char *pattern, *value;
    int want;
};

static const struct pattern_case patterns[] = {
    {"^\\d+$", "123", 1},
    {"^\\d+$", "12a", 0},
    {"\\d+", "123", 1},
    {"\\d+", "a123", 0},           /* the whole value must match */
    {"[a-z]+", "abc", 1},
    {"[a-z]+", "abC", 0},
    {"[\\w\\-]+", "a_b-c", 1},
    {"[\\w\\-]+", "a b", 0},
    {"\\w+@\\w+\\.com", "me@x.com", 1},
    {"\\w+@\\w+\\.com", "me@xcom", 0},
    {"\\S+", "no-spaces", 1},
    {"\\S+", "a space", 0},
    {"dev|prod", "prod", 1},
    {"dev|prod", "production", 0},
    {".{1,4}", "abcd", 1},
    {".{1,4}", "abcde", 0},
    {"(?=a)a", "a", -1},           /* lookahead: not evaluated */
    {"\\bword", "word", -1},
    {"[unclosed", "x", -1},
    {"(", "x", -1},
};

START_TEST(pattern_match) {
    const struct pattern_case *c = &patterns[_i];
    ck_assert_msg(ssm_pattern_match(c->pattern, c->value) == c->want, "%s ~ %s: %d", c->pattern, c->value,
                  ssm_pattern_match(c->pattern, c->value));
}
END_TEST

/* ---- tiers ---- */

struct tier_case {
    const char *asked, *prev;
    size_t n;
    enum ssm_tier_rc rc;
    const char *tier;
};

static const struct tier_case tiers[] = {
    {NULL, NULL, 10, SSM_TIER_OK, "Standard"},
    {NULL, NULL, 4096, SSM_TIER_OK, "Standard"},
    {NULL, NULL, 4097, SSM_TIER_STANDARD_TOO_BIG, "Standard"},
    {"Standard", NULL, 4097, SSM_TIER_STANDARD_TOO_BIG, "Standard"},
    {"Advanced", NULL, 4097, SSM_TIER_OK, "Advanced"},
    {"Advanced", NULL, 8192, SSM_TIER_OK, "Advanced"},
    {"Advanced", NULL, 8193, SSM_TIER_TOO_BIG, "Advanced"},
    {"Intelligent-Tiering", NULL, 10, SSM_TIER_OK, "Standard"},
    {"Intelligent-Tiering", NULL, 5000, SSM_TIER_OK, "Advanced"},
    {"Intelligent-Tiering", "Advanced", 10, SSM_TIER_OK, "Advanced"},
    {NULL, "Advanced", 10, SSM_TIER_OK, "Advanced"},
    {"Standard", "Advanced", 10, SSM_TIER_DOWNGRADE, "Standard"},
    {"Advanced", "Standard", 10, SSM_TIER_OK, "Advanced"},
};

START_TEST(tier_pick) {
    const struct tier_case *c = &tiers[_i];
    const char *tier = NULL;
    ck_assert_int_eq(ssm_tier_pick(c->asked, c->prev, c->n, &tier), c->rc);
    ck_assert_str_eq(tier, c->tier);
}
END_TEST

START_TEST(chars) {
    ck_assert_uint_eq(ssm_chars(""), 0);
    ck_assert_uint_eq(ssm_chars("abc"), 3);
    ck_assert_uint_eq(ssm_chars("\xc3\xa9t\xc3\xa9"), 3);   /* été */
}
END_TEST

START_TEST(ciphertext) {
    char *a = ssm_ciphertext("000000000000", "us-east-1", "/s", 1, "hush");
    char *b = ssm_ciphertext("000000000000", "us-east-1", "/s", 1, "hush");
    char *c = ssm_ciphertext("000000000000", "us-east-1", "/s", 2, "hush");
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert(strncmp(a, "AQICAH", 6) == 0);
    ck_assert(strstr(a, "hush") == NULL);
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(tokens) {
    char *t = util_token_make("/a/b");
    ck_assert(strstr(t, "/a/b") == NULL);
    char *k = util_token_read(t);
    ck_assert_str_eq(k, "/a/b");
    free(k);
    free(t);
    ck_assert_ptr_null(util_token_read("not a token"));
    ck_assert_ptr_null(util_token_read("aGVsbG8="));   /* base64, but not ours */
}
END_TEST

/* ---- operations through the driver ---- */

static void setup(void) {
    ck_assert_int_eq(store_init(NULL, 1), STORE_OK);
}

static void teardown(void) {
    store_shutdown();
}

/* Runs AmazonSSM.OP with BODY; returns the reply parsed (caller deletes)
 * after asserting STATUS, and the error code into ERR when one. */
static cJSON *call(const char *op, const char *body, int status, const char **err) {
    char target[64];
    snprintf(target, sizeof(target), "AmazonSSM.%s", op);
    struct req *r = drive("POST", "/", target, body, NULL);
    int got = r->err ? r->err->status : r->status;
    ck_assert_msg(got == status, "%s %s: %d (%s: %s)", op, body, got, r->err ? r->err->code : "",
                  r->err_msg ? r->err_msg : "");
    if (err) *err = r->err ? r->err->code : NULL;
    cJSON *out = r->resp_body ? cJSON_Parse(r->resp_body) : NULL;
    req_free(r);
    return out;
}

static void put(const char *name, const char *value, int overwrite) {
    char body[512];
    snprintf(body, sizeof(body), "{\"Name\":\"%s\",\"Value\":\"%s\",\"Type\":\"String\",\"Overwrite\":%s}", name,
             value, overwrite ? "true" : "false");
    cJSON_Delete(call("PutParameter", body, 200, NULL));
}

START_TEST(versions_and_selectors) {
    put("/app/v", "one", 0);
    put("/app/v", "two", 1);
    const char *err;
    cJSON_Delete(call("PutParameter", "{\"Name\":\"/app/v\",\"Value\":\"x\",\"Type\":\"String\"}", 400, &err));
    ck_assert_str_eq(err, "ParameterAlreadyExists");
    cJSON *o = call("GetParameter", "{\"Name\":\"/app/v:1\"}", 200, NULL);
    cJSON *p = cJSON_GetObjectItem(o, "Parameter");
    ck_assert_str_eq(cJSON_GetObjectItem(p, "Value")->valuestring, "one");
    ck_assert_str_eq(cJSON_GetObjectItem(p, "Selector")->valuestring, ":1");
    cJSON_Delete(o);
    cJSON_Delete(call("GetParameter", "{\"Name\":\"/app/v:3\"}", 400, &err));
    ck_assert_str_eq(err, "ParameterVersionNotFound");
    cJSON_Delete(call("GetParameter", "{\"Name\":\"/app/none\"}", 400, &err));
    ck_assert_str_eq(err, "ParameterNotFound");
    cJSON_Delete(call("PutParameter", "{\"Name\":\"/aws/x\",\"Value\":\"x\",\"Type\":\"String\"}", 400, &err));
    ck_assert_str_eq(err, "AccessDeniedException");

    char *value = NULL, type[16];
    int64_t version = 0;
    ck_assert_int_eq(store_ssm_lookup("000000000000", "us-east-1", "/app/v", &value, type, &version), STORE_OK);
    ck_assert_str_eq(value, "two");
    ck_assert_str_eq(type, "String");
    ck_assert_int_eq(version, 2);
    free(value);
    ck_assert_int_eq(store_ssm_lookup("000000000000", "eu-west-1", "/app/v", &value, type, &version),
                     STORE_NOTFOUND);
}
END_TEST

START_TEST(by_path_paging) {
    char name[32];
    for (int i = 0; i < 7; i++) {
        snprintf(name, sizeof(name), "/p/n%d", i);
        put(name, "v", 0);
        snprintf(name, sizeof(name), "/p/deep/n%d", i);
        put(name, "v", 0);
    }
    put("/other", "v", 0);
    int total[2] = {0, 0};
    for (int recursive = 0; recursive < 2; recursive++) {
        char *token = NULL;
        int pages = 0;
        do {
            char body[256];
            snprintf(body, sizeof(body), "{\"Path\":\"/p\",\"Recursive\":%s,\"MaxResults\":3%s%s%s}",
                     recursive ? "true" : "false", token ? ",\"NextToken\":\"" : "", token ? token : "",
                     token ? "\"" : "");
            free(token);
            token = NULL;
            cJSON *o = call("GetParametersByPath", body, 200, NULL);
            int n = cJSON_GetArraySize(cJSON_GetObjectItem(o, "Parameters"));
            ck_assert_int_le(n, 3);
            total[recursive] += n;
            cJSON *t = cJSON_GetObjectItem(o, "NextToken");
            if (t) token = strdup(t->valuestring);
            cJSON_Delete(o);
            pages++;
        } while (token && pages < 20);
    }
    ck_assert_int_eq(total[0], 7);
    ck_assert_int_eq(total[1], 14);
    const char *err;
    cJSON_Delete(call("GetParametersByPath", "{\"Path\":\"p\"}", 400, &err));
    ck_assert_str_eq(err, "ValidationException");
    cJSON_Delete(call("GetParametersByPath", "{\"Path\":\"/p\",\"MaxResults\":11}", 400, &err));
    cJSON_Delete(call("GetParametersByPath", "{\"Path\":\"/p\",\"NextToken\":\"junk\"}", 400, &err));
    ck_assert_str_eq(err, "InvalidNextToken");
}
END_TEST

START_TEST(version_limit) {
    put("/lim", "v", 0);
    for (int i = 0; i < SSM_MAX_VERSIONS; i++) put("/lim", "v", 1);
    /* 101 versions written, the 100 most recent kept: 2..101. */
    cJSON *o = call("GetParameterHistory", "{\"Name\":\"/lim\",\"MaxResults\":1}", 200, NULL);
    cJSON *first = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Parameters"), 0);
    ck_assert_ptr_nonnull(first);
    ck_assert_int_eq((int)cJSON_GetObjectItem(first, "Version")->valuedouble, 2);
    cJSON_Delete(o);
    const char *err;
    cJSON_Delete(call("GetParameter", "{\"Name\":\"/lim:1\"}", 400, &err));
    ck_assert_str_eq(err, "ParameterVersionNotFound");
    /* The oldest carries a label: it cannot go, so the write is refused. */
    cJSON_Delete(call("LabelParameterVersion", "{\"Name\":\"/lim\",\"ParameterVersion\":2,\"Labels\":[\"keep\"]}",
                      200, NULL));
    cJSON_Delete(call("PutParameter", "{\"Name\":\"/lim\",\"Value\":\"x\",\"Overwrite\":true}", 400, &err));
    ck_assert_str_eq(err, "ParameterMaxVersionLimitExceeded");
    o = call("GetParameter", "{\"Name\":\"/lim\"}", 200, NULL);
    ck_assert_int_eq((int)cJSON_GetObjectItem(cJSON_GetObjectItem(o, "Parameter"), "Version")->valuedouble, 101);
    cJSON_Delete(o);
}
END_TEST

START_TEST(bad_bodies) {
    const char *err;
    cJSON_Delete(call("GetParameter", "{\"Name\":5}", 400, &err));
    ck_assert_str_eq(err, "SerializationException");
    cJSON_Delete(call("GetParameter", "[]", 400, &err));
    ck_assert_str_eq(err, "SerializationException");
    cJSON_Delete(call("GetParameter", "{}", 400, &err));
    ck_assert_str_eq(err, "ValidationException");
    cJSON_Delete(call("GetParametersByPath", "{\"Path\":\"/\",\"MaxResults\":1e300}", 400, &err));
    ck_assert_str_eq(err, "SerializationException");
    cJSON_Delete(call("PutParameter", "{\"Name\":\"/x\",\"Value\":\"v\",\"Type\":\"String\","
                      "\"Tags\":[{\"Key\":1}]}", 400, &err));
    ck_assert_str_eq(err, "SerializationException");
    cJSON_Delete(call("PutParameter", "{\"Name\":\"/x\",\"Value\":\"v\",\"Type\":\"String\","
                      "\"Tags\":[{\"Value\":\"v\"}]}", 400, &err));
    ck_assert_str_eq(err, "ValidationException");
    cJSON_Delete(call("PutParameter", "{\"Name\":\"/x\",\"Value\":\"v\",\"Type\":\"String\","
                      "\"AllowedPattern\":\"(?=v)v\"}", 400, &err));
    ck_assert_str_eq(err, "InvalidAllowedPatternException");
    cJSON_Delete(call("DescribeParameters", "{\"ParameterFilters\":[{\"Key\":\"Bogus\"}]}", 400, &err));
    ck_assert_str_eq(err, "ValidationException");
    cJSON_Delete(call("DescribeParameters", "{\"ParameterFilters\":[{\"Key\":\"Type\"}]}", 400, &err));
    ck_assert_str_eq(err, "InvalidFilterValue");
    cJSON_Delete(call("DescribeParameters", "{\"ParameterFilters\":[{\"Key\":\"Type\",\"Values\":[\"String\"]},"
                      "{\"Key\":\"Type\",\"Values\":[\"String\"]}]}", 400, &err));
    ck_assert_str_eq(err, "InvalidFilterKey");
    cJSON_Delete(call("AddTagsToResource", "{\"ResourceType\":\"Nope\",\"ResourceId\":\"x\",\"Tags\":[]}", 400,
                      &err));
    ck_assert_str_eq(err, "ValidationException");
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("ssm");
    TCase *tc = tcase_create("pure");
    tcase_add_loop_test(tc, name_rules, 0, sizeof(names) / sizeof(names[0]));
    tcase_add_test(tc, name_length);
    tcase_add_loop_test(tc, ref_parse, 0, sizeof(refs) / sizeof(refs[0]));
    tcase_add_test(tc, arns);
    tcase_add_loop_test(tc, path_holds, 0, sizeof(paths) / sizeof(paths[0]));
    tcase_add_test(tc, path_ok);
    tcase_add_test(tc, labels);
    tcase_add_loop_test(tc, pattern_match, 0, sizeof(patterns) / sizeof(patterns[0]));
    tcase_add_loop_test(tc, tier_pick, 0, sizeof(tiers) / sizeof(tiers[0]));
    tcase_add_test(tc, chars);
    tcase_add_test(tc, ciphertext);
    tcase_add_test(tc, tokens);
    suite_add_tcase(s, tc);
    tc = tcase_create("operations");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, versions_and_selectors);
    tcase_add_test(tc, by_path_paging);
    tcase_add_test(tc, version_limit);
    tcase_add_test(tc, bad_bodies);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
