// Bearer API keys: each key belongs to one workspace, and every request is scoped to it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Actor, AppContext } from '../app/context.js';
import { findActiveApiKey, touchApiKey } from '../db/workspaces.js';
import { sendProblem } from './errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor;
  }
}

/** last_used_at is written at most once a minute per key, not on every request. */
const TOUCH_EVERY_MS = 60_000;

export function apiKeyAuth(ctx: AppContext) {
  return async function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | void> {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      return sendProblem(reply, { code: 'unauthorized', message: 'Send an API key as "Authorization: Bearer tpk_…".' });
    }
    const key = await findActiveApiKey(ctx.store.db, match[1]!);
    if (!key) return sendProblem(reply, { code: 'unauthorized', message: 'The API key is unknown or revoked.' });
    const now = ctx.clock();
    if (key.last_used_at === null || now - key.last_used_at > TOUCH_EVERY_MS) await touchApiKey(ctx.store.db, key.id, now);
    request.actor = { workspaceId: key.workspace_id, actor: `api_key:${key.id}` };
  };
}
