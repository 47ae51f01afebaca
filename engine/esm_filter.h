/*
 * Event filtering for event source mappings (docs/aws-reference.md D3): the
 * EventBridge pattern syntax Lambda's FilterCriteria use, parsed and
 * checked once (the API refuses bad patterns with "Invalid filter pattern
 * definition.") and matched against each stream record, as cJSON, by the
 * pollers. Records that match no filter are dropped (but checkpointed).
 *
 * Supported, per pattern field: exact values (strings, numbers, true,
 * false, null), {"prefix"}, {"suffix"}, {"equals-ignore-case"},
 * {"anything-but": value | [values] | {"prefix"}}, {"numeric": [op, n
 * (, op, n)]}, {"exists": true|false}. Candidates in one array are ORed,
 * fields are ANDed, nested objects descend, and a record array matches
 * when any element does. Matching is on leaves, as EventBridge's: an
 * object in the record is not a value ("exists": true does not match it).
 * numeric never matches a string, so DynamoDB "N" values (strings) only
 * match exact or prefix patterns.
 *
 * A parsed filter is immutable: matching is thread-safe.
 */
#ifndef SLUICE_ENGINE_ESM_FILTER_H
#define SLUICE_ENGINE_ESM_FILTER_H

#include <stddef.h>

/* Lambda's FilterCriteria limits (docs/aws-reference.md D1): at most 5 filters
 * per mapping, each pattern at most 4096 characters. */
#define ESM_FILTER_MAX_FILTERS 5
#define ESM_FILTER_MAX_PATTERN 4096

struct cJSON;
struct esm_filter;
struct esm_filter_set;

/* Parses the pattern text Z. Returns an owned filter (free with
 * esm_filter_free), or NULL with a short reason written to ERR (size N,
 * may be NULL) when Z is not valid JSON or not a valid pattern. */
struct esm_filter *esm_filter_parse(const char *z, char *err, size_t n);

/* 1 when RECORD (borrowed) matches F, else 0. */
int esm_filter_match(const struct esm_filter *f, const struct cJSON *record);

/* Frees F; accepts NULL. */
void esm_filter_free(struct esm_filter *f);

/* Parses a FilterCriteria document {"Filters":[{"Pattern":"..."},...]}
 * (CRITERIA borrowed; NULL or no filters gives an empty set). Returns an
 * owned set, or NULL with a reason in ERR when a pattern is invalid or
 * too long, there are more than ESM_FILTER_MAX_FILTERS, or the shape is
 * wrong. Free with esm_filter_set_free. */
struct esm_filter_set *esm_filter_set_new(const struct cJSON *criteria, char *err, size_t n);

/* 1 when RECORD matches any filter of S, or S has none; else 0. */
int esm_filter_set_match(const struct esm_filter_set *s, const struct cJSON *record);

/* Number of filters in S. */
int esm_filter_set_count(const struct esm_filter_set *s);

/* Frees S; accepts NULL. */
void esm_filter_set_free(struct esm_filter_set *s);

#endif
