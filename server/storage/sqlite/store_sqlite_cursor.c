/*
 * store_sqlite_cursor.c: opaque keyset cursors of the SQLite adapter.
 *
 * A cursor is the sort key of the last row of a page, and the next page is every row after
 * it in the list's order. Rows inserted between two pages therefore never shift the rows
 * already listed: nothing is skipped and nothing is repeated. Cursors carry no secret; a
 * forged one only moves the starting point of a query the caller may run anyway.
 *
 * Bytes before base64url (no padding), member_list ((name, id) order):
 *   1      the form: 1 = (name, id), 2 = id only (the name is read back from the row)
 *   1      id length (1..255)
 *   n      id (UTF-8)
 *   rest   name (UTF-8), form 1 only
 * listing_search, by recency ((created_at, id) descending):
 *   1      the form: 3
 *   8      created_at (big-endian two's complement)
 *   1      id length (1..255)
 *   n      id (UTF-8), and nothing after
 * listing_search, by relevance ((score, created_at, id) descending):
 *   1      the form: 4
 *   4      fingerprint of the query's MATCH expression (big-endian)
 *   8      score (big-endian two's complement)
 *   8      created_at
 *   1      id length (1..255)
 *   n      id (UTF-8), and nothing after
 * need_search: as listing_search, with the forms 20 (recency) and 21 (relevance).
 * reservation_list, message_list, audit_list, notification_list, calendar_list,
 * booking_list, need_answer_list, ledger_list, webhook_list, outbox_list
 * (mt_sqlite_list_t; (time, id) in the list's order):
 *   1      the form: the list (5 reservations, 6 messages, 7 audit, 8 notifications,
 *          9 calendars, 10 bookings, 11 need answers, 12 ledger, 13 webhooks, 14 outbox)
 *   8      time in milliseconds (big-endian two's complement; 0 for calendars)
 *   1      id length (1..255)
 *   n      id (UTF-8; the listing id for calendars), and nothing after
 * Each list accepts only its own forms: a cursor of another list or order is refused.
 */
#include "store_sqlite_private.h"

#include "mt_b64.h"

#include <string.h>

#define MT_SQLITE_CURSOR_KEY_NAME 1
#define MT_SQLITE_CURSOR_ID_ONLY 2
#define MT_SQLITE_CURSOR_RECENT 3
#define MT_SQLITE_CURSOR_RELEVANCE 4
#define MT_SQLITE_CURSOR_NEED_RECENT 20
#define MT_SQLITE_CURSOR_NEED_RELEVANCE 21

/* The most bytes whose base64url text fits in a cursor with its NUL. */
#define MT_SQLITE_CURSOR_RAW_MAX ((MT_STORE_CURSOR_MAX - 1) / 4 * 3)

bool
mt_sqlite_cursor_encode (const char *name, size_t name_len, const char *id, size_t id_len,
                         char out[MT_STORE_CURSOR_MAX])
{
  uint8_t raw[MT_SQLITE_CURSOR_RAW_MAX];
  size_t len = 0;

  out[0] = '\0';
  if (id_len == 0 || id_len > 255 || 2 + id_len > sizeof raw) {
    return false;
  }
  raw[len++] = MT_SQLITE_CURSOR_ID_ONLY;
  raw[len++] = (uint8_t) id_len;
  memcpy (raw + len, id, id_len);
  len += id_len;
  if (name && name_len <= sizeof raw - len) {
    raw[0] = MT_SQLITE_CURSOR_KEY_NAME;
    memcpy (raw + len, name, name_len);
    len += name_len;
  }
  mt_b64url_encode (raw, len, out);
  return true;
}

bool
mt_sqlite_cursor_decode (const char *text, mt_sqlite_cursor_t *out, mt_error_t *error)
{
  size_t text_len = strnlen (text, MT_STORE_CURSOR_MAX);
  size_t len = 0;
  size_t id_len = 0;
  bool ok = false;

  memset (out, 0, sizeof *out);
  if (text_len >= MT_STORE_CURSOR_MAX ||
      !mt_b64url_decode (text, text_len, out->raw, sizeof out->raw, &len) || len < 3) {
    goto done;
  }
  id_len = out->raw[1];
  if (id_len == 0 || 2 + id_len > len) {
    goto done;
  }
  out->id = (const char *) out->raw + 2;
  out->id_len = id_len;
  if (!bson_utf8_validate (out->id, out->id_len, false)) {
    goto done;
  }
  if (out->raw[0] == MT_SQLITE_CURSOR_KEY_NAME) {
    out->name = out->id + id_len;
    out->name_len = len - 2 - id_len;
    ok = bson_utf8_validate (out->name, out->name_len, false);
  } else if (out->raw[0] == MT_SQLITE_CURSOR_ID_ONLY) {
    ok = len == 2 + id_len;
  }
done:
  if (!ok) {
    memset (out, 0, sizeof *out);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "curseur de pagination invalide",
                  "invalid pagination cursor");
  }
  return ok;
}

static size_t
mt_sqlite_put_u64 (uint8_t *out, uint64_t value)
{
  int i;

  for (i = 7; i >= 0; i--) {
    out[i] = (uint8_t) (value & 0xff);
    value >>= 8;
  }
  return 8;
}

static uint64_t
mt_sqlite_get_u64 (const uint8_t *in)
{
  uint64_t value = 0;
  int i;

  for (i = 0; i < 8; i++) {
    value = (value << 8) | in[i];
  }
  return value;
}

bool
mt_sqlite_listing_cursor_encode (const mt_sqlite_listing_key_t *key, char out[MT_STORE_CURSOR_MAX])
{
  uint8_t raw[1 + 4 + 8 + 8 + 1 + 255];
  size_t len = 0;

  out[0] = '\0';
  if (key->id_len == 0 || key->id_len > 255) {
    return false;
  }
  if (key->relevance) {
    raw[len++] = key->need ? MT_SQLITE_CURSOR_NEED_RELEVANCE : MT_SQLITE_CURSOR_RELEVANCE;
    raw[len++] = (uint8_t) (key->fingerprint >> 24);
    raw[len++] = (uint8_t) (key->fingerprint >> 16);
    raw[len++] = (uint8_t) (key->fingerprint >> 8);
    raw[len++] = (uint8_t) key->fingerprint;
    len += mt_sqlite_put_u64 (raw + len, (uint64_t) key->score);
  } else {
    raw[len++] = key->need ? MT_SQLITE_CURSOR_NEED_RECENT : MT_SQLITE_CURSOR_RECENT;
  }
  len += mt_sqlite_put_u64 (raw + len, (uint64_t) key->created_at);
  raw[len++] = (uint8_t) key->id_len;
  memcpy (raw + len, key->id, key->id_len);
  len += key->id_len;
  mt_b64url_encode (raw, len, out);
  return true;
}

bool
mt_sqlite_listing_cursor_decode (const char *text, mt_sqlite_listing_key_t *out, mt_error_t *error)
{
  uint8_t raw[MT_STORE_CURSOR_MAX];
  size_t text_len = strnlen (text, MT_STORE_CURSOR_MAX);
  size_t len = 0;
  size_t pos = 1;
  bool ok = false;

  memset (out, 0, sizeof *out);
  if (text_len >= MT_STORE_CURSOR_MAX ||
      !mt_b64url_decode (text, text_len, raw, sizeof raw, &len) || len < 1) {
    goto done;
  }
  out->need = raw[0] == MT_SQLITE_CURSOR_NEED_RECENT || raw[0] == MT_SQLITE_CURSOR_NEED_RELEVANCE;
  if (raw[0] == MT_SQLITE_CURSOR_RELEVANCE || raw[0] == MT_SQLITE_CURSOR_NEED_RELEVANCE) {
    if (len < pos + 4 + 8) {
      goto done;
    }
    out->relevance = true;
    out->fingerprint = (uint32_t) raw[1] << 24 | (uint32_t) raw[2] << 16 | (uint32_t) raw[3] << 8 |
                       (uint32_t) raw[4];
    out->score = (int64_t) mt_sqlite_get_u64 (raw + 5);
    pos += 4 + 8;
  } else if (raw[0] != MT_SQLITE_CURSOR_RECENT && raw[0] != MT_SQLITE_CURSOR_NEED_RECENT) {
    goto done;
  }
  if (len < pos + 8 + 1) {
    goto done;
  }
  out->created_at = (int64_t) mt_sqlite_get_u64 (raw + pos);
  pos += 8;
  out->id_len = raw[pos++];
  if (out->id_len == 0 || len != pos + out->id_len ||
      !bson_utf8_validate ((const char *) raw + pos, out->id_len, false)) {
    goto done;
  }
  memcpy (out->id, raw + pos, out->id_len);
  out->id[out->id_len] = '\0';
  ok = true;
done:
  if (!ok) {
    memset (out, 0, sizeof *out);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "curseur de pagination invalide",
                  "invalid pagination cursor");
  }
  return ok;
}

bool
mt_sqlite_row_cursor_encode (mt_sqlite_list_t list, const mt_sqlite_row_key_t *key,
                             char out[MT_STORE_CURSOR_MAX])
{
  uint8_t raw[1 + 8 + 1 + 255];
  size_t len = 0;

  out[0] = '\0';
  if (key->id_len == 0 || key->id_len > 255) {
    return false;
  }
  raw[len++] = (uint8_t) list;
  len += mt_sqlite_put_u64 (raw + len, (uint64_t) key->at);
  raw[len++] = (uint8_t) key->id_len;
  memcpy (raw + len, key->id, key->id_len);
  len += key->id_len;
  mt_b64url_encode (raw, len, out);
  return true;
}

bool
mt_sqlite_row_cursor_decode (const char *text, mt_sqlite_list_t list, mt_sqlite_row_key_t *out,
                             mt_error_t *error)
{
  uint8_t raw[MT_STORE_CURSOR_MAX];
  size_t text_len = strnlen (text, MT_STORE_CURSOR_MAX);
  size_t len = 0;
  bool ok = false;

  memset (out, 0, sizeof *out);
  if (text_len >= MT_STORE_CURSOR_MAX ||
      !mt_b64url_decode (text, text_len, raw, sizeof raw, &len) || len < 1 + 8 + 1 + 1 ||
      raw[0] != (uint8_t) list) {
    goto done;
  }
  out->at = (int64_t) mt_sqlite_get_u64 (raw + 1);
  out->id_len = raw[9];
  if (out->id_len == 0 || len != 10 + out->id_len ||
      !bson_utf8_validate ((const char *) raw + 10, out->id_len, false) ||
      (list == MT_SQLITE_LIST_CALENDARS && out->at != 0)) {
    goto done;
  }
  memcpy (out->id, raw + 10, out->id_len);
  out->id[out->id_len] = '\0';
  ok = true;
done:
  if (!ok) {
    memset (out, 0, sizeof *out);
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_BAD_REQUEST, "curseur de pagination invalide",
                  "invalid pagination cursor");
  }
  return ok;
}
