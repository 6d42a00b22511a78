/*
 * Integration tests of the e-mails of events against the real mutuad: sendmail_command is a
 * stand-in script written by the test into its own temp dir, which saves each message (its
 * standard input) to a file; the outbox is looked at every 100 ms; public_url is
 * http://mutua.example. Covered: a service request mails the provider's manager (in English
 * after PATCH /v1/me {"lang":"en"}) and colleague (French), never the requester or a third
 * member; the acceptance mails the requester in French; each message has the recipient in To, the
 * event's subject (RFC 2047) in the right language, and a link to the booking under
 * public_url (/bookings/<id>); and POST /v1/me/notifications/{id}/read marks the caller's own notification
 * read (204, read_at kept on a second call), another account's or an unknown one is 404.
 */
#include "loans_helpers.h"

#include <dirent.h>
#include <sodium.h>
#include <sys/stat.h>

#define MAIL_MAX 64
#define PUBLIC_URL "http://mutua.example"

static char mail_dir[64];
static char script[128];
static char command[160];

/* One captured message, decoded enough to check it. */
typedef struct {
  char to[256];
  char subject[512]; /* decoded UTF-8 */
  char event[64];
  char body[4096]; /* quoted-printable decoded */
} mail_t;

static int
setup (void **state)
{
  FILE *f;
  const char *const args[] = {
    "--sendmail-command", command, "--public-url", PUBLIC_URL, "--outbox-interval-ms", "100", NULL
  };

  (void) state;
  if (sodium_init () < 0) {
    return -1;
  }
  snprintf (mail_dir, sizeof mail_dir, "/tmp/mutua-mail-XXXXXX");
  if (!mkdtemp (mail_dir)) {
    return -1;
  }
  snprintf (script, sizeof script, "%s/sendmail.sh", mail_dir);
  f = fopen (script, "w");
  if (!f) {
    return -1;
  }
  /* Written whole, then renamed: the test never reads half a message. */
  fprintf (f,
           "#!/bin/sh\n"
           "t=$(mktemp \"%s/part.XXXXXX\") || exit 75\n"
           "cat > \"$t\" || exit 75\n"
           "mv \"$t\" \"$t.eml\"\n",
           mail_dir);
  fclose (f);
  chmod (script, 0700);
  snprintf (command, sizeof command, "%s -t -i", script);
  return lh_start (args) ? 0 : -1;
}

static int
teardown (void **state)
{
  int rc = it_stop (state);
  DIR *dir = opendir (mail_dir);
  struct dirent *e;
  char path[512];

  while (dir && (e = readdir (dir))) {
    if (e->d_name[0] != '.') {
      snprintf (path, sizeof path, "%s/%s", mail_dir, e->d_name);
      unlink (path);
    }
  }
  if (dir) {
    closedir (dir);
  }
  rmdir (mail_dir);
  return rc;
}

/* The value of header @name in @msg, with its folded lines joined (without the breaks). */
static void
header (const char *msg, const char *name, char *out, size_t size)
{
  size_t name_len = strlen (name);
  const char *p = msg;
  size_t len = 0;

  out[0] = '\0';
  while (p && *p && *p != '\n') {
    if (strncasecmp (p, name, name_len) == 0 && p[name_len] == ':') {
      const char *v = p + name_len + 1;
      while (*v == ' ') {
        v++;
      }
      while (*v && len + 1 < size) {
        if (*v == '\n') {
          if (v[1] != ' ' && v[1] != '\t') {
            break;
          }
          v++;
          continue;
        }
        out[len++] = *v++;
      }
      out[len] = '\0';
      return;
    }
    p = strchr (p, '\n');
    p = p ? p + 1 : NULL;
  }
}

/* Decodes the "=?UTF-8?B?...?=" words of @value (spaces between words dropped). */
static void
decode_words (const char *value, char *out, size_t size)
{
  size_t len = 0;
  const char *p = value;

  out[0] = '\0';
  while ((p = strstr (p, "=?UTF-8?B?"))) {
    const char *start = p + 10;
    const char *end = strstr (start, "?=");
    size_t bin_len = 0;
    assert_non_null (end);
    assert_int_equal (sodium_base642bin ((unsigned char *) out + len, size - len - 1, start,
                                         (size_t) (end - start), NULL, &bin_len, NULL,
                                         sodium_base64_VARIANT_ORIGINAL),
                      0);
    len += bin_len;
    p = end + 2;
  }
  out[len] = '\0';
}

/* The body of @msg (after the blank line), quoted-printable decoded. */
static void
decode_body (const char *msg, char *out, size_t size)
{
  const char *p = strstr (msg, "\n\n");
  size_t len = 0;

  out[0] = '\0';
  if (!p) {
    return;
  }
  for (p += 2; *p && len + 1 < size; p++) {
    if (*p == '=' && p[1] == '\n') {
      p++;
      continue;
    }
    if (*p == '=' && p[1] && p[2]) {
      char hex[3] = { p[1], p[2], 0 };
      out[len++] = (char) strtol (hex, NULL, 16);
      p += 2;
      continue;
    }
    out[len++] = *p;
  }
  out[len] = '\0';
}

/* Every message captured so far, decoded, into @out; their number. */
static int
mails (mail_t *out, int max)
{
  DIR *dir = opendir (mail_dir);
  struct dirent *e;
  int n = 0;

  assert_non_null (dir);
  while ((e = readdir (dir)) && n < max) {
    char path[512];
    char raw[1024];
    char *msg;
    size_t len = strlen (e->d_name);
    if (len < 4 || strcmp (e->d_name + len - 4, ".eml") != 0) {
      continue;
    }
    snprintf (path, sizeof path, "%s/%s", mail_dir, e->d_name);
    msg = mt_test_read_file (path, NULL);
    assert_non_null (msg);
    header (msg, "To", out[n].to, sizeof out[n].to);
    header (msg, "X-Mutua-Event", out[n].event, sizeof out[n].event);
    header (msg, "Subject", raw, sizeof raw);
    decode_words (raw, out[n].subject, sizeof out[n].subject);
    decode_body (msg, out[n].body, sizeof out[n].body);
    free (msg);
    n++;
  }
  closedir (dir);
  return n;
}

/* The messages of @event whose body mentions @needle, into @out; their number. */
static int
mails_of (const char *event, const char *needle, mail_t *out, int max)
{
  static mail_t all[MAIL_MAX];
  int n = mails (all, MAIL_MAX);
  int found = 0;

  for (int i = 0; i < n && found < max; i++) {
    if (strcmp (all[i].event, event) == 0 && strstr (all[i].body, needle)) {
      out[found++] = all[i];
    }
  }
  return found;
}

/* Waits (bounded) for @count messages of @event about @needle. */
static int
wait_mails (const char *event, const char *needle, int count, mail_t *out, int max)
{
  int n = 0;

  for (int waited = 0; waited < LH_POLL_MAX_MS; waited += 50) {
    n = mails_of (event, needle, out, max);
    if (n >= count) {
      return n;
    }
    lh_sleep_ms (50);
  }
  fail_msg ("%d e-mails of %s about %s never came (%d)", count, event, needle, n);
  return n;
}

/* True when a message of @list is addressed to @email. */
static bool
has_to (const mail_t *list, int n, const char *email)
{
  for (int i = 0; i < n; i++) {
    if (strstr (list[i].to, email)) {
      return true;
    }
  }
  return false;
}

/* The message of @list addressed to @email (fails when there is none). */
static const mail_t *
to (const mail_t *list, int n, const char *email)
{
  static const mail_t none;

  for (int i = 0; i < n; i++) {
    if (strstr (list[i].to, email)) {
      return &list[i];
    }
  }
  fail_msg ("no e-mail to %s", email);
  return &none;
}

/* The outbox is emptied by the dispatcher: once no message of @event about @needle is still
 * pending, waiting longer changes nothing. Polls the mails until two passes agree. */
static int
settled_mails (const char *event, const char *needle, int at_least, mail_t *out, int max)
{
  int n = wait_mails (event, needle, at_least, out, max);
  for (int i = 0; i < 10; i++) {
    int again;
    lh_sleep_ms (100);
    again = mails_of (event, needle, out, max);
    if (again == n) {
      break;
    }
    n = again;
  }
  return n;
}

typedef struct {
  it_person_t owner, owner_staff, borrower, third;
  char service[MT_ID_SIZE];
} world_t;

static void
make_world (world_t *w)
{
  char net[MT_ID_SIZE], nets[64], text[1024], body[1024];
  mt_http_response_t resp;

  it_network (net);
  it_networks1 (nets, net);
  it_signup (nets, true, &w->owner);
  it_colleague (&w->owner, "staff", &w->owner_staff);
  it_signup (nets, true, &w->borrower);
  it_signup (nets, true, &w->third);
  snprintf (text, sizeof text,
            "{'kind':'service','title':'Réparation de vélos','category':"
            "'animation-facilitation','duration_minutes':60,'credit_rate_per_hour':10,"
            "'status':'published'}");
  it_call (w->owner.token, "POST", "/v1/listings", NULL, lh_q (text, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (w->service, sizeof w->service, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* The requester (borrower) books the service @days days from now; the id to @id. */
static void
book (const world_t *w, int days, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char start[MT_TIME_RFC3339_MAX], body[256];

  mt_time_format_rfc3339 ((mt_time_now_ms () / 1000) * 1000 + days * LH_DAY, start);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\"}", w->service, start);
  it_call (w->borrower.token, "POST", "/v1/bookings", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/bookings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->owner_staff);
  it_person_destroy (&w->borrower);
  it_person_destroy (&w->third);
}

static void
event_mails_in_each_language (void **state)
{
  world_t w;
  mail_t got[8];
  const mail_t *m;
  char bkg[MT_ID_SIZE];
  char link[128], path[128];
  int n;

  (void) state;
  make_world (&w);
  it_expect (w.owner.token, "PATCH", "/v1/me", "{\"lang\":\"en\"}", 200);
  book (&w, 3, bkg);
  snprintf (link, sizeof link, PUBLIC_URL "/bookings/%s", bkg);

  /* Requested: the provider's two accounts, each in its language, and nobody else. */
  n = settled_mails ("booking.requested", bkg, 2, got, 8);
  assert_int_equal (n, 2);
  m = to (got, n, w.owner.email);
  assert_non_null (strstr (m->subject, "New service request"));
  assert_non_null (strstr (m->subject, "Réparation de vélos"));
  assert_non_null (strstr (m->body, "Hello"));
  assert_non_null (strstr (m->body, link));
  m = to (got, n, w.owner_staff.email);
  assert_non_null (strstr (m->subject, "Nouvelle demande de service"));
  assert_non_null (strstr (m->body, "Bonjour"));
  assert_non_null (strstr (m->body, link));
  assert_false (has_to (got, n, w.borrower.email));
  assert_false (has_to (got, n, w.third.email));

  /* Accepted: the requester only, in French. */
  snprintf (path, sizeof path, "/v1/bookings/%s/accept", bkg);
  it_expect (w.owner.token, "POST", path, "{}", 200);
  n = settled_mails ("booking.accepted", bkg, 1, got, 8);
  assert_int_equal (n, 1);
  m = to (got, n, w.borrower.email);
  assert_non_null (strstr (m->subject, "Demande de service acceptée"));
  assert_non_null (strstr (m->body, "Bonjour"));
  assert_non_null (strstr (m->body, link));
  /* Nothing ever went to the third member. */
  {
    static mail_t all[MAIL_MAX];
    int total = mails (all, MAIL_MAX);
    assert_false (has_to (all, total, w.third.email));
  }
  world_destroy (&w);
}

/* The first notification id of @token whose id starts with @prefix, into @out. */
static void
notification_id (const char *token, const char *prefix, char *out, size_t size)
{
  mt_http_response_t resp;

  out[0] = '\0';
  it_call (token, "GET", "/v1/me/notifications?limit=100", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/notifications");
  for (int i = 0; i < 100; i++) {
    char key[32];
    const char *id;
    snprintf (key, sizeof key, "items.%d.id", i);
    id = mt_http_json_string (&resp, key);
    if (!id) {
      break;
    }
    if (strncmp (id, prefix, strlen (prefix)) == 0) {
      snprintf (out, size, "%s", id);
      break;
    }
  }
  mt_http_response_destroy (&resp);
}

/* "read_at" of notification @id of @token ("" when unread). */
static void
read_at (const char *token, const char *id, char *out, size_t size)
{
  mt_http_response_t resp;

  out[0] = '\0';
  it_call (token, "GET", "/v1/me/notifications?limit=100", NULL, NULL, &resp);
  for (int i = 0; i < 100; i++) {
    char key[48];
    const char *value;
    snprintf (key, sizeof key, "items.%d.id", i);
    value = mt_http_json_string (&resp, key);
    if (!value) {
      break;
    }
    if (strcmp (value, id) == 0) {
      snprintf (key, sizeof key, "items.%d.read_at", i);
      value = mt_http_json_string (&resp, key);
      snprintf (out, size, "%s", value ? value : "");
      break;
    }
  }
  mt_http_response_destroy (&resp);
}

static void
mark_read_own_only (void **state)
{
  world_t w;
  char bkg[MT_ID_SIZE], prefix[64], id[256], path[320], first[64], second[64];

  (void) state;
  make_world (&w);
  book (&w, 5, bkg);
  snprintf (prefix, sizeof prefix, "%s:", bkg);
  notification_id (w.owner.token, prefix, id, sizeof id);
  assert_true (id[0]);
  read_at (w.owner.token, id, first, sizeof first);
  assert_string_equal (first, "");
  snprintf (path, sizeof path, "/v1/me/notifications/%s/read", id);
  /* Another account (of another member, or a colleague): 404, and still unread. */
  it_expect_problem (w.borrower.token, "POST", path, NULL, 404, "not-found");
  it_expect_problem (w.owner_staff.token, "POST", path, NULL, 404, "not-found");
  it_expect (NULL, "POST", path, NULL, 401);
  read_at (w.owner.token, id, first, sizeof first);
  assert_string_equal (first, "");
  /* The owner's own: 204, read_at set, kept on a second call. */
  it_expect (w.owner.token, "POST", path, NULL, 204);
  read_at (w.owner.token, id, first, sizeof first);
  assert_true (first[0]);
  lh_sleep_ms (1100);
  it_expect (w.owner.token, "POST", path, NULL, 204);
  read_at (w.owner.token, id, second, sizeof second);
  assert_string_equal (first, second);
  /* The colleague's own notification of the same event is still unread. */
  {
    char staff_id[256], staff_read[64];
    notification_id (w.owner_staff.token, prefix, staff_id, sizeof staff_id);
    assert_true (staff_id[0]);
    assert_string_not_equal (staff_id, id);
    read_at (w.owner_staff.token, staff_id, staff_read, sizeof staff_read);
    assert_string_equal (staff_read, "");
  }
  it_expect_problem (w.owner.token, "POST", "/v1/me/notifications/nope:nope/read", NULL, 404,
                     "not-found");
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("mail/event_mails_in_each_language", event_mails_in_each_language),
    MT_TEST ("mail/mark_read_own_only", mark_read_own_only),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
