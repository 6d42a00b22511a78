/*
 * Unit tests of server/services/listings.c and categories.c against a real SQLite store: the
 * category table, the listing schemas (bodies and entity), creation with its defaults and
 * refusals, who sees which listing (and its pickup), updates with a required If-Match and
 * compare-and-set, deletion or archiving.
 */
#include "members_fixture.h"

#include "categories.h"
#include "listings.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"

extern const mt_embed_file_t mutua_schema_files[];

static mt_schema_registry_t *registry; /* every schema of schemas/, built once */

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

/* Parses @text, a JSON object written with ' for " (for readability), strictly into @out. */
static void
jdoc (const char *text, bson_t *out)
{
  char buf[4096];
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

/* @doc through JSON (as a client receives it: dates become strings) is valid for @schema. */
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

/* @text (see jdoc) is valid for @schema when @path is NULL; otherwise invalid at @path. */
static void
check_body (const char *schema, const char *text, const char *path)
{
  bson_t doc;
  mt_error_t error;
  const mt_schema_t *s = mt_schema_registry_get (registry, schema);
  bool valid;

  assert_non_null (s);
  jdoc (text, &doc);
  mt_error_clear (&error);
  valid = mt_schema_validate (s, &doc, &error);
  if (!path && !valid) {
    fail_msg ("%s refuses %s: %s at %s", schema, text, error.message, error.path);
  }
  if (path && valid) {
    fail_msg ("%s accepts %s (expected an error at %s)", schema, text, path);
  }
  if (path && strcmp (error.path, path) != 0) {
    fail_msg ("%s on %s: error at \"%s\" (%s), expected \"%s\"", schema, text, error.path,
              error.message, path);
  }
  bson_destroy (&doc);
}

static char net1[MT_ID_SIZE];
static char net2[MT_ID_SIZE];

typedef struct {
  char a[MT_ID_SIZE], a_manager[MT_ID_SIZE], a_staff[MT_ID_SIZE]; /* active, net1: the owner */
  char b[MT_ID_SIZE], b_manager[MT_ID_SIZE];                      /* active, net1 + net2 */
  char c[MT_ID_SIZE], c_manager[MT_ID_SIZE];                      /* active, net2 only */
  char p[MT_ID_SIZE], p_manager[MT_ID_SIZE];                      /* pending, net1 */
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE];                        /* platform, no network */
} world_t;

static void
make_world (fx_t *fx, world_t *w)
{
  const char *const n1[] = { net1, NULL };
  const char *const n2[] = { net2, NULL };
  const char *const n12[] = { net1, net2, NULL };

  fx_network (fx, "apes", net1);
  fx_network (fx, "mres", net2);
  fx_member (fx, "active", NULL, n1, w->a, w->a_manager);
  fx_account (fx, w->a, "staff", "active", NULL, w->a_staff);
  fx_member (fx, "active", NULL, n12, w->b, w->b_manager);
  fx_member (fx, "active", NULL, n2, w->c, w->c_manager);
  fx_member (fx, "pending", NULL, n1, w->p, w->p_manager);
  fx_member (fx, "active", "platform", NULL, w->adm, w->admin);
}

/* Every field a good may have. */
#define GOOD_FULL                                                                                  \
  "{'kind':'good','title':'Vélo cargo biporteur','description':'Biporteur électrique, "          \
  "batterie 500 Wh','category':'velos-cargo','tags':['vélo','cargo','famille'],"                  \
  "'territory':{'departement':'59','commune':'Roubaix','coordinates':{'lat':50.69,"                \
  "'lon':3.18}},'visibility':'public','status':'published','quantity':2,'condition':'good',"       \
  "'replacement_value_cents':450000,'deposit_cents':20000,'loan_rules':{'max_days':7,"             \
  "'min_notice_hours':48,'buffer_hours':2,'horizon_days':90},'approval':'auto',"                   \
  "'pickup':{'address':'12 rue des Arts, Roubaix','instructions':'Sonner au local'},"              \
  "'blackouts':[{'start':'2026-07-14T00:00:00Z','end':'2026-07-16T00:00:00Z','reason':"            \
  "'Fête du quartier'}],'credit_price_per_day':5}"

/* Every field a service may have. */
#define SERVICE_FULL                                                                               \
  "{'kind':'service','title':'Animation de réunion','description':'Facilitation en gestion "      \
  "par consentement','category':'animation-facilitation','tags':['gouvernance'],"                  \
  "'territory':{'departement':'62','commune':'Arras'},'visibility':'networks',"                    \
  "'status':'published','format':'both','duration_minutes':180,'credit_rate_per_hour':10,"         \
  "'languages':['fr','en']}"

/* Creates a listing from @text as @caller (the body must pass listing_create.json); its id to
 * @id. The answer must be a valid listing.json. */
static void
create (fx_caller_t *caller, const char *text, char id[MT_ID_SIZE])
{
  bson_t body;
  bson_t out;

  check_body ("listing_create.json", text, NULL);
  jdoc (text, &body);
  OK (mt_listing_create (&caller->ctx, &body, &out, id, &fx_err));
  assert_string_equal (mt_bson_str (&out, "id"), id);
  assert_valid_as_json ("listing.json", &out);
  bson_destroy (&out);
  bson_destroy (&body);
}

/* A listing of @kind with @status and @visibility. */
static void
create_simple (fx_caller_t *caller, const char *kind, const char *status, const char *visibility,
               char id[MT_ID_SIZE])
{
  char text[512];

  snprintf (text, sizeof text,
            "{'kind':'%s','title':'Annonce %s %s','category':'%s','status':'%s',"
            "'visibility':'%s'%s}",
            kind, status, visibility, strcmp (kind, "good") == 0 ? "outillage" : "juridique",
            status, visibility,
            strcmp (kind, "good") == 0 ? ",'pickup':{'address':'3 rue du Port, Lille'}" : "");
  create (caller, text, id);
}

static void
fx_listing (fx_t *fx, const char *id, bson_t *out)
{
  mt_error_t error;

  if (!fx->store->ops->listing_get (fx->store, id, out, &error)) {
    fail_msg ("listing_get %s: %s", id, error.message);
  }
}

/* mt_listing_patch of @text (see jdoc) with @if_match, as @caller; the error in fx_err. */
static bool
patch (fx_caller_t *caller, const char *id, const char *text, const char *if_match, bson_t *out)
{
  bson_t body;
  bool ok;

  jdoc (text, &body);
  ok = mt_listing_patch (&caller->ctx, id, &body, if_match, out, &fx_err);
  bson_destroy (&body);
  return ok;
}

/* ---- Categories --------------------------------------------------------------------------- */

static void
categories_table (void **state)
{
  static const struct {
    const char *slug;
    const char *kind;
  } required[] = {
    { "velos-cargo", "good" },
    { "tentes-barnums", "good" },
    { "mobilier-evenementiel", "good" },
    { "sonorisation-video", "good" },
    { "outillage", "good" },
    { "exposition-signaletique", "good" },
    { "cuisine-vaisselle", "good" },
    { "jeux", "good" },
    { "materiel-informatique", "good" },
    { "vehicules", "good" },
    { "salles", "good" },
    { "animation-facilitation", "service" },
    { "transition-ecologique", "service" },
    { "methodes-pedagogiques", "service" },
    { "communication", "service" },
    { "comptabilite-gestion", "service" },
    { "juridique", "service" },
    { "accompagnement-informatique", "service" },
    { "formation", "service" },
  };
  size_t n = mt_categories_count ();
  bson_t items;

  (void) state;
  assert_true (n >= sizeof required / sizeof required[0]);
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
    const mt_category_t *c = mt_category_find (required[i].slug);
    if (!c) {
      fail_msg ("category %s missing", required[i].slug);
    }
    assert_string_equal (c->kind, required[i].kind);
  }
  for (size_t i = 0; i < n; i++) {
    const mt_category_t *c = mt_category_at (i);
    assert_non_null (c);
    /* ascii kebab-case, unique */
    assert_true (c->slug[0] >= 'a' && c->slug[0] <= 'z');
    for (const char *s = c->slug; *s; s++) {
      bool ok =
        (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || (*s == '-' && s[1] && s[1] != '-');
      if (!ok) {
        fail_msg ("slug %s is not ascii kebab-case", c->slug);
      }
    }
    for (size_t j = 0; j < i; j++) {
      assert_string_not_equal (mt_category_at (j)->slug, c->slug);
    }
    assert_true (strcmp (c->kind, "good") == 0 || strcmp (c->kind, "service") == 0);
    assert_true (strlen (c->label_fr) > 0 && strlen (c->label_en) > 0);
  }
  assert_null (mt_category_at (n));
  assert_null (mt_category_find ("velos"));
  assert_null (mt_category_find (""));
  assert_null (mt_category_find (NULL));
  mt_categories_list (&items);
  assert_int_equal (bson_count_keys (&items), n);
  assert_string_equal (mt_bson_str (&items, "0.slug"), mt_category_at (0)->slug);
  assert_string_equal (mt_bson_str (&items, "0.label_fr"), mt_category_at (0)->label_fr);
  bson_destroy (&items);
}

/* ---- Schemas ------------------------------------------------------------------------------ */

static void
schemas_compile_with_the_category_table (void **state)
{
  (void) state;
  /* group_setup added every file of schemas/, categories.json included (an always-true
   * schema: it holds no keyword). */
  assert_non_null (mt_schema_registry_get (registry, "categories.json"));
  assert_non_null (mt_schema_registry_get (registry, "listing.json"));
  assert_non_null (mt_schema_registry_get (registry, "listing_create.json"));
  assert_non_null (mt_schema_registry_get (registry, "listing_patch.json"));
  assert_non_null (
    mt_schema_registry_get (registry, "https://mutua.coop/schemas/listing_create.json"));
}

static void
schemas_create_accepts_goods_and_services (void **state)
{
  (void) state;
  check_body ("listing_create.json", GOOD_FULL, NULL);
  check_body ("listing_create.json", SERVICE_FULL, NULL);
  check_body ("listing_create.json", "{'kind':'good','title':'Scie','category':'outillage'}", NULL);
  check_body ("listing_create.json",
              "{'kind':'service','title':'Compta','category':'comptabilite-gestion'}", NULL);
  check_body ("listing_create.json",
              "{'kind':'good','title':'Scie','category':'outillage','loan_rules':{}}", NULL);
}

static void
schemas_create_refuses_bad_bodies (void **state)
{
  static const struct {
    const char *json;
    const char *path;
  } cases[] = {
    /* unknown and server-owned fields: no mass assignment */
    { "{'kind':'good','title':'Scie','category':'outillage','colour':'red'}", "/colour" },
    { "{'kind':'good','title':'Scie','category':'outillage','id':'lst_AAAAAAAAAAAAAAAAAAAAAA'}",
      "/id" },
    { "{'kind':'good','title':'Scie','category':'outillage','version':3}", "/version" },
    { "{'kind':'good','title':'Scie','category':'outillage','owner_id':'mem_AAAAAAAAAAAAAAAAAAAAAA'"
      "}",
      "/owner_id" },
    { "{'kind':'good','title':'Scie','category':'outillage','created_by':'acc_"
      "AAAAAAAAAAAAAAAAAAAAAA'}",
      "/created_by" },
    { "{'kind':'good','title':'Scie','category':'outillage','photos':[]}", "/photos" },
    { "{'kind':'good','title':'Scie','category':'outillage','published_at':'2026-06-12T09:00:00Z'}",
      "/published_at" },
    { "{'kind':'good','title':'Scie','category':'outillage','created_at':'2026-06-12T09:00:00Z'}",
      "/created_at" },
    /* required */
    { "{'title':'Scie','category':'outillage'}", "/kind" },
    { "{'kind':'good','category':'outillage'}", "/title" },
    { "{'kind':'good','title':'Scie'}", "/category" },
    /* types and ranges */
    { "{'kind':'thing','title':'Scie','category':'outillage'}", "/kind" },
    { "{'kind':'good','title':42,'category':'outillage'}", "/title" },
    { "{'kind':'good','title':'Si','category':'outillage'}", "/title" },
    { "{'kind':'good','title':'Scie','category':'Outillage'}", "/category" },
    { "{'kind':'good','title':'Scie','category':'outillage','quantity':0}", "/quantity" },
    { "{'kind':'good','title':'Scie','category':'outillage','quantity':1001}", "/quantity" },
    { "{'kind':'good','title':'Scie','category':'outillage','quantity':'2'}", "/quantity" },
    { "{'kind':'good','title':'Scie','category':'outillage','quantity':1.5}", "/quantity" },
    { "{'kind':'good','title':'Scie','category':'outillage','status':'sold'}", "/status" },
    { "{'kind':'good','title':'Scie','category':'outillage','visibility':'everyone'}",
      "/visibility" },
    { "{'kind':'good','title':'Scie','category':'outillage','condition':'broken'}", "/condition" },
    { "{'kind':'good','title':'Scie','category':'outillage','deposit_cents':-1}",
      "/deposit_cents" },
    { "{'kind':'good','title':'Scie','category':'outillage','approval':'never'}", "/approval" },
    { "{'kind':'good','title':'Scie','category':'outillage','tags':['a','b','c','d','e','f','g',"
      "'h','i','j','k','l','m']}",
      "/tags" },
    { "{'kind':'good','title':'Scie','category':'outillage','tags':[' vélo']}", "/tags/0" },
    { "{'kind':'good','title':'Scie','category':'outillage','tags':['x','x']}", "/tags/1" },
    { "{'kind':'good','title':'Scie','category':'outillage','territory':{'departement':'99',"
      "'commune':'Lille'}}",
      "/territory/departement" },
    { "{'kind':'good','title':'Scie','category':'outillage','territory':{'departement':'59'}}",
      "/territory/commune" },
    { "{'kind':'good','title':'Scie','category':'outillage','loan_rules':{'max_days':0}}",
      "/loan_rules/max_days" },
    { "{'kind':'good','title':'Scie','category':'outillage','loan_rules':{'max_days':366}}",
      "/loan_rules/max_days" },
    { "{'kind':'good','title':'Scie','category':'outillage','loan_rules':{'buffer_hours':721}}",
      "/loan_rules/buffer_hours" },
    { "{'kind':'good','title':'Scie','category':'outillage','loan_rules':{'horizon_days':731}}",
      "/loan_rules/horizon_days" },
    { "{'kind':'good','title':'Scie','category':'outillage','loan_rules':{'min_notice_hours':-1}}",
      "/loan_rules/min_notice_hours" },
    { "{'kind':'good','title':'Scie','category':'outillage','loan_rules':{'days':3}}",
      "/loan_rules/days" },
    { "{'kind':'good','title':'Scie','category':'outillage','pickup':{'instructions':'x'}}",
      "/pickup/address" },
    { "{'kind':'good','title':'Scie','category':'outillage','blackouts':[{'start':'demain',"
      "'end':'2026-07-16T00:00:00Z'}]}",
      "/blackouts/0/start" },
    { "{'kind':'good','title':'Scie','category':'outillage','blackouts':[{'start':"
      "'2026-07-14T00:00:00Z'}]}",
      "/blackouts/0/end" },
    /* fields of the other kind */
    { "{'kind':'service','title':'Compta','category':'comptabilite-gestion','quantity':2}",
      "/quantity" },
    { "{'kind':'service','title':'Compta','category':'comptabilite-gestion','pickup':"
      "{'address':'1 rue X'}}",
      "/pickup" },
    { "{'kind':'service','title':'Compta','category':'comptabilite-gestion','loan_rules':{}}",
      "/loan_rules" },
    { "{'kind':'good','title':'Scie','category':'outillage','format':'remote'}", "/format" },
    { "{'kind':'good','title':'Scie','category':'outillage','languages':['fr']}", "/languages" },
    { "{'kind':'good','title':'Scie','category':'outillage','duration_minutes':60}",
      "/duration_minutes" },
    /* service ranges */
    { "{'kind':'service','title':'Compta','category':'comptabilite-gestion','duration_minutes':"
      "10}",
      "/duration_minutes" },
    { "{'kind':'service','title':'Compta','category':'comptabilite-gestion','languages':"
      "['fra']}",
      "/languages/0" },
    { "{'kind':'service','title':'Compta','category':'comptabilite-gestion','languages':[]}",
      "/languages" },
    { "{'kind':'service','title':'Compta','category':'comptabilite-gestion','format':'online'}",
      "/format" },
  };

  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    check_body ("listing_create.json", cases[i].json, cases[i].path);
  }
}

static void
schemas_patch (void **state)
{
  static const struct {
    const char *json;
    const char *path; /* NULL: valid */
  } cases[] = {
    { "{'title':'Nouveau titre'}", NULL },
    { "{'status':'paused'}", NULL },
    { "{'description':null,'pickup':null,'blackouts':null,'condition':null}", NULL },
    { "{'loan_rules':{'max_days':3}}", NULL },
    { "{'tags':[]}", NULL },
    { "{'format':'remote','languages':['fr']}", NULL }, /* kind checks are the service's */
    { "{}", "" },
    { "{'kind':'service'}", "/kind" },
    { "{'id':'lst_AAAAAAAAAAAAAAAAAAAAAA'}", "/id" },
    { "{'version':2}", "/version" },
    { "{'owner_id':'mem_AAAAAAAAAAAAAAAAAAAAAA'}", "/owner_id" },
    { "{'created_by':'acc_AAAAAAAAAAAAAAAAAAAAAA'}", "/created_by" },
    { "{'photos':[]}", "/photos" },
    { "{'published_at':'2026-06-12T09:00:00Z'}", "/published_at" },
    { "{'title':null}", "/title" },
    { "{'status':null}", "/status" },
    { "{'category':null}", "/category" },
    { "{'quantity':null}", "/quantity" },
    { "{'status':'deleted'}", "/status" },
  };

  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    check_body ("listing_patch.json", cases[i].json, cases[i].path);
  }
}

/* ---- Create ------------------------------------------------------------------------------- */

static void
create_good_with_every_field (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m;
  char id[MT_ID_SIZE];
  bson_t stored;

  make_world (fx, &w);
  fx_caller (fx, w.a_staff, &m); /* staff may publish for the organisation */
  create (&m, GOOD_FULL, id);
  assert_true (mt_id_is_valid (id, "lst"));
  fx_listing (fx, id, &stored);
  assert_int_equal (mt_bson_int (&stored, "version", 0), 1);
  assert_string_equal (mt_bson_str (&stored, "owner_id"), w.a);
  assert_string_equal (mt_bson_str (&stored, "created_by"), w.a_staff);
  assert_string_equal (mt_bson_str (&stored, "kind"), "good");
  assert_string_equal (mt_bson_str (&stored, "title"), "Vélo cargo biporteur");
  assert_string_equal (mt_bson_str (&stored, "category"), "velos-cargo");
  assert_string_equal (mt_bson_str (&stored, "tags.1"), "cargo");
  assert_string_equal (mt_bson_str (&stored, "territory.commune"), "Roubaix");
  assert_string_equal (mt_bson_str (&stored, "visibility"), "public");
  assert_string_equal (mt_bson_str (&stored, "status"), "published");
  assert_int_equal (mt_bson_int (&stored, "quantity", 0), 2);
  assert_string_equal (mt_bson_str (&stored, "condition"), "good");
  assert_int_equal (mt_bson_int (&stored, "replacement_value_cents", 0), 450000);
  assert_int_equal (mt_bson_int (&stored, "deposit_cents", 0), 20000);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.max_days", 0), 7);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.min_notice_hours", 0), 48);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.buffer_hours", 0), 2);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.horizon_days", 0), 90);
  assert_string_equal (mt_bson_str (&stored, "approval"), "auto");
  assert_string_equal (mt_bson_str (&stored, "pickup.address"), "12 rue des Arts, Roubaix");
  /* blackouts are stored as dates */
  assert_int_equal (mt_bson_date (&stored, "blackouts.0.start", 0), INT64_C (1783987200000));
  assert_int_equal (mt_bson_date (&stored, "blackouts.0.end", 0), INT64_C (1784160000000));
  assert_string_equal (mt_bson_str (&stored, "blackouts.0.reason"), "Fête du quartier");
  assert_int_equal (mt_bson_int (&stored, "credit_price_per_day", -1), 5);
  assert_true (mt_bson_has (&stored, "photos"));
  assert_int_equal (mt_bson_date (&stored, "created_at", 0), FX_NOW_MS);
  assert_int_equal (mt_bson_date (&stored, "updated_at", 0), FX_NOW_MS);
  assert_int_equal (mt_bson_date (&stored, "published_at", 0), FX_NOW_MS);
  assert_false (mt_bson_has (&stored, "languages"));
  assert_false (mt_bson_has (&stored, "format"));
  bson_destroy (&stored);
  fx_caller_destroy (&m);
}

static void
create_service_with_every_field (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m;
  char id[MT_ID_SIZE];
  bson_t stored;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &m);
  create (&m, SERVICE_FULL, id);
  fx_listing (fx, id, &stored);
  assert_string_equal (mt_bson_str (&stored, "kind"), "service");
  assert_string_equal (mt_bson_str (&stored, "created_by"), w.a_manager);
  assert_string_equal (mt_bson_str (&stored, "format"), "both");
  assert_int_equal (mt_bson_int (&stored, "duration_minutes", 0), 180);
  assert_int_equal (mt_bson_int (&stored, "credit_rate_per_hour", 0), 10);
  assert_string_equal (mt_bson_str (&stored, "languages.0"), "fr");
  assert_string_equal (mt_bson_str (&stored, "languages.1"), "en");
  assert_string_equal (mt_bson_str (&stored, "territory.departement"), "62");
  assert_string_equal (mt_bson_str (&stored, "visibility"), "networks");
  /* nothing of goods */
  assert_false (mt_bson_has (&stored, "quantity"));
  assert_false (mt_bson_has (&stored, "loan_rules"));
  assert_false (mt_bson_has (&stored, "approval"));
  bson_destroy (&stored);
  fx_caller_destroy (&m);
}

static void
create_applies_defaults (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m;
  char good[MT_ID_SIZE], service[MT_ID_SIZE], partial[MT_ID_SIZE];
  bson_t stored;
  bson_t owner;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &m);
  create (&m, "{'kind':'good','title':'Scie circulaire','category':'outillage'}", good);
  fx_listing (fx, good, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "draft");
  assert_string_equal (mt_bson_str (&stored, "visibility"), "networks");
  assert_int_equal (mt_bson_int (&stored, "quantity", 0), 1);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.max_days", 0), 14);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.min_notice_hours", 0), 24);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.buffer_hours", -1), 0);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.horizon_days", 0), 180);
  assert_string_equal (mt_bson_str (&stored, "approval"), "manual");
  {
    bson_iter_t it, child;
    assert_true (bson_iter_init_find (&it, &stored, "tags") && BSON_ITER_HOLDS_ARRAY (&it));
    assert_true (bson_iter_recurse (&it, &child));
    assert_false (bson_iter_next (&child)); /* [] */
    assert_true (bson_iter_init_find (&it, &stored, "photos") && BSON_ITER_HOLDS_ARRAY (&it));
  }
  /* territory: the owner's */
  fx_get (fx, false, w.a, &owner);
  assert_string_equal (mt_bson_str (&stored, "territory.departement"),
                       mt_bson_str (&owner, "territory.departement"));
  assert_string_equal (mt_bson_str (&stored, "territory.commune"),
                       mt_bson_str (&owner, "territory.commune"));
  assert_false (mt_bson_has (&stored, "published_at"));
  assert_false (mt_bson_has (&stored, "pickup"));
  assert_false (mt_bson_has (&stored, "description"));
  bson_destroy (&owner);
  bson_destroy (&stored);
  create (&m, "{'kind':'service','title':'Conseil juridique','category':'juridique'}", service);
  fx_listing (fx, service, &stored);
  assert_string_equal (mt_bson_str (&stored, "languages.0"), "fr");
  assert_false (mt_bson_has (&stored, "languages.1"));
  assert_false (mt_bson_has (&stored, "format"));
  bson_destroy (&stored);
  /* a partial loan_rules: the others take their defaults */
  create (&m,
          "{'kind':'good','title':'Barnum 3x3','category':'tentes-barnums','loan_rules':"
          "{'buffer_hours':12}}",
          partial);
  fx_listing (fx, partial, &stored);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.buffer_hours", 0), 12);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.max_days", 0), 14);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.horizon_days", 0), 180);
  bson_destroy (&stored);
  fx_caller_destroy (&m);
}

static void
create_refusals (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t m, pending;
  mt_ctx_t anonymous;
  char id[MT_ID_SIZE];
  bson_t body, out;
  static const struct {
    const char *json;
    mt_error_code_t code;
    const char *path;
  } cases[] = {
    { "{'kind':'good','title':'Scie','category':'scies'}", MT_ERR_UNPROCESSABLE, "/category" },
    { "{'kind':'good','title':'Scie','category':'juridique'}", MT_ERR_UNPROCESSABLE, "/category" },
    { "{'kind':'service','title':'Compta','category':'outillage'}", MT_ERR_UNPROCESSABLE,
      "/category" },
    { "{'kind':'good','title':'Scie','category':'outillage','blackouts':[{'start':"
      "'2026-07-14T00:00:00Z','end':'2026-07-14T00:00:00Z'}]}",
      MT_ERR_UNPROCESSABLE, "/blackouts/0/end" },
    { "{'kind':'good','title':'Scie','category':'outillage','blackouts':[{'start':"
      "'2026-07-10T00:00:00Z','end':'2026-07-11T00:00:00Z'},{'start':'2026-07-14T00:00:00Z',"
      "'end':'2026-07-13T00:00:00Z'}]}",
      MT_ERR_UNPROCESSABLE, "/blackouts/1/end" },
    /* what the schema refuses, the service refuses too (for callers without the schema) */
    { "{'kind':'service','title':'Compta','category':'juridique','quantity':2}", MT_ERR_VALIDATION,
      "/quantity" },
    { "{'kind':'good','title':'Scie','category':'outillage','languages':['fr']}", MT_ERR_VALIDATION,
      "/languages" },
    { "{'kind':'good','title':'Scie','category':'outillage','id':'lst_AAAAAAAAAAAAAAAAAAAAAA'}",
      MT_ERR_VALIDATION, "/id" },
    { "{'kind':'good','title':'Scie','category':'outillage','owner_id':'x'}", MT_ERR_VALIDATION,
      "/owner_id" },
    { "{'kind':'good','title':'Scie','category':'outillage','photos':[]}", MT_ERR_VALIDATION,
      "/photos" },
    { "{'kind':'good','title':'Scie','category':'outillage','version':9}", MT_ERR_VALIDATION,
      "/version" },
    { "{'kind':'good','title':'Scie','category':'outillage','published_at':'x'}", MT_ERR_VALIDATION,
      "/published_at" },
    { "{'kind':'good','title':'Scie','category':'outillage','created_by':'x'}", MT_ERR_VALIDATION,
      "/created_by" },
  };

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &m);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    jdoc (cases[i].json, &body);
    mt_error_clear (&fx_err);
    if (mt_listing_create (&m.ctx, &body, &out, id, &fx_err)) {
      fail_msg ("created from %s", cases[i].json);
    }
    if (fx_err.code != (uint32_t) cases[i].code || strcmp (fx_err.path, cases[i].path) != 0) {
      fail_msg ("%s: code %u at \"%s\" (%s), expected %d at %s", cases[i].json, fx_err.code,
                fx_err.path, fx_err.message, (int) cases[i].code, cases[i].path);
    }
    assert_int_equal (bson_count_keys (&out), 0);
    bson_destroy (&out);
    bson_destroy (&body);
  }
  /* nothing was stored */
  {
    mt_store_listing_query_t q = { .owner_id = w.a, .any_visibility = true, .limit = 10 };
    mt_store_page_t page;
    OK (fx->store->ops->listing_search (fx->store, &q, &page, &fx_err));
    assert_int_equal (page.count, 0);
    mt_store_page_destroy (&page);
  }
  jdoc ("{'kind':'good','title':'Scie','category':'outillage'}", &body);
  /* mt_listing_build for other callers (CSV import): an owner without territory needs one in
   * the body; an owner without id is a programming error */
  {
    bson_t owner = BSON_INITIALIZER;
    BSON_APPEND_UTF8 (&owner, "id", w.a);
    FAILS (mt_listing_build (&body, &owner, w.a_manager, FX_NOW_MS, &out, NULL, &fx_err),
           MT_ERR_VALIDATION);
    assert_string_equal (fx_err.path, "/territory");
    assert_int_equal (bson_count_keys (&out), 0);
    bson_destroy (&out);
    FAILS (mt_listing_build (&body, &owner, NULL, FX_NOW_MS, &out, NULL, &fx_err), MT_ERR_INTERNAL);
    bson_destroy (&out);
    bson_reinit (&owner);
    FAILS (mt_listing_build (&body, &owner, w.a_manager, FX_NOW_MS, &out, NULL, &fx_err),
           MT_ERR_INTERNAL);
    bson_destroy (&out);
    bson_destroy (&owner);
  }
  anonymous = (mt_ctx_t){ .store = fx->store, .now_ms = FX_NOW_MS, .principal = NULL };
  FAILS (mt_listing_create (&anonymous, &body, &out, id, &fx_err), MT_ERR_UNAUTHENTICATED);
  bson_destroy (&out);
  fx_caller (fx, w.p_manager, &pending);
  FAILS (mt_listing_create (&pending.ctx, &body, &out, id, &fx_err), MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  bson_destroy (&body);
  fx_caller_destroy (&pending);
  fx_caller_destroy (&m);
}

/* ---- Visibility --------------------------------------------------------------------------- */

static void
visibility_matrix (void **state)
{
  static const char *const statuses[] = { "draft", "published", "paused", "archived" };
  static const char *const visibilities[] = { "networks", "public" };
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner, colleague, shared, unrelated, pending, admin;
  mt_ctx_t anonymous;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  fx_caller (fx, w.a_staff, &colleague);
  fx_caller (fx, w.b_manager, &shared);
  fx_caller (fx, w.c_manager, &unrelated);
  fx_caller (fx, w.p_manager, &pending);
  fx_caller (fx, w.admin, &admin);
  anonymous = (mt_ctx_t){ .store = fx->store, .now_ms = FX_NOW_MS, .principal = NULL };
  for (size_t s = 0; s < 4; s++) {
    for (size_t v = 0; v < 2; v++) {
      for (int k = 0; k < 2; k++) {
        bool published = strcmp (statuses[s], "published") == 0;
        bool public = strcmp (visibilities[v], "public") == 0;
        const struct {
          const char *who;
          const mt_ctx_t *ctx;
          bool sees;
        } rows[] = {
          { "owner", &owner.ctx, true },
          { "colleague", &colleague.ctx, true },
          { "admin", &admin.ctx, true },
          { "shared network", &shared.ctx, published },
          { "no shared network", &unrelated.ctx, published && public },
          { "pending member", &pending.ctx, published && public },
          { "anonymous", &anonymous, published && public },
        };
        char id[MT_ID_SIZE];
        create_simple (&owner, k ? "service" : "good", statuses[s], visibilities[v], id);
        for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
          bson_t out;
          bool ok;
          mt_error_clear (&fx_err);
          ok = mt_listing_get (rows[r].ctx, id, &out, &fx_err);
          if (ok != rows[r].sees) {
            fail_msg ("%s %s %s: %s %s", k ? "service" : "good", statuses[s], visibilities[v],
                      rows[r].who, ok ? "sees it" : "does not see it");
          }
          if (ok) {
            assert_string_equal (mt_bson_str (&out, "id"), id);
            assert_valid_as_json ("listing.json", &out);
          } else {
            assert_int_equal (fx_err.code, MT_ERR_NOT_FOUND);
            assert_int_equal (bson_count_keys (&out), 0);
          }
          bson_destroy (&out);
        }
      }
    }
  }
  {
    bson_t out;
    FAILS (mt_listing_get (&owner.ctx, "lst_AAAAAAAAAAAAAAAAAAAAAA", &out, &fx_err),
           MT_ERR_NOT_FOUND);
    bson_destroy (&out);
  }
  fx_caller_destroy (&owner);
  fx_caller_destroy (&colleague);
  fx_caller_destroy (&shared);
  fx_caller_destroy (&unrelated);
  fx_caller_destroy (&pending);
  fx_caller_destroy (&admin);
}

static void
visibility_of_an_inactive_owner (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner, shared, admin;
  mt_ctx_t anonymous;
  char id[MT_ID_SIZE];
  bson_t member, suspended, listing, out;
  bson_t patch = BSON_INITIALIZER;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  create_simple (&owner, "good", "published", "public", id);
  fx_caller (fx, w.b_manager, &shared);
  fx_caller (fx, w.admin, &admin);
  anonymous = (mt_ctx_t){ .store = fx->store, .now_ms = FX_NOW_MS, .principal = NULL };
  OK (mt_listing_get (&shared.ctx, id, &out, &fx_err));
  bson_destroy (&out);
  /* the owner is suspended: its listings disappear for everyone but administrators */
  fx_get (fx, false, w.a, &member);
  BSON_APPEND_UTF8 (&patch, "status", "suspended");
  mt_bson_merge (&member, &patch, &suspended);
  OK (fx->store->ops->member_update (fx->store, w.a, mt_bson_int (&member, "version", 0),
                                     &suspended, &fx_err));
  FAILS (mt_listing_get (&shared.ctx, id, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (mt_listing_get (&anonymous, id, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  OK (mt_listing_get (&admin.ctx, id, &out, &fx_err));
  bson_destroy (&out);
  /* the pure rule: an unknown owner hides the listing from others, not from its owner */
  fx_listing (fx, id, &listing);
  assert_false (mt_listing_visible (&shared.ctx, &listing, NULL));
  assert_false (mt_listing_visible (&anonymous, &listing, NULL));
  assert_true (mt_listing_visible (&owner.ctx, &listing, NULL));
  assert_true (mt_listing_visible (&admin.ctx, &listing, NULL));
  /* a member document that is not the owner never makes it visible */
  {
    bson_t other;
    fx_get (fx, false, w.b, &other);
    assert_false (mt_listing_visible (&anonymous, &listing, &other));
    bson_destroy (&other);
  }
  bson_destroy (&listing);
  bson_destroy (&member);
  bson_destroy (&suspended);
  bson_destroy (&patch);
  fx_caller_destroy (&owner);
  fx_caller_destroy (&shared);
  fx_caller_destroy (&admin);
}

static void
pickup_only_for_owner_and_admins (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner, colleague, shared, admin;
  mt_ctx_t anonymous;
  char id[MT_ID_SIZE];
  bson_t out;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  fx_caller (fx, w.a_staff, &colleague);
  fx_caller (fx, w.b_manager, &shared);
  fx_caller (fx, w.admin, &admin);
  anonymous = (mt_ctx_t){ .store = fx->store, .now_ms = FX_NOW_MS, .principal = NULL };
  create (&owner, GOOD_FULL, id); /* published, public */
  OK (mt_listing_get (&colleague.ctx, id, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "pickup.address"), "12 rue des Arts, Roubaix");
  bson_destroy (&out);
  OK (mt_listing_get (&admin.ctx, id, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "pickup.instructions"), "Sonner au local");
  bson_destroy (&out);
  OK (mt_listing_get (&shared.ctx, id, &out, &fx_err));
  assert_false (mt_bson_has (&out, "pickup"));
  assert_string_equal (mt_bson_str (&out, "title"), "Vélo cargo biporteur");
  assert_int_equal (mt_bson_int (&out, "deposit_cents", 0), 20000);
  assert_valid_as_json ("listing.json", &out);
  bson_destroy (&out);
  OK (mt_listing_get (&anonymous, id, &out, &fx_err));
  assert_false (mt_bson_has (&out, "pickup"));
  bson_destroy (&out);
  {
    bson_t listing;
    fx_listing (fx, id, &listing);
    assert_true (mt_listing_may_see_pickup (&colleague.ctx, &listing));
    assert_false (mt_listing_may_see_pickup (&shared.ctx, &listing));
    assert_false (mt_listing_may_see_pickup (&anonymous, &listing));
    bson_destroy (&listing);
  }
  fx_caller_destroy (&owner);
  fx_caller_destroy (&colleague);
  fx_caller_destroy (&shared);
  fx_caller_destroy (&admin);
}

/* ---- Patch -------------------------------------------------------------------------------- */

static void
patch_needs_if_match (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner;
  char id[MT_ID_SIZE];
  bson_t out, stored;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  create_simple (&owner, "good", "draft", "networks", id);
  FAILS (patch (&owner, id, "{'title':'Sans If-Match'}", NULL, &out), MT_ERR_PRECONDITION_REQUIRED);
  bson_destroy (&out);
  FAILS (patch (&owner, id, "{'title':'Vieux'}", "W/\"7\"", &out), MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  FAILS (patch (&owner, id, "{'title':'Vieux'}", "garbage", &out), MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  fx_listing (fx, id, &stored);
  assert_int_equal (mt_bson_int (&stored, "version", 0), 1);
  assert_string_equal (mt_bson_str (&stored, "title"), "Annonce draft networks");
  bson_destroy (&stored);
  OK (patch (&owner, id, "{'title':'Nouveau titre'}", "W/\"1\"", &out));
  assert_int_equal (mt_bson_int (&out, "version", 0), 2);
  assert_string_equal (mt_bson_str (&out, "title"), "Nouveau titre");
  bson_destroy (&out);
  /* the same ETag again is stale now */
  FAILS (patch (&owner, id, "{'title':'Encore'}", "W/\"1\"", &out), MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  OK (patch (&owner, id, "{'title':'Encore'}", "*", &out));
  assert_int_equal (mt_bson_int (&out, "version", 0), 3);
  bson_destroy (&out);
  fx_caller_destroy (&owner);
}

static void
patch_rights (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner, colleague, shared, unrelated, admin;
  char draft[MT_ID_SIZE], published[MT_ID_SIZE];
  bson_t out, stored;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  fx_caller (fx, w.a_staff, &colleague);
  fx_caller (fx, w.b_manager, &shared);
  fx_caller (fx, w.c_manager, &unrelated);
  fx_caller (fx, w.admin, &admin);
  create_simple (&owner, "good", "draft", "networks", draft);
  create_simple (&owner, "good", "published", "networks", published);
  /* someone else: 404 when they cannot see it, 403 when they can */
  FAILS (patch (&shared, draft, "{'title':'Pris'}", "W/\"1\"", &out), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (patch (&shared, published, "{'title':'Pris'}", "W/\"1\"", &out), MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  FAILS (patch (&shared, published, "{'title':'Pris'}", NULL, &out), MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  FAILS (patch (&unrelated, published, "{'title':'Pris'}", "W/\"1\"", &out), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (patch (&shared, "lst_AAAAAAAAAAAAAAAAAAAAAA", "{'title':'Pris'}", "W/\"1\"", &out),
         MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  fx_listing (fx, published, &stored);
  assert_string_equal (mt_bson_str (&stored, "title"), "Annonce published networks");
  bson_destroy (&stored);
  /* any account of the owner (staff too), and administrators */
  OK (patch (&colleague, published, "{'title':'Par la collègue'}", "W/\"1\"", &out));
  assert_string_equal (mt_bson_str (&out, "title"), "Par la collègue");
  assert_true (mt_bson_has (&out, "pickup")); /* the owner's view */
  bson_destroy (&out);
  OK (patch (&admin, published, "{'status':'paused'}", "W/\"2\"", &out));
  assert_string_equal (mt_bson_str (&out, "status"), "paused");
  assert_true (mt_bson_has (&out, "pickup"));
  bson_destroy (&out);
  OK (patch (&admin, draft, "{'visibility':'public'}", "W/\"1\"", &out));
  bson_destroy (&out);
  /* a paused listing is invisible to others again: 404 */
  FAILS (patch (&shared, published, "{'title':'Pris'}", "W/\"3\"", &out), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  fx_caller_destroy (&owner);
  fx_caller_destroy (&colleague);
  fx_caller_destroy (&shared);
  fx_caller_destroy (&unrelated);
  fx_caller_destroy (&admin);
}

static void
patch_fields_and_rules (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner, later;
  char good[MT_ID_SIZE], service[MT_ID_SIZE];
  bson_t out, stored;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  create (&owner, GOOD_FULL, good);
  create (&owner, SERVICE_FULL, service);
  /* kind-specific fields are checked against the stored kind */
  FAILS (patch (&owner, service, "{'quantity':3}", "W/\"1\"", &out), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/quantity");
  bson_destroy (&out);
  FAILS (patch (&owner, service, "{'title':'Ok','pickup':null}", "W/\"1\"", &out),
         MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/pickup");
  bson_destroy (&out);
  FAILS (patch (&owner, good, "{'languages':['fr']}", "W/\"1\"", &out), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/languages");
  bson_destroy (&out);
  FAILS (patch (&owner, good, "{'kind':'service'}", "W/\"1\"", &out), MT_ERR_VALIDATION);
  assert_string_equal (fx_err.path, "/kind");
  bson_destroy (&out);
  /* categories: known and of the same kind */
  FAILS (patch (&owner, good, "{'category':'formation'}", "W/\"1\"", &out), MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/category");
  bson_destroy (&out);
  FAILS (patch (&owner, good, "{'category':'inconnue'}", "W/\"1\"", &out), MT_ERR_UNPROCESSABLE);
  bson_destroy (&out);
  FAILS (patch (&owner, good,
                "{'blackouts':[{'start':'2026-08-02T00:00:00Z','end':'2026-08-01T00:00:00Z'}]}",
                "W/\"1\"", &out),
         MT_ERR_UNPROCESSABLE);
  assert_string_equal (fx_err.path, "/blackouts/0/end");
  bson_destroy (&out);
  fx_listing (fx, good, &stored);
  assert_int_equal (mt_bson_int (&stored, "version", 0), 1); /* nothing was written */
  bson_destroy (&stored);
  /* a valid change: null removes, loan_rules replaced as a whole, blackouts as dates */
  OK (patch (&owner, good,
             "{'category':'outillage','description':null,'condition':null,'quantity':5,"
             "'loan_rules':{'max_days':3},'blackouts':[{'start':'2026-08-01T00:00:00Z',"
             "'end':'2026-08-02T00:00:00Z'}],'tags':[]}",
             "W/\"1\"", &out));
  assert_valid_as_json ("listing.json", &out);
  bson_destroy (&out);
  fx_listing (fx, good, &stored);
  assert_int_equal (mt_bson_int (&stored, "version", 0), 2);
  assert_string_equal (mt_bson_str (&stored, "category"), "outillage");
  assert_false (mt_bson_has (&stored, "description"));
  assert_false (mt_bson_has (&stored, "condition"));
  assert_int_equal (mt_bson_int (&stored, "quantity", 0), 5);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.max_days", 0), 3);
  assert_int_equal (mt_bson_int (&stored, "loan_rules.min_notice_hours", 0), 24); /* default */
  assert_int_equal (mt_bson_int (&stored, "loan_rules.buffer_hours", -1), 0);
  assert_int_equal (mt_bson_date (&stored, "blackouts.0.start", 0), INT64_C (1785542400000));
  assert_false (mt_bson_has (&stored, "blackouts.1"));
  assert_false (mt_bson_has (&stored, "tags.0"));
  /* untouched fields stay */
  assert_string_equal (mt_bson_str (&stored, "owner_id"), w.a);
  assert_string_equal (mt_bson_str (&stored, "created_by"), w.a_manager);
  assert_string_equal (mt_bson_str (&stored, "kind"), "good");
  assert_string_equal (mt_bson_str (&stored, "approval"), "auto");
  assert_int_equal (mt_bson_date (&stored, "created_at", 0), FX_NOW_MS);
  bson_destroy (&stored);
  OK (patch (&owner, service, "{'format':null,'languages':['de'],'duration_minutes':60}", "W/\"1\"",
             &out));
  assert_false (mt_bson_has (&out, "format"));
  assert_string_equal (mt_bson_str (&out, "languages.0"), "de");
  assert_int_equal (mt_bson_int (&out, "duration_minutes", 0), 60);
  bson_destroy (&out);
  /* updated_at follows the clock of the request */
  fx_caller (fx, w.a_staff, &later);
  later.ctx.now_ms = FX_NOW_MS + 60000;
  OK (patch (&later, service, "{'title':'Plus tard'}", "W/\"2\"", &out));
  assert_int_equal (mt_bson_date (&out, "updated_at", 0), FX_NOW_MS + 60000);
  assert_int_equal (mt_bson_date (&out, "created_at", 0), FX_NOW_MS);
  bson_destroy (&out);
  fx_caller_destroy (&later);
  fx_caller_destroy (&owner);
}

static void
patch_status_transitions_and_published_at (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner;
  char id[MT_ID_SIZE];
  bson_t out;
  static const char *const walk[] = { "paused",   "archived",  "draft",
                                      "archived", "published", "draft" };
  char etag[16];

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  create_simple (&owner, "good", "draft", "networks", id);
  owner.ctx.now_ms = FX_NOW_MS + 1000;
  OK (patch (&owner, id, "{'status':'published'}", "W/\"1\"", &out));
  assert_int_equal (mt_bson_date (&out, "published_at", 0), FX_NOW_MS + 1000);
  bson_destroy (&out);
  /* every transition is allowed; published_at records the first publication only */
  for (size_t i = 0; i < sizeof walk / sizeof walk[0]; i++) {
    char body[64];
    owner.ctx.now_ms = FX_NOW_MS + 2000 + (int64_t) i * 1000;
    snprintf (body, sizeof body, "{'status':'%s'}", walk[i]);
    snprintf (etag, sizeof etag, "W/\"%zu\"", i + 2);
    OK (patch (&owner, id, body, etag, &out));
    assert_string_equal (mt_bson_str (&out, "status"), walk[i]);
    assert_int_equal (mt_bson_date (&out, "published_at", 0), FX_NOW_MS + 1000);
    bson_destroy (&out);
  }
  fx_caller_destroy (&owner);
}

/* ---- Lost races --------------------------------------------------------------------------- */

/* A store that lets another writer change (or delete) a listing just before our write. */
typedef struct {
  mt_store_t base;
  mt_store_t *real;
  int interfere; /* writes still to preempt */
  bool delete;   /* the other writer deletes instead of touching */
} racing_store_t;

static void
race_write (racing_store_t *rs, const char *id)
{
  mt_store_t *real = rs->real;
  bson_t current;
  bson_t next;
  bson_t touch = BSON_INITIALIZER;
  mt_error_t error;

  assert_true (real->ops->listing_get (real, id, &current, &error));
  if (rs->delete) {
    assert_true (
      real->ops->listing_delete (real, id, mt_bson_int (&current, "version", 0), &error));
  } else {
    BSON_APPEND_UTF8 (&touch, "title", "Changé ailleurs");
    mt_bson_merge (&current, &touch, &next);
    assert_true (
      real->ops->listing_update (real, id, mt_bson_int (&current, "version", 0), &next, &error));
    bson_destroy (&next);
  }
  bson_destroy (&current);
  bson_destroy (&touch);
}

static bool
racing_listing_update (mt_store_t *store, const char *id, int64_t expected, const bson_t *doc,
                       mt_error_t *error)
{
  racing_store_t *rs = (racing_store_t *) store;
  if (rs->interfere > 0) {
    rs->interfere--;
    race_write (rs, id);
  }
  return rs->real->ops->listing_update (rs->real, id, expected, doc, error);
}

static bool
racing_listing_delete (mt_store_t *store, const char *id, int64_t expected, mt_error_t *error)
{
  racing_store_t *rs = (racing_store_t *) store;
  if (rs->interfere > 0) {
    rs->interfere--;
    race_write (rs, id);
  }
  return rs->real->ops->listing_delete (rs->real, id, expected, error);
}

static bool
racing_listing_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  racing_store_t *rs = (racing_store_t *) store;
  return rs->real->ops->listing_get (rs->real, id, out, error);
}

static bool
racing_member_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  racing_store_t *rs = (racing_store_t *) store;
  return rs->real->ops->member_get (rs->real, id, out, error);
}

static bool
racing_calendar_get (mt_store_t *store, const char *id, bson_t *out, mt_error_t *error)
{
  racing_store_t *rs = (racing_store_t *) store;
  return rs->real->ops->calendar_get (rs->real, id, out, error);
}

static bool
racing_reservation_count (mt_store_t *store, const char *id, int64_t *count, mt_error_t *error)
{
  racing_store_t *rs = (racing_store_t *) store;
  return rs->real->ops->reservation_count (rs->real, id, count, error);
}

static const mt_store_ops_t racing_ops = {
  .name = "racing",
  .listing_get = racing_listing_get,
  .listing_update = racing_listing_update,
  .listing_delete = racing_listing_delete,
  .member_get = racing_member_get,
  .calendar_get = racing_calendar_get,
  .reservation_count = racing_reservation_count,
};

static void
racing_init (racing_store_t *rs, fx_t *fx, fx_caller_t *caller, int interfere, bool delete)
{
  rs->base.ops = &racing_ops;
  rs->real = fx->store;
  rs->interfere = interfere;
  rs->delete = delete;
  caller->ctx.store = &rs->base;
}

static void
lost_races (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner;
  racing_store_t rs;
  char a[MT_ID_SIZE], b[MT_ID_SIZE], c[MT_ID_SIZE], d[MT_ID_SIZE];
  bson_t out, stored;
  mt_listing_removal_t removal;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  create_simple (&owner, "good", "draft", "networks", a);
  create_simple (&owner, "good", "draft", "networks", b);
  create_simple (&owner, "good", "draft", "networks", c);
  create_simple (&owner, "good", "draft", "networks", d);
  /* PATCH: If-Match named version 1, another change won: 412, nothing of ours written */
  racing_init (&rs, fx, &owner, 1, false);
  FAILS (patch (&owner, a, "{'title':'Le nôtre'}", "W/\"1\"", &out), MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  fx_listing (fx, a, &stored);
  assert_string_equal (mt_bson_str (&stored, "title"), "Changé ailleurs");
  assert_int_equal (mt_bson_int (&stored, "version", 0), 2);
  bson_destroy (&stored);
  /* PATCH while the listing is deleted: 404 */
  racing_init (&rs, fx, &owner, 1, true);
  FAILS (patch (&owner, b, "{'title':'Le nôtre'}", "W/\"1\"", &out), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  /* DELETE without If-Match: decided again on the new state, once */
  racing_init (&rs, fx, &owner, 1, false);
  OK (mt_listing_delete (&owner.ctx, c, NULL, &removal, &out, &fx_err));
  assert_int_equal (removal, MT_LISTING_REMOVED);
  bson_destroy (&out);
  racing_init (&rs, fx, &owner, 2, false);
  FAILS (mt_listing_delete (&owner.ctx, d, NULL, &removal, &out, &fx_err), MT_ERR_STALE);
  bson_destroy (&out);
  /* DELETE with If-Match: a lost race is 412 */
  racing_init (&rs, fx, &owner, 1, false);
  FAILS (mt_listing_delete (&owner.ctx, d, "W/\"3\"", &removal, &out, &fx_err),
         MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  owner.ctx.store = fx->store;
  fx_listing (fx, d, &stored); /* still there */
  bson_destroy (&stored);
  fx_caller_destroy (&owner);
}

/* ---- Delete ------------------------------------------------------------------------------- */

static void
delete_without_reservations_removes (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner, colleague, shared, admin;
  char draft[MT_ID_SIZE], published[MT_ID_SIZE], other[MT_ID_SIZE];
  mt_listing_removal_t removal;
  bson_t out;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  fx_caller (fx, w.a_staff, &colleague);
  fx_caller (fx, w.b_manager, &shared);
  fx_caller (fx, w.admin, &admin);
  create_simple (&owner, "good", "draft", "networks", draft);
  create_simple (&owner, "service", "published", "networks", published);
  create_simple (&owner, "good", "published", "public", other);
  /* someone else: 404 / 403 */
  FAILS (mt_listing_delete (&shared.ctx, draft, NULL, &removal, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (mt_listing_delete (&shared.ctx, published, NULL, &removal, &out, &fx_err),
         MT_ERR_FORBIDDEN);
  bson_destroy (&out);
  /* a stale If-Match: 412 */
  FAILS (mt_listing_delete (&owner.ctx, draft, "W/\"2\"", &removal, &out, &fx_err),
         MT_ERR_PRECONDITION_FAILED);
  bson_destroy (&out);
  /* the staff colleague deletes (with a matching If-Match), the admin too */
  OK (mt_listing_delete (&colleague.ctx, draft, "W/\"1\"", &removal, &out, &fx_err));
  assert_int_equal (removal, MT_LISTING_REMOVED);
  assert_int_equal (bson_count_keys (&out), 0);
  bson_destroy (&out);
  FAILS (mt_listing_get (&owner.ctx, draft, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  OK (mt_listing_delete (&admin.ctx, published, NULL, &removal, &out, &fx_err));
  assert_int_equal (removal, MT_LISTING_REMOVED);
  bson_destroy (&out);
  FAILS (mt_listing_get (&admin.ctx, published, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  FAILS (mt_listing_delete (&owner.ctx, published, NULL, &removal, &out, &fx_err),
         MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  /* the other listing is untouched */
  OK (mt_listing_get (&shared.ctx, other, &out, &fx_err));
  bson_destroy (&out);
  fx_caller_destroy (&owner);
  fx_caller_destroy (&colleague);
  fx_caller_destroy (&shared);
  fx_caller_destroy (&admin);
}

static void
delete_with_reservations_archives (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner, shared;
  char id[MT_ID_SIZE];
  mt_listing_removal_t removal;
  bson_t out, stored;
  bson_t calendar = BSON_INITIALIZER;
  bson_t entries, entry;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  fx_caller (fx, w.b_manager, &shared);
  create (&owner, GOOD_FULL, id);
  BSON_APPEND_UTF8 (&calendar, "listing_id", id);
  BSON_APPEND_INT64 (&calendar, "version", 0);
  BSON_APPEND_ARRAY_BEGIN (&calendar, "entries", &entries);
  BSON_APPEND_DOCUMENT_BEGIN (&entries, "0", &entry);
  BSON_APPEND_UTF8 (&entry, "reservation_id", "res_AAAAAAAAAAAAAAAAAAAAAA");
  BSON_APPEND_DATE_TIME (&entry, "start", FX_NOW_MS + INT64_C (86400000) * 3);
  BSON_APPEND_DATE_TIME (&entry, "end", FX_NOW_MS + INT64_C (86400000) * 5);
  BSON_APPEND_INT32 (&entry, "units", 1);
  bson_append_document_end (&entries, &entry);
  bson_append_array_end (&calendar, &entries);
  OK (fx->store->ops->calendar_put (fx->store, id, 0, &calendar, &fx_err));
  OK (mt_listing_delete (&owner.ctx, id, "W/\"1\"", &removal, &out, &fx_err));
  assert_int_equal (removal, MT_LISTING_ARCHIVED);
  assert_string_equal (mt_bson_str (&out, "status"), "archived");
  assert_int_equal (mt_bson_int (&out, "version", 0), 2);
  assert_true (mt_bson_has (&out, "pickup"));
  assert_valid_as_json ("listing.json", &out);
  bson_destroy (&out);
  fx_listing (fx, id, &stored);
  assert_string_equal (mt_bson_str (&stored, "status"), "archived");
  assert_string_equal (mt_bson_str (&stored, "title"), "Vélo cargo biporteur");
  bson_destroy (&stored);
  /* archived: invisible to others now */
  FAILS (mt_listing_get (&shared.ctx, id, &out, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&out);
  /* deleting again keeps it archived */
  OK (mt_listing_delete (&owner.ctx, id, NULL, &removal, &out, &fx_err));
  assert_int_equal (removal, MT_LISTING_ARCHIVED);
  bson_destroy (&out);
  OK (mt_listing_get (&owner.ctx, id, &out, &fx_err));
  assert_string_equal (mt_bson_str (&out, "status"), "archived");
  bson_destroy (&out);
  bson_destroy (&calendar);
  fx_caller_destroy (&owner);
  fx_caller_destroy (&shared);
}

static void
load_helpers_for_other_services (void **state)
{
  fx_t *fx = *state;
  world_t w;
  fx_caller_t owner, shared, unrelated;
  mt_ctx_t anonymous;
  char id[MT_ID_SIZE];
  bson_t listing, member;

  make_world (fx, &w);
  fx_caller (fx, w.a_manager, &owner);
  fx_caller (fx, w.b_manager, &shared);
  fx_caller (fx, w.c_manager, &unrelated);
  anonymous = (mt_ctx_t){ .store = fx->store, .now_ms = FX_NOW_MS, .principal = NULL };
  create (&owner, GOOD_FULL, id); /* published, public */
  OK (mt_listing_load_visible (&anonymous, id, &listing, &member, &fx_err));
  assert_string_equal (mt_bson_str (&member, "id"), w.a);
  assert_true (mt_bson_has (&listing, "pickup")); /* stored document: views filter it */
  bson_destroy (&listing);
  bson_destroy (&member);
  OK (mt_listing_load_for_change (&owner.ctx, id, &listing, &fx_err));
  bson_destroy (&listing);
  FAILS (mt_listing_load_for_change (&shared.ctx, id, &listing, &fx_err), MT_ERR_FORBIDDEN);
  assert_int_equal (bson_count_keys (&listing), 0);
  bson_destroy (&listing);
  FAILS (mt_listing_load_for_change (&anonymous, id, &listing, &fx_err), MT_ERR_UNAUTHENTICATED);
  bson_destroy (&listing);
  FAILS (
    mt_listing_load_visible (&anonymous, "lst_AAAAAAAAAAAAAAAAAAAAAA", &listing, NULL, &fx_err),
    MT_ERR_NOT_FOUND);
  bson_destroy (&listing);
  FAILS (mt_listing_load_visible (&anonymous, NULL, &listing, NULL, &fx_err), MT_ERR_NOT_FOUND);
  bson_destroy (&listing);
  {
    bson_t empty = BSON_INITIALIZER; /* no owner_id: nobody's but the administrators' */
    fx_caller_t admin;
    fx_caller (fx, w.admin, &admin);
    assert_false (mt_listing_may_change (&owner.ctx, &empty));
    assert_true (mt_listing_may_change (&admin.ctx, &empty));
    assert_false (mt_listing_may_change (&anonymous, &empty));
    fx_caller_destroy (&admin);
  }
  fx_caller_destroy (&owner);
  fx_caller_destroy (&shared);
  fx_caller_destroy (&unrelated);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("categories/table", categories_table),
    MT_TEST ("schemas/compile_with_category_table", schemas_compile_with_the_category_table),
    MT_TEST ("schemas/create_accepts", schemas_create_accepts_goods_and_services),
    MT_TEST ("schemas/create_refuses", schemas_create_refuses_bad_bodies),
    MT_TEST ("schemas/patch", schemas_patch),
    { "listings/create/good_every_field", create_good_with_every_field, fx_setup, fx_teardown,
      NULL },
    { "listings/create/service_every_field", create_service_with_every_field, fx_setup, fx_teardown,
      NULL },
    { "listings/create/defaults", create_applies_defaults, fx_setup, fx_teardown, NULL },
    { "listings/create/refusals", create_refusals, fx_setup, fx_teardown, NULL },
    { "listings/visibility/matrix", visibility_matrix, fx_setup, fx_teardown, NULL },
    { "listings/visibility/inactive_owner", visibility_of_an_inactive_owner, fx_setup, fx_teardown,
      NULL },
    { "listings/pickup/owner_and_admins_only", pickup_only_for_owner_and_admins, fx_setup,
      fx_teardown, NULL },
    { "listings/patch/if_match_required", patch_needs_if_match, fx_setup, fx_teardown, NULL },
    { "listings/patch/rights", patch_rights, fx_setup, fx_teardown, NULL },
    { "listings/patch/fields_and_rules", patch_fields_and_rules, fx_setup, fx_teardown, NULL },
    { "listings/patch/status_and_published_at", patch_status_transitions_and_published_at, fx_setup,
      fx_teardown, NULL },
    { "listings/race/lost_updates_and_deletions", lost_races, fx_setup, fx_teardown, NULL },
    { "listings/delete/removes_without_reservations", delete_without_reservations_removes, fx_setup,
      fx_teardown, NULL },
    { "listings/delete/archives_with_reservations", delete_with_reservations_archives, fx_setup,
      fx_teardown, NULL },
    { "listings/load/helpers", load_helpers_for_other_services, fx_setup, fx_teardown, NULL },
  };

  return cmocka_run_group_tests (tests, group_setup, group_teardown);
}
