import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Week and month tiers of the sub-id rollups (ADR 0006, "Sub-ids" and "Weeks and months"): a report by sub-id read
// every (day, link, sub-id) row of its range (190,206 click rows for 90 days at 1 M clicks; 1.8 s on SQLite). Per ISO
// week ("W" + Monday) and month ("M" + YYYY-MM) of the rollup zone, without the link and (conversions) the status,
// which a report by sub-id neither groups by nor, mostly, filters by; a report filtered by link or status reads the
// day rows as before.
// Filled here from the day rows (a week or month is the sum of its days, in the same landed sub-id rows), so no
// rebuild is needed; from then on kept by the same writes as the day rows.
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
  const key = ['workspace_id', 'period', 'offer_id', 'member_id', 'sub_id'] as const;
  await db.schema
    .createTable('rollup_clicks_sub_period')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('sub_id', 'text', (c) => c.notNull())
    .addColumn('clicks', 'bigint', (c) => c.notNull())
    .addColumn('unique_clicks', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('rollup_clicks_sub_period_pk', [...key])
    .$call(clustered)
    .execute();
  let conversions = db.schema
    .createTable('rollup_conversions_sub_period')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('period', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('sub_id', 'text', (c) => c.notNull());
  for (const m of measures) conversions = conversions.addColumn(m, 'bigint', (c) => c.notNull());
  await conversions
    .addPrimaryKeyConstraint('rollup_conversions_sub_period_pk', [...key])
    .$call(clustered)
    .execute();
  if (postgres) {
    // As 0016: the reads become index-only scans of one key range per period.
    await sql`create index rollup_clicks_sub_period_covering on rollup_clicks_sub_period (workspace_id, period) include (offer_id, member_id, sub_id, clicks, unique_clicks)`.execute(
      db,
    );
    await sql`${sql.raw(`create index rollup_conversions_sub_period_covering on rollup_conversions_sub_period (workspace_id, period) include (offer_id, member_id, sub_id, ${measures.join(', ')})`)}`.execute(
      db,
    );
  }
  // One member's report (a creator's own, or filtered) reads that member's rows of the periods, not all of them.
  await sql`create index rollup_clicks_sub_period_member on rollup_clicks_sub_period (workspace_id, member_id, period)${postgres ? sql` include (offer_id, sub_id, clicks, unique_clicks)` : sql``}`.execute(
    db,
  );
  await sql`create index rollup_conversions_sub_period_member on rollup_conversions_sub_period (workspace_id, member_id, period)${postgres ? sql.raw(` include (offer_id, sub_id, ${measures.join(', ')})`) : sql``}`.execute(
    db,
  );
  // core/time-buckets periodsOfDay, as the dialects write it (db/rollups periodsOfDaySql) at the time of writing.
  const week = postgres
    ? sql`'W' || to_char(date_trunc('week', day::date), 'YYYY-MM-DD')`
    : sql`'W' || date(day, '-6 days', 'weekday 1')`;
  const month = sql`'M' || substr(day, 1, 7)`;
  const sums = (cols: string[]) => sql.raw(cols.map((m) => `sum(${m})`).join(', '));
  for (const period of [week, month]) {
    await sql`insert into rollup_clicks_sub_period (workspace_id, period, offer_id, member_id, sub_id, clicks, unique_clicks)
      select workspace_id, ${period}, offer_id, member_id, sub_id, ${sums(['clicks', 'unique_clicks'])}
      from rollup_clicks_sub group by workspace_id, ${period}, offer_id, member_id, sub_id`.execute(db);
    await sql`insert into rollup_conversions_sub_period (workspace_id, period, offer_id, member_id, sub_id, ${sql.raw(measures.join(', '))})
      select workspace_id, ${period}, offer_id, member_id, sub_id, ${sums(measures)}
      from rollup_conversions_sub group by workspace_id, ${period}, offer_id, member_id, sub_id`.execute(db);
  }
}
