import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveDue } from '../src/app/conversions.js';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp } from './helpers/app.js';

describe.each(DIALECTS)('payout batches on %s', (kind) => {
  let t: TestApp;
  let now = Date.UTC(2026, 10, 2, 12);
  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
  });
  afterAll(() => t.close());

  it('pays approved commissions per member above the minimum, once, and exports the batch for PayPal', async () => {
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (
      await t.api('POST', '/offers', {
        name: 'O',
        destinationUrl: 'https://shop.example.com/',
        holdDays: 14,
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data;
    const codes: Record<string, string> = {};
    const ids: Record<string, string> = {};
    for (const [name, email] of [
      ['Ava', 'ava@example.com'],
      ['Bo', 'bo@example.com'],
      ['Cy', null],
    ] as const) {
      const m = (await t.api('POST', '/members', { name, email })).data;
      ids[name] = m.id;
      codes[name] = (
        await t.api('POST', `/offers/${offer.id}/members`, {
          members: [{ memberId: m.id }],
          generateCodes: true,
          generateLinks: false,
        })
      ).data.members[0].codes[0].code;
    }
    const sale = (name: string, order: string, amount: string) =>
      t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, code: codes[name]!, order, amount })}` });
    await sale('Ava', 'P-1', '300.00');
    await sale('Ava', 'P-2', '200.00');
    await sale('Bo', 'P-3', '100.00');
    await sale('Cy', 'P-4', '20.00');

    expect((await t.api('GET', '/payouts/preview?currency=USD')).data.lines).toEqual([]);
    now += 15 * 86_400_000;
    expect(await approveDue(t.built.ctx)).toBe(4);
    expect((await t.api('PUT', '/workspace/minimum-payout', { amount: '5.00' })).data).toEqual({
      minimumPayout: '5.00',
      currency: 'USD',
    });
    const preview = (await t.api('GET', '/payouts/preview?currency=USD')).data;
    expect(preview.lines.map((l: { name: string; amount: string }) => [l.name, l.amount])).toEqual([
      ['Ava', '50.00'],
      ['Bo', '10.00'],
    ]);

    const batch = await t.api('POST', '/payout-batches', { currency: 'USD', note: 'November' });
    expect(batch.statusCode, batch.body).toBe(201);
    expect(batch.data).toMatchObject({ currency: 'USD', total: '60.00', members: 2, commissions: 3, note: 'November' });
    expect((await t.api('POST', '/payout-batches', { currency: 'USD' })).data.error.code).toBe('nothing_to_pay');
    const paid = (await t.api('GET', `/commissions?status=paid&memberId=${ids.Ava}`)).data.data;
    expect(paid).toHaveLength(2);
    expect((await t.api('GET', `/commissions?status=approved&memberId=${ids.Cy}`)).data.data).toHaveLength(1);

    const csv = await t.built.app.inject({
      url: `/api/v1/payout-batches/${batch.data.id}/export?format=csv`,
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    expect(csv.body.replace(/^\uFEFF/, '').split('\r\n')[1]).toBe(
      `${ids.Ava},Ava,ava@example.com,2,50.00,USD,${batch.data.id}`,
    );
    const paypal = await t.built.app.inject({
      url: `/api/v1/payout-batches/${batch.data.id}/export?format=paypal`,
      headers: { authorization: `Bearer ${t.apiKey}` },
    });
    const rows = paypal.body
      .trim()
      .split('\r\n')
      .map((r) => r.split(','));
    expect(rows.map((r) => r.slice(0, 3))).toEqual([
      ['ava@example.com', '50.00', 'USD'],
      ['bo@example.com', '10.00', 'USD'],
    ]);

    // A paid commission is never edited in place: reversing it is refused, and a refund records a clawback.
    const avaFirst = paid.find((c: { sale: string }) => c.sale === '300.00');
    expect((await t.api('POST', `/commissions/${avaFirst.id}/reverse`, { reason: 'return' })).statusCode).toBe(409);
    const refund = await t.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret, type: 'refund', order: 'P-1' })}`,
    });
    expect(refund.json()).toMatchObject({ status: 'refunded', commissionsChanged: 1 });
    const detail = (await t.api('GET', `/conversions/${avaFirst.conversionId}`)).data;
    // Paid is final: the commission stays paid, its amount (the sum of its entries) drops by a clawback entry, and the
    // batch still shows what was paid.
    expect(detail.commissions[0]).toMatchObject({ status: 'paid', amount: '0.00' });
    expect(detail.adjustments.at(-1)).toMatchObject({
      kind: 'clawback',
      amountBefore: 3000,
      amountAfter: 0,
      statusAfter: 'paid',
    });
    const after = (await t.api('GET', `/payout-batches/${batch.data.id}`)).data;
    expect(after).toMatchObject({
      total: '60.00',
      lines: [expect.objectContaining({ memberId: ids.Ava, amount: '50.00' }), expect.anything()],
    });
  });
});
