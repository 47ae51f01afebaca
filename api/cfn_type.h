/*
 * CloudFormation resource types: what the deployer (api/cfn_deploy.c) asks
 * of each type it can create. A type is a row (struct cfn_type) with its
 * create-only properties, as the resource schemas list them
 * (docs/cloudformation-reference.md, section 1.1), and three handlers that
 * act through the owning service's own operations (api/call.h), so that a
 * resource gets the service's validation, defaults and error messages.
 * Handlers run on the deployer's thread, outside any store transaction,
 * and may block (a handler waits for what CloudFormation waits for, e.g. a
 * provisioned-concurrency alias to be READY).
 */
#ifndef SLUICE_API_CFN_TYPE_H
#define SLUICE_API_CFN_TYPE_H

#include <stddef.h>

struct cJSON;

/* One resource being created, updated or deleted. The deployer fills the
 * inputs; the handler fills the outputs. */
struct cfn_res {
    /* ---- in (borrowed) ---- */
    const char *account;       /* the stack's account, 12 digits */
    const char *region;
    const char *stack_name;
    const char *stack_id;      /* the stack's ARN */
    const char *logical_id;
    const char *type;          /* "AWS::Lambda::Function" */
    /* The resource's Properties with every intrinsic function evaluated
     * (create, update); an object, possibly empty. NULL for delete. */
    const struct cJSON *props;
    /* Update and delete: the properties the resource was last created or
     * updated with, its physical id and its attributes (as the handler
     * returned them). NULL on create. */
    const struct cJSON *old_props;
    const char *physical_id;
    const struct cJSON *attrs;

    /* ---- out (owned by the deployer once the handler returns) ---- */
    /* Create, and an update that changes it: the physical id (what Ref
     * returns), heap. */
    char *new_physical_id;
    /* Create and update: every Fn::GetAtt value by attribute name, plus
     * anything the later update or delete needs (e.g. a permission's
     * function). An object; heap. NULL on update keeps the old ones. */
    struct cJSON *new_attrs;
};

struct cfn_type {
    const char *name;                /* "AWS::Lambda::Function" */
    /* Properties whose change replaces the resource (create-only in the
     * resource schema), NULL-terminated; "*" alone: every property. */
    const char *const *create_only;
    /* Creates the resource from R->props. Returns 0 with
     * R->new_physical_id and R->new_attrs set, or -1 with *ERR a heap
     * message for the event's ResourceStatusReason (call_reason's form
     * when a service refused). A handler that fails after creating part of
     * the resource removes that part first. */
    int (*create)(struct cfn_res *r, char **err);
    /* Updates the resource in place from R->old_props to R->props (no
     * create-only property changed). Returns 0 (outputs as for create,
     * NULL to keep), or -1 with *ERR set. NULL: the type has no update,
     * every change replaces. */
    int (*update)(struct cfn_res *r, char **err);
    /* Deletes the resource R->physical_id. A resource that is already gone
     * counts as deleted (returns 0). Returns 0, or -1 with *ERR set. */
    int (*remove)(struct cfn_res *r, char **err);
};

/* The row of type NAME, or NULL when sluice cannot create that type. The
 * table is sorted by name and static; thread-safe. */
const struct cfn_type *cfn_type_find(const char *name);

/* The physical name CloudFormation generates for a resource whose name
 * property is not set: "<stack>-<logical id>-<12 random characters>"
 * (AWS CloudFormation User Guide, "Name type"), the stack name and logical
 * id shortened so that the whole fits MAXLEN, in lower case when LOWER
 * (S3 bucket names). Returns a heap string the caller frees. */
char *cfn_physical_name(const struct cfn_res *r, size_t maxlen, int lower);

#endif
