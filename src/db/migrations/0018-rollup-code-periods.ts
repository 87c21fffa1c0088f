import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Code-level period rollups (ADR 0006, "Weeks and months"): the period sums of conversions without link and status.
// A report by code read the period rows with link and status, which a code report does not need: at 10 M clicks
// ~40,000 rows for 90 days, against ~21,000 here. A report filtered by status still reads the full period rows.
// Empty at first: every workspace is marked for a rebuild (rollup_timezone null), as in 0013.
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
  let table = db.schema
    .createTable('rollup_conversions_code_period')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('code_id', 'text', (c) => c.notNull());
  for (const m of measures) table = table.addColumn(m, 'bigint', (c) => c.notNull());
  await table
    .addPrimaryKeyConstraint('rollup_conversions_code_period_pk', [
      'workspace_id',
      'period',
      'offer_id',
      'member_id',
      'code_id',
    ])
    .$call((t) => (postgres ? t : t.modifyEnd(sql`without rowid`)))
    .execute();
  if (postgres) {
    // As 0016: the reads become index-only scans of one key range.
    await sql`${sql.raw(`create index rollup_conversions_code_period_covering on rollup_conversions_code_period (workspace_id, period) include (offer_id, member_id, code_id, ${measures.join(', ')})`)}`.execute(
      db,
    );
  }
  await db.updateTable('workspaces').set({ rollup_timezone: null }).execute();
}
