/*
 * Leveled logging to stderr, one line per call, safe from any thread.
 */
#ifndef SLUICE_BASE_LOG_H
#define SLUICE_BASE_LOG_H

enum log_level { LOG_ERROR = 0, LOG_WARN, LOG_INFO, LOG_DEBUG };

/* Sets the threshold from a name (error, warn, info, debug). Returns 0, or
 * -1 for an unknown name (threshold unchanged). Call before threads start. */
int log_set_level(const char *name);

/* Returns 1 when messages at LEVEL are printed. */
int log_enabled(enum log_level level);

/* Prints "sluice: <level>: <message>" when LEVEL passes the threshold. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
