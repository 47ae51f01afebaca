/*
 * CloudFormation's deployer: one background thread that runs the stack
 * operations queued in the database (cfn_ops) one at a time, in the order
 * they were accepted: create, update (from UpdateStack or a change set)
 * and delete, with CloudFormation's events, rollback and cleanup
 * (docs/cloudformation-reference.md, section 2). Resources are made
 * through their types (api/cfn_type.h), which call the owning services in
 * process. Every step (a resource's status, an event, a stack's status)
 * is its own short write transaction, so clients see progress as it
 * happens and a restart finds the state of the last step.
 *
 * A restart during an operation (the queue row is marked started) does
 * not resume it: a create is failed and rolled back, an update is rolled
 * back (from what the resources' rows recorded of their previous state),
 * an update's cleanup and a delete are run again, each with a reason
 * naming the restart.
 */
#include "api/api.h"
#include "api/cfn_int.h"
#include "engine/config.h"
#include "api/cfn_type.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/util.h"
#include "engine/cfn/cfn_diff.h"
#include "engine/cfn/cfn_eval.h"
#include "engine/cfn/cfn_graph.h"
#include "storage/store.h"
#include "storage/store_cfn.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RESTART_REASON "The operation was interrupted by a restart of sluice."

/* ---- events ---- */

static pthread_mutex_t ev_mu = PTHREAD_MUTEX_INITIALIZER;
static int64_t ev_last_ms;

/* The time of a new event: the clock, but later than every earlier event
 * so that ids (<LogicalId>-<STATUS>-<ms>) are unique and order holds. */
static int64_t event_ms(void) {
    pthread_mutex_lock(&ev_mu);
    int64_t now = clock_now_ms();
    if (now <= ev_last_ms) now = ev_last_ms + 1;
    ev_last_ms = now;
    pthread_mutex_unlock(&ev_mu);
    return now;
}

int cfn_stack_event(const char *stack_id, const char *stack_name, const char *status, const char *reason) {
    char id[37];
    util_uuid(id);
    struct store_cfn_event e = {stack_id, id, stack_name, stack_id, CFN_STACK_TYPE, status, reason, NULL,
                                event_ms(), NULL};
    return store_cfn_event_add(&e);
}

int cfn_deploy_queue(const char *stack_id, const char *kind, const char *arg) {
    return store_cfn_op_add(stack_id, kind, arg);
}

/* ---- one operation's state ---- */

struct dep {
    struct store_scope s;
    char account[13], region[32];
    char *stack_id, *stack_name;
    cJSON *doc;        /* the stack's doc as the operation began (and as it changes) */
    const cJSON *spec; /* what is applied: doc itself, or doc.Pending */
    cJSON *tmpl;       /* spec's template */
    cJSON *old_tmpl;   /* update: the stack's current template */
    struct cfn_graph *g, *old_g;
    cJSON *res;        /* logical id -> {Type, PhysicalId, Props, Attrs, Status, Prev, Seq} */
    cJSON *imports;    /* export names read by Fn::ImportValue */
    cJSON *retain;     /* DeleteStack's RetainResources (logical ids), or NULL */
    struct cfn_ctx ctx;
    int64_t seq;
    int abandon;       /* the server is stopping: leave the operation for the next start */
};

static volatile int deploy_stopping;

static const char *jstr(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void jset(cJSON *o, const char *k, cJSON *v) {
    if (cJSON_GetObjectItemCaseSensitive(o, k)) cJSON_ReplaceItemInObjectCaseSensitive(o, k, v);
    else cJSON_AddItemToObject(o, k, v);
}

static void jset_str(cJSON *o, const char *k, const char *v) {
    if (v) jset(o, k, cJSON_CreateString(v));
    else cJSON_DeleteItemFromObjectCaseSensitive(o, k);
}

static char *jtext(const cJSON *v) { return v ? cJSON_PrintUnformatted(v) : NULL; }

/* Writes resource ID's entry to its row, and an event of its status when
 * STATUS is not NULL (with REASON; PHYS overrides the entry's physical id in
 * the event, "" for none). One transaction. */
static void rec(struct dep *d, const char *id, const char *status, const char *reason, const char *phys) {
    cJSON *e = cJSON_GetObjectItemCaseSensitive(d->res, id);
    if (status) jset_str(e, "Status", status);
    jset_str(e, "Reason", reason);
    char *props = jtext(cJSON_GetObjectItem(e, "Props")), *attrs = jtext(cJSON_GetObjectItem(e, "Attrs"));
    char *prev = jtext(cJSON_GetObjectItem(e, "Prev"));
    const cJSON *seq = cJSON_GetObjectItem(e, "Seq");
    int64_t ms = event_ms();
    struct store_cfn_res r = {d->stack_id, (char *)id, (char *)jstr(e, "Type"), (char *)jstr(e, "PhysicalId"),
                              (char *)jstr(e, "Status"), (char *)reason, props, attrs, ms, prev,
                              cJSON_IsNumber(seq) ? (int64_t)seq->valuedouble : 0};
    if (store_begin(1) == STORE_OK) {
        int rc = store_cfn_res_put(&r);
        if (rc == STORE_OK && status) {
            char *eid = xasprintf("%s-%s-%lld", id, status, (long long)ms);
            const char *p = phys ? (*phys ? phys : NULL) : r.physical_id;
            struct store_cfn_event ev = {d->stack_id, eid, id, p, r.type, status, reason, NULL, ms, NULL};
            rc = store_cfn_event_add(&ev);
            free(eid);
        }
        if (rc == STORE_OK) store_commit();
        else store_rollback();
    }
    free(props);
    free(attrs);
    free(prev);
}

/* Drops resource ID's row (a resource removed from the stack). */
static void drop_row(struct dep *d, const char *id) {
    if (store_begin(1) != STORE_OK) return;
    if (store_cfn_res_delete(d->stack_id, id) == STORE_OK) store_commit();
    else store_rollback();
    cJSON_DeleteItemFromObjectCaseSensitive(d->res, id);
}

/* Sets the stack's status (and reason) with a stack event, and writes
 * d->doc (the stored termination protection kept). DELETED marks the stack
 * deleted. One transaction. */
static void stack_rec(struct dep *d, const char *status, const char *reason, int deleted) {
    struct store_cfn_stack st;
    if (store_begin(1) != STORE_OK) return;
    int rc = store_cfn_stack_get(d->s, d->stack_id, &st);
    if (rc == STORE_OK) {
        cJSON *stored = cJSON_Parse(st.doc);
        /* UpdateTerminationProtection may have run meanwhile: keep its value. */
        cJSON *tp = cJSON_GetObjectItem(stored, "EnableTerminationProtection");
        if (tp) jset(d->doc, "EnableTerminationProtection", cJSON_Duplicate(tp, 1));
        else cJSON_DeleteItemFromObject(d->doc, "EnableTerminationProtection");
        cJSON_Delete(stored);
        free(st.status);
        free(st.reason);
        free(st.doc);
        st.status = xstrdup(status);
        st.reason = reason ? xstrdup(reason) : NULL;
        st.doc = cJSON_PrintUnformatted(d->doc);
        if (deleted) st.deleted_ms = clock_now_ms();
        rc = store_cfn_stack_update(&st);
        if (rc == STORE_OK) rc = cfn_stack_event(d->stack_id, d->stack_name, status, reason);
        store_cfn_stack_clear(&st);
    }
    if (rc == STORE_OK) store_commit();
    else store_rollback();
}

/* ---- evaluation hooks: what the stack's resources hold ---- */

static cJSON *hook_ref(void *ud, const char *id, char **err) {
    struct dep *d = ud;
    const char *p = jstr(cJSON_GetObjectItemCaseSensitive(d->res, id), "PhysicalId");
    if (p == NULL) {
        *err = xasprintf("Template error: resource %s is not available yet", id);
        return NULL;
    }
    return cJSON_CreateString(p);
}

static cJSON *hook_get_att(void *ud, const char *id, const char *attr, char **err) {
    struct dep *d = ud;
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(d->res, id);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(e, "Attrs"), attr);
    if (v == NULL) {
        *err = jstr(e, "PhysicalId")
                   ? xasprintf("Template error: resource %s does not support attribute type %s in Fn::GetAtt", id, attr)
                   : xasprintf("Template error: resource %s is not available yet", id);
        return NULL;
    }
    return cJSON_Duplicate(v, 1);
}

static cJSON *hook_import(void *ud, const char *name, char **err) {
    struct dep *d = ud;
    char *value = NULL;
    if (store_cfn_export_get(d->s, name, &value, NULL) != STORE_OK) {
        *err = xasprintf("No export named %s found. Rollback requested by user.", name);
        return NULL;
    }
    cJSON_AddItemToArray(d->imports, cJSON_CreateString(name));
    cJSON *v = cJSON_CreateString(value);
    free(value);
    return v;
}

/* Points d->ctx at template TMPL with the parameters of SPEC. */
static void ctx_init(struct dep *d, const cJSON *tmpl, const cJSON *spec) {
    cfn_ctx_clear(&d->ctx);
    memset(&d->ctx, 0, sizeof(d->ctx));
    d->ctx.tmpl = tmpl;
    d->ctx.params = cJSON_GetObjectItemCaseSensitive(spec, "Values");
    d->ctx.account_id = d->account;
    d->ctx.region = d->region;
    d->ctx.stack_name = d->stack_name;
    d->ctx.stack_id = d->stack_id;
    d->ctx.notification_arns = cJSON_GetObjectItemCaseSensitive(spec, "NotificationARNs");
    d->ctx.hooks.ref = hook_ref;
    d->ctx.hooks.get_att = hook_get_att;
    d->ctx.hooks.import_value = hook_import;
    d->ctx.hooks.ud = d;
}

/* ---- loading and freeing ---- */

static int load_res(void *ctx, const struct store_cfn_res *r) {
    cJSON *res = ctx, *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "Type", r->type);
    if (r->physical_id) cJSON_AddStringToObject(e, "PhysicalId", r->physical_id);
    cJSON_AddStringToObject(e, "Status", r->status);
    if (r->props) cJSON_AddItemToObject(e, "Props", cJSON_Parse(r->props));
    if (r->attrs) cJSON_AddItemToObject(e, "Attrs", cJSON_Parse(r->attrs));
    if (r->prev) cJSON_AddItemToObject(e, "Prev", cJSON_Parse(r->prev));
    cJSON_AddNumberToObject(e, "Seq", (double)r->seq);
    cJSON_AddItemToObject(res, r->logical_id, e);
    return 0;
}

/* Loads stack STACK_ID into D. Returns 0, or -1 when it is gone. */
static int dep_load(struct dep *d, const char *stack_id) {
    static const char acct_at[] = "arn:aws:cloudformation:";
    struct store_cfn_stack st;
    memset(d, 0, sizeof(*d));
    /* arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID */
    if (sscanf(stack_id + sizeof(acct_at) - 1, "%31[^:]:%12[^:]", d->region, d->account) != 2) return -1;
    d->s.account = d->account;
    d->s.region = d->region;
    if (store_cfn_stack_get(d->s, stack_id, &st) != STORE_OK) return -1;
    d->stack_id = xstrdup(st.id);
    d->stack_name = xstrdup(st.name);
    d->doc = cJSON_Parse(st.doc);
    store_cfn_stack_clear(&st);
    if (d->doc == NULL) d->doc = cJSON_CreateObject();
    d->res = cJSON_CreateObject();
    d->imports = cJSON_CreateArray();
    store_cfn_res_list(d->stack_id, load_res, d->res);
    const cJSON *e;
    cJSON_ArrayForEach(e, d->res) {
        const cJSON *seq = cJSON_GetObjectItem(e, "Seq");
        if (cJSON_IsNumber(seq) && seq->valuedouble > (double)d->seq) d->seq = (int64_t)seq->valuedouble;
    }
    return 0;
}

static void dep_free(struct dep *d) {
    cfn_ctx_clear(&d->ctx);
    cfn_graph_free(d->g);
    cfn_graph_free(d->old_g);
    cJSON_Delete(d->tmpl);
    cJSON_Delete(d->old_tmpl);
    cJSON_Delete(d->res);
    cJSON_Delete(d->imports);
    cJSON_Delete(d->retain);
    cJSON_Delete(d->doc);
    free(d->stack_id);
    free(d->stack_name);
}

/* Parses SPEC's template into *TMPL and its graph into *G. */
static int parse_spec(const cJSON *spec, cJSON **tmpl, struct cfn_graph **g) {
    char *err = NULL;
    *tmpl = cfn_spec_template(spec, &err);
    if (*tmpl && cfn_graph_build(*tmpl, g, &err) == 0) return 0;
    log_msg(LOG_ERROR, "cloudformation: a stored template does not parse: %s", err ? err : "?");
    free(err);
    return -1;
}

static const cJSON *decl_of(const cJSON *tmpl, const char *id) {
    return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(tmpl, "Resources"), id);
}

/* ---- calling the types ---- */

static void res_in(struct dep *d, struct cfn_res *r, const char *id, const char *type) {
    memset(r, 0, sizeof(*r));
    r->account = d->account;
    r->region = d->region;
    r->stack_name = d->stack_name;
    r->stack_id = d->stack_id;
    r->logical_id = id;
    r->type = type;
}

/* Takes R's outputs into entry E (physical id, attrs, props = PROPS). */
static void take_out(cJSON *e, struct cfn_res *r, const cJSON *props) {
    if (r->new_physical_id) jset_str(e, "PhysicalId", r->new_physical_id);
    if (r->new_attrs) jset(e, "Attrs", r->new_attrs);
    else if (!cJSON_GetObjectItem(e, "Attrs")) jset(e, "Attrs", cJSON_CreateObject());
    jset(e, "Props", cJSON_Duplicate(props, 1));
    free(r->new_physical_id);
    r->new_physical_id = NULL;
    r->new_attrs = NULL;
}

static char *no_type(const char *type) {
    return xasprintf("Unsupported resource type %s: sluice cannot create resources of this type.", type);
}

/* Evaluates resource ID's Properties (DECL) into *PROPS. */
static int eval_props(struct dep *d, const cJSON *decl, cJSON **props, char **err) {
    *props = NULL;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(decl, "Properties");
    if (p && cfn_eval(&d->ctx, p, props, err) != 0) return -1;
    if (*props == NULL || !cJSON_IsObject(*props)) {
        cJSON_Delete(*props);
        *props = cJSON_CreateObject();
    }
    return 0;
}

/* Creates resource ID of DECL (PHASE "CREATE": a new stack; "UPDATE": added
 * by an update, recorded for its rollback). Returns 0, or -1 with the
 * resource CREATE_FAILED. */
static int create_one(struct dep *d, const char *id, const cJSON *decl, int in_update) {
    const char *type = jstr(decl, "Type");
    const struct cfn_type *t = cfn_type_find(type);
    cJSON *e = cJSON_CreateObject(), *props = NULL;
    char *err = NULL;
    int rc = -1;
    cJSON_AddStringToObject(e, "Type", type);
    if (in_update) cJSON_AddItemToObject(e, "Prev", cJSON_Parse("{\"Action\":\"Add\"}"));
    cJSON_AddNumberToObject(e, "Seq", (double)++d->seq);
    jset(d->res, id, e);
    rec(d, id, "CREATE_IN_PROGRESS", NULL, "");
    if (t == NULL) err = no_type(type);
    else if (eval_props(d, decl, &props, &err) == 0) {
        struct cfn_res r;
        res_in(d, &r, id, type);
        r.props = props;
        if (t->create(&r, &err) == 0) {
            take_out(e, &r, props);
            rec(d, id, "CREATE_IN_PROGRESS", "Resource creation Initiated", NULL);
            rec(d, id, "CREATE_COMPLETE", NULL, NULL);
            rc = 0;
        }
    }
    if (rc != 0) rec(d, id, "CREATE_FAILED", err ? err : "Resource creation failed", "");
    cJSON_Delete(props);
    free(err);
    return rc;
}

/* The deletion policy of DECL (POLICY: "DeletionPolicy" or
 * "UpdateReplacePolicy"): 1 when the resource is kept. Snapshot keeps it
 * too (sluice has no snapshots); RetainExceptOnCreate keeps it unless the
 * operation that created it is being rolled back (CREATED). */
static int retained(const cJSON *decl, const char *policy, int created) {
    const char *p = jstr(decl, policy);
    if (p == NULL) return 0;
    if (strcmp(p, "Retain") == 0 || strcmp(p, "Snapshot") == 0) return 1;
    return strcmp(p, "RetainExceptOnCreate") == 0 && !created;
}

/* Deletes physical resource PHYS of TYPE for resource ID (its props and
 * attrs in E), with DELETE_* events on the row when ON_ROW, else events
 * only. Returns 0, or -1 (DELETE_FAILED recorded). */
static int remove_phys(struct dep *d, const char *id, const char *type, const char *phys, const cJSON *props,
                       const cJSON *attrs, int on_row) {
    const struct cfn_type *t = cfn_type_find(type);
    char *err = NULL;
    int rc = 0;
    cJSON *e = cJSON_GetObjectItemCaseSensitive(d->res, id);
    if (!on_row) {
        /* The old half of a replacement: the events name it, the row
         * stays with the new half. (E stays in place: callers hold its
         * key.) */
        char *keep_phys = jstr(e, "PhysicalId") ? xstrdup(jstr(e, "PhysicalId")) : NULL;
        char *keep_status = jstr(e, "Status") ? xstrdup(jstr(e, "Status")) : NULL;
        jset_str(e, "PhysicalId", phys);
        rec(d, id, "DELETE_IN_PROGRESS", NULL, NULL);
        if (t && t->remove) {
            struct cfn_res r;
            res_in(d, &r, id, type);
            r.physical_id = phys;
            r.old_props = props;
            r.attrs = attrs;
            rc = t->remove(&r, &err);
        }
        rec(d, id, rc == 0 ? "DELETE_COMPLETE" : "DELETE_FAILED", err, NULL);
        jset_str(e, "PhysicalId", keep_phys);
        jset_str(e, "Status", keep_status);
        rec(d, id, NULL, NULL, NULL);
        free(keep_phys);
        free(keep_status);
        free(err);
        return rc;
    }
    rec(d, id, "DELETE_IN_PROGRESS", NULL, NULL);
    if (t && t->remove && phys) {
        struct cfn_res r;
        res_in(d, &r, id, type);
        r.physical_id = phys;
        r.old_props = props;
        r.attrs = attrs;
        rc = t->remove(&r, &err);
    }
    rec(d, id, rc == 0 ? "DELETE_COMPLETE" : "DELETE_FAILED", err, NULL);
    free(err);
    return rc;
}

/* Deletes resource ID (declared as DECL; CREATED: its creation is being
 * rolled back). Returns 0, or -1 when the delete failed. */
static int delete_one(struct dep *d, const char *id, const cJSON *decl, int created) {
    cJSON *e = cJSON_GetObjectItemCaseSensitive(d->res, id);
    const char *status = jstr(e, "Status");
    if (e == NULL || (status && strcmp(status, "DELETE_COMPLETE") == 0) ||
        (status && strcmp(status, "DELETE_SKIPPED") == 0))
        return 0;
    if (jstr(e, "PhysicalId") == NULL) {
        rec(d, id, "DELETE_COMPLETE", NULL, NULL);
        return 0;
    }
    int asked = 0;
    const cJSON *k;
    cJSON_ArrayForEach(k, d->retain) asked |= cJSON_IsString(k) && strcmp(k->valuestring, id) == 0;
    if (asked || retained(decl, "DeletionPolicy", created)) {
        rec(d, id, "DELETE_SKIPPED", NULL, NULL);
        return 0;
    }
    return remove_phys(d, id, jstr(e, "Type"), jstr(e, "PhysicalId"), cJSON_GetObjectItem(e, "Props"),
                       cJSON_GetObjectItem(e, "Attrs"), 1);
}

/* Deletes every resource of the stack, in G's deletion order of TMPL (then
 * any left). Returns the logical ids that failed (a ", "-joined heap
 * string), or NULL. */
static char *delete_all(struct dep *d, const cJSON *tmpl, const struct cfn_graph *g, int created) {
    struct util_buf failed = {0};
    for (size_t k = 0; g && k < g->n && !d->abandon; k++) {
        const char *id = g->ids[cfn_graph_delete_at(g, k)];
        if (delete_one(d, id, decl_of(tmpl, id), created) != 0) {
            util_buf_add(&failed, failed.n ? ", " : "");
            util_buf_add(&failed, id);
        }
        d->abandon = deploy_stopping;
    }
    const cJSON *e;
    for (e = d->res ? d->res->child : NULL; e && !d->abandon; e = e->next)
        if ((g == NULL || cfn_graph_find(g, e->string) < 0) &&
            delete_one(d, e->string, decl_of(tmpl, e->string), created) != 0) {
            util_buf_add(&failed, failed.n ? ", " : "");
            util_buf_add(&failed, e->string);
        }
    return failed.z;
}

/* ---- outputs and exports ---- */

/* V as an output's text: strings as they are, lists joined by commas. */
static char *output_text(const cJSON *v) {
    if (cJSON_IsString(v)) return xstrdup(v->valuestring);
    if (cJSON_IsArray(v)) {
        struct util_buf b = {0};
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            char *s = output_text(e);
            util_buf_add(&b, b.n ? "," : "");
            util_buf_add(&b, s);
            free(s);
        }
        return b.z ? b.z : xstrdup("");
    }
    if (cJSON_IsNumber(v)) {
        if (v->valuedouble == (double)(long long)v->valuedouble) return xasprintf("%lld", (long long)v->valuedouble);
        return xasprintf("%g", v->valuedouble);
    }
    if (cJSON_IsBool(v)) return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
    return cJSON_PrintUnformatted(v);
}

/* Evaluates one output DECL named KEY into OUT (appended). */
static int output_one(struct dep *d, const char *key, const cJSON *decl, cJSON *out, char **err) {
    int on = 1;
    cJSON *v = NULL, *name = NULL;
    if (cfn_eval_enabled(&d->ctx, decl, &on, err) != 0) return -1;
    if (!on) return 0;
    if (cfn_eval(&d->ctx, cJSON_GetObjectItemCaseSensitive(decl, "Value"), &v, err) != 0) return -1;
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(decl, "Export"), "Name");
    if (exp && cfn_eval(&d->ctx, exp, &name, err) != 0) {
        cJSON_Delete(v);
        return -1;
    }
    cJSON *o = cJSON_CreateObject();
    char *text = output_text(v);
    cJSON_AddStringToObject(o, "OutputKey", key);
    cJSON_AddStringToObject(o, "OutputValue", text);
    free(text);
    const char *desc = jstr(decl, "Description");
    if (desc) cJSON_AddStringToObject(o, "Description", desc);
    if (name) {
        text = output_text(name);
        cJSON_AddStringToObject(o, "ExportName", text);
        free(text);
    }
    cJSON_AddItemToArray(out, o);
    cJSON_Delete(v);
    cJSON_Delete(name);
    return 0;
}

/* Registers the exports of OUTS (this stack's only), in one transaction. */
static int register_exports(struct dep *d, const cJSON *outs, char **err) {
    if (store_begin(1) != STORE_OK) {
        *err = xstrdup("Internal failure");
        return -1;
    }
    int rc = store_cfn_export_drop(d->stack_id);
    const cJSON *o;
    cJSON_ArrayForEach(o, outs) {
        const char *name = jstr(o, "ExportName");
        char *owner = NULL;
        if (rc != STORE_OK || name == NULL) continue;
        rc = store_cfn_export_put(d->s, name, d->stack_id, jstr(o, "OutputValue"), &owner);
        if (rc == STORE_CONFLICT) {
            /* The owner's name: arn:...:stack/NAME/UUID. */
            const char *n = owner ? strstr(owner, ":stack/") : NULL;
            n = n ? n + 7 : "?";
            const char *end = strchr(n, '/');
            *err = xasprintf("Export with name %s is already exported by stack %.*s. Rollback requested by user.",
                             name, end ? (int)(end - n) : (int)strlen(n), n);
        }
        free(owner);
    }
    if (rc == STORE_OK) return store_commit() == STORE_OK ? 0 : -1;
    store_rollback();
    if (*err == NULL) *err = xstrdup("Internal failure");
    return -1;
}

static char *exports_in_use(struct dep *d, const cJSON *outs);

/* The exports of the stack's current Outputs that NEW_OUTS drops or gives
 * another value (an update's), as Outputs entries (a new array). */
static cJSON *exports_changed(struct dep *d, const cJSON *new_outs) {
    cJSON *gone = cJSON_CreateArray();
    const cJSON *o, *n;
    cJSON_ArrayForEach(o, cJSON_GetObjectItem(d->doc, "Outputs")) {
        const char *name = jstr(o, "ExportName");
        int same = 0;
        if (name == NULL) continue;
        cJSON_ArrayForEach(n, new_outs) {
            const char *nn = jstr(n, "ExportName"), *nv = jstr(n, "OutputValue"), *ov = jstr(o, "OutputValue");
            same |= nn && strcmp(nn, name) == 0 && nv && ov && strcmp(nv, ov) == 0;
        }
        if (!same) cJSON_AddItemToArray(gone, cJSON_Duplicate(o, 1));
    }
    return gone;
}

/* The stack's Outputs from d->tmpl, exports registered: 0 with *OUT, or -1
 * with *ERR (heap). An update may not drop or change an export another
 * stack imports. */
static int outputs(struct dep *d, cJSON **out, char **err) {
    *out = cJSON_CreateArray();
    *err = NULL;
    const cJSON *o;
    cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(d->tmpl, "Outputs")) {
        if (output_one(d, o->string, o, *out, err) != 0) goto fail;
    }
    if (d->old_tmpl) {
        cJSON *gone = exports_changed(d, *out);
        *err = exports_in_use(d, gone);
        cJSON_Delete(gone);
        if (*err) goto fail;
    }
    if (register_exports(d, *out, err) == 0) return 0;
fail:
    cJSON_Delete(*out);
    *out = NULL;
    return -1;
}

/* ---- create ---- */

static char *failed_list(const char *verb, const char *ids) {
    return xasprintf("The following resource(s) failed to %s: [%s]. ", verb, ids);
}

/* After a failed create: roll back as the stack's OnFailure says. */
static void create_failed(struct dep *d, const char *reason) {
    const char *on_failure = jstr(d->doc, "OnFailure");
    if (cJSON_IsTrue(cJSON_GetObjectItem(d->doc, "DisableRollback")) ||
        (on_failure && strcmp(on_failure, "DO_NOTHING") == 0)) {
        stack_rec(d, "CREATE_FAILED", reason, 0);
        return;
    }
    int del = on_failure && strcmp(on_failure, "DELETE") == 0;
    stack_rec(d, del ? "DELETE_IN_PROGRESS" : "ROLLBACK_IN_PROGRESS", reason, 0);
    char *failed = delete_all(d, d->tmpl, d->g, 1);
    if (d->abandon) {
        free(failed);
        return;
    }
    if (failed) {
        char *why = failed_list("delete", failed);
        stack_rec(d, del ? "DELETE_FAILED" : "ROLLBACK_FAILED", why, 0);
        free(why);
    } else if (del) {
        stack_rec(d, "DELETE_COMPLETE", NULL, 1);
    } else {
        stack_rec(d, "ROLLBACK_COMPLETE", NULL, 0);
    }
    free(failed);
}

/* Creates every resource in creation order; the first failure stops it.
 * Returns NULL, or the failed logical id (borrowed from d->g). */
static const char *create_all(struct dep *d) {
    for (size_t k = 0; k < d->g->n; k++) {
        const char *id = d->g->ids[d->g->order[k]];
        const cJSON *decl = decl_of(d->tmpl, id);
        int on = 1;
        char *err = NULL;
        if (cfn_eval_enabled(&d->ctx, decl, &on, &err) != 0) {
            free(err);
            on = 0;
        }
        if (!on) continue;
        if (create_one(d, id, decl, 0) != 0) return id;
        if ((d->abandon = deploy_stopping) != 0) return NULL;
    }
    return NULL;
}

static void run_create(struct dep *d, int restarted) {
    char *err = NULL, *why = NULL;
    cJSON *outs = NULL;
    d->spec = d->doc;
    if (parse_spec(d->doc, &d->tmpl, &d->g) != 0) {
        stack_rec(d, "CREATE_FAILED", "The stored template cannot be read.", 0);
        return;
    }
    ctx_init(d, d->tmpl, d->doc);
    if (restarted) {
        create_failed(d, RESTART_REASON);
        return;
    }
    const char *failed = create_all(d);
    if (d->abandon) return;
    if (failed) {
        why = failed_list("create", failed);
        create_failed(d, why);
    } else if (outputs(d, &outs, &err) != 0) {
        create_failed(d, err);
    } else {
        jset(d->doc, "Outputs", outs);
        jset(d->doc, "Imports", cJSON_Duplicate(d->imports, 1));
        stack_rec(d, "CREATE_COMPLETE", NULL, 0);
    }
    free(why);
    free(err);
}

/* ---- delete ---- */

struct in_use {
    const char *stack_id;
    const char *verb;     /* "deleted", "updated" */
    const cJSON *exports; /* names this stack exports */
    char *why;
};

static int check_import(void *ctx, const struct store_cfn_stack *st) {
    struct in_use *u = ctx;
    if (st->deleted_ms || strcmp(st->id, u->stack_id) == 0) return 0;
    cJSON *doc = cJSON_Parse(st->doc);
    const cJSON *i, *x;
    cJSON_ArrayForEach(i, cJSON_GetObjectItem(doc, "Imports")) {
        cJSON_ArrayForEach(x, u->exports) {
            if (cJSON_IsString(i) && strcmp(i->valuestring, x->valuestring) == 0 && u->why == NULL)
                u->why = xasprintf("Export %s cannot be %s as it is in use by %s", x->valuestring,
                                   u->verb, st->name);
        }
    }
    cJSON_Delete(doc);
    return u->why != NULL;
}

/* The reason the stack's exports cannot go (another stack imports one), or
 * NULL. */
static char *exports_in_use(struct dep *d, const cJSON *outs) {
    cJSON *names = cJSON_CreateArray();
    const cJSON *o;
    cJSON_ArrayForEach(o, outs) if (jstr(o, "ExportName")) cJSON_AddItemToArray(names, cJSON_CreateString(jstr(o, "ExportName")));
    struct in_use u = {d->stack_id, d->old_tmpl ? "updated" : "deleted", names, NULL};
    if (cJSON_GetArraySize(names) > 0) store_cfn_stack_list(d->s, check_import, &u);
    cJSON_Delete(names);
    return u.why;
}

static void run_delete(struct dep *d) {
    char *why = exports_in_use(d, cJSON_GetObjectItem(d->doc, "Outputs"));
    if (why) {
        stack_rec(d, "DELETE_FAILED", why, 0);
        free(why);
        return;
    }
    if (jstr(d->doc, "TemplateBody") && parse_spec(d->doc, &d->tmpl, &d->g) != 0) {
        stack_rec(d, "DELETE_FAILED", "The stored template cannot be read.", 0);
        return;
    }
    char *failed = delete_all(d, d->tmpl, d->g, 0);
    if (d->abandon) {
        free(failed);
        return;
    }
    if (failed) {
        why = failed_list("delete", failed);
        stack_rec(d, "DELETE_FAILED", why, 0);
        free(why);
    } else {
        if (store_begin(1) == STORE_OK) {
            if (store_cfn_export_drop(d->stack_id) == STORE_OK) store_commit();
            else store_rollback();
        }
        stack_rec(d, "DELETE_COMPLETE", NULL, 1);
    }
    free(failed);
}

/* ---- update ---- */

/* Saves E's current state as its Prev (ACTION "Update" or "Replace"). */
static void save_prev(struct dep *d, cJSON *e, const char *action) {
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "Action", action);
    const char *phys = jstr(e, "PhysicalId");
    if (phys) cJSON_AddStringToObject(p, "PhysicalId", phys);
    cJSON_AddItemToObject(p, "Props", cJSON_Duplicate(cJSON_GetObjectItem(e, "Props"), 1));
    cJSON_AddItemToObject(p, "Attrs", cJSON_Duplicate(cJSON_GetObjectItem(e, "Attrs"), 1));
    cJSON_AddStringToObject(p, "Type", jstr(e, "Type"));
    jset(e, "Prev", p);
    jset(e, "Seq", cJSON_CreateNumber((double)++d->seq));
}

/* Puts E back as its Prev recorded it, and forgets the Prev. */
static void restore_prev(cJSON *e) {
    cJSON *p = cJSON_DetachItemFromObject(e, "Prev");
    jset_str(e, "PhysicalId", jstr(p, "PhysicalId"));
    jset_str(e, "Type", jstr(p, "Type"));
    jset(e, "Props", cJSON_Duplicate(cJSON_GetObjectItem(p, "Props"), 1));
    jset(e, "Attrs", cJSON_Duplicate(cJSON_GetObjectItem(p, "Attrs"), 1));
    cJSON_Delete(p);
}

/* Replaces resource ID (entry E) by a new physical resource made from
 * PROPS. Returns 0, or -1 with UPDATE_FAILED recorded. */
static int replace_one(struct dep *d, const char *id, cJSON *e, const char *type, const cJSON *props) {
    const struct cfn_type *t = cfn_type_find(type);
    const char *nameprop = cfn_diff_name_property(type);
    const cJSON *oldn = nameprop ? cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(e, "Props"), nameprop) : NULL;
    const cJSON *newn = nameprop ? cJSON_GetObjectItemCaseSensitive(props, nameprop) : NULL;
    char *err = NULL;
    if (cJSON_IsString(oldn) && cJSON_IsString(newn) && strcmp(oldn->valuestring, newn->valuestring) == 0) {
        err = xasprintf("CloudFormation cannot update a stack when a custom-named resource requires replacing. "
                        "Rename %s and update the stack again.",
                        newn->valuestring);
        rec(d, id, "UPDATE_FAILED", err, NULL);
        free(err);
        return -1;
    }
    save_prev(d, e, "Replace");
    rec(d, id, "UPDATE_IN_PROGRESS",
        "Requested update requires the creation of a new physical resource; hence creating one.", NULL);
    struct cfn_res r;
    res_in(d, &r, id, type);
    r.props = props;
    if (t == NULL) err = no_type(type);
    if (t && t->create(&r, &err) == 0) {
        jset_str(e, "Type", type);
        cJSON_DeleteItemFromObject(e, "Attrs");
        take_out(e, &r, props);
        rec(d, id, "UPDATE_IN_PROGRESS", "Resource creation Initiated", NULL);
        rec(d, id, "UPDATE_COMPLETE", NULL, NULL);
        return 0;
    }
    restore_prev(e);
    rec(d, id, "UPDATE_FAILED", err ? err : "Resource creation failed", NULL);
    free(err);
    return -1;
}

/* Updates resource ID (entry E) in place to PROPS. */
static int modify_one(struct dep *d, const char *id, cJSON *e, const struct cfn_type *t, const cJSON *props) {
    char *err = NULL;
    save_prev(d, e, "Update");
    rec(d, id, "UPDATE_IN_PROGRESS", NULL, NULL);
    cJSON *prev = cJSON_GetObjectItem(e, "Prev");
    struct cfn_res r;
    res_in(d, &r, id, t->name);
    r.props = props;
    r.old_props = cJSON_GetObjectItem(prev, "Props");
    r.physical_id = jstr(prev, "PhysicalId");
    r.attrs = cJSON_GetObjectItem(prev, "Attrs");
    if (t->update(&r, &err) == 0) {
        take_out(e, &r, props);
        rec(d, id, "UPDATE_COMPLETE", NULL, NULL);
        return 0;
    }
    restore_prev(e);
    rec(d, id, "UPDATE_FAILED", err ? err : "Resource update failed", NULL);
    free(err);
    return -1;
}

/* Brings resource ID (existing, entry E) to DECL: nothing, in place, or by
 * replacement (docs/cloudformation-reference.md, section 2.2). */
static int update_one(struct dep *d, const char *id, cJSON *e, const cJSON *decl) {
    const char *type = jstr(decl, "Type");
    const struct cfn_type *t = cfn_type_find(type);
    cJSON *props = NULL;
    char *err = NULL;
    int rc = 0;
    if (eval_props(d, decl, &props, &err) != 0) {
        rec(d, id, "UPDATE_FAILED", err, NULL);
        free(err);
        return -1;
    }
    struct cfn_diff diff;
    cfn_diff_props(cJSON_GetObjectItem(e, "Props"), props, t ? t->create_only : NULL, &diff);
    int same_type = strcmp(type, jstr(e, "Type")) == 0;
    if (diff.n == 0 && same_type) goto out;
    if (!same_type || t == NULL || t->update == NULL || diff.replace != CFN_REPLACE_FALSE)
        rc = replace_one(d, id, e, type, props);
    else
        rc = modify_one(d, id, e, t, props);
out:
    cfn_diff_clear(&diff);
    cJSON_Delete(props);
    return rc;
}

/* Creates or updates every resource of the new template in its creation
 * order. Returns NULL, or the logical id that failed. */
static const char *update_all(struct dep *d) {
    for (size_t k = 0; k < d->g->n; k++) {
        const char *id = d->g->ids[d->g->order[k]];
        const cJSON *decl = decl_of(d->tmpl, id);
        int on = 1, rc;
        char *err = NULL;
        if (cfn_eval_enabled(&d->ctx, decl, &on, &err) != 0) {
            free(err);
            on = 0;
        }
        if (!on) continue;
        cJSON *e = cJSON_GetObjectItemCaseSensitive(d->res, id);
        const char *st = jstr(e, "Status");
        if (e == NULL || jstr(e, "PhysicalId") == NULL || (st && strncmp(st, "DELETE_", 7) == 0))
            rc = create_one(d, id, decl, 1);
        else
            rc = update_one(d, id, e, decl);
        if (rc != 0) return id;
        if ((d->abandon = deploy_stopping) != 0) return NULL;
    }
    return NULL;
}

/* 1 when resource ID is in the new template with its condition true. */
static int kept(struct dep *d, const char *id) {
    const cJSON *decl = decl_of(d->tmpl, id);
    int on = 1;
    char *err = NULL;
    if (decl == NULL) return 0;
    if (cfn_eval_enabled(&d->ctx, decl, &on, &err) != 0) free(err);
    return on;
}

/* Forgets every resource's Prev (the operation is over). */
static void clear_prevs(struct dep *d) {
    cJSON *e;
    cJSON_ArrayForEach(e, d->res) {
        if (cJSON_GetObjectItem(e, "Prev") == NULL) continue;
        cJSON_DeleteItemFromObject(e, "Prev");
        jset(e, "Seq", cJSON_CreateNumber(0));
        rec(d, e->string, NULL, jstr(e, "Reason"), NULL);
    }
}

/* Cleans up after resource ID: deletes the old half of its replacement
 * (UpdateReplacePolicy) or, when the update removed it, the resource
 * (DeletionPolicy). */
static void cleanup_one(struct dep *d, const char *id) {
    cJSON *e = cJSON_GetObjectItemCaseSensitive(d->res, id);
    const cJSON *prev = cJSON_GetObjectItem(e, "Prev");
    const char *action = jstr(prev, "Action");
    if (e == NULL) return;
    if (action && strcmp(action, "Replace") == 0) {
        if (!retained(decl_of(d->tmpl, id), "UpdateReplacePolicy", 0))
            remove_phys(d, id, jstr(prev, "Type"), jstr(prev, "PhysicalId"), cJSON_GetObjectItem(prev, "Props"),
                        cJSON_GetObjectItem(prev, "Attrs"), 0);
    } else if (!kept(d, id)) {
        delete_one(d, id, decl_of(d->old_tmpl, id), 0);
        drop_row(d, id);
    }
}

/* UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: the old halves of replacements and
 * the resources the update removed, in the old template's deletion order,
 * then any other (after a restart the old template is gone). */
static void cleanup(struct dep *d) {
    for (size_t k = 0; d->old_g && k < d->old_g->n; k++)
        cleanup_one(d, d->old_g->ids[cfn_graph_delete_at(d->old_g, k)]);
    cJSON *ids = cJSON_CreateArray();
    const cJSON *e;
    cJSON_ArrayForEach(e, d->res) if (d->old_g == NULL || cfn_graph_find(d->old_g, e->string) < 0)
        cJSON_AddItemToArray(ids, cJSON_CreateString(e->string));
    cJSON_ArrayForEach(e, ids) cleanup_one(d, e->valuestring);
    cJSON_Delete(ids);
    clear_prevs(d);
}

/* ---- update rollback ---- */

struct touched {
    int64_t seq;
    const char *id;
};

static int by_seq_desc(const void *a, const void *b) {
    const struct touched *x = a, *y = b;
    return (x->seq < y->seq) - (x->seq > y->seq);
}

/* The resources the update touched (those with a Prev), last first. */
static struct touched *touched_list(struct dep *d, size_t *n) {
    struct touched *t = xcalloc((size_t)cJSON_GetArraySize(d->res) + 1, sizeof(*t));
    const cJSON *e;
    *n = 0;
    cJSON_ArrayForEach(e, d->res) {
        if (cJSON_GetObjectItem(e, "Prev") == NULL) continue;
        t[*n].seq = (int64_t)cJSON_GetObjectItem(e, "Seq")->valuedouble;
        t[(*n)++].id = e->string;
    }
    qsort(t, *n, sizeof(*t), by_seq_desc);
    return t;
}

/* Updates resource ID back to its Prev. Returns 0 or -1. */
static int update_back(struct dep *d, const char *id, cJSON *e) {
    cJSON *prev = cJSON_GetObjectItem(e, "Prev");
    const struct cfn_type *t = cfn_type_find(jstr(e, "Type"));
    char *err = NULL;
    int rc = 0;
    rec(d, id, "UPDATE_IN_PROGRESS", NULL, NULL);
    if (t && t->update) {
        struct cfn_res r;
        res_in(d, &r, id, t->name);
        r.props = cJSON_GetObjectItem(prev, "Props");
        r.old_props = cJSON_GetObjectItem(e, "Props");
        r.physical_id = jstr(e, "PhysicalId");
        r.attrs = cJSON_GetObjectItem(e, "Attrs");
        rc = t->update(&r, &err);
        if (rc == 0) take_out(e, &r, cJSON_GetObjectItem(prev, "Props"));
    }
    if (rc == 0) {
        cJSON_DeleteItemFromObject(e, "Prev");
        rec(d, id, "UPDATE_COMPLETE", NULL, NULL);
    } else {
        rec(d, id, "UPDATE_FAILED", err, NULL);
    }
    free(err);
    return rc;
}

/* Puts the replaced resource ID back on its old half; the new half waits
 * for the cleanup as the entry's Prev ("DeleteNew"). */
static void unreplace(struct dep *d, const char *id, cJSON *e) {
    cJSON *newer = cJSON_CreateObject();
    cJSON_AddStringToObject(newer, "Action", "DeleteNew");
    cJSON_AddStringToObject(newer, "PhysicalId", jstr(e, "PhysicalId"));
    cJSON_AddStringToObject(newer, "Type", jstr(e, "Type"));
    cJSON_AddItemToObject(newer, "Props", cJSON_Duplicate(cJSON_GetObjectItem(e, "Props"), 1));
    cJSON_AddItemToObject(newer, "Attrs", cJSON_Duplicate(cJSON_GetObjectItem(e, "Attrs"), 1));
    restore_prev(e);
    jset(e, "Prev", newer);
    rec(d, id, "UPDATE_COMPLETE", NULL, NULL);
}

/* UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: what the update created. */
static void rollback_cleanup(struct dep *d, struct touched *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_GetObjectItemCaseSensitive(d->res, t[i].id);
        const cJSON *prev = cJSON_GetObjectItem(e, "Prev");
        const char *action = jstr(prev, "Action");
        if (action && strcmp(action, "Add") == 0) {
            delete_one(d, t[i].id, decl_of(d->tmpl, t[i].id), 1);
            drop_row(d, t[i].id);
        } else if (action && strcmp(action, "DeleteNew") == 0) {
            remove_phys(d, t[i].id, jstr(prev, "Type"), jstr(prev, "PhysicalId"), cJSON_GetObjectItem(prev, "Props"),
                        cJSON_GetObjectItem(prev, "Attrs"), 0);
        }
    }
    clear_prevs(d);
}

/* UPDATE_ROLLBACK_IN_PROGRESS: resources updated are updated back,
 * replacements return to their old halves, then the cleanup deletes what
 * the update created. */
static void update_failed(struct dep *d, const char *reason) {
    if (cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(d->doc, "Pending"), "DisableRollback"))) {
        cJSON_DeleteItemFromObject(d->doc, "Pending");
        stack_rec(d, "UPDATE_FAILED", reason, 0);
        return;
    }
    stack_rec(d, "UPDATE_ROLLBACK_IN_PROGRESS", reason, 0);
    /* Back to the old template's values for anything evaluated now. */
    ctx_init(d, d->old_tmpl, d->doc);
    size_t n;
    struct touched *t = touched_list(d, &n);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_GetObjectItemCaseSensitive(d->res, t[i].id);
        const char *action = jstr(cJSON_GetObjectItem(e, "Prev"), "Action");
        if (action && strcmp(action, "Update") == 0) bad |= update_back(d, t[i].id, e) != 0;
        else if (action && strcmp(action, "Replace") == 0) unreplace(d, t[i].id, e);
    }
    free(t);
    cJSON_DeleteItemFromObject(d->doc, "Pending");
    if (bad) {
        stack_rec(d, "UPDATE_ROLLBACK_FAILED", "The following resource(s) failed to update back.", 0);
        return;
    }
    stack_rec(d, "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS", NULL, 0);
    t = touched_list(d, &n);
    rollback_cleanup(d, t, n);
    free(t);
    stack_rec(d, "UPDATE_ROLLBACK_COMPLETE", NULL, 0);
}

/* The stack's doc takes the spec of the finished update. */
static void adopt_pending(struct dep *d, cJSON *outs) {
    cJSON *p = cJSON_DetachItemFromObject(d->doc, "Pending");
    /* The old template stays until the cleanup ends: a restart during it
     * still knows the removed resources' DeletionPolicy. */
    const char *old = jstr(d->doc, "TemplateBody");
    if (old) jset(d->doc, "CleanupTemplate", cJSON_CreateString(old));
    static const char *const members[] = {"TemplateBody", "Description", "Parameters", "Values", "Raw", "Tags",
                                          "Capabilities", "DisableRollback", "NotificationARNs", "RoleARN", NULL};
    for (const char *const *m = members; *m; m++) {
        cJSON *v = cJSON_DetachItemFromObject(p, *m);
        if (v) jset(d->doc, *m, v);
        else cJSON_DeleteItemFromObject(d->doc, *m);
    }
    cJSON_Delete(p);
    jset(d->doc, "Outputs", outs);
    jset(d->doc, "Imports", cJSON_Duplicate(d->imports, 1));
}

static int cleanup_pause(void);

/* A restart found the rollback's cleanup unfinished: finish it. */
static void rollback_cleanup_all(struct dep *d) {
    size_t n;
    struct touched *t = touched_list(d, &n);
    rollback_cleanup(d, t, n);
    free(t);
}

static void run_update(struct dep *d, const char *status, int restarted) {
    char *err = NULL, *why = NULL;
    cJSON *outs = NULL;
    const cJSON *pending = cJSON_GetObjectItem(d->doc, "Pending");
    if (parse_spec(d->doc, &d->old_tmpl, &d->old_g) != 0 ||
        (pending && parse_spec(pending, &d->tmpl, &d->g) != 0)) {
        stack_rec(d, "UPDATE_ROLLBACK_FAILED", "The stored template cannot be read.", 0);
        return;
    }
    if (pending == NULL) {
        /* Restarted after the new spec was adopted: only the cleanup was
         * left. The template adopted is the new one; the old one is kept
         * as CleanupTemplate. */
        const char *old = jstr(d->doc, "CleanupTemplate");
        d->tmpl = d->old_tmpl;
        d->old_tmpl = NULL;
        cfn_graph_free(d->old_g);
        d->old_g = NULL;
        if (old) {
            cJSON *spec = cJSON_CreateObject();
            cJSON_AddStringToObject(spec, "TemplateBody", old);
            if (parse_spec(spec, &d->old_tmpl, &d->old_g) != 0) {
                cJSON_Delete(d->old_tmpl);
                d->old_tmpl = NULL;
            }
            cJSON_Delete(spec);
        }
        ctx_init(d, d->tmpl, d->doc);
        cJSON_DeleteItemFromObject(d->doc, "CleanupTemplate");
        if (strcmp(status, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") == 0) cleanup(d);
        else rollback_cleanup_all(d);
        stack_rec(d, strcmp(status, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS") == 0 ? "UPDATE_COMPLETE"
                                                                                : "UPDATE_ROLLBACK_COMPLETE",
                  NULL, 0);
        return;
    }
    ctx_init(d, d->tmpl, pending);
    if (restarted) {
        update_failed(d, RESTART_REASON);
        return;
    }
    const char *failed = update_all(d);
    if (d->abandon) return;
    if (failed) {
        why = failed_list("update", failed);
        update_failed(d, why);
    } else if (outputs(d, &outs, &err) != 0) {
        update_failed(d, err);
    } else {
        adopt_pending(d, outs);
        stack_rec(d, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", NULL, 0);
        if ((d->abandon = cleanup_pause()) != 0) goto out;
        cleanup(d);
        cJSON_DeleteItemFromObject(d->doc, "CleanupTemplate");
        stack_rec(d, "UPDATE_COMPLETE", NULL, 0);
    }
out:
    free(why);
    free(err);
}

/* ---- the queue and the thread ---- */

/* Runs operation KIND on STACK_ID with ARG (a delete's: the logical ids
 * to retain, a JSON array; RESTARTED: a run of it had begun before a
 * restart). Returns 1 when it was abandoned (the server is stopping). */
static int run_op(const char *stack_id, const char *kind, const char *arg, int restarted) {
    struct dep d;
    struct store_cfn_stack st;
    int abandoned = 0;
    if (dep_load(&d, stack_id) != 0) return 0;
    char status[64] = "";
    if (store_cfn_stack_get(d.s, stack_id, &st) == STORE_OK) {
        snprintf(status, sizeof(status), "%s", st.status);
        store_cfn_stack_clear(&st);
    }
    if (strcmp(kind, "CREATE") == 0) {
        run_create(&d, restarted);
    } else if (strcmp(kind, "UPDATE") == 0) {
        run_update(&d, status, restarted);
    } else if (strcmp(kind, "DELETE") == 0) {
        if (strcmp(status, "DELETE_COMPLETE") != 0) {
            if (strcmp(status, "DELETE_IN_PROGRESS") != 0) stack_rec(&d, "DELETE_IN_PROGRESS", "User Initiated", 0);
            d.retain = arg ? cJSON_Parse(arg) : NULL;
            run_delete(&d);
        }
    }
    abandoned = d.abandon;
    dep_free(&d);
    return abandoned;
}

/* Runs the oldest queued operation. Returns 1 when one ran, 0 when the
 * queue is empty or the server is stopping. */
static int run_next(void) {
    int64_t seq = 0;
    char *stack_id = NULL, *kind = NULL, *arg = NULL;
    int started = 0, ran = 0;
    if (deploy_stopping || store_cfn_op_next(&seq, &stack_id, &kind, &arg, &started) != STORE_OK) goto out;
    if (store_begin(1) != STORE_OK) goto out;
    if (store_cfn_op_start(seq) != STORE_OK || store_commit() != STORE_OK) {
        store_rollback();
        goto out;
    }
    if (run_op(stack_id, kind, arg, started)) goto out;
    if (store_begin(1) == STORE_OK) {
        if (store_cfn_op_done(seq) == STORE_OK) store_commit();
        else store_rollback();
    }
    ran = 1;
out:
    free(stack_id);
    free(kind);
    free(arg);
    return ran;
}

int cfn_deploy_run_pending(void) {
    int n = 0;
    while (run_next()) n++;
    return n;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_t thread;
static int kicked, running;

/* --cfn-cleanup-delay-ms (engine/config.h): how long an update waits in
 * UPDATE_COMPLETE_CLEANUP_IN_PROGRESS before it deletes what it replaced
 * or removed. 0 (the default) goes on at once; a pause widens the window
 * in which both halves of a replacement exist (both event source mappings
 * of a moved mapping deliver), which AWS's own pace makes seconds long. */
static long cleanup_delay_ms;

/* Waits the cleanup pause. Returns 1 when the server is stopping. */
static int cleanup_pause(void) {
    if (cleanup_delay_ms <= 0) return deploy_stopping;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += cleanup_delay_ms / 1000;
    until.tv_nsec += (cleanup_delay_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&mu);
    while (!deploy_stopping && pthread_cond_timedwait(&cv, &mu, &until) == 0) {
    }
    int stop = deploy_stopping;
    pthread_mutex_unlock(&mu);
    return stop;
}

void cfn_deploy_kick(void) {
    pthread_mutex_lock(&mu);
    kicked = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
}

static void *deploy_main(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mu);
        while (!kicked && !deploy_stopping) pthread_cond_wait(&cv, &mu);
        kicked = 0;
        int stop = deploy_stopping;
        pthread_mutex_unlock(&mu);
        if (stop) break;
        while (cfn_deploy_run_pending() > 0) {
        }
        /* Idle until the next kick: give the connection back (an idle
         * server keeps few; docs/architecture.md, "Start-up"). Stack
         * operations are rare, so reopening it costs little. */
        store_thread_done();
    }
    store_thread_done();
    return NULL;
}

int cfn_deploy_start(void) {
    cleanup_delay_ms = sluice_cfg.cfn_cleanup_delay_ms;
    deploy_stopping = 0;
    kicked = 1; /* look at the queue once: operations a restart interrupted */
    if (pthread_create(&thread, NULL, deploy_main, NULL) != 0) {
        log_msg(LOG_ERROR, "cloudformation: cannot start the deployer thread");
        return -1;
    }
    running = 1;
    return 0;
}

void cfn_deploy_stop(void) {
    if (!running) return;
    pthread_mutex_lock(&mu);
    deploy_stopping = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(thread, NULL);
    running = 0;
}
