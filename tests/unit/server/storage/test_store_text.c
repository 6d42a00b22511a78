/*
 * Unit tests of store_text (server/storage/store_text.[ch]): the words of a text as both store
 * adapters see them. Table tests of the splitter and folder (French accents, ligatures,
 * capitals, punctuation, emoji, bytes that are not UTF-8, long words, the cut of a term), and
 * agreement with the linked SQLite's unicode61 tokenizer (remove_diacritics 2): every code
 * point of the folded ranges tokenized alone, and the joining diacritics inside a word.
 */
#include "mt_test.h"

#include "store_text.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

/* Collects words joined by "|". */
typedef struct {
  char text[2048];
  size_t len;
  size_t count;
  size_t stop_after; /* 0 = never */
} collected_t;

static bool
collect (const char *word, size_t len, void *arg)
{
  collected_t *c = arg;

  assert_int_equal (strlen (word), len);
  assert_true (len > 0 && len <= MT_TEXT_WORD_MAX);
  c->len += (size_t) snprintf (c->text + c->len, sizeof c->text - c->len, "%s%s",
                               c->count ? "|" : "", word);
  assert_true (c->len < sizeof c->text);
  c->count++;
  return c->stop_after == 0 || c->count < c->stop_after;
}

/* Asserts that @text (its first @max bytes; 0 = all) splits into @expected ("a|b"). */
static void
splits (const char *text, size_t max, const char *expected)
{
  collected_t c = { "", 0, 0, 0 };

  assert_true (mt_text_words (text, strlen (text), max, collect, &c));
  if (strcmp (c.text, expected) != 0) {
    fail_msg ("\"%s\" gave \"%s\", expected \"%s\"", text, c.text, expected);
  }
}

static void
splits_and_folds_french_text (void **state)
{
  splits ("", 0, "");
  splits ("Vélo cargo biporteur", 0, "velo|cargo|biporteur");
  splits ("VÉLO", 0, "velo");
  splits ("Tentes de réception", 0, "tentes|de|reception");
  splits ("Électricité, à Noël : ça où ÀÂÄÇÈÉÊËÎÏÔÖÙÛÜŸ", 0,
          "electricite|a|noel|ca|ou|aaaceeeeiioouuuy");
  /* Ligatures are one letter for unicode61: folded in case only. */
  splits ("Œuvre d'Æsop, cœur", 0, "œuvre|d|æsop|cœur");
  splits ("Straße İstanbul ĲSSEL ſ", 0, "straße|istanbul|ĳssel|s");
  /* Punctuation, symbols and emoji separate words; digits are words. */
  splits ("vélo-cargo (3×3) « pliant »… 12€ 🚲x", 0, "velo|cargo|3|3|pliant|12|x");
  splits ("\"velo\" *velo* ve*lo title:x", 0, "velo|velo|ve|lo|title|x");
  /* Greek and Cyrillic: case folds, accents stay (unicode61 keeps them there). */
  splits ("ΆΛΦΑ Ёлка", 0, "άλφα|ёлка");
  /* Other scripts are words as written. */
  splits ("自行车 دراجة", 0, "自行车|دراجة");
  /* Combining diacritics (NFD) stay inside the word and fold away. */
  splits ("e\xcc\x81te\xcc\x81", 0, "ete");
  splits ("\xcc\x81", 0, "");
  /* Controls and bytes that are not UTF-8 separate words. */
  splits ("ab\xff"
          "cd\x01"
          "ef\tgh",
          0, "ab|cd|ef|gh");
  splits ("\xc0\xaf"
          "x\xed\xa0\x80"
          "y\xf4\x90\x80\x80z",
          0, "x|y|z");
}

static void
cuts_terms_and_long_words (void **state)
{
  char long_word[600], expected[600];
  collected_t c = { "", 0, 0, 2 };

  /* A cut within a character ends the word before it. */
  splits ("abcé", 4, "abc");
  splits ("abcé", 5, "abce");
  splits ("ab cd", 3, "ab");
  /* Words longer than MT_TEXT_WORD_MAX are cut (a query prefix still finds them). */
  memset (long_word, 'A', sizeof long_word - 1);
  long_word[sizeof long_word - 1] = '\0';
  memset (expected, 'a', MT_TEXT_WORD_MAX);
  expected[MT_TEXT_WORD_MAX] = '\0';
  splits (long_word, 0, expected);
  /* é is two bytes: the last one that fits is kept whole. */
  for (size_t i = 0; i + 2 <= sizeof long_word - 1; i += 2) {
    memcpy (long_word + i, "\xc3\xa9", 2);
  }
  long_word[sizeof long_word - 1] = '\0';
  memset (expected, 'e', MT_TEXT_WORD_MAX);
  expected[MT_TEXT_WORD_MAX] = '\0';
  splits (long_word, 0, expected);
  /* The callback stops the split. */
  assert_false (mt_text_words ("un deux trois", 13, 0, collect, &c));
  assert_string_equal (c.text, "un|deux");
}

static void
word_chars_and_decoder (void **state)
{
  uint32_t cp = 0;

  assert_true (mt_text_word_char ('a') && mt_text_word_char ('Z') && mt_text_word_char ('0'));
  assert_false (mt_text_word_char ('-') || mt_text_word_char (' ') || mt_text_word_char ('_'));
  assert_true (mt_text_word_char (0xE9));     /* é */
  assert_false (mt_text_word_char (0xAB));    /* « */
  assert_false (mt_text_word_char (0x1F6B2)); /* 🚲 */
  assert_false (mt_text_word_char (0x110000));
  assert_true (mt_text_joiner (0x0301));
  assert_false (mt_text_joiner (0x0305));
  assert_int_equal (mt_text_fold (0x0301), 0);
  assert_int_equal (mt_text_fold ('Q'), 'q');
  assert_int_equal (mt_text_fold (0x0152), 0x0153); /* Œ œ */
  assert_int_equal (mt_text_fold (0x4E00), 0x4E00);
  assert_int_equal (mt_text_utf8_decode ((const unsigned char *) "\xc3\xa9", 2, &cp), 2);
  assert_int_equal (cp, 0xE9);
  assert_int_equal (mt_text_utf8_decode ((const unsigned char *) "\xc3\xa9", 1, &cp), 0);
  assert_int_equal (mt_text_utf8_decode ((const unsigned char *) "\xe0\x80\x80", 3, &cp), 0);
}

/* Writes the UTF-8 form of @cp into @out. */
static void
utf8_of (uint32_t cp, char out[8])
{
  if (cp < 0x80) {
    snprintf (out, 8, "%c", (char) cp);
  } else if (cp < 0x800) {
    snprintf (out, 8, "%c%c", (char) (0xC0 | (cp >> 6)), (char) (0x80 | (cp & 0x3F)));
  } else {
    snprintf (out, 8, "%c%c%c", (char) (0xE0 | (cp >> 12)), (char) (0x80 | ((cp >> 6) & 0x3F)),
              (char) (0x80 | (cp & 0x3F)));
  }
}

/* Tokenizes "a<cp>b" and <cp> alone with unicode61 and with mt_text_words: same words. */
static void
fold_agrees_with_unicode61 (void **state)
{
  static const uint32_t ranges[][2] = {
    { 0x0020, 0x024F }, { 0x0300, 0x036F }, { 0x0370, 0x052F }, { 0x1E00, 0x1EFF }
  };
  sqlite3 *db = NULL;
  sqlite3_stmt *insert = NULL, *vocab = NULL;
  char ch[8], text[32];
  collected_t c;
  size_t r;
  uint32_t cp;
  int variant;

  assert_int_equal (sqlite3_open (":memory:", &db), SQLITE_OK);
  assert_int_equal (
    sqlite3_exec (
      db,
      "CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'unicode61 remove_diacritics 2');"
      "CREATE VIRTUAL TABLE v USING fts5vocab (t, 'instance')",
      NULL, NULL, NULL),
    SQLITE_OK);
  assert_int_equal (
    sqlite3_prepare_v2 (db, "INSERT INTO t (rowid, x) VALUES (1, ?1)", -1, &insert, NULL),
    SQLITE_OK);
  assert_int_equal (sqlite3_prepare_v2 (db,
                                        "SELECT group_concat (term, '|') FROM"
                                        " (SELECT term FROM v ORDER BY offset)",
                                        -1, &vocab, NULL),
                    SQLITE_OK);
  for (r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
    for (cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
      for (variant = 0; variant < 2; variant++) {
        const char *expected;

        utf8_of (cp, ch);
        snprintf (text, sizeof text, variant ? "a%sb" : "%s", ch);
        assert_int_equal (sqlite3_exec (db, "DELETE FROM t", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_bind_text (insert, 1, text, -1, SQLITE_STATIC);
        assert_int_equal (sqlite3_step (insert), SQLITE_DONE);
        sqlite3_reset (insert);
        assert_int_equal (sqlite3_step (vocab), SQLITE_ROW);
        expected = (const char *) sqlite3_column_text (vocab, 0);
        memset (&c, 0, sizeof c);
        mt_text_words (text, strlen (text), 0, collect, &c);
        if (strcmp (c.text, expected ? expected : "") != 0) {
          fail_msg ("U+%04X in \"%s\": store_text gives \"%s\", unicode61 \"%s\"", (unsigned) cp,
                    text, c.text, expected ? expected : "");
        }
        sqlite3_reset (vocab);
      }
    }
  }
  sqlite3_finalize (insert);
  sqlite3_finalize (vocab);
  sqlite3_close (db);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("store/text/splits_and_folds_french_text", splits_and_folds_french_text),
    MT_TEST ("store/text/cuts_terms_and_long_words", cuts_terms_and_long_words),
    MT_TEST ("store/text/word_chars_and_decoder", word_chars_and_decoder),
    MT_TEST ("store/text/fold_agrees_with_unicode61", fold_agrees_with_unicode61),
  };

  return cmocka_run_group_tests_name ("store/text", tests, NULL, NULL);
}
