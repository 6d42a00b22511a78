/*
 * config: mutuad's settings, declared once in a table {name, type, default, min, max}
 * (config.c) and read, in increasing order of precedence, from the defaults, the config
 * file (--config or MUTUA_CONFIG; "name = value" lines, '#' comments), the environment
 * (MUTUA_<NAME>, e.g. MUTUA_DATA_DIR) and the command line (--name value, --name=value;
 * booleans also as a bare --name).
 */
#ifndef MT_CONFIG_H
#define MT_CONFIG_H

#include "mt_error.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define MT_CONFIG_STR_MAX 1024

typedef struct mt_config {
  char config_file[MT_CONFIG_STR_MAX];
  char listen[MT_CONFIG_STR_MAX];
  char data_dir[MT_CONFIG_STR_MAX];
  char store[MT_CONFIG_STR_MAX];
  char mongodb_uri[MT_CONFIG_STR_MAX];
  bool store_shared; /* several mutuad on one SQLite database (lock taken shared) */
  char port_file[MT_CONFIG_STR_MAX];
  char public_url[MT_CONFIG_STR_MAX];
  char admin_email[MT_CONFIG_STR_MAX];
  char admin_password[MT_CONFIG_STR_MAX];
  char log_level[MT_CONFIG_STR_MAX];
  char trusted_proxies[MT_CONFIG_STR_MAX];
  bool demo;
  int64_t threads;
  int64_t workers;
  int64_t worker_queue;
  int64_t write_batch_max;
  int64_t max_connections;
  int64_t max_body_bytes;
  int64_t max_header_bytes;
  int64_t header_timeout_s;
  int64_t body_timeout_s;
  int64_t idle_timeout_s;
  int64_t drain_timeout_s;
  int64_t token_ttl_s;
  int64_t password_opslimit;
  int64_t password_memlimit_kib;
  int64_t login_account_limit;
  int64_t login_address_limit;
  int64_t login_window_s;
  int64_t reservations_per_hour;
  int64_t bookings_per_hour;
  int64_t needs_per_day;
  int64_t quota_hour_s;
  int64_t max_active_reservations;
  int64_t request_ttl_hours;
  int64_t review_pending_hours;
  int64_t close_after_days;
  int64_t reminder_lead_hours;
  int64_t orphan_grace_s; /* calendar entries of unfinished creations kept this long */
  int64_t sweep_interval_s;
  bool credits_enabled;
  int64_t credits_welcome_grant;
  int64_t credits_monthly_grant;
  int64_t credits_floor;
  int64_t booking_confirm_after_days;
  char sendmail_command[MT_CONFIG_STR_MAX];
  char mail_from[MT_CONFIG_STR_MAX];
  int64_t webhook_timeout_s;
  int64_t webhook_max_attempts;
  int64_t outbox_retry_base_s;
  int64_t outbox_interval_ms;
} mt_config_t;

/* Fills @config with the defaults of the table. */
void mt_config_defaults (mt_config_t *config);

/*
 * Reads the config file, the environment (@envp, NULL-terminated "NAME=value" strings) and
 * the arguments (argv[first_arg..argc-1]) over the defaults, then derives what depends on
 * other settings (threads 0 = number of cores; store "" = sqlite file in data_dir).
 * Unknown names, malformed values and values out of range are errors (MT_DOMAIN_CONFIG).
 */
bool mt_config_load (mt_config_t *config, int argc, const char *const *argv, int first_arg,
                     const char *const *envp, mt_error_t *error);

/* Logs the effective configuration as one JSON line; secrets are shown as "***". */
void mt_config_log (const mt_config_t *config);

/* Prints the options with their defaults, environment names and help (French, English). */
void mt_config_usage (FILE *out);

#endif
