/*
 * CloudFormation's intrinsic functions, conditions and rules, evaluated on
 * a parsed template (cfn_template.h). What only the deployer knows (a
 * resource's physical id and attributes, another stack's exports, the
 * availability zones) comes through callbacks, so the evaluator itself is
 * pure: no I/O, no clock, no store. The CloudFormation service's deployer
 * calls it for each resource's Properties and each Output as it goes.
 */
#ifndef SLUICE_ENGINE_CFN_EVAL_H
#define SLUICE_ENGINE_CFN_EVAL_H

struct cJSON;

/* What the deployer supplies. Each callback returns a new cJSON value the
 * evaluator takes (and frees), or NULL with *ERR set to a heap message (the
 * evaluator passes it on to its caller). A NULL callback: ref and get_att
 * fail with "... is not available yet", import_value with CloudFormation's
 * "No export named X found", get_azs answers REGION + a, b and c. */
struct cfn_eval_hooks {
    /* Ref of resource LOGICAL_ID (declared, condition true): its physical id. */
    struct cJSON *(*ref)(void *ud, const char *logical_id, char **err);
    /* Fn::GetAtt LOGICAL_ID.ATTR. */
    struct cJSON *(*get_att)(void *ud, const char *logical_id, const char *attr, char **err);
    /* Fn::ImportValue NAME: the value another stack exports as NAME. */
    struct cJSON *(*import_value)(void *ud, const char *name, char **err);
    /* Fn::GetAZs REGION: an array of zone names. */
    struct cJSON *(*get_azs)(void *ud, const char *region, char **err);
    void *ud; /* passed to every callback */
};

/* One evaluation context: a template, its resolved parameters and the
 * stack's identity. Zero it, set the inputs, and release it with
 * cfn_ctx_clear. Not thread-safe: one thread at a time per context. */
struct cfn_ctx {
    const struct cJSON *tmpl;   /* the parsed template (borrowed) */
    const struct cJSON *params; /* object: parameter name -> its value, a string or, for
                                   the list types, an array of strings; resolved by the
                                   caller (defaults, SSM). Borrowed; may be NULL. */
    const char *account_id;     /* AWS::AccountId */
    const char *region;         /* AWS::Region (default us-east-1) */
    const char *stack_name;     /* AWS::StackName */
    const char *stack_id;       /* AWS::StackId */
    const struct cJSON *notification_arns; /* AWS::NotificationARNs, an array; may be NULL */
    struct cfn_eval_hooks hooks;
    struct cJSON *conditions; /* owned: condition name -> true/false, filled once */
    struct cJSON *pending;    /* owned: conditions being evaluated (cycle check) */
    int depth;                /* current nesting of evaluation (see CFN_EVAL_MAX_DEPTH) */
};

/* The deepest evaluation accepted: values and conditions nest, and a chain
 * of conditions each naming the next recurses once per link, which a 1 MB
 * template could make deep enough to exhaust the stack. Real templates stay
 * far below (a value nests at most CFN_TEMPLATE_MAX_DEPTH levels). */
#define CFN_EVAL_MAX_DEPTH 512

/* Evaluates every entry of the template's Conditions once, in any order
 * (a condition may use another through {"Condition": name}), and keeps the
 * results in C. Conditions may use Fn::Equals/And/Or/Not/Contains,
 * {"Condition"}, Fn::FindInMap and Ref of parameters and pseudo
 * parameters, not resources. Returns 0, or -1 with *ERR a heap message the
 * caller frees. Calling it again does nothing. */
int cfn_eval_conditions(struct cfn_ctx *c, char **err);

/* *OUT is the value of condition NAME (1 or 0), evaluating the Conditions
 * first if needed. Returns 0, or -1 with *ERR set (unknown name: "Template
 * error: unresolved condition dependency NAME in Fn::If"). */
int cfn_condition(struct cfn_ctx *c, const char *name, int *out, char **err);

/* *OUT is 1 when ELEM (a resource or an output of the template) has no
 * Condition or its condition is true. Returns 0, or -1 with *ERR set. */
int cfn_eval_enabled(struct cfn_ctx *c, const struct cJSON *elem, int *out, char **err);

/* Evaluates V: every intrinsic function (Ref, Fn::GetAtt, Fn::Join,
 * Fn::Sub, Fn::Select, Fn::Split, Fn::If, Fn::Equals, Fn::And, Fn::Or,
 * Fn::Not, Fn::FindInMap, Fn::GetAZs, Fn::Base64, Fn::Cidr (IPv4),
 * Fn::ImportValue, Fn::ToJsonString, Fn::Length, Fn::Contains) is replaced
 * by its value, and AWS::NoValue removes its object member or array
 * element. Returns 0 with *OUT a new tree the caller frees (NULL when V as
 * a whole is AWS::NoValue), or -1 with *ERR a heap message the caller
 * frees, worded as CloudFormation's ("Template error: ..."). V is read
 * only; it must not nest deeper than CFN_TEMPLATE_MAX_DEPTH. */
int cfn_eval(struct cfn_ctx *c, const struct cJSON *v, struct cJSON **out, char **err);

/* Checks the template's Rules against the parameters: for each rule whose
 * RuleCondition holds (or that has none), every Assertions[].Assert must be
 * true. Returns 0, or -1 with *ERR a heap message: the failing assertion's
 * AssertDescription, or "Template error: ..." when a rule is malformed. */
int cfn_eval_rules(struct cfn_ctx *c, char **err);

/* Frees what C owns (the condition results); C can then be reused. */
void cfn_ctx_clear(struct cfn_ctx *c);

#endif
