/*
 * Unit tests for engine/cfn/cfn_graph.h: each resource's dependencies, the
 * reference checks, the creation order (ties by logical id), the layers and
 * cycles. Rows are small JSON and YAML templates; the seed's two templates
 * and the CDK bootstrap template must order as CloudFormation would (the
 * v1 mapping after its function, the alias after the version).
 */
#include "engine/cfn/cfn_graph.h"
#include "engine/cfn/cfn_template.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct row {
    int line;
    const char *text;   /* the template */
    const char *order;  /* "id:layer id:layer ..." in creation order, or NULL */
    const char *err;    /* the error when ORDER is NULL */
};

#define OK(t, o) {__LINE__, (t), (o), NULL}
#define BAD(t, e) {__LINE__, (t), NULL, (e)}
#define UNRESOLVED(x) \
    "Template format error: Unresolved resource dependencies [" x "] in the Resources block " \
    "of the template"

static const struct row ROWS[] = {
    /* Independent resources: one layer, by logical id */
    OK("Resources: {C: {Type: T}, A: {Type: T}, B: {Type: T}}", "A:0 B:0 C:0"),
    /* Ref, GetAtt (both forms), Sub (${X} and ${X.Y}), DependsOn (string and list) */
    OK("Resources:\n  A: {Type: T, Properties: {X: !Ref B}}\n  B: {Type: T}\n", "B:0 A:1"),
    OK("{\"Resources\": {\"A\": {\"Type\": \"T\", \"Properties\": {\"X\": {\"Fn::GetAtt\": "
       "[\"B\", \"Arn\"]}}}, \"B\": {\"Type\": \"T\"}}}",
       "B:0 A:1"),
    OK("Resources:\n  A: {Type: T, Properties: {X: {Fn::GetAtt: B.Arn}}}\n  B: {Type: T}\n",
       "B:0 A:1"),
    OK("Resources:\n  A: {Type: T, Properties: {X: !Sub '${B}-${C.Arn}-${!D}-${AWS::Region}'}}\n"
       "  B: {Type: T}\n  C: {Type: T}\n",
       "B:0 C:0 A:1"),
    OK("Resources:\n  A: {Type: T, Properties: {X: !Sub ['${V}', {V: !Ref B}]}}\n  B: {Type: T}\n",
       "B:0 A:1"),
    OK("Resources:\n  A: {Type: T, DependsOn: B}\n  B: {Type: T, DependsOn: [C, D]}\n"
       "  C: {Type: T}\n  D: {Type: T, DependsOn: C}\n",
       "C:0 D:1 B:2 A:3"),
    /* Both branches of Fn::If count; parameters and pseudo parameters are not resources */
    OK("Parameters: {P: {Type: String}}\nConditions: {C: !Equals [!Ref P, x]}\nResources:\n"
       "  A: {Type: T, Properties: {X: !If [C, !Ref B, !GetAtt D.Arn], Y: !Ref P, "
       "Z: !Ref AWS::StackName}}\n  B: {Type: T}\n  D: {Type: T}\n",
       "B:0 D:0 A:1"),
    /* A diamond: layers and the id tie-break */
    OK("Resources:\n  Z: {Type: T}\n  Y: {Type: T, Properties: {X: !Ref Z}}\n"
       "  X: {Type: T, Properties: {X: !Ref Z}}\n  W: {Type: T, DependsOn: [X, Y]}\n",
       "Z:0 X:1 Y:1 W:2"),
    /* Unknown names */
    BAD("Resources: {A: {Type: T, Properties: {X: !Ref Nope}}}", UNRESOLVED("Nope")),
    BAD("Resources: {A: {Type: T, DependsOn: [Nope, Other]}}", UNRESOLVED("Nope, Other")),
    BAD("Resources: {A: {Type: T, Properties: {X: !Sub '${Gone}'}}}", UNRESOLVED("Gone")),
    BAD("Resources: {A: {Type: T, Properties: {X: !GetAtt Nope.Arn}}}",
        "Template error: instance of Fn::GetAtt references undefined resource Nope"),
    BAD("Resources: {A: {Type: T, Properties: {X: !Sub '${Nope.Arn}'}}}",
        "Template error: instance of Fn::GetAtt references undefined resource Nope"),
    BAD("Resources: {A: {Type: T}}\nOutputs: {O: {Value: !Ref Nope}}",
        "Template format error: Unresolved resource dependencies [Nope] in the Outputs block "
        "of the template"),
    /* Cycles: only the resources on the cycle are named */
    BAD("Resources:\n  A: {Type: T, Properties: {X: !Ref B}}\n  B: {Type: T, DependsOn: A}\n"
        "  C: {Type: T, DependsOn: A}\n  D: {Type: T}\n",
        "Circular dependency between resources: [A, B]"),
    BAD("Resources: {A: {Type: T, Properties: {X: !GetAtt A.Arn}}}",
        "Circular dependency between resources: [A]"),
};

/* "id:layer ..." for G in creation order. */
static char *describe(const struct cfn_graph *g) {
    size_t cap = 64, len = 0;
    char *z = malloc(cap);
    z[0] = 0;
    for (size_t k = 0; k < g->n; k++) {
        size_t i = g->order[k];
        size_t need = len + strlen(g->ids[i]) + 24;
        if (need > cap)
            z = realloc(z, cap = need * 2);
        len += (size_t)sprintf(z + len, "%s%s:%zu", k ? " " : "", g->ids[i], g->layer[i]);
    }
    return z;
}

START_TEST(test_rows) {
    for (size_t i = 0; i < sizeof(ROWS) / sizeof(ROWS[0]); i++) {
        const struct row *r = &ROWS[i];
        char *err = NULL;
        cJSON *t = cfn_template_parse(r->text, strlen(r->text), &err);
        ck_assert_msg(t != NULL, "line %d: %s", r->line, err);
        struct cfn_graph *g = NULL;
        int rc = cfn_graph_build(t, &g, &err);
        if (r->order) {
            ck_assert_msg(rc == 0, "line %d: %s", r->line, err ? err : "?");
            char *got = describe(g);
            ck_assert_msg(strcmp(got, r->order) == 0, "line %d: order %s, want %s", r->line, got,
                          r->order);
            free(got);
        } else {
            ck_assert_msg(rc == -1 && g == NULL, "line %d: built, want an error", r->line);
            ck_assert_msg(strcmp(err, r->err) == 0, "line %d: '%s', want '%s'", r->line, err,
                          r->err);
        }
        free(err);
        cfn_graph_free(g);
        cJSON_Delete(t);
    }
}
END_TEST

/* More resources than CloudFormation's quota fail before any work. */
START_TEST(test_limit) {
    cJSON *t = cJSON_CreateObject();
    cJSON *res = cJSON_AddObjectToObject(t, "Resources");
    for (int i = 0; i <= CFN_GRAPH_MAX_RESOURCES; i++) {
        char id[16];
        snprintf(id, sizeof(id), "R%d", i);
        cJSON_AddObjectToObject(res, id);
    }
    struct cfn_graph *g = NULL;
    char *err = NULL;
    ck_assert_int_eq(cfn_graph_build(t, &g, &err), -1);
    ck_assert_str_eq(err, "Template format error: Number of resources, 501, is greater than "
                          "maximum allowed, 500");
    free(err);
    cJSON_Delete(t);
}
END_TEST

static struct cfn_graph *load_graph(const char *name, cJSON **tmpl) {
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", CFN_DATA, name);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char buf[CFN_TEMPLATE_MAX_BYTES];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    char *err = NULL;
    *tmpl = cfn_template_parse(buf, n, &err);
    ck_assert_msg(*tmpl != NULL, "%s: %s", name, err);
    struct cfn_graph *g = NULL;
    ck_assert_msg(cfn_graph_build(*tmpl, &g, &err) == 0, "%s: %s", name, err);
    return g;
}

/* Position of ID in G's creation order. */
static size_t pos(const struct cfn_graph *g, const char *id) {
    long i = cfn_graph_find(g, id);
    ck_assert_msg(i >= 0, "%s is not in the graph", id);
    for (size_t k = 0; k < g->n; k++)
        if (g->order[k] == (size_t)i)
            return k;
    ck_abort_msg("%s is not in the order", id);
    return 0;
}

#define BEFORE(g, a, b) \
    ck_assert_msg(pos((g), (a)) < pos((g), (b)), "%s should come before %s", (a), (b))

START_TEST(test_seed) {
    cJSON *t = NULL;
    struct cfn_graph *g = load_graph("v1.template.json", &t);
    const char *fn = "Fn9270CBC0";
    const char *version = "FnCurrentVersion17A89ABBb2514cf06b671ab5fc4b9cd65ed63160";
    BEFORE(g, "FnServiceRoleB9001A96", "FnServiceRoleDefaultPolicyC6A839BF");
    BEFORE(g, "FnServiceRoleDefaultPolicyC6A839BF", fn);
    BEFORE(g, "TableCD117FA1", "FnMappingB3015946");
    BEFORE(g, fn, "FnMappingB3015946");
    BEFORE(g, fn, version);
    BEFORE(g, version, "Live848578DF");
    ck_assert_uint_eq(g->layer[cfn_graph_find(g, "Live848578DF")],
                      g->layer[cfn_graph_find(g, version)] + 1);
    /* Deletion is the reverse: the alias and the mapping go before the
     * function, the function before its role. */
    size_t del[16];
    for (size_t k = 0; k < g->n; k++)
        del[g->n - 1 - pos(g, g->ids[cfn_graph_delete_at(g, k)])] = k;
    ck_assert_uint_eq(g->n, 8);
    for (size_t k = 0; k < g->n; k++)
        ck_assert_uint_eq(del[k], k);
    cfn_graph_free(g);
    cJSON_Delete(t);

    g = load_graph("v2.template.json", &t);
    ck_assert_int_eq(cfn_graph_find(g, "FnMappingB3015946"), -1);
    BEFORE(g, version, "Live848578DF");
    BEFORE(g, "Live848578DF", "LiveMapping3675C516");
    BEFORE(g, "TableCD117FA1", "LiveMapping3675C516");
    cfn_graph_free(g);
    cJSON_Delete(t);
}
END_TEST

START_TEST(test_bootstrap) {
    cJSON *t = NULL;
    struct cfn_graph *g = load_graph("bootstrap-template.yaml", &t);
    BEFORE(g, "FileAssetsBucketEncryptionKey", "StagingBucket");
    BEFORE(g, "StagingBucket", "StagingBucketPolicy");
    BEFORE(g, "FilePublishingRole", "FilePublishingRoleDefaultPolicy");
    BEFORE(g, "CloudFormationExecutionRole", "DeploymentActionRole");
    ck_assert_uint_eq(g->layer[cfn_graph_find(g, "CdkBootstrapVersion")], 0);
    cfn_graph_free(g);
    cJSON_Delete(t);
}
END_TEST

int main(void) {
    Suite *s = suite_create("cfn_graph");
    TCase *tc = tcase_create("graph");
    tcase_add_test(tc, test_rows);
    tcase_add_test(tc, test_limit);
    tcase_add_test(tc, test_seed);
    tcase_add_test(tc, test_bootstrap);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
