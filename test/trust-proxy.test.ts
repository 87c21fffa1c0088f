// TRUST_PROXY as the configuration reads it, and the visitor's address the redirect records behind a listed proxy.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startTestApp, type TestApp } from './helpers/app.js';

describe('TRUST_PROXY', () => {
  it('keeps true and false, and reads addresses and CIDR blocks', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '0' }).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8,::1,fd00::/8' }).trustProxy).toEqual([
      '127.0.0.1',
      '10.0.0.0/8',
      '::1',
      'fd00::/8',
    ]);
  });

  it('refuses what is not an address or a block, naming the variable', () => {
    for (const bad of ['maybe', '10.0.0.0/33', '::1/129', '10.0.0/8', 'example.com', '1.2.3.4/8/1'])
      expect(() => loadConfig({ TRUST_PROXY: bad }), bad).toThrow(ConfigError);
    expect(() => loadConfig({ TRUST_PROXY: 'example.com' })).toThrow(/TRUST_PROXY/);
  });
});

describe('the visitor address behind a listed proxy (SQLite)', () => {
  let t: TestApp;
  let base: string;
  let slug: string;

  beforeAll(async () => {
    t = await startTestApp('sqlite', { trustProxy: ['127.0.0.1'] });
    await t.built.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.built.app.server.address() as AddressInfo).port}`;
    const offer = await t.api('POST', '/offers', {
      name: 'Serum',
      destinationUrl: 'https://shop.example.com/p',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    const link = await t.api('POST', '/links', { offerId: offer.data.id });
    expect(link.statusCode, link.body).toBe(201);
    slug = link.data.slug;
  });
  afterAll(() => t?.close());

  it('is the right-most X-Forwarded-For entry that is not the proxy, not the one the client wrote', async () => {
    const res = await fetch(`${base}/${slug}`, {
      redirect: 'manual',
      headers: {
        'user-agent':
          'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
        'x-forwarded-for': '6.6.6.6, 203.0.113.7',
        'x-forwarded-host': 'shop.example.com',
      },
    });
    expect(res.status).toBe(302);
    // No tracking origin on the offer: the forwarded host changes nothing, the cookie is the usual one.
    expect(res.headers.get('set-cookie')).toMatch(/; HttpOnly; SameSite=Lax$/);
    const clickId = new URL(res.headers.get('location')!).searchParams.get('tp_click')!;
    let click;
    for (let i = 0; i < 50 && !click; i++) {
      await new Promise((r) => setTimeout(r, 100));
      click = await t.built.ctx.store.db.selectFrom('clicks').selectAll().where('id', '=', clickId).executeTakeFirst();
    }
    expect(click?.ip_truncated).toBe('203.0.113.0');
  });
});
