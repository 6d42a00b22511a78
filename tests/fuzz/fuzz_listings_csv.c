/*
 * fuzz_listings_csv: the CSV import of listings (listings_csv.c) end to end, as an
 * administrator, against a real SQLite store in a temporary directory (in /dev/shm when
 * there is one) holding an active member, a pending one, a deleted one and an administrator.
 * In the input, "{A}", "{B}" and "{G}" stand for their ids, so that seeds can name owners.
 *
 * Invariants:
 *   - no crash; a caller who is not an administrator is refused (MT_ERR_FORBIDDEN);
 *   - a refused file is MT_ERR_UNPROCESSABLE with between 1 and MT_LISTINGS_CSV_MAX_ERRORS
 *     errors listed (each with a row and both messages) and nothing stored;
 *   - an accepted file stores exactly one listing per record after the header, owned by the
 *     active or the pending member; its export imports back (into the emptied store) to the
 *     same number of listings and exports again to the same rows.
 * The store is emptied after every input.
 */
#include "accounts.h"
#include "csv.h"
#include "listings_csv.h"
#include "members.h"
#include "mt_bson.h"
#include "mt_embed.h"
#include "mt_log.h"
#include "mt_schema.h"
#include "principal.h"
#include "service.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

extern const mt_embed_file_t mutua_schema_files[];

#define FZ_NOW_MS INT64_C (1781254800000) /* 2026-06-12T09:00:00Z */
#define FZ_INPUT_MAX (64 * 1024)

static struct {
  bool ready;
  char dir[64];
  mt_store_backend_t *backend;
  mt_store_t *store;
  mt_schema_registry_t *registry;
  mt_service_env_t env;
  char a[MT_ID_SIZE], b[MT_ID_SIZE], gone[MT_ID_SIZE];
  mt_principal_t admin, owner;
  mt_ctx_t admin_ctx, owner_ctx;
} fz;

static void
fz_cleanup (void)
{
  static const char *const files[] = { "t.db", "t.db-wal", "t.db-shm" };
  char path[160];

  mt_principal_destroy (&fz.admin);
  mt_principal_destroy (&fz.owner);
  mt_store_close (fz.store);
  mt_store_backend_destroy (fz.backend);
  mt_schema_registry_destroy (fz.registry);
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf (path, sizeof path, "%s/%s", fz.dir, files[i]);
    unlink (path);
  }
  rmdir (fz.dir);
}

/* A member with @status and its manager account (an admin when @admin); ids out. */
static void
fz_member (const char *status, bool admin, unsigned n, char member_id[MT_ID_SIZE],
           char account_id[MT_ID_SIZE])
{
  bson_t profile = BSON_INITIALIZER;
  bson_t territory;
  bson_t member;
  bson_t account;
  char name[32];
  char email[48];
  mt_account_fields_t fields;
  mt_error_t error;

  snprintf (name, sizeof name, "Structure %u", n);
  snprintf (email, sizeof email, "manager%u@example.org", n);
  BSON_APPEND_UTF8 (&profile, "name", name);
  BSON_APPEND_UTF8 (&profile, "kind", admin ? "platform" : "association");
  BSON_APPEND_DOCUMENT_BEGIN (&profile, "territory", &territory);
  BSON_APPEND_UTF8 (&territory, "departement", "59");
  BSON_APPEND_UTF8 (&territory, "commune", "Lille");
  bson_append_document_end (&profile, &territory);
  mt_member_build (&profile, status, FZ_NOW_MS - 3600000 + n, &member, member_id);
  fields = (mt_account_fields_t){
    .member_id = member_id,
    .email = email,
    .name = "Camille Martin",
    .member_role = "manager",
    .platform_role = admin ? "admin" : "member",
    .status = "active",
    .password_hash = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
  };
  if (!mt_account_build (&fields, FZ_NOW_MS - 3600000 + n, &account, account_id, &error) ||
      !fz.store->ops->member_insert (fz.store, &member, &account, &error)) {
    fprintf (stderr, "member: %s\n", error.message);
    abort ();
  }
  bson_destroy (&profile);
  bson_destroy (&member);
  bson_destroy (&account);
}

/* A caller as authentication builds it. */
static void
fz_caller (const char *account_id, mt_principal_t *p, mt_ctx_t *ctx)
{
  mt_error_t error;

  mt_principal_init (p);
  bson_destroy (&p->account);
  bson_destroy (&p->member);
  if (!fz.store->ops->account_get (fz.store, account_id, &p->account, &error) ||
      !fz.store->ops->member_get (fz.store, mt_bson_str (&p->account, "member_id"), &p->member,
                                  &error)) {
    abort ();
  }
  snprintf (p->account_id, sizeof p->account_id, "%s", account_id);
  snprintf (p->member_id, sizeof p->member_id, "%s", mt_bson_str (&p->account, "member_id"));
  p->is_admin = mt_bson_str_eq (&p->account, "platform_role", "admin");
  p->is_manager = true;
  p->member_active = mt_bson_str_eq (&p->member, "status", "active");
  *ctx = (mt_ctx_t){
    .env = &fz.env,
    .store = fz.store,
    .now_ms = FZ_NOW_MS,
    .principal = p,
    .client_addr = "127.0.0.1",
  };
}

static void
fz_setup (void)
{
  char db[128];
  char adm[MT_ID_SIZE], admin[MT_ID_SIZE], manager[MT_ID_SIZE], other[MT_ID_SIZE];
  struct stat st;
  mt_error_t error;

  if (fz.ready) {
    return;
  }
  mt_log_set_level (MT_LOG_OFF);
  snprintf (fz.dir, sizeof fz.dir, "%s/mutua-fuzz-csv-XXXXXX",
            stat ("/dev/shm", &st) == 0 && S_ISDIR (st.st_mode) && access ("/dev/shm", W_OK) == 0
              ? "/dev/shm"
              : "/tmp");
  if (!mkdtemp (fz.dir)) {
    abort ();
  }
  snprintf (db, sizeof db, "sqlite:%s/t.db", fz.dir);
  fz.registry = mt_schema_registry_new (MT_SCHEMA_ASSERT_FORMAT);
  if (!fz.registry || !mt_schema_registry_add_embedded (fz.registry, mutua_schema_files, &error) ||
      !(fz.backend = mt_store_backend_new (db, &error)) ||
      !(fz.store = mt_store_open (fz.backend, &error))) {
    fprintf (stderr, "setup: %s\n", error.message);
    abort ();
  }
  fz.env.schemas = fz.registry;
  fz_member ("active", false, 1, fz.a, manager);
  fz_member ("pending", false, 2, fz.b, other);
  fz_member ("deleted", false, 3, fz.gone, other);
  fz_member ("active", true, 4, adm, admin);
  fz_caller (admin, &fz.admin, &fz.admin_ctx);
  fz_caller (manager, &fz.owner, &fz.owner_ctx);
  atexit (fz_cleanup);
  fz.ready = true;
}

/* The number of stored listings (checking that each is owned by the active or the pending
 * member when @check_owners); deletes them all when @remove. */
static size_t
fz_listings (bool remove, bool check_owners)
{
  char cursor[MT_STORE_CURSOR_MAX] = "";
  size_t n = 0;

  do {
    mt_store_listing_query_t query = {
      .any_visibility = true,
      .cursor = cursor[0] ? cursor : NULL,
      .limit = 100,
    };
    mt_store_page_t page;
    bson_iter_t it;
    mt_error_t error;
    if (!fz.store->ops->listing_search (fz.store, &query, &page, &error)) {
      abort ();
    }
    bson_iter_init (&it, &page.items);
    while (bson_iter_next (&it)) {
      const uint8_t *raw;
      uint32_t len;
      bson_t doc;
      bson_iter_document (&it, &len, &raw);
      bson_init_static (&doc, raw, len);
      if (check_owners && !mt_bson_str_eq (&doc, "owner_id", fz.a) &&
          !mt_bson_str_eq (&doc, "owner_id", fz.b)) {
        abort ();
      }
      if (remove && !fz.store->ops->listing_delete (fz.store, mt_bson_str (&doc, "id"),
                                                    mt_bson_int (&doc, "version", 0), &error)) {
        abort ();
      }
      n++;
    }
    snprintf (cursor, sizeof cursor, "%s", page.next_cursor);
    mt_store_page_destroy (&page);
  } while (cursor[0]);
  return n;
}

/* @text with the placeholders replaced (malloc'd, NUL added; length in *@len). */
static char *
fz_fill (const uint8_t *data, size_t size, size_t *len)
{
  char *out = malloc (size * MT_ID_LEN / 3 + MT_ID_LEN + 1);
  size_t o = 0;

  if (!out) {
    abort ();
  }
  for (size_t i = 0; i < size;) {
    const char *id = NULL;
    if (i + 3 <= size && data[i] == '{' && data[i + 2] == '}') {
      id = data[i + 1] == 'A'   ? fz.a
           : data[i + 1] == 'B' ? fz.b
           : data[i + 1] == 'G' ? fz.gone
                                : NULL;
    }
    if (id) {
      memcpy (out + o, id, MT_ID_LEN);
      o += MT_ID_LEN;
      i += 3;
    } else {
      out[o++] = (char) data[i++];
    }
  }
  out[o] = '\0';
  *len = o;
  return out;
}

static int
fz_compare_strings (const void *a, const void *b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The export's records after the header, each as one string, sorted (the listings were all
 * created in the same millisecond: the export's order among them is by id). */
static char **
fz_export_rows (size_t *count)
{
  const mt_csv_limits_t limits = { .max_field = 1 << 20, .max_columns = 64, .max_rows = 10000 };
  mt_buf_t out;
  mt_csv_t csv;
  mt_error_t error;
  char **rows;

  mt_buf_init (&out, MT_LISTINGS_CSV_EXPORT_MAX);
  if (!mt_listings_export (&fz.admin_ctx, &out, &error) ||
      !mt_csv_read (out.data, out.len, &limits, &csv, &error)) {
    abort ();
  }
  *count = csv.records - 1;
  rows = calloc (*count + 1, sizeof *rows);
  if (!rows) {
    abort ();
  }
  for (size_t r = 1; r < csv.records; r++) {
    mt_buf_t row;
    mt_buf_init (&row, out.len + csv.columns + 1);
    for (size_t c = 0; c < csv.columns; c++) {
      mt_buf_append (&row, csv.cells[r * csv.columns + c], csv.lens[r * csv.columns + c]);
      mt_buf_append_char (&row, '\x1f');
    }
    rows[r - 1] = mt_buf_steal (&row, NULL);
    mt_buf_destroy (&row);
  }
  qsort (rows, *count, sizeof *rows, fz_compare_strings);
  mt_csv_destroy (&csv);
  mt_buf_destroy (&out);
  return rows;
}

static void
fz_free_rows (char **rows, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    free (rows[i]);
  }
  free (rows);
}

/* The records of @text, as the importer reads them (0 when it cannot). */
static size_t
fz_records (const char *text, size_t len)
{
  const mt_csv_limits_t limits = {
    .max_field = MT_LISTINGS_CSV_MAX_FIELD,
    .max_columns = MT_LISTINGS_CSV_MAX_COLUMNS,
    .max_rows = MT_LISTINGS_CSV_MAX_ROWS,
  };
  mt_csv_t csv;
  mt_error_t error;
  size_t n = 0;

  if (mt_csv_read (text, len, &limits, &csv, &error)) {
    n = csv.records;
  }
  mt_csv_destroy (&csv);
  return n;
}

static void
fz_check_refusal (const mt_listings_csv_report_t *report, const mt_error_t *error)
{
  if (error->code != MT_ERR_UNPROCESSABLE || report->count == 0 ||
      report->count > MT_LISTINGS_CSV_MAX_ERRORS || report->bad_rows == 0 ||
      (report->truncated && report->count != MT_LISTINGS_CSV_MAX_ERRORS)) {
    abort ();
  }
  for (size_t i = 0; i < report->count; i++) {
    const mt_error_t *e = &report->items[i].error;
    if (!e->message[0] || !e->message_fr[0] ||
        report->items[i].row > MT_LISTINGS_CSV_MAX_ROWS + 1) {
      abort ();
    }
  }
  if (fz_listings (false, false) != 0) {
    abort (); /* nothing stored */
  }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mt_listings_csv_report_t report;
  mt_error_t error;
  size_t imported = 0;
  size_t len;
  char *text;

  if (size > FZ_INPUT_MAX) {
    return 0;
  }
  fz_setup ();
  text = fz_fill (data, size, &len);

  /* Not an administrator: refused, nothing read. */
  mt_error_clear (&error);
  if (mt_listings_import (&fz.owner_ctx, text, len, &imported, &report, &error) ||
      error.code != MT_ERR_FORBIDDEN || imported != 0) {
    abort ();
  }
  mt_listings_csv_report_destroy (&report);

  mt_error_clear (&error);
  if (mt_listings_import (&fz.admin_ctx, text, len, &imported, &report, &error)) {
    size_t count;
    size_t again_count;
    size_t records = fz_records (text, len);
    char **rows;
    char **again;
    if (records < 2 || imported != records - 1 || fz_listings (false, true) != imported) {
      abort ();
    }
    /* The export imports back to the same rows. */
    rows = fz_export_rows (&count);
    if (count != imported) {
      abort ();
    }
    {
      mt_buf_t out;
      mt_listings_csv_report_t report2;
      size_t imported2 = 0;
      mt_buf_init (&out, MT_LISTINGS_CSV_EXPORT_MAX);
      if (!mt_listings_export (&fz.admin_ctx, &out, &error)) {
        abort ();
      }
      fz_listings (true, false);
      if (!mt_listings_import (&fz.admin_ctx, out.data, out.len, &imported2, &report2, &error) ||
          imported2 != imported) {
        abort ();
      }
      mt_listings_csv_report_destroy (&report2);
      mt_buf_destroy (&out);
    }
    again = fz_export_rows (&again_count);
    if (again_count != count) {
      abort ();
    }
    for (size_t i = 0; i < count; i++) {
      if (strcmp (rows[i], again[i]) != 0) {
        abort ();
      }
    }
    fz_free_rows (rows, count);
    fz_free_rows (again, again_count);
    fz_listings (true, false);
  } else {
    fz_check_refusal (&report, &error);
  }
  mt_listings_csv_report_destroy (&report);
  free (text);
  return 0;
}
