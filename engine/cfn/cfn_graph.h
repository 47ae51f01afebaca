/*
 * The dependency graph of a template's resources: which resources each one
 * needs first (Ref, Fn::GetAtt and Fn::Sub references, wherever they sit in
 * its Properties, both branches of an Fn::If included, plus DependsOn), the
 * checks CloudFormation makes on those references, and the orders the
 * deployer follows: creation (topological, ties by logical id), the layers
 * that may proceed together, and deletion (the reverse). Pure; the
 * CloudFormation service's deployer calls it.
 */
#ifndef SLUICE_ENGINE_CFN_GRAPH_H
#define SLUICE_ENGINE_CFN_GRAPH_H

#include <stddef.h>

struct cJSON;

/* The most resources a template may declare: CloudFormation's quota (AWS
 * CloudFormation User Guide, "CloudFormation quotas": 500 resources per
 * template). It also bounds the quadratic tie-breaking in the ordering. */
#define CFN_GRAPH_MAX_RESOURCES 500

/* A built graph. Read-only for callers; free with cfn_graph_free. Resource
 * i is ids[i]; ids are sorted (strcmp), so an index is a stable name. */
struct cfn_graph {
    size_t n;        /* resources */
    char **ids;      /* [n] logical ids, sorted */
    size_t **deps;   /* [n] the resources resource i needs first, sorted, unique */
    size_t *ndeps;   /* [n] */
    size_t *order;   /* [n] creation order: every resource after all it needs, and
                        among those ready at once, by logical id */
    size_t *layer;   /* [n] 0 for a resource that needs nothing, else one more than
                        the highest layer of what it needs */
    size_t nlayers;  /* layers in use (0 when n is 0) */
};

/* Builds the graph of TMPL (a parsed template that passed
 * cfn_template_check). Checks, as CloudFormation does before any change:
 * every Ref and Fn::Sub name in Resources and Outputs is a parameter, a
 * pseudo parameter or a resource, every Fn::GetAtt names a resource, every
 * DependsOn (a string or a list of strings) names a resource, and there is
 * no cycle. Returns 0 with *OUT a new graph, or -1 with *ERR a heap message
 * the caller frees: "Template format error: Unresolved resource
 * dependencies [A, B] in the Resources block of the template" (or the
 * Outputs block), "Template error: instance of Fn::GetAtt references
 * undefined resource X", "Circular dependency between resources: [A, B]"
 * (the resources on cycles, sorted), or the resource-count limit. Reads
 * TMPL only; thread-safe. */
int cfn_graph_build(const struct cJSON *tmpl, struct cfn_graph **out, char **err);

/* The index of logical id ID in G, or -1. */
long cfn_graph_find(const struct cfn_graph *g, const char *id);

/* The K-th resource (0 <= K < g->n) to delete: creation order reversed, so
 * every resource goes before what it needs. Returns its index. */
size_t cfn_graph_delete_at(const struct cfn_graph *g, size_t k);

/* Frees G and everything it holds; NULL is fine. */
void cfn_graph_free(struct cfn_graph *g);

#endif
