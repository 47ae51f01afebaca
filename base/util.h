/*
 * The base every layer links (base/, below storage/ and runtime/): allocation
 * that aborts on failure (so error paths stay for real errors), formatted
 * strings, ids, base64, AWS's timestamp formats and the system clocks. It
 * includes nothing of the project.
 */
#ifndef SLUICE_BASE_UTIL_H
#define SLUICE_BASE_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* malloc/calloc/realloc/strdup that abort() on failure. Caller frees. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *z);
char *xstrndup(const char *z, size_t n);

/* printf into a new heap string. Caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Writes a random lowercase uuid (36 chars + NUL) into OUT. Thread-safe. */
void util_uuid(char out[37]);

/* Decodes standard base64 (with or without padding; whitespace rejected).
 * Returns a heap buffer the caller frees, with its length in *N, or NULL
 * when the input is not valid base64. */
unsigned char *util_b64_decode(const char *z, size_t nz, size_t *n);

/* Encodes N bytes as standard padded base64. Caller frees. */
char *util_b64_encode(const void *data, size_t n);

/* Formats MS (epoch milliseconds) as Lambda's LastModified,
 * "2019-11-21T19:49:20.006+0000", into OUT (at least 29 bytes). */
void util_lambda_time(int64_t ms, char *out, size_t n);

/* Formats stream sequence number SEQ as DynamoDB Streams shows it: a
 * 21-digit decimal, "1" then SEQ zero-padded to UTIL_SEQ_DIGITS digits
 * ("100000000000000000042"), into BUF (at least 22 bytes). */
#define UTIL_SEQ_DIGITS 20
void util_stream_seq(int64_t seq, char *buf, size_t n);

/* Formats MS as ISO-8601 with milliseconds and Z: "2024-01-01T00:00:00.000Z". */
void util_iso_time(int64_t ms, char *out, size_t n);

struct timespec;

/* Sets *TS to MS milliseconds from now on CLOCK_REALTIME: the absolute
 * deadline pthread_cond_timedwait takes. */
void util_deadline_in(struct timespec *ts, int64_t ms);

/* Real wall-clock time in epoch milliseconds (use clock_now_ms() for
 * anything AWS-visible; this is for the clock itself and logs). */
int64_t util_wall_ms(void);

/* Monotonic time in nanoseconds, for durations. */
int64_t util_mono_ns(void);



/* Percent-decodes the first N bytes of Z into a new string ('+' is kept
 * as '+'). Returns NULL when an escape is malformed or decodes to NUL.
 * Caller frees. */
char *util_pct_decode(const char *z, size_t n);

/* util_pct_decode for application/x-www-form-urlencoded text, where '+'
 * also stands for a space (query strings, query-protocol bodies). Same
 * returns: a new string (caller frees) or NULL when an escape is malformed
 * or encodes NUL. */
char *util_form_decode(const char *z, size_t n);
#endif
