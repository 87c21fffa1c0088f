// An order in one currency for an offer paid in another: the amount is converted once, at a rate the caller
// chose and records with the conversion, so the commission can be recomputed and audited later.
// Exact decimal arithmetic in BigInt: a float rate like 0.9213 is not representable, and 4990 × 0.9213 in
// doubles can land on the wrong side of a half.
import { currencyExponent, isCurrency } from './money.js';

export type FxError = 'rate_invalid' | 'rate_not_positive' | 'currency_invalid' | 'amount_invalid' | 'amount_too_large';

export type Converted = { ok: true; minor: number } | { ok: false; error: FxError };

/** Providers publish at most a dozen decimals; a longer string is garbage, not precision. */
const MAX_RATE_CHARS = 40;
const RATE_RE = /^(\d+)(?:\.(\d+))?$/;

/**
 * Converts minor units of `from` into minor units of `to`. `rate` is a plain decimal string: units of `to` per one
 * unit of `from` ("0.9213" for USD→EUR). Rounds half-up; a negative amount (a refund) rounds half away from zero,
 * so a refund converts to exactly minus its sale.
 */
export function convertMinor(amountMinor: number, from: string, to: string, rate: string): Converted {
  if (!isCurrency(from) || !isCurrency(to)) return { ok: false, error: 'currency_invalid' };
  if (!Number.isSafeInteger(amountMinor)) return { ok: false, error: 'amount_invalid' };
  const r = rate.trim();
  const m = r.length <= MAX_RATE_CHARS ? RATE_RE.exec(r) : null;
  if (!m) return { ok: false, error: 'rate_invalid' };
  const frac = m[2] ?? '';
  const rateScaled = BigInt(m[1]! + frac); // rate × 10^frac.length
  if (rateScaled === 0n) return { ok: false, error: 'rate_not_positive' };

  // minor_to = minor_from / 10^e_from × rate × 10^e_to
  const num = BigInt(Math.abs(amountMinor)) * rateScaled * 10n ** BigInt(currencyExponent(to));
  const den = 10n ** BigInt(currencyExponent(from) + frac.length);
  const magnitude = (2n * num + den) / (2n * den);
  if (magnitude > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, error: 'amount_too_large' };
  const minor = Number(magnitude);
  // No -0: it would print as "0" but compare oddly in Object.is and JSON round trips.
  return { ok: true, minor: amountMinor < 0 && minor !== 0 ? -minor : minor };
}
