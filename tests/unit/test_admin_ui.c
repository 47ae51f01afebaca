/*
 * Unit tests for the dashboard's endpoints (server/admin_ui*.c, issue 18)
 * through the router, on a private store: the embedded files, and the
 * shape of GET /_sluice/ui/state (limits, the reason of a throttle,
 * metrics worded as /_sluice/metrics words them, mappings with their
 * target, streams with their audit) and its 400s.
 */
#include "tests/unit/driver.h"
#include "api/aws_error.h"
#include "api/request.h"
#include "base/clock.h"
#include "engine/metrics.h"
#include "storage/store.h"
#include "storage/store_cfn.h"
#include "storage/store_ddb.h"
#include "storage/store_lambda.h"
#include "storage/store_logs.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

static const char STREAM[] = "arn:aws:dynamodb:us-east-1:000000000000:table/tbl/stream/2024-01-01T00:00:00.000";

static void setup(void) {
    ck_assert_int_eq(store_init(NULL, 1), STORE_OK);
    metric_discard();
    struct store_scope s = {"000000000000", "us-east-1"};
    struct store_fn f = {0};
    f.config = (char *)"{\"Runtime\":\"python3.12\"}";
    f.created_ms = 1000;
    f.has_reserved = 1;
    f.reserved = 5;
    ck_assert_int_eq(store_begin(1), STORE_OK);
    ck_assert_int_eq(store_fn_put(s, "fn", &f, 1), STORE_OK);
    ck_assert_int_eq(store_alias_put(s, "fn", "live", "{\"FunctionVersion\":\"1\"}", 1), STORE_OK);
    struct store_pc pc = {0};
    snprintf(pc.qualifier, sizeof(pc.qualifier), "live");
    pc.requested = 2;
    snprintf(pc.status, sizeof(pc.status), "READY");
    pc.allocated = 2;
    ck_assert_int_eq(store_pc_put(s, "fn", &pc), STORE_OK);
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

static void teardown(void) {
    metric_discard();
    store_shutdown();
}

/* GET PATH, which must answer 200 with a JSON body (returned; the
 * caller deletes it). */
static cJSON *get_json(const char *path) {
    struct req *r = drive("GET", path, NULL, NULL, NULL);
    ck_assert_msg(r->err == NULL && r->status == 200, "%s: %d %s", path, r->status, r->err_msg ? r->err_msg : "");
    cJSON *o = cJSON_Parse(r->resp_body);
    ck_assert_ptr_nonnull(o);
    req_free(r);
    return o;
}

/* METHOD PATH must fail with KIND. */
static void fails(const char *method, const char *path, const struct aws_error *kind) {
    struct req *r = drive(method, path, NULL, NULL, NULL);
    ck_assert_msg(r->err == kind, "%s %s: %s", method, path, r->err ? r->err->code : "no error");
    req_free(r);
}

static const cJSON *at(const cJSON *o, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    ck_assert_msg(v != NULL, "no member %s", name);
    return v;
}

START_TEST(files_are_served) {
    struct req *r = drive("GET", "/_sluice/ui", NULL, NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(r->content_type, "text/html; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(r->resp_body, "<title>sluice dashboard</title>"));
    req_free(r);
    static const char *const names[] = {"app.js", "style.css", "uPlot.iife.min.js", "uPlot.min.css", "uPlot.LICENSE"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char path[64];
        snprintf(path, sizeof(path), "/_sluice/ui/%s", names[i]);
        r = drive("GET", path, NULL, NULL, NULL);
        ck_assert_msg(r->status == 200 && r->nresp > 100, "%s: %d", path, r->status);
        req_free(r);
    }
    fails("GET", "/_sluice/ui/nope.js", &AWSERR_ADMIN_NOT_FOUND);
    fails("POST", "/_sluice/ui/state", &AWSERR_METHOD_NOT_ALLOWED);
}
END_TEST

START_TEST(state_functions) {
    const char *fnd[] = {"FunctionName"}, *fnv[] = {"fn"};
    char dims[128];
    ck_assert_int_eq(metric_dims(fnd, fnv, 1, dims, sizeof(dims)), 0);
    metric_put("000000000000", "us-east-1", METRIC_THROTTLES, dims, 1);
    metric_put("000000000000", "us-east-1", METRIC_THROTTLES, dims, 1);
    metric_put("000000000000", "us-east-1", METRIC_PC_UTILIZATION, "FunctionName=fn,Resource=fn:live", 0.5);
    cJSON *o = get_json("/_sluice/ui/state");
    ck_assert_str_eq(at(o, "account")->valuestring, "000000000000");
    const cJSON *c = at(o, "concurrency");
    ck_assert_int_eq(at(c, "reserved_total")->valueint, 5);
    ck_assert_int_eq(at(c, "unreserved_pool")->valueint, at(c, "account_limit")->valueint - 5);
    const cJSON *f = cJSON_GetArrayItem(at(o, "functions"), 0);
    ck_assert_str_eq(at(f, "name")->valuestring, "fn");
    ck_assert_str_eq(at(f, "runtime")->valuestring, "python3.12");
    ck_assert_int_eq(at(f, "reserved")->valueint, 5);
    ck_assert_int_eq(at(f, "pc_total")->valueint, 2);
    ck_assert_int_eq(at(f, "on_demand_limit")->valueint, 3);
    ck_assert_str_eq(at(f, "throttle_reason")->valuestring, "ReservedFunctionConcurrentInvocationLimitExceeded");
    ck_assert_str_eq(at(cJSON_GetArrayItem(at(f, "aliases"), 0), "version")->valuestring, "1");
    ck_assert_str_eq(at(cJSON_GetArrayItem(at(f, "provisioned"), 0), "status")->valuestring, "READY");
    ck_assert_int_eq(at(at(f, "metrics"), "Throttles")->valueint, 2);
    ck_assert_double_eq(at(at(at(f, "qualifiers"), "live"), "ProvisionedConcurrencyUtilization")->valuedouble, 0.5);
    const cJSON *pts = at(at(at(o, "series"), "FunctionName=fn"), "Throttles");
    ck_assert_int_eq(cJSON_GetArraySize(pts), 1);
    ck_assert_int_eq(cJSON_GetArrayItem(cJSON_GetArrayItem(pts, 0), 1)->valueint, 2);
    cJSON_Delete(o);
}
END_TEST

START_TEST(state_mappings_and_streams) {
    char body[512];
    snprintf(body, sizeof(body),
             "{\"EventSourceArn\":\"%s\",\"FunctionName\":\"fn\",\"StartingPosition\":\"LATEST\",\"BatchSize\":7}",
             STREAM);
    struct req *r = drive("POST", "/2015-03-31/event-source-mappings/", NULL, body, NULL);
    ck_assert_int_eq(r->status, 202);
    req_free(r);
    cJSON *o = get_json("/_sluice/ui/state");
    const cJSON *m = cJSON_GetArrayItem(at(o, "mappings"), 0);
    ck_assert_str_eq(at(m, "target")->valuestring, "unqualified");
    ck_assert_str_eq(at(m, "qualifier")->valuestring, "$LATEST");
    ck_assert_str_eq(at(m, "StartingPosition")->valuestring, "LATEST");
    ck_assert_int_eq(at(m, "BatchSize")->valueint, 7);
    ck_assert_int_eq(cJSON_GetArraySize(at(m, "shards")), 0);
    ck_assert_int_eq(at(m, "lag")->valueint, 0);
    const cJSON *s = cJSON_GetArrayItem(at(o, "streams"), 0);
    ck_assert_str_eq(at(s, "stream_arn")->valuestring, STREAM);
    ck_assert_str_eq(at(s, "table")->valuestring, "tbl");
    ck_assert_int_eq(at(s, "records")->valueint, 0);
    cJSON_Delete(o);
}
END_TEST

START_TEST(state_invocations_and_log) {
    struct store_scope sc = {"000000000000", "us-east-1"};
    int64_t now = clock_now_ms();
    const char *msg[] = {"START RequestId: r1 Version: $LATEST\n",
                         "END RequestId: r1\nREPORT RequestId: r1\tDuration: 12.50 ms\tBilled Duration: 13 ms\t"
                         "Memory Size: 128 MB\tMax Memory Used: 30 MB\tInit Duration: 80.25 ms\t\n",
                         "REPORT RequestId: r2\tDuration: 3.00 ms\tBilled Duration: 3 ms\tMemory Size: 128 MB\t"
                         "Max Memory Used: 30 MB\tStatus: error\tError Type: Runtime.ExitError\t\n"};
    int64_t ts[] = {now - 2000, now - 1000, now - 500};
    ck_assert_int_eq(store_logs_append(sc, "/aws/lambda/fn", "2024/01/01/[$LATEST]abc", 3, msg, ts, now), STORE_OK);
    /* Older than the window: not listed. */
    const char *old[] = {"REPORT RequestId: r0\tDuration: 1.00 ms\t\n"};
    int64_t ots[] = {now - 3600 * 1000};
    ck_assert_int_eq(store_logs_append(sc, "/aws/lambda/fn", "2024/01/01/[$LATEST]old", 1, old, ots, now), STORE_OK);
    cJSON *o = get_json("/_sluice/ui/state");
    const cJSON *inv = at(o, "invocations");
    ck_assert_int_eq(cJSON_GetArraySize(inv), 2);
    const cJSON *a = cJSON_GetArrayItem(inv, 0), *b = cJSON_GetArrayItem(inv, 1);
    ck_assert_str_eq(at(a, "request_id")->valuestring, "r2");
    ck_assert_str_eq(at(a, "status")->valuestring, "error");
    ck_assert_str_eq(at(a, "error_type")->valuestring, "Runtime.ExitError");
    ck_assert_str_eq(at(b, "request_id")->valuestring, "r1");
    ck_assert_str_eq(at(b, "function")->valuestring, "fn");
    ck_assert(cJSON_IsNull(at(b, "status")));
    ck_assert_double_eq(at(b, "duration_ms")->valuedouble, 12.5);
    ck_assert_double_eq(at(b, "init_duration_ms")->valuedouble, 80.25);
    cJSON_Delete(o);
    struct req *r = drive("GET", "/_sluice/ui/log?group=%2Faws%2Flambda%2Ffn&stream=2024%2F01%2F01%2F%5B%24LATEST%5Dabc",
                          NULL, NULL, NULL);
    ck_assert_msg(r->err == NULL && r->status == 200, "%s", r->err_msg ? r->err_msg : "");
    ck_assert_str_eq(r->content_type, "text/plain; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(r->resp_body, "START RequestId: r1"));
    ck_assert_ptr_nonnull(strstr(r->resp_body, "REPORT RequestId: r2"));
    /* Oldest first. */
    ck_assert(strstr(r->resp_body, "START RequestId: r1") < strstr(r->resp_body, "REPORT RequestId: r2"));
    req_free(r);
}
END_TEST

START_TEST(state_stack_events) {
    static const char id[] = "arn:aws:cloudformation:us-east-1:000000000000:stack/seed/11111111-2222";
    struct store_cfn_stack stk = {(char *)id, (char *)"000000000000", (char *)"us-east-1", (char *)"seed",
                                  (char *)"UPDATE_COMPLETE", NULL, 1000, 0, 0, (char *)"{}"};
    struct store_cfn_event e1 = {id, "e1", "LiveMapping", "m-new", "AWS::Lambda::EventSourceMapping",
                                 "CREATE_COMPLETE", NULL, NULL, 2000, NULL};
    struct store_cfn_event e2 = {id, "e2", "FnMapping", "m-old", "AWS::Lambda::EventSourceMapping",
                                 "DELETE_COMPLETE", NULL, NULL, 3000, NULL};
    ck_assert_int_eq(store_begin(1), STORE_OK);
    ck_assert_int_eq(store_cfn_stack_insert(&stk), STORE_OK);
    ck_assert_int_eq(store_cfn_event_add(&e1), STORE_OK);
    ck_assert_int_eq(store_cfn_event_add(&e2), STORE_OK);
    ck_assert_int_eq(store_commit(), STORE_OK);
    cJSON *o = get_json("/_sluice/ui/state");
    const cJSON *ev = at(o, "stack_events");
    ck_assert_int_eq(cJSON_GetArraySize(ev), 2);
    /* Newest first: the old mapping's delete after the new one's create. */
    ck_assert_str_eq(at(cJSON_GetArrayItem(ev, 0), "logical_id")->valuestring, "FnMapping");
    ck_assert_str_eq(at(cJSON_GetArrayItem(ev, 0), "status")->valuestring, "DELETE_COMPLETE");
    ck_assert_str_eq(at(cJSON_GetArrayItem(ev, 1), "stack")->valuestring, "seed");
    ck_assert(cJSON_IsNull(at(cJSON_GetArrayItem(ev, 1), "reason")));
    cJSON_Delete(o);
    /* Another account's stacks are not listed. */
    o = get_json("/_sluice/ui/state?account=123456789012");
    ck_assert_int_eq(cJSON_GetArraySize(at(o, "stack_events")), 0);
    cJSON_Delete(o);
}
END_TEST

START_TEST(state_bad_parameters) {
    static const char *const bad[] = {"/_sluice/ui/state?minutes=0", "/_sluice/ui/state?minutes=61",
                                      "/_sluice/ui/state?minutes=x", "/_sluice/ui/state?account=12",
                                      "/_sluice/ui/state?region=US", "/_sluice/ui/state?foo=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) fails("GET", bad[i], &AWSERR_ADMIN_BAD_REQUEST);
    fails("GET", "/_sluice/ui/log", &AWSERR_ADMIN_BAD_REQUEST);
    fails("GET", "/_sluice/ui/log?group=/aws/lambda/fn&stream=x&foo=1", &AWSERR_ADMIN_BAD_REQUEST);
    fails("GET", "/_sluice/ui/log?group=/aws/lambda/fn&stream=nope", &AWSERR_ADMIN_NOT_FOUND);
    cJSON *o = get_json("/_sluice/ui/state?account=111122223333&minutes=60");
    ck_assert_int_eq(cJSON_GetArraySize(at(o, "invocations")), 0);
    ck_assert_int_eq(cJSON_GetArraySize(at(o, "functions")), 0);
    ck_assert_int_eq(at(o, "minutes")->valueint, 60);
    cJSON_Delete(o);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("admin_ui");
    TCase *tc = tcase_create("dashboard");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, files_are_served);
    tcase_add_test(tc, state_functions);
    tcase_add_test(tc, state_mappings_and_streams);
    tcase_add_test(tc, state_invocations_and_log);
    tcase_add_test(tc, state_stack_events);
    tcase_add_test(tc, state_bad_parameters);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
