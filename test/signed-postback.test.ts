// SPEC §2 and §6: a signed postback's signature covers everything the handler acts on. A signed POST with a body
// acts on its body alone and refuses any query parameter; a signed GET (or a POST without a body) signs its whole
// query string. Replaying the very same signed request inside its window changes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../src/core/signature.js';
import { DIALECTS } from './helpers/stores.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

describe.each(DIALECTS)('signed postbacks on %s', (kind) => {
  let t: TestApp;
  let secret: string;
  let anna: Creator;
  let ben: Creator;
  let order = 0;
  const nextOrder = () => `SIG-${kind}-${++order}`;
  const now = () => Math.floor(Date.now() / 1000);

  const click = async (slug: string) =>
    new URL(
      (await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': UA } })).headers.location as string,
    ).searchParams.get('tp_click')!;
  const post = (url: string, body: string, signature: string, contentType = 'application/json') =>
    t.built.app.inject({
      method: 'POST',
      url,
      payload: body,
      headers: { 'content-type': contentType, 'x-touchpoint-signature': signature },
    });
  const conversionOf = (orderId: string) =>
    t.built.ctx.store.db
      .selectFrom('conversions')
      .select(['id', 'refunded_minor', 'amount_minor'])
      .where('order_id', '=', orderId)
      .executeTakeFirst();
  const commissionsOf = (conversionId: string) =>
    t.built.ctx.store.db
      .selectFrom('commissions')
      .select(['member_id', 'amount_minor', 'status'])
      .where('conversion_id', '=', conversionId)
      .execute();
  const rejectedReasons = async () =>
    (
      await t.built.ctx.store.db
        .selectFrom('conversion_events')
        .select('reason')
        .where('source', '=', 'postback')
        .where('outcome', '=', 'rejected')
        .orderBy('received_at')
        .execute()
    ).map((r) => r.reason);

  beforeAll(async () => {
    t = await startTestApp(kind);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offerId = (
      await t.api('POST', '/offers', {
        name: 'Serum',
        destinationUrl: 'https://shop.example.com/serum',
        attributionRule: 'code_first',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data.id;
    [anna, ben] = (await addCreators(t, offerId, ['Anna', 'Ben'])) as [Creator, Creator];
  });
  afterAll(() => t.close());

  it('refuses query parameters beside a signed body, whatever they say, and keeps the attempt', async () => {
    const orderId = nextOrder();
    const body = JSON.stringify({
      workspace: t.workspaceId,
      click: await click(anna.slug),
      order: orderId,
      amount: '100.00',
    });
    const signature = signPayload(secret, body, now());
    const before = (await rejectedReasons()).length;

    // The credit cannot be moved to another creator's code...
    const moved = await post(`/postback?code=${ben.code}`, body, signature);
    expect(moved.statusCode, moved.body).toBe(400);
    expect(moved.json().error).toMatchObject({
      code: 'unsigned_parameters',
      details: [expect.objectContaining({ path: 'code' })],
    });
    expect(await conversionOf(orderId)).toBeUndefined();

    const created = await post('/postback', body, signature);
    expect(created.json()).toMatchObject({
      status: 'created',
      commissions: [expect.objectContaining({ memberId: anna.id, amount: '10.00' })],
    });

    // ...nor the order refunded or cancelled by a replay with a type.
    for (const extra of ['type=refund', 'type=cancel', 'workspace=' + t.workspaceId, 'secret=' + secret]) {
      const res = await post(`/postback?${extra}`, body, signature);
      expect(res.statusCode, `${extra}: ${res.body}`).toBe(400);
      expect(res.json().error.code).toBe('unsigned_parameters');
    }
    expect(await commissionsOf(created.json().conversionId)).toEqual([
      { member_id: anna.id, amount_minor: 1000, status: 'pending' },
    ]);
    expect((await conversionOf(orderId))!.refunded_minor).toBe(0);
    expect((await rejectedReasons()).slice(before)).toEqual(Array(5).fill('unsigned_parameters'));
  });

  it('signs the whole query string of a GET, and of a POST without a body', async () => {
    const query = new URLSearchParams({
      workspace: t.workspaceId,
      click: await click(anna.slug),
      order: nextOrder(),
      amount: '30.00',
    }).toString();
    const signature = signPayload(secret, query, now());
    for (const extra of ['&type=refund', `&code=${ben.code}`, '&test=1']) {
      const res = await t.built.app.inject({
        url: `/postback?${query}${extra}`,
        headers: { 'x-touchpoint-signature': signature },
      });
      expect(res.json().error.code, extra).toBe('signature_mismatch');
    }
    const bodyless = await t.built.app.inject({
      method: 'POST',
      url: `/postback?${query}`,
      headers: { 'x-touchpoint-signature': signature },
    });
    expect(bodyless.statusCode, bodyless.body).toBe(200);
    expect(bodyless.json()).toMatchObject({ status: 'created' });

    // An empty body signs nothing: its signature does not cover the query beside it.
    const emptySigned = await t.built.app.inject({
      method: 'POST',
      url: `/postback?${new URLSearchParams({ workspace: t.workspaceId, code: ben.code, order: nextOrder(), amount: '30.00' })}`,
      headers: { 'x-touchpoint-signature': signPayload(secret, '', now()) },
    });
    expect(emptySigned.json().error.code).toBe('signature_mismatch');
  });

  it('accepts a signed form body on its own', async () => {
    const body = new URLSearchParams({
      workspace: t.workspaceId,
      code: ben.code,
      order: nextOrder(),
      amount: '20.00',
    }).toString();
    const res = await post('/postback', body, signPayload(secret, body, now()), 'application/x-www-form-urlencoded');
    expect(res.json()).toMatchObject({
      status: 'created',
      commissions: [expect.objectContaining({ memberId: ben.id, amount: '2.00' })],
    });
  });

  it('keeps order numbers above 2^53 in a JSON body exactly as sent', async () => {
    const ids = ['9007199254740993508', '9007199254740993509'];
    for (const id of ids) {
      const body = `{"workspace":"${t.workspaceId}","code":"${anna.code}","order":${id},"amount":"10.00"}`;
      const res = await post('/postback', body, signPayload(secret, body, now()));
      expect(res.json(), id).toMatchObject({ status: 'created' });
      expect(await conversionOf(id), id).toMatchObject({ id: res.json().conversionId });
    }
  });

  it('makes a replay of the very same signed request inside its window harmless', async () => {
    const orderId = nextOrder();
    const sale = JSON.stringify({ workspace: t.workspaceId, code: anna.code, order: orderId, amount: '200.00' });
    const saleSignature = signPayload(secret, sale, now());
    const first = await post('/postback', sale, saleSignature);
    expect(first.json()).toMatchObject({ status: 'created' });
    expect((await post('/postback', sale, saleSignature)).json()).toMatchObject({
      status: 'duplicate',
      conversionId: first.json().conversionId,
    });

    const refund = JSON.stringify({ workspace: t.workspaceId, type: 'refund', order: orderId, amount: '50.00' });
    const signedAt = now();
    const refundSignature = signPayload(secret, refund, signedAt);
    expect((await post('/postback', refund, refundSignature)).json()).toMatchObject({
      status: 'refunded',
      refunded: '50.00',
      currency: 'USD',
    });
    expect((await post('/postback', refund, refundSignature)).json()).toMatchObject({ status: 'duplicate' });
    const query = new URLSearchParams({
      workspace: t.workspaceId,
      type: 'refund',
      order: orderId,
      amount: '50.00',
    }).toString();
    const querySignature = signPayload(secret, query, now());
    expect(
      (
        await t.built.app.inject({ url: `/postback?${query}`, headers: { 'x-touchpoint-signature': querySignature } })
      ).json(),
    ).toMatchObject({ status: 'refunded', refunded: '100.00' });
    expect(
      (
        await t.built.app.inject({ url: `/postback?${query}`, headers: { 'x-touchpoint-signature': querySignature } })
      ).json(),
    ).toMatchObject({ status: 'duplicate' });

    // A second refund of the same amount is a new request: signed at another time, it counts.
    const later = signPayload(secret, refund, signedAt - 1);
    expect((await post('/postback', refund, later)).json()).toMatchObject({ status: 'refunded', refunded: '150.00' });
    expect((await conversionOf(orderId))!.refunded_minor).toBe(15000);
    expect(await commissionsOf(first.json().conversionId)).toEqual([
      { member_id: anna.id, amount_minor: 500, status: 'pending' },
    ]);
  });
});
