import { describe, expect, it } from 'vitest';
import { newClickId } from './click-id.js';
import {
  addMonths,
  planStripeEvent,
  readStripeEvent,
  renewalVerdict,
  type StripeEvent,
  type StripePlan,
} from './stripe-payload.js';

const T = 1_796_000_000; // unix seconds
const ev = (type: string, object: Record<string, unknown>): StripeEvent => ({
  id: 'evt_1',
  type,
  created: T,
  livemode: true,
  object,
});
const plan = <K extends StripePlan['kind']>(p: StripePlan, kind: K) => {
  expect(p.kind).toBe(kind);
  return p as Extract<StripePlan, { kind: K }>;
};

describe('readStripeEvent', () => {
  it('reads the envelope and refuses what is not an event', () => {
    const r = readStripeEvent({ id: 'evt_1', type: 'invoice.paid', created: T, livemode: false, data: { object: {} } });
    expect(r).toEqual({
      ok: true,
      event: { id: 'evt_1', type: 'invoice.paid', created: T, livemode: false, object: {} },
    });
    expect(readStripeEvent({ id: 'x', type: 'a', created: T, data: { object: {} } })).toMatchObject({
      ok: false,
      path: 'id',
    });
    expect(readStripeEvent({ id: 'evt_1', type: 'a', created: T, data: {} })).toMatchObject({
      ok: false,
      path: 'data',
    });
    expect(readStripeEvent([])).toMatchObject({ ok: false });
  });
});

describe('planStripeEvent', () => {
  const session = {
    id: 'cs_1',
    mode: 'payment',
    payment_status: 'paid',
    amount_total: 1999,
    currency: 'eur',
    customer: 'cus_1',
    subscription: null,
    payment_intent: 'pi_1',
    invoice: null,
    client_reference_id: null,
    metadata: {},
    discounts: [],
  };

  it('keys a one-time payment by its payment intent, with the click and the code', () => {
    const click = newClickId('Ab3d', T * 1000);
    const p = plan(
      planStripeEvent(
        ev('checkout.session.completed', {
          ...session,
          client_reference_id: click,
          metadata: { tp_code: 'MARIE10' },
          discounts: [{ promotion_code: { id: 'promo_9', code: 'X' } }],
        }),
      ),
      'checkout',
    );
    expect(p.orderId).toBe('pi_1');
    expect(p.conversion).toEqual({
      order: 'pi_1',
      amount: '19.99',
      currency: 'EUR',
      click,
      code: 'MARIE10',
      time: new Date(T * 1000).toISOString(),
    });
    expect(p.promotionCodeId).toBe('promo_9');
  });

  it('takes client_reference_id only when it is a click id, and metadata.tp_click first', () => {
    const click = newClickId('Ab3d', T * 1000);
    const brandRef = plan(
      planStripeEvent(ev('checkout.session.completed', { ...session, client_reference_id: 'user-42' })),
      'checkout',
    );
    expect(brandRef.conversion.click).toBeUndefined();
    const meta = plan(
      planStripeEvent(
        ev('checkout.session.completed', { ...session, client_reference_id: 'user-42', metadata: { tp_click: click } }),
      ),
      'checkout',
    );
    expect(meta.conversion.click).toBe(click);
  });

  it('formats zero-decimal and three-decimal currencies from Stripe’s minor units', () => {
    const jpy = plan(
      planStripeEvent(ev('checkout.session.completed', { ...session, amount_total: 5000, currency: 'jpy' })),
      'checkout',
    );
    expect(jpy.conversion.amount).toBe('5000');
    const kwd = plan(
      planStripeEvent(ev('checkout.session.completed', { ...session, amount_total: 12345, currency: 'kwd' })),
      'checkout',
    );
    expect(kwd.conversion.amount).toBe('12.345');
  });

  it('keys a subscription’s first order by the subscription, from the session and from the first invoice', () => {
    const s = plan(
      planStripeEvent(
        ev('checkout.session.completed', {
          ...session,
          mode: 'subscription',
          subscription: 'sub_1',
          invoice: 'in_1',
          payment_intent: null,
        }),
      ),
      'checkout',
    );
    expect(s.orderId).toBe('sub_1');
    expect(s.objects).toEqual([
      { id: 'sub_1', kind: 'subscription' },
      { id: 'in_1', kind: 'invoice' },
    ]);
    const invoice = {
      id: 'in_1',
      customer: 'cus_1',
      subscription: 'sub_1',
      billing_reason: 'subscription_create',
      amount_paid: 1999,
      currency: 'eur',
      payment_intent: 'pi_1',
      charge: 'ch_1',
      status_transitions: { paid_at: T + 5 },
    };
    const first = plan(planStripeEvent(ev('invoice.paid', invoice)), 'first_invoice');
    expect(first.orderId).toBe('sub_1');
    expect(first.paidAt).toBe((T + 5) * 1000);
    expect(first.objects.map((o) => o.id)).toEqual(['in_1', 'sub_1', 'pi_1', 'ch_1']);
    const renewal = plan(
      planStripeEvent(ev('invoice.paid', { ...invoice, id: 'in_2', billing_reason: 'subscription_cycle' })),
      'renewal',
    );
    expect(renewal.orderId).toBe('in_2');
    expect(renewal.conversion.click).toBeUndefined();
  });

  it('reads the newer API versions’ invoice (parent.subscription_details, payments)', () => {
    const r = plan(
      planStripeEvent(
        ev('invoice.paid', {
          id: 'in_3',
          customer: 'cus_1',
          billing_reason: 'subscription_cycle',
          amount_paid: 500,
          currency: 'usd',
          parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_9', metadata: {} } },
          payments: { data: [{ payment: { type: 'payment_intent', payment_intent: 'pi_3' } }] },
          status_transitions: { paid_at: T },
        }),
      ),
      'renewal',
    );
    expect(r.subscriptionId).toBe('sub_9');
    expect(r.objects).toEqual([
      { id: 'in_3', kind: 'invoice' },
      { id: 'pi_3', kind: 'payment_intent' },
    ]);
    expect(planStripeEvent(ev('invoice.paid', { id: 'in_4', customer: 'c', amount_paid: 1, currency: 'usd' }))).toEqual(
      {
        kind: 'ignore',
        reason: 'invoice_without_subscription',
      },
    );
  });

  it('keys refunds by refund id, a full refund by its charge, a dispute by its id', () => {
    const charge = {
      id: 'ch_1',
      amount: 1000,
      amount_refunded: 1000,
      currency: 'usd',
      refunded: true,
      payment_intent: 'pi_1',
      invoice: 'in_1',
      refunds: {
        data: [
          { id: 're_1', amount: 400 },
          { id: 're_2', amount: 600 },
          { id: 're_3', amount: 5, status: 'failed' },
        ],
      },
    };
    expect(planStripeEvent(ev('charge.refunded', charge))).toEqual({
      kind: 'refund',
      refs: ['ch_1', 'pi_1', 'in_1'],
      refunds: [
        { key: 'stripe-refund-re_1', amount: '4.00' },
        { key: 'stripe-refund-re_2', amount: '6.00' },
        { key: 'stripe-charge-refunded-ch_1', amount: 'full' },
      ],
    });
    // Newer API versions list no refunds on the charge: a partial refund then comes as refund.created.
    expect(planStripeEvent(ev('charge.refunded', { ...charge, refunded: false, refunds: undefined }))).toEqual({
      kind: 'ignore',
      reason: 'refunds_not_listed',
    });
    expect(
      planStripeEvent(
        ev('refund.created', { id: 're_1', amount: 400, currency: 'usd', charge: 'ch_1', payment_intent: 'pi_1' }),
      ),
    ).toEqual({ kind: 'refund', refs: ['ch_1', 'pi_1'], refunds: [{ key: 'stripe-refund-re_1', amount: '4.00' }] });
    expect(planStripeEvent(ev('charge.dispute.created', { id: 'dp_1', charge: 'ch_1', payment_intent: null }))).toEqual(
      {
        kind: 'refund',
        refs: ['ch_1'],
        refunds: [{ key: 'stripe-dispute-dp_1', amount: 'full' }],
      },
    );
  });

  it('ends a subscription at ended_at, and refuses a body without the fields it reads', () => {
    expect(
      planStripeEvent(ev('customer.subscription.deleted', { id: 'sub_1', customer: 'cus_1', ended_at: T })),
    ).toEqual({
      kind: 'subscription_ended',
      subscriptionId: 'sub_1',
      customerId: 'cus_1',
      endedAt: T * 1000,
    });
    expect(planStripeEvent(ev('invoice.paid', { id: 'in_1', amount_paid: '5', currency: 'usd' }))).toMatchObject({
      kind: 'invalid',
      path: 'amount_paid',
    });
  });
});

describe('renewalVerdict', () => {
  const first = Date.UTC(2026, 0, 31);
  const months = { mode: 'months' as const, months: 3, maxInvoices: null };
  const at = (paidAt: number, invoiceNumber = 2, endedAt: number | null = null) => ({
    firstAt: first,
    paidAt,
    invoiceNumber,
    endedAt,
  });

  it('adds calendar months, clamped to the month’s end', () => {
    expect(new Date(addMonths(first, 1)).toISOString()).toBe('2026-02-28T00:00:00.000Z');
    expect(new Date(addMonths(first, 3)).toISOString()).toBe('2026-04-30T00:00:00.000Z');
  });

  it('pays within the first N months, not from the same day N months later', () => {
    expect(renewalVerdict(months, at(addMonths(first, 3) - 1))).toBeNull();
    expect(renewalVerdict(months, at(addMonths(first, 3)))).toBe('recurring_window_over');
  });

  it('stops at the cap (the first order counts), when the offer has none, and once the subscription ended', () => {
    const lifetime = { mode: 'lifetime' as const, months: null, maxInvoices: 3 };
    expect(renewalVerdict(lifetime, at(first + 1e12, 3))).toBeNull();
    expect(renewalVerdict(lifetime, at(first + 1e12, 4))).toBe('recurring_cap_reached');
    expect(renewalVerdict({ mode: 'none', months: null, maxInvoices: null }, at(first + 1))).toBe('recurring_off');
    expect(renewalVerdict(lifetime, at(first + 100, 2, first + 100))).toBe('subscription_ended');
    expect(renewalVerdict(lifetime, at(first + 99, 2, first + 100))).toBeNull();
  });
});
