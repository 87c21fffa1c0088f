// What a WooCommerce order webhook says, and what Touchpoint does with it. WooCommerce's built-in webhooks (Settings →
// Advanced → Webhooks, "Order created" / "Order updated", API version 3) POST the order as its REST API shows it,
// signed with X-WC-Webhook-Signature (base64 HMAC-SHA256 of the body). The topic header is not signed, and both topics
// carry the whole order, so the order's own state decides: a paid order is recorded, each refund in `refunds[]`
// reduces it once, a refunded or cancelled order is reversed. Pure: the route verifies and parses, this reads.
import type { RawConversion } from './conversion-input.js';
import { sumDecimals } from './money.js';
import { fieldsProblem, isObject, isString, listOf, optional, type Check } from './payload-shape.js';

export interface WooOrder {
  id: number;
  number?: string;
  status: string;
  currency: string;
  total: string;
  date_created_gmt: string;
  date_modified_gmt?: string | null;
  date_paid_gmt?: string | null;
  coupon_lines: { code?: string | null }[];
  refunds?: { id: number; total: string }[];
  meta_data?: { key?: string | null; value?: unknown }[];
  line_items: unknown[];
}

/** The topics a brand subscribes; the ping sent when a webhook is saved carries no topic. */
export const WOOCOMMERCE_TOPICS: readonly string[] = ['order.created', 'order.updated'];

/** Paid: WooCommerce moves an order to processing (or straight to completed) once its payment is taken. */
const PAID = new Set(['processing', 'completed']);
/** Not paid yet: nothing to record until an update says it is; not an event we refuse. */
const UNPAID = new Set(['pending', 'on-hold', 'failed', 'checkout-draft', 'draft', 'auto-draft']);

/**
 * WooCommerce sends a failed delivery again only when someone asks it to, and its queue runs on the shop's own
 * traffic (WP-Cron): deliveries of a quiet shop can wait. A body whose last change is older than this is not acted on.
 */
export const WOO_DELIVERY_MAX_AGE_MS = 60 * 60_000;
const MAX_SKEW_MS = 60_000;

/** Dates as the REST API writes them in its *_gmt fields: UTC without a zone ("2026-12-07T09:41:05"). */
export function gmtTime(v: unknown): number {
  if (typeof v !== 'string' || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(v)) return NaN;
  return Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(v) ? v : `${v}Z`);
}

const isDecimal: Check = (v) => typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v);
const isGmt: Check = (v) => Number.isFinite(gmtTime(v));
const isId: Check = (v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

const ORDER_FIELDS: Record<string, Check> = {
  id: isId,
  status: isString,
  currency: (v) => typeof v === 'string' && /^[A-Za-z]{3}$/.test(v),
  total: isDecimal,
  date_created_gmt: isGmt,
  date_modified_gmt: optional(isGmt),
  date_paid_gmt: optional(isGmt),
  line_items: (v) => Array.isArray(v),
  coupon_lines: listOf({ code: optional(isString) }),
  refunds: optional(listOf({ id: isId, total: isDecimal })),
  meta_data: optional(listOf({ key: optional(isString) })),
};

export type WooShape = { ok: true; order: WooOrder; eventTime: number } | { ok: false; path: string; message: string };

/** The order a body is, when it has the shape of an order of the REST API (v3). */
export function readWooOrder(body: unknown): WooShape {
  if (!isObject(body)) return { ok: false, path: '', message: 'An order webhook body is a JSON object.' };
  const field = fieldsProblem(body, ORDER_FIELDS);
  if (field) {
    return {
      ok: false,
      path: field,
      message: `Not a WooCommerce order: ${field} is missing or not what WooCommerce sends.`,
    };
  }
  const order = body as unknown as WooOrder;
  return { ok: true, order, eventTime: gmtTime(order.date_modified_gmt ?? order.date_created_gmt) };
}

export function deliveryIsFresh(eventTime: number, now: number): boolean {
  return Number.isFinite(eventTime) && eventTime >= now - WOO_DELIVERY_MAX_AGE_MS && eventTime <= now + MAX_SKEW_MS;
}

const metaValue = (order: WooOrder, key: string): string | undefined => {
  const v = order.meta_data?.find((m) => m.key === key)?.value;
  return typeof v === 'string' && v ? v : undefined;
};

/**
 * The click id the order carries: a `tp_click` order meta (a theme or plugin may set it), else the landing page that
 * WooCommerce's order attribution recorded (`_wc_order_attribution_session_entry`, a URL carrying tp_click).
 */
export function wooClickId(order: WooOrder): string | undefined {
  const direct = metaValue(order, 'tp_click') ?? metaValue(order, '_tp_click');
  if (direct) return direct;
  const entry = metaValue(order, '_wc_order_attribution_session_entry');
  if (!entry) return undefined;
  try {
    return new URL(entry, 'https://shop.invalid').searchParams.get('tp_click') ?? undefined;
  } catch {
    return undefined;
  }
}

export function wooOrderToConversion(order: WooOrder): RawConversion {
  return {
    order: String(order.id),
    amount: order.total,
    currency: order.currency.toUpperCase(),
    code: order.coupon_lines.find((c) => c.code)?.code ?? undefined,
    click: wooClickId(order),
    time: new Date(gmtTime(order.date_paid_gmt ?? order.date_created_gmt)).toISOString(),
  };
}

/** What one delivery asks of the ledger, in order. */
export type WooAction =
  | { kind: 'record'; conversion: RawConversion }
  | { kind: 'refund'; amount: string; key: string }
  | { kind: 'full_refund'; key: string }
  | { kind: 'cancel'; key: string };

export type WooPlan = { actions: WooAction[] } | { waiting: string };

/**
 * The order's state as actions. A refund WooCommerce lists is applied once by its id however many updates repeat it;
 * a refunded or cancelled order is reversed once. An order not paid yet asks for nothing: its later update will.
 */
export function planWooOrder(order: WooOrder): WooPlan {
  const status = order.status.replace(/^wc-/, '');
  if (UNPAID.has(status)) return { waiting: status };
  // An unpaid order WooCommerce cancels (its hold on stock timed out) was never a sale.
  if (status === 'cancelled' && !order.date_paid_gmt) return { waiting: status };
  const actions: WooAction[] = [];
  if (PAID.has(status) || status === 'refunded') {
    actions.push({ kind: 'record', conversion: wooOrderToConversion(order) });
  }
  for (const r of order.refunds ?? []) {
    // The REST API lists a refund's total as negative ("-20.00").
    const amount = sumDecimals([r.total.replace(/^-/, '')]);
    if (amount !== null && !/^0+(\.0+)?$/.test(amount)) {
      actions.push({ kind: 'refund', amount, key: `woocommerce-refund-${r.id}` });
    }
  }
  if (status === 'refunded') actions.push({ kind: 'full_refund', key: 'woocommerce-status-refunded' });
  else if (status === 'cancelled') actions.push({ kind: 'cancel', key: 'woocommerce-status-cancelled' });
  else if (!PAID.has(status)) return { waiting: status };
  return { actions };
}
