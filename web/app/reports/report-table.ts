// The Reports page's pure parts: the groupings and statuses offered, the table's columns and how a cell reads, the
// browser-side sort of the rows, and which chart grain a range gets. Pure, so test/web/report-table.test.ts runs it on Node.
import { formatMoney, formatNumber, formatRatio, formatSmallRatio } from '../../shared/format.js';
import type { Report, ReportGroup, ReportMetrics } from '../../../src/contract/index.js';

export type Wire = Omit<Report, 'subIdsCapped'> & {
  conversionsCount?: 'credits' | 'orders';
  unconverted?: number;
  subIdsCapped?: boolean;
};
export type Row = ReportMetrics & { key: string; label: string };
/** The order the marketer chose by a heading (or the phone's select); null: as reported. */
export type RowSort = { key: keyof Row; dir: 'asc' | 'desc' } | null;

export const GROUPS: { value: ReportGroup; label: string }[] = [
  { value: 'member', label: 'Member' },
  { value: 'code', label: 'Promo code' },
  { value: 'link', label: 'Tracking link' },
  { value: 'offer', label: 'Offer' },
  { value: 'sub_id', label: 'Sub-ID' },
  { value: 'day', label: 'Day' },
  { value: 'week', label: 'Week' },
];

/** Only conversions whose credited commission has this status; clicks have no status and are all counted. */
export const STATUSES = [
  { value: '', label: 'Any status' },
  { value: 'pending', label: 'Pending' },
  { value: 'approved', label: 'Approved' },
  { value: 'paid', label: 'Paid' },
  { value: 'reversed', label: 'Reversed' },
];

type Kind = 'count' | 'money' | 'ratio' | 'smallRatio';
export interface Column {
  key: keyof ReportMetrics;
  label: string;
  kind: Kind;
}
export const COLUMNS: Column[] = [
  { key: 'clicks', label: 'Clicks', kind: 'count' },
  { key: 'uniqueClicks', label: 'Unique clicks', kind: 'count' },
  { key: 'conversions', label: 'Conversions', kind: 'count' },
  { key: 'conversionRate', label: 'Conversion rate', kind: 'ratio' },
  { key: 'salesMinor', label: 'Sales', kind: 'money' },
  { key: 'refundsMinor', label: 'Refunds', kind: 'money' },
  { key: 'netSalesMinor', label: 'Net sales', kind: 'money' },
  { key: 'commissionMinor', label: 'Commission', kind: 'money' },
  { key: 'epcMinor', label: 'EPC', kind: 'money' },
  { key: 'codeRedemptions', label: 'Code redemptions', kind: 'count' },
  { key: 'redemptionRatePerClick', label: 'Redemption rate', kind: 'ratio' },
  { key: 'reach', label: 'Reach', kind: 'count' },
  { key: 'redemptionRatePerReach', label: 'Redemptions per reach', kind: 'smallRatio' },
  { key: 'codedRevenueShare', label: 'Coded revenue share', kind: 'ratio' },
];

/** Click measures: a code has none (clicks belong to links), so a report by code leaves these columns out. */
const CLICK_COLUMNS: readonly (keyof ReportMetrics)[] = [
  'clicks',
  'uniqueClicks',
  'conversionRate',
  'epcMinor',
  'redemptionRatePerClick',
];

/**
 * The table's columns: by code, or filtered by one code, none of the click measures (the API sends them as null: a
 * code counts the orders that used it, its member's link clicks are not its own).
 */
export function columnsFor(group: ReportGroup, oneCode = false): Column[] {
  return group === 'code' || oneCode ? COLUMNS.filter((c) => !CLICK_COLUMNS.includes(c.key)) : COLUMNS;
}

/**
 * Rows drawn at a time. A workspace with thousands of creators has thousands of rows by member, code or link; drawing
 * them all took seconds per load and per sort in Chromium, while the API answers in under 100 ms. Sorting still runs
 * over every row, and the totals are the server's, so only the drawing is cut.
 */
export const ROWS_SHOWN = 100;

/** Days between two YYYY-MM-DD dates, inclusive. */
export function spanDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** The chart's grain: long ranges by week so the chart stays readable on a phone. */
export function trendGroup(from: string, to: string): ReportGroup {
  return spanDays(from, to) > 92 ? 'week' : 'day';
}

/** A report with no click, conversion, sale or unattributed order anywhere: the page shows its empty state. */
export function isEmptyReport(r: Wire): boolean {
  return (
    !r.rows.some((x) => x.clicks || x.conversions || x.salesMinor || x.unattributed) &&
    !r.totals.clicks &&
    !r.totals.conversions
  );
}

export function cell(row: Row | ReportMetrics, c: Column, currency: string): string {
  const v = row[c.key];
  if (c.kind === 'money') return formatMoney(v as number | null, currency);
  if (c.kind === 'ratio') return formatRatio(v as string | null);
  if (c.kind === 'smallRatio') return formatSmallRatio(v as string | null);
  return formatNumber(v as number);
}

/** Ratios arrive as decimal strings; null (no denominator) sorts below every number in either direction. */
function sortValue(row: Row, key: keyof Row): number | string | null {
  const v = row[key];
  if (v === null || v === undefined) return null;
  if (key === 'label') return String(v).toLocaleLowerCase();
  if (key === 'key') return String(v);
  return typeof v === 'string' ? Number(v) : v;
}

/** The rows in the chosen order (a copy; as reported when none is chosen), nulls last either way. */
export function sortRows(rows: readonly Row[], sort: RowSort): Row[] {
  const list = [...rows];
  if (!sort) return list;
  const dir = sort.dir === 'asc' ? 1 : -1;
  return list.sort((a, b) => {
    const x = sortValue(a, sort.key);
    const y = sortValue(b, sort.key);
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    return (x < y ? -1 : 1) * dir;
  });
}

/** A click on a heading: the same heading turns the order around; another starts A–Z for the label, highest first otherwise. */
export function toggledSort(sort: RowSort, key: keyof Row): RowSort {
  return sort?.key === key
    ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' }
    : { key, dir: key === 'label' ? 'asc' : 'desc' };
}
