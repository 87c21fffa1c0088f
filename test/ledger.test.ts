// SPEC §4 "the ledger rules", observation by observation (docs/adr/0011-commission-ledger.md), on both databases:
// money that a later event must not change, browser evidence that must not outrank the brand's server, answers that
// tell the truth about money, receipts, review of held orders, and `ledger verify`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyLedger } from '../src/app/ledger.js';
import { signPayload } from '../src/core/signature.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';
import { DIALECTS } from './helpers/stores.js';

const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

describe.each(DIALECTS)('the commission ledger on %s', (kind) => {
  let t: TestApp;
  let secret: string;
  let offerId: string;
  let anna: Creator;
  let ben: Creator;
  let order = 0;
  const nextOrder = () => `L-${kind}-${++order}`;
  const get = (url: string, headers: Record<string, string> = {}) =>
    t.built.app.inject({ url, headers: { 'user-agent': UA, ...headers } });
  const postback = (q: Record<string, string>) => get(`/postback?${new URLSearchParams({ secret, ...q })}`);
  const pixel = (q: Record<string, string>) => get(`/px?${new URLSearchParams(q)}`);
  const click = async (slug: string) =>
    new URL((await get(`/${slug}`)).headers.location as string).searchParams.get('tp_click')!;
  const commissions = async (orderId: string) => {
    const c = await t.built.ctx.store.db
      .selectFrom('conversions')
      .select('id')
      .where('order_id', '=', orderId)
      .executeTakeFirstOrThrow();
    return (
      await t.built.ctx.store.db
        .selectFrom('commissions')
        .selectAll()
        .where('conversion_id', '=', c.id)
        .orderBy('member_id')
        .execute()
    ).map((x) => ({ member: x.member_id, status: x.status, amount: Number(x.amount_minor) }));
  };
  const conversion = (orderId: string) =>
    t.built.ctx.store.db
      .selectFrom('conversions')
      .selectAll()
      .where('order_id', '=', orderId)
      .executeTakeFirstOrThrow();

  beforeAll(async () => {
    t = await startTestApp(kind);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = await t.api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: 'https://shop.example.com/serum',
      attributionRule: 'split',
      splitCodeShare: '50',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    offerId = offer.data.id;
    [anna, ben] = (await addCreators(t, offerId, ['Anna', 'Ben'])) as [Creator, Creator];
  });
  afterAll(async () => {
    // Whatever the tests above did, every balance is the sum of its entries.
    const report = await verifyLedger(t.built.ctx.store.db);
    expect(report.drift).toEqual([]);
    expect(report.monthCountDrift).toEqual([]);
    await t.close();
  });

  it('a later event never undoes a partial refund (observation 1)', async () => {
    const o = nextOrder();
    await postback({ code: anna.code, order: o, amount: '100.00' });
    expect(await commissions(o)).toEqual([{ member: anna.id, status: 'pending', amount: 1_000 }]);
    await postback({ type: 'refund', order: o, amount: '40.00' });
    expect(await commissions(o)).toEqual([{ member: anna.id, status: 'pending', amount: 600 }]);
    const late = await pixel({ offer: offerId, order: o, amount: '100.00', click: await click(anna.slug) });
    expect(late.statusCode).toBe(200);
    expect(await commissions(o)).toEqual([{ member: anna.id, status: 'pending', amount: 600 }]);
    // A later server event that changes the decision re-applies the refund on top.
    await postback({ order: o, click: await click(ben.slug) });
    expect(await commissions(o)).toEqual(
      [
        { member: anna.id, status: 'pending', amount: 300 },
        { member: ben.id, status: 'pending', amount: 300 },
      ].sort((a, b) => (a.member < b.member ? -1 : 1)),
    );
  });

  it("never revives a commission a person reversed, nor resets a person's adjustment (observation 1)", async () => {
    const o = nextOrder();
    const created = (await postback({ code: anna.code, order: o, amount: '100.00' })).json();
    const [c] = (await t.api('GET', `/conversions/${created.conversionId}`)).data.commissions;
    expect((await t.api('POST', `/commissions/${c.id}/reverse`, { reason: 'Fraud' })).statusCode).toBe(200);
    await pixel({ offer: offerId, order: o, amount: '250.00', click: await click(anna.slug) });
    await postback({ order: o, click: await click(ben.slug), amount: '100.00' });
    expect(await commissions(o)).toEqual([{ member: anna.id, status: 'reversed', amount: 0 }]);

    const o2 = nextOrder();
    const second = (await postback({ code: anna.code, order: o2, amount: '100.00' })).json();
    const [c2] = (await t.api('GET', `/conversions/${second.conversionId}`)).data.commissions;
    await t.api('POST', `/commissions/${c2.id}/adjust`, { reason: 'Launch bonus', amount: '15.00' });
    await postback({ order: o2, click: await click(ben.slug) });
    expect(await commissions(o2)).toEqual([{ member: anna.id, status: 'pending', amount: 1_500 }]);
    await postback({ type: 'refund', order: o2, amount: '50.00' });
    // The refund halves what the decision gave (10.00 -> 5.00); the person's +5.00 stays on top.
    expect(await commissions(o2)).toEqual([{ member: anna.id, status: 'pending', amount: 1_000 }]);
  });

  it("a duplicate's answer reports the money as it stands (observation 2)", async () => {
    const o = nextOrder();
    await postback({ code: anna.code, order: o, amount: '20.00' });
    await postback({ type: 'refund', order: o, amount: '8.00' });
    const again = (await postback({ code: anna.code, order: o, amount: '20.00' })).json();
    expect(again).toMatchObject({
      status: 'duplicate',
      commissions: [expect.objectContaining({ memberId: anna.id, amount: '1.20' })],
    });
  });

  it("browser evidence never outranks the brand's server (observation 6)", async () => {
    // A forged pixel with a code and a huge amount, no click: held, nobody credited.
    const o = nextOrder();
    const forged = await pixel({ offer: offerId, order: o, code: anna.code, amount: '9999.00' });
    expect(forged.headers['content-type']).toBe('image/gif');
    expect((await conversion(o)).status).toBe('unverified');
    expect(await commissions(o)).toEqual([]);
    // /collect without an Origin does the same.
    const o2 = nextOrder();
    const collected = await t.built.app.inject({
      method: 'POST',
      url: '/collect',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ offer: offerId, orderId: o2, amount: '9999.00', code: anna.code }),
    });
    expect(collected.statusCode).toBe(202);
    expect((await conversion(o2)).status).toBe('unverified');
    // The brand's signed postback for the same order decides, whatever came first.
    const query = new URLSearchParams({ order: o, amount: '50.00', click: await click(ben.slug) }).toString();
    const signed = await t.built.app.inject({
      url: `/postback?${query}`,
      headers: { 'x-touchpoint-signature': signPayload(secret, query, Math.floor(Date.now() / 1000)) },
    });
    expect(signed.statusCode, signed.body).toBe(200);
    expect(await commissions(o)).toEqual([{ member: ben.id, status: 'pending', amount: 500 }]);
    expect((await conversion(o)).status).toBe('credited');
    // A later pixel changes nothing: the server has spoken.
    const after = await pixel({ offer: offerId, order: o, code: anna.code, amount: '9999.00' });
    expect(after.statusCode).toBe(200);
    expect(await commissions(o)).toEqual([{ member: ben.id, status: 'pending', amount: 500 }]);
    const events = await t.built.ctx.store.db
      .selectFrom('conversion_events')
      .select(['outcome', 'reason', 'trust'])
      .where('order_id', '=', o)
      .orderBy('id')
      .execute();
    expect(events.map((e) => [e.outcome, e.trust])).toEqual([
      ['created', 'browser'],
      ['filled_in', 'server'],
      ['duplicate', 'browser'],
    ]);
    expect(events.at(-1)!.reason).toBe('outranked_by_server');
  });

  it('an offer may allow browser-reported codes, and may hold implausible browser amounts for review', async () => {
    await t.api('PATCH', `/offers/${offerId}`, { browserCodeCredit: true, browserAmountLimit: '500.00' });
    try {
      const o = nextOrder();
      await pixel({ offer: offerId, order: o, code: anna.code, amount: '80.00' });
      expect(await commissions(o)).toEqual([{ member: anna.id, status: 'pending', amount: 800 }]);
      const big = nextOrder();
      await pixel({ offer: offerId, order: big, click: await click(anna.slug), amount: '900.00' });
      expect((await conversion(big)).status).toBe('unverified');
      expect(JSON.parse((await conversion(big)).decision).notes).toContain('browser_amount_over_limit');
    } finally {
      await t.api('PATCH', `/offers/${offerId}`, { browserCodeCredit: false, browserAmountLimit: null });
    }
  });

  it('a held order is approved or rejected by a person, with a reason; only held orders can be', async () => {
    const o = nextOrder();
    await pixel({ offer: offerId, order: o, code: ben.code, amount: '30.00' });
    const held = await conversion(o);
    const listed = await t.api('GET', '/conversions?status=unverified');
    expect(listed.data.data.map((c: { id: string }) => c.id)).toContain(held.id);
    expect((await t.api('POST', `/conversions/${held.id}/verify`, { action: 'approve', reason: '' })).statusCode).toBe(
      400,
    );
    const approved = await t.api('POST', `/conversions/${held.id}/verify`, {
      action: 'approve',
      reason: 'Matches the shop order',
    });
    expect(approved.statusCode, approved.body).toBe(200);
    expect(approved.data.status).toBe('credited');
    expect(await commissions(o)).toEqual([{ member: ben.id, status: 'pending', amount: 300 }]);
    expect(
      (await t.api('POST', `/conversions/${held.id}/verify`, { action: 'reject', reason: 'changed my mind' })).data
        .error.code,
    ).toBe('conversion_not_held');

    const r = nextOrder();
    await pixel({ offer: offerId, order: r, code: ben.code, amount: '30.00' });
    const rejected = await t.api('POST', `/conversions/${(await conversion(r)).id}/verify`, {
      action: 'reject',
      reason: 'No such order in the shop',
    });
    expect(rejected.data.status).toBe('rejected');
    await postback({ order: r, code: ben.code, amount: '30.00' });
    expect((await conversion(r)).status).toBe('rejected');
    expect(await commissions(r)).toEqual([]);
  });

  it('splits an order so the commission rows add up like the reports (observation 9)', async () => {
    await t.api('PATCH', `/offers/${offerId}`, { splitCodeShare: '33.33' });
    try {
      const o = nextOrder();
      await postback({ order: o, click: await click(anna.slug), code: ben.code, amount: '0.10' });
      const rows = await t.built.ctx.store.db
        .selectFrom('commissions')
        .select(['member_id', 'sale_minor', 'share_bps'])
        .where('conversion_id', '=', (await conversion(o)).id)
        .execute();
      expect(rows.reduce((n, r) => n + Number(r.sale_minor), 0)).toBe(10);
    } finally {
      await t.api('PATCH', `/offers/${offerId}`, { splitCodeShare: '50' });
    }
  });

  it("a refund with the sender's id counts once; a refund before its order is applied when it arrives", async () => {
    const o = nextOrder();
    await postback({ code: anna.code, order: o, amount: '100.00' });
    const { refundOrder } = await import('../src/app/refunds.js');
    const { findWorkspace } = await import('../src/db/workspaces.js');
    const ws = (await findWorkspace(t.built.ctx.store.db, t.workspaceId))!;
    for (let i = 0; i < 3; i++)
      await refundOrder(t.built.ctx, ws, 'shopify', { orderId: o, refund: '10.00', eventKey: 'shopify-refund-77' });
    expect(await commissions(o)).toEqual([{ member: anna.id, status: 'pending', amount: 900 }]);

    const early = nextOrder();
    await postback({ type: 'cancel', order: early });
    await postback({ code: anna.code, order: early, amount: '100.00' });
    expect(await commissions(early)).toEqual([{ member: anna.id, status: 'reversed', amount: 0 }]);
  });

  it('shows a receipt: events with their trust, the decision and settings, every entry; the creator sees only their own', async () => {
    const o = nextOrder();
    const created = (await postback({ code: anna.code, order: o, amount: '100.00' })).json();
    await postback({ type: 'refund', order: o, amount: '25.00' });
    const [c] = (await t.api('GET', `/conversions/${created.conversionId}`)).data.commissions;
    await t.api('POST', `/commissions/${c.id}/adjust`, { reason: 'Bonus', amount: '9.50' });
    const receipt = await t.api('GET', `/commissions/${c.id}/receipt`);
    expect(receipt.statusCode, receipt.body).toBe(200);
    expect(receipt.data.events[0]).toMatchObject({
      source: 'postback',
      trust: 'server',
      outcome: 'created',
      evidence: expect.objectContaining({ code: anna.code, amount: '100.00' }),
    });
    expect(receipt.data.decision).toMatchObject({ outcome: 'credited', trust: 'server' });
    expect(receipt.data.settings).toMatchObject({
      offerId,
      attributionRule: 'split',
      payout: expect.objectContaining({ title: '10%', type: 'percent' }),
    });
    expect(
      receipt.data.entries.map((e: { kind: string; amountMinor: number; balanceMinor: number }) => [
        e.kind,
        e.amountMinor,
        e.balanceMinor,
      ]),
    ).toEqual([
      ['accrual', 1_000, 1_000],
      ['refund', -250, 750],
      ['adjustment', 200, 950],
    ]);
    expect(receipt.data.entries[2].actor).toMatch(/^api_key:/);
    expect(receipt.data.commission).toMatchObject({ amountMinor: 950, amount: '9.50' });
    // Another workspace's key gets a 404.
    const other = await t.newWorkspace('Other');
    expect((await t.api('GET', `/commissions/${c.id}/receipt`, undefined, other.apiKey)).statusCode).toBe(404);
  });
});
