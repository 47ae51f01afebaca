/*
 * Input checking shared by the handlers: typed member getters that reject
 * wrong JSON types, and the Coral-style "N validation errors detected"
 * message builder of docs/aws-reference.md A.
 */
#ifndef SLUICE_API_VALIDATE_H
#define SLUICE_API_VALIDATE_H

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

/* Typed getters. Each returns 1 when KEY is present with the right type,
 * 0 when absent or JSON null, and -1 when present with a wrong type (error
 * recorded).
 *
 * Pointer getters (str, obj, arr) ALWAYS write *OUT: the member when the
 * result is 1, NULL otherwise. So a caller never reads an unset pointer,
 * whatever path it takes (a missing required member used to leave it
 * unset, and CreateLogGroup {} read stack garbage as the group's name).
 * Strings and nodes are borrowed from OBJ.
 *
 * Scalar getters (int, num, bool) write *OUT only when the result is 1:
 * *OUT holds the caller's default on entry and keeps it otherwise. The
 * access attribute makes gcc warn (-Wmaybe-uninitialized) about a caller
 * that passes an uninitialised default. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 11
#define JGET_DEFAULT_IN_OUT __attribute__((access(read_write, 4)))
#else
#define JGET_DEFAULT_IN_OUT
#endif
int jget_str(struct req *req, struct cJSON *obj, const char *key, const char **out);
int jget_obj(struct req *req, struct cJSON *obj, const char *key, struct cJSON **out);
int jget_arr(struct req *req, struct cJSON *obj, const char *key, struct cJSON **out);
int jget_int(struct req *req, struct cJSON *obj, const char *key, int64_t *out) JGET_DEFAULT_IN_OUT;
int jget_num(struct req *req, struct cJSON *obj, const char *key, double *out) JGET_DEFAULT_IN_OUT;
int jget_bool(struct req *req, struct cJSON *obj, const char *key, int *out) JGET_DEFAULT_IN_OUT;

#endif
