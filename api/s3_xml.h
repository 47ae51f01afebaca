/*
 * The little XML S3 needs: writing replies (a growable buffer with
 * escaped elements) and reading the flat request documents clients send
 * (CreateBucketConfiguration, CompleteMultipartUpload, Delete, Tagging,
 * VersioningConfiguration). The reader finds elements by name; it is not
 * a general XML parser (no namespaces prefixes, CDATA or DTDs — no S3
 * client sends them). Pure; parsing of outside input.
 */
#ifndef SLUICE_API_S3_XML_H
#define SLUICE_API_S3_XML_H

#include <stddef.h>

/* A growable text buffer. Zero-initialise; s3x_take hands the text out. */
struct s3x_buf {
    char *s;
    size_t n, cap;
};

/* Appends Z. */
void s3x_add(struct s3x_buf *b, const char *z);
/* Appends printf-style text (not escaped). */
void s3x_addf(struct s3x_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends <NAME>TEXT</NAME> with TEXT escaped for XML. */
void s3x_elem(struct s3x_buf *b, const char *name, const char *text);
/* Returns the text (caller frees; "" when nothing was added) and resets B. */
char *s3x_take(struct s3x_buf *b, size_t *n);

/* Finds the next element NAME in DOC[*POS, N): stores the start and
 * length of its content (between the start and end tags; 0 for <NAME/>)
 * and moves *POS past its end tag. Returns 1 when found, 0 when there is
 * none, -1 when a start tag has no end tag. */
int s3x_next(const char *doc, size_t n, const char *name, size_t *pos, size_t *start, size_t *len);

/* Returns the entity-decoded text of the N bytes at Z (a leaf's content),
 * or NULL when an entity is malformed or decodes to NUL. Caller frees. */
char *s3x_text(const char *z, size_t n);

/* The decoded text of the first element NAME in DOC[0, N), or NULL when
 * there is none or it does not decode. Caller frees. */
char *s3x_child(const char *doc, size_t n, const char *name);

#endif
