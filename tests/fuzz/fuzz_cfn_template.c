/*
 * libFuzzer target for CloudFormation's template engine (engine/cfn/): the
 * input is a template, JSON or YAML. It is parsed, shape-checked, its
 * dependency graph built, its conditions and rules evaluated, and every
 * resource's Properties and every Output's Value evaluated with stub
 * callbacks, parameters taken from their Default (or "x"). It must never
 * crash, leak or hang. Built only with clang (tests/fuzz/meson.build).
 */
#include "engine/cfn/cfn_eval.h"
#include "engine/cfn/cfn_graph.h"
#include "engine/cfn/cfn_template.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static cJSON *stub_ref(void *ud, const char *id, char **err) {
    (void)ud;
    (void)err;
    return cJSON_CreateString(id);
}

static cJSON *stub_get_att(void *ud, const char *id, const char *attr, char **err) {
    (void)ud;
    (void)id;
    if (strcmp(attr, "Fail") == 0) {
        *err = strdup("attribute fails");
        return NULL;
    }
    return cJSON_CreateString(attr);
}

static cJSON *stub_import(void *ud, const char *name, char **err) {
    (void)ud;
    (void)err;
    return cJSON_CreateString(name);
}

/* Each parameter's Default when it is a string, else "x". */
static cJSON *params_of(const cJSON *tmpl) {
    cJSON *p = cJSON_CreateObject();
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(tmpl, "Parameters");
    for (const cJSON *e = cJSON_IsObject(ps) ? ps->child : NULL; e; e = e->next) {
        const cJSON *d = cJSON_IsObject(e) ? cJSON_GetObjectItemCaseSensitive(e, "Default") : NULL;
        cJSON_AddStringToObject(p, e->string, cJSON_IsString(d) ? d->valuestring : "x");
    }
    return p;
}

/* Evaluates member KEY of every enabled member of section NAME. */
static void eval_section(struct cfn_ctx *c, const char *name, const char *key) {
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(c->tmpl, name);
    for (const cJSON *e = cJSON_IsObject(s) ? s->child : NULL; e; e = e->next) {
        char *err = NULL;
        int on = 0;
        if (cfn_eval_enabled(c, e, &on, &err) == 0 && on) {
            cJSON *out = NULL;
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(e, key);
            if (v && cfn_eval(c, v, &out, &err) == 0)
                cJSON_Delete(out);
        }
        free(err);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *err = NULL;
    cJSON *tmpl = cfn_template_parse((const char *)data, size, &err);
    free(err);
    err = NULL;
    if (!tmpl)
        return 0;
    struct cfn_graph *g = NULL;
    if (cfn_template_check(tmpl, &err) == 0 && cfn_graph_build(tmpl, &g, &err) == 0) {
        for (size_t k = 0; k < g->n; k++)
            (void)cfn_graph_delete_at(g, k);
    }
    free(err);
    err = NULL;
    cJSON *params = params_of(tmpl);
    struct cfn_ctx c = {0};
    c.tmpl = tmpl;
    c.params = params;
    c.region = "us-east-1";
    c.hooks.ref = stub_ref;
    c.hooks.get_att = stub_get_att;
    c.hooks.import_value = stub_import;
    if (cfn_eval_conditions(&c, &err) == 0) {
        free(err);
        err = NULL;
        (void)cfn_eval_rules(&c, &err);
        eval_section(&c, "Resources", "Properties");
        eval_section(&c, "Outputs", "Value");
    }
    free(err);
    cfn_ctx_clear(&c);
    cfn_graph_free(g);
    cJSON_Delete(params);
    cJSON_Delete(tmpl);
    return 0;
}
