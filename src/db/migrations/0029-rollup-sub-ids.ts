import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Sub-id rollups (ADR 0006, "Sub-ids"): reports by sub-id read every raw click of their range (3–3.6 s at 1 M clicks).
// - rollup_sub_id_links: per link, how many sub-id values it has admitted (at most core/click-rollups SUB_ID_CAP); its
//   row is also what writers lock (PostgreSQL) while they admit new values, so two never admit past the cap.
// - rollup_sub_ids: the admitted values per link; any other value of that link is counted under SUB_ID_OTHER.
// - rollup_clicks_sub, rollup_conversions_sub: clicks and credit lines per day, link and sub-id (the landed row).
// Empty at first: every workspace is marked for a rebuild (rollup_timezone null), as in 0013; the rebuild is the
// backfill (it admits each link's values in the order of their first click).
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const clustered = <T extends { modifyEnd(e: ReturnType<typeof sql>): T }>(t: T): T =>
    postgres ? t : t.modifyEnd(sql`without rowid`);
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
  await db.schema
    .createTable('rollup_sub_id_links')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('admitted', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_sub_id_links_pk', ['workspace_id', 'link_id'])
    .$call(clustered)
    .execute();
  await db.schema
    .createTable('rollup_sub_ids')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('sub_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_sub_ids_pk', ['workspace_id', 'link_id', 'sub_id'])
    .$call(clustered)
    .execute();
  await db.schema
    .createTable('rollup_clicks_sub')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('sub_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    .addColumn('unique_clicks', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_clicks_sub_pk', ['workspace_id', 'day', 'link_id', 'sub_id'])
    .$call(clustered)
    .execute();
  let conversions = db.schema
    .createTable('rollup_conversions_sub')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('sub_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull());
  for (const m of measures) conversions = conversions.addColumn(m, 'bigint', (c) => c.notNull());
  await conversions
    .addPrimaryKeyConstraint('rollup_conversions_sub_pk', [
      'workspace_id',
      'day',
      'offer_id',
      'member_id',
      'link_id',
      'sub_id',
      'status',
    ])
    .$call(clustered)
    .execute();
  if (postgres) {
    // As 0016: the reads become index-only scans of one key range.
    await sql`create index rollup_clicks_sub_covering on rollup_clicks_sub (workspace_id, day) include (sub_id, offer_id, member_id, link_id, clicks, unique_clicks)`.execute(
      db,
    );
    await sql`${sql.raw(`create index rollup_conversions_sub_covering on rollup_conversions_sub (workspace_id, day) include (sub_id, offer_id, member_id, link_id, status, ${measures.join(', ')})`)}`.execute(
      db,
    );
  }
  await db.updateTable('workspaces').set({ rollup_timezone: null }).execute();
}
