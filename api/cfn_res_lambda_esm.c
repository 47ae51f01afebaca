/*
 * CloudFormation's Lambda resource types, part three:
 * AWS::Lambda::EventSourceMapping, AWS::Lambda::Permission and
 * AWS::Lambda::EventInvokeConfig (docs/cloudformation-reference.md
 * sections 1.1-1.3). A mapping updated in place keeps its UUID, and so its
 * checkpoint (section 1.2); a new one, made by a replacement or a moved
 * logical id, meets Lambda's one-mapping-per-(source, function) rule, and
 * Lambda's 409 is the resource's reason word for word (section 3, item 5).
 */
#include "api/cfn_res_lambda_int.h"
#include "base/util.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* AWS::Lambda::EventSourceMapping                                      */
/* ------------------------------------------------------------------ */

/* How long a mapping may stay Creating / Updating / Deleting before the
 * handler goes on (and lets Lambda's own answer decide). sluice's mapping
 * manager settles a state within a quarter second (engine/esm.c). */
#define ESM_WAIT_MS 30000

/* The members that update in place and need a type or a default: the
 * value a dropped member goes back to (NULL: left as it is). Defaults of
 * docs/cloudformation-reference.md section 1.3 (stream sources, the only
 * ones sluice maps). */
static const struct esm_key {
    const char *key;
    enum lam_kind kind;
    const char *reset;   /* JSON text */
} ESM_KEYS[] = {
    {"Enabled", LAM_BOOL, "true"},
    {"BatchSize", LAM_INT, "100"},
    {"MaximumBatchingWindowInSeconds", LAM_INT, "0"},
    {"MaximumRecordAgeInSeconds", LAM_INT, "-1"},
    {"MaximumRetryAttempts", LAM_INT, "-1"},
    {"ParallelizationFactor", LAM_INT, "1"},
    {"BisectBatchOnFunctionError", LAM_BOOL, "false"},
    {"TumblingWindowInSeconds", LAM_INT, "0"},
    {"FunctionResponseTypes", LAM_ANY, "[]"},
    {"FilterCriteria", LAM_ANY, "{\"Filters\":[]}"},
    {"DestinationConfig", LAM_ANY, "{\"OnFailure\":{}}"},
    {"StartingPositionTimestamp", LAM_INT, NULL},
};

static const char *const esm_create_only[] = {
    "EventSourceArn", "StartingPosition", "StartingPositionTimestamp", "SelfManagedEventSource",
    "AmazonManagedKafkaEventSourceConfig", "SelfManagedKafkaEventSourceConfig", NULL};

static const struct esm_key *esm_key(const char *key) {
    for (size_t i = 0; i < NELEM(ESM_KEYS); i++)
        if (strcmp(ESM_KEYS[i].key, key) == 0) return &ESM_KEYS[i];
    return NULL;
}

static int esm_is_create_only(const char *key) {
    for (const char *const *k = esm_create_only; *k; k++)
        if (strcmp(*k, key) == 0) return 1;
    return 0;
}

static int transitional(const char *state) {
    static const char *const busy[] = {"Creating", "Updating", "Enabling", "Disabling", "Deleting"};
    for (size_t i = 0; state && i < NELEM(busy); i++)
        if (strcmp(state, busy[i]) == 0) return 1;
    return 0;
}

/* Waits (bounded by ESM_WAIT_MS) while mapping UUID is in a transitional
 * state, or, when GONE, until it no longer exists. Returns 1 when it does
 * not exist, 0 when it is settled (or the bound passed), -1 with *ERR set
 * when Lambda refused the Get otherwise. */
static int esm_settle(const struct cfn_res *r, const char *uuid, int gone, char **err) {
    char *enc = lam_enc(uuid);
    char *path = xasprintf("/2015-03-31/event-source-mappings/%s", enc);
    int64_t until = lam_mono_ms() + ESM_WAIT_MS;
    struct call c = {0};
    int rc = 0;
    for (;;) {
        if (lam_run(r, &c, "GET", path, NULL) != 0) {
            if (lam_gone(&c)) {
                rc = 1;
            } else {
                rc = -1;
                *err = lam_reason(&c);
            }
            break;
        }
        if ((!gone && !transitional(lam_str(c.out, "State"))) || lam_mono_ms() >= until) break;
        call_clear(&c);
        lam_pause();
    }
    call_clear(&c);
    free(path);
    free(enc);
    return rc;
}

/* CreateEventSourceMapping's body: every property as the template gives
 * it (Lambda refuses what it does not take), numbers and booleans typed,
 * Tags as a map with CloudFormation's own three. */
static cJSON *esm_create_body(const struct cfn_res *r, const cJSON *props) {
    cJSON *body = cJSON_CreateObject();
    const cJSON *p;
    cJSON_ArrayForEach(p, props) {
        if (strcmp(p->string, "Tags") == 0) continue;
        const struct esm_key *k = esm_key(p->string);
        cJSON_AddItemToObject(body, p->string, lam_value(p, k ? k->kind : LAM_ANY));
    }
    cJSON_AddItemToObject(body, "Tags", lam_create_tags(r, cJSON_GetObjectItemCaseSensitive(props, "Tags")));
    return body;
}

/* CreateEventSourceMapping, then the wait for Enabled (or Disabled). Ref
 * is the UUID; Id and EventSourceMappingArn its attributes. */
static int esm_create(struct cfn_res *r, char **err) {
    cJSON *body = esm_create_body(r, r->props);
    struct call c = {0};
    int rc = -1;
    if (lam_run(r, &c, "POST", "/2015-03-31/event-source-mappings", body) != 0) {
        *err = lam_reason(&c);
        goto out;
    }
    const char *uuid = lam_str(c.out, "UUID"), *arn = lam_str(c.out, "EventSourceMappingArn");
    r->new_physical_id = xstrdup(uuid ? uuid : "");
    r->new_attrs = cJSON_CreateObject();
    cJSON_AddStringToObject(r->new_attrs, "Id", uuid ? uuid : "");
    cJSON_AddStringToObject(r->new_attrs, "EventSourceMappingArn", arn ? arn : "");
    /* The mapping exists: a Get refused while it settles changes nothing. */
    char *why = NULL;
    esm_settle(r, r->new_physical_id, 0, &why);
    free(why);
    rc = 0;
out:
    call_clear(&c);
    cJSON_Delete(body);
    return rc;
}

/* UpdateEventSourceMapping's body: the in-place members that changed
 * between OLD and NEW, a dropped one back to its default. */
static cJSON *esm_update_body(const cJSON *old, const cJSON *new) {
    cJSON *body = cJSON_CreateObject();
    const cJSON *sides[2] = {new, old};
    for (int s = 0; s < 2; s++) {
        const cJSON *p;
        cJSON_ArrayForEach(p, sides[s]) {
            const char *key = p->string;
            if (strcmp(key, "Tags") == 0 || esm_is_create_only(key) ||
                cJSON_GetObjectItemCaseSensitive(body, key) || !lam_changed(old, new, key))
                continue;
            const struct esm_key *k = esm_key(key);
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(new, key);
            if (v) cJSON_AddItemToObject(body, key, lam_value(v, k ? k->kind : LAM_ANY));
            else if (k && k->reset) cJSON_AddItemToObject(body, key, cJSON_Parse(k->reset));
        }
    }
    return body;
}

/* In place: UpdateEventSourceMapping (same UUID, same checkpoint; a new
 * FunctionName moves the mapping to it), waited for, then tags. */
static int esm_update(struct cfn_res *r, char **err) {
    cJSON *body = esm_update_body(r->old_props, r->props);
    char *enc = lam_enc(r->physical_id);
    char *path = xasprintf("/2015-03-31/event-source-mappings/%s", enc);
    struct call c = {0};
    int rc = -1;
    if (body->child) {
        if (esm_settle(r, r->physical_id, 0, err) < 0) goto out;
        if (lam_run(r, &c, "PUT", path, body) != 0) {
            *err = lam_reason(&c);
            goto out;
        }
        if (esm_settle(r, r->physical_id, 0, err) < 0) goto out;
    }
    const char *arn = lam_str(r->attrs, "EventSourceMappingArn");
    if (arn && lam_changed(r->old_props, r->props, "Tags") &&
        lam_tags_sync(r, arn, cJSON_GetObjectItemCaseSensitive(r->old_props, "Tags"),
                      cJSON_GetObjectItemCaseSensitive(r->props, "Tags"), err) != 0)
        goto out;
    rc = 0;
out:
    call_clear(&c);
    cJSON_Delete(body);
    free(path);
    free(enc);
    return rc;
}

/* DeleteEventSourceMapping once the mapping is settled (Lambda refuses a
 * mapping in transition), then the wait until it is gone. */
static int esm_remove(struct cfn_res *r, char **err) {
    char *enc = lam_enc(r->physical_id);
    char *path = xasprintf("/2015-03-31/event-source-mappings/%s", enc);
    struct call c = {0};
    int rc = esm_settle(r, r->physical_id, 0, err);
    if (rc != 0) {
        rc = rc > 0 ? 0 : -1;   /* already gone: deleted */
        goto out;
    }
    if (lam_run(r, &c, "DELETE", path, NULL) != 0) {
        rc = lam_gone(&c) ? 0 : -1;
        if (rc) *err = lam_reason(&c);
        goto out;
    }
    rc = esm_settle(r, r->physical_id, 1, err) < 0 ? -1 : 0;
out:
    call_clear(&c);
    free(path);
    free(enc);
    return rc;
}

const struct cfn_type cfn_type_lambda_event_source_mapping = {
    "AWS::Lambda::EventSourceMapping", esm_create_only, esm_create, esm_update, esm_remove,
};

/* ------------------------------------------------------------------ */
/* AWS::Lambda::Permission                                              */
/* ------------------------------------------------------------------ */

/* Lambda's longest StatementId: a generated one is cut to fit. */
#define PERM_SID_MAX 100

/* AddPermission with a generated statement id ("<stack>-<logical>-<random>",
 * which Lambda's [a-zA-Z0-9-_]+ accepts). Ref and Id are the statement
 * id; FunctionName is kept beside it for the remove. */
static int perm_create(struct cfn_res *r, char **err) {
    static const char *const keys[] = {"Action", "Principal", "SourceArn", "SourceAccount",
                                       "EventSourceToken", "PrincipalOrgID", "FunctionUrlAuthType"};
    const char *fn = NULL;
    if (lam_required(r, "FunctionName", &fn, err) != 0) return -1;
    char *sid = cfn_physical_name(r, PERM_SID_MAX, 0);
    char *enc = lam_enc(fn);
    char *path = xasprintf("/2015-03-31/functions/%s/policy", enc);
    cJSON *body = cJSON_CreateObject();
    struct call c = {0};
    int rc = -1;
    cJSON_AddStringToObject(body, "StatementId", sid);
    for (size_t i = 0; i < NELEM(keys); i++) lam_copy(body, r->props, keys[i], LAM_ANY);
    if (lam_run(r, &c, "POST", path, body) != 0) {
        *err = lam_reason(&c);
        goto out;
    }
    r->new_attrs = cJSON_CreateObject();
    cJSON_AddStringToObject(r->new_attrs, "Id", sid);
    cJSON_AddStringToObject(r->new_attrs, "FunctionName", fn);
    r->new_physical_id = sid;
    sid = NULL;
    rc = 0;
out:
    call_clear(&c);
    cJSON_Delete(body);
    free(path);
    free(enc);
    free(sid);
    return rc;
}

/* RemovePermission of the statement; gone (function or statement) counts
 * as removed. */
static int perm_remove(struct cfn_res *r, char **err) {
    const char *fn = lam_str(r->attrs, "FunctionName");
    if (fn == NULL) fn = lam_str(r->old_props, "FunctionName");
    char *f = lam_enc(fn ? fn : ""), *s = lam_enc(r->physical_id);
    char *path = xasprintf("/2015-03-31/functions/%s/policy/%s", f, s);
    struct call c = {0};
    int rc = lam_run(r, &c, "DELETE", path, NULL);
    if (rc != 0 && lam_gone(&c)) rc = 0;
    if (rc != 0) *err = lam_reason(&c);
    call_clear(&c);
    free(path);
    free(f);
    free(s);
    return rc;
}

/* Every property replaces a permission (section 1.1). */
static const char *const perm_create_only[] = {"*", NULL};

const struct cfn_type cfn_type_lambda_permission = {
    "AWS::Lambda::Permission", perm_create_only, perm_create, NULL, perm_remove,
};

/* ------------------------------------------------------------------ */
/* AWS::Lambda::EventInvokeConfig                                       */
/* ------------------------------------------------------------------ */

/* The event-invoke-config path of FunctionName and Qualifier in PROPS. */
static char *eic_path(const cJSON *props) {
    const char *fn = lam_str(props, "FunctionName"), *q = lam_str(props, "Qualifier");
    char *f = lam_enc(fn ? fn : ""), *qq = lam_enc(q ? q : "$LATEST");
    char *z = xasprintf("/2019-09-25/functions/%s/event-invoke-config?Qualifier=%s", f, qq);
    free(f);
    free(qq);
    return z;
}

/* PutFunctionEventInvokeConfig with R->props: a Put replaces the whole
 * configuration, so a dropped member goes back to Lambda's default. */
static int eic_put(struct cfn_res *r, char **err) {
    char *path = eic_path(r->props);
    cJSON *body = cJSON_CreateObject();
    struct call c = {0};
    lam_copy(body, r->props, "MaximumEventAgeInSeconds", LAM_INT);
    lam_copy(body, r->props, "MaximumRetryAttempts", LAM_INT);
    lam_copy(body, r->props, "DestinationConfig", LAM_ANY);
    int rc = lam_run(r, &c, "PUT", path, body);
    if (rc != 0) *err = lam_reason(&c);
    call_clear(&c);
    cJSON_Delete(body);
    free(path);
    return rc;
}

/* Put, with a new unique id as Ref (section 1.1: no attributes). */
static int eic_create(struct cfn_res *r, char **err) {
    const char *fn = NULL, *q = NULL;
    if (lam_required(r, "FunctionName", &fn, err) != 0 || lam_required(r, "Qualifier", &q, err) != 0 ||
        eic_put(r, err) != 0)
        return -1;
    char u[37];
    util_uuid(u);
    r->new_physical_id = xstrdup(u);
    r->new_attrs = cJSON_CreateObject();
    return 0;
}

static int eic_update(struct cfn_res *r, char **err) { return eic_put(r, err); }

/* DeleteFunctionEventInvokeConfig of the (create-only) FunctionName and
 * Qualifier; gone counts as deleted. */
static int eic_remove(struct cfn_res *r, char **err) {
    char *path = eic_path(r->old_props);
    struct call c = {0};
    int rc = lam_run(r, &c, "DELETE", path, NULL);
    if (rc != 0 && lam_gone(&c)) rc = 0;
    if (rc != 0) *err = lam_reason(&c);
    call_clear(&c);
    free(path);
    return rc;
}

static const char *const eic_create_only[] = {"FunctionName", "Qualifier", NULL};

const struct cfn_type cfn_type_lambda_event_invoke_config = {
    "AWS::Lambda::EventInvokeConfig", eic_create_only, eic_create, eic_update, eic_remove,
};
