/*
 * members: building member documents.
 */
#include "members.h"

#include "mt_bson.h"

#include <string.h>

void
mt_member_build (const bson_t *profile, const char *status, int64_t now_ms, bson_t *out,
                 char id_out[MT_ID_SIZE])
{
  static const char *const reserved[] = { "id",         "version",    "status",
                                          "created_at", "updated_at", NULL };
  char id[MT_ID_SIZE];
  bson_t fields;

  mt_id_new ("mem", id);
  bson_init (out);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_INT64 (out, "version", 1);
  mt_bson_copy_without (profile, &fields, reserved);
  bson_concat (out, &fields);
  bson_destroy (&fields);
  if (!bson_has_field (out, "networks")) {
    mt_bson_append_str_array (out, "networks", NULL);
  }
  BSON_APPEND_UTF8 (out, "status", status);
  BSON_APPEND_DATE_TIME (out, "created_at", now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", now_ms);
  if (id_out) {
    memcpy (id_out, id, MT_ID_SIZE);
  }
}
