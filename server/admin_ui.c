/*
 * The dashboard's files (issue 18): GET /_sluice/ui is the page, GET
 * /_sluice/ui/NAME its script, style sheet and the vendored uPlot. The
 * files under ui/ are compiled into the binary by tools/embed.py (see
 * server/meson.build), so the page needs no build step, no install and
 * no network. Its data is GET /_sluice/ui/state (server/admin_ui_state.c).
 */
#include "server/router.h"
#include "server/admin_ui.h"
#include "api/aws_error.h"

#include <string.h>

/* The arrays tools/embed.py writes into ui_files.c. */
extern const unsigned char ui_index_html[], ui_app_js[], ui_style_css[], ui_uplot_js[], ui_uplot_css[],
    ui_uplot_license[];
extern const size_t ui_index_html_len, ui_app_js_len, ui_style_css_len, ui_uplot_js_len, ui_uplot_css_len,
    ui_uplot_license_len;

struct ui_file {
    const char *name;   /* under /_sluice/ui/; "" is the page itself */
    const char *type;
    const unsigned char *data;
    const size_t *len;
};

static const struct ui_file files[] = {
    {"", "text/html; charset=utf-8", ui_index_html, &ui_index_html_len},
    {"app.js", "text/javascript; charset=utf-8", ui_app_js, &ui_app_js_len},
    {"style.css", "text/css; charset=utf-8", ui_style_css, &ui_style_css_len},
    {"uPlot.iife.min.js", "text/javascript; charset=utf-8", ui_uplot_js, &ui_uplot_js_len},
    {"uPlot.min.css", "text/css; charset=utf-8", ui_uplot_css, &ui_uplot_css_len},
    {"uPlot.LICENSE", "text/plain; charset=utf-8", ui_uplot_license, &ui_uplot_license_len},
};

int admin_ui_file(struct req *req, const char *sub) {
    const char *name = sub ? sub : "";
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        if (strcmp(files[i].name, name) != 0) continue;
        /* The files change only with the binary: a reload after an
         * upgrade must not mix an old script with a new page. */
        req_add_header(req, "Cache-Control", "no-cache");
        return req_reply_raw(req, 200, files[i].type, files[i].data, *files[i].len);
    }
    return req_fail(req, &AWSERR_ADMIN_NOT_FOUND, "No admin endpoint %.200s", req->path);
}
