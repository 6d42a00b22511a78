/*
 * members_helpers: what the integration tests of /v1/me, members, networks and admin share.
 * One mutuad per test program (started by it_start, with the harness's first administrator);
 * every test builds its own organisations through the public API (sign-up, sign-in,
 * approval, invitations), with unique names and e-mails, so tests never depend on each other.
 *
 * Everything is static inline so that each test program takes only what it uses.
 */
#ifndef MT_MEMBERS_HELPERS_H
#define MT_MEMBERS_HELPERS_H

#include "mt_test.h"

#include "mt_bson.h"
#include "mt_http_client.h"
#include "mt_id.h"
#include "mt_test_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define IT_PASSWORD "mot-de-passe-solide"

static mt_test_server_t it_server;
static char *it_admin;      /* the first administrator's token */
static unsigned it_counter; /* makes slugs, names and e-mails unique within a program */

/* A signed-in person and their organisation. */
typedef struct {
  char member_id[MT_ID_SIZE];
  char account_id[MT_ID_SIZE];
  char email[96];
  char *token; /* malloc'd */
} it_person_t;

static inline int
it_start (void **state)
{
  (void) state;
  if (!mt_test_server_start (&it_server, NULL, NULL)) {
    mt_test_server_destroy (&it_server);
    return -1;
  }
  it_admin = mt_test_server_login_admin (&it_server);
  return it_admin ? 0 : -1;
}

static inline int
it_stop (void **state)
{
  int status = mt_test_server_stop (&it_server);

  (void) state;
  free (it_admin);
  it_admin = NULL;
  mt_test_server_destroy (&it_server);
  return status == 0 ? 0 : -1;
}

/* One request; the caller destroys @resp. */
static inline void
it_call (const char *token, const char *method, const char *path, const char *const *headers,
         const char *json, mt_http_response_t *resp)
{
  if (!mt_test_server_request (&it_server, token, method, path, headers, json, resp)) {
    fail_msg ("%s %s: no response", method, path);
  }
}

/* Fails with the problem's detail when @resp's status is not @status. */
static inline void
it_assert_status (const mt_http_response_t *resp, int status, const char *method, const char *path)
{
  if (resp->status != status) {
    fail_msg ("%s %s: status %d, expected %d: %s", method, path, resp->status, status,
              resp->body ? resp->body : "");
  }
}

/* One request that must answer @status; the response is thrown away. */
static inline void
it_expect (const char *token, const char *method, const char *path, const char *json, int status)
{
  mt_http_response_t resp;

  it_call (token, method, path, NULL, json, &resp);
  it_assert_status (&resp, status, method, path);
  mt_http_response_destroy (&resp);
}

/* The same, with the problem type checked too (@slug: "not-found", "conflict"...). */
static inline void
it_expect_problem (const char *token, const char *method, const char *path, const char *json,
                   int status, const char *slug)
{
  mt_http_response_t resp;
  char type[96];

  it_call (token, method, path, NULL, json, &resp);
  it_assert_status (&resp, status, method, path);
  snprintf (type, sizeof type, "urn:mutua:problem:%s", slug);
  assert_non_null (mt_http_json_string (&resp, "type"));
  assert_string_equal (mt_http_json_string (&resp, "type"), type);
  mt_http_response_destroy (&resp);
}

/* A new network (as the administrator); its id to @id. */
static inline void
it_network (char id[MT_ID_SIZE])
{
  mt_http_response_t resp;
  char body[256];
  unsigned n = ++it_counter;

  snprintf (body, sizeof body, "{\"slug\":\"reseau-%u-%u\",\"name\":\"Réseau %u\"}",
            (unsigned) getpid (), n, n);
  it_call (it_admin, "POST", "/v1/networks", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/networks");
  snprintf (id, MT_ID_SIZE, "%s", mt_http_json_string (&resp, "id"));
  mt_http_response_destroy (&resp);
}

static inline char *
it_login (const char *email, const char *password)
{
  return mt_test_server_login (&it_server, email, password);
}

/*
 * Signs up a new organisation in the networks @networks (a JSON array text such as
 * ["net_..."]), approves it when @approve, and signs its manager in.
 */
static inline void
it_signup (const char *networks, bool approve, it_person_t *out)
{
  mt_http_response_t resp;
  char body[1024];
  char path[96];
  unsigned n = ++it_counter;

  memset (out, 0, sizeof *out);
  snprintf (out->email, sizeof out->email, "responsable%u.%u@asso.example", n,
            (unsigned) getpid ());
  snprintf (body, sizeof body,
            "{\"email\":\"%s\",\"password\":\"" IT_PASSWORD "\",\"name\":\"Camille %u\","
            "\"member\":{\"name\":\"Association %04u\",\"kind\":\"association\","
            "\"territory\":{\"departement\":\"59\",\"commune\":\"Lille\"},"
            "\"description\":\"Atelier vélo participatif\","
            "\"contact\":{\"email\":\"contact%u@asso.example\",\"phone\":\"03 20 00 00 00\"},"
            "\"networks\":%s}}",
            out->email, n, n, n, networks);
  it_call (NULL, "POST", "/v1/auth/signup", NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", "/v1/auth/signup");
  snprintf (out->member_id, sizeof out->member_id, "%s", mt_http_json_string (&resp, "member.id"));
  snprintf (out->account_id, sizeof out->account_id, "%s",
            mt_http_json_string (&resp, "account.id"));
  mt_http_response_destroy (&resp);
  if (approve) {
    snprintf (path, sizeof path, "/v1/admin/members/%s/approve", out->member_id);
    it_expect (it_admin, "POST", path, NULL, 200);
  }
  out->token = it_login (out->email, IT_PASSWORD);
  assert_non_null (out->token);
}

/* @manager invites a colleague with @role ("staff" | "manager"), who accepts and signs in. */
static inline void
it_colleague (const it_person_t *manager, const char *role, it_person_t *out)
{
  mt_http_response_t resp;
  char body[512];
  char path[96];
  char *token;
  unsigned n = ++it_counter;

  memset (out, 0, sizeof *out);
  snprintf (out->member_id, sizeof out->member_id, "%s", manager->member_id);
  snprintf (out->email, sizeof out->email, "collegue%u.%u@asso.example", n, (unsigned) getpid ());
  snprintf (body, sizeof body,
            "{\"email\":\"%s\",\"name\":\"Dominique %u\",\"member_role\":\"%s\"}", out->email, n,
            role);
  snprintf (path, sizeof path, "/v1/members/%s/accounts", manager->member_id);
  it_call (manager->token, "POST", path, NULL, body, &resp);
  it_assert_status (&resp, 201, "POST", path);
  snprintf (out->account_id, sizeof out->account_id, "%s",
            mt_http_json_string (&resp, "account.id"));
  token = strdup (mt_http_json_string (&resp, "invitation.token"));
  mt_http_response_destroy (&resp);
  snprintf (body, sizeof body, "{\"token\":\"%s\",\"password\":\"" IT_PASSWORD "\"}", token);
  free (token);
  it_expect (NULL, "POST", "/v1/auth/invitations/accept", body, 200);
  out->token = it_login (out->email, IT_PASSWORD);
  assert_non_null (out->token);
}

static inline void
it_person_destroy (it_person_t *person)
{
  free (person->token);
  person->token = NULL;
}

/* A JSON array text of one network id. */
static inline void
it_networks1 (char out[64], const char *id)
{
  snprintf (out, 64, "[\"%s\"]", id);
}

#endif
