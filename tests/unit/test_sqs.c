/*
 * Unit tests for SQS's pure parts: the MD5 of message attributes
 * (engine/sqs.h; vectors from the README of the npm package
 * aws-md5-of-message-attributes, which implements the Developer Guide's
 * "Calculating the MD5 message digest for message attributes"), body
 * characters, queue names, attribute validation, what a receive takes at
 * a clock time (standard and FIFO), redrive, and the API-level helpers
 * (api/sqs_int.h: queue URLs, batch ids, attribute filters, the query
 * protocol's shapes).
 */
#include "api/sqs_int.h"
#include "base/clock.h"
#include "base/s3_checksum.h"
#include "engine/sqs.h"
#include "storage/store.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

struct md5_case {
    const char *attrs;   /* JSON MessageAttributes */
    const char *md5;     /* NULL: refused */
};

static const struct md5_case md5s[] = {
    {"{\"attribName1\":{\"DataType\":\"String\",\"StringValue\":\"attribValue 1\"}}",
     "19e27d4e946b072f3f58da80d94fd778"},
    {"{\"customNumberTypeAttrib\":{\"DataType\":\"Number.float\",\"StringValue\":"
     "\"4563442423554324324264524243.32543234\"}}",
     "9fe1b90bbd9965bdf77bac517c7d2495"},
    {"{\"binaryAttribute\":{\"DataType\":\"Binary\",\"BinaryValue\":\"SGVsbG8gYmluYXJ5IHdvcmxkIQ==\"}}",
     "31a92b15d92f8db860eda32aceb656c3"},
    /* Order of the members does not matter: names are sorted. */
    {"{\"customNumberTypeAttrib\":{\"DataType\":\"Number.float\",\"StringValue\":"
     "\"4563442423554324324264524243.32543234\"},"
     "\"binaryAttribute\":{\"DataType\":\"Binary\",\"BinaryValue\":\"SGVsbG8gYmluYXJ5IHdvcmxkIQ==\"},"
     "\"attribName1\":{\"DataType\":\"String\",\"StringValue\":\"attribValue 1\"}}",
     "c932db14a896c663f83c260297d594ff"},
    {"{\"a\":{\"DataType\":\"Weird\",\"StringValue\":\"1\"}}", NULL},
    {"{\"a\":{\"DataType\":\"String\"}}", NULL},
    {"{\"AWS.x\":{\"DataType\":\"String\",\"StringValue\":\"1\"}}", NULL},
    {"{\"a..b\":{\"DataType\":\"String\",\"StringValue\":\"1\"}}", NULL},
    {"{\"a\":{\"DataType\":\"String\",\"StringValue\":\"\\u0001\"}}", NULL},
    {"{\"a\":{\"DataType\":\"Number\",\"StringValue\":\"12x\"}}", NULL},
    {"{\"a\":{\"DataType\":\"Number.int\",\"StringValue\":\"-1.5e3\"}}", "c9856c57098003a64d9ced433a3b8826"},
};

START_TEST(md5_attributes) {
    const struct md5_case *c = &md5s[_i];
    cJSON *j = cJSON_Parse(c->attrs);
    char out[33] = "";
    struct sqs_err e = {0};
    int rc = sqs_md5_attributes(j, out, &e);
    if (c->md5) {
        ck_assert_msg(rc == 0, "%s: %s", c->attrs, e.msg);
        ck_assert_str_eq(out, c->md5);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert(e.kind == SQS_ERR_PARAM || e.kind == SQS_ERR_CONTENTS);
    }
    cJSON_Delete(j);
}
END_TEST

START_TEST(md5_body) {
    char out[33];
    s3ck_md5_hex("hello", 5, out, NULL);
    ck_assert_str_eq(out, "5d41402abc4b2a76b9719d911017c592");
}
END_TEST

struct text_case {
    const char *z;
    int ok;
};

static const struct text_case texts[] = {
    {"plain", 1}, {"tab\tnl\ncr\r", 1}, {"\x01", 0}, {"\x1f", 0}, {"h\xc3\xa9", 1},
    {"\xef\xbf\xbe", 0},           /* U+FFFE */
    {"\xf0\x9f\x98\x80", 1},       /* U+1F600 */
    {"\xc3", 0},                   /* truncated */
};

START_TEST(text_rules) {
    ck_assert_int_eq(sqs_text_valid(texts[_i].z, strlen(texts[_i].z)) == 0, texts[_i].ok);
}
END_TEST

START_TEST(names) {
    ck_assert_int_eq(sqs_name_valid("orders"), 0);
    ck_assert_int_eq(sqs_name_valid("a-b_c.fifo"), 0);
    ck_assert_int_eq(sqs_name_valid(".fifo"), -1);
    ck_assert_int_eq(sqs_name_valid("bad name"), -1);
    ck_assert_int_eq(sqs_name_valid(""), -1);
    char long_name[90];
    memset(long_name, 'a', 81);
    long_name[81] = '\0';
    ck_assert_int_eq(sqs_name_valid(long_name), -1);
    long_name[80] = '\0';
    ck_assert_int_eq(sqs_name_valid(long_name), 0);
}
END_TEST

struct attr_case {
    const char *name, *value;
    int fifo, create;
    const char *norm;               /* NULL: refused */
    enum sqs_errkind kind;
};

static const struct attr_case attr_cases[] = {
    {"VisibilityTimeout", "30", 0, 1, "30", 0},
    {"VisibilityTimeout", "43201", 0, 1, NULL, SQS_ERR_ATTR_VALUE},
    {"VisibilityTimeout", "x", 0, 1, NULL, SQS_ERR_ATTR_VALUE},
    {"DelaySeconds", "900", 0, 0, "900", 0},
    {"DelaySeconds", "-1", 0, 0, NULL, SQS_ERR_ATTR_VALUE},
    {"MessageRetentionPeriod", "59", 0, 0, NULL, SQS_ERR_ATTR_VALUE},
    {"MaximumMessageSize", "1024", 0, 0, "1024", 0},
    {"ReceiveMessageWaitTimeSeconds", "21", 0, 0, NULL, SQS_ERR_ATTR_VALUE},
    {"FifoQueue", "true", 1, 1, "true", 0},
    {"FifoQueue", "true", 1, 0, NULL, SQS_ERR_ATTR_NAME},
    {"ContentBasedDeduplication", "TRUE", 1, 0, "true", 0},
    {"ContentBasedDeduplication", "true", 0, 0, NULL, SQS_ERR_ATTR_NAME},
    {"Bogus", "1", 0, 0, NULL, SQS_ERR_ATTR_NAME},
    {"RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:d\",\"maxReceiveCount\":\"3\"}",
     0, 0, "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:d\",\"maxReceiveCount\":3}", 0},
    {"RedrivePolicy", "{\"deadLetterTargetArn\":\"arn:aws:sqs:us-east-1:000000000000:d\",\"maxReceiveCount\":0}",
     0, 0, NULL, SQS_ERR_ATTR_VALUE},
    {"RedrivePolicy", "{\"deadLetterTargetArn\":\"nope\",\"maxReceiveCount\":1}", 0, 0, NULL, SQS_ERR_ATTR_VALUE},
    {"RedrivePolicy", "not json", 0, 0, NULL, SQS_ERR_ATTR_VALUE},
};

START_TEST(attribute_checks) {
    const struct attr_case *c = &attr_cases[_i];
    char norm[512] = "";
    struct sqs_err e = {0};
    int rc = sqs_attr_check(c->name, c->value, c->fifo, c->create, norm, sizeof(norm), &e);
    if (c->norm) {
        ck_assert_msg(rc == 0, "%s=%s: %s", c->name, c->value, e.msg);
        ck_assert_str_eq(norm, c->norm);
    } else {
        ck_assert_int_eq(rc, -1);
        ck_assert_int_eq(e.kind, c->kind);
    }
}
END_TEST

START_TEST(visibility_states) {
    ck_assert_int_eq(sqs_msg_state(100, 0, 100), SQS_MSG_AVAILABLE);
    ck_assert_int_eq(sqs_msg_state(101, 0, 100), SQS_MSG_DELAYED);
    ck_assert_int_eq(sqs_msg_state(101, 2, 100), SQS_MSG_INFLIGHT);
    ck_assert_int_eq(sqs_msg_state(50, 2, 100), SQS_MSG_AVAILABLE);
}
END_TEST

START_TEST(redrive_rule) {
    ck_assert_int_eq(sqs_redrive_due(0, 0), 0);
    ck_assert_int_eq(sqs_redrive_due(5, 0), 0);
    ck_assert_int_eq(sqs_redrive_due(1, 2), 0);
    ck_assert_int_eq(sqs_redrive_due(2, 2), 1);
    ck_assert_int_eq(sqs_redrive_due(3, 2), 1);
}
END_TEST

START_TEST(pick_standard) {
    struct sqs_cand c[] = {{10, 0, NULL}, {200, 1, NULL}, {50, 0, NULL}, {300, 0, NULL}, {0, 3, NULL}};
    size_t out[5];
    size_t n = sqs_pick(c, 5, 0, 100, 10, out);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(out[0], 0);
    ck_assert_uint_eq(out[1], 2);
    ck_assert_uint_eq(out[2], 4);
    ck_assert_uint_eq(sqs_pick(c, 5, 0, 100, 2, out), 2);
}
END_TEST

START_TEST(pick_fifo) {
    /* g1: in flight head holds the rest; g2: two available in order;
     * g3: available after g2. */
    struct sqs_cand c[] = {{200, 1, "g1"}, {0, 0, "g1"}, {0, 0, "g2"}, {0, 0, "g2"}, {0, 0, "g3"}};
    size_t out[5];
    size_t n = sqs_pick(c, 5, 1, 100, 10, out);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(out[0], 2);
    ck_assert_uint_eq(out[1], 3);
    ck_assert_uint_eq(out[2], 4);
    ck_assert_uint_eq(sqs_pick(c, 5, 1, 100, 1, out), 1);
    ck_assert_uint_eq(out[0], 2);
    /* Once the head's visibility has ended the whole group is open. */
    ck_assert_uint_eq(sqs_pick(c, 5, 1, 300, 10, out), 5);
}
END_TEST

START_TEST(arns_and_urls) {
    char a[13], r[32], n[81];
    ck_assert_int_eq(sqs_parse_arn("arn:aws:sqs:eu-west-1:123456789012:q.fifo", a, r, n), 0);
    ck_assert_str_eq(a, "123456789012");
    ck_assert_str_eq(r, "eu-west-1");
    ck_assert_str_eq(n, "q.fifo");
    ck_assert_int_eq(sqs_parse_arn("arn:aws:sqs:eu-west-1:12345:q", a, r, n), -1);
    ck_assert_int_eq(sqs_parse_arn("arn:aws:sns:eu-west-1:123456789012:q", a, r, n), -1);
    ck_assert_int_eq(sqs_url_parse("http://localhost:4566/000000000000/orders", a, n), 0);
    ck_assert_str_eq(a, "000000000000");
    ck_assert_str_eq(n, "orders");
    ck_assert_int_eq(sqs_url_parse("/123456789012/x", a, n), 0);
    ck_assert_str_eq(a, "123456789012");
    ck_assert_int_eq(sqs_url_parse("plain", a, n), 0);
    ck_assert_str_eq(a, "");
    ck_assert_str_eq(n, "plain");
    ck_assert_int_eq(sqs_url_parse("http://host/abc/x", a, n), -1);
    ck_assert_int_eq(sqs_url_parse("http://host", a, n), -1);
    ck_assert_int_eq(sqs_url_parse("http://host/000000000000/", a, n), -1);
}
END_TEST

START_TEST(batch_ids_and_filters) {
    ck_assert_int_eq(sqs_batch_id_valid("a-b_1"), 0);
    ck_assert_int_eq(sqs_batch_id_valid(""), -1);
    ck_assert_int_eq(sqs_batch_id_valid("a.b"), -1);
    cJSON *w = cJSON_Parse("[\"exact\", \"pre.*\"]");
    ck_assert_int_eq(sqs_attr_selected(w, "exact"), 1);
    ck_assert_int_eq(sqs_attr_selected(w, "pre.x"), 1);
    ck_assert_int_eq(sqs_attr_selected(w, "prex"), 0);
    ck_assert_int_eq(sqs_attr_selected(w, "other"), 0);
    ck_assert_int_eq(sqs_attr_selected(NULL, "other"), 0);
    cJSON_Delete(w);
    w = cJSON_Parse("[\"All\"]");
    ck_assert_int_eq(sqs_attr_selected(w, "anything"), 1);
    cJSON_Delete(w);
}
END_TEST

START_TEST(query_shapes) {
    cJSON *in = cJSON_Parse(
        "{\"QueueName\":\"q\",\"Attribute\":{\"2\":{\"Name\":\"B\",\"Value\":\"2\"},\"1\":{\"Name\":\"A\",\"Value\":\"1\"}},"
        "\"Tag\":{\"1\":{\"Key\":\"k\",\"Value\":\"v\"}},\"AttributeName\":{\"2\":\"Y\",\"1\":\"X\"},"
        "\"SendMessageBatchRequestEntry\":{\"1\":{\"Id\":\"a\",\"MessageAttribute\":{\"1\":{\"Name\":\"n\","
        "\"Value\":{\"DataType\":\"String\",\"StringValue\":\"s\"}}}}}}");
    sqs_query_normalize(in);
    char *t = cJSON_PrintUnformatted(in);
    ck_assert_str_eq(t, "{\"QueueName\":\"q\",\"Attributes\":{\"B\":\"2\",\"A\":\"1\"},\"tags\":{\"k\":\"v\"},"
                        "\"AttributeNames\":[\"X\",\"Y\"],\"Entries\":[{\"Id\":\"a\",\"MessageAttributes\":{\"n\":"
                        "{\"DataType\":\"String\",\"StringValue\":\"s\"}}}]}");
    free(t);
    cJSON_Delete(in);
    cJSON *out = cJSON_Parse("{\"QueueUrls\":[\"u1\",\"u2\"],\"Attributes\":{\"A\":\"1\"},"
                             "\"Successful\":[{\"Id\":\"x\"}],\"Failed\":[{\"Id\":\"y\",\"SenderFault\":true}],"
                             "\"Body\":\"a<b\\r\"}");
    char *xml = sqs_query_xml("SendMessageBatch", out);
    ck_assert_str_eq(xml, "<QueueUrl>u1</QueueUrl><QueueUrl>u2</QueueUrl>"
                          "<Attribute><Name>A</Name><Value>1</Value></Attribute>"
                          "<SendMessageBatchResultEntry><Id>x</Id></SendMessageBatchResultEntry>"
                          "<BatchResultErrorEntry><Id>y</Id><SenderFault>true</SenderFault></BatchResultErrorEntry>"
                          "<Body>a&lt;b&#xD;</Body>");
    free(xml);
    cJSON_Delete(out);
}
END_TEST

/* ---- the engine over a throwaway store ---- */

static void setup(void) {
    ck_assert_int_eq(store_init(NULL, 1), STORE_OK);
}

static void teardown(void) {
    store_shutdown();
}

/* Runs FN(S) in a write transaction and commits; returns FN's result. */
static int in_txn(int (*fn)(const struct sqs_scope *s, struct sqs_err *e), const struct sqs_scope *s,
                  struct sqs_err *e) {
    ck_assert_int_eq(store_begin(1), STORE_OK);
    int rc = fn(s, e);
    if (rc == 0) ck_assert_int_eq(store_commit(), STORE_OK);
    else store_rollback();
    return rc;
}

static int create_q(const struct sqs_scope *s, struct sqs_err *e) {
    cJSON *attrs = cJSON_Parse("{\"VisibilityTimeout\":\"10\"}");
    int rc = sqs_queue_create(s, "dest", attrs, NULL, e);
    cJSON_Delete(attrs);
    return rc;
}

static cJSON *received;

static int receive_q(const struct sqs_scope *s, struct sqs_err *e) {
    struct sqs_recv_in in = {10, -1};
    return sqs_receive(s, "dest", &in, received, e);
}

/* The failure-destination path: sqs_send_arn from outside any
 * transaction, then a receive sees the message with its attributes;
 * its visibility timeout follows the clock. */
START_TEST(send_to_arn) {
    struct sqs_scope s = sqs_scope_make("123456789012", "eu-west-1");
    struct sqs_err e = {0};
    ck_assert_int_eq(in_txn(create_q, &s, &e), 0);
    uint64_t gen = sqs_generation();
    cJSON *attrs = cJSON_Parse("{\"ErrorCode\":{\"DataType\":\"String\",\"StringValue\":\"200\"}}");
    ck_assert_int_eq(sqs_send_arn("arn:aws:sqs:eu-west-1:123456789012:dest", "{\"a\":1}", attrs, "lambda", &e), 0);
    cJSON_Delete(attrs);
    ck_assert(sqs_generation() != gen);
    received = cJSON_CreateArray();
    ck_assert_int_eq(in_txn(receive_q, &s, &e), 0);
    ck_assert_int_eq(cJSON_GetArraySize(received), 1);
    cJSON *m = cJSON_GetArrayItem(received, 0);
    ck_assert_str_eq(cJSON_GetObjectItem(m, "Body")->valuestring, "{\"a\":1}");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "Attributes"), "SenderId")->valuestring, "lambda");
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(cJSON_GetObjectItem(m, "MessageAttributes"), "ErrorCode"));
    cJSON_Delete(received);
    received = cJSON_CreateArray();
    ck_assert_int_eq(in_txn(receive_q, &s, &e), 0);
    ck_assert_int_eq(cJSON_GetArraySize(received), 0);
    clock_advance_ms(10001);
    ck_assert_int_eq(in_txn(receive_q, &s, &e), 0);
    ck_assert_int_eq(cJSON_GetArraySize(received), 1);
    cJSON_Delete(received);
    /* Errors: no such queue, not an ARN. */
    ck_assert_int_eq(sqs_send_arn("arn:aws:sqs:eu-west-1:123456789012:nope", "x", NULL, "l", &e), -1);
    ck_assert_int_eq(e.kind, SQS_ERR_NO_QUEUE);
    ck_assert_int_eq(sqs_send_arn("arn:aws:sns:eu-west-1:123456789012:dest", "x", NULL, "l", &e), -1);
    ck_assert_int_eq(e.kind, SQS_ERR_NO_QUEUE);
}
END_TEST

static Suite *sqs_suite(void) {
    Suite *s = suite_create("sqs");
    TCase *tc = tcase_create("md5");
    tcase_add_loop_test(tc, md5_attributes, 0, sizeof(md5s) / sizeof(md5s[0]));
    tcase_add_test(tc, md5_body);
    suite_add_tcase(s, tc);
    tc = tcase_create("validation");
    tcase_add_loop_test(tc, text_rules, 0, sizeof(texts) / sizeof(texts[0]));
    tcase_add_test(tc, names);
    tcase_add_loop_test(tc, attribute_checks, 0, sizeof(attr_cases) / sizeof(attr_cases[0]));
    suite_add_tcase(s, tc);
    tc = tcase_create("decisions");
    tcase_add_test(tc, visibility_states);
    tcase_add_test(tc, redrive_rule);
    tcase_add_test(tc, pick_standard);
    tcase_add_test(tc, pick_fifo);
    suite_add_tcase(s, tc);
    tc = tcase_create("api");
    tcase_add_test(tc, arns_and_urls);
    tcase_add_test(tc, batch_ids_and_filters);
    tcase_add_test(tc, query_shapes);
    suite_add_tcase(s, tc);
    tc = tcase_create("engine");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, send_to_arn);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(sqs_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
