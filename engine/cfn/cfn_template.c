/*
 * Template text to cJSON: JSON through cJSON, YAML through libyaml's event
 * parser with CloudFormation's short forms rewritten to long forms, and the
 * top-level shape check every operation runs first. Pure; see
 * cfn_template.h for the contracts. Called by the CloudFormation service.
 */
#include "engine/cfn/cfn_template.h"

#include "base/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---------------------------------------------------------------- JSON */

/* Line and column (1-based) of byte OFF in Z. */
static void line_col(const char *z, size_t off, size_t *line, size_t *col) {
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (z[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

/* 0 when no container in V nests deeper than LIMIT levels below DEPTH. */
static int depth_ok(const cJSON *v, int depth) {
    if (depth > CFN_TEMPLATE_MAX_DEPTH)
        return 0;
    for (const cJSON *c = v->child; c; c = c->next)
        if ((cJSON_IsArray(c) || cJSON_IsObject(c)) && !depth_ok(c, depth + 1))
            return 0;
    return 1;
}

static cJSON *parse_json(const char *z, size_t n, char **err) {
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(z, n, &end, 0);
    size_t line, col;
    if (!root) {
        size_t off = end && end >= z && end <= z + n ? (size_t)(end - z) : 0;
        line_col(z, off, &line, &col);
        *err = xasprintf("Template format error: JSON not well-formed. (line %zu, column %zu)",
                         line, col);
        return NULL;
    }
    size_t off = (size_t)(end - z);
    while (off < n && (z[off] == ' ' || z[off] == '\t' || z[off] == '\r' || z[off] == '\n'))
        off++;
    if (off < n) {
        line_col(z, off, &line, &col);
        *err = xasprintf("Template format error: JSON not well-formed. (line %zu, column %zu)",
                         line, col);
        cJSON_Delete(root);
        return NULL;
    }
    if (!cJSON_IsObject(root) || !depth_ok(root, 1)) {
        *err = xstrdup(cJSON_IsObject(root)
                           ? "Template format error: JSON not well-formed. (nesting too deep)"
                           : "Template format error: JSON not well-formed. (line 1, column 1)");
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* ---------------------------------------------------------------- YAML */

/* The short forms CloudFormation defines as YAML tags ("!Ref" ...), and the
 * Rules functions, which take the same "!" form. */
static const char *const SHORT_FORMS[] = {
    "And",    "Base64",     "Cidr",      "Condition",       "Contains", "EachMemberEquals",
    "EachMemberIn", "Equals", "FindInMap", "GetAZs",        "GetAtt",   "If",
    "ImportValue", "Join",  "Length",    "Not",             "Or",       "Ref",
    "RefAll", "Select",     "Split",     "Sub",             "ToJsonString", "Transform",
    "ValueOf", "ValueOfAll",
};

struct anchor {
    char *name;
    cJSON *node;  /* a private copy (the original may become a key and be freed) */
    size_t count; /* nodes in NODE, charged again at each alias */
};

struct yp {
    yaml_parser_t parser;
    struct anchor *anchors;
    size_t nanchors, cap;
    size_t nodes; /* nodes built so far, aliases counted in full */
    char *err;
};

static void yfail_at(struct yp *p, const yaml_mark_t *m, const char *what) {
    if (p->err)
        return;
    if (what)
        p->err = xasprintf("Template format error: YAML not well-formed. %s (line %zu, column %zu)",
                           what, m->line + 1, m->column + 1);
    else
        p->err = xasprintf("Template format error: YAML not well-formed. (line %zu, column %zu)",
                           m->line + 1, m->column + 1);
}

/* Fetches the next event into EV; 0, or -1 with p->err set. */
static int next_event(struct yp *p, yaml_event_t *ev) {
    if (!yaml_parser_parse(&p->parser, ev)) {
        yfail_at(p, &p->parser.problem_mark, NULL);
        return -1;
    }
    return 0;
}

/* Resolves S (LEN bytes, a plain scalar with no explicit tag) as YAML 1.1
 * does: null, bool (but not y/n: like PyYAML, which the aws CLI and
 * cfn-lint read templates with, "y" stays a string), int (decimal,
 * 0-octal, 0x hex, 0b binary, '_' allowed)
 * or float (with a '.'). Everything else, and numbers a double cannot hold
 * exactly (beyond 2^53) or JSON cannot (.inf, .nan), stays a string. */
static cJSON *resolve_plain(const char *s, size_t len) {
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    static const char *const trues[] = {"yes", "Yes", "YES", "true", "True", "TRUE",
                                        "on", "On", "ON"};
    static const char *const falses[] = {"no", "No", "NO", "false", "False", "FALSE",
                                         "off", "Off", "OFF"};
    for (size_t i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (strcmp(s, nulls[i]) == 0)
            return cJSON_CreateNull();
    for (size_t i = 0; i < sizeof(trues) / sizeof(trues[0]); i++)
        if (strcmp(s, trues[i]) == 0)
            return cJSON_CreateTrue();
    for (size_t i = 0; i < sizeof(falses) / sizeof(falses[0]); i++)
        if (strcmp(s, falses[i]) == 0)
            return cJSON_CreateFalse();
    if (len == 0 || len > 64)
        return cJSON_CreateString(s);
    /* Strip '_' and classify. */
    char buf[72];
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] != '_')
            buf[n++] = s[i];
    buf[n] = 0;
    const char *d = buf;
    if (*d == '+' || *d == '-')
        d++;
    if (!*d || (s[0] == '_'))
        return cJSON_CreateString(s);
    int base = 10;
    int is_float = 0;
    if (d[0] == '0' && (d[1] == 'x' || d[1] == 'b') && d[2]) {
        base = d[1] == 'x' ? 16 : 2;
    } else if (d[0] == '0' && d[1] && !strchr(d, '.')) {
        base = 8;
    } else if (strchr(d, '.')) {
        is_float = 1;
    }
    if (is_float) {
        /* YAML 1.1: [-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)? */
        const char *q = d;
        while (*q >= '0' && *q <= '9')
            q++;
        if (*q != '.')
            return cJSON_CreateString(s);
        char *end = NULL;
        errno = 0;
        double v = strtod(buf, &end);
        if (errno || *end || end == buf)
            return cJSON_CreateString(s);
        return cJSON_CreateNumber(v);
    }
    const char *digits = base == 16 || base == 2 ? d + 2 : d;
    for (const char *q = digits; *q; q++) {
        int ok = base == 16 ? ((*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
                               (*q >= 'A' && *q <= 'F'))
                 : base == 2 ? (*q == '0' || *q == '1')
                 : base == 8 ? (*q >= '0' && *q <= '7')
                             : (*q >= '0' && *q <= '9');
        if (!ok)
            return cJSON_CreateString(s);
    }
    errno = 0;
    char *end = NULL;
    long long v = strtoll(digits, &end, base);
    if (errno || *end || v > (1LL << 53))
        return cJSON_CreateString(s);
    return cJSON_CreateNumber((double)(buf[0] == '-' ? -v : v));
}

/* The short form named by TAG ("!Ref" -> "Ref"), or NULL when TAG is not
 * one; *UNKNOWN is set for a "!" tag CloudFormation does not define. */
static const char *short_form(const char *tag, int *unknown) {
    *unknown = 0;
    if (!tag || tag[0] != '!' || tag[1] == 0)
        return NULL;
    for (size_t i = 0; i < sizeof(SHORT_FORMS) / sizeof(SHORT_FORMS[0]); i++)
        if (strcmp(tag + 1, SHORT_FORMS[i]) == 0)
            return SHORT_FORMS[i];
    *unknown = 1;
    return NULL;
}

/* Wraps V (taken) in the long form of short form FN. */
static cJSON *long_form(const char *fn, cJSON *v) {
    cJSON *o = cJSON_CreateObject();
    if (strcmp(fn, "Ref") == 0 || strcmp(fn, "Condition") == 0) {
        cJSON_AddItemToObject(o, fn, v);
        return o;
    }
    char key[32];
    snprintf(key, sizeof(key), "Fn::%s", fn);
    if (strcmp(fn, "GetAtt") == 0 && cJSON_IsString(v)) {
        /* "!GetAtt A.B.C" is ["A", "B.C"]: the logical id has no dots. */
        const char *dot = strchr(v->valuestring, '.');
        if (dot) {
            cJSON *a = cJSON_CreateArray();
            char *id = xstrndup(v->valuestring, (size_t)(dot - v->valuestring));
            cJSON_AddItemToArray(a, cJSON_CreateString(id));
            cJSON_AddItemToArray(a, cJSON_CreateString(dot + 1));
            free(id);
            cJSON_Delete(v);
            v = a;
        }
    }
    cJSON_AddItemToObject(o, key, v);
    return o;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first key that occurs twice in object O, or NULL. */
static const char *duplicate_key(const cJSON *o) {
    size_t n = 0;
    for (const cJSON *c = o->child; c; c = c->next)
        n++;
    if (n < 2)
        return NULL;
    const char **keys = xmalloc(n * sizeof(*keys));
    size_t i = 0;
    for (const cJSON *c = o->child; c; c = c->next)
        keys[i++] = c->string;
    qsort(keys, n, sizeof(*keys), cmp_str);
    const char *dup = NULL;
    for (i = 1; i < n && !dup; i++)
        if (strcmp(keys[i - 1], keys[i]) == 0)
            dup = keys[i];
    free(keys);
    return dup;
}

static cJSON *build_node(struct yp *p, yaml_event_t *ev, int depth);

/* Builds the members of the mapping whose start event was consumed. */
static cJSON *build_mapping(struct yp *p, const yaml_mark_t *start, int depth) {
    cJSON *o = cJSON_CreateObject();
    for (;;) {
        yaml_event_t kev;
        if (next_event(p, &kev) < 0)
            goto fail;
        if (kev.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&kev);
            break;
        }
        /* A plain untagged key stays its text ("On:" names a key, not true). */
        cJSON *k = kev.type == YAML_SCALAR_EVENT && !kev.data.scalar.tag &&
                           !kev.data.scalar.anchor
                       ? cJSON_CreateString((const char *)kev.data.scalar.value)
                       : build_node(p, &kev, depth + 1);
        yaml_mark_t kmark = kev.start_mark;
        yaml_event_delete(&kev);
        if (!k)
            goto fail;
        if (!cJSON_IsString(k) && !cJSON_IsNumber(k) && !cJSON_IsBool(k) && !cJSON_IsNull(k)) {
            cJSON_Delete(k);
            yfail_at(p, &kmark, "Mapping keys must be scalars.");
            goto fail;
        }
        char *key = cJSON_IsString(k) ? xstrdup(k->valuestring) : cJSON_PrintUnformatted(k);
        cJSON_Delete(k);
        yaml_event_t vev;
        if (next_event(p, &vev) < 0) {
            free(key);
            goto fail;
        }
        cJSON *v = build_node(p, &vev, depth + 1);
        yaml_event_delete(&vev);
        if (!v) {
            free(key);
            goto fail;
        }
        cJSON_AddItemToObject(o, key, v);
        free(key);
    }
    const char *dup = duplicate_key(o);
    if (dup) {
        char *what = xasprintf("Duplicate key '%s' in the mapping starting at", dup);
        yfail_at(p, start, what);
        free(what);
        goto fail;
    }
    return o;
fail:
    cJSON_Delete(o);
    return NULL;
}

static cJSON *build_sequence(struct yp *p, int depth) {
    cJSON *a = cJSON_CreateArray();
    for (;;) {
        yaml_event_t ev;
        if (next_event(p, &ev) < 0)
            goto fail;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return a;
        }
        cJSON *v = build_node(p, &ev, depth + 1);
        yaml_event_delete(&ev);
        if (!v)
            goto fail;
        cJSON_AddItemToArray(a, v);
    }
fail:
    cJSON_Delete(a);
    return NULL;
}

static cJSON *build_scalar(struct yp *p, yaml_event_t *ev) {
    const char *s = (const char *)ev->data.scalar.value;
    const char *tag = (const char *)ev->data.scalar.tag;
    if (!tag)
        return ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
                   ? resolve_plain(s, ev->data.scalar.length)
                   : cJSON_CreateString(s);
    if (strcmp(tag, "tag:yaml.org,2002:null") == 0 || strcmp(tag, "tag:yaml.org,2002:bool") == 0 ||
        strcmp(tag, "tag:yaml.org,2002:int") == 0 || strcmp(tag, "tag:yaml.org,2002:float") == 0)
        return resolve_plain(s, ev->data.scalar.length);
    return cJSON_CreateString(s); /* "!", !!str, !!binary, !!timestamp, short forms */
}

static size_t count_nodes(const cJSON *v) {
    size_t n = 1;
    for (const cJSON *c = v->child; c; c = c->next)
        n += count_nodes(c);
    return n;
}

/* Builds the node that starts with EV (not consumed by this call: the
 * caller deletes EV), reading events up to its end. NULL on error. */
static cJSON *build_node(struct yp *p, yaml_event_t *ev, int depth) {
    if (depth > CFN_TEMPLATE_MAX_DEPTH) {
        yfail_at(p, &ev->start_mark, "Nesting too deep.");
        return NULL;
    }
    if (++p->nodes > CFN_TEMPLATE_MAX_NODES) {
        yfail_at(p, &ev->start_mark, "Too many nodes.");
        return NULL;
    }
    const char *tag = NULL;
    const char *anchor = NULL;
    cJSON *v = NULL;
    size_t before = p->nodes;
    switch (ev->type) {
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)ev->data.alias.anchor;
        for (size_t i = p->nanchors; i-- > 0;) {
            if (strcmp(p->anchors[i].name, name) == 0) {
                p->nodes += p->anchors[i].count;
                if (p->nodes > CFN_TEMPLATE_MAX_NODES) {
                    yfail_at(p, &ev->start_mark, "Too many nodes.");
                    return NULL;
                }
                return cJSON_Duplicate(p->anchors[i].node, 1);
            }
        }
        yfail_at(p, &ev->start_mark, "Unknown alias.");
        return NULL;
    }
    case YAML_SCALAR_EVENT:
        tag = (const char *)ev->data.scalar.tag;
        anchor = (const char *)ev->data.scalar.anchor;
        v = build_scalar(p, ev);
        break;
    case YAML_SEQUENCE_START_EVENT:
        tag = (const char *)ev->data.sequence_start.tag;
        anchor = (const char *)ev->data.sequence_start.anchor;
        v = build_sequence(p, depth);
        break;
    case YAML_MAPPING_START_EVENT:
        tag = (const char *)ev->data.mapping_start.tag;
        anchor = (const char *)ev->data.mapping_start.anchor;
        v = build_mapping(p, &ev->start_mark, depth);
        break;
    default:
        yfail_at(p, &ev->start_mark, NULL);
        return NULL;
    }
    if (!v)
        return NULL;
    int unknown;
    const char *fn = short_form(tag, &unknown);
    if (unknown) {
        char *what = xasprintf("Unsupported tag %s.", tag);
        yfail_at(p, &ev->start_mark, what);
        free(what);
        cJSON_Delete(v);
        return NULL;
    }
    if (fn)
        v = long_form(fn, v);
    if (anchor) {
        if (p->nanchors == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 8;
            p->anchors = xrealloc(p->anchors, p->cap * sizeof(*p->anchors));
        }
        size_t count = p->nodes - before + 1;
        if (fn)
            count = count_nodes(v);
        p->anchors[p->nanchors++] =
            (struct anchor){xstrdup(anchor), cJSON_Duplicate(v, 1), count};
    }
    return v;
}

static cJSON *parse_yaml(const char *z, size_t n, char **err) {
    struct yp p = {0};
    cJSON *root = NULL;
    yaml_event_t ev;
    int have = 0;
    if (!yaml_parser_initialize(&p.parser)) {
        *err = xstrdup("Template format error: YAML not well-formed.");
        return NULL;
    }
    yaml_parser_set_input_string(&p.parser, (const unsigned char *)z, n);
    /* STREAM-START, then DOCUMENT-START (or STREAM-END for an empty text). */
    if (next_event(&p, &ev) < 0)
        goto out;
    yaml_event_delete(&ev);
    if (next_event(&p, &ev) < 0)
        goto out;
    if (ev.type != YAML_DOCUMENT_START_EVENT) {
        yaml_event_delete(&ev);
        yfail_at(&p, &p.parser.mark, "The template is empty.");
        goto out;
    }
    yaml_event_delete(&ev);
    if (next_event(&p, &ev) < 0)
        goto out;
    have = 1;
    root = build_node(&p, &ev, 1);
    if (!root)
        goto out;
    if (!cJSON_IsObject(root)) {
        yfail_at(&p, &ev.start_mark, "The template must be a mapping.");
        goto out;
    }
    yaml_event_delete(&ev);
    have = 0;
    /* DOCUMENT-END, then STREAM-END: a second document is an error. */
    if (next_event(&p, &ev) < 0)
        goto out;
    yaml_event_delete(&ev);
    if (next_event(&p, &ev) < 0)
        goto out;
    have = 1;
    if (ev.type != YAML_STREAM_END_EVENT)
        yfail_at(&p, &ev.start_mark, "Only one document is allowed.");
out:
    if (have)
        yaml_event_delete(&ev);
    for (size_t i = 0; i < p.nanchors; i++) {
        free(p.anchors[i].name);
        cJSON_Delete(p.anchors[i].node);
    }
    free(p.anchors);
    yaml_parser_delete(&p.parser);
    if (p.err) {
        cJSON_Delete(root);
        *err = p.err;
        return NULL;
    }
    return root;
}

cJSON *cfn_template_parse(const char *z, size_t n, char **err) {
    *err = NULL;
    if (n > CFN_TEMPLATE_MAX_BYTES) {
        *err = xasprintf("Template format error: the template is larger than %d bytes",
                         CFN_TEMPLATE_MAX_BYTES);
        return NULL;
    }
    size_t i = 0;
    if (n >= 3 && memcmp(z, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    while (i < n && (z[i] == ' ' || z[i] == '\t' || z[i] == '\r' || z[i] == '\n'))
        i++;
    if (i < n && z[i] == '{')
        return parse_json(z + i, n - i, err);
    return parse_yaml(z, n, err);
}

/* ---------------------------------------------------------------- check */

static const char *const SECTIONS[] = {
    "AWSTemplateFormatVersion", "Conditions", "Description", "Hooks",  "Mappings",
    "Metadata",                 "Outputs",    "Parameters",  "Resources", "Rules", "Transform",
};

int cfn_template_check(const cJSON *tmpl, char **err) {
    *err = NULL;
    if (!cJSON_IsObject(tmpl)) {
        *err = xstrdup("Template format error: At least one Resources member must be defined.");
        return -1;
    }
    for (const cJSON *s = tmpl->child; s; s = s->next) {
        int known = 0;
        for (size_t i = 0; i < sizeof(SECTIONS) / sizeof(SECTIONS[0]) && !known; i++)
            known = strcmp(s->string, SECTIONS[i]) == 0;
        if (!known) {
            *err = xasprintf("Template format error: Invalid template property or properties [%s]",
                             s->string);
            return -1;
        }
    }
    static const char *const objects[] = {"Parameters", "Mappings", "Conditions", "Outputs",
                                          "Rules"};
    for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(tmpl, objects[i]);
        if (s && !cJSON_IsObject(s)) {
            *err = xasprintf("Template format error: %s must be an object", objects[i]);
            return -1;
        }
    }
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(tmpl, "Resources");
    if (!cJSON_IsObject(res) || !res->child) {
        *err = xstrdup("Template format error: At least one Resources member must be defined.");
        return -1;
    }
    for (const cJSON *r = res->child; r; r = r->next) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(r, "Type");
        if (!cJSON_IsObject(r) || !type) {
            *err = xasprintf("Template format error: [/Resources/%s] Every Resources object must "
                             "contain a Type member.",
                             r->string);
            return -1;
        }
        if (!cJSON_IsString(type)) {
            *err = xasprintf("Template format error: [/Resources/%s/Type] Every Type member "
                             "must be a string.",
                             r->string);
            return -1;
        }
        const cJSON *cond = cJSON_GetObjectItemCaseSensitive(r, "Condition");
        if (cond && !cJSON_IsString(cond)) {
            *err = xstrdup("Template format error: Every Condition member must be a string.");
            return -1;
        }
    }
    const cJSON *outs = cJSON_GetObjectItemCaseSensitive(tmpl, "Outputs");
    for (const cJSON *o = outs ? outs->child : NULL; o; o = o->next) {
        if (!cJSON_IsObject(o) || !cJSON_GetObjectItemCaseSensitive(o, "Value")) {
            *err = xstrdup("Template format error: Every Outputs member must contain a Value "
                           "object");
            return -1;
        }
    }
    return 0;
}
