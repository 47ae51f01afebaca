/*
 * AWS STS (query protocol, Version 2011-06-15): GetCallerIdentity,
 * AssumeRole and GetSessionToken. Wire shapes: botocore's
 * sts/2011-06-15/service-2.json; replies in the
 * https://sts.amazonaws.com/doc/2011-06-15/ namespace.
 *
 * Temporary credentials are stored (storage/store_sts.h) so that a
 * request signed with their ASIA... key acts in the account they were
 * issued for (server/http.c looks the key up). No policy is evaluated:
 * any caller may assume any role ARN, as the role itself need not exist,
 * and expired keys keep mapping to their account. IAM is consulted for
 * one thing: a role it holds caps DurationSeconds at its
 * MaxSessionDuration.
 */
#include "api/api.h"
#include "api/aws_error.h"
#include "api/iam_int.h"
#include "api/op.h"
#include "api/query.h"
#include "api/request.h"
#include "api/sts_int.h"
#include "base/clock.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_iam.h"
#include "storage/store_sts.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STS_XMLNS "https://sts.amazonaws.com/doc/2011-06-15/"
/* Lengths of what AWS issues: a 20-character access key id, a
 * 40-character secret; session tokens vary, a few hundred characters. */
#define STS_KEY_RANDOM 16
#define STS_SECRET_LEN 40
#define STS_TOKEN_LEN 356

/* N random characters of ALPHABET into OUT (N + 1 bytes), drawn from
 * util_uuid's generator (ids for tests, not secrets). */
static void random_chars(char *out, size_t n, const char *alphabet) {
    size_t na = strlen(alphabet), k = 0;
    while (k < n) {
        char u[37];
        util_uuid(u);
        for (int i = 0; i + 1 < 36 && k < n; i += 2) {
            if (u[i] == '-' || u[i + 1] == '-') continue;
            unsigned v = (unsigned)strtoul((char[]){u[i], u[i + 1], 0}, NULL, 16);
            out[k++] = alphabet[v % na];
        }
    }
    out[n] = '\0';
}

/* The string parameter KEY of the form, or NULL. */
static const char *param(struct op_in *in, const char *key) {
    cJSON *v = cJSON_GetObjectItemCaseSensitive(in->json, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Records V's ValidationError; returns -1. */
static int fail_validation(struct req *req, const struct sts_verr *v) {
    char msg[1200];
    sts_verr_message(v, msg, sizeof(msg));
    return req_fail(req, &AWSERR_QUERY_VALIDATION, "%s", msg);
}

/* Issues and stores a new key for ACCOUNT, ARN and USER_ID valid for
 * DURATION_S seconds, and adds the Credentials member to OUT. Runs in the
 * handler's write transaction. Returns 0 or -1 (recorded). */
static int issue(struct req *req, cJSON *out, const char *account, const char *arn, const char *user_id,
                 long duration_s) {
    char akid[4 + STS_KEY_RANDOM + 1], secret[STS_SECRET_LEN + 1], token[STS_TOKEN_LEN + 1];
    memcpy(akid, "ASIA", 4);
    random_chars(akid + 4, STS_KEY_RANDOM, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
    random_chars(secret, STS_SECRET_LEN, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    random_chars(token, STS_TOKEN_LEN, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    int64_t expires = clock_now_ms() + (int64_t)duration_s * 1000;
    struct store_sts_key k = {akid, account, arn, user_id, secret, token, expires};
    int rc = store_sts_put(&k);
    if (rc != STORE_OK) return req_fail(req, &AWSERR_QUERY_INTERNAL, "The service cannot complete the request.");
    char iso[40];
    /* AWS writes Expiration without fractions: 2024-01-01T00:00:00Z. */
    util_iso_time(expires - expires % 1000, iso, sizeof(iso));
    char *dot = strchr(iso, '.');
    if (dot) memcpy(dot, "Z", 2);
    cJSON *c = cJSON_AddObjectToObject(out, "Credentials");
    cJSON_AddStringToObject(c, "AccessKeyId", akid);
    cJSON_AddStringToObject(c, "SecretAccessKey", secret);
    cJSON_AddStringToObject(c, "SessionToken", token);
    cJSON_AddStringToObject(c, "Expiration", iso);
    return 0;
}

/* AWS STS API Reference, "AssumeRole", DurationSeconds: at most the
 * role's MaxSessionDuration. Checked when IAM holds role NAME of ACCOUNT
 * (a role it does not hold may still be assumed, up to 12 hours).
 * Returns 0, or -1 with the ValidationError recorded. */
static int over_role_max(struct req *req, const char *account, const char *name, long duration) {
    char key[IAM_ROLE_NAME_MAX + 1], *text = NULL;
    iam_name_key(name, key, sizeof(key));
    if (store_iam_role_get(account, key, &text) != STORE_OK) return 0;
    cJSON *role = cJSON_Parse(text);
    free(text);
    const cJSON *max = cJSON_GetObjectItemCaseSensitive(role, "MaxSessionDuration");
    int over = cJSON_IsNumber(max) && duration > (long)max->valuedouble;
    cJSON_Delete(role);
    if (over)
        return req_fail(req, &AWSERR_QUERY_VALIDATION,
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
    return 0;
}

static int get_caller_identity(struct req *req, struct op_in *in) {
    char arn[320];
    if (req->caller_arn[0]) snprintf(arn, sizeof(arn), "%s", req->caller_arn);
    else snprintf(arn, sizeof(arn), "arn:aws:iam::%s:root", req->account);
    in->out = cJSON_CreateObject();
    cJSON_AddStringToObject(in->out, "UserId", req->caller_id[0] ? req->caller_id : req->account);
    cJSON_AddStringToObject(in->out, "Account", req->account);
    cJSON_AddStringToObject(in->out, "Arn", arn);
    return 0;
}

static int assume_role(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    const char *role_arn = param(in, "RoleArn"), *session = param(in, "RoleSessionName");
    if (role_arn == NULL) sts_verr_add(&v, NULL, "roleArn", "not be null");
    else if (strlen(role_arn) < STS_ROLE_ARN_MIN)
        sts_verr_add(&v, role_arn, "roleArn", "have length greater than or equal to 20");
    else if (strlen(role_arn) > STS_ROLE_ARN_MAX)
        sts_verr_add(&v, role_arn, "roleArn", "have length less than or equal to 2048");
    sts_check_session_name(session, "roleSessionName", &v);
    long duration;
    sts_check_duration(param(in, "DurationSeconds"), STS_ROLE_DURATION_MIN, STS_ROLE_DURATION_MAX,
                       STS_ROLE_DURATION_DEFAULT, &v, &duration);
    if (v.n) return fail_validation(req, &v);
    char account[13], role[256];
    if (sts_parse_role_arn(role_arn, account, role, sizeof(role)) != 0)
        return req_fail(req, &AWSERR_QUERY_VALIDATION, "%.300s is invalid", role_arn);
    if (over_role_max(req, account, role, duration) != 0) return -1;
    char role_id[22], user_id[100], arn[400];
    sts_derived_id("AROA", role_arn, role_id);
    snprintf(user_id, sizeof(user_id), "%s:%s", role_id, session);
    snprintf(arn, sizeof(arn), "arn:aws:sts::%s:assumed-role/%s/%s", account, role, session);
    in->out = cJSON_CreateObject();
    if (issue(req, in->out, account, arn, user_id, duration) != 0) return -1;
    cJSON *u = cJSON_AddObjectToObject(in->out, "AssumedRoleUser");
    cJSON_AddStringToObject(u, "AssumedRoleId", user_id);
    cJSON_AddStringToObject(u, "Arn", arn);
    /* Echoed as AWS does; nothing reads it. */
    const char *source = param(in, "SourceIdentity");
    if (source) cJSON_AddStringToObject(in->out, "SourceIdentity", source);
    return 0;
}

static int get_session_token(struct req *req, struct op_in *in) {
    struct sts_verr v = {0};
    long duration;
    sts_check_duration(param(in, "DurationSeconds"), STS_SESSION_DURATION_MIN, STS_SESSION_DURATION_MAX,
                       STS_SESSION_DURATION_DEFAULT, &v, &duration);
    if (v.n) return fail_validation(req, &v);
    /* AWS STS API Reference, "GetSessionToken": it cannot be called with
     * temporary credentials. */
    if (req->caller_arn[0])
        return req_fail(req, &AWSERR_QUERY_ACCESS_DENIED, "Cannot call GetSessionToken with session credentials");
    char arn[64];
    snprintf(arn, sizeof(arn), "arn:aws:iam::%s:root", req->account);
    in->out = cJSON_CreateObject();
    return issue(req, in->out, req->account, arn, req->account, duration);
}

/* Sorted by name. */
static const struct op sts_ops[] = {
    {"AssumeRole", assume_role, OP_WRITE, NULL, NULL, NULL},
    {"GetCallerIdentity", get_caller_identity, 0, NULL, NULL, NULL},
    {"GetSessionToken", get_session_token, OP_WRITE, NULL, NULL, NULL},
};

static void sts_store_fail(struct req *req, int rc) {
    (void)rc;
    req_fail(req, &AWSERR_QUERY_INTERNAL, "The service cannot complete the request.");
}

const struct service sts_service = {
    .name = "sts",
    .ops = sts_ops,
    .nops = sizeof(sts_ops) / sizeof(sts_ops[0]),
    .find = query_find,
    .store_fail = sts_store_fail,
    .reply = query_reply_plain,
    .query_version = "2011-06-15",
    .xmlns = STS_XMLNS,
};
