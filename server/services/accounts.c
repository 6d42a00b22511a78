/*
 * accounts: building and presenting account documents.
 */
#include "accounts.h"

#include "mt_bson.h"

#include <ctype.h>
#include <string.h>

bool
mt_email_key (const char *email, char out[MT_EMAIL_MAX + 1])
{
  const char *start = email;
  const char *end;
  size_t len;

  while (*start == ' ' || *start == '\t') {
    start++;
  }
  end = start + strlen (start);
  while (end > start && (end[-1] == ' ' || end[-1] == '\t')) {
    end--;
  }
  len = (size_t) (end - start);
  if (len == 0 || len > MT_EMAIL_MAX) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    out[i] = (char) tolower ((unsigned char) start[i]);
  }
  out[len] = '\0';
  return true;
}

bool
mt_account_build (const mt_account_fields_t *f, int64_t now_ms, bson_t *out,
                  char id_out[MT_ID_SIZE], mt_error_t *error)
{
  char id[MT_ID_SIZE];
  char key[MT_EMAIL_MAX + 1];

  bson_init (out);
  if (!mt_email_key (f->email, key)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "adresse e-mail invalide",
                  "invalid e-mail address");
    mt_error_set_path (error, "/email");
    return false;
  }
  mt_id_new ("acc", id);
  BSON_APPEND_UTF8 (out, "id", id);
  BSON_APPEND_INT64 (out, "version", 1);
  BSON_APPEND_UTF8 (out, "member_id", f->member_id);
  BSON_APPEND_UTF8 (out, "email", key);
  BSON_APPEND_UTF8 (out, "email_key", key);
  BSON_APPEND_UTF8 (out, "name", f->name);
  BSON_APPEND_UTF8 (out, "member_role", f->member_role);
  BSON_APPEND_UTF8 (out, "platform_role", f->platform_role);
  BSON_APPEND_UTF8 (out, "status", f->status);
  if (f->password_hash) {
    BSON_APPEND_UTF8 (out, "password_hash", f->password_hash);
  }
  BSON_APPEND_DATE_TIME (out, "tokens_not_before", 0);
  BSON_APPEND_DATE_TIME (out, "created_at", now_ms);
  BSON_APPEND_DATE_TIME (out, "updated_at", now_ms);
  if (id_out) {
    memcpy (id_out, id, MT_ID_SIZE);
  }
  return true;
}

void
mt_account_public_view (const bson_t *account, bson_t *out)
{
  static const char *const hidden[] = { "password_hash", "email_key", "tokens_not_before",
                                        "invitation", NULL };
  mt_bson_copy_without (account, out, hidden);
}
