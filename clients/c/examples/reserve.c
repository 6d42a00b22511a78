/*
 * reserve: signs in to a mutua server, asks to borrow a listing for a period and prints the
 * reservation's id and status ("requested", or "approved" when the owner approves
 * automatically).
 *
 *   MUTUA_PASSWORD=... ./reserve http://127.0.0.1:8080 camille@example.org lst_... \
 *       2026-06-12T09:00:00Z 2026-06-14T18:00:00Z
 *
 * Build: cc -o reserve reserve.c $(pkg-config --cflags --libs mutua-client)
 * Exit codes: 0 reserved, 1 the server refused or the connection failed, 2 usage.
 */
#include <mutua/client.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
usage (FILE *to)
{
  fprintf (to, "Usage: reserve BASE_URL EMAIL LISTING_ID START END\n"
               "  Signs in as EMAIL (password in $MUTUA_PASSWORD), reserves LISTING_ID over\n"
               "  [START, END) (RFC 3339) and prints \"id<TAB>status\".\n");
  return to == stdout ? 0 : 2;
}

static int
fail (const char *what, const mutua_error_t *error)
{
  fprintf (stderr, "reserve: %s: %s %d %s: %s\n", what, mutua_error_kind_name (error->kind),
           error->status, error->type, error->detail);
  return 1;
}

/* The string at @key of @doc, or "" when absent. */
static const char *
string_of (const bson_t *doc, const char *key)
{
  bson_iter_t iter;

  if (bson_iter_init_find (&iter, doc, key) && BSON_ITER_HOLDS_UTF8 (&iter)) {
    return bson_iter_utf8 (&iter, NULL);
  }
  return "";
}

int
main (int argc, char **argv)
{
  mutua_client_t *client;
  mutua_error_t error;
  bson_t answer;
  const char *password = getenv ("MUTUA_PASSWORD");
  int status = 1;

  if (argc == 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)) {
    return usage (stdout);
  }
  if (argc != 6 || !password) {
    return usage (stderr);
  }
  client = mutua_client_new (argv[1], &error);
  if (!client) {
    return fail ("base URL", &error);
  }
  if (!mutua_login (client, argv[2], password, &answer, &error)) {
    status = fail ("login", &error);
    bson_destroy (&answer);
    goto done;
  }
  bson_destroy (&answer);
  /* No idempotency key here: a script that retries would pass one (see docs/integrators.md). */
  if (!mutua_reservation_create (client, argv[3], argv[4], argv[5], 1, NULL, NULL, &answer,
                                 &error)) {
    status = fail ("reservation", &error);
    if (error.path[0]) {
      fprintf (stderr, "reserve: field %s\n", error.path);
    }
    bson_destroy (&answer);
    goto done;
  }
  printf ("%s\t%s\n", string_of (&answer, "id"), string_of (&answer, "status"));
  bson_destroy (&answer);
  status = 0;

done:
  mutua_client_destroy (client);
  return status;
}
