// The events an outgoing webhook endpoint may subscribe to, with what each announces: the server validates
// subscriptions against this list, the contract documents it and the dashboard offers it (one list, one place).
export const WEBHOOK_EVENTS = [
  'conversion.created',
  'commission.approved',
  'commission.reversed',
  'alert.raised',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_EVENT_TEXT: Record<WebhookEvent, string> = {
  'conversion.created': 'A sale or lead was recorded',
  'commission.approved': 'A commission was approved (after its hold, or by hand)',
  'commission.reversed': 'A commission was reversed (refund, cancellation, or by hand)',
  'alert.raised': 'A promo-code leak alert was raised',
};
