import type { Kysely } from 'kysely';

// Shopify signs its webhooks with a secret the brand copies into Touchpoint; deliveries are remembered by id.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workspaces').addColumn('shopify_webhook_secret', 'text').execute();
  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('delivery_id', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('webhook_deliveries_pk', ['workspace_id', 'provider', 'delivery_id'])
    .execute();
}
