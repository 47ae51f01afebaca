/*
 * AWS Systems Manager Parameter Store (JSON 1.1, X-Amz-Target
 * AmazonSSM.*, signed for "ssm"): PutParameter, GetParameter(s),
 * GetParametersByPath, DescribeParameters, GetParameterHistory,
 * DeleteParameter(s), Label/UnlabelParameterVersion and the tagging
 * calls for ResourceType Parameter, per (account, region). Wire shapes:
 * botocore's ssm/2014-11-06 service-2.json. The pure rules (names,
 * references, patterns, tiers, tokens) are in api/ssm_validate.c; the
 * rows in storage/store_ssm.c.
 *
 * SecureString values are kept in clear; without WithDecryption they are
 * answered with an opaque ciphertext-like text (ssm_ciphertext). No KMS
 * key is checked, no parameter policy is evaluated, nothing is shared
 * across accounts.
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/op.h"
#include "api/request.h"
#include "api/ssm_int.h"
#include "api/validate.h"
#include "base/clock.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_ssm.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The KMS key AWS uses for a SecureString when KeyId is not given. */
#define SSM_DEFAULT_KEY "alias/aws/ssm"
/* Filters one request may carry: sluice's own bound (the model has
 * none). Each key may appear once, so only tag:KEY filters add up. */
#define SSM_MAX_FILTERS 64

static struct store_scope scope(struct req *req) {
    struct store_scope s = {req->account, req->region};
    return s;
}

static int store_failed(struct req *req) {
    return req_fail(req, &AWSERR_SSM_INTERNAL, "%s", "");
}

/* ---- members ---- */

static int wrong_type(struct req *req, const char *key) {
    return req_fail(req, &AWSERR_SSM_SERIALIZATION, "Unexpected value type for member %s", key);
}

static cJSON *member(cJSON *obj, const char *key) {
    cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return (it == NULL || cJSON_IsNull(it)) ? NULL : it;
}

/* Typed getters: 1 present, 0 absent or null (*OUT NULL / unchanged), -1
 * of another JSON type (SerializationException recorded). */
static int get_str(struct req *req, cJSON *obj, const char *key, const char **out) {
    cJSON *it = member(obj, key);
    *out = NULL;
    if (it == NULL) return 0;
    if (!cJSON_IsString(it)) return wrong_type(req, key);
    *out = it->valuestring;
    return 1;
}

static int get_bool(struct req *req, cJSON *obj, const char *key, int *out) {
    cJSON *it = member(obj, key);
    if (it == NULL) return 0;
    if (!cJSON_IsBool(it)) return wrong_type(req, key);
    *out = cJSON_IsTrue(it);
    return 1;
}

static int get_int(struct req *req, cJSON *obj, const char *key, int64_t *out) {
    cJSON *it = member(obj, key);
    if (it == NULL) return 0;
    /* Bounded before the cast: a double beyond int64_t's range does not convert. */
    if (!cJSON_IsNumber(it) || fabs(it->valuedouble) > 9e15 || it->valuedouble != floor(it->valuedouble))
        return wrong_type(req, key);
    *out = (int64_t)it->valuedouble;
    return 1;
}

/* An array member whose items are all strings (STRINGS) or objects. */
static int get_list(struct req *req, cJSON *obj, const char *key, int strings, cJSON **out) {
    cJSON *it = member(obj, key);
    *out = NULL;
    if (it == NULL) return 0;
    if (!cJSON_IsArray(it)) return wrong_type(req, key);
    for (cJSON *e = it->child; e; e = e->next)
        if (strings ? !cJSON_IsString(e) : !cJSON_IsObject(e)) return wrong_type(req, key);
    *out = it;
    return 1;
}

/* Adds the model's length constraint failures of string Z at FIELD. */
static void check_len(struct vlist *vl, const char *z, const char *field, size_t min, size_t max) {
    if (z == NULL) return;
    char c[96];
    size_t n = ssm_chars(z);
    if (n < min) {
        snprintf(c, sizeof(c), "Member must have length greater than or equal to %zu", min);
        vl_add(vl, z, field, c);
    } else if (n > max) {
        snprintf(c, sizeof(c), "Member must have length less than or equal to %zu", max);
        vl_add(vl, z, field, c);
    }
}

/* Adds the range failure of MaxResults N (1..MAX). */
static void check_max_results(struct vlist *vl, int64_t n, int64_t max) {
    char c[80];
    if (n < 1) vl_add_num(vl, (double)n, "maxResults", "Member must have value greater than or equal to 1");
    if (n > max) {
        snprintf(c, sizeof(c), "Member must have value less than or equal to %lld", (long long)max);
        vl_add_num(vl, (double)n, "maxResults", c);
    }
}

/* The "Member must not be null" failure of a required member. */
static int null_member(struct req *req, const char *field) {
    struct vlist vl = {0};
    vl_add(&vl, NULL, field, "Member must not be null");
    return vl_fail(req, &vl, &AWSERR_SSM_VALIDATION);
}

/* Records the error of name check result RC for NAME; returns -1. */
static int name_fail(struct req *req, enum ssm_name_rc rc, const char *name) {
    struct vlist vl = {0};
    switch (rc) {
    case SSM_NAME_LONG:
        check_len(&vl, name, "name", 1, SSM_NAME_MAX);
        return vl_fail(req, &vl, &AWSERR_SSM_VALIDATION);
    case SSM_NAME_DEEP:
        /* The limit of the User Guide, "Requirements and constraints for
         * parameter names"; [?] the exact text AWS sends is not known. */
        return req_fail(req, &AWSERR_SSM_HIERARCHY_LIMIT, "A hierarchy can have a maximum of 15 levels.");
    case SSM_NAME_RESERVED:
        /* As clients report it: the name without its leading '/'
         * (e.g. aws-cloudformation/cfn-lint#4089). */
        return req_fail(req, &AWSERR_SSM_ACCESS_DENIED, "No access to reserved parameter name: %.2048s.",
                        name[0] == '/' ? name + 1 : name);
    case SSM_NAME_BAD:
    case SSM_NAME_OK:
    default:
        if (name[0] == '\0') {
            check_len(&vl, name, "name", 1, SSM_NAME_MAX);
            return vl_fail(req, &vl, &AWSERR_SSM_VALIDATION);
        }
        return req_fail(req, &AWSERR_SSM_VALIDATION, "%s", SSM_MSG_BAD_NAME);
    }
}

/* 0 when NAME may name a parameter (WRITE: be written), else -1 recorded. */
static int name_or_fail(struct req *req, const char *name, int write) {
    enum ssm_name_rc rc = ssm_name_check(name, write);
    return rc == SSM_NAME_OK ? 0 : name_fail(req, rc, name);
}

/* The principal recorded as LastModifiedUser. */
static void modified_user(struct req *req, char *out, size_t n) {
    if (req->caller_arn[0]) snprintf(out, n, "%s", req->caller_arn);
    else snprintf(out, n, "arn:aws:iam::%s:root", req->account);
}

/* ---- output shapes ---- */

static double epoch_s(int64_t ms) {
    return (double)ms / 1000.0;
}

/* The Value member: a SecureString's only WITH DECRYPTION. */
static void add_value(struct req *req, cJSON *o, const struct store_ssm_param *p, int decrypt) {
    if (decrypt || strcmp(p->type, "SecureString") != 0) {
        cJSON_AddStringToObject(o, "Value", p->value);
        return;
    }
    char *c = ssm_ciphertext(req->account, req->region, p->name, p->version, p->value);
    cJSON_AddStringToObject(o, "Value", c);
    free(c);
}

/* The Parameter shape (GetParameter(s), GetParametersByPath). */
static cJSON *parameter_json(struct req *req, const struct store_ssm_param *p, int decrypt, const char *selector) {
    char arn[SSM_NAME_MAX + 128];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Name", p->name);
    cJSON_AddStringToObject(o, "Type", p->type);
    add_value(req, o, p, decrypt);
    cJSON_AddNumberToObject(o, "Version", (double)p->version);
    if (selector && selector[0]) cJSON_AddStringToObject(o, "Selector", selector);
    cJSON_AddNumberToObject(o, "LastModifiedDate", epoch_s(p->modified_ms));
    ssm_arn(req->region, req->account, p->name, arn, sizeof(arn));
    cJSON_AddStringToObject(o, "ARN", arn);
    cJSON_AddStringToObject(o, "DataType", p->data_type);
    return o;
}

/* The members ParameterMetadata and ParameterHistory share. */
static cJSON *metadata_json(const struct store_ssm_param *p) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "Name", p->name);
    cJSON_AddStringToObject(o, "Type", p->type);
    if (p->key_id) cJSON_AddStringToObject(o, "KeyId", p->key_id);
    cJSON_AddNumberToObject(o, "LastModifiedDate", epoch_s(p->modified_ms));
    cJSON_AddStringToObject(o, "LastModifiedUser", p->modified_user);
    if (p->description) cJSON_AddStringToObject(o, "Description", p->description);
    if (p->allowed_pattern) cJSON_AddStringToObject(o, "AllowedPattern", p->allowed_pattern);
    cJSON_AddNumberToObject(o, "Version", (double)p->version);
    cJSON_AddStringToObject(o, "Tier", p->tier);
    cJSON_AddItemToObject(o, "Policies", cJSON_CreateArray());
    cJSON_AddStringToObject(o, "DataType", p->data_type);
    return o;
}

/* ---- references ---- */

enum found { FOUND = 0, NOT_FOUND, VERSION_NOT_FOUND, LOOKUP_FAILED };

/* Looks REF up in the caller's scope into *OUT (owned; clear it). An ARN
 * of another account or region names nothing here (no sharing). REF's
 * name may be completed with its leading '/' (an ARN's one-level name). */
static enum found resolve(struct req *req, struct ssm_ref *ref, struct store_ssm_param *out) {
    memset(out, 0, sizeof(*out));
    if (ref->account[0] && (strcmp(ref->account, req->account) != 0 || strcmp(ref->region, req->region) != 0))
        return NOT_FOUND;
    int rc;
    if (ref->account[0] && ref->name[0] != '/' && strlen(ref->name) < SSM_NAME_MAX) {
        /* ARN ...:parameter/x names "x" or "/x" (one '/' either way):
         * the one that exists, "x" first. */
        rc = store_ssm_get(scope(req), ref->name, 0, out);
        store_ssm_param_clear(out);
        if (rc == STORE_NOTFOUND) {
            char slashed[SSM_NAME_MAX + 2];
            snprintf(slashed, sizeof(slashed), "/%s", ref->name);
            rc = store_ssm_get(scope(req), slashed, 0, out);
            store_ssm_param_clear(out);
            if (rc == STORE_OK) memcpy(ref->name, slashed, strlen(slashed) + 1);   /* fits: checked above */
        }
        if (rc != STORE_OK && rc != STORE_NOTFOUND) return LOOKUP_FAILED;
    }
    if (ref->label[0]) rc = store_ssm_get_label(scope(req), ref->name, ref->label, out);
    else rc = store_ssm_get(scope(req), ref->name, ref->version, out);
    if (rc == STORE_OK) return FOUND;
    if (rc != STORE_NOTFOUND) return LOOKUP_FAILED;
    if (ref->version == 0) return NOT_FOUND;
    struct store_ssm_param cur;
    rc = store_ssm_get(scope(req), ref->name, 0, &cur);
    store_ssm_param_clear(&cur);
    return rc == STORE_OK ? VERSION_NOT_FOUND : rc == STORE_NOTFOUND ? NOT_FOUND : LOOKUP_FAILED;
}

/* Records the error of a lookup that found nothing; returns -1.
 * ParameterNotFound comes with an empty message, as AWS sends it
 * (clients print "An error occurred (ParameterNotFound) when calling the
 * GetParameter operation: ", e.g. awslabs/aws-simple-cicd#10). */
static int found_fail(struct req *req, enum found f, const struct ssm_ref *ref) {
    if (f == VERSION_NOT_FOUND)
        return req_fail(req, &AWSERR_SSM_VERSION_NOT_FOUND,
                        "Systems Manager could not find version %lld of %.2048s. Verify the version and try again.",
                        (long long)ref->version, ref->name);
    if (f == LOOKUP_FAILED) return store_failed(req);
    return req_fail(req, &AWSERR_SSM_NOT_FOUND, "%s", "");
}

/* Parses and checks reference TEXT into *REF; -1 with the error recorded. */
static int ref_or_fail(struct req *req, const char *text, struct ssm_ref *ref) {
    struct vlist vl = {0};
    check_len(&vl, text, "name", 1, SSM_NAME_MAX);
    if (vl_fail(req, &vl, &AWSERR_SSM_VALIDATION) != 0) return -1;
    if (ssm_ref_parse(text, ref) != 0) return req_fail(req, &AWSERR_SSM_VALIDATION, "%s", SSM_MSG_BAD_NAME);
    return name_or_fail(req, ref->name, 0);
}

/* ---- PutParameter ---- */

/* PutParameter's input, read and checked by put_parse; strings borrowed
 * from the request body. */
struct put_args {
    const char *name, *value, *type, *description, *pattern, *key_id, *tier, *data_type, *policies;
    int overwrite;
    cJSON *tags;
};

static const char *const ssm_types[] = {"String", "StringList", "SecureString"};
static const char *const ssm_tiers[] = {"Standard", "Advanced", "Intelligent-Tiering"};
/* The data types PutParameter accepts (User Guide, "Native parameter
 * support for Amazon Machine Image IDs"); aws:ec2:image values are not
 * checked against any image. */
static const char *const ssm_data_types[] = {"text", "aws:ec2:image", "aws:ssm:integration"};

static int in_set(const char *z, const char *const *set, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(z, set[i]) == 0) return 1;
    return 0;
}

/* Checks TAGS (a list of {Key, Value}) against the model, adding
 * failures to VL under FIELD. Returns -1 on a malformed entry (recorded). */
static int check_tags(struct req *req, cJSON *tags, const char *field, struct vlist *vl) {
    for (cJSON *t = tags ? tags->child : NULL; t; t = t->next) {
        const char *k, *v;
        if (get_str(req, t, "Key", &k) < 0 || get_str(req, t, "Value", &v) < 0) return -1;
        char f[64];
        snprintf(f, sizeof(f), "%s.member.key", field);
        if (k == NULL) vl_add(vl, NULL, f, "Member must not be null");
        check_len(vl, k, f, 1, SSM_TAG_KEY_MAX);
        snprintf(f, sizeof(f), "%s.member.value", field);
        if (v == NULL) vl_add(vl, NULL, f, "Member must not be null");
        check_len(vl, v, f, 0, SSM_TAG_VALUE_MAX);
    }
    return 0;
}

/* Reads and checks PutParameter's members into *A, in the model's order
 * of constraints. Returns 0, or -1 with the error recorded. */
static int put_parse(struct req *req, cJSON *in, struct put_args *a) {
    memset(a, 0, sizeof(*a));
    if (get_str(req, in, "Name", &a->name) < 0 || get_str(req, in, "Value", &a->value) < 0 ||
        get_str(req, in, "Type", &a->type) < 0 || get_str(req, in, "Description", &a->description) < 0 ||
        get_str(req, in, "AllowedPattern", &a->pattern) < 0 || get_str(req, in, "KeyId", &a->key_id) < 0 ||
        get_str(req, in, "Tier", &a->tier) < 0 || get_str(req, in, "DataType", &a->data_type) < 0 ||
        get_str(req, in, "Policies", &a->policies) < 0 || get_bool(req, in, "Overwrite", &a->overwrite) < 0 ||
        get_list(req, in, "Tags", 0, &a->tags) < 0)
        return -1;
    struct vlist vl = {0};
    if (a->name == NULL) vl_add(&vl, NULL, "name", "Member must not be null");
    if (a->value == NULL) vl_add(&vl, NULL, "value", "Member must not be null");
    /* [?] AWS refuses an empty value with this constraint, though the
     * model states none. */
    if (a->value && a->value[0] == '\0')
        vl_add(&vl, "", "value", "Member must have length greater than or equal to 1");
    if (a->type && !in_set(a->type, ssm_types, 3))
        vl_add(&vl, a->type, "type", "Member must satisfy enum value set: [SecureString, StringList, String]");
    check_len(&vl, a->description, "description", 0, SSM_DESCRIPTION_MAX);
    check_len(&vl, a->pattern, "allowedPattern", 0, SSM_PATTERN_MAX);
    check_len(&vl, a->key_id, "keyId", 1, 256);
    if (a->key_id && strspn(a->key_id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/_-") !=
                         strlen(a->key_id))
        vl_add(&vl, a->key_id, "keyId", "Member must satisfy regular expression pattern: ^([a-zA-Z0-9:/_-]+)$");
    if (a->tier && !in_set(a->tier, ssm_tiers, 3))
        vl_add(&vl, a->tier, "tier",
               "Member must satisfy enum value set: [Standard, Advanced, Intelligent-Tiering]");
    check_len(&vl, a->data_type, "dataType", 0, SSM_DATA_TYPE_MAX);
    if (check_tags(req, a->tags, "tags", &vl) != 0) return -1;
    if (vl_fail(req, &vl, &AWSERR_SSM_VALIDATION) != 0) return -1;
    if (a->overwrite && a->tags && cJSON_GetArraySize(a->tags) > 0)
        return req_fail(req, &AWSERR_SSM_VALIDATION,
                        "Invalid request: tags and overwrite can't be used together. To create a parameter with "
                        "tags, please remove overwrite flag. To update tags for an existing parameter, please use "
                        "AddTagsToResource or RemoveTagsFromResource.");
    if (name_or_fail(req, a->name, 1) != 0) return -1;
    if (a->data_type && !in_set(a->data_type, ssm_data_types, 3))
        return req_fail(req, &AWSERR_SSM_VALIDATION,
                        "The following data type is not supported: %.128s (Data type names are all lowercase.)",
                        a->data_type);
    if (a->tags && cJSON_GetArraySize(a->tags) > SSM_MAX_TAGS)
        return req_fail(req, &AWSERR_SSM_TOO_MANY_TAGS, "%s", "");
    return 0;
}

/* The version PutParameter writes: A over the previous version PREV
 * (NULL for a new parameter). Checks what depends on both (type
 * required, pattern, tier); the strings of *V are borrowed from A, PREV
 * and static text. Returns 0, or -1 recorded. */
static int put_version(struct req *req, const struct put_args *a, const struct store_ssm_param *prev,
                       struct store_ssm_param *v) {
    memset(v, 0, sizeof(*v));
    v->name = (char *)a->name;
    v->value = (char *)a->value;
    v->type = (char *)(a->type ? a->type : prev ? prev->type : NULL);
    if (v->type == NULL)
        return req_fail(req, &AWSERR_SSM_VALIDATION, "A parameter type is required when you create a parameter.");
    v->description = (char *)(a->description ? a->description : prev ? prev->description : NULL);
    v->allowed_pattern = (char *)(a->pattern ? a->pattern : prev ? prev->allowed_pattern : NULL);
    if (v->description && v->description[0] == '\0') v->description = NULL;
    if (v->allowed_pattern && v->allowed_pattern[0] == '\0') v->allowed_pattern = NULL;
    if (strcmp(v->type, "SecureString") == 0)
        v->key_id = (char *)(a->key_id ? a->key_id : prev && prev->key_id ? prev->key_id : SSM_DEFAULT_KEY);
    v->data_type = (char *)(a->data_type ? a->data_type : prev ? prev->data_type : "text");
    if (v->allowed_pattern) {
        int m = ssm_pattern_match(v->allowed_pattern, v->value);
        if (m < 0)
            return req_fail(req, &AWSERR_SSM_INVALID_PATTERN,
                            "The request doesn't meet the regular expression requirement: %.1024s",
                            v->allowed_pattern);
        /* [?] The text clients report for ParameterPatternMismatchException. */
        if (m == 0)
            return req_fail(req, &AWSERR_SSM_PATTERN_MISMATCH,
                            "Parameter value, cannot be validated against allowedPattern: %.1024s",
                            v->allowed_pattern);
    }
    const char *tier;
    switch (ssm_tier_pick(a->tier, prev ? prev->tier : NULL, ssm_chars(v->value), &tier)) {
    case SSM_TIER_STANDARD_TOO_BIG:
        /* As clients report it (e.g. aws/aws-sdk-net#3157). */
        return req_fail(req, &AWSERR_SSM_VALIDATION,
                        "Standard tier parameters support a maximum parameter value of 4096 characters. To create "
                        "a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For "
                        "more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/"
                        "parameter-store-advanced-parameters.html");
    case SSM_TIER_TOO_BIG:
        /* [?] Worded as the model's constraints are. */
        return req_fail(req, &AWSERR_SSM_VALIDATION,
                        "1 validation error detected: Value at 'value' failed to satisfy constraint: Member must "
                        "have length less than or equal to 8192");
    case SSM_TIER_DOWNGRADE:
        return req_fail(req, &AWSERR_SSM_VALIDATION,
                        "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the "
                        "advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the "
                        "advanced parameter and recreate it as a standard parameter.");
    case SSM_TIER_OK:
    default:
        break;
    }
    v->tier = (char *)tier;
    v->version = prev ? prev->version + 1 : 1;
    v->modified_ms = clock_now_ms();
    return 0;
}

/* Makes room for one more version of NAME: past SSM_MAX_VERSIONS the
 * oldest goes, unless it carries a label. Returns 0 or -1 recorded. */
static int make_room(struct req *req, const char *name) {
    int64_t n = 0, oldest = 0;
    int labelled = 0;
    if (store_ssm_versions(scope(req), name, &n, &oldest, &labelled) != STORE_OK) return store_failed(req);
    if (n < SSM_MAX_VERSIONS) return 0;
    if (labelled)
        return req_fail(req, &AWSERR_SSM_MAX_VERSIONS,
                        "You attempted to create a new version of %.2048s by calling the PutParameter API with the "
                        "overwrite flag. Version %lld, the oldest version, can't be deleted because it has a label "
                        "associated with it. Move the label to another version of the parameter, and try again.",
                        name, (long long)oldest);
    return store_ssm_delete_version(scope(req), name, oldest) == STORE_OK ? 0 : store_failed(req);
}

/* TAGS (a list of {Key, Value}) merged over the tag object text OLD;
 * heap JSON text. */
static char *merge_tags(const char *old, cJSON *tags) {
    cJSON *o = old ? cJSON_Parse(old) : NULL;
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        o = cJSON_CreateObject();
    }
    for (cJSON *t = tags ? tags->child : NULL; t; t = t->next) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(t, "Key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(t, "Value");
        cJSON_DeleteItemFromObjectCaseSensitive(o, k->valuestring);
        cJSON_AddStringToObject(o, k->valuestring, v->valuestring);
    }
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

static int put_parameter(struct req *req, struct op_in *in) {
    struct put_args a;
    struct store_ssm_param prev = {0}, v;
    int rc = -1, had;
    if (put_parse(req, in->json, &a) != 0) return -1;
    int src = store_ssm_get(scope(req), a.name, 0, &prev);
    if (src != STORE_OK && src != STORE_NOTFOUND) return store_failed(req);
    had = src == STORE_OK;
    if (had && !a.overwrite) {
        rc = req_fail(req, &AWSERR_SSM_ALREADY_EXISTS,
                      "The parameter already exists. To overwrite this value, set the overwrite option in the "
                      "request to true.");
        goto out;
    }
    if (put_version(req, &a, had ? &prev : NULL, &v) != 0) goto out;
    char user[320];
    modified_user(req, user, sizeof(user));
    v.modified_user = user;
    if (had && make_room(req, a.name) != 0) goto out;
    if (store_ssm_put(scope(req), &v) != STORE_OK) {
        rc = store_failed(req);
        goto out;
    }
    if (!had && a.tags && a.tags->child) {
        char *tags = merge_tags(NULL, a.tags);
        int trc = store_ssm_tags_set(scope(req), a.name, tags);
        free(tags);
        if (trc != STORE_OK) {
            rc = store_failed(req);
            goto out;
        }
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "Version", (double)v.version);
    cJSON_AddStringToObject(o, "Tier", v.tier);
    rc = req_reply_json(req, 200, o);
out:
    store_ssm_param_clear(&prev);
    return rc;
}

/* ---- GetParameter, GetParameters ---- */

static int get_parameter(struct req *req, struct op_in *in) {
    const char *name;
    int decrypt = 0;
    if (get_str(req, in->json, "Name", &name) < 0 || get_bool(req, in->json, "WithDecryption", &decrypt) < 0)
        return -1;
    if (name == NULL) return null_member(req, "name");
    struct ssm_ref ref;
    if (ref_or_fail(req, name, &ref) != 0) return -1;
    struct store_ssm_param p;
    enum found f = resolve(req, &ref, &p);
    if (f != FOUND) {
        store_ssm_param_clear(&p);
        return found_fail(req, f, &ref);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "Parameter", parameter_json(req, &p, decrypt, ref.selector));
    store_ssm_param_clear(&p);
    return req_reply_json(req, 200, o);
}

/* "[a, b, c]": a list member as AWS prints it in a validation message. */
static void list_text(cJSON *list, char *out, size_t n) {
    size_t o = 0;
    o += (size_t)snprintf(out, n, "[");
    for (cJSON *e = list->child; e && o < n; e = e->next)
        o += (size_t)snprintf(out + o, n - o, "%s%s", e == list->child ? "" : ", ", e->valuestring);
    if (o < n) snprintf(out + o, n - o, "]");
}

/* Checks a Names list (1..SSM_NAMES_MAX); 0 or -1 recorded. */
static int names_or_fail(struct req *req, cJSON *names) {
    if (names == NULL) return null_member(req, "names");
    int n = cJSON_GetArraySize(names);
    if (n >= 1 && n <= SSM_NAMES_MAX) return 0;
    char text[1024];
    list_text(names, text, sizeof(text));
    struct vlist vl = {0};
    vl_add(&vl, text, "names",
           n < 1 ? "Member must have length greater than or equal to 1"
                 : "Member must have length less than or equal to 10");
    return vl_fail(req, &vl, &AWSERR_SSM_VALIDATION);
}

/* 1 when an earlier item of LIST than E has E's text. */
static int seen_before(cJSON *list, cJSON *e) {
    for (cJSON *x = list->child; x && x != e; x = x->next)
        if (strcmp(x->valuestring, e->valuestring) == 0) return 1;
    return 0;
}

/* Inserts parameter shape P into array ARR in Name order (AWS lists
 * GetParameters' results alphabetically). */
static void insert_sorted(cJSON *arr, cJSON *p) {
    const char *name = cJSON_GetObjectItemCaseSensitive(p, "Name")->valuestring;
    int i = 0;
    for (cJSON *x = arr->child; x; x = x->next, i++)
        if (strcmp(cJSON_GetObjectItemCaseSensitive(x, "Name")->valuestring, name) > 0) {
            cJSON_InsertItemInArray(arr, i, p);
            return;
        }
    cJSON_AddItemToArray(arr, p);
}

static int get_parameters(struct req *req, struct op_in *in) {
    cJSON *names;
    int decrypt = 0;
    if (get_list(req, in->json, "Names", 1, &names) < 0 || get_bool(req, in->json, "WithDecryption", &decrypt) < 0)
        return -1;
    if (names_or_fail(req, names) != 0) return -1;
    cJSON *found = cJSON_CreateArray(), *invalid = cJSON_CreateArray();
    for (cJSON *e = names->child; e; e = e->next) {
        if (seen_before(names, e)) continue;
        struct ssm_ref ref;
        struct store_ssm_param p;
        enum found f = NOT_FOUND;
        if (strlen(e->valuestring) <= SSM_NAME_MAX && ssm_ref_parse(e->valuestring, &ref) == 0 &&
            ssm_name_check(ref.name, 0) == SSM_NAME_OK)
            f = resolve(req, &ref, &p);
        else
            memset(&p, 0, sizeof(p));
        if (f == FOUND) insert_sorted(found, parameter_json(req, &p, decrypt, ref.selector));
        else if (f == LOOKUP_FAILED) {
            cJSON_Delete(found);
            cJSON_Delete(invalid);
            return store_failed(req);
        } else cJSON_AddItemToArray(invalid, cJSON_CreateString(e->valuestring));
        store_ssm_param_clear(&p);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "Parameters", found);
    cJSON_AddItemToObject(o, "InvalidParameters", invalid);
    return req_reply_json(req, 200, o);
}

/* ---- filters (GetParametersByPath, DescribeParameters) ---- */

enum fopt { F_EQUALS, F_BEGINS, F_CONTAINS, F_RECURSIVE, F_ONELEVEL };

struct pfilter {
    const char *key;   /* "Name", "Type", ..., "tag:K" (borrowed from the body) */
    const char *option;   /* as given (NULL: the key's default) */
    enum fopt opt;
    cJSON *values;     /* strings; NULL: none given (a tag filter: the key exists) */
};

struct pfilters {
    struct pfilter f[SSM_MAX_FILTERS];
    int n;
};

/* The option named TEXT for filter KEY (NULL: the key's default). -1
 * with InvalidFilterOption recorded when the key does not take it. */
static int filter_option(struct req *req, const char *key, const char *text, enum fopt *opt) {
    if (strcmp(key, "Path") == 0) {
        if (text == NULL || strcmp(text, "OneLevel") == 0) *opt = F_ONELEVEL;
        else if (strcmp(text, "Recursive") == 0) *opt = F_RECURSIVE;
        else
            return req_fail(req, &AWSERR_SSM_INVALID_FILTER_OPTION,
                            "The following filter option is not valid: %.10s. Valid options include: "
                            "[Recursive, OneLevel].", text);
        return 0;
    }
    if (text == NULL || strcmp(text, "Equals") == 0) *opt = F_EQUALS;
    else if (strcmp(text, "BeginsWith") == 0) *opt = F_BEGINS;
    else if (strcmp(text, "Contains") == 0 && strcmp(key, "Name") == 0) *opt = F_CONTAINS;
    else
        return req_fail(req, &AWSERR_SSM_INVALID_FILTER_OPTION,
                        "The following filter option is not valid: %.10s. Valid options include: "
                        "[BeginsWith, Equals].", text);
    return 0;
}

/* Checks the values of filter F (key-specific); 0 or -1 recorded. */
static int filter_values(struct req *req, const struct pfilter *f) {
    if (f->values == NULL || f->values->child == NULL) {
        if (strncmp(f->key, "tag:", 4) == 0) return 0;
        return req_fail(req, &AWSERR_SSM_INVALID_FILTER_VALUE,
                        "The following filter values are missing : null for filter key %.132s.", f->key);
    }
    for (cJSON *v = f->values->child; v; v = v->next) {
        const char *z = v->valuestring;
        if (strcmp(f->key, "Type") == 0 && !in_set(z, ssm_types, 3))
            return req_fail(req, &AWSERR_SSM_INVALID_FILTER_VALUE,
                            "The following filter value is not valid: %.1024s. Valid values include: "
                            "[String, StringList, SecureString].", z);
        if (strcmp(f->key, "Tier") == 0 && !in_set(z, ssm_tiers, 3))
            return req_fail(req, &AWSERR_SSM_INVALID_FILTER_VALUE,
                            "The following filter value is not valid: %.1024s. Valid values include: "
                            "[Standard, Advanced, Intelligent-Tiering].", z);
        if (strcmp(f->key, "Path") == 0 && !ssm_path_ok(z))
            return req_fail(req, &AWSERR_SSM_VALIDATION, "%s", SSM_MSG_BAD_PATH);
    }
    return 0;
}

/* 1 when KEY is one of the ParameterStringFilterKey pattern's. */
static int known_key(const char *key) {
    static const char *const keys[] = {"Name", "Type", "KeyId", "Path", "Label", "Tier", "DataType"};
    return in_set(key, keys, 7) || (strncmp(key, "tag:", 4) == 0 && key[4] != '\0');
}

/* Reads the ParameterFilters LIST into *OUT; BY_PATH: GetParametersByPath,
 * whose keys are Type, KeyId and Label only. Returns 0 or -1 recorded. */
static int filters_parse(struct req *req, cJSON *list, int by_path, struct pfilters *out) {
    out->n = 0;
    struct vlist vl = {0};
    int i = 0;
    for (cJSON *e = list ? list->child : NULL; e; e = e->next, i++) {
        const char *key, *option;
        cJSON *values;
        if (get_str(req, e, "Key", &key) < 0 || get_str(req, e, "Option", &option) < 0 ||
            get_list(req, e, "Values", 1, &values) < 0)
            return -1;
        char field[64];
        snprintf(field, sizeof(field), "parameterFilters.%d.member.key", i + 1);
        if (key == NULL) vl_add(&vl, NULL, field, "Member must not be null");
        else if (!known_key(key))
            vl_add(&vl, key, field,
                   "Member must satisfy regular expression pattern: tag:.+|Name|Type|KeyId|Path|Label|Tier|DataType");
        if (vl.n) continue;
        if (out->n == SSM_MAX_FILTERS)
            return req_fail(req, &AWSERR_SSM_VALIDATION, "sluice takes at most %d parameter filters in one request",
                            SSM_MAX_FILTERS);
        out->f[out->n++] = (struct pfilter){key, option, F_EQUALS, values};
    }
    if (vl_fail(req, &vl, &AWSERR_SSM_VALIDATION) != 0) return -1;
    for (int k = 0; k < out->n; k++) {
        struct pfilter *f = &out->f[k];
        int tag = strncmp(f->key, "tag:", 4) == 0;
        if (by_path && (tag || strcmp(f->key, "Name") == 0 || strcmp(f->key, "Path") == 0 ||
                        strcmp(f->key, "Tier") == 0 || strcmp(f->key, "DataType") == 0))
            return req_fail(req, &AWSERR_SSM_INVALID_FILTER_KEY,
                            "The following filter key is not valid: %.132s. Valid filter keys include: "
                            "[Type, KeyId, Label].", f->key);
        if (!by_path && strcmp(f->key, "Label") == 0)
            return req_fail(req, &AWSERR_SSM_INVALID_FILTER_KEY,
                            "The following filter key is not valid: Label. Valid filter keys include: "
                            "[Path, Name, Type, KeyId, Tier].");
        for (int j = 0; j < k; j++)
            if (strcmp(out->f[j].key, f->key) == 0)
                return req_fail(req, &AWSERR_SSM_INVALID_FILTER_KEY,
                                "The following filter is duplicated in the request: %.132s. A request can "
                                "contain only one occurrence of a specific filter.", f->key);
        if (filter_option(req, f->key, f->option, &f->opt) != 0 || filter_values(req, f) != 0) return -1;
    }
    return 0;
}

/* DescribeParameters' older Filters (Key Name, Type or KeyId; a Name
 * value matches the names it begins) into *OUT. 0 or -1 recorded. */
static int old_filters_parse(struct req *req, cJSON *list, struct pfilters *out) {
    static const char *const keys[] = {"Name", "Type", "KeyId"};
    out->n = 0;
    struct vlist vl = {0};
    int i = 0;
    for (cJSON *e = list ? list->child : NULL; e; e = e->next, i++) {
        const char *key;
        cJSON *values;
        if (get_str(req, e, "Key", &key) < 0 || get_list(req, e, "Values", 1, &values) < 0) return -1;
        char field[64];
        snprintf(field, sizeof(field), "filters.%d.member.key", i + 1);
        if (key == NULL) vl_add(&vl, NULL, field, "Member must not be null");
        else if (!in_set(key, keys, 3))
            vl_add(&vl, key, field, "Member must satisfy enum value set: [Name, Type, KeyId]");
        snprintf(field, sizeof(field), "filters.%d.member.values", i + 1);
        if (values == NULL) vl_add(&vl, NULL, field, "Member must not be null");
        if (vl.n) continue;
        if (out->n == SSM_MAX_FILTERS)
            return req_fail(req, &AWSERR_SSM_VALIDATION, "sluice takes at most %d filters in one request",
                            SSM_MAX_FILTERS);
        out->f[out->n++] = (struct pfilter){key, NULL, strcmp(key, "Name") == 0 ? F_BEGINS : F_EQUALS, values};
    }
    return vl_fail(req, &vl, &AWSERR_SSM_VALIDATION);
}

static int value_match(enum fopt opt, const char *have, const char *want) {
    if (have == NULL) return 0;
    switch (opt) {
    case F_BEGINS: return strncmp(have, want, strlen(want)) == 0;
    case F_CONTAINS: return strstr(have, want) != NULL;
    case F_EQUALS:
    case F_RECURSIVE:
    case F_ONELEVEL:
    default: return strcmp(have, want) == 0;
    }
}

/* 1 when JSON array text LIST holds string Z. */
static int json_list_has(const char *list, const char *z) {
    cJSON *a = list ? cJSON_Parse(list) : NULL;
    int has = 0;
    for (cJSON *e = a ? a->child : NULL; e && !has; e = e->next)
        has = cJSON_IsString(e) && strcmp(e->valuestring, z) == 0;
    cJSON_Delete(a);
    return has;
}

/* 1 when parameter P passes filter F. */
static int filter_match(const struct pfilter *f, const struct store_ssm_param *p) {
    const char *have = NULL;
    char *tag_value = NULL;
    int tag = strncmp(f->key, "tag:", 4) == 0;
    if (tag) {
        cJSON *t = p->tags ? cJSON_Parse(p->tags) : NULL;
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(t, f->key + 4));
        if (v) tag_value = xstrdup(v);
        cJSON_Delete(t);
        if (tag_value == NULL) return 0;
        if (f->values == NULL || f->values->child == NULL) {
            free(tag_value);
            return 1;
        }
        have = tag_value;
    } else if (strcmp(f->key, "Name") == 0) have = p->name;
    else if (strcmp(f->key, "Type") == 0) have = p->type;
    else if (strcmp(f->key, "KeyId") == 0) have = p->key_id;
    else if (strcmp(f->key, "Tier") == 0) have = p->tier;
    else if (strcmp(f->key, "DataType") == 0) have = p->data_type;
    int ok = 0;
    for (cJSON *v = f->values ? f->values->child : NULL; v && !ok; v = v->next) {
        if (strcmp(f->key, "Path") == 0) ok = ssm_path_holds(v->valuestring, p->name, f->opt == F_RECURSIVE);
        else if (strcmp(f->key, "Label") == 0) ok = json_list_has(p->labels, v->valuestring);
        else ok = value_match(f->opt, have, v->valuestring);
    }
    free(tag_value);
    return ok;
}

/* ---- paging ---- */

/* One page of a listing: rows pass the path and filters, the first LIMIT
 * are shaped into ARR, one more sets MORE. */
struct page {
    struct req *req;
    const struct pfilters *fs;
    const char *path;       /* GetParametersByPath: the Path; NULL otherwise */
    int recursive, decrypt, metadata;
    int limit, count, more;
    cJSON *arr;
    char last[SSM_NAME_MAX + 1];
};

static int page_row(void *ctx, const struct store_ssm_param *p) {
    struct page *c = ctx;
    if (c->path && !ssm_path_holds(c->path, p->name, c->recursive)) return 0;
    for (int i = 0; i < c->fs->n; i++)
        if (!filter_match(&c->fs->f[i], p)) return 0;
    if (c->count == c->limit) {
        c->more = 1;
        return 1;
    }
    cJSON *o;
    if (c->metadata) {
        char arn[SSM_NAME_MAX + 128];
        o = metadata_json(p);
        ssm_arn(c->req->region, c->req->account, p->name, arn, sizeof(arn));
        cJSON_AddStringToObject(o, "ARN", arn);
    } else {
        o = parameter_json(c->req, p, c->decrypt, NULL);
    }
    cJSON_AddItemToArray(c->arr, o);
    snprintf(c->last, sizeof(c->last), "%s", p->name);
    c->count++;
    return 0;
}

/* The key NextToken TOKEN carries into *KEY (heap, NULL without a
 * token). Returns 0, or -1 with InvalidNextToken recorded. */
static int token_or_fail(struct req *req, const char *token, char **key) {
    *key = NULL;
    if (token == NULL) return 0;
    *key = util_token_read(token);
    if (*key == NULL) return req_fail(req, &AWSERR_SSM_INVALID_NEXT_TOKEN, "The specified token isn't valid.");
    return 0;
}

/* Replies {MEMBER: the page's rows, NextToken when there are more}. */
static int page_reply(struct req *req, struct page *c, const char *member) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, member, c->arr);
    if (c->more) {
        char *t = util_token_make(c->last);
        cJSON_AddStringToObject(o, "NextToken", t);
        free(t);
    }
    return req_reply_json(req, 200, o);
}

static int get_parameters_by_path(struct req *req, struct op_in *in) {
    const char *path, *token;
    int recursive = 0, decrypt = 0;
    int64_t max = SSM_PATH_PAGE_MAX;
    cJSON *flist;
    if (get_str(req, in->json, "Path", &path) < 0 || get_bool(req, in->json, "Recursive", &recursive) < 0 ||
        get_bool(req, in->json, "WithDecryption", &decrypt) < 0 || get_int(req, in->json, "MaxResults", &max) < 0 ||
        get_str(req, in->json, "NextToken", &token) < 0 || get_list(req, in->json, "ParameterFilters", 0, &flist) < 0)
        return -1;
    struct vlist vl = {0};
    if (path == NULL) vl_add(&vl, NULL, "path", "Member must not be null");
    check_len(&vl, path, "path", 1, SSM_NAME_MAX);
    check_max_results(&vl, max, SSM_PATH_PAGE_MAX);
    if (vl_fail(req, &vl, &AWSERR_SSM_VALIDATION) != 0) return -1;
    if (!ssm_path_ok(path)) return req_fail(req, &AWSERR_SSM_VALIDATION, "%s", SSM_MSG_BAD_PATH);
    struct pfilters fs;
    char *after;
    if (filters_parse(req, flist, 1, &fs) != 0 || token_or_fail(req, token, &after) != 0) return -1;
    /* Every name under PATH starts with PATH and a '/'. */
    char *prefix = xasprintf("%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/");
    struct page c = {req, &fs, path, recursive, decrypt, 0, (int)max, 0, 0, cJSON_CreateArray(), ""};
    int rc = store_ssm_list(scope(req), prefix, after, page_row, &c);
    free(prefix);
    free(after);
    if (rc != STORE_OK) {
        cJSON_Delete(c.arr);
        return store_failed(req);
    }
    return page_reply(req, &c, "Parameters");
}

static int describe_parameters(struct req *req, struct op_in *in) {
    const char *token;
    int64_t max = SSM_PAGE_MAX;
    cJSON *old, *flist;
    if (get_list(req, in->json, "Filters", 0, &old) < 0 || get_list(req, in->json, "ParameterFilters", 0, &flist) < 0 ||
        get_int(req, in->json, "MaxResults", &max) < 0 || get_str(req, in->json, "NextToken", &token) < 0)
        return -1;
    struct vlist vl = {0};
    check_max_results(&vl, max, SSM_PAGE_MAX);
    if (vl_fail(req, &vl, &AWSERR_SSM_VALIDATION) != 0) return -1;
    if (old && flist)
        return req_fail(req, &AWSERR_SSM_VALIDATION,
                        "You can use either Filters or ParameterFilters in a single request.");
    struct pfilters fs;
    char *after;
    if ((old ? old_filters_parse(req, old, &fs) : filters_parse(req, flist, 0, &fs)) != 0 ||
        token_or_fail(req, token, &after) != 0)
        return -1;
    struct page c = {req, &fs, NULL, 0, 0, 1, (int)max, 0, 0, cJSON_CreateArray(), ""};
    int rc = store_ssm_list(scope(req), NULL, after, page_row, &c);
    free(after);
    if (rc != STORE_OK) {
        cJSON_Delete(c.arr);
        return store_failed(req);
    }
    return page_reply(req, &c, "Parameters");
}

/* ---- GetParameterHistory ---- */

struct history {
    struct req *req;
    int decrypt, limit, count, more;
    int64_t last;
    cJSON *arr;
};

static int history_row(void *ctx, const struct store_ssm_param *p) {
    struct history *c = ctx;
    if (c->count == c->limit) {
        c->more = 1;
        return 1;
    }
    cJSON *o = metadata_json(p);
    add_value(c->req, o, p, c->decrypt);
    cJSON *labels = p->labels ? cJSON_Parse(p->labels) : NULL;
    cJSON_AddItemToObject(o, "Labels", cJSON_IsArray(labels) ? labels : cJSON_CreateArray());
    if (!cJSON_IsArray(labels)) cJSON_Delete(labels);
    cJSON_AddItemToArray(c->arr, o);
    c->last = p->version;
    c->count++;
    return 0;
}

static int get_parameter_history(struct req *req, struct op_in *in) {
    const char *name, *token;
    int decrypt = 0;
    int64_t max = SSM_PAGE_MAX;
    if (get_str(req, in->json, "Name", &name) < 0 || get_bool(req, in->json, "WithDecryption", &decrypt) < 0 ||
        get_int(req, in->json, "MaxResults", &max) < 0 || get_str(req, in->json, "NextToken", &token) < 0)
        return -1;
    if (name == NULL) return null_member(req, "name");
    struct vlist vl = {0};
    check_max_results(&vl, max, SSM_PAGE_MAX);
    if (vl_fail(req, &vl, &AWSERR_SSM_VALIDATION) != 0) return -1;
    struct ssm_ref ref;
    if (ref_or_fail(req, name, &ref) != 0) return -1;
    if (ref.selector[0]) return req_fail(req, &AWSERR_SSM_VALIDATION, "%s", SSM_MSG_BAD_NAME);
    struct store_ssm_param cur;
    enum found f = resolve(req, &ref, &cur);
    store_ssm_param_clear(&cur);
    if (f != FOUND) return found_fail(req, f, &ref);
    char *after;
    if (token_or_fail(req, token, &after) != 0) return -1;
    int64_t from = after ? strtoll(after, NULL, 10) : 0;
    free(after);
    struct history c = {req, decrypt, (int)max, 0, 0, 0, cJSON_CreateArray()};
    if (store_ssm_history(scope(req), ref.name, from, history_row, &c) != STORE_OK) {
        cJSON_Delete(c.arr);
        return store_failed(req);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "Parameters", c.arr);
    if (c.more) {
        char key[24];
        snprintf(key, sizeof(key), "%lld", (long long)c.last);
        char *t = util_token_make(key);
        cJSON_AddStringToObject(o, "NextToken", t);
        free(t);
    }
    return req_reply_json(req, 200, o);
}

/* ---- DeleteParameter(s) ---- */

static int delete_parameter(struct req *req, struct op_in *in) {
    const char *name;
    if (get_str(req, in->json, "Name", &name) < 0) return -1;
    if (name == NULL) return null_member(req, "name");
    if (name_or_fail(req, name, 1) != 0) return -1;
    int rc = store_ssm_delete(scope(req), name);
    if (rc == STORE_NOTFOUND) return req_fail(req, &AWSERR_SSM_NOT_FOUND, "%s", "");
    if (rc != STORE_OK) return store_failed(req);
    return req_reply_json(req, 200, cJSON_CreateObject());
}

static int delete_parameters(struct req *req, struct op_in *in) {
    cJSON *names;
    if (get_list(req, in->json, "Names", 1, &names) < 0) return -1;
    if (names_or_fail(req, names) != 0) return -1;
    cJSON *deleted = cJSON_CreateArray(), *invalid = cJSON_CreateArray();
    for (cJSON *e = names->child; e; e = e->next) {
        if (seen_before(names, e)) continue;
        int rc = STORE_NOTFOUND;
        if (ssm_name_check(e->valuestring, 1) == SSM_NAME_OK) rc = store_ssm_delete(scope(req), e->valuestring);
        if (rc != STORE_OK && rc != STORE_NOTFOUND) {
            cJSON_Delete(deleted);
            cJSON_Delete(invalid);
            return store_failed(req);
        }
        cJSON_AddItemToArray(rc == STORE_OK ? deleted : invalid, cJSON_CreateString(e->valuestring));
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "DeletedParameters", deleted);
    cJSON_AddItemToObject(o, "InvalidParameters", invalid);
    return req_reply_json(req, 200, o);
}

/* ---- tags ---- */

/* Resolves the tagging calls' ResourceType and ResourceId to a parameter
 * NAME (NAME_CAP bytes) and its tag text *TAGS (heap). A parameter's id
 * is its name; one given without the leading '/' of its name is found
 * too. Returns 0, or -1 recorded. */
static int tag_target(struct req *req, cJSON *in, char *name, size_t cap, char **tags) {
    static const char *const types[] = {"Document", "ManagedInstance", "MaintenanceWindow", "Parameter",
                                        "PatchBaseline", "OpsItem", "OpsMetadata", "Automation", "Association"};
    const char *type, *id;
    *tags = NULL;
    if (get_str(req, in, "ResourceType", &type) < 0 || get_str(req, in, "ResourceId", &id) < 0) return -1;
    struct vlist vl = {0};
    if (type == NULL) vl_add(&vl, NULL, "resourceType", "Member must not be null");
    else if (!in_set(type, types, 9))
        vl_add(&vl, type, "resourceType",
               "Member must satisfy enum value set: [Document, ManagedInstance, MaintenanceWindow, Parameter, "
               "PatchBaseline, OpsItem, OpsMetadata, Automation, Association]");
    if (id == NULL) vl_add(&vl, NULL, "resourceId", "Member must not be null");
    if (vl_fail(req, &vl, &AWSERR_SSM_VALIDATION) != 0) return -1;
    /* sluice keeps no other taggable SSM resource. */
    if (strcmp(type, "Parameter") != 0) return req_fail(req, &AWSERR_SSM_INVALID_RESOURCE_TYPE, "%s", "");
    if (strlen(id) > SSM_NAME_MAX) return req_fail(req, &AWSERR_SSM_INVALID_RESOURCE_ID, "%s", "");
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && id[0] == '/') break;
        snprintf(name, cap, "%s%s", pass ? "/" : "", id);
        int rc = store_ssm_tags_get(scope(req), name, tags);
        if (rc == STORE_OK) return 0;
        if (rc != STORE_NOTFOUND) return store_failed(req);
    }
    return req_fail(req, &AWSERR_SSM_INVALID_RESOURCE_ID, "%s", "");
}

static int add_tags_to_resource(struct req *req, struct op_in *in) {
    cJSON *tags;
    char name[SSM_NAME_MAX + 2], *old;
    if (get_list(req, in->json, "Tags", 0, &tags) < 0) return -1;
    if (tag_target(req, in->json, name, sizeof(name), &old) != 0) return -1;
    struct vlist vl = {0};
    if (tags == NULL) vl_add(&vl, NULL, "tags", "Member must not be null");
    int rc = check_tags(req, tags, "tags", &vl);
    if (rc == 0) rc = vl_fail(req, &vl, &AWSERR_SSM_VALIDATION);
    char *merged = rc == 0 ? merge_tags(old, tags) : NULL;
    free(old);
    if (rc != 0) return -1;
    cJSON *m = cJSON_Parse(merged);
    int n = cJSON_GetArraySize(m);
    cJSON_Delete(m);
    if (n > SSM_MAX_TAGS) rc = req_fail(req, &AWSERR_SSM_TOO_MANY_TAGS, "%s", "");
    else if (store_ssm_tags_set(scope(req), name, merged) != STORE_OK) rc = store_failed(req);
    free(merged);
    return rc != 0 ? -1 : req_reply_json(req, 200, cJSON_CreateObject());
}

static int remove_tags_from_resource(struct req *req, struct op_in *in) {
    cJSON *keys;
    char name[SSM_NAME_MAX + 2], *old;
    if (get_list(req, in->json, "TagKeys", 1, &keys) < 0) return -1;
    if (keys == NULL) return null_member(req, "tagKeys");
    if (tag_target(req, in->json, name, sizeof(name), &old) != 0) return -1;
    cJSON *o = cJSON_Parse(old);
    free(old);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        o = cJSON_CreateObject();
    }
    for (cJSON *k = keys->child; k; k = k->next) cJSON_DeleteItemFromObjectCaseSensitive(o, k->valuestring);
    char *text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    int rc = store_ssm_tags_set(scope(req), name, text);
    free(text);
    return rc != STORE_OK ? store_failed(req) : req_reply_json(req, 200, cJSON_CreateObject());
}

static int list_tags_for_resource(struct req *req, struct op_in *in) {
    char name[SSM_NAME_MAX + 2], *text;
    if (tag_target(req, in->json, name, sizeof(name), &text) != 0) return -1;
    cJSON *o = cJSON_Parse(text);
    free(text);
    cJSON *list = cJSON_CreateArray();
    for (cJSON *t = cJSON_IsObject(o) ? o->child : NULL; t; t = t->next) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "Key", t->string);
        cJSON_AddStringToObject(e, "Value", cJSON_IsString(t) ? t->valuestring : "");
        cJSON_AddItemToArray(list, e);
    }
    cJSON_Delete(o);
    cJSON *out = cJSON_CreateObject();
    cJSON_AddItemToObject(out, "TagList", list);
    return req_reply_json(req, 200, out);
}

/* ---- labels ---- */

/* Collects each version's number and labels: [{"v": n, "l": [...]}]. */
static int collect_labels(void *ctx, const struct store_ssm_param *p) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddNumberToObject(e, "v", (double)p->version);
    cJSON *l = p->labels ? cJSON_Parse(p->labels) : NULL;
    cJSON_AddItemToObject(e, "l", cJSON_IsArray(l) ? l : cJSON_CreateArray());
    if (!cJSON_IsArray(l)) cJSON_Delete(l);
    cJSON_AddItemToArray(ctx, e);
    return 0;
}

/* Deletes string Z from array A; 1 when it was there. */
static int list_remove(cJSON *a, const char *z) {
    int i = 0;
    for (cJSON *e = a->child; e; e = e->next, i++)
        if (strcmp(e->valuestring, z) == 0) {
            cJSON_DeleteItemFromArray(a, i);
            return 1;
        }
    return 0;
}

/* Writes the labels of each entry of VERSIONS (collect_labels) whose
 * "changed" mark is set. Returns 0 or -1 recorded. */
static int save_labels(struct req *req, const char *name, cJSON *versions) {
    for (cJSON *e = versions->child; e; e = e->next) {
        if (!cJSON_GetObjectItemCaseSensitive(e, "changed")) continue;
        char *text = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(e, "l"));
        int rc = store_ssm_labels_set(scope(req), name,
                                      (int64_t)cJSON_GetObjectItemCaseSensitive(e, "v")->valuedouble, text);
        free(text);
        if (rc != STORE_OK) return store_failed(req);
    }
    return 0;
}

/* The common part of Label/UnlabelParameterVersion: Name, the version
 * (*VERSION; 0 in: the current one, when not REQUIRED), Labels, and
 * every version's labels into *VERSIONS (owned). 0 or -1 recorded. */
static int label_args(struct req *req, cJSON *in, int required, const char **name, int64_t *version,
                      cJSON **labels, cJSON **versions) {
    *versions = NULL;
    int has_version = 0;
    if (get_str(req, in, "Name", name) < 0 || (has_version = get_int(req, in, "ParameterVersion", version)) < 0 ||
        get_list(req, in, "Labels", 1, labels) < 0)
        return -1;
    struct vlist vl = {0};
    if (*name == NULL) vl_add(&vl, NULL, "name", "Member must not be null");
    if (required && !has_version) vl_add(&vl, NULL, "parameterVersion", "Member must not be null");
    if (*labels == NULL) vl_add(&vl, NULL, "labels", "Member must not be null");
    else if (cJSON_GetArraySize(*labels) < 1 || cJSON_GetArraySize(*labels) > SSM_LABELS_MAX) {
        char text[1400];
        list_text(*labels, text, sizeof(text));
        vl_add(&vl, text, "labels",
               cJSON_GetArraySize(*labels) < 1 ? "Member must have length greater than or equal to 1"
                                                : "Member must have length less than or equal to 10");
    }
    if (vl_fail(req, &vl, &AWSERR_SSM_VALIDATION) != 0 || name_or_fail(req, *name, 1) != 0) return -1;
    struct store_ssm_param p;
    int rc = store_ssm_get(scope(req), *name, has_version ? *version : 0, &p);
    if (rc == STORE_OK) *version = p.version;
    store_ssm_param_clear(&p);
    if (rc == STORE_NOTFOUND) {
        struct ssm_ref ref = {.version = has_version ? *version : 0};
        snprintf(ref.name, sizeof(ref.name), "%s", *name);
        enum found f = has_version ? resolve(req, &ref, &p) : NOT_FOUND;
        store_ssm_param_clear(&p);
        return found_fail(req, f == FOUND ? VERSION_NOT_FOUND : f, &ref);
    }
    if (rc != STORE_OK) return store_failed(req);
    *versions = cJSON_CreateArray();
    if (store_ssm_history(scope(req), *name, 0, collect_labels, *versions) != STORE_OK) {
        cJSON_Delete(*versions);
        *versions = NULL;
        return store_failed(req);
    }
    return 0;
}

static int label_parameter_version(struct req *req, struct op_in *in) {
    const char *name;
    int64_t version = 0;
    cJSON *labels, *versions;
    if (label_args(req, in->json, 0, &name, &version, &labels, &versions) != 0) return -1;
    cJSON *invalid = cJSON_CreateArray(), *target = NULL;
    for (cJSON *e = versions->child; e; e = e->next)
        if ((int64_t)cJSON_GetObjectItemCaseSensitive(e, "v")->valuedouble == version) target = e;
    cJSON *tl = cJSON_GetObjectItemCaseSensitive(target, "l");
    for (cJSON *l = labels->child; l; l = l->next) {
        if (!ssm_label_ok(l->valuestring)) {
            cJSON_AddItemToArray(invalid, cJSON_CreateString(l->valuestring));
            continue;
        }
        /* A label names one version: it moves from wherever it was. */
        for (cJSON *e = versions->child; e; e = e->next)
            if (e != target && list_remove(cJSON_GetObjectItemCaseSensitive(e, "l"), l->valuestring))
                cJSON_AddTrueToObject(e, "changed");
        if (!list_remove(tl, l->valuestring)) cJSON_AddTrueToObject(target, "changed");
        cJSON_AddItemToArray(tl, cJSON_CreateString(l->valuestring));
    }
    int rc = 0;
    if (cJSON_GetArraySize(tl) > SSM_LABELS_MAX)
        rc = req_fail(req, &AWSERR_SSM_LABEL_LIMIT,
                      "A parameter version can have maximum 10 labels. Move one or more labels to another "
                      "version and try again.");
    else rc = save_labels(req, name, versions);
    cJSON_Delete(versions);
    if (rc != 0) {
        cJSON_Delete(invalid);
        return -1;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "InvalidLabels", invalid);
    cJSON_AddNumberToObject(o, "ParameterVersion", (double)version);
    return req_reply_json(req, 200, o);
}

static int unlabel_parameter_version(struct req *req, struct op_in *in) {
    const char *name;
    int64_t version = 0;
    cJSON *labels, *versions;
    if (label_args(req, in->json, 1, &name, &version, &labels, &versions) != 0) return -1;
    cJSON *removed = cJSON_CreateArray(), *invalid = cJSON_CreateArray();
    for (cJSON *e = versions->child; e; e = e->next) {
        if ((int64_t)cJSON_GetObjectItemCaseSensitive(e, "v")->valuedouble != version) continue;
        for (cJSON *l = labels->child; l; l = l->next) {
            int had = list_remove(cJSON_GetObjectItemCaseSensitive(e, "l"), l->valuestring);
            cJSON_AddItemToArray(had ? removed : invalid, cJSON_CreateString(l->valuestring));
            if (had && !cJSON_GetObjectItemCaseSensitive(e, "changed")) cJSON_AddTrueToObject(e, "changed");
        }
    }
    int rc = save_labels(req, name, versions);
    cJSON_Delete(versions);
    if (rc != 0) {
        cJSON_Delete(removed);
        cJSON_Delete(invalid);
        return -1;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "RemovedLabels", removed);
    cJSON_AddItemToObject(o, "InvalidLabels", invalid);
    return req_reply_json(req, 200, o);
}

/* Sorted by name (op_by_target). */
static const struct op ssm_ops[] = {
    {"AddTagsToResource", add_tags_to_resource, OP_WRITE, NULL, NULL, NULL},
    {"DeleteParameter", delete_parameter, OP_WRITE, NULL, NULL, NULL},
    {"DeleteParameters", delete_parameters, OP_WRITE, NULL, NULL, NULL},
    {"DescribeParameters", describe_parameters, 0, NULL, NULL, NULL},
    {"GetParameter", get_parameter, 0, NULL, NULL, NULL},
    {"GetParameterHistory", get_parameter_history, 0, NULL, NULL, NULL},
    {"GetParameters", get_parameters, 0, NULL, NULL, NULL},
    {"GetParametersByPath", get_parameters_by_path, 0, NULL, NULL, NULL},
    {"LabelParameterVersion", label_parameter_version, OP_WRITE, NULL, NULL, NULL},
    {"ListTagsForResource", list_tags_for_resource, 0, NULL, NULL, NULL},
    {"PutParameter", put_parameter, OP_WRITE, NULL, NULL, NULL},
    {"RemoveTagsFromResource", remove_tags_from_resource, OP_WRITE, NULL, NULL, NULL},
    {"UnlabelParameterVersion", unlabel_parameter_version, OP_WRITE, NULL, NULL, NULL},
};

static void ssm_store_fail(struct req *req, int rc) {
    (void)rc;
    store_failed(req);
}

const struct service ssm_service = {
    .name = "ssm",
    .ops = ssm_ops,
    .nops = sizeof(ssm_ops) / sizeof(ssm_ops[0]),
    .find = op_find_target,
    .unknown_op = &AWSERR_DDB_UNKNOWN_OP,
    .parse = op_parse_json,
    .store_fail = ssm_store_fail,
    /* A listing pages through one consistent state. */
    .read_snapshot = 1,
};
