/*
 * lists: what every list endpoint shares: the page size.
 */
#ifndef MT_LISTS_H
#define MT_LISTS_H

#include "mt_error.h"

#include <stdbool.h>
#include <stdint.h>

/* Default and maximum page sizes of every list. */
#define MT_LIST_LIMIT_DEFAULT 20
#define MT_LIST_LIMIT_MAX 100

/*
 * Parses a "limit" query parameter: NULL gives MT_LIST_LIMIT_DEFAULT; a positive integer
 * above MT_LIST_LIMIT_MAX is capped at it; anything else (0, negative, not a plain decimal
 * integer) is MT_ERR_BAD_REQUEST with the path "limit".
 */
bool mt_list_limit_parse (const char *text, uint32_t *limit, mt_error_t *error);

#endif
