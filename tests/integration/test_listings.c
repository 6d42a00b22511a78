/*
 * Integration tests of /v1/categories and /v1/listings (create, read, update, delete) over
 * HTTP against the real mutuad: every field of goods and services, defaults, refused bodies
 * (unknown and server-owned fields, wrong types, fields of the other kind, categories), who
 * sees which listing and its pickup, If-Match on updates, rights of colleagues, strangers and
 * administrators, deletion.
 */
#include "members_helpers.h"

#include "mt_embed.h"
#include "mt_schema.h"

extern const mt_embed_file_t mutua_schema_files[];

static mt_schema_registry_t *registry;
static char net1[MT_ID_SIZE], net2[MT_ID_SIZE];
static char nets1[64], nets2[64], nets12[96];

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

/* The people of most tests: an owner organisation (manager + staff) in net1, a member
 * sharing net1, one in net2 only, one still pending in net1. */
typedef struct {
  it_person_t owner, colleague, shared, unrelated, pending;
} world_t;

static void
make_world (world_t *w)
{
  need_networks ();
  it_signup (nets1, true, &w->owner);
  it_colleague (&w->owner, "staff", &w->colleague);
  it_signup (nets12, true, &w->shared);
  it_signup (nets2, true, &w->unrelated);
  it_signup (nets1, false, &w->pending);
}

static void
world_destroy (world_t *w)
{
  it_person_destroy (&w->owner);
  it_person_destroy (&w->colleague);
  it_person_destroy (&w->shared);
  it_person_destroy (&w->unrelated);
  it_person_destroy (&w->pending);
}

/* @text with ' turned into " (JSON written readably); returns @buf. */
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
assert_listing_schema (const mt_http_response_t *resp)
{
  mt_error_t error;

  assert_true (resp->has_json);
  if (!mt_schema_validate (mt_schema_registry_get (registry, "listing.json"), &resp->json,
                           &error)) {
    fail_msg ("listing.json: %s at %s in %s", error.message, error.path, resp->body);
  }
}

#define GOOD_FULL                                                                                  \
  "{'kind':'good','title':'Vélo cargo biporteur','description':'Biporteur électrique',"          \
  "'category':'velos-cargo','tags':['vélo','cargo'],'territory':{'departement':'59',"             \
  "'commune':'Roubaix','coordinates':{'lat':50.69,'lon':3.18}},'visibility':'public',"             \
  "'status':'published','quantity':2,'condition':'good','replacement_value_cents':450000,"         \
  "'deposit_cents':20000,'loan_rules':{'max_days':7,'min_notice_hours':48,'buffer_hours':2,"       \
  "'horizon_days':90},'approval':'auto','pickup':{'address':'12 rue des Arts, Roubaix',"           \
  "'instructions':'Sonner au local'},'blackouts':[{'start':'2026-07-14T00:00:00Z',"                \
  "'end':'2026-07-16T00:00:00Z','reason':'Fête du quartier'}],'credit_price_per_day':5}"

#define SERVICE_FULL                                                                               \
  "{'kind':'service','title':'Animation de réunion','description':'Facilitation',"                \
  "'category':'animation-facilitation','tags':['gouvernance'],'territory':{'departement':'62',"    \
  "'commune':'Arras'},'visibility':'networks','status':'published','format':'both',"               \
  "'duration_minutes':180,'credit_rate_per_hour':10,'languages':['fr','en']}"

/* POST /v1/listings of @text as @token: 201, Location and ETag W/"1"; the id to @id; the
 * response to @resp when not NULL (the caller destroys it). */
static void
create_as (const char *token, const char *text, char id[MT_ID_SIZE], mt_http_response_t *resp)
{
  mt_http_response_t local;
  mt_http_response_t *r = resp ? resp : &local;
  char body[4096];
  char location[96];

  it_call (token, "POST", "/v1/listings", NULL, q (text, body, sizeof body), r);
  it_assert_status (r, 201, "POST", "/v1/listings");
  assert_non_null (mt_http_json_string (r, "id"));
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (r, "id"));
  snprintf (location, sizeof location, "/v1/listings/%s", id);
  assert_string_equal (mt_http_header (r, "Location"), location);
  assert_string_equal (mt_http_header (r, "ETag"), "W/\"1\"");
  assert_listing_schema (r);
  if (!resp) {
    mt_http_response_destroy (&local);
  }
}

static void
create_simple (const char *token, const char *kind, const char *status, const char *visibility,
               char id[MT_ID_SIZE])
{
  char text[512];
  bool good = strcmp (kind, "good") == 0;

  snprintf (text, sizeof text,
            "{'kind':'%s','title':'Annonce %s','category':'%s','status':'%s','visibility':'%s'%s}",
            kind, status, good ? "outillage" : "juridique", status, visibility,
            good ? ",'pickup':{'address':'3 rue du Port, Lille'}" : "");
  create_as (token, text, id, NULL);
}

static void
listing_path (char *out, size_t size, const char *id)
{
  snprintf (out, size, "/v1/listings/%s", id);
}

/* A request with one extra header line (@header may be NULL). */
static void
call_with (const char *token, const char *method, const char *path, const char *header,
           const char *json, mt_http_response_t *resp)
{
  const char *headers[] = { header, NULL };
  it_call (token, method, path, header ? headers : NULL, json, resp);
}

/* The same, expecting @status and, when @slug is not NULL, that problem type. */
static void
expect_with (const char *token, const char *method, const char *path, const char *header,
             const char *json, int status, const char *slug)
{
  mt_http_response_t resp;
  char type[96];

  call_with (token, method, path, header, json, &resp);
  it_assert_status (&resp, status, method, path);
  if (slug) {
    snprintf (type, sizeof type, "urn:mutua:problem:%s", slug);
    assert_non_null (mt_http_json_string (&resp, "type"));
    assert_string_equal (mt_http_json_string (&resp, "type"), type);
  }
  mt_http_response_destroy (&resp);
}

/* ---- Categories --------------------------------------------------------------------------- */

static void
categories_are_public (void **state)
{
  mt_http_response_t resp;
  bool cargo = false, facilitation = false;
  unsigned count = 0;
  bson_iter_t it, child;

  (void) state;
  it_call (NULL, "GET", "/v1/categories", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/categories");
  assert_true (bson_iter_init_find (&it, &resp.json, "items") && BSON_ITER_HOLDS_ARRAY (&it));
  assert_true (bson_iter_recurse (&it, &child));
  while (bson_iter_next (&child)) {
    bson_iter_t field;
    const char *slug = NULL, *kind = NULL;
    assert_true (BSON_ITER_HOLDS_DOCUMENT (&child));
    bson_iter_recurse (&child, &field);
    while (bson_iter_next (&field)) {
      if (strcmp (bson_iter_key (&field), "slug") == 0) {
        slug = bson_iter_utf8 (&field, NULL);
      } else if (strcmp (bson_iter_key (&field), "kind") == 0) {
        kind = bson_iter_utf8 (&field, NULL);
      }
    }
    assert_non_null (slug);
    assert_non_null (kind);
    cargo = cargo || (strcmp (slug, "velos-cargo") == 0 && strcmp (kind, "good") == 0);
    facilitation = facilitation ||
                   (strcmp (slug, "animation-facilitation") == 0 && strcmp (kind, "service") == 0);
    count++;
  }
  assert_true (cargo && facilitation);
  assert_true (count >= 19);
  assert_string_equal (mt_http_json_string (&resp, "items.0.label_fr"), "Vélos cargo et remorques");
  assert_non_null (mt_http_json_string (&resp, "items.0.label_en"));
  mt_http_response_destroy (&resp);
}

/* ---- Create ------------------------------------------------------------------------------- */

static void
create_good_and_service_with_every_field (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char good[MT_ID_SIZE], service[MT_ID_SIZE], path[96];

  (void) state;
  make_world (&w);
  create_as (w.colleague.token, GOOD_FULL, good, &resp);
  assert_string_equal (mt_http_json_string (&resp, "owner_id"), w.owner.member_id);
  assert_string_equal (mt_http_json_string (&resp, "created_by"), w.colleague.account_id);
  assert_string_equal (mt_http_json_string (&resp, "kind"), "good");
  assert_string_equal (mt_http_json_string (&resp, "category"), "velos-cargo");
  assert_string_equal (mt_http_json_string (&resp, "tags.1"), "cargo");
  assert_string_equal (mt_http_json_string (&resp, "territory.commune"), "Roubaix");
  assert_string_equal (mt_http_json_string (&resp, "status"), "published");
  assert_string_equal (mt_http_json_string (&resp, "visibility"), "public");
  assert_int_equal (mt_bson_int (&resp.json, "quantity", 0), 2);
  assert_int_equal (mt_bson_int (&resp.json, "loan_rules.max_days", 0), 7);
  assert_int_equal (mt_bson_int (&resp.json, "loan_rules.horizon_days", 0), 90);
  assert_string_equal (mt_http_json_string (&resp, "approval"), "auto");
  assert_string_equal (mt_http_json_string (&resp, "pickup.address"), "12 rue des Arts, Roubaix");
  assert_string_equal (mt_http_json_string (&resp, "blackouts.0.start"), "2026-07-14T00:00:00Z");
  assert_string_equal (mt_http_json_string (&resp, "blackouts.0.reason"), "Fête du quartier");
  assert_int_equal (mt_bson_int (&resp.json, "credit_price_per_day", 0), 5);
  assert_non_null (mt_http_json_string (&resp, "published_at"));
  assert_non_null (mt_http_json_string (&resp, "created_at"));
  mt_http_response_destroy (&resp);
  /* read back */
  listing_path (path, sizeof path, good);
  it_call (w.owner.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
  assert_int_equal (mt_bson_int (&resp.json, "deposit_cents", 0), 20000);
  assert_listing_schema (&resp);
  mt_http_response_destroy (&resp);
  create_as (w.owner.token, SERVICE_FULL, service, &resp);
  assert_string_equal (mt_http_json_string (&resp, "kind"), "service");
  assert_string_equal (mt_http_json_string (&resp, "created_by"), w.owner.account_id);
  assert_string_equal (mt_http_json_string (&resp, "format"), "both");
  assert_int_equal (mt_bson_int (&resp.json, "duration_minutes", 0), 180);
  assert_int_equal (mt_bson_int (&resp.json, "credit_rate_per_hour", 0), 10);
  assert_string_equal (mt_http_json_string (&resp, "languages.1"), "en");
  assert_null (strstr (resp.body, "\"quantity\""));
  assert_null (strstr (resp.body, "\"loan_rules\""));
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

static void
create_applies_defaults (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char id[MT_ID_SIZE];

  (void) state;
  make_world (&w);
  create_as (w.owner.token, "{'kind':'good','title':'Scie circulaire','category':'outillage'}", id,
             &resp);
  assert_string_equal (mt_http_json_string (&resp, "status"), "draft");
  assert_string_equal (mt_http_json_string (&resp, "visibility"), "networks");
  assert_int_equal (mt_bson_int (&resp.json, "version", 0), 1);
  assert_int_equal (mt_bson_int (&resp.json, "quantity", 0), 1);
  assert_int_equal (mt_bson_int (&resp.json, "loan_rules.max_days", 0), 14);
  assert_int_equal (mt_bson_int (&resp.json, "loan_rules.min_notice_hours", 0), 24);
  assert_int_equal (mt_bson_int (&resp.json, "loan_rules.buffer_hours", -1), 0);
  assert_int_equal (mt_bson_int (&resp.json, "loan_rules.horizon_days", 0), 180);
  assert_string_equal (mt_http_json_string (&resp, "approval"), "manual");
  /* the owner's territory (it_signup: 59, Lille) */
  assert_string_equal (mt_http_json_string (&resp, "territory.departement"), "59");
  assert_string_equal (mt_http_json_string (&resp, "territory.commune"), "Lille");
  assert_non_null (strstr (resp.body, "\"tags\":[]"));
  assert_non_null (strstr (resp.body, "\"photos\":[]"));
  assert_null (strstr (resp.body, "published_at"));
  mt_http_response_destroy (&resp);
  create_as (w.owner.token, "{'kind':'service','title':'Conseil juridique','category':'juridique'}",
             id, &resp);
  assert_non_null (strstr (resp.body, "\"languages\":[\"fr\"]"));
  assert_null (strstr (resp.body, "\"format\""));
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

static void
create_refuses_bad_bodies (void **state)
{
  static const struct {
    const char *json;
    int status;
    const char *slug;
    const char *path;
  } cases[] = {
    /* mass assignment of server-owned fields */
    { "{'kind':'good','title':'Scie','category':'outillage','id':'lst_AAAAAAAAAAAAAAAAAAAAAA'}",
      400, "validation", "/id" },
    { "{'kind':'good','title':'Scie','category':'outillage','version':5}", 400, "validation",
      "/version" },
    { "{'kind':'good','title':'Scie','category':'outillage','owner_id':'mem_AAAAAAAAAAAAAAAAAAAAAA'"
      "}",
      400, "validation", "/owner_id" },
    { "{'kind':'good','title':'Scie','category':'outillage','created_by':'acc_"
      "AAAAAAAAAAAAAAAAAAAAAA'}",
      400, "validation", "/created_by" },
    { "{'kind':'good','title':'Scie','category':'outillage','photos':[]}", 400, "validation",
      "/photos" },
    { "{'kind':'good','title':'Scie','category':'outillage','published_at':'2026-06-12T09:00:00Z'}",
      400, "validation", "/published_at" },
    { "{'kind':'good','title':'Scie','category':'outillage','created_at':'2026-06-12T09:00:00Z'}",
      400, "validation", "/created_at" },
    { "{'kind':'good','title':'Scie','category':'outillage','updated_at':'2026-06-12T09:00:00Z'}",
      400, "validation", "/updated_at" },
    /* unknown fields, wrong types, ranges */
    { "{'kind':'good','title':'Scie','category':'outillage','colour':'red'}", 400, "validation",
      "/colour" },
    { "{'kind':'good','title':12,'category':'outillage'}", 400, "validation", "/title" },
    { "{'kind':'good','title':'Scie','category':'outillage','quantity':'2'}", 400, "validation",
      "/quantity" },
    { "{'kind':'good','title':'Scie','category':'outillage','quantity':0}", 400, "validation",
      "/quantity" },
    { "{'kind':'good','title':'Scie','category':'outillage','loan_rules':{'max_days':400}}", 400,
      "validation", "/loan_rules/max_days" },
    { "{'kind':'good','title':'Scie','category':'outillage','status':'sold'}", 400, "validation",
      "/status" },
    { "{'kind':'gift','title':'Scie','category':'outillage'}", 400, "validation", "/kind" },
    { "{'title':'Scie','category':'outillage'}", 400, "validation", "/kind" },
    /* fields of the other kind */
    { "{'kind':'service','title':'Compta','category':'comptabilite-gestion','quantity':2}", 400,
      "validation", "/quantity" },
    { "{'kind':'service','title':'Compta','category':'comptabilite-gestion','pickup':"
      "{'address':'1 rue du Port'}}",
      400, "validation", "/pickup" },
    { "{'kind':'good','title':'Scie','category':'outillage','format':'remote'}", 400, "validation",
      "/format" },
    { "{'kind':'good','title':'Scie','category':'outillage','languages':['fr']}", 400, "validation",
      "/languages" },
    /* categories: known, of the same kind */
    { "{'kind':'good','title':'Scie','category':'scies-sauteuses'}", 422, "unprocessable",
      "/category" },
    { "{'kind':'good','title':'Scie','category':'juridique'}", 422, "unprocessable", "/category" },
    { "{'kind':'service','title':'Compta','category':'velos-cargo'}", 422, "unprocessable",
      "/category" },
    /* a blackout must end after it starts */
    { "{'kind':'good','title':'Scie','category':'outillage','blackouts':[{'start':"
      "'2026-07-16T00:00:00Z','end':'2026-07-14T00:00:00Z'}]}",
      422, "unprocessable", "/blackouts/0/end" },
  };
  world_t w;
  mt_http_response_t resp;
  char body[1024];
  char type[96];

  (void) state;
  make_world (&w);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    it_call (w.owner.token, "POST", "/v1/listings", NULL, q (cases[i].json, body, sizeof body),
             &resp);
    if (resp.status != cases[i].status) {
      fail_msg ("%s: status %d, expected %d: %s", cases[i].json, resp.status, cases[i].status,
                resp.body);
    }
    snprintf (type, sizeof type, "urn:mutua:problem:%s", cases[i].slug);
    assert_string_equal (mt_http_json_string (&resp, "type"), type);
    if (!mt_http_json_string (&resp, "errors.0.path") ||
        strcmp (mt_http_json_string (&resp, "errors.0.path"), cases[i].path) != 0) {
      fail_msg ("%s: %s, expected the path %s", cases[i].json, resp.body, cases[i].path);
    }
    mt_http_response_destroy (&resp);
  }
  /* who may create: approved members only */
  q ("{'kind':'good','title':'Scie','category':'outillage'}", body, sizeof body);
  expect_with (NULL, "POST", "/v1/listings", NULL, body, 401, "unauthenticated");
  expect_with (w.pending.token, "POST", "/v1/listings", NULL, body, 403, "forbidden");
  expect_with (w.owner.token, "POST", "/v1/listings", NULL, "{\"kind\":", 400, "bad-request");
  world_destroy (&w);
}

/* ---- Visibility --------------------------------------------------------------------------- */

static void
get_visibility_matrix (void **state)
{
  static const char *const statuses[] = { "draft", "published", "paused" };
  static const char *const visibilities[] = { "networks", "public" };
  world_t w;

  (void) state;
  make_world (&w);
  for (size_t s = 0; s < 3; s++) {
    for (size_t v = 0; v < 2; v++) {
      bool published = strcmp (statuses[s], "published") == 0;
      bool public = strcmp (visibilities[v], "public") == 0;
      const struct {
        const char *who;
        const char *token;
        bool sees;
      } rows[] = {
        { "owner", w.owner.token, true },
        { "colleague", w.colleague.token, true },
        { "administrator", it_admin, true },
        { "member sharing a network", w.shared.token, published },
        { "member sharing no network", w.unrelated.token, published && public },
        { "pending member", w.pending.token, published && public },
        { "anonymous", NULL, published && public },
      };
      char id[MT_ID_SIZE], path[96];
      create_simple (w.owner.token, "good", statuses[s], visibilities[v], id);
      listing_path (path, sizeof path, id);
      for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        mt_http_response_t resp;
        it_call (rows[r].token, "GET", path, NULL, NULL, &resp);
        if (resp.status != (rows[r].sees ? 200 : 404)) {
          fail_msg ("%s %s listing, %s: status %d", statuses[s], visibilities[v], rows[r].who,
                    resp.status);
        }
        if (rows[r].sees) {
          assert_string_equal (mt_http_json_string (&resp, "id"), id);
          assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
        } else {
          assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:not-found");
          assert_null (strstr (resp.body, "Annonce"));
        }
        mt_http_response_destroy (&resp);
      }
    }
  }
  expect_with (w.owner.token, "GET", "/v1/listings/lst_AAAAAAAAAAAAAAAAAAAAAA", NULL, NULL, 404,
               "not-found");
  expect_with (NULL, "GET", "/v1/listings/nimporte-quoi", NULL, NULL, 404, "not-found");
  world_destroy (&w);
}

static void
pickup_hidden_from_non_owners (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char id[MT_ID_SIZE], path[96];

  (void) state;
  make_world (&w);
  create_as (w.owner.token, GOOD_FULL, id, NULL); /* published, public */
  listing_path (path, sizeof path, id);
  it_call (w.colleague.token, "GET", path, NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", path);
  assert_string_equal (mt_http_json_string (&resp, "pickup.address"), "12 rue des Arts, Roubaix");
  mt_http_response_destroy (&resp);
  it_call (it_admin, "GET", path, NULL, NULL, &resp);
  assert_string_equal (mt_http_json_string (&resp, "pickup.instructions"), "Sonner au local");
  mt_http_response_destroy (&resp);
  {
    /* members sharing a network or not, a pending member, an anonymous visitor (NULL) */
    const char *others[] = { w.shared.token, w.unrelated.token, w.pending.token, NULL };
    for (int i = 0; i < 4; i++) {
      it_call (others[i], "GET", path, NULL, NULL, &resp);
      it_assert_status (&resp, 200, "GET", path);
      assert_string_equal (mt_http_json_string (&resp, "title"), "Vélo cargo biporteur");
      assert_null (strstr (resp.body, "pickup"));
      assert_null (strstr (resp.body, "12 rue des Arts"));
      assert_null (strstr (resp.body, "Sonner au local"));
      assert_listing_schema (&resp);
      mt_http_response_destroy (&resp);
    }
  }
  world_destroy (&w);
}

/* ---- Patch -------------------------------------------------------------------------------- */

static void
patch_needs_if_match (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char id[MT_ID_SIZE], path[96];

  (void) state;
  make_world (&w);
  create_simple (w.owner.token, "good", "draft", "networks", id);
  listing_path (path, sizeof path, id);
  expect_with (w.owner.token, "PATCH", path, NULL, "{\"title\":\"Sans If-Match\"}", 428,
               "precondition-required");
  expect_with (w.owner.token, "PATCH", path, "If-Match: W/\"4\"", "{\"title\":\"Vieux\"}", 412,
               "precondition-failed");
  call_with (w.owner.token, "PATCH", path, "If-Match: W/\"1\"", "{\"title\":\"Nouveau titre\"}",
             &resp);
  it_assert_status (&resp, 200, "PATCH", path);
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"2\"");
  assert_string_equal (mt_http_json_string (&resp, "title"), "Nouveau titre");
  assert_listing_schema (&resp);
  mt_http_response_destroy (&resp);
  /* the old ETag is stale now, and nothing changed */
  expect_with (w.owner.token, "PATCH", path, "If-Match: W/\"1\"", "{\"title\":\"Perdu\"}", 412,
               "precondition-failed");
  it_call (w.owner.token, "GET", path, NULL, NULL, &resp);
  assert_string_equal (mt_http_json_string (&resp, "title"), "Nouveau titre");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"2\"");
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

static void
patch_rights (void **state)
{
  world_t w;
  mt_http_response_t resp;
  char draft[MT_ID_SIZE], published[MT_ID_SIZE], dpath[96], ppath[96];
  const char *v1 = "If-Match: W/\"1\"";

  (void) state;
  make_world (&w);
  create_simple (w.owner.token, "good", "draft", "networks", draft);
  create_simple (w.owner.token, "good", "published", "networks", published);
  listing_path (dpath, sizeof dpath, draft);
  listing_path (ppath, sizeof ppath, published);
  /* another member: 404 when it cannot see the listing, 403 when it can */
  expect_with (w.shared.token, "PATCH", dpath, v1, "{\"title\":\"Pris\"}", 404, "not-found");
  expect_with (w.shared.token, "PATCH", ppath, v1, "{\"title\":\"Pris\"}", 403, "forbidden");
  expect_with (w.unrelated.token, "PATCH", ppath, v1, "{\"title\":\"Pris\"}", 404, "not-found");
  expect_with (w.pending.token, "PATCH", ppath, v1, "{\"title\":\"Pris\"}", 403, "forbidden");
  expect_with (NULL, "PATCH", ppath, v1, "{\"title\":\"Pris\"}", 401, "unauthenticated");
  /* staff colleagues of the owner may change its listings */
  call_with (w.colleague.token, "PATCH", ppath, v1, "{\"title\":\"Par la collègue\"}", &resp);
  it_assert_status (&resp, 200, "PATCH", ppath);
  assert_string_equal (mt_http_json_string (&resp, "title"), "Par la collègue");
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"2\"");
  mt_http_response_destroy (&resp);
  /* administrators too */
  call_with (it_admin, "PATCH", dpath, v1, "{\"status\":\"published\",\"visibility\":\"public\"}",
             &resp);
  it_assert_status (&resp, 200, "PATCH", dpath);
  assert_string_equal (mt_http_json_string (&resp, "status"), "published");
  assert_non_null (mt_http_json_string (&resp, "published_at"));
  mt_http_response_destroy (&resp);
  /* now published: anonymous visitors see it */
  expect_with (NULL, "GET", dpath, NULL, NULL, 200, NULL);
  world_destroy (&w);
}

static void
patch_refuses_bad_bodies (void **state)
{
  static const struct {
    const char *json;
    int status;
    const char *slug;
    const char *path;
  } cases[] = {
    { "{'quantity':3}", 400, "validation", "/quantity" }, /* on a service */
    { "{'blackouts':null}", 400, "validation", "/blackouts" },
    { "{'kind':'good'}", 400, "validation", "/kind" },
    { "{'id':'lst_AAAAAAAAAAAAAAAAAAAAAA'}", 400, "validation", "/id" },
    { "{'version':9}", 400, "validation", "/version" },
    { "{'owner_id':'mem_AAAAAAAAAAAAAAAAAAAAAA'}", 400, "validation", "/owner_id" },
    { "{'created_by':'acc_AAAAAAAAAAAAAAAAAAAAAA'}", 400, "validation", "/created_by" },
    { "{'photos':[]}", 400, "validation", "/photos" },
    { "{'published_at':'2026-06-12T09:00:00Z'}", 400, "validation", "/published_at" },
    { "{'title':null}", 400, "validation", "/title" },
    { "{'duration_minutes':'long'}", 400, "validation", "/duration_minutes" },
    { "{'category':'velos-cargo'}", 422, "unprocessable", "/category" },
    { "{'category':'inconnue'}", 422, "unprocessable", "/category" },
  };
  world_t w;
  mt_http_response_t resp;
  char id[MT_ID_SIZE], path[96], body[512], type[96];

  (void) state;
  make_world (&w);
  create_as (w.owner.token, SERVICE_FULL, id, NULL);
  listing_path (path, sizeof path, id);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    call_with (w.owner.token, "PATCH", path, "If-Match: W/\"1\"",
               q (cases[i].json, body, sizeof body), &resp);
    if (resp.status != cases[i].status) {
      fail_msg ("%s: status %d, expected %d: %s", cases[i].json, resp.status, cases[i].status,
                resp.body);
    }
    snprintf (type, sizeof type, "urn:mutua:problem:%s", cases[i].slug);
    assert_string_equal (mt_http_json_string (&resp, "type"), type);
    if (!mt_http_json_string (&resp, "errors.0.path") ||
        strcmp (mt_http_json_string (&resp, "errors.0.path"), cases[i].path) != 0) {
      fail_msg ("%s: %s, expected the path %s", cases[i].json, resp.body, cases[i].path);
    }
    mt_http_response_destroy (&resp);
  }
  /* nothing was written */
  it_call (w.owner.token, "GET", path, NULL, NULL, &resp);
  assert_string_equal (mt_http_header (&resp, "ETag"), "W/\"1\"");
  mt_http_response_destroy (&resp);
  /* a valid change of a service's own fields; null removes */
  call_with (w.owner.token, "PATCH", path, "If-Match: W/\"1\"",
             q ("{'format':null,'languages':['fr'],'category':'formation','description':null}",
                body, sizeof body),
             &resp);
  it_assert_status (&resp, 200, "PATCH", path);
  assert_null (strstr (resp.body, "\"format\""));
  assert_null (strstr (resp.body, "\"description\""));
  assert_string_equal (mt_http_json_string (&resp, "category"), "formation");
  assert_listing_schema (&resp);
  mt_http_response_destroy (&resp);
  world_destroy (&w);
}

/* ---- Delete ------------------------------------------------------------------------------- */

static void
delete_rights_and_removal (void **state)
{
  world_t w;
  char draft[MT_ID_SIZE], published[MT_ID_SIZE], mine[MT_ID_SIZE];
  char dpath[96], ppath[96], mpath[96];

  (void) state;
  make_world (&w);
  create_simple (w.owner.token, "good", "draft", "networks", draft);
  create_simple (w.owner.token, "service", "published", "networks", published);
  create_simple (w.owner.token, "good", "published", "public", mine);
  listing_path (dpath, sizeof dpath, draft);
  listing_path (ppath, sizeof ppath, published);
  listing_path (mpath, sizeof mpath, mine);
  expect_with (w.shared.token, "DELETE", dpath, NULL, NULL, 404, "not-found");
  expect_with (w.shared.token, "DELETE", ppath, NULL, NULL, 403, "forbidden");
  expect_with (w.unrelated.token, "DELETE", ppath, NULL, NULL, 404, "not-found");
  expect_with (NULL, "DELETE", ppath, NULL, NULL, 401, "unauthenticated");
  expect_with (w.owner.token, "DELETE", dpath, "If-Match: W/\"2\"", NULL, 412,
               "precondition-failed");
  /* no reservation: deleted (204), then gone for everyone */
  expect_with (w.colleague.token, "DELETE", dpath, "If-Match: W/\"1\"", NULL, 204, NULL);
  expect_with (w.owner.token, "GET", dpath, NULL, NULL, 404, "not-found");
  expect_with (it_admin, "GET", dpath, NULL, NULL, 404, "not-found");
  expect_with (w.owner.token, "DELETE", dpath, NULL, NULL, 404, "not-found");
  expect_with (it_admin, "DELETE", ppath, NULL, NULL, 204, NULL);
  expect_with (w.shared.token, "GET", ppath, NULL, NULL, 404, "not-found");
  /* the third listing is untouched */
  expect_with (NULL, "GET", mpath, NULL, NULL, 200, NULL);
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("categories/public_table", categories_are_public),
    MT_TEST ("listings/create/every_field", create_good_and_service_with_every_field),
    MT_TEST ("listings/create/defaults", create_applies_defaults),
    MT_TEST ("listings/create/refusals", create_refuses_bad_bodies),
    MT_TEST ("listings/get/visibility_matrix", get_visibility_matrix),
    MT_TEST ("listings/get/pickup_hidden", pickup_hidden_from_non_owners),
    MT_TEST ("listings/patch/if_match", patch_needs_if_match),
    MT_TEST ("listings/patch/rights", patch_rights),
    MT_TEST ("listings/patch/refusals", patch_refuses_bad_bodies),
    MT_TEST ("listings/delete/rights_and_removal", delete_rights_and_removal),
  };

  return cmocka_run_group_tests (tests, setup, teardown);
}
