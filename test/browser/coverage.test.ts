// The attribution coverage card on an offer's page, in a real browser at 1280 and 390 px: orders that arrived through
// the real /postback with a click, a code, both or nothing, and clicks from Safari and Instagram's in-app browser,
// read back as the card's sentence, bar and tables. Screenshots go to test-results/dashboard-coverage-*.png.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInFirstTime, startDashboard, type Dashboard, noChromium } from './harness.js';

const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const INSTAGRAM =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 330.0.0.0 (iPhone15,2; iOS 17_4; en_US)';

describe.skipIf(noChromium)('the attribution coverage card in a real browser (Chromium, SQLite)', () => {
  let d: Dashboard;
  let offerId = '';

  beforeAll(async () => {
    d = await startDashboard();
    offerId = (
      await d.api('POST', '/offers', {
        name: 'Coverage',
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data.id;
    const member = (await d.api('POST', '/members', { name: 'Anna' })).data.id;
    const added = await d.api('POST', `/offers/${offerId}/members`, {
      members: [{ memberId: member }],
      generateLinks: true,
      generateCodes: true,
    });
    const slug = added.data.members[0].links[0].slug as string;
    const code = added.data.members[0].codes[0] as { code: string };
    const secret = (await d.api('GET', '/workspace')).data.postbackSecret as string;
    const click = async (ua: string) => {
      const res = await fetch(`${d.base}/${slug}`, {
        headers: { 'user-agent': ua },
        redirect: 'manual',
      });
      return new URL(res.headers.get('location')!).searchParams.get('tp_click')!;
    };
    const clicks = [await click(SAFARI), await click(SAFARI), await click(INSTAGRAM), await click(INSTAGRAM)];
    await new Promise((r) => setTimeout(r, 300));
    const postback = async (q: Record<string, string>) => {
      const res = await fetch(`${d.base}/postback?${new URLSearchParams({ secret, amount: '40.00', ...q })}`);
      expect(res.status).toBeLessThan(300);
    };
    await postback({ click: clicks[0]!, order: 'c1' });
    await postback({ click: clicks[2]!, code: code.code, order: 'c2' });
    await postback({ code: code.code, order: 'c3' });
    await postback({ offer: offerId, order: 'c4' });
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('explains how the offer’s orders were backed, by path and by browser, at 1280 and 390 px', async () => {
    const page = await d.open('desktop');
    await signInFirstTime(d, page, 'correct horse battery staple');
    await page.goto(`${d.base}/app/offers/${offerId}`);
    const card = page.getByTestId('coverage');
    await card.getByText('of 4 orders came back with the creator’s click').waitFor();
    expect(await card.locator('p').first().innerText()).toMatch(/^50%.*25%.*25%/s);
    const sources = await card.locator('table').first().locator('tbody tr').allInnerTexts();
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatch(/Postback from the brand’s server\s+4\s+50%\s+1\s+1/);
    const browsers = await card.locator('table').nth(1).locator('tbody tr').allInnerTexts();
    expect(browsers.map((r) => r.replace(/\s+/g, ' ').trim())).toEqual([
      'Safari 2 1 50%',
      'Instagram in-app in-app 2 1 50%',
    ]);
    await card.scrollIntoViewIfNeeded();
    expect(fs.statSync(await d.shot(page, 'coverage', 'desktop')).size).toBeGreaterThan(2000);

    const phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, 'correct horse battery staple');
    await phone.getByRole('heading', { name: 'Offers' }).waitFor();
    await phone.goto(`${d.base}/app/offers/${offerId}`);
    await phone.getByTestId('coverage').getByText('of 4 orders').waitFor();
    const [scroll, client] = await phone.evaluate<[number, number]>(
      '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
    );
    const wide = await phone.evaluate<string[]>(
      `[...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > ${client + 1} && !e.closest('.table-wrap')).slice(0, 8).map((e) => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`,
    );
    expect(scroll, wide.join(' | ')).toBeLessThanOrEqual(client);
    await phone.getByTestId('coverage').scrollIntoViewIfNeeded();
    expect(fs.statSync(await d.shot(phone, 'coverage', 'phone')).size).toBeGreaterThan(2000);
    expect(d.pageErrors).toEqual([]);
  }, 120_000);
});
