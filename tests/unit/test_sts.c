/*
 * Unit tests for STS's pure parts (api/sts_int.h) and the query form
 * lookup the router uses (query_form_value, api/query.h): tables of
 * inputs with AWS's validation messages, role ARNs, and derived ids.
 */
#include "api/sts_int.h"
#include "api/query.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

struct name_case {
    const char *name;
    const char *msg;   /* NULL: valid */
};

static const struct name_case names[] = {
    {"s1", NULL},
    {"my-session_1+=,.@", NULL},
    {"ab", NULL},
    {"a", "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: "
          "Member must have length greater than or equal to 2"},
    {"bad name!", "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy "
                  "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"},
    {"1234567890123456789012345678901234567890123456789012345678901234", NULL},
    {"12345678901234567890123456789012345678901234567890123456789012345",
     "1 validation error detected: Value '12345678901234567890123456789012345678901234567890123456789012345' at "
     "'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64"},
    {"!", "2 validation errors detected: Value '!' at 'roleSessionName' failed to satisfy constraint: Member "
          "must satisfy regular expression pattern: [\\w+=,.@-]*; Value '!' at 'roleSessionName' failed to "
          "satisfy constraint: Member must have length greater than or equal to 2"},
};

START_TEST(session_names) {
    const struct name_case *c = &names[_i];
    struct sts_verr v = {0};
    int rc = sts_check_session_name(c->name, "roleSessionName", &v);
    ck_assert_int_eq(rc, c->msg ? -1 : 0);
    if (c->msg) {
        char msg[1200];
        sts_verr_message(&v, msg, sizeof(msg));
        ck_assert_str_eq(msg, c->msg);
    }
}
END_TEST

struct dur_case {
    const char *text;  /* NULL: absent */
    long want;         /* the value, or -1 for an error */
    const char *what;  /* the constraint in the message */
};

static const struct dur_case durs[] = {
    {NULL, 3600, NULL},
    {"900", 900, NULL},
    {"43200", 43200, NULL},
    {"899", -1, "have value greater than or equal to 900"},
    {"43201", -1, "have value less than or equal to 43200"},
    {"abc", -1, "be an integer"},
    {"", -1, "be an integer"},
};

START_TEST(durations) {
    const struct dur_case *c = &durs[_i];
    struct sts_verr v = {0};
    long got = 0;
    int rc = sts_check_duration(c->text, STS_ROLE_DURATION_MIN, STS_ROLE_DURATION_MAX,
                                STS_ROLE_DURATION_DEFAULT, &v, &got);
    if (c->want >= 0) {
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(got, c->want);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_int_eq(v.n, 1);
        ck_assert_msg(strstr(v.text, c->what) != NULL, "%s: %s", c->text, v.text);
        ck_assert_msg(strstr(v.text, "at 'durationSeconds'") != NULL, "%s", v.text);
    }
}
END_TEST

struct arn_case {
    const char *arn;
    const char *account;  /* NULL: invalid */
    const char *name;
};

static const struct arn_case arns[] = {
    {"arn:aws:iam::123456789012:role/deployer", "123456789012", "deployer"},
    {"arn:aws:iam::123456789012:role/path/to/app-role", "123456789012", "app-role"},
    {"arn:aws:iam::12345678901:role/short-account", NULL, NULL},
    {"arn:aws:iam::123456789012:user/alice", NULL, NULL},
    {"arn:aws:s3:::bucket/role/x", NULL, NULL},
    {"arn:aws:iam::123456789012:role/", NULL, NULL},
    {"arn:aws:iam::123456789012:role/bad name", NULL, NULL},
    {"not-an-arn-at-all-really", NULL, NULL},
};

START_TEST(role_arns) {
    const struct arn_case *c = &arns[_i];
    char account[13], name[128];
    int rc = sts_parse_role_arn(c->arn, account, name, sizeof(name));
    ck_assert_msg(rc == (c->account ? 0 : -1), "%s: rc %d", c->arn, rc);
    if (c->account) {
        ck_assert_str_eq(account, c->account);
        ck_assert_str_eq(name, c->name);
    }
}
END_TEST

START_TEST(derived_ids) {
    char a[22], b[22], c[22];
    sts_derived_id("AROA", "arn:aws:iam::123456789012:role/r", a);
    sts_derived_id("AROA", "arn:aws:iam::123456789012:role/r", b);
    sts_derived_id("AROA", "arn:aws:iam::123456789012:role/s", c);
    ck_assert_int_eq((int)strlen(a), 21);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert(strncmp(a, "AROA", 4) == 0);
    ck_assert_uint_eq(strspn(a + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), 17);
}
END_TEST

struct form_case {
    const char *body;
    const char *name;
    const char *want;  /* NULL: absent */
};

static const struct form_case forms[] = {
    {"Action=GetCallerIdentity&Version=2011-06-15", "Version", "2011-06-15"},
    {"Version=2010-08-01&Action=ListMetrics", "Version", "2010-08-01"},
    {"Action=X&XVersion=1", "Version", NULL},
    {"Action=X&Version", "Version", NULL},
    {"A=b%20c+d", "A", "b c d"},
    {"", "Version", NULL},
};

START_TEST(form_values) {
    const struct form_case *c = &forms[_i];
    char *v = query_form_value(c->body, strlen(c->body), c->name);
    if (c->want) {
        ck_assert_ptr_nonnull(v);
        ck_assert_str_eq(v, c->want);
    } else {
        ck_assert_ptr_null(v);
    }
    free(v);
}
END_TEST

static Suite *sts_suite(void) {
    Suite *s = suite_create("sts");
    TCase *tc = tcase_create("validate");
    tcase_add_loop_test(tc, session_names, 0, (int)(sizeof(names) / sizeof(names[0])));
    tcase_add_loop_test(tc, durations, 0, (int)(sizeof(durs) / sizeof(durs[0])));
    tcase_add_loop_test(tc, role_arns, 0, (int)(sizeof(arns) / sizeof(arns[0])));
    tcase_add_test(tc, derived_ids);
    suite_add_tcase(s, tc);
    tc = tcase_create("query");
    tcase_add_loop_test(tc, form_values, 0, (int)(sizeof(forms) / sizeof(forms[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(sts_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
