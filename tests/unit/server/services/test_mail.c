/*
 * Unit tests of server/services/mail.c: the address checks (tables), the composition of an
 * RFC 5322 message (headers present and ASCII, lines of at most 78 characters, RFC 2047
 * subjects and names decoded back by the test, header injection attempts, quoted-printable
 * body decoded back by the test, lines of at most 76 characters, "." and "From " at the start
 * of a line, size bound), the e-mail of an event in the account's language with its link,
 * and mt_mail_send with stand-in commands written to a temporary directory (bytes received,
 * exit status and standard error, timeout, missing program, recipient never on the command
 * line, shutdown, a child that does not read).
 */
#include "mt_test.h"

#include "config.h"
#include "mail.h"
#include "mt_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NOW_MS INT64_C (1781254800000) /* 2026-06-12T09:00:00Z, a Friday */

/* ---- Helpers ------------------------------------------------------------------------------ */

/* A message with every field set to plain values. */
static mt_mail_t
plain_mail (void)
{
  mt_mail_t mail = {
    .from = "mutua <noreply@mutua.example>",
    .to_name = "Camille Martin",
    .to_addr = "camille@example.org",
    .subject = "Réservation acceptée",
    .body = "Bonjour,\n\nVotre réservation est acceptée.\n",
    .message_id = "eml_abc-DEF_123",
    .event = "reservation.approved",
    .date_ms = NOW_MS,
  };
  return mail;
}

/* Composes @mail into @out (initialised here, max MT_MAIL_MESSAGE_MAX); must succeed. */
static void
compose_ok (const mt_mail_t *mail, mt_buf_t *out)
{
  mt_error_t error = { 0 };

  mt_buf_init (out, MT_MAIL_MESSAGE_MAX);
  if (!mt_mail_compose (mail, out, &error)) {
    fail_msg ("compose: %s", error.message);
  }
}

/* Composes @mail; must fail with @code and leave nothing usable. */
static void
compose_fails (const mt_mail_t *mail, uint32_t code)
{
  mt_error_t error = { 0 };
  mt_buf_t out;

  mt_buf_init (&out, MT_MAIL_MESSAGE_MAX);
  if (mt_mail_compose (mail, &out, &error)) {
    fail_msg ("compose succeeded, expected code %u:\n%s", code, mt_buf_cstr (&out));
  }
  assert_int_equal (error.code, code);
  mt_buf_destroy (&out);
}

/* Length of the header block of @msg (up to and including the empty line). */
static size_t
header_len (const char *msg)
{
  const char *end = strstr (msg, "\n\n");
  assert_non_null (end);
  return (size_t) (end - msg) + 2;
}

/*
 * The value of header @name ("Subject") of @msg with its continuation lines unfolded (the
 * line breaks before folded parts removed), into @out. False when absent.
 */
static bool
header_value (const char *msg, const char *name, char *out, size_t size)
{
  size_t hlen = header_len (msg);
  size_t nlen = strlen (name);
  const char *p = msg;
  size_t n = 0;

  while (p < msg + hlen) {
    if (strncmp (p, name, nlen) == 0 && p[nlen] == ':' && p[nlen + 1] == ' ') {
      p += nlen + 2;
      while (true) {
        const char *eol = strchr (p, '\n');
        size_t len = (size_t) (eol - p);
        assert_true (n + len < size);
        memcpy (out + n, p, len);
        n += len;
        p = eol + 1;
        if (*p != ' ' && *p != '\t') {
          break;
        }
        /* unfold (RFC 5322 §2.2.3): the line break goes, the white space stays */
      }
      out[n] = '\0';
      return true;
    }
    p = strchr (p, '\n') + 1;
  }
  return false;
}

static int
b64_value (char c)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *at = c ? strchr (alphabet, c) : NULL;
  return at ? (int) (at - alphabet) : -1;
}

/* Standard base64 (with padding) of @len characters into @out; returns the bytes written. */
static size_t
b64_decode (const char *in, size_t len, unsigned char *out)
{
  size_t n = 0;

  assert_int_equal (len % 4, 0);
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    for (int k = 0; k < 4; k++) {
      v[k] = in[i + k] == '=' ? 0 : b64_value (in[i + k]);
      assert_true (v[k] >= 0);
    }
    out[n++] = (unsigned char) ((v[0] << 2) | (v[1] >> 4));
    if (in[i + 2] != '=') {
      out[n++] = (unsigned char) (((v[1] & 15) << 4) | (v[2] >> 2));
    }
    if (in[i + 3] != '=') {
      out[n++] = (unsigned char) (((v[2] & 3) << 6) | v[3]);
    }
  }
  return n;
}

/*
 * Decodes an unfolded header value made of RFC 2047 "=?UTF-8?B?...?=" words separated by
 * white space (which RFC 2047 §6.2 drops between encoded words) into @out. Every word must
 * decode to valid UTF-8 on its own (words never split a character). Text outside the words
 * (e.g. " <address>") is kept as it is. Returns the number of encoded words.
 */
static int
rfc2047_decode (const char *value, char *out, size_t size)
{
  const char *p = value;
  size_t n = 0;
  int words = 0;

  while (*p) {
    const char *start = strstr (p, "=?UTF-8?B?");
    const char *end;
    const char *gap;
    size_t len;

    if (!start) {
      len = strlen (p);
      assert_true (n + len < size);
      memcpy (out + n, p, len);
      n += len;
      break;
    }
    /* Text before the word: kept unless it is only white space between two words. */
    gap = p;
    while (gap < start && (*gap == ' ' || *gap == '\t')) {
      gap++;
    }
    if (!(words > 0 && gap == start)) {
      len = (size_t) (start - p);
      assert_true (n + len < size);
      memcpy (out + n, p, len);
      n += len;
    }
    start += strlen ("=?UTF-8?B?");
    end = strstr (start, "?=");
    assert_non_null (end);
    assert_true (n + (size_t) (end - start) < size);
    len = b64_decode (start, (size_t) (end - start), (unsigned char *) out + n);
    assert_true (mt_utf8_is_valid (out + n, len));
    n += len;
    words++;
    p = end + 2;
  }
  out[n] = '\0';
  return words;
}

static int
hex_value (char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1; /* RFC 2045 §6.7: upper case only */
}

/* Decodes the quoted-printable @in (LF line ends) into @out; false when malformed. */
static bool
qp_decode (const char *in, char *out, size_t size)
{
  size_t n = 0;

  for (const char *p = in; *p; p++) {
    if (n + 1 >= size) {
      return false;
    }
    if (*p != '=') {
      out[n++] = *p;
      continue;
    }
    if (p[1] == '\n') { /* soft line break */
      p++;
      continue;
    }
    if (hex_value (p[1]) < 0 || hex_value (p[2]) < 0) {
      return false;
    }
    out[n++] = (char) (hex_value (p[1]) * 16 + hex_value (p[2]));
    p += 2;
  }
  out[n] = '\0';
  return true;
}

/* Checks every line of @text (from @from to @to) is at most @max characters, printable ASCII
 * (tabs allowed) and ends with LF (no CR). */
static void
assert_lines (const char *from, const char *to, size_t max)
{
  const char *line = from;

  while (line < to) {
    const char *eol = memchr (line, '\n', (size_t) (to - line));
    assert_non_null (eol);
    if ((size_t) (eol - line) > max) {
      fail_msg ("line of %zu characters (max %zu): %.*s", (size_t) (eol - line), max,
                (int) (eol - line), line);
    }
    for (const char *c = line; c < eol; c++) {
      unsigned char u = (unsigned char) *c;
      if (!((u >= 0x20 && u < 0x7F) || u == '\t')) {
        fail_msg ("byte 0x%02x in line: %.*s", u, (int) (eol - line), line);
      }
    }
    line = eol + 1;
  }
}

/* Checks that the header block of @msg holds exactly the expected header names, once each,
 * and that every other line is a continuation (starts with a space). */
static void
assert_header_names (const char *msg, bool with_event)
{
  static const char *const names[] = { "From",
                                       "To",
                                       "Subject",
                                       "Date",
                                       "Message-ID",
                                       "MIME-Version",
                                       "Content-Type",
                                       "Content-Transfer-Encoding",
                                       "Auto-Submitted",
                                       "X-Mutua-Event",
                                       NULL };
  int seen[16] = { 0 };
  size_t hlen = header_len (msg);
  const char *line = msg;

  while (line < msg + hlen - 1) {
    const char *eol = strchr (line, '\n');
    if (*line != ' ') {
      const char *colon = memchr (line, ':', (size_t) (eol - line));
      bool known = false;
      assert_non_null (colon);
      for (int i = 0; names[i]; i++) {
        if (strlen (names[i]) == (size_t) (colon - line) &&
            strncmp (line, names[i], strlen (names[i])) == 0) {
          seen[i]++;
          known = true;
        }
      }
      if (!known) {
        fail_msg ("unexpected header line: %.*s", (int) (eol - line), line);
      }
    }
    line = eol + 1;
  }
  for (int i = 0; names[i]; i++) {
    bool expected = with_event || strcmp (names[i], "X-Mutua-Event") != 0;
    if (seen[i] != (expected ? 1 : 0)) {
      fail_msg ("header %s seen %d times", names[i], seen[i]);
    }
  }
}

/* The decoded body of @msg into @out. */
static void
body_decoded (const char *msg, char *out, size_t size)
{
  const char *body = msg + header_len (msg);
  if (!qp_decode (body, out, size)) {
    fail_msg ("malformed quoted-printable body:\n%s", body);
  }
}

/* ---- Address checks ------------------------------------------------------------------------ */

static void
address_ok_table (void **state)
{
  static const struct {
    const char *addr;
    bool ok;
  } cases[] = {
    { "camille@example.org", true },
    { "a@b", true },
    { "first.last+tag@sub.example.co.uk", true },
    { "x_y-z@example.org", true },
    { NULL, false },
    { "", false },
    { "@b", false },
    { "a@", false },
    { "ab", false },
    { "no-at-sign.example.org", false },
    { "a@b@c.org", false },
    { "a b@example.org", false },
    { "a@example.org\r\nBcc: eve@example.org", false },
    { "a@example.org\nBcc: eve@example.org", false },
    { "a@exam\tple.org", false },
    { "<a@example.org>", false },
    { "a@example.org>", false },
    { "Eve (x)@example.org", false },
    { "a,b@example.org", false },
    { "a;b@example.org", false },
    { "a:b@example.org", false },
    { "\"a\"@example.org", false },
    { "a\\b@example.org", false },
    { "a@[127.0.0.1]", false },
    { "camille@exémple.org", false },
    { "a@example.org\x7f", false },
  };
  char longest[MT_MAIL_ADDRESS_MAX + 2];

  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (mt_mail_address_ok (cases[i].addr) != cases[i].ok) {
      fail_msg ("mt_mail_address_ok (\"%s\") != %d", cases[i].addr ? cases[i].addr : "(null)",
                cases[i].ok);
    }
  }
  /* The length bound, at its edge. */
  memset (longest, 'a', sizeof longest);
  memcpy (longest + MT_MAIL_ADDRESS_MAX - 12, "@example.org", 12);
  longest[MT_MAIL_ADDRESS_MAX] = '\0';
  assert_true (mt_mail_address_ok (longest));
  memset (longest, 'a', sizeof longest);
  memcpy (longest + MT_MAIL_ADDRESS_MAX + 1 - 12, "@example.org", 12);
  longest[MT_MAIL_ADDRESS_MAX + 1] = '\0';
  assert_false (mt_mail_address_ok (longest));
}

static void
from_ok_table (void **state)
{
  static const struct {
    const char *from;
    bool ok;
  } cases[] = {
    { "noreply@mutua.example", true },
    { "mutua <noreply@mutua.example>", true },
    { "Réseau mutua <noreply@mutua.example>", false }, /* not ASCII */
    { NULL, false },
    { "", false },
    { "mutua", false },
    { "mutua <>", false },
    { "mutua <noreply@mutua.example", false },
    { "mutua <noreply@mutua.example> x", false },
    { "mutua <noreply@mutua.example>\nBcc: eve@example.org", false },
    { "mutua <noreply@mutua.example>\r\n", false },
    { "noreply@mutua.example\n", false },
    { "mutua <no reply@mutua.example>", false },
    { "mutua <a@b@c>", false },
  };
  char long_from[260];

  (void) state;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    if (mt_mail_from_ok (cases[i].from) != cases[i].ok) {
      fail_msg ("mt_mail_from_ok (\"%s\") != %d", cases[i].from ? cases[i].from : "(null)",
                cases[i].ok);
    }
  }
  memset (long_from, 'x', sizeof long_from);
  memcpy (long_from + 250, " <a@b.c>", 9);
  assert_false (mt_mail_from_ok (long_from));
}

/* ---- Composition ----------------------------------------------------------------------------- */

static void
compose_headers_ascii_and_short (void **state)
{
  mt_mail_t mail = plain_mail ();
  mt_buf_t out;
  const char *msg;
  char value[1024];

  (void) state;
  compose_ok (&mail, &out);
  msg = mt_buf_cstr (&out);
  assert_header_names (msg, true);
  assert_lines (msg, msg + header_len (msg), 78);
  assert_true (header_value (msg, "From", value, sizeof value));
  assert_string_equal (value, "mutua <noreply@mutua.example>");
  assert_true (header_value (msg, "Date", value, sizeof value));
  assert_string_equal (value, "Fri, 12 Jun 2026 09:00:00 +0000");
  assert_true (header_value (msg, "Message-ID", value, sizeof value));
  assert_string_equal (value, "<eml_abc-DEF_123@mutua.example>");
  assert_true (header_value (msg, "MIME-Version", value, sizeof value));
  assert_string_equal (value, "1.0");
  assert_true (header_value (msg, "Content-Type", value, sizeof value));
  assert_string_equal (value, "text/plain; charset=utf-8");
  assert_true (header_value (msg, "Content-Transfer-Encoding", value, sizeof value));
  assert_string_equal (value, "quoted-printable");
  assert_true (header_value (msg, "Auto-Submitted", value, sizeof value));
  assert_string_equal (value, "auto-generated");
  assert_true (header_value (msg, "X-Mutua-Event", value, sizeof value));
  assert_string_equal (value, "reservation.approved");
  assert_null (strchr (msg, '\r'));
  mt_buf_destroy (&out);

  /* Without an event name: no X-Mutua-Event header. */
  mail.event = NULL;
  compose_ok (&mail, &out);
  assert_header_names (mt_buf_cstr (&out), false);
  mt_buf_destroy (&out);
}

static void
compose_subject_and_name_decode_back (void **state)
{
  static const char *const subjects[] = {
    "Réservation acceptée : « Vélo cargo biporteur » du 12/06/2026 à 09:00 au 14/06/2026 à "
    "18:00 (UTC) 🚲🎉",
    "é",                         /* one two-byte character */
    "🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲🚲", /* four-byte characters across words */
    "ééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé",
    "Plain ASCII subject",
  };
  const char *name = "Zoé Lefèvre-Hénin 🌱 de l'Atelier coopératif du vélo";
  mt_mail_t mail = plain_mail ();
  char value[2048];
  char decoded[2048];

  (void) state;
  for (size_t i = 0; i < sizeof subjects / sizeof subjects[0]; i++) {
    mt_buf_t out;
    const char *msg;
    mail.subject = subjects[i];
    mail.to_name = name;
    compose_ok (&mail, &out);
    msg = mt_buf_cstr (&out);
    assert_lines (msg, msg + header_len (msg), 78);
    assert_true (header_value (msg, "Subject", value, sizeof value));
    assert_true (rfc2047_decode (value, decoded, sizeof decoded) >= 1);
    assert_string_equal (decoded, subjects[i]);
    assert_true (header_value (msg, "To", value, sizeof value));
    rfc2047_decode (value, decoded, sizeof decoded);
    assert_string_equal (decoded, "Zoé Lefèvre-Hénin 🌱 de l'Atelier coopératif du vélo "
                                  "<camille@example.org>");
    mt_buf_destroy (&out);
  }
}

static void
compose_without_name_or_subject (void **state)
{
  mt_mail_t mail = plain_mail ();
  mt_buf_t out;
  char value[512];
  char decoded[512];

  (void) state;
  mail.to_name = NULL;
  mail.subject = "";
  compose_ok (&mail, &out);
  assert_true (header_value (mt_buf_cstr (&out), "To", value, sizeof value));
  assert_string_equal (value, "<camille@example.org>");
  assert_true (header_value (mt_buf_cstr (&out), "Subject", value, sizeof value));
  rfc2047_decode (value, decoded, sizeof decoded);
  assert_string_equal (decoded, "mutua");
  mt_buf_destroy (&out);

  mail.to_name = "\r\n\t "; /* only control characters and blanks: no name */
  compose_ok (&mail, &out);
  assert_true (header_value (mt_buf_cstr (&out), "To", value, sizeof value));
  assert_string_equal (value, "<camille@example.org>");
  mt_buf_destroy (&out);
}

static void
compose_invalid_utf8_and_long_name (void **state)
{
  mt_mail_t mail = plain_mail ();
  char name[401];
  char expected[MT_MAIL_NAME_MAX + 1];
  char value[2048];
  char decoded[2048];
  mt_buf_t out;
  const char *msg;

  (void) state;
  /* Bytes that are not UTF-8: every non-ASCII byte of the text becomes '?'. */
  mail.subject = "Caf\xe9 \xff\xfe ok";
  mail.to_name = "Ren\xe9"
                 "e";
  compose_ok (&mail, &out);
  msg = mt_buf_cstr (&out);
  assert_true (header_value (msg, "Subject", value, sizeof value));
  rfc2047_decode (value, decoded, sizeof decoded);
  assert_string_equal (decoded, "Caf? ?? ok");
  assert_true (header_value (msg, "To", value, sizeof value));
  rfc2047_decode (value, decoded, sizeof decoded);
  assert_string_equal (decoded, "Ren?e <camille@example.org>");
  mt_buf_destroy (&out);

  /* A name longer than MT_MAIL_NAME_MAX bytes is cut at a character boundary. */
  for (size_t i = 0; i < 200; i++) {
    memcpy (name + 2 * i, "é", 2);
  }
  name[400] = '\0';
  memcpy (expected, name, MT_MAIL_NAME_MAX);
  expected[MT_MAIL_NAME_MAX - (MT_MAIL_NAME_MAX % 2)] = '\0';
  mail = plain_mail ();
  mail.to_name = name;
  compose_ok (&mail, &out);
  msg = mt_buf_cstr (&out);
  assert_lines (msg, msg + header_len (msg), 78);
  assert_true (header_value (msg, "To", value, sizeof value));
  rfc2047_decode (value, decoded, sizeof decoded);
  assert_true (strlen (decoded) > MT_MAIL_NAME_MAX - 2);
  assert_true (strncmp (decoded, expected, strlen (expected)) == 0);
  assert_string_equal (decoded + strlen (expected), " <camille@example.org>");
  mt_buf_destroy (&out);
}

static void
compose_header_injection_impossible (void **state)
{
  static const char *const attempts[] = {
    "Hello\r\nBcc: eve@example.org",
    "Hello\nBcc: eve@example.org",
    "Hello\rBcc: eve@example.org",
    "Hello\r\n\r\nInjected body",
    "Hello\n Bcc: eve@example.org", /* a continuation line */
    "=?UTF-8?B?QmNjOiBldmVAZXhhbXBsZS5vcmc=?=\nX-Injected: 1",
  };
  mt_mail_t mail = plain_mail ();
  char value[1024];
  char decoded[1024];

  (void) state;
  for (size_t i = 0; i < sizeof attempts / sizeof attempts[0]; i++) {
    mt_buf_t out;
    const char *msg;
    char expected[256];

    mail.subject = attempts[i];
    mail.to_name = attempts[i];
    compose_ok (&mail, &out);
    msg = mt_buf_cstr (&out);
    assert_header_names (msg, true);
    assert_lines (msg, msg + header_len (msg), 78);
    assert_null (strstr (msg, "Bcc:"));
    assert_null (strstr (msg, "X-Injected"));
    assert_null (strstr (msg, "Injected body"));
    /* The text comes back with spaces for its control characters. */
    snprintf (expected, sizeof expected, "%s", attempts[i]);
    for (char *c = expected; *c; c++) {
      if (*c == '\r' || *c == '\n' || *c == '\t') {
        *c = ' ';
      }
    }
    assert_true (header_value (msg, "Subject", value, sizeof value));
    rfc2047_decode (value, decoded, sizeof decoded);
    assert_string_equal (decoded, expected);
    mt_buf_destroy (&out);
  }

  /* Addresses, sender, id and event name carrying line breaks are refused. */
  mail = plain_mail ();
  mail.to_addr = "camille@example.org\r\nBcc: eve@example.org";
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
  mail.to_addr = "camille@example.org>\nBcc: eve@example.org";
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
  mail.to_addr = "camille@example.org, eve@example.org";
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
  mail.to_addr = NULL;
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
  mail = plain_mail ();
  mail.from = "mutua <noreply@mutua.example>\nBcc: eve@example.org";
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
  mail = plain_mail ();
  mail.message_id = "abc\nBcc: eve@example.org";
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
  mail.message_id = "abc def";
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
  mail.message_id = "";
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
  mail = plain_mail ();
  mail.event = "reservation.approved\nBcc: eve@example.org";
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
  mail.event = "Reservation-Approved";
  compose_fails (&mail, MT_ERR_BAD_REQUEST);
}

static void
compose_body_quoted_printable_decodes_back (void **state)
{
  static const char *const bodies[] = {
    "Bonjour Zoé,\n\nVotre réservation de « Vélo cargo » est acceptée 🚲.\n",
    "= signs = everywhere ==\nand a=3D literal\n",
    "trailing space \ntrailing tab\t\n \n\t\n",
    ".\n.leading dot\n..two\nFrom here\nFrom: header-like\nFrance\n",
    "", /* empty */
    "no final line break",
  };
  mt_mail_t mail = plain_mail ();
  char decoded[16384];

  (void) state;
  for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
    mt_buf_t out;
    const char *msg;
    char expected[1024];
    size_t len = strlen (bodies[i]);

    mail.body = bodies[i];
    compose_ok (&mail, &out);
    msg = mt_buf_cstr (&out);
    assert_lines (msg + header_len (msg), msg + out.len, 76);
    body_decoded (msg, decoded, sizeof decoded);
    /* The message ends with a line break: one is added to a body without. */
    snprintf (expected, sizeof expected, "%s%s", bodies[i],
              len > 0 && bodies[i][len - 1] != '\n' ? "\n" : "");
    assert_string_equal (decoded, expected);
    mt_buf_destroy (&out);
  }
}

static void
compose_body_long_lines_and_line_starts (void **state)
{
  mt_mail_t mail = plain_mail ();
  char body[4096];
  char decoded[16384];
  size_t n = 0;
  mt_buf_t out;
  const char *msg;
  const char *line;

  (void) state;
  /* Long lines of every shape: dots that fall at the start of a soft-broken line, "From "
   * likewise, accents that cannot be cut, '=' and blanks at the breaks. */
  for (int i = 0; i < 300; i++) {
    body[n++] = i % 2 ? '.' : 'a';
  }
  body[n++] = '\n';
  for (int i = 0; i < 40; i++) {
    memcpy (body + n, "From ", 5);
    n += 5;
  }
  body[n++] = '\n';
  for (int i = 0; i < 100; i++) {
    memcpy (body + n, "é", 2);
    n += 2;
  }
  body[n++] = '\n';
  for (int i = 0; i < 100; i++) {
    memcpy (body + n, i % 3 ? "= " : " .", 2);
    n += 2;
  }
  body[n++] = '\n';
  body[n] = '\0';
  mail.body = body;
  compose_ok (&mail, &out);
  msg = mt_buf_cstr (&out);
  assert_lines (msg + header_len (msg), msg + out.len, 76);
  body_decoded (msg, decoded, sizeof decoded);
  assert_string_equal (decoded, body);
  /* No encoded line starts with "." or "From " (nor with an 'F' at all). */
  for (line = msg + header_len (msg); *line; line = strchr (line, '\n') + 1) {
    if (*line == '.' || strncmp (line, "From ", 5) == 0) {
      fail_msg ("line starts unencoded: %.20s", line);
    }
  }
  mt_buf_destroy (&out);
}

static void
compose_crlf_body_becomes_lf (void **state)
{
  mt_mail_t mail = plain_mail ();
  char decoded[1024];
  mt_buf_t out;

  (void) state;
  mail.body = "one\r\ntwo \r\nthree\r\n";
  compose_ok (&mail, &out);
  assert_null (strchr (mt_buf_cstr (&out), '\r'));
  body_decoded (mt_buf_cstr (&out), decoded, sizeof decoded);
  assert_string_equal (decoded, "one\ntwo \nthree\n");
  mt_buf_destroy (&out);
}

static void
compose_oversize_is_too_large (void **state)
{
  mt_mail_t mail = plain_mail ();
  mt_error_t error = { 0 };
  size_t big = MT_MAIL_MESSAGE_MAX;
  char *body = malloc (big + 1);
  mt_buf_t out;

  (void) state;
  assert_non_null (body);
  memset (body, 'x', big);
  body[big] = '\0';
  mail.body = body;
  mt_buf_init (&out, MT_MAIL_MESSAGE_MAX);
  assert_false (mt_mail_compose (&mail, &out, &error));
  assert_int_equal (error.code, MT_ERR_TOO_LARGE);
  mt_buf_destroy (&out);

  /* The maximum of the buffer is the bound: a small one refuses a small message. */
  mail.body = "Bonjour";
  mt_buf_init (&out, 64);
  mt_error_clear (&error);
  assert_false (mt_mail_compose (&mail, &out, &error));
  assert_int_equal (error.code, MT_ERR_TOO_LARGE);
  mt_buf_destroy (&out);
  free (body);
}

/* ---- The e-mail of an event ---------------------------------------------------------------- */

static void
account_doc (bson_t *doc, const char *lang, const char *email)
{
  bson_init (doc);
  BSON_APPEND_UTF8 (doc, "id", "acc_1");
  if (email) {
    BSON_APPEND_UTF8 (doc, "email", email);
  }
  BSON_APPEND_UTF8 (doc, "name", "Zoé Lefèvre");
  if (lang) {
    BSON_APPEND_UTF8 (doc, "lang", lang);
  }
}

static mt_event_t
sample_event (void)
{
  mt_event_t event = {
    .event = "reservation.approved",
    .entity = "reservation",
    .entity_id = "res_AbC-12_x",
    .key = "res_AbC-12_x:approved",
    .text_fr = "Réservation acceptée : « Vélo cargo »",
    .text_en = "Reservation approved: \"Cargo bike\"",
  };
  return event;
}

/* Composes the e-mail of @event for an account of @lang; the decoded subject and body to
 * @subject and @body. */
static void
event_mail (const mt_config_t *config, const char *lang, const mt_event_t *event, char *subject,
            char *body, size_t size)
{
  bson_t account;
  mt_buf_t out;
  mt_error_t error = { 0 };
  char value[1024];
  const char *msg;

  account_doc (&account, lang, "zoe@example.org");
  mt_buf_init (&out, MT_MAIL_MESSAGE_MAX);
  if (!mt_mail_event_compose (config, &account, event, "eml_xyz", NOW_MS, &out, &error)) {
    fail_msg ("event compose: %s", error.message);
  }
  msg = mt_buf_cstr (&out);
  assert_header_names (msg, true);
  assert_lines (msg, msg + header_len (msg), 78);
  assert_lines (msg + header_len (msg), msg + out.len, 76);
  assert_true (header_value (msg, "X-Mutua-Event", value, sizeof value));
  assert_string_equal (value, event->event);
  assert_true (header_value (msg, "To", value, sizeof value));
  rfc2047_decode (value, subject, size);
  assert_string_equal (subject, "Zoé Lefèvre <zoe@example.org>");
  assert_true (header_value (msg, "Subject", value, sizeof value));
  rfc2047_decode (value, subject, size);
  body_decoded (msg, body, size);
  mt_buf_destroy (&out);
  bson_destroy (&account);
}

static void
event_compose_language_and_link (void **state)
{
  mt_config_t config;
  mt_event_t event = sample_event ();
  char subject[1024];
  char body[4096];

  (void) state;
  mt_config_defaults (&config);
  snprintf (config.public_url, sizeof config.public_url, "https://mutua.example/");
  snprintf (config.mail_from, sizeof config.mail_from, "mutua <noreply@mutua.example>");

  /* French: the default, and any language other than "en". */
  static const char *const french[] = { "fr", NULL, "de" };
  for (size_t i = 0; i < 3; i++) {
    event_mail (&config, french[i], &event, subject, body, sizeof body);
    assert_string_equal (subject, event.text_fr);
    assert_non_null (strstr (body, "Bonjour Zoé Lefèvre,\n"));
    assert_non_null (strstr (body, "Réservation acceptée : « Vélo cargo »\n"));
    assert_non_null (
      strstr (body, "Pour voir le détail : https://mutua.example/reservations/res_AbC-12_x\n"));
    assert_non_null (strstr (body, "Message automatique de mutua"));
    assert_null (strstr (body, "Hello"));
    assert_null (strstr (body, "Cargo bike"));
  }

  /* English. */
  event_mail (&config, "en", &event, subject, body, sizeof body);
  assert_string_equal (subject, event.text_en);
  assert_non_null (strstr (body, "Hello Zoé Lefèvre,\n"));
  assert_non_null (strstr (body, "Reservation approved: \"Cargo bike\"\n"));
  assert_non_null (strstr (body, "Details: https://mutua.example/reservations/res_AbC-12_x\n"));
  assert_non_null (strstr (body, "Automatic message from mutua"));
  assert_null (strstr (body, "Bonjour"));
  assert_null (strstr (body, "Vélo cargo"));

  /* Another entity: its own path. */
  event.entity = "need";
  event.entity_id = "ned_42";
  event_mail (&config, "en", &event, subject, body, sizeof body);
  assert_non_null (strstr (body, "Details: https://mutua.example/needs/ned_42\n"));

  /* Without public_url: no link at all, in either language. */
  config.public_url[0] = '\0';
  event_mail (&config, "en", &event, subject, body, sizeof body);
  assert_null (strstr (body, "Details"));
  assert_null (strstr (body, "http"));
  event_mail (&config, "fr", &event, subject, body, sizeof body);
  assert_null (strstr (body, "Pour voir le détail"));
  assert_null (strstr (body, "http"));
}

static void
event_compose_refuses_unusable_address (void **state)
{
  static const char *const bad[] = { NULL, "", "not-an-address", "zoe@example.org\nBcc: e@x.y" };
  mt_config_t config;
  mt_event_t event = sample_event ();

  (void) state;
  mt_config_defaults (&config);
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    bson_t account;
    mt_buf_t out;
    mt_error_t error = { 0 };
    account_doc (&account, "fr", bad[i]);
    mt_buf_init (&out, MT_MAIL_MESSAGE_MAX);
    assert_false (
      mt_mail_event_compose (&config, &account, &event, "eml_xyz", NOW_MS, &out, &error));
    assert_int_equal (error.code, MT_ERR_BAD_REQUEST);
    mt_buf_destroy (&out);
    bson_destroy (&account);
  }
}

/* ---- Sending ----------------------------------------------------------------------------------- */

typedef struct {
  char dir[64];
} send_fx_t;

static int
send_setup (void **state)
{
  send_fx_t *fx = calloc (1, sizeof *fx);

  if (!fx) {
    return -1;
  }
  snprintf (fx->dir, sizeof fx->dir, "/tmp/mutua-mail-XXXXXX");
  if (!mkdtemp (fx->dir)) {
    free (fx);
    return -1;
  }
  *state = fx;
  return 0;
}

static int
send_teardown (void **state)
{
  send_fx_t *fx = *state;
  static const char *const files[] = { "save.sh", "fail.sh", "slow.sh", "quit.sh",
                                       "out.eml", "args",    "plain",   NULL };
  char path[160];

  for (int i = 0; files[i]; i++) {
    snprintf (path, sizeof path, "%s/%s", fx->dir, files[i]);
    unlink (path);
  }
  rmdir (fx->dir);
  free (fx);
  return 0;
}

/* Writes the executable script @name with @text (which finds the fixture's directory in
 * $DIR) to the fixture's directory; its path to @path. */
static void
write_script (send_fx_t *fx, const char *name, const char *text, char *path, size_t size,
              mode_t mode)
{
  FILE *f;

  snprintf (path, size, "%s/%s", fx->dir, name);
  f = fopen (path, "w");
  assert_non_null (f);
  fprintf (f, "#!/bin/sh\nDIR='%s'\n", fx->dir);
  fputs (text, f);
  assert_int_equal (fclose (f), 0);
  assert_int_equal (chmod (path, mode), 0);
}

#define SAVE_SCRIPT "printf '%s\\n' \"$@\" > \"$DIR/args\"\ncat > \"$DIR/out.eml\"\n"

static void
send_delivers_the_bytes (void **state)
{
  send_fx_t *fx = *state;
  mt_mail_t mail = plain_mail ();
  char script[128];
  char command[256];
  char detail[MT_MAIL_DETAIL_MAX];
  char path[160];
  mt_buf_t out;
  char *saved;
  char *args;
  size_t len = 0;

  compose_ok (&mail, &out);
  write_script (fx, "save.sh", SAVE_SCRIPT, script, sizeof script, 0700);
  snprintf (command, sizeof command, "%s  -t -i", script);
  assert_true (mt_mail_send (command, out.data, out.len, 5000, NULL, detail, sizeof detail));
  assert_string_equal (detail, "");
  snprintf (path, sizeof path, "%s/out.eml", fx->dir);
  saved = mt_test_read_file (path, &len);
  assert_non_null (saved);
  assert_int_equal (len, out.len);
  assert_memory_equal (saved, out.data, len);
  /* The arguments are the command's words; the recipient never appears among them. */
  snprintf (path, sizeof path, "%s/args", fx->dir);
  args = mt_test_read_file (path, NULL);
  assert_non_null (args);
  assert_string_equal (args, "-t\n-i\n");
  assert_null (strstr (args, "camille@example.org"));
  free (args);
  free (saved);
  mt_buf_destroy (&out);
}

static void
send_large_message_whole (void **state)
{
  send_fx_t *fx = *state;
  size_t len = 512 * 1024; /* far beyond a pipe's buffer */
  char *message = malloc (len);
  char script[128];
  char path[160];
  char detail[MT_MAIL_DETAIL_MAX];
  char *saved;
  size_t saved_len = 0;

  assert_non_null (message);
  for (size_t i = 0; i < len; i++) {
    message[i] = (char) ('a' + i % 26);
    if (i % 70 == 69) {
      message[i] = '\n';
    }
  }
  write_script (fx, "save.sh", SAVE_SCRIPT, script, sizeof script, 0700);
  assert_true (mt_mail_send (script, message, len, 20000, NULL, detail, sizeof detail));
  snprintf (path, sizeof path, "%s/out.eml", fx->dir);
  saved = mt_test_read_file (path, &saved_len);
  assert_non_null (saved);
  assert_int_equal (saved_len, len);
  assert_memory_equal (saved, message, len);
  free (saved);
  free (message);
}

static void
send_exit_status_and_stderr (void **state)
{
  send_fx_t *fx = *state;
  char script[128];
  char detail[MT_MAIL_DETAIL_MAX];

  write_script (fx, "fail.sh",
                "cat > /dev/null\necho 'mail queue full: try later' >&2\nprintf '\\033[31mx' "
                ">&2\nexit 75\n",
                script, sizeof script, 0700);
  assert_false (
    mt_mail_send (script, "Subject: x\n\nbody\n", 17, 5000, NULL, detail, sizeof detail));
  assert_non_null (strstr (detail, "exit status 75"));
  assert_non_null (strstr (detail, "mail queue full: try later"));
  /* The child's control characters never reach the detail (it goes to the log). */
  for (const char *c = detail; *c; c++) {
    assert_true ((unsigned char) *c >= 0x20 && (unsigned char) *c < 0x7F);
  }
}

static void
send_timeout_kills (void **state)
{
  send_fx_t *fx = *state;
  char script[128];
  char detail[MT_MAIL_DETAIL_MAX];

  write_script (fx, "slow.sh", "exec sleep 30\n", script, sizeof script, 0700);
  assert_false (mt_mail_send (script, "x\n", 2, 200, NULL, detail, sizeof detail));
  assert_string_equal (detail, "timeout");
}

static void
send_stop_gives_up (void **state)
{
  send_fx_t *fx = *state;
  char script[128];
  char detail[MT_MAIL_DETAIL_MAX];
  atomic_bool stop = true;

  write_script (fx, "slow.sh", "exec sleep 30\n", script, sizeof script, 0700);
  assert_false (mt_mail_send (script, "x\n", 2, 60000, &stop, detail, sizeof detail));
  assert_string_equal (detail, "shutdown");
}

static void
send_missing_program (void **state)
{
  send_fx_t *fx = *state;
  char detail[MT_MAIL_DETAIL_MAX];
  char command[256];
  char script[128];

  assert_false (mt_mail_send ("/nonexistent/mutua/sendmail -t -i", "x\n", 2, 5000, NULL, detail,
                              sizeof detail));
  assert_non_null (strstr (detail, "cannot run"));
  assert_false (mt_mail_send ("mutua-no-such-sendmail-program -t", "x\n", 2, 5000, NULL, detail,
                              sizeof detail));
  assert_non_null (strstr (detail, "cannot run"));
  assert_false (mt_mail_send ("", "x\n", 2, 5000, NULL, detail, sizeof detail));
  assert_non_null (strstr (detail, "cannot run"));
  assert_false (mt_mail_send ("   ", "x\n", 2, 5000, NULL, detail, sizeof detail));
  assert_non_null (strstr (detail, "cannot run"));
  assert_false (mt_mail_send (NULL, "x\n", 2, 5000, NULL, detail, sizeof detail));
  assert_non_null (strstr (detail, "cannot run"));
  /* A file that exists but cannot be executed. */
  write_script (fx, "plain", "exit 0\n", script, sizeof script, 0600);
  snprintf (command, sizeof command, "%s -t", script);
  assert_false (mt_mail_send (command, "x\n", 2, 5000, NULL, detail, sizeof detail));
  assert_non_null (strstr (detail, "cannot run"));
}

static void
send_child_that_does_not_read (void **state)
{
  send_fx_t *fx = *state;
  size_t len = 1024 * 1024;
  char *message = malloc (len);
  char script[128];
  char detail[MT_MAIL_DETAIL_MAX];

  /* The child exits at once without reading: the writer meets a closed pipe (EPIPE), which
   * must neither kill the process (SIGPIPE) nor hide the child's status. */
  assert_non_null (message);
  memset (message, 'm', len);
  write_script (fx, "quit.sh", "exit 0\n", script, sizeof script, 0700);
  assert_true (mt_mail_send (script, message, len, 20000, NULL, detail, sizeof detail));
  write_script (fx, "quit.sh", "exit 3\n", script, sizeof script, 0700);
  assert_false (mt_mail_send (script, message, len, 20000, NULL, detail, sizeof detail));
  assert_string_equal (detail, "exit status 3");
  free (message);
}

#define SEND_TEST(name, fn)                                                                        \
  {                                                                                                \
    name, fn, send_setup, send_teardown, NULL                                                      \
  }

int
main (void)
{
  const struct CMUnitTest tests[] = {
    MT_TEST ("mail/address_ok/table", address_ok_table),
    MT_TEST ("mail/from_ok/table", from_ok_table),
    MT_TEST ("mail/compose/headers_ascii_and_short", compose_headers_ascii_and_short),
    MT_TEST ("mail/compose/subject_and_name_decode_back", compose_subject_and_name_decode_back),
    MT_TEST ("mail/compose/without_name_or_subject", compose_without_name_or_subject),
    MT_TEST ("mail/compose/invalid_utf8_and_long_name", compose_invalid_utf8_and_long_name),
    MT_TEST ("mail/compose/header_injection_impossible", compose_header_injection_impossible),
    MT_TEST ("mail/compose/body_quoted_printable_decodes_back",
             compose_body_quoted_printable_decodes_back),
    MT_TEST ("mail/compose/body_long_lines_and_line_starts",
             compose_body_long_lines_and_line_starts),
    MT_TEST ("mail/compose/crlf_body_becomes_lf", compose_crlf_body_becomes_lf),
    MT_TEST ("mail/compose/oversize_is_too_large", compose_oversize_is_too_large),
    MT_TEST ("mail/event_compose/language_and_link", event_compose_language_and_link),
    MT_TEST ("mail/event_compose/refuses_unusable_address", event_compose_refuses_unusable_address),
    SEND_TEST ("mail/send/delivers_the_bytes", send_delivers_the_bytes),
    SEND_TEST ("mail/send/large_message_whole", send_large_message_whole),
    SEND_TEST ("mail/send/exit_status_and_stderr", send_exit_status_and_stderr),
    SEND_TEST ("mail/send/timeout_kills", send_timeout_kills),
    SEND_TEST ("mail/send/stop_gives_up", send_stop_gives_up),
    SEND_TEST ("mail/send/missing_program", send_missing_program),
    SEND_TEST ("mail/send/child_that_does_not_read", send_child_that_does_not_read),
  };

  return cmocka_run_group_tests (tests, NULL, NULL);
}
