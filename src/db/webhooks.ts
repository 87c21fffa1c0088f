import type { Kysely, Transaction } from 'kysely';
import { newId } from '../core/ids.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export const WEBHOOK_EVENTS = ['conversion.created', 'commission.approved', 'commission.reversed'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * Queues a message for every active endpoint of the workspace that subscribes to the event, in the caller's
 * transaction: the message exists exactly when the change it announces was committed (a transactional outbox).
 */
export async function enqueueWebhook(db: Db, workspaceId: string, event: WebhookEvent, data: unknown, now: number): Promise<void> {
  const endpoints = await db.selectFrom('webhook_endpoints').select(['id', 'events']).where('workspace_id', '=', workspaceId).where('active', '=', 1).execute();
  const subscribed = endpoints.filter((e) => (JSON.parse(e.events) as string[]).includes(event));
  if (!subscribed.length) return;
  await db
    .insertInto('webhook_messages')
    .values(
      subscribed.map((e) => {
        const id = newId('whm', now);
        return {
          id, workspace_id: workspaceId, endpoint_id: e.id, event_type: event,
          payload: JSON.stringify({ id, type: event, createdAt: new Date(now).toISOString(), data }),
          status: 'pending' as const, attempts: 0, next_attempt_at: now, locked_until: 0, last_status: null, last_error: null, created_at: now, delivered_at: null,
        };
      }),
    )
    .execute();
}
