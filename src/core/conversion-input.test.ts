import { describe, expect, it } from 'vitest';
import { newClickId } from './click-id.js';
import { controlCharacterField, normalizeConversion, type RawConversion } from './conversion-input.js';

const NOW = Date.UTC(2025, 5, 15, 12);
const DAY = 86_400_000;
const OFFER = 'off_01jxyzabcdefghjkmnpqrstvwx';
const norm = (raw: RawConversion) => normalizeConversion(raw, NOW);
const ok = (raw: RawConversion) => {
  const r = norm(raw);
  if (!r.ok) throw new Error(`refused: ${r.problem} (${r.field})`);
  return r.value;
};

describe('normalizeConversion: what a sender may send', () => {
  it('an order alone: no offer, click, code or amount; the time of receipt, not a stated time', () => {
    expect(ok({ order: 'SHOP-1' })).toEqual({
      orderId: 'SHOP-1',
      offerId: null,
      clickId: null,
      unusableClickId: null,
      code: null,
      amount: null,
      isTest: false,
      occurredAt: NOW,
      timeGiven: false,
    });
  });

  it('trims every field and treats blank ones as absent', () => {
    const v = ok({
      order: '  A-1 ',
      offer: ` ${OFFER} `,
      code: '  ',
      amount: ' ',
      currency: '',
      click: ' ',
      time: '  ',
    });
    expect(v).toMatchObject({
      orderId: 'A-1',
      offerId: OFFER,
      code: null,
      amount: null,
      clickId: null,
      unusableClickId: null,
      timeGiven: false,
    });
  });

  it("keeps the amount as text and the currency upper-cased; an amount without a currency waits for the offer's", () => {
    expect(ok({ order: 'A', amount: '49.90', currency: 'eur' }).amount).toEqual({ value: '49.90', currency: 'EUR' });
    expect(ok({ order: 'A', amount: '49.90' }).amount).toEqual({ value: '49.90', currency: null });
    // A currency alone is allowed (a sale of unknown amount in a known currency).
    expect(ok({ order: 'A', currency: 'usd' }).amount).toBeNull();
  });

  it("checks the amount against the stated currency's decimals, and against two without one", () => {
    expect(ok({ order: 'A', amount: '1000', currency: 'JPY' }).amount).toEqual({ value: '1000', currency: 'JPY' });
    expect(norm({ order: 'A', amount: '10.5', currency: 'JPY' })).toEqual({
      ok: false,
      problem: 'amount_too_precise',
      field: 'amount',
    });
    expect(ok({ order: 'A', amount: '1.234', currency: 'KWD' }).amount?.value).toBe('1.234');
    expect(norm({ order: 'A', amount: '1.234' })).toEqual({
      ok: false,
      problem: 'amount_too_precise',
      field: 'amount',
    });
    // Trailing zeros beyond the precision are harmless.
    expect(ok({ order: 'A', amount: '10.500', currency: 'EUR' }).amount?.value).toBe('10.500');
  });

  it.each<[string, RawConversion, string, string]>([
    ['no order', { amount: '10' }, 'order_missing', 'order'],
    ['a blank order', { order: '   ' }, 'order_missing', 'order'],
    ['an order with a line break', { order: 'A\nB' }, 'order_invalid', 'order'],
    ['an order of 201 characters', { order: 'x'.repeat(201) }, 'order_invalid', 'order'],
    ['an offer id of another shape', { order: 'A', offer: 'off_123' }, 'offer_invalid', 'offer'],
    ['an upper-case offer id', { order: 'A', offer: OFFER.toUpperCase() }, 'offer_invalid', 'offer'],
    ['an unknown currency', { order: 'A', amount: '10', currency: 'XYZ' }, 'currency_invalid', 'currency'],
    ['a negative amount', { order: 'A', amount: '-5' }, 'amount_negative', 'amount'],
    ['a decimal comma', { order: 'A', amount: '49,90', currency: 'EUR' }, 'amount_invalid', 'amount'],
    ['an amount in words', { order: 'A', amount: 'ten' }, 'amount_invalid', 'amount'],
    [
      'an amount above the largest sale',
      { order: 'A', amount: '100000000.01', currency: 'USD' },
      'amount_too_large',
      'amount',
    ],
    ['a time that is not one', { order: 'A', time: 'yesterday' }, 'time_invalid', 'time'],
    ['a time two days ahead', { order: 'A', time: new Date(NOW + 2 * DAY).toISOString() }, 'time_invalid', 'time'],
    [
      'a time more than 400 days ago',
      { order: 'A', time: String(Math.floor((NOW - 401 * DAY) / 1000)) },
      'time_invalid',
      'time',
    ],
    ['a NUL in the code', { order: 'A', code: 'MA\u0000RIE' }, 'control_character', 'code'],
    ['an unpaired surrogate in the order', { order: 'A\uD800' }, 'control_character', 'order'],
  ])('refuses %s', (_name, raw, problem, field) => {
    expect(norm(raw)).toEqual({ ok: false, problem, field });
  });

  it('allows a 200-character order with inner spaces and non-ASCII letters', () => {
    expect(ok({ order: `#${'é '.repeat(99)}x` }).orderId).toHaveLength(200);
    expect(ok({ order: 'Commande n° 42' }).orderId).toBe('Commande n° 42');
  });

  it('reads a stated time as Unix seconds or ISO 8601, within a day ahead and 400 days back', () => {
    const oneHourAgo = NOW - 3_600_000;
    expect(ok({ order: 'A', time: String(oneHourAgo / 1000) })).toMatchObject({
      occurredAt: oneHourAgo,
      timeGiven: true,
    });
    expect(ok({ order: 'A', time: new Date(oneHourAgo).toISOString() })).toMatchObject({
      occurredAt: oneHourAgo,
      timeGiven: true,
    });
    expect(ok({ order: 'A', time: new Date(NOW + DAY).toISOString() }).occurredAt).toBe(NOW + DAY);
    expect(ok({ order: 'A', time: new Date(NOW - 400 * DAY).toISOString() }).occurredAt).toBe(NOW - 400 * DAY);
    // Milliseconds are not seconds: 13 digits is no Unix time in seconds, and not a date either.
    expect(norm({ order: 'A', time: String(oneHourAgo) })).toMatchObject({ ok: false, problem: 'time_invalid' });
  });

  it('keeps a well-formed click id, and a malformed one (cut to 64 characters) only to explain the decision', () => {
    const id = newClickId('AbC1', NOW - DAY);
    expect(ok({ order: 'A', click: ` ${id} ` })).toMatchObject({ clickId: id, unusableClickId: null });
    expect(ok({ order: 'A', click: 'not-a-click' })).toMatchObject({ clickId: null, unusableClickId: 'not-a-click' });
    expect(ok({ order: 'A', click: 'z'.repeat(100) })).toMatchObject({
      clickId: null,
      unusableClickId: 'z'.repeat(64),
    });
  });

  it('upper-cases the code; one no code can be is kept (cut to 64) to explain "code not found"', () => {
    expect(ok({ order: 'A', code: ' marie10 ' }).code).toBe('MARIE10');
    expect(ok({ order: 'A', code: 'summer sale!' }).code).toBe('SUMMER SALE!');
    expect(ok({ order: 'A', code: 'x'.repeat(80) }).code).toBe('X'.repeat(64));
  });

  it('marks a test order by 1, true or yes in any case, and nothing else', () => {
    for (const t of ['1', 'true', 'TRUE', 'Yes']) expect(ok({ order: 'A', test: t }).isTest, t).toBe(true);
    for (const t of ['0', 'false', 'no', 'y', ' 1', '']) expect(ok({ order: 'A', test: t }).isTest, t).toBe(false);
  });
});

describe('controlCharacterField', () => {
  it('names the first field with NUL or an unpaired surrogate, and none for clean text or a paired surrogate', () => {
    expect(controlCharacterField({ order: 'A', code: 'B\u0000' })).toBe('code');
    expect(controlCharacterField({ order: 'A', amount: '1', currency: '\uDC00' })).toBe('currency');
    expect(controlCharacterField({ order: 'A 😀', code: 'ÉTÉ' })).toBeNull();
    expect(controlCharacterField({})).toBeNull();
  });
});
