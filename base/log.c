/*
 * base/log.h: a threshold and a formatted write(2) per line, so lines
 * from different threads never interleave.
 */
#include "base/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int threshold = LOG_INFO;
static const char *const names[] = {"error", "warn", "info", "debug"};

int log_set_level(const char *name) {
    for (int i = 0; i < 4; i++) {
        if (strcmp(name, names[i]) == 0) {
            threshold = i;
            return 0;
        }
    }
    return -1;
}

int log_enabled(enum log_level level) { return (int)level <= threshold; }

void log_msg(enum log_level level, const char *fmt, ...) {
    if (!log_enabled(level)) return;
    /* One line per write; longer messages are cut, which is fine for logs. */
    char line[2048];
    int n = snprintf(line, sizeof(line), "sluice: %s: ", names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0) return;
    n += m;
    if (n > (int)sizeof(line) - 2) n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
