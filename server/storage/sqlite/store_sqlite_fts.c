/*
 * store_sqlite_fts.c: full-text search of listings with FTS5.
 *
 * The table listings_fts (migration 2) holds the title, description and tags of every
 * listing under the listing's rowid ("seq"), tokenized by unicode61 with remove_diacritics 2:
 * case and accents are folded on both sides, so "velo" finds "Vélo" and "VÉLO" finds "velo".
 *
 * Users' words become a MATCH expression through mt_sqlite_fts_query, a pure function: every
 * term is one quoted prefix phrase, so nothing a user types is ever FTS5 syntax. The
 * expression is bound as a parameter like any other value.
 *
 * Relevance is mt_listing_score, an FTS5 auxiliary function registered on every connection:
 * a sum of fixed weights per query phrase and column where the phrase occurs. Unlike bm25 it
 * depends on nothing but the row and the query, so a listing keeps its score while others are
 * inserted, and keyset cursors over (score, created_at, id) stay exact.
 */
#include "store_sqlite_private.h"

#include <string.h>

/* ---- The query builder ------------------------------------------------------------------- */

/*
 * Ranges of non-ASCII code points that hold no word character for unicode61 (punctuation,
 * symbols, spaces, controls, emoji, variation selectors). The list errs towards "not a word":
 * a term it wrongly ignores only widens a search, while a term wrongly kept that tokenizes to
 * nothing is dropped by FTS5 from the implicit AND anyway (but would match nothing alone).
 */
static const struct {
  uint32_t first;
  uint32_t last;
} mt_sqlite_fts_separators[] = {
  { 0x0080, 0x00A9 }, /* C1 controls, no-break space, ¡ ¢ £ ¤ ¥ ¦ § ¨ © */
  { 0x00AB, 0x00B1 }, /* « ¬ soft hyphen ® ¯ ° ± */
  { 0x00B4, 0x00B4 }, /* ´ */
  { 0x00B6, 0x00B8 }, /* ¶ · ¸ */
  { 0x00BB, 0x00BB }, /* » */
  { 0x00BF, 0x00BF }, /* ¿ */
  { 0x00D7, 0x00D7 }, /* × */
  { 0x00F7, 0x00F7 }, /* ÷ */
  { 0x02C2, 0x02C5 }, /* modifier symbols */
  { 0x02D2, 0x02DF },
  { 0x02E5, 0x02EB },
  { 0x02ED, 0x02ED },
  { 0x02EF, 0x036F }, /* modifier symbols, combining diacritical marks */
  { 0x0482, 0x0489 },
  { 0x055A, 0x055F },
  { 0x0589, 0x058A },
  { 0x05BE, 0x05BE },
  { 0x05C0, 0x05C0 },
  { 0x05C3, 0x05C3 },
  { 0x05C6, 0x05C6 },
  { 0x05F3, 0x05F4 },
  { 0x0600, 0x060F }, /* Arabic signs and punctuation */
  { 0x061B, 0x061F },
  { 0x066A, 0x066D },
  { 0x06D4, 0x06D4 },
  { 0x1680, 0x1680 },
  { 0x180E, 0x180E },
  { 0x2000, 0x206F }, /* general punctuation: spaces, dashes, quotes, ZWJ, bidi marks */
  { 0x20A0, 0x20CF }, /* currency symbols */
  { 0x20D0, 0x20FF }, /* combining marks for symbols */
  { 0x2100, 0x2101 }, /* the symbols among the letterlike symbols (℀ ™ ℮ ...) */
  { 0x2103, 0x2106 },
  { 0x2108, 0x2109 },
  { 0x2114, 0x2114 },
  { 0x2116, 0x2118 },
  { 0x211E, 0x2123 },
  { 0x2125, 0x2125 },
  { 0x2127, 0x2127 },
  { 0x2129, 0x2129 },
  { 0x212E, 0x212E },
  { 0x213A, 0x213B },
  { 0x2140, 0x2144 },
  { 0x214A, 0x214D },
  { 0x214F, 0x214F },
  { 0x2190, 0x245F }, /* arrows, mathematical operators, technical, control pictures */
  { 0x2500, 0x2775 }, /* box drawing, blocks, shapes, miscellaneous symbols, dingbats */
  { 0x2794, 0x2BFF }, /* dingbats, arrows, braille, mathematical symbols */
  { 0x2E00, 0x2E7F }, /* supplemental punctuation */
  { 0x3000, 0x3004 }, /* CJK spaces and punctuation */
  { 0x3008, 0x3020 },
  { 0x3030, 0x3030 },
  { 0x303D, 0x303F },
  { 0x309B, 0x309C },
  { 0x30A0, 0x30A0 },
  { 0x30FB, 0x30FB },
  { 0xD800, 0xDFFF }, /* surrogates (never valid UTF-8 anyway) */
  { 0xFD3E, 0xFD3F },
  { 0xFE00, 0xFE6F }, /* variation selectors, vertical and small forms */
  { 0xFEFF, 0xFEFF }, /* byte-order mark */
  { 0xFF00, 0xFF0F }, /* fullwidth punctuation */
  { 0xFF1A, 0xFF20 },
  { 0xFF3B, 0xFF40 },
  { 0xFF5B, 0xFF65 },
  { 0xFFE0, 0xFFFF },   /* fullwidth signs, specials */
  { 0x1D100, 0x1D1FF }, /* musical symbols */
  { 0x1F000, 0x1FAFF }, /* mahjong, cards, emoji, pictographs, transport, alchemy... */
  { 0xE0000, 0xE0FFF }, /* tags, variation selectors supplement */
};

bool
mt_sqlite_fts_word_char (uint32_t cp)
{
  size_t lo = 0;
  size_t hi = sizeof mt_sqlite_fts_separators / sizeof mt_sqlite_fts_separators[0];
  size_t mid;

  if (cp < 0x80) {
    return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
  }
  if (cp > 0x10FFFF) {
    return false;
  }
  /* Binary search of the sorted ranges. */
  while (lo < hi) {
    mid = lo + (hi - lo) / 2;
    if (cp < mt_sqlite_fts_separators[mid].first) {
      hi = mid;
    } else if (cp > mt_sqlite_fts_separators[mid].last) {
      lo = mid + 1;
    } else {
      return false;
    }
  }
  return true;
}

/*
 * Decodes the UTF-8 character at @s (at most @len bytes) into *@cp and returns its length,
 * or 0 when the bytes are not well-formed UTF-8 (overlong forms, surrogates and code points
 * above U+10FFFF included).
 */
static size_t
mt_sqlite_utf8_decode (const unsigned char *s, size_t len, uint32_t *cp)
{
  size_t need;
  size_t i;
  uint32_t value;
  uint32_t min;

  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if ((s[0] & 0xE0) == 0xC0) {
    need = 2;
    value = s[0] & 0x1F;
    min = 0x80;
  } else if ((s[0] & 0xF0) == 0xE0) {
    need = 3;
    value = s[0] & 0x0F;
    min = 0x800;
  } else if ((s[0] & 0xF8) == 0xF0) {
    need = 4;
    value = s[0] & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (need > len) {
    return 0;
  }
  for (i = 1; i < need; i++) {
    if ((s[i] & 0xC0) != 0x80) {
      return 0;
    }
    value = (value << 6) | (s[i] & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    return 0;
  }
  *cp = value;
  return need;
}

/*
 * Appends the quoted prefix phrase of @term to @out at *@pos (room is guaranteed by
 * MT_SQLITE_FTS_QUERY_MAX) and returns true, or leaves @out unchanged and returns false when
 * the term holds no word character.
 */
static bool
mt_sqlite_fts_append_term (const char *term, bool first, char *out, size_t *pos)
{
  const unsigned char *s = (const unsigned char *) term;
  size_t len = strlen (term);
  size_t start = *pos;
  size_t used = 0;
  size_t n;
  uint32_t cp = 0;
  bool invalid;
  bool word = false;

  if (!first) {
    out[(*pos)++] = ' ';
  }
  out[(*pos)++] = '"';
  while (used < len) {
    n = mt_sqlite_utf8_decode (s + used, len - used, &cp);
    invalid = n == 0;
    if (invalid) {
      n = 1;
    }
    if (used + n > MT_SQLITE_FTS_TERM_BYTES) {
      break;
    }
    if (invalid || cp < 0x20 || cp == 0x7F) {
      /* Not UTF-8, or a control character: a word separator. */
      out[(*pos)++] = ' ';
    } else if (cp == '"') {
      out[(*pos)++] = '"';
      out[(*pos)++] = '"';
    } else {
      memcpy (out + *pos, s + used, n);
      *pos += n;
      word = word || mt_sqlite_fts_word_char (cp);
    }
    used += n;
  }
  if (!word) {
    *pos = start;
    out[start] = '\0';
    return false;
  }
  out[(*pos)++] = '"';
  out[(*pos)++] = '*';
  out[*pos] = '\0';
  return true;
}

size_t
mt_sqlite_fts_query (const char *const *terms, char out[MT_SQLITE_FTS_QUERY_MAX])
{
  size_t kept = 0;
  size_t pos = 0;
  size_t i;

  out[0] = '\0';
  for (i = 0; terms && terms[i] && kept < MT_SQLITE_FTS_TERMS_MAX; i++) {
    if (mt_sqlite_fts_append_term (terms[i], kept == 0, out, &pos)) {
      kept++;
    }
  }
  return kept;
}

uint32_t
mt_sqlite_fts_fingerprint (const char *expression)
{
  const unsigned char *s = (const unsigned char *) expression;
  uint32_t hash = 2166136261u;

  while (*s) {
    hash ^= *s++;
    hash *= 16777619u;
  }
  return hash;
}

/* ---- The relevance score ----------------------------------------------------------------- */

/* Columns of listings_fts, in their order (migration 2). */
static const int64_t mt_sqlite_fts_weights[] = {
  MT_SQLITE_SCORE_TITLE,       /* 0: title */
  MT_SQLITE_SCORE_DESCRIPTION, /* 1: description */
  MT_SQLITE_SCORE_TAGS,        /* 2: tags */
};

/*
 * mt_listing_score(listings_fts): for each phrase of the query, the weight of every column
 * in which it occurs at least once (how often does not count: repeating a word in a
 * description does not lift a listing).
 */
static void
mt_sqlite_fts_score (const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int argc,
                     sqlite3_value **argv)
{
  const int columns = (int) (sizeof mt_sqlite_fts_weights / sizeof mt_sqlite_fts_weights[0]);
  Fts5PhraseIter iter;
  int64_t score = 0;
  int phrases;
  int phrase;
  int col = -1;
  int rc;

  phrases = api->xPhraseCount (fts);
  for (phrase = 0; phrase < phrases; phrase++) {
    rc = api->xPhraseFirstColumn (fts, phrase, &iter, &col);
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code (ctx, rc);
      return;
    }
    while (col >= 0) {
      if (col < columns) {
        score += mt_sqlite_fts_weights[col];
      }
      api->xPhraseNextColumn (fts, &iter, &col);
    }
  }
  sqlite3_result_int64 (ctx, score);
}

bool
mt_sqlite_fts_register (sqlite3 *db, mt_error_t *error)
{
  sqlite3_stmt *stmt = NULL;
  fts5_api *api = NULL;
  bool ok = false;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT fts5(?1)", -1, &stmt, NULL);
  if (rc != SQLITE_OK) {
    mt_sqlite_fail (db, rc, "fts5 api", error);
    goto done;
  }
  rc = sqlite3_bind_pointer (stmt, 1, (void *) &api, "fts5_api_ptr", NULL);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step (stmt);
  }
  if (rc != SQLITE_ROW) {
    mt_sqlite_fail (db, rc, "fts5 api", error);
    goto done;
  }
  if (!api || api->iVersion < 2) {
    mt_error_set (error, MT_DOMAIN_STORE, MT_ERR_INTERNAL,
                  "cette bibliothèque SQLite n'a pas FTS5 (recherche plein texte)",
                  "this SQLite library lacks FTS5 (full-text search)");
    goto done;
  }
  rc = api->xCreateFunction (api, "mt_listing_score", NULL, mt_sqlite_fts_score, NULL);
  if (rc != SQLITE_OK) {
    mt_sqlite_fail (db, rc, "fts5 score function", error);
    goto done;
  }
  ok = true;
done:
  sqlite3_finalize (stmt);
  return ok;
}
