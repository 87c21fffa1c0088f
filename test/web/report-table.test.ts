// The Reports page's pure rules: the chart's grain, the empty state, how a cell reads, and the browser-side sort.
import { describe, expect, it } from 'vitest';
import { formatMoney, formatNumber, formatRatio, formatSmallRatio } from '../../web/shared/format.js';
import type { ReportMetrics } from '../../src/contract/index.js';
import {
  cell,
  COLUMNS,
  columnsFor,
  isEmptyReport,
  sortRows,
  spanDays,
  toggledSort,
  trendGroup,
  type Row,
  type Wire,
} from '../../web/app/reports/report-table.js';

const metrics: ReportMetrics = {
  clicks: 0,
  uniqueClicks: 0,
  conversions: 0,
  unattributed: 0,
  salesMinor: 0,
  refundsMinor: 0,
  netSalesMinor: 0,
  aovMinor: null,
  commissionMinor: 0,
  epcMinor: null,
  conversionRate: null,
  codeRedemptions: 0,
  redemptionRatePerClick: null,
  reach: null,
  redemptionRatePerReach: null,
  codedRevenueMinor: 0,
  linkRevenueMinor: 0,
  codedRevenueShare: null,
};
const row = (key: string, over: Partial<Row> = {}): Row => ({ ...metrics, key, label: key, ...over });
const report = (rows: Row[], totals: Partial<ReportMetrics> = {}): Wire => ({
  groupBy: 'member',
  from: '2026-03-01',
  to: '2026-03-30',
  timezone: 'UTC',
  currency: 'EUR',
  source: 'rollups',
  rows,
  totals: { key: 'total', ...metrics, ...totals },
  unconverted: 0,
  conversionsCount: 'orders',
  rawClicksFrom: null,
});
const keys = (rows: Row[]) => rows.map((r) => r.key);

describe('the trend chart', () => {
  it('is by day up to 92 days, by week past that', () => {
    expect(spanDays('2026-03-01', '2026-03-01')).toBe(1);
    expect(spanDays('2026-03-01', '2026-03-31')).toBe(31);
    expect(spanDays('2026-03-28', '2026-03-30')).toBe(3); // across a daylight-saving change: calendar days
    expect(trendGroup('2026-01-01', '2026-04-02')).toBe('day'); // 92 days
    expect(trendGroup('2026-01-01', '2026-04-03')).toBe('week');
  });
});

describe('the empty state', () => {
  it('shows when no row and no total has any activity', () => {
    expect(isEmptyReport(report([row('m1'), row('m2')]))).toBe(true);
    expect(isEmptyReport(report([]))).toBe(true);
    expect(isEmptyReport(report([row('m1', { unattributed: 1 })]))).toBe(false);
    expect(isEmptyReport(report([row('m1', { salesMinor: 100 })]))).toBe(false);
    // Rows can be cut by a limit; the totals still tell.
    expect(isEmptyReport(report([], { clicks: 3 }))).toBe(false);
    expect(isEmptyReport(report([], { conversions: 1 }))).toBe(false);
  });
});

describe('table cells', () => {
  it('format each column by its kind', () => {
    const r = row('m1', {
      clicks: 1234,
      salesMinor: 123450,
      conversionRate: '0.0125',
      redemptionRatePerReach: '0.00000476',
      reach: null,
    });
    const by = (key: keyof ReportMetrics) =>
      cell(
        r,
        COLUMNS.find((c) => c.key === key)!,
        'EUR',
      );
    expect(by('clicks')).toBe(formatNumber(1234));
    expect(by('salesMinor')).toBe(formatMoney(123450, 'EUR'));
    expect(by('conversionRate')).toBe(formatRatio('0.0125'));
    expect(by('redemptionRatePerReach')).toBe(formatSmallRatio('0.00000476'));
    expect(by('epcMinor')).toBe('—');
    expect(by('reach')).toBe('—');
  });
});

describe('sorting the rows', () => {
  const rows = [
    row('a', { label: 'bravo', salesMinor: 500, conversionRate: '0.5' }),
    row('b', { label: 'Alpha', salesMinor: 900, conversionRate: null }),
    row('c', { label: 'charlie', salesMinor: 100, conversionRate: '0.25' }),
  ];

  it('keeps the order reported when none is chosen, as a copy', () => {
    const out = sortRows(rows, null);
    expect(keys(out)).toEqual(['a', 'b', 'c']);
    expect(out).not.toBe(rows);
  });

  it('sorts numbers, ratio strings as numbers, and labels without case; nulls last both ways', () => {
    expect(keys(sortRows(rows, { key: 'salesMinor', dir: 'desc' }))).toEqual(['b', 'a', 'c']);
    expect(keys(sortRows(rows, { key: 'conversionRate', dir: 'desc' }))).toEqual(['a', 'c', 'b']);
    expect(keys(sortRows(rows, { key: 'conversionRate', dir: 'asc' }))).toEqual(['c', 'a', 'b']);
    expect(keys(sortRows(rows, { key: 'label', dir: 'asc' }))).toEqual(['b', 'a', 'c']);
    expect(keys(sortRows(rows, { key: 'key', dir: 'desc' }))).toEqual(['c', 'b', 'a']);
    expect(keys(rows)).toEqual(['a', 'b', 'c']);
  });

  it('turns the order around on a second click of a heading; a new heading starts A–Z for labels, highest first else', () => {
    expect(toggledSort(null, 'label')).toEqual({ key: 'label', dir: 'asc' });
    expect(toggledSort(null, 'clicks')).toEqual({ key: 'clicks', dir: 'desc' });
    expect(toggledSort({ key: 'clicks', dir: 'desc' }, 'clicks')).toEqual({ key: 'clicks', dir: 'asc' });
    expect(toggledSort({ key: 'clicks', dir: 'asc' }, 'clicks')).toEqual({ key: 'clicks', dir: 'desc' });
    expect(toggledSort({ key: 'clicks', dir: 'asc' }, 'label')).toEqual({ key: 'label', dir: 'asc' });
  });
});

describe('columnsFor', () => {
  it('leaves the click measures out of a report by code (clicks belong to links), and keeps them otherwise', () => {
    const byCode = columnsFor('code').map((c) => c.key);
    for (const k of ['clicks', 'uniqueClicks', 'conversionRate', 'epcMinor', 'redemptionRatePerClick'])
      expect(byCode).not.toContain(k);
    expect(byCode).toEqual(expect.arrayContaining(['conversions', 'salesMinor', 'commissionMinor', 'codeRedemptions']));
    expect(columnsFor('member')).toBe(COLUMNS);
    expect(columnsFor('day', true).map((c) => c.key)).toEqual(byCode);
  });
});
