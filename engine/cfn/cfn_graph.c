/*
 * Resource dependencies, their validation, and the creation, layer and
 * deletion orders (the deletion order is g->order read backwards). Pure;
 * see cfn_graph.h for the contracts. The CloudFormation deployer calls it
 * before any change to a stack.
 */
#include "engine/cfn/cfn_graph.h"

#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

/* A growable list of strings (unresolved names) or of indices. */
struct names {
    char **a;
    size_t n, cap;
};

struct walk {
    const struct cfn_graph *g;
    const cJSON *params;  /* the template's Parameters, or NULL */
    size_t self;          /* the resource being walked; (size_t)-1 in Outputs */
    size_t *deps;
    size_t ndeps, cap;
    struct names unresolved; /* Ref, Sub and DependsOn names that are nothing */
    char *getatt_missing;    /* first Fn::GetAtt of an undeclared resource */
};

static void names_add(struct names *s, const char *z, size_t n) {
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->a[i]) == n && strncmp(s->a[i], z, n) == 0)
            return;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->a = xrealloc(s->a, s->cap * sizeof(*s->a));
    }
    s->a[s->n++] = xstrndup(z, n);
}

static void names_free(struct names *s) {
    for (size_t i = 0; i < s->n; i++)
        free(s->a[i]);
    free(s->a);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

long cfn_graph_find(const struct cfn_graph *g, const char *id) {
    const char **hit = bsearch(&id, g->ids, g->n, sizeof(*g->ids), cmp_str);
    return hit ? (long)((char **)hit - g->ids) : -1;
}

/* Same as cfn_graph_find for the N bytes at Z. */
static long find_n(const struct cfn_graph *g, const char *z, size_t n) {
    char *id = xstrndup(z, n);
    long i = cfn_graph_find(g, id);
    free(id);
    return i;
}

static void add_dep(struct walk *w, size_t i) {
    if (w->self == (size_t)-1)
        return; /* Outputs depend on nothing the graph orders */
    if (w->ndeps == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->deps = xrealloc(w->deps, w->cap * sizeof(*w->deps));
    }
    w->deps[w->ndeps++] = i;
}

/* A Ref (or a Sub name without a dot) of the N bytes at Z. */
static void ref_name(struct walk *w, const char *z, size_t n) {
    if (n > 5 && strncmp(z, "AWS::", 5) == 0)
        return; /* pseudo parameters (an unknown one fails at evaluation) */
    long i = find_n(w->g, z, n);
    if (i >= 0) {
        add_dep(w, (size_t)i);
        return;
    }
    char *id = xstrndup(z, n);
    int param = w->params && cJSON_GetObjectItemCaseSensitive(w->params, id);
    free(id);
    if (!param)
        names_add(&w->unresolved, z, n);
}

static void get_att(struct walk *w, const char *z, size_t n) {
    long i = find_n(w->g, z, n);
    if (i >= 0)
        add_dep(w, (size_t)i);
    else if (!w->getatt_missing)
        w->getatt_missing = xstrndup(z, n);
}

/* The names in Fn::Sub string Z, less those VARS defines. */
static void sub_names(struct walk *w, const char *z, const cJSON *vars) {
    for (const char *p = strstr(z, "${"); p; p = strstr(p, "${")) {
        const char *close = strchr(p + 2, '}');
        if (!close)
            return;
        const char *name = p + 2;
        size_t n = (size_t)(close - name);
        p = close + 1;
        if (n == 0 || name[0] == '!')
            continue;
        char *key = xstrndup(name, n);
        int given = vars && cJSON_GetObjectItemCaseSensitive(vars, key);
        free(key);
        if (given)
            continue;
        const char *dot = memchr(name, '.', n);
        if (dot)
            get_att(w, name, (size_t)(dot - name));
        else
            ref_name(w, name, n);
    }
}

static void walk(struct walk *w, const cJSON *v) {
    if (!v)
        return;
    const cJSON *only = cJSON_IsObject(v) && v->child && !v->child->next ? v->child : NULL;
    if (only && strcmp(only->string, "Ref") == 0 && cJSON_IsString(only)) {
        ref_name(w, only->valuestring, strlen(only->valuestring));
        return;
    }
    if (only && strcmp(only->string, "Fn::GetAtt") == 0) {
        if (cJSON_IsString(only)) {
            const char *dot = strchr(only->valuestring, '.');
            size_t n = dot ? (size_t)(dot - only->valuestring) : strlen(only->valuestring);
            get_att(w, only->valuestring, n);
            return;
        }
        if (cJSON_IsArray(only) && cJSON_IsString(only->child)) {
            get_att(w, only->child->valuestring, strlen(only->child->valuestring));
            for (const cJSON *e = only->child->next; e; e = e->next)
                walk(w, e);
            return;
        }
    }
    if (only && strcmp(only->string, "Fn::Sub") == 0) {
        if (cJSON_IsString(only)) {
            sub_names(w, only->valuestring, NULL);
            return;
        }
        if (cJSON_IsArray(only) && cJSON_IsString(only->child)) {
            const cJSON *vars = only->child->next;
            sub_names(w, only->child->valuestring, cJSON_IsObject(vars) ? vars : NULL);
            for (const cJSON *e = vars; e; e = e->next)
                walk(w, e);
            return;
        }
    }
    for (const cJSON *e = v->child; e; e = e->next)
        walk(w, e);
}

/* DependsOn of resource R: a string or a list of strings. */
static void depends_on(struct walk *w, const cJSON *r) {
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(r, "DependsOn");
    if (!d)
        return;
    const cJSON *first = cJSON_IsArray(d) ? d->child : d;
    for (const cJSON *e = first; e; e = cJSON_IsArray(d) ? e->next : NULL) {
        if (!cJSON_IsString(e)) {
            names_add(&w->unresolved, "DependsOn", 9);
            continue;
        }
        long i = cfn_graph_find(w->g, e->valuestring);
        if (i >= 0)
            add_dep(w, (size_t)i);
        else
            names_add(&w->unresolved, e->valuestring, strlen(e->valuestring));
    }
}

/* "Template format error: Unresolved resource dependencies [A, B] in the
 * BLOCK block of the template", names sorted. */
static char *unresolved_msg(struct names *s, const char *block) {
    qsort(s->a, s->n, sizeof(*s->a), cmp_str);
    size_t len = 0;
    for (size_t i = 0; i < s->n; i++)
        len += strlen(s->a[i]) + 2;
    char *list = xmalloc(len + 1);
    list[0] = 0;
    for (size_t i = 0; i < s->n; i++) {
        if (i)
            strcat(list, ", ");
        strcat(list, s->a[i]);
    }
    char *msg = xasprintf("Template format error: Unresolved resource dependencies [%s] in the "
                          "%s block of the template", list, block);
    free(list);
    return msg;
}

/* Fills g->deps for every resource and checks the Outputs' references. */
static int collect(struct cfn_graph *g, const cJSON *tmpl, char **err) {
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(tmpl, "Resources");
    struct walk w = {.g = g, .params = cJSON_GetObjectItemCaseSensitive(tmpl, "Parameters")};
    int rc = 0;
    for (size_t i = 0; i < g->n; i++) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(res, g->ids[i]);
        w.self = i;
        w.ndeps = 0;
        walk(&w, cJSON_GetObjectItemCaseSensitive(r, "Properties"));
        depends_on(&w, r);
        if (w.ndeps)
            qsort(w.deps, w.ndeps, sizeof(*w.deps), cmp_size);
        size_t u = 0;
        for (size_t k = 0; k < w.ndeps; k++)
            if (u == 0 || w.deps[u - 1] != w.deps[k])
                w.deps[u++] = w.deps[k];
        g->deps[i] = xmalloc((u ? u : 1) * sizeof(size_t));
        if (u)
            memcpy(g->deps[i], w.deps, u * sizeof(size_t));
        g->ndeps[i] = u;
    }
    const char *block = "Resources";
    if (!w.unresolved.n && !w.getatt_missing) {
        w.self = (size_t)-1;
        walk(&w, cJSON_GetObjectItemCaseSensitive(tmpl, "Outputs"));
        block = "Outputs";
    }
    if (w.unresolved.n) {
        *err = unresolved_msg(&w.unresolved, block);
        rc = -1;
    } else if (w.getatt_missing) {
        *err = xasprintf("Template error: instance of Fn::GetAtt references undefined resource %s",
                         w.getatt_missing);
        rc = -1;
    }
    names_free(&w.unresolved);
    free(w.getatt_missing);
    free(w.deps);
    return rc;
}

/* Kahn's algorithm, taking the smallest ready index (ids are sorted, so
 * that is the smallest logical id) each round. Returns the count placed;
 * fewer than g->n means a cycle. */
static size_t order(struct cfn_graph *g) {
    size_t *left = xcalloc(g->n ? g->n : 1, sizeof(size_t)); /* unmet deps */
    char *done = xcalloc(g->n ? g->n : 1, 1);
    for (size_t i = 0; i < g->n; i++)
        left[i] = g->ndeps[i];
    size_t placed = 0;
    for (; placed < g->n; placed++) {
        size_t pick = g->n;
        for (size_t i = 0; i < g->n && pick == g->n; i++)
            if (!done[i] && left[i] == 0)
                pick = i;
        if (pick == g->n)
            break;
        done[pick] = 1;
        g->order[placed] = pick;
        size_t lay = 0;
        for (size_t k = 0; k < g->ndeps[pick]; k++)
            if (g->layer[g->deps[pick][k]] + 1 > lay)
                lay = g->layer[g->deps[pick][k]] + 1;
        g->layer[pick] = lay;
        if (lay + 1 > g->nlayers)
            g->nlayers = lay + 1;
        for (size_t i = 0; i < g->n; i++)
            for (size_t k = 0; k < g->ndeps[i] && !done[i]; k++)
                if (g->deps[i][k] == pick)
                    left[i]--;
    }
    free(left);
    free(done);
    return placed;
}

/* "Circular dependency between resources: [A, B]": the unplaced resources
 * that lie on a cycle (those only downstream of one are dropped by peeling
 * off, repeatedly, unplaced resources that no unplaced resource needs). */
static char *cycle_msg(const struct cfn_graph *g, size_t placed) {
    char *in = xcalloc(g->n, 1);
    for (size_t i = 0; i < g->n; i++)
        in[i] = 1;
    for (size_t k = 0; k < placed; k++)
        in[g->order[k]] = 0;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < g->n; i++) {
            if (!in[i])
                continue;
            int needed = 0;
            for (size_t j = 0; j < g->n && !needed; j++)
                for (size_t k = 0; in[j] && k < g->ndeps[j] && !needed; k++)
                    needed = g->deps[j][k] == i;
            if (!needed) {
                in[i] = 0;
                changed = 1;
            }
        }
    }
    size_t len = 1;
    for (size_t i = 0; i < g->n; i++)
        if (in[i])
            len += strlen(g->ids[i]) + 2;
    char *list = xmalloc(len);
    list[0] = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (!in[i])
            continue;
        if (list[0])
            strcat(list, ", ");
        strcat(list, g->ids[i]);
    }
    char *msg = xasprintf("Circular dependency between resources: [%s]", list);
    free(list);
    free(in);
    return msg;
}

int cfn_graph_build(const cJSON *tmpl, struct cfn_graph **out, char **err) {
    *err = NULL;
    *out = NULL;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(tmpl, "Resources");
    size_t n = 0;
    for (const cJSON *r = res ? res->child : NULL; r; r = r->next)
        n++;
    if (n > CFN_GRAPH_MAX_RESOURCES) {
        *err = xasprintf("Template format error: Number of resources, %zu, is greater than "
                         "maximum allowed, %d", n, CFN_GRAPH_MAX_RESOURCES);
        return -1;
    }
    struct cfn_graph *g = xcalloc(1, sizeof(*g));
    size_t cap = n ? n : 1;
    g->n = n;
    g->ids = xcalloc(cap, sizeof(*g->ids));
    g->deps = xcalloc(cap, sizeof(*g->deps));
    g->ndeps = xcalloc(cap, sizeof(*g->ndeps));
    g->order = xcalloc(cap, sizeof(*g->order));
    g->layer = xcalloc(cap, sizeof(*g->layer));
    size_t i = 0;
    for (const cJSON *r = res ? res->child : NULL; r; r = r->next)
        g->ids[i++] = xstrdup(r->string);
    qsort(g->ids, n, sizeof(*g->ids), cmp_str);
    int rc = collect(g, tmpl, err);
    if (rc == 0) {
        size_t placed = order(g);
        if (placed < n) {
            *err = cycle_msg(g, placed);
            rc = -1;
        }
    }
    if (rc < 0) {
        cfn_graph_free(g);
        return -1;
    }
    *out = g;
    return 0;
}

size_t cfn_graph_delete_at(const struct cfn_graph *g, size_t k) {
    return g->order[g->n - 1 - k];
}

void cfn_graph_free(struct cfn_graph *g) {
    if (!g)
        return;
    for (size_t i = 0; i < g->n; i++) {
        free(g->ids[i]);
        free(g->deps[i]);
    }
    free(g->ids);
    free(g->deps);
    free(g->ndeps);
    free(g->order);
    free(g->layer);
    free(g);
}
