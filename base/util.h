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

/* Percent-encodes Z as RFC 3986 does: every byte but the unreserved
 * characters (A-Z a-z 0-9 - _ . ~) and those in KEEP (NULL for none)
 * becomes %XX, upper-case hex. IAM returns policy documents this way,
 * S3 keys under encoding-type=url keep '/'. Returns a new string (caller
 * frees). Pure. */
char *util_pct_encode(const char *z, const char *keep);

/* An opaque paging token (NextToken) that stands for KEY, the last item
 * of a page: base64 of a fixed tag and the key, so that a token from
 * elsewhere is told apart. Returns a new string (caller frees). Pure. */
char *util_token_make(const char *key);

/* The key of a token util_token_make made, or NULL when TOKEN is not
 * one (bad base64, no tag, an embedded NUL). Caller frees. Pure. */
char *util_token_read(const char *token);

/* D truncated toward zero as a long long, saturating: beyond the range
 * (a JSON 1e300 or 1e400, which cJSON reads as infinity) gives LLONG_MAX
 * or LLONG_MIN, NaN gives LLONG_MIN, where a plain cast would be
 * undefined behaviour. For range checks of client-sent numbers. Pure. */
long long util_dtoll(double d);

/* A growing NUL-terminated text (z is NULL until the first add).
 * Used by the XML writers of the query protocol and of SQS. */
struct util_buf {
    char *z;
    size_t n, cap;
};

/* Appends Z to B, growing it (aborts on out of memory); the caller frees
 * B->z. */
void util_buf_add(struct util_buf *b, const char *z);
#endif
