import type { Kysely } from 'kysely';

// Payout batches, the workspace's minimum payout, and exchange rates for orders in another currency than the offer's.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('workspaces')
    .addColumn('min_payout_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('payout_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('total_minor', 'bigint', (c) => c.notNull())
    .addColumn('members', 'integer', (c) => c.notNull())
    .addColumn('commissions', 'integer', (c) => c.notNull())
    .addColumn('note', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('payout_batches_workspace')
    .on('payout_batches')
    .columns(['workspace_id', 'id'])
    .execute();
  await db.schema.createIndex('commissions_payout_batch').on('commissions').columns(['payout_batch_id']).execute();
  await db.schema
    .createTable('fx_rates')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('from_currency', 'text', (c) => c.notNull())
    .addColumn('to_currency', 'text', (c) => c.notNull())
    .addColumn('rate', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('fx_rates_pk', ['workspace_id', 'from_currency', 'to_currency'])
    .execute();
}
