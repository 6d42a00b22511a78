/*
 * guard: strict validation of the raw HTTP/1.1 stream (see guard.h for the why).
 *
 * Header blocks are copied into guard->block as they arrive and checked byte by byte for
 * what must never pass (NUL, bare CR, size); the block is parsed as a whole once its blank
 * line arrives. Bodies are only counted.
 */
#include "guard.h"

#include <string.h>

enum {
  MT_CHUNK_SIZE = 0, /* reading hex digits of a chunk size */
  MT_CHUNK_SIZE_LF,  /* after the CR of a size line */
  MT_CHUNK_DATA,     /* inside chunk data */
  MT_CHUNK_DATA_END, /* expecting the CR or LF after chunk data */
  MT_CHUNK_DATA_LF,  /* after the CR that follows chunk data */
  MT_CHUNK_TRAILER,  /* inside trailer lines, after the last chunk */
  MT_CHUNK_TRAILER_LF,
};

#define MT_GUARD_CHUNK_LINE_MAX 32

void
mt_guard_init (mt_guard_t *guard, const mt_guard_limits_t *limits)
{
  memset (guard, 0, sizeof *guard);
  guard->limits = *limits;
  mt_buf_init (&guard->block, limits->max_header_bytes);
}

void
mt_guard_destroy (mt_guard_t *guard)
{
  mt_buf_destroy (&guard->block);
}

void
mt_guard_reject (mt_guard_t *guard, mt_error_code_t verdict, const char *reason)
{
  if (guard->state == MT_GUARD_REJECTED) {
    return;
  }
  guard->state = MT_GUARD_REJECTED;
  guard->verdict = verdict;
  guard->reason = reason;
  mt_buf_reset (&guard->block);
}

size_t
mt_guard_take_releasable (mt_guard_t *guard)
{
  size_t n = guard->releasable;
  guard->releasable = 0;
  return n;
}

int64_t
mt_guard_deadline_us (const mt_guard_t *guard)
{
  switch (guard->state) {
  case MT_GUARD_HEAD:
    return guard->request_started_us + guard->limits.header_timeout_us;
  case MT_GUARD_BODY:
  case MT_GUARD_CHUNKED:
    return guard->request_started_us + guard->limits.body_timeout_us;
  case MT_GUARD_IDLE:
  case MT_GUARD_REJECTED:
  default:
    return 0;
  }
}

bool
mt_guard_check_deadline (mt_guard_t *guard, int64_t now_us)
{
  int64_t deadline = mt_guard_deadline_us (guard);

  if (deadline != 0 && now_us >= deadline) {
    mt_guard_reject (guard, MT_ERR_REQUEST_TIMEOUT, "request not complete before its deadline");
    return true;
  }
  return false;
}

/* ------------------------------------------------------------------------------------------ */
/* Header block analysis                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* RFC 9110 token characters (method and field names). */
static bool
mt_guard_is_tchar (unsigned char c)
{
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  return c != '\0' && strchr ("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool
mt_guard_ieq (const char *a, size_t a_len, const char *b)
{
  size_t b_len = strlen (b);

  if (a_len != b_len) {
    return false;
  }
  for (size_t i = 0; i < a_len; i++) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') {
      x = (char) (x - 'A' + 'a');
    }
    if (y >= 'A' && y <= 'Z') {
      y = (char) (y - 'A' + 'a');
    }
    if (x != y) {
      return false;
    }
  }
  return true;
}

typedef struct {
  const char *p; /* start of the line */
  size_t len;    /* without CR LF */
} mt_guard_line_t;

/* Splits the block into lines (the block ends with an empty line). Returns the count. */
static size_t
mt_guard_split_lines (const char *block, size_t len, mt_guard_line_t *lines, size_t max)
{
  size_t count = 0;
  size_t start = 0;

  for (size_t i = 0; i < len && count < max; i++) {
    if (block[i] == '\n') {
      size_t end = i;
      if (end > start && block[end - 1] == '\r') {
        end--;
      }
      if (end == start) {
        break; /* the blank line that ends the block */
      }
      lines[count].p = block + start;
      lines[count].len = end - start;
      count++;
      start = i + 1;
    }
  }
  return count;
}

/* Parses decimal digits into *out; false on anything else or overflow. */
static bool
mt_guard_parse_length (const char *p, size_t len, uint64_t *out)
{
  uint64_t v = 0;

  if (len == 0 || len > 19) {
    return false;
  }
  for (size_t i = 0; i < len; i++) {
    if (p[i] < '0' || p[i] > '9') {
      return false;
    }
    v = v * 10 + (uint64_t) (p[i] - '0');
  }
  *out = v;
  return true;
}

/* Validates the complete header block and decides how the body is framed. */
static void
mt_guard_analyse_block (mt_guard_t *g)
{
  static const char *const methods[] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"
  };
  mt_guard_line_t lines[MT_GUARD_MAX_HEADERS + 1];
  size_t count =
    mt_guard_split_lines (g->block.data, g->block.len, lines, MT_GUARD_MAX_HEADERS + 1);
  const mt_guard_line_t *rl = &lines[0];
  const char *sp1;
  const char *sp2;
  char method[16];
  char target[2048];
  size_t method_len;
  size_t target_len;
  bool http11;
  bool known_method = false;
  bool has_body_allowed;
  int content_lengths = 0;
  int transfer_encodings = 0;
  int hosts = 0;
  uint64_t content_length = 0;
  size_t limit;

  if (count == 0) {
    mt_guard_reject (g, MT_ERR_BAD_REQUEST, "empty request line");
    return;
  }
  /* Request line: METHOD SP request-target SP HTTP-version, single spaces. */
  sp1 = memchr (rl->p, ' ', rl->len);
  sp2 = sp1 ? memchr (sp1 + 1, ' ', rl->len - (size_t) (sp1 + 1 - rl->p)) : NULL;
  if (!sp1 || !sp2 || memchr (sp2 + 1, ' ', rl->len - (size_t) (sp2 + 1 - rl->p))) {
    mt_guard_reject (g, MT_ERR_BAD_REQUEST, "malformed request line");
    return;
  }
  method_len = (size_t) (sp1 - rl->p);
  target_len = (size_t) (sp2 - sp1 - 1);
  if (method_len == 0 || method_len >= sizeof method || target_len == 0 ||
      target_len >= sizeof target) {
    mt_guard_reject (g, target_len >= sizeof target ? MT_ERR_HEADERS_TOO_LARGE : MT_ERR_BAD_REQUEST,
                     "malformed request line");
    return;
  }
  for (size_t i = 0; i < method_len; i++) {
    if (!mt_guard_is_tchar ((unsigned char) rl->p[i])) {
      mt_guard_reject (g, MT_ERR_BAD_REQUEST, "malformed method");
      return;
    }
  }
  memcpy (method, rl->p, method_len);
  method[method_len] = '\0';
  memcpy (target, sp1 + 1, target_len);
  target[target_len] = '\0';
  if (target[0] != '/') {
    mt_guard_reject (g, MT_ERR_BAD_REQUEST, "request target must be a path");
    return;
  }
  for (size_t i = 0; i < target_len; i++) {
    unsigned char c = (unsigned char) target[i];
    if (c <= 0x20 || c >= 0x7f) {
      mt_guard_reject (g, MT_ERR_BAD_REQUEST, "invalid character in request target");
      return;
    }
  }
  {
    const char *version = sp2 + 1;
    size_t version_len = rl->len - (size_t) (version - rl->p);
    if (version_len == 8 && memcmp (version, "HTTP/1.1", 8) == 0) {
      http11 = true;
    } else if (version_len == 8 && memcmp (version, "HTTP/1.0", 8) == 0) {
      http11 = false;
    } else {
      mt_guard_reject (g, MT_ERR_BAD_REQUEST, "unsupported HTTP version");
      return;
    }
  }
  for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
    if (strcmp (method, methods[i]) == 0) {
      known_method = true;
    }
  }
  if (!known_method) {
    mt_guard_reject (g, MT_ERR_NOT_IMPLEMENTED, "unsupported method");
    return;
  }
  has_body_allowed = strcmp (method, "HEAD") != 0;

  /* Header lines: field-name ":" OWS field-value OWS. */
  for (size_t i = 1; i < count; i++) {
    const mt_guard_line_t *line = &lines[i];
    const char *colon;
    const char *value;
    size_t name_len;
    size_t value_len;

    if (line->p[0] == ' ' || line->p[0] == '\t') {
      mt_guard_reject (g, MT_ERR_BAD_REQUEST, "obsolete line folding");
      return;
    }
    colon = memchr (line->p, ':', line->len);
    if (!colon || colon == line->p) {
      mt_guard_reject (g, MT_ERR_BAD_REQUEST, "malformed header line");
      return;
    }
    name_len = (size_t) (colon - line->p);
    for (size_t k = 0; k < name_len; k++) {
      if (!mt_guard_is_tchar ((unsigned char) line->p[k])) {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "malformed header name");
        return;
      }
    }
    value = colon + 1;
    value_len = line->len - name_len - 1;
    while (value_len > 0 && (value[0] == ' ' || value[0] == '\t')) {
      value++;
      value_len--;
    }
    while (value_len > 0 && (value[value_len - 1] == ' ' || value[value_len - 1] == '\t')) {
      value_len--;
    }
    if (mt_guard_ieq (line->p, name_len, "content-length")) {
      content_lengths++;
      if (!mt_guard_parse_length (value, value_len, &content_length)) {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "invalid Content-Length");
        return;
      }
    } else if (mt_guard_ieq (line->p, name_len, "transfer-encoding")) {
      transfer_encodings++;
      if (!mt_guard_ieq (value, value_len, "chunked")) {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "unsupported Transfer-Encoding");
        return;
      }
    } else if (mt_guard_ieq (line->p, name_len, "host")) {
      hosts++;
    }
  }
  if (count > MT_GUARD_MAX_HEADERS) {
    mt_guard_reject (g, MT_ERR_HEADERS_TOO_LARGE, "too many header lines");
    return;
  }
  if (content_lengths > 1) {
    mt_guard_reject (g, MT_ERR_BAD_REQUEST, "duplicate Content-Length");
    return;
  }
  if (transfer_encodings > 1) {
    mt_guard_reject (g, MT_ERR_BAD_REQUEST, "duplicate Transfer-Encoding");
    return;
  }
  if (content_lengths && transfer_encodings) {
    mt_guard_reject (g, MT_ERR_BAD_REQUEST, "both Content-Length and Transfer-Encoding");
    return;
  }
  if ((http11 && hosts != 1) || hosts > 1) {
    mt_guard_reject (g, MT_ERR_BAD_REQUEST, "exactly one Host header is required");
    return;
  }
  if (!has_body_allowed && (transfer_encodings || content_length > 0)) {
    mt_guard_reject (g, MT_ERR_BAD_REQUEST, "body not allowed with this method");
    return;
  }
  limit =
    g->limits.body_limit ? g->limits.body_limit (method, target, g->limits.body_limit_arg) : 0;
  g->body_limit = limit ? limit : g->limits.max_body_bytes;
  if (content_length > g->body_limit) {
    mt_guard_reject (g, MT_ERR_TOO_LARGE, "declared body too large");
    return;
  }

  /* The block is valid: release it and set up the body. */
  g->releasable += g->block.len;
  g->requests++;
  mt_buf_reset (&g->block);
  if (transfer_encodings) {
    g->state = MT_GUARD_CHUNKED;
    g->chunk_state = MT_CHUNK_SIZE;
    g->chunk_left = 0;
    g->line_len = 0;
    g->body_seen = 0;
    g->trailer_bytes = 0;
  } else if (content_length > 0) {
    g->state = MT_GUARD_BODY;
    g->body_left = content_length;
  } else {
    g->state = MT_GUARD_IDLE;
    g->complete_requests++;
  }
}

/* ------------------------------------------------------------------------------------------ */
/* Byte-level states                                                                          */
/* ------------------------------------------------------------------------------------------ */

/* Consumes bytes of a header block; returns how many were used (stops at the block's end). */
static size_t
mt_guard_feed_head (mt_guard_t *g, const uint8_t *data, size_t len)
{
  size_t i;

  for (i = 0; i < len; i++) {
    uint8_t c = data[i];
    size_t n = g->block.len;

    if (n > 0 && g->block.data[n - 1] == '\r' && c != '\n') {
      mt_guard_reject (g, MT_ERR_BAD_REQUEST, "bare CR in header block");
      return i;
    }
    if (c == 0) {
      mt_guard_reject (g, MT_ERR_BAD_REQUEST, "NUL byte in header block");
      return i;
    }
    if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
      mt_guard_reject (g, MT_ERR_BAD_REQUEST, "control character in header block");
      return i;
    }
    if (!mt_buf_append_char (&g->block, (char) c)) {
      mt_guard_reject (g, MT_ERR_HEADERS_TOO_LARGE, "header block too large");
      return i;
    }
    if (c == '\n') {
      /* A blank line ("\n" or "\r\n" right after a line feed) ends the block. */
      const char *b = g->block.data;
      size_t m = g->block.len;
      bool blank = (m >= 2 && b[m - 2] == '\n') || (m >= 3 && b[m - 2] == '\r' && b[m - 3] == '\n');
      bool first = m == 1 || (m == 2 && b[0] == '\r');
      if (first) {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "empty request line");
        return i + 1;
      }
      if (blank) {
        mt_guard_analyse_block (g);
        return i + 1;
      }
    }
  }
  return i;
}

static size_t
mt_guard_feed_chunked (mt_guard_t *g, const uint8_t *data, size_t len)
{
  size_t i = 0;

  while (i < len && g->state == MT_GUARD_CHUNKED) {
    uint8_t c = data[i];

    switch (g->chunk_state) {
    case MT_CHUNK_DATA: {
      size_t n = len - i;
      if (n > g->chunk_left) {
        n = (size_t) g->chunk_left;
      }
      g->chunk_left -= n;
      i += n;
      if (g->chunk_left == 0) {
        g->chunk_state = MT_CHUNK_DATA_END;
      }
      continue;
    }
    case MT_CHUNK_SIZE: {
      int v = -1;
      if (c >= '0' && c <= '9') {
        v = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        v = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        v = c - 'A' + 10;
      }
      if (v >= 0) {
        if (++g->line_len > MT_GUARD_CHUNK_LINE_MAX) {
          mt_guard_reject (g, MT_ERR_BAD_REQUEST, "chunk size line too long");
          return i;
        }
        g->chunk_left = g->chunk_left * 16 + (uint64_t) v;
        if (g->chunk_left > g->body_limit || g->body_seen + g->chunk_left > g->body_limit) {
          mt_guard_reject (g, MT_ERR_TOO_LARGE, "chunked body too large");
          return i;
        }
      } else if ((c == '\r' || c == '\n') && g->line_len > 0) {
        g->chunk_state = MT_CHUNK_SIZE_LF;
        if (c == '\n') {
          continue; /* handled as the line end below without consuming twice */
        }
      } else {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "malformed chunk size");
        return i;
      }
      i++;
      continue;
    }
    case MT_CHUNK_SIZE_LF:
      if (c != '\n') {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "bare CR in chunk size line");
        return i;
      }
      i++;
      g->line_len = 0;
      if (g->chunk_left == 0) {
        g->chunk_state = MT_CHUNK_TRAILER;
      } else {
        g->body_seen += g->chunk_left;
        g->chunk_state = MT_CHUNK_DATA;
      }
      continue;
    case MT_CHUNK_DATA_END:
      if (c == '\r') {
        g->chunk_state = MT_CHUNK_DATA_LF;
        i++;
      } else if (c == '\n') {
        g->chunk_state = MT_CHUNK_DATA_LF;
      } else {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "chunk data not followed by a line end");
        return i;
      }
      continue;
    case MT_CHUNK_DATA_LF:
      if (c != '\n') {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "bare CR after chunk data");
        return i;
      }
      i++;
      g->chunk_state = MT_CHUNK_SIZE;
      g->chunk_left = 0;
      g->line_len = 0;
      continue;
    case MT_CHUNK_TRAILER:
      if (c == 0 || (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f) {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "invalid byte in trailer");
        return i;
      }
      if (++g->trailer_bytes > g->limits.max_header_bytes) {
        mt_guard_reject (g, MT_ERR_HEADERS_TOO_LARGE, "trailer too large");
        return i;
      }
      if (c == '\r') {
        g->chunk_state = MT_CHUNK_TRAILER_LF;
        i++;
        continue;
      }
      if (c == '\n') {
        g->chunk_state = MT_CHUNK_TRAILER_LF;
        continue;
      }
      g->line_len++;
      i++;
      continue;
    case MT_CHUNK_TRAILER_LF:
      if (c != '\n') {
        mt_guard_reject (g, MT_ERR_BAD_REQUEST, "bare CR in trailer");
        return i;
      }
      i++;
      if (g->line_len == 0) {
        g->state = MT_GUARD_IDLE; /* blank line: the request is complete */
        g->complete_requests++;
      } else {
        g->line_len = 0;
        g->chunk_state = MT_CHUNK_TRAILER;
      }
      continue;
    default:
      mt_guard_reject (g, MT_ERR_INTERNAL, "guard state corrupted");
      return i;
    }
  }
  return i;
}

size_t
mt_guard_feed (mt_guard_t *g, const uint8_t *data, size_t len, int64_t now_us)
{
  size_t i = 0;

  while (i < len) {
    size_t used = 0;

    switch (g->state) {
    case MT_GUARD_REJECTED:
      return i;
    case MT_GUARD_IDLE:
      g->state = MT_GUARD_HEAD;
      g->request_started_us = now_us;
      mt_buf_reset (&g->block);
      continue;
    case MT_GUARD_HEAD:
      used = mt_guard_feed_head (g, data + i, len - i);
      /* Header bytes are released by mt_guard_analyse_block once the block is valid. */
      break;
    case MT_GUARD_BODY: {
      used = len - i;
      if (used > g->body_left) {
        used = (size_t) g->body_left;
      }
      g->body_left -= used;
      g->releasable += used;
      if (g->body_left == 0) {
        g->state = MT_GUARD_IDLE;
        g->complete_requests++;
      }
      break;
    }
    case MT_GUARD_CHUNKED:
      /* The bytes before a bad one were valid framing: released, as they would have been had
       * they arrived in an earlier read. */
      used = mt_guard_feed_chunked (g, data + i, len - i);
      g->releasable += used;
      break;
    default:
      mt_guard_reject (g, MT_ERR_INTERNAL, "guard state corrupted");
      return i;
    }
    i += used;
    if (g->state == MT_GUARD_REJECTED) {
      return i;
    }
  }
  return i;
}
