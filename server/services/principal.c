/* principal: initialisation and cleanup of the caller's identity. */
#include "principal.h"

#include <string.h>

void
mt_principal_init (mt_principal_t *principal)
{
  memset (principal, 0, sizeof *principal);
  bson_init (&principal->account);
  bson_init (&principal->member);
}

void
mt_principal_destroy (mt_principal_t *principal)
{
  bson_destroy (&principal->account);
  bson_destroy (&principal->member);
  memset (principal, 0, sizeof *principal);
}
