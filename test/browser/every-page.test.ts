// Every page of the dashboard and of the creator portal, in a real browser at 1440×900 and 390×844, walked from the
// route tables themselves (web/app/routes.ts ROUTES and PUBLIC_ROUTES, web/portal/routes.ts), so a page added there
// is covered the day it lands. The workspace is the demo's (seedDemo) with some traffic on it: clicks, orders through
// links and codes, an approved commission paid in a batch, emails in the outbox. Each page must load without a
// JavaScript error or a failed request, name itself in the tab, have an h1, and at 390 px fit the screen (a table may
// scroll inside its own box, never the page). A route parameter is filled from real data by PARAMS; a parameter with
// no entry there fails the test, naming itself, rather than skipping its page.
// Screenshots go to test-results/<dashboard|portal>-<route>-<1440|390>.png.
import fs from 'node:fs';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo, type DemoSummary } from '../../src/app/demo.js';
import { withData } from '../helpers/app.js';
import { deliveredText, sendToOutbox } from '../helpers/outbox.js';
import { noChromium, RESULTS, startDashboard, type Dashboard } from './harness.js';

const VIEWPORTS = { 1440: { width: 1440, height: 900 }, 390: { width: 390, height: 844 } } as const;
type Width = keyof typeof VIEWPORTS;
const WIDTH_LIST: Width[] = [1440, 390];
const PASSWORD = 'every page at every width';
const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36';

type Surface = 'dashboard' | 'portal';
interface Visit {
  surface: Surface;
  /** The route table's path, parameters unfilled. */
  route: string;
  /** The name the tab must show (the route's title or navigation label), when the route table gives one. */
  title: string | undefined;
  signedIn: boolean;
}

const prefix = (s: Surface) => (s === 'dashboard' ? '/app' : '/p');

// The route tables themselves, loaded as the web apps load them. Through a computed specifier: a static import would
// bring the web apps' DOM typings into the Node type check.
interface RouteEntry {
  path: string;
  nav?: string;
  title?: string;
}
const load = (file: string) => import(path.resolve(import.meta.dirname, '../../web', file));
const { ROUTES: DASHBOARD_ROUTES, PUBLIC_ROUTES } = (await load('app/routes.ts')) as {
  ROUTES: RouteEntry[];
  PUBLIC_ROUTES: RouteEntry[];
};
const { ROUTES: PORTAL_ROUTES, LOGIN: PORTAL_LOGIN } = (await load('portal/routes.ts')) as {
  ROUTES: RouteEntry[];
  LOGIN: RouteEntry;
};
const visits: Visit[] = [
  ...PUBLIC_ROUTES.map((r) => ({
    surface: 'dashboard' as const,
    route: r.path,
    title: r.title ?? r.nav,
    signedIn: false,
  })),
  ...DASHBOARD_ROUTES.map((r) => ({
    surface: 'dashboard' as const,
    route: r.path,
    title: r.title ?? r.nav,
    signedIn: true,
  })),
  { surface: 'portal', route: PORTAL_LOGIN.path, title: PORTAL_LOGIN.title ?? PORTAL_LOGIN.nav, signedIn: false },
  ...PORTAL_ROUTES.map((r) => ({ surface: 'portal' as const, route: r.path, title: r.title ?? r.nav, signedIn: true })),
];

/** The screenshot's name for a route: "/offers/:id/edit" -> "offers-id-edit", "/" -> "home". */
const routeName = (route: string) => route.replace(/[/:]+/g, '-').replace(/^-|-$/g, '') || 'home';

/**
 * How to fill each route parameter from the seeded data, keyed by "<surface> <the segment before it>/:<name>" so the
 * same `:id` can mean an offer in one route and a member in another. A route whose parameter is missing here fails.
 */
type Seeded = {
  demo: DemoSummary;
  memberId: string;
  conversionId: string;
  batchId: string;
  emailId: string;
  alertId: string | null;
};
const PARAMS: Record<string, (s: Seeded) => string | null> = {
  'dashboard offers/:id': (s) => s.demo.offers[0]!.id,
  'dashboard members/:id': (s) => s.memberId,
  'dashboard conversions/:id': (s) => s.conversionId,
  'dashboard payouts/:id': (s) => s.batchId,
  'dashboard payout-batches/:id': (s) => s.batchId,
  'dashboard emails/:id': (s) => s.emailId,
  'dashboard alerts/:id': (s) => s.alertId,
  'portal offers/:id': (s) => s.demo.offers[0]!.id,
};

function fill(visit: Visit, seeded: Seeded): string {
  const parts = visit.route.split('/');
  return parts
    .map((part, i) => {
      if (!part.startsWith(':')) return part;
      const key = `${visit.surface} ${parts[i - 1] ?? ''}/${part}`;
      const finder = PARAMS[key];
      if (!finder)
        throw new Error(
          `The route ${visit.route} of the ${visit.surface} has the parameter "${part}" and PARAMS in ` +
            `test/browser/every-page.test.ts has no "${key}": add how to find a real one.`,
        );
      const value = finder(seeded);
      if (!value) throw new Error(`PARAMS["${key}"] found no real value for ${visit.route} in the seeded data.`);
      return encodeURIComponent(value);
    })
    .join('/');
}

describe.skipIf(noChromium)('every page at 1440 and 390 px (Chromium, SQLite)', () => {
  let d: Dashboard;
  let seeded: Seeded;
  const contexts = new Map<string, BrowserContext>();
  const db = () => d.store.store.db;

  const api = async (method: string, url: string, body?: unknown) => {
    const res = await d.built.app.inject({
      method: method as 'GET',
      url: `/api/v1${url}`,
      headers: {
        authorization: `Bearer ${seeded.demo.apiKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    const r = withData(res);
    if (r.statusCode >= 300) throw new Error(`${method} ${url}: ${r.statusCode} ${r.body}`);
    return r.data;
  };

  const newContext = (width: Width) =>
    d.browser.newContext({
      viewport: VIEWPORTS[width],
      deviceScaleFactor: 1,
      locale: 'en-US',
      timezoneId: 'America/New_York',
      userAgent: UA,
    });

  /** A browser context per surface, width and signed-in state, signed in once. */
  async function contextFor(visit: Visit, width: Width): Promise<BrowserContext> {
    const key = `${visit.surface} ${width} ${visit.signedIn}`;
    const known = contexts.get(key);
    if (known) return known;
    const context = await newContext(width);
    contexts.set(key, context);
    if (!visit.signedIn) return context;
    const page = await context.newPage();
    if (visit.surface === 'dashboard') {
      await page.goto(`${d.base}/app/login`);
      await page.getByLabel('Email').fill(seeded.demo.owner!.email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    } else {
      await page.goto(`${d.base}${await portalLink('marie@example.com')}`);
      await page.getByRole('heading', { level: 1 }).waitFor();
    }
    await page.close();
    return context;
  }

  /** A fresh sign-in link for a member, as the portal's login page asks for one, read from the outbox. */
  async function portalLink(email: string): Promise<string> {
    const since = Date.now() - 1;
    const res = await fetch(`${d.base}/api/portal/login-link`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email }),
    });
    expect(res.status).toBe(202);
    await sendToOutbox(d.built.ctx, d.store.dataDir);
    const row = await db()
      .selectFrom('emails')
      .select('id')
      .where('kind', '=', 'magic_link')
      .where('to_address', '=', email)
      .where('created_at', '>=', since)
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    return /http:\/\/tp\.test(\/p\/auth\?token=[A-Za-z0-9_-]+)/.exec(await deliveredText(d.store.dataDir, row.id))![1]!;
  }

  beforeAll(async () => {
    d = await startDashboard();
    const demo = await seedDemo(d.built.ctx, { ownerEmail: 'owner@demo.test' });
    seeded = { demo, memberId: '', conversionId: '', batchId: '', emailId: '', alertId: null };
    const offer = demo.offers[0]!;
    seeded.memberId = offer.members[0]!.memberId;

    // Traffic: clicks on every demo link, an order through a link and one through a code for each creator.
    let ip = 10;
    const clickIds: string[] = [];
    for (const o of demo.offers)
      for (const m of o.members) {
        const slug = new URL(m.link).pathname;
        for (let i = 0; i < 3; i++) {
          const res = await d.built.app.inject({
            url: slug,
            headers: { 'user-agent': UA },
            remoteAddress: `198.51.100.${ip++}`,
          });
          const click = res.headers.location && new URL(String(res.headers.location)).searchParams.get('tp_click');
          if (click && o === offer) clickIds.push(click);
        }
      }
    await d.built.tracking.flush();
    let n = 0;
    for (const [i, m] of offer.members.entries()) {
      for (const q of [
        { click: clickIds[i * 3] ?? '', amount: '84.00' },
        { code: m.code, amount: '42.50' },
      ] as Record<string, string>[]) {
        const res = await d.built.app.inject({
          url: `/postback?${new URLSearchParams({ secret: demo.postbackSecret, order: `DEMO-${++n}`, ...q })}`,
        });
        expect(res.statusCode, res.body).toBeLessThan(300);
      }
    }
    const conversions = (await api('GET', '/conversions?limit=10')).data as { id: string }[];
    seeded.conversionId = conversions[0]!.id;
    // One commission approved early and paid in a batch, so Payouts has a batch to show.
    const commissions = (await api('GET', `/commissions?memberId=${seeded.memberId}`)).data as { id: string }[];
    await api('POST', `/commissions/${commissions[0]!.id}/approve`, { reason: 'Paid early for the screenshots' });
    seeded.batchId = (await api('POST', '/payout-batches', { currency: 'USD', note: 'December' })).id;
    // Emails: the creators' links, delivered to the outbox.
    await api('POST', `/offers/${offer.id}/members/email`, {});
    await sendToOutbox(d.built.ctx, d.store.dataDir);
    seeded.emailId = ((await api('GET', '/emails?limit=1')).data as { id: string }[])[0]!.id;

    // The owner's first sign-in asks for a password of their own.
    const context = await newContext(1440);
    const page = await context.newPage();
    await page.goto(`${d.base}/app/login`);
    await page.getByLabel('Email').fill(demo.owner!.email);
    await page.getByLabel('Password').fill(demo.owner!.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByLabel('One-time password').fill(demo.owner!.password);
    await page.getByLabel('New password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the new password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
    await context.close();
  }, 240_000);

  afterAll(async () => {
    for (const c of contexts.values()) await c.close().catch(() => {});
    await d?.close();
  });

  it('walks a route table that has pages on both surfaces', () => {
    expect(visits.filter((v) => v.surface === 'dashboard').length).toBeGreaterThan(10);
    expect(visits.filter((v) => v.surface === 'portal').length).toBeGreaterThan(3);
  });

  it('fails, naming it, on a route parameter it does not know how to fill', () => {
    expect(() =>
      fill({ surface: 'dashboard', route: '/widgets/:widgetId', title: 'Widget', signedIn: true }, seeded),
    ).toThrow(/widgets\/:widgetId.*add how to find a real one/);
  });

  for (const width of WIDTH_LIST) {
    for (const visit of visits) {
      const name = `${visit.surface}-${routeName(visit.route)}-${width}`;
      it(`${visit.surface} ${visit.route}${visit.signedIn ? '' : ' (signed out)'} at ${width} px`, async () => {
        const url = `${prefix(visit.surface)}${fill(visit, seeded)}`;
        const context = await contextFor(visit, width);
        const page = await context.newPage();
        const problems: string[] = [];
        // Signed out, the shell asks who is signed in and is told 401: that is the answer, not a failure.
        const expected = (url: string, status: number) =>
          !visit.signedIn && status === 401 && /\/api\/(v1\/auth|portal)\/me$/.test(new URL(url).pathname);
        page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
        page.on('console', (m) => {
          const status = /status of (\d+)/.exec(m.text());
          if (m.type() === 'error' && !(status && expected(m.location().url, Number(status[1]))))
            problems.push(`console: ${m.text()}`);
        });
        page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
        page.on('response', (r) => {
          if (r.status() >= 400 && !expected(r.url(), r.status()))
            problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
        });
        try {
          await page.goto(`${d.base}${url}`);
          await page.locator('h1').first().waitFor();
          await page.waitForLoadState('networkidle');
          await waitForLoaded(page);
          const file = await shot(page, name);
          expect(fs.statSync(file).size).toBeGreaterThan(2000);

          expect(problems, `${url}: errors in the console`).toEqual([]);
          const title = await page.title();
          expect(title, `${url}: the tab's title`).toMatch(/·/);
          if (visit.title && !/:/.test(visit.route)) expect(title).toContain(visit.title);
          expect(await page.locator('h1').count(), `${url}: an h1`).toBeGreaterThan(0);
          if (width === 390) {
            const scrollWidth = await page.evaluate<number>('document.documentElement.scrollWidth');
            expect(scrollWidth, `${url}: the page is wider than the 390 px screen`).toBeLessThanOrEqual(390);
          }
        } finally {
          await page.close();
        }
      }, 60_000);
    }
  }

  it('keeps the tallest dialogs within a 390 px screen, their buttons in reach and their body scrolling', async () => {
    const context = await contextFor({ surface: 'dashboard', route: '/offers', title: 'Offers', signedIn: true }, 390);
    const page = await context.newPage();
    const opens: [name: string, url: string, open: () => Promise<void>][] = [
      ['members-add', '/app/members', () => page.getByRole('button', { name: 'Add member' }).click()],
      [
        'offers-id-add-members',
        `/app/offers/${seeded.demo.offers[0]!.id}`,
        () => page.getByRole('button', { name: 'Add members' }).first().click(),
      ],
      [
        'offers-id-email-members',
        `/app/offers/${seeded.demo.offers[0]!.id}`,
        () => page.getByRole('button', { name: 'Email members' }).click(),
      ],
      ['conversions-order', '/app/conversions', () => page.getByRole('button', { name: 'DEMO-1' }).click()],
    ];
    try {
      for (const [name, url, open] of opens) {
        await page.goto(`${d.base}${url}`);
        await page.locator('h1').first().waitFor();
        await waitForLoaded(page);
        await open();
        const dialog = page.locator('dialog[open]');
        await dialog.waitFor();
        await waitForLoaded(page);
        await shot(page, `dashboard-dialog-${name}-390`, false);
        const box = (await dialog.boundingBox())!;
        expect(box.y, name).toBeGreaterThanOrEqual(0);
        expect(box.y + box.height, `${name}: the dialog is taller than the screen`).toBeLessThanOrEqual(844);
        expect(box.width, name).toBeLessThanOrEqual(390);
        const footer = dialog.locator('.dialog-footer');
        if (await footer.count()) {
          const f = (await footer.boundingBox())!;
          expect(f.y + f.height, `${name}: the dialog's buttons are below the screen`).toBeLessThanOrEqual(844);
        }
        // What does not fit scrolls inside the dialog's body, never the dialog off the screen.
        const body = dialog.locator('.dialog-body');
        const [scrollHeight, clientHeight, overflowY] = await body.evaluate(
          (el) =>
            [el.scrollHeight, el.clientHeight, el.ownerDocument.defaultView!.getComputedStyle(el).overflowY] as const,
        );
        if (scrollHeight > clientHeight) expect(['auto', 'scroll'], name).toContain(overflowY);
        expect(await page.evaluate<number>('document.documentElement.scrollWidth'), name).toBeLessThanOrEqual(390);
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' }).catch(() => dialog.waitFor({ state: 'hidden' }));
      }
    } finally {
      await page.close();
    }
  }, 120_000);

  it('opens the dashboard menu at 390 px within the screen', async () => {
    const context = await contextFor({ surface: 'dashboard', route: '/offers', title: 'Offers', signedIn: true }, 390);
    const page = await context.newPage();
    try {
      await page.goto(`${d.base}/app/offers`);
      await page.getByRole('button', { name: 'Menu' }).click();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).waitFor();
      await shot(page, 'dashboard-menu-390', false);
      expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Reports' }).click();
      await page.getByRole('heading', { name: 'Reports', exact: true }).waitFor();
      expect(await page.getByRole('button', { name: 'Menu' }).getAttribute('aria-expanded')).toBe('false');
    } finally {
      await page.close();
    }
  }, 60_000);
});

/** Waits until no loading indicator is left (pages draw their data after their h1). */
async function waitForLoaded(page: Page): Promise<void> {
  // A function, not a string: the dashboard's Content-Security-Policy forbids evaluating strings while polling.
  await page.waitForFunction(
    () =>
      !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector(
        '.loading, .spinner',
      ),
  );
}

async function shot(page: Page, name: string, fullPage = true): Promise<string> {
  const file = path.join(RESULTS, `${name}.png`);
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: file, fullPage });
  return file;
}
