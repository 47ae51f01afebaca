/*
 * Unit tests for api/lambda_esm.c through lambda_dispatch, on a private
 * store with no mapping manager running: states stay transitional, so
 * the ResourceInUse rules (which the e2e tests can only race against the
 * manager) are checked deterministically here.
 */
#include "tests/unit/driver.h"
#include "api/api.h"
#include "api/aws_error.h"
#include "api/request.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_ddb.h"
#include "storage/store_esm.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char STREAM[] = "arn:aws:dynamodb:us-east-1:000000000000:table/tbl/stream/2024-01-01T00:00:00.000";

static void setup(void) {
    ck_assert_int_eq(store_init(NULL, 1), STORE_OK);
    struct store_scope s = {"000000000000", "us-east-1"};
    struct store_fn f = {0};
    f.config = (char *)"{}";
    f.created_ms = 1000;
    ck_assert_int_eq(store_begin(1), STORE_OK);
    ck_assert_int_eq(store_fn_put(s, "fn", &f, 1), STORE_OK);
    struct store_stream st = {0};
    snprintf(st.arn, sizeof(st.arn), "%s", STREAM);
    snprintf(st.account, sizeof(st.account), "000000000000");
    snprintf(st.region, sizeof(st.region), "us-east-1");
    snprintf(st.table_name, sizeof(st.table_name), "tbl");
    snprintf(st.table_id, sizeof(st.table_id), "00000000-0000-0000-0000-000000000001");
    snprintf(st.label, sizeof(st.label), "2024-01-01T00:00:00.000");
    snprintf(st.view_type, sizeof(st.view_type), "NEW_IMAGE");
    st.key_schema = (char *)"[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}]";
    st.enabled = 1;
    st.partitions = 1;
    ck_assert_int_eq(store_stream_put(&st, 1), STORE_OK);
    ck_assert_int_eq(store_commit(), STORE_OK);
}

static void teardown(void) { store_shutdown(); }

/* Runs METHOD PATH with BODY (may be NULL) as account 000000000000 in
 * us-east-1, through the router (tests/unit/driver.h). The caller frees
 * the request. */
static struct req *call(const char *method, const char *path, const char *body) {
    return drive(method, path, NULL, body, NULL);
}

/* Creates a mapping and returns its UUID in OUT. */
static void create(char out[37]) {
    char body[512];
    snprintf(body, sizeof(body),
             "{\"EventSourceArn\":\"%s\",\"FunctionName\":\"fn\",\"StartingPosition\":\"LATEST\"}", STREAM);
    struct req *r = call("POST", "/2015-03-31/event-source-mappings/", body);
    ck_assert_msg(r->err == NULL, "create failed: %s", r->err_msg ? r->err_msg : "");
    ck_assert_int_eq(r->status, 202);
    cJSON *o = cJSON_Parse(r->resp_body);
    ck_assert_str_eq(cJSON_GetObjectItem(o, "State")->valuestring, "Creating");
    snprintf(out, 37, "%s", cJSON_GetObjectItem(o, "UUID")->valuestring);
    cJSON_Delete(o);
    req_free(r);
}

static void expect_in_use(const char *method, const char *uuid, const char *body, const char *msg) {
    char path[128];
    snprintf(path, sizeof(path), "/2015-03-31/event-source-mappings/%s", uuid);
    struct req *r = call(method, path, body);
    ck_assert_ptr_eq(r->err, &AWSERR_RESOURCE_IN_USE);
    ck_assert_str_eq(r->err_msg, msg);
    req_free(r);
}

static const char *state_of(const char *uuid) {
    static struct store_esm m;
    store_esm_clear(&m);
    ck_assert_int_eq(store_esm_get(uuid, &m), STORE_OK);
    return m.state;
}

START_TEST(update_while_creating) {
    char uuid[37], msg[256];
    create(uuid);
    snprintf(msg, sizeof(msg), "Cannot update the event source mapping %s because it is in use (state: Creating).",
             uuid);
    expect_in_use("PUT", uuid, "{\"BatchSize\":5}", msg);
    /* Refused means unchanged. */
    struct store_esm m;
    ck_assert_int_eq(store_esm_get(uuid, &m), STORE_OK);
    ck_assert_ptr_nonnull(strstr(m.config, "\"BatchSize\":100"));
    ck_assert_int_eq((int)m.generation, 1);
    store_esm_clear(&m);
    snprintf(msg, sizeof(msg), "Cannot delete the event source mapping %s because it is in use (state: Creating).",
             uuid);
    expect_in_use("DELETE", uuid, NULL, msg);
}
END_TEST

START_TEST(update_and_delete_while_updating) {
    char uuid[37], msg[256];
    create(uuid);
    ck_assert_int_eq(store_esm_set_state(uuid, "Enabled", "User action", 0), STORE_OK);
    char path[128];
    snprintf(path, sizeof(path), "/2015-03-31/event-source-mappings/%s", uuid);
    struct req *r = call("PUT", path, "{\"BatchSize\":5}");
    ck_assert_ptr_null(r->err);
    ck_assert_int_eq(r->status, 202);
    req_free(r);
    ck_assert_str_eq(state_of(uuid), "Updating");
    struct store_esm m;
    ck_assert_int_eq(store_esm_get(uuid, &m), STORE_OK);
    ck_assert_int_eq((int)m.generation, 2);   /* bumped by the update */
    store_esm_clear(&m);
    snprintf(msg, sizeof(msg), "Cannot update the event source mapping %s because it is in use (state: Updating).",
             uuid);
    expect_in_use("PUT", uuid, "{\"Enabled\":false}", msg);
    snprintf(msg, sizeof(msg), "Cannot delete the event source mapping %s because it is in use (state: Updating).",
             uuid);
    expect_in_use("DELETE", uuid, NULL, msg);
}
END_TEST

START_TEST(enable_disable_states) {
    char uuid[37];
    create(uuid);
    ck_assert_int_eq(store_esm_set_state(uuid, "Enabled", "User action", 0), STORE_OK);
    char path[128];
    snprintf(path, sizeof(path), "/2015-03-31/event-source-mappings/%s", uuid);
    struct req *r = call("PUT", path, "{\"Enabled\":false}");
    ck_assert_int_eq(r->status, 202);
    req_free(r);
    ck_assert_str_eq(state_of(uuid), "Disabling");
    char msg[256];
    snprintf(msg, sizeof(msg), "Cannot update the event source mapping %s because it is in use (state: Disabling).",
             uuid);
    expect_in_use("PUT", uuid, "{\"Enabled\":true}", msg);
    ck_assert_int_eq(store_esm_set_state(uuid, "Disabled", "User action", 0), STORE_OK);
    r = call("PUT", path, "{\"Enabled\":true}");
    ck_assert_int_eq(r->status, 202);
    req_free(r);
    ck_assert_str_eq(state_of(uuid), "Enabling");
    snprintf(msg, sizeof(msg), "Cannot delete the event source mapping %s because it is in use (state: Enabling).",
             uuid);
    expect_in_use("DELETE", uuid, NULL, msg);
    ck_assert_int_eq(store_esm_set_state(uuid, "Enabled", "User action", 0), STORE_OK);
    /* A settled mapping may be deleted; deleting twice is refused. */
    r = call("DELETE", path, NULL);
    ck_assert_int_eq(r->status, 202);
    req_free(r);
    ck_assert_str_eq(state_of(uuid), "Deleting");
    snprintf(msg, sizeof(msg), "Cannot delete the event source mapping %s because it is in use (state: Deleting).",
             uuid);
    expect_in_use("DELETE", uuid, NULL, msg);
}
END_TEST

START_TEST(failed_create_leaves_nothing) {
    char body[512];
    snprintf(body, sizeof(body),
             "{\"EventSourceArn\":\"%s\",\"FunctionName\":\"fn\",\"StartingPosition\":\"LATEST\","
             "\"FilterCriteria\":{\"Filters\":[{\"Pattern\":\"{}\"}]}}",
             STREAM);
    struct req *r = call("POST", "/2015-03-31/event-source-mappings", body);
    ck_assert_ptr_eq(r->err, &AWSERR_INVALID_PARAMETER);
    ck_assert_str_eq(r->err_msg, "Invalid filter pattern definition.");
    req_free(r);
    r = call("GET", "/2015-03-31/event-source-mappings", NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(r->resp_body, "{\"EventSourceMappings\":[]}");
    req_free(r);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("esm_api");
    TCase *tc = tcase_create("states");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, update_while_creating);
    tcase_add_test(tc, update_and_delete_while_updating);
    tcase_add_test(tc, enable_disable_states);
    tcase_add_test(tc, failed_create_leaves_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    /* The failure count, kept clear of 77 (meson's "skipped"). */
    return failed < 77 ? failed : 76;
}
