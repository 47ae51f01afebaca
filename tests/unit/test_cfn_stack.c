/*
 * Unit tests for CloudFormation's API and deployer (api/cloudformation*.c,
 * api/cfn_deploy.c) through the in-process driver: the deployer's queue is
 * run on the test's thread (cfn_deploy_run_pending), so each test sees the
 * end state of an operation; the restart behaviour is shown by marking a
 * queued operation begun before it runs, as a server stopped during it
 * leaves it.
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/call.h"
#include "api/request.h"
#include "server/router.h"
#include "storage/store.h"
#include "storage/store_cfn.h"
#include "storage/store_ssm.h"
#include "driver.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT "000000000000"

static void setup(void) {
    ck_assert_int_eq(store_init(NULL, 1), STORE_OK);
    call_init(router_prepare, router_dispatch);
}

static void teardown(void) { store_shutdown(); }

/* Runs ACTION with the form members NAME, VALUE, ... (NULL-terminated). */
static struct req *cfn(const char *action, ...) {
    cJSON *form = cJSON_CreateObject();
    va_list ap;
    va_start(ap, action);
    const char *k;
    while ((k = va_arg(ap, const char *)) != NULL) cJSON_AddStringToObject(form, k, va_arg(ap, const char *));
    va_end(ap);
    char *q = call_form(action, "2010-05-15", form), path[65536];
    snprintf(path, sizeof(path), "/?%s", q);
    free(q);
    cJSON_Delete(form);
    return drive("POST", path, NULL, NULL, ACCOUNT);
}

/* The reply body of a successful ACTION, or the failure with its message. */
static char *ok(struct req *r) {
    ck_assert_msg(r->err == NULL, "%s: %s", r->err ? r->err->code : "", r->err_msg ? r->err_msg : "");
    char *body = strndup(r->resp_body, r->nresp);
    req_free(r);
    return body;
}

static void fails(struct req *r, const char *code, const char *msg) {
    ck_assert_ptr_nonnull(r->err);
    ck_assert_str_eq(r->err->code, code);
    ck_assert_msg(strstr(r->err_msg, msg) != NULL, "message '%s' lacks '%s'", r->err_msg, msg);
    req_free(r);
}

static char *status_of(const char *name) {
    struct store_scope s = {ACCOUNT, "us-east-1"};
    struct store_cfn_stack st;
    if (store_cfn_stack_get(s, name, &st) != STORE_OK) return strdup("NONE");
    char *z = strdup(st.status);
    store_cfn_stack_clear(&st);
    return z;
}

static void expect_status(const char *name, const char *status) {
    char *z = status_of(name);
    ck_assert_str_eq(z, status);
    free(z);
}

static int param_exists(const char *name) {
    char *v = NULL, type[16];
    int64_t ver;
    int rc = store_ssm_lookup(ACCOUNT, "us-east-1", name, &v, type, &ver);
    free(v);
    return rc == STORE_OK;
}

#define TMPL_P(name, value)                                                                                 \
    "{\"Resources\":{\"P\":{\"Type\":\"AWS::SSM::Parameter\",\"Properties\":{\"Name\":\"" name             \
    "\",\"Type\":\"String\",\"Value\":\"" value "\"}}},\"Outputs\":{\"O\":{\"Value\":{\"Ref\":\"P\"},"     \
    "\"Export\":{\"Name\":\"exp-" name "\"}}}}"

START_TEST(create_describe_delete) {
    free(ok(cfn("CreateStack", "StackName", "s1", "TemplateBody", TMPL_P("/p1", "v"), NULL)));
    expect_status("s1", "CREATE_IN_PROGRESS");
    ck_assert_int_eq(cfn_deploy_run_pending(), 1);
    expect_status("s1", "CREATE_COMPLETE");
    ck_assert(param_exists("/p1"));
    char *body = ok(cfn("DescribeStacks", "StackName", "s1", NULL));
    ck_assert_ptr_nonnull(strstr(body, "<OutputValue>/p1</OutputValue>"));
    ck_assert_ptr_nonnull(strstr(body, "<ExportName>exp-/p1</ExportName>"));
    free(body);
    body = ok(cfn("DescribeStackEvents", "StackName", "s1", NULL));
    /* Newest first: the stack's CREATE_COMPLETE leads, User Initiated ends. */
    char *first = strstr(body, "<ResourceStatus>"), *last = strstr(body, "User Initiated");
    ck_assert_ptr_nonnull(first);
    ck_assert_int_eq(strncmp(first, "<ResourceStatus>CREATE_COMPLETE", 31), 0);
    ck_assert_ptr_nonnull(last);
    ck_assert_ptr_nonnull(strstr(body, "<EventId>P-CREATE_COMPLETE-"));
    free(body);
    fails(cfn("CreateStack", "StackName", "s1", "TemplateBody", TMPL_P("/p1", "v"), NULL), "AlreadyExistsException",
          "Stack [s1] already exists");
    free(ok(cfn("DeleteStack", "StackName", "s1", NULL)));
    cfn_deploy_run_pending();
    ck_assert(!param_exists("/p1"));
    fails(cfn("DescribeStacks", "StackName", "s1", NULL), "ValidationError", "Stack with id s1 does not exist");
    /* Deleting what is not there succeeds. */
    free(ok(cfn("DeleteStack", "StackName", "s1", NULL)));
}
END_TEST

START_TEST(validation_errors) {
    fails(cfn("DescribeStacks", "StackName", "nope", NULL), "ValidationError", "Stack with id nope does not exist");
    fails(cfn("CreateStack", "StackName", "s", NULL), "ValidationError", "Either Template URL or Template Body");
    fails(cfn("CreateStack", "StackName", "s", "TemplateBody", "{\"Resources\":{\"R\":{\"Type\":\"AWS::IAM::Role\","
                                                               "\"Properties\":{\"RoleName\":\"x\"}}}}", NULL),
          "InsufficientCapabilitiesException", "Requires capabilities : [CAPABILITY_NAMED_IAM]");
    fails(cfn("CreateStack", "StackName", "s", "TemplateBody",
              "{\"Parameters\":{\"B\":{\"Type\":\"AWS::SSM::Parameter::Value<String>\",\"Default\":\"/missing\"}},"
              "\"Resources\":{\"M\":{\"Type\":\"AWS::CDK::Metadata\"}}}", NULL),
          "ValidationError", "Unable to fetch parameters [/missing] from parameter store for this account.");
    fails(cfn("CreateStack", "StackName", "s", "TemplateBody",
              "{\"Parameters\":{\"E\":{\"Type\":\"String\",\"AllowedValues\":[\"a\"]}},"
              "\"Resources\":{\"M\":{\"Type\":\"AWS::CDK::Metadata\"}}}",
              "Parameters.member.1.ParameterKey", "E", "Parameters.member.1.ParameterValue", "b", NULL),
          "ValidationError", "Parameter 'E' must be one of AllowedValues");
    fails(cfn("CreateStack", "StackName", "1bad", "TemplateBody", TMPL_P("/x", "v"), NULL), "ValidationError",
          "failed to satisfy constraint");
}
END_TEST

START_TEST(failure_rolls_back) {
    free(ok(cfn("CreateStack", "StackName", "bad", "TemplateBody",
                "{\"Resources\":{\"A\":{\"Type\":\"AWS::SSM::Parameter\",\"Properties\":{\"Name\":\"/a\",\"Type\":\"String\","
                "\"Value\":\"a\"}},\"B\":{\"Type\":\"AWS::Nope::Thing\",\"DependsOn\":\"A\"}}}",
                NULL)));
    cfn_deploy_run_pending();
    expect_status("bad", "ROLLBACK_COMPLETE");
    ck_assert(!param_exists("/a"));
    char *body = ok(cfn("DescribeStackEvents", "StackName", "bad", NULL));
    ck_assert_ptr_nonnull(strstr(body, "Unsupported resource type AWS::Nope::Thing"));
    ck_assert_ptr_nonnull(strstr(body, "The following resource(s) failed to create: [B]."));
    free(body);
}
END_TEST

START_TEST(update_in_place_and_replace) {
    free(ok(cfn("CreateStack", "StackName", "u", "TemplateBody", TMPL_P("/u1", "v1"), NULL)));
    cfn_deploy_run_pending();
    fails(cfn("UpdateStack", "StackName", "u", "TemplateBody", TMPL_P("/u1", "v1"), NULL), "ValidationError",
          "No updates are to be performed.");
    free(ok(cfn("UpdateStack", "StackName", "u", "TemplateBody", TMPL_P("/u1", "v2"), NULL)));
    cfn_deploy_run_pending();
    expect_status("u", "UPDATE_COMPLETE");
    char *v = NULL, type[16];
    int64_t ver;
    ck_assert_int_eq(store_ssm_lookup(ACCOUNT, "us-east-1", "/u1", &v, type, &ver), STORE_OK);
    ck_assert_str_eq(v, "v2");
    free(v);
    /* A new name replaces: the new one is made first, the old one goes in the cleanup. */
    free(ok(cfn("UpdateStack", "StackName", "u", "TemplateBody", TMPL_P("/u2", "v2"), NULL)));
    cfn_deploy_run_pending();
    expect_status("u", "UPDATE_COMPLETE");
    ck_assert(param_exists("/u2"));
    ck_assert(!param_exists("/u1"));
    char *body = ok(cfn("DescribeStackEvents", "StackName", "u", NULL));
    char *cleanup = strstr(body, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS");
    char *old_delete = strstr(body, "<PhysicalResourceId>/u1</PhysicalResourceId>");
    char *made = strstr(body, "Requested update requires the creation of a new physical resource");
    ck_assert_ptr_nonnull(cleanup);
    ck_assert_ptr_nonnull(made);
    /* Newest first: the old one's delete comes before (is newer than) the cleanup status. */
    ck_assert(old_delete < cleanup && cleanup < made);
    free(body);
}
END_TEST

START_TEST(duplicate_export_fails) {
    free(ok(cfn("CreateStack", "StackName", "e1", "TemplateBody", TMPL_P("/same", "v"), NULL)));
    cfn_deploy_run_pending();
    /* Another stack exporting the same name (its parameter has another name). */
    free(ok(cfn("CreateStack", "StackName", "e2", "TemplateBody",
                "{\"Resources\":{\"P\":{\"Type\":\"AWS::SSM::Parameter\",\"Properties\":{\"Type\":\"String\",\"Value\":\"v\"}}},"
                "\"Outputs\":{\"O\":{\"Value\":\"x\",\"Export\":{\"Name\":\"exp-/same\"}}}}",
                NULL)));
    cfn_deploy_run_pending();
    expect_status("e2", "ROLLBACK_COMPLETE");
    char *body = ok(cfn("DescribeStackEvents", "StackName", "e2", NULL));
    ck_assert_ptr_nonnull(strstr(body, "Export with name exp-/same is already exported by stack e1"));
    free(body);
}
END_TEST

START_TEST(termination_protection) {
    free(ok(cfn("CreateStack", "StackName", "t", "TemplateBody", TMPL_P("/t", "v"), "EnableTerminationProtection",
                "true", NULL)));
    cfn_deploy_run_pending();
    fails(cfn("DeleteStack", "StackName", "t", NULL), "ValidationError",
          "Stack [t] cannot be deleted while TerminationProtection is enabled");
    free(ok(cfn("UpdateTerminationProtection", "StackName", "t", "EnableTerminationProtection", "false", NULL)));
    free(ok(cfn("DeleteStack", "StackName", "t", NULL)));
    cfn_deploy_run_pending();
    expect_status("t", "NONE");
}
END_TEST

START_TEST(imported_export_is_kept) {
    free(ok(cfn("CreateStack", "StackName", "prod", "TemplateBody", TMPL_P("/prod", "v"), NULL)));
    cfn_deploy_run_pending();
    free(ok(cfn("CreateStack", "StackName", "cons", "TemplateBody",
                "{\"Resources\":{\"C\":{\"Type\":\"AWS::SSM::Parameter\",\"Properties\":{\"Type\":\"String\","
                "\"Value\":{\"Fn::ImportValue\":\"exp-/prod\"}}}}}",
                NULL)));
    cfn_deploy_run_pending();
    expect_status("cons", "CREATE_COMPLETE");
    char *body = ok(cfn("ListImports", "ExportName", "exp-/prod", NULL));
    ck_assert_ptr_nonnull(strstr(body, "<member>cons</member>"));
    free(body);
    /* An update that drops the export is rolled back. */
    free(ok(cfn("UpdateStack", "StackName", "prod", "TemplateBody",
                "{\"Resources\":{\"P\":{\"Type\":\"AWS::SSM::Parameter\",\"Properties\":{\"Name\":\"/prod\","
                "\"Type\":\"String\",\"Value\":\"v\"}}}}",
                NULL)));
    cfn_deploy_run_pending();
    expect_status("prod", "UPDATE_ROLLBACK_COMPLETE");
    body = ok(cfn("DescribeStackEvents", "StackName", "prod", NULL));
    ck_assert_ptr_nonnull(strstr(body, "Export exp-/prod cannot be updated as it is in use by cons"));
    free(body);
    free(ok(cfn("DeleteStack", "StackName", "prod", NULL)));
    cfn_deploy_run_pending();
    expect_status("prod", "DELETE_FAILED");
    /* Once nothing imports it, it goes; RetainResources keeps the parameter. */
    free(ok(cfn("DeleteStack", "StackName", "cons", NULL)));
    free(ok(cfn("DeleteStack", "StackName", "prod", "RetainResources.member.1", "P", NULL)));
    cfn_deploy_run_pending();
    expect_status("prod", "NONE");
    ck_assert(param_exists("/prod"));
}
END_TEST

/* P (DeletionPolicy Retain) is dropped by an update; Q (UpdateReplacePolicy
 * Retain) is renamed: both old resources stay, with DELETE_SKIPPED or no
 * delete at all. */
START_TEST(retain_policies) {
    free(ok(cfn("CreateStack", "StackName", "ret", "TemplateBody",
                "{\"Resources\":{\"P\":{\"Type\":\"AWS::SSM::Parameter\",\"DeletionPolicy\":\"Retain\","
                "\"Properties\":{\"Name\":\"/ret/p\",\"Type\":\"String\",\"Value\":\"v\"}},"
                "\"Q\":{\"Type\":\"AWS::SSM::Parameter\",\"UpdateReplacePolicy\":\"Retain\","
                "\"Properties\":{\"Name\":\"/ret/q1\",\"Type\":\"String\",\"Value\":\"v\"}}}}",
                NULL)));
    cfn_deploy_run_pending();
    expect_status("ret", "CREATE_COMPLETE");
    free(ok(cfn("UpdateStack", "StackName", "ret", "TemplateBody",
                "{\"Resources\":{\"Q\":{\"Type\":\"AWS::SSM::Parameter\",\"UpdateReplacePolicy\":\"Retain\","
                "\"Properties\":{\"Name\":\"/ret/q2\",\"Type\":\"String\",\"Value\":\"v\"}}}}",
                NULL)));
    cfn_deploy_run_pending();
    expect_status("ret", "UPDATE_COMPLETE");
    ck_assert(param_exists("/ret/p"));
    ck_assert(param_exists("/ret/q1"));
    ck_assert(param_exists("/ret/q2"));
    char *body = ok(cfn("DescribeStackEvents", "StackName", "ret", NULL));
    ck_assert_ptr_nonnull(strstr(body, "<EventId>P-DELETE_SKIPPED-"));
    free(body);
    body = ok(cfn("ListStackResources", "StackName", "ret", NULL));
    ck_assert_ptr_null(strstr(body, "<LogicalResourceId>P</LogicalResourceId>"));
    ck_assert_ptr_nonnull(strstr(body, "<PhysicalResourceId>/ret/q2</PhysicalResourceId>"));
    free(body);
}
END_TEST

/* Marks the queued operation begun, as a server stopped during it leaves it. */
static void interrupt_queued(void) {
    int64_t seq;
    char *sid, *kind, *arg;
    int started;
    ck_assert_int_eq(store_cfn_op_next(&seq, &sid, &kind, &arg, &started), STORE_OK);
    ck_assert_int_eq(store_begin(1), STORE_OK);
    ck_assert_int_eq(store_cfn_op_start(seq), STORE_OK);
    ck_assert_int_eq(store_commit(), STORE_OK);
    free(sid);
    free(kind);
    free(arg);
}

START_TEST(restart_during_create_and_update) {
    free(ok(cfn("CreateStack", "StackName", "r", "TemplateBody", TMPL_P("/r", "v"), NULL)));
    interrupt_queued();
    cfn_deploy_run_pending();
    expect_status("r", "ROLLBACK_COMPLETE");
    char *body = ok(cfn("DescribeStackEvents", "StackName", "r", NULL));
    ck_assert_ptr_nonnull(strstr(body, "interrupted by a restart of sluice"));
    free(body);
    free(ok(cfn("DeleteStack", "StackName", "r", NULL)));
    cfn_deploy_run_pending();
    free(ok(cfn("CreateStack", "StackName", "r", "TemplateBody", TMPL_P("/r", "v"), NULL)));
    cfn_deploy_run_pending();
    free(ok(cfn("UpdateStack", "StackName", "r", "TemplateBody", TMPL_P("/r", "v2"), NULL)));
    interrupt_queued();
    cfn_deploy_run_pending();
    expect_status("r", "UPDATE_ROLLBACK_COMPLETE");
}
END_TEST

START_TEST(change_sets) {
    char *body = ok(cfn("CreateChangeSet", "StackName", "c", "ChangeSetName", "one", "ChangeSetType", "CREATE",
                        "TemplateBody", TMPL_P("/c", "v"), NULL));
    free(body);
    expect_status("c", "REVIEW_IN_PROGRESS");
    body = ok(cfn("DescribeChangeSet", "StackName", "c", "ChangeSetName", "one", NULL));
    ck_assert_ptr_nonnull(strstr(body, "<Action>Add</Action>"));
    ck_assert_ptr_nonnull(strstr(body, "<Status>CREATE_COMPLETE</Status>"));
    free(body);
    free(ok(cfn("ExecuteChangeSet", "StackName", "c", "ChangeSetName", "one", NULL)));
    cfn_deploy_run_pending();
    expect_status("c", "CREATE_COMPLETE");
    free(ok(cfn("CreateChangeSet", "StackName", "c", "ChangeSetName", "same", "TemplateBody", TMPL_P("/c", "v"), NULL)));
    body = ok(cfn("DescribeChangeSet", "StackName", "c", "ChangeSetName", "same", NULL));
    ck_assert_ptr_nonnull(strstr(body, "<Status>FAILED</Status>"));
    ck_assert_ptr_nonnull(strstr(body, "contain changes. Submit different information to create a change set."));
    free(body);
    free(ok(cfn("CreateChangeSet", "StackName", "c", "ChangeSetName", "rename", "TemplateBody", TMPL_P("/c2", "v"), NULL)));
    body = ok(cfn("DescribeChangeSet", "StackName", "c", "ChangeSetName", "rename", NULL));
    ck_assert_ptr_nonnull(strstr(body, "<Action>Modify</Action>"));
    ck_assert_ptr_nonnull(strstr(body, "<Replacement>True</Replacement>"));
    ck_assert_ptr_nonnull(strstr(body, "<RequiresRecreation>Always</RequiresRecreation>"));
    free(body);
    free(ok(cfn("DeleteChangeSet", "StackName", "c", "ChangeSetName", "rename", NULL)));
    free(ok(cfn("DeleteChangeSet", "StackName", "c", "ChangeSetName", "rename", NULL)));
    fails(cfn("DescribeChangeSet", "StackName", "c", "ChangeSetName", "rename", NULL), "ChangeSetNotFound",
          "ChangeSet [rename] does not exist");
}
END_TEST

int main(void) {
    Suite *s = suite_create("cfn_stack");
    TCase *tc = tcase_create("stack");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, create_describe_delete);
    tcase_add_test(tc, validation_errors);
    tcase_add_test(tc, failure_rolls_back);
    tcase_add_test(tc, update_in_place_and_replace);
    tcase_add_test(tc, duplicate_export_fails);
    tcase_add_test(tc, termination_protection);
    tcase_add_test(tc, imported_export_is_kept);
    tcase_add_test(tc, retain_policies);
    tcase_add_test(tc, restart_during_create_and_update);
    tcase_add_test(tc, change_sets);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
