/*
 * keyring: loading, creating and rotating the signing keys of <data_dir>/keys (see
 * keyring.h for the file layout and the rules). Files are opened relative to a directory
 * descriptor, without following symbolic links, and checked with fstat on the open
 * descriptor so that what is checked is what is read. New keys are written to a temporary
 * dot-file, synced, then hard-linked to their final name, which fails rather than replace an
 * existing key: a reader never sees a half-written key file.
 */
#include "keyring.h"

#include "mt_log.h"
#include "mt_paseto.h"
#include "mt_time.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MT_LOG_DOMAIN "keyring"

_Static_assert(sizeof MT_KEYRING_FILE_SUFFIX - 1 + MT_KEYRING_STAMP_LEN == MT_KEYRING_FILE_NAME_LEN,
               "key file name length");

struct mt_keyring_key {
  uint8_t secret[MT_PASERK_K4_SECRET_KEY_BYTES]; /* seed || public key */
  uint8_t public_key[MT_PASERK_K4_PUBLIC_KEY_BYTES];
  char kid[MT_PASERK_K4_PID_SIZE];
  char file[MT_KEYRING_FILE_NAME_SIZE];
  int64_t created_ms;
};

struct mt_keyring {
  atomic_uint refs;
  size_t count;
  mt_keyring_key_t keys[MT_KEYRING_MAX_KEYS]; /* newest first */
};

/* A key file found in the directory, before it is read. */
typedef struct {
  char name[MT_KEYRING_FILE_NAME_SIZE];
  int64_t created_ms;
} mt_keyring_entry_t;

/* ---- file names ------------------------------------------------------------------------- */

/* Writes the file name of a key created at @ms ("YYYYMMDDTHHMMSS.mmmZ.k4.secret"). */
static bool
mt_keyring_name_format (int64_t ms, char out[MT_KEYRING_FILE_NAME_SIZE])
{
  time_t secs = (time_t) (ms / 1000);
  struct tm tm;
  int n;

  if (ms < 0 || !gmtime_r (&secs, &tm) || tm.tm_year + 1900 > 9999) {
    return false;
  }
  n = snprintf (out, MT_KEYRING_FILE_NAME_SIZE, "%04d%02d%02dT%02d%02d%02d.%03dZ%s",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                (int) (ms % 1000), MT_KEYRING_FILE_SUFFIX);
  return n == MT_KEYRING_FILE_NAME_LEN;
}

/* True when @name is a key file name; sets *@ms to its creation instant. */
static bool
mt_keyring_name_parse (const char *name, int64_t *ms)
{
  /* "YYYYMMDDTHHMMSS.mmmZ": digit positions, then the RFC 3339 form for the date checks. */
  static const char shape[] = "dddddddd"
                              "Tdddddd.dddZ";
  char rfc[32];
  char again[MT_KEYRING_FILE_NAME_SIZE];
  size_t i;

  if (strlen (name) != MT_KEYRING_FILE_NAME_LEN ||
      strcmp (name + MT_KEYRING_STAMP_LEN, MT_KEYRING_FILE_SUFFIX) != 0) {
    return false;
  }
  for (i = 0; i < MT_KEYRING_STAMP_LEN; i++) {
    if (shape[i] == 'd' ? (name[i] < '0' || name[i] > '9') : name[i] != shape[i]) {
      return false;
    }
  }
  snprintf (rfc, sizeof rfc, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.%.3sZ", name, name + 4, name + 6,
            name + 9, name + 11, name + 13, name + 16);
  /* The round trip rules out what the parser would normalise. */
  return mt_time_parse_rfc3339 (rfc, strlen (rfc), ms) && mt_keyring_name_format (*ms, again) &&
         strcmp (again, name) == 0;
}

static int
mt_keyring_entry_cmp_newest_first (const void *a, const void *b)
{
  const mt_keyring_entry_t *x = a;
  const mt_keyring_entry_t *y = b;

  return strcmp (y->name, x->name);
}

/* ---- directory -------------------------------------------------------------------------- */

/*
 * Opens @dir (creating it with mode 0700 when @create) and checks that neither group nor
 * others may write to it. Returns the descriptor, or -1 with @error set.
 */
static int
mt_keyring_open_dir (const char *dir, bool create, mt_error_t *error)
{
  int fd = -1;
  struct stat st;

  if (create && mkdir (dir, 0700) != 0 && errno != EEXIST) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL,
                  "Impossible de créer le répertoire des clés %s : %s",
                  "Cannot create the keys directory %s: %s", dir, strerror (errno));
    return -1;
  }
  fd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL,
                  "Impossible d'ouvrir le répertoire des clés %s : %s",
                  "Cannot open the keys directory %s: %s", dir, strerror (errno));
    return -1;
  }
  if (fstat (fd, &st) != 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL,
                  "Impossible d'examiner le répertoire des clés %s : %s",
                  "Cannot stat the keys directory %s: %s", dir, strerror (errno));
    close (fd);
    return -1;
  }
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_INTERNAL,
                  "Le répertoire des clés %s est modifiable par le groupe ou les autres : "
                  "faites chmod 700",
                  "The keys directory %s is writable by group or others: run chmod 700", dir);
    close (fd);
    return -1;
  }
  return fd;
}

/*
 * Lists the key files of @dirfd into @entries (capacity MT_KEYRING_MAX_KEYS), newest first.
 */
static bool
mt_keyring_scan (int dirfd, const char *dir, mt_keyring_entry_t *entries, size_t *count,
                 mt_error_t *error)
{
  bool ok = false;
  DIR *d = NULL;
  struct dirent *de;
  int fd = dup (dirfd);

  *count = 0;
  if (fd < 0 || !(d = fdopendir (fd))) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL,
                  "Impossible de lire le répertoire des clés %s : %s",
                  "Cannot read the keys directory %s: %s", dir, strerror (errno));
    if (fd >= 0) {
      close (fd);
    }
    goto done;
  }
  rewinddir (d);
  while ((errno = 0, de = readdir (d))) {
    int64_t ms;

    if (de->d_name[0] == '.') {
      continue; /* ".", "..", and unfinished writes */
    }
    if (!mt_keyring_name_parse (de->d_name, &ms)) {
      MT_WARN ("ignoring %s/%s: not a key file name (YYYYMMDDTHHMMSS.mmmZ%s)", dir, de->d_name,
               MT_KEYRING_FILE_SUFFIX);
      continue;
    }
    if (*count == MT_KEYRING_MAX_KEYS) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_INTERNAL,
                    "Trop de clés dans %s (au plus %d) : supprimez les plus anciennes",
                    "Too many keys in %s (at most %d): delete the oldest ones", dir,
                    MT_KEYRING_MAX_KEYS);
      goto done;
    }
    memcpy (entries[*count].name, de->d_name, MT_KEYRING_FILE_NAME_SIZE);
    entries[*count].created_ms = ms;
    (*count)++;
  }
  if (errno != 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL,
                  "Impossible de lire le répertoire des clés %s : %s",
                  "Cannot read the keys directory %s: %s", dir, strerror (errno));
    goto done;
  }
  qsort (entries, *count, sizeof *entries, mt_keyring_entry_cmp_newest_first);
  ok = true;
done:
  if (d) {
    closedir (d);
  }
  if (!ok) {
    *count = 0;
  }
  return ok;
}

/* ---- reading and writing keys ----------------------------------------------------------- */

/* Reads, checks and decodes the key file @entry into @key. */
static bool
mt_keyring_read_key (int dirfd, const char *dir, const mt_keyring_entry_t *entry,
                     mt_keyring_key_t *key, mt_error_t *error)
{
  bool ok = false;
  int fd = -1;
  struct stat st;
  char text[MT_PASERK_K4_SECRET_LEN + 3]; /* the text, a newline, one byte to detect more */
  size_t len = 0;

  memset (key, 0, sizeof *key);
  fd = openat (dirfd, entry->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0 && errno == ELOOP) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_INTERNAL,
                  "Le fichier de clé %s/%s est un lien symbolique : refusé",
                  "The key file %s/%s is a symbolic link: refused", dir, entry->name);
    goto done;
  }
  if (fd < 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL,
                  "Impossible d'ouvrir le fichier de clé %s/%s : %s",
                  "Cannot open the key file %s/%s: %s", dir, entry->name, strerror (errno));
    goto done;
  }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_INTERNAL,
                  "Le fichier de clé %s/%s n'est pas un fichier ordinaire",
                  "The key file %s/%s is not a regular file", dir, entry->name);
    goto done;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_INTERNAL,
                  "Le fichier de clé %s/%s est accessible au groupe ou aux autres (mode %04o) : "
                  "faites chmod 600",
                  "The key file %s/%s is accessible to group or others (mode %04o): "
                  "run chmod 600",
                  dir, entry->name, (unsigned) (st.st_mode & 07777));
    goto done;
  }
  while (len < sizeof text) {
    ssize_t n = read (fd, text + len, sizeof text - len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL,
                    "Impossible de lire le fichier de clé %s/%s : %s",
                    "Cannot read the key file %s/%s: %s", dir, entry->name, strerror (errno));
      goto done;
    }
    if (n == 0) {
      break;
    }
    len += (size_t) n;
  }
  if (len == MT_PASERK_K4_SECRET_LEN + 1 && text[len - 1] == '\n') {
    len--;
  }
  if (!mt_paserk_k4_secret_decode (text, len, key->secret, NULL)) {
    mt_error_set (error, MT_DOMAIN_CRYPTO, MT_ERR_INTERNAL,
                  "Le fichier de clé %s/%s ne contient pas une clé k4.secret valide",
                  "The key file %s/%s does not hold a valid k4.secret key", dir, entry->name);
    goto done;
  }
  memcpy (key->public_key, key->secret + crypto_sign_SEEDBYTES, sizeof key->public_key);
  if (!mt_paserk_k4_pid (key->public_key, sizeof key->public_key, key->kid, error)) {
    goto done;
  }
  memcpy (key->file, entry->name, sizeof key->file);
  key->created_ms = entry->created_ms;
  ok = true;
done:
  if (fd >= 0) {
    close (fd);
  }
  sodium_memzero (text, sizeof text);
  if (!ok) {
    sodium_memzero (key, sizeof *key);
  }
  return ok;
}

static bool
mt_keyring_write_all (int fd, const char *data, size_t len)
{
  while (len) {
    ssize_t n = write (fd, data, len);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data += n;
    len -= (size_t) n;
  }
  return true;
}

/*
 * Generates a key and writes it as @dir/<name of @ms>, mode 0600. Never replaces a file.
 * @kid_out (may be NULL) receives its k4.pid.
 */
static bool
mt_keyring_write_new_key (int dirfd, const char *dir, int64_t ms, char *kid_out, mt_error_t *error)
{
  bool ok = false;
  bool tmp_created = false;
  uint8_t pk[crypto_sign_PUBLICKEYBYTES];
  uint8_t sk[crypto_sign_SECRETKEYBYTES];
  char text[MT_PASERK_K4_SECRET_SIZE + 1];
  char name[MT_KEYRING_FILE_NAME_SIZE];
  char tmp[MT_KEYRING_FILE_NAME_SIZE + 8];
  char kid[MT_PASERK_K4_PID_SIZE];
  int fd = -1;
  int attempt;

  if (!mt_keyring_name_format (ms, name)) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_INTERNAL, "Horloge hors limites",
                  "Clock out of range");
    goto done;
  }
  snprintf (tmp, sizeof tmp, ".%s.tmp", name);
  crypto_sign_keypair (pk, sk);
  if (!mt_paserk_k4_secret_encode (sk, sizeof sk, text, error) ||
      !mt_paserk_k4_pid (pk, sizeof pk, kid, error)) {
    goto done;
  }
  text[MT_PASERK_K4_SECRET_LEN] = '\n';
  /* A leftover temporary file is an unfinished write of a previous run: replace it. */
  for (attempt = 0; attempt < 2 && fd < 0; attempt++) {
    fd = openat (dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST && attempt == 0) {
      unlinkat (dirfd, tmp, 0);
    }
  }
  if (fd < 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "Impossible de créer %s/%s : %s",
                  "Cannot create %s/%s: %s", dir, tmp, strerror (errno));
    goto done;
  }
  tmp_created = true;
  if (fchmod (fd, 0600) != 0 || !mt_keyring_write_all (fd, text, MT_PASERK_K4_SECRET_LEN + 1) ||
      fsync (fd) != 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "Impossible d'écrire %s/%s : %s",
                  "Cannot write %s/%s: %s", dir, tmp, strerror (errno));
    goto done;
  }
  if (close (fd) != 0) {
    fd = -1;
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "Impossible d'écrire %s/%s : %s",
                  "Cannot write %s/%s: %s", dir, tmp, strerror (errno));
    goto done;
  }
  fd = -1;
  if (linkat (dirfd, tmp, dirfd, name, 0) != 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "Impossible de créer %s/%s : %s",
                  "Cannot create %s/%s: %s", dir, name, strerror (errno));
    goto done;
  }
  if (fsync (dirfd) != 0) {
    MT_WARN ("fsync of %s failed: %s", dir, strerror (errno));
  }
  MT_INFO ("created signing key %s/%s (%s)", dir, name, kid);
  if (kid_out) {
    memcpy (kid_out, kid, sizeof kid);
  }
  ok = true;
done:
  if (fd >= 0) {
    close (fd);
  }
  if (tmp_created) {
    unlinkat (dirfd, tmp, 0);
  }
  sodium_memzero (sk, sizeof sk);
  sodium_memzero (text, sizeof text);
  return ok;
}

/* ---- public API ------------------------------------------------------------------------- */

static void
mt_keyring_free (mt_keyring_t *keyring)
{
  sodium_memzero (keyring, sizeof *keyring);
  free (keyring);
}

mt_keyring_t *
mt_keyring_load (const char *dir, bool create_if_empty, mt_error_t *error)
{
  mt_keyring_t *keyring = NULL;
  mt_keyring_entry_t entries[MT_KEYRING_MAX_KEYS];
  size_t count = 0;
  size_t i;
  size_t j;
  int dirfd = -1;
  bool ok = false;

  dirfd = mt_keyring_open_dir (dir, create_if_empty, error);
  if (dirfd < 0 || !mt_keyring_scan (dirfd, dir, entries, &count, error)) {
    goto done;
  }
  if (count == 0) {
    if (!create_if_empty) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_INTERNAL, "Aucune clé de signature dans %s",
                    "No signing key in %s", dir);
      goto done;
    }
    if (!mt_keyring_write_new_key (dirfd, dir, mt_time_now_ms (), NULL, error) ||
        !mt_keyring_scan (dirfd, dir, entries, &count, error)) {
      goto done;
    }
    if (count == 0) {
      mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "La clé créée dans %s est introuvable",
                    "The key created in %s is missing", dir);
      goto done;
    }
  }
  keyring = calloc (1, sizeof *keyring);
  if (!keyring) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "Mémoire insuffisante", "Out of memory");
    goto done;
  }
  atomic_init (&keyring->refs, 1u);
  for (i = 0; i < count; i++) {
    if (!mt_keyring_read_key (dirfd, dir, &entries[i], &keyring->keys[i], error)) {
      goto done;
    }
    for (j = 0; j < i; j++) {
      if (strcmp (keyring->keys[j].kid, keyring->keys[i].kid) == 0) {
        mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_INTERNAL,
                      "La même clé est dans %s/%s et %s/%s : supprimez l'un des deux",
                      "The same key is in %s/%s and %s/%s: delete one of them", dir,
                      keyring->keys[j].file, dir, keyring->keys[i].file);
        goto done;
      }
    }
    keyring->count++;
  }
  ok = true;
done:
  if (dirfd >= 0) {
    close (dirfd);
  }
  if (!ok && keyring) {
    mt_keyring_free (keyring);
    keyring = NULL;
  }
  return keyring;
}

bool
mt_keyring_rotate (const char *dir, char *kid_out, mt_error_t *error)
{
  mt_keyring_entry_t entries[MT_KEYRING_MAX_KEYS];
  size_t count = 0;
  int dirfd = -1;
  int64_t ms = mt_time_now_ms ();
  bool ok = false;

  if (kid_out) {
    kid_out[0] = '\0';
  }
  dirfd = mt_keyring_open_dir (dir, true, error);
  if (dirfd < 0 || !mt_keyring_scan (dirfd, dir, entries, &count, error)) {
    goto done;
  }
  if (count == MT_KEYRING_MAX_KEYS) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_INTERNAL,
                  "Trop de clés dans %s (au plus %d) : supprimez les plus anciennes",
                  "Too many keys in %s (at most %d): delete the oldest ones", dir,
                  MT_KEYRING_MAX_KEYS);
    goto done;
  }
  /* Newer than every key, even if the clock went back or two rotations share a millisecond. */
  if (count && entries[0].created_ms >= ms) {
    ms = entries[0].created_ms + 1;
  }
  ok = mt_keyring_write_new_key (dirfd, dir, ms, kid_out, error);
done:
  if (dirfd >= 0) {
    close (dirfd);
  }
  return ok;
}

mt_keyring_t *
mt_keyring_ref (mt_keyring_t *keyring)
{
  atomic_fetch_add_explicit (&keyring->refs, 1u, memory_order_relaxed);
  return keyring;
}

void
mt_keyring_unref (mt_keyring_t *keyring)
{
  if (keyring && atomic_fetch_sub_explicit (&keyring->refs, 1u, memory_order_acq_rel) == 1u) {
    mt_keyring_free (keyring);
  }
}

size_t
mt_keyring_count (const mt_keyring_t *keyring)
{
  return keyring->count;
}

const mt_keyring_key_t *
mt_keyring_key_at (const mt_keyring_t *keyring, size_t index)
{
  return index < keyring->count ? &keyring->keys[index] : NULL;
}

const mt_keyring_key_t *
mt_keyring_signing_key (const mt_keyring_t *keyring)
{
  return mt_keyring_key_at (keyring, 0);
}

const mt_keyring_key_t *
mt_keyring_find (const mt_keyring_t *keyring, const char *kid, size_t kid_len)
{
  size_t i;

  if (!kid || kid_len != MT_PASERK_K4_PID_LEN) {
    return NULL;
  }
  /* Key ids are public: an ordinary comparison is fine. */
  for (i = 0; i < keyring->count; i++) {
    if (memcmp (keyring->keys[i].kid, kid, MT_PASERK_K4_PID_LEN) == 0) {
      return &keyring->keys[i];
    }
  }
  return NULL;
}

const char *
mt_keyring_key_kid (const mt_keyring_key_t *key)
{
  return key->kid;
}

const uint8_t *
mt_keyring_key_public (const mt_keyring_key_t *key)
{
  return key->public_key;
}

int64_t
mt_keyring_key_created_ms (const mt_keyring_key_t *key)
{
  return key->created_ms;
}

bool
mt_keyring_key_sign (const mt_keyring_key_t *key, const uint8_t *message, size_t message_len,
                     const uint8_t *footer, size_t footer_len, const uint8_t *implicit,
                     size_t implicit_len, char **token_out, size_t *token_len_out,
                     mt_error_t *error)
{
  return mt_paseto_v4_public_sign (key->secret, message, message_len, footer, footer_len, implicit,
                                   implicit_len, token_out, token_len_out, error);
}
