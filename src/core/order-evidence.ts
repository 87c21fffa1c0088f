// SPEC §3: one order id is one conversion, whatever arrives. A pixel, a postback and a Shopify webhook for the
// same order each bring part of the story; this merges them into the evidence attribution decides on.
//
// "Fill in" means: a value missing so far is taken from the later event; a value already present is never
// replaced, even by a different one, because a later event rewriting a click or a code would let anyone who
// learns an order id steal its credit. A disagreement is reported as a conflict (the caller records it with the
// conversion) and the earlier value stays. Whether a merge may still change the decision (before approval) is
// the caller's rule, not this file's.
import { normalizeCode } from './codes.js';

export interface OrderEvidence {
  /** The offer the event named. */
  reportedOfferId: string | null;
  clickId: string | null;
  code: string | null;
  /** Amount and currency travel together: an amount without its currency means nothing. */
  amount: { minor: number; currency: string } | null;
  occurredAt: number;
}

export type EvidenceField = 'reportedOfferId' | 'clickId' | 'code' | 'amount';

export type EvidenceConflict = {
  [F in EvidenceField]: { field: F; kept: NonNullable<OrderEvidence[F]>; ignored: NonNullable<OrderEvidence[F]> };
}[EvidenceField];

export interface MergedEvidence {
  evidence: OrderEvidence;
  /** Fields that were missing and the later event supplied. */
  filled: EvidenceField[];
  conflicts: EvidenceConflict[];
  /** Anything that could change the attribution decision: a fill or an earlier occurredAt. */
  changed: boolean;
}

/** Blank strings are what an empty query parameter looks like; they are missing, not a value. */
function present(s: string | null): string | null {
  return s === null || s.trim() === '' ? null : s;
}

/**
 * Merges a later event into what is known of the order. occurredAt becomes the earlier of the two: the order
 * happened no later than any report of it, and late server-to-server postbacks are stamped when sent.
 */
export function mergeEvidence(previous: OrderEvidence, next: OrderEvidence): MergedEvidence {
  const filled: EvidenceField[] = [];
  const conflicts: EvidenceConflict[] = [];

  const text = (field: 'reportedOfferId' | 'clickId' | 'code', same: (a: string, b: string) => boolean): string | null => {
    const kept = present(previous[field]);
    const later = present(next[field]);
    if (kept === null) {
      if (later !== null) filled.push(field);
      return later;
    }
    if (later !== null && !same(kept, later)) conflicts.push({ field, kept, ignored: later });
    return kept;
  };
  const exact = (a: string, b: string) => a === b;
  const reportedOfferId = text('reportedOfferId', exact);
  const clickId = text('clickId', exact);
  // Codes are case-insensitive: "marie10" then "MARIE10" is one code, not a conflict.
  const code = text('code', (a, b) => normalizeCode(a) === normalizeCode(b));

  let amount = previous.amount;
  if (amount === null) {
    amount = next.amount;
    if (amount !== null) filled.push('amount');
  } else if (next.amount !== null && (next.amount.minor !== amount.minor || next.amount.currency !== amount.currency)) {
    conflicts.push({ field: 'amount', kept: amount, ignored: next.amount });
  }

  const occurredAt = Math.min(previous.occurredAt, next.occurredAt);
  return {
    evidence: { reportedOfferId, clickId, code, amount, occurredAt },
    filled,
    conflicts,
    changed: filled.length > 0 || occurredAt !== previous.occurredAt,
  };
}
