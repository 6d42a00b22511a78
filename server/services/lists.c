/* lists: the page size and the status filter of list endpoints. */
#include "lists.h"

#include <string.h>

bool
mt_list_limit_parse (const char *text, uint32_t *limit, mt_error_t *error)
{
  size_t digits = text ? strspn (text, "0123456789") : 0;
  uint32_t value = 0;

  *limit = MT_LIST_LIMIT_DEFAULT;
  if (!text) {
    return true;
  }
  if (digits == 0 || text[digits] != '\0') {
    goto refused;
  }
  /* Digits only: count them without overflow, capping as soon as the value is too big. */
  for (size_t i = 0; i < digits && value <= MT_LIST_LIMIT_MAX; i++) {
    value = value * 10 + (uint32_t) (text[i] - '0');
  }
  if (value == 0) {
    goto refused;
  }
  *limit = value > MT_LIST_LIMIT_MAX ? MT_LIST_LIMIT_MAX : value;
  return true;
refused:
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST,
                "paramètre limit invalide (entier positif ; au plus %d éléments par page)",
                "invalid limit parameter (a positive integer; at most %d items a page)",
                MT_LIST_LIMIT_MAX);
  mt_error_set_path (error, "limit");
  return false;
}

bool
mt_list_statuses_parse (const char *text, bool (*known) (const char *status), const char *names,
                        char *buf, size_t size, const char **statuses, size_t max,
                        mt_error_t *error)
{
  size_t len = strlen (text);
  size_t n = 0;
  char *p = buf;

  if (len >= size) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "paramètre status trop long",
                  "status parameter too long");
    goto refused;
  }
  memcpy (buf, text, len + 1);
  for (;;) {
    char *comma = strchr (p, ',');
    if (comma) {
      *comma = '\0';
    }
    if (!known (p)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST,
                    "paramètre status invalide (%s, séparés par des virgules)",
                    "invalid status parameter (%s, comma-separated)", names);
      goto refused;
    }
    if (n + 1 >= max) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "trop de statuts",
                    "too many statuses");
      goto refused;
    }
    statuses[n++] = p;
    if (!comma) {
      break;
    }
    p = comma + 1;
  }
  statuses[n] = NULL;
  return true;
refused:
  mt_error_set_path (error, "status");
  return false;
}
