/*
 * passwords: Argon2id password hashing (libsodium crypto_pwhash_str) with the configured
 * costs. These calls are slow on purpose (tens of milliseconds and megabytes of memory at
 * the defaults): call them from the worker pool, never on an event loop.
 */
#ifndef MT_PASSWORDS_H
#define MT_PASSWORDS_H

#include "config.h"
#include "mt_error.h"

#include <stdbool.h>
#include <stddef.h>

#define MT_PASSWORD_HASH_SIZE 128 /* crypto_pwhash_STRBYTES */
#define MT_PASSWORD_MIN_LEN 10    /* characters (code points) */
#define MT_PASSWORD_MAX_LEN 1024  /* bytes */

/* Hashes @password into @out (MT_PASSWORD_HASH_SIZE bytes) with @config's costs. */
bool mt_password_hash (const mt_config_t *config, const char *password, char *out,
                       mt_error_t *error);

/* True when @password matches @hash (constant-time comparison inside libsodium). */
bool mt_password_verify (const char *hash, const char *password);

/* True when @hash was made with other costs than @config's (then rehash on next sign-in). */
bool mt_password_needs_rehash (const mt_config_t *config, const char *hash);

/* Checks the password policy (length); sets a validation error on @error for @path. */
bool mt_password_check_policy (const char *password, const char *path, mt_error_t *error);

#endif
