/*
 * CloudFormation: what a CreateStack, UpdateStack or CreateChangeSet
 * submits, checked as CloudFormation checks it before it accepts the call
 * (api/cfn_int.h, cfn_spec_build): the template (inline, or read from
 * sluice's own S3 through a TemplateURL), its parameters (defaults,
 * constraints, NoEcho, list types, SSM-typed parameters read from
 * Parameter Store), its Rules and the capabilities its IAM resources need.
 */
#include "api/aws_error.h"
#include "api/call.h"
#include "api/cfn_int.h"
#include "api/request.h"
#include "base/util.h"
#include "engine/cfn/cfn_eval.h"
#include "engine/cfn/cfn_graph.h"
#include "engine/cfn/cfn_template.h"
#include "storage/store.h"
#include "storage/store_ssm.h"

#include <cjson/cJSON.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct aws_error AWSERR_CFN_CAPABILITIES = {"InsufficientCapabilitiesException", 400, NULL, AWSERR_MSG_LOWER, 0};

int cfn_status_busy(const char *status) {
    return status && strstr(status, "_IN_PROGRESS") != NULL && strcmp(status, "REVIEW_IN_PROGRESS") != 0;
}

static const char *str_member(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ---- the template's text ---- */

/* Splits URL into its S3 bucket and key (raw, still percent-encoded):
 * path style http(s)://host[:port]/bucket/key, or virtual-hosted
 * http(s)://bucket.s3[.region].host/key. Returns 0, or -1 for anything
 * else; an s3:// URI included, which AWS refuses too ("TemplateURL must be
 * a supported URL."). */
static int url_split(const char *url, char **bucket, char **key) {
    const char *p;
    if (strncmp(url, "https://", 8) == 0) p = url + 8;
    else if (strncmp(url, "http://", 7) == 0) p = url + 7;
    else return -1;
    const char *slash = strchr(p, '/');
    if (slash == NULL) return -1;
    const char *dot_s3 = strstr(p, ".s3.");
    if (!dot_s3 || dot_s3 > slash) dot_s3 = strstr(p, ".s3-");
    if (dot_s3 && dot_s3 < slash && dot_s3 > p) {
        *bucket = xstrndup(p, (size_t)(dot_s3 - p));
        *key = xstrdup(slash + 1);
    } else {
        const char *b = slash + 1, *e = strchr(b, '/');
        if (e == NULL) return -1;
        *bucket = xstrndup(b, (size_t)(e - b));
        *key = xstrdup(e + 1);
    }
    char *q = strchr(*key, '?');
    if (q) *q = '\0';
    if (**bucket == '\0' || **key == '\0') {
        free(*bucket);
        free(*key);
        return -1;
    }
    return 0;
}

/* Reads the object URL names from sluice's S3 (GetObject, in process).
 * Returns 0 with *TEXT (heap) and *N, or -1 with the error recorded. */
static int fetch_url(struct req *req, const char *url, char **text, size_t *n) {
    char *bucket = NULL, *key = NULL, *path = NULL;
    int rc = -1;
    struct call c = {0};
    if (strlen(url) > 1024 || url_split(url, &bucket, &key) != 0) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "TemplateURL must be a supported URL.");
        goto out;
    }
    path = xasprintf("/%s/%s", bucket, key);
    c.account = req->account;
    c.region = req->region;
    c.service = "s3";
    c.method = "GET";
    c.path = path;
    if (call_run(&c) != 0) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "TemplateURL must reference a valid S3 object to which you have access.");
        goto out;
    }
    if (c.nraw > CFN_URL_OBJECT_MAX) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "Template may not exceed %d bytes in size.", CFN_URL_OBJECT_MAX);
        goto out;
    }
    *text = c.raw ? c.raw : xstrdup("");
    *n = c.raw ? c.nraw : 0;
    c.raw = NULL;
    rc = 0;
out:
    call_clear(&c);
    free(bucket);
    free(key);
    free(path);
    return rc;
}

/* The template text IN submits (or PREV's with UsePreviousTemplate). */
static int template_text(struct req *req, const cJSON *in, const cJSON *prev, char **text, size_t *n) {
    const char *body = str_member(in, "TemplateBody"), *url = str_member(in, "TemplateURL");
    const char *use_prev = str_member(in, "UsePreviousTemplate");
    if (body && !*body) body = NULL;
    if (url && !*url) url = NULL;
    if (use_prev && strcmp(use_prev, "true") == 0) {
        const char *old = str_member(prev, "TemplateBody");
        if (body || url)
            return req_fail(req, &AWSERR_QUERY_VALIDATION,
                            "An input template must not be specified when UsePreviousTemplate is true.");
        if (old == NULL) return req_fail(req, &AWSERR_QUERY_VALIDATION, "UsePreviousTemplate is not valid here.");
        *text = xstrdup(old);
        *n = strlen(old);
        return 0;
    }
    if ((body == NULL) == (url == NULL))
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        body ? "Specify exactly one of TemplateBody or TemplateUrl."
                             : "Either Template URL or Template Body must be specified.");
    if (url) return fetch_url(req, url, text, n);
    if (strlen(body) > CFN_BODY_MAX)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "1 validation error detected: Value at 'templateBody' failed to satisfy constraint: "
                        "Member must have length less than or equal to %d",
                        CFN_BODY_MAX);
    *text = xstrdup(body);
    *n = strlen(body);
    return 0;
}

/* ---- parameters ---- */

static int is_list_type(const char *type) {
    return strncmp(type, "List<", 5) == 0 || strcmp(type, "CommaDelimitedList") == 0 ||
           strstr(type, "<List<") != NULL || strstr(type, "<CommaDelimitedList>") != NULL;
}

static cJSON *split_list(const char *v) {
    cJSON *a = cJSON_CreateArray();
    const char *p = v;
    if (*v == '\0') return a;
    for (;;) {
        size_t k = strcspn(p, ",");
        char *item = xstrndup(p, k);
        /* CloudFormation trims the blanks around each item. */
        char *s = item, *e = item + strlen(item);
        while (*s == ' ') s++;
        while (e > s && e[-1] == ' ') *--e = '\0';
        cJSON_AddItemToArray(a, cJSON_CreateString(s));
        free(item);
        if (p[k] == '\0') break;
        p += k + 1;
    }
    return a;
}

/* Checks VALUE of parameter NAME against DECL's constraints. Returns NULL
 * or a heap message. */
static char *param_violation(const char *name, const cJSON *decl, const char *value) {
    const char *type = str_member(decl, "Type"), *cd = str_member(decl, "ConstraintDescription");
    const cJSON *allowed = cJSON_GetObjectItemCaseSensitive(decl, "AllowedValues");
    const char *pattern = str_member(decl, "AllowedPattern");
    const cJSON *minl = cJSON_GetObjectItemCaseSensitive(decl, "MinLength");
    const cJSON *maxl = cJSON_GetObjectItemCaseSensitive(decl, "MaxLength");
    const cJSON *minv = cJSON_GetObjectItemCaseSensitive(decl, "MinValue");
    const cJSON *maxv = cJSON_GetObjectItemCaseSensitive(decl, "MaxValue");
    char *end = NULL;
    if (type && strcmp(type, "Number") == 0) {
        double d = strtod(value, &end);
        if (*value == '\0' || *end != '\0') return xasprintf("Parameter '%s' must be a number.", name);
        double lo = cJSON_IsNumber(minv) ? minv->valuedouble : cJSON_IsString(minv) ? atof(minv->valuestring) : -1e308;
        double hi = cJSON_IsNumber(maxv) ? maxv->valuedouble : cJSON_IsString(maxv) ? atof(maxv->valuestring) : 1e308;
        if (d < lo || d > hi) {
            if (cd) return xasprintf("Parameter '%s' failed to satisfy constraint: %s", name, cd);
            return xasprintf(d < lo ? "Parameter '%s' must be a number not less than %g"
                                    : "Parameter '%s' must be a number not greater than %g",
                             name, d < lo ? lo : hi);
        }
    }
    if (cJSON_IsArray(allowed)) {
        int ok = 0;
        const cJSON *a;
        cJSON_ArrayForEach(a, allowed) {
            char num[64];
            const char *s = cJSON_IsString(a) ? a->valuestring : NULL;
            if (cJSON_IsNumber(a)) snprintf(num, sizeof(num), "%g", a->valuedouble), s = num;
            if (cJSON_IsBool(a)) s = cJSON_IsTrue(a) ? "true" : "false";
            if (s && strcmp(s, value) == 0) ok = 1;
        }
        if (!ok) {
            if (cd) return xasprintf("Parameter '%s' failed to satisfy constraint: %s", name, cd);
            return xasprintf("Parameter '%s' must be one of AllowedValues", name);
        }
    }
    size_t len = strlen(value);
    long lmin = cJSON_IsNumber(minl) ? (long)minl->valuedouble : cJSON_IsString(minl) ? atol(minl->valuestring) : -1;
    long lmax = cJSON_IsNumber(maxl) ? (long)maxl->valuedouble : cJSON_IsString(maxl) ? atol(maxl->valuestring) : -1;
    if ((lmin >= 0 && (long)len < lmin) || (lmax >= 0 && (long)len > lmax)) {
        if (cd) return xasprintf("Parameter '%s' failed to satisfy constraint: %s", name, cd);
        if (lmin >= 0 && (long)len < lmin)
            return xasprintf("Parameter '%s' must contain at least %ld characters", name, lmin);
        return xasprintf("Parameter '%s' must contain at most %ld characters", name, lmax);
    }
    if (pattern) {
        regex_t re;
        char *anchored = xasprintf("^(%s)$", pattern);
        int bad = 0;
        if (regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0) {
            bad = regexec(&re, value, 0, NULL, 0) != 0;
            regfree(&re);
        }
        free(anchored);
        if (bad) {
            if (cd) return xasprintf("Parameter '%s' failed to satisfy constraint: %s", name, cd);
            return xasprintf("Parameter '%s' must match pattern %s", name, pattern);
        }
    }
    return NULL;
}

/* The value DECL (a template parameter) takes: GIVEN (the submitted
 * member or NULL), with UsePreviousValue PREV_RAW's, else its Default.
 * A Default written as a number or a boolean (`Default: 10` in YAML,
 * `"Default": 10` in JSON, which CloudFormation takes as "10") is
 * formatted into NUM. Returns a string borrowed from the arguments or NUM,
 * or NULL when it has none. */
static const char *param_raw(const cJSON *decl, const cJSON *given, const cJSON *prev, const char *name,
                             char num[static 32]) {
    if (given) {
        const char *up = str_member(given, "UsePreviousValue");
        if (up && strcmp(up, "true") == 0) return str_member(cJSON_GetObjectItemCaseSensitive(prev, "Raw"), name);
        const char *v = str_member(given, "ParameterValue");
        if (v) return v;
    }
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(decl, "Default");
    if (cJSON_IsString(d)) return d->valuestring;
    if (cJSON_IsBool(d)) return cJSON_IsTrue(d) ? "true" : "false";
    if (cJSON_IsNumber(d)) {
        /* As cJSON prints numbers: the shortest of 15 or 17 digits that reads back. */
        snprintf(num, 32, "%.15g", d->valuedouble);
        if (strtod(num, NULL) != d->valuedouble) snprintf(num, 32, "%.17g", d->valuedouble);
        return num;
    }
    return NULL;
}

/* Finds the submitted member for parameter NAME in GIVEN (an array). */
static const cJSON *given_param(const cJSON *given, const char *name) {
    const cJSON *g;
    cJSON_ArrayForEach(g, given) {
        const char *k = str_member(g, "ParameterKey");
        if (k && strcmp(k, name) == 0) return g;
    }
    return NULL;
}

/* Resolves one parameter NAME into SPEC's Values/Raw/Parameters. Returns
 * 0, or -1 with the error recorded. */
static int resolve_one(struct req *req, const char *name, const cJSON *decl, const char *raw, cJSON *spec) {
    const char *type = str_member(decl, "Type");
    const char *noecho = str_member(decl, "NoEcho");
    const cJSON *ne = cJSON_GetObjectItemCaseSensitive(decl, "NoEcho");
    int hidden = (noecho && strcmp(noecho, "true") == 0) || cJSON_IsTrue(ne);
    char *resolved = NULL, *why = NULL;
    if (type == NULL) return req_fail(req, &AWSERR_QUERY_VALIDATION, "Template format error: Every Parameters object must contain a Type member.");
    if (strncmp(type, "AWS::SSM::Parameter::Value<", 27) == 0) {
        char ptype[16];
        int64_t version;
        if (store_ssm_lookup(req->account, req->region, raw, &resolved, ptype, &version) != STORE_OK)
            return req_fail(req, &AWSERR_QUERY_VALIDATION,
                            "Unable to fetch parameters [%s] from parameter store for this account.", raw);
    } else if ((why = param_violation(name, decl, raw)) != NULL) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "%s", why);
        free(why);
        return -1;
    }
    const char *value = resolved ? resolved : raw;
    cJSON_AddItemToObject(cJSON_GetObjectItem(spec, "Values"), name,
                          is_list_type(type) ? split_list(value) : cJSON_CreateString(value));
    cJSON_AddStringToObject(cJSON_GetObjectItem(spec, "Raw"), name, raw);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "ParameterKey", name);
    cJSON_AddStringToObject(p, "ParameterValue", hidden ? "****" : raw);
    if (resolved) cJSON_AddStringToObject(p, "ResolvedValue", hidden ? "****" : resolved);
    cJSON_AddItemToArray(cJSON_GetObjectItem(spec, "Parameters"), p);
    free(resolved);
    return 0;
}

/* Every parameter of TMPL from IN's Parameters (PREV for UsePreviousValue). */
static int resolve_params(struct req *req, const cJSON *tmpl, const cJSON *in, const cJSON *prev, cJSON *spec) {
    const cJSON *decls = cJSON_GetObjectItemCaseSensitive(tmpl, "Parameters");
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(in, "Parameters");
    struct util_buf unknown = {0}, missing = {0};
    int rc = 0;
    if (!cJSON_IsArray(given)) given = NULL;
    const cJSON *g;
    cJSON_ArrayForEach(g, given) {
        const char *k = str_member(g, "ParameterKey");
        if (k && !cJSON_GetObjectItemCaseSensitive(decls, k)) {
            util_buf_add(&unknown, unknown.n ? ", " : "");
            util_buf_add(&unknown, k);
        }
    }
    const cJSON *d;
    cJSON_ArrayForEach(d, decls) {
        char num[32];
        if (param_raw(d, given_param(given, d->string), prev, d->string, num) == NULL) {
            util_buf_add(&missing, missing.n ? ", " : "");
            util_buf_add(&missing, d->string);
        }
    }
    if (unknown.n) rc = req_fail(req, &AWSERR_QUERY_VALIDATION, "Parameters: [%s] do not exist in the template", unknown.z);
    else if (missing.n) rc = req_fail(req, &AWSERR_QUERY_VALIDATION, "Parameters: [%s] must have values", missing.z);
    cJSON_ArrayForEach(d, decls) {
        if (rc != 0) break;
        char num[32];
        rc = resolve_one(req, d->string, d, param_raw(d, given_param(given, d->string), prev, d->string, num), spec);
    }
    free(unknown.z);
    free(missing.z);
    return rc;
}

/* ---- capabilities ---- */

/* The properties that give an IAM resource a custom name. */
static int iam_named(const cJSON *res) {
    static const char *const names[] = {"RoleName", "ManagedPolicyName", "UserName", "GroupName",
                                        "InstanceProfileName", NULL};
    const cJSON *props = cJSON_GetObjectItemCaseSensitive(res, "Properties");
    for (const char *const *n = names; *n; n++)
        if (cJSON_GetObjectItemCaseSensitive(props, *n)) return 1;
    return 0;
}

static int has_cap(const cJSON *caps, const char *cap) {
    const cJSON *c;
    cJSON_ArrayForEach(c, caps) if (cJSON_IsString(c) && strcmp(c->valuestring, cap) == 0) return 1;
    return 0;
}

/* AWS CloudFormation API Reference, CreateStack, Capabilities: IAM
 * resources need CAPABILITY_IAM, custom-named ones CAPABILITY_NAMED_IAM. */
static int check_caps(struct req *req, const cJSON *tmpl, const cJSON *caps) {
    int iam = 0, named = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(tmpl, "Resources")) {
        const char *type = str_member(r, "Type");
        if (type && strncmp(type, "AWS::IAM::", 10) == 0) {
            iam = 1;
            named |= iam_named(r);
        }
    }
    if (named && !has_cap(caps, "CAPABILITY_NAMED_IAM"))
        return req_fail(req, &AWSERR_CFN_CAPABILITIES, "Requires capabilities : [CAPABILITY_NAMED_IAM]");
    if (iam && !has_cap(caps, "CAPABILITY_IAM") && !has_cap(caps, "CAPABILITY_NAMED_IAM"))
        return req_fail(req, &AWSERR_CFN_CAPABILITIES, "Requires capabilities : [CAPABILITY_IAM]");
    return 0;
}

/* ---- the spec ---- */

/* Copies the list member NAME of IN (an array, or "" for the empty list)
 * into SPEC as an array. */
static void copy_list(cJSON *spec, const cJSON *in, const char *name, const cJSON *fallback) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(in, name);
    if (!cJSON_IsArray(v) && !cJSON_IsString(v)) v = fallback;
    cJSON_AddItemToObject(spec, name, cJSON_IsArray(v) ? cJSON_Duplicate(v, 1) : cJSON_CreateArray());
}

/* Checks the rules of TMPL against SPEC's Values. */
static int check_rules(struct req *req, const cJSON *tmpl, const cJSON *spec) {
    struct cfn_ctx c = {0};
    char *err = NULL;
    c.tmpl = tmpl;
    c.params = cJSON_GetObjectItemCaseSensitive(spec, "Values");
    c.account_id = req->account;
    c.region = req->region;
    c.stack_name = "";
    c.stack_id = "";
    int rc = cfn_eval_rules(&c, &err);
    if (rc == 0) rc = cfn_eval_conditions(&c, &err);
    cfn_ctx_clear(&c);
    if (rc != 0) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "%s", err ? err : "Template error");
        free(err);
    }
    return rc;
}

int cfn_spec_fetch(struct req *req, const cJSON *in, cJSON **spec) {
    char *text = NULL;
    size_t n = 0;
    *spec = NULL;
    if (template_text(req, in, NULL, &text, &n) != 0) return -1;
    *spec = cJSON_CreateObject();
    cJSON_AddStringToObject(*spec, "TemplateBody", text);
    free(text);
    return 0;
}

struct cJSON *cfn_spec_template(const cJSON *spec, char **err) {
    const char *body = str_member(spec, "TemplateBody");
    *err = NULL;
    if (body == NULL) {
        *err = xstrdup("The stack has no template.");
        return NULL;
    }
    return cfn_template_parse(body, strlen(body), err);
}

int cfn_spec_build(struct req *req, const cJSON *in, const cJSON *prev, cJSON **out) {
    char *text = NULL, *err = NULL;
    size_t n = 0;
    cJSON *tmpl = NULL, *spec = NULL;
    struct cfn_graph *g = NULL;
    int rc = -1;
    *out = NULL;
    if (template_text(req, in, prev, &text, &n) != 0) goto out;
    if ((tmpl = cfn_template_parse(text, n, &err)) == NULL || cfn_template_check(tmpl, &err) != 0 ||
        cfn_graph_build(tmpl, &g, &err) != 0) {
        req_fail(req, &AWSERR_QUERY_VALIDATION, "%s", err ? err : "Template format error");
        goto out;
    }
    spec = cJSON_CreateObject();
    cJSON_AddStringToObject(spec, "TemplateBody", text);
    const char *desc = str_member(tmpl, "Description");
    if (desc) cJSON_AddStringToObject(spec, "Description", desc);
    cJSON_AddItemToObject(spec, "Parameters", cJSON_CreateArray());
    cJSON_AddItemToObject(spec, "Values", cJSON_CreateObject());
    cJSON_AddItemToObject(spec, "Raw", cJSON_CreateObject());
    if (resolve_params(req, tmpl, in, prev, spec) != 0 || check_rules(req, tmpl, spec) != 0) goto out;
    copy_list(spec, in, "Capabilities", NULL);
    copy_list(spec, in, "Tags", cJSON_GetObjectItemCaseSensitive(prev, "Tags"));
    copy_list(spec, in, "NotificationARNs", cJSON_GetObjectItemCaseSensitive(prev, "NotificationARNs"));
    if (check_caps(req, tmpl, cJSON_GetObjectItem(spec, "Capabilities")) != 0) goto out;
    const char *role = str_member(in, "RoleARN");
    if (role && *role) cJSON_AddStringToObject(spec, "RoleARN", role);
    const char *dr = str_member(in, "DisableRollback");
    cJSON_AddBoolToObject(spec, "DisableRollback", dr && strcmp(dr, "true") == 0);
    *out = spec;
    spec = NULL;
    rc = 0;
out:
    cfn_graph_free(g);
    cJSON_Delete(tmpl);
    cJSON_Delete(spec);
    free(text);
    free(err);
    return rc;
}
