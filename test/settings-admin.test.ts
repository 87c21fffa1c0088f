// The admin Settings sections' API on SQLite and PostgreSQL, over real HTTP with real sessions: the workspace's default
// hold days (migration 0024, the workspace contract, new offers), who may change workspace, team, keys and webhooks
// (viewers never; users and keys owners only), the last owner kept, and secrets shown only to those who may see them.
import { Migrator, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFirstOwner } from '../src/app/users.js';
import { dispatchWebhooks } from '../src/app/webhooks.js';
import { enqueueWebhook } from '../src/db/webhooks.js';
import { migrateToLatest } from '../src/db/dialect/index.js';
import { migrations } from '../src/db/migrations/index.js';
import { samplePercentOffer, startTestApp, type TestApp } from './helpers/app.js';
import { listen, newBrowser, type Browser } from './helpers/browser.js';
import { DIALECTS, freshStore } from './helpers/stores.js';

const PASSWORD = 'correct horse battery staple';

describe.each(DIALECTS)('migration 0024 on %s', (kind) => {
  it('gives workspaces made before it a default hold of 30 days, and refuses one outside 0..365', async () => {
    const t = await freshStore(kind, { migrate: false });
    try {
      const db = t.store.db as Kysely<any>;
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        migrationTableName: 'touchpoint_migrations',
        migrationLockTableName: 'touchpoint_migrations_lock',
      });
      expect((await migrator.migrateTo('0023-job-runs')).error).toBeUndefined();
      const row = {
        id: 'ws_old',
        name: 'Old',
        click_tag: 'Old1',
        timezone: 'UTC',
        currency: 'USD',
        postback_secret: 's',
        ip_hash_key: 'k',
        created_at: 1,
        shopify_webhook_secret: null,
        min_payout_minor: 0,
        rollup_timezone: 'UTC',
      };
      await db.insertInto('workspaces').values(row).execute();
      await migrateToLatest(t.store.db);
      const after = await db.selectFrom('workspaces').select('default_hold_days').executeTakeFirstOrThrow();
      expect(Number(after.default_hold_days)).toBe(30);
      await expect(
        db.updateTable('workspaces').set({ default_hold_days: 366 }).where('id', '=', 'ws_old').execute(),
      ).rejects.toThrow();
      await expect(
        db.updateTable('workspaces').set({ default_hold_days: -1 }).where('id', '=', 'ws_old').execute(),
      ).rejects.toThrow();
    } finally {
      await t.cleanup();
    }
  });
});

describe.each(DIALECTS)('admin settings API on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let owner: Browser;
  let manager: Browser;
  let viewer: Browser;
  let ownerId = '';

  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
  const invite = async (email: string, role: string): Promise<Browser> => {
    const created = await owner.request('POST', '/api/v1/users', { email, name: email.split('@')[0], role });
    expect(created.status, created.body).toBe(201);
    const b = newBrowser(base);
    const setup = await b.request('POST', '/api/v1/auth/setup', {
      token: tokenOf(created.data.setupUrl),
      password: PASSWORD,
    });
    expect(setup.status, setup.body).toBe(200);
    return b;
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    base = await listen(t);
    const first = (await createFirstOwner(t.built.ctx, t.workspaceId, 'owner@acme.test'))!;
    owner = newBrowser(base);
    const login = await owner.request('POST', '/api/v1/auth/login', { email: first.email, password: first.password });
    expect(login.status).toBe(200);
    ownerId = login.data.user.id;
    expect(
      (await owner.request('POST', '/api/v1/auth/password', { currentPassword: first.password, newPassword: PASSWORD }))
        .status,
    ).toBe(200);
    manager = await invite('max@acme.test', 'manager');
    viewer = await invite('vera@acme.test', 'viewer');
  }, 60_000);
  afterAll(() => t?.close());

  it('keeps a default hold of 30 days, changes it, and gives it to offers created without holdDays', async () => {
    const ws = await t.api('GET', '/workspace');
    expect(ws.data).toMatchObject({ defaultHoldDays: 30, minimumPayout: '0.00' });
    const before = await t.api('POST', '/offers', samplePercentOffer);
    expect(before.data.holdDays).toBe(30);

    const patched = await manager.request('PATCH', '/api/v1/workspace', { defaultHoldDays: 12 });
    expect(patched.status, patched.body).toBe(200);
    expect(patched.data.defaultHoldDays).toBe(12);
    const offer = await t.api('POST', '/offers', { ...samplePercentOffer, name: 'Summer' });
    expect(offer.statusCode, offer.body).toBe(201);
    expect(offer.data.holdDays).toBe(12);
    const explicit = await t.api('POST', '/offers', { ...samplePercentOffer, name: 'Autumn', holdDays: 0 });
    expect(explicit.data.holdDays).toBe(0);
    // Offers made before keep their own hold.
    expect((await t.api('GET', `/offers/${before.data.id}`)).data.holdDays).toBe(30);

    for (const bad of [366, -1, 2.5, 'soon']) {
      const r = await owner.request('PATCH', '/api/v1/workspace', { defaultHoldDays: bad });
      expect(r.status, `${bad}: ${r.body}`).toBe(400);
      expect(r.data.error.code).toMatch(/^(body_invalid|validation_failed)$/);
    }
    expect((await t.api('GET', '/workspace')).data.defaultHoldDays).toBe(12);

    const minimum = await owner.request('PUT', '/api/v1/workspace/minimum-payout', { amount: '25.50' });
    expect(minimum.status, minimum.body).toBe(200);
    expect((await viewer.request('GET', '/api/v1/workspace')).data.minimumPayout).toBe('25.50');
  });

  it("refuses a viewer's every write in the four sections, with forbidden_role, and changes nothing", async () => {
    const endpoint = await t.api('POST', '/webhook-endpoints', {
      url: 'http://127.0.0.1:9/hook',
      events: ['conversion.created'],
    });
    expect(endpoint.statusCode).toBe(201);
    const keys = (await t.api('GET', '/api-keys')).data.data as { id: string }[];
    const writes: [string, string, unknown?][] = [
      ['PATCH', '/api/v1/workspace', { name: 'Viewer was here', defaultHoldDays: 1, timezone: 'Asia/Tokyo' }],
      ['PUT', '/api/v1/workspace/minimum-payout', { amount: '1.00' }],
      ['PUT', '/api/v1/fx-rates', { from: 'EUR', to: 'USD', rate: '1.1' }],
      ['POST', '/api/v1/api-keys', { name: 'viewer key' }],
      ['DELETE', `/api/v1/api-keys/${keys[0]!.id}`],
      ['POST', '/api/v1/users', { email: 'x@acme.test', name: 'X', role: 'owner' }],
      ['PATCH', `/api/v1/users/${ownerId}`, { role: 'viewer' }],
      ['DELETE', `/api/v1/users/${ownerId}`],
      ['POST', '/api/v1/webhook-endpoints', { url: 'https://example.com/h', events: ['alert.raised'] }],
      ['DELETE', `/api/v1/webhook-endpoints/${endpoint.data.id}`],
      ['POST', `/api/v1/webhook-messages/whm_${'0'.repeat(26)}/retry`],
    ];
    for (const [method, path, body] of writes) {
      const r = await viewer.request(method, path, body);
      expect(r.status, `${method} ${path}: ${r.body}`).toBe(403);
      expect(r.data.error.code).toBe('forbidden_role');
    }
    const ws = (await t.api('GET', '/workspace')).data;
    expect(ws).toMatchObject({ name: 'Acme', defaultHoldDays: 12, timezone: 'UTC', minimumPayout: '25.50' });
    expect((await t.api('GET', '/fx-rates')).data.data).toEqual([]);
    expect((await t.api('GET', '/api-keys')).data.data).toHaveLength(keys.length);
    expect((await t.api('GET', '/users')).data.data).toHaveLength(3);
    expect((await t.api('GET', '/webhook-endpoints')).data.data.every((e: any) => e.active)).toBe(true);

    // Users and API keys are an owner's: a manager is refused too.
    for (const [method, path, body] of writes.filter(([, p]) => /\/(users|api-keys)/.test(p))) {
      const r = await manager.request(method, path, body);
      expect(r.status, `${method} ${path}: ${r.body}`).toBe(403);
      expect(r.data.error.code).toBe('forbidden_role');
    }
  });

  it('shows webhook signing secrets to owners and managers, never to viewers', async () => {
    const created = await manager.request('POST', '/api/v1/webhook-endpoints', {
      url: 'https://hooks.example.com/tp',
      events: ['commission.approved', 'alert.raised'],
    });
    expect(created.status, created.body).toBe(201);
    const secret = created.data.secret as string;
    expect(secret).toMatch(/^whsec_/);
    const find = (b: { data: any }) => (b.data.data as any[]).find((e) => e.id === created.data.id);
    expect(find(await owner.request('GET', '/api/v1/webhook-endpoints')).secret).toBe(secret);
    expect(find(await manager.request('GET', '/api/v1/webhook-endpoints')).secret).toBe(secret);
    const seen = await viewer.request('GET', '/api/v1/webhook-endpoints');
    expect(seen.status).toBe(200);
    expect(find(seen)).toMatchObject({
      url: 'https://hooks.example.com/tp',
      events: ['commission.approved', 'alert.raised'],
    });
    expect(find(seen).secret).toBeUndefined();
    expect(seen.body).not.toContain('whsec_');
  });

  it('refuses to demote or remove the last owner with last_owner, and lets it once there is another', async () => {
    for (const [method, body] of [
      ['PATCH', { role: 'manager' }],
      ['PATCH', { role: 'viewer' }],
      ['DELETE', undefined],
    ] as const) {
      const r = await owner.request(method, `/api/v1/users/${ownerId}`, body);
      expect(r.status, r.body).toBe(409);
      expect(r.data.error.code).toBe('last_owner');
    }
    const users = (await owner.request('GET', '/api/v1/users')).data.data as { id: string; role: string }[];
    expect(users.find((u) => u.id === ownerId)!.role).toBe('owner');
    expect((await owner.request('GET', '/api/v1/auth/me')).status).toBe(200);

    const max = users.find((u) => u.role === 'manager')!;
    expect((await owner.request('PATCH', `/api/v1/users/${max.id}`, { role: 'owner' })).status).toBe(200);
    const demoted = await owner.request('PATCH', `/api/v1/users/${ownerId}`, { role: 'manager' });
    expect(demoted.status, demoted.body).toBe(200);
    expect(demoted.data.role).toBe('manager');
    // Now Max is the only owner, and cannot remove himself.
    const self = await manager.request('DELETE', `/api/v1/users/${max.id}`);
    expect(self.status, self.body).toBe(409);
    expect(self.data.error.code).toBe('last_owner');
    expect((await manager.request('PATCH', `/api/v1/users/${ownerId}`, { role: 'owner' })).status).toBe(200);
  });

  it("logs every delivery attempt of a webhook message with the receiver's status and time", async () => {
    const statuses = [503];
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(statuses.shift() ?? 204).end());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/in`;
      const endpoint = await t.api('POST', '/webhook-endpoints', { url, events: ['alert.raised'] });
      expect(endpoint.statusCode, endpoint.body).toBe(201);
      const t0 = Date.now();
      await enqueueWebhook(t.db.store.db, t.workspaceId, 'alert.raised', { test: true }, t0);
      expect(await dispatchWebhooks(t.built.ctx)).toBe(0);
      const log = async () => {
        const r = await viewer.request('GET', `/api/v1/webhook-endpoints/${endpoint.data.id}/messages`);
        expect(r.status, r.body).toBe(200);
        return r.data.data as any[];
      };
      let [message] = await log();
      expect(message.attemptLog).toHaveLength(1);
      expect(message.attemptLog[0]).toMatchObject({ attempt: 1, status: 503, error: 'HTTP 503' });
      const retried = await manager.request('POST', `/api/v1/webhook-messages/${message.id}/retry`);
      expect(retried.status, retried.body).toBe(200);
      expect(await dispatchWebhooks(t.built.ctx)).toBe(1);
      [message] = await log();
      expect(message).toMatchObject({ status: 'delivered', attempts: 2, lastStatus: 204 });
      expect(message.attemptLog.map((a: any) => [a.attempt, a.status, a.error])).toEqual([
        [1, 503, 'HTTP 503'],
        [2, 204, null],
      ]);
      for (const a of message.attemptLog) expect(Date.parse(a.at)).toBeGreaterThanOrEqual(t0);
      // Delivered: nothing to send again.
      const again = await manager.request('POST', `/api/v1/webhook-messages/${message.id}/retry`);
      expect(again.status).toBe(404);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('answers an invitation with its setup link once; the user list never holds it', async () => {
    const invited = await owner.request('POST', '/api/v1/users', {
      email: 'Nia@Acme.test',
      name: 'Nia',
      role: 'viewer',
    });
    expect(invited.status, invited.body).toBe(201);
    expect(invited.data.user).toMatchObject({ email: 'nia@acme.test', role: 'viewer', invited: true });
    const token = tokenOf(invited.data.setupUrl);
    expect(token.length).toBeGreaterThan(20);
    const list = await owner.request('GET', '/api/v1/users');
    expect(list.body).not.toContain(token);
    expect(list.body).not.toContain('setupUrl');
    const again = await owner.request('POST', '/api/v1/users', { email: 'nia@acme.test', name: 'Nia', role: 'owner' });
    expect(again.status).toBe(409);
    expect(again.data.error.code).toBe('email_taken');
  });

  it('shows an API key once, lists it by prefix with its last use, and a revoked key answers 401', async () => {
    const created = await owner.request('POST', '/api/v1/api-keys', { name: 'Zapier' });
    expect(created.status, created.body).toBe(201);
    const key = created.data.key as string;
    expect(key.startsWith(created.data.prefix)).toBe(true);
    const listed = await owner.request('GET', '/api/v1/api-keys');
    expect(listed.body).not.toContain(key);
    expect((listed.data.data as any[]).find((k) => k.id === created.data.id)).toMatchObject({
      name: 'Zapier',
      prefix: created.data.prefix,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect((await t.api('GET', '/offers', undefined, key)).statusCode).toBe(200);
    const used = (await owner.request('GET', '/api/v1/api-keys')).data.data.find((k: any) => k.id === created.data.id);
    expect(used.lastUsedAt).not.toBeNull();
    expect((await owner.request('DELETE', `/api/v1/api-keys/${created.data.id}`)).status).toBe(200);
    const after = await t.api('GET', '/offers', undefined, key);
    expect(after.statusCode).toBe(401);
  });
});
