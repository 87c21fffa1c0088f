import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Offer-level day rollups (ADR 0006, "Offer days"): the day sums without member, link and code. A chart of one offer
// by day read that offer's link-level day rows — at 10 M clicks about 158,000 click and 111,000 conversion rows for
// 90 days, ~100 ms on SQLite and ~700 ms on PostgreSQL — where it needs one row per day and status. They also answer
// reports by offer, by day or week and in total that filter on nothing finer than the offer and status (the
// dashboard's overview), at any range length: a row per offer, day and status is fewer rows than any period cover.
// Empty at first: every workspace is marked for a rebuild (rollup_timezone null), as in 0013.
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
    .createTable('rollup_clicks_offer_day')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    .addColumn('unique_clicks', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_clicks_offer_day_pk', ['workspace_id', 'day', 'offer_id'])
    .$call(clustered)
    .execute();
  let conversions = db.schema
    .createTable('rollup_conversions_offer_day')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull());
  for (const m of measures) conversions = conversions.addColumn(m, 'bigint', (c) => c.notNull());
  await conversions
    .addPrimaryKeyConstraint('rollup_conversions_offer_day_pk', ['workspace_id', 'day', 'offer_id', 'status'])
    .$call(clustered)
    .execute();
  if (postgres) {
    // As 0016: the reads become index-only scans of one key range.
    await sql`create index rollup_clicks_offer_day_covering on rollup_clicks_offer_day (workspace_id, day) include (offer_id, clicks, unique_clicks)`.execute(
      db,
    );
    await sql`${sql.raw(`create index rollup_conversions_offer_day_covering on rollup_conversions_offer_day (workspace_id, day) include (offer_id, status, ${measures.join(', ')})`)}`.execute(
      db,
    );
  }
  await db.updateTable('workspaces').set({ rollup_timezone: null }).execute();
}
