// Writes a batch of clicks in one transaction: a worker thread for SQLite, the pool for PostgreSQL.
// Inserts ignore an id already present, so retrying a batch after an unclear failure never duplicates a click.
// The same transaction adds the clicks it actually inserted to their day's, week's and month's report rollups, at each
// grain (ADR 0006), in the zone the workspace's rollups are built in; a workspace whose rollups are not built yet is
// left to its rebuild.
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { LocalDays, periodsOfDay } from '../core/time-buckets.js';
import type { Store } from '../db/dialect.js';
import { lockRollup, periodsOfDaySql, rollupZones } from '../db/rollups.js';
import type { ClickTable } from '../db/schema.js';

export type ClickRow = ClickTable;

export interface ClickWriter {
  write(rows: ClickRow[]): Promise<void>;
  close(): Promise<void>;
}

const COLUMNS: (keyof ClickRow)[] = [
  'id', 'workspace_id', 'link_id', 'offer_id', 'member_id', 'created_at', 'tracked', 'ip_hash', 'ip_truncated', 'user_agent',
  'referrer_host', 'country', 'device', 'is_bot', 'bot_reason', 'is_unique', 'sub1', 'sub2', 'sub3', 'sub4', 'sub5',
];

const zones = new Map<string, LocalDays>();

/** Each click's local day in its workspace's rollup zone; null where the rollups are not built. */
export function rollupDays(rows: readonly ClickRow[], zoneOf: Map<string, string | null>): (string | null)[] {
  return rows.map((r) => {
    const tz = zoneOf.get(r.workspace_id);
    if (!tz) return null;
    let days = zones.get(tz);
    if (!days) zones.set(tz, (days = new LocalDays(tz)));
    return days.keyOf(r.created_at);
  });
}

/** A zone changed between reading it and writing the batch (a rebuild committed): read again and retry. */
const ZONE_RETRIES = 5;

export function sqliteClickWriter(store: Store, busyTimeoutMs = 2_000): ClickWriter {
  const file = store.location;
  const worker = new Worker(new URL('./sqlite-click-worker.js', import.meta.url), {
    workerData: { file, columns: COLUMNS, busyTimeoutMs },
  });
  worker.unref();
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let next = 0;
  let closed: (() => void) | null = null;
  worker.on('message', (m: { type: string; id: number; error?: string }) => {
    if (m.type === 'closed') return closed?.();
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.type === 'written') w?.resolve();
    else w?.reject(new Error(m.error));
  });
  worker.on('error', (e) => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  });
  const post = (rows: ClickRow[], zoneOf: Map<string, string | null>) => {
    const id = next++;
    return new Promise<void>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      // One flat array: a single structured clone instead of one per row.
      const values: unknown[] = [];
      for (const r of rows) for (const c of COLUMNS) values.push(r[c]);
      const days = rollupDays(rows, zoneOf);
      const periods = Object.fromEntries([...new Set(days)].filter((d) => d !== null).map((d) => [d, periodsOfDay(d)]));
      worker.postMessage({ id, values, days, periods, zones: [...zoneOf] });
    });
  };
  return {
    async write(rows) {
      const ids = [...new Set(rows.map((r) => r.workspace_id))];
      for (let attempt = 1; ; attempt++) {
        try {
          return await post(rows, await rollupZones(store.db, ids));
        } catch (e) {
          if (!(e instanceof Error && e.message === 'rollup_zone_changed') || attempt >= ZONE_RETRIES) throw e;
        }
      }
    },
    close() {
      return new Promise((resolve) => {
        closed = () => void worker.terminate().then(() => resolve());
        worker.postMessage({ type: 'close' });
      });
    },
  };
}

/** PostgreSQL column types, for the array parameters of the batch insert. */
const PG_TYPES: Record<keyof ClickRow, string> = {
  id: 'text', workspace_id: 'text', link_id: 'text', offer_id: 'text', member_id: 'text', created_at: 'bigint', tracked: 'int',
  ip_hash: 'text', ip_truncated: 'text', user_agent: 'text', referrer_host: 'text', country: 'text', device: 'text', is_bot: 'int',
  bot_reason: 'text', is_unique: 'int', sub1: 'text', sub2: 'text', sub3: 'text', sub4: 'text', sub5: 'text',
};

export function postgresClickWriter(store: Store): ClickWriter {
  // One array parameter per column (insert … select from unnest): a 1,000-click batch is one short statement with
  // 22 parameters, instead of 21,000 placeholders the query builder would compile on the event loop. Only the rows
  // the insert returns (not already present) reach the rollup.
  const columns = sql.join(COLUMNS.map((c) => sql.ref(c)));
  const aliases = sql.raw([...COLUMNS, 'day'].join(', '));
  const [week, month] = periodsOfDaySql('postgres', sql.ref('c.day'));
  return {
    async write(rows) {
      const ids = [...new Set(rows.map((r) => r.workspace_id))].sort();
      await store.db.transaction().execute(async (tx) => {
        for (const id of ids) await lockRollup(tx, 'postgres', id, 'shared');
        const days = rollupDays(rows, await rollupZones(tx, ids));
        const arrays = [...COLUMNS.map((c) => sql`${rows.map((r) => r[c])}::${sql.raw(PG_TYPES[c])}[]`), sql`${days}::text[]`];
        await sql`
          with input as (select * from unnest(${sql.join(arrays)}) as t(${aliases})),
          inserted as (insert into clicks (${columns}) select ${columns} from input on conflict (id) do nothing returning id),
          counted as (
            select i.workspace_id, i.day, i.link_id, min(i.offer_id) as offer_id, coalesce(min(i.member_id), '') as member_id,
              count(*) as clicks, sum(i.is_unique) as unique_clicks
            from input i join inserted using (id)
            where i.day is not null and i.tracked = 1 and i.is_bot = 0
            group by i.workspace_id, i.day, i.link_id),
          by_day as (
            insert into rollup_clicks (workspace_id, day, link_id, offer_id, member_id, clicks, unique_clicks)
            select workspace_id, day, link_id, offer_id, member_id, clicks, unique_clicks from counted
            order by workspace_id, day, link_id
            on conflict (workspace_id, day, link_id) do update
              set clicks = rollup_clicks.clicks + excluded.clicks, unique_clicks = rollup_clicks.unique_clicks + excluded.unique_clicks),
          in_periods as (
            select c.workspace_id, p.period, c.link_id, c.offer_id, c.member_id, c.clicks, c.unique_clicks
            from counted c cross join lateral (values (${week}), (${month})) as p(period)),
          by_period as (
            insert into rollup_clicks_period (workspace_id, period, link_id, offer_id, member_id, clicks, unique_clicks)
            select workspace_id, period, link_id, min(offer_id), min(member_id), sum(clicks), sum(unique_clicks) from in_periods
            group by workspace_id, period, link_id
            order by workspace_id, period, link_id
            on conflict (workspace_id, period, link_id) do update
              set clicks = rollup_clicks_period.clicks + excluded.clicks, unique_clicks = rollup_clicks_period.unique_clicks + excluded.unique_clicks),
          by_member_period as (
            insert into rollup_clicks_member_period (workspace_id, period, offer_id, member_id, clicks, unique_clicks)
            select workspace_id, period, offer_id, member_id, sum(clicks), sum(unique_clicks) from in_periods
            group by workspace_id, period, offer_id, member_id
            order by workspace_id, period, offer_id, member_id
            on conflict (workspace_id, period, offer_id, member_id) do update
              set clicks = rollup_clicks_member_period.clicks + excluded.clicks,
                unique_clicks = rollup_clicks_member_period.unique_clicks + excluded.unique_clicks)
          insert into rollup_clicks_offer_day (workspace_id, day, offer_id, clicks, unique_clicks)
          select workspace_id, day, offer_id, sum(clicks), sum(unique_clicks) from counted
          group by workspace_id, day, offer_id
          order by workspace_id, day, offer_id
          on conflict (workspace_id, day, offer_id) do update
            set clicks = rollup_clicks_offer_day.clicks + excluded.clicks,
              unique_clicks = rollup_clicks_offer_day.unique_clicks + excluded.unique_clicks`.execute(tx);
      });
    },
    async close() {},
  };
}
