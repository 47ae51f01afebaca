/*
 * The AWS query protocol (api/query.h): form parameters to a cJSON tree,
 * result trees and errors to XML. Moved here from api/cloudwatch.c so
 * every query service shares one parser and one writer.
 */
#include "api/query.h"
#include "api/aws_error.h"
#include "api/op.h"
#include "api/request.h"
#include "base/util.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* -- input: form parameters to the JSON tree -- */

/* Sets the value at dotted KEY ("A.member.2.B") under ROOT. Lists are
 * built as objects {"member": {"2": ...}} and turned into arrays by
 * listify() once every parameter is in. */
static void form_set(cJSON *root, const char *key, const char *value) {
    char *k = xstrdup(key);
    cJSON *cur = root;
    char *save = NULL;
    char *seg = strtok_r(k, ".", &save);
    while (seg) {
        char *next = strtok_r(NULL, ".", &save);
        cJSON *child = cJSON_GetObjectItemCaseSensitive(cur, seg);
        if (next == NULL) {
            if (child == NULL) cJSON_AddStringToObject(cur, seg, value);
            break;
        }
        if (child == NULL) child = cJSON_AddObjectToObject(cur, seg);
        if (!cJSON_IsObject(child)) break; /* both "A=x" and "A.B=y": keep the first */
        cur = child;
        seg = next;
    }
    free(k);
}

static int by_index(const void *a, const void *b) {
    const cJSON *x = *(cJSON *const *)a, *y = *(cJSON *const *)b;
    long i = strtol(x->string, NULL, 10), j = strtol(y->string, NULL, 10);
    return (i > j) - (i < j);
}

/* Replaces every {"member": {"1": a, "2": b}} under NODE by [a, b]
 * (ordered by index) and returns the new NODE; takes ownership of NODE.
 * Recursion is bounded by QUERY_MAX_KEY_DEPTH. */
static cJSON *listify(cJSON *node) {
    if (!cJSON_IsObject(node)) return node;
    cJSON *members = cJSON_GetObjectItemCaseSensitive(node, "member");
    if (members && node->child == members && members->next == NULL && cJSON_IsObject(members)) {
        int n = cJSON_GetArraySize(members);
        cJSON **items = xcalloc((size_t)n + 1, sizeof(*items));
        int k = 0;
        while (members->child) items[k++] = cJSON_DetachItemViaPointer(members, members->child);
        qsort(items, (size_t)k, sizeof(*items), by_index);
        cJSON *arr = cJSON_CreateArray();
        for (int i = 0; i < k; i++) {
            cJSON_free(items[i]->string);
            items[i]->string = NULL;
            cJSON_AddItemToArray(arr, listify(items[i]));
        }
        free(items);
        cJSON_Delete(node);
        return arr;
    }
    /* Rebuild the object with each child listified. */
    cJSON *out = cJSON_CreateObject();
    while (node->child) {
        cJSON *c = cJSON_DetachItemViaPointer(node, node->child);
        char *name = c->string;
        c->string = NULL;
        cJSON_AddItemToObject(out, name, listify(c));
        cJSON_free(name);
    }
    cJSON_Delete(node);
    return out;
}

static int key_depth(const char *k) {
    int depth = 1;
    for (const char *c = k; *c; c++) depth += *c == '.';
    return depth;
}

/* Adds one decoded body parameter K=V to ROOT, or to *ACTION / *VERSION.
 * Takes ownership of K and V. Returns 0 or -1 (recorded). */
static int form_add(struct req *req, cJSON *root, char *k, char *v, char **action, char **version) {
    int rc = 0;
    if (key_depth(k) > QUERY_MAX_KEY_DEPTH) {
        rc = req_fail(req, &AWSERR_QUERY_INVALID_VALUE, "The parameter name is too deeply nested.");
    } else if (strcmp(k, "Action") == 0) {
        free(*action);
        *action = v;
        v = NULL;
    } else if (strcmp(k, "Version") == 0) {
        free(*version);
        *version = v;
        v = NULL;
    } else {
        form_set(root, k, v);
    }
    free(k);
    free(v);
    return rc;
}

/* Adds the form-encoded body and the query string parameters of REQ to
 * ROOT. Returns 0 or -1 (recorded). */
static int form_parse(struct req *req, cJSON *root, char **action, char **version) {
    int nparams = 0;
    const char *p = req->body ? req->body : "";
    while (*p) {
        size_t n = strcspn(p, "&");
        const char *eq = memchr(p, '=', n);
        if (n > 0) {
            if (++nparams > QUERY_MAX_FORM_PARAMS)
                return req_fail(req, &AWSERR_QUERY_INVALID_VALUE, "Too many parameters in the request.");
            char *k = util_form_decode(p, eq ? (size_t)(eq - p) : n);
            char *v = eq ? util_form_decode(eq + 1, n - (size_t)(eq + 1 - p)) : xstrdup("");
            if (k == NULL || v == NULL) {
                free(k);
                free(v);
                return req_fail(req, &AWSERR_QUERY_INVALID_VALUE, "The request body is not valid form encoding.");
            }
            if (form_add(req, root, k, v, action, version) != 0) return -1;
        }
        p += n;
        if (*p == '&') p++;
    }
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].name, *v = req->query[i].value;
        if (strcmp(k, "Action") == 0) {
            if (*action == NULL) *action = xstrdup(v);
        } else if (strcmp(k, "Version") == 0) {
            if (*version == NULL) *version = xstrdup(v);
        } else if (strncmp(k, "X-Amz-", 6) != 0) {
            if (key_depth(k) > QUERY_MAX_KEY_DEPTH)
                return req_fail(req, &AWSERR_QUERY_INVALID_VALUE, "The parameter name is too deeply nested.");
            form_set(root, k, v);
        }
    }
    return 0;
}

int query_parse(struct req *req, cJSON **out, char **action, char **version) {
    cJSON *root = cJSON_CreateObject();
    if (form_parse(req, root, action, version) != 0) {
        cJSON_Delete(root);
        *out = NULL;
        return -1;
    }
    *out = listify(root);
    return 0;
}

char *query_form_value(const char *body, size_t n, const char *name) {
    size_t nname = strlen(name);
    const char *p = body, *end = body + n;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        size_t len = amp ? (size_t)(amp - p) : (size_t)(end - p);
        if (len > nname && memcmp(p, name, nname) == 0 && p[nname] == '=')
            return util_form_decode(p + nname + 1, len - nname - 1);
        p += len + 1;
    }
    return NULL;
}

const struct op *query_find(const struct service *svc, struct req *req, struct op_in *in) {
    char *version = NULL;
    const struct op *op = NULL;
    assert(svc->query_version != NULL);
    if (query_parse(req, &in->json, &in->action, &version) != 0) goto out;
    if (!cJSON_IsObject(in->json)) {
        req_fail(req, &AWSERR_QUERY_INVALID_VALUE, "The request parameters are not valid.");
        goto out;
    }
    if (in->action == NULL || in->action[0] == '\0') {
        req_fail(req, &AWSERR_QUERY_MISSING, "The request must contain the parameter Action.");
        goto out;
    }
    for (size_t i = 0; i < svc->nops; i++)
        if (strcmp(svc->ops[i].name, in->action) == 0) op = &svc->ops[i];
    if (op == NULL) {
        req_fail(req, &AWSERR_QUERY_INVALID_ACTION, "The action %.100s is not valid for this web service.",
                 in->action);
        goto out;
    }
    if (version == NULL || strcmp(version, svc->query_version) != 0) {
        req_fail(req, &AWSERR_QUERY_INVALID_VALUE, "The parameter Version must be %s.", svc->query_version);
        op = NULL;
    }
out:
    free(version);
    return op;
}

/* -- output: the JSON result as XML -- */

static void xput_text(struct util_buf *b, const char *z) {
    char *e = awserr_xml_escape(z);
    util_buf_add(b, e);
    free(e);
}

/* Shortest text that reads back as the same double. */
static void fmt_num(double d, char *out, size_t n) {
    snprintf(out, n, "%.15g", d);
    if (strtod(out, NULL) != d) snprintf(out, n, "%.17g", d);
    if (!strpbrk(out, ".eEn")) strncat(out, ".0", n - strlen(out) - 1);
}

typedef int (*time_pred)(const char *member);

static void xml_value(struct util_buf *b, const cJSON *v, int is_time, time_pred tp);

static void xml_elem(struct util_buf *b, const char *name, const cJSON *v, int is_time, time_pred tp) {
    util_buf_add(b, "<");
    util_buf_add(b, name);
    util_buf_add(b, ">");
    xml_value(b, v, is_time, tp);
    util_buf_add(b, "</");
    util_buf_add(b, name);
    util_buf_add(b, ">");
}

static void xml_value(struct util_buf *b, const cJSON *v, int is_time, time_pred tp) {
    char num[64];
    if (cJSON_IsObject(v)) {
        for (const cJSON *c = v->child; c; c = c->next)
            xml_elem(b, c->string, c, tp && tp(c->string), tp);
    } else if (cJSON_IsArray(v)) {
        for (const cJSON *c = v->child; c; c = c->next) xml_elem(b, "member", c, is_time, tp);
    } else if (cJSON_IsString(v)) {
        xput_text(b, v->valuestring);
    } else if (cJSON_IsNumber(v) && is_time) {
        char iso[40];
        util_iso_time((int64_t)llround(v->valuedouble * 1000.0), iso, sizeof(iso));
        util_buf_add(b, iso);
    } else if (cJSON_IsNumber(v)) {
        /* Integral counts print as AWS does: 3.0. */
        fmt_num(v->valuedouble, num, sizeof(num));
        util_buf_add(b, num);
    } else if (cJSON_IsBool(v)) {
        util_buf_add(b, cJSON_IsTrue(v) ? "true" : "false");
    }
}

void query_reply(struct req *req, struct op_in *in, int (*is_time)(const char *member)) {
    const char *op = in->action;
    struct util_buf b = {0};
    assert(req->xmlns != NULL);
    util_buf_add(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<");
    util_buf_add(&b, op);
    util_buf_add(&b, "Response xmlns=\"");
    util_buf_add(&b, req->xmlns);
    util_buf_add(&b, "\"><");
    util_buf_add(&b, op);
    util_buf_add(&b, "Result>");
    xml_value(&b, in->out, 0, is_time);
    util_buf_add(&b, "</");
    util_buf_add(&b, op);
    util_buf_add(&b, "Result><ResponseMetadata><RequestId>");
    util_buf_add(&b, req->request_id);
    util_buf_add(&b, "</RequestId></ResponseMetadata></");
    util_buf_add(&b, op);
    util_buf_add(&b, "Response>");
    req_reply_raw(req, 200, "text/xml", b.z, b.n);
    free(b.z);
}

void query_reply_plain(struct req *req, struct op_in *in) {
    query_reply(req, in, NULL);
}

char *query_error_xml(const char *xmlns, const struct aws_error *e, const char *msg, const char *request_id) {
    char *xm = awserr_xml_escape(msg), *xc = awserr_xml_escape(e->code);
    char *xml = xasprintf("<ErrorResponse xmlns=\"%s\">"
                          "<Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error>"
                          "<RequestId>%s</RequestId></ErrorResponse>",
                          xmlns, e->server_fault ? "Receiver" : "Sender", xc, xm, request_id);
    free(xm);
    free(xc);
    return xml;
}
