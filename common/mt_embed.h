/*
 * mt_embed: files compiled into the binaries at build time (cmake/MutuaEmbed.cmake): the
 * JSON Schemas and tables of schemas/ and, later, the web app's static files.
 */
#ifndef MT_EMBED_H
#define MT_EMBED_H

#include <stddef.h>

typedef struct {
  const char *name;          /* file name without directory, e.g. "member.json" */
  const unsigned char *data; /* the bytes, followed by a NUL */
  size_t len;                /* byte count without the NUL */
} mt_embed_file_t;

/* Finds @name in a table that ends with a {NULL} row. NULL when absent. */
const mt_embed_file_t *mt_embed_find (const mt_embed_file_t *table, const char *name);

#endif
