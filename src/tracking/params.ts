// The one vocabulary every conversion path is mapped to, and the small parsers the public endpoints share.
import type { RawConversion } from '../core/conversion-input.js';
import { parseJsonExact } from '../core/exact-json.js';

export type Params = Record<string, string | undefined>;

/** Aliases are the names networks, shops and the tag already send (TUNE's transaction_id, Everflow's coupon_code…). */
export function rawConversion(p: Params): RawConversion {
  return {
    order: p.order ?? p.order_id ?? p.orderId ?? p.adv_unique1,
    offer: p.offer ?? p.offer_id,
    click: p.click ?? p.tp_click ?? p.click_id ?? p.transaction_id,
    amount: p.amount ?? p.sale_amount,
    currency: p.currency,
    code: p.code ?? p.coupon ?? p.coupon_code,
    test: p.test,
    time: p.time,
  };
}

/** A repeated parameter (?secret=a&secret=b) arrives as an array: such a request means nothing, so only single values count. */
export function onlyStrings(query: unknown): Params {
  return Object.fromEntries(
    Object.entries((query ?? {}) as Record<string, unknown>).filter(([, v]) => typeof v === 'string'),
  ) as Params;
}

/** A JSON object's scalar members as strings (numbers and booleans as JSON writes them, long integers digit for digit); null when it is not one. */
export function jsonParams(body: string): Params | null {
  const parsed = parseJsonExact(body);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
  const out: Params = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}
