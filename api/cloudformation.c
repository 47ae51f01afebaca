/*
 * AWS CloudFormation (query protocol, Version 2010-05-15, signing name
 * "cloudformation"): stacks, their resources, events, templates and
 * exports. Wire shapes: botocore's cloudformation/2010-05-15/service-2.json;
 * behaviour: docs/cloudformation-reference.md (shared docs, section 2).
 *
 * Handlers check and record; the work is the deployer's (api/cfn_deploy.c):
 * an accepted CreateStack, UpdateStack or DeleteStack writes the stack's new
 * status, its "User Initiated" event and a queued operation in one
 * transaction, and wakes the deployer. CreateStack, UpdateStack and
 * ValidateTemplate run outside the runner's transaction (a TemplateURL is
 * read through S3's own GetObject) and open their own. Change sets are in
 * api/cloudformation_cs.c.
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/cfn_int.h"
#include "api/op.h"
#include "api/query.h"
#include "api/request.h"
#include "base/clock.h"
#include "base/util.h"
#include "engine/cfn/cfn_graph.h"
#include "engine/cfn/cfn_template.h"
#include "storage/store.h"
#include "storage/store_cfn.h"

#include <cjson/cJSON.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

const struct aws_error AWSERR_CFN_ALREADY_EXISTS = {"AlreadyExistsException", 400, NULL, AWSERR_MSG_LOWER, 0};

/* Change sets (api/cloudformation_cs.c). */
const char *cfn_param(struct op_in *in, const char *key) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(in->json, key);
    return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

const char *cfn_jstr(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double secs(int64_t ms) { return (double)ms / 1000.0; }

void cfn_store_failed(struct req *req) {
    req_fail(req, &AWSERR_QUERY_INTERNAL, "The service cannot complete the request.");
}

/* StackName's constraint (botocore: StackName pattern, 128 characters). */
int cfn_check_stack_name(struct req *req, const char *name) {
    regex_t re;
    int ok = 0;
    if (name == NULL)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: "
                        "Member must not be null");
    if (regcomp(&re, "^[a-zA-Z][-a-zA-Z0-9]*$", REG_EXTENDED | REG_NOSUB) == 0) {
        ok = regexec(&re, name, 0, NULL, 0) == 0 && strlen(name) <= 128;
        regfree(&re);
    }
    if (!ok)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "1 validation error detected: Value '%.200s' at 'stackName' failed to satisfy constraint: "
                        "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*", name);
    return 0;
}

int cfn_stack_or_fail(struct req *req, const char *ref, struct store_cfn_stack *st, int bracketed) {
    struct store_scope s = {req->account, req->region};
    if (ref == NULL)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: "
                        "Member must not be null");
    int rc = store_cfn_stack_get(s, ref, st);
    if (rc == STORE_NOTFOUND && bracketed) return req_fail(req, &AWSERR_QUERY_VALIDATION, "Stack [%s] does not exist", ref);
    if (rc == STORE_NOTFOUND) return req_fail(req, &AWSERR_QUERY_VALIDATION, "Stack with id %s does not exist", ref);
    if (rc != STORE_OK) {
        cfn_store_failed(req);
        return -1;
    }
    return 0;
}

#define NO_STACK "Stack with id %s does not exist"

/* A new stack's ARN. Heap. */
char *cfn_stack_arn(struct req *req, const char *name) {
    char u[37];
    util_uuid(u);
    return xasprintf("arn:aws:cloudformation:%s:%s:stack/%s/%s", req->region, req->account, name, u);
}

/* ---- CreateStack, UpdateStack, DeleteStack ---- */

static int create_stack(struct req *req, struct op_in *in) {
    const char *name = cfn_param(in, "StackName"), *on_failure = cfn_param(in, "OnFailure");
    cJSON *spec = NULL;
    char *id = NULL;
    int rc = -1;
    struct store_cfn_stack st = {0};
    if (cfn_check_stack_name(req, name) != 0 || cfn_spec_build(req, in->json, NULL, &spec) != 0) goto out;
    if (on_failure && cJSON_IsTrue(cJSON_GetObjectItem(spec, "DisableRollback"))) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "You cannot specify both DisableRollback and OnFailure.");
        goto out;
    }
    cJSON_AddStringToObject(spec, "OnFailure", on_failure ? on_failure : "ROLLBACK");
    const char *tp = cfn_param(in, "EnableTerminationProtection");
    cJSON_AddBoolToObject(spec, "EnableTerminationProtection", tp && strcmp(tp, "true") == 0);
    id = cfn_stack_arn(req, name);
    int64_t now = clock_now_ms();
    st = (struct store_cfn_stack){id, req->account, req->region, (char *)name, "CREATE_IN_PROGRESS", "User Initiated",
                                  now, 0, 0, cJSON_PrintUnformatted(spec)};
    if (store_begin(1) != STORE_OK) {
        cfn_store_failed(req);
        goto out;
    }
    int src = store_cfn_stack_insert(&st);
    if (src == STORE_CONFLICT) {
        store_rollback();
        req_fail(req, &AWSERR_CFN_ALREADY_EXISTS, "Stack [%s] already exists", name);
        goto out;
    }
    if (src != STORE_OK || cfn_stack_event(id, name, "CREATE_IN_PROGRESS", "User Initiated") != STORE_OK ||
        cfn_deploy_queue(id, "CREATE", NULL) != STORE_OK || store_commit() != STORE_OK) {
        store_rollback();
        cfn_store_failed(req);
        goto out;
    }
    cfn_deploy_kick();
    in->out = cJSON_CreateObject();
    cJSON_AddStringToObject(in->out, "StackId", id);
    rc = 0;
out:
    free(st.doc);
    free(id);
    cJSON_Delete(spec);
    return rc;
}

/* 1 when SPEC changes nothing of the stack whose doc is DOC. */
int cfn_spec_same(const cJSON *doc, const cJSON *spec) {
    static const char *const members[] = {"TemplateBody", "Values", "Raw", "Tags", NULL};
    for (const char *const *m = members; *m; m++) {
        const cJSON *a = cJSON_GetObjectItem(doc, *m), *b = cJSON_GetObjectItem(spec, *m);
        if ((a == NULL) != (b == NULL) || (a && !cJSON_Compare(a, b, 1))) return 0;
    }
    return 1;
}

/* The statuses a stack can be updated from. */
int cfn_status_updatable(const char *s) {
    return strcmp(s, "CREATE_COMPLETE") == 0 || strcmp(s, "UPDATE_COMPLETE") == 0 ||
           strcmp(s, "UPDATE_ROLLBACK_COMPLETE") == 0 || strcmp(s, "IMPORT_COMPLETE") == 0 ||
           strcmp(s, "IMPORT_ROLLBACK_COMPLETE") == 0;
}

/* Starts the update of stack ST (re-read in the transaction) to SPEC (taken). */
int cfn_start_update(struct req *req, const char *stack_id, cJSON *spec) {
    struct store_scope s = {req->account, req->region};
    struct store_cfn_stack st;
    int rc = -1;
    if (store_begin(1) != STORE_OK) {
        cfn_store_failed(req);
        cJSON_Delete(spec);
        return -1;
    }
    if (store_cfn_stack_get(s, stack_id, &st) != STORE_OK) {
        store_rollback();
        cfn_store_failed(req);
        cJSON_Delete(spec);
        return -1;
    }
    if (!cfn_status_updatable(st.status)) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "Stack:%s is in %s state and can not be updated.", st.id, st.status);
        cJSON_Delete(spec);
        goto out;
    }
    cJSON *doc = cJSON_Parse(st.doc);
    cJSON_AddItemToObject(doc, "Pending", spec);
    free(st.doc);
    st.doc = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    free(st.status);
    free(st.reason);
    st.status = xstrdup("UPDATE_IN_PROGRESS");
    st.reason = xstrdup("User Initiated");
    st.updated_ms = clock_now_ms();
    if (store_cfn_stack_update(&st) != STORE_OK ||
        cfn_stack_event(st.id, st.name, "UPDATE_IN_PROGRESS", "User Initiated") != STORE_OK ||
        cfn_deploy_queue(st.id, "UPDATE", NULL) != STORE_OK || store_commit() != STORE_OK) {
        cfn_store_failed(req);
        goto out;
    }
    rc = 0;
out:
    if (rc != 0) store_rollback();
    else cfn_deploy_kick();
    store_cfn_stack_clear(&st);
    return rc;
}

static int update_stack(struct req *req, struct op_in *in) {
    struct store_cfn_stack st = {0};
    cJSON *doc = NULL, *spec = NULL;
    int rc = -1;
    if (cfn_stack_or_fail(req, cfn_param(in, "StackName"), &st, 0) != 0) goto out;
    if (st.deleted_ms) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, NO_STACK, cfn_param(in, "StackName"));
        goto out;
    }
    if (!cfn_status_updatable(st.status)) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "Stack:%s is in %s state and can not be updated.", st.id, st.status);
        goto out;
    }
    doc = cJSON_Parse(st.doc);
    if (cfn_spec_build(req, in->json, doc, &spec) != 0) goto out;
    const char *dr = cfn_param(in, "DisableRollback");
    if (dr == NULL) cJSON_ReplaceItemInObject(spec, "DisableRollback", cJSON_CreateFalse());
    if (cfn_spec_same(doc, spec)) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "No updates are to be performed.");
        goto out;
    }
    rc = cfn_start_update(req, st.id, spec);
    spec = NULL;
    if (rc == 0) {
        in->out = cJSON_CreateObject();
        cJSON_AddStringToObject(in->out, "StackId", st.id);
    }
out:
    cJSON_Delete(spec);
    cJSON_Delete(doc);
    store_cfn_stack_clear(&st);
    return rc;
}

static int delete_stack(struct req *req, struct op_in *in) {
    struct store_cfn_stack st = {0};
    struct store_scope s = {req->account, req->region};
    const char *ref = cfn_param(in, "StackName");
    int rc = 0;
    if (ref == NULL) return cfn_stack_or_fail(req, ref, &st, 0);
    int src = store_cfn_stack_get(s, ref, &st);
    if (src == STORE_NOTFOUND) return 0; /* AWS answers a delete of no stack with success */
    if (src != STORE_OK) {
        cfn_store_failed(req);
        return -1;
    }
    cJSON *doc = cJSON_Parse(st.doc);
    if (st.deleted_ms || strcmp(st.status, "DELETE_IN_PROGRESS") == 0) goto out;
    if (cJSON_IsTrue(cJSON_GetObjectItem(doc, "EnableTerminationProtection"))) {
        rc = req_fail(req, &AWSERR_QUERY_VALIDATION,
                      "Stack [%s] cannot be deleted while TerminationProtection is enabled", st.name);
        goto out;
    }
    if (!cfn_status_busy(st.status)) {
        free(st.status);
        free(st.reason);
        st.status = xstrdup("DELETE_IN_PROGRESS");
        st.reason = xstrdup("User Initiated");
        if (store_cfn_stack_update(&st) != STORE_OK ||
            cfn_stack_event(st.id, st.name, "DELETE_IN_PROGRESS", "User Initiated") != STORE_OK)
            rc = -1;
    }
    /* RetainResources: what a DELETE_FAILED stack's delete leaves behind. */
    const cJSON *keep = cJSON_GetObjectItem(in->json, "RetainResources");
    char *arg = cJSON_IsArray(keep) ? cJSON_PrintUnformatted(keep) : NULL;
    if (rc == 0 && cfn_deploy_queue(st.id, "DELETE", arg) != STORE_OK) rc = -1;
    free(arg);
    if (rc != 0) cfn_store_failed(req);
out:
    cJSON_Delete(doc);
    store_cfn_stack_clear(&st);
    return rc;
}

static void kick_after(void) { cfn_deploy_kick(); }

/* ---- DescribeStacks, ListStacks ---- */

static void add_copy(cJSON *o, const char *name, const cJSON *doc, const char *from) {
    const cJSON *v = cJSON_GetObjectItem(doc, from);
    if (v) cJSON_AddItemToObject(o, name, cJSON_Duplicate(v, 1));
}

/* DescribeStacks' Stack for ST. */
static cJSON *stack_desc(const struct store_cfn_stack *st) {
    cJSON *doc = cJSON_Parse(st->doc), *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "StackId", st->id);
    cJSON_AddStringToObject(o, "StackName", st->name);
    const char *cs = cfn_jstr(doc, "ChangeSetId");
    if (cs) cJSON_AddStringToObject(o, "ChangeSetId", cs);
    add_copy(o, "Description", doc, "Description");
    add_copy(o, "Parameters", doc, "Parameters");
    cJSON_AddNumberToObject(o, "CreationTime", secs(st->created_ms));
    if (st->deleted_ms) cJSON_AddNumberToObject(o, "DeletionTime", secs(st->deleted_ms));
    if (st->updated_ms) cJSON_AddNumberToObject(o, "LastUpdatedTime", secs(st->updated_ms));
    cJSON_AddItemToObject(o, "RollbackConfiguration", cJSON_CreateObject());
    cJSON_AddStringToObject(o, "StackStatus", st->status);
    if (st->reason) cJSON_AddStringToObject(o, "StackStatusReason", st->reason);
    cJSON_AddBoolToObject(o, "DisableRollback", cJSON_IsTrue(cJSON_GetObjectItem(doc, "DisableRollback")));
    add_copy(o, "NotificationARNs", doc, "NotificationARNs");
    add_copy(o, "Capabilities", doc, "Capabilities");
    add_copy(o, "Outputs", doc, "Outputs");
    add_copy(o, "RoleARN", doc, "RoleARN");
    add_copy(o, "Tags", doc, "Tags");
    cJSON_AddBoolToObject(o, "EnableTerminationProtection",
                          cJSON_IsTrue(cJSON_GetObjectItem(doc, "EnableTerminationProtection")));
    cJSON *drift = cJSON_AddObjectToObject(o, "DriftInformation");
    cJSON_AddStringToObject(drift, "StackDriftStatus", "NOT_CHECKED");
    cJSON_Delete(doc);
    return o;
}

/* DescribeStacks pages: the most stacks one reply carries. */
#define CFN_STACKS_PAGE 100

struct stack_page {
    cJSON *list;
    const char *after; /* the id the page starts after (NextToken), or NULL */
    int seen, n;
    char *next;
    int (*want)(const struct store_cfn_stack *st, const cJSON *filter);
    const cJSON *filter;
    int summary;
};

static cJSON *stack_summary(const struct store_cfn_stack *st) {
    cJSON *doc = cJSON_Parse(st->doc), *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "StackId", st->id);
    cJSON_AddStringToObject(o, "StackName", st->name);
    add_copy(o, "TemplateDescription", doc, "Description");
    cJSON_AddNumberToObject(o, "CreationTime", secs(st->created_ms));
    if (st->updated_ms) cJSON_AddNumberToObject(o, "LastUpdatedTime", secs(st->updated_ms));
    if (st->deleted_ms) cJSON_AddNumberToObject(o, "DeletionTime", secs(st->deleted_ms));
    cJSON_AddStringToObject(o, "StackStatus", st->status);
    if (st->reason) cJSON_AddStringToObject(o, "StackStatusReason", st->reason);
    cJSON *drift = cJSON_AddObjectToObject(o, "DriftInformation");
    cJSON_AddStringToObject(drift, "StackDriftStatus", "NOT_CHECKED");
    cJSON_Delete(doc);
    return o;
}

static int page_row(void *ctx, const struct store_cfn_stack *st) {
    struct stack_page *p = ctx;
    if (!p->want(st, p->filter)) return 0;
    if (p->after && !p->seen) {
        p->seen = strcmp(st->id, p->after) == 0;
        return 0;
    }
    if (p->n == CFN_STACKS_PAGE) {
        p->next = xstrdup(p->list->child ? cJSON_GetArrayItem(p->list, p->n - 1)->child->valuestring : "");
        return 1;
    }
    cJSON_AddItemToArray(p->list, p->summary ? stack_summary(st) : stack_desc(st));
    p->n++;
    return 0;
}

static int want_live(const struct store_cfn_stack *st, const cJSON *filter) {
    (void)filter;
    return st->deleted_ms == 0;
}

static int want_status(const struct store_cfn_stack *st, const cJSON *filter) {
    const cJSON *f;
    if (!cJSON_IsArray(filter) || cJSON_GetArraySize(filter) == 0) return 1;
    cJSON_ArrayForEach(f, filter) if (cJSON_IsString(f) && strcmp(f->valuestring, st->status) == 0) return 1;
    return 0;
}

/* One page of the stacks PICK chooses into OUT's member NAME. */
static int stacks_page(struct req *req, struct op_in *in, const char *name, struct stack_page *p) {
    struct store_scope s = {req->account, req->region};
    char *after = NULL;
    const char *token = cfn_param(in, "NextToken");
    if (token) after = util_token_read(token);
    if (token && after == NULL) return req_fail(req, &AWSERR_QUERY_VALIDATION, "Invalid NextToken");
    p->list = cJSON_CreateArray();
    p->after = after;
    int rc = store_cfn_stack_list(s, page_row, p);
    free(after);
    in->out = cJSON_CreateObject();
    cJSON_AddItemToObject(in->out, name, p->list);
    if (p->next) {
        char *tok = util_token_make(p->next);
        cJSON_AddStringToObject(in->out, "NextToken", tok);
        free(tok);
        free(p->next);
    }
    if (rc != STORE_OK) cfn_store_failed(req);
    return rc == STORE_OK ? 0 : -1;
}

static int describe_stacks(struct req *req, struct op_in *in) {
    const char *ref = cfn_param(in, "StackName");
    if (ref) {
        struct store_cfn_stack st;
        if (cfn_stack_or_fail(req, ref, &st, 0) != 0) return -1;
        in->out = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(in->out, "Stacks");
        cJSON_AddItemToArray(list, stack_desc(&st));
        store_cfn_stack_clear(&st);
        return 0;
    }
    struct stack_page p = {0};
    p.want = want_live;
    return stacks_page(req, in, "Stacks", &p);
}

static int list_stacks(struct req *req, struct op_in *in) {
    struct stack_page p = {0};
    p.want = want_status;
    p.filter = cJSON_GetObjectItem(in->json, "StackStatusFilter");
    p.summary = 1;
    return stacks_page(req, in, "StackSummaries", &p);
}

/* ---- events and resources ---- */

static int event_row(void *ctx, const struct store_cfn_event *e) {
    cJSON *o = cJSON_CreateObject();
    const char *name = ((const char **)ctx)[1];
    cJSON_AddStringToObject(o, "StackId", e->stack_id);
    cJSON_AddStringToObject(o, "EventId", e->event_id);
    cJSON_AddStringToObject(o, "StackName", name);
    cJSON_AddStringToObject(o, "LogicalResourceId", e->logical_id);
    if (e->physical_id) cJSON_AddStringToObject(o, "PhysicalResourceId", e->physical_id);
    cJSON_AddStringToObject(o, "ResourceType", e->type);
    cJSON_AddNumberToObject(o, "Timestamp", secs(e->ts_ms));
    cJSON_AddStringToObject(o, "ResourceStatus", e->status);
    if (e->reason) cJSON_AddStringToObject(o, "ResourceStatusReason", e->reason);
    if (e->props) cJSON_AddStringToObject(o, "ResourceProperties", e->props);
    if (e->token) cJSON_AddStringToObject(o, "ClientRequestToken", e->token);
    cJSON_AddItemToArray(*(cJSON **)ctx, o);
    return 0;
}

static int describe_stack_events(struct req *req, struct op_in *in) {
    struct store_cfn_stack st;
    if (cfn_stack_or_fail(req, cfn_param(in, "StackName"), &st, 1) != 0) return -1;
    in->out = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(in->out, "StackEvents");
    const void *ctx[2] = {list, st.name};
    int rc = store_cfn_event_list(st.id, event_row, ctx);
    store_cfn_stack_clear(&st);
    if (rc != STORE_OK) cfn_store_failed(req);
    return rc == STORE_OK ? 0 : -1;
}

struct res_list {
    cJSON *list;
    const struct store_cfn_stack *st;
    const char *logical_id; /* only this one, or NULL */
    int shape;              /* 0 StackResource, 1 StackResourceSummary, 2 StackResourceDetail */
};

static int res_row(void *ctx, const struct store_cfn_res *r) {
    struct res_list *l = ctx;
    if (l->logical_id && strcmp(l->logical_id, r->logical_id) != 0) return 0;
    cJSON *o = cJSON_CreateObject();
    if (l->shape != 1) {
        cJSON_AddStringToObject(o, "StackName", l->st->name);
        cJSON_AddStringToObject(o, "StackId", l->st->id);
    }
    cJSON_AddStringToObject(o, "LogicalResourceId", r->logical_id);
    if (r->physical_id) cJSON_AddStringToObject(o, "PhysicalResourceId", r->physical_id);
    cJSON_AddStringToObject(o, "ResourceType", r->type);
    cJSON_AddNumberToObject(o, l->shape == 0 ? "Timestamp" : "LastUpdatedTimestamp", secs(r->updated_ms));
    cJSON_AddStringToObject(o, "ResourceStatus", r->status);
    if (r->reason) cJSON_AddStringToObject(o, "ResourceStatusReason", r->reason);
    cJSON *drift = cJSON_AddObjectToObject(o, l->shape == 1 ? "DriftInformation" : "DriftInformation");
    cJSON_AddStringToObject(drift, "StackResourceDriftStatus", "NOT_CHECKED");
    cJSON_AddItemToArray(l->list, o);
    return 0;
}

/* The resources of the stack named by IN's StackName in SHAPE into a new
 * array *OUT; LOGICAL_ID filters. */
static int resources(struct req *req, struct op_in *in, int shape, const char *logical_id, cJSON **out) {
    struct store_cfn_stack st;
    if (cfn_stack_or_fail(req, cfn_param(in, "StackName"), &st, 0) != 0) return -1;
    struct res_list l = {cJSON_CreateArray(), &st, logical_id, shape};
    int rc = store_cfn_res_list(st.id, res_row, &l);
    store_cfn_stack_clear(&st);
    *out = l.list;
    if (rc != STORE_OK) cfn_store_failed(req);
    return rc == STORE_OK ? 0 : -1;
}

static int describe_stack_resources(struct req *req, struct op_in *in) {
    cJSON *list;
    if (cfn_param(in, "StackName") == NULL && cfn_param(in, "PhysicalResourceId"))
        return req_fail(req, &AWSERR_QUERY_VALIDATION, "sluice looks stack resources up by StackName only.");
    if (resources(req, in, 0, cfn_param(in, "LogicalResourceId"), &list) != 0) return -1;
    in->out = cJSON_CreateObject();
    cJSON_AddItemToObject(in->out, "StackResources", list);
    return 0;
}

static int list_stack_resources(struct req *req, struct op_in *in) {
    cJSON *list;
    if (resources(req, in, 1, NULL, &list) != 0) return -1;
    in->out = cJSON_CreateObject();
    cJSON_AddItemToObject(in->out, "StackResourceSummaries", list);
    return 0;
}

static int describe_stack_resource(struct req *req, struct op_in *in) {
    cJSON *list;
    const char *id = cfn_param(in, "LogicalResourceId");
    if (id == NULL)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "1 validation error detected: Value null at 'logicalResourceId' failed to satisfy "
                        "constraint: Member must not be null");
    if (resources(req, in, 2, id, &list) != 0) return -1;
    if (cJSON_GetArraySize(list) == 0) {
        cJSON_Delete(list);
        return req_fail(req, &AWSERR_QUERY_VALIDATION, "Resource %s does not exist for stack %s", id,
                        cfn_param(in, "StackName"));
    }
    in->out = cJSON_CreateObject();
    cJSON_AddItemToObject(in->out, "StackResourceDetail", cJSON_DetachItemFromArray(list, 0));
    cJSON_Delete(list);
    return 0;
}

/* ---- templates ---- */

/* GetTemplate: the stack's template as submitted, or a change set's. */
static int get_template(struct req *req, struct op_in *in) {
    struct store_cfn_stack st = {0};
    struct store_cfn_cs cs = {0};
    const char *csn = cfn_param(in, "ChangeSetName"), *ref = cfn_param(in, "StackName");
    cJSON *doc = NULL;
    int rc = -1;
    if (csn && strncmp(csn, "arn:", 4) == 0) {
        if (!cfn_cs_in_scope(req, csn) || store_cfn_cs_get(csn, NULL, NULL, &cs) != STORE_OK) {
            req_fail(req, &AWSERR_CFN_CS_NOT_FOUND, "ChangeSet [%s] does not exist", csn);
            goto out;
        }
    } else {
        if (cfn_stack_or_fail(req, ref, &st, 0) != 0) goto out;
        if (csn && store_cfn_cs_get(NULL, st.id, csn, &cs) != STORE_OK) {
            req_fail(req, &AWSERR_CFN_CS_NOT_FOUND, "ChangeSet [%s] does not exist", csn);
            goto out;
        }
    }
    doc = cJSON_Parse(cs.doc ? cs.doc : st.doc);
    const cJSON *spec = cs.doc ? cJSON_GetObjectItem(doc, "Spec") : doc;
    const char *body = cfn_jstr(spec, "TemplateBody");
    in->out = cJSON_CreateObject();
    cJSON_AddStringToObject(in->out, "TemplateBody", body ? body : "{}");
    cJSON *stages = cJSON_AddArrayToObject(in->out, "StagesAvailable");
    cJSON_AddItemToArray(stages, cJSON_CreateString("Original"));
    cJSON_AddItemToArray(stages, cJSON_CreateString("Processed"));
    rc = 0;
out:
    cJSON_Delete(doc);
    store_cfn_stack_clear(&st);
    store_cfn_cs_clear(&cs);
    return rc;
}

/* The capabilities TMPL's resources need (ValidateTemplate's Capabilities
 * and CapabilitiesReason) into OUT. */
static void needed_caps(const cJSON *tmpl, cJSON *out) {
    struct util_buf types = {0};
    int named = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(tmpl, "Resources")) {
        const char *type = cfn_jstr(r, "Type");
        if (type == NULL || strncmp(type, "AWS::IAM::", 10) != 0) continue;
        const cJSON *p = cJSON_GetObjectItem(r, "Properties");
        named |= cJSON_GetObjectItem(p, "RoleName") || cJSON_GetObjectItem(p, "ManagedPolicyName") ||
                 cJSON_GetObjectItem(p, "UserName") || cJSON_GetObjectItem(p, "GroupName");
        if (types.z == NULL || strstr(types.z, type) == NULL) {
            util_buf_add(&types, types.n ? ", " : "");
            util_buf_add(&types, type);
        }
    }
    cJSON *caps = cJSON_AddArrayToObject(out, "Capabilities");
    if (types.n) {
        cJSON_AddItemToArray(caps, cJSON_CreateString(named ? "CAPABILITY_NAMED_IAM" : "CAPABILITY_IAM"));
        char *why = xasprintf("The following resource(s) require capabilities: [%s]", types.z);
        cJSON_AddStringToObject(out, "CapabilitiesReason", why);
        free(why);
    }
    free(types.z);
}

/* Parameters as ValidateTemplate / GetTemplateSummary show them. */
static void declared_params(const cJSON *tmpl, cJSON *out, int summary) {
    cJSON *list = cJSON_AddArrayToObject(out, summary ? "Parameters" : "Parameters");
    const cJSON *p;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(tmpl, "Parameters")) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, summary ? "ParameterKey" : "ParameterKey", p->string);
        const cJSON *def = cJSON_GetObjectItem(p, "Default");
        if (cJSON_IsString(def)) cJSON_AddStringToObject(o, "DefaultValue", def->valuestring);
        if (summary && cfn_jstr(p, "Type")) cJSON_AddStringToObject(o, "ParameterType", cfn_jstr(p, "Type"));
        const cJSON *ne = cJSON_GetObjectItem(p, "NoEcho");
        cJSON_AddBoolToObject(o, "NoEcho", cJSON_IsTrue(ne) || (cfn_jstr(p, "NoEcho") && strcmp(cfn_jstr(p, "NoEcho"), "true") == 0));
        if (cfn_jstr(p, "Description")) cJSON_AddStringToObject(o, "Description", cfn_jstr(p, "Description"));
        cJSON_AddItemToArray(list, o);
    }
}

/* The template IN submits, parsed and checked; NULL with the error recorded. */
static cJSON *submitted_template(struct req *req, struct op_in *in) {
    cJSON *spec = NULL, *tmpl = NULL;
    char *err = NULL;
    /* Parse and check only: a template with required parameters validates. */
    const char *body = cfn_param(in, "TemplateBody");
    if (body && cfn_param(in, "TemplateURL") == NULL) {
        struct cfn_graph *g = NULL;
        if (strlen(body) > CFN_BODY_MAX) {
            req_fail(req, &AWSERR_QUERY_VALIDATION, "Template may not exceed %d bytes in size.", CFN_BODY_MAX);
            return NULL;
        }
        if ((tmpl = cfn_template_parse(body, strlen(body), &err)) == NULL || cfn_template_check(tmpl, &err) != 0 ||
            cfn_graph_build(tmpl, &g, &err) != 0) {
            req_fail(req, &AWSERR_QUERY_VALIDATION, "%s", err ? err : "Template format error");
            cJSON_Delete(tmpl);
            tmpl = NULL;
        }
        cfn_graph_free(g);
        free(err);
        return tmpl;
    }
    /* A URL: read it through the spec builder's fetch, then parse. */
    if (cfn_spec_fetch(req, in->json, &spec) != 0) return NULL;
    tmpl = cfn_spec_template(spec, &err);
    if (tmpl == NULL) req_fail(req, &AWSERR_QUERY_VALIDATION, "%s", err ? err : "Template format error");
    free(err);
    cJSON_Delete(spec);
    return tmpl;
}

static int validate_template(struct req *req, struct op_in *in) {
    cJSON *tmpl = submitted_template(req, in);
    if (tmpl == NULL) return -1;
    in->out = cJSON_CreateObject();
    declared_params(tmpl, in->out, 0);
    if (cfn_jstr(tmpl, "Description")) cJSON_AddStringToObject(in->out, "Description", cfn_jstr(tmpl, "Description"));
    needed_caps(tmpl, in->out);
    cJSON_Delete(tmpl);
    return 0;
}

static int get_template_summary(struct req *req, struct op_in *in) {
    cJSON *tmpl = NULL;
    char *err = NULL;
    const char *ref = cfn_param(in, "StackName");
    if (ref && !cfn_param(in, "TemplateBody") && !cfn_param(in, "TemplateURL")) {
        struct store_cfn_stack st;
        if (cfn_stack_or_fail(req, ref, &st, 0) != 0) return -1;
        cJSON *doc = cJSON_Parse(st.doc);
        tmpl = cfn_spec_template(doc, &err);
        cJSON_Delete(doc);
        store_cfn_stack_clear(&st);
        free(err);
        if (tmpl == NULL) return req_fail(req, &AWSERR_QUERY_VALIDATION, "The stack has no template.");
    } else if ((tmpl = submitted_template(req, in)) == NULL) {
        return -1;
    }
    in->out = cJSON_CreateObject();
    declared_params(tmpl, in->out, 1);
    if (cfn_jstr(tmpl, "Description")) cJSON_AddStringToObject(in->out, "Description", cfn_jstr(tmpl, "Description"));
    needed_caps(tmpl, in->out);
    cJSON *types = cJSON_AddArrayToObject(in->out, "ResourceTypes");
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(tmpl, "Resources")) {
        const char *t = cfn_jstr(r, "Type");
        int seen = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, types) seen |= t && strcmp(x->valuestring, t) == 0;
        if (t && !seen) cJSON_AddItemToArray(types, cJSON_CreateString(t));
    }
    const char *ver = cfn_jstr(tmpl, "AWSTemplateFormatVersion");
    if (ver) cJSON_AddStringToObject(in->out, "Version", ver);
    cJSON_Delete(tmpl);
    return 0;
}

/* ---- exports, imports, termination protection ---- */

static int export_row(void *ctx, const char *name, const char *stack_id, const char *value) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ExportingStackId", stack_id);
    cJSON_AddStringToObject(o, "Name", name);
    cJSON_AddStringToObject(o, "Value", value);
    cJSON_AddItemToArray(ctx, o);
    return 0;
}

static int list_exports(struct req *req, struct op_in *in) {
    struct store_scope s = {req->account, req->region};
    in->out = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(in->out, "Exports");
    if (store_cfn_export_list(s, export_row, list) != STORE_OK) {
        cfn_store_failed(req);
        return -1;
    }
    return 0;
}

struct importers {
    const char *name;
    cJSON *list;
};

static int import_row(void *ctx, const struct store_cfn_stack *st) {
    struct importers *im = ctx;
    if (st->deleted_ms) return 0;
    cJSON *doc = cJSON_Parse(st->doc);
    const cJSON *i;
    int found = 0;
    cJSON_ArrayForEach(i, cJSON_GetObjectItem(doc, "Imports")) found |= cJSON_IsString(i) && strcmp(i->valuestring, im->name) == 0;
    if (found) cJSON_AddItemToArray(im->list, cJSON_CreateString(st->name));
    cJSON_Delete(doc);
    return 0;
}

static int list_imports(struct req *req, struct op_in *in) {
    struct store_scope s = {req->account, req->region};
    const char *name = cfn_param(in, "ExportName");
    if (name == NULL)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "1 validation error detected: Value null at 'exportName' failed to satisfy constraint: "
                        "Member must not be null");
    struct importers im = {name, cJSON_CreateArray()};
    store_cfn_stack_list(s, import_row, &im);
    if (cJSON_GetArraySize(im.list) == 0) {
        cJSON_Delete(im.list);
        return req_fail(req, &AWSERR_QUERY_VALIDATION, "Export '%s' is not imported by any stack.", name);
    }
    in->out = cJSON_CreateObject();
    cJSON_AddItemToObject(in->out, "Imports", im.list);
    return 0;
}

static int update_termination_protection(struct req *req, struct op_in *in) {
    struct store_cfn_stack st;
    const char *on = cfn_param(in, "EnableTerminationProtection");
    if (on == NULL)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "1 validation error detected: Value null at 'enableTerminationProtection' failed to "
                        "satisfy constraint: Member must not be null");
    if (cfn_stack_or_fail(req, cfn_param(in, "StackName"), &st, 0) != 0) return -1;
    cJSON *doc = cJSON_Parse(st.doc);
    cJSON_DeleteItemFromObject(doc, "EnableTerminationProtection");
    cJSON_AddBoolToObject(doc, "EnableTerminationProtection", strcmp(on, "true") == 0);
    free(st.doc);
    st.doc = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    int rc = store_cfn_stack_update(&st);
    if (rc == STORE_OK) {
        in->out = cJSON_CreateObject();
        cJSON_AddStringToObject(in->out, "StackId", st.id);
    } else {
        cfn_store_failed(req);
    }
    store_cfn_stack_clear(&st);
    return rc == STORE_OK ? 0 : -1;
}

/* ---- the service ---- */

static int is_time(const char *m) {
    return strcmp(m, "CreationTime") == 0 || strcmp(m, "LastUpdatedTime") == 0 || strcmp(m, "DeletionTime") == 0 ||
           strcmp(m, "Timestamp") == 0 || strcmp(m, "LastUpdatedTimestamp") == 0;
}

static void cfn_reply(struct req *req, struct op_in *in) {
    if (in->out == NULL) in->out = cJSON_CreateObject();
    query_reply(req, in, is_time);
}

/* Sorted by name. Operations without OP_WRITE open their own transaction
 * where they write (they read a TemplateURL through S3 first). */
static const struct op cfn_ops[] = {
    {"CreateChangeSet", cfn_create_change_set, 0, NULL, NULL, NULL},
    {"CreateStack", create_stack, 0, NULL, NULL, NULL},
    {"DeleteChangeSet", cfn_delete_change_set, OP_WRITE, NULL, NULL, NULL},
    {"DeleteStack", delete_stack, OP_WRITE, kick_after, NULL, NULL},
    {"DescribeChangeSet", cfn_describe_change_set, 0, NULL, NULL, NULL},
    {"DescribeStackEvents", describe_stack_events, 0, NULL, NULL, NULL},
    {"DescribeStackResource", describe_stack_resource, 0, NULL, NULL, NULL},
    {"DescribeStackResources", describe_stack_resources, 0, NULL, NULL, NULL},
    {"DescribeStacks", describe_stacks, 0, NULL, NULL, NULL},
    {"ExecuteChangeSet", cfn_execute_change_set, 0, NULL, NULL, NULL},
    {"GetTemplate", get_template, 0, NULL, NULL, NULL},
    {"GetTemplateSummary", get_template_summary, 0, NULL, NULL, NULL},
    {"ListChangeSets", cfn_list_change_sets, 0, NULL, NULL, NULL},
    {"ListExports", list_exports, 0, NULL, NULL, NULL},
    {"ListImports", list_imports, 0, NULL, NULL, NULL},
    {"ListStackResources", list_stack_resources, 0, NULL, NULL, NULL},
    {"ListStacks", list_stacks, 0, NULL, NULL, NULL},
    {"UpdateStack", update_stack, 0, NULL, NULL, NULL},
    {"UpdateTerminationProtection", update_termination_protection, OP_WRITE, NULL, NULL, NULL},
    {"ValidateTemplate", validate_template, 0, NULL, NULL, NULL},
};

static void cfn_store_fail(struct req *req, int rc) {
    (void)rc;
    cfn_store_failed(req);
}

const struct service cfn_service = {
    .name = "cloudformation",
    .ops = cfn_ops,
    .nops = sizeof(cfn_ops) / sizeof(cfn_ops[0]),
    .find = query_find,
    .store_fail = cfn_store_fail,
    .reply = cfn_reply,
    .query_version = CFN_VERSION,
    .xmlns = CFN_XMLNS,
};
