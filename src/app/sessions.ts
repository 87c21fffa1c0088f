// Session lifetimes and secrets, shared by the brand's users (dashboard) and members (portal).
import { hashToken, newToken } from '../core/passwords.js';

/** A session ends after a week without use, and a month after sign-in whatever happens. */
export const SESSION_IDLE_MS = 7 * 86_400_000;
export const SESSION_MAX_MS = 30 * 86_400_000;
/** last_seen_at (and the sliding expiry) is written at most once a minute per session, not on every request. */
export const SESSION_TOUCH_MS = 60_000;

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

export function isTokenShaped(value: string | undefined): value is string {
  return typeof value === 'string' && TOKEN_SHAPE.test(value);
}

export interface NewSession {
  /** Goes in the HttpOnly cookie; only its hash is stored. */
  token: string;
  tokenHash: string;
  /** Goes in the script-readable tp_csrf cookie and comes back in X-CSRF-Token. */
  csrfToken: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * `browserCsrf` is the tp_csrf cookie the browser already has, if any. One browser keeps one CSRF token, so a brand
 * person signed in to the dashboard who opens the portal in another tab does not break the dashboard's token (both
 * sessions accept it). Fixing its value buys an attacker nothing: the header can only be sent by our own origin.
 */
export function newSession(now: number, browserCsrf?: string): NewSession {
  const token = newToken();
  return {
    token,
    tokenHash: hashToken(token),
    csrfToken: isTokenShaped(browserCsrf) ? browserCsrf : newToken(),
    createdAt: now,
    expiresAt: Math.min(now + SESSION_IDLE_MS, now + SESSION_MAX_MS),
  };
}

/** The sliding expiry after a use at `now`, never past the session's absolute end; null when no write is due. */
export function slidExpiry(s: { session_created_at: number; last_seen_at: number }, now: number): number | null {
  if (now - s.last_seen_at < SESSION_TOUCH_MS) return null;
  return Math.min(now + SESSION_IDLE_MS, s.session_created_at + SESSION_MAX_MS);
}
