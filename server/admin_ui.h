/*
 * The dashboard's endpoints (issue 18): its files (server/admin_ui.c),
 * its data (server/admin_ui_state.c) and the mappings part of that data
 * (server/admin_ui_esm.c). Routed by server/admin.c.
 */
#ifndef SLUICE_SERVER_ADMIN_UI_H
#define SLUICE_SERVER_ADMIN_UI_H

#include <stdint.h>

#include "api/request.h"
#include "storage/store_lambda.h" /* struct store_scope */

struct cJSON;

/* GET /_sluice/ui (SUB NULL) and /_sluice/ui/SUB: the page and its files,
 * compiled into the binary; 404 for any other name. Returns as
 * req_reply_raw / req_fail do. */
int admin_ui_file(struct req *req, const char *sub);

/* GET /_sluice/ui/state: the dashboard's data (see the README's
 * "Dashboard"). Returns as req_reply_json / req_fail do. */
int admin_ui_state(struct req *req);

/* GET /_sluice/ui/log?group=G&stream=S: a log stream as plain text.
 * Returns as req_reply_raw / req_fail do. */
int admin_ui_log(struct req *req);

/* Appends to array OUT one object per mapping of S, with its shards
 * (checkpoint, lag, age of the oldest record not yet delivered as of NOW
 * on the clock, counters, parent shard). Runs inside the caller's read
 * transaction. Returns STORE_OK or an error. */
int admin_ui_mappings(struct store_scope s, int64_t now, struct cJSON *out);

#endif
