import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Member-level period rollups (ADR 0006, "Weeks and months"): the period sums without the link and code dimensions,
// which double the rows of a period and which reports by offer, by member or in total do not need. At 10 M clicks a
// 90-day report by member read ~56,000 conversion rows and ~42,000 click rows; from these tables it reads about half.
// Empty at first: every workspace is marked for a rebuild (rollup_timezone null), as in 0013.
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const clustered = <T extends { modifyEnd(e: ReturnType<typeof sql>): T }>(t: T): T =>
    postgres ? t : t.modifyEnd(sql`without rowid`);
  await db.schema
    .createTable('rollup_clicks_member_period')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    .addColumn('unique_clicks', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_clicks_member_period_pk', ['workspace_id', 'period', 'offer_id', 'member_id'])
    .$call(clustered)
    .execute();
  let conversions = db.schema
    .createTable('rollup_conversions_member_period')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull());
  for (const m of [
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
  ]) {
    conversions = conversions.addColumn(m, 'bigint', (c) => c.notNull());
  }
  await conversions
    .addPrimaryKeyConstraint('rollup_conversions_member_period_pk', [
      'workspace_id',
      'period',
      'offer_id',
      'member_id',
      'status',
    ])
    .$call(clustered)
    .execute();
  await db.updateTable('workspaces').set({ rollup_timezone: null }).execute();
}
