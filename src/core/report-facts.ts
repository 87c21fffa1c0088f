// What one conversion contributes to reports (SPEC §5), as "credit lines": one per member or offer the decision
// credited (a split order gives two), or one unattributed line. Rollups sum these lines per day; the raw report path
// sums the same lines over the raw rows. Pure: the caller loads the rows and supplies the exchange rates.
//
// Decisions (ADR 0006):
// - A conversion is reported on its order date (occurred_at), with everything that happened to it since: refunds
//   and reversals reduce the day the order was placed, the way affiliate networks report actions by event date.
// - Money is in the workspace currency. Sales and refunds are split between credits with splitAmount, so the lines
//   of one order add up to the order exactly; a line in a currency without a rate counts as `unconverted`, money 0.
// - `orders` is 1 on the first line of each order, `credits` on every line: totals by offer or day count an order
//   once, while by member, code or link each credited party counts it.
// - Commission counts every commission not reversed, at its current amount (partial refunds already reduce it).
// - Test conversions never reach reports, nor do orders a person rejected or refunds still waiting for their order;
//   an order held for review (unverified) counts as an order nobody is credited for yet.
import { splitAmount } from './commission.js';

export interface ReportConversion {
  status: 'credited' | 'unattributed' | 'unverified' | 'rejected' | 'awaiting_order';
  isTest: boolean;
  reportedOfferId: string | null;
  amountMinor: number | null;
  currency: string | null;
  refundedMinor: number;
  /** The stored decision: credits, and the link and code the evidence pointed to. */
  decision: {
    outcome?: string;
    credits?: { offerId: string; memberId: string | null; source: 'click' | 'code' | 'click+code'; shareBps: number }[];
    linkId?: string | null;
    codeId?: string | null;
  };
}

export interface ReportCommission {
  offerId: string;
  memberId: string;
  status: 'pending' | 'approved' | 'reversed' | 'paid';
  amountMinor: number;
  currency: string;
}

export interface CreditLine {
  offerId: string;
  memberId: string;
  linkId: string;
  codeId: string;
  /** The credited member's commission status, or 'none' (generic credit, unattributed, or no commission yet). */
  status: string;
  /**
   * The sub-id row the line landed in (rollup_conversions_sub: its click's sub1, or core/click-rollups SUB_ID_OTHER
   * past its link's cap); set on lines the rollups applied, absent ('') without a link or a click sub-id.
   */
  subId?: string;
  orders: number;
  credits: number;
  unattributed: number;
  salesMinor: number;
  refundsMinor: number;
  commissionMinor: number;
  codedRevenueMinor: number;
  linkRevenueMinor: number;
  codeRedemptions: number;
  /** Lines whose money could not be put in the workspace currency (no exchange rate). */
  unconverted: number;
}

/** Minor units of `from` in the workspace currency; null when no rate is known. */
export type ToWorkspaceCurrency = (minor: number, from: string) => number | null;

export function creditLines(
  c: ReportConversion,
  commissions: readonly ReportCommission[],
  convert: ToWorkspaceCurrency,
): CreditLine[] {
  if (c.isTest || c.status === 'rejected' || c.status === 'awaiting_order') return [];
  const sale = c.amountMinor !== null && c.currency ? convert(c.amountMinor, c.currency) : 0;
  const refund =
    c.refundedMinor > 0 && c.currency ? convert(Math.min(c.refundedMinor, c.amountMinor ?? 0), c.currency) : 0;
  const unconvertedMoney = sale === null || refund === null;
  const credits = c.status === 'credited' ? (c.decision.credits ?? []) : [];
  if (credits.length === 0) {
    return [
      {
        ...empty(),
        offerId: c.reportedOfferId ?? '',
        orders: 1,
        credits: 1,
        unattributed: 1,
        salesMinor: sale ?? 0,
        refundsMinor: unconvertedMoney ? 0 : (refund ?? 0),
        unconverted: unconvertedMoney ? 1 : 0,
      },
    ];
  }
  const shares = credits.map((cr) => cr.shareBps);
  const whole = shares.reduce((a, b) => a + b, 0) === 10_000;
  const sales = unconvertedMoney || !whole ? credits.map(() => 0) : splitAmount(sale!, shares);
  const refunds = unconvertedMoney || !whole ? credits.map(() => 0) : splitAmount(refund!, shares);
  return credits.map((cr, i) => {
    const viaCode = cr.source !== 'click';
    const viaClick = cr.source !== 'code';
    const commission = cr.memberId
      ? commissions.find((m) => m.memberId === cr.memberId && m.offerId === cr.offerId)
      : undefined;
    let commissionMinor = 0;
    let unconverted = unconvertedMoney ? 1 : 0;
    if (commission && commission.status !== 'reversed') {
      const converted = convert(commission.amountMinor, commission.currency);
      if (converted === null) unconverted = 1;
      else commissionMinor = converted;
    }
    return {
      offerId: cr.offerId,
      memberId: cr.memberId ?? '',
      linkId: viaClick ? (c.decision.linkId ?? '') : '',
      codeId: viaCode ? (c.decision.codeId ?? '') : '',
      status: commission?.status ?? 'none',
      orders: i === 0 ? 1 : 0,
      credits: 1,
      unattributed: 0,
      salesMinor: sales[i]!,
      refundsMinor: refunds[i]!,
      commissionMinor,
      codedRevenueMinor: viaCode ? sales[i]! : 0,
      linkRevenueMinor: viaCode ? 0 : sales[i]!,
      codeRedemptions: viaCode ? 1 : 0,
      unconverted,
    };
  });
}

function empty(): CreditLine {
  return {
    offerId: '',
    memberId: '',
    linkId: '',
    codeId: '',
    status: 'none',
    orders: 0,
    credits: 0,
    unattributed: 0,
    salesMinor: 0,
    refundsMinor: 0,
    commissionMinor: 0,
    codedRevenueMinor: 0,
    linkRevenueMinor: 0,
    codeRedemptions: 0,
    unconverted: 0,
  };
}

export const LINE_MEASURES = [
  'orders',
  'credits',
  'unattributed',
  'salesMinor',
  'refundsMinor',
  'commissionMinor',
  'codedRevenueMinor',
  'linkRevenueMinor',
  'codeRedemptions',
  'unconverted',
] as const;

export type LineMeasures = Pick<CreditLine, (typeof LINE_MEASURES)[number]>;

/** Lines with equal dimensions merged into one, summed: what a rollup day stores. */
export function mergeLines(lines: readonly CreditLine[]): CreditLine[] {
  const byKey = new Map<string, CreditLine>();
  for (const l of lines) {
    const key = `${l.offerId}|${l.memberId}|${l.linkId}|${l.codeId}|${l.status}`;
    const into = byKey.get(key);
    if (!into) byKey.set(key, { ...l });
    else for (const m of LINE_MEASURES) into[m] += l[m];
  }
  return [...byKey.values()];
}

/** One conversion's contribution to the rollups: the local day of its order and its merged credit lines. */
export interface DayLines {
  day: string;
  lines: readonly CreditLine[];
}

export interface RollupDelta extends CreditLine {
  day: string;
}

const lineKey = (day: string, l: CreditLine) => `${day}|${l.offerId}|${l.memberId}|${l.linkId}|${l.codeId}|${l.status}`;

/**
 * What to add to the conversion rollups when conversions' contributions change from `before` to `after` (null: none,
 * e.g. a new order, or one deleted or turned into a test): after − before, summed per day and line, with the lines
 * whose change is all zero left out. Adding the result to rollups that held the `before` lines leaves exactly what a
 * recomputation from the `after` state would hold.
 */
export function lineDeltas(changes: readonly { before: DayLines | null; after: DayLines | null }[]): RollupDelta[] {
  const byKey = new Map<string, RollupDelta>();
  const add = (dayLines: DayLines | null, sign: 1 | -1) => {
    if (!dayLines) return;
    for (const l of dayLines.lines) {
      const key = lineKey(dayLines.day, l);
      let into = byKey.get(key);
      if (!into) {
        into = {
          ...empty(),
          day: dayLines.day,
          offerId: l.offerId,
          memberId: l.memberId,
          linkId: l.linkId,
          codeId: l.codeId,
          status: l.status,
        };
        byKey.set(key, into);
      }
      for (const m of LINE_MEASURES) into[m] += sign * l[m];
    }
  };
  for (const c of changes) {
    add(c.before, -1);
    add(c.after, 1);
  }
  return [...byKey.values()].filter((d) => LINE_MEASURES.some((m) => d[m] !== 0));
}
