/*
 * The HTTP front: one net/httpd server on one port for every service.
 */
#ifndef SLUICE_SERVER_HTTP_H
#define SLUICE_SERVER_HTTP_H

/* Starts listening on HOST:PORT (PORT 0 picks a free port). Returns 0 and
 * stores the bound port in *BOUND, or -1 (logged). Call once. */
int http_start(const char *host, int port, int *bound);

/* A graceful stop's first step: stops accepting and closes idle
 * connections; requests in flight go on (httpd_quiesce). Main thread. */
void http_quiesce(void);

/* Waits until no connection is left or DEADLINE_MS (CLOCK_MONOTONIC ms;
 * negative: none) passes; returns the connections left. Main thread. */
int http_wait(long long deadline_ms);

/* Stops accepting, lets requests being handled finish, answers those
 * still being read with a 503, then stops the daemon. Call once from the
 * main thread. */
void http_stop(void);

#endif
