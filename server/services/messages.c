/* messages: the thread of a reservation (see messages.h). */
#include "messages.h"

#include "members.h"
#include "mt_bson.h"
#include "mt_log.h"
#include "reservations.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MT_LOG_DOMAIN "messages"

/* Digits in ASCII order, all of the base64url alphabet: texts of equal length written with
 * them sort as the numbers they write (the store compares ids byte by byte). */
static const char mt_message_digits[] =
  "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#define MT_MESSAGE_TIME_DIGITS 8 /* 62^8 ms: past the year 8900 */
#define MT_MESSAGE_SEQ_DIGITS 3  /* 62^3 = 238328 messages of one instance in one millisecond */

/* Writes @value in base 62 on exactly @width digits (the high digits dropped). */
static void
mt_message_base62 (uint64_t value, char *out, size_t width)
{
  for (size_t i = width; i > 0; i--) {
    out[i - 1] = mt_message_digits[value % 62];
    value /= 62;
  }
}

/*
 * A new message id "msg_" + 22 characters: the creation time (8 digits) and a sequence of
 * this process (3 digits) in sortable base 62, then 11 random characters (62 bits), a valid
 * mt_id all the same.
 * The store orders a thread by ("created_at", "id"), so messages written by this instance in
 * the same millisecond keep the order in which they were written.
 */
static void
mt_message_id_new (int64_t now_ms, char out[MT_ID_SIZE])
{
  static atomic_uint_fast32_t sequence;
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint32_t seq = (uint32_t) (atomic_fetch_add (&sequence, 1) % (62u * 62u * 62u));
  unsigned char random[MT_ID_RANDOM_CHARS - MT_MESSAGE_TIME_DIGITS - MT_MESSAGE_SEQ_DIGITS];
  char *p = out;

  memcpy (p, MT_MESSAGE_ID_PREFIX "_", 4);
  p += 4;
  mt_message_base62 (now_ms > 0 ? (uint64_t) now_ms : 0, p, MT_MESSAGE_TIME_DIGITS);
  p += MT_MESSAGE_TIME_DIGITS;
  mt_message_base62 (seq, p, MT_MESSAGE_SEQ_DIGITS);
  p += MT_MESSAGE_SEQ_DIGITS;
  randombytes_buf (random, sizeof random);
  for (size_t i = 0; i + 1 < sizeof random; i++) {
    *p++ = alphabet[random[i] & 63];
  }
  /* 22 characters carry 132 bits of which an id uses 128: the last character leaves its low
   * 4 bits zero, as mt_id_is_valid wants (so 62 random bits in all). */
  *p++ = "AQgw"[random[sizeof random - 1] & 3];
  *p = '\0';
}

void
mt_message_view (const bson_t *message, bson_t *out)
{
  static const char *const shown[] = {
    "id",          "reservation_id", "author_account_id", "author_member_id",
    "author_role", "text",           "created_at",        NULL
  };
  bson_iter_t it;

  bson_init (out);
  for (const char *const *key = shown; *key; key++) {
    if (bson_iter_init_find (&it, message, *key)) {
      bson_append_iter (out, *key, -1, &it);
    }
  }
}

/* @empty: the text is empty or only white space; otherwise it is not UTF-8. */
static bool
mt_message_text_invalid (mt_error_t *error, bool empty)
{
  if (empty) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "le message est vide",
                  "the message is empty");
  } else {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "texte invalide", "invalid text");
  }
  mt_error_set_path (error, "/text");
  return false;
}

bool
mt_message_text_check (const char *text, mt_error_t *error)
{
  const unsigned char *s = (const unsigned char *) text;
  size_t len = text ? strlen (text) : 0;
  size_t characters = 0;
  bool visible = false;

  if (!text || !bson_utf8_validate (text, len, false)) {
    return mt_message_text_invalid (error, false);
  }
  for (size_t i = 0; i < len; i++) {
    if ((s[i] & 0xc0) != 0x80) {
      characters++;
    }
    /* White space of ASCII; any other character (letters, emoji, punctuation) counts. */
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '\v' &&
        s[i] != '\f') {
      visible = true;
    }
  }
  if (characters < 1 || !visible) {
    return mt_message_text_invalid (error, true);
  }
  if (characters > MT_MESSAGE_TEXT_MAX) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_VALIDATION, "le message dépasse %d caractères",
                  "the message is longer than %d characters", MT_MESSAGE_TEXT_MAX);
    mt_error_set_path (error, "/text");
    return false;
  }
  return true;
}

bool
mt_messages_list (const mt_ctx_t *ctx, const char *reservation_id, const char *cursor,
                  const char *limit, bson_t *items, char next_cursor[MT_STORE_CURSOR_MAX],
                  mt_error_t *error)
{
  bson_t reservation = BSON_INITIALIZER;
  mt_store_page_t page;
  mt_error_t store_error = { 0 };
  uint32_t count = 0;
  uint32_t max = 0;
  bson_iter_t it;
  bool ok = false;

  bson_init (items);
  next_cursor[0] = '\0';
  mt_store_page_init (&page);
  if (!mt_list_limit_parse (limit, &max, error)) {
    goto done;
  }
  bson_destroy (&reservation);
  if (!mt_reservation_load_visible (ctx, reservation_id, &reservation, error)) {
    goto done;
  }
  mt_store_page_destroy (&page);
  if (!ctx->store->ops->message_list (ctx->store, reservation_id,
                                      cursor && cursor[0] ? cursor : NULL, max, &page,
                                      &store_error)) {
    mt_error_copy (error, &store_error);
    if (store_error.code == MT_ERR_BAD_REQUEST) {
      mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_BAD_REQUEST, "paramètre cursor invalide",
                    "invalid cursor parameter");
      mt_error_set_path (error, "cursor");
    }
    goto done;
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      const uint8_t *data;
      uint32_t len;
      bson_t message;
      bson_t view;
      char key[16];
      if (!BSON_ITER_HOLDS_DOCUMENT (&it)) {
        continue;
      }
      bson_iter_document (&it, &len, &data);
      if (!bson_init_static (&message, data, len)) {
        continue;
      }
      mt_message_view (&message, &view);
      snprintf (key, sizeof key, "%u", count++);
      BSON_APPEND_DOCUMENT (items, key, &view);
      bson_destroy (&view);
    }
  }
  snprintf (next_cursor, MT_STORE_CURSOR_MAX, "%s", page.next_cursor);
  ok = true;
done:
  mt_store_page_destroy (&page);
  bson_destroy (&reservation);
  if (!ok) {
    bson_reinit (items);
    next_cursor[0] = '\0';
  }
  return ok;
}

bool
mt_message_post (const mt_ctx_t *ctx, const char *reservation_id, const bson_t *body, bson_t *out,
                 char id_out[MT_ID_SIZE], mt_error_t *error)
{
  bson_t reservation = BSON_INITIALIZER;
  bson_t message = BSON_INITIALIZER;
  char id[MT_ID_SIZE];
  const char *text = body ? mt_bson_str (body, "text") : NULL;
  const char *role;
  unsigned roles;
  bool ok = false;

  bson_init (out);
  if (id_out) {
    id_out[0] = '\0';
  }
  if (!ctx->principal) {
    mt_error_set (error, MT_DOMAIN_SERVICE, MT_ERR_UNAUTHENTICATED, "connexion requise",
                  "sign-in required");
    goto done;
  }
  bson_destroy (&reservation);
  if (!mt_reservation_load_visible (ctx, reservation_id, &reservation, error)) {
    goto done;
  }
  if (!mt_message_text_check (text, error)) {
    goto done;
  }
  roles = mt_reservation_roles (ctx, &reservation);
  role = (roles & MT_RESERVATION_ROLE_BORROWER) ? "borrower"
         : (roles & MT_RESERVATION_ROLE_OWNER)  ? "owner"
                                                : "admin";
  mt_message_id_new (ctx->now_ms, id);
  BSON_APPEND_UTF8 (&message, "id", id);
  BSON_APPEND_UTF8 (&message, "reservation_id", mt_bson_str (&reservation, "id"));
  BSON_APPEND_UTF8 (&message, "author_account_id", ctx->principal->account_id);
  BSON_APPEND_UTF8 (&message, "author_member_id", ctx->principal->member_id);
  BSON_APPEND_UTF8 (&message, "author_role", role);
  BSON_APPEND_UTF8 (&message, "text", text);
  BSON_APPEND_DATE_TIME (&message, "created_at", ctx->now_ms);
  if (!ctx->store->ops->message_insert (ctx->store, &message, error)) {
    goto done;
  }
  mt_message_view (&message, out);
  if (id_out) {
    memcpy (id_out, id, MT_ID_SIZE);
  }
  MT_INFO ("message %s written in reservation %s by account %s", id, reservation_id,
           ctx->principal->account_id);
  ok = true;
done:
  bson_destroy (&reservation);
  bson_destroy (&message);
  if (!ok) {
    bson_reinit (out);
  }
  return ok;
}
