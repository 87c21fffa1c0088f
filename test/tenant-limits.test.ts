// What one tenant or one creator cannot reach or pile up: another workspace's webhook log, and deep links without end.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEEP_LINKS_PER_OFFER } from '../src/app/portal.js';
import { issueLoginLink } from '../src/app/portal-sign-in.js';
import { newId } from '../src/core/ids.js';
import { samplePercentOffer, startTestApp, type TestApp } from './helpers/app.js';
import { listen, newBrowser, type Browser } from './helpers/browser.js';
import { DIALECTS } from './helpers/stores.js';

describe.each(DIALECTS)('tenant limits on %s', (kind) => {
  let t: TestApp;
  let base: string;
  beforeAll(async () => {
    t = await startTestApp(kind);
    base = await listen(t);
  });
  afterAll(() => t.close());

  it("answers 404 for another workspace's webhook endpoint's messages, and pages its own", async () => {
    const mine = await t.api('POST', '/webhook-endpoints', {
      url: 'https://hooks.example.com/a',
      events: ['conversion.created'],
    });
    expect(mine.statusCode).toBe(201);
    const other = await t.newWorkspace('Other');
    const theirs = await t.api('GET', `/webhook-endpoints/${mine.data.id}/messages`, undefined, other.apiKey);
    expect([theirs.statusCode, theirs.data]).toEqual([
      404,
      { error: { code: 'not_found', message: expect.any(String) } },
    ]);
    const unknown = await t.api('GET', `/webhook-endpoints/whk_${'0'.repeat(26)}/messages`);
    expect(unknown.statusCode).toBe(404);
    const own = await t.api('GET', `/webhook-endpoints/${mine.data.id}/messages`);
    expect([own.statusCode, own.data]).toEqual([200, { data: [], nextCursor: null }]);
  });

  describe('deep links per member and offer', () => {
    let offerId: string;
    let otherOfferId: string;
    let memberId: string;
    let ava: Browser;
    beforeAll(async () => {
      const deepLinks = { allowCreators: true, extraDomains: [] };
      offerId = (await t.api('POST', '/offers', { ...samplePercentOffer, deepLinks })).data.id;
      otherOfferId = (await t.api('POST', '/offers', { ...samplePercentOffer, name: 'Autumn', deepLinks })).data.id;
      memberId = (await t.api('POST', '/members', { name: 'Ava', email: 'ava@creators.test' })).data.id;
      for (const id of [offerId, otherOfferId])
        await t.api('POST', `/offers/${id}/members`, { members: [{ memberId }], generateLinks: true });
      ava = newBrowser(base);
      const link = new URL(await issueLoginLink(t.built.ctx, t.workspaceId, memberId));
      expect((await ava.open(link.pathname + link.search)).status).toBe(302);
      // All but one of the quota, made directly: each would otherwise be a request.
      const now = Date.now();
      const rows = Array.from({ length: DEEP_LINKS_PER_OFFER - 1 }, (_, i) => ({
        id: newId('lnk', now),
        workspace_id: t.workspaceId,
        offer_id: offerId,
        member_id: memberId,
        slug: `seeded${i}`,
        deep_link_url: `https://shop.example.com/page-${i}`,
        status: 'active' as const,
        created_at: now,
        disabled_at: null,
      }));
      await t.db.store.db.insertInto('links').values(rows).execute();
    });
    const make = (offer: string, path: string) =>
      ava.request('POST', '/api/portal/deep-links', { offerId: offer, url: `https://shop.example.com/${path}` });

    it(`makes up to ${DEEP_LINKS_PER_OFFER} active deep links, then answers 409 deep_link_quota and makes none`, async () => {
      const last = await make(offerId, 'last');
      expect([last.status, last.data.created]).toEqual([200, true]);
      const before = await t.db.store.db.selectFrom('links').select('id').where('member_id', '=', memberId).execute();
      const over = await make(offerId, 'one-too-many');
      expect([over.status, over.data]).toEqual([
        409,
        { error: { code: 'deep_link_quota', message: expect.any(String) } },
      ]);
      const after = await t.db.store.db.selectFrom('links').select('id').where('member_id', '=', memberId).execute();
      expect(after.length).toBe(before.length);
    });

    it('still finds an existing deep link, counts per offer, and frees a place when the brand disables one', async () => {
      const existing = await make(offerId, 'page-3');
      expect([existing.status, existing.data.created]).toEqual([200, false]);
      const elsewhere = await make(otherOfferId, 'other');
      expect([elsewhere.status, elsewhere.data.created]).toEqual([200, true]);
      expect((await t.api('POST', `/links/${existing.data.link.id}/disable`)).statusCode).toBe(200);
      const again = await make(offerId, 'one-too-many');
      expect([again.status, again.data.created]).toEqual([200, true]);
    });
  });
});
