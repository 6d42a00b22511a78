/*
 * Integration tests of the iCalendar feeds over HTTP against the real mutuad, each feed read
 * back by an independent parser: Debian's python3-icalendar (run as /usr/bin/python3), which
 * must find the events, their summaries, their UTC times, and long French texts that the
 * server folded over several lines. Also: the raw bytes (CRLF only, lines of at most 75
 * octets), the listing feed's visibility and absence of personal data, the secret address
 * (shown again, revoked, then 404), and that the server's log never holds the secret.
 */
#include "members_helpers.h"

#include "mt_json.h"
#include "mt_time.h"

#include <errno.h>
#include <sys/wait.h>
#include <time.h>

#define PYTHON "/usr/bin/python3"
#define DAY_S 86400

/* Reads a feed with icalendar and writes what it found as JSON. */
static const char parser_script[] =
  "import datetime, json, sys\n"
  "import icalendar\n"
  "cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n"
  "def when(event, name):\n"
  "    value = event.get(name).dt\n"
  "    return {'iso': value.isoformat(),\n"
  "            'utc': value.tzinfo is not None and value.utcoffset() == datetime.timedelta(0)}\n"
  "events = []\n"
  "for event in cal.walk('VEVENT'):\n"
  "    events.append({'uid': str(event.get('UID')), 'summary': str(event.get('SUMMARY')),\n"
  "                   'description': str(event.get('DESCRIPTION', '')),\n"
  "                   'location': str(event.get('LOCATION', '')),\n"
  "                   'status': str(event.get('STATUS', '')),\n"
  "                   'dtstart': when(event, 'DTSTART'), 'dtend': when(event, 'DTEND'),\n"
  "                   'dtstamp': when(event, 'DTSTAMP')})\n"
  "out = {'version': str(cal.get('VERSION')), 'prodid': str(cal.get('PRODID')),\n"
  "       'method': str(cal.get('METHOD')), 'calscale': str(cal.get('CALSCALE')),\n"
  "       'calname': str(cal.get('X-WR-CALNAME')), 'events': events}\n"
  "json.dump(out, open(sys.argv[2], 'w'), ensure_ascii=False)\n";

static char work_dir[64];
static bool parser_ok; /* python3-icalendar is importable */

static void
write_file (const char *path, const char *data, size_t len)
{
  FILE *f = fopen (path, "wb");
  assert_non_null (f);
  assert_int_equal (fwrite (data, 1, len, f), len);
  assert_int_equal (fclose (f), 0);
}

/* Runs /usr/bin/python3 with @argv (after the program name); returns its exit status. */
static int
run_python (const char *const *args)
{
  const char *argv[8] = { PYTHON };
  size_t n = 1;
  pid_t pid;
  int status = 0;

  while (args[n - 1] && n < 7) {
    argv[n] = args[n - 1];
    n++;
  }
  argv[n] = NULL;
  pid = fork ();
  assert_true (pid >= 0);
  if (pid == 0) {
    execv (PYTHON, (char *const *) (uintptr_t) argv);
    _exit (127);
  }
  while (waitpid (pid, &status, 0) < 0) {
    assert_int_equal (errno, EINTR);
  }
  return WIFEXITED (status) ? WEXITSTATUS (status) : 128;
}

static int
setup (void **state)
{
  char script[128];
  const char *probe[] = { "-c", "import icalendar", NULL };

  snprintf (work_dir, sizeof work_dir, "/tmp/mutua-ical-XXXXXX");
  if (!mkdtemp (work_dir)) {
    return -1;
  }
  snprintf (script, sizeof script, "%s/parse.py", work_dir);
  write_file (script, parser_script, sizeof parser_script - 1);
  parser_ok = access (PYTHON, X_OK) == 0 && run_python (probe) == 0;
  return it_start (state);
}

static int
teardown (void **state)
{
  char path[128];

  snprintf (path, sizeof path, "%s/parse.py", work_dir);
  unlink (path);
  snprintf (path, sizeof path, "%s/feed.ics", work_dir);
  unlink (path);
  snprintf (path, sizeof path, "%s/feed.json", work_dir);
  unlink (path);
  rmdir (work_dir);
  return it_stop (state);
}

/* ---- Helpers ------------------------------------------------------------------------------ */

/* Signs up an approved organisation named @name in @networks and signs its manager in. */
static void
signup_named (const char *networks, const char *name, it_person_t *out)
{
  mt_http_response_t resp;
  char body[2048];
  char path[96];
  unsigned n = ++it_counter;

  memset (out, 0, sizeof *out);
  snprintf (out->email, sizeof out->email, "agenda%u.%u@asso.example", n, (unsigned) getpid ());
  snprintf (body, sizeof body,
            "{\"email\":\"%s\",\"password\":\"" IT_PASSWORD "\",\"name\":\"Claude %u\","
            "\"member\":{\"name\":\"%s\",\"kind\":\"association\","
            "\"territory\":{\"departement\":\"62\",\"commune\":\"Arras\"},"
            "\"networks\":%s}}",
            out->email, n, name, networks);
  it_call (NULL, "POST", "/v1/auth/signup", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/auth/signup");
  snprintf (out->member_id, sizeof out->member_id, "%s", mt_http_json_string (&resp, "member.id"));
  snprintf (out->account_id, sizeof out->account_id, "%s",
            mt_http_json_string (&resp, "account.id"));
  mt_http_response_destroy (&resp);
  snprintf (path, sizeof path, "/v1/admin/members/%s/approve", out->member_id);
  it_expect (it_admin, "POST", path, NULL, 200);
  out->token = it_login (out->email, IT_PASSWORD);
  assert_non_null (out->token);
}

/* POST /v1/listings as @owner with @json; the id to @id. */
static void
create_listing (const it_person_t *owner, const char *json, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;

  it_call (owner->token, "POST", "/v1/listings", NULL, json, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* An instant @days days and @hours hours from now, on a whole hour: RFC 3339 in @text (and the
 * form python's isoformat gives in @iso, when not NULL). */
static void
instant (int days, int hours, char text[32], char iso[40])
{
  time_t now = time (NULL);
  time_t t = (now / 3600 + 1) * 3600 + (time_t) days * DAY_S + (time_t) hours * 3600;
  struct tm tm;

  gmtime_r (&t, &tm);
  strftime (text, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (iso) {
    strftime (iso, 40, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  }
}

/* POST /v1/reservations as @borrower; the id to @id. */
static void
reserve (const it_person_t *borrower, const char *listing, const char *start, const char *end,
         int units, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[512];

  snprintf (body, sizeof body,
            "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\",\"units\":%d,"
            "\"message\":\"Bonjour, c'est pour la braderie ; merci d'avance !\"}",
            listing, start, end, units);
  it_call (borrower->token, "POST", "/v1/reservations", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/reservations");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* Checks the raw bytes of a feed: CRLF only, physical lines of at most 75 octets. Returns the
 * number of folded (continuation) lines. */
static size_t
check_raw (const char *ics, size_t len)
{
  size_t start = 0;
  size_t folds = 0;

  assert_true (len > 0);
  for (size_t i = 0; i < len; i++) {
    if (ics[i] == '\n') {
      fail_msg ("bare LF at %zu", i);
    }
    if (ics[i] == '\r') {
      assert_true (i + 1 < len && ics[i + 1] == '\n');
      if (i - start > 75) {
        fail_msg ("line of %zu octets: %.*s", i - start, (int) (i - start), ics + start);
      }
      i++;
      start = i + 1;
      if (start < len && ics[start] == ' ') {
        folds++;
      }
    }
  }
  assert_int_equal (start, len);
  return folds;
}

/* GET @path (with @token when not NULL): must be a text/calendar 200. The body (malloc'd) to
 * *@ics. */
static void
fetch_feed (const char *token, const char *path, char **ics, size_t *len)
{
  mt_http_response_t resp;

  it_call (token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_header (&resp, "Content-Type"), "text/calendar; charset=utf-8");
  *ics = malloc (resp.body_len + 1);
  assert_non_null (*ics);
  memcpy (*ics, resp.body, resp.body_len + 1);
  *len = resp.body_len;
  mt_http_response_destroy (&resp);
}

/* Parses @ics with python3-icalendar into @out ({"v": {...}}); false (after saying why) when
 * the parser is not installed. */
static bool
parse_feed (const char *ics, size_t len, bson_t *out)
{
  char script[128], feed[128], json[128];
  const char *args[4];

  if (!parser_ok) {
    mt_test_say_skip ("iCalendar parsing",
                      "python3-icalendar is not installed (scripts/install-deps.sh)");
    return false;
  }
  snprintf (script, sizeof script, "%s/parse.py", work_dir);
  snprintf (feed, sizeof feed, "%s/feed.ics", work_dir);
  snprintf (json, sizeof json, "%s/feed.json", work_dir);
  write_file (feed, ics, len);
  unlink (json);
  args[0] = script;
  args[1] = feed;
  args[2] = json;
  args[3] = NULL;
  if (run_python (args) != 0) {
    fail_msg ("python3-icalendar could not read the feed:\n%s", ics);
  }
  assert_true (mt_test_load_json (json, out));
  return true;
}

/* The @i-th event of a parsed feed. */
static void
event_at (const bson_t *parsed, unsigned i, bson_t *out)
{
  char key[32];
  bson_iter_t it;
  bson_iter_t child;
  const uint8_t *data;
  uint32_t len;

  snprintf (key, sizeof key, "v.events.%u", i);
  assert_true (bson_iter_init (&it, parsed) && bson_iter_find_descendant (&it, key, &child) &&
               BSON_ITER_HOLDS_DOCUMENT (&child));
  bson_iter_document (&child, &len, &data);
  assert_true (bson_init_static (out, data, len));
}

static uint32_t
event_count (const bson_t *parsed)
{
  bson_iter_t it;
  bson_iter_t child;
  const uint8_t *data;
  uint32_t len;
  bson_t events;

  assert_true (bson_iter_init (&it, parsed) &&
               bson_iter_find_descendant (&it, "v.events", &child) &&
               BSON_ITER_HOLDS_ARRAY (&child));
  bson_iter_array (&child, &len, &data);
  assert_true (bson_init_static (&events, data, len));
  return bson_count_keys (&events);
}

/* The index of the event whose DTSTART is @iso, or fails. */
static unsigned
event_starting (const bson_t *parsed, const char *iso)
{
  uint32_t n = event_count (parsed);
  for (unsigned i = 0; i < n; i++) {
    bson_t ev;
    event_at (parsed, i, &ev);
    if (mt_bson_str_eq (&ev, "dtstart.iso", iso)) {
      return i;
    }
  }
  fail_msg ("no event starts at %s", iso);
  return 0;
}

static void
check_frame (const bson_t *parsed, const char *calname)
{
  assert_true (mt_bson_str_eq (parsed, "v.version", "2.0"));
  assert_true (mt_bson_str_eq (parsed, "v.prodid", "-//mutua//mutua//FR"));
  assert_true (mt_bson_str_eq (parsed, "v.method", "PUBLISH"));
  assert_true (mt_bson_str_eq (parsed, "v.calscale", "GREGORIAN"));
  if (!mt_bson_str_eq (parsed, "v.calname", calname)) {
    fail_msg ("calendar name \"%s\", expected \"%s\"", mt_bson_str (parsed, "v.calname"), calname);
  }
  for (unsigned i = 0; i < event_count (parsed); i++) {
    bson_t ev;
    event_at (parsed, i, &ev);
    assert_true (mt_bson_bool (&ev, "dtstart.utc", false));
    assert_true (mt_bson_bool (&ev, "dtend.utc", false));
    assert_true (mt_bson_bool (&ev, "dtstamp.utc", false));
  }
}

/* ---- The world of these tests ------------------------------------------------------------- */

#define LONG_TITLE                                                                                 \
  "Vélo cargo biporteur électrique « Grand Bi » avec bâche, deux sièges enfants et antivol"
#define LONG_LENDER                                                                                \
  "Ressourcerie solidaire de l'Artois — Atelier d'éco-mobilité, réemploi et économie circulaire"

typedef struct {
  char net[MT_ID_SIZE], other_net[MT_ID_SIZE];
  it_person_t owner, borrower, stranger;
  char bike[MT_ID_SIZE];  /* public, quantity 2, a blackout, long title */
  char tools[MT_ID_SIZE]; /* networks only */
  char r1[MT_ID_SIZE], r2[MT_ID_SIZE];
  char s1[32], e1[32], s2[32], e2[32], b_start[32], b_end[32];
  char s1_iso[40], e1_iso[40], s2_iso[40], e2_iso[40], b_start_iso[40], b_end_iso[40];
} world_t;

static void
make_world (world_t *w)
{
  char nets[64];
  char others[64];
  char body[2048];

  memset (w, 0, sizeof *w);
  it_network (w->net);
  it_network (w->other_net);
  it_networks1 (nets, w->net);
  it_networks1 (others, w->other_net);
  signup_named (nets, LONG_LENDER, &w->owner);
  it_signup (nets, true, &w->borrower);
  it_signup (others, true, &w->stranger);
  instant (20, 0, w->b_start, w->b_start_iso);
  instant (22, 0, w->b_end, w->b_end_iso);
  snprintf (body, sizeof body,
            "{\"kind\":\"good\",\"title\":\"" LONG_TITLE "\",\"category\":\"velos-cargo\","
            "\"visibility\":\"public\",\"status\":\"published\",\"quantity\":2,"
            "\"approval\":\"auto\",\"loan_rules\":{\"max_days\":14,\"min_notice_hours\":0,"
            "\"buffer_hours\":0,\"horizon_days\":180},"
            "\"blackouts\":[{\"start\":\"%s\",\"end\":\"%s\",\"reason\":\"Révision annuelle\"}]}",
            w->b_start, w->b_end);
  create_listing (&w->owner, body, w->bike);
  create_listing (&w->owner,
                  "{\"kind\":\"good\",\"title\":\"Caisse à outils\",\"category\":\"outillage\","
                  "\"visibility\":\"networks\",\"status\":\"published\","
                  "\"loan_rules\":{\"max_days\":14,\"min_notice_hours\":0,\"buffer_hours\":0,"
                  "\"horizon_days\":180}}",
                  w->tools);
  /* Two overlapping loans of one unit each: three busy segments (1, 2, 1 units). */
  instant (3, 0, w->s1, w->s1_iso);
  instant (5, 0, w->e1, w->e1_iso);
  instant (4, 0, w->s2, w->s2_iso);
  instant (6, 6, w->e2, w->e2_iso);
  reserve (&w->borrower, w->bike, w->s1, w->e1, 1, w->r1);
  reserve (&w->borrower, w->bike, w->s2, w->e2, 1, w->r2);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->borrower);
  it_person_destroy (&w->stranger);
}

/* ---- Tests -------------------------------------------------------------------------------- */

static void
listing_feed_is_read_back_by_icalendar (void **state)
{
  world_t w;
  char path[128];
  char *ics;
  char *again;
  size_t len;
  size_t again_len;
  bson_t parsed;
  bson_t ev;
  unsigned i;

  (void) state;
  make_world (&w);
  snprintf (path, sizeof path, "/v1/listings/%s/calendar.ics", w.bike);
  fetch_feed (NULL, path, &ics, &len); /* public: no token needed */
  check_raw (ics, len);
  assert_true (check_raw (ics, len) > 0); /* the long title is folded */
  /* No personal data: no reservation, no borrower, no message, no blackout reason. */
  assert_null (strstr (ics, w.r1));
  assert_null (strstr (ics, w.r2));
  assert_null (strstr (ics, w.borrower.member_id));
  assert_null (strstr (ics, w.borrower.account_id));
  assert_null (strstr (ics, "Bonjour"));
  assert_null (strstr (ics, "braderie"));
  assert_null (strstr (ics, "Révision"));
  /* The same bytes for the owner, but for the time stamps. */
  fetch_feed (w.owner.token, path, &again, &again_len);
  assert_int_equal (again_len, len);
  free (again);

  if (parse_feed (ics, len, &parsed)) {
    check_frame (&parsed, LONG_TITLE);
    assert_int_equal (event_count (&parsed), 4);
    i = event_starting (&parsed, w.s1_iso);
    event_at (&parsed, i, &ev);
    assert_true (mt_bson_str_eq (&ev, "summary", "Réservé / Booked"));
    assert_true (mt_bson_str_eq (&ev, "dtend.iso", w.s2_iso));
    assert_true (
      mt_bson_str_eq (&ev, "description", "1 unité(s) sur 2 réservée(s) / 1 of 2 units booked"));
    i = event_starting (&parsed, w.s2_iso);
    event_at (&parsed, i, &ev);
    assert_true (mt_bson_str_eq (&ev, "dtend.iso", w.e1_iso));
    assert_true (
      mt_bson_str_eq (&ev, "description", "2 unité(s) sur 2 réservée(s) / 2 of 2 units booked"));
    i = event_starting (&parsed, w.e1_iso);
    event_at (&parsed, i, &ev);
    assert_true (mt_bson_str_eq (&ev, "dtend.iso", w.e2_iso));
    i = event_starting (&parsed, w.b_start_iso);
    event_at (&parsed, i, &ev);
    assert_true (mt_bson_str_eq (&ev, "summary", "Indisponible / Unavailable"));
    assert_true (mt_bson_str_eq (&ev, "dtend.iso", w.b_end_iso));
    assert_true (mt_bson_str_eq (&ev, "status", "CONFIRMED"));
    bson_destroy (&parsed);
  }
  free (ics);
  world_destroy (&w);
}

static void
listing_feed_only_for_those_who_see_the_listing (void **state)
{
  world_t w;
  char path[128];
  char *ics;
  size_t len;

  (void) state;
  make_world (&w);
  snprintf (path, sizeof path, "/v1/listings/%s/calendar.ics", w.tools);
  it_expect_problem (NULL, "GET", path, NULL, 404, "not-found");
  it_expect_problem (w.stranger.token, "GET", path, NULL, 404, "not-found");
  fetch_feed (w.borrower.token, path, &ics, &len);
  check_raw (ics, len);
  assert_null (strstr (ics, "BEGIN:VEVENT"));
  free (ics);
  fetch_feed (it_admin, path, &ics, &len);
  free (ics);
  it_expect_problem (NULL, "GET", "/v1/listings/lst_AAAAAAAAAAAAAAAAAAAAAA/calendar.ics", NULL, 404,
                     "not-found");
  world_destroy (&w);
}

/* GET /v1/me/calendar-url as @token: the path to @path. */
static void
calendar_path (const char *token, char path[128])
{
  mt_http_response_t resp;

  it_call (token, "GET", "/v1/me/calendar-url", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/calendar-url");
  assert_non_null (mt_http_json_string (&resp, "path"));
  assert_non_null (mt_http_json_string (&resp, "created_at"));
  snprintf (path, 128, "%s", mt_http_json_string (&resp, "path"));
  assert_string_equal (mt_http_json_string (&resp, "url"), path);
  assert_string_equal (mt_http_header (&resp, "Cache-Control"), "no-store");
  mt_http_response_destroy (&resp);
}

static void
account_feed_is_read_back_by_icalendar (void **state)
{
  world_t w;
  char path[128];
  char again[128];
  char expected[1024];
  char *ics;
  size_t len;
  bson_t parsed;
  bson_t ev;
  unsigned i;

  (void) state;
  make_world (&w);
  calendar_path (w.borrower.token, path);
  assert_int_equal (strncmp (path, "/v1/calendars/", 14), 0);
  assert_int_equal (strlen (path), 14 + 43 + 4);
  calendar_path (w.borrower.token, again);
  assert_string_equal (again, path); /* shown again */
  it_expect (NULL, "GET", "/v1/me/calendar-url", NULL, 401);
  {
    /* The secret is shown by /v1/me/calendar-url only: never in the account's views. */
    mt_http_response_t me;
    it_call (w.borrower.token, "GET", "/v1/me", NULL, NULL, &me);
    it_assert_status (&me, 200, "GET", "/v1/me");
    assert_null (strstr (me.body, "calendar_token"));
    assert_null (strstr (me.body, path + 14));
    mt_http_response_destroy (&me);
    it_call (w.borrower.token, "GET", "/v1/me/export", NULL, NULL, &me);
    assert_null (strstr (me.body, "calendar_token"));
    mt_http_response_destroy (&me);
  }

  fetch_feed (NULL, path, &ics, &len); /* the address is the credential */
  assert_true (check_raw (ics, len) > 0);
  assert_null (strstr (ics, "braderie")); /* the borrower's message stays out */
  if (parse_feed (ics, len, &parsed)) {
    char calname[256];
    mt_http_response_t resp;
    char member_path[96];

    snprintf (member_path, sizeof member_path, "/v1/members/%s", w.borrower.member_id);
    it_call (w.borrower.token, "GET", member_path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", member_path);
    snprintf (calname, sizeof calname, "mutua : mes réservations (%s)",
              mt_http_json_string (&resp, "name"));
    mt_http_response_destroy (&resp);
    check_frame (&parsed, calname);
    assert_int_equal (event_count (&parsed), 2);
    /* Long French texts folded by the server come back whole. */
    snprintf (expected, sizeof expected, "Emprunt : %s (%s)", LONG_TITLE, LONG_LENDER);
    i = event_starting (&parsed, w.s1_iso);
    event_at (&parsed, i, &ev);
    if (!mt_bson_str_eq (&ev, "summary", expected)) {
      fail_msg ("summary \"%s\", expected \"%s\"", mt_bson_str (&ev, "summary"), expected);
    }
    assert_true (mt_bson_str_eq (&ev, "dtend.iso", w.e1_iso));
    assert_true (mt_bson_str_eq (&ev, "status", "CONFIRMED")); /* auto-approved */
    assert_true (mt_bson_str_eq (&ev, "location", "Arras (62)"));
    snprintf (expected, sizeof expected,
              "Statut : acceptée\nUnités : 1\nPrêteur : %s\nRéservation : %s", LONG_LENDER, w.r1);
    if (!mt_bson_str_eq (&ev, "description", expected)) {
      fail_msg ("description \"%s\", expected \"%s\"", mt_bson_str (&ev, "description"), expected);
    }
    i = event_starting (&parsed, w.s2_iso);
    event_at (&parsed, i, &ev);
    assert_true (mt_bson_str_eq (&ev, "dtend.iso", w.e2_iso));
    bson_destroy (&parsed);
  }
  free (ics);

  /* The lender's side. */
  calendar_path (w.owner.token, again);
  assert_string_not_equal (again, path);
  fetch_feed (NULL, again, &ics, &len);
  check_raw (ics, len);
  if (parse_feed (ics, len, &parsed)) {
    assert_int_equal (event_count (&parsed), 2);
    event_at (&parsed, event_starting (&parsed, w.s2_iso), &ev);
    assert_non_null (strstr (mt_bson_str (&ev, "summary"), "Prêt : " LONG_TITLE " ("));
    bson_destroy (&parsed);
  }
  free (ics);

  /* A cancelled reservation leaves the feed. */
  {
    char cancel[128];
    snprintf (cancel, sizeof cancel, "/v1/reservations/%s/cancel", w.r2);
    it_expect (w.borrower.token, "POST", cancel, "{\"reason\":\"Plus besoin\"}", 200);
  }
  fetch_feed (NULL, path, &ics, &len);
  if (parse_feed (ics, len, &parsed)) {
    assert_int_equal (event_count (&parsed), 1);
    bson_destroy (&parsed);
  }
  free (ics);
  world_destroy (&w);
}

static void
revoked_and_unknown_addresses_are_404_and_never_logged (void **state)
{
  world_t w;
  char path[128];
  char renewed[128];
  char secret[64];
  char *log;

  (void) state;
  make_world (&w);
  calendar_path (w.borrower.token, path);
  it_expect (NULL, "GET", path, NULL, 200);
  it_expect (w.borrower.token, "DELETE", "/v1/me/calendar-url", NULL, 204);
  it_expect_problem (NULL, "GET", path, NULL, 404, "not-found");
  it_expect (w.borrower.token, "DELETE", "/v1/me/calendar-url", NULL, 204);
  it_expect (NULL, "DELETE", "/v1/me/calendar-url", NULL, 401);
  calendar_path (w.borrower.token, renewed);
  assert_string_not_equal (renewed, path);
  it_expect (NULL, "GET", renewed, NULL, 200);
  it_expect_problem (NULL, "GET", path, NULL, 404, "not-found");
  /* Unknown and malformed addresses: the same answer. */
  it_expect_problem (NULL, "GET", "/v1/calendars/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA.ics",
                     NULL, 404, "not-found");
  it_expect_problem (NULL, "GET", "/v1/calendars/x.ics", NULL, 404, "not-found");
  snprintf (secret, sizeof secret, "%.43s", renewed + 14);
  {
    char bare[128];
    snprintf (bare, sizeof bare, "/v1/calendars/%s", secret);
    it_expect_problem (NULL, "GET", bare, NULL, 404, "not-found");
  }
  /* A suspended member's address stops answering. */
  {
    char suspend[128];
    snprintf (suspend, sizeof suspend, "/v1/admin/members/%s/suspend", w.borrower.member_id);
    it_expect (it_admin, "POST", suspend, "{\"reason\":\"Test de suspension\"}", 200);
    it_expect_problem (NULL, "GET", renewed, NULL, 404, "not-found");
  }
  /* The log names the route, never the address. */
  log = mt_test_server_log (&it_server, NULL);
  assert_non_null (log);
  assert_non_null (strstr (log, "GET /v1/calendars/{token}"));
  assert_null (strstr (log, secret));
  snprintf (secret, sizeof secret, "%.43s", path + 14);
  assert_null (strstr (log, secret));
  free (log);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("calendars/listing/icalendar_reads_it", listing_feed_is_read_back_by_icalendar),
    MT_TEST ("calendars/listing/visibility", listing_feed_only_for_those_who_see_the_listing),
    MT_TEST ("calendars/account/icalendar_reads_it", account_feed_is_read_back_by_icalendar),
    MT_TEST ("calendars/account/revoked_unknown_never_logged",
             revoked_and_unknown_addresses_are_404_and_never_logged),
  };
  return cmocka_run_group_tests_name ("integration/calendars", tests, setup, teardown);
}
