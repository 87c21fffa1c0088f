// Two workspaces on one database: B's key must neither see nor change anything of A's, and must not learn that it exists
// (404, never 403).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { samplePercentOffer, startTestApp, type TestApp, withData } from './helpers/app.js';

type Res = Awaited<ReturnType<TestApp['api']>>;

describe.each(DIALECTS)('workspace isolation on %s', (kind) => {
  let t: TestApp;
  let bKey: string;
  /** A's objects. */
  const a: Record<string, any> = {};
  /** B's own offer and member, to mix with A's ids. */
  const b: Record<string, any> = {};

  const asA = (method: string, path: string, body?: unknown) => t.api(method, path, body);
  const asB = (method: string, path: string, body?: unknown) => t.api(method, path, body, bKey);

  const file = async (key: string, method: 'GET' | 'POST', path: string, body?: string): Promise<Res> => {
    const res = await t.built.app.inject({
      method,
      url: `/api/v1${path}`,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'text/csv' } : {}) },
      ...(body !== undefined ? { payload: body } : {}),
    });
    return withData(res);
  };

  /** Everything A can read about its data, to compare before and after B's attempts. */
  async function snapshotA() {
    const get = async (path: string) => {
      const res = await asA('GET', path);
      expect(res.statusCode, path).toBe(200);
      return res.data;
    };
    return {
      workspace: await get('/workspace'),
      offers: await get('/offers?limit=200'),
      offer: await get(`/offers/${a.offer.id}`),
      members: await get('/members?limit=200'),
      member: await get(`/members/${a.member.id}`),
      offerMembers: await get(`/offers/${a.offer.id}/members?limit=200`),
      links: await get('/links?limit=200'),
      codes: await get('/codes?limit=200'),
      apiKeys: (await get('/api-keys')).data.map((k: any) => ({ ...k, lastUsedAt: null })),
      roster: (await file(t.apiKey, 'GET', `/offers/${a.offer.id}/code-roster?format=csv`)).body,
    };
  }

  beforeAll(async () => {
    t = await startTestApp(kind);
    bKey = (await t.newWorkspace('Other brand')).apiKey;

    a.offer = (await asA('POST', '/offers', samplePercentOffer)).data;
    a.payout = a.offer.payoutOptions[1];
    a.member = (
      await asA('POST', '/members', {
        name: 'Alice A',
        email: 'alice@a.example',
        externalId: 'a-1',
        tags: ['a-tag'],
        project: 'A project',
      })
    ).data;
    a.other = (await asA('POST', '/members', { name: 'Aaron A', email: 'aaron@a.example', externalId: 'a-2' })).data;
    const added = await asA('POST', `/offers/${a.offer.id}/members`, {
      members: [{ memberId: a.member.id, payoutOptionId: a.payout.id }],
      generateLinks: true,
      generateCodes: true,
    });
    expect(added.statusCode).toBe(200);
    a.link = added.data.members[0].links[0];
    a.code = added.data.members[0].codes[0];
    a.vanity = (await asA('POST', '/links', { offerId: a.offer.id, slug: `a-vanity-${kind}` })).data;
    a.generic = (await asA('POST', '/codes', { offerId: a.offer.id, code: 'ASPRING' })).data;
    a.key = (await asA('POST', '/api-keys', { name: 'A integration' })).data;
    for (const x of ['link', 'code', 'vanity', 'generic', 'key']) expect(a[x]?.id, x).toBeTruthy();

    b.offer = (await asB('POST', '/offers', samplePercentOffer)).data;
    b.member = (await asB('POST', '/members', { name: 'Bob B' })).data;
    await asB('POST', `/offers/${b.offer.id}/members`, { members: [{ memberId: b.member.id }] });
  });
  afterAll(() => t.close());

  it("answers 404 to B for every read, edit and action on A's objects, and A's data stays as it was", async () => {
    const before = await snapshotA();
    const o = a.offer.id;
    const attempts: [string, string, unknown?][] = [
      ['GET', `/offers/${o}`],
      ['PATCH', `/offers/${o}`, { name: 'Hijacked' }],
      ['POST', `/offers/${o}/pause`],
      ['POST', `/offers/${o}/archive`],
      ['POST', `/offers/${o}/resume`],
      ['POST', `/offers/${o}/payout-options`, { title: 'Evil', type: 'percent', value: '99', default: true }],
      ['PATCH', `/offers/${o}/payout-options/${a.payout.id}`, { value: '99', default: true }],
      ['DELETE', `/offers/${o}/payout-options/${a.payout.id}`],
      ['PATCH', `/offers/${b.offer.id}/payout-options/${a.payout.id}`, { value: '99' }],
      ['DELETE', `/offers/${b.offer.id}/payout-options/${a.payout.id}`],
      ['POST', `/offers/${o}/members`, { members: [{ memberId: b.member.id }], generateCodes: true }],
      ['GET', `/offers/${o}/members`],
      ['DELETE', `/offers/${o}/members/${a.member.id}`],
      ['GET', `/offers/${o}/code-roster?format=csv`],
      ['GET', `/offers/${o}/code-roster?format=xlsx`],
      ['POST', `/offers/${o}/codes/generate`, { pattern: '{NAME}{RAND4}' }],
      ['GET', `/members/${a.member.id}`],
      ['PATCH', `/members/${a.member.id}`, { name: 'Hijacked', email: 'evil@b.example' }],
      ['DELETE', `/members/${a.member.id}`],
      ['DELETE', `/members/${a.other.id}`],
      ['GET', `/links/${a.link.id}`],
      ['POST', `/links/${a.link.id}/disable`],
      ['POST', `/links/${a.vanity.id}/disable`],
      ['POST', '/links', { offerId: o }],
      ['POST', '/links', { offerId: b.offer.id, memberId: a.member.id }],
      ['GET', `/codes/${a.code.id}`],
      ['POST', `/codes/${a.code.id}/disable`],
      ['POST', `/codes/${a.generic.id}/disable`],
      ['POST', '/codes', { offerId: o, code: 'BSTEAL' }],
      ['POST', '/codes', { offerId: b.offer.id, code: 'BSTEAL', memberId: a.member.id }],
      ['DELETE', `/api-keys/${a.key.id}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await asB(method, path, body);
      expect(res.statusCode, `${method} ${path}`).toBe(404);
      expect(res.data.error.code, `${method} ${path}`).toBe('not_found');
    }
    const roster = await file(
      bKey,
      'POST',
      `/offers/${o}/code-roster`,
      `member_id,new_code\r\n${a.member.id},BHIJACK\r\n`,
    );
    expect(roster.statusCode).toBe(404);
    expect(roster.data.error.code).toBe('not_found');

    // A's ids inside B's own requests are unknown too, and nothing is written.
    const addA = await asB('POST', `/offers/${b.offer.id}/members`, {
      members: [{ memberId: a.member.id, payoutOptionId: a.payout.id }],
    });
    expect(addA.statusCode).toBe(400);
    expect(addA.data.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'members.0.memberId', code: 'not_found' }),
        expect.objectContaining({ path: 'members.0.payoutOptionId', code: 'not_found' }),
      ]),
    );
    const generate = await asB('POST', `/offers/${b.offer.id}/codes/generate`, {
      pattern: '{NAME}{RAND4}',
      memberIds: [a.member.id],
    });
    expect(generate.statusCode).toBe(409);
    expect(generate.data.error.code).toBe('member_not_on_offer');
    const rosterB = await file(
      bKey,
      'POST',
      `/offers/${b.offer.id}/code-roster`,
      `member_id,new_code\r\n${a.member.id},BHIJACK\r\n`,
    );
    expect(rosterB.statusCode).toBe(400);
    expect(rosterB.data.error.details).toEqual([expect.objectContaining({ line: 2, code: 'member_not_on_offer' })]);
    const importB = await file(
      bKey,
      'POST',
      '/members/import',
      'name,email,external_id\r\nAlice hijacked,alice@a.example,a-1\r\n',
    );
    expect(importB.statusCode).toBe(200);
    expect(importB.data).toEqual({ created: 1, updated: 0 });

    expect(await snapshotA()).toEqual(before);
    expect((await asB('GET', `/offers/${b.offer.id}/members`)).data.data.map((r: any) => r.member.id)).toEqual([
      b.member.id,
    ]);
  });

  it("never lists A's objects to B, however B filters", async () => {
    const aIds = new Set<string>([
      a.offer.id,
      a.member.id,
      a.other.id,
      a.link.id,
      a.vanity.id,
      a.code.id,
      a.generic.id,
      a.key.id,
    ]);
    const lists = [
      '/offers?limit=200',
      '/members?limit=200',
      '/members?limit=200&q=alice',
      '/members?limit=200&q=a.example',
      '/members?limit=200&tag=a-tag',
      `/members?limit=200&project=${encodeURIComponent('A project')}`,
      '/links?limit=200',
      `/links?limit=200&offerId=${a.offer.id}`,
      `/links?limit=200&memberId=${a.member.id}`,
      '/codes?limit=200',
      `/codes?limit=200&offerId=${a.offer.id}`,
      `/codes?limit=200&memberId=${a.member.id}`,
      '/codes?limit=200&code=aspring',
      `/codes?limit=200&code=${a.code.code}`,
    ];
    for (const path of lists) {
      const res = await asB('GET', path);
      expect(res.statusCode, path).toBe(200);
      for (const item of res.data.data) expect(aIds.has(item.id), `${path} lists ${item.id}`).toBe(false);
    }
    expect((await asB('GET', `/links?limit=200&offerId=${a.offer.id}`)).data.data).toEqual([]);
    expect((await asB('GET', `/codes?limit=200&offerId=${a.offer.id}`)).data.data).toEqual([]);
    expect((await asB('GET', '/members?limit=200&tag=a-tag')).data.data).toEqual([]);
    const keys = (await asB('GET', '/api-keys')).data.data;
    expect(keys.length).toBeGreaterThan(0);
    for (const k of keys) expect(aIds.has(k.id)).toBe(false);
    const ws = (await asB('GET', '/workspace')).data;
    expect(ws.id).not.toBe(t.workspaceId);
    expect(ws.postbackSecret).not.toBe((await asA('GET', '/workspace')).data.postbackSecret);

    // A cursor made from one of A's ids does not open A's list either.
    const cursor = Buffer.from('mem_zzzzzzzzzzzzzzzzzzzzzzzzzz').toString('base64url');
    for (const m of (await asB('GET', `/members?limit=200&cursor=${cursor}`)).data.data)
      expect(aIds.has(m.id)).toBe(false);
  });

  it('lets B use the same email, external id and code string as A, since they are unique per workspace', async () => {
    const member = await asB('POST', '/members', { name: 'Other Aaron', email: 'AARON@a.example', externalId: 'a-2' });
    expect(member.statusCode).toBe(201);
    expect((await asA('GET', `/members/${a.other.id}`)).data).toEqual(a.other);
    const code = await asB('POST', '/codes', { offerId: b.offer.id, code: a.code.code });
    expect(code.statusCode).toBe(201);
    expect((await asA('GET', `/codes/${a.code.id}`)).data.status).toBe('active');
  });
});
