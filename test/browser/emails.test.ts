// The Emails page in a real browser at 1280 and 390 px: the empty state, then "email members their links" sent
// through a mail server that accepts one address, bounces one, refuses one message and greylists one. Each outcome
// must show in words with the server's reply kept, the status filter must narrow the list, the message must be
// readable (a member named like an HTML tag stays text), and "Send again" must put a bounced email back in the queue.
// Screenshots go to test-results/dashboard-emails-*.png.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchEmails } from '../../src/app/emails.js';
import type { MailTransport } from '../../src/email/transport.js';
import { sendToOutbox } from '../helpers/outbox.js';
import { startDashboard, type Dashboard, noChromium, signInInvited } from './harness.js';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const PASSWORD = 'correct horse battery staple';
const BOUNCE =
  'RCPT TO: 550 5.1.1 <bounce@creators.test>: Recipient address rejected: User unknown in virtual mailbox table';
const SPAM = 'DATA: 554 5.7.1 Message rejected as spam';
const GREY = 'RCPT TO: 451 4.7.1 Greylisted, please try again in 5 minutes';

/** A mail server that answers by the recipient's address, as the SMTP transport reports it. */
const mailServer: MailTransport = {
  kind: 'smtp',
  close() {},
  async send(e) {
    if (e.to.startsWith('bounce@')) return { ok: false, permanent: true, bounced: true, error: BOUNCE };
    if (e.to.startsWith('spam@')) return { ok: false, permanent: true, bounced: false, error: SPAM };
    if (e.to.startsWith('grey@')) return { ok: false, permanent: false, bounced: false, error: GREY };
    return { ok: true, messageId: `<${e.id}@tp.test>`, via: 'smtp', note: '250 2.0.0 Ok: queued as 4F2A1' };
  },
};

async function fitsWidth(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  );
  expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
}

describe.skipIf(noChromium)('the Emails page in a real browser (Chromium, SQLite)', () => {
  let d: Dashboard;
  let desktop: Page;

  const shot = async (page: Page, name: string, width: 'desktop' | 'phone') => {
    const file = await d.shot(page, name, width);
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };
  const row = (page: Page, to: string) => page.getByTestId('email').filter({ hasText: to });
  const emailTo = async (to: string) =>
    (
      (await d.api('GET', '/emails?limit=100')).data.data as {
        id: string;
        to: string;
        status: string;
        attempts: number;
        lastError: string | null;
      }[]
    ).find((e) => e.to === to)!;

  beforeAll(async () => {
    d = await startDashboard();
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('shows "No emails yet" before anything was sent', async () => {
    desktop = await d.open('desktop');
    await d.signIn(desktop, d.owner.email, d.owner.password);
    await desktop.getByLabel('One-time password').fill(d.owner.password);
    await desktop.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await desktop.getByLabel('Repeat the new password').fill(PASSWORD);
    await desktop.getByRole('button', { name: 'Save password' }).click();
    await desktop.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    await desktop.getByRole('link', { name: 'Emails' }).first().click();
    await desktop.getByText('No emails yet').waitFor();
    expect(new URL(desktop.url()).pathname).toBe('/app/emails');
    await shot(desktop, 'emails-empty', 'desktop');
  }, 60_000);

  it('lists each email with what happened to it, in words and with the server reply kept', async () => {
    const offer = await d.api('POST', '/offers', {
      name: 'Glow Serum',
      destinationUrl: 'https://shop.example.com/glow',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    expect(offer.statusCode, offer.body).toBe(201);
    const people = [
      { name: XSS_NAME, email: 'ok@creators.test' },
      { name: 'Bo Bounce', email: 'bounce@creators.test' },
      { name: 'Sam Spam', email: 'spam@creators.test' },
      { name: 'Gil Grey', email: 'grey@creators.test' },
    ];
    const ids: string[] = [];
    for (const p of people) ids.push((await d.api('POST', '/members', p)).data.id);
    const added = await d.api('POST', `/offers/${offer.data.id}/members`, {
      members: ids.map((memberId) => ({ memberId })),
      generateLinks: true,
      generateCodes: true,
      codePattern: 'GLOW{RAND4}',
    });
    expect(added.statusCode, added.body).toBe(200);
    const sent = await d.api('POST', `/offers/${offer.data.id}/members/email`, { message: 'Launch is Monday!' });
    expect(sent.data.queued).toHaveLength(4);
    expect(await dispatchEmails(d.built.ctx, mailServer)).toEqual({ sent: 1, retrying: 1, failed: 2 });

    await desktop.reload();
    await expect.poll(() => desktop.getByTestId('email').count()).toBe(4);
    const bounced = row(desktop, 'bounce@creators.test');
    await expect.poll(() => bounced.textContent()).toContain('Bounced');
    expect(await bounced.textContent()).toContain('refused this address');
    expect(await bounced.textContent()).toContain('Links and codes');
    expect(await row(desktop, 'spam@creators.test').textContent()).toContain('The mail server refused the message');
    const grey = await row(desktop, 'grey@creators.test').textContent();
    expect(grey).toContain('Waiting to send');
    expect(grey).toContain('asked to try again later');
    expect(await row(desktop, 'ok@creators.test').textContent()).toContain('Sent');
    // Only failed and bounced emails can be sent again.
    await expect.poll(() => desktop.getByRole('button', { name: /^Send the email to .* again$/ }).count()).toBe(2);
    await fitsWidth(desktop);
    await shot(desktop, 'emails', 'desktop');
  }, 60_000);

  it('narrows the list by status, keeping the filter in the address', async () => {
    await desktop.getByRole('tab', { name: 'Bounced' }).click();
    await expect.poll(() => desktop.getByTestId('email').count()).toBe(1);
    expect(new URL(desktop.url()).searchParams.get('status')).toBe('bounced');
    await row(desktop, 'bounce@creators.test').waitFor();
    await desktop.getByRole('tab', { name: 'Sent' }).click();
    await expect.poll(() => desktop.getByTestId('email').count()).toBe(1);
    await row(desktop, 'ok@creators.test').waitFor();
    await desktop.getByRole('tab', { name: 'All' }).click();
    await expect.poll(() => desktop.getByTestId('email').count()).toBe(4);
  }, 60_000);

  it('shows the message as sent, the member name as text, and the bounce reply in full', async () => {
    await desktop.getByRole('button', { name: 'View the email to ok@creators.test' }).click();
    const body = desktop.getByTestId('email-body');
    await body.waitFor();
    expect(await body.textContent()).toContain(XSS_NAME);
    expect(await body.textContent()).toContain('Launch is Monday!');
    expect(await desktop.locator('dialog[open] img').count()).toBe(0);
    await desktop.getByRole('button', { name: 'Close' }).last().click();

    await desktop.getByRole('button', { name: 'View the email to bounce@creators.test' }).click();
    const dialog = desktop.locator('dialog[open]');
    await dialog.getByTestId('email-body').waitFor();
    expect(await dialog.textContent()).toContain(`The mail server said: ${BOUNCE}`);
    await shot(desktop, 'emails-bounce', 'desktop');
    expect(d.dialogs).toEqual([]);
    expect(d.pageErrors).toEqual([]);
  }, 60_000);

  it('sends a bounced email again from its dialog', async () => {
    await desktop.locator('dialog[open]').getByRole('button', { name: 'Send again' }).click();
    await desktop.getByText('The email to bounce@creators.test is queued to be sent again.').waitFor();
    await expect.poll(async () => (await emailTo('bounce@creators.test')).status).toBe('queued');
    await expect.poll(() => row(desktop, 'bounce@creators.test').textContent()).toContain('Waiting to send');
    // Sent again and refused again: the new reply is what shows.
    expect((await dispatchEmails(d.built.ctx, mailServer)).failed).toBe(1);
    expect(await emailTo('bounce@creators.test')).toMatchObject({ status: 'bounced', lastError: BOUNCE });
  }, 60_000);

  it('works at 390 px: one card per email, the message in a full-screen dialog', async () => {
    const phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, PASSWORD);
    await phone.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    await phone.goto(`${d.base}/app/emails`);
    await expect.poll(() => phone.getByTestId('email').count()).toBe(4);
    await expect.poll(() => row(phone, 'spam@creators.test').textContent()).toContain('refused the message');
    await fitsWidth(phone);
    await shot(phone, 'emails', 'phone');
    await phone.getByRole('button', { name: 'View the email to spam@creators.test' }).click();
    await phone.locator('dialog[open]').getByTestId('email-body').waitFor();
    expect(await phone.locator('dialog[open]').textContent()).toContain(SPAM);
    await fitsWidth(phone);
    await shot(phone, 'emails-message', 'phone');
    expect(d.dialogs).toEqual([]);
    expect(d.pageErrors).toEqual([]);
  }, 60_000);

  it('shows a viewer the outbox without "Send again", and holds a session whose password must change', async () => {
    const page = await signInInvited(d, 'desktop');
    await page.getByRole('link', { name: 'Emails' }).first().click();
    // The four members' emails and Vera's own invitation.
    await expect.poll(() => page.getByTestId('email').count()).toBe(5);
    expect(await row(page, 'vera@acme.test').textContent()).toContain('Team invitation');
    expect(await page.getByRole('button', { name: /again$/ }).count()).toBe(0);

    // The account now needs a new password (as after a reset): the next API call answers 403
    // password_change_required, and the app shows the password screen instead of an error.
    await d.built.ctx.store.db
      .updateTable('users')
      .set({ must_change_password: 1 })
      .where('email', '=', 'vera@acme.test')
      .execute();
    await page.getByRole('tab', { name: 'Failed' }).click();
    await page.getByRole('heading', { name: 'Choose your own password' }).waitFor();
    expect(await page.getByTestId('email').count()).toBe(0);
    expect(d.pageErrors).toEqual([]);
  }, 60_000);
  it('keeps "Sent" for what a mail server took; an email only written to the outbox is under "Saved to outbox"', async () => {
    // Vera's invitation, still queued, goes the way it goes without SMTP_URL: into the local outbox.
    await sendToOutbox(d.built.ctx, d.store.dataDir);
    await desktop.goto(`${d.base}/app/emails`);
    await desktop.getByRole('tab', { name: 'Sent', exact: true }).click();
    await row(desktop, 'ok@creators.test').waitFor();
    const sent = await desktop.getByTestId('email').allTextContents();
    expect(sent.some((t) => t.includes('vera@acme.test'))).toBe(false);
    for (const t of sent) expect(t).not.toContain('Saved to outbox');
    await desktop.getByRole('tab', { name: 'Saved to outbox' }).click();
    expect(new URL(desktop.url()).searchParams.get('status')).toBe('outbox');
    await row(desktop, 'vera@acme.test').waitFor();
    const saved = await desktop.getByTestId('email').allTextContents();
    expect(saved.some((t) => t.includes('ok@creators.test'))).toBe(false);
    for (const t of saved) expect(t).toContain('Saved to outbox (no SMTP configured)');
    expect(d.pageErrors).toEqual([]);
  }, 60_000);
});
