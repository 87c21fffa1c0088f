import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { listFxRates, setFxRate } from '../../app/fx-rates.js';
import {
  createPayoutBatch,
  getPayoutBatch,
  payoutBatchTable,
  listPayoutBatches,
  previewPayouts,
  setMinimumPayout,
} from '../../app/payouts.js';
import { sendProblem, sendResult } from '../errors.js';
import { exportFormat, exportResponse, formatQuery, sendExport } from '../export.js';
import * as c from '../../contract/index.js';
import type { Api } from './types.js';

const Batch = c.PayoutBatchSchema;
const BatchId = c.PayoutBatchIdSchema;
const tags = ['payouts'];
const { PAYOUT_FORMATS } = c;

export function payoutRoutes(app: Api, ctx: AppContext): void {
  app.get(
    '/payouts/preview',
    {
      schema: {
        tags,
        summary: "Who would be paid now: approved, unpaid commissions per member at or above the workspace's minimum",
        querystring: c.PayoutPreviewQuerySchema,
        response: { 200: c.PayoutPreviewSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await previewPayouts(ctx, req.actor, req.query.currency)),
  );

  app.post(
    '/payout-batches',
    {
      schema: {
        tags,
        summary: 'Create a payout batch and mark its commissions paid: everyone due, or the chosen memberIds',
        body: c.PayoutBatchCreateSchema,
        response: { 201: Batch, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await createPayoutBatch(ctx, req.actor, req.body), 201),
  );

  app.get(
    '/payout-batches',
    {
      schema: {
        tags,
        summary: 'Payout batches, newest first; memberId: the batches that paid that member, with their line',
        querystring: c.PayoutBatchListQuerySchema,
        response: { 200: c.PageSchema(Batch), ...c.errorResponses },
      },
    },
    async (req) => listPayoutBatches(ctx, req.actor, req.query),
  );

  app.get(
    '/payout-batches/:id',
    {
      schema: {
        tags,
        summary: 'One payout batch with a line per member',
        params: BatchId,
        response: { 200: Batch, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await getPayoutBatch(ctx, req.actor, req.params.id)),
  );

  app.get(
    '/payout-batches/:id/export',
    {
      schema: {
        tags,
        summary:
          'Export a batch, streamed: csv or xlsx (readable), or paypal (PayPal Payouts bulk CSV: email, amount, currency, reference, note; no header)',
        params: BatchId,
        querystring: Type.Object({ format: formatQuery(PAYOUT_FORMATS) }),
        produces: [...exportResponse.produces],
        response: { 200: exportResponse.fileSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => {
      const format = exportFormat(req.query.format, PAYOUT_FORMATS);
      if (!format.ok) return sendProblem(reply, format.problem);
      const table = await payoutBatchTable(
        ctx,
        req.actor,
        req.params.id,
        format.value === 'paypal' ? 'paypal' : 'sheet',
      );
      if (!table.ok) return sendProblem(reply, table.problem);
      const filename = format.value === 'paypal' ? `${req.params.id}-paypal` : req.params.id;
      return sendExport(reply, format.value === 'xlsx' ? 'xlsx' : 'csv', { filename, ...table.value });
    },
  );

  app.put(
    '/workspace/minimum-payout',
    {
      schema: {
        tags,
        summary: "Set the workspace's minimum payout (in its currency)",
        body: c.MinimumPayoutBodySchema,
        response: { 200: c.MinimumPayoutSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await setMinimumPayout(ctx, req.actor, req.body.amount)),
  );
}

export function fxRoutes(app: Api, ctx: AppContext): void {
  app.put(
    '/fx-rates',
    {
      schema: {
        tags: ['payouts'],
        summary:
          'Set the exchange rate used for orders in another currency than the offer (units of `to` per one `from`)',
        body: c.FxRateSetSchema,
        response: { 200: c.FxRateSchema, ...c.errorResponses },
      },
    },
    async (req, reply) => sendResult(reply, await setFxRate(ctx, req.actor, req.body)),
  );

  app.get(
    '/fx-rates',
    {
      schema: {
        tags: ['payouts'],
        summary: "The workspace's exchange rates",
        response: { 200: c.FxRateListSchema, ...c.errorResponses },
      },
    },
    async (req) => listFxRates(ctx, req.actor),
  );
}
