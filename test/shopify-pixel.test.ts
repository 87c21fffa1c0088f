// The Shopify web pixel's handler (integrations/shopify/extensions/touchpoint-pixel/src/handler.js) against a real
// Touchpoint over real HTTP: Shopify's documented `checkout_completed` event goes in, the handler posts to /collect
// (through a `browser` shim whose sendBeacon makes a real POST, with the opaque `Origin: null` of Shopify's pixel
// sandbox, or through Node's own fetch), and then the signed order webhook for the same order confirms it: one
// conversion, decided on Shopify's server evidence, credited to the member whose link was clicked.
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectRequestOf,
  decimalOf,
  discountCodesOf,
  orderIdOf,
  reportCheckoutCompleted,
} from '../integrations/shopify/extensions/touchpoint-pixel/src/handler.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';
import { listen } from './helpers/browser.js';
import { DIALECTS } from './helpers/stores.js';

const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const SHOPIFY_SECRET = 'shpss_pixel_0123456789abcdef';

/** A `checkout_completed` event as Shopify's Web Pixels API documents it (PixelEventsCheckoutCompleted). */
function checkoutCompleted(opts: {
  orderId: string;
  amount: number;
  attributes?: { key: string; value: string }[];
  codes?: string[];
  gateway?: string;
}) {
  const money = (amount: number) => ({ amount, currencyCode: 'USD' });
  return {
    id: `sh-${opts.orderId}-event`,
    clientId: 'c8d2f6a0-1111-4d2e-9a55-2f1a3c4b5d6e',
    name: 'checkout_completed',
    type: 'standard',
    seq: 7,
    timestamp: new Date().toISOString(),
    context: {
      document: {
        location: { href: 'https://glow.example.com/checkouts/cn/Z2NwLXVzLWVhc3QxOjAx/thank-you' },
        referrer: 'https://glow.example.com/cart',
        title: 'Thank you',
      },
      navigator: { language: 'en-US', cookieEnabled: true, userAgent: UA },
      window: { location: { origin: 'https://glow.example.com' }, innerWidth: 1280, innerHeight: 800 },
    },
    data: {
      checkout: {
        attributes: opts.attributes ?? [],
        billingAddress: null,
        buyerAcceptsEmailMarketing: false,
        buyerAcceptsSmsMarketing: false,
        currencyCode: 'USD',
        delivery: null,
        discountApplications: [
          // An automatic discount is not a code the buyer entered.
          {
            allocationMethod: 'ACROSS',
            targetSelection: 'ALL',
            targetType: 'LINE_ITEM',
            title: 'Spring bundle',
            type: 'AUTOMATIC',
            value: { percentage: 5 },
          },
          ...(opts.codes ?? []).map((title) => ({
            allocationMethod: 'ACROSS',
            targetSelection: 'ALL',
            targetType: 'LINE_ITEM',
            title,
            type: 'DISCOUNT_CODE',
            value: { amount: 10, currencyCode: 'USD' },
          })),
        ],
        discountsAmount: money(10),
        email: 'buyer@example.com',
        lineItems: [
          {
            id: 'gid://shopify/CheckoutLineItem/1',
            quantity: 1,
            title: 'Glow Serum',
            discountAllocations: [],
            finalLinePrice: money(opts.amount),
            properties: [],
            sellingPlanAllocation: null,
            variant: null,
          },
        ],
        order: { id: opts.orderId, customer: { id: 'gid://shopify/Customer/77', isFirstOrder: true } },
        phone: null,
        shippingAddress: null,
        shippingLine: null,
        smsMarketingPhone: null,
        subtotalPrice: money(opts.amount),
        token: `tok-${opts.orderId}`,
        totalPrice: money(opts.amount),
        totalTax: money(0),
        transactions: [
          {
            amount: money(opts.amount),
            gateway: opts.gateway ?? 'shopify_payments',
            paymentMethod: { name: 'visa', type: 'creditCard' },
          },
        ],
      },
    },
  };
}

interface Shim {
  beacons: { url: string; body: string; status: number }[];
  cookie: Record<string, string>;
  local: Record<string, string>;
  browser: {
    cookie: { get(name?: string): Promise<string>; set(name: string, value?: string): Promise<string> };
    localStorage: { getItem(key: string): Promise<string | null> };
    sendBeacon(url: string, body?: string): Promise<boolean>;
  };
}

/** The pixel sandbox's `browser`: cookie and localStorage of the shop's page; sendBeacon a real POST from a sandbox. */
function browserShim(): Shim {
  const shim: Shim = {
    beacons: [],
    cookie: {},
    local: {},
    browser: {
      cookie: {
        get: async (name) => (name ? (shim.cookie[name] ?? '') : ''),
        set: async (name, value) => (shim.cookie[name] = value ?? ''),
      },
      localStorage: { getItem: async (key) => shim.local[key] ?? null },
      async sendBeacon(url, body = '') {
        const res = await fetch(url, {
          method: 'POST',
          body,
          headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'null', 'user-agent': UA },
        });
        shim.beacons.push({ url, body, status: res.status });
        return true;
      },
    },
  };
  return shim;
}

describe('the Shopify web pixel handler, pure parts', () => {
  it('reads the order id the webhook records, the amount, and the codes the buyer entered', () => {
    expect(orderIdOf('gid://shopify/OrderIdentity/5210499102')).toBe('5210499102');
    expect(orderIdOf('gid://shopify/Order/820982911946154508')).toBe('820982911946154508');
    expect(orderIdOf('5210499102')).toBe('5210499102');
    expect(orderIdOf(5210499102)).toBe('5210499102');
    for (const bad of ['#1001', '', 'gid://shopify/Order/', '0', null, undefined, 1.5, '12 34'])
      expect(orderIdOf(bad), String(bad)).toBeNull();
    expect(decimalOf(49.9)).toBe('49.9');
    expect(decimalOf(19.990000000000002)).toBe('19.99');
    expect(decimalOf(1500)).toBe('1500');
    expect(decimalOf(0)).toBe('0');
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1e21, '12,50', null])
      expect(decimalOf(bad)).toBeUndefined();
    const event = checkoutCompleted({ orderId: '1', amount: 1, codes: ['ANNA10', ' BEN5 '] });
    expect(discountCodesOf(event.data.checkout)).toEqual(['ANNA10', 'BEN5']);
    expect(discountCodesOf({})).toEqual([]);
  });

  it('sends nothing without its settings or without an order', async () => {
    const shim = browserShim();
    const event = checkoutCompleted({ orderId: '42', amount: 10 });
    const good = { trackingOrigin: 'https://go.example.com', offerId: 'off_' + 'a'.repeat(26) };
    for (const settings of [{}, { ...good, trackingOrigin: 'go.example.com' }, { ...good, offerId: 'Glow' }]) {
      expect(await collectRequestOf(event, shim.browser, settings)).toBeNull();
      expect(await reportCheckoutCompleted(event, { browser: shim.browser, settings })).toBeNull();
    }
    const noOrder = checkoutCompleted({ orderId: '42', amount: 10 });
    (noOrder.data.checkout as { order: unknown }).order = null;
    expect(await collectRequestOf(noOrder, shim.browser, good)).toBeNull();
    expect(shim.beacons).toEqual([]);
    // A trailing slash on the origin is forgiven; the offer rides in the query as t.js sends it.
    const req = await collectRequestOf(event, shim.browser, { ...good, trackingOrigin: 'https://go.example.com/' });
    expect(req?.url).toBe(`https://go.example.com/collect?offer=${good.offerId}`);
    expect(JSON.parse(req!.body)).toEqual({ offer: good.offerId, orderId: '42', amount: '10', currency: 'USD' });
  });
});

describe.each(DIALECTS)('the Shopify web pixel and the order webhook on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let offerId: string;
  let anna: Creator;
  let ben: Creator;
  let delivery = 0;
  let settings: { trackingOrigin: string; offerId: string };

  const db = () => t.built.ctx.store.db;
  const click = async (slug: string) =>
    new URL(
      (await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': UA } })).headers.location as string,
    ).searchParams.get('tp_click')!;
  /** The signed order webhook, its body written as Shopify writes it (ids as JSON numbers, even past 2^53). */
  const orderWebhook = async (id: string, extra: Record<string, unknown>) => {
    const order = {
      id: 'ORDER_ID',
      admin_graphql_api_id: `gid://shopify/Order/${id}`,
      name: `#${1000 + delivery}`,
      created_at: new Date().toISOString(),
      currency: 'USD',
      total_price: '199.00',
      current_total_price: '199.00',
      financial_status: 'paid',
      test: false,
      landing_site: '/products/glow-serum',
      note_attributes: [],
      discount_codes: [],
      line_items: [{ id: 1, title: 'Glow Serum', quantity: 1, price: '199.00' }],
      ...extra,
    };
    const body = JSON.stringify(order).replace('"id":"ORDER_ID"', `"id":${id}`);
    const res = await fetch(`${base}/webhooks/shopify/${t.workspaceId}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'glow.myshopify.com',
        'x-shopify-webhook-id': `wh-pixel-${kind}-${++delivery}`,
        'x-shopify-triggered-at': new Date().toISOString(),
        'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body, 'utf8').digest('base64'),
      },
    });
    return { status: res.status, data: (await res.json()) as Record<string, unknown> };
  };
  const conversionsOf = (orderId: string) =>
    db()
      .selectFrom('conversions')
      .select(['id', 'status', 'click_id', 'code', 'amount_minor', 'currency', 'is_test'])
      .where('workspace_id', '=', t.workspaceId)
      .where('order_id', '=', orderId)
      .execute();
  const eventsOf = (conversionId: string) =>
    db()
      .selectFrom('conversion_events')
      .select(['source', 'outcome', 'trust', 'detail'])
      .where('conversion_id', '=', conversionId)
      .orderBy('received_at')
      .orderBy('id')
      .execute();
  const commissionsOf = (conversionId: string) =>
    db()
      .selectFrom('commissions')
      .select(['member_id', 'amount_minor', 'source'])
      .where('conversion_id', '=', conversionId)
      .execute();

  beforeAll(async () => {
    t = await startTestApp(kind);
    base = await listen(t);
    expect((await t.api('PATCH', '/workspace', { shopifyWebhookSecret: SHOPIFY_SECRET })).statusCode).toBe(200);
    const offer = await t.api('POST', '/offers', {
      name: 'Glow',
      destinationUrl: 'https://glow.example.com/',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode, offer.body).toBe(201);
    offerId = offer.data.id;
    [anna, ben] = (await addCreators(t, offerId, ['Anna', 'Ben'])) as [Creator, Creator];
    settings = { trackingOrigin: base, offerId };
  });
  afterAll(() => t?.close());

  it('pixel first (sandbox beacon, GID order id, click from the cart attribute), then the webhook: one order, on server evidence', async () => {
    const clickId = await click(anna.slug);
    const orderId = '820982911946154508'; // past 2^53: kept digit for digit on both paths
    const shim = browserShim();
    const event = checkoutCompleted({
      orderId: `gid://shopify/OrderIdentity/${orderId}`,
      amount: 199,
      attributes: [{ key: 'tp_click', value: clickId }],
    });
    // The sandbox gives no fetch here: the beacon carries it.
    expect(await reportCheckoutCompleted(event, { browser: shim.browser, settings })).toBe('beacon');
    expect(shim.beacons).toHaveLength(1);
    expect(shim.beacons[0]!.url).toBe(`${base}/collect?offer=${offerId}`);
    expect(shim.beacons[0]!.status).toBe(202);
    expect(JSON.parse(shim.beacons[0]!.body)).toEqual({
      offer: offerId,
      orderId,
      amount: '199',
      currency: 'USD',
      click: clickId,
    });

    const [byPixel, ...others] = await conversionsOf(orderId);
    expect(others).toEqual([]);
    expect(byPixel).toMatchObject({ status: 'credited', click_id: clickId, amount_minor: 19900, is_test: 0 });
    expect(await commissionsOf(byPixel!.id)).toEqual([{ member_id: anna.id, amount_minor: 1990, source: 'click' }]);
    const [pixelEvent] = await eventsOf(byPixel!.id);
    expect(pixelEvent).toMatchObject({ source: 'tag', outcome: 'created', trust: 'browser' });
    expect(JSON.parse(pixelEvent!.detail)).toMatchObject({ origin: 'null' });

    // Shopify's order webhook: the same order id (the REST `id`, not its name "#1001"), the click in note_attributes.
    const hook = await orderWebhook(orderId, { note_attributes: [{ name: 'tp_click', value: clickId }] });
    expect(hook.status).toBe(200);
    expect(hook.data).toMatchObject({ status: 'filled_in', conversionId: byPixel!.id, credited: true });
    const after = await conversionsOf(orderId);
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: byPixel!.id, status: 'credited', click_id: clickId, amount_minor: 19900 });
    expect(await commissionsOf(byPixel!.id)).toEqual([{ member_id: anna.id, amount_minor: 1990, source: 'click' }]);
    const events = await eventsOf(byPixel!.id);
    expect(events.map(({ source, outcome, trust }) => ({ source, outcome, trust }))).toEqual([
      { source: 'tag', outcome: 'created', trust: 'browser' },
      { source: 'shopify', outcome: 'filled_in', trust: 'server' },
    ]);
    // The order is now Shopify's word: a late repeat of the pixel changes nothing.
    expect(await reportCheckoutCompleted(event, { browser: shim.browser, settings })).toBe('beacon');
    const repeat = (await eventsOf(byPixel!.id)).at(-1);
    expect(repeat).toMatchObject({ source: 'tag', outcome: 'duplicate', trust: 'browser' });
    expect(await conversionsOf(orderId)).toHaveLength(1);
  });

  it('webhook first, pixel after (fetch; click from the shop’s cookie, code entered): still one order, Shopify’s decision', async () => {
    const clickId = await click(ben.slug);
    const orderId = '5210499102';
    const hook = await orderWebhook(orderId, {
      note_attributes: [{ name: 'tp_click', value: clickId }],
      discount_codes: [{ code: ben.code, amount: '10.00', type: 'fixed_amount' }],
    });
    expect(hook.status).toBe(200);
    expect(hook.data).toMatchObject({ status: 'created', credited: true });

    const shim = browserShim();
    shim.cookie.tp_click = clickId; // what the app embed (or t.js) left on the shop's domain
    const event = checkoutCompleted({ orderId, amount: 199, codes: [ben.code] });
    const request = await collectRequestOf(event, shim.browser, settings);
    expect(JSON.parse(request!.body)).toMatchObject({ orderId, click: clickId, code: ben.code });
    expect(await reportCheckoutCompleted(event, { browser: shim.browser, settings, fetch })).toBe('fetch');
    expect(shim.beacons).toEqual([]);

    const rows = await conversionsOf(orderId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: hook.data.conversionId, status: 'credited', click_id: clickId });
    expect(await commissionsOf(rows[0]!.id)).toEqual([
      { member_id: ben.id, amount_minor: 1990, source: expect.any(String) },
    ]);
    expect((await eventsOf(rows[0]!.id)).map(({ source, outcome }) => ({ source, outcome }))).toEqual([
      { source: 'shopify', outcome: 'created' },
      { source: 'tag', outcome: 'duplicate' },
    ]);
  });

  it('the click remembered in localStorage credits a pixel-only order; Shopify’s test gateway lands in the tracking check', async () => {
    const clickId = await click(anna.slug);
    const shim = browserShim();
    shim.local['touchpoint.click'] = JSON.stringify({ id: clickId, e: Date.now() + 86_400_000 });
    expect(
      await reportCheckoutCompleted(checkoutCompleted({ orderId: '7000000001', amount: 49.9 }), {
        browser: shim.browser,
        settings,
      }),
    ).toBe('beacon');
    const [row] = await conversionsOf('7000000001');
    expect(row).toMatchObject({ status: 'credited', click_id: clickId, amount_minor: 4990, is_test: 0 });

    // An expired memory is no click.
    shim.local['touchpoint.click'] = JSON.stringify({ id: clickId, e: Date.now() - 1 });
    await reportCheckoutCompleted(checkoutCompleted({ orderId: '7000000002', amount: 20 }), {
      browser: shim.browser,
      settings,
    });
    expect((await conversionsOf('7000000002'))[0]).toMatchObject({ status: 'unattributed', click_id: null });

    // Shopify's Bogus Gateway: the webhook will say test: true, so the pixel says test too (never a real order).
    await reportCheckoutCompleted(
      checkoutCompleted({
        orderId: '7000000003',
        amount: 20,
        gateway: 'bogus',
        attributes: [{ key: 'tp_click', value: clickId }],
      }),
      { browser: shim.browser, settings },
    );
    expect(await conversionsOf('7000000003')).toEqual([expect.objectContaining({ is_test: 1 })]);
  });
});
