import { PostgresAdapter, sql, type Kysely } from 'kysely';

// A report of one offer by day (its chart) reads that offer's day rollups. The offer index pointed at the rows, so
// SQLite preferred to scan every offer's rows of the range (at 10 M clicks, ~290,000 click and ~160,000 conversion
// rows for a 90-day chart); these indexes carry the sums themselves, so the offer's rows are one contiguous read.
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
  await db.schema.dropIndex('rollup_clicks_offer').execute();
  if (postgres) {
    await sql`create index rollup_clicks_offer on rollup_clicks (workspace_id, offer_id, day) include (clicks, unique_clicks)`.execute(
      db,
    );
    await sql`${sql.raw(`create index rollup_conversions_offer on rollup_conversions (workspace_id, offer_id, day) include (member_id, link_id, code_id, status, ${measures.join(', ')})`)}`.execute(
      db,
    );
  } else {
    await db.schema
      .createIndex('rollup_clicks_offer')
      .on('rollup_clicks')
      .columns(['workspace_id', 'offer_id', 'day', 'clicks', 'unique_clicks'])
      .execute();
    await db.schema
      .createIndex('rollup_conversions_offer')
      .on('rollup_conversions')
      .columns(['workspace_id', 'offer_id', 'day', 'status', ...measures])
      .execute();
  }
}
