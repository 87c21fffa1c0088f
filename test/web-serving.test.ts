// The dashboard's files as the server serves them at /app (and the creator portal's at /p): the SPA fallback, cache
// headers, security headers, the page shown before the first build, and /app never being taken for a tracking link.
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace } from '../src/app/workspaces.js';
import { loadConfig } from '../src/config.js';
import { buildApp, type BuiltApp } from '../src/http/app.js';
import { DIALECTS, freshStore, tempDir, type TestStore } from './helpers/stores.js';

const INDEX =
  '<!doctype html><html><head><script type="module" src="/app/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';
const PORTAL_INDEX =
  '<!doctype html><html><head><script type="module" src="/p/assets/index-def456.js"></script></head><body><div id="root"></div></body></html>';

function fakeBuild(): string {
  const root = tempDir('tp-web-');
  fs.mkdirSync(path.join(root, 'app', 'assets'), { recursive: true });
  fs.writeFileSync(path.join(root, 'app', 'index.html'), INDEX);
  fs.writeFileSync(path.join(root, 'app', 'assets', 'index-abc123.js'), 'console.log("dashboard")');
  fs.writeFileSync(path.join(root, 'app', 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  fs.mkdirSync(path.join(root, 'portal'), { recursive: true });
  fs.writeFileSync(path.join(root, 'portal', 'index.html'), PORTAL_INDEX);
  return root;
}

describe.each(DIALECTS)('the dashboard at /app on %s', (kind) => {
  let db: TestStore;
  let built: BuiltApp;
  let unbuilt: BuiltApp;
  let apiKey = '';
  const webRoot = fakeBuild();

  beforeAll(async () => {
    db = await freshStore(kind);
    const config = loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: db.dataDir });
    built = await buildApp(config, { store: db.store, logger: false, webRoot });
    unbuilt = await buildApp(config, { store: db.store, logger: false, webRoot: path.join(webRoot, 'nothing-here') });
    const ws = await createWorkspace(built.ctx, { name: 'Acme' });
    if (!ws.ok) throw new Error(ws.problem.message);
    apiKey = ws.value.apiKey;
  });
  afterAll(async () => {
    await built.close();
    await unbuilt.close();
    await db.cleanup();
    fs.rmSync(webRoot, { recursive: true, force: true });
  });

  const get = (app: BuiltApp, url: string, method: 'GET' | 'HEAD' = 'GET') => app.app.inject({ method, url });

  it('answers every app path with index.html, uncached, with security headers', async () => {
    for (const url of [
      '/app',
      '/app/',
      '/app/login',
      '/app/offers/off_01kaxk7w9v3f4e8h2m6n5p0qrs/edit',
      '/app/setup?token=abc',
    ]) {
      const res = await get(built, url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(INDEX);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toMatch(/script-src 'self';.*frame-ancestors 'none'/);
      expect(res.headers['x-frame-options']).toBe('DENY');
    }
    expect((await get(built, '/app', 'HEAD')).statusCode).toBe(200);
  });

  it('caches hashed assets for a year and other root files for an hour; a missing asset is a 404, not the page', async () => {
    const js = await get(built, '/app/assets/index-abc123.js');
    expect(js.statusCode).toBe(200);
    expect(js.body).toBe('console.log("dashboard")');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const icon = await get(built, '/app/favicon.svg');
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('public, max-age=3600');
    const missing = await get(built, '/app/assets/index-old999.js');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('route_not_found');
    expect((await get(built, '/app/assets/%2e%2e/%2e%2e/index.html')).statusCode).not.toBe(200);
  });

  it('says how to build the dashboard when it is not built, and the API is unaffected', async () => {
    for (const url of ['/app', '/app/offers']) {
      const res = await get(unbuilt, url);
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build');
    }
    const api = await unbuilt.app.inject({
      method: 'GET',
      url: '/api/v1/offers',
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(api.statusCode).toBe(200);
  });

  it('serves the creator portal at /p the same way, while /p/auth stays the magic-link route', async () => {
    for (const url of ['/p', '/p/', '/p/login?error=link_invalid', '/p/commissions']) {
      const res = await get(built, url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toBe(PORTAL_INDEX);
      expect(res.headers['cache-control']).toBe('no-cache');
    }
    const auth = await get(built, '/p/auth?token=nonsense');
    expect(auth.statusCode).toBe(302);
    expect(auth.headers.location).toBe('/p/login?error=link_invalid');
    const res = await get(unbuilt, '/p/login');
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('The creator portal is not built');
  });

  it('keeps /app, /p and /api away from tracking links, over real HTTP too; the routes stay out of the API document', async () => {
    const offer = await built.app.inject({
      method: 'POST',
      url: '/api/v1/offers',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify({
        name: 'S',
        destinationUrl: 'https://shop.example.com',
        payoutOptions: [{ title: 'A', type: 'percent', value: '10' }],
      }),
    });
    for (const slug of ['app', 'APP', 'api', 'p']) {
      const link = await built.app.inject({
        method: 'POST',
        url: '/api/v1/links',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ offerId: offer.json().id, slug }),
      });
      expect(link.statusCode, slug).toBe(400);
      expect(link.body).toMatch(slug === 'p' ? /slug_too_short/ : /slug_reserved/);
    }
    await built.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(built.app.server.address() as AddressInfo).port}`;
    const page = await fetch(`${base}/app`, { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toBe(INDEX);
    const doc = (await built.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/app'))).toEqual([]);
  });
});
