/*
 * Integration tests of /v1/needs over HTTP against the real mutuad: posting a need (201,
 * Location, ETag, need.json) and every refusal with its status and problem type (401, 403,
 * malformed JSON, mass assignment of status / owner_id / id / answers / answers_count,
 * category of the other kind, dates), reading with visibility (BOLA: a member of another
 * network gets 404 on a networks-only need and on its answers, like an unknown id), answers
 * (own need, duplicates, closed need, who sees which), the author's in-app notification,
 * closing (403 / 404 / 412 / 409), the audit log (GET /v1/admin/audit), and the search with
 * its filters and pages (next_cursor and Link).
 */
#include "members_helpers.h"

#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"

extern const mt_embed_file_t mutua_schema_files[];

static mt_schema_registry_t *registry;
static char net1[MT_ID_SIZE], net2[MT_ID_SIZE];
static char nets1[64], nets2[64], nets12[128];

static int
setup (void **state)
{
  mt_error_t error;

  registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!registry || !mt_schema_registry_add_embedded (registry, mutua_schema_files, &error)) {
    return -1;
  }
  return it_start (state);
}

static int
teardown (void **state)
{
  mt_schema_registry_destroy (registry);
  return it_stop (state);
}

/* The author (manager + staff colleague) in net1, an answerer in net1 and net2, a third
 * member in net1, a stranger in net2 only, a pending member in net1. */
typedef struct {
  it_person_t author, author_staff, answerer, third, stranger, pending;
} world_t;

static void
make_world (world_t *w)
{
  if (!net1[0]) {
    it_network (net1);
    it_network (net2);
    it_networks1 (nets1, net1);
    it_networks1 (nets2, net2);
    snprintf (nets12, sizeof nets12, "[\"%s\",\"%s\"]", net1, net2);
  }
  it_signup (nets1, true, &w->author);
  it_colleague (&w->author, "staff", &w->author_staff);
  it_signup (nets12, true, &w->answerer);
  it_signup (nets1, true, &w->third);
  it_signup (nets2, true, &w->stranger);
  it_signup (nets1, false, &w->pending);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->author);
  it_person_destroy (&w->author_staff);
  it_person_destroy (&w->answerer);
  it_person_destroy (&w->third);
  it_person_destroy (&w->stranger);
  it_person_destroy (&w->pending);
}

/* @text with ' turned into " ; returns @buf. */
static const char *
q (const char *text, char *buf, size_t size)
{
  size_t len = strlen (text);

  assert_true (len < size);
  for (size_t i = 0; i <= len; i++) {
    buf[i] = text[i] == '\'' ? '"' : text[i];
  }
  return buf;
}

static void
assert_schema (const char *schema, const mt_http_response_t *resp)
{
  mt_error_t error;

  assert_true (resp->has_json);
  if (!mt_schema_validate (mt_schema_registry_get (registry, schema), &resp->json, &error)) {
    fail_msg ("%s: %s at %s in %s", schema, error.message, error.path, resp->body);
  }
}

/* The problem of @resp is @status, @slug and (when not NULL) errors[0].path @path. */
static void
assert_problem (const mt_http_response_t *resp, int status, const char *slug, const char *path)
{
  char type[96];

  if (resp->status != status) {
    fail_msg ("status %d, expected %d: %s", resp->status, status, resp->body);
  }
  assert_non_null (mt_http_header (resp, "Content-Type"));
  assert_non_null (strstr (mt_http_header (resp, "Content-Type"), "application/problem+json"));
  snprintf (type, sizeof type, "urn:mutua:problem:%s", slug);
  assert_non_null (mt_http_json_string (resp, "type"));
  assert_string_equal (mt_http_json_string (resp, "type"), type);
  assert_int_equal (mt_bson_int (&resp->json, "status", 0), status);
  assert_non_null (mt_http_json_string (resp, "detail"));
  if (path) {
    assert_non_null (mt_http_json_string (resp, "errors.0.path"));
    assert_string_equal (mt_http_json_string (resp, "errors.0.path"), path);
  }
}

/* One request whose answer must be the problem @status / @slug (/ @path). */
static void
expect_problem (const char *token, const char *method, const char *path, const char *json,
                int status, const char *slug, const char *error_path)
{
  mt_http_response_t resp;
  char body[2048];

  it_call (token, method, path, NULL, json ? q (json, body, sizeof body) : NULL, &resp);
  assert_problem (&resp, status, slug, error_path);
  mt_http_response_destroy (&resp);
}

/* POST /v1/needs as @token with {'kind':'good','title':'Sono pour la fête'@extra} (@extra:
 * ',' first, or NULL; a 'title' in it replaces the default); must answer 201; the id to @id. */
static void
post_need (const char *token, const char *extra, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char text[1024], body[1024], location[96];

  snprintf (text, sizeof text, "{'kind':'good'%s%s}",
            extra && strstr (extra, "'title'") ? "" : ",'title':'Sono pour la fête'",
            extra ? extra : "");
  it_call (token, "POST", "/v1/needs", NULL, q (text, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/needs");
  assert_schema ("need.json", &resp);
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  snprintf (location, sizeof location, "/v1/needs/%s", id);
  assert_string_equal (mt_http_header (&resp, "Location"), location);
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
  mt_http_response_destroy (&resp);
}

/* POST /v1/needs/{@need}/answers as @token with @json ('-quoted); the status to expect. */
static void
post_answer (const char *token, const char *need, const char *json, int status)
{
  mt_http_response_t resp;
  char path[128], body[1024];

  snprintf (path, sizeof path, "/v1/needs/%s/answers", need);
  it_call (token, "POST", path, NULL, q (json, body, sizeof body), &resp);
  it_assert_status (&resp, status, "POST", path);
  if (status == 201) {
    char location[96];
    snprintf (location, sizeof location, "/v1/needs/%s", need);
    assert_string_equal (mt_http_header (&resp, "Location"), location);
    assert_string_equal (mt_http_json_string (&resp, "need_id"), need);
    assert_true (mt_id_is_valid (mt_http_json_string (&resp, "id"), "ans"));
  }
  mt_http_response_destroy (&resp);
}

/* GET /v1/needs/{@need} as @token: -1 when 404 (checked as a problem), else the number of
 * answers shown. */
static int
answers_seen (const char *token, const char *need)
{
  mt_http_response_t resp;
  char path[128];
  bson_iter_t it;
  bson_iter_t arr;
  int n = 0;

  snprintf (path, sizeof path, "/v1/needs/%s", need);
  it_call (token, "GET", path, NULL, NULL, &resp);
  if (resp.status == 404) {
    assert_problem (&resp, 404, "not-found", NULL);
    n = -1;
  } else {
    it_assert_status (&resp, 200, "GET", path);
    assert_schema ("need.json", &resp);
    assert_non_null (mt_http_header (&resp, "ETag"));
    assert_true (bson_iter_init_find (&it, &resp.json, "answers") && bson_iter_recurse (&it, &arr));
    while (bson_iter_next (&arr)) {
      n++;
    }
  }
  mt_http_response_destroy (&resp);
  return n;
}

/* The number of items of GET @path as @token (200 expected); next_cursor to @next (may be
 * NULL; "" when null) and whether a Link rel="next" came to *@link (may be NULL). */
static int
list_count (const char *token, const char *path, char *next, size_t size, bool *link)
{
  mt_http_response_t resp;
  bson_iter_t it;
  bson_iter_t arr;
  int n = 0;

  it_call (token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_true (bson_iter_init_find (&it, &resp.json, "items") && bson_iter_recurse (&it, &arr));
  while (bson_iter_next (&arr)) {
    n++;
  }
  if (next) {
    const char *cursor = mt_http_json_string (&resp, "next_cursor");
    snprintf (next, size, "%s", cursor ? cursor : "");
  }
  if (link) {
    const char *value = mt_http_header (&resp, "Link");
    *link = value && strstr (value, "rel=\"next\"");
  }
  mt_http_response_destroy (&resp);
  return n;
}

/* ---- Posting ----------------------------------------------------------------------------- */

static void
post_and_refusals (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char id[MT_ID_SIZE], owner_path[128], body[1024];

  (void) state;
  make_world (&w);
  it_call (w.author_staff.token, "POST", "/v1/needs", NULL,
           q ("{'kind':'service','title':'Aide pour animer notre AG',"
              "'description':'Le 20 juin, 40 personnes','category':'animation-facilitation',"
              "'tags':['ag'],'visibility':'public','wanted_from':'2030-06-20T09:00:00Z',"
              "'wanted_to':'2030-06-20T18:00:00Z'}",
              body, sizeof body),
           &resp);
  it_assert_status (&resp, 201, "POST", "/v1/needs");
  assert_schema ("need.json", &resp);
  assert_string_equal (mt_http_json_string (&resp, "status"), "open");
  assert_string_equal (mt_http_json_string (&resp, "owner_id"), w.author.member_id);
  assert_string_equal (mt_http_json_string (&resp, "created_by"), w.author_staff.account_id);
  assert_string_equal (mt_http_json_string (&resp, "visibility"), "public");
  assert_string_equal (mt_http_json_string (&resp, "wanted_to"), "2030-06-20T18:00:00Z");
  assert_string_equal (mt_http_json_string (&resp, "territory.departement"), "59");
  assert_int_equal (mt_bson_int (&resp.json, "answers_count", -1), 0);
  assert_int_equal (mt_bson_int (&resp.json, "version", 0), 1);
  mt_http_response_destroy (&resp);

  /* who may not post */
  expect_problem (NULL, "POST", "/v1/needs", "{'kind':'good','title':'Sono'}", 401,
                  "unauthenticated", NULL);
  expect_problem (w.pending.token, "POST", "/v1/needs", "{'kind':'good','title':'Sono'}", 403,
                  "forbidden", NULL);
  /* malformed JSON, not an object, trailing data */
  expect_problem (w.author.token, "POST", "/v1/needs", "{'kind':'good','title':", 400,
                  "bad-request", NULL);
  expect_problem (w.author.token, "POST", "/v1/needs", "['good']", 400, "bad-request", NULL);
  expect_problem (w.author.token, "POST", "/v1/needs", "{'kind':'good','title':'Sono'} {}", 400,
                  "bad-request", NULL);
  /* mass assignment: every server-owned field is 400 */
  expect_problem (w.author.token, "POST", "/v1/needs",
                  "{'kind':'good','title':'Sono','status':'closed'}", 400, "validation", NULL);
  expect_problem (w.author.token, "POST", "/v1/needs",
                  "{'kind':'good','title':'Sono','owner_id':'mem_aaaaaaaaaaaaaaaaaaaaaa'}", 400,
                  "validation", NULL);
  expect_problem (w.author.token, "POST", "/v1/needs",
                  "{'kind':'good','title':'Sono','id':'ned_aaaaaaaaaaaaaaaaaaaaaa'}", 400,
                  "validation", NULL);
  expect_problem (w.author.token, "POST", "/v1/needs",
                  "{'kind':'good','title':'Sono','answers':[{'text':'moi'}]}", 400, "validation",
                  NULL);
  expect_problem (w.author.token, "POST", "/v1/needs",
                  "{'kind':'good','title':'Sono','answers_count':100}", 400, "validation", NULL);
  /* schema rules */
  expect_problem (w.author.token, "POST", "/v1/needs", "{'kind':'good','title':'So'}", 400,
                  "validation", "/title");
  expect_problem (w.author.token, "POST", "/v1/needs", "{'kind':'money','title':'Sono'}", 400,
                  "validation", "/kind");
  expect_problem (w.author.token, "POST", "/v1/needs", "{'title':'Sono'}", 400, "validation", NULL);
  /* domain rules */
  expect_problem (w.author.token, "POST", "/v1/needs",
                  "{'kind':'good','title':'Sono','category':'formation'}", 422, "unprocessable",
                  "/category");
  expect_problem (w.author.token, "POST", "/v1/needs",
                  "{'kind':'good','title':'Sono','category':'inconnue'}", 422, "unprocessable",
                  "/category");
  expect_problem (w.author.token, "POST", "/v1/needs",
                  "{'kind':'good','title':'Sono','wanted_from':'2030-06-20T09:00:00Z',"
                  "'wanted_to':'2030-06-19T09:00:00Z'}",
                  422, "unprocessable", "/wanted_to");
  expect_problem (w.author.token, "POST", "/v1/needs",
                  "{'kind':'good','title':'Sono','wanted_to':'2001-01-01T00:00:00Z'}", 422,
                  "unprocessable", "/wanted_to");
  /* nothing refused was stored: the author's member has exactly the one need */
  snprintf (owner_path, sizeof owner_path, "/v1/needs?owner=%s&limit=100", w.author.member_id);
  assert_int_equal (list_count (w.author.token, owner_path, NULL, 0, NULL), 1);
  post_need (w.author.token, NULL, id);
  assert_int_equal (list_count (w.author.token, owner_path, NULL, 0, NULL), 2);
  world_destroy (&w);
}

/* ---- Reading and answering --------------------------------------------------------------- */

static void
visibility_and_bola (void **state)
{
  world_t w;
  char need[MT_ID_SIZE], path[128];

  (void) state;
  make_world (&w);
  post_need (w.author.token, NULL, need);
  post_answer (w.answerer.token, need, "{'text':'Nous avons une sono'}", 201);
  assert_int_equal (answers_seen (w.author.token, need), 1);
  assert_int_equal (answers_seen (w.author_staff.token, need), 1);
  assert_int_equal (answers_seen (it_admin, need), 1);
  assert_int_equal (answers_seen (w.answerer.token, need), 1);
  assert_int_equal (answers_seen (w.third.token, need), 0);
  /* BOLA: the need and its answers do not exist for a member of another network, an anonymous
   * visitor, a pending member: the same 404 as an unknown id */
  assert_int_equal (answers_seen (w.stranger.token, need), -1);
  assert_int_equal (answers_seen (NULL, need), -1);
  assert_int_equal (answers_seen (w.pending.token, need), -1);
  assert_int_equal (answers_seen (w.author.token, "ned_aaaaaaaaaaaaaaaaaaaaaa"), -1);
  assert_int_equal (answers_seen (w.author.token, "pas-un-id"), -1);
  snprintf (path, sizeof path, "/v1/needs/%s/answers", need);
  expect_problem (w.stranger.token, "POST", path, "{'text':'Nous aussi'}", 404, "not-found", NULL);
  expect_problem (w.pending.token, "POST", path, "{'text':'Nous aussi'}", 403, "forbidden", NULL);
  expect_problem (NULL, "POST", path, "{'text':'Nous aussi'}", 401, "unauthenticated", NULL);
  snprintf (path, sizeof path, "/v1/needs/%s/close", need);
  expect_problem (w.stranger.token, "POST", path, "{}", 404, "not-found", NULL);
  /* the search does not list it for them either */
  snprintf (path, sizeof path, "/v1/needs?owner=%s", w.author.member_id);
  assert_int_equal (list_count (w.third.token, path, NULL, 0, NULL), 1);
  assert_int_equal (list_count (w.stranger.token, path, NULL, 0, NULL), 0);
  assert_int_equal (list_count (NULL, path, NULL, 0, NULL), 0);
  world_destroy (&w);
}

static void
answers_rules_and_notification (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char need[MT_ID_SIZE], path[128], listing[MT_ID_SIZE], others[MT_ID_SIZE], text[256];
  char body[512];

  (void) state;
  make_world (&w);
  post_need (w.author.token, NULL, need);
  snprintf (path, sizeof path, "/v1/needs/%s/answers", need);
  /* listings of the answerer (published) and of the third member */
  it_call (w.answerer.token, "POST", "/v1/listings", NULL,
           q ("{'kind':'good','title':'Sono portable','category':'sonorisation-video',"
              "'status':'published'}",
              body, sizeof body),
           &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (listing, sizeof listing, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
  it_call (w.third.token, "POST", "/v1/listings", NULL,
           q ("{'kind':'good','title':'Enceintes','category':'sonorisation-video',"
              "'status':'published'}",
              body, sizeof body),
           &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  snprintf (others, sizeof others, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);

  /* refusals */
  expect_problem (w.author_staff.token, "POST", path, "{'text':'Nous-mêmes'}", 422, "unprocessable",
                  NULL);
  expect_problem (w.answerer.token, "POST", path, "{}", 400, "validation", NULL);
  expect_problem (w.answerer.token, "POST", path, "{'text':'Oui','status':'accepted'}", 400,
                  "validation", NULL);
  expect_problem (w.answerer.token, "POST", path,
                  "{'text':'Oui','author_member_id':'mem_aaaaaaaaaaaaaaaaaaaaaa'}", 400,
                  "validation", NULL);
  expect_problem (w.answerer.token, "POST", path, "{'text':", 400, "bad-request", NULL);
  snprintf (text, sizeof text, "{'listing_id':'%s'}", others);
  expect_problem (w.answerer.token, "POST", path, text, 422, "unprocessable", "/listing_id");
  expect_problem (w.answerer.token, "POST", path, "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa'}",
                  422, "unprocessable", "/listing_id");
  assert_int_equal (answers_seen (w.author.token, need), 0);
  /* accepted; the same answer again is 409 duplicate */
  snprintf (text, sizeof text, "{'listing_id':'%s','text':'Disponible le 20 juin'}", listing);
  post_answer (w.answerer.token, need, text, 201);
  expect_problem (w.answerer.token, "POST", path, text, 409, "duplicate", NULL);
  post_answer (w.third.token, need, "{'text':'Nous avons des enceintes'}", 201);
  assert_int_equal (answers_seen (w.author.token, need), 2);
  assert_int_equal (answers_seen (w.answerer.token, need), 1);
  assert_int_equal (answers_seen (w.third.token, need), 1);

  /* the author's accounts are told, in-app; the answerers are not */
  for (int who = 0; who < 2; who++) {
    const char *token = who ? w.author_staff.token : w.author.token;
    int told = 0;
    it_call (token, "GET", "/v1/me/notifications?limit=100", NULL, NULL, &resp);
    it_assert_status (&resp, 200, "GET", "/v1/me/notifications");
    for (int i = 0; i < 100; i++) {
      char key[48];
      const char *kind;
      snprintf (key, sizeof key, "items.%d.kind", i);
      kind = mt_http_json_string (&resp, key);
      if (!kind) {
        break;
      }
      snprintf (key, sizeof key, "items.%d.entity_id", i);
      if (strcmp (kind, "need_answered") == 0 &&
          strcmp (mt_http_json_string (&resp, key), need) == 0) {
        snprintf (key, sizeof key, "items.%d.text_fr", i);
        assert_non_null (strstr (mt_http_json_string (&resp, key), "Sono pour la fête"));
        told++;
      }
    }
    assert_int_equal (told, 2);
    mt_http_response_destroy (&resp);
  }
  it_call (w.answerer.token, "GET", "/v1/me/notifications", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/me/notifications");
  assert_null (mt_http_json_string (&resp, "items.0.id"));
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

/* ---- Closing and audit ------------------------------------------------------------------- */

static void
close_and_audit (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char need[MT_ID_SIZE], path[128], audit[160];
  const char *stale[] = { "If-Match: W/\"1\"", NULL };
  const char *current[] = { "If-Match: W/\"2\"", NULL };

  (void) state;
  make_world (&w);
  post_need (w.author.token, ",'visibility':'public'", need);
  post_answer (w.answerer.token, need, "{'text':'Nous avons une sono'}", 201);
  snprintf (path, sizeof path, "/v1/needs/%s/close", need);
  expect_problem (NULL, "POST", path, "{}", 401, "unauthenticated", NULL);
  expect_problem (w.third.token, "POST", path, "{}", 403, "forbidden", NULL);
  expect_problem (w.answerer.token, "POST", path, "{}", 403, "forbidden", NULL);
  expect_problem (w.stranger.token, "POST", path, "{}", 403, "forbidden", NULL); /* public */
  expect_problem (w.author.token, "POST", path, "{'status':'open'}", 400, "validation", NULL);
  expect_problem (w.author.token, "POST", path, "{'reason':''}", 400, "validation", "/reason");
  it_call (w.author.token, "POST", path, stale, "{}", &resp);
  assert_problem (&resp, 412, "precondition-failed", NULL);
  mt_http_response_destroy (&resp);

  it_call (w.author_staff.token, "POST", path, current, "{\"reason\":\"Une sono trouvée\"}", &resp);
  it_assert_status (&resp, 200, "POST", path);
  assert_schema ("need.json", &resp);
  assert_string_equal (mt_http_json_string (&resp, "status"), "closed");
  assert_string_equal (mt_http_json_string (&resp, "closed_by"), w.author_staff.account_id);
  assert_string_equal (mt_http_json_string (&resp, "closed_reason"), "Une sono trouvée");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"3\"");
  assert_non_null (mt_http_json_string (&resp, "answers.0.id"));
  mt_http_response_destroy (&resp);
  expect_problem (w.author.token, "POST", path, "{}", 409, "conflict", NULL);
  expect_problem (it_admin, "POST", path, "{}", 409, "conflict", NULL);
  snprintf (path, sizeof path, "/v1/needs/%s/answers", need);
  expect_problem (w.third.token, "POST", path, "{'text':'Trop tard ?'}", 409, "conflict", NULL);
  /* closed: still seen by accounts of active members, no longer by anonymous visitors */
  assert_int_equal (answers_seen (w.stranger.token, need), 0);
  assert_int_equal (answers_seen (NULL, need), -1);

  /* the audit log holds the creation and the closing */
  snprintf (audit, sizeof audit, "/v1/admin/audit?entity_id=%s", need);
  it_expect (w.author.token, "GET", audit, NULL, 403);
  it_call (it_admin, "GET", audit, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", audit);
  assert_string_equal (mt_http_json_string (&resp, "items.0.entity"), "need");
  assert_string_equal (mt_http_json_string (&resp, "items.0.entity_id"), need);
  assert_string_equal (mt_http_json_string (&resp, "items.0.to"), "closed");
  assert_string_equal (mt_http_json_string (&resp, "items.0.from"), "open");
  assert_string_equal (mt_http_json_string (&resp, "items.0.actor"), w.author_staff.account_id);
  assert_string_equal (mt_http_json_string (&resp, "items.0.reason"), "Une sono trouvée");
  assert_string_equal (mt_http_json_string (&resp, "items.1.to"), "open");
  assert_string_equal (mt_http_json_string (&resp, "items.1.actor"), w.author.account_id);
  assert_null (mt_http_json_string (&resp, "items.2.id"));
  mt_http_response_destroy (&resp);

  /* an administrator closes any need */
  post_need (w.third.token, NULL, need);
  snprintf (path, sizeof path, "/v1/needs/%s/close", need);
  it_expect (it_admin, "POST", path, "{}", 200);
  world_destroy (&w);
}

/* ---- Search ----------------------------------------------------------------------------- */

static void
search_filters_and_pages (void **state)
{
  world_t w;
  char id[MT_ID_SIZE], closed[MT_ID_SIZE], path[768], next[600], word[32], extra[256];
  bool link = false;
  mt_http_response_t resp;

  (void) state;
  make_world (&w);
  /* a word of this run only, so that other tests' needs never match */
  snprintf (word, sizeof word, "zarbi%u", (unsigned) getpid ());
  for (int i = 0; i < 5; i++) {
    if (i < 4) {
      snprintf (extra, sizeof extra, ",'title':'Chapiteau %s numéro %d'", word, i);
    } else {
      snprintf (extra, sizeof extra,
                ",'description':'Animation %s','category':'sonorisation-video',"
                "'territory':{'departement':'62','commune':'Arras'},'visibility':'public'",
                word);
    }
    post_need (i % 2 ? w.answerer.token : w.author.token, extra, id);
  }
  snprintf (extra, sizeof extra, ",'title':'Chapiteau %s clos'", word);
  post_need (w.third.token, extra, closed);
  snprintf (path, sizeof path, "/v1/needs/%s/close", closed);
  it_expect (w.third.token, "POST", path, "{}", 200);

  /* q in French (accents and case ignored), with pages of 2 */
  snprintf (path, sizeof path, "/v1/needs?q=CHAPITEAU+%s+num%%C3%%A9ro&limit=2", word);
  assert_int_equal (list_count (w.third.token, path, next, sizeof next, &link), 2);
  assert_true (link);
  assert_string_not_equal (next, "");
  snprintf (path, sizeof path, "/v1/needs?q=CHAPITEAU+%s+num%%C3%%A9ro&limit=2&cursor=%s", word,
            next);
  assert_int_equal (list_count (w.third.token, path, next, sizeof next, &link), 2);
  assert_string_equal (next, "");
  assert_false (link);
  snprintf (path, sizeof path, "/v1/needs?q=chapiteau+%s+numero&limit=100", word);
  assert_int_equal (list_count (w.third.token, path, next, sizeof next, &link), 4);
  /* filters */
  snprintf (path, sizeof path, "/v1/needs?q=%s&departement=62", word);
  assert_int_equal (list_count (w.stranger.token, path, NULL, 0, NULL), 1);
  snprintf (path, sizeof path, "/v1/needs?q=%s&category=sonorisation-video", word);
  assert_int_equal (list_count (w.third.token, path, NULL, 0, NULL), 1);
  snprintf (path, sizeof path, "/v1/needs?q=%s&kind=service", word);
  assert_int_equal (list_count (w.third.token, path, NULL, 0, NULL), 0);
  snprintf (path, sizeof path, "/v1/needs?q=%s&owner=%s", word, w.answerer.member_id);
  assert_int_equal (list_count (w.third.token, path, NULL, 0, NULL), 2);
  snprintf (path, sizeof path, "/v1/needs?q=%s&network=%s", word, net2);
  assert_int_equal (list_count (w.third.token, path, NULL, 0, NULL), 2);
  snprintf (path, sizeof path, "/v1/needs?q=%s&status=closed", word);
  assert_int_equal (list_count (w.answerer.token, path, NULL, 0, NULL), 1);
  snprintf (path, sizeof path, "/v1/needs?q=%s&sort=recent", word);
  assert_int_equal (list_count (w.third.token, path, NULL, 0, NULL), 5);
  /* visibility: a member of net2 only sees the answerer's needs and the public one; an
   * anonymous visitor the public one */
  snprintf (path, sizeof path, "/v1/needs?q=%s", word);
  assert_int_equal (list_count (w.stranger.token, path, NULL, 0, NULL), 3);
  assert_int_equal (list_count (NULL, path, NULL, 0, NULL), 1);
  /* bad parameters: 400 naming them */
  snprintf (path, sizeof path, "/v1/needs?status=published");
  it_call (w.third.token, "GET", path, NULL, NULL, &resp);
  assert_problem (&resp, 400, "bad-request", "status");
  mt_http_response_destroy (&resp);
  it_call (w.third.token, "GET", "/v1/needs?limit=0", NULL, NULL, &resp);
  assert_problem (&resp, 400, "bad-request", "limit");
  mt_http_response_destroy (&resp);
  it_call (w.third.token, "GET", "/v1/needs?cursor=zzz", NULL, NULL, &resp);
  assert_problem (&resp, 400, "bad-request", "cursor");
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("needs/http/post_and_refusals", post_and_refusals),
    MT_TEST ("needs/http/visibility_and_bola", visibility_and_bola),
    MT_TEST ("needs/http/answers_rules_and_notification", answers_rules_and_notification),
    MT_TEST ("needs/http/close_and_audit", close_and_audit),
    MT_TEST ("needs/http/search_filters_and_pages", search_filters_and_pages),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
