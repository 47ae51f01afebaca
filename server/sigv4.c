/*
 * SigV4 credential scope parsing (server/sigv4.h).
 */
#include "server/sigv4.h"

#include <string.h>

/* Copies the N bytes at Z into OUT (CAP bytes) when every byte is one a
 * region name may hold (lowercase letters, digits, '-'; and '.' when DOT,
 * as signing names such as "streams.dynamodb" do); leaves OUT "" otherwise. */
static void copy_name(const char *z, size_t n, char *out, size_t cap, int dot) {
    out[0] = '\0';
    if (n == 0 || n >= cap) return;
    for (size_t i = 0; i < n; i++)
        if (!((z[i] >= 'a' && z[i] <= 'z') || (z[i] >= '0' && z[i] <= '9') || z[i] == '-' ||
              (dot && z[i] == '.')))
            return;
    memcpy(out, z, n);
    out[n] = '\0';
}

int sigv4_scope(const char *authorization, const char *x_amz_credential, struct sigv4_scope *out) {
    memset(out, 0, sizeof(*out));
    const char *cred = authorization ? strstr(authorization, "Credential=") : NULL;
    if (cred) cred += strlen("Credential=");
    else cred = x_amz_credential;
    if (cred == NULL) return 0;
    /* Fields end at '/', and the scope at ',' or ' ' (the header's next
     * parameter) or the end of the string. */
    const char *field[5];
    size_t len[5];
    int n = 0;
    const char *p = cred;
    while (n < 5) {
        size_t k = strcspn(p, "/, ");
        field[n] = p;
        len[n] = k;
        n++;
        if (p[k] != '/') break;
        p += k + 1;
    }
    if (len[0] > 0 && len[0] < sizeof(out->access_key) &&
        strspn(field[0], "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") >= len[0]) {
        memcpy(out->access_key, field[0], len[0]);
        out->access_key[len[0]] = '\0';
    }
    if (len[0] == 12 && strspn(field[0], "0123456789") >= 12) {
        memcpy(out->account, field[0], 12);
        out->account[12] = '\0';
    }
    /* The region and service count only with the '/' that ends them. */
    if (n >= 4) copy_name(field[2], len[2], out->region, sizeof(out->region), 0);
    if (n >= 5) copy_name(field[3], len[3], out->service, sizeof(out->service), 1);
    return out->service[0] != '\0';
}
