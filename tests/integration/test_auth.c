/*
 * Integration tests of the /v1/auth/ endpoints against the real mutuad over HTTP: sign-up and every bad
 * input, sign-in (token, cookie, one answer for every failure, rate limits per e-mail and
 * per address), sign-out, password change, forged and revoked tokens, suspended members,
 * cookie-authenticated writes and their Origin check, invitations, and that no password or
 * token ever reaches the server's log.
 *
 * One server (debug log level) serves most tests; the address limit and the Secure cookie
 * get their own. Each test makes its own organisations with unique e-mails.
 */
#include "mt_test.h"

#include "keyring.h"
#include "mt_b64.h"
#include "mt_bson.h"
#include "mt_http_client.h"
#include "mt_id.h"
#include "mt_json.h"
#include "mt_test_server.h"
#include "mt_time.h"
#include "tokens.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASSWORD "velo-cargo-2026!secret"
#define NEW_PASSWORD "nouveau-mot-de-passe-42"
#define WRONG_PASSWORD "wrong-password-guess"
#define INVITEE_PASSWORD "mot-de-passe-invite-7"

static mt_test_server_t srv;
static char *admin;
static char network_id[MT_ID_SIZE];
static unsigned counter;

/* Every secret the tests sent or received, searched for in the log at the end. */
#define SECRETS_MAX 512
static char *secrets[SECRETS_MAX];
static size_t n_secrets;

static void
remember_secret (const char *secret)
{
  if (secret && n_secrets < SECRETS_MAX) {
    secrets[n_secrets++] = strdup (secret);
  }
}

/* --- server ------------------------------------------------------------------------------- */

/* Creates a network as @admin_token on @server; its id goes to @id_out. */
static bool
create_network (const mt_test_server_t *server, const char *admin_token, char id_out[MT_ID_SIZE])
{
  char json[256];
  mt_http_response_t resp;
  const char *id;
  bool ok = false;

  snprintf (json, sizeof json, "{\"slug\":\"auth-%d\",\"name\":\"Réseau auth %d\"}", getpid (),
            getpid ());
  if (mt_test_server_request (server, admin_token, "POST", "/v1/networks", NULL, json, &resp) &&
      resp.status == 201 && (id = mt_http_json_string (&resp, "id")) && strlen (id) == MT_ID_LEN) {
    memcpy (id_out, id, MT_ID_SIZE);
    ok = true;
  } else {
    fprintf (stderr, "POST /v1/networks: %d %.300s\n", resp.status, resp.body);
  }
  mt_http_response_destroy (&resp);
  return ok;
}

static int
group_setup (void **state)
{
  const char *args[] = { "--log-level", "debug", "--login-address-limit", "1000000", NULL };

  (void) state;
  remember_secret (MT_TEST_ADMIN_PASSWORD);
  remember_secret (PASSWORD);
  remember_secret (NEW_PASSWORD);
  remember_secret (WRONG_PASSWORD);
  remember_secret (INVITEE_PASSWORD);
  if (!mt_test_server_start (&srv, args, NULL)) {
    return -1;
  }
  admin = mt_test_server_login_admin (&srv);
  remember_secret (admin);
  return admin && create_network (&srv, admin, network_id) ? 0 : -1;
}

static int
group_teardown (void **state)
{
  int status = mt_test_server_stop (&srv);

  (void) state;
  mt_test_server_destroy (&srv);
  free (admin);
  for (size_t i = 0; i < n_secrets; i++) {
    free (secrets[i]);
  }
  return status == 0 ? 0 : -1;
}

/* --- helpers ------------------------------------------------------------------------------ */

static void
unique_email (char *out, size_t size, const char *who)
{
  snprintf (out, size, "%s-%d-%u@velo-solidaire.fr", who, getpid (), ++counter);
}

/* Raw JSON pieces of a sign-up body; NULL means the valid default. */
typedef struct {
  const char *email; /* plain text, quoted here */
  const char *password;
  const char *email_raw; /* raw JSON replacing the quoted e-mail */
  const char *password_raw;
  const char *name_raw;
  const char *kind_raw;
  const char *departement_raw;
  const char *networks_raw;
  const char *member_raw; /* replaces the whole member object */
  const char *top_extra;  /* appended to the top object: ",\"x\":1" */
  const char *member_extra;
  const char *territory_extra;
} body_t;

static void
signup_json (const body_t *b, char *out, size_t size)
{
  char email[160];
  char password[160];
  char networks[64];
  char member[1024];

  snprintf (email, sizeof email, "\"%s\"", b->email ? b->email : "nobody@x.fr");
  snprintf (password, sizeof password, "\"%s\"", b->password ? b->password : PASSWORD);
  snprintf (networks, sizeof networks, "[\"%s\"]", network_id);
  snprintf (member, sizeof member,
            "{\"name\":\"Vélo Solidaire Lille\",\"kind\":%s,"
            "\"territory\":{\"departement\":%s,\"commune\":\"Lille\"%s},"
            "\"description\":\"Atelier vélo participatif\","
            "\"contact\":{\"email\":\"contact@velo-solidaire.fr\",\"phone\":\"03 20 00 00 00\"},"
            "\"networks\":%s%s}",
            b->kind_raw ? b->kind_raw : "\"association\"",
            b->departement_raw ? b->departement_raw : "\"59\"",
            b->territory_extra ? b->territory_extra : "",
            b->networks_raw ? b->networks_raw : networks, b->member_extra ? b->member_extra : "");
  snprintf (out, size, "{\"email\":%s,\"password\":%s,\"name\":%s,\"member\":%s%s}",
            b->email_raw ? b->email_raw : email, b->password_raw ? b->password_raw : password,
            b->name_raw ? b->name_raw : "\"Camille Martin\"",
            b->member_raw ? b->member_raw : member, b->top_extra ? b->top_extra : "");
}

static void
post (const mt_test_server_t *server, const char *token, const char *path, const char *json,
      const char *const *headers, mt_http_response_t *resp)
{
  assert_true (mt_test_server_request (server, token, "POST", path, headers, json, resp));
}

static void
get_me (const char *token, mt_http_response_t *resp)
{
  assert_true (mt_test_server_request (&srv, token, "GET", "/v1/me", NULL, NULL, resp));
}

static void
assert_problem (const mt_http_response_t *resp, int status, const char *slug)
{
  char type[96];

  snprintf (type, sizeof type, "urn:mutua:problem:%s", slug);
  if (resp->status != status) {
    fail_msg ("status %d instead of %d: %.400s", resp->status, status, resp->body);
  }
  assert_non_null (mt_http_json_string (resp, "type"));
  assert_string_equal (mt_http_json_string (resp, "type"), type);
  assert_true (strncmp (mt_http_header (resp, "Content-Type"), "application/problem+json", 24) ==
               0);
}

static void
assert_signup_refused (const body_t *b, int status, const char *slug)
{
  char json[2048];
  mt_http_response_t resp;

  signup_json (b, json, sizeof json);
  post (&srv, NULL, "/v1/auth/signup", json, NULL, &resp);
  assert_problem (&resp, status, slug);
  mt_http_response_destroy (&resp);
}

/* A person who signed up (and maybe signed in). */
typedef struct {
  char email[96];
  char account_id[MT_ID_SIZE];
  char member_id[MT_ID_SIZE];
} person_t;

static void
signup_on (const mt_test_server_t *server, const char *network, const char *who, person_t *p)
{
  char json[2048];
  char networks[64];
  mt_http_response_t resp;
  body_t b = { 0 };

  unique_email (p->email, sizeof p->email, who);
  snprintf (networks, sizeof networks, "[\"%s\"]", network);
  b.email = p->email;
  b.networks_raw = networks;
  signup_json (&b, json, sizeof json);
  post (server, NULL, "/v1/auth/signup", json, NULL, &resp);
  if (resp.status != 201) {
    fail_msg ("sign-up: %d %.400s", resp.status, resp.body);
  }
  snprintf (p->account_id, sizeof p->account_id, "%s", mt_http_json_string (&resp, "account.id"));
  snprintf (p->member_id, sizeof p->member_id, "%s", mt_http_json_string (&resp, "member.id"));
  mt_http_response_destroy (&resp);
}

static void
signup (const char *who, person_t *p)
{
  signup_on (&srv, network_id, who, p);
}

static void
login_raw (const mt_test_server_t *server, const char *email, const char *password,
           mt_http_response_t *resp)
{
  char json[512];

  snprintf (json, sizeof json, "{\"email\":\"%s\",\"password\":\"%s\"}", email, password);
  post (server, NULL, "/v1/auth/login", json, NULL, resp);
  remember_secret (mt_http_json_string (resp, "token"));
}

/* Signs in and returns the token (malloc'd). */
static char *
login (const char *email, const char *password)
{
  char *token = mt_test_server_login (&srv, email, password);

  assert_non_null (token);
  remember_secret (token);
  return token;
}

static void
assert_me_status (const char *token, int status)
{
  mt_http_response_t resp;

  get_me (token, &resp);
  if (resp.status != status) {
    fail_msg ("GET /v1/me: %d instead of %d: %.300s", resp.status, status, resp.body);
  }
  if (status == 401) {
    assert_problem (&resp, 401, "unauthenticated");
  }
  mt_http_response_destroy (&resp);
}

/* A time claim ("iat", "exp") of @token read from its payload, in ms (no verification). */
static int64_t
token_claim_ms (const char *token, const char *claim)
{
  const char *body = token + 10;
  const char *dot = strchr (body, '.');
  size_t text_len = dot ? (size_t) (dot - body) : strlen (body);
  uint8_t decoded[2048];
  size_t len = 0;
  bson_t claims;
  const char *value;
  int64_t ms = 0;
  mt_error_t error;

  assert_true (mt_b64url_decode (body, text_len, decoded, sizeof decoded, &len));
  assert_true (len > 64);
  assert_true (
    mt_json_parse_object ((const char *) decoded, len - 64, MT_JSON_STRICT, &claims, &error));
  value = mt_bson_str (&claims, claim);
  assert_non_null (value);
  assert_true (mt_time_parse_rfc3339 (value, strlen (value), &ms));
  bson_destroy (&claims);
  return ms;
}

/* The problem document without its request_id, as JSON text (malloc'd). */
static char *
problem_without_request_id (const mt_http_response_t *resp)
{
  static const char *const volatile_fields[] = { "request_id", NULL };
  bson_t copy;
  char *json;

  assert_true (resp->has_json);
  mt_bson_copy_without (&resp->json, &copy, volatile_fields);
  json = mt_json_from_bson (&copy, NULL);
  bson_destroy (&copy);
  return json;
}

/* --- sign-up ------------------------------------------------------------------------------ */

static void
signup_creates_pending_member_and_manager (void **state)
{
  char email[96];
  char json[2048];
  char location[64];
  mt_http_response_t resp;
  body_t b = { 0 };

  (void) state;
  unique_email (email, sizeof email, "Camille");
  b.email = email;
  signup_json (&b, json, sizeof json);
  post (&srv, NULL, "/v1/auth/signup", json, NULL, &resp);
  assert_int_equal (resp.status, 201);
  assert_true (strncmp (mt_http_header (&resp, "Content-Type"), "application/json", 16) == 0);
  snprintf (location, sizeof location, "/v1/members/%s", mt_http_json_string (&resp, "member.id"));
  assert_string_equal (mt_http_header (&resp, "Location"), location);
  assert_true (mt_id_is_valid (mt_http_json_string (&resp, "account.id"), "acc"));
  assert_string_equal (mt_http_json_string (&resp, "account.member_id"),
                       mt_http_json_string (&resp, "member.id"));
  assert_string_equal (mt_http_json_string (&resp, "account.member_role"), "manager");
  assert_string_equal (mt_http_json_string (&resp, "account.platform_role"), "member");
  assert_string_equal (mt_http_json_string (&resp, "account.status"), "active");
  assert_string_equal (mt_http_json_string (&resp, "member.status"), "pending");
  assert_string_equal (mt_http_json_string (&resp, "member.name"), "Vélo Solidaire Lille");
  assert_string_equal (mt_http_json_string (&resp, "member.networks.0"), network_id);
  assert_null (strstr (resp.body, "password"));
  assert_null (strstr (resp.body, "$argon2"));
  assert_null (strstr (resp.body, "email_key"));
  mt_http_response_destroy (&resp);
  /* It can sign in at once, with the e-mail in any case. */
  for (char *c = email; *c; c++) {
    *c = (char) (*c >= 'a' && *c <= 'z' ? *c - 'a' + 'A' : *c);
  }
  free (login (email, PASSWORD));
}

static void
signup_rejects_malformed_json (void **state)
{
  static const char *const bodies[] = {
    "{\"email\":",
    "{\"email\":\"a@b.fr\",}",
    "{\"email\":\"a@b.fr\",\"email\":\"c@d.fr\"}",
    "[]",
    "{} {}",
    "{\"$where\":\"1\"}",
    "{\"email\":{\"$date\":0}}",
    "{\"email\":\"a\\u0000b\"}",
    "\"just a string\"",
    "",
  };
  mt_http_response_t resp;

  (void) state;
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    post (&srv, NULL, "/v1/auth/signup", bodies[i], NULL, &resp);
    if (resp.status != 400) {
      fail_msg ("body %zu: %d", i, resp.status);
    }
    assert_true (strcmp (mt_http_json_string (&resp, "type"), "urn:mutua:problem:bad-request") ==
                   0 ||
                 strcmp (mt_http_json_string (&resp, "type"), "urn:mutua:problem:validation") == 0);
    mt_http_response_destroy (&resp);
  }
}

static void
signup_rejects_unknown_and_server_owned_fields (void **state)
{
  static const char *const top[] = {
    ",\"nickname\":\"Cam\"",
    ",\"role\":\"admin\"",
    ",\"status\":\"active\"",
    ",\"member_id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"platform_role\":\"admin\"",
    ",\"member_role\":\"manager\"",
    ",\"version\":7",
    ",\"id\":\"acc_AAAAAAAAAAAAAAAAAAAAAA\"",
    ",\"password_hash\":\"x\"",
    ",\"tokens_not_before\":\"2026-01-01T00:00:00Z\"",
  };
  static const char *const nested[] = {
    ",\"status\":\"active\"",        ",\"id\":\"mem_AAAAAAAAAAAAAAAAAAAAAA\"",    ",\"version\":1",
    ",\"website\":\"https://x.fr\"", ",\"approved_at\":\"2026-01-01T00:00:00Z\"",
  };
  body_t b = { 0 };

  (void) state;
  for (size_t i = 0; i < sizeof top / sizeof top[0]; i++) {
    b = (body_t){ .top_extra = top[i] };
    assert_signup_refused (&b, 400, "validation");
  }
  for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++) {
    b = (body_t){ .member_extra = nested[i] };
    assert_signup_refused (&b, 400, "validation");
  }
  b = (body_t){ .territory_extra = ",\"region\":\"Hauts-de-France\"" };
  assert_signup_refused (&b, 400, "validation");
}

static void
signup_rejects_wrong_types_and_values (void **state)
{
  char dup[128];
  body_t cases[] = {
    { .email_raw = "42" },
    { .email_raw = "\"not-an-email\"" },
    { .password_raw = "true" },
    { .password_raw = "null" },
    { .name_raw = "null" },
    { .name_raw = "\"\"" },
    { .member_raw = "[]" },
    { .member_raw = "\"Vélo\"" },
    { .kind_raw = "\"ngo\"" },
    { .kind_raw = "\"platform\"" },
    { .departement_raw = "\"99\"" },
    { .departement_raw = "59" },
    { .networks_raw = "\"net_AAAAAAAAAAAAAAAAAAAAAA\"" },
    { .networks_raw = "[]" },
    { .networks_raw = "[\"not an id\"]" },
    { .networks_raw = "[42]" },
    { .networks_raw = dup },
  };

  (void) state;
  snprintf (dup, sizeof dup, "[\"%s\",\"%s\"]", network_id, network_id);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    assert_signup_refused (&cases[i], 400, "validation");
  }
}

static void
signup_rejects_oversized_body (void **state)
{
  size_t size = 1536 * 1024;
  char *json = malloc (size + 64);
  mt_http_response_t resp;

  (void) state;
  assert_non_null (json);
  memcpy (json, "{\"name\":\"", 9);
  memset (json + 9, 'a', size);
  memcpy (json + 9 + size, "\"}", 3);
  post (&srv, NULL, "/v1/auth/signup", json, NULL, &resp);
  assert_problem (&resp, 413, "too-large");
  mt_http_response_destroy (&resp);
  free (json);
}

static void
signup_rejects_other_content_types (void **state)
{
  const char *text[] = { "Content-Type: text/plain", NULL };
  const char *form[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
  const char *jsonish[] = { "Content-Type: application/jsonp", NULL };
  char json[2048];
  body_t b = { 0 };
  mt_http_response_t resp;

  (void) state;
  signup_json (&b, json, sizeof json);
  post (&srv, NULL, "/v1/auth/signup", json, text, &resp);
  assert_problem (&resp, 415, "unsupported-media-type");
  mt_http_response_destroy (&resp);
  post (&srv, NULL, "/v1/auth/signup", json, form, &resp);
  assert_problem (&resp, 415, "unsupported-media-type");
  mt_http_response_destroy (&resp);
  post (&srv, NULL, "/v1/auth/signup", json, jsonish, &resp);
  assert_problem (&resp, 415, "unsupported-media-type");
  mt_http_response_destroy (&resp);
  /* No Content-Type at all. */
  assert_true (
    mt_http_request (srv.port, "POST", "/v1/auth/signup", NULL, json, strlen (json), &resp));
  assert_problem (&resp, 415, "unsupported-media-type");
  mt_http_response_destroy (&resp);
}

static void
signup_rejects_taken_email_case_insensitively (void **state)
{
  char first[96];
  char second[96];
  char json[2048];
  body_t b = { 0 };
  mt_http_response_t resp;

  (void) state;
  snprintf (first, sizeof first, "Camille-%d@X.fr", getpid ());
  snprintf (second, sizeof second, "camille-%d@x.fr", getpid ());
  b.email = first;
  signup_json (&b, json, sizeof json);
  post (&srv, NULL, "/v1/auth/signup", json, NULL, &resp);
  assert_int_equal (resp.status, 201);
  mt_http_response_destroy (&resp);
  b.email = second;
  assert_signup_refused (&b, 409, "duplicate");
  b.email = first;
  assert_signup_refused (&b, 409, "duplicate");
}

static void
signup_rejects_unknown_network (void **state)
{
  char email[96];
  char networks[80];
  char unknown[MT_ID_SIZE];
  char json[2048];
  body_t b = { 0 };
  mt_http_response_t resp;

  (void) state;
  mt_id_new ("net", unknown);
  snprintf (networks, sizeof networks, "[\"%s\",\"%s\"]", network_id, unknown);
  unique_email (email, sizeof email, "lost");
  b.email = email;
  b.networks_raw = networks;
  signup_json (&b, json, sizeof json);
  post (&srv, NULL, "/v1/auth/signup", json, NULL, &resp);
  assert_problem (&resp, 422, "unprocessable");
  assert_string_equal (mt_http_json_string (&resp, "errors.0.path"), "/member/networks/1");
  mt_http_response_destroy (&resp);
  /* Nothing was stored: the same e-mail signs up fine with known networks. */
  b.networks_raw = NULL;
  signup_json (&b, json, sizeof json);
  post (&srv, NULL, "/v1/auth/signup", json, NULL, &resp);
  assert_int_equal (resp.status, 201);
  mt_http_response_destroy (&resp);
}

static void
signup_rejects_short_password (void **state)
{
  body_t b = { .password = "court-123" }; /* 9 characters */
  body_t accented = { .password = "ééééééééé" };
  mt_http_response_t resp;
  char json[2048];

  (void) state;
  signup_json (&b, json, sizeof json);
  post (&srv, NULL, "/v1/auth/signup", json, NULL, &resp);
  assert_problem (&resp, 400, "validation");
  assert_string_equal (mt_http_json_string (&resp, "errors.0.path"), "/password");
  mt_http_response_destroy (&resp);
  assert_signup_refused (&accented, 400, "validation");
}

/* --- sign-in ------------------------------------------------------------------------------ */

static void
login_returns_token_cookie_account_and_member (void **state)
{
  person_t p;
  mt_http_response_t resp;
  char expected[1200];
  const char *cookie;
  const char *token;
  int64_t expires_ms = 0;

  (void) state;
  signup ("login", &p);
  login_raw (&srv, p.email, PASSWORD, &resp);
  assert_int_equal (resp.status, 200);
  token = mt_http_json_string (&resp, "token");
  assert_non_null (token);
  assert_true (strncmp (token, "v4.public.", 10) == 0);
  assert_string_equal (mt_http_json_string (&resp, "token_type"), "Bearer");
  assert_true (mt_time_parse_rfc3339 (mt_http_json_string (&resp, "expires_at"),
                                      strlen (mt_http_json_string (&resp, "expires_at")),
                                      &expires_ms));
  /* 12 hours by default: the token's own claims say so, and expires_at is its "exp". */
  {
    int64_t iat_ms = token_claim_ms (token, "iat");
    assert_int_equal (token_claim_ms (token, "exp"), expires_ms);
    assert_int_equal (expires_ms - iat_ms, INT64_C (43200000));
  }
  assert_string_equal (mt_http_json_string (&resp, "account.id"), p.account_id);
  assert_string_equal (mt_http_json_string (&resp, "member.id"), p.member_id);
  assert_null (strstr (resp.body, "password_hash"));
  assert_null (strstr (resp.body, "$argon2"));
  assert_string_equal (mt_http_header (&resp, "Cache-Control"), "no-store");
  /* The cookie carries the same token, HttpOnly and SameSite=Strict, not Secure over http. */
  assert_int_equal (mt_http_header_count (&resp, "Set-Cookie"), 1);
  cookie = mt_http_header (&resp, "Set-Cookie");
  snprintf (expected, sizeof expected, "mutua_session=%s;", token);
  assert_true (strncmp (cookie, expected, strlen (expected)) == 0);
  assert_non_null (strstr (cookie, "; HttpOnly"));
  assert_non_null (strstr (cookie, "; SameSite=Strict"));
  assert_non_null (strstr (cookie, "; Path=/"));
  assert_non_null (strstr (cookie, "; Max-Age=43"));
  assert_null (strstr (cookie, "Secure"));
  /* The token works. */
  assert_me_status (token, 200);
  {
    mt_http_response_t me;
    get_me (token, &me);
    assert_string_equal (mt_http_json_string (&me, "account.id"), p.account_id);
    mt_http_response_destroy (&me);
  }
  mt_http_response_destroy (&resp);
}

static void
login_failures_are_identical (void **state)
{
  person_t p;
  mt_http_response_t wrong;
  mt_http_response_t other;
  char *wrong_json;
  char *other_json;
  const char *others[][2] = {
    { "nobody-at-all@velo-solidaire.fr", PASSWORD },
    { "not an e-mail", PASSWORD },
    { "", "" },
    { NULL, WRONG_PASSWORD }, /* the right e-mail in upper case, wrong password */
  };
  char upper[96];

  (void) state;
  signup ("twin", &p);
  login_raw (&srv, p.email, WRONG_PASSWORD, &wrong);
  assert_problem (&wrong, 401, "unauthenticated");
  assert_string_equal (mt_http_header (&wrong, "WWW-Authenticate"), "Bearer realm=\"mutua\"");
  assert_null (mt_http_header (&wrong, "Set-Cookie"));
  wrong_json = problem_without_request_id (&wrong);
  snprintf (upper, sizeof upper, "%s", p.email);
  upper[0] = (char) (upper[0] - 'a' + 'A');
  others[3][0] = upper;
  for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
    login_raw (&srv, others[i][0], others[i][1], &other);
    assert_problem (&other, 401, "unauthenticated");
    other_json = problem_without_request_id (&other);
    assert_string_equal (other_json, wrong_json);
    assert_int_equal (other.body_len, wrong.body_len); /* request ids have the same length */
    assert_string_equal (mt_http_header (&other, "WWW-Authenticate"),
                         mt_http_header (&wrong, "WWW-Authenticate"));
    assert_string_equal (mt_http_header (&other, "Content-Type"),
                         mt_http_header (&wrong, "Content-Type"));
    assert_null (mt_http_header (&other, "Set-Cookie"));
    free (other_json);
    mt_http_response_destroy (&other);
  }
  free (wrong_json);
  mt_http_response_destroy (&wrong);
}

static void
login_is_rate_limited_per_email (void **state)
{
  person_t p;
  person_t q;
  mt_http_response_t resp;
  const char *retry;
  char *end = NULL;
  long seconds;

  (void) state;
  signup ("limited", &p);
  signup ("bystander", &q);
  /* login_account_limit is 10 by default: ten failures are answered 401. */
  for (int i = 0; i < 10; i++) {
    login_raw (&srv, p.email, WRONG_PASSWORD, &resp);
    assert_problem (&resp, 401, "unauthenticated");
    mt_http_response_destroy (&resp);
  }
  /* The eleventh attempt is refused before the password is looked at, even the right one. */
  login_raw (&srv, p.email, WRONG_PASSWORD, &resp);
  assert_problem (&resp, 429, "rate-limited");
  retry = mt_http_header (&resp, "Retry-After");
  assert_non_null (retry);
  seconds = strtol (retry, &end, 10);
  assert_true (*end == '\0' && seconds >= 1 && seconds <= 900);
  mt_http_response_destroy (&resp);
  login_raw (&srv, p.email, PASSWORD, &resp);
  assert_problem (&resp, 429, "rate-limited");
  assert_null (mt_http_json_string (&resp, "token"));
  mt_http_response_destroy (&resp);
  /* Another e-mail is not concerned. */
  free (login (q.email, PASSWORD));
}

static void
login_is_rate_limited_per_address_and_cookie_is_secure_over_https (void **state)
{
  const char *args[] = { "--login-address-limit", "3", "--public-url", "https://mutua.example",
                         NULL };
  mt_test_server_t other;
  char admin_token_network[MT_ID_SIZE];
  char *other_admin;
  person_t p;
  char email[96];
  mt_http_response_t resp;

  (void) state;
  assert_true (mt_test_server_start (&other, args, NULL));
  other_admin = mt_test_server_login (&other, MT_TEST_ADMIN_EMAIL, MT_TEST_ADMIN_PASSWORD);
  assert_non_null (other_admin);
  remember_secret (other_admin);
  assert_true (create_network (&other, other_admin, admin_token_network));
  signup_on (&other, admin_token_network, "secure", &p);
  login_raw (&other, p.email, PASSWORD, &resp);
  assert_int_equal (resp.status, 200);
  assert_non_null (strstr (mt_http_header (&resp, "Set-Cookie"), "; Secure"));
  mt_http_response_destroy (&resp);
  /* Three failures from this address, each for another e-mail. */
  for (int i = 0; i < 3; i++) {
    unique_email (email, sizeof email, "guess");
    login_raw (&other, email, WRONG_PASSWORD, &resp);
    assert_problem (&resp, 401, "unauthenticated");
    mt_http_response_destroy (&resp);
  }
  /* A fourth e-mail, even a real one with its password, must wait. */
  login_raw (&other, p.email, PASSWORD, &resp);
  assert_problem (&resp, 429, "rate-limited");
  assert_non_null (mt_http_header (&resp, "Retry-After"));
  mt_http_response_destroy (&resp);
  free (other_admin);
  assert_int_equal (mt_test_server_stop (&other), 0);
  mt_test_server_destroy (&other);
}

/* --- sign-out ----------------------------------------------------------------------------- */

static void
logout_revokes_the_token (void **state)
{
  person_t p;
  mt_http_response_t resp;
  char *token;
  char *other;
  const char *cookie;

  (void) state;
  signup ("logout", &p);
  token = login (p.email, PASSWORD);
  other = login (p.email, PASSWORD);
  post (&srv, token, "/v1/auth/logout", NULL, NULL, &resp);
  assert_int_equal (resp.status, 204);
  cookie = mt_http_header (&resp, "Set-Cookie");
  assert_non_null (cookie);
  assert_true (strncmp (cookie, "mutua_session=;", 15) == 0);
  assert_non_null (strstr (cookie, "Max-Age=0"));
  mt_http_response_destroy (&resp);
  /* The same token is refused from now on, everywhere. */
  post (&srv, token, "/v1/auth/logout", NULL, NULL, &resp);
  assert_problem (&resp, 401, "unauthenticated");
  mt_http_response_destroy (&resp);
  assert_me_status (token, 401);
  /* The other session lives on. */
  assert_me_status (other, 200);
  /* Without a token: 401. */
  post (&srv, NULL, "/v1/auth/logout", NULL, NULL, &resp);
  assert_problem (&resp, 401, "unauthenticated");
  mt_http_response_destroy (&resp);
  free (token);
  free (other);
}

/* --- password change ---------------------------------------------------------------------- */

static void
password_change_ends_every_other_session (void **state)
{
  person_t p;
  mt_http_response_t resp;
  char *token;
  char *other;
  char *fresh;
  char *after;
  char expected[1200];
  char json[256];

  (void) state;
  signup ("password", &p);
  token = login (p.email, PASSWORD);
  other = login (p.email, PASSWORD);
  snprintf (json, sizeof json, "{\"current_password\":\"%s\",\"new_password\":\"%s\"}", PASSWORD,
            NEW_PASSWORD);
  post (&srv, token, "/v1/auth/password", json, NULL, &resp);
  assert_int_equal (resp.status, 200);
  assert_string_equal (mt_http_json_string (&resp, "token_type"), "Bearer");
  assert_non_null (mt_http_json_string (&resp, "expires_at"));
  fresh = strdup (mt_http_json_string (&resp, "token"));
  remember_secret (fresh);
  snprintf (expected, sizeof expected, "mutua_session=%s;", fresh);
  assert_true (strncmp (mt_http_header (&resp, "Set-Cookie"), expected, strlen (expected)) == 0);
  mt_http_response_destroy (&resp);
  /* The token used and the other session are dead; the new token works. */
  assert_me_status (token, 401);
  assert_me_status (other, 401);
  assert_me_status (fresh, 200);
  /* The old password fails, the new one signs in, and that session works at once. */
  login_raw (&srv, p.email, PASSWORD, &resp);
  assert_problem (&resp, 401, "unauthenticated");
  mt_http_response_destroy (&resp);
  after = login (p.email, NEW_PASSWORD);
  assert_me_status (after, 200);
  free (token);
  free (other);
  free (fresh);
  free (after);
}

static void
password_change_refuses_a_wrong_current_password (void **state)
{
  person_t p;
  mt_http_response_t resp;
  char *token;
  char json[256];

  (void) state;
  signup ("keeper", &p);
  token = login (p.email, PASSWORD);
  snprintf (json, sizeof json, "{\"current_password\":\"%s\",\"new_password\":\"%s\"}",
            WRONG_PASSWORD, NEW_PASSWORD);
  post (&srv, token, "/v1/auth/password", json, NULL, &resp);
  assert_problem (&resp, 401, "unauthenticated");
  assert_null (mt_http_header (&resp, "Set-Cookie"));
  mt_http_response_destroy (&resp);
  /* A short new password is a validation error. */
  snprintf (json, sizeof json, "{\"current_password\":\"%s\",\"new_password\":\"court\"}",
            PASSWORD);
  post (&srv, token, "/v1/auth/password", json, NULL, &resp);
  assert_problem (&resp, 400, "validation");
  mt_http_response_destroy (&resp);
  /* Unknown fields too. */
  snprintf (json, sizeof json,
            "{\"current_password\":\"%s\",\"new_password\":\"%s\",\"account_id\":\"%s\"}", PASSWORD,
            NEW_PASSWORD, p.account_id);
  post (&srv, token, "/v1/auth/password", json, NULL, &resp);
  assert_problem (&resp, 400, "validation");
  mt_http_response_destroy (&resp);
  /* Nothing changed. */
  assert_me_status (token, 200);
  free (login (p.email, PASSWORD));
  free (token);
}

/* --- tokens ------------------------------------------------------------------------------- */

/* Signs @claims with @key as mutuad does (kid footer, implicit assertion). */
static char *
forge (const mt_keyring_key_t *key, const char *claims, const char *implicit)
{
  char footer[128];
  char *token = NULL;
  mt_error_t error;

  snprintf (footer, sizeof footer, "{\"kid\":\"%s\"}", mt_keyring_key_kid (key));
  if (!implicit) {
    implicit = MT_TOKEN_IMPLICIT_ASSERTION;
  }
  if (!mt_keyring_key_sign (key, (const uint8_t *) claims, strlen (claims),
                            (const uint8_t *) footer, strlen (footer), (const uint8_t *) implicit,
                            strlen (implicit), &token, NULL, &error)) {
    fail_msg ("sign: %s", error.message);
  }
  remember_secret (token);
  return token;
}

static void
claims_json (char *out, size_t size, const person_t *p, int64_t iat_ms, int64_t nbf_ms,
             int64_t exp_ms)
{
  char jti[32];
  char iat[MT_TIME_RFC3339_MAX];
  char nbf[MT_TIME_RFC3339_MAX];
  char exp[MT_TIME_RFC3339_MAX];

  mt_id_random_token (MT_TOKEN_JTI_BYTES, jti, sizeof jti);
  mt_time_format_rfc3339 (iat_ms - iat_ms % 1000, iat);
  mt_time_format_rfc3339 (nbf_ms - nbf_ms % 1000, nbf);
  mt_time_format_rfc3339 (exp_ms - exp_ms % 1000, exp);
  snprintf (out, size,
            "{\"sub\":\"%s\",\"mid\":\"%s\",\"jti\":\"%s\",\"iat\":\"%s\",\"nbf\":\"%s\","
            "\"exp\":\"%s\"}",
            p->account_id, p->member_id, jti, iat, nbf, exp);
}

/* Removes a directory of key files. */
static void
remove_keys_dir (const char *root)
{
  char keys[600];
  char path[900];
  DIR *d;
  struct dirent *de;

  snprintf (keys, sizeof keys, "%s/keys", root);
  d = opendir (keys);
  while (d && (de = readdir (d))) {
    if (de->d_name[0] != '.') {
      snprintf (path, sizeof path, "%s/%s", keys, de->d_name);
      unlink (path);
    }
  }
  if (d) {
    closedir (d);
  }
  rmdir (keys);
  rmdir (root);
}

static void
forged_and_tampered_tokens_are_refused (void **state)
{
  person_t p;
  char keys[PATH_MAX + 8];
  char claims[512];
  char fresh_root[64];
  char fresh_keys[128];
  char *token;
  char *bad;
  char *tampered;
  size_t len;
  const char *dot;
  mt_keyring_t *kr;
  mt_keyring_t *stranger;
  mt_error_t error;
  int64_t now = mt_time_now_ms ();
  int64_t hour = INT64_C (3600000);

  (void) state;
  signup ("forger", &p);
  free (login (p.email, PASSWORD));
  snprintf (keys, sizeof keys, "%s/keys", srv.dir);
  kr = mt_keyring_load (keys, false, &error);
  if (!kr) {
    fail_msg ("server keys: %s", error.message);
  }
  const mt_keyring_key_t *key = mt_keyring_signing_key (kr);

  /* Control: claims signed as the server does are accepted, so the refusals below are the
   * verifier's doing. */
  claims_json (claims, sizeof claims, &p, now, now, now + hour);
  token = forge (key, claims, NULL);
  assert_me_status (token, 200);

  /* One byte of the payload changed. */
  tampered = strdup (token);
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  assert_me_status (tampered, 401);
  free (tampered);
  /* One byte of the signature changed (the signature ends the body, before the footer). */
  tampered = strdup (token);
  dot = strchr (tampered + 10, '.');
  assert_non_null (dot);
  len = (size_t) (dot - tampered);
  tampered[len - 5] = tampered[len - 5] == 'A' ? 'B' : 'A';
  assert_me_status (tampered, 401);
  free (tampered);
  /* Footer removed. */
  tampered = strndup (token, len);
  assert_me_status (tampered, 401);
  free (tampered);
  /* Other versions and purposes. */
  tampered = malloc (strlen (token) + 8);
  snprintf (tampered, strlen (token) + 8, "v3.public.%s", token + 10);
  assert_me_status (tampered, 401);
  snprintf (tampered, strlen (token) + 8, "v4.local.%s", token + 10);
  assert_me_status (tampered, 401);
  snprintf (tampered, strlen (token) + 8, "V4.public.%s", token + 10);
  assert_me_status (tampered, 401);
  free (tampered);
  free (token);

  /* Expired an hour ago. */
  claims_json (claims, sizeof claims, &p, now - 2 * hour, now - 2 * hour, now - hour);
  bad = forge (key, claims, NULL);
  assert_me_status (bad, 401);
  free (bad);
  /* Not valid before an hour from now. */
  claims_json (claims, sizeof claims, &p, now, now + hour, now + 2 * hour);
  bad = forge (key, claims, NULL);
  assert_me_status (bad, 401);
  free (bad);
  /* Signed for another purpose (implicit assertion). */
  claims_json (claims, sizeof claims, &p, now, now, now + hour);
  bad = forge (key, claims, "mutua:other-purpose");
  assert_me_status (bad, 401);
  free (bad);
  /* Another account's id with this member: the store says no. */
  {
    person_t ghost = p;
    mt_id_new ("acc", ghost.account_id);
    claims_json (claims, sizeof claims, &ghost, now, now, now + hour);
    bad = forge (key, claims, NULL);
    assert_me_status (bad, 401);
    free (bad);
  }
  /* Signed by a key the server does not know, whatever its kid says. */
  snprintf (fresh_root, sizeof fresh_root, "/tmp/mutua-auth-keys-XXXXXX");
  assert_non_null (mkdtemp (fresh_root));
  snprintf (fresh_keys, sizeof fresh_keys, "%s/keys", fresh_root);
  stranger = mt_keyring_load (fresh_keys, true, &error);
  assert_non_null (stranger);
  claims_json (claims, sizeof claims, &p, now, now, now + hour);
  bad = forge (mt_keyring_signing_key (stranger), claims, NULL);
  assert_me_status (bad, 401);
  free (bad);
  assert_true (mt_token_issue (stranger, p.account_id, p.member_id, now, 3600, &bad, NULL, &error));
  remember_secret (bad);
  assert_me_status (bad, 401);
  free (bad);
  /* Garbage and other schemes. */
  assert_me_status ("", 401);
  assert_me_status ("v4.public.", 401);
  assert_me_status ("not-a-token", 401);
  {
    const char *basic[] = { "Authorization: Basic YWRtaW46YWRtaW4=", NULL };
    mt_http_response_t resp;
    assert_true (mt_test_server_request (&srv, NULL, "GET", "/v1/me", basic, NULL, &resp));
    assert_problem (&resp, 401, "unauthenticated");
    mt_http_response_destroy (&resp);
  }
  mt_keyring_unref (stranger);
  remove_keys_dir (fresh_root);
  mt_keyring_unref (kr);
}

/* --- suspension --------------------------------------------------------------------------- */

static void
suspended_member_is_refused (void **state)
{
  person_t p;
  mt_http_response_t resp;
  mt_http_response_t wrong;
  char path[128];
  char *token;
  char *a;
  char *b;

  (void) state;
  signup ("suspended", &p);
  token = login (p.email, PASSWORD);
  snprintf (path, sizeof path, "/v1/admin/members/%s/suspend", p.member_id);
  post (&srv, admin, path, "{\"reason\":\"test de suspension\"}", NULL, &resp);
  if (resp.status != 200) {
    fail_msg ("suspend: %d %.300s", resp.status, resp.body);
  }
  mt_http_response_destroy (&resp);
  /* The session stops at once; sign-in says only "wrong e-mail or password". */
  assert_me_status (token, 401);
  login_raw (&srv, p.email, PASSWORD, &resp);
  assert_problem (&resp, 401, "unauthenticated");
  login_raw (&srv, p.email, WRONG_PASSWORD, &wrong);
  a = problem_without_request_id (&resp);
  b = problem_without_request_id (&wrong);
  assert_string_equal (a, b);
  free (a);
  free (b);
  mt_http_response_destroy (&resp);
  mt_http_response_destroy (&wrong);
  free (token);
}

/* --- cookie ------------------------------------------------------------------------------- */

static void
cookie_writes_require_our_origin (void **state)
{
  person_t p;
  mt_http_response_t resp;
  char cookie[1200];
  char origin[64];
  const char *set_cookie;
  const char *end;

  (void) state;
  signup ("cookie", &p);
  login_raw (&srv, p.email, PASSWORD, &resp);
  assert_int_equal (resp.status, 200);
  set_cookie = mt_http_header (&resp, "Set-Cookie");
  end = strchr (set_cookie, ';');
  assert_non_null (end);
  snprintf (cookie, sizeof cookie, "Cookie: %.*s", (int) (end - set_cookie), set_cookie);
  mt_http_response_destroy (&resp);
  snprintf (origin, sizeof origin, "Origin: http://127.0.0.1:%u", (unsigned) srv.port);
  {
    const char *plain[] = { cookie, NULL };
    const char *foreign[] = { cookie, "Origin: http://evil.example", NULL };
    const char *lookalike[] = { cookie, "Origin: http://127.0.0.1:1", NULL };
    const char *ours[] = { cookie, origin, NULL };

    /* Reading with the cookie needs no Origin. */
    assert_true (mt_test_server_request (&srv, NULL, "GET", "/v1/me", plain, NULL, &resp));
    assert_int_equal (resp.status, 200);
    mt_http_response_destroy (&resp);
    /* Writing does. */
    post (&srv, NULL, "/v1/auth/logout", NULL, plain, &resp);
    assert_problem (&resp, 403, "forbidden");
    mt_http_response_destroy (&resp);
    post (&srv, NULL, "/v1/auth/logout", NULL, foreign, &resp);
    assert_problem (&resp, 403, "forbidden");
    mt_http_response_destroy (&resp);
    post (&srv, NULL, "/v1/auth/logout", NULL, lookalike, &resp);
    assert_problem (&resp, 403, "forbidden");
    mt_http_response_destroy (&resp);
    /* The refused writes did nothing: the session still works. */
    assert_true (mt_test_server_request (&srv, NULL, "GET", "/v1/me", plain, NULL, &resp));
    assert_int_equal (resp.status, 200);
    mt_http_response_destroy (&resp);
    post (&srv, NULL, "/v1/auth/logout", NULL, ours, &resp);
    assert_int_equal (resp.status, 204);
    assert_non_null (strstr (mt_http_header (&resp, "Set-Cookie"), "Max-Age=0"));
    mt_http_response_destroy (&resp);
    assert_true (mt_test_server_request (&srv, NULL, "GET", "/v1/me", plain, NULL, &resp));
    assert_problem (&resp, 401, "unauthenticated");
    mt_http_response_destroy (&resp);
  }
}

/* --- invitations -------------------------------------------------------------------------- */

static void
invitation_accept_activates_once (void **state)
{
  person_t manager;
  mt_http_response_t resp;
  mt_http_response_t unknown;
  char path[128];
  char email[96];
  char json[512];
  char *token;
  char *invitation;
  char *a;
  char *b;

  (void) state;
  signup ("manager", &manager);
  token = login (manager.email, PASSWORD);
  snprintf (path, sizeof path, "/v1/admin/members/%s/approve", manager.member_id);
  post (&srv, admin, path, NULL, NULL, &resp);
  mt_http_response_destroy (&resp);
  unique_email (email, sizeof email, "dominique");
  snprintf (path, sizeof path, "/v1/members/%s/accounts", manager.member_id);
  snprintf (json, sizeof json, "{\"email\":\"%s\",\"name\":\"Dominique\"}", email);
  post (&srv, token, path, json, NULL, &resp);
  if (resp.status != 201 || !mt_http_json_string (&resp, "invitation.token")) {
    fail_msg ("invite: %d %.300s", resp.status, resp.body);
  }
  invitation = strdup (mt_http_json_string (&resp, "invitation.token"));
  remember_secret (invitation);
  mt_http_response_destroy (&resp);

  /* Not yet accepted: no sign-in. */
  login_raw (&srv, email, INVITEE_PASSWORD, &resp);
  assert_problem (&resp, 401, "unauthenticated");
  mt_http_response_destroy (&resp);
  /* A short password is refused first. */
  snprintf (json, sizeof json, "{\"token\":\"%s\",\"password\":\"court\"}", invitation);
  post (&srv, NULL, "/v1/auth/invitations/accept", json, NULL, &resp);
  assert_problem (&resp, 400, "validation");
  mt_http_response_destroy (&resp);
  /* Accepted with a name. */
  snprintf (json, sizeof json,
            "{\"token\":\"%s\",\"password\":\"%s\",\"name\":\"Dominique Lefèvre\"}", invitation,
            INVITEE_PASSWORD);
  post (&srv, NULL, "/v1/auth/invitations/accept", json, NULL, &resp);
  if (resp.status != 200) {
    fail_msg ("accept: %d %.300s", resp.status, resp.body);
  }
  assert_string_equal (mt_http_json_string (&resp, "account.status"), "active");
  assert_string_equal (mt_http_json_string (&resp, "account.name"), "Dominique Lefèvre");
  assert_string_equal (mt_http_json_string (&resp, "account.member_id"), manager.member_id);
  assert_null (strstr (resp.body, "token_hash"));
  assert_null (strstr (resp.body, "password"));
  mt_http_response_destroy (&resp);
  free (login (email, INVITEE_PASSWORD));
  /* Used: 404, exactly as an unknown one. */
  post (&srv, NULL, "/v1/auth/invitations/accept", json, NULL, &resp);
  assert_problem (&resp, 404, "not-found");
  snprintf (json, sizeof json, "{\"token\":\"acc_AAAAAAAAAAAAAAAAAAAAAA.%s\",\"password\":\"%s\"}",
            invitation + MT_ID_LEN + 1, INVITEE_PASSWORD);
  post (&srv, NULL, "/v1/auth/invitations/accept", json, NULL, &unknown);
  assert_problem (&unknown, 404, "not-found");
  a = problem_without_request_id (&resp);
  b = problem_without_request_id (&unknown);
  assert_string_equal (a, b);
  free (a);
  free (b);
  mt_http_response_destroy (&resp);
  mt_http_response_destroy (&unknown);
  /* Unknown fields are refused. */
  snprintf (json, sizeof json, "{\"token\":\"x\",\"password\":\"%s\",\"status\":\"active\"}",
            INVITEE_PASSWORD);
  post (&srv, NULL, "/v1/auth/invitations/accept", json, NULL, &resp);
  assert_problem (&resp, 400, "validation");
  mt_http_response_destroy (&resp);
  free (invitation);
  free (token);
}

/* --- logs --------------------------------------------------------------------------------- */

/* Runs last: every password and token the tests used must be absent from the log, even at
 * debug level. */
static void
secrets_never_reach_the_log (void **state)
{
  size_t len = 0;
  char *log = mt_test_server_log (&srv, &len);

  (void) state;
  assert_non_null (log);
  assert_true (len > 0);
  assert_non_null (strstr (log, "signed in")); /* the log is the right one */
  assert_true (n_secrets > 20);
  for (size_t i = 0; i < n_secrets; i++) {
    if (strstr (log, secrets[i])) {
      fail_msg ("secret %zu found in the server log", i);
    }
    /* Nor a good part of a token (its signature end, say). */
    if (strlen (secrets[i]) > 80 && strstr (log, secrets[i] + strlen (secrets[i]) - 40)) {
      fail_msg ("the end of token %zu found in the server log", i);
    }
  }
  free (log);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("auth/signup/creates_pending_member_and_manager",
             signup_creates_pending_member_and_manager),
    MT_TEST ("auth/signup/rejects_malformed_json", signup_rejects_malformed_json),
    MT_TEST ("auth/signup/rejects_unknown_and_server_owned_fields",
             signup_rejects_unknown_and_server_owned_fields),
    MT_TEST ("auth/signup/rejects_wrong_types_and_values", signup_rejects_wrong_types_and_values),
    MT_TEST ("auth/signup/rejects_oversized_body", signup_rejects_oversized_body),
    MT_TEST ("auth/signup/rejects_other_content_types", signup_rejects_other_content_types),
    MT_TEST ("auth/signup/rejects_taken_email_case_insensitively",
             signup_rejects_taken_email_case_insensitively),
    MT_TEST ("auth/signup/rejects_unknown_network", signup_rejects_unknown_network),
    MT_TEST ("auth/signup/rejects_short_password", signup_rejects_short_password),
    MT_TEST ("auth/login/returns_token_cookie_account_and_member",
             login_returns_token_cookie_account_and_member),
    MT_TEST ("auth/login/failures_are_identical", login_failures_are_identical),
    MT_TEST ("auth/login/rate_limited_per_email", login_is_rate_limited_per_email),
    MT_TEST ("auth/login/rate_limited_per_address_and_secure_cookie",
             login_is_rate_limited_per_address_and_cookie_is_secure_over_https),
    MT_TEST ("auth/logout/revokes_the_token", logout_revokes_the_token),
    MT_TEST ("auth/password/change_ends_every_other_session",
             password_change_ends_every_other_session),
    MT_TEST ("auth/password/refuses_wrong_current_and_bad_bodies",
             password_change_refuses_a_wrong_current_password),
    MT_TEST ("auth/tokens/forged_and_tampered_are_refused", forged_and_tampered_tokens_are_refused),
    MT_TEST ("auth/members/suspended_member_is_refused", suspended_member_is_refused),
    MT_TEST ("auth/cookie/writes_require_our_origin", cookie_writes_require_our_origin),
    MT_TEST ("auth/invitations/accept_activates_once", invitation_accept_activates_once),
    MT_TEST ("auth/log/secrets_never_reach_the_log", secrets_never_reach_the_log),
  };
  return cmocka_run_group_tests_name ("auth", tests, group_setup, group_teardown);
}
