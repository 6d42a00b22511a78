/*
 * store_sqlite_cursor.c: opaque keyset cursors of the SQLite adapter.
 *
 * A cursor is the sort key of the last row of a page, and the next page is every row after
 * it in (name, id) order. Rows inserted between two pages therefore never shift the rows
 * already listed: nothing is skipped and nothing is repeated. Cursors carry no secret; a
 * forged one only moves the starting point of a query the caller may run anyway.
 *
 * Bytes before base64url (no padding):
 *   1      the form: 1 = (name, id), 2 = id only (the name is read back from the row)
 *   1      id length (1..255)
 *   n      id (UTF-8)
 *   rest   name (UTF-8), form 1 only
 */
#include "store_sqlite_private.h"

#include "mt_b64.h"

#include <string.h>

#define MT_SQLITE_CURSOR_KEY_NAME 1
#define MT_SQLITE_CURSOR_ID_ONLY 2

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
