/*
 * mt_schema_uri: resolution of URI references (RFC 3986 section 5) for "$id" and "$ref".
 *
 * Only what schema identification needs: split into scheme, authority, path, query and
 * fragment, the merge and remove_dot_segments steps, and recomposition. No normalisation of
 * case or percent-encoding beyond what the RFC's algorithm does. URNs ("urn:uuid:...") are
 * absolute URIs with a rootless path, so a fragment-only reference keeps them whole, query
 * ("?=", "?+") included.
 */
#include "mt_schema_private.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *p;
  size_t len;
  bool defined;
} mt_uri_part_t;

typedef struct {
  mt_uri_part_t scheme, authority, path, query, fragment;
} mt_uri_t;

static bool
mt_uri_is_scheme_char (char c, bool first)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
    return true;
  }
  return !first && ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.');
}

static void
mt_uri_parse (const char *s, mt_uri_t *u)
{
  size_t n = strlen (s);
  size_t i = 0;
  size_t start;

  memset (u, 0, sizeof *u);
  /* scheme ":" */
  while (i < n && mt_uri_is_scheme_char (s[i], i == 0)) {
    i++;
  }
  if (i > 0 && i < n && s[i] == ':') {
    u->scheme = (mt_uri_part_t){ s, i, true };
    i++;
  } else {
    i = 0;
  }
  /* "//" authority */
  if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
    i += 2;
    start = i;
    while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#') {
      i++;
    }
    u->authority = (mt_uri_part_t){ s + start, i - start, true };
  }
  start = i;
  while (i < n && s[i] != '?' && s[i] != '#') {
    i++;
  }
  u->path = (mt_uri_part_t){ s + start, i - start, true };
  if (i < n && s[i] == '?') {
    start = ++i;
    while (i < n && s[i] != '#') {
      i++;
    }
    u->query = (mt_uri_part_t){ s + start, i - start, true };
  }
  if (i < n && s[i] == '#') {
    i++;
    u->fragment = (mt_uri_part_t){ s + i, n - i, true };
  }
}

/* Removes the last segment and its preceding '/' (if any) from @out. */
static void
mt_uri_pop_segment (mt_buf_t *out)
{
  while (out->len > 0 && out->data[out->len - 1] != '/') {
    out->len--;
  }
  if (out->len > 0) {
    out->len--;
  }
  if (out->data) {
    out->data[out->len] = '\0';
  }
}

static bool
mt_uri_starts (const char *in, size_t n, const char *prefix)
{
  size_t k = strlen (prefix);
  return n >= k && memcmp (in, prefix, k) == 0;
}

static bool
mt_uri_equals (const char *in, size_t n, const char *word)
{
  return n == strlen (word) && memcmp (in, word, n) == 0;
}

/* RFC 3986 section 5.2.4, appending the result to @out. */
static void
mt_uri_remove_dots (const char *path, size_t len, mt_buf_t *out)
{
  mt_buf_t seg;
  char *work = malloc (len + 2);
  char *in = work;
  size_t n = len;

  mt_buf_init (&seg, len + 1);
  if (!work) {
    out->failed = true;
    goto done;
  }
  memcpy (work, path, len);
  while (n > 0) {
    if (mt_uri_starts (in, n, "../")) {
      in += 3, n -= 3;
    } else if (mt_uri_starts (in, n, "./")) {
      in += 2, n -= 2;
    } else if (mt_uri_starts (in, n, "/./")) {
      in += 2, n -= 2;
    } else if (mt_uri_equals (in, n, "/.")) {
      in += 1, n -= 1;
      in[0] = '/';
    } else if (mt_uri_starts (in, n, "/../")) {
      in += 3, n -= 3;
      mt_uri_pop_segment (&seg);
    } else if (mt_uri_equals (in, n, "/..")) {
      in += 2, n -= 2;
      in[0] = '/';
      mt_uri_pop_segment (&seg);
    } else if (mt_uri_equals (in, n, ".") || mt_uri_equals (in, n, "..")) {
      n = 0;
    } else {
      size_t k = (in[0] == '/') ? 1 : 0;
      while (k < n && in[k] != '/') {
        k++;
      }
      mt_buf_append (&seg, in, k);
      in += k, n -= k;
    }
  }
  mt_buf_append (out, seg.data ? seg.data : "", seg.len);
  if (seg.failed) {
    out->failed = true;
  }
done:
  free (work);
  mt_buf_destroy (&seg);
}

bool
mt_schema_uri_resolve (const char *base, const char *ref, mt_buf_t *out)
{
  mt_uri_t b, r;
  const mt_uri_part_t *scheme, *authority, *query;
  mt_buf_t merged;
  bool ok = false;

  mt_buf_init (&merged, strlen (base) + strlen (ref) + 2);
  mt_uri_parse (base, &b);
  mt_uri_parse (ref, &r);
  scheme = r.scheme.defined ? &r.scheme : &b.scheme;
  if (!scheme->defined) {
    goto done;
  }
  mt_buf_append (out, scheme->p, scheme->len);
  mt_buf_append_char (out, ':');
  if (r.scheme.defined || r.authority.defined) {
    authority = &r.authority;
    query = &r.query;
  } else {
    authority = &b.authority;
    query = (r.path.len == 0 && !r.query.defined) ? &b.query : &r.query;
  }
  if (authority->defined) {
    mt_buf_append_str (out, "//");
    mt_buf_append (out, authority->p, authority->len);
  }
  if (r.scheme.defined || r.authority.defined) {
    mt_uri_remove_dots (r.path.p, r.path.len, out);
  } else if (r.path.len == 0) {
    mt_buf_append (out, b.path.p, b.path.len);
  } else if (r.path.p[0] == '/') {
    mt_uri_remove_dots (r.path.p, r.path.len, out);
  } else {
    /* merge (section 5.2.3) */
    if (b.authority.defined && b.path.len == 0) {
      mt_buf_append_char (&merged, '/');
    } else {
      const char *slash = NULL;
      for (size_t i = 0; i < b.path.len; i++) {
        if (b.path.p[i] == '/') {
          slash = b.path.p + i;
        }
      }
      if (slash) {
        mt_buf_append (&merged, b.path.p, (size_t) (slash - b.path.p) + 1);
      }
    }
    mt_buf_append (&merged, r.path.p, r.path.len);
    if (merged.failed) {
      goto done;
    }
    mt_uri_remove_dots (mt_buf_cstr (&merged), merged.len, out);
  }
  if (query->defined) {
    mt_buf_append_char (out, '?');
    mt_buf_append (out, query->p, query->len);
  }
  if (r.fragment.defined) {
    mt_buf_append_char (out, '#');
    mt_buf_append (out, r.fragment.p, r.fragment.len);
  }
  ok = !out->failed;
done:
  mt_buf_destroy (&merged);
  return ok;
}
