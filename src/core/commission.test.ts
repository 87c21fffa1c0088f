import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  commissionFor,
  monthKey,
  refundedCommission,
  splitAmount,
  transition,
  type CommissionEvent,
  type CommissionStatus,
  type Payout,
} from './commission.js';
import { applyBasisPoints } from './money.js';

const pct = (value: number, tiers: Payout['tiers'] = []): Payout => ({ type: 'percent', value, tiers });
const fixed = (value: number, tiers: Payout['tiers'] = []): Payout => ({ type: 'fixed', value, tiers });

describe('commissionFor', () => {
  it.each<[string, Payout, number, number, number]>([
    ['10 % of 49.90', pct(1000), 4990, 10_000, 499],
    ['10 % of 49.95 rounds half-up', pct(1000), 4995, 10_000, 500],
    ['10 % of half of 49.90', pct(1000), 4990, 5_000, 250],
    ['12.5 % of 19.99', pct(1250), 1999, 10_000, 250],
    ['100 % is the whole credited share', pct(10_000), 4990, 3_000, 1497],
    ['0 %', pct(0), 4990, 10_000, 0],
    ['fixed 5.00 for a whole lead', fixed(500), 0, 10_000, 500],
    ['fixed 5.00 for half a lead', fixed(500), 0, 5_000, 250],
    ['fixed does not depend on the sale', fixed(500), 999_999, 10_000, 500],
    ['fixed 0.01 for a third rounds to 0', fixed(1), 0, 3_333, 0],
    ['no rounding twice: 1 % of 0.50 at 50 % share', pct(100), 50, 5_000, 0],
  ])('%s', (_n, payout, saleMinor, shareBps, amount) =>
    expect(commissionFor({ payout, saleMinor, shareBps, conversionNumberInMonth: 1 }).amountMinor).toBe(amount),
  );

  const tiered = pct(1000, [
    { fromConversion: 100, value: 2000 },
    { fromConversion: 50, value: 1500 },
  ]);
  it.each([
    [1, 1000, null],
    [49, 1000, null],
    [50, 1500, 50],
    [99, 1500, 50],
    [100, 2000, 100],
    [10_000, 2000, 100],
  ])('volume tiers (listed out of order): conversion %i -> rate %i from tier %s', (n, rate, tier) => {
    const c = commissionFor({ payout: tiered, saleMinor: 10_000, shareBps: 10_000, conversionNumberInMonth: n });
    expect(c).toEqual({ amountMinor: rate, rateApplied: rate, tierFromConversion: tier });
  });
  it('tiers apply to fixed payouts too', () =>
    expect(
      commissionFor({
        payout: fixed(500, [{ fromConversion: 10, value: 800 }]),
        saleMinor: 0,
        shareBps: 10_000,
        conversionNumberInMonth: 10,
      }),
    ).toEqual({ amountMinor: 800, rateApplied: 800, tierFromConversion: 10 }));

  it('is exact beyond 2^53 intermediate products', () => {
    const sale = Number.MAX_SAFE_INTEGER;
    const exact = (BigInt(sale) * 7777n * 3333n * 2n + 100_000_000n) / 200_000_000n;
    expect(
      commissionFor({ payout: pct(3333), saleMinor: sale, shareBps: 7777, conversionNumberInMonth: 1 }).amountMinor,
    ).toBe(Number(exact));
    expect(
      commissionFor({ payout: pct(10_000), saleMinor: 10 ** 12, shareBps: 10_000, conversionNumberInMonth: 1 })
        .amountMinor,
    ).toBe(10 ** 12);
  });

  it.each([
    [-1, 10_000],
    [1.5, 10_000],
    [100, 10_001],
    [100, -1],
    [Number.NaN, 10_000],
  ])('rejects sale %d at share %d', (sale, share) =>
    expect(() =>
      commissionFor({ payout: pct(1000), saleMinor: sale, shareBps: share, conversionNumberInMonth: 1 }),
    ).toThrow(RangeError),
  );

  it('percent of at most 100 % never exceeds the credited share of the sale', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 10 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (sale, share, rate) => {
          const { amountMinor } = commissionFor({
            payout: pct(rate),
            saleMinor: sale,
            shareBps: share,
            conversionNumberInMonth: 1,
          });
          expect(amountMinor).toBeGreaterThanOrEqual(0);
          expect(amountMinor).toBeLessThanOrEqual(applyBasisPoints(sale, share));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('splitAmount', () => {
  it.each<[number, number[], number[]]>([
    [101, [5000, 5000], [51, 50]],
    [1, [5000, 5000], [1, 0]],
    [100, [3333, 3333, 3334], [33, 33, 34]],
    [1, [3333, 3334, 3333], [0, 1, 0]],
    [2, [3333, 3333, 3334], [1, 0, 1]],
    [999, [10_000], [999]],
    [7, [0, 10_000], [0, 7]],
    [0, [2500, 7500], [0, 0]],
  ])('%i by %j -> %j', (total, shares, parts) => expect(splitAmount(total, shares)).toEqual(parts));

  it.each([[[5000, 4999]], [[]], [[10_001, -1]], [[5000.5, 4999.5]]])('rejects shares %j', (shares) =>
    expect(() => splitAmount(100, shares)).toThrow(RangeError),
  );

  const shares = fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 6 }).map((xs) => {
    const sum = xs.reduce((a, b) => a + b, 0);
    if (sum === 0) return [10_000];
    const scaled = xs.map((x) => Math.floor((x * 10_000) / sum));
    scaled[0]! += 10_000 - scaled.reduce((a, b) => a + b, 0);
    return scaled;
  });
  it('the parts sum to the total exactly, each within one minor unit of its exact share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), shares, (total, s) => {
        const parts = splitAmount(total, s);
        expect(parts.reduce((a, b) => a + BigInt(b), 0n)).toBe(BigInt(total));
        parts.forEach((p, i) => {
          const floor = (BigInt(total) * BigInt(s[i]!)) / 10_000n;
          expect(BigInt(p) === floor || BigInt(p) === floor + 1n).toBe(true);
        });
      }),
      { numRuns: 2000 },
    );
  });
});

describe('refundedCommission', () => {
  it.each([
    [500, 5000, 0, 500],
    [500, 5000, 2500, 250],
    [500, 5000, 4999, 0],
    [500, 5000, 5000, 0],
    [500, 5000, 6000, 0],
    [1, 4, 2, 1],
    [1, 3, 2, 0],
    [500, 0, 0, 500],
    [500, 0, 1, 0],
    [0, 5000, 100, 0],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1, Number.MAX_SAFE_INTEGER - 1],
  ])('commission %i on sale %i after %i refunded -> %i', (c, sale, refunded, left) =>
    expect(refundedCommission(c, sale, refunded)).toBe(left),
  );

  it('rejects negative or fractional amounts', () => {
    expect(() => refundedCommission(500, 5000, -1)).toThrow(RangeError);
    expect(() => refundedCommission(500.5, 5000, 0)).toThrow(RangeError);
  });

  it('is monotone non-increasing in the refund, never above the original, 0 at a full refund', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10 ** 12 }),
        fc.integer({ min: 0, max: 10 ** 12 }),
        fc.integer({ min: 0, max: 10 ** 12 }),
        fc.integer({ min: 0, max: 10 ** 12 }),
        (commission, sale, r1, r2) => {
          const [lo, hi] = r1 <= r2 ? [r1, r2] : [r2, r1];
          const a = refundedCommission(commission, sale, lo);
          const b = refundedCommission(commission, sale, hi);
          expect(b).toBeLessThanOrEqual(a);
          expect(a).toBeLessThanOrEqual(commission);
          expect(b).toBeGreaterThanOrEqual(0);
          expect(refundedCommission(commission, sale, sale)).toBe(sale === 0 ? commission : 0);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('monthKey', () => {
  it.each<[string, number, string, string]>([
    ['UTC, last ms of January', Date.UTC(2024, 0, 31, 23, 59, 59, 999), 'UTC', '2024-01'],
    ['UTC, first ms of February', Date.UTC(2024, 1, 1), 'UTC', '2024-02'],
    ['Paris is already in February', Date.UTC(2024, 0, 31, 23, 30), 'Europe/Paris', '2024-02'],
    ['Los Angeles is still in January', Date.UTC(2024, 1, 1, 7, 59, 59, 999), 'America/Los_Angeles', '2024-01'],
    ['Los Angeles turns to February at 08:00 UTC (PST)', Date.UTC(2024, 1, 1, 8), 'America/Los_Angeles', '2024-02'],
    // Berlin switched to CEST (+2) at 01:00 UTC on 31 March: April starts at 22:00 UTC, not 23:00.
    [
      'Berlin, after the spring change, still March',
      Date.UTC(2024, 2, 31, 21, 59, 59, 999),
      'Europe/Berlin',
      '2024-03',
    ],
    ['Berlin, after the spring change, April', Date.UTC(2024, 2, 31, 22), 'Europe/Berlin', '2024-04'],
    // New York: October ends in EDT (-4), November 3 falls back; March starts in EST (-5).
    ['New York, 31 October late evening', Date.UTC(2024, 10, 1, 3, 59), 'America/New_York', '2024-10'],
    ['New York, 1 November midnight EDT', Date.UTC(2024, 10, 1, 4), 'America/New_York', '2024-11'],
    ['New York, 1 March midnight EST', Date.UTC(2024, 2, 1, 5), 'America/New_York', '2024-03'],
    ['New York, an hour before that', Date.UTC(2024, 2, 1, 4), 'America/New_York', '2024-02'],
    ['Auckland (+13) is in the new year', Date.UTC(2024, 11, 31, 11), 'Pacific/Auckland', '2025-01'],
    ['Kathmandu (+5:45) one ms before February', Date.UTC(2024, 0, 31, 18, 14, 59, 999), 'Asia/Kathmandu', '2024-01'],
    ['Kathmandu (+5:45) February', Date.UTC(2024, 0, 31, 18, 15), 'Asia/Kathmandu', '2024-02'],
    ['leap day', Date.UTC(2024, 1, 29, 12), 'UTC', '2024-02'],
  ])('%s', (_n, ms, tz, key) => expect(monthKey(ms, tz)).toBe(key));

  it('rejects an unknown zone', () => expect(() => monthKey(0, 'Mars/Olympus')).toThrow(RangeError));
});

describe('transition', () => {
  const table: Record<CommissionStatus, Record<CommissionEvent, string>> = {
    pending: {
      hold_elapsed: 'approved',
      approve_early: 'approved',
      refund_full: 'reversed',
      cancel: 'reversed',
      pay: '!not_approved',
      reverse_manual: 'reversed',
    },
    approved: {
      hold_elapsed: '!already_approved',
      approve_early: '!already_approved',
      refund_full: 'reversed',
      cancel: 'reversed',
      pay: 'paid',
      reverse_manual: 'reversed',
    },
    reversed: {
      hold_elapsed: '!already_reversed',
      approve_early: '!already_reversed',
      refund_full: '!already_reversed',
      cancel: '!already_reversed',
      pay: '!already_reversed',
      reverse_manual: '!already_reversed',
    },
    paid: {
      hold_elapsed: '!already_paid',
      approve_early: '!already_paid',
      refund_full: '!already_paid',
      cancel: '!already_paid',
      pay: '!already_paid',
      reverse_manual: '!already_paid',
    },
  };
  const rows = Object.entries(table).flatMap(([s, evs]) =>
    Object.entries(evs).map(([e, r]) => [s, e, r] as [CommissionStatus, CommissionEvent, string]),
  );
  it.each(rows)('%s + %s -> %s', (status, event, r) =>
    expect(transition(status, event)).toEqual(
      r.startsWith('!') ? { ok: false, reason: r.slice(1) } : { ok: true, status: r },
    ),
  );

  it('the caller cannot corrupt the table through a result', () => {
    const t = transition('pending', 'pay') as { ok: boolean };
    t.ok = true;
    expect(transition('pending', 'pay').ok).toBe(false);
  });
});
