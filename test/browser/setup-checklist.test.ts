// Get started and the tracking check in a real browser (Chromium, SQLite) at 1440 and 390 px, on an empty workspace
// (no demo data), ticked through by real traffic: the offer and its creator made through the API, the creator's link
// opened in a real browser with a desktop browser's user agent (a crawler's click first, which must not count), and a
// test postback sent over HTTP. Each step must tick on the open page without a reload (the card polls), the
// conversion step must lead to the tracking check, and the test order must be explained there: the click, the link,
// the member, the rule, the commission it would have paid. Screenshots: test-results/dashboard-setup-*.png.
import fs from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInFirstTime, startDashboard, type Dashboard, noChromium, type Width, signInInvited } from './harness.js';

const PASSWORD = 'correct horse battery staple';
const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const CRAWLER = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

describe.skipIf(noChromium)('Get started and the tracking check in a real browser (Chromium, SQLite)', () => {
  let d: Dashboard;
  let wide: Page;
  let phone: Page;
  let offerId = '';
  let memberId = '';
  let slug = '';
  let clickId = '';

  const shot = async (page: Page, name: string, width: Width) => {
    const file = await d.shot(page, name, width);
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };
  const step = (page: Page, key: string) => page.getByTestId(`setup-step-${key}`);
  /** Waits, on the open page, for the step to tick (the card polls; nothing here reloads). */
  const ticked = (page: Page, key: string) =>
    page.locator(`[data-testid="setup-step-${key}"][data-done="true"]`).waitFor({ timeout: 20_000 });
  const doneFlags = async (page: Page) =>
    Promise.all(['offer', 'member', 'click', 'conversion'].map((k) => step(page, k).getAttribute('data-done')));
  const fitsWidth = async (page: Page) => {
    const [scroll, client] = await page.evaluate<[number, number]>(
      '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
    );
    expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
  };
  /** A shopper opens the creator's link in a browser and lands on the shop (on loopback: nothing leaves the machine). */
  const openLink = async (userAgent: string) => {
    const context = await d.browser.newContext({ userAgent, viewport: { width: 1024, height: 700 } });
    try {
      const visitor = await context.newPage();
      await visitor.goto(`${d.base}/${slug}`);
      await visitor.getByRole('heading', { name: 'Glow Serum' }).waitFor();
      return new URL(visitor.url()).searchParams.get('tp_click');
    } finally {
      await context.close();
    }
  };

  let shop: Server;
  let shopBase = '';

  beforeAll(async () => {
    shop = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Glow Serum</h1>'));
    await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
    shopBase = `http://localhost:${(shop.address() as AddressInfo).port}`;
    d = await startDashboard();
  }, 240_000);

  afterAll(async () => {
    await d?.close();
    await new Promise((resolve) => shop?.close(resolve));
  });

  it('shows Get started with four open steps on an empty workspace, at both widths', async () => {
    wide = await d.open('wide');
    await signInFirstTime(d, wide, PASSWORD);
    const card = wide.getByTestId('get-started');
    await card.getByRole('heading', { name: 'Get started' }).waitFor();
    expect(await doneFlags(wide)).toEqual(['false', 'false', 'false', 'false']);
    await card.getByRole('link', { name: 'New offer' }).waitFor();
    await shot(wide, 'setup-empty', 'wide');

    phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, PASSWORD);
    await phone.getByTestId('get-started').getByRole('heading', { name: 'Get started' }).waitFor();
    await fitsWidth(phone);
    await shot(phone, 'setup-empty', 'phone');

    // A viewer follows along read-only: the steps, without the actions only an owner or a manager may take.
    const viewer = await signInInvited(d, 'desktop');
    await step(viewer, 'offer').getByText('An owner or manager creates the first offer.').waitFor();
    expect(await viewer.getByTestId('get-started').getByRole('link').count()).toBe(0);
    await viewer.close();
  }, 120_000);

  it('ticks "create an offer" and "add a creator" as they are stored, without a reload', async () => {
    const offer = await d.api('POST', '/offers', {
      name: 'Glow Serum',
      destinationUrl: `${shopBase}/glow`,
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode, offer.body).toBe(201);
    offerId = offer.data.id;
    await ticked(wide, 'offer');
    await step(wide, 'offer').getByText('Glow Serum created').waitFor();
    // The offers list below follows the card: the new offer shows without a reload.
    await wide.getByRole('row', { name: /Glow Serum/ }).waitFor();
    expect(await doneFlags(wide)).toEqual(['true', 'false', 'false', 'false']);
    await step(wide, 'member').getByRole('link', { name: 'Add creators to the offer' }).waitFor();
    expect(await step(wide, 'member').getByRole('link').getAttribute('href')).toBe(`/app/offers/${offerId}`);

    const m = await d.api('POST', '/members', { name: 'Ava Stone', email: 'ava@creators.test' });
    memberId = m.data.id;
    const added = await d.api('POST', `/offers/${offerId}/members`, {
      members: [{ memberId }],
      generateLinks: true,
      generateCodes: true,
    });
    expect(added.statusCode, added.body).toBe(200);
    slug = added.data.members[0].links[0].slug;
    await ticked(wide, 'member');
    await step(wide, 'member').getByText('Ava Stone added to Glow Serum').waitFor();
    // The next step offers the creator's link to click and to copy.
    await step(wide, 'click').getByText(`http://tp.test/${slug}`).waitFor();
    await step(wide, 'click').getByRole('button', { name: 'Copy link of Ava Stone' }).waitFor();
    await ticked(phone, 'member');
    await fitsWidth(phone);
    await shot(phone, 'setup-half', 'phone');
  }, 60_000);

  it('does not tick on a crawler’s click; ticks when a browser opens the creator’s link', async () => {
    // A crawler lands on the shop too, without a click id in the address.
    expect(await openLink(CRAWLER)).toBeNull();
    await d.built.tracking.flush();
    // The crawler's click is written; the step is computed from stored clicks, so after the next poll it is still open.
    const clicks = async () =>
      (await d.store.store.db.selectFrom('clicks').select(['is_bot']).execute()).map((c) => c.is_bot);
    expect(await clicks()).toEqual([1]);
    expect((await d.api('GET', '/setup-checklist')).data.steps[2].done).toBe(false);
    expect(await step(wide, 'click').getAttribute('data-done')).toBe('false');

    clickId = (await openLink(DESKTOP_CHROME))!;
    expect(clickId).toMatch(/^[0-9A-Za-z]{28}$/);
    await ticked(wide, 'click');
    expect(await doneFlags(wide)).toEqual(['true', 'true', 'true', 'false']);
    await step(wide, 'conversion').getByRole('link', { name: 'Settings → Tracking setup' }).waitFor();
    await shot(wide, 'setup-three-done', 'wide');
  }, 60_000);

  it('ticks on a test postback and leads to the tracking check, which explains the order', async () => {
    const secret = (await d.api('GET', '/workspace')).data.postbackSecret as string;
    const res = await fetch(
      `${d.base}/postback?${new URLSearchParams({ secret, click: clickId, order: 'TEST-1001', amount: '120.00', test: '1' })}`,
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ test: true, credited: true });

    await ticked(wide, 'conversion');
    const card = wide.getByTestId('get-started');
    await card.getByRole('heading', { name: 'You’re all set' }).waitFor();
    await step(wide, 'conversion').getByText('Test order TEST-1001 received').waitFor();
    await shot(wide, 'setup-all-done', 'wide');

    await step(wide, 'conversion').getByRole('link', { name: 'See it in the tracking check' }).click();
    await wide.getByRole('heading', { name: 'Tracking check', level: 1 }).waitFor();
    const order = wide.getByTestId('test-order').filter({ hasText: 'TEST-1001' });
    await order.waitFor();
    await order.getByText('Test', { exact: true }).waitFor();
    await order.getByText(clickId).waitFor();
    await order.getByText(`/${slug}`).waitFor();
    await order.getByText('Ava Stone on Glow Serum by link').waitFor();
    await order.getByText('Tracking-link click counted').waitFor();
    await order.getByText(/The offer’s rule: when a link and a code/).waitFor();
    expect(await order.getByTestId('would-have-paid').textContent()).toContain('$12.00 to Ava Stone');
    await shot(wide, 'setup-tracking-check', 'wide');

    // Nowhere else: the conversions list and the payouts preview do not have it.
    expect((await d.api('GET', '/conversions')).data.data).toEqual([]);
    expect((await d.api('GET', '/commissions')).data.data).toEqual([]);

    await phone.goto(`${d.base}/app/tracking-check`);
    await phone.getByTestId('test-order').filter({ hasText: 'TEST-1001' }).waitFor();
    await fitsWidth(phone);
    await shot(phone, 'setup-tracking-check', 'phone');
  }, 60_000);

  it('shows a new test order on the open tracking check without a reload', async () => {
    const secret = (await d.api('GET', '/workspace')).data.postbackSecret as string;
    await fetch(
      `${d.base}/postback?${new URLSearchParams({ secret, click: clickId, order: 'TEST-1002', amount: '30.00', test: '1' })}`,
    );
    const orders = wide.getByTestId('test-order');
    await orders.filter({ hasText: 'TEST-1002' }).waitFor({ timeout: 20_000 });
    // Newest first.
    expect(await orders.first().textContent()).toContain('TEST-1002');
  }, 60_000);

  it('is dismissed once everything is done and does not come back', async () => {
    await wide.getByRole('link', { name: 'Offers', exact: true }).first().click();
    const card = wide.getByTestId('get-started');
    await card.getByRole('heading', { name: 'You’re all set' }).waitFor();
    await card.getByRole('button', { name: 'Dismiss' }).click();
    await card.waitFor({ state: 'detached' });
    // Dismissed: this browser does not even ask (the request would go out as the page is drawn, before its rows).
    const asked: string[] = [];
    wide.on('request', (r) => {
      if (r.url().includes('/api/v1/setup-checklist')) asked.push(r.url());
    });
    await wide.reload();
    await wide.getByRole('row', { name: /Glow Serum/ }).waitFor();
    expect(await wide.getByTestId('get-started').count()).toBe(0);
    expect(asked).toEqual([]);

    // Another browser of a workspace that has done everything never sees it: judged once the checklist has answered,
    // so an empty spot means "not shown", not "not loaded yet".
    expect((await d.api('GET', '/setup-checklist')).data.allDone).toBe(true);
    const other = await d.open('desktop');
    const answered = other.waitForResponse((r) => r.url().endsWith('/api/v1/setup-checklist'));
    await d.signIn(other, d.owner.email, PASSWORD);
    expect((await answered).status()).toBe(200);
    await other.getByRole('row', { name: /Glow Serum/ }).waitFor();
    await other.evaluate('new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))');
    expect(await other.getByTestId('get-started').count()).toBe(0);
    expect(d.pageErrors).toEqual([]);
    expect(d.dialogs).toEqual([]);
  }, 60_000);
});
