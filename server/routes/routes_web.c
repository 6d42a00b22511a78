/*
 * routes_web: the web app (clients/web), embedded in mutuad at build time (server/
 * CMakeLists.txt). GET / is the members' app (index.html), GET /admin the console
 * (admin.html), GET /assets/<path> any other file of the tree ("js/screens/search.js").
 *
 * Every file is answered with "Cache-Control: no-cache" and a strong ETag (BLAKE2b of its
 * bytes), so browsers revalidate with If-None-Match and get 304 while the file is unchanged.
 * HTML pages carry the strict Content-Security-Policy of docs/web.md: no inline script or
 * style, nothing from another origin.
 */
#include "routes.h"

#include "mt_embed.h"
#include "photos.h"

#include <stdio.h>
#include <string.h>

extern const mt_embed_file_t mutua_web_files[];

#define MT_WEB_CSP                                                                                 \
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "                \
  "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "                     \
  "frame-ancestors 'none'"

/* The longest asset path served (three segments of a route, each at most
 * MT_ROUTE_PARAM_MAX). */
#define MT_WEB_PATH_MAX 512

static const struct {
  const char *extension;
  const char *content_type;
} mt_web_types[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".css", "text/css; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
};

/* The Content-Type of @name by its extension; NULL for a type the app does not serve. */
static const char *
mt_web_content_type (const char *name)
{
  const char *dot = strrchr (name, '.');

  if (!dot) {
    return NULL;
  }
  for (size_t i = 0; i < sizeof mt_web_types / sizeof mt_web_types[0]; i++) {
    if (strcmp (dot, mt_web_types[i].extension) == 0) {
      return mt_web_types[i].content_type;
    }
  }
  return NULL;
}

/* Replies with the embedded file @name, 304 when If-None-Match holds its ETag, 404 when
 * there is no such file. */
static void
mt_web_serve (mt_request_t *r, const char *name)
{
  const mt_embed_file_t *file = mt_embed_find (mutua_web_files, name);
  const char *content_type = file ? mt_web_content_type (name) : NULL;
  char etag[MT_PHOTO_ETAG_SIZE];

  if (!file || !content_type) {
    mt_reply_error (r, MT_ERR_NOT_FOUND, "fichier introuvable", "no such file");
    return;
  }
  mt_photo_etag (file->data, file->len, etag);
  mt_request_set_header (r, "ETag", etag);
  mt_request_set_header (r, "Cache-Control", "no-cache");
  if (strncmp (content_type, "text/html", 9) == 0) {
    mt_request_set_header (r, "Content-Security-Policy", MT_WEB_CSP);
  }
  if (mt_photo_etag_matches (mt_request_header (r, "If-None-Match"), etag)) {
    mt_reply_empty (r, 304);
    return;
  }
  mt_reply_bytes (r, 200, content_type, file->data, file->len);
}

void
mt_route_web_index (mt_request_t *r)
{
  mt_web_serve (r, "index.html");
}

void
mt_route_web_admin (mt_request_t *r)
{
  mt_web_serve (r, "admin.html");
}

void
mt_route_web_asset (mt_request_t *r)
{
  /* The asset routes have one to three segments: /assets/{file}, /assets/{dir}/{file},
   * /assets/{dir}/{sub}/{file}. The router refuses "/" and NUL inside a segment, and a name
   * is only ever looked up in the embedded table, so no path leaves the tree. */
  const char *dir = mt_request_param (r, "dir");
  const char *sub = mt_request_param (r, "sub");
  const char *file = mt_request_param (r, "file");
  char name[MT_WEB_PATH_MAX];
  int n;

  if (dir && sub) {
    n = snprintf (name, sizeof name, "%s/%s/%s", dir, sub, file);
  } else if (dir) {
    n = snprintf (name, sizeof name, "%s/%s", dir, file);
  } else {
    n = snprintf (name, sizeof name, "%s", file ? file : "");
  }
  if (n < 0 || (size_t) n >= sizeof name) {
    mt_reply_error (r, MT_ERR_NOT_FOUND, "fichier introuvable", "no such file");
    return;
  }
  mt_web_serve (r, name);
}
