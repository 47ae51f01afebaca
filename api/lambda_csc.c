/*
 * A function's code signing configuration: GetFunctionCodeSigningConfig,
 * PutFunctionCodeSigningConfig and DeleteFunctionCodeSigningConfig under
 * /2020-06-30/functions/{F}/code-signing-config. Clients that manage
 * functions (the Terraform AWS provider reads it on every refresh) call
 * these for functions that have none.
 *
 * sluice has no code signing configurations (no CreateCodeSigningConfig),
 * so no function has one: Get answers an empty CodeSigningConfigArn, as
 * AWS does for such a function; Put names a configuration that cannot
 * exist and gets CodeSigningConfigNotFoundException (so does
 * CreateFunction with a CodeSigningConfigArn); Delete has nothing to
 * remove.
 */
#include "api/aws_error.h"
#include "api/lambda_int.h"
#include "api/validate.h"
#include "engine/arn.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

/* CodeSigningConfigArn's length limit in the Lambda model. */
#define CSC_ARN_MAX 200

int lambda_get_fn_csc(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, 0, &f) == 0) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "CodeSigningConfigArn", "");
        cJSON_AddStringToObject(o, "FunctionName", f.ref.name);
        rc = req_reply_json(req, 200, o);
    }
    lfn_free(&f);
    return rc;
}

/* Validates ARN (a CodeSigningConfigArn member, NULL when absent) into VL. */
static void csc_arn_check(struct vlist *vl, const char *arn) {
    if (arn == NULL) return;
    if (strlen(arn) > CSC_ARN_MAX)
        vl_add(vl, arn, "codeSigningConfigArn", "Member must have length less than or equal to 200");
    if (!arn_csc_ok(arn))
        vl_add(vl, arn, "codeSigningConfigArn",
               "Member must satisfy regular expression pattern: " ARN_CSC_PATTERN);
}

static int csc_not_found(struct req *req, const char *arn) {
    return req_fail(req, &AWSERR_CSC_NOT_FOUND,
                    "The code signing configuration cannot be found. Check that the provided "
                    "configuration is not deleted: %s.",
                    arn);
}

int lambda_csc_refuse(struct req *req, const char *arn) {
    struct vlist vl = {0};
    csc_arn_check(&vl, arn);
    if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) return -1;
    return csc_not_found(req, arn);
}

int lambda_put_fn_csc(struct req *req, struct op_in *a) {
    struct lfn f;
    cJSON *in = NULL;
    const char *arn = NULL;
    memset(&f, 0, sizeof(f));
    if (json_body(req, &in) != 0 || jget_str(req, in, "CodeSigningConfigArn", &arn) < 0) goto out;
    struct vlist vl = {0};
    if (arn == NULL) vl_add(&vl, NULL, "codeSigningConfigArn", "Member must not be null");
    csc_arn_check(&vl, arn);
    if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) goto out;
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, 0, &f) != 0) goto out;
    csc_not_found(req, arn);
out:
    cJSON_Delete(in);
    lfn_free(&f);
    return -1;
}

int lambda_delete_fn_csc(struct req *req, struct op_in *a) {
    struct lfn f;
    int rc = -1;
    if (lfn_load(req, a->fn, ARN_SHAPE_NAMESPACED, 0, &f) == 0) rc = req_reply_raw(req, 204, NULL, "", 0);
    lfn_free(&f);
    return rc;
}
