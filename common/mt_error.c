/*
 * mt_error: the error type and the one table that maps each code to its HTTP status and its
 * RFC 9457 problem type and titles.
 */
#include "mt_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const mt_error_info_t mt_error_table[] = {
  { MT_ERR_NONE, 200, "none", "Aucune erreur", "No error" },
  { MT_ERR_BAD_REQUEST, 400, "bad-request", "Requête invalide", "Bad request" },
  { MT_ERR_VALIDATION, 400, "validation", "Données invalides", "Invalid data" },
  { MT_ERR_UNAUTHENTICATED, 401, "unauthenticated", "Authentification requise",
    "Authentication required" },
  { MT_ERR_FORBIDDEN, 403, "forbidden", "Action non autorisée", "Forbidden" },
  { MT_ERR_NOT_FOUND, 404, "not-found", "Introuvable", "Not found" },
  { MT_ERR_METHOD_NOT_ALLOWED, 405, "method-not-allowed", "Méthode non autorisée",
    "Method not allowed" },
  { MT_ERR_REQUEST_TIMEOUT, 408, "request-timeout", "Délai de requête dépassé", "Request timeout" },
  { MT_ERR_CONFLICT, 409, "conflict", "Conflit", "Conflict" },
  { MT_ERR_DUPLICATE, 409, "duplicate", "Déjà existant", "Already exists" },
  { MT_ERR_STALE, 409, "stale", "Modifié entre-temps", "Changed concurrently" },
  { MT_ERR_PRECONDITION_FAILED, 412, "precondition-failed", "Version périmée",
    "Precondition failed" },
  { MT_ERR_TOO_LARGE, 413, "too-large", "Contenu trop volumineux", "Content too large" },
  { MT_ERR_UNSUPPORTED_MEDIA_TYPE, 415, "unsupported-media-type",
    "Type de contenu non pris en charge", "Unsupported media type" },
  { MT_ERR_UNPROCESSABLE, 422, "unprocessable", "Règle non respectée", "Rule violated" },
  { MT_ERR_PRECONDITION_REQUIRED, 428, "precondition-required", "En-tête If-Match requis",
    "Precondition required" },
  { MT_ERR_RATE_LIMITED, 429, "rate-limited", "Trop de tentatives", "Too many requests" },
  { MT_ERR_HEADERS_TOO_LARGE, 431, "headers-too-large", "En-têtes trop volumineux",
    "Request header fields too large" },
  { MT_ERR_INTERNAL, 500, "internal", "Erreur interne", "Internal error" },
  { MT_ERR_NOT_IMPLEMENTED, 501, "not-implemented", "Non pris en charge", "Not implemented" },
  { MT_ERR_UNAVAILABLE, 503, "unavailable", "Service indisponible", "Service unavailable" },
};

_Static_assert(sizeof mt_error_table / sizeof mt_error_table[0] == MT_ERR_CODE_COUNT,
               "every error code has a row");

void
mt_error_clear (mt_error_t *error)
{
  if (error) {
    memset (error, 0, sizeof *error);
  }
}

void
mt_error_set (mt_error_t *error, mt_error_domain_t domain, mt_error_code_t code,
              const char *format_fr, const char *format_en, ...)
{
  va_list ap;
  va_list ap_copy;

  if (!error) {
    return;
  }
  memset (error, 0, sizeof *error);
  error->domain = domain;
  error->code = code;
  va_start (ap, format_en);
  va_copy (ap_copy, ap);
  vsnprintf (error->message_fr, sizeof error->message_fr, format_fr, ap);
  vsnprintf (error->message, sizeof error->message, format_en, ap_copy);
  va_end (ap_copy);
  va_end (ap);
}

void
mt_error_set_path (mt_error_t *error, const char *pointer)
{
  if (error) {
    snprintf (error->path, sizeof error->path, "%s", pointer ? pointer : "");
  }
}

void
mt_error_copy (mt_error_t *dst, const mt_error_t *src)
{
  if (dst && src && dst != src) {
    memcpy (dst, src, sizeof *dst);
  }
}

const mt_error_info_t *
mt_error_info (mt_error_code_t code)
{
  if ((unsigned) code >= MT_ERR_CODE_COUNT) {
    return &mt_error_table[MT_ERR_INTERNAL];
  }
  return &mt_error_table[code];
}

int
mt_error_http_status (const mt_error_t *error)
{
  return mt_error_info ((mt_error_code_t) error->code)->http_status;
}
