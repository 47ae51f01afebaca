/*
 * Unit tests for the CloudFormation resource types of DynamoDB, IAM, SQS,
 * S3, KMS and ECR (api/cfn_res_svc.h): each type's handlers driven
 * directly, as the deployer calls them, against an in-memory store, and
 * the results read back through the services' own operations (api/call.h).
 * The last test deploys the CDK bootstrap template's resources of these
 * types (tests/unit/cfn/bootstrap-template.yaml, evaluated by engine/cfn).
 */
#include "api/call.h"
#include "api/cfn_type.h"
#include "api/cfn_res_svc.h"
#include "engine/cfn/cfn_eval.h"
#include "engine/cfn/cfn_graph.h"
#include "engine/cfn/cfn_template.h"
#include "base/util.h"
#include "server/router.h"
#include "storage/store.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCOUNT "123456789012"

static void setup(void) {
    ck_assert_int_eq(store_init(NULL, 1), STORE_OK);
    call_init(router_prepare, router_dispatch);
}

static void teardown(void) { store_shutdown(); }

/* One resource of TYPE, LOGICAL id, with PROPS (JSON text, NULL: none). */
struct res {
    struct cfn_res r;
    const struct cfn_type *t;
    cJSON *props, *old_props, *attrs;
    char *physical;
};

static void res_init(struct res *x, const char *type, const char *logical, const char *props) {
    memset(x, 0, sizeof(*x));
    x->t = cfn_type_find(type);
    ck_assert_msg(x->t != NULL, "no type %s", type);
    x->props = props ? cJSON_Parse(props) : cJSON_CreateObject();
    ck_assert_msg(x->props != NULL, "bad props %s", props);
    x->r.account = ACCOUNT;
    x->r.region = "us-east-1";
    x->r.stack_name = "TestStack";
    x->r.stack_id = "arn:aws:cloudformation:us-east-1:" ACCOUNT ":stack/TestStack/1";
    x->r.logical_id = logical;
    x->r.type = type;
}

/* Takes the handler's outputs into X. */
static void res_take(struct res *x) {
    if (x->r.new_physical_id) {
        free(x->physical);
        x->physical = x->r.new_physical_id;
        x->r.new_physical_id = NULL;
    }
    if (x->r.new_attrs) {
        cJSON_Delete(x->attrs);
        x->attrs = x->r.new_attrs;
        x->r.new_attrs = NULL;
    }
}

/* Create: returns the handler's result; *ERR (may be NULL) the reason. */
static int res_create(struct res *x, char **err) {
    char *e = NULL;
    x->r.props = x->props;
    x->r.old_props = NULL;
    x->r.physical_id = NULL;
    x->r.attrs = NULL;
    int rc = x->t->create(&x->r, &e);
    if (rc == 0) {
        ck_assert_ptr_nonnull(x->r.new_physical_id);
        ck_assert_ptr_nonnull(x->r.new_attrs);
        res_take(x);
        cJSON_Delete(x->old_props);
        x->old_props = cJSON_Duplicate(x->props, 1);
    }
    if (err) *err = e;
    else free(e);
    return rc;
}

/* Update to PROPS (JSON text). */
static int res_update(struct res *x, const char *props, char **err) {
    char *e = NULL;
    cJSON_Delete(x->props);
    x->props = cJSON_Parse(props);
    ck_assert_ptr_nonnull(x->props);
    x->r.props = x->props;
    x->r.old_props = x->old_props;
    x->r.physical_id = x->physical;
    x->r.attrs = x->attrs;
    int rc = x->t->update(&x->r, &e);
    if (rc == 0) {
        res_take(x);
        cJSON_Delete(x->old_props);
        x->old_props = cJSON_Duplicate(x->props, 1);
    }
    if (err) *err = e;
    else free(e);
    return rc;
}

static int res_remove(struct res *x, char **err) {
    char *e = NULL;
    x->r.props = NULL;
    x->r.old_props = x->old_props;
    x->r.physical_id = x->physical;
    x->r.attrs = x->attrs;
    int rc = x->t->remove(&x->r, &e);
    if (err) *err = e;
    else free(e);
    return rc;
}

static void res_free(struct res *x) {
    cJSON_Delete(x->props);
    cJSON_Delete(x->old_props);
    cJSON_Delete(x->attrs);
    free(x->physical);
}

static const char *attr(const struct res *x, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(x->attrs, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A read through the service: C is run (the caller clears it). */
static int json_call(struct call *c, const char *service, const char *target, const char *body) {
    memset(c, 0, sizeof(*c));
    c->account = ACCOUNT;
    c->region = "us-east-1";
    c->service = service;
    c->method = "POST";
    c->path = "/";
    c->target = target;
    c->body = body;
    c->nbody = strlen(body);
    return call_run(c);
}

static int query_call(struct call *c, const char *service, const char *version, const char *action,
                      const char *form_json) {
    cJSON *form = cJSON_Parse(form_json);
    char *body = call_form(action, version, form);
    cJSON_Delete(form);
    memset(c, 0, sizeof(*c));
    c->account = ACCOUNT;
    c->region = "us-east-1";
    c->service = service;
    c->method = "POST";
    c->path = "/";
    c->body = body;
    c->nbody = strlen(body);
    int rc = call_run(c);
    free(body);
    c->body = NULL;
    return rc;
}

static int rest_call(struct call *c, const char *method, const char *path, const char *body) {
    memset(c, 0, sizeof(*c));
    c->account = ACCOUNT;
    c->region = "us-east-1";
    c->service = "s3";
    c->method = method;
    c->path = path;
    c->body = body;
    c->nbody = body ? strlen(body) : 0;
    return call_run(c);
}

/* DescribeTable NAME's Table member as text (heap), or NULL. */
static char *describe_table(const char *name) {
    struct call c;
    char body[512];
    snprintf(body, sizeof(body), "{\"TableName\":\"%s\"}", name);
    char *z = NULL;
    if (json_call(&c, "dynamodb", "DynamoDB_20120810.DescribeTable", body) == 0)
        z = cJSON_PrintUnformatted(cJSON_GetObjectItem(c.out, "Table"));
    call_clear(&c);
    return z;
}

/* ---- the shared helpers (pure) ---- */

static const struct {
    const char *in, *text; /* a JSON value; cfnr_text of it */
} TEXTS[] = {
    {"\"s\"", "s"},
    {"5", "5"},
    {"-3", "-3"},
    {"1.5", "1.5"},
    {"true", "true"},
    {"false", "false"},
    {"{\"Version\":\"2012-10-17\",\"Statement\":[]}", "{\"Version\":\"2012-10-17\",\"Statement\":[]}"},
    {"[1,\"a\"]", "[1,\"a\"]"},
};

START_TEST(helper_text) {
    cJSON *v = cJSON_Parse(TEXTS[_i].in);
    char *z = cfnr_text(v);
    ck_assert_str_eq(z, TEXTS[_i].text);
    free(z);
    cJSON_Delete(v);
}
END_TEST

static const struct {
    const char *in, *out; /* cfnr_coerce with nums {N} and bools {B} */
} COERCE[] = {
    {"{\"N\":\"5\",\"B\":\"true\",\"X\":\"5\"}", "{\"N\":5,\"B\":true,\"X\":\"5\"}"},
    {"{\"a\":[{\"N\":\"2.5\"},{\"B\":\"false\"}]}", "{\"a\":[{\"N\":2.5},{\"B\":false}]}"},
    {"{\"N\":\"five\",\"B\":\"yes\",\"N2\":\"\"}", "{\"N\":\"five\",\"B\":\"yes\",\"N2\":\"\"}"},
    {"{\"N\":\"\"}", "{\"N\":\"\"}"},
    {"[\"5\",\"true\"]", "[\"5\",\"true\"]"},
    {"{\"N\":7,\"B\":false}", "{\"N\":7,\"B\":false}"},
};

START_TEST(helper_coerce) {
    static const char *const nums[] = {"N", NULL}, *const bools[] = {"B", NULL};
    cJSON *v = cJSON_Parse(COERCE[_i].in);
    cfnr_coerce(v, nums, bools);
    char *z = cJSON_PrintUnformatted(v);
    ck_assert_str_eq(z, COERCE[_i].out);
    free(z);
    cJSON_Delete(v);
}
END_TEST

START_TEST(helper_changed_and_tags) {
    cJSON *a = cJSON_Parse("{\"x\":{\"k\":1},\"t\":[{\"Key\":\"a\",\"Value\":\"1\"}],\"l\":[\"p\",\"q\"]}");
    cJSON *b = cJSON_Parse("{\"x\":{\"k\":1},\"y\":2}");
    ck_assert_int_eq(cfnr_changed(a, b, "x"), 0);
    ck_assert_int_eq(cfnr_changed(a, b, "y"), 1);
    ck_assert_int_eq(cfnr_changed(a, b, "t"), 1);
    ck_assert_int_eq(cfnr_changed(a, b, "none"), 0);
    ck_assert_int_eq(cfnr_changed(NULL, b, "y"), 1);
    ck_assert_str_eq(cfnr_tag(cJSON_GetObjectItem(a, "t"), "a"), "1");
    ck_assert_ptr_null(cfnr_tag(cJSON_GetObjectItem(a, "t"), "b"));
    ck_assert_int_eq(cfnr_has(cJSON_GetObjectItem(a, "l"), "q"), 1);
    ck_assert_int_eq(cfnr_has(cJSON_GetObjectItem(a, "l"), "r"), 0);
    ck_assert_int_eq(cfnr_has(NULL, "r"), 0);
    cJSON_Delete(a);
    cJSON_Delete(b);
}
END_TEST

/* The table is sorted (cfn_type_find's contract) and every type of this
 * file's services is in it, each with its handlers. */
START_TEST(types_listed) {
    static const char *const names[] = {
        "AWS::CDK::Metadata", "AWS::DynamoDB::Table", "AWS::ECR::Repository", "AWS::IAM::ManagedPolicy",
        "AWS::IAM::Policy",   "AWS::IAM::Role",       "AWS::KMS::Alias",      "AWS::KMS::Key",
        "AWS::S3::Bucket",    "AWS::S3::BucketPolicy", "AWS::SQS::Queue",     "AWS::SQS::QueuePolicy",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct cfn_type *t = cfn_type_find(names[i]);
        ck_assert_msg(t && t->create && t->update && t->remove && t->create_only, "%s", names[i]);
        ck_assert_str_eq(t->name, names[i]);
    }
    ck_assert_ptr_null(cfn_type_find("AWS::EC2::Instance"));
    ck_assert_str_eq(cfn_type_find("AWS::SQS::Queue")->create_only[1], "FifoQueue");
}
END_TEST

/* ---- AWS::DynamoDB::Table ---- */

START_TEST(ddb_table_lifecycle) {
    struct res t;
    res_init(&t, "AWS::DynamoDB::Table", "Table",
             "{\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
             "\"BillingMode\":\"PAY_PER_REQUEST\",\"StreamSpecification\":{\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"},"
             "\"TimeToLiveSpecification\":{\"AttributeName\":\"exp\",\"Enabled\":true},"
             "\"Tags\":[{\"Key\":\"a\",\"Value\":\"1\"}]}");
    char *err = NULL;
    ck_assert_msg(res_create(&t, &err) == 0, "%s", err);
    /* A generated name: <stack>-<logical>-<12 random>. */
    ck_assert_int_eq(strncmp(t.physical, "TestStack-Table-", 16), 0);
    ck_assert_uint_eq(strlen(t.physical), 16 + 12);
    char arn[256];
    snprintf(arn, sizeof(arn), "arn:aws:dynamodb:us-east-1:" ACCOUNT ":table/%s", t.physical);
    ck_assert_str_eq(attr(&t, "Arn"), arn);
    ck_assert_ptr_nonnull(attr(&t, "StreamArn"));
    char *stream1 = strdup(attr(&t, "StreamArn"));
    char *d = describe_table(t.physical);
    ck_assert_ptr_nonnull(strstr(d, "\"StreamViewType\":\"NEW_AND_OLD_IMAGES\""));
    free(d);
    struct call c;
    char body[512];
    snprintf(body, sizeof(body), "{\"TableName\":\"%s\"}", t.physical);
    ck_assert_int_eq(json_call(&c, "dynamodb", "DynamoDB_20120810.DescribeTimeToLive", body), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(c.out, "TimeToLiveDescription"), "AttributeName")->valuestring,
                     "exp");
    call_clear(&c);

    /* In place: a new view type (off, on: a new stream), TTL off, tags,
     * provisioned billing, deletion protection. */
    ck_assert_msg(res_update(&t,
                             "{\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                             "\"BillingMode\":\"PROVISIONED\",\"ProvisionedThroughput\":{\"ReadCapacityUnits\":3,"
                             "\"WriteCapacityUnits\":4},\"StreamSpecification\":{\"StreamViewType\":\"KEYS_ONLY\"},"
                             "\"Tags\":[{\"Key\":\"b\",\"Value\":\"2\"}],\"DeletionProtectionEnabled\":true}",
                             &err) == 0,
                  "%s", err);
    ck_assert_ptr_nonnull(attr(&t, "StreamArn"));
    ck_assert_str_ne(attr(&t, "StreamArn"), stream1);
    free(stream1);
    d = describe_table(t.physical);
    ck_assert_ptr_nonnull(strstr(d, "\"StreamViewType\":\"KEYS_ONLY\""));
    ck_assert_ptr_nonnull(strstr(d, "\"ReadCapacityUnits\":3"));
    ck_assert_ptr_nonnull(strstr(d, "\"DeletionProtectionEnabled\":true"));
    ck_assert_ptr_null(strstr(d, "BillingModeSummary"));
    free(d);
    ck_assert_int_eq(json_call(&c, "dynamodb", "DynamoDB_20120810.DescribeTimeToLive", body), 0);
    ck_assert_ptr_nonnull(strstr(c.raw, "DISABLED"));
    call_clear(&c);
    snprintf(body, sizeof(body), "{\"ResourceArn\":\"%s\"}", arn);
    ck_assert_int_eq(json_call(&c, "dynamodb", "DynamoDB_20120810.ListTagsOfResource", body), 0);
    ck_assert_str_eq(c.raw, "{\"Tags\":[{\"Key\":\"b\",\"Value\":\"2\"}]}");
    call_clear(&c);

    /* Protected: DynamoDB's own refusal, in CloudFormation's words. */
    ck_assert_int_eq(res_remove(&t, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Resource handler returned message: \"Resource cannot be deleted as it is "
                                      "currently protected against deletion."));
    ck_assert_ptr_nonnull(strstr(err, "(Service: DynamoDb, Status Code: 400, Request ID: "));
    free(err);
    /* Stream off, protection off, then the delete. */
    ck_assert_msg(res_update(&t,
                             "{\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                             "\"BillingMode\":\"PAY_PER_REQUEST\"}",
                             &err) == 0,
                  "%s", err);
    ck_assert_ptr_null(attr(&t, "StreamArn"));
    ck_assert_int_eq(res_remove(&t, NULL), 0);
    ck_assert_ptr_null(describe_table(t.physical));
    /* Already gone: deleted. */
    ck_assert_int_eq(res_remove(&t, NULL), 0);
    res_free(&t);
}
END_TEST

START_TEST(ddb_table_failures) {
    struct res t;
    /* A named table, with a key that is not defined. */
    res_init(&t, "AWS::DynamoDB::Table", "Bad",
             "{\"TableName\":\"bad\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
             "\"AttributeDefinitions\":[{\"AttributeName\":\"other\",\"AttributeType\":\"S\"}],"
             "\"BillingMode\":\"PAY_PER_REQUEST\"}");
    char *err = NULL;
    ck_assert_int_eq(res_create(&t, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Resource handler returned message: \"One or more parameter values were invalid"));
    ck_assert_ptr_nonnull(strstr(err, "(Service: DynamoDb, Status Code: 400"));
    free(err);
    ck_assert_ptr_null(describe_table("bad"));
    res_free(&t);
    /* BillingMode defaults to PROVISIONED: then throughput is required. */
    res_init(&t, "AWS::DynamoDB::Table", "NoPt",
             "{\"TableName\":\"nopt\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}]}");
    ck_assert_int_eq(res_create(&t, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "(Service: DynamoDb, Status Code: 400"));
    free(err);
    res_free(&t);
    /* A named table that exists already: DynamoDB's conflict. */
    res_init(&t, "AWS::DynamoDB::Table", "Twice",
             "{\"TableName\":\"twice\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
             "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":1,\"WriteCapacityUnits\":1}}");
    ck_assert_int_eq(res_create(&t, NULL), 0);
    ck_assert_str_eq(t.physical, "twice");
    struct res u;
    char *same = cJSON_PrintUnformatted(t.props);
    res_init(&u, "AWS::DynamoDB::Table", "Twice2", same);
    free(same);
    ck_assert_int_eq(res_create(&u, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Table already exists: twice"));
    free(err);
    /* The first one is untouched by the failed second. */
    char *d = describe_table("twice");
    ck_assert_ptr_nonnull(d);
    free(d);
    res_free(&u);
    res_free(&t);
}
END_TEST


/* Numbers and booleans written as strings, as JSON templates do; a new
 * global index goes to UpdateTable, whose answer comes back. */
START_TEST(ddb_table_strings_and_gsi) {
    struct res t;
    res_init(&t, "AWS::DynamoDB::Table", "T",
             "{\"TableName\":\"strs\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
             "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":\"2\",\"WriteCapacityUnits\":\"3\"},"
             "\"DeletionProtectionEnabled\":\"false\","
             "\"TimeToLiveSpecification\":{\"AttributeName\":\"ttl\",\"Enabled\":\"true\"},"
             "\"PointInTimeRecoverySpecification\":{\"PointInTimeRecoveryEnabled\":\"true\"}}");
    char *err = NULL;
    ck_assert_msg(res_create(&t, &err) == 0, "%s", err);
    ck_assert_str_eq(t.physical, "strs");
    char *d = describe_table("strs");
    ck_assert_ptr_nonnull(strstr(d, "\"WriteCapacityUnits\":3"));
    free(d);
    struct call c;
    ck_assert_int_eq(json_call(&c, "dynamodb", "DynamoDB_20120810.DescribeContinuousBackups", "{\"TableName\":\"strs\"}"), 0);
    ck_assert_ptr_nonnull(strstr(c.raw, "\"PointInTimeRecoveryStatus\":\"ENABLED\""));
    call_clear(&c);
    /* PITR off; TTL on another attribute (off, then on). */
    ck_assert_msg(res_update(&t,
                             "{\"TableName\":\"strs\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                             "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                             "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":\"2\",\"WriteCapacityUnits\":\"3\"},"
                             "\"TimeToLiveSpecification\":{\"AttributeName\":\"exp2\",\"Enabled\":true}}",
                             &err) == 0,
                  "%s", err);
    ck_assert_int_eq(json_call(&c, "dynamodb", "DynamoDB_20120810.DescribeContinuousBackups", "{\"TableName\":\"strs\"}"), 0);
    ck_assert_ptr_nonnull(strstr(c.raw, "\"PointInTimeRecoveryStatus\":\"DISABLED\""));
    call_clear(&c);
    ck_assert_int_eq(json_call(&c, "dynamodb", "DynamoDB_20120810.DescribeTimeToLive", "{\"TableName\":\"strs\"}"), 0);
    ck_assert_ptr_nonnull(strstr(c.raw, "\"AttributeName\":\"exp2\""));
    call_clear(&c);
    /* A new global index (one UpdateTable Create), then its throughput
     * (an Update), then none (a Delete): all in place. */
#define GSI_PROPS(gsis)                                                                                  \
    "{\"TableName\":\"strs\",\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"          \
    "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"},"                     \
    "{\"AttributeName\":\"g\",\"AttributeType\":\"S\"}],"                                                \
    "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":2,\"WriteCapacityUnits\":3}," gsis                 \
    "\"TimeToLiveSpecification\":{\"AttributeName\":\"exp2\",\"Enabled\":true}}"
#define GSI_GI(rcu)                                                                                      \
    "\"GlobalSecondaryIndexes\":[{\"IndexName\":\"gix\",\"KeySchema\":[{\"AttributeName\":"              \
    "\"g\",\"KeyType\":\"HASH\"}],\"Projection\":{\"ProjectionType\":\"ALL\"},"                          \
    "\"ProvisionedThroughput\":{\"ReadCapacityUnits\":" rcu ",\"WriteCapacityUnits\":1}}],"
    static const char *const gsi_steps[] = {GSI_PROPS(GSI_GI("1")), GSI_PROPS(GSI_GI("4")), GSI_PROPS("")};
    static const char *const gsi_want[] = {"\"ReadCapacityUnits\":1,", "\"ReadCapacityUnits\":4,", NULL};
    for (int i = 0; i < 3; i++) {
        ck_assert_msg(res_update(&t, gsi_steps[i], &err) == 0, "%s", err);
        ck_assert_int_eq(json_call(&c, "dynamodb", "DynamoDB_20120810.DescribeTable", "{\"TableName\":\"strs\"}"), 0);
        const char *gi = strstr(c.raw, "\"IndexName\":\"gix\"");
        if (gsi_want[i] == NULL) ck_assert_ptr_null(gi);
        else ck_assert_ptr_nonnull(gi && strstr(gi, gsi_want[i]) ? gi : NULL);
        call_clear(&c);
    }
#undef GSI_PROPS
#undef GSI_GI
    ck_assert_int_eq(res_remove(&t, NULL), 0);
    res_free(&t);
}
END_TEST

/* ---- IAM ---- */

#define TRUST "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":" \
              "\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"
#define DOC(action) "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"" action \
                    "\",\"Resource\":\"*\"}]}"

/* IAM's ACTION with FORM; its result tree printed (heap), or NULL on a
 * failure (its code into CODE when given). */
static char *iam_read(const char *action, const char *form, char code[64]) {
    struct call c;
    char *z = NULL;
    if (query_call(&c, "iam", "2010-05-08", action, form) == 0) z = cJSON_PrintUnformatted(c.out);
    else if (code) snprintf(code, 64, "%s", c.code);
    call_clear(&c);
    return z;
}

START_TEST(iam_role_lifecycle) {
    struct res role;
    res_init(&role, "AWS::IAM::Role", "FnServiceRole",
             "{\"AssumeRolePolicyDocument\":" TRUST ",\"Description\":\"d1\","
             "\"ManagedPolicyArns\":[\"arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\"],"
             "\"Policies\":[{\"PolicyName\":\"p1\",\"PolicyDocument\":" DOC("s3:GetObject") "}],"
             "\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}]}");
    char *err = NULL, form[512], code[64];
    ck_assert_msg(res_create(&role, &err) == 0, "%s", err);
    ck_assert_int_eq(strncmp(role.physical, "TestStack-FnServiceRole-", 24), 0);
    char arn[256];
    snprintf(arn, sizeof(arn), "arn:aws:iam::" ACCOUNT ":role/%s", role.physical);
    ck_assert_str_eq(attr(&role, "Arn"), arn);
    ck_assert_int_eq(strncmp(attr(&role, "RoleId"), "AROA", 4), 0);
    snprintf(form, sizeof(form), "{\"RoleName\":\"%s\"}", role.physical);
    char *z = iam_read("ListAttachedRolePolicies", form, NULL);
    ck_assert_ptr_nonnull(strstr(z, "AWSLambdaBasicExecutionRole"));
    free(z);
    z = iam_read("ListRolePolicies", form, NULL);
    ck_assert_ptr_nonnull(strstr(z, "\"PolicyNames\":[\"p1\"]"));
    free(z);
    z = iam_read("GetRole", form, NULL);
    ck_assert_ptr_nonnull(strstr(z, "\"Description\":\"d1\""));
    ck_assert_ptr_nonnull(strstr(z, "\"Key\":\"k\""));
    free(z);

    /* In place: another managed policy, another inline one, new tags. */
    ck_assert_msg(res_update(&role,
                             "{\"AssumeRolePolicyDocument\":" TRUST ",\"MaxSessionDuration\":7200,"
                             "\"ManagedPolicyArns\":[\"arn:aws:iam::aws:policy/AdministratorAccess\"],"
                             "\"Policies\":[{\"PolicyName\":\"p2\",\"PolicyDocument\":" DOC("s3:PutObject") "}],"
                             "\"Tags\":[{\"Key\":\"k2\",\"Value\":\"v2\"}]}",
                             &err) == 0,
                  "%s", err);
    z = iam_read("ListAttachedRolePolicies", form, NULL);
    ck_assert_ptr_nonnull(strstr(z, "AdministratorAccess"));
    ck_assert_ptr_null(strstr(z, "AWSLambdaBasicExecutionRole"));
    free(z);
    z = iam_read("ListRolePolicies", form, NULL);
    ck_assert_ptr_nonnull(strstr(z, "\"PolicyNames\":[\"p2\"]"));
    free(z);
    z = iam_read("GetRole", form, NULL);
    ck_assert_ptr_nonnull(strstr(z, "\"MaxSessionDuration\":\"7200\""));
    ck_assert_ptr_null(strstr(z, "\"Key\":\"k\""));
    ck_assert_ptr_nonnull(strstr(z, "\"Key\":\"k2\""));
    free(z);

    /* A policy put on it by an AWS::IAM::Policy, then a managed policy
     * of the stack attached to it. */
    struct res pol;
    char props[1024];
    snprintf(props, sizeof(props), "{\"PolicyName\":\"extra\",\"PolicyDocument\":" DOC("sqs:*") ",\"Roles\":[\"%s\"]}",
             role.physical);
    res_init(&pol, "AWS::IAM::Policy", "FnServiceRoleDefaultPolicy", props);
    ck_assert_msg(res_create(&pol, &err) == 0, "%s", err);
    ck_assert_str_eq(attr(&pol, "Id"), pol.physical);
    snprintf(form, sizeof(form), "{\"RoleName\":\"%s\",\"PolicyName\":\"extra\"}", role.physical);
    z = iam_read("GetRolePolicy", form, NULL);
    ck_assert_ptr_nonnull(strstr(z, "sqs"));
    free(z);
    /* Renamed: put under the new name, the old one deleted. */
    snprintf(props, sizeof(props), "{\"PolicyName\":\"extra2\",\"PolicyDocument\":" DOC("sqs:*") ",\"Roles\":[\"%s\"]}",
             role.physical);
    ck_assert_msg(res_update(&pol, props, &err) == 0, "%s", err);
    ck_assert_ptr_null(iam_read("GetRolePolicy", form, code));
    ck_assert_str_eq(code, "NoSuchEntity");
    /* Users are not in sluice's IAM. */
    struct res users;
    res_init(&users, "AWS::IAM::Policy", "U", "{\"PolicyName\":\"u\",\"PolicyDocument\":" DOC("s3:*") ",\"Users\":[\"bob\"]}");
    ck_assert_int_eq(res_create(&users, &err), -1);
    ck_assert_str_eq(err, "sluice's IAM has no users or groups: only Roles can be given");
    free(err);
    res_free(&users);

    /* Deleting the role takes its policies first. */
    ck_assert_int_eq(res_remove(&role, NULL), 0);
    snprintf(form, sizeof(form), "{\"RoleName\":\"%s\"}", role.physical);
    ck_assert_ptr_null(iam_read("GetRole", form, code));
    ck_assert_str_eq(code, "NoSuchEntity");
    /* Already gone: deleted, for both. */
    ck_assert_int_eq(res_remove(&role, NULL), 0);
    ck_assert_int_eq(res_remove(&pol, NULL), 0);
    res_free(&pol);
    res_free(&role);
}
END_TEST

START_TEST(iam_role_failures) {
    struct res role;
    /* A malformed trust policy: IAM's own error, as CloudFormation words it. */
    res_init(&role, "AWS::IAM::Role", "R", "{\"RoleName\":\"r\",\"AssumeRolePolicyDocument\":{\"Nope\":1}}");
    char *err = NULL, code[64];
    ck_assert_int_eq(res_create(&role, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Resource handler returned message: \""));
    ck_assert_ptr_nonnull(strstr(err, "(Service: Iam, Status Code: 400, Request ID: "));
    free(err);
    res_free(&role);
    /* A managed policy that does not exist: the role made is removed again. */
    res_init(&role, "AWS::IAM::Role", "R",
             "{\"RoleName\":\"r\",\"AssumeRolePolicyDocument\":" TRUST ","
             "\"ManagedPolicyArns\":[\"arn:aws:iam::" ACCOUNT ":policy/missing\"]}");
    ck_assert_int_eq(res_create(&role, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "does not exist or is not attachable."));
    ck_assert_ptr_nonnull(strstr(err, "(Service: Iam, Status Code: 404"));
    free(err);
    ck_assert_ptr_null(iam_read("GetRole", "{\"RoleName\":\"r\"}", code));
    ck_assert_str_eq(code, "NoSuchEntity");
    res_free(&role);
}
END_TEST

START_TEST(iam_managed_policy) {
    struct res role, mp;
    res_init(&role, "AWS::IAM::Role", "R", "{\"RoleName\":\"mr\",\"AssumeRolePolicyDocument\":" TRUST "}");
    ck_assert_int_eq(res_create(&role, NULL), 0);
    res_init(&mp, "AWS::IAM::ManagedPolicy", "Boundary",
             "{\"PolicyDocument\":" DOC("s3:GetObject") ",\"Description\":\"x\",\"Roles\":[\"mr\"]}");
    char *err = NULL, form[512], code[64];
    ck_assert_msg(res_create(&mp, &err) == 0, "%s", err);
    ck_assert_int_eq(strncmp(mp.physical, "arn:aws:iam::" ACCOUNT ":policy/TestStack-Boundary-", 49), 0);
    ck_assert_str_eq(attr(&mp, "PolicyArn"), mp.physical);
    ck_assert_str_eq(attr(&mp, "DefaultVersionId"), "v1");
    ck_assert_int_eq(cJSON_GetObjectItem(mp.attrs, "AttachmentCount")->valueint, 1);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(mp.attrs, "IsAttachable")));
    /* Six new documents: versions v2..v7, never more than 5 kept. */
    const char *actions[] = {"s3:A", "s3:B", "s3:C", "s3:D", "s3:E", "s3:F"};
    for (int i = 0; i < 6; i++) {
        char props[512];
        snprintf(props, sizeof(props),
                 "{\"PolicyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                 "\"%s\",\"Resource\":\"*\"}]},\"Description\":\"x\",\"Roles\":[\"mr\"]}",
                 actions[i]);
        ck_assert_msg(res_update(&mp, props, &err) == 0, "%d: %s", i, err);
    }
    ck_assert_str_eq(attr(&mp, "DefaultVersionId"), "v7");
    snprintf(form, sizeof(form), "{\"PolicyArn\":\"%s\"}", mp.physical);
    char *z = iam_read("ListPolicyVersions", form, NULL);
    cJSON *v = cJSON_Parse(z);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(v, "Versions")), 5);
    cJSON_Delete(v);
    free(z);
    /* Detached from the role by an update without Roles. */
    ck_assert_int_eq(res_update(&mp, "{\"PolicyDocument\":" DOC("s3:F") ",\"Description\":\"x\"}", NULL), 0);
    ck_assert_int_eq(cJSON_GetObjectItem(mp.attrs, "AttachmentCount")->valueint, 0);
    /* Removed with its versions; then gone. */
    ck_assert_msg(res_remove(&mp, &err) == 0, "%s", err);
    ck_assert_ptr_null(iam_read("GetPolicy", form, code));
    ck_assert_str_eq(code, "NoSuchEntity");
    ck_assert_int_eq(res_remove(&mp, NULL), 0);
    ck_assert_int_eq(res_remove(&role, NULL), 0);
    res_free(&mp);
    res_free(&role);
}
END_TEST

/* ---- SQS ---- */

/* GetQueueAttributes All of URL, printed (heap), or NULL. */
static char *queue_attrs(const char *url) {
    struct call c;
    char body[512];
    snprintf(body, sizeof(body), "{\"QueueUrl\":\"%s\",\"AttributeNames\":[\"All\"]}", url);
    char *z = NULL;
    if (json_call(&c, "sqs", "AmazonSQS.GetQueueAttributes", body) == 0) z = cJSON_PrintUnformatted(c.out);
    call_clear(&c);
    return z;
}

START_TEST(sqs_queue_lifecycle) {
    struct res dlq, q;
    res_init(&dlq, "AWS::SQS::Queue", "Dlq", "{\"FifoQueue\":true}");
    char *err = NULL;
    ck_assert_msg(res_create(&dlq, &err) == 0, "%s", err);
    /* A FIFO queue's generated name ends .fifo; Ref is the URL. */
    ck_assert_int_eq(strncmp(attr(&dlq, "QueueName"), "TestStack-Dlq-", 14), 0);
    ck_assert_str_eq(attr(&dlq, "QueueName") + strlen(attr(&dlq, "QueueName")) - 5, ".fifo");
    ck_assert_str_eq(attr(&dlq, "QueueUrl"), dlq.physical);
    ck_assert_ptr_nonnull(strstr(dlq.physical, "/" ACCOUNT "/TestStack-Dlq-"));
    res_free(&dlq);
    res_init(&dlq, "AWS::SQS::Queue", "Dlq", "{\"QueueName\":\"dlq\"}");
    ck_assert_int_eq(res_create(&dlq, NULL), 0);
    ck_assert_str_eq(attr(&dlq, "Arn"), "arn:aws:sqs:us-east-1:" ACCOUNT ":dlq");
    char props[1024];
    snprintf(props, sizeof(props),
             "{\"QueueName\":\"q\",\"VisibilityTimeout\":45,\"DelaySeconds\":\"2\",\"FifoQueue\":false,"
             "\"RedrivePolicy\":{\"deadLetterTargetArn\":\"%s\",\"maxReceiveCount\":3},"
             "\"Tags\":[{\"Key\":\"a\",\"Value\":\"1\"}]}",
             attr(&dlq, "Arn"));
    res_init(&q, "AWS::SQS::Queue", "Q", props);
    ck_assert_msg(res_create(&q, &err) == 0, "%s", err);
    char *z = queue_attrs(q.physical);
    ck_assert_ptr_nonnull(strstr(z, "\"VisibilityTimeout\":\"45\""));
    ck_assert_ptr_nonnull(strstr(z, "\"DelaySeconds\":\"2\""));
    ck_assert_ptr_nonnull(strstr(z, "maxReceiveCount"));
    free(z);
    /* In place: VisibilityTimeout changed, DelaySeconds and the redrive
     * policy removed (back to the defaults), tags changed. */
    ck_assert_msg(res_update(&q, "{\"QueueName\":\"q\",\"VisibilityTimeout\":60,\"Tags\":[{\"Key\":\"b\",\"Value\":\"2\"}]}",
                             &err) == 0,
                  "%s", err);
    z = queue_attrs(q.physical);
    ck_assert_ptr_nonnull(strstr(z, "\"VisibilityTimeout\":\"60\""));
    ck_assert_ptr_nonnull(strstr(z, "\"DelaySeconds\":\"0\""));
    ck_assert_ptr_null(strstr(z, "maxReceiveCount"));
    free(z);
    struct call c;
    char body[512];
    snprintf(body, sizeof(body), "{\"QueueUrl\":\"%s\"}", q.physical);
    ck_assert_int_eq(json_call(&c, "sqs", "AmazonSQS.ListQueueTags", body), 0);
    z = cJSON_PrintUnformatted(c.out);
    ck_assert_str_eq(z, "{\"Tags\":{\"b\":\"2\"}}");
    free(z);
    call_clear(&c);
    /* A bad value: SQS's own error. */
    ck_assert_int_eq(res_update(&q, "{\"QueueName\":\"q\",\"VisibilityTimeout\":99999}", &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "\"Invalid value for the parameter VisibilityTimeout.\" (Service: Sqs, Status Code: 400"));
    free(err);

    /* A queue policy on both queues, then on one. */
    struct res pol;
    snprintf(props, sizeof(props),
             "{\"Queues\":[\"%s\",\"%s\"],\"PolicyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
             "\"Allow\",\"Principal\":\"*\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\"}]}}",
             q.physical, dlq.physical);
    res_init(&pol, "AWS::SQS::QueuePolicy", "QP", props);
    ck_assert_msg(res_create(&pol, &err) == 0, "%s", err);
    ck_assert_str_eq(attr(&pol, "Id"), pol.physical);
    z = queue_attrs(dlq.physical);
    ck_assert_ptr_nonnull(strstr(z, "sqs:SendMessage"));
    free(z);
    snprintf(props, sizeof(props),
             "{\"Queues\":[\"%s\"],\"PolicyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
             "\"Allow\",\"Principal\":\"*\",\"Action\":\"sqs:SendMessage\",\"Resource\":\"*\"}]}}",
             q.physical);
    ck_assert_msg(res_update(&pol, props, &err) == 0, "%s", err);
    z = queue_attrs(dlq.physical);
    ck_assert_ptr_null(strstr(z, "sqs:SendMessage"));
    free(z);
    /* A named queue that exists already is not taken over. */
    struct res again;
    res_init(&again, "AWS::SQS::Queue", "Again", "{\"QueueName\":\"q\"}");
    ck_assert_int_eq(res_create(&again, &err), -1);
    ck_assert_str_eq(err, "Resource of type 'AWS::SQS::Queue' with identifier 'q' already exists.");
    free(err);
    res_free(&again);

    ck_assert_int_eq(res_remove(&q, NULL), 0);
    ck_assert_ptr_null(queue_attrs(q.physical));
    /* Gone already: deleted; the policy of a deleted queue, too. */
    ck_assert_int_eq(res_remove(&q, NULL), 0);
    ck_assert_int_eq(res_remove(&pol, NULL), 0);
    ck_assert_int_eq(res_remove(&dlq, NULL), 0);
    res_free(&pol);
    res_free(&q);
    res_free(&dlq);
}
END_TEST

/* ---- S3 ---- */

/* GET PATH's body (heap), or NULL with its code into CODE (when given). */
static char *s3_get(const char *path, char code[64]) {
    struct call c;
    char *z = NULL;
    if (rest_call(&c, "GET", path, NULL) == 0) z = strdup(c.raw ? c.raw : "");
    else if (code) snprintf(code, 64, "%s", c.code);
    call_clear(&c);
    return z;
}

START_TEST(s3_bucket_lifecycle) {
    struct res b;
    res_init(&b, "AWS::S3::Bucket", "AssetsBucket",
             "{\"AccessControl\":\"Private\",\"VersioningConfiguration\":{\"Status\":\"Enabled\"},"
             "\"BucketEncryption\":{\"ServerSideEncryptionConfiguration\":[{\"ServerSideEncryptionByDefault\":"
             "{\"SSEAlgorithm\":\"aws:kms\",\"KMSMasterKeyID\":\"k<1>\"},\"BucketKeyEnabled\":true}]},"
             "\"LifecycleConfiguration\":{\"Rules\":[{\"Id\":\"old\",\"Status\":\"Enabled\",\"Prefix\":\"logs/\","
             "\"ExpirationInDays\":7,\"NoncurrentVersionExpiration\":{\"NoncurrentDays\":30}}]},"
             "\"CorsConfiguration\":{\"CorsRules\":[{\"AllowedMethods\":[\"GET\"],\"AllowedOrigins\":[\"*\"],\"MaxAge\":60}]},"
             "\"Tags\":[{\"Key\":\"a\",\"Value\":\"1\"}],\"NotificationConfiguration\":{\"QueueConfigurations\":[]}}");
    char *err = NULL, path[256], code[64];
    ck_assert_msg(res_create(&b, &err) == 0, "%s", err);
    /* A generated name: lower case, at most 63 characters. */
    ck_assert_int_eq(strncmp(b.physical, "teststack-assetsbucket-", 23), 0);
    ck_assert_uint_le(strlen(b.physical), 63);
    for (const char *p = b.physical; *p; p++) ck_assert(!(*p >= 'A' && *p <= 'Z'));
    char want[256];
    snprintf(want, sizeof(want), "arn:aws:s3:::%s", b.physical);
    ck_assert_str_eq(attr(&b, "Arn"), want);
    snprintf(want, sizeof(want), "%s.s3.us-east-1.amazonaws.com", b.physical);
    ck_assert_str_eq(attr(&b, "RegionalDomainName"), want);
    snprintf(want, sizeof(want), "http://%s.s3-website-us-east-1.amazonaws.com", b.physical);
    ck_assert_str_eq(attr(&b, "WebsiteURL"), want);
    ck_assert_ptr_nonnull(attr(&b, "DomainName"));
    ck_assert_ptr_nonnull(attr(&b, "DualStackDomainName"));
    snprintf(path, sizeof(path), "/%s?versioning", b.physical);
    char *z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "<Status>Enabled</Status>"));
    free(z);
    snprintf(path, sizeof(path), "/%s?encryption", b.physical);
    z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>k&lt;1&gt;</KMSMasterKeyID>"));
    ck_assert_ptr_nonnull(strstr(z, "<BucketKeyEnabled>true</BucketKeyEnabled>"));
    free(z);
    snprintf(path, sizeof(path), "/%s?lifecycle", b.physical);
    z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "<Rule><ID>old</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status>"
                                    "<Expiration><Days>7</Days></Expiration><NoncurrentVersionExpiration>"
                                    "<NoncurrentDays>30</NoncurrentDays></NoncurrentVersionExpiration></Rule>"));
    free(z);
    snprintf(path, sizeof(path), "/%s?cors", b.physical);
    z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "<CORSRule><AllowedMethod>GET</AllowedMethod><AllowedOrigin>*</AllowedOrigin>"
                                    "<MaxAgeSeconds>60</MaxAgeSeconds></CORSRule>"));
    free(z);
    snprintf(path, sizeof(path), "/%s?tagging", b.physical);
    z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "<Key>a</Key><Value>1</Value>"));
    free(z);

    /* In place: lifecycle and CORS removed, a public access block and a
     * website added, tags changed. */
    ck_assert_msg(res_update(&b,
                             "{\"VersioningConfiguration\":{\"Status\":\"Enabled\"},"
                             "\"PublicAccessBlockConfiguration\":{\"BlockPublicAcls\":true,\"BlockPublicPolicy\":false},"
                             "\"WebsiteConfiguration\":{\"IndexDocument\":\"index.html\",\"ErrorDocument\":\"e.html\"},"
                             "\"Tags\":[{\"Key\":\"b\",\"Value\":\"2\"}]}",
                             &err) == 0,
                  "%s", err);
    snprintf(path, sizeof(path), "/%s?lifecycle", b.physical);
    ck_assert_ptr_null(s3_get(path, code));
    ck_assert_str_eq(code, "NoSuchLifecycleConfiguration");
    snprintf(path, sizeof(path), "/%s?publicAccessBlock", b.physical);
    z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "<BlockPublicAcls>true</BlockPublicAcls><BlockPublicPolicy>false</BlockPublicPolicy>"));
    free(z);
    snprintf(path, sizeof(path), "/%s?website", b.physical);
    z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "<IndexDocument><Suffix>index.html</Suffix></IndexDocument>"
                                    "<ErrorDocument><Key>e.html</Key></ErrorDocument>"));
    free(z);
    snprintf(path, sizeof(path), "/%s?tagging", b.physical);
    z = s3_get(path, NULL);
    ck_assert_ptr_null(strstr(z, "<Key>a</Key>"));
    ck_assert_ptr_nonnull(strstr(z, "<Key>b</Key><Value>2</Value>"));
    free(z);

    /* Its policy. */
    struct res pol;
    char props[1024];
    snprintf(props, sizeof(props),
             "{\"Bucket\":\"%s\",\"PolicyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
             "\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"%s\",\"Condition\":{\"Bool\":"
             "{\"aws:SecureTransport\":\"false\"}}}]}}",
             b.physical, attr(&b, "Arn"));
    res_init(&pol, "AWS::S3::BucketPolicy", "Policy", props);
    ck_assert_msg(res_create(&pol, &err) == 0, "%s", err);
    ck_assert_str_eq(pol.physical, b.physical);
    snprintf(path, sizeof(path), "/%s?policy", b.physical);
    z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "aws:SecureTransport"));
    free(z);
    ck_assert_int_eq(res_remove(&pol, NULL), 0);
    ck_assert_ptr_null(s3_get(path, code));
    ck_assert_str_eq(code, "NoSuchBucketPolicy");

    /* A bucket with an object: S3's BucketNotEmpty, as AWS reports it. */
    struct call c;
    snprintf(path, sizeof(path), "/%s/k", b.physical);
    ck_assert_int_eq(rest_call(&c, "PUT", path, "x"), 0);
    call_clear(&c);
    ck_assert_int_eq(res_remove(&b, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Resource handler returned message: \"The bucket you tried to delete is not "
                                      "empty\" (Service: S3, Status Code: 409, Request ID: "));
    free(err);
    ck_assert_int_eq(rest_call(&c, "DELETE", path, NULL), 0);
    call_clear(&c);
    ck_assert_int_eq(res_remove(&b, NULL), 0);
    snprintf(path, sizeof(path), "/%s?versioning", b.physical);
    ck_assert_ptr_null(s3_get(path, code));
    ck_assert_str_eq(code, "NoSuchBucket");
    /* Gone already: deleted; its policy too. */
    ck_assert_int_eq(res_remove(&b, NULL), 0);
    ck_assert_int_eq(res_remove(&pol, NULL), 0);
    res_free(&pol);
    res_free(&b);
}
END_TEST

START_TEST(s3_bucket_failures) {
    struct res b, again;
    res_init(&b, "AWS::S3::Bucket", "B", "{\"BucketName\":\"taken-bucket\"}");
    ck_assert_int_eq(res_create(&b, NULL), 0);
    res_init(&again, "AWS::S3::Bucket", "B2", "{\"BucketName\":\"taken-bucket\"}");
    char *err = NULL, code[64];
    ck_assert_int_eq(res_create(&again, &err), -1);
    ck_assert_str_eq(err, "taken-bucket already exists");
    free(err);
    res_free(&again);
    /* An invalid name: S3's own error. */
    res_init(&again, "AWS::S3::Bucket", "B3", "{\"BucketName\":\"Bad_Name\"}");
    ck_assert_int_eq(res_create(&again, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "\"The specified bucket is not valid.\" (Service: S3, Status Code: 400"));
    free(err);
    res_free(&again);
    /* A configuration S3 refuses: the bucket made is removed again. */
    res_init(&again, "AWS::S3::Bucket", "B4", "{\"BucketName\":\"half-made\",\"AccessControl\":\"Nope\"}");
    ck_assert_int_eq(res_create(&again, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "AccessControl"));
    free(err);
    ck_assert_ptr_null(s3_get("/half-made?versioning", code));
    ck_assert_str_eq(code, "NoSuchBucket");
    res_free(&again);
    ck_assert_int_eq(res_remove(&b, NULL), 0);
    res_free(&b);
    /* Another region: CreateBucket with its LocationConstraint, and the
     * region's website endpoint form. */
    res_init(&b, "AWS::S3::Bucket", "B", "{\"BucketName\":\"frankfurt-bucket\"}");
    b.r.region = "eu-central-1";
    ck_assert_msg(res_create(&b, &err) == 0, "%s", err);
    ck_assert_str_eq(attr(&b, "WebsiteURL"), "http://frankfurt-bucket.s3-website.eu-central-1.amazonaws.com");
    char *z = s3_get("/frankfurt-bucket?location", NULL);
    ck_assert_ptr_nonnull(strstr(z, ">eu-central-1</LocationConstraint>"));
    free(z);
    ck_assert_int_eq(res_remove(&b, NULL), 0);
    res_free(&b);
}
END_TEST

/* ---- KMS and ECR: stored, nothing behind them ---- */

START_TEST(bootstrap_only_types) {
    struct res key, alias, repo;
    res_init(&key, "AWS::KMS::Key", "Key", "{\"KeyPolicy\":{}}");
    ck_assert_int_eq(res_create(&key, NULL), 0);
    ck_assert_uint_eq(strlen(key.physical), 36);
    ck_assert_str_eq(attr(&key, "KeyId"), key.physical);
    char want[256];
    snprintf(want, sizeof(want), "arn:aws:kms:us-east-1:" ACCOUNT ":key/%s", key.physical);
    ck_assert_str_eq(attr(&key, "Arn"), want);
    ck_assert_int_eq(res_update(&key, "{\"KeyPolicy\":{\"x\":1}}", NULL), 0);
    ck_assert_int_eq(res_remove(&key, NULL), 0);
    res_init(&alias, "AWS::KMS::Alias", "Alias", "{\"AliasName\":\"alias/cdk-q-assets-key\",\"TargetKeyId\":\"k\"}");
    ck_assert_int_eq(res_create(&alias, NULL), 0);
    ck_assert_str_eq(alias.physical, "alias/cdk-q-assets-key");
    res_free(&alias);
    res_init(&alias, "AWS::KMS::Alias", "Alias", "{\"AliasName\":\"nope\",\"TargetKeyId\":\"k\"}");
    char *err = NULL;
    ck_assert_int_eq(res_create(&alias, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "AliasName"));
    free(err);
    res_init(&repo, "AWS::ECR::Repository", "ContainerAssets", "{}");
    ck_assert_int_eq(res_create(&repo, NULL), 0);
    ck_assert_int_eq(strncmp(repo.physical, "teststack-containerassets-", 26), 0);
    snprintf(want, sizeof(want), ACCOUNT ".dkr.ecr.us-east-1.amazonaws.com/%s", repo.physical);
    ck_assert_str_eq(attr(&repo, "RepositoryUri"), want);
    snprintf(want, sizeof(want), "arn:aws:ecr:us-east-1:" ACCOUNT ":repository/%s", repo.physical);
    ck_assert_str_eq(attr(&repo, "Arn"), want);
    ck_assert_int_eq(res_remove(&repo, NULL), 0);
    res_free(&repo);
    res_free(&alias);
    res_free(&key);
}
END_TEST

/* ---- the CDK bootstrap template ---- */

/* What the test's little deployer knows: each created resource's
 * physical id and attributes, by logical id. */
struct deployed {
    cJSON *phys, *attrs;
};

static cJSON *dep_ref(void *ud, const char *id, char **err) {
    struct deployed *d = ud;
    const cJSON *p = cJSON_GetObjectItem(d->phys, id);
    if (p == NULL) {
        *err = strdup(id);
        return NULL;
    }
    return cJSON_Duplicate(p, 1);
}

static cJSON *dep_get_att(void *ud, const char *id, const char *name, char **err) {
    struct deployed *d = ud;
    const cJSON *of = cJSON_GetObjectItem(d->attrs, id), *a = cJSON_GetObjectItem(of, name);
    if (cJSON_IsNull(of)) {
        /* A stubbed resource of another helper's type. */
        char z[256];
        snprintf(z, sizeof(z), "%s.%s", id, name);
        return cJSON_CreateString(z);
    }
    if (a == NULL) {
        *err = strdup(name);
        return NULL;
    }
    return cJSON_Duplicate(a, 1);
}

static cJSON *load_template(const char *name) {
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", CFN_DATA, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s", path);
    static char text[256 * 1024];
    size_t n = fread(text, 1, sizeof(text), f);
    fclose(f);
    char *err = NULL;
    cJSON *t = cfn_template_parse(text, n, &err);
    ck_assert_msg(t != NULL, "%s", err);
    return t;
}

/* The parameters `cdk bootstrap` sends (docs/cloudformation-reference.md,
 * section 4.2) over the template's defaults; with NEW_KEY the default
 * FileAssetsBucketKmsKeyId ("": a new KMS key and alias). */
static cJSON *bootstrap_params(const cJSON *tmpl, int new_key) {
    cJSON *p = cJSON_CreateObject();
    const cJSON *e;
    cJSON_ArrayForEach(e, cJSON_GetObjectItem(tmpl, "Parameters")) {
        const cJSON *d = cJSON_GetObjectItem(e, "Default");
        const char *type = cJSON_GetObjectItem(e, "Type")->valuestring;
        const char *v = cJSON_IsString(d) ? d->valuestring : "";
        if (!new_key && strcmp(e->string, "FileAssetsBucketKmsKeyId") == 0) v = "AWS_MANAGED_KEY";
        if (strcmp(e->string, "PublicAccessBlockConfiguration") == 0) v = "true";
        if (strcmp(type, "CommaDelimitedList") == 0) {
            cJSON *a = cJSON_AddArrayToObject(p, e->string);
            cJSON_AddItemToArray(a, cJSON_CreateString(v));
        } else {
            cJSON_AddStringToObject(p, e->string, v);
        }
    }
    return p;
}

/* Creates, in dependency order, every enabled resource of TMPL with
 * PARAMS through the handlers (each into MADE[*NMADE]); the types of
 * other helpers (SSM, Lambda) are stubbed: Ref their logical id (an SSM
 * parameter its name), Fn::GetAtt "ID.ATTR". Returns how many KMS
 * resources it made. */
static int deploy(const cJSON *tmpl, const cJSON *params, const char *stack, struct deployed *d, struct res *made,
                  int *nmade) {
    struct cfn_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.tmpl = tmpl;
    ctx.params = params;
    ctx.account_id = ACCOUNT;
    ctx.region = "us-east-1";
    ctx.stack_name = stack;
    ctx.stack_id = "arn:aws:cloudformation:us-east-1:" ACCOUNT ":stack/S/1";
    ctx.hooks.ref = dep_ref;
    ctx.hooks.get_att = dep_get_att;
    ctx.hooks.ud = d;
    struct cfn_graph *g = NULL;
    char *err = NULL;
    ck_assert_msg(cfn_graph_build(tmpl, &g, &err) == 0, "%s", err);
    const cJSON *resources = cJSON_GetObjectItem(tmpl, "Resources");
    int kms = 0;
    for (size_t k = 0; k < g->n; k++) {
        const char *id = g->ids[g->order[k]];
        const cJSON *rdef = cJSON_GetObjectItem(resources, id);
        int on = 0;
        ck_assert_msg(cfn_eval_enabled(&ctx, rdef, &on, &err) == 0, "%s", err);
        if (!on) continue;
        const char *type = cJSON_GetObjectItem(rdef, "Type")->valuestring;
        if (strcmp(type, "AWS::SSM::Parameter") == 0 || strncmp(type, "AWS::Lambda::", 13) == 0) {
            cJSON_AddStringToObject(d->phys, id, strcmp(type, "AWS::SSM::Parameter") == 0
                                                     ? "/cdk-bootstrap/hnb659fds/version" : id);
            cJSON_AddNullToObject(d->attrs, id);
            continue;
        }
        cJSON *props = NULL;
        ck_assert_msg(cfn_eval(&ctx, cJSON_GetObjectItem(rdef, "Properties"), &props, &err) == 0, "%s: %s", id, err);
        char *text = props ? cJSON_PrintUnformatted(props) : NULL;
        cJSON_Delete(props);
        struct res *x = &made[(*nmade)++];
        res_init(x, type, id, text);
        x->r.stack_name = stack;
        free(text);
        ck_assert_msg(res_create(x, &err) == 0, "%s (%s): %s", id, type, err);
        cJSON_AddStringToObject(d->phys, id, x->physical);
        cJSON_AddItemToObject(d->attrs, id, cJSON_Duplicate(x->attrs, 1));
        kms += strncmp(type, "AWS::KMS::", 10) == 0;
    }
    cfn_graph_free(g);
    cfn_ctx_clear(&ctx);
    return kms;
}

START_TEST(bootstrap_template) {
    int new_key = _i;
    cJSON *tmpl = load_template("bootstrap-template.yaml"), *params = bootstrap_params(tmpl, new_key);
    struct deployed d = {cJSON_CreateObject(), cJSON_CreateObject()};
    char *err = NULL;
    struct res made[32];
    int nmade = 0, kms = deploy(tmpl, params, "CDKToolkit", &d, made, &nmade);
    ck_assert_int_eq(kms, new_key ? 2 : 0);
    ck_assert_int_eq(nmade, new_key ? 12 : 10);

    /* What `cdk deploy` reads of it, through the services. */
    const char *bucket = "/cdk-hnb659fds-assets-" ACCOUNT "-us-east-1";
    char path[256], code[64];
    snprintf(path, sizeof(path), "%s?encryption", bucket);
    char *z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "<SSEAlgorithm>aws:kms</SSEAlgorithm>"));
    ck_assert(new_key == (strstr(z, "KMSMasterKeyID") != NULL));
    free(z);
    snprintf(path, sizeof(path), "%s?policy", bucket);
    z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "\"aws:SecureTransport\":\"false\""));
    ck_assert_ptr_nonnull(strstr(z, "arn:aws:s3:::cdk-hnb659fds-assets-" ACCOUNT "-us-east-1/*"));
    free(z);
    snprintf(path, sizeof(path), "%s?lifecycle", bucket);
    z = s3_get(path, NULL);
    ck_assert_ptr_nonnull(strstr(z, "<ID>CleanupOldVersions</ID>"));
    ck_assert_ptr_nonnull(strstr(z, "<DaysAfterInitiation>1</DaysAfterInitiation>"));
    free(z);
    z = iam_read("ListAttachedRolePolicies", "{\"RoleName\":\"cdk-hnb659fds-deploy-role-" ACCOUNT "-us-east-1\"}", NULL);
    ck_assert_ptr_nonnull(strstr(z, "AWSCloudFormationReadOnlyAccess"));
    free(z);
    z = iam_read("ListAttachedRolePolicies", "{\"RoleName\":\"cdk-hnb659fds-cfn-exec-role-" ACCOUNT "-us-east-1\"}", NULL);
    ck_assert_ptr_nonnull(strstr(z, "AdministratorAccess"));
    free(z);
    z = iam_read("GetRolePolicy",
                 "{\"RoleName\":\"cdk-hnb659fds-file-publishing-role-" ACCOUNT "-us-east-1\",\"PolicyName\":"
                 "\"cdk-hnb659fds-file-publishing-role-default-policy-" ACCOUNT "-us-east-1\"}",
                 NULL);
    ck_assert_ptr_nonnull(z);
    free(z);

    /* Deleted in reverse order, everything goes. */
    for (int i = nmade - 1; i >= 0; i--) {
        ck_assert_msg(res_remove(&made[i], &err) == 0, "%s: %s", made[i].r.logical_id, err);
        res_free(&made[i]);
    }
    snprintf(path, sizeof(path), "%s?versioning", bucket);
    ck_assert_ptr_null(s3_get(path, code));
    ck_assert_str_eq(code, "NoSuchBucket");
    ck_assert_ptr_null(iam_read("GetRole", "{\"RoleName\":\"cdk-hnb659fds-lookup-role-" ACCOUNT "-us-east-1\"}", code));
    ck_assert_str_eq(code, "NoSuchEntity");
    cJSON_Delete(d.phys);
    cJSON_Delete(d.attrs);
    cJSON_Delete(params);
    cJSON_Delete(tmpl);
}
END_TEST

/* The seed app's v1 template (docs/cloudformation-reference.md, section
 * 3): its table, role and policy (the Lambda resources stubbed). */
START_TEST(seed_template) {
    cJSON *tmpl = load_template("v1.template.json");
    cJSON *params = cJSON_Parse("{\"BootstrapVersion\":\"34\"}");
    struct deployed d = {cJSON_CreateObject(), cJSON_CreateObject()};
    struct res made[16];
    int nmade = 0;
    char *err = NULL;
    ck_assert_int_eq(deploy(tmpl, params, "SluiceSeed", &d, made, &nmade), 0);
    ck_assert_int_eq(nmade, 4); /* table, role, policy, CDKMetadata */
    const char *table = cJSON_GetObjectItem(d.phys, "TableCD117FA1")->valuestring;
    const char *stream =
        cJSON_GetObjectItem(cJSON_GetObjectItem(d.attrs, "TableCD117FA1"), "StreamArn")->valuestring;
    ck_assert_int_eq(strncmp(table, "SluiceSeed-TableCD117FA1-", 25), 0);
    const char *role = cJSON_GetObjectItem(d.phys, "FnServiceRoleB9001A96")->valuestring;
    char form[512];
    snprintf(form, sizeof(form), "{\"RoleName\":\"%s\",\"PolicyName\":\"FnServiceRoleDefaultPolicyC6A839BF\"}", role);
    char *z = iam_read("GetRolePolicy", form, NULL);
    /* IAM returns the document percent-encoded; the table's stream ARN
     * (a Fn::GetAtt of the table) is in it. */
    char *enc = util_pct_encode(stream, NULL);
    ck_assert_ptr_nonnull(z);
    ck_assert_ptr_nonnull(strstr(z, enc));
    ck_assert_ptr_nonnull(strstr(stream, ":table/SluiceSeed-TableCD117FA1-"));
    free(enc);
    free(z);
    snprintf(form, sizeof(form), "{\"RoleName\":\"%s\"}", role);
    z = iam_read("ListAttachedRolePolicies", form, NULL);
    ck_assert_ptr_nonnull(strstr(z, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"));
    free(z);
    for (int i = nmade - 1; i >= 0; i--) {
        ck_assert_msg(res_remove(&made[i], &err) == 0, "%s: %s", made[i].r.logical_id, err);
        res_free(&made[i]);
    }
    ck_assert_ptr_null(describe_table(table));
    cJSON_Delete(d.phys);
    cJSON_Delete(d.attrs);
    cJSON_Delete(params);
    cJSON_Delete(tmpl);
}
END_TEST

int main(void) {
    Suite *s = suite_create("cfn_res_svc");
    TCase *tc = tcase_create("helpers");
    tcase_add_loop_test(tc, helper_text, 0, (int)(sizeof(TEXTS) / sizeof(TEXTS[0])));
    tcase_add_loop_test(tc, helper_coerce, 0, (int)(sizeof(COERCE) / sizeof(COERCE[0])));
    tcase_add_test(tc, helper_changed_and_tags);
    tcase_add_test(tc, types_listed);
    suite_add_tcase(s, tc);
    tc = tcase_create("ddb");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, ddb_table_lifecycle);
    tcase_add_test(tc, ddb_table_failures);
    tcase_add_test(tc, ddb_table_strings_and_gsi);
    suite_add_tcase(s, tc);
    tc = tcase_create("iam");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, iam_role_lifecycle);
    tcase_add_test(tc, iam_role_failures);
    tcase_add_test(tc, iam_managed_policy);
    suite_add_tcase(s, tc);
    tc = tcase_create("sqs");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, sqs_queue_lifecycle);
    suite_add_tcase(s, tc);
    tc = tcase_create("s3");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, s3_bucket_lifecycle);
    tcase_add_test(tc, s3_bucket_failures);
    suite_add_tcase(s, tc);
    tc = tcase_create("bootstrap");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bootstrap_only_types);
    tcase_add_loop_test(tc, bootstrap_template, 0, 2);
    tcase_add_test(tc, seed_template);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
