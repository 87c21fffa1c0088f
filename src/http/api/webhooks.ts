import type { AppContext } from '../../app/context.js';
import { createEndpoint, disableEndpoint, listEndpoints, listMessages, retryMessage } from '../../app/webhooks.js';
import { WEBHOOK_EVENTS } from '../../core/webhook-events.js';
import { maySeeSecrets } from '../../core/roles.js';
import { sendResult } from '../errors.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const EndpointId = c.WebhookEndpointIdSchema;
const tags = ['webhooks'];

export function webhookRoutes(app: Api, ctx: AppContext): void {
  app.post(
    '/webhook-endpoints',
    {
      schema: {
        tags,
        summary: `Register an endpoint for signed event messages (${WEBHOOK_EVENTS.join(', ')})`,
        body: c.WebhookEndpointCreateSchema,
        response: { 201: c.WebhookEndpointSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await createEndpoint(ctx, req.actor, req.body), 201),
  );

  app.get(
    '/webhook-endpoints',
    {
      schema: {
        tags,
        summary: 'Registered endpoints (with their signing secrets, except for viewers)',
        response: { 200: c.WebhookEndpointListSchema, ...c.errorResponses },
      },
    },
    async (req) => listEndpoints(ctx, req.actor, { secrets: maySeeSecrets(req.auth.role) }),
  );

  app.delete(
    '/webhook-endpoints/:id',
    {
      schema: {
        tags,
        summary: 'Disable an endpoint',
        params: EndpointId,
        response: { 200: c.WebhookDisabledSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await disableEndpoint(ctx, req.actor, req.params.id)),
  );

  app.get(
    '/webhook-endpoints/:id/messages',
    {
      schema: {
        tags,
        summary: "The endpoint's delivery log, newest first",
        params: EndpointId,
        querystring: c.PageQuerySchema,
        response: { 200: c.PageSchema(c.WebhookMessageSchema), ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await listMessages(ctx, req.actor, req.params.id, req.query)),
  );

  app.post(
    '/webhook-messages/:id/retry',
    {
      schema: {
        tags,
        summary: 'Send an undelivered message again now',
        params: c.WebhookMessageIdSchema,
        response: { 200: c.WebhookQueuedSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await retryMessage(ctx, req.actor, req.params.id)),
  );
}
