// The commission ledger on the dashboard and the portal in a real browser (Chromium, SQLite), at 1280 and 390 px:
// the offer's browser-evidence settings saved from the wizard and read back; an order whose only evidence is a pixel
// with a promo code, held under Unverified, approved with a reason and then credited (another rejected, and a viewer
// sees no review buttons); a commission's receipt after a postback, a partial refund and the owner's adjustment (events
// with their trust, the rule and settings, each entry with its change and balance); the creator's own receipt in
// the portal. Screenshots go to test-results/dashboard-ledger-*.png and dashboard-portal-receipt-*.png.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveredText, sendToOutbox } from '../helpers/outbox.js';
import { signInFirstTime, startDashboard, type Dashboard, noChromium, signInInvited } from './harness.js';

const PASSWORD = 'correct horse battery staple';
const ANA = { name: 'Ana Lopez', email: 'ana@creators.test' };
const LINK_RE = /http:\/\/tp\.test(\/p\/auth\?token=[A-Za-z0-9_-]{43})/;

const orderRows = (page: Page) => page.locator('table.conversions-table tbody tr');

async function fitsWidth(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  );
  expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
}

describe.skipIf(noChromium)('the commission ledger on the dashboard and the portal (Chromium, SQLite)', () => {
  let d: Dashboard;
  let desktop: Page;
  const seed = { offer: '', ana: '', code: '', secret: '' };

  const shot = async (page: Page, name: string, width: 'desktop' | 'phone') => {
    const file = await d.shot(page, name, width);
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };
  const ok = <T extends { statusCode: number; body: string }>(r: T, status = 200) => {
    expect(r.statusCode, r.body).toBe(status);
    return r;
  };
  const conversionOf = async (order: string) => {
    const list = ok(await d.api('GET', '/conversions?limit=100')).data.data as { id: string; orderId: string }[];
    const found = list.find((c) => c.orderId === order);
    expect(found, `conversion ${order}`).toBeTruthy();
    return ok(await d.api('GET', `/conversions/${found!.id}`)).data as {
      id: string;
      status: string;
      commissions: { id: string; amount: string; status: string }[];
    };
  };
  const pixel = async (q: Record<string, string>) => {
    const r = await d.built.app.inject({ url: `/px?${new URLSearchParams({ offer: seed.offer, ...q })}` });
    expect(r.statusCode).toBe(200);
  };
  const postback = async (q: Record<string, string>) => {
    const r = await d.built.app.inject({ url: `/postback?${new URLSearchParams({ secret: seed.secret, ...q })}` });
    expect(r.statusCode, r.body).toBeLessThan(300);
  };
  const openOrder = async (page: Page, order: string) => {
    await page.getByRole('button', { name: order, exact: true }).click();
    const drawer = page.locator('dialog[open]');
    await drawer.getByRole('heading', { name: `Order ${order}` }).waitFor();
    return drawer;
  };

  beforeAll(async () => {
    d = await startDashboard();
    const offer = ok(
      await d.api('POST', '/offers', {
        name: 'Glow Serum',
        destinationUrl: 'https://shop.example.com/glow',
        holdDays: 30,
        attributionRule: 'code_first',
        payoutOptions: [{ title: 'Standard', type: 'percent', value: '10' }],
      }),
      201,
    );
    seed.offer = offer.data.id;
    seed.ana = ok(await d.api('POST', '/members', ANA), 201).data.id;
    const added = ok(
      await d.api('POST', `/offers/${seed.offer}/members`, {
        members: [{ memberId: seed.ana }],
        generateLinks: true,
        generateCodes: true,
        codePattern: 'ANA{RAND4}',
      }),
    );
    seed.code = added.data.members[0].codes[0].code;
    seed.secret = ok(await d.api('GET', '/workspace')).data.postbackSecret;
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('saves the browser-evidence settings from the offer wizard and shows them again when editing', async () => {
    desktop = await d.open('desktop');
    await signInFirstTime(d, desktop, PASSWORD);
    await desktop.goto(`${d.base}/app/offers/${seed.offer}/edit`);
    await desktop.getByRole('button', { name: /Tracking and commission/ }).click();
    const credit = desktop.getByLabel(
      'Credit promo codes reported by the browser (pixel, t.js) without a recorded click',
    );
    expect(await credit.isChecked()).toBe(false);
    await desktop.getByText('a forged pixel could otherwise claim any code', { exact: false }).waitFor();
    await credit.check();
    const limit = desktop.getByLabel(/Hold browser-reported orders above/);
    await limit.fill('lots');
    await desktop.getByRole('button', { name: 'Next' }).click();
    await desktop.getByText('An amount such as 500.00, or empty for no limit.').waitFor();
    await limit.fill('500');
    await shot(desktop, 'ledger-offer-settings', 'desktop');
    await desktop.getByRole('button', { name: 'Next' }).click();
    await desktop.getByRole('button', { name: 'Save changes' }).click();
    await desktop.getByText('Changes saved.', { exact: false }).waitFor();
    await expect
      .poll(async () => (await d.api('GET', `/offers/${seed.offer}`)).data)
      .toMatchObject({ browserCodeCredit: true, browserAmountLimit: '500.00' });
    await desktop.getByText('codes reported by the browser without a click are credited', { exact: false }).waitFor();

    // Read back into the form, then turned off again (the default the next tests rely on).
    await desktop.goto(`${d.base}/app/offers/${seed.offer}/edit`);
    await desktop.getByRole('button', { name: /Tracking and commission/ }).click();
    expect(await credit.isChecked()).toBe(true);
    expect(await limit.inputValue()).toBe('500.00');
    await credit.uncheck();
    await limit.fill('');
    await desktop.getByRole('button', { name: /Settings/ }).click();
    await desktop.getByRole('button', { name: 'Save changes' }).click();
    await desktop.getByText('Changes saved.', { exact: false }).waitFor();
    await expect
      .poll(async () => (await d.api('GET', `/offers/${seed.offer}`)).data)
      .toMatchObject({ browserCodeCredit: false, browserAmountLimit: null });
  }, 90_000);

  it('holds a pixel that brings only a promo code under Unverified; approved with a reason, it is credited', async () => {
    await pixel({ order: 'P-1', code: seed.code, amount: '80.00' });
    await pixel({ order: 'P-2', code: seed.code, amount: '35.00' });
    expect((await conversionOf('P-1')).status).toBe('unverified');

    await desktop.goto(`${d.base}/app/conversions`);
    await desktop.getByRole('tab', { name: 'Unverified' }).click();
    await expect.poll(() => new URL(desktop.url()).searchParams.get('status')).toBe('unverified');
    await expect.poll(() => orderRows(desktop).count()).toBe(2);
    await orderRows(desktop).first().getByText('Waiting for review').waitFor();
    // Why it is held comes first, and the member is named as who would be credited once approved.
    expect(await orderRows(desktop).first().textContent()).toMatch(
      /if approved.*Promo code reported by the browser, with no recorded click/,
    );
    await shot(desktop, 'ledger-unverified', 'desktop');

    const drawer = await openOrder(desktop, 'P-1');
    const review = drawer.getByTestId('review');
    await review.getByText('Promo code reported by the browser, with no recorded click').waitFor();
    await review.getByRole('button', { name: 'Approve' }).click();
    await review.getByRole('button', { name: 'Approve and credit' }).click();
    await review.getByText('Say why: it is kept with the order’s decision.').waitFor();
    expect((await conversionOf('P-1')).status).toBe('unverified');
    await review.getByLabel('Why approve it').fill('Customer service confirmed the order');
    await shot(desktop, 'ledger-review', 'desktop');
    await review.getByRole('button', { name: 'Approve and credit' }).click();
    await desktop.getByText('Order approved: it is credited.').waitFor();
    await drawer.locator('.badge', { hasText: 'Credited' }).first().waitFor();
    await drawer.getByTestId('commission').getByText('$8.00').waitFor();
    expect(await drawer.getByTestId('review').count()).toBe(0);
    await expect.poll(async () => (await conversionOf('P-1')).status).toBe('credited');
    const p1 = await conversionOf('P-1');
    expect(p1.commissions.map((c) => [c.amount, c.status])).toEqual([['8.00', 'pending']]);
    await drawer.getByRole('button', { name: 'Close' }).click();
    await expect.poll(() => orderRows(desktop).count()).toBe(1);

    // The other is rejected: it leaves Unverified for Rejected, credited to nobody.
    const other = await openOrder(desktop, 'P-2');
    await other.getByTestId('review').getByRole('button', { name: 'Reject' }).click();
    await other.getByLabel('Why reject it').fill('No such order in the shop');
    await other.getByTestId('review').getByRole('button', { name: 'Reject' }).click();
    await desktop.getByText('Order rejected: nobody is credited.').waitFor();
    await other.getByRole('button', { name: 'Close' }).click();
    await desktop.getByText('No conversions match these filters').waitFor();
    await desktop.getByRole('tab', { name: 'Rejected' }).click();
    await expect.poll(() => orderRows(desktop).count()).toBe(1);
    await orderRows(desktop).first().getByText('P-2').waitFor();
    expect((await conversionOf('P-2')).commissions).toEqual([]);
  }, 90_000);

  it('shows a viewer why an order is held, without Approve or Reject', async () => {
    await pixel({ order: 'P-3', code: seed.code, amount: '12.00' });
    const page = await signInInvited(d, 'desktop');
    await page.goto(`${d.base}/app/conversions?status=unverified`);
    await expect.poll(() => orderRows(page).count()).toBe(1);
    const drawer = await openOrder(page, 'P-3');
    await drawer
      .getByTestId('review')
      .getByText('Promo code reported by the browser, with no recorded click')
      .waitFor();
    expect(await drawer.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await drawer.getByRole('button', { name: 'Reject' }).count()).toBe(0);
  }, 60_000);

  it('shows a commission’s receipt: events with their trust, the rule and settings, and every entry', async () => {
    await postback({ order: 'S-1', code: seed.code, amount: '200.00' });
    await postback({ order: 'S-1', type: 'refund', amount: '50.00' });
    expect((await conversionOf('S-1')).commissions.map((c) => c.amount)).toEqual(['15.00']);

    // The owner adjusts it from the order drawer, then opens its receipt.
    await desktop.goto(`${d.base}/app/conversions`);
    await desktop.getByRole('button', { name: 'S-1', exact: true }).waitFor();
    const drawer = await openOrder(desktop, 'S-1');
    await drawer.getByTestId('commission').getByRole('button', { name: 'Adjust' }).click();
    await drawer.getByLabel('New amount (USD)').fill('18.00');
    await drawer.getByLabel('Reason').fill('Agreed launch bonus');
    await drawer.getByTestId('commission-action').getByRole('button', { name: 'Adjust amount' }).click();
    await desktop.getByText('Commission amount changed.').waitFor();
    await expect.poll(async () => (await conversionOf('S-1')).commissions.map((c) => c.amount)).toEqual(['18.00']);
    await drawer.getByTestId('commission').getByRole('button', { name: 'Receipt' }).click();
    const receipt = drawer.getByTestId('receipt');
    await receipt.waitFor();
    const events = receipt.getByTestId('receipt-event');
    await expect.poll(() => events.count()).toBe(2);
    expect(await events.first().textContent()).toMatch(/server.*Postback from the brand’s server/);
    expect(await events.first().textContent()).toContain('$200.00');
    await receipt.getByTestId('receipt-decision').getByText('Credited').waitFor();
    expect(await receipt.getByTestId('receipt-decision').textContent()).toContain('Ana Lopez by code');
    expect(await receipt.getByTestId('receipt-settings').textContent()).toMatch(
      /Glow Serum.*the code’s creator gets the credit.*hold 30 days.*held for review.*Standard.*10% of each sale/s,
    );
    const entries = receipt.getByTestId('receipt-entry');
    await expect.poll(() => entries.count()).toBe(3);
    const texts = await entries.allTextContents();
    expect(texts[0]).toMatch(/Commission earned.*\+\$20\.00.*\$20\.00.*Touchpoint/);
    expect(texts[1]).toMatch(/Refund.*−\$5\.00.*\$15\.00.*Touchpoint/);
    expect(texts[2]).toMatch(/Amount changed by hand.*\+\$3\.00.*\$18\.00.*Owner \(you\).*“Agreed launch bonus”/);
    await entries.last().scrollIntoViewIfNeeded();
    await shot(desktop, 'ledger-receipt', 'desktop');
    await drawer.getByRole('button', { name: 'Close' }).click();

    // The approved pixel order's receipt shows the browser event and the approval.
    const p1 = await openOrder(desktop, 'P-1');
    await p1.getByTestId('commission').getByRole('button', { name: 'Receipt' }).click();
    const pr = p1.getByTestId('receipt');
    await pr.getByTestId('receipt-event').first().waitFor();
    expect(await pr.getByTestId('receipt-event').first().textContent()).toMatch(/browser.*Conversion pixel/);
    await p1.getByRole('button', { name: 'Close' }).click();

    const phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, PASSWORD);
    await phone.waitForURL(/\/app\/offers/);
    await phone.goto(`${d.base}/app/conversions`);
    await phone.getByRole('button', { name: 'S-1', exact: true }).waitFor();
    const small = await openOrder(phone, 'S-1');
    await small.getByTestId('commission').getByRole('button', { name: 'Receipt' }).click();
    await expect.poll(() => small.getByTestId('receipt-entry').count()).toBe(3);
    await small.getByTestId('receipt').scrollIntoViewIfNeeded();
    await fitsWidth(phone);
    await shot(phone, 'ledger-receipt', 'phone');
  }, 90_000);

  it('shows the creator the receipt of their own commission in the portal', async () => {
    // A magic link is used once: each browser signs in with a link of its own, as the creator would ask for it.
    const freshLink = async () => {
      const since = Date.now() - 1;
      const res = await fetch(`${d.base}/api/portal/login-link`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: ANA.email }),
      });
      expect(res.status).toBe(202);
      // Sign-in links exist only in the email as delivered, never in the database.
      await sendToOutbox(d.built.ctx, d.store.dataDir);
      const rows = await d.store.store.db
        .selectFrom('emails')
        .select('id')
        .where('kind', '=', 'magic_link')
        .where('to_address', '=', ANA.email)
        .where('created_at', '>=', since)
        .execute();
      return LINK_RE.exec(await deliveredText(d.store.dataDir, rows[0]!.id))![1]!;
    };
    for (const width of ['desktop', 'phone'] as const) {
      const page = await d.open(width);
      await page.goto(`${d.base}${await freshLink()}`);
      await page.getByText('Your links', { exact: true }).first().waitFor();
      await page.goto(`${d.base}/p/commissions`);
      const row = page.getByTestId('commissions').locator('tbody tr', { hasText: '$18.00' });
      await row.getByRole('button', { name: /Receipt/ }).click();
      const dialog = page.locator('dialog[open]');
      const receipt = dialog.getByTestId('receipt');
      await expect.poll(() => receipt.getByTestId('receipt-entry').count()).toBe(3);
      const texts = await receipt.getByTestId('receipt-entry').allTextContents();
      expect(texts[0]).toMatch(/Commission earned.*\+\$20\.00.*Touchpoint/);
      expect(texts[2]).toMatch(/Amount changed by hand.*\+\$3\.00.*\$18\.00.*The brand/);
      expect(await receipt.getByTestId('receipt-decision').textContent()).toContain('You by code');
      expect(await receipt.getByTestId('receipt-event').first().textContent()).toMatch(/server/);
      if (width === 'phone') await fitsWidth(page);
      await receipt.getByTestId('receipt-entry').last().scrollIntoViewIfNeeded();
      const file = await d.shot(page, 'portal-receipt', width);
      expect(fs.statSync(file).size).toBeGreaterThan(2000);
    }
    expect(d.dialogs).toEqual([]);
    expect(d.pageErrors).toEqual([]);
  }, 90_000);
});
