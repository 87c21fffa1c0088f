// The Reports page in a real browser at 1280 and 390 px: the empty state of a new workspace, then clicks and
// postbacks made through the real tracking and /postback endpoints; grouping, filters (commission status too), sorting by a heading, the
// totals, a promo-code filter typed by hand, long reports drawn 100 rows at a time, redemptions per follower, the trend chart, the credits note, CSV and Excel exports, and a member named like an HTML tag shown as text.
// Screenshots go to test-results/dashboard-reports-*.png.
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

/** The cells of the table's body rows, as text. */
async function bodyRows(page: Page): Promise<string[][]> {
  return page
    .locator('table.report-table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

/** The totals row's cell under a heading (the columns differ by grouping: by code there are no click columns). */
async function totalUnder(page: Page, heading: string): Promise<string | undefined> {
  const headings = await page.locator('table.report-table thead th').allTextContents();
  const i = headings.findIndex((h) => h.replace(/[▲▼]/g, '').trim() === heading);
  return (await page.locator('table.report-table tfoot td').allTextContents())[i];
}

describe.skipIf(noChromium)('the Reports page in a real browser (Chromium, SQLite)', () => {
  let d: Dashboard;
  let desktop: Page;
  const members: { id: string; name: string; slug: string; code: string; codeId: string }[] = [];
  let offerId = '';

  const shot = async (page: Page, name: string, width: 'desktop' | 'phone') => {
    const file = await d.shot(page, name, width);
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };

  beforeAll(async () => {
    d = await startDashboard();
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('shows the empty state before anything is tracked', async () => {
    desktop = await d.open('desktop');
    await signInFirstTime(d, desktop, PASSWORD);
    await desktop.getByRole('link', { name: 'Reports' }).first().click();
    await desktop.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
    await desktop.getByText('No activity in this period').waitFor();
    await shot(desktop, 'reports-empty', 'desktop');
  }, 60_000);

  it('groups, filters, sorts and totals what the tracking and postback endpoints recorded', async () => {
    const offer = await d.api('POST', '/offers', {
      name: 'Glow Serum',
      destinationUrl: 'https://shop.example.com/glow',
      attributionRule: 'split',
      splitCodeShare: '50',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode).toBe(201);
    offerId = offer.data.id;
    for (const name of ['Ana Lopez', 'Ben Ode', XSS_NAME]) {
      const m = await d.api('POST', '/members', { name, ...(name === 'Ben Ode' ? { reach: 210_000 } : {}) });
      const added = await d.api('POST', `/offers/${offer.data.id}/members`, {
        members: [{ memberId: m.data.id }],
        generateLinks: true,
        generateCodes: true,
        codePattern: '{RAND6}',
      });
      members.push({
        id: m.data.id,
        name,
        slug: added.data.members[0].links[0].slug,
        code: added.data.members[0].codes[0].code,
        codeId: added.data.members[0].codes[0].id,
      });
    }
    const clickOf = async (slug: string, i: number) => {
      const res = await d.built.app.inject({
        url: `/${slug}`,
        headers: { 'user-agent': UA },
        remoteAddress: `203.0.113.${i}`,
      });
      return new URL(res.headers.location as string).searchParams.get('tp_click')!;
    };
    // Ana: 3 clicks, two orders by link (120.00 + 30.00). Ben: 1 click, one order by code (45.50). The third: 2 clicks, none.
    const ana = [
      await clickOf(members[0]!.slug, 1),
      await clickOf(members[0]!.slug, 2),
      await clickOf(members[0]!.slug, 3),
    ];
    await clickOf(members[1]!.slug, 4);
    await clickOf(members[2]!.slug, 5);
    await clickOf(members[2]!.slug, 6);
    await d.built.tracking.flush();
    const secret = (await d.api('GET', '/workspace')).data.postbackSecret;
    const post = async (q: Record<string, string>) => {
      const res = await d.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, ...q })}` });
      expect(res.statusCode).toBeLessThan(300);
    };
    await post({ order: 'A-1', amount: '120.00', click: ana[0]! });
    await post({ order: 'A-2', amount: '30.00', click: ana[1]! });
    await post({ order: 'B-1', amount: '45.50', code: members[1]!.code });

    await desktop.reload();
    const table = desktop.locator('table.report-table');
    await table.waitFor();
    // A name typed like markup is text, never an element.
    await desktop.getByRole('cell', { name: XSS_NAME }).waitFor();
    expect(await desktop.locator('img[src="x"]').count()).toBe(0);
    const totals = await table.locator('tfoot td').allTextContents();
    expect(totals[0]).toBe('Total');
    expect(totals).toContain('$195.50'); // sales
    expect(totals[1]).toBe('6'); // clicks
    await desktop.getByText('Conversions here count credits').waitFor();
    await desktop.locator('.recharts-wrapper').first().waitFor();

    // The trend: clicks and conversions each on its own scale, so the conversions' rise is as tall as the clicks'
    // (on one scale 3 conversions next to 6 clicks would be half, next to 16,000 flat); money on a chart of its own
    // whose axis labels all fit inside it.
    const [counts, money] = [desktop.locator('.trend-counts'), desktop.locator('.trend-money')];
    await money.locator('.recharts-wrapper').waitFor();
    expect(await counts.locator('.recharts-legend-wrapper').textContent()).toContain('Conversions (right scale)');
    expect(await counts.locator('.recharts-yAxis').count()).toBe(2);
    const heightOf = async (color: string) =>
      (await counts.locator(`path.recharts-line-curve[stroke="${color}"]`).boundingBox())?.height ?? 0;
    const [clickRise, conversionRise] = [await heightOf('#4338ca'), await heightOf('#059669')];
    expect(clickRise).toBeGreaterThan(100);
    expect(conversionRise).toBeGreaterThan(clickRise * 0.9);
    expect(await money.locator('.recharts-legend-wrapper').textContent()).toContain('Commission');
    const svg = (await money.locator('.recharts-wrapper').boundingBox())!;
    const ticks = money.locator('.recharts-yAxis-tick-labels .recharts-cartesian-axis-tick-value');
    await expect.poll(() => ticks.count()).toBeGreaterThan(1);
    expect(await ticks.allTextContents()).toContain('$0.00');
    for (const box of await ticks.evaluateAll((els) => els.map((e) => e.getBoundingClientRect().left)))
      expect(box).toBeGreaterThanOrEqual(svg.x);

    // Sorting by a heading: sales, highest first, then lowest first.
    await table.getByRole('button', { name: 'Sales', exact: true }).click();
    expect((await bodyRows(desktop)).map((r) => r[0])).toEqual(['Ana Lopez', 'Ben Ode', XSS_NAME]);
    await table.getByRole('button', { name: /^Sales/ }).click();
    expect((await bodyRows(desktop)).map((r) => r[0])).toEqual([XSS_NAME, 'Ben Ode', 'Ana Lopez']);
    expect(await table.locator('th[aria-sort="ascending"]').textContent()).toContain('Sales');
    await table.getByRole('button', { name: /^Clicks/ }).click();
    const byClicks = await bodyRows(desktop);
    expect(byClicks.map((r) => r[1])).toEqual(['3', '2', '1']);
    await shot(desktop, 'reports', 'desktop');

    // Filter by member: one row, the member's own numbers.
    await desktop.getByLabel('Member').selectOption({ label: 'Ben Ode' });
    await expect.poll(async () => (await bodyRows(desktop)).length).toBe(1);
    expect((await bodyRows(desktop))[0]![0]).toBe('Ben Ode');
    // One redemption for 210,000 followers: 0.000476 %, where a percent to two decimals would say 0 %.
    const headings = await table.locator('thead th').allTextContents();
    const ben = (await bodyRows(desktop))[0]!;
    expect(ben[headings.findIndex((h) => h.startsWith('Reach'))]).toBe('210,000');
    expect(ben[headings.findIndex((h) => h.startsWith('Redemptions per reach'))]).toBe('0.000476%');
    expect(new URL(desktop.url()).searchParams.get('memberId')).toBe(members[1]!.id);
    await desktop.getByLabel('Member').selectOption({ label: 'All members' });

    // Commission status: once the commission of Ana's 30.00 order is approved, "Approved" shows that sale alone.
    const anaCommissions = (await d.api('GET', `/commissions?memberId=${members[0]!.id}`)).data.data as {
      id: string;
      amount: string;
    }[];
    const approved = await d.api(
      'POST',
      `/commissions/${anaCommissions.find((c) => c.amount === '3.00')!.id}/approve`,
      { reason: 'Early payment' },
    );
    expect(approved.statusCode).toBe(200);
    await desktop.getByLabel('Commission status').selectOption('approved');
    await expect
      .poll(async () => (await table.locator('tfoot td').allTextContents()).slice(5, 7))
      .toEqual(['$30.00', '$0.00']); // sales, refunds
    expect(new URL(desktop.url()).searchParams.get('status')).toBe('approved');
    await desktop.getByLabel('Commission status').selectOption('');
    await expect.poll(async () => (await table.locator('tfoot td').allTextContents())[5]).toBe('$195.50');

    // Group by code: a row per promo code an order used, labelled by its code, counting the orders that used it;
    // clicks belong to links, so no click columns (Ana's and the third member's clicks claim no code row) and a note.
    await desktop.getByLabel('Group by').selectOption('code');
    await desktop.getByRole('cell', { name: members[1]!.code }).waitFor();
    const codeHeadings = (await table.locator('thead th').allTextContents()).map((h) => h.replace(/[▲▼]/g, '').trim());
    for (const gone of ['Clicks', 'Unique clicks', 'Conversion rate', 'EPC', 'Redemption rate'])
      expect(codeHeadings).not.toContain(gone);
    expect(codeHeadings).toEqual(expect.arrayContaining(['Conversions', 'Sales', 'Commission', 'Code redemptions']));
    await desktop.getByText('Clicks belong to links; a code’s row counts the orders that used it').waitFor();
    const byCode = new Map((await bodyRows(desktop)).map((r) => [r[0], r]));
    expect([...byCode.keys()].sort()).toEqual(['(no code)', members[1]!.code].sort());
    const cellOf = (label: string, heading: string) => byCode.get(label)![codeHeadings.indexOf(heading)];
    expect(cellOf(members[1]!.code, 'Conversions')).toBe('1');
    expect(cellOf(members[1]!.code, 'Sales')).toBe('$45.50');
    expect(cellOf('(no code)', 'Conversions')).toBe('2');
    expect(cellOf('(no code)', 'Sales')).toBe('$150.00');
    await shot(desktop, 'reports-by-code', 'desktop');

    // Filter by a promo code typed in any case: that code's row alone, the field showing the code as issued.
    const codeField = desktop.getByLabel('Promo code');
    const benCode = members[1]!;
    await codeField.fill(benCode.code.toLowerCase());
    await codeField.press('Enter');
    await expect.poll(() => new URL(desktop.url()).searchParams.get('codeId')).toBe(benCode.codeId);
    await expect.poll(async () => (await bodyRows(desktop)).map((r) => r[0])).toEqual([benCode.code]);
    expect(await codeField.inputValue()).toBe(benCode.code);
    expect(await totalUnder(desktop, 'Sales')).toBe('$45.50');
    // A code that does not exist says so and leaves the filter as it was.
    await codeField.fill('NOSUCH99');
    await codeField.press('Enter');
    await desktop.getByText('No promo code “NOSUCH99” in this workspace.').waitFor();
    expect(new URL(desktop.url()).searchParams.get('codeId')).toBe(benCode.codeId);
    // The same string issued again after the first was disabled: the page asks which of the two is meant.
    expect((await d.api('POST', `/codes/${benCode.codeId}/disable`, {})).statusCode).toBe(200);
    const reissued = await d.api('POST', '/codes', { offerId, memberId: members[0]!.id, code: benCode.code });
    expect(reissued.statusCode).toBe(201);
    await codeField.fill('');
    await codeField.press('Enter');
    await expect.poll(() => new URL(desktop.url()).searchParams.get('codeId')).toBe(null);
    await codeField.fill(benCode.code);
    await codeField.press('Enter');
    const which = desktop.getByLabel(`Which ${benCode.code}?`);
    await which.waitFor();
    expect(await which.locator('option').allTextContents()).toEqual([
      '2 codes match',
      `${benCode.code} · Ana Lopez · Glow Serum · active`,
      `${benCode.code} · Ben Ode · Glow Serum · disabled`,
    ]);
    await which.selectOption({ label: `${benCode.code} · Ana Lopez · Glow Serum · active` });
    await expect.poll(() => new URL(desktop.url()).searchParams.get('codeId')).toBe(reissued.data.id);
    // No order used the new code, and a code has no clicks of its own (Ana's are her link's): nothing to report.
    await desktop.getByText('No activity in this period').waitFor();
    await codeField.fill('');
    await codeField.press('Enter');
    await expect.poll(() => totalUnder(desktop, 'Sales')).toBe('$195.50');

    // Group by day: orders, not credits, so no note.
    await desktop.getByLabel('Group by').selectOption('day');
    await desktop.getByRole('heading', { name: 'By day', exact: true }).waitFor();
    await expect.poll(() => desktop.getByText('Conversions here count credits').count()).toBe(0);
    expect(await table.locator('tfoot td').allTextContents()).toContain('$195.50');

    // 250 days by day: the first 100 rows are drawn, the rest on request; the totals are the whole range's.
    const fromBefore = await desktop.getByLabel('From').inputValue();
    const toDay = await desktop.getByLabel('To').inputValue();
    await desktop
      .getByLabel('From')
      .fill(new Date(Date.parse(`${toDay}T12:00:00Z`) - 249 * 86_400_000).toISOString().slice(0, 10));
    await desktop.getByText('The first 100 of 250 rows').waitFor();
    expect((await bodyRows(desktop)).length).toBe(100);
    expect(await table.locator('tfoot td').allTextContents()).toContain('$195.50');
    await desktop.getByRole('button', { name: 'Show all 250 rows' }).waitFor();
    await desktop.getByRole('button', { name: 'Show 100 more rows' }).click();
    await expect.poll(async () => (await bodyRows(desktop)).length).toBe(200);
    expect(await desktop.getByRole('button', { name: /^Show all/ }).count()).toBe(0); // 50 left: one more press shows them
    await desktop.getByRole('button', { name: 'Show 50 more rows' }).click();
    await expect.poll(async () => (await bodyRows(desktop)).length).toBe(250);
    await desktop.getByText('250 rows ·').waitFor();
    expect(await desktop.getByRole('button', { name: /more rows/ }).count()).toBe(0);
    // A new order keeps the rows drawn: the busiest day first.
    await table.getByRole('button', { name: /^Sales/ }).click();
    await expect.poll(async () => (await bodyRows(desktop))[0]![5]).toBe('$195.50');
    expect((await bodyRows(desktop)).length).toBe(250);
    await desktop.getByLabel('From').fill(fromBefore);
    await expect.poll(async () => (await bodyRows(desktop)).length).toBeLessThan(100);
  }, 90_000);

  it('exports the report shown as CSV and Excel', async () => {
    await desktop.getByLabel('Group by').selectOption('member');
    await desktop.getByRole('cell', { name: 'Ana Lopez' }).waitFor();
    const [csv] = await Promise.all([
      desktop.waitForEvent('download'),
      desktop.getByRole('button', { name: 'Export CSV' }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/^report-member-.*\.csv$/);
    const text = fs.readFileSync((await csv.path())!, 'utf8');
    expect(text).toContain('Ana Lopez');
    expect(text).toMatch(/\nTotal,total,6,6,3,/);
    expect(text).toContain('195.50');
    const [xlsx] = await Promise.all([
      desktop.waitForEvent('download'),
      desktop.getByRole('button', { name: 'Export Excel' }).click(),
    ]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    expect(
      fs
        .readFileSync((await xlsx.path())!)
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
  }, 60_000);

  it('tells a start date after the end date in plain words and asks the server nothing', async () => {
    await desktop.getByLabel('From').fill('2030-01-10');
    await desktop.getByLabel('To').fill('2030-01-01');
    await desktop.getByText('The start date is after the end date.').waitFor();
    expect(await desktop.getByRole('button', { name: 'Export CSV' }).isDisabled()).toBe(true);
  }, 30_000);

  it('works at 390 px: rows become cards, sorting is a select, nothing scrolls sideways', async () => {
    const phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, PASSWORD);
    await phone.waitForURL(/\/app\/offers/);
    await phone.goto(`${d.base}/app/reports`);
    await phone.locator('table.report-table').waitFor();
    await phone.locator('.recharts-wrapper').first().waitFor();
    await phone.getByLabel('Sort by').selectOption({ label: 'Clicks (highest first)' });
    expect((await bodyRows(phone)).map((r) => r[0])).toEqual(['Ana Lopez', XSS_NAME, 'Ben Ode']);
    await fitsWidth(phone);
    await shot(phone, 'reports', 'phone');
    expect(d.dialogs).toEqual([]);
    expect(d.pageErrors).toEqual([]);
  }, 60_000);
});
