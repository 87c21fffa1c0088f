// A payout batch for the chosen members only (issue #16): all or nothing, unknown and not-due members refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveDue } from '../src/app/conversions.js';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp } from './helpers/app.js';

describe.each(DIALECTS)('payout member choice on %s', (kind) => {
  let t: TestApp;
  let now = Date.UTC(2026, 10, 2, 12);
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (
      await t.api('POST', '/offers', {
        name: 'O',
        destinationUrl: 'https://shop.example.com/',
        holdDays: 14,
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data;
    for (const [name, amount] of [
      ['Ava', '300.00'],
      ['Bo', '200.00'],
      ['Cy', '100.00'],
      ['Dee', '1.00'],
    ] as const) {
      const m = (await t.api('POST', '/members', { name, email: `${name.toLowerCase()}@example.com` })).data;
      ids[name] = m.id;
      const code = (
        await t.api('POST', `/offers/${offer.id}/members`, {
          members: [{ memberId: m.id }],
          generateCodes: true,
          generateLinks: false,
        })
      ).data.members[0].codes[0].code;
      const r = await t.built.app.inject({
        url: `/postback?${new URLSearchParams({ secret, code, order: `O-${name}`, amount })}`,
      });
      expect(r.statusCode).toBe(200);
    }
    now += 15 * 86_400_000;
    expect(await approveDue(t.built.ctx)).toBe(4);
    // Dee's 0.10 stays under the minimum: not due.
    await t.api('PUT', '/workspace/minimum-payout', { amount: '5.00' });
  });
  afterAll(() => t.close());

  const due = async () =>
    (await t.api('GET', '/payouts/preview?currency=USD')).data.lines.map((l: { name: string }) => l.name);

  it('refuses an unknown or a not-due member, naming each, and pays nobody', async () => {
    const other = await t.newWorkspace('Other');
    const stranger = (await t.api('POST', '/members', { name: 'Stranger' }, other.apiKey)).data.id;
    const res = await t.api('POST', '/payout-batches', {
      currency: 'USD',
      memberIds: [ids.Ava, stranger, ids.Dee, 'mem_00000000000000000000000000'],
    });
    expect(res.statusCode).toBe(400);
    expect(res.data.error.code).toBe('validation_failed');
    expect(res.data.error.details.map((d: { path: string; code: string }) => [d.path, d.code])).toEqual([
      ['memberIds/1', 'member_unknown'],
      ['memberIds/2', 'member_not_due'],
      ['memberIds/3', 'member_unknown'],
    ]);
    expect(await due()).toEqual(['Ava', 'Bo', 'Cy']);
    expect((await t.api('GET', '/payout-batches')).data.data).toEqual([]);
    expect((await t.api('POST', '/payout-batches', { currency: 'USD', memberIds: [] })).statusCode).toBe(400);
    expect(
      (await t.api('POST', '/payout-batches', { currency: 'USD', memberIds: [ids.Ava, ids.Ava] })).statusCode,
    ).toBe(400);
  });

  it('pays only the chosen two; the third stays due and is paid by the next batch', async () => {
    const res = await t.api('POST', '/payout-batches', { currency: 'USD', memberIds: [ids.Cy, ids.Ava] });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.data).toMatchObject({ total: '40.00', members: 2, commissions: 2 });
    expect(res.data.lines.map((l: { name: string }) => l.name).sort()).toEqual(['Ava', 'Cy']);
    expect(await due()).toEqual(['Bo']);
    expect((await t.api('GET', `/commissions?status=approved&memberId=${ids.Bo}`)).data.data).toHaveLength(1);

    // Ava is paid now: choosing her again is refused, and Bo is not paid by that refusal.
    const again = await t.api('POST', '/payout-batches', { currency: 'USD', memberIds: [ids.Bo, ids.Ava] });
    expect(again.data.error.details).toMatchObject([{ path: 'memberIds/1', code: 'member_not_due' }]);
    expect(await due()).toEqual(['Bo']);

    const rest = await t.api('POST', '/payout-batches', { currency: 'USD' });
    expect(rest.data).toMatchObject({ total: '20.00', members: 1 });
  });

  it("lists the batches that paid a member, with that member's line only", async () => {
    const forAva = (await t.api('GET', `/payout-batches?memberId=${ids.Ava}`)).data.data;
    expect(forAva).toHaveLength(1);
    expect(forAva[0].members).toBe(2);
    expect(forAva[0].lines).toEqual([expect.objectContaining({ memberId: ids.Ava, amount: '30.00' })]);
    const forBo = (await t.api('GET', `/payout-batches?memberId=${ids.Bo}`)).data.data;
    expect(forBo.map((b: { total: string }) => b.total)).toEqual(['20.00']);
    expect((await t.api('GET', `/payout-batches?memberId=${ids.Dee}`)).data.data).toEqual([]);
    expect((await t.api('GET', '/payout-batches')).data.data).toHaveLength(2);
  });
});
