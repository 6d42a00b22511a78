/*
 * Integration tests of the message thread of a reservation over HTTP against the real
 * mutuad: the borrower's and the owner's accounts and administrators write and read it,
 * oldest first and paged (Link rel="next"); anyone else gets 404 as for a reservation that
 * does not exist; bodies are checked (1..4000 characters, not only spaces, no other field).
 */
#include "members_helpers.h"

#include <time.h>

#define DAY_S 86400

typedef struct {
  char net[MT_ID_SIZE];
  it_person_t owner, owner_staff, borrower, borrower_staff, stranger;
  char listing[MT_ID_SIZE];
  char reservation[MT_ID_SIZE];
  char path[128]; /* /v1/reservations/<id>/messages */
} world_t;

static void
instant (int days, char text[32])
{
  time_t t = (time (NULL) / 3600 + 1) * 3600 + (time_t) days * DAY_S;
  struct tm tm;

  gmtime_r (&t, &tm);
  strftime (text, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
make_world (world_t *w)
{
  char nets[64];
  char body[512];
  char start[32];
  char end[32];
  mt_http_response_t resp;

  memset (w, 0, sizeof *w);
  it_network (w->net);
  it_networks1 (nets, w->net);
  it_signup (nets, true, &w->owner);
  it_colleague (&w->owner, "staff", &w->owner_staff);
  it_signup (nets, true, &w->borrower);
  it_colleague (&w->borrower, "staff", &w->borrower_staff);
  it_signup (nets, true, &w->stranger); /* same network: sees the listing, not the loan */
  it_call (w->owner.token, "POST", "/v1/listings", NULL,
           "{\"kind\":\"good\",\"title\":\"Barnum 3x3\",\"category\":\"tentes-barnums\","
           "\"visibility\":\"networks\",\"status\":\"published\","
           "\"loan_rules\":{\"max_days\":14,\"min_notice_hours\":0,\"buffer_hours\":0,"
           "\"horizon_days\":180}}",
           &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (w->listing, sizeof w->listing, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
  instant (2, start);
  instant (4, end);
  snprintf (body, sizeof body, "{\"listing_id\":\"%s\",\"start\":\"%s\",\"end\":\"%s\"}",
            w->listing, start, end);
  it_call (w->borrower.token, "POST", "/v1/reservations", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/reservations");
  snprintf (w->reservation, sizeof w->reservation, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
  snprintf (w->path, sizeof w->path, "/v1/reservations/%s/messages", w->reservation);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->owner_staff);
  it_person_destroy (&w->borrower);
  it_person_destroy (&w->borrower_staff);
  it_person_destroy (&w->stranger);
}

/* POST @text (a JSON string body already escaped) as @token: 201 with the message; its id to
 * @id. */
static void
write_message (const world_t *w, const char *token, const char *text, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[512];

  snprintf (body, sizeof body, "{\"text\":\"%s\"}", text);
  it_call (token, "POST", w->path, NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", w->path);
  assert_string_equal (mt_http_header (&resp, "Location"), w->path);
  assert_string_equal (mt_http_json_string (&resp, "reservation_id"), w->reservation);
  assert_non_null (mt_http_json_string (&resp, "created_at"));
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

static void
the_parties_and_admins_write_and_read_the_thread (void **state)
{
  world_t w;
  char m[4][MT_ID_SIZE];
  const char *readers[5];

  (void) state;
  make_world (&w);
  write_message (&w, w.borrower.token, "Bonjour, le barnum a-t-il ses lestes ?", m[0]);
  write_message (&w, w.owner_staff.token, "Oui, quatre lestes de 10 kg.", m[1]);
  write_message (&w, it_admin, "Vu par l'équipe de la plateforme.", m[2]);
  write_message (&w, w.borrower_staff.token, "Parfait, merci ! \\ud83c\\udfaa", m[3]);

  readers[0] = w.owner.token;
  readers[1] = w.owner_staff.token;
  readers[2] = w.borrower.token;
  readers[3] = w.borrower_staff.token;
  readers[4] = it_admin;
  for (size_t r = 0; r < 5; r++) {
    mt_http_response_t resp;
    it_call (readers[r], "GET", w.path, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", w.path);
    for (int i = 0; i < 4; i++) {
      char key[32];
      snprintf (key, sizeof key, "items.%d.id", i);
      assert_string_equal (mt_http_json_string (&resp, key), m[i]);
    }
    assert_null (mt_http_json_string (&resp, "items.4.id"));
    assert_string_equal (mt_http_json_string (&resp, "items.0.author_account_id"),
                         w.borrower.account_id);
    assert_string_equal (mt_http_json_string (&resp, "items.0.author_member_id"),
                         w.borrower.member_id);
    assert_string_equal (mt_http_json_string (&resp, "items.0.author_role"), "borrower");
    assert_string_equal (mt_http_json_string (&resp, "items.1.author_account_id"),
                         w.owner_staff.account_id);
    assert_string_equal (mt_http_json_string (&resp, "items.1.author_role"), "owner");
    assert_string_equal (mt_http_json_string (&resp, "items.2.author_role"), "admin");
    assert_string_equal (mt_http_json_string (&resp, "items.0.text"),
                         "Bonjour, le barnum a-t-il ses lestes ?");
    assert_string_equal (mt_http_json_string (&resp, "items.3.text"), "Parfait, merci ! 🎪");
    assert_null (mt_http_header (&resp, "Link"));
    mt_http_response_destroy (&resp);
  }
  world_destroy (&w);
}

static void
pages_follow_link_next (void **state)
{
  world_t w;
  char ids[5][MT_ID_SIZE];
  char url[1024];
  unsigned seen = 0;

  (void) state;
  make_world (&w);
  for (int i = 0; i < 5; i++) {
    char text[32];
    snprintf (text, sizeof text, "message numéro %d", i);
    write_message (&w, i % 2 ? w.owner.token : w.borrower.token, text, ids[i]);
  }
  snprintf (url, sizeof url, "%s?limit=2", w.path);
  for (int page = 0; page < 4; page++) {
    mt_http_response_t resp;
    const char *link;
    it_call (w.borrower.token, "GET", url, NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", url);
    for (int i = 0; i < 2; i++) {
      char key[32];
      const char *id;
      snprintf (key, sizeof key, "items.%d.id", i);
      id = mt_http_json_string (&resp, key);
      if (id) {
        assert_true (seen < 5);
        assert_string_equal (id, ids[seen++]);
      }
    }
    link = mt_http_header (&resp, "Link");
    if (!link) {
      mt_http_response_destroy (&resp);
      break;
    }
    assert_non_null (mt_http_json_string (&resp, "next_cursor"));
    /* Link: <path?...>; rel="next" */
    assert_true (link[0] == '<' && strstr (link, ">; rel=\"next\""));
    snprintf (url, sizeof url, "%.*s", (int) (strchr (link, '>') - link - 1), link + 1);
    mt_http_response_destroy (&resp);
  }
  assert_int_equal (seen, 5);
  world_destroy (&w);
}

static void
others_get_404_and_bodies_are_checked (void **state)
{
  world_t w;
  char path[192];
  char *long_body = malloc (4100);
  mt_http_response_t resp;

  (void) state;
  make_world (&w);
  /* Others: exactly as a reservation that does not exist. */
  it_expect_problem (w.stranger.token, "GET", w.path, NULL, 404, "not-found");
  it_expect_problem (w.stranger.token, "POST", w.path, "{\"text\":\"Coucou\"}", 404, "not-found");
  snprintf (path, sizeof path, "/v1/reservations/res_AAAAAAAAAAAAAAAAAAAAAA/messages");
  it_expect_problem (w.borrower.token, "GET", path, NULL, 404, "not-found");
  it_expect_problem (w.borrower.token, "POST", path, "{\"text\":\"Coucou\"}", 404, "not-found");
  it_expect_problem (NULL, "GET", w.path, NULL, 401, "unauthenticated");
  it_expect_problem (NULL, "POST", w.path, "{\"text\":\"Coucou\"}", 401, "unauthenticated");

  /* Bodies. */
  it_expect_problem (w.borrower.token, "POST", w.path, "{\"text\":\"\"}", 400, "validation");
  it_expect_problem (w.borrower.token, "POST", w.path, "{\"text\":\"  \\n\\t \"}", 400,
                     "validation");
  it_expect_problem (w.borrower.token, "POST", w.path, "{}", 400, "validation");
  it_expect_problem (w.borrower.token, "POST", w.path,
                     "{\"text\":\"Bonjour\",\"author_account_id\":\"acc_x\"}", 400, "validation");
  assert_non_null (long_body);
  memcpy (long_body, "{\"text\":\"", 9);
  memset (long_body + 9, 'a', 4001);
  memcpy (long_body + 9 + 4001, "\"}", 3);
  it_expect_problem (w.borrower.token, "POST", w.path, long_body, 400, "validation");
  long_body[9 + 4000] = '"';
  long_body[9 + 4001] = '}';
  long_body[9 + 4002] = '\0';
  it_expect (w.borrower.token, "POST", w.path, long_body, 201);
  free (long_body);
  it_expect_problem (w.borrower.token, "GET", "/v1/reservations/x/messages?limit=0", NULL, 400,
                     "bad-request");
  snprintf (path, sizeof path, "%s?cursor=nope", w.path);
  it_expect_problem (w.borrower.token, "GET", path, NULL, 400, "bad-request");

  /* Nothing but the valid message was stored. */
  it_call (w.owner.token, "GET", w.path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", w.path);
  assert_non_null (mt_http_json_string (&resp, "items.0.id"));
  assert_null (mt_http_json_string (&resp, "items.1.id"));
  assert_int_equal (strlen (mt_http_json_string (&resp, "items.0.text")), 4000);
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("messages/thread/parties_and_admins",
             the_parties_and_admins_write_and_read_the_thread),
    MT_TEST ("messages/thread/pages", pages_follow_link_next),
    MT_TEST ("messages/refusals", others_get_404_and_bodies_are_checked),
  };
  return cmocka_run_group_tests_name ("integration/messages", tests, it_start, it_stop);
}
