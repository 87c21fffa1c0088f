// The Conversions and Payouts pages in a real browser at 1280 and 390 px: the empty state, orders made through the
// real tracking and /postback endpoints, the status and reason filters, the date filters on the workspace's clock,
// the order drawer (decision in marketer words, commissions, events), approve and adjust with a required reason, the
// export with the list's filters, and a payout batch created and exported. A member named like an HTML tag stays text.
// Screenshots go to test-results/dashboard-conversions-*.png and dashboard-payouts-*.png.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInFirstTime, startDashboard, type Dashboard, noChromium } from './harness.js';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const PASSWORD = 'correct horse battery staple';
const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

async function fitsWidth(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  );
  expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
}

const orderRows = (page: Page) => page.locator('table.conversions-table tbody tr');

describe.skipIf(noChromium)('the Conversions and Payouts pages in a real browser (Chromium, SQLite)', () => {
  let d: Dashboard;
  let desktop: Page;
  const ids: Record<string, string> = {};

  const shot = async (page: Page, name: string, width: 'desktop' | 'phone') => {
    const file = await d.shot(page, name, width);
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };
  const commissionsOf = async (order: string) => {
    const list = (await d.api('GET', '/conversions?limit=50')).data.data as { id: string; orderId: string }[];
    return (await d.api('GET', `/conversions/${list.find((c) => c.orderId === order)!.id}`)).data.commissions as {
      id: string;
      status: string;
      amount: string;
    }[];
  };

  beforeAll(async () => {
    d = await startDashboard();
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('shows the empty state before any order arrives', async () => {
    desktop = await d.open('desktop');
    await signInFirstTime(d, desktop, PASSWORD);
    await desktop.getByRole('link', { name: 'Conversions' }).first().click();
    await desktop.getByText('No conversions yet').waitFor();
    await shot(desktop, 'conversions-empty', 'desktop');
  }, 60_000);

  it('lists orders with who was credited and why, and filters by status and reason', async () => {
    const offer = await d.api('POST', '/offers', {
      name: 'Glow Serum',
      destinationUrl: 'https://shop.example.com/glow',
      holdDays: 30,
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode).toBe(201);
    ids.offer = offer.data.id;
    const people: { slug: string; code: string }[] = [];
    for (const name of ['Ana Lopez', XSS_NAME]) {
      const m = await d.api('POST', '/members', { name, email: `${people.length}@creators.test` });
      const added = await d.api('POST', `/offers/${offer.data.id}/members`, {
        members: [{ memberId: m.data.id }],
        generateLinks: true,
        generateCodes: true,
        codePattern: '{RAND6}',
      });
      people.push({ slug: added.data.members[0].links[0].slug, code: added.data.members[0].codes[0].code });
    }
    const res = await d.built.app.inject({
      url: `/${people[0]!.slug}`,
      headers: { 'user-agent': UA },
      remoteAddress: '203.0.113.9',
    });
    const click = new URL(res.headers.location as string).searchParams.get('tp_click')!;
    await d.built.tracking.flush();
    const secret = (await d.api('GET', '/workspace')).data.postbackSecret;
    const orders: Record<string, string>[] = [
      { order: 'A-1', amount: '120.00', click },
      { order: 'B-1', amount: '45.50', code: people[1]!.code },
      { order: 'U-1', amount: '20.00', code: 'NOSUCHCODE' },
    ];
    for (const q of orders) {
      const r = await d.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, ...q })}` });
      expect(r.statusCode).toBeLessThan(300);
    }

    await desktop.reload();
    await expect.poll(() => orderRows(desktop).count()).toBe(3);
    await orderRows(desktop).getByText(XSS_NAME).first().waitFor();
    expect(await desktop.locator('img[src="x"]').count()).toBe(0);
    // The commission each order credited, with its status; an order that credited nobody has none.
    const headings = await desktop.locator('table.conversions-table thead th').allTextContents();
    expect(headings).toContain('Commission');
    const commissionOf = async (order: string) =>
      (
        await orderRows(desktop)
          .filter({ hasText: order })
          .locator(`td:nth-child(${headings.indexOf('Commission') + 1})`)
          .textContent()
      )?.replace(/\s+/g, ' ');
    expect(await commissionOf('A-1')).toBe('$12.00 Pending');
    expect(await commissionOf('B-1')).toBe('$4.55 Pending');
    expect(await commissionOf('U-1')).toBe('—');
    await shot(desktop, 'conversions', 'desktop');

    await desktop.getByRole('tab', { name: 'Not credited' }).click();
    await expect.poll(() => orderRows(desktop).count()).toBe(1);
    expect(await orderRows(desktop).first().textContent()).toContain('U-1');
    expect(await orderRows(desktop).first().textContent()).toContain('Promo code not recognised');
    await desktop.getByRole('tab', { name: 'All' }).click();
    await desktop.getByLabel('Reason').selectOption({ label: 'Promo code not recognised' });
    await expect.poll(() => orderRows(desktop).count()).toBe(1);
    expect(new URL(desktop.url()).searchParams.get('reason')).toBe('code_not_found');
    await desktop.getByLabel('Reason').selectOption({ label: 'Click older than the cookie window' });
    await desktop.getByText('No conversions match these filters').waitFor();
    await desktop.getByLabel('Reason').selectOption({ label: 'Any reason' });
    await expect.poll(() => orderRows(desktop).count()).toBe(3);
  }, 90_000);

  it("filters by days of the workspace's clock, not the browser's", async () => {
    // The browser is in New York (the harness); the workspace keeps a clock whose date differs from New York's right
    // now, so the day the orders just made fall on depends on which clock reads the filter.
    const dayIn = (timeZone: string) =>
      new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
        new Date(),
      );
    const nyDay = dayIn('America/New_York');
    const zone = ['Pacific/Kiritimati', 'Etc/GMT+12'].find((z) => dayIn(z) !== nyDay)!;
    const before = (await d.api('GET', '/workspace')).data.timezone as string;
    expect((await d.api('PATCH', '/workspace', { timezone: zone })).statusCode).toBe(200);
    try {
      await desktop.reload();
      await expect.poll(() => orderRows(desktop).count()).toBe(3);
      await desktop.getByLabel('From').fill(dayIn(zone));
      await desktop.getByLabel('To').fill(dayIn(zone));
      await expect.poll(() => new URL(desktop.url()).searchParams.get('to')).toBe(dayIn(zone));
      await expect.poll(() => orderRows(desktop).count()).toBe(3);
      // New York's today is another day of the workspace: the orders are not on it.
      await desktop.getByLabel('To').fill(nyDay);
      await desktop.getByLabel('From').fill(nyDay);
      await expect.poll(() => new URL(desktop.url()).searchParams.get('from')).toBe(nyDay);
      await desktop.getByText('No conversions match these filters').waitFor();
    } finally {
      // Leave the workspace and the page as the next tests expect them, even when this one fails.
      expect((await d.api('PATCH', '/workspace', { timezone: before })).statusCode).toBe(200);
      await desktop.goto(`${d.base}/app/conversions`);
    }
    await expect.poll(() => orderRows(desktop).count()).toBe(3);
  }, 60_000);

  it('approves and adjusts a commission from the order drawer, only with a reason', async () => {
    await desktop.getByRole('button', { name: 'A-1' }).click();
    const drawer = desktop.locator('dialog[open]');
    await drawer.getByRole('heading', { name: 'Order A-1' }).waitFor();
    await drawer.getByText('Tracking-link click counted').waitFor();
    await drawer.getByText('Order received').waitFor();
    await drawer.getByRole('button', { name: 'Approve' }).click();
    await drawer.getByTestId('commission-action').getByRole('button', { name: 'Approve' }).click();
    await drawer.getByText('Say why: it is kept in the commission’s history.').waitFor();
    expect((await commissionsOf('A-1'))[0]!.status).toBe('pending');
    await drawer.getByLabel('Reason').fill('Early approval for a top creator');
    await drawer.getByTestId('commission-action').getByRole('button', { name: 'Approve' }).click();
    await desktop.getByText('Commission approved.').waitFor();
    await expect.poll(async () => (await commissionsOf('A-1'))[0]!.status).toBe('approved');
    await drawer.getByText('“Early approval for a top creator”').waitFor();
    await shot(desktop, 'conversion-drawer', 'desktop');
    await drawer.getByRole('button', { name: 'Close' }).click();

    await desktop.getByRole('button', { name: 'B-1' }).click();
    await drawer.getByRole('heading', { name: 'Order B-1' }).waitFor();
    await drawer.getByText('Promo code counted').waitFor();
    await drawer.getByRole('button', { name: 'Adjust' }).click();
    await drawer.getByLabel('New amount (USD)').fill('3.00');
    await drawer.getByLabel('Reason').fill('Agreed flat fee');
    await drawer.getByTestId('commission-action').getByRole('button', { name: 'Adjust amount' }).click();
    await desktop.getByText('Commission amount changed.').waitFor();
    await expect.poll(async () => (await commissionsOf('B-1'))[0]!.amount).toBe('3.00');
    await drawer.getByRole('button', { name: 'Close' }).click();
  }, 60_000);

  it('exports the conversions the filters show', async () => {
    await desktop.getByRole('tab', { name: 'Credited', exact: true }).click();
    await expect.poll(() => orderRows(desktop).count()).toBe(2);
    const [csv] = await Promise.all([
      desktop.waitForEvent('download'),
      desktop.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    const text = fs.readFileSync((await csv.path())!, 'utf8');
    expect(text).toContain('A-1');
    expect(text).toContain('B-1');
    expect(text).not.toContain('U-1');
    const [xlsx] = await Promise.all([
      desktop.waitForEvent('download'),
      desktop.getByRole('button', { name: 'Export Excel' }).click(),
    ]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
  }, 30_000);

  it('creates a payout batch of the approved commission and exports it for PayPal', async () => {
    await desktop.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Payouts' }).click();
    await desktop.getByRole('heading', { name: 'Payouts', exact: true }).waitFor();
    await desktop.getByText('No payout batches yet').waitFor();
    await desktop.getByRole('cell', { name: 'Ana Lopez', exact: true }).waitFor();
    await desktop.getByLabel('Note (optional)').fill('November payouts');
    await desktop.getByRole('button', { name: /Create payout batch \(\$12\.00\)/ }).click();
    await desktop.getByRole('button', { name: 'Create batch' }).click();
    await desktop.getByText('Payout batch created: $12.00 to 1 member.').waitFor();
    await desktop.getByTestId('payout-batch').getByText('November payouts').waitFor();
    await desktop.getByText('Nobody to pay right now').waitFor();
    await expect.poll(async () => (await commissionsOf('A-1'))[0]!.status).toBe('paid');
    const [file] = await Promise.all([
      desktop.waitForEvent('download'),
      desktop.getByRole('button', { name: 'PayPal file' }).click(),
    ]);
    expect(fs.readFileSync((await file.path())!, 'utf8')).toContain('12.00');
    await shot(desktop, 'payouts', 'desktop');
  }, 60_000);

  it('works at 390 px: the list, the drawer and payouts fit the screen', async () => {
    const phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, PASSWORD);
    await phone.waitForURL(/\/app\/offers/);
    await phone.goto(`${d.base}/app/conversions`);
    // A fresh page first checks the session and fetches the page's code: wait for the list, then count it.
    await orderRows(phone).first().waitFor();
    await expect.poll(() => orderRows(phone).count()).toBe(3);
    await fitsWidth(phone);
    await shot(phone, 'conversions', 'phone');
    await phone.getByRole('button', { name: 'A-1' }).click();
    await phone.locator('dialog[open]').getByText('Tracking-link click counted').waitFor();
    await shot(phone, 'conversion-drawer', 'phone');
    await phone.locator('dialog[open]').getByRole('button', { name: 'Close' }).click();
    await phone.goto(`${d.base}/app/payouts`);
    await phone.getByTestId('payout-batch').first().waitFor();
    await fitsWidth(phone);
    await shot(phone, 'payouts', 'phone');
    expect(d.dialogs).toEqual([]);
    expect(d.pageErrors).toEqual([]);
  }, 60_000);
});
