// The attribution coverage report (issue #17): each order counted once under the evidence it carried (click, code,
// both, neither) and the path that brought it; per browser family, people's clicks and the orders that came back
// with one of them. Tracking checks and other offers' orders stay out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';

const SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const INSTAGRAM =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 330.0.0.0 (iPhone15,2; iOS 17_4; en_US)';
const CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36';

describe.each(DIALECTS)('attribution coverage on %s', (kind) => {
  let t: TestApp;
  let offerId: string;
  let otherOffer: string;
  let anna: Creator;
  let secret: string;

  const click = async (slug: string, ua: string) =>
    new URL(
      (await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': ua } })).headers.location as string,
    ).searchParams.get('tp_click')!;
  const postback = async (params: Record<string, string>) => {
    const res = await t.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret, amount: '50.00', ...params })}`,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (name: string) =>
      t.api('POST', '/offers', {
        name,
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      });
    offerId = (await offer('Glow')).data.id;
    otherOffer = (await offer('Other')).data.id;
    [anna] = (await addCreators(t, offerId, ['Anna'])) as [Creator];
    const [olga] = (await addCreators(t, otherOffer, ['Olga'])) as [Creator];

    // Glow: 3 Safari clicks, 2 Instagram in-app clicks, 1 Chrome click; a bot's click is not a person's.
    const safari = [await click(anna.slug, SAFARI), await click(anna.slug, SAFARI), await click(anna.slug, SAFARI)];
    const instagram = [await click(anna.slug, INSTAGRAM), await click(anna.slug, INSTAGRAM)];
    await click(anna.slug, CHROME);
    await click(anna.slug, 'curl/8.5.0');
    const otherClick = await click(olga.slug, CHROME);
    await new Promise((r) => setTimeout(r, 200)); // clicks are written in batches

    await postback({ click: safari[0]!, order: 'o1' }); // click only
    await postback({ click: safari[1]!, order: 'o2', code: anna.code }); // both
    await postback({ click: instagram[0]!, order: 'o3' }); // click only, in-app
    await postback({ code: anna.code, order: 'o4' }); // code only
    await postback({ offer: offerId, order: 'o5' }); // neither: nobody can be credited
    await postback({ code: anna.code, order: 'test-1', test: '1' }); // a tracking check: never counted
    await postback({ click: otherClick, order: 'x1' }); // another offer's
    // The t.js tag in the shopper's browser, with the Instagram click.
    const collect = await t.built.app.inject({
      method: 'POST',
      url: `/collect?offer=${offerId}`,
      payload: JSON.stringify({ offer: offerId, amount: '20.00', currency: 'USD', orderId: 'o6', click: instagram[1] }),
      headers: { 'content-type': 'text/plain', 'user-agent': INSTAGRAM, origin: 'https://shop.example.com' },
    });
    expect(collect.statusCode, collect.body).toBeLessThan(300);
  });
  afterAll(() => t.close());

  it("counts an offer's orders by their evidence and their path", async () => {
    const res = await t.api('GET', `/reports/coverage?offerId=${offerId}`);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.data;
    expect(r.totals).toEqual({ orders: 6, clickOnly: 3, codeOnly: 1, both: 1, neither: 1, clickShare: '0.6667' });
    expect(r.bySource).toEqual([
      { source: 'postback', orders: 5, clickOnly: 2, codeOnly: 1, both: 1, neither: 1, clickShare: '0.6000' },
      { source: 'tag', orders: 1, clickOnly: 1, codeOnly: 0, both: 0, neither: 0, clickShare: '1.0000' },
    ]);
  });

  it('sets each browser family’s clicks beside the orders that came back with them, in-app browsers apart', async () => {
    const r = (await t.api('GET', `/reports/coverage?offerId=${offerId}`)).data;
    expect(r.byBrowser).toEqual([
      { family: 'Safari', inApp: false, clicks: 3, orders: 2, orderRate: '0.6667' },
      { family: 'Chrome', inApp: false, clicks: 1, orders: 0, orderRate: '0.0000' },
      { family: 'Instagram in-app', inApp: true, clicks: 2, orders: 2, orderRate: '1.0000' },
    ]);
  });

  it('covers the whole workspace without an offer, and refuses what it cannot answer', async () => {
    const all = (await t.api('GET', '/reports/coverage')).data;
    expect(all.totals.orders).toBe(7);
    expect(all.offerId).toBeNull();
    const unknown = await t.api('GET', '/reports/coverage?offerId=off_00000000000000000000000000');
    expect(unknown.statusCode).toBe(404);
    const backwards = await t.api('GET', '/reports/coverage?from=2026-12-07&to=2026-12-01');
    expect(backwards.statusCode).toBe(400);
    expect(backwards.data.error.details[0]).toMatchObject({ path: 'from', code: 'range_invalid' });
    const before = (await t.api('GET', '/reports/coverage?from=2020-01-01&to=2020-01-31')).data;
    expect(before.totals).toMatchObject({ orders: 0, clickShare: null });
  });
});
