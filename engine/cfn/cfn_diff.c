/*
 * engine/cfn/cfn_diff.h: property-level diff of a resource between the
 * stack's current state and an update. Pure.
 */
#include "engine/cfn/cfn_diff.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static int is_create_only(const char *const *create_only, const char *name) {
    if (create_only == NULL) return 0;
    if (create_only[0] && strcmp(create_only[0], "*") == 0) return 1;
    for (const char *const *p = create_only; *p; p++)
        if (strcmp(*p, name) == 0) return 1;
    return 0;
}

char *cfn_diff_pending(const char *logical_id) { return xasprintf(CFN_DIFF_PENDING "%s}}", logical_id); }

int cfn_diff_has_pending(const cJSON *v, char **causing) {
    if (v == NULL) return 0;
    if (cJSON_IsString(v)) {
        const char *m = strstr(v->valuestring, CFN_DIFF_PENDING);
        if (m == NULL) return 0;
        if (causing) {
            const char *id = m + strlen(CFN_DIFF_PENDING), *end = strstr(id, "}}");
            *causing = end ? xstrndup(id, (size_t)(end - id)) : xstrdup(id);
        }
        return 1;
    }
    for (const cJSON *c = v->child; c; c = c->next)
        if (cfn_diff_has_pending(c, causing)) return 1;
    return 0;
}

static int by_name(const void *a, const void *b) {
    return strcmp(((const struct cfn_prop_change *)a)->name, ((const struct cfn_prop_change *)b)->name);
}

/* Appends the change of property NAME (NEW_V: its new value or NULL). */
static void add_change(struct cfn_diff *d, const char *name, const cJSON *new_v, const char *const *create_only) {
    struct cfn_prop_change *c;
    d->c = xrealloc(d->c, (d->n + 1) * sizeof(*d->c));
    c = &d->c[d->n++];
    c->name = xstrdup(name);
    c->causing = NULL;
    c->dynamic = cfn_diff_has_pending(new_v, &c->causing);
    c->recreate = is_create_only(create_only, name) ? CFN_RECREATE_ALWAYS : CFN_RECREATE_NEVER;
    if (c->recreate == CFN_RECREATE_ALWAYS) {
        enum cfn_replace r = c->dynamic ? CFN_REPLACE_CONDITIONAL : CFN_REPLACE_TRUE;
        if (r > d->replace) d->replace = r;
    }
}

void cfn_diff_props(const cJSON *old_props, const cJSON *new_props, const char *const *create_only,
                    struct cfn_diff *out) {
    memset(out, 0, sizeof(*out));
    out->replace = CFN_REPLACE_FALSE;
    for (const cJSON *n = new_props ? new_props->child : NULL; n; n = n->next) {
        const cJSON *o = cJSON_GetObjectItemCaseSensitive(old_props, n->string);
        if (o && !cfn_diff_has_pending(n, NULL) && cJSON_Compare(o, n, 1)) continue;
        add_change(out, n->string, n, create_only);
    }
    for (const cJSON *o = old_props ? old_props->child : NULL; o; o = o->next)
        if (cJSON_GetObjectItemCaseSensitive(new_props, o->string) == NULL) add_change(out, o->string, NULL, create_only);
    if (out->n > 1) qsort(out->c, out->n, sizeof(*out->c), by_name);
}

void cfn_diff_clear(struct cfn_diff *d) {
    for (size_t i = 0; i < d->n; i++) {
        free(d->c[i].name);
        free(d->c[i].causing);
    }
    free(d->c);
    memset(d, 0, sizeof(*d));
}

/* The name properties of the types whose primary identifier is a name the
 * template may set (docs/cloudformation-reference.md, section 1.1). */
static const struct {
    const char *type, *prop;
} name_props[] = {
    {"AWS::DynamoDB::Table", "TableName"},
    {"AWS::ECR::Repository", "RepositoryName"},
    {"AWS::IAM::ManagedPolicy", "ManagedPolicyName"},
    {"AWS::IAM::Role", "RoleName"},
    {"AWS::KMS::Alias", "AliasName"},
    {"AWS::Lambda::Function", "FunctionName"},
    {"AWS::Logs::LogGroup", "LogGroupName"},
    {"AWS::S3::Bucket", "BucketName"},
    {"AWS::SQS::Queue", "QueueName"},
    {"AWS::SSM::Parameter", "Name"},
};

const char *cfn_diff_name_property(const char *type) {
    for (size_t i = 0; i < sizeof(name_props) / sizeof(name_props[0]); i++)
        if (strcmp(name_props[i].type, type) == 0) return name_props[i].prop;
    return NULL;
}

const char *cfn_recreate_name(enum cfn_recreate r) {
    return r == CFN_RECREATE_ALWAYS ? "Always" : r == CFN_RECREATE_CONDITIONALLY ? "Conditionally" : "Never";
}

const char *cfn_replace_name(enum cfn_replace r) {
    return r == CFN_REPLACE_TRUE ? "True" : r == CFN_REPLACE_CONDITIONAL ? "Conditional" : "False";
}
