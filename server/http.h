/*
 * The HTTP front: one net/httpd server on one port for every service.
 */
#ifndef SLUICE_SERVER_HTTP_H
#define SLUICE_SERVER_HTTP_H

/* Starts listening on HOST:PORT (PORT 0 picks a free port). Returns 0 and
 * stores the bound port in *BOUND, or -1 (logged). Call once. */
int http_start(const char *host, int port, int *bound);

/* Stops accepting, lets in-flight requests finish, then stops the daemon.
 * Call once from the main thread. */
void http_stop(void);

#endif
