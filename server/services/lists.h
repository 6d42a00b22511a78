/*
 * lists: what every list endpoint shares: the page size and the status filter.
 */
#ifndef MT_LISTS_H
#define MT_LISTS_H

#include "mt_error.h"

#include <stdbool.h>
#include <stddef.h>
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

/*
 * Parses a "status" query parameter, one or several statuses separated by commas
 * ("requested,approved"): @text is copied into @buf (@size bytes) and split there; @statuses
 * receives pointers into @buf, NULL-terminated, at most @max - 1 of them. Each must satisfy
 * @known. MT_ERR_BAD_REQUEST with the path "status" otherwise (too long, too many, or an
 * unknown status; the message lists @names, e.g. "requested, approved, declined").
 */
bool mt_list_statuses_parse (const char *text, bool (*known) (const char *status),
                             const char *names, char *buf, size_t size, const char **statuses,
                             size_t max, mt_error_t *error);

#endif
