/**
 * The one client of the admin API: adds the session token, turns error answers into `ApiError`
 * (with the server's `fields`), signs out on 401 and sends the user to the password page when the
 * server insists on a password change.
 */

const TOKEN_KEY = 'gateway.token';
const listeners = { unauthorized: [], passwordChangeRequired: [] };

export class ApiError extends Error {
  constructor(status, code, message, fields = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields || {};
  }
}

export function getToken() {
  return localStorage.getItem(TOKEN_KEY);
}

export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** Registers a handler for `unauthorized` (session gone) or `passwordChangeRequired`. */
export function on(event, handler) {
  listeners[event].push(handler);
}

/** Builds `?a=1&b=2` from an object, leaving out empty values. */
export function query(params = {}) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === '') continue;
    search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/**
 * Calls `/admin<path>`. Resolves to the parsed JSON (null for 204); rejects with `ApiError`.
 * `options.signal` aborts; `options.quiet401` keeps a 401 from signing the user out (login form).
 */
export async function request(method, path, body, options = {}) {
  const headers = { Accept: 'application/json' };
  const token = getToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(`/admin${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: options.signal,
      cache: 'no-store',
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', '');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let document = null;
  try {
    document = text ? JSON.parse(text) : null;
  } catch {
    document = null;
  }
  if (response.ok) return document;

  const error = document && document.error ? document.error : {};
  const failure = new ApiError(response.status, error.code || `http_${response.status}`, error.message || '', error.fields);
  if (response.status === 401 && !options.quiet401) {
    setToken(null);
    listeners.unauthorized.forEach((handler) => handler(failure));
  } else if (response.status === 403 && failure.code === 'password_change_required') {
    listeners.passwordChangeRequired.forEach((handler) => handler(failure));
  }
  throw failure;
}

export const api = {
  get: (path, params, options) => request('GET', path + query(params), undefined, options),
  post: (path, body, options) => request('POST', path, body ?? {}, options),
  put: (path, body, options) => request('PUT', path, body ?? {}, options),
  del: (path, options) => request('DELETE', path, undefined, options),
};
