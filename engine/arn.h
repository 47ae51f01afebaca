/*
 * Lambda function identifiers (docs/aws-reference.md C): parsing the four forms a
 * FunctionName may take, and building ARNs.
 */
#ifndef SLUICE_ENGINE_ARN_H
#define SLUICE_ENGINE_ARN_H

#include <stddef.h>

/* Which model shape a FunctionName parameter has. */
enum arn_shape {
    ARN_SHAPE_FUNCTION = 0,  /* FunctionName: [a-zA-Z0-9-_]+, ≤140 */
    ARN_SHAPE_NAMESPACED,    /* NamespacedFunctionName: also '.', $LATEST.PUBLISHED, ≤256 */
    ARN_SHAPE_UNQUALIFIED,   /* UnqualifiedFunctionName: no qualifier, ≤140 */
};

/* Upper bounds of the parts, from the Lambda model. */
#define ARN_MAX_NAME 64     /* a bare function name */
#define ARN_MAX_QUALIFIER 128

struct fn_ref {
    char name[ARN_MAX_NAME * 4 + 1]; /* room to report an over-long name */
    char qualifier[ARN_MAX_NAME * 4 + 1]; /* "" when the value has none; never cut short */
    char region[32];                 /* "" when not in the value */
    char account[13];                /* "" when not in the value */
};

/* Result of arn_parse_function. */
#define ARN_OK 0
#define ARN_EPATTERN -1   /* does not match the shape's pattern (length aside) */
#define ARN_ETOOLONG -2   /* matches, but longer than the shape allows */
#define ARN_ENAMELEN -3   /* matches, but the bare name is over 64 */

/* Parses Z as a function name of SHAPE into OUT. Returns ARN_OK or one of
 * the errors above; OUT is filled as far as parsing got. Thread-safe. */
int arn_parse_function(const char *z, enum arn_shape shape, struct fn_ref *out);

/* The model's pattern text for SHAPE, as AWS quotes it in messages. */
const char *arn_pattern(enum arn_shape shape);

/* Maximum length of a value of SHAPE (140 or 256). */
size_t arn_max_len(enum arn_shape shape);

/* The model's pattern of a CodeSigningConfigArn, as AWS quotes it. */
#define ARN_CSC_PATTERN \
    "arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\\d{1}:\\d{12}:" \
    "code-signing-config:csc-[a-z0-9]{17}"

/* Returns 1 when Z matches ARN_CSC_PATTERN in full, 0 otherwise (pure). */
int arn_csc_ok(const char *z);

/* Writes "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]" into
 * BUF (size N); QUALIFIER NULL or "" gives the unqualified ARN. */
void arn_function(char *buf, size_t n, const char *region, const char *account,
                  const char *name, const char *qualifier);

/* Returns 1 when Z is a version number (digits only, 1..), else 0. */
int arn_is_version(const char *z);

/* Length of a UUID in the 8-4-4-4-12 form, without the NUL. */
#define ARN_UUID_LEN 36

/* Parses Z as an event source mapping ARN,
 * "arn:aws...:lambda:REGION:ACCOUNT:event-source-mapping:UUID", the
 * event-source-mapping branch of the model's TaggableResource pattern
 * (hex UUID, a 12-digit account, the region pattern above). Fills REGION
 * (size 32), ACCOUNT (size 13) and UUID (size ARN_UUID_LEN + 1) and
 * returns 0; returns -1 when Z does not match. Thread-safe. */
int arn_parse_esm(const char *z, char *region, char *account, char *uuid);

#endif
