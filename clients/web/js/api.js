// api.js: the one way the web app talks to mutuad (docs/API.md).
//
// Requests go to the same origin with the session cookie (HttpOnly: the app never sees nor
// stores the token). Bodies are JSON; an answer that is not 2xx becomes an ApiError carrying
// the problem document's status, type, detail and the path of its first error (a JSON
// pointer such as "/start", or a query parameter's name).
import { getLang } from './i18n.js';

export class ApiError extends Error {
  constructor(status, problem) {
    const detail = (problem && (problem.detail || problem.title)) || `HTTP ${status}`;
    super(detail);
    this.name = 'ApiError';
    this.status = status;
    this.type = (problem && problem.type) || '';
    this.detail = detail;
    const first = problem && Array.isArray(problem.errors) ? problem.errors[0] : null;
    this.path = (first && first.path) || '';
    this.problem = problem || null;
  }
}

// Builds "/v1/listings?q=...": parameters that are undefined, null or '' are left out.
export function withQuery(path, query) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== '') {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

// api('GET', '/v1/me') -> the parsed JSON (null for 204). Throws ApiError. @extraHeaders:
// e.g. {'If-Match': 'W/"3"'} or {'Idempotency-Key': '...'}.
export async function api(method, path, body, extraHeaders) {
  const headers = { Accept: 'application/json', 'Accept-Language': getLang(), ...extraHeaders };
  const init = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (cause) {
    throw new ApiError(0, { detail: cause.message, type: 'network' });
  }
  const type = response.headers.get('Content-Type') || '';
  const json = type.includes('json') && response.status !== 204 ? await response.json() : null;
  if (!response.ok) {
    throw new ApiError(response.status, json);
  }
  return json;
}

// Sends @blob (a File from <input type=file>) as the raw body, as POST
// /v1/listings/{id}/photos wants it: the server recognises the type from the bytes.
export async function upload(path, blob) {
  let response;
  try {
    response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Accept-Language': getLang(),
        'Content-Type': blob.type || 'application/octet-stream' },
      body: blob,
    });
  } catch (cause) {
    throw new ApiError(0, { detail: cause.message, type: 'network' });
  }
  const type = response.headers.get('Content-Type') || '';
  const json = type.includes('json') ? await response.json() : null;
  if (!response.ok) {
    throw new ApiError(response.status, json);
  }
  return json;
}

// If-Match for a resource whose body carries its version.
export function ifMatch(resource) {
  return { 'If-Match': `W/"${resource.version}"` };
}

// The address of a photo, for <img src>.
export function photoUrl(id) {
  return `/v1/photos/${encodeURIComponent(id)}`;
}
