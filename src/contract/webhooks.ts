// Outgoing webhooks: endpoints and their delivery log.
import { Type, type Static } from '@sinclair/typebox';
import { WEBHOOK_EVENTS } from '../core/webhook-events.js';

export type { WebhookEvent } from '../core/webhook-events.js';

const WebhookEventSchema = Type.Union(
  WEBHOOK_EVENTS.map((e) => Type.Literal(e)),
  { description: 'An event type an endpoint subscribes to.' },
);

export const WebhookEndpointSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(WebhookEventSchema),
  active: Type.Boolean(),
  createdAt: Type.String(),
  secret: Type.Optional(
    Type.String({
      description:
        'Verify X-Touchpoint-Signature with it. Shown to owners, managers and API keys (SPEC §6), never to viewers.',
    }),
  ),
});
export type WebhookEndpoint = Static<typeof WebhookEndpointSchema>;

export const WebhookMessageSchema = Type.Object({
  id: Type.String(),
  endpointId: Type.String(),
  eventType: Type.String(),
  status: Type.String({ description: 'pending | delivered | failed' }),
  attempts: Type.Integer(),
  nextAttemptAt: Type.Union([Type.String(), Type.Null()]),
  lastStatus: Type.Union([Type.Integer(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
  payload: Type.Unknown(),
  attemptLog: Type.Array(
    Type.Object({
      attempt: Type.Integer({ description: '1 for the first delivery attempt.' }),
      at: Type.String({ format: 'date-time' }),
      status: Type.Union([Type.Integer(), Type.Null()], {
        description: "The receiver's HTTP status; null: no answer.",
      }),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
    { description: 'Every delivery attempt, oldest first.' },
  ),
});
export type WebhookMessage = Static<typeof WebhookMessageSchema>;

export const WebhookEndpointIdSchema = Type.Object({ id: Type.String({ pattern: '^whk_[0-9a-z]{26}$' }) });
export const WebhookMessageIdSchema = Type.Object({ id: Type.String({ pattern: '^whm_[0-9a-z]{26}$' }) });

export const WebhookEndpointCreateSchema = Type.Object(
  {
    url: Type.String({ maxLength: 2000 }),
    events: Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 10 }),
  },
  { additionalProperties: false },
);
export type WebhookEndpointCreate = Static<typeof WebhookEndpointCreateSchema>;
export const WebhookEndpointListSchema = Type.Object({ data: Type.Array(WebhookEndpointSchema) });
export const WebhookDisabledSchema = Type.Object({ disabled: Type.Boolean() });
export const WebhookQueuedSchema = Type.Object({ queued: Type.Boolean() });
