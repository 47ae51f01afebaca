/*
 * The unit tests' request driver (tests/unit/driver.h).
 */
#include "tests/unit/driver.h"
#include "api/request.h"
#include "base/util.h"
#include "server/router.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The only header the driver sets is X-Amz-Target (and Content-Type for
 * the JSON services, as their SDKs send it). */
static const char *driver_header(void *ctx, const char *name) {
    const char *target = ctx;
    if (strcasecmp(name, "X-Amz-Target") == 0) return target;
    if (strcasecmp(name, "Content-Type") == 0 && target) return "application/x-amz-json-1.0";
    return NULL;
}

struct req *drive(const char *method, const char *path, const char *target, const char *body,
                  const char *account) {
    struct req *r = xcalloc(1, sizeof(*r));
    r->method = method;
    const char *q = strchr(path, '?');
    r->path = q ? xstrndup(path, (size_t)(q - path)) : xstrdup(path);
    if (q) req_parse_query(r, q + 1);
    r->body = xstrdup(body ? body : "");
    r->nbody = strlen(r->body);
    r->header_fn = driver_header;
    r->header_ctx = (void *)(uintptr_t)target;
    snprintf(r->account, sizeof(r->account), "%s", account ? account : "000000000000");
    snprintf(r->region, sizeof(r->region), "us-east-1");
    snprintf(r->request_id, sizeof(r->request_id), "test-request");
    router_prepare(r);
    router_dispatch(r);
    return r;
}
