// Settings → Workspace, Team, API keys and Outgoing webhooks in a real browser (Chromium, SQLite) at 1440 and 390 px.
// The owner changes the time zone and sees it named on Payouts, sets a default hold and finds it in the offer wizard,
// has a wrong value refused next to its field; creates an API key, calls the API with it, revokes it and gets 401;
// invites a user (the setup email in the outbox), changes a role, and is refused demoting or removing the last owner;
// adds an endpoint on a local HTTP server, sees a delivery's response code and sends it again. A viewer sees the
// pages with no edit controls and no secret anywhere in the HTML. Screenshots: test-results/dashboard-settings-*.png.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchWebhooks } from '../../src/app/webhooks.js';
import { deliveredText, sendToOutbox } from '../helpers/outbox.js';
import { signInFirstTime, startDashboard, type Dashboard, noChromium, signInInvited } from './harness.js';

const PASSWORD = 'correct horse battery staple';
const LAST_OWNER = 'The workspace must keep at least one owner.';

const bodyText = (page: Page) => page.evaluate<string>('document.body.innerText');

async function fitsWidth(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  );
  expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
}

/** A receiver that answers each delivery with the next status of `statuses` (then 200), and keeps what it got. */
async function receiver(statuses: number[]) {
  const received: { event: string; signature: string; body: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push({
        event: String(req.headers['x-touchpoint-event']),
        signature: String(req.headers['x-touchpoint-signature']),
        body,
      });
      res.writeHead(statuses.shift() ?? 200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/touchpoint`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(noChromium)('Settings: workspace, team, API keys, webhooks (Chromium, SQLite)', () => {
  let d: Dashboard;
  let wide: Page;
  let phone: Page;
  let hook: Awaited<ReturnType<typeof receiver>>;

  const shot = async (page: Page, name: string, width: 'wide' | 'phone') => {
    const file = await d.shot(page, `settings-${name}`, width);
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };
  /** The same page at 390 px, checked not to overflow, and both widths saved. */
  const shootBoth = async (path: string, name: string, ready: (p: Page) => Promise<unknown>) => {
    await shot(wide, name, 'wide');
    await phone.goto(`${d.base}/app${path}`);
    await ready(phone);
    await fitsWidth(phone);
    await shot(phone, name, 'phone');
  };
  const field = (page: Page, label: string) => page.locator('.field', { has: page.getByLabel(label, { exact: true }) });

  beforeAll(async () => {
    d = await startDashboard();
    hook = await receiver([500]);
  }, 240_000);

  afterAll(async () => {
    await hook?.close();
    await d?.close();
  });

  it('changes the time zone (named on Payouts), refuses a bad currency next to its field, sets the default hold (prefilled in the wizard), the minimum payout and a rate', async () => {
    wide = await d.open('wide');
    await signInFirstTime(d, wide, PASSWORD);
    phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, PASSWORD);
    await phone.getByRole('heading', { name: 'Offers', exact: true }).waitFor();

    await wide.goto(`${d.base}/app/settings/workspace`);
    await wide.getByRole('button', { name: 'Save workspace' }).waitFor();
    expect(await wide.getByLabel('Default hold (days)').inputValue()).toBe('30');

    // The server's refusal, shown at the field it names; nothing is saved.
    await wide.getByLabel('Currency', { exact: true }).fill('XYZ');
    await wide.getByLabel('Time zone').fill('Asia/Tokyo');
    await wide.getByRole('button', { name: 'Save workspace' }).click();
    await field(wide, 'Currency').getByRole('alert').waitFor();
    expect(await field(wide, 'Currency').getByRole('alert').innerText()).toContain('ISO-4217');
    expect((await d.api('GET', '/workspace')).data).toMatchObject({ currency: 'USD', timezone: 'UTC' });

    // A zone not in the list is refused before it is sent.
    await wide.getByLabel('Currency', { exact: true }).fill('USD');
    await wide.getByLabel('Time zone').fill('Mars/Olympus');
    await wide.getByRole('button', { name: 'Save workspace' }).click();
    await field(wide, 'Time zone').getByText('Pick a zone from the list').waitFor();

    await wide.getByLabel('Time zone').fill('Asia/Tokyo');
    await wide.getByLabel('Default hold (days)').fill('14');
    await wide.getByRole('button', { name: 'Save workspace' }).click();
    await wide.getByText('Workspace settings saved.').waitFor();
    expect((await d.api('GET', '/workspace')).data).toMatchObject({ timezone: 'Asia/Tokyo', defaultHoldDays: 14 });

    // Another page names the new zone at once, without a reload.
    await wide.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Payouts' }).click();
    await wide.getByText('Times in Asia/Tokyo').waitFor();

    // The wizard starts with the workspace's default hold.
    await wide.goto(`${d.base}/app/offers/new`);
    await wide.getByLabel('Offer name').fill('Winter glow');
    await wide.getByLabel('Destination URL').fill('https://shop.example.com/winter');
    await wide.getByRole('button', { name: 'Next' }).click();
    await wide.getByLabel('Hold period (days)').waitFor();
    expect(await wide.getByLabel('Hold period (days)').inputValue()).toBe('14');

    await wide.goto(`${d.base}/app/settings/workspace`);
    await wide.getByLabel('Minimum payout (USD)').fill('abc');
    await wide.getByRole('button', { name: 'Save minimum' }).click();
    await field(wide, 'Minimum payout (USD)').getByRole('alert').waitFor();
    await wide.getByLabel('Minimum payout (USD)').fill('25');
    await wide.getByRole('button', { name: 'Save minimum' }).click();
    await wide.getByText('Minimum payout set to $25.00.').waitFor();
    expect((await d.api('GET', '/workspace')).data.minimumPayout).toBe('25.00');

    await wide.getByLabel('From', { exact: true }).fill('EUR');
    await wide.getByLabel('To', { exact: true }).fill('USD');
    await wide.getByLabel('Rate', { exact: true }).fill('-1');
    await wide.getByRole('button', { name: 'Save rate' }).click();
    await field(wide, 'Rate').getByRole('alert').waitFor();
    expect((await d.api('GET', '/fx-rates')).data.data).toEqual([]);
    await wide.getByLabel('Rate', { exact: true }).fill('1.08');
    await wide.getByRole('button', { name: 'Save rate' }).click();
    await wide.getByTestId('fx-rate').filter({ hasText: '1 EUR = 1.08 USD' }).waitFor();
    await shootBoth('/settings/workspace', 'workspace', (p) => p.getByTestId('fx-rate').first().waitFor());
  }, 120_000);

  it('shows a new API key once, which calls the API until it is revoked (then 401)', async () => {
    await wide.goto(`${d.base}/app/settings/api-keys`);
    await wide.getByLabel('Key name').fill('Zapier');
    await wide.getByRole('button', { name: 'Create key' }).click();
    const shown = wide.getByTestId('new-api-key');
    await shown.waitFor();
    const key = await shown.innerText();
    expect(key).toMatch(/^tpk_[0-9A-Za-z]{40}$/);
    await wide.getByRole('button', { name: 'Copy the API key' }).click();
    expect(await wide.evaluate<string>('navigator.clipboard.readText()')).toBe(key);
    await shot(wide, 'api-key-created', 'wide');

    const call = (k: string) => fetch(`${d.base}/api/v1/offers`, { headers: { authorization: `Bearer ${k}` } });
    expect((await call(key)).status).toBe(200);
    await wide.getByRole('button', { name: 'Done' }).click();
    await wide.reload();
    const row = wide.getByTestId('api-key').filter({ hasText: 'Zapier' });
    await row.waitFor();
    expect(await row.innerText()).toContain(key.slice(0, 10));
    expect(await row.innerText()).not.toContain('Never');
    expect(await wide.content()).not.toContain(key);

    await row.getByRole('button', { name: 'Revoke' }).click();
    await wide.getByRole('dialog', { name: 'Revoke "Zapier"?' }).getByRole('button', { name: 'Revoke key' }).click();
    await row.getByText('Revoked').waitFor();
    const refused = await call(key);
    expect(refused.status).toBe(401);
    await shootBoth('/settings/api-keys', 'api-keys', (p) => p.getByTestId('api-key').first().waitFor());
  }, 90_000);

  it('invites a user (setup email in the outbox), changes a role, and shows the last-owner refusal', async () => {
    await wide.goto(`${d.base}/app/settings/team`);
    await wide.getByLabel('Email').fill('nia@acme.test');
    await wide.getByLabel('Name', { exact: true }).fill('Nia Park');
    await wide.getByLabel('Role', { exact: true }).selectOption('manager');
    await wide.getByRole('button', { name: 'Send invitation' }).click();
    await wide.getByRole('dialog', { name: 'Invitation sent' }).waitFor();
    await shot(wide, 'team-invited', 'wide');
    await wide.getByRole('button', { name: 'Done' }).click();

    await sendToOutbox(d.built.ctx, d.store.dataDir);
    const email = await d.store.store.db
      .selectFrom('emails')
      .select(['id', 'kind'])
      .where('to_address', '=', 'nia@acme.test')
      .executeTakeFirstOrThrow();
    expect(email.kind).toBe('user_invite');
    expect(await deliveredText(d.store.dataDir, email.id)).toMatch(/http:\/\/tp\.test\/app\/setup\?token=[\w-]{43}/);

    // The same address again is refused at the email field.
    await wide.getByLabel('Email').fill('nia@acme.test');
    await wide.getByLabel('Name', { exact: true }).fill('Nia again');
    await wide.getByRole('button', { name: 'Send invitation' }).click();
    await field(wide, 'Email').getByText('already on the team').waitFor();

    const nia = wide.getByTestId('team-member').filter({ hasText: 'nia@acme.test' });
    await nia.getByText('Invited, not signed in yet').waitFor();
    await nia.getByLabel('Role of Nia Park').selectOption('viewer');
    await wide.getByText('Nia Park is now viewer.').waitFor();
    const users = async () => (await d.api('GET', '/users')).data.data as { email: string; role: string }[];
    expect((await users()).find((u) => u.email === 'nia@acme.test')!.role).toBe('viewer');

    const me = wide.getByTestId('team-member').filter({ hasText: d.owner.email });
    await me.getByLabel('Role of Owner').selectOption('manager');
    await me.getByText(LAST_OWNER).waitFor();
    expect(await me.getByLabel('Role of Owner').inputValue()).toBe('owner');
    await me.getByRole('button', { name: 'Remove' }).click();
    await wide.getByRole('dialog', { name: 'Remove Owner?' }).getByRole('button', { name: 'Remove' }).click();
    await me.getByText(LAST_OWNER).waitFor();
    expect((await users()).find((u) => u.email === d.owner.email)!.role).toBe('owner');
    await shootBoth('/settings/team', 'team', (p) => p.getByTestId('team-member').first().waitFor());
  }, 90_000);

  it('adds an endpoint, shows the delivery with its response code, and sends it again', async () => {
    await wide.goto(`${d.base}/app/settings/webhooks`);
    await wide.getByText('No webhook endpoints').waitFor();
    await wide.getByLabel('Endpoint URL').fill('ftp://nope');
    await wide.getByRole('button', { name: 'Add endpoint' }).click();
    await field(wide, 'Endpoint URL').getByRole('alert').waitFor();
    await wide.getByLabel('Endpoint URL').fill(hook.url);
    await wide.getByRole('button', { name: 'Add endpoint' }).click();
    const endpoint = wide.getByTestId('webhook-endpoint');
    await endpoint.waitFor();
    const secret = await endpoint.getByTestId('webhook-secret').innerText();
    expect(secret).toMatch(/^whsec_/);
    expect(await endpoint.innerText()).toContain('conversion.created');

    // A sale announces itself: conversion.created, refused once by the receiver (500).
    const offer = (
      await d.api('POST', '/offers', {
        name: 'Hooked',
        destinationUrl: 'https://shop.example.com/',
        payoutOptions: [{ title: 'F', type: 'fixed', value: '4.00' }],
      })
    ).data;
    const member = (await d.api('POST', '/members', { name: 'Dee' })).data;
    const code = (
      await d.api('POST', `/offers/${offer.id}/members`, {
        members: [{ memberId: member.id }],
        generateCodes: true,
        generateLinks: false,
      })
    ).data.members[0].codes[0].code as string;
    const postbackSecret = (await d.api('GET', '/workspace')).data.postbackSecret as string;
    const sale = await d.built.app.inject({
      url: `/postback?${new URLSearchParams({ secret: postbackSecret, code, order: 'HOOK-1', amount: '10.00' })}`,
    });
    expect(sale.statusCode, sale.body).toBeLessThan(300);
    expect(await dispatchWebhooks(d.built.ctx)).toBe(0);
    expect(hook.received.map((r) => r.event)).toEqual(['conversion.created']);

    await endpoint.getByRole('button', { name: 'Delivery log' }).click();
    const message = endpoint.getByTestId('webhook-message');
    await message.waitFor();
    expect(await message.getByTestId('webhook-response').innerText()).toBe('500');
    expect(await message.innerText()).toContain('Waiting to retry');

    await message.getByRole('button', { name: 'Send again' }).click();
    await wide.getByText('The message will be sent again within a minute.').waitFor();
    expect(await dispatchWebhooks(d.built.ctx)).toBe(1);
    expect(hook.received).toHaveLength(2);
    await endpoint.getByRole('button', { name: 'Refresh' }).click();
    await message.getByText('Delivered').waitFor();
    expect(await message.getByTestId('webhook-response').innerText()).toBe('200');
    // Both attempts, each with its response code.
    expect(await message.getByTestId('webhook-attempt').allInnerTexts()).toEqual([
      expect.stringMatching(/^500 [A-Z][a-z]{2} \d{1,2}, \d{4}/),
      expect.stringMatching(/^200 [A-Z][a-z]{2} \d{1,2}, \d{4}/),
    ]);
    expect(await message.getByRole('button', { name: 'Send again' }).count()).toBe(0);
    await shootBoth('/settings/webhooks', 'webhooks', async (p) => {
      await p.getByTestId('webhook-endpoint').waitFor();
      await p.getByRole('button', { name: 'Delivery log' }).click();
      await p.getByTestId('webhook-message').waitFor();
    });
  }, 90_000);

  it('shows a viewer the sections with no edit control and no secret in the HTML', async () => {
    const page = await signInInvited(d, 'phone');

    const secrets = [
      (await d.api('GET', '/workspace')).data.postbackSecret as string,
      ...((await d.api('GET', '/webhook-endpoints')).data.data as { secret: string }[]).map((e) => e.secret),
    ];
    expect(secrets.every((s) => s.length > 10)).toBe(true);
    const noSecret = async () => {
      const html = await page.content();
      for (const s of secrets) expect(html).not.toContain(s);
      expect(html).not.toContain('whsec_');
      expect(await page.locator('form').count()).toBe(0);
    };

    await page.goto(`${d.base}/app/settings/workspace`);
    await page.getByText('Asia/Tokyo').waitFor();
    await page.getByTestId('fx-rate').first().waitFor();
    expect(await bodyText(page)).toContain('14 days');
    expect(await page.getByRole('button', { name: /Save/ }).count()).toBe(0);
    await noSecret();
    await shot(page, 'viewer-workspace', 'phone');

    await page.goto(`${d.base}/app/settings/webhooks`);
    await page.getByTestId('webhook-endpoint').waitFor();
    await page.getByRole('button', { name: 'Delivery log' }).click();
    await page.getByTestId('webhook-message').waitFor();
    expect(await page.getByRole('button', { name: /Delete|Send again|Add endpoint/ }).count()).toBe(0);
    await noSecret();
    await shot(page, 'viewer-webhooks', 'phone');

    for (const path of ['team', 'api-keys']) {
      await page.goto(`${d.base}/app/settings/${path}`);
      await page.getByText(/Only owners manage/).waitFor();
      await noSecret();
    }
  }, 90_000);

  it('hit no script error and no alert() on any page', () => {
    expect(d.dialogs).toEqual([]);
    expect(d.pageErrors).toEqual([]);
  });
});
