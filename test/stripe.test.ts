// Stripe webhooks: events shaped as Stripe documents them (API version 2024-06-20), signed with the `stripe` package's
// own test-header helper. Refused until connected and when the signature does not verify (400, kept as a rejected
// event); acted on once per event id; Checkout credits by click (client_reference_id), by a code's Stripe promotion
// code, by metadata.tp_code; a subscription's first order is one order whichever event comes first; renewals follow
// its credit; refunds count once by Stripe's refund id; a dispute reverses; after the subscription ended a renewal
// pays nothing. The events are alternated between two app instances on the same database, one delivered to both.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BuiltApp } from '../src/http/app.js';
import { DIALECTS } from './helpers/stores.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1';
const SECRET = 'whsec_test0123456789abcdefghijklmnop';
const DAY = 86_400_000;

describe.each(DIALECTS)('Stripe webhooks on %s', (kind) => {
  let t: TestApp;
  let other: BuiltApp;
  let now = Date.now();
  let offerId: string;
  let anna: Creator;
  let ben: Creator;
  let cara: Creator;
  let seq = 0;

  const event = (type: string, object: Record<string, unknown>, id = `evt_${kind}_${++seq}`) => ({
    id,
    object: 'event',
    api_version: '2024-06-20',
    created: Math.floor(now / 1000),
    livemode: true,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
    data: { object },
  });
  const deliver = (app: BuiltApp, body: unknown, opts: { secret?: string; timestamp?: number } = {}) => {
    const payload = JSON.stringify(body);
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: opts.secret ?? SECRET,
      timestamp: opts.timestamp ?? Math.floor(now / 1000),
    });
    return app.app.inject({
      method: 'POST',
      url: `/webhooks/stripe/${t.workspaceId}`,
      payload,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        'stripe-signature': signature,
      },
    });
  };
  const send = (body: unknown, opts?: { secret?: string; timestamp?: number }) => deliver(t.built, body, opts);
  const click = async (slug: string) =>
    new URL(
      (await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': UA } })).headers.location as string,
    ).searchParams.get('tp_click')!;
  const orders = (orderId: string) =>
    t.db.store.db
      .selectFrom('conversions')
      .select(['id', 'status', 'amount_minor', 'refunded_minor', 'decision'])
      .where('workspace_id', '=', t.workspaceId)
      .where('order_id', '=', orderId)
      .execute();
  const commissions = (orderId: string) =>
    t.db.store.db
      .selectFrom('commissions')
      .innerJoin('conversions', 'conversions.id', 'commissions.conversion_id')
      .select(['commissions.member_id', 'commissions.amount_minor', 'commissions.status'])
      .where('conversions.workspace_id', '=', t.workspaceId)
      .where('conversions.order_id', '=', orderId)
      .execute();
  const rejected = () =>
    t.db.store.db
      .selectFrom('conversion_events')
      .select(['reason', 'order_id'])
      .where('workspace_id', '=', t.workspaceId)
      .where('source', '=', 'stripe')
      .where('outcome', '=', 'rejected')
      .orderBy('received_at')
      .orderBy('id')
      .execute();

  const session = (id: string, extra: Record<string, unknown>) => ({
    id,
    object: 'checkout.session',
    mode: 'payment',
    status: 'complete',
    payment_status: 'paid',
    amount_subtotal: 8000,
    amount_total: 8000,
    currency: 'usd',
    client_reference_id: null,
    customer: 'cus_onetime',
    subscription: null,
    invoice: null,
    payment_intent: `pi_${id}`,
    metadata: {},
    discounts: [],
    created: Math.floor(now / 1000) - 60,
    ...extra,
  });
  const invoice = (id: string, extra: Record<string, unknown>) => ({
    id,
    object: 'invoice',
    customer: 'cus_sub1',
    subscription: 'sub_1',
    billing_reason: 'subscription_cycle',
    status: 'paid',
    paid: true,
    amount_due: 5000,
    amount_paid: 5000,
    currency: 'usd',
    charge: `ch_${id}`,
    payment_intent: `pi_${id}`,
    status_transitions: { paid_at: Math.floor(now / 1000), finalized_at: Math.floor(now / 1000) },
    subscription_details: { metadata: {} },
    created: Math.floor(now / 1000),
    ...extra,
  });
  const charge = (id: string, extra: Record<string, unknown>) => ({
    id,
    object: 'charge',
    amount: 5000,
    amount_captured: 5000,
    amount_refunded: 0,
    currency: 'usd',
    paid: true,
    refunded: false,
    payment_intent: null,
    invoice: null,
    ...extra,
  });

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    other = await buildApp(t.config, { store: t.db.store, logger: false, clock: () => now });
    offerId = (
      await t.api('POST', '/offers', {
        name: 'Glow Club',
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
        recurring: { mode: 'months', months: 12, maxInvoices: null },
      })
    ).data.id;
    [anna, ben, cara] = (await addCreators(t, offerId, ['Anna', 'Ben', 'Cara'])) as [Creator, Creator, Creator];
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  it('is refused until the workspace has the signing secret, and refuses what does not verify', async () => {
    const body = event('checkout.session.completed', session('cs_early', {}));
    const first = await send(body);
    expect(first.statusCode).toBe(400);
    expect(first.json().error.code).toBe('stripe_not_connected');
    const bad = await t.api('PATCH', '/workspace', { stripeWebhookSecret: 'not-a-secret' });
    expect(bad.statusCode).toBe(400);
    const ws = await t.api('PATCH', '/workspace', { stripeWebhookSecret: SECRET });
    expect(ws.statusCode).toBe(200);
    expect(ws.data).toMatchObject({
      stripeConnected: true,
      stripeWebhookUrl: `http://tp.test/webhooks/stripe/${t.workspaceId}`,
    });
    expect(JSON.stringify(ws.data)).not.toContain(SECRET);

    const forged = await send(body, { secret: 'whsec_someoneelse' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.code).toBe('stripe_signature_invalid');
    // Older than the package's default tolerance (300 s).
    const stale = await send(body, { timestamp: Math.floor(now / 1000) - 301 });
    expect(stale.statusCode).toBe(400);
    expect(await rejected()).toEqual([
      { reason: 'stripe_not_connected', order_id: null },
      { reason: 'bad_signature', order_id: null },
      { reason: 'bad_signature', order_id: null },
    ]);
    expect(await orders('pi_cs_early')).toEqual([]);

    // An event type not handled is answered 200 (Stripe would send it again otherwise) and changes nothing.
    const other = await send(event('customer.created', { id: 'cus_x', object: 'customer' }));
    expect(other.statusCode).toBe(200);
    expect(other.json()).toMatchObject({ status: 'ignored', type: 'customer.created' });
  });

  it('credits a Checkout payment by its click, once per event id, and refunds it once per refund id', async () => {
    const clickId = await click(anna.slug);
    const body = event('checkout.session.completed', session('cs_a', { client_reference_id: clickId }));
    const res = await send(body);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'created', credited: true });
    expect(await commissions('pi_cs_a')).toEqual([{ member_id: anna.id, amount_minor: 800, status: 'pending' }]);
    // The same event again, on the other instance: acted on once.
    expect((await deliver(other, body)).json()).toEqual({ status: 'duplicate_delivery' });

    // A partial refund, listed on the charge; the same refund again in refund.created changes nothing.
    const refunded = charge('ch_a', {
      payment_intent: 'pi_cs_a',
      amount: 8000,
      amount_refunded: 2000,
      refunds: { object: 'list', data: [{ id: 're_a1', object: 'refund', amount: 2000, status: 'succeeded' }] },
    });
    expect((await send(event('charge.refunded', refunded))).json()).toMatchObject({ status: 'refunded' });
    const again = await deliver(
      other,
      event('refund.created', {
        id: 're_a1',
        object: 'refund',
        amount: 2000,
        currency: 'usd',
        charge: 'ch_a',
        payment_intent: 'pi_cs_a',
        status: 'succeeded',
      }),
    );
    expect(again.json()).toMatchObject({ status: 'duplicate' });
    expect(await orders('pi_cs_a')).toMatchObject([{ amount_minor: 8000, refunded_minor: 2000 }]);
    expect(await commissions('pi_cs_a')).toEqual([{ member_id: anna.id, amount_minor: 600, status: 'pending' }]);
  });

  it('credits the code a Stripe promotion code stands for, and metadata.tp_code', async () => {
    const code = (await t.api('GET', `/codes?code=${ben.code}`)).data.data[0];
    const set = await t.api('PATCH', `/codes/${code.id}`, { stripePromotionCodeId: 'promo_1Ben' });
    expect(set.statusCode).toBe(200);
    expect(set.data.stripePromotionCodeId).toBe('promo_1Ben');
    const promo = await deliver(
      other,
      event(
        'checkout.session.completed',
        session('cs_b', { discounts: [{ coupon: 'SPRING', promotion_code: 'promo_1Ben' }] }),
      ),
    );
    expect(promo.json()).toMatchObject({ status: 'created', credited: true });
    expect(await commissions('pi_cs_b')).toEqual([{ member_id: ben.id, amount_minor: 800, status: 'pending' }]);

    const meta = await send(
      event('checkout.session.completed', session('cs_c', { metadata: { tp_code: cara.code.toLowerCase() } })),
    );
    expect(meta.json()).toMatchObject({ status: 'created', credited: true });
    expect(await commissions('pi_cs_c')).toEqual([{ member_id: cara.id, amount_minor: 800, status: 'pending' }]);

    // A session still waiting for a delayed payment is not an order yet.
    const unpaid = await send(event('checkout.session.completed', session('cs_d', { payment_status: 'unpaid' })));
    expect(unpaid.json()).toMatchObject({ status: 'ignored', reason: 'payment_pending' });
    expect(await orders('pi_cs_d')).toEqual([]);
  });

  it('pays a subscription and its renewals to the creator who won it, across two instances', async () => {
    const clickId = await click(anna.slug);
    // The first invoice arrives before the Checkout session: one order (the subscription), filled in by the session.
    const firstInvoice = invoice('in_first', { billing_reason: 'subscription_create' });
    expect((await deliver(other, event('invoice.paid', firstInvoice))).json()).toMatchObject({
      status: 'created',
      credited: false,
    });
    const checkout = session('cs_sub', {
      mode: 'subscription',
      amount_total: 5000,
      customer: 'cus_sub1',
      subscription: 'sub_1',
      invoice: 'in_first',
      payment_intent: null,
      client_reference_id: clickId,
    });
    expect((await send(event('checkout.session.completed', checkout))).json()).toMatchObject({
      status: 'filled_in',
      credited: true,
    });
    expect(await orders('sub_1')).toHaveLength(1);
    expect(await orders('in_first')).toEqual([]);
    expect(await commissions('sub_1')).toEqual([{ member_id: anna.id, amount_minor: 500, status: 'pending' }]);

    // Three monthly renewals, alternated between the instances; the second delivered to both.
    const renewals: string[] = [];
    for (let i = 1; i <= 3; i++) {
      now += 30 * DAY;
      const body = event('invoice.paid', invoice(`in_renew${i}`, {}));
      const app = i % 2 ? t.built : other;
      expect((await deliver(app, body)).json()).toMatchObject({ status: 'created', credited: true });
      if (i === 2) expect((await deliver(t.built, body)).json()).toEqual({ status: 'duplicate_delivery' });
      renewals.push(`in_renew${i}`);
    }
    for (const id of renewals) {
      expect(await commissions(id)).toEqual([{ member_id: anna.id, amount_minor: 500, status: 'pending' }]);
      const [row] = await orders(id);
      expect(JSON.parse(row!.decision).reasons).toEqual(['renewal_of_first_order']);
    }

    // A partial refund of the second renewal (found by its charge) and a dispute of the third (by its payment intent).
    const refund = charge('ch_in_renew2', {
      invoice: 'in_renew2',
      payment_intent: 'pi_in_renew2',
      amount_refunded: 1000,
      refunds: { object: 'list', data: [{ id: 're_r2', object: 'refund', amount: 1000, status: 'succeeded' }] },
    });
    expect((await deliver(other, event('charge.refunded', refund))).json()).toMatchObject({ status: 'refunded' });
    // Stripe sends a new event for the same refund (another event id): the refund id keeps it to one.
    expect((await send(event('charge.refunded', refund))).json()).toMatchObject({ status: 'duplicate' });
    expect(await commissions('in_renew2')).toEqual([{ member_id: anna.id, amount_minor: 400, status: 'pending' }]);
    const dispute = {
      id: 'dp_r3',
      object: 'dispute',
      amount: 5000,
      currency: 'usd',
      charge: 'ch_in_renew3',
      payment_intent: 'pi_in_renew3',
      reason: 'fraudulent',
      status: 'needs_response',
    };
    expect((await send(event('charge.dispute.created', dispute))).json()).toMatchObject({ status: 'refunded' });
    const [reversed] = await commissions('in_renew3');
    expect(reversed).toMatchObject({ member_id: anna.id, amount_minor: 0 });
    expect(reversed!.status).toBe('reversed');

    // The subscription ends; a later invoice (of the same customer) is kept as a rejected event saying why.
    now += 10 * DAY;
    const deleted = {
      id: 'sub_1',
      object: 'subscription',
      customer: 'cus_sub1',
      status: 'canceled',
      canceled_at: Math.floor(now / 1000),
      ended_at: Math.floor(now / 1000),
    };
    expect((await deliver(other, event('customer.subscription.deleted', deleted))).json()).toEqual({
      status: 'subscription_ended',
    });
    now += 20 * DAY;
    const late = await send(event('invoice.paid', invoice('in_renew4', {})));
    expect(late.json()).toEqual({ status: 'rejected', reason: 'subscription_ended' });
    expect(await orders('in_renew4')).toEqual([]);
    expect((await rejected()).at(-1)).toEqual({ reason: 'subscription_ended', order_id: 'in_renew4' });
    // Its refund finds no order to change.
    const lateRefund = charge('ch_in_renew4', { invoice: 'in_renew4', payment_intent: 'pi_in_renew4', refunded: true });
    expect((await send(event('charge.refunded', lateRefund))).json()).toMatchObject({
      status: 'rejected',
      reason: 'order_not_recorded',
    });

    // Nothing was paid twice: the ledger agrees with every commission.
    const total = (await commissions('sub_1')).concat(...(await Promise.all(renewals.map((id) => commissions(id)))));
    expect(total.map((c) => c.amount_minor)).toEqual([500, 500, 400, 0]);
  });

  it('pays renewals only within the offer’s window and cap', async () => {
    const clickId = await click(ben.slug);
    expect(
      (await t.api('PATCH', `/offers/${offerId}`, { recurring: { mode: 'lifetime', months: null, maxInvoices: 2 } }))
        .statusCode,
    ).toBe(200);
    const sub = { customer: 'cus_sub2', subscription: 'sub_2' };
    await send(
      event(
        'checkout.session.completed',
        session('cs_sub2', { mode: 'subscription', payment_intent: null, client_reference_id: clickId, ...sub }),
      ),
    );
    now += 30 * DAY;
    expect((await send(event('invoice.paid', invoice('in_s2r1', sub)))).json()).toMatchObject({ credited: true });
    now += 30 * DAY;
    expect((await send(event('invoice.paid', invoice('in_s2r2', sub)))).json()).toEqual({
      status: 'rejected',
      reason: 'recurring_cap_reached',
    });
    expect(await commissions('in_s2r1')).toEqual([{ member_id: ben.id, amount_minor: 500, status: 'pending' }]);
  });
});
