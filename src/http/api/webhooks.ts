import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { createEndpoint, disableEndpoint, listEndpoints, listMessages, retryMessage } from '../../app/webhooks.js';
import { WEBHOOK_EVENTS } from '../../db/webhooks.js';
import { sendResult } from '../errors.js';
import * as s from '../schemas.js';
import type { Api } from './types.js';

const Endpoint = Type.Object({
  id: Type.String(), url: Type.String(), events: Type.Array(Type.String()), active: Type.Boolean(), createdAt: Type.String(),
  secret: Type.Optional(Type.String({ description: 'Shown once, at creation: verify X-Touchpoint-Signature with it.' })),
});
const Message = Type.Object({
  id: Type.String(), endpointId: Type.String(), eventType: Type.String(), status: Type.String({ description: 'pending | delivered | failed' }),
  attempts: Type.Integer(), nextAttemptAt: Type.Union([Type.String(), Type.Null()]), lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]), createdAt: Type.String(), deliveredAt: Type.Union([Type.String(), Type.Null()]), payload: Type.Unknown(),
});
const EndpointId = Type.Object({ id: Type.String({ pattern: '^whk_[0-9a-z]{26}$' }) });
const tags = ['webhooks'];

export function webhookRoutes(app: Api, ctx: AppContext): void {
  app.post('/webhook-endpoints', {
    schema: {
      tags, summary: `Register an endpoint for signed event messages (${WEBHOOK_EVENTS.join(', ')})`,
      body: Type.Object({ url: Type.String({ maxLength: 2000 }), events: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 10 }) }, { additionalProperties: false }),
      response: { 201: Endpoint, ...s.errorResponses },
    },
  }, async (req, reply) => sendResult(reply, await createEndpoint(ctx, req.actor, req.body), 201));

  app.get('/webhook-endpoints', {
    schema: { tags, summary: 'Registered endpoints (never their secrets)', response: { 200: Type.Object({ data: Type.Array(Endpoint) }), ...s.errorResponses } },
  }, async (req) => listEndpoints(ctx, req.actor));

  app.delete('/webhook-endpoints/:id', {
    schema: { tags, summary: 'Disable an endpoint', params: EndpointId, response: { 200: Type.Object({ disabled: Type.Boolean() }), ...s.errorResponses } },
  }, async (req, reply) => sendResult(reply, await disableEndpoint(ctx, req.actor, req.params.id)));

  app.get('/webhook-endpoints/:id/messages', {
    schema: {
      tags, summary: "The endpoint's delivery log, newest first", params: EndpointId, querystring: Type.Object(s.PageQuery),
      response: { 200: s.Page(Message), ...s.errorResponses },
    },
  }, async (req, reply) => sendResult(reply, await listMessages(ctx, req.actor, req.params.id, req.query)));

  app.post('/webhook-messages/:id/retry', {
    schema: {
      tags, summary: 'Send an undelivered message again now', params: Type.Object({ id: Type.String({ pattern: '^whm_[0-9a-z]{26}$' }) }),
      response: { 200: Type.Object({ queued: Type.Boolean() }), ...s.errorResponses },
    },
  }, async (req, reply) => sendResult(reply, await retryMessage(ctx, req.actor, req.params.id)));
}
