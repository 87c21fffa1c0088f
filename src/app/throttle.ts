// Counting attempts (failed logins, sign-in links asked for) in the database, so a limit holds across instances.
import { hashToken } from '../core/passwords.js';
import { clearAttempts, deleteEndedAttemptWindows, returnAttempt, takeAttempt } from '../db/users.js';
import type { AppContext } from './context.js';

export const THROTTLE_WINDOW_MS = 15 * 60_000;

/** What is counted (e.g. "login-email") and for whom; kept hashed, so the table holds neither emails nor IPs. */
export interface Limit {
  scope: string;
  value: string;
  max: number;
}

const keyOf = (l: Limit) => hashToken(`${l.scope}:${l.value}`);

/**
 * Counts an attempt against every limit before the attempt is made, or refuses it (false) when any limit is reached;
 * then nothing stays counted. Counting first is what makes the limit exact under parallel requests: each takes its
 * place with one conditional write (db/users.ts `takeAttempt`), so no more than `max` ever get through.
 */
export async function takeAttempts(ctx: AppContext, limits: Limit[]): Promise<boolean> {
  const now = ctx.clock();
  const taken: Limit[] = [];
  for (const l of limits) {
    if (!(await takeAttempt(ctx.store.db, keyOf(l), now, THROTTLE_WINDOW_MS, l.max))) {
      await returnAttempts(ctx, taken);
      return false;
    }
    taken.push(l);
  }
  return true;
}

/** Takes back attempts that turned out not to count (a correct password is not a failure). */
export async function returnAttempts(ctx: AppContext, limits: Limit[]): Promise<void> {
  for (const l of limits) await returnAttempt(ctx.store.db, keyOf(l));
}

/** A successful login forgets that account's failures (never an IP's: one good password must not reset a spray). */
export async function forgetAttempts(ctx: AppContext, limit: Limit): Promise<void> {
  await clearAttempts(ctx.store.db, keyOf(limit));
}

/** Drops the counters whose window has ended. */
export async function purgeEndedAttempts(ctx: AppContext): Promise<void> {
  await deleteEndedAttemptWindows(ctx.store.db, ctx.clock() - THROTTLE_WINDOW_MS);
}
