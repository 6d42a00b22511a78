/*
 * cli: the shared parts of the `mutua` command (clients/cli): language, exit codes, dates,
 * the token file, and aligned tables. Everything here is for mutua.c; nothing is installed.
 */
#ifndef MUTUA_CLI_H
#define MUTUA_CLI_H

#include "mutua/client.h"

#include <bson/bson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit codes (documented in `mutua --help` and docs/integrators-cli.md). */
enum {
  CLI_EXIT_OK = 0,
  CLI_EXIT_USAGE = 1,        /* bad command line */
  CLI_EXIT_AUTH = 2,         /* not signed in, or 401 */
  CLI_EXIT_FORBIDDEN = 3,    /* 403 */
  CLI_EXIT_NOT_FOUND = 4,    /* 404 */
  CLI_EXIT_CONFLICT = 5,     /* 409, 412 */
  CLI_EXIT_INVALID = 6,      /* 400, 413, 415, 422 and every other 4xx */
  CLI_EXIT_RATE_LIMITED = 7, /* 429 */
  CLI_EXIT_SERVER = 8,       /* 5xx, or an answer that is not what the API promises */
  CLI_EXIT_CONNECT = 9,      /* cannot connect, or timeout */
  CLI_EXIT_LOCAL = 10,       /* a local file cannot be read or written, out of memory */
};

/* True when the messages are French: LC_ALL, else LC_MESSAGES, else LANG (the first set and
 * non-empty) starts with "fr". */
bool cli_lang_is_french (void);

/* @fr or @en by the language. */
#define CLI_T(fr, en) (cli_french ? (fr) : (en))
extern bool cli_french;

/* The exit code of a failed library call. */
int cli_exit_code (const mutua_error_t *error);

/* Prints a failed library call on stderr ("mutua: ..."), in the user's language. */
void cli_print_error (const mutua_error_t *error);

/* Prints "mutua: " + the message in the user's language on stderr. */
void cli_errorf (const char *fr, const char *en, ...);

/*
 * A date of the command line as RFC 3339: "YYYY-MM-DD" becomes "YYYY-MM-DDT00:00:00Z"
 * (midnight UTC); any other text is passed on as given (the server checks it). False when
 * @text does not fit in @out.
 */
bool cli_date (const char *text, char *out, size_t size);

/* ---- The token file ---------------------------------------------------------------------- */

/* $XDG_CONFIG_HOME/mutua (or ~/.config/mutua) into @out; false when neither is set. */
bool cli_config_dir (char *out, size_t size);

/* The saved token, malloc'd (caller wipes and frees), or NULL when there is none. */
char *cli_token_load (void);

/* Writes @token atomically to the token file (directory 0700, file 0600). */
bool cli_token_save (const char *token);

/* Removes the token file; true when it is gone (or was not there). */
bool cli_token_remove (void);

/* The "server" of the config file ($XDG_CONFIG_HOME/mutua/config, lines "server = URL"),
 * malloc'd, or NULL. */
char *cli_config_server (void);

/* ---- Tables ------------------------------------------------------------------------------ */

/* Display width of UTF-8 @text (combining marks 0, East Asian wide 2, others 1). */
size_t cli_utf8_width (const char *text);

#define CLI_TABLE_COLS 8
#define CLI_TABLE_ROWS 202

typedef struct {
  size_t ncols;
  size_t nrows; /* the header included */
  char *cells[CLI_TABLE_ROWS][CLI_TABLE_COLS];
} cli_table_t;

void cli_table_init (cli_table_t *table, size_t ncols, const char *const *headers);

/* Adds a row of ncols cells (NULL is shown as "-"); cells longer than @max_width columns
 * are cut with "…". Rows beyond CLI_TABLE_ROWS are dropped. */
void cli_table_add (cli_table_t *table, const char *const *cells, size_t max_width);

/* Prints the columns aligned by display width, two spaces apart, no trailing blanks. */
void cli_table_print (const cli_table_t *table, FILE *out);
void cli_table_destroy (cli_table_t *table);

/* ---- Help (cli_help.c) -------------------------------------------------------------------- */

/* `mutua --help` to @out, in the user's language. */
void cli_help_global (FILE *out);

/* `mutua COMMAND --help` to @out; false for an unknown command. */
bool cli_help_command (const char *command, FILE *out);

/* ---- BSON helpers ------------------------------------------------------------------------ */

/* The value at @dotted of @doc as text in @buf ("" when absent; numbers and booleans
 * written out); returns @buf. */
const char *cli_field (const bson_t *doc, const char *dotted, char *buf, size_t size);

#endif
