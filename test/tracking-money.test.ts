// One money format (issue #16): the tracking surface's JSON answers give money as the admin API does, a decimal string
// in its currency's decimals beside that currency ("5.99" USD, "120" JPY), never integer minor units. TUNE's
// /aff_lsr keeps the original network's text answer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Every place in an answer that speaks money otherwise than as a decimal string: a …Minor field, or a number. */
function otherMoney(value: unknown, at = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => otherMoney(v, `${at}[${i}]`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = at ? `${at}.${k}` : k;
    const odd =
      /minor$/i.test(k) || (['amount', 'refunded'].includes(k) && !(typeof v === 'string' && DECIMAL.test(v)));
    return [...(odd ? [path] : []), ...otherMoney(v, path)];
  });
}

describe.each(DIALECTS)('money in the tracking answers on %s', (kind) => {
  let t: TestApp;
  let secret: string;
  let usd: Creator;
  let yen: Creator;
  let order = 0;
  const nextOrder = () => `MONEY-${kind}-${++order}`;

  const postback = async (params: Record<string, string>) => {
    const res = await t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, ...params })}` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as Record<string, unknown>;
    expect(otherMoney(body), res.body).toEqual([]);
    return body;
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = async (currency: string) =>
      (
        await t.api('POST', '/offers', {
          name: `Serum ${currency}`,
          destinationUrl: 'https://shop.example.com/serum',
          currency,
          payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
        })
      ).data.id as string;
    [usd] = (await addCreators(t, await offer('USD'), ['Anna'])) as [Creator];
    [yen] = (await addCreators(t, await offer('JPY'), ['Kenji'])) as [Creator];
  });
  afterAll(() => t.close());

  it("answers a credited order's commissions as the admin API shows them, for the order and its duplicate", async () => {
    const o = nextOrder();
    const created = await postback({ code: usd.code, order: o, amount: '59.90', currency: 'USD' });
    expect(created).toMatchObject({
      status: 'created',
      credited: true,
      commissions: [{ memberId: usd.id, amount: '5.99', currency: 'USD' }],
    });
    const shown = (await t.api('GET', `/conversions/${created.conversionId as string}`)).data;
    expect(shown.commissions.map((c: { amount: string; currency: string }) => [c.amount, c.currency])).toEqual([
      ['5.99', 'USD'],
    ]);
    const again = await postback({ code: usd.code, order: o, amount: '59.90', currency: 'USD' });
    expect(again).toMatchObject({ status: 'duplicate', commissions: [{ amount: '5.99', currency: 'USD' }] });
    const test = await postback({ code: usd.code, order: nextOrder(), amount: '10.00', test: '1' });
    expect(test).toMatchObject({ test: true, commissions: [{ amount: '1.00', currency: 'USD' }] });
  });

  it('gives amounts in a currency without decimals as whole numbers (JPY)', async () => {
    const o = nextOrder();
    expect(await postback({ code: yen.code, order: o, amount: '1200', currency: 'JPY' })).toMatchObject({
      commissions: [{ memberId: yen.id, amount: '120', currency: 'JPY' }],
    });
    expect(await postback({ type: 'refund', order: o, amount: '500' })).toMatchObject({
      status: 'refunded',
      refunded: '500',
      currency: 'JPY',
    });
  });

  it('answers a refund with the order’s refunded total so far, in its currency', async () => {
    const o = nextOrder();
    await postback({ code: usd.code, order: o, amount: '80.00' });
    expect(await postback({ type: 'refund', order: o, amount: '20.00' })).toMatchObject({
      status: 'refunded',
      refunded: '20.00',
      currency: 'USD',
      commissionsChanged: 1,
    });
    expect(await postback({ type: 'refund', order: o, amount: '0.05' })).toMatchObject({ refunded: '20.05' });
    expect(await postback({ type: 'cancel', order: o })).toMatchObject({
      status: 'cancelled',
      refunded: '80.00',
      currency: 'USD',
    });

    // Before its order, a refund waits; its answer is in the workspace's currency.
    const early = nextOrder();
    expect(await postback({ type: 'refund', order: early, amount: '7.50' })).toMatchObject({
      status: 'awaiting_order',
      refunded: '7.50',
      currency: 'USD',
    });
  });

  it('keeps the TUNE answer as the original network gives it', async () => {
    const location = (await t.built.app.inject({ url: `/${usd.slug}`, headers: { 'user-agent': UA } })).headers
      .location as string;
    const clickId = new URL(location).searchParams.get('tp_click')!;
    const res = await t.built.app.inject({
      url: `/aff_lsr?transaction_id=${clickId}&amount=20.00&adv_unique1=${nextOrder()}&security_token=${secret}`,
    });
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe('success=true;');
  });
});
