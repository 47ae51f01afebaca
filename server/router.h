/*
 * Which service answers a request: admin paths, X-Amz-Target JSON
 * services, Lambda's versioned paths. The router also sets the protocol
 * (error envelope) and the body cap before the body arrives.
 */
#ifndef SLUICE_SERVER_ROUTER_H
#define SLUICE_SERVER_ROUTER_H

#include <stddef.h>
#include "api/request.h"

/* Decides REQ's protocol from its path and X-Amz-Target and returns the
 * largest body its operation accepts. Needs method, path and headers. */
size_t router_prepare(struct req *req);

/* Runs the handler for REQ, whose body is complete, through the service
 * router_prepare picked for it (call that first). Afterwards REQ holds a
 * reply or an error. Text that is not UTF-8 (body, query parameters, a
 * query-protocol form) gets the protocol's 400 before any handler runs.
 * Thread: the request's thread. */
void router_dispatch(struct req *req);

/* Admin endpoints (server/admin.c): /_sluice/... */
void admin_dispatch(struct req *req);

/* GET /_sluice/event-source-mappings/UUID (server/admin_esm.c): the
 * mapping's state, per-shard checkpoints and counters, failure records.
 * Returns as req_reply_json / req_fail do. */
int admin_esm_get(struct req *req, const char *uuid);

/* GET /_sluice/streams/audit?stream_arn=ARN: per retained record of the
 * stream, how many mappings delivered it and how often, and what is
 * still pending or will never be delivered. */
int admin_stream_audit(struct req *req);

/* The audit of stream ARN as admin_stream_audit answers it, read inside
 * the caller's read transaction: STORE_OK with *OUT a new tree (caller
 * deletes), STORE_NOTFOUND when no such stream, else an error. */
struct cJSON;
int admin_audit_read(const char *arn, struct cJSON **out);

#endif
