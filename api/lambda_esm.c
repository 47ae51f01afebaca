/*
 * Event source mappings, control plane (docs/aws-reference.md D1-D2): Create /
 * Get / Update / Delete / ListEventSourceMappings under
 * /2015-03-31/event-source-mappings. Only DynamoDB streams are sources.
 * The API writes the transitional state AWS shows (Creating, Updating,
 * Enabling, Disabling, Deleting) and kicks the manager in engine/esm.c,
 * which settles it; the pollers read the rows (storage/store_esm.h).
 *
 * Where the reference gives no message, the choice is marked [?] here.
 */
#include "api/aws_error.h"
#include "api/lambda_int.h"
#include "api/validate.h"
#include "base/clock.h"
#include "engine/esm.h"
#include "engine/esm_filter.h"
#include "engine/esm_settings.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_ddb.h"
#include "storage/store_esm.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char NOT_FOUND_MSG[] = "The resource you requested does not exist.";
static const char SOURCE_ARN_PATTERN[] =
    "arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:([a-z]{2}(-gov)?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)";

/* Longest EventSourceArn / destination ARN looked at. The model has no
 * maximum for Arn; a stream ARN is under 400 characters (a 255-character
 * table name and a label), and DestinationArn stops at 350. */
#define ESM_MAX_ARN 1024

/* ------------------------------------------------------------------ */
/* Small checks                                                         */
/* ------------------------------------------------------------------ */

static size_t span(const char *p, const char *set) { return strspn(p, set); }

#define LOWER "abcdefghijklmnopqrstuvwxyz"
#define UPPER "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#define DIGITS "0123456789"

/* The model's Arn pattern (SOURCE_ARN_PATTERN). Fills SERVICE (size N)
 * with the service part when it matches. */
static int arn_ok(const char *z, char *service, size_t n) {
    if (strncmp(z, "arn:aws", 7) != 0) return 0;
    const char *p = z + 7;
    p += span(p, LOWER UPPER DIGITS "-");
    if (*p++ != ':') return 0;
    size_t ns = span(p, LOWER UPPER DIGITS "-");
    if (ns == 0 || p[ns] != ':') return 0;
    snprintf(service, n, "%.*s", (int)ns, p);
    p += ns + 1;
    if (*p != ':') {   /* region: [a-z]{2}(-gov)?-[a-z]+-\d */
        if (span(p, LOWER) < 2) return 0;
        p += 2;
        if (strncmp(p, "-gov", 4) == 0) p += 4;
        if (*p++ != '-') return 0;
        size_t nl = span(p, LOWER);
        if (nl == 0) return 0;
        p += nl;
        if (*p++ != '-') return 0;
        if (span(p, DIGITS) != 1) return 0;
        p++;
    }
    if (*p++ != ':') return 0;
    size_t na = span(p, DIGITS);
    if (na != 0 && na != 12) return 0;
    p += na;
    return *p == ':';
}

/* Records the Coral-style error of a source ARN that fails the pattern. */
static void bad_arn(struct vlist *vl, const char *z, const char *field) {
    char c[256];
    snprintf(c, sizeof(c), "Member must satisfy regular expression pattern: %s", SOURCE_ARN_PATTERN);
    vl_add(vl, z, field, c);
}

static int is_transitional(const char *state) {
    return strcmp(state, "Creating") == 0 || strcmp(state, "Updating") == 0 ||
           strcmp(state, "Enabling") == 0 || strcmp(state, "Disabling") == 0 ||
           strcmp(state, "Deleting") == 0;
}

static void set_item(cJSON *obj, const char *key, cJSON *item) {
    if (cJSON_GetObjectItemCaseSensitive(obj, key))
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
    else
        cJSON_AddItemToObject(obj, key, item);
}

/* ------------------------------------------------------------------ */
/* Function resolution                                                  */
/* ------------------------------------------------------------------ */

/* A FunctionName resolved for a mapping. */
struct esm_fn {
    char name[ARN_MAX_NAME + 1];
    char qualifier[ARN_MAX_QUALIFIER + 1];
    char arn[512];    /* FunctionArn: qualified when a qualifier was given */
};

/* Resolves Z (any form of docs/aws-reference.md C) to an existing function, and
 * its version or alias when qualified ($LATEST is accepted and kept in
 * the ARN, as given). A missing function, version or alias is AWS's 400
 * "Function does not exist". Returns 0 or -1 with the error recorded. */
static int resolve_function(struct req *req, const char *z, struct esm_fn *out) {
    struct lfn f;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (lfn_load(req, z, ARN_SHAPE_NAMESPACED, LFN_NO_LOAD, &f) != 0) goto out;
    /* The namespaced shape also admits '.' in names and $LATEST.PUBLISHED;
     * neither can name a mapping's target. */
    int exists = strchr(f.ref.name, '.') == NULL && strlen(f.qualifier) <= ARN_MAX_QUALIFIER &&
                 strcmp(f.qualifier, "$LATEST.PUBLISHED") != 0;
    int src = STORE_OK;
    if (exists) {
        src = store_fn_get(lscope(req), f.ref.name, &f.row);
        if (src == STORE_NOTFOUND) exists = 0, src = STORE_OK;
    }
    if (exists && src == STORE_OK && f.qualifier[0] && strcmp(f.qualifier, "$LATEST") != 0) {
        char *text = NULL;
        if (arn_is_version(f.qualifier))
            src = strlen(f.qualifier) > 9 ? STORE_NOTFOUND
                                          : store_ver_get(lscope(req), f.ref.name, atoi(f.qualifier), &text);
        else
            src = store_alias_get(lscope(req), f.ref.name, f.qualifier, &text);
        free(text);
        if (src == STORE_NOTFOUND) exists = 0, src = STORE_OK;
    }
    if (src == STORE_OK && exists) {
        /* Lengths were checked above (lfn_load refuses names over 64). */
        memcpy(out->name, f.ref.name, strlen(f.ref.name) + 1);
        memcpy(out->qualifier, f.qualifier, strlen(f.qualifier) + 1);
        lfn_arn(req, out->name, out->qualifier[0] ? out->qualifier : NULL, out->arn, sizeof(out->arn));
    }
    if (src != STORE_OK) lstore_fail(req, src);
    else if (!exists) req_fail(req, &AWSERR_INVALID_PARAMETER, "Function does not exist");
    else rc = 0;
out:
    lfn_free(&f);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Settings                                                             */
/* ------------------------------------------------------------------ */

/* "[a, b]" of a JSON string array, as AWS quotes list values. */
static void list_text(const cJSON *arr, char *buf, size_t n) {
    size_t len = (size_t)snprintf(buf, n, "[");
    for (const cJSON *e = arr->child; e && len < n; e = e->next)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", e == arr->child ? "" : ", ",
                                cJSON_IsString(e) ? e->valuestring : "null");
    if (len < n) snprintf(buf + len, n - len, "]");
}

/* The DestinationConfig member DEST: OnSuccess is refused for stream
 * sources; OnFailure's Destination must be an SQS queue, SNS topic or S3
 * bucket. Sets *ON_FAILURE to it (borrowed from DEST; NULL or "" for
 * none). Returns 0 or -1 with the error recorded. */
static int parse_destination_or_fail(struct req *req, cJSON *dest, const char **on_failure) {
    cJSON *ok = NULL, *of = NULL;
    const char *d = NULL, *sd = NULL;
    *on_failure = NULL;
    if (jget_obj(req, dest, "OnSuccess", &ok) < 0 || jget_obj(req, dest, "OnFailure", &of) < 0)
        return -1;
    if (ok && jget_str(req, ok, "Destination", &sd) < 0) return -1;
    if (sd && *sd)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "Unsupported DestinationConfig parameter for given event source mapping type.");
    if (of && jget_str(req, of, "Destination", &d) < 0) return -1;
    if (d && *d) {
        char service[64] = "";
        if (strlen(d) > 350) {
            struct vlist vl = {0};
            vl_add(&vl, d, "destinationConfig.onFailure.destination",
                   "Member must have length less than or equal to 350");
            return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION);
        }
        if (!arn_ok(d, service, sizeof(service)) ||
            (strcmp(service, "sqs") != 0 && strcmp(service, "sns") != 0 && strcmp(service, "s3") != 0)) {
            /* [?] AWS's wording for an unsupported destination type is
             * not recorded; this names what is accepted. */
            return req_fail(req, &AWSERR_INVALID_PARAMETER,
                            "The destination ARN %.400s is not supported. Specify an Amazon SQS "
                            "queue, an Amazon SNS topic or an Amazon S3 bucket.",
                            d);
        }
    }
    *on_failure = d;
    return 0;
}

/* The settings members of a Create or Update request, checked: what
 * apply_settings writes. Pointers are borrowed from the request body,
 * which must outlive the struct. */
struct esm_settings_in {
    int create;                          /* CreateEventSourceMapping (else Update) */
    int64_t v[ESM_INT_SETTING_COUNT];    /* given, or the default (ESM_INT_SETTINGS) */
    int has[ESM_INT_SETTING_COUNT];      /* ... given */
    int bisect, has_bisect;              /* BisectBatchOnFunctionError */
    const char *start;                   /* Create: StartingPosition (set once parsed) */
    const cJSON *types;                  /* FunctionResponseTypes, NULL when not given */
    const cJSON *filters;                /* FilterCriteria, NULL when not given */
    int nfilters;                        /* ... its filters (0 clears the stored ones) */
    const cJSON *dest;                   /* DestinationConfig, NULL when not given */
    const char *on_failure;              /* ... its OnFailure destination, NULL or "" none */
};

/* The Coral-style range and enum failures of S, reported together as
 * AWS does. Returns 0 or -1 with the error recorded. */
static int check_ranges_or_fail(struct req *req, const struct esm_settings_in *s) {
    struct vlist vl = {0};
    for (int i = 0; i < ESM_INT_SETTING_COUNT; i++) {
        const struct esm_int_setting_def *d = &ESM_INT_SETTINGS[i];
        if (!s->has[i]) continue;
        char c[96];
        if (s->v[i] < d->min) {
            snprintf(c, sizeof(c), "Member must have value greater than or equal to %lld", (long long)d->min);
            vl_add_num(&vl, (double)s->v[i], d->field, c);
        } else if (s->v[i] > d->max) {
            snprintf(c, sizeof(c), "Member must have value less than or equal to %lld", (long long)d->max);
            vl_add_num(&vl, (double)s->v[i], d->field, c);
        }
    }
    if (s->start && strcmp(s->start, "TRIM_HORIZON") != 0 && strcmp(s->start, "LATEST") != 0 &&
        strcmp(s->start, "AT_TIMESTAMP") != 0)
        vl_add(&vl, s->start, "startingPosition",
               "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]");
    if (s->types) {
        char text[512];
        list_text(s->types, text, sizeof(text));
        if (cJSON_GetArraySize(s->types) > 1)
            vl_add(&vl, text, "functionResponseTypes", "Member must have length less than or equal to 1");
        for (const cJSON *e = s->types->child; e; e = e->next) {
            if (!cJSON_IsString(e) || strcmp(e->valuestring, "ReportBatchItemFailures") != 0) {
                vl_add(&vl, text, "functionResponseTypes",
                       "Member must satisfy constraint: [Member must satisfy enum value set: "
                       "[ReportBatchItemFailures]]");
                break;
            }
        }
    }
    return vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION) ? -1 : 0;
}

/* Reads and checks the settings members of IN (Create when CREATE is
 * set, else Update) into S: type errors first, then the Coral-style
 * failures together, then the InvalidParameterValue rules, as AWS
 * orders them. Writes nothing else. Returns 0 or -1 with the error
 * recorded. */
static int parse_settings_or_fail(struct req *req, cJSON *in, int create, struct esm_settings_in *s) {
    memset(s, 0, sizeof(*s));
    s->create = create;
    for (int i = 0; i < ESM_INT_SETTING_COUNT; i++) {
        s->v[i] = ESM_INT_SETTINGS[i].def;
        if ((s->has[i] = jget_int(req, in, ESM_INT_SETTINGS[i].key, &s->v[i])) < 0) return -1;
    }
    cJSON *types = NULL, *filters = NULL, *dest = NULL;
    if ((s->has_bisect = jget_bool(req, in, "BisectBatchOnFunctionError", &s->bisect)) < 0 ||
        (create && jget_str(req, in, "StartingPosition", &s->start) < 0) ||
        jget_arr(req, in, "FunctionResponseTypes", &types) < 0 ||
        jget_obj(req, in, "FilterCriteria", &filters) < 0 || jget_obj(req, in, "DestinationConfig", &dest) < 0)
        return -1;
    s->types = types;
    if (check_ranges_or_fail(req, s) != 0) return -1;

    if (create && s->start == NULL)
        return req_fail(req, &AWSERR_INVALID_PARAMETER,
                        "1 validation error detected: Value null at 'startingPosition' failed to "
                        "satisfy constraint: Member must not be null.");
    /* The service's rule inside the model's range (MaximumRecordAgeInSeconds:
     * -1 or 60 and up; message seen on AWS). */
    for (int i = 0; i < ESM_INT_SETTING_COUNT; i++) {
        const struct esm_int_setting_def *d = &ESM_INT_SETTINGS[i];
        if (s->has[i] && d->service_min && s->v[i] >= 0 && s->v[i] < d->service_min)
            return req_fail(req, &AWSERR_INVALID_PARAMETER,
                            "%s must be either -1 (forever) or between %lld and %lld (inclusive)", d->key,
                            (long long)d->service_min, (long long)d->max);
    }
    if (filters) {
        char err[256];
        struct esm_filter_set *fs = esm_filter_set_new(filters, err, sizeof(err));
        if (fs == NULL) return req_fail(req, &AWSERR_INVALID_PARAMETER, "Invalid filter pattern definition.");
        s->nfilters = esm_filter_set_count(fs);
        esm_filter_set_free(fs);
        s->filters = filters;
    }
    if (dest && parse_destination_or_fail(req, dest, &s->on_failure) != 0) return -1;
    s->dest = dest;
    return 0;
}

/* Writes S into CFG, the stored configuration (Create: an empty object,
 * which gets every default; Update: the stored one, of which only the
 * given members change). Cannot fail. */
static void apply_settings(const struct esm_settings_in *s, cJSON *cfg) {
    if (s->create) {
        assert(s->start != NULL);   /* parse_settings_or_fail refuses a Create without it */
        set_item(cfg, "StartingPosition", cJSON_CreateString(s->start));
        for (int i = 0; i < ESM_INT_SETTING_COUNT; i++)
            set_item(cfg, ESM_INT_SETTINGS[i].key, cJSON_CreateNumber((double)s->v[i]));
        set_item(cfg, "BisectBatchOnFunctionError", cJSON_CreateBool(s->bisect));
        set_item(cfg, "FunctionResponseTypes", cJSON_CreateArray());
        cJSON *d = cJSON_CreateObject();
        cJSON_AddObjectToObject(d, "OnFailure");
        set_item(cfg, "DestinationConfig", d);
    } else {
        for (int i = 0; i < ESM_INT_SETTING_COUNT; i++)
            if (s->has[i]) set_item(cfg, ESM_INT_SETTINGS[i].key, cJSON_CreateNumber((double)s->v[i]));
        if (s->has_bisect) set_item(cfg, "BisectBatchOnFunctionError", cJSON_CreateBool(s->bisect));
    }
    if (s->types) set_item(cfg, "FunctionResponseTypes", cJSON_Duplicate(s->types, 1));
    if (s->dest) {
        /* Stored as {"OnFailure":{}} or with its Destination. */
        cJSON *d = cJSON_CreateObject();
        cJSON *f = cJSON_AddObjectToObject(d, "OnFailure");
        if (s->on_failure && *s->on_failure) cJSON_AddStringToObject(f, "Destination", s->on_failure);
        set_item(cfg, "DestinationConfig", d);
    }
    if (s->filters && s->nfilters > 0) {
        /* Stored as given (Patterns only). */
        cJSON *fc = cJSON_CreateObject();
        cJSON *arr = cJSON_AddArrayToObject(fc, "Filters");
        const cJSON *fl = cJSON_GetObjectItemCaseSensitive(s->filters, "Filters");
        for (const cJSON *e = fl->child; e; e = e->next) {
            cJSON *one = cJSON_CreateObject();
            cJSON_AddStringToObject(one, "Pattern", cJSON_GetObjectItemCaseSensitive(e, "Pattern")->valuestring);
            cJSON_AddItemToArray(arr, one);
        }
        set_item(cfg, "FilterCriteria", fc);
    } else if (s->filters) {
        /* No filters clears them. */
        cJSON_DeleteItemFromObjectCaseSensitive(cfg, "FilterCriteria");
    }
}

/* ------------------------------------------------------------------ */
/* Output                                                               */
/* ------------------------------------------------------------------ */

/* EventSourceMappingConfiguration of M (docs/aws-reference.md D2). */
static cJSON *mapping_out(const struct store_esm *m) {
    cJSON *o = cJSON_CreateObject();
    cJSON *cfg = cJSON_Parse(m->config ? m->config : "{}");
    cJSON_AddStringToObject(o, "UUID", m->uuid);
    static const char *const keys[] = {"StartingPosition", "BatchSize", "MaximumBatchingWindowInSeconds",
                                       "ParallelizationFactor"};
    for (size_t i = 0; i < NELEM(keys); i++) {
        cJSON *it = cJSON_GetObjectItemCaseSensitive(cfg, keys[i]);
        if (it) cJSON_AddItemToObject(o, keys[i], cJSON_Duplicate(it, 1));
    }
    cJSON_AddStringToObject(o, "EventSourceArn", m->source_arn ? m->source_arn : "");
    cJSON *fc = cJSON_GetObjectItemCaseSensitive(cfg, "FilterCriteria");
    if (fc) cJSON_AddItemToObject(o, "FilterCriteria", cJSON_Duplicate(fc, 1));
    cJSON_AddStringToObject(o, "FunctionArn", m->function_arn ? m->function_arn : "");
    cJSON_AddNumberToObject(o, "LastModified", (double)m->last_modified_ms / 1000.0);
    cJSON_AddStringToObject(o, "LastProcessingResult", m->last_result);
    cJSON_AddStringToObject(o, "State", m->state);
    cJSON_AddStringToObject(o, "StateTransitionReason", m->state_reason);
    static const char *const rest[] = {"DestinationConfig", "MaximumRecordAgeInSeconds",
                                       "BisectBatchOnFunctionError", "MaximumRetryAttempts",
                                       "TumblingWindowInSeconds", "FunctionResponseTypes"};
    for (size_t i = 0; i < NELEM(rest); i++) {
        cJSON *it = cJSON_GetObjectItemCaseSensitive(cfg, rest[i]);
        if (it) cJSON_AddItemToObject(o, rest[i], cJSON_Duplicate(it, 1));
    }
    char arn[256];
    snprintf(arn, sizeof(arn), "arn:aws:lambda:%s:%s:event-source-mapping:%s", m->region, m->account,
             m->uuid);
    cJSON_AddStringToObject(o, "EventSourceMappingArn", arn);
    cJSON_Delete(cfg);
    return o;
}

/* ------------------------------------------------------------------ */
/* Lookups                                                              */
/* ------------------------------------------------------------------ */

/* Loads mapping UUID of the caller's scope into OUT; 404 otherwise. */
static int load_mapping(struct req *req, const char *uuid, struct store_esm *out) {
    int rc = uuid ? store_esm_get(uuid, out) : STORE_NOTFOUND;
    if (rc == STORE_OK &&
        (strcmp(out->account, req->account) != 0 || strcmp(out->region, req->region) != 0)) {
        store_esm_clear(out);
        rc = STORE_NOTFOUND;
    }
    if (rc == STORE_NOTFOUND) return req_fail(req, &AWSERR_LAMBDA_NOT_FOUND, "%s", NOT_FOUND_MSG);
    if (rc != STORE_OK) return lstore_fail(req, rc);
    return 0;
}

struct dup_scan {
    const char *function_arn;
    const char *skip_uuid;   /* the mapping being updated, or NULL */
    char found[37];
};

static int dup_row(void *ctx, const struct store_esm *m) {
    struct dup_scan *d = ctx;
    if (d->skip_uuid && strcmp(m->uuid, d->skip_uuid) == 0) return 0;
    if (m->function_arn && strcmp(m->function_arn, d->function_arn) == 0) {
        snprintf(d->found, sizeof(d->found), "%s", m->uuid);
        return 1;
    }
    return 0;
}

/* 409 when another mapping joins SOURCE to FN's FunctionArn. GIVEN is the
 * FunctionName as the caller spelled it (AWS quotes it). Two mappings on
 * one stream are duplicates only with the same resolved ARN, so "fn" and
 * "fn:live" may coexist [LS; AWS ?]. */
static int check_duplicate(struct req *req, const char *source, const struct esm_fn *fn,
                           const char *given, const char *skip_uuid) {
    struct dup_scan d = {fn->arn, skip_uuid, ""};
    int rc = store_esm_list(lscope(req), source, fn->name, NULL, 1 << 30, dup_row, &d);
    if (rc != STORE_OK) return lstore_fail(req, rc);
    if (d.found[0])
        return req_fail(req, &AWSERR_RESOURCE_CONFLICT,
                        "The event source arn (\" %s \") and function (\" %s \") provided mapping "
                        "already exists. Please update or delete the existing mapping with UUID %s",
                        source, given, d.found);
    return 0;
}

/* Saves M (INSERT or replace), kicks the manager and replies STATUS with
 * the mapping. */
static int save_reply(struct req *req, struct store_esm *m, int insert, int status) {
    int rc = store_esm_put(m, insert);
    if (rc != STORE_OK) return lstore_fail(req, rc);
    esm_kick();
    return req_reply_json(req, status, mapping_out(m));
}

/* ------------------------------------------------------------------ */
/* Operations                                                           */
/* ------------------------------------------------------------------ */

int lambda_create_esm(struct req *req, struct op_in *a) {
    (void)a; /* Unused. */
    cJSON *in = NULL, *cfg = NULL, *tags = NULL;
    struct store_esm m;
    struct store_stream st;
    memset(&m, 0, sizeof(m));
    memset(&st, 0, sizeof(st));
    int rc = -1;
    const char *source = NULL, *name = NULL;
    int enabled = 1;
    if (json_body(req, &in) != 0) goto out;
    cJSON *given_tags = NULL;
    if (jget_str(req, in, "EventSourceArn", &source) < 0 || jget_str(req, in, "FunctionName", &name) < 0 ||
        jget_bool(req, in, "Enabled", &enabled) < 0 || jget_obj(req, in, "Tags", &given_tags) < 0)
        goto out;
    char service[64] = "";
    struct vlist vl = {0};
    if (source && (strlen(source) > ESM_MAX_ARN || !arn_ok(source, service, sizeof(service))))
        bad_arn(&vl, source, "eventSourceArn");
    if (name == NULL) vl_add(&vl, NULL, "functionName", "Member must not be null");
    if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) goto out;

    struct esm_settings_in set;
    if (parse_settings_or_fail(req, in, 1, &set) != 0) goto out;
    /* Sources other than DynamoDB streams (SQS, Kinesis, Kafka, MQ,
     * DocumentDB) are not emulated: they are refused with AWS's message
     * for a source it does not recognise. */
    if (source == NULL || strcmp(service, "dynamodb") != 0 || strstr(source, "/stream/") == NULL) {
        req_fail(req, &AWSERR_INVALID_PARAMETER, "Unrecognized event source.");
        goto out;
    }
    struct esm_fn fn;
    if (resolve_function(req, name, &fn) != 0) goto out;
    int src = store_stream_get(source, &st);
    if (src == STORE_OK && (strcmp(st.account, req->account) != 0 || strcmp(st.region, req->region) != 0))
        src = STORE_NOTFOUND;
    if (src == STORE_NOTFOUND) {
        req_fail(req, &AWSERR_INVALID_PARAMETER, "Stream not found: %s", source);
        goto out;
    }
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    if (strcmp(set.start, "AT_TIMESTAMP") == 0) {
        req_fail(req, &AWSERR_INVALID_PARAMETER, "Unsupported starting position for arn type: %s", source);
        goto out;
    }
    if (check_duplicate(req, source, &fn, name, NULL) != 0) goto out;
    tags = cJSON_CreateObject();
    if (given_tags && ltags_merge(req, tags, given_tags) != 0) goto out;

    cfg = cJSON_CreateObject();
    apply_settings(&set, cfg);
    util_uuid(m.uuid);
    snprintf(m.account, sizeof(m.account), "%s", req->account);
    snprintf(m.region, sizeof(m.region), "%s", req->region);
    snprintf(m.function_name, sizeof(m.function_name), "%s", fn.name);
    snprintf(m.qualifier, sizeof(m.qualifier), "%s", fn.qualifier);
    m.function_arn = xstrdup(fn.arn);
    m.source_arn = xstrdup(source);
    m.config = cJSON_PrintUnformatted(cfg);
    snprintf(m.state, sizeof(m.state), "Creating");
    snprintf(m.state_reason, sizeof(m.state_reason), "User action");
    snprintf(m.last_result, sizeof(m.last_result), "No records processed");
    m.enabled = enabled;
    m.created_ms = m.last_modified_ms = clock_now_ms();
    m.generation = 1;
    /* Tags are kept beside the mapping's row; the configuration AWS
     * returns has none (ListTags reads them). */
    char *text = cJSON_PrintUnformatted(tags);
    int trc = store_esm_put(&m, 1);
    if (trc == STORE_OK) trc = store_esm_tags_set(m.uuid, text);
    free(text);
    if (trc != STORE_OK) {
        lstore_fail(req, trc);
        goto out;
    }
    esm_kick();
    rc = req_reply_json(req, 202, mapping_out(&m));
out:
    cJSON_Delete(tags);
    store_stream_clear(&st);
    store_esm_clear(&m);
    cJSON_Delete(cfg);
    cJSON_Delete(in);
    return rc;
}

int lambda_get_esm(struct req *req, struct op_in *a) {
    struct store_esm m;
    if (load_mapping(req, a->sub, &m) != 0) return -1;
    int rc = req_reply_json(req, 200, mapping_out(&m));
    store_esm_clear(&m);
    return rc;
}

int lambda_update_esm(struct req *req, struct op_in *a) {
    cJSON *in = NULL, *cfg = NULL;
    struct store_esm m;
    memset(&m, 0, sizeof(m));
    int rc = -1;
    const char *name = NULL;
    int enabled = 0, has_enabled = 0;
    if (json_body(req, &in) != 0) goto out;
    if (jget_str(req, in, "FunctionName", &name) < 0 ||
        (has_enabled = jget_bool(req, in, "Enabled", &enabled)) < 0)
        goto out;
    if (load_mapping(req, a->sub, &m) != 0) goto out;
    cfg = cJSON_Parse(m.config ? m.config : "{}");
    if (cfg == NULL) {
        lstore_fail(req, STORE_ERR);
        goto out;
    }
    struct esm_settings_in set;
    if (parse_settings_or_fail(req, in, 0, &set) != 0) goto out;
    /* [?] AWS documents ResourceInUse for an update while Creating or
     * Updating, without the message; Enabling, Disabling and Deleting are
     * transitional too and refused the same way (which also keeps the API
     * off rows the manager is settling; see lambda_delete_esm). */
    if (is_transitional(m.state)) {
        req_fail(req, &AWSERR_RESOURCE_IN_USE,
                 "Cannot update the event source mapping %s because it is in use (state: %s).",
                 m.uuid, m.state);
        goto out;
    }
    if (name) {
        struct esm_fn fn;
        if (resolve_function(req, name, &fn) != 0) goto out;
        if (check_duplicate(req, m.source_arn, &fn, name, m.uuid) != 0) goto out;
        snprintf(m.function_name, sizeof(m.function_name), "%s", fn.name);
        snprintf(m.qualifier, sizeof(m.qualifier), "%s", fn.qualifier);
        free(m.function_arn);
        m.function_arn = xstrdup(fn.arn);
    }
    const char *state = "Updating";
    if (has_enabled && !enabled && m.enabled) state = "Disabling";
    else if (has_enabled && enabled && !m.enabled) state = "Enabling";
    if (has_enabled) m.enabled = enabled;
    apply_settings(&set, cfg);
    snprintf(m.state, sizeof(m.state), "%s", state);
    snprintf(m.state_reason, sizeof(m.state_reason), "User action");
    free(m.config);
    m.config = cJSON_PrintUnformatted(cfg);
    m.last_modified_ms = clock_now_ms();
    m.generation++;
    rc = save_reply(req, &m, 0, 202);
out:
    store_esm_clear(&m);
    cJSON_Delete(cfg);
    cJSON_Delete(in);
    return rc;
}

int lambda_delete_esm(struct req *req, struct op_in *a) {
    struct store_esm m;
    if (load_mapping(req, a->sub, &m) != 0) return -1;
    int rc = -1;
    /* AWS refuses deleting a mapping that is being updated (ResourceInUse,
     * per the API reference; message [?]). sluice refuses every
     * transitional state, Creating included: the manager (engine/esm.c)
     * settles a state it read earlier without comparing, so a write to a
     * row it is settling could be overwritten (a delete undone). Writing
     * only settled rows keeps the two apart. */
    if (is_transitional(m.state)) {
        req_fail(req, &AWSERR_RESOURCE_IN_USE,
                 "Cannot delete the event source mapping %s because it is in use (state: %s).",
                 m.uuid, m.state);
    } else {
        snprintf(m.state, sizeof(m.state), "Deleting");
        snprintf(m.state_reason, sizeof(m.state_reason), "User action");
        m.generation++;
        rc = save_reply(req, &m, 0, 202);
    }
    store_esm_clear(&m);
    return rc;
}

struct list_acc {
    const char *function_arn;   /* only this FunctionArn, or NULL */
    int max;
    int n;
    int more;
    char last[37];
    cJSON *arr;
};

static int list_row(void *ctx, const struct store_esm *m) {
    struct list_acc *l = ctx;
    if (l->function_arn && (m->function_arn == NULL || strcmp(m->function_arn, l->function_arn) != 0))
        return 0;
    if (l->n == l->max) {
        l->more = 1;
        return 1;
    }
    cJSON_AddItemToArray(l->arr, mapping_out(m));
    snprintf(l->last, sizeof(l->last), "%s", m->uuid);
    l->n++;
    return 0;
}

int lambda_list_esm(struct req *req, struct op_in *a) {
    (void)a; /* Unused. */
    const char *source = req_query(req, "EventSourceArn");
    const char *name = req_query(req, "FunctionName");
    const char *marker = req_query(req, "Marker");
    int max;
    if (lmax_items(req, &max) != 0) return -1;
    struct vlist vl = {0};
    char service[64];
    if (source && (strlen(source) > ESM_MAX_ARN || !arn_ok(source, service, sizeof(service))))
        bad_arn(&vl, source, "eventSourceArn");
    if (vl_fail(req, &vl, &AWSERR_LAMBDA_VALIDATION)) return -1;

    int rc = -1;
    struct list_acc l = {NULL, max, 0, 0, "", cJSON_CreateArray()};
    char fname[ARN_MAX_NAME * 4 + 1] = "";
    char farn[512];
    if (name) {
        /* Any form of FunctionName. Unqualified: every mapping of the
         * function, whatever its qualifier; qualified: only that one
         * [docs/aws-reference.md I.2, chosen]. A function that does not exist
         * simply has no mappings. */
        struct lfn f;
        int bad = lfn_load(req, name, ARN_SHAPE_NAMESPACED, LFN_NO_LOAD, &f) != 0;
        if (!bad) {
            snprintf(fname, sizeof(fname), "%s", f.ref.name);
            if (f.qualifier[0]) {
                lfn_arn(req, f.ref.name, f.qualifier, farn, sizeof(farn));
                l.function_arn = farn;
            }
        }
        lfn_free(&f);
        if (bad) goto out;
    }
    int src = STORE_OK;
    if (strlen(fname) <= ARN_MAX_NAME)
        src = store_esm_list(lscope(req), source, name ? fname : NULL, marker, 1 << 30, list_row, &l);
    if (src != STORE_OK) {
        lstore_fail(req, src);
        goto out;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "EventSourceMappings", l.arr);
    l.arr = NULL;
    if (l.more) cJSON_AddStringToObject(o, "NextMarker", l.last);
    rc = req_reply_json(req, 200, o);
out:
    cJSON_Delete(l.arr);
    return rc;
}
