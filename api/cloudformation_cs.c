/*
 * CloudFormation change sets (api/cloudformation.c has the stacks):
 * CreateChangeSet (CREATE, which makes a new stack REVIEW_IN_PROGRESS, and
 * UPDATE), DescribeChangeSet, ExecuteChangeSet, DeleteChangeSet and
 * ListChangeSets; and the Changes a change set shows, computed at once from
 * the stack's resources and the submitted template (engine/cfn/cfn_diff.h),
 * so a change set is CREATE_COMPLETE (or FAILED, with no changes) as soon
 * as CreateChangeSet returns. Execution queues the same operation as
 * CreateStack or UpdateStack, with the spec the change set resolved
 * (docs/cloudformation-reference.md, sections 2.1 and 4.1).
 */
#include "api/aws_error.h"
#include "api/cfn_int.h"
#include "api/cfn_type.h"
#include "api/op.h"
#include "api/request.h"
#include "base/clock.h"
#include "base/util.h"
#include "engine/cfn/cfn_diff.h"
#include "engine/cfn/cfn_eval.h"
#include "engine/cfn/cfn_graph.h"
#include "storage/store.h"
#include "storage/store_cfn.h"

#include <cjson/cJSON.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

const struct aws_error AWSERR_CFN_CS_NOT_FOUND = {"ChangeSetNotFound", 404, NULL, AWSERR_MSG_LOWER, 0};
const struct aws_error AWSERR_CFN_CS_STATUS = {"InvalidChangeSetStatus", 400, NULL, AWSERR_MSG_LOWER, 0};

#define NO_CHANGES                                                                                                  \
    "The submitted information didn't contain changes. Submit different information to create a change set."

/* ---- the Changes ---- */

struct chg {
    cJSON *res;     /* logical id -> {Type, PhysicalId, Props, Attrs} of the stack */
    cJSON *pending; /* logical id -> true: added or replaced (values unknown) */
    struct cfn_ctx ctx;
    struct store_scope scope;
};

static cJSON *chg_import(void *ud, const char *name, char **err) {
    struct chg *c = ud;
    char *value = NULL;
    if (store_cfn_export_get(c->scope, name, &value, NULL) != STORE_OK) {
        *err = xasprintf("No export named %s found.", name);
        return NULL;
    }
    cJSON *v = cJSON_CreateString(value);
    free(value);
    return v;
}

static cJSON *chg_ref(void *ud, const char *id, char **err) {
    struct chg *c = ud;
    const char *p = cfn_jstr(cJSON_GetObjectItemCaseSensitive(c->res, id), "PhysicalId");
    (void)err;
    if (p == NULL || cJSON_GetObjectItemCaseSensitive(c->pending, id)) {
        char *m = cfn_diff_pending(id);
        cJSON *v = cJSON_CreateString(m);
        free(m);
        return v;
    }
    return cJSON_CreateString(p);
}

static cJSON *chg_get_att(void *ud, const char *id, const char *attr, char **err) {
    struct chg *c = ud;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(cJSON_GetObjectItemCaseSensitive(c->res, id), "Attrs"), attr);
    if (v && !cJSON_GetObjectItemCaseSensitive(c->pending, id)) return cJSON_Duplicate(v, 1);
    return chg_ref(ud, id, err);
}

static int chg_load(void *ctx, const struct store_cfn_res *r) {
    if (r->physical_id == NULL || strncmp(r->status, "DELETE_", 7) == 0) return 0;
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "Type", r->type);
    cJSON_AddStringToObject(e, "PhysicalId", r->physical_id);
    cJSON_AddItemToObject(e, "Props", r->props ? cJSON_Parse(r->props) : cJSON_CreateObject());
    cJSON_AddItemToObject(e, "Attrs", r->attrs ? cJSON_Parse(r->attrs) : cJSON_CreateObject());
    cJSON_AddItemToObject(ctx, r->logical_id, e);
    return 0;
}

/* The first parameter V refers to (Ref, or a ${name} of Fn::Sub), else NULL. */
static const char *param_ref(const cJSON *v, const cJSON *params) {
    if (v == NULL) return NULL;
    if (cJSON_IsObject(v) && v->child && !v->child->next && strcmp(v->child->string, "Ref") == 0 &&
        cJSON_IsString(v->child) && cJSON_GetObjectItemCaseSensitive(params, v->child->valuestring))
        return v->child->valuestring;
    for (const cJSON *c = v->child; c; c = c->next) {
        const char *p = param_ref(c, params);
        if (p) return p;
    }
    return NULL;
}

/* Details[] of a Modify from DIFF (RAW_OLD/RAW_NEW: the template's
 * Properties, TMPL: the new template). */
static cJSON *details(const struct cfn_diff *diff, const cJSON *raw_old, const cJSON *raw_new, const cJSON *tmpl) {
    cJSON *list = cJSON_CreateArray();
    for (size_t i = 0; i < diff->n; i++) {
        const struct cfn_prop_change *c = &diff->c[i];
        const cJSON *ro = cJSON_GetObjectItemCaseSensitive(raw_old, c->name);
        const cJSON *rn = cJSON_GetObjectItemCaseSensitive(raw_new, c->name);
        int direct = (ro == NULL) != (rn == NULL) || (ro && !cJSON_Compare(ro, rn, 1)) || raw_old == NULL;
        const char *param = direct ? NULL : param_ref(rn, cJSON_GetObjectItem(tmpl, "Parameters"));
        cJSON *d = cJSON_CreateObject(), *t = cJSON_AddObjectToObject(d, "Target");
        cJSON_AddStringToObject(t, "Attribute", "Properties");
        cJSON_AddStringToObject(t, "Name", c->name);
        cJSON_AddStringToObject(t, "RequiresRecreation", cfn_recreate_name(c->recreate));
        cJSON_AddStringToObject(d, "Evaluation", c->dynamic ? "Dynamic" : "Static");
        cJSON_AddStringToObject(d, "ChangeSource", c->dynamic  ? "ResourceReference"
                                                   : direct   ? "DirectModification"
                                                   : param    ? "ParameterReference"
                                                              : "ResourceReference");
        if (c->dynamic && c->causing) cJSON_AddStringToObject(d, "CausingEntity", c->causing);
        else if (param) cJSON_AddStringToObject(d, "CausingEntity", param);
        cJSON_AddItemToArray(list, d);
    }
    return list;
}

static cJSON *change(const char *action, const char *id, const char *phys, const char *type) {
    cJSON *c = cJSON_CreateObject(), *rc;
    cJSON_AddStringToObject(c, "Type", "Resource");
    rc = cJSON_AddObjectToObject(c, "ResourceChange");
    cJSON_AddStringToObject(rc, "Action", action);
    cJSON_AddStringToObject(rc, "LogicalResourceId", id);
    if (phys) cJSON_AddStringToObject(rc, "PhysicalResourceId", phys);
    cJSON_AddStringToObject(rc, "ResourceType", type);
    cJSON_AddItemToObject(rc, "Scope", cJSON_CreateArray());
    cJSON_AddItemToObject(rc, "Details", cJSON_CreateArray());
    return c;
}

/* The change of existing resource ID (entry E) to DECL, or NULL. */
static cJSON *modify(struct chg *c, const char *id, const cJSON *e, const cJSON *decl, const cJSON *old_decl,
                     const cJSON *tmpl) {
    const char *type = cfn_jstr(decl, "Type");
    const struct cfn_type *t = cfn_type_find(type);
    cJSON *props = NULL, *out = NULL;
    char *err = NULL;
    const cJSON *raw = cJSON_GetObjectItem(decl, "Properties");
    if (raw && cfn_eval(&c->ctx, raw, &props, &err) != 0) {
        free(err);
        props = cJSON_Duplicate(raw, 1); /* compare what the template says */
    }
    struct cfn_diff diff;
    cfn_diff_props(cJSON_GetObjectItem(e, "Props"), props, t ? t->create_only : NULL, &diff);
    int same_type = strcmp(type, cfn_jstr(e, "Type")) == 0;
    if (diff.n > 0 || !same_type) {
        enum cfn_replace r = same_type ? diff.replace : CFN_REPLACE_TRUE;
        if (t && t->update == NULL && diff.n > 0) r = CFN_REPLACE_TRUE;
        out = change("Modify", id, cfn_jstr(e, "PhysicalId"), type);
        cJSON *rc = cJSON_GetObjectItem(out, "ResourceChange");
        cJSON_AddStringToObject(rc, "Replacement", cfn_replace_name(r));
        cJSON_AddItemToArray(cJSON_GetObjectItem(rc, "Scope"), cJSON_CreateString("Properties"));
        cJSON_ReplaceItemInObject(rc, "Details",
                                  details(&diff, old_decl ? cJSON_GetObjectItem(old_decl, "Properties") : NULL, raw, tmpl));
        if (r != CFN_REPLACE_FALSE) cJSON_AddTrueToObject(c->pending, id);
    }
    cfn_diff_clear(&diff);
    cJSON_Delete(props);
    return out;
}

cJSON *cfn_changes(const char *account, const char *region, const char *stack_id, const char *stack_name,
                   const cJSON *cur_doc, const cJSON *spec, char **err) {
    struct chg c = {cJSON_CreateObject(), cJSON_CreateObject(), {0}, {account, region}};
    struct cfn_graph *g = NULL;
    cJSON *list = NULL, *old_tmpl = NULL, *tmpl = cfn_spec_template(spec, err);
    if (tmpl == NULL || cfn_graph_build(tmpl, &g, err) != 0) goto out;
    if (cur_doc && cfn_jstr(cur_doc, "TemplateBody")) {
        char *e2 = NULL;
        old_tmpl = cfn_spec_template(cur_doc, &e2);
        free(e2);
    }
    if (stack_id) store_cfn_res_list(stack_id, chg_load, c.res);
    c.ctx.tmpl = tmpl;
    c.ctx.params = cJSON_GetObjectItem(spec, "Values");
    c.ctx.account_id = account;
    c.ctx.region = region;
    c.ctx.stack_name = stack_name;
    c.ctx.stack_id = stack_id ? stack_id : "";
    c.ctx.hooks = (struct cfn_eval_hooks){chg_ref, chg_get_att, chg_import, NULL, &c};
    list = cJSON_CreateArray();
    cJSON *keep = cJSON_CreateObject();
    for (size_t k = 0; k < g->n; k++) {
        const char *id = g->ids[g->order[k]];
        const cJSON *decl = cJSON_GetObjectItem(cJSON_GetObjectItem(tmpl, "Resources"), id);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(c.res, id);
        int on = 1;
        char *e3 = NULL;
        if (cfn_eval_enabled(&c.ctx, decl, &on, &e3) != 0) free(e3);
        if (!on) continue;
        cJSON_AddTrueToObject(keep, id);
        cJSON *ch = NULL;
        if (e == NULL) {
            ch = change("Add", id, NULL, cfn_jstr(decl, "Type"));
            cJSON_AddTrueToObject(c.pending, id);
        } else {
            ch = modify(&c, id, e, decl, cJSON_GetObjectItem(cJSON_GetObjectItem(old_tmpl, "Resources"), id), tmpl);
        }
        if (ch) cJSON_AddItemToArray(list, ch);
    }
    const cJSON *e;
    cJSON_ArrayForEach(e, c.res) {
        if (cJSON_GetObjectItemCaseSensitive(keep, e->string)) continue;
        cJSON *ch = change("Remove", e->string, cfn_jstr(e, "PhysicalId"), cfn_jstr(e, "Type"));
        const cJSON *od = cJSON_GetObjectItem(cJSON_GetObjectItem(old_tmpl, "Resources"), e->string);
        const char *pol = cfn_jstr(od, "DeletionPolicy");
        cJSON_AddStringToObject(cJSON_GetObjectItem(ch, "ResourceChange"), "PolicyAction",
                                pol && strcmp(pol, "Delete") != 0 ? "Retain" : "Delete");
        cJSON_AddItemToArray(list, ch);
    }
    cJSON_Delete(keep);
out:
    cfn_ctx_clear(&c.ctx);
    cfn_graph_free(g);
    cJSON_Delete(tmpl);
    cJSON_Delete(old_tmpl);
    cJSON_Delete(c.res);
    cJSON_Delete(c.pending);
    return list;
}

/* ---- the operations ---- */

int cfn_cs_in_scope(struct req *req, const char *id) {
    char *prefix = xasprintf("arn:aws:cloudformation:%s:%s:changeSet/", req->region, req->account);
    int in = strncmp(id, prefix, strlen(prefix)) == 0;
    free(prefix);
    return in;
}

static int check_cs_name(struct req *req, const char *name) {
    regex_t re;
    int ok = 0;
    if (name == NULL)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "1 validation error detected: Value null at 'changeSetName' failed to satisfy constraint: "
                        "Member must not be null");
    if (regcomp(&re, "^[a-zA-Z][-a-zA-Z0-9]*$", REG_EXTENDED | REG_NOSUB) == 0) {
        ok = regexec(&re, name, 0, NULL, 0) == 0 && strlen(name) <= 128;
        regfree(&re);
    }
    if (!ok)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "1 validation error detected: Value '%.200s' at 'changeSetName' failed to satisfy "
                        "constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*",
                        name);
    return 0;
}

/* The stack a new change set of TYPE targets: *ST (id NULL when a CREATE
 * change set makes it). Returns 0, or -1 with the error recorded. */
static int cs_stack(struct req *req, const char *ref, const char *type, const char *cs_name,
                    struct store_cfn_stack *st) {
    struct store_scope s = {req->account, req->region};
    int rc = store_cfn_stack_get(s, ref, st);
    if (rc != STORE_OK && rc != STORE_NOTFOUND) {
        cfn_store_failed(req);
        return -1;
    }
    int found = rc == STORE_OK && st->deleted_ms == 0;
    if (strcmp(type, "CREATE") == 0) {
        if (found && strcmp(st->status, "REVIEW_IN_PROGRESS") != 0)
            return req_fail(req, &AWSERR_QUERY_VALIDATION,
                            "Stack [%s] already exists and cannot be created again with the changeSet [%s].", ref,
                            cs_name);
        if (!found) store_cfn_stack_clear(st);
        return cfn_check_stack_name(req, ref);
    }
    if (strcmp(type, "UPDATE") != 0)
        return req_fail(req, &AWSERR_QUERY_VALIDATION, "ChangeSetType %s is not supported by sluice.", type);
    if (!found) return req_fail(req, &AWSERR_QUERY_VALIDATION, "Stack [%s] does not exist", ref);
    if (!cfn_status_updatable(st->status))
        return req_fail(req, &AWSERR_QUERY_VALIDATION, "Stack:%s is in %s state and can not be updated.", st->id,
                        st->status);
    return 0;
}

/* Stores change set CS (and, when NEW_STACK, the stack ST in
 * REVIEW_IN_PROGRESS) in one transaction. */
static int cs_store(struct req *req, struct store_cfn_stack *st, struct store_cfn_cs *cs, int new_stack) {
    struct store_cfn_cs old;
    if (store_begin(1) != STORE_OK) {
        cfn_store_failed(req);
        return -1;
    }
    int rc = STORE_OK;
    if (new_stack) {
        rc = store_cfn_stack_insert(st);
        if (rc == STORE_OK) rc = cfn_stack_event(st->id, st->name, "REVIEW_IN_PROGRESS", "User Initiated");
    }
    if (rc == STORE_OK && store_cfn_cs_get(NULL, cs->stack_id, cs->name, &old) == STORE_OK) {
        /* An executed change set's name may be used again. */
        int executed = strcmp(old.exec_status, "EXECUTE_COMPLETE") == 0;
        if (executed) rc = store_cfn_cs_delete(old.id);
        store_cfn_cs_clear(&old);
        if (!executed) {
            store_rollback();
            return req_fail(req, &AWSERR_CFN_ALREADY_EXISTS, "ChangeSet [%s] already exists", cs->name);
        }
    }
    if (rc == STORE_OK) rc = store_cfn_cs_put(cs);
    if (rc == STORE_OK) rc = store_commit();
    if (rc != STORE_OK) {
        store_rollback();
        if (rc == STORE_CONFLICT) return req_fail(req, &AWSERR_CFN_ALREADY_EXISTS, "Stack [%s] already exists", st->name);
        cfn_store_failed(req);
        return -1;
    }
    return 0;
}

/* The change set's doc: its spec, type, description and Changes. */
static cJSON *cs_doc(struct req *req, struct op_in *in, struct store_cfn_stack *st, cJSON *cur, cJSON *spec,
                     const char *type, int *no_change, char **err) {
    cJSON *changes = cfn_changes(req->account, req->region, st->id, st->name ? st->name : cfn_param(in, "StackName"),
                                 cur, spec, err);
    if (changes == NULL) return NULL;
    *no_change = strcmp(type, "UPDATE") == 0 && cJSON_GetArraySize(changes) == 0 && cfn_spec_same(cur, spec);
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "Type", type);
    const char *desc = cfn_param(in, "Description");
    if (desc) cJSON_AddStringToObject(doc, "Description", desc);
    const char *osf = cfn_param(in, "OnStackFailure");
    if (osf) cJSON_AddStringToObject(doc, "OnStackFailure", osf);
    cJSON_AddItemToObject(doc, "Changes", changes);
    cJSON_AddItemToObject(doc, "Spec", spec);
    return doc;
}

int cfn_create_change_set(struct req *req, struct op_in *in) {
    const char *ref = cfn_param(in, "StackName"), *name = cfn_param(in, "ChangeSetName");
    const char *type = cfn_param(in, "ChangeSetType") ? cfn_param(in, "ChangeSetType") : "UPDATE";
    struct store_cfn_stack st = {0};
    struct store_cfn_cs cs = {0};
    cJSON *cur = NULL, *spec = NULL, *doc = NULL;
    char *err = NULL, u[37];
    int rc = -1, no_change = 0, new_stack = 0;
    if (ref == NULL) return cfn_stack_or_fail(req, ref, &st, 0);
    if (check_cs_name(req, name) != 0 || cs_stack(req, ref, type, name, &st) != 0) goto out;
    cur = st.doc ? cJSON_Parse(st.doc) : NULL;
    if (cfn_spec_build(req, in->json, strcmp(type, "UPDATE") == 0 ? cur : NULL, &spec) != 0) goto out;
    if ((doc = cs_doc(req, in, &st, cur, spec, type, &no_change, &err)) == NULL) {
        cJSON_Delete(spec);
        req_fail(req, &AWSERR_QUERY_VALIDATION, "%s", err ? err : "Template error");
        goto out;
    }
    if (st.id == NULL) {
        /* A CREATE change set makes the stack, REVIEW_IN_PROGRESS. */
        cJSON *sdoc = cJSON_CreateObject();
        st = (struct store_cfn_stack){cfn_stack_arn(req, ref), xstrdup(req->account), xstrdup(req->region),
                                      xstrdup(ref), xstrdup("REVIEW_IN_PROGRESS"), xstrdup("User Initiated"),
                                      clock_now_ms(), 0, 0, cJSON_PrintUnformatted(sdoc)};
        cJSON_Delete(sdoc);
        new_stack = 1;
    }
    util_uuid(u);
    cs = (struct store_cfn_cs){xasprintf("arn:aws:cloudformation:%s:%s:changeSet/%s/%s", req->region, req->account,
                                         name, u),
                               xstrdup(st.id), xstrdup(name), xstrdup(no_change ? "FAILED" : "CREATE_COMPLETE"),
                               no_change ? xstrdup(NO_CHANGES) : NULL, xstrdup(no_change ? "UNAVAILABLE" : "AVAILABLE"),
                               clock_now_ms(), cJSON_PrintUnformatted(doc)};
    if (cs_store(req, &st, &cs, new_stack) != 0) goto out;
    in->out = cJSON_CreateObject();
    cJSON_AddStringToObject(in->out, "Id", cs.id);
    cJSON_AddStringToObject(in->out, "StackId", st.id);
    rc = 0;
out:
    store_cfn_stack_clear(&st);
    store_cfn_cs_clear(&cs);
    cJSON_Delete(cur);
    cJSON_Delete(doc);
    free(err);
    return rc;
}

/* The change set IN names (ChangeSetName: an ARN, or a name with
 * StackName) into *CS, and its stack into *ST. Returns 0, 1 when there is
 * none (nothing recorded), or -1 with the error recorded. */
static int find_cs(struct req *req, struct op_in *in, struct store_cfn_cs *cs, struct store_cfn_stack *st) {
    struct store_scope s = {req->account, req->region};
    const char *name = cfn_param(in, "ChangeSetName"), *ref = cfn_param(in, "StackName");
    int rc;
    memset(st, 0, sizeof(*st));
    if (name == NULL) return check_cs_name(req, name);
    if (strncmp(name, "arn:", 4) == 0) {
        rc = cfn_cs_in_scope(req, name) ? store_cfn_cs_get(name, NULL, NULL, cs) : STORE_NOTFOUND;
    } else {
        if (ref == NULL)
            return req_fail(req, &AWSERR_QUERY_VALIDATION,
                            "StackName must be specified if ChangeSetName is not specified as an ARN.");
        rc = store_cfn_stack_get(s, ref, st);
        if (rc == STORE_OK) rc = store_cfn_cs_get(NULL, st->id, name, cs);
    }
    if (rc == STORE_OK && st->id == NULL) rc = store_cfn_stack_get(s, cs->stack_id, st);
    if (rc == STORE_NOTFOUND) {
        store_cfn_stack_clear(st);
        return 1;
    }
    if (rc != STORE_OK) {
        cfn_store_failed(req);
        return -1;
    }
    return 0;
}

int cfn_describe_change_set(struct req *req, struct op_in *in) {
    struct store_cfn_cs cs = {0};
    struct store_cfn_stack st;
    int rc = find_cs(req, in, &cs, &st);
    if (rc == 1) return req_fail(req, &AWSERR_CFN_CS_NOT_FOUND, "ChangeSet [%s] does not exist", cfn_param(in, "ChangeSetName"));
    if (rc != 0) return -1;
    cJSON *doc = cJSON_Parse(cs.doc), *spec = cJSON_GetObjectItem(doc, "Spec"), *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ChangeSetName", cs.name);
    cJSON_AddStringToObject(o, "ChangeSetId", cs.id);
    cJSON_AddStringToObject(o, "StackId", st.id);
    cJSON_AddStringToObject(o, "StackName", st.name);
    if (cfn_jstr(doc, "Description")) cJSON_AddStringToObject(o, "Description", cfn_jstr(doc, "Description"));
    cJSON_AddItemToObject(o, "Parameters", cJSON_DetachItemFromObject(spec, "Parameters"));
    cJSON_AddNumberToObject(o, "CreationTime", (double)cs.created_ms / 1000.0);
    cJSON_AddStringToObject(o, "ExecutionStatus", cs.exec_status);
    cJSON_AddStringToObject(o, "Status", cs.status);
    if (cs.reason) cJSON_AddStringToObject(o, "StatusReason", cs.reason);
    cJSON_AddItemToObject(o, "NotificationARNs", cJSON_DetachItemFromObject(spec, "NotificationARNs"));
    cJSON_AddItemToObject(o, "RollbackConfiguration", cJSON_CreateObject());
    cJSON_AddItemToObject(o, "Capabilities", cJSON_DetachItemFromObject(spec, "Capabilities"));
    cJSON_AddItemToObject(o, "Tags", cJSON_DetachItemFromObject(spec, "Tags"));
    cJSON_AddItemToObject(o, "Changes", cJSON_DetachItemFromObject(doc, "Changes"));
    cJSON_AddBoolToObject(o, "IncludeNestedStacks", 0);
    in->out = o;
    cJSON_Delete(doc);
    store_cfn_cs_clear(&cs);
    store_cfn_stack_clear(&st);
    return 0;
}

/* Executes a CREATE change set: the REVIEW_IN_PROGRESS stack ST takes its
 * spec and is created. In a transaction of its own. */
static int execute_create(struct req *req, struct op_in *in, struct store_cfn_stack *st, cJSON *doc, const char *cs_id) {
    cJSON *spec = cJSON_DetachItemFromObject(doc, "Spec");
    const char *osf = cfn_jstr(doc, "OnStackFailure"), *dr = cfn_param(in, "DisableRollback");
    cJSON_AddStringToObject(spec, "OnFailure", osf ? osf : "ROLLBACK");
    if (dr) cJSON_ReplaceItemInObject(spec, "DisableRollback", cJSON_CreateBool(strcmp(dr, "true") == 0));
    cJSON_AddFalseToObject(spec, "EnableTerminationProtection");
    cJSON_AddStringToObject(spec, "ChangeSetId", cs_id);
    free(st->doc);
    free(st->status);
    free(st->reason);
    st->doc = cJSON_PrintUnformatted(spec);
    st->status = xstrdup("CREATE_IN_PROGRESS");
    st->reason = xstrdup("User Initiated");
    cJSON_Delete(spec);
    if (store_begin(1) != STORE_OK) goto fail;
    if (store_cfn_stack_update(st) != STORE_OK ||
        cfn_stack_event(st->id, st->name, "CREATE_IN_PROGRESS", "User Initiated") != STORE_OK ||
        cfn_deploy_queue(st->id, "CREATE", NULL) != STORE_OK || store_commit() != STORE_OK) {
        store_rollback();
        goto fail;
    }
    cfn_deploy_kick();
    return 0;
fail:
    cfn_store_failed(req);
    return -1;
}

/* Marks change set CS executed and deletes the stack's others (AWS
 * CloudFormation API Reference, ExecuteChangeSet: "CloudFormation deletes
 * all other change sets associated with the stack"). */
static void mark_executed(struct store_cfn_cs *cs) {
    if (store_begin(1) != STORE_OK) return;
    free(cs->exec_status);
    cs->exec_status = xstrdup("EXECUTE_COMPLETE");
    if (store_cfn_cs_put(cs) == STORE_OK && store_cfn_cs_drop_others(cs->stack_id, cs->id) == STORE_OK) store_commit();
    else store_rollback();
}

int cfn_execute_change_set(struct req *req, struct op_in *in) {
    struct store_cfn_cs cs = {0};
    struct store_cfn_stack st;
    int rc = find_cs(req, in, &cs, &st);
    if (rc == 1) return req_fail(req, &AWSERR_CFN_CS_NOT_FOUND, "ChangeSet [%s] does not exist", cfn_param(in, "ChangeSetName"));
    if (rc != 0) return -1;
    cJSON *doc = cJSON_Parse(cs.doc);
    rc = -1;
    if (strcmp(cs.status, "CREATE_COMPLETE") != 0 || strcmp(cs.exec_status, "AVAILABLE") != 0) {
        req_fail(req, &AWSERR_CFN_CS_STATUS, "ChangeSet [%s] cannot be executed in its current status of [%s]", cs.id,
                 strcmp(cs.status, "CREATE_COMPLETE") != 0 ? cs.status : cs.exec_status);
        goto out;
    }
    if (strcmp(cfn_jstr(doc, "Type"), "CREATE") == 0) {
        if (strcmp(st.status, "REVIEW_IN_PROGRESS") != 0) {
            req_fail(req, &AWSERR_CFN_CS_STATUS, "ChangeSet [%s] cannot be executed in its current status of [%s]",
                     cs.id, "OBSOLETE");
            goto out;
        }
        rc = execute_create(req, in, &st, doc, cs.id);
    } else {
        cJSON *spec = cJSON_DetachItemFromObject(doc, "Spec");
        const char *dr = cfn_param(in, "DisableRollback");
        if (dr) cJSON_ReplaceItemInObject(spec, "DisableRollback", cJSON_CreateBool(strcmp(dr, "true") == 0));
        rc = cfn_start_update(req, st.id, spec);
    }
    if (rc == 0) mark_executed(&cs);
out:
    cJSON_Delete(doc);
    store_cfn_cs_clear(&cs);
    store_cfn_stack_clear(&st);
    return rc;
}

int cfn_delete_change_set(struct req *req, struct op_in *in) {
    struct store_cfn_cs cs = {0};
    struct store_cfn_stack st;
    int rc = find_cs(req, in, &cs, &st);
    /* docs/cloudformation-reference.md, section 4.1, row 12a: the CDK CLI
     * deletes its change set before making it again and expects success
     * even when there is none. */
    if (rc == 1) return 0;
    if (rc != 0) return -1;
    if (strcmp(cs.exec_status, "EXECUTE_IN_PROGRESS") == 0) {
        rc = req_fail(req, &AWSERR_CFN_CS_STATUS, "ChangeSet [%s] cannot be deleted in its current status of [%s]",
                      cs.id, cs.exec_status);
    } else if (store_cfn_cs_delete(cs.id) != STORE_OK) {
        cfn_store_failed(req);
        rc = -1;
    }
    store_cfn_cs_clear(&cs);
    store_cfn_stack_clear(&st);
    return rc;
}

struct cs_list {
    cJSON *list;
    const struct store_cfn_stack *st;
};

static int cs_row(void *ctx, const struct store_cfn_cs *cs) {
    struct cs_list *l = ctx;
    cJSON *doc = cJSON_Parse(cs->doc), *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "StackId", l->st->id);
    cJSON_AddStringToObject(o, "StackName", l->st->name);
    cJSON_AddStringToObject(o, "ChangeSetId", cs->id);
    cJSON_AddStringToObject(o, "ChangeSetName", cs->name);
    cJSON_AddStringToObject(o, "ExecutionStatus", cs->exec_status);
    cJSON_AddStringToObject(o, "Status", cs->status);
    if (cs->reason) cJSON_AddStringToObject(o, "StatusReason", cs->reason);
    cJSON_AddNumberToObject(o, "CreationTime", (double)cs->created_ms / 1000.0);
    if (cfn_jstr(doc, "Description")) cJSON_AddStringToObject(o, "Description", cfn_jstr(doc, "Description"));
    cJSON_AddBoolToObject(o, "IncludeNestedStacks", 0);
    cJSON_AddItemToArray(l->list, o);
    cJSON_Delete(doc);
    return 0;
}

int cfn_list_change_sets(struct req *req, struct op_in *in) {
    struct store_cfn_stack st;
    if (cfn_stack_or_fail(req, cfn_param(in, "StackName"), &st, 0) != 0) return -1;
    struct cs_list l = {cJSON_CreateArray(), &st};
    int rc = store_cfn_cs_list(st.id, cs_row, &l);
    in->out = cJSON_CreateObject();
    cJSON_AddItemToObject(in->out, "Summaries", l.list);
    store_cfn_stack_clear(&st);
    if (rc != STORE_OK) cfn_store_failed(req);
    return rc == STORE_OK ? 0 : -1;
}
