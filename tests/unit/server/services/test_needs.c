/*
 * Unit tests of server/services/needs.c against a real SQLite store: the schemas of the
 * bodies and of the document, every creation rule at its boundary (fields, kind, title,
 * category and its kind, territory, visibility, wanted_from / wanted_to), who may post, who
 * sees a need (networks / public, open / closed, an author that is no longer active), the
 * answers (own need, own published listing, text, closed need, the same answer twice, the
 * maximum), who sees which answers, the "need answered" notification of the author's
 * accounts, closing (rights, twice, If-Match), the audit log, and the search (French full
 * text, every filter, visibility, pages). Every context carries FX_NOW_MS: nothing reads the
 * clock.
 */
#include "members_fixture.h"

#include "config.h"
#include "listings.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "mt_time.h"
#include "needs.h"

extern const mt_embed_file_t mutua_schema_files[];

static mt_schema_registry_t *registry;

#define DAY INT64_C (86400000)

static int
group_setup (void **state)
{
  mt_error_t error;

  (void) state;
  registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!registry || !mt_schema_registry_add_embedded (registry, mutua_schema_files, &error)) {
    fprintf (stderr, "schemas: %s\n", registry ? error.message : "no memory");
    return -1;
  }
  return 0;
}

static int
group_teardown (void **state)
{
  (void) state;
  mt_schema_registry_destroy (registry);
  return 0;
}

/* ---- Helpers ------------------------------------------------------------------------------ */

/* @text with ' turned into " parsed strictly into @out. */
static void
jdoc (const char *text, bson_t *out)
{
  char buf[8192];
  size_t len = strlen (text);
  mt_error_t error;

  assert_true (len < sizeof buf);
  for (size_t i = 0; i <= len; i++) {
    buf[i] = text[i] == '\'' ? '"' : text[i];
  }
  if (!mt_json_parse_object (buf, len, MT_JSON_STRICT, out, &error)) {
    fail_msg ("bad test JSON (%s): %s", error.message, buf);
  }
}

/* @doc, written as JSON and read back, is valid for @schema. */
static void
assert_valid_as_json (const char *schema, const bson_t *doc)
{
  char *json = mt_json_from_bson (doc, NULL);
  bson_t parsed;
  mt_error_t error;

  assert_non_null (json);
  if (!mt_json_parse_object (json, strlen (json), MT_JSON_STRICT, &parsed, &error)) {
    fail_msg ("reparse: %s", error.message);
  }
  if (!mt_schema_validate (mt_schema_registry_get (registry, schema), &parsed, &error)) {
    fail_msg ("%s: %s at %s in %s", schema, error.message, error.path, json);
  }
  bson_destroy (&parsed);
  free (json);
}

/* @text is valid for @schema when @valid, else invalid. */
static void
check_body (const char *schema, const char *text, bool valid)
{
  bson_t doc;
  mt_error_t error;
  const mt_schema_t *s = mt_schema_registry_get (registry, schema);

  assert_non_null (s);
  jdoc (text, &doc);
  if (mt_schema_validate (s, &doc, &error) != valid) {
    fail_msg ("%s %s %s", schema, valid ? "refuses" : "accepts", text);
  }
  bson_destroy (&doc);
}

static char net1[MT_ID_SIZE];
static char net2[MT_ID_SIZE];
static mt_config_t config;
static mt_service_env_t env;

typedef struct {
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE], a_staff[MT_ID_SIZE]; /* the author, net1 */
  char a_invited[MT_ID_SIZE];                                     /* invited: never told */
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE], b_staff[MT_ID_SIZE]; /* an answerer, net1 + net2 */
  char c[MT_ID_SIZE], c_manager[MT_ID_SIZE];                      /* net2 only: a stranger */
  char d[MT_ID_SIZE], d_manager[MT_ID_SIZE];                      /* a third member of net1 */
  char p[MT_ID_SIZE], p_manager[MT_ID_SIZE];                      /* pending, net1 */
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];                        /* platform administrator */
  fx_caller_t author, author_staff, answerer, answerer_staff, stranger, third, pending,
    administrator;
  mt_ctx_t anonymous;
} world_t;

static void
caller (fx_t *fx, const char *account, fx_caller_t *c)
{
  fx_caller (fx, account, c);
  c->ctx.env = &env;
}

static void
make_world (fx_t *fx, world_t *w)
{
  const char *const n1[] = { net1, NULL };
  const char *const n2[] = { net2, NULL };
  const char *const n12[] = { net1, net2, NULL };

  mt_config_defaults (&config);
  memset (&env, 0, sizeof env);
  env.config = &config;
  fx_network (fx, "apes", net1);
  fx_network (fx, "mres", net2);
  fx_member (fx, "active", NULL, n1, w->a, w->a_manager);
  fx_account (fx, w->a, "staff", "active", NULL, w->a_staff);
  fx_account (fx, w->a, "staff", "invited", NULL, w->a_invited);
  fx_member (fx, "active", NULL, n12, w->b, w->b_manager);
  fx_account (fx, w->b, "staff", "active", NULL, w->b_staff);
  fx_member (fx, "active", NULL, n2, w->c, w->c_manager);
  fx_member (fx, "active", NULL, n1, w->d, w->d_manager);
  fx_member (fx, "pending", NULL, n1, w->p, w->p_manager);
  fx_member (fx, "active", "platform", NULL, w->adm, w->admin);
  caller (fx, w->a_manager, &w->author);
  caller (fx, w->a_staff, &w->author_staff);
  caller (fx, w->b_manager, &w->answerer);
  caller (fx, w->b_staff, &w->answerer_staff);
  caller (fx, w->c_manager, &w->stranger);
  caller (fx, w->d_manager, &w->third);
  caller (fx, w->p_manager, &w->pending);
  caller (fx, w->admin, &w->administrator);
  w->anonymous = (mt_ctx_t){
    .env = &env, .store = fx->store, .now_ms = FX_NOW_MS, .principal = NULL, .client_addr = ""
  };
}

static void
world_destroy (world_t *w)
{
  fx_caller_destroy (&w->author);
  fx_caller_destroy (&w->author_staff);
  fx_caller_destroy (&w->answerer);
  fx_caller_destroy (&w->answerer_staff);
  fx_caller_destroy (&w->stranger);
  fx_caller_destroy (&w->third);
  fx_caller_destroy (&w->pending);
  fx_caller_destroy (&w->administrator);
}

/* mt_need_create as @ctx at @now with the body {'kind':'good','title':'Sono pour la fête'@extra}
 * (@extra ',' first, or NULL; a 'kind' or 'title' in it replaces the default); the id to @id
 * when it succeeds; error in fx_err. */
static bool
post_need_at (const mt_ctx_t *ctx, int64_t now, const char *extra, char id[MT_ID_SIZE])
{
  char text[4096];
  char local[MT_ID_SIZE];
  mt_ctx_t at = *ctx;
  bool own_kind = extra && strstr (extra, "'kind'");
  bool own_title = extra && strstr (extra, "'title'");
  bson_t body;
  bson_t out;
  bool ok;

  at.now_ms = now;
  snprintf (text, sizeof text, "{%s%s%s%s}", own_kind ? "" : "'kind':'good'",
            own_kind || own_title ? "" : ",", own_title ? "" : "'title':'Sono pour la fête'",
            extra ? extra + (own_kind && own_title ? 1 : 0) : "");
  jdoc (text, &body);
  mt_error_clear (&fx_err);
  ok = mt_need_create (&at, &body, &out, id ? id : local, &fx_err);
  if (ok) {
    assert_valid_as_json ("need.json", &out);
  } else {
    assert_true (bson_empty (&out));
  }
  bson_destroy (&out);
  bson_destroy (&body);
  return ok;
}

static bool
post_need (const mt_ctx_t *ctx, const char *extra, char id[MT_ID_SIZE])
{
  return post_need_at (ctx, ctx->now_ms, extra, id);
}

/* mt_needs_search as @ctx with @params must fail with @code naming @param. */
static void
search_fails (const mt_ctx_t *ctx, const mt_search_params_t *params, const char *param)
{
  bson_t items;
  char next[MT_STORE_CURSOR_MAX];

  FAILS (mt_needs_search (ctx, params, &items, next, &fx_err), MT_ERR_BAD_REQUEST);
  assert_string_equal (fx_err.path, param);
  bson_destroy (&items);
}

/* A listing of @c's member: a published good unless @extra (',' first) says otherwise. */
static void
listing (fx_caller_t *c, const char *extra, char id[MT_ID_SIZE])
{
  char text[2048];
  bson_t body;
  bson_t out;

  snprintf (text, sizeof text,
            "{'kind':'good','title':'Sono portable 200 W','category':'sonorisation-video',"
            "'quantity':1%s%s}",
            extra && strstr (extra, "'status'") ? "" : ",'status':'published'", extra ? extra : "");
  jdoc (text, &body);
  OK (mt_listing_create (&c->ctx, &body, &out, id, &fx_err));
  bson_destroy (&out);
  bson_destroy (&body);
}

/* mt_need_answer as @ctx with the body @text; error in fx_err. */
static bool
answer (const mt_ctx_t *ctx, const char *need, const char *text, char id[MT_ID_SIZE])
{
  char local[MT_ID_SIZE];
  bson_t body;
  bson_t out;
  bool ok;

  jdoc (text, &body);
  mt_error_clear (&fx_err);
  ok = mt_need_answer (ctx, need, &body, &out, id ? id : local, &fx_err);
  if (ok) {
    assert_string_equal (mt_bson_str (&out, "need_id"), need);
    assert_string_equal (mt_bson_str (&out, "id"), id ? id : local);
  } else {
    assert_true (bson_empty (&out));
  }
  bson_destroy (&out);
  bson_destroy (&body);
  return ok;
}

/* mt_need_close as @ctx with the body @text (NULL: none); error in fx_err. */
static bool
close_need (const mt_ctx_t *ctx, const char *need, const char *text, const char *if_match)
{
  bson_t body;
  bson_t out;
  bool ok;

  if (text) {
    jdoc (text, &body);
  }
  mt_error_clear (&fx_err);
  ok = mt_need_close (ctx, need, text ? &body : NULL, if_match, &out, &fx_err);
  if (ok) {
    assert_valid_as_json ("need.json", &out);
    assert_string_equal (mt_bson_str (&out, "status"), "closed");
  } else {
    assert_true (bson_empty (&out));
  }
  bson_destroy (&out);
  if (text) {
    bson_destroy (&body);
  }
  return ok;
}

/* mt_need_get as @ctx; true when found; the number of answers it shows to *@answers. */
static bool
sees (const mt_ctx_t *ctx, const char *need, uint32_t *answers)
{
  bson_t out;
  bson_iter_t it;
  bson_iter_t arr;
  bool ok;

  mt_error_clear (&fx_err);
  ok = mt_need_get (ctx, need, &out, &fx_err);
  if (ok) {
    assert_valid_as_json ("need.json", &out);
    assert_true (bson_iter_init_find (&it, &out, "answers") && bson_iter_recurse (&it, &arr));
    if (answers) {
      *answers = 0;
      while (bson_iter_next (&arr)) {
        (*answers)++;
      }
    }
  } else {
    assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
    assert_true (bson_empty (&out));
  }
  bson_destroy (&out);
  return ok;
}

static void
stored (fx_t *fx, const char *id, bson_t *out)
{
  mt_error_t error;

  if (!fx->store->ops->need_get (fx->store, id, out, &error)) {
    fail_msg ("need_get %s: %s", id, error.message);
  }
}

/* Number of answers stored for @need. */
static uint32_t
answers_stored (fx_t *fx, const char *need)
{
  mt_store_page_t page;
  mt_error_t error;
  uint32_t n;

  mt_store_page_init (&page);
  mt_store_page_destroy (&page);
  if (!fx->store->ops->need_answer_list (fx->store, need, NULL, 100, &page, &error)) {
    fail_msg ("need_answer_list: %s", error.message);
  }
  n = page.count;
  mt_store_page_destroy (&page);
  return n;
}

/* Notifications of @account about @entity of kind @kind. */
static int
notifications_of (fx_t *fx, const char *account, const char *entity, const char *kind)
{
  mt_store_page_t page;
  mt_error_t error;
  bson_iter_t it;
  int n = 0;

  mt_store_page_init (&page);
  mt_store_page_destroy (&page);
  if (!fx->store->ops->notification_list (fx->store, account, NULL, 100, &page, &error)) {
    fail_msg ("notification_list: %s", error.message);
  }
  if (bson_iter_init (&it, &page.items)) {
    while (bson_iter_next (&it)) {
      bson_t note;
      const uint8_t *data;
      uint32_t len;
      bson_iter_document (&it, &len, &data);
      assert_true (bson_init_static (&note, data, len));
      if (mt_bson_str_eq (&note, "entity_id", entity) && mt_bson_str_eq (&note, "kind", kind)) {
        assert_non_null (strstr (mt_bson_str (&note, "text_fr"), "Sono pour la fête"));
        assert_non_null (strstr (mt_bson_str (&note, "text_en"), "Sono pour la fête"));
        n++;
      }
    }
  }
  mt_store_page_destroy (&page);
  return n;
}

/* ---- Schemas ------------------------------------------------------------------------------ */

static void
schemas_of_bodies (void **state)
{
  char text[512];

  (void) state;
  check_body ("need_create.json", "{'kind':'good','title':'Sono'}", true);
  check_body ("need_create.json",
              "{'kind':'service','title':'Aide pour animer notre AG','description':'Le 12 juin',"
              "'category':'animation-facilitation','tags':['ag','animation'],"
              "'territory':{'departement':'62','commune':'Arras'},'visibility':'public',"
              "'wanted_from':'2026-06-12T09:00:00Z','wanted_to':'2026-06-12T18:00:00Z'}",
              true);
  check_body ("need_create.json", "{'title':'Sono'}", false);
  check_body ("need_create.json", "{'kind':'good'}", false);
  check_body ("need_create.json", "{'kind':'money','title':'Sono'}", false);
  check_body ("need_create.json", "{'kind':'good','title':'So'}", false);
  snprintf (text, sizeof text, "{'kind':'good','title':'%0120d'}", 0);
  check_body ("need_create.json", text, true);
  snprintf (text, sizeof text, "{'kind':'good','title':'%0121d'}", 0);
  check_body ("need_create.json", text, false);
  check_body ("need_create.json", "{'kind':'good','title':'Sono','visibility':'networks'}", true);
  check_body ("need_create.json", "{'kind':'good','title':'Sono','visibility':'private'}", false);
  check_body ("need_create.json", "{'kind':'good','title':'Sono','wanted_to':'demain'}", false);
  /* mass assignment: server-owned fields are refused */
  check_body ("need_create.json", "{'kind':'good','title':'Sono','status':'closed'}", false);
  check_body ("need_create.json",
              "{'kind':'good','title':'Sono','owner_id':'mem_aaaaaaaaaaaaaaaaaaaaaa'}", false);
  check_body ("need_create.json",
              "{'kind':'good','title':'Sono','id':'ned_aaaaaaaaaaaaaaaaaaaaaa'}", false);
  check_body ("need_create.json", "{'kind':'good','title':'Sono','answers':[]}", false);
  check_body ("need_create.json", "{'kind':'good','title':'Sono','answers_count':3}", false);
  check_body ("need_create.json", "{'kind':'good','title':'Sono','version':2}", false);
  /* answers */
  check_body ("need_answer.json", "{'text':'Nous avons une sono'}", true);
  check_body ("need_answer.json", "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa'}", true);
  check_body ("need_answer.json", "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa','text':'Oui'}", true);
  check_body ("need_answer.json", "{}", false);
  check_body ("need_answer.json", "{'text':''}", false);
  check_body ("need_answer.json", "{'text':'Oui','author_member_id':'mem_aaaaaaaaaaaaaaaaaaaaaa'}",
              false);
  /* close */
  check_body ("need_close.json", "{}", true);
  check_body ("need_close.json", "{'reason':'trouvé'}", true);
  check_body ("need_close.json", "{'reason':''}", false);
  check_body ("need_close.json", "{'status':'open'}", false);
}

/* ---- Creation ----------------------------------------------------------------------------- */

static void
create_document_and_defaults (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char id[MT_ID_SIZE];
  bson_t doc;
  bson_t out;
  bson_t body;

  make_world (fx, &w);
  OK (post_need (&w.author_staff.ctx, NULL, id));
  assert_true (mt_id_is_valid (id, MT_NEED_ID_PREFIX));
  stored (fx, id, &doc);
  assert_valid_as_json ("need.json", &doc);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 1);
  assert_string_equal (mt_bson_str (&doc, "owner_id"), w.a);
  assert_string_equal (mt_bson_str (&doc, "created_by"), w.a_staff);
  assert_string_equal (mt_bson_str (&doc, "status"), "open");
  assert_string_equal (mt_bson_str (&doc, "visibility"), "networks");
  assert_string_equal (mt_bson_str (&doc, "territory.departement"), "59");
  assert_string_equal (mt_bson_str (&doc, "territory.commune"), "Lille");
  assert_int_equal (mt_bson_int (&doc, "answers_count", -1), 0);
  assert_int_equal (mt_bson_date (&doc, "created_at", 0), FX_NOW_MS);
  assert_null (mt_bson_str (&doc, "category"));
  assert_null (mt_bson_str (&doc, "closed_by"));
  bson_destroy (&doc);

  /* The answer of the creation: the stored need and no answer. */
  jdoc ("{'kind':'service','title':'Aide pour animer notre AG','category':'animation-facilitation',"
        "'tags':['ag'],'territory':{'departement':'62','commune':'Arras'},'visibility':'public',"
        "'wanted_from':'2026-06-20T09:00:00Z','wanted_to':'2026-06-20T18:00:00Z'}",
        &body);
  OK (mt_need_create (&w.author.ctx, &body, &out, id, &fx_err));
  assert_valid_as_json ("need.json", &out);
  assert_string_equal (mt_bson_str (&out, "id"), id);
  assert_string_equal (mt_bson_str (&out, "kind"), "service");
  assert_string_equal (mt_bson_str (&out, "category"), "animation-facilitation");
  assert_string_equal (mt_bson_str (&out, "tags.0"), "ag");
  assert_string_equal (mt_bson_str (&out, "territory.departement"), "62");
  assert_string_equal (mt_bson_str (&out, "visibility"), "public");
  assert_int_equal (mt_bson_date (&out, "wanted_from", 0), INT64_C (1781946000000));
  assert_int_equal (mt_bson_date (&out, "wanted_to", 0), INT64_C (1781978400000));
  {
    bson_iter_t it;
    assert_true (bson_iter_init_find (&it, &out, "answers") && BSON_ITER_HOLDS_ARRAY (&it));
  }
  bson_destroy (&out);
  bson_destroy (&body);
  world_destroy (&w);
}

static void
create_rules_at_their_boundaries (void **state)
{
  fx_t *fx = *state;
  world_t w;
  bson_t member_without_territory = BSON_INITIALIZER;
  bson_t body;
  bson_t out;
  char id[MT_ID_SIZE];
  char text[256];
  char at[MT_TIME_RFC3339_MAX];

  make_world (fx, &w);
  /* Fields the schema does not have (the service checks again: mass assignment). */
  FAILS (post_need (&w.author.ctx, ",'status':'closed'", NULL), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/status");
  FAILS (post_need (&w.author.ctx, ",'owner_id':'mem_aaaaaaaaaaaaaaaaaaaaaa'", NULL),
         MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/owner_id");
  FAILS (post_need (&w.author.ctx, ",'answers_count':7", NULL), MT_ERR_VALIDATION);
  FAILS (post_need (&w.author.ctx, ",'answers':[]", NULL), MT_ERR_VALIDATION);
  FAILS (post_need (&w.author.ctx, ",'id':'ned_aaaaaaaaaaaaaaaaaaaaaa'", NULL), MT_ERR_VALIDATION);
  /* kind and title */
  FAILS (post_need (&w.author.ctx, ",'kind':'money'", NULL), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/kind");
  jdoc ("{'title':'Sono'}", &body);
  FAILS (mt_need_create (&w.author.ctx, &body, &out, id, &fx_err), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/kind");
  bson_destroy (&out);
  bson_destroy (&body);
  jdoc ("{'kind':'good'}", &body);
  FAILS (mt_need_create (&w.author.ctx, &body, &out, id, &fx_err), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/title");
  bson_destroy (&out);
  bson_destroy (&body);
  /* category: must exist and be of the need's kind */
  FAILS (post_need (&w.author.ctx, ",'category':'fusees'", NULL), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/category");
  FAILS (post_need (&w.author.ctx, ",'category':'animation-facilitation'", NULL),
         MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/category");
  assert_string_equal (fx_err.message_fr, "la catégorie « animation-facilitation » n'est pas une "
                                          "catégorie de biens");
  assert_string_equal (fx_err.message,
                       "category \"animation-facilitation\" is not a category of goods");
  FAILS (post_need (&w.author.ctx, ",'kind':'service','category':'sonorisation-video'", NULL),
         MT_ERR_UNPROCESSABLE);
  OK (post_need (&w.author.ctx, ",'category':'sonorisation-video'", NULL));
  OK (post_need (&w.author.ctx, ",'kind':'service','category':'formation'", NULL));
  /* wanted_from < wanted_to, wanted_to after now */
  FAILS (post_need (&w.author.ctx,
                    ",'wanted_from':'2026-06-20T09:00:00Z','wanted_to':'2026-06-20T09:00:00Z'",
                    NULL),
         MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/wanted_to");
  FAILS (post_need (&w.author.ctx,
                    ",'wanted_from':'2026-06-20T09:00:00Z','wanted_to':'2026-06-19T09:00:00Z'",
                    NULL),
         MT_ERR_UNPROCESSABLE);
  OK (post_need (&w.author.ctx,
                 ",'wanted_from':'2026-06-20T09:00:00Z','wanted_to':'2026-06-20T09:00:00.001Z'",
                 NULL));
  mt_time_format_rfc3339 (FX_NOW_MS, at);
  snprintf (text, sizeof text, ",'wanted_to':'%s'", at);
  FAILS (post_need (&w.author.ctx, text, NULL), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/wanted_to");
  OK (post_need (&w.author.ctx, ",'wanted_to':'2026-06-12T09:00:00.001Z'", NULL));
  OK (post_need (&w.author.ctx, ",'wanted_from':'2026-01-01T00:00:00Z'", NULL));
  FAILS (post_need (&w.author.ctx, ",'wanted_from':'le 12 juin'", NULL), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/wanted_from");
  /* territory: the body's, else the author's, else refused */
  jdoc ("{'kind':'good','title':'Sono'}", &body);
  BSON_APPEND_UTF8 (&member_without_territory, "id", w.a);
  FAILS (
    mt_need_build (&body, &member_without_territory, w.a_manager, FX_NOW_MS, &out, id, &fx_err),
    MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/territory");
  assert_true (bson_empty (&out));
  assert_string_equal (id, "");
  bson_destroy (&out);
  bson_destroy (&body);
  jdoc ("{'kind':'good','title':'Sono','territory':{'departement':'2A','commune':'Ajaccio'}}",
        &body);
  OK (mt_need_build (&body, &member_without_territory, w.a_manager, FX_NOW_MS, &out, id, &fx_err));
  assert_string_equal (mt_bson_str (&out, "territory.departement"), "2A");
  bson_destroy (&out);
  bson_destroy (&body);
  bson_destroy (&member_without_territory);
  /* Nothing refused was stored: the author sees exactly the needs accepted above. */
  {
    mt_search_params_t params = { .limit = "100" };
    bson_t items;
    char next[MT_STORE_CURSOR_MAX];
    OK (mt_needs_search (&w.author.ctx, &params, &items, next, &fx_err));
    assert_int_equal (fx_count (&items), 5);
    bson_destroy (&items);
  }
  world_destroy (&w);
}

static void
create_by_whom (void **state)
{
  fx_t *fx = *state;
  world_t w;

  make_world (fx, &w);
  FAILS (post_need (&w.anonymous, NULL, NULL), MT_ERR_UNAUTHENTICATED);
  FAILS (post_need (&w.pending.ctx, NULL, NULL), MT_ERR_FORBIDDEN);
  OK (post_need (&w.administrator.ctx, NULL, NULL));
  OK (post_need (&w.third.ctx, NULL, NULL));
  {
    mt_search_params_t params = { .limit = "100" };
    bson_t items;
    char next[MT_STORE_CURSOR_MAX];
    OK (mt_needs_search (&w.administrator.ctx, &params, &items, next, &fx_err));
    assert_int_equal (fx_count (&items), 2);
    bson_destroy (&items);
  }
  world_destroy (&w);
}

/* ---- Visibility --------------------------------------------------------------------------- */

static void
who_sees_a_need (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char networks[MT_ID_SIZE];
  char public[MT_ID_SIZE];
  bson_t member;
  bson_t changes = BSON_INITIALIZER;
  bson_t suspended;
  mt_error_t error;

  make_world (fx, &w);
  OK (post_need (&w.author.ctx, NULL, networks));
  OK (post_need (&w.author.ctx, ",'visibility':'public'", public));
  /* networks: the author's accounts, members sharing a network, administrators */
  assert_true (sees (&w.author.ctx, networks, NULL));
  assert_true (sees (&w.author_staff.ctx, networks, NULL));
  assert_true (sees (&w.answerer.ctx, networks, NULL));
  assert_true (sees (&w.third.ctx, networks, NULL));
  assert_true (sees (&w.administrator.ctx, networks, NULL));
  assert_false (sees (&w.stranger.ctx, networks, NULL));
  assert_false (sees (&w.anonymous, networks, NULL));
  assert_false (sees (&w.pending.ctx, networks, NULL));
  /* public: everyone */
  assert_true (sees (&w.stranger.ctx, public, NULL));
  assert_true (sees (&w.anonymous, public, NULL));
  assert_true (sees (&w.pending.ctx, public, NULL));
  /* unknown and malformed ids */
  assert_false (sees (&w.administrator.ctx, "ned_aaaaaaaaaaaaaaaaaaaaaa", NULL));
  assert_false (sees (&w.administrator.ctx, "lst_aaaaaaaaaaaaaaaaaaaaaa", NULL));
  assert_false (sees (&w.administrator.ctx, "../etc", NULL));
  assert_false (sees (&w.administrator.ctx, NULL, NULL));
  /* closed: accounts of active members only */
  OK (close_need (&w.author.ctx, public, "{}", NULL));
  assert_true (sees (&w.stranger.ctx, public, NULL));
  assert_false (sees (&w.anonymous, public, NULL));
  assert_false (sees (&w.pending.ctx, public, NULL));
  OK (close_need (&w.author.ctx, networks, "{}", NULL));
  assert_true (sees (&w.third.ctx, networks, NULL));
  assert_false (sees (&w.stranger.ctx, networks, NULL));
  /* an author that is no longer active hides its needs from all but itself and admins */
  fx_get (fx, false, w.a, &member);
  BSON_APPEND_UTF8 (&changes, "status", "suspended");
  mt_bson_merge (&member, &changes, &suspended);
  if (!fx->store->ops->member_update (fx->store, w.a, mt_bson_int (&member, "version", 0),
                                      &suspended, &error)) {
    fail_msg ("member_update: %s", error.message);
  }
  assert_false (sees (&w.stranger.ctx, public, NULL));
  assert_false (sees (&w.third.ctx, networks, NULL));
  assert_true (sees (&w.administrator.ctx, networks, NULL));
  bson_destroy (&member);
  bson_destroy (&changes);
  bson_destroy (&suspended);
  world_destroy (&w);
}

/* ---- Answers ------------------------------------------------------------------------------ */

static void
answer_rules (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char need[MT_ID_SIZE];
  char own[MT_ID_SIZE];
  char draft[MT_ID_SIZE];
  char others[MT_ID_SIZE];
  char public_others[MT_ID_SIZE];
  char id[MT_ID_SIZE];
  bson_t doc;

  make_world (fx, &w);
  OK (post_need (&w.author.ctx, NULL, need));
  listing (&w.answerer, NULL, own);
  listing (&w.answerer, ",'status':'draft'", draft);
  listing (&w.third, NULL, others);
  listing (&w.third, ",'visibility':'public'", public_others);
  /* callers */
  FAILS (answer (&w.anonymous, need, "{'text':'Nous avons une sono'}", NULL),
         MT_ERR_UNAUTHENTICATED);
  FAILS (answer (&w.pending.ctx, need, "{'text':'Nous avons une sono'}", NULL), MT_ERR_FORBIDDEN);
  FAILS (answer (&w.stranger.ctx, need, "{'text':'Nous avons une sono'}", NULL), MT_ERR_NOT_FOUND);
  FAILS (answer (&w.answerer.ctx, "ned_aaaaaaaaaaaaaaaaaaaaaa", "{'text':'Oui'}", NULL),
         MT_ERR_NOT_FOUND);
  /* the author does not answer its own need */
  FAILS (answer (&w.author.ctx, need, "{'text':'Nous avons une sono'}", NULL),
         MT_ERR_UNPROCESSABLE);
  FAILS (answer (&w.author_staff.ctx, need, "{'text':'Nous avons une sono'}", NULL),
         MT_ERR_UNPROCESSABLE);
  /* body */
  FAILS (answer (&w.answerer.ctx, need, "{}", NULL), MT_ERR_VALIDATION);
  FAILS (answer (&w.answerer.ctx, need, "{'text':'  \\n\\t '}", NULL), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/text");
  /* the listing: one's own member's, published; any other is "not one of yours" (422), even
   * one that does not exist or that the caller does not see */
  FAILS (answer (&w.answerer.ctx, need, "{'listing_id':'lst_aaaaaaaaaaaaaaaaaaaaaa'}", NULL),
         MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/listing_id");
  {
    char text[128];
    snprintf (text, sizeof text, "{'listing_id':'%s'}", others);
    FAILS (answer (&w.answerer.ctx, need, text, NULL), MT_ERR_UNPROCESSABLE);
    assert_string_equal (fx_err.path, "/listing_id");
    snprintf (text, sizeof text, "{'listing_id':'%s'}", public_others);
    FAILS (answer (&w.stranger.ctx, need, text, NULL), MT_ERR_NOT_FOUND); /* need unseen */
    FAILS (answer (&w.answerer.ctx, need, text, NULL), MT_ERR_UNPROCESSABLE);
    assert_string_equal (fx_err.path, "/listing_id");
    snprintf (text, sizeof text, "{'listing_id':'%s','text':'Notre brouillon'}", draft);
    FAILS (answer (&w.answerer.ctx, need, text, NULL), MT_ERR_UNPROCESSABLE);
    assert_string_equal (fx_err.path, "/listing_id");
  }
  assert_int_equal (answers_stored (fx, need), 0);
  stored (fx, need, &doc);
  assert_int_equal (mt_bson_int (&doc, "answers_count", -1), 0);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 1);
  bson_destroy (&doc);
  /* accepted: a listing, a text, both; each counts */
  {
    char text[160];
    snprintf (text, sizeof text, "{'listing_id':'%s'}", own);
    OK (answer (&w.answerer.ctx, need, text, id));
    assert_true (mt_id_is_valid (id, MT_NEED_ANSWER_ID_PREFIX));
    snprintf (text, sizeof text, "{'listing_id':'%s','text':'Avec les câbles'}", own);
    OK (answer (&w.answerer_staff.ctx, need, text, NULL));
  }
  OK (answer (&w.third.ctx, need, "{'text':'Nous pouvons prêter des enceintes'}", NULL));
  OK (answer (&w.administrator.ctx, need, "{'text':'Voyez aussi le réseau voisin'}", NULL));
  assert_int_equal (answers_stored (fx, need), 4);
  stored (fx, need, &doc);
  assert_int_equal (mt_bson_int (&doc, "answers_count", -1), 4);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 5);
  bson_destroy (&doc);
  /* a public need: a member of another network answers too */
  OK (post_need (&w.author.ctx, ",'visibility':'public'", need));
  OK (answer (&w.stranger.ctx, need, "{'text':'Nous avons une sono'}", NULL));
  world_destroy (&w);
}

static void
answer_stored_fields_and_duplicates (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char need[MT_ID_SIZE];
  char own[MT_ID_SIZE];
  char id[MT_ID_SIZE];
  char text[160];
  bson_t out;

  make_world (fx, &w);
  OK (post_need (&w.author.ctx, NULL, need));
  listing (&w.answerer, NULL, own);
  snprintf (text, sizeof text, "{'listing_id':'%s','text':'Disponible le 12 juin'}", own);
  OK (answer (&w.answerer_staff.ctx, need, text, id));
  OK (mt_need_get (&w.author.ctx, need, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "answers.0.id"), id);
  assert_string_equal (mt_bson_str (&out, "answers.0.need_id"), need);
  assert_string_equal (mt_bson_str (&out, "answers.0.author_member_id"), w.b);
  assert_string_equal (mt_bson_str (&out, "answers.0.author_account_id"), w.b_staff);
  assert_string_equal (mt_bson_str (&out, "answers.0.listing_id"), own);
  assert_string_equal (mt_bson_str (&out, "answers.0.text"), "Disponible le 12 juin");
  assert_int_equal (mt_bson_date (&out, "answers.0.created_at", 0), FX_NOW_MS);
  bson_destroy (&out);
  /* The same answer again, from any account of the same member: 409 duplicate, nothing
   * stored, nothing counted. */
  FAILS (answer (&w.answerer_staff.ctx, need, text, NULL), MT_ERR_DUPLICATE);
  FAILS (answer (&w.answerer.ctx, need, text, NULL), MT_ERR_DUPLICATE);
  OK (answer (&w.answerer.ctx, need, "{'text':'Disponible le 12 juin'}", NULL));
  FAILS (answer (&w.answerer.ctx, need, "{'text':'Disponible le 12 juin'}", NULL),
         MT_ERR_DUPLICATE);
  snprintf (text, sizeof text, "{'listing_id':'%s'}", own);
  OK (answer (&w.answerer.ctx, need, text, NULL));
  FAILS (answer (&w.answerer.ctx, need, text, NULL), MT_ERR_DUPLICATE);
  /* another text, or another member with the same text: new answers */
  OK (answer (&w.answerer.ctx, need, "{'text':'Disponible le 13 juin aussi'}", NULL));
  OK (answer (&w.third.ctx, need, "{'text':'Disponible le 12 juin'}", NULL));
  assert_int_equal (answers_stored (fx, need), 5);
  {
    bson_t doc;
    stored (fx, need, &doc);
    assert_int_equal (mt_bson_int (&doc, "answers_count", -1), 5);
    bson_destroy (&doc);
  }
  world_destroy (&w);
}

static void
answer_a_closed_need_and_the_maximum (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char need[MT_ID_SIZE];
  char text[96];

  make_world (fx, &w);
  OK (post_need (&w.author.ctx, NULL, need));
  OK (answer (&w.answerer.ctx, need, "{'text':'Nous avons une sono'}", NULL));
  OK (close_need (&w.author.ctx, need, "{'reason':'Trouvé'}", NULL));
  FAILS (answer (&w.third.ctx, need, "{'text':'Nous aussi'}", NULL), MT_ERR_CONFLICT);
  assert_int_equal (answers_stored (fx, need), 1);
  /* at most MT_NEED_ANSWERS_MAX answers; the one more is refused and not stored */
  OK (post_need (&w.author.ctx, NULL, need));
  for (int i = 0; i < MT_NEED_ANSWERS_MAX; i++) {
    snprintf (text, sizeof text, "{'text':'Proposition numéro %d'}", i);
    OK (answer (i % 2 ? &w.answerer.ctx : &w.third.ctx, need, text, NULL));
  }
  FAILS (answer (&w.answerer.ctx, need, "{'text':'Une de trop'}", NULL), MT_ERR_UNPROCESSABLE);
  assert_int_equal (answers_stored (fx, need), MT_NEED_ANSWERS_MAX);
  {
    uint32_t n = 0;
    assert_true (sees (&w.author.ctx, need, &n));
    assert_int_equal (n, MT_NEED_ANSWERS_MAX);
    assert_true (sees (&w.answerer.ctx, need, &n));
    assert_int_equal (n, MT_NEED_ANSWERS_MAX / 2);
  }
  world_destroy (&w);
}

static void
who_sees_which_answers (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char need[MT_ID_SIZE];
  uint32_t n = 99;
  bson_t out;

  make_world (fx, &w);
  OK (post_need (&w.author.ctx, ",'visibility':'public'", need));
  {
    /* at three instants: answers are listed by creation time, oldest first */
    mt_ctx_t first = w.answerer.ctx, second = w.third.ctx, third = w.answerer_staff.ctx;
    first.now_ms = FX_NOW_MS + 3000;
    second.now_ms = FX_NOW_MS + 4000;
    third.now_ms = FX_NOW_MS + 5000;
    OK (answer (&first, need, "{'text':'Nous avons une sono'}", NULL));
    OK (answer (&second, need, "{'text':'Nous avons des enceintes'}", NULL));
    OK (answer (&third, need, "{'text':'Et un micro'}", NULL));
  }
  assert_true (sees (&w.author.ctx, need, &n));
  assert_int_equal (n, 3);
  assert_true (sees (&w.author_staff.ctx, need, &n));
  assert_int_equal (n, 3);
  assert_true (sees (&w.administrator.ctx, need, &n));
  assert_int_equal (n, 3);
  assert_true (sees (&w.answerer.ctx, need, &n));
  assert_int_equal (n, 2);
  assert_true (sees (&w.answerer_staff.ctx, need, &n));
  assert_int_equal (n, 2);
  assert_true (sees (&w.third.ctx, need, &n));
  assert_int_equal (n, 1);
  OK (mt_need_get (&w.third.ctx, need, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "answers.0.author_member_id"), w.d);
  assert_string_equal (mt_bson_str (&out, "answers.0.text"), "Nous avons des enceintes");
  bson_destroy (&out);
  assert_true (sees (&w.stranger.ctx, need, &n));
  assert_int_equal (n, 0);
  assert_true (sees (&w.anonymous, need, &n));
  assert_int_equal (n, 0);
  assert_true (sees (&w.pending.ctx, need, &n));
  assert_int_equal (n, 0);
  /* oldest first for the author: in the order given */
  OK (mt_need_get (&w.author.ctx, need, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "answers.0.text"), "Nous avons une sono");
  assert_string_equal (mt_bson_str (&out, "answers.2.text"), "Et un micro");
  bson_destroy (&out);
  /* closing keeps the answers, for those who saw them */
  OK (close_need (&w.administrator.ctx, need, "{}", NULL));
  assert_true (sees (&w.author.ctx, need, &n));
  assert_int_equal (n, 3);
  assert_true (sees (&w.answerer.ctx, need, &n));
  assert_int_equal (n, 2);
  world_destroy (&w);
}

static void
the_author_is_told (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char need[MT_ID_SIZE];
  char other[MT_ID_SIZE];

  make_world (fx, &w);
  OK (post_need (&w.author.ctx, NULL, need));
  OK (post_need (&w.author.ctx, ",'title':'Tente de réception'", other));
  OK (answer (&w.answerer.ctx, need, "{'text':'Nous avons une sono'}", NULL));
  OK (answer (&w.third.ctx, need, "{'text':'Nous avons des enceintes'}", NULL));
  /* one notification per answer for every active account of the author */
  assert_int_equal (notifications_of (fx, w.a_manager, need, "need_answered"), 2);
  assert_int_equal (notifications_of (fx, w.a_staff, need, "need_answered"), 2);
  assert_int_equal (notifications_of (fx, w.a_invited, need, "need_answered"), 0);
  /* nobody else */
  assert_int_equal (notifications_of (fx, w.b_manager, need, "need_answered"), 0);
  assert_int_equal (notifications_of (fx, w.d_manager, need, "need_answered"), 0);
  assert_int_equal (notifications_of (fx, w.admin, need, "need_answered"), 0);
  assert_int_equal (notifications_of (fx, w.a_manager, other, "need_answered"), 0);
  /* a refused answer tells nobody */
  FAILS (answer (&w.answerer.ctx, need, "{'text':'Nous avons une sono'}", NULL), MT_ERR_DUPLICATE);
  OK (close_need (&w.author.ctx, need, "{}", NULL));
  FAILS (answer (&w.answerer.ctx, need, "{'text':'Trop tard ?'}", NULL), MT_ERR_CONFLICT);
  assert_int_equal (notifications_of (fx, w.a_manager, need, "need_answered"), 2);
  world_destroy (&w);
}

/* ---- Closing ------------------------------------------------------------------------------ */

static void
close_rights_twice_and_if_match (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char need[MT_ID_SIZE];
  char other[MT_ID_SIZE];
  bson_t doc;

  make_world (fx, &w);
  OK (post_need (&w.author.ctx, NULL, need));
  OK (answer (&w.answerer.ctx, need, "{'text':'Nous avons une sono'}", NULL));
  /* who may not: unknown 401, unseen 404, seen but not the author 403 */
  FAILS (close_need (&w.anonymous, need, "{}", NULL), MT_ERR_UNAUTHENTICATED);
  FAILS (close_need (&w.stranger.ctx, need, "{}", NULL), MT_ERR_NOT_FOUND);
  FAILS (close_need (&w.pending.ctx, need, "{}", NULL), MT_ERR_NOT_FOUND);
  FAILS (close_need (&w.answerer.ctx, need, "{}", NULL), MT_ERR_FORBIDDEN);
  FAILS (close_need (&w.third.ctx, need, "{}", NULL), MT_ERR_FORBIDDEN);
  FAILS (close_need (&w.author.ctx, "ned_aaaaaaaaaaaaaaaaaaaaaa", "{}", NULL), MT_ERR_NOT_FOUND);
  /* If-Match: a stale one is 412 and changes nothing (two versions: posted, answered) */
  FAILS (close_need (&w.author.ctx, need, "{}", "W/\"1\""), MT_ERR_PRECONDITION_FAILED);
  stored (fx, need, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "open");
  assert_int_equal (mt_bson_int (&doc, "version", 0), 2);
  bson_destroy (&doc);
  /* the author's staff closes, with the current version */
  OK (close_need (&w.author_staff.ctx, need, "{'reason':'Une sono trouvée'}", "W/\"2\""));
  stored (fx, need, &doc);
  assert_string_equal (mt_bson_str (&doc, "status"), "closed");
  assert_int_equal (mt_bson_int (&doc, "version", 0), 3);
  assert_string_equal (mt_bson_str (&doc, "closed_by"), w.a_staff);
  assert_string_equal (mt_bson_str (&doc, "closed_reason"), "Une sono trouvée");
  assert_int_equal (mt_bson_date (&doc, "closed_at", 0), FX_NOW_MS);
  assert_int_equal (mt_bson_int (&doc, "answers_count", 0), 1);
  bson_destroy (&doc);
  /* twice: 409, nothing changes */
  FAILS (close_need (&w.author.ctx, need, "{'reason':'Encore'}", NULL), MT_ERR_CONFLICT);
  FAILS (close_need (&w.administrator.ctx, need, NULL, NULL), MT_ERR_CONFLICT);
  stored (fx, need, &doc);
  assert_int_equal (mt_bson_int (&doc, "version", 0), 3);
  assert_string_equal (mt_bson_str (&doc, "closed_reason"), "Une sono trouvée");
  bson_destroy (&doc);
  /* an administrator closes any need, without a body or a reason */
  OK (post_need (&w.third.ctx, NULL, other));
  OK (close_need (&w.administrator.ctx, other, NULL, NULL));
  stored (fx, other, &doc);
  assert_string_equal (mt_bson_str (&doc, "closed_by"), w.admin);
  assert_null (mt_bson_str (&doc, "closed_reason"));
  bson_destroy (&doc);
  world_destroy (&w);
}

static void
creation_and_closing_are_audited (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char need[MT_ID_SIZE];
  mt_store_page_t page;
  mt_error_t error;

  make_world (fx, &w);
  OK (post_need (&w.author.ctx, NULL, need));
  OK (answer (&w.answerer.ctx, need, "{'text':'Nous avons une sono'}", NULL));
  FAILS (close_need (&w.third.ctx, need, "{}", NULL), MT_ERR_FORBIDDEN);
  {
    mt_ctx_t later = w.author_staff.ctx;
    later.now_ms = FX_NOW_MS + 1000;
    OK (close_need (&later, need, "{'reason':'Trouvé'}", NULL));
  }
  FAILS (close_need (&w.author.ctx, need, "{}", NULL), MT_ERR_CONFLICT);
  mt_store_page_init (&page);
  mt_store_page_destroy (&page);
  if (!fx->store->ops->audit_list (fx->store, need, NULL, 100, &page, &error)) {
    fail_msg ("audit_list: %s", error.message);
  }
  /* newest first: the closing, then the creation; answers are not state changes */
  assert_int_equal (page.count, 2);
  {
    char id[MT_ID_SIZE + 16];
    snprintf (id, sizeof id, "%s:closed", need);
    assert_string_equal (mt_bson_str (&page.items, "0.id"), id);
    snprintf (id, sizeof id, "%s:open", need);
    assert_string_equal (mt_bson_str (&page.items, "1.id"), id);
  }
  assert_string_equal (mt_bson_str (&page.items, "0.entity"), "need");
  assert_string_equal (mt_bson_str (&page.items, "0.entity_id"), need);
  assert_string_equal (mt_bson_str (&page.items, "0.actor"), w.a_staff);
  assert_string_equal (mt_bson_str (&page.items, "0.from"), "open");
  assert_string_equal (mt_bson_str (&page.items, "0.to"), "closed");
  assert_string_equal (mt_bson_str (&page.items, "0.reason"), "Trouvé");
  assert_string_equal (mt_bson_str (&page.items, "1.actor"), w.a_manager);
  assert_null (mt_bson_str (&page.items, "1.from"));
  assert_string_equal (mt_bson_str (&page.items, "1.to"), "open");
  mt_store_page_destroy (&page);
  world_destroy (&w);
}

/* ---- Search ------------------------------------------------------------------------------- */

/* The ids of a search as @ctx with @params, in order, joined by ' ' into @out; the next
 * cursor to @next (may be NULL). Returns the count. */
static uint32_t
search_ids (const mt_ctx_t *ctx, const mt_search_params_t *params, char *out, size_t size,
            char next[MT_STORE_CURSOR_MAX])
{
  bson_t items;
  bson_iter_t it;
  char local[MT_STORE_CURSOR_MAX];
  size_t used = 0;
  uint32_t n = 0;

  OK (mt_needs_search (ctx, params, &items, next ? next : local, &fx_err));
  out[0] = '\0';
  if (bson_iter_init (&it, &items)) {
    while (bson_iter_next (&it)) {
      bson_t doc;
      const uint8_t *data;
      uint32_t len;
      bson_iter_document (&it, &len, &data);
      assert_true (bson_init_static (&doc, data, len));
      assert_valid_as_json ("need.json", &doc);
      assert_null (mt_bson_str (&doc, "answers.0.id"));
      used +=
        (size_t) snprintf (out + used, size - used, "%s%s", n ? " " : "", mt_bson_str (&doc, "id"));
      assert_true (used < size);
      n++;
    }
  }
  bson_destroy (&items);
  return n;
}

static void
search_filters_and_visibility (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char sono[MT_ID_SIZE], ag[MT_ID_SIZE], tente[MT_ID_SIZE], reunion[MT_ID_SIZE];
  char velo[MT_ID_SIZE], closed[MT_ID_SIZE];
  char ids[1024];
  char expected[256];
  mt_search_params_t p;

  make_world (fx, &w);
  OK (post_need_at (&w.author.ctx, FX_NOW_MS - 10000,
                    ",'description':'Pour la fête de quartier du 12 juin','category':"
                    "'sonorisation-video','tags':['musique']",
                    sono));
  OK (post_need_at (&w.author.ctx, FX_NOW_MS - 9000,
                    ",'kind':'service','title':'Aide pour animer notre assemblée générale',"
                    "'category':'animation-facilitation','visibility':'public'",
                    ag));
  OK (post_need_at (&w.answerer.ctx, FX_NOW_MS - 8000,
                    ",'title':'Tente de réception','category':'tentes-barnums',"
                    "'territory':{'departement':'62','commune':'Arras'}",
                    tente));
  OK (post_need_at (&w.stranger.ctx, FX_NOW_MS - 7000,
                    ",'kind':'service','title':'Salle de réunion pour un atelier',"
                    "'visibility':'public','territory':{'departement':'80','commune':'Amiens'}",
                    reunion));
  OK (post_need_at (&w.stranger.ctx, FX_NOW_MS - 6000, ",'title':'Vélo cargo pour un déménagement'",
                    velo));
  OK (post_need_at (&w.third.ctx, FX_NOW_MS - 5000, ",'title':'Sono de secours'", closed));
  OK (close_need (&w.third.ctx, closed, "{}", NULL));

  /* full text in French: words of the title, the description, the tags; accents and case
   * do not matter; every word must match (prefixes too) */
  p = (mt_search_params_t){ .q = "fête" };
  assert_int_equal (search_ids (&w.third.ctx, &p, ids, sizeof ids, NULL), 1);
  assert_string_equal (ids, sono);
  p = (mt_search_params_t){ .q = "MUSIQUE" };
  assert_int_equal (search_ids (&w.third.ctx, &p, ids, sizeof ids, NULL), 1);
  p = (mt_search_params_t){ .q = "reunion" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 1);
  assert_string_equal (ids, reunion);
  p = (mt_search_params_t){ .q = "assembl gén" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 1);
  assert_string_equal (ids, ag);
  p = (mt_search_params_t){ .q = "sono atelier" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 0);
  /* "Sono de secours" is closed: not listed by default */
  p = (mt_search_params_t){ .q = "sono" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 1);
  assert_string_equal (ids, sono);

  /* kind, category, departement, owner, network */
  p = (mt_search_params_t){ .kind = "service" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 2);
  snprintf (expected, sizeof expected, "%s %s", reunion, ag);
  assert_string_equal (ids, expected);
  p = (mt_search_params_t){ .category = "tentes-barnums" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 1);
  assert_string_equal (ids, tente);
  p = (mt_search_params_t){ .departement = "62" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 1);
  assert_string_equal (ids, tente);
  p = (mt_search_params_t){ .owner = w.a };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 2);
  snprintf (expected, sizeof expected, "%s %s", ag, sono);
  assert_string_equal (ids, expected);
  p = (mt_search_params_t){ .network = net2 };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 3);
  snprintf (expected, sizeof expected, "%s %s %s", velo, reunion, tente);
  assert_string_equal (ids, expected);

  /* status: open by default, closed on demand (accounts of active members) */
  p = (mt_search_params_t){ .status = "closed" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 1);
  assert_string_equal (ids, closed);
  assert_int_equal (search_ids (&w.anonymous, &p, ids, sizeof ids, NULL), 0);
  p = (mt_search_params_t){ .status = "published" };
  search_fails (&w.answerer.ctx, &p, "status");

  /* visibility: the answerer (net1 + net2) sees all open needs; the stranger (net2) its own
   * and the public one of net1; the third (net1) not the stranger's networks-only need;
   * anonymous visitors the public ones */
  p = (mt_search_params_t){ 0 };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 5);
  snprintf (expected, sizeof expected, "%s %s %s %s %s", velo, reunion, tente, ag, sono);
  assert_string_equal (ids, expected);
  assert_int_equal (search_ids (&w.stranger.ctx, &p, ids, sizeof ids, NULL), 4);
  snprintf (expected, sizeof expected, "%s %s %s %s", velo, reunion, tente, ag);
  assert_string_equal (ids, expected);
  assert_int_equal (search_ids (&w.third.ctx, &p, ids, sizeof ids, NULL), 4);
  snprintf (expected, sizeof expected, "%s %s %s %s", reunion, tente, ag, sono);
  assert_string_equal (ids, expected);
  assert_int_equal (search_ids (&w.anonymous, &p, ids, sizeof ids, NULL), 2);
  snprintf (expected, sizeof expected, "%s %s", reunion, ag);
  assert_string_equal (ids, expected);
  assert_int_equal (search_ids (&w.pending.ctx, &p, ids, sizeof ids, NULL), 2);
  assert_int_equal (search_ids (&w.administrator.ctx, &p, ids, sizeof ids, NULL), 5);

  /* sort: relevance needs words; recent is newest first; an unknown one is 400 */
  p = (mt_search_params_t){ .q = "sono", .sort = "relevance" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 1);
  p = (mt_search_params_t){ .sort = "recent" };
  assert_int_equal (search_ids (&w.answerer.ctx, &p, ids, sizeof ids, NULL), 5);
  snprintf (expected, sizeof expected, "%s %s %s %s %s", velo, reunion, tente, ag, sono);
  assert_string_equal (ids, expected);
  p = (mt_search_params_t){ .sort = "oldest" };
  search_fails (&w.answerer.ctx, &p, "sort");
  world_destroy (&w);
}

static void
search_pages (void **state)
{
  fx_t *fx = *state;
  world_t w;
  char all[1024], page1[256], page2[256], page3[256], joined[1024];
  char next[MT_STORE_CURSOR_MAX];
  char cursor[MT_STORE_CURSOR_MAX];
  mt_search_params_t p;
  char title[64];

  make_world (fx, &w);
  for (int i = 0; i < 5; i++) {
    snprintf (title, sizeof title, ",'title':'Besoin numéro %d'", i);
    OK (post_need_at (&w.author.ctx, FX_NOW_MS + i * 1000, title, NULL));
  }
  p = (mt_search_params_t){ .limit = "100" };
  assert_int_equal (search_ids (&w.third.ctx, &p, all, sizeof all, next), 5);
  assert_string_equal (next, "");
  p = (mt_search_params_t){ .limit = "2" };
  assert_int_equal (search_ids (&w.third.ctx, &p, page1, sizeof page1, next), 2);
  assert_string_not_equal (next, "");
  snprintf (cursor, sizeof cursor, "%s", next);
  p = (mt_search_params_t){ .limit = "2", .cursor = cursor };
  assert_int_equal (search_ids (&w.third.ctx, &p, page2, sizeof page2, next), 2);
  snprintf (cursor, sizeof cursor, "%s", next);
  assert_int_equal (search_ids (&w.third.ctx, &p, page3, sizeof page3, next), 1);
  assert_string_equal (next, "");
  snprintf (joined, sizeof joined, "%s %s %s", page1, page2, page3);
  assert_string_equal (joined, all);
  /* bad limits and cursors are 400 naming the parameter */
  p = (mt_search_params_t){ .limit = "0" };
  search_fails (&w.third.ctx, &p, "limit");
  p = (mt_search_params_t){ .cursor = "pas-un-curseur" };
  search_fails (&w.third.ctx, &p, "cursor");
  world_destroy (&w);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("needs/schemas/bodies", schemas_of_bodies),
    { "needs/create/document_and_defaults", create_document_and_defaults, fx_setup, fx_teardown,
      NULL },
    { "needs/create/rules_at_boundaries", create_rules_at_their_boundaries, fx_setup, fx_teardown,
      NULL },
    { "needs/create/by_whom", create_by_whom, fx_setup, fx_teardown, NULL },
    { "needs/get/visibility", who_sees_a_need, fx_setup, fx_teardown, NULL },
    { "needs/answers/rules", answer_rules, fx_setup, fx_teardown, NULL },
    { "needs/answers/fields_and_duplicates", answer_stored_fields_and_duplicates, fx_setup,
      fx_teardown, NULL },
    { "needs/answers/closed_and_maximum", answer_a_closed_need_and_the_maximum, fx_setup,
      fx_teardown, NULL },
    { "needs/answers/who_sees_which", who_sees_which_answers, fx_setup, fx_teardown, NULL },
    { "needs/answers/author_told", the_author_is_told, fx_setup, fx_teardown, NULL },
    { "needs/close/rights_twice_if_match", close_rights_twice_and_if_match, fx_setup, fx_teardown,
      NULL },
    { "needs/audit/creation_and_closing", creation_and_closing_are_audited, fx_setup, fx_teardown,
      NULL },
    { "needs/search/filters_and_visibility", search_filters_and_visibility, fx_setup, fx_teardown,
      NULL },
    { "needs/search/pages", search_pages, fx_setup, fx_teardown, NULL },
  };

  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
