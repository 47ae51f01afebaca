/*
 * engine/ddb/ddb_av.c: DynamoDB AttributeValues in their wire form (cJSON objects
 * such as {"S":"x"} or {"NS":["1","2"]}). Validates them with AWS's
 * ValidationException texts, compares them the way DynamoDB does (numbers
 * by value through ddb_num, binary by decoded bytes, sets regardless of
 * order) and computes DynamoDB's item-size measure. Called by the
 * expression evaluator (ddb_expr.c) and the DynamoDB handlers. Pure and
 * thread-safe: no global state.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* vasprintf, memmem */
#endif
#include "engine/ddb/ddb_av.h"
#include "base/util.h"

#include "engine/ddb/ddb_num.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --- Small helpers ------------------------------------------------------ */

/* Allocation failure aborts (house rule): error paths stay for real errors. */

static int set_err(char **err, char *msg) {
    if (err)
        *err = msg;
    else
        free(msg);
    return -1;
}

void ddb_sb_add(struct ddb_sbuf *b, const char *z, size_t n) {
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *nz = realloc(b->z, cap);
        if (!nz)
            abort();
        b->z = nz;
        b->cap = cap;
    }
    memcpy(b->z + b->n, z, n);
    b->n += n;
    b->z[b->n] = '\0';
}

void ddb_sb_adds(struct ddb_sbuf *b, const char *z) {
    ddb_sb_add(b, z, strlen(z));
}

/* --- Types -------------------------------------------------------------- */

static const struct {
    const char *name;
    enum ddb_type type;
} type_names[] = {
    {"S", DDB_T_S},   {"N", DDB_T_N},   {"B", DDB_T_B},     {"SS", DDB_T_SS},
    {"NS", DDB_T_NS}, {"BS", DDB_T_BS}, {"M", DDB_T_M},     {"L", DDB_T_L},
    {"NULL", DDB_T_NULL}, {"BOOL", DDB_T_BOOL},
};

static enum ddb_type type_of_name(const char *name) {
    if (!name)
        return DDB_T_INVALID;
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
        if (strcmp(type_names[i].name, name) == 0)
            return type_names[i].type;
    return DDB_T_INVALID;
}

const char *ddb_type_name(enum ddb_type t) {
    for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
        if (type_names[i].type == t)
            return type_names[i].name;
    return "";
}

enum ddb_type ddb_av_type(const struct cJSON *av) {
    if (!cJSON_IsObject(av) || !av->child || av->child->next)
        return DDB_T_INVALID;
    return type_of_name(av->child->string);
}

/* --- Base64 ------------------------------------------------------------- */

static int b64_val(unsigned char c) {
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

unsigned char *ddb_b64_decode(const char *z, size_t *n) {
    size_t len = z ? strlen(z) : 0;
    if (!z || len % 4)
        return NULL;
    unsigned char *out = xmalloc(len / 4 * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)z[i + k];
            if (c == '=' && i + 4 == len && k >= 2) {
                v[k] = 0;
                pad++;
                continue;
            }
            if (pad) /* data after padding */
                goto bad;
            v[k] = b64_val(c);
            if (v[k] < 0)
                goto bad;
        }
        unsigned long w = ((unsigned long)v[0] << 18) | ((unsigned long)v[1] << 12) |
                          ((unsigned long)v[2] << 6) | (unsigned long)v[3];
        out[o++] = (unsigned char)(w >> 16);
        if (pad < 2)
            out[o++] = (unsigned char)(w >> 8);
        if (pad < 1)
            out[o++] = (unsigned char)w;
    }
    *n = o;
    return out;
bad:
    free(out);
    return NULL;
}

/* --- Validation --------------------------------------------------------- */

/* The set types' names as AWS words them in "An <x> set  may not be empty"
 * (sic: "An" and the double space are AWS's; docs/aws-reference.md G). */
static const char *set_word(enum ddb_type t) {
    return t == DDB_T_SS ? "string" : t == DDB_T_NS ? "number" : "binary";
}

static char *collection_str(const cJSON *arr) {
    struct ddb_sbuf b = {0};
    ddb_sb_adds(&b, "[");
    const cJSON *e;
    int first = 1;
    cJSON_ArrayForEach(e, arr) {
        if (!first)
            ddb_sb_adds(&b, ", ");
        first = 0;
        ddb_sb_adds(&b, cJSON_IsString(e) ? e->valuestring : "");
    }
    ddb_sb_adds(&b, "]");
    return b.z;
}

/* The message for number text Z that ddb_num_parse refused with E: a
 * text that is no number at all is quoted after the message unless it is
 * empty, as AWS does (see DDB_NUM_MSG_NOT_A_NUMBER). */
static char *num_msg(const char *z, const char *e) {
    if (e == DDB_NUM_MSG_NOT_A_NUMBER && z[0] != '\0')
        return xasprintf("%s: %s", e, z);
    return xasprintf("%s", e);
}

/* Validates one set member of type ELEM (S, N or B). */
static int check_member(const cJSON *m, enum ddb_type set_t, int rewrite, char **err) {
    if (!cJSON_IsString(m))
        return set_err(err, xasprintf("One or more parameter values were invalid: "
                                    "An AttributeValue may not contain a null or non-string "
                                    "set member"));
    if (set_t == DDB_T_NS) {
        struct ddb_num n;
        const char *e = NULL;
        if (ddb_num_parse(m->valuestring, &n, &e) < 0)
            return set_err(err, num_msg(m->valuestring, e));
        if (rewrite) {
            char txt[DDB_NUM_TEXT];
            ddb_num_format(&n, txt, sizeof(txt));
            cJSON_SetValuestring((cJSON *)m, txt);
        }
    } else if (set_t == DDB_T_BS) {
        size_t n;
        unsigned char *d = ddb_b64_decode(m->valuestring, &n);
        if (!d)
            return set_err(err, xasprintf("'%s' can not be converted to a Blob: "
                                        "Invalid Base64 encoding",
                                        m->valuestring));
        free(d);
        if (n == 0)
            return set_err(err, xasprintf("One or more parameter values were invalid: "
                                        "Binary sets may not contain null or empty values"));
    } else if (m->valuestring[0] == '\0') {
        /* dynalite validations/index.js, copied from AWS. */
        return set_err(err, xasprintf("One or more parameter values were invalid: An string set "
                                    "may not have a empty string as a member"));
    }
    return 0;
}

/* One set member reduced to what identifies it, for duplicate search. */
struct member_key {
    const char *s;        /* SS */
    struct ddb_num num;   /* NS */
    unsigned char *b;     /* BS, decoded */
    size_t nb;
};

static int cmp_key_s(const void *x, const void *y) {
    return strcmp(((const struct member_key *)x)->s, ((const struct member_key *)y)->s);
}

static int cmp_key_n(const void *x, const void *y) {
    return ddb_num_cmp(&((const struct member_key *)x)->num, &((const struct member_key *)y)->num);
}

static int cmp_key_b(const void *x, const void *y) {
    const struct member_key *a = x, *b = y;
    size_t m = a->nb < b->nb ? a->nb : b->nb;
    int c = m ? memcmp(a->b, b->b, m) : 0;
    return c ? c : (a->nb > b->nb) - (a->nb < b->nb);
}

/* 1 when the (already checked) members of set ARR of type T repeat a value:
 * numbers by value, binary by decoded bytes. Sorting keeps big sets fast. */
static int find_duplicate(const cJSON *arr, enum ddb_type t) {
    int n = cJSON_GetArraySize(arr), i = 0, dup = 0;
    struct member_key *k = xmalloc(sizeof(*k) * (size_t)n);
    memset(k, 0, sizeof(*k) * (size_t)n);
    const cJSON *m;
    cJSON_ArrayForEach(m, arr) {
        const char *e;
        k[i].s = m->valuestring;
        if (t == DDB_T_NS)
            ddb_num_parse(m->valuestring, &k[i].num, &e);
        else if (t == DDB_T_BS)
            k[i].b = ddb_b64_decode(m->valuestring, &k[i].nb);
        i++;
    }
    int (*cmp)(const void *, const void *) =
        t == DDB_T_SS ? cmp_key_s : t == DDB_T_NS ? cmp_key_n : cmp_key_b;
    qsort(k, (size_t)n, sizeof(*k), cmp);
    for (i = 1; i < n && !dup; i++)
        dup = cmp(&k[i - 1], &k[i]) == 0;
    for (i = 0; i < n; i++)
        free(k[i].b);
    free(k);
    return dup;
}

/* check_av of the set MEMBER of type T (SS, NS or BS): an array, not
 * empty, each member valid, no duplicates. */
static int check_set(cJSON *member, enum ddb_type t, int rewrite, char **err) {
    if (!cJSON_IsArray(member))
        return set_err(err, xasprintf("Start of structure or map found where not expected."));
    if (!member->child)
        return set_err(err, xasprintf("One or more parameter values were invalid: An %s set  "
                                    "may not be empty",
                                    set_word(t)));
    for (cJSON *m = member->child; m; m = m->next)
        if (check_member(m, t, rewrite, err) < 0)
            return -1;
    if (find_duplicate(member, t)) {
        char *list = collection_str(member);
        /* SS/NS: docs/aws-reference.md G; BS keeps AWS's missing space (dynalite
         * validations/index.js). */
        char *msg = t == DDB_T_BS ? xasprintf("One or more parameter values were invalid: "
                                            "Input collection %sof type BS contains "
                                            "duplicates.",
                                            list)
                                  : xasprintf("One or more parameter values were invalid: "
                                            "Input collection %s contains duplicates.",
                                            list);
        free(list);
        return set_err(err, msg);
    }
    return 0;
}

static int check_av(cJSON *av, int depth, int rewrite, char **err) {
    if (!cJSON_IsObject(av))
        return set_err(err, xasprintf("Supplied AttributeValue is empty, must contain exactly "
                                    "one of the supported datatypes"));
    int known = 0;
    cJSON *member = NULL;
    for (cJSON *c = av->child; c; c = c->next)
        if (type_of_name(c->string) != DDB_T_INVALID) {
            known++;
            member = c;
        }
    if (known == 0)
        return set_err(err, xasprintf("Supplied AttributeValue is empty, must contain exactly "
                                    "one of the supported datatypes"));
    if (known > 1)
        return set_err(err, xasprintf("Supplied AttributeValue has more than one datatypes set, "
                                    "must contain exactly one of the supported datatypes"));
    enum ddb_type t = type_of_name(member->string);
    switch (t) {
    case DDB_T_S:
        if (!cJSON_IsString(member))
            return set_err(err, xasprintf("%s_VALUE cannot be converted to String",
                                        cJSON_IsNumber(member) ? "NUMBER" : "START_OBJECT"));
        return 0;
    case DDB_T_N: {
        if (!cJSON_IsString(member))
            return set_err(err, xasprintf("A value provided cannot be converted into a number"));
        struct ddb_num n;
        const char *e = NULL;
        if (ddb_num_parse(member->valuestring, &n, &e) < 0)
            return set_err(err, num_msg(member->valuestring, e));
        if (rewrite) {
            char txt[DDB_NUM_TEXT];
            ddb_num_format(&n, txt, sizeof(txt));
            cJSON_SetValuestring(member, txt);
        }
        return 0;
    }
    case DDB_T_B: {
        size_t n;
        unsigned char *d = cJSON_IsString(member) ? ddb_b64_decode(member->valuestring, &n) : NULL;
        if (!d)
            return set_err(err, xasprintf("'%s' can not be converted to a Blob: "
                                        "Invalid Base64 encoding",
                                        cJSON_IsString(member) ? member->valuestring : ""));
        free(d);
        return 0;
    }
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS:
        return check_set(member, t, rewrite, err);
    case DDB_T_M:
    case DDB_T_L:
        if (t == DDB_T_M ? !cJSON_IsObject(member) : !cJSON_IsArray(member))
            return set_err(err, xasprintf(t == DDB_T_M ? "Start of list found where not expected"
                                                     : "Start of structure or map found where "
                                                       "not expected."));
        /* AWS's text for documents nested deeper than 32 levels. */
        if (depth > DDB_MAX_DEPTH)
            return set_err(err, xasprintf("Nesting Levels have exceeded supported limits"));
        for (cJSON *c = member->child; c; c = c->next)
            if (check_av(c, depth + 1, rewrite, err) < 0)
                return -1;
        return 0;
    case DDB_T_NULL:
        if (!cJSON_IsTrue(member))
            return set_err(err, xasprintf("One or more parameter values were invalid: Null "
                                        "attribute value types must have the value of true"));
        return 0;
    case DDB_T_BOOL:
        if (!cJSON_IsBool(member))
            return set_err(err, xasprintf("%s_VALUE cannot be converted to Boolean",
                                        cJSON_IsString(member) ? "STRING" : "NUMBER"));
        return 0;
    case DDB_T_INVALID:
        break;
    }
    return set_err(err, xasprintf("Supplied AttributeValue is empty, must contain exactly one of "
                                "the supported datatypes"));
}

int ddb_av_validate(struct cJSON *av, char **err) {
    return check_av(av, 1, 1, err);
}

int ddb_av_check(const struct cJSON *av, char **err) {
    /* With REWRITE off nothing is written through the cast. */
    return check_av((cJSON *)av, 1, 0, err);
}

/* --- Equality and order ------------------------------------------------- */

static int num_of(const cJSON *s, struct ddb_num *n) {
    const char *e;
    return cJSON_IsString(s) ? ddb_num_parse(s->valuestring, n, &e) : -1;
}

/* Compares two scalar payloads of type T (S, N or B). Returns 0 and sets
 * *CMP, or -1 when a payload is malformed. */
static int scalar_cmp(enum ddb_type t, const cJSON *x, const cJSON *y, int *cmp) {
    if (!cJSON_IsString(x) || !cJSON_IsString(y))
        return -1;
    if (t == DDB_T_S) {
        int c = strcmp(x->valuestring, y->valuestring);
        *cmp = c < 0 ? -1 : c > 0;
        return 0;
    }
    if (t == DDB_T_N) {
        struct ddb_num a, b;
        if (num_of(x, &a) < 0 || num_of(y, &b) < 0)
            return -1;
        int c = ddb_num_cmp(&a, &b);
        *cmp = c < 0 ? -1 : c > 0;
        return 0;
    }
    size_t na, nb;
    unsigned char *a = ddb_b64_decode(x->valuestring, &na);
    unsigned char *b = ddb_b64_decode(y->valuestring, &nb);
    int rc = -1;
    if (a && b) {
        size_t m = na < nb ? na : nb;
        int c = memcmp(a, b, m);
        if (c == 0)
            c = na < nb ? -1 : na > nb;
        *cmp = c < 0 ? -1 : c > 0;
        rc = 0;
    }
    free(a);
    free(b);
    return rc;
}

static int scalar_eq(enum ddb_type t, const cJSON *x, const cJSON *y) {
    int c;
    return scalar_cmp(t, x, y, &c) == 0 && c == 0;
}

int ddb_av_equal(const struct cJSON *a, const struct cJSON *b) {
    enum ddb_type t = ddb_av_type(a);
    if (t == DDB_T_INVALID || t != ddb_av_type(b))
        return 0;
    const cJSON *x = a->child, *y = b->child;
    switch (t) {
    case DDB_T_S:
    case DDB_T_N:
    case DDB_T_B:
        return scalar_eq(t, x, y);
    case DDB_T_SS:
    case DDB_T_NS:
    case DDB_T_BS: {
        enum ddb_type et = t == DDB_T_SS ? DDB_T_S : t == DDB_T_NS ? DDB_T_N : DDB_T_B;
        if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y))
            return 0;
        /* Set members are unique, so equal sizes plus inclusion is equality. */
        const cJSON *e, *f;
        cJSON_ArrayForEach(e, x) {
            int found = 0;
            cJSON_ArrayForEach(f, y) {
                if (scalar_eq(et, e, f)) {
                    found = 1;
                    break;
                }
            }
            if (!found)
                return 0;
        }
        return 1;
    }
    case DDB_T_M: {
        if (cJSON_GetArraySize(x) != cJSON_GetArraySize(y))
            return 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, x) {
            const cJSON *f = cJSON_GetObjectItemCaseSensitive(y, e->string);
            if (!f || !ddb_av_equal(e, f))
                return 0;
        }
        return 1;
    }
    case DDB_T_L: {
        const cJSON *e = x->child, *f = y->child;
        for (; e && f; e = e->next, f = f->next)
            if (!ddb_av_equal(e, f))
                return 0;
        return !e && !f;
    }
    case DDB_T_NULL:
        return 1;
    case DDB_T_BOOL:
        return cJSON_IsTrue(x) == cJSON_IsTrue(y);
    case DDB_T_INVALID:
        break;
    }
    return 0;
}

int ddb_av_compare(const struct cJSON *a, const struct cJSON *b, int *cmp) {
    enum ddb_type t = ddb_av_type(a);
    if (t != ddb_av_type(b) || (t != DDB_T_S && t != DDB_T_N && t != DDB_T_B))
        return -1;
    return scalar_cmp(t, a->child, b->child, cmp);
}

/* --- Sizes -------------------------------------------------------------- */

/* A number's size: one byte per two significant digits plus one. */
static size_t num_size(const cJSON *s) {
    struct ddb_num n;
    if (num_of(s, &n) < 0)
        return cJSON_IsString(s) ? strlen(s->valuestring) : 0;
    return (size_t)(n.ndigits + 1) / 2 + 1;
}

static size_t b64_size(const cJSON *s) {
    size_t n = 0;
    unsigned char *d = cJSON_IsString(s) ? ddb_b64_decode(s->valuestring, &n) : NULL;
    free(d);
    return d ? n : 0;
}

static size_t str_size(const cJSON *s) {
    return cJSON_IsString(s) ? strlen(s->valuestring) : 0;
}

/*
 * Containers cost 3 bytes plus one byte per element or entry, on top of
 * the elements (and map keys) themselves: measured against DynamoDB by
 * ExtendDB tests/test_list_map_item_size.py (a 500-element list of "aa"
 * is 1,503 bytes, i.e. 2 WCU).
 */
size_t ddb_av_size(const struct cJSON *av) {
    enum ddb_type t = ddb_av_type(av);
    const cJSON *x = t == DDB_T_INVALID ? NULL : av->child;
    const cJSON *e;
    size_t n = 0;
    switch (t) {
    case DDB_T_S:
        return str_size(x);
    case DDB_T_N:
        return num_size(x);
    case DDB_T_B:
        return b64_size(x);
    case DDB_T_SS:
        cJSON_ArrayForEach(e, x) n += str_size(e);
        return n;
    case DDB_T_NS:
        cJSON_ArrayForEach(e, x) n += num_size(e);
        return n;
    case DDB_T_BS:
        cJSON_ArrayForEach(e, x) n += b64_size(e);
        return n;
    case DDB_T_M:
        n = 3;
        cJSON_ArrayForEach(e, x) n += (e->string ? strlen(e->string) : 0) + ddb_av_size(e) + 1;
        return n;
    case DDB_T_L:
        n = 3;
        cJSON_ArrayForEach(e, x) n += ddb_av_size(e) + 1;
        return n;
    case DDB_T_NULL:
    case DDB_T_BOOL:
        return 1;
    case DDB_T_INVALID:
        break;
    }
    return 0;
}

size_t ddb_item_size(const struct cJSON *item) {
    size_t n = 0;
    const cJSON *e;
    /* An array (a malformed item, or a value a fuzzer hands over) has
     * members without names: they count as empty names. */
    cJSON_ArrayForEach(e, item) n += (e->string ? strlen(e->string) : 0) + ddb_av_size(e);
    return n;
}
