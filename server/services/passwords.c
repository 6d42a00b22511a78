/* passwords: Argon2id through libsodium's crypto_pwhash_str family. */
#include "passwords.h"

#include "mt_json.h"

#include <sodium.h>
#include <string.h>

_Static_assert(MT_PASSWORD_HASH_SIZE >= crypto_pwhash_STRBYTES, "room for an Argon2id string");

static unsigned long long
mt_password_ops (const mt_config_t *config)
{
  return (unsigned long long) config->password_opslimit;
}

static size_t
mt_password_mem (const mt_config_t *config)
{
  return (size_t) config->password_memlimit_kib * 1024;
}

bool
mt_password_hash (const mt_config_t *config, const char *password, char *out, mt_error_t *error)
{
  if (crypto_pwhash_str_alg (out, password, strlen (password), mt_password_ops (config),
                             mt_password_mem (config), crypto_pwhash_ALG_ARGON2ID13) != 0) {
    mt_error_set (error, MT_DOMAIN_CRYPTO, MT_ERR_UNAVAILABLE,
                  "mémoire insuffisante pour protéger le mot de passe",
                  "not enough memory to hash the password");
    return false;
  }
  return true;
}

bool
mt_password_verify (const char *hash, const char *password)
{
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

bool
mt_password_needs_rehash (const mt_config_t *config, const char *hash)
{
  return crypto_pwhash_str_needs_rehash (hash, mt_password_ops (config),
                                         mt_password_mem (config)) != 0;
}

bool
mt_password_check_policy (const char *password, const char *path, mt_error_t *error)
{
  size_t len = strlen (password);

  if (len > MT_PASSWORD_MAX_LEN || mt_utf8_length (password, len) < MT_PASSWORD_MIN_LEN) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION,
                  "le mot de passe doit compter de %d à %d caractères",
                  "the password must have %d to %d characters", MT_PASSWORD_MIN_LEN,
                  MT_PASSWORD_MAX_LEN);
    mt_error_set_path (error, path);
    return false;
  }
  return true;
}
