// First-party tracking origins through the API on both databases: validation, normalization, link URLs in the
// admin API and the setup checklist, and the redirect's cookie (Fastify's route, via inject) from a trusted proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const payoutOptions = [{ title: '10%', type: 'percent', value: '10' }];

describe.each(DIALECTS)('first-party tracking origins on %s', (kind) => {
  let t: TestApp;
  let offerId: string;
  let slug: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { trustProxy: ['127.0.0.1'], baseUrl: 'https://tp.example' });
  });
  afterAll(() => t?.close());

  it('refuses an origin off the offer’s site, plain http off localhost, or with a query', async () => {
    for (const trackingOrigin of [
      'https://evil.example/go',
      'http://shop.example.com/go',
      'https://shop.example.com/go?x=1',
    ]) {
      const r = await t.api('POST', '/offers', {
        name: 'Serum',
        destinationUrl: 'https://shop.example.com/p',
        trackingOrigin,
        payoutOptions,
      });
      expect(r.statusCode, trackingOrigin).toBe(400);
      expect(r.data.error.details).toEqual([
        expect.objectContaining({ path: 'trackingOrigin', code: 'tracking_origin_invalid' }),
      ]);
    }
  });

  it('stores the origin normalized, and builds every link URL on it', async () => {
    const r = await t.api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: 'https://shop.example.com/p',
      deepLinks: { allowCreators: true, extraDomains: ['*.example.com'] },
      trackingOrigin: 'https://Shop.Example.com/go/',
      payoutOptions,
    });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.data.trackingOrigin).toBe('https://shop.example.com/go');
    offerId = r.data.id;
    const member = (await t.api('POST', '/members', { name: 'Anna' })).data.id;
    const joined = await t.api('POST', `/offers/${offerId}/members`, { members: [{ memberId: member }] });
    slug = joined.data.members[0].links[0].slug;
    expect(joined.data.members[0].links[0].url).toBe(`https://shop.example.com/go/${slug}`);
    const list = await t.api('GET', `/offers/${offerId}/members`);
    expect(list.data.data[0].links[0].url).toBe(`https://shop.example.com/go/${slug}`);
    const profile = await t.api('GET', `/members/${member}/offers`);
    expect(profile.data.data[0].links[0].url).toBe(`https://shop.example.com/go/${slug}`);
    const checklist = await t.api('GET', '/setup-checklist');
    expect(checklist.data.next.link.url).toBe(`https://shop.example.com/go/${slug}`);
  });

  it('refuses a destination change that leaves the origin off the site, until the origin changes too', async () => {
    const moved = await t.api('PATCH', `/offers/${offerId}`, {
      destinationUrl: 'https://store.example.org/p',
      deepLinks: { allowCreators: true, extraDomains: [] },
    });
    expect(moved.statusCode).toBe(400);
    expect(moved.data.error.details[0]).toMatchObject({ path: 'trackingOrigin' });
    const sub = await t.api('PATCH', `/offers/${offerId}`, { trackingOrigin: 'https://t.example.com' });
    expect(sub.statusCode, sub.body).toBe(200);
    expect(sub.data.trackingOrigin).toBe('https://t.example.com');
    const back = await t.api('PATCH', `/offers/${offerId}`, { trackingOrigin: 'https://shop.example.com/go' });
    expect(back.data.trackingOrigin).toBe('https://shop.example.com/go');
  });

  const click = (headers: Record<string, string>) =>
    t.built.app.inject({
      method: 'GET',
      url: `/${slug}`,
      remoteAddress: '127.0.0.1',
      headers: { 'user-agent': UA, ...headers },
    });

  it('sets the cookie host-only, Lax and Secure when the trusted proxy forwards the origin’s host over https', async () => {
    const res = await click({ 'x-forwarded-host': 'shop.example.com', 'x-forwarded-proto': 'https' });
    expect(res.statusCode).toBe(302);
    expect(res.headers['set-cookie']).toMatch(
      /^tp_click=[0-9A-Za-z]{28}; Max-Age=2419200; Path=\/; HttpOnly; SameSite=Lax; Secure$/,
    );
  });

  it('keeps the third-party cookie for another host, or forwarded headers from an untrusted address', async () => {
    const other = await click({ 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(other.headers['set-cookie']).toMatch(/; SameSite=None; Secure$/);
    const untrusted = await t.built.app.inject({
      method: 'GET',
      url: `/${slug}`,
      remoteAddress: '198.51.100.9',
      headers: { 'user-agent': UA, 'x-forwarded-host': 'shop.example.com', 'x-forwarded-proto': 'https' },
    });
    expect(untrusted.headers['set-cookie']).toMatch(/; SameSite=None; Secure$/);
  });
});
