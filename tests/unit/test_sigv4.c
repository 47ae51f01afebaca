/*
 * Unit tests for server/sigv4.h: one table of Authorization headers and
 * X-Amz-Credential values with the scope each yields.
 */
#include "server/sigv4.h"

#include <check.h>
#include <string.h>

struct scope_case {
    const char *name;
    const char *auth;       /* Authorization header, or NULL */
    const char *cred;       /* X-Amz-Credential, or NULL */
    int found;
    const char *account, *region, *service;
};

#define H(k) "AWS4-HMAC-SHA256 Credential=" k ", SignedHeaders=host;x-amz-date, Signature=abc"

static const struct scope_case cases[] = {
    {"boto3 lambda", H("AKIDEXAMPLE/20261207/eu-west-1/lambda/aws4_request"), NULL, 1, "", "eu-west-1", "lambda"},
    {"12-digit key picks the account", H("123456789012/20261207/us-east-2/dynamodb/aws4_request"), NULL, 1,
     "123456789012", "us-east-2", "dynamodb"},
    {"13 digits is not an account", H("1234567890123/20261207/us-east-1/logs/aws4_request"), NULL, 1, "",
     "us-east-1", "logs"},
    {"signing name with a dot", H("AKID/20261207/us-east-1/streams.dynamodb/aws4_request"), NULL, 1, "",
     "us-east-1", "streams.dynamodb"},
    {"presigned url", NULL, "AKID/20261207/ap-south-1/s3/aws4_request", 1, "", "ap-south-1", "s3"},
    {"header wins over query", H("AKID/20261207/us-west-2/monitoring/aws4_request"),
     "AKID/20261207/ap-south-1/s3/aws4_request", 1, "", "us-west-2", "monitoring"},
    {"no credential", "AWS4-HMAC-SHA256 SignedHeaders=host", NULL, 0, "", "", ""},
    {"unsigned", NULL, NULL, 0, "", "", ""},
    {"scope cut after the region", H("AKID/20261207/us-east-1"), NULL, 0, "", "", ""},
    {"scope cut after the service", "AWS4-HMAC-SHA256 Credential=AKID/20261207/us-east-1/sqs", NULL, 0, "",
     "us-east-1", ""},
    {"uppercase region refused", H("AKID/20261207/US-EAST-1/lambda/aws4_request"), NULL, 1, "", "", "lambda"},
    {"dot in region refused", H("AKID/20261207/us.east/lambda/aws4_request"), NULL, 1, "", "", "lambda"},
    {"quote in service refused", H("AKID/20261207/us-east-1/lam\"bda/aws4_request"), NULL, 0, "",
     "us-east-1", ""},
    {"overlong region refused", H("AKID/20261207/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/lambda/aws4_request"),
     NULL, 1, "", "", "lambda"},
    {"empty fields", H("//////"), NULL, 0, "", "", ""},
    {"sigv2-style header", "AWS AKIDEXAMPLE:c2lnbmF0dXJl", NULL, 0, "", "", ""},
};

START_TEST(test_scope) {
    const struct scope_case *c = &cases[_i];
    struct sigv4_scope sc;
    int found = sigv4_scope(c->auth, c->cred, &sc);
    ck_assert_msg(found == c->found, "%s: found %d", c->name, found);
    ck_assert_msg(strcmp(sc.account, c->account) == 0, "%s: account '%s'", c->name, sc.account);
    ck_assert_msg(strcmp(sc.region, c->region) == 0, "%s: region '%s'", c->name, sc.region);
    ck_assert_msg(strcmp(sc.service, c->service) == 0, "%s: service '%s'", c->name, sc.service);
}
END_TEST

int main(void) {
    Suite *s = suite_create("sigv4");
    TCase *tc = tcase_create("scope");
    tcase_add_loop_test(tc, test_scope, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
