/*
 * In-process calls of sluice's own operations (api/call.h).
 */
#include "api/call.h"
#include "api/aws_error.h"
#include "api/request.h"
#include "base/util.h"

#include <cjson/cJSON.h>

#include <errno.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static size_t (*call_prepare)(struct req *);
static void (*call_dispatch)(struct req *);

void call_init(size_t (*prepare)(struct req *), void (*dispatch)(struct req *)) {
    call_prepare = prepare;
    call_dispatch = dispatch;
}

/* The request's headers: X-Amz-Target, Content-Type and C's extras. */
static const char *call_header(void *ctx, const char *name) {
    const struct call *c = ctx;
    if (strcasecmp(name, "X-Amz-Target") == 0) return c->target;
    if (strcasecmp(name, "Content-Type") == 0) {
        if (c->content_type) return c->content_type;
        if (c->target) return "application/x-amz-json-1.0";
        if (c->body && strncmp(c->body, "Action=", 7) == 0)
            return "application/x-www-form-urlencoded; charset=utf-8";
        return NULL;
    }
    for (const char *const *h = c->headers; h && h[0]; h += 2)
        if (strcasecmp(name, h[0]) == 0) return h[1];
    return NULL;
}

int call_run(struct call *c) {
    int rc = -1;
    struct req *r = xcalloc(1, sizeof(*r));
    r->method = c->method;
    const char *q = strchr(c->path, '?');
    r->path = q ? xstrndup(c->path, (size_t)(q - c->path)) : xstrdup(c->path);
    if (q) req_parse_query(r, q + 1);
    r->nbody = c->body ? c->nbody : 0;
    r->body = xmalloc(r->nbody + 1);
    if (r->nbody) memcpy(r->body, c->body, r->nbody);
    r->body[r->nbody] = '\0';
    r->header_fn = call_header;
    r->header_ctx = c;
    snprintf(r->account, sizeof(r->account), "%s", c->account);
    snprintf(r->region, sizeof(r->region), "%s", c->region);
    snprintf(r->service, sizeof(r->service), "%s", c->service);
    util_uuid(r->request_id);
    snprintf(c->request_id, sizeof(c->request_id), "%s", r->request_id);
    r->keep_tree = 1;
    if (call_prepare == NULL || call_dispatch == NULL) {
        c->status = 500;
        c->code = xstrdup("InternalFailure");
        c->message = xstrdup("in-process calls are not set up (call_init)");
        goto out;
    }
    call_prepare(r);
    call_dispatch(r);
    if (r->err) {
        c->status = r->err->status;
        c->code = xstrdup(r->err->code);
        c->message = xstrdup(r->err_msg ? r->err_msg : "");
        goto out;
    }
    c->status = r->status ? r->status : 200;
    if (r->out_tree) {
        c->out = r->out_tree;
        r->out_tree = NULL;
    }
    if (r->resp_in_file) {
        /* A large S3 object: read it in, as a client would. */
        char *buf = xmalloc(r->nresp + 1);
        size_t got = 0;
        while (got < r->nresp) {
            ssize_t k = pread(r->resp_fd, buf + got, r->nresp - got, (off_t)(r->resp_off + (long long)got));
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) break;
            got += (size_t)k;
        }
        buf[got] = '\0';
        free(r->resp_body);
        r->resp_body = buf;
        r->nresp = got;
    }
    if (r->resp_body) {
        c->raw = r->resp_body;
        c->nraw = r->nresp;
        r->resp_body = NULL;
        if (c->out == NULL && c->nraw > 0 && (c->raw[0] == '{' || c->raw[0] == '['))
            c->out = cJSON_ParseWithLength(c->raw, c->nraw);
    }
    if (c->status >= 200 && c->status < 300) rc = 0;
    else {
        c->code = xstrdup("UnknownError");
        c->message = xstrdup("the operation failed without an error code");
    }
out:
    req_free(r);
    return rc;
}

void call_clear(struct call *c) {
    cJSON_Delete(c->out);
    free(c->raw);
    free(c->code);
    free(c->message);
    c->out = NULL;
    c->raw = NULL;
    c->nraw = 0;
    c->code = NULL;
    c->message = NULL;
    c->status = 0;
}

char *call_reason(const struct call *c, const char *svc_title) {
    return xasprintf("Resource handler returned message: \"%s\" (Service: %s, Status Code: %d, "
                     "Request ID: %s)",
                     c->message ? c->message : "", svc_title, c->status, c->request_id);
}

/* Appends NAME=VALUE (both percent-encoded) to B. */
static void form_pair(struct util_buf *b, const char *name, const char *value) {
    char *n = util_pct_encode(name, NULL), *v = util_pct_encode(value, NULL);
    util_buf_add(b, "&");
    util_buf_add(b, n);
    util_buf_add(b, "=");
    util_buf_add(b, v);
    free(n);
    free(v);
}

/* Flattens V under NAME into B (call_form). */
static void form_value(struct util_buf *b, const char *name, const cJSON *v) {
    char num[64];
    if (cJSON_IsString(v)) {
        form_pair(b, name, v->valuestring);
    } else if (cJSON_IsBool(v)) {
        form_pair(b, name, cJSON_IsTrue(v) ? "true" : "false");
    } else if (cJSON_IsNumber(v)) {
        if (v->valuedouble == (double)(long long)v->valuedouble)
            snprintf(num, sizeof(num), "%lld", (long long)v->valuedouble);
        else
            snprintf(num, sizeof(num), "%.17g", v->valuedouble);
        form_pair(b, name, num);
    } else if (cJSON_IsArray(v)) {
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            char *sub = xasprintf("%s.member.%d", name, ++i);
            form_value(b, sub, e);
            free(sub);
        }
        if (i == 0) form_pair(b, name, "");
    } else if (cJSON_IsObject(v)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, v) {
            char *sub = xasprintf("%s.%s", name, e->string);
            form_value(b, sub, e);
            free(sub);
        }
    }
}

char *call_form(const char *action, const char *version, const cJSON *form) {
    struct util_buf b = {0};
    char *a = util_pct_encode(action, NULL), *v = util_pct_encode(version, NULL);
    util_buf_add(&b, "Action=");
    util_buf_add(&b, a);
    util_buf_add(&b, "&Version=");
    util_buf_add(&b, v);
    free(a);
    free(v);
    const cJSON *e;
    cJSON_ArrayForEach(e, form) form_value(&b, e->string, e);
    return b.z;
}
