import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Report rollups (ADR 0006): per local day × link for clicks, per local day × offer/member/link/code/status for
// conversions. Raw rows stay the truth; these tables can be dropped and rebuilt from them at any time.
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  // On SQLite the rows live in their primary key's b-tree: a report's day range is one contiguous read, not an index
  // walk plus a table lookup per row.
  const clustered = <T extends { modifyEnd(e: ReturnType<typeof sql>): T }>(t: T): T =>
    postgres ? t : t.modifyEnd(sql`without rowid`);
  await db.schema
    .createTable('rollup_clicks')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    .addColumn('unique_clicks', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_clicks_pk', ['workspace_id', 'day', 'link_id'])
    .$call(clustered)
    .execute();
  await db.schema
    .createIndex('rollup_clicks_member')
    .on('rollup_clicks')
    .columns(['workspace_id', 'member_id', 'day'])
    .execute();
  await db.schema
    .createIndex('rollup_clicks_offer')
    .on('rollup_clicks')
    .columns(['workspace_id', 'offer_id', 'day'])
    .execute();
  await db.schema.createIndex('rollup_clicks_link').on('rollup_clicks').columns(['workspace_id', 'link_id']).execute();

  await db.schema
    .createTable('rollup_conversions')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('code_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('orders', 'bigint', (c) => c.notNull())
    .addColumn('credits', 'bigint', (c) => c.notNull())
    .addColumn('unattributed', 'bigint', (c) => c.notNull())
    .addColumn('sales_minor', 'bigint', (c) => c.notNull())
    .addColumn('refunds_minor', 'bigint', (c) => c.notNull())
    .addColumn('commission_minor', 'bigint', (c) => c.notNull())
    .addColumn('coded_revenue_minor', 'bigint', (c) => c.notNull())
    .addColumn('link_revenue_minor', 'bigint', (c) => c.notNull())
    .addColumn('code_redemptions', 'bigint', (c) => c.notNull())
    .addColumn('unconverted', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_conversions_pk', [
      'workspace_id',
      'day',
      'offer_id',
      'member_id',
      'link_id',
      'code_id',
      'status',
    ])
    .$call(clustered)
    .execute();
  await db.schema
    .createIndex('rollup_conversions_member')
    .on('rollup_conversions')
    .columns(['workspace_id', 'member_id', 'day'])
    .execute();

  // Days whose conversion rollups are stale. Insert-only (no hot row to contend on); the rollup job recomputes the
  // days and deletes exactly the marks it read.
  await db.schema
    .createTable('rollup_dirty')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) =>
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rollup_dirty_workspace').on('rollup_dirty').columns(['workspace_id', 'id']).execute();

  // The zone the workspace's rollups were built in; null until the rollup job has built them. Reports read rollups
  // only when it matches the zone asked for.
  await db.schema.alterTable('workspaces').addColumn('rollup_timezone', 'text').execute();
  // Raw reports and rebuilds read a workspace's clicks by time.
  await db.schema.createIndex('clicks_workspace_time').on('clicks').columns(['workspace_id', 'created_at']).execute();
  // Per-code series for reports and leak detection.
  await db.schema
    .createIndex('conversions_workspace_code')
    .on('conversions')
    .columns(['workspace_id', 'code', 'occurred_at'])
    .execute();

  // Every change to a conversion or a commission marks its day, whichever code path made it: triggers, so no
  // future write path can forget to.
  if (postgres) {
    await sql`
      create function rollup_mark_conversion() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and old.is_test = 0 then
          insert into rollup_dirty (workspace_id, occurred_at) values (old.workspace_id, old.occurred_at);
        end if;
        if tg_op in ('INSERT', 'UPDATE') and new.is_test = 0 and (tg_op = 'INSERT' or new.occurred_at <> old.occurred_at or old.is_test <> 0) then
          insert into rollup_dirty (workspace_id, occurred_at) values (new.workspace_id, new.occurred_at);
        end if;
        return null;
      end $$`.execute(db);
    await sql`create trigger conversions_rollup after insert or update or delete on conversions for each row execute function rollup_mark_conversion()`.execute(
      db,
    );
    await sql`
      create function rollup_mark_commission() returns trigger language plpgsql as $$
      begin
        insert into rollup_dirty (workspace_id, occurred_at)
          select c.workspace_id, c.occurred_at from conversions c where c.id = coalesce(new.conversion_id, old.conversion_id);
        return null;
      end $$`.execute(db);
    await sql`create trigger commissions_rollup after insert or update or delete on commissions for each row execute function rollup_mark_commission()`.execute(
      db,
    );
  } else {
    await sql`create trigger conversions_rollup_insert after insert on conversions when new.is_test = 0 begin
      insert into rollup_dirty (workspace_id, occurred_at) values (new.workspace_id, new.occurred_at); end`.execute(db);
    await sql`create trigger conversions_rollup_update after update on conversions begin
      insert into rollup_dirty (workspace_id, occurred_at) select old.workspace_id, old.occurred_at where old.is_test = 0;
      insert into rollup_dirty (workspace_id, occurred_at) select new.workspace_id, new.occurred_at
        where new.is_test = 0 and (new.occurred_at <> old.occurred_at or old.is_test <> 0); end`.execute(db);
    await sql`create trigger conversions_rollup_delete after delete on conversions when old.is_test = 0 begin
      insert into rollup_dirty (workspace_id, occurred_at) values (old.workspace_id, old.occurred_at); end`.execute(db);
    for (const [event, row] of [
      ['insert', 'new'],
      ['update', 'new'],
      ['delete', 'old'],
    ] as const) {
      await sql`${sql.raw(`create trigger commissions_rollup_${event} after ${event} on commissions begin
        insert into rollup_dirty (workspace_id, occurred_at) select c.workspace_id, c.occurred_at from conversions c where c.id = ${row}.conversion_id; end`)}`.execute(
        db,
      );
    }
  }
}
