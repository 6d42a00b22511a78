/*
 * loans_admin: review queue, review of returned loans, audit log and CSV export of loans;
 * see loans_admin.h.
 */
#include "loans_admin.h"

#include "accounts.h"
#include "audit.h"
#include "bookings.h"
#include "csv.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "mt_time.h"
#include "reservations.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "loans"
#define MT_LOANS_HOUR_MS INT64_C (3600000)
#define MT_LOANS_REASON_MAX 8200 /* "follow_up: " + a note of 2000 characters */

static bool
mt_loans_require_admin (const mt_ctx_t *ctx, mt_error_t *error)
{
  if (!ctx->principal || !ctx->principal->is_admin) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_FORBIDDEN, "réservé aux administrateurs",
                  "administrators only");
    return false;
  }
  return true;
}

/* Moves @it to its next document value, viewed as @doc; false at the end. */
static bool
mt_loans_next_doc (bson_iter_t *it, bson_t *doc)
{
  while (bson_iter_next (it)) {
    const uint8_t *data;
    uint32_t len;
    if (BSON_ITER_HOLDS_DOCUMENT (it)) {
      bson_iter_document (it, &len, &data);
      if (bson_init_static (doc, data, len)) {
        return true;
      }
    }
  }
  return false;
}

/* ---- Review queue --------------------------------------------------------------------------- */

/* The groups of the queue, in the order of the pages; the cursor starts with their letter. */
typedef enum {
  MT_LOANS_GROUP_OVERDUE = 0, /* 'o': checked_out, end <= now */
  MT_LOANS_GROUP_RETURNED,    /* 'r': returned (incident, follow_up, returned) */
  MT_LOANS_GROUP_PENDING,     /* 'p': requested, created_at <= now - review_pending_hours */
  MT_LOANS_GROUP_BOOKINGS,    /* 'b': service bookings whose payment was refused (bookings.h) */
  MT_LOANS_GROUP_COUNT,
} mt_loans_group_t;

static const char mt_loans_group_letters[MT_LOANS_GROUP_COUNT] = { 'o', 'r', 'p', 'b' };

static void
mt_loans_group_query (const mt_ctx_t *ctx, mt_loans_group_t group,
                      mt_store_reservation_query_t *query)
{
  static const char *const checked_out[] = { MT_RESERVATION_CHECKED_OUT, NULL };
  static const char *const returned[] = { MT_RESERVATION_RETURNED, NULL };
  static const char *const requested[] = { MT_RESERVATION_REQUESTED, NULL };

  memset (query, 0, sizeof *query);
  switch (group) {
  case MT_LOANS_GROUP_OVERDUE:
    query->statuses = checked_out;
    query->due = MT_RESERVATION_DUE_END;
    query->due_before = ctx->now_ms;
    break;
  case MT_LOANS_GROUP_RETURNED:
    query->statuses = returned;
    break;
  case MT_LOANS_GROUP_PENDING:
  case MT_LOANS_GROUP_BOOKINGS: /* not a reservation group: read by mt_booking_review_page */
  case MT_LOANS_GROUP_COUNT:
  default:
    query->statuses = requested;
    query->due = MT_RESERVATION_DUE_CREATED;
    query->due_before = ctx->now_ms - ctx->env->config->review_pending_hours * MT_LOANS_HOUR_MS;
    break;
  }
}

/* Why @reservation of @group is in the queue, and since when. */
static const char *
mt_loans_reason (mt_loans_group_t group, const bson_t *reservation, int64_t *since)
{
  switch (group) {
  case MT_LOANS_GROUP_OVERDUE:
    *since = mt_bson_date (reservation, "end", 0);
    return "overdue";
  case MT_LOANS_GROUP_RETURNED:
    *since = mt_bson_date (reservation, "returned_at", 0);
    if (mt_bson_bool (reservation, "credits_due", false) &&
        !mt_bson_has (reservation, "return.incident")) {
      return "credits"; /* returned, its credits refused by the floor (credits.h) */
    }
    if (mt_bson_bool (reservation, "review_required", false) ||
        mt_bson_has (reservation, "return.incident")) {
      return "incident";
    }
    return mt_bson_str_eq (reservation, "review.decision", "follow_up") ? "follow_up" : "returned";
  case MT_LOANS_GROUP_PENDING:
  case MT_LOANS_GROUP_BOOKINGS: /* not a reservation group: read by mt_booking_review_page */
  case MT_LOANS_GROUP_COUNT:
  default:
    *since = mt_bson_date (reservation, "created_at", 0);
    return "pending_too_long";
  }
}

bool
mt_loans_reviews (const mt_ctx_t *ctx, const char *cursor, const char *limit_text, bson_t *items,
                  char next_cursor[MT_LOANS_CURSOR_MAX], mt_error_t *error)
{
  mt_loans_group_t group = MT_LOANS_GROUP_OVERDUE;
  const char *store_cursor = NULL;
  uint32_t limit = 0;
  uint32_t count = 0;
  bool ok = false;

  bson_init (items);
  next_cursor[0] = '\0';
  if (!mt_loans_require_admin (ctx, error) || !mt_list_limit_parse (limit_text, &limit, error)) {
    goto done;
  }
  if (cursor && *cursor) {
    const char *letter = memchr (mt_loans_group_letters, cursor[0], MT_LOANS_GROUP_COUNT);
    if (!letter || cursor[1] != ':') {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "curseur invalide",
                    "invalid cursor");
      mt_error_set_path (error, "cursor");
      goto done;
    }
    group = (mt_loans_group_t) (letter - mt_loans_group_letters);
    store_cursor = cursor[2] ? cursor + 2 : NULL;
  }
  /* Fills the page group after group; the next cursor names where it stopped. */
  while (group < MT_LOANS_GROUP_COUNT && count < limit) {
    mt_store_reservation_query_t query;
    mt_store_page_t page;
    bson_iter_t it;
    bson_t reservation;

    if (group == MT_LOANS_GROUP_BOOKINGS) {
      /* The "booking_payment" items: {"reason", "since", "booking"}, built by bookings.c. */
      char booking_next[MT_STORE_CURSOR_MAX];
      if (!mt_booking_review_page (ctx, store_cursor, limit, items, &count, booking_next, error)) {
        goto done;
      }
      if (booking_next[0]) {
        snprintf (next_cursor, MT_LOANS_CURSOR_MAX, "b:%s", booking_next);
      }
      break;
    }
    mt_loans_group_query (ctx, group, &query);
    query.cursor = store_cursor;
    query.limit = limit - count;
    if (!ctx->store->ops->reservation_list (ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      if (error && error->code == MT_ERR_BAD_REQUEST) {
        mt_error_set_path (error, "cursor");
      }
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (mt_loans_next_doc (&it, &reservation)) {
        char key[16];
        const char *k;
        int64_t since = 0;
        const char *reason = mt_loans_reason (group, &reservation, &since);
        bson_t item;
        bson_t view;

        bson_uint32_to_string (count++, &k, key, sizeof key);
        BSON_APPEND_DOCUMENT_BEGIN (items, k, &item);
        BSON_APPEND_UTF8 (&item, "reason", reason);
        BSON_APPEND_DATE_TIME (&item, "since", since);
        mt_reservation_view (ctx, &reservation, NULL, &view);
        BSON_APPEND_DOCUMENT (&item, "reservation", &view);
        bson_destroy (&view);
        bson_append_document_end (items, &item);
      }
    }
    if (page.next_cursor[0]) {
      snprintf (next_cursor, MT_LOANS_CURSOR_MAX, "%c:%s", mt_loans_group_letters[group],
                page.next_cursor);
      mt_store_page_destroy (&page);
      break; /* the page is full (or the store stopped short): go on from here */
    }
    mt_store_page_destroy (&page);
    group++;
    store_cursor = NULL;
    if (count >= limit && group < MT_LOANS_GROUP_COUNT) {
      snprintf (next_cursor, MT_LOANS_CURSOR_MAX, "%c:", mt_loans_group_letters[group]);
    }
  }
  ok = true;
done:
  if (!ok) {
    bson_reinit (items);
    next_cursor[0] = '\0';
  }
  return ok;
}

/* ---- Review of a returned loan ---------------------------------------------------------------- */

bool
mt_loans_follow_up_audit_id (const bson_t *reservation, char *out, size_t size)
{
  const char *id = mt_bson_str (reservation, "id");
  int n;

  if (!id || !mt_bson_str_eq (reservation, "review.decision", "follow_up")) {
    return false;
  }
  n = snprintf (out, size, "%s:follow-up:%lld", id,
                (long long) mt_bson_date (reservation, "review.at", 0));
  return n > 0 && (size_t) n < size;
}

bool
mt_loans_record_follow_up (mt_store_t *store, const bson_t *reservation, mt_error_t *error)
{
  char entry_id[160];
  char reason[MT_LOANS_REASON_MAX];
  const char *note = mt_bson_str (reservation, "review.note");
  mt_audit_entry_t entry;

  if (!mt_loans_follow_up_audit_id (reservation, entry_id, sizeof entry_id)) {
    return true; /* no follow-up review to record */
  }
  snprintf (reason, sizeof reason, "follow_up: %s", note ? note : "");
  memset (&entry, 0, sizeof entry);
  entry.id = entry_id;
  entry.at_ms = mt_bson_date (reservation, "review.at", 0);
  entry.actor = mt_bson_str (reservation, "review.by");
  entry.entity = MT_AUDIT_ENTITY_RESERVATION;
  entry.entity_id = mt_bson_str (reservation, "id");
  entry.from = MT_RESERVATION_RETURNED;
  entry.to = MT_RESERVATION_RETURNED;
  entry.reason = reason;
  if (!entry.actor) {
    entry.actor = MT_RESERVATION_SYSTEM;
  }
  return mt_audit_record (store, &entry, error);
}

bool
mt_loans_review (const mt_ctx_t *ctx, const char *id, const bson_t *body, const char *if_match,
                 bson_t *out, mt_error_t *error)
{
  const char *decision = mt_bson_str (body, "decision");
  const char *note = mt_bson_str (body, "note");
  bool close = mt_bson_str_eq (body, "decision", "close");
  char reason[MT_LOANS_REASON_MAX];
  bson_t stored = BSON_INITIALIZER;
  bson_t after = BSON_INITIALIZER;
  bool ok = false;

  bson_init (out);
  if (!mt_loans_require_admin (ctx, error)) {
    goto done;
  }
  if (!decision || !note || (!close && strcmp (decision, "follow_up") != 0)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "décision invalide",
                  "invalid decision");
    mt_error_set_path (error, "/decision");
    goto done;
  }
  snprintf (reason, sizeof reason, "%s: %s", decision, note);
  for (int attempt = 0; attempt < MT_LOANS_REVIEW_ATTEMPTS; attempt++) {
    mt_reservation_change_t change;
    mt_error_t store_error = { 0 };
    bson_t set = BSON_INITIALIZER;
    bson_t review;
    bool applied;

    bson_reinit (&stored);
    bson_destroy (&stored);
    if (!ctx->store->ops->reservation_get (ctx->store, id, &stored, &store_error)) {
      mt_error_copy (error, &store_error);
      bson_destroy (&set);
      goto done;
    }
    if (if_match && !mt_etag_matches (if_match, mt_bson_int (&stored, "version", 0))) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_PRECONDITION_FAILED,
                    "la réservation a été modifiée entre-temps (If-Match)",
                    "the reservation has changed meanwhile (If-Match)");
      bson_destroy (&set);
      goto done;
    }
    if (!mt_bson_str_eq (&stored, "status", MT_RESERVATION_RETURNED)) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_CONFLICT,
                    "seul un prêt rendu peut être revu (la réservation est « %s »)",
                    "only a returned loan can be reviewed (the reservation is \"%s\")",
                    mt_bson_str (&stored, "status") ? mt_bson_str (&stored, "status") : "?");
      bson_destroy (&set);
      goto done;
    }
    BSON_APPEND_DOCUMENT_BEGIN (&set, "review", &review);
    BSON_APPEND_DATE_TIME (&review, "at", ctx->now_ms);
    BSON_APPEND_UTF8 (&review, "by", ctx->principal->account_id);
    BSON_APPEND_UTF8 (&review, "decision", decision);
    BSON_APPEND_UTF8 (&review, "note", note);
    bson_append_document_end (&set, &review);
    memset (&change, 0, sizeof change);
    change.actor = ctx->principal->account_id;
    change.set = &set;
    if (close) {
      change.to = MT_RESERVATION_CLOSED;
      change.reason = reason;
      BSON_APPEND_DATE_TIME (&set, "closed_at", ctx->now_ms);
      BSON_APPEND_UTF8 (&set, "closed_by", ctx->principal->account_id);
    }
    bson_reinit (&after);
    bson_destroy (&after);
    applied = mt_reservation_apply (ctx, &stored, &change, &after, error);
    bson_destroy (&set);
    if (applied) {
      ok = true;
      break;
    }
    if (!error || error->code != MT_ERR_STALE) {
      goto done;
    }
    if (if_match) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_PRECONDITION_FAILED,
                    "la réservation a été modifiée entre-temps (If-Match)",
                    "the reservation has changed meanwhile (If-Match)");
      goto done;
    }
  }
  if (!ok) {
    goto done; /* error holds the last STALE */
  }
  if (!close) {
    mt_error_t audit_error = { 0 };
    if (!mt_loans_record_follow_up (ctx->store, &after, &audit_error)) {
      mt_log_printf (MT_LOG_WARN, MT_LOG_DOMAIN,
                     "audit of the review of %s not recorded (reconciliation will): %s", id,
                     audit_error.message);
    }
  }
  MT_INFO ("reservation %s reviewed: %s", id, decision);
  bson_destroy (out);
  mt_reservation_view (ctx, &after, NULL, out);
done:
  bson_destroy (&stored);
  bson_destroy (&after);
  return ok;
}

/* ---- Audit log ------------------------------------------------------------------------------- */

bool
mt_loans_audit (const mt_ctx_t *ctx, const char *entity_id, const char *cursor,
                const char *limit_text, mt_store_page_t *page, mt_error_t *error)
{
  uint32_t limit = 0;

  mt_store_page_init (page);
  if (!mt_loans_require_admin (ctx, error) || !mt_list_limit_parse (limit_text, &limit, error)) {
    return false;
  }
  mt_store_page_destroy (page);
  if (!ctx->store->ops->audit_list (ctx->store, entity_id && *entity_id ? entity_id : NULL,
                                    cursor && *cursor ? cursor : NULL, limit, page, error)) {
    if (error && error->code == MT_ERR_BAD_REQUEST) {
      mt_error_set_path (error, "cursor");
    }
    return false;
  }
  return true;
}

/* ---- CSV export ------------------------------------------------------------------------------ */

#define MT_LOANS_NAMES_CAP 4096 /* members whose names are remembered during one export */

/* Member names met during one export (open addressing on the id). */
typedef struct {
  char *ids[MT_LOANS_NAMES_CAP];
  char *names[MT_LOANS_NAMES_CAP];
  size_t count;
  mt_buf_t scratch; /* the last name read but not remembered (the table is full) */
} mt_loans_names_t;

static void
mt_loans_names_destroy (mt_loans_names_t *names)
{
  for (size_t i = 0; i < MT_LOANS_NAMES_CAP; i++) {
    free (names->ids[i]);
    free (names->names[i]);
  }
  mt_buf_destroy (&names->scratch);
}

static size_t
mt_loans_hash (const char *text)
{
  uint64_t h = UINT64_C (1469598103934665603);
  for (; *text; text++) {
    h = (h ^ (unsigned char) *text) * UINT64_C (1099511628211);
  }
  return (size_t) (h % MT_LOANS_NAMES_CAP);
}

/*
 * The name of member @id to *@out ("" when the member is unknown; valid until the next call),
 * read once per export. False on a store error other than NOT_FOUND.
 */
static bool
mt_loans_member_name (const mt_ctx_t *ctx, mt_loans_names_t *names, const char *id,
                      const char **out, mt_error_t *error)
{
  size_t slot = mt_loans_hash (id);
  bson_t member;
  mt_error_t store_error = { 0 };
  const char *name;
  bool ok = true;

  *out = "";
  for (size_t probe = 0; probe < MT_LOANS_NAMES_CAP && names->ids[slot]; probe++) {
    if (strcmp (names->ids[slot], id) == 0) {
      *out = names->names[slot];
      return true;
    }
    slot = (slot + 1) % MT_LOANS_NAMES_CAP;
  }
  if (!ctx->store->ops->member_get (ctx->store, id, &member, &store_error)) {
    if (store_error.code != MT_ERR_NOT_FOUND) {
      mt_error_copy (error, &store_error);
      ok = false;
    }
    bson_destroy (&member);
    return ok;
  }
  name = mt_bson_str (&member, "name");
  /* Remember it while the table is less than three quarters full. */
  if (names->count < MT_LOANS_NAMES_CAP * 3 / 4 && !names->ids[slot]) {
    names->ids[slot] = strdup (id);
    names->names[slot] = strdup (name ? name : "");
    if (names->ids[slot] && names->names[slot]) {
      names->count++;
      *out = names->names[slot];
    } else {
      free (names->ids[slot]);
      free (names->names[slot]);
      names->ids[slot] = names->names[slot] = NULL;
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                    "out of memory");
      ok = false;
    }
  } else {
    mt_buf_reset (&names->scratch);
    mt_buf_append_str (&names->scratch, name ? name : "");
    mt_buf_append_char (&names->scratch, '\0');
    *out = names->scratch.failed ? "" : names->scratch.data;
  }
  bson_destroy (&member);
  return ok;
}

/* Column count and names of the export. */
#define MT_LOANS_COLUMNS 21
static const char *const mt_loans_columns[MT_LOANS_COLUMNS] = {
  "id",
  "listing_id",
  "listing_title",
  "owner_member_id",
  "owner_name",
  "borrower_member_id",
  "borrower_name",
  "units",
  "start",
  "end",
  "status",
  "overdue",
  "created_at",
  "approved_at",
  "checked_out_at",
  "returned_at",
  "closed_at",
  "incident_type",
  "incident_text",
  "review_decision",
  "review_note",
};

/* Appends the CSV row of @reservation to @out. */
static bool
mt_loans_write_row (const mt_ctx_t *ctx, mt_loans_names_t *names, const bson_t *reservation,
                    mt_csv_row_t *row, mt_buf_t *out, mt_error_t *error)
{
  const char *owner = mt_bson_str (reservation, "owner_member_id");
  const char *borrower = mt_bson_str (reservation, "borrower_member_id");
  const char *name = "";
  char units[24];
  bool overdue;

  overdue = mt_bson_bool (reservation, "overdue", false) ||
            (mt_bson_str_eq (reservation, "status", MT_RESERVATION_CHECKED_OUT) &&
             ctx->now_ms >= mt_bson_date (reservation, "end", INT64_MAX));
  snprintf (units, sizeof units, "%lld", (long long) mt_bson_int (reservation, "units", 1));
  mt_csv_row_reset (row);
  mt_csv_row_cell (row, mt_bson_str (reservation, "id"), false);
  mt_csv_row_cell (row, mt_bson_str (reservation, "listing_id"), false);
  mt_csv_row_cell (row, mt_bson_str (reservation, "listing_title"), true);
  mt_csv_row_cell (row, owner, false);
  if (owner && !mt_loans_member_name (ctx, names, owner, &name, error)) {
    return false;
  }
  mt_csv_row_cell (row, name, true); /* copied at once: the name is valid until the next call */
  mt_csv_row_cell (row, borrower, false);
  name = "";
  if (borrower && !mt_loans_member_name (ctx, names, borrower, &name, error)) {
    return false;
  }
  mt_csv_row_cell (row, name, true);
  mt_csv_row_cell (row, units, false);
  mt_csv_row_date (row, reservation, "start");
  mt_csv_row_date (row, reservation, "end");
  mt_csv_row_cell (row, mt_bson_str (reservation, "status"), false);
  mt_csv_row_cell (row, overdue ? "true" : "false", false);
  mt_csv_row_date (row, reservation, "created_at");
  mt_csv_row_date (row, reservation, "approved_at");
  mt_csv_row_date (row, reservation, "checkout.at");
  mt_csv_row_date (row, reservation, "returned_at");
  mt_csv_row_date (row, reservation, "closed_at");
  mt_csv_row_cell (row, mt_bson_str (reservation, "return.incident.type"), false);
  mt_csv_row_cell (row, mt_bson_str (reservation, "return.incident.text"), true);
  mt_csv_row_cell (row, mt_bson_str (reservation, "review.decision"), false);
  mt_csv_row_cell (row, mt_bson_str (reservation, "review.note"), true);
  return mt_csv_row_write (row, out, error);
}

bool
mt_loans_export (const mt_ctx_t *ctx, mt_buf_t *out, mt_error_t *error)
{
  mt_loans_names_t *names = NULL;
  mt_csv_row_t row;
  char cursor[MT_STORE_CURSOR_MAX] = "";
  bool ok = false;

  mt_csv_row_init (&row, 1024 * 1024);
  if (!mt_loans_require_admin (ctx, error)) {
    goto done;
  }
  names = calloc (1, sizeof *names);
  if (!names) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  mt_buf_init (&names->scratch, 64 * 1024);
  if (!mt_csv_write_bom (out) ||
      !mt_csv_write_row (out, mt_loans_columns, NULL, MT_LOANS_COLUMNS)) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL,
                  "export trop volumineux (limite du serveur)", "export too large (server limit)");
    goto done;
  }
  do {
    mt_store_reservation_query_t query;
    mt_store_page_t page;
    bson_iter_t it;
    bson_t reservation;
    bool page_ok = true;

    memset (&query, 0, sizeof query);
    query.cursor = cursor[0] ? cursor : NULL;
    query.limit = MT_STORE_PAGE_MAX;
    if (!ctx->store->ops->reservation_list (ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (page_ok && mt_loans_next_doc (&it, &reservation)) {
        page_ok = mt_loans_write_row (ctx, names, &reservation, &row, out, error);
      }
    }
    memcpy (cursor, page.next_cursor, sizeof cursor);
    mt_store_page_destroy (&page);
    if (!page_ok) {
      goto done;
    }
  } while (cursor[0]);
  ok = true;
done:
  if (names) {
    mt_loans_names_destroy (names);
    free (names);
  }
  mt_csv_row_destroy (&row);
  return ok;
}
