import { describe, expect, it } from 'vitest';
import {
  deliveryIsFresh,
  gmtTime,
  planWooOrder,
  readWooOrder,
  wooClickId,
  type WooOrder,
} from './woocommerce-payload.js';

const order = (extra: Partial<WooOrder> = {}): WooOrder => ({
  id: 42,
  status: 'processing',
  currency: 'eur',
  total: '80.00',
  date_created_gmt: '2026-12-07T09:00:00',
  date_paid_gmt: '2026-12-07T09:01:00',
  coupon_lines: [{ code: 'ANNA10' }],
  refunds: [],
  meta_data: [],
  line_items: [{}],
  ...extra,
});

describe('WooCommerce orders', () => {
  it('reads the REST API dates as UTC', () => {
    expect(gmtTime('2026-12-07T09:00:00')).toBe(Date.UTC(2026, 11, 7, 9));
    expect(gmtTime('2026-12-07T09:00:00Z')).toBe(Date.UTC(2026, 11, 7, 9));
    expect(gmtTime('07/12/2026')).toBeNaN();
    expect(gmtTime(null)).toBeNaN();
  });

  it('accepts an order of the REST API shape and names the first field that is not', () => {
    expect(readWooOrder(order())).toMatchObject({ ok: true, eventTime: Date.UTC(2026, 11, 7, 9) });
    expect(readWooOrder({ ...order(), total: 80 })).toMatchObject({ ok: false, path: 'total' });
    expect(readWooOrder({ ...order(), refunds: [{ id: 1 }] })).toMatchObject({ ok: false, path: 'refunds' });
    expect(readWooOrder([])).toMatchObject({ ok: false, path: '' });
  });

  it('finds the click id in a tp_click meta or in the landing page order attribution kept', () => {
    expect(wooClickId(order())).toBeUndefined();
    expect(wooClickId(order({ meta_data: [{ key: 'tp_click', value: 'c1' }] }))).toBe('c1');
    const entry = { key: '_wc_order_attribution_session_entry', value: 'https://shop.example/p?tp_click=c2&x=1' };
    expect(wooClickId(order({ meta_data: [entry] }))).toBe('c2');
    expect(wooClickId(order({ meta_data: [{ ...entry, value: 'https://shop.example/p' }] }))).toBeUndefined();
  });

  it('plans a paid order as one record with its coupon, amount, currency and payment time', () => {
    expect(planWooOrder(order())).toEqual({
      actions: [
        {
          kind: 'record',
          conversion: {
            order: '42',
            amount: '80.00',
            currency: 'EUR',
            code: 'ANNA10',
            click: undefined,
            time: '2026-12-07T09:01:00.000Z',
          },
        },
      ],
    });
  });

  it('waits for payment, and treats an unpaid cancelled order as no sale', () => {
    expect(planWooOrder(order({ status: 'pending', date_paid_gmt: null }))).toEqual({ waiting: 'pending' });
    expect(planWooOrder(order({ status: 'on-hold' }))).toEqual({ waiting: 'on-hold' });
    expect(planWooOrder(order({ status: 'cancelled', date_paid_gmt: null }))).toEqual({ waiting: 'cancelled' });
    expect(planWooOrder(order({ status: 'some-plugin-status' }))).toEqual({ waiting: 'some-plugin-status' });
  });

  it('turns each listed refund into a keyed refund, and a refunded or cancelled order into a reversal', () => {
    const refunds = [
      { id: 7, total: '-20.00' },
      { id: 8, total: '0.00' },
    ];
    expect(planWooOrder(order({ status: 'completed', refunds }))).toMatchObject({
      actions: [{ kind: 'record' }, { kind: 'refund', amount: '20.00', key: 'woocommerce-refund-7' }],
    });
    expect(planWooOrder(order({ status: 'refunded', refunds }))).toMatchObject({
      actions: [{ kind: 'record' }, { kind: 'refund' }, { kind: 'full_refund', key: 'woocommerce-status-refunded' }],
    });
    expect(planWooOrder(order({ status: 'wc-cancelled' }))).toEqual({
      actions: [{ kind: 'cancel', key: 'woocommerce-status-cancelled' }],
    });
  });

  it('acts on a delivery only within an hour of the order’s last change', () => {
    const now = Date.UTC(2026, 11, 7, 12);
    expect(deliveryIsFresh(now - 59 * 60_000, now)).toBe(true);
    expect(deliveryIsFresh(now - 61 * 60_000, now)).toBe(false);
    expect(deliveryIsFresh(now + 5 * 60_000, now)).toBe(false);
    expect(deliveryIsFresh(NaN, now)).toBe(false);
  });
});
