import { Type, type Static } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { COMMISSION_STATUSES, REPORT_SORTS, runReport, type ReportQuery } from '../../app/reports.js';
import { fail } from '../../core/result.js';
import { findWorkspace } from '../../db/workspaces.js';
import { sendProblem, sendResult } from '../errors.js';
import { exportFormat, exportResponse, formatQuery, sendExport } from '../export.js';
import { RATIO_DECIMALS, REACH_RATIO_DECIMALS, REPORT_COLUMNS, reportCells } from '../../core/report-metrics.js';
import { currencyExponent } from '../../core/money.js';
import * as s from '../schemas.js';
import type { Api } from './types.js';

const Ratio = Type.Union([Type.String({ pattern: '^\\d+\\.\\d{4}$' }), Type.Null()], { description: 'A ratio to 4 decimals ("0.0125" = 1.25 %), null when its denominator is 0 or unknown' });
const ReachRatio = Type.Union([Type.String({ pattern: '^\\d+\\.\\d{8}$' }), Type.Null()], { description: 'Redemptions per follower to 8 decimals ("0.00037500" = 0.0375 %), null when reach is unknown or 0' });
const MinorOrNull = Type.Union([Type.Integer(), Type.Null()]);

const Metrics = {
  clicks: Type.Integer({ description: 'Tracked, non-bot clicks' }),
  uniqueClicks: Type.Integer(),
  conversions: Type.Integer({ description: 'Orders (or, by member/code/link, credits: a split order counts for each party)' }),
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

const ReportRowSchema = Type.Object({ key: Type.String(), label: Type.String(), ...Metrics });

const ReportSchema = Type.Object({
  groupBy: Type.String(), from: Type.String(), to: Type.String(), timezone: Type.String(), currency: Type.String(),
  source: Type.Union([Type.Literal('rollups'), Type.Literal('raw')]),
  conversionsCount: Type.Union([Type.Literal('credits'), Type.Literal('orders')]),
  rows: Type.Array(ReportRowSchema),
  totals: Type.Object({ key: Type.String(), ...Metrics }),
  unconverted: Type.Integer({ description: 'Credit lines left out of money totals for want of an exchange rate' }),
});

const Date = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'A local date, YYYY-MM-DD' });

export const ReportQuerySchema = Type.Object({
  groupBy: Type.Optional(Type.Union(['offer', 'member', 'code', 'link', 'sub_id', 'day', 'week'].map((v) => Type.Literal(v)), { default: 'day' })),
  from: Type.Optional(Date), to: Type.Optional(Date),
  tz: Type.Optional(Type.String({ maxLength: 64, description: "An IANA zone; default: the workspace's" })),
  offerId: Type.Optional(s.ids.offer), memberId: Type.Optional(s.ids.member),
  codeId: Type.Optional(s.ids.code), linkId: Type.Optional(s.ids.link),
  status: Type.Optional(Type.Union(COMMISSION_STATUSES.map((v) => Type.Literal(v)), { description: 'Only conversions whose credited commission has this status' })),
  sort: Type.Optional(Type.Union(REPORT_SORTS.map((v) => Type.Literal(v)))),
  order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  source: Type.Optional(Type.Union([Type.Literal('auto'), Type.Literal('rollups'), Type.Literal('raw')], { description: 'auto (default): rollups when they can answer, else the raw rows' })),
});

const tags = ['reports'];

export function reportRoutes(app: Api, ctx: AppContext): void {
  app.get('/reports', {
    schema: {
      tags,
      summary: 'Metrics by offer, member, code, link, sub-id, day or week (SPEC §5), with totals',
      description: 'Dates are local to the workspace zone or `tz`; day and week series list every bucket of the range, empty ones included.',
      querystring: ReportQuerySchema,
      response: { 200: ReportSchema, ...s.errorResponses },
    },
  }, async (req, reply) => {
    const ws = await findWorkspace(ctx.store.db, req.actor.workspaceId);
    if (!ws) return sendResult(reply, fail('not_found', 'Workspace not found.'));
    return sendResult(reply, await runReport(ctx, ws, req.query as Static<typeof ReportQuerySchema> as ReportQuery));
  });

  app.get('/reports/export', {
    schema: {
      tags,
      summary: 'The same report as CSV or XLSX: one line per row, then the totals',
      description: `Columns: ${['label', ...REPORT_COLUMNS].join(', ')}. Money in the workspace currency, rates as fractions (0.0125 = 1.25 %). Text starting with = + - @ tab or CR is prefixed with '.`,
      querystring: Type.Object({ format: formatQuery(), ...ReportQuerySchema.properties }),
      produces: [...exportResponse.produces], response: { 200: exportResponse.fileSchema, ...s.errorResponses },
    },
  }, async (req, reply) => {
    const { format: asked, ...query } = req.query as { format?: string } & ReportQuery;
    const format = exportFormat(asked);
    if (!format.ok) return sendProblem(reply, format.problem);
    const ws = await findWorkspace(ctx.store.db, req.actor.workspaceId);
    if (!ws) return sendResult(reply, fail('not_found', 'Workspace not found.'));
    const report = await runReport(ctx, ws, query);
    if (!report.ok) return sendProblem(reply, report.problem);
    const r = report.value;
    const money = currencyExponent(r.currency);
    const decimals: Record<string, number> = { sales: money, refunds: money, net_sales: money, aov: money, commission: money, epc: money, coded_revenue: money, link_revenue: money };
    for (const c of REPORT_COLUMNS) if (c.startsWith('conversion_rate') || c.startsWith('redemption_rate') || c === 'coded_revenue_share') decimals[c] = RATIO_DECIMALS;
    decimals.redemption_rate_reach = REACH_RATIO_DECIMALS;
    const rows = [
      ...r.rows.map((row) => [row.label, ...reportCells(row, r.currency)]),
      ['Total', ...reportCells(r.totals, r.currency)],
    ];
    return sendExport(reply, format.value, {
      filename: `report-${r.groupBy}-${r.from}-${r.to}`,
      columns: ['label', ...REPORT_COLUMNS].map((name) => (decimals[name] !== undefined ? { name, decimals: decimals[name] } : name)),
      rows,
    });
  });
}
