/*
 * CloudFormation's Lambda resource types, part two: AWS::Lambda::Version
 * and AWS::Lambda::Alias, with their ProvisionedConcurrencyConfig, which
 * CloudFormation applies and then waits for until it is READY
 * (docs/cloudformation-reference.md sections 1.1, 1.2 and 3: the seed's
 * alias asks for 2). Shared helpers: api/cfn_res_lambda_int.h.
 */
#include "api/cfn_res_lambda_int.h"
#include "base/util.h"
#include "engine/config.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How long provisioned concurrency may take to become READY before the
 * resource fails (NotStabilized), on top of --pc-ready-delay (which is
 * how long sluice models AWS's allocation to take). sluice starts the
 * environments in about a second; AWS takes minutes, and CloudFormation
 * waits for them. */
#define LAM_PC_WAIT_MS 60000

static int64_t pc_bound = -1;

void lam_pc_wait_bound(int64_t ms) { pc_bound = ms; }

/* The provisioned-concurrency path of FN (name or ARN) for QUALIFIER
 * (NULL: the qualifier FN carries), heap. */
static char *pc_path(const char *fn, const char *qualifier) {
    char *f = lam_enc(fn), *q = qualifier ? lam_enc(qualifier) : NULL;
    char *z = q ? xasprintf("/2019-09-30/functions/%s/provisioned-concurrency?Qualifier=%s", f, q)
                : xasprintf("/2019-09-30/functions/%s/provisioned-concurrency", f);
    free(f);
    free(q);
    return z;
}

/* Classifies one GetProvisionedConcurrencyConfig answer OUT: 1 READY,
 * -1 FAILED (with *ERR set), 0 still on its way. */
static int pc_status(const cJSON *out, char **err) {
    const char *st = lam_str(out, "Status");
    if (st && strcmp(st, "READY") == 0) return 1;
    if (st && strcmp(st, "FAILED") == 0) {
        const char *why = lam_str(out, "StatusReason");
        /* CloudFormation's wording, as users report it (e.g. aws/aws-cdk
         * issue 6016, serverless/serverless issue 7250). */
        *err = xasprintf("Resource handler returned message: \"Provisioned Concurrency configuration "
                         "failed to be applied. Reason: %s\" (HandlerErrorCode: NotStabilized)",
                         why && *why ? why : "FAILED");
        return -1;
    }
    return 0;
}

int lam_pc_wait(const struct cfn_res *r, const char *fn, const char *qualifier, char **err) {
    char *path = pc_path(fn, qualifier);
    int64_t bound = pc_bound >= 0 ? pc_bound : LAM_PC_WAIT_MS + sluice_cfg.pc_ready_delay_ms;
    int64_t until = lam_mono_ms() + bound;
    struct call c = {0};
    int rc = -1;
    for (;;) {
        if (lam_run(r, &c, "GET", path, NULL) != 0) {
            *err = lam_reason(&c);
            break;
        }
        int st = pc_status(c.out, err);
        if (st != 0) {
            rc = st > 0 ? 0 : -1;
            break;
        }
        if (lam_mono_ms() >= until) {
            const char *now = lam_str(c.out, "Status");
            *err = xasprintf("Resource handler returned message: \"Provisioned Concurrency "
                             "configuration was not READY within %lld seconds (Status: %s)\" "
                             "(HandlerErrorCode: NotStabilized)",
                             (long long)(bound / 1000), now ? now : "?");
            break;
        }
        call_clear(&c);
        lam_pause();
    }
    call_clear(&c);
    free(path);
    return rc;
}

/* PutProvisionedConcurrencyConfig on QUALIFIER of FN with the template's
 * ProvisionedConcurrencyConfig PCC, then the wait for READY. */
static int pc_put(const struct cfn_res *r, const char *fn, const char *qualifier, const cJSON *pcc,
                  char **err) {
    char *path = pc_path(fn, qualifier);
    cJSON *body = cJSON_CreateObject();
    struct call c = {0};
    lam_copy(body, pcc, "ProvisionedConcurrentExecutions", LAM_INT);
    int rc = lam_run(r, &c, "PUT", path, body);
    if (rc != 0) *err = lam_reason(&c);
    else rc = lam_pc_wait(r, fn, qualifier, err);
    call_clear(&c);
    cJSON_Delete(body);
    free(path);
    return rc;
}

/* DeleteProvisionedConcurrencyConfig of FN (QUALIFIER as pc_path); a
 * function that is gone has none. ERR may be NULL (nothing reported). */
static int pc_delete(const struct cfn_res *r, const char *fn, const char *qualifier, char **err) {
    char *path = pc_path(fn, qualifier);
    struct call c = {0};
    int rc = lam_run(r, &c, "DELETE", path, NULL);
    if (rc != 0 && lam_gone(&c)) rc = 0;
    if (rc != 0 && err) *err = lam_reason(&c);
    call_clear(&c);
    free(path);
    return rc;
}

/* DeleteFunction of the qualified ARN (a version); gone counts as done. */
static int delete_qualified(const struct cfn_res *r, const char *arn, char **err) {
    char *enc = lam_enc(arn);
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

/* ------------------------------------------------------------------ */
/* AWS::Lambda::Version                                                 */
/* ------------------------------------------------------------------ */

/* PublishVersion (CodeSha256 and Description as given), then the
 * version's provisioned concurrency. Ref is the version ARN; Version and
 * FunctionArn (the version's ARN) are its attributes. */
static int ver_create(struct cfn_res *r, char **err) {
    const char *fn = NULL;
    if (lam_required(r, "FunctionName", &fn, err) != 0) return -1;
    cJSON *body = cJSON_CreateObject();
    char *enc = lam_enc(fn);
    char *path = xasprintf("/2015-03-31/functions/%s/versions", enc);
    struct call c = {0};
    int rc = -1;
    lam_copy(body, r->props, "CodeSha256", LAM_ANY);
    lam_copy(body, r->props, "Description", LAM_ANY);
    if (lam_run(r, &c, "POST", path, body) != 0) {
        *err = lam_reason(&c);
        goto out;
    }
    const char *v = lam_str(c.out, "Version"), *arn = lam_str(c.out, "FunctionArn");
    const cJSON *pcc = cJSON_GetObjectItemCaseSensitive(r->props, "ProvisionedConcurrencyConfig");
    if (pcc && pc_put(r, fn, v ? v : "", pcc, err) != 0) {
        delete_qualified(r, arn ? arn : "", NULL);
        goto out;
    }
    r->new_physical_id = xstrdup(arn ? arn : "");
    r->new_attrs = cJSON_CreateObject();
    cJSON_AddStringToObject(r->new_attrs, "Version", v ? v : "");
    cJSON_AddStringToObject(r->new_attrs, "FunctionArn", arn ? arn : "");
    rc = 0;
out:
    call_clear(&c);
    cJSON_Delete(body);
    free(path);
    free(enc);
    return rc;
}

/* Only FunctionScalingConfig updates in place (section 1.2), which sluice
 * does not model: nothing to do. */
static int ver_update(struct cfn_res *r, char **err) {
    (void)r;
    (void)err;
    return 0;
}

/* DeleteFunction with the version's qualifier. A version an alias still
 * points at is refused by Lambda (409), and that answer is the reason. */
static int ver_remove(struct cfn_res *r, char **err) { return delete_qualified(r, r->physical_id, err); }

static const char *const ver_create_only[] = {"CodeSha256", "Description", "FunctionName",
                                              "ProvisionedConcurrencyConfig", "RuntimePolicy", NULL};

const struct cfn_type cfn_type_lambda_version = {
    "AWS::Lambda::Version", ver_create_only, ver_create, ver_update, ver_remove,
};

/* ------------------------------------------------------------------ */
/* AWS::Lambda::Alias                                                   */
/* ------------------------------------------------------------------ */

/* Lambda's RoutingConfig for the template's: CloudFormation lists
 * {"FunctionVersion","FunctionWeight"} pairs, Lambda takes a map of
 * version to weight. An absent one is an empty map (no routing). */
static cJSON *routing(const cJSON *props) {
    const cJSON *rc = cJSON_GetObjectItemCaseSensitive(props, "RoutingConfig");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(rc, "AdditionalVersionWeights");
    cJSON *o = cJSON_CreateObject(), *w = cJSON_AddObjectToObject(o, "AdditionalVersionWeights");
    const cJSON *e;
    cJSON_ArrayForEach(e, list) {
        const char *v = lam_str(e, "FunctionVersion");
        const cJSON *wt = cJSON_GetObjectItemCaseSensitive(e, "FunctionWeight");
        if (v == NULL || wt == NULL) continue;
        double d = cJSON_IsString(wt) ? strtod(wt->valuestring, NULL) : wt->valuedouble;
        cJSON_AddNumberToObject(w, v, d);
    }
    return o;
}

/* Splits alias ARN "arn:aws:lambda:R:A:function:NAME:ALIAS" into FN and
 * ALIAS. Returns 0, or -1 when ARN is not one. */
static int alias_split(const char *arn, char *fn, size_t nfn, char *alias, size_t nalias) {
    const char *p = strstr(arn, ":function:");
    if (p == NULL) return -1;
    p += strlen(":function:");
    const char *colon = strchr(p, ':');
    if (colon == NULL || colon == p || colon[1] == '\0') return -1;
    snprintf(fn, nfn, "%.*s", (int)(colon - p), p);
    snprintf(alias, nalias, "%s", colon + 1);
    return 0;
}

/* DeleteAlias NAME of FN; a function that is gone has no alias. */
static int alias_delete(const struct cfn_res *r, const char *fn, const char *name, char **err) {
    char *f = lam_enc(fn), *a = lam_enc(name);
    char *path = xasprintf("/2015-03-31/functions/%s/aliases/%s", f, a);
    struct call c = {0};
    int rc = lam_run(r, &c, "DELETE", path, NULL);
    if (rc != 0 && lam_gone(&c)) rc = 0;
    if (rc != 0 && err) *err = lam_reason(&c);
    call_clear(&c);
    free(path);
    free(f);
    free(a);
    return rc;
}

/* CreateAlias, then its provisioned concurrency and the wait for READY;
 * FunctionName may be a name or an ARN (CDK passes the function's Ref). */
static int alias_create(struct cfn_res *r, char **err) {
    const char *fn = NULL, *name = NULL, *ver = NULL;
    if (lam_required(r, "FunctionName", &fn, err) != 0 || lam_required(r, "Name", &name, err) != 0 ||
        lam_required(r, "FunctionVersion", &ver, err) != 0)
        return -1;
    cJSON *body = cJSON_CreateObject();
    char *enc = lam_enc(fn);
    char *path = xasprintf("/2015-03-31/functions/%s/aliases", enc);
    struct call c = {0};
    int rc = -1;
    cJSON_AddStringToObject(body, "Name", name);
    cJSON_AddStringToObject(body, "FunctionVersion", ver);
    lam_copy(body, r->props, "Description", LAM_ANY);
    if (cJSON_GetObjectItemCaseSensitive(r->props, "RoutingConfig"))
        cJSON_AddItemToObject(body, "RoutingConfig", routing(r->props));
    if (lam_run(r, &c, "POST", path, body) != 0) {
        *err = lam_reason(&c);
        goto out;
    }
    const char *arn = lam_str(c.out, "AliasArn");
    const cJSON *pcc = cJSON_GetObjectItemCaseSensitive(r->props, "ProvisionedConcurrencyConfig");
    if (pcc && pc_put(r, fn, name, pcc, err) != 0) {
        pc_delete(r, fn, name, NULL);
        alias_delete(r, fn, name, NULL);
        goto out;
    }
    r->new_physical_id = xstrdup(arn ? arn : "");
    r->new_attrs = cJSON_CreateObject();
    cJSON_AddStringToObject(r->new_attrs, "AliasArn", arn ? arn : "");
    rc = 0;
out:
    call_clear(&c);
    cJSON_Delete(body);
    free(path);
    free(enc);
    return rc;
}

/* UpdateAlias when FunctionVersion, Description or RoutingConfig changed
 * (a dropped one put back: "" and no routing). */
static int alias_update_main(struct cfn_res *r, const char *fn, const char *name, char **err) {
    if (!lam_changed(r->old_props, r->props, "FunctionVersion") &&
        !lam_changed(r->old_props, r->props, "Description") &&
        !lam_changed(r->old_props, r->props, "RoutingConfig"))
        return 0;
    cJSON *body = cJSON_CreateObject();
    char *f = lam_enc(fn), *a = lam_enc(name);
    char *path = xasprintf("/2015-03-31/functions/%s/aliases/%s", f, a);
    struct call c = {0};
    const char *desc = lam_str(r->props, "Description");
    lam_copy(body, r->props, "FunctionVersion", LAM_ANY);
    cJSON_AddStringToObject(body, "Description", desc ? desc : "");
    cJSON_AddItemToObject(body, "RoutingConfig", routing(r->props));
    int rc = lam_run(r, &c, "PUT", path, body);
    if (rc != 0) *err = lam_reason(&c);
    call_clear(&c);
    cJSON_Delete(body);
    free(path);
    free(f);
    free(a);
    return rc;
}

/* In place: UpdateAlias, then provisioned concurrency put (and waited
 * for; also when the alias moved to another version, which starts the
 * allocation over) or deleted. */
static int alias_update(struct cfn_res *r, char **err) {
    const char *fn = NULL, *name = NULL;
    if (lam_required(r, "FunctionName", &fn, err) != 0 || lam_required(r, "Name", &name, err) != 0) return -1;
    if (alias_update_main(r, fn, name, err) != 0) return -1;
    const cJSON *pcc = cJSON_GetObjectItemCaseSensitive(r->props, "ProvisionedConcurrencyConfig");
    if (pcc && lam_changed(r->old_props, r->props, "ProvisionedConcurrencyConfig"))
        return pc_put(r, fn, name, pcc, err);
    if (pcc && lam_changed(r->old_props, r->props, "FunctionVersion")) return lam_pc_wait(r, fn, name, err);
    if (pcc == NULL && cJSON_GetObjectItemCaseSensitive(r->old_props, "ProvisionedConcurrencyConfig"))
        return pc_delete(r, fn, name, err);
    return 0;
}

/* DeleteProvisionedConcurrencyConfig, then DeleteAlias (both from the
 * alias ARN, the physical id). */
static int alias_remove(struct cfn_res *r, char **err) {
    char fn[256], name[256];
    if (alias_split(r->physical_id, fn, sizeof(fn), name, sizeof(name)) != 0) return 0;
    if (pc_delete(r, fn, name, err) != 0) return -1;
    return alias_delete(r, fn, name, err);
}

static const char *const alias_create_only[] = {"FunctionName", "Name", NULL};

const struct cfn_type cfn_type_lambda_alias = {
    "AWS::Lambda::Alias", alias_create_only, alias_create, alias_update, alias_remove,
};
