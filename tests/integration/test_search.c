/*
 * Integration tests of GET /v1/listings (search) and GET /v1/listings/{id}/availability over
 * HTTP against the real mutuad: words ignoring case and accents, prefixes, every filter, who
 * sees what (anonymous, members of the same or of another network, pending members, owners,
 * administrators, suspended owners), hostile search strings, paging that stays stable while
 * listings are added, limits and cursors, the availability filter and the availability of a
 * good with blackouts.
 *
 * Every test tags its listings with a word of its own ("zq" and six letters, all of the same
 * length so that none is a prefix of another) and searches with it, so tests do not see each
 * other's listings.
 */
#include "members_helpers.h"

#include "mt_json.h"

#include <ctype.h>

static char net1[MT_ID_SIZE], net2[MT_ID_SIZE];
static char nets1[64], nets2[64], nets12[96];
static unsigned word_counter;

static int
setup (void **state)
{
  return it_start (state);
}

static int
teardown (void **state)
{
  return it_stop (state);
}

static void
need_networks (void)
{
  if (!net1[0]) {
    it_network (net1);
    it_network (net2);
    it_networks1 (nets1, net1);
    it_networks1 (nets2, net2);
    snprintf (nets12, sizeof nets12, "[\"%s\",\"%s\"]", net1, net2);
  }
}

/* A word of this test: "zq" and six letters. */
static void
new_word (char out[16])
{
  unsigned n = ++word_counter;

  snprintf (out, 16, "zq");
  for (int i = 7; i >= 2; i--) {
    out[i] = (char) ('a' + n % 26);
    n /= 26;
  }
  out[8] = '\0';
}

/* @text with ' turned into " (JSON written readably), in @buf. */
static const char *
jq (const char *text, char *buf, size_t size)
{
  size_t len = strlen (text);

  assert_true (len < size);
  for (size_t i = 0; i <= len; i++) {
    buf[i] = text[i] == '\'' ? '"' : text[i];
  }
  return buf;
}

/* POST /v1/listings of @text (quotes as ') as @token: 201; the id to @id. */
static void
create (const char *token, const char *text, char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[4096];

  it_call (token, "POST", "/v1/listings", NULL, jq (text, body, sizeof body), &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  assert_non_null (mt_http_json_string (&resp, "id"));
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

/* A good titled "Objet @word" with @status and @visibility. */
static void
create_good (const char *token, const char *word, const char *status, const char *visibility,
             char id[MT_ID_SIZE])
{
  char text[512];

  snprintf (text, sizeof text,
            "{'kind':'good','title':'Objet %s','category':'outillage','status':'%s',"
            "'visibility':'%s'}",
            word, status, visibility);
  create (token, text, id);
}

/* Percent-encodes @text (every byte but unreserved ones) into @out. */
static void
url_encode (const char *text, size_t len, char *out, size_t size)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;

  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) text[i];
    assert_true (o + 4 < size);
    if (isalnum (c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out[o++] = (char) c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
}

/* One page of a search. */
typedef struct {
  int status;
  char ids[128][MT_ID_SIZE];
  size_t count;
  char next[600];      /* "" when next_cursor is null */
  char link[1200];     /* the Link target ("" when absent) */
  char error_path[64]; /* errors[0].path of a problem */
} page_t;

/* GET @path as @token into @page (any status). */
static void
get_page (const char *token, const char *path, page_t *page)
{
  mt_http_response_t resp;
  const char *link;
  bson_iter_t it;
  bson_iter_t child;

  memset (page, 0, sizeof *page);
  it_call (token, "GET", path, NULL, NULL, &resp);
  page->status = resp.status;
  if (resp.status == 200) {
    assert_true (resp.has_json);
    assert_true (bson_iter_init_find (&it, &resp.json, "items"));
    assert_true (BSON_ITER_HOLDS_ARRAY (&it));
    assert_true (bson_iter_recurse (&it, &child));
    while (bson_iter_next (&child)) {
      bson_iter_t id;
      assert_true (BSON_ITER_HOLDS_DOCUMENT (&child));
      assert_true (bson_iter_recurse (&child, &id));
      assert_true (bson_iter_find (&id, "id"));
      assert_true (page->count < 128);
      snprintf (page->ids[page->count++], MT_ID_SIZE, "%s", bson_iter_utf8 (&id, NULL));
    }
    assert_true (bson_iter_init_find (&it, &resp.json, "next_cursor"));
    if (BSON_ITER_HOLDS_UTF8 (&it)) {
      snprintf (page->next, sizeof page->next, "%s", bson_iter_utf8 (&it, NULL));
      assert_true (page->next[0] != '\0');
    } else {
      assert_true (BSON_ITER_HOLDS_NULL (&it));
    }
    link = mt_http_header (&resp, "Link");
    if (link) {
      const char *end = strchr (link, '>');
      assert_true (link[0] == '<' && end);
      assert_non_null (strstr (end, "rel=\"next\""));
      assert_true ((size_t) (end - link - 1) < sizeof page->link);
      memcpy (page->link, link + 1, (size_t) (end - link - 1));
    }
    /* A Link header exactly when there is a next page. */
    assert_int_equal (page->link[0] != '\0', page->next[0] != '\0');
  } else if (resp.status < 500) {
    const char *where = mt_http_json_string (&resp, "errors.0.path");
    assert_non_null (mt_http_json_string (&resp, "type"));
    snprintf (page->error_path, sizeof page->error_path, "%s", where ? where : "");
  } else {
    fail_msg ("GET %s: status %d: %s", path, resp.status, resp.body);
  }
  mt_http_response_destroy (&resp);
}

/* GET /v1/listings?@query as @token: must answer 200; into @page. */
static void
search (const char *token, const char *query, page_t *page)
{
  char path[8400];

  snprintf (path, sizeof path, "/v1/listings?%s", query);
  get_page (token, path, page);
  if (page->status != 200) {
    fail_msg ("GET %s: status %d (%s)", path, page->status, page->error_path);
  }
}

/* The same, expecting a 400 naming @param. */
static void
search_400 (const char *token, const char *query, const char *param)
{
  char path[8400];
  page_t page;

  snprintf (path, sizeof path, "/v1/listings?%s", query);
  get_page (token, path, &page);
  if (page.status != 400) {
    fail_msg ("GET %s: status %d, expected 400", path, page.status);
  }
  assert_string_equal (page.error_path, param);
}

static bool
has (const page_t *page, const char *id)
{
  bool found = false;

  for (size_t i = 0; i < page->count && !found; i++) {
    found = strcmp (page->ids[i], id) == 0;
  }
  return found;
}

/* The page holds exactly the ids of @expected (NULL-terminated), in any order. */
static void
expect_ids (const page_t *page, const char *const *expected, const char *what)
{
  size_t n = 0;

  for (; expected[n]; n++) {
    if (!has (page, expected[n])) {
      fail_msg ("%s: %s missing (%zu items)", what, expected[n], page->count);
    }
  }
  if (page->count != n) {
    fail_msg ("%s: %zu items, expected %zu", what, page->count, n);
  }
}

/* Searches @word as @token with @extra parameters ("" or "&kind=good...") and expects
 * exactly @expected. */
static void
expect_search (const char *token, const char *word, const char *extra, const char *const *expected,
               const char *what)
{
  char query[8192];
  page_t page;

  snprintf (query, sizeof query, "q=%s%s", word, extra);
  search (token, query, &page);
  expect_ids (&page, expected, what);
  assert_string_equal (page.next, "");
}

/* ---- Words ---------------------------------------------------------------------------------- */

static void
words_ignore_case_and_accents (void **state)
{
  it_person_t owner;
  char word[16];
  char bike[MT_ID_SIZE], tent[MT_ID_SIZE], tagged[MT_ID_SIZE];
  char text[1024];
  char query[512];
  const char *const only_bike[] = { bike, NULL };
  const char *const only_tent[] = { tent, NULL };
  const char *const only_tagged[] = { tagged, NULL };
  const char *const none[] = { NULL };
  page_t page;

  (void) state;
  need_networks ();
  it_signup (nets1, true, &owner);
  new_word (word);
  snprintf (text, sizeof text,
            "{'kind':'good','title':'Vélo cargo biporteur %s','category':'velos-cargo',"
            "'description':'Électrique, caisse en bois','status':'published',"
            "'visibility':'public'}",
            word);
  create (owner.token, text, bike);
  snprintf (text, sizeof text,
            "{'kind':'good','title':'Tente de réception %s','category':'tentes-barnums',"
            "'description':'Barnum 3x6 pour fêtes de quartier','status':'published',"
            "'visibility':'public'}",
            word);
  create (owner.token, text, tent);
  snprintf (text, sizeof text,
            "{'kind':'service','title':'Atelier %s','category':'animation-facilitation',"
            "'tags':['Gouvernance partagée','sociocratie'],'status':'published',"
            "'visibility':'public'}",
            word);
  create (owner.token, text, tagged);

  /* "velo cargo" finds "Vélo cargo biporteur"; so do other cases and accents. */
  snprintf (query, sizeof query, "q=velo+cargo+%s", word);
  search (NULL, query, &page);
  expect_ids (&page, only_bike, "velo cargo");
  expect_search (NULL, word, "+VELO", only_bike, "VELO");
  expect_search (NULL, word, "+v%C3%A9lo+CARGO", only_bike, "vélo CARGO");
  expect_search (NULL, word, "+V%C3%89LO", only_bike, "VÉLO");
  /* Prefixes of words. */
  expect_search (NULL, word, "+bipor", only_bike, "bipor");
  expect_search (NULL, word, "+vel", only_bike, "vel");
  expect_search (NULL, word, "+recep", only_tent, "recep");
  /* The description and the tags count. */
  expect_search (NULL, word, "+electr", only_bike, "electr (description)");
  expect_search (NULL, word, "+fetes+quartier", only_tent, "fetes quartier (description)");
  expect_search (NULL, word, "+sociocr", only_tagged, "sociocr (tag)");
  expect_search (NULL, word, "+partagee", only_tagged, "partagee (tag)");
  /* Every word must match; a prefix is not a suffix. */
  expect_search (NULL, word, "+velo+tente", none, "velo tente");
  expect_search (NULL, word, "+porteur", none, "porteur");
  /* The word alone finds the three; q with spaces only is no text filter. */
  {
    const char *const all[] = { bike, tent, tagged, NULL };
    expect_search (NULL, word, "", all, "word alone");
    expect_search (NULL, word, "+++%20%09", all, "trailing spaces");
  }
  it_person_destroy (&owner);
}

/* ---- Filters ------------------------------------------------------------------------------ */

static void
every_filter (void **state)
{
  it_person_t owner, other;
  char word[16];
  char good59[MT_ID_SIZE], good62[MT_ID_SIZE], service[MT_ID_SIZE], others[MT_ID_SIZE];
  char text[1024];
  char extra[256];
  const char *const all[] = { good59, good62, service, others, NULL };
  const char *const goods[] = { good59, good62, others, NULL };
  const char *const services[] = { service, NULL };
  const char *const tents[] = { good62, NULL };
  const char *const in62[] = { good62, NULL };
  const char *const owners[] = { good59, good62, service, NULL };
  const char *const in_net2[] = { others, NULL };
  const char *const none[] = { NULL };

  (void) state;
  need_networks ();
  it_signup (nets1, true, &owner);
  it_signup (nets2, true, &other);
  new_word (word);
  snprintf (text, sizeof text,
            "{'kind':'good','title':'Remorque %s','category':'velos-cargo','status':'published',"
            "'visibility':'public','territory':{'departement':'59','commune':'Lille'}}",
            word);
  create (owner.token, text, good59);
  snprintf (text, sizeof text,
            "{'kind':'good','title':'Barnum %s','category':'tentes-barnums','status':'published',"
            "'visibility':'public','territory':{'departement':'62','commune':'Arras'}}",
            word);
  create (owner.token, text, good62);
  snprintf (text, sizeof text,
            "{'kind':'service','title':'Animation %s','category':'animation-facilitation',"
            "'status':'published','visibility':'public'}",
            word);
  create (owner.token, text, service);
  snprintf (text, sizeof text,
            "{'kind':'good','title':'Perceuse %s','category':'outillage','status':'published',"
            "'visibility':'public'}",
            word);
  create (other.token, text, others);

  expect_search (NULL, word, "", all, "no filter");
  expect_search (NULL, word, "&kind=good", goods, "kind=good");
  expect_search (NULL, word, "&kind=service", services, "kind=service");
  expect_search (NULL, word, "&category=tentes-barnums", tents, "category");
  expect_search (NULL, word, "&category=juridique", none, "category without listing");
  expect_search (NULL, word, "&departement=62", in62, "departement=62");
  expect_search (NULL, word, "&departement=2A", none, "departement=2A");
  snprintf (extra, sizeof extra, "&owner=%s", owner.member_id);
  expect_search (NULL, word, extra, owners, "owner");
  snprintf (extra, sizeof extra, "&network=%s", net2);
  expect_search (NULL, word, extra, in_net2, "network=net2");
  snprintf (extra, sizeof extra, "&network=%s&kind=service", net1);
  expect_search (NULL, word, extra, services, "network=net1&kind=service");
  snprintf (extra, sizeof extra, "&owner=%s&departement=59&kind=good&category=velos-cargo",
            owner.member_id);
  {
    const char *const only59[] = { good59, NULL };
    expect_search (NULL, word, extra, only59, "filters together");
  }
  expect_search (NULL, word, "&sort=recent", all, "sort=recent");
  expect_search (NULL, word, "&sort=relevance", all, "sort=relevance");
  expect_search (NULL, word, "&status=published", all, "status=published");

  /* Every bad value is a 400 naming its parameter. */
  search_400 (NULL, "kind=thing", "kind");
  search_400 (NULL, "category=pas-une-categorie", "category");
  search_400 (NULL, "departement=99", "departement");
  search_400 (NULL, "owner=bob", "owner");
  search_400 (NULL, "network=%27%20OR%201%3D1", "network");
  search_400 (NULL, "status=deleted", "status");
  search_400 (NULL, "sort=price", "sort");
  search_400 (NULL, "limit=0", "limit");
  search_400 (NULL, "limit=ten", "limit");
  search_400 (NULL, "available_from=2030-01-01T00:00:00Z", "available_to");
  search_400 (NULL, "available_to=2030-01-01T00:00:00Z", "available_from");
  search_400 (NULL, "available_from=2030-01-02T00:00:00Z&available_to=2030-01-01T00:00:00Z",
              "available_to");
  search_400 (NULL, "available_from=2030-01-01&available_to=2030-01-02T00:00:00Z",
              "available_from");
  search_400 (NULL, "available_from=2030-01-01T00:00:00Z&available_to=2031-01-03T00:00:00Z",
              "available_to");
  it_person_destroy (&owner);
  it_person_destroy (&other);
}

/* ---- Who sees what ------------------------------------------------------------------------- */

static void
visibility_by_caller (void **state)
{
  it_person_t owner, colleague, shared, unrelated, pending;
  char word[16];
  char pub[MT_ID_SIZE], net[MT_ID_SIZE], draft[MT_ID_SIZE], paused[MT_ID_SIZE];
  char extra[256];
  const char *const published[] = { pub, net, NULL };
  const char *const public_only[] = { pub, NULL };
  const char *const everything[] = { pub, net, draft, paused, NULL };
  const char *const drafts[] = { draft, NULL };
  const char *const pauseds[] = { paused, NULL };
  const char *const none[] = { NULL };

  (void) state;
  need_networks ();
  it_signup (nets1, true, &owner);
  it_colleague (&owner, "staff", &colleague);
  it_signup (nets12, true, &shared);
  it_signup (nets2, true, &unrelated);
  it_signup (nets1, false, &pending);
  new_word (word);
  create_good (owner.token, word, "published", "public", pub);
  create_good (owner.token, word, "published", "networks", net);
  create_good (owner.token, word, "draft", "public", draft);
  create_good (owner.token, word, "paused", "public", paused);

  /* Anonymous visitors: published and public only, whatever they ask. */
  expect_search (NULL, word, "", public_only, "anonymous");
  expect_search (NULL, word, "&status=draft", none, "anonymous, drafts");
  snprintf (extra, sizeof extra, "&owner=%s", owner.member_id);
  expect_search (NULL, word, extra, public_only, "anonymous, owner=");
  /* A member sharing a network: published, public or shared. */
  expect_search (shared.token, word, "", published, "shared network");
  expect_search (shared.token, word, "&status=draft", none, "shared network, drafts");
  expect_search (shared.token, word, extra, published, "shared network, owner=");
  snprintf (extra, sizeof extra, "&owner=%s&status=draft", owner.member_id);
  expect_search (shared.token, word, extra, none, "shared network, owner's drafts");
  /* Another network: the public one only. */
  expect_search (unrelated.token, word, "", public_only, "other network");
  /* A member still pending: as anonymous (and its own). */
  expect_search (pending.token, word, "", public_only, "pending member");
  /* The owner's accounts: published by default, every status of their own on request. */
  expect_search (owner.token, word, "", published, "owner");
  expect_search (owner.token, word, "&status=draft", drafts, "owner, drafts");
  expect_search (colleague.token, word, "&status=paused", pauseds, "colleague, paused");
  snprintf (extra, sizeof extra, "&owner=%s", owner.member_id);
  expect_search (owner.token, word, extra, everything, "owner, owner=own");
  expect_search (colleague.token, word, extra, everything, "colleague, owner=own");
  /* Administrators: every listing. */
  expect_search (it_admin, word, "", published, "admin");
  expect_search (it_admin, word, extra, everything, "admin, owner=");
  expect_search (it_admin, word, "&status=draft", drafts, "admin, drafts");

  it_person_destroy (&owner);
  it_person_destroy (&colleague);
  it_person_destroy (&shared);
  it_person_destroy (&unrelated);
  it_person_destroy (&pending);
}

static void
suspended_owners_disappear (void **state)
{
  it_person_t owner, shared;
  char word[16];
  char pub[MT_ID_SIZE], net[MT_ID_SIZE];
  char path[128];
  const char *const both[] = { pub, net, NULL };
  const char *const one[] = { pub, NULL };
  const char *const none[] = { NULL };

  (void) state;
  need_networks ();
  it_signup (nets1, true, &owner);
  it_signup (nets1, true, &shared);
  new_word (word);
  create_good (owner.token, word, "published", "public", pub);
  create_good (owner.token, word, "published", "networks", net);
  expect_search (NULL, word, "", one, "before suspension, anonymous");
  expect_search (shared.token, word, "", both, "before suspension, shared");

  snprintf (path, sizeof path, "/v1/admin/members/%s/suspend", owner.member_id);
  it_expect (it_admin, "POST", path, "{\"reason\":\"contrôle\"}", 200);
  expect_search (NULL, word, "", none, "after suspension, anonymous");
  expect_search (shared.token, word, "", none, "after suspension, shared");
  expect_search (it_admin, word, "", both, "after suspension, admin");
  it_person_destroy (&owner);
  it_person_destroy (&shared);
}

/* ---- Hostile strings ---------------------------------------------------------------------- */

static void
hostile_search_strings (void **state)
{
  static const char *const hostile[] = {
    "\"",
    "\"\"",
    "\"velo",
    "(",
    ")",
    "()",
    "(velo",
    "velo)",
    "velo NEAR cargo",
    "NEAR(velo cargo)",
    "NEAR(velo cargo, 2)",
    "velo OR cargo",
    "velo AND",
    "NOT velo",
    "OR",
    "AND",
    "NOT",
    "*",
    "**",
    "velo*",
    "*velo",
    "title:x",
    "title:",
    ":",
    "-velo",
    "+velo",
    "^velo",
    "{title}: velo",
    "[velo]",
    "velo'",
    "'",
    "\\",
    "\\\"",
    "%",
    "%%",
    "_",
    "a''b",
    "'; DROP TABLE listings; --",
    "1=1",
    "velo\" OR \"1\"=\"1",
    "🚲",
    "vélo 🚲 cargo 👍🏽",
    "\xEF\xBB\xBF"
    "velo",
    "\xE2\x80\x8B",
    "中文 搜索",
    "עברית",
    "e\xCC\x81",
    "velo\ncargo",
    "velo\tcargo",
    "velo\x01",
    "\x7F",
    "$where",
    "{\"$gt\": \"\"}",
    "$regex",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "%00",
    "%s%s%s%n",
  };
  static const char *const raw[] = {
    /* Raw query strings, not encoded further. */
    "q=velo%00cargo",
    "q=%00",
    "q=%ff",
    "q=%C3%28",
    "q=%ED%A0%80",
    "q=%C0%AF",
    "q=%",
    "q=%zz",
    "q=%2",
    "q=velo&q=cargo",
    "q",
    "q=&q=",
    "q=++++",
    "q=%22%29%28*%3A",
    "q=a&kind=%00",
    "kind=good%00",
    "limit=1e2",
    "limit=+5",
    "limit=%20",
    "limit=-0",
    "cursor=%00",
    "cursor=%FF%FE",
    "cursor="
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "sort=",
    "status=",
    "owner=",
    "departement=%00",
    "available_from=%00&available_to=%00",
    "available_from=9999-12-31T23:59:59Z&available_to=9999-12-31T23:59:59.999Z",
    "available_from=0000-01-01T00:00:00Z&available_to=0000-01-02T00:00:00Z",
    "available_from=2030-01-01T00:00:00%2B14:00&available_to=2030-01-02T00:00:00-12:00",
  };
  it_person_t owner;
  char word[16];
  char id[MT_ID_SIZE];
  char encoded[4096];
  char query[4200];
  char *very_long = malloc (5000);
  page_t page;

  (void) state;
  need_networks ();
  it_signup (nets1, true, &owner);
  new_word (word);
  create_good (owner.token, word, "published", "public", id);
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    url_encode (hostile[i], strlen (hostile[i]), encoded, sizeof encoded);
    snprintf (query, sizeof query, "/v1/listings?q=%s", encoded);
    get_page (NULL, query, &page);
    if (page.status != 200 && page.status != 400) {
      fail_msg ("q=%s: status %d", hostile[i], page.status);
    }
    /* The same next to a real word: still at most that listing, or a 400. */
    snprintf (query, sizeof query, "/v1/listings?q=%s+%s", word, encoded);
    get_page (owner.token, query, &page);
    if (page.status != 200 && page.status != 400) {
      fail_msg ("q=%s %s: status %d", word, hostile[i], page.status);
    }
    assert_true (page.count <= 1);
    assert_true (page.count == 0 || strcmp (page.ids[0], id) == 0);
  }
  for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
    snprintf (query, sizeof query, "/v1/listings?%s", raw[i]);
    get_page (NULL, query, &page);
    if (page.status != 200 && page.status != 400) {
      fail_msg ("%s: status %d", raw[i], page.status);
    }
  }
  /* Quoting and FTS syntax around the word still find it. */
  {
    const char *const found[] = { id, NULL };
    char extra[64];
    snprintf (query, sizeof query, "%%22%s%%22", word); /* "word" */
    expect_search (NULL, query, "", found, "quoted word");
    snprintf (query, sizeof query, "%%28%s%%29", word); /* (word) */
    expect_search (NULL, query, "", found, "parenthesised word");
    snprintf (query, sizeof query, "%s*", word);
    expect_search (NULL, query, "", found, "starred word");
    snprintf (extra, sizeof extra, "+OR+%s", "zzzzzz");
    {
      const char *const none[] = { NULL };
      expect_search (NULL, word, extra, none, "OR is a word, not an operator");
    }
  }
  /* Very long: 400 beyond 1024 bytes, the limit itself is fine; a request line too long
   * for the HTTP layer is refused there (431). */
  assert_non_null (very_long);
  memset (very_long, 'a', 4000);
  very_long[4000] = '\0';
  snprintf (query, sizeof query, "/v1/listings?q=%s", very_long);
  get_page (NULL, query, &page);
  assert_true (page.status == 431 || page.status == 400);
  very_long[1025] = '\0';
  snprintf (query, sizeof query, "q=%s", very_long);
  search_400 (NULL, query, "q");
  very_long[1024] = '\0';
  snprintf (query, sizeof query, "q=%s", very_long);
  search (NULL, query, &page);
  assert_int_equal (page.count, 0);
  /* Invalid UTF-8 is a 400 naming q. */
  search_400 (NULL, "q=%ff", "q");
  search_400 (NULL, "q=velo%C3%28", "q");
  free (very_long);
  it_person_destroy (&owner);
}

/* ---- Paging --------------------------------------------------------------------------------- */

/* Pages through @first_query with limit 3 following the Link header, creating two new
 * matching listings between pages: every listing of @before is seen exactly once. */
static void
page_through (const it_person_t *owner, const char *word, const char *first_query,
              char before[][MT_ID_SIZE], size_t before_count)
{
  char seen[128][MT_ID_SIZE];
  size_t seen_count = 0;
  char path[1400];
  int pages = 0;
  page_t page;

  snprintf (path, sizeof path, "/v1/listings?%s", first_query);
  for (;;) {
    get_page (NULL, path, &page);
    if (page.status != 200) {
      fail_msg ("GET %s: status %d", path, page.status);
    }
    assert_true (page.count <= 3);
    for (size_t i = 0; i < page.count; i++) {
      for (size_t j = 0; j < seen_count; j++) {
        if (strcmp (seen[j], page.ids[i]) == 0) {
          fail_msg ("%s seen twice (page %d)", page.ids[i], pages);
        }
      }
      assert_true (seen_count < 128);
      memcpy (seen[seen_count++], page.ids[i], MT_ID_SIZE);
    }
    pages++;
    assert_true (pages < 40);
    if (!page.next[0]) {
      assert_string_equal (page.link, "");
      break;
    }
    /* The Link header keeps the other parameters and carries the cursor. */
    assert_non_null (strstr (page.link, "limit=3"));
    assert_non_null (strstr (page.link, "cursor="));
    snprintf (path, sizeof path, "%s", page.link);
    /* Two more matching listings between pages. */
    for (int k = 0; k < 2; k++) {
      char id[MT_ID_SIZE];
      create_good (owner->token, word, "published", "public", id);
    }
  }
  for (size_t i = 0; i < before_count; i++) {
    bool found = false;
    for (size_t j = 0; j < seen_count && !found; j++) {
      found = strcmp (seen[j], before[i]) == 0;
    }
    if (!found) {
      fail_msg ("%s (created before the first page) never seen", before[i]);
    }
  }
  assert_true (pages >= 4); /* 10 listings by 3 */
}

static void
paging_is_stable_while_adding (void **state)
{
  it_person_t owner;
  char word[16];
  char before[10][MT_ID_SIZE];
  char query[256];

  (void) state;
  need_networks ();
  it_signup (nets1, true, &owner);
  new_word (word);
  for (int i = 0; i < 10; i++) {
    create_good (owner.token, word, "published", "public", before[i]);
  }
  /* By relevance (q), and by recency (an owner filter, no q). */
  snprintf (query, sizeof query, "q=%s&limit=3", word);
  page_through (&owner, word, query, before, 10);
  {
    it_person_t owner2;
    char before2[10][MT_ID_SIZE];
    it_signup (nets1, true, &owner2);
    for (int i = 0; i < 10; i++) {
      create_good (owner2.token, word, "published", "public", before2[i]);
    }
    snprintf (query, sizeof query, "owner=%s&limit=3&sort=recent", owner2.member_id);
    page_through (&owner2, word, query, before2, 10);
    it_person_destroy (&owner2);
  }
  it_person_destroy (&owner);
}

static void
limits_and_cursors (void **state)
{
  it_person_t owner;
  char word[16];
  char query[2048];
  page_t page;

  (void) state;
  need_networks ();
  it_signup (nets1, true, &owner);
  new_word (word);
  for (int i = 0; i < 4; i++) {
    char id[MT_ID_SIZE];
    create_good (owner.token, word, "published", "public", id);
  }
  /* limit defaults to 20 and goes up to 100; beyond is 400 (not capped). */
  snprintf (query, sizeof query, "q=%s", word);
  search (NULL, query, &page);
  assert_int_equal (page.count, 4);
  assert_string_equal (page.next, "");
  assert_string_equal (page.link, "");
  snprintf (query, sizeof query, "q=%s&limit=100", word);
  search (NULL, query, &page);
  assert_int_equal (page.count, 4);
  snprintf (query, sizeof query, "q=%s&limit=101", word);
  search (NULL, query, &page); /* capped at 100 */
  assert_int_equal (page.count, 4);
  snprintf (query, sizeof query, "q=%s&limit=1000000", word);
  search (NULL, query, &page);
  assert_int_equal (page.count, 4);
  /* limit=2: two pages, the first with a cursor and a Link. */
  snprintf (query, sizeof query, "q=%s&limit=2", word);
  search (NULL, query, &page);
  assert_int_equal (page.count, 2);
  assert_true (page.next[0] != '\0');
  assert_true (page.link[0] != '\0');
  {
    char encoded[1400];
    page_t second;
    url_encode (page.next, strlen (page.next), encoded, sizeof encoded);
    snprintf (query, sizeof query, "q=%s&limit=2&cursor=%s", word, encoded);
    search (NULL, query, &second);
    assert_int_equal (second.count, 2);
    assert_false (has (&page, second.ids[0]));
    assert_false (has (&page, second.ids[1]));
    /* A tampered cursor is refused or leads somewhere, never to a 500 (get_page checks). */
    encoded[strlen (encoded) / 2] = encoded[strlen (encoded) / 2] == 'A' ? 'B' : 'A';
    snprintf (query, sizeof query, "/v1/listings?q=%s&limit=2&cursor=%s", word, encoded);
    get_page (NULL, query, &second);
    assert_true (second.status == 400 || second.status == 200);
  }
  search_400 (NULL, "cursor=not-a-cursor", "cursor");
  /* A NUL byte (%00) anywhere in the query string is refused. */
  get_page (NULL, "/v1/listings?cursor=%00", &page);
  assert_int_equal (page.status, 400);
  search_400 (NULL, "cursor=a%20b", "cursor");
  it_person_destroy (&owner);
}

/* ---- Availability ------------------------------------------------------------------------- */

/* A good with @quantity units and blackouts [10 Jan 2030, 12 Jan 2030) and
 * [20 Jan 2030 12:00, 21 Jan 2030). */
static void
create_blacked_out (const char *token, const char *word, int quantity, const char *visibility,
                    char id[MT_ID_SIZE])
{
  char text[1024];

  snprintf (text, sizeof text,
            "{'kind':'good','title':'Tente %s','category':'tentes-barnums','status':'published',"
            "'visibility':'%s','quantity':%d,'loan_rules':{'buffer_hours':24},"
            "'blackouts':[{'start':'2030-01-20T12:00:00Z','end':'2030-01-21T00:00:00Z'},"
            "{'start':'2030-01-10T00:00:00Z','end':'2030-01-12T00:00:00Z','reason':'révision'}]}",
            word, visibility, quantity);
  create (token, text, id);
}

static void
search_filters_by_availability (void **state)
{
  it_person_t owner;
  char word[16];
  char blacked[MT_ID_SIZE], free_good[MT_ID_SIZE], service[MT_ID_SIZE];
  char extra[256];
  char text[512];
  const char *const all[] = { blacked, free_good, service, NULL };
  const char *const available[] = { free_good, service, NULL };

  (void) state;
  need_networks ();
  it_signup (nets1, true, &owner);
  new_word (word);
  create_blacked_out (owner.token, word, 3, "public", blacked);
  create_good (owner.token, word, "published", "public", free_good);
  snprintf (text, sizeof text,
            "{'kind':'service','title':'Conseil %s','category':'animation-facilitation',"
            "'status':'published','visibility':'public'}",
            word);
  create (owner.token, text, service);

  /* Overlapping the blackout (even by a second): the good is out, services stay. */
  expect_search (NULL, word,
                 "&available_from=2030-01-11T00:00:00Z&available_to=2030-01-13T00:00:00Z",
                 available, "range over the blackout");
  expect_search (NULL, word,
                 "&available_from=2030-01-11T23:59:59Z&available_to=2030-01-15T00:00:00Z",
                 available, "range over the blackout's last second");
  expect_search (NULL, word,
                 "&available_from=2030-01-01T00:00:00Z&available_to=2030-12-31T00:00:00Z",
                 available, "range around both blackouts");
  /* Touching it (half-open periods) or away from it: every listing. Blackouts are not widened
   * by the buffer. */
  expect_search (NULL, word,
                 "&available_from=2030-01-12T00:00:00Z&available_to=2030-01-14T00:00:00Z", all,
                 "range after the blackout");
  expect_search (NULL, word,
                 "&available_from=2030-01-08T00:00:00Z&available_to=2030-01-10T00:00:00Z", all,
                 "range before the blackout");
  expect_search (NULL, word,
                 "&available_from=2030-01-15T00:00:00Z&available_to=2030-01-20T12:00:00Z", all,
                 "range up to the second blackout");
  /* With a kind filter and paging. */
  snprintf (extra, sizeof extra,
            "&kind=good&limit=1&available_from=2030-01-11T00:00:00Z"
            "&available_to=2030-01-13T00:00:00Z");
  {
    const char *const only_free[] = { free_good, NULL };
    char query[512];
    page_t page;
    snprintf (query, sizeof query, "q=%s%s", word, extra);
    search (NULL, query, &page);
    assert_true (page.count <= 1);
    /* At most one item per page; following the cursors ends with the free good only. */
    while (page.next[0]) {
      page_t more;
      char encoded[1400];
      char path[2048];
      url_encode (page.next, strlen (page.next), encoded, sizeof encoded);
      snprintf (path, sizeof path, "/v1/listings?%s&cursor=%s", query, encoded);
      get_page (NULL, path, &more);
      assert_int_equal (more.status, 200);
      assert_true (more.count <= 1);
      for (size_t i = 0; i < more.count; i++) {
        assert_true (page.count < 128);
        memcpy (page.ids[page.count++], more.ids[i], MT_ID_SIZE);
      }
      memcpy (page.next, more.next, sizeof page.next);
    }
    expect_ids (&page, only_free, "kind=good over the blackout");
  }
  it_person_destroy (&owner);
}

/* GET the availability of @id over [@from, @to) as @token. */
static void
availability (const char *token, const char *id, const char *from, const char *to,
              mt_http_response_t *resp)
{
  char path[512];

  snprintf (path, sizeof path, "/v1/listings/%s/availability?from=%s&to=%s", id, from, to);
  it_call (token, "GET", path, NULL, NULL, resp);
}

/* The keys of @doc are exactly @keys (NULL-terminated). */
static void
assert_keys (const bson_t *doc, const char *const *keys)
{
  bson_iter_t child;
  size_t n = 0;
  size_t expected = 0;

  while (keys[expected]) {
    expected++;
  }
  assert_true (bson_iter_init (&child, doc));
  while (bson_iter_next (&child)) {
    bool known = false;
    for (size_t i = 0; keys[i] && !known; i++) {
      known = strcmp (keys[i], bson_iter_key (&child)) == 0;
    }
    if (!known) {
      fail_msg ("unexpected key %s", bson_iter_key (&child));
    }
    n++;
  }
  assert_int_equal (n, expected);
}

static void
availability_of_a_good (void **state)
{
  static const char *const top_keys[] = { "listing_id", "from", "to", "quantity",
                                          "free",       "busy", NULL };
  static const char *const busy_keys[] = { "start", "end", "units", "reason", NULL };
  it_person_t owner, unrelated;
  char word[16];
  char good[MT_ID_SIZE], hidden[MT_ID_SIZE], draft[MT_ID_SIZE], service[MT_ID_SIZE];
  char text[512];
  char path[256];
  mt_http_response_t resp;
  bson_iter_t it;

  (void) state;
  need_networks ();
  it_signup (nets1, true, &owner);
  it_signup (nets2, true, &unrelated);
  new_word (word);
  create_blacked_out (owner.token, word, 3, "public", good);
  create_blacked_out (owner.token, word, 2, "networks", hidden);
  create_good (owner.token, word, "draft", "public", draft);
  snprintf (text, sizeof text,
            "{'kind':'service','title':'Conseil %s','category':'animation-facilitation',"
            "'status':'published','visibility':'public'}",
            word);
  create (owner.token, text, service);

  /* Over the whole month: both blackouts, clipped to nothing else, nothing free. */
  availability (NULL, good, "2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z", &resp);
  it_assert_status (&resp, 200, "GET", "availability");
  assert_true (resp.has_json);
  assert_keys (&resp.json, top_keys);
  assert_string_equal (mt_http_json_string (&resp, "listing_id"), good);
  assert_string_equal (mt_http_json_string (&resp, "from"), "2030-01-01T00:00:00Z");
  assert_string_equal (mt_http_json_string (&resp, "to"), "2030-02-01T00:00:00Z");
  assert_int_equal (mt_bson_int (&resp.json, "quantity", -1), 3);
  assert_int_equal (mt_bson_int (&resp.json, "free", -1), 0);
  assert_string_equal (mt_http_json_string (&resp, "busy.0.start"), "2030-01-10T00:00:00Z");
  assert_string_equal (mt_http_json_string (&resp, "busy.0.end"), "2030-01-12T00:00:00Z");
  assert_string_equal (mt_http_json_string (&resp, "busy.0.reason"), "blackout");
  assert_int_equal (mt_bson_int (&resp.json, "busy.0.units", -1), 3);
  assert_string_equal (mt_http_json_string (&resp, "busy.1.start"), "2030-01-20T12:00:00Z");
  assert_string_equal (mt_http_json_string (&resp, "busy.1.end"), "2030-01-21T00:00:00Z");
  assert_string_equal (mt_http_json_string (&resp, "busy.1.reason"), "blackout");
  assert_false (mt_bson_has (&resp.json, "busy.2"));
  for (int i = 0; i < 2; i++) {
    bson_iter_t seg;
    bson_t doc;
    const uint8_t *data;
    uint32_t len;
    char key[16];
    snprintf (key, sizeof key, "busy.%d", i);
    assert_true (bson_iter_init (&seg, &resp.json));
    assert_true (bson_iter_find_descendant (&seg, key, &it));
    assert_true (BSON_ITER_HOLDS_DOCUMENT (&it));
    bson_iter_document (&it, &len, &data);
    assert_true (bson_init_static (&doc, data, len));
    assert_keys (&doc, busy_keys); /* no reservation id, no borrower */
  }
  mt_http_response_destroy (&resp);

  /* Clipped to the range; an overlap of one second is enough. */
  availability (NULL, good, "2030-01-11T23:59:59Z", "2030-01-13T00:00:00Z", &resp);
  it_assert_status (&resp, 200, "GET", "availability");
  assert_int_equal (mt_bson_int (&resp.json, "free", -1), 0);
  assert_string_equal (mt_http_json_string (&resp, "busy.0.start"), "2030-01-11T23:59:59Z");
  assert_string_equal (mt_http_json_string (&resp, "busy.0.end"), "2030-01-12T00:00:00Z");
  assert_false (mt_bson_has (&resp.json, "busy.1"));
  mt_http_response_destroy (&resp);

  /* Touching the blackouts (half-open), or between them: every unit free, nothing busy. */
  {
    static const char *const ranges[][2] = {
      { "2030-01-12T00:00:00Z", "2030-01-20T12:00:00Z" },
      { "2030-01-01T00:00:00Z", "2030-01-10T00:00:00Z" },
      { "2030-01-21T00:00:00Z", "2030-01-22T00:00:00Z" },
      { "2030-01-12T00:00:00%2B01:00", "2030-01-12T05:00:00Z" }, /* 11 Jan 23:00Z: busy */
    };
    for (size_t i = 0; i < 3; i++) {
      availability (NULL, good, ranges[i][0], ranges[i][1], &resp);
      it_assert_status (&resp, 200, "GET", "availability");
      assert_int_equal (mt_bson_int (&resp.json, "free", -1), 3);
      assert_true (mt_bson_has (&resp.json, "busy"));
      assert_false (mt_bson_has (&resp.json, "busy.0"));
      mt_http_response_destroy (&resp);
    }
    availability (NULL, good, ranges[3][0], ranges[3][1], &resp);
    it_assert_status (&resp, 200, "GET", "availability");
    assert_int_equal (mt_bson_int (&resp.json, "free", -1), 0);
    assert_string_equal (mt_http_json_string (&resp, "from"), "2030-01-11T23:00:00Z");
    mt_http_response_destroy (&resp);
  }

  /* Quantity 2 (as a member sharing the network): free 2 away from blackouts. */
  {
    it_person_t shared;
    it_signup (nets1, true, &shared);
    availability (shared.token, hidden, "2030-03-01T00:00:00Z", "2030-03-02T00:00:00Z", &resp);
    it_assert_status (&resp, 200, "GET", "availability");
    assert_int_equal (mt_bson_int (&resp.json, "quantity", -1), 2);
    assert_int_equal (mt_bson_int (&resp.json, "free", -1), 2);
    mt_http_response_destroy (&resp);
    it_person_destroy (&shared);
  }

  /* Only for those who may see the listing: 404 otherwise, as an unknown id. */
  availability (NULL, hidden, "2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z", &resp);
  it_assert_status (&resp, 404, "GET", "availability of a networks listing, anonymous");
  mt_http_response_destroy (&resp);
  availability (unrelated.token, hidden, "2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z", &resp);
  it_assert_status (&resp, 404, "GET", "availability of a networks listing, other network");
  mt_http_response_destroy (&resp);
  availability (NULL, draft, "2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z", &resp);
  it_assert_status (&resp, 404, "GET", "availability of a draft");
  mt_http_response_destroy (&resp);
  availability (owner.token, draft, "2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z", &resp);
  it_assert_status (&resp, 200, "GET", "availability of a draft, owner");
  assert_int_equal (mt_bson_int (&resp.json, "free", -1), 1);
  mt_http_response_destroy (&resp);
  availability (NULL, "lst_AAAAAAAAAAAAAAAAAAAAAA", "2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z",
                &resp);
  it_assert_status (&resp, 404, "GET", "availability of an unknown listing");
  mt_http_response_destroy (&resp);

  /* Services have no calendar. */
  availability (NULL, service, "2030-01-01T00:00:00Z", "2030-01-02T00:00:00Z", &resp);
  it_assert_status (&resp, 422, "GET", "availability of a service");
  assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:unprocessable");
  mt_http_response_destroy (&resp);

  /* from and to: required, RFC 3339, from < to, at most 366 days. */
  {
    static const struct {
      const char *query;
      const char *path;
    } bad[] = {
      { "", "from" },
      { "?to=2030-01-02T00:00:00Z", "from" },
      { "?from=2030-01-01T00:00:00Z", "to" },
      { "?from=2030-01-01&to=2030-01-02T00:00:00Z", "from" },
      { "?from=2030-01-01T00:00:00Z&to=demain", "to" },
      { "?from=2030-01-01T00:00:00Z&to=2030-01-01T00:00:00Z", "to" },
      { "?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z", "to" },
      { "?from=2030-01-01T00:00:00Z&to=2031-01-03T00:00:00Z", "to" },
      { "?from=%00&to=%00", NULL }, /* refused before parameters are read: no path */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
      snprintf (path, sizeof path, "/v1/listings/%s/availability%s", good, bad[i].query);
      it_call (NULL, "GET", path, NULL, NULL, &resp);
      it_assert_status (&resp, 400, "GET", path);
      if (bad[i].path) {
        assert_string_equal (mt_http_json_string (&resp, "errors.0.path"), bad[i].path);
      } else {
        assert_null (mt_http_json_string (&resp, "errors.0.path"));
      }
      mt_http_response_destroy (&resp);
    }
    /* 366 days exactly is fine. */
    availability (NULL, good, "2030-01-01T00:00:00Z", "2031-01-02T00:00:00Z", &resp);
    it_assert_status (&resp, 200, "GET", "availability over 366 days");
    mt_http_response_destroy (&resp);
  }
  it_person_destroy (&owner);
  it_person_destroy (&unrelated);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("search/words/ignore_case_and_accents", words_ignore_case_and_accents),
    MT_TEST ("search/filters/every_filter", every_filter),
    MT_TEST ("search/visibility/by_caller", visibility_by_caller),
    MT_TEST ("search/visibility/suspended_owners_disappear", suspended_owners_disappear),
    MT_TEST ("search/hostile/search_strings", hostile_search_strings),
    MT_TEST ("search/paging/stable_while_adding", paging_is_stable_while_adding),
    MT_TEST ("search/paging/limits_and_cursors", limits_and_cursors),
    MT_TEST ("search/availability/filter", search_filters_by_availability),
    MT_TEST ("search/availability/of_a_good", availability_of_a_good),
  };
  return cmocka_run_group_tests_name ("integration/search", tests, setup, teardown);
}
