/*
 * A function's configuration as CreateFunction, UpdateFunctionConfiguration
 * and UpdateFunctionCode change it, in two steps (the Redis
 * streamParseAddOrTrimArgsOrReply shape, docs/house-style.md section 4):
 *
 *   1. parse: read every member of the request body, check it and record
 *      AWS's error on the way (the _or_fail functions), into a struct;
 *      nothing is changed and nothing but the body (and, for updates, the
 *      RevisionId of $LATEST) is read;
 *   2. apply: write the struct into the FunctionConfiguration document,
 *      with functions that cannot fail (they only build cJSON nodes).
 *
 * Storing the uploaded zip sits between the two and is the handler's
 * (api/lambda.c). Messages are AWS's (docs/aws-reference.md B2, B3). The
 * checks run in a fixed order and the first failure is the one reported,
 * except the model's constraints on the scalar members, which are
 * reported together as AWS does ("N validation errors detected: ...").
 * Used by api/lambda.c only.
 */
#ifndef SLUICE_API_LAMBDA_CONFIG_H
#define SLUICE_API_LAMBDA_CONFIG_H

#include "engine/arn.h"

#include <stddef.h>
#include <stdint.h>

struct cJSON;
struct req;

/* EphemeralStorage.Size of a function that sets none (MB), the bottom of
 * AWS's 512..10240 range [docs/aws-reference.md B2]. */
#define LCFG_EPHEMERAL_DEFAULT 512

/* AWS's limit on a zip uploaded in the request itself, in bytes
 * [docs/aws-reference.md B2, limits]. */
#define LCFG_MAX_ZIP 52428800u
/* A zip read from S3 (Code.S3Bucket) has no upload limit of its own, only
 * the deployment package's unzipped limit, 250 MB (Lambda quotas). */
#define LCFG_MAX_UNZIPPED 262144000u

/* The configuration members of CreateFunction and UpdateFunctionConfiguration,
 * checked. Strings and nodes are borrowed from the request body they were
 * parsed from and live as long as it. A NULL string, NULL node or 0 has_
 * flag means the member was absent (or JSON null). */
struct lcfg {
    const char *role;               /* a role ARN */
    const char *handler;            /* 1..128 characters, no white space */
    const char *description;        /* at most 256 characters */
    const char *runtime;            /* a supported runtime */
    const char *kms_key_arn;        /* "" removes the key */
    const char *architecture;       /* "x86_64" or "arm64"; CreateFunction only */
    int has_timeout, has_memory;
    int64_t timeout;                /* 1..900 */
    int64_t memory;                 /* 128..10240 */
    int has_environment;
    const struct cJSON *env_vars;   /* Environment.Variables: strings; NULL when none */
    int has_tracing;
    const char *tracing_mode;       /* "Active", "PassThrough", NULL (PassThrough) */
    int has_dead_letter;
    const char *dead_letter_target; /* NULL or "" removes DeadLetterConfig */
    int has_ephemeral;
    int64_t ephemeral_size;         /* 512..10240; LCFG_EPHEMERAL_DEFAULT when not given */
    const struct cJSON *layers;     /* array of at most 5 layer ARN strings */
    int has_vpc;
    const struct cJSON *subnet_ids; /* VpcConfig.SubnetIds when an array, else NULL */
    const struct cJSON *security_group_ids; /* VpcConfig.SecurityGroupIds likewise */
    int has_snap_start;
    const char *snap_apply_on;      /* NULL: "None" */
    int has_logging;
    const char *log_format;         /* NULL: "Text" */
    const char *log_group;          /* NULL: the current group, else /aws/lambda/<name> */
};

/* An uploaded zip (Code.ZipFile, or UpdateFunctionCode's ZipFile),
 * decoded from base64 and within LCFG_MAX_ZIP. Whether it is a zip is
 * for unzip_check (runtime/unzip.h). */
struct lcode {
    unsigned char *zip;   /* owned: lcode_clear */
    size_t nzip;
};

/* What storing an lcode gave: its size and base64 SHA-256. */
struct lcode_stored {
    size_t size;
    char sha256[45];
};

/* CreateFunction's body, checked. Borrows from the body like lcfg. */
struct lcreate {
    struct fn_ref ref;              /* the new function's name, no qualifier */
    const struct cJSON *tags;       /* object of strings, or NULL */
    int publish;
    struct lcfg cfg;                /* cfg.runtime and cfg.handler are set */
    struct lcode code;              /* owned: lcreate_clear */
};

/* UpdateFunctionCode's body, checked. */
struct lupdate_code {
    int publish;
    int dry_run;
    const char *architecture;       /* "x86_64", "arm64", or NULL: unchanged */
    struct lcode code;              /* owned: lcode_clear */
};

/* ---- Parsing: read-only, errors recorded in REQ ---- */

/* Fills *OUT (zeroed first) from IN, a CreateFunction body when CREATE
 * and an UpdateFunctionConfiguration body otherwise. Checks, in this
 * order: member types; the model's constraints together (role,
 * architectures and a missing role on create, handler, description,
 * timeout, memory); the runtime; the nested members' types; the
 * environment; tracing mode; ephemeral storage; layers. Returns 0, or -1
 * with the first failure recorded in REQ. Borrows from IN. Reads nothing
 * else (REQ is only written). Thread: the request's. */
int lcfg_parse_or_fail(struct req *req, struct cJSON *in, int create, struct lcfg *out);

/* Parses a CreateFunction body: the name and the members only Create has,
 * then lcfg_parse_or_fail, the mandatory Runtime and Handler, tags and the
 * zip. Returns 0, or -1 with the error recorded (*OUT then owns nothing).
 * Reads nothing but IN and REQ's account and region. Free with
 * lcreate_clear (also after a failure). */
int lcreate_parse_or_fail(struct req *req, struct cJSON *in, struct lcreate *out);
void lcreate_clear(struct lcreate *c);

/* Parses an UpdateFunctionConfiguration body for a function whose $LATEST
 * has RevisionId CURRENT_REV (NULL when it has none): a RevisionId in IN
 * that differs is a 412. Returns 0 or -1 as lcfg_parse_or_fail. */
int lupdate_config_parse_or_fail(struct req *req, struct cJSON *in, const char *current_rev,
                                 struct lcfg *out);

/* Parses an UpdateFunctionCode body, checking RevisionId as above, then
 * Architectures, then the zip. Returns 0 or -1 (*OUT then owns nothing);
 * free with lcode_clear(&out->code). */
int lupdate_code_parse_or_fail(struct req *req, struct cJSON *in, const char *current_rev,
                               struct lupdate_code *out);

/* Reads the zip of CODE (the Code object of CreateFunction, or the whole
 * UpdateFunctionCode body): refuses images and S3 sources, decodes it and
 * checks its size. Returns 0 with *OUT owning the bytes, or -1 with the
 * error recorded and *OUT empty. */
int lcode_parse_or_fail(struct req *req, struct cJSON *code, struct lcode *out);
void lcode_clear(struct lcode *c);

/* AWS's message for an upload that is not a zip it can unpack
 * [docs/aws-reference.md B3]. */
extern const char LCODE_UNZIP_FAILED[];

/* 0 when WANTED (a request's RevisionId, NULL when absent) is NULL or
 * equals CURRENT (NULL when the document has none); else records AWS's
 * 412 PreconditionFailedException and returns -1. */
int lrevision_check_or_fail(struct req *req, const char *wanted, const char *current);

/* ---- Applying: cannot fail ---- */

/* Writes C into CFG, a FunctionConfiguration document. CREATE (CFG new,
 * holding FunctionName) first sets the defaults of a new function; an
 * update changes only the members C has. Reads CFG's FunctionName and
 * LoggingConfig for the default log group. */
void lcfg_apply(const struct lcfg *c, struct cJSON *cfg, int create);

/* Returns the $LATEST document of the function C creates (owned by the
 * caller): the name, ARN (unqualified) and configuration with its
 * defaults, the stored CODE, LAST_MODIFIED and REVISION_ID, and the
 * members Lambda sets itself. */
struct cJSON *lcreate_config(const struct lcreate *c, const char *arn, const struct lcode_stored *code,
                             const char *last_modified, const char *revision_id);

/* Writes UpdateFunctionCode's ARCHITECTURE (NULL: keep) and the stored
 * CODE into CFG. */
void lcode_apply(struct cJSON *cfg, const char *architecture, const struct lcode_stored *code);

/* Sets RuntimeVersionConfig from CFG's Runtime (a stable ARN per runtime),
 * or removes it when CFG has no Runtime. */
void lcfg_runtime_version(struct cJSON *cfg);

/* Sets member KEY of OBJ to ITEM (taken), in place when KEY exists (so
 * the members keep their order), else appended. */
void lcfg_set(struct cJSON *obj, const char *key, struct cJSON *item);
void lcfg_set_str(struct cJSON *obj, const char *key, const char *v);
void lcfg_set_num(struct cJSON *obj, const char *key, double v);

#endif
