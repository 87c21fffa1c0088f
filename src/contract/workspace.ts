// The workspace's settings and its API keys.
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, Nullable } from './common.js';

export const WorkspaceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  currency: Type.String(),
  postbackSecret: Type.Union([Type.String(), Type.Null()], {
    description: 'Shared secret for server postbacks; null for viewers, who never see secrets.',
  }),
  shopifyConnected: Type.Boolean({ description: "Whether Shopify's webhook signing secret is set." }),
  shopifyWebhookUrl: Type.String({ description: 'Where to point Shopify order, refund and cancellation webhooks.' }),
  woocommerceConnected: Type.Boolean({ description: "Whether WooCommerce's webhook secret is set." }),
  woocommerceWebhookUrl: Type.String({
    description: "The delivery URL of WooCommerce's Order created and Order updated webhooks.",
  }),
  stripeConnected: Type.Boolean({ description: "Whether Stripe's webhook signing secret is set." }),
  stripeWebhookUrl: Type.String({
    description:
      'The endpoint URL of the Stripe webhook (checkout.session.completed, invoice.paid, charge.refunded, charge.dispute.created, customer.subscription.deleted).',
  }),
  defaultHoldDays: Type.Integer({ description: 'The hold period (days) of an offer created without holdDays.' }),
  minimumPayout: Type.String({
    description: 'Decimal amount in the workspace currency (set with PUT /workspace/minimum-payout).',
  }),
  createdAt: DateTime,
});
export type Workspace = Static<typeof WorkspaceSchema>;

export const WorkspaceUpdateSchema = Type.Partial(
  Type.Object({
    name: Type.String({ minLength: 1, maxLength: 200 }),
    timezone: Type.String({ maxLength: 64 }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    defaultHoldDays: Type.Integer({ minimum: 0, maximum: 365 }),
    shopifyWebhookSecret: Type.Union([Type.String({ maxLength: 200 }), Type.Null()], {
      description: "Shopify's webhook signing secret (write-only); null disconnects.",
    }),
    woocommerceWebhookSecret: Type.Union([Type.String({ maxLength: 200 }), Type.Null()], {
      description: "The secret of the shop's WooCommerce webhooks (write-only); null disconnects.",
    }),
    stripeWebhookSecret: Type.Union([Type.String({ pattern: '^whsec_[A-Za-z0-9+/=_-]{1,190}$' }), Type.Null()], {
      description: "The Stripe webhook endpoint's signing secret, whsec_… (write-only); null disconnects.",
    }),
  }),
  { additionalProperties: false, minProperties: 1 },
);
export type WorkspaceUpdate = Static<typeof WorkspaceUpdateSchema>;

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'First characters of the key, to recognise it.' }),
  createdAt: DateTime,
  lastUsedAt: Nullable(DateTime),
  revokedAt: Nullable(DateTime),
});
export type ApiKey = Static<typeof ApiKeySchema>;
export const ApiKeyListSchema = Type.Object({ data: Type.Array(ApiKeySchema) });

export const ApiKeyCreateSchema = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100 }) },
  { additionalProperties: false },
);
export const ApiKeyCreatedSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String(),
  key: Type.String(),
  createdAt: Type.String(),
});
export type ApiKeyCreated = Static<typeof ApiKeyCreatedSchema>;
export const ApiKeyRevokedSchema = Type.Object({ revoked: Type.Boolean() });
