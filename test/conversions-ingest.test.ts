import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPayload } from '../src/core/signature.js';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp, addCreators, type Creator } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

describe.each(DIALECTS)('conversion ingestion on %s', (kind) => {
  let t: TestApp;
  let secret: string;
  let offerId: string;
  let anna: { id: string; slug: string; code: string };
  let ben: { id: string; slug: string; code: string };
  let order = 0;
  const nextOrder = () => `ORD-${kind}-${++order}`;

  const click = async (slug: string) => {
    const res = await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': UA } });
    return new URL(res.headers.location as string).searchParams.get('tp_click')!;
  };
  const postback = (
    query: Record<string, string>,
    init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; payload?: string } = {},
  ) =>
    t.built.app.inject({
      method: init.method ?? 'GET',
      url: `/postback?${new URLSearchParams(query)}`,
      headers: init.headers,
      payload: init.payload,
    });
  const commissionsOf = (conversionId: string) =>
    t.built.ctx.store.db
      .selectFrom('commissions')
      .selectAll()
      .where('conversion_id', '=', conversionId)
      .orderBy('member_id')
      .execute();
  const count = async (table: 'conversions' | 'commissions') =>
    Number(
      (
        await t.built.ctx.store.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  beforeAll(async () => {
    t = await startTestApp(kind);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = await t.api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: 'https://shop.example.com/serum',
      attributionRule: 'code_first',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    offerId = offer.data.id;
    [anna, ben] = (await addCreators(t, offerId, ['Anna', 'Ben'])) as [Creator, Creator];
  });
  afterAll(() => t.close());

  it('credits a postback with the click id to the clicking member, once per order', async () => {
    const clickId = await click(anna.slug);
    const orderId = nextOrder();
    const res = await postback({
      secret,
      offer: offerId,
      click: clickId,
      order: orderId,
      amount: '120.00',
      currency: 'USD',
    });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      status: 'created',
      credited: true,
      commissions: [{ memberId: anna.id, offerId, amount: '12.00', currency: 'USD' }],
    });
    expect(body.reasons).toContain('click_counted');
    const again = await postback({
      secret,
      offer: offerId,
      click: clickId,
      order: orderId,
      amount: '120.00',
      currency: 'USD',
    });
    expect(again.json()).toMatchObject({ status: 'duplicate', conversionId: body.conversionId });
    expect(await commissionsOf(body.conversionId)).toEqual([
      expect.objectContaining({ member_id: anna.id, amount_minor: 1200, status: 'pending', source: 'click' }),
    ]);
    const events = await t.built.ctx.store.db
      .selectFrom('conversion_events')
      .select(['outcome', 'reason'])
      .where('conversion_id', '=', body.conversionId)
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { outcome: 'created', reason: null },
      { outcome: 'duplicate', reason: 'duplicate' },
    ]);
    const metrics = (await t.built.app.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/touchpoint_conversion_events_total\{source="postback",outcome="created"\} [1-9]/);
    expect(metrics).toMatch(/touchpoint_conversion_events_total\{source="postback",outcome="duplicate"\} [1-9]/);
  });

  it('follows the offer rule when a click and a code of different members meet', async () => {
    const clickId = await click(anna.slug);
    const codeFirst = (
      await postback({ secret, click: clickId, code: ben.code.toLowerCase(), order: nextOrder(), amount: '50.00' })
    ).json();
    expect(codeFirst.commissions).toEqual([expect.objectContaining({ memberId: ben.id, amount: '5.00' })]);
    expect(codeFirst.reasons).toContain('rule_code_first');
    await t.api('PATCH', `/offers/${offerId}`, { attributionRule: 'split', splitCodeShare: '40' });
    const split = (
      await postback({ secret, click: await click(anna.slug), code: ben.code, order: nextOrder(), amount: '50.00' })
    ).json();
    const byMember = Object.fromEntries(
      split.commissions.map((c: { memberId: string; amount: string }) => [c.memberId, c.amount]),
    );
    expect(byMember).toEqual({ [anna.id]: '3.00', [ben.id]: '2.00' });
    await t.api('PATCH', `/offers/${offerId}`, { attributionRule: 'code_first' });
  });

  it('fills in a later event for the same order while the commission is pending', async () => {
    const orderId = nextOrder();
    const first = (await postback({ secret, click: await click(anna.slug), order: orderId })).json();
    expect(first.commissions).toEqual([expect.objectContaining({ memberId: anna.id, amount: '0.00' })]);
    const filled = (await postback({ secret, order: orderId, amount: '80.00', currency: 'USD' })).json();
    expect(filled).toMatchObject({ status: 'filled_in', conversionId: first.conversionId });
    expect(await commissionsOf(first.conversionId)).toEqual([
      expect.objectContaining({ member_id: anna.id, amount_minor: 800, status: 'pending' }),
    ]);
    const adjustments = await t.built.ctx.store.db
      .selectFrom('commission_adjustments')
      .select(['kind', 'amount_before', 'amount_after'])
      .where('commission_id', '=', (await commissionsOf(first.conversionId))[0]!.id)
      .orderBy('id')
      .execute();
    expect(adjustments).toEqual([
      { kind: 'accrual', amount_before: 0, amount_after: 0 },
      { kind: 'redecision', amount_before: 0, amount_after: 800 },
    ]);
  });

  it('rejects bad input with a clear code, keeps the event, and creates nothing', async () => {
    const before = await count('conversions');
    for (const [query, code] of [
      [{ secret, order: nextOrder(), amount: 'NaN' }, 'amount_invalid'],
      [{ secret, order: nextOrder(), amount: '-5' }, 'amount_negative'],
      [{ secret, order: nextOrder(), amount: '1.234', currency: 'USD' }, 'amount_too_precise'],
      [{ secret, order: nextOrder(), amount: '10', currency: 'XXY' }, 'currency_invalid'],
      [{ secret, amount: '10' }, 'order_missing'],
    ] as const) {
      const res = await postback(query);
      expect(res.statusCode, JSON.stringify(query)).toBe(400);
      expect(res.json().error.code).toBe(code);
    }
    // A repeated parameter is not a server error.
    const repeated = await t.built.app.inject({ url: `/postback?secret=${secret}&secret=x&order=${nextOrder()}` });
    expect(repeated.statusCode).toBe(401);
    expect(await count('conversions')).toBe(before);
    const rejected = await t.built.ctx.store.db
      .selectFrom('conversion_events')
      .select('reason')
      .where('outcome', '=', 'rejected')
      .execute();
    expect(rejected.map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        'amount_invalid',
        'amount_negative',
        'amount_too_precise',
        'currency_invalid',
        'order_missing',
      ]),
    );
  });

  it('authenticates by secret or by a timestamped signature, and keeps refused events in the claimed workspace', async () => {
    const clickId = await click(anna.slug);
    const bad = await postback({ secret: 'nope', click: clickId, order: nextOrder(), amount: '10.00' });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().error.code).toBe('bad_signature');
    const none = await postback({ click: clickId, order: nextOrder() });
    expect(none.statusCode).toBe(401);

    const now = Math.floor(Date.now() / 1000);
    const query = new URLSearchParams({
      workspace: t.workspaceId,
      click: clickId,
      order: nextOrder(),
      amount: '30.00',
    }).toString();
    const signed = await t.built.app.inject({
      url: `/postback?${query}`,
      headers: { 'x-touchpoint-signature': signPayload(secret, query, now) },
    });
    expect(signed.statusCode, signed.body).toBe(200);
    expect(signed.json().commissions[0].amount).toBe('3.00');
    const stale = await t.built.app.inject({
      url: `/postback?${query}`,
      headers: { 'x-touchpoint-signature': signPayload(secret, query, now - 301) },
    });
    expect(stale.json().error.code).toBe('signature_expired');
    const tampered = query.replace('30.00', '3000.00');
    const forged = await t.built.app.inject({
      url: `/postback?${tampered}`,
      headers: { 'x-touchpoint-signature': signPayload(secret, query, now) },
    });
    expect(forged.json().error.code).toBe('signature_mismatch');

    const body = JSON.stringify({ workspace: t.workspaceId, code: ben.code, order: nextOrder(), amount: 25 });
    const posted = await t.built.app.inject({
      method: 'POST',
      url: '/postback',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-touchpoint-signature': signPayload(secret, body, now) },
    });
    expect(posted.statusCode, posted.body).toBe(200);
    expect(posted.json().commissions).toEqual([expect.objectContaining({ memberId: ben.id, amount: '2.50' })]);

    const kept = await t.built.ctx.store.db
      .selectFrom('conversion_events')
      .select('reason')
      .where('workspace_id', '=', t.workspaceId)
      .where('outcome', '=', 'rejected')
      .execute();
    expect(kept.map((k) => k.reason)).toEqual(
      expect.arrayContaining(['bad_signature', 'unauthorized', 'signature_expired', 'signature_mismatch']),
    );
  });

  it('answers the pixel with a GIF, reading the click from the cookie, and never shows an error', async () => {
    const clickId = await click(ben.slug);
    const orderId = nextOrder();
    const res = await t.built.app.inject({
      url: `/px?offer=${offerId}&order=${orderId}&amount=40.00&currency=USD`,
      headers: { cookie: `tp_click=${clickId}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/gif');
    expect(res.rawPayload.subarray(0, 6).toString()).toBe('GIF89a');
    expect(res.headers['cache-control']).toContain('no-store');
    const conversion = await t.built.ctx.store.db
      .selectFrom('conversions')
      .selectAll()
      .where('order_id', '=', orderId)
      .executeTakeFirstOrThrow();
    expect(conversion).toMatchObject({ status: 'credited', click_id: clickId, amount_minor: 4000 });
    expect(await commissionsOf(conversion.id)).toEqual([
      expect.objectContaining({ member_id: ben.id, amount_minor: 400 }),
    ]);
    const broken = await t.built.app.inject({ url: `/px?offer=${offerId}&order=&amount=abc` });
    expect(broken.statusCode).toBe(200);
    expect(broken.headers['content-type']).toBe('image/gif');
  });

  it('runs a test order through the whole decision and pays nothing', async () => {
    const res = (
      await postback({ secret, click: await click(anna.slug), order: 'TEST-1', amount: '99.00', test: '1' })
    ).json();
    expect(res).toMatchObject({
      status: 'created',
      credited: true,
      test: true,
      commissions: [expect.objectContaining({ memberId: anna.id, amount: '9.90' })],
    });
    expect(await commissionsOf(res.conversionId)).toEqual([]);
    const real = (await postback({ secret, click: await click(anna.slug), order: 'TEST-1', amount: '99.00' })).json();
    expect(real.status).toBe('created');
    expect(real.conversionId).not.toBe(res.conversionId);
  });

  it('records an order with neither a click nor a code as unattributed', async () => {
    const res = (await postback({ secret, order: nextOrder(), amount: '10.00', code: 'NOSUCHCODE' })).json();
    expect(res).toMatchObject({ status: 'created', credited: false, commissions: [] });
    expect(res.reasons).toContain('code_not_found');
  });
});

describe.each(DIALECTS)('conversions API on %s', (kind) => {
  let t: TestApp;
  let now = Date.now();
  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
  });
  afterAll(() => t.close());

  it('shows a conversion with its decision, commissions and events; lists refused events; and changes commissions with a trace', async () => {
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (
      await t.api('POST', '/offers', {
        name: 'O',
        destinationUrl: 'https://shop.example.com/',
        holdDays: 30,
        payoutOptions: [{ title: 'Fixed', type: 'fixed', value: '5.00' }],
      })
    ).data;
    const member = (await t.api('POST', '/members', { name: 'Cleo' })).data;
    const code = (
      await t.api('POST', `/offers/${offer.id}/members`, {
        members: [{ memberId: member.id }],
        generateCodes: true,
        codePattern: 'CLEO{RAND3}',
      })
    ).data.members[0].codes[0].code;
    const post = (q: Record<string, string>) =>
      t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, ...q })}` });
    const created = (await post({ order: 'A-1', code, amount: '20.00' })).json();
    await post({ order: 'A-1', code, amount: '20.00' });
    await post({ order: 'A-2', amount: 'oops' });

    expect(
      (await t.api('GET', '/conversions?reason=only_code')).data.data.map((c: { orderId: string }) => c.orderId),
    ).toEqual(['A-1']);
    expect((await t.api('GET', '/conversions?reason=click_counted')).data.data).toEqual([]);
    const list = await t.api('GET', `/conversions?memberId=${member.id}`);
    expect(list.data.data.map((c: { orderId: string }) => c.orderId)).toEqual(['A-1']);
    const detail = (await t.api('GET', `/conversions/${created.conversionId}`)).data;
    expect(detail).toMatchObject({ orderId: 'A-1', status: 'credited', amount: '20.00', currency: 'USD', code });
    expect(detail.reasons).toEqual(expect.arrayContaining(['code_counted', 'only_code']));
    expect(detail.commissions).toEqual([
      expect.objectContaining({ memberId: member.id, amount: '5.00', status: 'pending' }),
    ]);
    expect(detail.events.map((e: { outcome: string }) => e.outcome)).toEqual(['created', 'duplicate']);
    const refused = (await t.api('GET', '/conversion-events?outcome=rejected')).data.data;
    expect(refused).toEqual([
      expect.objectContaining({ orderId: 'A-2', reason: 'amount_invalid', outcome: 'rejected' }),
    ]);

    const commissionId = detail.commissions[0].id;
    const noReason = await t.api('POST', `/commissions/${commissionId}/adjust`, { reason: '', amount: '7.50' });
    expect(noReason.statusCode).toBe(400);
    const adjusted = await t.api('POST', `/commissions/${commissionId}/adjust`, {
      reason: 'Bonus for the launch video',
      amount: '7.50',
    });
    expect(adjusted.data).toMatchObject({ amount: '7.50', status: 'pending' });
    expect((await t.api('GET', '/commissions?status=pending')).data.data.map((c: { id: string }) => c.id)).toEqual([
      commissionId,
    ]);

    // The hold passes: the approval job approves it, once.
    now += 31 * 86_400_000;
    const { approveDue } = await import('../src/app/conversions.js');
    expect(await approveDue(t.built.ctx)).toBe(1);
    expect(await approveDue(t.built.ctx)).toBe(0);
    const reversed = await t.api('POST', `/commissions/${commissionId}/reverse`, { reason: 'Order returned' });
    expect(reversed.data.status).toBe('reversed');
    const again = await t.api('POST', `/commissions/${commissionId}/approve`, { reason: 'oops' });
    expect(again.statusCode).toBe(409);
    const trail = (await t.api('GET', `/conversions/${created.conversionId}`)).data.adjustments;
    expect(
      trail.map((a: { kind: string; statusAfter: string; amountAfter: number }) => [
        a.kind,
        a.statusAfter,
        a.amountAfter,
      ]),
    ).toEqual([
      ['accrual', 'pending', 500],
      ['adjustment', 'pending', 750],
      ['approval', 'approved', 750],
      ['reversal', 'reversed', 0],
    ]);
    expect(trail[1]).toMatchObject({
      reason: 'Bonus for the launch video',
      actor: expect.stringMatching(/^api_key:key_/),
    });

    // Another workspace sees none of it.
    const other = await t.newWorkspace('Other');
    expect((await t.api('GET', `/conversions/${created.conversionId}`, undefined, other.apiKey)).statusCode).toBe(404);
    expect(
      (await t.api('POST', `/commissions/${commissionId}/approve`, { reason: 'x' }, other.apiKey)).statusCode,
    ).toBe(404);
  });

  it("names each credit's member and offer in the list (a generic code has no member)", async () => {
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (
      await t.api('POST', '/offers', {
        name: 'Glow serum',
        destinationUrl: 'https://shop.example.com/',
        attributionRule: 'split',
        splitCodeShare: '40',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data;
    const [ana, bo] = (await addCreators(t, offer.id, ['Ana Lima', 'Bo Chen'], 'N{RAND4}')) as [Creator, Creator];
    await t.api('POST', '/codes', { offerId: offer.id, code: 'GLOWALL' });
    const res = await t.built.app.inject({ url: `/${ana.slug}`, headers: { 'user-agent': UA } });
    const clickId = new URL(res.headers.location as string).searchParams.get('tp_click')!;
    const post = (q: Record<string, string>) =>
      t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, amount: '50.00', ...q })}` });
    expect((await post({ order: 'N-1', click: clickId, code: bo.code })).statusCode).toBe(200);
    expect((await post({ order: 'N-2', code: 'GLOWALL' })).statusCode).toBe(200);

    const list = (await t.api('GET', '/conversions?limit=100')).data.data as {
      orderId: string;
      credits: Record<string, unknown>[];
    }[];
    const byOrder = Object.fromEntries(list.map((c) => [c.orderId, c.credits]));
    expect(byOrder['N-1']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          memberId: ana.id,
          memberName: 'Ana Lima',
          offerId: offer.id,
          offerName: 'Glow serum',
          source: 'click',
        }),
        expect.objectContaining({
          memberId: bo.id,
          memberName: 'Bo Chen',
          offerId: offer.id,
          offerName: 'Glow serum',
          source: 'code',
        }),
      ]),
    );
    expect(byOrder['N-1']).toHaveLength(2);
    expect(byOrder['N-2']).toEqual([
      expect.objectContaining({ memberId: null, memberName: null, offerId: offer.id, offerName: 'Glow serum' }),
    ]);
    // Each credited member's commission comes with the list: its amount now and its status (issue #16).
    const commissions = Object.fromEntries(
      (list as unknown as { orderId: string; commissions: Record<string, unknown>[] }[]).map((c) => [
        c.orderId,
        c.commissions,
      ]),
    );
    expect(commissions['N-1']).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ memberId: ana.id, amount: '3.00', amountMinor: 300, status: 'pending' }),
        expect.objectContaining({ memberId: bo.id, amount: '2.00', amountMinor: 200, status: 'pending' }),
      ]),
    );
    expect(commissions['N-1']).toHaveLength(2);
    expect(commissions['N-2']).toEqual([]);
    // A renamed member shows the new name: names are read with the list, not stored on the order.
    await t.api('PATCH', `/members/${bo.id}`, { name: 'Bo Chen-Park' });
    const again = (await t.api('GET', `/conversions?memberId=${bo.id}`)).data.data;
    expect(again[0].credits.find((x: { memberId: string }) => x.memberId === bo.id).memberName).toBe('Bo Chen-Park');
    // Another workspace's list never names this workspace's people.
    const other = await t.newWorkspace('Elsewhere');
    expect((await t.api('GET', '/conversions', undefined, other.apiKey)).data.data).toEqual([]);
  });

  it('converts an order in another currency at the workspace rate, and keeps it for review without one', async () => {
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (
      await t.api('POST', '/offers', {
        name: 'FX',
        destinationUrl: 'https://shop.example.com/',
        currency: 'USD',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data;
    const member = (await t.api('POST', '/members', { name: 'Eli' })).data;
    const code = (
      await t.api('POST', `/offers/${offer.id}/members`, {
        members: [{ memberId: member.id }],
        generateCodes: true,
        codePattern: 'ELI{RAND3}',
      })
    ).data.members[0].codes[0].code;
    const post = (order: string) =>
      t.built.app
        .inject({ url: `/postback?${new URLSearchParams({ secret, code, order, amount: '100.00', currency: 'EUR' })}` })
        .then((r) => r.json());
    const unconverted = await post('FX-1');
    expect(unconverted).toMatchObject({ credited: true, commissions: [] });
    expect(unconverted.reasons).toContain('no_fx_rate');
    expect((await t.api('PUT', '/fx-rates', { from: 'EUR', to: 'USD', rate: '-1' })).statusCode).toBe(400);
    expect((await t.api('PUT', '/fx-rates', { from: 'EUR', to: 'USD', rate: '1.0850' })).data).toMatchObject({
      from: 'EUR',
      to: 'USD',
      rate: '1.0850',
    });
    const converted = await post('FX-2');
    // 100.00 EUR = 108.50 USD; 10 % of it.
    expect(converted.commissions).toEqual([
      expect.objectContaining({ memberId: member.id, amount: '10.85', currency: 'USD' }),
    ]);
    expect((await t.api('GET', '/fx-rates')).data.data).toEqual([
      expect.objectContaining({ from: 'EUR', to: 'USD', rate: '1.0850' }),
    ]);
  });
});
