/*
 * The pure parts of libmutua-client: errors, percent-encoding, paths with query strings,
 * problem documents. No I/O here.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
mutua_error_clear (mutua_error_t *error)
{
  if (error) {
    memset (error, 0, sizeof *error);
    error->kind = MUTUA_ERROR_NONE;
  }
}

void
mutua_error_set (mutua_error_t *error, mutua_error_kind_t kind, const char *fmt, ...)
{
  va_list ap;

  if (!error) {
    return;
  }
  mutua_error_clear (error);
  error->kind = kind;
  va_start (ap, fmt);
  vsnprintf (error->detail, sizeof error->detail, fmt, ap);
  va_end (ap);
}

MUTUA_PUBLIC const char *
mutua_error_kind_name (mutua_error_kind_t kind)
{
  switch (kind) {
  case MUTUA_ERROR_NONE:
    return "none";
  case MUTUA_ERROR_INVALID:
    return "invalid";
  case MUTUA_ERROR_CONNECT:
    return "connect";
  case MUTUA_ERROR_TIMEOUT:
    return "timeout";
  case MUTUA_ERROR_PROTOCOL:
    return "protocol";
  case MUTUA_ERROR_HTTP:
    return "http";
  case MUTUA_ERROR_MEMORY:
    return "memory";
  }
  return "unknown";
}

static bool
is_unreserved (unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool
mutua_percent_encode (const char *in, size_t len, char *out, size_t size)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;

  if (!out || size == 0) {
    return false;
  }
  out[0] = '\0';
  if (!in) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) in[i];
    if (is_unreserved (c)) {
      if (o + 1 >= size) {
        out[0] = '\0';
        return false;
      }
      out[o++] = (char) c;
    } else {
      if (o + 3 >= size) {
        out[0] = '\0';
        return false;
      }
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 0x0f];
    }
  }
  out[o] = '\0';
  return true;
}

void
mutua_path_init (mutua_path_t *path)
{
  memset (path, 0, sizeof *path);
}

static void
path_append (mutua_path_t *path, const char *text, size_t len)
{
  if (path->overflow) {
    return;
  }
  if (len >= sizeof path->data - path->len) {
    path->overflow = true;
    return;
  }
  memcpy (path->data + path->len, text, len);
  path->len += len;
  path->data[path->len] = '\0';
}

void
mutua_path_add (mutua_path_t *path, const char *text)
{
  path_append (path, text, strlen (text));
}

void
mutua_path_add_segment (mutua_path_t *path, const char *value)
{
  size_t room = sizeof path->data - path->len;

  if (path->overflow) {
    return;
  }
  if (!mutua_percent_encode (value, strlen (value), path->data + path->len, room)) {
    path->data[path->len] = '\0';
    path->overflow = true;
    return;
  }
  path->len += strlen (path->data + path->len);
}

void
mutua_path_add_query (mutua_path_t *path, const char *name, const char *value)
{
  if (!value) {
    return;
  }
  path_append (path, path->has_query ? "&" : "?", 1);
  path->has_query = true;
  mutua_path_add (path, name);
  path_append (path, "=", 1);
  mutua_path_add_segment (path, value);
}

void
mutua_path_add_query_u32 (mutua_path_t *path, const char *name, uint32_t value)
{
  char text[16];

  if (value == 0) {
    return;
  }
  snprintf (text, sizeof text, "%u", (unsigned) value);
  mutua_path_add_query (path, name, text);
}

bool
mutua_header_value_ok (const char *value, size_t max)
{
  size_t len;

  if (!value) {
    return false;
  }
  len = strlen (value);
  if (len == 0 || len > max) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char) value[i];
    if (c < 0x20 || c > 0x7e) {
      return false;
    }
  }
  return true;
}

bool
mutua_json_is_object (const char *text, size_t len)
{
  size_t i = 0;

  if (!text) {
    return false;
  }
  while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
    i++;
  }
  return i < len && text[i] == '{';
}

/* Copies the UTF-8 string at @key of @doc into @out (bounded, cut on a character boundary). */
static void
copy_string (const bson_t *doc, const char *key, char *out, size_t size)
{
  bson_iter_t iter;
  const char *value;
  uint32_t len;

  if (!bson_iter_init_find (&iter, doc, key) || !BSON_ITER_HOLDS_UTF8 (&iter)) {
    return;
  }
  value = bson_iter_utf8 (&iter, &len);
  if (len >= size) {
    len = (uint32_t) size - 1;
    /* Do not cut a UTF-8 sequence in two. */
    while (len > 0 && ((unsigned char) value[len] & 0xc0) == 0x80) {
      len--;
    }
  }
  memcpy (out, value, len);
  out[len] = '\0';
}

void
mutua_problem_parse (int status, const char *body, size_t len, const char *retry_after,
                     mutua_error_t *error)
{
  bson_t doc;
  bson_iter_t iter, child;

  if (!error) {
    return;
  }
  mutua_error_clear (error);
  error->kind = MUTUA_ERROR_HTTP;
  error->status = status;
  if (body && len <= MUTUA_BODY_MAX && mutua_json_is_object (body, len) &&
      bson_init_from_json (&doc, body, (ssize_t) len, NULL)) {
    copy_string (&doc, "type", error->type, sizeof error->type);
    copy_string (&doc, "detail", error->detail, sizeof error->detail);
    if (error->detail[0] == '\0') {
      copy_string (&doc, "title", error->detail, sizeof error->detail);
    }
    if (bson_iter_init_find (&iter, &doc, "errors") && BSON_ITER_HOLDS_ARRAY (&iter) &&
        bson_iter_recurse (&iter, &child) && bson_iter_find (&child, "0") &&
        BSON_ITER_HOLDS_DOCUMENT (&child)) {
      const uint8_t *data;
      uint32_t data_len;
      bson_t first;
      bson_iter_document (&child, &data_len, &data);
      if (bson_init_static (&first, data, data_len)) {
        copy_string (&first, "path", error->path, sizeof error->path);
      }
    }
    bson_destroy (&doc);
  }
  if (error->detail[0] == '\0') {
    snprintf (error->detail, sizeof error->detail, "HTTP %d", status);
  }
  if (retry_after) {
    char *end = NULL;
    unsigned long seconds;
    while (*retry_after == ' ' || *retry_after == '\t') {
      retry_after++;
    }
    if (*retry_after >= '0' && *retry_after <= '9') {
      errno = 0;
      seconds = strtoul (retry_after, &end, 10);
      while (end && (*end == ' ' || *end == '\t')) {
        end++;
      }
      if (errno == 0 && end && *end == '\0') {
        error->retry_after = seconds > UINT32_MAX ? UINT32_MAX : (uint32_t) seconds;
      }
    }
  }
}

bool
mutua_base_url_parse (const char *url, char *host, size_t host_size, uint16_t *port, char *prefix,
                      size_t prefix_size)
{
  const char *p, *host_start, *host_end;
  size_t host_len, prefix_len;
  unsigned long value = 80;

  if (!url || !host || !port || !prefix || host_size == 0 || prefix_size == 0) {
    return false;
  }
  host[0] = '\0';
  prefix[0] = '\0';
  if (strncasecmp (url, "http://", 7) != 0) {
    return false;
  }
  p = url + 7;
  if (*p == '[') {
    host_start = p + 1;
    host_end = strchr (host_start, ']');
    if (!host_end) {
      return false;
    }
    for (const char *c = host_start; c < host_end; c++) {
      if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || (*c >= 'A' && *c <= 'F') ||
            *c == ':' || *c == '.')) {
        return false;
      }
    }
    p = host_end + 1;
  } else {
    host_start = p;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '-' || *p == '.') {
      p++;
    }
    host_end = p;
  }
  host_len = (size_t) (host_end - host_start);
  if (host_len == 0 || host_len >= host_size) {
    return false;
  }
  if (*p == ':') {
    char *end = NULL;
    p++;
    if (*p < '0' || *p > '9') {
      return false;
    }
    errno = 0;
    value = strtoul (p, &end, 10);
    if (errno != 0 || value == 0 || value > 65535 || end - p > 5) {
      return false;
    }
    p = end;
  }
  if (*p != '\0' && *p != '/') {
    return false;
  }
  prefix_len = strlen (p);
  while (prefix_len > 0 && p[prefix_len - 1] == '/') {
    prefix_len--;
  }
  if (prefix_len >= prefix_size) {
    return false;
  }
  for (size_t i = 0; i < prefix_len; i++) {
    unsigned char c = (unsigned char) p[i];
    if (c <= 0x20 || c >= 0x7f || c == '?' || c == '#') {
      return false;
    }
  }
  memcpy (host, host_start, host_len);
  host[host_len] = '\0';
  memcpy (prefix, p, prefix_len);
  prefix[prefix_len] = '\0';
  *port = (uint16_t) value;
  return true;
}
