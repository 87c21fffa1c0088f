// SPEC §4 "the ledger rules": every change to a commission's amount or status is an entry appended by a plan from
// here, and a commission's amount is the sum of its entries. Pure: the caller loads the state, appends what a plan
// returns and caches the result on the commission row (docs/adr/0011-commission-ledger.md).
//
// Ingestion plans compute what each commission should be from the order's facts as a whole (the decision's accrued
// amount, every refund so far as one total, the cancellation) and append the difference, so the same set of events
// ends in the same amounts whatever order they arrive in. A person's actions are re-applied on top: an adjustment's
// delta stays, a reversal is final against ingestion.
import { transition, type CommissionStatus } from './commission.js';

export type { CommissionStatus };

export type EntryKind =
  'opening' | 'accrual' | 'redecision' | 'refund' | 'reversal' | 'adjustment' | 'approval' | 'payout' | 'clawback';

/** One commission as the ledger knows it. */
export interface LedgerCommission {
  /** The balance: the sum of the entries so far. */
  amountMinor: number;
  status: CommissionStatus;
  /** The commission on the whole sale under the current decision, before refunds. */
  accruedMinor: number;
  /** The sum of people's adjustments, re-applied on top of every recomputation. */
  adjustedMinor: number;
  /** A person approved early, adjusted or reversed it: the decision is final against ingestion. */
  adminTouched: boolean;
  /** false once a re-decision moved the credit away (reversed, and revived if a later re-decision credits it again). */
  inDecision: boolean;
}

/** The order's money facts: refunds are one total, so two partial refunds give the same cents in either order. */
export interface OrderMoney {
  /** The sale in the order's currency; null while no event has said. */
  saleMinor: number | null;
  /** Every refund received, summed (not capped: the cap is the sale, applied here). */
  refundedMinor: number;
  fullyRefunded: boolean;
  cancelled: boolean;
}

export interface PlannedEntry {
  kind: EntryKind;
  deltaMinor: number;
  statusAfter: CommissionStatus;
  reason: string;
}

export type Refusal = { ok: false; reason: 'commission_final' | 'not_approved' | 'not_pending'; message: string };

/** Whether the order is over as far as money goes: every credit reversed, with nothing left to pay. */
export function orderIsWhollyRefunded(money: OrderMoney): boolean {
  if (money.cancelled || money.fullyRefunded) return true;
  if (money.refundedMinor <= 0) return false;
  // A lead (no sale) keeps its commission until refunded at all.
  return money.saleMinor === null || money.refundedMinor >= money.saleMinor;
}

/**
 * What the order has had refunded: the sum of partial refunds, or — once refunded in full or cancelled — the sale
 * itself (the partial sum while no sale is known), so the total does not depend on whether a partial refund came
 * before or after the full one.
 */
export function refundedTotal(full: boolean, partialSum: number, saleMinor: number | null): number {
  return full ? (saleMinor ?? partialSum) : partialSum;
}

/** floor(num / den + 1/2) for num >= 0, den > 0. */
function divHalfUp(num: bigint, den: bigint): bigint {
  return (2n * num + den) / (2n * den);
}

/**
 * What the system part of a commission comes to after the order's refunds: in proportion to the part of the sale
 * still kept, rounded half-up once from the accrued amount (never step by step), 0 when the order is wholly refunded.
 */
export function keptCommission(accruedMinor: number, money: OrderMoney): number {
  if (orderIsWhollyRefunded(money)) return 0;
  if (money.refundedMinor <= 0 || money.saleMinor === null || money.saleMinor === 0) return accruedMinor;
  const kept = BigInt(money.saleMinor - money.refundedMinor);
  return Number(divHalfUp(BigInt(accruedMinor) * kept, BigInt(money.saleMinor)));
}

/**
 * The entries that bring one commission to what the order's facts say it should be now. A reversed commission stays
 * reversed (a refund, a cancellation or a person reversed it; a re-decision revives only through planOrder), a paid
 * one stays paid and only loses money (clawback), and nothing goes below 0.
 */
export function settle(
  c: LedgerCommission,
  money: OrderMoney,
  why: { refund: string; reversal: string },
): PlannedEntry[] {
  if (c.status === 'reversed' || !c.inDecision) return [];
  const whole = orderIsWhollyRefunded(money);
  const target = whole ? 0 : Math.max(0, keptCommission(c.accruedMinor, money) + c.adjustedMinor);
  if (c.status === 'paid') {
    // Money already sent is not edited: the shortfall is recorded for the next payout to claw back.
    return target < c.amountMinor
      ? [
          {
            kind: 'clawback',
            deltaMinor: target - c.amountMinor,
            statusAfter: 'paid',
            reason: whole ? why.reversal : why.refund,
          },
        ]
      : [];
  }
  if (whole) return [{ kind: 'reversal', deltaMinor: -c.amountMinor, statusAfter: 'reversed', reason: why.reversal }];
  if (target === c.amountMinor) return [];
  return [{ kind: 'refund', deltaMinor: target - c.amountMinor, statusAfter: c.status, reason: why.refund }];
}

/**
 * A re-decision may change the credit only while no credited commission is approved, paid or touched by a person
 * (SPEC §4). A commission reversed by a refund or a cancellation does not stop it: refunds and cancellations are
 * re-applied on top of any re-decision, so the outcome does not depend on whether they came first.
 */
export function mayRedecide(commissions: Iterable<LedgerCommission>): boolean {
  for (const c of commissions) {
    if (!c.inDecision) continue;
    if (c.adminTouched || c.status === 'approved' || c.status === 'paid') return false;
  }
  return true;
}

export interface OrderPlan<K> {
  /** false: the decision is final; `decided` was not applied (refunds and cancellations still were). */
  redecided: boolean;
  /** Per commission whose state changes (existing, by key; new, `isNew`): entries to append and the state after them. */
  changes: { key: K; isNew: boolean; entries: PlannedEntry[]; after: LedgerCommission }[];
}

const sameState = (a: LedgerCommission, b: LedgerCommission) =>
  a.amountMinor === b.amountMinor &&
  a.status === b.status &&
  a.accruedMinor === b.accruedMinor &&
  a.adjustedMinor === b.adjustedMinor &&
  a.adminTouched === b.adminTouched &&
  a.inDecision === b.inDecision;

/**
 * One order's ingestion: a new decision (`decided`: the accrued commission per credited key, or null when only the
 * money changed) and the order's money, against the commissions it has. A first credit is an accrual (then the
 * order's refunds are settled on it), a changed or revived credit one re-decision entry to where the facts put it, a
 * credit moved away a reversal by re-decision. Applies the decision only while mayRedecide().
 */
export function planOrder<K>(
  existing: Map<K, LedgerCommission>,
  decided: Map<K, number> | null,
  money: OrderMoney,
): OrderPlan<K> {
  const why = {
    refund: 'The order was partly refunded.',
    reversal: money.cancelled ? 'The order was cancelled.' : 'The order was refunded in full.',
  };
  const redecided = decided !== null && mayRedecide(existing.values());
  const changes: OrderPlan<K>['changes'] = [];
  const apply = (c: LedgerCommission, e: PlannedEntry): LedgerCommission => ({
    ...c,
    amountMinor: c.amountMinor + e.deltaMinor,
    status: e.statusAfter,
  });

  if (redecided) {
    const whole = orderIsWhollyRefunded(money);
    for (const [key, accrued] of decided) {
      const before = existing.get(key);
      if (!before) {
        const e: PlannedEntry = {
          kind: 'accrual',
          deltaMinor: accrued,
          statusAfter: 'pending',
          reason: 'Conversion credited.',
        };
        let c = apply(
          {
            amountMinor: 0,
            status: 'pending',
            accruedMinor: accrued,
            adjustedMinor: 0,
            adminTouched: false,
            inDecision: true,
          },
          e,
        );
        const entries = [e, ...settle(c, money, why)];
        for (const x of entries.slice(1)) c = apply(c, x);
        changes.push({ key, isNew: true, entries, after: c });
        continue;
      }
      // Pending, or reversed by a refund, a cancellation or an earlier re-decision: brought straight to where the
      // facts put it now, in one entry, so a cancelled order does not flap through pending on every later event.
      const target = whole ? 0 : Math.max(0, keptCommission(accrued, money) + before.adjustedMinor);
      const status: CommissionStatus = whole ? 'reversed' : 'pending';
      const after: LedgerCommission = {
        ...before,
        accruedMinor: accrued,
        inDecision: true,
        amountMinor: target,
        status,
      };
      if (sameState(before, after)) continue;
      const entries: PlannedEntry[] = [];
      if (target !== before.amountMinor || status !== before.status) {
        const redecision = before.accruedMinor !== accrued || !before.inDecision;
        const kind: EntryKind = redecision ? 'redecision' : whole ? 'reversal' : 'refund';
        const reason = redecision
          ? 'A later event for the order changed the commission.'
          : whole
            ? why.reversal
            : why.refund;
        entries.push({ kind, deltaMinor: target - before.amountMinor, statusAfter: status, reason });
      }
      changes.push({ key, isNew: false, entries, after });
    }
    for (const [key, before] of existing) {
      if (decided.has(key) || !before.inDecision) continue;
      const entries: PlannedEntry[] =
        before.amountMinor !== 0 || before.status !== 'reversed'
          ? [
              {
                kind: 'redecision',
                deltaMinor: -before.amountMinor,
                statusAfter: 'reversed',
                reason: 'A later event for the order changed who gets the credit.',
              },
            ]
          : [];
      changes.push({
        key,
        isNew: false,
        entries,
        after: { ...before, amountMinor: 0, status: 'reversed', inDecision: false },
      });
    }
    return { redecided, changes };
  }

  for (const [key, before] of existing) {
    let c = before;
    const entries = settle(c, money, why);
    for (const e of entries) c = apply(c, e);
    if (entries.length) changes.push({ key, isNew: false, entries, after: c });
  }
  return { redecided, changes };
}

/** A person sets a new amount; kept on top of every later recomputation. Paid and reversed commissions are final. */
export function planAdjust(
  c: LedgerCommission,
  newAmountMinor: number,
  reason: string,
): { ok: true; entry: PlannedEntry; after: LedgerCommission } | Refusal {
  if (c.status === 'paid' || c.status === 'reversed') {
    return {
      ok: false,
      reason: 'commission_final',
      message: `A ${c.status} commission cannot be changed; adjust the next payout instead.`,
    };
  }
  const delta = newAmountMinor - c.amountMinor;
  const entry: PlannedEntry = { kind: 'adjustment', deltaMinor: delta, statusAfter: c.status, reason };
  return {
    ok: true,
    entry,
    after: { ...c, amountMinor: newAmountMinor, adjustedMinor: c.adjustedMinor + delta, adminTouched: true },
  };
}

/** A person reverses (fraud, a returned order the shop never reported): final against ingestion. */
export function planReverse(
  c: LedgerCommission,
  reason: string,
): { ok: true; entry: PlannedEntry; after: LedgerCommission } | Refusal {
  const t = transition(c.status, 'reverse_manual');
  if (!t.ok)
    return {
      ok: false,
      reason: 'commission_final',
      message: `This commission cannot be reversed: ${t.reason.replace('_', ' ')}.`,
    };
  const entry: PlannedEntry = { kind: 'reversal', deltaMinor: -c.amountMinor, statusAfter: 'reversed', reason };
  return { ok: true, entry, after: { ...c, amountMinor: 0, status: 'reversed', adminTouched: true } };
}

/** Approval at the end of the hold (by the job) or early (by a person, which makes the decision final). */
export function planApprove(
  c: LedgerCommission,
  by: 'hold' | 'person',
  reason: string,
): { ok: true; entry: PlannedEntry; after: LedgerCommission } | Refusal {
  const t = transition(c.status, by === 'hold' ? 'hold_elapsed' : 'approve_early');
  if (!t.ok)
    return {
      ok: false,
      reason: 'commission_final',
      message: `This commission cannot be approved: ${t.reason.replace('_', ' ')}.`,
    };
  const entry: PlannedEntry = { kind: 'approval', deltaMinor: 0, statusAfter: 'approved', reason };
  return { ok: true, entry, after: { ...c, status: 'approved', adminTouched: c.adminTouched || by === 'person' } };
}

/** Into a payout batch: only approved commissions; the amount does not change, the status becomes final. */
export function planPayout(
  c: LedgerCommission,
  reason: string,
): { ok: true; entry: PlannedEntry; after: LedgerCommission } | Refusal {
  const t = transition(c.status, 'pay');
  if (!t.ok)
    return {
      ok: false,
      reason: 'not_approved',
      message: `Only approved commissions are paid: ${t.reason.replace('_', ' ')}.`,
    };
  return {
    ok: true,
    entry: { kind: 'payout', deltaMinor: 0, statusAfter: 'paid', reason },
    after: { ...c, status: 'paid' },
  };
}

export interface StoredEntry {
  kind: string;
  deltaMinor: number;
  amountBefore: number;
  amountAfter: number;
  statusBefore: string;
  statusAfter: string;
}

/**
 * `ledger verify` for one commission: its cached amount is the sum of its entries, its status the last entry's, each
 * entry continues the one before, and nothing but clawbacks follows a payout. Entries in the order they were appended.
 */
export function verifyEntries(
  commission: { amountMinor: number; status: string },
  entries: readonly StoredEntry[],
): string[] {
  const problems: string[] = [];
  if (!entries.length) return ['no entries'];
  let balance = 0;
  let status = entries[0]!.statusBefore;
  let paid = false;
  entries.forEach((e, i) => {
    if (e.amountBefore !== balance)
      problems.push(`entry ${i + 1} (${e.kind}) starts at ${e.amountBefore}, the balance was ${balance}`);
    if (e.amountAfter !== e.amountBefore + e.deltaMinor)
      problems.push(
        `entry ${i + 1} (${e.kind}) does not add up: ${e.amountBefore} + ${e.deltaMinor} ≠ ${e.amountAfter}`,
      );
    if (i > 0 && e.statusBefore !== status)
      problems.push(`entry ${i + 1} (${e.kind}) starts ${e.statusBefore}, the commission was ${status}`);
    if (paid && (e.kind !== 'clawback' || e.deltaMinor > 0))
      problems.push(`entry ${i + 1} (${e.kind}) after the payout`);
    if (e.statusAfter === 'paid') paid = true;
    balance += e.deltaMinor;
    status = e.statusAfter;
  });
  if (balance !== commission.amountMinor) problems.push(`amount ${commission.amountMinor} ≠ sum of entries ${balance}`);
  if (status !== commission.status) problems.push(`status ${commission.status} ≠ last entry's ${status}`);
  if (balance < 0) problems.push(`negative balance ${balance}`);
  return problems;
}
