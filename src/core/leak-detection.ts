// SPEC §5 leak detection. A personalized code that got posted to a coupon site (or a generic one that went viral)
// shows up two ways: redemptions far above the code's own normal, or orders that arrive without a click from the
// member who owns the code. Both rules are cheap to compute from counts the store already keeps, and every alert
// carries the numbers that triggered it, so a person can judge it before disabling or rotating the code.
import { addDays, dayKey, isDateKey } from './time-buckets.js';

/**
 * The baseline: the 28 local dates before the date that holds the start of the last 24 h. Four whole weeks, so each
 * weekday weighs the same, and no baseline day overlaps the 24 h being judged, so a spike never raises its own bar.
 * Days with no redemptions count as 0: a code used on fewer than half of those days has a median of 0, and then the
 * floor alone decides (a brand-new code's first big day is flagged too; leaks happen on launch day as well).
 * With k = 5 the median sits ~15.5 days behind the last 24 h, so steady growth below ~10.9 %/day (1.109^15.5 ≈ 5)
 * is never flagged, however long it lasts.
 */
export const BASELINE_DAYS = 28;

export const LEAK_DEFAULTS = { floor: 20, k: 5, minOrdersForClickRule: 10, noClickShare: 0.8 } as const;

/** Referrers kept in the evidence: enough to spot the coupon site, short enough to read. */
export const TOP_REFERRERS = 5;

export interface DailyCount {
  /** Local date 'YYYY-MM-DD' in the workspace's zone. */
  day: string;
  count: number;
}

export interface CodeActivity {
  codeId: string;
  /** The member a personalized code belongs to; null for a generic code. */
  memberId: string | null;
  /** Redemptions per local date; dates not listed had none, dates outside the series are ignored. */
  dailyRedemptions: DailyCount[];
  /** Redemptions in (now − 24 h, now]. */
  last24h: number;
  /** Orders with the code in (now − 24 h, now], and how many of them had a click from the code's member. */
  ordersLast24h: number;
  ordersWithMemberClick: number;
  /** Referrer hosts of the code's recent orders, when the tag saw them. */
  referrers?: { host: string; count: number }[];
}

export interface LeakInput {
  /** Epoch ms; time is an argument so a run can be replayed. */
  now: number;
  tz: string;
  codes: CodeActivity[];
  floor?: number;
  k?: number;
  minOrdersForClickRule?: number;
  noClickShare?: number;
}

export type LeakRule = 'spike' | 'no_click';

export interface LeakEvidence {
  /** Redemptions per local date from the baseline's first date to the date of `now`, zeros filled, oldest first. */
  series: DailyCount[];
  baselineFrom: string;
  baselineTo: string;
  baselineMedian: number;
  last24h: number;
  floor: number;
  k: number;
  ordersLast24h: number;
  /** Share (4 decimals) of the last 24 h's orders without a click from the member: personalized codes with orders. */
  noClickShare?: number;
  topReferrers?: { host: string; count: number }[];
}

export interface LeakAlert {
  codeId: string;
  rule: LeakRule;
  evidence: LeakEvidence;
}

const HOUR_24 = 86_400_000;

function assertCount(name: string, n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${name} must be a non-negative integer: ${n}`);
}

function assertSetting(name: string, n: number, valid: boolean): void {
  if (!Number.isFinite(n) || !valid) throw new RangeError(`${name} out of range: ${n}`);
}

/** The middle value; the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function topReferrers(referrers: { host: string; count: number }[]): { host: string; count: number }[] {
  const byHost = new Map<string, number>();
  for (const r of referrers) {
    assertCount(`referrer ${r.host} count`, r.count);
    const host = r.host.trim().toLowerCase();
    byHost.set(host, (byHost.get(host) ?? 0) + r.count);
  }
  return [...byHost]
    .map(([host, count]) => ({ host, count }))
    .sort((a, b) => b.count - a.count || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
    .slice(0, TOP_REFERRERS);
}

export function detectLeaks(input: LeakInput): LeakAlert[] {
  const floor = input.floor ?? LEAK_DEFAULTS.floor;
  const k = input.k ?? LEAK_DEFAULTS.k;
  const minOrders = input.minOrdersForClickRule ?? LEAK_DEFAULTS.minOrdersForClickRule;
  const threshold = input.noClickShare ?? LEAK_DEFAULTS.noClickShare;
  assertSetting('floor', floor, floor >= 0);
  assertSetting('k', k, k > 0);
  assertSetting('minOrdersForClickRule', minOrders, Number.isSafeInteger(minOrders) && minOrders >= 1);
  assertSetting('noClickShare', threshold, threshold > 0 && threshold <= 1);

  const today = dayKey(input.now, input.tz);
  const baselineTo = addDays(dayKey(input.now - HOUR_24, input.tz), -1);
  const baselineFrom = addDays(baselineTo, 1 - BASELINE_DAYS);
  const days: string[] = [];
  for (let d = baselineFrom; d <= today; d = addDays(d, 1)) days.push(d);

  const alerts: LeakAlert[] = [];
  const seen = new Set<string>();
  for (const code of input.codes) {
    if (seen.has(code.codeId)) throw new RangeError(`code ${code.codeId} listed twice`);
    seen.add(code.codeId);
    assertCount('last24h', code.last24h);
    assertCount('ordersLast24h', code.ordersLast24h);
    assertCount('ordersWithMemberClick', code.ordersWithMemberClick);
    if (code.ordersWithMemberClick > code.ordersLast24h) {
      throw new RangeError(`code ${code.codeId}: more orders with a click than orders`);
    }

    const counts = new Map<string, number>();
    for (const { day, count } of code.dailyRedemptions) {
      // A date twice means a grouping bug upstream; summing it would double the baseline silently.
      if (!isDateKey(day) || counts.has(day)) throw new RangeError(`code ${code.codeId}: bad or repeated day ${day}`);
      assertCount(`redemptions on ${day}`, count);
      counts.set(day, count);
    }
    const series = days.map((day) => ({ day, count: counts.get(day) ?? 0 }));
    const baselineMedian = median(series.slice(0, BASELINE_DAYS).map((d) => d.count));

    const evidence: LeakEvidence = {
      series,
      baselineFrom,
      baselineTo,
      baselineMedian,
      last24h: code.last24h,
      floor,
      k,
      ordersLast24h: code.ordersLast24h,
    };
    // Generic codes belong to no member, so "no click from the member" means nothing for them.
    let noClick = 0;
    if (code.memberId !== null && code.ordersLast24h > 0) {
      noClick = (code.ordersLast24h - code.ordersWithMemberClick) / code.ordersLast24h;
      evidence.noClickShare = Math.round(noClick * 10_000) / 10_000;
    }
    if (code.referrers && code.referrers.length > 0) evidence.topReferrers = topReferrers(code.referrers);

    // Both rules may fire for one code; each alert gets its own copy so storing or editing one leaves the other.
    if (code.last24h > floor && code.last24h > k * baselineMedian) {
      alerts.push({ codeId: code.codeId, rule: 'spike', evidence });
    }
    if (code.memberId !== null && code.ordersLast24h >= minOrders && noClick >= threshold) {
      alerts.push({ codeId: code.codeId, rule: 'no_click', evidence: structuredClone(evidence) });
    }
  }
  // Callers diff runs and store alerts: the same input gives the same list, in code order, spike before no_click.
  return alerts.sort((a, b) => (a.codeId < b.codeId ? -1 : a.codeId > b.codeId ? 1 : a.rule === 'spike' ? -1 : 1));
}
