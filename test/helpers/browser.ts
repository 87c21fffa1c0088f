// A browser's cookie jar over real HTTP: what the dashboard and the portal do with their session cookies.
import type { TestApp } from './app.js';
import { jsonOrNull } from './json.js';

export interface BrowserResponse {
  status: number;
  headers: Headers;
  /** Raw Set-Cookie lines of this response. */
  setCookies: string[];
  body: string;
  data: any;
}

export interface Browser {
  cookies: Map<string, string>;
  /** A JSON request; state-changing ones carry X-CSRF-Token from the tp_csrf cookie unless `csrf` says otherwise. */
  request(
    method: string,
    path: string,
    body?: unknown,
    opts?: { csrf?: string | null; headers?: Record<string, string> },
  ): Promise<BrowserResponse>;
  /** A navigation (no redirect following), as when a link in an email is opened. */
  open(path: string): Promise<BrowserResponse>;
}

/** Starts listening on a free local port; the app is closed by the TestApp's own close(). */
export async function listen(t: TestApp): Promise<string> {
  await t.built.app.listen({ port: 0, host: '127.0.0.1' });
  const address = t.built.app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return `http://127.0.0.1:${address.port}`;
}

/** The cookie's attributes, lower-cased names, e.g. { httponly: '', samesite: 'Lax', path: '/' }. */
export function cookieAttributes(line: string): { name: string; value: string; attrs: Record<string, string> } {
  const [pair, ...rest] = line.split(';').map((p) => p.trim());
  const eq = pair!.indexOf('=');
  const attrs: Record<string, string> = {};
  for (const a of rest) {
    const i = a.indexOf('=');
    attrs[(i < 0 ? a : a.slice(0, i)).toLowerCase()] = i < 0 ? '' : a.slice(i + 1);
  }
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attrs };
}

export function newBrowser(base: string): Browser {
  const cookies = new Map<string, string>();
  const send = async (
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string> },
  ): Promise<BrowserResponse> => {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(base + path, {
      method,
      redirect: 'manual',
      ...(init.body !== undefined ? { body: init.body } : {}),
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
    });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const { name, value, attrs } = cookieAttributes(line);
      if (attrs['max-age'] === '0' || value === '') cookies.delete(name);
      else cookies.set(name, value);
    }
    const body = await res.text();
    return { status: res.status, headers: res.headers, setCookies, body, data: jsonOrNull(body) as unknown };
  };
  return {
    cookies,
    request(method, path, body, opts = {}) {
      const csrf = opts.csrf === undefined ? cookies.get('tp_csrf') : opts.csrf;
      const headers: Record<string, string> = {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(csrf && method !== 'GET' ? { 'x-csrf-token': csrf } : {}),
        ...opts.headers,
      };
      return send(method, path, { ...(body !== undefined ? { body: JSON.stringify(body) } : {}), headers });
    },
    open(path) {
      return send('GET', path, {});
    },
  };
}

/** The named cookie a response set, with its attributes; fails the test when it was not set. */
export function setCookie(res: BrowserResponse, name: string): ReturnType<typeof cookieAttributes> {
  const found = res.setCookies.map(cookieAttributes).find((c) => c.name === name);
  if (!found) throw new Error(`no Set-Cookie ${name} in ${JSON.stringify(res.setCookies)}`);
  return found;
}
