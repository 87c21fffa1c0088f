// Report rows (SPEC §5): how the click sums and credit-line sums read for a report become its rows and totals. Both
// sources (rollups and raw rows) produce the same sums per group key; everything from there on is here, so the two
// can only differ in their inputs. Pure: the caller reads the sums, the codes, the reach and the names.
import {
  LINE_MEASURES,
  creditLines,
  type CreditLine,
  type LineMeasures,
  type ReportCommission,
  type ReportConversion,
  type ToWorkspaceCurrency,
} from './report-facts.js';
import { reportRow, type ReportAggregate, type ReportGroupBy, type ReportRow } from './report-metrics.js';
import { bucketRange, isoWeekLabel, LocalDays, weekOfDay } from './time-buckets.js';
import type { CommissionStatus } from './commission.js';
import { SUB_ID_OTHER } from './click-rollups.js';

export const REPORT_SORTS = [
  'key',
  'clicks',
  'uniqueClicks',
  'conversions',
  'salesMinor',
  'refundsMinor',
  'netSalesMinor',
  'commissionMinor',
  'codeRedemptions',
  'codedRevenueMinor',
  'linkRevenueMinor',
  'unattributed',
  'aovMinor',
  'epcMinor',
] as const;

/** A grouping, or 'none' for the sums of the whole report. */
export type ReportGroup = ReportGroupBy | 'none';

/** The filters of a report. */
export interface ReportFilters {
  offerId?: string;
  memberId?: string;
  codeId?: string;
  linkId?: string;
  status?: CommissionStatus;
}

/** What a report covers: local dates (both inclusive) in a zone, its filters, and the code filter's offer and member. */
export interface ReportScope {
  workspaceId: string;
  from: string;
  to: string;
  tz: string;
  q: ReportFilters;
  /** The code filter's offer and member (the member's reach is the report's); a code filter counts no clicks. */
  code: { offerId: string; memberId: string } | null;
}

/** Measures a row by code leaves null: clicks belong to links, so a code has no clicks and no click-based rates. */
export const CLICK_MEASURES = [
  'clicks',
  'uniqueClicks',
  'epcMinor',
  'conversionRate',
  'redemptionRatePerClick',
] as const;
type ClickMeasure = (typeof CLICK_MEASURES)[number];

/** A report row with its label; by code or filtered by a code, its click measures are null (see CLICK_MEASURES). */
export type LabeledRow = Omit<ReportRow, ClickMeasure> & {
  [K in ClickMeasure]: ReportRow[K] | null;
} & { label: string };
/** The totals of a report: a row without a label. */
export type ReportTotals = Omit<LabeledRow, 'label'>;

interface ClickSum {
  clicks: number;
  uniqueClicks: number;
}
/** Click sums and credit-line sums per group key. */
export interface Sums {
  clicks: Map<string, ClickSum>;
  lines: Map<string, LineMeasures>;
}

/**
 * A report filtered by one promo code counts what the code did (redemptions, sales, commission) and no clicks at all:
 * clicks belong to links, and its member's link clicks are not the code's (issue #16), as in a row by code.
 */
export function noClicks(s: ReportScope): boolean {
  return !!s.code;
}
/** Whether a report's rows, and with a code filter its totals too, leave the click measures null. */
export function clicklessRows(group: ReportGroupBy, q: ReportFilters): boolean {
  return group === 'code' || !!q.codeId;
}
/** The offers a click must be on (the one filtered on). */
export function clickOffers(s: ReportScope): string[] {
  return s.q.offerId ? [s.q.offerId] : [];
}
/** The members a click must be of (the one filtered on). */
export function clickMembers(s: ReportScope): string[] {
  return s.q.memberId ? [s.q.memberId] : [];
}

export function emptySums(): Sums {
  return { clicks: new Map(), lines: new Map() };
}

function addClicks(out: Sums, key: string, clicks: number, uniqueClicks: number): void {
  const c = out.clicks.get(key);
  if (c) {
    c.clicks += clicks;
    c.uniqueClicks += uniqueClicks;
  } else out.clicks.set(key, { clicks, uniqueClicks });
}

function addLine(out: Sums, key: string, m: LineMeasures): void {
  const into = out.lines.get(key);
  if (!into) {
    const copy = {} as LineMeasures;
    for (const k of LINE_MEASURES) copy[k] = m[k];
    out.lines.set(key, copy);
  } else for (const k of LINE_MEASURES) into[k] += m[k];
}

// --- Sums from the rollups ---------------------------------------------------------------------------------------

/** Click sums read from the rollups: per key (by week, per day of the week), the numbers possibly as text. */
export interface RollupClickRow {
  key: string;
  clicks: number | string | null;
  unique_clicks: number | string | null;
}
/** Credit-line sums read from the rollups: per key, each measure of LINE_MEASURES, possibly as text. */
export type RollupLineRow = Record<string, unknown> & { key: string };

/** The sums of the rows read from the rollups (by week, the days of each week summed into it). */
export function rollupSums(
  group: ReportGroup,
  clickRows: readonly RollupClickRow[],
  lineRows: readonly RollupLineRow[],
): Sums {
  // A key whose subtracted days held all its activity nets to nothing: it had no click and no credit in the range.
  const out = emptySums();
  for (const r of clickRows) {
    if (Number(r.clicks ?? 0) !== 0)
      addClicks(out, group === 'week' ? weekOfDay(r.key) : r.key, Number(r.clicks), Number(r.unique_clicks ?? 0));
  }
  for (const r of lineRows) {
    const m = {} as LineMeasures;
    for (const k of LINE_MEASURES) m[k] = Number(r[k] ?? 0);
    if (m.credits !== 0) addLine(out, group === 'week' ? weekOfDay(r.key) : r.key, m);
  }
  return out;
}

// --- Sums from the raw rows --------------------------------------------------------------------------------------

/** Raw clicks counted per local day, offer, link, member and sub-id (member and sub-id '' when none). */
export interface RawClickRow {
  day: string;
  offer_id: string;
  member_id: string;
  link_id: string;
  sub1: string;
  clicks: number;
  unique_clicks: number;
}
/** A credit line of a raw conversion, with its local day and its click's sub-id. */
export type RawLine = CreditLine & { day: string; subId: string };

function rawClickKey(group: ReportGroup, c: RawClickRow): string {
  switch (group) {
    case 'offer':
      return c.offer_id;
    case 'member':
      return c.member_id;
    case 'link':
      return c.link_id;
    case 'day':
      return c.day;
    case 'week':
      return weekOfDay(c.day);
    case 'sub_id':
      return c.sub1;
    default:
      return '';
  }
}

/** The credit lines of raw conversions that pass the filters, each on its local day in `tz`. */
export function rawLines(
  conversions: readonly (ReportConversion & {
    occurredAt: number;
    clickId: string | null;
    commissions: ReportCommission[];
  })[],
  convert: ToWorkspaceCurrency,
  tz: string,
  q: ReportFilters,
  subIds: ReadonlyMap<string, string>,
): RawLine[] {
  const days = new LocalDays(tz);
  const lines: RawLine[] = [];
  for (const c of conversions) {
    const day = days.keyOf(c.occurredAt);
    for (const l of creditLines(c, c.commissions, convert)) {
      if (q.offerId && l.offerId !== q.offerId) continue;
      if (q.memberId && l.memberId !== q.memberId) continue;
      if (q.linkId && l.linkId !== q.linkId) continue;
      if (q.codeId && l.codeId !== q.codeId) continue;
      if (q.status && l.status !== q.status) continue;
      lines.push({ ...l, day, subId: l.linkId && c.clickId ? (subIds.get(c.clickId) ?? '') : '' });
    }
  }
  return lines;
}

/** The sums of the raw rows for one grouping (by code, the clicks are one sum: only the totals have clicks). */
export function rawSums(group: ReportGroup, clickRows: readonly RawClickRow[], lines: readonly RawLine[]): Sums {
  const out = emptySums();
  for (const c of clickRows) addClicks(out, rawClickKey(group, c), c.clicks, c.unique_clicks);
  for (const l of lines) {
    const key =
      group === 'offer'
        ? l.offerId
        : group === 'member'
          ? l.memberId
          : group === 'link'
            ? l.linkId
            : group === 'code'
              ? l.codeId
              : group === 'day'
                ? l.day
                : group === 'week'
                  ? weekOfDay(l.day)
                  : group === 'sub_id'
                    ? l.subId
                    : '';
    addLine(out, key, l);
  }
  return out;
}

// --- Rows --------------------------------------------------------------------------------------------------------

/**
 * Every click and every credit line sits under exactly one key of any grouping, so the totals are the sums of all keys
 * (by code, the clicks' one key is the totals' alone: no code row claims a click).
 */
export function overall(sums: Sums): Sums {
  const out = emptySums();
  for (const c of sums.clicks.values()) addClicks(out, '', c.clicks, c.uniqueClicks);
  for (const l of sums.lines.values()) addLine(out, '', l);
  return out;
}

/** A promo code a report by code may list, with its member's reach. */
export interface ReportCode {
  id: string;
  code: string;
  offerId: string;
  memberId: string | null;
  reach: number | null;
}

/** The row keys; for a code grouping also each code's text and member's reach. */
export type ReportKeys = string[] & {
  codeNames?: Map<string, string>;
  codeReach?: Map<string, number | null>;
};

/** The rows of the report: every day or week of the range, or every key with any activity. */
export function groupKeys(
  s: Pick<ReportScope, 'from' | 'to' | 'tz'>,
  group: ReportGroupBy,
  sums: Sums,
  codes: readonly ReportCode[],
): ReportKeys {
  if (group === 'day' || group === 'week') return bucketRange(s.from, s.to, s.tz, group).map((b) => b.key);
  if (group !== 'code') return [...new Set([...sums.clicks.keys(), ...sums.lines.keys()])].sort();
  // A code's row counts the orders that used it: a code no order used in the range has no row (its member's clicks
  // are their links', not the code's).
  const keys: ReportKeys = [];
  keys.codeNames = new Map();
  keys.codeReach = new Map();
  for (const c of codes) {
    keys.codeNames.set(c.id, c.code);
    keys.codeReach.set(c.id, c.reach);
  }
  keys.push(...sums.lines.keys()); // the codes used, '' (no code), and deleted codes
  return keys.sort();
}

function aggregate(sums: Sums, key: string, byCredit: boolean, reach: number | null): ReportAggregate {
  const c = sums.clicks.get(key);
  const l = sums.lines.get(key);
  return {
    clicks: c?.clicks ?? 0,
    uniqueClicks: c?.uniqueClicks ?? 0,
    conversions: (byCredit ? l?.credits : l?.orders) ?? 0,
    unattributed: l?.unattributed ?? 0,
    salesMinor: l?.salesMinor ?? 0,
    refundsMinor: l?.refundsMinor ?? 0,
    commissionMinor: l?.commissionMinor ?? 0,
    codedRevenueMinor: l?.codedRevenueMinor ?? 0,
    linkRevenueMinor: l?.linkRevenueMinor ?? 0,
    codeRedemptions: l?.codeRedemptions ?? 0,
    reach,
  };
}

/** The key under which a reach map holds the totals' reach (no row key is it). */
export const TOTAL_REACH = '\u0000total';

/** Whether a report counts a conversion per credited party (a split order counts for each) or once per order. */
export function countsCredits(group: ReportGroupBy, q: ReportFilters): boolean {
  return ['member', 'code', 'link'].includes(group) || !!(q.memberId || q.codeId || q.linkId);
}

/**
 * The rows (labels still empty) and the totals of a report: `grouped` holds the sums per key, `total` their sum
 * (see overall), `reach` each row's reach and the totals' under TOTAL_REACH.
 */
export function reportRows(
  group: ReportGroupBy,
  q: ReportFilters,
  keys: ReportKeys,
  grouped: Sums,
  total: Sums,
  reach: ReadonlyMap<string, number | null>,
): { rows: LabeledRow[]; totals: ReportTotals } {
  const byCredit = countsCredits(group, q);
  const clickless = clicklessRows(group, q);
  const rows = keys.map((key) => {
    const row = reportRow(key, aggregate(grouped, key, byCredit, reach.get(key) ?? null)) as LabeledRow;
    row.label = ''; // set by labelRows(); assigned, not spread, since a report may have thousands of rows
    // Clicks belong to links: a code's row counts the orders that used it, and claims no click (issue #16).
    if (clickless) for (const m of CLICK_MEASURES) row[m] = null;
    return row;
  });
  const totals: ReportTotals = reportRow(
    'total',
    aggregate(total, '', !!(q.memberId || q.codeId || q.linkId), reach.get(TOTAL_REACH) ?? null),
  );
  // By code the totals keep the report's clicks (links'); filtered by one code there are none to keep.
  if (q.codeId) for (const m of CLICK_MEASURES) totals[m] = null;
  return { rows, totals };
}

/** Credit lines left out of the money for want of an exchange rate. */
export function unconvertedOf(total: Sums): number {
  return [...total.lines.values()].reduce((a, l) => a + l.unconverted, 0);
}

/** The sum of the known values; null when none is known (unknown reach stays null rather than counting as 0). */
export function sumKnown(values: (number | null | undefined)[]): number | null {
  const known = values.filter((v): v is number => typeof v === 'number');
  return known.length ? known.reduce((a, b) => a + b, 0) : null;
}

const NONE: Record<ReportGroupBy, string> = {
  offer: '(no offer)',
  member: '(no member)',
  code: '(no code)',
  link: '(no link)',
  sub_id: '(no sub-id)',
  day: '',
  week: '',
};

/** The label of the sub-id row past a link's cap. */
const SUB_ID_OTHER_LABEL = '(other)';

/** Labels the rows: a day as itself, a week as its ISO label, an id by its name (or itself), no key as "(no …)". */
export function labelRows(group: ReportGroupBy, rows: LabeledRow[], names: ReadonlyMap<string, string>): void {
  for (const r of rows) {
    r.label =
      group === 'day'
        ? r.key
        : group === 'week'
          ? isoWeekLabel(r.key)
          : group === 'sub_id'
            ? r.key === SUB_ID_OTHER
              ? SUB_ID_OTHER_LABEL
              : r.key || NONE.sub_id
            : !r.key
              ? NONE[group]
              : (names.get(r.key) ?? r.key);
  }
}

/** Orders the rows: by the sort asked for (default: time ascending, else sales descending), then by key. */
export function sortRows(
  rows: LabeledRow[],
  group: ReportGroupBy,
  q: { sort?: (typeof REPORT_SORTS)[number]; order?: 'asc' | 'desc' },
): void {
  const sort = q.sort ?? (group === 'day' || group === 'week' ? 'key' : 'salesMinor');
  const dir = (q.order ?? (sort === 'key' ? 'asc' : 'desc')) === 'asc' ? 1 : -1;
  rows.sort((a, b) => {
    const x = a[sort] ?? -Infinity;
    const y = b[sort] ?? -Infinity;
    const c = x < y ? -1 : x > y ? 1 : 0;
    return c !== 0 ? c * dir : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
  });
}
