/*
 * store_sqlite_fts.c: full-text search of listings with FTS5.
 *
 * The table listings_fts (migration 2) holds the title, description and tags of every
 * listing under the listing's rowid ("seq"), tokenized by unicode61 with remove_diacritics 2:
 * case and accents are folded on both sides, so "velo" finds "Vélo" and "VÉLO" finds "velo".
 *
 * Users' words become a MATCH expression through mt_sqlite_fts_query, a pure function: every
 * term is one quoted prefix phrase ("term"*, double quotes doubled), so nothing a user types
 * is ever FTS5 syntax, and the phrases are AND-ed. The expression is bound as a parameter like
 * any other value. A term in which unicode61 finds no word (punctuation, symbols, emoji,
 * spaces; the word characters are those of mt_text_word_char in store_text.h, shared with the
 * MongoDB adapter) is ignored, since it would match nothing on its own; when every term is ignored
 * there is no text filter at all (the search lists what the other filters keep, by recency),
 * which is what someone typing "-" or "!!" into a search box expects rather than an empty
 * result.
 *
 * Relevance is mt_listing_score, an FTS5 auxiliary function registered on every connection:
 * a sum of fixed weights per query phrase and column where the phrase occurs. Unlike bm25 it
 * depends on nothing but the row and the query, so a listing keeps its score while others are
 * inserted, and keyset cursors over (score, created_at, id) stay exact.
 */
#include "store_sqlite_private.h"
#include "store_text.h"

#include <string.h>

/* ---- The query builder ------------------------------------------------------------------- */

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
    n = mt_text_utf8_decode (s + used, len - used, &cp);
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
      word = word || mt_text_word_char (cp);
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
