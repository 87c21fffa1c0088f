// What a Stripe webhook event says, and what Touchpoint does with it. Pure: the route verifies the Stripe-Signature
// header (with the `stripe` package) and parses; this reads the event and plans; app/stripe.ts acts.
//
// Payloads follow Stripe's API version 2024-06-20 (invoice.subscription, invoice.payment_intent, invoice.charge,
// charge.invoice, checkout session `invoice`); the newer versions' shapes (2025-03-31.basil and later: the
// subscription under invoice.parent.subscription_details, payments under invoice.payments.data[].payment, no
// charge.invoice) are read too.
//
// Order ids, stable whichever event arrives first:
// - a one-time Checkout payment is its payment intent (pi_…), else its session (cs_…);
// - a subscription's first order is the subscription (sub_…): checkout.session.completed and the first invoice.paid
//   (billing_reason subscription_create) both name it, so they fill in one order, in either order;
// - a renewal is its invoice (in_…).
// Refunds and disputes name a charge and a payment intent: the objects each order was recorded with are kept
// (db/stripe.ts) so they find it; each refund counts once by Stripe's refund id, a dispute once by its id.
import { parseClickId } from './click-id.js';
import type { RawConversion } from './conversion-input.js';
import { formatAmount, isCurrency } from './money.js';
import { fieldsProblem, isObject, isString, optional, type Check } from './payload-shape.js';

/** The event types acted on; any other is answered 200 and ignored (Stripe retries a non-2xx answer). */
export const STRIPE_EVENT_TYPES: readonly string[] = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'invoice.paid',
  'charge.refunded',
  'refund.created',
  'charge.dispute.created',
  'customer.subscription.deleted',
];

export interface StripeEvent {
  id: string;
  type: string;
  /** Unix seconds. */
  created: number;
  /** false: an event of Stripe's test mode, recorded as a test order. */
  livemode: boolean;
  object: Record<string, unknown>;
}

const isInt: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v);
const isMinor: Check = (v) => isInt(v) && (v as number) >= 0;
const isCurrencyCode: Check = (v) => typeof v === 'string' && isCurrency(v.toUpperCase());
const isIdOrObject: Check = (v) => v === undefined || v === null || isString(v) || (isObject(v) && isString(v.id));

export type StripeEventShape = { ok: true; event: StripeEvent } | { ok: false; path: string; message: string };

/** The event envelope: id, type, created, data.object. */
export function readStripeEvent(body: unknown): StripeEventShape {
  if (!isObject(body)) return { ok: false, path: '', message: 'A Stripe event is a JSON object.' };
  const field = fieldsProblem(body, {
    id: (v) => typeof v === 'string' && /^evt_[A-Za-z0-9_]{1,200}$/.test(v),
    type: isString,
    created: isInt,
    data: (v) => isObject(v) && isObject(v.object),
  });
  if (field)
    return { ok: false, path: field, message: `Not a Stripe event: ${field} is missing or not what Stripe sends.` };
  const b = body as {
    id: string;
    type: string;
    created: number;
    livemode?: unknown;
    data: { object: Record<string, unknown> };
  };
  return {
    ok: true,
    event: { id: b.id, type: b.type, created: b.created, livemode: b.livemode !== false, object: b.data.object },
  };
}

/** A field that is an id or an expanded object with one. */
export function idOf(v: unknown): string | null {
  if (typeof v === 'string' && v) return v;
  if (isObject(v) && typeof v.id === 'string' && v.id) return v.id;
  return null;
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const metadata = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});
const amountOf = (minor: number, currency: string) => formatAmount(minor, currency.toUpperCase());
const iso = (seconds: number) => new Date(seconds * 1000).toISOString();

/** A Stripe object that names an order, kept so a later refund or dispute that names only it finds the order. */
export interface StripeObjectRef {
  id: string;
  kind: 'payment_intent' | 'charge' | 'invoice' | 'subscription';
}

export type StripePlan =
  | {
      kind: 'checkout';
      orderId: string;
      conversion: RawConversion;
      /** A promotion code applied at the checkout: the code it stands for is looked up when no tp_code says. */
      promotionCodeId: string | null;
      customerId: string | null;
      subscriptionId: string | null;
      objects: StripeObjectRef[];
    }
  | {
      kind: 'first_invoice';
      orderId: string;
      conversion: RawConversion;
      customerId: string | null;
      subscriptionId: string;
      invoiceId: string;
      paidAt: number;
      objects: StripeObjectRef[];
    }
  | {
      kind: 'renewal';
      orderId: string;
      conversion: RawConversion;
      customerId: string | null;
      subscriptionId: string;
      paidAt: number;
      objects: StripeObjectRef[];
    }
  | {
      kind: 'refund';
      /** The objects that may name the order, most specific first. */
      refs: string[];
      refunds: { key: string; amount: string | 'full' }[];
    }
  | { kind: 'subscription_ended'; subscriptionId: string; customerId: string | null; endedAt: number }
  | { kind: 'ignore'; reason: string }
  | { kind: 'invalid'; path: string; message: string };

const invalid = (path: string, what: string): StripePlan => ({
  kind: 'invalid',
  path,
  message: `Not a Stripe ${what}: ${path} is missing or not what Stripe sends.`,
});

/** The click id a Checkout Session carries: metadata.tp_click, else client_reference_id when it is a click id. */
export function sessionClickId(session: Record<string, unknown>): string | undefined {
  const meta = text(metadata(session.metadata).tp_click);
  if (meta) return meta;
  const ref = text(session.client_reference_id);
  return ref && parseClickId(ref) ? ref : undefined;
}

function planCheckout(event: StripeEvent): StripePlan {
  const s = event.object;
  const problem = fieldsProblem(s, {
    id: isString,
    mode: isString,
    payment_status: isString,
    amount_total: optional(isMinor),
    currency: optional(isCurrencyCode),
    customer: isIdOrObject,
    subscription: isIdOrObject,
    payment_intent: isIdOrObject,
    invoice: isIdOrObject,
    discounts: optional((v) => Array.isArray(v) && v.every(isObject)),
  });
  if (problem) return invalid(problem, 'Checkout Session');
  if (s.mode !== 'payment' && s.mode !== 'subscription') return { kind: 'ignore', reason: `mode_${String(s.mode)}` };
  // Delayed payment methods complete the session unpaid; checkout.session.async_payment_succeeded follows.
  if (s.payment_status === 'unpaid') return { kind: 'ignore', reason: 'payment_pending' };
  const subscriptionId = idOf(s.subscription);
  const paymentIntent = idOf(s.payment_intent);
  const invoice = idOf(s.invoice);
  if (s.mode === 'subscription' && !subscriptionId) return invalid('subscription', 'Checkout Session');
  const orderId = s.mode === 'subscription' ? subscriptionId! : (paymentIntent ?? (s.id as string));
  const objects: StripeObjectRef[] = [];
  if (subscriptionId) objects.push({ id: subscriptionId, kind: 'subscription' });
  if (paymentIntent) objects.push({ id: paymentIntent, kind: 'payment_intent' });
  if (invoice) objects.push({ id: invoice, kind: 'invoice' });
  const meta = metadata(s.metadata);
  const discounts = (s.discounts as Record<string, unknown>[] | undefined) ?? [];
  const promotionCodeId = discounts.map((d) => idOf(d.promotion_code)).find((p) => p !== null) ?? null;
  const currency = typeof s.currency === 'string' ? s.currency : undefined;
  return {
    kind: 'checkout',
    orderId,
    conversion: {
      order: orderId,
      ...(typeof s.amount_total === 'number' && currency
        ? { amount: amountOf(s.amount_total, currency), currency: currency.toUpperCase() }
        : {}),
      click: sessionClickId(s),
      code: text(meta.tp_code),
      time: iso(event.created),
    },
    promotionCodeId,
    customerId: idOf(s.customer),
    subscriptionId,
    objects,
  };
}

/** The subscription an invoice is of: `subscription` (to 2025-02), `parent.subscription_details.subscription` (since). */
function invoiceSubscription(inv: Record<string, unknown>): { id: string | null; metadata: Record<string, unknown> } {
  const parent = metadata(inv.parent);
  const details = metadata(parent.subscription_details);
  const old = metadata(inv.subscription_details);
  return {
    id: idOf(inv.subscription) ?? idOf(details.subscription),
    metadata: { ...metadata(old.metadata), ...metadata(details.metadata) },
  };
}

/** The payment intents and charges that paid an invoice, in either API version's shape. */
function invoicePayments(inv: Record<string, unknown>): StripeObjectRef[] {
  const out: StripeObjectRef[] = [];
  const pi = idOf(inv.payment_intent);
  if (pi) out.push({ id: pi, kind: 'payment_intent' });
  const ch = idOf(inv.charge);
  if (ch) out.push({ id: ch, kind: 'charge' });
  const payments = metadata(inv.payments).data;
  if (Array.isArray(payments)) {
    for (const p of payments) {
      const payment = metadata(metadata(p).payment);
      const ppi = idOf(payment.payment_intent);
      if (ppi && !out.some((o) => o.id === ppi)) out.push({ id: ppi, kind: 'payment_intent' });
      const pch = idOf(payment.charge);
      if (pch && !out.some((o) => o.id === pch)) out.push({ id: pch, kind: 'charge' });
    }
  }
  return out;
}

function planInvoice(event: StripeEvent): StripePlan {
  const inv = event.object;
  const problem = fieldsProblem(inv, {
    id: (v) => typeof v === 'string' && v.startsWith('in_'),
    customer: isIdOrObject,
    billing_reason: optional(isString),
    amount_paid: isMinor,
    currency: isCurrencyCode,
    status_transitions: optional((v) => isObject(v) && optional(isInt)(v.paid_at)),
  });
  if (problem) return invalid(problem, 'invoice');
  const sub = invoiceSubscription(inv);
  if (!sub.id) return { kind: 'ignore', reason: 'invoice_without_subscription' };
  const paidSeconds = (metadata(inv.status_transitions).paid_at as number | null | undefined) ?? event.created;
  const invoiceId = inv.id as string;
  const first = inv.billing_reason === 'subscription_create';
  const orderId = first ? sub.id : invoiceId;
  const objects: StripeObjectRef[] = [
    { id: invoiceId, kind: 'invoice' },
    ...(first ? [{ id: sub.id, kind: 'subscription' as const }] : []),
    ...invoicePayments(inv),
  ];
  const currency = inv.currency as string;
  const conversion: RawConversion = {
    order: orderId,
    amount: amountOf(inv.amount_paid as number, currency),
    currency: currency.toUpperCase(),
    time: iso(paidSeconds),
    // A subscription created without Checkout may carry the click and code on its metadata.
    ...(first ? { click: text(sub.metadata.tp_click), code: text(sub.metadata.tp_code) } : {}),
  };
  const base = { orderId, conversion, customerId: idOf(inv.customer), subscriptionId: sub.id, objects };
  return first
    ? { kind: 'first_invoice', ...base, invoiceId, paidAt: paidSeconds * 1000 }
    : { kind: 'renewal', ...base, paidAt: paidSeconds * 1000 };
}

function planCharge(event: StripeEvent): StripePlan {
  const ch = event.object;
  const problem = fieldsProblem(ch, {
    id: (v) => typeof v === 'string' && v.startsWith('ch_'),
    amount: isMinor,
    amount_refunded: isMinor,
    currency: isCurrencyCode,
    refunded: (v) => typeof v === 'boolean',
    payment_intent: isIdOrObject,
    invoice: isIdOrObject,
    refunds: optional((v) => isObject(v) && Array.isArray(v.data) && v.data.every(isObject)),
  });
  if (problem) return invalid(problem, 'charge');
  const currency = ch.currency as string;
  const listed = ((metadata(ch.refunds).data as Record<string, unknown>[] | undefined) ?? []).filter(
    (r) => typeof r.id === 'string' && isMinor(r.amount) && r.status !== 'failed' && r.status !== 'canceled',
  );
  const refunds: { key: string; amount: string | 'full' }[] = listed.map((r) => ({
    key: `stripe-refund-${r.id as string}`,
    amount: amountOf(r.amount as number, currency),
  }));
  if (ch.refunded === true) refunds.push({ key: `stripe-charge-refunded-${ch.id as string}`, amount: 'full' });
  // Since API version 2022-11-15 a charge no longer lists its refunds: a partial one then comes as refund.created.
  if (!refunds.length) return { kind: 'ignore', reason: 'refunds_not_listed' };
  return { kind: 'refund', refs: refsOf(ch.id, ch.payment_intent, ch.invoice), refunds };
}

function planRefund(event: StripeEvent): StripePlan {
  const r = event.object;
  const problem = fieldsProblem(r, {
    id: (v) => typeof v === 'string' && /^(re|pyr)_/.test(v),
    amount: isMinor,
    currency: isCurrencyCode,
    charge: isIdOrObject,
    payment_intent: isIdOrObject,
  });
  if (problem) return invalid(problem, 'refund');
  if (r.status === 'failed' || r.status === 'canceled') return { kind: 'ignore', reason: `refund_${String(r.status)}` };
  return {
    kind: 'refund',
    refs: refsOf(r.charge, r.payment_intent),
    refunds: [{ key: `stripe-refund-${r.id as string}`, amount: amountOf(r.amount as number, r.currency as string) }],
  };
}

function planDispute(event: StripeEvent): StripePlan {
  const d = event.object;
  const problem = fieldsProblem(d, {
    id: (v) => typeof v === 'string' && /^(dp|du)_/.test(v),
    charge: isIdOrObject,
    payment_intent: isIdOrObject,
  });
  if (problem) return invalid(problem, 'dispute');
  // A dispute reverses the order's commissions at once (the money is withdrawn from the brand when it opens).
  return {
    kind: 'refund',
    refs: refsOf(d.charge, d.payment_intent),
    refunds: [{ key: `stripe-dispute-${d.id as string}`, amount: 'full' }],
  };
}

function planSubscriptionDeleted(event: StripeEvent): StripePlan {
  const s = event.object;
  const problem = fieldsProblem(s, {
    id: (v) => typeof v === 'string' && v.startsWith('sub_'),
    customer: isIdOrObject,
    ended_at: optional(isInt),
    canceled_at: optional(isInt),
  });
  if (problem) return invalid(problem, 'subscription');
  const seconds =
    (s.ended_at as number | null | undefined) ?? (s.canceled_at as number | null | undefined) ?? event.created;
  return {
    kind: 'subscription_ended',
    subscriptionId: s.id as string,
    customerId: idOf(s.customer),
    endedAt: seconds * 1000,
  };
}

const refsOf = (...values: unknown[]): string[] => values.map(idOf).filter((v): v is string => v !== null);

/** What one verified event asks for. */
export function planStripeEvent(event: StripeEvent): StripePlan {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
      return planCheckout(event);
    case 'invoice.paid':
      return planInvoice(event);
    case 'charge.refunded':
      return planCharge(event);
    case 'refund.created':
      return planRefund(event);
    case 'charge.dispute.created':
      return planDispute(event);
    case 'customer.subscription.deleted':
      return planSubscriptionDeleted(event);
    default:
      return { kind: 'ignore', reason: 'event_type_not_handled' };
  }
}

/** An offer's recurring commissions (OfferTable.recurring*). */
export interface RecurringSettings {
  mode: 'none' | 'months' | 'lifetime';
  months: number | null;
  maxInvoices: number | null;
}

export type RenewalRefusal = 'recurring_off' | 'recurring_window_over' | 'recurring_cap_reached' | 'subscription_ended';

/** The same day `months` calendar months later (UTC), clamped to the month's last day (Jan 31 + 1 = Feb 28/29). */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const target = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1, d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()),
  );
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(d.getUTCDate(), lastDay));
  return target.getTime() + d.getUTCMilliseconds();
}

/**
 * Whether a renewal pays, by the offer that won the first order: null when it does, else why not. `invoiceNumber`
 * counts the subscription's paid invoices in paid order, the first order being 1. The window is "paid before the
 * same day N months after the first order"; a renewal paid at or after the subscription ended does not pay.
 */
export function renewalVerdict(
  settings: RecurringSettings,
  r: { firstAt: number; paidAt: number; invoiceNumber: number; endedAt: number | null },
): RenewalRefusal | null {
  if (r.endedAt !== null && r.paidAt >= r.endedAt) return 'subscription_ended';
  if (settings.mode === 'none') return 'recurring_off';
  if (settings.mode === 'months' && !(r.paidAt < addMonths(r.firstAt, settings.months ?? 0)))
    return 'recurring_window_over';
  if (settings.maxInvoices !== null && r.invoiceNumber > settings.maxInvoices) return 'recurring_cap_reached';
  return null;
}
