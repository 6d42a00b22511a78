/*
 * accounts: the people who sign in. An account belongs to exactly one member, with a member
 * role (manager | staff) and a platform role (member | admin). E-mails are unique
 * case-insensitively: the store indexes "email_key", the normalised e-mail.
 *
 * Stored document:
 *   id, version, member_id, email, email_key, name, member_role, platform_role,
 *   status ("active" | "invited" | "removed" | "deleted"), password_hash (Argon2id string,
 *   never leaves the service), tokens_not_before (date: tokens issued before are refused),
 *   created_at, updated_at (dates), and for invitations: invitation {token_hash, expires_at,
 *   invited_by}.
 */
#ifndef MT_ACCOUNTS_H
#define MT_ACCOUNTS_H

#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <bson/bson.h>
#include <stdbool.h>

#define MT_EMAIL_MAX 254

/*
 * Normalises an e-mail for uniqueness: trims spaces and lowercases ASCII letters. Returns
 * false when the result is empty or too long.
 */
bool mt_email_key (const char *email, char out[MT_EMAIL_MAX + 1]);

/* The fields of a new account. */
typedef struct {
  const char *member_id;
  const char *email;
  const char *name;
  const char *member_role;   /* "manager" | "staff" */
  const char *platform_role; /* "member" | "admin" */
  const char *status;        /* "active" | "invited" */
  const char *password_hash; /* may be NULL for an invited account */
} mt_account_fields_t;

/* Builds a new account document in @out (initialised here) with a fresh id (copied to
 * @id_out when not NULL), version 1 and dates at @now_ms. */
bool mt_account_build (const mt_account_fields_t *fields, int64_t now_ms, bson_t *out,
                       char id_out[MT_ID_SIZE], mt_error_t *error);

/* The account as its owner, colleagues or admins see it: no password hash, no invitation
 * secret, no internal keys. @out is initialised here. */
void mt_account_public_view (const bson_t *account, bson_t *out);

#endif
