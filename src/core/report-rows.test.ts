import { describe, expect, it } from 'vitest';
import { LINE_MEASURES, type CreditLine, type LineMeasures, type ReportConversion } from './report-facts.js';
import {
  clickMembers,
  clickOffers,
  countsCredits,
  emptySums,
  groupKeys,
  labelRows,
  noClicks,
  overall,
  rawLines,
  rawSums,
  reportRows,
  rollupSums,
  sortRows,
  sumKnown,
  TOTAL_REACH,
  unconvertedOf,
  type LabeledRow,
  type RawClickRow,
  type RawLine,
  type ReportCode,
  type ReportScope,
} from './report-rows.js';

const noLine: LineMeasures = Object.fromEntries(LINE_MEASURES.map((m) => [m, 0])) as LineMeasures;
const measures = (over: Partial<LineMeasures>): LineMeasures => ({ ...noLine, ...over });
const line = (over: Partial<RawLine>): RawLine => ({
  ...noLine,
  offerId: 'o1',
  memberId: '',
  linkId: '',
  codeId: '',
  status: 'none',
  day: '2026-03-02',
  subId: '',
  ...over,
});
const clicks = (over: Partial<RawClickRow>): RawClickRow => ({
  day: '2026-03-02',
  offer_id: 'o1',
  member_id: 'm1',
  link_id: 'l1',
  sub1: '',
  clicks: 0,
  unique_clicks: 0,
  ...over,
});
const scope = (over: Partial<ReportScope> = {}): ReportScope => ({
  workspaceId: 'w',
  from: '2026-03-01',
  to: '2026-03-03',
  tz: 'UTC',
  q: {},
  code: null,
  ...over,
});
const reach = new Map<string, number | null>();

describe('the clicks a report counts', () => {
  it('are those of the offer and member filtered on, and none at all with a code filter (clicks belong to links)', () => {
    const s = scope({ q: { offerId: 'o2', memberId: 'm2' } });
    expect(clickOffers(s)).toEqual(['o2']);
    expect(clickMembers(s)).toEqual(['m2']);
    expect(noClicks(s)).toBe(false);
    expect(noClicks(scope({ q: { codeId: 'c1' }, code: { offerId: 'o1', memberId: 'm1' } }))).toBe(true);
    expect(noClicks(scope({ q: { codeId: 'c2' }, code: { offerId: 'o1', memberId: '' } }))).toBe(true);
    expect(noClicks(scope())).toBe(false);
    expect([clickOffers(scope()), clickMembers(scope())]).toEqual([[], []]);
  });

  it('leave a code-filtered report’s rows and totals without click measures', () => {
    const sums = emptySums();
    sums.clicks.set('2026-03-01', { clicks: 9, uniqueClicks: 9 }); // would be the member's link clicks
    sums.lines.set('2026-03-01', measures({ orders: 1, credits: 1, salesMinor: 500, codeRedemptions: 1 }));
    const keys = groupKeys(scope(), 'day', sums, []);
    const { rows, totals } = reportRows('day', { codeId: 'c1' }, keys, sums, overall(sums), reach);
    const none = {
      clicks: null,
      uniqueClicks: null,
      epcMinor: null,
      conversionRate: null,
      redemptionRatePerClick: null,
    };
    expect(rows[0]).toMatchObject({ ...none, conversions: 1, codeRedemptions: 1, salesMinor: 500 });
    expect(totals).toMatchObject({ ...none, conversions: 1, codeRedemptions: 1, salesMinor: 500 });
    expect(reportRows('day', {}, keys, sums, overall(sums), reach).totals.clicks).toBe(9);
  });
});

describe('rawSums', () => {
  const clickRows = [
    clicks({ clicks: 10, unique_clicks: 8 }),
    clicks({ day: '2026-03-03', member_id: 'm2', link_id: 'l2', sub1: 'story', clicks: 5, unique_clicks: 5 }),
  ];
  const lines = [
    line({ memberId: 'm1', linkId: 'l1', orders: 1, credits: 1, salesMinor: 1_000 }),
    line({ day: '2026-03-09', memberId: 'm2', codeId: 'c2', orders: 0, credits: 1, salesMinor: 500, subId: 'story' }),
  ];

  it('sums clicks and lines under each grouping’s key', () => {
    const byDay = rawSums('day', clickRows, lines);
    expect([...byDay.clicks]).toEqual([
      ['2026-03-02', { clicks: 10, uniqueClicks: 8 }],
      ['2026-03-03', { clicks: 5, uniqueClicks: 5 }],
    ]);
    expect([...byDay.lines.keys()]).toEqual(['2026-03-02', '2026-03-09']);
    const byWeek = rawSums('week', clickRows, lines);
    expect([...byWeek.clicks]).toEqual([['2026-03-02', { clicks: 15, uniqueClicks: 13 }]]);
    expect(byWeek.lines.get('2026-03-09')?.salesMinor).toBe(500);
    expect([...rawSums('sub_id', clickRows, lines).clicks.keys()]).toEqual(['', 'story']);
    expect([...rawSums('link', clickRows, lines).lines.keys()]).toEqual(['l1', '']);
    const none = rawSums('none', clickRows, lines);
    expect(none.clicks.get('')).toEqual({ clicks: 15, uniqueClicks: 13 });
    expect(none.lines.get('')).toMatchObject({ orders: 1, credits: 2, salesMinor: 1_500 });
  });

  it('sums the clicks once when grouped by code (only the totals have clicks), lines by code', () => {
    const byCode = rawSums('code', clickRows, lines);
    expect([...byCode.clicks]).toEqual([['', { clicks: 15, uniqueClicks: 13 }]]);
    expect([...byCode.lines.keys()]).toEqual(['', 'c2']);
  });

  it('copies the first line of a key rather than keeping it', () => {
    const first = line({ credits: 1 });
    rawSums('none', [], [first, line({ credits: 1 })]);
    expect(first.credits).toBe(1);
  });
});

describe('rawLines', () => {
  const conversion = (over: Partial<ReportConversion> & { clickId?: string | null } = {}) => ({
    status: 'credited' as const,
    isTest: false,
    reportedOfferId: 'o1',
    amountMinor: 1_000,
    currency: 'EUR',
    refundedMinor: 0,
    decision: {
      credits: [{ offerId: 'o1', memberId: 'm1', source: 'click' as const, shareBps: 10_000 }],
      linkId: 'l1',
      codeId: null,
    },
    occurredAt: Date.parse('2026-03-02T23:30:00Z'),
    clickId: 'k1' as string | null,
    commissions: [],
    ...over,
  });
  const same = (minor: number) => minor;

  it('puts each line on its local day, with its click’s sub-id when it came by link', () => {
    const [l] = rawLines([conversion()], same, 'Europe/Paris', {}, new Map([['k1', 'story']]));
    expect(l).toMatchObject({ day: '2026-03-03', memberId: 'm1', linkId: 'l1', subId: 'story', salesMinor: 1_000 });
    const [coded] = rawLines(
      [
        conversion({
          decision: { credits: [{ offerId: 'o1', memberId: 'm1', source: 'code', shareBps: 10_000 }], codeId: 'c1' },
        }),
      ],
      same,
      'UTC',
      {},
      new Map([['k1', 'story']]),
    );
    expect(coded).toMatchObject({ day: '2026-03-02', codeId: 'c1', subId: '' });
  });

  it('keeps only the lines that pass every filter', () => {
    const all = [conversion(), conversion({ reportedOfferId: 'o2', status: 'unattributed', decision: {} })];
    expect(rawLines(all, same, 'UTC', {}, new Map())).toHaveLength(2);
    expect(rawLines(all, same, 'UTC', { offerId: 'o2' }, new Map()).map((l: CreditLine) => l.offerId)).toEqual(['o2']);
    expect(rawLines(all, same, 'UTC', { memberId: 'm1' }, new Map())).toHaveLength(1);
    expect(rawLines(all, same, 'UTC', { linkId: 'l2' }, new Map())).toHaveLength(0);
    expect(rawLines(all, same, 'UTC', { codeId: 'c1' }, new Map())).toHaveLength(0);
    expect(rawLines(all, same, 'UTC', { status: 'pending' }, new Map())).toHaveLength(0);
  });
});

describe('rollupSums', () => {
  it('reads text numbers, sums the days of a week, and drops keys that net to nothing', () => {
    const sums = rollupSums(
      'week',
      [
        { key: '2026-03-02', clicks: '4', unique_clicks: '3' },
        { key: '2026-03-04', clicks: 6, unique_clicks: null },
        { key: '2026-03-09', clicks: 0, unique_clicks: 0 },
      ],
      [
        { key: '2026-03-03', credits: '2', orders: '2', salesMinor: '700' },
        { key: '2026-03-10', credits: 0, salesMinor: 0 },
      ],
    );
    expect([...sums.clicks]).toEqual([['2026-03-02', { clicks: 10, uniqueClicks: 3 }]]);
    expect([...sums.lines]).toEqual([['2026-03-02', measures({ credits: 2, orders: 2, salesMinor: 700 })]]);
  });

  it('keeps the key as read for other groupings', () => {
    const sums = rollupSums(
      'member',
      [{ key: 'm1', clicks: 1, unique_clicks: 1 }],
      [{ key: '', credits: 1, unattributed: 1 }],
    );
    expect([...sums.clicks.keys(), ...sums.lines.keys()]).toEqual(['m1', '']);
  });
});

describe('rows of a report by code', () => {
  const codes: ReportCode[] = [
    { id: 'c1', code: 'ANNA10', offerId: 'o1', memberId: 'm1', reach: 1_000 },
    { id: 'c2', code: 'ANNA20', offerId: 'o1', memberId: 'm1', reach: 1_000 },
    { id: 'c3', code: 'BOB10', offerId: 'o1', memberId: 'm2', reach: null },
    { id: 'c4', code: 'SPRING', offerId: 'o1', memberId: null, reach: null },
  ];
  // Clicks by code are one sum under '' (rawSums, readRollupSums), the key the uncoded lines have too.
  const grouped = emptySums();
  grouped.clicks.set('', { clicks: 107, uniqueClicks: 97 });
  grouped.lines.set(
    'c1',
    measures({ orders: 2, credits: 2, salesMinor: 4_000, commissionMinor: 400, codeRedemptions: 2 }),
  );
  grouped.lines.set('c4', measures({ orders: 1, credits: 1, salesMinor: 2_000, codeRedemptions: 1 }));
  grouped.lines.set('', measures({ orders: 2, credits: 3, salesMinor: 3_000, unconverted: 1 }));
  grouped.lines.set('gone', measures({ orders: 1, credits: 1, salesMinor: 100 })); // a deleted code

  it('lists the codes orders used, the uncoded lines and deleted codes; not a code whose member only had clicks', () => {
    const keys = groupKeys(scope(), 'code', grouped, codes);
    expect([...keys]).toEqual(['', 'c1', 'c4', 'gone']);
    expect(keys.codeNames?.get('c3')).toBe('BOB10');
    expect(keys.codeReach?.get('c1')).toBe(1_000);
  });

  it('counts what each code did, with no clicks or click-based rates; the totals keep the clicks', () => {
    const keys = groupKeys(scope(), 'code', grouped, codes);
    const total = overall(grouped);
    const { rows, totals } = reportRows(
      'code',
      {},
      keys,
      grouped,
      total,
      new Map([
        ['c1', 1_000],
        [TOTAL_REACH, 5_000],
      ]),
    );
    const byKey = new Map(rows.map((r) => [r.key, r]));
    const noClickMeasures = {
      clicks: null,
      uniqueClicks: null,
      epcMinor: null,
      conversionRate: null,
      redemptionRatePerClick: null,
    };
    expect(byKey.get('c1')).toMatchObject({
      ...noClickMeasures,
      conversions: 2,
      salesMinor: 4_000,
      commissionMinor: 400,
      codeRedemptions: 2,
      aovMinor: 2_000,
      reach: 1_000,
      redemptionRatePerReach: '0.00200000',
      label: '',
    });
    expect(byKey.get('c4')).toMatchObject({ ...noClickMeasures, conversions: 1, salesMinor: 2_000 });
    // By code, each credited party counts; the totals (no member, code or link filter) count orders. The uncoded row
    // shares the clicks' key and still claims none.
    expect(byKey.get('')).toMatchObject({ ...noClickMeasures, conversions: 3 });
    expect(totals).toMatchObject({ key: 'total', clicks: 107, conversions: 6, salesMinor: 9_100, reach: 5_000 });
    expect(unconvertedOf(total)).toBe(1);
  });
});

describe('rows', () => {
  it('are every day of the range for a time grouping, every active key otherwise', () => {
    const sums = emptySums();
    sums.clicks.set('b', { clicks: 1, uniqueClicks: 1 });
    sums.lines.set('a', measures({ credits: 1 }));
    sums.lines.set('b', measures({ credits: 1 }));
    expect([...groupKeys(scope(), 'day', sums, [])]).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect([...groupKeys(scope({ to: '2026-03-10' }), 'week', sums, [])]).toEqual([
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
    ]);
    expect([...groupKeys(scope(), 'member', sums, [])]).toEqual(['a', 'b']);
  });

  it('count credits by member, code or link, or with such a filter, and orders otherwise', () => {
    expect(['member', 'code', 'link'].map((g) => countsCredits(g as 'member', {}))).toEqual([true, true, true]);
    expect(['offer', 'day', 'week', 'sub_id'].map((g) => countsCredits(g as 'offer', {}))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(countsCredits('day', { memberId: 'm1' })).toBe(true);
    expect(countsCredits('offer', { offerId: 'o1', status: 'paid' })).toBe(false);
    const sums = emptySums();
    sums.lines.set('o1', measures({ orders: 1, credits: 2 }));
    const keys = groupKeys(scope(), 'offer', sums, []);
    expect(reportRows('offer', {}, keys, sums, overall(sums), reach).rows[0]).toMatchObject({
      conversions: 1,
      reach: null,
    });
    const filtered = reportRows('offer', { linkId: 'l1' }, keys, sums, overall(sums), reach);
    expect([filtered.rows[0]!.conversions, filtered.totals.conversions]).toEqual([2, 2]);
  });
});

describe('labelRows', () => {
  const rows = (...keys: string[]) => keys.map((key) => ({ key, label: '' }) as LabeledRow);
  it('names ids, says "(no …)" for the empty key, and shows days and ISO weeks', () => {
    const names = new Map([['c1', 'ANNA10']]);
    const coded = rows('c1', '', 'gone');
    labelRows('code', coded, names);
    expect(coded.map((r) => r.label)).toEqual(['ANNA10', '(no code)', 'gone']);
    for (const [group, none] of [
      ['offer', '(no offer)'],
      ['member', '(no member)'],
      ['link', '(no link)'],
      ['sub_id', '(no sub-id)'],
    ] as const) {
      const r = rows('');
      labelRows(group, r, names);
      expect(r[0]!.label).toBe(none);
    }
    const subIds = rows('story');
    labelRows('sub_id', subIds, new Map([['story', 'not a name']]));
    expect(subIds[0]!.label).toBe('story');
    const days = rows('2026-03-02');
    labelRows('day', days, names);
    expect(days[0]!.label).toBe('2026-03-02');
    const weeks = rows('2020-12-28');
    labelRows('week', weeks, names);
    expect(weeks[0]!.label).toBe('2020-W53');
  });
});

describe('sortRows', () => {
  const row = (key: string, salesMinor: number, aovMinor: number | null) =>
    ({ key, salesMinor, aovMinor, label: '' }) as LabeledRow;
  const keys = (rows: LabeledRow[]) => rows.map((r) => r.key);

  it('puts time in order and the rest by sales, highest first, ties by key', () => {
    const days = [row('2026-03-02', 5, null), row('2026-03-01', 9, null)];
    sortRows(days, 'day', {});
    expect(keys(days)).toEqual(['2026-03-01', '2026-03-02']);
    const members = [row('b', 5, null), row('c', 9, null), row('a', 5, null)];
    sortRows(members, 'member', {});
    expect(keys(members)).toEqual(['c', 'a', 'b']);
  });

  it('sorts by the column and order asked for, null below every number', () => {
    const rows = [row('a', 1, null), row('b', 1, 300), row('c', 1, 100)];
    sortRows(rows, 'member', { sort: 'aovMinor' });
    expect(keys(rows)).toEqual(['b', 'c', 'a']);
    sortRows(rows, 'member', { sort: 'aovMinor', order: 'asc' });
    expect(keys(rows)).toEqual(['a', 'c', 'b']);
    sortRows(rows, 'day', { sort: 'key', order: 'desc' });
    expect(keys(rows)).toEqual(['c', 'b', 'a']);
  });
});

describe('sumKnown', () => {
  it('sums the known values, and is null when none is known', () => {
    expect(sumKnown([100, null, 50, undefined])).toBe(150);
    expect(sumKnown([null, undefined])).toBeNull();
    expect(sumKnown([])).toBeNull();
    expect(sumKnown([0])).toBe(0);
  });
});
