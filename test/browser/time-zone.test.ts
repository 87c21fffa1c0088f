// One time zone everywhere, in a real browser: a workspace in Europe/Paris seen from a browser in New York. An order
// placed at 23:30 UTC on Dec 6 is 00:30 on Dec 7 in Paris (18:30 on Dec 6 in New York): the dashboard's Conversions,
// Payouts and Emails and the creator's portal must all date it Dec 7 (its hold ending Jan 6, not Jan 5), each page
// naming the zone. Also: each page titles the browser tab from the route table (an offer by its name), Payouts is in
// the dashboard's navigation, and an email written only to the local outbox is not called "Sent".
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveredText, sendToOutbox } from '../helpers/outbox.js';
import { signInFirstTime, startDashboard, type Dashboard, noChromium } from './harness.js';

const PASSWORD = 'correct horse battery staple';
const AVA = { name: 'Ava Stone', email: 'ava@creators.test' };
const LINK_RE = /http:\/\/tp\.test(\/p\/auth\?token=[A-Za-z0-9_-]{43})/;
/** 23:30 UTC on Dec 6: Dec 7, 00:30 in Paris; Dec 6, 18:30 in New York (the browser's zone). */
const LATE = Date.parse('2026-12-06T23:30:00Z');
const HOLD_DAYS = 30;
const ZONE_NOTE = 'Times in Europe/Paris';

const bodyText = (page: Page) => page.evaluate<string>('document.body.innerText');

describe.skipIf(noChromium)('one time zone on every page (Chromium, SQLite)', () => {
  let d: Dashboard;
  let desktop: Page;
  let offerId = '';
  const db = () => d.store.store.db;

  beforeAll(async () => {
    d = await startDashboard();
    const ok = <T extends { statusCode: number; body: string }>(r: T, status = 201) => {
      expect(r.statusCode, r.body).toBe(status);
      return r;
    };
    ok(await d.api('PATCH', '/workspace', { timezone: 'Europe/Paris' }), 200);
    offerId = ok(
      await d.api('POST', '/offers', {
        name: 'Night owl sale',
        destinationUrl: 'https://shop.example.com/night',
        holdDays: HOLD_DAYS,
        payoutOptions: [{ title: 'Standard', type: 'percent', value: '10' }],
      }),
    ).data.id as string;
    const ava = ok(await d.api('POST', '/members', AVA)).data.id as string;
    ok(
      await d.api('POST', `/offers/${offerId}/members`, {
        members: [{ memberId: ava }],
        generateCodes: true,
        codePattern: '{NAME}{RAND4}',
      }),
      200,
    );
    const code = ok(await d.api('GET', `/codes?memberId=${ava}`), 200).data.data[0].code as string;
    const secret = (await d.api('GET', '/workspace')).data.postbackSecret as string;
    for (const [order, amount] of [
      ['LATE-1', '100.00'],
      ['LATE-2', '50.00'],
    ]) {
      const r = await d.built.app.inject({
        url: `/postback?${new URLSearchParams({ secret, code, order: order!, amount: amount! })}`,
      });
      expect(r.statusCode, r.body).toBeLessThan(300);
    }
    const commissions = ok(await d.api('GET', `/commissions?memberId=${ava}`), 200).data.data as {
      id: string;
      amount: string;
    }[];
    const paid = commissions.find((c) => c.amount === '5.00')!.id;
    ok(await d.api('POST', `/commissions/${paid}/approve`, { reason: 'Early payment' }), 200);
    ok(await d.api('POST', '/payout-batches', { currency: 'USD' }));

    // Both orders, the payout and its batch happened at the late instant (what a store's clock would have said).
    await db().updateTable('conversions').set({ occurred_at: LATE }).execute();
    await db()
      .updateTable('commissions')
      .set({ approve_after: LATE + HOLD_DAYS * 86_400_000 })
      .where('status', '=', 'pending')
      .execute();
    await db().updateTable('commissions').set({ paid_at: LATE }).where('status', '=', 'paid').execute();
    await db().updateTable('payout_batches').set({ created_at: LATE }).execute();
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('dates the order Dec 7 on the dashboard, names the zone, and titles each tab', async () => {
    desktop = await d.open('desktop');
    await signInFirstTime(d, desktop, PASSWORD);
    expect(await desktop.title()).toBe('Offers · Touchpoint');

    await desktop.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Conversions' }).click();
    await desktop.getByText('LATE-1').first().waitFor();
    await desktop
      .getByText(/times in Europe\/Paris/i)
      .first()
      .waitFor();
    const text = await bodyText(desktop);
    expect(text).toContain('Dec 7, 2026, 12:30');
    expect(text).not.toContain('Dec 6, 2026');
    expect(await desktop.title()).toBe('Conversions · Touchpoint');

    // Payouts is in the navigation now.
    await desktop.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Payouts' }).click();
    await desktop.getByTestId('payout-batch').first().waitFor();
    expect(await desktop.getByTestId('payout-batch').first().innerText()).toContain('Dec 7, 2026, 12:30');
    await desktop.getByText(ZONE_NOTE).waitFor();
    expect(await desktop.title()).toBe('Payouts · Touchpoint');

    // An offer's page is titled by the offer's name.
    await desktop.goto(`${d.base}/app/offers/${offerId}`);
    await desktop.getByRole('heading', { name: /Night owl sale/ }).waitFor();
    await expect.poll(() => desktop.title()).toBe('Night owl sale · Touchpoint');
  }, 90_000);

  it('signs the creator in, and dates the same order the same day in the portal', async () => {
    const since = Date.now() - 1;
    const res = await fetch(`${d.base}/api/portal/login-link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: AVA.email }),
    });
    expect(res.status).toBe(202);
    await sendToOutbox(d.built.ctx, d.store.dataDir);
    const email = await db()
      .selectFrom('emails')
      .select('id')
      .where('kind', '=', 'magic_link')
      .where('created_at', '>=', since)
      .executeTakeFirstOrThrow();
    const link = LINK_RE.exec(await deliveredText(d.store.dataDir, email.id))![1]!;
    await db().updateTable('emails').set({ created_at: LATE, sent_at: LATE }).where('id', '=', email.id).execute();

    const portal = await d.open('desktop');
    await portal.goto(`${d.base}${link}`);
    await portal.getByText('Offer dates').first().waitFor();
    expect(await portal.title()).toBe('My offers · Acme Beauty creator portal');

    await portal.goto(`${d.base}/p/commissions`);
    await portal.getByText('Order date').first().waitFor();
    await portal.getByText(ZONE_NOTE).waitFor();
    let text = await bodyText(portal);
    expect(text).toContain('Dec 7, 2026');
    expect(text).toContain('Approved after Jan 6, 2027');
    expect(text).not.toContain('Dec 6, 2026');
    expect(text).not.toContain('Jan 5, 2027');
    expect(await portal.title()).toBe('Commissions · Acme Beauty creator portal');

    await portal.goto(`${d.base}/p/payouts`);
    await portal.getByText('Paid on').first().waitFor();
    await portal.getByText(ZONE_NOTE).waitFor();
    text = await bodyText(portal);
    expect(text).toContain('Dec 7, 2026');
    expect(text).not.toContain('Dec 6, 2026');
    expect(await portal.title()).toBe('Payouts · Acme Beauty creator portal');
  }, 90_000);

  it('dates the sign-in email Dec 7 on the Emails page and says it was only saved to the outbox', async () => {
    await desktop.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Emails' }).click();
    const row = desktop.getByTestId('email').filter({ hasText: AVA.email });
    await row.waitFor();
    const text = await row.innerText();
    expect(text).toContain('Saved to outbox (no SMTP configured)');
    expect(text).not.toMatch(/\bSent\b/);
    expect(text).toContain('Dec 7, 2026, 12:30');
    await desktop.getByText(ZONE_NOTE).waitFor();
    expect(await desktop.title()).toBe('Emails · Touchpoint');
  }, 60_000);
});
