/*
 * bootstrap: the first administrator. On a store without any active administrator,
 * mutuad creates the member "Administration de la plateforme" and its manager account,
 * an administrator, from admin_email and admin_password (MUTUA_ADMIN_EMAIL and
 * MUTUA_ADMIN_PASSWORD), or with a generated password that main.c prints once.
 */
#ifndef MT_BOOTSTRAP_H
#define MT_BOOTSTRAP_H

#include "mt_error.h"
#include "service.h"

#include <stdbool.h>
#include <stddef.h>

#define MT_BOOTSTRAP_PASSWORD_SIZE 64

typedef struct {
  bool created;                              /* an administrator was created now */
  bool password_generated;                   /* ...with the password below */
  char password[MT_BOOTSTRAP_PASSWORD_SIZE]; /* generated password (wipe after use) */
} mt_bootstrap_result_t;

/* Runs on the main thread before the loops start (it hashes a password synchronously). */
bool mt_bootstrap_admin (const mt_ctx_t *ctx, mt_bootstrap_result_t *result, mt_error_t *error);

#endif
