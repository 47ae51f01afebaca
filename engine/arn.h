/*
 * Lambda function identifiers (docs/aws-reference.md C): parsing the four forms a
 * FunctionName may take, and building ARNs.
 */
#ifndef EMU_ENGINE_ARN_H
#define EMU_ENGINE_ARN_H

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

/* Writes "arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]" into
 * BUF (size N); QUALIFIER NULL or "" gives the unqualified ARN. */
void arn_function(char *buf, size_t n, const char *region, const char *account,
                  const char *name, const char *qualifier);

/* Returns 1 when Z is a version number (digits only, 1..), else 0. */
int arn_is_version(const char *z);

#endif
