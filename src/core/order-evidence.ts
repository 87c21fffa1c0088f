// SPEC §3–§4: one order id is one conversion, whatever arrives. A pixel, a postback and a Shopify webhook for the
// same order each bring part of the story; the evidence attribution decides on is a function of the SET of those
// events, never of the order they arrived in (ADR 0011):
// - Trust: server evidence (a postback with the secret or a signature, TUNE/Everflow with the token, a verified
//   platform webhook) outranks browser evidence (pixel, t.js). An order with any server evidence is decided on its
//   server evidence alone, so a forged pixel can neither pre-empt nor amend what the brand's server says.
// - Fields: among the events of the deciding trust level, each field takes the value of the event with the earliest
//   order time that has one (ties: the smaller value). A disagreement is reported as a conflict.
// - Time: the earliest time a sender stated; when no sender stated one, when the order was first seen. A repeated
//   event without a time therefore adds nothing, on whichever instance it lands.
import { normalizeCode } from './codes.js';

export type Trust = 'server' | 'browser';

export interface OrderEvidence {
  /** The offer the event named. */
  reportedOfferId: string | null;
  clickId: string | null;
  code: string | null;
  /** Amount and currency travel together: an amount without its currency means nothing. */
  amount: { minor: number; currency: string } | null;
  occurredAt: number;
  /** A subscription's renewal: the first order whose credit it follows (absent on every other order). */
  renewalOf?: string | null;
}

/** What one event said, as stored with it. */
export interface EvidenceRecord extends OrderEvidence {
  /** false: occurredAt is when the event was received, not a time its sender stated. */
  timeGiven: boolean;
}

export interface EvidenceEvent {
  trust: Trust;
  evidence: EvidenceRecord;
}

export type EvidenceField = 'reportedOfferId' | 'clickId' | 'code' | 'amount' | 'renewalOf';

export interface EvidenceConflict {
  field: EvidenceField;
  kept: string;
  ignored: string;
}

export interface OrderFacts {
  /** null when no event brought evidence (a refund that arrived before its order). */
  trust: Trust | null;
  evidence: OrderEvidence;
  conflicts: EvidenceConflict[];
  /** Events of a lower trust level that the decision set aside. */
  outranked: number;
}

/** Blank strings are what an empty query parameter looks like; they are missing, not a value. */
function present(s: string | null): string | null {
  return s === null || s.trim() === '' ? null : s;
}

const amountText = (a: { minor: number; currency: string }) => `${a.minor} ${a.currency}`;

/** The evidence an order is decided on, from every event that brought some; `firstSeen`: when the order was first recorded. */
export function orderFacts(events: readonly EvidenceEvent[], firstSeen: number): OrderFacts {
  const trust: Trust | null = events.some((e) => e.trust === 'server') ? 'server' : events.length ? 'browser' : null;
  const deciding = events.filter((e) => e.trust === trust).map((e) => e.evidence);
  const stated = deciding.filter((e) => e.timeGiven);
  const occurredAt = stated.length ? Math.min(...stated.map((e) => e.occurredAt)) : firstSeen;
  const conflicts: EvidenceConflict[] = [];

  // Earliest order time first, then the smaller value: the same set gives the same pick in any arrival order.
  const pick = <T>(field: EvidenceField, value: (e: EvidenceRecord) => T | null, key: (v: T) => string): T | null => {
    const candidates = deciding
      .map((e) => ({ at: e.occurredAt, v: value(e) }))
      .filter((c): c is { at: number; v: T } => c.v !== null)
      .sort((a, b) => a.at - b.at || (key(a.v) < key(b.v) ? -1 : key(a.v) > key(b.v) ? 1 : 0));
    if (!candidates.length) return null;
    const kept = candidates[0]!.v;
    const seen = new Set([key(kept)]);
    for (const c of candidates) {
      const k = key(c.v);
      if (seen.has(k)) continue;
      seen.add(k);
      conflicts.push({ field, kept: key(kept), ignored: k });
    }
    return kept;
  };
  const same = (s: string) => s;
  const evidence: OrderEvidence = {
    reportedOfferId: pick('reportedOfferId', (e) => present(e.reportedOfferId), same),
    clickId: pick('clickId', (e) => present(e.clickId), same),
    // Codes are case-insensitive: "marie10" then "MARIE10" is one code, not a conflict.
    code: pick(
      'code',
      (e) => present(e.code),
      (c) => normalizeCode(c),
    ),
    amount: pick('amount', (e) => e.amount, amountText),
    occurredAt,
  };
  const renewalOf = pick('renewalOf', (e) => present(e.renewalOf ?? null), same);
  if (renewalOf !== null) evidence.renewalOf = renewalOf;
  return { trust, evidence, conflicts, outranked: events.length - deciding.length };
}

/** Whether two sets of facts would decide the same way: same trust, same evidence. */
export function sameFacts(a: OrderFacts, b: OrderFacts): boolean {
  const x = a.evidence;
  const y = b.evidence;
  return (
    a.trust === b.trust &&
    x.reportedOfferId === y.reportedOfferId &&
    x.clickId === y.clickId &&
    (x.code === null ? y.code === null : y.code !== null && normalizeCode(x.code) === normalizeCode(y.code)) &&
    (x.amount === null ? y.amount === null : y.amount !== null && amountText(x.amount) === amountText(y.amount)) &&
    (x.renewalOf ?? null) === (y.renewalOf ?? null) &&
    x.occurredAt === y.occurredAt
  );
}
