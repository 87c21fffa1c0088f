// When the database is unreachable, redirects keep working from the cache and clicks wait in the buffer
// (bounded: the oldest are dropped past the bound, and counted) until it returns. Postbacks are answered 503
// `unavailable` with Retry-After (their sender retries); pixel and /collect conversions are held and recorded later.
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createWorkspace } from '../src/app/workspaces.js';
import { loadConfig, type Config } from '../src/config.js';
import { migrateToLatest, openPostgres, openSqlite, type Store } from '../src/db/dialect/index.js';
import { buildApp, type BuiltApp } from '../src/http/app.js';
import { createPgDatabase, PG_URL, tempDir } from './helpers/stores.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';

const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

async function seedLink(built: BuiltApp): Promise<string> {
  return (await seed(built)).slug;
}

async function seed(built: BuiltApp): Promise<{ slug: string; offerId: string; secret: string }> {
  const ws = await createWorkspace(built.ctx, { name: 'Outage' });
  if (!ws.ok) throw new Error(ws.problem.message);
  const call = async (method: string, url: string, body: unknown) =>
    JSON.parse(
      (
        await built.app.inject({
          method: method as 'POST',
          url: `/api/v1${url}`,
          headers: { authorization: `Bearer ${ws.value.apiKey}` },
          payload: body as object,
        })
      ).body,
    );
  const offer = await call('POST', '/offers', {
    name: 'O',
    destinationUrl: 'https://shop.example.com/',
    payoutOptions: [{ title: 'P', type: 'percent', value: '10' }],
  });
  const member = await call('POST', '/members', { name: 'Ana' });
  const added = await call('POST', `/offers/${offer.id}/members`, { members: [{ memberId: member.id }] });
  const { postbackSecret } = await call('GET', '/workspace', undefined);
  return { slug: added.members[0].links[0].slug, offerId: offer.id, secret: postbackSecret };
}

function postback(built: BuiltApp, params: Record<string, string>) {
  return built.app.inject({ url: `/postback?${new URLSearchParams(params)}` });
}

async function ordersOf(store: Store): Promise<{ order_id: string; status: string; amount_minor: number | null }[]> {
  return store.db
    .selectFrom('conversions')
    .select(['order_id', 'status', 'amount_minor'])
    .orderBy('order_id')
    .execute();
}

async function fire(built: BuiltApp, slug: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const res = await built.app.inject({
      url: `/${slug}`,
      headers: { 'user-agent': UA },
      remoteAddress: `10.0.${i % 250}.${i % 7}`,
    });
    expect(res.statusCode).toBe(302);
    const id = new URL(res.headers.location as string).searchParams.get('tp_click');
    expect(id).toBeTruthy();
    ids.push(id!);
  }
  return ids;
}

async function until(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

async function storedIds(store: Store): Promise<Set<string>> {
  return new Set((await store.db.selectFrom('clicks').select('id').execute()).map((r) => r.id));
}

function config(dataDir: string, overrides: Partial<Config> = {}): Config {
  return loadConfig({ BASE_URL: 'http://tp.test', DATA_DIR: dataDir }, { clickFlushMs: 50, ...overrides });
}

/** An app whose PostgreSQL connections go through a proxy the test can cut; `direct` bypasses it. */
async function behindProxy(cfg: Config) {
  const database = await createPgDatabase();
  const direct = openPostgres(database.url, 2);
  await migrateToLatest(direct.db);
  const proxy = await startTcpProxy('127.0.0.1', Number(new URL(PG_URL).port || 5432));
  const viaProxy = new URL(database.url);
  viaProxy.host = `127.0.0.1:${proxy.port}`;
  const store = openPostgres(viaProxy.toString(), 4, cfg);
  const built = await buildApp(cfg, { store, logger: false });
  return {
    built,
    proxy,
    direct,
    async cleanup() {
      await built.close();
      await store.close();
      await proxy.close();
      await direct.close();
      await database.drop();
    },
  };
}

// Each test creates, migrates and drops a database of its own: slow on a busy machine.
describe.runIf(PG_URL)('PostgreSQL outage', { timeout: 60_000 }, () => {
  it('redirects from the cache, keeps clicks in the buffer and writes them all when the database returns', async () => {
    const { built, proxy, direct, cleanup } = await behindProxy(config(tempDir()));
    try {
      const slug = await seedLink(built);
      await proxy.cut();
      const ids = await fire(built, slug, 300);
      await built.tracking.flush();
      expect(built.tracking.buffer.size).toBe(300);
      expect((await storedIds(direct)).size).toBe(0);

      await proxy.restore();
      await until(() => built.tracking.buffer.size === 0, 20_000);
      const stored = await storedIds(direct);
      expect(ids.filter((id) => !stored.has(id))).toEqual([]);
      expect(stored.size).toBe(300);
    } finally {
      await cleanup();
    }
  });

  it('drops the oldest clicks past the bound, counts them, and writes the rest', async () => {
    const { built, proxy, direct, cleanup } = await behindProxy(config(tempDir(), { clickBufferMax: 100 }));
    try {
      const slug = await seedLink(built);
      await proxy.cut();
      const ids = await fire(built, slug, 150);
      expect(built.tracking.buffer.size).toBe(100);
      expect(built.tracking.buffer.dropped).toBe(50);
      await proxy.restore();
      await until(() => built.tracking.buffer.size === 0, 20_000);
      const stored = await storedIds(direct);
      expect([...stored].sort()).toEqual(ids.slice(50).sort());
      const metrics = (await built.app.inject({ url: '/metrics' })).body;
      expect(metrics).toMatch(/touchpoint_clicks_total\{outcome="dropped"\} 50/);
    } finally {
      await cleanup();
    }
  });

  it('answers a postback 503 unavailable with Retry-After while the database is unreachable, and records it when retried after', async () => {
    const { built, proxy, direct, cleanup } = await behindProxy(config(tempDir()));
    try {
      const { slug, secret } = await seed(built);
      const [click] = await fire(built, slug, 1);
      await built.tracking.flush();
      await proxy.cut();
      const params = { secret, click: click!, order: 'PB-1', amount: '40.00' };
      const refused = await postback(built, params);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.json().error.code).toBe('unavailable');

      await proxy.restore();
      let res = await postback(built, params);
      for (let i = 0; res.statusCode === 503 && i < 50; i++) {
        await new Promise((r) => setTimeout(r, 100));
        res = await postback(built, params);
      }
      expect(res.statusCode, res.body).toBe(200);
      expect(await ordersOf(direct)).toEqual([{ order_id: 'PB-1', status: 'credited', amount_minor: 4000 }]);
    } finally {
      await cleanup();
    }
  });

  it('answers a postback 503 when the database hangs, after the statement timeout instead of waiting for it, and recovers', async () => {
    const { built, proxy, cleanup } = await behindProxy(
      config(tempDir(), { dbStatementTimeoutMs: 500, dbConnectTimeoutMs: 500 }),
    );
    try {
      const { slug, secret } = await seed(built);
      const [click] = await fire(built, slug, 1);
      await built.tracking.flush();
      proxy.hang();
      // Both paths to a hung server: a pooled connection whose query never returns, and a new connection never set up.
      const answers = await Promise.all(
        [1, 2, 3, 4, 5, 6].map((n) => postback(built, { secret, click: click!, order: `HANG-${n}`, amount: '10.00' })),
      );
      expect(answers.map((a) => a.statusCode)).toEqual([503, 503, 503, 503, 503, 503]);
      expect(answers.map((a) => a.json().error.code)).toEqual(Array(6).fill('unavailable'));

      // The server answers again, but connections whose queries timed out are still waiting for their answers: they
      // are closed, not handed to the next request.
      proxy.heal();
      const after: number[] = [];
      // A connection that sat idle through the hang is found out on its first query; none is reused after.
      for (let i = 0; i < 10 && after.filter((s) => s === 200).length < 4; i++) {
        after.push((await postback(built, { secret, click: click!, order: 'AFTER-1', amount: '10.00' })).statusCode);
      }
      expect(after.slice(after.indexOf(200))).toEqual([200, 200, 200, 200]);
      // Closing now also ends the LISTEN connection, which is still silent: closing must not wait for its answer.
    } finally {
      await cleanup();
    }
  });

  it('holds pixel and /collect conversions made during the outage and records them when the database returns', async () => {
    const { built, proxy, direct, cleanup } = await behindProxy(config(tempDir()));
    try {
      const { slug, offerId } = await seed(built);
      const [pixelClick, tagClick] = await fire(built, slug, 2);
      await built.tracking.flush();
      await proxy.cut();
      const px = await built.app.inject({ url: `/px?click=${pixelClick}&order=PX-1&amount=25.00` });
      expect(px.statusCode).toBe(200);
      expect(px.headers['content-type']).toBe('image/gif');
      const tag = await built.app.inject({
        method: 'POST',
        url: '/collect',
        headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example.com' },
        payload: JSON.stringify({ offer: offerId, click: tagClick, orderId: 'TAG-1', amount: '30.00' }),
      });
      expect(tag.statusCode).toBe(202);
      expect(tag.json()).toEqual({ status: 'queued' });
      expect(built.tracking.conversions.size).toBe(2);
      expect(await ordersOf(direct)).toEqual([]);

      await proxy.restore();
      await until(() => built.tracking.conversions.size === 0, 20_000);
      expect(await ordersOf(direct)).toEqual([
        { order_id: 'PX-1', status: 'credited', amount_minor: 2500 },
        { order_id: 'TAG-1', status: 'credited', amount_minor: 3000 },
      ]);
    } finally {
      await cleanup();
    }
  });
});

describe('SQLite locked by another writer', () => {
  it('redirects while the file cannot be written, then writes every click once the lock is released', async () => {
    const dir = tempDir();
    const file = `${dir}/touchpoint.sqlite`;
    const store = openSqlite(file);
    await migrateToLatest(store.db);
    const built = await buildApp(config(dir), { store, logger: false });
    const blocker = new BetterSqlite3(file);
    try {
      const slug = await seedLink(built);
      blocker.exec('BEGIN EXCLUSIVE');
      const ids = await fire(built, slug, 200);
      await built.tracking.flush();
      expect(built.tracking.buffer.size).toBe(200);
      blocker.exec('COMMIT');
      await until(() => built.tracking.buffer.size === 0, 20_000);
      const stored = await storedIds(store);
      expect(ids.filter((id) => !stored.has(id))).toEqual([]);
    } finally {
      blocker.close();
      await built.close();
      await store.close();
    }
  });

  it('answers a postback 503 unavailable while the write lock is held past the busy timeout, and changes nothing', async () => {
    const dir = tempDir();
    const file = `${dir}/touchpoint.sqlite`;
    const cfg = config(dir, { dbBusyTimeoutMs: 100 });
    const store = openSqlite(file, cfg);
    await migrateToLatest(store.db);
    const built = await buildApp(cfg, { store, logger: false });
    const blocker = new BetterSqlite3(file);
    try {
      const { slug, secret } = await seed(built);
      const [click] = await fire(built, slug, 1);
      await built.tracking.flush();
      blocker.exec('BEGIN EXCLUSIVE');
      const params = { secret, click: click!, order: 'LOCK-1', amount: '40.00' };
      const refused = await postback(built, params);
      expect(refused.statusCode).toBe(503);
      expect(refused.headers['retry-after']).toBe('5');
      expect(refused.json().error.code).toBe('unavailable');
      blocker.exec('COMMIT');
      expect(await ordersOf(store)).toEqual([]);
      const res = await postback(built, params);
      expect(res.statusCode, res.body).toBe(200);
      expect(await ordersOf(store)).toEqual([{ order_id: 'LOCK-1', status: 'credited', amount_minor: 4000 }]);
    } finally {
      blocker.close();
      await built.close();
      await store.close();
    }
  });
});
