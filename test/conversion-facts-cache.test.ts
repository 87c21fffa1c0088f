// Conversions are decided with settings cached in memory (app/conversion-facts.ts). These tests warm the cache with
// an order, change a setting the way a brand does (the admin API, or a use case), and check that the very next order
// is decided with the new setting — on this instance at once, on another instance of the same PostgreSQL database
// within a second. A write that goes around the API shows the cache is really in use.
import fs from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversionFactsCache } from '../src/app/conversion-facts.js';
import { disableCode } from '../src/app/codes.js';
import { buildApp } from '../src/http/app.js';
import { DIALECTS, freshStore } from './helpers/stores.js';
import { addCreators, startTestApp, type Creator, type TestApp } from './helpers/app.js';

describe.each(DIALECTS)('cached conversion settings on %s', (kind) => {
  let t: TestApp;
  let secret: string;
  let offerId: string;
  let payoutId: string;
  let anna: Creator;
  let ben: Creator;
  let order = 0;

  const postback = async (app: TestApp['built']['app'], code: string, extra: Record<string, string> = {}) => {
    const res = await app.inject({
      url: `/postback?${new URLSearchParams({ secret, code, order: `FC-${kind}-${++order}`, amount: '50.00', currency: 'USD', ...extra })}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as {
      conversionId: string;
      credited: boolean;
      reasons: string[];
      commissions: { memberId: string; amount: string }[];
    };
  };
  const earned = async (code: string, extra?: Record<string, string>) =>
    (await postback(t.built.app, code, extra)).commissions[0]?.amount ?? null;

  beforeAll(async () => {
    t = await startTestApp(kind);
    secret = (await t.api('GET', '/workspace')).data.postbackSecret;
    const offer = await t.api('POST', '/offers', {
      name: 'Cached',
      destinationUrl: 'https://shop.example.com/',
      payoutOptions: [{ title: '10%', type: 'percent', value: '10' }],
    });
    offerId = offer.data.id;
    payoutId = offer.data.payoutOptions[0].id;
    [anna, ben] = (await addCreators(t, offerId, ['Anna', 'Ben'])) as [Creator, Creator];
  });
  afterAll(() => t.close());

  it('pays the next order at a payout rate edited through the API, and not before', async () => {
    expect(await earned(anna.code)).toBe('5.00');
    // Around the API, nobody tells the cache: the cached rate stays in use (this is what makes the test meaningful).
    await t.db.store.db.updateTable('payout_options').set({ value: 3_000 }).where('id', '=', payoutId).execute();
    expect(await earned(anna.code)).toBe('5.00');
    const edited = await t.api('PATCH', `/offers/${offerId}/payout-options/${payoutId}`, { value: '20' });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(await earned(anna.code)).toBe('10.00');
  });

  it('moves a member to another payout option, pauses the offer, and disables a code, each for the very next order', async () => {
    const vip = await t.api('POST', `/offers/${offerId}/payout-options`, {
      title: 'VIP',
      type: 'fixed',
      value: '7.00',
    });
    expect(vip.statusCode, vip.body).toBe(201);
    expect(await earned(ben.code)).toBe('10.00');
    const moved = await t.api('POST', `/offers/${offerId}/members`, {
      members: [{ memberId: ben.id, payoutOptionId: vip.data.id }],
    });
    expect(moved.statusCode, moved.body).toBeLessThan(300);
    expect(await earned(ben.code)).toBe('7.00');

    expect((await t.api('POST', `/offers/${offerId}/pause`)).statusCode).toBe(200);
    const paused = await postback(t.built.app, anna.code);
    expect(paused.credited).toBe(false);
    expect(paused.reasons).toContain('code_offer_paused');
    expect((await t.api('POST', `/offers/${offerId}/resume`)).statusCode).toBe(200);
    expect(await earned(anna.code)).toBe('10.00');

    const code = (await t.api('GET', `/codes?offerId=${offerId}`)).data.data.find(
      (c: { code: string }) => c.code === ben.code,
    );
    expect((await t.api('POST', `/codes/${code.id}/disable`)).statusCode).toBe(200);
    const disabled = await postback(t.built.app, ben.code);
    expect(disabled.credited).toBe(false);
    expect(disabled.reasons).toContain('code_disabled');
  });

  it('sees a change made by a use case outside the API (a code disabled by leak handling) through trackingChanged', async () => {
    const [cleo] = (await addCreators(t, offerId, ['Cleo'])) as [Creator];
    expect(await earned(cleo.code)).toBe('10.00');
    const row = await t.db.store.db
      .selectFrom('promo_codes')
      .select('id')
      .where('code', '=', cleo.code)
      .executeTakeFirstOrThrow();
    const r = await disableCode(t.built.ctx, { workspaceId: t.workspaceId, actor: 'test' }, row.id);
    expect(r.ok).toBe(true);
    expect((await postback(t.built.app, cleo.code)).reasons).toContain('code_disabled');
  });

  it('converts the next order at an exchange rate set through the API, and announces it to an endpoint registered after the cache was warm', async () => {
    const before = await postback(t.built.app, anna.code, { currency: 'EUR' });
    expect(before.reasons).toContain('no_fx_rate');
    expect((await t.api('PUT', '/fx-rates', { from: 'EUR', to: 'USD', rate: '1.10' })).statusCode).toBe(200);
    expect(await earned(anna.code, { currency: 'EUR' })).toBe('11.00'); // 20 % of 55.00 USD

    const messages = async () =>
      Number(
        (
          await t.db.store.db
            .selectFrom('webhook_messages')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const none = await messages();
    await postback(t.built.app, anna.code);
    expect(await messages()).toBe(none);
    const endpoint = await t.api('POST', '/webhook-endpoints', {
      url: 'http://127.0.0.1:9/hooks',
      events: ['conversion.created'],
    });
    expect(endpoint.statusCode, endpoint.body).toBe(201);
    const announced = await postback(t.built.app, anna.code);
    const queued = await t.db.store.db.selectFrom('webhook_messages').select(['endpoint_id', 'payload']).execute();
    expect(queued).toEqual([
      { endpoint_id: endpoint.data.id, payload: expect.stringContaining(announced.conversionId) },
    ]);
    expect((await t.api('DELETE', `/webhook-endpoints/${endpoint.data.id}`)).statusCode).toBeLessThan(300);
    await postback(t.built.app, anna.code);
    expect(await messages()).toBe(none + 1);
  });

  // SQLite is one process; only PostgreSQL deployments run several instances.
  if (kind === 'postgres')
    it('reaches another instance on the same database within a second (LISTEN/NOTIFY)', async () => {
      const other = await buildApp(t.config, { store: t.db.store, logger: false });
      try {
        const rate = async () => (await postback(other.app, anna.code)).commissions[0]!.amount;
        const before = await rate();
        expect(before).toBe('10.00');
        expect(
          (await t.api('PATCH', `/offers/${offerId}/payout-options/${payoutId}`, { value: '12' })).statusCode,
        ).toBe(200);
        const deadline = Date.now() + 1_000;
        let after = before;
        while (Date.now() < deadline) {
          after = await rate();
          if (after !== before) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(after).toBe('6.00');

        // A change that reaches tracking (a code disabled) reaches the other instance's conversions too.
        const [dana] = (await addCreators(t, offerId, ['Dana'])) as [Creator];
        expect((await postback(other.app, dana.code)).credited).toBe(true);
        const row = await t.db.store.db
          .selectFrom('promo_codes')
          .select('id')
          .where('code', '=', dana.code)
          .executeTakeFirstOrThrow();
        await disableCode(t.built.ctx, { workspaceId: t.workspaceId, actor: 'test' }, row.id);
        let reasons: string[] = [];
        const until = Date.now() + 1_000;
        while (Date.now() < until) {
          reasons = (await postback(other.app, dana.code)).reasons;
          if (reasons.includes('code_disabled')) break;
          await new Promise((r) => setTimeout(r, 20));
        }
        expect(reasons).toContain('code_disabled');
      } finally {
        await other.close();
      }
    });
});

describe.each(DIALECTS)('the conversion settings cache on %s', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(kind);
  });
  afterAll(() => t.close());

  it('reads again after its maximum age, and forgets only the workspace a change belongs to', async () => {
    const db = t.db.store.db;
    const other = await t.newWorkspace('Other');
    const offers: Record<string, string> = {};
    for (const [workspaceId, key] of [
      [t.workspaceId, t.apiKey],
      [other.workspaceId, other.apiKey],
    ] as const) {
      offers[workspaceId] = (
        await t.api(
          'POST',
          '/offers',
          {
            name: 'O',
            destinationUrl: 'https://shop.example.com/',
            payoutOptions: [{ title: 'F', type: 'fixed', value: '1.00' }],
          },
          key,
        )
      ).data.id;
    }
    let now = 1_000_000;
    const cache = new ConversionFactsCache(30_000, 100, () => now);
    const status = async (workspaceId: string) =>
      (await cache.forWorkspace(workspaceId).offers(db, [offers[workspaceId]]))[offers[workspaceId]!]!.tracking.status;
    const pauseBehindTheCache = (workspaceId: string, s: 'active' | 'paused') =>
      db.updateTable('offers').set({ status: s }).where('id', '=', offers[workspaceId]!).execute();

    expect(await status(t.workspaceId)).toBe('active');
    expect(await status(other.workspaceId)).toBe('active');
    await pauseBehindTheCache(t.workspaceId, 'paused');
    await pauseBehindTheCache(other.workspaceId, 'paused');
    expect(await status(t.workspaceId)).toBe('active');
    // A change to one workspace's offer empties that workspace only.
    cache.invalidate({ kind: 'offer', id: offers[t.workspaceId]! });
    expect(await status(t.workspaceId)).toBe('paused');
    expect(await status(other.workspaceId)).toBe('active');
    // An offer it never read may have new codes whose absence it remembers: everything is read again.
    cache.invalidate({ kind: 'offer', id: 'off_unknown' });
    expect(await status(other.workspaceId)).toBe('paused');
    // Links hold nothing conversions read here.
    await pauseBehindTheCache(other.workspaceId, 'active');
    cache.invalidate({ kind: 'link', id: 'lnk_any' });
    expect(await status(other.workspaceId)).toBe('paused');
    now += 30_001;
    expect(await status(other.workspaceId)).toBe('active');
  });

  it('remembers a workspace by its postback secret until the workspace changes, and never remembers an unknown secret', async () => {
    const cache = new ConversionFactsCache();
    const ws = await t.db.store.db
      .selectFrom('workspaces')
      .selectAll()
      .where('id', '=', t.workspaceId)
      .executeTakeFirstOrThrow();
    let reads = 0;
    const load = async (s: string) => {
      reads++;
      return s === ws.postback_secret ? ws : undefined;
    };
    expect((await cache.workspaceBySecret(ws.postback_secret, load))?.id).toBe(ws.id);
    expect((await cache.workspaceBySecret(ws.postback_secret, load))?.id).toBe(ws.id);
    expect(reads).toBe(1);
    expect(await cache.workspaceBySecret('guess', load)).toBeUndefined();
    expect(await cache.workspaceBySecret('guess', load)).toBeUndefined();
    expect(reads).toBe(3);
    cache.invalidateWorkspace(ws.id);
    await cache.workspaceBySecret(ws.postback_secret, load);
    expect(reads).toBe(4);
  });
});

// An order is decided (reads) before it is inserted (a write). A deferred SQLite transaction that read first cannot
// wait for the write lock: when the click writer's connection commits in between, the insert fails at once
// (SQLITE_BUSY_SNAPSHOT). Transactions therefore take the lock when they begin.
describe('SQLite transactions', () => {
  it("hold the write lock from their start, so reading before writing never fails on another connection's commit", async () => {
    const t = await freshStore('sqlite');
    const other = new BetterSqlite3(t.url);
    try {
      other.pragma('busy_timeout = 0');
      const audit = (id: string) => ({
        id,
        workspace_id: 'ws_x',
        actor: 'test',
        entity: 'test',
        entity_id: id,
        action: 'test',
        detail: '{}',
        created_at: 0,
      });
      const insertElsewhere = other.prepare(
        "insert into audit_log (id, workspace_id, actor, entity, entity_id, action, detail, created_at) values (?, 'ws_x', 'test', 'test', ?, 'test', '{}', 0)",
      );
      await t.store.writeTransaction(async (tx) => {
        await tx.selectFrom('audit_log').select('id').execute();
        expect(() => insertElsewhere.run('aud_other', 'aud_other')).toThrow(/locked|busy/i);
        await tx.insertInto('audit_log').values(audit('aud_mine')).execute();
      });
      insertElsewhere.run('aud_other', 'aud_other');
      expect((await t.store.db.selectFrom('audit_log').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([
        'aud_mine',
        'aud_other',
      ]);
    } finally {
      other.close();
      await t.cleanup();
    }
  });
});

// A commit on the event loop never runs a WAL checkpoint (copying the log back and syncing the file): a worker does.
describe('SQLite checkpoints in a running server', () => {
  it('are left to a worker thread while tracking runs, and handed back when it stops', async () => {
    const t = await startTestApp('sqlite');
    try {
      const autocheckpoint = async () =>
        Number(
          Object.values(
            (await sql<Record<string, number>>`pragma wal_autocheckpoint`.execute(t.db.store.db)).rows[0]!,
          )[0],
        );
      expect(await autocheckpoint()).toBe(0);
      const before = fs.statSync(t.db.url).size;
      const detail = 'x'.repeat(1_000);
      for (let i = 0; i < 4; i++) {
        await t.db.store.db
          .insertInto('audit_log')
          .values(
            Array.from({ length: 500 }, (_, j) => ({
              id: `aud_ck${i}_${j}`,
              workspace_id: t.workspaceId,
              actor: 'test',
              entity: 'test',
              entity_id: 'x',
              action: 'test',
              detail,
              created_at: 0,
            })),
          )
          .execute();
      }
      // Only a checkpoint moves pages from the log into the database file; this connection does not run them.
      const deadline = Date.now() + 5_000;
      while (fs.statSync(t.db.url).size < before + 1_000_000 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect(fs.statSync(t.db.url).size).toBeGreaterThan(before + 1_000_000);
      await t.built.close();
      expect(await autocheckpoint()).toBe(1_000);
    } finally {
      await t.db.cleanup();
    }
  });
});
