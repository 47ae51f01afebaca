/*
 * struct req helpers shared by every handler: header and query lookup,
 * recording errors, setting replies, freeing. See api/request.h.
 */
#include "api/request.h"
#include "api/aws_error.h"
#include "base/util.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *req_header(struct req *req, const char *name) {
    if (req->header_fn == NULL) return NULL;
    return req->header_fn(req->header_ctx, name);
}

const char *req_header_at(struct req *req, int i, const char **value) {
    if (req->header_at_fn == NULL) return NULL;
    return req->header_at_fn(req->header_ctx, i, value);
}

void req_parse_query(struct req *req, const char *q) {
    while (*q && req->nquery < REQ_MAX_QUERY) {
        size_t n = strcspn(q, "&");
        const char *eq = memchr(q, '=', n);
        size_t nk = eq ? (size_t)(eq - q) : n;
        if (nk > 0) {
            char *k = util_form_decode(q, nk);
            char *v = eq ? util_form_decode(eq + 1, n - nk - 1) : xstrdup("");
            if (k && v) {
                req->query[req->nquery].name = k;
                req->query[req->nquery].value = v;
                req->nquery++;
            } else {
                free(k);
                free(v);
            }
        }
        q += n;
        if (*q == '&') q++;
    }
}

const char *req_query(struct req *req, const char *name) {
    for (int i = 0; i < req->nquery; i++)
        if (strcmp(req->query[i].name, name) == 0) return req->query[i].value;
    return NULL;
}

int req_fail(struct req *req, const struct aws_error *kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = xvasprintf(fmt, ap);
    va_end(ap);
    free(req->err_msg);
    req->err_msg = msg;
    req->err = kind;
    req->err_rendered = 0;
    return -1;
}

int req_reply_json(struct req *req, int status, struct cJSON *root) {
    free(req->resp_body);
    req->resp_body = NULL;
    req->nresp = 0;
    if (root) {
        req->resp_body = cJSON_PrintUnformatted(root);
        if (req->resp_body == NULL) abort();
        req->nresp = strlen(req->resp_body);
        cJSON_Delete(root);
    }
    req->status = status;
    req->content_type = (req->proto == PROTO_JSON10 || req->proto == PROTO_CW_JSON) ? "application/x-amz-json-1.0"
                        : req->proto == PROTO_JSON11 ? "application/x-amz-json-1.1"
                                                     : "application/json";
    return 0;
}

int req_reply_json_with(struct req *req, int status, struct cJSON *root, const char *member,
                        const char *value, size_t n) {
    char *rest = cJSON_PrintUnformatted(root);
    if (rest == NULL) abort();
    cJSON_Delete(root);
    /* REST is "{}" or "{...}": MEMBER goes first, a comma before the rest. */
    size_t nm = strlen(member), nr = strlen(rest);
    int more = nr > 2;
    size_t len = 1 + 1 + nm + 2 + n + (size_t)more + (nr - 1);
    char *out = xmalloc(len + 1), *p = out;
    *p++ = '{';
    *p++ = '"';
    memcpy(p, member, nm);
    p += nm;
    *p++ = '"';
    *p++ = ':';
    memcpy(p, value, n);
    p += n;
    if (more) *p++ = ',';
    memcpy(p, rest + 1, nr - 1);
    p += nr - 1;
    *p = '\0';
    free(rest);
    req_reply_json(req, status, NULL);
    req->resp_body = out;
    req->nresp = len;
    return 0;
}

int req_reply_raw(struct req *req, int status, const char *content_type, const void *data,
                  size_t n) {
    free(req->resp_body);
    req->resp_body = xmalloc(n + 1);
    if (n) memcpy(req->resp_body, data, n);
    req->resp_body[n] = '\0';
    req->nresp = n;
    req->status = status;
    req->content_type = content_type;
    return 0;
}

void req_add_header(struct req *req, const char *name, const char *value) {
    if (req->nresp_headers >= REQ_MAX_RESP_HEADERS) return;
    req->resp_headers[req->nresp_headers].name = xstrdup(name);
    req->resp_headers[req->nresp_headers].value = xstrdup(value);
    req->nresp_headers++;
}

void req_free(struct req *req) {
    if (req == NULL) return;
    free(req->path);
    for (int i = 0; i < req->nquery; i++) {
        free(req->query[i].name);
        free(req->query[i].value);
    }
    for (int i = 0; i < req->nresp_headers; i++) {
        free(req->resp_headers[i].name);
        free(req->resp_headers[i].value);
    }
    free(req->body);
    free(req->resp_body);
    if (req->body_in_file) close(req->body_fd);
    if (req->resp_in_file) close(req->resp_fd);
    free(req->err_msg);
    cJSON_Delete(req->err_extra);
    cJSON_Delete(req->out_tree);
    free(req);
}
