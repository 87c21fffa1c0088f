// What a Shopify webhook body must look like for the topic it claims. The topic header is not covered by Shopify's
// HMAC, so the payload's own shape is what says which event it is: an order that was created is never accepted as
// a cancellation, an order is never accepted as a refund. Pure: the route parses, checks here, then acts.
import { fieldsProblem, isObject, isString, listOf, optional, type Check } from './payload-shape.js';

export interface ShopifyOrder {
  /** Kept as sent: ids above 2^53 arrive as digit strings (parseJsonExact). */
  id: number | string;
  name?: string | null;
  total_price: string;
  current_total_price?: string | null;
  currency?: string | null;
  created_at: string;
  updated_at?: string | null;
  cancelled_at?: string | null;
  financial_status?: string | null;
  test?: boolean;
  landing_site?: string | null;
  note_attributes?: { name?: string | null; value?: string | null }[];
  discount_codes?: { code?: string | null }[];
  line_items: unknown[];
}

export interface ShopifyRefund {
  id: number | string;
  order_id: number | string;
  created_at: string;
  processed_at?: string | null;
  test?: boolean;
  transactions?: { kind?: string | null; status?: string | null; amount?: string | null }[];
  refund_line_items?: { subtotal?: string | number | null }[];
}

export type ShopifyTopic = 'orders/create' | 'orders/paid' | 'orders/cancelled' | 'refunds/create';

export type ShopifyEvent =
  | {
      topic: 'orders/create' | 'orders/paid' | 'orders/cancelled';
      order: ShopifyOrder;
      test: boolean;
      eventTime: number;
    }
  | { topic: 'refunds/create'; refund: ShopifyRefund; test: boolean; eventTime: number };

export type ShapeCheck = { ok: true; event: ShopifyEvent } | { ok: false; path: string; message: string };

export const SHOPIFY_TOPICS: readonly string[] = ['orders/create', 'orders/paid', 'orders/cancelled', 'refunds/create'];

/** An identity as Shopify writes it, as text; undefined when it is not one. */
export function idText(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) return String(v);
  if (typeof v === 'string' && /^[1-9]\d{0,29}$/.test(v)) return v;
  return undefined;
}

const isDate: Check = (v) => typeof v === 'string' && Number.isFinite(Date.parse(v));
const isId: Check = (v) => idText(v) !== undefined;

const ORDER_FIELDS: Record<string, Check> = {
  id: isId,
  total_price: isString,
  current_total_price: optional(isString),
  currency: optional(isString),
  name: optional(isString),
  created_at: isDate,
  updated_at: optional(isDate),
  cancelled_at: optional(isDate),
  financial_status: optional(isString),
  test: optional((v) => typeof v === 'boolean'),
  landing_site: optional(isString),
  line_items: (v) => Array.isArray(v),
  note_attributes: optional(listOf({ name: optional(isString), value: optional(isString) })),
  discount_codes: optional(listOf({ code: optional(isString) })),
};

const REFUND_FIELDS: Record<string, Check> = {
  id: isId,
  order_id: isId,
  created_at: isDate,
  processed_at: optional(isDate),
  test: optional((v) => typeof v === 'boolean'),
  transactions: optional(listOf({ kind: optional(isString), status: optional(isString), amount: optional(isString) })),
  refund_line_items: optional(
    listOf({ subtotal: optional((v) => isString(v) || (typeof v === 'number' && Number.isFinite(v))) }),
  ),
};

const time = (v: unknown) => Date.parse(String(v));

/**
 * The event a body is, when it has the shape of `topic`. A test payload (Shopify's "Send test notification" sample is
 * a cancelled, voided order of 2021) is held to the structure only: it lands in the tracking check, never on real orders.
 */
export function readShopifyEvent(topic: ShopifyTopic, body: unknown): ShapeCheck {
  const bad = (path: string, message: string): ShapeCheck => ({ ok: false, path, message });
  if (!isObject(body)) return bad('', `A ${topic} body is a JSON object.`);
  const test = body.test === true;
  if (topic === 'refunds/create') {
    const field = fieldsProblem(body, REFUND_FIELDS);
    if (field) return bad(field, `Not a refunds/create payload: ${field} is missing or not what Shopify sends.`);
    if (!Array.isArray(body.transactions) && !Array.isArray(body.refund_line_items)) {
      return bad('transactions', 'A refund carries its transactions or its refund_line_items.');
    }
    const refund = body as unknown as ShopifyRefund;
    return { ok: true, event: { topic, refund, test, eventTime: time(refund.processed_at ?? refund.created_at) } };
  }
  const field = fieldsProblem(body, ORDER_FIELDS);
  if (field) return bad(field, `Not an order payload: ${field} is missing or not what Shopify sends.`);
  const order = body as unknown as ShopifyOrder;
  if (topic === 'orders/cancelled') {
    if (!order.cancelled_at)
      return bad('cancelled_at', 'An orders/cancelled payload is a cancelled order (cancelled_at set).');
    return { ok: true, event: { topic, order, test, eventTime: time(order.cancelled_at) } };
  }
  if (!test && order.cancelled_at) return bad('cancelled_at', `A ${topic} payload is an order that is not cancelled.`);
  if (!test && topic === 'orders/paid' && order.financial_status !== 'paid') {
    return bad('financial_status', 'An orders/paid payload is an order whose financial_status is paid.');
  }
  return { ok: true, event: { topic, order, test, eventTime: time(order.updated_at ?? order.created_at) } };
}

/** Shopify retries a failed delivery for hours with its original time; a delivery older than this is not acted on. */
export const DELIVERY_MAX_AGE_MS = 15 * 60_000;
/** Clocks disagree a little; more than this ahead is not a real delivery time. */
export const DELIVERY_MAX_SKEW_MS = 60_000;

/**
 * When the delivery was triggered: X-Shopify-Triggered-At when it is sent and readable, else the payload's own time
 * of the event (covered by the HMAC, unlike the header). Whether that is inside the window.
 */
export function deliveryIsFresh(triggeredAt: string | undefined, eventTime: number, now: number): boolean {
  const header = triggeredAt ? Date.parse(triggeredAt) : NaN;
  const at = Number.isFinite(header) ? header : eventTime;
  return Number.isFinite(at) && at >= now - DELIVERY_MAX_AGE_MS && at <= now + DELIVERY_MAX_SKEW_MS;
}
