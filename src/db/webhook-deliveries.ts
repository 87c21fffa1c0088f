// Deliveries of platform webhooks already acted on, by the platform's delivery id: the primary key claims a delivery
// before it is acted on, on whichever instance receives it, so a repeated delivery changes nothing.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface DeliveryKey {
  workspace_id: string;
  provider: string;
  delivery_id: string;
}

/** True when this call claimed the delivery; false when it was claimed before. */
export async function claimDelivery(db: Kysely<Database>, key: DeliveryKey, now: number): Promise<boolean> {
  const claimed = await db
    .insertInto('webhook_deliveries')
    .values({ ...key, received_at: now })
    .onConflict((oc) => oc.columns(['workspace_id', 'provider', 'delivery_id']).doNothing())
    .executeTakeFirst();
  return Number(claimed.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Gives a claimed delivery back when acting on it failed, so the platform's retry is acted on. */
export async function releaseDelivery(db: Kysely<Database>, key: DeliveryKey): Promise<void> {
  await db
    .deleteFrom('webhook_deliveries')
    .where('workspace_id', '=', key.workspace_id)
    .where('provider', '=', key.provider)
    .where('delivery_id', '=', key.delivery_id)
    .execute();
}
