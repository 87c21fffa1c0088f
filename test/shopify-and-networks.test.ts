import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp, addCreators, type Creator } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';
const SHOPIFY_SECRET = 'shpss_test_0123456789abcdef';

/** Shaped like Shopify's documented orders/create payload, trimmed to what matters here. */
function shopifyOrder(id: number, extra: Record<string, unknown>) {
  return {
    id,
    admin_graphql_api_id: `gid://shopify/Order/${id}`,
    name: `#${1000 + (id % 1000)}`,
    email: 'buyer@example.com',
    created_at: new Date().toISOString(),
    currency: 'USD',
    total_price: '199.00',
    current_total_price: '199.00',
    subtotal_price: '189.00',
    total_discounts: '10.00',
    financial_status: 'paid',
    test: false,
    landing_site: '/',
    referring_site: 'https://www.instagram.com/',
    note_attributes: [],
    discount_codes: [],
    line_items: [{ id: 1, title: 'Glow Serum', quantity: 1, price: '199.00' }],
    ...extra,
  };
}

describe.each(DIALECTS)('Shopify webhooks and network postbacks on %s', (kind) => {
  let t: TestApp;
  let secret: string;
  let offerId: string;
  let anna: { id: string; slug: string; code: string };
  let ben: { id: string; slug: string; code: string };
  let delivery = 0;

  const click = async (slug: string) =>
    new URL(
      (await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': UA } })).headers.location as string,
    ).searchParams.get('tp_click')!;
  const webhook = (topic: string, payload: unknown, opts: { id?: string; hmacSecret?: string } = {}) => {
    const body = JSON.stringify(payload);
    return t.built.app.inject({
      method: 'POST',
      url: `/webhooks/shopify/${t.workspaceId}`,
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-shop-domain': 'glow.myshopify.com',
        'x-shopify-webhook-id': opts.id ?? `wh-${kind}-${++delivery}`,
        'x-shopify-hmac-sha256': createHmac('sha256', opts.hmacSecret ?? SHOPIFY_SECRET)
          .update(body, 'utf8')
          .digest('base64'),
      },
    });
  };
  const commissions = (conversionId: string) =>
    t.built.ctx.store.db
      .selectFrom('commissions')
      .select(['member_id', 'amount_minor', 'status'])
      .where('conversion_id', '=', conversionId)
      .execute();

  beforeAll(async () => {
    t = await startTestApp(kind);
    secret = (await t.api('PATCH', '/workspace', { shopifyWebhookSecret: SHOPIFY_SECRET })).data.postbackSecret;
    offerId = (
      await t.api('POST', '/offers', {
        name: 'Glow',
        destinationUrl: 'https://glow.example.com/',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data.id;
    [anna, ben] = (await addCreators(t, offerId, ['Anna', 'Ben'])) as [Creator, Creator];
  });
  afterAll(() => t.close());

  it('shows whether Shopify is connected, never the secret', async () => {
    const ws = (await t.api('GET', '/workspace')).data;
    expect(ws).toMatchObject({
      shopifyConnected: true,
      shopifyWebhookUrl: `http://tp.test/webhooks/shopify/${t.workspaceId}`,
    });
    expect(JSON.stringify(ws)).not.toContain(SHOPIFY_SECRET);
  });

  it('credits an order by the click id in landing_site, once, however often Shopify delivers it', async () => {
    const clickId = await click(anna.slug);
    const order = shopifyOrder(5001, { landing_site: `/products/glow?utm_source=touchpoint&tp_click=${clickId}` });
    const first = await webhook('orders/create', order, { id: 'wh-same' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: 'created', credited: true });
    expect((await webhook('orders/create', order, { id: 'wh-same' })).json()).toEqual({ status: 'duplicate_delivery' });
    expect((await webhook('orders/paid', order)).json()).toMatchObject({ status: 'duplicate' });
    expect(await commissions(first.json().conversionId)).toEqual([
      { member_id: anna.id, amount_minor: 1990, status: 'pending' },
    ]);
  });

  it('credits by note_attributes and by discount code, and follows the offer rule when both meet', async () => {
    const byAttribute = await webhook(
      'orders/create',
      shopifyOrder(5002, { note_attributes: [{ name: 'tp_click', value: await click(ben.slug) }] }),
    );
    expect(await commissions(byAttribute.json().conversionId)).toEqual([
      { member_id: ben.id, amount_minor: 1990, status: 'pending' },
    ]);
    const both = await webhook(
      'orders/create',
      shopifyOrder(5003, {
        landing_site: `/?tp_click=${await click(anna.slug)}`,
        discount_codes: [{ code: ben.code.toLowerCase(), amount: '10.00', type: 'percentage' }],
      }),
    );
    expect(await commissions(both.json().conversionId)).toEqual([
      { member_id: ben.id, amount_minor: 1990, status: 'pending' },
    ]);
  });

  it('reduces on a partial refund, once per refund, and reverses on cancellation', async () => {
    const created = (
      await webhook('orders/create', shopifyOrder(5004, { landing_site: `/?tp_click=${await click(anna.slug)}` }))
    ).json();
    const refund = {
      id: 9001,
      order_id: 5004,
      created_at: new Date().toISOString(),
      note: 'Damaged',
      transactions: [{ id: 1, kind: 'refund', status: 'success', amount: '49.75', currency: 'USD' }],
      refund_line_items: [],
    };
    expect((await webhook('refunds/create', refund)).json()).toMatchObject({
      status: 'refunded',
      commissionsChanged: 1,
    });
    // 10 % of the 149.25 left.
    expect(await commissions(created.conversionId)).toEqual([
      { member_id: anna.id, amount_minor: 1493, status: 'pending' },
    ]);
    expect((await webhook('refunds/create', refund)).json()).toMatchObject({ status: 'duplicate' });
    expect(await commissions(created.conversionId)).toEqual([
      { member_id: anna.id, amount_minor: 1493, status: 'pending' },
    ]);
    expect(
      (await webhook('orders/cancelled', shopifyOrder(5004, { cancelled_at: new Date().toISOString() }))).json(),
    ).toMatchObject({ status: 'cancelled' });
    expect(await commissions(created.conversionId)).toEqual([
      { member_id: anna.id, amount_minor: 0, status: 'reversed' },
    ]);
  });

  it('refuses a bad signature and keeps the event with its reason', async () => {
    const res = await webhook('orders/create', shopifyOrder(5005, {}), { hmacSecret: 'wrong' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('bad_signature');
    const kept = await t.built.ctx.store.db
      .selectFrom('conversion_events')
      .select(['source', 'reason'])
      .where('outcome', '=', 'rejected')
      .where('source', '=', 'shopify')
      .execute();
    expect(kept).toEqual(expect.arrayContaining([{ source: 'shopify', reason: 'bad_signature' }]));
    const conversions = await t.built.ctx.store.db
      .selectFrom('conversions')
      .select('id')
      .where('order_id', '=', '5005')
      .execute();
    expect(conversions).toEqual([]);
  });

  it('answers TUNE/HasOffers postbacks the way TUNE does', async () => {
    const clickId = await click(ben.slug);
    const ok = await t.built.app.inject({
      url: `/aff_lsr?offer_id=17&transaction_id=${clickId}&amount=20.00&adv_unique1=T-77&security_token=${secret}`,
    });
    expect(ok.body).toBe('success=true;');
    const conversion = await t.built.ctx.store.db
      .selectFrom('conversions')
      .select(['id', 'click_id'])
      .where('order_id', '=', 'T-77')
      .executeTakeFirstOrThrow();
    expect(conversion.click_id).toBe(clickId);
    expect(await commissions(conversion.id)).toEqual([{ member_id: ben.id, amount_minor: 200, status: 'pending' }]);
    const bad = await t.built.app.inject({
      url: `/aff_lsr?transaction_id=${clickId}&amount=20.00&adv_unique1=T-78&security_token=nope`,
    });
    expect(bad.body).toBe('success=false; err_msg=Invalid security token;');
    const unknown = await t.built.app.inject({ url: `/aff_lsr?transaction_id=nope&security_token=${secret}` });
    expect(unknown.body).toBe('success=false; err_msg=Invalid transaction ID;');
  });

  it('accepts Everflow-style parameters and refunds through the postback', async () => {
    const clickId = await click(anna.slug);
    const res = await t.built.app.inject({
      url: `/postback?secret=${secret}&transaction_id=${clickId}&order_id=EF-1&amount=30.00&coupon_code=`,
    });
    expect(res.json()).toMatchObject({
      status: 'created',
      commissions: [expect.objectContaining({ memberId: anna.id, amount: '3.00' })],
    });
    const refunded = await t.built.app.inject({
      url: `/postback?secret=${secret}&type=refund&order_id=EF-1&amount=30.00`,
    });
    expect(refunded.json()).toMatchObject({ status: 'refunded', commissionsChanged: 1 });
    // A refund before its order is kept and applied when the order arrives (the outcome does not depend on which came first).
    const early = await t.built.app.inject({
      url: `/postback?secret=${secret}&type=refund&order_id=EF-2&amount=10.00`,
    });
    expect(early.json()).toMatchObject({ status: 'awaiting_order', commissionsChanged: 0 });
    const order = await t.built.app.inject({
      url: `/postback?secret=${secret}&transaction_id=${await click(anna.slug)}&order_id=EF-2&amount=40.00`,
    });
    expect(order.json()).toMatchObject({
      status: 'filled_in',
      commissions: [expect.objectContaining({ memberId: anna.id, amount: '3.00' })],
    });
  });
});
