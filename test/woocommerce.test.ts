// WooCommerce's built-in order webhooks (issue #17): deliveries signed as WooCommerce signs them (base64 HMAC-SHA256 of
// the body), orders shaped as its REST API v3 shows them. The activation ping is answered; a paid order is credited
// by its coupon or by the tp_click its order attribution kept; partial refunds count once each however often an
// update repeats them; refunded and cancelled orders are reversed; repeats, stale and forged deliveries change nothing.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Safari/604.1';
const SECRET = 'wc-secret-0123456789';

/** "2026-12-07T09:41:05": the REST API's *_gmt dates, UTC without a zone. */
const gmt = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString().slice(0, 19);

function wooOrder(id: number, extra: Record<string, unknown> = {}) {
  return {
    id,
    parent_id: 0,
    number: String(id),
    order_key: `wc_order_${id}`,
    created_via: 'checkout',
    status: 'processing',
    currency: 'USD',
    date_created: gmt(),
    date_created_gmt: gmt(),
    date_modified: gmt(),
    date_modified_gmt: gmt(),
    discount_total: '0.00',
    shipping_total: '0.00',
    total: '100.00',
    total_tax: '0.00',
    customer_id: 0,
    billing: { first_name: 'Ada', email: 'ada@example.com' },
    payment_method: 'stripe',
    date_paid: gmt(),
    date_paid_gmt: gmt(),
    meta_data: [],
    line_items: [{ id: 1, name: 'Glow Serum', quantity: 1, total: '100.00' }],
    coupon_lines: [],
    refunds: [],
    ...extra,
  };
}

describe.each(DIALECTS)('WooCommerce webhooks on %s', (kind) => {
  let t: TestApp;
  let offerId: string;
  let anna: Creator;
  let ben: Creator;
  let delivery = 0;

  const send = (body: string, headers: Record<string, string> = {}, secret = SECRET) =>
    t.built.app.inject({
      method: 'POST',
      url: `/webhooks/woocommerce/${t.workspaceId}`,
      payload: body,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'WooCommerce/9.4.2 Hookshot (WordPress/6.7.1)',
        'x-wc-webhook-source': 'https://shop.example.com/',
        'x-wc-webhook-topic': 'order.updated',
        'x-wc-webhook-resource': 'order',
        'x-wc-webhook-event': 'updated',
        'x-wc-webhook-id': '12',
        'x-wc-webhook-delivery-id': `wc-${kind}-${++delivery}`,
        'x-wc-webhook-signature': createHmac('sha256', secret).update(body, 'utf8').digest('base64'),
        ...headers,
      },
    });
  const webhook = (order: unknown, headers: Record<string, string> = {}) => send(JSON.stringify(order), headers);
  const click = async (slug: string) =>
    new URL(
      (await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': UA } })).headers.location as string,
    ).searchParams.get('tp_click')!;
  const order = (orderId: string) =>
    t.built.ctx.store.db
      .selectFrom('conversions')
      .select(['id', 'amount_minor', 'refunded_minor', 'status', 'cancelled_at'])
      .where('workspace_id', '=', t.workspaceId)
      .where('order_id', '=', orderId)
      .execute();
  const commissions = (orderId: string) =>
    t.built.ctx.store.db
      .selectFrom('commissions')
      .innerJoin('conversions', 'conversions.id', 'commissions.conversion_id')
      .select(['commissions.member_id', 'commissions.amount_minor', 'commissions.status'])
      .where('conversions.order_id', '=', orderId)
      .execute();
  const rejected = () =>
    t.built.ctx.store.db
      .selectFrom('conversion_events')
      .select(['reason', 'order_id'])
      .where('source', '=', 'woocommerce')
      .where('outcome', '=', 'rejected')
      .orderBy('received_at')
      .execute();

  beforeAll(async () => {
    t = await startTestApp(kind);
    offerId = (
      await t.api('POST', '/offers', {
        name: 'Glow',
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data.id;
    [anna, ben] = (await addCreators(t, offerId, ['Anna', 'Ben'])) as [Creator, Creator];
  });
  afterAll(() => t.close());

  it('is refused until the workspace has the secret, then shows connected', async () => {
    const res = await webhook(wooOrder(500));
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('bad_signature');
    expect(await rejected()).toEqual([{ reason: 'woocommerce_not_connected', order_id: null }]);
    const ws = await t.api('PATCH', '/workspace', { woocommerceWebhookSecret: SECRET });
    expect(ws.statusCode).toBe(200);
    expect(ws.data).toMatchObject({
      woocommerceConnected: true,
      woocommerceWebhookUrl: `http://tp.test/webhooks/woocommerce/${t.workspaceId}`,
    });
    expect(JSON.stringify(ws.data)).not.toContain(SECRET);
  });

  it('answers the ping WooCommerce sends when the webhook is saved', async () => {
    const ping = await t.built.app.inject({
      method: 'POST',
      url: `/webhooks/woocommerce/${t.workspaceId}`,
      payload: 'webhook_id=12',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(ping.statusCode).toBe(200);
    expect(ping.json()).toEqual({ status: 'ping_received' });
  });

  it('credits a paid order by its coupon, and by the click its order attribution kept', async () => {
    const byCode = await webhook(wooOrder(1001, { coupon_lines: [{ id: 1, code: anna.code.toLowerCase() }] }));
    expect(byCode.statusCode, byCode.body).toBe(200);
    expect(byCode.json()).toMatchObject({ status: 'created', steps: [{ action: 'record', credited: true }] });
    expect(await commissions('1001')).toEqual([{ member_id: anna.id, amount_minor: 1000, status: 'pending' }]);

    const landing = `https://shop.example.com/serum/?utm_source=touchpoint&tp_click=${await click(ben.slug)}`;
    const byClick = await webhook(
      wooOrder(1002, {
        total: '59.90',
        meta_data: [
          { id: 1, key: '_wc_order_attribution_source_type', value: 'utm' },
          { id: 2, key: '_wc_order_attribution_session_entry', value: landing },
        ],
      }),
      { 'x-wc-webhook-topic': 'order.created' },
    );
    expect(byClick.json()).toMatchObject({ status: 'created' });
    expect(await commissions('1002')).toEqual([{ member_id: ben.id, amount_minor: 599, status: 'pending' }]);
  });

  it('records an order when it is paid, not while it waits for payment, and never twice', async () => {
    const pending = await webhook(wooOrder(1101, { status: 'pending', date_paid_gmt: null }));
    expect(pending.json()).toEqual({ status: 'waiting_for_payment', orderStatus: 'pending' });
    expect(await order('1101')).toEqual([]);
    expect((await webhook(wooOrder(1101, { status: 'on-hold', date_paid_gmt: null }))).json()).toMatchObject({
      status: 'waiting_for_payment',
    });
    const paid = await webhook(wooOrder(1101, { coupon_lines: [{ code: anna.code }] }));
    expect(paid.json()).toMatchObject({ status: 'created' });
    // WooCommerce sends order.updated on every save: the completed order is the same sale.
    const completed = await webhook(wooOrder(1101, { status: 'completed', coupon_lines: [{ code: anna.code }] }));
    expect(completed.json()).toMatchObject({ status: 'unchanged' });
    expect(await order('1101')).toHaveLength(1);
    const events = await t.built.ctx.store.db
      .selectFrom('conversion_events')
      .select('outcome')
      .where('order_id', '=', '1101')
      .where('workspace_id', '=', t.workspaceId)
      .execute();
    expect(events.map((e) => e.outcome)).toEqual(['created']);
    // An unpaid order WooCommerce cancels was never a sale: nothing is written for it.
    const never = await webhook(wooOrder(1102, { status: 'cancelled', date_paid_gmt: null }));
    expect(never.json()).toMatchObject({ status: 'waiting_for_payment', orderStatus: 'cancelled' });
    expect(await order('1102')).toEqual([]);
  });

  it('counts each partial refund once however many updates repeat it, and reverses a refunded order', async () => {
    await webhook(wooOrder(1201, { coupon_lines: [{ code: anna.code }] }));
    const refund = { id: 77, reason: 'damaged', total: '-20.00' };
    const once = await webhook(wooOrder(1201, { coupon_lines: [{ code: anna.code }], refunds: [refund] }));
    expect(once.json()).toMatchObject({
      status: 'refunded',
      steps: [
        { action: 'record', status: 'unchanged' },
        { action: 'refund', status: 'refunded' },
      ],
    });
    const again = await webhook(
      wooOrder(1201, { coupon_lines: [{ code: anna.code }], refunds: [refund, { id: 78, total: '-30.00' }] }),
    );
    expect(again.json().steps.map((s: { status: string }) => s.status)).toEqual(['unchanged', 'duplicate', 'refunded']);
    expect(await order('1201')).toMatchObject([{ amount_minor: 10000, refunded_minor: 5000 }]);
    expect(await commissions('1201')).toEqual([{ member_id: anna.id, amount_minor: 500, status: 'pending' }]);

    const full = wooOrder(1201, {
      status: 'refunded',
      coupon_lines: [{ code: anna.code }],
      refunds: [refund, { id: 78, total: '-30.00' }, { id: 79, total: '-50.00' }],
    });
    expect((await webhook(full)).json()).toMatchObject({ status: 'refunded' });
    expect((await webhook(full)).json()).toMatchObject({ status: 'duplicate' });
    expect(await order('1201')).toMatchObject([{ refunded_minor: 10000 }]);
    expect(await commissions('1201')).toEqual([{ member_id: anna.id, amount_minor: 0, status: 'reversed' }]);
  });

  it('reverses a paid order that is cancelled', async () => {
    await webhook(wooOrder(1301, { coupon_lines: [{ code: ben.code }] }));
    const cancelled = await webhook(wooOrder(1301, { status: 'cancelled', coupon_lines: [{ code: ben.code }] }));
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect((await order('1301'))[0]!.cancelled_at).not.toBeNull();
    expect(await commissions('1301')).toEqual([{ member_id: ben.id, amount_minor: 0, status: 'reversed' }]);
  });

  it('changes nothing for a repeated delivery, a forged one, a stale one or a body that is not an order', async () => {
    const body = JSON.stringify(wooOrder(1401, { coupon_lines: [{ code: anna.code }] }));
    const headers = { 'x-wc-webhook-delivery-id': `wc-${kind}-repeat` };
    expect((await send(body, headers)).json()).toMatchObject({ status: 'created' });
    expect((await send(body, headers)).json()).toEqual({ status: 'duplicate_delivery' });

    const before = (await rejected()).length;
    const forged = await send(JSON.stringify(wooOrder(1402, { coupon_lines: [{ code: anna.code }] })), {}, 'guess');
    expect(forged.statusCode).toBe(401);
    const stale = await webhook(
      wooOrder(1403, { coupon_lines: [{ code: anna.code }], date_modified_gmt: gmt(2 * 3600_000) }),
    );
    expect(stale.json()).toEqual({ status: 'rejected', reason: 'delivery_stale' });
    for (const bad of [{}, wooOrder(1404, { total: 100 }), wooOrder(1405, { coupon_lines: 'SAVE' })]) {
      const res = await webhook(bad);
      expect(res.statusCode, res.body).toBe(422);
      expect(res.json().error.code).toBe('payload_invalid');
    }
    expect((await send('{"id":')).json().error.code).toBe('body_invalid');
    expect(await order('1402')).toEqual([]);
    expect(await order('1403')).toEqual([]);
    expect((await rejected()).slice(before).map((r) => [r.reason, r.order_id])).toEqual([
      ['bad_signature', null],
      ['delivery_stale', '1403'],
      ['payload_invalid', null],
      ['payload_invalid', '1404'],
      ['payload_invalid', '1405'],
      ['body_invalid', null],
    ]);
    // A topic Touchpoint does not act on is answered and ignored.
    const product = await send(JSON.stringify({ id: 5, name: 'Serum' }), { 'x-wc-webhook-topic': 'product.updated' });
    expect(product.json()).toEqual({ status: 'ignored', topic: 'product.updated' });
  });
});
