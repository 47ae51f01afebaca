/*
 * Unit tests for engine/cfn/cfn_eval.h: intrinsic functions, pseudo
 * parameters, conditions and rules. Each row evaluates one YAML expression
 * against a small template and must give the JSON or the error shown;
 * every function has a good and a bad row. The seed and bootstrap
 * templates (tests/unit/cfn/) evaluate end to end with stub callbacks.
 */
#include "engine/cfn/cfn_eval.h"
#include "engine/cfn/cfn_template.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char TEMPLATE[] =
    "Parameters: {P: {Type: String}, L: {Type: CommaDelimitedList}}\n"
    "Mappings: {M: {K: {V: mv, N: [1, 2]}}}\n"
    "Conditions:\n"
    "  T: !Equals [a, a]\n"
    "  F: !Not [!Condition T]\n"
    "  Both: !And [!Condition T, !Condition F]\n"
    "  Either: !Or [!Condition T, !Condition F]\n"
    "  IsProd: !Equals [!Ref P, prod]\n"
    "Resources:\n"
    "  R: {Type: T}\n"
    "  Off: {Type: T, Condition: F}\n";

/* Stub callbacks: Ref R is "phys-R" (a Version's or an alias's Ref is its
 * ARN, which the seed splits), GetAtt R.A is "R.A", export Exp is "imported";
 * anything else fails the way the deployer would. */
static cJSON *stub_ref(void *ud, const char *id, char **err) {
    (void)ud;
    (void)err;
    char buf[256];
    if ((strstr(id, "Version") && strncmp(id, "Cdk", 3) != 0) || strncmp(id, "Live", 4) == 0)
        snprintf(buf, sizeof(buf), "arn:aws:lambda:eu-west-1:123456789012:function:phys-%s:1", id);
    else
        snprintf(buf, sizeof(buf), "phys-%s", id);
    return cJSON_CreateString(buf);
}

static cJSON *stub_get_att(void *ud, const char *id, const char *attr, char **err) {
    (void)ud;
    (void)err;
    char buf[256];
    snprintf(buf, sizeof(buf), "%s.%s", id, attr);
    return cJSON_CreateString(buf);
}

static cJSON *stub_import(void *ud, const char *name, char **err) {
    (void)ud;
    if (strcmp(name, "Exp") == 0)
        return cJSON_CreateString("imported");
    *err = strdup("No export named Other found.");
    return NULL;
}

static cJSON *parse(const char *text) {
    char *err = NULL;
    cJSON *t = cfn_template_parse(text, strlen(text), &err);
    ck_assert_msg(t != NULL, "%s: %s", text, err);
    return t;
}

static void setup_ctx(struct cfn_ctx *c, const cJSON *tmpl, const cJSON *params) {
    memset(c, 0, sizeof(*c));
    c->tmpl = tmpl;
    c->params = params;
    c->account_id = "123456789012";
    c->region = "eu-west-1";
    c->stack_name = "S";
    c->stack_id = "arn:aws:cloudformation:eu-west-1:123456789012:stack/S/id";
    c->hooks.ref = stub_ref;
    c->hooks.get_att = stub_get_att;
    c->hooks.import_value = stub_import;
}

struct row {
    int line;
    const char *expr; /* YAML, the value of key "v" */
    const char *want; /* compact JSON; "" for AWS::NoValue; NULL: an error */
    const char *err;  /* the start of the error */
};

#define OK(e, w) {__LINE__, (e), (w), NULL}
#define BAD(e, m) {__LINE__, (e), NULL, (m)}
#define UNRESOLVED(x) \
    "Template format error: Unresolved resource dependencies [" x "] in the Resources block " \
    "of the template"

static const struct row ROWS[] = {
    /* Ref: parameters, pseudo parameters, resources */
    OK("!Ref P", "\"prod\""),
    OK("!Ref L", "[\"a\",\"b\"]"),
    OK("!Ref AWS::Region", "\"eu-west-1\""),
    OK("!Ref AWS::AccountId", "\"123456789012\""),
    OK("!Ref AWS::StackName", "\"S\""),
    OK("!Ref AWS::StackId", "\"arn:aws:cloudformation:eu-west-1:123456789012:stack/S/id\""),
    OK("!Ref AWS::Partition", "\"aws\""),
    OK("!Ref AWS::URLSuffix", "\"amazonaws.com\""),
    OK("!Ref AWS::NotificationARNs", "[]"),
    OK("!Ref AWS::NoValue", ""),
    OK("{a: !Ref AWS::NoValue, b: 1}", "{\"b\":1}"),
    OK("[1, !Ref AWS::NoValue, 2]", "[1,2]"),
    OK("!Ref R", "\"phys-R\""),
    BAD("!Ref Nope", UNRESOLVED("Nope")),
    BAD("!Ref Off", UNRESOLVED("Off")),
    BAD("{Ref: [x]}", "Template format error: Every Ref object must have a single String value."),
    /* Fn::GetAtt */
    OK("!GetAtt R.Arn", "\"R.Arn\""),
    OK("{Fn::GetAtt: R.Arn}", "\"R.Arn\""),
    OK("!GetAtt [R, !Ref P]", "\"R.prod\""),
    BAD("!GetAtt Nope.Arn",
        "Template error: instance of Fn::GetAtt references undefined resource Nope"),
    BAD("{Fn::GetAtt: [R]}", "Template error: every Fn::GetAtt object requires two non-empty"),
    /* Fn::Join */
    OK("!Join ['-', [a, !Ref P, 3]]", "\"a-prod-3\""),
    OK("!Join [',', !Ref L]", "\"a,b\""),
    OK("!Join ['', []]", "\"\""),
    OK("!Join [' ', [0.1, 1.5, 2, true]]", "\"0.1 1.5 2 true\""),
    OK("{Fn::Join: ['', [1.0e+300]]}", "\"1e+300\""),
    BAD("!Join [x]", "Template error: every Fn::Join object requires two parameters"),
    BAD("!Join ['', [[a]]]", "Template error: every Fn::Join object requires two parameters"),
    /* Fn::Sub */
    OK("!Sub 'x-${P}-${AWS::Region}-${R}-${R.Arn}-${!Lit}'",
       "\"x-prod-eu-west-1-phys-R-R.Arn-${Lit}\""),
    OK("!Sub ['${A}/${B}', {A: !Ref P, B: 1}]", "\"prod/1\""),
    OK("!Sub 'open ${ no close'", "\"open ${ no close\""),
    BAD("!Sub '${Nope}'", UNRESOLVED("Nope")),
    BAD("!Sub '${a b}'", "Template error: variable names in Fn::Sub syntax must contain only"),
    BAD("!Sub [1, 2]", "Template error: One or more Fn::Sub intrinsic functions"),
    BAD("!Sub '${L}'", "Template error: variable L in Fn::Sub expression does not resolve"),
    /* Fn::Select and Fn::Split */
    OK("!Select [1, [a, b, c]]", "\"b\""),
    OK("!Select ['0', !Ref L]", "\"a\""),
    OK("!Select [6, !Split [':', 'arn:aws:lambda:r:1:function:fn']]", "\"fn\""),
    BAD("!Select [6, !Split [':', 'a:b']]",
        "Template error: Fn::Select cannot select nonexistent value at index 6"),
    BAD("!Select [x, [a]]", "Template error: every Fn::Select object requires two parameters"),
    OK("!Split [',', 'a,,b']", "[\"a\",\"\",\"b\"]"),
    BAD("!Split ['', x]", "Template error: every Fn::Split object requires two parameters"),
    /* Fn::If and the condition functions */
    OK("!If [T, a, b]", "\"a\""),
    OK("{k: !If [F, a, !Ref AWS::NoValue]}", "{}"),
    BAD("!If [Nope, a, b]", "Template error: unresolved condition dependency Nope in Fn::If"),
    BAD("!If [T, a]", "Template error: Fn::If requires a list argument with three elements"),
    OK("!Equals [!Ref P, prod]", "true"),
    OK("!Equals [1, '1']", "true"),
    BAD("!Equals [a]", "Template error: every Fn::Equals object requires a list of 2"),
    OK("!And [!Condition T, !Equals [a, a]]", "true"),
    BAD("!And [!Condition T]", "Template error: every Fn::And object requires a list"),
    OK("!Or [!Condition F, !Condition F]", "false"),
    BAD("!Or [x, y]", "Template error: every Fn::Or object requires a list"),
    OK("!Not [!Condition F]", "true"),
    BAD("!Not [a, b]", "Template error: every Fn::Not object requires a list of exactly 1"),
    BAD("!Not [notbool]", "Template error: every Fn::Not object requires a list of exactly 1"),
    OK("!Contains [[a, prod], !Ref P]", "true"),
    BAD("!Contains [a, b]", "Template error: every Fn::Contains object requires"),
    /* Fn::FindInMap */
    OK("!FindInMap [M, K, V]", "\"mv\""),
    OK("!FindInMap [M, K, N]", "[1,2]"),
    BAD("!FindInMap [M, !Ref P, V]", "Template error: Unable to get mapping for M::prod::V"),
    BAD("!FindInMap [M, K]", "Template error: every Fn::FindInMap object requires three"),
    /* Fn::GetAZs, Fn::Base64, Fn::Cidr, Fn::ImportValue */
    OK("!GetAZs ''", "[\"eu-west-1a\",\"eu-west-1b\",\"eu-west-1c\"]"),
    OK("!GetAZs us-east-2", "[\"us-east-2a\",\"us-east-2b\",\"us-east-2c\"]"),
    BAD("!GetAZs [x]", "Template error: Fn::GetAZs requires a region name"),
    OK("!Base64 hello", "\"aGVsbG8=\""),
    BAD("!Base64 [x]", "Template error: every Fn::Base64 object requires a string"),
    OK("!Cidr [10.0.0.0/16, 3, 8]", "[\"10.0.0.0/24\",\"10.0.1.0/24\",\"10.0.2.0/24\"]"),
    OK("!Cidr [10.1.2.3/24, '2', '6']", "[\"10.1.2.0/26\",\"10.1.2.64/26\"]"),
    BAD("!Cidr [bad, 1, 8]", "Template error: every Fn::Cidr object requires three"),
    BAD("!Cidr [10.0.0.0/30, 8, 1]", "Template error: every Fn::Cidr object requires three"),
    OK("!ImportValue Exp", "\"imported\""),
    BAD("!ImportValue Other", "No export named Other found."),
    /* Fn::ToJsonString, Fn::Length, unknown functions */
    OK("{Fn::ToJsonString: {a: [1, !Ref P]}}", "\"{\\\"a\\\":[1,\\\"prod\\\"]}\""),
    BAD("{Fn::ToJsonString: x}", "Template error: Fn::ToJsonString requires"),
    OK("{Fn::Length: [1, 2, 3]}", "3"),
    BAD("{Fn::Length: x}", "Template error: Fn::Length requires a list"),
    BAD("{Fn::Bogus: 1}", "Template format error: Encountered unsupported function: Fn::Bogus"),
    /* Plain values pass through, nested intrinsics resolve */
    OK("{a: [1, {b: !Ref P}], c: true, d: null}",
       "{\"a\":[1,{\"b\":\"prod\"}],\"c\":true,\"d\":null}"),
};

START_TEST(test_rows) {
    cJSON *tmpl = parse(TEMPLATE);
    cJSON *params = cJSON_Parse("{\"P\":\"prod\",\"L\":[\"a\",\"b\"]}");
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        const struct row *r = &ROWS[i];
        struct cfn_ctx c;
        setup_ctx(&c, tmpl, params);
        char *text = NULL;
        ck_assert(asprintf(&text, "v: %s\n", r->expr) > 0);
        cJSON *doc = parse(text);
        cJSON *out = NULL;
        char *err = NULL;
        int rc = cfn_eval(&c, cJSON_GetObjectItem(doc, "v"), &out, &err);
        if (r->want) {
            ck_assert_msg(rc == 0, "line %d: %s", r->line, err ? err : "?");
            char *got = out ? cJSON_PrintUnformatted(out) : strdup("");
            ck_assert_msg(strcmp(got, r->want) == 0, "line %d: got %s, want %s", r->line, got,
                          r->want);
            free(got);
        } else {
            ck_assert_msg(rc == -1, "line %d: evaluated, want an error", r->line);
            ck_assert_msg(err && strncmp(err, r->err, strlen(r->err)) == 0,
                          "line %d: error '%s', want '%s...'", r->line, err ? err : "(null)",
                          r->err);
        }
        free(err);
        cJSON_Delete(out);
        cJSON_Delete(doc);
        free(text);
        cfn_ctx_clear(&c);
    }
    cJSON_Delete(params);
    cJSON_Delete(tmpl);
}
END_TEST

/* Conditions evaluate once each, in dependency order; loops and
 * references to resources are errors. */
START_TEST(test_conditions) {
    cJSON *tmpl = parse(TEMPLATE);
    cJSON *params = cJSON_Parse("{\"P\":\"dev\",\"L\":[\"a\"]}");
    struct cfn_ctx c;
    setup_ctx(&c, tmpl, params);
    char *err = NULL;
    ck_assert_int_eq(cfn_eval_conditions(&c, &err), 0);
    static const struct {
        const char *name;
        int want;
    } want[] = {{"T", 1}, {"F", 0}, {"Both", 0}, {"Either", 1}, {"IsProd", 0}};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        int v = -1;
        ck_assert_int_eq(cfn_condition(&c, want[i].name, &v, &err), 0);
        ck_assert_msg(v == want[i].want, "%s = %d", want[i].name, v);
    }
    int on = -1;
    ck_assert_int_eq(cfn_eval_enabled(&c, cJSON_GetObjectItem(cJSON_GetObjectItem(tmpl,
                                                   "Resources"), "Off"), &on, &err), 0);
    ck_assert_int_eq(on, 0);
    cfn_ctx_clear(&c);
    cJSON_Delete(tmpl);

    static const struct {
        const char *text;
        const char *err;
    } bad[] = {
        {"Conditions: {A: !Condition B, B: !Not [!Condition A]}\nResources: {R: {Type: T}}",
         "Template error: Condition A has a circular dependency"},
        {"Conditions: {A: !Equals [!Ref R, x]}\nResources: {R: {Type: T}}",
         "Template format error: Unresolved dependencies [R]. Cannot reference resources in "
         "the Conditions block of the template"},
        {"Conditions: {A: !Ref P}\nResources: {R: {Type: T}}",
         "Template format error: Conditions can only be boolean operations"},
        {"Conditions: {A: !Condition Z}\nResources: {R: {Type: T}}",
         "Template error: unresolved condition dependency Z"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        tmpl = parse(bad[i].text);
        setup_ctx(&c, tmpl, params);
        ck_assert_int_eq(cfn_eval_conditions(&c, &err), -1);
        ck_assert_msg(strncmp(err, bad[i].err, strlen(bad[i].err)) == 0, "%zu: %s", i, err);
        free(err);
        cfn_ctx_clear(&c);
        cJSON_Delete(tmpl);
    }
    /* A chain of conditions each naming the next stops at the depth limit. */
    cJSON *chain = cJSON_Parse("{\"Resources\":{\"R\":{\"Type\":\"T\"}}}");
    cJSON *conds = cJSON_AddObjectToObject(chain, "Conditions");
    for (int i = 0; i < 2 * CFN_EVAL_MAX_DEPTH; i++) {
        char name[16], next[16];
        snprintf(name, sizeof(name), "C%d", i);
        snprintf(next, sizeof(next), "C%d", i + 1);
        cJSON *def = cJSON_AddArrayToObject(cJSON_AddObjectToObject(conds, name), "Fn::Not");
        cJSON *ref = cJSON_CreateObject();
        cJSON_AddStringToObject(ref, "Condition", next);
        cJSON_AddItemToArray(def, ref);
    }
    cJSON *last = cJSON_AddArrayToObject(
        cJSON_AddObjectToObject(conds, "C1024"), "Fn::Equals");
    cJSON_AddItemToArray(last, cJSON_CreateString("a"));
    cJSON_AddItemToArray(last, cJSON_CreateString("a"));
    setup_ctx(&c, chain, params);
    ck_assert_int_eq(cfn_eval_conditions(&c, &err), -1);
    ck_assert_str_eq(err, "Template error: the template nests too deeply to evaluate");
    free(err);
    cfn_ctx_clear(&c);
    cJSON_Delete(chain);
    cJSON_Delete(params);
}
END_TEST

static char *read_data(const char *name, size_t *n) {
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", CFN_DATA, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    ck_assert(fread(buf, 1, (size_t)len, f) == (size_t)len);
    buf[len] = 0;
    fclose(f);
    *n = (size_t)len;
    return buf;
}

static cJSON *load(const char *name) {
    size_t n;
    char *text = read_data(name, &n);
    char *err = NULL;
    cJSON *t = cfn_template_parse(text, n, &err);
    ck_assert_msg(t != NULL, "%s: %s", name, err);
    free(text);
    return t;
}

/* The parameters' defaults, as the service resolves them when a stack is
 * created without values (list types split on commas). */
static cJSON *defaults(const cJSON *tmpl) {
    cJSON *p = cJSON_CreateObject();
    const cJSON *ps = cJSON_GetObjectItem(tmpl, "Parameters");
    for (const cJSON *e = ps ? ps->child : NULL; e; e = e->next) {
        const cJSON *d = cJSON_GetObjectItem(e, "Default");
        const cJSON *t = cJSON_GetObjectItem(e, "Type");
        if (!cJSON_IsString(d))
            continue;
        if (strcmp(t->valuestring, "CommaDelimitedList") == 0) {
            cJSON *a = cJSON_CreateArray();
            char *s = strdup(d->valuestring), *save = NULL;
            if (!s[0])
                cJSON_AddItemToArray(a, cJSON_CreateString(""));
            for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
                cJSON_AddItemToArray(a, cJSON_CreateString(tok));
            free(s);
            cJSON_AddItemToObject(p, e->string, a);
        } else {
            cJSON_AddItemToObject(p, e->string, cJSON_CreateString(d->valuestring));
        }
    }
    return p;
}

/* Evaluates every enabled resource's Properties and every enabled Output's
 * Value; returns the Outputs' values as an object. */
static cJSON *deploy_dry(struct cfn_ctx *c, const cJSON *tmpl) {
    char *err = NULL;
    ck_assert_msg(cfn_eval_conditions(c, &err) == 0, "%s", err);
    const cJSON *res = cJSON_GetObjectItem(tmpl, "Resources");
    for (const cJSON *r = res->child; r; r = r->next) {
        int on = 0;
        ck_assert_msg(cfn_eval_enabled(c, r, &on, &err) == 0, "%s", err);
        const cJSON *props = cJSON_GetObjectItem(r, "Properties");
        cJSON *out = NULL;
        if (on && props)
            ck_assert_msg(cfn_eval(c, props, &out, &err) == 0, "%s: %s", r->string, err);
        cJSON_Delete(out);
    }
    cJSON *outs = cJSON_CreateObject();
    const cJSON *os = cJSON_GetObjectItem(tmpl, "Outputs");
    for (const cJSON *o = os ? os->child : NULL; o; o = o->next) {
        int on = 0;
        ck_assert_msg(cfn_eval_enabled(c, o, &on, &err) == 0, "%s", err);
        cJSON *v = NULL;
        if (on)
            ck_assert_msg(cfn_eval(c, cJSON_GetObjectItem(o, "Value"), &v, &err) == 0, "%s: %s",
                          o->string, err);
        if (v)
            cJSON_AddItemToObject(outs, o->string, v);
    }
    return outs;
}

/* The seed's templates: every property evaluates; the bootstrap-version
 * rule passes for version 6 and up and fails with CDK's message below. */
START_TEST(test_seed) {
    static const char *const names[] = {"v1.template.json", "v2.template.json"};
    for (size_t i = 0; i < 2; i++) {
        cJSON *tmpl = load(names[i]);
        cJSON *params = cJSON_Parse("{\"BootstrapVersion\":\"34\"}");
        struct cfn_ctx c;
        setup_ctx(&c, tmpl, params);
        char *err = NULL;
        ck_assert_msg(cfn_eval_rules(&c, &err) == 0, "%s", err);
        cJSON_Delete(deploy_dry(&c, tmpl));
        cfn_ctx_clear(&c);
        cJSON_Delete(params);
        params = cJSON_Parse("{\"BootstrapVersion\":\"5\"}");
        setup_ctx(&c, tmpl, params);
        ck_assert_int_eq(cfn_eval_rules(&c, &err), -1);
        ck_assert_str_eq(err, "CDK bootstrap stack version 6 required. Please run 'cdk bootstrap' "
                              "with a recent version of the CDK CLI.");
        free(err);
        cfn_ctx_clear(&c);
        cJSON_Delete(params);
        cJSON_Delete(tmpl);
    }
}
END_TEST

/* The bootstrap template with its defaults: conditions, Sub, If and
 * NoValue all evaluate, and the outputs are what the CDK CLI reads. */
START_TEST(test_bootstrap) {
    cJSON *tmpl = load("bootstrap-template.yaml");
    cJSON *params = defaults(tmpl);
    struct cfn_ctx c;
    setup_ctx(&c, tmpl, params);
    c.region = "us-east-1";
    c.account_id = "000000000000";
    char *err = NULL;
    int v = -1;
    ck_assert_int_eq(cfn_condition(&c, "HasTrustedAccounts", &v, &err), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(cfn_condition(&c, "CreateNewKey", &v, &err), 0);
    ck_assert_int_eq(v, 1);
    cJSON *outs = deploy_dry(&c, tmpl);
    char *got = cJSON_PrintUnformatted(outs);
    ck_assert_msg(strstr(got, "\"BucketName\":\"phys-StagingBucket\"") &&
                      strstr(got, "\"BootstrapVersion\":\"34\"") &&
                      strstr(got, "\"FileAssetKeyArn\":\"FileAssetsBucketEncryptionKey.Arn\""),
                  "%s", got);
    free(got);
    cJSON_Delete(outs);
    const cJSON *bucket = cJSON_GetObjectItem(
        cJSON_GetObjectItem(cJSON_GetObjectItem(tmpl, "Resources"), "StagingBucket"),
        "Properties");
    cJSON *props = NULL;
    ck_assert_int_eq(cfn_eval(&c, bucket, &props, &err), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(props, "BucketName")->valuestring,
                     "cdk-hnb659fds-assets-000000000000-us-east-1");
    cJSON_Delete(props);
    cfn_ctx_clear(&c);
    cJSON_Delete(params);
    cJSON_Delete(tmpl);
}
END_TEST

int main(void) {
    Suite *s = suite_create("cfn_eval");
    TCase *tc = tcase_create("eval");
    tcase_add_test(tc, test_rows);
    tcase_add_test(tc, test_conditions);
    tcase_add_test(tc, test_seed);
    tcase_add_test(tc, test_bootstrap);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
