/*
 * Unit tests for the property diff of a stack update (engine/cfn/cfn_diff.h):
 * one table of old and new properties with the changes, recreation and
 * replacement each gives.
 */
#include "engine/cfn/cfn_diff.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const char *const name_only[] = {"Name", NULL};
static const char *const all_props[] = {"*", NULL};
static const char *const none[] = {NULL};

static const struct {
    const char *old_props, *new_props;
    const char *const *create_only;
    const char *changes;   /* the changed names, space-separated, sorted */
    enum cfn_replace replace;
    const char *recreate;  /* per change: N(ever), A(lways) */
    const char *dynamic;   /* per change: 1 or 0 */
} cases[] = {
    {"{}", "{}", name_only, "", CFN_REPLACE_FALSE, "", ""},
    {"{\"Value\":\"a\"}", "{\"Value\":\"a\"}", name_only, "", CFN_REPLACE_FALSE, "", ""},
    {"{\"Value\":\"a\"}", "{\"Value\":\"b\"}", name_only, "Value", CFN_REPLACE_FALSE, "N", "0"},
    {"{\"Name\":\"a\",\"Value\":\"x\"}", "{\"Name\":\"b\",\"Value\":\"x\"}", name_only, "Name", CFN_REPLACE_TRUE, "A", "0"},
    /* Adding or removing a create-only property replaces too. */
    {"{\"Value\":\"x\"}", "{\"Name\":\"n\",\"Value\":\"x\"}", name_only, "Name", CFN_REPLACE_TRUE, "A", "0"},
    {"{\"Name\":\"n\"}", "{}", name_only, "Name", CFN_REPLACE_TRUE, "A", "0"},
    /* Sorted by name, both kinds. */
    {"{\"Value\":\"x\",\"Name\":\"a\"}", "{\"Value\":\"y\",\"Name\":\"b\"}", name_only, "Name Value", CFN_REPLACE_TRUE, "AN",
     "00"},
    /* Nested values compare deeply. */
    {"{\"Tags\":{\"a\":\"1\"}}", "{\"Tags\":{\"a\":\"2\"}}", name_only, "Tags", CFN_REPLACE_FALSE, "N", "0"},
    {"{\"Tags\":[1,2]}", "{\"Tags\":[1,2]}", name_only, "", CFN_REPLACE_FALSE, "", ""},
    /* A pending value: a dynamic change, Conditional when create-only. */
    {"{\"Name\":\"a\"}", "{\"Name\":\"{{sluice:pending:Other}}\"}", name_only, "Name", CFN_REPLACE_CONDITIONAL, "A", "1"},
    {"{\"Value\":\"a\"}", "{\"Value\":[\"{{sluice:pending:Other}}\"]}", name_only, "Value", CFN_REPLACE_FALSE, "N", "1"},
    /* "*": every property is create-only. */
    {"{\"Action\":\"a\"}", "{\"Action\":\"b\"}", all_props, "Action", CFN_REPLACE_TRUE, "A", "0"},
    {"{\"A\":1}", "{\"B\":1}", none, "A B", CFN_REPLACE_FALSE, "NN", "00"},
    /* NULL props are the empty object. */
    {NULL, "{\"A\":1}", none, "A", CFN_REPLACE_FALSE, "N", "0"},
};

START_TEST(diff_table) {
    cJSON *o = cases[_i].old_props ? cJSON_Parse(cases[_i].old_props) : NULL;
    cJSON *n = cJSON_Parse(cases[_i].new_props);
    struct cfn_diff d;
    cfn_diff_props(o, n, cases[_i].create_only, &d);
    char names[256] = "", rec[32] = "", dyn[32] = "";
    for (size_t k = 0; k < d.n; k++) {
        if (k) strcat(names, " ");
        strcat(names, d.c[k].name);
        strcat(rec, d.c[k].recreate == CFN_RECREATE_ALWAYS ? "A" : "N");
        strcat(dyn, d.c[k].dynamic ? "1" : "0");
    }
    ck_assert_msg(strcmp(names, cases[_i].changes) == 0, "case %d: changes '%s'", _i, names);
    ck_assert_msg(d.replace == cases[_i].replace, "case %d: replace %d", _i, (int)d.replace);
    ck_assert_str_eq(rec, cases[_i].recreate);
    ck_assert_str_eq(dyn, cases[_i].dynamic);
    cfn_diff_clear(&d);
    cJSON_Delete(o);
    cJSON_Delete(n);
}
END_TEST

START_TEST(pending_markers) {
    char *m = cfn_diff_pending("Queue");
    cJSON *v = cJSON_CreateObject();
    cJSON_AddStringToObject(v, "Arn", m);
    char *causing = NULL;
    ck_assert_int_eq(cfn_diff_has_pending(v, &causing), 1);
    ck_assert_str_eq(causing, "Queue");
    free(causing);
    free(m);
    cJSON_Delete(v);
    cJSON *plain = cJSON_Parse("{\"a\":[\"{{resolve:ssm:x}}\"]}");
    ck_assert_int_eq(cfn_diff_has_pending(plain, NULL), 0);
    cJSON_Delete(plain);
}
END_TEST

START_TEST(names) {
    ck_assert_str_eq(cfn_diff_name_property("AWS::Logs::LogGroup"), "LogGroupName");
    ck_assert_str_eq(cfn_diff_name_property("AWS::SSM::Parameter"), "Name");
    ck_assert_ptr_null(cfn_diff_name_property("AWS::Lambda::EventSourceMapping"));
    ck_assert_str_eq(cfn_replace_name(CFN_REPLACE_CONDITIONAL), "Conditional");
    ck_assert_str_eq(cfn_recreate_name(CFN_RECREATE_ALWAYS), "Always");
}
END_TEST

int main(void) {
    Suite *s = suite_create("cfn_diff");
    TCase *tc = tcase_create("diff");
    tcase_add_loop_test(tc, diff_table, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    tcase_add_test(tc, pending_markers);
    tcase_add_test(tc, names);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
