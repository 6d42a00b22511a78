/*
 * mt_json: a recursive-descent JSON parser that builds BSON directly, and the BSON -> JSON
 * writer used for every response.
 *
 * Duplicate keys are found with a per-object hash set keyed by SipHash (libsodium's
 * crypto_shorthash) under a per-process random key, so that a hostile body cannot force
 * quadratic work with colliding keys.
 */
#include "mt_json.h"

#include "mt_b64.h"
#include "mt_time.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_JSON_NUMBER_MAX 512
#define MT_JSON_OUTPUT_MAX ((size_t) 256 * 1024 * 1024)

/* ------------------------------------------------------------------------------------------ */
/* UTF-8                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/*
 * Decodes one UTF-8 sequence at @p (@len bytes available). Returns its length and sets *cp,
 * or returns 0 for an invalid, overlong, surrogate or out-of-range sequence.
 */
static size_t
mt_utf8_decode (const unsigned char *p, size_t len, uint32_t *cp)
{
  uint32_t c;
  size_t n;

  if (len == 0) {
    return 0;
  }
  if (p[0] < 0x80) {
    *cp = p[0];
    return 1;
  }
  if (p[0] >= 0xc2 && p[0] <= 0xdf) {
    n = 2;
    c = p[0] & 0x1f;
  } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
    n = 3;
    c = p[0] & 0x0f;
  } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
    n = 4;
    c = p[0] & 0x07;
  } else {
    return 0;
  }
  if (len < n) {
    return 0;
  }
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xc0) != 0x80) {
      return 0;
    }
    c = c << 6 | (p[i] & 0x3f);
  }
  if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
      (c >= 0xd800 && c <= 0xdfff)) {
    return 0;
  }
  *cp = c;
  return n;
}

bool
mt_utf8_is_valid (const char *data, size_t len)
{
  const unsigned char *p = (const unsigned char *) data;
  size_t i = 0;
  uint32_t cp;

  while (i < len) {
    size_t n = mt_utf8_decode (p + i, len - i, &cp);
    if (n == 0) {
      return false;
    }
    i += n;
  }
  return true;
}

size_t
mt_utf8_length (const char *data, size_t len)
{
  size_t count = 0;
  for (size_t i = 0; i < len; i++) {
    if (((unsigned char) data[i] & 0xc0) != 0x80) {
      count++;
    }
  }
  return count;
}

static void
mt_utf8_encode (uint32_t cp, mt_buf_t *out)
{
  char b[4];

  if (cp < 0x80) {
    b[0] = (char) cp;
    mt_buf_append (out, b, 1);
  } else if (cp < 0x800) {
    b[0] = (char) (0xc0 | cp >> 6);
    b[1] = (char) (0x80 | (cp & 0x3f));
    mt_buf_append (out, b, 2);
  } else if (cp < 0x10000) {
    b[0] = (char) (0xe0 | cp >> 12);
    b[1] = (char) (0x80 | (cp >> 6 & 0x3f));
    b[2] = (char) (0x80 | (cp & 0x3f));
    mt_buf_append (out, b, 3);
  } else {
    b[0] = (char) (0xf0 | cp >> 18);
    b[1] = (char) (0x80 | (cp >> 12 & 0x3f));
    b[2] = (char) (0x80 | (cp >> 6 & 0x3f));
    b[3] = (char) (0x80 | (cp & 0x3f));
    mt_buf_append (out, b, 4);
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Key set (duplicate detection)                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
  uint64_t hash;
  char *key; /* owned copy; NULL for an empty slot */
  size_t len;
} mt_keyslot_t;

typedef struct {
  mt_keyslot_t *slots;
  size_t cap; /* power of two, or 0 */
  size_t count;
} mt_keyset_t;

static unsigned char mt_json_hash_key[crypto_shorthash_KEYBYTES];
static pthread_once_t mt_json_hash_key_once = PTHREAD_ONCE_INIT;

static void
mt_json_hash_key_init (void)
{
  randombytes_buf (mt_json_hash_key, sizeof mt_json_hash_key);
}

static uint64_t
mt_keyset_hash (const char *key, size_t len)
{
  unsigned char out[crypto_shorthash_BYTES];
  uint64_t h;

  pthread_once (&mt_json_hash_key_once, mt_json_hash_key_init);
  crypto_shorthash (out, (const unsigned char *) key, len, mt_json_hash_key);
  memcpy (&h, out, sizeof h);
  return h;
}

static void
mt_keyset_destroy (mt_keyset_t *set)
{
  for (size_t i = 0; i < set->cap; i++) {
    free (set->slots[i].key);
  }
  free (set->slots);
  memset (set, 0, sizeof *set);
}

static bool mt_keyset_insert_slot (mt_keyset_t *set, uint64_t hash, char *key, size_t len);

static bool
mt_keyset_grow (mt_keyset_t *set)
{
  mt_keyset_t bigger = { 0 };

  bigger.cap = set->cap ? set->cap * 2 : 16;
  bigger.slots = calloc (bigger.cap, sizeof *bigger.slots);
  if (!bigger.slots) {
    return false;
  }
  for (size_t i = 0; i < set->cap; i++) {
    if (set->slots[i].key) {
      mt_keyset_insert_slot (&bigger, set->slots[i].hash, set->slots[i].key, set->slots[i].len);
    }
  }
  free (set->slots);
  *set = bigger;
  return true;
}

/* Places an owned key; the caller ensured there is room and that the key is new. */
static bool
mt_keyset_insert_slot (mt_keyset_t *set, uint64_t hash, char *key, size_t len)
{
  size_t i = (size_t) hash & (set->cap - 1);

  while (set->slots[i].key) {
    i = (i + 1) & (set->cap - 1);
  }
  set->slots[i].hash = hash;
  set->slots[i].key = key;
  set->slots[i].len = len;
  set->count++;
  return true;
}

/* Adds @key; returns 1 when added, 0 when it was already there, -1 on allocation failure. */
static int
mt_keyset_add (mt_keyset_t *set, const char *key, size_t len)
{
  uint64_t hash;
  size_t i;
  char *copy;

  if ((set->count + 1) * 2 > set->cap && !mt_keyset_grow (set)) {
    return -1;
  }
  hash = mt_keyset_hash (key, len);
  for (i = (size_t) hash & (set->cap - 1); set->slots[i].key; i = (i + 1) & (set->cap - 1)) {
    if (set->slots[i].hash == hash && set->slots[i].len == len &&
        memcmp (set->slots[i].key, key, len) == 0) {
      return 0;
    }
  }
  copy = malloc (len + 1);
  if (!copy) {
    return -1;
  }
  memcpy (copy, key, len);
  copy[len] = '\0';
  mt_keyset_insert_slot (set, hash, copy, len);
  return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Parser                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
  const char *data;
  size_t len;
  size_t pos;
  int flags;
  int max_depth;
  mt_error_t *error;
} mt_json_parser_t;

static bool mt_json_parse_any (mt_json_parser_t *p, bson_t *parent, const char *key, size_t key_len,
                               int depth);

static bool
mt_json_fail (mt_json_parser_t *p, const char *what_fr, const char *what_en)
{
  mt_error_set (p->error, MT_DOMAIN_JSON, MT_ERR_BAD_REQUEST,
                "JSON invalide à l'octet %zu : %s%.0s", "Invalid JSON at byte %zu: %.0s%s", p->pos,
                what_fr, what_en);
  return false;
}

static void
mt_json_skip_ws (mt_json_parser_t *p)
{
  while (p->pos < p->len) {
    char c = p->data[p->pos];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      break;
    }
    p->pos++;
  }
}

static bool
mt_json_read_hex4 (mt_json_parser_t *p, uint32_t *out)
{
  uint32_t v = 0;

  if (p->len - p->pos < 4) {
    return false;
  }
  for (int i = 0; i < 4; i++) {
    int h = mt_hex_value (p->data[p->pos + (size_t) i]);
    if (h < 0) {
      return false;
    }
    v = v << 4 | (uint32_t) h;
  }
  p->pos += 4;
  *out = v;
  return true;
}

/* Parses a string at p->pos (on the opening quote) and decodes it into @out. */
static bool
mt_json_parse_string (mt_json_parser_t *p, mt_buf_t *out)
{
  const unsigned char *d = (const unsigned char *) p->data;

  p->pos++; /* opening quote */
  while (true) {
    size_t start = p->pos;

    /* Copy runs of plain characters at once. */
    while (p->pos < p->len && d[p->pos] != '"' && d[p->pos] != '\\' && d[p->pos] >= 0x20 &&
           d[p->pos] < 0x80) {
      p->pos++;
    }
    if (p->pos > start) {
      mt_buf_append (out, p->data + start, p->pos - start);
    }
    if (p->pos >= p->len) {
      return mt_json_fail (p, "chaîne non terminée", "unterminated string");
    }
    if (d[p->pos] == '"') {
      p->pos++;
      break;
    }
    if (d[p->pos] < 0x20) {
      return mt_json_fail (p, "caractère de contrôle dans une chaîne",
                           "control character in string");
    }
    if (d[p->pos] >= 0x80) {
      uint32_t cp;
      size_t n = mt_utf8_decode (d + p->pos, p->len - p->pos, &cp);
      if (n == 0) {
        return mt_json_fail (p, "UTF-8 invalide", "invalid UTF-8");
      }
      mt_buf_append (out, p->data + p->pos, n);
      p->pos += n;
      continue;
    }
    /* Backslash escape. */
    p->pos++;
    if (p->pos >= p->len) {
      return mt_json_fail (p, "échappement incomplet", "incomplete escape");
    }
    switch (p->data[p->pos++]) {
    case '"':
      mt_buf_append_char (out, '"');
      break;
    case '\\':
      mt_buf_append_char (out, '\\');
      break;
    case '/':
      mt_buf_append_char (out, '/');
      break;
    case 'b':
      mt_buf_append_char (out, '\b');
      break;
    case 'f':
      mt_buf_append_char (out, '\f');
      break;
    case 'n':
      mt_buf_append_char (out, '\n');
      break;
    case 'r':
      mt_buf_append_char (out, '\r');
      break;
    case 't':
      mt_buf_append_char (out, '\t');
      break;
    case 'u': {
      uint32_t cp;
      if (!mt_json_read_hex4 (p, &cp)) {
        return mt_json_fail (p, "échappement \\u invalide", "invalid \\u escape");
      }
      if (cp >= 0xdc00 && cp <= 0xdfff) {
        return mt_json_fail (p, "surrogat isolé", "lone surrogate");
      }
      if (cp >= 0xd800 && cp <= 0xdbff) {
        uint32_t lo;
        if (p->len - p->pos < 6 || p->data[p->pos] != '\\' || p->data[p->pos + 1] != 'u') {
          return mt_json_fail (p, "surrogat isolé", "lone surrogate");
        }
        p->pos += 2;
        if (!mt_json_read_hex4 (p, &lo) || lo < 0xdc00 || lo > 0xdfff) {
          return mt_json_fail (p, "surrogat isolé", "lone surrogate");
        }
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
      }
      if (cp == 0 && !(p->flags & MT_JSON_TRUSTED)) {
        return mt_json_fail (p, "caractère NUL (\\u0000) interdit",
                             "NUL character (\\u0000) not allowed");
      }
      mt_utf8_encode (cp, out);
      break;
    }
    default:
      p->pos--;
      return mt_json_fail (p, "échappement inconnu", "unknown escape");
    }
  }
  if (out->failed) {
    return mt_json_fail (p, "chaîne trop longue", "string too long");
  }
  return true;
}

static bool
mt_json_parse_number (mt_json_parser_t *p, bson_t *parent, const char *key, size_t key_len)
{
  const char *d = p->data;
  size_t start = p->pos;
  bool integral = true;
  char text[MT_JSON_NUMBER_MAX + 1];
  size_t n;

  if (p->pos < p->len && d[p->pos] == '-') {
    p->pos++;
  }
  if (p->pos >= p->len) {
    return mt_json_fail (p, "nombre incomplet", "incomplete number");
  }
  if (d[p->pos] == '0') {
    p->pos++;
  } else if (d[p->pos] >= '1' && d[p->pos] <= '9') {
    while (p->pos < p->len && d[p->pos] >= '0' && d[p->pos] <= '9') {
      p->pos++;
    }
  } else {
    return mt_json_fail (p, "nombre invalide", "invalid number");
  }
  if (p->pos < p->len && d[p->pos] == '.') {
    integral = false;
    p->pos++;
    if (p->pos >= p->len || d[p->pos] < '0' || d[p->pos] > '9') {
      return mt_json_fail (p, "chiffre attendu après le point", "digit expected after '.'");
    }
    while (p->pos < p->len && d[p->pos] >= '0' && d[p->pos] <= '9') {
      p->pos++;
    }
  }
  if (p->pos < p->len && (d[p->pos] == 'e' || d[p->pos] == 'E')) {
    integral = false;
    p->pos++;
    if (p->pos < p->len && (d[p->pos] == '+' || d[p->pos] == '-')) {
      p->pos++;
    }
    if (p->pos >= p->len || d[p->pos] < '0' || d[p->pos] > '9') {
      return mt_json_fail (p, "exposant invalide", "invalid exponent");
    }
    while (p->pos < p->len && d[p->pos] >= '0' && d[p->pos] <= '9') {
      p->pos++;
    }
  }
  n = p->pos - start;
  if (n > MT_JSON_NUMBER_MAX) {
    return mt_json_fail (p, "nombre trop long", "number too long");
  }
  memcpy (text, d + start, n);
  text[n] = '\0';

  if (integral) {
    long long v;
    errno = 0;
    v = strtoll (text, NULL, 10);
    if (errno == 0) {
      if (v >= INT32_MIN && v <= INT32_MAX) {
        return bson_append_int32 (parent, key, (int) key_len, (int32_t) v);
      }
      return bson_append_int64 (parent, key, (int) key_len, (int64_t) v);
    }
  }
  {
    double v;
    errno = 0;
    v = strtod (text, NULL);
    if (!isfinite (v)) {
      p->pos = start;
      return mt_json_fail (p, "nombre hors limites", "number out of range");
    }
    return bson_append_double (parent, key, (int) key_len, v);
  }
}

static bool
mt_json_expect_literal (mt_json_parser_t *p, const char *lit)
{
  size_t n = strlen (lit);
  if (p->len - p->pos < n || memcmp (p->data + p->pos, lit, n) != 0) {
    return mt_json_fail (p, "valeur inattendue", "unexpected value");
  }
  p->pos += n;
  return true;
}

static bool
mt_json_check_key (mt_json_parser_t *p, const mt_buf_t *key, size_t key_pos)
{
  if (memchr (mt_buf_cstr (key), '\0', key->len)) {
    p->pos = key_pos;
    return mt_json_fail (p, "caractère NUL dans une clé", "NUL character in a key");
  }
  if (p->flags & MT_JSON_TRUSTED) {
    return true;
  }
  if (key->len > 0 && key->data[0] == '$') {
    p->pos = key_pos;
    return mt_json_fail (p, "clé commençant par « $ » interdite (pas de JSON étendu)",
                         "key starting with '$' not allowed (no Extended JSON)");
  }
  if (key->len > 0 && memchr (key->data, '.', key->len)) {
    p->pos = key_pos;
    return mt_json_fail (p, "clé contenant un point interdite", "key containing '.' not allowed");
  }
  return true;
}

/* Parses the members of an object whose '{' is at p->pos, into @doc. */
static bool
mt_json_parse_members (mt_json_parser_t *p, bson_t *doc, int depth)
{
  mt_keyset_t seen = { 0 };
  mt_buf_t key;
  bool ok = false;

  mt_buf_init (&key, p->len);
  if (depth > p->max_depth) {
    mt_json_fail (p, "imbrication trop profonde", "nesting too deep");
    goto done;
  }
  p->pos++; /* '{' */
  mt_json_skip_ws (p);
  if (p->pos < p->len && p->data[p->pos] == '}') {
    p->pos++;
    ok = true;
    goto done;
  }
  while (true) {
    size_t key_pos;
    int added;

    mt_json_skip_ws (p);
    if (p->pos >= p->len || p->data[p->pos] != '"') {
      mt_json_fail (p, "clé attendue", "key expected");
      goto done;
    }
    key_pos = p->pos;
    mt_buf_reset (&key);
    if (!mt_json_parse_string (p, &key) || !mt_json_check_key (p, &key, key_pos)) {
      goto done;
    }
    added = mt_keyset_add (&seen, mt_buf_cstr (&key), key.len);
    if (added < 0) {
      mt_json_fail (p, "mémoire insuffisante", "out of memory");
      goto done;
    }
    if (added == 0) {
      p->pos = key_pos;
      mt_json_fail (p, "clé en double", "duplicate key");
      goto done;
    }
    mt_json_skip_ws (p);
    if (p->pos >= p->len || p->data[p->pos] != ':') {
      mt_json_fail (p, "« : » attendu", "':' expected");
      goto done;
    }
    p->pos++;
    if (!mt_json_parse_any (p, doc, mt_buf_cstr (&key), key.len, depth)) {
      goto done;
    }
    mt_json_skip_ws (p);
    if (p->pos < p->len && p->data[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->len && p->data[p->pos] == '}') {
      p->pos++;
      break;
    }
    mt_json_fail (p, "« , » ou « } » attendu", "',' or '}' expected");
    goto done;
  }
  ok = true;
done:
  mt_keyset_destroy (&seen);
  mt_buf_destroy (&key);
  return ok;
}

static bool
mt_json_parse_elements (mt_json_parser_t *p, bson_t *arr, int depth)
{
  uint32_t index = 0;

  if (depth > p->max_depth) {
    return mt_json_fail (p, "imbrication trop profonde", "nesting too deep");
  }
  p->pos++; /* '[' */
  mt_json_skip_ws (p);
  if (p->pos < p->len && p->data[p->pos] == ']') {
    p->pos++;
    return true;
  }
  while (true) {
    const char *key;
    char keybuf[16];
    size_t key_len = bson_uint32_to_string (index++, &key, keybuf, sizeof keybuf);

    if (!mt_json_parse_any (p, arr, key, key_len, depth)) {
      return false;
    }
    mt_json_skip_ws (p);
    if (p->pos < p->len && p->data[p->pos] == ',') {
      p->pos++;
      continue;
    }
    if (p->pos < p->len && p->data[p->pos] == ']') {
      p->pos++;
      return true;
    }
    return mt_json_fail (p, "« , » ou « ] » attendu", "',' or ']' expected");
  }
}

/* Parses one value at p->pos and appends it to @parent under @key. @depth counts the
 * containers already open around it. */
static bool
mt_json_parse_any (mt_json_parser_t *p, bson_t *parent, const char *key, size_t key_len, int depth)
{
  mt_json_skip_ws (p);
  if (p->pos >= p->len) {
    return mt_json_fail (p, "valeur attendue", "value expected");
  }
  switch (p->data[p->pos]) {
  case '{': {
    bson_t child;
    bool ok;
    if (!bson_append_document_begin (parent, key, (int) key_len, &child)) {
      return mt_json_fail (p, "document trop grand", "document too large");
    }
    ok = mt_json_parse_members (p, &child, depth + 1);
    bson_append_document_end (parent, &child);
    return ok;
  }
  case '[': {
    bson_t child;
    bool ok;
    if (!bson_append_array_begin (parent, key, (int) key_len, &child)) {
      return mt_json_fail (p, "document trop grand", "document too large");
    }
    ok = mt_json_parse_elements (p, &child, depth + 1);
    bson_append_array_end (parent, &child);
    return ok;
  }
  case '"': {
    mt_buf_t s;
    bool ok;
    mt_buf_init (&s, p->len);
    ok = mt_json_parse_string (p, &s);
    if (ok && !bson_append_utf8 (parent, key, (int) key_len, mt_buf_cstr (&s), (int) s.len)) {
      ok = mt_json_fail (p, "document trop grand", "document too large");
    }
    mt_buf_destroy (&s);
    return ok;
  }
  case 't':
    return mt_json_expect_literal (p, "true") &&
           bson_append_bool (parent, key, (int) key_len, true);
  case 'f':
    return mt_json_expect_literal (p, "false") &&
           bson_append_bool (parent, key, (int) key_len, false);
  case 'n':
    return mt_json_expect_literal (p, "null") && bson_append_null (parent, key, (int) key_len);
  default:
    if (p->data[p->pos] == '-' || (p->data[p->pos] >= '0' && p->data[p->pos] <= '9')) {
      return mt_json_parse_number (p, parent, key, key_len);
    }
    return mt_json_fail (p, "valeur inattendue", "unexpected value");
  }
}

static void
mt_json_parser_init (mt_json_parser_t *p, const char *data, size_t len, int flags,
                     mt_error_t *error)
{
  memset (p, 0, sizeof *p);
  p->data = data;
  p->len = len;
  p->flags = flags;
  p->max_depth = (flags & MT_JSON_TRUSTED) ? MT_JSON_TRUSTED_MAX_DEPTH : MT_JSON_MAX_DEPTH;
  p->error = error;
}

static bool
mt_json_check_start (mt_json_parser_t *p)
{
  if (p->len >= 3 && memcmp (p->data, "\xef\xbb\xbf", 3) == 0) {
    return mt_json_fail (p, "marque d'ordre des octets (BOM) interdite",
                         "byte order mark not allowed");
  }
  return true;
}

static bool
mt_json_check_end (mt_json_parser_t *p)
{
  mt_json_skip_ws (p);
  if (p->pos != p->len) {
    return mt_json_fail (p, "données après la fin du document", "trailing data after the document");
  }
  return true;
}

bool
mt_json_parse_object (const char *data, size_t len, int flags, bson_t *out, mt_error_t *error)
{
  mt_json_parser_t p;

  bson_init (out);
  mt_json_parser_init (&p, data, len, flags, error);
  if (!mt_json_check_start (&p)) {
    return false;
  }
  mt_json_skip_ws (&p);
  if (p.pos >= p.len || data[p.pos] != '{') {
    mt_json_fail (&p, "objet JSON attendu", "JSON object expected");
    return false;
  }
  if (!mt_json_parse_members (&p, out, 1) || !mt_json_check_end (&p)) {
    bson_reinit (out);
    return false;
  }
  return true;
}

bool
mt_json_parse_value (const char *data, size_t len, int flags, bson_t *parent, const char *key,
                     mt_error_t *error)
{
  mt_json_parser_t p;

  mt_json_parser_init (&p, data, len, flags, error);
  return mt_json_check_start (&p) && mt_json_parse_any (&p, parent, key, strlen (key), 0) &&
         mt_json_check_end (&p);
}

/* ------------------------------------------------------------------------------------------ */
/* Writer                                                                                     */
/* ------------------------------------------------------------------------------------------ */

bool
mt_json_append_string (mt_buf_t *buf, const char *str, size_t len)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *s = (const unsigned char *) str;
  size_t i = 0;

  mt_buf_append_char (buf, '"');
  while (i < len) {
    size_t start = i;
    /* One run of what is written as it is: printable ASCII but '"' and '\\', and whole valid
     * UTF-8 sequences (French text is full of them). */
    while (i < len) {
      if (s[i] >= 0x20 && s[i] != '"' && s[i] != '\\' && s[i] < 0x80) {
        i++;
      } else if (s[i] >= 0x80) {
        uint32_t cp;
        size_t n = mt_utf8_decode (s + i, len - i, &cp);
        if (n == 0) {
          break;
        }
        i += n;
      } else {
        break;
      }
    }
    if (i > start) {
      mt_buf_append (buf, str + start, i - start);
    }
    if (i >= len) {
      break;
    }
    if (s[i] >= 0x80) {
      mt_buf_append_str (buf, "\xef\xbf\xbd"); /* U+FFFD keeps the output valid */
      i++;
      continue;
    }
    switch (s[i]) {
    case '"':
      mt_buf_append_str (buf, "\\\"");
      break;
    case '\\':
      mt_buf_append_str (buf, "\\\\");
      break;
    case '\n':
      mt_buf_append_str (buf, "\\n");
      break;
    case '\r':
      mt_buf_append_str (buf, "\\r");
      break;
    case '\t':
      mt_buf_append_str (buf, "\\t");
      break;
    case '\b':
      mt_buf_append_str (buf, "\\b");
      break;
    case '\f':
      mt_buf_append_str (buf, "\\f");
      break;
    default: {
      char esc[7] = { '\\', 'u', '0', '0', hex[s[i] >> 4], hex[s[i] & 15], '\0' };
      mt_buf_append_str (buf, esc);
    }
    }
    i++;
  }
  return mt_buf_append_char (buf, '"');
}

static void
mt_json_append_double (mt_buf_t *buf, double v)
{
  char text[40];

  if (!isfinite (v)) {
    mt_buf_append_str (buf, "null");
    return;
  }
  /* The shortest precision that reads back to the same double. */
  for (int precision = 15; precision <= 17; precision++) {
    snprintf (text, sizeof text, "%.*g", precision, v);
    if (strtod (text, NULL) == v) {
      break;
    }
  }
  mt_buf_append_str (buf, text);
  /* "2" or "-0" would read back as an integer: a double keeps a fraction ("2.0", "-0.0"). */
  if (strspn (text, "-0123456789") == strlen (text)) {
    mt_buf_append_str (buf, ".0");
  }
}

static bool mt_json_append_container (mt_buf_t *buf, bson_iter_t *iter, bool as_array);

bool
mt_json_append_value (mt_buf_t *buf, const bson_iter_t *iter_in)
{
  bson_iter_t iter = *iter_in;

  switch (bson_iter_type (&iter)) {
  case BSON_TYPE_DOUBLE:
    mt_json_append_double (buf, bson_iter_double (&iter));
    break;
  case BSON_TYPE_UTF8: {
    uint32_t len;
    const char *s = bson_iter_utf8 (&iter, &len);
    mt_json_append_string (buf, s, len);
    break;
  }
  case BSON_TYPE_DOCUMENT:
  case BSON_TYPE_ARRAY: {
    bson_iter_t child;
    if (bson_iter_recurse (&iter, &child)) {
      mt_json_append_container (buf, &child, bson_iter_type (&iter) == BSON_TYPE_ARRAY);
    } else {
      mt_buf_append_str (buf, "null");
    }
    break;
  }
  case BSON_TYPE_BINARY: {
    bson_subtype_t subtype;
    uint32_t len;
    const uint8_t *data;
    char *text;
    bson_iter_binary (&iter, &subtype, &len, &data);
    text = malloc (mt_b64_encoded_len (len) + 1);
    if (!text) {
      buf->failed = true;
      break;
    }
    mt_b64_encode (data, len, text);
    mt_json_append_string (buf, text, strlen (text));
    free (text);
    break;
  }
  case BSON_TYPE_OID: {
    char hex[25];
    bson_oid_to_string (bson_iter_oid (&iter), hex);
    mt_json_append_string (buf, hex, 24);
    break;
  }
  case BSON_TYPE_BOOL:
    mt_buf_append_str (buf, bson_iter_bool (&iter) ? "true" : "false");
    break;
  case BSON_TYPE_DATE_TIME: {
    char ts[MT_TIME_RFC3339_MAX];
    size_t n = mt_time_format_rfc3339 (bson_iter_date_time (&iter), ts);
    mt_json_append_string (buf, ts, n);
    break;
  }
  case BSON_TYPE_INT32:
    mt_buf_append_int (buf, bson_iter_int32 (&iter));
    break;
  case BSON_TYPE_INT64:
    mt_buf_append_int (buf, bson_iter_int64 (&iter));
    break;
  case BSON_TYPE_TIMESTAMP: {
    uint32_t t;
    uint32_t inc;
    bson_iter_timestamp (&iter, &t, &inc);
    mt_buf_append_int (buf, t);
    break;
  }
  case BSON_TYPE_DECIMAL128: {
    bson_decimal128_t dec;
    char text[BSON_DECIMAL128_STRING];
    bson_iter_decimal128 (&iter, &dec);
    bson_decimal128_to_string (&dec, text);
    mt_json_append_string (buf, text, strlen (text));
    break;
  }
  case BSON_TYPE_REGEX: {
    const char *options;
    const char *re = bson_iter_regex (&iter, &options);
    mt_json_append_string (buf, re, strlen (re));
    break;
  }
  case BSON_TYPE_EOD:
  case BSON_TYPE_UNDEFINED:
  case BSON_TYPE_NULL:
  case BSON_TYPE_DBPOINTER:
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL:
  case BSON_TYPE_CODEWSCOPE:
  case BSON_TYPE_MAXKEY:
  case BSON_TYPE_MINKEY:
  default:
    mt_buf_append_str (buf, "null");
    break;
  }
  return !buf->failed;
}

static bool
mt_json_append_container (mt_buf_t *buf, bson_iter_t *iter, bool as_array)
{
  bool first = true;

  mt_buf_append_char (buf, as_array ? '[' : '{');
  while (bson_iter_next (iter)) {
    if (!first) {
      mt_buf_append_char (buf, ',');
    }
    first = false;
    if (!as_array) {
      mt_json_append_string (buf, bson_iter_key (iter), bson_iter_key_len (iter));
      mt_buf_append_char (buf, ':');
    }
    mt_json_append_value (buf, iter);
  }
  return mt_buf_append_char (buf, as_array ? ']' : '}');
}

bool
mt_json_append_document (mt_buf_t *buf, const bson_t *doc)
{
  bson_iter_t iter;
  if (!bson_iter_init (&iter, doc)) {
    buf->failed = true;
    return false;
  }
  return mt_json_append_container (buf, &iter, false);
}

bool
mt_json_append_array (mt_buf_t *buf, const bson_t *doc)
{
  bson_iter_t iter;
  if (!bson_iter_init (&iter, doc)) {
    buf->failed = true;
    return false;
  }
  return mt_json_append_container (buf, &iter, true);
}

char *
mt_json_from_bson (const bson_t *doc, size_t *len)
{
  mt_buf_t buf;

  mt_buf_init (&buf, MT_JSON_OUTPUT_MAX);
  if (!mt_json_append_document (&buf, doc)) {
    mt_buf_destroy (&buf);
    return NULL;
  }
  return mt_buf_steal (&buf, len);
}
