/*
 * Unit tests for IAM's pure parts (api/iam_int.h): validation tables with
 * AWS's messages, the policy outline check, the URL encoding of
 * documents, paging, version ids and the AWS managed policy table; and a
 * few operations driven in process (tests/unit/driver.h) for the
 * storage paths and the error envelope.
 */
#include "api/iam_int.h"
#include "api/aws_error.h"
#include "api/query.h"
#include "api/request.h"
#include "base/util.h"
#include "driver.h"
#include "storage/store.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -- names -- */

struct name_case {
    const char *name;
    size_t max;
    const char *msg; /* NULL: valid */
};

static const struct name_case names[] = {
    {"lambda-role", 64, NULL},
    {"a_b+c=d,e.f@g-h", 64, NULL},
    {"x", 64, NULL},
    {"bad name", 64,
     "1 validation error detected: Value 'bad name' at 'roleName' failed to satisfy constraint: Member must "
     "satisfy regular expression pattern: [\\w+=,.@-]+"},
    {"1234567890123456789012345678901234567890123456789012345678901234", 64, NULL},
    {"12345678901234567890123456789012345678901234567890123456789012345", 64,
     "1 validation error detected: Value '12345678901234567890123456789012345678901234567890123456789012345' at "
     "'roleName' failed to satisfy constraint: Member must have length less than or equal to 64"},
    {"", 64,
     "2 validation errors detected: Value '' at 'roleName' failed to satisfy constraint: Member must satisfy "
     "regular expression pattern: [\\w+=,.@-]+; Value '' at 'roleName' failed to satisfy constraint: Member "
     "must have length greater than or equal to 1"},
    {NULL, 64, "1 validation error detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null"},
};

START_TEST(role_names) {
    const struct name_case *c = &names[_i];
    struct sts_verr v = {0};
    int rc = iam_check_name(c->name, "roleName", c->max, &v);
    ck_assert_int_eq(rc, c->msg ? -1 : 0);
    if (c->msg) {
        char msg[1200];
        sts_verr_message(&v, msg, sizeof(msg));
        ck_assert_str_eq(msg, c->msg);
    }
}
END_TEST

/* -- paths -- */

struct path_case {
    const char *path;
    int policy;
    int ok;
};

static const struct path_case paths[] = {
    {"/", 0, 1},          {"/a/", 0, 1},      {"/a/b c/", 0, 0}, {"/a/b/", 0, 1}, {"a/", 0, 0},
    {"//", 0, 0},         {"/a", 0, 0},       {"", 0, 0},        {"/x~!/", 0, 1},
    {"/", 1, 1},          {"/team/", 1, 1},   {"/a/b/", 1, 1},   {"/a//", 1, 0},  {"//", 1, 0},
    {"/x~/", 1, 0},       {"/a", 1, 0},       {"", 1, 0},        {"/a.b,c+d@e=f_g-h/", 1, 1},
};

START_TEST(path_checks) {
    const struct path_case *c = &paths[_i];
    struct sts_verr v = {0};
    int rc = iam_check_path(c->path, "path", c->policy, &v);
    ck_assert_msg(rc == (c->ok ? 0 : -1), "%s (policy %d): %s", c->path, c->policy, v.text);
    if (!c->ok) ck_assert_msg(strstr(v.text, "at 'path'") != NULL, "%s", v.text);
}
END_TEST

START_TEST(path_prefixes) {
    struct sts_verr v = {0};
    ck_assert_int_eq(iam_check_path_prefix(NULL, "pathPrefix", &v), 0);
    ck_assert_int_eq(iam_check_path_prefix("/", "pathPrefix", &v), 0);
    ck_assert_int_eq(iam_check_path_prefix("/svc", "pathPrefix", &v), 0);
    ck_assert_int_eq(v.n, 0);
    ck_assert_int_eq(iam_check_path_prefix("svc/", "pathPrefix", &v), -1);
    ck_assert_int_eq(iam_check_path_prefix("", "pathPrefix", &v), -1);
}
END_TEST

/* -- integers, descriptions, documents as parameters -- */

struct int_case {
    const char *text;
    long want; /* -1: error */
    const char *what;
};

static const struct int_case ints[] = {
    {NULL, 100, NULL},
    {"1", 1, NULL},
    {"1000", 1000, NULL},
    {"0", -1, "Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"},
    {"1001", -1, "Member must have value less than or equal to 1000"},
    {"ten", -1, "Member must be an integer"},
    {"", -1, "Member must be an integer"},
};

START_TEST(int_checks) {
    const struct int_case *c = &ints[_i];
    struct sts_verr v = {0};
    long got = 0;
    int rc = sts_check_int(c->text, "maxItems", 1, IAM_MAX_ITEMS_MAX, IAM_MAX_ITEMS_DEFAULT, &v, &got);
    if (c->want >= 0) {
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(got, c->want);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_msg(strstr(v.text, c->what) != NULL, "%s", v.text);
    }
}
END_TEST

START_TEST(text_checks) {
    struct sts_verr v = {0};
    ck_assert_int_eq(iam_check_description("caf\xc3\xa9 ok", "description", &v), 0);
    ck_assert_int_eq(iam_check_description("tab\tok", "description", &v), 0);
    ck_assert_int_eq(v.n, 0);
    ck_assert_int_eq(iam_check_description("bell\x07", "description", &v), -1);
    ck_assert_int_eq(iam_check_description("euro \xe2\x82\xac", "description", &v), -1);
    v = (struct sts_verr){0};
    ck_assert_int_eq(iam_check_document_param("{\"a\": \"\xc3\xa9\"}", "policyDocument", &v), 0);
    ck_assert_int_eq(iam_check_document_param(NULL, "policyDocument", &v), -1);
    ck_assert_msg(strstr(v.text, "Value null at 'policyDocument'") != NULL, "%s", v.text);
    v = (struct sts_verr){0};
    ck_assert_int_eq(iam_check_document_param("\xe2\x82\xac", "policyDocument", &v), -1);
    ck_assert_int_eq(v.n, 1);
    v = (struct sts_verr){0};
    char *big = xcalloc(IAM_DOC_MAX + 2, 1);
    memset(big, ' ', IAM_DOC_MAX + 1);
    ck_assert_int_eq(iam_check_document_param(big, "policyDocument", &v), -1);
    ck_assert_msg(strstr(v.text, "less than or equal to 131072") != NULL, "%s", v.text);
    free(big);
    v = (struct sts_verr){0};
    ck_assert_int_eq(iam_check_arn("arn:aws:iam::aws:policy/X", "policyArn", &v), 0);
    ck_assert_int_eq(iam_check_arn("arn:short", "policyArn", &v), -1);
}
END_TEST

/* -- the policy outline -- */

struct doc_case {
    const char *doc;
    int managed;
    const char *msg; /* NULL: accepted */
};

#define SYNTAX "Syntax errors in policy."
#define STMT "{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\"}"

static const struct doc_case docs[] = {
    {"{\"Version\":\"2012-10-17\",\"Statement\":[" STMT "]}", 0, NULL},
    {"{\"Version\":\"2012-10-17\",\"Statement\":" STMT "}", 1, NULL},
    {"{\"Statement\":[" STMT "]}", 0, NULL},
    {"{\"Version\":\"2008-10-17\",\"Id\":\"x\",\"Statement\":[" STMT "]}", 0, NULL},
    {"not json", 0, SYNTAX},
    {"", 0, SYNTAX},
    {"[1,2]", 0, SYNTAX},
    {"{}", 0, SYNTAX},
    {"{\"Version\":\"2012-10-17\"}", 0, SYNTAX},
    {"{\"Version\":\"2012-10-17\",\"Statement\":[" STMT "],\"Extra\":1}", 0, SYNTAX},
    {"{\"Version\":\"2011-01-01\",\"Statement\":[" STMT "]}", 0, SYNTAX},
    {"{\"Version\":\"2012-10-17\",\"Statement\":\"x\"}", 0, SYNTAX},
    {"{\"Version\":\"2012-10-17\",\"Statement\":[1]}", 0, SYNTAX},
    {"{\"Version\":\"2012-10-17\",\"Statement\":[" STMT "]} trailing", 0, SYNTAX},
    {"{\"Statement\":[" STMT "]}", 1, "Policy document must be version 2012-10-17 or greater."},
    {"{\"Version\":\"2008-10-17\",\"Statement\":[" STMT "]}", 1, "Policy document must be version 2012-10-17 or greater."},
};

START_TEST(policy_outline) {
    const struct doc_case *c = &docs[_i];
    const char *got = iam_check_policy(c->doc, c->managed);
    if (c->msg == NULL) ck_assert_msg(got == NULL, "%s: %s", c->doc, got);
    else ck_assert_msg(got && strcmp(got, c->msg) == 0, "%s: %s", c->doc, got ? got : "(accepted)");
}
END_TEST

/* -- URL encoding -- */

START_TEST(url_encoding) {
    const char *doc = "{\"Version\": \"2012-10-17\",\n \"Action\": \"sts:AssumeRole\", \"x\": \"a+b~c_d.e-f\"}";
    char *enc = util_pct_encode(doc, NULL);
    ck_assert_str_eq(enc, "%7B%22Version%22%3A%20%222012-10-17%22%2C%0A%20%22Action%22%3A%20%22sts%3AAssumeRole"
                          "%22%2C%20%22x%22%3A%20%22a%2Bb~c_d.e-f%22%7D");
    char *dec = util_pct_decode(enc, strlen(enc));
    ck_assert_str_eq(dec, doc);
    free(dec);
    free(enc);
    enc = util_pct_encode("caf\xc3\xa9", NULL);
    ck_assert_str_eq(enc, "caf%C3%A9");
    free(enc);
}
END_TEST

/* -- paging -- */

static const char *const KEYS[] = {"a", "b", "c", "d", "e"};

struct page_case {
    const char *marker;
    long max_items;
    size_t start, count;
    const char *next;
};

static const struct page_case pages[] = {
    {NULL, 2, 0, 2, "c"},
    {"c", 2, 2, 2, "e"},
    {"e", 2, 4, 1, NULL},
    {NULL, 100, 0, 5, NULL},
    {NULL, 5, 0, 5, NULL},
    {NULL, 4, 0, 4, "e"},
    {"bb", 2, 2, 2, "e"},  /* a marker no longer in the list: the next key */
    {"z", 2, 5, 0, NULL},
    {"0", 1, 0, 1, "b"},
};

START_TEST(paging) {
    const struct page_case *c = &pages[_i];
    struct iam_page pg;
    iam_page(KEYS, 5, c->marker, c->max_items, &pg);
    ck_assert_uint_eq(pg.start, c->start);
    ck_assert_uint_eq(pg.count, c->count);
    if (c->next) ck_assert_str_eq(pg.next, c->next);
    else ck_assert_ptr_null(pg.next);
}
END_TEST

START_TEST(paging_empty) {
    struct iam_page pg;
    iam_page(NULL, 0, NULL, 100, &pg);
    ck_assert_uint_eq(pg.count, 0);
    ck_assert_ptr_null(pg.next);
}
END_TEST

/* -- version ids, keys, the AWS managed table -- */

START_TEST(version_ids) {
    ck_assert_int_eq(iam_version_num("v1"), 1);
    ck_assert_int_eq(iam_version_num("v12"), 12);
    ck_assert_int_eq(iam_version_num("v0"), -1);
    ck_assert_int_eq(iam_version_num("v"), -1);
    ck_assert_int_eq(iam_version_num("1"), -1);
    ck_assert_int_eq(iam_version_num("v1x"), -1);
    ck_assert_int_eq(iam_version_num(NULL), -1);
    char key[16];
    iam_name_key("My-Role", key, sizeof(key));
    ck_assert_str_eq(key, "my-role");
}
END_TEST

START_TEST(aws_managed) {
    static const char *const want[] = {
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaRole",
        "arn:aws:iam::aws:policy/AdministratorAccess",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const struct iam_aws_policy *p = iam_aws_policy_find(want[i]);
        ck_assert_msg(p != NULL, "%s", want[i]);
        ck_assert_msg(iam_check_policy(p->document, 1) == NULL, "%s", p->name);
        ck_assert_int_ge(iam_version_num(p->version), 1);
    }
    ck_assert_ptr_null(iam_aws_policy_find("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole"));
    ck_assert_ptr_null(iam_aws_policy_find("arn:aws:iam::123456789012:policy/AdministratorAccess"));
    ck_assert_ptr_null(iam_aws_policy_find(NULL));
}
END_TEST

/* -- in process: the error envelope and the storage paths -- */

static void setup(void) { ck_assert_int_eq(store_init(NULL, 1), STORE_OK); }
static void teardown(void) { store_shutdown(); }

#define TRUST_ENC                                                                                          \
    "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal" \
    "%22%3A%7B%22Service%22%3A%22lambda.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D"

static struct req *iam(const char *query) {
    char path[1024];
    snprintf(path, sizeof(path), "/?Version=2010-05-08&%s", query);
    return drive("POST", path, NULL, NULL, "123456789012");
}

START_TEST(error_envelope) {
    struct req *r = iam("Action=GetRole&RoleName=nope");
    ck_assert_ptr_nonnull(r->err);
    ck_assert_str_eq(r->err->code, "NoSuchEntity");
    ck_assert_int_eq(r->err->status, 404);
    ck_assert_str_eq(r->err_msg, "The role with name nope cannot be found.");
    char *xml = query_error_xml("https://iam.amazonaws.com/doc/2010-05-08/", r->err, r->err_msg, "rid");
    ck_assert_str_eq(xml, "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
                          "<Code>NoSuchEntity</Code><Message>The role with name nope cannot be found.</Message></Error>"
                          "<RequestId>rid</RequestId></ErrorResponse>");
    free(xml);
    req_free(r);
}
END_TEST

START_TEST(role_lifecycle) {
    struct req *r = iam("Action=CreateRole&RoleName=Svc&Path=%2Fa%2F&AssumeRolePolicyDocument=" TRUST_ENC);
    ck_assert_ptr_null(r->err);
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_nonnull(strstr(r->resp_body, "<Arn>arn:aws:iam::123456789012:role/a/Svc</Arn>"));
    ck_assert_ptr_nonnull(strstr(r->resp_body, "<RoleId>AROA"));
    ck_assert_ptr_nonnull(strstr(r->resp_body, "<AssumeRolePolicyDocument>%7B%22Version"));
    req_free(r);
    r = iam("Action=CreateRole&RoleName=svc&AssumeRolePolicyDocument=" TRUST_ENC);
    ck_assert_str_eq(r->err->code, "EntityAlreadyExists");
    ck_assert_str_eq(r->err_msg, "Role with name svc already exists.");
    req_free(r);
    r = iam("Action=PutRolePolicy&RoleName=svc&PolicyName=p&PolicyDocument=" TRUST_ENC);
    ck_assert_ptr_null(r->err);
    req_free(r);
    r = iam("Action=DeleteRole&RoleName=SVC");
    ck_assert_str_eq(r->err->code, "DeleteConflict");
    ck_assert_int_eq(r->err->status, 409);
    ck_assert_str_eq(r->err_msg, "Cannot delete entity, must delete policies first.");
    req_free(r);
    r = iam("Action=AttachRolePolicy&RoleName=svc&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAdministratorAccess");
    ck_assert_ptr_null(r->err);
    req_free(r);
    r = iam("Action=DeleteRole&RoleName=svc");
    ck_assert_str_eq(r->err_msg, "Cannot delete entity, must detach all policies first.");
    req_free(r);
    r = iam("Action=DetachRolePolicy&RoleName=svc&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAdministratorAccess");
    ck_assert_ptr_null(r->err);
    req_free(r);
    r = iam("Action=DeleteRolePolicy&RoleName=svc&PolicyName=p");
    ck_assert_ptr_null(r->err);
    req_free(r);
    r = iam("Action=DeleteRole&RoleName=svc");
    ck_assert_ptr_null(r->err);
    req_free(r);
    r = iam("Action=GetRole&RoleName=Svc");
    ck_assert_str_eq(r->err->code, "NoSuchEntity");
    req_free(r);
}
END_TEST

START_TEST(bad_input_is_4xx) {
    static const char *const queries[] = {
        "Action=CreateRole",
        "Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=%7B",
        "Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=" TRUST_ENC "&Tags.member.1.Key=k",
        "Action=CreateRole&RoleName=r&AssumeRolePolicyDocument=" TRUST_ENC "&MaxSessionDuration=x",
        "Action=TagRole&RoleName=r",
        "Action=UntagRole&RoleName=r&TagKeys=x",
        "Action=ListRoles&MaxItems=0",
        "Action=ListPolicies&Scope=Mine",
        "Action=GetPolicy&PolicyArn=not-an-arn-at-all-at-all",
        "Action=GetPolicyVersion&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAdministratorAccess&VersionId=1",
        "Action=GetPolicyVersion&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAdministratorAccess&VersionId=v2",
        "Action=DeletePolicy&PolicyArn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FAdministratorAccess",
        "Action=RoleName.x=1&Action=GetRole",
        "Action=GetRole&RoleName.a=1",
        "Action=Nope",
    };
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        struct req *r = iam(queries[i]);
        ck_assert_msg(r->err != NULL, "%s: no error", queries[i]);
        ck_assert_msg(r->err->status >= 400 && r->err->status < 500, "%s: %d", queries[i], r->err->status);
        req_free(r);
    }
}
END_TEST

static Suite *iam_suite(void) {
    Suite *s = suite_create("iam");
    TCase *tc = tcase_create("validate");
    tcase_add_loop_test(tc, role_names, 0, (int)(sizeof(names) / sizeof(names[0])));
    tcase_add_loop_test(tc, path_checks, 0, (int)(sizeof(paths) / sizeof(paths[0])));
    tcase_add_test(tc, path_prefixes);
    tcase_add_loop_test(tc, int_checks, 0, (int)(sizeof(ints) / sizeof(ints[0])));
    tcase_add_test(tc, text_checks);
    tcase_add_loop_test(tc, policy_outline, 0, (int)(sizeof(docs) / sizeof(docs[0])));
    suite_add_tcase(s, tc);
    tc = tcase_create("pure");
    tcase_add_test(tc, url_encoding);
    tcase_add_loop_test(tc, paging, 0, (int)(sizeof(pages) / sizeof(pages[0])));
    tcase_add_test(tc, paging_empty);
    tcase_add_test(tc, version_ids);
    tcase_add_test(tc, aws_managed);
    suite_add_tcase(s, tc);
    tc = tcase_create("driven");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, error_envelope);
    tcase_add_test(tc, role_lifecycle);
    tcase_add_test(tc, bad_input_is_4xx);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(iam_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
