/* lists: the page size of list endpoints. */
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
