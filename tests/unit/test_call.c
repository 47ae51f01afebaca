/*
 * Unit tests for in-process calls (api/call.h): each protocol's result
 * comes back as a tree, failures carry the service's code and message,
 * and call_form flattens lists and structures as the query protocol does.
 */
#include "api/call.h"
#include "server/router.h"
#include "storage/store.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static void setup(void) {
    ck_assert_int_eq(store_init(NULL, 1), STORE_OK);
    call_init(router_prepare, router_dispatch);
}

static void teardown(void) { store_shutdown(); }

static struct call mk(const char *service, const char *method, const char *path, const char *target,
                      const char *body) {
    struct call c = {0};
    c.account = "123456789012";
    c.region = "us-east-1";
    c.service = service;
    c.method = method;
    c.path = path;
    c.target = target;
    c.body = body;
    c.nbody = body ? strlen(body) : 0;
    return c;
}

START_TEST(json_service_round_trip) {
    struct call c = mk("dynamodb", "POST", "/", "DynamoDB_20120810.CreateTable",
                       "{\"TableName\":\"tab\",\"BillingMode\":\"PAY_PER_REQUEST\","
                       "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                       "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}");
    ck_assert_msg(call_run(&c) == 0, "%s: %s", c.code, c.message);
    ck_assert_int_eq(c.status, 200);
    const cJSON *arn = cJSON_GetObjectItem(cJSON_GetObjectItem(c.out, "TableDescription"), "TableArn");
    ck_assert_str_eq(arn->valuestring, "arn:aws:dynamodb:us-east-1:123456789012:table/tab");
    call_clear(&c);
    /* The same again: the service's own conflict. */
    c = mk("dynamodb", "POST", "/", "DynamoDB_20120810.CreateTable",
           "{\"TableName\":\"tab\",\"BillingMode\":\"PAY_PER_REQUEST\","
           "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
           "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]}");
    ck_assert_int_eq(call_run(&c), -1);
    ck_assert_int_eq(c.status, 400);
    ck_assert_str_eq(c.code, "ResourceInUseException");
    char *why = call_reason(&c, "DynamoDb");
    ck_assert_ptr_nonnull(strstr(why, "Resource handler returned message: \"Table already exists: tab\" "
                                      "(Service: DynamoDb, Status Code: 400, Request ID: "));
    free(why);
    call_clear(&c);
}
END_TEST

START_TEST(rest_service_error) {
    struct call c = mk("lambda", "GET", "/2015-03-31/functions/nope", NULL, NULL);
    ck_assert_int_eq(call_run(&c), -1);
    ck_assert_int_eq(c.status, 404);
    ck_assert_str_eq(c.code, "ResourceNotFoundException");
    ck_assert_ptr_nonnull(strstr(c.message, "nope"));
    call_clear(&c);
}
END_TEST

START_TEST(query_service_tree) {
    cJSON *form = cJSON_CreateObject();
    cJSON_AddStringToObject(form, "RoleName", "r1");
    cJSON_AddStringToObject(form, "AssumeRolePolicyDocument",
                            "{\"Version\":\"2012-10-17\",\"Statement\":[]}");
    char *body = call_form("CreateRole", "2010-05-08", form);
    cJSON_Delete(form);
    struct call c = mk("iam", "POST", "/", NULL, body);
    ck_assert_int_eq(call_run(&c), 0);
    const cJSON *role = cJSON_GetObjectItem(c.out, "Role");
    ck_assert_str_eq(cJSON_GetObjectItem(role, "Arn")->valuestring, "arn:aws:iam::123456789012:role/r1");
    ck_assert_int_eq(strncmp(cJSON_GetObjectItem(role, "RoleId")->valuestring, "AROA", 4), 0);
    call_clear(&c);
    /* Again: EntityAlreadyExists, 409. */
    ck_assert_int_eq(call_run(&c), -1);
    ck_assert_int_eq(c.status, 409);
    ck_assert_str_eq(c.code, "EntityAlreadyExists");
    call_clear(&c);
    free(body);
}
END_TEST

START_TEST(form_flattening) {
    cJSON *form = cJSON_Parse("{\"A\":\"x y\",\"L\":[\"p\",\"q\"],\"E\":[],\"S\":{\"K\":1,\"B\":true},"
                              "\"T\":[{\"Key\":\"k\",\"Value\":\"v&\"}],\"F\":1.5}");
    char *z = call_form("Op", "2010-05-08", form);
    ck_assert_str_eq(z, "Action=Op&Version=2010-05-08&A=x%20y&L.member.1=p&L.member.2=q&E=&S.K=1&S.B=true"
                        "&T.member.1.Key=k&T.member.1.Value=v%26&F=1.5");
    free(z);
    cJSON_Delete(form);
}
END_TEST

int main(void) {
    Suite *s = suite_create("call");
    TCase *tc = tcase_create("call");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, json_service_round_trip);
    tcase_add_test(tc, rest_service_error);
    tcase_add_test(tc, query_service_tree);
    tcase_add_test(tc, form_flattening);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
