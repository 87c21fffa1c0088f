import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClickId } from '../src/core/click-id.js';
import { buildApp } from '../src/http/app.js';
import { DIALECTS } from './helpers/stores.js';
import { startTestApp, type TestApp } from './helpers/app.js';

const IPHONE_SAFARI =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const INSTAGRAM =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 327.1.6.30.88 (iPhone14,5; iOS 17_4; en_US; en; scale=3.00; 1170x2532; 590522392)';
const TWITTERBOT = 'Twitterbot/1.0';

describe.each(DIALECTS)('tracking links on %s', (kind) => {
  let t: TestApp;
  let offerId: string;
  let memberId: string;
  let slug: string;
  let linkId: string;
  let code: string;
  let clickTag: string;

  const click = (
    path: string,
    ua = IPHONE_SAFARI,
    extra: Record<string, string> = {},
    method: 'GET' | 'HEAD' = 'GET',
    ip = '203.0.113.7',
  ) => t.built.app.inject({ method, url: path, headers: { 'user-agent': ua, ...extra }, remoteAddress: ip });
  const clicksOf = async (link: string) => {
    await t.built.tracking.flush();
    return t.built.ctx.store.db
      .selectFrom('clicks')
      .selectAll()
      .where('link_id', '=', link)
      .orderBy('created_at')
      .execute();
  };

  beforeAll(async () => {
    t = await startTestApp(kind);
    const offer = await t.api('POST', '/offers', {
      name: 'Glow & Go',
      destinationUrl: 'https://shop.example.com/products/glow?aff={aff_id}&tid={transaction_id}&o={offer_id}',
      cookieWindowDays: 7,
      utm: { utm_source: 'touchpoint', utm_campaign: '{link_offer_name}', utm_content: '{creator_ig_username}' },
      deepLinks: { allowCreators: true, extraDomains: ['*.example.org'] },
      codeAppend: { mode: 'query', param: 'discount' },
      payoutOptions: [{ title: 'Standard', type: 'percent', value: '10' }],
    });
    offerId = offer.data.id;
    const member = await t.api('POST', '/members', { name: 'Marie Kim', instagram: '@marie.k' });
    memberId = member.data.id;
    const added = await t.api('POST', `/offers/${offerId}/members`, {
      members: [{ memberId }],
      generateLinks: true,
      generateCodes: true,
      codePattern: 'MARIE{RAND3}',
    });
    slug = added.data.members[0].links[0].slug;
    linkId = added.data.members[0].links[0].id;
    code = added.data.members[0].codes[0].code;
    const ws = await t.built.ctx.store.db
      .selectFrom('workspaces')
      .select('click_tag')
      .where('id', '=', t.workspaceId)
      .executeTakeFirstOrThrow();
    clickTag = ws.click_tag;
  });
  afterAll(() => t.close());

  it('redirects with 302 to the destination with UTMs, macros, the click id and the promo code, and sets the cookie', async () => {
    const res = await click(`/${slug}`);
    expect(res.statusCode).toBe(302);
    const location = new URL(res.headers.location as string);
    const clickId = location.searchParams.get('tp_click')!;
    expect(location.origin + location.pathname).toBe('https://shop.example.com/products/glow');
    expect(Object.fromEntries(location.searchParams)).toEqual({
      aff: memberId,
      tid: clickId,
      o: offerId,
      utm_source: 'touchpoint',
      utm_campaign: 'Glow & Go',
      utm_content: 'marie.k',
      tp_click: clickId,
      discount: code,
    });
    expect(parseClickId(clickId)?.workspaceTag).toBe(clickTag);
    expect(res.headers['set-cookie']).toBe(`tp_click=${clickId}; Max-Age=${7 * 86400}; Path=/; HttpOnly; SameSite=Lax`);
    expect(res.headers['cache-control']).toContain('no-store');
    const rows = await clicksOf(linkId);
    const row = rows.find((r) => r.id === clickId)!;
    expect(row).toMatchObject({
      tracked: 1,
      is_bot: 0,
      device: 'mobile',
      offer_id: offerId,
      member_id: memberId,
      ip_truncated: '203.0.113.0',
    });
    expect(row.ip_hash).toMatch(/^[0-9a-f]{32}$/);
    expect(row.ip_hash).not.toContain('203.0.113.7');
  });

  it('resolves slugs case-insensitively', async () => {
    expect((await click(`/${slug.toUpperCase()}`)).statusCode).toBe(302);
  });

  it('records sub-ids without forwarding them, and the referrer host and country', async () => {
    const res = await click(`/${slug}?sub1=story&sub2=reel-42&sub5=x`, IPHONE_SAFARI, {
      referer: 'https://l.instagram.com/?u=abc',
      'cf-ipcountry': 'fr',
    });
    const location = new URL(res.headers.location as string);
    expect([...location.searchParams.keys()].filter((k) => k.startsWith('sub'))).toEqual([]);
    const row = (await clicksOf(linkId)).find((r) => r.id === location.searchParams.get('tp_click'))!;
    expect(row).toMatchObject({
      sub1: 'story',
      sub2: 'reel-42',
      sub3: null,
      sub5: 'x',
      referrer_host: 'l.instagram.com',
      country: 'FR',
    });
  });

  it('strips control characters from sub-ids, so one click cannot keep a batch from being written', async () => {
    // PostgreSQL text cannot hold NUL: a click carrying one would fail its whole batch, again at every retry.
    const res = await click(`/${slug}?sub1=%00st%01ory%1F&sub2=%00%7F`);
    const next = await click(`/${slug}?sub1=after`);
    const rows = await clicksOf(linkId);
    const id = (r: typeof res) => new URL(r.headers.location as string).searchParams.get('tp_click');
    expect(rows.find((r) => r.id === id(res))).toMatchObject({ sub1: 'story', sub2: null });
    expect(rows.find((r) => r.id === id(next))).toMatchObject({ sub1: 'after' });
  });

  it('counts HEAD requests and link-preview bots as bots: redirect, no click id, no cookie', async () => {
    for (const [method, ua, reason] of [
      ['HEAD', IPHONE_SAFARI, 'head_request'],
      ['GET', TWITTERBOT, 'preview:twitterbot'],
    ] as const) {
      const before = (await clicksOf(linkId)).length;
      const res = await click(`/${slug}`, ua, {}, method);
      expect(res.statusCode).toBe(302);
      expect(new URL(res.headers.location as string).searchParams.has('tp_click')).toBe(false);
      expect(res.headers['set-cookie']).toBeUndefined();
      const rows = await clicksOf(linkId);
      expect(rows.length).toBe(before + 1);
      expect(rows.at(-1)).toMatchObject({ is_bot: 1, bot_reason: reason, is_unique: 0 });
    }
  });

  it('counts in-app browsers as people', async () => {
    const res = await click(`/${slug}`, INSTAGRAM, {}, 'GET', '198.51.100.20');
    const id = new URL(res.headers.location as string).searchParams.get('tp_click');
    expect(id).toBeTruthy();
    const row = (await clicksOf(linkId)).find((r) => r.id === id)!;
    expect(row).toMatchObject({ is_bot: 0, tracked: 1, is_unique: 1 });
  });

  it('marks only the first click of a visitor on a link within 24 h as unique', async () => {
    const ua = `${IPHONE_SAFARI} unique-test`;
    const ids: string[] = [];
    for (const ip of ['192.0.2.1', '192.0.2.1', '192.0.2.2']) {
      const res = await click(`/${slug}`, ua, {}, 'GET', ip);
      ids.push(new URL(res.headers.location as string).searchParams.get('tp_click')!);
    }
    const rows = await clicksOf(linkId);
    expect(ids.map((id) => rows.find((r) => r.id === id)!.is_unique)).toEqual([1, 0, 1]);
  });

  it('follows ?to= deep links only to the offer domain or allowed domains', async () => {
    const to = async (target: string) =>
      new URL((await click(`/${slug}?to=${encodeURIComponent(target)}`)).headers.location as string);
    const path = await to('/collections/sale?color=red');
    expect(path.href).toMatch(/^https:\/\/shop\.example\.com\/collections\/sale\?color=red&utm_source=touchpoint/);
    expect((await to('https://blog.example.org/look')).host).toBe('blog.example.org');
    for (const trick of [
      '//evil.com',
      'https://evil.com',
      'https://shop.example.com@evil.com/',
      '\\\\evil.com',
      'javascript:alert(1)',
    ]) {
      const target = await to(trick);
      expect(target.host, trick).toBe('shop.example.com');
      expect(target.pathname, trick).toBe('/products/glow');
    }
  });

  it('answers the same over real HTTP, where cached links take the fast path', async () => {
    await t.built.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (t.built.app.server.address() as { port: number }).port;
    const viaHttp = async (path: string, init: RequestInit = {}) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        redirect: 'manual',
        ...init,
        headers: { 'user-agent': IPHONE_SAFARI, ...(init.headers ?? {}) },
      });
    const before = (await clicksOf(linkId)).length;
    const res = await viaHttp(`/${slug}?sub1=live`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    const clickId = location.searchParams.get('tp_click')!;
    expect(location.searchParams.get('utm_content')).toBe('marie.k');
    expect(location.searchParams.get('tid')).toBe(clickId);
    expect(res.headers.get('set-cookie')).toBe(
      `tp_click=${clickId}; Max-Age=${7 * 86400}; Path=/; HttpOnly; SameSite=Lax`,
    );
    const head = await viaHttp(`/${slug}`, { method: 'HEAD' });
    expect(head.status).toBe(302);
    expect(new URL(head.headers.get('location')!).searchParams.has('tp_click')).toBe(false);
    const rows = await clicksOf(linkId);
    expect(rows.length).toBe(before + 2);
    expect(rows.find((r) => r.id === clickId)).toMatchObject({
      tracked: 1,
      is_bot: 0,
      sub1: 'live',
      ip_truncated: '127.0.0.0',
    });
    expect(rows.at(-1)).toMatchObject({ is_bot: 1, bot_reason: 'head_request' });
    expect((await viaHttp('/NoSuchLink2')).status).toBe(404);
    expect((await viaHttp('/healthz')).status).toBe(200);
    const metrics = await (await viaHttp('/metrics')).text();
    expect(metrics).toMatch(/touchpoint_http_requests_total\{method="GET",route="\/:slug",status="302"\} [1-9]/);
  });

  it('sets the click cookie SameSite=None; Secure when links are served over https', async () => {
    const https = await buildApp(
      { ...t.config, baseUrl: 'https://go.brand.test' },
      { store: t.db.store, logger: false },
    );
    try {
      const res = await https.app.inject({ url: `/${slug}`, headers: { 'user-agent': IPHONE_SAFARI } });
      expect(res.headers['set-cookie']).toMatch(
        /^tp_click=[0-9A-Za-z]{28}; Max-Age=604800; Path=\/; HttpOnly; SameSite=None; Secure$/,
      );
    } finally {
      await https.close();
    }
  });

  it('shows a small 404 page for an unknown slug', async () => {
    const res = await click('/NoSuchLink1');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('Link not found');
  });

  it('keeps redirecting a paused, ended or disabled link but records the click as untracked', async () => {
    const untracked = async () => {
      const res = await click(`/${slug}`);
      expect(res.statusCode).toBe(302);
      const location = new URL(res.headers.location as string);
      expect(location.searchParams.has('tp_click')).toBe(false);
      expect(location.searchParams.get('tid')).toBe('');
      expect(res.headers['set-cookie']).toBeUndefined();
      expect((await clicksOf(linkId)).at(-1)).toMatchObject({ tracked: 0 });
    };
    await t.api('POST', `/offers/${offerId}/pause`);
    await untracked();
    await t.api('POST', `/offers/${offerId}/resume`);
    expect(new URL((await click(`/${slug}`)).headers.location as string).searchParams.has('tp_click')).toBe(true);
    await t.api('PATCH', `/offers/${offerId}`, { endsAt: new Date(Date.now() - 60_000).toISOString() });
    await untracked();
    await t.api('PATCH', `/offers/${offerId}`, { endsAt: null });
    const other = await t.api('POST', '/links', { offerId, memberId });
    await t.api('POST', `/links/${other.data.id}/disable`);
    const res = await click(`/${other.data.slug}`);
    expect(res.statusCode).toBe(302);
    expect(new URL(res.headers.location as string).searchParams.has('tp_click')).toBe(false);
  });

  it('applies offer edits to the very next redirect', async () => {
    await t.api('PATCH', `/offers/${offerId}`, {
      destinationUrl: 'https://shop.example.com/new-landing',
      codeAppend: { mode: 'shopify', param: 'discount' },
    });
    const location = new URL((await click(`/${slug}`)).headers.location as string);
    expect(location.pathname).toBe(`/discount/${code}`);
    const redirect = new URL(location.searchParams.get('redirect')!, 'https://shop.example.com');
    expect(redirect.pathname).toBe('/new-landing');
    expect(redirect.searchParams.get('tp_click')).toMatch(/^[0-9A-Za-z]{28}$/);
  });

  it('shows click counts per link and per offer member through the API after a flush', async () => {
    await t.built.tracking.flush();
    const counted = await t.built.ctx.store.db
      .selectFrom('clicks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('link_id', '=', linkId)
      .where('tracked', '=', 1)
      .where('is_bot', '=', 0)
      .executeTakeFirstOrThrow();
    const link = await t.api('GET', `/links/${linkId}`);
    expect(link.data.clicks).toBe(Number(counted.n));
    expect(link.data.clicks).toBeGreaterThan(5);
    const offer = await t.api('GET', `/offers/${offerId}`);
    const onOffer = await t.built.ctx.store.db
      .selectFrom('clicks')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('offer_id', '=', offerId)
      .where('tracked', '=', 1)
      .where('is_bot', '=', 0)
      .executeTakeFirstOrThrow();
    expect(offer.data.clicks).toBe(Number(onOffer.n));
    expect((await t.api('GET', '/offers')).data.data.find((o: { id: string }) => o.id === offerId).clicks).toBe(
      Number(onOffer.n),
    );
    const members = await t.api('GET', `/offers/${offerId}/members`);
    expect(members.data.data[0].links.find((l: { id: string }) => l.id === linkId).clicks).toBe(Number(counted.n));
  });

  // SQLite is one process; only PostgreSQL deployments run several instances.
  if (kind === 'postgres')
    it('reaches another instance on the same database within a second (LISTEN/NOTIFY)', async () => {
      const other = await buildApp(t.config, { store: t.db.store, logger: false });
      try {
        const before = new URL(
          (await other.app.inject({ url: `/${slug}`, headers: { 'user-agent': IPHONE_SAFARI } })).headers
            .location as string,
        );
        expect(before.pathname).not.toBe('/moved');
        await t.api('PATCH', `/offers/${offerId}`, {
          destinationUrl: 'https://shop.example.com/moved',
          codeAppend: { mode: 'none', param: 'discount' },
        });
        const deadline = Date.now() + 1_000;
        let pathname = '';
        while (Date.now() < deadline) {
          pathname = new URL(
            (await other.app.inject({ url: `/${slug}`, headers: { 'user-agent': IPHONE_SAFARI } })).headers
              .location as string,
          ).pathname;
          if (pathname === '/moved') break;
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(pathname).toBe('/moved');
      } finally {
        await other.close();
      }
    });
});
