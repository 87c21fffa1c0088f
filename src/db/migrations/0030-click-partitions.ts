import { PostgresAdapter, sql, type Kysely } from 'kysely';
import { monthsBetween, monthsToPrepare } from '../../core/click-retention.js';

// Monthly partitions (ADR 0012). On PostgreSQL, clicks and conversion_events become tables partitioned by range of
// their time column (epoch ms), one partition per calendar month in UTC plus a default partition, so no insert can
// fail for want of a month; the partition job (app/partitions.ts) makes the months ahead and drops raw clicks past
// the retention. SQLite keeps plain tables (its retention deletes rows in batches).
// - A partitioned table's unique keys must hold its partition key: clicks' key becomes (id, created_at) (a click id
//   carries its creation time, so that is still one row per id), conversion_events' (id, received_at).
// - The sender's key of a refund (conversion_events.event_key) was unique per workspace by a unique index, which a
//   partitioned table cannot have without the time: conversion_event_keys holds the keys instead, on both databases.
// - click_retention: from when raw clicks are kept, once the retention has dropped some (reports' raw answer).
// Existing rows are copied into the new tables, whose indexes are built after the copy. Neither table has triggers
// or foreign keys (the rollups of clicks are written by the click writer, conversions' by conversions' triggers).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('conversion_event_keys')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('event_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('conversion_event_keys_pk', ['workspace_id', 'event_key'])
    .execute();
  await sql`insert into conversion_event_keys (workspace_id, event_key)
    select distinct workspace_id, event_key from conversion_events where event_key is not null`.execute(db);
  await db.schema
    .createTable('click_retention')
    .addColumn('scope', 'text', (c) => c.primaryKey())
    .addColumn('kept_from', 'bigint', (c) => c.notNull())
    .execute();

  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await partition(db, {
    table: 'clicks',
    key: 'created_at',
    indexes: [
      sql`create index clicks_link_time on clicks (link_id, created_at)`,
      sql`create index clicks_workspace_time on clicks (workspace_id, created_at)`,
    ],
  });
  await partition(db, {
    table: 'conversion_events',
    key: 'received_at',
    indexes: [
      sql`create index conversion_events_conversion on conversion_events (conversion_id)`,
      sql`create index conversion_events_workspace_time on conversion_events (workspace_id, received_at)`,
    ],
  });
}

async function partition(
  db: Kysely<any>,
  t: { table: string; key: string; indexes: ReturnType<typeof sql>[] },
): Promise<void> {
  const table = sql.table(t.table);
  const key = sql.ref(t.key);
  const staged = `${t.table}_partitioned`;
  await sql`create table ${sql.table(staged)} (like ${table} including defaults including constraints)
    partition by range (${key})`.execute(db);
  await sql`create table ${sql.table(`${t.table}_default`)} partition of ${sql.table(staged)} default`.execute(db);
  const span = await sql<{ lo: string | null; hi: string | null }>`
    select min(${key}) as lo, max(${key}) as hi from ${table}`.execute(db);
  const now = Date.now();
  const lo = span.rows[0]?.lo === null ? now : Number(span.rows[0]!.lo);
  const hi = span.rows[0]?.hi === null ? now : Number(span.rows[0]!.hi);
  const ahead = monthsToPrepare(now).at(-1)!;
  // Months of the existing rows (from 2020, the click ids' epoch: anything earlier stays in the default partition)
  // up to the job's months ahead.
  for (const m of monthsBetween(Math.max(Math.min(lo, now), Date.UTC(2020, 0, 1)), Math.max(hi, ahead.start))) {
    await sql`create table ${sql.table(`${t.table}_${m.suffix}`)} partition of ${sql.table(staged)}
      for values from (${sql.lit(m.start)}) to (${sql.lit(m.end)})`.execute(db);
  }
  await sql`insert into ${sql.table(staged)} select * from ${table}`.execute(db);
  await sql`drop table ${table}`.execute(db);
  await sql`alter table ${sql.table(staged)} rename to ${table}`.execute(db);
  await sql`alter table ${table} add constraint ${sql.ref(`${t.table}_pkey`)} primary key (id, ${key})`.execute(db);
  for (const index of t.indexes) await index.execute(db);
  await sql`analyze ${table}`.execute(db);
}
