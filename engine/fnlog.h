/*
 * Function logs: every line Lambda itself writes around an invocation
 * (START, END, REPORT with its Init Duration part, the timeout line), the
 * text LogType Tail returns (the last 4 KB, base64), and the events an
 * invocation adds to its log stream /aws/lambda/<function>, each stamped
 * with the time its line was read from the process. The shapes are those
 * of docs/aws-reference.md B (the Invoke table, rows Tail and Timeout).
 *
 * Callers: the invoker (each invocation, each failed init) and the
 * provisioner (init output of provisioned environments). Everything but
 * fnlog_write is pure; nothing here keeps state, so any thread may call.
 */
#ifndef SLUICE_ENGINE_FNLOG_H
#define SLUICE_ENGINE_FNLOG_H

#include <stddef.h>
#include <stdint.h>

#include "storage/store_lambda.h" /* struct store_scope */

struct env_mark;

/* LogType Tail returns the last 4 KB of the log (docs/aws-reference.md B). */
#define FNLOG_TAIL_BYTES 4096

/* Room for one START line, the END and REPORT lines, or the timeout
 * line: two request ids (36 bytes), a version (at most 31), an error
 * type (at most 127) and a few numbers take well under this. */
#define FNLOG_LINE_MAX 512

/* Writes "START RequestId: <id> Version: <version>\n" to BUF (N bytes). */
void fnlog_start(char *buf, size_t n, const char *request_id, const char *version);

/* What the REPORT line of one invocation says. */
struct fnlog_report {
    const char *request_id;
    double duration_ms;     /* Duration: the call, or the init that failed */
    int memory_mb;          /* Memory Size: the configured MemorySize */
    int max_memory_mb;      /* Max Memory Used: the process's peak */
    double init_ms;         /* Init Duration of a cold start; < 0: a warm one */
    const char *error_type; /* non-NULL: the init failed (see fnlog_end_report) */
};

/* Writes the END and REPORT lines of R to BUF (N bytes), each ending in
 * "\n", the REPORT fields separated by tabs and ended by one. Billed
 * Duration is Duration rounded up, at least 1 ms. When R->error_type is
 * set (an init that failed and answered the call) the line ends with
 * "Status: error\tError Type: <type>\t" instead of an Init Duration,
 * and Billed Duration is the init rounded up (0 when it took none). */
void fnlog_end_report(char *buf, size_t n, const struct fnlog_report *r);

/* Writes the line the runtime's log gets when a call times out:
 * "<ISO time of WALL_MS> <id> Task timed out after <s>.<cc> seconds\n\n". */
void fnlog_timeout_line(char *buf, size_t n, int64_t wall_ms, const char *request_id,
                        double timeout_s);

/* One invocation's log in the order Tail shows it. An output stops at
 * its first NUL byte, if any. */
struct fnlog_text {
    const char *start;          /* the START line */
    const char *init;           /* what a cold start's init wrote, or NULL */
    size_t ninit;
    const char *call;           /* what the call wrote, or NULL */
    size_t ncall;
    const char *timeout;        /* the timeout line, or NULL */
    const char *report;         /* the END and REPORT lines */
    int as_read;                /* 1: outputs as read; 0: each ends with a line end
                                   (one is added to an output without it) */
};

/* Returns T joined into one NUL-terminated text (caller frees). */
char *fnlog_join(const struct fnlog_text *t);

/* Returns the base64 of the last FNLOG_TAIL_BYTES of TEXT[0..N) (all of
 * it when shorter), as X-Amz-Log-Result carries it. Caller frees. */
char *fnlog_tail(const char *text, size_t n);

/* Log events gathered for one stream, each with its own time. Zero it
 * before use; fnlog_write or fnlog_events_clear empties it. */
struct fnlog_events {
    char **msg;
    int64_t *ts;
    int n, cap;
};

/* Adds each non-empty line of TEXT[0..N) (without its "\n") stamped with
 * the time its first byte was read, MARKS[i].ms (wall clock, ascending
 * offsets) plus OFFSET_MS, the virtual clock's offset; or DFLT for lines
 * read before the first mark or when there are none. */
void fnlog_add_output(struct fnlog_events *e, const char *text, size_t n,
                      const struct env_mark *marks, int nmarks, int64_t offset_ms, int64_t dflt);

/* Adds each non-empty line of the NUL-terminated TEXT at time TS. */
void fnlog_add_text(struct fnlog_events *e, const char *text, int64_t ts);

/* Frees E's events and zeroes it. */
void fnlog_events_clear(struct fnlog_events *e);

/* Appends E's events to FUNCTION's group /aws/lambda/<function>, stream
 * STREAM, in scope SC (its own write transaction when none is open), then
 * clears E. A failure is logged, never returned: the invocation has
 * already happened. Uses the calling thread's connection. */
void fnlog_write(struct store_scope sc, const char *function, const char *stream,
                 struct fnlog_events *e);

#endif
