// Counting attempts (failed logins, sign-in links asked for) in the database, so a limit holds across instances.
import { hashToken } from '../core/passwords.js';
import { clearAttempts, countAttempts, recordAttempts } from '../db/users.js';
import type { AppContext } from './context.js';

export const THROTTLE_WINDOW_MS = 15 * 60_000;

/** What is counted (e.g. "login-email") and for whom; kept hashed, so the table holds neither emails nor IPs. */
export interface Limit {
  scope: string;
  value: string;
  max: number;
}

const keyOf = (l: Limit) => hashToken(`${l.scope}:${l.value}`);

/** True when any limit has reached its maximum within the window. */
export async function overLimit(ctx: AppContext, limits: Limit[]): Promise<boolean> {
  const counts = await countAttempts(ctx.store.db, limits.map(keyOf), ctx.clock() - THROTTLE_WINDOW_MS);
  return limits.some((l) => (counts.get(keyOf(l)) ?? 0) >= l.max);
}

export async function countAttempt(ctx: AppContext, limits: Limit[]): Promise<void> {
  const now = ctx.clock();
  await recordAttempts(ctx.store.db, limits.map(keyOf), now, now - THROTTLE_WINDOW_MS);
}

/** A successful login forgets that account's failures (never an IP's: one good password must not reset a spray). */
export async function forgetAttempts(ctx: AppContext, limit: Limit): Promise<void> {
  await clearAttempts(ctx.store.db, keyOf(limit));
}
