/*
 * What the CloudFormation resource types of api/cfn_res_*.c share
 * (api/cfn_res_svc.h): a call of the owning service in the resource's
 * account and region, the failure reason in CloudFormation's words, and
 * small readers of evaluated properties.
 */
#include "api/cfn_res_svc.h"
#include "base/util.h"

#include <cjson/cJSON.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A call of SERVICE in R's scope; the rest zeroed. */
static struct call call_for(const struct cfn_res *r, const char *service) {
    struct call c;
    memset(&c, 0, sizeof(c));
    c.account = r->account;
    c.region = r->region;
    c.service = service;
    return c;
}

int cfnr_json(const struct cfn_res *r, const char *service, const char *target, const cJSON *body,
              struct call *c) {
    char *z = body ? cJSON_PrintUnformatted(body) : xstrdup("{}");
    *c = call_for(r, service);
    c->method = "POST";
    c->path = "/";
    c->target = target;
    c->body = z;
    c->nbody = strlen(z);
    int rc = call_run(c);
    c->body = NULL;
    c->nbody = 0;
    free(z);
    return rc;
}

int cfnr_query(const struct cfn_res *r, const char *service, const char *action, const char *version,
               const cJSON *form, struct call *c) {
    cJSON *empty = form ? NULL : cJSON_CreateObject();
    char *z = call_form(action, version, form ? form : empty);
    cJSON_Delete(empty);
    *c = call_for(r, service);
    c->method = "POST";
    c->path = "/";
    c->body = z;
    c->nbody = strlen(z);
    int rc = call_run(c);
    c->body = NULL;
    c->nbody = 0;
    free(z);
    return rc;
}

int cfnr_rest(const struct cfn_res *r, const char *service, const char *method, const char *path,
              const char *body, const char *const *headers, struct call *c) {
    *c = call_for(r, service);
    c->method = method;
    c->path = path;
    c->body = body;
    c->nbody = body ? strlen(body) : 0;
    c->headers = headers;
    int rc = call_run(c);
    c->body = NULL;
    c->nbody = 0;
    c->path = NULL;
    c->headers = NULL;
    return rc;
}

int cfnr_fail(const struct call *c, const char *title, char **err) {
    *err = call_reason(c, title);
    return -1;
}

int cfnr_failf(char **err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    *err = xvasprintf(fmt, ap);
    va_end(ap);
    return -1;
}

const char *cfnr_str(const cJSON *props, const char *name) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(props, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

char *cfnr_text(const cJSON *v) {
    if (v == NULL) return NULL;
    if (cJSON_IsString(v)) return xstrdup(v->valuestring);
    if (cJSON_IsBool(v)) return xstrdup(cJSON_IsTrue(v) ? "true" : "false");
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == (double)util_dtoll(d)) return xasprintf("%lld", util_dtoll(d));
        return xasprintf("%.17g", d);
    }
    return cJSON_PrintUnformatted(v);
}

int cfnr_changed(const cJSON *old, const cJSON *new_, const char *name) {
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(old, name);
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(new_, name);
    if (a == NULL || b == NULL) return a != b;
    return !cJSON_Compare(a, b, 1);
}

int cfnr_true(const cJSON *v) {
    return cJSON_IsTrue(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "true") == 0);
}

/* 1 when Z names a member of LIST (NULL-terminated, may be NULL). */
static int listed(const char *const *list, const char *z) {
    for (; list && *list; list++)
        if (strcmp(*list, z) == 0) return 1;
    return 0;
}

void cfnr_coerce(cJSON *tree, const char *const *nums, const char *const *bools) {
    cJSON *next;
    for (cJSON *e = tree ? tree->child : NULL; e; e = next) {
        next = e->next;
        if (cJSON_IsObject(e) || cJSON_IsArray(e)) {
            cfnr_coerce(e, nums, bools);
            continue;
        }
        if (!cJSON_IsString(e) || e->string == NULL || !cJSON_IsObject(tree)) continue;
        const char *z = e->valuestring;
        char *end = NULL;
        cJSON *v = NULL;
        if (listed(nums, e->string)) {
            double d = strtod(z, &end);
            if (*z && *end == '\0') v = cJSON_CreateNumber(d);
        } else if (listed(bools, e->string) && (strcmp(z, "true") == 0 || strcmp(z, "false") == 0)) {
            v = cJSON_CreateBool(z[0] == 't');
        }
        /* Replaced in place (the member keeps its name and position). */
        if (v) cJSON_ReplaceItemInObjectCaseSensitive(tree, e->string, v);
    }
}

int cfnr_has(const cJSON *arr, const char *z) {
    const cJSON *e;
    cJSON_ArrayForEach(e, arr) if (cJSON_IsString(e) && strcmp(e->valuestring, z) == 0) return 1;
    return 0;
}

const char *cfnr_tag(const cJSON *tags, const char *key) {
    const cJSON *t;
    cJSON_ArrayForEach(t, tags) {
        const char *k = cfnr_str(t, "Key");
        if (k && strcmp(k, key) == 0) return cfnr_str(t, "Value");
    }
    return NULL;
}

void cfnr_pause(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}
