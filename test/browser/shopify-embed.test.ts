// The Shopify app embed (integrations/shopify/extensions/touchpoint-embed/assets/touchpoint-embed.js) in a real
// browser (Debian's Chromium via playwright-core), on a small fake storefront that implements Shopify's AJAX Cart API
// as documented (POST /cart/update.js with {attributes}, GET /cart.js; the cart kept by the `cart` cookie; answers
// are the whole cart as JSON). A shopper clicks a creator's Touchpoint link, lands on the shop with ?tp_click=,
// browses; the embed writes the click id into the cart's attributes once; then the signed Shopify order webhook whose
// note_attributes are that cart's attributes credits the creator.
//
// The shop is http://localhost:<port>, another site than Touchpoint's http://127.0.0.1:<port>, as a real shop is.
// Chromium identifies itself as HeadlessChrome, which Touchpoint counts as a bot: the context uses a desktop Chrome
// user agent, as a shopper's browser would.
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCreators, startTestApp, type Creator, type TestApp } from '../helpers/app.js';
import { listen } from '../helpers/browser.js';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS as ARGS, noChromium } from '../helpers/chromium.js';

const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const EMBED = path.resolve(
  import.meta.dirname,
  '../../integrations/shopify/extensions/touchpoint-embed/assets/touchpoint-embed.js',
);
const SHOPIFY_SECRET = 'shpss_embed_0123456789abcdef';
// Page-side code is passed as strings: the project's TypeScript has no DOM library.
const CART_SETTLED = "['done', 'failed'].includes(window.touchpointShopify && window.touchpointShopify.cart)";

interface Cart {
  token: string;
  note: string | null;
  attributes: Record<string, string>;
}

/** A storefront with Shopify's AJAX Cart API, and the app embed loaded the way blocks/touchpoint.liquid renders it. */
function storefront() {
  const carts = new Map<string, Cart>();
  const updates: { token: string; body: unknown; status: number }[] = [];
  const reads: (string | null)[] = [];
  let failNext = 0;

  const cartJson = (cart: Cart) => ({
    token: cart.token,
    note: cart.note,
    attributes: cart.attributes,
    original_total_price: 0,
    total_price: 0,
    total_discount: 0,
    total_weight: 0,
    item_count: 0,
    items: [],
    requires_shipping: false,
    currency: 'USD',
    items_subtotal_price: 0,
    cart_level_discount_applications: [],
  });
  const page = (title: string, root = '/') =>
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>' +
    title +
    '</title>' +
    // Themes define Shopify.routes.root (the locale's root) before app embeds load.
    `<script>window.Shopify = { shop: 'glow.myshopify.com', routes: { root: ${JSON.stringify(root)} } };</script>` +
    // What {{ 'touchpoint-embed.js' | asset_url }} and the block's attributes render to.
    '<script src="/cdn/shop/t/7/assets/touchpoint-embed.js?v=1733567000" defer data-touchpoint-embed data-days="30"></script>' +
    `</head><body><h1>${title}</h1><nav><a id="home" href="${root}">Home</a> <a id="all" href="${root}collections/all">All</a>` +
    ` <a id="cart" href="${root}cart">Cart</a></nav></body></html>`;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    const cookieToken = /(?:^|;\s*)cart=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    const cartOf = (create: boolean): Cart | undefined => {
      if (cookieToken && carts.has(cookieToken)) return carts.get(cookieToken);
      if (!create) return undefined;
      const cart = { token: randomBytes(12).toString('hex'), note: null, attributes: {} };
      carts.set(cart.token, cart);
      res.setHeader('set-cookie', `cart=${cart.token}; path=/; SameSite=Lax`);
      return cart;
    };
    const json = (status: number, body: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
    const path_ = url.pathname.replace(/^\/fr\//, '/');

    if (path_ === '/cdn/shop/t/7/assets/touchpoint-embed.js') {
      return res
        .writeHead(200, { 'content-type': 'application/javascript', 'cache-control': 'no-store' })
        .end(fs.readFileSync(EMBED));
    }
    if (path_ === '/cart.js' && req.method === 'GET') {
      // Reading makes no cart: without one, the answer is an empty cart that is not kept.
      const cart = cartOf(false);
      reads.push(cart?.token ?? null);
      return json(200, cartJson(cart ?? { token: randomBytes(12).toString('hex'), note: null, attributes: {} }));
    }
    if (path_ === '/cart/update.js' && req.method === 'POST') {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const cart = cartOf(true)!;
        if (failNext > 0) {
          failNext--;
          updates.push({ token: cart.token, body: raw, status: 500 });
          return json(500, { status: 500, message: 'Internal error', description: 'Try again' });
        }
        let body: { attributes?: Record<string, string>; note?: string };
        try {
          body = (req.headers['content-type'] ?? '').includes('application/json')
            ? JSON.parse(raw)
            : {
                attributes: Object.fromEntries(
                  [...new URLSearchParams(raw)].map(([k, v]) => [k.replace(/^attributes\[(.*)\]$/, '$1'), v]),
                ),
              };
        } catch {
          updates.push({ token: cart.token, body: raw, status: 400 });
          return json(400, { status: 400, message: 'Bad Request', description: 'Invalid JSON' });
        }
        // As documented: attributes are merged into the cart's; an empty value removes one.
        for (const [k, v] of Object.entries(body.attributes ?? {})) {
          if (v === '' || v === null) delete cart.attributes[k];
          else cart.attributes[k] = String(v);
        }
        if (typeof body.note === 'string') cart.note = body.note;
        updates.push({ token: cart.token, body, status: 200 });
        json(200, cartJson(cart));
      });
      return;
    }
    const titles: Record<string, string> = {
      '/': 'Glow — Home',
      '/products/glow-serum': 'Glow Serum',
      '/collections/all': 'All products',
      '/cart': 'Your cart',
    };
    const title = titles[path_];
    if (!title) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res
      .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
      .end(page(title, url.pathname.startsWith('/fr/') ? '/fr/' : '/'));
  });

  return {
    server,
    carts,
    updates,
    reads,
    /** A cart Shopify made on its own (after an order, or when the old one expired). */
    newCart(attributes: Record<string, string> = {}): Cart {
      const cart = { token: randomBytes(12).toString('hex'), note: null, attributes };
      carts.set(cart.token, cart);
      return cart;
    },
    failNextUpdates(n: number) {
      failNext = n;
    },
  };
}

describe.skipIf(noChromium)('the Shopify app embed in a real browser (Chromium, SQLite)', () => {
  let t: TestApp;
  let tp: string;
  let browser: Browser;
  let shop: ReturnType<typeof storefront>;
  let shopBase: string; // http://localhost:<port>
  let anna: Creator;
  let ben: Creator;
  let delivery = 0;
  const contexts: BrowserContext[] = [];

  const newPage = async (): Promise<Page> => {
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME, viewport: { width: 1000, height: 700 } });
    contexts.push(context);
    return context.newPage();
  };
  /** Opens a URL and waits until the embed has done what it does on that page view. */
  const visit = async (page: Page, url: string) => {
    await page.goto(url);
    await page.waitForFunction(CART_SETTLED);
    return page.evaluate<{ clickId: string | null; cart: string }>('window.touchpointShopify');
  };
  const cartOfPage = async (page: Page) => {
    const token = (await page.context().cookies(shopBase)).find((c) => c.name === 'cart')?.value;
    return token ? shop.carts.get(token) : undefined;
  };
  const updatesOf = (cart: Cart | undefined) => shop.updates.filter((u) => u.token === cart?.token);
  const orderWebhook = async (orderId: number, cart: Cart) => {
    const body = JSON.stringify({
      id: orderId,
      admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
      name: `#${1000 + ++delivery}`,
      created_at: new Date().toISOString(),
      currency: 'USD',
      total_price: '80.00',
      current_total_price: '80.00',
      financial_status: 'paid',
      test: false,
      cart_token: cart.token,
      // The cart's attributes, as Shopify carries them into the order.
      note_attributes: Object.entries(cart.attributes).map(([name, value]) => ({ name, value })),
      // A checkout that began on another page: the landing page's query is not there to rely on.
      landing_site: '/cart',
      discount_codes: [],
      line_items: [{ id: 1, title: 'Glow Serum', quantity: 2, price: '40.00' }],
    });
    const res = await fetch(`${tp}/webhooks/shopify/${t.workspaceId}`, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-shop-domain': 'glow.myshopify.com',
        'x-shopify-webhook-id': `wh-embed-${delivery}`,
        'x-shopify-triggered-at': new Date().toISOString(),
        'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(body, 'utf8').digest('base64'),
      },
    });
    return { status: res.status, data: (await res.json()) as Record<string, any> };
  };
  const commissionsOf = (conversionId: string) =>
    t.built.ctx.store.db
      .selectFrom('commissions')
      .select(['member_id', 'amount_minor', 'source'])
      .where('conversion_id', '=', conversionId)
      .execute();

  beforeAll(async () => {
    assertChromium();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
    shop = storefront();
    await new Promise<void>((resolve) => shop.server.listen(0, '127.0.0.1', resolve));
    shopBase = `http://localhost:${(shop.server.address() as AddressInfo).port}`;

    t = await startTestApp('sqlite');
    tp = await listen(t);
    expect((await t.api('PATCH', '/workspace', { shopifyWebhookSecret: SHOPIFY_SECRET })).statusCode).toBe(200);
    const offer = await t.api('POST', '/offers', {
      name: 'Glow Serum',
      destinationUrl: `${shopBase}/products/glow-serum`,
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode, offer.body).toBe(201);
    [anna, ben] = (await addCreators(t, offer.data.id, ['Anna', 'Ben'])) as [Creator, Creator];
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    if (shop) await new Promise((r) => shop.server.close(r));
    await t?.close();
  });

  it('link → shop: tp_click goes into the cart once, across page views; the order webhook credits the creator', async () => {
    const page = await newPage();
    const landed = await visit(page, `${tp}/${anna.slug}`);
    const url = new URL(page.url());
    expect(url.origin + url.pathname).toBe(`${shopBase}/products/glow-serum`);
    const clickId = url.searchParams.get('tp_click')!;
    expect(clickId).toMatch(/^[0-9A-Za-z]{28}$/);
    expect(landed).toEqual({ clickId, cart: 'done' });

    // Remembered on the shop's own domain, as t.js does, for the web pixel to read at checkout.
    const cookie = (await page.context().cookies(shopBase)).find((c) => c.name === 'tp_click');
    expect(cookie).toMatchObject({ value: clickId, domain: 'localhost', path: '/', httpOnly: false, sameSite: 'Lax' });
    expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    expect(JSON.parse(await page.evaluate<string>("localStorage.getItem('touchpoint.click')"))).toMatchObject({
      id: clickId,
    });

    // Browsing on: no tp_click in these URLs; the cart is not written again.
    for (const [link, to] of [
      ['#all', '/collections/all'],
      ['#cart', '/cart'],
      ['#home', '/'],
    ] as const) {
      await Promise.all([page.waitForURL(`${shopBase}${to}`), page.click(link)]);
      await page.waitForFunction(CART_SETTLED);
      expect(await page.evaluate('window.touchpointShopify')).toEqual({ clickId, cart: 'done' });
    }
    expect(await visit(page, `${shopBase}/products/glow-serum`)).toEqual({ clickId, cart: 'done' });

    const cart = await cartOfPage(page);
    expect(cart?.attributes).toEqual({ tp_click: clickId });
    expect(updatesOf(cart)).toEqual([{ token: cart!.token, body: { attributes: { tp_click: clickId } }, status: 200 }]);
    expect(shop.reads).toEqual([]); // the same cart: not even read again
    // The theme's own view of the cart (GET /cart.js) says the same.
    const seen = JSON.parse(await page.evaluate<string>("fetch('/cart.js').then((r) => r.text())"));
    expect(seen.attributes).toEqual({ tp_click: clickId });

    // Checkout happens on Shopify; its order webhook carries the cart's attributes as note_attributes.
    const hook = await orderWebhook(450789469, cart!);
    expect(hook.status).toBe(200);
    expect(hook.data).toMatchObject({ status: 'created', credited: true });
    const conversion = await t.built.ctx.store.db
      .selectFrom('conversions')
      .select(['id', 'status', 'click_id', 'amount_minor'])
      .where('order_id', '=', '450789469')
      .executeTakeFirstOrThrow();
    expect(conversion).toMatchObject({
      id: hook.data.conversionId,
      status: 'credited',
      click_id: clickId,
      amount_minor: 8000,
    });
    expect(await commissionsOf(conversion.id)).toEqual([{ member_id: anna.id, amount_minor: 800, source: 'click' }]);

    // After the order Shopify starts a new cart: the next page view reads it, finds no tp_click and writes it, once.
    const next = shop.newCart();
    await page.context().addCookies([{ name: 'cart', value: next.token, url: shopBase }]);
    expect(await visit(page, `${shopBase}/collections/all`)).toEqual({ clickId, cart: 'done' });
    expect(await visit(page, `${shopBase}/cart`)).toEqual({ clickId, cart: 'done' });
    expect(next.attributes).toEqual({ tp_click: clickId });
    expect(updatesOf(next).map((u) => u.status)).toEqual([200]);
    expect(shop.reads.filter((r) => r === next.token)).toHaveLength(1);
    // A new cart that already holds it (the theme kept it) is only read.
    const kept = shop.newCart({ tp_click: clickId, gift: 'yes' });
    await page.context().addCookies([{ name: 'cart', value: kept.token, url: shopBase }]);
    expect(await visit(page, `${shopBase}/`)).toEqual({ clickId, cart: 'done' });
    expect(await visit(page, `${shopBase}/cart`)).toEqual({ clickId, cart: 'done' });
    expect(updatesOf(kept)).toEqual([]);
    expect(shop.reads.filter((r) => r === kept.token)).toHaveLength(1);
    expect(kept.attributes).toEqual({ tp_click: clickId, gift: 'yes' });
  }, 60_000);

  it('a failed cart update is tried again on the next page view, then never again; a new click replaces the old', async () => {
    const page = await newPage();
    shop.failNextUpdates(1);
    const first = await visit(page, `${tp}/${anna.slug}`);
    const clickId = new URL(page.url()).searchParams.get('tp_click')!;
    expect(first).toEqual({ clickId, cart: 'failed' });
    let cart = await cartOfPage(page);
    expect(cart?.attributes).toEqual({});
    expect(updatesOf(cart).map((u) => u.status)).toEqual([500]);

    // The locale's root (Shopify.routes.root = "/fr/") is where the cart API is asked.
    expect(await visit(page, `${shopBase}/fr/collections/all`)).toEqual({ clickId, cart: 'done' });
    expect(await visit(page, `${shopBase}/fr/cart`)).toEqual({ clickId, cart: 'done' });
    cart = await cartOfPage(page);
    expect(cart?.attributes).toEqual({ tp_click: clickId });
    expect(updatesOf(cart).map((u) => u.status)).toEqual([500, 200]);

    // Ben's link, clicked later in the same browser: his click id goes into the cart, once.
    const again = await visit(page, `${tp}/${ben.slug}`);
    const benClick = new URL(page.url()).searchParams.get('tp_click')!;
    expect(benClick).not.toBe(clickId);
    expect(again).toEqual({ clickId: benClick, cart: 'done' });
    expect(await visit(page, `${shopBase}/cart`)).toEqual({ clickId: benClick, cart: 'done' });
    cart = await cartOfPage(page);
    expect(cart?.attributes).toEqual({ tp_click: benClick });
    expect(updatesOf(cart).map((u) => u.status)).toEqual([500, 200, 200]);

    const hook = await orderWebhook(450789470, cart!);
    expect(hook.data).toMatchObject({ status: 'created', credited: true });
    expect(await commissionsOf(hook.data.conversionId)).toEqual([
      { member_id: ben.id, amount_minor: 800, source: 'click' },
    ]);
  }, 60_000);
});
