// The whole journey of a program in one real browser (Debian's Chromium via playwright-core), Touchpoint on SQLite on
// loopback, email over SMTP to a real server on 127.0.0.1, at 1280 and 390 px. A marketer signs in with the printed
// one-time password and chooses a password, creates an offer with three payout options in the wizard, imports four
// members from a CSV whose bad row is shown and fixed in the preview (one is named like an HTML tag and stays text),
// adds them with links and codes (one on the VIP option, one on a fixed fee with a deep link), copies a link and
// emails them; each member gets their own link and code and no one else's. The code roster is exported and imported
// back, the offer paused and resumed. A visitor clicks one creator's link, buys on a brand's shop that reports the
// order with the JavaScript tag, another creator's sale arrives by postback, and the marketer sees the sales in
// Reports. The creator signs in to the portal with the magic link from their email and sees their sale, not the
// other creator's. Then the offer is edited, and a viewer invited by link can see everything and change nothing.
// Screenshots of every page at both widths go to test-results/journey-*.png.
// The steps share one server and run in order (each builds on the one before).
//
// Names and origins: the installation's public URL (BASE_URL) is http://tp.test, so links and emails carry it; on
// this machine it answers on loopback, and the test swaps the origin as DNS would (`onLoopback`). The shop runs on
// http://localhost:<port>, another site than Touchpoint's 127.0.0.1, as a brand's domain is.
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchEmails } from '../../src/app/emails.js';
import { loadConfig } from '../../src/config.js';
import { createMailTransport } from '../../src/email/transport.js';
import {
  choosePassword,
  invitedSetupPath,
  noChromium,
  RESULTS,
  startDashboard,
  WIDTHS,
  type Dashboard,
  type Width,
} from './harness.js';

const PASSWORD = 'correct horse battery staple';
// Chromium calls itself HeadlessChrome, which Touchpoint rightly counts as a bot: the shopper has a desktop Chrome.
const DESKTOP_CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
const TAG_READY = "typeof window.touchpoint?.conversion === 'function'";
const SALES_COLOR = '#d97706'; // the Sales line of the Reports trend chart
const XSS_NAME = '<img src=x onerror=alert(1)>';

const CREATORS = [
  { name: 'Ana Lopez', email: 'ana@creators.test', instagram: '@ana.glow' },
  { name: 'Ben Ode', email: 'ben@creators.test', instagram: '@ben.ode' },
  { name: 'Cleo Park', email: 'cleo@creators.test', instagram: '@cleopark' },
] as const;
/** Everyone on the offer: the creators, and a member who typed HTML as their name (it must stay text). */
const MEMBERS = [...CREATORS, { name: XSS_NAME, email: 'img@example.com', instagram: '' }] as const;
/** Ana is on the VIP option (15 %); her visitor's order of 60.00 earns her 9.00. Ben's order comes by postback. */
const VIP = 'Ana Lopez';
/** Cleo is on the fixed fee, with a deep link to the brand's blog. */
const FLAT = 'Cleo Park';
const DEEP_LINK = 'https://blog.example.com/glow-review';
const ORDER = { id: 'SHOP-1001', amount: '60.00', commission: '$9.00', shown: '$60.00' };
const OTHER_ORDER = { id: 'SHOP-1002', amount: '80.00', commission: '$8.00', shown: '$80.00' };

interface Received {
  to: string[];
  mail: ParsedMail;
}

/** A real SMTP server on loopback keeping every message it accepts. */
async function smtpInbox() {
  const received: Received[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 100,
    onData(stream, session, cb) {
      simpleParser(stream).then((mail) => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
        cb();
      }, cb);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const html = (title: string, body: string, head = '') =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>${head}</head>` +
  `<body style="font:16px system-ui;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#222"><h1>${title}</h1>${body}</body></html>`;

/** A brand's shop with Touchpoint's tag: a product page (where the click id lands) and a thank-you page reporting the order. */
function shopServer(shop: { tp: string; offerId: string }): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shop');
    const tag = `<script src="${shop.tp}/t.js"></script>`;
    const send = (body: string) =>
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body);
    switch (url.pathname) {
      case '/product':
        return send(
          html(
            'Glow Serum',
            `<p>The serum everyone talks about. USD ${ORDER.amount}</p><a id="buy" href="/thank-you">Buy now</a>`,
            tag,
          ),
        );
      case '/thank-you':
        return send(
          html(
            'Thank you!',
            `<p>Your order <b id="order">${ORDER.id}</b> of USD ${ORDER.amount} is confirmed.</p><p id="reported">Reporting…</p>
          <script>
            touchpoint.conversion({ offer: ${JSON.stringify(shop.offerId)}, amount: '${ORDER.amount}', currency: 'USD', orderId: '${ORDER.id}' })
              .then(function (sent) { document.getElementById('reported').textContent = 'Reported: ' + JSON.stringify(sent); });
          </script>`,
            tag,
          ),
        );
      default:
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Today's date (YYYY-MM-DD) on a zone's clock. */
const dayIn = (timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());

async function fitsWidth(p: Page): Promise<void> {
  const [scroll, client] = await p.evaluate<[number, number]>(
    '[document.documentElement.scrollWidth, document.documentElement.clientWidth]',
  );
  expect(scroll, 'page wider than the viewport').toBeLessThanOrEqual(client);
}

/** The table's body rows, as the text of their cells. */
async function bodyRows(p: Page): Promise<string[][]> {
  return p
    .locator('table.report-table tbody tr')
    .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
}

describe.skipIf(noChromium)(
  'the journey of a program, from sign-in to a creator seeing their sale (Chromium, SQLite, SMTP)',
  () => {
    let d: Dashboard;
    let inbox: Awaited<ReturnType<typeof smtpInbox>>;
    let shop: http.Server;
    let shopBase = ''; // http://localhost:<port>
    const shopConfig = { tp: '', offerId: '' };
    let stopMailer: () => Promise<void> = async () => {};
    let desktop: Page;
    let offerId = '';
    const onOffer = new Map<string, { memberId: string; link: string; code: string; payout: string }>();
    let anaLink = '';
    let zone = ''; // the workspace's time zone

    /** The installation's public URL, reached on loopback (see the top of the file). */
    const onLoopback = (url: string) => {
      const u = new URL(url);
      expect(u.origin).toBe('http://tp.test');
      return `${d.base}${u.pathname}${u.search}`;
    };
    const shot = async (p: Page, name: string, width: Width) => {
      const file = path.join(RESULTS, `journey-${name}-${WIDTHS[width].width}.png`);
      // From the top: a full-page capture of a scrolled page draws sticky bars halfway down.
      await p.evaluate('window.scrollTo(0, 0)');
      // With a dialog open, what the person sees is the viewport; otherwise the whole page.
      const modal = await p.locator('dialog[open]').count();
      await p.screenshot({ path: file, fullPage: modal === 0 });
      expect(fs.statSync(file).size).toBeGreaterThan(2000);
    };
    const messagesTo = (address: string) => inbox.received.filter((m) => m.to.includes(address));
    /**
     * Ana asks for a sign-in link at /p/login; the link is taken from the email the SMTP server received and opened in
     * a fresh browser context (no cookie of the one that asked). Returns the signed-in page, on "My offers".
     */
    const creatorSignsIn = async (width: Width): Promise<Page> => {
      const isSignIn = (m: Received) => /sign-in link/.test(m.mail.subject ?? '');
      const before = messagesTo('ana@creators.test').filter(isSignIn).length;
      const asking = await d.open(width);
      await asking.goto(`${d.base}/p/login`);
      await asking.getByLabel('Email').fill('ana@creators.test');
      await shot(asking, 'portal-login', width);
      await asking.getByRole('button', { name: 'Email me a sign-in link' }).click();
      await asking.getByRole('heading', { name: 'Check your email' }).waitFor();
      await shot(asking, 'portal-login-sent', width);
      await asking.context().close();

      const mail = await until('the sign-in email', () => messagesTo('ana@creators.test').filter(isSignIn)[before]);
      expect(mail.mail.subject).toBe("Your sign-in link for Acme Beauty's partner portal");
      const link = /http:\/\/tp\.test\/p\/auth\?token=[\w-]+/.exec(mail.mail.text!)![0];
      expect(String(mail.mail.html)).toContain(`href="${link}"`);
      const creator = await d.open(width);
      await creator.goto(onLoopback(link));
      await creator.waitForURL(`${d.base}/p`);
      await creator.getByRole('heading', { name: `Hi ${VIP}` }).waitFor();
      return creator;
    };

    beforeAll(async () => {
      d = await startDashboard();
      // The marketer's browser is in New York (the harness); the workspace keeps another clock, chosen so that its date
      // differs from New York's right now: Reports must count "today" on the workspace's clock, as the server does.
      const nyDay = dayIn('America/New_York');
      zone = ['Pacific/Kiritimati', 'Etc/GMT+12'].find((z) => dayIn(z) !== nyDay)!;
      expect((await d.api('PATCH', '/workspace', { timezone: zone })).statusCode).toBe(200);
      inbox = await smtpInbox();
      // What `touchpoint serve` does with SMTP_URL set: the outbox job sends queued emails every moment (src/http/server.ts).
      const mail = createMailTransport(
        loadConfig({
          BASE_URL: 'http://tp.test',
          DATA_DIR: d.store.dataDir,
          SMTP_URL: inbox.url,
          MAIL_FROM: 'Partners <partners@acme.test>',
        }),
      );
      let run: Promise<unknown> | null = null;
      const timer = setInterval(() => {
        run ??= dispatchEmails(d.built.ctx, mail).finally(() => (run = null));
      }, 200);
      stopMailer = async () => {
        clearInterval(timer);
        await run;
        mail.close();
      };
      shopConfig.tp = d.base;
      shop = shopServer(shopConfig);
      await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
      shopBase = `http://localhost:${(shop.address() as AddressInfo).port}`;
    }, 240_000);

    afterAll(async () => {
      await stopMailer();
      await inbox?.close();
      if (shop) await new Promise((r) => shop.close(r));
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

    it('1. the marketer signs in with the one-time password and is made to choose a password', async () => {
      desktop = await d.open('desktop');
      await desktop.goto(`${d.base}/app`);
      await desktop.waitForURL(/\/app\/login/);
      await desktop.getByRole('button', { name: 'Sign in' }).waitFor();
      await shot(desktop, 'login', 'desktop');

      await d.signIn(desktop, d.owner.email, 'not the password');
      await expect
        .poll(() => desktop.getByRole('alert').first().textContent())
        .toContain('email and password do not match');

      await d.signIn(desktop, d.owner.email, d.owner.password);
      await desktop.getByRole('heading', { name: 'Choose your own password' }).waitFor();
      await shot(desktop, 'change-password', 'desktop');
      await desktop.getByLabel('One-time password').fill(d.owner.password);
      await desktop.getByLabel('New password', { exact: true }).fill('short');
      await desktop.getByLabel('Repeat the new password').fill('short');
      await desktop.getByRole('button', { name: 'Save password' }).click();
      await desktop.getByText('Use at least 10 characters.').waitFor();
      await desktop.getByLabel('New password', { exact: true }).fill(PASSWORD);
      await desktop.getByLabel('Repeat the new password').fill(PASSWORD);
      await desktop.getByRole('button', { name: 'Save password' }).click();

      await desktop.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
      expect(new URL(desktop.url()).pathname).toBe('/app/offers');
      await desktop.getByText('No offers yet').waitFor();
      await shot(desktop, 'offers-empty', 'desktop');
      const cookies = await desktop.context().cookies(d.base);
      expect(cookies.find((c) => c.name === 'tp_session')).toMatchObject({ httpOnly: true });
      expect(cookies.find((c) => c.name === 'tp_csrf')).toMatchObject({ httpOnly: false });
    }, 60_000);

    it('2. creates an offer with three payout options (Standard 10 %, VIP 15 %, a fixed fee with a tier) in the three-step wizard', async () => {
      const p = desktop;
      await p.getByRole('link', { name: 'Create your first offer' }).click();
      await p.getByRole('heading', { name: 'New offer', exact: true }).waitFor();

      // Step 1: details. "Next" checks before moving on.
      await p.getByRole('button', { name: 'Next' }).click();
      await p.getByText('Give the offer a name.').waitFor();
      await p.getByLabel('Offer name').fill('Glow Serum launch');
      await p.getByLabel('Destination URL').fill(`${shopBase}/product`);
      await p.getByLabel('Currency').fill('usd');
      await shot(p, 'wizard-1-details', 'desktop');
      await p.getByRole('button', { name: 'Next' }).click();

      // Step 2: tracking and commission: a second percent option, and a third, fixed, with a volume tier.
      await p.getByRole('heading', { name: 'Tracking and commission', exact: true }).waitFor();
      const options = p.getByTestId('payout-option');
      expect(await options.nth(0).getByLabel('Title').inputValue()).toBe('Standard');
      await options.nth(0).getByLabel('Percent', { exact: true }).fill('10');
      await p.getByRole('button', { name: '+ Add a payout option' }).click();
      await expect.poll(() => options.count()).toBe(2);
      await options.nth(1).getByLabel('Title').fill('VIP');
      await options.nth(1).getByLabel('Percent', { exact: true }).fill('15');
      await p.getByRole('button', { name: '+ Add a payout option' }).click();
      await expect.poll(() => options.count()).toBe(3);
      const third = options.nth(2);
      await third.getByLabel('Creators earn').selectOption('fixed');
      await third.getByLabel('Amount (USD)', { exact: true }).fill('5.00');
      await p.getByRole('button', { name: 'Next' }).click();
      await p.getByText('Give the option a title creators will see, e.g. Standard.').waitFor();
      await third.getByLabel('Title').fill('Flat fee');
      await third.getByRole('button', { name: '+ Add a volume tier' }).click();
      await third.getByLabel('From conversion no.').fill('20');
      await third.getByLabel('Amount (USD)').nth(1).fill('7.50');
      await shot(p, 'wizard-2-tracking', 'desktop');
      await p.getByRole('button', { name: 'Next' }).click();

      // Step 3: settings, with a dynamic UTM value.
      await p.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
      await p.getByRole('button', { name: '+ Add a parameter' }).click();
      const utm = p.getByTestId('utm-row').last();
      await utm.getByLabel('Parameter', { exact: true }).fill('utm_term');
      await utm.getByLabel('Insert a dynamic value into utm_term').selectOption('{creator_ig_username}');
      await p.getByLabel('Other allowed domains').fill('blog.example.com');
      await shot(p, 'wizard-3-settings', 'desktop');
      await p.getByRole('button', { name: 'Create offer' }).click();
      await p.waitForURL(/\/app\/offers\/off_/);
      offerId = /off_[0-9a-z]{26}/.exec(p.url())![0];
      shopConfig.offerId = offerId;
      await p.getByText('No members on this offer yet').waitFor();

      const offer = (await d.api('GET', `/offers/${offerId}`)).data;
      expect(offer).toMatchObject({
        name: 'Glow Serum launch',
        currency: 'USD',
        destinationUrl: `${shopBase}/product`,
        status: 'active',
      });
      expect(offer.utm).toMatchObject({ utm_source: 'touchpoint', utm_term: '{creator_ig_username}' });
      expect(offer.deepLinks.extraDomains).toEqual(['blog.example.com']);
      expect(offer.payoutOptions).toEqual([
        expect.objectContaining({ title: 'Standard', type: 'percent', value: '10', default: true, tiers: [] }),
        expect.objectContaining({ title: 'VIP', type: 'percent', value: '15', default: false, tiers: [] }),
        expect.objectContaining({
          title: 'Flat fee',
          type: 'fixed',
          value: '5.00',
          default: false,
          tiers: [{ fromConversion: 20, value: '7.50' }],
        }),
      ]);
      await shot(p, 'offer-empty', 'desktop');
    }, 60_000);

    it('3. imports four members from a CSV file: the bad row is shown with its error, fixed in the preview, imported', async () => {
      const p = desktop;
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'journey-'));
      const file = path.join(dir, 'creators.csv');
      // Ben's email is mistyped in the file (line 3), and his reach is written with a thousands separator.
      const row = (m: (typeof MEMBERS)[number]) => {
        const email = m.name === 'Ben Ode' ? 'ben-at-creators.test' : m.email;
        const reach = m.name === 'Ben Ode' ? '"8,500"' : m.name === VIP ? '12000' : '';
        return `"${m.name}",${email},${m.instagram},${reach},Spring team`;
      };
      fs.writeFileSync(file, ['name,email,instagram,reach,project', ...MEMBERS.map(row)].join('\r\n') + '\r\n');

      await p.getByRole('link', { name: 'Members', exact: true }).click();
      await p.getByText('No members yet').waitFor();
      await shot(p, 'members-empty', 'desktop');
      await p.getByRole('button', { name: 'Import', exact: true }).click();
      await p.locator('input[type=file]').setInputFiles(file);
      const dialog = p.getByRole('dialog', { name: 'Import members' });
      await dialog.getByText('4 rows', { exact: true }).waitFor();
      // The preview shows each row in editable cells, as read from the file.
      for (const [i, m] of MEMBERS.entries()) {
        expect(await dialog.getByLabel(`Row ${i + 2}, email`).inputValue()).toBe(
          m.name === 'Ben Ode' ? 'ben-at-creators.test' : m.email,
        );
      }
      await shot(p, 'members-import-preview', 'desktop');
      await dialog.getByRole('button', { name: 'Import 4 rows' }).click();

      // Nothing imported; line 3 (Ben) is marked with the server's reason.
      const bad = dialog.locator('tr[data-line="3"]');
      await bad.getByText('"ben-at-creators.test" is not an email address.').waitFor();
      await dialog.getByText('1 with problems').waitFor();
      expect((await d.api('GET', '/members')).data.data).toHaveLength(0);
      await shot(p, 'members-import-error', 'desktop');

      await bad.getByLabel('Row 3, email').fill('ben@creators.test');
      await dialog.getByRole('button', { name: 'Import 4 rows' }).click();
      await p.getByText('Imported: 4 new members, 0 updated.').waitFor();
      for (const c of CREATORS) await p.getByRole('cell', { name: new RegExp(c.name) }).waitFor();
      fs.rmSync(dir, { recursive: true, force: true });

      const members = (await d.api('GET', '/members')).data.data as {
        name: string;
        email: string;
        reach: number | null;
      }[];
      expect(members.map((m) => [m.name, m.email]).sort()).toEqual(MEMBERS.map((m) => [m.name, m.email]).sort());
      expect(members.find((m) => m.name === 'Ben Ode')).toMatchObject({ email: 'ben@creators.test', reach: 8500 });
      // The member typed HTML; it is shown as text and never becomes an element.
      await p.getByText(XSS_NAME, { exact: true }).waitFor();
      expect(await p.locator('img[src="x"]').count()).toBe(0);
      await shot(p, 'members', 'desktop');

      await p.getByLabel('Search members').fill('lopez');
      await expect.poll(() => p.locator('tbody tr').count()).toBe(1);
      await p.getByLabel('Search members').fill('nobody-like-this');
      await p.getByText('No member matches').waitFor();
    }, 60_000);

    it('4. adds the four to the offer with links and codes, Ana on VIP and Cleo on the fixed fee with a deep link; copies a link', async () => {
      const p = desktop;
      await p.getByRole('link', { name: 'Offers', exact: true }).click();
      await p.locator('tr', { hasText: 'Glow Serum launch' }).getByText('Active').waitFor();
      await shot(p, 'offers', 'desktop');
      await p.getByRole('link', { name: 'Glow Serum launch' }).first().click();
      await p.waitForURL(/\/app\/offers\/off_/);
      await p.getByRole('button', { name: 'Add members' }).first().click();
      const dialog = p.getByRole('dialog', { name: /Add members to/ });
      for (const m of MEMBERS) await dialog.getByLabel(m.name, { exact: false }).check();
      await expect.poll(() => dialog.getByTestId('picked-member').count()).toBe(4);
      const payout = dialog.getByTestId('picked-member').filter({ hasText: VIP }).getByLabel('Payout');
      // Options are listed as on the offer: Standard, VIP, then Flat fee.
      expect(await payout.locator('option').allTextContents()).toEqual([
        expect.stringMatching(/^Standard \(/),
        expect.stringMatching(/^VIP \(/),
        expect.stringMatching(/^Flat fee \(/),
      ]);
      await payout.selectOption((await payout.locator('option', { hasText: /^VIP \(/ }).getAttribute('value'))!);
      const flat = dialog.getByTestId('picked-member').filter({ hasText: FLAT });
      await flat.getByLabel('Payout').selectOption({ index: 2 });
      await flat.getByLabel('Deep link (optional)').fill(DEEP_LINK);
      await expect.poll(() => dialog.getByLabel('A tracking link for each member').isChecked()).toBe(true);
      await expect.poll(() => dialog.getByLabel('A personal promo code for each member').isChecked()).toBe(true);
      await shot(p, 'offer-add-members', 'desktop');
      await dialog.getByRole('button', { name: 'Add 4 members' }).click();
      await p.getByText(/4 members added: 4 links and 4 codes created\./).waitFor();

      const offer = (await d.api('GET', `/offers/${offerId}`)).data;
      const titles = new Map<string, string>(
        offer.payoutOptions.map((o: { id: string; title: string }) => [o.id, o.title]),
      );
      const listed = (await d.api('GET', `/offers/${offerId}/members`)).data.data as {
        member: { id: string; name: string };
        payoutOptionId: string;
        links: { url: string; deepLinkUrl: string | null }[];
        codes: { code: string }[];
      }[];
      expect(listed).toHaveLength(4);
      for (const m of listed) {
        expect(m.links).toHaveLength(1);
        expect(m.codes).toHaveLength(1);
        expect(m.links[0]!.deepLinkUrl).toBe(m.member.name === FLAT ? DEEP_LINK : null);
        onOffer.set(m.member.name, {
          memberId: m.member.id,
          link: m.links[0]!.url,
          code: m.codes[0]!.code,
          payout: titles.get(m.payoutOptionId)!,
        });
      }
      expect(Object.fromEntries([...onOffer].map(([name, m]) => [name, m.payout]))).toEqual({
        'Ana Lopez': 'VIP',
        'Ben Ode': 'Standard',
        'Cleo Park': 'Flat fee',
        [XSS_NAME]: 'Standard',
      });
      // Each row shows the member's link and code; the HTML-looking name is text here too.
      for (const [name, m] of onOffer) {
        expect(m.link).toMatch(/^http:\/\/tp\.test\/[\w-]+$/);
        await p.locator('tr', { hasText: name }).getByText(m.code).waitFor();
      }
      expect(await p.locator('img[src="x"]').count()).toBe(0);
      const copy = p.locator('tr', { hasText: VIP }).getByRole('button', { name: `Copy ${VIP}’s link` });
      await copy.click();
      await expect.poll(() => copy.textContent()).toMatch(/^Copied/);
      expect(await p.evaluate<string>('navigator.clipboard.readText()')).toBe(onOffer.get(VIP)!.link);
      await shot(p, 'offer', 'desktop');
    }, 60_000);

    it('5. emails them; each member receives their own link and code over SMTP, and no one else’s; then one selected member', async () => {
      const p = desktop;
      await p.getByRole('button', { name: 'Email members' }).click();
      const dialog = p.getByRole('dialog', { name: 'Email members their links and codes' });
      await dialog.getByText('Sends every member of this offer an email').waitFor();
      await dialog.getByLabel('Your note (optional)').fill('Thanks for joining the Glow Serum launch!');
      await shot(p, 'offer-email', 'desktop');
      await dialog.getByRole('button', { name: 'Send emails' }).click();
      await p.getByText('Emails are on their way to 4 members.').waitFor();

      await until('four emails at the SMTP server', () => (inbox.received.length >= 4 ? true : undefined));
      expect(inbox.received).toHaveLength(4);
      for (const c of MEMBERS) {
        const mine = messagesTo(c.email);
        expect(mine, c.email).toHaveLength(1);
        const { mail } = mine[0]!;
        expect(mail.subject).toBe('Your Glow Serum launch links and codes from Acme Beauty');
        expect(mail.text).toContain('Thanks for joining the Glow Serum launch!');
        for (const [name, m] of onOffer) {
          const own = name === c.name;
          expect(mail.text!.includes(m.link), `${c.name}'s email has ${name}'s link`).toBe(own);
          expect(mail.text!.includes(m.code), `${c.name}'s email has ${name}'s code`).toBe(own);
          expect(String(mail.html).includes(`href="${m.link}"`), `${c.name}'s HTML email links ${name}'s link`).toBe(
            own,
          );
        }
      }
      // The visitor gets Ana's link the way her followers do: from what she received.
      anaLink = /http:\/\/tp\.test\/[\w-]+/.exec(messagesTo('ana@creators.test')[0]!.mail.text!)![0];
      expect(anaLink).toBe(onOffer.get(VIP)!.link);

      // Only the ticked member is emailed.
      await p
        .locator('tr', { hasText: VIP })
        .getByRole('checkbox', { name: `Select ${VIP}` })
        .check();
      await p.getByRole('button', { name: 'Email 1 selected' }).click();
      const email = p.getByRole('dialog', { name: 'Email members their links and codes' });
      await email.getByText('Sends the 1 selected member an email').waitFor();
      await email.getByLabel('Your note (optional)').fill('Thanks for joining the launch!');
      await email.getByRole('button', { name: 'Send emails' }).click();
      await p.getByText('Emails are on their way to 1 member.').waitFor();
      await until('the fifth email at the SMTP server', () => (inbox.received.length >= 5 ? true : undefined));
      expect(inbox.received.slice(4).map((m) => m.to)).toEqual([['ana@creators.test']]);
      const sent = (await d.api('GET', '/emails')).data.data as { to: string }[];
      expect(sent.map((e) => e.to).sort()).toEqual([...MEMBERS.map((m) => m.email), 'ana@creators.test'].sort());
    }, 60_000);

    it('6. exports the code roster, and imports it back after showing a bad code', async () => {
      const p = desktop;
      const [download] = await Promise.all([
        p.waitForEvent('download'),
        p.getByRole('button', { name: 'Export codes (CSV)' }).click(),
      ]);
      const file = await download.path();
      const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
      const [header, ...lines] = text.trim().split(/\r?\n/);
      expect(header).toBe('member_id,name,email,instagram,tiktok,current_code,new_code');
      expect(lines).toHaveLength(4);
      const cleoLine = lines.findIndex((l) => l.includes(FLAT));
      const filled = lines.map((l, i) => (i === cleoLine ? `${l}X` : l)); // "X": a code too short to be valid
      const roster = path.join(path.dirname(file), 'roster.csv');
      fs.writeFileSync(roster, [header, ...filled].join('\r\n'));

      await p.getByRole('button', { name: 'Import codes' }).click();
      const dialog = p.getByRole('dialog', { name: 'Import promo codes' });
      await dialog.locator('input[type=file]').setInputFiles(roster);
      await dialog.getByRole('button', { name: 'Import 4 rows' }).click();
      const line = cleoLine + 2;
      await dialog
        .locator(`tr[data-line="${line}"]`)
        .getByText('A code is 3 to 32 letters, digits, "-" or "_".')
        .waitFor();
      await shot(p, 'roster-import-error', 'desktop');
      await dialog.getByLabel(`Row ${line}, new_code`).fill('CLEO-GLOW');
      await dialog.getByRole('button', { name: 'Import 4 rows' }).click();
      await p.getByText('1 code assigned.').waitFor();
      await p.locator('tr', { hasText: FLAT }).getByText('CLEO-GLOW').waitFor();
      const codes = (await d.api('GET', `/codes?offerId=${offerId}&status=active`)).data.data as { code: string }[];
      expect(codes.map((c) => c.code)).toContain('CLEO-GLOW');
      onOffer.get(FLAT)!.code = 'CLEO-GLOW';
    }, 60_000);

    it('7. pauses and resumes the offer after a confirmation', async () => {
      const p = desktop;
      await p.getByRole('button', { name: 'Pause', exact: true }).click();
      const confirm = p.getByRole('dialog', { name: 'Pause this offer?' });
      await confirm.getByText('clicks and sales are not credited').waitFor();
      await shot(p, 'offer-pause-confirm', 'desktop');
      await confirm.getByRole('button', { name: 'Pause offer' }).click();
      await p.getByText('This offer is paused').waitFor();
      expect((await d.api('GET', `/offers/${offerId}`)).data.status).toBe('paused');
      await p.getByRole('button', { name: 'Resume', exact: true }).click();
      await p.getByRole('dialog', { name: 'Resume this offer?' }).getByRole('button', { name: 'Resume offer' }).click();
      await expect.poll(async () => (await d.api('GET', `/offers/${offerId}`)).data.status).toBe('active');

      await p.getByRole('link', { name: 'Offers', exact: true }).click();
      await p.locator('tr', { hasText: 'Glow Serum launch' }).getByText('Active').waitFor();
    }, 60_000);

    it('8. a visitor clicks Ana’s link, lands on the shop and buys; the tag reports the order. Ben’s sale comes by postback', async () => {
      const context: BrowserContext = await d.browser.newContext({
        userAgent: DESKTOP_CHROME,
        viewport: WIDTHS.desktop,
      });
      try {
        const visitor = await context.newPage();
        visitor.on('pageerror', (e) => d.pageErrors.push(`shop: ${e.message}`));
        // Ana's post, with her link as her followers see it.
        await visitor.setContent(
          html(
            'Ana’s favourite serum',
            `<p>Use my link!</p><a id="ana" href="${onLoopback(anaLink)}">Shop the Glow Serum</a>`,
          ),
        );
        await visitor.click('#ana');
        await visitor.waitForURL(`${shopBase}/product?**`);
        const clickId = new URL(visitor.url()).searchParams.get('tp_click');
        expect(clickId).toMatch(/^[0-9A-Za-z]{28}$/);
        await visitor.waitForFunction(TAG_READY);
        await shot(visitor, 'shop-product', 'desktop');
        await visitor.click('#buy');
        await visitor.waitForURL(`${shopBase}/thank-you`);
        await visitor.getByText(/^Reported: /).waitFor();
        expect(JSON.parse((await visitor.textContent('#reported'))!.replace('Reported: ', ''))).toMatchObject({
          ok: true,
        });
        await shot(visitor, 'shop-thank-you', 'desktop');
      } finally {
        await context.close();
      }

      const conversions = async () =>
        (await d.api('GET', '/conversions?limit=50')).data.data as { id: string; orderId: string }[];
      const ours = await until(`order ${ORDER.id}`, async () =>
        (await conversions()).find((c) => c.orderId === ORDER.id),
      );
      const detail = (await d.api('GET', `/conversions/${ours.id}`)).data;
      expect(detail).toMatchObject({
        orderId: ORDER.id,
        amount: ORDER.amount,
        status: expect.stringMatching(/credited|pending/),
      });
      expect(detail.commissions).toEqual([
        expect.objectContaining({ memberId: onOffer.get(VIP)!.memberId, amount: '9.00' }),
      ]);

      // Another creator's sale: Ben's code at the brand's checkout, reported server to server.
      const secret = (await d.api('GET', '/workspace')).data.postbackSecret;
      const res = await fetch(
        `${d.base}/postback?${new URLSearchParams({ secret, offer: offerId, order: OTHER_ORDER.id, amount: OTHER_ORDER.amount, currency: 'USD', code: onOffer.get('Ben Ode')!.code })}`,
      );
      expect(res.status, await res.text()).toBeLessThan(300);
      const bens = await until(`order ${OTHER_ORDER.id}`, async () =>
        (await conversions()).find((c) => c.orderId === OTHER_ORDER.id),
      );
      expect((await d.api('GET', `/conversions/${bens.id}`)).data.commissions).toEqual([
        expect.objectContaining({ memberId: onOffer.get('Ben Ode')!.memberId, amount: '8.00' }),
      ]);
    }, 60_000);

    it('9. the marketer sees the sale in Reports: Ana’s row with the amount, and a point above zero on the chart', async () => {
      const p = desktop;
      await p.getByRole('link', { name: 'Reports' }).first().click();
      await p.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
      const table = p.locator('table.report-table');
      await table.waitFor();
      // The last 30 days on the workspace's clock, whatever the browser's.
      expect(await p.getByLabel('To').inputValue()).toBe(dayIn(zone));
      await p.getByText(`· ${zone}`).waitFor();
      const headings = await table.locator('thead th').allTextContents();
      const col = (label: string) => headings.indexOf(label);
      const rows = await bodyRows(p);
      const ana = rows.find((r) => r[0] === VIP)!;
      const ben = rows.find((r) => r[0] === 'Ben Ode')!;
      expect(ana, 'Ana’s row').toBeDefined();
      expect([ana[col('Clicks')], ana[col('Conversions')], ana[col('Sales')], ana[col('Commission')]]).toEqual([
        '1',
        '1',
        ORDER.shown,
        ORDER.commission,
      ]);
      expect([ben[col('Sales')], ben[col('Commission')]]).toEqual([OTHER_ORDER.shown, OTHER_ORDER.commission]);
      expect(rows.find((r) => r[0] === 'Cleo Park')?.[col('Sales')] ?? '$0.00').toBe('$0.00');
      expect(await table.locator('tfoot td').nth(col('Sales')).textContent()).toBe('$140.00');

      // The Sales line: the days before today lie on zero; today's point (the last) is above them.
      const line = p.locator(`.recharts-line-curve[stroke="${SALES_COLOR}"]`);
      await line.waitFor();
      const curve = (await line.getAttribute('d'))!;
      const ys = [...curve.matchAll(/(-?[\d.]+),(-?[\d.]+)/g)].map((m) => Number(m[2]));
      expect(ys.length).toBeGreaterThan(2);
      const zero = ys[0]!;
      expect(ys.at(-1)!, 'today’s sales point sits above zero').toBeLessThan(zero - 10);
      // The right axis is money, up to at least the day's sales.
      const ticks = await p.locator('.recharts-wrapper .recharts-cartesian-axis-tick-value').allTextContents();
      await shot(p, 'reports', 'desktop');
      expect(
        ticks.some((t) => /\$\d/.test(t) && t !== '$0.00'),
        ticks.join(' | '),
      ).toBe(true);
    }, 60_000);

    it('10. the creator asks for a sign-in link, opens it from the email in a fresh browser, and sees her sale and not Ben’s', async () => {
      const creator = await creatorSignsIn('desktop');
      await creator.getByTestId('member-name').getByText(VIP).waitFor();
      const offer = creator.getByTestId('offer').filter({ hasText: 'Glow Serum launch' });
      await offer.getByText(onOffer.get(VIP)!.link).waitFor();
      await offer.getByTestId('code').getByText(onOffer.get(VIP)!.code).waitFor();
      expect(await offer.getByTestId('payout').textContent()).toContain('15%');
      await shot(creator, 'portal-home', 'desktop');

      await creator.getByRole('link', { name: 'Commissions' }).click();
      const commissions = creator.getByTestId('commissions');
      await commissions.waitFor();
      const rows = await commissions
        .locator('tbody tr')
        .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      expect(rows).toHaveLength(1);
      expect(rows[0]!.slice(1, 4)).toEqual(['Glow Serum launch', ORDER.shown, ORDER.commission]);
      expect(rows[0]![5]).toBe('Your link');
      await shot(creator, 'portal-commissions', 'desktop');

      await creator.getByRole('link', { name: 'Performance' }).click();
      const stats = creator.getByRole('region', { name: 'Totals' }).locator('.stat');
      await stats.first().waitFor();
      const shown = Object.fromEntries(
        await stats.evaluateAll((els) =>
          els.map((el) => [el.querySelector('.stat-label')?.textContent, el.querySelector('.stat-value')?.textContent]),
        ),
      );
      expect(shown).toMatchObject({
        Clicks: '1',
        Orders: '1',
        Sales: ORDER.shown,
        'Your commission': ORDER.commission,
      });
      await creator.locator(`.recharts-line-curve[stroke="${SALES_COLOR}"]`).waitFor();
      await shot(creator, 'portal-performance', 'desktop');

      // Nothing of Ben's, on any page she visited: not his sale, his commission, his name, his link or his code.
      const loaded: [string, Locator][] = [
        ['/p', creator.getByTestId('offer')],
        ['/p/commissions', creator.getByTestId('commissions')],
        ['/p/performance', creator.getByTestId('by-offer')],
        ['/p/payouts', creator.getByText('No payouts yet')],
      ];
      for (const [path, ready] of loaded) {
        await creator.goto(`${d.base}${path}`);
        await ready.first().waitFor();
        const text = (await creator.locator('main').textContent())!;
        for (const other of [
          OTHER_ORDER.shown,
          OTHER_ORDER.commission,
          '$140.00',
          'Ben Ode',
          onOffer.get('Ben Ode')!.link,
          onOffer.get('Ben Ode')!.code,
        ]) {
          expect(text, `${path} shows ${other}`).not.toContain(other);
        }
      }
    }, 90_000);

    it('11. works at 390 px: menu, offers, members and import, offer, wizard, reports and the portal, without sideways scrolling', async () => {
      const phone = await d.open('phone');
      await phone.goto(`${d.base}/app/login`);
      await shot(phone, 'login', 'phone');
      await d.signIn(phone, d.owner.email, PASSWORD);
      await phone.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
      await phone.getByText('Glow Serum launch').first().waitFor();
      await fitsWidth(phone);
      await shot(phone, 'offers', 'phone');

      // The navigation is folded behind the menu button.
      expect(await phone.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
      await phone.getByRole('button', { name: 'Menu' }).click();
      await phone.getByRole('navigation', { name: 'Main' }).waitFor();
      await shot(phone, 'menu-open', 'phone');
      await phone.getByRole('link', { name: 'Members' }).click();
      await phone.getByRole('heading', { name: 'Members', exact: true }).waitFor();
      expect(await phone.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(false);
      await phone.getByText('Cleo Park').first().waitFor();
      await phone.getByText(XSS_NAME, { exact: true }).waitFor();
      await fitsWidth(phone);
      await shot(phone, 'members', 'phone');
      await phone.getByRole('button', { name: 'Import', exact: true }).click();
      await phone.locator('input[type=file]').setInputFiles({
        name: 'more.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from('name,email\r\n,nobody@example.com\r\nCara Diaz,cara@example.com\r\n'),
      });
      await phone.locator('tr[data-line="2"]').getByText('A member needs a name.').waitFor();
      await phone
        .getByRole('list', { name: 'Rows with problems' })
        .getByText('Row 2: A member needs a name.')
        .waitFor();
      expect(await phone.getByRole('button', { name: 'Import 2 rows' }).isDisabled()).toBe(true);
      await shot(phone, 'members-import-error', 'phone');
      await phone.getByRole('button', { name: 'Cancel' }).click();

      await phone.goto(`${d.base}/app/offers/${offerId}`);
      await phone.locator('tr', { hasText: 'Cleo Park' }).waitFor();
      await fitsWidth(phone);
      await shot(phone, 'offer', 'phone');
      await phone.getByRole('button', { name: 'Add members' }).click();
      await phone
        .getByRole('dialog', { name: /Add members to/ })
        .getByLabel('Ben Ode', { exact: false })
        .check();
      await shot(phone, 'offer-add-members', 'phone');
      await phone.getByRole('button', { name: 'Cancel' }).click();
      await phone.getByRole('button', { name: 'Email members' }).click();
      await shot(phone, 'offer-email', 'phone');
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

      await phone.goto(`${d.base}/app/reports`);
      await phone.locator('table.report-table').waitFor();
      await phone.locator(`.recharts-line-curve[stroke="${SALES_COLOR}"]`).waitFor();
      await fitsWidth(phone);
      await shot(phone, 'reports', 'phone');

      // The creator on her phone: a new sign-in link (the first one was used), then her pages.
      const creator = await creatorSignsIn('phone');
      await creator.getByTestId('offer').getByText(onOffer.get(VIP)!.code).waitFor();
      await fitsWidth(creator);
      await shot(creator, 'portal-home', 'phone');
      await creator.goto(`${d.base}/p/commissions`);
      await creator.getByTestId('commissions').getByText(ORDER.commission).waitFor();
      await fitsWidth(creator);
      await shot(creator, 'portal-commissions', 'phone');
      await creator.goto(`${d.base}/p/performance`);
      await creator.getByRole('region', { name: 'Totals' }).getByText(ORDER.commission).waitFor();
      await fitsWidth(creator);
      await shot(creator, 'portal-performance', 'phone');
    }, 180_000);

    it('12. edits the offer: a new rate for the default payout option and an end date (a day in the workspace zone)', async () => {
      const p = desktop;
      // The browser is in New York; the end date is a day on the workspace's clock.
      expect((await d.api('PATCH', '/workspace', { timezone: 'Europe/Paris' })).statusCode).toBe(200);
      await p.goto(`${d.base}/app/offers`);
      await p.locator('tr', { hasText: 'Glow Serum launch' }).getByRole('link', { name: 'Edit' }).click();
      await p.getByRole('heading', { name: 'Edit “Glow Serum launch”' }).waitFor();
      expect(await p.getByLabel('Offer name').inputValue()).toBe('Glow Serum launch');
      await p.getByRole('button', { name: /Tracking and commission/ }).click();
      await p.getByTestId('payout-option').nth(0).getByLabel('Percent', { exact: true }).fill('12.5');
      await p.getByRole('button', { name: 'Next' }).click();
      await p.getByLabel('End date (optional)').fill('2031-12-31');
      await p.getByRole('button', { name: 'Save changes' }).click();
      await p.getByText('Changes saved. New payout rates apply to conversions from now on.').waitFor();
      await p.getByText('ends Dec 31, 2031').waitFor();
      const offer = (await d.api('GET', `/offers/${offerId}`)).data;
      expect(offer.payoutOptions.map((o: { title: string; value: string }) => [o.title, o.value])).toEqual([
        ['Standard', '12.5'],
        ['VIP', '15'],
        ['Flat fee', '5.00'],
      ]);
      expect(offer.endsAt).toBe('2031-12-31T22:59:59.999Z');
    }, 60_000);

    it('13. a viewer set up from an invitation link sees everything and can change nothing', async () => {
      const setupPath = await invitedSetupPath(d, { email: 'viewer@acme.test' });
      const phone = await d.open('phone');
      await phone.goto(`${d.base}${setupPath}`);
      await phone.getByText('Choose a password to finish setting up your account.').waitFor();
      await shot(phone, 'setup', 'phone');
      const page = await d.open('desktop');
      await page.goto(`${d.base}${setupPath}`);
      await page.getByText('Choose a password to finish setting up your account.').waitFor();
      await shot(page, 'setup', 'desktop');
      await choosePassword(page);
      await page.getByText('Glow Serum launch').waitFor();
      expect(await page.getByRole('link', { name: 'New offer' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Pause' }).count()).toBe(0);
      await page.getByText('Glow Serum launch').click();
      await page.locator('tr', { hasText: VIP }).waitFor();
      expect(await page.getByRole('button', { name: 'Add members' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Import codes' }).count()).toBe(0);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/app\/login/);
    }, 60_000);

    it('never ran member-typed HTML and hit no script error and no alert() on any page', () => {
      expect(d.dialogs).toEqual([]);
      expect(d.pageErrors).toEqual([]);
    });
  },
);
