/*
 * Unit tests for the table-name decisions of api/dynamodb.c: how a
 * TableName value (a name or a table ARN) is classified for a caller's
 * account and region (ddb_table_ref_parse), table-driven.
 */
#include "api/ddb_int.h"

#include <check.h>
#include <stdio.h>
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

int main(void) {
    Suite *s = suite_create("ddb_table");
    TCase *tc = tcase_create("ref_parse");
    tcase_add_loop_test(tc, ref_parse_table, 0, (int)(sizeof(ref_cases) / sizeof(ref_cases[0])));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
