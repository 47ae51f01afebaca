/*
 * AWS::IAM::Role, AWS::IAM::Policy and AWS::IAM::ManagedPolicy
 * (api/cfn_type.h), through IAM's own query operations (Version
 * 2010-05-08: CreateRole, AttachRolePolicy, PutRolePolicy, CreatePolicy,
 * CreatePolicyVersion, ...), so a template gets IAM's checks and
 * messages. Identity, attributes and in-place properties:
 * docs/cloudformation-reference.md, sections 1.1 to 1.3; property shapes:
 * AWS CloudFormation User Guide, "AWS::IAM::Role", "AWS::IAM::Policy",
 * "AWS::IAM::ManagedPolicy". sluice's IAM has roles only: a policy for
 * Users or Groups is refused with a reason that says so.
 */
#include "api/cfn_res_svc.h"
#include "base/util.h"

#include <cjson/cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IAM_VERSION "2010-05-08"
#define IAM_TITLE "Iam"

/* Role names are at most 64 characters, policy names 128 (IAM User
 * Guide, "IAM object quotas"). */
#define ROLE_NAME_MAX 64
#define POLICY_NAME_MAX 128

/* A managed policy keeps at most 5 versions (IAM User Guide, "Versioning
 * IAM policies"); an update deletes the oldest first, as CloudFormation
 * does. */
#define POLICY_VERSIONS_MAX 5

/* Each pass of a purge lists a page and removes all of it; a role has at
 * most 10 managed and a bounded number of inline policies, so a few
 * passes always empty it. The bound stops a loop on a store that never
 * shrinks. */
#define PURGE_PASSES 20

/* Runs IAM's ACTION with FORM (taken; NULL: none); on failure *ERR is
 * IAM's reason unless the error is IGNORE (e.g. "NoSuchEntity", counted
 * as success). *OUT (may be NULL) takes the result tree when the call
 * itself succeeded. */
static int iam(const struct cfn_res *r, const char *action, cJSON *form, const char *ignore, cJSON **out,
               char **err) {
    struct call c;
    int rc = cfnr_query(r, "iam", action, IAM_VERSION, form, &c);
    cJSON_Delete(form);
    int ok = rc == 0;
    if (rc != 0 && ignore && c.code && strcmp(c.code, ignore) == 0) rc = 0;
    else if (rc != 0) cfnr_fail(&c, IAM_TITLE, err);
    if (ok && out) {
        *out = c.out;
        c.out = NULL;
    }
    call_clear(&c);
    return rc;
}

/* A form {K1: V1, K2: V2} of strings (K2 may be NULL). */
static cJSON *form2(const char *k1, const char *v1, const char *k2, const char *v2) {
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, k1, v1);
    if (k2) cJSON_AddStringToObject(f, k2, v2);
    return f;
}

/* Adds PROPS' NAME to form F as IAM's text (a document object becomes
 * its JSON), under the same name, when present. */
static void form_prop(cJSON *f, const cJSON *props, const char *name) {
    char *z = cfnr_text(cJSON_GetObjectItemCaseSensitive(props, name));
    if (z) cJSON_AddStringToObject(f, name, z);
    free(z);
}

/* A refusal when PROPS name Users or Groups, which sluice's IAM lacks. */
static int no_users_or_groups(const cJSON *props, char **err) {
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(props, "Users")) > 0 ||
        cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(props, "Groups")) > 0)
        return cfnr_failf(err, "sluice's IAM has no users or groups: only Roles can be given");
    return 0;
}

/* ---- the policies of a role ---- */

/* PutRolePolicy ROLE NAME DOC (a document object or string). */
static int put_inline(const struct cfn_res *r, const char *role, const char *name, const cJSON *doc, char **err) {
    cJSON *f = form2("RoleName", role, "PolicyName", name);
    char *z = cfnr_text(doc);
    cJSON_AddStringToObject(f, "PolicyDocument", z ? z : "");
    free(z);
    return iam(r, "PutRolePolicy", f, NULL, NULL, err);
}

/* Detaches every managed policy of ROLE and deletes every inline one
 * (IAM API Reference, "DeleteRole": both first). A role that is gone
 * counts as done. */
static int role_empty(const struct cfn_res *r, const char *role, char **err) {
    for (int pass = 0; pass < PURGE_PASSES; pass++) {
        cJSON *att = NULL, *inl = NULL;
        int rc = iam(r, "ListAttachedRolePolicies", form2("RoleName", role, NULL, NULL), NULL, &att, err);
        if (rc == 0) rc = iam(r, "ListRolePolicies", form2("RoleName", role, NULL, NULL), NULL, &inl, err);
        const cJSON *e;
        int n = 0;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(att, "AttachedPolicies")) {
            if (rc == 0 && cfnr_str(e, "PolicyArn"))
                rc = iam(r, "DetachRolePolicy", form2("RoleName", role, "PolicyArn", cfnr_str(e, "PolicyArn")),
                         "NoSuchEntity", NULL, err);
            n++;
        }
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(inl, "PolicyNames")) {
            if (rc == 0 && cJSON_IsString(e))
                rc = iam(r, "DeleteRolePolicy", form2("RoleName", role, "PolicyName", e->valuestring), "NoSuchEntity",
                         NULL, err);
            n++;
        }
        cJSON_Delete(att);
        cJSON_Delete(inl);
        if (rc != 0 || n == 0) return rc;
    }
    return cfnr_failf(err, "Role %s still has policies", role);
}

/* Empties and deletes role NAME; gone already counts as deleted. */
static int role_purge(const struct cfn_res *r, const char *name, char **err) {
    cJSON *got = NULL;
    if (iam(r, "GetRole", form2("RoleName", name, NULL, NULL), "NoSuchEntity", &got, err) != 0) return -1;
    int exists = got != NULL;
    cJSON_Delete(got);
    if (!exists) return 0;
    if (role_empty(r, name, err) != 0) return -1;
    return iam(r, "DeleteRole", form2("RoleName", name, NULL, NULL), "NoSuchEntity", NULL, err);
}

/* ---- AWS::IAM::Role ---- */

/* The CreateRole form for role NAME from PROPS. Pure; a new object. */
static cJSON *role_form(const cJSON *props, const char *name) {
    static const char *const copy[] = {"AssumeRolePolicyDocument", "Path", "Description", "MaxSessionDuration",
                                       "PermissionsBoundary"};
    cJSON *f = form2("RoleName", name, NULL, NULL);
    for (size_t i = 0; i < sizeof(copy) / sizeof(copy[0]); i++) form_prop(f, props, copy[i]);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(props, "Tags");
    if (cJSON_GetArraySize(tags) > 0) cJSON_AddItemToObject(f, "Tags", cJSON_Duplicate(tags, 1));
    return f;
}

/* Attaches the managed policies and puts the inline ones of PROPS that
 * OLD (may be NULL) lacks or has otherwise. */
static int role_policies_add(const struct cfn_res *r, const char *name, const cJSON *old, char **err) {
    const cJSON *e;
    const cJSON *oldm = cJSON_GetObjectItemCaseSensitive(old, "ManagedPolicyArns");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->props, "ManagedPolicyArns")) {
        if (!cJSON_IsString(e) || cfnr_has(oldm, e->valuestring)) continue;
        if (iam(r, "AttachRolePolicy", form2("RoleName", name, "PolicyArn", e->valuestring), NULL, NULL, err) != 0)
            return -1;
    }
    const cJSON *oldi = cJSON_GetObjectItemCaseSensitive(old, "Policies");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->props, "Policies")) {
        const char *pn = cfnr_str(e, "PolicyName");
        const cJSON *doc = cJSON_GetObjectItemCaseSensitive(e, "PolicyDocument");
        const cJSON *was = NULL, *o;
        cJSON_ArrayForEach(o, oldi) {
            const char *on = cfnr_str(o, "PolicyName");
            if (pn && on && strcmp(on, pn) == 0) was = o;
        }
        if (was && cJSON_Compare(was, e, 1)) continue;
        if (put_inline(r, name, pn ? pn : "", doc, err) != 0) return -1;
    }
    return 0;
}

static int role_create(struct cfn_res *r, char **err) {
    const char *given = cfnr_str(r->props, "RoleName");
    char *name = given ? xstrdup(given) : cfn_physical_name(r, ROLE_NAME_MAX, 0);
    cJSON *out = NULL;
    int rc = iam(r, "CreateRole", role_form(r->props, name), NULL, &out, err);
    if (rc == 0 && (rc = role_policies_add(r, name, NULL, err)) != 0) {
        /* Undo the part made: the role and what was attached to it. */
        char *ignored = NULL;
        role_purge(r, name, &ignored);
        free(ignored);
    }
    if (rc == 0) {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(out, "Role");
        r->new_physical_id = xstrdup(name);
        r->new_attrs = cJSON_CreateObject();
        cJSON_AddStringToObject(r->new_attrs, "Arn", cfnr_str(role, "Arn") ? cfnr_str(role, "Arn") : "");
        cJSON_AddStringToObject(r->new_attrs, "RoleId", cfnr_str(role, "RoleId") ? cfnr_str(role, "RoleId") : "");
    }
    cJSON_Delete(out);
    free(name);
    return rc;
}

/* Removes the managed and inline policies OLD had and PROPS no longer
 * name. */
static int role_policies_drop(const struct cfn_res *r, const char *name, char **err) {
    const cJSON *e;
    const cJSON *newm = cJSON_GetObjectItemCaseSensitive(r->props, "ManagedPolicyArns");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->old_props, "ManagedPolicyArns")) {
        if (!cJSON_IsString(e) || cfnr_has(newm, e->valuestring)) continue;
        if (iam(r, "DetachRolePolicy", form2("RoleName", name, "PolicyArn", e->valuestring), "NoSuchEntity", NULL,
                err) != 0)
            return -1;
    }
    const cJSON *newi = cJSON_GetObjectItemCaseSensitive(r->props, "Policies");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(r->old_props, "Policies")) {
        const char *pn = cfnr_str(e, "PolicyName");
        int kept = 0;
        const cJSON *n;
        cJSON_ArrayForEach(n, newi) {
            const char *nn = cfnr_str(n, "PolicyName");
            kept |= pn && nn && strcmp(nn, pn) == 0;
        }
        if (pn == NULL || kept) continue;
        if (iam(r, "DeleteRolePolicy", form2("RoleName", name, "PolicyName", pn), "NoSuchEntity", NULL, err) != 0)
            return -1;
    }
    return 0;
}

/* TagRole / UntagRole (or TagPolicy / UntagPolicy: KIND "Role" or
 * "Policy", ID_KEY/ID the entity) from the old Tags to the new. */
static int tags_apply(const struct cfn_res *r, const char *kind, const char *id_key, const char *id, char **err) {
    const cJSON *ot = cJSON_GetObjectItemCaseSensitive(r->old_props, "Tags");
    const cJSON *nt = cJSON_GetObjectItemCaseSensitive(r->props, "Tags");
    cJSON *gone = cJSON_CreateArray(), *set = cJSON_CreateArray();
    const cJSON *t;
    cJSON_ArrayForEach(t, ot) {
        const char *k = cfnr_str(t, "Key");
        if (k && cfnr_tag(nt, k) == NULL) cJSON_AddItemToArray(gone, cJSON_CreateString(k));
    }
    cJSON_ArrayForEach(t, nt) {
        const char *k = cfnr_str(t, "Key"), *v = cfnr_str(t, "Value"), *was = k ? cfnr_tag(ot, k) : NULL;
        if (k && v && !(was && strcmp(was, v) == 0)) cJSON_AddItemToArray(set, cJSON_Duplicate(t, 1));
    }
    char op[32];
    int rc = 0;
    if (cJSON_GetArraySize(gone) > 0) {
        snprintf(op, sizeof(op), "Untag%s", kind);
        cJSON *f = form2(id_key, id, NULL, NULL);
        cJSON_AddItemToObject(f, "TagKeys", gone);
        gone = NULL;
        rc = iam(r, op, f, NULL, NULL, err);
    }
    if (rc == 0 && cJSON_GetArraySize(set) > 0) {
        snprintf(op, sizeof(op), "Tag%s", kind);
        cJSON *f = form2(id_key, id, NULL, NULL);
        cJSON_AddItemToObject(f, "Tags", set);
        set = NULL;
        rc = iam(r, op, f, NULL, NULL, err);
    }
    cJSON_Delete(gone);
    cJSON_Delete(set);
    return rc;
}

/* In place: the trust policy, description and session length, the
 * policies, the tags. RoleName and Path are create-only. */
static int role_update(struct cfn_res *r, char **err) {
    const char *name = r->physical_id;
    const cJSON *o = r->old_props, *p = r->props;
    if (cfnr_changed(o, p, "PermissionsBoundary"))
        return cfnr_failf(err, "sluice's IAM has no PutRolePermissionsBoundary or DeleteRolePermissionsBoundary: "
                               "a role's PermissionsBoundary cannot change in place");
    if (cfnr_changed(o, p, "AssumeRolePolicyDocument")) {
        cJSON *f = form2("RoleName", name, NULL, NULL);
        char *z = cfnr_text(cJSON_GetObjectItemCaseSensitive(p, "AssumeRolePolicyDocument"));
        cJSON_AddStringToObject(f, "PolicyDocument", z ? z : "");
        free(z);
        if (iam(r, "UpdateAssumeRolePolicy", f, NULL, NULL, err) != 0) return -1;
    }
    if (cfnr_changed(o, p, "Description") || cfnr_changed(o, p, "MaxSessionDuration")) {
        /* Removed ones return to IAM's defaults: no description, 3600 s
         * (docs/cloudformation-reference.md, section 1.3). */
        cJSON *f = form2("RoleName", name, "Description", cfnr_str(p, "Description") ? cfnr_str(p, "Description") : "");
        form_prop(f, p, "MaxSessionDuration");
        if (!cJSON_GetObjectItemCaseSensitive(f, "MaxSessionDuration"))
            cJSON_AddStringToObject(f, "MaxSessionDuration", "3600");
        if (iam(r, "UpdateRole", f, NULL, NULL, err) != 0) return -1;
    }
    if (role_policies_add(r, name, o, err) != 0 || role_policies_drop(r, name, err) != 0) return -1;
    return tags_apply(r, "Role", "RoleName", name, err);
}

static int role_remove(struct cfn_res *r, char **err) { return role_purge(r, r->physical_id, err); }

/* docs/cloudformation-reference.md, section 1.1. */
static const char *const role_create_only[] = {"RoleName", "Path", NULL};

const struct cfn_type cfn_type_iam_role = {
    "AWS::IAM::Role", role_create_only, role_create, role_update, role_remove,
};

/* ---- AWS::IAM::Policy: an inline policy put on each of its roles ---- */

/* Physical ids of AWS::IAM::Policy: CloudFormation makes one up (the
 * resource has no name of its own; docs/cloudformation-reference.md,
 * section 1.1: primaryIdentifier Id). Its length is ours. */
#define POLICY_ID_MAX 64

/* Deletes inline policy NAME from each role of ROLES but those of KEEP
 * (may be NULL); a role or policy already gone is skipped. */
static int policy_drop(const struct cfn_res *r, const char *name, const cJSON *roles, const cJSON *keep,
                       char **err) {
    const cJSON *e;
    cJSON_ArrayForEach(e, roles) {
        if (!cJSON_IsString(e) || cfnr_has(keep, e->valuestring)) continue;
        if (iam(r, "DeleteRolePolicy", form2("RoleName", e->valuestring, "PolicyName", name), "NoSuchEntity", NULL,
                err) != 0)
            return -1;
    }
    return 0;
}

/* Puts the policy of PROPS on each of its roles. On a failure the roles
 * done so far lose it again unless they are in KEEP (an update's old
 * roles, which keep theirs). */
static int policy_put(const struct cfn_res *r, const cJSON *keep, char **err) {
    const char *name = cfnr_str(r->props, "PolicyName");
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(r->props, "PolicyDocument");
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(r->props, "Roles");
    if (no_users_or_groups(r->props, err) != 0) return -1;
    if (name == NULL || doc == NULL) return cfnr_failf(err, "Properties validation failed: PolicyName and "
                                                            "PolicyDocument are required");
    cJSON *done = cJSON_CreateArray();
    const cJSON *e;
    int rc = 0;
    cJSON_ArrayForEach(e, roles) {
        if (!cJSON_IsString(e)) continue;
        if ((rc = put_inline(r, e->valuestring, name, doc, err)) != 0) break;
        cJSON_AddItemToArray(done, cJSON_CreateString(e->valuestring));
    }
    if (rc != 0) {
        char *ignored = NULL;
        policy_drop(r, name, done, keep, &ignored);
        free(ignored);
    }
    cJSON_Delete(done);
    return rc;
}

static int policy_create(struct cfn_res *r, char **err) {
    if (policy_put(r, NULL, err) != 0) return -1;
    r->new_physical_id = cfn_physical_name(r, POLICY_ID_MAX, 0);
    r->new_attrs = cJSON_CreateObject();
    cJSON_AddStringToObject(r->new_attrs, "Id", r->new_physical_id);
    return 0;
}

/* Puts the new document (and name) on the new roles, then takes the old
 * name off the roles that no longer have it. */
static int policy_update(struct cfn_res *r, char **err) {
    const cJSON *oroles = cJSON_GetObjectItemCaseSensitive(r->old_props, "Roles");
    const cJSON *nroles = cJSON_GetObjectItemCaseSensitive(r->props, "Roles");
    const char *oname = cfnr_str(r->old_props, "PolicyName"), *nname = cfnr_str(r->props, "PolicyName");
    int renamed = oname && nname && strcmp(oname, nname) != 0;
    if (policy_put(r, renamed ? NULL : oroles, err) != 0) return -1;
    if (oname && policy_drop(r, oname, oroles, renamed ? NULL : nroles, err) != 0) return -1;
    return 0;
}

static int policy_remove(struct cfn_res *r, char **err) {
    const char *name = cfnr_str(r->old_props, "PolicyName");
    if (name == NULL) return 0;
    return policy_drop(r, name, cJSON_GetObjectItemCaseSensitive(r->old_props, "Roles"), NULL, err);
}

static const char *const policy_create_only[] = {NULL};

const struct cfn_type cfn_type_iam_policy = {
    "AWS::IAM::Policy", policy_create_only, policy_create, policy_update, policy_remove,
};

/* ---- AWS::IAM::ManagedPolicy ---- */

/* Attaches ARN to the roles of PROPS that OLD (may be NULL) lacks, and
 * detaches it from OLD's roles that PROPS lacks. */
static int managed_roles(const struct cfn_res *r, const char *arn, const cJSON *old, const cJSON *props,
                         char **err) {
    const cJSON *oroles = cJSON_GetObjectItemCaseSensitive(old, "Roles");
    const cJSON *nroles = cJSON_GetObjectItemCaseSensitive(props, "Roles");
    const cJSON *e;
    cJSON_ArrayForEach(e, nroles) {
        if (!cJSON_IsString(e) || cfnr_has(oroles, e->valuestring)) continue;
        if (iam(r, "AttachRolePolicy", form2("RoleName", e->valuestring, "PolicyArn", arn), NULL, NULL, err) != 0)
            return -1;
    }
    cJSON_ArrayForEach(e, oroles) {
        if (!cJSON_IsString(e) || cfnr_has(nroles, e->valuestring)) continue;
        if (iam(r, "DetachRolePolicy", form2("RoleName", e->valuestring, "PolicyArn", arn), "NoSuchEntity", NULL,
                err) != 0)
            return -1;
    }
    return 0;
}

/* The attributes of managed policy ARN, from GetPolicy
 * (docs/cloudformation-reference.md, section 1.1); counts as numbers. */
static int managed_attrs(struct cfn_res *r, const char *arn, char **err) {
    cJSON *out = NULL;
    if (iam(r, "GetPolicy", form2("PolicyArn", arn, NULL, NULL), NULL, &out, err) != 0) return -1;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(out, "Policy");
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "PolicyArn", arn);
    static const char *const text[] = {"PolicyId", "DefaultVersionId", "CreateDate", "UpdateDate"};
    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
        if (cfnr_str(p, text[i])) cJSON_AddStringToObject(a, text[i], cfnr_str(p, text[i]));
    static const char *const counts[] = {"AttachmentCount", "PermissionsBoundaryUsageCount"};
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        cJSON_AddNumberToObject(a, counts[i], cfnr_str(p, counts[i]) ? atof(cfnr_str(p, counts[i])) : 0);
    cJSON_AddBoolToObject(a, "IsAttachable", !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(p, "IsAttachable")));
    cJSON_Delete(out);
    cJSON_Delete(r->new_attrs);
    r->new_attrs = a;
    return 0;
}

/* Deletes every version of ARN but the default (DeletePolicy needs it),
 * or, with OLDEST_ONLY, the oldest one when the policy has the most it
 * may have. */
static int managed_versions_drop(const struct cfn_res *r, const char *arn, int oldest_only, char **err) {
    cJSON *out = NULL;
    if (iam(r, "ListPolicyVersions", form2("PolicyArn", arn, NULL, NULL), NULL, &out, err) != 0) return -1;
    const cJSON *vs = cJSON_GetObjectItemCaseSensitive(out, "Versions"), *v, *oldest = NULL;
    int rc = 0, n = cJSON_GetArraySize(vs);
    cJSON_ArrayForEach(v, vs) {
        const char *id = cfnr_str(v, "VersionId");
        if (id == NULL || cfnr_true(cJSON_GetObjectItemCaseSensitive(v, "IsDefaultVersion"))) continue;
        if (oldest_only) {
            if (oldest == NULL || atoi(id + 1) < atoi(cfnr_str(oldest, "VersionId") + 1)) oldest = v;
            continue;
        }
        if ((rc = iam(r, "DeletePolicyVersion", form2("PolicyArn", arn, "VersionId", id), "NoSuchEntity", NULL,
                      err)) != 0)
            break;
    }
    if (rc == 0 && oldest && n >= POLICY_VERSIONS_MAX)
        rc = iam(r, "DeletePolicyVersion", form2("PolicyArn", arn, "VersionId", cfnr_str(oldest, "VersionId")),
                 "NoSuchEntity", NULL, err);
    cJSON_Delete(out);
    return rc;
}

/* Detaches ARN from ROLES, deletes its other versions, then the policy;
 * gone already counts as deleted. */
static int managed_purge(const struct cfn_res *r, const char *arn, const cJSON *props, char **err) {
    cJSON *got = NULL;
    if (iam(r, "GetPolicy", form2("PolicyArn", arn, NULL, NULL), "NoSuchEntity", &got, err) != 0) return -1;
    int exists = got != NULL;
    cJSON_Delete(got);
    if (!exists) return 0;
    if (managed_roles(r, arn, props, NULL, err) != 0 || managed_versions_drop(r, arn, 0, err) != 0) return -1;
    return iam(r, "DeletePolicy", form2("PolicyArn", arn, NULL, NULL), "NoSuchEntity", NULL, err);
}

static int managed_create(struct cfn_res *r, char **err) {
    const cJSON *p = r->props;
    if (no_users_or_groups(p, err) != 0) return -1;
    const char *given = cfnr_str(p, "ManagedPolicyName");
    char *name = given ? xstrdup(given) : cfn_physical_name(r, POLICY_NAME_MAX, 0);
    cJSON *f = form2("PolicyName", name, NULL, NULL), *out = NULL;
    form_prop(f, p, "PolicyDocument");
    form_prop(f, p, "Path");
    form_prop(f, p, "Description");
    int rc = iam(r, "CreatePolicy", f, NULL, &out, err);
    const char *arn = rc == 0 ? cfnr_str(cJSON_GetObjectItemCaseSensitive(out, "Policy"), "Arn") : NULL;
    if (rc == 0 && arn == NULL) rc = cfnr_failf(err, "CreatePolicy returned no Arn");
    if (rc == 0 && (rc = managed_roles(r, arn, NULL, p, err)) == 0) rc = managed_attrs(r, arn, err);
    if (rc != 0 && arn) {
        char *ignored = NULL;
        managed_purge(r, arn, p, &ignored);
        free(ignored);
        cJSON_Delete(r->new_attrs);
        r->new_attrs = NULL;
    }
    if (rc == 0) r->new_physical_id = xstrdup(arn);
    cJSON_Delete(out);
    free(name);
    return rc;
}

/* A new document is a new default version (the oldest deleted first when
 * there are 5); the roles are attached and detached to match. */
static int managed_update(struct cfn_res *r, char **err) {
    const char *arn = r->physical_id;
    if (no_users_or_groups(r->props, err) != 0) return -1;
    if (cfnr_changed(r->old_props, r->props, "PolicyDocument")) {
        if (managed_versions_drop(r, arn, 1, err) != 0) return -1;
        cJSON *f = form2("PolicyArn", arn, "SetAsDefault", "true");
        form_prop(f, r->props, "PolicyDocument");
        if (iam(r, "CreatePolicyVersion", f, NULL, NULL, err) != 0) return -1;
    }
    if (managed_roles(r, arn, r->old_props, r->props, err) != 0) return -1;
    return managed_attrs(r, arn, err);
}

static int managed_remove(struct cfn_res *r, char **err) {
    return managed_purge(r, r->physical_id, r->old_props, err);
}

/* docs/cloudformation-reference.md, section 1.1. */
static const char *const managed_create_only[] = {"ManagedPolicyName", "Path", "Description", NULL};

const struct cfn_type cfn_type_iam_managed_policy = {
    "AWS::IAM::ManagedPolicy", managed_create_only, managed_create, managed_update, managed_remove,
};
