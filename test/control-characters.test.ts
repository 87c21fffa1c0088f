// Text no database stores as sent — NUL (PostgreSQL's text cannot hold it) and an unpaired surrogate (written as
// U+FFFD) — is refused by one rule: 400 validation_failed, detail control_character, nothing changed. A refused
// conversion is still kept as a rejected event, with such characters shown as U+FFFD.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplePercentOffer, startTestApp, withData, type TestApp } from './helpers/app.js';
import { DIALECTS } from './helpers/stores.js';

const REFUSED = { code: 'validation_failed', detail: 'control_character' };
const REFUSED_PAIR = { code: REFUSED.code, detail: REFUSED.detail };
const refusal = (res: { statusCode: number; data: any }) => ({
  status: res.statusCode,
  code: res.data?.error?.code,
  detail: res.data?.error?.details?.[0]?.code,
});
const refused = (path: string) => ({ status: 400, code: REFUSED.code, detail: REFUSED.detail, path });

describe.each(DIALECTS)('NUL and unpaired surrogates in text on %s', (kind) => {
  let t: TestApp;
  let offerId: string;
  let secret: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    offerId = (await t.api('POST', '/offers', samplePercentOffer)).data.id;
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
  });
  afterAll(() => t.close());

  const send = async (method: string, url: string, payload?: string, contentType = 'application/json') =>
    withData(
      await t.built.app.inject({
        method: method as never,
        url,
        headers: payload === undefined ? {} : { 'content-type': contentType },
        payload,
      }),
    );
  const withPath = (res: { statusCode: number; data: any }) => ({
    ...refusal(res),
    path: res.data?.error?.details?.[0]?.path,
  });
  const rejectedEvents = () =>
    t.built.ctx.store.db
      .selectFrom('conversion_events')
      .select(['reason', 'order_id', 'detail'])
      .where('outcome', '=', 'rejected')
      .orderBy('id')
      .execute();

  it('refuses them in any field of an admin API body, and creates nothing', async () => {
    for (const name of ['a\u0000b', 'x\uD800y', '\uDFFF']) {
      const res = await t.api('POST', '/members', { name, email: 'nul@creators.test' });
      expect(withPath(res)).toEqual(refused('name'));
    }
    expect(withPath(await t.api('POST', '/api-keys', { name: 'a\u0000b' }))).toEqual(refused('name'));
    expect((await t.api('GET', '/members')).data.data).toEqual([]);
    const before = (await t.api('GET', '/workspace')).data.name;
    expect(withPath(await t.api('PATCH', '/workspace', { name: 'a\u0000b' }))).toEqual(refused('name'));
    expect((await t.api('GET', '/workspace')).data.name).toBe(before);
    // A well-formed pair (an emoji) is text.
    expect((await t.api('POST', '/members', { name: 'Ava 😀', email: 'ava@creators.test' })).statusCode).toBe(201);
  });

  it('refuses them in a query string', async () => {
    expect(withPath(await t.api('GET', '/members?q=a%00b'))).toEqual(refused('querystring.q'));
  });

  it('refuses them on sign-in and on the portal, before anything is looked up', async () => {
    expect(
      refusal(await send('POST', '/api/v1/auth/login', JSON.stringify({ email: 'a\u0000b@acme.test', password: 'x' }))),
    ).toEqual({ status: 400, ...REFUSED_PAIR });
    expect(
      refusal(await send('POST', '/api/portal/login-link', JSON.stringify({ email: 'a\u0000b@acme.test' }))),
    ).toEqual({ status: 400, ...REFUSED_PAIR });
  });

  it('refuses a postback with one in order or code, and keeps the event without it', async () => {
    const a = await send('GET', `/postback?secret=${secret}&order=a%00b&amount=10.00`);
    expect(withPath(a)).toEqual(refused('order'));
    const b = await send('GET', `/postback?secret=${secret}&order=NUL-1&code=%00`);
    expect(withPath(b)).toEqual(refused('code'));
    const c = await send('POST', '/postback', JSON.stringify({ secret, order: 'x\uD800y' }));
    expect(withPath(c)).toEqual(refused('order'));
    const events = await rejectedEvents();
    expect(events.map((e) => [e.reason, e.order_id])).toEqual([
      ['control_character', 'a\uFFFDb'],
      ['control_character', 'NUL-1'],
      ['control_character', 'x\uFFFDy'],
    ]);
    expect(JSON.parse(events[1]!.detail).input.code).toBe('\uFFFD');
    expect((await t.api('GET', '/conversions')).data.data).toEqual([]);
  });

  it('refuses a refund naming such an order, and keeps the event without it', async () => {
    const res = await send('GET', `/postback?secret=${secret}&type=refund&order=r%00`);
    expect(withPath(res)).toEqual(refused('order'));
    expect((await rejectedEvents()).at(-1)).toMatchObject({ reason: 'control_character', order_id: 'r\uFFFD' });
  });

  it('refuses a secret or workspace carrying one, without looking it up', async () => {
    const kept = (await rejectedEvents()).length;
    expect(withPath(await send('GET', '/postback?secret=a%00b&order=S-1'))).toEqual(refused('secret'));
    expect(withPath(await send('POST', '/postback?workspace=ws%00', JSON.stringify({ order: 'S-2' })))).toEqual(
      refused('workspace'),
    );
    expect((await rejectedEvents()).length).toBe(kept);
  });

  it('refuses a tag conversion with one in the order, and keeps the event without it', async () => {
    const res = await send(
      'POST',
      '/collect',
      JSON.stringify({ offer: offerId, orderId: 'T\u00001', amount: '10.00' }),
      'text/plain',
    );
    expect(withPath(res)).toEqual(refused('order'));
    expect((await rejectedEvents()).at(-1)).toMatchObject({ reason: 'control_character', order_id: 'T\uFFFD1' });
  });
});
