/*
 * demo: the demonstration data set loaded by `mutuad --demo`: the Apes and MRES networks of
 * Hauts-de-France, a dozen organisations across the départements with their managers and
 * staff (later issues add listings, reservations and exchanges). The data lives in tables
 * (demo_data.h) with stable keys: networks by slug ("apes", "mres"), organisations by a short
 * key ("velo-lille"), people by e-mail.
 *
 * Loading is idempotent and resumable: a network whose slug exists is reused; an organisation
 * one of whose demo e-mails exists is considered present (its member is found through that
 * account) and only its missing demo accounts are added; a complete demo is left as it is,
 * without hashing anything. Every demo account has the password MT_DEMO_PASSWORD, hashed once
 * per load. A demo account that was deleted (e-mail erased) comes back at the next load.
 */
#ifndef MT_DEMO_H
#define MT_DEMO_H

#include "demo_data.h"
#include "mt_error.h"
#include "mt_id.h"
#include "service.h"

#include <stdbool.h>

/* Password of every demo account (the demo is for trying mutua, never for production). */
#define MT_DEMO_PASSWORD "demo-mutua-2026"

typedef struct {
  bool loaded;          /* the demo is in the store (loaded now or before) */
  int members;          /* organisations of the demo */
  int accounts;         /* accounts of the demo */
  int networks;         /* networks of the demo */
  int members_created;  /* of which created by this load */
  int accounts_created; /* of which created by this load (with their organisation or not) */
  int networks_created; /* of which created by this load */
} mt_demo_result_t;

/*
 * Loads the demo into ctx->store (with ctx->now_ms as creation and approval time). @result is
 * always initialised. Runs on the main thread before the loops start (it hashes one password
 * when something has to be created).
 */
bool mt_demo_load (const mt_ctx_t *ctx, mt_demo_result_t *result, mt_error_t *error);

/*
 * The stored id of the demo network @slug (copied to @id_out). MT_ERR_NOT_FOUND when it is
 * not in the store.
 */
bool mt_demo_network_id (const mt_ctx_t *ctx, const char *slug, char id_out[MT_ID_SIZE],
                         mt_error_t *error);

/*
 * The stored member id of the demo organisation @key (e.g. "velo-lille"), found through the
 * first of its demo accounts present in the store. MT_ERR_NOT_FOUND for an unknown key or an
 * organisation that is not in the store.
 */
bool mt_demo_member_id (const mt_ctx_t *ctx, const char *key, char id_out[MT_ID_SIZE],
                        mt_error_t *error);

#endif
