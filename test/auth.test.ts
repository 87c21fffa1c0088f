// Dashboard accounts over real HTTP: passwords, sessions and their cookies, CSRF, roles, setup links, throttling.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { takeAttempts } from '../src/app/throttle.js';
import { LOGIN_MAX_PER_EMAIL, LOGIN_MAX_PER_IP } from '../src/app/sign-in.js';
import { createFirstOwner, resetPassword } from '../src/app/users.js';
import { createWorkspace } from '../src/app/workspaces.js';
import { loadConfig } from '../src/config.js';
import { migrateToLatest, openStore } from '../src/db/dialect/index.js';
import { buildApp } from '../src/http/app.js';
import { startServer } from '../src/http/server.js';
import { hashToken } from '../src/core/passwords.js';
import { samplePercentOffer, startTestApp, type TestApp } from './helpers/app.js';
import { cookieAttributes, listen, newBrowser, setCookie, type Browser } from './helpers/browser.js';
import { freePort, spawnServer } from './helpers/server.js';
import { createPgDatabase, DIALECTS, tempDir } from './helpers/stores.js';

const OWNER_EMAIL = 'owner@acme.test';
const NEW_PASSWORD = 'correct horse battery staple';
/** The first owner's own password, chosen in beforeAll: a one-time password opens nothing but the password change. */
const OWNER_PASSWORD = 'the owner chose this one';

describe.each(DIALECTS)('dashboard accounts on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let now = Date.UTC(2026, 2, 1, 12);
  let ownerPassword: string;

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    base = await listen(t);
    const owner = await createFirstOwner(t.built.ctx, t.workspaceId, OWNER_EMAIL);
    const b = newBrowser(base);
    expect(
      (await b.request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: owner!.password })).status,
    ).toBe(200);
    const changed = await b.request('POST', '/api/v1/auth/password', {
      currentPassword: owner!.password,
      newPassword: OWNER_PASSWORD,
    });
    expect(changed.status, changed.body).toBe(200);
    ownerPassword = OWNER_PASSWORD;
  });
  afterAll(() => t.close());
  // Each test starts after the previous one's throttle window (15 minutes) has passed.
  beforeEach(() => {
    now += 16 * 60_000;
  });

  const signIn = async (email = OWNER_EMAIL, password = ownerPassword): Promise<Browser> => {
    const b = newBrowser(base);
    const res = await b.request('POST', '/api/v1/auth/login', { email, password });
    expect(res.status, res.body).toBe(200);
    return b;
  };
  const offerCount = async () => (await t.api('GET', '/offers?limit=200')).data.data.length as number;

  /** A user invited by the owner who has set their password from the setup link. */
  const invite = async (owner: Browser, email: string, role: string): Promise<Browser> => {
    const created = await owner.request('POST', '/api/v1/users', { email, name: email.split('@')[0], role });
    expect(created.status, created.body).toBe(201);
    const token = new URL(created.data.setupUrl).searchParams.get('token')!;
    const b = newBrowser(base);
    const res = await b.request('POST', '/api/v1/auth/setup', { token, password: NEW_PASSWORD });
    expect(res.status, res.body).toBe(200);
    return b;
  };

  it('keeps scrypt hashes of passwords and SHA-256 of session tokens, never either in clear', async () => {
    const b = await signIn();
    const token = b.cookies.get('tp_session')!;
    const users = await t.db.store.db.selectFrom('users').selectAll().execute();
    expect(users).toHaveLength(1);
    expect(users[0]!.password_hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    const sessions = await t.db.store.db.selectFrom('user_sessions').selectAll().execute();
    expect(sessions.map((s) => s.token_hash)).toContain(hashToken(token));
    const everything = JSON.stringify([
      users,
      sessions,
      await t.db.store.db.selectFrom('one_time_tokens').selectAll().execute(),
    ]);
    expect(everything).not.toContain(ownerPassword);
    expect(everything).not.toContain(token);
  });

  it('signs in with cookies of the right attributes, answers /auth/me, and signs out', async () => {
    const b = newBrowser(base);
    const res = await b.request('POST', '/api/v1/auth/login', { email: ' Owner@ACME.test ', password: ownerPassword });
    expect(res.status).toBe(200);
    expect(res.data).toEqual({
      user: {
        id: expect.stringMatching(/^usr_/),
        email: OWNER_EMAIL,
        name: 'Owner',
        role: 'owner',
        mustChangePassword: false,
      },
      workspace: { id: t.workspaceId, name: 'Acme', timezone: 'UTC' },
    });
    const cookies = { tp_session: setCookie(res, 'tp_session'), tp_csrf: setCookie(res, 'tp_csrf') };
    expect(cookies.tp_session.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookies.tp_session.attrs).toMatchObject({ httponly: '', samesite: 'Lax', path: '/' });
    expect(cookies.tp_session.attrs).not.toHaveProperty('secure');
    expect(cookies.tp_csrf.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(cookies.tp_csrf.value).not.toBe(cookies.tp_session.value);
    expect(cookies.tp_csrf.attrs).toMatchObject({ samesite: 'Lax', path: '/' });
    expect(cookies.tp_csrf.attrs).not.toHaveProperty('httponly');

    const me = await b.request('GET', '/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.data).toEqual(res.data);
    expect((await b.request('GET', '/api/v1/offers')).status).toBe(200);

    const token = b.cookies.get('tp_session')!;
    const out = await b.request('POST', '/api/v1/auth/logout');
    expect(out.status).toBe(200);
    expect(b.cookies.has('tp_session')).toBe(false);
    expect((await b.request('GET', '/api/v1/auth/me')).status).toBe(401);
    // The old cookie, replayed, opens nothing.
    const replay = newBrowser(base);
    replay.cookies.set('tp_session', token);
    expect((await replay.request('GET', '/api/v1/offers')).data.error.code).toBe('unauthorized');
  });

  it('marks the cookies Secure when BASE_URL is https', async () => {
    const https = await startTestApp(kind, { baseUrl: 'https://tp.test' });
    try {
      const owner = await createFirstOwner(https.built.ctx, https.workspaceId, 'secure@acme.test');
      const b = newBrowser(await listen(https));
      const res = await b.request('POST', '/api/v1/auth/login', { email: owner!.email, password: owner!.password });
      expect(res.status).toBe(200);
      for (const line of res.setCookies) expect(cookieAttributes(line).attrs, line).toHaveProperty('secure');
    } finally {
      await https.close();
    }
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    const b = newBrowser(base);
    const wrong = await b.request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: ownerPassword + 'x' });
    const unknown = await b.request('POST', '/api/v1/auth/login', {
      email: 'nobody@acme.test',
      password: ownerPassword,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.data).toEqual({ error: { code: 'invalid_credentials', message: expect.any(String) } });
    expect(unknown.status).toBe(401);
    expect(unknown.data).toEqual(wrong.data);
    expect(wrong.setCookies).toEqual([]);
    expect(unknown.setCookies).toEqual([]);
  });

  it('takes sign-in forms as JSON only, so a cross-site HTML form cannot sign a browser in', async () => {
    const res = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ email: OWNER_EMAIL, password: ownerPassword }).toString(),
    });
    expect(res.status).toBe(415);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it('opens every /api/v1 route to the session, and refuses a state-changing request without the CSRF token', async () => {
    const b = await signIn();
    expect((await b.request('GET', '/api/v1/offers')).status).toBe(200);
    const before = await offerCount();
    const missing = await b.request('POST', '/api/v1/offers', samplePercentOffer, { csrf: null });
    expect(missing.status).toBe(403);
    expect(missing.data.error.code).toBe('csrf_failed');
    const wrong = await b.request('POST', '/api/v1/offers', samplePercentOffer, { csrf: 'x'.repeat(43) });
    expect(wrong.status).toBe(403);
    expect(wrong.data.error.code).toBe('csrf_failed');
    // The cookie's value is what must come back: a token of another session does not do.
    const other = await signIn();
    expect(other.cookies.get('tp_csrf')).not.toBe(b.cookies.get('tp_csrf'));
    const crossed = await b.request('POST', '/api/v1/offers', samplePercentOffer, {
      csrf: other.cookies.get('tp_csrf')!,
    });
    expect(crossed.data.error.code).toBe('csrf_failed');
    expect(await offerCount()).toBe(before);

    const made = await b.request('POST', '/api/v1/offers', samplePercentOffer);
    expect(made.status, made.body).toBe(201);
    for (const [method, path] of [
      ['PATCH', `/api/v1/offers/${made.data.id}`],
      ['POST', `/api/v1/offers/${made.data.id}/pause`],
    ] as const) {
      const res = await b.request(method, path, method === 'PATCH' ? { name: 'Renamed' } : undefined, { csrf: null });
      expect(res.data.error.code, `${method} ${path}`).toBe('csrf_failed');
    }
    const key = (await t.api('POST', '/api-keys', { name: 'kept' })).data;
    expect((await b.request('DELETE', `/api/v1/api-keys/${key.id}`, undefined, { csrf: null })).data.error.code).toBe(
      'csrf_failed',
    );
    expect((await t.api('GET', `/offers/${made.data.id}`)).data).toMatchObject({
      name: samplePercentOffer.name,
      status: 'active',
    });
    expect((await t.api('GET', '/workspace', undefined, key.key)).statusCode).toBe(200);

    // API keys need no CSRF token; and an Authorization header is never overridden by a cookie.
    expect((await t.api('POST', '/offers', samplePercentOffer)).statusCode).toBe(201);
    const badKey = await b.request('GET', '/api/v1/offers', undefined, {
      headers: { authorization: 'Bearer tpk_nope' },
    });
    expect(badKey.status).toBe(401);
  });

  it('holds users to their role: viewers read, managers change all but users and API keys, owners everything', async () => {
    const owner = await signIn();
    const viewer = await invite(owner, 'vera@acme.test', 'viewer');
    const manager = await invite(owner, 'max@acme.test', 'manager');
    const offer = (await t.api('POST', '/offers', samplePercentOffer)).data;
    const before = await offerCount();

    expect((await viewer.request('GET', '/api/v1/offers')).status).toBe(200);
    expect((await viewer.request('GET', `/api/v1/offers/${offer.id}`)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/api/v1/offers', samplePercentOffer],
      ['PATCH', `/api/v1/offers/${offer.id}`, { name: 'Viewer was here' }],
      ['POST', `/api/v1/offers/${offer.id}/archive`, undefined],
      ['POST', '/api/v1/members', { name: 'Eve' }],
    ] as const) {
      const res = await viewer.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.data.error.code).toBe('forbidden_role');
    }
    expect(await offerCount()).toBe(before);
    expect((await t.api('GET', `/offers/${offer.id}`)).data).toMatchObject({
      name: samplePercentOffer.name,
      status: 'active',
    });

    expect((await manager.request('POST', '/api/v1/offers', samplePercentOffer)).status).toBe(201);
    expect((await manager.request('PATCH', `/api/v1/offers/${offer.id}`, { name: 'Manager edit' })).status).toBe(200);
    for (const [method, path, body] of [
      ['GET', '/api/v1/users', undefined],
      ['POST', '/api/v1/users', { email: 'x@acme.test', name: 'X', role: 'owner' }],
      ['GET', '/api/v1/api-keys', undefined],
      ['POST', '/api/v1/api-keys', { name: 'sneaky' }],
    ] as const) {
      const res = await manager.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.data.error.code).toBe('forbidden_role');
      expect((await viewer.request(method, path, body)).data.error.code).toBe('forbidden_role');
    }
    expect(
      await t.db.store.db.selectFrom('users').select('email').where('email', '=', 'x@acme.test').execute(),
    ).toEqual([]);

    const list = await owner.request('GET', '/api/v1/users');
    expect(list.status).toBe(200);
    expect(list.data.data.map((u: { email: string; role: string }) => [u.email, u.role]).sort()).toEqual([
      ['max@acme.test', 'manager'],
      [OWNER_EMAIL, 'owner'],
      ['vera@acme.test', 'viewer'],
    ]);
    expect(list.body).not.toContain('password');
    expect((await owner.request('POST', '/api/v1/api-keys', { name: 'owner key' })).status).toBe(201);

    // A role change applies to the user's open session at once.
    const vera = list.data.data.find((u: { email: string }) => u.email === 'vera@acme.test');
    expect((await owner.request('PATCH', `/api/v1/users/${vera.id}`, { role: 'manager' })).data.role).toBe('manager');
    expect((await viewer.request('POST', '/api/v1/members', { name: 'Now allowed' })).status).toBe(201);
    // A removed user's session ends with them.
    expect((await owner.request('DELETE', `/api/v1/users/${vera.id}`)).data).toEqual({ deleted: true });
    expect((await viewer.request('GET', '/api/v1/offers')).status).toBe(401);
  });

  it('never removes or demotes the last owner, not even with two owners demoted at once', async () => {
    const owner = await signIn();
    const me = (await owner.request('GET', '/api/v1/auth/me')).data.user;
    const del = await owner.request('DELETE', `/api/v1/users/${me.id}`);
    expect(del.status).toBe(409);
    expect(del.data.error.code).toBe('last_owner');
    const demote = await owner.request('PATCH', `/api/v1/users/${me.id}`, { role: 'manager' });
    expect(demote.data.error.code).toBe('last_owner');
    expect((await owner.request('GET', '/api/v1/auth/me')).data.user.role).toBe('owner');

    // Two owners demoting each other at the same moment: one wins, one is refused; an owner remains.
    const second = await invite(owner, 'olga@acme.test', 'owner');
    const olga = (await second.request('GET', '/api/v1/auth/me')).data.user;
    const [a, b] = await Promise.all([
      owner.request('PATCH', `/api/v1/users/${olga.id}`, { role: 'viewer' }),
      second.request('PATCH', `/api/v1/users/${me.id}`, { role: 'viewer' }),
    ]);
    // The loser is refused inside the transaction (409 last_owner), or at the door if the winner was quicker (403).
    const statuses = [a.status, b.status].sort();
    expect(statuses[0]).toBe(200);
    expect([403, 409]).toContain(statuses[1]);
    const owners = await t.db.store.db
      .selectFrom('users')
      .select('id')
      .where('workspace_id', '=', t.workspaceId)
      .where('role', '=', 'owner')
      .execute();
    expect(owners).toHaveLength(1);
    // Put things back for the tests that follow: the first owner stays an owner.
    if (owners[0]!.id !== me.id) {
      await t.api('PATCH', `/users/${me.id}`, { role: 'owner' });
      await t.api('PATCH', `/users/${olga.id}`, { role: 'viewer' });
    }
    expect((await t.api('DELETE', `/users/${olga.id}`)).data).toEqual({ deleted: true });
  });

  it('lets a setup link be used once, within 72 hours, and not after a newer link', async () => {
    const owner = await signIn();
    const created = await owner.request('POST', '/api/v1/users', {
      email: 'Sam@Acme.test',
      name: 'Sam',
      role: 'manager',
    });
    expect(created.status).toBe(201);
    expect(created.data.user).toMatchObject({ email: 'sam@acme.test', role: 'manager', invited: true });
    expect(created.data.setupUrl).toMatch(/^http:\/\/tp\.test\/app\/setup\?token=[A-Za-z0-9_-]{43}$/);
    const token = new URL(created.data.setupUrl).searchParams.get('token')!;
    // The invitation is queued as an email; the link shown here is not in it (the email gets its own when it is sent).
    const mail = await t.db.store.db
      .selectFrom('emails')
      .selectAll()
      .where('kind', '=', 'user_invite')
      .where('to_address', '=', 'sam@acme.test')
      .execute();
    expect(mail).toHaveLength(1);
    expect(mail[0]!.body_text).toContain('http://tp.test/app/setup?token=[redacted]');
    expect(JSON.stringify(mail)).not.toContain(token);
    expect(
      (await owner.request('POST', '/api/v1/users', { email: 'sam@acme.test', name: 'Sam again', role: 'viewer' })).data
        .error.code,
    ).toBe('email_taken');

    const b = newBrowser(base);
    expect((await b.request('GET', `/api/v1/auth/setup?token=${token}`)).data).toEqual({
      email: 'sam@acme.test',
      name: 'Sam',
      workspace: { id: t.workspaceId, name: 'Acme' },
    });
    const short = await b.request('POST', '/api/v1/auth/setup', { token, password: 'short' });
    expect(short.status).toBe(400);
    expect(short.data.error.details[0]).toMatchObject({ path: 'password', code: 'password_too_short' });
    const done = await b.request('POST', '/api/v1/auth/setup', { token, password: NEW_PASSWORD });
    expect(done.status).toBe(200);
    expect(done.data.user).toMatchObject({ email: 'sam@acme.test', mustChangePassword: false });
    expect((await b.request('GET', '/api/v1/offers')).status).toBe(200);
    const again = await newBrowser(base).request('POST', '/api/v1/auth/setup', {
      token,
      password: 'another long password',
    });
    expect(again.status).toBe(400);
    expect(again.data.error.code).toBe('link_invalid');
    expect(
      (
        await newBrowser(base).request('POST', '/api/v1/auth/login', {
          email: 'sam@acme.test',
          password: 'another long password',
        })
      ).status,
    ).toBe(401);

    // Expiry: 72 hours to the millisecond.
    const late = await owner.request('POST', '/api/v1/users', { email: 'lou@acme.test', name: 'Lou', role: 'viewer' });
    const lateToken = new URL(late.data.setupUrl).searchParams.get('token')!;
    expect(Date.parse(late.data.expiresAt)).toBe(now + 72 * 3_600_000);
    now += 72 * 3_600_000;
    const expired = await newBrowser(base).request('POST', '/api/v1/auth/setup', {
      token: lateToken,
      password: NEW_PASSWORD,
    });
    expect(expired.data.error.code).toBe('link_invalid');
    const owner2 = await signIn();
    const fresh = await owner2.request('POST', `/api/v1/users/${late.data.user.id}/setup-link`);
    expect(fresh.status).toBe(200);
    const freshToken = new URL(fresh.data.setupUrl).searchParams.get('token')!;
    const newer = await owner2.request('POST', `/api/v1/users/${late.data.user.id}/setup-link`);
    expect(
      (await newBrowser(base).request('POST', '/api/v1/auth/setup', { token: freshToken, password: NEW_PASSWORD })).data
        .error.code,
    ).toBe('link_invalid');
    const newest = await newBrowser(base).request('POST', '/api/v1/auth/setup', {
      token: new URL(newer.data.setupUrl).searchParams.get('token')!,
      password: NEW_PASSWORD,
    });
    expect(newest.status).toBe(200);
  });

  it('changes a password with the current one, and signs the user out elsewhere', async () => {
    const owner = await signIn();
    const b = await invite(owner, 'pat@acme.test', 'viewer');
    const elsewhere = await signIn('pat@acme.test', NEW_PASSWORD);
    const wrong = await b.request('POST', '/api/v1/auth/password', {
      currentPassword: 'not it at all',
      newPassword: 'a brand new password',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.data.error.code).toBe('invalid_credentials');
    const noCsrf = await b.request(
      'POST',
      '/api/v1/auth/password',
      { currentPassword: NEW_PASSWORD, newPassword: 'a brand new password' },
      { csrf: null },
    );
    expect(noCsrf.data.error.code).toBe('csrf_failed');
    const short = await b.request('POST', '/api/v1/auth/password', {
      currentPassword: NEW_PASSWORD,
      newPassword: 'tiny',
    });
    expect(short.data.error.details[0].code).toBe('password_too_short');
    expect(
      (await newBrowser(base).request('POST', '/api/v1/auth/login', { email: 'pat@acme.test', password: NEW_PASSWORD }))
        .status,
    ).toBe(200);

    // A viewer may change their own password: it is their account, not the workspace.
    const changed = await b.request('POST', '/api/v1/auth/password', {
      currentPassword: NEW_PASSWORD,
      newPassword: 'a brand new password',
    });
    expect(changed.status, changed.body).toBe(200);
    expect((await b.request('GET', '/api/v1/auth/me')).status).toBe(200);
    expect((await elsewhere.request('GET', '/api/v1/auth/me')).status).toBe(401);
    expect(
      (await newBrowser(base).request('POST', '/api/v1/auth/login', { email: 'pat@acme.test', password: NEW_PASSWORD }))
        .status,
    ).toBe(401);
    expect(
      (
        await newBrowser(base).request('POST', '/api/v1/auth/login', {
          email: 'pat@acme.test',
          password: 'a brand new password',
        })
      ).status,
    ).toBe(200);
  });

  it('clears mustChangePassword once the one-time password is replaced', async () => {
    const owner = await createFirstOwner(t.built.ctx, (await t.newWorkspace('Beta')).workspaceId, 'first@beta.test');
    const b = await signIn(owner!.email, owner!.password);
    expect((await b.request('GET', '/api/v1/auth/me')).data.user.mustChangePassword).toBe(true);
    expect(
      (
        await b.request('POST', '/api/v1/auth/password', {
          currentPassword: owner!.password,
          newPassword: NEW_PASSWORD,
        })
      ).data.user.mustChangePassword,
    ).toBe(false);
    expect((await b.request('GET', '/api/v1/auth/me')).data).toMatchObject({
      user: { mustChangePassword: false },
      workspace: { name: 'Beta' },
    });
    // Another workspace's owner sees only their own workspace.
    expect((await b.request('GET', '/api/v1/workspace')).data.name).toBe('Beta');
  });

  it('holds a one-time password to the password change: only /auth/password, /auth/me and /auth/logout answer', async () => {
    const ws = await t.newWorkspace('Gamma');
    const first = await createFirstOwner(t.built.ctx, ws.workspaceId, 'first@gamma.test');
    const b = await signIn(first!.email, first!.password);
    const refused = async (method: string, path: string, body?: unknown) => {
      const res = await b.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.data.error.code, `${method} ${path}`).toBe('password_change_required');
    };
    for (const path of [
      '/api/v1/offers',
      '/api/v1/members',
      '/api/v1/workspace',
      '/api/v1/users',
      '/api/v1/api-keys',
      '/api/v1/emails',
      '/api/v1/conversions',
      '/api/v1/alerts',
      '/api/v1/reports',
    ]) {
      await refused('GET', path);
    }
    await refused('POST', '/api/v1/members', { name: 'Mallory' });
    await refused('POST', '/api/v1/api-keys', { name: 'a way around the password change' });
    await refused('POST', '/api/v1/users', { email: 'sneak@gamma.test', name: 'Sneak', role: 'owner' });
    expect(
      await t.db.store.db.selectFrom('members').select('id').where('workspace_id', '=', ws.workspaceId).execute(),
    ).toEqual([]);
    expect(
      await t.db.store.db.selectFrom('users').select('email').where('workspace_id', '=', ws.workspaceId).execute(),
    ).toEqual([{ email: 'first@gamma.test' }]);
    // The CSRF check still comes first: a forged request learns nothing about the account.
    expect((await b.request('POST', '/api/v1/members', { name: 'Mallory' }, { csrf: null })).data.error.code).toBe(
      'csrf_failed',
    );
    // The workspace's API keys are not held back by a user's password.
    expect((await t.api('GET', '/offers', undefined, ws.apiKey)).statusCode).toBe(200);

    const me = await b.request('GET', '/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.data.user.mustChangePassword).toBe(true);
    const other = await signIn(first!.email, first!.password);
    expect((await other.request('POST', '/api/v1/auth/logout')).status).toBe(200);
    expect(other.cookies.has('tp_session')).toBe(false);

    const changed = await b.request('POST', '/api/v1/auth/password', {
      currentPassword: first!.password,
      newPassword: NEW_PASSWORD,
    });
    expect(changed.status, changed.body).toBe(200);
    expect((await b.request('GET', '/api/v1/offers')).status).toBe(200);
    expect((await b.request('POST', '/api/v1/members', { name: 'Now allowed' })).status).toBe(201);

    // A reset from the CLI holds the account again, in a new session (the reset ended the old ones).
    const reset = await resetPassword(t.built.ctx, 'first@gamma.test');
    expect(reset.ok).toBe(true);
    expect((await b.request('GET', '/api/v1/offers')).status).toBe(401);
    const again = await signIn('first@gamma.test', reset.ok ? reset.value.password : '');
    expect((await again.request('GET', '/api/v1/members')).data.error.code).toBe('password_change_required');
    expect(
      (
        await again.request('POST', '/api/v1/auth/password', {
          currentPassword: reset.ok ? reset.value.password : '',
          newPassword: 'yet another good password',
        })
      ).status,
    ).toBe(200);
    expect((await again.request('GET', '/api/v1/members')).status).toBe(200);
  });

  it('throttles repeated failures per account (even the right password then) until the window passes', async () => {
    const b = newBrowser(base);
    for (let i = 0; i < 5; i++) {
      expect(
        (await b.request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: `guess ${i}` })).status,
      ).toBe(401);
    }
    const locked = await b.request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: ownerPassword });
    expect(locked.status).toBe(429);
    expect(locked.data.error.code).toBe('rate_limited');
    expect(locked.setCookies).toEqual([]);
    now += 15 * 60_000 - 1;
    expect(
      (await b.request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: ownerPassword })).status,
    ).toBe(429);
    now += 1;
    expect(
      (await b.request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: ownerPassword })).status,
    ).toBe(200);
  });

  it('counts failures in one conditional write: of 30 wrong passwords at once, exactly 5 are checked', async () => {
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        newBrowser(base).request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: `guess ${i}` }),
      ),
    );
    const codes = answers.map((r) => r.data.error.code as string);
    expect(codes.filter((c) => c === 'invalid_credentials')).toHaveLength(LOGIN_MAX_PER_EMAIL);
    expect(codes.filter((c) => c === 'rate_limited')).toHaveLength(30 - LOGIN_MAX_PER_EMAIL);
    expect(
      (await newBrowser(base).request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: ownerPassword }))
        .status,
    ).toBe(429);
    now += 15 * 60_000;
    await signIn();
  });

  it('throttles a client that sprays many accounts', async () => {
    // 45 failures from this client are counted directly (each real one costs a scrypt); the last five go over HTTP.
    for (let i = 0; i < LOGIN_MAX_PER_IP - 5; i++)
      expect(await takeAttempts(t.built.ctx, [{ scope: 'login-ip', value: '127.0.0.1', max: LOGIN_MAX_PER_IP }])).toBe(
        true,
      );
    const b = newBrowser(base);
    for (let i = 0; i < 5; i++) {
      expect(
        (await b.request('POST', '/api/v1/auth/login', { email: `user${i}@spray.test`, password: 'Summer2026!' }))
          .status,
      ).toBe(401);
    }
    expect(
      (await b.request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: ownerPassword })).data.error.code,
    ).toBe('rate_limited');
    now += 15 * 60_000;
    expect(
      (await b.request('POST', '/api/v1/auth/login', { email: OWNER_EMAIL, password: ownerPassword })).status,
    ).toBe(200);
  });

  it('ends a session after a week unused, and a month after sign-in whatever happens', async () => {
    const idle = await signIn();
    now += 7 * 86_400_000 - 1;
    expect((await idle.request('GET', '/api/v1/auth/me')).status).toBe(200);
    now += 7 * 86_400_000 - 1;
    expect((await idle.request('GET', '/api/v1/auth/me')).status).toBe(200);
    now += 7 * 86_400_000;
    expect((await idle.request('GET', '/api/v1/auth/me')).status).toBe(401);

    const busy = await signIn();
    for (let day = 1; day < 30; day++) {
      now += 86_400_000;
      expect((await busy.request('GET', '/api/v1/auth/me')).status, `day ${day}`).toBe(200);
    }
    now += 86_400_000;
    expect((await busy.request('GET', '/api/v1/auth/me')).status).toBe(401);
  });
});

describe.each(DIALECTS)('the first start on %s', (kind) => {
  it(
    'creates an owner with a one-time password, prints it with the login URL, and lets them sign in',
    { timeout: 120_000 },
    async () => {
      const port = await freePort();
      const dataDir = tempDir();
      const database = kind === 'postgres' ? await createPgDatabase() : null;
      const env = {
        DATA_DIR: dataDir,
        DATABASE_URL: database?.url ?? '',
        ...(kind === 'postgres' ? { OWNER_EMAIL: 'Boss@Brand.test' } : {}),
      };
      const server = spawnServer(port, env);
      try {
        const printed = await server.ready;
        const email = kind === 'postgres' ? 'boss@brand.test' : 'owner@localhost';
        expect(printed).toContain(`Dashboard:   ${server.base}/app/login`);
        const match = /Sign in as:\s+(\S+)\s+one-time password: (\S+)/.exec(printed);
        expect(match, printed).not.toBeNull();
        const [, printedEmail, password] = match!;
        expect(printedEmail).toBe(email);
        expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
        if (kind === 'sqlite') {
          // The demo's owner is kept beside its API key, where the README's examples read it.
          const demo = JSON.parse(fs.readFileSync(path.join(dataDir, 'demo.json'), 'utf8'));
          expect(demo.owner).toEqual({ email, password });
        } else {
          expect(fs.existsSync(path.join(dataDir, 'demo.json'))).toBe(false);
        }
        const b = newBrowser(server.base);
        const res = await b.request('POST', '/api/v1/auth/login', { email, password });
        expect(res.status, res.body).toBe(200);
        expect(res.data.user).toMatchObject({ email, role: 'owner', mustChangePassword: true });
        // The printed password opens nothing but the password change (it sat in a terminal or a log).
        const held = await b.request('GET', '/api/v1/offers');
        expect(held.status).toBe(403);
        expect(held.data.error.code).toBe('password_change_required');
        const changed = await b.request('POST', '/api/v1/auth/password', {
          currentPassword: password,
          newPassword: NEW_PASSWORD,
        });
        expect(changed.data.user.mustChangePassword).toBe(false);
        expect((await b.request('GET', '/api/v1/offers')).status).toBe(200);
      } finally {
        server.child.kill('SIGTERM');
        await server.exited;
        await database?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );

  it('gives an installation from before accounts an owner on its oldest workspace, once', async () => {
    const dataDir = tempDir();
    const database = kind === 'postgres' ? await createPgDatabase() : null;
    const config = loadConfig({
      DATA_DIR: dataDir,
      BASE_URL: 'http://tp.test',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database?.url ?? '',
      OWNER_EMAIL: 'admin@old.test',
    });
    try {
      const store = openStore(config);
      await migrateToLatest(store.db);
      const ctx = { store, clock: Date.now, baseUrl: config.baseUrl, trackingChanged: async () => {} };
      const oldest = await createWorkspace(ctx, { name: 'Old brand' });
      await createWorkspace(ctx, { name: 'Newer brand' });
      await store.close();

      const first = await startServer(config, { logger: false });
      await first.stop();
      expect(first.firstStart).toBeNull();
      expect(first.ownerLogin).toMatchObject({
        email: 'admin@old.test',
        workspaceId: oldest.ok && oldest.value.workspace.id,
        loginUrl: 'http://tp.test/app/login',
      });
      const again = await startServer(config, { logger: false });
      const res = await again.built.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ email: 'admin@old.test', password: first.ownerLogin!.password }),
      });
      await again.stop();
      expect(again.ownerLogin).toBeNull();
      expect(res.statusCode).toBe(200);
      expect(res.json().workspace.name).toBe('Old brand');
    } finally {
      await database?.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.each(DIALECTS)('the user commands of the CLI on %s', (kind) => {
  // Each command is a fresh Node process compiling TypeScript: four of them, seconds each on a busy machine.
  it(
    'makes a workspace with its owner, adds a user with a setup link, and resets a password',
    { timeout: 240_000 },
    async () => {
      const dataDir = tempDir('tp-cli-');
      const database = kind === 'postgres' ? await createPgDatabase() : null;
      const env = {
        ...(process.env as Record<string, string>),
        DATA_DIR: dataDir,
        BASE_URL: 'http://cli.test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: database?.url ?? '',
        OWNER_EMAIL: '',
      };
      const run = (...args: string[]) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
          execFile(
            process.execPath,
            ['--import', 'tsx', 'src/cli/main.ts', ...args],
            { cwd: path.resolve(import.meta.dirname, '..'), env, timeout: 60_000 },
            (err, stdout, stderr) =>
              resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
          );
        });
      const config = loadConfig({ DATA_DIR: dataDir, BASE_URL: 'http://cli.test', DATABASE_URL: database?.url ?? '' });
      /** A JSON POST to an in-process app on the CLI's database. */
      const post = async (url: string, body: unknown) => {
        const store = openStore(config);
        const built = await buildApp(config, { store, logger: false });
        try {
          return await built.app.inject({
            method: 'POST',
            url,
            headers: { 'content-type': 'application/json' },
            payload: JSON.stringify(body),
          });
        } finally {
          await built.close();
          await store.close();
        }
      };
      const login = (email: string, password: string) => post('/api/v1/auth/login', { email, password });
      try {
        const made = await run('workspace', 'create', '--name', 'Acme', '--owner-email', 'Chief@Acme.test', '--json');
        expect(made.code, made.stderr).toBe(0);
        const ws = JSON.parse(made.stdout);
        expect(ws.owner).toEqual({ email: 'chief@acme.test', password: expect.stringMatching(/^[A-Za-z0-9]{20}$/) });
        expect((await login('chief@acme.test', ws.owner.password)).statusCode).toBe(200);
        // An email signs in to one workspace: a second workspace with it gets no owner, and says how to add one.
        const second = await run('workspace', 'create', '--name', 'Beta', '--owner-email', 'chief@acme.test');
        expect(second.code).toBe(0);
        expect(second.stdout).toMatch(
          /No owner login made: chief@acme\.test .*\n\s+touchpoint user create --workspace ws_\w+ --email/,
        );

        const added = await run(
          'user',
          'create',
          '--workspace',
          ws.workspaceId,
          '--email',
          'vi@acme.test',
          '--role',
          'viewer',
        );
        expect(added.code, added.stderr).toBe(0);
        const setupUrl = /(http:\/\/cli\.test\/app\/setup\?token=[A-Za-z0-9_-]{43})/.exec(added.stdout)?.[1];
        expect(setupUrl, added.stdout).toBeDefined();
        const setup = await post('/api/v1/auth/setup', {
          token: new URL(setupUrl!).searchParams.get('token'),
          password: NEW_PASSWORD,
        });
        expect(setup.statusCode, setup.body).toBe(200);
        expect(setup.json().user).toMatchObject({ email: 'vi@acme.test', role: 'viewer' });

        const reset = await run('user', 'reset-password', '--email', 'VI@acme.test', '--json');
        expect(reset.code, reset.stderr).toBe(0);
        const fresh = JSON.parse(reset.stdout);
        expect(fresh).toEqual({ email: 'vi@acme.test', password: expect.stringMatching(/^[A-Za-z0-9]{20}$/) });
        expect((await login('vi@acme.test', NEW_PASSWORD)).statusCode).toBe(401);
        const after = await login('vi@acme.test', fresh.password);
        expect(after.statusCode).toBe(200);
        expect(after.json().user.mustChangePassword).toBe(true);
      } finally {
        await database?.drop();
        fs.rmSync(dataDir, { recursive: true, force: true });
      }
    },
  );
});
