// api.js - the one door to the server: /api/v1 with the session cookie.
// Writes send X-CSRF-Token (from the readable litecrm_csrf cookie) and,
// for records, If-Match with the version read. Failures throw ApiError.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

function csrf() {
  const m = document.cookie.match(/(?:^|;\s*)litecrm_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : sessionStorage.getItem('csrf') || '';
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {}))
    if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const t = u.toString();
  return t ? `?${t}` : '';
}

// api(method, path, {body, version, query, file}) -> parsed JSON (or null for 204).
// file (a Blob or ArrayBuffer) is sent as the body itself, for the import.
export async function api(method, path, { body, version, query, file } = {}) {
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (file !== undefined) headers['Content-Type'] = 'text/csv';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf();
  if (version) headers['If-Match'] = `"${version}"`;
  let r;
  try {
    r = await fetch(`/api/v1${path}${qs(query)}`, {
      method,
      headers,
      body: file !== undefined ? file : body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (e) {
    throw new ApiError(0, 'network', e.message);
  }
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!r.ok) {
    const err = json && json.error ? json.error : {};
    const e = new ApiError(r.status, err.code || `http.${r.status}`, err.message || r.statusText, err.field);
    if (r.status === 401 && path !== '/login') onUnauthorized(e);
    throw e;
  }
  return json;
}

// prime(path, query) starts a GET now; the next get() of the same path and
// query takes its answer. app.js primes the first page's data so that it
// loads alongside the session's instead of after it.
const primed = new Map();
export function prime(path, query) {
  const p = api('GET', path, { query });
  p.catch(() => {}); // the get() that takes it sees the failure
  primed.set(path + qs(query), p);
}

export function get(path, query) {
  const key = path + qs(query);
  const p = primed.get(key);
  if (!p) return api('GET', path, { query });
  primed.delete(key);
  return p;
}
