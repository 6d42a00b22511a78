/*
 * mutua: the command-line client of mutua, built on libmutua-client (clients/c). One
 * command per run: it parses the command line, loads the saved token, makes one or two API
 * calls, prints a table (or the server's JSON with --json) and exits with the code of
 * cli.h (documented in `mutua --help` and docs/integrators-cli.md).
 */
#include "cli.h"

#include "mt_json.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define CLI_DEFAULT_SERVER "http://127.0.0.1:8080"
#define CLI_ARGS_MAX 8
#define CLI_PASSWORD_MAX 1024
#define CLI_DATE_MAX 96
#define CLI_FIELD_MAX 512
#define CLI_TITLE_WIDTH 48

/* Options of the command line; the bit of each option a command may take. */
enum {
  OPT_FROM = 1 << 0,
  OPT_TO = 1 << 1,
  OPT_KIND = 1 << 2,
  OPT_CATEGORY = 1 << 3,
  OPT_DEPARTEMENT = 1 << 4,
  OPT_LIMIT = 1 << 5,
  OPT_CURSOR = 1 << 6,
  OPT_UNITS = 1 << 7,
  OPT_MESSAGE = 1 << 8,
  OPT_ROLE = 1 << 9,
  OPT_STATUS = 1 << 10,
  OPT_REASON = 1 << 11,
  OPT_NOTE = 1 << 12,
  OPT_INCIDENT = 1 << 13,
  OPT_INCIDENT_TEXT = 1 << 14,
  OPT_NETWORK = 1 << 15,
  OPT_OUTPUT = 1 << 16,
  OPT_PASSWORD_STDIN = 1 << 17,
};

/* getopt_long values of the long-only options. */
enum {
  LONG_SERVER = 1 << 24, /* above every OPT_* bit */
  LONG_JSON,
  LONG_TIMEOUT,
  LONG_VERSION,
};

typedef struct {
  const char *server;
  bool json, help, version;
  uint32_t timeout_s;
  unsigned given; /* OPT_* bits */
  const char *from, *to, *kind, *category, *departement, *cursor, *message, *role, *status;
  const char *reason, *note, *incident, *incident_text, *network, *output;
  uint32_t limit, units;
  const char *args[CLI_ARGS_MAX];
  int nargs;
} cli_opts_t;

typedef struct {
  cli_opts_t *opts;
  mutua_client_t *client;
  mutua_error_t error;
} cli_ctx_t;

static const struct option long_options[] = {
  { "server", required_argument, NULL, LONG_SERVER },
  { "json", no_argument, NULL, LONG_JSON },
  { "timeout", required_argument, NULL, LONG_TIMEOUT },
  { "version", no_argument, NULL, LONG_VERSION },
  { "help", no_argument, NULL, 'h' },
  { "from", required_argument, NULL, OPT_FROM },
  { "to", required_argument, NULL, OPT_TO },
  { "kind", required_argument, NULL, OPT_KIND },
  { "category", required_argument, NULL, OPT_CATEGORY },
  { "departement", required_argument, NULL, OPT_DEPARTEMENT },
  { "limit", required_argument, NULL, OPT_LIMIT },
  { "cursor", required_argument, NULL, OPT_CURSOR },
  { "units", required_argument, NULL, OPT_UNITS },
  { "message", required_argument, NULL, OPT_MESSAGE },
  { "role", required_argument, NULL, OPT_ROLE },
  { "status", required_argument, NULL, OPT_STATUS },
  { "reason", required_argument, NULL, OPT_REASON },
  { "note", required_argument, NULL, OPT_NOTE },
  { "incident", required_argument, NULL, OPT_INCIDENT },
  { "incident-text", required_argument, NULL, OPT_INCIDENT_TEXT },
  { "network", required_argument, NULL, OPT_NETWORK },
  { "output", required_argument, NULL, OPT_OUTPUT },
  { "password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN },
  { NULL, 0, NULL, 0 },
};

/* A positive integer of at most @max from @text, or false. */
static bool
parse_count (const char *text, uint32_t max, uint32_t *out)
{
  char *end = NULL;
  long value;

  errno = 0;
  value = strtol (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < 1 || (unsigned long) value > max) {
    return false;
  }
  *out = (uint32_t) value;
  return true;
}

static bool
parse_args (int argc, char **argv, cli_opts_t *opts)
{
  int c;

  memset (opts, 0, sizeof *opts);
  opterr = 0;
  while ((c = getopt_long (argc, argv, "ho:", long_options, NULL)) != -1) {
    const char *value = optarg;
    switch (c) {
    case 'h':
      opts->help = true;
      continue;
    case 'o':
      c = OPT_OUTPUT;
      break;
    case LONG_SERVER:
      opts->server = value;
      continue;
    case LONG_JSON:
      opts->json = true;
      continue;
    case LONG_VERSION:
      opts->version = true;
      continue;
    case LONG_TIMEOUT:
      if (!parse_count (value, 86400, &opts->timeout_s)) {
        cli_errorf ("--timeout attend un nombre de secondes (1 à 86400).",
                    "--timeout takes a number of seconds (1 to 86400).");
        return false;
      }
      continue;
    case '?':
    case ':':
      if (optopt && optopt < 256 && optopt != '?') {
        cli_errorf ("option invalide ou incomplète : -%c", "invalid or incomplete option: -%c",
                    optopt);
      } else {
        cli_errorf ("option invalide ou incomplète : %s", "invalid or incomplete option: %s",
                    argv[optind - 1]);
      }
      return false;
    default:
      break;
    }
    opts->given |= (unsigned) c;
    switch (c) {
    case OPT_FROM:
      opts->from = value;
      break;
    case OPT_TO:
      opts->to = value;
      break;
    case OPT_KIND:
      opts->kind = value;
      break;
    case OPT_CATEGORY:
      opts->category = value;
      break;
    case OPT_DEPARTEMENT:
      opts->departement = value;
      break;
    case OPT_LIMIT:
      if (!parse_count (value, 100, &opts->limit)) {
        cli_errorf ("--limit attend un nombre de 1 à 100.",
                    "--limit takes a number from 1 to 100.");
        return false;
      }
      break;
    case OPT_CURSOR:
      opts->cursor = value;
      break;
    case OPT_UNITS:
      if (!parse_count (value, 1000, &opts->units)) {
        cli_errorf ("--units attend un nombre de 1 à 1000.",
                    "--units takes a number from 1 to 1000.");
        return false;
      }
      break;
    case OPT_MESSAGE:
      opts->message = value;
      break;
    case OPT_ROLE:
      opts->role = value;
      break;
    case OPT_STATUS:
      opts->status = value;
      break;
    case OPT_REASON:
      opts->reason = value;
      break;
    case OPT_NOTE:
      opts->note = value;
      break;
    case OPT_INCIDENT:
      opts->incident = value;
      break;
    case OPT_INCIDENT_TEXT:
      opts->incident_text = value;
      break;
    case OPT_NETWORK:
      opts->network = value;
      break;
    case OPT_OUTPUT:
      opts->output = value;
      break;
    default:
      break;
    }
  }
  for (int i = optind; i < argc; i++) {
    if (opts->nargs >= CLI_ARGS_MAX) {
      cli_errorf ("trop d'arguments.", "too many arguments.");
      return false;
    }
    opts->args[opts->nargs++] = argv[i];
  }
  return true;
}

/* Usage error unless the options given are among @allowed and there are @min to @max
 * arguments after the @words words of the command. */
static bool
check_usage (const cli_opts_t *opts, unsigned allowed, int words, int min, int max)
{
  int rest = opts->nargs - words;

  if (opts->given & ~allowed) {
    for (const struct option *o = long_options; o->name; o++) {
      if (o->val < LONG_SERVER && o->val != 'h' && (opts->given & ~allowed & (unsigned) o->val)) {
        cli_errorf ("« %s » ne prend pas l'option --%s (voir « mutua %s --help »).",
                    "\"%s\" does not take the option --%s (see \"mutua %s --help\").",
                    opts->args[0], o->name, opts->args[0]);
        return false;
      }
    }
  }
  if (rest < min || rest > max) {
    cli_errorf ("nombre d'arguments incorrect (voir « mutua %s --help »).",
                "wrong number of arguments (see \"mutua %s --help\").", opts->args[0]);
    return false;
  }
  return true;
}

/* ---- Output ------------------------------------------------------------------------------ */

/* Prints @doc as JSON on stdout. */
static int
print_json (const bson_t *doc)
{
  size_t len = 0;
  char *json = mt_json_from_bson (doc, &len);

  if (!json) {
    cli_errorf ("mémoire insuffisante.", "out of memory.");
    return CLI_EXIT_LOCAL;
  }
  fwrite (json, 1, len, stdout);
  fputc ('\n', stdout);
  free (json);
  return CLI_EXIT_OK;
}

/* One "label  value" line per pair, labels aligned; a pair whose value is empty is left out.
 * @pairs: label, dotted key of @doc, ..., NULL. */
static void
print_fields (const bson_t *doc, const char *const *pairs)
{
  size_t width = 0;
  char value[CLI_FIELD_MAX];

  for (size_t i = 0; pairs[i]; i += 2) {
    size_t w = cli_utf8_width (pairs[i]);
    width = w > width ? w : width;
  }
  for (size_t i = 0; pairs[i]; i += 2) {
    cli_field (doc, pairs[i + 1], value, sizeof value);
    if (!value[0]) {
      continue;
    }
    fputs (pairs[i], stdout);
    for (size_t pad = cli_utf8_width (pairs[i]); pad < width + 2; pad++) {
      fputc (' ', stdout);
    }
    for (char *p = value; *p; p++) {
      if ((unsigned char) *p < 0x20) {
        *p = ' ';
      }
    }
    printf ("%s\n", value);
  }
}

/* On stderr, the option that gives the next page of a list, when there is one. */
static void
print_next (const bson_t *list)
{
  char cursor[CLI_FIELD_MAX];

  if (cli_field (list, "next_cursor", cursor, sizeof cursor)[0]) {
    fprintf (stderr, CLI_T ("Page suivante : --cursor %s\n", "Next page: --cursor %s\n"), cursor);
  }
}

/* Calls @row for each item of @list's "items" with @table. */
static size_t
each_item (const bson_t *list, cli_table_t *table,
           void (*row) (const bson_t *item, cli_table_t *table))
{
  bson_iter_t iter, child;
  size_t count = 0;

  if (!bson_iter_init_find (&iter, list, "items") || !BSON_ITER_HOLDS_ARRAY (&iter) ||
      !bson_iter_recurse (&iter, &child)) {
    return 0;
  }
  while (bson_iter_next (&child)) {
    const uint8_t *data;
    uint32_t len;
    bson_t item;
    if (!BSON_ITER_HOLDS_DOCUMENT (&child)) {
      continue;
    }
    bson_iter_document (&child, &len, &data);
    if (bson_init_static (&item, data, len)) {
      row (&item, table);
      count++;
    }
  }
  return count;
}

/* ---- Commands ---------------------------------------------------------------------------- */

/* Fails the command with the exit code of the library's error. */
static int
failed (cli_ctx_t *ctx)
{
  cli_print_error (&ctx->error);
  return cli_exit_code (&ctx->error);
}

/* The terminal's settings while the password is asked without echo, restored by a signal
 * that ends the command meanwhile (Ctrl-C), so that the shell gets its echo back. */
static struct termios prompt_saved;
static volatile sig_atomic_t prompt_fd = -1;

static void
prompt_interrupted (int sig)
{
  if (prompt_fd >= 0) {
    tcsetattr (prompt_fd, TCSAFLUSH, &prompt_saved);
  }
  signal (sig, SIG_DFL);
  raise (sig);
}

/* Reads the password without putting it on the command line; false with a message. */
static bool
read_password (bool from_stdin, char *out, size_t size)
{
  const char *env = getenv ("MUTUA_PASSWORD");
  FILE *in = NULL;
  struct termios saved, quiet;
  bool echo_off = false, ok = false;
  size_t len;

  out[0] = '\0';
  if (!from_stdin && env && env[0]) {
    if (strlen (env) >= size) {
      goto done;
    }
    memcpy (out, env, strlen (env) + 1);
    ok = true;
    goto done;
  }
  if (from_stdin) {
    in = stdin;
  } else {
    in = fopen ("/dev/tty", "r+");
    if (!in) {
      cli_errorf ("pas de terminal pour demander le mot de passe : utilisez --password-stdin ou "
                  "MUTUA_PASSWORD.",
                  "no terminal to ask the password: use --password-stdin or MUTUA_PASSWORD.");
      goto done;
    }
    fputs (CLI_T ("Mot de passe : ", "Password: "), in);
    fflush (in);
    if (tcgetattr (fileno (in), &saved) == 0) {
      quiet = saved;
      quiet.c_lflag &= ~(tcflag_t) ECHO;
      prompt_saved = saved;
      prompt_fd = fileno (in);
      signal (SIGINT, prompt_interrupted);
      signal (SIGTERM, prompt_interrupted);
      signal (SIGHUP, prompt_interrupted);
      echo_off = tcsetattr (fileno (in), TCSAFLUSH, &quiet) == 0;
    }
  }
  if (!fgets (out, (int) size, in)) {
    out[0] = '\0';
  }
  len = strcspn (out, "\r\n");
  out[len] = '\0';
  ok = len > 0;
done:
  if (echo_off) {
    tcsetattr (fileno (in), TCSAFLUSH, &saved);
    fputc ('\n', in);
  }
  if (prompt_fd >= 0) {
    prompt_fd = -1;
    signal (SIGINT, SIG_DFL);
    signal (SIGTERM, SIG_DFL);
    signal (SIGHUP, SIG_DFL);
  }
  if (in && in != stdin) {
    fclose (in);
  }
  if (!ok) {
    cli_errorf ("mot de passe vide ou trop long.", "empty or too long password.");
  }
  return ok;
}

static int
cmd_login (cli_ctx_t *ctx)
{
  cli_opts_t *o = ctx->opts;
  char password[CLI_PASSWORD_MAX];
  char email[CLI_FIELD_MAX], member[CLI_FIELD_MAX];
  bson_t out, shown;
  int code = CLI_EXIT_OK;

  bson_init (&out);
  if (!check_usage (o, OPT_PASSWORD_STDIN, 1, 1, 1)) {
    code = CLI_EXIT_USAGE;
    goto done;
  }
  if (!read_password ((o->given & OPT_PASSWORD_STDIN) != 0, password, sizeof password)) {
    code = CLI_EXIT_USAGE;
    goto done;
  }
  bson_destroy (&out);
  if (!mutua_login (ctx->client, o->args[1], password, &out, &ctx->error)) {
    code = failed (ctx);
    goto done;
  }
  if (!mutua_client_token (ctx->client) || !cli_token_save (mutua_client_token (ctx->client))) {
    cli_errorf ("impossible d'écrire le fichier du jeton dans $XDG_CONFIG_HOME/mutua.",
                "cannot write the token file in $XDG_CONFIG_HOME/mutua.");
    code = CLI_EXIT_LOCAL;
    goto done;
  }
  if (o->json) {
    /* The answer without its token: a token is never printed. */
    bson_init (&shown);
    bson_copy_to_excluding_noinit (&out, &shown, "token", NULL);
    code = print_json (&shown);
    bson_destroy (&shown);
    goto done;
  }
  cli_field (&out, "account.email", email, sizeof email);
  cli_field (&out, "member.name", member, sizeof member);
  printf (CLI_T ("Connecté·e : %s (%s)\n", "Signed in: %s (%s)\n"), email, member);
done:
  sodium_memzero (password, sizeof password);
  bson_destroy (&out);
  return code;
}

static int
cmd_logout (cli_ctx_t *ctx)
{
  int code = CLI_EXIT_OK;

  if (!check_usage (ctx->opts, 0, 1, 0, 0)) {
    return CLI_EXIT_USAGE;
  }
  if (!mutua_client_token (ctx->client)) {
    fputs (CLI_T ("Pas connecté·e.\n", "Not signed in.\n"), stdout);
    return CLI_EXIT_OK;
  }
  /* A token the server no longer accepts (401) is as good as revoked. */
  if (!mutua_logout (ctx->client, &ctx->error) &&
      !(ctx->error.kind == MUTUA_ERROR_HTTP && ctx->error.status == 401)) {
    code = failed (ctx);
  }
  if (!cli_token_remove ()) {
    cli_errorf ("impossible d'effacer le fichier du jeton.", "cannot remove the token file.");
    return CLI_EXIT_LOCAL;
  }
  if (code == CLI_EXIT_OK) {
    fputs (CLI_T ("Déconnecté·e.\n", "Signed out.\n"), stdout);
  }
  return code;
}

static void
listing_row (const bson_t *item, cli_table_t *table)
{
  char id[CLI_FIELD_MAX], kind[32], category[64], dep[16], title[CLI_FIELD_MAX];
  const char *cells[5] = { cli_field (item, "id", id, sizeof id),
                           cli_field (item, "kind", kind, sizeof kind),
                           cli_field (item, "category", category, sizeof category),
                           cli_field (item, "territory.departement", dep, sizeof dep),
                           cli_field (item, "title", title, sizeof title) };

  cli_table_add (table, cells, CLI_TITLE_WIDTH);
}

static int
cmd_listings_search (cli_ctx_t *ctx)
{
  cli_opts_t *o = ctx->opts;
  char from[CLI_DATE_MAX], to[CLI_DATE_MAX], words[CLI_FIELD_MAX];
  mutua_listing_query_t query = { 0 };
  static const char *const headers_fr[] = { "ID", "TYPE", "CATÉGORIE", "DÉP.", "TITRE" };
  static const char *const headers_en[] = { "ID", "KIND", "CATEGORY", "DEP.", "TITLE" };
  cli_table_t table;
  bson_t out;
  int code = CLI_EXIT_OK;
  size_t len = 0;

  bson_init (&out);
  if (!check_usage (
        o, OPT_FROM | OPT_TO | OPT_KIND | OPT_CATEGORY | OPT_DEPARTEMENT | OPT_LIMIT | OPT_CURSOR,
        2, 0, CLI_ARGS_MAX)) {
    code = CLI_EXIT_USAGE;
    goto done;
  }
  if ((o->from == NULL) != (o->to == NULL)) {
    cli_errorf ("--from et --to vont ensemble.", "--from and --to go together.");
    code = CLI_EXIT_USAGE;
    goto done;
  }
  /* The words after "search" make one query ("velo cargo" or velo cargo). */
  words[0] = '\0';
  for (int i = 2; i < o->nargs; i++) {
    int n = snprintf (words + len, sizeof words - len, "%s%s", len ? " " : "", o->args[i]);
    if (n < 0 || (size_t) n >= sizeof words - len) {
      cli_errorf ("recherche trop longue.", "search too long.");
      code = CLI_EXIT_USAGE;
      goto done;
    }
    len += (size_t) n;
  }
  if (o->from && (!cli_date (o->from, from, sizeof from) || !cli_date (o->to, to, sizeof to))) {
    cli_errorf ("date trop longue.", "date too long.");
    code = CLI_EXIT_USAGE;
    goto done;
  }
  query.q = words[0] ? words : NULL;
  query.kind = o->kind;
  query.category = o->category;
  query.departement = o->departement;
  query.available_from = o->from ? from : NULL;
  query.available_to = o->to ? to : NULL;
  query.cursor = o->cursor;
  query.limit = o->limit;
  bson_destroy (&out);
  if (!mutua_listings_search (ctx->client, &query, &out, &ctx->error)) {
    code = failed (ctx);
    goto done;
  }
  if (o->json) {
    code = print_json (&out);
    goto done;
  }
  cli_table_init (&table, 5, cli_french ? headers_fr : headers_en);
  if (each_item (&out, &table, listing_row) == 0) {
    fputs (CLI_T ("Aucune annonce.\n", "No listings.\n"), stdout);
  } else {
    cli_table_print (&table, stdout);
  }
  cli_table_destroy (&table);
  print_next (&out);
done:
  bson_destroy (&out);
  return code;
}

static int
cmd_listings_show (cli_ctx_t *ctx)
{
  const char *const fr[] = { "id",
                             "id",
                             "titre",
                             "title",
                             "type",
                             "kind",
                             "catégorie",
                             "category",
                             "statut",
                             "status",
                             "quantité",
                             "quantity",
                             "département",
                             "territory.departement",
                             "commune",
                             "territory.commune",
                             "organisation",
                             "owner_id",
                             "version",
                             "version",
                             "description",
                             "description",
                             NULL };
  const char *const en[] = { "id",          "id",
                             "title",       "title",
                             "kind",        "kind",
                             "category",    "category",
                             "status",      "status",
                             "quantity",    "quantity",
                             "departement", "territory.departement",
                             "commune",     "territory.commune",
                             "owner",       "owner_id",
                             "version",     "version",
                             "description", "description",
                             NULL };
  bson_t out;
  int code = CLI_EXIT_OK;

  if (!check_usage (ctx->opts, 0, 2, 1, 1)) {
    return CLI_EXIT_USAGE;
  }
  if (!mutua_listing_get (ctx->client, ctx->opts->args[2], &out, &ctx->error)) {
    code = failed (ctx);
  } else if (ctx->opts->json) {
    code = print_json (&out);
  } else {
    print_fields (&out, cli_french ? fr : en);
  }
  bson_destroy (&out);
  return code;
}

/* The reservation @doc as label / value lines. */
static void
print_reservation (const bson_t *doc)
{
  const char *const fr[] = { "id",         "id",     "statut",        "status",  "annonce",
                             "listing_id", "titre",  "listing_title", "du",      "start",
                             "au",         "end",    "unités",        "units",   "version",
                             "version",    "expire", "expires_at",    "message", "message",
                             NULL };
  const char *const en[] = { "id",         "id",      "status",        "status",  "listing",
                             "listing_id", "title",   "listing_title", "from",    "start",
                             "to",         "end",     "units",         "units",   "version",
                             "version",    "expires", "expires_at",    "message", "message",
                             NULL };

  print_fields (doc, cli_french ? fr : en);
}

static int
cmd_reserve (cli_ctx_t *ctx)
{
  cli_opts_t *o = ctx->opts;
  char from[CLI_DATE_MAX], to[CLI_DATE_MAX];
  bson_t out;
  int code = CLI_EXIT_OK;

  bson_init (&out);
  if (!check_usage (o, OPT_FROM | OPT_TO | OPT_UNITS | OPT_MESSAGE, 1, 1, 1)) {
    code = CLI_EXIT_USAGE;
    goto done;
  }
  if (!o->from || !o->to) {
    cli_errorf ("--from et --to sont obligatoires.", "--from and --to are required.");
    code = CLI_EXIT_USAGE;
    goto done;
  }
  if (!cli_date (o->from, from, sizeof from) || !cli_date (o->to, to, sizeof to)) {
    cli_errorf ("date trop longue.", "date too long.");
    code = CLI_EXIT_USAGE;
    goto done;
  }
  bson_destroy (&out);
  if (!mutua_reservation_create (ctx->client, o->args[1], from, to, o->units, o->message, NULL,
                                 &out, &ctx->error)) {
    code = failed (ctx);
    goto done;
  }
  if (o->json) {
    code = print_json (&out);
  } else {
    print_reservation (&out);
  }
done:
  bson_destroy (&out);
  return code;
}

static void
reservation_row (const bson_t *item, cli_table_t *table)
{
  char id[CLI_FIELD_MAX], status[32], start[CLI_DATE_MAX], end[CLI_DATE_MAX], units[16],
    title[CLI_FIELD_MAX];
  const char *cells[6] = { cli_field (item, "id", id, sizeof id),
                           cli_field (item, "status", status, sizeof status),
                           cli_field (item, "start", start, sizeof start),
                           cli_field (item, "end", end, sizeof end),
                           cli_field (item, "units", units, sizeof units),
                           cli_field (item, "listing_title", title, sizeof title) };

  cli_table_add (table, cells, CLI_TITLE_WIDTH);
}

static int
cmd_reservations (cli_ctx_t *ctx)
{
  cli_opts_t *o = ctx->opts;
  static const char *const headers_fr[] = { "ID", "STATUT", "DU", "AU", "UNITÉS", "ANNONCE" };
  static const char *const headers_en[] = { "ID", "STATUS", "FROM", "TO", "UNITS", "LISTING" };
  cli_table_t table;
  bson_t out;
  int code = CLI_EXIT_OK;

  if (!check_usage (o, OPT_ROLE | OPT_STATUS | OPT_LIMIT | OPT_CURSOR, 1, 0, 0)) {
    return CLI_EXIT_USAGE;
  }
  if (!mutua_reservations_list (ctx->client, o->role, o->status, o->cursor, o->limit, &out,
                                &ctx->error)) {
    code = failed (ctx);
  } else if (o->json) {
    code = print_json (&out);
  } else {
    cli_table_init (&table, 6, cli_french ? headers_fr : headers_en);
    if (each_item (&out, &table, reservation_row) == 0) {
      fputs (CLI_T ("Aucune réservation.\n", "No reservations.\n"), stdout);
    } else {
      cli_table_print (&table, stdout);
    }
    cli_table_destroy (&table);
    print_next (&out);
  }
  bson_destroy (&out);
  return code;
}

/* approve, decline, cancel, checkout, return. */
static int
cmd_transition (cli_ctx_t *ctx)
{
  cli_opts_t *o = ctx->opts;
  const char *action = o->args[0];
  unsigned allowed = 0;
  bson_t body = BSON_INITIALIZER, incident, out;
  int code = CLI_EXIT_OK;

  bson_init (&out);
  if (strcmp (action, "approve") == 0) {
    allowed = OPT_NOTE;
  } else if (strcmp (action, "decline") == 0 || strcmp (action, "cancel") == 0) {
    allowed = OPT_REASON;
  } else if (strcmp (action, "checkout") == 0) {
    allowed = OPT_NOTE;
  } else {
    allowed = OPT_NOTE | OPT_INCIDENT | OPT_INCIDENT_TEXT;
  }
  if (!check_usage (o, allowed, 1, 1, 1)) {
    code = CLI_EXIT_USAGE;
    goto done;
  }
  if ((o->incident == NULL) != (o->incident_text == NULL)) {
    cli_errorf ("--incident et --incident-text vont ensemble.",
                "--incident and --incident-text go together.");
    code = CLI_EXIT_USAGE;
    goto done;
  }
  if (o->note) {
    BSON_APPEND_UTF8 (&body, strcmp (action, "approve") == 0 ? "note" : "condition_note", o->note);
  }
  if (o->reason) {
    BSON_APPEND_UTF8 (&body, "reason", o->reason);
  }
  if (o->incident) {
    BSON_APPEND_DOCUMENT_BEGIN (&body, "incident", &incident);
    BSON_APPEND_UTF8 (&incident, "type", o->incident);
    BSON_APPEND_UTF8 (&incident, "text", o->incident_text);
    bson_append_document_end (&body, &incident);
  }
  bson_destroy (&out);
  if (!mutua_reservation_act (ctx->client, o->args[1], action, &body, NULL, &out, &ctx->error)) {
    code = failed (ctx);
    goto done;
  }
  if (o->json) {
    code = print_json (&out);
  } else {
    print_reservation (&out);
  }
done:
  bson_destroy (&body);
  bson_destroy (&out);
  return code;
}

static void
review_row (const bson_t *item, cli_table_t *table)
{
  char reason[64], since[CLI_DATE_MAX], id[CLI_FIELD_MAX], status[32], title[CLI_FIELD_MAX];
  bool booking = cli_field (item, "booking.id", id, sizeof id)[0] != '\0';
  const char *cells[5] = {
    cli_field (item, "reason", reason, sizeof reason),
    cli_field (item, "since", since, sizeof since),
    booking ? id : cli_field (item, "reservation.id", id, sizeof id),
    cli_field (item, booking ? "booking.status" : "reservation.status", status, sizeof status),
    cli_field (item, booking ? "booking.listing_title" : "reservation.listing_title", title,
               sizeof title),
  };

  cli_table_add (table, cells, CLI_TITLE_WIDTH);
}

static int
cmd_admin_reviews (cli_ctx_t *ctx)
{
  cli_opts_t *o = ctx->opts;
  static const char *const headers_fr[] = { "MOTIF", "DEPUIS", "ID", "STATUT", "ANNONCE" };
  static const char *const headers_en[] = { "REASON", "SINCE", "ID", "STATUS", "LISTING" };
  cli_table_t table;
  bson_t out;
  int code = CLI_EXIT_OK;

  if (!check_usage (o, OPT_LIMIT | OPT_CURSOR, 2, 0, 0)) {
    return CLI_EXIT_USAGE;
  }
  if (!mutua_admin_reviews (ctx->client, o->cursor, o->limit, &out, &ctx->error)) {
    code = failed (ctx);
  } else if (o->json) {
    code = print_json (&out);
  } else {
    cli_table_init (&table, 5, cli_french ? headers_fr : headers_en);
    if (each_item (&out, &table, review_row) == 0) {
      fputs (CLI_T ("Aucun prêt à examiner.\n", "No loans to review.\n"), stdout);
    } else {
      cli_table_print (&table, stdout);
    }
    cli_table_destroy (&table);
    print_next (&out);
  }
  bson_destroy (&out);
  return code;
}

static int
cmd_admin_stats (cli_ctx_t *ctx)
{
  cli_opts_t *o = ctx->opts;
  char from[CLI_DATE_MAX], to[CLI_DATE_MAX], complete[16];
  const char *const fr[] = { "du",
                             "period.from",
                             "au",
                             "period.to",
                             "prêts",
                             "loans.count",
                             "unités prêtées",
                             "loans.units",
                             "jours de prêt",
                             "loans.loan_days",
                             "emprunteurs",
                             "loans.borrowers",
                             "prêteurs",
                             "loans.lenders",
                             "services rendus",
                             "services.bookings",
                             "heures de service",
                             "services.hours",
                             "annonces créées",
                             "listings.created",
                             "membres actifs",
                             "members.active",
                             "achats évités",
                             "impact.purchases_avoided",
                             "euros évités",
                             "impact.eur",
                             "kg CO2e évités",
                             "impact.kg_co2e",
                             NULL };
  const char *const en[] = { "from",
                             "period.from",
                             "to",
                             "period.to",
                             "loans",
                             "loans.count",
                             "units lent",
                             "loans.units",
                             "loan days",
                             "loans.loan_days",
                             "borrowers",
                             "loans.borrowers",
                             "lenders",
                             "loans.lenders",
                             "services given",
                             "services.bookings",
                             "service hours",
                             "services.hours",
                             "listings created",
                             "listings.created",
                             "active members",
                             "members.active",
                             "purchases avoided",
                             "impact.purchases_avoided",
                             "euros avoided",
                             "impact.eur",
                             "kg CO2e avoided",
                             "impact.kg_co2e",
                             NULL };
  bson_t out;
  int code = CLI_EXIT_OK;

  bson_init (&out);
  if (!check_usage (o, OPT_FROM | OPT_TO | OPT_NETWORK | OPT_DEPARTEMENT, 2, 0, 0)) {
    code = CLI_EXIT_USAGE;
    goto done;
  }
  if ((o->from && !cli_date (o->from, from, sizeof from)) ||
      (o->to && !cli_date (o->to, to, sizeof to))) {
    cli_errorf ("date trop longue.", "date too long.");
    code = CLI_EXIT_USAGE;
    goto done;
  }
  bson_destroy (&out);
  if (!mutua_admin_stats (ctx->client, o->from ? from : NULL, o->to ? to : NULL, o->network,
                          o->departement, &out, &ctx->error)) {
    code = failed (ctx);
    goto done;
  }
  if (o->json) {
    code = print_json (&out);
    goto done;
  }
  print_fields (&out, cli_french ? fr : en);
  if (strcmp (cli_field (&out, "limits.complete", complete, sizeof complete), "false") == 0) {
    fputs (CLI_T ("Attention : statistiques incomplètes (bornes atteintes), chiffres minimaux.\n",
                  "Warning: incomplete statistics (bounds reached), figures are lower bounds.\n"),
           stdout);
  }
done:
  bson_destroy (&out);
  return code;
}

static int
cmd_admin_export (cli_ctx_t *ctx)
{
  cli_opts_t *o = ctx->opts;
  const char *what;
  char *data = NULL;
  size_t len = 0;
  FILE *file = NULL;
  int code = CLI_EXIT_OK;

  if (!check_usage (o, OPT_OUTPUT, 2, 1, 1)) {
    code = CLI_EXIT_USAGE;
    goto done;
  }
  what = o->args[2];
  if (strcmp (what, "members") != 0 && strcmp (what, "listings") != 0 &&
      strcmp (what, "loans") != 0) {
    cli_errorf ("export de members, listings ou loans, pas « %s ».",
                "export members, listings or loans, not \"%s\".", what);
    code = CLI_EXIT_USAGE;
    goto done;
  }
  if (!mutua_admin_export (ctx->client, what, &data, &len, &ctx->error)) {
    code = failed (ctx);
    goto done;
  }
  file = o->output ? fopen (o->output, "wb") : stdout;
  if (!file) {
    cli_errorf ("impossible d'écrire %s : %s", "cannot write %s: %s", o->output, strerror (errno));
    code = CLI_EXIT_LOCAL;
    goto done;
  }
  if (fwrite (data, 1, len, file) != len || fflush (file) != 0) {
    cli_errorf ("impossible d'écrire l'export.", "cannot write the export.");
    code = CLI_EXIT_LOCAL;
  }
  if (file != stdout && fclose (file) != 0 && code == CLI_EXIT_OK) {
    cli_errorf ("impossible d'écrire l'export.", "cannot write the export.");
    code = CLI_EXIT_LOCAL;
  }
  if (o->output && code == CLI_EXIT_OK) {
    fprintf (stderr,
             CLI_T ("Export écrit dans %s (%zu octets).\n", "Export written to %s (%zu bytes).\n"),
             o->output, len);
  }
done:
  free (data);
  return code;
}

/* ---- main -------------------------------------------------------------------------------- */

/* The server's URL: --server, MUTUA_SERVER, the config file, or the default. */
static char *
server_url (const cli_opts_t *opts)
{
  const char *env = getenv ("MUTUA_SERVER");
  char *config;

  if (opts->server) {
    return strdup (opts->server);
  }
  if (env && env[0]) {
    return strdup (env);
  }
  config = cli_config_server ();
  return config ? config : strdup (CLI_DEFAULT_SERVER);
}

typedef struct {
  const char *word1, *word2; /* word2 NULL: any */
  bool needs_token;
  int (*run) (cli_ctx_t *ctx);
} command_t;

static const command_t command_table[] = {
  { "login", NULL, false, cmd_login },
  { "logout", NULL, false, cmd_logout },
  { "listings", "search", false, cmd_listings_search },
  { "listings", "show", false, cmd_listings_show },
  { "reserve", NULL, true, cmd_reserve },
  { "reservations", NULL, true, cmd_reservations },
  { "approve", NULL, true, cmd_transition },
  { "decline", NULL, true, cmd_transition },
  { "checkout", NULL, true, cmd_transition },
  { "return", NULL, true, cmd_transition },
  { "cancel", NULL, true, cmd_transition },
  { "admin", "reviews", true, cmd_admin_reviews },
  { "admin", "stats", true, cmd_admin_stats },
  { "admin", "export", true, cmd_admin_export },
};

int
main (int argc, char **argv)
{
  cli_opts_t opts;
  cli_ctx_t ctx;
  const command_t *command = NULL;
  char *url = NULL, *token = NULL;
  bool known_word = false;
  int code = CLI_EXIT_OK;

  memset (&ctx, 0, sizeof ctx);
  cli_french = cli_lang_is_french ();
  if (!parse_args (argc, argv, &opts)) {
    code = CLI_EXIT_USAGE;
    goto done;
  }
  ctx.opts = &opts;
  if (opts.version) {
    printf ("mutua %s\n", MUTUA_CLIENT_VERSION);
    goto done;
  }
  if (opts.nargs == 0) {
    cli_help_global (opts.help ? stdout : stderr);
    code = opts.help ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    goto done;
  }
  for (size_t i = 0; i < sizeof command_table / sizeof command_table[0]; i++) {
    const command_t *c = &command_table[i];
    if (strcmp (opts.args[0], c->word1) != 0) {
      continue;
    }
    known_word = true;
    if (!c->word2 || (opts.nargs > 1 && strcmp (opts.args[1], c->word2) == 0)) {
      command = c;
      break;
    }
  }
  if (opts.help && known_word) {
    cli_help_command (opts.args[0], stdout);
    goto done;
  }
  if (!command) {
    if (known_word) {
      cli_errorf ("sous-commande inconnue (voir « mutua %s --help »).",
                  "unknown subcommand (see \"mutua %s --help\").", opts.args[0]);
    } else {
      cli_errorf ("commande inconnue « %s » (voir « mutua --help »).",
                  "unknown command \"%s\" (see \"mutua --help\").", opts.args[0]);
    }
    code = CLI_EXIT_USAGE;
    goto done;
  }
  url = server_url (&opts);
  if (!url) {
    code = CLI_EXIT_LOCAL;
    goto done;
  }
  ctx.client = mutua_client_new (url, &ctx.error);
  if (!ctx.client) {
    cli_errorf ("adresse du serveur invalide : %s (%s)", "invalid server address: %s (%s)", url,
                ctx.error.detail);
    code = CLI_EXIT_USAGE;
    goto done;
  }
  mutua_client_set_language (ctx.client, cli_french ? "fr" : "en", NULL);
  if (opts.timeout_s) {
    mutua_client_set_timeout (ctx.client, opts.timeout_s * 1000u);
  }
  if (command->run != cmd_login) {
    token = cli_token_load ();
  }
  if (!token && command->needs_token) {
    cli_errorf ("pas connecté·e : lancez d'abord « mutua login EMAIL ».",
                "not signed in: run \"mutua login EMAIL\" first.");
    code = CLI_EXIT_AUTH;
    goto done;
  }
  if (token && !mutua_client_set_token (ctx.client, token, &ctx.error)) {
    code = failed (&ctx);
    goto done;
  }
  code = command->run (&ctx);
done:
  if (token) {
    sodium_memzero (token, strlen (token));
    free (token);
  }
  mutua_client_destroy (ctx.client);
  free (url);
  return code;
}
