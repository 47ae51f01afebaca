/*
 * Unit tests for engine/cfn/cfn_template.h: JSON and YAML templates to one
 * cJSON tree. Table rows give a template and either the compact JSON it
 * must become or the error it must raise; the CDK seed's two templates and
 * the CDK bootstrap template (tests/unit/cfn/) must parse and pass the
 * shape check.
 */
#include "engine/cfn/cfn_template.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Reads tests/unit/cfn/NAME into a heap buffer (NUL-terminated); *N its size. */
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

struct row {
    int line;
    const char *text; /* the template */
    const char *want; /* compact JSON it parses to, or NULL */
    const char *err;  /* the start of the error, when WANT is NULL */
};

#define OK(t, w) {__LINE__, (t), (w), NULL}
#define BAD(t, e) {__LINE__, (t), NULL, (e)}

static const struct row ROWS[] = {
    /* JSON */
    OK("{\"Resources\":{\"A\":{\"Type\":\"T\"}}}", "{\"Resources\":{\"A\":{\"Type\":\"T\"}}}"),
    OK("  \n{\"a\": [1, \"x\", true, null]}  \n", "{\"a\":[1,\"x\",true,null]}"),
    BAD("{\"a\": }", "Template format error: JSON not well-formed. (line 1, column 7)"),
    BAD("{\"a\": 1}\n}", "Template format error: JSON not well-formed. (line 2, column 1)"),
    /* YAML scalars: plain YAML 1.1 types resolve, quoted stay strings */
    OK("a: y\nb: N\n", "{\"a\":\"y\",\"b\":\"N\"}"),
    OK("On: 1\n1: x\nnull: [yes]\n", "{\"On\":1,\"1\":\"x\",\"null\":[true]}"),
    OK("a: 1\nb: '1'\nc: \"1\"\nd: 1.5\ne: yes\nf: off\ng: ~\nh: null\ni: text\n",
       "{\"a\":1,\"b\":\"1\",\"c\":\"1\",\"d\":1.5,\"e\":true,\"f\":false,\"g\":null,\"h\":null,"
       "\"i\":\"text\"}"),
    OK("a: 0x1F\nb: 010\nc: 1_000\nd: -7\ne: 1e5\nf: 09\ng: 123456789012\nh: .inf\n",
       "{\"a\":31,\"b\":8,\"c\":1000,\"d\":-7,\"e\":\"1e5\",\"f\":\"09\",\"g\":123456789012,"
       "\"h\":\".inf\"}"),
    OK("a: !!str 12\nb: !!int '12'\nc:\n", "{\"a\":\"12\",\"b\":12,\"c\":null}"),
    OK("a: |\n  line1\n  line2\nb: >-\n  folded\n  text\n",
       "{\"a\":\"line1\\nline2\\n\",\"b\":\"folded text\"}"),
    /* Short forms */
    OK("a: !Ref X", "{\"a\":{\"Ref\":\"X\"}}"),
    OK("a: !Condition C", "{\"a\":{\"Condition\":\"C\"}}"),
    OK("a: !GetAtt A.B.C", "{\"a\":{\"Fn::GetAtt\":[\"A\",\"B.C\"]}}"),
    OK("a: !GetAtt [A, B]", "{\"a\":{\"Fn::GetAtt\":[\"A\",\"B\"]}}"),
    OK("a: !Sub 'x-${AWS::Region}'", "{\"a\":{\"Fn::Sub\":\"x-${AWS::Region}\"}}"),
    OK("a: !Sub\n  - '${A}'\n  - A: !Ref B\n",
       "{\"a\":{\"Fn::Sub\":[\"${A}\",{\"A\":{\"Ref\":\"B\"}}]}}"),
    OK("a: !Join ['', [a, !Ref B]]", "{\"a\":{\"Fn::Join\":[\"\",[\"a\",{\"Ref\":\"B\"}]]}}"),
    OK("a: !Select [0, !Split [',', 'x,y']]",
       "{\"a\":{\"Fn::Select\":[0,{\"Fn::Split\":[\",\",\"x,y\"]}]}}"),
    OK("a: !If [C, !Ref AWS::NoValue, 1]",
       "{\"a\":{\"Fn::If\":[\"C\",{\"Ref\":\"AWS::NoValue\"},1]}}"),
    OK("a: !And [!Equals [x, y], !Or [!Not [!Condition C], !Condition D]]",
       "{\"a\":{\"Fn::And\":[{\"Fn::Equals\":[\"x\",\"y\"]},{\"Fn::Or\":[{\"Fn::Not\":[{"
       "\"Condition\":\"C\"}]},{\"Condition\":\"D\"}]}]}}"),
    OK("a: !FindInMap [M, K, V]", "{\"a\":{\"Fn::FindInMap\":[\"M\",\"K\",\"V\"]}}"),
    OK("a: !GetAZs ''", "{\"a\":{\"Fn::GetAZs\":\"\"}}"),
    OK("a: !Base64 text", "{\"a\":{\"Fn::Base64\":\"text\"}}"),
    OK("a: !Cidr [10.0.0.0/16, 4, 8]", "{\"a\":{\"Fn::Cidr\":[\"10.0.0.0/16\",4,8]}}"),
    OK("a: !ImportValue E", "{\"a\":{\"Fn::ImportValue\":\"E\"}}"),
    OK("a: !Ref 12", "{\"a\":{\"Ref\":\"12\"}}"),
    /* Anchors and aliases */
    OK("x: &v {k: 1}\ny: *v\n", "{\"x\":{\"k\":1},\"y\":{\"k\":1}}"),
    OK("x: &r !Ref A\ny: [*r]\n", "{\"x\":{\"Ref\":\"A\"},\"y\":[{\"Ref\":\"A\"}]}"),
    OK("&k a: 1\n*k : 2\nb: *k\n", NULL),
    /* Errors */
    BAD("a: 1\na: 2\n", "Template format error: YAML not well-formed. Duplicate key 'a'"),
    BAD("a: !Bogus x", "Template format error: YAML not well-formed. Unsupported tag !Bogus."),
    BAD("a: [1, 2", "Template format error: YAML not well-formed. (line"),
    BAD("a: *nope", "Template format error: YAML not well-formed. Unknown alias. (line 1, column 4)"),
    BAD("- 1\n- 2\n", "Template format error: YAML not well-formed. The template must be"),
    BAD("a: 1\n---\nb: 2\n", "Template format error: YAML not well-formed. Only one document"),
    BAD("", "Template format error: YAML not well-formed. The template is empty."),
    BAD("? [a]\n: 1\n", "Template format error: YAML not well-formed. Mapping keys must be"),
};

/* The row "&k a: 1 / *k : 2" repeats key a through an alias: a duplicate. */
START_TEST(test_rows) {
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        const struct row *r = &ROWS[i];
        char *err = NULL;
        cJSON *t = cfn_template_parse(r->text, strlen(r->text), &err);
        if (r->want) {
            ck_assert_msg(t != NULL, "line %d: %s", r->line, err ? err : "?");
            char *got = cJSON_PrintUnformatted(t);
            ck_assert_msg(strcmp(got, r->want) == 0, "line %d: got %s, want %s", r->line, got,
                          r->want);
            free(got);
        } else if (r->err) {
            ck_assert_msg(t == NULL, "line %d: parsed, want an error", r->line);
            ck_assert_msg(err && strncmp(err, r->err, strlen(r->err)) == 0,
                          "line %d: error '%s', want '%s...'", r->line, err ? err : "(null)",
                          r->err);
        } else {
            ck_assert_msg(t == NULL && err, "line %d: parsed, want an error", r->line);
        }
        cJSON_Delete(t);
        free(err);
    }
}
END_TEST

/* Nested aliases that would expand past the node limit fail, quickly. */
START_TEST(test_alias_bomb) {
    char buf[4096];
    size_t n = (size_t)snprintf(buf, sizeof(buf), "a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (char c = 'b'; c <= 'j'; c++)
        n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%c: &%c [*%c, *%c, *%c, *%c, *%c, *%c, "
                              "*%c, *%c, *%c, *%c]\n", c, c, c - 1, c - 1, c - 1, c - 1, c - 1,
                              c - 1, c - 1, c - 1, c - 1, c - 1);
    char *err = NULL;
    cJSON *t = cfn_template_parse(buf, n, &err);
    ck_assert_ptr_null(t);
    ck_assert_msg(strstr(err, "Too many nodes.") != NULL, "%s", err);
    free(err);
}
END_TEST

START_TEST(test_depth_and_size) {
    char deep[1024];
    memset(deep, '[', 200);
    memcpy(deep + 200, "\n", 2);
    char buf[1100];
    snprintf(buf, sizeof(buf), "a: %s", deep);
    char *err = NULL;
    ck_assert_ptr_null(cfn_template_parse(buf, strlen(buf), &err));
    free(err);
    err = NULL;
    char json[600] = "{\"a\":";
    for (int i = 0; i < 100; i++)
        strcat(json, "[");
    for (int i = 0; i < 100; i++)
        strcat(json, "]");
    strcat(json, "}");
    ck_assert_ptr_null(cfn_template_parse(json, strlen(json), &err));
    ck_assert_msg(strstr(err, "JSON not well-formed") != NULL, "%s", err);
    free(err);
    err = NULL;
    ck_assert_ptr_null(cfn_template_parse("{}", CFN_TEMPLATE_MAX_BYTES + 1, &err));
    ck_assert_msg(strstr(err, "larger than") != NULL, "%s", err);
    free(err);
}
END_TEST

struct check_row {
    int line;
    const char *text;
    const char *err; /* NULL: passes */
};

START_TEST(test_check) {
    static const struct check_row rows[] = {
        {__LINE__, "Resources: {A: {Type: T}}", NULL},
        {__LINE__, "Description: d", "Template format error: At least one Resources member must "
                                     "be defined."},
        {__LINE__, "Resources: {}", "Template format error: At least one Resources member must be "
                                    "defined."},
        {__LINE__, "Resources: {A: {Type: T}}\nBogus: 1",
         "Template format error: Invalid template property or properties [Bogus]"},
        {__LINE__, "Resources: {A: {Properties: {}}}",
         "Template format error: [/Resources/A] Every Resources object must contain a Type "
         "member."},
        {__LINE__, "Resources: {A: {Type: [T]}}",
         "Template format error: [/Resources/A/Type] Every Type member must be a string."},
        {__LINE__, "Resources: {A: {Type: T, Condition: [C]}}",
         "Template format error: Every Condition member must be a string."},
        {__LINE__, "Resources: {A: {Type: T}}\nOutputs: {O: {Description: d}}",
         "Template format error: Every Outputs member must contain a Value object"},
        {__LINE__, "Resources: {A: {Type: T}}\nParameters: [x]",
         "Template format error: Parameters must be an object"},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *err = NULL;
        cJSON *t = cfn_template_parse(rows[i].text, strlen(rows[i].text), &err);
        ck_assert_msg(t != NULL, "line %d: %s", rows[i].line, err);
        int rc = cfn_template_check(t, &err);
        if (!rows[i].err)
            ck_assert_msg(rc == 0, "line %d: %s", rows[i].line, err);
        else
            ck_assert_msg(rc == -1 && strcmp(err, rows[i].err) == 0, "line %d: '%s', want '%s'",
                          rows[i].line, err ? err : "(null)", rows[i].err);
        free(err);
        cJSON_Delete(t);
    }
}
END_TEST

/* The three real templates parse and pass the shape check; spot checks of
 * what the bootstrap's YAML becomes. */
START_TEST(test_real_templates) {
    static const char *const names[] = {"v1.template.json", "v2.template.json",
                                        "bootstrap-template.yaml"};
    for (size_t i = 0; i < 3; i++) {
        size_t n;
        char *text = read_data(names[i], &n);
        char *err = NULL;
        cJSON *t = cfn_template_parse(text, n, &err);
        ck_assert_msg(t != NULL, "%s: %s", names[i], err);
        ck_assert_msg(cfn_template_check(t, &err) == 0, "%s: %s", names[i], err);
        if (i == 2) {
            const cJSON *q = cJSON_GetObjectItem(
                cJSON_GetObjectItem(cJSON_GetObjectItem(t, "Parameters"), "Qualifier"), "Default");
            ck_assert_str_eq(q->valuestring, "hnb659fds");
            const cJSON *v = cJSON_GetObjectItem(
                cJSON_GetObjectItem(cJSON_GetObjectItem(t, "Resources"), "CdkBootstrapVersion"),
                "Properties");
            ck_assert_ptr_nonnull(v);
        }
        cJSON_Delete(t);
        free(text);
    }
}
END_TEST

int main(void) {
    Suite *s = suite_create("cfn_template");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_rows);
    tcase_add_test(tc, test_alias_bomb);
    tcase_add_test(tc, test_depth_and_size);
    tcase_add_test(tc, test_check);
    tcase_add_test(tc, test_real_templates);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
