// The session cookies of the dashboard (tp_session) and the portal (tp_member), and the script-readable tp_csrf.
import type { FastifyReply } from 'fastify';
import { SESSION_MAX_MS } from '../app/sessions.js';

// The session routes read their cookies with the parser the tracking routes use.
import { readCookie } from '../core/cookies.js';

export { readCookie };

export const USER_COOKIE = 'tp_session';
export const MEMBER_COOKIE = 'tp_member';
export const CSRF_COOKIE = 'tp_csrf';
export const CSRF_HEADER = 'x-csrf-token';

/** Secure whenever the public origin is https; a plain-http origin (localhost) could not send it back otherwise. */
function attributes(secure: boolean, maxAgeSeconds: number, httpOnly: boolean): string {
  return `Path=/; Max-Age=${maxAgeSeconds}; SameSite=Lax${httpOnly ? '; HttpOnly' : ''}${secure ? '; Secure' : ''}`;
}

export function sessionCookies(
  name: typeof USER_COOKIE | typeof MEMBER_COOKIE,
  s: { token: string; csrfToken: string },
  secure: boolean,
): string[] {
  const maxAge = Math.floor(SESSION_MAX_MS / 1000);
  return [
    `${name}=${s.token}; ${attributes(secure, maxAge, true)}`,
    `${CSRF_COOKIE}=${s.csrfToken}; ${attributes(secure, maxAge, false)}`,
  ];
}

export function clearedCookie(name: string, secure: boolean): string {
  return `${name}=; ${attributes(secure, 0, name !== CSRF_COOKIE)}`;
}

/** Fastify appends to an existing set-cookie header rather than replacing it. */
/**
 * Signing out of one surface (dashboard or portal) clears its session cookie, and the CSRF cookie the two share only
 * when the same browser is not still signed in to the other.
 */
export function signedOutCookies(
  cookieHeader: string | undefined,
  ended: string,
  other: string,
  secure: boolean,
): string[] {
  const cookies = [clearedCookie(ended, secure)];
  if (!readCookie(cookieHeader, other)) cookies.push(clearedCookie(CSRF_COOKIE, secure));
  return cookies;
}

export function setCookies(reply: FastifyReply, cookies: string[]): void {
  reply.header('set-cookie', cookies);
}

export function isSecureOrigin(baseUrl: string): boolean {
  return baseUrl.startsWith('https:');
}
