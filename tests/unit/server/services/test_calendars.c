/*
 * Unit tests of services/calendars.c against a real SQLite store: the listing feed (busy
 * segments and blackouts over the window, no personal data, hashed stable UIDs, visibility),
 * the secret address (created once and shown again, stored as the secret and its hash, public
 * URL, revocation) and the account feed (both roles, statuses, window, language, every kind
 * of refused secret).
 */
#include "members_fixture.h"

#include "calendars.h"
#include "listings.h"
#include "mt_json.h"
#include "mt_time.h"

#include <sodium.h>

#define DAY INT64_C (86400000)

/* ---- Helpers ------------------------------------------------------------------------------ */

static void
jdoc (const char *text, bson_t *out)
{
  char buf[4096];
  size_t len = strlen (text);
  mt_error_t error;

  assert_true (len < sizeof buf);
  for (size_t i = 0; i <= len; i++) {
    buf[i] = text[i] == '\'' ? '"' : text[i];
  }
  if (!mt_json_parse_object (buf, len, MT_JSON_STRICT, out, &error)) {
    fail_msg ("bad test JSON (%s): %s", error.message, buf);
  }
}

static int64_t
at (const char *rfc3339)
{
  int64_t ms = 0;
  assert_true (mt_time_parse_rfc3339 (rfc3339, strlen (rfc3339), &ms));
  return ms;
}

typedef struct {
  char net1[MT_ID_SIZE], net2[MT_ID_SIZE];
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE];                      /* the lender */
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE], b_staff[MT_ID_SIZE]; /* the borrower */
  char c[MT_ID_SIZE], c_manager[MT_ID_SIZE];                      /* net2 only */
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];
  char a_name[64], b_name[64];
  char bike[MT_ID_SIZE]; /* A's good, networks only, quantity 2 */
  char tent[MT_ID_SIZE]; /* B's good, public */
} world_t;

static void
member_name (fx_t *fx, const char *id, char out[64])
{
  bson_t member;
  fx_get (fx, false, id, &member);
  snprintf (out, 64, "%s", mt_bson_str (&member, "name"));
  bson_destroy (&member);
}

static void
create_listing (fx_t *fx, const char *account, const char *text, char id[MT_ID_SIZE])
{
  fx_caller_t caller;
  bson_t body;
  bson_t out;

  fx_caller (fx, account, &caller);
  jdoc (text, &body);
  OK (mt_listing_create (&caller.ctx, &body, &out, id, &fx_err));
  bson_destroy (&out);
  bson_destroy (&body);
  fx_caller_destroy (&caller);
}

static void
make_world (fx_t *fx, world_t *w)
{
  fx_network (fx, "apes", w->net1);
  fx_network (fx, "mres", w->net2);
  {
    const char *const n1[] = { w->net1, NULL };
    const char *const n2[] = { w->net2, NULL };
    fx_member (fx, "active", NULL, n1, w->a, w->a_manager);
    fx_member (fx, "active", NULL, n1, w->b, w->b_manager);
    fx_account (fx, w->b, "staff", "active", NULL, w->b_staff);
    fx_member (fx, "active", NULL, n2, w->c, w->c_manager);
    fx_member (fx, "active", "platform", NULL, w->adm, w->admin);
  }
  member_name (fx, w->a, w->a_name);
  member_name (fx, w->b, w->b_name);
  create_listing (fx, w->a_manager,
                  "{'kind':'good','title':'Vélo cargo biporteur','category':'velos-cargo',"
                  "'visibility':'networks','status':'published','quantity':2,"
                  "'territory':{'departement':'59','commune':'Roubaix'},"
                  "'blackouts':[{'start':'2026-07-14T00:00:00Z','end':'2026-07-16T00:00:00Z',"
                  "'reason':'Fête du quartier'}]}",
                  w->bike);
  create_listing (fx, w->b_manager,
                  "{'kind':'good','title':'Tente de réception 3x6','category':'tentes-barnums',"
                  "'visibility':'public','status':'published'}",
                  w->tent);
}

/* Writes the calendar of @listing_id with @count entries {reservation_id, start, end, units}. */
typedef struct {
  const char *reservation_id;
  const char *start, *end;
  int units;
} entry_t;

static void
put_calendar (fx_t *fx, const char *listing_id, const entry_t *entries, size_t count)
{
  bson_t doc = BSON_INITIALIZER;
  bson_t array;
  mt_error_t error;

  BSON_APPEND_UTF8 (&doc, "listing_id", listing_id);
  BSON_APPEND_INT64 (&doc, "version", 0);
  BSON_APPEND_ARRAY_BEGIN (&doc, "entries", &array);
  for (size_t i = 0; i < count; i++) {
    bson_t entry;
    char key[16];
    snprintf (key, sizeof key, "%zu", i);
    BSON_APPEND_DOCUMENT_BEGIN (&array, key, &entry);
    BSON_APPEND_UTF8 (&entry, "reservation_id", entries[i].reservation_id);
    BSON_APPEND_DATE_TIME (&entry, "start", at (entries[i].start));
    BSON_APPEND_DATE_TIME (&entry, "end", at (entries[i].end));
    BSON_APPEND_INT32 (&entry, "units", entries[i].units);
    BSON_APPEND_DATE_TIME (&entry, "created_at", FX_NOW_MS - DAY);
    bson_append_document_end (&array, &entry);
  }
  bson_append_array_end (&doc, &array);
  if (!fx->store->ops->calendar_put (fx->store, listing_id, 0, &doc, &error)) {
    fail_msg ("calendar_put: %s", error.message);
  }
  bson_destroy (&doc);
}

/* A reservation written straight to the store; its id to @id. */
static void
put_reservation (fx_t *fx, const char *listing_id, const char *title, const char *owner,
                 const char *borrower, const char *requested_by, const char *status,
                 const char *start, const char *end, int units, char id[MT_ID_SIZE])
{
  bson_t doc = BSON_INITIALIZER;
  bson_t history;
  mt_error_t error;
  static unsigned n;

  mt_id_new ("res", id);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_INT64 (&doc, "version", 1);
  BSON_APPEND_UTF8 (&doc, "listing_id", listing_id);
  BSON_APPEND_UTF8 (&doc, "listing_title", title);
  BSON_APPEND_UTF8 (&doc, "owner_member_id", owner);
  BSON_APPEND_UTF8 (&doc, "borrower_member_id", borrower);
  BSON_APPEND_UTF8 (&doc, "requested_by", requested_by);
  BSON_APPEND_DATE_TIME (&doc, "start", at (start));
  BSON_APPEND_DATE_TIME (&doc, "end", at (end));
  BSON_APPEND_INT32 (&doc, "units", units);
  BSON_APPEND_UTF8 (&doc, "message", "Bonjour, ce serait pour la fête de l'école. Merci !");
  BSON_APPEND_UTF8 (&doc, "status", status);
  BSON_APPEND_DATE_TIME (&doc, "created_at", FX_CREATED_MS (100 + n++));
  BSON_APPEND_DATE_TIME (&doc, "updated_at", FX_NOW_MS - DAY);
  BSON_APPEND_ARRAY_BEGIN (&doc, "history", &history);
  bson_append_array_end (&doc, &history);
  if (!fx->store->ops->reservation_insert (fx->store, &doc, &error)) {
    fail_msg ("reservation_insert: %s", error.message);
  }
  bson_destroy (&doc);
}

/* A service booking written straight to the store; its id to @id. */
static void
put_booking (fx_t *fx, const char *listing_id, const char *title, const char *provider,
             const char *requester, const char *status, const char *start, int32_t minutes,
             char id[MT_ID_SIZE])
{
  bson_t doc = BSON_INITIALIZER;
  bson_t history;
  mt_error_t error;

  mt_id_new ("bkg", id);
  BSON_APPEND_UTF8 (&doc, "id", id);
  BSON_APPEND_INT64 (&doc, "version", 1);
  BSON_APPEND_UTF8 (&doc, "listing_id", listing_id);
  BSON_APPEND_UTF8 (&doc, "listing_title", title);
  BSON_APPEND_UTF8 (&doc, "provider_member_id", provider);
  BSON_APPEND_UTF8 (&doc, "requester_member_id", requester);
  BSON_APPEND_UTF8 (&doc, "requested_by", "acc_unused");
  BSON_APPEND_DATE_TIME (&doc, "start", at (start));
  BSON_APPEND_INT32 (&doc, "duration_minutes", minutes);
  BSON_APPEND_UTF8 (&doc, "message", "Pour notre assemblée générale de juin");
  BSON_APPEND_INT32 (&doc, "rate", 0);
  BSON_APPEND_UTF8 (&doc, "status", status);
  BSON_APPEND_DATE_TIME (&doc, "created_at", FX_NOW_MS - DAY);
  BSON_APPEND_DATE_TIME (&doc, "updated_at", FX_NOW_MS - DAY);
  BSON_APPEND_ARRAY_BEGIN (&doc, "history", &history);
  bson_append_array_end (&doc, &history);
  if (!fx->store->ops->booking_insert (fx->store, &doc, &error)) {
    fail_msg ("booking_insert: %s", error.message);
  }
  bson_destroy (&doc);
}

/* Unfolds @ics into a malloc'd string, checking every physical line on the way: CRLF only,
 * at most 75 octets. */
static char *
unfold_checked (const char *ics, size_t len)
{
  char *out = malloc (len + 1);
  size_t o = 0;
  size_t line_start = 0;

  assert_non_null (out);
  assert_int_equal (strlen (ics), len);
  for (size_t i = 0; i < len; i++) {
    if (ics[i] == '\n') {
      fail_msg ("bare LF at %zu", i);
    }
    if (ics[i] == '\r') {
      assert_true (i + 1 < len && ics[i + 1] == '\n');
      assert_true (i - line_start <= 75);
      line_start = i + 2;
      if (i + 2 < len && ics[i + 2] == ' ') {
        i += 2; /* a fold */
        continue;
      }
      out[o++] = '\r';
      out[o++] = '\n';
      i++;
      continue;
    }
    out[o++] = ics[i];
  }
  assert_int_equal (line_start, len);
  out[o] = '\0';
  return out;
}

static size_t
count (const char *text, const char *needle)
{
  size_t n = 0;
  for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle)) {
    n++;
  }
  return n;
}

/* The value of the @index-th line starting with @name ("UID:"), in @out. */
static void
nth_value (const char *text, const char *name, size_t index, char *out, size_t size)
{
  const char *p = text;
  size_t name_len = strlen (name);

  for (size_t i = 0;; i++) {
    p = strstr (p, name);
    assert_non_null (p);
    if (p == text || p[-1] == '\n') {
      if (index == 0) {
        const char *end = strstr (p, "\r\n");
        snprintf (out, size, "%.*s", (int) (end - p - (ptrdiff_t) name_len), p + name_len);
        return;
      }
      index--;
    }
    p += name_len;
    (void) i;
  }
}

static char *
listing_feed (fx_t *fx, const char *account, const char *listing_id)
{
  fx_caller_t caller;
  char *ics = NULL;
  size_t len = 0;
  char *flat;

  fx_caller (fx, account, &caller);
  OK (mt_calendar_listing_feed (&caller.ctx, listing_id, &ics, &len, &fx_err));
  flat = unfold_checked (ics, len);
  free (ics);
  fx_caller_destroy (&caller);
  return flat;
}

/* The secret part ("<secret>.ics") of @account's calendar address (created when needed). */
static void
feed_token (fx_t *fx, const char *account, char token[64])
{
  fx_caller_t caller;
  bson_t answer;
  const char *path;

  fx_caller (fx, account, &caller);
  OK (mt_calendar_url_get (&caller.ctx, &answer, NULL, &fx_err));
  path = mt_bson_str (&answer, "path");
  assert_non_null (path);
  assert_int_equal (strncmp (path, "/v1/calendars/", 14), 0);
  snprintf (token, 64, "%s", path + 14);
  bson_destroy (&answer);
  fx_caller_destroy (&caller);
}

static mt_ctx_t
anonymous (fx_t *fx)
{
  return (mt_ctx_t){ .store = fx->store, .now_ms = FX_NOW_MS, .client_addr = "127.0.0.1" };
}

static char *
account_feed (fx_t *fx, const char *token)
{
  mt_ctx_t ctx = anonymous (fx);
  char *ics = NULL;
  size_t len = 0;
  char *flat;

  OK (mt_calendar_account_feed (&ctx, token, &ics, &len, &fx_err));
  flat = unfold_checked (ics, len);
  free (ics);
  return flat;
}

static void
account_feed_not_found (fx_t *fx, const char *token)
{
  mt_ctx_t ctx = anonymous (fx);
  char *ics = (char *) NULL;
  size_t len = 1;

  FAILS (mt_calendar_account_feed (&ctx, token, &ics, &len, &fx_err), MT_ERR_NOT_FOUND);
  assert_null (ics);
  assert_int_equal (len, 0);
}

/* ---- Listing feed ------------------------------------------------------------------------- */

static void
listing_feed_shows_busy_periods_without_personal_data (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char r1[MT_ID_SIZE], r2[MT_ID_SIZE], r3[MT_ID_SIZE], r4[MT_ID_SIZE], r5[MT_ID_SIZE];
  char *ics;
  char *again;
  char value[256];

  make_world (fx, &w);
  put_reservation (fx, w.bike, "Vélo cargo biporteur", w.a, w.b, w.b_manager, "approved",
                   "2026-06-20T10:00:00Z", "2026-06-22T10:00:00Z", 1, r1);
  put_reservation (fx, w.bike, "Vélo cargo biporteur", w.a, w.b, w.b_staff, "requested",
                   "2026-06-21T10:00:00Z", "2026-06-23T10:00:00Z", 1, r2);
  mt_id_new ("res", r3);
  mt_id_new ("res", r4);
  mt_id_new ("res", r5);
  {
    const entry_t entries[] = {
      { r1, "2026-06-20T10:00:00Z", "2026-06-22T10:00:00Z", 1 },
      { r2, "2026-06-21T10:00:00Z", "2026-06-23T10:00:00Z", 1 },
      { r3, "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z", 1 }, /* before the window */
      { r4, "2027-07-01T00:00:00Z", "2027-07-02T00:00:00Z", 1 }, /* after it */
      { r5, "2027-06-10T00:00:00Z", "2027-06-20T00:00:00Z", 2 }, /* across its end */
    };
    put_calendar (fx, w.bike, entries, sizeof entries / sizeof entries[0]);
  }

  ics = listing_feed (fx, w.b_manager, w.bike);
  assert_int_equal (
    strncmp (ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//mutua//mutua//FR\r\n", 56), 0);
  assert_non_null (strstr (ics, "\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"));
  assert_non_null (strstr (ics, "\r\nX-WR-CALNAME:Vélo cargo biporteur\r\n"));
  /* Three segments of the two overlapping loans, the blackout, the clipped loan. */
  assert_int_equal (count (ics, "BEGIN:VEVENT\r\n"), 5);
  assert_int_equal (count (ics, "END:VEVENT\r\n"), 5);
  assert_int_equal (count (ics, "\r\nSUMMARY:Réservé / Booked\r\n"), 4);
  assert_int_equal (count (ics, "\r\nSUMMARY:Indisponible / Unavailable\r\n"), 1);
  nth_value (ics, "DTSTART:", 0, value, sizeof value);
  assert_string_equal (value, "20260620T100000Z");
  nth_value (ics, "DTEND:", 0, value, sizeof value);
  assert_string_equal (value, "20260621T100000Z");
  nth_value (ics, "DESCRIPTION:", 0, value, sizeof value);
  assert_string_equal (value, "1 unité(s) sur 2 réservée(s) / 1 of 2 units booked");
  nth_value (ics, "DTSTART:", 1, value, sizeof value);
  assert_string_equal (value, "20260621T100000Z");
  nth_value (ics, "DESCRIPTION:", 1, value, sizeof value);
  assert_string_equal (value, "2 unité(s) sur 2 réservée(s) / 2 of 2 units booked");
  nth_value (ics, "DTEND:", 2, value, sizeof value);
  assert_string_equal (value, "20260623T100000Z");
  nth_value (ics, "DTSTART:", 3, value, sizeof value);
  assert_string_equal (value, "20260714T000000Z");
  nth_value (ics, "DTSTART:", 4, value, sizeof value);
  assert_string_equal (value, "20270610T000000Z");
  nth_value (ics, "DTEND:", 4, value, sizeof value);
  assert_string_equal (value, "20270612T090000Z"); /* now + 365 days */
  nth_value (ics, "DTSTAMP:", 0, value, sizeof value);
  assert_string_equal (value, "20260612T090000Z");
  /* Nothing about the people or the reservations. */
  assert_null (strstr (ics, r1));
  assert_null (strstr (ics, r2));
  assert_null (strstr (ics, w.b));
  assert_null (strstr (ics, w.b_name));
  assert_null (strstr (ics, w.b_manager));
  assert_null (strstr (ics, "Bonjour"));
  assert_null (strstr (ics, "Fête du quartier"));
  /* UIDs: hashes, distinct, stable from one fetch to the next. */
  for (size_t i = 0; i < 5; i++) {
    char other[256];
    nth_value (ics, "UID:", i, value, sizeof value);
    assert_int_equal (strlen (value), 32 + strlen ("@mutua"));
    assert_string_equal (value + 32, "@mutua");
    for (size_t j = 0; j < i; j++) {
      nth_value (ics, "UID:", j, other, sizeof other);
      assert_string_not_equal (value, other);
    }
  }
  again = listing_feed (fx, w.a_manager, w.bike);
  assert_string_equal (again, ics);
  free (again);
  free (ics);
}

static void
listing_feed_follows_listing_visibility (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t caller;
  mt_ctx_t anon = anonymous (fx);
  char *ics = NULL;
  size_t len = 0;
  char service[MT_ID_SIZE];
  char draft[MT_ID_SIZE];

  make_world (fx, &w);
  /* Networks only: not for anonymous callers nor for members of other networks. */
  FAILS (mt_calendar_listing_feed (&anon, w.bike, &ics, &len, &fx_err), MT_ERR_NOT_FOUND);
  assert_null (ics);
  fx_caller (fx, w.c_manager, &caller);
  FAILS (mt_calendar_listing_feed (&caller.ctx, w.bike, &ics, &len, &fx_err), MT_ERR_NOT_FOUND);
  fx_caller_destroy (&caller);
  FAILS (mt_calendar_listing_feed (&anon, "lst_AAAAAAAAAAAAAAAAAAAAAA", &ics, &len, &fx_err),
         MT_ERR_NOT_FOUND);
  /* Public: anyone, with an empty calendar when nothing is booked. */
  OK (mt_calendar_listing_feed (&anon, w.tent, &ics, &len, &fx_err));
  assert_non_null (strstr (ics, "X-WR-CALNAME:Tente de réception 3x6\r\n"));
  assert_null (strstr (ics, "BEGIN:VEVENT"));
  assert_non_null (strstr (ics, "END:VCALENDAR\r\n"));
  free (ics);
  ics = NULL;
  /* The administrator sees everything. */
  free (listing_feed (fx, w.admin, w.bike));
  /* A draft only for its owner; a service has no calendar. */
  create_listing (fx, w.a_manager,
                  "{'kind':'good','title':'Remorque','category':'velos-cargo',"
                  "'visibility':'public','status':'draft'}",
                  draft);
  FAILS (mt_calendar_listing_feed (&anon, draft, &ics, &len, &fx_err), MT_ERR_NOT_FOUND);
  free (listing_feed (fx, w.a_manager, draft));
  create_listing (fx, w.a_manager,
                  "{'kind':'service','title':'Animation de réunion',"
                  "'category':'animation-facilitation','visibility':'public',"
                  "'status':'published'}",
                  service);
  FAILS (mt_calendar_listing_feed (&anon, service, &ics, &len, &fx_err), MT_ERR_UNPROCESSABLE);
  assert_null (ics);
}

/* ---- The secret address ------------------------------------------------------------------- */

static void
address_is_created_once_shown_again_and_revoked (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t caller;
  bson_t first;
  bson_t second;
  bson_t account;
  bson_t found;
  bool created = false;
  const char *path;
  char secret[64];
  char hash[MT_CALENDAR_HASH_HEX_SIZE];
  char old_token[64];
  char new_token[64];
  mt_error_t error;

  make_world (fx, &w);
  fx_caller (fx, w.b_manager, &caller);
  OK (mt_calendar_url_get (&caller.ctx, &first, &created, &fx_err));
  assert_true (created);
  path = mt_bson_str (&first, "path");
  assert_non_null (path);
  assert_int_equal (strlen (path), strlen ("/v1/calendars/") + 43 + strlen (".ics"));
  assert_int_equal (strncmp (path, "/v1/calendars/", 14), 0);
  assert_string_equal (path + 14 + 43, ".ics");
  for (size_t i = 14; i < 14 + 43; i++) {
    assert_true (
      strchr ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", path[i]) != NULL);
  }
  /* No public_url configured: the address is the path. */
  assert_string_equal (mt_bson_str (&first, "url"), path);
  assert_int_equal (mt_bson_date (&first, "created_at", 0), FX_NOW_MS);
  snprintf (secret, sizeof secret, "%.43s", path + 14);
  snprintf (old_token, sizeof old_token, "%s", path + 14);

  /* Stored: the secret, its BLAKE2b-256 in hex, the creation time. */
  fx_get (fx, true, w.b_manager, &account);
  mt_calendar_secret_hash (secret, hash);
  {
    unsigned char digest[32];
    char expected[65];
    crypto_generichash (digest, sizeof digest, (const unsigned char *) secret, 43, NULL, 0);
    sodium_bin2hex (expected, sizeof expected, digest, sizeof digest);
    assert_string_equal (hash, expected);
  }
  assert_string_equal (mt_bson_str (&account, "calendar_token_hash"), hash);
  assert_string_equal (mt_bson_str (&account, "calendar_token"), secret);
  bson_destroy (&account);
  assert_true (fx->store->ops->account_find_by_calendar_token (fx->store, hash, &found, &error));
  assert_string_equal (mt_bson_str (&found, "id"), w.b_manager);
  bson_destroy (&found);

  /* Shown again, unchanged. */
  OK (mt_calendar_url_get (&caller.ctx, &second, &created, &fx_err));
  assert_false (created);
  assert_string_equal (mt_bson_str (&second, "path"), path);
  bson_destroy (&second);
  free (account_feed (fx, old_token));

  /* Another account of the same member has its own address. */
  feed_token (fx, w.b_staff, new_token);
  assert_string_not_equal (new_token, old_token);

  /* Revoked: the old address is gone, revoking again is fine, the next GET makes another. */
  OK (mt_calendar_url_revoke (&caller.ctx, &fx_err));
  fx_get (fx, true, w.b_manager, &account);
  assert_false (mt_bson_has (&account, "calendar_token"));
  assert_false (mt_bson_has (&account, "calendar_token_hash"));
  assert_false (mt_bson_has (&account, "calendar_token_created_at"));
  bson_destroy (&account);
  assert_false (fx->store->ops->account_find_by_calendar_token (fx->store, hash, &found, &error));
  assert_int_equal (error.code, MT_ERR_NOT_FOUND);
  bson_destroy (&found);
  account_feed_not_found (fx, old_token);
  OK (mt_calendar_url_revoke (&caller.ctx, &fx_err));
  OK (mt_calendar_url_get (&caller.ctx, &second, &created, &fx_err));
  assert_true (created);
  assert_string_not_equal (mt_bson_str (&second, "path"), path);
  bson_destroy (&second);
  account_feed_not_found (fx, old_token);
  free (account_feed (fx, new_token)); /* the colleague's address was not touched */
  bson_destroy (&first);
  fx_caller_destroy (&caller);

  /* Anonymous callers have no address. */
  {
    mt_ctx_t anon = anonymous (fx);
    FAILS (mt_calendar_url_get (&anon, &first, NULL, &fx_err), MT_ERR_UNAUTHENTICATED);
    bson_destroy (&first);
    FAILS (mt_calendar_url_revoke (&anon, &fx_err), MT_ERR_UNAUTHENTICATED);
  }
}

static void
address_uses_the_public_url (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t caller;
  mt_config_t config;
  mt_service_env_t env;
  bson_t answer;
  char expected[256];

  make_world (fx, &w);
  memset (&config, 0, sizeof config);
  memset (&env, 0, sizeof env);
  snprintf (config.public_url, sizeof config.public_url, "https://mutua.example.org/");
  env.config = &config;
  fx_caller (fx, w.a_manager, &caller);
  caller.ctx.env = &env;
  OK (mt_calendar_url_get (&caller.ctx, &answer, NULL, &fx_err));
  snprintf (expected, sizeof expected, "https://mutua.example.org%s",
            mt_bson_str (&answer, "path"));
  assert_string_equal (mt_bson_str (&answer, "url"), expected);
  bson_destroy (&answer);
  fx_caller_destroy (&caller);
}

/* ---- Account feed ------------------------------------------------------------------------- */

static void
account_feed_lists_both_roles_with_the_other_party (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char r1[MT_ID_SIZE], r2[MT_ID_SIZE], r3[MT_ID_SIZE], r4[MT_ID_SIZE], r5[MT_ID_SIZE],
    r6[MT_ID_SIZE], r7[MT_ID_SIZE];
  char token_b[64], token_a[64], token_staff[64];
  char expected[512];
  char *ics;
  bson_t staff;
  bson_t updated;

  make_world (fx, &w);
  put_reservation (fx, w.bike, "Vélo cargo biporteur", w.a, w.b, w.b_manager, "requested",
                   "2026-06-20T10:00:00Z", "2026-06-22T10:00:00Z", 1, r1);
  put_reservation (fx, w.bike, "Vélo cargo biporteur", w.a, w.b, w.b_staff, "approved",
                   "2026-06-24T08:00:00Z", "2026-06-26T18:30:00Z", 2, r2);
  put_reservation (fx, w.bike, "Vélo cargo biporteur", w.a, w.b, w.b_manager, "cancelled",
                   "2026-06-27T10:00:00Z", "2026-06-28T10:00:00Z", 1, r3);
  put_reservation (fx, w.bike, "Vélo cargo biporteur", w.a, w.b, w.b_manager, "closed",
                   "2026-01-03T10:00:00Z", "2026-01-05T10:00:00Z", 1, r4); /* too old */
  put_reservation (fx, w.bike, "Vélo cargo biporteur", w.a, w.b, w.b_manager, "returned",
                   "2026-05-28T10:00:00Z", "2026-06-01T10:00:00Z", 1, r5);
  put_reservation (fx, w.tent, "Tente de réception 3x6", w.b, w.a, w.a_manager, "checked_out",
                   "2026-06-10T10:00:00Z", "2026-06-14T10:00:00Z", 1, r6);
  /* Someone else's reservation. */
  put_reservation (fx, w.tent, "Tente de réception 3x6", w.b, w.c, w.c_manager, "approved",
                   "2026-06-15T10:00:00Z", "2026-06-16T10:00:00Z", 1, r7);

  feed_token (fx, w.b_manager, token_b);
  ics = account_feed (fx, token_b);
  assert_int_equal (count (ics, "BEGIN:VEVENT\r\n"), 5); /* r1, r2, r5 borrowed; r6, r7 lent */
  assert_non_null (strstr (ics, "X-WR-CALNAME:mutua : mes réservations ("));
  snprintf (expected, sizeof expected, "\r\nSUMMARY:Emprunt : Vélo cargo biporteur (%s)\r\n",
            w.a_name);
  assert_int_equal (count (ics, expected), 3);
  assert_int_equal (count (ics, "\r\nSUMMARY:Prêt : Tente de réception 3x6 ("), 2);
  assert_int_equal (count (ics, "\r\nSTATUS:TENTATIVE\r\n"), 1);
  assert_int_equal (count (ics, "\r\nSTATUS:CONFIRMED\r\n"), 4);
  assert_int_equal (count (ics, "\r\nLOCATION:Roubaix (59)\r\n"), 3);
  assert_non_null (strstr (ics, "\r\nDTSTART:20260624T080000Z\r\nDTEND:20260626T183000Z\r\n"));
  snprintf (expected, sizeof expected,
            "\r\nDESCRIPTION:Statut : acceptée\\nUnités : 2\\nPrêteur : %s\\nRéservation : %s\r\n",
            w.a_name, r2);
  assert_non_null (strstr (ics, expected));
  assert_null (strstr (ics, r3)); /* cancelled */
  assert_null (strstr (ics, r4)); /* ended long ago */
  assert_null (strstr (ics, "Bonjour"));
  free (ics);

  /* The lender's side: the same loans seen from A, and A's own borrowing. */
  feed_token (fx, w.a_manager, token_a);
  ics = account_feed (fx, token_a);
  assert_int_equal (count (ics, "BEGIN:VEVENT\r\n"), 4); /* r1, r2, r5 lent; r6 borrowed */
  snprintf (expected, sizeof expected, "\r\nSUMMARY:Prêt : Vélo cargo biporteur (%s)\r\n",
            w.b_name);
  assert_int_equal (count (ics, expected), 3);
  snprintf (expected, sizeof expected, "\r\nSUMMARY:Emprunt : Tente de réception 3x6 (%s)\r\n",
            w.b_name);
  assert_int_equal (count (ics, expected), 1);
  assert_null (strstr (ics, r7)); /* between B and C */
  free (ics);

  /* In English for an account that reads English. */
  fx_get (fx, true, w.b_staff, &staff);
  {
    bson_t patch = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&patch, "lang", "en");
    mt_bson_merge (&staff, &patch, &updated);
    bson_destroy (&patch);
  }
  assert_true (fx->store->ops->account_update (
    fx->store, w.b_staff, mt_bson_int (&staff, "version", 0), &updated, &fx_err));
  bson_destroy (&staff);
  bson_destroy (&updated);
  feed_token (fx, w.b_staff, token_staff);
  ics = account_feed (fx, token_staff);
  assert_int_equal (count (ics, "BEGIN:VEVENT\r\n"), 5);
  snprintf (expected, sizeof expected, "\r\nSUMMARY:Borrowing: Vélo cargo biporteur (%s)\r\n",
            w.a_name);
  assert_int_equal (count (ics, expected), 3);
  assert_int_equal (count (ics, "\r\nSUMMARY:Lending: Tente de réception 3x6 ("), 2);
  assert_non_null (strstr (ics, "DESCRIPTION:Status: requested\\nUnits: 1\\nLender: "));
  free (ics);
}

static void
account_feed_lists_service_bookings_in_both_roles (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char service[MT_ID_SIZE];
  char k1[MT_ID_SIZE], k2[MT_ID_SIZE], k3[MT_ID_SIZE], k4[MT_ID_SIZE];
  char token_a[64], token_b[64], token_c[64];
  char expected[512];
  char *ics;

  make_world (fx, &w);
  create_listing (
    fx, w.a_manager,
    "{'kind':'service','title':'Animation de réunion','category':'animation-facilitation',"
    "'visibility':'networks','status':'published',"
    "'territory':{'departement':'59','commune':'Lille'}}",
    service);
  /* B asks A for a facilitation: requested, accepted, declined; one confirmed long ago. */
  put_booking (fx, service, "Animation de réunion", w.a, w.b, "requested", "2026-06-20T09:00:00Z",
               90, k1);
  put_booking (fx, service, "Animation de réunion", w.a, w.b, "accepted", "2026-06-25T14:00:00Z",
               120, k2);
  put_booking (fx, service, "Animation de réunion", w.a, w.b, "declined", "2026-06-26T14:00:00Z",
               60, k3);
  put_booking (fx, service, "Animation de réunion", w.a, w.b, "confirmed", "2026-01-10T14:00:00Z",
               60, k4); /* ended long ago */

  feed_token (fx, w.b_manager, token_b);
  ics = account_feed (fx, token_b);
  assert_int_equal (count (ics, "BEGIN:VEVENT\r\n"), 2);
  snprintf (expected, sizeof expected, "\r\nSUMMARY:Service reçu : Animation de réunion (%s)\r\n",
            w.a_name);
  assert_int_equal (count (ics, expected), 2);
  /* [start, start + duration) */
  assert_non_null (strstr (ics, "\r\nDTSTART:20260625T140000Z\r\nDTEND:20260625T160000Z\r\n"));
  assert_non_null (strstr (ics, "\r\nDTSTART:20260620T090000Z\r\nDTEND:20260620T103000Z\r\n"));
  assert_int_equal (count (ics, "\r\nSTATUS:TENTATIVE\r\n"), 1);
  assert_int_equal (count (ics, "\r\nSTATUS:CONFIRMED\r\n"), 1);
  assert_int_equal (count (ics, "\r\nLOCATION:Lille (59)\r\n"), 2);
  snprintf (expected, sizeof expected,
            "\r\nDESCRIPTION:Statut : accepté\\nPrestataire : %s\\nRéservation de service : %s\r\n",
            w.a_name, k2);
  assert_non_null (strstr (ics, expected));
  assert_null (strstr (ics, k3));          /* declined */
  assert_null (strstr (ics, k4));          /* too old */
  assert_null (strstr (ics, "assemblée")); /* the message stays private */
  free (ics);

  /* The provider's side. */
  feed_token (fx, w.a_manager, token_a);
  ics = account_feed (fx, token_a);
  assert_int_equal (count (ics, "BEGIN:VEVENT\r\n"), 2);
  snprintf (expected, sizeof expected, "\r\nSUMMARY:Service rendu : Animation de réunion (%s)\r\n",
            w.b_name);
  assert_int_equal (count (ics, expected), 2);
  free (ics);

  /* A third member sees none of it. */
  feed_token (fx, w.c_manager, token_c);
  ics = account_feed (fx, token_c);
  assert_int_equal (count (ics, "BEGIN:VEVENT\r\n"), 0);
  free (ics);
}

static void
account_feed_refuses_unknown_revoked_and_malformed_secrets (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char token[64];
  char other[80];

  make_world (fx, &w);
  feed_token (fx, w.a_manager, token);
  free (account_feed (fx, token));
  account_feed_not_found (fx, NULL);
  account_feed_not_found (fx, "");
  account_feed_not_found (fx, ".ics");
  snprintf (other, sizeof other, "%.43s", token); /* without .ics */
  account_feed_not_found (fx, other);
  snprintf (other, sizeof other, "%.43s.ICS", token);
  account_feed_not_found (fx, other);
  snprintf (other, sizeof other, "%.42s.ics", token); /* one character short */
  account_feed_not_found (fx, other);
  snprintf (other, sizeof other, "%sx", token);
  account_feed_not_found (fx, other);
  snprintf (other, sizeof other, "%s", token);
  other[0] = other[0] == 'A' ? 'B' : 'A'; /* another secret of the right shape */
  account_feed_not_found (fx, other);
  account_feed_not_found (fx, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics");
}

static void
account_feed_stops_with_the_account_or_its_member (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char token_b[64];
  char token_staff[64];
  bson_t doc;
  bson_t updated;
  bson_t patch = BSON_INITIALIZER;

  make_world (fx, &w);
  feed_token (fx, w.b_manager, token_b);
  feed_token (fx, w.b_staff, token_staff);
  free (account_feed (fx, token_b));

  /* A removed account. */
  fx_get (fx, true, w.b_staff, &doc);
  mt_account_anonymised (&doc, "removed", FX_NOW_MS, &updated);
  assert_true (fx->store->ops->account_update (
    fx->store, w.b_staff, mt_bson_int (&doc, "version", 0), &updated, &fx_err));
  bson_destroy (&doc);
  bson_destroy (&updated);
  account_feed_not_found (fx, token_staff);

  /* A suspended member. */
  fx_get (fx, false, w.b, &doc);
  BSON_APPEND_UTF8 (&patch, "status", "suspended");
  mt_bson_merge (&doc, &patch, &updated);
  assert_true (fx->store->ops->member_update (fx->store, w.b, mt_bson_int (&doc, "version", 0),
                                              &updated, &fx_err));
  bson_destroy (&doc);
  bson_destroy (&updated);
  bson_destroy (&patch);
  account_feed_not_found (fx, token_b);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    { "calendars/listing/busy_periods_without_personal_data",
      listing_feed_shows_busy_periods_without_personal_data, fx_setup, fx_teardown, NULL },
    { "calendars/listing/visibility", listing_feed_follows_listing_visibility, fx_setup,
      fx_teardown, NULL },
    { "calendars/address/created_shown_again_revoked",
      address_is_created_once_shown_again_and_revoked, fx_setup, fx_teardown, NULL },
    { "calendars/address/public_url", address_uses_the_public_url, fx_setup, fx_teardown, NULL },
    { "calendars/account/both_roles", account_feed_lists_both_roles_with_the_other_party, fx_setup,
      fx_teardown, NULL },
    { "calendars/account/service_bookings", account_feed_lists_service_bookings_in_both_roles,
      fx_setup, fx_teardown, NULL },
    { "calendars/account/refused_secrets",
      account_feed_refuses_unknown_revoked_and_malformed_secrets, fx_setup, fx_teardown, NULL },
    { "calendars/account/erased_or_suspended", account_feed_stops_with_the_account_or_its_member,
      fx_setup, fx_teardown, NULL },
  };

  if (sodium_init () < 0) {
    return 1;
  }
  return cmocka_run_group_tests_name ("server/services/calendars", tests, NULL, NULL);
}
