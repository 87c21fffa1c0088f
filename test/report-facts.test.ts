// The credit lines one conversion adds to reports: pure, no database.
import { describe, expect, it } from 'vitest';
import { creditLines, mergeLines, type ReportConversion } from '../src/core/report-facts.js';
import { LocalDays, dayKey } from '../src/core/time-buckets.js';

const usd = (minor: number, from: string) => (from === 'USD' ? minor : from === 'EUR' ? Math.round(minor * 1.1) : null);
const base: ReportConversion = { status: 'credited', isTest: false, reportedOfferId: null, amountMinor: 10_001, currency: 'USD', refundedMinor: 0, decision: {} };

describe('creditLines', () => {
  it('gives a split order two lines whose sales add up to the order, the order counted once', () => {
    const lines = creditLines({
      ...base, decision: { credits: [{ offerId: 'off_a', memberId: 'mem_a', source: 'click', shareBps: 6_000 }, { offerId: 'off_a', memberId: 'mem_b', source: 'code', shareBps: 4_000 }], linkId: 'lnk_a', codeId: 'cod_b' },
    }, [
      { offerId: 'off_a', memberId: 'mem_a', status: 'pending', amountMinor: 600, currency: 'USD' },
      { offerId: 'off_a', memberId: 'mem_b', status: 'reversed', amountMinor: 400, currency: 'USD' },
    ], usd);
    expect(lines.map((l) => [l.memberId, l.linkId, l.codeId, l.orders, l.credits, l.salesMinor, l.commissionMinor, l.status])).toEqual([
      ['mem_a', 'lnk_a', '', 1, 1, 6_001, 600, 'pending'],
      ['mem_b', '', 'cod_b', 0, 1, 4_000, 0, 'reversed'],
    ]);
    expect(lines[0]!.linkRevenueMinor).toBe(6_001);
    expect(lines[1]!.codedRevenueMinor).toBe(4_000);
    expect(lines[1]!.codeRedemptions).toBe(1);
  });

  it('reports an unattributed order once, under the offer it named, and converts its currency', () => {
    const [line] = creditLines({ ...base, status: 'unattributed', reportedOfferId: 'off_x', currency: 'EUR', amountMinor: 1_000, refundedMinor: 200 }, [], usd);
    expect(line).toMatchObject({ offerId: 'off_x', memberId: '', unattributed: 1, orders: 1, salesMinor: 1_100, refundsMinor: 220, unconverted: 0 });
  });

  it('counts money it cannot convert as unconverted instead of guessing, and never a test order', () => {
    const [line] = creditLines({ ...base, currency: 'JPY', decision: { credits: [{ offerId: 'o', memberId: null, source: 'click', shareBps: 10_000 }] } }, [], usd);
    expect(line).toMatchObject({ salesMinor: 0, unconverted: 1, orders: 1 });
    expect(creditLines({ ...base, isTest: true }, [], usd)).toEqual([]);
  });

  it('merges lines with equal dimensions by summing them', () => {
    const one = creditLines({ ...base, decision: { credits: [{ offerId: 'o', memberId: 'm', source: 'code', shareBps: 10_000 }], codeId: 'c' } }, [], usd);
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
