/*
 * mt_error: the one error type of mutua.
 *
 * Fallible functions return bool and take a trailing `mt_error_t *error` (which may be NULL).
 * An error carries a domain (which layer failed, for logs), a code (what went wrong, which
 * decides the HTTP status and the RFC 9457 problem type through one table) and a message in
 * French and in English: users of mutua speak French first.
 */
#ifndef MT_ERROR_H
#define MT_ERROR_H

#include <stdbool.h>
#include <stdint.h>

#define MT_ERROR_MESSAGE_MAX 256
#define MT_ERROR_PATH_MAX 192

typedef enum {
  MT_DOMAIN_NONE = 0,
  MT_DOMAIN_JSON,
  MT_DOMAIN_SCHEMA,
  MT_DOMAIN_TOKEN,
  MT_DOMAIN_CRYPTO,
  MT_DOMAIN_STORE,
  MT_DOMAIN_HTTP,
  MT_DOMAIN_SERVICE,
  MT_DOMAIN_CONFIG,
  MT_DOMAIN_IO,
} mt_error_domain_t;

typedef enum {
  MT_ERR_NONE = 0,
  MT_ERR_BAD_REQUEST,            /* 400: malformed request or body */
  MT_ERR_VALIDATION,             /* 400: body does not match its schema (path says where) */
  MT_ERR_UNAUTHENTICATED,        /* 401: no, invalid, expired or revoked credentials */
  MT_ERR_FORBIDDEN,              /* 403: authenticated but not allowed */
  MT_ERR_NOT_FOUND,              /* 404: absent, or not visible to the caller */
  MT_ERR_METHOD_NOT_ALLOWED,     /* 405 */
  MT_ERR_REQUEST_TIMEOUT,        /* 408 */
  MT_ERR_CONFLICT,               /* 409: calendar conflict, illegal or lost transition */
  MT_ERR_DUPLICATE,              /* 409: a unique key is already taken */
  MT_ERR_STALE,                  /* 409: compare-and-set lost against a newer version */
  MT_ERR_PRECONDITION_FAILED,    /* 412: If-Match does not match the current version */
  MT_ERR_TOO_LARGE,              /* 413 */
  MT_ERR_UNSUPPORTED_MEDIA_TYPE, /* 415 */
  MT_ERR_UNPROCESSABLE,          /* 422: valid shape, but a domain rule refuses it */
  MT_ERR_PRECONDITION_REQUIRED,  /* 428: If-Match missing */
  MT_ERR_RATE_LIMITED,           /* 429 (retry_after says when) */
  MT_ERR_HEADERS_TOO_LARGE,      /* 431 */
  MT_ERR_INTERNAL,               /* 500 */
  MT_ERR_NOT_IMPLEMENTED,        /* 501 */
  MT_ERR_UNAVAILABLE,            /* 503: overloaded, not ready, store busy */
  MT_ERR_CODE_COUNT
} mt_error_code_t;

typedef struct {
  uint32_t domain;                       /* mt_error_domain_t */
  uint32_t code;                         /* mt_error_code_t; MT_ERR_NONE when unset */
  char message[MT_ERROR_MESSAGE_MAX];    /* English */
  char message_fr[MT_ERROR_MESSAGE_MAX]; /* French */
  char path[MT_ERROR_PATH_MAX];          /* JSON pointer of the offending value, or "" */
  uint32_t retry_after;                  /* seconds, for MT_ERR_RATE_LIMITED/UNAVAILABLE */
} mt_error_t;

/* One row of the code table. Strings are static. */
typedef struct {
  mt_error_code_t code;
  int http_status;
  const char *slug; /* problem type is "urn:mutua:problem:<slug>" */
  const char *title_fr;
  const char *title_en;
} mt_error_info_t;

#define MT_PROBLEM_TYPE_PREFIX "urn:mutua:problem:"

/* Clears @error (no-op on NULL). */
void mt_error_clear (mt_error_t *error);

/*
 * Sets @error (no-op on NULL) with a French and an English message. Both formats take the
 * same arguments in the same order; the compiler checks both.
 */
void mt_error_set (mt_error_t *error, mt_error_domain_t domain, mt_error_code_t code,
                   const char *format_fr, const char *format_en, ...)
  __attribute__ ((format (printf, 4, 6), format (printf, 5, 6)));

/* Sets the JSON pointer of the offending value (no-op on NULL). */
void mt_error_set_path (mt_error_t *error, const char *pointer);

/* Copies @src into @dst (no-op when @dst is NULL). */
void mt_error_copy (mt_error_t *dst, const mt_error_t *src);

/* The table row of @code (the MT_ERR_INTERNAL row for an unknown code). Never NULL. */
const mt_error_info_t *mt_error_info (mt_error_code_t code);

/* Shorthand: HTTP status of the error's code. */
int mt_error_http_status (const mt_error_t *error);

#endif
