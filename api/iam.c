/*
 * AWS IAM (query protocol, Version 2010-05-08): roles, their inline
 * policies and tags, customer managed policies and their versions, the
 * AWS managed policies Lambda roles attach (api/iam_managed.c), and
 * attachments. Wire shapes: botocore's iam/2010-05-08/service-2.json;
 * replies in the https://iam.amazonaws.com/doc/2010-05-08/ namespace.
 *
 * IAM is global: everything is per account (req->account), the region
 * is ignored. Policies are stored and returned, never evaluated: no
 * request anywhere in sluice is allowed or denied by them, and Lambda
 * accepts a role that IAM does not hold. Documents are returned
 * percent-encoded, as IAM returns them (botocore decodes them into
 * dicts). Roles and policies are stored as the JSON this file builds,
 * with CreateDate in epoch ms.
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/iam_int.h"
#include "api/op.h"
#include "api/query.h"
#include "api/request.h"
#include "base/clock.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_iam.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define IAM_XMLNS "https://iam.amazonaws.com/doc/2010-05-08/"
/* Role and policy ids: a 4-letter prefix (AROA roles, ANPA managed
 * policies) and 17 characters, as IAM issues them (IAM User Guide,
 * "IAM identifiers", unique ID prefixes). */
#define IAM_ID_RANDOM 17

/* -- small helpers -- */

/* The string parameter KEY of the form, or NULL. */
static const char *param(struct op_in *in, const char *key) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(in->json, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int fail_validation(struct req *req, const struct sts_verr *v) {
    char msg[1200];
    sts_verr_message(v, msg, sizeof(msg));
    return req_fail(req, &AWSERR_QUERY_VALIDATION, "%s", msg);
}

static int fail_store(struct req *req) {
    return req_fail(req, &AWSERR_IAM_SERVICE_FAILURE, "The request processing has failed because of an unknown error, exception or failure.");
}

/* PREFIX and IAM_ID_RANDOM characters of [A-Z0-9] into OUT (22 bytes),
 * from util_uuid's generator. */
static void new_id(const char *prefix, char out[22]) {
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t k = 4;
    memcpy(out, prefix, 4);
    while (k < 4 + IAM_ID_RANDOM) {
        char u[37];
        util_uuid(u);
        for (int i = 0; i + 1 < 36 && k < 4 + IAM_ID_RANDOM; i += 2) {
            if (u[i] == '-' || u[i + 1] == '-') continue;
            unsigned v = (unsigned)strtoul((char[]){u[i], u[i + 1], 0}, NULL, 16);
            out[k++] = alphabet[v % (sizeof(alphabet) - 1)];
        }
    }
    out[k] = '\0';
}

/* Epoch ms MS as IAM writes dates: 2024-01-01T00:00:00Z. */
static void iso_date(double ms, char out[40]) {
    util_iso_time((int64_t)ms, out, 40);
    char *dot = strchr(out, '.');
    if (dot) memcpy(dot, "Z", 2);
}

static void add_date(cJSON *to, const char *name, const cJSON *from) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);
    if (!cJSON_IsNumber(v)) return;
    char iso[40];
    iso_date(v->valuedouble, iso);
    cJSON_AddStringToObject(to, name, iso);
}

static void add_copy(cJSON *to, const char *name, const cJSON *from) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(from, name);
    if (v) cJSON_AddItemToObject(to, name, cJSON_Duplicate(v, 1));
}

/* Integers go out as text: query_reply writes numbers as doubles
 * ("3600.0"), which botocore's integer parser refuses. */
static void add_int(cJSON *to, const char *name, long long n) {
    char buf[32];
    snprintf(buf, sizeof(buf), "%lld", n);
    cJSON_AddStringToObject(to, name, buf);
}

/* DOC percent-encoded as IAM returns documents (every byte but
 * A-Z a-z 0-9 - _ . ~ as %XX, so botocore's unquote() restores it). */
static void add_encoded(cJSON *to, const char *name, const char *doc) {
    char *enc = util_pct_encode(doc, NULL);
    cJSON_AddStringToObject(to, name, enc);
    free(enc);
}

/* Parses stored JSON text TEXT (owned; freed here). */
static cJSON *parse_stored(char *text) {
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    return j;
}

/* J as compact JSON text (heap; caller frees). */
static char *print(const cJSON *j) {
    char *s = cJSON_PrintUnformatted(j);
    if (s == NULL) abort();
    return s;
}

/* -- paging: a listing collected from storage, cut by iam_page -- */

struct listing {
    cJSON *items;  /* array, in key order */
    char **keys;
    size_t n, cap;
};

static void listing_add(struct listing *l, const char *key, cJSON *item) {
    if (l->items == NULL) l->items = cJSON_CreateArray();
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->keys = xrealloc(l->keys, l->cap * sizeof(*l->keys));
    }
    l->keys[l->n++] = xstrdup(key);
    cJSON_AddItemToArray(l->items, item);
}

static int listing_has(const struct listing *l, const char *key) {
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->keys[i], key) == 0) return 1;
    return 0;
}

static void listing_free(struct listing *l) {
    for (size_t i = 0; i < l->n; i++) free(l->keys[i]);
    free(l->keys);
    cJSON_Delete(l->items);
}

struct keyed {
    char *key;
    cJSON *item;
};

static int by_key(const void *a, const void *b) {
    return strcmp(((const struct keyed *)a)->key, ((const struct keyed *)b)->key);
}

/* Reorders L by key (strcmp order). */
static void listing_sort(struct listing *l) {
    struct keyed *k = xcalloc(l->n + 1, sizeof(*k));
    for (size_t i = 0; i < l->n; i++) {
        k[i].key = l->keys[i];
        k[i].item = cJSON_DetachItemViaPointer(l->items, l->items->child);
    }
    qsort(k, l->n, sizeof(*k), by_key);
    for (size_t i = 0; i < l->n; i++) {
        l->keys[i] = k[i].key;
        cJSON_AddItemToArray(l->items, k[i].item);
    }
    free(k);
}

/* Reads Marker and MaxItems of IN. Returns 0, or -1 with the error
 * recorded. */
static int paging_params(struct req *req, struct op_in *in, const char **marker, long *max_items) {
    struct sts_verr v = {0};
    *marker = param(in, "Marker");
    sts_check_int(param(in, "MaxItems"), "maxItems", 1, IAM_MAX_ITEMS_MAX, IAM_MAX_ITEMS_DEFAULT, &v, max_items);
    if (*marker && (*marker)[0] == '\0') sts_verr_add(&v, *marker, "marker", "have length greater than or equal to 1");
    return v.n ? fail_validation(req, &v) : 0;
}

/* Sets IN->out to {MEMBER: the page of L, IsTruncated, Marker?}. */
static void emit_page(struct op_in *in, struct listing *l, const char *member, const char *marker, long max_items) {
    struct iam_page pg;
    iam_page((const char *const *)l->keys, l->n, marker, max_items, &pg);
    cJSON *arr = cJSON_CreateArray();
    size_t i = 0;
    for (cJSON *it = l->items ? l->items->child : NULL; it; it = it->next, i++)
        if (i >= pg.start && i < pg.start + pg.count) cJSON_AddItemToArray(arr, cJSON_Duplicate(it, 1));
    in->out = cJSON_CreateObject();
    cJSON_AddItemToObject(in->out, member, arr);
    cJSON_AddBoolToObject(in->out, "IsTruncated", pg.next != NULL);
    if (pg.next) cJSON_AddStringToObject(in->out, "Marker", pg.next);
}

/* -- roles -- */

enum role_view { ROLE_CREATE, ROLE_GET, ROLE_LIST };

/* The Role member IAM returns for the stored role R. ListRoles leaves
 * out Tags, PermissionsBoundary and RoleLastUsed (IAM API Reference,
 * "ListRoles"); GetRole adds RoleLastUsed (never used here: empty). */
static cJSON *role_out(const cJSON *r, enum role_view view) {
    cJSON *o = cJSON_CreateObject();
    add_copy(o, "Path", r);
    add_copy(o, "RoleName", r);
    add_copy(o, "RoleId", r);
    add_copy(o, "Arn", r);
    add_date(o, "CreateDate", r);
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(r, "AssumeRolePolicyDocument");
    if (cJSON_IsString(doc)) add_encoded(o, "AssumeRolePolicyDocument", doc->valuestring);
    add_copy(o, "Description", r);
    const cJSON *msd = cJSON_GetObjectItemCaseSensitive(r, "MaxSessionDuration");
    if (cJSON_IsNumber(msd)) add_int(o, "MaxSessionDuration", (long long)msd->valuedouble);
    if (view != ROLE_LIST) {
        add_copy(o, "PermissionsBoundary", r);
        const cJSON *tags = cJSON_GetObjectItemCaseSensitive(r, "Tags");
        if (cJSON_GetArraySize(tags) > 0) add_copy(o, "Tags", r);
    }
    if (view == ROLE_GET) cJSON_AddObjectToObject(o, "RoleLastUsed");
    return o;
}

/* Loads role NAME of REQ's account into *ROLE (caller deletes) and its
 * key into KEY. Returns 0, or -1 with NoSuchEntity (or a storage
 * failure) recorded. */
static int load_role(struct req *req, const char *name, cJSON **role, char key[IAM_ROLE_NAME_MAX + 1]) {
    char *text = NULL;
    iam_name_key(name, key, IAM_ROLE_NAME_MAX + 1);
    int rc = store_iam_role_get(req->account, key, &text);
    if (rc == STORE_NOTFOUND)
        return req_fail(req, &AWSERR_IAM_NO_SUCH_ENTITY, "The role with name %s cannot be found.", name);
    if (rc != STORE_OK) return fail_store(req);
    *role = parse_stored(text);
    return *role ? 0 : fail_store(req);
}

/* Validates RoleName; returns 0 or -1 (recorded). */
static int role_name_or_fail(struct req *req, const char *name) {
    struct sts_verr v = {0};
    if (iam_check_name(name, "roleName", IAM_ROLE_NAME_MAX, &v) != 0) return fail_validation(req, &v);
    return 0;
}

/* Checks the Tags list of IN into V, and refuses duplicate keys. Returns
 * the list (borrowed) or NULL when absent. *DUP is set on a duplicate. */
static const cJSON *check_tags(struct op_in *in, struct sts_verr *v, int *dup) {
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(in->json, "Tags");
    *dup = 0;
    if (tags == NULL) return NULL;
    if (!cJSON_IsArray(tags)) {
        sts_verr_add(v, NULL, "tags", "not be null");
        return NULL;
    }
    if (cJSON_GetArraySize(tags) > IAM_TAGS_MAX) sts_verr_add(v, NULL, "tags", "have length less than or equal to 50");
    int i = 1;
    for (const cJSON *t = tags->child; t; t = t->next, i++) {
        char field[64];
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key");
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(t, "Value");
        snprintf(field, sizeof(field), "tags.%d.member.key", i);
        if (!cJSON_IsString(k)) sts_verr_add(v, NULL, field, "not be null");
        else if (strlen(k->valuestring) < 1) sts_verr_add(v, k->valuestring, field, "have length greater than or equal to 1");
        else if (strlen(k->valuestring) > IAM_TAG_KEY_MAX) sts_verr_add(v, k->valuestring, field, "have length less than or equal to 128");
        snprintf(field, sizeof(field), "tags.%d.member.value", i);
        if (!cJSON_IsString(val)) sts_verr_add(v, NULL, field, "not be null");
        else if (strlen(val->valuestring) > IAM_TAG_VALUE_MAX) sts_verr_add(v, val->valuestring, field, "have length less than or equal to 256");
        for (const cJSON *u = tags->child; u != t && cJSON_IsString(k); u = u->next) {
            const cJSON *uk = cJSON_GetObjectItemCaseSensitive(u, "Key");
            if (cJSON_IsString(uk) && strcasecmp(uk->valuestring, k->valuestring) == 0) *dup = 1;
        }
    }
    return tags;
}

/* A copy of the Tags list TAGS holding only Key and Value. */
static cJSON *tags_copy(const cJSON *tags) {
    cJSON *out = cJSON_CreateArray();
    for (const cJSON *t = tags ? tags->child : NULL; t; t = t->next) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "Key", cJSON_GetObjectItemCaseSensitive(t, "Key")->valuestring);
        cJSON_AddStringToObject(o, "Value", cJSON_GetObjectItemCaseSensitive(t, "Value")->valuestring);
        cJSON_AddItemToArray(out, o);
    }
    return out;
}

static const char DUP_TAGS[] = "Duplicate tag keys found. Please note that Tag keys are case insensitive.";

static int create_role(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *name = param(in, "RoleName"), *doc = param(in, "AssumeRolePolicyDocument");
    const char *path = param(in, "Path"), *desc = param(in, "Description");
    const char *boundary = param(in, "PermissionsBoundary");
    long msd;
    int dup;
    iam_check_name(name, "roleName", IAM_ROLE_NAME_MAX, &v);
    iam_check_document_param(doc, "assumeRolePolicyDocument", &v);
    iam_check_path(path, "path", 0, &v);
    iam_check_description(desc, "description", &v);
    sts_check_int(param(in, "MaxSessionDuration"), "maxSessionDuration", IAM_SESSION_MIN, IAM_SESSION_MAX,
                  IAM_SESSION_MIN, &v, &msd);
    iam_check_arn(boundary, "permissionsBoundary", &v);
    const cJSON *tags = check_tags(in, &v, &dup);
    if (v.n) return fail_validation(req, &v);
    if (dup) return req_fail(req, &AWSERR_IAM_INVALID_INPUT, "%s", DUP_TAGS);
    const char *bad = iam_check_policy(doc, 0);
    if (bad) return req_fail(req, &AWSERR_IAM_MALFORMED_POLICY, "%s", bad);
    if (path == NULL) path = "/";
    char key[IAM_ROLE_NAME_MAX + 1], id[22];
    iam_name_key(name, key, sizeof(key));
    new_id("AROA", id);
    char *arn = xasprintf("arn:aws:iam::%s:role%s%s", req->account, path, name);
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "Path", path);
    cJSON_AddStringToObject(r, "RoleName", name);
    cJSON_AddStringToObject(r, "RoleId", id);
    cJSON_AddStringToObject(r, "Arn", arn);
    cJSON_AddNumberToObject(r, "CreateDate", (double)(clock_now_ms() / 1000 * 1000));
    cJSON_AddStringToObject(r, "AssumeRolePolicyDocument", doc);
    if (desc) cJSON_AddStringToObject(r, "Description", desc);
    cJSON_AddNumberToObject(r, "MaxSessionDuration", (double)msd);
    if (boundary) {
        cJSON *b = cJSON_AddObjectToObject(r, "PermissionsBoundary");
        cJSON_AddStringToObject(b, "PermissionsBoundaryType", "PermissionsBoundaryPolicy");
        cJSON_AddStringToObject(b, "PermissionsBoundaryArn", boundary);
    }
    if (tags && cJSON_GetArraySize(tags) > 0) cJSON_AddItemToObject(r, "Tags", tags_copy(tags));
    char *text = print(r);
    int rc = store_iam_role_put(req->account, key, text, 1), ret = 0;
    if (rc == STORE_CONFLICT) ret = req_fail(req, &AWSERR_IAM_ENTITY_EXISTS, "Role with name %s already exists.", name);
    else if (rc != STORE_OK) ret = fail_store(req);
    if (ret == 0) {
        in->out = cJSON_CreateObject();
        cJSON_AddItemToObject(in->out, "Role", role_out(r, ROLE_CREATE));
    }
    free(text);
    free(arn);
    cJSON_Delete(r);
    return ret;
}

static int get_role(struct req *req, struct op_in *in) {
    const char *name = param(in, "RoleName");
    char key[IAM_ROLE_NAME_MAX + 1];
    cJSON *r;
    if (role_name_or_fail(req, name) != 0 || load_role(req, name, &r, key) != 0) return -1;
    in->out = cJSON_CreateObject();
    cJSON_AddItemToObject(in->out, "Role", role_out(r, ROLE_GET));
    cJSON_Delete(r);
    return 0;
}

struct role_scan {
    struct listing l;
    const char *prefix;
};

static int collect_role(void *ctx, const char *key, const char *text) {
    struct role_scan *s = ctx;
    cJSON *r = cJSON_Parse(text);
    const cJSON *path = cJSON_GetObjectItemCaseSensitive(r, "Path");
    if (cJSON_IsString(path) && (s->prefix == NULL || strncmp(path->valuestring, s->prefix, strlen(s->prefix)) == 0))
        listing_add(&s->l, key, role_out(r, ROLE_LIST));
    cJSON_Delete(r);
    return 0;
}

static int list_roles(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    struct role_scan s = {{0}, param(in, "PathPrefix")};
    const char *marker;
    long max_items;
    if (iam_check_path_prefix(s.prefix, "pathPrefix", &v) != 0) return fail_validation(req, &v);
    if (paging_params(req, in, &marker, &max_items) != 0) return -1;
    int ret = 0;
    if (store_iam_roles_each(req->account, collect_role, &s) != STORE_OK) ret = fail_store(req);
    else emit_page(in, &s.l, "Roles", marker, max_items);
    listing_free(&s.l);
    return ret;
}

/* Writes the changed role R (key KEY) back. Returns 0 or -1 (recorded). */
static int save_role(struct req *req, const char *key, const cJSON *r) {
    char *text = print(r);
    int rc = store_iam_role_put(req->account, key, text, 0);
    free(text);
    return rc == STORE_OK ? 0 : fail_store(req);
}

static int update_role(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *name = param(in, "RoleName"), *desc = param(in, "Description");
    const char *msd_text = param(in, "MaxSessionDuration");
    long msd;
    iam_check_name(name, "roleName", IAM_ROLE_NAME_MAX, &v);
    iam_check_description(desc, "description", &v);
    sts_check_int(msd_text, "maxSessionDuration", IAM_SESSION_MIN, IAM_SESSION_MAX, IAM_SESSION_MIN, &v, &msd);
    if (v.n) return fail_validation(req, &v);
    char key[IAM_ROLE_NAME_MAX + 1];
    cJSON *r;
    if (load_role(req, name, &r, key) != 0) return -1;
    if (desc) {
        cJSON_DeleteItemFromObjectCaseSensitive(r, "Description");
        cJSON_AddStringToObject(r, "Description", desc);
    }
    if (msd_text) cJSON_ReplaceItemInObjectCaseSensitive(r, "MaxSessionDuration", cJSON_CreateNumber((double)msd));
    int ret = save_role(req, key, r);
    cJSON_Delete(r);
    if (ret == 0) in->out = cJSON_CreateObject();
    return ret;
}

static int update_assume_role_policy(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *name = param(in, "RoleName"), *doc = param(in, "PolicyDocument");
    iam_check_name(name, "roleName", IAM_ROLE_NAME_MAX, &v);
    iam_check_document_param(doc, "policyDocument", &v);
    if (v.n) return fail_validation(req, &v);
    char key[IAM_ROLE_NAME_MAX + 1];
    cJSON *r;
    if (load_role(req, name, &r, key) != 0) return -1;
    const char *bad = iam_check_policy(doc, 0);
    int ret;
    if (bad) {
        ret = req_fail(req, &AWSERR_IAM_MALFORMED_POLICY, "%s", bad);
    } else {
        cJSON_ReplaceItemInObjectCaseSensitive(r, "AssumeRolePolicyDocument", cJSON_CreateString(doc));
        ret = save_role(req, key, r);
    }
    cJSON_Delete(r);
    return ret;
}

static int delete_role(struct req *req, struct op_in *in) {
    const char *name = param(in, "RoleName");
    char key[IAM_ROLE_NAME_MAX + 1];
    cJSON *r;
    if (role_name_or_fail(req, name) != 0 || load_role(req, name, &r, key) != 0) return -1;
    cJSON_Delete(r);
    int64_t attached = 0, inline_n = 0;
    if (store_iam_attach_count(req->account, key, NULL, &attached) != STORE_OK ||
        store_iam_inline_count(req->account, key, &inline_n) != STORE_OK)
        return fail_store(req);
    /* IAM API Reference, "DeleteRole": the role's managed policies must
     * be detached and its inline policies deleted first. */
    if (attached > 0)
        return req_fail(req, &AWSERR_IAM_DELETE_CONFLICT, "Cannot delete entity, must detach all policies first.");
    if (inline_n > 0)
        return req_fail(req, &AWSERR_IAM_DELETE_CONFLICT, "Cannot delete entity, must delete policies first.");
    return store_iam_role_delete(req->account, key) == STORE_OK ? 0 : fail_store(req);
}

/* -- inline role policies -- */

static int put_role_policy(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *name = param(in, "RoleName"), *pname = param(in, "PolicyName"), *doc = param(in, "PolicyDocument");
    iam_check_name(name, "roleName", IAM_ROLE_NAME_MAX, &v);
    iam_check_name(pname, "policyName", IAM_POLICY_NAME_MAX, &v);
    iam_check_document_param(doc, "policyDocument", &v);
    if (v.n) return fail_validation(req, &v);
    const char *bad = iam_check_policy(doc, 0);
    if (bad) return req_fail(req, &AWSERR_IAM_MALFORMED_POLICY, "%s", bad);
    char key[IAM_ROLE_NAME_MAX + 1];
    cJSON *r;
    if (load_role(req, name, &r, key) != 0) return -1;
    cJSON_Delete(r);
    return store_iam_inline_put(req->account, key, pname, doc) == STORE_OK ? 0 : fail_store(req);
}

/* Validates RoleName and PolicyName and loads the role's key. */
static int role_policy_args(struct req *req, struct op_in *in, char key[IAM_ROLE_NAME_MAX + 1]) {
    struct sts_verr v = {0};
    const char *name = param(in, "RoleName");
    iam_check_name(name, "roleName", IAM_ROLE_NAME_MAX, &v);
    iam_check_name(param(in, "PolicyName"), "policyName", IAM_POLICY_NAME_MAX, &v);
    if (v.n) return fail_validation(req, &v);
    cJSON *r;
    if (load_role(req, name, &r, key) != 0) return -1;
    cJSON_Delete(r);
    return 0;
}

static int get_role_policy(struct req *req, struct op_in *in) {
    char key[IAM_ROLE_NAME_MAX + 1], *doc = NULL;
    if (role_policy_args(req, in, key) != 0) return -1;
    const char *pname = param(in, "PolicyName");
    int rc = store_iam_inline_get(req->account, key, pname, &doc);
    if (rc == STORE_NOTFOUND)
        return req_fail(req, &AWSERR_IAM_NO_SUCH_ENTITY, "The role policy with name %s cannot be found.", pname);
    if (rc != STORE_OK) return fail_store(req);
    in->out = cJSON_CreateObject();
    cJSON_AddStringToObject(in->out, "RoleName", param(in, "RoleName"));
    cJSON_AddStringToObject(in->out, "PolicyName", pname);
    add_encoded(in->out, "PolicyDocument", doc);
    free(doc);
    return 0;
}

static int delete_role_policy(struct req *req, struct op_in *in) {
    char key[IAM_ROLE_NAME_MAX + 1];
    if (role_policy_args(req, in, key) != 0) return -1;
    const char *pname = param(in, "PolicyName");
    int rc = store_iam_inline_delete(req->account, key, pname);
    if (rc == STORE_NOTFOUND)
        return req_fail(req, &AWSERR_IAM_NO_SUCH_ENTITY, "The role policy with name %s cannot be found.", pname);
    return rc == STORE_OK ? 0 : fail_store(req);
}

static int collect_name(void *ctx, const char *name, const char *doc) {
    (void)doc;
    listing_add(ctx, name, cJSON_CreateString(name));
    return 0;
}

/* The common head of the per-role lists: RoleName, the role's key,
 * Marker and MaxItems. */
static int role_list_args(struct req *req, struct op_in *in, char key[IAM_ROLE_NAME_MAX + 1], const char **marker,
                          long *max_items) {
    const char *name = param(in, "RoleName");
    cJSON *r;
    if (role_name_or_fail(req, name) != 0 || paging_params(req, in, marker, max_items) != 0) return -1;
    if (load_role(req, name, &r, key) != 0) return -1;
    cJSON_Delete(r);
    return 0;
}

static int list_role_policies(struct req *req, struct op_in *in) {
    char key[IAM_ROLE_NAME_MAX + 1];
    const char *marker;
    long max_items;
    if (role_list_args(req, in, key, &marker, &max_items) != 0) return -1;
    struct listing l = {0};
    int ret = 0;
    if (store_iam_inline_each(req->account, key, collect_name, &l) != STORE_OK) ret = fail_store(req);
    else emit_page(in, &l, "PolicyNames", marker, max_items);
    listing_free(&l);
    return ret;
}

/* -- role tags -- */

/* Merges TAGS (checked) into DOC's Tags, a key matching whatever its
 * case replacing the tag it names. Returns the number of tags after. */
static int tags_merge(cJSON *doc, const cJSON *tags) {
    cJSON *have = cJSON_GetObjectItemCaseSensitive(doc, "Tags");
    if (have == NULL) have = cJSON_AddArrayToObject(doc, "Tags");
    cJSON *add = tags_copy(tags);
    while (add->child) {
        cJSON *t = cJSON_DetachItemViaPointer(add, add->child);
        const char *k = cJSON_GetObjectItemCaseSensitive(t, "Key")->valuestring;
        for (cJSON *h = have->child; h; h = h->next)
            if (strcasecmp(cJSON_GetObjectItemCaseSensitive(h, "Key")->valuestring, k) == 0) {
                cJSON_DetachItemViaPointer(have, h);
                cJSON_Delete(h);
                break;
            }
        cJSON_AddItemToArray(have, t);
    }
    cJSON_Delete(add);
    return cJSON_GetArraySize(have);
}

/* Removes the tags KEYS name from DOC's Tags (unknown keys: no change). */
static void tags_remove(cJSON *doc, const cJSON *keys) {
    cJSON *have = cJSON_GetObjectItemCaseSensitive(doc, "Tags");
    for (const cJSON *k = keys->child; k && have; k = k->next) {
        if (!cJSON_IsString(k)) continue;
        for (cJSON *h = have->child; h; h = h->next)
            if (strcasecmp(cJSON_GetObjectItemCaseSensitive(h, "Key")->valuestring, k->valuestring) == 0) {
                cJSON_DetachItemViaPointer(have, h);
                cJSON_Delete(h);
                break;
            }
    }
}

/* The Tags of a TagRole/TagPolicy request, checked into V (required). */
static const cJSON *tags_param(struct op_in *in, struct sts_verr *v, int *dup) {
    const cJSON *tags = check_tags(in, v, dup);
    if (tags == NULL && v->n == 0) sts_verr_add(v, NULL, "tags", "not be null");
    return tags;
}

/* The TagKeys of an UntagRole/UntagPolicy request, checked into V. */
static const cJSON *tag_keys_param(struct op_in *in, struct sts_verr *v) {
    const cJSON *keys = cJSON_GetObjectItemCaseSensitive(in->json, "TagKeys");
    if (!cJSON_IsArray(keys)) sts_verr_add(v, NULL, "tagKeys", "not be null");
    else if (cJSON_GetArraySize(keys) > IAM_TAGS_MAX) sts_verr_add(v, NULL, "tagKeys", "have length less than or equal to 50");
    return cJSON_IsArray(keys) ? keys : NULL;
}

/* Sets IN->out to the page of DOC's Tags. */
static void emit_tags(struct op_in *in, const cJSON *doc, const char *marker, long max_items) {
    struct listing l = {0};
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(doc, "Tags");
    for (const cJSON *t = tags ? tags->child : NULL; t; t = t->next)
        listing_add(&l, cJSON_GetObjectItemCaseSensitive(t, "Key")->valuestring, cJSON_Duplicate(t, 1));
    emit_page(in, &l, "Tags", marker, max_items);
    listing_free(&l);
}

static int tag_role(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *name = param(in, "RoleName");
    int dup;
    iam_check_name(name, "roleName", IAM_ROLE_NAME_MAX, &v);
    const cJSON *tags = tags_param(in, &v, &dup);
    if (v.n) return fail_validation(req, &v);
    if (dup) return req_fail(req, &AWSERR_IAM_INVALID_INPUT, "%s", DUP_TAGS);
    char key[IAM_ROLE_NAME_MAX + 1];
    cJSON *r;
    if (load_role(req, name, &r, key) != 0) return -1;
    int ret;
    /* IAM User Guide, "IAM and AWS STS quotas": 50 tags per role. */
    if (tags_merge(r, tags) > IAM_TAGS_MAX)
        ret = req_fail(req, &AWSERR_IAM_LIMIT_EXCEEDED, "Cannot exceed quota for TagsPerRole: 50.");
    else
        ret = save_role(req, key, r);
    cJSON_Delete(r);
    return ret;
}

static int untag_role(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *name = param(in, "RoleName");
    iam_check_name(name, "roleName", IAM_ROLE_NAME_MAX, &v);
    const cJSON *keys = tag_keys_param(in, &v);
    if (v.n) return fail_validation(req, &v);
    char key[IAM_ROLE_NAME_MAX + 1];
    cJSON *r;
    if (load_role(req, name, &r, key) != 0) return -1;
    tags_remove(r, keys);
    int ret = save_role(req, key, r);
    cJSON_Delete(r);
    return ret;
}

static int list_role_tags(struct req *req, struct op_in *in) {
    char key[IAM_ROLE_NAME_MAX + 1];
    const char *marker;
    long max_items;
    cJSON *r;
    if (role_list_args(req, in, key, &marker, &max_items) != 0) return -1;
    if (load_role(req, param(in, "RoleName"), &r, key) != 0) return -1;
    emit_tags(in, r, marker, max_items);
    cJSON_Delete(r);
    return 0;
}

static int list_instance_profiles_for_role(struct req *req, struct op_in *in) {
    char key[IAM_ROLE_NAME_MAX + 1];
    const char *marker;
    long max_items;
    if (role_list_args(req, in, key, &marker, &max_items) != 0) return -1;
    /* sluice has no instance profiles: every role is in none. */
    in->out = cJSON_CreateObject();
    cJSON_AddArrayToObject(in->out, "InstanceProfiles");
    cJSON_AddBoolToObject(in->out, "IsTruncated", 0);
    return 0;
}

/* -- managed policies -- */

/* The stored shape of the AWS managed policy P (as a customer managed
 * policy's document looks), for policy_out. */
static cJSON *aws_policy_json(const struct iam_aws_policy *p) {
    char arn[300], id[22];
    snprintf(arn, sizeof(arn), "arn:aws:iam::aws:policy%s%s", p->path, p->name);
    sts_derived_id("ANPA", arn, id);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "PolicyName", p->name);
    cJSON_AddStringToObject(j, "PolicyId", id);
    cJSON_AddStringToObject(j, "Arn", arn);
    cJSON_AddStringToObject(j, "Path", p->path);
    cJSON_AddStringToObject(j, "DefaultVersionId", p->version);
    cJSON_AddStringToObject(j, "Description", p->description);
    cJSON_AddNumberToObject(j, "CreateDate", (double)p->create_s * 1000.0);
    cJSON_AddNumberToObject(j, "UpdateDate", (double)p->update_s * 1000.0);
    return j;
}

/* How a missing policy is worded: by the operations that read it ("was
 * not found"), and by AttachRolePolicy. */
enum missing { NOT_FOUND, NOT_ATTACHABLE };

/* Loads the managed policy ARN (AWS managed or of REQ's account) into
 * *POLICY (caller deletes); *AWS is set for an AWS managed one. Returns
 * 0 or -1 with NoSuchEntity (worded as MISSING says) or a storage
 * failure recorded. */
static int load_policy(struct req *req, const char *arn, cJSON **policy, const struct iam_aws_policy **aws,
                       enum missing missing) {
    *aws = iam_aws_policy_find(arn);
    if (*aws) {
        *policy = aws_policy_json(*aws);
        return 0;
    }
    char *text = NULL;
    int rc = store_iam_policy_get(req->account, arn, &text);
    if (rc == STORE_NOTFOUND && missing == NOT_ATTACHABLE)
        return req_fail(req, &AWSERR_IAM_NO_SUCH_ENTITY, "Policy %s does not exist or is not attachable.", arn);
    if (rc == STORE_NOTFOUND) return req_fail(req, &AWSERR_IAM_NO_SUCH_ENTITY, "Policy %s was not found.", arn);
    if (rc != STORE_OK) return fail_store(req);
    *policy = parse_stored(text);
    return *policy ? 0 : fail_store(req);
}

enum policy_view { POLICY_FULL, POLICY_LIST };

/* The Policy member IAM returns for the stored policy P attached to
 * ATTACHED roles. ListPolicies leaves out Description and Tags (IAM API
 * Reference, "ListPolicies"). */
static cJSON *policy_out(const cJSON *p, int64_t attached, enum policy_view view) {
    cJSON *o = cJSON_CreateObject();
    add_copy(o, "PolicyName", p);
    add_copy(o, "PolicyId", p);
    add_copy(o, "Arn", p);
    add_copy(o, "Path", p);
    add_copy(o, "DefaultVersionId", p);
    add_int(o, "AttachmentCount", attached);
    add_int(o, "PermissionsBoundaryUsageCount", 0);
    cJSON_AddBoolToObject(o, "IsAttachable", 1);
    if (view == POLICY_FULL) add_copy(o, "Description", p);
    add_date(o, "CreateDate", p);
    add_date(o, "UpdateDate", p);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(p, "Tags");
    if (view == POLICY_FULL && cJSON_GetArraySize(tags) > 0) add_copy(o, "Tags", p);
    return o;
}

/* Validates the PolicyArn parameter; returns it or NULL (recorded). */
static const char *policy_arn_or_fail(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *arn = param(in, "PolicyArn");
    if (arn == NULL) sts_verr_add(&v, NULL, "policyArn", "not be null");
    else iam_check_arn(arn, "policyArn", &v);
    if (v.n) {
        fail_validation(req, &v);
        return NULL;
    }
    /* IAM answers an ARN it cannot read with InvalidInput. */
    if (strncmp(arn, "arn:", 4) != 0) {
        req_fail(req, &AWSERR_IAM_INVALID_INPUT, "ARN %s is not valid.", arn);
        return NULL;
    }
    return arn;
}

/* The version document {VersionId, Document, CreateDate} of N. */
static cJSON *version_json(int n, const char *doc, int64_t ms) {
    char id[24];
    snprintf(id, sizeof(id), "v%d", n);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "VersionId", id);
    cJSON_AddStringToObject(j, "Document", doc);
    cJSON_AddNumberToObject(j, "CreateDate", (double)ms);
    return j;
}

/* The PolicyVersion member for the stored version V of a policy whose
 * default is DEFAULT_ID, with the Document when WITH_DOC. */
static cJSON *version_out(const cJSON *v, const char *default_id, int with_doc) {
    cJSON *o = cJSON_CreateObject();
    const cJSON *doc = cJSON_GetObjectItemCaseSensitive(v, "Document");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, "VersionId");
    if (with_doc && cJSON_IsString(doc)) add_encoded(o, "Document", doc->valuestring);
    add_copy(o, "VersionId", v);
    cJSON_AddBoolToObject(o, "IsDefaultVersion", cJSON_IsString(id) && strcmp(id->valuestring, default_id) == 0);
    add_date(o, "CreateDate", v);
    return o;
}

static int create_policy(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *name = param(in, "PolicyName"), *path = param(in, "Path"), *doc = param(in, "PolicyDocument");
    const char *desc = param(in, "Description");
    int dup;
    iam_check_name(name, "policyName", IAM_POLICY_NAME_MAX, &v);
    iam_check_path(path, "path", 1, &v);
    iam_check_document_param(doc, "policyDocument", &v);
    if (desc && strlen(desc) > IAM_DESCRIPTION_MAX)
        sts_verr_add(&v, desc, "description", "have length less than or equal to 1000");
    const cJSON *tags = check_tags(in, &v, &dup);
    if (v.n) return fail_validation(req, &v);
    if (dup) return req_fail(req, &AWSERR_IAM_INVALID_INPUT, "%s", DUP_TAGS);
    const char *bad = iam_check_policy(doc, 1);
    if (bad) return req_fail(req, &AWSERR_IAM_MALFORMED_POLICY, "%s", bad);
    if (path == NULL) path = "/";
    char key[IAM_POLICY_NAME_MAX + 1], id[22];
    iam_name_key(name, key, sizeof(key));
    new_id("ANPA", id);
    int64_t now = clock_now_ms() / 1000 * 1000;
    char *arn = xasprintf("arn:aws:iam::%s:policy%s%s", req->account, path, name);
    cJSON *p = cJSON_CreateObject(), *ver = version_json(1, doc, now);
    cJSON_AddStringToObject(p, "PolicyName", name);
    cJSON_AddStringToObject(p, "PolicyId", id);
    cJSON_AddStringToObject(p, "Arn", arn);
    cJSON_AddStringToObject(p, "Path", path);
    cJSON_AddStringToObject(p, "DefaultVersionId", "v1");
    if (desc) cJSON_AddStringToObject(p, "Description", desc);
    cJSON_AddNumberToObject(p, "CreateDate", (double)now);
    cJSON_AddNumberToObject(p, "UpdateDate", (double)now);
    if (tags && cJSON_GetArraySize(tags) > 0) cJSON_AddItemToObject(p, "Tags", tags_copy(tags));
    cJSON_AddNumberToObject(p, "NextVersion", 2);
    char *ptext = print(p), *vtext = print(ver);
    int ret = 0, rc = store_iam_policy_put(req->account, arn, key, ptext, 1);
    if (rc == STORE_CONFLICT)
        ret = req_fail(req, &AWSERR_IAM_ENTITY_EXISTS,
                       "A policy called %s already exists. Duplicate names are not allowed.", name);
    else if (rc != STORE_OK || store_iam_version_put(req->account, arn, 1, vtext) != STORE_OK)
        ret = fail_store(req);
    if (ret == 0) {
        in->out = cJSON_CreateObject();
        cJSON_AddItemToObject(in->out, "Policy", policy_out(p, 0, POLICY_FULL));
    }
    free(ptext);
    free(vtext);
    free(arn);
    cJSON_Delete(p);
    cJSON_Delete(ver);
    return ret;
}

static int get_policy(struct req *req, struct op_in *in) {
    const char *arn = policy_arn_or_fail(req, in);
    const struct iam_aws_policy *aws;
    cJSON *p;
    int64_t attached = 0;
    if (arn == NULL || load_policy(req, arn, &p, &aws, NOT_FOUND) != 0) return -1;
    int ret = 0;
    if (store_iam_attach_count(req->account, NULL, arn, &attached) != STORE_OK) {
        ret = fail_store(req);
    } else {
        in->out = cJSON_CreateObject();
        cJSON_AddItemToObject(in->out, "Policy", policy_out(p, attached, POLICY_FULL));
    }
    cJSON_Delete(p);
    return ret;
}

/* Reads VersionId into *N; returns 0 or -1 (recorded). */
static int version_id_or_fail(struct req *req, struct op_in *in, int *n) {
    struct sts_verr v = {0};
    const char *id = param(in, "VersionId");
    *n = iam_version_num(id);
    if (id == NULL) sts_verr_add(&v, NULL, "versionId", "not be null");
    else if (*n < 0) sts_verr_add(&v, id, "versionId", "satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?");
    return v.n ? fail_validation(req, &v) : 0;
}

/* Loads version N of policy ARN into *VER; an AWS managed policy
 * (AWS) has only its default version. Returns 0 or -1 (recorded). */
static int load_version(struct req *req, const char *arn, const struct iam_aws_policy *aws, int n, cJSON **ver) {
    char *text = NULL;
    int rc;
    if (aws) {
        rc = n == iam_version_num(aws->version) ? STORE_OK : STORE_NOTFOUND;
        if (rc == STORE_OK) *ver = version_json(n, aws->document, (int64_t)aws->create_s * 1000);
    } else {
        rc = store_iam_version_get(req->account, arn, n, &text);
        if (rc == STORE_OK) *ver = parse_stored(text);
    }
    if (rc == STORE_NOTFOUND)
        return req_fail(req, &AWSERR_IAM_NO_SUCH_ENTITY, "Policy %s version v%d does not exist or is not attachable.",
                        arn, n);
    if (rc != STORE_OK || *ver == NULL) return fail_store(req);
    return 0;
}

static int get_policy_version(struct req *req, struct op_in *in) {
    const char *arn = policy_arn_or_fail(req, in);
    const struct iam_aws_policy *aws;
    cJSON *p, *ver = NULL;
    int n;
    if (arn == NULL || version_id_or_fail(req, in, &n) != 0 || load_policy(req, arn, &p, &aws, NOT_FOUND) != 0)
        return -1;
    int ret = load_version(req, arn, aws, n, &ver);
    if (ret == 0) {
        const cJSON *def = cJSON_GetObjectItemCaseSensitive(p, "DefaultVersionId");
        in->out = cJSON_CreateObject();
        cJSON_AddItemToObject(in->out, "PolicyVersion", version_out(ver, def->valuestring, 1));
    }
    cJSON_Delete(ver);
    cJSON_Delete(p);
    return ret;
}

/* The stored policy's versions, for counting and listing. */
static int collect_version(void *ctx, const char *n, const char *text) {
    (void)n;
    cJSON *v = cJSON_Parse(text);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(v, "VersionId");
    if (cJSON_IsString(id)) listing_add(ctx, id->valuestring, v);
    else cJSON_Delete(v);
    return 0;
}

static int list_policy_versions(struct req *req, struct op_in *in) {
    const char *arn = policy_arn_or_fail(req, in), *marker;
    const struct iam_aws_policy *aws;
    long max_items;
    cJSON *p;
    if (arn == NULL || paging_params(req, in, &marker, &max_items) != 0 ||
        load_policy(req, arn, &p, &aws, NOT_FOUND) != 0)
        return -1;
    struct listing all = {0}, l = {0};
    int ret = 0;
    if (aws) listing_add(&all, aws->version, version_json(iam_version_num(aws->version), aws->document, aws->create_s * 1000));
    else if (store_iam_versions_each(req->account, arn, collect_version, &all) != STORE_OK) ret = fail_store(req);
    if (ret == 0) {
        const char *def = cJSON_GetObjectItemCaseSensitive(p, "DefaultVersionId")->valuestring;
        size_t i = 0;
        for (const cJSON *v = all.items ? all.items->child : NULL; v; v = v->next, i++)
            listing_add(&l, all.keys[i], version_out(v, def, 0));
        emit_page(in, &l, "Versions", marker, max_items);
    }
    listing_free(&all);
    listing_free(&l);
    cJSON_Delete(p);
    return ret;
}

/* Loads a customer managed policy (for the operations that change one);
 * an AWS managed policy cannot be changed. */
static int load_own_policy(struct req *req, const char *arn, cJSON **p) {
    const struct iam_aws_policy *aws;
    if (load_policy(req, arn, p, &aws, NOT_FOUND) != 0) return -1;
    if (aws) {
        cJSON_Delete(*p);
        return req_fail(req, &AWSERR_QUERY_ACCESS_DENIED, "Policy %s is an AWS managed policy and cannot be changed.",
                        arn);
    }
    return 0;
}

static int create_policy_version(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *arn = policy_arn_or_fail(req, in), *doc = param(in, "PolicyDocument");
    if (arn == NULL) return -1;
    if (iam_check_document_param(doc, "policyDocument", &v) != 0) return fail_validation(req, &v);
    cJSON *p;
    if (load_own_policy(req, arn, &p) != 0) return -1;
    struct listing all = {0};
    int ret = 0;
    const char *bad = iam_check_policy(doc, 1);
    if (store_iam_versions_each(req->account, arn, collect_version, &all) != STORE_OK)
        ret = fail_store(req);
    else if (all.n >= IAM_POLICY_VERSIONS_MAX)
        ret = req_fail(req, &AWSERR_IAM_LIMIT_EXCEEDED,
                       "A managed policy can have up to 5 versions. Before you create a new version, you must delete an "
                       "existing version.");
    else if (bad)
        ret = req_fail(req, &AWSERR_IAM_MALFORMED_POLICY, "%s", bad);
    listing_free(&all);
    if (ret != 0) {
        cJSON_Delete(p);
        return ret;
    }
    const cJSON *next = cJSON_GetObjectItemCaseSensitive(p, "NextVersion");
    int n = cJSON_IsNumber(next) ? next->valueint : 2;
    int64_t now = clock_now_ms() / 1000 * 1000;
    const char *set_default = param(in, "SetAsDefault");
    cJSON *ver = version_json(n, doc, now);
    cJSON_ReplaceItemInObjectCaseSensitive(p, "NextVersion", cJSON_CreateNumber(n + 1));
    if (set_default && strcmp(set_default, "true") == 0) {
        cJSON_ReplaceItemInObjectCaseSensitive(p, "DefaultVersionId",
                                               cJSON_CreateString(cJSON_GetObjectItem(ver, "VersionId")->valuestring));
        cJSON_ReplaceItemInObjectCaseSensitive(p, "UpdateDate", cJSON_CreateNumber((double)now));
    }
    char key[IAM_POLICY_NAME_MAX + 1], *ptext = print(p), *vtext = print(ver);
    iam_name_key(cJSON_GetObjectItemCaseSensitive(p, "PolicyName")->valuestring, key, sizeof(key));
    if (store_iam_version_put(req->account, arn, n, vtext) != STORE_OK ||
        store_iam_policy_put(req->account, arn, key, ptext, 0) != STORE_OK) {
        ret = fail_store(req);
    } else {
        in->out = cJSON_CreateObject();
        cJSON_AddItemToObject(in->out, "PolicyVersion",
                              version_out(ver, cJSON_GetObjectItemCaseSensitive(p, "DefaultVersionId")->valuestring, 0));
    }
    free(ptext);
    free(vtext);
    cJSON_Delete(ver);
    cJSON_Delete(p);
    return ret;
}

static int delete_policy_version(struct req *req, struct op_in *in) {
    const char *arn = policy_arn_or_fail(req, in);
    int n;
    cJSON *p;
    if (arn == NULL || version_id_or_fail(req, in, &n) != 0 || load_own_policy(req, arn, &p) != 0) return -1;
    const char *def = cJSON_GetObjectItemCaseSensitive(p, "DefaultVersionId")->valuestring;
    int ret = 0;
    if (iam_version_num(def) == n) {
        ret = req_fail(req, &AWSERR_IAM_DELETE_CONFLICT, "Cannot delete the default version of a policy.");
    } else {
        int rc = store_iam_version_delete(req->account, arn, n);
        if (rc == STORE_NOTFOUND)
            ret = req_fail(req, &AWSERR_IAM_NO_SUCH_ENTITY,
                           "Policy %s version v%d does not exist or is not attachable.", arn, n);
        else if (rc != STORE_OK)
            ret = fail_store(req);
    }
    cJSON_Delete(p);
    return ret;
}

static int delete_policy(struct req *req, struct op_in *in) {
    const char *arn = policy_arn_or_fail(req, in);
    cJSON *p;
    if (arn == NULL || load_own_policy(req, arn, &p) != 0) return -1;
    cJSON_Delete(p);
    int64_t attached = 0;
    struct listing all = {0};
    int ret = 0;
    if (store_iam_attach_count(req->account, NULL, arn, &attached) != STORE_OK ||
        store_iam_versions_each(req->account, arn, collect_version, &all) != STORE_OK)
        ret = fail_store(req);
    /* IAM API Reference, "DeletePolicy": detach it from every entity and
     * delete its versions but the default one first. */
    else if (attached > 0)
        ret = req_fail(req, &AWSERR_IAM_DELETE_CONFLICT, "Cannot delete a policy attached to entities.");
    else if (all.n > 1)
        ret = req_fail(req, &AWSERR_IAM_DELETE_CONFLICT,
                       "This policy has more than one version. Before you delete a policy, you must delete the "
                       "policy's versions. The default version is deleted with the policy.");
    else if (store_iam_policy_delete(req->account, arn) != STORE_OK)
        ret = fail_store(req);
    listing_free(&all);
    return ret;
}

/* Writes the changed customer managed policy P (ARN) back. */
static int save_policy(struct req *req, const char *arn, const cJSON *p) {
    char key[IAM_POLICY_NAME_MAX + 1], *text = print(p);
    iam_name_key(cJSON_GetObjectItemCaseSensitive(p, "PolicyName")->valuestring, key, sizeof(key));
    int rc = store_iam_policy_put(req->account, arn, key, text, 0);
    free(text);
    return rc == STORE_OK ? 0 : fail_store(req);
}

static int tag_policy(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    int dup;
    const char *arn = policy_arn_or_fail(req, in);
    if (arn == NULL) return -1;
    const cJSON *tags = tags_param(in, &v, &dup);
    if (v.n) return fail_validation(req, &v);
    if (dup) return req_fail(req, &AWSERR_IAM_INVALID_INPUT, "%s", DUP_TAGS);
    cJSON *p;
    if (load_own_policy(req, arn, &p) != 0) return -1;
    int ret;
    /* IAM User Guide, "IAM and AWS STS quotas": 50 tags per policy. */
    if (tags_merge(p, tags) > IAM_TAGS_MAX)
        ret = req_fail(req, &AWSERR_IAM_LIMIT_EXCEEDED, "Cannot exceed quota for TagsPerPolicy: 50.");
    else
        ret = save_policy(req, arn, p);
    cJSON_Delete(p);
    return ret;
}

static int untag_policy(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *arn = policy_arn_or_fail(req, in);
    if (arn == NULL) return -1;
    const cJSON *keys = tag_keys_param(in, &v);
    if (v.n) return fail_validation(req, &v);
    cJSON *p;
    if (load_own_policy(req, arn, &p) != 0) return -1;
    tags_remove(p, keys);
    int ret = save_policy(req, arn, p);
    cJSON_Delete(p);
    return ret;
}

static int list_policy_tags(struct req *req, struct op_in *in) {
    const char *arn = policy_arn_or_fail(req, in), *marker;
    const struct iam_aws_policy *aws;
    long max_items;
    cJSON *p;
    if (arn == NULL || paging_params(req, in, &marker, &max_items) != 0 ||
        load_policy(req, arn, &p, &aws, NOT_FOUND) != 0)
        return -1;
    emit_tags(in, p, marker, max_items);
    cJSON_Delete(p);
    return 0;
}

struct policy_scan {
    struct listing l;
    const char *account, *prefix;
    int only_attached, failed;
};

/* Adds the policy P (taken) to the scan unless the filters drop it. */
static void scan_policy(struct policy_scan *s, cJSON *p) {
    const char *arn = cJSON_GetObjectItemCaseSensitive(p, "Arn")->valuestring;
    const char *path = cJSON_GetObjectItemCaseSensitive(p, "Path")->valuestring;
    int64_t attached = 0;
    if (store_iam_attach_count(s->account, NULL, arn, &attached) != STORE_OK) s->failed = 1;
    if ((s->prefix == NULL || strncmp(path, s->prefix, strlen(s->prefix)) == 0) && (!s->only_attached || attached > 0))
        listing_add(&s->l, arn, policy_out(p, attached, POLICY_LIST));
    cJSON_Delete(p);
}

static int collect_policy(void *ctx, const char *arn, const char *text) {
    (void)arn;
    cJSON *p = cJSON_Parse(text);
    if (p) scan_policy(ctx, p);
    return 0;
}

static int list_policies(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *scope = param(in, "Scope"), *only = param(in, "OnlyAttached"), *marker;
    long max_items;
    struct policy_scan s = {{0}, req->account, param(in, "PathPrefix"), only && strcmp(only, "true") == 0, 0};
    if (scope && strcmp(scope, "All") != 0 && strcmp(scope, "AWS") != 0 && strcmp(scope, "Local") != 0)
        sts_verr_add(&v, scope, "scope", "satisfy enum value set: [All, AWS, Local]");
    iam_check_path(s.prefix, "pathPrefix", 1, &v);
    if (v.n) return fail_validation(req, &v);
    if (paging_params(req, in, &marker, &max_items) != 0) return -1;
    if (scope == NULL) scope = "All";
    if (strcmp(scope, "Local") != 0)
        for (size_t i = 0; i < iam_aws_npolicies; i++) scan_policy(&s, aws_policy_json(&iam_aws_policies[i]));
    if (strcmp(scope, "AWS") != 0 && store_iam_policies_each(req->account, collect_policy, &s) != STORE_OK) s.failed = 1;
    int ret = 0;
    if (s.failed) {
        ret = fail_store(req);
    } else {
        /* One order for both kinds, by ARN (the marker). */
        listing_sort(&s.l);
        emit_page(in, &s.l, "Policies", marker, max_items);
    }
    listing_free(&s.l);
    return ret;
}

/* -- attachments -- */

/* RoleName and PolicyArn, with the role loaded (its key into KEY). */
static const char *attach_args(struct req *req, struct op_in *in, char key[IAM_ROLE_NAME_MAX + 1]) {
    const char *name = param(in, "RoleName");
    cJSON *r;
    if (role_name_or_fail(req, name) != 0) return NULL;
    const char *arn = policy_arn_or_fail(req, in);
    if (arn == NULL || load_role(req, name, &r, key) != 0) return NULL;
    cJSON_Delete(r);
    return arn;
}

static int attach_role_policy(struct req *req, struct op_in *in) {
    char key[IAM_ROLE_NAME_MAX + 1];
    const char *arn = attach_args(req, in, key);
    const struct iam_aws_policy *aws;
    cJSON *p;
    if (arn == NULL || load_policy(req, arn, &p, &aws, NOT_ATTACHABLE) != 0) return -1;
    cJSON_Delete(p);
    int64_t attached = 0;
    struct listing have = {0};
    int ret = 0;
    if (store_iam_attach_count(req->account, key, NULL, &attached) != STORE_OK ||
        store_iam_attached_each(req->account, key, collect_name, &have) != STORE_OK)
        ret = fail_store(req);
    /* IAM User Guide, "IAM and AWS STS quotas": 10 managed policies per
     * role by default; attaching one already attached changes nothing. */
    else if (attached >= IAM_ROLE_POLICIES_MAX && !listing_has(&have, arn))
        ret = req_fail(req, &AWSERR_IAM_LIMIT_EXCEEDED, "Cannot exceed quota for PoliciesPerRole: 10.");
    else if (store_iam_attach(req->account, key, arn) != STORE_OK)
        ret = fail_store(req);
    listing_free(&have);
    return ret;
}

static int detach_role_policy(struct req *req, struct op_in *in) {
    char key[IAM_ROLE_NAME_MAX + 1];
    const char *arn = attach_args(req, in, key);
    if (arn == NULL) return -1;
    int rc = store_iam_detach(req->account, key, arn);
    if (rc == STORE_NOTFOUND) return req_fail(req, &AWSERR_IAM_NO_SUCH_ENTITY, "Policy %s was not found.", arn);
    return rc == STORE_OK ? 0 : fail_store(req);
}

struct attached_scan {
    struct listing l;
    const char *prefix;
};

static int collect_attached(void *ctx, const char *arn, const char *unused) {
    struct attached_scan *s = ctx;
    (void)unused;
    /* The policy's path and name are the ARN's resource after "policy". */
    const char *res = strstr(arn, ":policy/");
    const char *path = res ? res + 7 : "/", *slash = strrchr(arn, '/');
    const char *name = slash ? slash + 1 : arn;
    if (s->prefix && strncmp(path, s->prefix, strlen(s->prefix)) != 0) return 0;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "PolicyName", name);
    cJSON_AddStringToObject(o, "PolicyArn", arn);
    listing_add(&s->l, arn, o);
    return 0;
}

static int list_attached_role_policies(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    char key[IAM_ROLE_NAME_MAX + 1];
    const char *marker;
    long max_items;
    struct attached_scan s = {{0}, param(in, "PathPrefix")};
    if (iam_check_path(s.prefix, "pathPrefix", 1, &v) != 0) return fail_validation(req, &v);
    if (role_list_args(req, in, key, &marker, &max_items) != 0) return -1;
    int ret = 0;
    if (store_iam_attached_each(req->account, key, collect_attached, &s) != STORE_OK) ret = fail_store(req);
    else emit_page(in, &s.l, "AttachedPolicies", marker, max_items);
    listing_free(&s.l);
    return ret;
}

/* Sorted by name. */
static const struct op iam_ops[] = {
    {"AttachRolePolicy", attach_role_policy, OP_WRITE, NULL, NULL, NULL},
    {"CreatePolicy", create_policy, OP_WRITE, NULL, NULL, NULL},
    {"CreatePolicyVersion", create_policy_version, OP_WRITE, NULL, NULL, NULL},
    {"CreateRole", create_role, OP_WRITE, NULL, NULL, NULL},
    {"DeletePolicy", delete_policy, OP_WRITE, NULL, NULL, NULL},
    {"DeletePolicyVersion", delete_policy_version, OP_WRITE, NULL, NULL, NULL},
    {"DeleteRole", delete_role, OP_WRITE, NULL, NULL, NULL},
    {"DeleteRolePolicy", delete_role_policy, OP_WRITE, NULL, NULL, NULL},
    {"DetachRolePolicy", detach_role_policy, OP_WRITE, NULL, NULL, NULL},
    {"GetPolicy", get_policy, 0, NULL, NULL, NULL},
    {"GetPolicyVersion", get_policy_version, 0, NULL, NULL, NULL},
    {"GetRole", get_role, 0, NULL, NULL, NULL},
    {"GetRolePolicy", get_role_policy, 0, NULL, NULL, NULL},
    {"ListAttachedRolePolicies", list_attached_role_policies, 0, NULL, NULL, NULL},
    {"ListInstanceProfilesForRole", list_instance_profiles_for_role, 0, NULL, NULL, NULL},
    {"ListPolicies", list_policies, 0, NULL, NULL, NULL},
    {"ListPolicyTags", list_policy_tags, 0, NULL, NULL, NULL},
    {"ListPolicyVersions", list_policy_versions, 0, NULL, NULL, NULL},
    {"ListRolePolicies", list_role_policies, 0, NULL, NULL, NULL},
    {"ListRoleTags", list_role_tags, 0, NULL, NULL, NULL},
    {"ListRoles", list_roles, 0, NULL, NULL, NULL},
    {"PutRolePolicy", put_role_policy, OP_WRITE, NULL, NULL, NULL},
    {"TagPolicy", tag_policy, OP_WRITE, NULL, NULL, NULL},
    {"TagRole", tag_role, OP_WRITE, NULL, NULL, NULL},
    {"UntagPolicy", untag_policy, OP_WRITE, NULL, NULL, NULL},
    {"UntagRole", untag_role, OP_WRITE, NULL, NULL, NULL},
    {"UpdateAssumeRolePolicy", update_assume_role_policy, OP_WRITE, NULL, NULL, NULL},
    {"UpdateRole", update_role, OP_WRITE, NULL, NULL, NULL},
};

static void iam_store_fail(struct req *req, int rc) {
    (void)rc;
    fail_store(req);
}

const struct service iam_service = {
    .name = "iam",
    .ops = iam_ops,
    .nops = sizeof(iam_ops) / sizeof(iam_ops[0]),
    .find = query_find,
    .store_fail = iam_store_fail,
    .reply = query_reply_plain,
    .read_snapshot = 1,
    .query_version = "2010-05-08",
    .xmlns = IAM_XMLNS,
};
