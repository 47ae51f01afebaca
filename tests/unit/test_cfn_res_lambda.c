/*
 * Unit tests for CloudFormation's Lambda resource types
 * (api/cfn_res_lambda*.c): each type's handlers are driven directly, as
 * the deployer drives them, against an in-memory store with the mapping
 * manager running (so mappings settle) and no provisioner (so provisioned
 * concurrency never becomes READY here: the wait's failure is what is
 * tested; READY is the end-to-end tests' part). Results are read back
 * through Lambda's own operations.
 */
#include "api/call.h"
#include "api/cfn_res_lambda_int.h"
#include "api/cfn_type.h"
#include "base/util.h"
#include "engine/esm.h"
#include "runtime/zipwrite.h"
#include "server/router.h"
#include "storage/store.h"
#include "storage/store_lambda.h"

#include <check.h>
#include <pthread.h>
#include <time.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ACCT "123456789012"
#define ROLE "arn:aws:iam::123456789012:role/r"

static void setup(void) {
    ck_assert_int_eq(store_init(NULL, 1), STORE_OK);
    call_init(router_prepare, router_dispatch);
    ck_assert_int_eq(esm_start(), 0);
    lam_pc_wait_bound(0);
}

static void teardown(void) {
    esm_stop();
    store_shutdown();
}

/* One resource as the deployer holds it: props, and what create gave. */
struct fx {
    struct cfn_res r;
    cJSON *props, *old, *attrs;
    char *pid;
};

static void fx_init(struct fx *f, const char *type, const char *logical, const char *json) {
    memset(f, 0, sizeof(*f));
    f->props = cJSON_Parse(json);
    ck_assert_msg(f->props != NULL, "bad json: %s", json);
    f->r.account = ACCT;
    f->r.region = "us-east-1";
    f->r.stack_name = "stk";
    f->r.stack_id = "arn:aws:cloudformation:us-east-1:" ACCT ":stack/stk/0000";
    f->r.logical_id = logical;
    f->r.type = type;
    f->r.props = f->props;
}

static const struct cfn_type *type_of(const struct fx *f) {
    const struct cfn_type *t = cfn_type_find(f->r.type);
    ck_assert_ptr_nonnull(t);
    return t;
}

/* Creates F; on success keeps the physical id and attributes as the
 * deployer would. Returns the handler's answer; *ERR as it set it. */
static int fx_create(struct fx *f, char **err) {
    *err = NULL;
    int rc = type_of(f)->create(&f->r, err);
    if (rc == 0) {
        ck_assert_ptr_nonnull(f->r.new_physical_id);
        ck_assert_ptr_nonnull(f->r.new_attrs);
        f->pid = f->r.new_physical_id;
        f->attrs = f->r.new_attrs;
        f->r.new_physical_id = NULL;
        f->r.new_attrs = NULL;
        f->r.physical_id = f->pid;
        f->r.attrs = f->attrs;
    }
    return rc;
}

static void fx_create_ok(struct fx *f) {
    char *err = NULL;
    int rc = fx_create(f, &err);
    ck_assert_msg(rc == 0, "%s: %s", f->r.type, err ? err : "?");
}

/* Updates F in place to the properties JSON. */
static int fx_update(struct fx *f, const char *json, char **err) {
    cJSON_Delete(f->old);
    f->old = f->props;
    f->props = cJSON_Parse(json);
    ck_assert_ptr_nonnull(f->props);
    f->r.old_props = f->old;
    f->r.props = f->props;
    *err = NULL;
    int rc = type_of(f)->update(&f->r, err);
    ck_assert_ptr_null(f->r.new_physical_id);
    if (f->r.new_attrs) {
        cJSON_Delete(f->attrs);
        f->attrs = f->r.new_attrs;
        f->r.attrs = f->attrs;
        f->r.new_attrs = NULL;
    }
    return rc;
}

/* Removes F (props NULL, the last ones as old_props). */
static int fx_remove(struct fx *f, char **err) {
    f->r.old_props = f->props;
    f->r.props = NULL;
    *err = NULL;
    int rc = type_of(f)->remove(&f->r, err);
    f->r.props = f->props;
    return rc;
}

static void fx_free(struct fx *f) {
    cJSON_Delete(f->props);
    cJSON_Delete(f->old);
    cJSON_Delete(f->attrs);
    free(f->pid);
}

/* Runs a Lambda (or other service's) call; returns its answer, owned. */
static int op(const char *service, const char *method, const char *path, const char *target,
              const char *body, cJSON **out, struct call *keep) {
    struct call c = {0};
    c.account = ACCT;
    c.region = "us-east-1";
    c.service = service;
    c.method = method;
    c.path = path;
    c.target = target;
    c.body = body;
    c.nbody = body ? strlen(body) : 0;
    int rc = call_run(&c);
    if (out) {
        *out = c.out;
        c.out = NULL;
    }
    if (keep) *keep = c;
    else call_clear(&c);
    return rc;
}

/* GET PATH from Lambda, which must succeed; the answer, owned. */
static cJSON *lget(const char *path) {
    cJSON *o = NULL;
    struct call c;
    int rc = op("lambda", "GET", path, NULL, NULL, &o, &c);
    ck_assert_msg(rc == 0, "GET %s: %s %s", path, c.code, c.message);
    call_clear(&c);
    return o;
}

/* The status of GET PATH from Lambda. */
static int lstatus(const char *path) {
    struct call c;
    op("lambda", "GET", path, NULL, NULL, NULL, &c);
    int st = c.status;
    call_clear(&c);
    return st;
}

static const char *str(const cJSON *o, const char *path) {
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *it = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        it = cJSON_GetObjectItemCaseSensitive(it, k);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

static double num(const cJSON *o, const char *path) {
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", path);
    const cJSON *it = o;
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k; k = strtok_r(NULL, ".", &save))
        it = cJSON_GetObjectItemCaseSensitive(it, k);
    ck_assert_msg(cJSON_IsNumber(it), "%s is not a number", path);
    return it->valuedouble;
}

static const char PY_FN[] =
    "{\"Runtime\":\"python3.12\",\"Handler\":\"index.handler\",\"Role\":\"" ROLE "\","
    "\"Code\":{\"ZipFile\":\"def handler(event, context):\\n    return 1\\n\"}}";

/* The unpacked code of the function whose CodeSha256 (base64) is B64:
 * the file NAME in the content-addressed tree, read whole (owned). */
static char *unpacked(const char *b64, const char *name) {
    size_t n = 0;
    unsigned char *d = util_b64_decode(b64, strlen(b64), &n);
    ck_assert_int_eq(n, 32);
    char hex[65], path[4096];
    for (size_t i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
    free(d);
    snprintf(path, sizeof(path), "%s/%s/%s", store_code_dir(), hex, name);
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) return NULL;
    char *buf = xcalloc(1, 4096);
    size_t got = fread(buf, 1, 4095, fp);
    buf[got] = '\0';
    fclose(fp);
    return buf;
}

START_TEST(function_inline_python_generated_name) {
    struct fx f;
    fx_init(&f, "AWS::Lambda::Function", "Fn9270CBC0",
            "{\"Runtime\":\"python3.12\",\"Handler\":\"index.handler\",\"Role\":\"" ROLE "\","
            "\"MemorySize\":\"256\",\"ReservedConcurrentExecutions\":5,"
            "\"Tags\":[{\"Key\":\"team\",\"Value\":\"a\"}],"
            "\"Code\":{\"ZipFile\":\"def handler(event, context):\\n    return 1\\n\"}}");
    fx_create_ok(&f);
    /* <stack>-<logical>-<12 random upper-case letters and digits> */
    ck_assert_int_eq(strncmp(f.pid, "stk-Fn9270CBC0-", 15), 0);
    ck_assert_int_eq(strlen(f.pid), 15 + 12);
    char arn[256], path[256];
    snprintf(arn, sizeof(arn), "arn:aws:lambda:us-east-1:" ACCT ":function:%s", f.pid);
    ck_assert_str_eq(str(f.attrs, "Arn"), arn);
    snprintf(path, sizeof(path), "/2015-03-31/functions/%s", f.pid);
    cJSON *g = lget(path);
    ck_assert_int_eq((int)num(g, "Configuration.MemorySize"), 256);
    ck_assert_int_eq((int)num(g, "Concurrency.ReservedConcurrentExecutions"), 5);
    ck_assert_str_eq(str(g, "Tags.team"), "a");
    ck_assert_str_eq(str(g, "Tags.aws:cloudformation:logical-id"), "Fn9270CBC0");
    ck_assert_str_eq(str(g, "Tags.aws:cloudformation:stack-name"), "stk");
    ck_assert_str_eq(str(g, "Configuration.State"), "Active");
    char *code = unpacked(str(g, "Configuration.CodeSha256"), "index.py");
    ck_assert_ptr_nonnull(code);
    ck_assert_str_eq(code, "def handler(event, context):\n    return 1\n");
    free(code);
    cJSON_Delete(g);
    fx_free(&f);
}
END_TEST

START_TEST(function_nodejs_and_given_name) {
    struct fx f;
    fx_init(&f, "AWS::Lambda::Function", "Js",
            "{\"FunctionName\":\"given\",\"Runtime\":\"nodejs20.x\",\"Handler\":\"index.handler\","
            "\"Role\":\"" ROLE "\",\"Code\":{\"ZipFile\":\"exports.handler = async () => 1;\"}}");
    fx_create_ok(&f);
    ck_assert_str_eq(f.pid, "given");
    cJSON *g = lget("/2015-03-31/functions/given");
    char *code = unpacked(str(g, "Configuration.CodeSha256"), "index.js");
    ck_assert_ptr_nonnull(code);
    ck_assert_str_eq(code, "exports.handler = async () => 1;");
    free(code);
    cJSON_Delete(g);
    fx_free(&f);
}
END_TEST

START_TEST(function_update_in_place) {
    struct fx f;
    char *err = NULL;
    fx_init(&f, "AWS::Lambda::Function", "Fn",
            "{\"FunctionName\":\"upd\",\"Runtime\":\"python3.12\",\"Handler\":\"index.handler\","
            "\"Role\":\"" ROLE "\",\"Description\":\"d1\",\"ReservedConcurrentExecutions\":3,"
            "\"Tags\":[{\"Key\":\"a\",\"Value\":\"1\"}],\"Code\":{\"ZipFile\":\"x = 1\\n\"}}");
    fx_create_ok(&f);
    cJSON *g = lget("/2015-03-31/functions/upd");
    char *sha1 = xstrdup(str(g, "Configuration.CodeSha256"));
    cJSON_Delete(g);
    int rc = fx_update(&f,
                       "{\"FunctionName\":\"upd\",\"Runtime\":\"python3.12\",\"Handler\":\"index.handler\","
                       "\"Role\":\"" ROLE "\",\"MemorySize\":512,\"Timeout\":\"30\","
                       "\"Environment\":{\"Variables\":{\"K\":\"v\",\"PORT\":8080,\"ON\":true}},"
                       "\"Tags\":[{\"Key\":\"b\",\"Value\":2}],\"Code\":{\"ZipFile\":\"x = 2\\n\"}}",
                       &err);
    ck_assert_msg(rc == 0, "%s", err ? err : "?");
    g = lget("/2015-03-31/functions/upd");
    ck_assert_int_eq((int)num(g, "Configuration.MemorySize"), 512);
    ck_assert_int_eq((int)num(g, "Configuration.Timeout"), 30);
    ck_assert_str_eq(str(g, "Configuration.Description"), "");
    ck_assert_str_eq(str(g, "Configuration.Environment.Variables.K"), "v");
    ck_assert_str_eq(str(g, "Configuration.Environment.Variables.PORT"), "8080");
    ck_assert_str_eq(str(g, "Configuration.Environment.Variables.ON"), "true");
    ck_assert_str_ne(str(g, "Configuration.CodeSha256"), sha1);
    ck_assert_ptr_null(cJSON_GetObjectItem(g, "Concurrency"));
    ck_assert_ptr_null(str(g, "Tags.a"));
    ck_assert_str_eq(str(g, "Tags.b"), "2");
    ck_assert_str_eq(str(g, "Tags.aws:cloudformation:logical-id"), "Fn");
    char *code = unpacked(str(g, "Configuration.CodeSha256"), "index.py");
    ck_assert_str_eq(code, "x = 2\n");
    free(code);
    cJSON_Delete(g);
    free(sha1);
    /* The same inline source zips to the same bytes: same CodeSha256. */
    struct fx f2;
    fx_init(&f2, "AWS::Lambda::Function", "Fn2",
            "{\"FunctionName\":\"upd2\",\"Runtime\":\"python3.12\",\"Handler\":\"index.handler\","
            "\"Role\":\"" ROLE "\",\"Code\":{\"ZipFile\":\"x = 2\\n\"}}");
    fx_create_ok(&f2);
    cJSON *g1 = lget("/2015-03-31/functions/upd"), *g2 = lget("/2015-03-31/functions/upd2");
    ck_assert_str_eq(str(g1, "Configuration.CodeSha256"), str(g2, "Configuration.CodeSha256"));
    cJSON_Delete(g1);
    cJSON_Delete(g2);
    fx_free(&f2);
    fx_free(&f);
}
END_TEST

START_TEST(function_failure_and_remove) {
    struct fx f;
    char *err = NULL;
    fx_init(&f, "AWS::Lambda::Function", "Old",
            "{\"FunctionName\":\"old\",\"Runtime\":\"python2.7\",\"Handler\":\"index.handler\","
            "\"Role\":\"" ROLE "\",\"Code\":{\"ZipFile\":\"x = 1\\n\"}}");
    ck_assert_int_eq(fx_create(&f, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Resource handler returned message: \"The runtime parameter of "
                                      "python2.7 is no longer supported"));
    ck_assert_ptr_nonnull(strstr(err, "(Service: Lambda, Status Code: 400, Request ID: "));
    free(err);
    ck_assert_int_eq(lstatus("/2015-03-31/functions/old"), 404);
    fx_free(&f);
    /* Inline code for a runtime CloudFormation cannot pack. */
    fx_init(&f, "AWS::Lambda::Function", "Java",
            "{\"Runtime\":\"java21\",\"Handler\":\"x\",\"Role\":\"" ROLE "\",\"Code\":{\"ZipFile\":\"x\"}}");
    ck_assert_int_eq(fx_create(&f, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Node.js and Python"));
    free(err);
    fx_free(&f);
    /* Remove, and remove what is already gone. */
    fx_init(&f, "AWS::Lambda::Function", "Fn", PY_FN);
    fx_create_ok(&f);
    ck_assert_int_eq(fx_remove(&f, &err), 0);
    char path[256];
    snprintf(path, sizeof(path), "/2015-03-31/functions/%s", f.pid);
    ck_assert_int_eq(lstatus(path), 404);
    ck_assert_int_eq(fx_remove(&f, &err), 0);
    fx_free(&f);
}
END_TEST

/* A function "fn" to hang versions, aliases and mappings on. */
static void make_fn(struct fx *f) {
    fx_init(f, "AWS::Lambda::Function", "Fn",
            "{\"FunctionName\":\"fn\",\"Runtime\":\"python3.12\",\"Handler\":\"index.handler\","
            "\"Role\":\"" ROLE "\",\"Code\":{\"ZipFile\":\"def handler(e, c):\\n    return 1\\n\"}}");
    fx_create_ok(f);
}

START_TEST(version_and_alias) {
    struct fx fn, v, al;
    char *err = NULL;
    char json[1024];
    make_fn(&fn);
    /* FunctionName as CDK passes it: the function's Ref (its name). */
    fx_init(&v, "AWS::Lambda::Version", "FnCurrentVersion", "{\"FunctionName\":\"fn\",\"Description\":\"v\"}");
    fx_create_ok(&v);
    ck_assert_str_eq(v.pid, "arn:aws:lambda:us-east-1:" ACCT ":function:fn:1");
    ck_assert_str_eq(str(v.attrs, "Version"), "1");
    ck_assert_str_eq(str(v.attrs, "FunctionArn"), v.pid);
    /* The alias by the function's ARN. */
    snprintf(json, sizeof(json),
             "{\"FunctionName\":\"%s\",\"FunctionVersion\":\"1\",\"Name\":\"live\"}", str(fn.attrs, "Arn"));
    fx_init(&al, "AWS::Lambda::Alias", "Live", json);
    fx_create_ok(&al);
    ck_assert_str_eq(al.pid, "arn:aws:lambda:us-east-1:" ACCT ":function:fn:live");
    ck_assert_str_eq(str(al.attrs, "AliasArn"), al.pid);
    snprintf(json, sizeof(json),
             "{\"FunctionName\":\"%s\",\"FunctionVersion\":\"1\",\"Name\":\"live\",\"Description\":\"moved\"}",
             str(fn.attrs, "Arn"));
    ck_assert_msg(fx_update(&al, json, &err) == 0, "%s", err ? err : "");
    cJSON *g = lget("/2015-03-31/functions/fn/aliases/live");
    ck_assert_str_eq(str(g, "Description"), "moved");
    cJSON_Delete(g);
    /* Lambda refuses to delete a version an alias points at: its 409. */
    ck_assert_int_eq(fx_remove(&v, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "\"Unable to delete version because the following aliases "
                                      "reference it: [live]\" (Service: Lambda, Status Code: 409"));
    free(err);
    ck_assert_int_eq(fx_remove(&al, &err), 0);
    ck_assert_int_eq(lstatus("/2015-03-31/functions/fn/aliases/live"), 404);
    ck_assert_int_eq(fx_remove(&al, &err), 0);
    ck_assert_int_eq(fx_remove(&v, &err), 0);
    ck_assert_int_eq(lstatus("/2015-03-31/functions/fn?Qualifier=1"), 404);
    ck_assert_int_eq(fx_remove(&v, &err), 0);
    /* A version of a function that does not exist: Lambda's 404. */
    struct fx bad;
    fx_init(&bad, "AWS::Lambda::Version", "V", "{\"FunctionName\":\"nope\"}");
    ck_assert_int_eq(fx_create(&bad, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Function not found: arn:aws:lambda:us-east-1:" ACCT ":function:nope"));
    ck_assert_ptr_nonnull(strstr(err, "Status Code: 404"));
    free(err);
    fx_free(&bad);
    fx_init(&bad, "AWS::Lambda::Version", "V", "{}");
    ck_assert_int_eq(fx_create(&bad, &err), -1);
    ck_assert_str_eq(err, "Properties validation failed for resource V with message: #: required key "
                          "[FunctionName] not found");
    free(err);
    fx_free(&bad);
    fx_free(&al);
    fx_free(&v);
    fx_free(&fn);
}
END_TEST

/* No provisioner runs here: the alias's provisioned concurrency stays
 * IN_PROGRESS, the wait (bounded to 0 by setup) fails NotStabilized, and
 * the alias it made is removed again. */
START_TEST(alias_pc_not_ready_rolls_back) {
    struct fx fn, v, al;
    char *err = NULL;
    make_fn(&fn);
    fx_init(&v, "AWS::Lambda::Version", "V", "{\"FunctionName\":\"fn\"}");
    fx_create_ok(&v);
    fx_init(&al, "AWS::Lambda::Alias", "Live",
            "{\"FunctionName\":\"fn\",\"FunctionVersion\":\"1\",\"Name\":\"live\","
            "\"ProvisionedConcurrencyConfig\":{\"ProvisionedConcurrentExecutions\":2}}");
    ck_assert_int_eq(fx_create(&al, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "Provisioned Concurrency configuration was not READY within 0 "
                                      "seconds (Status: IN_PROGRESS)\" (HandlerErrorCode: NotStabilized)"));
    free(err);
    ck_assert_int_eq(lstatus("/2015-03-31/functions/fn/aliases/live"), 404);
    /* Lambda's own refusal of the put: more than the reserved concurrency. */
    ck_assert_int_eq(op("lambda", "PUT", "/2017-10-31/functions/fn/concurrency", NULL,
                        "{\"ReservedConcurrentExecutions\":1}", NULL, NULL),
                     0);
    ck_assert_int_eq(fx_create(&al, &err), -1);
    ck_assert_ptr_nonnull(strstr(err, "\"Requested Provisioned Concurrency should not be greater than "
                                      "the reservedConcurrentExecution for function\" (Service: Lambda, "
                                      "Status Code: 400"));
    free(err);
    ck_assert_int_eq(lstatus("/2015-03-31/functions/fn/aliases/live"), 404);
    fx_free(&al);
    fx_free(&v);
    fx_free(&fn);
}
END_TEST

/* A stand-in for the provisioner (not run here): settles the config on
 * fn:live to STATUS once it appears, as engine/provisioner.c would. */
struct settler {
    const char *status;
    int done;
};

static void *settle_pc(void *arg) {
    struct settler *s = arg;
    struct store_scope sc = {ACCT, "us-east-1"};
    for (int i = 0; i < 400 && !s->done; i++) {
        struct store_pc pc;
        if (store_begin(1) != STORE_OK) break;
        if (store_pc_get(sc, "fn", "live", &pc) == STORE_OK) {
            snprintf(pc.status, sizeof(pc.status), "%s", s->status);
            snprintf(pc.reason, sizeof(pc.reason), "%s",
                     strcmp(s->status, "FAILED") == 0 ? "FUNCTION_ERROR_INIT_FAILURE" : "");
            pc.allocated = strcmp(s->status, "READY") == 0 ? pc.requested : 0;
            s->done = store_pc_put(sc, "fn", &pc) == STORE_OK;
        }
        store_commit();
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

START_TEST(alias_pc_ready_and_failed) {
    struct fx fn, v, al;
    char *err = NULL;
    pthread_t t;
    make_fn(&fn);
    fx_init(&v, "AWS::Lambda::Version", "V", "{\"FunctionName\":\"fn\"}");
    fx_create_ok(&v);
    lam_pc_wait_bound(10000);
    /* FAILED: CloudFormation's NotStabilized reason, the alias removed. */
    struct settler s = {"FAILED", 0};
    ck_assert_int_eq(pthread_create(&t, NULL, settle_pc, &s), 0);
    fx_init(&al, "AWS::Lambda::Alias", "Live",
            "{\"FunctionName\":\"fn\",\"FunctionVersion\":\"1\",\"Name\":\"live\","
            "\"ProvisionedConcurrencyConfig\":{\"ProvisionedConcurrentExecutions\":2}}");
    ck_assert_int_eq(fx_create(&al, &err), -1);
    pthread_join(t, NULL);
    ck_assert_str_eq(err, "Resource handler returned message: \"Provisioned Concurrency configuration "
                          "failed to be applied. Reason: FUNCTION_ERROR_INIT_FAILURE\" (HandlerErrorCode: "
                          "NotStabilized)");
    free(err);
    ck_assert_int_eq(lstatus("/2015-03-31/functions/fn/aliases/live"), 404);
    /* READY: created, and the config is there. */
    struct settler ok = {"READY", 0};
    ck_assert_int_eq(pthread_create(&t, NULL, settle_pc, &ok), 0);
    int rc = fx_create(&al, &err);
    pthread_join(t, NULL);
    ck_assert_msg(rc == 0, "%s", err ? err : "?");
    cJSON *g = lget("/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=live");
    ck_assert_str_eq(str(g, "Status"), "READY");
    ck_assert_int_eq((int)num(g, "RequestedProvisionedConcurrentExecutions"), 2);
    cJSON_Delete(g);
    /* Dropping ProvisionedConcurrencyConfig deletes it; removing the alias
     * afterwards is clean. */
    ck_assert_int_eq(fx_update(&al, "{\"FunctionName\":\"fn\",\"FunctionVersion\":\"1\",\"Name\":\"live\"}",
                               &err),
                     0);
    ck_assert_int_eq(lstatus("/2019-09-30/functions/fn/provisioned-concurrency?Qualifier=live"), 404);
    ck_assert_int_eq(fx_remove(&al, &err), 0);
    fx_free(&al);
    fx_free(&v);
    fx_free(&fn);
}
END_TEST

/* A table with a stream; its ARN in OUT. */
static void make_stream(char *out, size_t n) {
    cJSON *o = NULL;
    int rc = op("dynamodb", "POST", "/", "DynamoDB_20120810.CreateTable",
                "{\"TableName\":\"tab\",\"BillingMode\":\"PAY_PER_REQUEST\","
                "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\",\"AttributeType\":\"S\"}],"
                "\"KeySchema\":[{\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                "\"StreamSpecification\":{\"StreamEnabled\":true,\"StreamViewType\":\"NEW_AND_OLD_IMAGES\"}}",
                &o, NULL);
    ck_assert_int_eq(rc, 0);
    snprintf(out, n, "%s", str(o, "TableDescription.LatestStreamArn"));
    cJSON_Delete(o);
}

START_TEST(esm_update_keeps_uuid_and_duplicate_409) {
    struct fx fn, v, al, m, m2;
    char *err = NULL, stream[512], json[1024], path[256];
    make_fn(&fn);
    fx_init(&v, "AWS::Lambda::Version", "V", "{\"FunctionName\":\"fn\"}");
    fx_create_ok(&v);
    fx_init(&al, "AWS::Lambda::Alias", "Live", "{\"FunctionName\":\"fn\",\"FunctionVersion\":\"1\",\"Name\":\"live\"}");
    fx_create_ok(&al);
    make_stream(stream, sizeof(stream));
    /* v1 of the seed: the mapping on the function ($LATEST). */
    snprintf(json, sizeof(json),
             "{\"BatchSize\":\"10\",\"EventSourceArn\":\"%s\",\"FunctionName\":\"fn\","
             "\"StartingPosition\":\"LATEST\",\"BisectBatchOnFunctionError\":\"true\","
             "\"FilterCriteria\":{\"Filters\":[{\"Pattern\":\"{\\\"eventName\\\":[\\\"INSERT\\\"]}\"}]}}",
             stream);
    fx_init(&m, "AWS::Lambda::EventSourceMapping", "FnMapping", json);
    fx_create_ok(&m);
    ck_assert_int_eq(strlen(m.pid), 36);
    ck_assert_str_eq(str(m.attrs, "Id"), m.pid);
    snprintf(path, sizeof(path), "arn:aws:lambda:us-east-1:" ACCT ":event-source-mapping:%s", m.pid);
    ck_assert_str_eq(str(m.attrs, "EventSourceMappingArn"), path);
    snprintf(path, sizeof(path), "/2015-03-31/event-source-mappings/%s", m.pid);
    cJSON *g = lget(path);
    ck_assert_str_eq(str(g, "State"), "Enabled");
    ck_assert_int_eq((int)num(g, "BatchSize"), 10);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(g, "BisectBatchOnFunctionError")));
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(g, "FilterCriteria"));
    cJSON_Delete(g);
    /* In place (same logical id): FunctionName moves to the alias, the
     * UUID stays; BisectBatchOnFunctionError and FilterCriteria dropped go
     * back to their defaults. */
    snprintf(json, sizeof(json),
             "{\"BatchSize\":20,\"EventSourceArn\":\"%s\",\"FunctionName\":\"fn:live\","
             "\"StartingPosition\":\"LATEST\"}",
             stream);
    ck_assert_msg(fx_update(&m, json, &err) == 0, "%s", err ? err : "");
    g = lget(path);
    ck_assert_str_eq(str(g, "UUID"), m.pid);
    ck_assert_str_eq(str(g, "FunctionArn"), "arn:aws:lambda:us-east-1:" ACCT ":function:fn:live");
    ck_assert_int_eq((int)num(g, "BatchSize"), 20);
    ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(g, "BisectBatchOnFunctionError")));
    ck_assert_ptr_null(cJSON_GetObjectItem(g, "FilterCriteria"));
    ck_assert_str_eq(str(g, "State"), "Enabled");
    cJSON_Delete(g);
    /* A second mapping (a new logical id) on the same stream and function:
     * Lambda's 409, word for word, is the reason. */
    fx_init(&m2, "AWS::Lambda::EventSourceMapping", "LiveMapping", json);
    ck_assert_int_eq(fx_create(&m2, &err), -1);
    char want[1024];
    snprintf(want, sizeof(want),
             "Resource handler returned message: \"The event source arn (\" %s \") and function "
             "(\" fn:live \") provided mapping already exists. Please update or delete the existing "
             "mapping with UUID %s\" (Service: Lambda, Status Code: 409, Request ID: ",
             stream, m.pid);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "%s", err);
    free(err);
    /* Remove: gone, and gone again is fine. */
    ck_assert_int_eq(fx_remove(&m, &err), 0);
    ck_assert_int_eq(lstatus(path), 404);
    ck_assert_int_eq(fx_remove(&m, &err), 0);
    fx_free(&m2);
    fx_free(&m);
    fx_free(&al);
    fx_free(&v);
    fx_free(&fn);
}
END_TEST

/* The seed's two deploys (docs/cloudformation-reference.md section 3), as
 * the deployer runs them: v1 maps the stream to the function, v2 adds a
 * mapping (new logical id) to fn:live, which Lambda accepts (another
 * function ARN), and the cleanup removes the old one. The code comes from
 * S3, as `cdk deploy` uploads it. */
START_TEST(seed_v1_then_v2) {
    struct fx fn, v, al, m1, m2;
    char *err = NULL, stream[512], json[2048];
    unsigned char *zip = NULL;
    size_t nzip = 0;
    const char *msg = NULL;
    static const char src[] = "def handler(event, context):\n    return len(event['Records'])\n";
    ck_assert_int_eq(zipwrite_one("index.py", src, strlen(src), &zip, &nzip, &msg), 0);
    ck_assert_int_eq(op("s3", "PUT", "/cdk-assets", NULL, NULL, NULL, NULL), 0);
    struct call c = {0};
    c.account = ACCT;
    c.region = "us-east-1";
    c.service = "s3";
    c.method = "PUT";
    c.path = "/cdk-assets/adbe.zip";
    c.body = (const char *)zip;
    c.nbody = nzip;
    ck_assert_int_eq(call_run(&c), 0);
    call_clear(&c);
    free(zip);
    fx_init(&fn, "AWS::Lambda::Function", "Fn9270CBC0",
            "{\"Code\":{\"S3Bucket\":\"cdk-assets\",\"S3Key\":\"adbe.zip\"},\"Handler\":\"index.handler\","
            "\"ReservedConcurrentExecutions\":5,\"Role\":\"" ROLE "\",\"Runtime\":\"python3.12\"}");
    fx_create_ok(&fn);
    char path[1024];
    snprintf(path, sizeof(path), "/2015-03-31/functions/%s", fn.pid);
    cJSON *g = lget(path);
    char *code = unpacked(str(g, "Configuration.CodeSha256"), "index.py");
    ck_assert_str_eq(code, src);
    free(code);
    cJSON_Delete(g);
    snprintf(json, sizeof(json), "{\"FunctionName\":\"%s\"}", fn.pid);
    fx_init(&v, "AWS::Lambda::Version", "FnCurrentVersion", json);
    fx_create_ok(&v);
    snprintf(json, sizeof(json), "{\"FunctionName\":\"%s\",\"FunctionVersion\":\"%s\",\"Name\":\"live\"}",
             fn.pid, str(v.attrs, "Version"));
    fx_init(&al, "AWS::Lambda::Alias", "Live848578DF", json);
    fx_create_ok(&al);
    make_stream(stream, sizeof(stream));
    snprintf(json, sizeof(json),
             "{\"BatchSize\":10,\"EventSourceArn\":\"%s\",\"FunctionName\":\"%s\",\"StartingPosition\":\"LATEST\"}",
             stream, fn.pid);
    fx_init(&m1, "AWS::Lambda::EventSourceMapping", "FnMappingB3015946", json);
    fx_create_ok(&m1);
    /* v2: FunctionName is Fn::Join of the alias ARN's 7th field and ":live". */
    snprintf(json, sizeof(json),
             "{\"BatchSize\":10,\"EventSourceArn\":\"%s\",\"FunctionName\":\"%s:live\",\"StartingPosition\":\"LATEST\"}",
             stream, fn.pid);
    fx_init(&m2, "AWS::Lambda::EventSourceMapping", "LiveMapping3675C516", json);
    fx_create_ok(&m2);
    ck_assert_str_ne(m1.pid, m2.pid);
    /* Between the create and the cleanup both mappings exist, enabled. */
    snprintf(path, sizeof(path), "/2015-03-31/event-source-mappings?EventSourceArn=%s", stream);
    g = lget(path);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(g, "EventSourceMappings")), 2);
    cJSON_Delete(g);
    ck_assert_int_eq(fx_remove(&m1, &err), 0);
    g = lget(path);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(g, "EventSourceMappings")), 1);
    cJSON_Delete(g);
    /* Stack delete, in reverse dependency order. */
    ck_assert_int_eq(fx_remove(&m2, &err), 0);
    ck_assert_int_eq(fx_remove(&al, &err), 0);
    ck_assert_int_eq(fx_remove(&v, &err), 0);
    ck_assert_int_eq(fx_remove(&fn, &err), 0);
    fx_free(&m2);
    fx_free(&m1);
    fx_free(&al);
    fx_free(&v);
    fx_free(&fn);
}
END_TEST

START_TEST(permission_and_event_invoke_config) {
    struct fx fn, p, e;
    char *err = NULL;
    make_fn(&fn);
    fx_init(&p, "AWS::Lambda::Permission", "Perm",
            "{\"FunctionName\":\"fn\",\"Action\":\"lambda:InvokeFunction\",\"Principal\":\"s3.amazonaws.com\","
            "\"SourceAccount\":\"" ACCT "\"}");
    fx_create_ok(&p);
    ck_assert_int_eq(strncmp(p.pid, "stk-Perm-", 9), 0);
    ck_assert_str_eq(str(p.attrs, "Id"), p.pid);
    ck_assert(type_of(&p)->update == NULL);
    cJSON *g = lget("/2015-03-31/functions/fn/policy");
    ck_assert_ptr_nonnull(strstr(str(g, "Policy"), p.pid));
    cJSON_Delete(g);
    ck_assert_int_eq(fx_remove(&p, &err), 0);
    ck_assert_int_eq(lstatus("/2015-03-31/functions/fn/policy"), 404);
    ck_assert_int_eq(fx_remove(&p, &err), 0);

    fx_init(&e, "AWS::Lambda::EventInvokeConfig", "Eic",
            "{\"FunctionName\":\"fn\",\"Qualifier\":\"$LATEST\",\"MaximumRetryAttempts\":\"1\"}");
    fx_create_ok(&e);
    ck_assert_int_eq(strlen(e.pid), 36);
    g = lget("/2019-09-25/functions/fn/event-invoke-config?Qualifier=%24LATEST");
    ck_assert_int_eq((int)num(g, "MaximumRetryAttempts"), 1);
    cJSON_Delete(g);
    ck_assert_int_eq(fx_update(&e, "{\"FunctionName\":\"fn\",\"Qualifier\":\"$LATEST\",\"MaximumEventAgeInSeconds\":60}",
                               &err),
                     0);
    g = lget("/2019-09-25/functions/fn/event-invoke-config?Qualifier=%24LATEST");
    ck_assert_int_eq((int)num(g, "MaximumEventAgeInSeconds"), 60);
    cJSON_Delete(g);
    ck_assert_int_eq(fx_update(&e, "{\"FunctionName\":\"fn\",\"Qualifier\":\"$LATEST\",\"MaximumRetryAttempts\":7}",
                               &err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "(Service: Lambda, Status Code: 400"));
    free(err);
    ck_assert_int_eq(fx_remove(&e, &err), 0);
    ck_assert_int_eq(lstatus("/2019-09-25/functions/fn/event-invoke-config?Qualifier=%24LATEST"), 404);
    ck_assert_int_eq(fx_remove(&e, &err), 0);
    fx_free(&e);
    fx_free(&p);
    fx_free(&fn);
}
END_TEST

START_TEST(types_are_listed) {
    static const char *const names[] = {"AWS::Lambda::Alias", "AWS::Lambda::EventInvokeConfig",
                                        "AWS::Lambda::EventSourceMapping", "AWS::Lambda::Function",
                                        "AWS::Lambda::Permission", "AWS::Lambda::Version"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const struct cfn_type *t = cfn_type_find(names[i]);
        ck_assert_ptr_nonnull(t);
        ck_assert_str_eq(t->name, names[i]);
    }
    ck_assert_ptr_null(cfn_type_find("AWS::Lambda::LayerVersion"));
    ck_assert_str_eq(cfn_type_find("AWS::Lambda::Permission")->create_only[0], "*");
}
END_TEST

int main(void) {
    Suite *s = suite_create("cfn_res_lambda");
    TCase *tc = tcase_create("cfn_res_lambda");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, function_inline_python_generated_name);
    tcase_add_test(tc, function_nodejs_and_given_name);
    tcase_add_test(tc, function_update_in_place);
    tcase_add_test(tc, function_failure_and_remove);
    tcase_add_test(tc, version_and_alias);
    tcase_add_test(tc, alias_pc_not_ready_rolls_back);
    tcase_add_test(tc, alias_pc_ready_and_failed);
    tcase_add_test(tc, esm_update_keeps_uuid_and_duplicate_409);
    tcase_add_test(tc, seed_v1_then_v2);
    tcase_add_test(tc, permission_and_event_invoke_config);
    tcase_add_test(tc, types_are_listed);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
