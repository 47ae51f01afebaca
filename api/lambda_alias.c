/*
 * Lambda control plane, part two: aliases, reserved and provisioned
 * concurrency, account settings, resource policies and tags. Routed from
 * lambda.c; messages from docs/aws-reference.md B5-B7 and B9.
 */
#include "api/aws_error.h"
#include "api/lambda_int.h"
#include "api/validate.h"
#include "engine/arn.h"
#include "base/clock.h"
#include "engine/config.h"
#include "engine/invoker.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_esm.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* Most PC configs one function can have: one per version or alias; a
 * bound for the in-memory list, far above real use. */
#define LAMBDA_MAX_PC_CONFIGS 1024

static void alias_arn(struct req *req, const char *fn, const char *alias, char *buf, size_t n) {
    lfn_arn(req, fn, alias, buf, n);
}

static int alias_name_ok(const char *z) {
    size_t n = strlen(z);
    if (n == 0 || n > 128) return 0;
    if (strspn(z, "0123456789") == n) return 0;
    return strspn(z, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == n;
}

static int check_alias_name(struct req *req, const char *name) {
    struct vlist vl = {0};
    if (strlen(name) > 128) vl_add(&vl, name, "name", "Member must have length less than or equal to 128");
    if (!alias_name_ok(name))
        vl_add(&vl, name, "name",
               "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)");
    return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
}

static int check_function_version(struct req *req, const char *v) {
    if (strcmp(v, "$LATEST") == 0 || (arn_is_version(v) && strlen(v) <= 1024)) return 0;
    struct vlist vl = {0};
    vl_add(&vl, v, "functionVersion",
           "Member must satisfy regular expression pattern: (\\$LATEST|[0-9]+)");
    return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
}

/* 404 unless version V ($LATEST or digits) of F exists. */
static int require_version(struct req *req, struct lfn *f, const char *v) {
    if (strcmp(v, "$LATEST") == 0) return 0;
    cJSON *c = lfn_version_config(req, f, v);
    if (c == NULL) return -1;
    cJSON_Delete(c);
    return 0;
}

/* Java's Double.toString for the weights AWS echoes: 0.5, 2.0, 1.0E-4. */
static void java_double(double d, char *buf, size_t n) {
    if (d == floor(d) && fabs(d) < 1e7) snprintf(buf, n, "%.1f", d);
    else snprintf(buf, n, "%g", d);
}

/* Validates RoutingConfig of an alias whose primary version is PRIMARY.
 * Returns 0 or -1 with the error recorded. */
static int check_routing(struct req *req, struct lfn *f, cJSON *routing, const char *primary) {
    cJSON *w = NULL;
    if (jget_obj(req, routing, "AdditionalVersionWeights", &w) < 0) return -1;
    if (w == NULL || w->child == NULL) return 0;
    int n = cJSON_GetArraySize(w);
    /* The map as Java prints it: {k=v, k2=v2}. */
    char map[512] = "{";
    for (cJSON *it = w->child; it; it = it->next) {
        char num[32] = "null";
        if (cJSON_IsNumber(it)) java_double(it->valuedouble, num, sizeof(num));
        size_t len = strlen(map);
        snprintf(map + len, sizeof(map) - len, "%s%s=%s", it == w->child ? "" : ", ", it->string, num);
    }
    strncat(map, "}", sizeof(map) - strlen(map) - 1);
    for (cJSON *it = w->child; it; it = it->next) {
        const char *k = it->string;
        if (!arn_is_version(k) || strlen(k) > 1024)
            return req_fail(req, &AWSERR_LAMBDA_VALIDATION,
                            "1 validation error detected: Value '%s' at "
                            "'routingConfig.additionalVersionWeights' failed to satisfy constraint: "
                            "Map keys must satisfy constraint: [Member must have length less than "
                            "or equal to 1024, Member must have length greater than or equal to 1, "
                            "Member must satisfy regular expression pattern: [0-9]+]",
                            map);
        if (!cJSON_IsNumber(it) || it->valuedouble < 0.0 || it->valuedouble > 1.0)
            return req_fail(req, &AWSERR_LAMBDA_VALIDATION,
                            "1 validation error detected: Value '%s' at "
                            "'routingConfig.additionalVersionWeights' failed to satisfy constraint: "
                            "Map value must satisfy constraint: [Member must have value less than "
                            "or equal to 1.0, Member must have value greater than or equal to 0.0, "
                            "Member must not be null]",
                            map);
    }
    if (n > 1)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Number of items in AdditionalVersionWeights cannot be greater than 1");
    if (strcmp(primary, "$LATEST") == 0)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "$LATEST is not supported for an alias pointing to more than 1 version");
    const char *extra = w->child->string;
    if (strcmp(extra, primary) == 0)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Invalid function version %s. Function version %s is already included in "
                        "routing configuration.",
                        extra, extra);
    return require_version(req, f, extra);
}

static cJSON *alias_out(cJSON *al) {
    cJSON *o = cJSON_Duplicate(al, 1);
    cJSON *rc = cJSON_GetObjectItemCaseSensitive(o, "RoutingConfig");
    cJSON *w = rc ? cJSON_GetObjectItemCaseSensitive(rc, "AdditionalVersionWeights") : NULL;
    if (rc && (w == NULL || w->child == NULL)) cJSON_DeleteItemFromObjectCaseSensitive(o, "RoutingConfig");
    return o;
}

static int save_alias(struct req *req, const char *fn, const char *alias, cJSON *al, int insert) {
    char *text = cJSON_PrintUnformatted(al);
    int rc = store_alias_put(lscope(req), fn, alias, text, insert);
    free(text);
    if (rc == STORE_OK) return 0;
    if (rc == STORE_CONFLICT) {
        char arn[512];
        alias_arn(req, fn, alias, arn, sizeof(arn));
        return req_fail(req, &AWSERR_RESOURCE_CONFLICT, "Alias already exists: %s", arn);
    }
    return lstore_fail(req, rc);
}

int lambda_create_alias(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *in = NULL, *al = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) != 0) goto out;
    const char *name = NULL, *version = NULL, *desc = NULL;
    cJSON *routing = NULL;
    if (jget_str(req, in, "Name", &name) < 0 || jget_str(req, in, "FunctionVersion", &version) < 0 ||
        jget_str(req, in, "Description", &desc) < 0 || jget_obj(req, in, "RoutingConfig", &routing) < 0)
        goto out;
    {
        struct vlist vl = {0};
        if (name == NULL) vl_add(&vl, NULL, "name", "Member must not be null");
        if (version == NULL) vl_add(&vl, NULL, "functionVersion", "Member must not be null");
        if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) goto out;
    }
    if (check_alias_name(req, name) || check_function_version(req, version)) goto out;
    if (desc && strlen(desc) > 256) {
        struct vlist vl = {0};
        vl_add(&vl, desc, "description", "Member must have length less than or equal to 256");
        vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
        goto out;
    }
    if (lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, 0, &f) != 0) goto out;
    if (require_version(req, &f, version) != 0) goto out;
    if (routing && check_routing(req, &f, routing, version) != 0) goto out;
    char arn[512], rev[37];
    alias_arn(req, f.ref.name, name, arn, sizeof(arn));
    lrevision(rev);
    al = cJSON_CreateObject();
    cJSON_AddStringToObject(al, "AliasArn", arn);
    cJSON_AddStringToObject(al, "Name", name);
    cJSON_AddStringToObject(al, "FunctionVersion", version);
    cJSON_AddStringToObject(al, "Description", desc ? desc : "");
    cJSON_AddStringToObject(al, "RevisionId", rev);
    if (routing) cJSON_AddItemToObject(al, "RoutingConfig", cJSON_Duplicate(routing, 1));
    if (save_alias(req, f.ref.name, name, al, 1) != 0) goto out;
    rc = req_reply_json(req, 201, alias_out(al));
out:
    cJSON_Delete(al);
    cJSON_Delete(in);
    lfn_free(&f);
    return rc;
}

/* Loads F and its alias named by the path; 404 when the alias does not
 * exist, worded for Get ("Cannot find alias arn") or Update ("Alias not
 * found"), as AWS words them. */
static int load_alias(struct req *req, struct op_in *a, struct lfn *f, cJSON **al,
                      int for_update) {
    *al = NULL;
    if (lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, 0, f) != 0) return -1;
    int failed = 0;
    *al = lfn_alias_config(req, f, a->sub, &failed);
    if (failed) return -1;
    if (*al == NULL) {
        char arn[512];
        alias_arn(req, f->ref.name, a->sub, arn, sizeof(arn));
        return req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, for_update ? "Alias not found: %s"
                                                                   : "Cannot find alias arn: %s",
                        arn);
    }
    return 0;
}

int lambda_get_alias(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *al = NULL;
    int rc = load_alias(req, a, &f, &al, 0);
    if (rc == 0) rc = req_reply_json(req, 200, alias_out(al));
    cJSON_Delete(al);
    lfn_free(&f);
    return rc;
}

/* A PC config on ALIAS moves with it: re-provisioning starts over. */
static int reprovision_alias(struct req *req, const char *fn, const char *alias) {
    struct store_pc pc;
    int rc = store_pc_get(lscope(req), fn, alias, &pc);
    if (rc == STORE_NOTFOUND) return 0;
    if (rc != STORE_OK) return lstore_fail(req, rc);
    pc.ready_ms = clock_now_ms() + sluice_cfg.pc_ready_delay_ms;
    lnow_string(pc.last_modified, sizeof(pc.last_modified));
    snprintf(pc.status, sizeof(pc.status), "IN_PROGRESS");
    pc.reason[0] = '\0';
    pc.allocated = 0;
    rc = store_pc_put(lscope(req), fn, &pc);
    invoke_provision_kick();
    return rc == STORE_OK ? 0 : lstore_fail(req, rc);
}

int lambda_update_alias(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *in = NULL, *al = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) != 0) goto out;
    const char *version = NULL, *desc = NULL, *revision = NULL;
    cJSON *routing = NULL;
    if (jget_str(req, in, "FunctionVersion", &version) < 0 || jget_str(req, in, "Description", &desc) < 0 ||
        jget_str(req, in, "RevisionId", &revision) < 0 ||
        jget_obj(req, in, "RoutingConfig", &routing) < 0)
        goto out;
    if (version && check_function_version(req, version)) goto out;
    if (desc && strlen(desc) > 256) {
        struct vlist vl = {0};
        vl_add(&vl, desc, "description", "Member must have length less than or equal to 256");
        vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
        goto out;
    }
    if (load_alias(req, a, &f, &al, 1) != 0) goto out;
    cJSON *cur_rev = cJSON_GetObjectItemCaseSensitive(al, "RevisionId");
    if (revision && !(cJSON_IsString(cur_rev) && strcmp(cur_rev->valuestring, revision) == 0)) {
        req_fail(req, &AWSERR_PRECONDITION_FAILED,
                 "The Revision Id provided does not match the latest Revision Id. Call the "
                 "GetFunction/GetAlias API to retrieve the latest Revision Id");
        goto out;
    }
    const char *old_version = cJSON_GetObjectItemCaseSensitive(al, "FunctionVersion")->valuestring;
    const char *primary = version ? version : old_version;
    if (version && require_version(req, &f, version) != 0) goto out;
    cJSON *eff_routing = routing ? routing : cJSON_GetObjectItemCaseSensitive(al, "RoutingConfig");
    if (eff_routing && check_routing(req, &f, eff_routing, primary) != 0) goto out;
    int moved = version && strcmp(version, old_version) != 0;
    if (moved && reprovision_alias(req, f.ref.name, a->sub) != 0) goto out;
    if (version) cJSON_ReplaceItemInObjectCaseSensitive(al, "FunctionVersion", cJSON_CreateString(version));
    if (desc) cJSON_ReplaceItemInObjectCaseSensitive(al, "Description", cJSON_CreateString(desc));
    if (routing) {
        cJSON_DeleteItemFromObjectCaseSensitive(al, "RoutingConfig");
        cJSON_AddItemToObject(al, "RoutingConfig", cJSON_Duplicate(routing, 1));
    }
    char rev[37];
    lrevision(rev);
    cJSON_ReplaceItemInObjectCaseSensitive(al, "RevisionId", cJSON_CreateString(rev));
    if (save_alias(req, f.ref.name, a->sub, al, 0) != 0) goto out;
    rc = req_reply_json(req, 200, alias_out(al));
out:
    cJSON_Delete(al);
    cJSON_Delete(in);
    lfn_free(&f);
    return rc;
}

int lambda_delete_alias(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, 0, &f) == 0) {
        /* Deleting a missing alias succeeds, as in AWS. Its PC config
         * and resource policy go with it. */
        int src = store_alias_delete(lscope(req), f.ref.name, a->sub);
        if (src == STORE_OK || src == STORE_NOTFOUND) src = store_pc_delete(lscope(req), f.ref.name, a->sub);
        if (src == STORE_OK || src == STORE_NOTFOUND)
            src = store_policy_delete(lscope(req), f.ref.name, a->sub);
        invoke_provision_kick();
        if (src == STORE_OK || src == STORE_NOTFOUND) rc = req_reply_raw(req, 204, NULL, "", 0);
        else lstore_fail(req, src);
    }
    lfn_free(&f);
    return rc;
}

struct alias_acc {
    cJSON *arr;
    const char *version;
    int count, limit, more;
    char last[130];
};

static int alias_row(void *ctx, const char *alias, const char *config) {
    struct alias_acc *acc = ctx;
    cJSON *c = cJSON_Parse(config);
    if (c == NULL) return 0;
    int rc = 0;
    if (acc->version) {
        cJSON *fv = cJSON_GetObjectItemCaseSensitive(c, "FunctionVersion");
        if (!cJSON_IsString(fv) || strcmp(fv->valuestring, acc->version) != 0) goto out;
    }
    if (acc->count == acc->limit) {
        acc->more = 1;
        rc = 1;
        goto out;
    }
    cJSON_AddItemToArray(acc->arr, alias_out(c));
    acc->count++;
    snprintf(acc->last, sizeof(acc->last), "%s", alias);
out:
    cJSON_Delete(c);
    return rc;
}

int lambda_list_aliases(struct req *req, struct op_in *a) {
    struct lfn f;
    struct alias_acc acc = {0};
    int rc = -1;
    if (lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, 0, &f) != 0 || lmax_items(req, &acc.limit) != 0)
        goto out;
    acc.version = req_query(req, "FunctionVersion");
    if (acc.version && check_function_version(req, acc.version)) goto out;
    acc.arr = cJSON_CreateArray();
    int src = store_alias_list(lscope(req), f.ref.name, req_query(req, "Marker"), 1000000,
                               alias_row, &acc);
    if (src != STORE_OK) {
        cJSON_Delete(acc.arr);
        lstore_fail(req, src);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "Aliases", acc.arr);
    if (acc.more) cJSON_AddStringToObject(o, "NextMarker", acc.last);
    rc = req_reply_json(req, 200, o);
out:
    lfn_free(&f);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Concurrency                                                          */
/* ------------------------------------------------------------------ */

/* The account's unreserved pool now: limit minus reserved minus PC of
 * functions without reserved [docs/aws-reference.md B6, inferred]. */
static int unreserved(struct req *req, int64_t *out) {
    int64_t reserved = 0, pc = 0;
    int rc = store_concurrency_totals(lscope(req), &reserved, &pc);
    if (rc != STORE_OK) return lstore_fail(req, rc);
    *out = sluice_cfg.account_concurrency - reserved - pc;
    return 0;
}

static int load_unqualified(struct req *req, struct op_in *a, struct lfn *f) {
    if (lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, LFN_NO_LOAD, f) != 0) return -1;
    if (f->qualifier[0])
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "This operation is permitted on Lambda functions only. Aliases and "
                        "versions do not support this operation. Please specify either a function "
                        "name or an unqualified function ARN.");
    return lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, LFN_NF_LATEST, f);
}

int lambda_put_concurrency(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *in = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) != 0) goto out;
    int64_t n = 0;
    int has = jget_int(req, in, "ReservedConcurrentExecutions", &n);
    if (has < 0) goto out;
    {
        struct vlist vl = {0};
        if (has == 0) vl_add(&vl, NULL, "reservedConcurrentExecutions", "Member must not be null");
        else if (n < 0)
            vl_add_num(&vl, (double)n, "reservedConcurrentExecutions",
                       "Member must have value greater than or equal to 0");
        if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) goto out;
    }
    if (load_unqualified(req, a, &f) != 0) goto out;
    int64_t pc_total = 0, u = 0;
    int src = store_pc_function_total(lscope(req), f.ref.name, &pc_total);
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    if (n < pc_total) {
        req_fail(req, &AWSERR_INVALID_PARAMETER,
                 " ReservedConcurrentExecutions  %lld should not be lower than function's total "
                 "provisioned concurrency [%lld].",
                 (long long)n, (long long)pc_total);
        goto out;
    }
    if (unreserved(req, &u) != 0) goto out;
    /* What this function takes from the pool now, and what it would take. */
    int64_t takes_now = f.row.has_reserved ? f.row.reserved : pc_total;
    if (u + takes_now - n < sluice_cfg.min_unreserved_concurrency) {
        req_fail(req, &AWSERR_INVALID_PARAMETER,
                 "Specified ReservedConcurrentExecutions for function decreases account's "
                 "UnreservedConcurrentExecution below its minimum value of [%d].",
                 sluice_cfg.min_unreserved_concurrency);
        goto out;
    }
    f.row.has_reserved = 1;
    f.row.reserved = (int)n;
    src = store_fn_put(lscope(req), f.ref.name, &f.row, 0);
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "ReservedConcurrentExecutions", (double)n);
    rc = req_reply_json(req, 200, o);
out:
    cJSON_Delete(in);
    lfn_free(&f);
    return rc;
}

int lambda_get_concurrency(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (load_unqualified(req, a, &f) == 0) {
        cJSON *o = cJSON_CreateObject();
        if (f.row.has_reserved) cJSON_AddNumberToObject(o, "ReservedConcurrentExecutions", f.row.reserved);
        rc = req_reply_json(req, 200, o);
    }
    lfn_free(&f);
    return rc;
}

int lambda_delete_concurrency(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (load_unqualified(req, a, &f) == 0) {
        f.row.has_reserved = 0;
        f.row.reserved = 0;
        int src = store_fn_put(lscope(req), f.ref.name, &f.row, 0);
        if (src == STORE_OK) rc = req_reply_raw(req, 204, NULL, "", 0);
        else lstore_fail(req, src);
    }
    lfn_free(&f);
    return rc;
}

/* Resolves the PC target: a published version or an alias. Stores the
 * version the qualifier runs in VERSION. PUT selects the messages of Put. */
static int pc_target(struct req *req, struct op_in *a, struct lfn *f, int put, char *version,
                     size_t nversion) {
    const char *q = req_query(req, "Qualifier");
    if (lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, 0, f) != 0) return -1;
    if (q == NULL && f->qualifier[0]) q = f->qualifier;
    if (q == NULL)
        return req_fail(req, &AWSERR_LAMBDA_VALIDATION,
                        "1 validation error detected: Value null at 'qualifier' failed to satisfy "
                        "constraint: Member must not be null");
    if (f->qualifier[0] && strcmp(f->qualifier, q) != 0)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "The derived qualifier from the function name does not match the "
                        "specified qualifier.");
    snprintf(f->qualifier, sizeof(f->qualifier), "%s", q);
    if (strcmp(q, "$LATEST") == 0)
        return req_fail(req, &AWSERR_INVALID_PARAMETER, "%s",
                        put ? "Provisioned Concurrency Configs cannot be applied to unpublished "
                              "function versions."
                            : "The function resource provided must be an alias or a published "
                              "version.");
    if (arn_is_version(q)) {
        if (require_version(req, f, q) != 0) return -1;
        snprintf(version, nversion, "%.128s", q);
        return 0;
    }
    int failed = 0;
    cJSON *al = lfn_alias_config(req, f, q, &failed);
    if (failed) return -1;
    if (al == NULL) {
        char arn[512];
        alias_arn(req, f->ref.name, q, arn, sizeof(arn));
        return req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "Cannot find alias arn: %s", arn);
    }
    snprintf(version, nversion, "%s",
             cJSON_GetObjectItemCaseSensitive(al, "FunctionVersion")->valuestring);
    cJSON_Delete(al);
    /* An alias on $LATEST cannot carry PC; AWS's exact message here is
     * not recorded, the Put message is the plausible one [docs/aws-reference.md I.1]. */
    if (put && strcmp(version, "$LATEST") == 0)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Provisioned Concurrency Configs cannot be applied to unpublished "
                        "function versions.");
    return 0;
}

static cJSON *pc_out(struct req *req, const char *fn, const struct store_pc *pc, int with_arn) {
    /* The provisioner's verdict: READY once the environments are up. */
    int ready = strcmp(pc->status, "READY") == 0;
    cJSON *o = cJSON_CreateObject();
    if (with_arn) {
        char arn[512];
        lfn_arn(req, fn, pc->qualifier, arn, sizeof(arn));
        cJSON_AddStringToObject(o, "FunctionArn", arn);
    }
    cJSON_AddNumberToObject(o, "RequestedProvisionedConcurrentExecutions", pc->requested);
    cJSON_AddNumberToObject(o, "AvailableProvisionedConcurrentExecutions", ready ? pc->requested : 0);
    cJSON_AddNumberToObject(o, "AllocatedProvisionedConcurrentExecutions", ready ? pc->requested : 0);
    cJSON_AddStringToObject(o, "Status", pc->status[0] ? pc->status : "IN_PROGRESS");
    if (strcmp(pc->status, "FAILED") == 0) cJSON_AddStringToObject(o, "StatusReason", pc->reason);
    cJSON_AddStringToObject(o, "LastModified", pc->last_modified);
    return o;
}

/* 409 when the new config on F's qualifier would put two configs on one
 * version: an alias onto a version with its own config, or a version that
 * a PC alias points at. */
static int pc_conflicts(struct req *req, struct lfn *f, const char *version) {
    struct store_pc list[64];
    int n = 0;
    int rc = store_pc_list(lscope(req), f->ref.name, list, 64, &n);
    if (rc != STORE_OK) return lstore_fail(req, rc);
    int alias = !arn_is_version(f->qualifier);
    for (int i = 0; i < n; i++) {
        const char *q = list[i].qualifier;
        if (strcmp(q, f->qualifier) == 0) continue;
        if (alias && arn_is_version(q) && strcmp(q, version) == 0)
            return req_fail(req, &AWSERR_RESOURCE_CONFLICT,
                            "Alias can't be used for Provisioned Concurrency configuration on an "
                            "already Provisioned version");
        if (!arn_is_version(q)) {
            int failed = 0;
            cJSON *al = lfn_alias_config(req, f, q, &failed);
            if (failed) return -1;
            const char *v = al ? cJSON_GetObjectItemCaseSensitive(al, "FunctionVersion")->valuestring : "";
            int same = strcmp(v, version) == 0;
            cJSON_Delete(al);
            if (same)
                return req_fail(req, &AWSERR_RESOURCE_CONFLICT,
                                alias ? "Alias can't be used for Provisioned Concurrency "
                                        "configuration on an already Provisioned version"
                                      : "Version is pointed by a Provisioned Concurrency alias");
        }
    }
    return 0;
}

int lambda_put_pc(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *in = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) != 0) goto out;
    int64_t n = 0;
    int has = jget_int(req, in, "ProvisionedConcurrentExecutions", &n);
    if (has < 0) goto out;
    {
        struct vlist vl = {0};
        if (has == 0) vl_add(&vl, NULL, "provisionedConcurrentExecutions", "Member must not be null");
        else if (n < 1)
            vl_add_num(&vl, (double)n, "provisionedConcurrentExecutions",
                       "Member must have value greater than or equal to 1");
        if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) goto out;
    }
    char version[ARN_MAX_QUALIFIER + 1];
    if (pc_target(req, a, &f, 1, version, sizeof(version)) != 0) goto out;
    if (pc_conflicts(req, &f, version) != 0) goto out;
    struct store_pc old;
    int src = store_pc_get(lscope(req), f.ref.name, f.qualifier, &old);
    int64_t old_n = src == STORE_OK ? old.requested : 0;
    if (src != STORE_OK && src != STORE_NOTFOUND) {
        lstore_fail(req, src);
        goto out;
    }
    int64_t total = 0;
    if ((src = store_pc_function_total(lscope(req), f.ref.name, &total)) != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    int64_t new_total = total - old_n + n;
    if (f.row.has_reserved) {
        if (new_total > f.row.reserved) {
            req_fail(req, &AWSERR_INVALID_PARAMETER,
                     "Requested Provisioned Concurrency should not be greater than the "
                     "reservedConcurrentExecution for function");
            goto out;
        }
    } else {
        int64_t u = 0;
        if (unreserved(req, &u) != 0) goto out;
        u += old_n; /* this qualifier's current config is being replaced */
        if (n > u) {
            req_fail(req, &AWSERR_INVALID_PARAMETER,
                     "Specified ConcurrentExecutions for function is greater than account's "
                     "unreserved concurrency [%lld].",
                     (long long)u);
            goto out;
        }
        if (u - n < sluice_cfg.min_unreserved_concurrency) {
            req_fail(req, &AWSERR_INVALID_PARAMETER,
                     "Specified ConcurrentExecutions for function decreases account's "
                     "UnreservedConcurrentExecution below its minimum value of [%d].",
                     sluice_cfg.min_unreserved_concurrency);
            goto out;
        }
    }
    struct store_pc pc;
    memset(&pc, 0, sizeof(pc));
    snprintf(pc.qualifier, sizeof(pc.qualifier), "%.128s", f.qualifier);
    pc.requested = (int)n;
    pc.ready_ms = clock_now_ms() + sluice_cfg.pc_ready_delay_ms;
    lnow_string(pc.last_modified, sizeof(pc.last_modified));
    snprintf(pc.status, sizeof(pc.status), "IN_PROGRESS");
    if ((src = store_pc_put(lscope(req), f.ref.name, &pc)) != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    invoke_provision_kick();
    cJSON *o = pc_out(req, f.ref.name, &pc, 0);
    /* The Put answer is always IN_PROGRESS with nothing allocated yet. */
    cJSON_ReplaceItemInObjectCaseSensitive(o, "Status", cJSON_CreateString("IN_PROGRESS"));
    cJSON_ReplaceItemInObjectCaseSensitive(o, "AvailableProvisionedConcurrentExecutions", cJSON_CreateNumber(0));
    cJSON_ReplaceItemInObjectCaseSensitive(o, "AllocatedProvisionedConcurrentExecutions", cJSON_CreateNumber(0));
    rc = req_reply_json(req, 202, o);
out:
    cJSON_Delete(in);
    lfn_free(&f);
    return rc;
}

static int list_pc(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    int limit;
    struct store_pc *list = NULL;
    if (lfn_load(req, a->fn, ARN_SHAPE_FUNCTION, 0, &f) != 0 || lmax_items(req, &limit) != 0) goto out;
    list = xcalloc(LAMBDA_MAX_PC_CONFIGS, sizeof(*list));
    int n = 0;
    int src = store_pc_list(lscope(req), f.ref.name, list, LAMBDA_MAX_PC_CONFIGS, &n);
    if (src == STORE_OK) {
        const char *marker = req_query(req, "Marker");
        cJSON *arr = cJSON_CreateArray();
        int count = 0;
        const char *last = NULL;
        int more = 0;
        for (int i = 0; i < n; i++) {
            if (marker && *marker && strcmp(list[i].qualifier, marker) <= 0) continue;
            if (count == limit) {
                more = 1;
                break;
            }
            cJSON_AddItemToArray(arr, pc_out(req, f.ref.name, &list[i], 1));
            last = list[i].qualifier;
            count++;
        }
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "ProvisionedConcurrencyConfigs", arr);
        if (more && last) cJSON_AddStringToObject(o, "NextMarker", last);
        rc = req_reply_json(req, 200, o);
    } else {
        lstore_fail(req, src);
    }
out:
    free(list);
    lfn_free(&f);
    return rc;
}

int lambda_get_pc(struct req *req, struct op_in *a) {
    const char *list = req_query(req, "List");
    if (list && strcmp(list, "ALL") == 0) return list_pc(req, a);
    struct lfn f;
    char version[ARN_MAX_QUALIFIER + 1];
    int rc = -1;
    if (pc_target(req, a, &f, 0, version, sizeof(version)) == 0) {
        struct store_pc pc;
        int src = store_pc_get(lscope(req), f.ref.name, f.qualifier, &pc);
        if (src == STORE_OK) rc = req_reply_json(req, 200, pc_out(req, f.ref.name, &pc, 0));
        else if (src == STORE_NOTFOUND)
            req_fail(req, &AWSERR_PC_NOT_FOUND, "No Provisioned Concurrency Config found for this function");
        else lstore_fail(req, src);
    }
    lfn_free(&f);
    return rc;
}

int lambda_delete_pc(struct req *req, struct op_in *a) {
    struct lfn f;
    char version[ARN_MAX_QUALIFIER + 1];
    int rc = -1;
    if (pc_target(req, a, &f, 0, version, sizeof(version)) == 0) {
        int src = store_pc_delete(lscope(req), f.ref.name, f.qualifier);
        invoke_provision_kick();
        if (src == STORE_OK || src == STORE_NOTFOUND) rc = req_reply_raw(req, 204, NULL, "", 0);
        else lstore_fail(req, src);
    }
    lfn_free(&f);
    return rc;
}

int lambda_account_settings(struct req *req, struct op_in *a) {
    (void)a;
    int64_t u = 0, count = 0, size = 0;
    if (unreserved(req, &u) != 0) return -1;
    int src = store_fn_usage(lscope(req), &count, &size);
    if (src != STORE_OK) return lstore_fail(req, src);
    cJSON *o = cJSON_CreateObject();
    cJSON *lim = cJSON_AddObjectToObject(o, "AccountLimit");
    cJSON_AddNumberToObject(lim, "TotalCodeSize", 80530636800.0);
    cJSON_AddNumberToObject(lim, "CodeSizeUnzipped", 262144000);
    cJSON_AddNumberToObject(lim, "CodeSizeZipped", 52428800);
    cJSON_AddNumberToObject(lim, "ConcurrentExecutions", sluice_cfg.account_concurrency);
    cJSON_AddNumberToObject(lim, "UnreservedConcurrentExecutions", (double)u);
    cJSON *use = cJSON_AddObjectToObject(o, "AccountUsage");
    cJSON_AddNumberToObject(use, "TotalCodeSize", (double)size);
    cJSON_AddNumberToObject(use, "FunctionCount", (double)count);
    return req_reply_json(req, 200, o);
}

/* ------------------------------------------------------------------ */
/* Resource policies                                                    */
/* ------------------------------------------------------------------ */

/* Resolves ?Qualifier for a policy call: "" for the function, a version
 * or an alias that must exist. */
static int policy_target(struct req *req, struct op_in *a, struct lfn *f, int nf_policy) {
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, LFN_QUERY_QUALIFIER | LFN_NO_LOAD, f) != 0)
        return -1;
    int rc = store_fn_get(lscope(req), f->ref.name, &f->row);
    if (rc == STORE_NOTFOUND) {
        if (nf_policy) {
            char arn[512];
            lfn_arn(req, f->ref.name, f->qualifier, arn, sizeof(arn));
            return req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "No policy found for: %s", arn);
        }
        return lfn_not_found(req, f->ref.name, f->qualifier[0] ? f->qualifier : NULL);
    }
    if (rc != STORE_OK) return lstore_fail(req, rc);
    f->latest = cJSON_Parse(f->row.config);
    const char *q = f->qualifier;
    if (q[0] == '\0' || strcmp(q, "$LATEST") == 0) return 0;
    if (arn_is_version(q)) return require_version(req, f, q);
    int failed = 0;
    cJSON *al = lfn_alias_config(req, f, q, &failed);
    if (failed) return -1;
    if (al == NULL) {
        char arn[512];
        alias_arn(req, f->ref.name, q, arn, sizeof(arn));
        return req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "Cannot find alias arn: %s", arn);
    }
    cJSON_Delete(al);
    return 0;
}

static cJSON *principal_of(const char *p) {
    size_t n = strlen(p);
    if (strcmp(p, "*") == 0) return cJSON_CreateString("*");
    if (n == 12 && strspn(p, "0123456789") == 12) {
        char arn[64];
        snprintf(arn, sizeof(arn), "arn:aws:iam::%s:root", p);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "AWS", arn);
        return o;
    }
    if (strncmp(p, "arn:aws:iam::", 13) == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "AWS", p);
        return o;
    }
    const char *dot = strchr(p, '.');
    if (dot && dot != p && strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n &&
        p[n - 1] != '.') {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Service", p);
        return o;
    }
    return NULL;
}

int lambda_add_permission(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *in = NULL, *stmts = NULL, *st = NULL, *prin = NULL;
    char *old_stmts = NULL, *old_rev = NULL;
    int rc = -1;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) != 0) goto out;
    const char *sid = NULL, *action = NULL, *principal = NULL, *source_arn = NULL,
               *source_account = NULL, *revision = NULL, *org = NULL, *token = NULL,
               *url_auth = NULL;
    if (jget_str(req, in, "StatementId", &sid) < 0 || jget_str(req, in, "Action", &action) < 0 ||
        jget_str(req, in, "Principal", &principal) < 0 || jget_str(req, in, "SourceArn", &source_arn) < 0 ||
        jget_str(req, in, "SourceAccount", &source_account) < 0 ||
        jget_str(req, in, "RevisionId", &revision) < 0 || jget_str(req, in, "PrincipalOrgID", &org) < 0 ||
        jget_str(req, in, "EventSourceToken", &token) < 0 ||
        jget_str(req, in, "FunctionUrlAuthType", &url_auth) < 0)
        goto out;
    {
        struct vlist vl = {0};
        if (sid == NULL) vl_add(&vl, NULL, "statementId", "Member must not be null");
        else {
            size_t n = strlen(sid);
            if (n > 100) vl_add(&vl, sid, "statementId", "Member must have length less than or equal to 100");
            if (n == 0 || strspn(sid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != n)
                vl_add(&vl, sid, "statementId",
                       "Member must satisfy regular expression pattern: ([a-zA-Z0-9-_]+)");
        }
        if (action == NULL) vl_add(&vl, NULL, "action", "Member must not be null");
        else {
            int ok = strcmp(action, "*") == 0 || strcmp(action, "lambda:*") == 0;
            if (!ok && strncmp(action, "lambda:", 7) == 0) {
                size_t n = strlen(action + 7);
                ok = n > 0 && strspn(action + 7, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
            }
            if (!ok)
                vl_add(&vl, action, "action",
                       "Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])");
        }
        if (principal == NULL) vl_add(&vl, NULL, "principal", "Member must not be null");
        if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) goto out;
    }
    if (policy_target(req, a, &f, 0) != 0) goto out;
    if (strcmp(f.qualifier, "$LATEST") == 0) {
        req_fail(req, &AWSERR_INVALID_PARAMETER, "We currently do not support adding policies for $LATEST.");
        goto out;
    }
    prin = principal_of(principal);
    if (prin == NULL) {
        req_fail(req, &AWSERR_INVALID_PARAMETER,
                 "The provided principal was invalid. Please check the principal and try again.");
        goto out;
    }
    int src = store_policy_get(lscope(req), f.ref.name, f.qualifier, &old_stmts, &old_rev);
    if (src != STORE_OK && src != STORE_NOTFOUND) {
        lstore_fail(req, src);
        goto out;
    }
    if (revision && !(old_rev && strcmp(old_rev, revision) == 0)) {
        req_fail(req, &AWSERR_PRECONDITION_FAILED,
                 "The Revision Id provided does not match the latest Revision Id. Call the "
                 "GetPolicy API to retrieve the latest Revision Id");
        goto out;
    }
    stmts = old_stmts ? cJSON_Parse(old_stmts) : cJSON_CreateArray();
    if (stmts == NULL) stmts = cJSON_CreateArray();
    for (cJSON *it = stmts->child; it; it = it->next) {
        cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "Sid");
        if (cJSON_IsString(s) && strcmp(s->valuestring, sid) == 0) {
            req_fail(req, &AWSERR_RESOURCE_CONFLICT,
                     "The statement id (%s) provided already exists. Please provide a new "
                     "statement id, or remove the existing statement.",
                     sid);
            goto out;
        }
    }
    char arn[512];
    lfn_arn(req, f.ref.name, f.qualifier, arn, sizeof(arn));
    st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "Sid", sid);
    cJSON_AddStringToObject(st, "Effect", "Allow");
    cJSON_AddItemToObject(st, "Principal", prin);
    prin = NULL;
    cJSON_AddStringToObject(st, "Action", action);
    cJSON_AddStringToObject(st, "Resource", arn);
    if (source_arn || source_account || org || token || url_auth) {
        cJSON *cond = cJSON_AddObjectToObject(st, "Condition");
        if (source_account || org || token || url_auth) {
            cJSON *eq = cJSON_AddObjectToObject(cond, "StringEquals");
            if (source_account) cJSON_AddStringToObject(eq, "AWS:SourceAccount", source_account);
            if (org) cJSON_AddStringToObject(eq, "aws:PrincipalOrgID", org);
            if (token) cJSON_AddStringToObject(eq, "lambda:EventSourceToken", token);
            if (url_auth) cJSON_AddStringToObject(eq, "lambda:FunctionUrlAuthType", url_auth);
        }
        if (source_arn) {
            cJSON *like = cJSON_AddObjectToObject(cond, "ArnLike");
            cJSON_AddStringToObject(like, "AWS:SourceArn", source_arn);
        }
    }
    cJSON_AddItemToArray(stmts, cJSON_Duplicate(st, 1));
    char rev[37];
    lrevision(rev);
    char *text = cJSON_PrintUnformatted(stmts);
    src = store_policy_put(lscope(req), f.ref.name, f.qualifier, text, rev);
    free(text);
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    char *stext = cJSON_PrintUnformatted(st);
    cJSON_AddStringToObject(o, "Statement", stext);
    free(stext);
    rc = req_reply_json(req, 201, o);
out:
    cJSON_Delete(prin);
    cJSON_Delete(st);
    cJSON_Delete(stmts);
    cJSON_Delete(in);
    free(old_stmts);
    free(old_rev);
    lfn_free(&f);
    return rc;
}

int lambda_get_policy(struct req *req, struct op_in *a) {
    struct lfn f;
    char *stmts = NULL, *rev = NULL;
    cJSON *arr = NULL;
    int rc = -1;
    if (policy_target(req, a, &f, 0) != 0) goto out;
    int src = store_policy_get(lscope(req), f.ref.name, f.qualifier, &stmts, &rev);
    arr = stmts ? cJSON_Parse(stmts) : NULL;
    if (src == STORE_NOTFOUND || (arr && arr->child == NULL)) {
        req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "The resource you requested does not exist.");
        goto out;
    }
    if (src != STORE_OK || arr == NULL) {
        lstore_fail(req, src);
        goto out;
    }
    cJSON *pol = cJSON_CreateObject();
    cJSON_AddStringToObject(pol, "Version", "2012-10-17");
    cJSON_AddStringToObject(pol, "Id", "default");
    cJSON_AddItemToObject(pol, "Statement", arr);
    arr = NULL;
    char *ptext = cJSON_PrintUnformatted(pol);
    cJSON_Delete(pol);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Policy", ptext);
    cJSON_AddStringToObject(o, "RevisionId", rev);
    free(ptext);
    rc = req_reply_json(req, 200, o);
out:
    cJSON_Delete(arr);
    free(stmts);
    free(rev);
    lfn_free(&f);
    return rc;
}

int lambda_remove_permission(struct req *req, struct op_in *a) {
    struct lfn f;
    char *stmts = NULL, *rev = NULL;
    cJSON *arr = NULL;
    int rc = -1;
    if (policy_target(req, a, &f, 1) != 0) goto out;
    int src = store_policy_get(lscope(req), f.ref.name, f.qualifier, &stmts, &rev);
    if (src == STORE_NOTFOUND) {
        req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "No policy is associated with the given resource.");
        goto out;
    }
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    const char *revision = req_query(req, "RevisionId");
    if (revision && strcmp(revision, rev) != 0) {
        req_fail(req, &AWSERR_PRECONDITION_FAILED,
                 "The Revision Id provided does not match the latest Revision Id. Call the "
                 "GetPolicy API to retrieve the latest Revision Id");
        goto out;
    }
    arr = cJSON_Parse(stmts);
    int idx = 0, found = -1;
    for (cJSON *it = arr ? arr->child : NULL; it; it = it->next, idx++) {
        cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "Sid");
        if (cJSON_IsString(s) && strcmp(s->valuestring, a->sub) == 0) found = idx;
    }
    if (found < 0) {
        req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "Statement %s is not found in resource policy.", a->sub);
        goto out;
    }
    cJSON_DeleteItemFromArray(arr, found);
    if (arr->child == NULL) {
        src = store_policy_delete(lscope(req), f.ref.name, f.qualifier);
    } else {
        char nrev[37];
        lrevision(nrev);
        char *text = cJSON_PrintUnformatted(arr);
        src = store_policy_put(lscope(req), f.ref.name, f.qualifier, text, nrev);
        free(text);
    }
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    rc = req_reply_raw(req, 204, NULL, "", 0);
out:
    cJSON_Delete(arr);
    free(stmts);
    free(rev);
    lfn_free(&f);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Tags                                                                 */
/* ------------------------------------------------------------------ */

static const char TAGGABLE_PATTERN[] =
    "arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:"
    "(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|code-signing-config:csc-[a-z0-9]{17}|"
    "event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|"
    "capacity-provider:[a-zA-Z0-9-_]+)";

/* Longest tag key and value AWS accepts on a Lambda resource. */
#define LAMBDA_TAG_KEY_MAX 128
#define LAMBDA_TAG_VALUE_MAX 256
/* AWS's per-resource tag limit. */
#define LAMBDA_MAX_TAGS 50

/* What a tag call names: a function (F loaded; UUID "") or an event
 * source mapping (UUID set; F empty). */
struct tag_target {
    struct lfn f;
    char uuid[ARN_UUID_LEN + 1];
};

static void tag_target_free(struct tag_target *t) { lfn_free(&t->f); }

/* Resolves the {Resource} label of a tag call: a function ARN (not a
 * version or alias) or an event source mapping ARN of the caller's scope.
 * Sets *TAGS to the resource's current tags (owned by the caller).
 * Returns 0 or -1 with the AWS error recorded. */
static int tag_target(struct req *req, struct op_in *a, struct tag_target *t, cJSON **tags) {
    memset(t, 0, sizeof(*t));
    *tags = NULL;
    const char *z = a->fn;
    char region[32], account[13];
    if (arn_parse_esm(z, region, account, t->uuid) == 0) {
        char *text = NULL;
        int rc = STORE_NOTFOUND;
        if (strcmp(region, req->region) == 0 && strcmp(account, req->account) == 0)
            rc = store_esm_tags_get(lscope(req), t->uuid, &text);
        /* [?] AWS's message for a tag call on a mapping that does not
         * exist is not recorded; this is GetEventSourceMapping's. */
        if (rc == STORE_NOTFOUND)
            return req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "The resource you requested does not exist.");
        if (rc != STORE_OK) return lstore_fail(req, rc);
        *tags = cJSON_Parse(text ? text : "{}");
        free(text);
        if (*tags == NULL) *tags = cJSON_CreateObject();
        return 0;
    }
    /* A mapping ARN that does not parse (an empty account, a bad UUID):
     * the text AWS answered in terraform-provider-aws issue 39849
     * (https://github.com/hashicorp/terraform-provider-aws/issues/39849). */
    if (strstr(z, ":event-source-mapping:") != NULL)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Unsupported resource type for tagging or invalid arn: %.300s", z);
    struct fn_ref ref;
    int rc = arn_parse_function(z, ARN_SHAPE_FUNCTION, &ref);
    if (strncmp(z, "arn:", 4) != 0 || rc != ARN_OK || ref.region[0] == '\0' ||
        ref.account[0] == '\0' || strstr(z, ":function:") == NULL) {
        struct vlist vl = {0};
        char c[1024];
        snprintf(c, sizeof(c), "Member must satisfy regular expression pattern: %s", TAGGABLE_PATTERN);
        vl_add(&vl, z, "resource", c);
        return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
    }
    if (ref.qualifier[0])
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Tags on function aliases and versions are not supported. Please specify "
                        "a function ARN.");
    if (lfn_load(req, z, ARN_SHAPE_FUNCTION, 0, &t->f) != 0) return -1;
    *tags = cJSON_Parse(t->f.row.tags ? t->f.row.tags : "{}");
    if (*tags == NULL) *tags = cJSON_CreateObject();
    return 0;
}

/* Stores TAGS as T's tags. */
static int save_tags(struct req *req, struct tag_target *t, cJSON *tags) {
    char *text = cJSON_PrintUnformatted(tags);
    int rc;
    if (t->uuid[0]) {
        rc = store_esm_tags_set(t->uuid, text);
        free(text);
    } else {
        free(t->f.row.tags);
        t->f.row.tags = text;
        rc = store_fn_put(lscope(req), t->f.ref.name, &t->f.row, 0);
    }
    return rc == STORE_OK ? 0 : lstore_fail(req, rc);
}

int ltags_merge(struct req *req, cJSON *into, const cJSON *add) {
    for (const cJSON *t = add->child; t; t = t->next) {
        if (!cJSON_IsString(t))
            return req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                            "Could not parse request body into json: tag values must be strings");
        if (strlen(t->string) == 0 || strlen(t->string) > LAMBDA_TAG_KEY_MAX ||
            strlen(t->valuestring) > LAMBDA_TAG_VALUE_MAX)
            return req_fail(req, &AWSERR_INVALID_PARAMETER,
                            "Tag keys must be 1 to 128 characters and values at most 256: %.128s", t->string);
        cJSON_DeleteItemFromObjectCaseSensitive(into, t->string);
        cJSON_AddStringToObject(into, t->string, t->valuestring);
    }
    if (cJSON_GetArraySize(into) > LAMBDA_MAX_TAGS)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Number of tags exceeds resource tag limit: a resource can have at most %d tags.",
                        LAMBDA_MAX_TAGS);
    return 0;
}

int lambda_tag_resource(struct req *req, struct op_in *a) {
    struct tag_target t;
    cJSON *in = NULL, *tags = NULL;
    int rc = -1;
    memset(&t, 0, sizeof(t));
    if (json_body(req, &in) != 0) goto out;
    if (tag_target(req, a, &t, &tags) != 0) goto out;
    cJSON *add = NULL;
    if (jget_obj(req, in, "Tags", &add) < 0) goto out;
    if (add == NULL) {
        req_fail(req, &AWSERR_LAMBDA_VALIDATION,
                 "1 validation error detected: Value null at 'tags' failed to satisfy "
                 "constraint: Member must not be null");
        goto out;
    }
    if (ltags_merge(req, tags, add) != 0 || save_tags(req, &t, tags) != 0) goto out;
    rc = req_reply_raw(req, 204, NULL, "", 0);
out:
    cJSON_Delete(tags);
    cJSON_Delete(in);
    tag_target_free(&t);
    return rc;
}

int lambda_untag_resource(struct req *req, struct op_in *a) {
    struct tag_target t;
    cJSON *tags = NULL;
    int rc = -1;
    if (tag_target(req, a, &t, &tags) != 0) goto out;
    int nkeys = 0;
    for (int i = 0; i < req->nquery; i++) {
        if (strcmp(req->query[i].name, "tagKeys") != 0) continue;
        cJSON_DeleteItemFromObjectCaseSensitive(tags, req->query[i].value);
        nkeys++;
    }
    if (nkeys == 0) {
        req_fail(req, &AWSERR_LAMBDA_VALIDATION,
                 "1 validation error detected: Value null at 'tagKeys' failed to satisfy "
                 "constraint: Member must not be null");
        goto out;
    }
    if (save_tags(req, &t, tags) != 0) goto out;
    rc = req_reply_raw(req, 204, NULL, "", 0);
out:
    cJSON_Delete(tags);
    tag_target_free(&t);
    return rc;
}

int lambda_list_tags(struct req *req, struct op_in *a) {
    struct tag_target t;
    cJSON *tags = NULL;
    int rc = -1;
    if (tag_target(req, a, &t, &tags) == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "Tags", tags);
        tags = NULL;
        rc = req_reply_json(req, 200, o);
    }
    cJSON_Delete(tags);
    tag_target_free(&t);
    return rc;
}
