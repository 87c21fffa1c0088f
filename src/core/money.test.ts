import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyBasisPoints,
  currencyExponent,
  formatAmount,
  formatPercent,
  isCurrency,
  MAX_MAJOR_UNITS,
  parseAmount,
  parsePercent,
} from './money.js';

describe('parseAmount', () => {
  it.each([
    ['49.90', 'USD', 4990],
    ['49.9', 'USD', 4990],
    ['49', 'USD', 4900],
    ['0.01', 'USD', 1],
    ['0', 'USD', 0],
    ['1000', 'JPY', 1000],
    ['1000.00', 'JPY', 1000],
    ['1.234', 'KWD', 1234],
    ['0.001', 'BHD', 1],
    ['1.2345', 'CLF', 12345],
    ['10.500', 'EUR', 1050],
    ['0049.90', 'USD', 4990],
    [' 49.90 ', 'USD', 4990],
    ['0.29', 'USD', 29],
    ['1.005', 'KWD', 1005],
    ['8.20', 'EUR', 820], // classic float traps: 0.29 * 100 = 28.999…
    [String(MAX_MAJOR_UNITS), 'USD', MAX_MAJOR_UNITS * 100],
    [`${MAX_MAJOR_UNITS}.00`, 'USD', MAX_MAJOR_UNITS * 100],
  ])('%j %s -> %i', (input, currency, minor) => expect(parseAmount(input, currency)).toEqual({ ok: true, minor }));

  it.each([
    ['NaN', 'USD', 'amount_invalid'],
    ['Infinity', 'USD', 'amount_invalid'],
    ['1e3', 'USD', 'amount_invalid'],
    ['', 'USD', 'amount_invalid'],
    ['  ', 'USD', 'amount_invalid'],
    ['1.', 'USD', 'amount_invalid'],
    ['.5', 'USD', 'amount_invalid'],
    ['1,50', 'USD', 'amount_invalid'],
    ['1 000', 'USD', 'amount_invalid'],
    ['+1', 'USD', 'amount_invalid'],
    ['0x10', 'USD', 'amount_invalid'],
    ['1_000', 'USD', 'amount_invalid'],
    ['٣', 'USD', 'amount_invalid'],
    ['$10', 'USD', 'amount_invalid'],
    ['--1', 'USD', 'amount_invalid'],
    ['-1', 'USD', 'amount_negative'],
    ['-0.50', 'EUR', 'amount_negative'],
    ['1.234', 'USD', 'amount_too_precise'],
    ['1.5', 'JPY', 'amount_too_precise'],
    ['1.0001', 'KWD', 'amount_too_precise'],
    ['100000001', 'USD', 'amount_too_large'],
    ['100000000.01', 'USD', 'amount_too_large'],
    ['9'.repeat(400), 'USD', 'amount_too_large'],
    ['1'.repeat(20), 'JPY', 'amount_too_large'],
    ['10', 'usd', 'currency_invalid'],
    ['10', 'XXX', 'currency_invalid'],
    ['10', '', 'currency_invalid'],
  ])('%j %s -> %s', (input, currency, error) => expect(parseAmount(input, currency)).toEqual({ ok: false, error }));

  it('accepts any number of trailing zeros but no other extra digit', () => {
    expect(parseAmount(`1.50${'0'.repeat(100)}`, 'USD')).toEqual({ ok: true, minor: 150 });
    expect(parseAmount(`1.50${'0'.repeat(100)}1`, 'USD')).toEqual({ ok: false, error: 'amount_too_precise' });
  });
});

const currency = fc.constantFrom('USD', 'EUR', 'GBP', 'JPY', 'KRW', 'KWD', 'BHD', 'CLF');
/** A canonical decimal string for the currency: no leading zeros, exactly `exp` decimals. */
const canonical = currency.chain((c) => {
  const exp = currencyExponent(c);
  return fc
    .tuple(fc.constant(c), fc.integer({ min: 0, max: MAX_MAJOR_UNITS - 1 }), fc.integer({ min: 0, max: 10 ** exp - 1 }))
    .map(([cur, whole, frac]) => ({
      currency: cur,
      text: exp === 0 ? String(whole) : `${whole}.${String(frac).padStart(exp, '0')}`,
    }));
});

describe('formatAmount', () => {
  it.each([
    [4990, 'USD', '49.90'],
    [5, 'USD', '0.05'],
    [0, 'USD', '0.00'],
    [-5, 'USD', '-0.05'],
    [-1234, 'KWD', '-1.234'],
    [1000, 'JPY', '1000'],
    [0, 'JPY', '0'],
    [12345, 'CLF', '1.2345'],
    [100, 'XYZ', '1.00'],
  ])('%i %s -> %s', (minor, cur, text) => expect(formatAmount(minor, cur)).toBe(text));

  it('formatAmount(parseAmount(x)) gives x back for canonical amounts (property)', () => {
    fc.assert(
      fc.property(canonical, ({ currency: cur, text }) => {
        const parsed = parseAmount(text, cur);
        return parsed.ok && formatAmount(parsed.minor, cur) === text;
      }),
      { numRuns: 2_000 },
    );
  });

  it('parseAmount(formatAmount(m)) gives m back for any amount in range (property)', () => {
    fc.assert(
      fc.property(currency, fc.nat(), (cur, n) => {
        const minor = n % (MAX_MAJOR_UNITS * 10 ** currencyExponent(cur) + 1);
        const parsed = parseAmount(formatAmount(minor, cur), cur);
        return parsed.ok && parsed.minor === minor;
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads an amount the same however many trailing zeros or leading zeros it carries (property)', () => {
    fc.assert(
      fc.property(canonical, fc.nat(5), fc.nat(5), ({ currency: cur, text }, lead, trail) => {
        const zeros = trail === 0 ? '' : (text.includes('.') ? '' : '.') + '0'.repeat(trail);
        const a = parseAmount(text, cur);
        const b = parseAmount('0'.repeat(lead) + text + zeros, cur);
        return a.ok && b.ok && a.minor === b.minor;
      }),
    );
  });
});

describe('currencies', () => {
  it('knows ISO-4217 codes and their minor units', () => {
    expect(isCurrency('EUR')).toBe(true);
    expect(isCurrency('eur')).toBe(false);
    expect(isCurrency('BTC')).toBe(false);
    expect([
      currencyExponent('USD'),
      currencyExponent('JPY'),
      currencyExponent('KWD'),
      currencyExponent('CLF'),
    ]).toEqual([2, 0, 3, 4]);
  });
});

describe('percentages', () => {
  it.each([
    ['12.5', 1250],
    ['10', 1000],
    ['0', 0],
    ['100', 10_000],
    ['0.01', 1],
    [' 7.25 ', 725],
  ])('parsePercent(%j) -> %i', (input, bps) => expect(parsePercent(input)).toBe(bps));
  it.each(['100.01', '101', '-1', '1.234', '', 'ten', '1e1'])('parsePercent(%j) -> null', (input) =>
    expect(parsePercent(input)).toBeNull(),
  );
  it('formatPercent and parsePercent round-trip (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000 }), (bps) => parsePercent(formatPercent(bps)) === bps));
  });
  it('applies basis points rounding half up', () => {
    expect(applyBasisPoints(4990, 1000)).toBe(499);
    expect(applyBasisPoints(15, 5000)).toBe(8);
    expect(applyBasisPoints(14, 5000)).toBe(7);
    expect(applyBasisPoints(0, 1250)).toBe(0);
  });
});
