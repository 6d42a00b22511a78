/*
 * mt_schema_validate: evaluation of an instance against a compiled schema.
 *
 * Thread-safety by construction: the schema tree is read-only after
 * mt_schema_registry_resolve; everything evaluation needs (depth counter, instance path,
 * dynamic scope, evaluated-property bits) lives in the caller's stack frames; regexec works on
 * a shared compiled expression (POSIX requires it to be thread-safe) and uselocale only
 * changes the calling thread's locale. No global or static mutable state.
 *
 * Allocation-light: the success path allocates nothing, except bit sets for
 * unevaluatedProperties/unevaluatedItems over more than 512 members. Error reporting of
 * anyOf/oneOf allocates a few mt_error_t, only when the instance is invalid.
 *
 * The instance path is a linked list of segments on the stack, formatted into error->path
 * (RFC 6901) only when an error is reported. Evaluation stops at the first failing keyword.
 */
#include "mt_schema_private.h"

#include "mt_json.h"
#include "mt_time.h"

#include <arpa/inet.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_EVAL_NAME_MAX 64  /* bytes of a field name quoted in a message */
#define MT_EVAL_STACK_BITS 8 /* 64-bit words of a bit set kept on the stack */

/* A decoded JSON value of the instance. */
typedef struct {
  bson_type_t type;
  const char *str; /* UTF8 */
  uint32_t len;    /* UTF8 bytes, or DOCUMENT/ARRAY bytes */
  const uint8_t *data;
  mt_schema_num_t num;
  bool boolean;
} mt_inst_t;

/* One segment of the instance location; NULL is the root. */
typedef struct mt_eval_path {
  const struct mt_eval_path *up;
  const char *key; /* NULL: array index */
  size_t len;
  size_t index;
} mt_eval_path_t;

/* The dynamic scope: schema resources entered, innermost first. */
typedef struct mt_eval_scope {
  const struct mt_eval_scope *up;
  const mt_schema_resource_t *res;
} mt_eval_scope_t;

/* Which properties (object) or items (array) of one instance were evaluated. */
typedef struct {
  size_t n;
  uint64_t *bits;
  uint64_t local[MT_EVAL_STACK_BITS];
} mt_ann_t;

typedef struct {
  int flags;
  unsigned depth;
} mt_eval_t;

static bool mt_eval (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v,
                     const mt_eval_path_t *path, const mt_eval_scope_t *scope, mt_ann_t *ann,
                     mt_error_t *error);

/* ------------------------------------------------------------------------------------------ */
/* Instances                                                                                  */

static void
mt_inst_from_iter (const bson_iter_t *it, mt_inst_t *v)
{
  memset (v, 0, sizeof *v);
  v->type = bson_iter_type (it);
  switch (v->type) {
  case BSON_TYPE_UTF8:
    v->str = bson_iter_utf8 (it, &v->len);
    break;
  case BSON_TYPE_DOCUMENT:
    bson_iter_document (it, &v->len, &v->data);
    break;
  case BSON_TYPE_ARRAY:
    bson_iter_array (it, &v->len, &v->data);
    break;
  case BSON_TYPE_INT32:
    v->num.is_int = true;
    v->num.i = bson_iter_int32 (it);
    v->num.d = (double) v->num.i;
    break;
  case BSON_TYPE_INT64:
    v->num.is_int = true;
    v->num.i = bson_iter_int64 (it);
    v->num.d = (double) v->num.i;
    break;
  case BSON_TYPE_DOUBLE:
    v->num.d = bson_iter_double (it);
    break;
  case BSON_TYPE_BOOL:
    v->boolean = bson_iter_bool (it);
    break;
  case BSON_TYPE_EOD:
  case BSON_TYPE_UNDEFINED:
  case BSON_TYPE_OID:
  case BSON_TYPE_DATE_TIME:
  case BSON_TYPE_NULL:
  case BSON_TYPE_REGEX:
  case BSON_TYPE_DBPOINTER:
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL:
  case BSON_TYPE_CODEWSCOPE:
  case BSON_TYPE_TIMESTAMP:
  case BSON_TYPE_DECIMAL128:
  case BSON_TYPE_MAXKEY:
  case BSON_TYPE_MINKEY:
  case BSON_TYPE_BINARY:
  default:
    break;
  }
}

static bool
mt_inst_is_number (const mt_inst_t *v)
{
  return v->type == BSON_TYPE_INT32 || v->type == BSON_TYPE_INT64 || v->type == BSON_TYPE_DOUBLE;
}

/* MT_SCHEMA_TYPE_* bits of @v; 0 for BSON types that JSON lacks. */
static uint32_t
mt_inst_types (const mt_inst_t *v)
{
  switch (v->type) {
  case BSON_TYPE_NULL:
    return MT_SCHEMA_TYPE_NULL;
  case BSON_TYPE_BOOL:
    return MT_SCHEMA_TYPE_BOOLEAN;
  case BSON_TYPE_DOCUMENT:
    return MT_SCHEMA_TYPE_OBJECT;
  case BSON_TYPE_ARRAY:
    return MT_SCHEMA_TYPE_ARRAY;
  case BSON_TYPE_UTF8:
    return MT_SCHEMA_TYPE_STRING;
  case BSON_TYPE_INT32:
  case BSON_TYPE_INT64:
    return MT_SCHEMA_TYPE_NUMBER | MT_SCHEMA_TYPE_INTEGER;
  case BSON_TYPE_DOUBLE:
    /* 1.0 is an integer in JSON Schema */
    if (isfinite (v->num.d) && v->num.d == floor (v->num.d)) {
      return MT_SCHEMA_TYPE_NUMBER | MT_SCHEMA_TYPE_INTEGER;
    }
    return MT_SCHEMA_TYPE_NUMBER;
  case BSON_TYPE_EOD:
  case BSON_TYPE_UNDEFINED:
  case BSON_TYPE_OID:
  case BSON_TYPE_DATE_TIME:
  case BSON_TYPE_REGEX:
  case BSON_TYPE_DBPOINTER:
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL:
  case BSON_TYPE_CODEWSCOPE:
  case BSON_TYPE_TIMESTAMP:
  case BSON_TYPE_DECIMAL128:
  case BSON_TYPE_MAXKEY:
  case BSON_TYPE_MINKEY:
  case BSON_TYPE_BINARY:
  default:
    return 0;
  }
}

static size_t
mt_inst_count (const mt_inst_t *v)
{
  bson_iter_t it;
  size_t n = 0;

  if (bson_iter_init_from_data (&it, v->data, v->len)) {
    while (bson_iter_next (&it)) {
      n++;
    }
  }
  return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Numbers and equality                                                                       */

/* -1, 0, 1; 2 when unordered (NaN). Exact between int64 and double. */
static int
mt_num_cmp_int_double (int64_t i, double d)
{
  int64_t t;
  double frac;

  if (isnan (d)) {
    return 2;
  }
  if (d >= 9223372036854775808.0) {
    return -1;
  }
  if (d < -9223372036854775808.0) {
    return 1;
  }
  t = (int64_t) d; /* truncation toward zero; in range */
  if (i != t) {
    return i < t ? -1 : 1;
  }
  frac = d - (double) t;
  return frac > 0 ? -1 : (frac < 0 ? 1 : 0);
}

static int
mt_num_cmp (const mt_schema_num_t *a, const mt_schema_num_t *b)
{
  if (a->is_int && b->is_int) {
    return a->i < b->i ? -1 : (a->i > b->i ? 1 : 0);
  }
  if (a->is_int) {
    return mt_num_cmp_int_double (a->i, b->d);
  }
  if (b->is_int) {
    int r = mt_num_cmp_int_double (b->i, a->d);
    return r == 2 ? 2 : -r;
  }
  if (isnan (a->d) || isnan (b->d)) {
    return 2;
  }
  return a->d < b->d ? -1 : (a->d > b->d ? 1 : 0);
}

static bool
mt_num_is_multiple (const mt_schema_num_t *v, const mt_schema_num_t *m)
{
  double q;

  if (v->is_int && m->is_int) {
    return m->i > 0 && v->i % m->i == 0;
  }
  if (v->d == 0) {
    return true;
  }
  q = v->d / m->d;
  if (!isfinite (q)) {
    return false;
  }
  /* Tolerate the rounding of one division (0.0075 / 0.0001). */
  return fabs (q - nearbyint (q)) <= 4 * DBL_EPSILON * fabs (q);
}

static void
mt_num_text (const mt_schema_num_t *n, char out[40])
{
  if (n->is_int) {
    snprintf (out, 40, "%lld", (long long) n->i);
    return;
  }
  snprintf (out, 40, "%.15g", n->d);
  if (strtod (out, NULL) != n->d) {
    snprintf (out, 40, "%.17g", n->d);
  }
}

static bool mt_json_equal (const mt_inst_t *a, const mt_inst_t *b);

static bool
mt_json_equal_object (const mt_inst_t *a, const mt_inst_t *b)
{
  bson_iter_t ia, ib;
  size_t na = 0;

  if (!bson_iter_init_from_data (&ia, a->data, a->len)) {
    return false;
  }
  while (bson_iter_next (&ia)) {
    mt_inst_t va, vb;
    na++;
    if (!bson_iter_init_from_data (&ib, b->data, b->len) ||
        !bson_iter_find_w_len (&ib, bson_iter_key (&ia), (int) bson_iter_key_len (&ia))) {
      return false;
    }
    mt_inst_from_iter (&ia, &va);
    mt_inst_from_iter (&ib, &vb);
    if (!mt_json_equal (&va, &vb)) {
      return false;
    }
  }
  return na == mt_inst_count (b);
}

static bool
mt_json_equal_array (const mt_inst_t *a, const mt_inst_t *b)
{
  bson_iter_t ia, ib;

  if (!bson_iter_init_from_data (&ia, a->data, a->len) ||
      !bson_iter_init_from_data (&ib, b->data, b->len)) {
    return false;
  }
  while (true) {
    bool more_a = bson_iter_next (&ia);
    bool more_b = bson_iter_next (&ib);
    mt_inst_t va, vb;
    if (more_a != more_b) {
      return false;
    }
    if (!more_a) {
      return true;
    }
    mt_inst_from_iter (&ia, &va);
    mt_inst_from_iter (&ib, &vb);
    if (!mt_json_equal (&va, &vb)) {
      return false;
    }
  }
}

/* Equality with JSON semantics: 1 == 1.0, objects compare regardless of key order. */
static bool
mt_json_equal (const mt_inst_t *a, const mt_inst_t *b)
{
  if (mt_inst_is_number (a) && mt_inst_is_number (b)) {
    return mt_num_cmp (&a->num, &b->num) == 0;
  }
  if (a->type != b->type) {
    return false;
  }
  switch (a->type) {
  case BSON_TYPE_UTF8:
    return a->len == b->len && memcmp (a->str, b->str, a->len) == 0;
  case BSON_TYPE_BOOL:
    return a->boolean == b->boolean;
  case BSON_TYPE_NULL:
    return true;
  case BSON_TYPE_DOCUMENT:
    return mt_json_equal_object (a, b);
  case BSON_TYPE_ARRAY:
    return mt_json_equal_array (a, b);
  case BSON_TYPE_EOD:
  case BSON_TYPE_DOUBLE:
  case BSON_TYPE_INT32:
  case BSON_TYPE_INT64:
  case BSON_TYPE_UNDEFINED:
  case BSON_TYPE_OID:
  case BSON_TYPE_DATE_TIME:
  case BSON_TYPE_REGEX:
  case BSON_TYPE_DBPOINTER:
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL:
  case BSON_TYPE_CODEWSCOPE:
  case BSON_TYPE_TIMESTAMP:
  case BSON_TYPE_DECIMAL128:
  case BSON_TYPE_MAXKEY:
  case BSON_TYPE_MINKEY:
  case BSON_TYPE_BINARY:
  default:
    return false;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Formats                                                                                    */

static bool
mt_format_digits (const char *s, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return false;
    }
  }
  return true;
}

/* RFC 3339 full-date. */
static bool
mt_format_date (const char *s, size_t len)
{
  static const unsigned mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
  unsigned year, month, day, max;

  if (len != 10 || s[4] != '-' || s[7] != '-' || !mt_format_digits (s, 4) ||
      !mt_format_digits (s + 5, 2) || !mt_format_digits (s + 8, 2)) {
    return false;
  }
  year = (unsigned) ((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
  month = (unsigned) ((s[5] - '0') * 10 + (s[6] - '0'));
  day = (unsigned) ((s[8] - '0') * 10 + (s[9] - '0'));
  if (month < 1 || month > 12 || day < 1) {
    return false;
  }
  max = mdays[month - 1];
  if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))) {
    max = 29;
  }
  return day <= max;
}

static bool
mt_format_is_hex (char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 9562 textual form, any version and variant. */
static bool
mt_format_uuid (const char *s, size_t len)
{
  if (len != 36) {
    return false;
  }
  for (size_t i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !mt_format_is_hex (s[i])) {
      return false;
    }
  }
  return true;
}

static bool
mt_format_is_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens. */
static bool
mt_format_hostname (const char *s, size_t len)
{
  size_t label = 0;

  if (len == 0 || len > 253) {
    return false;
  }
  for (size_t i = 0; i <= len; i++) {
    if (i == len || s[i] == '.') {
      if (label == 0 || label > 63 || s[i - 1] == '-') {
        return false;
      }
      label = 0;
    } else if (mt_format_is_alnum (s[i]) || (s[i] == '-' && label > 0)) {
      label++;
    } else {
      return false;
    }
  }
  return true;
}

/* RFC 5321 Mailbox: Local-part "@" ( Domain / address-literal ). */
static bool
mt_format_email (const char *s, size_t len)
{
  const char *at = NULL;
  size_t local_len;

  if (len == 0 || len > 320) {
    return false;
  }
  if (s[0] == '"') {
    /* Quoted-string: printable ASCII and spaces, backslash pairs. */
    size_t i = 1;
    while (i < len && s[i] != '"') {
      if (s[i] == '\\') {
        i++;
      }
      if (i >= len || (unsigned char) s[i] < 0x20 || (unsigned char) s[i] > 0x7e) {
        return false;
      }
      i++;
    }
    if (i + 1 >= len || s[i + 1] != '@') {
      return false;
    }
    at = s + i + 1;
  } else {
    /* Dot-string: atoms of atext separated by single dots. */
    static const char atext_extra[] = "!#$%&'*+-/=?^_`{|}~";
    size_t atom = 0;
    size_t i;
    for (i = 0; i < len && s[i] != '@'; i++) {
      if (s[i] == '.') {
        if (atom == 0) {
          return false;
        }
        atom = 0;
      } else if (mt_format_is_alnum (s[i]) || strchr (atext_extra, s[i])) {
        atom++;
      } else {
        return false;
      }
    }
    if (i >= len || atom == 0) {
      return false;
    }
    at = s + i;
  }
  local_len = (size_t) (at - s);
  if (local_len == 0 || local_len > 64) {
    return false;
  }
  {
    const char *domain = at + 1;
    size_t dlen = len - local_len - 1;
    char literal[64];
    if (dlen >= 2 && domain[0] == '[' && domain[dlen - 1] == ']') {
      const char *inner = domain + 1;
      size_t ilen = dlen - 2;
      bool v6 = ilen > 5 && memcmp (inner, "IPv6:", 5) == 0;
      unsigned char addr[16];
      if (v6) {
        inner += 5, ilen -= 5;
      }
      if (ilen == 0 || ilen >= sizeof literal) {
        return false;
      }
      memcpy (literal, inner, ilen);
      literal[ilen] = '\0';
      return inet_pton (v6 ? AF_INET6 : AF_INET, literal, addr) == 1;
    }
    return mt_format_hostname (domain, dlen);
  }
}

bool
mt_schema_format_check (mt_schema_format_t format, const char *text, size_t len)
{
  switch (format) {
  case MT_SCHEMA_FORMAT_DATE_TIME:
    return mt_time_is_rfc3339 (text, len);
  case MT_SCHEMA_FORMAT_DATE:
    return mt_format_date (text, len);
  case MT_SCHEMA_FORMAT_EMAIL:
    return mt_format_email (text, len);
  case MT_SCHEMA_FORMAT_UUID:
    return mt_format_uuid (text, len);
  case MT_SCHEMA_FORMAT_NONE:
  default:
    return true;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */

typedef struct {
  char *p;
  size_t len;
  size_t cap;
} mt_path_buf_t;

static void
mt_path_put (mt_path_buf_t *b, char c)
{
  if (b->len + 1 < b->cap) {
    b->p[b->len++] = c;
  } else {
    b->len = b->cap; /* mark as truncated */
  }
}

static void
mt_path_segment (mt_path_buf_t *b, const char *key, size_t len)
{
  mt_path_put (b, '/');
  for (size_t i = 0; i < len; i++) {
    if (key[i] == '~') {
      mt_path_put (b, '~');
      mt_path_put (b, '0');
    } else if (key[i] == '/') {
      mt_path_put (b, '~');
      mt_path_put (b, '1');
    } else {
      mt_path_put (b, key[i]);
    }
  }
}

static void
mt_path_format (mt_path_buf_t *b, const mt_eval_path_t *path)
{
  if (!path) {
    return;
  }
  mt_path_format (b, path->up);
  if (path->key) {
    mt_path_segment (b, path->key, path->len);
  } else {
    char idx[24];
    int n = snprintf (idx, sizeof idx, "%zu", path->index);
    mt_path_segment (b, idx, (size_t) n);
  }
}

/* Writes the pointer of @path (plus @extra when not NULL) into error->path. */
static void
mt_eval_set_path (mt_error_t *error, const mt_eval_path_t *path, const char *extra,
                  size_t extra_len)
{
  mt_path_buf_t b;

  if (!error) {
    return;
  }
  b.p = error->path;
  b.len = 0;
  b.cap = sizeof error->path;
  mt_path_format (&b, path);
  if (extra) {
    mt_path_segment (&b, extra, extra_len);
  }
  if (b.len >= b.cap) {
    /* Truncated: cut at a UTF-8 boundary. */
    b.len = b.cap - 1;
    while (b.len > 0 && ((unsigned char) b.p[b.len] & 0xc0) == 0x80) {
      b.len--;
    }
  }
  b.p[b.len] = '\0';
}

/* Length of @name to quote in a message: at most MT_EVAL_NAME_MAX bytes, whole code points. */
static int
mt_eval_clip (const char *name, size_t len)
{
  if (len <= MT_EVAL_NAME_MAX) {
    return (int) len;
  }
  len = MT_EVAL_NAME_MAX;
  while (len > 0 && ((unsigned char) name[len] & 0xc0) == 0x80) {
    len--;
  }
  return (int) len;
}

/* Sets a validation error at @path (+ @extra), and evaluates to false. */
#define MT_EVAL_FAIL(error, path, extra, extra_len, ...)                                           \
  (mt_error_set ((error), MT_DOMAIN_SCHEMA, MT_ERR_VALIDATION, __VA_ARGS__),                       \
   mt_eval_set_path ((error), (path), (extra), (extra_len)), false)

/* "une chaîne ou null" / "a string or null" for type bits @types. */
static void
mt_eval_type_words (uint32_t types, char *fr, char *en, size_t size)
{
  static const struct {
    uint32_t bit;
    const char *fr;
    const char *en;
  } words[] = {
    { MT_SCHEMA_TYPE_STRING, "une chaîne", "a string" },
    { MT_SCHEMA_TYPE_INTEGER, "un entier", "an integer" },
    { MT_SCHEMA_TYPE_NUMBER, "un nombre", "a number" },
    { MT_SCHEMA_TYPE_BOOLEAN, "un booléen", "a boolean" },
    { MT_SCHEMA_TYPE_OBJECT, "un objet", "an object" },
    { MT_SCHEMA_TYPE_ARRAY, "un tableau", "an array" },
    { MT_SCHEMA_TYPE_NULL, "null", "null" },
  };
  size_t lf = 0, le = 0;
  bool first = true;

  fr[0] = en[0] = '\0';
  if (types & MT_SCHEMA_TYPE_NUMBER) {
    types &= ~(uint32_t) MT_SCHEMA_TYPE_INTEGER; /* "a number" covers integers */
  }
  for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
    if (!(types & words[i].bit)) {
      continue;
    }
    if (lf < size) {
      lf += (size_t) snprintf (fr + lf, size - lf, "%s%s", first ? "" : " ou ", words[i].fr);
    }
    if (le < size) {
      le += (size_t) snprintf (en + le, size - le, "%s%s", first ? "" : " or ", words[i].en);
    }
    first = false;
  }
  if (first) {
    snprintf (fr, size, "d'aucun type");
    snprintf (en, size, "of no type");
  }
}

static bool
mt_eval_fail_type (mt_error_t *error, const mt_eval_path_t *path, uint32_t types)
{
  char fr[160], en[160];

  if (!error) {
    return false;
  }
  mt_eval_type_words (types, fr, en, sizeof fr);
  return MT_EVAL_FAIL (error, path, NULL, 0, "doit être %s%.0s", "must be %.0s%s", fr, en);
}

/* ------------------------------------------------------------------------------------------ */
/* Annotations (which members were evaluated)                                                 */

static bool
mt_ann_init (mt_ann_t *a, size_t n)
{
  size_t words = (n + 63) / 64;

  a->n = n;
  if (words <= MT_EVAL_STACK_BITS) {
    memset (a->local, 0, sizeof a->local);
    a->bits = a->local;
    return true;
  }
  a->bits = calloc (words, sizeof *a->bits);
  return a->bits != NULL;
}

static void
mt_ann_destroy (mt_ann_t *a)
{
  if (a->bits && a->bits != a->local) {
    free (a->bits);
  }
  a->bits = NULL;
}

static void
mt_ann_mark (mt_ann_t *a, size_t i)
{
  if (a && i < a->n) {
    a->bits[i / 64] |= (uint64_t) 1 << (i % 64);
  }
}

static bool
mt_ann_has (const mt_ann_t *a, size_t i)
{
  return (a->bits[i / 64] >> (i % 64)) & 1;
}

static void
mt_ann_merge (mt_ann_t *dst, const mt_ann_t *src)
{
  if (dst && src) {
    for (size_t w = 0; w < (dst->n + 63) / 64; w++) {
      dst->bits[w] |= src->bits[w];
    }
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Applicators                                                                                */

/* Picks the most useful error among failing branches (anyOf, oneOf without a match). */
static bool
mt_eval_fail_branches (mt_eval_t *ev, mt_schema_t *const *branches, size_t n, const mt_inst_t *v,
                       const mt_eval_path_t *path, const mt_eval_scope_t *scope, mt_error_t *error)
{
  uint32_t inst_types = mt_inst_types (v);
  uint32_t union_types = 0;
  size_t candidates = 0;
  bool all_typed = true;
  mt_error_t *best = NULL, *tmp = NULL;
  size_t here;
  mt_path_buf_t pb;
  char here_buf[MT_ERROR_PATH_MAX];

  if (!error) {
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    const mt_schema_t *b = branches[i];
    if (b->kind == MT_SCHEMA_KIND_OBJECT && b->types) {
      union_types |= b->types;
      if (b->types & inst_types) {
        candidates++;
      }
    } else {
      all_typed = false;
      candidates++;
    }
  }
  if (candidates == 0 && all_typed) {
    return mt_eval_fail_type (error, path, union_types);
  }
  pb.p = here_buf;
  pb.len = 0;
  pb.cap = sizeof here_buf;
  mt_path_format (&pb, path);
  here = pb.len;
  best = calloc (1, sizeof *best);
  tmp = calloc (1, sizeof *tmp);
  if (best && tmp) {
    for (size_t i = 0; i < n; i++) {
      const mt_schema_t *b = branches[i];
      if (b->kind == MT_SCHEMA_KIND_OBJECT && b->types && !(b->types & inst_types)) {
        continue;
      }
      mt_error_clear (tmp);
      if (mt_eval (ev, b, v, path, scope, NULL, tmp)) {
        continue; /* cannot happen: every branch failed */
      }
      if (best->code == MT_ERR_NONE || strlen (tmp->path) > strlen (best->path)) {
        mt_error_copy (best, tmp);
      }
    }
  }
  if (best && best->code != MT_ERR_NONE && (candidates == 1 || strlen (best->path) > here)) {
    mt_error_copy (error, best);
  } else {
    (void) MT_EVAL_FAIL (error, path, NULL, 0, "ne correspond à aucune des formes permises",
                         "does not match any of the allowed forms");
  }
  free (best);
  free (tmp);
  return false;
}

static bool
mt_eval_any_of (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v, const mt_eval_path_t *path,
                const mt_eval_scope_t *scope, mt_ann_t *ann, mt_error_t *error)
{
  bool any = false;

  for (size_t i = 0; i < s->n_any_of; i++) {
    if (ann) {
      /* Annotations of every valid branch count: no short-circuit. */
      mt_ann_t tmp;
      if (!mt_ann_init (&tmp, ann->n)) {
        return MT_EVAL_FAIL (error, path, NULL, 0, "mémoire insuffisante", "out of memory");
      }
      if (mt_eval (ev, s->any_of[i], v, path, scope, &tmp, NULL)) {
        any = true;
        mt_ann_merge (ann, &tmp);
      }
      mt_ann_destroy (&tmp);
    } else if (mt_eval (ev, s->any_of[i], v, path, scope, NULL, NULL)) {
      return true;
    }
  }
  if (any) {
    return true;
  }
  return mt_eval_fail_branches (ev, s->any_of, s->n_any_of, v, path, scope, error);
}

static bool
mt_eval_one_of (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v, const mt_eval_path_t *path,
                const mt_eval_scope_t *scope, mt_ann_t *ann, mt_error_t *error)
{
  size_t valid = 0;
  size_t first = 0;

  for (size_t i = 0; i < s->n_one_of && valid < 2; i++) {
    if (mt_eval (ev, s->one_of[i], v, path, scope, NULL, NULL)) {
      if (valid++ == 0) {
        first = i;
      }
    }
  }
  if (valid == 0) {
    return mt_eval_fail_branches (ev, s->one_of, s->n_one_of, v, path, scope, error);
  }
  if (valid > 1) {
    return MT_EVAL_FAIL (error, path, NULL, 0,
                         "correspond à plusieurs formes alors qu'une seule est permise",
                         "matches more than one of the exclusive forms");
  }
  if (ann) {
    /* Evaluate the one valid branch again, for its annotations. */
    return mt_eval (ev, s->one_of[first], v, path, scope, ann, error);
  }
  return true;
}

static bool
mt_eval_conditional (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v,
                     const mt_eval_path_t *path, const mt_eval_scope_t *scope, mt_ann_t *ann,
                     mt_error_t *error)
{
  bool cond;

  if (ann) {
    mt_ann_t tmp;
    if (!mt_ann_init (&tmp, ann->n)) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "mémoire insuffisante", "out of memory");
    }
    cond = mt_eval (ev, s->if_schema, v, path, scope, &tmp, NULL);
    if (cond) {
      mt_ann_merge (ann, &tmp);
    }
    mt_ann_destroy (&tmp);
  } else {
    cond = mt_eval (ev, s->if_schema, v, path, scope, NULL, NULL);
  }
  if (cond && s->then_schema) {
    return mt_eval (ev, s->then_schema, v, path, scope, ann, error);
  }
  if (!cond && s->else_schema) {
    return mt_eval (ev, s->else_schema, v, path, scope, ann, error);
  }
  return true;
}

/* The target of "$dynamicRef": the outermost resource of the dynamic scope that bears the
 * same $dynamicAnchor, else the static target. */
static const mt_schema_t *
mt_eval_dynamic_target (const mt_schema_t *s, const mt_eval_scope_t *scope)
{
  const mt_schema_t *target = s->dynamic_ref;

  if (!s->dynamic_ref_anchor) {
    return target;
  }
  for (; scope; scope = scope->up) {
    for (const mt_schema_anchor_t *a = scope->res->dynamic_anchors; a; a = a->next) {
      if (strcmp (a->name, s->dynamic_ref_anchor) == 0) {
        target = a->schema; /* keep going: the outermost wins */
        break;
      }
    }
  }
  return target;
}

/* ------------------------------------------------------------------------------------------ */
/* Keywords by instance type                                                                  */

static bool
mt_eval_number (const mt_schema_t *s, const mt_inst_t *v, const mt_eval_path_t *path,
                mt_error_t *error)
{
  char t[40];

  if ((s->has & MT_SCHEMA_HAS_MINIMUM) && mt_num_cmp (&v->num, &s->minimum) < 0) {
    mt_num_text (&s->minimum, t);
    return MT_EVAL_FAIL (error, path, NULL, 0, "doit être supérieur ou égal à %s",
                         "must be greater than or equal to %s", t);
  }
  if ((s->has & MT_SCHEMA_HAS_MAXIMUM) && mt_num_cmp (&v->num, &s->maximum) == 1) {
    mt_num_text (&s->maximum, t);
    return MT_EVAL_FAIL (error, path, NULL, 0, "doit être inférieur ou égal à %s",
                         "must be less than or equal to %s", t);
  }
  if ((s->has & MT_SCHEMA_HAS_EXCL_MINIMUM) && mt_num_cmp (&v->num, &s->exclusive_minimum) != 1) {
    mt_num_text (&s->exclusive_minimum, t);
    return MT_EVAL_FAIL (error, path, NULL, 0, "doit être strictement supérieur à %s",
                         "must be greater than %s", t);
  }
  if ((s->has & MT_SCHEMA_HAS_EXCL_MAXIMUM) && mt_num_cmp (&v->num, &s->exclusive_maximum) != -1) {
    mt_num_text (&s->exclusive_maximum, t);
    return MT_EVAL_FAIL (error, path, NULL, 0, "doit être strictement inférieur à %s",
                         "must be less than %s", t);
  }
  if ((s->has & MT_SCHEMA_HAS_MULTIPLE_OF) && !mt_num_is_multiple (&v->num, &s->multiple_of)) {
    mt_num_text (&s->multiple_of, t);
    return MT_EVAL_FAIL (error, path, NULL, 0, "doit être un multiple de %s",
                         "must be a multiple of %s", t);
  }
  return true;
}

static bool
mt_eval_string (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v, const mt_eval_path_t *path,
                mt_error_t *error)
{
  if (s->has & (MT_SCHEMA_HAS_MIN_LENGTH | MT_SCHEMA_HAS_MAX_LENGTH)) {
    int64_t n = (int64_t) mt_utf8_length (v->str, v->len);
    if ((s->has & MT_SCHEMA_HAS_MIN_LENGTH) && n < s->min_length) {
      if (s->min_length == 1) {
        return MT_EVAL_FAIL (error, path, NULL, 0, "ne doit pas être vide", "must not be empty");
      }
      return MT_EVAL_FAIL (error, path, NULL, 0, "au moins %lld caractères",
                           "at least %lld characters", (long long) s->min_length);
    }
    if ((s->has & MT_SCHEMA_HAS_MAX_LENGTH) && n > s->max_length) {
      if (s->max_length == 1) {
        return MT_EVAL_FAIL (error, path, NULL, 0, "au plus 1 caractère", "at most 1 character");
      }
      return MT_EVAL_FAIL (error, path, NULL, 0, "au plus %lld caractères",
                           "at most %lld characters", (long long) s->max_length);
    }
  }
  if (s->pattern && !mt_schema_regex_search (s->pattern, v->str, v->len)) {
    return MT_EVAL_FAIL (error, path, NULL, 0, "ne correspond pas au motif « %.80s »",
                         "does not match the pattern \"%.80s\"", s->pattern->source);
  }
  if (s->format != MT_SCHEMA_FORMAT_NONE && (ev->flags & MT_SCHEMA_ASSERT_FORMAT) &&
      !mt_schema_format_check (s->format, v->str, v->len)) {
    switch (s->format) {
    case MT_SCHEMA_FORMAT_DATE_TIME:
      return MT_EVAL_FAIL (error, path, NULL, 0,
                           "doit être une date et heure RFC 3339 (2026-06-12T09:00:00Z)",
                           "must be an RFC 3339 date-time (2026-06-12T09:00:00Z)");
    case MT_SCHEMA_FORMAT_DATE:
      return MT_EVAL_FAIL (error, path, NULL, 0, "doit être une date AAAA-MM-JJ",
                           "must be a date YYYY-MM-DD");
    case MT_SCHEMA_FORMAT_EMAIL:
      return MT_EVAL_FAIL (error, path, NULL, 0, "doit être une adresse électronique valide",
                           "must be a valid email address");
    case MT_SCHEMA_FORMAT_UUID:
      return MT_EVAL_FAIL (error, path, NULL, 0, "doit être un UUID", "must be a UUID");
    case MT_SCHEMA_FORMAT_NONE:
    default:
      break;
    }
  }
  return true;
}

static const mt_schema_t *
mt_eval_find_property (const mt_schema_t *s, const char *key, size_t len)
{
  size_t lo = 0, hi = s->n_properties;

  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    const mt_schema_prop_t *p = &s->properties[mid];
    int c = p->len != len ? (p->len < len ? -1 : 1) : memcmp (p->name, key, len);
    if (c == 0) {
      return p->schema;
    }
    if (c < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return NULL;
}

static bool
mt_eval_has_key (const mt_inst_t *v, const char *name, size_t len)
{
  bson_iter_t it;
  return bson_iter_init_from_data (&it, v->data, v->len) &&
         bson_iter_find_w_len (&it, name, (int) len);
}

/* Evaluates member @child (named @key) against @sub; special messages for false schemas. */
static bool
mt_eval_member (mt_eval_t *ev, const mt_schema_t *sub, const mt_inst_t *child,
                const mt_eval_path_t *cpath, const mt_eval_scope_t *scope, bool unknown,
                mt_error_t *error)
{
  if (sub->kind == MT_SCHEMA_KIND_FALSE) {
    int n = mt_eval_clip (cpath->key, cpath->len);
    if (unknown) {
      return MT_EVAL_FAIL (error, cpath, NULL, 0, "champ inconnu « %.*s »",
                           "unknown field \"%.*s\"", n, cpath->key);
    }
    return MT_EVAL_FAIL (error, cpath, NULL, 0, "champ non permis « %.*s »",
                         "field \"%.*s\" not allowed", n, cpath->key);
  }
  return mt_eval (ev, sub, child, cpath, scope, NULL, error);
}

static bool
mt_eval_object (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v, const mt_eval_path_t *path,
                const mt_eval_scope_t *scope, mt_ann_t *ann, mt_error_t *error)
{
  bson_iter_t it;
  size_t i;

  for (i = 0; i < s->n_required; i++) {
    const mt_schema_name_t *r = &s->required[i];
    if (!mt_eval_has_key (v, r->name, r->len)) {
      int n = mt_eval_clip (r->name, r->len);
      return MT_EVAL_FAIL (error, path, r->name, r->len, "champ requis manquant « %.*s »",
                           "missing required field \"%.*s\"", n, r->name);
    }
  }
  if (s->has & (MT_SCHEMA_HAS_MIN_PROPERTIES | MT_SCHEMA_HAS_MAX_PROPERTIES)) {
    int64_t n = (int64_t) mt_inst_count (v);
    if ((s->has & MT_SCHEMA_HAS_MIN_PROPERTIES) && n < s->min_properties) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "au moins %lld champ(s)", "at least %lld field(s)",
                           (long long) s->min_properties);
    }
    if ((s->has & MT_SCHEMA_HAS_MAX_PROPERTIES) && n > s->max_properties) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "au plus %lld champ(s)", "at most %lld field(s)",
                           (long long) s->max_properties);
    }
  }
  for (i = 0; i < s->n_dependent_required; i++) {
    const mt_schema_dependency_t *d = &s->dependent_required[i];
    if (!mt_eval_has_key (v, d->name, d->len)) {
      continue;
    }
    for (size_t j = 0; j < d->n_required; j++) {
      const mt_schema_name_t *r = &d->required[j];
      if (!mt_eval_has_key (v, r->name, r->len)) {
        int n = mt_eval_clip (r->name, r->len);
        int m = mt_eval_clip (d->name, d->len);
        return MT_EVAL_FAIL (
          error, path, r->name, r->len, "champ requis manquant « %.*s » (requis avec « %.*s »)",
          "missing required field \"%.*s\" (required with \"%.*s\")", n, r->name, m, d->name);
      }
    }
  }
  if (!bson_iter_init_from_data (&it, v->data, v->len)) {
    return MT_EVAL_FAIL (error, path, NULL, 0, "objet corrompu", "corrupt object");
  }
  for (i = 0; bson_iter_next (&it); i++) {
    mt_eval_path_t cpath = { path, bson_iter_key (&it), bson_iter_key_len (&it), 0 };
    mt_inst_t child;
    const mt_schema_t *sub;
    bool matched = false;

    mt_inst_from_iter (&it, &child);
    if (s->n_properties && (sub = mt_eval_find_property (s, cpath.key, cpath.len))) {
      matched = true;
      mt_ann_mark (ann, i);
      if (!mt_eval_member (ev, sub, &child, &cpath, scope, false, error)) {
        return false;
      }
    }
    for (size_t p = 0; p < s->n_pattern_properties; p++) {
      const mt_schema_pattern_prop_t *pp = &s->pattern_properties[p];
      if (mt_schema_regex_search (pp->regex, cpath.key, cpath.len)) {
        matched = true;
        mt_ann_mark (ann, i);
        if (!mt_eval_member (ev, pp->schema, &child, &cpath, scope, false, error)) {
          return false;
        }
      }
    }
    if (!matched && s->additional_properties) {
      mt_ann_mark (ann, i);
      if (!mt_eval_member (ev, s->additional_properties, &child, &cpath, scope, true, error)) {
        return false;
      }
    }
    if (s->property_names) {
      mt_inst_t name = { 0 };
      name.type = BSON_TYPE_UTF8;
      name.str = cpath.key;
      name.len = (uint32_t) cpath.len;
      if (!mt_eval (ev, s->property_names, &name, &cpath, scope, NULL, NULL)) {
        int n = mt_eval_clip (cpath.key, cpath.len);
        return MT_EVAL_FAIL (error, &cpath, NULL, 0, "nom de champ invalide « %.*s »",
                             "invalid field name \"%.*s\"", n, cpath.key);
      }
    }
  }
  for (i = 0; i < s->n_dependent_schemas; i++) {
    const mt_schema_prop_t *d = &s->dependent_schemas[i];
    if (mt_eval_has_key (v, d->name, d->len) &&
        !mt_eval (ev, d->schema, v, path, scope, ann, error)) {
      return false;
    }
  }
  return true;
}

static bool
mt_eval_array (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v, const mt_eval_path_t *path,
               const mt_eval_scope_t *scope, mt_ann_t *ann, mt_error_t *error)
{
  size_t n = mt_inst_count (v);
  bson_iter_t it;
  size_t i;

  if ((s->has & MT_SCHEMA_HAS_MIN_ITEMS) && (int64_t) n < s->min_items) {
    return MT_EVAL_FAIL (error, path, NULL, 0, "au moins %lld élément(s)", "at least %lld item(s)",
                         (long long) s->min_items);
  }
  if ((s->has & MT_SCHEMA_HAS_MAX_ITEMS) && (int64_t) n > s->max_items) {
    return MT_EVAL_FAIL (error, path, NULL, 0, "au plus %lld élément(s)", "at most %lld item(s)",
                         (long long) s->max_items);
  }
  if (s->items && s->items->kind == MT_SCHEMA_KIND_FALSE && n > s->n_prefix_items) {
    return MT_EVAL_FAIL (error, path, NULL, 0, "au plus %zu élément(s)", "at most %zu item(s)",
                         s->n_prefix_items);
  }
  if (s->n_prefix_items || s->items) {
    if (!bson_iter_init_from_data (&it, v->data, v->len)) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "tableau corrompu", "corrupt array");
    }
    for (i = 0; bson_iter_next (&it); i++) {
      mt_eval_path_t cpath = { path, NULL, 0, i };
      const mt_schema_t *sub = i < s->n_prefix_items ? s->prefix_items[i] : s->items;
      mt_inst_t child;
      if (!sub) {
        break;
      }
      mt_inst_from_iter (&it, &child);
      mt_ann_mark (ann, i);
      if (!mt_eval (ev, sub, &child, &cpath, scope, NULL, error)) {
        return false;
      }
    }
  }
  if (s->contains) {
    int64_t matches = 0;
    if (!bson_iter_init_from_data (&it, v->data, v->len)) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "tableau corrompu", "corrupt array");
    }
    for (i = 0; bson_iter_next (&it); i++) {
      mt_eval_path_t cpath = { path, NULL, 0, i };
      mt_inst_t child;
      mt_inst_from_iter (&it, &child);
      if (mt_eval (ev, s->contains, &child, &cpath, scope, NULL, NULL)) {
        matches++;
        mt_ann_mark (ann, i);
      }
    }
    if (matches < s->min_contains) {
      return MT_EVAL_FAIL (
        error, path, NULL, 0, "doit contenir au moins %lld élément(s) conforme(s)",
        "must contain at least %lld matching item(s)", (long long) s->min_contains);
    }
    if ((s->has & MT_SCHEMA_HAS_MAX_CONTAINS) && matches > s->max_contains) {
      return MT_EVAL_FAIL (
        error, path, NULL, 0, "doit contenir au plus %lld élément(s) conforme(s)",
        "must contain at most %lld matching item(s)", (long long) s->max_contains);
    }
  }
  if (s->unique_items && n > 1) {
    bson_iter_t a, b;
    if (!bson_iter_init_from_data (&a, v->data, v->len)) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "tableau corrompu", "corrupt array");
    }
    for (i = 0; bson_iter_next (&a); i++) {
      mt_inst_t va;
      mt_inst_from_iter (&a, &va);
      b = a;
      for (size_t j = i + 1; bson_iter_next (&b); j++) {
        mt_inst_t vb;
        mt_inst_from_iter (&b, &vb);
        if (mt_json_equal (&va, &vb)) {
          mt_eval_path_t cpath = { path, NULL, 0, j };
          return MT_EVAL_FAIL (error, &cpath, NULL, 0, "valeur en double (déjà à l'index %zu)",
                               "duplicate value (already at index %zu)", i);
        }
      }
    }
  }
  return true;
}

/* unevaluatedProperties / unevaluatedItems over the members not marked in @ann. */
static bool
mt_eval_unevaluated (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v,
                     const mt_eval_path_t *path, const mt_eval_scope_t *scope, mt_ann_t *ann,
                     mt_error_t *error)
{
  bool object = v->type == BSON_TYPE_DOCUMENT;
  const mt_schema_t *sub = object ? s->unevaluated_properties : s->unevaluated_items;
  bson_iter_t it;

  if (!bson_iter_init_from_data (&it, v->data, v->len)) {
    return MT_EVAL_FAIL (error, path, NULL, 0, "valeur corrompue", "corrupt value");
  }
  for (size_t i = 0; bson_iter_next (&it); i++) {
    mt_eval_path_t cpath = { path, NULL, 0, i };
    mt_inst_t child;
    if (mt_ann_has (ann, i)) {
      continue;
    }
    if (object) {
      cpath.key = bson_iter_key (&it);
      cpath.len = bson_iter_key_len (&it);
    }
    mt_inst_from_iter (&it, &child);
    if (object ? !mt_eval_member (ev, sub, &child, &cpath, scope, true, error)
               : !mt_eval (ev, sub, &child, &cpath, scope, NULL, error)) {
      return false;
    }
    mt_ann_mark (ann, i);
  }
  return true;
}

/* ------------------------------------------------------------------------------------------ */
/* One schema                                                                                 */

static bool
mt_eval_keywords (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v,
                  const mt_eval_path_t *path, const mt_eval_scope_t *scope, mt_ann_t *ann,
                  mt_error_t *error)
{
  if (s->has & MT_SCHEMA_HAS_REF) {
    if (!s->ref) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "référence de schéma non résolue",
                           "unresolved schema reference");
    }
    if (!mt_eval (ev, s->ref, v, path, scope, ann, error)) {
      return false;
    }
  }
  if (s->has & MT_SCHEMA_HAS_DYNAMIC_REF) {
    const mt_schema_t *target = mt_eval_dynamic_target (s, scope);
    if (!target) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "référence de schéma non résolue",
                           "unresolved schema reference");
    }
    if (!mt_eval (ev, target, v, path, scope, ann, error)) {
      return false;
    }
  }
  if (s->types && !(s->types & mt_inst_types (v))) {
    return mt_eval_fail_type (error, path, s->types);
  }
  if (s->has & MT_SCHEMA_HAS_CONST) {
    bson_iter_t it;
    mt_inst_t c;
    if (!bson_iter_init_from_data (&it, s->const_value.data, s->const_value.len) ||
        !bson_iter_next (&it)) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "schéma corrompu", "corrupt schema");
    }
    mt_inst_from_iter (&it, &c);
    if (!mt_json_equal (v, &c)) {
      if (s->const_text) {
        return MT_EVAL_FAIL (error, path, NULL, 0, "doit valoir %s", "must be %s", s->const_text);
      }
      return MT_EVAL_FAIL (error, path, NULL, 0, "valeur imposée non respectée",
                           "must equal the required value");
    }
  }
  if (s->has & MT_SCHEMA_HAS_ENUM) {
    bson_iter_t it;
    bool found = false;
    if (bson_iter_init_from_data (&it, s->enum_values.data, s->enum_values.len)) {
      while (!found && bson_iter_next (&it)) {
        mt_inst_t e;
        mt_inst_from_iter (&it, &e);
        found = mt_json_equal (v, &e);
      }
    }
    if (!found) {
      if (s->enum_text) {
        return MT_EVAL_FAIL (error, path, NULL, 0, "doit être l'une des valeurs %s",
                             "must be one of %s", s->enum_text);
      }
      return MT_EVAL_FAIL (error, path, NULL, 0, "valeur non permise",
                           "not one of the allowed values");
    }
  }
  switch (v->type) {
  case BSON_TYPE_INT32:
  case BSON_TYPE_INT64:
  case BSON_TYPE_DOUBLE:
    if (!mt_eval_number (s, v, path, error)) {
      return false;
    }
    break;
  case BSON_TYPE_UTF8:
    if (!mt_eval_string (ev, s, v, path, error)) {
      return false;
    }
    break;
  case BSON_TYPE_DOCUMENT:
    if (!mt_eval_object (ev, s, v, path, scope, ann, error)) {
      return false;
    }
    break;
  case BSON_TYPE_ARRAY:
    if (!mt_eval_array (ev, s, v, path, scope, ann, error)) {
      return false;
    }
    break;
  case BSON_TYPE_EOD:
  case BSON_TYPE_UNDEFINED:
  case BSON_TYPE_OID:
  case BSON_TYPE_BOOL:
  case BSON_TYPE_DATE_TIME:
  case BSON_TYPE_NULL:
  case BSON_TYPE_REGEX:
  case BSON_TYPE_DBPOINTER:
  case BSON_TYPE_CODE:
  case BSON_TYPE_SYMBOL:
  case BSON_TYPE_CODEWSCOPE:
  case BSON_TYPE_TIMESTAMP:
  case BSON_TYPE_DECIMAL128:
  case BSON_TYPE_MAXKEY:
  case BSON_TYPE_MINKEY:
  case BSON_TYPE_BINARY:
  default:
    break;
  }
  for (size_t i = 0; i < s->n_all_of; i++) {
    if (!mt_eval (ev, s->all_of[i], v, path, scope, ann, error)) {
      return false;
    }
  }
  if (s->n_any_of && !mt_eval_any_of (ev, s, v, path, scope, ann, error)) {
    return false;
  }
  if (s->n_one_of && !mt_eval_one_of (ev, s, v, path, scope, ann, error)) {
    return false;
  }
  if (s->not_schema && mt_eval (ev, s->not_schema, v, path, scope, NULL, NULL)) {
    return MT_EVAL_FAIL (error, path, NULL, 0, "correspond à une forme interdite",
                         "matches a forbidden form");
  }
  if (s->if_schema && !mt_eval_conditional (ev, s, v, path, scope, ann, error)) {
    return false;
  }
  return true;
}

static bool
mt_eval (mt_eval_t *ev, const mt_schema_t *s, const mt_inst_t *v, const mt_eval_path_t *path,
         const mt_eval_scope_t *scope, mt_ann_t *ann, mt_error_t *error)
{
  mt_eval_scope_t here;
  mt_ann_t own;
  mt_ann_t *use = ann;
  const mt_schema_t *unevaluated = NULL;
  bool ok;

  if (s->kind == MT_SCHEMA_KIND_TRUE) {
    return true;
  }
  if (s->kind == MT_SCHEMA_KIND_FALSE) {
    return MT_EVAL_FAIL (error, path, NULL, 0, "valeur non permise", "value not allowed");
  }
  if (ev->depth >= MT_SCHEMA_MAX_DEPTH) {
    return MT_EVAL_FAIL (error, path, NULL, 0, "schéma trop profond (boucle de références ?)",
                         "schema nesting too deep (reference loop?)");
  }
  if (!scope || scope->res != s->resource) {
    here.up = scope;
    here.res = s->resource;
    scope = &here;
  }
  if (v->type == BSON_TYPE_DOCUMENT) {
    unevaluated = s->unevaluated_properties;
  } else if (v->type == BSON_TYPE_ARRAY) {
    unevaluated = s->unevaluated_items;
  }
  if (unevaluated) {
    /* This node needs its own record of what its keywords evaluated. */
    if (!mt_ann_init (&own, mt_inst_count (v))) {
      return MT_EVAL_FAIL (error, path, NULL, 0, "mémoire insuffisante", "out of memory");
    }
    use = &own;
  }
  ev->depth++;
  ok = mt_eval_keywords (ev, s, v, path, scope, use, error);
  if (ok && unevaluated) {
    ok = mt_eval_unevaluated (ev, s, v, path, scope, use, error);
  }
  ev->depth--;
  if (unevaluated) {
    if (ok) {
      mt_ann_merge (ann, &own);
    }
    mt_ann_destroy (&own);
  }
  return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Entry points                                                                               */

static bool
mt_eval_no_schema (mt_error_t *error)
{
  mt_error_set (error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL, "schéma absent", "no schema");
  return false;
}

bool
mt_schema_validate (const mt_schema_t *schema, const bson_t *doc, mt_error_t *error)
{
  mt_eval_t ev = { 0, 0 };
  mt_inst_t v = { 0 };

  if (!schema || !doc) {
    return mt_eval_no_schema (error);
  }
  ev.flags = mt_schema_flags (schema);
  v.type = BSON_TYPE_DOCUMENT;
  v.data = bson_get_data (doc);
  v.len = doc->len;
  return mt_eval (&ev, schema, &v, NULL, NULL, NULL, error);
}

bool
mt_schema_validate_value (const mt_schema_t *schema, const bson_iter_t *value, mt_error_t *error)
{
  mt_eval_t ev = { 0, 0 };
  mt_inst_t v;

  if (!schema || !value) {
    return mt_eval_no_schema (error);
  }
  ev.flags = mt_schema_flags (schema);
  mt_inst_from_iter (value, &v);
  return mt_eval (&ev, schema, &v, NULL, NULL, NULL, error);
}
