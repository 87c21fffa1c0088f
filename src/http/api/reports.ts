import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { runCoverage } from '../../app/coverage.js';
import { runReport, type ReportQuery } from '../../app/reports.js';
import { fail } from '../../core/result.js';
import { findWorkspace } from '../../db/workspaces.js';
import { sendProblem, sendResult } from '../errors.js';
import { exportFormat, exportResponse, formatQuery, sendExport } from '../export.js';
import { RATIO_DECIMALS, REACH_RATIO_DECIMALS, REPORT_COLUMNS, reportCells } from '../../core/report-metrics.js';
import { currencyExponent } from '../../core/money.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const tags = ['reports'];

export function reportRoutes(app: Api, ctx: AppContext): void {
  app.get(
    '/reports',
    {
      schema: {
        tags,
        summary: 'Metrics by offer, member, code, link, sub-id, day or week (SPEC §5), with totals',
        description:
          'Dates are local to the workspace zone or `tz`; day and week series list every bucket of the range, empty ones included.',
        querystring: c.ReportQuerySchema,
        response: { 200: c.ReportSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => {
      const ws = await findWorkspace(ctx.store.db, req.actor.workspaceId);
      if (!ws) return sendResult(reply, fail('not_found', 'Workspace not found.'));
      return sendResult(reply, await runReport(ctx, ws, req.query as c.ReportQuery as ReportQuery));
    },
  );

  app.get(
    '/reports/coverage',
    {
      schema: {
        tags,
        summary: 'Attribution coverage: how many orders came with click evidence, code evidence, both or neither',
        description:
          'By ingestion path, and per browser family (in-app browsers apart) the clicks made in it and the orders that came back with one of them: where click ids are lost. Real orders only; dates local to the workspace zone or `tz`.',
        querystring: c.CoverageQuerySchema,
        response: { 200: c.CoverageSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => {
      const ws = await findWorkspace(ctx.store.db, req.actor.workspaceId);
      if (!ws) return sendResult(reply, fail('not_found', 'Workspace not found.'));
      return sendResult(reply, await runCoverage(ctx, ws, req.query as c.CoverageQuery));
    },
  );

  app.get(
    '/reports/export',
    {
      schema: {
        tags,
        summary: 'The same report as CSV or XLSX: one line per row, then the totals',
        description: `Columns: ${['label', ...REPORT_COLUMNS].join(', ')}. Money in the workspace currency, rates as fractions (0.0125 = 1.25 %). Text starting with = + - @ tab or CR is prefixed with '.`,
        querystring: Type.Object({ format: formatQuery(), ...c.ReportQuerySchema.properties }),
        produces: [...exportResponse.produces],
        response: { 200: exportResponse.fileSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => {
      const { format: asked, ...query } = req.query as { format?: string } & ReportQuery;
      const format = exportFormat(asked);
      if (!format.ok) return sendProblem(reply, format.problem);
      const ws = await findWorkspace(ctx.store.db, req.actor.workspaceId);
      if (!ws) return sendResult(reply, fail('not_found', 'Workspace not found.'));
      const report = await runReport(ctx, ws, query);
      if (!report.ok) return sendProblem(reply, report.problem);
      const r = report.value;
      const money = currencyExponent(r.currency);
      const decimals: Record<string, number> = {
        sales: money,
        refunds: money,
        net_sales: money,
        aov: money,
        commission: money,
        epc: money,
        coded_revenue: money,
        link_revenue: money,
      };
      for (const c of REPORT_COLUMNS)
        if (c.startsWith('conversion_rate') || c.startsWith('redemption_rate') || c === 'coded_revenue_share')
          decimals[c] = RATIO_DECIMALS;
      decimals.redemption_rate_reach = REACH_RATIO_DECIMALS;
      const rows = [
        ...r.rows.map((row) => [row.label, ...reportCells(row, r.currency)]),
        ['Total', ...reportCells(r.totals, r.currency)],
      ];
      return sendExport(reply, format.value, {
        filename: `report-${r.groupBy}-${r.from}-${r.to}`,
        columns: ['label', ...REPORT_COLUMNS].map((name) =>
          decimals[name] !== undefined ? { name, decimals: decimals[name] } : name,
        ),
        rows,
      });
    },
  );
}
