/*
 * store_text.h: the words of a text as the full-text search of the store sees them, shared by
 * the adapters (sqlite: the query builder of FTS5; mongo: the search keys of listings and
 * needs and the words of a query).
 *
 * Words are those of SQLite's unicode61 tokenizer with remove_diacritics 2 (the tokenizer of
 * listings_fts and needs_fts): maximal runs of word characters (mt_text_word_char) and of the
 * 25 combining diacritics unicode61 removes inside a word (U+0300..U+0331, mt_text_joiner),
 * every character folded by mt_text_fold. Bytes that are not UTF-8 and control characters
 * separate words. Folding agrees with unicode61 (case and diacritics removed: "Vélo", "VÉLO"
 * and "velo" are one word, "Œuvre" is "œuvre") on ASCII, Latin-1 Supplement, Latin
 * Extended-A and -B (U+0080..U+024F), Greek and Coptic, Cyrillic and its Supplement
 * (U+0370..U+052F) and Latin Extended Additional (U+1E00..U+1EFF); the test
 * store/text/fold_agrees_with_unicode61 checks it against the linked SQLite. Elsewhere
 * (Armenian, Georgian, Greek Extended, fullwidth Latin...) a character is kept as written, so
 * a search there is sensitive to case and accents in the MongoDB adapter only.
 */
#ifndef MT_STORE_TEXT_H
#define MT_STORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest folded word handed out, in bytes (a longer word is cut at a character boundary:
 * every query prefix of at most MT_TEXT_WORD_MAX bytes still finds it). */
#define MT_TEXT_WORD_MAX 256

/*
 * True when the code point @cp, on its own, makes a token for unicode61 with
 * remove_diacritics 2: ASCII letters and digits, and the non-ASCII characters of letters,
 * digits and the like (a table of the separators, generated from the tokenizer itself).
 */
bool mt_text_word_char (uint32_t cp);

/* True for the combining diacritics that unicode61 keeps inside a word and folds away
 * ("e" U+0301 "te" is the word "ete"); on their own they make no word. */
bool mt_text_joiner (uint32_t cp);

/* The folded form of the word character @cp (lower case, no diacritic; see the coverage
 * above): a code point, or 0 for a joiner. */
uint32_t mt_text_fold (uint32_t cp);

/*
 * Decodes the UTF-8 character at @s (at most @len bytes, @len > 0) into *@cp and returns its
 * length, or 0 when the bytes are not well-formed UTF-8 (overlong forms, surrogates and code
 * points above U+10FFFF included).
 */
size_t mt_text_utf8_decode (const unsigned char *s, size_t len, uint32_t *cp);

/* Called with each folded word (@word is NUL-terminated, 1..MT_TEXT_WORD_MAX bytes, valid
 * UTF-8 without controls); returns false to stop. */
typedef bool (*mt_text_word_fn) (const char *word, size_t len, void *arg);

/*
 * Calls @each with the folded words of the first @max_bytes bytes of @text (@len bytes; cut
 * at a character boundary; 0 = all of it), in order, repetitions included. Returns false
 * when @each stopped it, true otherwise.
 */
bool mt_text_words (const char *text, size_t len, size_t max_bytes, mt_text_word_fn each,
                    void *arg);

#endif
