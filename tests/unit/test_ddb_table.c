/*
 * Unit tests for the table-name decisions of api/dynamodb.c: how a
 * TableName value (a name or a table ARN) is classified for a caller's
 * account and region (ddb_table_ref_parse), and how an engine failure
 * (struct ddb_err) becomes the request's AWS error (ddb_req_fail),
 * table-driven.
 */
#include "api/aws_error.h"
#include "api/ddb_int.h"
#include "base/util.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT "123456789012"
#define REGION "us-east-1"
#define ARN "arn:aws:dynamodb:" REGION ":" ACCOUNT ":table/"

static const struct ref_case {
    const char *z;
    enum ddb_table_ref want;
    const char *name;   /* the name found, for NAME and ARN */
} ref_cases[] = {
    {"Orders", DDB_REF_NAME, "Orders"},
    {"a/b", DDB_REF_NAME, "a/b"},             /* the caller's name checks refuse it */
    {"arn", DDB_REF_NAME, "arn"},
    {"arnold", DDB_REF_NAME, "arnold"},
    {ARN "Orders", DDB_REF_ARN, "Orders"},
    {ARN "my.table-1_x", DDB_REF_ARN, "my.table-1_x"},
    {ARN "Orders/index/gsi1", DDB_REF_BAD_ARN, NULL},
    {ARN "Orders/stream/2026-01-01T00:00:00.000", DDB_REF_BAD_ARN, NULL},
    {ARN "ab", DDB_REF_BAD_ARN, NULL},
    {ARN, DDB_REF_BAD_ARN, NULL},
    {ARN "a:b:c", DDB_REF_BAD_ARN, NULL},
    {"arn:aws:dynamodb:" REGION ":" ACCOUNT ":stream/Orders", DDB_REF_BAD_ARN, NULL},
    {"arn:aws:dynamodb:" REGION ":" ACCOUNT, DDB_REF_BAD_ARN, NULL},
    {"arn:aws:s3:::Orders", DDB_REF_BAD_ARN, NULL},
    {"arn:aws-cn:dynamodb:" REGION ":" ACCOUNT ":table/Orders", DDB_REF_BAD_ARN, NULL},
    {"arn:", DDB_REF_BAD_ARN, NULL},
    {"arn:aws:dynamodb:" REGION ":000000000000:table/Orders", DDB_REF_OTHER_ACCOUNT, NULL},
    {"arn:aws:dynamodb:" REGION "::table/Orders", DDB_REF_OTHER_ACCOUNT, NULL},
    {"arn:aws:dynamodb:eu-west-1:" ACCOUNT ":table/Orders", DDB_REF_OTHER_REGION, NULL},
    {"arn:aws:dynamodb:us-east-10:" ACCOUNT ":table/Orders", DDB_REF_OTHER_REGION, NULL},
    /* account before region, as DynamoDB checks resource ARNs */
    {"arn:aws:dynamodb:eu-west-1:000000000000:table/Orders", DDB_REF_OTHER_ACCOUNT, NULL},
};

START_TEST(ref_parse_table) {
    const struct ref_case *c = &ref_cases[_i];
    const char *name = NULL;
    enum ddb_table_ref got = ddb_table_ref_parse(c->z, REGION, ACCOUNT, &name);
    ck_assert_msg(got == c->want, "'%s' classified %d, want %d", c->z, (int)got, (int)c->want);
    if (c->name) ck_assert_msg(name && strcmp(name, c->name) == 0, "'%s' names '%s', want '%s'", c->z,
                               name ? name : "(null)", c->name);
}
END_TEST

static const struct fail_case {
    enum ddb_errkind kind;
    const struct aws_error *want;
} fail_cases[] = {
    {DDB_ERR_VALIDATION, &AWSERR_DDB_VALIDATION},
    {DDB_ERR_NOT_FOUND, &AWSERR_DDB_NOT_FOUND},
    {DDB_ERR_IN_USE, &AWSERR_DDB_RESOURCE_IN_USE},
    {DDB_ERR_IDEMPOTENT, &AWSERR_DDB_IDEMPOTENT},
    {DDB_ERR_INTERNAL, &AWSERR_DDB_INTERNAL},
};

START_TEST(req_fail_table) {
    const struct fail_case *c = &fail_cases[_i];
    struct req *r = xcalloc(1, sizeof(*r));
    struct ddb_err err = {0};
    /* A message with a percent sign and a long tail: copied, not formatted. */
    ck_assert_int_eq(ddb_err_set(&err, c->kind, "100%% of %s", "Table: T not found"), -1);
    ck_assert_int_eq(ddb_req_fail(r, &err), -1);
    ck_assert_ptr_eq(r->err, c->want);
    ck_assert_str_eq(r->err_msg, "100% of Table: T not found");
    ck_assert_int_eq(err.kind, DDB_ERR_NONE);
    ck_assert_ptr_null(err.msg);
    req_free(r);
}
END_TEST

int main(void) {
    Suite *s = suite_create("ddb_table");
    TCase *tc = tcase_create("ref_parse");
    tcase_add_loop_test(tc, ref_parse_table, 0, (int)(sizeof(ref_cases) / sizeof(ref_cases[0])));
    suite_add_tcase(s, tc);
    tc = tcase_create("req_fail");
    tcase_add_loop_test(tc, req_fail_table, 0, (int)(sizeof(fail_cases) / sizeof(fail_cases[0])));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
