import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../app/context.js';
import { changeCommission, getConversion, listCommissions, listConversions, listEvents } from '../../app/conversions.js';
import { CONVERSION_EXPORT_COLUMNS, conversionExportRows } from '../../app/conversion-export.js';
import { reviewConversion } from '../../app/conversion-review.js';
import { commissionReceipt } from '../../app/receipts.js';
import { sendProblem, sendResult } from '../errors.js';
import { exportFormat, exportResponse, formatQuery, sendExport } from '../export.js';
import * as s from '../schemas.js';
import type { Api } from './types.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const Credit = Type.Object({ offerId: Type.String(), memberId: Nullable(Type.String()), source: Type.String(), shareBps: Type.Integer() });

const CONVERSION_STATUSES = ['credited', 'unattributed', 'unverified', 'rejected', 'awaiting_order'] as const;
const ConversionStatus = Type.Union(CONVERSION_STATUSES.map((v) => Type.Literal(v)), {
  description: 'unverified: only the browser reported it and it would credit a code without a click (or an amount over the offer limit): held for review; rejected: a person refused it; awaiting_order: a refund arrived before its order',
});

const Conversion = Type.Object({
  id: Type.String(), orderId: Type.String(), status: ConversionStatus,
  test: Type.Boolean(), occurredAt: Type.String(), reportedOfferId: Nullable(Type.String()), clickId: Nullable(Type.String()),
  code: Nullable(Type.String()), amount: Nullable(Type.String()), currency: Nullable(Type.String()), refunded: Type.String(),
  reasons: Type.Array(Type.String(), { description: 'Why the order was credited as it was, or not at all (click_outside_window, code_disabled, rule_split…)' }),
  credits: Type.Array(Credit),
  createdAt: Type.String(), updatedAt: Type.String(),
});

/** The list names each credit's member and offer (the detail keeps ids: its commissions name them the same way). */
const ConversionListItem = Type.Object({
  ...Conversion.properties,
  credits: Type.Array(Type.Object({
    ...Credit.properties,
    memberName: Nullable(Type.String({ description: 'null for a generic link or code, or a deleted member' })),
    offerName: Nullable(Type.String()),
  })),
});

const Commission = Type.Object({
  id: Type.String(), conversionId: Type.String(), offerId: Type.String(), memberId: Type.String(), payoutOptionId: Type.String(),
  source: Type.String(), sharePercent: Type.Number(), sale: Type.String(), amount: Type.String(), amountMinor: Type.Integer(),
  currency: Type.String(), status: Type.Union(['pending', 'approved', 'reversed', 'paid'].map((v) => Type.Literal(v))),
  approveAfter: Type.String(), approvedAt: Nullable(Type.String()), reversedAt: Nullable(Type.String()), paidAt: Nullable(Type.String()),
  createdAt: Type.String(),
});

const ConversionEvent = Type.Object({
  id: Type.String(), conversionId: Nullable(Type.String()), receivedAt: Type.String(), source: Type.String(), orderId: Nullable(Type.String()),
  test: Type.Boolean(), outcome: Type.String({ description: 'created | filled_in | duplicate | rejected' }),
  reason: Nullable(Type.String({ description: 'e.g. duplicate, bad_signature, amount_invalid, decision_final, outranked_by_server' })),
  trust: Type.Union([Type.Literal('server'), Type.Literal('browser'), Type.Null()], { description: 'SPEC §4: the trust level of the evidence the event brought; null for events that brought none (refunds, refusals)' }),
  detail: Type.Unknown(),
});

const ConversionDetail = Type.Intersect([
  Conversion,
  Type.Object({
    commissions: Type.Array(Commission),
    events: Type.Array(ConversionEvent),
    adjustments: Type.Array(Type.Object({
      id: Type.String(), commissionId: Type.String(), kind: Type.String(), amountBefore: Type.Integer(), amountAfter: Type.Integer(),
      statusBefore: Type.String(), statusAfter: Type.String(), reason: Type.String(), actor: Type.String(), at: Type.String(),
    })),
  }),
]);

const tags = ['conversions'];

const Money = Type.String({ description: 'Decimal amount in the currency' });
const Receipt = Type.Object({
  commission: Type.Object({ id: Type.String(), memberId: Type.String(), offerId: Type.String(), status: Type.String(), amount: Money, amountMinor: Type.Integer(), currency: Type.String() }),
  conversion: Type.Object({ id: Type.String(), orderId: Type.String(), status: Type.String(), occurredAt: Type.String(), amount: Nullable(Money), currency: Nullable(Type.String()), refunded: Money }),
  events: Type.Array(Type.Object({
    id: Type.String(), receivedAt: Type.String(), source: Type.String(), trust: Type.Union([Type.Literal('server'), Type.Literal('browser'), Type.Null()]),
    outcome: Type.String(), reason: Nullable(Type.String()),
    evidence: Type.Union([Type.Object({
      offerId: Nullable(Type.String()), clickId: Nullable(Type.String()), code: Nullable(Type.String()), amount: Nullable(Money),
      currency: Nullable(Type.String()), occurredAt: Type.String(),
    }), Type.Null()]),
  })),
  decision: Type.Object({
    outcome: Type.String(), reasons: Type.Array(Type.String()), credits: Type.Array(Credit), linkId: Nullable(Type.String()), codeId: Nullable(Type.String()),
    trust: Nullable(Type.String()),
  }),
  settings: Type.Union([Type.Object({
    offerId: Type.String(), offerName: Type.String(), attributionRule: Type.String(), cookieWindowDays: Type.Integer(), splitCodeSharePercent: Type.Number(),
    holdDays: Type.Integer(), browserCodeCredit: Type.Boolean(), version: Type.String({ description: 'When the offer settings the decision used were last changed' }),
    payout: Type.Union([Type.Object({
      title: Type.String(), type: Type.String(), value: Type.Integer({ description: 'Basis points (percent) or minor units (fixed)' }),
      tiers: Type.Array(Type.Object({ fromConversion: Type.Integer(), value: Type.Integer() })),
    }), Type.Null()]),
  }), Type.Null()]),
  entries: Type.Array(Type.Object({
    id: Type.String(), kind: Type.String({ description: 'accrual | redecision | refund | reversal | adjustment | approval | payout | clawback | opening (and earlier history)' }),
    amount: Money, amountMinor: Type.Integer({ description: 'The change to the commission' }), balance: Money, balanceMinor: Type.Integer(),
    statusAfter: Type.String(), actor: Type.String(), reason: Type.String(), at: Type.String(),
  })),
});
export { Receipt as CommissionReceipt };

const ConversionFilters = {
  status: Type.Optional(ConversionStatus),
  offerId: Type.Optional(s.ids.offer), memberId: Type.Optional(s.ids.member), code: Type.Optional(Type.String({ maxLength: 64 })),
  reason: Type.Optional(Type.String({ pattern: '^[a-z_]{2,40}$', description: 'A reason of the decision: click_outside_window, code_disabled, no_fx_rate, rule_split…' })),
  test: Type.Optional(Type.Boolean({ description: 'true: the tracking check (test=1 orders) instead of real ones' })),
  from: Type.Optional(Type.String({ format: 'date-time' })), to: Type.Optional(Type.String({ format: 'date-time' })),
};

export function conversionRoutes(app: Api, ctx: AppContext): void {
  app.get('/conversions', {
    schema: {
      tags, summary: 'List conversions, newest first',
      querystring: Type.Object({ ...s.PageQuery, ...ConversionFilters }),
      response: { 200: s.Page(ConversionListItem), ...s.errorResponses },
    },
  }, async (req) => listConversions(ctx, req.actor, req.query));

  app.get('/conversions/export', {
    schema: {
      tags, summary: 'Export conversions (same filters as the list, newest first) as CSV or XLSX, streamed',
      description: `Columns: ${CONVERSION_EXPORT_COLUMNS.join(', ')}. Several credits of one order are listed in one cell, separated by "; ". Text starting with = + - @ tab or CR is prefixed with '.`,
      querystring: Type.Object({ format: formatQuery(), ...ConversionFilters }),
      produces: [...exportResponse.produces], response: { 200: exportResponse.fileSchema, ...s.errorResponses },
    },
  }, async (req, reply) => {
    const { format: asked, ...filter } = req.query;
    const format = exportFormat(asked);
    if (!format.ok) return sendProblem(reply, format.problem);
    const day = new Date(ctx.clock()).toISOString().slice(0, 10);
    return sendExport(reply, format.value, {
      filename: `conversions-${day}`, columns: CONVERSION_EXPORT_COLUMNS, rows: conversionExportRows(ctx, req.actor, filter),
    });
  });

  app.get('/conversions/:id', {
    schema: {
      tags, summary: 'One conversion with its decision, commissions, every event received for the order, and adjustments',
      params: Type.Object({ id: Type.String({ pattern: '^cnv_[0-9a-z]{26}$' }) }), response: { 200: ConversionDetail, ...s.errorResponses },
    },
  }, async (req, reply) => sendResult(reply, await getConversion(ctx, req.actor, req.params.id)));

  app.get('/conversion-events', {
    schema: {
      tags, summary: 'Events received, newest first; outcome=rejected lists what was refused and why',
      querystring: Type.Object({
        ...s.PageQuery,
        outcome: Type.Optional(Type.Union(['created', 'filled_in', 'duplicate', 'rejected'].map((v) => Type.Literal(v)))),
        reason: Type.Optional(Type.String({ maxLength: 64 })), source: Type.Optional(Type.String({ maxLength: 16 })), orderId: Type.Optional(Type.String({ maxLength: 200 })),
      }),
      response: { 200: s.Page(ConversionEvent), ...s.errorResponses },
    },
  }, async (req) => listEvents(ctx, req.actor, req.query));

  app.get('/commissions', {
    schema: {
      tags, summary: 'List commissions, newest first',
      querystring: Type.Object({
        ...s.PageQuery,
        status: Type.Optional(Type.Union(['pending', 'approved', 'reversed', 'paid'].map((v) => Type.Literal(v)))),
        memberId: Type.Optional(s.ids.member), offerId: Type.Optional(s.ids.offer),
      }),
      response: { 200: s.Page(Commission), ...s.errorResponses },
    },
  }, async (req) => listCommissions(ctx, req.actor, req.query as never));

  app.get('/commissions/:id/receipt', {
    schema: {
      tags, summary: 'What made a commission: the events and their trust, the decision, the offer settings it used, every ledger entry',
      params: Type.Object({ id: Type.String({ pattern: '^com_[0-9a-z]{26}$' }) }), response: { 200: Receipt, ...s.errorResponses },
    },
  }, async (req, reply) => sendResult(reply, await commissionReceipt(ctx.store.db, req.actor.workspaceId, req.params.id)));

  app.post('/conversions/:id/verify', {
    schema: {
      tags, summary: 'Approve (credit) or reject an order held for review because only the browser reported it (recorded with who, when and why)',
      params: Type.Object({ id: Type.String({ pattern: '^cnv_[0-9a-z]{26}$' }) }),
      body: Type.Object({ action: Type.Union([Type.Literal('approve'), Type.Literal('reject')]), reason: Type.String({ minLength: 1, maxLength: 500 }) }, { additionalProperties: false }),
      response: { 200: Conversion, ...s.errorResponses },
    },
  }, async (req, reply) => sendResult(reply, await reviewConversion(ctx, req.actor, req.params.id, req.body)));

  for (const action of ['approve', 'reverse', 'adjust'] as const) {
    app.post(`/commissions/:id/${action}`, {
      schema: {
        tags, summary: { approve: 'Approve a pending commission before its hold ends', reverse: 'Reverse a commission', adjust: 'Set a new amount on a pending or approved commission' }[action] + ' (recorded with who, when and why)',
        params: Type.Object({ id: Type.String({ pattern: '^com_[0-9a-z]{26}$' }) }),
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500 }), ...(action === 'adjust' ? { amount: Type.String({ maxLength: 20 }) } : {}) }, { additionalProperties: false }),
        response: { 200: Commission, ...s.errorResponses },
      },
    }, async (req, reply) => sendResult(reply, await changeCommission(ctx, req.actor, req.params.id, { action, ...(req.body as { reason: string; amount?: string }) })));
  }
}
