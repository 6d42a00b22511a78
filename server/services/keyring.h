/*
 * keyring: the server's Ed25519 signing keys for access tokens (PASETO v4.public).
 *
 * Storage. One key per file in the keys directory (usually <data_dir>/keys, mode 0700), each
 * file holding the key's PASERK "k4.secret.<...>" text (an optional final newline is
 * accepted), mode 0600. Key files are named after their creation instant, in UTC, ISO 8601
 * basic format with milliseconds:
 *
 *   YYYYMMDDTHHMMSS.mmmZ.k4.secret        e.g. 20260612T090000.123Z.k4.secret
 *
 * Fixed width, so the name order is the creation order: the key with the greatest name is
 * the newest and signs; every key verifies. The name, not the file's mtime, is authoritative,
 * so copying the directory to another mutuad instance (several instances may share one
 * store) keeps the same signing key everywhere. Other names are ignored with a warning
 * (names starting with '.' silently: they are unfinished writes).
 *
 * Rotation. mt_keyring_rotate writes a new key newer than every existing one; a reload
 * (SIGHUP) then makes it the signing key while the older keys keep verifying the tokens they
 * signed. An operator retires an old key by deleting its file once the tokens it signed have
 * expired (the token lifetime, 12 h by default), then reloads.
 *
 * Safety. Loading refuses key files readable or writable by group or others (mode & 077),
 * non-regular files and symbolic links, and a keys directory writable by group or others:
 * whoever can plant a key can forge tokens. Key material is never logged (only file names
 * and key ids, which are public) and is wiped with sodium_memzero when the keyring is freed.
 * Secret keys never leave this module: callers sign through mt_keyring_key_sign.
 *
 * Threads. A loaded keyring is immutable; any number of threads may read it. Its lifetime is
 * a reference count (atomic): mt_keyring_load returns one reference; mt_keyring_ref adds
 * one, mt_keyring_unref drops one and frees the keyring with the last. To swap keyrings on
 * SIGHUP, the server loads the new one (keeping the old one if loading fails), then publishes
 * it; a reader must take its reference under the same lock (or RCU scheme) that guards the
 * published pointer, otherwise the swapper's unref may free the keyring between the reader's
 * pointer load and its ref.
 *
 * Errors: MT_DOMAIN_IO (files), MT_DOMAIN_CONFIG (modes, names, no key), MT_DOMAIN_CRYPTO
 * (key content); code MT_ERR_INTERNAL; messages in French and English name the file, never
 * its content.
 */
#ifndef MT_KEYRING_H
#define MT_KEYRING_H

#include "mt_error.h"
#include "mt_paserk.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_KEYRING_MAX_KEYS 64              /* keys in one directory */
#define MT_KEYRING_FILE_SUFFIX ".k4.secret" /* after the stamp */
#define MT_KEYRING_STAMP_LEN 20             /* "YYYYMMDDTHHMMSS.mmmZ" */
#define MT_KEYRING_FILE_NAME_LEN (20 + 10)  /* stamp + suffix */
#define MT_KEYRING_FILE_NAME_SIZE (MT_KEYRING_FILE_NAME_LEN + 1)

typedef struct mt_keyring mt_keyring_t;
typedef struct mt_keyring_key mt_keyring_key_t;

/*
 * Loads every key of @dir (the keys directory). With @create_if_empty, a missing @dir is
 * created (mode 0700; its parent must exist) and, when it holds no key, a first key is
 * generated and written (mode 0600). Without it, an absent or empty directory is an error.
 *
 * @return a keyring holding one reference (mt_keyring_unref it), or NULL with @error set.
 */
mt_keyring_t *mt_keyring_load (const char *dir, bool create_if_empty, mt_error_t *error);

/*
 * Generates a new key and writes it in @dir (created as by mt_keyring_load when missing)
 * under a name newer than every existing key file, even when the clock is behind. Loaded
 * keyrings are not changed: reload to start signing with it. @kid_out (may be NULL) receives
 * the new key's k4.pid.
 */
bool mt_keyring_rotate (const char *dir, char *kid_out, mt_error_t *error);

/* Adds a reference to @keyring (not NULL) and returns it. */
mt_keyring_t *mt_keyring_ref (mt_keyring_t *keyring);

/* Drops a reference; the last one wipes and frees the keyring. NULL is a no-op. */
void mt_keyring_unref (mt_keyring_t *keyring);

/* Number of keys (at least 1 in a loaded keyring). */
size_t mt_keyring_count (const mt_keyring_t *keyring);

/* The @index-th key, newest first (0 is the signing key); NULL when out of range. Borrowed. */
const mt_keyring_key_t *mt_keyring_key_at (const mt_keyring_t *keyring, size_t index);

/* The newest key, the one that signs. Never NULL for a loaded keyring. Borrowed. */
const mt_keyring_key_t *mt_keyring_signing_key (const mt_keyring_t *keyring);

/*
 * The key whose k4.pid is the @kid_len bytes at @kid, or NULL. @kid may come from an
 * untrusted footer: any bytes are safe. Borrowed, valid while the caller holds a reference.
 */
const mt_keyring_key_t *mt_keyring_find (const mt_keyring_t *keyring, const char *kid,
                                         size_t kid_len);

/* The key's PASERK k4.pid (NUL-terminated, MT_PASERK_K4_PID_LEN characters). Borrowed. */
const char *mt_keyring_key_kid (const mt_keyring_key_t *key);

/* The key's Ed25519 public key (MT_PASERK_K4_PUBLIC_KEY_BYTES bytes). Borrowed. */
const uint8_t *mt_keyring_key_public (const mt_keyring_key_t *key);

/* Creation instant (ms since the epoch, UTC) read from the key's file name. */
int64_t mt_keyring_key_created_ms (const mt_keyring_key_t *key);

/*
 * Signs a PASETO v4.public token with @key: same contract as mt_paseto_v4_public_sign
 * (*@token_out malloc'd, always initialised; never log it).
 */
bool mt_keyring_key_sign (const mt_keyring_key_t *key, const uint8_t *message, size_t message_len,
                          const uint8_t *footer, size_t footer_len, const uint8_t *implicit,
                          size_t implicit_len, char **token_out, size_t *token_len_out,
                          mt_error_t *error);

#endif
