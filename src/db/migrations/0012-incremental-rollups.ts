import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Conversion rollups become incremental (ADR 0006, "Incremental conversion rollups"). A dirty mark now names the
// conversion that changed, not its day; the rollup job subtracts what that conversion last added to the rollups
// (kept in rollup_applied) and adds what it contributes now. Recomputing a whole day per round made the job's cost
// grow with the day's volume; this makes it grow with the number of changes.
//
// Existing rollups have no rollup_applied rows, so every workspace is marked for a rebuild (rollup_timezone null);
// the rollup job rebuilds it on its next round, and reports read the raw rows until then.
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  if (postgres) {
    await sql`drop trigger if exists conversions_rollup on conversions`.execute(db);
    await sql`drop trigger if exists commissions_rollup on commissions`.execute(db);
    await sql`drop function if exists rollup_mark_conversion()`.execute(db);
    await sql`drop function if exists rollup_mark_commission()`.execute(db);
  } else {
    for (const name of [
      'conversions_rollup_insert',
      'conversions_rollup_update',
      'conversions_rollup_delete',
      'commissions_rollup_insert',
      'commissions_rollup_update',
      'commissions_rollup_delete',
    ]) {
      await sql`${sql.raw(`drop trigger if exists ${name}`)}`.execute(db);
    }
  }
  await db.schema.dropTable('rollup_dirty').execute();

  await db.schema
    .createTable('rollup_dirty')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) =>
      postgres ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('conversion_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('rollup_dirty_workspace').on('rollup_dirty').columns(['workspace_id', 'id']).execute();

  // What each conversion currently contributes to rollup_conversions: its local day and its credit lines (a compact
  // JSON array, see db/rollups.ts). One row per non-test conversion with lines.
  await db.schema
    .createTable('rollup_applied')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('conversion_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('lines', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_applied_pk', ['workspace_id', 'conversion_id'])
    .$call((t) => (postgres ? t : t.modifyEnd(sql`without rowid`)))
    .execute();

  // Only the columns a credit line is made of mark a row dirty: a conversion's other updates (timestamps, webhook
  // bookkeeping) cost no rollup work.
  const conversionColumns =
    'status, reported_offer_id, amount_minor, currency, refunded_minor, decision, occurred_at, is_test';
  const commissionColumns = 'status, amount_minor, currency, offer_id, member_id, conversion_id';
  if (postgres) {
    await sql`
      create function rollup_mark_conversion() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          if old.is_test = 0 then insert into rollup_dirty (workspace_id, conversion_id) values (old.workspace_id, old.id); end if;
        elsif new.is_test = 0 or (tg_op = 'UPDATE' and old.is_test = 0) then
          insert into rollup_dirty (workspace_id, conversion_id) values (new.workspace_id, new.id);
        end if;
        return null;
      end $$`.execute(db);
    await sql`${sql.raw(`create trigger conversions_rollup after insert or update of ${conversionColumns} or delete on conversions for each row execute function rollup_mark_conversion()`)}`.execute(
      db,
    );
    await sql`
      create function rollup_mark_commission() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') then
          insert into rollup_dirty (workspace_id, conversion_id) values (old.workspace_id, old.conversion_id);
        end if;
        if tg_op = 'INSERT' or (tg_op = 'UPDATE' and new.conversion_id <> old.conversion_id) then
          insert into rollup_dirty (workspace_id, conversion_id) values (new.workspace_id, new.conversion_id);
        end if;
        return null;
      end $$`.execute(db);
    await sql`${sql.raw(`create trigger commissions_rollup after insert or update of ${commissionColumns} or delete on commissions for each row execute function rollup_mark_commission()`)}`.execute(
      db,
    );
  } else {
    const statements = [
      `create trigger conversions_rollup_insert after insert on conversions when new.is_test = 0 begin
        insert into rollup_dirty (workspace_id, conversion_id) values (new.workspace_id, new.id); end`,
      `create trigger conversions_rollup_update after update of ${conversionColumns} on conversions when new.is_test = 0 or old.is_test = 0 begin
        insert into rollup_dirty (workspace_id, conversion_id) values (new.workspace_id, new.id); end`,
      `create trigger conversions_rollup_delete after delete on conversions when old.is_test = 0 begin
        insert into rollup_dirty (workspace_id, conversion_id) values (old.workspace_id, old.id); end`,
      `create trigger commissions_rollup_insert after insert on commissions begin
        insert into rollup_dirty (workspace_id, conversion_id) values (new.workspace_id, new.conversion_id); end`,
      `create trigger commissions_rollup_update after update of ${commissionColumns} on commissions begin
        insert into rollup_dirty (workspace_id, conversion_id) values (old.workspace_id, old.conversion_id);
        insert into rollup_dirty (workspace_id, conversion_id) select new.workspace_id, new.conversion_id where new.conversion_id <> old.conversion_id; end`,
      `create trigger commissions_rollup_delete after delete on commissions begin
        insert into rollup_dirty (workspace_id, conversion_id) values (old.workspace_id, old.conversion_id); end`,
    ];
    for (const s of statements) await sql`${sql.raw(s)}`.execute(db);
  }
  await db.updateTable('workspaces').set({ rollup_timezone: null }).execute();
}
