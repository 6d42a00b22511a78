/*
 * principal: who is calling. Built from a verified token by mt_auth_authenticate
 * (services/auth.h) on every authenticated request: roles and statuses come from the store,
 * never from the token.
 */
#ifndef MT_PRINCIPAL_H
#define MT_PRINCIPAL_H

#include "mt_id.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stdint.h>

#define MT_JTI_MAX 64

typedef struct {
  char account_id[MT_ID_SIZE];
  char member_id[MT_ID_SIZE];
  char jti[MT_JTI_MAX];
  int64_t token_exp_ms;
  bool is_admin;      /* platform role "admin" */
  bool is_manager;    /* member role "manager" */
  bool member_active; /* the member's status is "active" */
  bool via_cookie;    /* the token came from the session cookie, not Authorization */
  bson_t account;     /* the account document as stored (owned) */
  bson_t member;      /* the member document as stored (owned) */
} mt_principal_t;

void mt_principal_init (mt_principal_t *principal);
void mt_principal_destroy (mt_principal_t *principal);

#endif
