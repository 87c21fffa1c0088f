import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import { newId } from '../core/ids.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

import type { WebhookEvent } from '../core/webhook-events.js';

export { WEBHOOK_EVENTS, type WebhookEvent } from '../core/webhook-events.js';

export interface WebhookEndpoint {
  id: string;
  events: string[];
}

export async function activeWebhookEndpoints(db: Db, workspaceId: string): Promise<WebhookEndpoint[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .select(['id', 'events'])
    .where('workspace_id', '=', workspaceId)
    .where('active', '=', 1)
    .execute();
  return rows.map((e) => ({ id: e.id, events: JSON.parse(e.events) as string[] }));
}

/**
 * Queues a message for every active endpoint of the workspace that subscribes to the event, in the caller's
 * transaction: the message exists exactly when the change it announces was committed (a transactional outbox).
 */
export async function enqueueWebhook(
  db: Db,
  workspaceId: string,
  event: WebhookEvent,
  data: unknown,
  now: number,
  /** The workspace's active endpoints when the caller has them already (conversions keep them cached). */
  endpoints?: WebhookEndpoint[],
): Promise<void> {
  const subscribed = (endpoints ?? (await activeWebhookEndpoints(db, workspaceId))).filter((e) =>
    e.events.includes(event),
  );
  if (!subscribed.length) return;
  await db
    .insertInto('webhook_messages')
    .values(subscribed.map((e) => messageRow(workspaceId, e.id, event, data, now)))
    .execute();
}

/**
 * enqueueWebhook's inserts, one message each, compiled to run with other writes (Store.insertIfNewWith); none when no
 * endpoint subscribes to the event.
 */
export function webhookInserts(
  db: Db,
  workspaceId: string,
  event: WebhookEvent,
  data: unknown,
  now: number,
  endpoints: WebhookEndpoint[],
): CompiledQuery[] {
  return endpoints
    .filter((e) => e.events.includes(event))
    .map((e) =>
      db
        .insertInto('webhook_messages')
        .values(messageRow(workspaceId, e.id, event, data, now))
        .compile(),
    );
}

function messageRow(workspaceId: string, endpointId: string, event: WebhookEvent, data: unknown, now: number) {
  const id = newId('whm', now);
  return {
    id,
    workspace_id: workspaceId,
    endpoint_id: endpointId,
    event_type: event,
    payload: JSON.stringify({ id, type: event, createdAt: new Date(now).toISOString(), data }),
    status: 'pending' as const,
    attempts: 0,
    next_attempt_at: now,
    locked_until: 0,
    last_status: null,
    last_error: null,
    created_at: now,
    delivered_at: null,
  };
}
