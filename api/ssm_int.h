/*
 * SSM Parameter Store's pure parts (api/ssm_validate.c), apart from the
 * handlers in api/ssm.c so the unit tests can drive them with tables:
 * parameter names and paths, references (name, name:version,
 * name:label, ARN), labels, AllowedPattern, tiers, the opaque value of
 * an undecrypted SecureString and paging tokens. No I/O in any of them.
 */
#ifndef SLUICE_API_SSM_INT_H
#define SLUICE_API_SSM_INT_H

#include <stddef.h>
#include <stdint.h>

/* The constraints of SSM's model (botocore ssm/2014-11-06
 * service-2.json: PSParameterName, ParameterDescription, AllowedPattern,
 * ParameterDataType, ParameterLabel(List), ParameterNameList,
 * GetParametersByPathMaxResults, MaxResults, TagKey, TagValue). AWS
 * counts the ARN prefix into a name's length (AWS Systems Manager User
 * Guide, "Requirements and constraints for parameter names"); sluice
 * checks the model's 2048 only. */
#define SSM_NAME_MAX 2048
#define SSM_DESCRIPTION_MAX 1024
#define SSM_PATTERN_MAX 1024
#define SSM_DATA_TYPE_MAX 128
#define SSM_LABEL_MAX 100
#define SSM_LABELS_MAX 10        /* per request, and per version */
#define SSM_NAMES_MAX 10         /* GetParameters, DeleteParameters */
#define SSM_PATH_PAGE_MAX 10     /* GetParametersByPath MaxResults */
#define SSM_PAGE_MAX 50          /* DescribeParameters, GetParameterHistory */
#define SSM_TAG_KEY_MAX 128
#define SSM_TAG_VALUE_MAX 256
/* AWS Systems Manager User Guide, "Requirements and constraints for
 * parameter names": a hierarchy has at most 15 levels. */
#define SSM_MAX_LEVELS 15
/* User Guide, "Managing parameter tiers": 4 KB of value in the standard
 * tier, 8 KB in the advanced one (counted in characters). */
#define SSM_STANDARD_VALUE_MAX 4096
#define SSM_ADVANCED_VALUE_MAX 8192
/* User Guide, "Working with parameter versions": the 100 most recent
 * versions are kept; creating the 101st deletes the oldest. */
#define SSM_MAX_VERSIONS 100
/* User Guide, "Tagging Systems Manager parameters" / the tagging quotas:
 * 50 tags per resource. */
#define SSM_MAX_TAGS 50

/* What the name check found (ssm_name_check). */
enum ssm_name_rc {
    SSM_NAME_OK = 0,
    SSM_NAME_LONG,       /* longer than SSM_NAME_MAX: the model's constraint */
    SSM_NAME_BAD,        /* characters or shape: SSM_MSG_BAD_NAME */
    SSM_NAME_DEEP,       /* more than SSM_MAX_LEVELS levels */
    SSM_NAME_RESERVED,   /* writes: the "aws" prefix, SSM_MSG_RESERVED */
};

/* The ValidationException AWS answers for a name of other characters or
 * shape (a space, '@', a '/' without a leading one, "//", the "ssm"
 * prefix), word for word as clients report it (e.g.
 * github.com/aws/aws-sdk-php/issues/1952, boto/boto3#1499). */
#define SSM_MSG_BAD_NAME                                                                            \
    "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a path, it "    \
    "can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of "    \
    "letters, numbers and the following 3 symbols .-_"
/* GetParametersByPath's ValidationException for a Path it cannot take,
 * as clients report it (with the backslashes AWS puts in it). */
#define SSM_MSG_BAD_PATH                                                                            \
    "The parameter doesn't meet the parameter name requirements. The parameter name must begin "   \
    "with a forward slash \"/\". It can't be prefixed with \\\"aws\\\" or \\\"ssm\\\" "             \
    "(case-insensitive). It must use only letters, numbers, or the following symbols: . "          \
    "(period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if "  \
    "specified, must use the forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_."

/* Checks parameter name NAME: 1..SSM_NAME_MAX bytes of [a-zA-Z0-9_.-/],
 * a name with '/' starting with '/', no empty level, no trailing '/',
 * at most SSM_MAX_LEVELS levels, no "ssm" prefix (case-insensitive, with
 * or without the leading '/'). With WRITE (PutParameter, deletes,
 * labels) also refuses the "aws" prefix: SSM_NAME_RESERVED. Pure. */
enum ssm_name_rc ssm_name_check(const char *name, int write);

/* A parameter reference as GetParameter(s) and GetParameterHistory take
 * it: a name or an ARN, optionally with ":version" or ":label". */
struct ssm_ref {
    char name[SSM_NAME_MAX + 1];
    int64_t version;                    /* 0: no version selector */
    char label[SSM_LABEL_MAX + 1];      /* "": no label selector */
    char selector[SSM_LABEL_MAX + 2];   /* ":3", ":prod" or "" (echoed as Selector) */
    char account[13];                   /* from an ARN; "" for a name */
    char region[32];
};

/* Parses TEXT into *OUT. An ARN is arn:PARTITION:ssm:REGION:ACCOUNT:
 * parameter/NAME (NAME without its leading '/', which is put back when
 * the name has a '/'). A selector of digits is a version, anything else
 * a label. Returns 0, or -1 when TEXT cannot name a parameter (an empty
 * selector or name, a second ':', a malformed ARN, a selector or name
 * too long, version 0). The name itself is not checked (ssm_name_check).
 * Pure. */
int ssm_ref_parse(const char *text, struct ssm_ref *out);

/* The ARN of parameter NAME: arn:aws:ssm:REGION:ACCOUNT:parameter/NAME,
 * with one '/' between "parameter" and a name that starts with one. */
void ssm_arn(const char *region, const char *account, const char *name, char *out, size_t n);

/* 1 when PATH can be GetParametersByPath's Path: it starts with '/', has
 * only name characters, no empty level but an optional trailing '/'.
 * Pure. */
int ssm_path_ok(const char *path);

/* 1 when parameter NAME is under PATH: one level below it, or any level
 * when RECURSIVE. PATH "/" holds every name that starts with '/'. Pure. */
int ssm_path_holds(const char *path, const char *name, int recursive);

/* 1 when LABEL can be attached (AWS Systems Manager User Guide, "Working
 * with parameter labels"): 1..100 of [a-zA-Z0-9_.-], not starting with a
 * digit, "aws" or "ssm" (case-insensitive). Pure. */
int ssm_label_ok(const char *label);

/* Matches VALUE against AllowedPattern PATTERN (AWS evaluates it as a
 * Java regular expression on the whole value). Supported: POSIX
 * extended syntax plus \d \w \s \D \W \S and escaped punctuation, in
 * and out of brackets. Returns 1 when the whole of VALUE matches, 0
 * when not, -1 when PATTERN is not one sluice can evaluate (malformed,
 * or using lookaround, backreferences, \b, \p{...}). Pure. */
int ssm_pattern_match(const char *pattern, const char *value);

/* The number of characters (UTF-8 code points) in Z. Pure. */
size_t ssm_chars(const char *z);

/* The tier decision of PutParameter. */
enum ssm_tier_rc {
    SSM_TIER_OK = 0,
    SSM_TIER_STANDARD_TOO_BIG,  /* over SSM_STANDARD_VALUE_MAX in the standard tier */
    SSM_TIER_TOO_BIG,           /* over SSM_ADVANCED_VALUE_MAX */
    SSM_TIER_DOWNGRADE,         /* Standard asked for an Advanced parameter */
};

/* Picks the tier of a version whose value has NCHARS characters: ASKED
 * ("Standard", "Advanced", "Intelligent-Tiering", or NULL: the previous
 * version's PREV, or Standard for a new parameter). Intelligent-Tiering
 * is Standard while the value fits, else Advanced; an Advanced parameter
 * stays Advanced. *TIER is a static string. Pure. */
enum ssm_tier_rc ssm_tier_pick(const char *asked, const char *prev, size_t nchars, const char **tier);

/* What GetParameter returns for a SecureString without WithDecryption:
 * base64 text shaped like a KMS ciphertext blob (it starts "AQICAH", as
 * AWS's do), deterministic for (ACCOUNT, REGION, NAME, VERSION, VALUE)
 * and revealing nothing of VALUE. Heap; the caller frees. Pure. */
char *ssm_ciphertext(const char *account, const char *region, const char *name, int64_t version,
                     const char *value);

#endif
