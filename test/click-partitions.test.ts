// Monthly partitions of clicks and conversion_events and the raw-click retention (ADR 0012, migration 0030): on
// PostgreSQL the tables are partitioned, the job makes months ahead, a month's rows in the default partition move
// into its partition, two runs at once both succeed; on both databases the retention drops old raw clicks and keeps
// rollups and conversion events, and a raw report says from when clicks are kept; the migration moves existing rows.
import { Migrator, sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPartitionJob } from '../src/app/partitions.js';
import { rebuildRollups } from '../src/app/rollups.js';
import { newClickId } from '../src/core/click-id.js';
import { addMonths, monthOf } from '../src/core/click-retention.js';
import { newId } from '../src/core/ids.js';
import { ConfigError, loadConfig, MIN_CLICK_RETENTION_MONTHS } from '../src/config.js';
import { findClick, insertKeyedEvent, type ConversionEventRow } from '../src/db/conversions.js';
import { migrateToLatest, openPostgres, type Store } from '../src/db/dialect/index.js';
import { migrations } from '../src/db/migrations/index.js';
import type { ClickTable, Database } from '../src/db/schema.js';
import { insertWorkspace } from '../src/db/workspaces.js';
import { addCreators, samplePercentOffer, startTestApp, type TestApp } from './helpers/app.js';
import { DIALECTS, freshStore, PG_URL, type TestStore } from './helpers/stores.js';

const DAY = 86_400_000;

function click(
  workspaceId: string,
  tag: string,
  linkId: string,
  at: number,
  extra: Partial<ClickTable> = {},
): ClickTable {
  return {
    id: newClickId(tag, at),
    workspace_id: workspaceId,
    link_id: linkId,
    offer_id: 'off_x',
    member_id: null,
    created_at: at,
    tracked: 1,
    ip_hash: `h${at}`,
    ip_truncated: '10.0.0.0',
    user_agent: 'Mozilla/5.0',
    referrer_host: null,
    country: null,
    device: 'desktop',
    is_bot: 0,
    bot_reason: null,
    is_unique: 1,
    sub1: null,
    sub2: null,
    sub3: null,
    sub4: null,
    sub5: null,
    ...extra,
  };
}

function event(workspaceId: string, at: number, key: string | null = null): ConversionEventRow {
  return {
    id: newId('evt', at),
    workspace_id: workspaceId,
    conversion_id: null,
    received_at: at,
    source: 'postback',
    order_id: 'o1',
    is_test: 0,
    outcome: 'rejected',
    reason: 'unknown_click',
    detail: '{}',
    trust: null,
    evidence: null,
    event_key: key,
  };
}

/** The partition of each row, by id (PostgreSQL). */
async function partitionsOf(db: Kysely<Database>, table: 'clicks' | 'conversion_events'): Promise<Map<string, string>> {
  const { rows } = await sql<{ id: string; part: string }>`
    select id, tableoid::regclass::text as part from ${sql.table(table)}`.execute(db);
  return new Map(rows.map((r) => [r.id, r.part]));
}

async function partitionNames(db: Kysely<Database>, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = ${table}::regclass order by 1`.execute(db);
  return rows.map((r) => r.name);
}

describe.skipIf(!PG_URL)('click partitions on postgres', () => {
  let t: TestStore;
  let ws: { id: string; click_tag: string };
  beforeAll(async () => {
    t = await freshStore('postgres');
    ws = await insertWorkspace(t.store.db, { name: 'Acme', clickTag: 'Prt1', now: Date.now() });
  });
  afterAll(() => t.cleanup());

  it('partitions clicks and conversion events by month, with a default partition', async () => {
    const { rows } = await sql<{ table: string; strategy: string; key: string }>`
      select c.relname as table, p.partstrat as strategy, a.attname as key
      from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
      join pg_attribute a on a.attrelid = p.partrelid and a.attnum = p.partattrs[0]
      order by 1`.execute(t.store.db);
    expect(rows).toEqual([
      { table: 'clicks', strategy: 'r', key: 'created_at' },
      { table: 'conversion_events', strategy: 'r', key: 'received_at' },
    ]);
    const current = monthOf(Date.now());
    for (const table of ['clicks', 'conversion_events']) {
      const names = await partitionNames(t.store.db, table);
      expect(names).toContain(`${table}_default`);
      for (const m of [0, 1, 2]) expect(names).toContain(`${table}_${addMonths(current, m).suffix}`);
    }
  });

  it('makes the current month and two ahead, once', async () => {
    const now = Date.UTC(2031, 10, 20);
    const first = await runPartitionJob(t.store, now, null);
    expect(first.created).toBe(6);
    for (const table of ['clicks', 'conversion_events']) {
      expect(await partitionNames(t.store.db, table)).toEqual(
        expect.arrayContaining([`${table}_p203111`, `${table}_p203112`, `${table}_p203201`]),
      );
    }
    expect((await runPartitionJob(t.store, now, null)).created).toBe(0);
  });

  it('moves the rows of a month that landed in the default partition into its partition when it is made', async () => {
    const at = Date.UTC(2034, 2, 10, 12);
    const c = click(ws.id, ws.click_tag, 'lnk_far', at);
    const e = event(ws.id, at + 1_000);
    await t.store.db.insertInto('clicks').values(c).execute();
    await t.store.db.insertInto('conversion_events').values(e).execute();
    expect((await partitionsOf(t.store.db, 'clicks')).get(c.id)).toBe('clicks_default');
    expect((await partitionsOf(t.store.db, 'conversion_events')).get(e.id)).toBe('conversion_events_default');

    const run = await runPartitionJob(t.store, Date.UTC(2034, 2, 1), null);
    expect(run.created).toBe(6);
    expect((await partitionsOf(t.store.db, 'clicks')).get(c.id)).toBe('clicks_p203403');
    expect((await partitionsOf(t.store.db, 'conversion_events')).get(e.id)).toBe('conversion_events_p203403');
    expect(await findClick(t.store.db, c.id)).toMatchObject({ id: c.id, created_at: at });
    // A click id is still one row after the move: a second write of it is ignored by the click writer's conflict.
    const again = await sql`insert into clicks select * from clicks where id = ${c.id}
      on conflict (id, created_at) do nothing`.execute(t.store.db);
    expect(Number(again.numAffectedRows)).toBe(0);
  });

  it('lets two instances run the job at once', async () => {
    const other: Store = openPostgres(t.url, 3);
    try {
      const now = Date.UTC(2040, 0, 15);
      const runs = await Promise.all([runPartitionJob(t.store, now, null), runPartitionJob(other, now, null)]);
      expect(runs[0]!.created + runs[1]!.created).toBe(6);
      expect(await partitionNames(t.store.db, 'clicks')).toEqual(
        expect.arrayContaining(['clicks_p204001', 'clicks_p204002', 'clicks_p204003']),
      );
    } finally {
      await other.close();
    }
  });

  it('finds a click by id through its month', async () => {
    const at = Date.now() - 3 * DAY;
    const c = click(ws.id, ws.click_tag, 'lnk_id', at);
    await t.store.db.insertInto('clicks').values(c).execute();
    const { rows } = await sql<{ plan: string }>`explain (costs off)
      select id from clicks where id = ${c.id} and created_at >= ${at - DAY} and created_at <= ${at + DAY}`.execute(
      t.store.db,
    );
    const plan = rows.map((r) => Object.values(r)[0]).join('\n');
    expect(plan).toContain(`clicks_${monthOf(at).suffix}`);
    expect(plan).not.toContain('clicks_default');
    expect(await findClick(t.store.db, c.id)).toMatchObject({ id: c.id });
  });
});

describe.each(DIALECTS)('raw-click retention on %s', (kind) => {
  let t: TestApp;
  const now = Date.now();
  const current = monthOf(now);
  // A month well past a 13-month retention, and one well inside it.
  const old = addMonths(current, -(MIN_CLICK_RETENTION_MONTHS + 3));
  const recent = addMonths(current, -1);
  const oldAt = old.start + 10 * DAY + 3_600_000;
  const recentAt = recent.start + 5 * DAY + 3_600_000;
  let linkId: string;
  let tag: string;

  beforeAll(async () => {
    t = await startTestApp(kind);
    const offer = await t.api('POST', '/offers', samplePercentOffer);
    const [creator] = await addCreators(t, offer.data.id, ['Ana']);
    const db = t.db.store.db;
    linkId = (await db.selectFrom('links').select('id').where('slug', '=', creator!.slug).executeTakeFirstOrThrow()).id;
    tag = (
      await db.selectFrom('workspaces').select('click_tag').where('id', '=', t.workspaceId).executeTakeFirstOrThrow()
    ).click_tag;
    const rows = [
      ...Array.from({ length: 5 }, (_, i) => click(t.workspaceId, tag, linkId, oldAt + i * 1_000)),
      ...Array.from({ length: 3 }, (_, i) => click(t.workspaceId, tag, linkId, recentAt + i * 1_000)),
    ].map((r) => ({ ...r, offer_id: offer.data.id, member_id: creator!.id }));
    await db.insertInto('clicks').values(rows).execute();
    await db.insertInto('conversion_events').values(event(t.workspaceId, oldAt)).execute();
    // The old month has its partition on PostgreSQL (as a database that has been running that long would).
    await t.db.store.dialect.preparePartitions(db, [old]);
    await rebuildRollups(t.db.store, t.workspaceId);
  });
  afterAll(() => t.close());

  const clicksIn = async (m: { start: number; end: number }) =>
    Number(
      (
        await t.db.store.db
          .selectFrom('clicks')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('created_at', '>=', m.start)
          .where('created_at', '<', m.end)
          .executeTakeFirstOrThrow()
      ).n,
    );
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

  it('keeps everything without a retention, and the raw report says nothing is missing', async () => {
    const run = await runPartitionJob(t.db.store, now, null);
    expect(run.rawClicksKeptFrom).toBeNull();
    expect(await clicksIn(old)).toBe(5);
    const raw = await t.api('GET', `/reports?groupBy=day&from=${day(old.start)}&to=${day(now)}&tz=UTC&source=raw`);
    expect(raw.statusCode).toBe(200);
    expect(raw.data.rawClicksFrom).toBeNull();
    expect(raw.data.totals.clicks).toBe(8);
  });

  it('drops raw clicks older than the retention, keeps rollups and conversion events, and says so in raw reports', async () => {
    const run = await runPartitionJob(t.db.store, now, MIN_CLICK_RETENTION_MONTHS);
    const cutoff = addMonths(current, -MIN_CLICK_RETENTION_MONTHS).start;
    expect(run.rawClicksKeptFrom).toBe(cutoff);
    if (kind === 'postgres') {
      expect(run.droppedMonths).toBe(1);
      expect(await partitionNames(t.db.store.db, 'clicks')).not.toContain(`clicks_${old.suffix}`);
      // conversion events are the ledger's evidence: their months stay.
      expect(await partitionNames(t.db.store.db, 'conversion_events')).toContain(`conversion_events_${old.suffix}`);
    } else {
      expect(run.deletedClicks).toBe(5);
    }
    expect(await clicksIn(old)).toBe(0);
    expect(await clicksIn(recent)).toBe(3);
    const events = await t.db.store.db
      .selectFrom('conversion_events')
      .select('id')
      .where('received_at', '=', oldAt)
      .execute();
    expect(events).toHaveLength(1);

    const range = `groupBy=day&from=${day(old.start)}&to=${day(now)}&tz=UTC`;
    const rollups = await t.api('GET', `/reports?${range}&source=rollups`);
    expect(rollups.data.source).toBe('rollups');
    expect(rollups.data.totals.clicks).toBe(8);
    expect(rollups.data.rawClicksFrom).toBeNull();
    const raw = await t.api('GET', `/reports?${range}&source=raw`);
    expect(raw.data.source).toBe('raw');
    expect(raw.data.totals.clicks).toBe(3);
    expect(raw.data.rawClicksFrom).toBe(day(cutoff));
    // A range inside the kept months is complete.
    const inside = await t.api('GET', `/reports?groupBy=day&from=${day(cutoff)}&to=${day(now)}&tz=UTC&source=raw`);
    expect(inside.data.rawClicksFrom).toBeNull();
  });

  it('drops nothing more on a second run, and never moves the mark back for a longer retention', async () => {
    const again = await runPartitionJob(t.db.store, now, MIN_CLICK_RETENTION_MONTHS);
    expect(again.droppedMonths + again.deletedClicks).toBe(0);
    const longer = await runPartitionJob(t.db.store, now, MIN_CLICK_RETENTION_MONTHS + 24);
    expect(longer.rawClicksKeptFrom).toBe(addMonths(current, -MIN_CLICK_RETENTION_MONTHS).start);
    expect(await clicksIn(recent)).toBe(3);
  });
});

describe('CLICK_RETENTION_MONTHS', () => {
  it('keeps raw clicks forever by default and refuses a retention shorter than the longest cookie window', () => {
    expect(loadConfig({}).clickRetentionMonths).toBeNull();
    expect(loadConfig({ CLICK_RETENTION_MONTHS: '13' }).clickRetentionMonths).toBe(13);
    expect(() => loadConfig({ CLICK_RETENTION_MONTHS: '12' })).toThrow(ConfigError);
    expect(() => loadConfig({ CLICK_RETENTION_MONTHS: '12' })).toThrow(/cookie window/);
    expect(() => loadConfig({ CLICK_RETENTION_MONTHS: 'six' })).toThrow(ConfigError);
  });
});

describe.each(DIALECTS)('migration 0030 on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await freshStore(kind, { migrate: false });
  });
  afterAll(() => t.cleanup());

  it('moves existing clicks and conversion events, and keeps refund keys unique', async () => {
    const db = t.store.db as Kysely<any>;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'touchpoint_migrations',
      migrationLockTableName: 'touchpoint_migrations_lock',
    });
    expect((await migrator.migrateTo('0029-rollup-sub-ids')).error).toBeUndefined();
    const ws = await insertWorkspace(t.store.db, { name: 'Acme', clickTag: 'Mg30', now: Date.now() });
    const times = [Date.UTC(2024, 0, 15), Date.UTC(2025, 6, 1), Date.now() - DAY];
    const clicks = times.map((at) => click(ws.id, ws.click_tag, 'lnk_m', at));
    const events = times.map((at, i) => event(ws.id, at + 5, i === 0 ? 'refund:0:o1:k1' : null));
    await db.insertInto('clicks').values(clicks).execute();
    await db.insertInto('conversion_events').values(events).execute();

    await migrateToLatest(t.store.db);

    expect((await t.store.db.selectFrom('clicks').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual(
      clicks.map((c) => c.id).sort(),
    );
    expect(
      (await t.store.db.selectFrom('conversion_events').select('id').orderBy('id').execute()).map((r) => r.id),
    ).toEqual(events.map((e) => e.id).sort());
    if (kind === 'postgres') {
      const parts = await partitionsOf(t.store.db, 'clicks');
      expect(clicks.map((c) => parts.get(c.id))).toEqual(times.map((at) => `clicks_${monthOf(at).suffix}`));
      const eventParts = await partitionsOf(t.store.db, 'conversion_events');
      expect(events.map((e) => eventParts.get(e.id))).toEqual(
        times.map((at) => `conversion_events_${monthOf(at).suffix}`),
      );
    }
    // The key of a refund received before the migration still makes its redelivery a duplicate.
    expect(await insertKeyedEvent(t.store.db, event(ws.id, Date.now(), 'refund:0:o1:k1'))).toBe(false);
    expect(await insertKeyedEvent(t.store.db, event(ws.id, Date.now(), 'refund:0:o1:k2'))).toBe(true);
    expect(await insertKeyedEvent(t.store.db, event(ws.id, Date.now() + 40 * DAY, 'refund:0:o1:k2'))).toBe(false);
  });
});
