import { PostgresAdapter, sql, type Kysely } from 'kysely';

// The member-level conversion periods (0014) without the status dimension: reports by offer, by member or in total
// rarely filter by commission status (the dashboard never does), and the status split made ~20,500 rows of a 90-day
// report at 10 M clicks where ~12,200 answer it. A report filtered by status reads the full periods instead.
// Rebuilt from the day rollups: every workspace is marked for a rebuild (rollup_timezone null), as in 0013.
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const measures = [
    'orders',
    'credits',
    'unattributed',
    'sales_minor',
    'refunds_minor',
    'commission_minor',
    'coded_revenue_minor',
    'link_revenue_minor',
    'code_redemptions',
    'unconverted',
  ];
  await db.schema.dropTable('rollup_conversions_member_period').execute();
  let table = db.schema
    .createTable('rollup_conversions_member_period')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull());
  for (const m of measures) table = table.addColumn(m, 'bigint', (c) => c.notNull());
  await table
    .addPrimaryKeyConstraint('rollup_conversions_member_period_pk', ['workspace_id', 'period', 'offer_id', 'member_id'])
    .$call((t) => (postgres ? t : t.modifyEnd(sql`without rowid`)))
    .execute();
  if (postgres) {
    await sql`${sql.raw(`create index rollup_conversions_member_period_covering on rollup_conversions_member_period (workspace_id, period) include (offer_id, member_id, ${measures.join(', ')})`)}`.execute(
      db,
    );
  }
  await db.updateTable('workspaces').set({ rollup_timezone: null }).execute();
}
