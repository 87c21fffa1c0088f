// End to end in a real browser (Debian's Chromium, driven by playwright-core): a shopper clicks a creator's
// tracking link, lands on a brand's shop, and buys; the sale is credited through the JavaScript tag, or through
// the pixel alone. Everything runs on loopback: Touchpoint on http://127.0.0.1:<tp>, the shop on a second port.
//
// Origins, and what each path relies on:
// - The tag paths use the shop as http://localhost:<shop>: another *site* than Touchpoint's 127.0.0.1, as a real
//   brand's domain is. The tag stores the click id in a first-party cookie on localhost and in localStorage, and
//   its beacon to 127.0.0.1 carries it in the body (Touchpoint's own SameSite=Lax cookie is not sent cross-site).
// - The pixel path uses the shop as http://127.0.0.1:<shop>. Cookies are not isolated by port, and a "site" is
//   scheme + host, so the shop page and Touchpoint are same-site: the <img> request to /px carries the HttpOnly,
//   SameSite=Lax `tp_click` cookie the redirect set on 127.0.0.1. (In production, on https, the redirect sets
//   SameSite=None; Secure instead, and the browser's third-party-cookie policy decides.)
// Chromium identifies itself as HeadlessChrome, which Touchpoint rightly counts as a bot (no click id): the
// context uses a desktop Chrome user agent, as a shopper's browser would.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS as ARGS, noChromium } from '../helpers/chromium.js';

const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const RESULTS = path.resolve('test-results');
// Page-side code is passed as strings: the project's TypeScript has no DOM library.
const TAG_READY = "typeof window.touchpoint?.conversion === 'function'";

interface Shop {
  tp: string;
  tagOffer: string;
  pixelOffer: string;
}

const html = (title: string, body: string, head = '') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head>` +
  `<body style="font:16px system-ui;max-width:36rem;margin:3rem auto;color:#222"><h1>${title}</h1>${body}</body></html>`;

/** A brand's shop: landing page with the tag, checkout with a code field and "Buy", confirmation; and a pixel-only flow. */
function shopServer(shop: Shop): http.Server {
  let orders = 0;
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    const tag = `<script src="${shop.tp}/t.js?v=1"></script>`;
    const send = (body: string) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
    switch (url.pathname) {
      case '/landing':
        return send(
          html(
            'Glow Serum',
            '<p>The serum everyone talks about.</p><a id="to-checkout" href="/checkout">Go to checkout</a>',
            tag,
          ),
        );
      case '/checkout': {
        const order = `SHOP-${process.pid}-${++orders}`;
        return send(
          html(
            'Checkout',
            `
          <p>Order <b id="order">${order}</b>: Glow Serum, USD 49.90</p>
          <label>Promo code <input id="code" autocomplete="off"></label>
          <button id="buy">Buy</button>
          <script>
            document.getElementById('buy').addEventListener('click', function () {
              var code = document.getElementById('code').value;
              touchpoint.conversion({ offer: ${JSON.stringify(shop.tagOffer)}, amount: '49.90', currency: 'USD', orderId: ${JSON.stringify(order)}, code: code || undefined })
                .then(function (sent) { location.href = '/confirmation?order=${order}&sent=' + encodeURIComponent(JSON.stringify(sent)); });
            });
          </script>`,
            tag,
          ),
        );
      }
      case '/confirmation':
        return send(
          html(
            'Thank you!',
            `<p>Your order <b id="order">${(url.searchParams.get('order') ?? '').replace(/[^\w-]/g, '')}</b> is confirmed.</p>` +
              `<p>Tag: <code id="sent">${(url.searchParams.get('sent') ?? '').replace(/[<>&]/g, '')}</code></p>`,
          ),
        );
      case '/landing-px':
        return send(
          html('Glow Serum (pixel shop)', '<p>No tag on this shop.</p><a id="to-thanks" href="/thanks-px">Buy now</a>'),
        );
      case '/thanks-px': {
        const order = `PX-${process.pid}-${++orders}`;
        const px = `${shop.tp}/px?offer=${shop.pixelOffer}&order=${order}&amount=25.00&currency=USD`;
        return send(
          html(
            'Thank you!',
            `<p>Your order <b id="order">${order}</b> is confirmed.</p><img id="px" src="${px}" width="1" height="1" alt="">`,
          ),
        );
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(noChromium)('the JavaScript tag and the pixel in a real browser (Chromium, SQLite)', () => {
  let t: TestApp;
  let browser: Browser;
  let shop: http.Server;
  const config: Shop = { tp: '', tagOffer: '', pixelOffer: '' };
  let tagShop: string; // http://localhost:<port>
  let pixelShop: string; // http://127.0.0.1:<port>
  let anna: { id: string; slug: string; code: string; pixelSlug: string };
  let ben: { id: string; slug: string; code: string };
  const contexts: BrowserContext[] = [];

  /** A fresh context; `noBeacon` hides navigator.sendBeacon, as in a browser without it, so the tag uses fetch. */
  const newPage = async (opts: { noBeacon?: boolean } = {}): Promise<Page> => {
    const context = await browser.newContext({ userAgent: DESKTOP_CHROME, viewport: { width: 900, height: 600 } });
    contexts.push(context);
    if (opts.noBeacon)
      await context.addInitScript({
        content: "Object.defineProperty(Navigator.prototype, 'sendBeacon', { value: undefined, configurable: true })",
      });
    return context.newPage();
  };
  const db = () => t.built.ctx.store.db;
  const conversionOf = (orderId: string) =>
    until(`the conversion of order ${orderId}`, () =>
      db().selectFrom('conversions').selectAll().where('order_id', '=', orderId).executeTakeFirst(),
    );
  const commissionsOf = (conversionId: string) =>
    db()
      .selectFrom('commissions')
      .select(['member_id', 'source', 'share_bps', 'amount_minor'])
      .where('conversion_id', '=', conversionId)
      .orderBy('share_bps')
      .execute();

  /** Clicks `slug`, lands on the shop, goes to checkout (a link without tp_click), enters `code`, buys. */
  const buyThroughTag = async (slug: string, code?: string, opts: { noBeacon?: boolean } = {}) => {
    const page = await newPage(opts);
    await page.goto(`${config.tp}/${slug}`);
    const landed = new URL(page.url());
    expect(landed.origin + landed.pathname).toBe(`${tagShop}/landing`);
    const clickId = landed.searchParams.get('tp_click')!;
    expect(clickId).toMatch(/^[0-9A-Za-z]{28}$/);
    await page.waitForFunction(TAG_READY);
    await page.click('#to-checkout');
    await page.waitForURL(`${tagShop}/checkout`);
    expect(await page.evaluate('window.touchpoint.click()')).toBe(clickId);
    expect(await page.evaluate('window.touchpoint.clickId()')).toBe(clickId);
    const orderId = (await page.textContent('#order'))!;
    if (code) await page.fill('#code', code);
    await page.click('#buy');
    await page.waitForURL(/\/confirmation\?/);
    return { page, clickId, orderId };
  };

  beforeAll(async () => {
    assertChromium();
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });

    shop = shopServer(config);
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    const shopPort = (shop.address() as AddressInfo).port;
    tagShop = `http://localhost:${shopPort}`;
    pixelShop = `http://127.0.0.1:${shopPort}`;

    t = await startTestApp('sqlite');
    await t.built.app.listen({ port: 0, host: '127.0.0.1' });
    config.tp = `http://127.0.0.1:${(t.built.app.server.address() as AddressInfo).port}`;

    const payout = [{ title: '10%', type: 'percent', value: '10' }];
    const tagOffer = await t.api('POST', '/offers', {
      name: 'Glow Serum',
      destinationUrl: `${tagShop}/landing`,
      attributionRule: 'code_first',
      payoutOptions: payout,
    });
    expect(tagOffer.statusCode, tagOffer.body).toBe(201);
    config.tagOffer = tagOffer.data.id;
    const pixelOffer = await t.api('POST', '/offers', {
      name: 'Pixel shop',
      destinationUrl: `${pixelShop}/landing-px`,
      payoutOptions: payout,
    });
    expect(pixelOffer.statusCode, pixelOffer.body).toBe(201);
    config.pixelOffer = pixelOffer.data.id;

    const join = async (offerId: string, memberId: string, pattern: string) => {
      const r = await t.api('POST', `/offers/${offerId}/members`, {
        members: [{ memberId }],
        generateLinks: true,
        generateCodes: true,
        codePattern: pattern,
      });
      expect(r.statusCode, r.body).toBeLessThan(300);
      return { slug: r.data.members[0].links[0].slug as string, code: r.data.members[0].codes[0].code as string };
    };
    const a = (await t.api('POST', '/members', { name: 'Anna' })).data.id as string;
    const b = (await t.api('POST', '/members', { name: 'Ben' })).data.id as string;
    anna = {
      id: a,
      ...(await join(config.tagOffer, a, 'ANNA{RAND4}')),
      pixelSlug: (await join(config.pixelOffer, a, 'ANNAPX{RAND4}')).slug,
    };
    ben = { id: b, ...(await join(config.tagOffer, b, 'BEN{RAND4}')) };
    fs.mkdirSync(RESULTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    if (shop) await new Promise((r) => shop.close(r));
    await t?.close();
  });

  it('(a) link → shop → checkout → Buy: the tag credits the clicking member', async () => {
    const { page, clickId, orderId } = await buyThroughTag(anna.slug);

    // The click id lives in a first-party cookie on the shop's own host, and in localStorage.
    const cookies = await page.context().cookies(tagShop);
    const stored = cookies.find((c) => c.name === 'tp_click');
    expect(stored).toMatchObject({
      value: clickId,
      domain: 'localhost',
      path: '/',
      httpOnly: false,
      secure: false,
      sameSite: 'Lax',
    });
    expect(stored!.expires * 1000 - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    expect(stored!.expires * 1000 - Date.now()).toBeLessThan(30.1 * 86_400_000);
    expect(JSON.parse(await page.evaluate<string>("localStorage.getItem('touchpoint.click')"))).toMatchObject({
      id: clickId,
    });
    // Touchpoint's own cookie stayed on Touchpoint's host.
    expect((await page.context().cookies(config.tp)).find((c) => c.name === 'tp_click')).toMatchObject({
      value: clickId,
      httpOnly: true,
    });

    // Sent with navigator.sendBeacon (the promise says so), so it survived leaving the checkout page.
    expect(JSON.parse((await page.textContent('#sent'))!)).toEqual({ ok: true, beacon: true });
    const conversion = await conversionOf(orderId);
    expect(conversion).toMatchObject({
      status: 'credited',
      click_id: clickId,
      amount_minor: 4990,
      currency: 'USD',
      is_test: 0,
    });
    expect(await commissionsOf(conversion.id)).toEqual([
      { member_id: anna.id, source: 'click', share_bps: 10_000, amount_minor: 499 },
    ]);
    const events = await db()
      .selectFrom('conversion_events')
      .select(['source', 'outcome', 'detail'])
      .where('conversion_id', '=', conversion.id)
      .execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ source: 'tag', outcome: 'created' });
    expect(JSON.parse(events[0]!.detail)).toMatchObject({ origin: tagShop });

    // The API shows it as the brand sees it.
    const shown = (await t.api('GET', `/conversions/${conversion.id}`)).data;
    expect(shown).toMatchObject({ orderId, status: 'credited', amount: '49.90' });
    expect(shown.commissions).toEqual([expect.objectContaining({ memberId: anna.id })]);

    await page.screenshot({ path: path.join(RESULTS, 'shop-confirmation.png'), fullPage: true });
    expect(fs.statSync(path.join(RESULTS, 'shop-confirmation.png')).size).toBeGreaterThan(1000);
  }, 60_000);

  it('(b) link → shop with only the pixel: the pixel reads Touchpoint’s cookie and credits the clicking member', async () => {
    const page = await newPage();
    await page.goto(`${config.tp}/${anna.pixelSlug}`);
    const landed = new URL(page.url());
    expect(landed.origin + landed.pathname).toBe(`${pixelShop}/landing-px`);
    const clickId = landed.searchParams.get('tp_click')!;
    await page.click('#to-thanks');
    await page.waitForURL(`${pixelShop}/thanks-px`);
    expect(page.url()).not.toContain('tp_click');
    await page.waitForFunction(
      "(img => !!img && img.complete && img.naturalWidth === 1)(document.getElementById('px'))",
    );
    const orderId = (await page.textContent('#order'))!;
    const conversion = await conversionOf(orderId);
    expect(conversion).toMatchObject({ status: 'credited', click_id: clickId, amount_minor: 2500 });
    expect(await commissionsOf(conversion.id)).toEqual([
      { member_id: anna.id, source: 'click', share_bps: 10_000, amount_minor: 250 },
    ]);
    const events = await db()
      .selectFrom('conversion_events')
      .select(['source'])
      .where('conversion_id', '=', conversion.id)
      .execute();
    expect(events).toEqual([{ source: 'pixel' }]);
    await page.screenshot({ path: path.join(RESULTS, 'shop-confirmation-pixel.png'), fullPage: true });
  }, 60_000);

  it('(c) Anna’s link clicked, Ben’s code entered: each attribution rule decides', async () => {
    const expected = {
      code_first: [{ member_id: ben.id, source: 'code', share_bps: 10_000 }],
      click_first: [{ member_id: anna.id, source: 'click', share_bps: 10_000 }],
      split: [
        { member_id: anna.id, source: 'click', share_bps: 5_000 },
        { member_id: ben.id, source: 'code', share_bps: 5_000 },
      ],
    } as const;
    // Ben's code credits Ben without a click of his, reported by the browser: the shop allows that here
    // (browserCodeCredit), else it would wait for the brand's server or a review (SPEC §4; test/ledger.test.ts).
    for (const rule of ['code_first', 'click_first', 'split'] as const) {
      const patched = await t.api('PATCH', `/offers/${config.tagOffer}`, {
        attributionRule: rule,
        browserCodeCredit: true,
      });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.data.attributionRule).toBe(rule);
      const { clickId, orderId } = await buyThroughTag(anna.slug, ben.code);
      const conversion = await conversionOf(orderId);
      expect(conversion, rule).toMatchObject({ status: 'credited', click_id: clickId, code: ben.code });
      const commissions = await commissionsOf(conversion.id);
      const sorted = [...commissions].sort((x, y) => x.member_id.localeCompare(y.member_id));
      const want = [...expected[rule]].sort((x, y) => x.member_id.localeCompare(y.member_id));
      expect(
        sorted.map(({ member_id, source, share_bps }) => ({ member_id, source, share_bps })),
        rule,
      ).toEqual(want);
      expect(
        commissions.reduce((sum, c) => sum + c.share_bps, 0),
        rule,
      ).toBe(10_000);
    }
  }, 90_000);

  it('(d) without sendBeacon the tag falls back to fetch and reads the answer (CORS); another site is refused and kept', async () => {
    const { page, orderId } = await buyThroughTag(anna.slug, undefined, { noBeacon: true });
    const sent = JSON.parse((await page.textContent('#sent'))!);
    expect(sent).toEqual({ ok: true, status: 'created', conversionId: expect.stringMatching(/^cnv_/) });
    const conversion = await conversionOf(orderId);
    expect(conversion.id).toBe(sent.conversionId);
    expect((await commissionsOf(conversion.id)).map((c) => c.member_id)).toContain(anna.id);

    // The same checkout served from another origin (the shop's port on 127.0.0.1, not the offer's localhost):
    // no CORS headers, so fetch cannot read the answer; the beacon arrives all the same and is refused; both are kept.
    const refusedOrders: string[] = [];
    for (const noBeacon of [false, true]) {
      const wrong = await newPage({ noBeacon });
      await wrong.goto(`${pixelShop}/checkout`);
      await wrong.waitForFunction(TAG_READY);
      refusedOrders.push((await wrong.textContent('#order'))!);
      await wrong.click('#buy');
      await wrong.waitForURL(/\/confirmation\?/);
      const answer = JSON.parse((await wrong.textContent('#sent'))!);
      expect(answer, noBeacon ? 'fetch' : 'beacon').toEqual(
        noBeacon ? { ok: false, error: expect.stringContaining('TypeError') } : { ok: true, beacon: true },
      );
    }
    for (const order of refusedOrders) {
      const kept = await until(`the refused event of ${order}`, () =>
        db()
          .selectFrom('conversion_events')
          .select(['outcome', 'reason', 'source'])
          .where('order_id', '=', order)
          .executeTakeFirst(),
      );
      expect(kept).toEqual({ outcome: 'rejected', reason: 'origin_not_allowed', source: 'tag' });
      expect(
        await db().selectFrom('conversions').select('id').where('order_id', '=', order).executeTakeFirst(),
      ).toBeUndefined();
    }
  }, 60_000);
});
