// Settings → Tracking setup in a real browser at 1440 and 390 px. As the owner: the postback secret is shown, the
// builder's URL (copied with its button, read back from the clipboard) sent over real HTTP records a credited test
// order, the signed examples carry the secret and the built order, and saving Shopify's signing secret flips the
// section to "Connected" (and disconnecting back). As a viewer: every section, and the secret nowhere in the HTML.
// No horizontal page overflow at 390 px. Screenshots go to test-results/dashboard-settings-tracking-*.png.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noChromium, signInFirstTime, startDashboard, type Dashboard, type Width, signInInvited } from './harness.js';

const PASSWORD = 'correct horse battery staple';
// The server's configured public address (BASE_URL), which the page's URLs are written with.
const PUBLIC_BASE = 'http://tp.test';

async function fitsWidth(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  );
  expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
}

describe.skipIf(noChromium)('Settings → Tracking setup in a real browser (Chromium, SQLite)', () => {
  let d: Dashboard;
  let secret = '';
  let offerId = '';
  let code = '';

  const shot = async (page: Page, name: string, width: Width) => {
    const file = await d.shot(page, name, width);
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };
  const openSettings = async (page: Page) => {
    await page.getByRole('link', { name: 'Settings' }).first().click();
    await page.getByRole('heading', { name: '1. Server postback' }).waitFor();
  };
  const snippet = (page: Page, what: string) => page.getByLabel(what, { exact: true }).textContent();
  const conversion = (orderId: string) =>
    d.store.store.db
      .selectFrom('conversions')
      .select(['status', 'is_test', 'amount_minor', 'decision'])
      .where('order_id', '=', orderId)
      .executeTakeFirst();

  beforeAll(async () => {
    d = await startDashboard();
    secret = (await d.api('GET', '/workspace')).data.postbackSecret;
    offerId = (
      await d.api('POST', '/offers', {
        name: 'Glow Serum',
        destinationUrl: 'https://shop.example.com/glow',
        currency: 'EUR',
        payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
      })
    ).data.id;
    const m = await d.api('POST', '/members', { name: 'Marie' });
    const added = await d.api('POST', `/offers/${offerId}/members`, {
      members: [{ memberId: m.data.id }],
      generateCodes: true,
      codePattern: 'MARIE{RAND4}',
    });
    code = added.data.members[0].codes[0].code;
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('shows the owner the secret, and the built URL, copied and sent, records a credited test order', async () => {
    const page = await d.open('wide');
    await signInFirstTime(d, page, PASSWORD);
    await openSettings(page);
    expect(await snippet(page, 'postback secret')).toBe(secret);

    const builder = page.getByTestId('postback-builder');
    // Codes are picked by whose they are.
    await expect
      .poll(() => builder.getByLabel('Promo code').locator('option').first().textContent())
      .toBe(`${code} — Marie`);
    await builder.getByLabel('Order id').fill('BROWSER-1');
    await builder.getByLabel('Amount').fill('64.00');
    await expect.poll(() => snippet(page, 'built postback URL')).toContain('order=BROWSER-1');
    const shown = (await snippet(page, 'built postback URL'))!;
    expect(shown).toContain(`code=${code}`);
    expect(shown).toContain(`offer=${offerId}`);

    await page.getByRole('button', { name: 'Copy built postback URL' }).click();
    await page.getByRole('button', { name: 'Copy built postback URL' }).getByText('Copied').first().waitFor();
    const pasted = await page.evaluate<string>('navigator.clipboard.readText()');
    expect(pasted).toBe(shown);
    expect(pasted.startsWith(`${PUBLIC_BASE}/postback?`)).toBe(true);
    const res = await fetch(d.base + pasted.slice(PUBLIC_BASE.length));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ credited: true, test: true });
    const recorded = await conversion('BROWSER-1');
    expect(recorded).toMatchObject({ status: 'credited', is_test: 1, amount_minor: 6400 });

    // The signed examples are written for the same order, with the real secret.
    await page.getByRole('tab', { name: 'Python' }).click();
    const python = (await snippet(page, 'postback.py example'))!;
    expect(python).toContain(`secret = "${secret}"`);
    expect(python).toContain('"order": "BROWSER-1"');
    expect(await page.getByRole('link', { name: /see your test conversions/ }).getAttribute('href')).toBe(
      '/app/tracking-check',
    );
    expect(d.pageErrors).toEqual([]);
  }, 90_000);

  it('connects Shopify with its signing secret, and disconnects it; connects WooCommerce and Stripe', async () => {
    const page = await d.open('wide');
    await d.signIn(page, d.owner.email, PASSWORD);
    await page.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    await openSettings(page);
    await shot(page, 'settings-tracking', 'wide');
    const status = page.getByTestId('shopify-status');
    expect(await status.textContent()).toBe('Not connected');
    const shopify = page.getByRole('region', { name: '4. Shopify' });
    // Shopify stores are pointed to the Shopify app, where script tags stop running.
    expect(await shopify.getByTestId('shopify-app-note').textContent()).toContain('docs/shopify-app.md');
    await shopify.getByLabel('Shopify signing secret').fill('shpss_browser_secret');
    await shopify.getByRole('button', { name: 'Connect' }).click();
    await page.getByTestId('shopify-status').getByText('Connected', { exact: true }).waitFor();
    expect((await d.api('GET', '/workspace')).data.shopifyConnected).toBe(true);
    expect(await page.content()).not.toContain('shpss_browser_secret');

    await shopify.getByRole('button', { name: 'Disconnect' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await page.getByTestId('shopify-status').getByText('Not connected').waitFor();
    expect((await d.api('GET', '/workspace')).data.shopifyConnected).toBe(false);

    // WooCommerce the same way; the delivery URL shown is the one the workspace answers.
    const woo = page.getByRole('region', { name: '5. WooCommerce' });
    expect(await woo.getByTestId('woocommerce-status').textContent()).toBe('Not connected');
    expect(await woo.locator('pre').first().textContent()).toBe(
      (await d.api('GET', '/workspace')).data.woocommerceWebhookUrl,
    );
    await woo.getByLabel('WooCommerce signing secret').fill('wc_browser_secret');
    await woo.getByRole('button', { name: 'Connect' }).click();
    await woo.getByTestId('woocommerce-status').getByText('Connected', { exact: true }).waitFor();
    expect((await d.api('GET', '/workspace')).data.woocommerceConnected).toBe(true);
    expect(await page.content()).not.toContain('wc_browser_secret');

    // Stripe: the endpoint URL, the events to select, the Checkout snippet, and the write-only signing secret.
    const stripe = page.getByRole('region', { name: '6. Stripe' });
    expect(await stripe.getByTestId('stripe-status').textContent()).toBe('Not connected');
    expect(await stripe.locator('pre').first().textContent()).toBe(
      (await d.api('GET', '/workspace')).data.stripeWebhookUrl,
    );
    expect(await stripe.textContent()).toContain('customer.subscription.deleted');
    expect(await stripe.locator('pre').nth(2).textContent()).toContain('client_reference_id: req.body.tpClick');
    await stripe.getByLabel('Stripe signing secret').fill('whsec_browserSecret123');
    await stripe.getByRole('button', { name: 'Connect' }).click();
    await stripe.getByTestId('stripe-status').getByText('Connected', { exact: true }).waitFor();
    expect((await d.api('GET', '/workspace')).data.stripeConnected).toBe(true);
    expect(await page.content()).not.toContain('whsec_browserSecret123');
    expect(d.pageErrors).toEqual([]);
  }, 60_000);

  it('fits a 390 px phone: code scrolls inside its box, never the page', async () => {
    const phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, PASSWORD);
    await phone.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    await phone.goto(`${d.base}/app/settings`);
    await phone.getByRole('heading', { name: '1. Server postback' }).waitFor();
    await fitsWidth(phone);
    // The long lines are really there, and their boxes scroll instead.
    const overflowing = await phone.evaluate<number>(
      "[...document.querySelectorAll('.snippet-code')].filter((e) => e.scrollWidth > e.clientWidth).length",
    );
    expect(overflowing).toBeGreaterThan(0);
    await shot(phone, 'settings-tracking', 'phone');
    expect(d.pageErrors).toEqual([]);
  }, 60_000);

  it('shows a viewer every section and no secret anywhere in the page', async () => {
    const page = await signInInvited(d, 'phone');
    // On a phone the navigation is folded away: the page is opened by its address, as a shared link would.
    await page.goto(`${d.base}/app/settings`);
    await page.getByRole('heading', { name: '1. Server postback' }).waitFor();
    for (const title of [
      '2. Signed postback',
      '3. JavaScript tag or pixel',
      '4. Shopify',
      '5. WooCommerce',
      '6. Stripe',
      '7. Moving from TUNE',
    ])
      await page.getByRole('heading', { name: title }).waitFor();
    await page.getByTestId('secret-hidden').waitFor();
    await page.getByRole('tab', { name: 'PHP' }).click();
    expect(await snippet(page, 'postback.php example')).toContain("$secret = 'YOUR_POSTBACK_SECRET';");
    expect(await page.getByLabel('Shopify signing secret').count()).toBe(0);
    expect(await page.getByLabel('WooCommerce signing secret').count()).toBe(0);
    expect(await page.getByLabel('Stripe signing secret').count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    await fitsWidth(page);
    await shot(page, 'settings-tracking-viewer', 'phone');
    expect(d.pageErrors).toEqual([]);
  }, 60_000);
});
