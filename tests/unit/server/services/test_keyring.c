/*
 * Unit tests of server/services/keyring.c: first-start creation and file modes, refusal of
 * unsafe files and directories, rotation (old tokens keep verifying, new ones carry the new
 * kid), lookup by kid and reference counting. Each test works in its own mkdtemp directory.
 */
#include "mt_test.h"

#include "keyring.h"
#include "mt_paserk.h"
#include "mt_paseto.h"
#include "tokens.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW_MS INT64_C (1781254800000) /* a fixed instant: tests never read the clock */

/* A test with a fresh temporary directory (setup/teardown below). */
#define MT_TEST_DIR(name, fn)                                                                      \
  {                                                                                                \
    name, fn, setup, teardown, NULL                                                                \
  }

typedef struct {
  char root[256]; /* the mkdtemp directory, standing for <data_dir> */
  char keys[300]; /* <root>/keys */
} fixture_t;

static int
setup (void **state)
{
  fixture_t *f = calloc (1, sizeof *f);

  if (!f) {
    return -1;
  }
  snprintf (f->root, sizeof f->root, "/tmp/mutua-keyring-XXXXXX");
  if (!mkdtemp (f->root)) {
    free (f);
    return -1;
  }
  snprintf (f->keys, sizeof f->keys, "%s/keys", f->root);
  *state = f;
  return 0;
}

static void
remove_dir (const char *path)
{
  DIR *d = opendir (path);
  struct dirent *de;
  char child[600];

  if (!d) {
    return;
  }
  while ((de = readdir (d))) {
    if (strcmp (de->d_name, ".") == 0 || strcmp (de->d_name, "..") == 0) {
      continue;
    }
    snprintf (child, sizeof child, "%s/%s", path, de->d_name);
    if (unlink (child) != 0) {
      remove_dir (child);
    }
  }
  closedir (d);
  rmdir (path);
}

static int
teardown (void **state)
{
  fixture_t *f = *state;

  chmod (f->keys, 0700);
  remove_dir (f->root);
  free (f);
  return 0;
}

/* Names of the files of @dir not starting with '.', sorted; returns the count. */
static size_t
list_files (const char *dir, char names[][64], size_t cap)
{
  DIR *d = opendir (dir);
  struct dirent *de;
  size_t n = 0;
  size_t i;
  size_t j;

  assert_non_null (d);
  while ((de = readdir (d))) {
    if (de->d_name[0] != '.' && n < cap) {
      snprintf (names[n++], 64, "%.63s", de->d_name);
    }
  }
  closedir (d);
  for (i = 1; i < n; i++) {
    for (j = i; j > 0 && strcmp (names[j - 1], names[j]) > 0; j--) {
      char tmp[64];
      memcpy (tmp, names[j], 64);
      memcpy (names[j], names[j - 1], 64);
      memcpy (names[j - 1], tmp, 64);
    }
  }
  return n;
}

static void
write_file (const char *dir, const char *name, const char *content, mode_t mode)
{
  char path[600];
  int fd;

  snprintf (path, sizeof path, "%s/%s", dir, name);
  fd = open (path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  assert_true (fd >= 0);
  assert_int_equal (write (fd, content, strlen (content)), (ssize_t) strlen (content));
  close (fd);
  assert_int_equal (chmod (path, mode), 0);
}

static mt_keyring_t *
load_ok (const char *dir, bool create)
{
  mt_error_t error;
  mt_keyring_t *kr = mt_keyring_load (dir, create, &error);

  if (!kr) {
    fail_msg ("load failed: %s", error.message);
  }
  return kr;
}

static void
assert_load_fails (const char *dir, const char *reason_part)
{
  mt_error_t error;
  mt_keyring_t *kr = mt_keyring_load (dir, false, &error);

  if (kr) {
    mt_keyring_unref (kr);
    fail_msg ("loaded, expected a refusal containing \"%s\"", reason_part);
  }
  assert_true (strlen (error.message_fr) > 0);
  if (!strstr (error.message, reason_part)) {
    fail_msg ("message \"%s\" lacks \"%s\"", error.message, reason_part);
  }
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
creates_first_key_with_safe_modes (void **state)
{
  fixture_t *f = *state;
  mt_keyring_t *kr;
  mt_keyring_t *again;
  struct stat st;
  char names[8][64];
  char path[600];
  char *text;
  size_t len = 0;
  uint8_t sk[64];
  char kid[MT_PASERK_K4_PID_SIZE];
  mt_error_t error;

  kr = load_ok (f->keys, true);
  assert_int_equal (mt_keyring_count (kr), 1);
  assert_int_equal (stat (f->keys, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0700);
  assert_int_equal (list_files (f->keys, names, 8), 1);
  /* "YYYYMMDDTHHMMSS.mmmZ.k4.secret" */
  assert_int_equal (strlen (names[0]), MT_KEYRING_FILE_NAME_LEN);
  assert_string_equal (names[0] + 20, ".k4.secret");
  assert_int_equal (names[0][8], 'T');
  assert_int_equal (names[0][19], 'Z');
  snprintf (path, sizeof path, "%s/%s", f->keys, names[0]);
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0600);

  /* The file holds the PASERK k4.secret text of the key whose k4.pid is the kid. */
  text = mt_test_read_file (path, &len);
  assert_non_null (text);
  assert_int_equal (len, MT_PASERK_K4_SECRET_LEN + 1);
  assert_int_equal (text[MT_PASERK_K4_SECRET_LEN], '\n');
  assert_true (mt_paserk_k4_secret_decode (text, MT_PASERK_K4_SECRET_LEN, sk, &error));
  assert_memory_equal (sk + 32, mt_keyring_key_public (mt_keyring_signing_key (kr)), 32);
  assert_true (mt_paserk_k4_pid (sk + 32, 32, kid, &error));
  assert_string_equal (kid, mt_keyring_key_kid (mt_keyring_signing_key (kr)));
  sodium_memzero (sk, sizeof sk);
  sodium_memzero (text, len);
  free (text);

  /* Loading again reads the same key and creates nothing. */
  again = load_ok (f->keys, true);
  assert_int_equal (mt_keyring_count (again), 1);
  assert_string_equal (mt_keyring_key_kid (mt_keyring_signing_key (again)), kid);
  assert_int_equal (list_files (f->keys, names, 8), 1);
  mt_keyring_unref (again);
  again = load_ok (f->keys, false);
  assert_string_equal (mt_keyring_key_kid (mt_keyring_signing_key (again)), kid);
  mt_keyring_unref (again);
  mt_keyring_unref (kr);
}

static void
without_create_missing_or_empty_fails (void **state)
{
  fixture_t *f = *state;

  assert_load_fails (f->keys, "keys directory");
  assert_int_equal (mkdir (f->keys, 0700), 0);
  assert_load_fails (f->keys, "No signing key");
}

static void
refuses_key_files_open_to_others (void **state)
{
  fixture_t *f = *state;
  mt_keyring_t *kr = load_ok (f->keys, true);
  char names[8][64];
  char path[600];
  static const mode_t bad_modes[] = { 0644, 0640, 0604, 0620, 0602, 0610, 0601 };
  size_t i;

  mt_keyring_unref (kr);
  assert_int_equal (list_files (f->keys, names, 8), 1);
  snprintf (path, sizeof path, "%s/%s", f->keys, names[0]);
  for (i = 0; i < sizeof bad_modes / sizeof bad_modes[0]; i++) {
    assert_int_equal (chmod (path, bad_modes[i]), 0);
    assert_load_fails (f->keys, "chmod 600");
    /* create_if_empty does not paper over it either. */
    {
      mt_error_t error;
      assert_null (mt_keyring_load (f->keys, true, &error));
    }
  }
  assert_int_equal (chmod (path, 0400), 0);
  kr = load_ok (f->keys, false);
  mt_keyring_unref (kr);
}

static void
refuses_keys_directory_writable_by_others (void **state)
{
  fixture_t *f = *state;
  mt_keyring_t *kr = load_ok (f->keys, true);
  mt_error_t error;

  mt_keyring_unref (kr);
  assert_int_equal (chmod (f->keys, 0770), 0);
  assert_load_fails (f->keys, "chmod 700");
  assert_false (mt_keyring_rotate (f->keys, NULL, &error));
  assert_int_equal (chmod (f->keys, 0702), 0);
  assert_load_fails (f->keys, "chmod 700");
  /* Readable by the group is tolerated: the key files themselves are 0600. */
  assert_int_equal (chmod (f->keys, 0750), 0);
  kr = load_ok (f->keys, false);
  mt_keyring_unref (kr);
}

static void
rotation_keeps_old_tokens_valid (void **state)
{
  fixture_t *f = *state;
  mt_keyring_t *kr1 = load_ok (f->keys, true);
  mt_keyring_t *kr2;
  mt_keyring_t *kr3;
  char kid1[MT_PASERK_K4_PID_SIZE];
  char kid2[MT_PASERK_K4_PID_SIZE];
  char names[8][64];
  char path[600];
  char *t1 = NULL;
  char *t2 = NULL;
  mt_token_claims_t claims;
  mt_error_t error;

  snprintf (kid1, sizeof kid1, "%s", mt_keyring_key_kid (mt_keyring_signing_key (kr1)));
  assert_true (mt_token_issue (kr1, "acc_AAAAAAAAAAAAAAAAAAAAAA", "mem_AAAAAAAAAAAAAAAAAAAAAA",
                               NOW_MS, 0, &t1, &claims, &error));
  assert_string_equal (claims.kid, kid1);

  assert_true (mt_keyring_rotate (f->keys, kid2, &error));
  assert_string_not_equal (kid1, kid2);
  assert_true (mt_paserk_k4_pid_is_valid (kid2, strlen (kid2)));
  /* The loaded keyring is immutable: still one key, still signing with kid1. */
  assert_int_equal (mt_keyring_count (kr1), 1);
  assert_string_equal (mt_keyring_key_kid (mt_keyring_signing_key (kr1)), kid1);

  /* Reload: the new key signs, the old one still verifies. */
  kr2 = load_ok (f->keys, false);
  assert_int_equal (mt_keyring_count (kr2), 2);
  assert_string_equal (mt_keyring_key_kid (mt_keyring_signing_key (kr2)), kid2);
  assert_string_equal (mt_keyring_key_kid (mt_keyring_key_at (kr2, 1)), kid1);
  assert_null (mt_keyring_key_at (kr2, 2));
  assert_true (mt_keyring_key_created_ms (mt_keyring_key_at (kr2, 0)) >
               mt_keyring_key_created_ms (mt_keyring_key_at (kr2, 1)));
  assert_true (mt_token_verify (kr2, t1, strlen (t1), NOW_MS + 1000, &claims, &error));
  assert_string_equal (claims.kid, kid1);
  assert_true (mt_token_issue (kr2, "acc_AAAAAAAAAAAAAAAAAAAAAA", "mem_AAAAAAAAAAAAAAAAAAAAAA",
                               NOW_MS, 0, &t2, &claims, &error));
  assert_string_equal (claims.kid, kid2);
  assert_true (mt_token_verify (kr2, t2, strlen (t2), NOW_MS + 1000, &claims, &error));
  assert_string_equal (claims.kid, kid2);
  /* The old keyring does not know the new kid. */
  assert_false (mt_token_verify (kr1, t2, strlen (t2), NOW_MS + 1000, &claims, &error));
  assert_int_equal (error.code, MT_ERR_UNAUTHENTICATED);

  /* The operator deletes the old key file: its tokens stop verifying after a reload. */
  assert_int_equal (list_files (f->keys, names, 8), 2);
  snprintf (path, sizeof path, "%s/%s", f->keys, names[0]); /* the older name sorts first */
  assert_int_equal (unlink (path), 0);
  kr3 = load_ok (f->keys, false);
  assert_int_equal (mt_keyring_count (kr3), 1);
  assert_false (mt_token_verify (kr3, t1, strlen (t1), NOW_MS + 1000, &claims, &error));
  assert_true (mt_token_verify (kr3, t2, strlen (t2), NOW_MS + 1000, &claims, &error));

  free (t1);
  free (t2);
  mt_keyring_unref (kr1);
  mt_keyring_unref (kr2);
  mt_keyring_unref (kr3);
}

static void
rapid_rotations_stay_ordered (void **state)
{
  fixture_t *f = *state;
  char kids[5][MT_PASERK_K4_PID_SIZE];
  mt_keyring_t *kr;
  mt_error_t error;
  size_t i;

  /* Several rotations within the same millisecond still give strictly newer names. */
  for (i = 0; i < 5; i++) {
    assert_true (mt_keyring_rotate (f->keys, kids[i], &error));
  }
  kr = load_ok (f->keys, false);
  assert_int_equal (mt_keyring_count (kr), 5);
  for (i = 0; i < 5; i++) {
    const mt_keyring_key_t *key = mt_keyring_key_at (kr, i);
    assert_string_equal (mt_keyring_key_kid (key), kids[4 - i]);
    assert_true (mt_keyring_find (kr, kids[i], strlen (kids[i])) != NULL);
    if (i > 0) {
      assert_true (mt_keyring_key_created_ms (mt_keyring_key_at (kr, i - 1)) >
                   mt_keyring_key_created_ms (key));
    }
  }
  assert_string_equal (mt_keyring_key_kid (mt_keyring_signing_key (kr)), kids[4]);
  mt_keyring_unref (kr);
}

static void
find_by_kid (void **state)
{
  fixture_t *f = *state;
  mt_keyring_t *kr = load_ok (f->keys, true);
  const mt_keyring_key_t *key = mt_keyring_signing_key (kr);
  const char *kid = mt_keyring_key_kid (key);
  char other[MT_PASERK_K4_PID_SIZE];

  assert_ptr_equal (mt_keyring_find (kr, kid, strlen (kid)), key);
  assert_null (mt_keyring_find (kr, kid, strlen (kid) - 1));
  assert_null (mt_keyring_find (kr, NULL, 0));
  assert_null (mt_keyring_find (kr, "", 0));
  snprintf (other, sizeof other, "%s", kid);
  other[10] = other[10] == 'A' ? 'B' : 'A';
  assert_null (mt_keyring_find (kr, other, strlen (other)));
  mt_keyring_unref (kr);
}

static void
ignores_other_names_refuses_bad_files (void **state)
{
  fixture_t *f = *state;
  mt_keyring_t *kr = load_ok (f->keys, true);
  uint8_t pk[32];
  uint8_t sk[64];
  char text[MT_PASERK_K4_SECRET_SIZE];
  char target[600];
  char link_path[600];
  mt_error_t error;

  mt_keyring_unref (kr);
  /* Ignored: other names, unfinished writes, impossible dates. */
  write_file (f->keys, "README", "not a key", 0644);
  write_file (f->keys, ".20260101T000000.000Z.k4.secret.tmp", "partial", 0600);
  write_file (f->keys, "20261301T000000.000Z.k4.secret", "bad month", 0600);
  write_file (f->keys, "20260101T000000.000Z.k4.secret.bak", "backup", 0600);
  kr = load_ok (f->keys, false);
  assert_int_equal (mt_keyring_count (kr), 1);
  mt_keyring_unref (kr);

  /* An operator's file without final newline is fine. */
  crypto_sign_keypair (pk, sk);
  assert_true (mt_paserk_k4_secret_encode (sk, sizeof sk, text, &error));
  write_file (f->keys, "20000101T000000.000Z.k4.secret", text, 0600);
  kr = load_ok (f->keys, false);
  assert_int_equal (mt_keyring_count (kr), 2);
  mt_keyring_unref (kr);

  /* The same key twice. */
  write_file (f->keys, "20000101T000000.001Z.k4.secret", text, 0600);
  assert_load_fails (f->keys, "same key");
  snprintf (target, sizeof target, "%s/20000101T000000.001Z.k4.secret", f->keys);
  assert_int_equal (unlink (target), 0);

  /* Garbage, a public key, trailing data. */
  write_file (f->keys, "20000101T000000.002Z.k4.secret", "garbage\n", 0600);
  assert_load_fails (f->keys, "valid k4.secret");
  write_file (f->keys, "20000101T000000.002Z.k4.secret",
              "k4.public.cHFyc3R1dnd4eXp7fH1-f4CBgoOEhYaHiImKi4yNjo8\n", 0600);
  assert_load_fails (f->keys, "valid k4.secret");
  {
    char longer[MT_PASERK_K4_SECRET_SIZE + 8];
    snprintf (longer, sizeof longer, "%s\n\n", text);
    write_file (f->keys, "20000101T000000.002Z.k4.secret", longer, 0600);
    assert_load_fails (f->keys, "valid k4.secret");
  }
  snprintf (target, sizeof target, "%s/20000101T000000.002Z.k4.secret", f->keys);
  assert_int_equal (unlink (target), 0);

  /* A symbolic link with a key name, even to a good key file. */
  snprintf (target, sizeof target, "%s/20000101T000000.000Z.k4.secret", f->keys);
  snprintf (link_path, sizeof link_path, "%s/20000101T000000.003Z.k4.secret", f->keys);
  assert_int_equal (symlink (target, link_path), 0);
  assert_load_fails (f->keys, "symbolic link");
  assert_int_equal (unlink (link_path), 0);
  /* A directory with a key name. */
  assert_int_equal (mkdir (link_path, 0700), 0);
  assert_load_fails (f->keys, "regular file");
  assert_int_equal (rmdir (link_path), 0);

  kr = load_ok (f->keys, false);
  assert_int_equal (mt_keyring_count (kr), 2);
  mt_keyring_unref (kr);
  sodium_memzero (sk, sizeof sk);
  sodium_memzero (text, sizeof text);
}

static void
reference_counting (void **state)
{
  fixture_t *f = *state;
  mt_keyring_t *kr = load_ok (f->keys, true);

  assert_ptr_equal (mt_keyring_ref (kr), kr);
  assert_ptr_equal (mt_keyring_ref (kr), kr);
  mt_keyring_unref (kr);
  mt_keyring_unref (kr);
  /* Still alive with the last reference (ASan would flag a use after free). */
  assert_int_equal (mt_keyring_count (kr), 1);
  mt_keyring_unref (kr);
  mt_keyring_unref (NULL);
}

static void
signs_through_the_key (void **state)
{
  fixture_t *f = *state;
  mt_keyring_t *kr = load_ok (f->keys, true);
  const mt_keyring_key_t *key = mt_keyring_signing_key (kr);
  char *token = NULL;
  uint8_t *message = NULL;
  size_t message_len = 0;
  mt_error_t error;

  assert_true (
    mt_keyring_key_sign (key, (const uint8_t *) "hi", 2, NULL, 0, NULL, 0, &token, NULL, &error));
  assert_true (mt_paseto_v4_public_verify (mt_keyring_key_public (key), token, strlen (token), NULL,
                                           0, NULL, 0, &message, &message_len, &error));
  assert_int_equal (message_len, 2);
  assert_memory_equal (message, "hi", 2);
  free (message);
  free (token);
  mt_keyring_unref (kr);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST_DIR ("keyring/load/creates_first_key_with_safe_modes",
                 creates_first_key_with_safe_modes),
    MT_TEST_DIR ("keyring/load/without_create_missing_or_empty_fails",
                 without_create_missing_or_empty_fails),
    MT_TEST_DIR ("keyring/load/refuses_key_files_open_to_others", refuses_key_files_open_to_others),
    MT_TEST_DIR ("keyring/load/refuses_directory_writable_by_others",
                 refuses_keys_directory_writable_by_others),
    MT_TEST_DIR ("keyring/rotate/old_tokens_stay_valid", rotation_keeps_old_tokens_valid),
    MT_TEST_DIR ("keyring/rotate/rapid_rotations_stay_ordered", rapid_rotations_stay_ordered),
    MT_TEST_DIR ("keyring/find/by_kid", find_by_kid),
    MT_TEST_DIR ("keyring/load/ignores_other_names_refuses_bad_files",
                 ignores_other_names_refuses_bad_files),
    MT_TEST_DIR ("keyring/ref/counting", reference_counting),
    MT_TEST_DIR ("keyring/key/signs", signs_through_the_key),
  };

  if (sodium_init () < 0) {
    return 1;
  }
  return cmocka_run_group_tests_name ("server/services/keyring", tests, NULL, NULL);
}
