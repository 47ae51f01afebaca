/*
 * The in-process request driver the unit tests share: one request through
 * the router and the operation runner, as server/http.c hands it over,
 * without sockets. Tests of a handler thereby also cover routing, body
 * parsing and the transaction wrapper.
 */
#ifndef SLUICE_TESTS_UNIT_DRIVER_H
#define SLUICE_TESTS_UNIT_DRIVER_H

struct req;

/* Runs METHOD PATH (a query string after '?' is split into parameters and
 * decoded) with X-Amz-Target TARGET (NULL: none) and BODY (NULL: empty).
 * The caller is account ACCOUNT (NULL: 000000000000) in us-east-1, unsigned.
 * Returns the request with its reply or error recorded, not rendered (the
 * test reads req->status, req->resp_body, req->err); free with req_free.
 * Thread: any, with the store initialised. */
struct req *drive(const char *method, const char *path, const char *target, const char *body,
                  const char *account);

#endif
