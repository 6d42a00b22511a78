/*
 * schemas/openapi.json against the route table (server/routes/routes.c): every route is
 * described with its method, path, authentication and body schema, nothing else is, and
 * every schema it refers to exists.
 */
#include "mt_test.h"

#include "mt_bson.h"
#include "mt_embed.h"
#include "mt_json.h"
#include "mt_schema.h"
#include "routes.h"

#include <ctype.h>
#include <string.h>

extern const mt_embed_file_t mutua_schema_files[];

static bson_t openapi;

static int
load (void **state)
{
  const mt_embed_file_t *file = mt_embed_find (mutua_schema_files, "openapi.json");
  mt_error_t error;

  if (!file || !mt_json_parse_object ((const char *) file->data, file->len, MT_JSON_TRUSTED,
                                      &openapi, &error)) {
    return -1;
  }
  return 0;
}

static int
unload (void **state)
{
  bson_destroy (&openapi);
  return 0;
}

static const char *
auth_name (mt_auth_mode_t mode)
{
  switch (mode) {
  case MT_AUTH_NONE:
    return "none";
  case MT_AUTH_OPTIONAL:
    return "optional";
  case MT_AUTH_ACCOUNT:
    return "account";
  case MT_AUTH_MEMBER:
    return "member";
  case MT_AUTH_ADMIN:
    return "admin";
  default:
    return "?";
  }
}

/* Finds paths[@pattern][@method] in the document; false when absent. */
static bool
find_operation (const char *pattern, const char *method, bson_t *out)
{
  bson_iter_t paths;
  bson_iter_t path;
  bson_iter_t operation;
  char lower[16];
  size_t i;

  for (i = 0; method[i] && i < sizeof lower - 1; i++) {
    lower[i] = (char) tolower ((unsigned char) method[i]);
  }
  lower[i] = '\0';
  if (!bson_iter_init_find (&paths, &openapi, "paths") || !bson_iter_recurse (&paths, &path) ||
      !bson_iter_find (&path, pattern) || !bson_iter_recurse (&path, &operation) ||
      !bson_iter_find (&operation, lower) || !BSON_ITER_HOLDS_DOCUMENT (&operation)) {
    return false;
  }
  {
    uint32_t len;
    const uint8_t *data;
    bson_iter_document (&operation, &len, &data);
    bson_init_static (out, data, len);
  }
  return true;
}

static void
describes_every_route_as_routed (void **state)
{
  for (size_t i = 0; i < mt_route_count; i++) {
    const mt_route_t *route = &mt_routes[i];
    bson_t op;
    bson_iter_t it;
    bool has_body;

    if (!find_operation (route->pattern, route->method, &op)) {
      fail_msg ("openapi.json lacks %s %s", route->method, route->pattern);
    }
    if (!mt_bson_str_eq (&op, "x-mutua-auth", auth_name (route->auth))) {
      fail_msg ("%s %s: x-mutua-auth is not \"%s\"", route->method, route->pattern,
                auth_name (route->auth));
    }
    /* Public routes declare no security requirement; the others declare one. */
    assert_true (bson_iter_init_find (&it, &op, "security") && BSON_ITER_HOLDS_ARRAY (&it));
    {
      bson_t arr;
      uint32_t len;
      const uint8_t *data;
      bson_iter_array (&it, &len, &data);
      bson_init_static (&arr, data, len);
      assert_int_equal (bson_count_keys (&arr) == 0, route->auth == MT_AUTH_NONE);
    }
    has_body = mt_bson_has (&op, "requestBody");
    if (route->body_schema) {
      char expected[128];
      const char *ref = mt_bson_str (&op, "requestBody.content.application/json.schema.$ref");
      snprintf (expected, sizeof expected, "schemas/%s", route->body_schema);
      if (!ref || strcmp (ref, expected) != 0) {
        fail_msg ("%s %s: request body should refer to %s", route->method, route->pattern,
                  expected);
      }
    } else if (has_body && route->max_body == 0) {
      fail_msg ("%s %s takes no body but openapi.json describes one", route->method,
                route->pattern);
    }
  }
}

static void
describes_nothing_else (void **state)
{
  bson_iter_t paths;
  bson_iter_t path;
  size_t operations = 0;

  assert_true (bson_iter_init_find (&paths, &openapi, "paths") &&
               bson_iter_recurse (&paths, &path));
  while (bson_iter_next (&path)) {
    bson_iter_t op;
    assert_true (bson_iter_recurse (&path, &op));
    while (bson_iter_next (&op)) {
      bool routed = false;
      for (size_t i = 0; i < mt_route_count; i++) {
        if (strcmp (mt_routes[i].pattern, bson_iter_key (&path)) == 0 &&
            strcasecmp (mt_routes[i].method, bson_iter_key (&op)) == 0) {
          routed = true;
        }
      }
      if (!routed) {
        fail_msg ("openapi.json describes %s %s, which no route serves", bson_iter_key (&op),
                  bson_iter_key (&path));
      }
      operations++;
    }
  }
  assert_int_equal (operations, mt_route_count);
  assert_true (mt_bson_str_eq (&openapi, "openapi", "3.1.0"));
}

/* Walks the document and checks every "$ref" to "schemas/<file>". */
static void
check_refs (bson_iter_t *it, const mt_schema_registry_t *registry, int *count)
{
  while (bson_iter_next (it)) {
    if (strcmp (bson_iter_key (it), "$ref") == 0 && BSON_ITER_HOLDS_UTF8 (it)) {
      const char *ref = bson_iter_utf8 (it, NULL);
      if (strncmp (ref, "schemas/", 8) == 0) {
        if (!mt_schema_registry_get (registry, ref + 8)) {
          fail_msg ("openapi.json refers to %s, which is not a schema of schemas/", ref);
        }
        (*count)++;
      } else if (strncmp (ref, "#/components/", 13) != 0) {
        fail_msg ("unexpected reference %s", ref);
      }
    } else if (BSON_ITER_HOLDS_DOCUMENT (it) || BSON_ITER_HOLDS_ARRAY (it)) {
      bson_iter_t child;
      bson_iter_recurse (it, &child);
      check_refs (&child, registry, count);
    }
  }
}

static void
refers_only_to_existing_schemas (void **state)
{
  mt_schema_registry_t *registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  mt_error_t error;
  bson_iter_t it;
  int count = 0;

  assert_true (mt_schema_registry_add_embedded (registry, mutua_schema_files, &error));
  assert_true (bson_iter_init (&it, &openapi));
  check_refs (&it, registry, &count);
  assert_true (count > 10);
  mt_schema_registry_destroy (registry);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("openapi/describes_every_route_as_routed", describes_every_route_as_routed),
    MT_TEST ("openapi/describes_nothing_else", describes_nothing_else),
    MT_TEST ("openapi/refers_only_to_existing_schemas", refers_only_to_existing_schemas),
  };
  return cmocka_run_group_tests_name ("server/routes/openapi", tests, load, unload);
}
