/*
 * engine/esm_filter.h: EventBridge-style patterns for FilterCriteria. A
 * pattern is validated once at parse time and kept as its cJSON tree;
 * matching walks the tree against a record. Called by api/lambda_esm.c
 * (validation) and by the pollers (matching).
 */
#include "engine/esm_filter.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Deepest nesting of pattern objects accepted. A 4096-character pattern
 * could nest ~2000 levels; real record shapes need fewer than 10, and the
 * cap keeps the recursive checker and matcher off deep stacks. */
#define ESM_FILTER_MAX_DEPTH 32

struct esm_filter {
    cJSON *root;   /* the validated pattern */
};

struct esm_filter_set {
    int n;
    struct esm_filter *v[ESM_FILTER_MAX_FILTERS];
};

static int fail(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t n, const char *fmt, ...) {
    if (err && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- validation ---- */

static int is_scalar(const cJSON *v) {
    return cJSON_IsString(v) || cJSON_IsNumber(v);
}

static int numeric_op(const char *z) {
    return strcmp(z, "=") == 0 || strcmp(z, "<") == 0 || strcmp(z, "<=") == 0 ||
           strcmp(z, ">") == 0 || strcmp(z, ">=") == 0;
}

/* Checks one operator object {"op": arg} of field KEY. */
static int check_operator(const cJSON *c, const char *key, char *err, size_t n) {
    const cJSON *op = c->child;
    if (op == NULL || op->next != NULL)
        return fail(err, n, "%s: an operator object holds exactly one operator", key);
    const char *name = op->string;
    if (strcmp(name, "prefix") == 0 || strcmp(name, "suffix") == 0 ||
        strcmp(name, "equals-ignore-case") == 0) {
        if (!cJSON_IsString(op)) return fail(err, n, "%s: %s takes a string", key, name);
        return 0;
    }
    if (strcmp(name, "exists") == 0) {
        if (!cJSON_IsBool(op)) return fail(err, n, "%s: exists takes true or false", key);
        return 0;
    }
    if (strcmp(name, "anything-but") == 0) {
        if (is_scalar(op)) return 0;
        if (cJSON_IsArray(op)) {
            if (op->child == NULL) return fail(err, n, "%s: anything-but list is empty", key);
            for (const cJSON *e = op->child; e; e = e->next)
                if (!is_scalar(e))
                    return fail(err, n, "%s: anything-but lists hold strings or numbers", key);
            return 0;
        }
        if (cJSON_IsObject(op)) {
            const cJSON *in = op->child;
            if (in && in->next == NULL && cJSON_IsString(in) &&
                (strcmp(in->string, "prefix") == 0 || strcmp(in->string, "suffix") == 0))
                return 0;
            return fail(err, n, "%s: anything-but takes a value, a list or {prefix|suffix}", key);
        }
        return fail(err, n, "%s: anything-but takes a value, a list or {prefix|suffix}", key);
    }
    if (strcmp(name, "numeric") == 0) {
        int k = cJSON_IsArray(op) ? cJSON_GetArraySize(op) : 0;
        if (k != 2 && k != 4) return fail(err, n, "%s: numeric takes [op, n] or [op, n, op, n]", key);
        int i = 0;
        for (const cJSON *e = op->child; e; e = e->next, i++) {
            if (i % 2 == 0 && !(cJSON_IsString(e) && numeric_op(e->valuestring)))
                return fail(err, n, "%s: unknown numeric operator", key);
            if (i % 2 == 1 && !cJSON_IsNumber(e))
                return fail(err, n, "%s: numeric compares with numbers", key);
        }
        return 0;
    }
    return fail(err, n, "%s: unsupported operator '%s'", key, name);
}

static int check_object(const cJSON *o, int depth, char *err, size_t n) {
    if (depth > ESM_FILTER_MAX_DEPTH) return fail(err, n, "pattern nested too deeply");
    if (o->child == NULL) return fail(err, n, "empty objects are not allowed");
    for (const cJSON *m = o->child; m; m = m->next) {
        if (cJSON_IsObject(m)) {
            if (check_object(m, depth + 1, err, n) != 0) return -1;
            continue;
        }
        if (!cJSON_IsArray(m))
            return fail(err, n, "%s: match values must be in an array", m->string);
        if (m->child == NULL) return fail(err, n, "%s: empty arrays are not allowed", m->string);
        for (const cJSON *c = m->child; c; c = c->next) {
            if (cJSON_IsObject(c)) {
                if (check_operator(c, m->string, err, n) != 0) return -1;
            } else if (cJSON_IsArray(c)) {
                return fail(err, n, "%s: arrays inside match arrays are not allowed", m->string);
            }
        }
    }
    return 0;
}

struct esm_filter *esm_filter_parse(const char *z, char *err, size_t n) {
    if (err && n) err[0] = '\0';
    if (z == NULL) {
        fail(err, n, "no pattern");
        return NULL;
    }
    cJSON *root = cJSON_Parse(z);
    if (root == NULL) {
        fail(err, n, "pattern is not valid JSON");
        return NULL;
    }
    struct esm_filter *f = NULL;
    if (!cJSON_IsObject(root)) {
        fail(err, n, "pattern must be a JSON object");
        goto out;
    }
    if (check_object(root, 1, err, n) != 0) goto out;
    f = xmalloc(sizeof(*f));
    f->root = root;
    root = NULL;
out:
    cJSON_Delete(root);
    return f;
}

void esm_filter_free(struct esm_filter *f) {
    if (f == NULL) return;
    cJSON_Delete(f->root);
    free(f);
}

/* ---- matching ---- */

static int starts_with(const char *z, const char *p) { return strncmp(z, p, strlen(p)) == 0; }

static int ends_with(const char *z, const char *s) {
    size_t nz = strlen(z), ns = strlen(s);
    return nz >= ns && strcmp(z + nz - ns, s) == 0;
}

/* 1 when the scalar pattern value P equals the record leaf V (same JSON
 * type: the number 5 does not equal the string "5"). */
static int equal_leaf(const cJSON *p, const cJSON *v) {
    if (cJSON_IsString(p)) return cJSON_IsString(v) && strcmp(p->valuestring, v->valuestring) == 0;
    if (cJSON_IsNumber(p)) return cJSON_IsNumber(v) && p->valuedouble == v->valuedouble;
    if (cJSON_IsTrue(p)) return cJSON_IsTrue(v);
    if (cJSON_IsFalse(p)) return cJSON_IsFalse(v);
    if (cJSON_IsNull(p)) return cJSON_IsNull(v);
    return 0;
}

static int numeric_holds(const cJSON *args, double x) {
    for (const cJSON *op = args->child; op && op->next; op = op->next->next) {
        const char *o = op->valuestring;
        double b = op->next->valuedouble;
        int ok = strcmp(o, "=") == 0 ? x == b
                 : strcmp(o, "<") == 0 ? x < b
                 : strcmp(o, "<=") == 0 ? x <= b
                 : strcmp(o, ">") == 0 ? x > b
                 : x >= b;
        if (!ok) return 0;
    }
    return 1;
}

/* One operator candidate against a present leaf V. */
static int match_operator(const cJSON *c, const cJSON *v) {
    const cJSON *op = c->child;
    const char *name = op->string;
    if (strcmp(name, "prefix") == 0) return cJSON_IsString(v) && starts_with(v->valuestring, op->valuestring);
    if (strcmp(name, "suffix") == 0) return cJSON_IsString(v) && ends_with(v->valuestring, op->valuestring);
    if (strcmp(name, "equals-ignore-case") == 0)
        return cJSON_IsString(v) && strcasecmp(v->valuestring, op->valuestring) == 0;
    if (strcmp(name, "exists") == 0) return cJSON_IsTrue(op);
    if (strcmp(name, "numeric") == 0) return cJSON_IsNumber(v) && numeric_holds(op, v->valuedouble);
    if (strcmp(name, "anything-but") == 0) {
        if (is_scalar(op)) return !equal_leaf(op, v);
        if (cJSON_IsArray(op)) {
            for (const cJSON *e = op->child; e; e = e->next)
                if (equal_leaf(e, v)) return 0;
            return 1;
        }
        const cJSON *in = op->child;   /* {prefix} or {suffix} */
        if (!cJSON_IsString(v)) return 1;
        return strcmp(in->string, "prefix") == 0 ? !starts_with(v->valuestring, in->valuestring)
                                                 : !ends_with(v->valuestring, in->valuestring);
    }
    return 0;
}

/* Candidates CANDS (an array) against a present leaf V: ORed. */
static int match_value(const cJSON *cands, const cJSON *v) {
    for (const cJSON *c = cands->child; c; c = c->next) {
        if (cJSON_IsObject(c) ? match_operator(c, v) : equal_leaf(c, v)) return 1;
    }
    return 0;
}

/* Candidates against a field with no leaf: only {"exists": false}. */
static int match_missing(const cJSON *cands) {
    for (const cJSON *c = cands->child; c; c = c->next) {
        if (cJSON_IsObject(c) && strcmp(c->child->string, "exists") == 0 && cJSON_IsFalse(c->child))
            return 1;
    }
    return 0;
}

static int is_leaf(const cJSON *v) { return v && !cJSON_IsObject(v) && !cJSON_IsArray(v); }

/* Candidates against the record member V (NULL when absent). An array
 * matches when any of its leaves does; objects are not leaves. */
static int match_field(const cJSON *cands, const cJSON *v) {
    if (cJSON_IsArray(v)) {
        int leaves = 0;
        for (const cJSON *e = v->child; e; e = e->next) {
            if (!is_leaf(e)) continue;
            leaves++;
            if (match_value(cands, e)) return 1;
        }
        return leaves == 0 && match_missing(cands);
    }
    if (!is_leaf(v)) return match_missing(cands);
    return match_value(cands, v);
}

/* Pattern object PAT against record object REC (NULL: absent subtree):
 * every field must match. */
static int match_object(const cJSON *pat, const cJSON *rec) {
    for (const cJSON *m = pat->child; m; m = m->next) {
        const cJSON *v = cJSON_IsObject(rec) ? cJSON_GetObjectItemCaseSensitive(rec, m->string) : NULL;
        int ok;
        if (cJSON_IsObject(m)) {
            if (cJSON_IsArray(v)) {
                ok = 0;
                for (const cJSON *e = v->child; e && !ok; e = e->next)
                    if (cJSON_IsObject(e)) ok = match_object(m, e);
            } else {
                ok = match_object(m, cJSON_IsObject(v) ? v : NULL);
            }
        } else {
            ok = match_field(m, v);
        }
        if (!ok) return 0;
    }
    return 1;
}

int esm_filter_match(const struct esm_filter *f, const cJSON *record) {
    return match_object(f->root, record);
}

/* ---- filter sets ---- */

struct esm_filter_set *esm_filter_set_new(const cJSON *criteria, char *err, size_t n) {
    struct esm_filter_set *s = xcalloc(1, sizeof(*s));
    if (err && n) err[0] = '\0';
    if (criteria == NULL || cJSON_IsNull(criteria)) return s;
    if (!cJSON_IsObject(criteria)) {
        fail(err, n, "FilterCriteria must be an object");
        goto bad;
    }
    const cJSON *filters = cJSON_GetObjectItemCaseSensitive(criteria, "Filters");
    if (filters == NULL || cJSON_IsNull(filters)) return s;
    if (!cJSON_IsArray(filters)) {
        fail(err, n, "Filters must be an array");
        goto bad;
    }
    if (cJSON_GetArraySize(filters) > ESM_FILTER_MAX_FILTERS) {
        fail(err, n, "more than %d filters", ESM_FILTER_MAX_FILTERS);
        goto bad;
    }
    for (const cJSON *f = filters->child; f; f = f->next) {
        const cJSON *p = cJSON_IsObject(f) ? cJSON_GetObjectItemCaseSensitive(f, "Pattern") : NULL;
        if (!cJSON_IsString(p)) {
            fail(err, n, "a filter needs a Pattern string");
            goto bad;
        }
        if (strlen(p->valuestring) > ESM_FILTER_MAX_PATTERN) {
            fail(err, n, "pattern longer than %d characters", ESM_FILTER_MAX_PATTERN);
            goto bad;
        }
        struct esm_filter *one = esm_filter_parse(p->valuestring, err, n);
        if (one == NULL) goto bad;
        s->v[s->n++] = one;
    }
    return s;
bad:
    esm_filter_set_free(s);
    return NULL;
}

int esm_filter_set_match(const struct esm_filter_set *s, const cJSON *record) {
    if (s->n == 0) return 1;
    for (int i = 0; i < s->n; i++)
        if (esm_filter_match(s->v[i], record)) return 1;
    return 0;
}

int esm_filter_set_count(const struct esm_filter_set *s) { return s->n; }

void esm_filter_set_free(struct esm_filter_set *s) {
    if (s == NULL) return;
    for (int i = 0; i < s->n; i++) esm_filter_free(s->v[i]);
    free(s);
}
