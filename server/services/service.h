/*
 * service: what every domain service receives. Services hold the business rules of mutua,
 * exactly once; they include neither libevent nor a storage driver, only store.h.
 *
 * mt_service_env_t is process-wide and read-only once built (except the keyring, swapped
 * under a lock on SIGHUP). mt_ctx_t is per request: the calling thread's store handle, the
 * time of the request and the caller.
 */
#ifndef MT_SERVICE_H
#define MT_SERVICE_H

#include "config.h"
#include "principal.h"
#include "store.h"

#include <pthread.h>

struct mt_keyring;
struct mt_ratelimit;
struct mt_schema_registry;

typedef struct {
  const mt_config_t *config;
  /* The compiled schemas of schemas/ (read-only), for services that validate documents
   * arriving other than as a request body (CSV import rows). */
  const struct mt_schema_registry *schemas;
  /* Failed sign-ins per e-mail (login_account_limit) and per client address
   * (login_address_limit) within login_window_s; see ratelimit.h. */
  struct mt_ratelimit *ratelimit_account;
  struct mt_ratelimit *ratelimit_address;
  /* Argon2id hash of a random password, verified when an e-mail is unknown so that
   * "unknown e-mail" and "wrong password" take the same time. */
  char dummy_password_hash[128];
  /* The current signing keyring, swapped on SIGHUP; see mt_service_env_keyring(). */
  struct mt_keyring_slot *keys;
} mt_service_env_t;

typedef struct {
  const mt_service_env_t *env;
  mt_store_t *store;
  int64_t now_ms;
  const mt_principal_t *principal; /* NULL for an anonymous caller */
  const char *client_addr;         /* textual client address, for rate limits; may be "" */
} mt_ctx_t;

/* Initialises the env (the keyring is installed later with mt_service_env_set_keyring).
 * Returns false on allocation failure. */
bool mt_service_env_init (mt_service_env_t *env, const mt_config_t *config);
void mt_service_env_destroy (mt_service_env_t *env);

/*
 * Prepares what the services need before serving (the login rate limiters, the dummy
 * password hash). Slow (one Argon2id hash): runs once on the main thread.
 * mt_services_stop frees them (safe when start failed or never ran); call it once no
 * request or worker job can use them any more.
 */
bool mt_services_start (mt_service_env_t *env, mt_error_t *error);
void mt_services_stop (mt_service_env_t *env);

/* Installs @keyring (taking the caller's reference) and drops the previous one. */
void mt_service_env_set_keyring (mt_service_env_t *env, struct mt_keyring *keyring);

/* A new reference to the current keyring; release it with mt_keyring_unref(). */
struct mt_keyring *mt_service_env_keyring (const mt_service_env_t *env);

#endif
