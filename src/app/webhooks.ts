// Outgoing webhooks: endpoints, their delivery log, and the dispatcher that sends queued messages with retries.
import { randomBase62 } from '../core/ids.js';
import { newId } from '../core/ids.js';
import { fail, ok, type Result } from '../core/result.js';
import { signPayload } from '../core/signature.js';
import { WEBHOOK_EVENTS, type WebhookEvent } from '../db/webhooks.js';
import type { WebhookMessageTable } from '../db/schema.js';
import { decodeCursor, toPage, type Actor, type AppContext } from './context.js';

/** Waits between attempts: a receiver that is down for a deploy, an hour or a day still gets the message. */
export const RETRY_DELAYS_MS = [30_000, 120_000, 600_000, 1_800_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000];
export const MAX_ATTEMPTS = RETRY_DELAYS_MS.length + 1;
const CLAIM_MS = 60_000;

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export async function createEndpoint(ctx: AppContext, actor: Actor, input: { url: string; events: string[] }) {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return fail('validation_failed', 'The endpoint URL is not valid.', [
      { path: 'url', code: 'url_invalid', message: 'A full http(s) URL.' },
    ]);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return fail('validation_failed', 'The endpoint URL must be http or https.', [
      { path: 'url', code: 'url_invalid', message: 'A full http(s) URL.' },
    ]);
  }
  const unknown = input.events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length || !input.events.length) {
    return fail('validation_failed', `Events are ${WEBHOOK_EVENTS.join(', ')}.`, [
      { path: 'events', code: 'event_unknown', message: unknown.join(', ') || 'none given' },
    ]);
  }
  const now = ctx.clock();
  const row = {
    id: newId('whk', now),
    workspace_id: actor.workspaceId,
    url: url.toString(),
    secret: `whsec_${randomBase62(32)}`,
    events: JSON.stringify([...new Set(input.events)]),
    active: 1,
    created_at: now,
  };
  await ctx.store.db.insertInto('webhook_endpoints').values(row).execute();
  return ok({ ...endpointView(row), secret: row.secret });
}

function endpointView(e: { id: string; url: string; events: string; active: number; created_at: number }) {
  return {
    id: e.id,
    url: e.url,
    events: JSON.parse(e.events) as WebhookEvent[],
    active: e.active === 1,
    createdAt: iso(e.created_at)!,
  };
}

/** Endpoints with their signing secrets only for whoever may see secrets (never a viewer, SPEC §6). */
export async function listEndpoints(ctx: AppContext, actor: Actor, rights: { secrets: boolean }) {
  const rows = await ctx.store.db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .orderBy('id')
    .execute();
  return { data: rows.map((e) => ({ ...endpointView(e), ...(rights.secrets ? { secret: e.secret } : {}) })) };
}

export async function disableEndpoint(ctx: AppContext, actor: Actor, id: string): Promise<Result<{ disabled: true }>> {
  const r = await ctx.store.db
    .updateTable('webhook_endpoints')
    .set({ active: 0 })
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) ? ok({ disabled: true }) : fail('not_found', 'Webhook endpoint not found.');
}

export function messageView(m: WebhookMessageTable) {
  return {
    id: m.id,
    endpointId: m.endpoint_id,
    eventType: m.event_type,
    status: m.status,
    attempts: m.attempts,
    nextAttemptAt: m.status === 'pending' ? iso(m.next_attempt_at) : null,
    lastStatus: m.last_status,
    lastError: m.last_error,
    createdAt: iso(m.created_at)!,
    deliveredAt: iso(m.delivered_at),
    payload: JSON.parse(m.payload) as unknown,
  };
}

export async function listMessages(
  ctx: AppContext,
  actor: Actor,
  endpointId: string,
  q: { cursor?: string; limit: number },
) {
  // Another workspace's endpoint reads like one that does not exist, not like an endpoint without messages.
  const endpoint = await ctx.store.db
    .selectFrom('webhook_endpoints')
    .select('id')
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', endpointId)
    .executeTakeFirst();
  if (!endpoint) return fail('not_found', 'Webhook endpoint not found.');
  let query = ctx.store.db
    .selectFrom('webhook_messages')
    .selectAll()
    .where('workspace_id', '=', actor.workspaceId)
    .where('endpoint_id', '=', endpointId);
  const before = decodeCursor(q.cursor);
  if (before) query = query.where('id', '<', before);
  const page = toPage(
    await query
      .orderBy('id', 'desc')
      .limit(q.limit + 1)
      .execute(),
    q.limit,
    messageView,
  );
  // Each message's attempts, for the whole page in one query.
  const attempts = page.data.length
    ? await ctx.store.db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('workspace_id', '=', actor.workspaceId)
        .where(
          'message_id',
          'in',
          page.data.map((m) => m.id),
        )
        .orderBy('message_id')
        .orderBy('attempt')
        .execute()
    : [];
  return ok({
    ...page,
    data: page.data.map((m) => ({
      ...m,
      attemptLog: attempts
        .filter((a) => a.message_id === m.id)
        .map((a) => ({ attempt: a.attempt, at: iso(Number(a.attempted_at))!, status: a.status, error: a.error })),
    })),
  });
}

/** Sends a failed (or waiting) message again now. */
export async function retryMessage(ctx: AppContext, actor: Actor, id: string): Promise<Result<{ queued: true }>> {
  const r = await ctx.store.db
    .updateTable('webhook_messages')
    .set({ status: 'pending', next_attempt_at: ctx.clock(), locked_until: 0 })
    .where('workspace_id', '=', actor.workspaceId)
    .where('id', '=', id)
    .where('status', '!=', 'delivered')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) ? ok({ queued: true }) : fail('not_found', 'No undelivered message with this id.');
}

/**
 * Sends due messages once. A message is claimed with a conditional update (locked_until), so several instances can
 * run the dispatcher together without sending a message twice at the same time; a crashed sender's claim expires.
 */
export async function dispatchWebhooks(
  ctx: AppContext,
  opts: { batch?: number; timeoutMs?: number } = {},
): Promise<number> {
  const { db } = ctx.store;
  const now = ctx.clock();
  const due = await db
    .selectFrom('webhook_messages')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .where('locked_until', '<=', now)
    .orderBy('next_attempt_at')
    .limit(opts.batch ?? 20)
    .execute();
  let sent = 0;
  await Promise.all(
    due.map(async ({ id }) => {
      const claim = await db
        .updateTable('webhook_messages')
        .set({ locked_until: now + CLAIM_MS })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('locked_until', '<=', now)
        .executeTakeFirst();
      if (!Number(claim.numUpdatedRows)) return;
      const m = await db
        .selectFrom('webhook_messages as m')
        .innerJoin('webhook_endpoints as e', 'e.id', 'm.endpoint_id')
        .select(['m.id', 'm.workspace_id', 'm.payload', 'm.attempts', 'm.event_type', 'e.url', 'e.secret', 'e.active'])
        .where('m.id', '=', id)
        .executeTakeFirstOrThrow();
      let status: number | null = null;
      let error: string | null = null;
      if (!m.active) error = 'endpoint disabled';
      else {
        try {
          const res = await fetch(m.url, {
            method: 'POST',
            body: m.payload,
            redirect: 'manual',
            signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
            headers: {
              'content-type': 'application/json',
              'user-agent': 'Touchpoint-Webhooks/1',
              'x-touchpoint-event': m.event_type,
              'x-touchpoint-delivery': m.id,
              'x-touchpoint-signature': signPayload(m.secret, m.payload, Math.floor(ctx.clock() / 1000)),
            },
          });
          status = res.status;
          await res.arrayBuffer().catch(() => undefined);
          if (!res.ok) error = `HTTP ${res.status}`;
        } catch (e) {
          error = (e as Error).name === 'TimeoutError' ? 'timed out' : (e as Error).message;
        }
      }
      const attempts = m.attempts + 1;
      const delivered = error === null;
      const failed = !delivered && (attempts >= MAX_ATTEMPTS || !m.active);
      const at = ctx.clock();
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('webhook_messages')
          .set({
            status: delivered ? 'delivered' : failed ? 'failed' : 'pending',
            attempts,
            last_status: status,
            last_error: error,
            locked_until: 0,
            delivered_at: delivered ? at : null,
            next_attempt_at: delivered || failed ? now : at + RETRY_DELAYS_MS[attempts - 1]!,
          })
          .where('id', '=', id)
          .execute();
        await tx
          .insertInto('webhook_attempts')
          .values({ message_id: id, attempt: attempts, workspace_id: m.workspace_id, attempted_at: at, status, error })
          .execute();
      });
      if (delivered) sent++;
    }),
  );
  return sent;
}
