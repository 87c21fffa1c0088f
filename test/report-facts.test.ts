// The credit lines one conversion adds to reports: pure, no database.
import { describe, expect, it } from 'vitest';
import {
  creditLines,
  LINE_MEASURES,
  lineDeltas,
  mergeLines,
  type CreditLine,
  type DayLines,
  type ReportCommission,
  type ReportConversion,
} from '../src/core/report-facts.js';
import {
  addDays,
  coverRange,
  LocalDays,
  dayKey,
  periodsOfDay,
  weekOfDay,
  type CoverTerm,
} from '../src/core/time-buckets.js';
import { mulberry32 } from './helpers/random.js';

const usd = (minor: number, from: string) => (from === 'USD' ? minor : from === 'EUR' ? Math.round(minor * 1.1) : null);
const base: ReportConversion = {
  status: 'credited',
  isTest: false,
  reportedOfferId: null,
  amountMinor: 10_001,
  currency: 'USD',
  refundedMinor: 0,
  decision: {},
};

describe('creditLines', () => {
  it('gives a split order two lines whose sales add up to the order, the order counted once', () => {
    const lines = creditLines(
      {
        ...base,
        decision: {
          credits: [
            { offerId: 'off_a', memberId: 'mem_a', source: 'click', shareBps: 6_000 },
            { offerId: 'off_a', memberId: 'mem_b', source: 'code', shareBps: 4_000 },
          ],
          linkId: 'lnk_a',
          codeId: 'cod_b',
        },
      },
      [
        { offerId: 'off_a', memberId: 'mem_a', status: 'pending', amountMinor: 600, currency: 'USD' },
        { offerId: 'off_a', memberId: 'mem_b', status: 'reversed', amountMinor: 400, currency: 'USD' },
      ],
      usd,
    );
    expect(
      lines.map((l) => [
        l.memberId,
        l.linkId,
        l.codeId,
        l.orders,
        l.credits,
        l.salesMinor,
        l.commissionMinor,
        l.status,
      ]),
    ).toEqual([
      ['mem_a', 'lnk_a', '', 1, 1, 6_001, 600, 'pending'],
      ['mem_b', '', 'cod_b', 0, 1, 4_000, 0, 'reversed'],
    ]);
    expect(lines[0]!.linkRevenueMinor).toBe(6_001);
    expect(lines[1]!.codedRevenueMinor).toBe(4_000);
    expect(lines[1]!.codeRedemptions).toBe(1);
  });

  it('reports an unattributed order once, under the offer it named, and converts its currency', () => {
    const [line] = creditLines(
      {
        ...base,
        status: 'unattributed',
        reportedOfferId: 'off_x',
        currency: 'EUR',
        amountMinor: 1_000,
        refundedMinor: 200,
      },
      [],
      usd,
    );
    expect(line).toMatchObject({
      offerId: 'off_x',
      memberId: '',
      unattributed: 1,
      orders: 1,
      salesMinor: 1_100,
      refundsMinor: 220,
      unconverted: 0,
    });
  });

  it('counts money it cannot convert as unconverted instead of guessing, and never a test order', () => {
    const [line] = creditLines(
      {
        ...base,
        currency: 'JPY',
        decision: { credits: [{ offerId: 'o', memberId: null, source: 'click', shareBps: 10_000 }] },
      },
      [],
      usd,
    );
    expect(line).toMatchObject({ salesMinor: 0, unconverted: 1, orders: 1 });
    expect(creditLines({ ...base, isTest: true }, [], usd)).toEqual([]);
  });

  it('merges lines with equal dimensions by summing them', () => {
    const one = creditLines(
      {
        ...base,
        decision: { credits: [{ offerId: 'o', memberId: 'm', source: 'code', shareBps: 10_000 }], codeId: 'c' },
      },
      [],
      usd,
    );
    const merged = mergeLines([...one, ...one]);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ orders: 2, salesMinor: 20_002, codeRedemptions: 2 });
  });
});

describe('LocalDays', () => {
  it('agrees with dayKey for every hour across both DST changes of a year, in either order', () => {
    for (const tz of ['America/New_York', 'Europe/Berlin', 'Australia/Lord_Howe', 'Asia/Kathmandu']) {
      const days = new LocalDays(tz);
      const start = Date.parse('2026-01-01T00:00:00Z');
      const instants = Array.from({ length: 365 * 24 }, (_, h) => start + h * 3_600_000 + 1_799_000);
      for (const ms of instants) expect(days.keyOf(ms)).toBe(dayKey(ms, tz));
      for (const ms of instants.reverse().filter((_, i) => i % 7 === 0)) expect(days.keyOf(ms)).toBe(dayKey(ms, tz));
    }
  });
});

describe('lineDeltas', () => {
  const key = (day: string, l: CreditLine) => `${day}|${l.offerId}|${l.memberId}|${l.linkId}|${l.codeId}|${l.status}`;
  /** Rollup rows as a map, the way the rollup table holds them (rows left with no credit are gone). */
  function addTo(rows: Map<string, CreditLine>, deltas: ReturnType<typeof lineDeltas>) {
    for (const d of deltas) {
      const k = key(d.day, d);
      const { day: _day, ...dims } = d;
      const row = rows.get(k) ?? { ...dims, ...Object.fromEntries(LINE_MEASURES.map((m) => [m, 0])) };
      for (const m of LINE_MEASURES) row[m] += d[m];
      if (row.credits === 0) rows.delete(k);
      else rows.set(k, row);
    }
  }
  function recomputed(states: Map<string, DayLines>) {
    const rows = new Map<string, CreditLine>();
    for (const { day, lines } of states.values()) {
      for (const l of lines) {
        const row = rows.get(key(day, l));
        if (row) for (const m of LINE_MEASURES) row[m] += l[m];
        else rows.set(key(day, l), { ...l });
      }
    }
    return rows;
  }

  it('leaves out what did not change, and undoes exactly what it added', () => {
    const order: DayLines = {
      day: '2026-11-20',
      lines: creditLines(
        {
          ...base,
          decision: { credits: [{ offerId: 'o', memberId: 'm', source: 'code', shareBps: 10_000 }], codeId: 'c' },
        },
        [],
        usd,
      ),
    };
    expect(lineDeltas([{ before: order, after: order }])).toEqual([]);
    const added = lineDeltas([{ before: null, after: order }]);
    expect(added).toMatchObject([
      { day: '2026-11-20', offerId: 'o', memberId: 'm', codeId: 'c', orders: 1, credits: 1, salesMinor: 10_001 },
    ]);
    expect(lineDeltas([{ before: order, after: null }])[0]).toMatchObject({
      orders: -1,
      credits: -1,
      salesMinor: -10_001,
    });
  });

  it('keeps incrementally maintained rollups equal to a recomputation through random refunds, approvals, reversals and moves', () => {
    const random = mulberry32(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const days = ['2026-11-01', '2026-11-02', '2026-11-03'];
    const statuses: ReportCommission['status'][] = ['pending', 'approved', 'reversed', 'paid'];
    const conversion = (): { c: ReportConversion; commissions: ReportCommission[]; day: string } => {
      const amount = 1_000 + Math.floor(random() * 50_000);
      const split = random() < 0.3;
      const members = split ? ['m1', 'm2'] : [pick(['m1', 'm2', 'm3'])];
      const credited = random() < 0.85;
      const credits = members.map((m, i) => ({
        offerId: pick(['o1', 'o2']),
        memberId: m,
        source: pick(['click', 'code', 'click+code'] as const),
        shareBps: split ? (i === 0 ? 6_000 : 4_000) : 10_000,
      }));
      return {
        day: pick(days),
        c: {
          ...base,
          status: credited ? 'credited' : 'unattributed',
          reportedOfferId: 'o1',
          amountMinor: amount,
          currency: pick(['USD', 'EUR', 'JPY']),
          refundedMinor: random() < 0.2 ? Math.floor(amount / 3) : 0,
          decision: credited ? { credits, linkId: pick(['l1', 'l2']), codeId: pick(['c1', 'c2']) } : {},
        },
        commissions: credited
          ? credits.map((cr) => ({
              offerId: cr.offerId,
              memberId: cr.memberId,
              status: pick(statuses),
              amountMinor: Math.floor(amount / 10),
              currency: 'USD',
            }))
          : [],
      };
    };
    const state = new Map<string, DayLines>();
    const rows = new Map<string, CreditLine>();
    for (let round = 0; round < 300; round++) {
      const changes: { id: string; after: DayLines | null }[] = [];
      for (let i = 0; i < 1 + Math.floor(random() * 8); i++) {
        const id = `cv${Math.floor(random() * 60)}`;
        const v = conversion();
        changes.push({
          id,
          after: random() < 0.1 ? null : { day: v.day, lines: mergeLines(creditLines(v.c, v.commissions, usd)) },
        });
      }
      // One round sees each conversion once, in its latest state (what the job reads from the database).
      const latest = new Map(changes.map((c) => [c.id, c.after]));
      addTo(rows, lineDeltas([...latest].map(([id, after]) => ({ before: state.get(id) ?? null, after }))));
      for (const [id, after] of latest) {
        if (after) state.set(id, after);
        else state.delete(id);
      }
    }
    expect(state.size).toBeGreaterThan(30);
    expect(new Map([...rows].sort())).toEqual(new Map([...recomputed(state)].sort()));
  });
});

describe('coverRange', () => {
  const daysOf = (key: string): string[] => {
    if (!key.startsWith('W') && !key.startsWith('M')) return [key];
    if (key.startsWith('W')) return Array.from({ length: 7 }, (_, i) => addDays(key.slice(1), i));
    const out: string[] = [];
    for (let d = `${key.slice(1)}-01`; d.startsWith(key.slice(1)); d = addDays(d, 1)) out.push(d);
    return out;
  };
  /** How many times each local day is counted by the weighted keys. */
  function weightsByDay(terms: CoverTerm[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const t of terms) for (const d of daysOf(t.key)) out.set(d, (out.get(d) ?? 0) + t.weight);
    return out;
  }

  it('counts every day of any range once and every other day holding data never', () => {
    const random = mulberry32(11);
    let keys = 0;
    let subtracted = 0;
    for (let i = 0; i < 600; i++) {
      const from = addDays('2025-01-01', Math.floor(random() * 700));
      const to = addDays(from, Math.floor(random() * (i % 4 === 0 ? 10 : 400)));
      // Data that starts and ends before, inside or after the range; or every day (no span known).
      const first = addDays(from, Math.floor(random() * 120) - 60);
      const span = i % 5 === 0 ? null : { first, last: addDays(first, Math.floor(random() * 500)) };
      const terms = coverRange(from, to, span);
      const weights = weightsByDay(terms);
      const lo = addDays(span && span.first < from ? span.first : from, -40);
      const hi = addDays(span && span.last > to ? span.last : to, 40);
      for (let d = lo; d <= hi; d = addDays(d, 1)) {
        const holdsData = !span || (d >= span.first && d <= span.last);
        if (!holdsData) continue;
        expect(weights.get(d) ?? 0, `${d} in ${from}..${to}, data ${JSON.stringify(span)}`).toBe(
          d >= from && d <= to ? 1 : 0,
        );
      }
      keys += terms.length;
      subtracted += terms.filter((t) => t.weight < 0).length;
      if (!span) expect(terms.every((t) => t.weight === 1 || t.weight === -1)).toBe(true);
    }
    expect(subtracted).toBeGreaterThan(0);
    expect(keys / 600).toBeLessThan(12);
  });

  it('reads 90 days ending today as whole months, one of them minus the day before the range', () => {
    const span = { first: '2026-08-25', last: '2026-11-23' };
    expect(coverRange('2026-08-26', '2026-11-23', span)).toEqual([
      { key: 'M2026-08', weight: 1 },
      { key: '2026-08-25', weight: -1 },
      { key: 'M2026-09', weight: 1 },
      { key: 'M2026-10', weight: 1 },
      { key: 'M2026-11', weight: 1 },
    ]);
    // Not knowing where the data ends, November 1–23 is the month minus the week and day after the range.
    const unbounded = coverRange('2026-08-26', '2026-11-23');
    expect(unbounded.length).toBeLessThan(13);
    expect(unbounded).toContainEqual({ key: 'M2026-11', weight: 1 });
    expect(unbounded).toContainEqual({ key: 'W2026-11-23', weight: -1 });
    expect(coverRange('2026-01-01', '2026-01-31', { first: '2026-02-01', last: '2026-03-01' })).toEqual([]);
    expect(periodsOfDay('2026-11-01')).toEqual(['W2026-10-26', 'M2026-11']);
    expect(weekOfDay('2026-11-23')).toBe('2026-11-23');
  });
});
