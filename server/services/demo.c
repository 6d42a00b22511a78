/* demo: placeholder until the demo data set lands (being written in this same change). */
#include "demo.h"

#include <string.h>

bool
mt_demo_load (const mt_ctx_t *ctx, mt_demo_result_t *result, mt_error_t *error)
{
  (void) ctx;
  memset (result, 0, sizeof *result);
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_IMPLEMENTED, "démonstration indisponible",
                "demo unavailable");
  return false;
}
