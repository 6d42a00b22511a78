/* calendars: iCalendar feeds and the secret calendar address (see calendars.h). */
#include "calendars.h"

#include "availability.h"
#include "icalendar.h"
#include "listings.h"
#include "mt_b64.h"
#include "mt_bson.h"
#include "mt_buf.h"
#include "mt_log.h"
#include "mt_time.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "calendars"

#define MT_CALENDAR_DAY_MS INT64_C (86400000)
#define MT_CALENDAR_UID_BYTES 16
#define MT_CALENDAR_UID_SIZE (2 * MT_CALENDAR_UID_BYTES + sizeof "@mutua")
#define MT_CALENDAR_ATTEMPTS 4 /* compare-and-set attempts on the account */
#define MT_CALENDAR_CACHE 64   /* members and listings remembered while writing a feed */
#define MT_CALENDAR_TEXT_MAX 2048

/* Account fields of the secret address. */
#define MT_CALENDAR_FIELD_TOKEN "calendar_token"
#define MT_CALENDAR_FIELD_HASH "calendar_token_hash"
#define MT_CALENDAR_FIELD_CREATED "calendar_token_created_at"

static bool
mt_calendar_not_found (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_NOT_FOUND, "calendrier introuvable",
                "calendar not found");
  return false;
}

/* "<hex of BLAKE2b-128 of @text>@mutua": a UID that says nothing of what it was made from. */
static void
mt_calendar_uid (const char *text, size_t len, char out[MT_CALENDAR_UID_SIZE])
{
  unsigned char digest[MT_CALENDAR_UID_BYTES];

  crypto_generichash (digest, sizeof digest, (const unsigned char *) text, len, NULL, 0);
  sodium_bin2hex (out, 2 * MT_CALENDAR_UID_BYTES + 1, digest, sizeof digest);
  memcpy (out + 2 * MT_CALENDAR_UID_BYTES, "@mutua", sizeof "@mutua");
}

void
mt_calendar_secret_hash (const char *secret, char out[MT_CALENDAR_HASH_HEX_SIZE])
{
  unsigned char digest[32];

  crypto_generichash (digest, sizeof digest, (const unsigned char *) secret, strlen (secret), NULL,
                      0);
  sodium_bin2hex (out, MT_CALENDAR_HASH_HEX_SIZE, digest, sizeof digest);
}

/* An instant stored as a BSON date-time or an RFC 3339 string. */
static bool
mt_calendar_instant (const bson_t *doc, const char *key, int64_t *ms)
{
  bson_iter_t it;

  if (!bson_iter_init_find (&it, doc, key)) {
    return false;
  }
  if (BSON_ITER_HOLDS_DATE_TIME (&it)) {
    *ms = bson_iter_date_time (&it);
    return true;
  }
  if (BSON_ITER_HOLDS_UTF8 (&it)) {
    uint32_t len;
    const char *text = bson_iter_utf8 (&it, &len);
    return mt_time_parse_rfc3339 (text, len, ms);
  }
  return false;
}

/* ---- GET /v1/listings/{id}/calendar.ics --------------------------------------------------- */

bool
mt_calendar_listing_feed (const mt_ctx_t *ctx, const char *listing_id, char **ics_out,
                          size_t *len_out, mt_error_t *error)
{
  mt_avail_owned_calendar_t cal;
  mt_avail_busy_t busy = { NULL, 0 };
  mt_ical_t ical;
  bson_t listing = BSON_INITIALIZER;
  bson_t calendar = BSON_INITIALIZER;
  int64_t from_ms = ctx->now_ms - MT_CALENDAR_PAST_DAYS * MT_CALENDAR_DAY_MS;
  int64_t to_ms = ctx->now_ms + MT_CALENDAR_FUTURE_DAYS * MT_CALENDAR_DAY_MS;
  const char *title;
  bool ok = false;

  *ics_out = NULL;
  *len_out = 0;
  memset (&cal, 0, sizeof cal);
  memset (&ical, 0, sizeof ical);
  bson_destroy (&listing);
  if (!mt_listing_load_visible (ctx, listing_id, &listing, NULL, error)) {
    goto done;
  }
  if (!mt_bson_str_eq (&listing, "kind", "good")) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNPROCESSABLE,
                  "un service n'a pas de calendrier de disponibilité",
                  "a service has no availability calendar");
    goto done;
  }
  bson_destroy (&calendar);
  if (!ctx->store->ops->calendar_get (ctx->store, listing_id, &calendar, error) ||
      !mt_avail_calendar_load (&listing, &calendar, NULL, &cal, error) ||
      !mt_avail_busy (&cal.calendar, from_ms, to_ms, &busy, error)) {
    goto done;
  }
  title = mt_bson_str (&listing, "title");
  mt_ical_begin (&ical, MT_CALENDAR_MAX_BYTES, title ? title : "mutua", ctx->now_ms);
  for (size_t i = 0; i < busy.count && i < MT_CALENDAR_EVENTS_MAX; i++) {
    const mt_avail_segment_t *s = &busy.items[i];
    bool blackout = s->reason == MT_AVAIL_BLACKOUT;
    char seed[256];
    char uid[MT_CALENDAR_UID_SIZE];
    char description[160];
    int seed_len;
    mt_ical_event_t event = {
      .uid = uid,
      .start_ms = s->start_ms,
      .end_ms = s->end_ms,
      .summary = blackout ? "Indisponible / Unavailable" : "Réservé / Booked",
      .status = "CONFIRMED",
    };

    seed_len = snprintf (seed, sizeof seed, "listing-busy\n%s\n%lld\n%lld\n%s\n%u", listing_id,
                         (long long) s->start_ms, (long long) s->end_ms,
                         mt_avail_reason_name (s->reason), s->units);
    mt_calendar_uid (seed, (size_t) seed_len < sizeof seed ? (size_t) seed_len : sizeof seed - 1,
                     uid);
    if (!blackout && cal.calendar.quantity > 1) {
      snprintf (description, sizeof description,
                "%u unité(s) sur %u réservée(s) / %u of %u units booked", s->units,
                cal.calendar.quantity, s->units, cal.calendar.quantity);
      event.description = description;
    }
    if (!mt_ical_add_event (&ical, &event, error)) {
      goto done;
    }
  }
  if (busy.count > MT_CALENDAR_EVENTS_MAX) {
    MT_WARN ("listing %s: calendar feed cut at %d of %zu busy periods", listing_id,
             MT_CALENDAR_EVENTS_MAX, busy.count);
  }
  ok = mt_ical_finish (&ical, ics_out, len_out, error);
done:
  mt_ical_destroy (&ical);
  mt_avail_busy_destroy (&busy);
  mt_avail_calendar_release (&cal);
  bson_destroy (&listing);
  bson_destroy (&calendar);
  return ok;
}

/* ---- The secret address ------------------------------------------------------------------- */

/* {"url", "path", "created_at"} of @secret. */
static void
mt_calendar_url_answer (const mt_ctx_t *ctx, const char *secret, int64_t created_ms, bson_t *out)
{
  char
    path[sizeof MT_CALENDAR_PATH_PREFIX + MT_CALENDAR_SECRET_LEN + sizeof MT_CALENDAR_PATH_SUFFIX];
  mt_buf_t url;
  const char *base = ctx->env && ctx->env->config ? ctx->env->config->public_url : "";
  size_t base_len = strlen (base);

  while (base_len > 0 && base[base_len - 1] == '/') {
    base_len--;
  }
  snprintf (path, sizeof path, "%s%s%s", MT_CALENDAR_PATH_PREFIX, secret, MT_CALENDAR_PATH_SUFFIX);
  mt_buf_init (&url, base_len + sizeof path);
  mt_buf_append (&url, base, base_len);
  mt_buf_append_str (&url, path);
  BSON_APPEND_UTF8 (out, "url", mt_buf_cstr (&url));
  BSON_APPEND_UTF8 (out, "path", path);
  BSON_APPEND_DATE_TIME (out, "created_at", created_ms);
  sodium_memzero (path, sizeof path);
  if (url.data) {
    sodium_memzero (url.data, url.len);
  }
  mt_buf_destroy (&url);
}

static bool
mt_calendar_require_caller (const mt_ctx_t *ctx, mt_error_t *error)
{
  if (!ctx->principal) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    return false;
  }
  return true;
}

static bool
mt_calendar_gave_up (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_STALE,
                "modifié entre-temps par une autre requête, réessayez",
                "changed meanwhile by another request, try again");
  return false;
}

bool
mt_calendar_url_get (const mt_ctx_t *ctx, bson_t *out, bool *created_out, mt_error_t *error)
{
  static const char *const fields[] = { MT_CALENDAR_FIELD_TOKEN, MT_CALENDAR_FIELD_HASH,
                                        MT_CALENDAR_FIELD_CREATED, NULL };
  bson_t account = BSON_INITIALIZER;
  char secret[MT_CALENDAR_SECRET_LEN + 1];
  bool ok = false;

  bson_init (out);
  if (created_out) {
    *created_out = false;
  }
  if (!mt_calendar_require_caller (ctx, error)) {
    goto done;
  }
  for (int attempt = 0; attempt < MT_CALENDAR_ATTEMPTS; attempt++) {
    const char *stored;
    char hash[MT_CALENDAR_HASH_HEX_SIZE];
    unsigned char bytes[MT_CALENDAR_SECRET_BYTES];
    bson_t kept;
    bson_t updated;
    mt_error_t store_error = { 0 };
    bool written;

    bson_destroy (&account);
    if (!ctx->store->ops->account_get (ctx->store, ctx->principal->account_id, &account, error)) {
      goto done;
    }
    stored = mt_bson_str (&account, MT_CALENDAR_FIELD_TOKEN);
    if (stored && strlen (stored) == MT_CALENDAR_SECRET_LEN) {
      mt_calendar_url_answer (ctx, stored,
                              mt_bson_date (&account, MT_CALENDAR_FIELD_CREATED, ctx->now_ms), out);
      ok = true;
      goto done;
    }
    randombytes_buf (bytes, sizeof bytes);
    mt_b64url_encode (bytes, sizeof bytes, secret);
    sodium_memzero (bytes, sizeof bytes);
    mt_calendar_secret_hash (secret, hash);
    mt_bson_copy_without (&account, &kept, fields);
    bson_init (&updated);
    bson_concat (&updated, &kept);
    BSON_APPEND_UTF8 (&updated, MT_CALENDAR_FIELD_TOKEN, secret);
    BSON_APPEND_UTF8 (&updated, MT_CALENDAR_FIELD_HASH, hash);
    BSON_APPEND_DATE_TIME (&updated, MT_CALENDAR_FIELD_CREATED, ctx->now_ms);
    written = ctx->store->ops->account_update (ctx->store, ctx->principal->account_id,
                                               mt_bson_int (&account, "version", 0), &updated,
                                               &store_error);
    bson_destroy (&kept);
    bson_destroy (&updated);
    if (written) {
      mt_calendar_url_answer (ctx, secret, ctx->now_ms, out);
      if (created_out) {
        *created_out = true;
      }
      MT_INFO ("account %s: calendar address created", ctx->principal->account_id);
      ok = true;
      goto done;
    }
    if (store_error.code != MT_ERR_STALE && store_error.code != MT_ERR_DUPLICATE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  mt_calendar_gave_up (error);
done:
  sodium_memzero (secret, sizeof secret);
  bson_destroy (&account);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}

bool
mt_calendar_url_revoke (const mt_ctx_t *ctx, mt_error_t *error)
{
  static const char *const fields[] = { MT_CALENDAR_FIELD_TOKEN, MT_CALENDAR_FIELD_HASH,
                                        MT_CALENDAR_FIELD_CREATED, NULL };
  bson_t account = BSON_INITIALIZER;
  bool ok = false;

  if (!mt_calendar_require_caller (ctx, error)) {
    goto done;
  }
  for (int attempt = 0; attempt < MT_CALENDAR_ATTEMPTS; attempt++) {
    bson_t kept;
    mt_error_t store_error = { 0 };
    bool written;

    bson_destroy (&account);
    if (!ctx->store->ops->account_get (ctx->store, ctx->principal->account_id, &account, error)) {
      goto done;
    }
    if (!mt_bson_has (&account, MT_CALENDAR_FIELD_TOKEN) &&
        !mt_bson_has (&account, MT_CALENDAR_FIELD_HASH) &&
        !mt_bson_has (&account, MT_CALENDAR_FIELD_CREATED)) {
      ok = true;
      goto done;
    }
    mt_bson_copy_without (&account, &kept, fields);
    written =
      ctx->store->ops->account_update (ctx->store, ctx->principal->account_id,
                                       mt_bson_int (&account, "version", 0), &kept, &store_error);
    bson_destroy (&kept);
    if (written) {
      MT_INFO ("account %s: calendar address revoked", ctx->principal->account_id);
      ok = true;
      goto done;
    }
    if (store_error.code != MT_ERR_STALE) {
      mt_error_copy (error, &store_error);
      goto done;
    }
  }
  mt_calendar_gave_up (error);
done:
  bson_destroy (&account);
  return ok;
}

/* ---- GET /v1/calendars/{secret}.ics ------------------------------------------------------- */

/* Names read while writing a feed, so that each member and listing is read once. */
typedef struct {
  char id[MT_ID_SIZE];
  bool found;
  char name[256];     /* member "name", listing "title" */
  char location[192]; /* listings: "<commune> (<departement>)" or "" */
} mt_calendar_name_t;

typedef struct {
  mt_calendar_name_t members[MT_CALENDAR_CACHE];
  size_t member_count;
  mt_calendar_name_t listings[MT_CALENDAR_CACHE];
  size_t listing_count;
} mt_calendar_names_t;

/* The cached entry of @id, reading it with @listing's kind of document when new. A document
 * that cannot be read is remembered as not found. */
static bool
mt_calendar_name (const mt_ctx_t *ctx, mt_calendar_names_t *names, bool listing, const char *id,
                  mt_calendar_name_t *out, mt_error_t *error)
{
  mt_calendar_name_t *cache = listing ? names->listings : names->members;
  size_t *count = listing ? &names->listing_count : &names->member_count;
  bson_t doc;
  mt_error_t store_error = { 0 };
  bool read;

  memset (out, 0, sizeof *out);
  if (!id) {
    return true;
  }
  for (size_t i = 0; i < *count; i++) {
    if (strcmp (cache[i].id, id) == 0) {
      *out = cache[i];
      return true;
    }
  }
  read = listing ? ctx->store->ops->listing_get (ctx->store, id, &doc, &store_error)
                 : ctx->store->ops->member_get (ctx->store, id, &doc, &store_error);
  if (!read && store_error.code != MT_ERR_NOT_FOUND) {
    mt_error_copy (error, &store_error);
    bson_destroy (&doc);
    return false;
  }
  snprintf (out->id, sizeof out->id, "%s", id);
  if (read) {
    const char *name = mt_bson_str (&doc, listing ? "title" : "name");
    const char *commune = mt_bson_str (&doc, "territory.commune");
    const char *departement = mt_bson_str (&doc, "territory.departement");
    out->found = true;
    snprintf (out->name, sizeof out->name, "%s", name ? name : "");
    if (listing && commune && departement) {
      snprintf (out->location, sizeof out->location, "%s (%s)", commune, departement);
    } else if (listing && commune) {
      snprintf (out->location, sizeof out->location, "%s", commune);
    }
  }
  bson_destroy (&doc);
  if (*count < MT_CALENDAR_CACHE) {
    cache[(*count)++] = *out;
  }
  return true;
}

/* The status as the account's language says it, and its STATUS property. */
static const char *
mt_calendar_status_label (const char *status, bool english, const char **ical_status)
{
  static const struct {
    const char *status, *fr, *en, *ical;
  } table[] = {
    { "requested", "demandée", "requested", "TENTATIVE" },
    { "approved", "acceptée", "approved", "CONFIRMED" },
    { "checked_out", "en cours", "checked out", "CONFIRMED" },
    { "returned", "rendue", "returned", "CONFIRMED" },
    { "closed", "clôturée", "closed", "CONFIRMED" },
  };

  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (status && strcmp (status, table[i].status) == 0) {
      *ical_status = table[i].ical;
      return english ? table[i].en : table[i].fr;
    }
  }
  *ical_status = NULL;
  return status ? status : "";
}

typedef struct {
  const mt_ctx_t *ctx;
  mt_ical_t *ical;
  mt_calendar_names_t *names;
  bool english;
  size_t events;
} mt_calendar_feed_t;

/* One reservation as an event (or nothing when it ended before the window). */
static bool
mt_calendar_add_reservation (mt_calendar_feed_t *feed, const bson_t *reservation, bool as_borrower,
                             mt_error_t *error)
{
  const char *id = mt_bson_str (reservation, "id");
  const char *other_id =
    mt_bson_str (reservation, as_borrower ? "owner_member_id" : "borrower_member_id");
  const char *ical_status = NULL;
  const char *status;
  const char *title;
  const char *other;
  mt_calendar_name_t listing;
  mt_calendar_name_t member;
  char uid[MT_CALENDAR_UID_SIZE];
  char seed[128];
  char summary[MT_CALENDAR_TEXT_MAX];
  char description[MT_CALENDAR_TEXT_MAX];
  int64_t start_ms;
  int64_t end_ms;
  int seed_len;
  mt_ical_event_t event;

  if (!id || !mt_calendar_instant (reservation, "start", &start_ms) ||
      !mt_calendar_instant (reservation, "end", &end_ms) || end_ms <= start_ms ||
      start_ms < MT_ICAL_TIME_MIN || end_ms > MT_ICAL_TIME_MAX) {
    MT_WARN ("reservation %s: malformed, left out of a calendar feed", id ? id : "?");
    return true;
  }
  if (end_ms <= feed->ctx->now_ms - MT_CALENDAR_PAST_DAYS * MT_CALENDAR_DAY_MS) {
    return true;
  }
  if (!mt_calendar_name (feed->ctx, feed->names, true, mt_bson_str (reservation, "listing_id"),
                         &listing, error) ||
      !mt_calendar_name (feed->ctx, feed->names, false, other_id, &member, error)) {
    return false;
  }
  status =
    mt_calendar_status_label (mt_bson_str (reservation, "status"), feed->english, &ical_status);
  title = listing.found ? listing.name : feed->english ? "deleted listing" : "annonce supprimée";
  other = member.found ? member.name : "?";
  if (feed->english) {
    snprintf (summary, sizeof summary, "%s: %s (%s)", as_borrower ? "Borrowing" : "Lending", title,
              other);
    snprintf (description, sizeof description, "Status: %s\nUnits: %lld\n%s: %s\nReservation: %s",
              status, (long long) mt_bson_int (reservation, "units", 1),
              as_borrower ? "Lender" : "Borrower", other, id);
  } else {
    snprintf (summary, sizeof summary, "%s : %s (%s)", as_borrower ? "Emprunt" : "Prêt", title,
              other);
    snprintf (description, sizeof description,
              "Statut : %s\nUnités : %lld\n%s : %s\nRéservation : %s", status,
              (long long) mt_bson_int (reservation, "units", 1),
              as_borrower ? "Prêteur" : "Emprunteur", other, id);
  }
  seed_len = snprintf (seed, sizeof seed, "reservation\n%s", id);
  mt_calendar_uid (seed, (size_t) seed_len < sizeof seed ? (size_t) seed_len : sizeof seed - 1,
                   uid);
  event = (mt_ical_event_t){
    .uid = uid,
    .start_ms = start_ms,
    .end_ms = end_ms,
    .summary = summary,
    .description = description,
    .location = listing.location[0] ? listing.location : NULL,
    .status = ical_status,
  };
  if (!mt_ical_add_event (feed->ical, &event, error)) {
    return false;
  }
  feed->events++;
  return true;
}

/* Every shown reservation of @member_id in one role. */
static bool
mt_calendar_add_role (mt_calendar_feed_t *feed, const char *member_id, bool as_borrower,
                      mt_error_t *error)
{
  static const char *const shown[] = { "requested", "approved", "checked_out",
                                       "returned",  "closed",   NULL };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  size_t scanned = 0;
  bool ok = false;

  do {
    mt_store_page_t page;
    mt_store_reservation_query_t query = {
      .borrower_member_id = as_borrower ? member_id : NULL,
      .owner_member_id = as_borrower ? NULL : member_id,
      .statuses = shown,
      .cursor = cursor[0] ? cursor : NULL,
      .limit = MT_STORE_PAGE_MAX,
    };
    bson_iter_t it;
    bool page_ok = true;

    if (!feed->ctx->store->ops->reservation_list (feed->ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (page_ok && bson_iter_next (&it) && feed->events < MT_CALENDAR_EVENTS_MAX) {
        const uint8_t *data;
        uint32_t len;
        bson_t reservation;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (bson_init_static (&reservation, data, len)) {
          page_ok = mt_calendar_add_reservation (feed, &reservation, as_borrower, error);
        }
      }
    }
    scanned += page.count;
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
    if (!page_ok) {
      goto done;
    }
  } while (cursor[0] && scanned < MT_CALENDAR_SCAN_MAX && feed->events < MT_CALENDAR_EVENTS_MAX);
  ok = true;
done:
  return ok;
}

/* The status of a service booking as the account's language says it, and its STATUS. */
static const char *
mt_calendar_booking_status_label (const char *status, bool english, const char **ical_status)
{
  static const struct {
    const char *status, *fr, *en, *ical;
  } table[] = {
    { "requested", "demandé", "requested", "TENTATIVE" },
    { "accepted", "accepté", "accepted", "CONFIRMED" },
    { "completed", "réalisé", "done", "CONFIRMED" },
    { "confirmed", "confirmé", "confirmed", "CONFIRMED" },
  };

  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (status && strcmp (status, table[i].status) == 0) {
      *ical_status = table[i].ical;
      return english ? table[i].en : table[i].fr;
    }
  }
  *ical_status = NULL;
  return status ? status : "";
}

/* One service booking as an event: [start, start + duration_minutes). */
static bool
mt_calendar_add_booking (mt_calendar_feed_t *feed, const bson_t *booking, bool as_requester,
                         mt_error_t *error)
{
  const char *id = mt_bson_str (booking, "id");
  const char *other_id =
    mt_bson_str (booking, as_requester ? "provider_member_id" : "requester_member_id");
  const char *ical_status = NULL;
  const char *status;
  const char *title;
  const char *other;
  mt_calendar_name_t listing;
  mt_calendar_name_t member;
  char uid[MT_CALENDAR_UID_SIZE];
  char seed[128];
  char summary[MT_CALENDAR_TEXT_MAX];
  char description[MT_CALENDAR_TEXT_MAX];
  int64_t start_ms;
  int64_t minutes = mt_bson_int (booking, "duration_minutes", 0);
  int64_t end_ms;
  int seed_len;
  mt_ical_event_t event;

  if (!id || !mt_calendar_instant (booking, "start", &start_ms) || minutes <= 0 ||
      minutes > MT_CALENDAR_DAY_MS / 60000 * 7 || start_ms < MT_ICAL_TIME_MIN ||
      start_ms > MT_ICAL_TIME_MAX - minutes * 60000) {
    MT_WARN ("booking %s: malformed, left out of a calendar feed", id ? id : "?");
    return true;
  }
  end_ms = start_ms + minutes * 60000;
  if (end_ms <= feed->ctx->now_ms - MT_CALENDAR_PAST_DAYS * MT_CALENDAR_DAY_MS) {
    return true;
  }
  if (!mt_calendar_name (feed->ctx, feed->names, true, mt_bson_str (booking, "listing_id"),
                         &listing, error) ||
      !mt_calendar_name (feed->ctx, feed->names, false, other_id, &member, error)) {
    return false;
  }
  status =
    mt_calendar_booking_status_label (mt_bson_str (booking, "status"), feed->english, &ical_status);
  title = listing.found ? listing.name : feed->english ? "deleted listing" : "annonce supprimée";
  other = member.found ? member.name : "?";
  if (feed->english) {
    snprintf (summary, sizeof summary, "%s: %s (%s)",
              as_requester ? "Service received" : "Service given", title, other);
    snprintf (description, sizeof description, "Status: %s\n%s: %s\nBooking: %s", status,
              as_requester ? "Provider" : "Requester", other, id);
  } else {
    snprintf (summary, sizeof summary, "%s : %s (%s)",
              as_requester ? "Service reçu" : "Service rendu", title, other);
    snprintf (description, sizeof description, "Statut : %s\n%s : %s\nRéservation de service : %s",
              status, as_requester ? "Prestataire" : "Demandeur", other, id);
  }
  seed_len = snprintf (seed, sizeof seed, "booking\n%s", id);
  mt_calendar_uid (seed, (size_t) seed_len < sizeof seed ? (size_t) seed_len : sizeof seed - 1,
                   uid);
  event = (mt_ical_event_t){
    .uid = uid,
    .start_ms = start_ms,
    .end_ms = end_ms,
    .summary = summary,
    .description = description,
    .location = listing.location[0] ? listing.location : NULL,
    .status = ical_status,
  };
  if (!mt_ical_add_event (feed->ical, &event, error)) {
    return false;
  }
  feed->events++;
  return true;
}

/* Every shown service booking of @member_id in one role. */
static bool
mt_calendar_add_booking_role (mt_calendar_feed_t *feed, const char *member_id, bool as_requester,
                              mt_error_t *error)
{
  static const char *const shown[] = { "requested", "accepted", "completed", "confirmed", NULL };
  char cursor[MT_STORE_CURSOR_MAX] = "";
  size_t scanned = 0;
  bool ok = false;

  if (!feed->ctx->store->ops->booking_list) {
    return true; /* a store without bookings */
  }
  do {
    mt_store_page_t page;
    mt_store_booking_query_t query = {
      .requester_member_id = as_requester ? member_id : NULL,
      .provider_member_id = as_requester ? NULL : member_id,
      .statuses = shown,
      .cursor = cursor[0] ? cursor : NULL,
      .limit = MT_STORE_PAGE_MAX,
    };
    bson_iter_t it;
    bool page_ok = true;

    if (!feed->ctx->store->ops->booking_list (feed->ctx->store, &query, &page, error)) {
      mt_store_page_destroy (&page);
      goto done;
    }
    if (bson_iter_init (&it, &page.items)) {
      while (page_ok && bson_iter_next (&it) && feed->events < MT_CALENDAR_EVENTS_MAX) {
        const uint8_t *data;
        uint32_t len;
        bson_t booking;
        if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
          continue;
        }
        bson_iter_document (&it, &len, &data);
        if (bson_init_static (&booking, data, len)) {
          page_ok = mt_calendar_add_booking (feed, &booking, as_requester, error);
        }
      }
    }
    scanned += page.count;
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
    if (!page_ok) {
      goto done;
    }
  } while (cursor[0] && scanned < MT_CALENDAR_SCAN_MAX && feed->events < MT_CALENDAR_EVENTS_MAX);
  ok = true;
done:
  return ok;
}

/* The account holding the secret in @token ("<secret>.ics"), which must still be allowed a
 * feed, and its member. */
static bool
mt_calendar_find_account (const mt_ctx_t *ctx, const char *token, bson_t *account, bson_t *member,
                          mt_error_t *error)
{
  char secret[MT_CALENDAR_SECRET_LEN + 1];
  char hash[MT_CALENDAR_HASH_HEX_SIZE];
  size_t len = token ? strlen (token) : 0;
  size_t suffix = strlen (MT_CALENDAR_PATH_SUFFIX);
  const char *stored_hash;
  const char *member_status;
  mt_error_t store_error = { 0 };
  bool ok = false;

  bson_init (account);
  bson_init (member);
  secret[0] = '\0';
  if (len != MT_CALENDAR_SECRET_LEN + suffix ||
      memcmp (token + MT_CALENDAR_SECRET_LEN, MT_CALENDAR_PATH_SUFFIX, suffix) != 0) {
    mt_calendar_not_found (error);
    goto done;
  }
  memcpy (secret, token, MT_CALENDAR_SECRET_LEN);
  secret[MT_CALENDAR_SECRET_LEN] = '\0';
  mt_calendar_secret_hash (secret, hash);
  bson_destroy (account);
  if (!ctx->store->ops->account_find_by_calendar_token (ctx->store, hash, account, &store_error)) {
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_calendar_not_found (error);
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  stored_hash = mt_bson_str (account, MT_CALENDAR_FIELD_HASH);
  if (!stored_hash || strlen (stored_hash) != MT_CALENDAR_HASH_HEX_SIZE - 1 ||
      sodium_memcmp (stored_hash, hash, MT_CALENDAR_HASH_HEX_SIZE - 1) != 0 ||
      !mt_bson_str_eq (account, "status", "active") || !mt_bson_str (account, "member_id")) {
    mt_calendar_not_found (error);
    goto done;
  }
  bson_destroy (member);
  if (!ctx->store->ops->member_get (ctx->store, mt_bson_str (account, "member_id"), member,
                                    &store_error)) {
    if (store_error.code == MT_ERR_NOT_FOUND) {
      mt_calendar_not_found (error);
    } else {
      mt_error_copy (error, &store_error);
    }
    goto done;
  }
  member_status = mt_bson_str (member, "status");
  if (!member_status ||
      (strcmp (member_status, "active") != 0 && strcmp (member_status, "pending") != 0)) {
    mt_calendar_not_found (error);
    goto done;
  }
  ok = true;
done:
  sodium_memzero (secret, sizeof secret);
  if (!ok) {
    bson_reinit (account);
    bson_reinit (member);
  }
  return ok;
}

bool
mt_calendar_account_feed (const mt_ctx_t *ctx, const char *token, char **ics_out, size_t *len_out,
                          mt_error_t *error)
{
  bson_t account;
  bson_t member;
  mt_ical_t ical;
  mt_calendar_names_t *names = NULL;
  mt_calendar_feed_t feed;
  char name[512];
  const char *member_name;
  bool english;
  bool ok = false;

  *ics_out = NULL;
  *len_out = 0;
  memset (&ical, 0, sizeof ical);
  if (!mt_calendar_find_account (ctx, token, &account, &member, error)) {
    goto done;
  }
  names = calloc (1, sizeof *names);
  if (!names) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_INTERNAL, "mémoire insuffisante",
                  "out of memory");
    goto done;
  }
  english = mt_bson_str_eq (&account, "lang", "en");
  member_name = mt_bson_str (&member, "name");
  snprintf (name, sizeof name,
            english ? "mutua: my reservations (%s)" : "mutua : mes réservations (%s)",
            member_name ? member_name : "?");
  mt_ical_begin (&ical, MT_CALENDAR_MAX_BYTES, name, ctx->now_ms);
  feed = (mt_calendar_feed_t){ .ctx = ctx, .ical = &ical, .names = names, .english = english };
  if (!mt_calendar_add_role (&feed, mt_bson_str (&account, "member_id"), true, error) ||
      !mt_calendar_add_role (&feed, mt_bson_str (&account, "member_id"), false, error) ||
      !mt_calendar_add_booking_role (&feed, mt_bson_str (&account, "member_id"), true, error) ||
      !mt_calendar_add_booking_role (&feed, mt_bson_str (&account, "member_id"), false, error)) {
    goto done;
  }
  ok = mt_ical_finish (&ical, ics_out, len_out, error);
done:
  free (names);
  mt_ical_destroy (&ical);
  bson_destroy (&account);
  bson_destroy (&member);
  return ok;
}
