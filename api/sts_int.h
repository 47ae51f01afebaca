/*
 * STS's pure parts (api/sts_validate.c), apart from the handlers in
 * api/sts.c so the unit tests can drive them with tables.
 */
#ifndef SLUICE_API_STS_INT_H
#define SLUICE_API_STS_INT_H

#include <stddef.h>

/* The constraints of STS's model (botocore sts/2011-06-15 service-2.json:
 * roleSessionNameType, roleDurationSecondsType, durationSecondsType,
 * arnType). */
#define STS_SESSION_NAME_MIN 2
#define STS_SESSION_NAME_MAX 64
#define STS_ROLE_ARN_MIN 20
#define STS_ROLE_ARN_MAX 2048
#define STS_ROLE_DURATION_MIN 900
#define STS_ROLE_DURATION_MAX 43200
#define STS_ROLE_DURATION_DEFAULT 3600
/* GetSessionToken: 15 minutes to 36 hours, 12 hours by default (AWS STS
 * API Reference, "GetSessionToken", DurationSeconds). */
#define STS_SESSION_DURATION_MIN 900
#define STS_SESSION_DURATION_MAX 129600
#define STS_SESSION_DURATION_DEFAULT 43200

/* AWS's "N validation error(s) detected: ...; ..." message, collected
 * constraint by constraint. */
struct sts_verr {
    int n;
    char text[1024];
};

/* Adds "Value 'VALUE' at 'FIELD' failed to satisfy constraint: Member
 * must WHAT" to V (VALUE NULL: "Value null"). Pure. */
void sts_verr_add(struct sts_verr *v, const char *value, const char *field, const char *what);

/* The whole message of V into OUT (N bytes): "1 validation error
 * detected: ..." or "K validation errors detected: a; b". Pure. */
void sts_verr_message(const struct sts_verr *v, char *out, size_t n);

/* Checks a RoleSessionName against length 2..64 and [\w+=,.@-]*, adding
 * each broken constraint to V (FIELD as AWS names it: "roleSessionName").
 * Returns 0 when valid. Pure. */
int sts_check_session_name(const char *name, const char *field, struct sts_verr *v);

/* Parses the optional decimal TEXT (NULL: DEF) into *OUT and checks
 * MIN..MAX, adding the broken constraint to V under FIELD (as AWS names
 * it: "durationSeconds", "maxItems"). Returns 0 when valid. Pure; IAM
 * uses it too. */
int sts_check_int(const char *text, const char *field, long min, long max, long def, struct sts_verr *v,
                  long *out);

/* sts_check_int for DurationSeconds (field "durationSeconds"). */
int sts_check_duration(const char *text, long min, long max, long def, struct sts_verr *v, long *out);

/* Splits the IAM role ARN "arn:aws:iam::ACCOUNT:role[/path]/NAME" into
 * its 12-digit ACCOUNT (13 bytes) and NAME (NNAME bytes). Returns 0, or
 * -1 when ARN is not one. Pure. */
int sts_parse_role_arn(const char *arn, char account[13], char *name, size_t nname);

/* A stable id of PREFIX (e.g. "AROA") and 17 characters of [A-Z0-9]
 * derived from SEED, into OUT (22 bytes). Pure. */
void sts_derived_id(const char *prefix, const char *seed, char out[22]);

#endif
