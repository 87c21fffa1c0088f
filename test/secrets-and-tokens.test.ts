// SPEC §6 "Secrets and tokens" over real HTTP, as a viewer of the dashboard would try it: sign-in and setup links are
// never readable back after they are sent, and secrets are shown to owners, managers and API keys, never to viewers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirstOwner } from '../src/app/users.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { listen, newBrowser, type Browser } from './helpers/browser.js';
import { deliveredText, sendToOutbox } from './helpers/outbox.js';
import { DIALECTS } from './helpers/stores.js';

const PASSWORD = 'correct horse battery staple';
const TOKEN_RE = /token=([A-Za-z0-9_-]{43})/;

describe.each(DIALECTS)('secrets and tokens on %s', (kind) => {
  let t: TestApp;
  let base: string;
  const now = Date.UTC(2026, 4, 4, 9);
  let owner: Browser;
  let viewer: Browser;
  let manager: Browser;

  const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;
  /** A user the owner invited who set their password from the link the owner was shown. */
  const invite = async (email: string, role: string): Promise<Browser> => {
    const created = await owner.request('POST', '/api/v1/users', { email, name: email.split('@')[0], role });
    expect(created.status, created.body).toBe(201);
    const b = newBrowser(base);
    expect(
      (await b.request('POST', '/api/v1/auth/setup', { token: tokenOf(created.data.setupUrl), password: PASSWORD }))
        .status,
    ).toBe(200);
    return b;
  };

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    base = await listen(t);
    const first = (await createFirstOwner(t.built.ctx, t.workspaceId, 'owner@acme.test'))!;
    owner = newBrowser(base);
    expect(
      (await owner.request('POST', '/api/v1/auth/login', { email: first.email, password: first.password })).status,
    ).toBe(200);
    expect(
      (await owner.request('POST', '/api/v1/auth/password', { currentPassword: first.password, newPassword: PASSWORD }))
        .status,
    ).toBe(200);
    viewer = await invite('vera@acme.test', 'viewer');
    manager = await invite('max@acme.test', 'manager');
  });
  afterAll(() => t.close());

  it('keeps setup and sign-in links out of the emails a viewer can read, so a viewer cannot become owner', async () => {
    const invited = await owner.request('POST', '/api/v1/users', {
      email: 'olga@acme.test',
      name: 'Olga',
      role: 'owner',
    });
    expect(invited.status).toBe(201);
    const member = (await t.api('POST', '/members', { name: 'Ava', email: 'ava@creators.test' })).data;
    expect(
      (await newBrowser(base).request('POST', '/api/portal/login-link', { email: 'ava@creators.test' })).status,
    ).toBe(202);
    await sendToOutbox(t.built.ctx, t.db.dataDir);

    const list = await viewer.request('GET', '/api/v1/emails');
    expect(list.status).toBe(200);
    const inviteEmail = list.data.data.find((e: any) => e.kind === 'user_invite' && e.to === 'olga@acme.test');
    const magicEmail = list.data.data.find((e: any) => e.kind === 'magic_link' && e.memberId === member.id);
    expect([inviteEmail.status, magicEmail.status]).toEqual(['sent', 'sent']);
    const inviteShown = await viewer.request('GET', `/api/v1/emails/${inviteEmail.id}`);
    const magicShown = await viewer.request('GET', `/api/v1/emails/${magicEmail.id}`);
    expect(inviteShown.data.text).toContain('http://tp.test/app/setup?token=[redacted]');
    expect(inviteShown.data.html).toContain('http://tp.test/app/setup?token=[redacted]');
    expect(magicShown.data.text).toContain('http://tp.test/p/auth?token=[redacted]');

    // The recipients got working links; neither those nor the owner's copy is anywhere a person or the database shows.
    const setupToken = TOKEN_RE.exec(await deliveredText(t.db.dataDir, inviteEmail.id))![1]!;
    const magicToken = TOKEN_RE.exec(await deliveredText(t.db.dataDir, magicEmail.id))![1]!;
    const ownersCopy = tokenOf(invited.data.setupUrl);
    const stored = JSON.stringify(await t.db.store.db.selectFrom('emails').selectAll().execute());
    for (const token of [setupToken, magicToken, ownersCopy]) {
      for (const shown of [list.body, inviteShown.body, magicShown.body, stored]) expect(shown).not.toContain(token);
    }

    // What a viewer can lift from the email opens nothing.
    const lifted = TOKEN_RE.exec(inviteShown.data.text);
    expect(lifted).toBeNull();
    const attempt = await viewer.request('POST', '/api/v1/auth/setup', { token: '[redacted]', password: PASSWORD });
    expect(attempt.status).toBe(400);
    expect(attempt.data.error.code).toBe('link_invalid');
    expect((await viewer.request('GET', '/api/v1/auth/me')).data.user.role).toBe('viewer');

    // Olga's emailed link works (once); setting up her account ends the other link too.
    const olga = newBrowser(base);
    const done = await olga.request('POST', '/api/v1/auth/setup', { token: setupToken, password: PASSWORD });
    expect(done.status).toBe(200);
    expect(done.data.user).toMatchObject({ email: 'olga@acme.test', role: 'owner' });
    expect(
      (
        await newBrowser(base).request('POST', '/api/v1/auth/setup', {
          token: ownersCopy,
          password: 'someone else entirely',
        })
      ).data.error.code,
    ).toBe('link_invalid');
    expect((await newBrowser(base).open(`/p/auth?token=${magicToken}`)).headers.get('location')).toBe('/p');
  });

  it('shows the postback secret to owners, managers and API keys, never to viewers', async () => {
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret as string;
    expect(secret).toMatch(/\S{16,}/);
    expect((await owner.request('GET', '/api/v1/workspace')).data.postbackSecret).toBe(secret);
    expect((await manager.request('GET', '/api/v1/workspace')).data.postbackSecret).toBe(secret);
    const patched = await manager.request('PATCH', '/api/v1/workspace', { name: 'Acme' });
    expect(patched.data.postbackSecret).toBe(secret);
    const seen = await viewer.request('GET', '/api/v1/workspace');
    expect(seen.status).toBe(200);
    expect(seen.data).toMatchObject({ id: t.workspaceId, name: 'Acme', postbackSecret: null, shopifyConnected: false });
    expect(seen.body).not.toContain(secret);
  });
});
