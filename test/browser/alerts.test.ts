// The Alerts page in a real browser at 1280 and 390 px: the empty state, a promo code redeemed far above its usual
// rate through the real /postback endpoint (none of the orders through its member's link), "Run detection now"
// raising one alert for the code that lists both rules that fired, its chart against the baseline and each rule's
// numbers, then acknowledge, a cancelled disable, and a rotate, each confirmed first and
// checked through the API, and the code's report opened from the alert. The member's name is typed like an HTML tag and must stay text.
// Screenshots go to test-results/dashboard-alerts-*.png.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInFirstTime, startDashboard, type Dashboard, noChromium } from './harness.js';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const PASSWORD = 'correct horse battery staple';
const SPIKE = 26;

async function fitsWidth(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  );
  expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
}

describe.skipIf(noChromium)('the Alerts page in a real browser (Chromium, SQLite)', () => {
  let d: Dashboard;
  let desktop: Page;
  let code = '';
  let codeId = '';

  const shot = async (page: Page, name: string, width: 'desktop' | 'phone') => {
    const file = await d.shot(page, name, width);
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };
  const spikeCard = (page: Page) => page.getByTestId('alert').filter({ hasText: 'redemptions in the last 24 hours' });
  const spikeAlert = async () =>
    (
      (await d.api('GET', '/alerts')).data.data as {
        rules: { rule: string }[];
        status: string;
        resolution: string | null;
        codeId: string;
      }[]
    ).find((a) => a.rules.some((r) => r.rule === 'spike'));

  beforeAll(async () => {
    d = await startDashboard();
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('shows the empty state while no code leaks', async () => {
    desktop = await d.open('desktop');
    await signInFirstTime(d, desktop, PASSWORD);
    await desktop.getByRole('link', { name: 'Alerts' }).first().click();
    await desktop.getByText('No leak alerts').waitFor();
    await shot(desktop, 'alerts-empty', 'desktop');
  }, 60_000);

  it('raises an alert with "Run detection now" and shows the chart and the numbers behind it', async () => {
    const offer = await d.api('POST', '/offers', {
      name: 'Glow Serum',
      destinationUrl: 'https://shop.example.com/glow',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    const m = await d.api('POST', '/members', { name: XSS_NAME, email: 'leaky@creators.test' });
    const added = await d.api('POST', `/offers/${offer.data.id}/members`, {
      members: [{ memberId: m.data.id }],
      generateCodes: true,
      codePattern: 'GLOW{RAND4}',
    });
    code = added.data.members[0].codes[0].code;
    codeId = added.data.members[0].codes[0].id;
    const secret = (await d.api('GET', '/workspace')).data.postbackSecret;
    const now = Date.now();
    // A quiet baseline (one order on a few earlier days), then a burst in the last hours.
    const times = [3, 9, 15].map((days) => now - days * 86_400_000);
    for (let i = 0; i < SPIKE; i++) times.push(now - (i + 1) * 120_000);
    for (const [i, t] of times.entries()) {
      const res = await d.built.app.inject({
        url: `/postback?${new URLSearchParams({ secret, order: `L-${i}`, amount: '40.00', code, time: new Date(t).toISOString() })}`,
      });
      expect(res.statusCode).toBeLessThan(300);
    }

    await desktop.getByRole('button', { name: 'Run detection now' }).click();
    await desktop.getByText(/^Checked \d+ busy codes?: 1 new alert\b/).waitFor();
    const card = spikeCard(desktop);
    await card.waitFor();
    // Both rules fired for the one leaked code: one card, a line and the evidence for each, the actions once.
    await expect.poll(() => desktop.getByTestId('alert').count()).toBe(1);
    expect(await card.getByTestId('alert-rule').allTextContents()).toEqual([
      expect.stringContaining(`${SPIKE} redemptions in the last 24 hours`),
      expect.stringContaining('100% of the last 24 hours’ orders with this code came without a click'),
    ]);
    expect(await card.getByRole('button', { name: 'Disable code' }).count()).toBe(1);
    await card.getByTestId('alert-evidence-no_click').waitFor();
    expect(await card.getByTestId('alert-evidence-no_click').textContent()).toContain(`of ${SPIKE} orders`);
    await card.getByText(XSS_NAME).first().waitFor();
    expect(await desktop.locator('img[src="x"]').count()).toBe(0);
    await card.locator('.recharts-reference-line').waitFor({ state: 'attached' });
    expect(await card.locator('.stat').filter({ hasText: 'Last 24 hours' }).textContent()).toContain(String(SPIKE));
    await shot(desktop, 'alerts', 'desktop');
  }, 90_000);

  it('acknowledges after confirming, and a cancelled "Disable code" changes nothing', async () => {
    const card = spikeCard(desktop);
    await card.getByRole('button', { name: 'Disable code' }).click();
    await desktop.locator('dialog[open]').getByText(`Disable the code ${code}?`).waitFor();
    await shot(desktop, 'alerts-confirm', 'desktop');
    await desktop.locator('dialog[open]').getByRole('button', { name: 'Cancel' }).click();
    expect((await d.api('GET', `/codes/${codeId}`)).data.status).toBe('active');
    expect((await spikeAlert())!.status).toBe('open');

    await card.getByRole('button', { name: 'Acknowledge' }).click();
    await desktop.locator('dialog[open]').getByRole('button', { name: 'Acknowledge' }).click();
    await desktop.getByText('Alert acknowledged.').waitFor();
    await expect.poll(async () => (await spikeAlert())!.status).toBe('acknowledged');
    await expect.poll(() => spikeCard(desktop).getByRole('button', { name: 'Acknowledge' }).count()).toBe(0);
  }, 60_000);

  it('rotates the code: the member gets a new one and the alert is resolved', async () => {
    await spikeCard(desktop).getByRole('button', { name: 'Rotate code' }).click();
    await desktop.locator('dialog[open]').getByRole('button', { name: 'Replace code' }).click();
    await desktop.getByText(new RegExp(`^Code ${code} replaced by GLOW`)).waitFor();
    await expect.poll(async () => (await spikeAlert())!.resolution).toBe('code_rotated');
    expect((await d.api('GET', `/codes/${codeId}`)).data.status).toBe('disabled');
    await desktop.getByRole('tab', { name: 'Open' }).click();
    await desktop.getByText('No open alerts').waitFor();
    await desktop.getByRole('tab', { name: 'Resolved' }).click();
    await spikeCard(desktop).waitFor();
  }, 60_000);

  it("opens the code's own report from the alert: the filter names the code, the totals are its orders", async () => {
    await spikeCard(desktop).getByRole('link', { name: 'Open in Reports' }).click();
    await desktop.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
    const url = new URL(desktop.url());
    expect(url.searchParams.get('codeId')).toBe(codeId);
    expect(url.searchParams.get('groupBy')).toBe('day');
    await expect.poll(() => desktop.getByLabel('Promo code').inputValue()).toBe(code);
    // Every order carried the code: three quiet days and the burst, 40.00 each. A code has no clicks (they belong to
    // links): no click columns, and the note says why.
    const totals = desktop.locator('table.report-table tfoot td');
    await expect
      .poll(() => totals.and(desktop.locator('[data-label="Conversions"]')).textContent())
      .toBe(String(SPIKE + 3));
    expect(await totals.allTextContents()).toContain(`$${(40 * (SPIKE + 3)).toLocaleString('en-US')}.00`);
    const headings = await desktop.locator('table.report-table thead th').allTextContents();
    expect(headings.map((h) => h.replace(/[▲▼]/g, '').trim())).not.toContain('Clicks');
    await desktop.getByTestId('code-clicks-note').waitFor();
  }, 60_000);

  it('works at 390 px', async () => {
    const phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, PASSWORD);
    await phone.waitForURL(/\/app\/offers/);
    await phone.goto(`${d.base}/app/alerts`);
    const card = spikeCard(phone);
    await card.waitFor();
    await card.getByRole('button', { name: 'Show details' }).click();
    await card.locator('.recharts-reference-line').waitFor({ state: 'attached' });
    await fitsWidth(phone);
    await shot(phone, 'alerts', 'phone');
    expect(d.dialogs).toEqual([]);
    expect(d.pageErrors).toEqual([]);
  }, 60_000);
});
