/*
 * mt_id: opaque random identifiers: a three-letter type prefix, '_', and 128 random bits in
 * base64url (22 characters), e.g. "mem_3q2-Vn0cD7kz9aQeLr1xYw". The prefix only helps
 * people reading logs; nothing may rely on it for access decisions.
 */
#ifndef MT_ID_H
#define MT_ID_H

#include <stdbool.h>
#include <stddef.h>

#define MT_ID_RANDOM_CHARS 22
#define MT_ID_LEN (3 + 1 + MT_ID_RANDOM_CHARS)
#define MT_ID_SIZE (MT_ID_LEN + 1)

/* Writes a fresh id with @prefix (exactly three lowercase letters) into @out. */
void mt_id_new (const char *prefix, char out[MT_ID_SIZE]);

/* True when @text has the shape of an id with @prefix (NULL: any prefix). */
bool mt_id_is_valid (const char *text, const char *prefix);

/* Fills @out with @bytes random bytes rendered as base64url (secrets, request ids). */
void mt_id_random_token (size_t bytes, char *out, size_t out_size);

#endif
