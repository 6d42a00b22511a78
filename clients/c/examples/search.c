/*
 * search: signs in to a mutua server and prints the listings matching a text search, one
 * "id<TAB>title" line each.
 *
 *   MUTUA_PASSWORD=... ./search http://127.0.0.1:8080 camille@example.org "velo cargo"
 *
 * Build: cc -o search search.c $(pkg-config --cflags --libs mutua-client)
 * Exit codes: 0 found (or nothing found), 1 the server or the connection failed, 2 usage.
 */
#include <mutua/client.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
usage (FILE *to)
{
  fprintf (to, "Usage: search BASE_URL EMAIL [TEXT]\n"
               "  Signs in as EMAIL (password in $MUTUA_PASSWORD) and prints the listings\n"
               "  matching TEXT (all when absent), one \"id<TAB>title\" line each.\n");
  return to == stdout ? 0 : 2;
}

static int
fail (const char *what, const mutua_error_t *error)
{
  fprintf (stderr, "search: %s: %s %d %s: %s\n", what, mutua_error_kind_name (error->kind),
           error->status, error->type, error->detail);
  return 1;
}

int
main (int argc, char **argv)
{
  mutua_client_t *client;
  mutua_listing_query_t query;
  mutua_error_t error;
  bson_t answer;
  bson_iter_t iter, items, field;
  const char *password = getenv ("MUTUA_PASSWORD");
  int status = 1;

  if (argc == 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)) {
    return usage (stdout);
  }
  if (argc < 3 || argc > 4 || !password) {
    return usage (stderr);
  }
  client = mutua_client_new (argv[1], &error);
  if (!client) {
    return fail ("base URL", &error);
  }
  mutua_client_set_timeout (client, 10000);

  if (!mutua_login (client, argv[2], password, &answer, &error)) {
    status = fail ("login", &error);
    bson_destroy (&answer);
    goto done;
  }
  bson_destroy (&answer);

  memset (&query, 0, sizeof query);
  query.q = argc == 4 ? argv[3] : NULL;
  query.limit = 50;
  if (!mutua_listings_search (client, &query, &answer, &error)) {
    status = fail ("search", &error);
    bson_destroy (&answer);
    goto done;
  }
  if (bson_iter_init_find (&iter, &answer, "items") && bson_iter_recurse (&iter, &items)) {
    while (bson_iter_next (&items)) {
      const char *id = "", *title = "";
      if (bson_iter_recurse (&items, &field)) {
        while (bson_iter_next (&field)) {
          if (BSON_ITER_HOLDS_UTF8 (&field) && strcmp (bson_iter_key (&field), "id") == 0) {
            id = bson_iter_utf8 (&field, NULL);
          } else if (BSON_ITER_HOLDS_UTF8 (&field) &&
                     strcmp (bson_iter_key (&field), "title") == 0) {
            title = bson_iter_utf8 (&field, NULL);
          }
        }
      }
      printf ("%s\t%s\n", id, title);
    }
  }
  bson_destroy (&answer);
  status = 0;

done:
  mutua_client_destroy (client);
  return status;
}
