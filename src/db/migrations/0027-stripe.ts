import type { Kysely } from 'kysely';

// Stripe (issue "Capture that survives 2026 browsers"): the workspace's webhook signing secret (whsec_…, write-only),
// an offer's recurring commissions (none | first N months | lifetime, an optional cap on paid invoices), a Touchpoint
// code's Stripe promotion-code id, the lock of a Stripe customer to the order that won its subscription, and the Stripe
// objects (payment intents, charges, invoices, subscriptions) that name an order, so a refund or a dispute that names
// only a charge finds it.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workspaces').addColumn('stripe_webhook_secret', 'text').execute();
  await db.schema
    .alterTable('offers')
    .addColumn('recurring', 'text', (c) => c.notNull().defaultTo('none'))
    .execute();
  await db.schema.alterTable('offers').addColumn('recurring_months', 'integer').execute();
  await db.schema.alterTable('offers').addColumn('recurring_max_invoices', 'integer').execute();
  await db.schema.alterTable('promo_codes').addColumn('stripe_promotion_code_id', 'text').execute();
  await db.schema
    .createIndex('promo_codes_stripe_promotion')
    .on('promo_codes')
    .columns(['workspace_id', 'stripe_promotion_code_id'])
    .execute();
  await db.schema
    .createTable('stripe_customers')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('first_order_id', 'text', (c) => c.notNull())
    .addColumn('locked_at', 'bigint', (c) => c.notNull())
    .addColumn('ended_at', 'bigint')
    .addPrimaryKeyConstraint('stripe_customers_pk', ['workspace_id', 'customer_id'])
    .execute();
  await db.schema
    .createTable('stripe_objects')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('paid_at', 'bigint')
    .addPrimaryKeyConstraint('stripe_objects_pk', ['workspace_id', 'object_id'])
    .execute();
  await db.schema
    .createIndex('stripe_objects_customer_invoices')
    .on('stripe_objects')
    .columns(['workspace_id', 'customer_id', 'kind', 'paid_at'])
    .execute();
}
