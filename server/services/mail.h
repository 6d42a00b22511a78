/*
 * mail: the e-mails of events, composed as RFC 5322 messages and handed to a local
 * "sendmail -t" compatible program (config sendmail_command).
 *
 * Composition (mt_mail_compose)
 *   Headers: From (mail_from as configured), To (the recipient's name as an RFC 2047
 *   encoded-word, then its address), Subject (RFC 2047 "B" encoded-words of UTF-8, folded),
 *   Date, Message-ID, MIME-Version, Content-Type: text/plain; charset=utf-8,
 *   Content-Transfer-Encoding: quoted-printable, Auto-Submitted: auto-generated and
 *   X-Mutua-Event. Every header is ASCII and at most 78 characters per line. Data never
 *   reaches a header raw: names and subjects are encoded (their control characters turned
 *   into spaces first), addresses are refused unless they are plain ASCII addresses without
 *   separators (mt_mail_address_ok), so no CR or LF — no extra header, no extra recipient —
 *   can come from an account's name, a listing's title or an address. The body is
 *   quoted-printable (lines of at most 76 characters; a "." or "From " at the start of a
 *   line is encoded too). Lines end with LF, the convention of the local sendmail interface
 *   (the mail system writes CRLF on the wire).
 *
 * Sending (mt_mail_send)
 *   The command is split on spaces into argv (no shell, no quoting: "/usr/sbin/sendmail -t
 *   -i"); a program without '/' is looked up in PATH. It runs as a child process (fork,
 *   execv) with the message on its standard input, standard output discarded, the first
 *   bytes of its standard error kept for the log, the default signal mask and dispositions.
 *   The whole exchange is bounded by @timeout_ms (monotonic clock); past it the child is
 *   killed (SIGKILL). Success is exit status 0. The recipients come from the message's To
 *   header ("-t"), never from the command line.
 */
#ifndef MT_MAIL_H
#define MT_MAIL_H

#include "config.h"
#include "events.h"
#include "mt_buf.h"
#include "mt_error.h"

#include <bson/bson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MT_MAIL_MESSAGE_MAX (64 * 1024) /* bytes of one composed message */
#define MT_MAIL_ADDRESS_MAX 254
#define MT_MAIL_NAME_MAX 120    /* bytes of the recipient's name kept (cut at a character) */
#define MT_MAIL_ARGS_MAX 32     /* words of sendmail_command */
#define MT_MAIL_DETAIL_MAX 256  /* bytes of a failure's description */
#define MT_MAIL_STDERR_KEPT 160 /* bytes of the child's standard error kept */

/* One message. Strings are borrowed, UTF-8. */
typedef struct {
  const char *from;       /* mail_from: "Name <address>" or "address", printable ASCII */
  const char *to_name;    /* the recipient's name; NULL or "" for none */
  const char *to_addr;    /* must pass mt_mail_address_ok */
  const char *subject;    /* one line (control characters become spaces) */
  const char *body;       /* text, lines ending with LF */
  const char *message_id; /* left part of the Message-ID: [A-Za-z0-9_.:-] */
  const char *event;      /* X-Mutua-Event value, [a-z._]; NULL: no such header */
  int64_t date_ms;        /* Date header */
} mt_mail_t;

/*
 * True when @addr is a plain ASCII address "local@domain": 3 to MT_MAIL_ADDRESS_MAX
 * printable characters, exactly one '@' with text on both sides, and none of
 * space, control characters, '<', '>', '(', ')', ',', ';', ':', '"', '\\', '[', ']'.
 */
bool mt_mail_address_ok (const char *addr);

/* True when @from (mail_from) may be written as a From header: printable ASCII holding an
 * address that mt_mail_address_ok accepts, alone or between '<' and '>'. */
bool mt_mail_from_ok (const char *from);

/*
 * Appends the message to @out (which must be empty; its maximum bounds the message).
 * MT_ERR_BAD_REQUEST when an address, mail_from, the id or the event name is not
 * acceptable; MT_ERR_TOO_LARGE when @out's maximum is reached.
 */
bool mt_mail_compose (const mt_mail_t *mail, mt_buf_t *out, mt_error_t *error);

/*
 * The e-mail of @event for @account (a stored account document: email, name, lang):
 * subject = the event's text in the account's language ("en" gives the English text,
 * anything else French), body = a greeting, the text, a link to the entity under
 * config->public_url when it is set (<public_url>/<entity>s/<entity_id>, e.g.
 * /reservations/res_...), and a signature, in the same language. @message_id: the outbox
 * message's id. MT_ERR_BAD_REQUEST when the account has no usable address.
 */
bool mt_mail_event_compose (const mt_config_t *config, const bson_t *account,
                            const mt_event_t *event, const char *message_id, int64_t date_ms,
                            mt_buf_t *out, mt_error_t *error);

/*
 * Runs @command with the @len bytes of @message on its standard input (see above), waiting
 * at most @timeout_ms. @stop (may be NULL): when it becomes true the child is killed and the
 * call gives up (shutdown). True when the command exited with status 0; otherwise @detail
 * (@detail_size bytes) says why ("exit status 75: <stderr>", "timeout", "cannot run ...").
 */
bool mt_mail_send (const char *command, const char *message, size_t len, int64_t timeout_ms,
                   const atomic_bool *stop, char *detail, size_t detail_size);

#endif
