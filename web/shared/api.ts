// The one way the browser talks to the admin API: same-origin JSON with the session cookie, the CSRF header on
// every state-changing request, and errors turned into ApiError values carrying the API's stable code.
import { ApiError, type ProblemDetail } from './errors.js';

export const API_BASE = '/api/v1';
let apiBase = API_BASE;
/** The API this surface talks to: the dashboard's /api/v1 (the default) or the creator portal's /api/portal. */
export function setApiBase(base: string): void {
  apiBase = base;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** The tp_csrf cookie (script-readable by design); the server compares it with X-CSRF-Token. */
export function csrfToken(): string | null {
  const m = /(?:^|;\s*)tp_csrf=([^;]*)/.exec(document.cookie);
  return m ? decodeURIComponent(m[1]!) : null;
}

let onUnauthorized: () => void = () => {};
/** Called when a request answers 401 outside /auth: the session ended, so the app shows the sign-in page. */
export function setUnauthorizedHandler(fn: () => void): void {
  onUnauthorized = fn;
}

let onPasswordChangeRequired: () => void = () => {};
/** Called on 403 password_change_required: the account signed in with a one-time password (or was reset meanwhile). */
export function setPasswordChangeHandler(fn: () => void): void {
  onPasswordChangeRequired = fn;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') params.set(k, String(v));
  const s = params.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

export interface RequestOptions {
  query?: Query;
  signal?: AbortSignal;
  /** A file upload: the body is sent as is with this content type. */
  contentType?: string;
}

async function send(method: string, path: string, body: unknown, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (!SAFE_METHODS.has(method)) {
    const csrf = csrfToken();
    if (csrf) headers['x-csrf-token'] = csrf;
  }
  let payload: BodyInit | undefined;
  if (opts.contentType) {
    headers['content-type'] = opts.contentType;
    payload = body as BodyInit;
  } else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  let res: Response;
  try {
    res = await fetch(withQuery(apiBase + path, opts.query), {
      method,
      headers,
      body: payload,
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Touchpoint could not be reached.');
  }
  if (!res.ok) {
    let problem: { code?: string; message?: string; details?: ProblemDetail[] } = {};
    try {
      problem = ((await res.json()) as { error?: typeof problem }).error ?? {};
    } catch {
      // A proxy's HTML error page, or nothing: the status alone decides the message.
    }
    const code = problem.code ?? (res.status >= 500 ? 'internal' : `http_${res.status}`);
    if (res.status === 401 && !path.startsWith('/auth/')) onUnauthorized();
    if (res.status === 403 && code === 'password_change_required') onPasswordChangeRequired();
    throw new ApiError(res.status, code, problem.message ?? res.statusText, problem.details ?? []);
  }
  return res;
}

export async function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  const res = await send(method, path, body, opts);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>('GET', path, undefined, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body),
  patch: <T>(path: string, body: unknown) => request<T>('PATCH', path, body),
  delete: <T>(path: string) => request<T>('DELETE', path),
  upload: <T>(path: string, file: Blob, contentType: string) => request<T>('POST', path, file, { contentType }),
};

/** Every page of a cursor-paged list (e.g. all members of a project), up to `max` items. */
export async function getAll<T>(path: string, query: Query = {}, max = 10_000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: T[]; nextCursor: string | null } = await api.get(path, { ...query, limit: 200, cursor });
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}

/** Downloads an export through fetch (not a plain link), so a failure shows as a message instead of a JSON page. */
export async function download(path: string, query: Query, fallbackName: string): Promise<void> {
  const res = await send('GET', path, undefined, { query });
  const disposition = res.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
