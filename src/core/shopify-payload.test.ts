import { describe, expect, it } from 'vitest';
import { DELIVERY_MAX_AGE_MS, deliveryIsFresh, idText, readShopifyEvent } from './shopify-payload.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const order = (extra: Record<string, unknown> = {}) => ({
  id: 5001,
  name: '#1001',
  total_price: '199.00',
  currency: 'USD',
  created_at: '2026-03-01T11:59:00Z',
  updated_at: '2026-03-01T11:59:30Z',
  cancelled_at: null,
  financial_status: 'paid',
  test: false,
  landing_site: '/',
  note_attributes: [],
  discount_codes: [],
  line_items: [{ id: 1 }],
  ...extra,
});
const refund = (extra: Record<string, unknown> = {}) => ({
  id: 9001,
  order_id: 5001,
  created_at: '2026-03-01T11:59:00Z',
  transactions: [{ kind: 'refund', status: 'success', amount: '10.00' }],
  refund_line_items: [],
  ...extra,
});

describe('idText', () => {
  it('accepts positive integers as numbers within 2^53 or as digit strings, nothing else', () => {
    expect(idText(5001)).toBe('5001');
    expect(idText('9007199254740993508')).toBe('9007199254740993508');
    for (const v of [0, -1, 1.5, 2 ** 53, '', '01', 'abc', '12a', null, true, {}, []])
      expect(idText(v), JSON.stringify(v)).toBeUndefined();
  });
});

describe('readShopifyEvent', () => {
  it('accepts each topic in its own shape', () => {
    expect(readShopifyEvent('orders/create', order())).toMatchObject({
      ok: true,
      event: { topic: 'orders/create', test: false, eventTime: Date.parse('2026-03-01T11:59:30Z') },
    });
    expect(readShopifyEvent('orders/paid', order())).toMatchObject({ ok: true });
    expect(readShopifyEvent('orders/cancelled', order({ cancelled_at: '2026-03-01T11:59:50Z' }))).toMatchObject({
      ok: true,
      event: { eventTime: Date.parse('2026-03-01T11:59:50Z') },
    });
    expect(readShopifyEvent('refunds/create', refund())).toMatchObject({
      ok: true,
      event: { topic: 'refunds/create' },
    });
    expect(
      readShopifyEvent(
        'refunds/create',
        refund({ transactions: undefined, refund_line_items: [{ subtotal: 195.66 }] }),
      ),
    ).toMatchObject({ ok: true });
  });

  it('refuses a payload sent under another topic', () => {
    expect(readShopifyEvent('orders/cancelled', order())).toMatchObject({ ok: false, path: 'cancelled_at' });
    expect(readShopifyEvent('refunds/create', order())).toMatchObject({ ok: false, path: 'order_id' });
    expect(readShopifyEvent('orders/create', refund())).toMatchObject({ ok: false, path: 'total_price' });
    expect(readShopifyEvent('orders/create', order({ cancelled_at: '2026-03-01T11:59:50Z' }))).toMatchObject({
      ok: false,
      path: 'cancelled_at',
    });
    expect(readShopifyEvent('orders/paid', order({ financial_status: 'pending' }))).toMatchObject({
      ok: false,
      path: 'financial_status',
    });
    expect(
      readShopifyEvent('refunds/create', refund({ transactions: undefined, refund_line_items: undefined })),
    ).toMatchObject({ ok: false, path: 'transactions' });
  });

  it('refuses oddly shaped bodies by the field at fault', () => {
    const cases: [unknown, string][] = [
      [null, ''],
      [[], ''],
      ['order', ''],
      [42, ''],
      [order({ id: undefined }), 'id'],
      [order({ id: -1 }), 'id'],
      [order({ id: 'abc' }), 'id'],
      [order({ id: 1.5 }), 'id'],
      [order({ total_price: 199 }), 'total_price'],
      [order({ current_total_price: 199 }), 'current_total_price'],
      [order({ currency: 1 }), 'currency'],
      [order({ created_at: 'yesterday' }), 'created_at'],
      [order({ line_items: {} }), 'line_items'],
      [order({ line_items: undefined }), 'line_items'],
      [order({ discount_codes: 'SAVE10' }), 'discount_codes'],
      [order({ discount_codes: [null] }), 'discount_codes'],
      [order({ discount_codes: [{ code: 10 }] }), 'discount_codes'],
      [order({ note_attributes: { tp_click: 'x' } }), 'note_attributes'],
      [order({ landing_site: 5 }), 'landing_site'],
      [order({ test: 'yes' }), 'test'],
    ];
    for (const [body, path] of cases)
      expect(readShopifyEvent('orders/create', body), JSON.stringify(body)).toMatchObject({ ok: false, path });
    expect(readShopifyEvent('refunds/create', refund({ transactions: [{ amount: 10 }] }))).toMatchObject({
      ok: false,
      path: 'transactions',
    });
    expect(readShopifyEvent('refunds/create', refund({ order_id: null }))).toMatchObject({
      ok: false,
      path: 'order_id',
    });
  });

  it("holds Shopify's test sample (a cancelled, voided order) to the structure only", () => {
    const sample = order({
      id: '820982911946154508',
      test: true,
      created_at: '2021-12-31T19:00:00-05:00',
      cancelled_at: '2021-12-31T19:00:00-05:00',
      financial_status: 'voided',
    });
    expect(readShopifyEvent('orders/create', sample)).toMatchObject({ ok: true, event: { test: true } });
    expect(readShopifyEvent('orders/paid', sample)).toMatchObject({ ok: true, event: { test: true } });
    expect(readShopifyEvent('orders/create', { ...sample, total_price: 403 })).toMatchObject({
      ok: false,
      path: 'total_price',
    });
  });
});

describe('deliveryIsFresh', () => {
  it('reads X-Shopify-Triggered-At, else the payload time, within 15 minutes and a minute ahead', () => {
    expect(deliveryIsFresh(new Date(NOW - 14 * 60_000).toISOString(), NaN, NOW)).toBe(true);
    expect(deliveryIsFresh('2026-03-01T11:59:00.123456789Z', NaN, NOW)).toBe(true);
    expect(deliveryIsFresh(new Date(NOW - DELIVERY_MAX_AGE_MS - 1).toISOString(), NOW, NOW)).toBe(false);
    expect(deliveryIsFresh(new Date(NOW + 2 * 60_000).toISOString(), NOW, NOW)).toBe(false);
    expect(deliveryIsFresh(undefined, NOW - 60_000, NOW)).toBe(true);
    expect(deliveryIsFresh(undefined, NOW - 16 * 60_000, NOW)).toBe(false);
    expect(deliveryIsFresh('not a date', NOW - 16 * 60_000, NOW)).toBe(false);
    expect(deliveryIsFresh(undefined, NaN, NOW)).toBe(false);
  });
});
