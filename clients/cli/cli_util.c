/* cli_util: language, exit codes, dates, the token file and tables of the `mutua` command. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLI_TOKEN_MAX 8192 /* a PASETO token is far shorter */
#define CLI_CONFIG_MAX 16384

bool cli_french;

bool
cli_lang_is_french (void)
{
  static const char *const names[] = { "LC_ALL", "LC_MESSAGES", "LANG" };

  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    const char *value = getenv (names[i]);
    if (value && value[0]) {
      return strncmp (value, "fr", 2) == 0;
    }
  }
  return false;
}

int
cli_exit_code (const mutua_error_t *error)
{
  switch (error->kind) {
  case MUTUA_ERROR_NONE:
    return CLI_EXIT_OK;
  case MUTUA_ERROR_INVALID:
    return CLI_EXIT_USAGE;
  case MUTUA_ERROR_CONNECT:
  case MUTUA_ERROR_TIMEOUT:
    return CLI_EXIT_CONNECT;
  case MUTUA_ERROR_PROTOCOL:
    return CLI_EXIT_SERVER;
  case MUTUA_ERROR_MEMORY:
    return CLI_EXIT_LOCAL;
  case MUTUA_ERROR_HTTP:
    break;
  }
  switch (error->status) {
  case 401:
    return CLI_EXIT_AUTH;
  case 403:
    return CLI_EXIT_FORBIDDEN;
  case 404:
    return CLI_EXIT_NOT_FOUND;
  case 409:
  case 412:
    return CLI_EXIT_CONFLICT;
  case 429:
    return CLI_EXIT_RATE_LIMITED;
  default:
    return error->status >= 500 ? CLI_EXIT_SERVER : CLI_EXIT_INVALID;
  }
}

void
cli_errorf (const char *fr, const char *en, ...)
{
  va_list ap;

  va_start (ap, en);
  fputs ("mutua: ", stderr);
  vfprintf (stderr, CLI_T (fr, en), ap);
  fputc ('\n', stderr);
  va_end (ap);
}

/* A copy of the server's @text without control characters (they could drive the terminal). */
static const char *
printable (const char *text, char *buf, size_t size)
{
  snprintf (buf, size, "%s", text);
  for (char *p = buf; *p; p++) {
    if ((unsigned char) *p < 0x20 || *p == 0x7f) {
      *p = ' ';
    }
  }
  return buf;
}

void
cli_print_error (const mutua_error_t *error)
{
  char detail[sizeof error->detail], path[sizeof error->path];

  switch (error->kind) {
  case MUTUA_ERROR_HTTP:
    fprintf (stderr, "mutua: %s %d: %s", CLI_T ("erreur", "error"), error->status,
             error->detail[0] ? printable (error->detail, detail, sizeof detail)
                              : CLI_T ("(sans détail)", "(no detail)"));
    if (error->path[0]) {
      fprintf (stderr, " (%s %s)", CLI_T ("champ :", "field:"),
               printable (error->path, path, sizeof path));
    }
    if (error->retry_after) {
      fprintf (stderr, CLI_T (" ; réessayez dans %u s", "; retry in %u s"),
               (unsigned) error->retry_after);
    }
    fputc ('\n', stderr);
    if (error->status == 401) {
      cli_errorf ("connectez-vous avec « mutua login EMAIL ».",
                  "sign in with \"mutua login EMAIL\".");
    }
    break;
  case MUTUA_ERROR_CONNECT:
    cli_errorf ("impossible de joindre le serveur (%s).", "cannot reach the server (%s).",
                error->detail);
    break;
  case MUTUA_ERROR_TIMEOUT:
    cli_errorf ("pas de réponse du serveur dans le délai (%s).",
                "no answer from the server in time (%s).", error->detail);
    break;
  case MUTUA_ERROR_PROTOCOL:
    cli_errorf ("réponse inattendue du serveur (%s).", "unexpected answer from the server (%s).",
                error->detail);
    break;
  case MUTUA_ERROR_NONE:
  case MUTUA_ERROR_INVALID:
  case MUTUA_ERROR_MEMORY:
    cli_errorf ("%s", "%s", error->detail[0] ? error->detail : mutua_error_kind_name (error->kind));
    break;
  }
}

bool
cli_date (const char *text, char *out, size_t size)
{
  bool day_only = strlen (text) == 10;
  int n;

  for (size_t i = 0; day_only && i < 10; i++) {
    day_only = (i == 4 || i == 7) ? text[i] == '-' : isdigit ((unsigned char) text[i]) != 0;
  }
  n = snprintf (out, size, "%s%s", text, day_only ? "T00:00:00Z" : "");
  return n >= 0 && (size_t) n < size;
}

/* ---- Files ------------------------------------------------------------------------------- */

bool
cli_config_dir (char *out, size_t size)
{
  const char *xdg = getenv ("XDG_CONFIG_HOME");
  const char *home = getenv ("HOME");
  int n;

  /* The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
  if (xdg && xdg[0] == '/') {
    n = snprintf (out, size, "%s/mutua", xdg);
  } else if (home && home[0]) {
    n = snprintf (out, size, "%s/.config/mutua", home);
  } else {
    return false;
  }
  return n >= 0 && (size_t) n < size;
}

static bool
cli_config_file (const char *name, char *out, size_t size)
{
  char dir[PATH_MAX];
  int n;

  if (!cli_config_dir (dir, sizeof dir)) {
    return false;
  }
  n = snprintf (out, size, "%s/%s", dir, name);
  return n >= 0 && (size_t) n < size;
}

/* Reads at most @max bytes of @path (malloc'd, NUL-terminated), NULL when absent or bigger. */
static char *
read_small_file (const char *path, size_t max)
{
  char *data = NULL;
  size_t len = 0;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0) {
    goto done;
  }
  data = malloc (max + 1);
  if (!data) {
    goto done;
  }
  while (len <= max) {
    ssize_t got = read (fd, data + len, max + 1 - len);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      break;
    }
    len += (size_t) got;
  }
  if (len > max) {
    free (data);
    data = NULL;
    goto done;
  }
  data[len] = '\0';
done:
  if (fd >= 0) {
    close (fd);
  }
  return data;
}

char *
cli_token_load (void)
{
  char path[PATH_MAX];
  char *token;
  size_t len;

  if (!cli_config_file ("token", path, sizeof path)) {
    return NULL;
  }
  token = read_small_file (path, CLI_TOKEN_MAX);
  if (!token) {
    return NULL;
  }
  len = strcspn (token, "\r\n");
  token[len] = '\0';
  if (len == 0) {
    free (token);
    return NULL;
  }
  return token;
}

/* mkdir -p of @dir, the last component with mode 0700 (tightened when it already exists). */
static bool
make_private_dir (const char *dir)
{
  char path[PATH_MAX];
  size_t len = strlen (dir);

  if (len >= sizeof path) {
    return false;
  }
  memcpy (path, dir, len + 1);
  for (size_t i = 1; i < len; i++) {
    if (path[i] == '/') {
      path[i] = '\0';
      if (mkdir (path, 0755) != 0 && errno != EEXIST) {
        return false;
      }
      path[i] = '/';
    }
  }
  if (mkdir (path, 0700) != 0 && errno != EEXIST) {
    return false;
  }
  return chmod (path, 0700) == 0;
}

bool
cli_token_save (const char *token)
{
  char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
  size_t len = strlen (token), off = 0;
  bool ok = false;
  int fd = -1;

  tmp[0] = '\0';
  if (!cli_config_dir (dir, sizeof dir) || !make_private_dir (dir) ||
      !cli_config_file ("token", path, sizeof path)) {
    goto done;
  }
  if (snprintf (tmp, sizeof tmp, "%s/.token-XXXXXX", dir) >= (int) sizeof tmp) {
    tmp[0] = '\0';
    goto done;
  }
  fd = mkstemp (tmp); /* mode 0600 */
  if (fd < 0) {
    tmp[0] = '\0';
    goto done;
  }
  if (fchmod (fd, 0600) != 0) {
    goto done;
  }
  while (off < len) {
    ssize_t put = write (fd, token + off, len - off);
    if (put < 0 && errno == EINTR) {
      continue;
    }
    if (put <= 0) {
      goto done;
    }
    off += (size_t) put;
  }
  if (write (fd, "\n", 1) != 1 || fsync (fd) != 0) {
    goto done;
  }
  if (close (fd) != 0) {
    fd = -1;
    goto done;
  }
  fd = -1;
  if (rename (tmp, path) != 0) {
    goto done;
  }
  tmp[0] = '\0';
  ok = true;
done:
  if (fd >= 0) {
    close (fd);
  }
  if (tmp[0]) {
    unlink (tmp);
  }
  return ok;
}

bool
cli_token_remove (void)
{
  char path[PATH_MAX];

  if (!cli_config_file ("token", path, sizeof path)) {
    return true;
  }
  return unlink (path) == 0 || errno == ENOENT;
}

char *
cli_config_server (void)
{
  char path[PATH_MAX];
  char *text, *line, *result = NULL;

  if (!cli_config_file ("config", path, sizeof path)) {
    return NULL;
  }
  text = read_small_file (path, CLI_CONFIG_MAX);
  for (line = text; line && *line && !result;) {
    char *end = line + strcspn (line, "\n");
    char *p = line, *value, *vend;
    bool last = *end == '\0';

    *end = '\0';
    while (*p == ' ' || *p == '\t') {
      p++;
    }
    if (strncmp (p, "server", 6) == 0) {
      p += 6;
      while (*p == ' ' || *p == '\t') {
        p++;
      }
      if (*p == '=') {
        value = p + 1;
        while (*value == ' ' || *value == '\t') {
          value++;
        }
        vend = value + strlen (value);
        while (vend > value && isspace ((unsigned char) vend[-1])) {
          *--vend = '\0';
        }
        if (*value) {
          result = strdup (value);
        }
      }
    }
    line = last ? end : end + 1;
  }
  free (text);
  return result;
}

/* ---- Tables ------------------------------------------------------------------------------ */

/* Decodes one code point of valid-ish UTF-8 at @s; its length to *@len. */
static uint32_t
utf8_next (const unsigned char *s, size_t *len)
{
  if (s[0] < 0x80) {
    *len = 1;
    return s[0];
  }
  if ((s[0] & 0xE0) == 0xC0 && (s[1] & 0xC0) == 0x80) {
    *len = 2;
    return ((uint32_t) (s[0] & 0x1F) << 6) | (s[1] & 0x3F);
  }
  if ((s[0] & 0xF0) == 0xE0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80) {
    *len = 3;
    return ((uint32_t) (s[0] & 0x0F) << 12) | ((uint32_t) (s[1] & 0x3F) << 6) | (s[2] & 0x3F);
  }
  if ((s[0] & 0xF8) == 0xF0 && (s[1] & 0xC0) == 0x80 && (s[2] & 0xC0) == 0x80 &&
      (s[3] & 0xC0) == 0x80) {
    *len = 4;
    return ((uint32_t) (s[0] & 0x07) << 18) | ((uint32_t) (s[1] & 0x3F) << 12) |
           ((uint32_t) (s[2] & 0x3F) << 6) | (s[3] & 0x3F);
  }
  *len = 1; /* a stray byte counts as one column */
  return 0xFFFD;
}

static unsigned
cp_width (uint32_t cp)
{
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
      (cp >= 0x1DC0 && cp <= 0x1DFF) || (cp >= 0x20D0 && cp <= 0x20FF) ||
      (cp >= 0xFE20 && cp <= 0xFE2F) || cp == 0x200B || cp == 0x200D || cp == 0xFE0F) {
    return 0;
  }
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

size_t
cli_utf8_width (const char *text)
{
  const unsigned char *s = (const unsigned char *) text;
  size_t width = 0, len;

  while (*s) {
    width += cp_width (utf8_next (s, &len));
    s += len;
  }
  return width;
}

void
cli_table_init (cli_table_t *table, size_t ncols, const char *const *headers)
{
  memset (table, 0, sizeof *table);
  table->ncols = ncols < CLI_TABLE_COLS ? ncols : CLI_TABLE_COLS;
  cli_table_add (table, headers, 0);
}

/* A copy of @text cut to @max_width columns ("…" included), or whole when @max_width is 0;
 * control characters become spaces so that a cell never breaks the table. */
static char *
cell_copy (const char *text, size_t max_width)
{
  const unsigned char *s = (const unsigned char *) text;
  size_t cap = strlen (text) + 4, out_len = 0, width = 0, len;
  size_t limit = SIZE_MAX;
  char *out = malloc (cap);

  if (max_width > 1 && cli_utf8_width (text) > max_width) {
    limit = max_width - 1;
  }

  if (!out) {
    return NULL;
  }
  while (*s) {
    unsigned w = cp_width (utf8_next (s, &len));
    if (width + w > limit) {
      memcpy (out + out_len, "\xE2\x80\xA6", 3); /* … */
      out_len += 3;
      break;
    }
    if (len == 1 && *s < 0x20) {
      out[out_len++] = ' ';
    } else {
      memcpy (out + out_len, s, len);
      out_len += len;
    }
    width += w;
    s += len;
  }
  out[out_len] = '\0';
  return out;
}

void
cli_table_add (cli_table_t *table, const char *const *cells, size_t max_width)
{
  if (table->nrows >= CLI_TABLE_ROWS) {
    return;
  }
  for (size_t c = 0; c < table->ncols; c++) {
    const char *text = cells[c] && cells[c][0] ? cells[c] : "-";
    table->cells[table->nrows][c] = cell_copy (text, max_width);
  }
  table->nrows++;
}

void
cli_table_print (const cli_table_t *table, FILE *out)
{
  size_t widths[CLI_TABLE_COLS] = { 0 };

  for (size_t r = 0; r < table->nrows; r++) {
    for (size_t c = 0; c < table->ncols; c++) {
      const char *cell = table->cells[r][c] ? table->cells[r][c] : "";
      size_t w = cli_utf8_width (cell);
      widths[c] = w > widths[c] ? w : widths[c];
    }
  }
  for (size_t r = 0; r < table->nrows; r++) {
    for (size_t c = 0; c < table->ncols; c++) {
      const char *cell = table->cells[r][c] ? table->cells[r][c] : "";
      fputs (cell, out);
      if (c + 1 < table->ncols) {
        for (size_t pad = cli_utf8_width (cell); pad < widths[c] + 2; pad++) {
          fputc (' ', out);
        }
      }
    }
    fputc ('\n', out);
  }
}

void
cli_table_destroy (cli_table_t *table)
{
  for (size_t r = 0; r < table->nrows; r++) {
    for (size_t c = 0; c < table->ncols; c++) {
      free (table->cells[r][c]);
    }
  }
  memset (table, 0, sizeof *table);
}

const char *
cli_field (const bson_t *doc, const char *dotted, char *buf, size_t size)
{
  bson_iter_t iter;

  buf[0] = '\0';
  if (!bson_iter_init (&iter, doc) || !bson_iter_find_descendant (&iter, dotted, &iter)) {
    return buf;
  }
  if (BSON_ITER_HOLDS_UTF8 (&iter)) {
    snprintf (buf, size, "%s", bson_iter_utf8 (&iter, NULL));
  } else if (BSON_ITER_HOLDS_INT32 (&iter)) {
    snprintf (buf, size, "%d", bson_iter_int32 (&iter));
  } else if (BSON_ITER_HOLDS_INT64 (&iter)) {
    snprintf (buf, size, "%lld", (long long) bson_iter_int64 (&iter));
  } else if (BSON_ITER_HOLDS_DOUBLE (&iter)) {
    snprintf (buf, size, "%g", bson_iter_double (&iter));
  } else if (BSON_ITER_HOLDS_BOOL (&iter)) {
    snprintf (buf, size, "%s", bson_iter_bool (&iter) ? "true" : "false");
  }
  return buf;
}
