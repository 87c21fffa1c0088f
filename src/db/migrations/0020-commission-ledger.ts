import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Commissions become a ledger (ADR 0011). commission_adjustments is the ledger: each row gains the change it made
// (delta_minor) and what it was computed from (detail). Rows written before the ledger keep delta_minor null: they
// are history, not entries. Each existing commission gets one `opening` entry equal to its amount, so from here its
// amount is the sum of its entries.
//
// Commissions keep what a recomputation needs: the accrued amount (the commission on the whole sale under the
// decision), the sum of people's adjustments, whether a person touched it, and whether the decision still credits it.
// Conversions keep whether a full refund arrived; events keep the evidence they brought and its trust level, and a
// sender's event key (a Shopify refund id) that is unique per workspace, so a refund counts once without a LIKE over
// JSON. Offers get the browser-evidence settings of SPEC §4.
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;

  await db.schema.alterTable('commission_adjustments').addColumn('delta_minor', 'bigint').execute();
  await db.schema.alterTable('commission_adjustments').addColumn('detail', 'text').execute();

  await db.schema
    .alterTable('commissions')
    .addColumn('accrued_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('commissions')
    .addColumn('adjusted_minor', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('commissions')
    .addColumn('admin_touched', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .alterTable('commissions')
    .addColumn('in_decision', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();

  await db.schema
    .alterTable('conversions')
    .addColumn('refunded_full', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // A person's review of an order held for browser-only evidence: 'approved' or 'rejected'.
  await db.schema.alterTable('conversions').addColumn('review', 'text').execute();

  await db.schema.alterTable('conversion_events').addColumn('trust', 'text').execute();
  await db.schema.alterTable('conversion_events').addColumn('evidence', 'text').execute();
  await db.schema.alterTable('conversion_events').addColumn('event_key', 'text').execute();

  await db.schema
    .alterTable('offers')
    .addColumn('browser_code_credit', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('offers').addColumn('browser_amount_limit_minor', 'bigint').execute();

  // The accrued amount of an existing commission: what its last decision gave (before refunds), else its amount.
  await sql`
    update commissions set accrued_minor = coalesce((
      select a.amount_after from commission_adjustments a
      where a.commission_id = commissions.id and a.kind in ('created', 'recomputed') and a.status_after = 'pending'
      order by a.created_at desc, a.id desc limit 1), amount_minor)`.execute(db);
  await sql`
    update commissions set
      adjusted_minor = coalesce((select sum(a.amount_after - a.amount_before) from commission_adjustments a
        where a.commission_id = commissions.id and a.kind = 'adjust'), 0),
      admin_touched = case when exists (select 1 from commission_adjustments a
        where a.commission_id = commissions.id and a.kind in ('adjust', 'reverse', 'approve') and a.actor <> 'system') then 1 else 0 end`.execute(
    db,
  );
  await sql`
    update conversions set refunded_full = 1
    where amount_minor is not null and refunded_minor > 0 and refunded_minor >= amount_minor`.execute(db);

  // One opening entry per commission; its id is derived from the commission's, so it is unique and needs no sequence.
  const now = Date.now();
  await sql`
    insert into commission_adjustments (id, workspace_id, commission_id, kind, amount_before, amount_after, status_before,
      status_after, reason, actor, created_at, delta_minor, detail)
    select 'adj_open_' || substr(id, 5), workspace_id, id, 'opening', 0, amount_minor, status, status,
      'Balance when the commission ledger began.', 'system', ${now}, amount_minor, null
    from commissions`.execute(db);

  // Refund keys of the events before the ledger, so a redelivered refund stays a duplicate.
  const key = postgres ? sql`(detail::json ->> 'eventKey')` : sql`json_extract(detail, '$.eventKey')`;
  await sql`
    update conversion_events set event_key = 'refund:' || is_test || ':' || coalesce(order_id, '') || ':' || ${key}
    where outcome in ('refunded', 'cancelled') and ${key} is not null`.execute(db);
  await db.schema
    .createIndex('conversion_events_key')
    .on('conversion_events')
    .unique()
    .columns(['workspace_id', 'event_key'])
    .where(sql.ref('event_key'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('commission_adjustments_order')
    .on('commission_adjustments')
    .columns(['commission_id', 'created_at'])
    .execute();
}
