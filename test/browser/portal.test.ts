// The creator portal end to end in a real browser (Debian's Chromium via playwright-core), at 1280 and 390 px:
// a member asks for a sign-in link, opens it from the outbox, sees their offers, links (copy, QR code, PNG download)
// and codes, builds a deep link (an allowed page works, another site is refused in words), reads their performance
// chart, commissions and payouts, and signs out. A second member's offers, links, codes and money never show on any
// portal page; used and expired links land on the sign-in page with an explanation.
// Screenshots go to test-results/portal-<page>-<desktop|phone>.png.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/core/passwords.js';
import { deliveredText, sendToOutbox } from '../helpers/outbox.js';
import { RESULTS, startDashboard, type Dashboard, type Width, noChromium } from './harness.js';

const AVA = { name: 'Ava Stone', email: 'ava@creators.test' };
const BO = { name: 'Bo Rivers', email: 'bo@creators.test' };
const LINK_RE = /http:\/\/tp\.test(\/p\/auth\?token=[A-Za-z0-9_-]{43})/;
const XSS_NAME = '<img src=x onerror=alert(1)>';
const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';
interface PortalPage {
  name: string;
  path: string;
  ready: string;
}
const PAGES: PortalPage[] = [
  { name: 'home', path: '/p', ready: 'Your links' },
  { name: 'performance', path: '/p/performance', ready: 'By offer' },
  { name: 'commissions', path: '/p/commissions', ready: 'Counted through' },
  { name: 'payouts', path: '/p/payouts', ready: 'Paid on' },
];

async function fitsWidth(page: Page): Promise<void> {
  const [scroll, client] = await page.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  );
  expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
}

const bodyText = (page: Page) => page.evaluate<string>('document.body.innerText');

describe.skipIf(noChromium)('the creator portal in a real browser (Chromium, SQLite)', () => {
  let d: Dashboard;
  let desktop: Page;
  const seed = {
    offer: '',
    ava: '',
    bo: '',
    avaLinks: [] as string[],
    avaCodes: [] as string[],
    boCodes: [] as string[],
    /** Text of Bo's and of generic rows that must never appear on Ava's pages. */
    foreign: [] as string[],
  };

  const shot = async (page: Page, name: string, width: Width) => {
    const file = path.join(RESULTS, `portal-${name}-${width}.png`);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: file, fullPage: true });
    expect(fs.statSync(file).size).toBeGreaterThan(2000);
  };
  const db = () => d.store.store.db;
  /** The sign-in links emailed to an address since a moment, as delivered into the outbox. */
  const emailedLinks = async (email: string, since: number): Promise<string[]> => {
    await sendToOutbox(d.built.ctx, d.store.dataDir);
    const rows = await db()
      .selectFrom('emails')
      .select('id')
      .where('kind', '=', 'magic_link')
      .where('to_address', '=', email)
      .where('created_at', '>=', since)
      .orderBy('created_at')
      .execute();
    return Promise.all(rows.map(async (r) => LINK_RE.exec(await deliveredText(d.store.dataDir, r.id))![1]!));
  };
  /** Asks for a link as the login page does and returns its path. */
  const linkFor = async (email: string): Promise<string> => {
    const since = Date.now() - 1;
    const res = await fetch(`${d.base}/api/portal/login-link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(res.status).toBe(202);
    const [link] = await emailedLinks(email, since);
    return link!;
  };
  /** Opens a page and waits until its data has loaded. */
  const visit = async (page: Page, p: PortalPage) => {
    await page.goto(`${d.base}${p.path}`);
    await page.getByText(p.ready, { exact: true }).first().waitFor();
  };

  beforeAll(async () => {
    d = await startDashboard();
    const ok = <T extends { statusCode: number; body: string }>(r: T, status = 201) => {
      expect(r.statusCode, r.body).toBe(status);
      return r;
    };
    const offer = async (name: string) =>
      ok(
        await d.api('POST', '/offers', {
          name,
          destinationUrl: 'https://shop.example.com/spring',
          holdDays: 30,
          endsAt: '2031-06-30T23:59:59.000Z',
          deepLinks: { allowCreators: true, extraDomains: ['blog.example.org'] },
          payoutOptions: [{ title: 'Standard', type: 'percent', value: '10' }],
        }),
      ).data.id as string;
    seed.offer = await offer('Spring sale');
    const boOffer = await offer('Bo only collab');
    const member = async (m: { name: string; email: string }) =>
      ok(await d.api('POST', '/members', m)).data.id as string;
    seed.ava = await member(AVA);
    seed.bo = await member(BO);
    const add = async (offerId: string, memberId: string) =>
      ok(
        await d.api('POST', `/offers/${offerId}/members`, {
          members: [{ memberId }],
          generateLinks: true,
          generateCodes: true,
          codePattern: '{NAME}{RAND4}',
        }),
        200,
      );
    await add(seed.offer, seed.ava);
    await add(seed.offer, seed.bo);
    await add(boOffer, seed.bo);
    const generic = ok(await d.api('POST', '/codes', { offerId: seed.offer, code: 'EVERYONE20' })).data.code as string;
    const genericLink = ok(await d.api('POST', '/links', { offerId: seed.offer })).data.slug as string;

    const list = async (p: string) => ok(await d.api('GET', p), 200).data.data as Record<string, string>[];
    const avaLinks = await list(`/links?memberId=${seed.ava}`);
    seed.avaLinks = avaLinks.map((l) => l.url!);
    seed.avaCodes = (await list(`/codes?memberId=${seed.ava}`)).map((c) => c.code!);
    const codeOf = async (memberId: string, offerId: string) =>
      (await list(`/codes?memberId=${memberId}&offerId=${offerId}`))[0]!.code!;

    // Two clicks on Ava's link, so her chart has clicks as well as orders.
    for (const ip of ['203.0.113.7', '203.0.113.8']) {
      const res = await d.built.app.inject({
        url: `/${avaLinks[0]!.slug}`,
        headers: { 'user-agent': UA },
        remoteAddress: ip,
      });
      expect(res.statusCode).toBe(302);
    }
    await d.built.tracking.flush();
    const secret = (await d.api('GET', '/workspace')).data.postbackSecret as string;
    const order = async (code: string, id: string, amount: string) => {
      const r = await d.built.app.inject({
        url: `/postback?${new URLSearchParams({ secret, code, order: id, amount })}`,
      });
      expect(r.statusCode, r.body).toBeLessThan(300);
    };
    const avaCode = await codeOf(seed.ava, seed.offer);
    // Bo's amounts are chosen so that none of them equals any total of Ava's.
    await order(avaCode, 'A-1', '100.00');
    await order(await codeOf(seed.bo, seed.offer), 'B-1', '777.00');
    await order(await codeOf(seed.bo, boOffer), 'B-2', '333.00');
    const commissionOf = async (memberId: string, amount: string) =>
      (await list(`/commissions?memberId=${memberId}`)).find((c) => c.amount === amount)!.id!;
    for (const [m, amount] of [
      [seed.ava, '10.00'],
      [seed.bo, '77.70'],
      [seed.bo, '33.30'],
    ] as const) {
      ok(
        await d.api('POST', `/commissions/${await commissionOf(m, amount)}/approve`, { reason: 'Early payment' }),
        200,
      );
    }
    ok(await d.api('POST', '/payout-batches', { currency: 'USD' }));
    await order(avaCode, 'A-2', '40.00');
    ok(
      await d.api('POST', `/commissions/${await commissionOf(seed.ava, '4.00')}/approve`, { reason: 'Early approval' }),
      200,
    );
    await order(avaCode, 'A-3', '60.00');
    ok(
      await d.api('POST', `/commissions/${await commissionOf(seed.ava, '6.00')}/reverse`, { reason: 'Returned' }),
      200,
    );
    await order(avaCode, 'A-4', '30.00');

    const boRows = [...(await list(`/links?memberId=${seed.bo}`)), ...(await list(`/codes?memberId=${seed.bo}`))];
    seed.boCodes = boRows.map((r) => r.code).filter(Boolean) as string[];
    seed.foreign = [
      BO.name,
      BO.email,
      'Bo only collab',
      generic,
      genericLink,
      `/${genericLink}`,
      ...boRows.flatMap((r) => [r.slug, r.code].filter(Boolean) as string[]),
      // Bo's commissions, sales and payout.
      '$77.70',
      '$33.30',
      '$111.00',
      '$777.00',
      '$333.00',
    ];
    expect(seed.foreign.length).toBeGreaterThan(10);
  }, 240_000);

  afterAll(async () => {
    await d?.close();
  });

  it('serves the portal at /p with its own build, while /p/auth stays the sign-in route', async () => {
    const res = await fetch(`${d.base}/p/commissions`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html).toContain('<title>Creator portal</title>');
    const asset = /src="(\/p\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    expect((await fetch(`${d.base}${asset}`)).headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    // The dashboard's build is not the portal's.
    expect(await (await fetch(`${d.base}/app/offers`)).text()).not.toContain('/p/assets/');

    const auth = await fetch(`${d.base}/p/auth?token=${'x'.repeat(43)}`, { redirect: 'manual' });
    expect(auth.status).toBe(302);
    expect(auth.headers.get('location')).toBe('/p/login?error=link_invalid');
  });

  it('asks for a sign-in link by email and answers the same whether or not the address is known', async () => {
    desktop = await d.open('desktop');
    await desktop.goto(`${d.base}/p`);
    await desktop.waitForURL(/\/p\/login$/);
    await desktop.getByRole('button', { name: 'Email me a sign-in link' }).waitFor();
    await shot(desktop, 'login', 'desktop');

    await desktop.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await desktop.getByText('Enter the email address the brand has for you').waitFor();

    const since = Date.now() - 1;
    const answers: string[] = [];
    for (const email of ['nobody@creators.test', AVA.email]) {
      await desktop.getByLabel('Email').fill(email);
      await desktop.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await desktop.getByRole('heading', { name: 'Check your email' }).waitFor();
      answers.push((await desktop.getByRole('status').innerText()).replace(email, '<email>'));
      if (email === AVA.email) await shot(desktop, 'login-sent', 'desktop');
      await desktop.getByRole('button', { name: 'Use another address or send again' }).click();
    }
    expect(answers[0]).toBe(answers[1]);
    expect(await emailedLinks('nobody@creators.test', since)).toEqual([]);
    expect(await emailedLinks(AVA.email, since)).toHaveLength(1);
  }, 60_000);

  it('signs in from the emailed link and shows the member their offer, payout, links, codes and QR codes', async () => {
    const [link] = await emailedLinks(AVA.email, 0);
    await desktop.goto(`${d.base}${link}`);
    await desktop.waitForURL(`${d.base}/p`);
    await desktop.getByRole('heading', { name: `Hi ${AVA.name}` }).waitFor();
    expect(await desktop.getByTestId('member-name').innerText()).toBe(AVA.name);
    const cookies = await desktop.context().cookies(d.base);
    expect(cookies.find((c) => c.name === 'tp_member')).toMatchObject({ httpOnly: true });

    const offers = desktop.getByTestId('offer');
    await expect.poll(() => offers.count()).toBe(1);
    const card = offers.first();
    await card.getByRole('heading', { name: /Spring sale/ }).waitFor();
    expect(await card.getByTestId('payout').innerText()).toBe('10% of each sale');
    expect(await card.innerText()).toContain('Ends Jun 30, 2031');
    for (const url of seed.avaLinks) await card.getByText(url, { exact: true }).waitFor();
    expect(await card.getByTestId('code').allInnerTexts()).toEqual(
      seed.avaCodes.map((c) => expect.stringContaining(c)),
    );

    // A QR code per link: a real PNG, also downloadable.
    const qr = card.locator(`img[alt="QR code for ${seed.avaLinks[0]}"]`);
    await qr.waitFor();
    const [src, natural] = await qr.evaluate(
      (img) =>
        [(img as unknown as { src: string }).src, (img as unknown as { naturalWidth: number }).naturalWidth] as const,
    );
    expect(src.startsWith('data:image/png;base64,')).toBe(true);
    expect(natural).toBe(512);
    const [download] = await Promise.all([
      desktop.waitForEvent('download'),
      card.getByRole('link', { name: 'Download QR (PNG)' }).first().click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^qr-[\w-]+\.png$/);
    const png = fs.readFileSync((await download.path())!);
    expect(png.subarray(1, 4).toString()).toBe('PNG');

    // Copying the link puts exactly the tracking URL on the clipboard.
    await card.getByRole('button', { name: `Copy link ${seed.avaLinks[0]}` }).click();
    await expect.poll(() => desktop.evaluate('navigator.clipboard.readText()')).toBe(seed.avaLinks[0]);
    await card.getByRole('button', { name: `Copy code ${seed.avaCodes[0]}` }).click();
    await expect.poll(() => desktop.evaluate('navigator.clipboard.readText()')).toBe(seed.avaCodes[0]);
    await shot(desktop, 'home', 'desktop');
  }, 60_000);

  it('builds a deep link to an allowed page and explains why another site is refused', async () => {
    const builder = desktop.getByTestId('deep-link-builder');
    expect(await builder.innerText()).toContain('shop.example.com');
    expect(await builder.innerText()).toContain('blog.example.org');
    const input = builder.getByLabel('Page on Spring sale’s site');

    await input.fill('https://evil.example.net/phish');
    await builder.getByRole('button', { name: 'Make my link' }).click();
    await builder
      .getByText('That page is not on a site this offer allows. Use a page on shop.example.com or blog.example.org.')
      .waitFor();
    expect(await builder.getByTestId('deep-link-url').count()).toBe(0);

    // A pasted address without https:// works too.
    await input.fill('blog.example.org/review');
    await builder.getByRole('button', { name: 'Make my link' }).click();
    const made = builder.getByTestId('deep-link-url');
    await made.waitFor();
    const url = await made.innerText();
    expect(url).toMatch(/^http:\/\/tp\.test\/[\w-]+$/);
    await builder.getByText('Goes to https://blog.example.org/review').waitFor();
    expect(await builder.getByText('That page is not on a site').count()).toBe(0);
    await builder.locator(`img[alt="QR code for ${url}"]`).waitFor();
    await builder.getByRole('button', { name: 'Copy link', exact: true }).click();
    await expect.poll(() => desktop.evaluate('navigator.clipboard.readText()')).toBe(url);
    // It joins the member's links, and the brand sees it as Ava's link.
    await desktop
      .getByTestId('link')
      .filter({ hasText: url })
      .getByText('Goes to https://blog.example.org/review')
      .waitFor();
    const links = (await d.api('GET', `/links?memberId=${seed.ava}`)).data.data as {
      url: string;
      deepLinkUrl: string | null;
    }[];
    expect(links.find((l) => l.url === url)?.deepLinkUrl).toBe('https://blog.example.org/review');
    await shot(desktop, 'home-deep-link', 'desktop');
  }, 60_000);

  it('charts the member’s performance and lists it by offer, by link and by code', async () => {
    await desktop.getByRole('link', { name: 'Performance' }).click();
    await desktop.getByRole('heading', { name: 'Performance', exact: true }).waitFor();
    await desktop.locator('.chart svg.recharts-surface').first().waitFor();
    await expect.poll(() => desktop.locator('.recharts-line').count()).toBe(4);
    const stats = await desktop.locator('.stats').innerText();
    expect(stats).toContain('Clicks');
    expect(stats).toMatch(/2\s*Clicks/);
    expect(stats).toMatch(/4\s*Orders/);
    const byOffer = desktop.getByTestId('by-offer');
    expect(await byOffer.locator('tbody tr').count()).toBe(1);
    expect(await byOffer.locator('tbody tr').innerText()).toContain('Spring sale');
    await shot(desktop, 'performance', 'desktop');

    // Which link and which code sell: her link has the two clicks; her code, the four orders.
    await desktop.getByRole('tab', { name: 'By link' }).click();
    await desktop.waitForURL(/\/p\/performance\?by=link$/);
    const byLink = desktop.getByTestId('by-link');
    await byLink.waitFor();
    const linkRows = await byLink.locator('tbody tr').allInnerTexts();
    expect(linkRows).toHaveLength(2);
    expect(linkRows.find((r) => r.includes(`/${new URL(seed.avaLinks[0]!).pathname.slice(1)}`))).toMatch(/\b2\b/);
    expect(linkRows.find((r) => r.includes('Orders with your code, no link'))).toContain('$230.00');
    await desktop.getByRole('tab', { name: 'By code' }).click();
    const byCode = desktop.getByTestId('by-code');
    await byCode.waitFor();
    expect(await byCode.locator('thead th').allInnerTexts()).toEqual(
      ['Code', 'Code uses', 'Sales', 'Commission'].map((h) => expect.stringMatching(new RegExp(`^${h}$`, 'i'))),
    );
    const codeRow = await byCode.locator('tbody tr').filter({ hasText: seed.avaCodes[0]! }).innerText();
    expect(codeRow).toMatch(/\b4\b/);
    expect(codeRow).toContain('$230.00');
    await shot(desktop, 'performance-by-code', 'desktop');
    await desktop.getByRole('tab', { name: 'By offer' }).click();
    await desktop.getByTestId('by-offer').waitFor();

    await desktop.getByRole('tab', { name: 'Last 7 days' }).click();
    await desktop.waitForURL(/\/p\/performance\?days=7$/);
    await expect.poll(() => desktop.locator('.subtitle').innerText()).toMatch(/ – /);
  }, 60_000);

  it('lists the member’s commissions with their status and amounts, and their payout', async () => {
    await desktop.getByRole('link', { name: 'Commissions' }).click();
    const table = desktop.getByTestId('commissions');
    await table.waitFor();
    const rows = table.locator('tbody tr');
    expect(await rows.count()).toBe(4);
    const text = await table.innerText();
    // The reversed $6.00 commission now reads $0.00: a commission is the sum of its ledger entries, and its receipt
    // shows the $6.00 earned and taken back.
    for (const s of [
      '$10.00',
      '$4.00',
      '$0.00',
      '$3.00',
      '$100.00',
      'Paid',
      'Approved',
      'Reversed',
      'Pending',
      'Your code',
    ])
      expect(text).toContain(s);
    expect(await rows.filter({ hasText: 'Reversed' }).innerText()).toContain('$0.00');
    await shot(desktop, 'commissions', 'desktop');

    await desktop.getByRole('tab', { name: 'Paid' }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain('$10.00');
    await desktop.getByRole('tab', { name: 'All' }).click();
    await expect.poll(() => rows.count()).toBe(4);

    await desktop.getByRole('link', { name: 'Payouts' }).click();
    const payouts = desktop.getByTestId('payouts');
    await payouts.waitFor();
    expect(await payouts.locator('tbody tr').count()).toBe(1);
    expect(await payouts.locator('tbody tr').innerText()).toContain('$10.00');
    await shot(desktop, 'payouts', 'desktop');
  }, 60_000);

  it('shows nothing of another member anywhere in the portal', async () => {
    for (const p of [
      ...PAGES,
      { ...PAGES[1]!, path: '/p/performance?days=90' },
      { ...PAGES[1]!, path: '/p/performance?days=90&by=link' },
      { ...PAGES[1]!, path: '/p/performance?days=90&by=code' },
      { ...PAGES[2]!, path: '/p/commissions?status=paid' },
    ]) {
      await visit(desktop, p);
      // The chart and lists are drawn from the data once it arrives; give the last request a moment to settle.
      await desktop.waitForLoadState('networkidle');
      const text = await bodyText(desktop);
      expect(text).toContain(AVA.name);
      for (const s of seed.foreign) expect(text, `${p.path} shows ${s}`).not.toContain(s);
      expect(await desktop.content()).not.toContain(seed.bo);
    }
    // The same check from Bo's side proves the strings above are ones the portal does show, to their owner.
    const bo = await d.open('desktop');
    await bo.goto(`${d.base}${await linkFor(BO.email)}`);
    await visit(bo, PAGES[0]!);
    await expect.poll(() => bo.getByTestId('offer').count()).toBe(2);
    const boText = await bodyText(bo);
    expect(seed.boCodes).toHaveLength(2);
    for (const s of [BO.name, 'Bo only collab', ...seed.boCodes]) expect(boText).toContain(s);
    for (const s of [AVA.name, ...seed.avaCodes, ...seed.avaLinks]) expect(boText).not.toContain(s);
    await bo.goto(`${d.base}/p/performance?by=code`);
    await bo.getByTestId('by-code').waitFor();
    const boByCode = await bodyText(bo);
    for (const s of [...seed.boCodes, '$777.00', '$333.00']) expect(boByCode).toContain(s);
    for (const s of seed.avaCodes) expect(boByCode).not.toContain(s);
    await bo.getByRole('button', { name: 'Sign out' }).click();
    await bo.waitForURL(/\/p\/login$/);
  }, 60_000);

  it('works at 390 px: the navigation folds behind a menu, and no page scrolls sideways', async () => {
    const phone = await d.open('phone');
    await phone.goto(`${d.base}/p/login?error=link_invalid`);
    await phone.getByTestId('link-error').waitFor();
    await fitsWidth(phone);
    await shot(phone, 'login', 'phone');
    await phone.goto(`${d.base}${await linkFor(AVA.email)}`);
    await phone.getByRole('heading', { name: `Hi ${AVA.name}` }).waitFor();
    const nav = phone.locator('#portal-nav');
    expect(await nav.isVisible()).toBe(false);
    await phone.getByRole('button', { name: 'Menu' }).click();
    expect(await nav.isVisible()).toBe(true);
    expect(await nav.innerText()).toContain(AVA.name);
    await phone.getByRole('link', { name: 'Commissions' }).click();
    await phone.getByTestId('commissions').waitFor();
    expect(await nav.isVisible()).toBe(false);

    for (const p of PAGES) {
      await visit(phone, p);
      if (p.name === 'performance') await phone.locator('.chart svg.recharts-surface').first().waitFor();
      if (p.name === 'home') await phone.locator('img[alt^="QR code for"]').first().waitFor();
      await fitsWidth(phone);
      await shot(phone, p.name, 'phone');
    }
    await phone.getByRole('button', { name: 'Menu' }).click();
    await shot(phone, 'menu', 'phone');
  }, 90_000);

  it('sends a used or an expired link to the sign-in page with an explanation', async () => {
    const page = await d.open('desktop');
    const [used] = await emailedLinks(AVA.email, 0);
    await page.goto(`${d.base}${used}`);
    await page.waitForURL(/\/p\/login\?error=link_invalid$/);
    expect(await page.getByTestId('link-error').innerText()).toContain(
      'This sign-in link has expired or was already used',
    );
    await shot(page, 'login-link-invalid', 'desktop');

    const expired = await linkFor(AVA.email);
    const token = new URL(expired, d.base).searchParams.get('token')!;
    const changed = await db()
      .updateTable('one_time_tokens')
      .set({ expires_at: Date.now() - 1 })
      .where('token_hash', '=', hashToken(token))
      .executeTakeFirst();
    expect(Number(changed.numUpdatedRows)).toBe(1);
    await page.goto(`${d.base}${expired}`);
    await page.waitForURL(/\/p\/login\?error=link_invalid$/);
    await page.getByText('This sign-in link has expired or was already used', { exact: false }).waitFor();
    expect(await page.context().cookies(d.base)).not.toContainEqual(expect.objectContaining({ name: 'tp_member' }));
  }, 60_000);

  it('says so in words when a member has no offer, commission or payout yet, and shows a name like an HTML tag as text', async () => {
    const cy = await d.api('POST', '/members', { name: XSS_NAME, email: 'cy@creators.test' });
    expect(cy.statusCode, cy.body).toBe(201);
    const page = await d.open('desktop');
    await page.goto(`${d.base}${await linkFor('cy@creators.test')}`);
    await page.getByRole('heading', { name: `Hi ${XSS_NAME}` }).waitFor();
    expect(await page.getByTestId('member-name').innerText()).toBe(XSS_NAME);
    expect(await page.locator('img[src="x"]').count()).toBe(0);
    const empty: Record<string, string> = {
      home: 'You are not on any offer yet',
      performance: 'No clicks or orders in these days',
      commissions: 'No commissions yet',
      payouts: 'No payouts yet',
    };
    for (const p of PAGES) {
      await page.goto(`${d.base}${p.path}`);
      await page.getByRole('heading', { name: empty[p.name]! }).waitFor();
      const text = await bodyText(page);
      for (const s of [AVA.name, 'Spring sale', ...seed.avaCodes, ...seed.foreign])
        expect(text, `${p.path} shows ${s}`).not.toContain(s);
      await shot(page, `empty-${p.name}`, 'desktop');
    }
    expect(d.dialogs).toEqual([]);
  }, 60_000);

  it('signs out: the session ends on the server, and the portal asks to sign in again', async () => {
    const session = (await desktop.context().cookies(d.base)).find((c) => c.name === 'tp_member')!.value;
    const me = () => fetch(`${d.base}/api/portal/me`, { headers: { cookie: `tp_member=${session}` } });
    expect((await me()).status).toBe(200);
    await desktop.goto(`${d.base}/p`);
    await desktop.getByRole('button', { name: 'Sign out' }).click();
    await desktop.waitForURL(/\/p\/login$/);
    expect((await me()).status).toBe(401);
    await desktop.goto(`${d.base}/p/commissions`);
    await desktop.waitForURL(/\/p\/login$/);
    expect(await bodyText(desktop)).not.toContain(AVA.name);
    expect(d.dialogs).toEqual([]);
    expect(d.pageErrors).toEqual([]);
  }, 60_000);
});
