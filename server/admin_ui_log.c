/*
 * GET /_sluice/ui/log?group=G&stream=S[&account=A][&region=R] (issue 18):
 * a function's log stream as plain text, one event a line (time, then
 * the message), its newest UI_LOG_MAX events (oldest first), so the dashboard's recent
 * invocations can link to their log in a browser (CloudWatch Logs'
 * GetLogEvents is a signed POST).
 */
#include "server/admin_ui.h"
#include "api/aws_error.h"
#include "base/util.h"
#include "storage/store.h"
#include "storage/store_logs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Events shown: a few hundred invocations' START/END/REPORT and output. */
#define UI_LOG_MAX 1000

/* The lines read newest first, written out oldest first. */
struct lines {
    char *line[UI_LOG_MAX];
    int n;
};

static int add_line(void *ctx, const struct store_log_event *ev) {
    struct lines *l = ctx;
    char iso[40];
    util_iso_time(ev->ts, iso, sizeof(iso));
    size_t n = strlen(ev->message);
    while (n > 0 && ev->message[n - 1] == '\n') n--;
    if (l->n < UI_LOG_MAX) l->line[l->n++] = xasprintf("%s  %.*s\n", iso, (int)n, ev->message);
    return 0;
}

int admin_ui_log(struct req *req) {
    const char *group = NULL, *stream = NULL, *account = req->account, *region = req->region;
    for (int i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].name, *v = req->query[i].value;
        if (strcmp(k, "group") == 0) group = v;
        else if (strcmp(k, "stream") == 0) stream = v;
        else if (strcmp(k, "account") == 0) account = v;
        else if (strcmp(k, "region") == 0) region = v;
        else
            return req_fail(req, &AWSERR_ADMIN_BAD_REQUEST,
                            "%.100s is not a parameter of /_sluice/ui/log (group, stream, account, region)", k);
    }
    if (group == NULL || group[0] == '\0' || stream == NULL || stream[0] == '\0' || strlen(group) > 512 ||
        strlen(stream) > 512)
        return req_fail(req, &AWSERR_ADMIN_BAD_REQUEST, "group and stream are required");
    struct store_scope s = {account, region};
    if (store_begin(0) != STORE_OK) return req_fail(req, &AWSERR_LAMBDA_SERVICE, "storage busy");
    int rc = store_logs_stream_exists(s, group, stream);
    struct lines *l = xcalloc(1, sizeof(*l));
    if (rc == STORE_OK)
        rc = store_logs_events(s, group, stream, 0, 0, 0, INT64_MAX, INT64_MAX, 1, UI_LOG_MAX, add_line, l);
    store_rollback();
    struct util_buf text = {0};
    for (int i = l->n - 1; i >= 0; i--) {
        util_buf_add(&text, l->line[i]);
        free(l->line[i]);
    }
    free(l);
    int ret;
    if (rc == STORE_NOTFOUND)
        ret = req_fail(req, &AWSERR_ADMIN_NOT_FOUND, "No log stream %.200s in %.200s", stream, group);
    else if (rc != STORE_OK) ret = req_fail(req, &AWSERR_LAMBDA_SERVICE, "could not read the log");
    else ret = req_reply_raw(req, 200, "text/plain; charset=utf-8", text.z ? text.z : "", text.n);
    free(text.z);
    return ret;
}
