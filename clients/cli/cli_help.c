/* cli_help: the help texts of `mutua`, in French and in English (by LANG, see cli.h). */
#include "cli.h"

#include <string.h>

static const char global_fr[] =
  "Utilisation : mutua [OPTIONS] COMMANDE [ARGUMENTS]\n"
  "\n"
  "Client en ligne de commande de mutua, la place de marché de mutualisation.\n"
  "\n"
  "Commandes :\n"
  "  login EMAIL                   se connecter (mot de passe demandé sans écho,\n"
  "                                ou --password-stdin, ou MUTUA_PASSWORD)\n"
  "  logout                        se déconnecter (révoque le jeton, efface le fichier)\n"
  "  listings search [MOTS]        chercher des annonces\n"
  "  listings show ID              afficher une annonce\n"
  "  reserve ANNONCE --from DATE --to DATE   demander une réservation\n"
  "  reservations                  lister ses réservations\n"
  "  approve|decline|checkout|return|cancel RESERVATION   faire avancer une réservation\n"
  "  admin reviews                 file des prêts à examiner (administrateurs)\n"
  "  admin stats                   statistiques et impact (administrateurs)\n"
  "  admin export members|listings|loans [-o FICHIER]   export CSV (administrateurs)\n"
  "\n"
  "Options générales :\n"
  "  --server URL     serveur (sinon MUTUA_SERVER, sinon « server = URL » dans\n"
  "                   $XDG_CONFIG_HOME/mutua/config, sinon http://127.0.0.1:8080)\n"
  "  --json           écrire le JSON du serveur au lieu d'un tableau\n"
  "  --timeout S      délai de chaque requête en secondes (défaut 30)\n"
  "  -h, --help       cette aide ; « mutua COMMANDE --help » pour une commande\n"
  "  --version        la version\n"
  "\n"
  "Dates : AAAA-MM-JJ signifie minuit UTC ce jour-là ; une date-heure RFC 3339 complète\n"
  "(2026-06-01T09:00:00Z) est aussi acceptée.\n"
  "Le jeton de session est gardé dans $XDG_CONFIG_HOME/mutua/token (par défaut\n"
  "~/.config/mutua/token, mode 0600) et n'est jamais affiché.\n"
  "\n"
  "Codes de sortie :\n"
  "  0  succès\n"
  "  1  erreur d'utilisation (ligne de commande invalide)\n"
  "  2  non connecté, ou 401 (jeton absent, expiré ou révoqué ; identifiants refusés)\n"
  "  3  403 interdit\n"
  "  4  404 introuvable\n"
  "  5  409 conflit ou 412 version périmée\n"
  "  6  400, 413, 415, 422 ou autre 4xx : requête invalide\n"
  "  7  429 trop de tentatives\n"
  "  8  5xx erreur du serveur, ou réponse inattendue\n"
  "  9  serveur injoignable ou délai dépassé\n"
  "  10 erreur locale (fichier illisible ou impossible à écrire)\n";

static const char global_en[] =
  "Usage: mutua [OPTIONS] COMMAND [ARGUMENTS]\n"
  "\n"
  "Command-line client of mutua, the mutualisation marketplace.\n"
  "\n"
  "Commands:\n"
  "  login EMAIL                   sign in (password asked without echo,\n"
  "                                or --password-stdin, or MUTUA_PASSWORD)\n"
  "  logout                        sign out (revokes the token, removes the file)\n"
  "  listings search [WORDS]       search listings\n"
  "  listings show ID              show one listing\n"
  "  reserve LISTING --from DATE --to DATE   request a reservation\n"
  "  reservations                  list your reservations\n"
  "  approve|decline|checkout|return|cancel RESERVATION   move a reservation on\n"
  "  admin reviews                 loans awaiting review (administrators)\n"
  "  admin stats                   statistics and impact (administrators)\n"
  "  admin export members|listings|loans [-o FILE]   CSV export (administrators)\n"
  "\n"
  "General options:\n"
  "  --server URL     server (else MUTUA_SERVER, else \"server = URL\" in\n"
  "                   $XDG_CONFIG_HOME/mutua/config, else http://127.0.0.1:8080)\n"
  "  --json           print the server's JSON instead of a table\n"
  "  --timeout S      timeout of each request in seconds (default 30)\n"
  "  -h, --help       this help; \"mutua COMMAND --help\" for one command\n"
  "  --version        the version\n"
  "\n"
  "Dates: YYYY-MM-DD means midnight UTC that day; a full RFC 3339 date-time\n"
  "(2026-06-01T09:00:00Z) is accepted too.\n"
  "The session token is kept in $XDG_CONFIG_HOME/mutua/token (by default\n"
  "~/.config/mutua/token, mode 0600) and is never printed.\n"
  "\n"
  "Exit codes:\n"
  "  0  success\n"
  "  1  usage error (invalid command line)\n"
  "  2  not signed in, or 401 (token missing, expired or revoked; credentials refused)\n"
  "  3  403 forbidden\n"
  "  4  404 not found\n"
  "  5  409 conflict or 412 stale version\n"
  "  6  400, 413, 415, 422 or another 4xx: invalid request\n"
  "  7  429 too many attempts\n"
  "  8  5xx server error, or an unexpected answer\n"
  "  9  cannot reach the server, or timeout\n"
  "  10 local error (a file cannot be read or written)\n";

typedef struct {
  const char *name;
  const char *fr;
  const char *en;
} command_help_t;

static const command_help_t commands[] = {
  { "login",
    "Utilisation : mutua login EMAIL [--password-stdin]\n"
    "Se connecter. Le mot de passe est lu sur l'entrée standard (--password-stdin, une\n"
    "ligne), sinon dans MUTUA_PASSWORD, sinon demandé sur le terminal sans écho ; jamais\n"
    "en argument. Le jeton est écrit dans $XDG_CONFIG_HOME/mutua/token (mode 0600).\n",
    "Usage: mutua login EMAIL [--password-stdin]\n"
    "Sign in. The password is read from standard input (--password-stdin, one line),\n"
    "else from MUTUA_PASSWORD, else asked on the terminal without echo; never as an\n"
    "argument. The token is written to $XDG_CONFIG_HOME/mutua/token (mode 0600).\n" },
  { "logout",
    "Utilisation : mutua logout\n"
    "Révoquer le jeton sur le serveur et effacer le fichier du jeton.\n",
    "Usage: mutua logout\n"
    "Revoke the token on the server and remove the token file.\n" },
  { "listings",
    "Utilisation : mutua listings search [MOTS] [--from DATE --to DATE] [--kind good|service]\n"
    "                                  [--category SLUG] [--departement 59] [--limit N]\n"
    "                                  [--cursor CURSEUR]\n"
    "              mutua listings show ID\n"
    "Chercher des annonces (avec --from et --to : seulement les biens libres sur toute la\n"
    "période [from, to)), ou en afficher une.\n",
    "Usage: mutua listings search [WORDS] [--from DATE --to DATE] [--kind good|service]\n"
    "                             [--category SLUG] [--departement 59] [--limit N]\n"
    "                             [--cursor CURSOR]\n"
    "       mutua listings show ID\n"
    "Search listings (with --from and --to: only goods free over the whole period\n"
    "[from, to)), or show one.\n" },
  { "reserve",
    "Utilisation : mutua reserve ANNONCE --from DATE --to DATE [--units N] [--message TEXTE]\n"
    "Demander la réservation d'un bien sur la période [from, to).\n",
    "Usage: mutua reserve LISTING --from DATE --to DATE [--units N] [--message TEXT]\n"
    "Request a reservation of a good over the period [from, to).\n" },
  { "reservations",
    "Utilisation : mutua reservations [--role borrower|lender] [--status S1,S2] [--limit N]\n"
    "                                 [--cursor CURSEUR]\n"
    "Lister les réservations de votre organisation, comme emprunteuse (défaut) ou prêteuse.\n",
    "Usage: mutua reservations [--role borrower|lender] [--status S1,S2] [--limit N]\n"
    "                          [--cursor CURSOR]\n"
    "List your organisation's reservations, as borrower (default) or lender.\n" },
  { "transition",
    "Utilisation : mutua approve RESERVATION [--note TEXTE]\n"
    "              mutua decline RESERVATION [--reason TEXTE]\n"
    "              mutua cancel RESERVATION --reason TEXTE\n"
    "              mutua checkout RESERVATION --note ETAT\n"
    "              mutua return RESERVATION --note ETAT [--incident damage|missing_part|loss\n"
    "                                                    --incident-text TEXTE]\n"
    "Faire avancer une réservation (approve, decline, checkout, return : le prêteur ;\n"
    "cancel : l'un ou l'autre).\n",
    "Usage: mutua approve RESERVATION [--note TEXT]\n"
    "       mutua decline RESERVATION [--reason TEXT]\n"
    "       mutua cancel RESERVATION --reason TEXT\n"
    "       mutua checkout RESERVATION --note CONDITION\n"
    "       mutua return RESERVATION --note CONDITION [--incident damage|missing_part|loss\n"
    "                                                  --incident-text TEXT]\n"
    "Move a reservation on (approve, decline, checkout, return: the lender; cancel:\n"
    "either party).\n" },
  { "admin",
    "Utilisation : mutua admin reviews [--limit N] [--cursor CURSEUR]\n"
    "              mutua admin stats [--from DATE] [--to DATE] [--network ID] [--departement 59]\n"
    "              mutua admin export members|listings|loans [-o FICHIER]\n"
    "Administration (comptes administrateurs) : prêts à examiner, statistiques et impact,\n"
    "exports CSV (sur la sortie standard, ou dans FICHIER avec -o).\n",
    "Usage: mutua admin reviews [--limit N] [--cursor CURSOR]\n"
    "       mutua admin stats [--from DATE] [--to DATE] [--network ID] [--departement 59]\n"
    "       mutua admin export members|listings|loans [-o FILE]\n"
    "Administration (administrator accounts): loans to review, statistics and impact,\n"
    "CSV exports (to standard output, or to FILE with -o).\n" },
};

void
cli_help_global (FILE *out)
{
  fputs (CLI_T (global_fr, global_en), out);
}

bool
cli_help_command (const char *command, FILE *out)
{
  static const char *const transitions[] = { "approve", "decline", "checkout", "return", "cancel" };

  for (size_t i = 0; i < sizeof transitions / sizeof transitions[0]; i++) {
    if (strcmp (command, transitions[i]) == 0) {
      command = "transition";
    }
  }
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp (command, commands[i].name) == 0) {
      fputs (CLI_T (commands[i].fr, commands[i].en), out);
      return true;
    }
  }
  return false;
}
