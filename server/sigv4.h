/*
 * The SigV4 credential scope of a request: who signed it, for which region
 * and which service. sluice checks no signatures; it reads the scope to
 * pick the account (a 12-digit access key id), the region and the service
 * that answers.
 *
 * The scope is "AKID/DATE/REGION/SERVICE/aws4_request", in the
 * Authorization header ("AWS4-HMAC-SHA256 Credential=<scope>, ...") or, for
 * a presigned URL, the X-Amz-Credential query parameter (AWS General
 * Reference, "Signature Version 4 signing process", "Create a string to
 * sign" and "Authenticating Requests: Using Query Parameters").
 */
#ifndef SLUICE_SERVER_SIGV4_H
#define SLUICE_SERVER_SIGV4_H

struct sigv4_scope {
    char account[13];   /* the access key id when it is 12 digits, else "" */
    char access_key[132]; /* the access key id ([A-Za-z0-9]), "" when absent or malformed */
    char region[32];    /* "" when absent or not a region name */
    char service[32];   /* the signing name ("lambda", "dynamodb", "monitoring"), or "" */
};

/* Reads the credential scope from AUTHORIZATION (the header's value, or
 * NULL) or else from X_AMZ_CREDENTIAL (the decoded query parameter, or
 * NULL) into *OUT. Fields that are missing or malformed are left "".
 * Returns 1 when a scope with a service was found, 0 otherwise. Pure. */
int sigv4_scope(const char *authorization, const char *x_amz_credential, struct sigv4_scope *out);

#endif
