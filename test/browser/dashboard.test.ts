// The brand dashboard end to end in a real browser (Debian's Chromium via playwright-core), at 1280 and 390 px:
// sign in with the printed one-time password, choose a password, create an offer with two payout options in the
// wizard, import three members from a CSV whose bad row is shown and fixed in the preview, add them to the offer
// with links and codes, copy a link, export and re-import the code roster, pause and resume; a member named like an
// HTML tag stays text. Screenshots of every page at both widths go to test-results/dashboard-*.png.
// The steps share one server and run in order (each builds on the one before).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/app/users.js';
import { startDashboard, type Dashboard, type Width } from './harness.js';

const XSS_NAME = '<img src=x onerror=alert(1)>';
const NEW_PASSWORD = 'correct horse battery staple';

/** No horizontal scrolling: the page fits the viewport (the 390 px promise). */
async function fitsWidth(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>('[document.documentElement.scrollWidth, document.documentElement.clientWidth]');
  expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
}

describe('the brand dashboard in a real browser (Chromium, SQLite)', () => {
  let d: Dashboard;
  let desktop: Page;
  let offerId = '';

  const shot = async (page: Page, name: string, width: Width) => {
    const file = await d.shot(page, name, width);
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };

  beforeAll(async () => {
    d = await startDashboard();
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('serves the app at /app with a strict content security policy and SPA fallback', async () => {
    const res = await fetch(`${d.base}/app/offers/anything`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    const asset = /src="(\/app\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const js = await fetch(`${d.base}${asset}`);
    expect(js.status).toBe(200);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('signs in with the one-time password and makes the owner choose a password (1280 px)', async () => {
    desktop = await d.open('desktop');
    await desktop.goto(`${d.base}/app`);
    await desktop.waitForURL(/\/app\/login/);
    await shot(desktop, 'login', 'desktop');

    await d.signIn(desktop, d.owner.email, 'not the password');
    await expect.poll(() => desktop.getByRole('alert').first().textContent()).toContain('email and password do not match');

    await d.signIn(desktop, d.owner.email, d.owner.password);
    await desktop.getByRole('heading', { name: 'Choose your own password' }).waitFor();
    await shot(desktop, 'change-password', 'desktop');
    await desktop.getByLabel('One-time password').fill(d.owner.password);
    await desktop.getByLabel('New password', { exact: true }).fill('short');
    await desktop.getByLabel('Repeat the new password').fill('short');
    await desktop.getByRole('button', { name: 'Save password' }).click();
    await desktop.getByText('Use at least 10 characters.').waitFor();
    await desktop.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
    await desktop.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
    await desktop.getByRole('button', { name: 'Save password' }).click();

    await desktop.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    expect(new URL(desktop.url()).pathname).toBe('/app/offers');
    await desktop.getByText('No offers yet').waitFor();
    await shot(desktop, 'offers-empty', 'desktop');
    const cookies = await desktop.context().cookies(d.base);
    expect(cookies.find((c) => c.name === 'tp_session')).toMatchObject({ httpOnly: true });
    expect(cookies.find((c) => c.name === 'tp_csrf')).toMatchObject({ httpOnly: false });
  }, 60_000);

  it('creates an offer with two payout options through the three-step wizard', async () => {
    const page = desktop;
    await page.getByRole('link', { name: 'Create your first offer' }).click();
    await page.getByRole('heading', { name: 'New offer', exact: true }).waitFor();

    // Step 1: details. "Next" checks before moving on.
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Give the offer a name.').waitFor();
    await page.getByLabel('Offer name').fill('Glow Serum launch');
    await page.getByLabel('Destination URL').fill('https://shop.example.com/glow');
    await page.getByLabel('Currency').fill('usd');
    await shot(page, 'wizard-1-details', 'desktop');
    await page.getByRole('button', { name: 'Next' }).click();

    // Step 2: tracking and commission, with a second payout option (fixed, with a volume tier).
    await page.getByRole('heading', { name: 'Tracking and commission', exact: true }).waitFor();
    const options = page.getByTestId('payout-option');
    await options.nth(0).getByLabel('Percent', { exact: true }).fill('10');
    await page.getByRole('button', { name: '+ Add a payout option' }).click();
    await expect.poll(() => options.count()).toBe(2);
    const second = options.nth(1);
    await second.getByLabel('Creators earn').selectOption('fixed');
    await second.getByLabel('Amount (USD)', { exact: true }).fill('5.00');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Give the option a title creators will see, e.g. Standard.').waitFor();
    await second.getByLabel('Title').fill('Flat fee');
    await second.getByRole('button', { name: '+ Add a volume tier' }).click();
    await second.getByLabel('From conversion no.').fill('20');
    await second.getByLabel('Amount (USD)').nth(1).fill('7.50');
    await shot(page, 'wizard-2-tracking', 'desktop');
    await page.getByRole('button', { name: 'Next' }).click();

    // Step 3: settings, with a dynamic UTM value.
    await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
    await page.getByRole('button', { name: '+ Add a parameter' }).click();
    const utm = page.getByTestId('utm-row').last();
    await utm.getByLabel('Parameter', { exact: true }).fill('utm_term');
    await utm.getByLabel('Insert a dynamic value into utm_term').selectOption('{creator_ig_username}');
    await page.getByLabel('Other allowed domains').fill('blog.example.com');
    await shot(page, 'wizard-3-settings', 'desktop');
    await page.getByRole('button', { name: 'Create offer' }).click();

    await page.waitForURL(/\/app\/offers\/off_/);
    offerId = /off_[0-9a-z]{26}/.exec(page.url())![0];
    await page.getByText('No members on this offer yet').waitFor();
    const offer = (await d.api('GET', `/offers/${offerId}`)).data;
    expect(offer).toMatchObject({ name: 'Glow Serum launch', currency: 'USD', destinationUrl: 'https://shop.example.com/glow', status: 'active' });
    expect(offer.utm).toMatchObject({ utm_source: 'touchpoint', utm_term: '{creator_ig_username}' });
    expect(offer.deepLinks.extraDomains).toEqual(['blog.example.com']);
    expect(offer.payoutOptions).toEqual([
      expect.objectContaining({ title: 'Standard', type: 'percent', value: '10', default: true, tiers: [] }),
      expect.objectContaining({ title: 'Flat fee', type: 'fixed', value: '5.00', default: false, tiers: [{ fromConversion: 20, value: '7.50' }] }),
    ]);
    await shot(page, 'offer-empty', 'desktop');
  }, 60_000);

  it('imports three members from a CSV: the bad row is shown with its error, fixed in the preview, imported', async () => {
    const page = desktop;
    await page.getByRole('link', { name: 'Members', exact: true }).click();
    await page.getByText('No members yet').waitFor();
    await shot(page, 'members-empty', 'desktop');
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const csv = `name,email,instagram,reach,project\r\nAnna Lee,anna@example.com,@anna.lee,12000,Spring team\r\n"${XSS_NAME}",img@example.com,,,Spring team\r\nBen Ortiz,ben-at-example.com,@benortiz,"8,500",Spring team\r\n`;
    await page.locator('input[type=file]').setInputFiles({ name: 'creators.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    const dialog = page.getByRole('dialog', { name: 'Import members' });
    await dialog.getByText('3 rows', { exact: true }).waitFor();
    await dialog.getByRole('button', { name: 'Import 3 rows' }).click();

    // Nothing imported; line 4 (Ben) is marked with the server's reason.
    const bad = dialog.locator('tr[data-line="4"]');
    await bad.getByText('"ben-at-example.com" is not an email address.').waitFor();
    await dialog.getByText('1 with problems').waitFor();
    expect((await d.api('GET', '/members')).data.data).toHaveLength(0);
    await shot(page, 'members-import-error', 'desktop');

    await bad.getByLabel('Row 4, email').fill('ben@example.com');
    await dialog.getByRole('button', { name: 'Import 3 rows' }).click();
    await page.getByText('Imported: 3 new members, 0 updated.').waitFor();
    await page.getByRole('cell', { name: /Ben Ortiz/ }).waitFor();

    const members = (await d.api('GET', '/members')).data.data as { name: string; email: string; reach: number | null }[];
    expect(members.map((m) => m.name).sort()).toEqual(['Anna Lee', 'Ben Ortiz', XSS_NAME].sort());
    expect(members.find((m) => m.name === 'Ben Ortiz')).toMatchObject({ email: 'ben@example.com', reach: 8500 });
    // The member typed HTML; it is shown as text and never becomes an element.
    await page.getByText(XSS_NAME, { exact: true }).waitFor();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await shot(page, 'members', 'desktop');

    await page.getByLabel('Search members').fill('ortiz');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Search members').fill('nobody-like-this');
    await page.getByText('No member matches').waitFor();
  }, 60_000);

  it('adds the three members to the offer with links and codes, one on the second payout option; copies a link', async () => {
    const page = desktop;
    await page.goto(`${d.base}/app/offers/${offerId}`);
    await page.getByRole('button', { name: 'Add members' }).first().click();
    const dialog = page.getByRole('dialog', { name: /Add members to/ });
    for (const name of ['Anna Lee', 'Ben Ortiz', XSS_NAME]) await dialog.getByLabel(name, { exact: false }).check();
    await expect.poll(() => dialog.getByTestId('picked-member').count()).toBe(3);
    // Options are listed as on the offer: Standard, then Flat fee.
    await dialog.getByTestId('picked-member').filter({ hasText: 'Ben Ortiz' }).getByLabel('Payout').selectOption({ index: 1 });
    await dialog.getByLabel('Deep link (optional)').first().fill('https://blog.example.com/glow-review');
    await expect.poll(() => dialog.getByLabel('A tracking link for each member').isChecked()).toBe(true);
    await expect.poll(() => dialog.getByLabel('A personal promo code for each member').isChecked()).toBe(true);
    await shot(page, 'offer-add-members', 'desktop');
    await dialog.getByRole('button', { name: 'Add 3 members' }).click();
    await page.getByText(/3 members added: 3 links and 3 codes created\./).waitFor();

    const listed = (await d.api('GET', `/offers/${offerId}/members`)).data.data as { member: { name: string }; payoutOptionId: string; links: { url: string; deepLinkUrl: string | null }[]; codes: { code: string }[] }[];
    const offer = (await d.api('GET', `/offers/${offerId}`)).data;
    const flat = offer.payoutOptions.find((p: { title: string }) => p.title === 'Flat fee').id;
    expect(listed).toHaveLength(3);
    for (const m of listed) {
      expect(m.links).toHaveLength(1);
      expect(m.codes).toHaveLength(1);
      expect(m.payoutOptionId === flat).toBe(m.member.name === 'Ben Ortiz');
    }
    expect(listed.filter((m) => m.links[0]!.deepLinkUrl === 'https://blog.example.com/glow-review')).toHaveLength(1);

    // Each row shows the member's link and code; the HTML-looking name is text here too.
    const anna = listed.find((m) => m.member.name === 'Anna Lee')!;
    const row = page.locator('tr', { hasText: 'Anna Lee' });
    await row.getByText(anna.codes[0]!.code).waitFor();
    const copy = row.getByRole('button', { name: 'Copy Anna Lee’s link' });
    await copy.click();
    await expect.poll(() => copy.textContent()).toMatch(/^Copied/);
    expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(anna.links[0]!.url);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    await page.locator('tr', { hasText: XSS_NAME }).waitFor();
    await shot(page, 'offer', 'desktop');

    // Email the one ticked member their link and code.
    await row.getByRole('checkbox', { name: 'Select Anna Lee' }).check();
    await page.getByRole('button', { name: 'Email 1 selected' }).click();
    const email = page.getByRole('dialog', { name: 'Email members their links and codes' });
    await email.getByText('Sends the 1 selected member an email').waitFor();
    await email.getByLabel('Your note (optional)').fill('Thanks for joining the launch!');
    await shot(page, 'offer-email', 'desktop');
    await email.getByRole('button', { name: 'Send emails' }).click();
    await page.getByText('Emails are on their way to 1 member.').waitFor();
    const sent = (await d.api('GET', '/emails')).data.data as { to: string }[];
    expect(sent.map((e) => e.to)).toEqual(['anna@example.com']);
  }, 60_000);

  it('exports the code roster, and imports it back after showing a bad code', async () => {
    const page = desktop;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export codes (CSV)' }).click()]);
    const file = await download.path();
    const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    const [header, ...lines] = text.trim().split(/\r?\n/);
    expect(header).toBe('member_id,name,email,instagram,tiktok,current_code,new_code');
    expect(lines).toHaveLength(3);
    const annaLine = lines.findIndex((l) => l.includes('Anna Lee'));
    const filled = lines.map((l, i) => (i === annaLine ? `${l}X` : l)); // "X": a code too short to be valid
    const roster = path.join(path.dirname(file), 'roster.csv');
    fs.writeFileSync(roster, [header, ...filled].join('\r\n'));

    await page.getByRole('button', { name: 'Import codes' }).click();
    const dialog = page.getByRole('dialog', { name: 'Import promo codes' });
    await dialog.locator('input[type=file]').setInputFiles(roster);
    await dialog.getByRole('button', { name: 'Import 3 rows' }).click();
    const line = annaLine + 2;
    await dialog.locator(`tr[data-line="${line}"]`).getByText('A code is 3 to 32 letters, digits, "-" or "_".').waitFor();
    await shot(page, 'roster-import-error', 'desktop');
    await dialog.getByLabel(`Row ${line}, new_code`).fill('ANNA-GLOW');
    await dialog.getByRole('button', { name: 'Import 3 rows' }).click();
    await page.getByText('1 code assigned.').waitFor();
    await page.locator('tr', { hasText: 'Anna Lee' }).getByText('ANNA-GLOW').waitFor();
    const codes = (await d.api('GET', `/codes?offerId=${offerId}&status=active`)).data.data as { code: string }[];
    expect(codes.map((c) => c.code)).toContain('ANNA-GLOW');
  }, 60_000);

  it('pauses and resumes the offer after a confirmation', async () => {
    const page = desktop;
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Pause this offer?' });
    await confirm.getByText('clicks and sales are not credited').waitFor();
    await shot(page, 'offer-pause-confirm', 'desktop');
    await confirm.getByRole('button', { name: 'Pause offer' }).click();
    await page.getByText('This offer is paused').waitFor();
    expect((await d.api('GET', `/offers/${offerId}`)).data.status).toBe('paused');
    await page.getByRole('button', { name: 'Resume', exact: true }).click();
    await page.getByRole('dialog', { name: 'Resume this offer?' }).getByRole('button', { name: 'Resume offer' }).click();
    await expect.poll(async () => (await d.api('GET', `/offers/${offerId}`)).data.status).toBe('active');

    await page.getByRole('link', { name: 'Offers', exact: true }).click();
    await page.locator('tr', { hasText: 'Glow Serum launch' }).getByText('Active').waitFor();
    await shot(page, 'offers', 'desktop');
  }, 60_000);

  it('edits the offer: a new rate for the default payout option and an end date (a day in the workspace zone)', async () => {
    const page = desktop;
    // The browser is in New York; the end date is a day on the workspace's clock.
    expect((await d.api('PATCH', '/workspace', { timezone: 'Europe/Paris' })).statusCode).toBe(200);
    await page.locator('tr', { hasText: 'Glow Serum launch' }).getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit “Glow Serum launch”' }).waitFor();
    expect(await page.getByLabel('Offer name').inputValue()).toBe('Glow Serum launch');
    await page.getByRole('button', { name: /Tracking and commission/ }).click();
    await page.getByTestId('payout-option').nth(0).getByLabel('Percent', { exact: true }).fill('12.5');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('End date (optional)').fill('2031-12-31');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Changes saved. New payout rates apply to conversions from now on.').waitFor();
    await page.getByText('ends Dec 31, 2031').waitFor();
    const offer = (await d.api('GET', `/offers/${offerId}`)).data;
    expect(offer.payoutOptions.map((p: { title: string; value: string }) => [p.title, p.value])).toEqual([['Standard', '12.5'], ['Flat fee', '5.00']]);
    expect(offer.endsAt).toBe('2031-12-31T22:59:59.999Z');
  }, 60_000);

  it('works at 390 px: menu, offers, offer, wizard, members and import, without sideways scrolling', async () => {
    const phone = await d.open('phone');
    await d.signIn(phone, d.owner.email, NEW_PASSWORD);
    await phone.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    await shot(phone, 'offers', 'phone');
    await fitsWidth(phone);

    // The navigation is folded behind the menu button.
    expect(await phone.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    await phone.getByRole('button', { name: 'Menu' }).click();
    await phone.getByRole('navigation', { name: 'Main' }).waitFor();
    await shot(phone, 'menu-open', 'phone');
    await phone.getByRole('link', { name: 'Members' }).click();
    await phone.getByRole('heading', { name: 'Members', exact: true }).waitFor();
    expect(await phone.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
    await phone.getByText(XSS_NAME, { exact: true }).waitFor();
    await fitsWidth(phone);
    await shot(phone, 'members', 'phone');
    await phone.getByRole('button', { name: 'Import', exact: true }).click();
    await phone.locator('input[type=file]').setInputFiles({ name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from('name,email\r\n,nobody@example.com\r\nCara Diaz,cara@example.com\r\n') });
    await phone.locator('tr[data-line="2"]').getByText('A member needs a name.').waitFor();
    await phone.getByRole('list', { name: 'Rows with problems' }).getByText('Row 2: A member needs a name.').waitFor();
    expect(await phone.getByRole('button', { name: 'Import 2 rows' }).isDisabled()).toBe(true);
    await shot(phone, 'members-import-error', 'phone');
    await phone.getByRole('button', { name: 'Cancel' }).click();

    await phone.goto(`${d.base}/app/offers/${offerId}`);
    await phone.locator('tr', { hasText: 'Anna Lee' }).waitFor();
    await fitsWidth(phone);
    await shot(phone, 'offer', 'phone');
    await phone.getByRole('button', { name: 'Add members' }).click();
    await phone.getByRole('dialog', { name: /Add members to/ }).getByLabel('Ben Ortiz', { exact: false }).check();
    await shot(phone, 'offer-add-members', 'phone');
    await phone.getByRole('button', { name: 'Cancel' }).click();

    await phone.goto(`${d.base}/app/offers/new`);
    await phone.getByLabel('Offer name').fill('Phone offer');
    await phone.getByLabel('Destination URL').fill('https://shop.example.com/phone');
    await shot(phone, 'wizard-1-details', 'phone');
    await phone.getByRole('button', { name: 'Next' }).click();
    await phone.getByRole('heading', { name: 'Tracking and commission', exact: true }).waitFor();
    await fitsWidth(phone);
    await shot(phone, 'wizard-2-tracking', 'phone');
    await phone.getByRole('button', { name: 'Next' }).click();
    await phone.getByText('Enter a value.').waitFor();
    await phone.getByTestId('payout-option').getByLabel('Percent', { exact: true }).fill('12.5');
    await phone.getByRole('button', { name: 'Next' }).click();
    await fitsWidth(phone);
    await shot(phone, 'wizard-3-settings', 'phone');
    await phone.getByRole('button', { name: 'Create offer' }).click();
    await phone.waitForURL(/\/app\/offers\/off_/);

    // Signed in, the sign-in page sends you on; the password page is one menu item away.
    await phone.goto(`${d.base}/app/login`);
    await phone.waitForURL(/\/app\/offers$/);
    await phone.goto(`${d.base}/app/account/password`);
    await phone.getByRole('heading', { name: 'Change your password' }).waitFor();
    await shot(phone, 'change-password', 'phone');
    await phone.goto(`${d.base}/app/offers/${offerId}`);
    await phone.getByRole('button', { name: 'Email members' }).click();
    await shot(phone, 'offer-email', 'phone');
    await phone.getByRole('button', { name: 'Cancel' }).click();
    const fresh = await d.open('phone');
    await fresh.goto(`${d.base}/app/login`);
    await shot(fresh, 'login', 'phone');
  }, 90_000);

  it('a viewer set up from an invitation link sees everything and can change nothing', async () => {
    const invited = await createUser(d.built.ctx, { workspaceId: d.workspaceId, actor: 'test' }, { email: 'viewer@acme.test', name: 'Vera Viewer', role: 'viewer' });
    if (!invited.ok) throw new Error(invited.problem.message);
    const setupPath = `${new URL(invited.value.setupUrl).pathname}${new URL(invited.value.setupUrl).search}`;
    const phone = await d.open('phone');
    await phone.goto(`${d.base}${setupPath}`);
    await phone.getByText('Choose a password to finish setting up your account.').waitFor();
    await shot(phone, 'setup', 'phone');
    const page = await d.open('desktop');
    await page.goto(`${d.base}${setupPath}`);
    await page.getByText('Choose a password to finish setting up your account.').waitFor();
    await shot(page, 'setup', 'desktop');
    await page.getByLabel('New password').fill('viewer password 1');
    await page.getByLabel('Repeat the password').fill('viewer password 1');
    await page.getByRole('button', { name: 'Save and sign in' }).click();
    await page.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    await page.getByText('Glow Serum launch').waitFor();
    expect(await page.getByRole('link', { name: 'New offer' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    await page.getByText('Glow Serum launch').click();
    await page.locator('tr', { hasText: 'Anna Lee' }).waitFor();
    expect(await page.getByRole('button', { name: 'Add members' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Import codes' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/app\/login/);
  }, 60_000);

  it('never ran member-typed HTML and hit no script error on any page', () => {
    expect(d.dialogs).toEqual([]);
    expect(d.pageErrors).toEqual([]);
  });
});
