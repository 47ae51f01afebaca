/*
 * STS temporary credentials (schema migration 11 -> 12): the keys
 * AssumeRole and GetSessionToken issue, so that a request signed with
 * one is answered in the account it was issued for. Same conventions as
 * the other store_ modules (STORE_ codes, the calling thread's
 * connection).
 */
#ifndef SLUICE_STORAGE_STORE_STS_H
#define SLUICE_STORAGE_STORE_STS_H

#include <stddef.h>
#include <stdint.h>

/* One issued key. Strings are borrowed from the caller. */
struct store_sts_key {
    const char *access_key_id;   /* "ASIA..." */
    const char *account;         /* 12 digits */
    const char *arn;             /* the principal GetCallerIdentity reports */
    const char *user_id;         /* its UserId */
    const char *secret;
    const char *session_token;
    int64_t expires_ms;          /* epoch ms (clock time) */
};

/* Inserts K. Runs in the caller's open write transaction (an OP_WRITE
 * handler). Returns STORE_OK or an error. */
int store_sts_put(const struct store_sts_key *k);

/* Looks up ACCESS_KEY_ID: copies its account into ACCOUNT (13 bytes), its
 * ARN into ARN (NARN bytes) and user id into USER_ID (NUSER bytes).
 * Returns STORE_OK, STORE_NOTFOUND, or an error. Any thread, outside a
 * transaction (autocommit read). */
int store_sts_get(const char *access_key_id, char account[13], char *arn, size_t narn, char *user_id,
                  size_t nuser);

#endif
