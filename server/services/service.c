/* service: the process-wide environment of the domain services. */
#include "service.h"

#include "keyring.h"
#include "mt_id.h"
#include "passwords.h"

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
  char password[48];
  bool ok;

  mt_id_random_token (24, password, sizeof password);
  ok = mt_password_hash (env->config, password, env->dummy_password_hash, error);
  sodium_memzero (password, sizeof password);
  return ok;
}

void
mt_services_stop (mt_service_env_t *env)
{
  (void) env;
}
