/* bootstrap: creation of the first administrator on an empty store. */
#include "bootstrap.h"

#include "accounts.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "passwords.h"

#include <sodium.h>
#include <string.h>

#define MT_LOG_DOMAIN "bootstrap"

bool
mt_bootstrap_admin (const mt_ctx_t *ctx, mt_bootstrap_result_t *result, mt_error_t *error)
{
  const mt_config_t *config = ctx->env->config;
  int64_t admins = 0;
  char hash[MT_PASSWORD_HASH_SIZE];
  char member_id[MT_ID_SIZE];
  const char *password;
  bson_t profile = BSON_INITIALIZER;
  bson_t territory;
  bson_t member = BSON_INITIALIZER;
  bson_t account = BSON_INITIALIZER;
  mt_account_fields_t fields;
  bool ok = false;

  memset (result, 0, sizeof *result);
  if (!ctx->store->ops->account_count_admins (ctx->store, &admins, error)) {
    goto done;
  }
  if (admins > 0) {
    ok = true;
    goto done;
  }
  if (config->admin_password[0]) {
    password = config->admin_password;
    if (!mt_password_check_policy (password, "admin_password", error)) {
      goto done;
    }
  } else {
    mt_id_random_token (15, result->password, sizeof result->password);
    result->password_generated = true;
    password = result->password;
  }
  if (!mt_password_hash (config, password, hash, error)) {
    goto done;
  }
  BSON_APPEND_UTF8 (&profile, "name", "Administration de la plateforme");
  BSON_APPEND_UTF8 (&profile, "kind", "platform");
  BSON_APPEND_DOCUMENT_BEGIN (&profile, "territory", &territory);
  BSON_APPEND_UTF8 (&territory, "departement", "59");
  BSON_APPEND_UTF8 (&territory, "commune", "Lille");
  bson_append_document_end (&profile, &territory);
  BSON_APPEND_UTF8 (&profile, "description",
                    "Compte technique des administrateurs de la plateforme.");
  bson_destroy (&member);
  mt_member_build (&profile, "active", ctx->now_ms, &member, member_id);
  fields = (mt_account_fields_t){
    .member_id = member_id,
    .email = config->admin_email,
    .name = "Administrateur",
    .member_role = "manager",
    .platform_role = "admin",
    .status = "active",
    .password_hash = hash,
  };
  bson_destroy (&account);
  if (!mt_account_build (&fields, ctx->now_ms, &account, NULL, error) ||
      !ctx->store->ops->member_insert (ctx->store, &member, &account, error)) {
    goto done;
  }
  result->created = true;
  MT_INFO ("first administrator created");
  ok = true;
done:
  sodium_memzero (hash, sizeof hash);
  bson_destroy (&profile);
  bson_destroy (&member);
  bson_destroy (&account);
  return ok;
}
