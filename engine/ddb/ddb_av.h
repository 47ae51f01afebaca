/*
 * DynamoDB AttributeValues, kept in their wire form as cJSON objects:
 * {"S":"x"}, {"N":"1.5"}, {"B":"<base64>"}, {"SS":[..]}, {"NS":[..]},
 * {"BS":[..]}, {"M":{..}}, {"L":[..]}, {"NULL":true}, {"BOOL":false}.
 * An item is a cJSON object mapping attribute names to AttributeValues.
 * Shared by the expression evaluator and the DynamoDB handlers.
 * All functions are pure and thread-safe.
 */
#ifndef SLUICE_ENGINE_DDB_DDB_AV_H
#define SLUICE_ENGINE_DDB_DDB_AV_H

#include <stddef.h>

struct cJSON;

enum ddb_type {
    DDB_T_INVALID = 0,
    DDB_T_S, DDB_T_N, DDB_T_B, DDB_T_SS, DDB_T_NS, DDB_T_BS,
    DDB_T_M, DDB_T_L, DDB_T_NULL, DDB_T_BOOL,
};

/* Nesting DynamoDB allows inside an item (documents): 32 levels. */
#define DDB_MAX_DEPTH 32

/* Type of AV, or DDB_T_INVALID when AV is not an object with exactly one
 * known member (shape only; contents are checked by ddb_av_validate). */
enum ddb_type ddb_av_type(const struct cJSON *av);

/* The type's wire name ("S", "NS", "NULL", ...). */
const char *ddb_type_name(enum ddb_type t);

/* Validates AV recursively: exactly one type, sets non-empty without
 * duplicates, numbers valid (ddb_num), base64 valid, NULL true, depth.
 * Returns 0, or -1 with *ERR set to a malloc'd AWS ValidationException
 * message (e.g. "Supplied AttributeValue is empty, must contain exactly
 * one of the supported datatypes", "One or more parameter values were
 * invalid: An number set  may not be empty", "One or more parameter
 * values were invalid: Input collection [a, a] contains duplicates.").
 * On success AV's numbers are rewritten in canonical form. */
int ddb_av_validate(struct cJSON *av, char **err);

/* 1 when A and B are equal as DynamoDB compares them: same type; numbers
 * by value; sets regardless of order; maps and lists deeply. */
int ddb_av_equal(const struct cJSON *a, const struct cJSON *b);

/* Orders two scalars of the same type (S: UTF-8 bytes; N: numeric; B:
 * decoded bytes). Returns 0 and stores <0/0/>0 in *CMP, or -1 when the
 * types differ or are not S, N or B. */
int ddb_av_compare(const struct cJSON *a, const struct cJSON *b, int *cmp);

/* DynamoDB's size in bytes of AV (the value part of the item size rule:
 * strings UTF-8 bytes, numbers ~ (significant digits + 1) / 2 + 1,
 * binary decoded bytes, maps/lists 3 + contents, NULL/BOOL 1). */
size_t ddb_av_size(const struct cJSON *av);

/* Item size: sum over attributes of name bytes + ddb_av_size(value). */
size_t ddb_item_size(const struct cJSON *item);

/* As ddb_av_validate, but leaves AV unchanged (numbers keep their text).
 * For values the caller only borrows, such as ExpressionAttributeValues. */
int ddb_av_check(const struct cJSON *av, char **err);

/* Decodes Z, standard base64 with padding (length a multiple of 4). Returns
 * a malloc'd buffer (non-NULL even for zero bytes) holding *N bytes, or
 * NULL when Z is not valid base64. Caller frees. */
unsigned char *ddb_b64_decode(const char *z, size_t *n);

/* A growable NUL-terminated string for messages built piece by piece.
 * Start from {0}; the caller frees z. */
struct ddb_sbuf {
    char *z;
    size_t n, cap;
};

/* Appends the N bytes at Z to B. Aborts when out of memory. */
void ddb_sb_add(struct ddb_sbuf *b, const char *z, size_t n);

/* Appends the string Z to B. */
void ddb_sb_adds(struct ddb_sbuf *b, const char *z);

#endif
