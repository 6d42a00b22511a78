/*
 * config: the settings table and its three sources (file, environment, flags).
 */
#include "config.h"

#include "mt_log.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MT_LOG_DOMAIN "config"

typedef enum { MT_OPT_STRING, MT_OPT_INT, MT_OPT_BOOL } mt_opt_type_t;

typedef struct {
  const char *name;
  mt_opt_type_t type;
  size_t offset;
  const char *def;
  int64_t min;
  int64_t max;
  bool secret;
  const char *help_fr;
  const char *help_en;
} mt_option_t;

#define OPT_S(field, def, secret, fr, en)                                                          \
  {                                                                                                \
#field, MT_OPT_STRING, offsetof(mt_config_t, field), def, 0, 0, secret, fr, en                 \
  }
#define OPT_I(field, def, min, max, fr, en)                                                        \
  {                                                                                                \
#field, MT_OPT_INT, offsetof(mt_config_t, field), def, min, max, false, fr, en                 \
  }
#define OPT_B(field, def, fr, en)                                                                  \
  {                                                                                                \
#field, MT_OPT_BOOL, offsetof(mt_config_t, field), def, 0, 1, false, fr, en                    \
  }

static const mt_option_t mt_options[] = {
  OPT_S (config_file, "", false, "fichier de configuration (nom = valeur)",
         "configuration file (name = value)"),
  OPT_S (listen, "127.0.0.1:8080", false,
         "adresse et port d'écoute (port 0 : choisi par le système)",
         "listen address and port (port 0: chosen by the system)"),
  OPT_S (data_dir, "./data", false, "dossier des données (base, clés)",
         "data directory (database, keys)"),
  OPT_S (store, "", false,
         "stockage : « sqlite » (défaut, fichier mutua.db dans data_dir), « sqlite:<fichier> », "
         "« mongodb » (avec mongodb_uri) ou une URI mongodb://",
         "store: \"sqlite\" (default, mutua.db in data_dir), \"sqlite:<file>\", \"mongodb\" "
         "(with mongodb_uri) or a mongodb:// URI"),
  OPT_S (mongodb_uri, "", true,
         "URI MongoDB quand store vaut « mongodb » (mongodb://hôte1,hôte2/base?replicaSet=rs0)",
         "MongoDB URI when store is \"mongodb\" (mongodb://host1,host2/db?replicaSet=rs0)"),
  OPT_B (store_shared, "false",
         "plusieurs mutuad sur la même base SQLite (même machine) : verrou partagé, et la "
         "réconciliation du démarrage garde le délai de grâce comme pour un stockage partagé",
         "several mutuad on one SQLite database (one host): the lock is taken shared, and the "
         "start-up reconciliation keeps the grace period as for a shared store"),
  OPT_S (port_file, "", false, "fichier où écrire le port effectivement ouvert",
         "file to write the bound port to"),
  OPT_S (public_url, "", false, "URL publique (cookies Secure et contrôle d'Origin)",
         "public URL (Secure cookies and Origin check)"),
  OPT_S (admin_email, "admin@mutua.local", false, "e-mail du premier administrateur",
         "first administrator's e-mail"),
  OPT_S (admin_password, "", true, "mot de passe du premier administrateur (généré si vide)",
         "first administrator's password (generated when empty)"),
  OPT_S (log_level, "info", false, "niveau de journal : debug, info, warn, error",
         "log level: debug, info, warn, error"),
  OPT_S (trusted_proxies, "", false,
         "adresses des mandataires inverses de confiance, séparées par des virgules "
         "(leur X-Forwarded-For donne l'adresse du client)",
         "trusted reverse proxy addresses, comma-separated (their X-Forwarded-For gives the "
         "client address)"),
  OPT_B (demo, "false",
         "charge le réseau de démonstration (active les crédits sauf si credits_enabled est "
         "donné)",
         "loads the demo network (enables credits unless credits_enabled is given)"),
  OPT_I (threads, "0", 0, 256, "boucles d'événements (0 : nombre de cœurs)",
         "event loops (0: number of cores)"),
  OPT_I (workers, "0", 0, 256, "fils de calcul pour Argon2id (0 : nombre de cœurs)",
         "worker threads for Argon2id (0: number of cores)"),
  OPT_I (worker_queue, "256", 1, 65536, "travaux en attente au plus", "most queued jobs"),
  OPT_I (write_batch_max, "64", 0, 4096,
         "requêtes d'écriture au plus par validation groupée (0 : chaque requête valide seule)",
         "most write requests per group commit (0: each request commits on its own)"),
  OPT_I (max_connections, "1024", 1, 1000000, "connexions simultanées au plus",
         "most simultaneous connections"),
  OPT_I (max_body_bytes, "1048576", 1024, 1073741824, "taille maximale d'un corps JSON",
         "largest JSON body"),
  OPT_I (max_header_bytes, "16384", 1024, 1048576, "taille maximale des en-têtes",
         "largest header block"),
  OPT_I (header_timeout_s, "10", 1, 3600, "délai pour recevoir les en-têtes d'une requête",
         "time allowed to receive a request's headers"),
  OPT_I (body_timeout_s, "120", 1, 86400, "délai pour recevoir une requête entière",
         "time allowed to receive a whole request"),
  OPT_I (idle_timeout_s, "60", 1, 86400, "délai d'inactivité d'une connexion",
         "idle connection timeout"),
  OPT_I (drain_timeout_s, "10", 0, 3600, "délai pour terminer les requêtes en cours à l'arrêt",
         "time allowed to finish requests at shutdown"),
  OPT_I (token_ttl_s, "43200", 60, 2592000, "durée de vie d'un jeton (secondes)",
         "token lifetime (seconds)"),
  OPT_I (password_opslimit, "2", 1, 20, "coût en temps d'Argon2id", "Argon2id time cost"),
  OPT_I (password_memlimit_kib, "65536", 8, 4194304, "coût en mémoire d'Argon2id (Kio)",
         "Argon2id memory cost (KiB)"),
  OPT_I (login_account_limit, "10", 1, 100000,
         "échecs de connexion permis par compte et par fenêtre",
         "failed logins allowed per account and window"),
  OPT_I (login_address_limit, "50", 1, 1000000,
         "échecs de connexion permis par adresse et par fenêtre",
         "failed logins allowed per client address and window"),
  OPT_I (login_window_s, "900", 1, 86400, "fenêtre de comptage des échecs (secondes)",
         "failure counting window (seconds)"),
  OPT_I (reservations_per_hour, "20", 0, 10000,
         "réservations créées par structure et par heure au plus (0 : sans limite)",
         "most reservations created per member and hour (0: no limit)"),
  OPT_I (bookings_per_hour, "20", 0, 10000,
         "demandes de prestation créées par structure et par heure au plus (0 : sans limite)",
         "most service bookings created per member and hour (0: no limit)"),
  OPT_I (needs_per_day, "10", 0, 10000,
         "besoins publiés par structure et par jour au plus (0 : sans limite)",
         "most needs posted per member and day (0: no limit)"),
  OPT_I (quota_hour_s, "3600", 1, 3600,
         "durée d'une heure des quotas ci-dessus (secondes ; un jour en compte 24) ; moins de "
         "3600 pour les essais seulement",
         "length of the hour of the quotas above (seconds; a day is 24 of them); below 3600 "
         "for tests only"),
  OPT_I (max_active_reservations, "5", 1, 1000,
         "réservations en cours (demandées, acceptées, sorties) par structure au plus",
         "most blocking reservations (requested, approved, checked out) per member"),
  OPT_I (request_ttl_hours, "72", 1, 8760,
         "délai de réponse à une demande avant qu'elle expire (heures)",
         "time an owner has to answer a request before it expires (hours)"),
  OPT_I (review_pending_hours, "48", 1, 8760,
         "une demande sans réponse depuis ce délai va dans la file de revue (heures)",
         "a request unanswered this long goes to the review queue (hours)"),
  OPT_I (close_after_days, "7", 1, 365,
         "un prêt rendu sans incident se clôt après ce délai (jours)",
         "a loan returned without incident closes after this long (days)"),
  OPT_I (reminder_lead_hours, "24", 1, 720, "rappel avant le début et avant la fin (heures)",
         "reminder before the start and before the end (hours)"),
  OPT_B (credits_enabled, "false", "active l'économie de crédits (dotations, prix en crédits)",
         "enables the credits economy (grants, prices in credits)"),
  OPT_I (credits_welcome_grant, "50", 0, 1000000, "crédits offerts à une structure validée",
         "credits granted to a newly approved member"),
  OPT_I (credits_monthly_grant, "30", 0, 1000000, "crédits offerts à chaque structure chaque mois",
         "credits granted to every active member each month"),
  OPT_I (credits_floor, "0", -1000000, 1000000, "solde minimal d'une structure",
         "lowest balance a member may reach"),
  OPT_I (booking_confirm_after_days, "7", 1, 365,
         "une prestation terminée est confirmée automatiquement après ce délai (jours)",
         "a completed service booking is confirmed automatically after this long (days)"),
  OPT_S (sendmail_command, "/usr/sbin/sendmail -t -i", false,
         "commande d'envoi des e-mails (lit le message sur son entrée, comme sendmail -t)",
         "command that sends e-mails (reads the message on its input, like sendmail -t)"),
  OPT_S (mail_from, "mutua <noreply@mutua.local>", false, "expéditeur des e-mails",
         "sender of the e-mails"),
  OPT_I (webhook_timeout_s, "10", 1, 300, "délai d'une livraison de webhook (secondes)",
         "timeout of one webhook delivery (seconds)"),
  OPT_I (webhook_max_attempts, "8", 1, 50, "tentatives de livraison d'un webhook au plus",
         "most delivery attempts of a webhook"),
  OPT_I (outbox_retry_base_s, "30", 0, 3600,
         "premier délai avant de réessayer un envoi (doublé à chaque échec, au plus 6 h)",
         "first delay before a failed e-mail or webhook is tried again (doubled each time, 6 h "
         "at most)"),
  OPT_I (outbox_interval_ms, "1000", 50, 60000,
         "intervalle de recherche des e-mails et webhooks à envoyer (millisecondes)",
         "how often e-mails and webhook deliveries due are looked for (milliseconds)"),
  OPT_I (orphan_grace_s, "600", 1, 86400,
         "âge à partir duquel une entrée de calendrier sans réservation est retirée quand "
         "d'autres mutuad peuvent écrire (MongoDB, store_shared) : plus long que la plus longue "
         "création de réservation",
         "age from which a calendar entry without its reservation is removed when other mutuad "
         "may write (MongoDB, store_shared): longer than the longest reservation creation"),
  OPT_I (sweep_interval_s, "60", 1, 86400,
         "intervalle des tâches automatiques (expirations, retards, rappels, clôtures)",
         "interval of the automatic tasks (expiry, overdue, reminders, closing)"),
};

#define MT_OPTION_COUNT (sizeof mt_options / sizeof mt_options[0])

static const mt_option_t *
mt_option_find (const char *name, size_t len)
{
  for (size_t i = 0; i < MT_OPTION_COUNT; i++) {
    if (strlen (mt_options[i].name) == len && strncmp (mt_options[i].name, name, len) == 0) {
      return &mt_options[i];
    }
  }
  return NULL;
}

static bool
mt_option_set (mt_config_t *config, const mt_option_t *opt, const char *value, const char *source,
               mt_error_t *error)
{
  char *field = (char *) config + opt->offset;

  switch (opt->type) {
  case MT_OPT_STRING:
    if (strlen (value) >= MT_CONFIG_STR_MAX) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "%s : valeur trop longue pour %s",
                    "%s: value too long for %s", source, opt->name);
      return false;
    }
    snprintf (field, MT_CONFIG_STR_MAX, "%s", value);
    return true;
  case MT_OPT_BOOL:
    if (strcmp (value, "true") == 0 || strcmp (value, "1") == 0 || strcmp (value, "yes") == 0) {
      *(bool *) field = true;
    } else if (strcmp (value, "false") == 0 || strcmp (value, "0") == 0 ||
               strcmp (value, "no") == 0) {
      *(bool *) field = false;
    } else {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "%s : %s attend true ou false",
                    "%s: %s expects true or false", source, opt->name);
      return false;
    }
    return true;
  case MT_OPT_INT: {
    char *end = NULL;
    long long v;
    errno = 0;
    v = strtoll (value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || v < opt->min || v > opt->max) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST,
                    "%s : %s attend un entier entre %lld et %lld",
                    "%s: %s expects an integer between %lld and %lld", source, opt->name,
                    (long long) opt->min, (long long) opt->max);
      return false;
    }
    *(int64_t *) field = (int64_t) v;
    return true;
  }
  default:
    return false;
  }
}

void
mt_config_defaults (mt_config_t *config)
{
  memset (config, 0, sizeof *config);
  for (size_t i = 0; i < MT_OPTION_COUNT; i++) {
    mt_option_set (config, &mt_options[i], mt_options[i].def, "default", NULL);
  }
}

static char *
mt_config_trim (char *s)
{
  char *end;

  while (isspace ((unsigned char) *s)) {
    s++;
  }
  end = s + strlen (s);
  while (end > s && isspace ((unsigned char) end[-1])) {
    *--end = '\0';
  }
  return s;
}

/* Marks @opt as set by the operator in @set (indexed like mt_options). */
static void
mt_config_mark (bool *set, const mt_option_t *opt)
{
  set[opt - mt_options] = true;
}

static bool
mt_config_read_file (mt_config_t *config, const char *path, bool *set, mt_error_t *error)
{
  FILE *f = fopen (path, "r");
  char line[2 * MT_CONFIG_STR_MAX];
  int lineno = 0;
  bool ok = false;

  if (!f) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST,
                  "impossible de lire le fichier de configuration %s : %s",
                  "cannot read configuration file %s: %s", path, strerror (errno));
    return false;
  }
  while (fgets (line, sizeof line, f)) {
    char *eq;
    char *name;
    char *value;
    const mt_option_t *opt;
    char source[MT_CONFIG_STR_MAX + 32];

    lineno++;
    name = mt_config_trim (line);
    if (*name == '\0' || *name == '#') {
      continue;
    }
    eq = strchr (name, '=');
    snprintf (source, sizeof source, "%s:%d", path, lineno);
    if (!eq) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "%s : « nom = valeur » attendu",
                    "%s: \"name = value\" expected", source);
      goto done;
    }
    *eq = '\0';
    value = mt_config_trim (eq + 1);
    name = mt_config_trim (name);
    opt = mt_option_find (name, strlen (name));
    if (!opt || strcmp (opt->name, "config_file") == 0) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "%s : réglage inconnu « %s »",
                    "%s: unknown setting \"%s\"", source, name);
      goto done;
    }
    if (!mt_option_set (config, opt, value, source, error)) {
      goto done;
    }
    mt_config_mark (set, opt);
  }
  ok = true;
done:
  fclose (f);
  return ok;
}

/* "MUTUA_DATA_DIR" for "data_dir". */
static void
mt_config_env_name (const char *name, char *out, size_t size)
{
  size_t n = (size_t) snprintf (out, size, "MUTUA_%s", name);
  for (size_t i = 6; i < n && i < size; i++) {
    out[i] = (char) toupper ((unsigned char) out[i]);
  }
}

static const char *
mt_config_getenv (const char *const *envp, const char *name)
{
  size_t len = strlen (name);
  for (; envp && *envp; envp++) {
    if (strncmp (*envp, name, len) == 0 && (*envp)[len] == '=') {
      return *envp + len + 1;
    }
  }
  return NULL;
}

/* Finds the config file among flags, then environment. */
static const char *
mt_config_find_file (int argc, const char *const *argv, int first_arg, const char *const *envp)
{
  for (int i = first_arg; i < argc; i++) {
    if (strcmp (argv[i], "--config") == 0 && i + 1 < argc) {
      return argv[i + 1];
    }
    if (strncmp (argv[i], "--config=", 9) == 0) {
      return argv[i] + 9;
    }
  }
  return mt_config_getenv (envp, "MUTUA_CONFIG");
}

static bool
mt_config_read_flags (mt_config_t *config, int argc, const char *const *argv, int first_arg,
                      bool *set, mt_error_t *error)
{
  for (int i = first_arg; i < argc; i++) {
    const char *arg = argv[i];
    const char *eq;
    const char *value;
    char name[128];
    size_t name_len;
    const mt_option_t *opt;

    if (strncmp (arg, "--", 2) != 0) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "argument inattendu « %s »",
                    "unexpected argument \"%s\"", arg);
      return false;
    }
    arg += 2;
    eq = strchr (arg, '=');
    name_len = eq ? (size_t) (eq - arg) : strlen (arg);
    if (name_len >= sizeof name) {
      name_len = sizeof name - 1;
    }
    /* Flags spell names with dashes: --data-dir is data_dir. */
    for (size_t k = 0; k < name_len; k++) {
      name[k] = arg[k] == '-' ? '_' : arg[k];
    }
    name[name_len] = '\0';
    if (strcmp (name, "config") == 0) {
      snprintf (name, sizeof name, "config_file");
    }
    opt = mt_option_find (name, strlen (name));
    if (!opt) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "option inconnue « --%.*s »",
                    "unknown option \"--%.*s\"", (int) name_len, arg);
      return false;
    }
    if (eq) {
      value = eq + 1;
    } else if (opt->type == MT_OPT_BOOL) {
      value = "true";
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "--%s attend une valeur",
                    "--%s expects a value", arg);
      return false;
    }
    if (!mt_option_set (config, opt, value, "command line", error)) {
      return false;
    }
    mt_config_mark (set, opt);
  }
  return true;
}

bool
mt_config_load (mt_config_t *config, int argc, const char *const *argv, int first_arg,
                const char *const *envp, mt_error_t *error)
{
  const char *file = mt_config_find_file (argc, argv, first_arg, envp);
  bool set[MT_OPTION_COUNT] = { false };
  mt_log_level_t level;

  mt_config_defaults (config);
  if (file && *file) {
    if (!mt_config_read_file (config, file, set, error)) {
      return false;
    }
  }
  for (size_t i = 0; i < MT_OPTION_COUNT; i++) {
    char env_name[160];
    const char *value;
    mt_config_env_name (mt_options[i].name, env_name, sizeof env_name);
    value = mt_config_getenv (envp, env_name);
    if (value && !mt_option_set (config, &mt_options[i], value, env_name, error)) {
      return false;
    }
    if (value) {
      set[i] = true;
    }
  }
  if (!mt_config_read_flags (config, argc, argv, first_arg, set, error)) {
    return false;
  }
  /* The demo shows the credits economy: --demo enables credits unless the operator set
   * credits_enabled (file, environment or flag), whatever its value. */
  if (config->demo &&
      !set[mt_option_find ("credits_enabled", strlen ("credits_enabled")) - mt_options]) {
    config->credits_enabled = true;
  }
  if (file) {
    snprintf (config->config_file, sizeof config->config_file, "%s", file);
  }
  if (!mt_log_level_parse (config->log_level, &level)) {
    mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "niveau de journal inconnu « %s »",
                  "unknown log level \"%s\"", config->log_level);
    return false;
  }
  if (config->threads == 0 || config->workers == 0) {
    long cores = sysconf (_SC_NPROCESSORS_ONLN);
    if (cores < 1) {
      cores = 1;
    }
    if (config->threads == 0) {
      config->threads = cores;
    }
    if (config->workers == 0) {
      config->workers = cores;
    }
  }
  if (strcmp (config->store, "mongodb") == 0) {
    size_t len = strlen (config->mongodb_uri);
    if (len == 0) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST,
                    "store vaut « mongodb » mais mongodb_uri est vide",
                    "store is \"mongodb\" but mongodb_uri is empty");
      return false;
    }
    memcpy (config->store, config->mongodb_uri, len + 1);
  } else if (strcmp (config->store, "sqlite") == 0) {
    config->store[0] = '\0';
  }
  if (config->store[0] == '\0') {
    int n = snprintf (config->store, sizeof config->store, "sqlite:%s/mutua.db", config->data_dir);
    if (n < 0 || (size_t) n >= sizeof config->store) {
      mt_error_set (error, MT_DOMAIN_CONFIG, MT_ERR_BAD_REQUEST, "chemin de données trop long",
                    "data directory path too long");
      return false;
    }
  }
  return true;
}

void
mt_config_log (const mt_config_t *config)
{
  bson_t fields = BSON_INITIALIZER;

  for (size_t i = 0; i < MT_OPTION_COUNT; i++) {
    const mt_option_t *opt = &mt_options[i];
    const char *field = (const char *) config + opt->offset;
    switch (opt->type) {
    case MT_OPT_STRING:
      if (opt->secret) {
        BSON_APPEND_UTF8 (&fields, opt->name, *field ? "***" : "");
      } else if (strncmp (opt->name, "store", 5) == 0 && strstr (field, "@")) {
        /* A MongoDB URI may carry credentials. */
        BSON_APPEND_UTF8 (&fields, opt->name, "mongodb://***");
      } else {
        BSON_APPEND_UTF8 (&fields, opt->name, field);
      }
      break;
    case MT_OPT_INT:
      BSON_APPEND_INT64 (&fields, opt->name, *(const int64_t *) field);
      break;
    case MT_OPT_BOOL:
      BSON_APPEND_BOOL (&fields, opt->name, *(const bool *) field);
      break;
    default:
      break;
    }
  }
  mt_log_fields (MT_LOG_INFO, MT_LOG_DOMAIN, "configuration", &fields);
  bson_destroy (&fields);
}

void
mt_config_usage (FILE *out)
{
  fprintf (out, "Usage : mutuad [--option valeur]...   |   mutuad rotate-key [--data-dir D]\n\n");
  for (size_t i = 0; i < MT_OPTION_COUNT; i++) {
    const mt_option_t *opt = &mt_options[i];
    char flag[96];
    char env[160];
    size_t n = (size_t) snprintf (flag, sizeof flag, "--%s", opt->name);
    for (size_t k = 2; k < n && k < sizeof flag; k++) {
      if (flag[k] == '_') {
        flag[k] = '-';
      }
    }
    mt_config_env_name (opt->name, env, sizeof env);
    fprintf (out, "  %-26s %s (défaut/default: \"%s\")\n  %-26s %s\n  %-26s %s\n", flag, env,
             opt->secret ? "" : opt->def, "", opt->help_fr, "", opt->help_en);
  }
}
