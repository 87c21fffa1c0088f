// SPEC §2 and §6: a Shopify delivery is acted on only as the event its signed payload is, inside a delivery-time
// window; whatever is refused is kept with its reason and answered with a stable code, never a 5xx; order ids stay
// exactly as sent; Shopify's test notification lands in the tracking check.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { openPostgres } from '../src/db/dialect/index.js';
import { buildApp } from '../src/http/app.js';
import { DIALECTS } from './helpers/stores.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';
const SHOPIFY_SECRET = 'shpss_test_hardening_0123456789';

function shopifyOrder(id: number | string, extra: Record<string, unknown> = {}) {
  const now = new Date().toISOString();
  return {
    id,
    name: '#1001',
    email: 'buyer@example.com',
    created_at: now,
    updated_at: now,
    cancelled_at: null,
    currency: 'USD',
    total_price: '100.00',
    current_total_price: '100.00',
    financial_status: 'paid',
    test: false,
    landing_site: '/',
    note_attributes: [],
    discount_codes: [],
    line_items: [{ id: 1, title: 'Glow Serum', quantity: 1, price: '100.00' }],
    ...extra,
  };
}

describe.each(DIALECTS)('Shopify deliveries, hardened, on %s', (kind) => {
  let t: TestApp;
  let offerId: string;
  let anna: Creator;
  let delivery = 0;

  const click = async (slug: string) =>
    new URL(
      (await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': UA } })).headers.location as string,
    ).searchParams.get('tp_click')!;
  const send = (topic: string, body: string, headers: Record<string, string> = {}, app = t.built.app) =>
    app.inject({
      method: 'POST',
      url: `/webhooks/shopify/${t.workspaceId}`,
      payload: body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-webhook-id': `wh-hard-${kind}-${++delivery}`,
        'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body, 'utf8').digest('base64'),
        ...headers,
      },
    });
  const webhook = (topic: string, payload: unknown, headers: Record<string, string> = {}) =>
    send(topic, JSON.stringify(payload), headers);
  const commissions = (conversionId: string) =>
    t.built.ctx.store.db
      .selectFrom('commissions')
      .select(['member_id', 'amount_minor', 'status'])
      .where('conversion_id', '=', conversionId)
      .execute();
  const rejected = () =>
    t.built.ctx.store.db
      .selectFrom('conversion_events')
      .select(['reason', 'order_id', 'is_test'])
      .where('source', '=', 'shopify')
      .where('outcome', '=', 'rejected')
      .orderBy('received_at')
      .execute();
  const ordersNamed = (orderId: string) =>
    t.built.ctx.store.db
      .selectFrom('conversions')
      .select(['id', 'order_id', 'is_test', 'amount_minor'])
      .where('order_id', '=', orderId)
      .execute();

  beforeAll(async () => {
    t = await startTestApp(kind);
    await t.api('PATCH', '/workspace', { shopifyWebhookSecret: SHOPIFY_SECRET });
    offerId = (
      await t.api('POST', '/offers', {
        name: 'Glow',
        destinationUrl: 'https://glow.example.com/',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data.id;
    [anna] = (await addCreators(t, offerId, ['Anna'])) as [Creator];
  });
  afterAll(() => t.close());

  it('refuses an order delivery replayed under another topic, and keeps it', async () => {
    const order = shopifyOrder(7001, { landing_site: `/?tp_click=${await click(anna.slug)}` });
    const created = await webhook('orders/create', order);
    expect(created.json()).toMatchObject({ status: 'created', credited: true });
    const before = (await rejected()).length;
    for (const topic of ['orders/cancelled', 'refunds/create']) {
      const res = await webhook(topic, order);
      expect(res.statusCode, `${topic}: ${res.body}`).toBe(422);
      expect(res.json().error).toMatchObject({
        code: 'payload_invalid',
        details: [expect.objectContaining({ path: expect.any(String) })],
      });
    }
    expect(await commissions(created.json().conversionId)).toEqual([
      { member_id: anna.id, amount_minor: 1000, status: 'pending' },
    ]);
    expect((await rejected()).slice(before)).toEqual([
      // An order body carries no order_id: what it claims as a refund names no order.
      { reason: 'payload_invalid', order_id: '7001', is_test: 0 },
      { reason: 'payload_invalid', order_id: null, is_test: 0 },
    ]);
    const unpaid = await webhook('orders/paid', shopifyOrder(7002, { financial_status: 'pending' }));
    expect(unpaid.statusCode).toBe(422);
    expect(await ordersNamed('7002')).toEqual([]);
  });

  it('acts only on deliveries triggered in the last 15 minutes, reading the payload time when the header is absent', async () => {
    const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
    const stale = await webhook('orders/create', shopifyOrder(7101), { 'x-shopify-triggered-at': minutesAgo(20) });
    expect(stale.statusCode).toBe(200);
    expect(stale.json()).toEqual({ status: 'rejected', reason: 'delivery_stale' });
    const ahead = await webhook('orders/create', shopifyOrder(7102), { 'x-shopify-triggered-at': minutesAgo(-5) });
    expect(ahead.json()).toEqual({ status: 'rejected', reason: 'delivery_stale' });
    const oldPayload = await webhook(
      'orders/create',
      shopifyOrder(7103, { created_at: minutesAgo(60), updated_at: minutesAgo(60) }),
    );
    expect(oldPayload.json()).toEqual({ status: 'rejected', reason: 'delivery_stale' });
    expect([...(await ordersNamed('7101')), ...(await ordersNamed('7102')), ...(await ordersNamed('7103'))]).toEqual(
      [],
    );
    expect((await rejected()).filter((r) => r.reason === 'delivery_stale').map((r) => r.order_id)).toEqual([
      '7101',
      '7102',
      '7103',
    ]);

    const fresh = await webhook('orders/create', shopifyOrder(7104, { created_at: minutesAgo(60) }), {
      'x-shopify-triggered-at': minutesAgo(10),
    });
    expect(fresh.json()).toMatchObject({ status: 'created' });
  });

  it('answers a 4xx with a stable code to signed but oddly shaped bodies, never a 5xx, and keeps each', async () => {
    const bodies: [string, string][] = [
      ['orders/create', 'null'],
      ['orders/create', '[]'],
      ['orders/create', '"order"'],
      ['orders/create', '42'],
      ['orders/create', '{}'],
      ['orders/create', '{"id":'],
      ['orders/create', 'not json'],
      ['orders/create', ''],
      ['orders/create', JSON.stringify(shopifyOrder(7201, { total_price: 100 }))],
      ['orders/create', JSON.stringify(shopifyOrder(7202, { discount_codes: 'SAVE10' }))],
      ['orders/create', JSON.stringify(shopifyOrder(7203, { discount_codes: [null] }))],
      ['orders/create', JSON.stringify(shopifyOrder(7204, { note_attributes: { tp_click: 'x' } }))],
      ['orders/create', JSON.stringify(shopifyOrder(7205, { landing_site: 7 }))],
      ['orders/create', JSON.stringify(shopifyOrder(7206, { currency: ['USD'] }))],
      ['orders/create', JSON.stringify(shopifyOrder(-7207))],
      ['orders/create', JSON.stringify(shopifyOrder(7208, { line_items: null }))],
      ['orders/paid', JSON.stringify(shopifyOrder(7209, { created_at: 12 }))],
      ['orders/cancelled', JSON.stringify(shopifyOrder(7210, { cancelled_at: 'soon' }))],
      [
        'refunds/create',
        JSON.stringify({ id: 1, order_id: 7001, created_at: new Date().toISOString(), transactions: 'all' }),
      ],
      [
        'refunds/create',
        JSON.stringify({
          id: 1,
          order_id: 7001,
          created_at: new Date().toISOString(),
          transactions: [{ kind: 'refund', amount: 5 }],
        }),
      ],
      [
        'refunds/create',
        JSON.stringify({ id: 2, order_id: { id: 7001 }, created_at: new Date().toISOString(), transactions: [] }),
      ],
      ['refunds/create', 'null'],
    ];
    const before = (await rejected()).length;
    for (const [topic, body] of bodies) {
      const res = await send(topic, body);
      expect(res.statusCode, `${topic} ${body}: ${res.body}`).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, `${topic} ${body}: ${res.body}`).toBeLessThan(500);
      expect(['payload_invalid', 'body_invalid'], body).toContain(res.json().error.code);
    }
    const kept = (await rejected()).slice(before);
    expect(kept.map((k) => k.reason)).toEqual(
      bodies.map(([, b]) => (b === '' || b === 'not json' || b === '{"id":' ? 'body_invalid' : 'payload_invalid')),
    );
    expect(kept.find((k) => k.order_id === '7201')).toBeDefined();
    expect(
      await t.built.ctx.store.db
        .selectFrom('commissions')
        .select('id')
        .where(
          'conversion_id',
          'in',
          t.built.ctx.store.db.selectFrom('conversions').select('id').where('order_id', '=', '7001'),
        )
        .where('status', '=', 'reversed')
        .execute(),
    ).toEqual([]);
  });

  it('keeps order ids above 2^53 exactly, for orders and their refunds', async () => {
    const a = await send(
      'orders/create',
      JSON.stringify(shopifyOrder(7300)).replace('"id":7300', '"id":9007199254740993508'),
    );
    const b = await send(
      'orders/create',
      JSON.stringify(shopifyOrder(7300)).replace('"id":7300', '"id":9007199254740993509'),
    );
    expect(a.json()).toMatchObject({ status: 'created' });
    expect(b.json()).toMatchObject({ status: 'created' });
    expect((await ordersNamed('9007199254740993508')).map((o) => o.id)).toEqual([a.json().conversionId]);
    expect((await ordersNamed('9007199254740993509')).map((o) => o.id)).toEqual([b.json().conversionId]);
    const refund = `{"id":9007199254740993001,"order_id":9007199254740993509,"created_at":"${new Date().toISOString()}","transactions":[{"kind":"refund","status":"success","amount":"100.00"}]}`;
    expect((await send('refunds/create', refund)).json()).toMatchObject({
      status: 'refunded',
      conversionId: b.json().conversionId,
    });
    expect((await send('refunds/create', refund)).json()).toMatchObject({ status: 'duplicate' });
    const amounts = await t.built.ctx.store.db
      .selectFrom('conversions')
      .select(['order_id', 'refunded_minor'])
      .where('order_id', 'like', '90071992547409935%')
      .orderBy('order_id')
      .execute();
    expect(amounts).toEqual([
      { order_id: '9007199254740993508', refunded_minor: 0 },
      { order_id: '9007199254740993509', refunded_minor: 10000 },
    ]);
  });

  it("puts Shopify's test notification in the tracking check whatever its date, never on a real order", async () => {
    const real = await webhook('orders/create', shopifyOrder('820982911946154508'));
    expect(real.json()).toMatchObject({ status: 'created' });
    const sample = shopifyOrder('820982911946154508', {
      test: true,
      created_at: '2021-12-31T19:00:00-05:00',
      updated_at: '2021-12-31T19:00:00-05:00',
      cancelled_at: '2021-12-31T19:00:00-05:00',
      financial_status: 'voided',
      total_price: '403.00',
      current_total_price: '403.00',
      landing_site: null,
    });
    const body = JSON.stringify(sample).replace('"id":"820982911946154508"', '"id":820982911946154508');
    const created = await send('orders/create', body, { 'x-shopify-triggered-at': '2021-12-31T19:00:00-05:00' });
    expect(created.statusCode, created.body).toBe(200);
    expect(created.json()).toMatchObject({ status: 'created', credited: false });
    const cancelled = await send('orders/cancelled', body);
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect(await ordersNamed('820982911946154508')).toEqual(
      expect.arrayContaining([
        { id: real.json().conversionId, order_id: '820982911946154508', is_test: 0, amount_minor: 10000 },
        { id: created.json().conversionId, order_id: '820982911946154508', is_test: 1, amount_minor: 40300 },
      ]),
    );
    const realRow = await t.built.ctx.store.db
      .selectFrom('conversions')
      .select(['refunded_minor', 'status'])
      .where('id', '=', real.json().conversionId)
      .executeTakeFirstOrThrow();
    expect(realRow.refunded_minor).toBe(0);
    expect(realRow.status).not.toBe('reversed');
  });

  it.runIf(kind === 'postgres')('answers a delivery id once across two instances on one database', async () => {
    const config = loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: t.db.dataDir }, { clickFlushMs: 50 });
    const second = await buildApp(config, { store: openPostgres(t.db.url, 5), logger: false });
    try {
      for (let round = 0; round < 5; round++) {
        const body = JSON.stringify(shopifyOrder(7400 + round));
        const headers = { 'x-shopify-webhook-id': `wh-twice-${round}` };
        const answers = (
          await Promise.all([send('orders/create', body, headers), send('orders/create', body, headers, second.app)])
        )
          .map((r) => r.json().status)
          .sort();
        expect(answers).toEqual(['created', 'duplicate_delivery']);
      }
    } finally {
      await second.close();
    }
  });
});
