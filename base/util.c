/*
 * Implementation of base/util.h: allocation, strings, ids, base64, time.
 */
#include "base/util.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <uuid/uuid.h>

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (p == NULL) abort();
    return p;
}

void *xcalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (p == NULL) abort();
    return p;
}

void *xrealloc(void *p, size_t n) {
    p = realloc(p, n ? n : 1);
    if (p == NULL) abort();
    return p;
}

char *xstrdup(const char *z) {
    char *p = strdup(z ? z : "");
    if (p == NULL) abort();
    return p;
}

char *xstrndup(const char *z, size_t n) {
    char *p = strndup(z, n);
    if (p == NULL) abort();
    return p;
}

char *xvasprintf(const char *fmt, va_list ap) {
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0) abort();
    return out;
}

char *xasprintf(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *out = xvasprintf(fmt, ap);
    va_end(ap);
    return out;
}

void util_stream_seq(int64_t seq, char *buf, size_t n) {
    snprintf(buf, n, "1%0*lld", UTIL_SEQ_DIGITS, (long long)seq);
}

void util_deadline_in(struct timespec *ts, int64_t ms) {
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    ts->tv_sec += (time_t)(ms / 1000) + ts->tv_nsec / 1000000000L;
    ts->tv_nsec %= 1000000000L;
}

/* xoshiro256** (Blackman and Vigna), one generator per thread, seeded
 * from the kernel (getrandom(2)). The ids sluice makes (request ids,
 * stream eventIDs, revision ids, uuids of mappings) must be unique and
 * unguessable enough for tests, not secret: a DRBG call per id (locks, a
 * generate round) was about 4% of a streamed PutItem, which makes two.
 * The seed came from OpenSSL's RAND_bytes until its first call, in the
 * first request, was found to load OpenSSL's configuration and
 * providers: 2.1 MB of an idle server's 12.2 MB resident. */
static __thread uint64_t rng_s[4];
static __thread int rng_seeded;

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t rng_next(void) {
    uint64_t *s = rng_s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

void util_uuid(char out[37]) {
    if (!rng_seeded) {
        if (getrandom(rng_s, sizeof(rng_s), 0) != (ssize_t)sizeof(rng_s)) {
            uuid_t u[2];
            uuid_generate_random(u[0]);
            uuid_generate_random(u[1]);
            memcpy(rng_s, u, sizeof(rng_s));
        }
        if ((rng_s[0] | rng_s[1] | rng_s[2] | rng_s[3]) == 0) rng_s[0] = 1;  /* all-zero state is stuck */
        rng_seeded = 1;
    }
    uint64_t a = rng_next(), b = rng_next();
    uuid_t u;
    memcpy(u, &a, 8);
    memcpy(u + 8, &b, 8);
    u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);   /* version 4 */
    u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    uuid_unparse_lower(u, out);
}

static int b64_val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

unsigned char *util_b64_decode(const char *z, size_t nz, size_t *n) {
    while (nz > 0 && z[nz - 1] == '=') nz--;
    if (nz % 4 == 1) return NULL;
    unsigned char *out = xmalloc(nz / 4 * 3 + 3);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < nz; i++) {
        int v = b64_val((unsigned char)z[i]);
        if (v < 0) goto fail;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    *n = o;
    return out;
fail:
    free(out);
    return NULL;
}

char *util_b64_encode(const void *data, size_t n) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    char *out = xmalloc((n + 2) / 3 * 4 + 1);
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

static void fmt_time(int64_t ms, char *out, size_t n, const char *zone) {
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char base[32];
    strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s.%03d%s", base, (int)(ms % 1000), zone);
}

void util_lambda_time(int64_t ms, char *out, size_t n) { fmt_time(ms, out, n, "+0000"); }

void util_iso_time(int64_t ms, char *out, size_t n) { fmt_time(ms, out, n, "Z"); }

int64_t util_wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t util_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *util_pct_decode(const char *z, size_t n) {
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (z[i] == '%') {
            if (i + 2 >= n) goto fail;
            int hi = hexval(z[i + 1]), lo = hexval(z[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) goto fail;
            out[o++] = (char)(hi << 4 | lo);
            i += 2;
        } else {
            out[o++] = z[i];
        }
    }
    out[o] = '\0';
    return out;
fail:
    free(out);
    return NULL;
}

char *util_form_decode(const char *z, size_t n) {
    char *plain = xmalloc(n + 1);
    for (size_t i = 0; i < n; i++) plain[i] = z[i] == '+' ? ' ' : z[i];
    plain[n] = '\0';
    char *out = util_pct_decode(plain, n);
    free(plain);
    return out;
}

char *util_pct_encode(const char *z, const char *keep) {
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(z) * 3 + 1), *o = out;
    for (const unsigned char *p = (const unsigned char *)z; *p; p++) {
        int plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
                    strchr("-_.~", *p) != NULL || (keep != NULL && strchr(keep, *p) != NULL);
        if (plain) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

/* Marks a paging token as sluice's, so that one from elsewhere (or a
 * made-up string that happens to be base64) is refused. */
#define UTIL_TOKEN_TAG "sluice:"

char *util_token_make(const char *key) {
    char *plain = xasprintf("%s%s", UTIL_TOKEN_TAG, key);
    char *t = util_b64_encode(plain, strlen(plain));
    free(plain);
    return t;
}

char *util_token_read(const char *token) {
    size_t n = 0;
    unsigned char *raw = util_b64_decode(token, strlen(token), &n);
    if (raw == NULL) return NULL;
    size_t nt = strlen(UTIL_TOKEN_TAG);
    char *key = NULL;
    if (n > nt && memcmp(raw, UTIL_TOKEN_TAG, nt) == 0 && memchr(raw, 0, n) == NULL)
        key = xstrndup((const char *)raw + nt, n - nt);
    free(raw);
    return key;
}

void util_buf_add(struct util_buf *b, const char *z) {
    size_t n = strlen(z);
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->z = xrealloc(b->z, b->cap);
    }
    memcpy(b->z + b->n, z, n + 1);
    b->n += n;
}

long long util_dtoll(double d) {
    if (d != d) return LLONG_MIN;
    if (d >= 9223372036854775807.0) return LLONG_MAX; /* the double is 2^63 */
    if (d < -9223372036854775807.0) return LLONG_MIN;
    return (long long)d;
}
