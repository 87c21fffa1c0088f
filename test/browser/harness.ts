// What a dashboard test in a real browser needs: the web app built (once per change of web/, cached under .tmp/),
// a Touchpoint on a real SQLite database listening on loopback with that build, a signed-in owner, Debian's
// Chromium driven by playwright-core (test files skip without it, except in CI: `noChromium`), and screenshots in test-results/ at the widths that matter.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createWorkspace } from '../../src/app/workspaces.js';
import { createFirstOwner, createUser } from '../../src/app/users.js';
import { loadConfig } from '../../src/config.js';
import { buildApp, type BuiltApp } from '../../src/http/app.js';
import { withData } from '../helpers/app.js';
import { assertChromium, CHROMIUM, CHROMIUM_ARGS as ARGS } from '../helpers/chromium.js';
import { freshStore, type TestStore } from '../helpers/stores.js';

export { noChromium } from '../helpers/chromium.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const RESULTS = path.join(ROOT, 'test-results');
export const WIDTHS = {
  desktop: { width: 1280, height: 860 },
  phone: { width: 390, height: 844 },
  wide: { width: 1440, height: 900 },
} as const;
export type Width = keyof typeof WIDTHS;

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : [p];
  });
}

/** Every surface the server serves: each is built into <root>/<name>, as `npm run build:web` does into dist/web. */
const SURFACES = ['app', 'portal'] as const;

/**
 * The build the tests drive is the one people get: production. Vitest runs with NODE_ENV=test, and Vite keeps a NODE_ENV
 * it finds, which bundled React's development build: under <StrictMode> that mounts every component twice, so each
 * page aborted its first requests (useResource's cleanup) and ran its effects twice, which no user ever sees.
 */
const BUILD_ENV = 'production';

/** Builds web/ with Vite unless a build of exactly these sources exists; returns the folder holding app/ and portal/. */
export async function builtWebRoot(): Promise<string> {
  const hash = crypto.createHash('sha256').update(BUILD_ENV);
  for (const f of filesUnder(path.join(ROOT, 'web')).sort())
    hash.update(path.relative(ROOT, f)).update(fs.readFileSync(f));
  const cache = path.join(ROOT, '.tmp', 'web-build');
  const target = path.join(cache, hash.digest('hex').slice(0, 16));
  if (SURFACES.every((name) => fs.existsSync(path.join(target, name, 'index.html')))) return target;
  fs.mkdirSync(path.dirname(cache), { recursive: true });
  const work = fs.mkdtempSync(`${cache}-`);
  const { build } = await import('vite');
  const testEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = BUILD_ENV;
  try {
    for (const name of SURFACES) {
      await build({
        configFile: path.join(ROOT, `web/${name}/vite.config.ts`),
        logLevel: 'warn',
        build: { outDir: path.join(work, name), emptyOutDir: true },
      });
    }
  } finally {
    if (testEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = testEnv;
  }
  fs.mkdirSync(cache, { recursive: true });
  // Builds of earlier sources are of no use any more.
  for (const old of fs.readdirSync(cache))
    if (path.join(cache, old) !== target) fs.rmSync(path.join(cache, old), { recursive: true, force: true });
  try {
    fs.renameSync(work, target);
  } catch {
    // Another test file built the same sources at the same moment: use its build.
    fs.rmSync(work, { recursive: true, force: true });
  }
  return target;
}

export interface Dashboard {
  base: string;
  built: BuiltApp;
  store: TestStore;
  workspaceId: string;
  owner: { email: string; password: string };
  /** The admin API with the workspace's API key (to arrange and to check what the UI did). */
  api(method: string, path: string, body?: unknown): Promise<{ statusCode: number; body: string; data: any }>;
  browser: Browser;
  /** A fresh browser context at a width; page errors and dialogs are collected, never silently accepted. */
  open(width: Width): Promise<Page>;
  /** alert()/confirm() dialogs and uncaught page errors seen so far, in any page. */
  dialogs: string[];
  pageErrors: string[];
  shot(page: Page, name: string, width: Width): Promise<string>;
  signIn(page: Page, email: string, password: string): Promise<void>;
  close(): Promise<void>;
}

export async function startDashboard(): Promise<Dashboard> {
  assertChromium();
  const webRoot = await builtWebRoot();
  const store = await freshStore('sqlite');
  const config = loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: store.dataDir }, { clickFlushMs: 50 });
  const built = await buildApp(config, { store: store.store, logger: false, webRoot });
  await built.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
  const ws = await createWorkspace(built.ctx, { name: 'Acme Beauty' });
  if (!ws.ok) throw new Error(ws.problem.message);
  const workspaceId = ws.value.workspace.id;
  const first = await createFirstOwner(built.ctx, workspaceId, 'owner@acme.test');
  if (!first) throw new Error('no first owner');

  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  const contexts: BrowserContext[] = [];
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  fs.mkdirSync(RESULTS, { recursive: true });

  return {
    base,
    built,
    store,
    workspaceId,
    browser,
    dialogs,
    pageErrors,
    owner: { email: first.email, password: first.password },
    async api(method, url, body) {
      const res = await built.app.inject({
        method: method as never,
        url: `/api/v1${url}`,
        headers: {
          authorization: `Bearer ${ws.value.apiKey}`,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
      });
      return withData(res);
    },
    async open(width) {
      // A fixed locale and a zone away from UTC, so dates and money read the same on every machine.
      const context = await browser.newContext({
        viewport: WIDTHS[width],
        deviceScaleFactor: 1,
        acceptDownloads: true,
        locale: 'en-US',
        timezoneId: 'America/New_York',
      });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
      contexts.push(context);
      const page = await context.newPage();
      page.on('dialog', (d) => {
        dialogs.push(`${d.type()}: ${d.message()}`);
        void d.dismiss();
      });
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error' && /Content Security Policy|Uncaught/.test(m.text())) pageErrors.push(m.text());
      });
      return page;
    },
    async shot(page, name, width) {
      const file = path.join(RESULTS, `dashboard-${name}-${WIDTHS[width].width}.png`);
      // From the top: a full-page capture of a scrolled page draws sticky bars halfway down.
      await page.evaluate('window.scrollTo(0, 0)');
      // With a dialog open, what the person sees is the viewport; otherwise the whole page.
      const modal = await page.locator('dialog[open]').count();
      await page.screenshot({ path: file, fullPage: modal === 0 });
      return file;
    },
    async signIn(page, email, password) {
      await page.goto(`${base}/app/login`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await built.close();
      await store.cleanup();
    },
  };
}

/**
 * The owner's first sign-in: with the one-time password printed at the first start, then the password of their
 * choice, which the dashboard asks for before anything else. Ends on the Offers page.
 */
export async function signInFirstTime(d: Dashboard, page: Page, newPassword: string): Promise<void> {
  await d.signIn(page, d.owner.email, d.owner.password);
  await page.getByLabel('One-time password').fill(d.owner.password);
  await page.getByLabel('New password', { exact: true }).fill(newPassword);
  await page.getByLabel('Repeat the new password').fill(newPassword);
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
}

export interface Invitee {
  email?: string;
  name?: string;
  role?: 'owner' | 'manager' | 'viewer';
}

/** Invites someone to the dashboard (Vera, a viewer, unless told); the path of their setup link. */
export async function invitedSetupPath(
  d: Dashboard,
  { email = 'vera@acme.test', name = 'Vera Viewer', role = 'viewer' }: Invitee = {},
): Promise<string> {
  const invited = await createUser(d.built.ctx, { workspaceId: d.workspaceId, actor: 'test' }, { email, name, role });
  if (!invited.ok) throw new Error(invited.problem.message);
  const url = new URL(invited.value.setupUrl);
  return `${url.pathname}${url.search}`;
}

/** On the page a setup link opened: chooses the password and signs in. Ends on the Offers page. */
export async function choosePassword(page: Page, password = 'viewer password 1'): Promise<void> {
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('Repeat the password').fill(password);
  await page.getByRole('button', { name: 'Save and sign in' }).click();
  await page.getByRole('heading', { name: 'Offers', exact: true }).waitFor();
}

/** Invites someone (a viewer unless told), opens their setup link at a width, chooses a password and signs in. */
export async function signInInvited(d: Dashboard, width: Width, who?: Invitee): Promise<Page> {
  const setupPath = await invitedSetupPath(d, who);
  const page = await d.open(width);
  await page.goto(`${d.base}${setupPath}`);
  await choosePassword(page);
  return page;
}
