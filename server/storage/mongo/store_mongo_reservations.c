/*
 * store_mongo_reservations.c: calendars, reservations, idempotency records, bookings,
 * messages, audit entries, notifications, webhooks and the outbox in the MongoDB adapter.
 *
 * Each is one collection of documents keyed by "_id" (the listing id for calendars); the
 * generic helpers of store_mongo_docs.c do the writes, and every list is a keyset page in the
 * order store.h gives it, walking one index of store_mongo_setup.c.
 */
#include "store_mongo_private.h"

#include <string.h>

/* At most this many statuses in a list's filter (store.h). */
#define MT_MONGO_STATUSES_MAX 16

static const mt_mongo_sort_key_t mt_mongo_newest_keys[] = { { "created_at", -1 }, { "_id", -1 } };
static const mt_mongo_sort_key_t mt_mongo_oldest_keys[] = { { "created_at", 1 }, { "_id", 1 } };
static const mt_mongo_sort_key_t mt_mongo_audit_keys[] = { { "at", -1 }, { "_id", -1 } };
static const mt_mongo_sort_key_t mt_mongo_outbox_keys[] = { { "next_attempt_at", 1 },
                                                            { "_id", 1 } };
static const mt_mongo_sort_key_t mt_mongo_id_keys[] = { { "_id", 1 } };

/* Cursor forms, one per list (a cursor of another list is refused). */
static const mt_mongo_order_t mt_mongo_reservation_order = { 5, mt_mongo_newest_keys, 2 };
static const mt_mongo_order_t mt_mongo_message_order = { 6, mt_mongo_oldest_keys, 2 };
static const mt_mongo_order_t mt_mongo_audit_order = { 7, mt_mongo_audit_keys, 2 };
static const mt_mongo_order_t mt_mongo_notification_order = { 8, mt_mongo_newest_keys, 2 };
static const mt_mongo_order_t mt_mongo_calendar_order = { 9, mt_mongo_id_keys, 1 };
static const mt_mongo_order_t mt_mongo_booking_order = { 10, mt_mongo_newest_keys, 2 };
static const mt_mongo_order_t mt_mongo_webhook_order = { 13, mt_mongo_oldest_keys, 2 };
static const mt_mongo_order_t mt_mongo_outbox_order = { 14, mt_mongo_outbox_keys, 2 };

/* ---- Shared filters ---------------------------------------------------------------------- */

static void
mt_mongo_filter_eq (bson_t *filter, const char *field, const char *value)
{
  if (value) {
    BSON_APPEND_UTF8 (filter, field, value);
  }
}

/* "status" in @statuses (NULL-terminated; NULL = any; empty = nothing); BAD_REQUEST beyond
 * MT_MONGO_STATUSES_MAX. */
static bool
mt_mongo_filter_statuses (bson_t *filter, const char *const *statuses, mt_error_t *error)
{
  bson_t cond;
  bson_t in;
  size_t n = 0;

  if (!statuses) {
    return true;
  }
  while (statuses[n] && n <= MT_MONGO_STATUSES_MAX) {
    n++;
  }
  if (n > MT_MONGO_STATUSES_MAX) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST,
                  "trop de statuts dans la requête (%d au plus)",
                  "too many statuses in the query (at most %d)", MT_MONGO_STATUSES_MAX);
    return false;
  }
  BSON_APPEND_DOCUMENT_BEGIN (filter, "status", &cond);
  BSON_APPEND_ARRAY_BEGIN (&cond, "$in", &in);
  for (size_t i = 0; i < n; i++) {
    char key[16];
    const char *key_str;
    bson_uint32_to_string ((uint32_t) i, &key_str, key, sizeof key);
    BSON_APPEND_UTF8 (&in, key_str, statuses[i]);
  }
  bson_append_array_end (&cond, &in);
  bson_append_document_end (filter, &cond);
  return true;
}

/* @field <= @before (a document without that date never matches). */
static void
mt_mongo_filter_due (bson_t *filter, const char *field, int64_t before)
{
  bson_t cond;

  BSON_APPEND_DOCUMENT_BEGIN (filter, field, &cond);
  BSON_APPEND_DATE_TIME (&cond, "$lte", mt_mongo_clamp_date (before));
  bson_append_document_end (filter, &cond);
}

/* A list called without its query. */
static bool
mt_mongo_no_query (mt_store_page_t *out, mt_error_t *error)
{
  mt_store_page_init (out);
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "requête de liste manquante",
                "missing list query");
  return false;
}

static bool
mt_mongo_unknown_due (int due, mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "champ d'échéance inconnu (%d)",
                "unknown due field (%d)", due);
  return false;
}

/* A list of the records of one owner (@field == @value), or an empty page when @value is
 * NULL. */
static bool
mt_mongo_list_of (mt_store_t *store, mt_mongo_coll_t coll, const char *field, const char *value,
                  const mt_mongo_order_t *order, const char *cursor, uint32_t limit,
                  mt_store_page_t *out, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bool ok;

  if (!value) {
    mt_store_page_init (out);
    bson_destroy (&filter);
    if (limit == 0) {
      mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "limite de page nulle",
                    "page limit of 0");
      return false;
    }
    return true;
  }
  if (field) {
    BSON_APPEND_UTF8 (&filter, field, value);
  }
  ok = mt_mongo_list (store, coll, &filter, order, cursor, limit, out, error);
  bson_destroy (&filter);
  return ok;
}

/* A list filtered as reservation_list and booking_list are: up to three equality filters,
 * statuses, and a due bound on one of the list's date fields (indexed by the query's due). */
typedef struct {
  mt_mongo_coll_t coll;
  const mt_mongo_order_t *order;
  struct {
    const char *field;
    const char *value; /* NULL: no filter */
  } eq[3];
  const char *const *due_fields; /* [due] -> field; [0] (none) unused */
  size_t due_count;
} mt_mongo_filtered_list_t;

static bool
mt_mongo_filtered_list (mt_store_t *store, const mt_mongo_filtered_list_t *list,
                        const char *const *statuses, int due, int64_t due_before,
                        const char *cursor, uint32_t limit, mt_store_page_t *out, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bool ok;

  if (due < 0 || (size_t) due >= list->due_count) {
    bson_destroy (&filter);
    mt_store_page_init (out);
    return mt_mongo_unknown_due (due, error);
  }
  for (size_t i = 0; i < sizeof list->eq / sizeof list->eq[0]; i++) {
    mt_mongo_filter_eq (&filter, list->eq[i].field, list->eq[i].value);
  }
  ok = mt_mongo_filter_statuses (&filter, statuses, error);
  if (ok && due > 0) {
    mt_mongo_filter_due (&filter, list->due_fields[due], due_before);
  }
  if (ok) {
    ok = mt_mongo_list (store, list->coll, &filter, list->order, cursor, limit, out, error);
  } else {
    mt_store_page_init (out);
  }
  bson_destroy (&filter);
  return ok;
}

/* ---- Calendars --------------------------------------------------------------------------- */

static bool
mt_mongo_calendar_get (mt_store_t *store, const char *listing_id, bson_t *out, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t entries;
  bool found = false;
  bool ok;

  if (!listing_id) {
    bson_init (out);
    bson_destroy (&filter);
    mt_mongo_not_found (error);
    return false;
  }
  BSON_APPEND_UTF8 (&filter, "_id", listing_id);
  ok = mt_mongo_find_one (store, MT_MONGO_CALENDARS, &filter, false, out, &found, error);
  bson_destroy (&filter);
  if (ok && !found) {
    /* None stored: the empty calendar, version 0 (calendar_put with 0 creates it). */
    bson_reinit (out);
    BSON_APPEND_UTF8 (out, "listing_id", listing_id);
    BSON_APPEND_INT64 (out, "version", 0);
    BSON_APPEND_ARRAY_BEGIN (out, "entries", &entries);
    bson_append_array_end (out, &entries);
  }
  return ok;
}

static bool
mt_mongo_calendar_stale (int64_t expected_version, mt_error_t *error)
{
  mt_error_set (
    error, MT_DOMAIN_STORE, MT_ERR_STALE, "calendrier modifié entre-temps (version attendue %lld)",
    "calendar changed concurrently (expected version %lld)", (long long) expected_version);
  return false;
}

static bool
mt_mongo_calendar_put (mt_store_t *store, const char *listing_id, int64_t expected_version,
                       const bson_t *calendar, mt_error_t *error)
{
  const char *key = mt_mongo_doc_str (calendar, "listing_id");
  bson_t listing;
  mt_error_t local;

  if (!listing_id || !key || strcmp (key, listing_id) != 0) {
    mt_mongo_bad_document ("« listing_id » du calendrier / calendar \"listing_id\"", error);
    return false;
  }
  /* A calendar belongs to a listing that exists. */
  if (!mt_mongo_get (store, MT_MONGO_LISTINGS, listing_id, &listing, error)) {
    bson_destroy (&listing);
    return false;
  }
  bson_destroy (&listing);
  mt_error_clear (&local);
  if (expected_version == 0) {
    /* Creation: a calendar already there was created by someone else first. */
    if (mt_mongo_insert (store, MT_MONGO_CALENDARS, calendar, true, NULL, &local)) {
      return true;
    }
    if (local.code == MT_ERR_DUPLICATE) {
      return mt_mongo_calendar_stale (expected_version, error);
    }
    mt_error_copy (error, &local);
    return false;
  }
  if (mt_mongo_update_cas (store, MT_MONGO_CALENDARS, listing_id, expected_version, calendar, NULL,
                           &local)) {
    return true;
  }
  if (local.code == MT_ERR_NOT_FOUND) {
    /* No calendar stored: its version is 0, not the one expected. */
    return mt_mongo_calendar_stale (expected_version, error);
  }
  mt_error_copy (error, &local);
  return false;
}

static bool
mt_mongo_calendar_list (mt_store_t *store, const char *cursor, uint32_t limit, mt_store_page_t *out,
                        mt_error_t *error)
{
  return mt_mongo_list (store, MT_MONGO_CALENDARS, NULL, &mt_mongo_calendar_order, cursor, limit,
                        out, error);
}

/* ---- Reservations ------------------------------------------------------------------------ */

static const mt_mongo_field_t mt_mongo_reservation_fields[] = {
  { "listing_id", BSON_TYPE_UTF8, true },
  { "borrower_member_id", BSON_TYPE_UTF8, false },
  { "owner_member_id", BSON_TYPE_UTF8, false },
  { "status", BSON_TYPE_UTF8, false },
  { "start", BSON_TYPE_DATE_TIME, false },
  { "end", BSON_TYPE_DATE_TIME, false },
  { "units", BSON_TYPE_INT64, false },
  { "expires_at", BSON_TYPE_DATE_TIME, false },
  { "returned_at", BSON_TYPE_DATE_TIME, false },
  { "created_at", BSON_TYPE_DATE_TIME, true },
  { NULL, BSON_TYPE_EOD, false },
};

static bool
mt_mongo_reservation_insert (mt_store_t *store, const bson_t *reservation, mt_error_t *error)
{
  return mt_mongo_check_fields (reservation, mt_mongo_reservation_fields, "reservation", error) &&
         mt_mongo_insert (store, MT_MONGO_RESERVATIONS, reservation, true, NULL, error);
}

static bool
mt_mongo_reservation_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_get (store, MT_MONGO_RESERVATIONS, id, out, error);
}

static bool
mt_mongo_reservation_update (mt_store_t *store, const char *id, int64_t expected_version,
                             const bson_t *reservation, mt_error_t *error)
{
  return mt_mongo_check_fields (reservation, mt_mongo_reservation_fields, "reservation", error) &&
         mt_mongo_update_cas (store, MT_MONGO_RESERVATIONS, id, expected_version, reservation, NULL,
                              error);
}

static bool
mt_mongo_reservation_list (mt_store_t *store, const mt_store_reservation_query_t *query,
                           mt_store_page_t *out, mt_error_t *error)
{
  static const char *const due_fields[] = {
    [MT_RESERVATION_DUE_EXPIRES] = "expires_at",
    [MT_RESERVATION_DUE_START] = "start",
    [MT_RESERVATION_DUE_END] = "end",
    [MT_RESERVATION_DUE_RETURNED] = "returned_at",
    [MT_RESERVATION_DUE_CREATED] = "created_at",
  };
  mt_mongo_filtered_list_t list = {
    .coll = MT_MONGO_RESERVATIONS,
    .order = &mt_mongo_reservation_order,
    .due_fields = due_fields,
    .due_count = sizeof due_fields / sizeof due_fields[0],
  };

  if (!query) {
    return mt_mongo_no_query (out, error);
  }
  list.eq[0].field = "listing_id";
  list.eq[0].value = query->listing_id;
  list.eq[1].field = "borrower_member_id";
  list.eq[1].value = query->borrower_member_id;
  list.eq[2].field = "owner_member_id";
  list.eq[2].value = query->owner_member_id;
  return mt_mongo_filtered_list (store, &list, query->statuses, (int) query->due, query->due_before,
                                 query->cursor, query->limit, out, error);
}

static bool
mt_mongo_reservation_count (mt_store_t *store, const char *listing_id, int64_t *count,
                            mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bool ok;

  BSON_APPEND_UTF8 (&filter, "listing_id", listing_id ? listing_id : "");
  ok = mt_mongo_count (store, MT_MONGO_RESERVATIONS, &filter, count, error);
  bson_destroy (&filter);
  return ok;
}

/* ---- Idempotency records ----------------------------------------------------------------- */

static const mt_mongo_field_t mt_mongo_idempotency_fields[] = {
  { "created_at", BSON_TYPE_DATE_TIME, true },
  { NULL, BSON_TYPE_EOD, false },
};

static bool
mt_mongo_idempotency_insert (mt_store_t *store, const bson_t *record, mt_error_t *error)
{
  return mt_mongo_check_fields (record, mt_mongo_idempotency_fields, "idempotency", error) &&
         mt_mongo_insert (store, MT_MONGO_IDEMPOTENCY, record, true, NULL, error);
}

static bool
mt_mongo_idempotency_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_get (store, MT_MONGO_IDEMPOTENCY, id, out, error);
}

static bool
mt_mongo_idempotency_update (mt_store_t *store, const char *id, int64_t expected_version,
                             const bson_t *record, mt_error_t *error)
{
  return mt_mongo_check_fields (record, mt_mongo_idempotency_fields, "idempotency", error) &&
         mt_mongo_update_cas (store, MT_MONGO_IDEMPOTENCY, id, expected_version, record, NULL,
                              error);
}

static bool
mt_mongo_idempotency_purge (mt_store_t *store, int64_t before_ms, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t cond;
  bool ok;

  BSON_APPEND_DOCUMENT_BEGIN (&filter, "created_at", &cond);
  BSON_APPEND_DATE_TIME (&cond, "$lt", mt_mongo_clamp_date (before_ms));
  bson_append_document_end (&filter, &cond);
  ok = mt_mongo_delete_many (store, MT_MONGO_IDEMPOTENCY, &filter, NULL, error);
  bson_destroy (&filter);
  return ok;
}

/* ---- Messages, audit entries, notifications ---------------------------------------------- */

static const mt_mongo_field_t mt_mongo_message_fields[] = {
  { "reservation_id", BSON_TYPE_UTF8, true },
  { "created_at", BSON_TYPE_DATE_TIME, true },
  { NULL, BSON_TYPE_EOD, false },
};

static const mt_mongo_field_t mt_mongo_audit_fields[] = {
  { "at", BSON_TYPE_DATE_TIME, true },
  { "entity_id", BSON_TYPE_UTF8, false },
  { NULL, BSON_TYPE_EOD, false },
};

static const mt_mongo_field_t mt_mongo_notification_fields[] = {
  { "account_id", BSON_TYPE_UTF8, true },
  { "created_at", BSON_TYPE_DATE_TIME, true },
  { NULL, BSON_TYPE_EOD, false },
};

static bool
mt_mongo_message_insert (mt_store_t *store, const bson_t *message, mt_error_t *error)
{
  return mt_mongo_check_fields (message, mt_mongo_message_fields, "message", error) &&
         mt_mongo_insert (store, MT_MONGO_MESSAGES, message, false, NULL, error);
}

static bool
mt_mongo_message_list (mt_store_t *store, const char *reservation_id, const char *cursor,
                       uint32_t limit, mt_store_page_t *out, mt_error_t *error)
{
  return mt_mongo_list_of (store, MT_MONGO_MESSAGES, "reservation_id", reservation_id,
                           &mt_mongo_message_order, cursor, limit, out, error);
}

static bool
mt_mongo_audit_insert (mt_store_t *store, const bson_t *entry, mt_error_t *error)
{
  return mt_mongo_check_fields (entry, mt_mongo_audit_fields, "audit", error) &&
         mt_mongo_insert (store, MT_MONGO_AUDIT, entry, false, NULL, error);
}

static bool
mt_mongo_audit_list (mt_store_t *store, const char *entity_id, const char *cursor, uint32_t limit,
                     mt_store_page_t *out, mt_error_t *error)
{
  /* A NULL entity lists every entry. */
  return mt_mongo_list_of (store, MT_MONGO_AUDIT, entity_id ? "entity_id" : NULL,
                           entity_id ? entity_id : "", &mt_mongo_audit_order, cursor, limit, out,
                           error);
}

static bool
mt_mongo_notification_insert (mt_store_t *store, const bson_t *notification, mt_error_t *error)
{
  return mt_mongo_check_fields (notification, mt_mongo_notification_fields, "notification",
                                error) &&
         mt_mongo_insert (store, MT_MONGO_NOTIFICATIONS, notification, false, NULL, error);
}

static bool
mt_mongo_notification_list (mt_store_t *store, const char *account_id, const char *cursor,
                            uint32_t limit, mt_store_page_t *out, mt_error_t *error)
{
  return mt_mongo_list_of (store, MT_MONGO_NOTIFICATIONS, "account_id", account_id,
                           &mt_mongo_notification_order, cursor, limit, out, error);
}

/* Sets "read_at" once: the filter matches only an unread notification of that account. */
static bool
mt_mongo_notification_mark_read (mt_store_t *store, const char *account_id, const char *id,
                                 int64_t at_ms, mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bson_t update = BSON_INITIALIZER;
  bson_t set;
  bson_t reply;
  bson_t doc;
  bson_error_t bson_error;
  int64_t matched = 0;
  bool found = false;
  bool ok;

  if (!account_id || !id) {
    bson_destroy (&update);
    bson_destroy (&filter);
    mt_mongo_not_found (error);
    return false;
  }
  BSON_APPEND_UTF8 (&filter, "_id", id);
  BSON_APPEND_UTF8 (&filter, "account_id", account_id);
  BSON_APPEND_DOCUMENT_BEGIN (&update, "$set", &set);
  BSON_APPEND_DATE_TIME (&set, "read_at", at_ms);
  bson_append_document_end (&update, &set);
  {
    bson_t unread = BSON_INITIALIZER;
    bson_t exists;
    BSON_APPEND_UTF8 (&unread, "_id", id);
    BSON_APPEND_UTF8 (&unread, "account_id", account_id);
    BSON_APPEND_DOCUMENT_BEGIN (&unread, "read_at", &exists);
    BSON_APPEND_BOOL (&exists, "$exists", false);
    bson_append_document_end (&unread, &exists);
    ok = mongoc_collection_update_one (mt_mongo_coll (store, MT_MONGO_NOTIFICATIONS), &unread,
                                       &update, NULL, &reply, &bson_error);
    bson_destroy (&unread);
  }
  if (!ok) {
    mt_mongo_error (&bson_error, &reply, "notifications", error);
  } else {
    mt_mongo_doc_int64 (&reply, "matchedCount", &matched);
  }
  bson_destroy (&reply);
  if (ok && matched == 0) {
    /* Already read (keep the first time), or not one of that account's. */
    ok = mt_mongo_find_one (store, MT_MONGO_NOTIFICATIONS, &filter, true, &doc, &found, error);
    bson_destroy (&doc);
    if (ok && !found) {
      mt_mongo_not_found (error);
      ok = false;
    }
  }
  bson_destroy (&update);
  bson_destroy (&filter);
  return ok;
}

/* ---- Bookings ---------------------------------------------------------------------------- */

static const mt_mongo_field_t mt_mongo_booking_fields[] = {
  { "listing_id", BSON_TYPE_UTF8, true },          { "requester_member_id", BSON_TYPE_UTF8, false },
  { "provider_member_id", BSON_TYPE_UTF8, false }, { "status", BSON_TYPE_UTF8, false },
  { "start", BSON_TYPE_DATE_TIME, false },         { "completed_at", BSON_TYPE_DATE_TIME, false },
  { "created_at", BSON_TYPE_DATE_TIME, true },     { NULL, BSON_TYPE_EOD, false },
};

static bool
mt_mongo_booking_insert (mt_store_t *store, const bson_t *booking, mt_error_t *error)
{
  return mt_mongo_check_fields (booking, mt_mongo_booking_fields, "booking", error) &&
         mt_mongo_insert (store, MT_MONGO_BOOKINGS, booking, true, NULL, error);
}

static bool
mt_mongo_booking_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_get (store, MT_MONGO_BOOKINGS, id, out, error);
}

static bool
mt_mongo_booking_update (mt_store_t *store, const char *id, int64_t expected_version,
                         const bson_t *booking, mt_error_t *error)
{
  return mt_mongo_check_fields (booking, mt_mongo_booking_fields, "booking", error) &&
         mt_mongo_update_cas (store, MT_MONGO_BOOKINGS, id, expected_version, booking, NULL, error);
}

static bool
mt_mongo_booking_list (mt_store_t *store, const mt_store_booking_query_t *query,
                       mt_store_page_t *out, mt_error_t *error)
{
  static const char *const due_fields[] = {
    [MT_BOOKING_DUE_START] = "start",
    [MT_BOOKING_DUE_COMPLETED] = "completed_at",
    [MT_BOOKING_DUE_CREATED] = "created_at",
  };
  mt_mongo_filtered_list_t list = {
    .coll = MT_MONGO_BOOKINGS,
    .order = &mt_mongo_booking_order,
    .due_fields = due_fields,
    .due_count = sizeof due_fields / sizeof due_fields[0],
  };

  if (!query) {
    return mt_mongo_no_query (out, error);
  }
  list.eq[0].field = "listing_id";
  list.eq[0].value = query->listing_id;
  list.eq[1].field = "requester_member_id";
  list.eq[1].value = query->requester_member_id;
  list.eq[2].field = "provider_member_id";
  list.eq[2].value = query->provider_member_id;
  return mt_mongo_filtered_list (store, &list, query->statuses, (int) query->due, query->due_before,
                                 query->cursor, query->limit, out, error);
}

/* ---- Webhooks and the outbox ------------------------------------------------------------- */

static const mt_mongo_field_t mt_mongo_webhook_fields[] = {
  { "created_at", BSON_TYPE_DATE_TIME, true },
  { NULL, BSON_TYPE_EOD, false },
};

static const mt_mongo_field_t mt_mongo_outbox_fields[] = {
  { "kind", BSON_TYPE_UTF8, false },   { "webhook_id", BSON_TYPE_UTF8, false },
  { "status", BSON_TYPE_UTF8, false }, { "next_attempt_at", BSON_TYPE_DATE_TIME, true },
  { NULL, BSON_TYPE_EOD, false },
};

static bool
mt_mongo_webhook_insert (mt_store_t *store, const bson_t *webhook, mt_error_t *error)
{
  return mt_mongo_check_fields (webhook, mt_mongo_webhook_fields, "webhook", error) &&
         mt_mongo_insert (store, MT_MONGO_WEBHOOKS, webhook, false, NULL, error);
}

static bool
mt_mongo_webhook_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_get (store, MT_MONGO_WEBHOOKS, id, out, error);
}

static bool
mt_mongo_webhook_list (mt_store_t *store, const char *cursor, uint32_t limit, mt_store_page_t *out,
                       mt_error_t *error)
{
  return mt_mongo_list (store, MT_MONGO_WEBHOOKS, NULL, &mt_mongo_webhook_order, cursor, limit, out,
                        error);
}

static bool
mt_mongo_webhook_delete (mt_store_t *store, const char *id, mt_error_t *error)
{
  if (!id) {
    mt_mongo_not_found (error);
    return false;
  }
  return mt_mongo_delete_cas (store, MT_MONGO_WEBHOOKS, id, -1, error);
}

static bool
mt_mongo_outbox_insert (mt_store_t *store, const bson_t *message, mt_error_t *error)
{
  return mt_mongo_check_fields (message, mt_mongo_outbox_fields, "outbox", error) &&
         mt_mongo_insert (store, MT_MONGO_OUTBOX, message, true, NULL, error);
}

static bool
mt_mongo_outbox_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  return mt_mongo_get (store, MT_MONGO_OUTBOX, id, out, error);
}

static bool
mt_mongo_outbox_update (mt_store_t *store, const char *id, int64_t expected_version,
                        const bson_t *message, mt_error_t *error)
{
  return mt_mongo_check_fields (message, mt_mongo_outbox_fields, "outbox", error) &&
         mt_mongo_update_cas (store, MT_MONGO_OUTBOX, id, expected_version, message, NULL, error);
}

static bool
mt_mongo_outbox_list (mt_store_t *store, const mt_store_outbox_query_t *query, mt_store_page_t *out,
                      mt_error_t *error)
{
  bson_t filter = BSON_INITIALIZER;
  bool ok;
  if (!query) {
    bson_destroy (&filter);
    return mt_mongo_no_query (out, error);
  }

  mt_mongo_filter_eq (&filter, "kind", query->kind);
  mt_mongo_filter_eq (&filter, "webhook_id", query->webhook_id);
  ok = mt_mongo_filter_statuses (&filter, query->statuses, error);
  if (ok && query->due_before != 0) {
    mt_mongo_filter_due (&filter, "next_attempt_at", query->due_before);
  }
  if (ok) {
    ok = mt_mongo_list (store, MT_MONGO_OUTBOX, &filter, &mt_mongo_outbox_order, query->cursor,
                        query->limit, out, error);
  } else {
    mt_store_page_init (out);
  }
  bson_destroy (&filter);
  return ok;
}

void
mt_mongo_reservations_ops (mt_store_ops_t *ops)
{
  ops->calendar_get = mt_mongo_calendar_get;
  ops->calendar_put = mt_mongo_calendar_put;
  ops->calendar_list = mt_mongo_calendar_list;
  ops->reservation_insert = mt_mongo_reservation_insert;
  ops->reservation_get = mt_mongo_reservation_get;
  ops->reservation_update = mt_mongo_reservation_update;
  ops->reservation_list = mt_mongo_reservation_list;
  ops->reservation_count = mt_mongo_reservation_count;
  ops->idempotency_insert = mt_mongo_idempotency_insert;
  ops->idempotency_get = mt_mongo_idempotency_get;
  ops->idempotency_update = mt_mongo_idempotency_update;
  ops->idempotency_purge = mt_mongo_idempotency_purge;
  ops->message_insert = mt_mongo_message_insert;
  ops->message_list = mt_mongo_message_list;
  ops->audit_insert = mt_mongo_audit_insert;
  ops->audit_list = mt_mongo_audit_list;
  ops->notification_insert = mt_mongo_notification_insert;
  ops->notification_list = mt_mongo_notification_list;
  ops->notification_mark_read = mt_mongo_notification_mark_read;
  ops->booking_insert = mt_mongo_booking_insert;
  ops->booking_get = mt_mongo_booking_get;
  ops->booking_update = mt_mongo_booking_update;
  ops->booking_list = mt_mongo_booking_list;
  ops->webhook_insert = mt_mongo_webhook_insert;
  ops->webhook_get = mt_mongo_webhook_get;
  ops->webhook_list = mt_mongo_webhook_list;
  ops->webhook_delete = mt_mongo_webhook_delete;
  ops->outbox_insert = mt_mongo_outbox_insert;
  ops->outbox_get = mt_mongo_outbox_get;
  ops->outbox_update = mt_mongo_outbox_update;
  ops->outbox_list = mt_mongo_outbox_list;
}
