// The server's own limits over real sockets: slow clients are cut off, connections are capped, everything the
// framework or the HTTP parser refuses answers in the one error shape, and https installations send HSTS.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { addCreators, samplePercentOffer, startTestApp, type TestApp } from './helpers/app.js';
import { listen } from './helpers/browser.js';
import { DIALECTS } from './helpers/stores.js';

interface Exchange {
  /** Everything the server sent before the connection closed. */
  received: string;
}

/** Connects, writes `head`, then writes one `drip` every 20 ms until the server closes the connection. */
function trickle(port: number, head: string, drip: string): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    let received = '';
    let timer: NodeJS.Timeout | undefined;
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(head);
      timer = setInterval(() => socket.writable && socket.write(drip), 20);
    });
    socket.on('data', (d) => (received += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearInterval(timer);
      resolve({ received });
    });
    socket.on('timeout', () => reject(new Error('test socket idle')));
  });
}

/** Sends raw bytes and collects the answer until the server closes the connection. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    let received = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (d) => (received += d.toString()));
    socket.on('error', () => {});
    socket.on('close', () => resolve(received));
  });
}

function parseResponse(text: string): { status: number; headers: string; body: unknown } {
  const [head, ...rest] = text.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head ?? '')?.[1]);
  let body: unknown;
  try {
    body = JSON.parse(rest.join('\r\n\r\n'));
  } catch {
    body = rest.join('\r\n\r\n');
  }
  return { status, headers: head ?? '', body };
}

const portOf = (base: string) => Number(new URL(base).port);
const problem = (code: string) => ({ error: { code, message: expect.any(String) } });

describe.each(DIALECTS)('HTTP limits on %s', (kind) => {
  describe('slow clients', () => {
    let t: TestApp;
    let port: number;
    let slug: string;
    beforeAll(async () => {
      t = await startTestApp(kind, { headersTimeoutMs: 300, requestTimeoutMs: 600 } satisfies Partial<Config>);
      port = portOf(await listen(t));
      const offer = await t.api('POST', '/offers', samplePercentOffer);
      slug = (await addCreators(t, offer.data.id, ['Ava']))[0]!.slug;
      // Warm the link cache so that the redirect is answered by the fast path, outside Fastify.
      expect((await fetch(`http://127.0.0.1:${port}/${slug}`, { redirect: 'manual' })).status).toBe(302);
    });
    afterAll(() => t.close());

    it('answers 408 and closes a connection whose body trickles in past the request timeout (authenticated or not)', async () => {
      for (const path of ['/api/v1/offers', '/postback', '/api/portal/login-link']) {
        const head = `POST ${path} HTTP/1.1\r\nHost: tp.test\r\nAuthorization: Bearer ${t.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"a":"`;
        const { received } = await trickle(port, head, 'a');
        const res = parseResponse(received);
        expect([path, res.status, res.body]).toEqual([path, 408, problem('request_timeout')]);
      }
    });

    it('closes a connection whose headers trickle in past the headers timeout, the fast path included', async () => {
      for (const path of [`/${slug}`, '/api/v1/offers']) {
        const { received } = await trickle(port, `GET ${path} HTTP/1.1\r\nHost: tp.test\r\n`, 'X-Slow: 1\r\n');
        const res = parseResponse(received);
        expect([path, res.status, res.body]).toEqual([path, 408, problem('request_timeout')]);
      }
    });

    it('still answers clients that send in time', async () => {
      expect((await fetch(`http://127.0.0.1:${port}/${slug}`, { redirect: 'manual' })).status).toBe(302);
      expect(
        (await fetch(`http://127.0.0.1:${port}/api/v1/offers`, { headers: { authorization: `Bearer ${t.apiKey}` } }))
          .status,
      ).toBe(200);
    });
  });

  describe('connection cap', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await startTestApp(kind, { maxConnections: 2 });
      port = portOf(await listen(t));
    });
    afterAll(() => t.close());

    it('refuses connections beyond MAX_CONNECTIONS and keeps serving the open ones', async () => {
      const open: net.Socket[] = [];
      const ask = (socket: net.Socket) =>
        new Promise<string>((resolve) => {
          socket.once('data', (d) => resolve(d.toString()));
          socket.write('GET /healthz HTTP/1.1\r\nHost: tp.test\r\n\r\n');
        });
      for (let i = 0; i < 2; i++) {
        const socket = net.connect(port, '127.0.0.1');
        socket.on('error', () => {});
        open.push(socket);
        // An answer proves the server holds this connection (kept alive afterwards).
        expect(await ask(socket)).toMatch(/^HTTP\/1\.1 200/);
      }
      const third = await raw(port, 'GET /healthz HTTP/1.1\r\nHost: tp.test\r\n\r\n');
      expect(third).toBe('');
      expect(await ask(open[0]!)).toMatch(/^HTTP\/1\.1 200/);
      for (const s of open) s.destroy();
    });
  });

  describe('framework errors in the one shape', () => {
    let t: TestApp;
    let port: number;
    beforeAll(async () => {
      t = await startTestApp(kind);
      port = portOf(await listen(t));
    });
    afterAll(() => t.close());
    const auth = () => ({ authorization: `Bearer ${t.apiKey}` });

    it('bad URL encoding, over-long params, unknown routes (tracking paths included)', async () => {
      const badUrl = await t.built.app.inject({ url: '/api/v1/offers/%zz', headers: auth() });
      expect([badUrl.statusCode, badUrl.json()]).toEqual([400, problem('bad_request')]);
      const badTracking = await t.built.app.inject({ url: '/%zz' });
      expect([badTracking.statusCode, badTracking.json()]).toEqual([400, problem('bad_request')]);
      const long = await t.built.app.inject({ url: `/api/v1/offers/${'a'.repeat(5000)}`, headers: auth() });
      expect([long.statusCode, long.json()]).toEqual([400, problem('bad_request')]);
      const missing = await t.built.app.inject({ url: '/api/v1/nothing/here', headers: auth() });
      expect([missing.statusCode, missing.json()]).toEqual([404, problem('route_not_found')]);
    });

    it('malformed JSON, a wrong content type, a body too large', async () => {
      const json = await t.built.app.inject({
        method: 'POST',
        url: '/api/v1/offers',
        headers: { ...auth(), 'content-type': 'application/json' },
        payload: '{"name":',
      });
      expect([json.statusCode, json.json()]).toEqual([400, problem('body_invalid')]);
      const xml = await t.built.app.inject({
        method: 'POST',
        url: '/api/v1/offers',
        headers: { ...auth(), 'content-type': 'application/xml' },
        payload: '<a/>',
      });
      expect([xml.statusCode, xml.json()]).toEqual([415, problem('unsupported_media_type')]);
      const big = await t.built.app.inject({
        method: 'POST',
        url: '/api/v1/offers',
        headers: { ...auth(), 'content-type': 'application/json' },
        payload: `{"name":"${'x'.repeat(21 * 1024 * 1024)}"}`,
      });
      expect([big.statusCode, big.json()]).toEqual([413, problem('payload_too_large')]);
      const offers = await t.api('GET', '/offers');
      expect(offers.data.data).toEqual([]);
    });

    it('what the HTTP parser refuses: a bad Content-Length, headers too large, garbage', async () => {
      const badLength = parseResponse(
        await raw(port, 'POST /api/v1/offers HTTP/1.1\r\nHost: tp.test\r\nContent-Length: abc\r\n\r\n{}'),
      );
      expect([badLength.status, badLength.body]).toEqual([400, problem('bad_request')]);
      const twoLengths = parseResponse(
        await raw(port, 'POST /postback HTTP/1.1\r\nHost: tp.test\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}'),
      );
      expect([twoLengths.status, twoLengths.body]).toEqual([400, problem('bad_request')]);
      const huge = parseResponse(
        await raw(port, `GET /api/v1/offers HTTP/1.1\r\nHost: tp.test\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      );
      expect([huge.status, huge.body]).toEqual([431, problem('headers_too_large')]);
      const garbage = parseResponse(await raw(port, 'HELLO\r\n\r\n'));
      expect([garbage.status, garbage.body]).toEqual([400, problem('bad_request')]);
    });
  });

  describe('HSTS', () => {
    const HSTS = 'max-age=31536000; includeSubDomains';
    const paths = async (t: TestApp) => {
      const offer = await t.api('POST', '/offers', samplePercentOffer);
      const slug = (await addCreators(t, offer.data.id, ['Ava']))[0]!.slug;
      // Twice: once through Fastify, then through the fast path.
      return ['/api/v1/offers', '/app', '/p', '/healthz', '/nothing/here/at/all', `/${slug}`, `/${slug}`, '/postback'];
    };

    it('is sent on every response when BASE_URL is https', async () => {
      const t = await startTestApp(kind, { baseUrl: 'https://tp.test' });
      try {
        const base = await listen(t);
        for (const path of await paths(t)) {
          const res = await fetch(base + path, { redirect: 'manual' });
          expect([path, res.headers.get('strict-transport-security')]).toEqual([path, HSTS]);
        }
      } finally {
        await t.close();
      }
    });

    it('is never sent when BASE_URL is http', async () => {
      const t = await startTestApp(kind);
      try {
        const base = await listen(t);
        for (const path of await paths(t)) {
          const res = await fetch(base + path, { redirect: 'manual' });
          expect([path, res.headers.get('strict-transport-security')]).toEqual([path, null]);
        }
      } finally {
        await t.close();
      }
    });
  });
});
