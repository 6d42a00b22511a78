/*
 * mutuad: the mutua server.
 *
 *   mutuad [--option value]...           serve (see --help for the options)
 *   mutuad rotate-key [--data-dir DIR]   add a new signing key (then SIGHUP or restart)
 *   mutuad check [--data-dir DIR]        integrity and consistency of the store; exit 0 or 1
 *
 * Start-up: configuration, data directory, the lock of an embedded store (one mutuad per
 * SQLite database, or several with store_shared), store (migrations), signing keys, schemas, routes, first administrator,
 * demo data, reconciliation (services/reconcile.h), worker pool, event loops, timers
 * (timers.h), the e-mail and webhook dispatcher (dispatcher.h), then the port file and a banner on stdout saying where mutua listens and how to
 * sign in. The main thread then waits for signals: SIGTERM/SIGINT drain and exit 0, SIGHUP
 * reloads the keys and the log level.
 */
#include "app.h"
#include "bootstrap.h"
#include "config.h"
#include "demo.h"
#include "dispatcher.h"
#include "keyring.h"
#include "metrics.h"
#include "mt_log.h"
#include "mt_schema.h"
#include "mt_time.h"
#include "router.h"
#include "routes.h"
#include "reconcile.h"
#include "reservations.h"
#include "server.h"
#include "timers.h"
#include "workers.h"

#include <errno.h>
#include <event2/thread.h>
#include <fcntl.h>
#include <sys/file.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MT_LOG_DOMAIN "main"

extern char **environ;
extern const mt_embed_file_t mutua_schema_files[];

static void
mt_main_fail (const char *what, const mt_error_t *error)
{
  fprintf (stderr, "mutuad: %s : %s\nmutuad: %s: %s\n", what, error->message_fr, what,
           error->message);
  mt_log_printf (MT_LOG_ERROR, MT_LOG_DOMAIN, "%s: %s", what, error->message);
}

static bool
mt_main_keys_dir (const mt_config_t *config, char *out, size_t size)
{
  int n = snprintf (out, size, "%s/keys", config->data_dir);
  return n > 0 && (size_t) n < size;
}

static bool
mt_main_prepare_data_dir (const mt_config_t *config, mt_error_t *error)
{
  struct stat st;

  if (mkdir (config->data_dir, 0700) != 0 && errno != EEXIST) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "impossible de créer %s : %s",
                  "cannot create %s: %s", config->data_dir, strerror (errno));
    return false;
  }
  if (stat (config->data_dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "%s n'est pas un dossier",
                  "%s is not a directory", config->data_dir);
    return false;
  }
  return true;
}

static bool
mt_main_write_port_file (const char *path, int port, mt_error_t *error)
{
  char tmp[MT_CONFIG_STR_MAX + 8];
  FILE *f;

  snprintf (tmp, sizeof tmp, "%s.tmp", path);
  f = fopen (tmp, "w");
  if (!f || fprintf (f, "%d\n", port) < 0 || fclose (f) != 0 || rename (tmp, path) != 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "impossible d'écrire %s : %s",
                  "cannot write %s: %s", path, strerror (errno));
    return false;
  }
  return true;
}

static void
mt_main_banner (const mt_app_t *app, int port, const mt_bootstrap_result_t *admin,
                const mt_demo_result_t *demo)
{
  const mt_config_t *config = &app->config;
  char host[256];
  const char *colon = strrchr (config->listen, ':');
  size_t host_len = colon ? (size_t) (colon - config->listen) : 0;

  snprintf (host, sizeof host, "%.*s", (int) host_len, config->listen);
  if (host[0] == '\0' || strcmp (host, "0.0.0.0") == 0) {
    snprintf (host, sizeof host, "127.0.0.1");
  }
  printf ("\nmutua est prêt / mutua is ready : http://%s:%d\n", host, port);
  if (admin->created && admin->password_generated) {
    printf (
      "Premier administrateur / first administrator : %s\n"
      "Mot de passe (affiché une seule fois, changez-le) / password (shown once, change it) : %s\n",
      config->admin_email, admin->password);
  } else if (admin->created) {
    printf (
      "Premier administrateur / first administrator : %s (mot de passe de MUTUA_ADMIN_PASSWORD "
      "/ password from MUTUA_ADMIN_PASSWORD)\n",
      config->admin_email);
  } else {
    printf ("Connectez-vous avec le compte administrateur créé au premier démarrage (%s).\n"
            "Sign in with the administrator account created at first start (%s).\n",
            config->admin_email, config->admin_email);
  }
  printf ("Connexion / sign in :\n  curl -s http://%s:%d/v1/auth/login -H 'Content-Type: "
          "application/json' -d '{\"email\":\"%s\",\"password\":\"…\"}'\n",
          host, port, config->admin_email);
  if (demo->loaded) {
    printf ("Démonstration / demo : %d structures ; comptes « prenom.nom@… » avec le mot de passe "
            "/ accounts with the password « %s »\n",
            demo->members, MT_DEMO_PASSWORD);
  }
  printf ("\n");
  fflush (stdout);
}

static int
mt_main_rotate_key (int argc, char **argv)
{
  mt_config_t config;
  mt_error_t error;
  char dir[MT_CONFIG_STR_MAX + 8];
  char kid[MT_PASERK_K4_PID_SIZE];

  if (!mt_config_load (&config, argc, (const char *const *) argv, 2, (const char *const *) environ,
                       &error) ||
      !mt_main_prepare_data_dir (&config, &error) || !mt_main_keys_dir (&config, dir, sizeof dir) ||
      !mt_keyring_rotate (dir, kid, &error)) {
    mt_main_fail ("rotate-key", &error);
    return 1;
  }
  printf ("nouvelle clé de signature / new signing key: %s\n"
          "Rechargez mutuad (SIGHUP) ou redémarrez-le / reload mutuad (SIGHUP) or restart it.\n",
          kid);
  return 0;
}

/*
 * The lock of an embedded store: "<database file>-mutuad.lock", held with flock() for the
 * life of the process (the kernel releases it when the process ends, even by SIGKILL).
 * Serving takes it exclusively by default, so one mutuad at most writes an SQLite database:
 * the start-up reconciliation may then treat every calendar entry written before it as
 * settled (no creation of another process can be between its two writes). With
 * store_shared, serving takes it shared: several mutuad of one host use the database
 * together (SQLite's WAL takes several processes) and reconcile with the grace period, as
 * on a shared store; a mutuad without store_shared is still refused beside them.
 * `mutuad check` takes it exclusively when it is free (no server runs), and otherwise runs
 * without it, with the grace period. Stores other than SQLite have no lock (*@fd_out = -1,
 * *@locked false).
 * @return false with @error when the lock is held by another process in a conflicting mode
 * (MT_ERR_CONFLICT) or cannot be created.
 */
static bool
mt_main_lock_store (const mt_config_t *config, int how, int *fd_out, bool *locked,
                    mt_error_t *error)
{
  char path[MT_CONFIG_STR_MAX + 32];
  int fd;
  int n;

  *fd_out = -1;
  *locked = false;
  if (strncmp (config->store, "sqlite:", 7) != 0) {
    return true;
  }
  n = snprintf (path, sizeof path, "%s-mutuad.lock", config->store + 7);
  if (n < 0 || (size_t) n >= sizeof path) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "chemin de verrou trop long",
                  "lock path too long");
    return false;
  }
  fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "impossible d'ouvrir %s : %s",
                  "cannot open %s: %s", path, strerror (errno));
    return false;
  }
  if (flock (fd, how | LOCK_NB) != 0) {
    int saved = errno;
    close (fd);
    if (saved == EWOULDBLOCK) {
      mt_error_set (error, MT_DOMAIN_IO, MT_ERR_CONFLICT,
                    "un autre mutuad utilise déjà cette base (%s est verrouillé ; pour plusieurs "
                    "instances sur une base, store_shared = true sur chacune)",
                    "another mutuad already uses this database (%s is locked; for several "
                    "instances on one database, store_shared = true on each)",
                    path);
    } else {
      mt_error_set (error, MT_DOMAIN_IO, MT_ERR_INTERNAL, "verrou %s impossible : %s",
                    "cannot lock %s: %s", path, strerror (saved));
    }
    return false;
  }
  *fd_out = fd;
  *locked = true;
  return true;
}

/*
 * mutuad check: opens the store (applying pending migrations), runs its integrity check and
 * the read-only consistency check of calendars, reservations and audit (reconcile.h's CHECK
 * mode). Exit 0 when both pass, 1 otherwise, with a bilingual verdict on stdout.
 * When a server holds the store (its lock is taken, exclusively or shared by several
 * instances), calendar entries younger than the grace period of reservations.h are reported
 * as "recent", not as inconsistencies.
 */
static int
mt_main_check (int argc, char **argv)
{
  mt_config_t config;
  mt_service_env_t env;
  mt_error_t error;
  mt_store_backend_t *backend = NULL;
  mt_store_t *store = NULL;
  mt_reconcile_report_t report;
  struct stat st;
  int64_t grace = 0;
  int lock_fd = -1;
  bool locked = false;
  bool env_ready = false;
  bool integrity = false;
  int exit_code = 1;

  memset (&report, 0, sizeof report);
  mt_log_set_level (MT_LOG_WARN);
  if (!mt_config_load (&config, argc, (const char *const *) argv, 2, (const char *const *) environ,
                       &error)) {
    mt_main_fail ("check", &error);
    goto done;
  }
  if (stat (config.data_dir, &st) != 0 || !S_ISDIR (st.st_mode)) {
    fprintf (stderr,
             "mutuad: check : %s n'est pas un dossier\nmutuad: check: %s is not a directory\n",
             config.data_dir, config.data_dir);
    goto done;
  }
  /* Exclusive: servers sharing the database hold it shared, and must be seen too. */
  if (!mt_main_lock_store (&config, LOCK_EX, &lock_fd, &locked, &error)) {
    if (error.code != MT_ERR_CONFLICT) {
      mt_main_fail ("check", &error);
      goto done;
    }
    /* A server runs: creations may be between their two writes. */
    grace = config.orphan_grace_s * 1000;
  } else if (!locked) {
    grace = config.orphan_grace_s * 1000; /* a shared store (MongoDB): others may write */
  }
  env_ready = mt_service_env_init (&env, &config);
  backend = env_ready ? mt_store_backend_new (config.store, &error) : NULL;
  store = backend ? mt_store_open (backend, &error) : NULL;
  if (!store) {
    mt_main_fail ("check", &error);
    goto done;
  }
  integrity = store->ops->check_integrity (store, &error);
  if (!integrity) {
    printf ("intégrité : ÉCHEC / integrity: FAILED : %s / %s\n", error.message_fr, error.message);
  }
  {
    mt_ctx_t ctx = { .env = &env, .store = store, .now_ms = mt_time_now_ms () };
    mt_reconcile_run (&ctx, MT_RECONCILE_CHECK, grace, &report);
  }
  printf ("calendriers / calendars : %llu (entrées / entries : %llu) ; "
          "réservations / reservations : %llu\n",
          (unsigned long long) report.calendars, (unsigned long long) report.entries,
          (unsigned long long) report.reservations);
  printf ("entrées orphelines / orphan entries : %llu ; périmées / stale : %llu ; "
          "récentes, ignorées / recent, ignored : %llu\n",
          (unsigned long long) report.orphans, (unsigned long long) report.stale,
          (unsigned long long) report.recent);
  printf ("réservations sans entrée / reservations without an entry : %llu ; "
          "audit manquant / missing audit entries : %llu ; erreurs / errors : %llu\n",
          (unsigned long long) report.unbooked, (unsigned long long) report.audit_missing,
          (unsigned long long) report.errors);
  if (integrity && mt_reconcile_report_clean (&report)) {
    printf ("mutua : données intègres et cohérentes / data intact and consistent\n");
    exit_code = 0;
  } else {
    printf ("mutua : incohérences trouvées / inconsistencies found. Au démarrage, mutuad répare "
            "les entrées orphelines ou périmées et l'audit manquant / at start-up, mutuad repairs "
            "orphan or stale entries and missing audit entries.\n");
  }
done:
  mt_store_close (store);
  mt_store_backend_destroy (backend);
  if (env_ready) {
    mt_service_env_destroy (&env);
  }
  if (lock_fd >= 0) {
    close (lock_fd);
  }
  return exit_code;
}

/* The reconciliation before serving (see mt_main_lock_store for the grace period). */
static void
mt_main_reconcile (mt_app_t *app, mt_store_t *store, bool exclusive)
{
  mt_ctx_t ctx = { .env = &app->env, .store = store, .now_ms = mt_time_now_ms () };
  mt_reconcile_report_t report;
  bson_t fields;

  mt_reconcile_run (&ctx, MT_RECONCILE_REPAIR, exclusive ? 0 : app->config.orphan_grace_s * 1000,
                    &report);
  mt_reconcile_report_bson (&report, &fields);
  mt_log_fields (report.errors ? MT_LOG_WARN : MT_LOG_INFO, MT_LOG_DOMAIN,
                 "start-up reconciliation", &fields);
  bson_destroy (&fields);
}

static int mt_main_argc;
static char **mt_main_argv;

static void
mt_main_reload (mt_app_t *app)
{
  mt_error_t error;
  char dir[MT_CONFIG_STR_MAX + 8];
  mt_keyring_t *keyring;
  mt_config_t fresh;
  mt_log_level_t level;

  /* The log level follows the configuration; other settings need a restart. */
  if (mt_config_load (&fresh, mt_main_argc, (const char *const *) mt_main_argv, 1,
                      (const char *const *) environ, &error) &&
      mt_log_level_parse (fresh.log_level, &level)) {
    mt_log_set_level (level);
  } else {
    mt_log_printf (MT_LOG_ERROR, MT_LOG_DOMAIN, "reload: configuration kept: %s", error.message);
  }

  mt_main_keys_dir (&app->config, dir, sizeof dir);
  keyring = mt_keyring_load (dir, false, &error);
  if (!keyring) {
    mt_log_printf (MT_LOG_ERROR, MT_LOG_DOMAIN, "reload: keys kept as they were: %s",
                   error.message);
    return;
  }
  mt_service_env_set_keyring (&app->env, keyring);
  MT_INFO ("reload: %zu signing keys loaded", mt_keyring_count (keyring));
}

int
main (int argc, char **argv)
{
  mt_app_t app;
  mt_error_t error;
  mt_bootstrap_result_t admin;
  mt_demo_result_t demo;
  mt_log_level_t level = MT_LOG_INFO;
  mt_keyring_t *keyring = NULL;
  mt_store_t *store = NULL;
  mt_timers_t *timers = NULL;
  mt_dispatcher_t *dispatcher = NULL;
  int lock_fd = -1;
  bool exclusive = false;
  char keys_dir[MT_CONFIG_STR_MAX + 8];
  sigset_t signals;
  int exit_code = 1;

  memset (&app, 0, sizeof app);
  mt_main_argc = argc;
  mt_main_argv = argv;
  memset (&demo, 0, sizeof demo);
  memset (&admin, 0, sizeof admin);
  if (argc > 1 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)) {
    mt_config_usage (stdout);
    return 0;
  }
  if (argc > 1 && strcmp (argv[1], "--version") == 0) {
    printf ("mutuad %s\n", MUTUA_VERSION);
    return 0;
  }
  if (sodium_init () < 0 || evthread_use_pthreads () != 0) {
    fprintf (stderr, "mutuad: libsodium or libevent threads unavailable\n");
    return 1;
  }
  if (argc > 1 && strcmp (argv[1], "rotate-key") == 0) {
    return mt_main_rotate_key (argc, argv);
  }
  if (argc > 1 && strcmp (argv[1], "check") == 0) {
    return mt_main_check (argc, argv);
  }
  /* Every thread inherits this mask; only the main thread waits for these signals. */
  sigemptyset (&signals);
  sigaddset (&signals, SIGTERM);
  sigaddset (&signals, SIGINT);
  sigaddset (&signals, SIGHUP);
  pthread_sigmask (SIG_BLOCK, &signals, NULL);
  signal (SIGPIPE, SIG_IGN);

  if (!mt_config_load (&app.config, argc, (const char *const *) argv, 1,
                       (const char *const *) environ, &error)) {
    mt_main_fail ("configuration", &error);
    return 2;
  }
  mt_log_level_parse (app.config.log_level, &level);
  mt_log_set_level (level);
  mt_config_log (&app.config);
  app.started_ms = mt_time_now_ms ();

  if (!mt_service_env_init (&app.env, &app.config)) {
    goto done;
  }
  if (!mt_main_prepare_data_dir (&app.config, &error)) {
    mt_main_fail ("data_dir", &error);
    goto done;
  }
  if (!mt_main_lock_store (&app.config, app.config.store_shared ? LOCK_SH : LOCK_EX, &lock_fd,
                           &exclusive, &error)) {
    mt_main_fail ("store", &error);
    goto done;
  }
  exclusive = exclusive && !app.config.store_shared;
  app.backend = mt_store_backend_new (app.config.store, &error);
  if (!app.backend) {
    mt_main_fail ("store", &error);
    goto done;
  }
  mt_main_keys_dir (&app.config, keys_dir, sizeof keys_dir);
  keyring = mt_keyring_load (keys_dir, true, &error);
  if (!keyring) {
    mt_main_fail ("keys", &error);
    goto done;
  }
  mt_service_env_set_keyring (&app.env, keyring);
  app.schemas = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!app.schemas || !mt_schema_registry_add_embedded (app.schemas, mutua_schema_files, &error)) {
    mt_main_fail ("schemas", &error);
    goto done;
  }
  app.env.schemas = app.schemas;
  app.router = mt_router_new (mt_routes, mt_route_count, &error);
  if (!app.router) {
    mt_main_fail ("routes", &error);
    goto done;
  }
  app.metrics = mt_metrics_new (mt_route_count, mt_router_labels (app.router));
  app.workers = mt_workers_new ((int) app.config.workers, (int) app.config.worker_queue);
  if (!app.metrics || !app.workers) {
    fprintf (stderr, "mutuad: out of memory\n");
    goto done;
  }
  if (!mt_services_start (&app.env, &error)) {
    mt_main_fail ("services", &error);
    goto done;
  }

  store = mt_store_open (app.backend, &error);
  if (!store) {
    mt_main_fail ("store", &error);
    goto done;
  }
  {
    mt_ctx_t ctx = { .env = &app.env, .store = store, .now_ms = mt_time_now_ms () };
    if (!mt_bootstrap_admin (&ctx, &admin, &error)) {
      mt_main_fail ("first administrator", &error);
      goto done;
    }
    if (app.config.demo && !mt_demo_load (&ctx, &demo, &error)) {
      mt_main_fail ("demo", &error);
      goto done;
    }
  }
  mt_main_reconcile (&app, store, exclusive);
  mt_store_close (store);
  store = NULL;

  if (!mt_server_new (&app, &error) || !mt_server_start (app.server, &error)) {
    mt_main_fail ("http", &error);
    goto done;
  }
  timers = mt_timers_start (app.server, &app.config, &error);
  if (!timers) {
    mt_main_fail ("timers", &error);
    goto done;
  }
  dispatcher = mt_dispatcher_start (&app, &error);
  if (!dispatcher) {
    mt_main_fail ("dispatcher", &error);
    goto done;
  }
  {
    bson_t fields = BSON_INITIALIZER;
    BSON_APPEND_INT32 (&fields, "port", mt_server_port (app.server));
    BSON_APPEND_INT64 (&fields, "threads", app.config.threads);
    BSON_APPEND_UTF8 (&fields, "store", app.backend->ops->name);
    mt_log_fields (MT_LOG_INFO, MT_LOG_DOMAIN, "listening", &fields);
    bson_destroy (&fields);
  }
  mt_main_banner (&app, mt_server_port (app.server), &admin, &demo);
  sodium_memzero (admin.password, sizeof admin.password);
  /* Last: whoever waits for the port file (a supervisor, the tests) finds the banner printed
   * (the generated administrator password included) once it is there. */
  if (app.config.port_file[0] &&
      !mt_main_write_port_file (app.config.port_file, mt_server_port (app.server), &error)) {
    mt_main_fail ("port_file", &error);
    goto done;
  }

  while (true) {
    int sig = 0;
    if (sigwait (&signals, &sig) != 0) {
      continue;
    }
    if (sig == SIGHUP) {
      mt_main_reload (&app);
      continue;
    }
    MT_INFO ("signal %d: draining", sig);
    break;
  }
  {
    int left = mt_server_drain (app.server, (int) app.config.drain_timeout_s);
    if (left > 0) {
      mt_log_printf (MT_LOG_WARN, MT_LOG_DOMAIN, "%d requests still in flight at exit", left);
    }
  }
  /* The requests are answered: no more events; a send in progress is cut short and will be
   * tried again by the next start. */
  mt_dispatcher_stop (dispatcher);
  dispatcher = NULL;
  exit_code = 0;
done:
  /* Workers first: their last completions still reach the running loops, which answer
   * them; only then may the loops and their completion queues go. */
  mt_dispatcher_stop (dispatcher);
  mt_workers_destroy (app.workers);
  mt_server_destroy (app.server);
  mt_timers_destroy (timers);
  mt_services_stop (&app.env);
  mt_store_close (store);
  mt_metrics_destroy (app.metrics);
  mt_router_destroy (app.router);
  mt_schema_registry_destroy (app.schemas);
  mt_store_backend_destroy (app.backend);
  mt_service_env_destroy (&app.env);
  if (lock_fd >= 0) {
    close (lock_fd);
  }
  if (exit_code == 0) {
    MT_INFO ("stopped");
  }
  return exit_code;
}
