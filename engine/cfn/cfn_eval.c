/*
 * The intrinsic functions, conditions and rules of a CloudFormation
 * template, evaluated on its cJSON tree. One table maps each function name
 * to its implementation; each evaluates its own arguments, so Fn::If only
 * evaluates the branch it takes. Pure (the deployer's knowledge comes in
 * through cfn_eval_hooks); see cfn_eval.h for the contracts.
 */
#include "engine/cfn/cfn_eval.h"

#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNRESOLVED "Template format error: Unresolved resource dependencies [%s] in the " \
                   "Resources block of the template"

typedef int (*fn_impl)(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err);

static int eval_node(struct cfn_ctx *c, const cJSON *v, cJSON **out, char **err);

/* -------------------------------------------------------------- helpers */

static int fail(char **err, const char *msg) {
    *err = xstrdup(msg);
    return -1;
}

/* The text of scalar V (a string, a number, a bool), or NULL. BUF holds a
 * number's or a bool's text. */
static const char *text(const cJSON *v, char buf[40]) {
    if (cJSON_IsString(v))
        return v->valuestring;
    if (cJSON_IsBool(v))
        return cJSON_IsTrue(v) ? "true" : "false";
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d < 1e15 && d > -1e15 && d == (double)(long long)d) /* range first: no UB cast */
            snprintf(buf, 40, "%lld", (long long)d);
        else {
            /* The shorter text when it reads back as the same number. */
            snprintf(buf, 40, "%.15g", d);
            if (strtod(buf, NULL) != d)
                snprintf(buf, 40, "%.17g", d);
        }
        return buf;
    }
    return NULL;
}

static const cJSON *section(const struct cfn_ctx *c, const char *name) {
    return c->tmpl ? cJSON_GetObjectItemCaseSensitive(c->tmpl, name) : NULL;
}

/* ARG as a list of exactly N elements (unevaluated), or NULL. */
static const cJSON *list_of(const cJSON *arg, int n) {
    return cJSON_IsArray(arg) && cJSON_GetArraySize(arg) == n ? arg : NULL;
}

/* Evaluates V to a scalar's text: a new heap string, or NULL (*ERR set,
 * with MSG when the value is not a scalar). */
static char *eval_text(struct cfn_ctx *c, const cJSON *v, const char *msg, char **err) {
    cJSON *r = NULL;
    if (eval_node(c, v, &r, err) < 0)
        return NULL;
    char buf[40];
    const char *t = r ? text(r, buf) : NULL;
    char *z = t ? xstrdup(t) : NULL;
    cJSON_Delete(r);
    if (!z)
        *err = xstrdup(msg);
    return z;
}

/* Evaluates V as a condition: {"Condition": name}, a function that yields a
 * bool, or the strings "true"/"false". */
static int eval_bool(struct cfn_ctx *c, const cJSON *v, int *out, const char *msg, char **err) {
    const cJSON *only = cJSON_IsObject(v) && v->child && !v->child->next ? v->child : NULL;
    if (only && strcmp(only->string, "Condition") == 0) {
        if (!cJSON_IsString(only))
            return fail(err, msg);
        return cfn_condition(c, only->valuestring, out, err);
    }
    cJSON *r = NULL;
    if (eval_node(c, v, &r, err) < 0)
        return -1;
    int rc = 0;
    if (cJSON_IsBool(r))
        *out = cJSON_IsTrue(r);
    else if (cJSON_IsString(r) && strcmp(r->valuestring, "true") == 0)
        *out = 1;
    else if (cJSON_IsString(r) && strcmp(r->valuestring, "false") == 0)
        *out = 0;
    else
        rc = fail(err, msg);
    cJSON_Delete(r);
    return rc;
}

/* ------------------------------------------------------------ Ref, GetAtt */

/* The partition of REGION (AWS::Partition) and its URL suffix. */
static const char *partition(const char *region, const char **suffix) {
    if (strncmp(region, "cn-", 3) == 0) {
        *suffix = "amazonaws.com.cn";
        return "aws-cn";
    }
    *suffix = "amazonaws.com";
    return strncmp(region, "us-gov-", 7) == 0 ? "aws-us-gov" : "aws";
}

/* The value of pseudo parameter NAME in *OUT (NULL for AWS::NoValue);
 * returns 1 when NAME is one, 0 when it is not. */
static int pseudo(const struct cfn_ctx *c, const char *name, cJSON **out) {
    const char *region = c->region ? c->region : "us-east-1";
    const char *suffix;
    const char *part = partition(region, &suffix);
    const char *z = NULL;
    if (strcmp(name, "AWS::NoValue") == 0) {
        *out = NULL;
        return 1;
    }
    if (strcmp(name, "AWS::NotificationARNs") == 0) {
        *out = c->notification_arns ? cJSON_Duplicate(c->notification_arns, 1)
                                    : cJSON_CreateArray();
        return 1;
    }
    if (strcmp(name, "AWS::AccountId") == 0)
        z = c->account_id ? c->account_id : "000000000000";
    else if (strcmp(name, "AWS::Region") == 0)
        z = region;
    else if (strcmp(name, "AWS::StackName") == 0)
        z = c->stack_name ? c->stack_name : "";
    else if (strcmp(name, "AWS::StackId") == 0)
        z = c->stack_id ? c->stack_id : "";
    else if (strcmp(name, "AWS::Partition") == 0)
        z = part;
    else if (strcmp(name, "AWS::URLSuffix") == 0)
        z = suffix;
    else
        return 0;
    *out = cJSON_CreateString(z);
    return 1;
}

/* The declared resource NAME, or NULL. */
static const cJSON *resource(const struct cfn_ctx *c, const char *name) {
    const cJSON *r = section(c, "Resources");
    return r ? cJSON_GetObjectItemCaseSensitive(r, name) : NULL;
}

/* Ref NAME: a parameter, a pseudo parameter, or a resource (through the
 * hook; not while evaluating Conditions, when c->pending is non-empty). */
static int ref_name(struct cfn_ctx *c, const char *name, cJSON **out, char **err) {
    const cJSON *p = c->params ? cJSON_GetObjectItemCaseSensitive(c->params, name) : NULL;
    if (p) {
        *out = cJSON_Duplicate(p, 1);
        return 0;
    }
    if (pseudo(c, name, out))
        return 0;
    const cJSON *r = resource(c, name);
    if (r && c->pending && c->pending->child) {
        *err = xasprintf("Template format error: Unresolved dependencies [%s]. Cannot reference "
                         "resources in the Conditions block of the template",
                         name);
        return -1;
    }
    int on = 0;
    if (!r || cfn_eval_enabled(c, r, &on, err) < 0 || !on) {
        if (!*err)
            *err = xasprintf(UNRESOLVED, name);
        return -1;
    }
    if (!c->hooks.ref) {
        *err = xasprintf("Template error: the physical id of %s is not available yet", name);
        return -1;
    }
    *out = c->hooks.ref(c->hooks.ud, name, err);
    return *out ? 0 : -1;
}

static int fn_ref(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    if (!cJSON_IsString(arg))
        return fail(err, "Template format error: Every Ref object must have a single String value.");
    return ref_name(c, arg->valuestring, out, err);
}

/* Fn::GetAtt of resource ID and attribute ATTR, through the hook. */
static int get_att(struct cfn_ctx *c, const char *id, const char *attr, cJSON **out, char **err) {
    const cJSON *r = resource(c, id);
    int on = 0;
    if (!r || cfn_eval_enabled(c, r, &on, err) < 0 || !on) {
        if (!*err)
            *err = xasprintf("Template error: instance of Fn::GetAtt references undefined "
                             "resource %s", id);
        return -1;
    }
    if (!c->hooks.get_att) {
        *err = xasprintf("Template error: attribute %s of %s is not available yet", attr, id);
        return -1;
    }
    *out = c->hooks.get_att(c->hooks.ud, id, attr, err);
    return *out ? 0 : -1;
}

static int fn_get_att(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    static const char msg[] = "Template error: every Fn::GetAtt object requires two non-empty "
                              "parameters, the resource name and the resource attribute";
    if (cJSON_IsString(arg)) {
        const char *dot = strchr(arg->valuestring, '.');
        if (!dot || dot == arg->valuestring || !dot[1])
            return fail(err, msg);
        char *id = xstrndup(arg->valuestring, (size_t)(dot - arg->valuestring));
        int rc = get_att(c, id, dot + 1, out, err);
        free(id);
        return rc;
    }
    if (!list_of(arg, 2) || !cJSON_IsString(arg->child) || !arg->child->valuestring[0])
        return fail(err, msg);
    char *attr = eval_text(c, arg->child->next, msg, err);
    if (!attr)
        return -1;
    int rc = attr[0] ? get_att(c, arg->child->valuestring, attr, out, err) : fail(err, msg);
    free(attr);
    return rc;
}

/* ------------------------------------------------------------- strings */

static int fn_join(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    static const char msg[] =
        "Template error: every Fn::Join object requires two parameters, (1) a string delimiter "
        "and (2) a list of strings to be joined or a function that returns a list of strings "
        "(such as Fn::GetAZs) to be joined.";
    if (!list_of(arg, 2) || !cJSON_IsString(arg->child))
        return fail(err, msg);
    cJSON *list = NULL;
    if (eval_node(c, arg->child->next, &list, err) < 0)
        return -1;
    int rc = 0;
    size_t len = 0, cap = 64;
    char *z = xmalloc(cap);
    z[0] = 0;
    const char *delim = arg->child->valuestring;
    if (!cJSON_IsArray(list)) {
        rc = fail(err, msg);
        goto out;
    }
    for (const cJSON *e = list->child; e; e = e->next) {
        char buf[40];
        const char *t = text(e, buf);
        if (!t) {
            rc = fail(err, msg);
            goto out;
        }
        size_t need = len + strlen(delim) + strlen(t) + 1;
        if (need > cap) {
            cap = need * 2;
            z = xrealloc(z, cap);
        }
        len += (size_t)sprintf(z + len, "%s%s", e == list->child ? "" : delim, t);
    }
    *out = cJSON_CreateString(z);
out:
    free(z);
    cJSON_Delete(list);
    return rc;
}

static int fn_split(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    static const char msg[] =
        "Template error: every Fn::Split object requires two parameters, (1) a string delimiter "
        "and (2) a string to be split or a function that returns a string to be split.";
    if (!list_of(arg, 2) || !cJSON_IsString(arg->child) || !arg->child->valuestring[0])
        return fail(err, msg);
    char *s = eval_text(c, arg->child->next, msg, err);
    if (!s)
        return -1;
    const char *delim = arg->child->valuestring;
    size_t dl = strlen(delim);
    cJSON *a = cJSON_CreateArray();
    const char *p = s;
    for (const char *q; (q = strstr(p, delim)); p = q + dl) {
        char *part = xstrndup(p, (size_t)(q - p));
        cJSON_AddItemToArray(a, cJSON_CreateString(part));
        free(part);
    }
    cJSON_AddItemToArray(a, cJSON_CreateString(p));
    free(s);
    *out = a;
    return 0;
}

static int fn_select(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    static const char msg[] = "Template error: every Fn::Select object requires two parameters, "
                              "(1) an index and (2) a list or a function that returns a list";
    if (!list_of(arg, 2))
        return fail(err, msg);
    char *idx = eval_text(c, arg->child, msg, err);
    if (!idx)
        return -1;
    char *end = NULL;
    long i = strtol(idx, &end, 10);
    int bad = !idx[0] || *end || i < 0;
    cJSON *list = NULL;
    int rc = bad ? fail(err, msg) : eval_node(c, arg->child->next, &list, err);
    if (rc == 0 && !cJSON_IsArray(list))
        rc = fail(err, msg);
    if (rc == 0 && i >= cJSON_GetArraySize(list)) {
        *err = xasprintf("Template error: Fn::Select cannot select nonexistent value at index %ld",
                         i);
        rc = -1;
    }
    if (rc == 0)
        *out = cJSON_DetachItemFromArray(list, (int)i);
    free(idx);
    cJSON_Delete(list);
    return rc;
}

/* Appends the value of Fn::Sub variable NAME (N bytes) to *Z. */
static int sub_var(struct cfn_ctx *c, const cJSON *vars, const char *name, size_t n, char **z,
                   size_t *len, char **err) {
    char *key = xstrndup(name, n);
    cJSON *v = NULL;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '.' || ch == ':')) {
            rc = fail(err, "Template error: variable names in Fn::Sub syntax must contain only "
                           "alphanumeric characters, underscores, periods, and colons");
            goto out;
        }
    }
    /* A variable of the second argument, else "A.B" is Fn::GetAtt (no
     * parameter name has a dot) and anything else a Ref. */
    const cJSON *given = vars ? cJSON_GetObjectItemCaseSensitive(vars, key) : NULL;
    char *dot = strchr(key, '.');
    if (given) {
        rc = eval_node(c, given, &v, err);
    } else if (dot) {
        *dot = 0;
        rc = get_att(c, key, dot + 1, &v, err);
        *dot = '.';
    } else {
        rc = ref_name(c, key, &v, err);
    }
    char buf[40];
    const char *t = rc == 0 && v ? text(v, buf) : NULL;
    if (rc == 0 && !t) {
        *err = xasprintf("Template error: variable %s in Fn::Sub expression does not resolve to "
                         "a string", key);
        rc = -1;
    }
    if (rc == 0) {
        size_t tl = strlen(t);
        *z = xrealloc(*z, *len + tl + 1);
        memcpy(*z + *len, t, tl + 1);
        *len += tl;
    }
out:
    cJSON_Delete(v);
    free(key);
    return rc;
}

static int fn_sub(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    static const char msg[] =
        "Template error: One or more Fn::Sub intrinsic functions don't specify expected "
        "arguments. Specify a string as first argument, and an optional second argument to "
        "specify a mapping of values to replace in the string";
    const cJSON *tmpl = arg, *vars = NULL;
    if (cJSON_IsArray(arg)) {
        if (!list_of(arg, 2) || !cJSON_IsObject(arg->child->next))
            return fail(err, msg);
        tmpl = arg->child;
        vars = arg->child->next;
    }
    if (!cJSON_IsString(tmpl))
        return fail(err, msg);
    const char *s = tmpl->valuestring;
    size_t len = 0;
    char *z = xstrdup("");
    int rc = 0;
    while (*s && rc == 0) {
        const char *open = strstr(s, "${");
        const char *close = open ? strchr(open + 2, '}') : NULL;
        size_t lit = open && close ? (size_t)(open - s) : strlen(s);
        z = xrealloc(z, len + lit + 4);
        memcpy(z + len, s, lit);
        len += lit;
        z[len] = 0;
        if (!open || !close) {
            s += lit;
            break;
        }
        if (open[2] == '!') {
            /* "${!Literal}" is the text "${Literal}". */
            size_t n = (size_t)(close - open) - 3;
            z = xrealloc(z, len + n + 4);
            len += (size_t)sprintf(z + len, "${%.*s}", (int)n, open + 3);
        } else {
            rc = sub_var(c, vars, open + 2, (size_t)(close - open) - 2, &z, &len, err);
        }
        s = close + 1;
    }
    if (rc == 0)
        *out = cJSON_CreateString(z);
    free(z);
    return rc;
}

static int fn_base64(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    char *s = eval_text(c, arg, "Template error: every Fn::Base64 object requires a string "
                                "parameter", err);
    if (!s)
        return -1;
    char *b = util_b64_encode(s, strlen(s));
    *out = cJSON_CreateString(b);
    free(b);
    free(s);
    return 0;
}

static int fn_to_json_string(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    cJSON *v = NULL;
    if (eval_node(c, arg, &v, err) < 0)
        return -1;
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) {
        cJSON_Delete(v);
        return fail(err, "Template error: Fn::ToJsonString requires an object or a list");
    }
    char *z = cJSON_PrintUnformatted(v);
    *out = cJSON_CreateString(z);
    free(z);
    cJSON_Delete(v);
    return 0;
}

static int fn_length(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    cJSON *v = NULL;
    if (eval_node(c, arg, &v, err) < 0)
        return -1;
    int rc = 0;
    if (cJSON_IsArray(v))
        *out = cJSON_CreateNumber(cJSON_GetArraySize(v));
    else
        rc = fail(err, "Template error: Fn::Length requires a list");
    cJSON_Delete(v);
    return rc;
}

/* ------------------------------------------------------- Cidr, GetAZs, Import */

/* Fn::Cidr [block, count, bits] for IPv4: COUNT subnets with BITS host
 * bits each, from the start of BLOCK. */
static int fn_cidr(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    static const char msg[] = "Template error: every Fn::Cidr object requires three parameters, "
                              "an IPv4 CIDR block, a count of subnets and the host bits per subnet";
    if (!list_of(arg, 3))
        return fail(err, msg);
    char *block = eval_text(c, arg->child, msg, err);
    char *count = block ? eval_text(c, arg->child->next, msg, err) : NULL;
    char *bits = count ? eval_text(c, arg->child->next->next, msg, err) : NULL;
    int rc = -1;
    unsigned a, b, cc, d, pre;
    char tail;
    int n = count ? atoi(count) : 0, hb = bits ? atoi(bits) : 0;
    if (!bits)
        goto out;
    if (sscanf(block, "%u.%u.%u.%u/%u%c", &a, &b, &cc, &d, &pre, &tail) != 5 || a > 255 ||
        b > 255 || cc > 255 || d > 255 || pre > 32 || n < 1 || n > 256 || hb < 1 ||
        hb > 32 - (int)pre || (32 - (int)pre - hb < 8 && n > 1 << (32 - (int)pre - hb))) {
        rc = fail(err, msg);
        goto out;
    }
    uint32_t base = (a << 24) | (b << 16) | (cc << 8) | d;
    base &= pre == 0 ? 0 : pre == 32 ? ~0U : ~((1U << (32 - pre)) - 1);
    cJSON *list = cJSON_CreateArray();
    for (int i = 0; i < n; i++) {
        uint32_t net = base + (uint32_t)((uint64_t)i << hb);
        char buf[48]; /* "255.255.255.255/32"; room for what -O0 cannot prove */
        snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%d", net >> 24, (net >> 16) & 255,
                 (net >> 8) & 255, net & 255, 32 - hb);
        cJSON_AddItemToArray(list, cJSON_CreateString(buf));
    }
    *out = list;
    rc = 0;
out:
    free(block);
    free(count);
    free(bits);
    return rc;
}

static int fn_get_azs(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    char *r = eval_text(c, arg, "Template error: Fn::GetAZs requires a region name or ''", err);
    if (!r)
        return -1;
    const char *region = r[0] ? r : (c->region ? c->region : "us-east-1");
    int rc = 0;
    if (c->hooks.get_azs) {
        *out = c->hooks.get_azs(c->hooks.ud, region, err);
        rc = *out ? 0 : -1;
    } else {
        cJSON *a = cJSON_CreateArray();
        for (char z = 'a'; z <= 'c'; z++) {
            char *name = xasprintf("%s%c", region, z);
            cJSON_AddItemToArray(a, cJSON_CreateString(name));
            free(name);
        }
        *out = a;
    }
    free(r);
    return rc;
}

static int fn_import_value(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    char *name = eval_text(c, arg, "Template error: Fn::ImportValue requires an export name",
                           err);
    if (!name)
        return -1;
    int rc = 0;
    if (c->hooks.import_value) {
        *out = c->hooks.import_value(c->hooks.ud, name, err);
        rc = *out ? 0 : -1;
    } else {
        *err = xasprintf("No export named %s found.", name);
        rc = -1;
    }
    free(name);
    return rc;
}

/* ----------------------------------------------------------- FindInMap */

static int fn_find_in_map(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    static const char msg[] = "Template error: every Fn::FindInMap object requires three "
                              "parameters, the map name, map key and the attribute for return "
                              "value";
    if (!list_of(arg, 3))
        return fail(err, msg);
    char *k[3] = {NULL, NULL, NULL};
    int rc = 0;
    const cJSON *e = arg->child;
    for (int i = 0; i < 3 && rc == 0; i++, e = e->next)
        if (!(k[i] = eval_text(c, e, msg, err)))
            rc = -1;
    if (rc == 0) {
        const cJSON *m = section(c, "Mappings");
        m = m ? cJSON_GetObjectItemCaseSensitive(m, k[0]) : NULL;
        m = m ? cJSON_GetObjectItemCaseSensitive(m, k[1]) : NULL;
        m = m ? cJSON_GetObjectItemCaseSensitive(m, k[2]) : NULL;
        if (m) {
            *out = cJSON_Duplicate(m, 1);
        } else {
            *err = xasprintf("Template error: Unable to get mapping for %s::%s::%s", k[0], k[1],
                             k[2]);
            rc = -1;
        }
    }
    for (int i = 0; i < 3; i++)
        free(k[i]);
    return rc;
}

/* ---------------------------------------------------------- conditions */

static int fn_if(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    if (!list_of(arg, 3) || !cJSON_IsString(arg->child))
        return fail(err, "Template error: Fn::If requires a list argument with three elements");
    int on = 0;
    if (cfn_condition(c, arg->child->valuestring, &on, err) < 0)
        return -1;
    return eval_node(c, on ? arg->child->next : arg->child->next->next, out, err);
}

static int fn_equals(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    if (!list_of(arg, 2))
        return fail(err, "Template error: every Fn::Equals object requires a list of 2 string "
                         "parameters.");
    cJSON *a = NULL, *b = NULL;
    int rc = eval_node(c, arg->child, &a, err);
    if (rc == 0)
        rc = eval_node(c, arg->child->next, &b, err);
    if (rc == 0) {
        char ba[40], bb[40];
        const char *ta = a ? text(a, ba) : NULL, *tb = b ? text(b, bb) : NULL;
        int eq = ta && tb ? strcmp(ta, tb) == 0 : cJSON_Compare(a, b, 1);
        *out = cJSON_CreateBool(eq);
    }
    cJSON_Delete(a);
    cJSON_Delete(b);
    return rc;
}

/* Fn::And (AND 1) and Fn::Or (AND 0): 2 to 10 conditions. */
static int and_or(struct cfn_ctx *c, const cJSON *arg, int and, cJSON **out, char **err) {
    const char *msg = and ? "Template error: every Fn::And object requires a list of at least 2 "
                            "and at most 10 boolean parameters."
                          : "Template error: every Fn::Or object requires a list of at least 2 "
                            "and at most 10 boolean parameters.";
    int n = cJSON_IsArray(arg) ? cJSON_GetArraySize(arg) : 0;
    if (n < 2 || n > 10)
        return fail(err, msg);
    int acc = and;
    for (const cJSON *e = arg->child; e; e = e->next) {
        int v = 0;
        if (eval_bool(c, e, &v, msg, err) < 0)
            return -1;
        acc = and ? acc && v : acc || v;
    }
    *out = cJSON_CreateBool(acc);
    return 0;
}

static int fn_and(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    return and_or(c, arg, 1, out, err);
}

static int fn_or(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    return and_or(c, arg, 0, out, err);
}

static int fn_not(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    static const char msg[] = "Template error: every Fn::Not object requires a list of exactly "
                              "1 boolean parameter.";
    if (!list_of(arg, 1))
        return fail(err, msg);
    int v = 0;
    if (eval_bool(c, arg->child, &v, msg, err) < 0)
        return -1;
    *out = cJSON_CreateBool(!v);
    return 0;
}

/* Fn::Contains [list, value] (Rules): VALUE is one of LIST's strings. */
static int fn_contains(struct cfn_ctx *c, const cJSON *arg, cJSON **out, char **err) {
    static const char msg[] = "Template error: every Fn::Contains object requires a list of "
                              "strings and a string";
    if (!list_of(arg, 2))
        return fail(err, msg);
    cJSON *list = NULL;
    char *v = NULL;
    int rc = eval_node(c, arg->child, &list, err);
    if (rc == 0 && !cJSON_IsArray(list))
        rc = fail(err, msg);
    if (rc == 0 && !(v = eval_text(c, arg->child->next, msg, err)))
        rc = -1;
    int found = 0;
    for (const cJSON *e = rc == 0 ? list->child : NULL; e && !found; e = e->next) {
        char buf[40];
        const char *t = text(e, buf);
        found = t && strcmp(t, v) == 0;
    }
    if (rc == 0)
        *out = cJSON_CreateBool(found);
    cJSON_Delete(list);
    free(v);
    return rc;
}

/* ------------------------------------------------------------ dispatch */

/* Every function the evaluator knows, by its key in the template. */
static const struct {
    const char *name;
    fn_impl fn;
} FUNCTIONS[] = {
    {"Fn::And", fn_and},
    {"Fn::Base64", fn_base64},
    {"Fn::Cidr", fn_cidr},
    {"Fn::Contains", fn_contains},
    {"Fn::Equals", fn_equals},
    {"Fn::FindInMap", fn_find_in_map},
    {"Fn::GetAZs", fn_get_azs},
    {"Fn::GetAtt", fn_get_att},
    {"Fn::If", fn_if},
    {"Fn::ImportValue", fn_import_value},
    {"Fn::Join", fn_join},
    {"Fn::Length", fn_length},
    {"Fn::Not", fn_not},
    {"Fn::Or", fn_or},
    {"Fn::Select", fn_select},
    {"Fn::Split", fn_split},
    {"Fn::Sub", fn_sub},
    {"Fn::ToJsonString", fn_to_json_string},
    {"Ref", fn_ref},
};

static int eval_value(struct cfn_ctx *c, const cJSON *v, cJSON **out, char **err);

/* eval_value under the depth limit. */
static int eval_node(struct cfn_ctx *c, const cJSON *v, cJSON **out, char **err) {
    *out = NULL;
    if (c->depth >= CFN_EVAL_MAX_DEPTH)
        return fail(err, "Template error: the template nests too deeply to evaluate");
    c->depth++;
    int rc = eval_value(c, v, out, err);
    c->depth--;
    return rc;
}

static int eval_value(struct cfn_ctx *c, const cJSON *v, cJSON **out, char **err) {
    const cJSON *only = cJSON_IsObject(v) && v->child && !v->child->next ? v->child : NULL;
    if (only && (strcmp(only->string, "Ref") == 0 || strncmp(only->string, "Fn::", 4) == 0)) {
        for (size_t i = 0; i < sizeof(FUNCTIONS) / sizeof(FUNCTIONS[0]); i++)
            if (strcmp(only->string, FUNCTIONS[i].name) == 0)
                return FUNCTIONS[i].fn(c, only, out, err);
        *err = xasprintf("Template format error: Encountered unsupported function: %s",
                         only->string);
        return -1;
    }
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v)) {
        *out = cJSON_Duplicate(v, 0);
        return 0;
    }
    cJSON *r = cJSON_IsObject(v) ? cJSON_CreateObject() : cJSON_CreateArray();
    for (const cJSON *e = v->child; e; e = e->next) {
        cJSON *x = NULL;
        if (eval_node(c, e, &x, err) < 0) {
            cJSON_Delete(r);
            return -1;
        }
        if (!x)
            continue; /* AWS::NoValue */
        if (cJSON_IsObject(v))
            cJSON_AddItemToObject(r, e->string, x);
        else
            cJSON_AddItemToArray(r, x);
    }
    *out = r;
    return 0;
}

/* ----------------------------------------------------------- public API */

int cfn_eval(struct cfn_ctx *c, const cJSON *v, cJSON **out, char **err) {
    *err = NULL;
    return eval_node(c, v, out, err);
}

int cfn_condition(struct cfn_ctx *c, const char *name, int *out, char **err) {
    *err = NULL;
    if (!c->conditions)
        c->conditions = cJSON_CreateObject();
    if (!c->pending)
        c->pending = cJSON_CreateObject();
    const cJSON *done = cJSON_GetObjectItemCaseSensitive(c->conditions, name);
    if (done) {
        *out = cJSON_IsTrue(done);
        return 0;
    }
    const cJSON *conds = section(c, "Conditions");
    const cJSON *def = conds ? cJSON_GetObjectItemCaseSensitive(conds, name) : NULL;
    if (!def) {
        *err = xasprintf("Template error: unresolved condition dependency %s in Fn::If", name);
        return -1;
    }
    if (cJSON_GetObjectItemCaseSensitive(c->pending, name)) {
        *err = xasprintf("Template error: Condition %s has a circular dependency", name);
        return -1;
    }
    if (c->depth >= CFN_EVAL_MAX_DEPTH)
        return fail(err, "Template error: the template nests too deeply to evaluate");
    cJSON_AddItemToObject(c->pending, name, cJSON_CreateTrue());
    c->depth++;
    int v = 0;
    char *msg = xasprintf("Template format error: Conditions can only be boolean operations on "
                          "parameters and other conditions (%s)", name);
    int rc = eval_bool(c, def, &v, msg, err);
    free(msg);
    c->depth--;
    cJSON_DeleteItemFromObjectCaseSensitive(c->pending, name);
    if (rc < 0)
        return -1;
    cJSON_AddItemToObject(c->conditions, name, cJSON_CreateBool(v));
    *out = v;
    return 0;
}

int cfn_eval_conditions(struct cfn_ctx *c, char **err) {
    *err = NULL;
    const cJSON *conds = section(c, "Conditions");
    for (const cJSON *e = conds ? conds->child : NULL; e; e = e->next) {
        int v;
        if (cfn_condition(c, e->string, &v, err) < 0)
            return -1;
    }
    return 0;
}

int cfn_eval_enabled(struct cfn_ctx *c, const cJSON *elem, int *out, char **err) {
    const cJSON *cond = cJSON_GetObjectItemCaseSensitive(elem, "Condition");
    *err = NULL;
    *out = 1;
    if (!cond)
        return 0;
    if (!cJSON_IsString(cond))
        return fail(err, "Template format error: Every Condition member must be a string.");
    return cfn_condition(c, cond->valuestring, out, err);
}

int cfn_eval_rules(struct cfn_ctx *c, char **err) {
    *err = NULL;
    static const char msg[] = "Template error: every rule assertion must be a boolean function";
    const cJSON *rules = section(c, "Rules");
    for (const cJSON *r = rules ? rules->child : NULL; r; r = r->next) {
        const cJSON *when = cJSON_GetObjectItemCaseSensitive(r, "RuleCondition");
        int on = 1;
        if (when && eval_bool(c, when, &on, msg, err) < 0)
            return -1;
        const cJSON *asserts = cJSON_GetObjectItemCaseSensitive(r, "Assertions");
        if (!on)
            continue;
        if (!cJSON_IsArray(asserts))
            return fail(err, "Template format error: Every Rules member must contain an "
                             "Assertions list");
        for (const cJSON *a = asserts->child; a; a = a->next) {
            const cJSON *as = cJSON_GetObjectItemCaseSensitive(a, "Assert");
            int ok = 0;
            if (!as)
                return fail(err, msg);
            if (eval_bool(c, as, &ok, msg, err) < 0)
                return -1;
            if (!ok) {
                const cJSON *d = cJSON_GetObjectItemCaseSensitive(a, "AssertDescription");
                *err = cJSON_IsString(d) ? xstrdup(d->valuestring)
                                         : xasprintf("Template error: rule %s failed", r->string);
                return -1;
            }
        }
    }
    return 0;
}

void cfn_ctx_clear(struct cfn_ctx *c) {
    cJSON_Delete(c->conditions);
    cJSON_Delete(c->pending);
    c->conditions = NULL;
    c->pending = NULL;
}
