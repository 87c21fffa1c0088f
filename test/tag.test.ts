import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp, addCreators, type Creator } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const SHOP = 'https://shop.example.com';

describe.each(DIALECTS)('JavaScript tag on %s', (kind) => {
  let t: TestApp;
  let offerId: string;
  let anna: { id: string; slug: string; code: string };
  let ben: { id: string; slug: string; code: string };
  let order = 0;
  const nextOrder = () => `TAG-${kind}-${++order}`;

  const click = async (slug: string) => {
    const res = await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': UA } });
    return new URL(res.headers.location as string).searchParams.get('tp_click')!;
  };
  /** As the tag's sendBeacon sends it: text/plain JSON, the page's Origin. */
  const collect = (
    body: unknown,
    opts: { origin?: string | null; type?: string; query?: string; cookie?: string } = {},
  ) =>
    t.built.app.inject({
      method: 'POST',
      url: `/collect${opts.query ?? ''}`,
      payload: typeof body === 'string' ? body : JSON.stringify(body),
      headers: {
        'content-type': opts.type ?? 'text/plain;charset=UTF-8',
        ...(opts.origin === null ? {} : { origin: opts.origin ?? SHOP }),
        ...(opts.cookie ? { cookie: opts.cookie } : {}),
      },
    });
  const db = () => t.built.ctx.store.db;
  const commissionsOf = (conversionId: string) =>
    db()
      .selectFrom('commissions')
      .select(['member_id', 'amount_minor', 'source'])
      .where('conversion_id', '=', conversionId)
      .orderBy('member_id')
      .execute();
  const count = async (table: 'conversions' | 'conversion_events') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await startTestApp(kind);
    const offer = await t.api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: `${SHOP}/serum?ref={click_id}`,
      attributionRule: 'code_first',
      deepLinks: { allowCreators: true, extraDomains: ['*.example.org', 'checkout.example.net'] },
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode, offer.body).toBe(201);
    offerId = offer.data.id;
    [anna, ben] = (await addCreators(t, offerId, ['Anna', 'Ben'])) as [Creator, Creator];
  });
  afterAll(() => t.close());

  it('serves t.js small, cacheable, versioned, and valid JavaScript', async () => {
    const res = await t.built.app.inject({ url: '/t.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    const etag = res.headers.etag as string;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
    expect(res.body.length).toBeLessThan(2048);
    expect(() => new Function(res.body)).not.toThrow();
    expect(res.body).toContain('sendBeacon');
    expect(res.body).toContain('/collect');

    const versioned = await t.built.app.inject({ url: '/t.js?v=1' });
    expect(versioned.statusCode).toBe(200);
    expect(versioned.body).toBe(res.body);
    expect(versioned.headers.etag).toBe(etag);
    expect(versioned.headers['cache-control']).toBe('public, max-age=3600');

    const revalidated = await t.built.app.inject({
      url: '/t.js?v=1',
      headers: { 'if-none-match': `W/"nope", ${etag}` },
    });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(revalidated.headers.etag).toBe(etag);
    expect((await t.built.app.inject({ url: '/t.js', headers: { 'if-none-match': '"other"' } })).statusCode).toBe(200);
    expect((await t.built.app.inject({ method: 'HEAD', url: '/t.js' })).statusCode).toBe(200);
  });

  it('credits a /collect conversion to the clicking member, once per order, from text/plain or JSON', async () => {
    const clickId = await click(anna.slug);
    const orderId = nextOrder();
    const res = await collect({ offer: offerId, orderId, amount: 49.9, currency: 'USD', click: clickId });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.headers['access-control-allow-origin']).toBe(SHOP);
    expect(res.headers.vary).toContain('Origin');
    const body = res.json();
    expect(body).toEqual({ status: 'created', conversionId: expect.stringMatching(/^cnv_/) });
    expect(await commissionsOf(body.conversionId)).toEqual([
      { member_id: anna.id, amount_minor: 499, source: 'click' },
    ]);
    const conversion = await db()
      .selectFrom('conversions')
      .selectAll()
      .where('id', '=', body.conversionId)
      .executeTakeFirstOrThrow();
    expect(conversion).toMatchObject({
      order_id: orderId,
      status: 'credited',
      click_id: clickId,
      amount_minor: 4990,
      currency: 'USD',
      is_test: 0,
    });

    const again = await collect(
      { offer: offerId, orderId, amount: '49.90', click: clickId },
      { type: 'application/json' },
    );
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toEqual({ status: 'duplicate', conversionId: body.conversionId });
    const events = await db()
      .selectFrom('conversion_events')
      .select(['source', 'outcome'])
      .where('conversion_id', '=', body.conversionId)
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { source: 'tag', outcome: 'created' },
      { source: 'tag', outcome: 'duplicate' },
    ]);
  });

  it('finds the workspace by the click alone, reads Touchpoint’s own cookie as a fallback, and passes test orders through', async () => {
    const byClick = await collect(
      { orderId: nextOrder(), amount: '10.00', click: await click(ben.slug) },
      { origin: 'https://www.example.org' },
    );
    expect(byClick.statusCode, byClick.body).toBe(202);
    expect(await commissionsOf(byClick.json().conversionId)).toEqual([
      expect.objectContaining({ member_id: ben.id, amount_minor: 100 }),
    ]);

    const byCookie = await collect(
      { offer: offerId, orderId: nextOrder(), amount: '20.00' },
      { cookie: `tp_click=${await click(anna.slug)}` },
    );
    expect(byCookie.statusCode, byCookie.body).toBe(202);
    expect(await commissionsOf(byCookie.json().conversionId)).toEqual([
      expect.objectContaining({ member_id: anna.id, amount_minor: 200 }),
    ]);

    // SPEC §4: a code the browser reports without a recorded click credits nobody until the brand's server confirms it,
    // unless the offer allows it.
    const held = await collect(
      { offer: offerId, orderId: nextOrder(), amount: '30.00', code: ben.code.toLowerCase() },
      { origin: 'https://checkout.example.net' },
    );
    expect(held.statusCode, held.body).toBe(202);
    expect(await commissionsOf(held.json().conversionId)).toEqual([]);
    expect(
      (
        await db()
          .selectFrom('conversions')
          .select('status')
          .where('id', '=', held.json().conversionId)
          .executeTakeFirstOrThrow()
      ).status,
    ).toBe('unverified');
    await t.api('PATCH', `/offers/${offerId}`, { browserCodeCredit: true });
    const code = await collect(
      { offer: offerId, orderId: nextOrder(), amount: '30.00', code: ben.code.toLowerCase() },
      { origin: 'https://checkout.example.net' },
    );
    expect(code.statusCode, code.body).toBe(202);
    expect(await commissionsOf(code.json().conversionId)).toEqual([
      expect.objectContaining({ member_id: ben.id, amount_minor: 300, source: 'code' }),
    ]);
    await t.api('PATCH', `/offers/${offerId}`, { browserCodeCredit: false });

    const test = await collect({
      offer: offerId,
      orderId: 'TEST-ORDER',
      amount: '99.00',
      click: await click(anna.slug),
      test: true,
    });
    expect(test.statusCode, test.body).toBe(202);
    const row = await db()
      .selectFrom('conversions')
      .select(['is_test', 'status'])
      .where('id', '=', test.json().conversionId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ is_test: 1, status: 'credited' });
    expect(await commissionsOf(test.json().conversionId)).toEqual([]);
  });

  it('rejects bad input with a 400 and a machine-readable code, and keeps the event', async () => {
    const conversionsBefore = await count('conversions');
    const clickId = await click(anna.slug);
    for (const [body, code] of [
      [{ offer: offerId, orderId: nextOrder(), amount: 'abc' }, 'amount_invalid'],
      [{ offer: offerId, orderId: nextOrder(), amount: '-1' }, 'amount_negative'],
      [{ offer: offerId, orderId: nextOrder(), amount: '1.234', currency: 'USD' }, 'amount_too_precise'],
      [{ offer: offerId, orderId: nextOrder(), amount: '10', currency: 'EURO' }, 'currency_invalid'],
      [{ offer: offerId, amount: '10' }, 'order_missing'],
      [{ offer: 'nope', orderId: nextOrder(), click: clickId }, 'offer_invalid'],
      [{ orderId: nextOrder(), amount: '10' }, 'offer_missing'],
    ] as const) {
      const res = await collect(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toMatchObject({ code, message: expect.any(String) });
    }
    const rejected = await db()
      .selectFrom('conversion_events')
      .select(['reason', 'source'])
      .where('outcome', '=', 'rejected')
      .where('source', '=', 'tag')
      .execute();
    expect(rejected.map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        'amount_invalid',
        'amount_negative',
        'amount_too_precise',
        'currency_invalid',
        'order_missing',
        'offer_invalid',
      ]),
    );

    const notJson = await collect('order=1&amount=2');
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().error.code).toBe('body_invalid');
    expect((await collect('[1,2]')).json().error.code).toBe('body_invalid');
    const unknown = await collect({ offer: 'off_00000000000000000000000000', orderId: nextOrder() });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.code).toBe('offer_not_found');
    const tooBig = await collect({ offer: offerId, orderId: nextOrder(), junk: 'x'.repeat(20_000) });
    expect(tooBig.statusCode).toBe(413);
    expect(await count('conversions')).toBe(conversionsBefore);
  });

  it('grants CORS only to the offer’s own site and its allowed domains, and refuses other origins', async () => {
    const preflight = (origin: string, query = `?offer=${offerId}`) =>
      t.built.app.inject({
        method: 'OPTIONS',
        url: `/collect${query}`,
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
    for (const origin of [
      SHOP,
      'http://shop.example.com',
      'https://www.example.org',
      'https://a.b.example.org',
      'https://checkout.example.net',
    ]) {
      const res = await preflight(origin);
      expect(res.statusCode, origin).toBe(204);
      expect(res.headers['access-control-allow-origin'], origin).toBe(origin);
      expect(res.headers['access-control-allow-methods']).toContain('POST');
      expect(String(res.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type');
      expect(res.headers.vary).toContain('Origin');
    }
    for (const origin of [
      'https://evil.example.com',
      'https://example.org',
      'https://shop.example.com.evil.net',
      'https://shop.example.com:8443',
      'https://www.checkout.example.net',
      'null',
    ]) {
      const res = await preflight(origin);
      expect(res.statusCode, origin).toBe(204);
      expect(res.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
    expect((await preflight(SHOP, '')).headers['access-control-allow-origin']).toBeUndefined();

    const before = await count('conversions');
    const orderId = nextOrder();
    const refused = await collect(
      { offer: offerId, orderId, amount: '10.00', click: await click(anna.slug) },
      { origin: 'https://evil.example.com' },
    );
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('origin_not_allowed');
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    expect(await count('conversions')).toBe(before);
    const kept = await db()
      .selectFrom('conversion_events')
      .select(['outcome', 'reason', 'source', 'workspace_id'])
      .where('order_id', '=', orderId)
      .execute();
    expect(kept).toEqual([
      { outcome: 'rejected', reason: 'origin_not_allowed', source: 'tag', workspace_id: t.workspaceId },
    ]);

    // No Origin header: not a web page (a server or a tool), accepted as the pixel is, with no CORS headers.
    const server = await collect({ offer: offerId, orderId: nextOrder(), amount: '10.00' }, { origin: null });
    expect(server.statusCode, server.body).toBe(202);
    expect(server.headers['access-control-allow-origin']).toBeUndefined();

    // `Origin: null` (an opaque origin: a sandboxed frame or worker, such as Shopify's web pixel sandbox) names no
    // site either: accepted the same way, never granted CORS, and the event says where it came from.
    const sandboxed = await collect(
      { offer: offerId, orderId: nextOrder(), amount: '10.00', click: await click(anna.slug) },
      { origin: 'null' },
    );
    expect(sandboxed.statusCode, sandboxed.body).toBe(202);
    expect(sandboxed.headers['access-control-allow-origin']).toBeUndefined();
    const sandboxedEvent = await db()
      .selectFrom('conversion_events')
      .select(['outcome', 'detail'])
      .where('conversion_id', '=', sandboxed.json().conversionId)
      .executeTakeFirstOrThrow();
    expect(sandboxedEvent.outcome).toBe('created');
    expect(JSON.parse(sandboxedEvent.detail)).toMatchObject({ origin: 'null' });
  });
});
