// First-party mode end to end (docs/first-party.md): Debian's nginx is the brand's reverse proxy on
// http://shop.localhost:<nginx>, serving a small static shop at / and forwarding /go/* to Touchpoint (which trusts
// 127.0.0.1 as its proxy). Chromium, on a creator's page of another origin, clicks the first-party link
// http://shop.localhost:<nginx>/go/<slug>, lands on the shop with `tp_click` set by the server on shop.localhost
// (HttpOnly, host-only), goes to checkout, where /go/t.js sends the sale to /go/collect on the same origin; the
// sale is credited to the member by the click. The same journey again as an Instagram in-app browser.
//
// The checkout page is reached with the tag's own copies gone (localStorage cleared; its cookie copy cannot be
// written over an HttpOnly cookie of the same name): /collect reads the click from the server-set cookie.
// Chromium resolves *.localhost to loopback by itself (no --host-resolver-rules).
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS as ARGS, noChromium } from '../helpers/chromium.js';
import { noNginx, startNginx, type Nginx } from '../helpers/nginx.js';

const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const INSTAGRAM_IOS =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 ' +
  'Instagram 334.0.4.32.98 (iPhone15,3; iOS 17_5; en_US; en; scale=3.00; 1290x2796; 606286627)';
const TAG_READY = "typeof window.touchpoint?.conversion === 'function'";

const html = (title: string, body: string, head = '') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${head}</head>` +
  `<body style="font:16px system-ui;max-width:36rem;margin:3rem auto"><h1>${title}</h1>${body}</body></html>`;

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(noChromium || noNginx)('first-party links through the brand’s nginx (Chromium, SQLite)', () => {
  let t: TestApp;
  let nginx: Nginx;
  let browser: Browser;
  let shop: string; // http://shop.localhost:<nginx>
  let creator: string; // http://creator.localhost:<nginx>: the page the link is posted on
  let offerId: string;
  let tpPort: number;
  let member: { id: string; slug: string };
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-first-party-'));
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    assertChromium();
    // BASE_URL on https: a click reaching Touchpoint directly gets the third-party cookie (SameSite=None; Secure),
    // which an http shop could not keep, so the journey passes only when the first-party cookie is set.
    t = await startTestApp('sqlite', { trustProxy: ['127.0.0.1'], baseUrl: 'https://tp.example' });
    await t.built.app.listen({ port: 0, host: '127.0.0.1' });
    tpPort = (t.built.app.server.address() as AddressInfo).port;

    // Readable by nginx's workers, which run as another user when the tests run as root.
    fs.chmodSync(root, 0o755);
    fs.mkdirSync(path.join(root, 'shop'), { mode: 0o755 });
    fs.mkdirSync(path.join(root, 'creator'), { mode: 0o755 });
    // The brand's proxy, as docs/first-party.md has it (X-Forwarded-Host with the port: $http_host).
    nginx = await startNginx(
      (port) => `
  server {
    listen 127.0.0.1:${port};
    server_name shop.localhost;
    location /go/ {
      proxy_pass http://127.0.0.1:${tpPort}/;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $http_host;
      proxy_set_header X-Forwarded-Prefix /go;
    }
    location / {
      root ${root}/shop;
      default_type text/html;
      add_header Cache-Control no-store;
      try_files $uri $uri.html =404;
    }
  }
  server {
    listen 127.0.0.1:${port};
    server_name creator.localhost;
    location / {
      root ${root}/creator;
      default_type text/html;
      try_files $uri $uri.html =404;
    }
  }`,
    );
    shop = `http://shop.localhost:${nginx.port}`;
    creator = `http://creator.localhost:${nginx.port}`;

    const offer = await t.api('POST', '/offers', {
      name: 'Glow Serum',
      destinationUrl: `${shop}/landing`,
      trackingOrigin: `${shop}/go/`,
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode, offer.body).toBe(201);
    expect(offer.data.trackingOrigin).toBe(`${shop}/go`);
    offerId = offer.data.id;
    const memberId = (await t.api('POST', '/members', { name: 'Anna' })).data.id as string;
    const joined = await t.api('POST', `/offers/${offerId}/members`, {
      members: [{ memberId }],
      generateLinks: true,
    });
    expect(joined.statusCode, joined.body).toBeLessThan(300);
    member = { id: memberId, slug: joined.data.members[0].links[0].slug };
    expect(joined.data.members[0].links[0].url).toBe(`${shop}/go/${member.slug}`);

    const tag = '<script src="/go/t.js"></script>';
    fs.writeFileSync(
      path.join(root, 'shop', 'landing.html'),
      html(
        'Glow Serum',
        '<p>The serum everyone talks about.</p><a id="to-checkout" href="/checkout">Checkout</a>',
        tag,
      ),
    );
    fs.writeFileSync(
      path.join(root, 'shop', 'checkout.html'),
      html(
        'Checkout',
        `<p>Order <b id="order"></b>: Glow Serum, USD 49.90</p><button id="buy">Buy</button><p id="sent"></p>
        <script>
          var order = 'FP-' + Date.now() + '-' + Math.random().toString(36).slice(2, 8);
          document.getElementById('order').textContent = order;
          document.getElementById('buy').addEventListener('click', function () {
            touchpoint.conversion({ offer: ${JSON.stringify(offerId)}, amount: '49.90', currency: 'USD', orderId: order })
              .then(function (sent) { document.getElementById('sent').textContent = JSON.stringify(sent); });
          });
        </script>`,
        tag,
      ),
    );
    fs.writeFileSync(
      path.join(root, 'creator', 'post.html'),
      html('Anna’s post', `<p>My favourite serum: <a id="link" href="${shop}/go/${member.slug}">get it here</a></p>`),
    );

    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  }, 60_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
    await nginx?.stop();
    await t?.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const journey = async (userAgent: string) => {
    const context = await browser.newContext({ userAgent, viewport: { width: 390, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(8_000);
    const redirects: Promise<string>[] = [];
    page.on('response', (r) => {
      if (r.url().startsWith(`${shop}/go/${member.slug}`)) redirects.push(r.headerValue('set-cookie').then(String));
    });

    // A person on the creator's page taps the link.
    await page.goto(`${creator}/post`);
    await page.click('#link');
    await page.waitForURL(new RegExp(`^${shop}/landing\\?`));
    const clickId = new URL(page.url()).searchParams.get('tp_click')!;
    expect(clickId).toMatch(/^[0-9A-Za-z]{28}$/);

    // The cookie came from the server's 302 on the shop's host: host-only, HttpOnly, SameSite=Lax.
    expect(redirects, nginx.errors()).toHaveLength(1);
    const setCookies = await Promise.all(redirects);
    expect(setCookies[0]).toMatch(/^tp_click=[0-9A-Za-z]{28}; Max-Age=2419200; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(setCookies[0]).not.toMatch(/Domain=/i);
    const cookie = (await context.cookies(shop)).find((c) => c.name === 'tp_click');
    expect(cookie).toMatchObject({
      value: clickId,
      domain: 'shop.localhost',
      path: '/',
      httpOnly: true,
      secure: false,
      sameSite: 'Lax',
    });
    expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(27.9 * 86_400_000);

    // The tag loaded from /go/t.js; the page cannot see the server's cookie, and its own copies are cleared.
    await page.waitForFunction(TAG_READY);
    expect(await page.evaluate<string>('document.cookie')).not.toContain('tp_click');
    await page.evaluate('localStorage.clear()');

    await page.click('#to-checkout');
    await page.waitForURL(`${shop}/checkout`);
    await page.waitForFunction(TAG_READY);
    expect(await page.evaluate('window.touchpoint.clickId() ?? null')).toBeNull();
    const collect = page.waitForRequest((r) => r.method() === 'POST' && r.url().startsWith(`${shop}/go/collect?`));
    const orderId = (await page.textContent('#order'))!;
    await page.click('#buy');
    const posted = await collect;
    expect(posted.url()).toBe(`${shop}/go/collect?offer=${offerId}`);

    // Credited to the member by the click, seen through the API.
    const conversion = await until(`the conversion of ${orderId}`, async () => {
      const r = await t.api('GET', `/conversions?offerId=${offerId}&limit=100`);
      return r.data?.data?.find((c: { orderId: string }) => c.orderId === orderId);
    });
    expect(conversion).toMatchObject({ status: 'credited', clickId, amount: '49.90', currency: 'USD' });
    expect(conversion.credits).toEqual([expect.objectContaining({ memberId: member.id, source: 'click' })]);
    return clickId;
  };

  it('a desktop browser: the server-set cookie on the shop, the tag on the same origin, the sale credited', async () => {
    await journey(DESKTOP_CHROME);
  });

  it('an Instagram in-app browser: the same journey, the click counted as a person’s', async () => {
    const clickId = await journey(INSTAGRAM_IOS);
    const click = await until('the click row', () =>
      t.built.ctx.store.db.selectFrom('clicks').selectAll().where('id', '=', clickId).executeTakeFirst(),
    );
    expect(click).toMatchObject({ is_bot: 0, tracked: 1, ip_truncated: '127.0.0.0' });
  });

  it('the dashboard’s link URL for the offer is on the first-party origin', async () => {
    const links = await t.api('GET', `/links?offerId=${offerId}`);
    expect(links.statusCode, links.body).toBe(200);
    expect(links.data.data.length).toBeGreaterThan(0);
    for (const l of links.data.data) expect(l.url).toBe(`${shop}/go/${l.slug}`);
    const one = await t.api('GET', `/links/${links.data.data[0].id}`);
    expect(one.data.url.startsWith(`${shop}/go/`)).toBe(true);
  });

  it('the same link reached on Touchpoint itself keeps the third-party cookie', async () => {
    const res = await fetch(`http://127.0.0.1:${tpPort}/${member.slug}`, {
      redirect: 'manual',
      headers: { 'user-agent': DESKTOP_CHROME },
    });
    expect(res.status).toBe(302);
    expect(res.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=None; Secure$/);
  });
});
