/*
 * Writing a small zip in memory (libzip, loaded as runtime/libzip_load.h
 * says). CloudFormation's AWS::Lambda::Function packs an inline
 * Code.ZipFile into a deployment package this way (api/cfn_res_lambda.c).
 */
#ifndef SLUICE_RUNTIME_ZIPWRITE_H
#define SLUICE_RUNTIME_ZIPWRITE_H

#include <stddef.h>

/* Builds a zip holding one regular file NAME (mode 0644) with the N bytes
 * of DATA, deflated, its time fixed (1980-01-01) so that the same input
 * always gives the same bytes (and so the same CodeSha256). Returns 0 with
 * *OUT (malloc'd, the caller frees) and *NOUT set, or -1 with *MSG a
 * static message (libzip missing, or a libzip failure). Thread-safe. */
int zipwrite_one(const char *name, const void *data, size_t n, unsigned char **out, size_t *nout,
                 const char **msg);

#endif
