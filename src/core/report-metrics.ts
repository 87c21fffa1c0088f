// SPEC §5 report metrics. The store sums plain counts and minor units per group (offer, member, code, link, sub-id,
// day or week); every derived metric is computed here from those sums, so a totals row is derived from summed counts
// and never averages the rows' ratios. All money of one report is in one currency: callers convert (fx.ts) first.
// Money stays integer minor units; ratios are exact decimal strings, so nothing here depends on float rounding.
import { formatAmount } from './money.js';

export type ReportGroupBy = 'offer' | 'member' | 'code' | 'link' | 'sub_id' | 'day' | 'week';

/** What the store sums per group. */
export interface ReportAggregate {
  clicks: number;
  uniqueClicks: number;
  conversions: number;
  /** Conversions credited to no member (no click, no code): the program's blind spot. */
  unattributed: number;
  /** Gross sales of the group's conversions, before refunds. */
  salesMinor: number;
  /** Refunds dated in the group: a day's refunds may be for earlier sales, so net sales can be negative. */
  refundsMinor: number;
  /** Commission net of reversals: negative when clawbacks of earlier commissions outweigh new ones. */
  commissionMinor: number;
  /** Sales of orders that carried a promo code, and of orders that came from a link click only. */
  codedRevenueMinor: number;
  linkRevenueMinor: number;
  /** Orders that redeemed a code. */
  codeRedemptions: number;
  /** Audience the group reaches (followers) where the member told us; null when unknown. */
  reach: number | null;
}

/**
 * Ratios are decimal strings ("0.0125" = 1.25 %) to 4 places (redemptions per reach: 8), null when the denominator is
 * 0 (or reach is unknown).
 */
export interface ReportMetrics {
  netSalesMinor: number;
  /** Gross sales ÷ conversions, rounded half-up to the minor unit. */
  aovMinor: number | null;
  /** Commission ÷ clicks (earnings per click), rounded half away from zero to the minor unit. */
  epcMinor: number | null;
  /** Conversions ÷ clicks. Coded orders need no click, so it can exceed 1. */
  conversionRate: string | null;
  /** Code redemptions ÷ clicks, and ÷ reach (8 decimals: "0.00037500" = 0.0375 %). */
  redemptionRatePerClick: string | null;
  redemptionRatePerReach: string | null;
  /** Coded revenue ÷ (coded + link revenue): how much of the money the codes bring. */
  codedRevenueShare: string | null;
}

export interface ReportRow extends ReportAggregate, ReportMetrics {
  /** The group's id (offer, member, code, link id, sub-id) or its day/week key. */
  key: string;
}

const COUNTS = ['clicks', 'uniqueClicks', 'conversions', 'unattributed', 'codeRedemptions'] as const;
const NON_NEGATIVE_MONEY = ['salesMinor', 'refundsMinor', 'codedRevenueMinor', 'linkRevenueMinor'] as const;

const NON_NEGATIVE = [...COUNTS, ...NON_NEGATIVE_MONEY] as const;

function assertAggregate(a: ReportAggregate): void {
  for (const name of NON_NEGATIVE) {
    const v = a[name];
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer: ${v}`);
  }
  if (!Number.isSafeInteger(a.commissionMinor))
    throw new RangeError(`commissionMinor must be an integer: ${a.commissionMinor}`);
  if (a.reach !== null && (!Number.isSafeInteger(a.reach) || a.reach < 0)) {
    throw new RangeError(`reach must be a non-negative integer or null: ${a.reach}`);
  }
}

/** num ÷ den rounded to the nearest integer, halves away from zero; den > 0. BigInt: num × 10^4 may pass 2^53. */
function divRound(num: bigint, den: bigint): bigint {
  const sign = num < 0n ? -1n : 1n;
  const abs = num * sign;
  return sign * ((2n * abs + den) / (2n * den));
}

const EXACT = 2 ** 50;

/**
 * divRound for numbers, without BigInt where the operands are small enough for every step to be exact (a report has
 * thousands of rows and several ratios each). The float quotient can be one off next to an integer; the products
 * below correct it exactly, since they stay under 2^53.
 */
function divRoundNumber(num: number, den: number): number {
  const abs = Math.abs(num);
  if (abs >= EXACT || den >= EXACT) return Number(divRound(BigInt(num), BigInt(den)));
  const p = 2 * abs + den;
  const q = 2 * den;
  let k = Math.floor(p / q);
  if (k * q > p) k -= 1;
  else if ((k + 1) * q <= p) k += 1;
  return num < 0 ? 0 - k : k; // 0 - 0 is +0, as the BigInt path gives
}

function minorPer(num: number, den: number): number | null {
  return den === 0 ? null : divRoundNumber(num, den);
}

/**
 * Decimals of a ratio. Redemptions per follower are tiny (15 redemptions for 40,000 followers is 0.000375): at 4
 * decimals nearly every creator would read 0.0000, so that one ratio keeps 8 (3 significant digits up to ~1 M reach).
 */
export const RATIO_DECIMALS = 4;
export const REACH_RATIO_DECIMALS = 8;

/** "0.0125": num ÷ den to `decimals` places (4 unless told), rounded half-up; null for a zero denominator. */
export function ratio(num: number, den: number | null, decimals: number = RATIO_DECIMALS): string | null {
  if (den === null || den === 0) return null;
  if (!Number.isSafeInteger(num) || num < 0 || !Number.isSafeInteger(den) || den < 0) {
    throw new RangeError(`ratio of non-negative integers only: ${num} / ${den}`);
  }
  const scale = 10 ** decimals;
  if (num * scale < EXACT) {
    const scaled = divRoundNumber(num * scale, den);
    return `${Math.floor(scaled / scale)}.${String(scaled % scale).padStart(decimals, '0')}`;
  }
  const big = 10n ** BigInt(decimals);
  const scaled = divRound(BigInt(num) * big, BigInt(den));
  return `${scaled / big}.${String(scaled % big).padStart(decimals, '0')}`;
}

export function reportMetrics(a: ReportAggregate): ReportMetrics {
  assertAggregate(a);
  return {
    netSalesMinor: a.salesMinor - a.refundsMinor,
    aovMinor: minorPer(a.salesMinor, a.conversions),
    epcMinor: minorPer(a.commissionMinor, a.clicks),
    conversionRate: ratio(a.conversions, a.clicks),
    redemptionRatePerClick: ratio(a.codeRedemptions, a.clicks),
    redemptionRatePerReach: ratio(a.codeRedemptions, a.reach, REACH_RATIO_DECIMALS),
    codedRevenueShare: ratio(a.codedRevenueMinor, a.codedRevenueMinor + a.linkRevenueMinor),
  };
}

export function reportRow(key: string, a: ReportAggregate): ReportRow {
  const m = reportMetrics(a);
  // Spelled out: one object shape for every row (spreading two objects into a third costs more than the metrics).
  return {
    key,
    clicks: a.clicks,
    uniqueClicks: a.uniqueClicks,
    conversions: a.conversions,
    unattributed: a.unattributed,
    salesMinor: a.salesMinor,
    refundsMinor: a.refundsMinor,
    commissionMinor: a.commissionMinor,
    codedRevenueMinor: a.codedRevenueMinor,
    linkRevenueMinor: a.linkRevenueMinor,
    codeRedemptions: a.codeRedemptions,
    reach: a.reach,
    netSalesMinor: m.netSalesMinor,
    aovMinor: m.aovMinor,
    epcMinor: m.epcMinor,
    conversionRate: m.conversionRate,
    redemptionRatePerClick: m.redemptionRatePerClick,
    redemptionRatePerReach: m.redemptionRatePerReach,
    codedRevenueShare: m.codedRevenueShare,
  };
}

/**
 * The totals of several groups. Reach is an audience, not a count of events: summing it over days, or over two codes
 * of one member, counts the same followers again, so the caller says what the total's reach is (null: unknown).
 */
export function sumAggregates(groups: readonly ReportAggregate[], reach: number | null): ReportAggregate {
  const total: ReportAggregate = {
    clicks: 0,
    uniqueClicks: 0,
    conversions: 0,
    unattributed: 0,
    salesMinor: 0,
    refundsMinor: 0,
    commissionMinor: 0,
    codedRevenueMinor: 0,
    linkRevenueMinor: 0,
    codeRedemptions: 0,
    reach,
  };
  for (const g of groups) {
    assertAggregate(g);
    for (const name of [...COUNTS, ...NON_NEGATIVE_MONEY, 'commissionMinor'] as const) total[name] += g[name];
  }
  assertAggregate(total); // a sum past 2^53 is no longer exact
  return total;
}

/** Export columns, in order, matching reportCells. */
export const REPORT_COLUMNS = [
  'key',
  'clicks',
  'unique_clicks',
  'conversions',
  'conversion_rate',
  'sales',
  'refunds',
  'net_sales',
  'aov',
  'commission',
  'epc',
  'code_redemptions',
  'redemption_rate_clicks',
  'reach',
  'redemption_rate_reach',
  'coded_revenue',
  'link_revenue',
  'coded_revenue_share',
  'unattributed_conversions',
] as const;

/**
 * One export row. Money and ratios go out as numbers, not strings, so a spreadsheet sums them, and a negative net
 * sales or commission stays a number instead of being quoted as a would-be formula (see csv-stream.ts).
 * Number("12.50") is the double nearest 12.5, which prints back as "12.5": exact in value, only the padding is lost.
 */
export function reportCells(
  row: Omit<ReportRow, 'clicks' | 'uniqueClicks'> & { clicks: number | null; uniqueClicks: number | null },
  currency: string,
): (string | number | null)[] {
  const money = (minor: number | null) => (minor === null ? null : Number(formatAmount(minor, currency)));
  const rate = (r: string | null) => (r === null ? null : Number(r));
  return [
    row.key,
    row.clicks,
    row.uniqueClicks,
    row.conversions,
    rate(row.conversionRate),
    money(row.salesMinor),
    money(row.refundsMinor),
    money(row.netSalesMinor),
    money(row.aovMinor),
    money(row.commissionMinor),
    money(row.epcMinor),
    row.codeRedemptions,
    rate(row.redemptionRatePerClick),
    row.reach,
    rate(row.redemptionRatePerReach),
    money(row.codedRevenueMinor),
    money(row.linkRevenueMinor),
    rate(row.codedRevenueShare),
    row.unattributed,
  ];
}
