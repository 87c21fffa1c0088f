import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { convertMinor } from './fx.js';
import { currencyExponent } from './money.js';

describe('convertMinor', () => {
  it.each<[string, number, string, string, string, number]>([
    ['USD→EUR', 4990, 'USD', 'EUR', '0.9213', 4597], // 45.97287
    ['JPY→USD', 1000, 'JPY', 'USD', '0.0067', 670], // 6.70
    ['USD→JPY', 4990, 'USD', 'JPY', '149.53', 7462], // 7461.547
    ['USD→JPY half-up at .5', 1, 'USD', 'JPY', '50', 1], // 0.5 yen
    ['USD→JPY 1.5 yen', 3, 'USD', 'JPY', '50', 2],
    ['USD→JPY just under a half', 1, 'USD', 'JPY', '49.9999', 0],
    ['USD→KWD', 4990, 'USD', 'KWD', '0.3075', 15344], // 15.34425
    ['KWD→USD', 1234, 'KWD', 'USD', '3.2520', 401], // 4.012968
    ['KWD→JPY', 1234, 'KWD', 'JPY', '486.2', 600], // 599.9708
    ['JPY→KWD', 1000, 'JPY', 'KWD', '0.002055', 2055], // 2.055
    ['KWD→USD exact half', 5, 'KWD', 'USD', '1', 1], // 0.005 USD -> 0.01
    ['same currency at 1', 4990, 'EUR', 'EUR', '1', 4990],
    ['trailing zeros in the rate', 4990, 'USD', 'EUR', '0.921300000', 4597],
    ['zero amount', 0, 'USD', 'EUR', '0.9213', 0],
    ['a refund rounds away from zero', -4995, 'USD', 'EUR', '0.5', -2498], // -24.975
    ['a tiny refund is 0, not -0', -1, 'USD', 'JPY', '0.1', 0],
    ['surrounding spaces are tolerated', 4990, 'USD', 'EUR', ' 0.9213 ', 4597],
    ['a large rate', 100, 'USD', 'VND', '25450', 25450],
  ])('%s: %i %s at %s -> %i', (_n, amount, from, to, rate, minor) => {
    const r = convertMinor(amount, from, to, rate);
    expect(r).toEqual({ ok: true, minor });
    if (r.ok) expect(Object.is(r.minor, -0)).toBe(false);
  });

  it.each([
    ['', 'rate_invalid'],
    ['abc', 'rate_invalid'],
    ['1e3', 'rate_invalid'],
    ['-0.9', 'rate_invalid'],
    ['.5', 'rate_invalid'],
    ['5.', 'rate_invalid'],
    ['1,5', 'rate_invalid'],
    ['0x10', 'rate_invalid'],
    ['Infinity', 'rate_invalid'],
    ['NaN', 'rate_invalid'],
    ['１', 'rate_invalid'],
    ['+1', 'rate_invalid'],
    [`0.${'1'.repeat(50)}`, 'rate_invalid'],
    ['0', 'rate_not_positive'],
    ['0.0000', 'rate_not_positive'],
    ['000', 'rate_not_positive'],
  ])('rejects the rate %j: %s', (rate, error) =>
    expect(convertMinor(100, 'USD', 'EUR', rate)).toEqual({ ok: false, error }),
  );

  it.each<[number, string, string, string]>([
    [100, 'usd', 'EUR', 'currency_invalid'],
    [100, 'USD', 'XXX', 'currency_invalid'],
    [1.5, 'USD', 'EUR', 'amount_invalid'],
    [Number.NaN, 'USD', 'EUR', 'amount_invalid'],
    [2 ** 53, 'USD', 'EUR', 'amount_invalid'],
  ])('rejects %d %s→%s: %s', (amount, from, to, error) =>
    expect(convertMinor(amount, from, to, '1')).toEqual({ ok: false, error }),
  );

  it('refuses a result beyond exact integers', () =>
    expect(convertMinor(Number.MAX_SAFE_INTEGER, 'USD', 'EUR', '2')).toEqual({ ok: false, error: 'amount_too_large' }));

  const currency = fc.constantFrom('USD', 'EUR', 'JPY', 'KWD', 'BHD', 'CLF', 'KRW');
  const rate = fc
    .tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 999_999 }))
    .filter(([w, f]) => w > 0 || f > 0)
    .map(([w, f]) => `${w}.${String(f).padStart(6, '0')}`);
  const amount = fc.integer({ min: -(10 ** 12), max: 10 ** 12 });

  it('is exact: within half a minor unit of the true value, and a refund is minus its sale', () => {
    fc.assert(
      fc.property(amount, currency, currency, rate, (a, from, to, r) => {
        const res = convertMinor(a, from, to, r);
        if (!res.ok) return;
        const back = convertMinor(-a, from, to, r);
        expect(back.ok && back.minor === -res.minor + 0).toBe(true);
        // |minor × 10^(ef+6) − a × rate×10^6 × 10^et| ≤ ½ × 10^(ef+6), checked in integers.
        const den = 10n ** BigInt(currencyExponent(from) + 6);
        const exact = BigInt(a) * BigInt(r.replace('.', '')) * 10n ** BigInt(currencyExponent(to));
        const diff = BigInt(res.minor) * den - exact;
        expect(2n * (diff < 0n ? -diff : diff) <= den).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('is monotone in the amount', () => {
    fc.assert(
      fc.property(amount, amount, currency, currency, rate, (x, y, from, to, r) => {
        const [lo, hi] = x <= y ? [x, y] : [y, x];
        const a = convertMinor(lo, from, to, r);
        const b = convertMinor(hi, from, to, r);
        if (a.ok && b.ok) expect(a.minor).toBeLessThanOrEqual(b.minor);
      }),
      { numRuns: 1000 },
    );
  });
});
