/*
 * CloudFormation's Lambda resource types, part one: what the types share
 * (api/cfn_res_lambda_int.h) and AWS::Lambda::Function. Versions and
 * aliases are in api/cfn_res_lambda_alias.c; event source mappings,
 * permissions and event invoke configs in api/cfn_res_lambda_esm.c.
 * Identifiers, attributes and create-only properties are those of
 * docs/cloudformation-reference.md section 1.1; what updates in place,
 * section 1.2.
 */
#include "api/cfn_res_lambda_int.h"
#include "base/util.h"
#include "runtime/zipwrite.h"

#include <cjson/cJSON.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------ */
/* Shared                                                               */
/* ------------------------------------------------------------------ */

int lam_run(const struct cfn_res *r, struct call *c, const char *method, const char *path,
            const cJSON *body) {
    char *text = body ? cJSON_PrintUnformatted(body) : NULL;
    memset(c, 0, sizeof(*c));
    c->account = r->account;
    c->region = r->region;
    c->service = "lambda";
    c->method = method;
    c->path = path;
    c->content_type = text ? "application/json" : NULL;
    c->body = text;
    c->nbody = text ? strlen(text) : 0;
    int rc = call_run(c);
    c->body = NULL;
    c->nbody = 0;
    free(text);
    return rc;
}

char *lam_reason(const struct call *c) { return call_reason(c, "Lambda"); }

int lam_gone(const struct call *c) {
    return c->status == 404 && c->code && strcmp(c->code, "ResourceNotFoundException") == 0;
}

char *lam_enc(const char *z) { return util_pct_encode(z, NULL); }

int lam_required(const struct cfn_res *r, const char *key, const char **out, char **err) {
    *out = lam_str(r->props, key);
    if (*out) return 0;
    *err = xasprintf("Properties validation failed for resource %s with message: #: required key "
                     "[%s] not found",
                     r->logical_id, key);
    return -1;
}

const char *lam_str(const cJSON *props, const char *key) {
    const cJSON *v = props ? cJSON_GetObjectItemCaseSensitive(props, key) : NULL;
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

int lam_changed(const cJSON *old, const cJSON *new, const char *key) {
    const cJSON *a = old ? cJSON_GetObjectItemCaseSensitive(old, key) : NULL;
    const cJSON *b = new ? cJSON_GetObjectItemCaseSensitive(new, key) : NULL;
    if (a == NULL || b == NULL) return a != b;
    return !cJSON_Compare(a, b, 1);
}

cJSON *lam_value(const cJSON *v, enum lam_kind kind) {
    if (kind == LAM_ENV && cJSON_IsObject(v)) {
        cJSON *o = cJSON_Duplicate(v, 1), *vars = cJSON_GetObjectItemCaseSensitive(o, "Variables");
        cJSON *e = cJSON_IsObject(vars) ? vars->child : NULL, *next;
        for (; e; e = next) {
            next = e->next;   /* E is freed when replaced */
            if (cJSON_IsNumber(e) || cJSON_IsBool(e))
                cJSON_ReplaceItemInObjectCaseSensitive(vars, e->string, lam_text(e));
        }
        return o;
    }
    if (cJSON_IsString(v) && kind == LAM_INT) {
        char *end = NULL;
        errno = 0;
        long long n = strtoll(v->valuestring, &end, 10);
        if (v->valuestring[0] && *end == '\0' && errno == 0) return cJSON_CreateNumber((double)n);
    }
    if (cJSON_IsString(v) && kind == LAM_BOOL) {
        if (strcmp(v->valuestring, "true") == 0) return cJSON_CreateTrue();
        if (strcmp(v->valuestring, "false") == 0) return cJSON_CreateFalse();
    }
    return cJSON_Duplicate(v, 1);
}

void lam_copy(cJSON *body, const cJSON *props, const char *key, enum lam_kind kind) {
    const cJSON *v = props ? cJSON_GetObjectItemCaseSensitive(props, key) : NULL;
    if (v) cJSON_AddItemToObject(body, key, lam_value(v, kind));
}

cJSON *lam_text(const cJSON *v) {
    char num[64];
    if (cJSON_IsString(v)) return cJSON_CreateString(v->valuestring);
    if (cJSON_IsBool(v)) return cJSON_CreateString(cJSON_IsTrue(v) ? "true" : "false");
    if (!cJSON_IsNumber(v)) return cJSON_Duplicate(v, 1);
    if (v->valuedouble == (double)(long long)v->valuedouble)
        snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
    else
        snprintf(num, sizeof(num), "%.17g", v->valuedouble);
    return cJSON_CreateString(num);
}

cJSON *lam_tags_map(const cJSON *list) {
    if (!cJSON_IsArray(list)) return NULL;
    cJSON *m = cJSON_CreateObject();
    const cJSON *t;
    cJSON_ArrayForEach(t, list) {
        const char *k = lam_str(t, "Key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "Value");
        if (k == NULL) continue;
        cJSON_DeleteItemFromObjectCaseSensitive(m, k);
        cJSON_AddItemToObject(m, k, v ? lam_text(v) : cJSON_CreateString(""));
    }
    return m;
}

cJSON *lam_create_tags(const struct cfn_res *r, const cJSON *list) {
    cJSON *m = lam_tags_map(list);
    if (m == NULL) m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "aws:cloudformation:stack-name", r->stack_name);
    cJSON_AddStringToObject(m, "aws:cloudformation:stack-id", r->stack_id);
    cJSON_AddStringToObject(m, "aws:cloudformation:logical-id", r->logical_id);
    return m;
}

/* The query "tagKeys=a&tagKeys=b" of OLD's keys that NEW lacks; "" when
 * none. Heap. */
static char *untag_query(const cJSON *old, const cJSON *new) {
    struct util_buf b = {0};
    const cJSON *t;
    util_buf_add(&b, "");
    cJSON_ArrayForEach(t, old) {
        if (cJSON_GetObjectItemCaseSensitive(new, t->string)) continue;
        char *k = lam_enc(t->string);
        util_buf_add(&b, b.n ? "&tagKeys=" : "tagKeys=");
        util_buf_add(&b, k);
        free(k);
    }
    return b.z;
}

int lam_tags_sync(const struct cfn_res *r, const char *arn, const cJSON *old_list,
                  const cJSON *new_list, char **err) {
    cJSON *o = lam_tags_map(old_list), *n = lam_tags_map(new_list), *body = NULL;
    char *enc = lam_enc(arn), *q = NULL, *path = NULL;
    struct call c = {0};
    int rc = -1;
    if (o == NULL) o = cJSON_CreateObject();
    if (n == NULL) n = cJSON_CreateObject();
    if (cJSON_Compare(o, n, 1)) {
        rc = 0;
        goto out;
    }
    q = untag_query(o, n);
    if (q[0]) {
        path = xasprintf("/2017-03-31/tags/%s?%s", enc, q);
        if (lam_run(r, &c, "DELETE", path, NULL) != 0) goto fail;
        call_clear(&c);
        free(path);
        path = NULL;
    }
    if (n->child) {
        body = cJSON_CreateObject();
        cJSON_AddItemToObject(body, "Tags", cJSON_Duplicate(n, 1));
        path = xasprintf("/2017-03-31/tags/%s", enc);
        if (lam_run(r, &c, "POST", path, body) != 0) goto fail;
    }
    rc = 0;
    goto out;
fail:
    *err = lam_reason(&c);
out:
    call_clear(&c);
    cJSON_Delete(o);
    cJSON_Delete(n);
    cJSON_Delete(body);
    free(enc);
    free(q);
    free(path);
    return rc;
}

void lam_pause(void) {
    struct timespec ts = {0, LAM_POLL_MS * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

int64_t lam_mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------------ */
/* AWS::Lambda::Function                                                */
/* ------------------------------------------------------------------ */

/* Lambda's longest function name: a generated one is cut to fit. */
#define FN_NAME_MAX 64

/* How long a create or update waits for the function to leave Pending /
 * InProgress, as CloudFormation's handler waits for State Active and
 * LastUpdateStatus Successful. sluice settles both at once, so this only
 * bounds a wait that should never happen. */
#define FN_WAIT_MS 60000

/* The members UpdateFunctionConfiguration takes, as the template names
 * them, with the value that puts each back to Lambda's default when the
 * template drops it (NULL: required, or no default to restore). Defaults:
 * docs/cloudformation-reference.md section 1.3 and the Lambda API
 * Reference, "UpdateFunctionConfiguration". */
static const struct fn_key {
    const char *key;
    enum lam_kind kind;
    const char *reset;   /* JSON text */
} FN_CONFIG[] = {
    {"Role", LAM_ANY, NULL},
    {"Handler", LAM_ANY, NULL},
    {"Runtime", LAM_ANY, NULL},
    {"Description", LAM_ANY, "\"\""},
    {"MemorySize", LAM_INT, "128"},
    {"Timeout", LAM_INT, "3"},
    {"Environment", LAM_ENV, "{\"Variables\":{}}"},
    {"Layers", LAM_ANY, "[]"},
    {"DeadLetterConfig", LAM_ANY, "{\"TargetArn\":\"\"}"},
    {"TracingConfig", LAM_ANY, "{\"Mode\":\"PassThrough\"}"},
    {"EphemeralStorage", LAM_ANY, "{\"Size\":512}"},
    {"KmsKeyArn", LAM_ANY, "\"\""},
    {"VpcConfig", LAM_ANY, "{\"SubnetIds\":[],\"SecurityGroupIds\":[]}"},
    {"LoggingConfig", LAM_ANY, "{\"LogFormat\":\"Text\"}"},
    {"SnapStart", LAM_ANY, "{\"ApplyOn\":\"None\"}"},
    {"ImageConfig", LAM_ANY, NULL},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The file CloudFormation writes inline code to: "a file named index"
 * with the runtime's extension, Node.js and Python only (AWS
 * CloudFormation User Guide, "AWS::Lambda::Function Code", ZipFile).
 * NULL for another runtime. */
static const char *inline_file(const char *runtime) {
    if (runtime && strncmp(runtime, "python", 6) == 0) return "index.py";
    if (runtime && strncmp(runtime, "nodejs", 6) == 0) return "index.js";
    return NULL;
}

/* Lambda's Code object for PROPS: the inline ZipFile zipped and in
 * base64, or the S3 location as given. Returns a new object, or NULL with
 * *ERR set. */
static cJSON *fn_code(const struct cfn_res *r, const cJSON *props, char **err) {
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(props, "Code");
    const char *src = lam_str(code, "ZipFile");
    cJSON *o = cJSON_CreateObject();
    if (src == NULL) {
        static const char *const keys[] = {"S3Bucket", "S3Key", "S3ObjectVersion", "ImageUri"};
        for (size_t i = 0; i < NELEM(keys); i++) lam_copy(o, code, keys[i], LAM_ANY);
        return o;
    }
    const char *file = inline_file(lam_str(props, "Runtime"));
    unsigned char *zip = NULL;
    size_t nzip = 0;
    const char *msg = NULL;
    if (file == NULL) {
        *err = xasprintf("Properties validation failed for resource %s with message: Code.ZipFile "
                         "is supported only for Node.js and Python runtimes",
                         r->logical_id);
    } else if (zipwrite_one(file, src, strlen(src), &zip, &nzip, &msg) != 0) {
        *err = xasprintf("Internal failure: %s", msg ? msg : "zip");
    } else {
        char *b64 = util_b64_encode(zip, nzip);
        cJSON_AddStringToObject(o, "ZipFile", b64);
        free(b64);
        free(zip);
        return o;
    }
    cJSON_Delete(o);
    return NULL;
}

/* Waits (bounded by FN_WAIT_MS) until function NAME is Active with its
 * last update Successful. Returns 0, or -1 with *ERR set. */
static int fn_wait(const struct cfn_res *r, const char *name, char **err) {
    char *enc = lam_enc(name);
    char *path = xasprintf("/2015-03-31/functions/%s/configuration", enc);
    int64_t until = lam_mono_ms() + FN_WAIT_MS;
    struct call c = {0};
    int rc = -1;
    for (;;) {
        if (lam_run(r, &c, "GET", path, NULL) != 0) {
            *err = lam_reason(&c);
            break;
        }
        const char *state = lam_str(c.out, "State"), *upd = lam_str(c.out, "LastUpdateStatus");
        if ((state && strcmp(state, "Failed") == 0) || (upd && strcmp(upd, "Failed") == 0)) {
            const char *why = lam_str(c.out, "StateReason");
            *err = xasprintf("Resource handler returned message: \"%s\" (HandlerErrorCode: "
                             "NotStabilized)",
                             why ? why : "The function failed to stabilize.");
            break;
        }
        int busy = (state && strcmp(state, "Pending") == 0) || (upd && strcmp(upd, "InProgress") == 0);
        if (!busy) {
            rc = 0;
            break;
        }
        if (lam_mono_ms() > until) {
            *err = xasprintf("Resource handler returned message: \"Function %s did not become "
                             "Active within %d seconds\" (HandlerErrorCode: NotStabilized)",
                             name, FN_WAIT_MS / 1000);
            break;
        }
        call_clear(&c);
        lam_pause();
    }
    call_clear(&c);
    free(path);
    free(enc);
    return rc;
}

/* Sets (PutFunctionConcurrency) or, when V is NULL, removes
 * (DeleteFunctionConcurrency) the reserved concurrency of NAME. */
static int fn_concurrency(const struct cfn_res *r, const char *name, const cJSON *v, char **err) {
    char *enc = lam_enc(name);
    char *path = xasprintf("/2017-10-31/functions/%s/concurrency", enc);
    cJSON *body = NULL;
    struct call c = {0};
    int rc;
    if (v) {
        body = cJSON_CreateObject();
        cJSON_AddItemToObject(body, "ReservedConcurrentExecutions", lam_value(v, LAM_INT));
    }
    rc = lam_run(r, &c, v ? "PUT" : "DELETE", path, body);
    if (rc != 0) *err = lam_reason(&c);
    call_clear(&c);
    cJSON_Delete(body);
    free(path);
    free(enc);
    return rc;
}

/* DeleteFunction NAME; one already gone counts as deleted. */
static int fn_delete(const struct cfn_res *r, const char *name, char **err) {
    char *enc = lam_enc(name);
    char *path = xasprintf("/2015-03-31/functions/%s", enc);
    struct call c = {0};
    int rc = lam_run(r, &c, "DELETE", path, NULL);
    if (rc != 0 && lam_gone(&c)) rc = 0;
    if (rc != 0 && err) *err = lam_reason(&c);
    call_clear(&c);
    free(path);
    free(enc);
    return rc;
}

/* CreateFunction's body for R->props under NAME, or NULL with *ERR. */
static cJSON *fn_create_body(const struct cfn_res *r, const char *name, char **err) {
    cJSON *body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "FunctionName", name);
    for (size_t i = 0; i < NELEM(FN_CONFIG); i++) lam_copy(body, r->props, FN_CONFIG[i].key, FN_CONFIG[i].kind);
    static const char *const more[] = {"Architectures", "PackageType", "CodeSigningConfigArn"};
    for (size_t i = 0; i < NELEM(more); i++) lam_copy(body, r->props, more[i], LAM_ANY);
    cJSON_AddItemToObject(body, "Tags", lam_create_tags(r, cJSON_GetObjectItemCaseSensitive(r->props, "Tags")));
    cJSON *code = fn_code(r, r->props, err);
    if (code == NULL) {
        cJSON_Delete(body);
        return NULL;
    }
    cJSON_AddItemToObject(body, "Code", code);
    return body;
}

/* CreateFunction, then wait for Active, then the reserved concurrency
 * (PutFunctionConcurrency); a failure after the create deletes it. */
static int fn_create(struct cfn_res *r, char **err) {
    const char *given = lam_str(r->props, "FunctionName");
    char *name = given ? xstrdup(given) : cfn_physical_name(r, FN_NAME_MAX, 0);
    char *arn = NULL;
    struct call c = {0};
    int rc = -1;
    cJSON *body = fn_create_body(r, name, err);
    if (body == NULL) goto out;
    if (lam_run(r, &c, "POST", "/2015-03-31/functions", body) != 0) {
        *err = lam_reason(&c);
        goto out;
    }
    const char *a = lam_str(c.out, "FunctionArn");
    arn = xstrdup(a ? a : "");
    const cJSON *rce = cJSON_GetObjectItemCaseSensitive(r->props, "ReservedConcurrentExecutions");
    if (fn_wait(r, name, err) != 0 || (rce && fn_concurrency(r, name, rce, err) != 0)) {
        fn_delete(r, name, NULL);
        goto out;
    }
    r->new_attrs = cJSON_CreateObject();
    cJSON_AddStringToObject(r->new_attrs, "Arn", arn);
    r->new_physical_id = name;
    name = NULL;
    rc = 0;
out:
    call_clear(&c);
    cJSON_Delete(body);
    free(name);
    free(arn);
    return rc;
}

/* UpdateFunctionConfiguration with the members that changed (a dropped
 * one put back to its default), when any did. */
static int fn_update_config(struct cfn_res *r, const char *name, char **err) {
    cJSON *body = cJSON_CreateObject();
    char *enc = NULL, *path = NULL;
    struct call c = {0};
    int rc = 0;
    for (size_t i = 0; i < NELEM(FN_CONFIG); i++) {
        const struct fn_key *k = &FN_CONFIG[i];
        if (!lam_changed(r->old_props, r->props, k->key)) continue;
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->props, k->key);
        if (v) cJSON_AddItemToObject(body, k->key, lam_value(v, k->kind));
        else if (k->reset) cJSON_AddItemToObject(body, k->key, cJSON_Parse(k->reset));
    }
    if (body->child == NULL) goto out;
    enc = lam_enc(name);
    path = xasprintf("/2015-03-31/functions/%s/configuration", enc);
    rc = lam_run(r, &c, "PUT", path, body);
    if (rc != 0) *err = lam_reason(&c);
    else rc = fn_wait(r, name, err);
out:
    call_clear(&c);
    cJSON_Delete(body);
    free(enc);
    free(path);
    return rc;
}

/* UpdateFunctionCode when Code or Architectures changed, or the runtime
 * of inline code (whose file name follows the runtime). */
static int fn_update_code(struct cfn_res *r, const char *name, char **err) {
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(r->props, "Code");
    int inline_rt = lam_str(code, "ZipFile") && lam_changed(r->old_props, r->props, "Runtime");
    if (!lam_changed(r->old_props, r->props, "Code") &&
        !lam_changed(r->old_props, r->props, "Architectures") && !inline_rt)
        return 0;
    char *enc = NULL, *path = NULL;
    struct call c = {0};
    int rc = -1;
    cJSON *body = fn_code(r, r->props, err);
    if (body == NULL) goto out;
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(r->props, "Architectures");
    if (arch) cJSON_AddItemToObject(body, "Architectures", cJSON_Duplicate(arch, 1));
    else if (cJSON_GetObjectItemCaseSensitive(r->old_props, "Architectures"))
        cJSON_AddItemToObject(body, "Architectures", cJSON_Parse("[\"x86_64\"]"));
    enc = lam_enc(name);
    path = xasprintf("/2015-03-31/functions/%s/code", enc);
    if (lam_run(r, &c, "PUT", path, body) != 0) *err = lam_reason(&c);
    else rc = fn_wait(r, name, err);
out:
    call_clear(&c);
    cJSON_Delete(body);
    free(enc);
    free(path);
    return rc;
}

/* In place: configuration, code, tags, reserved concurrency, in that
 * order (docs/cloudformation-reference.md section 1.2 lists them all as
 * updatable). */
static int fn_update(struct cfn_res *r, char **err) {
    const char *name = r->physical_id;
    if (fn_update_config(r, name, err) != 0 || fn_update_code(r, name, err) != 0) return -1;
    if (lam_changed(r->old_props, r->props, "Tags")) {
        const char *arn = lam_str(r->attrs, "Arn");
        if (arn && lam_tags_sync(r, arn, cJSON_GetObjectItemCaseSensitive(r->old_props, "Tags"),
                                 cJSON_GetObjectItemCaseSensitive(r->props, "Tags"), err) != 0)
            return -1;
    }
    if (lam_changed(r->old_props, r->props, "ReservedConcurrentExecutions") &&
        fn_concurrency(r, name, cJSON_GetObjectItemCaseSensitive(r->props, "ReservedConcurrentExecutions"),
                       err) != 0)
        return -1;
    return 0;
}

static int fn_remove(struct cfn_res *r, char **err) { return fn_delete(r, r->physical_id, err); }

static const char *const fn_create_only[] = {"FunctionName", "PackageType", "TenancyConfig", NULL};

const struct cfn_type cfn_type_lambda_function = {
    "AWS::Lambda::Function", fn_create_only, fn_create, fn_update, fn_remove,
};
