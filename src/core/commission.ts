// SPEC §1 payout options and §4 commission lifecycle, in integer minor units.
// Products of a sale (up to 10^12 minor units for 4-decimal currencies) and two basis-point factors exceed 2^53,
// so every multiply-then-divide runs in BigInt and rounds once, at the end.
import { FULL_SHARE_BPS } from './attribution.js';

export interface PayoutTier {
  /** The n-th approved conversion of the member on the offer in the calendar month, from which this value applies. */
  fromConversion: number;
  value: number;
}

export interface Payout {
  type: 'percent' | 'fixed';
  /** Basis points of the sale for percent; minor units of the offer's currency for fixed. */
  value: number;
  tiers: PayoutTier[];
}

export interface CommissionInput {
  payout: Payout;
  saleMinor: number;
  /** The credit's share of the order (attribution), 0..10000. */
  shareBps: number;
  /** 1 for the member's first approved conversion on the offer this month (see monthKey). */
  conversionNumberInMonth: number;
}

export interface Commission {
  amountMinor: number;
  /** The payout value used: the base value or the tier's. */
  rateApplied: number;
  /** The tier that applied, or null for the base value. */
  tierFromConversion: number | null;
}

function assertCount(name: string, n: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(n) || n < 0 || n > max)
    throw new RangeError(`${name} must be an integer in 0..${max}: ${n}`);
}

/** floor(num / den + 1/2) for num >= 0, den > 0: half-up, like applyBasisPoints. */
function divHalfUp(num: bigint, den: bigint): bigint {
  return (2n * num + den) / (2n * den);
}

/**
 * The commission of one credit. Percent: value% of the credited share of the sale; fixed: the fixed amount times
 * the share (a split lead pays each half). Rounded half-up once, so a percent of at most 100 % never exceeds the
 * credited share of the sale. Tiers: the highest fromConversion <= n wins; on equal fromConversion the first listed.
 */
export function commissionFor(input: CommissionInput): Commission {
  const { payout, saleMinor, shareBps, conversionNumberInMonth: n } = input;
  assertCount('saleMinor', saleMinor);
  assertCount('shareBps', shareBps, FULL_SHARE_BPS);
  assertCount('conversionNumberInMonth', n);
  let rate = payout.value;
  let tierFromConversion: number | null = null;
  for (const t of payout.tiers) {
    if (t.fromConversion <= n && (tierFromConversion === null || t.fromConversion > tierFromConversion)) {
      rate = t.value;
      tierFromConversion = t.fromConversion;
    }
  }
  assertCount('payout value', rate);
  const amount =
    payout.type === 'percent'
      ? divHalfUp(BigInt(saleMinor) * BigInt(shareBps) * BigInt(rate), 100_000_000n)
      : divHalfUp(BigInt(rate) * BigInt(shareBps), 10_000n);
  return { amountMinor: Number(amount), rateApplied: rate, tierFromConversion };
}

/**
 * Splits an amount by shares so the parts sum to the total exactly: each part is floor(total × share / 10000);
 * the minor units left over go one each to the parts with the largest remainders, ties to the earlier share.
 * Use it to split a sale before computing each credit's commission when the cents must add up.
 */
export function splitAmount(totalMinor: number, shares: number[]): number[] {
  assertCount('totalMinor', totalMinor);
  shares.forEach((s, i) => assertCount(`shares[${i}]`, s, FULL_SHARE_BPS));
  if (shares.reduce((a, b) => a + b, 0) !== FULL_SHARE_BPS)
    throw new RangeError(`shares must sum to 10000: ${shares.join('+')}`);
  const total = BigInt(totalMinor);
  const parts = shares.map((s) => (total * BigInt(s)) / 10_000n);
  const remainders = shares.map((s, i) => ({ i, r: (total * BigInt(s)) % 10_000n }));
  let left = Number(total - parts.reduce((a, b) => a + b, 0n));
  // Stable sort: equal remainders keep share order, so ties go to the first share.
  remainders.sort((a, b) => (a.r === b.r ? 0 : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0) break;
    parts[i]! += 1n;
    left -= 1;
  }
  return parts.map(Number);
}

/**
 * The commission left after refunds: reduced in proportion to the part of the sale still kept, rounded half-up,
 * 0 once the whole sale is refunded (or more: over-refunds happen with shipping and fees). A sale of 0 (a lead)
 * keeps its commission until refunded at all.
 */
export function refundedCommission(
  originalCommissionMinor: number,
  saleMinor: number,
  refundedSoFarMinor: number,
): number {
  assertCount('originalCommissionMinor', originalCommissionMinor);
  assertCount('saleMinor', saleMinor);
  assertCount('refundedSoFarMinor', refundedSoFarMinor);
  if (refundedSoFarMinor === 0) return originalCommissionMinor;
  if (refundedSoFarMinor >= saleMinor) return 0;
  const kept = BigInt(saleMinor - refundedSoFarMinor);
  return Number(divHalfUp(BigInt(originalCommissionMinor) * kept, BigInt(saleMinor)));
}

const monthFormats = new Map<string, Intl.DateTimeFormat>();

/** "YYYY-MM" of the instant in the IANA zone: the calendar month volume tiers count in. Throws on an unknown zone. */
export function monthKey(ms: number, timeZone: string): string {
  let f = monthFormats.get(timeZone);
  if (!f) {
    // Gregorian calendar and Latin digits whatever the host locale; formatToParts avoids depending on the order.
    f = new Intl.DateTimeFormat('en-US-u-ca-gregory-nu-latn', { timeZone, year: 'numeric', month: '2-digit' });
    monthFormats.set(timeZone, f);
  }
  const parts = f.formatToParts(ms);
  const year = parts.find((p) => p.type === 'year')!.value;
  const month = parts.find((p) => p.type === 'month')!.value;
  return `${year.padStart(4, '0')}-${month}`;
}

export const COMMISSION_STATUSES = ['pending', 'approved', 'reversed', 'paid'] as const;
export type CommissionStatus = (typeof COMMISSION_STATUSES)[number];
export type CommissionEvent = 'hold_elapsed' | 'approve_early' | 'refund_full' | 'cancel' | 'pay' | 'reverse_manual';
/**
 * already_paid: money has left; the caller records a clawback adjustment against the next payout instead.
 * already_reversed: reversed is final (a reinstated sale is a new adjustment, not an undo).
 * already_approved: approving twice is a caller bug worth seeing, not a silent no-op.
 * not_approved: only approved commissions go into a payout batch.
 */
export type TransitionRefusal = 'already_paid' | 'already_reversed' | 'already_approved' | 'not_approved';
export type Transition = { ok: true; status: CommissionStatus } | { ok: false; reason: TransitionRefusal };

const to = (status: CommissionStatus): Transition => ({ ok: true, status });
const no = (reason: TransitionRefusal): Transition => ({ ok: false, reason });

// Partial refunds are not transitions: the amount shrinks (refundedCommission) and the status stays.
const TABLE: Record<CommissionStatus, Record<CommissionEvent, Transition>> = {
  pending: {
    hold_elapsed: to('approved'),
    approve_early: to('approved'),
    refund_full: to('reversed'),
    cancel: to('reversed'),
    pay: no('not_approved'),
    reverse_manual: to('reversed'),
  },
  approved: {
    hold_elapsed: no('already_approved'),
    approve_early: no('already_approved'),
    refund_full: to('reversed'),
    cancel: to('reversed'),
    pay: to('paid'),
    reverse_manual: to('reversed'),
  },
  reversed: {
    hold_elapsed: no('already_reversed'),
    approve_early: no('already_reversed'),
    refund_full: no('already_reversed'),
    cancel: no('already_reversed'),
    pay: no('already_reversed'),
    reverse_manual: no('already_reversed'),
  },
  paid: {
    hold_elapsed: no('already_paid'),
    approve_early: no('already_paid'),
    refund_full: no('already_paid'),
    cancel: no('already_paid'),
    pay: no('already_paid'),
    reverse_manual: no('already_paid'),
  },
};

export function transition(status: CommissionStatus, event: CommissionEvent): Transition {
  // A copy: the table is shared and callers may keep the result.
  return { ...TABLE[status][event] };
}
