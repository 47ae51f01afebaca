/*
 * DynamoDB numbers: decimal values with at most 38 significant digits and
 * a magnitude between 1E-130 and 9.99...E+125, kept and computed exactly
 * (never through C doubles). Used by the expression evaluator (compare,
 * ADD, SET a = a + :v), key ordering, and number validation.
 */
#ifndef SLUICE_ENGINE_DDB_DDB_NUM_H
#define SLUICE_ENGINE_DDB_DDB_NUM_H

#include <stddef.h>

/* DynamoDB's precision: 38 significant decimal digits. */
#define DDB_NUM_DIGITS 38
/* Longest canonical text of a number: sign, 38 digits, a point and up to
 * 130 leading zeros for the smallest magnitudes, plus NUL. */
#define DDB_NUM_TEXT 180

struct ddb_num {
    int neg;                      /* 1 when negative (never for zero) */
    int ndigits;                  /* 0 for zero; else 1..38, no leading/trailing zeros */
    char digits[DDB_NUM_DIGITS];  /* decimal digits as values 0..9, most significant first */
    int exp;                      /* value = 0.d1d2...dn x 10^exp */
};

/* The message of a text that is not a number at all. AWS follows it with
 * ": <the text>" when the text is not empty ("The parameter cannot be
 * converted to a numeric value: foo"), and sends it bare for "" (dynalite's
 * validation tests, whose messages were recorded from DynamoDB; the
 * wording's "numeric" is also what scylladb's test_invalid_numbers, run
 * against AWS, matches). */
extern const char DDB_NUM_MSG_NOT_A_NUMBER[];

/* Parses the DynamoDB wire text Z ("12", "-0.5", "1e10", "+5"; no
 * surrounding spaces) into OUT. Returns 0, or -1 with *ERR set to the
 * static AWS message (ValidationException text), one of:
 *   DDB_NUM_MSG_NOT_A_NUMBER (the caller appends the text, see above)
 *   "Attempting to store more than 38 significant digits in a Number"
 *   "Number overflow. Attempting to store a number with magnitude larger than supported range"
 *   "Number underflow. Attempting to store a number with magnitude smaller than supported range"
 * Leading and trailing zeros do not count as significant digits. */
int ddb_num_parse(const char *z, struct ddb_num *out, const char **err);

/* Returns <0, 0 or >0 as A is less than, equal to or greater than B. */
int ddb_num_cmp(const struct ddb_num *a, const struct ddb_num *b);

/* OUT = A + B (OUT may alias A or B). Returns 0, or -1 with *ERR set as
 * for ddb_num_parse when the exact result needs more than 38 digits or
 * leaves the range. */
int ddb_num_add(const struct ddb_num *a, const struct ddb_num *b, struct ddb_num *out,
                const char **err);

/* OUT = A - B. Same contract as ddb_num_add. */
int ddb_num_sub(const struct ddb_num *a, const struct ddb_num *b, struct ddb_num *out,
                const char **err);

/* Writes the canonical text DynamoDB returns for N into BUF (at least
 * DDB_NUM_TEXT bytes): no exponent, no leading zeros, no trailing zeros
 * after a point ("1E2" -> "100", "0.50" -> "0.5", "-0" -> "0"). */
void ddb_num_format(const struct ddb_num *n, char *buf, size_t size);

#endif
