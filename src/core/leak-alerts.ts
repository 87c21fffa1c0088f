// What a leak-detection run does with an alert, given what the rules found now and what people already did
// (ADR 0009-leak-alerts). Kept pure so the re-raise rule is tested without a database; app/leak-alerts applies the
// step with conditional updates, so several instances running the job at once agree.

/** The end of an episode: a code whose rule has not fired for this long is quiet, and its next spike is a new one. */
export const QUIET_MS = 86_400_000;

/** An acted-on alert comes back within an episode only when the 24 h count reaches this many times what people saw. */
export const RERAISE_FACTOR = 2;

export interface AlertState {
  status: 'open' | 'acknowledged' | 'resolved';
  /** last24h when a person acted on it; null while nobody has. */
  referenceCount: number | null;
  lastFiredAt: number;
}

/**
 * - `raise`: a new alert (webhook `alert.raised`).
 * - `refresh`: the live alert takes the new evidence.
 * - `reopen`: an acknowledged alert whose count doubled becomes open again, with the new evidence (`alert.raised`).
 * - `track`: a resolved alert's episode goes on (nothing shown; only its last firing time moves).
 * - `subside`: an acknowledged alert quiet for a day is resolved as `subsided`.
 * - `none`.
 */
export type AlertStep = 'raise' | 'refresh' | 'reopen' | 'track' | 'subside' | 'none';

const doubled = (last24h: number, reference: number | null) =>
  reference !== null && last24h >= RERAISE_FACTOR * reference;

/**
 * `latest` is the newest alert of the code and rule (live or not), `fired` the 24 h count when the rule fired in
 * this run, null when it did not.
 */
export function nextAlertStep(latest: AlertState | null, fired: { last24h: number } | null, now: number): AlertStep {
  const quiet = latest !== null && now - latest.lastFiredAt >= QUIET_MS;
  if (fired === null) return latest?.status === 'acknowledged' && quiet ? 'subside' : 'none';
  if (latest === null) return 'raise';
  switch (latest.status) {
    case 'open':
      return 'refresh';
    case 'acknowledged':
      // A quiet day in between makes this spike a new one, as after a resolution: show it again.
      return quiet || doubled(fired.last24h, latest.referenceCount) ? 'reopen' : 'refresh';
    case 'resolved':
      return quiet || doubled(fired.last24h, latest.referenceCount) ? 'raise' : 'track';
  }
}

/** What decides which alerts of a code are shown as one card (ADR 0009, "One card per code"). */
export interface CardAlert {
  codeId: string;
  status: AlertState['status'];
  resolvedAt: number | null;
}

/**
 * Two alerts of a code share a card while both are live (open or acknowledged), or when both were resolved at the
 * same instant (one action or one subsiding run settled them together); a resolved alert's card is history.
 */
export function sameCard(a: CardAlert, b: CardAlert): boolean {
  if (a.codeId !== b.codeId) return false;
  if (a.status !== 'resolved' && b.status !== 'resolved') return true;
  return a.status === 'resolved' && b.status === 'resolved' && a.resolvedAt === b.resolvedAt;
}

/** A card is open while any of its rules is open: one rule's new firing shows the whole code again. */
export function cardStatus(statuses: AlertState['status'][]): AlertState['status'] {
  if (statuses.includes('open')) return 'open';
  return statuses.includes('acknowledged') ? 'acknowledged' : 'resolved';
}
