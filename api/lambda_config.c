/*
 * A function's configuration: the bodies of CreateFunction,
 * UpdateFunctionConfiguration and UpdateFunctionCode parsed and checked
 * into structs with AWS's messages, and those structs written into the
 * FunctionConfiguration document. The contract is in api/lambda_config.h;
 * the handlers that store the result are in api/lambda.c. Messages are
 * AWS's, from docs/aws-reference.md B2, B3 and H.
 */
#include "api/lambda_config.h"
#include "api/aws_error.h"
#include "api/lambda_int.h"
#include "api/validate.h"
#include "api/s3.h"
#include "base/util.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Documents                                                            */
/* ------------------------------------------------------------------ */

void lcfg_set(cJSON *obj, const char *key, cJSON *item) {
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
    else
        cJSON_AddItemToObject(obj, key, item);
}

void lcfg_set_str(cJSON *obj, const char *key, const char *v) {
    lcfg_set(obj, key, cJSON_CreateString(v));
}

void lcfg_set_num(cJSON *obj, const char *key, double v) {
    lcfg_set(obj, key, cJSON_CreateNumber(v));
}

/* ------------------------------------------------------------------ */
/* Single members                                                       */
/* ------------------------------------------------------------------ */

/* Runtimes AWS accepts for new functions and updates. The control plane
 * accepts java, dotnet and ruby; the invoker answers their invocations
 * with InvalidRuntimeException, as sluice has no process for them. */
static const char *const RUNTIMES_SUPPORTED[] = {
    "nodejs24.x", "nodejs22.x", "nodejs20.x", "nodejs18.x",
    "python3.14", "python3.13", "python3.12", "python3.11", "python3.10", "python3.9",
    "java25", "java21", "java17", "java11", "java8.al2",
    "dotnet10", "dotnet8",
    "ruby4.0", "ruby3.4", "ruby3.3", "ruby3.2",
    "provided.al2023", "provided.al2",
};

/* The rest of the model's Runtime enum: deprecated, refused on create
 * and update with AWS's message. */
static const char *const RUNTIMES_DEPRECATED[] = {
    "nodejs", "nodejs4.3", "nodejs6.10", "nodejs8.10", "nodejs10.x", "nodejs12.x", "nodejs14.x",
    "nodejs16.x", "nodejs4.3-edge", "java8", "python2.7", "python3.6", "python3.7", "python3.8",
    "dotnetcore1.0", "dotnetcore2.0", "dotnetcore2.1", "dotnetcore3.1", "dotnet6", "go1.x",
    "ruby2.5", "ruby2.7", "provided",
};

static int runtime_or_fail(struct req *req, const char *rt) {
    for (size_t i = 0; i < NELEM(RUNTIMES_SUPPORTED); i++)
        if (strcmp(rt, RUNTIMES_SUPPORTED[i]) == 0) return 0;
    for (size_t i = 0; i < NELEM(RUNTIMES_DEPRECATED); i++)
        if (strcmp(rt, RUNTIMES_DEPRECATED[i]) == 0)
            return req_fail(req, &AWSERR_INVALID_PARAMETER,
                            "The runtime parameter of %s is no longer supported for creating or "
                            "updating AWS Lambda functions. We recommend you use a supported "
                            "runtime while creating or updating functions.",
                            rt);
    char list[1024] = "";
    for (size_t i = 0; i < NELEM(RUNTIMES_SUPPORTED); i++) {
        if (i) strcat(list, ", ");
        strcat(list, RUNTIMES_SUPPORTED[i]);
    }
    return req_fail(req, &AWSERR_INVALID_PARAMETER,
                    "Value %.200s at 'runtime' failed to satisfy constraint: Member must satisfy "
                    "enum value set: [%s] or be a valid ARN",
                    rt, list);
}

static const char ROLE_PATTERN[] =
    "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+";

/* 1 when Z matches ROLE_PATTERN in full. */
static int role_ok(const char *z) {
    if (strncmp(z, "arn:", 4) != 0) return 0;
    const char *p = z + 4;
    if (strncmp(p, "aws", 3) == 0) {
        p += 3;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-') p++;
    }
    if (strncmp(p, ":iam::", 6) != 0) return 0;
    p += 6;
    if (strspn(p, "0123456789") != 12) return 0;
    p += 12;
    if (strncmp(p, ":role", 5) != 0) return 0;
    p += 5;
    if (*p == '/') p++;
    size_t n = strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+=,.@-/");
    return n > 0 && p[n] == '\0';
}

/* Keys Lambda sets itself (docs/aws-reference.md H). */
static const char *const RESERVED_ENV[] = {
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
};

/* AWS's 4 KB limit on the Variables map, measured as JSON
 * [docs/aws-reference.md B2, limits]. */
#define LAMBDA_MAX_ENV_BYTES 4096

/* 1 when K starts with a letter and holds only letters, digits and '_'
 * (the model's pattern [a-zA-Z]([a-zA-Z0-9_])+, here also met by a
 * single letter). */
static int env_key_ok(const char *k) {
    size_t nk = strlen(k);
    return nk >= 1 && ((k[0] >= 'a' && k[0] <= 'z') || (k[0] >= 'A' && k[0] <= 'Z')) &&
           strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == nk;
}

/* Checks the Environment object ENV; *VARS_OUT gets its Variables (NULL
 * when it has none). Returns 0 or -1 with the error recorded. */
static int environment_or_fail(struct req *req, cJSON *env, const cJSON **vars_out) {
    cJSON *vars = NULL;
    char *text = NULL;
    char bad[1024] = "";
    int rc = -1;
    *vars_out = NULL;
    if (jget_obj(req, env, "Variables", &vars) < 0) goto out;
    if (vars == NULL) {
        rc = 0;
        goto out;
    }
    for (cJSON *it = vars->child; it; it = it->next) {
        if (!cJSON_IsString(it)) {
            req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                     "Could not parse request body into json: environment variable "
                     "values must be strings");
            goto out;
        }
        const char *k = it->string;
        if (!env_key_ok(k)) {
            struct vlist vl = {0};
            vl_add(&vl, k, "environment.variables",
                   "Map keys must satisfy constraint: [Member must satisfy regular expression "
                   "pattern: [a-zA-Z]([a-zA-Z0-9_])+]");
            vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
            goto out;
        }
        for (size_t i = 0; i < NELEM(RESERVED_ENV); i++) {
            if (strcmp(k, RESERVED_ENV[i]) == 0 && strlen(bad) + strlen(k) + 3 < sizeof(bad)) {
                if (bad[0]) strcat(bad, ", ");
                strcat(bad, k);
            }
        }
    }
    if (bad[0]) {
        req_fail(req, &AWSERR_INVALID_PARAMETER,
                 "Lambda was unable to configure your environment variables because the "
                 "environment variables you have provided contains reserved keys that are "
                 "currently not supported for modification. Reserved keys used in this "
                 "request: %s",
                 bad);
        goto out;
    }
    text = cJSON_PrintUnformatted(vars);
    if (strlen(text) > LAMBDA_MAX_ENV_BYTES) {
        req_fail(req, &AWSERR_INVALID_PARAMETER,
                 "Lambda was unable to configure your environment variables because the "
                 "environment variables you have provided exceeded the 4KB limit. String "
                 "measured: %s",
                 text);
        goto out;
    }
    *vars_out = vars;
    rc = 0;
out:
    free(text);
    return rc;
}

/* Adds to VL what the model's ArchitecturesList (exactly one member,
 * x86_64 or arm64) finds wrong with ARCH, in AWS's words. The
 * list is quoted as Java prints it: [a, b]. */
static void check_architectures(struct vlist *vl, const cJSON *arch) {
    char text[256];
    size_t len = (size_t)snprintf(text, sizeof(text), "[");
    int bad_member = 0;
    for (const cJSON *e = arch->child; e; e = e->next) {
        if (!cJSON_IsString(e) || (strcmp(e->valuestring, "x86_64") != 0 && strcmp(e->valuestring, "arm64") != 0))
            bad_member = 1;
        if (len < sizeof(text))
            len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s", e == arch->child ? "" : ", ",
                                    cJSON_IsString(e) ? e->valuestring : "null");
    }
    if (len < sizeof(text)) snprintf(text + len, sizeof(text) - len, "]");
    int n = cJSON_GetArraySize(arch);
    if (n < 1) vl_add(vl, text, "architectures", "Member must have length greater than or equal to 1");
    if (n > 1) vl_add(vl, text, "architectures", "Member must have length less than or equal to 1");
    if (bad_member)
        vl_add(vl, text, "architectures",
               "Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64]]");
}

int lrevision_check_or_fail(struct req *req, const char *wanted, const char *current) {
    if (wanted == NULL) return 0;
    if (current && strcmp(current, wanted) == 0) return 0;
    return req_fail(req, &AWSERR_PRECONDITION_FAILED,
                    "The Revision Id provided does not match the latest Revision Id. Call the "
                    "GetFunction/GetAlias API to retrieve the latest Revision Id");
}

/* ------------------------------------------------------------------ */
/* Configuration members                                                */
/* ------------------------------------------------------------------ */

/* Reads the scalar members of IN (and, on CREATE, the Architectures node
 * into *ARCH) with their types checked. Returns 0 or -1. */
static int scalars_or_fail(struct req *req, cJSON *in, int create, struct lcfg *out, cJSON **arch) {
    int has_timeout, has_memory;
    *arch = NULL;
    if (jget_str(req, in, "Role", &out->role) < 0 || jget_str(req, in, "Handler", &out->handler) < 0 ||
        jget_str(req, in, "Description", &out->description) < 0 ||
        jget_str(req, in, "Runtime", &out->runtime) < 0 ||
        jget_str(req, in, "KMSKeyArn", &out->kms_key_arn) < 0 ||
        (has_timeout = jget_int(req, in, "Timeout", &out->timeout)) < 0 ||
        (has_memory = jget_int(req, in, "MemorySize", &out->memory)) < 0)
        return -1;
    out->has_timeout = has_timeout;
    out->has_memory = has_memory;
    if (create && jget_arr(req, in, "Architectures", arch) < 0) return -1;
    return 0;
}

/* The model's constraints on the scalar members, reported together as
 * AWS does. ARCH: CreateFunction's Architectures. */
static int constraints_or_fail(struct req *req, const struct lcfg *c, int create, const cJSON *arch) {
    struct vlist vl = {0};
    if (c->role && !role_ok(c->role)) {
        char text[256];
        snprintf(text, sizeof(text), "Member must satisfy regular expression pattern: %s", ROLE_PATTERN);
        vl_add(&vl, c->role, "role", text);
    }
    /* A model constraint: checked with the others, before the service
     * asks for Runtime and Handler. */
    if (arch) check_architectures(&vl, arch);
    if (create && c->role == NULL) vl_add(&vl, NULL, "role", "Member must not be null");
    const char *h = c->handler;
    if (h && strlen(h) > 128)
        vl_add(&vl, h, "handler", "Member must have length less than or equal to 128");
    if (h && (h[0] == '\0' || strpbrk(h, " \t\r\n") != NULL))
        vl_add(&vl, h, "handler", "Member must satisfy regular expression pattern: [^\\s]+");
    if (c->description && strlen(c->description) > 256)
        vl_add(&vl, c->description, "description", "Member must have length less than or equal to 256");
    if (c->has_timeout && c->timeout < 1)
        vl_add_num(&vl, (double)c->timeout, "timeout", "Member must have value greater than or equal to 1");
    if (c->has_timeout && c->timeout > 900)
        vl_add_num(&vl, (double)c->timeout, "timeout", "Member must have value less than or equal to 900");
    if (c->has_memory && c->memory < 128)
        vl_add_num(&vl, (double)c->memory, "memorySize",
                   "Member must have value greater than or equal to 128");
    /* The model now allows 32768 (managed instances); standard functions
     * stop at 10240. AWS's exact message for 10241..32768 is unknown, so
     * the usual constraint wording is used [docs/aws-reference.md I.1]. */
    if (c->has_memory && c->memory > 10240)
        vl_add_num(&vl, (double)c->memory, "memorySize",
                   "Member must have value less than or equal to 10240");
    return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
}

/* The nested members, in this order: all their types,
 * then Environment, TracingConfig, EphemeralStorage, Layers, and last
 * the members of DeadLetterConfig, SnapStart and LoggingConfig. */
static int nested_or_fail(struct req *req, cJSON *in, struct lcfg *out) {
    cJSON *env = NULL, *tracing = NULL, *dlc = NULL, *eph = NULL, *logging = NULL, *vpc = NULL,
          *snap = NULL, *layers = NULL;
    if (jget_obj(req, in, "Environment", &env) < 0 || jget_obj(req, in, "TracingConfig", &tracing) < 0 ||
        jget_obj(req, in, "DeadLetterConfig", &dlc) < 0 ||
        jget_obj(req, in, "EphemeralStorage", &eph) < 0 ||
        jget_obj(req, in, "LoggingConfig", &logging) < 0 || jget_obj(req, in, "VpcConfig", &vpc) < 0 ||
        jget_obj(req, in, "SnapStart", &snap) < 0 || jget_arr(req, in, "Layers", &layers) < 0)
        return -1;
    if (env && environment_or_fail(req, env, &out->env_vars) != 0) return -1;
    out->has_environment = env != NULL;
    out->has_tracing = tracing != NULL;
    const char *mode = NULL;
    if (tracing && jget_str(req, tracing, "Mode", &mode) < 0) return -1;
    if (mode && strcmp(mode, "Active") != 0 && strcmp(mode, "PassThrough") != 0) {
        struct vlist vl = {0};
        vl_add(&vl, mode, "tracingConfig.mode", "Member must satisfy enum value set: [Active, PassThrough]");
        return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
    }
    out->tracing_mode = mode;
    out->has_ephemeral = eph != NULL;
    if (eph && jget_int(req, eph, "Size", &out->ephemeral_size) < 0) return -1;
    if (eph && (out->ephemeral_size < 512 || out->ephemeral_size > 10240)) {
        struct vlist vl = {0};
        vl_add_num(&vl, (double)out->ephemeral_size, "ephemeralStorage.size",
                   out->ephemeral_size < 512 ? "Member must have value greater than or equal to 512"
                                             : "Member must have value less than or equal to 10240");
        return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
    }
    if (layers && cJSON_GetArraySize(layers) > 5)
        return req_fail(req, &AWSERR_INVALID_PARAMETER, "Cannot reference more than 5 layers.");
    for (cJSON *it = layers ? layers->child : NULL; it; it = it->next)
        if (!cJSON_IsString(it) || strncmp(it->valuestring, "arn:", 4) != 0)
            return req_fail(req, &AWSERR_LAMBDA_VALIDATION,
                            "1 validation error detected: Value '[%s]' at 'layers' failed to "
                            "satisfy constraint: Member must satisfy constraint: [Member must "
                            "satisfy regular expression pattern: "
                            "arn:[a-zA-Z0-9-]+:lambda:[a-zA-Z0-9-]+:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+]",
                            cJSON_IsString(it) ? it->valuestring : "");
    out->layers = layers;
    if (vpc) {
        cJSON *sub = cJSON_GetObjectItemCaseSensitive(vpc, "SubnetIds");
        cJSON *sg = cJSON_GetObjectItemCaseSensitive(vpc, "SecurityGroupIds");
        out->has_vpc = 1;
        out->subnet_ids = cJSON_IsArray(sub) ? sub : NULL;
        out->security_group_ids = cJSON_IsArray(sg) ? sg : NULL;
    }
    out->has_dead_letter = dlc != NULL;
    if (dlc && jget_str(req, dlc, "TargetArn", &out->dead_letter_target) < 0) return -1;
    out->has_snap_start = snap != NULL;
    if (snap && jget_str(req, snap, "ApplyOn", &out->snap_apply_on) < 0) return -1;
    out->has_logging = logging != NULL;
    if (logging && (jget_str(req, logging, "LogFormat", &out->log_format) < 0 ||
                    jget_str(req, logging, "LogGroup", &out->log_group) < 0))
        return -1;
    return 0;
}

int lcfg_parse_or_fail(struct req *req, cJSON *in, int create, struct lcfg *out) {
    cJSON *arch = NULL;
    memset(out, 0, sizeof(*out));
    out->ephemeral_size = LCFG_EPHEMERAL_DEFAULT;
    if (scalars_or_fail(req, in, create, out, &arch) != 0) return -1;
    if (constraints_or_fail(req, out, create, arch) != 0) return -1;
    /* The constraints allow one member, x86_64 or arm64. */
    assert(arch == NULL || (cJSON_GetArraySize(arch) == 1 && cJSON_IsString(arch->child)));
    if (arch) out->architecture = arch->child->valuestring;
    if (out->runtime && runtime_or_fail(req, out->runtime) != 0) return -1;
    return nested_or_fail(req, in, out);
}

int lupdate_config_parse_or_fail(struct req *req, cJSON *in, const char *current_rev, struct lcfg *out) {
    const char *revision = NULL;
    memset(out, 0, sizeof(*out));
    if (jget_str(req, in, "RevisionId", &revision) < 0) return -1;
    if (lrevision_check_or_fail(req, revision, current_rev) != 0) return -1;
    return lcfg_parse_or_fail(req, in, 0, out);
}

/* ------------------------------------------------------------------ */
/* Code                                                                 */
/* ------------------------------------------------------------------ */

const char LCODE_UNZIP_FAILED[] =
    "Could not unzip uploaded file. Please check your file, then try to upload again.";

int lcode_parse_or_fail(struct req *req, cJSON *code, struct lcode *out) {
    const char *zip = NULL, *bucket = NULL, *image = NULL, *key = NULL, *version = NULL;
    size_t n = 0;
    memset(out, 0, sizeof(*out));
    if (jget_str(req, code, "ZipFile", &zip) < 0 || jget_str(req, code, "S3Bucket", &bucket) < 0 ||
        jget_str(req, code, "S3Key", &key) < 0 || jget_str(req, code, "S3ObjectVersion", &version) < 0 ||
        jget_str(req, code, "ImageUri", &image) < 0)
        return -1;
    if (image)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "sluice runs functions as local processes and cannot run container "
                        "images: ImageUri is not supported.");
    if (zip == NULL && bucket) {
        /* S3ObjectVersion is accepted and the current object read: S3 in
         * sluice keeps no versions (README, S3 differences). */
        unsigned char *obj = NULL;
        if (s3_fetch_for_lambda(req, bucket, key, LCFG_MAX_UNZIPPED, &obj, &n) != 0) return -1;
        out->zip = obj;
        out->nzip = n;
        return 0;
    }
    if (zip == NULL)
        return req_fail(req, &AWSERR_INVALID_PARAMETER, "Please provide a source for function code.");
    unsigned char *data = util_b64_decode(zip, strlen(zip), &n);
    if (data == NULL) return req_fail(req, &AWSERR_INVALID_PARAMETER, "%s", LCODE_UNZIP_FAILED);
    if (n > LCFG_MAX_ZIP) {
        free(data);
        return req_fail(req, &AWSERR_REQUEST_TOO_LARGE, "Zipped size must be smaller than %u bytes",
                        LCFG_MAX_ZIP);
    }
    out->zip = data;
    out->nzip = n;
    return 0;
}

void lcode_clear(struct lcode *c) {
    free(c->zip);
    c->zip = NULL;
    c->nzip = 0;
}

int lupdate_code_parse_or_fail(struct req *req, cJSON *in, const char *current_rev,
                               struct lupdate_code *out) {
    const char *revision = NULL;
    cJSON *arch = NULL;
    memset(out, 0, sizeof(*out));
    if (jget_str(req, in, "RevisionId", &revision) < 0 || jget_bool(req, in, "Publish", &out->publish) < 0 ||
        jget_bool(req, in, "DryRun", &out->dry_run) < 0 || jget_arr(req, in, "Architectures", &arch) < 0)
        return -1;
    if (lrevision_check_or_fail(req, revision, current_rev) != 0) return -1;
    if (arch) {
        struct vlist vl = {0};
        check_architectures(&vl, arch);
        if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) return -1;
        assert(cJSON_GetArraySize(arch) == 1 && cJSON_IsString(arch->child));
        out->architecture = arch->child->valuestring;
    }
    return lcode_parse_or_fail(req, in, &out->code);
}

/* ------------------------------------------------------------------ */
/* CreateFunction                                                       */
/* ------------------------------------------------------------------ */

/* CreateFunction's own members before the configuration: the name (not
 * qualified), the code signing configuration (none exists) and the
 * package type (Zip only). *CODE gets the Code object, *TAGS the Tags. */
static int create_head_or_fail(struct req *req, cJSON *in, struct lcreate *out, cJSON **code,
                               cJSON **tags) {
    const char *name = NULL, *pkg = NULL, *csc = NULL;
    cJSON *arch = NULL;
    struct lfn f;
    struct vlist vl = {0};
    if (jget_str(req, in, "FunctionName", &name) < 0 || jget_str(req, in, "PackageType", &pkg) < 0 ||
        jget_str(req, in, "CodeSigningConfigArn", &csc) < 0 || jget_obj(req, in, "Code", code) < 0 ||
        jget_obj(req, in, "Tags", tags) < 0 || jget_arr(req, in, "Architectures", &arch) < 0 ||
        jget_bool(req, in, "Publish", &out->publish) < 0)
        return -1;
    if (name == NULL) vl_add(&vl, NULL, "functionName", "Member must not be null");
    if (*code == NULL) vl_add(&vl, NULL, "code", "Member must not be null");
    if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) return -1;
    /* LFN_NO_LOAD: the name is parsed and checked, nothing is read. */
    int rc = lfn_load(req, name, ARN_SHAPE_FUNCTION, LFN_NO_LOAD, &f);
    out->ref = f.ref;
    lfn_free(&f);
    if (rc != 0) return -1;
    if (out->ref.qualifier[0])
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Function name can not contain a qualifier when creating a function.");
    if (csc) return lambda_csc_refuse(req, csc);
    if (pkg && strcmp(pkg, "Zip") != 0 && strcmp(pkg, "Image") != 0) {
        assert(vl.n == 0);
        vl_add(&vl, pkg, "packageType", "Member must satisfy enum value set: [Image, Zip]");
        return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
    }
    if (pkg && strcmp(pkg, "Image") == 0)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "sluice runs functions as local processes without Docker and cannot run "
                        "container images: PackageType Image is not supported. Use PackageType Zip.");
    return 0;
}

int lcreate_parse_or_fail(struct req *req, cJSON *in, struct lcreate *out) {
    cJSON *code = NULL, *tags = NULL;
    memset(out, 0, sizeof(*out));
    if (create_head_or_fail(req, in, out, &code, &tags) != 0) return -1;
    if (lcfg_parse_or_fail(req, in, 1, &out->cfg) != 0) return -1;
    if (out->cfg.runtime == NULL || out->cfg.handler == NULL)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Runtime and Handler are mandatory parameters for functions created with "
                        "deployment packages.");
    for (cJSON *t = tags ? tags->child : NULL; t; t = t->next)
        if (!cJSON_IsString(t))
            return req_fail(req, &AWSERR_INVALID_REQUEST_CONTENT,
                            "Could not parse request body into json: tag values must be strings");
    out->tags = tags;
    return lcode_parse_or_fail(req, code, &out->code);
}

void lcreate_clear(struct lcreate *c) { lcode_clear(&c->code); }

/* ------------------------------------------------------------------ */
/* Applying                                                             */
/* ------------------------------------------------------------------ */

/* Environment: an empty map clears it, as in AWS. */
static void apply_environment(const struct lcfg *c, cJSON *cfg) {
    if (c->env_vars && c->env_vars->child == NULL) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "Environment");
        return;
    }
    cJSON *e = cJSON_CreateObject();
    cJSON_AddItemToObject(e, "Variables",
                          c->env_vars ? cJSON_Duplicate(c->env_vars, 1) : cJSON_CreateObject());
    lcfg_set(cfg, "Environment", e);
}

/* DeadLetterConfig and KMSKeyArn: an empty value removes them. */
static void apply_dead_letter_kms(const struct lcfg *c, cJSON *cfg) {
    if (c->has_dead_letter && c->dead_letter_target && *c->dead_letter_target) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "TargetArn", c->dead_letter_target);
        lcfg_set(cfg, "DeadLetterConfig", d);
    } else if (c->has_dead_letter) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "DeadLetterConfig");
    }
    if (c->kms_key_arn && *c->kms_key_arn) lcfg_set_str(cfg, "KMSKeyArn", c->kms_key_arn);
    else if (c->kms_key_arn) cJSON_DeleteItemFromObjectCaseSensitive(cfg, "KMSKeyArn");
}

/* Layers as AWS describes them (an ARN and a size; sluice stores no layer
 * content); an empty list removes them. VpcConfig with AWS's other
 * members. */
static void apply_layers_vpc(const struct lcfg *c, cJSON *cfg) {
    if (c->layers && c->layers->child == NULL) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "Layers");
    } else if (c->layers) {
        cJSON *l = cJSON_CreateArray();
        for (const cJSON *it = c->layers->child; it; it = it->next) {
            assert(cJSON_IsString(it));
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "Arn", it->valuestring);
            cJSON_AddNumberToObject(o, "CodeSize", 0);
            cJSON_AddItemToArray(l, o);
        }
        lcfg_set(cfg, "Layers", l);
    }
    if (c->has_vpc) {
        cJSON *v = cJSON_CreateObject();
        cJSON_AddItemToObject(v, "SubnetIds", c->subnet_ids ? cJSON_Duplicate(c->subnet_ids, 1)
                                                            : cJSON_CreateArray());
        cJSON_AddItemToObject(v, "SecurityGroupIds", c->security_group_ids
                                                         ? cJSON_Duplicate(c->security_group_ids, 1)
                                                         : cJSON_CreateArray());
        cJSON_AddStringToObject(v, "VpcId", "");
        cJSON_AddBoolToObject(v, "Ipv6AllowedForDualStack", 0);
        lcfg_set(cfg, "VpcConfig", v);
    }
}

/* LoggingConfig: a group not given keeps the current one, else Lambda's
 * default /aws/lambda/<name>. */
static void apply_logging(const struct lcfg *c, cJSON *cfg) {
    cJSON *old = cJSON_GetObjectItemCaseSensitive(cfg, "LoggingConfig");
    cJSON *og = old ? cJSON_GetObjectItemCaseSensitive(old, "LogGroup") : NULL;
    cJSON *name = cJSON_GetObjectItemCaseSensitive(cfg, "FunctionName");
    char defgroup[128];
    snprintf(defgroup, sizeof(defgroup), "/aws/lambda/%s", cJSON_IsString(name) ? name->valuestring : "");
    const char *group = c->log_group ? c->log_group : cJSON_IsString(og) ? og->valuestring : defgroup;
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "LogFormat", c->log_format ? c->log_format : "Text");
    cJSON_AddStringToObject(l, "LogGroup", group);
    lcfg_set(cfg, "LoggingConfig", l);
}

/* The members are written in this order so that a new document lists
 * them in it, as it always has. */
void lcfg_apply(const struct lcfg *c, cJSON *cfg, int create) {
    if (create) {
        lcfg_set_str(cfg, "Description", "");
        lcfg_set_num(cfg, "Timeout", 3);
        lcfg_set_num(cfg, "MemorySize", 128);
    }
    if (c->runtime) lcfg_set_str(cfg, "Runtime", c->runtime);
    if (c->role) lcfg_set_str(cfg, "Role", c->role);
    if (c->handler) lcfg_set_str(cfg, "Handler", c->handler);
    if (c->description) lcfg_set_str(cfg, "Description", c->description);
    if (c->has_timeout) lcfg_set_num(cfg, "Timeout", (double)c->timeout);
    if (c->has_memory) lcfg_set_num(cfg, "MemorySize", (double)c->memory);
    if (c->has_environment) apply_environment(c, cfg);
    if (create || c->has_tracing) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "Mode", c->tracing_mode ? c->tracing_mode : "PassThrough");
        lcfg_set(cfg, "TracingConfig", t);
    }
    apply_dead_letter_kms(c, cfg);
    if (create || c->has_ephemeral) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddNumberToObject(e, "Size", (double)c->ephemeral_size);
        lcfg_set(cfg, "EphemeralStorage", e);
    }
    apply_layers_vpc(c, cfg);
    if (create || c->has_snap_start) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "ApplyOn", c->snap_apply_on ? c->snap_apply_on : "None");
        cJSON_AddStringToObject(s, "OptimizationStatus", "Off");
        lcfg_set(cfg, "SnapStart", s);
    }
    if (create || c->has_logging) apply_logging(c, cfg);
}

void lcfg_runtime_version(cJSON *cfg) {
    cJSON *rt = cJSON_GetObjectItemCaseSensitive(cfg, "Runtime");
    if (!cJSON_IsString(rt)) {
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "RuntimeVersionConfig");
        return;
    }
    /* A stable, plausible runtime version ARN per runtime. */
    char arn[256];
    snprintf(arn, sizeof(arn),
             "arn:aws:lambda:us-east-1::runtime:%s-sluice-0000000000000000000000000000000000000000",
             rt->valuestring);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "RuntimeVersionArn", arn);
    lcfg_set(cfg, "RuntimeVersionConfig", o);
}

void lcode_apply(cJSON *cfg, const char *architecture, const struct lcode_stored *code) {
    if (architecture) {
        cJSON *ar = cJSON_CreateArray();
        cJSON_AddItemToArray(ar, cJSON_CreateString(architecture));
        lcfg_set(cfg, "Architectures", ar);
    }
    lcfg_set_num(cfg, "CodeSize", (double)code->size);
    lcfg_set_str(cfg, "CodeSha256", code->sha256);
}

cJSON *lcreate_config(const struct lcreate *c, const char *arn, const struct lcode_stored *code,
                      const char *last_modified, const char *revision_id) {
    cJSON *cfg = cJSON_CreateObject();
    lcfg_set_str(cfg, "FunctionName", c->ref.name);
    lcfg_set_str(cfg, "FunctionArn", arn);
    lcfg_apply(&c->cfg, cfg, 1);
    lcode_apply(cfg, NULL, code);
    lcfg_set_str(cfg, "LastModified", last_modified);
    lcfg_set_str(cfg, "Version", "$LATEST");
    lcfg_set_str(cfg, "RevisionId", revision_id);
    lcfg_set_str(cfg, "PackageType", "Zip");
    cJSON *ar = cJSON_CreateArray();
    cJSON_AddItemToArray(ar, cJSON_CreateString(c->cfg.architecture ? c->cfg.architecture : "x86_64"));
    lcfg_set(cfg, "Architectures", ar);
    lcfg_set_str(cfg, "State", "Active");
    lcfg_set_str(cfg, "LastUpdateStatus", "Successful");
    lcfg_runtime_version(cfg);
    return cfg;
}
