/*
 * What a stack update does to one resource: the pure comparison of the
 * properties a resource was last created or updated with against the
 * properties the new template gives it, and which of the changes force a
 * replacement (a create-only property: docs/cloudformation-reference.md,
 * sections 1.1 and 2.1). The deployer (api/cfn_deploy.c) uses it to pick
 * between keeping, updating in place and replacing, and the change sets
 * (api/cloudformation_cs.c) to describe the same choice. No I/O.
 */
#ifndef SLUICE_ENGINE_CFN_DIFF_H
#define SLUICE_ENGINE_CFN_DIFF_H

#include <stddef.h>

struct cJSON;

/* A value not known until the change set executes (the physical id or an
 * attribute of a resource that is added or replaced) is written, while a
 * change set is computed, as a string starting with this marker followed by
 * "LogicalId}}" (cfn_diff_pending). */
#define CFN_DIFF_PENDING "{{sluice:pending:"

/* Details[].Target.RequiresRecreation. */
enum cfn_recreate { CFN_RECREATE_NEVER, CFN_RECREATE_CONDITIONALLY, CFN_RECREATE_ALWAYS };

/* ResourceChange.Replacement of a Modify. */
enum cfn_replace { CFN_REPLACE_FALSE, CFN_REPLACE_CONDITIONAL, CFN_REPLACE_TRUE };

struct cfn_prop_change {
    char *name;               /* the top-level property */
    enum cfn_recreate recreate;
    int dynamic;              /* the new value holds a pending marker */
    char *causing;            /* dynamic: the logical id it waits on, else NULL */
};

struct cfn_diff {
    size_t n;
    struct cfn_prop_change *c; /* by property name */
    enum cfn_replace replace;
};

/* Compares OLD_PROPS with NEW_PROPS (objects; NULL is the empty object),
 * property by property. CREATE_ONLY lists the properties whose change
 * replaces the resource (NULL-terminated; "*" alone: all). A property that
 * is added, removed or changed is one change, and needs recreation
 * (Always) when create-only; a change whose new value holds a pending
 * marker is dynamic. REPLACE is True when a static change needs
 * recreation, else Conditional when a dynamic one does, else False.
 * Fills *OUT (clear it with cfn_diff_clear); *OUT->n is 0 when nothing
 * differs. */
void cfn_diff_props(const struct cJSON *old_props, const struct cJSON *new_props,
                    const char *const *create_only, struct cfn_diff *out);

void cfn_diff_clear(struct cfn_diff *d);

/* A pending marker for LOGICAL_ID (heap; caller frees). */
char *cfn_diff_pending(const char *logical_id);

/* 1 when V (any JSON value) holds a pending marker; *CAUSING (if given)
 * then gets a heap copy of the first marker's logical id. */
int cfn_diff_has_pending(const struct cJSON *v, char **causing);

/* The property that names a resource of TYPE when the template sets it
 * (AWS::Logs::LogGroup: "LogGroupName"), for CloudFormation's refusal to
 * replace a custom-named resource under the same name (AWS CloudFormation
 * User Guide, "Name type"); NULL for types without one. */
const char *cfn_diff_name_property(const char *type);

/* The names CloudFormation shows for the enums above. */
const char *cfn_recreate_name(enum cfn_recreate r);
const char *cfn_replace_name(enum cfn_replace r);

#endif
