/*
 * routes_listings_csv: CSV import and export of listings by administrators
 * (services/listings_csv.h).
 *
 * A refused import lists every bad row, which the one-path problem of mt_reply_problem cannot
 * carry: this file writes that reply itself, in the same RFC 9457 shape (type, title, status,
 * detail, instance, request_id, Content-Language) with errors [{"row", "column", "message"}].
 */
#include "routes.h"

#include "listings_csv.h"
#include "mt_json.h"

#include <string.h>
#include <strings.h>

/* True when @content_type is text/csv, with no charset or charset=utf-8. */
static bool
mt_route_is_csv (const char *content_type)
{
  const char *params;
  size_t n;

  if (!content_type) {
    return false;
  }
  n = strcspn (content_type, "; \t");
  if (n != strlen ("text/csv") || strncasecmp (content_type, "text/csv", n) != 0) {
    return false;
  }
  for (params = content_type + n; *params;) {
    size_t len;
    while (*params == ';' || *params == ' ' || *params == '\t') {
      params++;
    }
    len = strcspn (params, ";");
    if (len >= 8 && strncasecmp (params, "charset=", 8) == 0) {
      const char *value = params + 8;
      size_t vlen = len - 8;
      while (vlen > 0 && (value[vlen - 1] == ' ' || value[vlen - 1] == '\t')) {
        vlen--;
      }
      if (vlen >= 2 && value[0] == '"' && value[vlen - 1] == '"') {
        value++;
        vlen -= 2;
      }
      if (!(vlen == 5 && strncasecmp (value, "utf-8", 5) == 0) &&
          !(vlen == 4 && strncasecmp (value, "utf8", 4) == 0)) {
        return false;
      }
    }
    params += len;
  }
  return true;
}

/* The 422 problem of a refused import, with every listed error. */
static void
mt_route_reply_rows (mt_request_t *r, const mt_error_t *error,
                     const mt_listings_csv_report_t *report)
{
  const mt_error_info_t *info = mt_error_info (MT_ERR_UNPROCESSABLE);
  bool en = strcmp (mt_request_lang (r), "en") == 0;
  const char *title = en ? info->title_en : info->title_fr;
  const char *detail = en ? error->message : error->message_fr;
  const char *path = mt_request_path (r);
  const char *id = mt_request_id (r);
  mt_buf_t buf;

  mt_buf_init (&buf, 1024 * 1024);
  mt_buf_appendf (&buf, "{\"type\":\"%s%s\",\"title\":", MT_PROBLEM_TYPE_PREFIX, info->slug);
  mt_json_append_string (&buf, title, strlen (title));
  mt_buf_appendf (&buf, ",\"status\":%d,\"detail\":", info->http_status);
  if (report->truncated) {
    char longer[2 * MT_ERROR_MESSAGE_MAX];
    snprintf (longer, sizeof longer,
              en ? "%s (the first %d errors are listed)"
                 : "%s (les %d premières erreurs sont "
                   "listées)",
              detail, MT_LISTINGS_CSV_MAX_ERRORS);
    mt_json_append_string (&buf, longer, strlen (longer));
  } else {
    mt_json_append_string (&buf, detail, strlen (detail));
  }
  mt_buf_append_str (&buf, ",\"instance\":");
  mt_json_append_string (&buf, path, strlen (path));
  mt_buf_append_str (&buf, ",\"request_id\":");
  mt_json_append_string (&buf, id, strlen (id));
  mt_buf_append_str (&buf, ",\"errors\":[");
  for (size_t i = 0; i < report->count; i++) {
    const mt_listings_csv_error_t *item = &report->items[i];
    const char *message = en ? item->error.message : item->error.message_fr;
    mt_buf_appendf (&buf, "%s{\"row\":%zu,\"column\":", i ? "," : "", item->row);
    if (item->column[0]) {
      mt_json_append_string (&buf, item->column, strlen (item->column));
    } else {
      mt_buf_append_str (&buf, "null");
    }
    mt_buf_append_str (&buf, ",\"message\":");
    mt_json_append_string (&buf, message, strlen (message));
    mt_buf_append_char (&buf, '}');
  }
  mt_buf_append_str (&buf, "]}");
  if (buf.failed) {
    mt_buf_destroy (&buf);
    mt_reply_error (r, MT_ERR_INTERNAL, "réponse trop volumineuse", "response too large");
    return;
  }
  mt_request_set_header (r, "Content-Language", en ? "en" : "fr");
  mt_reply_bytes (r, info->http_status, "application/problem+json; charset=utf-8", buf.data,
                  buf.len);
  mt_buf_destroy (&buf);
}

void
mt_route_admin_import_listings (mt_request_t *r)
{
  mt_listings_csv_report_t report;
  mt_error_t error = { 0 };
  const unsigned char *data;
  size_t len = 0;
  size_t imported = 0;

  mt_listings_csv_report_init (&report);
  if (!mt_route_is_csv (mt_request_header (r, "Content-Type"))) {
    mt_reply_error (r, MT_ERR_UNSUPPORTED_MEDIA_TYPE,
                    "le corps doit être un fichier CSV en UTF-8 (Content-Type: text/csv)",
                    "the body must be a UTF-8 CSV file (Content-Type: text/csv)");
    return;
  }
  data = mt_request_raw_body (r, &len);
  if (!data) {
    mt_reply_error (r, MT_ERR_INTERNAL, "mémoire insuffisante", "out of memory");
  } else if (mt_listings_import (mt_request_ctx (r), (const char *) data, len, &imported, &report,
                                 &error)) {
    bson_t answer = BSON_INITIALIZER;
    BSON_APPEND_INT64 (&answer, "imported", (int64_t) imported);
    mt_reply_json (r, 201, &answer);
    bson_destroy (&answer);
  } else if (error.code == MT_ERR_UNPROCESSABLE && report.count > 0) {
    mt_route_reply_rows (r, &error, &report);
  } else {
    mt_reply_problem (r, &error);
  }
  mt_listings_csv_report_destroy (&report);
}

void
mt_route_admin_export_listings (mt_request_t *r)
{
  mt_buf_t buf;
  mt_error_t error = { 0 };

  mt_buf_init (&buf, MT_LISTINGS_CSV_EXPORT_MAX);
  if (!mt_listings_export (mt_request_ctx (r), &buf, &error)) {
    mt_reply_problem (r, &error);
  } else {
    mt_request_set_header (r, "Content-Disposition", "attachment; filename=\"mutua-listings.csv\"");
    mt_reply_bytes (r, 200, "text/csv; charset=utf-8", buf.data, buf.len);
  }
  mt_buf_destroy (&buf);
}
