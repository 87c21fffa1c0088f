// The creator portal over real HTTP: magic-link sign-in, member sessions, and the proof that a member sees only
// their own data through every portal route, and nothing of the admin API.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { approveDue } from '../src/app/conversions.js';
import { LINKS_MAX_PER_EMAIL } from '../src/app/portal-sign-in.js';
import { createFirstOwner, resetPassword } from '../src/app/users.js';
import { encodeCursor } from '../src/app/context.js';
import { hashToken } from '../src/core/passwords.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { listen, newBrowser, setCookie, type Browser } from './helpers/browser.js';
import { deliveredText, sendToOutbox } from './helpers/outbox.js';
import { DIALECTS } from './helpers/stores.js';

const AVA = 'ava@creators.test';
const BO = 'bo@creators.test';
const LINK_RE = /http:\/\/tp\.test(\/p\/auth\?token=[A-Za-z0-9_-]{43})/;

interface Seed {
  offer1: string;
  offer2: string;
  ava: string;
  bo: string;
  /** Everything of Bo's and of the other workspace a session of Ava must never see. */
  foreign: string[];
  avaLinks: string[];
  avaCodes: string[];
  avaCommissions: string[];
  otherWorkspace: { id: string; offer: string; member: string; apiKey: string };
}

describe.each(DIALECTS)('the creator portal on %s', (kind) => {
  let t: TestApp;
  let base: string;
  let now = Date.UTC(2026, 3, 1, 12);
  let seed: Seed;

  beforeEach(() => {
    now += 16 * 60_000;
  });
  afterAll(() => t.close());

  const sql = () => t.db.store.db;
  const postback = (secret: string, params: Record<string, string>) =>
    t.built.app.inject({ url: `/postback?${new URLSearchParams({ secret, ...params })}` });

  /** Sends the queued emails and returns the path of each sign-in link emailed to `email` since `since`, as delivered. */
  const emailedLinks = async (email: string, since: number): Promise<string[]> => {
    await sendToOutbox(t.built.ctx, t.db.dataDir);
    const rows = await sql()
      .selectFrom('emails')
      .select('id')
      .where('kind', '=', 'magic_link')
      .where('to_address', '=', email)
      .where('created_at', '>=', since)
      .execute();
    return Promise.all(rows.map(async (r) => LINK_RE.exec(await deliveredText(t.db.dataDir, r.id))![1]!));
  };
  const requestLink = async (email: string) => newBrowser(base).request('POST', '/api/portal/login-link', { email });

  /** A browser signed in to the portal as the member of `workspaceId` with that email. */
  const signInMember = async (email: string, workspaceId: string, b = newBrowser(base)): Promise<Browser> => {
    const since = now;
    expect((await requestLink(email)).status).toBe(202);
    const members = await sql()
      .selectFrom('members')
      .select(['id', 'workspace_id'])
      .where('email', '=', email)
      .execute();
    const paths = await emailedLinks(email, since);
    for (const p of paths) {
      // One link per workspace: pick this workspace's by its stored token (opening one would use it up).
      const row = await sql()
        .selectFrom('one_time_tokens')
        .select('subject_id')
        .where('token_hash', '=', hashToken(new URL(p, base).searchParams.get('token')!))
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (members.find((m) => m.id === row?.subject_id)?.workspace_id === workspaceId) {
        expect((await b.open(p)).headers.get('location')).toBe('/p');
        return b;
      }
    }
    throw new Error(`no link for ${email} in ${workspaceId}`);
  };

  /** A browser signed in to the dashboard as the workspace's owner (made on first use, new password each time). */
  const ownerBrowser = async (): Promise<Browser> => {
    await createFirstOwner(t.built.ctx, t.workspaceId, 'owner@acme.test');
    const reset = await resetPassword(t.built.ctx, 'owner@acme.test');
    if (!reset.ok) throw new Error(reset.problem.message);
    const b = newBrowser(base);
    expect(
      (await b.request('POST', '/api/v1/auth/login', { email: 'owner@acme.test', password: reset.value.password }))
        .status,
    ).toBe(200);
    // A one-time password opens only the password change (src/http/auth.ts).
    expect(
      (
        await b.request('POST', '/api/v1/auth/password', {
          currentPassword: reset.value.password,
          newPassword: 'the owner chose this one',
        })
      ).status,
    ).toBe(200);
    return b;
  };

  beforeAll(async () => {
    t = await startTestApp(kind, {}, () => now);
    base = await listen(t);
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = (name: string, api = t.api) =>
      api('POST', '/offers', {
        name,
        destinationUrl: 'https://shop.example.com/spring',
        holdDays: 1,
        deepLinks: { allowCreators: true, extraDomains: ['blog.example.org'] },
        payoutOptions: [
          { title: 'Standard', type: 'percent', value: '10', tiers: [{ fromConversion: 50, value: '15' }] },
        ],
      });
    const offer1 = (await offer('Spring sale')).data.id as string;
    const offer2 = (await offer('Bo only')).data.id as string;
    const member = async (name: string, email: string, key?: string) =>
      (await t.api('POST', '/members', { name, email }, key)).data.id as string;
    const ava = await member('Ava', AVA);
    const bo = await member('Bo', BO);
    const add = (offerId: string, memberId: string, key?: string) =>
      t.api(
        'POST',
        `/offers/${offerId}/members`,
        { members: [{ memberId }], generateLinks: true, generateCodes: true, codePattern: '{NAME}{RAND4}' },
        key,
      );
    await add(offer1, ava);
    await add(offer1, bo);
    await add(offer2, bo);
    await t.api('POST', '/codes', { offerId: offer1, code: 'EVERYONE20' });
    await t.api('POST', '/links', { offerId: offer1 });

    const codeOf = async (memberId: string, offerId: string) =>
      (await t.api('GET', `/codes?memberId=${memberId}&offerId=${offerId}`)).data.data[0].code as string;
    expect(
      (await postback(secret, { code: await codeOf(ava, offer1), order: 'A-1', amount: '100.00' })).statusCode,
    ).toBe(200);
    expect(
      (await postback(secret, { code: await codeOf(bo, offer1), order: 'B-1', amount: '200.00' })).statusCode,
    ).toBe(200);
    expect((await postback(secret, { code: await codeOf(bo, offer2), order: 'B-2', amount: '50.00' })).statusCode).toBe(
      200,
    );
    now += 2 * 86_400_000;
    await approveDue(t.built.ctx);
    expect((await t.api('POST', '/payout-batches', { currency: 'USD' })).statusCode).toBe(201);
    expect(
      (await postback(secret, { code: await codeOf(ava, offer1), order: 'A-2', amount: '40.00' })).statusCode,
    ).toBe(200);
    expect((await postback(secret, { code: await codeOf(bo, offer1), order: 'B-3', amount: '70.00' })).statusCode).toBe(
      200,
    );

    // Another brand where Ava is a creator too, with the same email address.
    const other = await t.newWorkspace('Other brand');
    const otherOffer = (await offer('Elsewhere', (m, p, b) => t.api(m, p, b, other.apiKey))).data.id as string;
    const otherAva = await member('Ava elsewhere', AVA, other.apiKey);
    await add(otherOffer, otherAva, other.apiKey);
    const otherSecret = (await t.api('GET', '/workspace', undefined, other.apiKey)).data.postbackSecret;
    const otherCode = (await t.api('GET', `/codes?memberId=${otherAva}`, undefined, other.apiKey)).data.data[0].code;
    expect((await postback(otherSecret, { code: otherCode, order: 'O-1', amount: '500.00' })).statusCode).toBe(200);

    const list = async (path: string, key?: string) =>
      (await t.api('GET', path, undefined, key)).data.data as Record<string, string>[];
    const boRows = [
      ...(await list(`/links?memberId=${bo}`)),
      ...(await list(`/codes?memberId=${bo}`)),
      ...(await list(`/commissions?memberId=${bo}`)),
    ];
    const generic = [...(await list(`/codes?offerId=${offer1}`)), ...(await list(`/links?offerId=${offer1}`))].filter(
      (r) => r.memberId === null,
    );
    const otherRows = [
      ...(await list('/links', other.apiKey)),
      ...(await list('/codes', other.apiKey)),
      ...(await list('/commissions', other.apiKey)),
    ];
    seed = {
      offer1,
      offer2,
      ava,
      bo,
      foreign: [
        bo,
        offer2,
        'Bo only',
        other.workspaceId,
        otherOffer,
        otherAva,
        'Other brand',
        'Elsewhere',
        ...[...boRows, ...generic, ...otherRows].flatMap((r) => [r.id!, r.slug, r.code].filter(Boolean) as string[]),
      ],
      avaLinks: (await list(`/links?memberId=${ava}`)).map((l) => l.url!),
      avaCodes: (await list(`/codes?memberId=${ava}`)).map((c) => c.code!),
      avaCommissions: (await list(`/commissions?memberId=${ava}`)).map((c) => c.id!),
      otherWorkspace: { id: other.workspaceId, offer: otherOffer, member: otherAva, apiKey: other.apiKey },
    };
    expect(seed.avaCommissions).toHaveLength(2);
    expect(seed.foreign.length).toBeGreaterThan(12);
  });

  it('answers 202 for any address, emails a sign-in link to each workspace the member is in, and keeps only its hash', async () => {
    const since = now;
    const known = await requestLink(' AVA@Creators.test ');
    const unknown = await requestLink('nobody@creators.test');
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.body).toBe(unknown.body);
    expect(known.data).toEqual({ accepted: true });
    const paths = await emailedLinks(AVA, since);
    expect(paths).toHaveLength(2);
    expect(
      await sql().selectFrom('emails').select('id').where('to_address', '=', 'nobody@creators.test').execute(),
    ).toEqual([]);
    // Neither the tokens nor the send log keep the links: they exist only in the messages that left.
    const stored = JSON.stringify([
      await sql().selectFrom('one_time_tokens').selectAll().execute(),
      await sql().selectFrom('emails').selectAll().execute(),
    ]);
    for (const p of paths) expect(stored).not.toContain(new URL(p, base).searchParams.get('token'));
  });

  it('signs in from a link once, sets an HttpOnly member cookie, and refuses the link afterwards', async () => {
    const since = now;
    await requestLink(AVA);
    const [p] = await emailedLinks(AVA, since);
    const b = newBrowser(base);
    const opened = await b.open(p!);
    expect(opened.status).toBe(302);
    expect(opened.headers.get('location')).toBe('/p');
    const cookies = { tp_member: setCookie(opened, 'tp_member'), tp_csrf: setCookie(opened, 'tp_csrf') };
    expect(cookies.tp_member.attrs).toMatchObject({ httponly: '', samesite: 'Lax', path: '/' });
    expect(cookies.tp_csrf.attrs).not.toHaveProperty('httponly');
    expect((await b.request('GET', '/api/portal/me')).data.member.email).toBe(AVA);

    const reused = newBrowser(base);
    const again = await reused.open(p!);
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/p/login?error=link_invalid');
    expect(again.setCookies).toEqual([]);
    expect((await reused.request('GET', '/api/portal/me')).status).toBe(401);
    expect((await newBrowser(base).open('/p/auth?token=nonsense')).headers.get('location')).toBe(
      '/p/login?error=link_invalid',
    );
  });

  it('lets a link work for 15 minutes and not a millisecond more', async () => {
    let since = now;
    await requestLink(BO);
    const [late] = await emailedLinks(BO, since);
    now += 15 * 60_000;
    expect((await newBrowser(base).open(late!)).headers.get('location')).toBe('/p/login?error=link_invalid');
    since = now;
    await requestLink(BO);
    const [inTime] = await emailedLinks(BO, since);
    now += 15 * 60_000 - 1;
    expect((await newBrowser(base).open(inTime!)).headers.get('location')).toBe('/p');
  });

  it('counts sign-in link requests in one conditional write: of 30 at once for one address, 5 are accepted', async () => {
    const since = now;
    const answers = await Promise.all(Array.from({ length: 30 }, () => requestLink(AVA)));
    expect(answers.filter((r) => r.status === 202)).toHaveLength(LINKS_MAX_PER_EMAIL);
    expect(answers.filter((r) => r.status === 429).map((r) => r.data.error.code)).toEqual(
      Array(30 - LINKS_MAX_PER_EMAIL).fill('rate_limited'),
    );
    // Ava is a member of two workspaces: one email each per accepted request.
    const queued = await sql()
      .selectFrom('emails')
      .select('id')
      .where('to_address', '=', AVA)
      .where('created_at', '>=', since)
      .execute();
    expect(queued).toHaveLength(2 * LINKS_MAX_PER_EMAIL);
  });

  it('throttles sign-in link requests per address, whether or not it is known', async () => {
    for (const email of [BO, 'ghost@creators.test']) {
      for (let i = 0; i < 5; i++) expect((await requestLink(email)).status).toBe(202);
      const limited = await requestLink(email);
      expect(limited.status).toBe(429);
      expect(limited.data.error.code).toBe('rate_limited');
    }
  });

  it("shows a member their own offers, links, codes, commissions, payouts and report, and no one else's", async () => {
    const ava = await signInMember(AVA, t.workspaceId);
    const me = await ava.request('GET', '/api/portal/me');
    expect(me.data).toEqual({
      member: { id: seed.ava, name: 'Ava', email: AVA, instagram: null, tiktok: null, youtube: null },
      workspace: { name: 'Acme', currency: 'USD', timezone: 'UTC' },
    });

    const offers = (await ava.request('GET', '/api/portal/offers')).data.data;
    expect(offers.map((o: { id: string }) => o.id)).toEqual([seed.offer1]);
    expect(offers[0].links.map((l: { url: string }) => l.url).sort()).toEqual([...seed.avaLinks].sort());
    expect(offers[0].codes.map((c: { code: string }) => c.code)).toEqual(seed.avaCodes);
    expect(offers[0].payout).toEqual({
      title: 'Standard',
      type: 'percent',
      value: '10',
      description: '10% of each sale; 15% from the 50th approved sale in a calendar month',
    });
    expect(offers[0].deepLinks).toEqual({ allowed: true, domains: ['shop.example.com', 'blog.example.org'] });

    const commissions = (await ava.request('GET', '/api/portal/commissions')).data;
    expect(commissions.data.map((c: { id: string }) => c.id).sort()).toEqual([...seed.avaCommissions].sort());
    expect(commissions.data.map((c: { amount: string; status: string }) => [c.amount, c.status]).sort()).toEqual([
      ['10.00', 'paid'],
      ['4.00', 'pending'],
    ]);
    const firstPage = (await ava.request('GET', '/api/portal/commissions?limit=1')).data;
    expect(firstPage.data).toHaveLength(1);
    const secondPage = (await ava.request('GET', `/api/portal/commissions?limit=1&cursor=${firstPage.nextCursor}`))
      .data;
    expect([firstPage.data[0].id, secondPage.data[0].id].sort()).toEqual([...seed.avaCommissions].sort());

    const payouts = (await ava.request('GET', '/api/portal/payouts')).data.data;
    expect(payouts.map((p: { amount: string; commissions: number }) => [p.amount, p.commissions])).toEqual([
      ['10.00', 1],
    ]);

    const report = await ava.request('GET', '/api/portal/report?groupBy=offer&from=2026-03-01&to=2026-04-30');
    expect(report.status, report.body).toBe(200);
    expect(report.data.rows.map((r: { key: string }) => r.key)).toEqual([seed.offer1]);
    expect(report.data.totals).toMatchObject({ conversions: 2, salesMinor: 14_000, commissionMinor: 1_400 });
    // By code: her one code, both orders; Bo's codes and the generic code sold on the same offer and are not listed.
    const byCode = await ava.request('GET', '/api/portal/report?groupBy=code&from=2026-03-01&to=2026-04-30');
    expect(byCode.status, byCode.body).toBe(200);
    expect(
      byCode.data.rows.map((r: { label: string; conversions: number; salesMinor: number }) => [
        r.label,
        r.conversions,
        r.salesMinor,
      ]),
    ).toEqual([[seed.avaCodes[0], 2, 14_000]]);
    // By link: her orders came with her code only, so the one row is the one without a link.
    const byLink = await ava.request('GET', '/api/portal/report?groupBy=link&from=2026-03-01&to=2026-04-30');
    expect(byLink.status, byLink.body).toBe(200);
    expect(byLink.data.rows.map((r: { key: string; salesMinor: number }) => [r.key, r.salesMinor])).toEqual([
      ['', 14_000],
    ]);
    expect((await ava.request('GET', '/api/portal/report?groupBy=member')).data.error.code).toBe('validation_failed');

    for (const res of [
      me,
      await ava.request('GET', '/api/portal/offers'),
      await ava.request('GET', '/api/portal/commissions'),
      await ava.request('GET', '/api/portal/payouts'),
      report,
      byCode,
      byLink,
    ]) {
      for (const id of seed.foreign) expect(res.body).not.toContain(id);
    }
  });

  it('ignores every id a member puts in a portal request that would widen what they see', async () => {
    const ava = await signInMember(AVA, t.workspaceId);
    // Every GET route of the portal, read from the route tree, so a route added later is covered too.
    const portalGets = t.built.app
      .printRoutes({ commonPrefix: false })
      .split('\n')
      .map((l) => /^[├└]── (\/api\/portal\/\S+) \((.*)\)/.exec(l))
      .filter((m) => m && m[2]!.split(', ').includes('GET'))
      .map((m) => m![1]!);
    expect(portalGets).toEqual(
      expect.arrayContaining([
        '/api/portal/me',
        '/api/portal/offers',
        '/api/portal/commissions',
        '/api/portal/payouts',
        '/api/portal/report',
      ]),
    );
    const boCommission = (await t.api('GET', `/commissions?memberId=${seed.bo}`)).data.data[0].id;
    const swaps = [
      `memberId=${seed.bo}`,
      `member=${seed.bo}`,
      `offerId=${seed.offer2}`,
      `workspaceId=${seed.otherWorkspace.id}`,
      `workspace=${seed.otherWorkspace.id}`,
      `id=${boCommission}`,
      `cursor=${encodeCursor('com_zzzzzzzzzzzzzzzzzzzzzzzzzz')}`,
      `codeId=x&linkId=y`,
      `groupBy=member`,
      `groupBy=offer&memberId=${seed.bo}`,
    ];
    for (const path of portalGets) {
      for (const q of swaps) {
        const res = await ava.request('GET', `${path}?${q}`);
        expect([200, 400], `${path}?${q}`).toContain(res.status);
        for (const id of seed.foreign) expect(res.body, `${path}?${q} leaks ${id}`).not.toContain(id);
      }
    }
    // Path segments are not ids either: there is no portal route taking one.
    for (const path of [
      `/api/portal/offers/${seed.offer2}`,
      `/api/portal/commissions/${boCommission}`,
      `/api/portal/members/${seed.bo}`,
    ]) {
      expect((await ava.request('GET', path)).status, path).toBe(404);
    }

    const linksBefore = (await sql().selectFrom('links').select('id').execute()).length;
    for (const body of [
      { offerId: seed.offer2, url: 'https://shop.example.com/bo' },
      { offerId: seed.otherWorkspace.offer, url: 'https://shop.example.com/other' },
    ]) {
      const res = await ava.request('POST', '/api/portal/deep-links', body);
      expect(res.status, JSON.stringify(body)).toBe(404);
      expect(res.data.error.code).toBe('not_found');
    }
    const widened = await ava.request('POST', '/api/portal/deep-links', {
      offerId: seed.offer1,
      url: 'https://shop.example.com/x',
      memberId: seed.bo,
    });
    expect(widened.status).toBe(400);
    expect(widened.data.error.code).toBe('validation_failed');
    const offSite = await ava.request('POST', '/api/portal/deep-links', {
      offerId: seed.offer1,
      url: 'https://evil.example.net/phish',
    });
    expect(offSite.data.error.code).toBe('deep_link_not_allowed');
    expect((await sql().selectFrom('links').select('id').execute()).length).toBe(linksBefore);

    const made = await ava.request('POST', '/api/portal/deep-links', {
      offerId: seed.offer1,
      url: 'https://blog.example.org/review',
    });
    expect(made.status, made.body).toBe(200);
    expect(made.data).toMatchObject({
      created: true,
      link: { deepLinkUrl: 'https://blog.example.org/review', url: expect.stringMatching(/^http:\/\/tp\.test\//) },
    });
    expect((await t.api('GET', `/links/${made.data.link.id}`)).data).toMatchObject({
      memberId: seed.ava,
      offerId: seed.offer1,
    });
    const again = await ava.request('POST', '/api/portal/deep-links', {
      offerId: seed.offer1,
      url: 'https://blog.example.org/review',
    });
    expect(again.data).toMatchObject({ created: false, link: { id: made.data.link.id } });
    // The new link shows among the member's own, and redirects to the page for their credit.
    expect(
      (await ava.request('GET', '/api/portal/offers')).data.data[0].links.map((l: { id: string }) => l.id),
    ).toContain(made.data.link.id);
  });

  it('opens none of the admin API to a member session, and no portal route to a user session or an API key', async () => {
    const ava = await signInMember(AVA, t.workspaceId);
    for (const path of [
      '/api/v1/offers',
      '/api/v1/members',
      `/api/v1/members/${seed.ava}`,
      '/api/v1/commissions',
      '/api/v1/links',
      '/api/v1/workspace',
      '/api/v1/users',
      '/api/v1/auth/me',
      '/api/v1/reports',
    ]) {
      const res = await ava.request('GET', path);
      expect(res.status, path).toBe(401);
      expect(res.data.error.code).toBe('unauthorized');
    }
    expect((await ava.request('POST', '/api/v1/members', { name: 'Mallory' })).status).toBe(401);

    const user = await ownerBrowser();
    for (const path of [
      '/api/portal/me',
      '/api/portal/offers',
      '/api/portal/commissions',
      '/api/portal/payouts',
      '/api/portal/report',
    ]) {
      expect((await user.request('GET', path)).status, path).toBe(401);
      const keyed = await t.built.app.inject({ url: path, headers: { authorization: `Bearer ${t.apiKey}` } });
      expect(keyed.statusCode, path).toBe(401);
    }
    // A token moved to the other cookie's name is looked up in the other table, and found in none.
    const swapped = newBrowser(base);
    swapped.cookies.set('tp_session', ava.cookies.get('tp_member')!);
    swapped.cookies.set('tp_member', user.cookies.get('tp_session')!);
    expect((await swapped.request('GET', '/api/v1/offers')).status).toBe(401);
    expect((await swapped.request('GET', '/api/portal/me')).status).toBe(401);
  });

  it('requires the CSRF token on the portal too, and shares one token with the dashboard in the same browser', async () => {
    const ava = await signInMember(AVA, t.workspaceId);
    const before = (await sql().selectFrom('links').select('id').execute()).length;
    const body = { offerId: seed.offer1, url: 'https://shop.example.com/csrf' };
    expect((await ava.request('POST', '/api/portal/deep-links', body, { csrf: null })).data.error.code).toBe(
      'csrf_failed',
    );
    expect((await ava.request('POST', '/api/portal/deep-links', body, { csrf: 'z'.repeat(43) })).data.error.code).toBe(
      'csrf_failed',
    );
    expect((await sql().selectFrom('links').select('id').execute()).length).toBe(before);

    // The brand's owner, signed in to the dashboard, opens the portal as a member in the same browser: both work.
    const both = await ownerBrowser();
    const csrf = both.cookies.get('tp_csrf');
    await signInMember(AVA, t.workspaceId, both);
    expect(both.cookies.has('tp_member')).toBe(true);
    expect(both.cookies.get('tp_csrf')).toBe(csrf);
    expect((await both.request('POST', '/api/v1/members', { name: 'Via dashboard' })).status).toBe(201);
    expect((await both.request('POST', '/api/portal/deep-links', body)).status).toBe(200);

    const out = await ava.request('POST', '/api/portal/logout');
    expect(out.status).toBe(200);
    expect((await ava.request('GET', '/api/portal/me')).status).toBe(401);
  });

  it("splits a shared order by link and by code without naming the other member's link or code", async () => {
    const secret = (await t.api('GET', '/workspace')).data.postbackSecret as string;
    const shared = (
      await t.api('POST', '/offers', {
        name: 'Shared',
        destinationUrl: 'https://shop.example.com/shared',
        attributionRule: 'split',
        splitCodeShare: '50',
        payoutOptions: [{ title: 'Ten', type: 'percent', value: '10' }],
      })
    ).data.id as string;
    const added = async (memberId: string) =>
      (
        await t.api('POST', `/offers/${shared}/members`, {
          members: [{ memberId }],
          generateLinks: true,
          generateCodes: true,
          codePattern: '{NAME}{RAND4}',
        })
      ).data.members[0];
    const avaOn = await added(seed.ava);
    const boOn = await added(seed.bo);
    // Ava's link is clicked, then the order carries Bo's code: half each (SPEC §3, split). On a day of its own.
    now += 5 * 86_400_000;
    const res = await t.built.app.inject({
      url: `/${avaOn.links[0].slug}`,
      headers: {
        'user-agent':
          'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      },
    });
    const click = new URL(res.headers.location as string).searchParams.get('tp_click')!;
    await t.built.tracking.flush();
    const order = await postback(secret, { click, code: boOn.codes[0].code, order: 'S-1', amount: '100.00' });
    expect(order.json().commissions).toHaveLength(2);

    const day = new Date(now).toISOString().slice(0, 10);
    const view = async (b: Browser, groupBy: string) => {
      const r = await b.request('GET', `/api/portal/report?groupBy=${groupBy}&from=${day}&to=${day}`);
      expect(r.status, r.body).toBe(200);
      return r;
    };
    const rowsOf = (r: Awaited<ReturnType<typeof view>>) =>
      r.data.rows
        .filter((x: { salesMinor: number }) => x.salesMinor > 0)
        .map((x: { key: string; label: string; salesMinor: number }) => [x.key, x.label, x.salesMinor]);
    const ava = await signInMember(AVA, t.workspaceId);
    const bo = await signInMember(BO, t.workspaceId);
    const [avaByLink, avaByCode, boByLink, boByCode] = [
      await view(ava, 'link'),
      await view(ava, 'code'),
      await view(bo, 'link'),
      await view(bo, 'code'),
    ];
    expect(rowsOf(avaByLink)).toEqual([[avaOn.links[0].id, `/${avaOn.links[0].slug}`, 5_000]]);
    expect(rowsOf(avaByCode)).toEqual([['', '(no code)', 5_000]]);
    expect(rowsOf(boByLink)).toEqual([['', '(no link)', 5_000]]);
    expect(rowsOf(boByCode)).toEqual([[boOn.codes[0].id, boOn.codes[0].code, 5_000]]);
    for (const r of [avaByLink, avaByCode])
      for (const s of [boOn.codes[0].id, boOn.codes[0].code, boOn.links[0].slug, seed.bo])
        expect(r.body).not.toContain(s);
    for (const r of [boByLink, boByCode])
      for (const s of [avaOn.links[0].id, avaOn.links[0].slug, avaOn.codes[0].code, seed.ava])
        expect(r.body).not.toContain(s);
  });
});
