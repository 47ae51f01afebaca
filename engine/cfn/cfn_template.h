/*
 * CloudFormation templates as data: JSON or YAML text in, one cJSON tree
 * out, with the YAML short forms (!Ref, !GetAtt, !Sub, ...) rewritten to
 * their long JSON forms so that the evaluator (cfn_eval.h) and the
 * dependency graph (cfn_graph.h) see one shape. Pure: no I/O, no clock,
 * no store; the CloudFormation service (a later api/ layer) calls it.
 */
#ifndef SLUICE_ENGINE_CFN_TEMPLATE_H
#define SLUICE_ENGINE_CFN_TEMPLATE_H

#include <stddef.h>

struct cJSON;

/* The largest template accepted. CloudFormation takes a TemplateBody of at
 * most 51,200 bytes and a TemplateURL object of at most 1 MB (AWS
 * CloudFormation User Guide, "CloudFormation quotas"); the parser takes the
 * larger so that either path fits, and nothing larger reaches libyaml. */
#define CFN_TEMPLATE_MAX_BYTES (1024 * 1024)

/* The deepest nesting of mappings and sequences accepted. The tree is built
 * recursively; real templates nest about a dozen levels (an IAM policy
 * inside Fn::If inside a property), so 64 is generous and keeps a hostile
 * "[[[[..." from exhausting the stack. */
#define CFN_TEMPLATE_MAX_DEPTH 64

/* The most nodes the tree may hold after YAML aliases are expanded. An
 * alias is a deep copy, so a few lines of nested aliases ("billion laughs")
 * would otherwise expand to gigabytes; a 1 MB template holds far fewer
 * than this many nodes without aliases. */
#define CFN_TEMPLATE_MAX_NODES 500000

/* Parses N bytes of Z as a template: JSON when the first non-blank
 * character is '{', YAML otherwise (YAML 1.1 through libyaml). YAML
 * scalars stay strings unless plain and a YAML 1.1 null, bool, int or
 * float; anchors and aliases are resolved; duplicate mapping keys, unknown
 * "!" tags, non-scalar keys and the limits above are errors. The top level
 * must be a mapping. Returns a new tree the caller frees with cJSON_Delete,
 * or NULL with *ERR set to a heap message the caller frees, worded as
 * CloudFormation's ValidationError ("Template format error: ..."). Z need
 * not be NUL-terminated. Thread-safe (no shared state). */
struct cJSON *cfn_template_parse(const char *z, size_t n, char **err);

/* Checks the template's top-level shape as CloudFormation does before
 * anything else: only the known sections, a non-empty Resources object
 * whose every member is an object with a string Type, and Parameters,
 * Mappings, Conditions, Outputs and Rules objects when present. Returns 0,
 * or -1 with *ERR a heap message the caller frees. Reads TMPL only. */
int cfn_template_check(const struct cJSON *tmpl, char **err);

#endif
