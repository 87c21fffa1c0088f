// Every ingestion path (pixel, tag, postback, network postbacks, Shopify) normalizes what it received into one
// ConversionInput here, once, at the boundary; inside, the values are trusted.
import { parseClickId } from './click-id.js';
import { checkCode, normalizeCode } from './codes.js';
import { isCurrency, parseAmount } from './money.js';
import { hasControlCharacter } from './text.js';

export interface RawConversion {
  order?: string;
  offer?: string;
  click?: string;
  amount?: string;
  currency?: string;
  code?: string;
  test?: string;
  /** Unix seconds or ISO 8601: when the order happened, if the sender says. */
  time?: string;
  /**
   * A subscription's renewal: the id of the subscription's first order, whose credit it follows (set by the Stripe
   * webhook for a renewal within the offer's recurring window; no public endpoint reads it from a request).
   */
  renewalOf?: string;
}

export interface ConversionInput {
  orderId: string;
  offerId: string | null;
  /** A well-formed click id, or null. A malformed one is kept in `unusableClickId` to explain the decision. */
  clickId: string | null;
  unusableClickId: string | null;
  code: string | null;
  /** An amount without a currency takes the offer's currency later. */
  amount: { value: string; currency: string | null } | null;
  isTest: boolean;
  occurredAt: number;
  /** false: occurredAt is the time of receipt, the sender stated none (ADR 0011: it then counts only as a fallback). */
  timeGiven: boolean;
  /** The first order of the subscription this order renews (RawConversion.renewalOf). */
  renewalOf?: string | null;
}

export type InputProblem =
  | 'order_missing'
  | 'order_invalid'
  | 'offer_invalid'
  | 'amount_invalid'
  | 'amount_negative'
  | 'amount_too_precise'
  | 'amount_too_large'
  | 'currency_invalid'
  | 'time_invalid'
  | 'control_character';

export type Normalized = { ok: true; value: ConversionInput } | { ok: false; problem: InputProblem; field: string };

const ORDER_RE = /^[\x21-\x7e\u00a0-\uffff][\x20-\x7e\u00a0-\uffff]{0,199}$/;
/** Orders are not backdated by years nor dated ahead by more than a day: such a time is a sender bug. */
const MAX_AGE_MS = 400 * 86_400_000;

function blank(v: string | undefined): string | null {
  const t = v?.trim();
  return t ? t : null;
}

/** The first field carrying NUL or an unpaired surrogate (see core/text.ts): such an input is refused whole. */
export function controlCharacterField(raw: RawConversion): keyof RawConversion | null {
  for (const [field, value] of Object.entries(raw))
    if (typeof value === 'string' && hasControlCharacter(value)) return field as keyof RawConversion;
  return null;
}

export function normalizeConversion(raw: RawConversion, now: number): Normalized {
  const unreadable = controlCharacterField(raw);
  if (unreadable) return { ok: false, problem: 'control_character', field: unreadable };
  const orderId = blank(raw.order);
  if (!orderId) return { ok: false, problem: 'order_missing', field: 'order' };
  if (!ORDER_RE.test(orderId)) return { ok: false, problem: 'order_invalid', field: 'order' };
  const offerId = blank(raw.offer);
  if (offerId && !/^off_[0-9a-z]{26}$/.test(offerId)) return { ok: false, problem: 'offer_invalid', field: 'offer' };

  const currency = blank(raw.currency)?.toUpperCase() ?? null;
  if (currency && !isCurrency(currency)) return { ok: false, problem: 'currency_invalid', field: 'currency' };
  const amountText = blank(raw.amount);
  if (amountText) {
    // Validated now against the stated currency (or two decimals); re-parsed once the offer's currency is known.
    const parsed = parseAmount(amountText, currency ?? 'USD');
    if (!parsed.ok) return { ok: false, problem: parsed.error as InputProblem, field: 'amount' };
  }

  let occurredAt = now;
  const time = blank(raw.time);
  if (time) {
    const t = /^\d{9,11}$/.test(time) ? Number(time) * 1000 : Date.parse(time);
    if (!Number.isFinite(t) || t > now + 86_400_000 || t < now - MAX_AGE_MS)
      return { ok: false, problem: 'time_invalid', field: 'time' };
    occurredAt = t;
  }

  const renewalOf = blank(raw.renewalOf);
  if (renewalOf !== null && !ORDER_RE.test(renewalOf))
    return { ok: false, problem: 'order_invalid', field: 'renewalOf' };
  const click = blank(raw.click);
  const clickOk = click !== null && parseClickId(click) !== null;
  const code = blank(raw.code);
  return {
    ok: true,
    value: {
      orderId,
      offerId,
      clickId: clickOk ? click : null,
      unusableClickId: click !== null && !clickOk ? click.slice(0, 64) : null,
      // A code with characters no code can have is still kept (it explains "code not found").
      code: code ? (checkCode(code) === null ? normalizeCode(code) : normalizeCode(code).slice(0, 64)) : null,
      amount: amountText ? { value: amountText, currency } : null,
      isTest: /^(1|true|yes)$/i.test(raw.test ?? ''),
      occurredAt,
      timeGiven: time !== null,
      ...(renewalOf !== null ? { renewalOf } : {}),
    },
  };
}
