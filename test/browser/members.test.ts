// Lists that grow (issue #16) in a real browser: an offer with 500 members stays a short page (25 a page) whose
// search, sorting and paging are done by the server and kept in the address (back works); a member's profile shows
// that member's offers, code, numbers, commissions and payouts and not another's; and a payout batch pays only the
// two creators ticked out of three. Screenshots at 1440×900 and 390×844: test-results/dashboard-members-*.png.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULTS, startDashboard, type Dashboard, noChromium } from './harness.js';

const PASSWORD = 'correct horse battery staple';
const N = 500;
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

describe.skipIf(noChromium)(
  'offer members, member profile and payout choice in a real browser (Chromium, SQLite)',
  () => {
    let d: Dashboard;
    let page: Page;
    let offerId = '';
    const ids: Record<string, string> = {};
    const codes: Record<string, string> = {};

    const shot = async (p: Page, name: string) => {
      const size = p.viewportSize()!;
      const file = path.join(RESULTS, `dashboard-members-${name}-${size.width}.png`);
      await p.evaluate('window.scrollTo(0, 0)');
      await p.screenshot({ path: file, fullPage: true });
      expect(fs.statSync(file).size).toBeGreaterThan(2000);
    };
    const height = (p: Page) => p.evaluate<number>('document.documentElement.scrollHeight');
    const names = (p: Page) => p.locator('table.offer-members tbody .member-name').allInnerTexts();
    const query = (p: Page) => new URL(p.url()).searchParams;

    beforeAll(async () => {
      d = await startDashboard();
      const offer = await d.api('POST', '/offers', {
        name: 'Glow Serum',
        destinationUrl: 'https://shop.example.com/glow',
        holdDays: 30,
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      });
      expect(offer.statusCode, offer.body).toBe(201);
      offerId = offer.data.id;
      // 500 creators in one import and one "add to offer" call, as a brand would.
      const csv =
        'name,email,instagram\r\n' +
        Array.from(
          { length: N },
          (_, i) => `Creator ${String(i + 1).padStart(3, '0')},creator${i + 1}@example.com,@creator_${i + 1}`,
        ).join('\r\n') +
        '\r\n';
      const imported = await d.built.app.inject({
        method: 'POST',
        url: '/api/v1/members/import',
        payload: csv,
        headers: { authorization: `Bearer ${await apiKeyOf(d)}`, 'content-type': 'text/csv' },
      });
      expect(imported.statusCode, imported.body).toBe(200);
      for (let cursor: string | null = ''; cursor !== null;) {
        const res: { data: { data: { id: string; name: string }[]; nextCursor: string | null } } = await d.api(
          'GET',
          `/members?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        );
        for (const m of res.data.data) ids[m.name] = m.id;
        cursor = res.data.nextCursor;
      }
      const added = await d.api('POST', `/offers/${offerId}/members`, {
        members: Object.values(ids).map((memberId) => ({ memberId })),
        generateCodes: true,
        codePattern: 'GLOW{RAND4}',
      });
      expect(added.statusCode, added.body).toBe(200);
      for (const m of added.data.members as { memberId: string; codes: { code: string }[] }[]) {
        const name = Object.keys(ids).find((n) => ids[n] === m.memberId)!;
        codes[name] = m.codes[0]!.code;
      }
      // Three creators sell: 437 most, 012 next, 250 least; each commission is approved so it is due.
      const secret = (await d.api('GET', '/workspace')).data.postbackSecret;
      for (const [name, amount] of [
        ['Creator 437', '900.00'],
        ['Creator 012', '500.00'],
        ['Creator 250', '100.00'],
      ] as const) {
        const r = await d.built.app.inject({
          url: `/postback?${new URLSearchParams({ secret, code: codes[name]!, order: `O-${name}`, amount })}`,
        });
        expect(r.statusCode, r.body).toBe(200);
      }
      for (const c of (await d.api('GET', '/commissions?limit=10')).data.data as { id: string }[]) {
        const r = await d.api('POST', `/commissions/${c.id}/approve`, { reason: 'Checked the order' });
        expect(r.statusCode, r.body).toBe(200);
      }

      page = await d.open('desktop');
      await page.setViewportSize(DESKTOP);
      await d.signIn(page, d.owner.email, d.owner.password);
      await page.getByLabel('One-time password').fill(d.owner.password);
      await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
      await page.getByLabel('Repeat the new password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Save password' }).click();
      await page.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    }, 300_000);

    afterAll(async () => {
      await d?.close();
    });

    it('shows 500 members 25 at a time on a short page, with the total', async () => {
      await page.goto(`${d.base}/app/offers/${offerId}`);
      await page.getByText(`1–25 of ${N}`).waitFor();
      expect(await page.locator('table.offer-members tbody tr').count()).toBe(25);
      await shot(page, 'offer');
      const [wide, room] = await page.evaluate<[number, number]>(
        "[document.querySelector('table.offer-members').scrollWidth, document.querySelector('.table-wrap').clientWidth]",
      );
      expect(wide, 'the table fits without scrolling sideways').toBeLessThanOrEqual(room);
      // Newest to join first: the import order is kept, so the last imported is first.
      expect((await names(page))[0]).toBe('Creator 500');
      expect(await height(page)).toBeLessThan(3000);
      const phone = await d.open('phone');
      await phone.setViewportSize(PHONE);
      await phone.context().addCookies(await page.context().cookies());
      await phone.goto(`${d.base}/app/offers/${offerId}`);
      await phone.getByText(`1–25 of ${N}`).waitFor();
      const [scroll, client] = await phone.evaluate<[number, number]>(
        '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
      );
      expect(scroll).toBeLessThanOrEqual(client);
      // A member is a short card on a phone (name, key numbers, Details): 25 of them once made a 10,000 px page.
      const [phoneHeight, cards] = await phone.evaluate<[number, number]>(
        "[document.documentElement.scrollHeight, document.querySelector('table.offer-members').offsetHeight]",
      );
      expect(cards / 25, `${cards} px for 25 members on a phone`).toBeLessThan(140);
      expect(phoneHeight, `${phoneHeight} px tall on a phone`).toBeLessThan(6000);
      const first = phone.locator('table.offer-members tbody tr').first();
      const link = first.locator('td[data-label="Tracking link"]');
      expect(await link.isVisible()).toBe(false);
      await first.getByRole('button', { name: 'Details of Creator 500' }).click();
      await link.waitFor();
      expect(await first.getByRole('button', { name: 'Details of Creator 500' }).getAttribute('aria-expanded')).toBe(
        'true',
      );
      await shot(phone, 'offer');
    }, 90_000);

    it('pages forward and back through the address, and changes the page size', async () => {
      await page.getByRole('button', { name: 'Next →' }).click();
      await page.getByText(`26–50 of ${N}`).waitFor();
      expect(query(page).get('page')).toBe('2');
      expect((await names(page))[0]).toBe('Creator 475');
      await page.goBack();
      await page.getByText(`1–25 of ${N}`).waitFor();
      expect((await names(page))[0]).toBe('Creator 500');
      await page.getByLabel('Per page').selectOption('100');
      await page.getByText(`1–100 of ${N}`).waitFor();
      expect(await page.locator('table.offer-members tbody tr').count()).toBe(100);
      await page.getByLabel('Per page').selectOption('25');
      await page.getByText(`1–25 of ${N}`).waitFor();
      // A page past the end (an old bookmark) shows the last one.
      await page.goto(`${d.base}/app/offers/${offerId}?page=99`);
      await page.getByText(`476–500 of ${N}`).waitFor();
      expect((await names(page))[0]).toBe('Creator 025');
      await page.goto(`${d.base}/app/offers/${offerId}`);
      await page.getByText(`1–25 of ${N}`).waitFor();
    }, 60_000);

    it('sorts on the server by a heading, with aria-sort, both ways', async () => {
      const member = page.locator('table.offer-members thead th').filter({ hasText: 'Member' });
      await member.getByRole('button').click();
      await expect.poll(() => member.getAttribute('aria-sort')).toBe('ascending');
      await expect.poll(async () => (await names(page))[0]).toBe('Creator 001');
      await member.getByRole('button').click();
      await expect.poll(() => member.getAttribute('aria-sort')).toBe('descending');
      await expect.poll(async () => (await names(page))[0]).toBe('Creator 500');
      const sales = page.locator('table.offer-members thead th').filter({ hasText: 'Sales' });
      await sales.getByRole('button').click();
      await expect.poll(() => sales.getAttribute('aria-sort')).toBe('descending');
      // Across all 500, not only the page that was shown: the three who sold lead.
      await expect
        .poll(async () => (await names(page)).slice(0, 3))
        .toEqual(['Creator 437', 'Creator 012', 'Creator 250']);
      expect(await member.getAttribute('aria-sort')).toBeNull();
      expect(query(page).get('sort')).toBe('sales');
      await page.goBack();
      await expect.poll(() => member.getAttribute('aria-sort')).toBe('descending');
    }, 60_000);

    it('searches name, handle and code on the server after typing stops', async () => {
      const box = page.getByLabel("Search this offer's members");
      await box.fill('creator_42');
      await page.getByText('1–11 of 11').waitFor();
      expect(query(page).get('q')).toBe('creator_42');
      // @creator_42 and @creator_420 … @creator_429.
      expect((await names(page)).sort()).toEqual([
        'Creator 042',
        ...Array.from({ length: 10 }, (_, i) => `Creator 42${i}`),
      ]);
      await box.fill(codes['Creator 123']!.toLowerCase());
      await page.getByText('1–1 of 1').waitFor();
      expect(await names(page)).toEqual(['Creator 123']);
      await box.fill('nobody like this');
      await page.getByText('No member matches').waitFor();
      await box.fill('');
      await page.getByText(`1–25 of ${N}`).waitFor();
    }, 60_000);

    it("opens a member's profile from the offer: their offer, code, numbers and commission, not another's", async () => {
      await page.getByLabel("Search this offer's members").fill('Creator 437');
      await page.getByText('1–1 of 1').waitFor();
      await page.getByRole('link', { name: 'Creator 437' }).click();
      await page.getByTestId('profile-name').getByText('Creator 437').waitFor();
      expect(new URL(page.url()).pathname).toBe(`/app/members/${ids['Creator 437']}`);
      const offers = page.getByTestId('profile-offers');
      await offers.getByText(codes['Creator 437']!).waitFor();
      expect(await offers.innerText()).toContain('10% of each sale');
      expect(await offers.innerText()).not.toContain(codes['Creator 012']!);
      const stats = page.getByTestId('profile-stats');
      await expect.poll(() => stats.locator('.stat').filter({ hasText: 'Orders' }).innerText()).toContain('1');
      expect(await stats.locator('.stat').filter({ hasText: 'Sales' }).innerText()).toContain('$900.00');
      expect(await stats.locator('.stat').filter({ hasText: 'Commission' }).innerText()).toContain('$90.00');
      const commissions = page.getByTestId('profile-commissions');
      await commissions.getByText('$90.00').waitFor();
      expect(await commissions.locator('tbody tr').count()).toBe(1);
      expect(await commissions.innerText()).not.toContain('$50.00');
      await page.getByText('Not paid yet').waitFor();
      await page.getByLabel('Period').selectOption('7');
      await expect.poll(() => query(page).get('days')).toBe('7');
      await expect.poll(() => stats.locator('.stat').filter({ hasText: 'Sales' }).innerText()).toContain('$900.00');
      await shot(page, 'profile');

      // Another member's profile shows theirs only.
      await page.goto(`${d.base}/app/members/${ids['Creator 012']}`);
      await page.getByTestId('profile-name').getByText('Creator 012').waitFor();
      await page.getByTestId('profile-commissions').getByText('$50.00').waitFor();
      expect(await page.getByTestId('profile-commissions').innerText()).not.toContain('$90.00');
      expect(await page.getByTestId('profile-offers').innerText()).toContain(codes['Creator 012']!);
      const phone = await d.open('phone');
      await phone.setViewportSize(PHONE);
      await phone.context().addCookies(await page.context().cookies());
      await phone.goto(`${d.base}/app/members/${ids['Creator 437']}`);
      await phone.getByTestId('profile-offers').getByText(codes['Creator 437']!).waitFor();
      await shot(phone, 'profile');
    }, 90_000);

    it('pays only the two creators chosen out of three, the total following the choice', async () => {
      await page.goto(`${d.base}/app/payouts`);
      const chosen = page.getByTestId('payout-chosen');
      await chosen.getByText('3 of 3 chosen').waitFor();
      const create = page.getByRole('button', { name: /^Create payout batch/ });
      expect(await create.innerText()).toContain('$150.00');
      await page.getByLabel('Pay Creator 012').uncheck();
      await chosen.getByText('2 of 3 chosen').waitFor();
      expect(await create.innerText()).toContain('$100.00');
      // With some unticked, the heading's box ticks everyone; then it unticks everyone.
      await page.getByLabel('Select everyone due').check();
      await chosen.getByText('3 of 3 chosen').waitFor();
      await page.getByLabel('Select everyone due').uncheck();
      await chosen.getByText('0 of 3 chosen').waitFor();
      expect(await create.isDisabled()).toBe(true);
      await page.getByLabel('Select everyone due').check();
      await page.getByLabel('Pay Creator 012').uncheck();
      await chosen.getByText('2 of 3 chosen').waitFor();
      await shot(page, 'payouts');
      const phone = await d.open('phone');
      await phone.setViewportSize(PHONE);
      await phone.context().addCookies(await page.context().cookies());
      await phone.goto(`${d.base}/app/payouts`);
      await phone.getByTestId('payout-chosen').getByText('3 of 3 chosen').waitFor();
      await phone.getByLabel('Pay Creator 012').uncheck();
      await phone.getByTestId('payout-chosen').getByText('2 of 3 chosen').waitFor();
      await phone.getByLabel('Everyone due', { exact: true }).check();
      await phone.getByTestId('payout-chosen').getByText('3 of 3 chosen').waitFor();
      await phone.getByLabel('Pay Creator 012').uncheck();
      const [scroll, client] = await phone.evaluate<[number, number]>(
        '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
      );
      expect(scroll).toBeLessThanOrEqual(client);
      await shot(phone, 'payouts');
      await create.click();
      await page.locator('dialog[open]').getByText('2 members will be paid $100.00 in total').waitFor();
      await page.locator('dialog[open]').getByRole('button', { name: 'Create batch' }).click();
      await page.getByText('Payout batch created: $100.00 to 2 members.').waitFor();
      await chosen.getByText('1 of 1 chosen').waitFor();
      expect(await page.locator('table').first().innerText()).toContain('Creator 012');

      const paid = (await d.api('GET', '/commissions?status=paid&limit=10')).data.data as { memberId: string }[];
      expect(paid.map((c) => c.memberId).sort()).toEqual([ids['Creator 437'], ids['Creator 250']].sort());
      expect(
        (await d.api('GET', `/commissions?status=approved&memberId=${ids['Creator 012']}`)).data.data,
      ).toHaveLength(1);
      // The profile lists the batch that paid the member.
      await page.goto(`${d.base}/app/members/${ids['Creator 437']}`);
      await page.getByTestId('profile-payouts').getByText('$90.00').waitFor();
      expect(d.pageErrors).toEqual([]);
      expect(d.dialogs).toEqual([]);
    }, 90_000);
  },
);

async function apiKeyOf(d: Dashboard): Promise<string> {
  const key = await d.api('POST', '/api-keys', { name: 'import' });
  return key.data.key as string;
}
