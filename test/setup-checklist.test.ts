// The setup checklist and the tracking check on real databases over the real routes: each step flips exactly when
// the server stores its evidence (an offer, a creator on it, a person's click on their link, an order by any path),
// a crawler's click does not count, and a test order is explained in the tracking check and found nowhere else —
// not in the conversions list, events, exports, reports (raw and rollups), payouts, commissions or the portal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveDue } from '../src/app/conversions.js';
import { issueLoginLink } from '../src/app/portal-sign-in.js';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const UA =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
const BOT_UA = 'Googlebot/2.1 (+http://www.google.com/bot.html)';

describe.each(DIALECTS)('setup checklist and tracking check on %s', (kind) => {
  let t: TestApp;
  let now = Date.UTC(2026, 10, 2, 12);
  let secret = '';
  let offerId = '';
  let memberId = '';
  let slug = '';
  let linkId = '';
  let testClick = '';

  const checklist = async () => {
    const res = await t.api('GET', '/setup-checklist');
    expect(res.statusCode, res.body).toBe(200);
    return res.data as {
      steps: { key: string; done: boolean; doneAt: string | null; proof: Record<string, unknown> | null }[];
      allDone: boolean;
      next: { offerId: string | null; link: { url: string; memberId: string } | null };
    };
  };
  const done = async () => (await checklist()).steps.map((s) => `${s.key}:${s.done}`);
  const click = async (ua: string) => {
    const res = await t.built.app.inject({ url: `/${slug}`, headers: { 'user-agent': ua } });
    expect(res.statusCode).toBe(302);
    await t.built.tracking.flush();
    return new URL(res.headers.location as string).searchParams.get('tp_click');
  };
  const postback = (q: Record<string, string>) =>
    t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, ...q })}` });

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
  });
  afterAll(() => t?.close());

  it('starts with every step open', async () => {
    const c = await checklist();
    expect(c.steps.map((s) => s.key)).toEqual(['offer', 'member', 'click', 'conversion']);
    expect(c.steps.every((s) => !s.done && s.doneAt === null && s.proof === null)).toBe(true);
    expect(c).toMatchObject({ allDone: false, next: { offerId: null, link: null } });
  });

  it('ticks "create an offer" when an offer is stored, and nothing else', async () => {
    const offer = await t.api('POST', '/offers', {
      name: 'Glow Serum',
      destinationUrl: 'https://shop.example.com/glow',
      holdDays: 14,
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode, offer.body).toBe(201);
    offerId = offer.data.id;
    expect(await done()).toEqual(['offer:true', 'member:false', 'click:false', 'conversion:false']);
    const c = await checklist();
    expect(c.steps[0]).toMatchObject({
      doneAt: new Date(now).toISOString(),
      proof: { offerId, offerName: 'Glow Serum' },
    });
    expect(c.next.offerId).toBe(offerId);
  });

  it('does not tick "add a creator" for a member on no offer; ticks it when one is added to an offer', async () => {
    const m = await t.api('POST', '/members', { name: 'Ava Stone' });
    memberId = m.data.id;
    expect(await done()).toEqual(['offer:true', 'member:false', 'click:false', 'conversion:false']);
    now += 60_000;
    const added = await t.api('POST', `/offers/${offerId}/members`, {
      members: [{ memberId }],
      generateLinks: true,
      generateCodes: true,
    });
    expect(added.statusCode, added.body).toBe(200);
    slug = added.data.members[0].links[0].slug;
    linkId = added.data.members[0].links[0].id;
    expect(await done()).toEqual(['offer:true', 'member:true', 'click:false', 'conversion:false']);
    const c = await checklist();
    expect(c.steps[1]).toMatchObject({ proof: { offerId, memberId, memberName: 'Ava Stone' } });
    expect(c.next.link).toMatchObject({ url: `http://tp.test/${slug}`, memberId });
  });

  it('does not count a crawler’s click; ticks on a person’s click on the creator’s link', async () => {
    now += 60_000;
    await click(BOT_UA);
    expect(await done()).toEqual(['offer:true', 'member:true', 'click:false', 'conversion:false']);
    now += 60_000;
    testClick = (await click(UA))!;
    expect(testClick).toBeTruthy();
    const c = await checklist();
    expect(c.steps.map((s) => s.done)).toEqual([true, true, true, false]);
    expect(c.steps[2]).toMatchObject({
      doneAt: new Date(now).toISOString(),
      proof: { clickId: testClick, linkId, memberId },
    });
  });

  it('does not tick on a refused test postback; ticks on a test order and explains it in the tracking check', async () => {
    now += 60_000;
    const bad = await postback({ click: testClick, order: 'TEST-0', amount: 'abc', test: '1' });
    expect(bad.statusCode).toBe(400);
    expect((await checklist()).steps[3]!.done).toBe(false);

    now += 60_000;
    const res = await postback({ click: testClick, order: 'TEST-1', amount: '80.00', test: '1' });
    expect(res.statusCode, res.body).toBe(200);
    const conversionId = res.json().conversionId as string;
    const c = await checklist();
    expect(c.allDone).toBe(true);
    expect(c.steps[3]).toMatchObject({
      done: true,
      doneAt: new Date(now).toISOString(),
      proof: { conversionId, orderId: 'TEST-1', test: true, source: 'postback' },
    });

    const check = (await t.api('GET', '/tracking-check')).data;
    expect(check.orders).toHaveLength(1);
    expect(check.orders[0]).toMatchObject({
      conversionId,
      orderId: 'TEST-1',
      status: 'credited',
      source: 'postback',
      amount: '80.00',
      currency: 'USD',
      matched: { clickId: testClick, link: { id: linkId, slug }, code: null, codeMatched: false },
      credits: [{ offerId, offerName: 'Glow Serum', memberId, memberName: 'Ava Stone', source: 'click' }],
      rule: 'code_first',
      wouldHavePaid: [{ memberId, memberName: 'Ava Stone', offerId, amount: '8.00', currency: 'USD' }],
      events: [{ source: 'postback', outcome: 'created' }],
    });
    expect(check.orders[0].reasons).toContain('click_counted');
    expect(check.rejected).toEqual([
      expect.objectContaining({ source: 'postback', orderId: 'TEST-0', reason: 'amount_invalid' }),
    ]);
  });

  it('keeps the test order out of every list, export, report, payout and the portal; a real order shows', async () => {
    now += 60_000;
    const real = await postback({ click: testClick, order: 'REAL-1', amount: '50.00' });
    expect(real.statusCode, real.body).toBe(200);
    const realId = real.json().conversionId as string;

    const listed = (await t.api('GET', '/conversions')).data.data.map((c: { id: string }) => c.id);
    expect(listed).toEqual([realId]);
    expect((await t.api('GET', '/conversions?test=true')).data.data.map((c: { orderId: string }) => c.orderId)).toEqual(
      ['TEST-1'],
    );
    const events = (await t.api('GET', '/conversion-events')).data.data.map((e: { orderId: string }) => e.orderId);
    expect(events).toEqual(['REAL-1']);
    expect(
      (await t.api('GET', '/conversion-events?test=true')).data.data.map((e: { orderId: string }) => e.orderId),
    ).toEqual(['TEST-1', 'TEST-0']);

    const csv = await t.built.app.inject({
      url: '/api/v1/conversions/export?format=csv',
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    expect(csv.statusCode).toBe(200);
    expect(csv.body).toContain('REAL-1');
    expect(csv.body).not.toContain('TEST-1');

    for (const source of ['raw', 'rollups'] as const) {
      for (const groupBy of ['offer', 'member', 'day'] as const) {
        const r = await t.api('GET', `/reports?groupBy=${groupBy}&from=2026-11-01&to=2026-11-03&source=${source}`);
        expect(r.statusCode, r.body).toBe(200);
        expect(r.data.source).toBe(source);
        expect(r.data.totals, `${source} by ${groupBy}`).toMatchObject({
          conversions: 1,
          salesMinor: 5000,
          commissionMinor: 500,
        });
      }
    }

    const commissions = (await t.api('GET', `/commissions?memberId=${memberId}`)).data.data;
    expect(commissions.map((c: { conversionId: string }) => c.conversionId)).toEqual([realId]);

    now += 15 * 86_400_000;
    expect(await approveDue(t.built.ctx)).toBe(1);
    const preview = (await t.api('GET', '/payouts/preview?currency=USD')).data;
    expect(preview.lines.map((l: { memberId: string; amount: string }) => [l.memberId, l.amount])).toEqual([
      [memberId, '5.00'],
    ]);

    const link = new URL(await issueLoginLink(t.built.ctx, t.workspaceId, memberId));
    const opened = await t.built.app.inject({ url: `${link.pathname}${link.search}` });
    const cookie = ([opened.headers['set-cookie']].flat() as string[]).find((h) => h.startsWith('tp_member='))!;
    expect(cookie).toBeTruthy();
    const portal = (path: string) =>
      t.built.app.inject({ url: `/api/portal${path}`, headers: { cookie: cookie.split(';')[0]! } });
    const mine = (await portal('/commissions')).json().data;
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ amount: '5.00' });
    const report = (await portal('/report?groupBy=offer&from=2026-11-01&to=2026-11-03')).json();
    expect(report.totals).toMatchObject({ conversions: 1 });
    const offers = JSON.stringify((await portal('/offers')).json());
    expect(offers).not.toContain('TEST-1');
  });
  it('ticks "a conversion" on any path, test or real, but not on a refund still waiting for its order', async () => {
    const other = await t.newWorkspace('Second');
    const api = (method: string, path: string, body?: unknown) => t.api(method, path, body, other.apiKey);
    const steps = async () => (await api('GET', '/setup-checklist')).data.steps as { key: string; done: boolean }[];
    const otherSecret = (await api('GET', '/workspace')).data.postbackSecret as string;
    const offer = (
      await api('POST', '/offers', {
        name: 'Other',
        destinationUrl: 'https://other.example.com/',
        payoutOptions: [{ title: '5%', type: 'percent', value: '5' }],
      })
    ).data;
    now += 60_000;
    const refund = await t.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret: otherSecret, type: 'refund', order: 'R-1', amount: '5.00' })}`,
    });
    expect(refund.statusCode, refund.body).toBe(200);
    const placeholder = await t.db.store.db
      .selectFrom('conversions')
      .select('status')
      .where('workspace_id', '=', other.workspaceId)
      .execute();
    expect(placeholder).toEqual([{ status: 'awaiting_order' }]);
    expect((await steps()).map((s) => s.done)).toEqual([true, false, false, false]);

    now += 60_000;
    const pixel = await t.built.app.inject({
      url: `/px?${new URLSearchParams({ offer: offer.id, order: 'PX-1', amount: '12.00', test: '1' })}`,
    });
    expect(pixel.statusCode).toBe(200);
    const c = (await api('GET', '/setup-checklist')).data;
    expect(c.steps[3]).toMatchObject({
      done: true,
      doneAt: new Date(now).toISOString(),
      proof: { orderId: 'PX-1', test: true, source: 'pixel' },
    });
    // Only this workspace's evidence counts: the first workspace's proof is its own order.
    expect((await checklist()).steps[3]!.proof).toMatchObject({ orderId: 'TEST-1' });
  });

  it('ticks "a conversion" for a real order when no test was sent', async () => {
    const third = await t.newWorkspace('Third');
    const thirdSecret = (await t.api('GET', '/workspace', undefined, third.apiKey)).data.postbackSecret as string;
    now += 60_000;
    const res = await t.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret: thirdSecret, order: 'REAL-9', amount: '9.00' })}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const c = (await t.api('GET', '/setup-checklist', undefined, third.apiKey)).data;
    expect(c.steps.map((s: { done: boolean }) => s.done)).toEqual([false, false, false, true]);
    expect(c.steps[3].proof).toMatchObject({ orderId: 'REAL-9', test: false, source: 'postback' });
  });
});
