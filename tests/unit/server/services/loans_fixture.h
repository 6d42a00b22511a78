/*
 * loans_fixture: what the unit tests of the sweeps, the reconciliation and the loans
 * administration share: a real SQLite store (members_fixture.h), an owner and a borrower
 * member with their accounts, a good, and reservations written straight to the store in the
 * shape reservations.h documents (with their calendar entries when they block), at explicit
 * instants. Tests never read the clock: every context carries FX_NOW_MS or an offset of it.
 */
#ifndef MT_LOANS_FIXTURE_H
#define MT_LOANS_FIXTURE_H

#include "members_fixture.h"

#include "audit.h"
#include "config.h"
#include "reservations.h"

/* A test with a fresh fixture. */
#define LX_TEST(name, fn)                                                                          \
  {                                                                                                \
    name, fn, lx_setup, lx_teardown, NULL                                                          \
  }

#define LX_HOUR INT64_C (3600000)
#define LX_DAY (24 * LX_HOUR)

typedef struct {
  fx_t *fx;
  mt_config_t config;
  mt_service_env_t env;
  char network[MT_ID_SIZE];
  char owner[MT_ID_SIZE];         /* lending member */
  char owner_account[MT_ID_SIZE]; /* its manager */
  char borrower[MT_ID_SIZE];      /* borrowing member */
  char borrower_account[MT_ID_SIZE];
  char borrower_invited[MT_ID_SIZE]; /* an invited colleague: never notified */
  char admin_member[MT_ID_SIZE];
  char admin_account[MT_ID_SIZE];
  char listing[MT_ID_SIZE];
} lx_t;

static inline int
lx_setup (void **state)
{
  lx_t *lx = calloc (1, sizeof *lx);
  const char *networks[2] = { NULL, NULL };

  if (!lx || fx_setup ((void **) &lx->fx) != 0) {
    free (lx);
    return -1;
  }
  mt_config_defaults (&lx->config);
  memset (&lx->env, 0, sizeof lx->env);
  lx->env.config = &lx->config;
  fx_network (lx->fx, "apes", lx->network);
  networks[0] = lx->network;
  fx_member (lx->fx, "active", NULL, networks, lx->owner, lx->owner_account);
  fx_member (lx->fx, "active", NULL, networks, lx->borrower, lx->borrower_account);
  fx_account (lx->fx, lx->borrower, "staff", "invited", NULL, lx->borrower_invited);
  fx_member (lx->fx, "active", "platform", networks, lx->admin_member, lx->admin_account);
  {
    bson_t listing = BSON_INITIALIZER;
    mt_error_t error;
    mt_id_new ("lst", lx->listing);
    BSON_APPEND_UTF8 (&listing, "id", lx->listing);
    BSON_APPEND_UTF8 (&listing, "owner_id", lx->owner);
    BSON_APPEND_UTF8 (&listing, "kind", "good");
    BSON_APPEND_UTF8 (&listing, "title", "Vélo cargo biporteur");
    BSON_APPEND_UTF8 (&listing, "category", "mobilite");
    BSON_APPEND_UTF8 (&listing, "status", "published");
    BSON_APPEND_UTF8 (&listing, "visibility", "network");
    BSON_APPEND_INT32 (&listing, "quantity", 100);
    BSON_APPEND_DATE_TIME (&listing, "created_at", FX_CREATED_MS (0));
    if (!lx->fx->store->ops->listing_insert (lx->fx->store, &listing, &error)) {
      fail_msg ("listing_insert: %s", error.message);
    }
    bson_destroy (&listing);
  }
  *state = lx;
  return 0;
}

static inline int
lx_teardown (void **state)
{
  lx_t *lx = *state;
  void *fx = lx->fx;

  fx_teardown (&fx);
  free (lx);
  return 0;
}

/* A context of the system (no principal) at @now. */
static inline mt_ctx_t
lx_ctx (lx_t *lx, int64_t now)
{
  mt_ctx_t ctx = { .env = &lx->env, .store = lx->fx->store, .now_ms = now, .client_addr = "" };
  return ctx;
}

/* The fields of a reservation to write; unset dates are left out. */
typedef struct {
  const char *status;
  int64_t start;
  int64_t end;
  int64_t created_at;
  int64_t expires_at;  /* 0: min(start, created_at + 72 h) */
  int64_t returned_at; /* "returned" and "closed": 0 = end */
  bool incident;
  bool overdue;
  bool reminded_start;
  bool reminded_end;
  const char *review_decision; /* sets review {at, by, decision, note} */
  bool no_calendar_entry;      /* a blocking reservation written without its entry */
  bool no_audit;               /* leave its history out of the audit log */
} lx_res_t;

/* The statuses a reservation passes through to reach @status, after "requested". */
static inline const char *const *
lx_path (const char *status)
{
  static const char *const approved[] = { "approved", NULL };
  static const char *const checked_out[] = { "approved", "checked_out", NULL };
  static const char *const returned[] = { "approved", "checked_out", "returned", NULL };
  static const char *const closed[] = { "approved", "checked_out", "returned", "closed", NULL };
  static const char *const one[2][2] = { { "cancelled", NULL }, { "expired", NULL } };
  static const char *const none[] = { NULL };

  if (strcmp (status, "approved") == 0) {
    return approved;
  }
  if (strcmp (status, "checked_out") == 0) {
    return checked_out;
  }
  if (strcmp (status, "returned") == 0) {
    return returned;
  }
  if (strcmp (status, "closed") == 0) {
    return closed;
  }
  if (strcmp (status, "cancelled") == 0) {
    return one[0];
  }
  if (strcmp (status, "expired") == 0) {
    return one[1];
  }
  return none;
}

/* Adds an entry of @id over [start, end) to the listing's calendar, created at @created. */
static inline void
lx_calendar_add (lx_t *lx, const char *id, int64_t start, int64_t end, int64_t created)
{
  mt_store_t *store = lx->fx->store;
  bson_t calendar;
  bson_t next = BSON_INITIALIZER;
  bson_t entries;
  bson_t entry;
  bson_iter_t it;
  bson_iter_t item;
  mt_error_t error;
  uint32_t n = 0;
  char key[16];
  const char *k;
  int64_t version;

  if (!store->ops->calendar_get (store, lx->listing, &calendar, &error)) {
    fail_msg ("calendar_get: %s", error.message);
  }
  version = mt_bson_int (&calendar, "version", 0);
  BSON_APPEND_UTF8 (&next, "listing_id", lx->listing);
  BSON_APPEND_ARRAY_BEGIN (&next, "entries", &entries);
  if (bson_iter_init_find (&it, &calendar, "entries") && bson_iter_recurse (&it, &item)) {
    while (bson_iter_next (&item)) {
      bson_uint32_to_string (n++, &k, key, sizeof key);
      bson_append_iter (&entries, k, -1, &item);
    }
  }
  bson_uint32_to_string (n, &k, key, sizeof key);
  BSON_APPEND_DOCUMENT_BEGIN (&entries, k, &entry);
  BSON_APPEND_UTF8 (&entry, "reservation_id", id);
  BSON_APPEND_DATE_TIME (&entry, "start", start);
  BSON_APPEND_DATE_TIME (&entry, "end", end);
  BSON_APPEND_INT32 (&entry, "units", 1);
  BSON_APPEND_DATE_TIME (&entry, "created_at", created);
  bson_append_document_end (&entries, &entry);
  bson_append_array_end (&next, &entries);
  if (!store->ops->calendar_put (store, lx->listing, version, &next, &error)) {
    fail_msg ("calendar_put: %s", error.message);
  }
  bson_destroy (&calendar);
  bson_destroy (&next);
}

/* Writes a reservation described by @r; its id to @id. */
static inline void
lx_reservation (lx_t *lx, const lx_res_t *r, char id[MT_ID_SIZE])
{
  bson_t doc = BSON_INITIALIZER;
  bson_t history;
  bson_t item;
  mt_error_t error;
  const char *const *path = lx_path (r->status);
  const char *from = "requested";
  int64_t created = r->created_at ? r->created_at : FX_NOW_MS - LX_DAY;
  int64_t expires = r->expires_at                       ? r->expires_at
                    : r->start < created + 72 * LX_HOUR ? r->start
                                                        : created + 72 * LX_HOUR;
  int64_t returned = r->returned_at ? r->returned_at : r->end;
  uint32_t seq = 1;
  char key[16];
  const char *k;

  mt_id_new (MT_RESERVATION_ID_PREFIX, id);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_INT64 (&doc, "version", 1);
  BSON_APPEND_UTF8 (&doc, "listing_id", lx->listing);
  BSON_APPEND_UTF8 (&doc, "listing_title", "Vélo cargo biporteur");
  BSON_APPEND_UTF8 (&doc, "owner_member_id", lx->owner);
  BSON_APPEND_UTF8 (&doc, "borrower_member_id", lx->borrower);
  BSON_APPEND_UTF8 (&doc, "requested_by", lx->borrower_account);
  BSON_APPEND_DATE_TIME (&doc, "start", r->start);
  BSON_APPEND_DATE_TIME (&doc, "end", r->end);
  BSON_APPEND_INT32 (&doc, "units", 1);
  BSON_APPEND_UTF8 (&doc, "status", r->status);
  BSON_APPEND_DATE_TIME (&doc, "expires_at", expires);
  BSON_APPEND_DATE_TIME (&doc, "created_at", created);
  BSON_APPEND_DATE_TIME (&doc, "updated_at", created);
  BSON_APPEND_BOOL (&doc, "overdue", r->overdue);
  BSON_APPEND_BOOL (&doc, "review_required", r->incident);
  BSON_APPEND_BOOL (&doc, "reminded_start", r->reminded_start);
  BSON_APPEND_BOOL (&doc, "reminded_end", r->reminded_end);
  BSON_APPEND_ARRAY_BEGIN (&doc, "history", &history);
  bson_uint32_to_string (0, &k, key, sizeof key);
  BSON_APPEND_DOCUMENT_BEGIN (&history, k, &item);
  BSON_APPEND_INT32 (&item, "seq", 1);
  BSON_APPEND_DATE_TIME (&item, "at", created);
  BSON_APPEND_UTF8 (&item, "actor", lx->borrower_account);
  BSON_APPEND_NULL (&item, "from");
  BSON_APPEND_UTF8 (&item, "to", "requested");
  BSON_APPEND_NULL (&item, "reason");
  bson_append_document_end (&history, &item);
  for (; *path; path++) {
    bson_uint32_to_string (seq, &k, key, sizeof key);
    BSON_APPEND_DOCUMENT_BEGIN (&history, k, &item);
    BSON_APPEND_INT32 (&item, "seq", (int32_t) ++seq);
    BSON_APPEND_DATE_TIME (&item, "at", created + (int64_t) seq * 1000);
    BSON_APPEND_UTF8 (&item, "actor", lx->owner_account);
    BSON_APPEND_UTF8 (&item, "from", from);
    BSON_APPEND_UTF8 (&item, "to", *path);
    BSON_APPEND_NULL (&item, "reason");
    bson_append_document_end (&history, &item);
    from = *path;
  }
  bson_append_array_end (&doc, &history);
  if (strcmp (r->status, "returned") == 0 || strcmp (r->status, "closed") == 0) {
    bson_t ret;
    BSON_APPEND_DATE_TIME (&doc, "returned_at", returned);
    BSON_APPEND_DOCUMENT_BEGIN (&doc, "return", &ret);
    BSON_APPEND_DATE_TIME (&ret, "at", returned);
    BSON_APPEND_UTF8 (&ret, "by", lx->owner_account);
    BSON_APPEND_UTF8 (&ret, "condition_note", "bon état");
    if (r->incident) {
      bson_t incident;
      BSON_APPEND_DOCUMENT_BEGIN (&ret, "incident", &incident);
      BSON_APPEND_UTF8 (&incident, "type", "damage");
      BSON_APPEND_UTF8 (&incident, "text", "=garde-boue cassé");
      bson_append_document_end (&ret, &incident);
    }
    bson_append_document_end (&doc, &ret);
  }
  if (r->review_decision) {
    bson_t review;
    BSON_APPEND_DOCUMENT_BEGIN (&doc, "review", &review);
    BSON_APPEND_DATE_TIME (&review, "at", returned + LX_HOUR);
    BSON_APPEND_UTF8 (&review, "by", lx->admin_account);
    BSON_APPEND_UTF8 (&review, "decision", r->review_decision);
    BSON_APPEND_UTF8 (&review, "note", "à suivre");
    bson_append_document_end (&doc, &review);
  }
  if (mt_reservation_status_blocks (r->status) && !r->no_calendar_entry) {
    lx_calendar_add (lx, id, r->start, r->end, created);
  }
  if (!lx->fx->store->ops->reservation_insert (lx->fx->store, &doc, &error)) {
    fail_msg ("reservation_insert: %s", error.message);
  }
  if (!r->no_audit && !mt_audit_record_reservation (lx->fx->store, &doc, 1, NULL, &error)) {
    fail_msg ("audit: %s", error.message);
  }
  bson_destroy (&doc);
}

/* The stored reservation @id. */
static inline void
lx_get (lx_t *lx, const char *id, bson_t *out)
{
  mt_error_t error;
  if (!lx->fx->store->ops->reservation_get (lx->fx->store, id, out, &error)) {
    fail_msg ("reservation_get %s: %s", id, error.message);
  }
}

/* True when the listing's calendar holds an entry of @id. */
static inline bool
lx_booked (lx_t *lx, const char *id)
{
  bson_t calendar;
  bson_iter_t it;
  bson_iter_t item;
  mt_error_t error;
  bool found = false;

  if (!lx->fx->store->ops->calendar_get (lx->fx->store, lx->listing, &calendar, &error)) {
    fail_msg ("calendar_get: %s", error.message);
  }
  if (bson_iter_init_find (&it, &calendar, "entries") && bson_iter_recurse (&it, &item)) {
    while (bson_iter_next (&item)) {
      bson_iter_t field;
      if (bson_iter_recurse (&item, &field) && bson_iter_find (&field, "reservation_id") &&
          strcmp (bson_iter_utf8 (&field, NULL), id) == 0) {
        found = true;
      }
    }
  }
  bson_destroy (&calendar);
  return found;
}

/* Number of audit entries of @entity_id. */
static inline uint32_t
lx_audit_count (lx_t *lx, const char *entity_id)
{
  mt_store_page_t page;
  mt_error_t error;
  uint32_t count;

  if (!lx->fx->store->ops->audit_list (lx->fx->store, entity_id, NULL, 100, &page, &error)) {
    fail_msg ("audit_list: %s", error.message);
  }
  count = page.count;
  mt_store_page_destroy (&page);
  return count;
}

/* Number of notifications of @account_id; the first one's id to @first_id (may be NULL). */
static inline uint32_t
lx_notifications (lx_t *lx, const char *account_id, char *first_id, size_t size)
{
  mt_store_page_t page;
  mt_error_t error;
  uint32_t count;

  if (!lx->fx->store->ops->notification_list (lx->fx->store, account_id, NULL, 100, &page,
                                              &error)) {
    fail_msg ("notification_list: %s", error.message);
  }
  count = page.count;
  if (first_id) {
    const char *id = mt_bson_str (&page.items, "0.id");
    snprintf (first_id, size, "%s", id ? id : "");
  }
  mt_store_page_destroy (&page);
  return count;
}

/* Number of history items of @doc going to @to (any when NULL); the last one's "to" to
 * @last (may be NULL; borrowed from @doc). */
static inline uint32_t
lx_history (const bson_t *doc, const char *to, const char **last)
{
  bson_iter_t it;
  bson_iter_t item;
  uint32_t count = 0;

  if (last) {
    *last = NULL;
  }
  if (bson_iter_init_find (&it, doc, "history") && bson_iter_recurse (&it, &item)) {
    while (bson_iter_next (&item)) {
      bson_iter_t field;
      if (bson_iter_recurse (&item, &field) && bson_iter_find (&field, "to") &&
          BSON_ITER_HOLDS_UTF8 (&field)) {
        const char *value = bson_iter_utf8 (&field, NULL);
        count += !to || strcmp (value, to) == 0 ? 1 : 0;
        if (last) {
          *last = value;
        }
      }
    }
  }
  return count;
}

#endif
