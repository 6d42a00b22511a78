/*
 * Unit tests of the credits ledger (server/services/credits.c and credits_admin.c) against a
 * real SQLite store: double entry (a transfer moves its amount from one balance to the
 * other), immutable entries and deterministic ids (a second append of an id is a duplicate
 * that changes nothing), the floor (crossing it is refused and nothing is written, reaching
 * it exactly is allowed, a negative floor allows debt down to it), grants from "system"
 * never floor-checked, administrators' grants and their validation, reversals (the opposite
 * entry; twice -> conflict; a reversal may itself be reversed; a reversal that would take its
 * payer below the floor is refused like any transfer), the welcome grant (once per member,
 * at the first approval), the monthly grant (once per member and month, by one or two store
 * handles on the same file as two instances would, active members only), the statement,
 * credits disabled, and a reservation's charge at return (days x price from the borrower to
 * the owner; refused by the floor: the return goes on, flagged into the review queue, and
 * the sweeps never close it).
 * After every scenario the sum of all balances is zero and the store's integrity check holds.
 * Every context carries an explicit instant: nothing reads the clock.
 */
#include "loans_fixture.h"

#include "admin_members.h"
#include "credits.h"
#include "loans_admin.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "sweeps.h"

extern const mt_embed_file_t mutua_schema_files[];

static mt_schema_registry_t *registry;

static int
group_setup (void **state)
{
  mt_error_t error;

  (void) state;
  registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!registry || !mt_schema_registry_add_embedded (registry, mutua_schema_files, &error)) {
    fprintf (stderr, "schemas: %s\n", registry ? error.message : "no memory");
    return -1;
  }
  return 0;
}

static int
group_teardown (void **state)
{
  (void) state;
  mt_schema_registry_destroy (registry);
  return 0;
}

/* ---- Helpers ------------------------------------------------------------------------------ */

/* The fixture with credits enabled (defaults: welcome 50, monthly 30, floor 0). */
static lx_t *
world (void **state)
{
  lx_t *lx = *state;

  lx->config.credits_enabled = true;
  return lx;
}

/* A caller (account @account) with the fixture's configuration, at FX_NOW_MS. */
static void
caller (lx_t *lx, const char *account, fx_caller_t *c)
{
  fx_caller (lx->fx, account, c);
  c->ctx.env = &lx->env;
}

static int64_t
balance (lx_t *lx, const char *member)
{
  int64_t b = INT64_MIN;
  mt_error_t error;

  if (!lx->fx->store->ops->ledger_balance (lx->fx->store, member, &b, &error)) {
    fail_msg ("ledger_balance: %s", error.message);
  }
  return b;
}

/* Number of ledger entries in the store. */
static int64_t
entries (lx_t *lx)
{
  int64_t sum = 0, count = -1;
  mt_error_t error;

  if (!lx->fx->store->ops->ledger_sum (lx->fx->store, &sum, &count, &error)) {
    fail_msg ("ledger_sum: %s", error.message);
  }
  return count;
}

/* The ledger is consistent: the sum of all balances is zero and every balance matches the
 * entries (the store's integrity check). */
static void
assert_consistent (lx_t *lx)
{
  int64_t sum = -1, count = -1;
  mt_error_t error;

  if (!lx->fx->store->ops->ledger_sum (lx->fx->store, &sum, &count, &error)) {
    fail_msg ("ledger_sum: %s", error.message);
  }
  assert_int_equal (sum, 0);
  if (!lx->fx->store->ops->check_integrity (lx->fx->store, &error)) {
    fail_msg ("check_integrity: %s", error.message);
  }
}

/* The entries of @member, newest first (first page of 100), into @page. */
static void
statement (lx_t *lx, const char *member, mt_store_page_t *page)
{
  mt_error_t error;

  if (!lx->fx->store->ops->ledger_list (lx->fx->store, member, NULL, 100, page, &error)) {
    fail_msg ("ledger_list: %s", error.message);
  }
}

/* Number of entries of @member whose id starts with @prefix. */
static int
count_prefixed (lx_t *lx, const char *member, const char *prefix)
{
  mt_store_page_t page;
  bson_iter_t it;
  int n = 0;

  statement (lx, member, &page);
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      bson_iter_t field;
      if (bson_iter_recurse (&it, &field) && bson_iter_find (&field, "id") &&
          strncmp (bson_iter_utf8 (&field, NULL), prefix, strlen (prefix)) == 0) {
        n++;
      }
    }
  }
  mt_store_page_destroy (&page);
  return n;
}

/* @doc, written as JSON and read back, is valid for @schema. */
static void
assert_valid_as_json (const char *schema, const bson_t *doc)
{
  char *json = mt_json_from_bson (doc, NULL);
  bson_t parsed;
  mt_error_t error;

  assert_non_null (json);
  if (!mt_json_parse_object (json, strlen (json), MT_JSON_STRICT, &parsed, &error)) {
    fail_msg ("reparse: %s", error.message);
  }
  if (!mt_schema_validate (mt_schema_registry_get (registry, schema), &parsed, &error)) {
    fail_msg ("%s: %s at %s in %s", schema, error.message, error.path, json);
  }
  bson_destroy (&parsed);
  free (json);
}

/* A grant of @amount from "system" to @member under @id (context of the system). */
static void
grant (lx_t *lx, const char *id, const char *member, int64_t amount)
{
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);

  OK (
    mt_credits_transfer (&ctx, id, MT_CREDITS_SYSTEM, member, amount, "test", NULL, NULL, &fx_err));
}

/* ---- Double entry, immutability, idempotence ------------------------------------------------ */

static void
transfer_moves_the_amount (void **state)
{
  lx_t *lx = world (state);
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  mt_store_page_t page;
  bool again = true;

  grant (lx, "t:grant", lx->borrower, 100);
  assert_int_equal (balance (lx, lx->borrower), 100);
  assert_int_equal (balance (lx, MT_CREDITS_SYSTEM), -100);
  ctx.now_ms += 1000;
  OK (mt_credits_transfer (&ctx, "t:pay", lx->borrower, lx->owner, 30, "prêt", "ref-1", &again,
                           &fx_err));
  assert_false (again);
  assert_int_equal (balance (lx, lx->borrower), 70);
  assert_int_equal (balance (lx, lx->owner), 30);
  assert_int_equal (balance (lx, MT_CREDITS_SYSTEM), -100);
  assert_int_equal (entries (lx), 2);
  /* the service's balance agrees with the store's */
  {
    int64_t b = 0;
    OK (mt_credits_balance (&ctx, lx->borrower, &b, &fx_err));
    assert_int_equal (b, 70);
  }
  /* the payer and the payee both see the entry; newest first */
  statement (lx, lx->borrower, &page);
  assert_int_equal (page.count, 2);
  assert_string_equal (mt_bson_str (&page.items, "0.id"), "t:pay");
  assert_string_equal (mt_bson_str (&page.items, "0.from"), lx->borrower);
  assert_string_equal (mt_bson_str (&page.items, "0.to"), lx->owner);
  assert_int_equal (mt_bson_int (&page.items, "0.amount", 0), 30);
  assert_string_equal (mt_bson_str (&page.items, "0.ref"), "ref-1");
  assert_string_equal (mt_bson_str (&page.items, "1.id"), "t:grant");
  mt_store_page_destroy (&page);
  statement (lx, lx->owner, &page);
  assert_int_equal (page.count, 1);
  assert_string_equal (mt_bson_str (&page.items, "0.id"), "t:pay");
  mt_store_page_destroy (&page);
  statement (lx, lx->admin_member, &page);
  assert_int_equal (page.count, 0);
  mt_store_page_destroy (&page);
  /* every entry is audited as "ledger:<id>" */
  assert_int_equal (lx_audit_count (lx, "t:pay"), 1);
  assert_consistent (lx);
}

static void
bad_transfers_write_nothing (void **state)
{
  lx_t *lx = world (state);
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  char long_id[MT_CREDITS_ENTRY_ID_MAX + 2];

  grant (lx, "b:grant", lx->borrower, 10);
  FAILS (
    mt_credits_transfer (&ctx, "b:self", lx->borrower, lx->borrower, 5, "x", NULL, NULL, &fx_err),
    MT_ERR_INTERNAL);
  FAILS (mt_credits_transfer (&ctx, "b:neg", lx->borrower, lx->owner, -5, "x", NULL, NULL, &fx_err),
         MT_ERR_INTERNAL);
  FAILS (mt_credits_transfer (&ctx, "", lx->borrower, lx->owner, 5, "x", NULL, NULL, &fx_err),
         MT_ERR_INTERNAL);
  memset (long_id, 'x', sizeof long_id - 1);
  long_id[sizeof long_id - 1] = '\0';
  FAILS (mt_credits_transfer (&ctx, long_id, lx->borrower, lx->owner, 5, "x", NULL, NULL, &fx_err),
         MT_ERR_INTERNAL);
  /* an amount of 0 is success with nothing written */
  OK (mt_credits_transfer (&ctx, "b:zero", lx->borrower, lx->owner, 0, "x", NULL, NULL, &fx_err));
  assert_int_equal (entries (lx), 1);
  assert_int_equal (balance (lx, lx->borrower), 10);
  assert_int_equal (balance (lx, lx->owner), 0);
  assert_consistent (lx);
}

static void
same_id_is_a_duplicate_that_changes_nothing (void **state)
{
  lx_t *lx = world (state);
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  mt_store_page_t page;
  bool again = false;
  bson_t out;

  grant (lx, "d:grant", lx->borrower, 100);
  OK (
    mt_credits_transfer (&ctx, "d:pay", lx->borrower, lx->owner, 40, "un", NULL, &again, &fx_err));
  assert_false (again);
  /* the same id again, even with another amount and other parties: stored once, unchanged */
  ctx.now_ms += 5000;
  OK (mt_credits_transfer_full (&ctx, "d:pay", lx->borrower, lx->admin_member, 99, "deux", NULL,
                                NULL, NULL, &again, &out, &fx_err));
  assert_true (again);
  bson_destroy (&out);
  OK (
    mt_credits_transfer (&ctx, "d:pay", lx->borrower, lx->owner, 40, "un", NULL, &again, &fx_err));
  assert_true (again);
  assert_int_equal (entries (lx), 2);
  assert_int_equal (balance (lx, lx->borrower), 60);
  assert_int_equal (balance (lx, lx->owner), 40);
  assert_int_equal (balance (lx, lx->admin_member), 0);
  statement (lx, lx->borrower, &page);
  assert_int_equal (page.count, 2);
  assert_int_equal (mt_bson_int (&page.items, "0.amount", 0), 40);
  assert_string_equal (mt_bson_str (&page.items, "0.reason"), "un");
  assert_int_equal (mt_bson_date (&page.items, "0.created_at", 0), FX_NOW_MS);
  mt_store_page_destroy (&page);
  /* the store's own answer: DUPLICATE, even when the floor would now refuse it */
  {
    bson_t entry = BSON_INITIALIZER;
    mt_error_t error = { 0 };
    BSON_APPEND_UTF8 (&entry, "id", "d:pay");
    BSON_APPEND_UTF8 (&entry, "from", lx->owner);
    BSON_APPEND_UTF8 (&entry, "to", lx->borrower);
    BSON_APPEND_INT64 (&entry, "amount", 1000);
    BSON_APPEND_UTF8 (&entry, "reason", "x");
    BSON_APPEND_DATE_TIME (&entry, "created_at", FX_NOW_MS);
    assert_false (lx->fx->store->ops->ledger_append (lx->fx->store, &entry, true, 0, &error));
    assert_int_equal (error.code, MT_ERR_DUPLICATE);
    bson_destroy (&entry);
  }
  assert_int_equal (entries (lx), 2);
  assert_int_equal (balance (lx, lx->owner), 40);
  assert_consistent (lx);
}

/* ---- The floor --------------------------------------------------------------------------- */

static void
floor_refuses_and_writes_nothing (void **state)
{
  lx_t *lx = world (state);
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);

  grant (lx, "f:grant", lx->borrower, 50);
  FAILS (mt_credits_transfer (&ctx, "f:51", lx->borrower, lx->owner, 51, "x", NULL, NULL, &fx_err),
         MT_ERR_UNPROCESSABLE);
  assert_non_null (strstr (fx_err.message_fr, "crédits insuffisants"));
  assert_non_null (strstr (fx_err.message, "insufficient credits"));
  assert_int_equal (entries (lx), 1);
  assert_int_equal (balance (lx, lx->borrower), 50);
  assert_int_equal (balance (lx, lx->owner), 0);
  assert_int_equal (lx_audit_count (lx, "f:51"), 0);
  /* the refused id is not taken: the same id may go through later */
  OK (mt_credits_transfer (&ctx, "f:50", lx->borrower, lx->owner, 50, "x", NULL, NULL, &fx_err));
  assert_int_equal (balance (lx, lx->borrower), 0); /* exactly the floor */
  FAILS (mt_credits_transfer (&ctx, "f:1", lx->borrower, lx->owner, 1, "x", NULL, NULL, &fx_err),
         MT_ERR_UNPROCESSABLE);
  assert_int_equal (balance (lx, lx->borrower), 0);
  /* a member without any entry cannot spend either */
  FAILS (
    mt_credits_transfer (&ctx, "f:admin", lx->admin_member, lx->owner, 1, "x", NULL, NULL, &fx_err),
    MT_ERR_UNPROCESSABLE);
  grant (lx, "f:regrant", lx->borrower, 1);
  OK (mt_credits_transfer (&ctx, "f:1", lx->borrower, lx->owner, 1, "x", NULL, NULL, &fx_err));
  assert_int_equal (balance (lx, lx->borrower), 0);
  assert_int_equal (balance (lx, lx->owner), 51);
  assert_int_equal (entries (lx), 4);
  assert_consistent (lx);
}

static void
negative_floor_allows_debt_down_to_it (void **state)
{
  lx_t *lx = world (state);
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);

  lx->config.credits_floor = -20;
  OK (mt_credits_transfer (&ctx, "n:15", lx->borrower, lx->owner, 15, "x", NULL, NULL, &fx_err));
  assert_int_equal (balance (lx, lx->borrower), -15);
  FAILS (mt_credits_transfer (&ctx, "n:6", lx->borrower, lx->owner, 6, "x", NULL, NULL, &fx_err),
         MT_ERR_UNPROCESSABLE);
  assert_non_null (strstr (fx_err.message, "-20"));
  assert_int_equal (balance (lx, lx->borrower), -15);
  OK (mt_credits_transfer (&ctx, "n:5", lx->borrower, lx->owner, 5, "x", NULL, NULL, &fx_err));
  assert_int_equal (balance (lx, lx->borrower), -20);
  assert_int_equal (balance (lx, lx->owner), 20);
  assert_int_equal (entries (lx), 2);
  /* a positive floor: a balance of 10 may not spend anything while the floor is 10 */
  lx->config.credits_floor = 10;
  grant (lx, "n:grant", lx->owner, 0); /* nothing */
  FAILS (
    mt_credits_transfer (&ctx, "n:owner", lx->owner, lx->borrower, 11, "x", NULL, NULL, &fx_err),
    MT_ERR_UNPROCESSABLE);
  OK (mt_credits_transfer (&ctx, "n:owner", lx->owner, lx->borrower, 10, "x", NULL, NULL, &fx_err));
  assert_int_equal (balance (lx, lx->owner), 10);
  assert_consistent (lx);
}

static void
system_grants_are_not_floor_checked (void **state)
{
  lx_t *lx = world (state);

  lx->config.credits_floor = 0;
  grant (lx, "s:1", lx->borrower, MT_CREDITS_AMOUNT_MAX);
  grant (lx, "s:2", lx->owner, MT_CREDITS_AMOUNT_MAX);
  grant (lx, "s:3", lx->admin_member, 7);
  assert_int_equal (balance (lx, MT_CREDITS_SYSTEM), -(2 * MT_CREDITS_AMOUNT_MAX + 7));
  assert_int_equal (balance (lx, lx->borrower), MT_CREDITS_AMOUNT_MAX);
  assert_int_equal (entries (lx), 3);
  assert_consistent (lx);
}

/* ---- Administrators' grants ------------------------------------------------------------------ */

static void
admin_grant_rules (void **state)
{
  lx_t *lx = world (state);
  fx_caller_t admin, owner;
  bson_t body, out;
  static const char *const bad_amounts[] = { "0", "-5", "1000001", "'10'", "1.5", NULL };
  char text[256];

  caller (lx, lx->admin_account, &admin);
  caller (lx, lx->owner_account, &owner);
  /* the grant, as the API shows it */
  snprintf (text, sizeof text, "{'member_id':'%s','amount':25,'reason':'Fête du réseau'}",
            lx->borrower);
  for (char *p = text; *p; p++) {
    *p = *p == '\'' ? '"' : *p;
  }
  assert_true (mt_json_parse_object (text, strlen (text), MT_JSON_STRICT, &body, &fx_err));
  OK (mt_credits_admin_grant (&admin.ctx, &body, &out, &fx_err));
  assert_int_equal (strncmp (mt_bson_str (&out, "id"), "grant_", 6), 0);
  assert_string_equal (mt_bson_str (&out, "from"), MT_CREDITS_SYSTEM);
  assert_string_equal (mt_bson_str (&out, "to"), lx->borrower);
  assert_int_equal (mt_bson_int (&out, "amount", 0), 25);
  assert_string_equal (mt_bson_str (&out, "reason"), "Fête du réseau");
  assert_valid_as_json ("ledger_entry.json", &out);
  assert_int_equal (lx_audit_count (lx, mt_bson_str (&out, "id")), 1);
  bson_destroy (&out);
  assert_int_equal (balance (lx, lx->borrower), 25);
  /* two grants of the same body are two entries (random ids) */
  OK (mt_credits_admin_grant (&admin.ctx, &body, &out, &fx_err));
  bson_destroy (&out);
  assert_int_equal (balance (lx, lx->borrower), 50);
  assert_int_equal (entries (lx), 2);
  /* a member's account may not grant */
  FAILS (mt_credits_admin_grant (&owner.ctx, &body, &out, &fx_err), MT_ERR_FORBIDDEN);
  bson_destroy (&body);
  /* bad amounts: refused by the schema (and by the service, which checks its range too) */
  for (const char *const *amount = bad_amounts; *amount; amount++) {
    bson_t bad;
    snprintf (text, sizeof text, "{\"member_id\":\"%s\",\"amount\":%s,\"reason\":\"x\"}",
              lx->borrower, *amount);
    for (char *p = text; *p; p++) {
      *p = *p == '\'' ? '"' : *p;
    }
    assert_true (mt_json_parse_object (text, strlen (text), MT_JSON_STRICT, &bad, &fx_err));
    assert_false (
      mt_schema_validate (mt_schema_registry_get (registry, "ledger_grant.json"), &bad, &fx_err));
    FAILS (mt_credits_admin_grant (&admin.ctx, &bad, &out, &fx_err), MT_ERR_VALIDATION);
    assert_string_equal (fx_err.path, "/amount");
    bson_destroy (&bad);
  }
  /* the largest grant is accepted */
  {
    bson_t big = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&big, "member_id", lx->owner);
    BSON_APPEND_INT64 (&big, "amount", MT_CREDITS_AMOUNT_MAX);
    BSON_APPEND_UTF8 (&big, "reason", "x");
    OK (mt_credits_admin_grant (&admin.ctx, &big, &out, &fx_err));
    bson_destroy (&out);
    bson_destroy (&big);
    assert_int_equal (balance (lx, lx->owner), MT_CREDITS_AMOUNT_MAX);
  }
  /* an unknown member, a missing reason */
  {
    bson_t unknown = BSON_INITIALIZER;
    char id[MT_ID_SIZE];
    mt_id_new ("mem", id);
    BSON_APPEND_UTF8 (&unknown, "member_id", id);
    BSON_APPEND_INT64 (&unknown, "amount", 5);
    BSON_APPEND_UTF8 (&unknown, "reason", "x");
    FAILS (mt_credits_admin_grant (&admin.ctx, &unknown, &out, &fx_err), MT_ERR_NOT_FOUND);
    assert_string_equal (fx_err.path, "/member_id");
    bson_destroy (&unknown);
    bson_init (&unknown);
    BSON_APPEND_UTF8 (&unknown, "member_id", lx->owner);
    BSON_APPEND_INT64 (&unknown, "amount", 5);
    FAILS (mt_credits_admin_grant (&admin.ctx, &unknown, &out, &fx_err), MT_ERR_VALIDATION);
    assert_string_equal (fx_err.path, "/reason");
    bson_destroy (&unknown);
  }
  assert_int_equal (entries (lx), 3);
  /* credits disabled: conflict, nothing written */
  lx->config.credits_enabled = false;
  {
    bson_t ok_body = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&ok_body, "member_id", lx->owner);
    BSON_APPEND_INT64 (&ok_body, "amount", 5);
    BSON_APPEND_UTF8 (&ok_body, "reason", "x");
    FAILS (mt_credits_admin_grant (&admin.ctx, &ok_body, &out, &fx_err), MT_ERR_CONFLICT);
    bson_destroy (&ok_body);
  }
  assert_int_equal (entries (lx), 3);
  assert_consistent (lx);
  fx_caller_destroy (&admin);
  fx_caller_destroy (&owner);
}

/* ---- Reversals ------------------------------------------------------------------------------ */

static bson_t *
reason_body (bson_t *body)
{
  bson_init (body);
  BSON_APPEND_UTF8 (body, "reason", "erreur de saisie");
  return body;
}

static void
reversal_rules (void **state)
{
  lx_t *lx = world (state);
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  fx_caller_t admin, owner;
  bson_t body, out;

  caller (lx, lx->admin_account, &admin);
  caller (lx, lx->owner_account, &owner);
  reason_body (&body);
  grant (lx, "r:grant", lx->borrower, 100);
  OK (mt_credits_transfer (&ctx, "r:pay", lx->borrower, lx->owner, 30, "prêt", "res-1", NULL,
                           &fx_err));
  /* the reversal: the opposite entry, same amount and ref, "reverses" the original */
  OK (mt_credits_admin_reverse (&admin.ctx, "r:pay", &body, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "id"), "reverse:r:pay");
  assert_string_equal (mt_bson_str (&out, "from"), lx->owner);
  assert_string_equal (mt_bson_str (&out, "to"), lx->borrower);
  assert_int_equal (mt_bson_int (&out, "amount", 0), 30);
  assert_string_equal (mt_bson_str (&out, "reverses"), "r:pay");
  assert_string_equal (mt_bson_str (&out, "ref"), "res-1");
  assert_string_equal (mt_bson_str (&out, "reason"), "erreur de saisie");
  assert_valid_as_json ("ledger_entry.json", &out);
  bson_destroy (&out);
  assert_int_equal (balance (lx, lx->borrower), 100);
  assert_int_equal (balance (lx, lx->owner), 0);
  assert_int_equal (entries (lx), 3);
  /* twice: conflict, nothing written */
  FAILS (mt_credits_admin_reverse (&admin.ctx, "r:pay", &body, &out, &fx_err), MT_ERR_CONFLICT);
  assert_int_equal (entries (lx), 3);
  assert_int_equal (balance (lx, lx->borrower), 100);
  /* a reversal is an entry like another: reversing it makes the original transfer again */
  OK (mt_credits_admin_reverse (&admin.ctx, "reverse:r:pay", &body, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "id"), "reverse:reverse:r:pay");
  assert_string_equal (mt_bson_str (&out, "from"), lx->borrower);
  assert_string_equal (mt_bson_str (&out, "to"), lx->owner);
  bson_destroy (&out);
  assert_int_equal (balance (lx, lx->borrower), 70);
  assert_int_equal (balance (lx, lx->owner), 30);
  FAILS (mt_credits_admin_reverse (&admin.ctx, "reverse:r:pay", &body, &out, &fx_err),
         MT_ERR_CONFLICT);
  /* unknown entries; an entry refused by the floor was never stored */
  FAILS (mt_credits_admin_reverse (&admin.ctx, "r:none", &body, &out, &fx_err), MT_ERR_NOT_FOUND);
  FAILS (mt_credits_transfer (&ctx, "r:refused", lx->borrower, lx->owner, 1000, "x", NULL, NULL,
                              &fx_err),
         MT_ERR_UNPROCESSABLE);
  FAILS (mt_credits_admin_reverse (&admin.ctx, "r:refused", &body, &out, &fx_err),
         MT_ERR_NOT_FOUND);
  FAILS (mt_credits_admin_reverse (&admin.ctx, "", &body, &out, &fx_err), MT_ERR_NOT_FOUND);
  /* rights, reason, disabled credits */
  FAILS (mt_credits_admin_reverse (&owner.ctx, "r:grant", &body, &out, &fx_err), MT_ERR_FORBIDDEN);
  FAILS (mt_credits_admin_reverse (&admin.ctx, "r:grant", NULL, &out, &fx_err), MT_ERR_VALIDATION);
  lx->config.credits_enabled = false;
  FAILS (mt_credits_admin_reverse (&admin.ctx, "r:grant", &body, &out, &fx_err), MT_ERR_CONFLICT);
  lx->config.credits_enabled = true;
  assert_int_equal (entries (lx), 4);
  assert_int_equal (balance (lx, lx->borrower), 70);
  assert_consistent (lx);
  bson_destroy (&body);
  fx_caller_destroy (&admin);
  fx_caller_destroy (&owner);
}

static void
reversal_across_the_floor_is_refused (void **state)
{
  lx_t *lx = world (state);
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  fx_caller_t admin;
  bson_t body, out;

  caller (lx, lx->admin_account, &admin);
  reason_body (&body);
  grant (lx, "x:grant", lx->borrower, 50);
  OK (mt_credits_transfer (&ctx, "x:spend", lx->borrower, lx->owner, 40, "x", NULL, NULL, &fx_err));
  /* taking the grant back would leave -40: refused, nothing written, not "reversed" */
  FAILS (mt_credits_admin_reverse (&admin.ctx, "x:grant", &body, &out, &fx_err),
         MT_ERR_UNPROCESSABLE);
  assert_int_equal (entries (lx), 2);
  assert_int_equal (balance (lx, lx->borrower), 10);
  assert_int_equal (balance (lx, MT_CREDITS_SYSTEM), -50);
  /* once the owner gives back, the reversal goes through (to "system") */
  OK (mt_credits_admin_reverse (&admin.ctx, "x:spend", &body, &out, &fx_err));
  bson_destroy (&out);
  OK (mt_credits_admin_reverse (&admin.ctx, "x:grant", &body, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "to"), MT_CREDITS_SYSTEM);
  assert_valid_as_json ("ledger_entry.json", &out);
  bson_destroy (&out);
  assert_int_equal (balance (lx, lx->borrower), 0);
  assert_int_equal (balance (lx, lx->owner), 0);
  assert_int_equal (balance (lx, MT_CREDITS_SYSTEM), 0);
  /* reversing that reversal pays from "system" again: never floor-checked */
  OK (mt_credits_admin_reverse (&admin.ctx, "reverse:x:grant", &body, &out, &fx_err));
  bson_destroy (&out);
  assert_int_equal (balance (lx, lx->borrower), 50);
  /* a negative floor lets a reversal take the payer into debt down to it */
  lx->config.credits_floor = -100;
  OK (
    mt_credits_transfer (&ctx, "x:spend2", lx->borrower, lx->owner, 50, "x", NULL, NULL, &fx_err));
  OK (mt_credits_admin_reverse (&admin.ctx, "reverse:reverse:x:grant", &body, &out, &fx_err));
  bson_destroy (&out);
  assert_int_equal (balance (lx, lx->borrower), -50);
  assert_consistent (lx);
  bson_destroy (&body);
  fx_caller_destroy (&admin);
}

/* ---- Welcome grant -------------------------------------------------------------------------- */

static void
welcome_grant_once_at_first_approval (void **state)
{
  lx_t *lx = world (state);
  fx_caller_t admin;
  const char *networks[2] = { lx->network, NULL };
  char pending[MT_ID_SIZE], pending_manager[MT_ID_SIZE];
  bson_t out;

  caller (lx, lx->admin_account, &admin);
  fx_member (lx->fx, "pending", NULL, networks, pending, pending_manager);
  assert_int_equal (balance (lx, pending), 0);
  OK (mt_admin_member_approve (&admin.ctx, pending, &out, &fx_err));
  bson_destroy (&out);
  assert_int_equal (balance (lx, pending), 50);
  assert_int_equal (count_prefixed (lx, pending, "welcome:"), 1);
  /* suspended then approved again: no second grant */
  OK (mt_admin_member_suspend (&admin.ctx, pending, "contrôle", &out, &fx_err));
  bson_destroy (&out);
  OK (mt_admin_member_approve (&admin.ctx, pending, &out, &fx_err));
  bson_destroy (&out);
  assert_int_equal (balance (lx, pending), 50);
  /* called again directly: once per member whatever the number of calls */
  OK (mt_credits_welcome (&admin.ctx, pending, lx->admin_account, &fx_err));
  OK (mt_credits_welcome (&admin.ctx, pending, lx->admin_account, &fx_err));
  assert_int_equal (balance (lx, pending), 50);
  assert_int_equal (entries (lx), 1);
  /* the configured amount; 0 grants nothing */
  lx->config.credits_welcome_grant = 7;
  OK (mt_credits_welcome (&admin.ctx, lx->owner, lx->admin_account, &fx_err));
  assert_int_equal (balance (lx, lx->owner), 7);
  lx->config.credits_welcome_grant = 0;
  OK (mt_credits_welcome (&admin.ctx, lx->borrower, lx->admin_account, &fx_err));
  assert_int_equal (balance (lx, lx->borrower), 0);
  assert_int_equal (entries (lx), 2);
  assert_consistent (lx);
  fx_caller_destroy (&admin);
}

/* ---- Monthly grant -------------------------------------------------------------------------- */

/* Runs a whole pass of the monthly grant at @now on @store; returns the steps made. */
static int
monthly_pass (lx_t *lx, mt_store_t *store, int64_t now, mt_credits_monthly_t *state)
{
  mt_ctx_t ctx = lx_ctx (lx, now);
  int steps = 1;

  ctx.store = store;
  while (mt_credits_monthly_step (&ctx, state)) {
    steps++;
    assert_true (steps < 1000);
  }
  return steps;
}

static void
monthly_grant_once_per_month (void **state)
{
  lx_t *lx = world (state);
  const char *networks[2] = { lx->network, NULL };
  char pending[MT_ID_SIZE], suspended[MT_ID_SIZE], account[MT_ID_SIZE];
  mt_credits_monthly_t a, b;
  int64_t next_month = FX_NOW_MS + 31 * LX_DAY; /* 2026-07-13 */
  char month[MT_CREDITS_MONTH_SIZE];

  fx_member (lx->fx, "pending", NULL, networks, pending, account);
  fx_member (lx->fx, "suspended", NULL, networks, suspended, account);
  memset (&a, 0, sizeof a);
  monthly_pass (lx, lx->fx->store, FX_NOW_MS, &a);
  assert_string_equal (a.done_month, "2026-06");
  assert_int_equal (a.granted, 2);
  assert_int_equal (balance (lx, lx->owner), 30);
  assert_int_equal (balance (lx, lx->borrower), 30);
  assert_int_equal (balance (lx, lx->admin_member), 0); /* the platform's own member */
  assert_int_equal (balance (lx, pending), 0);
  assert_int_equal (balance (lx, suspended), 0);
  assert_int_equal (count_prefixed (lx, lx->owner, "monthly:"), 1);
  /* the same state again this month: nothing to do */
  assert_false (mt_credits_monthly_step (
    &(mt_ctx_t){ .env = &lx->env, .store = lx->fx->store, .now_ms = FX_NOW_MS + LX_DAY }, &a));
  /* a fresh state (a restart): found stored already, nothing granted */
  memset (&b, 0, sizeof b);
  monthly_pass (lx, lx->fx->store, FX_NOW_MS + LX_HOUR, &b);
  assert_int_equal (b.granted, 0);
  assert_int_equal (b.already, 2);
  assert_int_equal (entries (lx), 2);
  /* next month: one more each */
  monthly_pass (lx, lx->fx->store, next_month, &a);
  assert_string_equal (a.done_month, "2026-07");
  assert_int_equal (balance (lx, lx->owner), 60);
  assert_int_equal (count_prefixed (lx, lx->owner, "monthly:"), 2);
  mt_credits_month (next_month, month);
  assert_string_equal (month, "2026-07");
  /* the configured amount; 0 or disabled: nothing */
  lx->config.credits_monthly_grant = 0;
  memset (&b, 0, sizeof b);
  assert_int_equal (monthly_pass (lx, lx->fx->store, next_month + 31 * LX_DAY, &b), 1);
  assert_string_equal (b.done_month, "");
  lx->config.credits_monthly_grant = 30;
  lx->config.credits_enabled = false;
  assert_int_equal (monthly_pass (lx, lx->fx->store, next_month + 31 * LX_DAY, &b), 1);
  assert_int_equal (entries (lx), 4);
  assert_consistent (lx);
}

static void
monthly_grant_two_instances (void **state)
{
  lx_t *lx = world (state);
  const char *networks[2] = { lx->network, NULL };
  mt_store_backend_t *backend2;
  mt_store_t *store2;
  mt_credits_monthly_t a, b;
  mt_ctx_t ca = lx_ctx (lx, FX_NOW_MS);
  mt_ctx_t cb = lx_ctx (lx, FX_NOW_MS);
  mt_error_t error;
  bool more_a = true, more_b = true;
  int members = 2;

  /* more members than a page holds, so that the two passes interleave page by page */
  for (int i = 0; i < MT_CREDITS_MONTHLY_PAGE + 20; i++) {
    char member[MT_ID_SIZE], account[MT_ID_SIZE];
    fx_member (lx->fx, "active", NULL, networks, member, account);
    members++;
  }
  backend2 = mt_store_backend_new (lx->fx->db, &error);
  store2 = backend2 ? mt_store_open (backend2, &error) : NULL;
  if (!store2) {
    fail_msg ("second store: %s", error.message);
  }
  cb.store = store2;
  memset (&a, 0, sizeof a);
  memset (&b, 0, sizeof b);
  for (int steps = 0; (more_a || more_b) && steps < 100; steps++) {
    if (more_a) {
      more_a = mt_credits_monthly_step (&ca, &a);
    }
    if (more_b) {
      more_b = mt_credits_monthly_step (&cb, &b);
    }
  }
  assert_false (more_a || more_b);
  assert_int_equal (a.errors + b.errors, 0);
  assert_int_equal (a.granted + b.granted, members);
  assert_int_equal (a.granted + a.already, members);
  assert_int_equal (b.granted + b.already, members);
  assert_int_equal (entries (lx), members);
  assert_int_equal (balance (lx, lx->owner), 30);
  assert_int_equal (balance (lx, MT_CREDITS_SYSTEM), -30 * members);
  mt_store_close (store2);
  mt_store_backend_destroy (backend2);
  assert_consistent (lx);
}

/* ---- Statement ------------------------------------------------------------------------------ */

static void
statement_pages_newest_first (void **state)
{
  lx_t *lx = world (state);
  fx_caller_t borrower, owner;
  char next[MT_STORE_CURSOR_MAX];
  char cursor[MT_STORE_CURSOR_MAX] = "";
  bson_t out;
  int seen = 0;
  int64_t last = INT64_MAX;

  caller (lx, lx->borrower_account, &borrower);
  caller (lx, lx->owner_account, &owner);
  for (int i = 0; i < 7; i++) {
    mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS + i * 1000);
    char id[32];
    snprintf (id, sizeof id, "p:%d", i);
    OK (mt_credits_transfer (&ctx, id, MT_CREDITS_SYSTEM, lx->borrower, 10, "x", NULL, NULL,
                             &fx_err));
  }
  {
    mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
    OK (mt_credits_transfer (&ctx, "p:other", MT_CREDITS_SYSTEM, lx->owner, 10, "x", NULL, NULL,
                             &fx_err));
  }
  for (int pages = 0; pages < 10; pages++) {
    bson_iter_t it;
    OK (mt_credits_statement (&borrower.ctx, cursor[0] ? cursor : NULL, "3", &out, next, &fx_err));
    assert_true (mt_bson_bool (&out, "enabled", false));
    assert_int_equal (mt_bson_int (&out, "balance", 0), 70);
    assert_int_equal (mt_bson_int (&out, "floor", 1), 0);
    if (bson_iter_init_find (&it, &out, "items")) {
      bson_iter_t item;
      assert_true (bson_iter_recurse (&it, &item));
      while (bson_iter_next (&item)) {
        bson_t entry;
        const uint8_t *data;
        uint32_t len;
        bson_iter_document (&item, &len, &data);
        assert_true (bson_init_static (&entry, data, len));
        assert_string_equal (mt_bson_str (&entry, "to"), lx->borrower);
        assert_true (mt_bson_date (&entry, "created_at", 0) < last);
        last = mt_bson_date (&entry, "created_at", 0);
        assert_valid_as_json ("ledger_entry.json", &entry);
        seen++;
      }
    }
    if (!next[0]) {
      assert_true (mt_bson_has (&out, "next_cursor"));
      bson_destroy (&out);
      break;
    }
    assert_string_equal (mt_bson_str (&out, "next_cursor"), next);
    snprintf (cursor, sizeof cursor, "%s", next);
    bson_destroy (&out);
  }
  assert_int_equal (seen, 7);
  /* bad parameters */
  FAILS (mt_credits_statement (&borrower.ctx, NULL, "0", &out, next, &fx_err), MT_ERR_BAD_REQUEST);
  FAILS (mt_credits_statement (&borrower.ctx, NULL, "abc", &out, next, &fx_err),
         MT_ERR_BAD_REQUEST);
  FAILS (mt_credits_statement (&borrower.ctx, "n'importe quoi", NULL, &out, next, &fx_err),
         MT_ERR_BAD_REQUEST);
  assert_string_equal (fx_err.path, "cursor");
  /* the owner sees only its own entry */
  OK (mt_credits_statement (&owner.ctx, NULL, NULL, &out, next, &fx_err));
  assert_int_equal (mt_bson_int (&out, "balance", 0), 10);
  assert_string_equal (mt_bson_str (&out, "items.0.id"), "p:other");
  assert_false (mt_bson_has (&out, "items.1"));
  bson_destroy (&out);
  assert_consistent (lx);
  fx_caller_destroy (&borrower);
  fx_caller_destroy (&owner);
}

/* ---- Credits disabled ------------------------------------------------------------------------ */

static void
disabled_credits_do_nothing (void **state)
{
  lx_t *lx = *state;
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  fx_caller_t borrower;
  mt_credits_monthly_t monthly;
  char next[MT_STORE_CURSOR_MAX];
  bson_t out, listing = BSON_INITIALIZER, reservation = BSON_INITIALIZER, set = BSON_INITIALIZER;
  int64_t b = -1;

  assert_false (lx->config.credits_enabled); /* the default */
  caller (lx, lx->borrower_account, &borrower);
  OK (mt_credits_transfer (&ctx, "z:1", MT_CREDITS_SYSTEM, lx->borrower, 10, "x", NULL, NULL,
                           &fx_err));
  OK (mt_credits_transfer (&ctx, "z:2", lx->borrower, lx->owner, 10, "x", NULL, NULL, &fx_err));
  OK (mt_credits_welcome (&ctx, lx->borrower, NULL, &fx_err));
  memset (&monthly, 0, sizeof monthly);
  assert_false (mt_credits_monthly_step (&ctx, &monthly));
  OK (mt_credits_balance (&ctx, lx->borrower, &b, &fx_err));
  assert_int_equal (b, 0);
  OK (mt_credits_statement (&borrower.ctx, NULL, NULL, &out, next, &fx_err));
  assert_false (mt_bson_bool (&out, "enabled", true));
  assert_int_equal (mt_bson_int (&out, "balance", -1), 0);
  assert_false (mt_bson_has (&out, "items.0"));
  assert_true (mt_bson_has (&out, "next_cursor"));
  assert_null (mt_bson_str (&out, "next_cursor"));
  bson_destroy (&out);
  /* reservations: no check, no price stamped, no charge */
  BSON_APPEND_INT64 (&listing, "credit_price_per_day", 1000);
  OK (
    mt_credits_reservation_check (&borrower.ctx, &listing, FX_NOW_MS, FX_NOW_MS + LX_DAY, &fx_err));
  mt_credits_reservation_stamp (&ctx, &listing, &reservation);
  assert_false (mt_bson_has (&reservation, "credit_price_per_day"));
  BSON_APPEND_INT64 (&reservation, "credit_price_per_day", 1000);
  BSON_APPEND_UTF8 (&reservation, "id", "res_x");
  BSON_APPEND_UTF8 (&reservation, "borrower_member_id", lx->borrower);
  BSON_APPEND_UTF8 (&reservation, "owner_member_id", lx->owner);
  OK (mt_credits_reservation_charge (&ctx, &reservation, &set, &fx_err));
  assert_true (bson_empty (&set));
  assert_int_equal (entries (lx), 0);
  bson_destroy (&listing);
  bson_destroy (&reservation);
  bson_destroy (&set);
  fx_caller_destroy (&borrower);
  assert_consistent (lx);
}

/* ---- Reservations ---------------------------------------------------------------------------- */

static void
days_are_started_days (void **state)
{
  (void) state;
  assert_int_equal (mt_credits_days (0, LX_DAY), 1);
  assert_int_equal (mt_credits_days (0, LX_DAY + 1), 2);
  assert_int_equal (mt_credits_days (0, 3 * LX_DAY), 3);
  assert_int_equal (mt_credits_days (0, LX_HOUR), 1);
  assert_int_equal (mt_credits_days (5, 5), 1);
  assert_int_equal (mt_credits_days (10, 5), 1);
}

static void
creation_checks_and_stamps_the_price (void **state)
{
  lx_t *lx = world (state);
  fx_caller_t borrower;
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
  bson_t listing = BSON_INITIALIZER, reservation = BSON_INITIALIZER, none = BSON_INITIALIZER;

  caller (lx, lx->borrower_account, &borrower);
  BSON_APPEND_INT64 (&listing, "credit_price_per_day", 5);
  grant (lx, "c:grant", lx->borrower, 15);
  /* 3 days x 5 = 15: exactly the balance */
  OK (mt_credits_reservation_check (&borrower.ctx, &listing, FX_NOW_MS, FX_NOW_MS + 3 * LX_DAY,
                                    &fx_err));
  /* a started fourth day: 20 */
  FAILS (mt_credits_reservation_check (&borrower.ctx, &listing, FX_NOW_MS,
                                       FX_NOW_MS + 3 * LX_DAY + 1, &fx_err),
         MT_ERR_UNPROCESSABLE);
  assert_non_null (strstr (fx_err.message, "20"));
  /* no price: always fine */
  OK (mt_credits_reservation_check (&borrower.ctx, &none, FX_NOW_MS, FX_NOW_MS + 30 * LX_DAY,
                                    &fx_err));
  mt_credits_reservation_stamp (&ctx, &listing, &reservation);
  assert_int_equal (mt_bson_int (&reservation, "credit_price_per_day", 0), 5);
  bson_destroy (&reservation);
  bson_init (&reservation);
  mt_credits_reservation_stamp (&ctx, &none, &reservation);
  assert_false (mt_bson_has (&reservation, "credit_price_per_day"));
  /* the check writes nothing */
  assert_int_equal (entries (lx), 1);
  bson_destroy (&listing);
  bson_destroy (&reservation);
  bson_destroy (&none);
  fx_caller_destroy (&borrower);
  assert_consistent (lx);
}

/* A checked-out reservation of @days days (ending now) carrying @price; its id to @id. */
static void
priced_loan (lx_t *lx, int64_t start, int64_t end, int64_t price, char id[MT_ID_SIZE])
{
  lx_res_t r = { .status = "checked_out", .start = start, .end = end };
  mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS - 2 * LX_DAY);
  bson_t stored, set = BSON_INITIALIZER, out;
  mt_reservation_change_t change = { .to = NULL, .actor = "system", .set = &set };

  r.created_at = start - 10 * LX_DAY;
  lx_reservation (lx, &r, id);
  lx_get (lx, id, &stored);
  BSON_APPEND_INT64 (&set, "credit_price_per_day", price);
  OK (mt_reservation_apply (&ctx, &stored, &change, &out, &fx_err));
  bson_destroy (&out);
  bson_destroy (&stored);
  bson_destroy (&set);
}

/* POST .../return by the owner's manager at FX_NOW_MS. */
static void
give_back (lx_t *lx, const char *id, bson_t *out)
{
  fx_caller_t owner;
  bson_t body = BSON_INITIALIZER;

  caller (lx, lx->owner_account, &owner);
  BSON_APPEND_UTF8 (&body, "condition_note", "bon état");
  OK (mt_reservation_act (&owner.ctx, id, MT_RESERVATION_RETURN, &body, NULL, out, &fx_err));
  bson_destroy (&body);
  fx_caller_destroy (&owner);
}

/* The reason of @id in the review queue, "" when it is not in it. */
static void
review_reason (lx_t *lx, const char *id, char reason[32])
{
  fx_caller_t admin;
  bson_t items;
  bson_iter_t it;
  char next[MT_LOANS_CURSOR_MAX];

  reason[0] = '\0';
  caller (lx, lx->admin_account, &admin);
  OK (mt_loans_reviews (&admin.ctx, NULL, "100", &items, next, &fx_err));
  if (bson_iter_init (&it, &items)) {
    while (bson_iter_next (&it)) {
      bson_t item;
      const uint8_t *data;
      uint32_t len;
      bson_iter_document (&it, &len, &data);
      assert_true (bson_init_static (&item, data, len));
      if (mt_bson_str_eq (&item, "reservation.id", id)) {
        snprintf (reason, 32, "%s", mt_bson_str (&item, "reason"));
      }
    }
  }
  bson_destroy (&items);
  fx_caller_destroy (&admin);
}

static void
return_charges_days_times_price (void **state)
{
  lx_t *lx = world (state);
  char id[MT_ID_SIZE], reason[32];
  bson_t out, stored;
  mt_store_page_t page;

  grant (lx, "ret:grant", lx->borrower, 100);
  /* 2 days and one hour: 3 started days at 7 = 21 */
  priced_loan (lx, FX_NOW_MS - 2 * LX_DAY - LX_HOUR, FX_NOW_MS, 7, id);
  give_back (lx, id, &out);
  assert_string_equal (mt_bson_str (&out, "status"), "returned");
  bson_destroy (&out);
  assert_int_equal (balance (lx, lx->borrower), 79);
  assert_int_equal (balance (lx, lx->owner), 21);
  statement (lx, lx->owner, &page);
  {
    char entry_id[64];
    snprintf (entry_id, sizeof entry_id, "reservation:%s", id);
    assert_string_equal (mt_bson_str (&page.items, "0.id"), entry_id);
  }
  assert_string_equal (mt_bson_str (&page.items, "0.from"), lx->borrower);
  assert_string_equal (mt_bson_str (&page.items, "0.reason"), "reservation");
  assert_string_equal (mt_bson_str (&page.items, "0.ref"), id);
  assert_int_equal (mt_bson_int (&page.items, "0.amount", 0), 21);
  mt_store_page_destroy (&page);
  lx_get (lx, id, &stored);
  assert_false (mt_bson_bool (&stored, "credits_due", false));
  assert_false (mt_bson_bool (&stored, "review_required", true));
  bson_destroy (&stored);
  review_reason (lx, id, reason);
  assert_string_equal (reason, "returned"); /* an ordinary return, not a credits one */
  /* charging the same reservation again (a retried return) moves nothing */
  lx_get (lx, id, &stored);
  {
    mt_ctx_t ctx = lx_ctx (lx, FX_NOW_MS);
    bson_t set = BSON_INITIALIZER;
    OK (mt_credits_reservation_charge (&ctx, &stored, &set, &fx_err));
    assert_true (bson_empty (&set));
    bson_destroy (&set);
  }
  bson_destroy (&stored);
  assert_int_equal (balance (lx, lx->borrower), 79);
  assert_int_equal (entries (lx), 2);
  assert_consistent (lx);
}

static void
return_refused_by_the_floor_is_flagged (void **state)
{
  lx_t *lx = world (state);
  char id[MT_ID_SIZE], free_id[MT_ID_SIZE], reason[32];
  bson_t out, stored;

  grant (lx, "due:grant", lx->borrower, 20);
  priced_loan (lx, FX_NOW_MS - 3 * LX_DAY, FX_NOW_MS, 7, id); /* 21 > 20 */
  give_back (lx, id, &out);
  assert_string_equal (mt_bson_str (&out, "status"), "returned"); /* the good is back */
  bson_destroy (&out);
  lx_get (lx, id, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "returned");
  assert_true (mt_bson_bool (&stored, "credits_due", false));
  assert_true (mt_bson_bool (&stored, "review_required", false));
  bson_destroy (&stored);
  /* nothing was written */
  assert_int_equal (balance (lx, lx->borrower), 20);
  assert_int_equal (balance (lx, lx->owner), 0);
  assert_int_equal (entries (lx), 1);
  review_reason (lx, id, reason);
  assert_string_equal (reason, "credits");
  /* with exactly enough it goes through, to the floor */
  priced_loan (lx, FX_NOW_MS - 4 * LX_DAY, FX_NOW_MS, 5, free_id); /* 20 */
  give_back (lx, free_id, &out);
  bson_destroy (&out);
  assert_int_equal (balance (lx, lx->borrower), 0);
  assert_int_equal (balance (lx, lx->owner), 20);
  lx_get (lx, free_id, &stored);
  assert_false (mt_bson_bool (&stored, "credits_due", false));
  bson_destroy (&stored);
  assert_consistent (lx);
}

static void
flagged_return_is_kept_for_review (void **state)
{
  lx_t *lx = world (state);
  char paid[MT_ID_SIZE], due[MT_ID_SIZE], incident[MT_ID_SIZE], reason[32];
  bson_t out, stored;
  mt_sweep_report_t report;
  mt_ctx_t later;

  grant (lx, "k:grant", lx->borrower, 10);
  priced_loan (lx, FX_NOW_MS - LX_DAY, FX_NOW_MS, 10, paid); /* 10: paid, to the floor */
  priced_loan (lx, FX_NOW_MS - LX_DAY, FX_NOW_MS, 10, due);  /* refused */
  priced_loan (lx, FX_NOW_MS - LX_DAY, FX_NOW_MS, 10, incident);
  give_back (lx, paid, &out);
  bson_destroy (&out);
  give_back (lx, due, &out);
  bson_destroy (&out);
  /* a return with an incident that the floor refuses too: both flags, reason "incident" */
  {
    fx_caller_t owner;
    bson_t body = BSON_INITIALIZER, inc;
    caller (lx, lx->owner_account, &owner);
    BSON_APPEND_UTF8 (&body, "condition_note", "abîmé");
    BSON_APPEND_DOCUMENT_BEGIN (&body, "incident", &inc);
    BSON_APPEND_UTF8 (&inc, "type", "damage");
    BSON_APPEND_UTF8 (&inc, "text", "toile déchirée");
    bson_append_document_end (&body, &inc);
    OK (
      mt_reservation_act (&owner.ctx, incident, MT_RESERVATION_RETURN, &body, NULL, &out, &fx_err));
    bson_destroy (&out);
    bson_destroy (&body);
    fx_caller_destroy (&owner);
  }
  lx_get (lx, incident, &stored);
  assert_true (mt_bson_bool (&stored, "credits_due", false));
  assert_true (mt_bson_bool (&stored, "review_required", false));
  bson_destroy (&stored);
  review_reason (lx, incident, reason);
  assert_string_equal (reason, "incident");
  /* long after: the sweeps close the paid return, never the unpaid one */
  later = lx_ctx (lx, FX_NOW_MS + 60 * LX_DAY);
  memset (&report, 0, sizeof report);
  mt_sweeps_run_task (&later, MT_SWEEP_CLOSE, &report);
  lx_get (lx, paid, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "closed");
  bson_destroy (&stored);
  lx_get (lx, due, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "returned");
  bson_destroy (&stored);
  review_reason (lx, due, reason);
  assert_string_equal (reason, "credits");
  assert_int_equal (balance (lx, lx->borrower), 0);
  assert_int_equal (entries (lx), 2);
  assert_consistent (lx);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    LX_TEST ("credits/transfer_moves_the_amount", transfer_moves_the_amount),
    LX_TEST ("credits/bad_transfers_write_nothing", bad_transfers_write_nothing),
    LX_TEST ("credits/same_id_is_a_duplicate", same_id_is_a_duplicate_that_changes_nothing),
    LX_TEST ("credits/floor_refuses_and_writes_nothing", floor_refuses_and_writes_nothing),
    LX_TEST ("credits/negative_floor", negative_floor_allows_debt_down_to_it),
    LX_TEST ("credits/system_grants_not_floor_checked", system_grants_are_not_floor_checked),
    LX_TEST ("credits/admin_grant_rules", admin_grant_rules),
    LX_TEST ("credits/reversal_rules", reversal_rules),
    LX_TEST ("credits/reversal_across_the_floor", reversal_across_the_floor_is_refused),
    LX_TEST ("credits/welcome_once", welcome_grant_once_at_first_approval),
    LX_TEST ("credits/monthly_once_per_month", monthly_grant_once_per_month),
    LX_TEST ("credits/monthly_two_instances", monthly_grant_two_instances),
    LX_TEST ("credits/statement_pages", statement_pages_newest_first),
    LX_TEST ("credits/disabled", disabled_credits_do_nothing),
    MT_TEST ("credits/days", days_are_started_days),
    LX_TEST ("credits/reservation_check_and_stamp", creation_checks_and_stamps_the_price),
    LX_TEST ("credits/return_charges", return_charges_days_times_price),
    LX_TEST ("credits/return_refused_flagged", return_refused_by_the_floor_is_flagged),
    LX_TEST ("credits/flagged_return_kept_for_review", flagged_return_is_kept_for_review),
  };

  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
