import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import {
  changeCommission,
  getConversion,
  listCommissions,
  listConversions,
  listEvents,
} from '../../app/conversions.js';
import { CONVERSION_EXPORT_COLUMNS, conversionExportRows } from '../../app/conversion-export.js';
import { reviewConversion } from '../../app/conversion-review.js';
import { commissionReceipt } from '../../app/receipts.js';
import { sendProblem, sendResult } from '../errors.js';
import { exportFormat, exportResponse, formatQuery, sendExport } from '../export.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const tags = ['conversions'];

export function conversionRoutes(app: Api, ctx: AppContext): void {
  app.get(
    '/conversions',
    {
      schema: {
        tags,
        summary: 'List conversions, newest first',
        querystring: c.ConversionListQuerySchema,
        response: { 200: c.PageSchema(c.ConversionListItemSchema), ...c.errorResponses },
      },
    },
    async (req) => listConversions(ctx, req.actor, req.query),
  );

  app.get(
    '/conversions/export',
    {
      schema: {
        tags,
        summary: 'Export conversions (same filters as the list, newest first) as CSV or XLSX, streamed',
        description: `Columns: ${CONVERSION_EXPORT_COLUMNS.join(', ')}. Several credits of one order are listed in one cell, separated by "; ". Text starting with = + - @ tab or CR is prefixed with '.`,
        querystring: Type.Object({ format: formatQuery(), ...c.ConversionFilters }),
        produces: [...exportResponse.produces],
        response: { 200: exportResponse.fileSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => {
      const { format: asked, ...filter } = req.query;
      const format = exportFormat(asked);
      if (!format.ok) return sendProblem(reply, format.problem);
      const day = new Date(ctx.clock()).toISOString().slice(0, 10);
      return sendExport(reply, format.value, {
        filename: `conversions-${day}`,
        columns: CONVERSION_EXPORT_COLUMNS,
        rows: conversionExportRows(ctx, req.actor, filter),
      });
    },
  );

  app.get(
    '/conversions/:id',
    {
      schema: {
        tags,
        summary: 'One conversion with its decision, commissions, every event received for the order, and adjustments',
        params: c.ConversionIdParamSchema,
        response: { 200: c.ConversionDetailSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await getConversion(ctx, req.actor, req.params.id)),
  );

  app.get(
    '/conversion-events',
    {
      schema: {
        tags,
        summary: 'Events received, newest first; outcome=rejected lists what was refused and why',
        querystring: c.EventListQuerySchema,
        response: { 200: c.PageSchema(c.ConversionEventSchema), ...c.errorResponses },
      },
    },
    async (req) => listEvents(ctx, req.actor, req.query),
  );

  app.get(
    '/commissions',
    {
      schema: {
        tags,
        summary: 'List commissions, newest first',
        querystring: c.CommissionListQuerySchema,
        response: { 200: c.PageSchema(c.CommissionSchema), ...c.errorResponses },
      },
    },
    async (req) => listCommissions(ctx, req.actor, req.query as never),
  );

  app.get(
    '/commissions/:id/receipt',
    {
      schema: {
        tags,
        summary:
          'What made a commission: the events and their trust, the decision, the offer settings it used, every ledger entry',
        params: c.CommissionIdParamSchema,
        response: { 200: c.CommissionReceiptSchema, ...c.errorResponses },
      },
    },
    async (req, reply) =>
      sendResult(reply, await commissionReceipt(ctx.store.db, req.actor.workspaceId, req.params.id)),
  );

  app.post(
    '/conversions/:id/verify',
    {
      schema: {
        tags,
        summary:
          'Approve (credit) or reject an order held for review because only the browser reported it (recorded with who, when and why)',
        params: c.ConversionIdParamSchema,
        body: c.ConversionReviewSchema,
        response: { 200: c.ConversionSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await reviewConversion(ctx, req.actor, req.params.id, req.body)),
  );

  for (const action of c.COMMISSION_ACTIONS) {
    app.post(
      `/commissions/:id/${action}`,
      {
        schema: {
          tags,
          summary:
            {
              approve: 'Approve a pending commission before its hold ends',
              reverse: 'Reverse a commission',
              adjust: 'Set a new amount on a pending or approved commission',
            }[action] + ' (recorded with who, when and why)',
          params: c.CommissionIdParamSchema,
          body: c.commissionActionBody(action),
          response: { 200: c.CommissionSchema, ...c.errorResponses },
        },
      },
      async (req, reply) =>
        sendResult(
          reply,
          await changeCommission(ctx, req.actor, req.params.id, { action, ...(req.body as c.CommissionActionBody) }),
        ),
    );
  }
}
