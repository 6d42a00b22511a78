/*
 * mt_schema_regex: JSON Schema patterns (ECMA-262 regular expressions) on top of POSIX
 * <regex.h>.
 *
 * A pattern is translated once, when its schema is added, into a POSIX extended expression
 * and compiled with REG_EXTENDED | REG_NOSUB in a UTF-8 LC_CTYPE (C.UTF-8), so that '.' and
 * bracket expressions see code points, not bytes. Matching is an unanchored search, as in
 * ECMA-262. Translation:
 *   \d \D \w \W \s \S    -> bracket expressions ([0-9], [^A-Za-z0-9_], ...), inside classes too
 *   \p{L} \p{Letter} \p{Lu} \p{Ll} (and \P{...})  -> [[:alpha:]] [[:upper:]] [[:lower:]]
 *   \n \r \t \f \v \0 \cX \xHH \uHHHH \u{H...} and surrogate pairs -> the characters
 *   \b \B (word boundaries) -> the GNU operators of the same meaning (glibc only)
 *   .                    -> any character but \n \r U+2028 U+2029
 *   (?: ...) (?<name> ...) -> ( ... )
 *   *? +? ?? {n,m}?      -> greedy (same answer for a yes/no search)
 *   [...]                -> a POSIX bracket expression with ']' first, '-' last, and escapes
 *                           resolved (POSIX brackets have no escapes); ranges beyond ASCII
 *                           ("[À-ÿ]") are listed character by character, since glibc refuses
 *                           multibyte ranges (at most 4096 code points per range)
 * Refused (error at add time): lookahead and lookbehind, back-references, \p{...} classes
 * other than the ones above, empty classes "[]" and "[^]", and \D \W \S inside a class.
 * Differences that remain: POSIX chooses the longest alternative, which changes nothing for a
 * yes/no search; \s and \w follow ECMA-262's ASCII-plus-listed-spaces definitions, while
 * [[:alpha:]] follows the C library's Unicode tables.
 */
#include "mt_schema_private.h"

#include <stdio.h>
#include <string.h>

/* Widest range of non-ASCII code points in a class (listed one by one). */
#define MT_REGEX_RANGE_MAX 4096
/* Longest translated expression. */
#define MT_REGEX_POSIX_MAX (256 * 1024)

/* ECMA-262 WhiteSpace and LineTerminator, for \s. */
static const char mt_regex_space_ascii[] = " \t\n\r\f\v";
static const char mt_regex_space_utf8[] = "\xc2\xa0"     /* U+00A0 */
                                          "\xe1\x9a\x80" /* U+1680 */
                                          "\xe2\x80\x80\xe2\x80\x81\xe2\x80\x82\xe2\x80\x83"
                                          "\xe2\x80\x84\xe2\x80\x85\xe2\x80\x86\xe2\x80\x87"
                                          "\xe2\x80\x88\xe2\x80\x89\xe2\x80\x8a" /* 2000-200A */
                                          "\xe2\x80\xa8\xe2\x80\xa9"             /* 2028 2029 */
                                          "\xe2\x80\xaf\xe2\x81\x9f"             /* 202F 205F */
                                          "\xe3\x80\x80"                         /* U+3000 */
                                          "\xef\xbb\xbf";                        /* U+FEFF */

typedef struct {
  const char *p;
  size_t len;
  size_t pos;
  bool utf8;
  mt_buf_t *out;
  mt_error_t *error;
} mt_regex_tr_t;

/* One element of a class: a code point, or a predefined set. */
typedef enum {
  MT_REGEX_ATOM_CHAR,
  MT_REGEX_ATOM_SET,     /* \d \w \s \p{..}: members given as bracket contents */
  MT_REGEX_ATOM_NEG_SET, /* \D \W \S \P{..} */
} mt_regex_atom_kind_t;

typedef struct {
  mt_regex_atom_kind_t kind;
  uint32_t cp;
  const char *set; /* bracket contents without the brackets */
} mt_regex_atom_t;

static bool
mt_regex_fail (mt_regex_tr_t *t, const char *fr, const char *en)
{
  int shown = (int) (t->len > 80 ? 80 : t->len);

  /* Each format skips the other language's words with "%.0s". */
  mt_error_set (t->error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL, "motif « %.*s » : %s%.0s",
                "pattern \"%.*s\": %.0s%s", shown, t->p, fr, en);
  return false;
}

static void
mt_regex_put_utf8 (mt_buf_t *out, uint32_t cp)
{
  char b[4];
  size_t n;

  if (cp < 0x80) {
    b[0] = (char) cp;
    n = 1;
  } else if (cp < 0x800) {
    b[0] = (char) (0xc0 | (cp >> 6));
    b[1] = (char) (0x80 | (cp & 0x3f));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = (char) (0xe0 | (cp >> 12));
    b[1] = (char) (0x80 | ((cp >> 6) & 0x3f));
    b[2] = (char) (0x80 | (cp & 0x3f));
    n = 3;
  } else {
    b[0] = (char) (0xf0 | (cp >> 18));
    b[1] = (char) (0x80 | ((cp >> 12) & 0x3f));
    b[2] = (char) (0x80 | ((cp >> 6) & 0x3f));
    b[3] = (char) (0x80 | (cp & 0x3f));
    n = 4;
  }
  mt_buf_append (out, b, n);
}

/* Decodes the UTF-8 code point at t->pos (the text is valid UTF-8: it came from mt_json). */
static uint32_t
mt_regex_next_cp (mt_regex_tr_t *t)
{
  const unsigned char *s = (const unsigned char *) t->p + t->pos;
  size_t left = t->len - t->pos;
  uint32_t cp = s[0];
  size_t n = 1;

  if (cp >= 0xf0 && left >= 4) {
    cp = ((cp & 0x07u) << 18) | ((s[1] & 0x3fu) << 12) | ((s[2] & 0x3fu) << 6) | (s[3] & 0x3fu);
    n = 4;
  } else if (cp >= 0xe0 && left >= 3) {
    cp = ((cp & 0x0fu) << 12) | ((s[1] & 0x3fu) << 6) | (s[2] & 0x3fu);
    n = 3;
  } else if (cp >= 0xc0 && left >= 2) {
    cp = ((cp & 0x1fu) << 6) | (s[1] & 0x3fu);
    n = 2;
  }
  t->pos += n;
  return cp;
}

static bool
mt_regex_hex (mt_regex_tr_t *t, size_t digits, uint32_t *cp)
{
  uint32_t v = 0;

  if (t->len - t->pos < digits) {
    return false;
  }
  for (size_t i = 0; i < digits; i++) {
    char c = t->p[t->pos + i];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= (uint32_t) (c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= (uint32_t) (c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= (uint32_t) (c - 'A' + 10);
    } else {
      return false;
    }
  }
  t->pos += digits;
  *cp = v;
  return true;
}

/* \u escape after "\u": HHHH, a surrogate pair, or {H...}. */
static bool
mt_regex_unicode_escape (mt_regex_tr_t *t, uint32_t *cp)
{
  if (t->pos < t->len && t->p[t->pos] == '{') {
    uint32_t v = 0;
    size_t digits = 0;
    t->pos++;
    while (t->pos < t->len && t->p[t->pos] != '}') {
      uint32_t d;
      if (digits++ > 6 || !mt_regex_hex (t, 1, &d)) {
        return false;
      }
      v = (v << 4) | d;
    }
    if (t->pos >= t->len || digits == 0 || v > 0x10ffff) {
      return false;
    }
    t->pos++;
    *cp = v;
    return true;
  }
  if (!mt_regex_hex (t, 4, cp)) {
    return false;
  }
  if (*cp >= 0xd800 && *cp <= 0xdbff && t->len - t->pos >= 6 && t->p[t->pos] == '\\' &&
      t->p[t->pos + 1] == 'u') {
    size_t save = t->pos;
    uint32_t lo;
    t->pos += 2;
    if (mt_regex_hex (t, 4, &lo) && lo >= 0xdc00 && lo <= 0xdfff) {
      *cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
    } else {
      t->pos = save;
    }
  }
  return true;
}

static const char *
mt_regex_space_set (mt_regex_tr_t *t, char *buf, size_t size)
{
  snprintf (buf, size, "%s%s", mt_regex_space_ascii, t->utf8 ? mt_regex_space_utf8 : "");
  return buf;
}

/*
 * Reads the escape after a backslash (t->pos is past the backslash) into @atom. @in_class
 * changes the meaning of \b (backspace in a class). Returns false with the error set, or with
 * *word_boundary set for \b / \B outside a class.
 */
static bool
mt_regex_escape (mt_regex_tr_t *t, bool in_class, mt_regex_atom_t *atom, char *space_buf,
                 size_t space_size, int *word_boundary)
{
  char c;

  *word_boundary = 0;
  if (t->pos >= t->len) {
    return mt_regex_fail (t, "barre oblique inverse finale", "trailing backslash");
  }
  c = t->p[t->pos];
  atom->kind = MT_REGEX_ATOM_CHAR;
  atom->set = NULL;
  switch (c) {
  case 'd':
  case 'D':
    atom->kind = c == 'd' ? MT_REGEX_ATOM_SET : MT_REGEX_ATOM_NEG_SET;
    atom->set = "0-9";
    t->pos++;
    return true;
  case 'w':
  case 'W':
    atom->kind = c == 'w' ? MT_REGEX_ATOM_SET : MT_REGEX_ATOM_NEG_SET;
    atom->set = "A-Za-z0-9_";
    t->pos++;
    return true;
  case 's':
  case 'S':
    atom->kind = c == 's' ? MT_REGEX_ATOM_SET : MT_REGEX_ATOM_NEG_SET;
    atom->set = mt_regex_space_set (t, space_buf, space_size);
    t->pos++;
    return true;
  case 'p':
  case 'P': {
    static const struct {
      const char *name;
      const char *set;
    } props[] = {
      { "L", "[:alpha:]" },  { "Letter", "[:alpha:]" },
      { "Lu", "[:upper:]" }, { "Uppercase_Letter", "[:upper:]" },
      { "Ll", "[:lower:]" }, { "Lowercase_Letter", "[:lower:]" },
    };
    size_t start, end;
    t->pos++;
    if (t->pos >= t->len || t->p[t->pos] != '{') {
      return mt_regex_fail (t, "\\p sans {nom}", "\\p without {name}");
    }
    start = ++t->pos;
    while (t->pos < t->len && t->p[t->pos] != '}') {
      t->pos++;
    }
    if (t->pos >= t->len) {
      return mt_regex_fail (t, "\\p{ non fermé", "unterminated \\p{");
    }
    end = t->pos++;
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
      if (strlen (props[i].name) == end - start &&
          memcmp (props[i].name, t->p + start, end - start) == 0) {
        atom->kind = c == 'p' ? MT_REGEX_ATOM_SET : MT_REGEX_ATOM_NEG_SET;
        atom->set = props[i].set;
        return true;
      }
    }
    return mt_regex_fail (t, "propriété Unicode non prise en charge",
                          "unsupported Unicode property");
  }
  case 'b':
  case 'B':
    t->pos++;
    if (in_class && c == 'b') {
      atom->cp = 0x08;
      return true;
    }
    if (in_class) {
      return mt_regex_fail (t, "\\B dans une classe", "\\B inside a class");
    }
#ifdef __GLIBC__
    *word_boundary = c;
    return true;
#else
    return mt_regex_fail (t, "limite de mot non prise en charge", "word boundary not supported");
#endif
  case 'n':
    atom->cp = '\n';
    break;
  case 'r':
    atom->cp = '\r';
    break;
  case 't':
    atom->cp = '\t';
    break;
  case 'f':
    atom->cp = '\f';
    break;
  case 'v':
    atom->cp = '\v';
    break;
  case '0':
    if (t->pos + 1 < t->len && t->p[t->pos + 1] >= '0' && t->p[t->pos + 1] <= '9') {
      return mt_regex_fail (t, "échappement octal non pris en charge",
                            "octal escape not supported");
    }
    return mt_regex_fail (t, "caractère NUL non pris en charge", "NUL character not supported");
  case 'c':
    t->pos++;
    if (t->pos < t->len && ((t->p[t->pos] >= 'a' && t->p[t->pos] <= 'z') ||
                            (t->p[t->pos] >= 'A' && t->p[t->pos] <= 'Z'))) {
      atom->cp = (uint32_t) t->p[t->pos] & 31u;
      t->pos++;
      return true;
    }
    return mt_regex_fail (t, "\\c invalide", "invalid \\c escape");
  case 'x':
    t->pos++;
    if (!mt_regex_hex (t, 2, &atom->cp) || atom->cp == 0) {
      return mt_regex_fail (t, "\\x invalide", "invalid \\x escape");
    }
    return true;
  case 'u':
    t->pos++;
    if (!mt_regex_unicode_escape (t, &atom->cp) || atom->cp == 0) {
      return mt_regex_fail (t, "\\u invalide", "invalid \\u escape");
    }
    return true;
  case 'k':
    return mt_regex_fail (t, "référence arrière non prise en charge",
                          "back-reference not supported");
  default:
    if (c >= '1' && c <= '9') {
      return mt_regex_fail (t, "référence arrière non prise en charge",
                            "back-reference not supported");
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      return mt_regex_fail (t, "échappement inconnu", "unknown escape");
    }
    /* Identity escape of a punctuation mark or a non-ASCII character. */
    atom->cp = mt_regex_next_cp (t);
    return true;
  }
  t->pos++;
  return true;
}

/* Appends code point @cp outside a bracket expression, escaped if special in ERE. */
static void
mt_regex_put_literal (mt_buf_t *out, uint32_t cp)
{
  if (cp < 0x80 && strchr ("\\^$.|?*+()[]{}", (int) cp) && cp != 0) {
    mt_buf_append_char (out, '\\');
  }
  mt_regex_put_utf8 (out, cp);
}

/* Appends a bracket expression end point; ']' '[' '-' '^' as collating elements. */
static void
mt_regex_put_class_char (mt_buf_t *out, uint32_t cp)
{
  if (cp == ']' || cp == '[' || cp == '-' || cp == '^') {
    mt_buf_appendf (out, "[.%c.]", (char) cp);
  } else {
    mt_regex_put_utf8 (out, cp);
  }
}

/* A class "[...]" (t->pos past '['), translated into one POSIX bracket expression. */
static bool
mt_regex_class (mt_regex_tr_t *t, char *space_buf, size_t space_size)
{
  bool negated = false;
  bool has_close = false, has_dash = false, has_caret = false, has_open = false;
  mt_buf_t body;
  bool ok = false;
  size_t items = 0;

  mt_buf_init (&body, MT_REGEX_POSIX_MAX);
  if (t->pos < t->len && t->p[t->pos] == '^') {
    negated = true;
    t->pos++;
  }
  if (t->pos < t->len && t->p[t->pos] == ']') {
    mt_regex_fail (t, "classe vide non prise en charge", "empty class not supported");
    goto done;
  }
  while (true) {
    mt_regex_atom_t lo, hi;
    int wb;

    if (t->pos >= t->len) {
      mt_regex_fail (t, "classe non fermée", "unterminated class");
      goto done;
    }
    if (t->p[t->pos] == ']') {
      t->pos++;
      break;
    }
    if (t->p[t->pos] == '\\') {
      t->pos++;
      if (!mt_regex_escape (t, true, &lo, space_buf, space_size, &wb)) {
        goto done;
      }
    } else {
      lo.kind = MT_REGEX_ATOM_CHAR;
      lo.cp = mt_regex_next_cp (t);
    }
    if (lo.kind == MT_REGEX_ATOM_NEG_SET) {
      mt_regex_fail (t, "\\D, \\W, \\S ou \\P dans une classe non pris en charge",
                     "\\D, \\W, \\S or \\P inside a class not supported");
      goto done;
    }
    items++;
    if (lo.kind == MT_REGEX_ATOM_SET) {
      mt_buf_append_str (&body, lo.set);
      continue;
    }
    /* A range "a-z"? ('-' before ']' is a literal.) */
    if (t->len - t->pos >= 2 && t->p[t->pos] == '-' && t->p[t->pos + 1] != ']') {
      t->pos++;
      if (t->p[t->pos] == '\\') {
        t->pos++;
        if (!mt_regex_escape (t, true, &hi, space_buf, space_size, &wb)) {
          goto done;
        }
      } else {
        hi.kind = MT_REGEX_ATOM_CHAR;
        hi.cp = mt_regex_next_cp (t);
      }
      if (hi.kind != MT_REGEX_ATOM_CHAR || hi.cp < lo.cp) {
        mt_regex_fail (t, "intervalle invalide dans une classe", "invalid range in a class");
        goto done;
      }
      if (hi.cp < 0x80) {
        mt_regex_put_class_char (&body, lo.cp);
        mt_buf_append_char (&body, '-');
        mt_regex_put_class_char (&body, hi.cp);
        continue;
      }
      /* glibc refuses ranges of multibyte characters (REG_ECOLLATE, even in C.UTF-8): keep
       * the ASCII part as a range and list the other code points one by one. */
      if (lo.cp < 0x80) {
        mt_regex_put_class_char (&body, lo.cp);
        mt_buf_append_char (&body, '-');
        mt_regex_put_class_char (&body, 0x7f);
        lo.cp = 0x80;
      }
      if (hi.cp - lo.cp >= MT_REGEX_RANGE_MAX) {
        mt_regex_fail (t, "intervalle non ASCII trop grand", "non-ASCII range too large");
        goto done;
      }
      for (uint32_t cp = lo.cp; cp <= hi.cp; cp++) {
        if (cp < 0xd800 || cp > 0xdfff) {
          mt_regex_put_utf8 (&body, cp);
        }
      }
      continue;
    }
    switch (lo.cp) {
    case ']':
      has_close = true;
      break;
    case '-':
      has_dash = true;
      break;
    case '^':
      has_caret = true;
      break;
    case '[':
      has_open = true;
      break;
    default:
      mt_regex_put_utf8 (&body, lo.cp);
      break;
    }
  }
  if (items == 0) {
    mt_regex_fail (t, "classe vide non prise en charge", "empty class not supported");
    goto done;
  }
  /* POSIX brackets have no escapes: ']' goes first, '[' after the other members (never
   * before ':' '.' '='), '^' anywhere but first, '-' last. */
  if (!negated && !has_close && body.len == 0 && !has_open && has_caret && !has_dash) {
    mt_buf_append_str (t->out, "\\^");
    ok = true;
    goto done;
  }
  mt_buf_append_str (t->out, negated ? "[^" : "[");
  if (has_close) {
    mt_buf_append_char (t->out, ']');
  }
  mt_buf_append (t->out, body.data ? body.data : "", body.len);
  if (has_open) {
    mt_buf_append_char (t->out, '[');
  }
  if (has_caret && !negated && !has_close && body.len == 0 && !has_open) {
    /* only '^' and '-': "[-^]" */
    mt_buf_append_str (t->out, "-^");
    has_dash = false;
  } else if (has_caret) {
    mt_buf_append_char (t->out, '^');
  }
  if (has_dash) {
    mt_buf_append_char (t->out, '-');
  }
  mt_buf_append_char (t->out, ']');
  ok = !body.failed;
done:
  mt_buf_destroy (&body);
  return ok;
}

/* After a quantifier: drops the '?' of a lazy quantifier. */
static void
mt_regex_skip_lazy (mt_regex_tr_t *t)
{
  if (t->pos < t->len && t->p[t->pos] == '?') {
    t->pos++;
  }
}

/* Length of a "{n}", "{n,}" or "{n,m}" quantifier at t->pos, or 0. */
static size_t
mt_regex_brace_quantifier (const mt_regex_tr_t *t)
{
  size_t i = t->pos + 1;
  size_t digits = 0;

  while (i < t->len && t->p[i] >= '0' && t->p[i] <= '9') {
    i++, digits++;
  }
  if (digits == 0) {
    return 0;
  }
  if (i < t->len && t->p[i] == ',') {
    i++;
    while (i < t->len && t->p[i] >= '0' && t->p[i] <= '9') {
      i++;
    }
  }
  if (i < t->len && t->p[i] == '}') {
    return i + 1 - t->pos;
  }
  return 0;
}

bool
mt_schema_regex_translate (const char *pattern, size_t len, bool utf8, mt_buf_t *out,
                           mt_error_t *error)
{
  mt_regex_tr_t t = { pattern, len, 0, utf8, out, error };
  char space_buf[sizeof mt_regex_space_ascii + sizeof mt_regex_space_utf8];

  while (t.pos < t.len) {
    char c = t.p[t.pos];
    size_t q;

    switch (c) {
    case '\\': {
      mt_regex_atom_t atom;
      int wb;
      t.pos++;
      if (!mt_regex_escape (&t, false, &atom, space_buf, sizeof space_buf, &wb)) {
        return false;
      }
      if (wb) {
        mt_buf_appendf (out, "\\%c", (char) wb);
      } else if (atom.kind == MT_REGEX_ATOM_CHAR) {
        mt_regex_put_literal (out, atom.cp);
      } else {
        mt_buf_appendf (out, "[%s%s]", atom.kind == MT_REGEX_ATOM_NEG_SET ? "^" : "", atom.set);
      }
      break;
    }
    case '[':
      t.pos++;
      if (!mt_regex_class (&t, space_buf, sizeof space_buf)) {
        return false;
      }
      break;
    case '.':
      t.pos++;
      mt_buf_append_str (out, utf8 ? "[^\n\r\xe2\x80\xa8\xe2\x80\xa9]" : "[^\n\r]");
      break;
    case '(':
      t.pos++;
      if (t.pos < t.len && t.p[t.pos] == '?') {
        if (t.len - t.pos >= 2 && t.p[t.pos + 1] == ':') {
          t.pos += 2;
        } else if (t.len - t.pos >= 3 && t.p[t.pos + 1] == '<' && t.p[t.pos + 2] != '=' &&
                   t.p[t.pos + 2] != '!') {
          const char *gt = memchr (t.p + t.pos, '>', t.len - t.pos);
          if (!gt) {
            return mt_regex_fail (&t, "nom de groupe non fermé", "unterminated group name");
          }
          t.pos = (size_t) (gt - t.p) + 1;
        } else {
          return mt_regex_fail (&t, "assertion (lookahead/lookbehind) non prise en charge",
                                "lookahead/lookbehind not supported");
        }
      }
      mt_buf_append_char (out, '(');
      break;
    case '*':
    case '+':
    case '?':
      t.pos++;
      mt_buf_append_char (out, c);
      mt_regex_skip_lazy (&t);
      break;
    case '{':
      q = mt_regex_brace_quantifier (&t);
      if (q > 0) {
        mt_buf_append (out, t.p + t.pos, q);
        t.pos += q;
        mt_regex_skip_lazy (&t);
      } else {
        t.pos++;
        mt_buf_append_str (out, "\\{");
      }
      break;
    case '}':
      t.pos++;
      mt_buf_append_str (out, "\\}");
      break;
    case ']':
      t.pos++;
      mt_buf_append_str (out, "\\]");
      break;
    case '^':
    case '$':
    case '|':
    case ')':
      t.pos++;
      mt_buf_append_char (out, c);
      break;
    default:
      /* a literal character, multibyte ones copied whole */
      mt_regex_put_utf8 (out, mt_regex_next_cp (&t));
      break;
    }
  }
  if (out->failed) {
    return mt_regex_fail (&t, "motif trop long", "pattern too long");
  }
  return true;
}

bool
mt_schema_regex_compile (mt_schema_regex_t *regex, const char *pattern, mt_error_t *error)
{
  mt_buf_t posix;
  locale_t old = (locale_t) 0;
  bool ok = false;
  int rc;

  mt_buf_init (&posix, MT_REGEX_POSIX_MAX);
  if (!mt_schema_regex_translate (pattern, strlen (pattern), regex->locale != (locale_t) 0, &posix,
                                  error)) {
    goto done;
  }
  if (regex->locale) {
    old = uselocale (regex->locale);
  }
  rc = regcomp (&regex->re, mt_buf_cstr (&posix), REG_EXTENDED | REG_NOSUB);
  if (regex->locale) {
    uselocale (old);
  }
  if (rc != 0) {
    char why[128];
    regerror (rc, NULL, why, sizeof why);
    mt_error_set (error, MT_DOMAIN_SCHEMA, MT_ERR_INTERNAL, "motif « %.80s » invalide : %s",
                  "invalid pattern \"%.80s\": %s", pattern, why);
    goto done;
  }
  ok = true;
done:
  mt_buf_destroy (&posix);
  return ok;
}

bool
mt_schema_regex_search (const mt_schema_regex_t *regex, const char *text, size_t len)
{
  locale_t old = (locale_t) 0;
  int rc;

  if (regex->locale) {
    old = uselocale (regex->locale);
  }
#ifdef REG_STARTEND
  {
    regmatch_t m = { 0, (regoff_t) len };
    rc = regexec (&regex->re, text, 1, &m, REG_STARTEND);
  }
#else
  rc = regexec (&regex->re, text, 0, NULL, 0);
#endif
  if (regex->locale) {
    uselocale (old);
  }
  return rc == 0;
}
