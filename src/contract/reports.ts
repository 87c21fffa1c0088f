// Reports (SPEC §5): metrics by offer, member, code, link, sub-id, day or week, with totals.
import { Type, type Static } from '@sinclair/typebox';
import { ids, LocalDate, Nullable } from './common.js';
import { COMMISSION_STATUSES } from '../core/commission.js';
import { REPORT_SORTS } from '../core/report-rows.js';

export const REPORT_GROUPS = ['offer', 'member', 'code', 'link', 'sub_id', 'day', 'week'] as const;
export type ReportGroup = (typeof REPORT_GROUPS)[number];

export { REPORT_SORTS };

const Ratio = Type.Union([Type.String({ pattern: '^\\d+\\.\\d{4}$' }), Type.Null()], {
  description: 'A ratio to 4 decimals ("0.0125" = 1.25 %), null when its denominator is 0 or unknown',
});
const ReachRatio = Type.Union([Type.String({ pattern: '^\\d+\\.\\d{8}$' }), Type.Null()], {
  description: 'Redemptions per follower to 8 decimals ("0.00037500" = 0.0375 %), null when reach is unknown or 0',
});
const MinorOrNull = Type.Union([Type.Integer(), Type.Null()]);

const Metrics = {
  clicks: Type.Union([Type.Integer(), Type.Null()], {
    description:
      'Tracked, non-bot clicks; null in a row by code, and in every row and the totals of a report filtered by codeId (clicks belong to links; a code counts the orders that used it)',
  }),
  uniqueClicks: Type.Union([Type.Integer(), Type.Null()]),
  conversions: Type.Integer({
    description: 'Orders (or, by member/code/link, credits: a split order counts for each party)',
  }),
  unattributed: Type.Integer({ description: 'Conversions credited to nobody' }),
  salesMinor: Type.Integer({ description: 'Gross sales in minor units of the report currency' }),
  refundsMinor: Type.Integer(),
  netSalesMinor: Type.Integer(),
  aovMinor: MinorOrNull,
  commissionMinor: Type.Integer({ description: 'Commissions not reversed, at their current amount' }),
  epcMinor: MinorOrNull,
  conversionRate: Ratio,
  codeRedemptions: Type.Integer({ description: 'Orders credited through a promo code' }),
  redemptionRatePerClick: Ratio,
  reach: Type.Union([Type.Integer(), Type.Null()], { description: 'Followers, where the members told us' }),
  redemptionRatePerReach: ReachRatio,
  codedRevenueMinor: Type.Integer(),
  linkRevenueMinor: Type.Integer(),
  codedRevenueShare: Ratio,
};

export const ReportRowSchema = Type.Object({ key: Type.String(), label: Type.String(), ...Metrics });
export type ReportRow = Static<typeof ReportRowSchema>;
/** The measures of a row or of the totals, without the row's key and label. */
export type ReportMetrics = Omit<ReportRow, 'key' | 'label'>;

export const ReportSchema = Type.Object({
  groupBy: Type.String(),
  from: Type.String(),
  to: Type.String(),
  timezone: Type.String(),
  currency: Type.String(),
  source: Type.Union([Type.Literal('rollups'), Type.Literal('raw')]),
  conversionsCount: Type.Union([Type.Literal('credits'), Type.Literal('orders')]),
  rows: Type.Array(ReportRowSchema),
  totals: Type.Object({ key: Type.String(), ...Metrics }),
  unconverted: Type.Integer({ description: 'Credit lines left out of money totals for want of an exchange rate' }),
  subIdsCapped: Type.Boolean({
    description:
      'By sub-id from the rollups: a link had more distinct sub-ids than are kept per link (500), and its further values are summed in the row labelled "(other)" (key "\\u001f(other)"). False otherwise.',
  }),
  rawClicksFrom: Type.Union([Type.String(), Type.Null()], {
    description:
      'From raw rows (source "raw") when the range starts before the raw clicks kept (the installation\'s CLICK_RETENTION_MONTHS): the first local day (YYYY-MM-DD) whose clicks are all kept. Clicks, unique clicks and sub-ids before it are missing from the answer; conversions and money are complete. Null otherwise (the rollups keep every day).',
  }),
});
/** The report as answered; `groupBy` is always one of the groups asked for (the schema documents a string). */
export type Report = Omit<Static<typeof ReportSchema>, 'groupBy'> & { groupBy: ReportGroup };

export const ReportQuerySchema = Type.Object({
  groupBy: Type.Optional(
    Type.Union(
      REPORT_GROUPS.map((v) => Type.Literal(v)),
      { default: 'day' },
    ),
  ),
  from: Type.Optional(LocalDate),
  to: Type.Optional(LocalDate),
  tz: Type.Optional(Type.String({ maxLength: 64, description: "An IANA zone; default: the workspace's" })),
  offerId: Type.Optional(ids.offer),
  memberId: Type.Optional(ids.member),
  codeId: Type.Optional(ids.code),
  linkId: Type.Optional(ids.link),
  status: Type.Optional(
    Type.Union(
      COMMISSION_STATUSES.map((v) => Type.Literal(v)),
      { description: 'Only conversions whose credited commission has this status' },
    ),
  ),
  sort: Type.Optional(Type.Union(REPORT_SORTS.map((v) => Type.Literal(v)))),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  source: Type.Optional(
    Type.Union([Type.Literal('auto'), Type.Literal('rollups'), Type.Literal('raw')], {
      description: 'auto (default): rollups when they can answer, else the raw rows',
    }),
  ),
});
export type ReportQuery = Static<typeof ReportQuerySchema>;

// Attribution coverage (issue #17): the evidence a period's orders came with, by path and by browser.
const CoverageCounts = {
  orders: Type.Integer(),
  clickOnly: Type.Integer({ description: 'Orders with a recorded click and no promo code' }),
  codeOnly: Type.Integer({ description: 'Orders with a promo code and no recorded click' }),
  both: Type.Integer(),
  neither: Type.Integer({ description: 'Orders with no evidence: nobody could be credited' }),
  clickShare: Nullable(
    Type.String({ description: 'Orders with a click (alone or with a code) over all orders, e.g. "0.6667"' }),
  ),
};

export const CoverageQuerySchema = Type.Object({
  offerId: Type.Optional(ids.offer),
  from: Type.Optional(LocalDate),
  to: Type.Optional(LocalDate),
  tz: Type.Optional(Type.String({ maxLength: 64, description: "An IANA zone; default: the workspace's" })),
});

export const CoverageSchema = Type.Object({
  offerId: Nullable(Type.String()),
  from: Type.String(),
  to: Type.String(),
  timezone: Type.String(),
  totals: Type.Object(CoverageCounts),
  bySource: Type.Array(
    Type.Object({
      source: Type.String({ description: 'The path of the event that created the order (postback, shopify, tag…)' }),
      ...CoverageCounts,
    }),
  ),
  byBrowser: Type.Array(
    Type.Object({
      family: Type.String({ description: 'Browser family, or the app of an in-app browser ("Instagram in-app")' }),
      inApp: Type.Boolean(),
      clicks: Type.Integer({ description: "People's clicks made in it (bots left out)" }),
      orders: Type.Integer({ description: 'Orders that named one of those clicks' }),
      orderRate: Nullable(Type.String({ description: 'orders / clicks, e.g. "0.0125"' })),
    }),
  ),
});
export type AttributionCoverage = Static<typeof CoverageSchema>;
export type CoverageQuery = Static<typeof CoverageQuerySchema>;
