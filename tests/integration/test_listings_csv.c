/*
 * Integration tests of the CSV import and export of listings over HTTP against the real
 * mutuad: files with or without a byte-order mark, ';' or ',', quoted multi-line cells and
 * accents; a file with bad rows answered 422 with exactly those rows and nothing imported;
 * administrators only; text/csv only; and the export imported back giving the same listings.
 */
#include "members_helpers.h"

#include "csv.h"

#define IMPORT_PATH "/v1/admin/import/listings"
#define EXPORT_PATH "/v1/admin/export/listings.csv"

#define HEADER                                                                                     \
  "owner_id;kind;title;description;category;tags;departement;commune;visibility;status;"           \
  "quantity;condition;replacement_value_cents;deposit_cents;max_days;min_notice_hours;"            \
  "buffer_hours;horizon_days;approval;pickup_address;pickup_instructions;credit_price_per_day;"    \
  "format;duration_minutes;credit_rate_per_hour;languages\r\n"

static char net1[MT_ID_SIZE];
static char nets1[64];

static void
need_network (void)
{
  if (!net1[0]) {
    it_network (net1);
    it_networks1 (nets1, net1);
  }
}

/* @text with every "{A}" replaced by @member (malloc'd; free it). */
static char *
with_owner (const char *text, const char *member)
{
  size_t cap = strlen (text) * 2 + 64;
  char *out = malloc (cap);
  size_t n = 0;

  assert_non_null (out);
  for (const char *p = text; *p;) {
    if (strncmp (p, "{A}", 3) == 0) {
      assert_true (n + MT_ID_LEN + 1 < cap);
      memcpy (out + n, member, MT_ID_LEN);
      n += MT_ID_LEN;
      p += 3;
    } else {
      assert_true (n + 2 < cap);
      out[n++] = *p++;
    }
  }
  out[n] = '\0';
  return out;
}

/* POST of @len bytes to the import as @token, with @content_type (NULL: none) and @lang
 * (NULL: none) as Accept-Language. */
static void
post_csv (const char *token, const char *content_type, const char *lang, const char *data,
          size_t len, mt_http_response_t *resp)
{
  char auth[1024];
  char type[128];
  char accept[64];
  const char *headers[4] = { NULL, NULL, NULL, NULL };
  size_t n = 0;

  if (token) {
    snprintf (auth, sizeof auth, "Authorization: Bearer %s", token);
    headers[n++] = auth;
  }
  if (content_type) {
    snprintf (type, sizeof type, "Content-Type: %s", content_type);
    headers[n++] = type;
  }
  if (lang) {
    snprintf (accept, sizeof accept, "Accept-Language: %s", lang);
    headers[n++] = accept;
  }
  if (!mt_http_request (it_server.port, "POST", IMPORT_PATH, headers, data, len, resp)) {
    fail_msg ("POST %s: no response (%s)", IMPORT_PATH, resp->error.message);
  }
}

/* Imports @text (with "{A}" = @member) as the administrator: must answer 201 {"imported": n}. */
static void
import_ok (const char *text, const char *member, int64_t count)
{
  mt_http_response_t resp;
  char *filled = with_owner (text, member);

  post_csv (it_admin, "text/csv; charset=utf-8", NULL, filled, strlen (filled), &resp);
  it_assert_status (&resp, 201, "POST", IMPORT_PATH);
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "imported", -1), count);
  mt_http_response_destroy (&resp);
  free (filled);
}

/* Every listing of @member as the administrator sees them (all statuses): the response. */
static int
listings_of (const char *member, mt_http_response_t *resp)
{
  char path[160];
  char key[32];
  int n = 0;

  snprintf (path, sizeof path, "/v1/listings?owner=%s&limit=100", member);
  it_call (it_admin, "GET", path, NULL, NULL, resp);
  it_assert_status (resp, 200, "GET", path);
  for (;; n++) {
    snprintf (key, sizeof key, "items.%d.id", n);
    if (!mt_http_json_string (resp, key)) {
      break;
    }
  }
  return n;
}

/* The item of @resp (a list) whose title is @title: its index, or fail. */
static int
item_titled (const mt_http_response_t *resp, const char *title)
{
  char key[32];

  for (int i = 0;; i++) {
    const char *t;
    snprintf (key, sizeof key, "items.%d.title", i);
    t = mt_http_json_string (resp, key);
    if (!t) {
      fail_msg ("no listing titled %s in %s", title, resp->body);
    }
    if (strcmp (t, title) == 0) {
      return i;
    }
  }
}

static const char *
item_str (const mt_http_response_t *resp, int i, const char *field)
{
  char key[64];

  snprintf (key, sizeof key, "items.%d.%s", i, field);
  return mt_http_json_string (resp, key);
}

static int64_t
item_int (const mt_http_response_t *resp, int i, const char *field)
{
  char key[64];

  snprintf (key, sizeof key, "items.%d.%s", i, field);
  return mt_bson_int (mt_http_json (resp), key, -1);
}

/* ---- Import ----------------------------------------------------------------------------------- */

static void
imports_bom_semicolons_multiline_cells_and_accents (void **state)
{
  it_person_t a;
  mt_http_response_t resp;
  int i;

  (void) state;
  need_network ();
  it_signup (nets1, true, &a);
  import_ok ("\xEF\xBB\xBF" HEADER
             "{A};good;Vélo cargo « Bakfiets »;\"Biporteur électrique.\r\nBatterie \"\"500 Wh\"\";"
             " casque fourni.\";velos-cargo;vélo|cargo;59;Roubaix;public;published;2;good;450000;"
             "20000;7;48;2;90;auto;12 rue des Arts, Roubaix;Sonner au local;5;;;;\r\n"
             "{A};service;Atelier de gouvernance partagée;\"Ligne 1\nLigne 2\";"
             "animation-facilitation;;;;networks;draft;;;;;;;;;;;;;remote;90;3;fr|en\r\n"
             "{A};good;Perceuse à percussion;;outillage;;;;;;;;;;;;;;;;;;;;;\r\n",
             a.member_id, 3);
  assert_int_equal (listings_of (a.member_id, &resp), 3);
  i = item_titled (&resp, "Vélo cargo « Bakfiets »");
  assert_string_equal (item_str (&resp, i, "description"),
                       "Biporteur électrique.\r\nBatterie \"500 Wh\"; casque fourni.");
  assert_string_equal (item_str (&resp, i, "owner_id"), a.member_id);
  assert_string_equal (item_str (&resp, i, "tags.1"), "cargo");
  assert_string_equal (item_str (&resp, i, "territory.commune"), "Roubaix");
  assert_string_equal (item_str (&resp, i, "status"), "published");
  assert_int_equal (item_int (&resp, i, "quantity"), 2);
  assert_int_equal (item_int (&resp, i, "loan_rules.max_days"), 7);
  assert_string_equal (item_str (&resp, i, "pickup.address"), "12 rue des Arts, Roubaix");
  i = item_titled (&resp, "Atelier de gouvernance partagée");
  assert_string_equal (item_str (&resp, i, "description"), "Ligne 1\nLigne 2");
  assert_string_equal (item_str (&resp, i, "format"), "remote");
  assert_string_equal (item_str (&resp, i, "languages.1"), "en");
  assert_string_equal (item_str (&resp, i, "territory.departement"), "59"); /* the owner's */
  i = item_titled (&resp, "Perceuse à percussion");
  assert_string_equal (item_str (&resp, i, "status"), "draft");
  assert_int_equal (item_int (&resp, i, "loan_rules.max_days"), 14);
  mt_http_response_destroy (&resp);
  /* The published public one is there for anonymous visitors too. */
  it_call (NULL, "GET", "/v1/listings?q=bakfiets", NULL, NULL, &resp);
  it_assert_status (&resp, 200, "GET", "/v1/listings?q=bakfiets");
  assert_non_null (strstr (resp.body, a.member_id));
  mt_http_response_destroy (&resp);
  it_person_destroy (&a);
}

static void
imports_commas_without_bom (void **state)
{
  it_person_t a;
  mt_http_response_t resp;
  int i;

  (void) state;
  need_network ();
  it_signup (nets1, true, &a);
  import_ok ("owner_id,kind,title,category,description,tags\n"
             "{A},good,\"Tente 3x3, pliante\",tentes-barnums,\"Montage à deux ; 20 min\",été\n"
             "{A},good,Sono portable,sonorisation-video,\"Dit \"\"la petite\"\"\",\n",
             a.member_id, 2);
  assert_int_equal (listings_of (a.member_id, &resp), 2);
  i = item_titled (&resp, "Tente 3x3, pliante");
  assert_string_equal (item_str (&resp, i, "description"), "Montage à deux ; 20 min");
  assert_string_equal (item_str (&resp, i, "tags.0"), "été");
  i = item_titled (&resp, "Sono portable");
  assert_string_equal (item_str (&resp, i, "description"), "Dit \"la petite\"");
  assert_null (item_str (&resp, i, "tags.0"));
  mt_http_response_destroy (&resp);
  it_person_destroy (&a);
}

static void
three_bad_rows_are_listed_and_nothing_is_imported (void **state)
{
  it_person_t a;
  mt_http_response_t resp;
  char *text;
  const char *file =
    HEADER "{A};good;Vélo cargo;;velos-cargo;;;;;;;;;;;;;;;;;;;;;\r\n" /* 2: fine */
           "{A};good;Perceuse;;outillage;;;;;;deux;;;;;;;;;;;;;;;\r\n" /* 3: quantity */
           "{A};good;Tente;;tentes-barnums;;;;;;;;;;;;;;;;;;;;;\r\n"   /* 4: fine */
           "{A};good;Jeux;;juridique;;;;;;;;;;;;;;;;;;;;;\r\n"         /* 5: category of services */
           "{A};service;\"Aide\r\ncompta\";;comptabilite-gestion;;;;;;;;;;;;;;;;;;;;;\r\n" /* 6 */
           "{A};service;Atelier;;formation;;;;;;;;;;;;;;;;;;;;;fr\r\n" /* 7: fine */
           "{A};service;Vé;;formation;;;;;;;;;;;;;;;;;;;;;\r\n";       /* 8: title too short */

  (void) state;
  need_network ();
  it_signup (nets1, true, &a);
  /* Row 6 spans two lines yet is one row; its title is fine: only rows 3, 5 and 8 are bad. */
  text = with_owner (file, a.member_id);
  post_csv (it_admin, "text/csv", NULL, text, strlen (text), &resp);
  it_assert_status (&resp, 422, "POST", IMPORT_PATH);
  assert_string_equal (mt_http_header (&resp, "Content-Type"),
                       "application/problem+json; charset=utf-8");
  assert_string_equal (mt_http_header (&resp, "Content-Language"), "fr");
  assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:unprocessable");
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "status", 0), 422);
  assert_string_equal (mt_http_json_string (&resp, "title"), "Règle non respectée");
  assert_non_null (strstr (mt_http_json_string (&resp, "detail"), "3 ligne(s)"));
  assert_string_equal (mt_http_json_string (&resp, "instance"), IMPORT_PATH);
  assert_non_null (mt_http_json_string (&resp, "request_id"));
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "errors.0.row", 0), 3);
  assert_string_equal (mt_http_json_string (&resp, "errors.0.column"), "quantity");
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "errors.1.row", 0), 5);
  assert_string_equal (mt_http_json_string (&resp, "errors.1.column"), "category");
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "errors.2.row", 0), 8);
  assert_string_equal (mt_http_json_string (&resp, "errors.2.column"), "title");
  assert_non_null (mt_http_json_string (&resp, "errors.2.message"));
  assert_false (mt_bson_has (mt_http_json (&resp), "errors.3"));
  mt_http_response_destroy (&resp);
  /* In English on request. */
  post_csv (it_admin, "text/csv", "en", text, strlen (text), &resp);
  it_assert_status (&resp, 422, "POST", IMPORT_PATH);
  assert_string_equal (mt_http_header (&resp, "Content-Language"), "en");
  assert_string_equal (mt_http_json_string (&resp, "title"), "Rule violated");
  assert_non_null (strstr (mt_http_json_string (&resp, "detail"), "3 row(s) in error"));
  assert_non_null (strstr (mt_http_json_string (&resp, "errors.0.message"), "whole number"));
  mt_http_response_destroy (&resp);
  free (text);
  assert_int_equal (listings_of (a.member_id, &resp), 0); /* not even the good rows */
  mt_http_response_destroy (&resp);

  /* A broken file names its row, with no column. */
  text = with_owner ("owner_id;kind;title;category\n{A};good;Vélo;velos-cargo\n"
                     "{A};good;\"Perceuse;outillage\n",
                     a.member_id);
  post_csv (it_admin, "text/csv", NULL, text, strlen (text), &resp);
  it_assert_status (&resp, 422, "POST", IMPORT_PATH);
  assert_int_equal (mt_bson_int (mt_http_json (&resp), "errors.0.row", 0), 3);
  assert_true (mt_bson_has (mt_http_json (&resp), "errors.0.column"));
  assert_null (mt_http_json_string (&resp, "errors.0.column")); /* null */
  mt_http_response_destroy (&resp);
  free (text);
  assert_int_equal (listings_of (a.member_id, &resp), 0);
  mt_http_response_destroy (&resp);
  it_person_destroy (&a);
}

static void
only_administrators_import_and_export (void **state)
{
  it_person_t a;
  mt_http_response_t resp;
  char *text;

  (void) state;
  need_network ();
  it_signup (nets1, true, &a);
  text =
    with_owner ("owner_id;kind;title;category\n{A};good;Vélo cargo;velos-cargo\n", a.member_id);
  post_csv (a.token, "text/csv", NULL, text, strlen (text), &resp);
  it_assert_status (&resp, 403, "POST", IMPORT_PATH);
  assert_string_equal (mt_http_json_string (&resp, "type"), "urn:mutua:problem:forbidden");
  mt_http_response_destroy (&resp);
  post_csv (NULL, "text/csv", NULL, text, strlen (text), &resp);
  it_assert_status (&resp, 401, "POST", IMPORT_PATH);
  mt_http_response_destroy (&resp);
  free (text);
  it_expect_problem (a.token, "GET", EXPORT_PATH, NULL, 403, "forbidden");
  it_expect_problem (NULL, "GET", EXPORT_PATH, NULL, 401, "unauthenticated");
  assert_int_equal (listings_of (a.member_id, &resp), 0);
  mt_http_response_destroy (&resp);
  it_person_destroy (&a);
}

static void
takes_text_csv_only (void **state)
{
  it_person_t a;
  mt_http_response_t resp;
  char *text;
  const char *refused[] = { "application/json", "text/plain", "text/csv; charset=iso-8859-1",
                            "text/csvx", NULL };

  (void) state;
  need_network ();
  it_signup (nets1, true, &a);
  text =
    with_owner ("owner_id;kind;title;category\n{A};good;Vélo cargo;velos-cargo\n", a.member_id);
  for (const char **type = refused; *type; type++) {
    post_csv (it_admin, *type, NULL, text, strlen (text), &resp);
    if (resp.status != 415) {
      fail_msg ("Content-Type %s: %d", *type, resp.status);
    }
    assert_string_equal (mt_http_json_string (&resp, "type"),
                         "urn:mutua:problem:unsupported-media-type");
    mt_http_response_destroy (&resp);
  }
  post_csv (it_admin, NULL, NULL, text, strlen (text), &resp);
  it_assert_status (&resp, 415, "POST", IMPORT_PATH);
  mt_http_response_destroy (&resp);
  assert_int_equal (listings_of (a.member_id, &resp), 0);
  mt_http_response_destroy (&resp);
  post_csv (it_admin, "Text/CSV; Charset=\"UTF-8\"", NULL, text, strlen (text), &resp);
  it_assert_status (&resp, 201, "POST", IMPORT_PATH);
  mt_http_response_destroy (&resp);
  assert_int_equal (listings_of (a.member_id, &resp), 1);
  mt_http_response_destroy (&resp);
  free (text);
  it_person_destroy (&a);
}

/* ---- Export ---------------------------------------------------------------------------------- */

/* The records of a CSV text after its header, each as one string (cells joined by 0x1F), in
 * @rows (malloc'd array of malloc'd strings); their count. */
static size_t
rows_of (const char *data, size_t len, char ***rows)
{
  const mt_csv_limits_t limits = { .max_field = 100000, .max_columns = 64, .max_rows = 100000 };
  mt_csv_t csv;
  mt_error_t error;
  size_t n;

  if (!mt_csv_read (data, len, &limits, &csv, &error)) {
    fail_msg ("export unreadable: %s", error.message);
  }
  assert_int_equal (csv.columns, 26);
  n = csv.records - 1;
  *rows = calloc (n + 1, sizeof **rows);
  for (size_t r = 1; r < csv.records; r++) {
    mt_buf_t row;
    mt_buf_init (&row, 1 << 20);
    for (size_t c = 0; c < csv.columns; c++) {
      size_t clen;
      const char *cell = mt_csv_cell (&csv, r, c, &clen);
      mt_buf_append (&row, cell, clen);
      mt_buf_append_char (&row, 0x1F);
    }
    (*rows)[r - 1] = mt_buf_steal (&row, NULL);
    mt_buf_destroy (&row);
  }
  mt_csv_destroy (&csv);
  return n;
}

static size_t
count_of (char **rows, size_t n, const char *row)
{
  size_t k = 0;

  for (size_t i = 0; i < n; i++) {
    k += strcmp (rows[i], row) == 0;
  }
  return k;
}

static void
free_rows (char **rows, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    free (rows[i]);
  }
  free (rows);
}

static void export(mt_http_response_t *resp)
{
  it_call (it_admin, "GET", EXPORT_PATH, NULL, NULL, resp);
  it_assert_status (resp, 200, "GET", EXPORT_PATH);
  assert_string_equal (mt_http_header (resp, "Content-Type"), "text/csv; charset=utf-8");
  assert_string_equal (mt_http_header (resp, "Content-Disposition"),
                       "attachment; filename=\"mutua-listings.csv\"");
  assert_true (resp->body_len > 3);
  assert_memory_equal (resp->body, "\xEF\xBB\xBF" HEADER, strlen ("\xEF\xBB\xBF" HEADER));
}

static void
export_imports_back_to_the_same_listings (void **state)
{
  it_person_t a;
  mt_http_response_t resp;
  mt_http_response_t first;
  mt_http_response_t second;
  char **rows1 = NULL;
  char **rows2 = NULL;
  size_t n1, n2;
  char line[256];

  (void) state;
  need_network ();
  it_signup (nets1, true, &a);
  /* Listings made through the API, every column used, a formula-looking title. */
  it_call (a.token, "POST", "/v1/listings", NULL,
           "{\"kind\":\"good\",\"title\":\"=Vélo cargo\",\"description\":\"Biporteur\\r\\n"
           "« 500 Wh »; \\\"casque\\\"\",\"category\":\"velos-cargo\",\"tags\":[\"vélo\","
           "\"cargo\"],\"territory\":{\"departement\":\"2A\",\"commune\":\"Ajaccio\"},"
           "\"visibility\":\"public\",\"status\":\"published\",\"quantity\":2,\"condition\":"
           "\"good\",\"replacement_value_cents\":450000,\"deposit_cents\":0,\"loan_rules\":"
           "{\"max_days\":7,\"min_notice_hours\":48,\"buffer_hours\":2,\"horizon_days\":90},"
           "\"approval\":\"auto\",\"pickup\":{\"address\":\"12 rue des Arts\",\"instructions\":"
           "\"Sonner\"},\"credit_price_per_day\":5}",
           &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  mt_http_response_destroy (&resp);
  it_call (a.token, "POST", "/v1/listings", NULL,
           "{\"kind\":\"service\",\"title\":\"Atelier gouvernance\",\"category\":"
           "\"animation-facilitation\",\"status\":\"paused\",\"format\":\"both\","
           "\"duration_minutes\":120,\"credit_rate_per_hour\":4,\"languages\":[\"fr\",\"en\"]}",
           &resp);
  it_assert_status (&resp, 201, "POST", "/v1/listings");
  mt_http_response_destroy (&resp);

  export(&first);
  n1 = rows_of (first.body, first.body_len, &rows1);
  assert_true (n1 >= 2);
  snprintf (line, sizeof line, "\r\n%s;good;'=Vélo cargo;", a.member_id); /* guarded */
  assert_non_null (strstr (first.body, line));

  /* The export, as it is, is an import file. */
  {
    mt_http_response_t imported;
    post_csv (it_admin, "text/csv", NULL, first.body, first.body_len, &imported);
    it_assert_status (&imported, 201, "POST", IMPORT_PATH);
    assert_int_equal (mt_bson_int (mt_http_json (&imported), "imported", -1), (int64_t) n1);
    mt_http_response_destroy (&imported);
  }
  /* Exported again, every row of the first export is there twice: the imported copies hold
   * the same values in every column. */
  export(&second);
  n2 = rows_of (second.body, second.body_len, &rows2);
  assert_int_equal (n2, 2 * n1);
  for (size_t i = 0; i < n1; i++) {
    size_t before = count_of (rows1, n1, rows1[i]);
    if (count_of (rows2, n2, rows1[i]) != 2 * before) {
      fail_msg ("row %zu of the first export is not there twice: %s", i, rows1[i]);
    }
  }
  assert_int_equal (listings_of (a.member_id, &resp), 4);
  assert_int_equal (item_int (&resp, item_titled (&resp, "=Vélo cargo"), "quantity"), 2);
  mt_http_response_destroy (&resp);
  free_rows (rows1, n1);
  free_rows (rows2, n2);
  mt_http_response_destroy (&first);
  mt_http_response_destroy (&second);
  it_person_destroy (&a);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("listings_csv/import/bom_semicolons_multiline_accents",
             imports_bom_semicolons_multiline_cells_and_accents),
    MT_TEST ("listings_csv/import/commas_without_bom", imports_commas_without_bom),
    MT_TEST ("listings_csv/import/bad_rows_nothing_imported",
             three_bad_rows_are_listed_and_nothing_is_imported),
    MT_TEST ("listings_csv/admins_only", only_administrators_import_and_export),
    MT_TEST ("listings_csv/import/text_csv_only", takes_text_csv_only),
    MT_TEST ("listings_csv/export/round_trip", export_imports_back_to_the_same_listings),
  };
  return cmocka_run_group_tests_name ("integration/listings_csv", tests, it_start, it_stop);
}
