/* service: the process-wide environment of the domain services. */
#include "service.h"

#include "keyring.h"
#include "mt_id.h"
#include "passwords.h"
#include "ratelimit.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>

/* The published keyring and the lock under which readers take their reference. */
struct mt_keyring_slot {
  pthread_mutex_t lock;
  mt_keyring_t *keyring;
};

bool
mt_service_env_init (mt_service_env_t *env, const mt_config_t *config)
{
  memset (env, 0, sizeof *env);
  env->config = config;
  env->keys = calloc (1, sizeof *env->keys);
  if (!env->keys) {
    return false;
  }
  pthread_mutex_init (&env->keys->lock, NULL);
  return true;
}

void
mt_service_env_destroy (mt_service_env_t *env)
{
  if (env->keys) {
    mt_keyring_unref (env->keys->keyring);
    pthread_mutex_destroy (&env->keys->lock);
    free (env->keys);
    env->keys = NULL;
  }
}

void
mt_service_env_set_keyring (mt_service_env_t *env, struct mt_keyring *keyring)
{
  mt_keyring_t *old;

  pthread_mutex_lock (&env->keys->lock);
  old = env->keys->keyring;
  env->keys->keyring = keyring;
  pthread_mutex_unlock (&env->keys->lock);
  mt_keyring_unref (old);
}

struct mt_keyring *
mt_service_env_keyring (const mt_service_env_t *env)
{
  mt_keyring_t *keyring;

  pthread_mutex_lock (&env->keys->lock);
  keyring = env->keys->keyring ? mt_keyring_ref (env->keys->keyring) : NULL;
  pthread_mutex_unlock (&env->keys->lock);
  return keyring;
}

bool
mt_services_start (mt_service_env_t *env, mt_error_t *error)
{
  const mt_config_t *config = env->config;
  char password[48];
  bool ok = false;

  env->ratelimit_account =
    mt_ratelimit_new ((uint32_t) config->login_account_limit, (uint32_t) config->login_window_s,
                      MT_RATELIMIT_LOGIN_CAPACITY);
  env->ratelimit_address =
    mt_ratelimit_new ((uint32_t) config->login_address_limit, (uint32_t) config->login_window_s,
                      MT_RATELIMIT_LOGIN_CAPACITY);
  if (!env->ratelimit_account || !env->ratelimit_address) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "mémoire insuffisante pour les limites de connexion",
                  "out of memory for the sign-in rate limits");
    goto done;
  }
  mt_id_random_token (24, password, sizeof password);
  ok = mt_password_hash (config, password, env->dummy_password_hash, error);
  sodium_memzero (password, sizeof password);
done:
  if (!ok) {
    mt_services_stop (env);
  }
  return ok;
}

void
mt_services_stop (mt_service_env_t *env)
{
  mt_ratelimit_destroy (env->ratelimit_account);
  mt_ratelimit_destroy (env->ratelimit_address);
  env->ratelimit_account = NULL;
  env->ratelimit_address = NULL;
}
