/*
 * routes_idempotent: POST of a new resource with an Idempotency-Key (services/idempotency.h),
 * shared by POST /v1/reservations and POST /v1/bookings.
 *
 * With a key, the answer is rendered to bytes here, stored, then sent, so that a replay sends
 * exactly the same status, body, Location and ETag (a problem document keeps the request_id
 * of the first request; X-Request-Id is the new request's). The problem rendering is the one
 * of mt_reply_problem (server/http/request.c). Answers the idempotency record must not keep
 * (5xx, 429) abandon it, so that a retry executes again.
 *
 * The record, the service's writes and the stored answer are one unit of the store
 * (routes_unit.c): one durable step, committed before any answer is sent (a failed commit
 * is answered 503 instead).
 */
#include "routes.h"

#include "idempotency.h"
#include "mt_bson.h"
#include "mt_buf.h"
#include "mt_json.h"
#include "mt_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MT_LOG_DOMAIN "idempotency"

#define MT_JSON_CONTENT_TYPE "application/json; charset=utf-8"
#define MT_PROBLEM_CONTENT_TYPE "application/problem+json; charset=utf-8"

/* An answer rendered to bytes (owned). */
typedef struct {
  int status;
  const char *content_type;
  mt_buf_t body;
  char location[96];
  char etag[48];
  const char *lang; /* Content-Language of a problem, or NULL */
} mt_rendered_t;

static void
mt_rendered_init (mt_rendered_t *a)
{
  memset (a, 0, sizeof *a);
  mt_buf_init (&a->body, MT_IDEMPOTENCY_BODY_MAX);
}

/* The problem document of @error, as mt_reply_problem writes it. */
static void
mt_render_problem (mt_request_t *r, const mt_error_t *error, mt_rendered_t *a)
{
  const mt_error_info_t *info = mt_error_info ((mt_error_code_t) error->code);
  bool en = strcmp (mt_request_lang (r), "en") == 0;
  const char *title = en ? info->title_en : info->title_fr;
  const char *detail = en ? error->message : error->message_fr;
  const char *path = mt_request_path (r);
  const char *id = mt_request_id (r);
  mt_buf_t *buf = &a->body;

  if (!*detail) {
    detail = title;
  }
  a->status = info->http_status;
  a->content_type = MT_PROBLEM_CONTENT_TYPE;
  a->lang = en ? "en" : "fr";
  mt_buf_appendf (buf, "{\"type\":\"%s%s\",\"title\":", MT_PROBLEM_TYPE_PREFIX, info->slug);
  mt_json_append_string (buf, title, strlen (title));
  mt_buf_appendf (buf, ",\"status\":%d,\"detail\":", info->http_status);
  mt_json_append_string (buf, detail, strlen (detail));
  mt_buf_append_str (buf, ",\"instance\":");
  mt_json_append_string (buf, path, strlen (path));
  mt_buf_append_str (buf, ",\"request_id\":");
  mt_json_append_string (buf, id, strlen (id));
  if (error->code == MT_ERR_VALIDATION || error->path[0]) {
    mt_buf_append_str (buf, ",\"errors\":[{\"path\":");
    mt_json_append_string (buf, error->path, strlen (error->path));
    mt_buf_append_str (buf, ",\"message\":");
    mt_json_append_string (buf, detail, strlen (detail));
    mt_buf_append_str (buf, "}]");
  }
  mt_buf_append_char (buf, '}');
}

/* Sends @a (stored or just rendered). */
static void
mt_send_answer (mt_request_t *r, const mt_idempotency_answer_t *a)
{
  if (a->location) {
    mt_request_set_header (r, "Location", a->location);
  }
  if (a->etag) {
    mt_request_set_header (r, "ETag", a->etag);
  }
  if (a->lang) {
    mt_request_set_header (r, "Content-Language", a->lang);
  }
  if (a->status == 401) {
    mt_request_set_header (r, "WWW-Authenticate", "Bearer realm=\"mutua\"");
  }
  mt_reply_bytes (r, a->status, a->content_type ? a->content_type : MT_JSON_CONTENT_TYPE, a->body,
                  a->body_len);
}

void
mt_route_idempotent_create (mt_request_t *r, const char *collection, mt_route_create_fn create)
{
  const char *key = mt_request_header (r, "Idempotency-Key");
  mt_ctx_t *ctx = mt_request_ctx (r);
  mt_idempotency_t idem;
  mt_idempotency_outcome_t outcome = MT_IDEMPOTENCY_EXECUTE;
  mt_idempotency_answer_t answer;
  mt_rendered_t rendered;
  char id[MT_ID_SIZE];
  bson_t created_doc = BSON_INITIALIZER;
  mt_error_t error = { 0 };
  bool created;

  mt_idempotency_init (&idem);
  mt_rendered_init (&rendered);
  if (!mt_route_unit_begin (r)) {
    goto done;
  }
  if (key) {
    char hash[MT_IDEMPOTENCY_HASH_HEX_SIZE];
    mt_idempotency_hash (mt_request_method (r), mt_request_path (r), mt_request_body (r), hash);
    if (!mt_idempotency_begin (ctx, key, hash, &idem, &outcome, &error)) {
      if (mt_route_unit_commit (r)) {
        mt_reply_problem (r, &error);
      }
      goto done;
    }
    if (outcome == MT_IDEMPOTENCY_REPLAY) {
      if (mt_route_unit_commit (r)) {
        mt_idempotency_stored_answer (&idem, &answer);
        mt_send_answer (r, &answer);
      }
      goto done;
    }
  }
  bson_destroy (&created_doc);
  created = create (ctx, mt_request_body (r), &created_doc, id, &error);
  if (!key) {
    if (!mt_route_unit_commit (r)) {
      goto done;
    }
    if (created) {
      char location[96];
      snprintf (location, sizeof location, "%s/%s", collection, id);
      mt_request_set_header (r, "Location", location);
      mt_reply_json_versioned (r, 201, &created_doc);
    } else {
      mt_reply_problem (r, &error);
    }
    goto done;
  }
  if (created) {
    rendered.status = 201;
    rendered.content_type = MT_JSON_CONTENT_TYPE;
    mt_json_append_document (&rendered.body, &created_doc);
    snprintf (rendered.location, sizeof rendered.location, "%s/%s", collection, id);
    snprintf (rendered.etag, sizeof rendered.etag, "W/\"%lld\"",
              (long long) mt_bson_int (&created_doc, "version", 1));
  } else if (mt_idempotency_status_kept (mt_error_http_status (&error))) {
    mt_render_problem (r, &error, &rendered);
  } else {
    /* Not the client's fault, or a quota (429): the record is abandoned, a retry executes
     * again. */
    answer = (mt_idempotency_answer_t){ .status = mt_error_http_status (&error) };
    mt_error_t finish_error;
    if (!mt_idempotency_finish (ctx, &idem, &answer, &finish_error)) {
      MT_WARN ("idempotency record not released: %s", finish_error.message);
    }
    if (mt_route_unit_commit (r)) {
      mt_reply_problem (r, &error);
    }
    goto done;
  }
  answer = (mt_idempotency_answer_t){
    .status = rendered.status,
    .content_type = rendered.content_type,
    .body = rendered.body.data,
    .body_len = rendered.body.len,
    .location = rendered.location[0] ? rendered.location : NULL,
    .etag = rendered.etag[0] ? rendered.etag : NULL,
    .lang = rendered.lang,
  };
  if (rendered.body.failed) {
    answer.status = 500; /* never stored: too large to keep */
  }
  {
    mt_error_t finish_error;
    if (!mt_idempotency_finish (ctx, &idem, &answer, &finish_error)) {
      MT_WARN ("idempotency answer not stored: %s", finish_error.message);
    }
  }
  if (!mt_route_unit_commit (r)) {
    goto done;
  }
  if (rendered.body.failed) {
    mt_reply_error (r, MT_ERR_INTERNAL, "réponse trop volumineuse", "response too large");
  } else {
    mt_send_answer (r, &answer);
  }
done:
  bson_destroy (&created_doc);
  mt_buf_destroy (&rendered.body);
  mt_idempotency_destroy (&idem);
}
