// Calendar months (UTC) of the time-partitioned tables, and how long raw clicks are kept (ADR 0012). Pure: the
// partition job (app/partitions.ts) and the reports' raw answer both read their months from here.

/** One calendar month in UTC: [start, end) in epoch ms, and its partition suffix ("p202612"). */
export interface Month {
  start: number;
  end: number;
  suffix: string;
}

/**
 * How far a click's created_at may be from the time in its id, for lookups by id bounded by time: the redirect makes
 * both from one clock reading, so this is only slack.
 */
export const CLICK_TIME_SLACK_MS = 86_400_000;

/** Months made ahead of the current one, so a month's first click never lands in the default partition. */
const MONTHS_AHEAD = 2;

export function monthOf(ms: number): Month {
  const d = new Date(ms);
  return monthAt(d.getUTCFullYear(), d.getUTCMonth());
}

function monthAt(year: number, monthIndex: number): Month {
  const start = Date.UTC(year, monthIndex, 1);
  const d = new Date(start);
  const end = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
  const suffix = `p${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
  return { start, end, suffix };
}

export function addMonths(month: Month, n: number): Month {
  const d = new Date(month.start);
  return monthAt(d.getUTCFullYear(), d.getUTCMonth() + n);
}

/** Every month that holds some instant of [fromMs, toMs], in order. */
export function monthsBetween(fromMs: number, toMs: number): Month[] {
  const out: Month[] = [];
  for (let m = monthOf(fromMs); m.start <= toMs; m = addMonths(m, 1)) out.push(m);
  return out;
}

/** The months the partition job makes sure exist at `now`: the current one and MONTHS_AHEAD after it. */
export function monthsToPrepare(now: number): Month[] {
  const current = monthOf(now);
  return Array.from({ length: MONTHS_AHEAD + 1 }, (_, i) => addMonths(current, i));
}

/**
 * The first instant whose raw clicks a retention of `months` keeps at `now`: the start of the month `months` before
 * the current one (the current month and `months` whole months before it are kept). Null: kept forever.
 */
export function rawClicksCutoff(now: number, months: number | null): number | null {
  if (months === null) return null;
  return addMonths(monthOf(now), -months).start;
}

/** The month of a partition suffix ("p202612"), or null for any other name (the default partition). */
export function monthOfSuffix(suffix: string): Month | null {
  const m = /^p(\d{4})(\d{2})$/.exec(suffix);
  if (!m) return null;
  const month = Number(m[2]);
  if (month < 1 || month > 12) return null;
  return monthAt(Number(m[1]), month - 1);
}
