/*
 * members_fixture: what the service-level tests of members, privacy and admin share: a real
 * SQLite store in a mkdtemp directory, networks, members and accounts written straight to it,
 * and callers (mt_ctx_t with a principal) built the way authentication builds them.
 *
 * Everything is static inline so that each test program takes only what it uses.
 */
#ifndef MT_MEMBERS_FIXTURE_H
#define MT_MEMBERS_FIXTURE_H

#include "mt_test.h"

#include "accounts.h"
#include "members.h"
#include "mt_bson.h"
#include "principal.h"
#include "service.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FX_NOW_MS INT64_C (1781254800000) /* 2026-06-12T09:00:00Z; tests never read the clock */
/* Creation time of the @n-th document of a test, before FX_NOW_MS and in creation order, so
 * that lists ordered by created_at are deterministic. */
#define FX_CREATED_MS(n) (FX_NOW_MS - INT64_C (3600000) + (int64_t) (n) *1000)

typedef struct {
  char dir[64];
  char db[128];
  mt_store_backend_t *backend;
  mt_store_t *store;
  unsigned counter; /* makes e-mails and names unique */
} fx_t;

/* A caller: the principal and the context that carries it. */
typedef struct {
  mt_principal_t principal;
  mt_ctx_t ctx;
} fx_caller_t;

static inline int
fx_setup (void **state)
{
  fx_t *fx = calloc (1, sizeof *fx);
  mt_error_t error;

  if (!fx) {
    return -1;
  }
  snprintf (fx->dir, sizeof fx->dir, "/tmp/mutua-members-XXXXXX");
  if (!mkdtemp (fx->dir)) {
    free (fx);
    return -1;
  }
  snprintf (fx->db, sizeof fx->db, "sqlite:%s/t.db", fx->dir);
  fx->backend = mt_store_backend_new (fx->db, &error);
  fx->store = fx->backend ? mt_store_open (fx->backend, &error) : NULL;
  if (!fx->store) {
    fprintf (stderr, "store: %s\n", error.message);
    return -1;
  }
  *state = fx;
  return 0;
}

static inline int
fx_teardown (void **state)
{
  fx_t *fx = *state;
  char path[160];

  mt_store_close (fx->store);
  mt_store_backend_destroy (fx->backend);
  snprintf (path, sizeof path, "%s/t.db", fx->dir);
  unlink (path);
  snprintf (path, sizeof path, "%s/t.db-wal", fx->dir);
  unlink (path);
  snprintf (path, sizeof path, "%s/t.db-shm", fx->dir);
  unlink (path);
  rmdir (fx->dir);
  free (fx);
  return 0;
}

/* The error of the last OK/FAILS call. */
static mt_error_t fx_err __attribute__ ((unused));

/* @call (taking &fx_err) must succeed. */
#define OK(call)                                                                                   \
  do {                                                                                             \
    mt_error_clear (&fx_err);                                                                      \
    if (!(call)) {                                                                                 \
      fail_msg ("%s failed: %s", #call, fx_err.message);                                           \
    }                                                                                              \
  } while (0)

/* @call (taking &fx_err) must fail with @code. */
#define FAILS(call, expected_code)                                                                 \
  do {                                                                                             \
    mt_error_clear (&fx_err);                                                                      \
    if (call) {                                                                                    \
      fail_msg ("%s succeeded, expected code %d", #call, (int) (expected_code));                   \
    }                                                                                              \
    if (fx_err.code != (uint32_t) (expected_code)) {                                               \
      fail_msg ("%s: code %u (%s), expected %d", #call, fx_err.code, fx_err.message,               \
                (int) (expected_code));                                                            \
    }                                                                                              \
  } while (0)

/* A network with slug @slug; its id goes to @id_out. */
static inline void
fx_network (fx_t *fx, const char *slug, char id_out[MT_ID_SIZE])
{
  bson_t doc = BSON_INITIALIZER;
  mt_error_t error;

  mt_id_new ("net", id_out);
  BSON_APPEND_UTF8 (&doc, "id", id_out);
  BSON_APPEND_INT64 (&doc, "version", 1);
  BSON_APPEND_UTF8 (&doc, "slug", slug);
  BSON_APPEND_UTF8 (&doc, "name", slug);
  if (!fx->store->ops->network_insert (fx->store, &doc, &error)) {
    fail_msg ("network_insert: %s", error.message);
  }
  bson_destroy (&doc);
}

/*
 * A member with @status in the networks @networks (NULL-terminated), kind @kind (NULL:
 * association), and its first account (an active manager); ids to @member_out and
 * @manager_out (may be NULL).
 */
static inline void
fx_member (fx_t *fx, const char *status, const char *kind, const char *const *networks,
           char member_out[MT_ID_SIZE], char manager_out[MT_ID_SIZE])
{
  bson_t profile = BSON_INITIALIZER;
  bson_t territory;
  bson_t contact;
  bson_t member;
  bson_t account;
  char name[64];
  char email[64];
  unsigned n = ++fx->counter;
  mt_account_fields_t fields;
  mt_error_t error;

  snprintf (name, sizeof name, "Structure %03u", n);
  snprintf (email, sizeof email, "manager%u@example.org", n);
  BSON_APPEND_UTF8 (&profile, "name", name);
  BSON_APPEND_UTF8 (&profile, "kind", kind ? kind : "association");
  BSON_APPEND_DOCUMENT_BEGIN (&profile, "territory", &territory);
  BSON_APPEND_UTF8 (&territory, "departement", "59");
  BSON_APPEND_UTF8 (&territory, "commune", "Lille");
  bson_append_document_end (&profile, &territory);
  BSON_APPEND_UTF8 (&profile, "description", "Atelier vélo participatif");
  BSON_APPEND_DOCUMENT_BEGIN (&profile, "contact", &contact);
  BSON_APPEND_UTF8 (&contact, "email", "contact@example.org");
  bson_append_document_end (&profile, &contact);
  mt_bson_append_str_array (&profile, "networks", networks);
  mt_member_build (&profile, status, FX_CREATED_MS (n), &member, member_out);
  fields = (mt_account_fields_t){
    .member_id = member_out,
    .email = email,
    .name = "Camille Martin",
    .member_role = "manager",
    .platform_role = kind && strcmp (kind, "platform") == 0 ? "admin" : "member",
    .status = "active",
    .password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
  };
  if (!mt_account_build (&fields, FX_CREATED_MS (n), &account, manager_out, &error) ||
      !fx->store->ops->member_insert (fx->store, &member, &account, &error)) {
    fail_msg ("member: %s", error.message);
  }
  bson_destroy (&profile);
  bson_destroy (&member);
  bson_destroy (&account);
}

/* One more account of @member_id; its id to @id_out. */
static inline void
fx_account (fx_t *fx, const char *member_id, const char *role, const char *status,
            const char *platform_role, char id_out[MT_ID_SIZE])
{
  bson_t account;
  char email[64];
  unsigned n = ++fx->counter;
  mt_account_fields_t fields;
  mt_error_t error;

  snprintf (email, sizeof email, "person%u@example.org", n);
  fields = (mt_account_fields_t){
    .member_id = member_id,
    .email = email,
    .name = "Dominique Leroy",
    .member_role = role,
    .platform_role = platform_role ? platform_role : "member",
    .status = status,
    .password_hash = strcmp (status, "active") == 0 ? "$argon2id$v=19$m=8,t=1,p=1$x$y" : NULL,
  };
  if (!mt_account_build (&fields, FX_CREATED_MS (n), &account, id_out, &error) ||
      !fx->store->ops->account_insert (fx->store, &account, &error)) {
    fail_msg ("account: %s", error.message);
  }
  bson_destroy (&account);
}

/* Builds @caller as authentication would for account @account_id (read from the store). */
static inline void
fx_caller (fx_t *fx, const char *account_id, fx_caller_t *caller)
{
  mt_principal_t *p = &caller->principal;
  mt_error_t error;

  mt_principal_init (p);
  bson_destroy (&p->account);
  bson_destroy (&p->member);
  if (!fx->store->ops->account_get (fx->store, account_id, &p->account, &error) ||
      !fx->store->ops->member_get (fx->store, mt_bson_str (&p->account, "member_id"), &p->member,
                                   &error)) {
    fail_msg ("caller: %s", error.message);
  }
  snprintf (p->account_id, sizeof p->account_id, "%s", account_id);
  snprintf (p->member_id, sizeof p->member_id, "%s", mt_bson_str (&p->account, "member_id"));
  snprintf (p->jti, sizeof p->jti, "jti-%s", account_id);
  p->token_exp_ms = FX_NOW_MS + 3600 * 1000;
  p->is_admin = mt_bson_str_eq (&p->account, "platform_role", "admin");
  p->is_manager = mt_bson_str_eq (&p->account, "member_role", "manager");
  p->member_active = mt_bson_str_eq (&p->member, "status", "active");
  caller->ctx = (mt_ctx_t){
    .env = NULL,
    .store = fx->store,
    .now_ms = FX_NOW_MS,
    .principal = p,
    .client_addr = "127.0.0.1",
  };
}

static inline void
fx_caller_destroy (fx_caller_t *caller)
{
  mt_principal_destroy (&caller->principal);
}

/* The stored document @id of a member (or an account when @account). */
static inline void
fx_get (fx_t *fx, bool account, const char *id, bson_t *out)
{
  mt_error_t error;
  bool ok = account ? fx->store->ops->account_get (fx->store, id, out, &error)
                    : fx->store->ops->member_get (fx->store, id, out, &error);
  if (!ok) {
    fail_msg ("get %s: %s", id, error.message);
  }
}

/* Number of elements of the array-shaped @doc. */
static inline uint32_t
fx_count (const bson_t *doc)
{
  return bson_count_keys (doc);
}

#endif
