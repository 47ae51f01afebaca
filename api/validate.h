/*
 * Input checking shared by the handlers: typed member getters that reject
 * wrong JSON types, and the Coral-style "N validation errors detected"
 * message builder of docs/aws-reference.md A.
 */
#ifndef EMU_API_VALIDATE_H
#define EMU_API_VALIDATE_H

#include <stdint.h>
#include <stddef.h>

struct cJSON;
struct req;
struct aws_error;

/* Accumulates constraint failures, then reports them as one error. */
struct vlist {
    int n;
    size_t len;
    char buf[4096];
};

/* Adds "Value '<value>' at '<field>' failed to satisfy constraint: <c>".
 * VALUE NULL prints "Value null at ...". Long values are cut. */
void vl_add(struct vlist *vl, const char *value, const char *field, const char *constraint);

/* Same with a number value, formatted as AWS prints numbers ('10241'). */
void vl_add_num(struct vlist *vl, double value, const char *field, const char *constraint);

/* When VL holds failures, records "N validation error(s) detected: ..."
 * with KIND and returns -1; otherwise returns 0. */
int vl_fail(struct req *req, const struct vlist *vl, const struct aws_error *kind);

/* Parses REQ's body as a JSON object into *OUT (owned by the caller:
 * cJSON_Delete it). An empty body gives an empty object. Returns 0, or -1
 * with InvalidRequestContentException recorded. */
int json_body(struct req *req, struct cJSON **out);

/* Typed getters. Each returns 1 when KEY is present with the right type
 * (storing it in *OUT), 0 when absent or JSON null (leaving *OUT), and -1
 * when present with a wrong type (error recorded). Strings are borrowed
 * from OBJ. */
int jget_str(struct req *req, struct cJSON *obj, const char *key, const char **out);
int jget_int(struct req *req, struct cJSON *obj, const char *key, int64_t *out);
int jget_num(struct req *req, struct cJSON *obj, const char *key, double *out);
int jget_bool(struct req *req, struct cJSON *obj, const char *key, int *out);
int jget_obj(struct req *req, struct cJSON *obj, const char *key, struct cJSON **out);
int jget_arr(struct req *req, struct cJSON *obj, const char *key, struct cJSON **out);

#endif
