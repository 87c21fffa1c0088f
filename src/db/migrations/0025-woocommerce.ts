import type { Kysely } from 'kysely';

// WooCommerce's webhooks are signed with a secret the brand types into both sides (Settings → Advanced → Webhooks).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('workspaces').addColumn('woocommerce_webhook_secret', 'text').execute();
}
