import type { Kysely } from 'kysely';

// Conversions, every event received for them (credited or not), commissions and their adjustments.
// "One order, one conversion" and "one commission per member per order" are unique indexes, so they hold across
// processes on one PostgreSQL.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('conversions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('is_test', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'bigint', (c) => c.notNull())
    .addColumn('reported_offer_id', 'text')
    .addColumn('click_id', 'text')
    .addColumn('code', 'text')
    .addColumn('amount_minor', 'bigint')
    .addColumn('currency', 'text')
    .addColumn('refunded_minor', 'bigint', (c) => c.notNull())
    .addColumn('cancelled_at', 'bigint')
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Test orders (test=1) live beside real ones: a rehearsal must never block the real order with the same id.
  await db.schema
    .createIndex('conversions_order_unique')
    .on('conversions')
    .unique()
    .columns(['workspace_id', 'is_test', 'order_id'])
    .execute();
  await db.schema
    .createIndex('conversions_workspace_time')
    .on('conversions')
    .columns(['workspace_id', 'occurred_at'])
    .execute();

  await db.schema
    .createTable('conversion_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('conversion_id', 'text')
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('is_test', 'integer', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('detail', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('conversion_events_conversion')
    .on('conversion_events')
    .columns(['conversion_id'])
    .execute();
  await db.schema
    .createIndex('conversion_events_workspace_time')
    .on('conversion_events')
    .columns(['workspace_id', 'received_at'])
    .execute();

  await db.schema
    .createTable('commissions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('conversion_id', 'text', (c) => c.notNull().references('conversions.id'))
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('payout_option_id', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('share_bps', 'integer', (c) => c.notNull())
    .addColumn('sale_minor', 'bigint', (c) => c.notNull())
    .addColumn('amount_minor', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('rate_applied', 'bigint', (c) => c.notNull())
    .addColumn('tier_from', 'integer')
    .addColumn('month_key', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('approve_after', 'bigint', (c) => c.notNull())
    .addColumn('approved_at', 'bigint')
    .addColumn('reversed_at', 'bigint')
    .addColumn('paid_at', 'bigint')
    .addColumn('payout_batch_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('commissions_member_unique')
    .on('commissions')
    .unique()
    .columns(['conversion_id', 'member_id'])
    .execute();
  await db.schema
    .createIndex('commissions_member_month')
    .on('commissions')
    .columns(['offer_id', 'member_id', 'month_key'])
    .execute();
  await db.schema
    .createIndex('commissions_status_due')
    .on('commissions')
    .columns(['status', 'approve_after'])
    .execute();

  await db.schema
    .createTable('commission_adjustments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('commission_id', 'text', (c) => c.notNull().references('commissions.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount_before', 'bigint', (c) => c.notNull())
    .addColumn('amount_after', 'bigint', (c) => c.notNull())
    .addColumn('status_before', 'text', (c) => c.notNull())
    .addColumn('status_after', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('commission_adjustments_commission')
    .on('commission_adjustments')
    .columns(['commission_id'])
    .execute();

  // Postbacks authenticated by the shared secret find their workspace by it.
  await db.schema
    .createIndex('workspaces_postback_secret')
    .on('workspaces')
    .unique()
    .columns(['postback_secret'])
    .execute();
}
