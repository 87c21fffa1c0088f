// Conversions (orders), their events and commissions; a commission's receipt.
import { Type, type Static } from '@sinclair/typebox';
import { COMMISSION_STATUSES, type CommissionStatus } from '../core/commission.js';
import { ids, PageQuery } from './common.js';

/**
 * `anyOf: [t, null]`, unlike common.ts' Nullable: these fields are only ever answered, never read from a request, so
 * Ajv's coercion of null (see Nullable) does not reach them; the document keeps this form.
 */
const OrNull = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);

const CreditSchema = Type.Object({
  offerId: Type.String(),
  memberId: OrNull(Type.String()),
  source: Type.String(),
  shareBps: Type.Integer(),
});
export type Credit = Static<typeof CreditSchema>;

export const CONVERSION_STATUSES = ['credited', 'unattributed', 'unverified', 'rejected', 'awaiting_order'] as const;
const ConversionStatus = Type.Union(
  CONVERSION_STATUSES.map((v) => Type.Literal(v)),
  {
    description:
      'unverified: only the browser reported it and it would credit a code without a click (or an amount over the offer limit): held for review; rejected: a person refused it; awaiting_order: a refund arrived before its order',
  },
);
export type ConversionStatus = Static<typeof ConversionStatus>;

export const ConversionSchema = Type.Object({
  id: Type.String(),
  orderId: Type.String(),
  status: ConversionStatus,
  test: Type.Boolean(),
  occurredAt: Type.String(),
  reportedOfferId: OrNull(Type.String()),
  clickId: OrNull(Type.String()),
  code: OrNull(Type.String()),
  amount: OrNull(Type.String()),
  currency: OrNull(Type.String()),
  refunded: Type.String(),
  reasons: Type.Array(Type.String(), {
    description:
      'Why the order was credited as it was, or not at all (click_outside_window, code_disabled, rule_split…)',
  }),
  credits: Type.Array(CreditSchema),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});
export type Conversion = Static<typeof ConversionSchema>;

/** The list names each credit's member and offer (the detail keeps ids: its commissions name them the same way). */
export const ConversionListItemSchema = Type.Object({
  ...ConversionSchema.properties,
  credits: Type.Array(
    Type.Object({
      ...CreditSchema.properties,
      memberName: OrNull(Type.String({ description: 'null for a generic link or code, or a deleted member' })),
      offerName: OrNull(Type.String()),
    }),
  ),
  commissions: Type.Array(
    Type.Object({
      id: Type.String(),
      offerId: Type.String(),
      memberId: Type.String(),
      amount: Type.String({ description: 'The credited commission now (after adjustments), in its currency' }),
      amountMinor: Type.Integer(),
      currency: Type.String(),
      status: Type.Union(COMMISSION_STATUSES.map((v) => Type.Literal(v))),
    }),
    { description: "The order's commissions, one per credited member (none when it credited nobody)" },
  ),
});
export type ConversionListItem = Static<typeof ConversionListItemSchema>;

export { COMMISSION_STATUSES, type CommissionStatus };

export const CommissionSchema = Type.Object({
  id: Type.String(),
  conversionId: Type.String(),
  offerId: Type.String(),
  memberId: Type.String(),
  payoutOptionId: Type.String(),
  source: Type.String(),
  sharePercent: Type.Number(),
  sale: Type.String(),
  amount: Type.String(),
  amountMinor: Type.Integer(),
  currency: Type.String(),
  status: Type.Union(COMMISSION_STATUSES.map((v) => Type.Literal(v))),
  approveAfter: Type.String(),
  approvedAt: OrNull(Type.String()),
  reversedAt: OrNull(Type.String()),
  paidAt: OrNull(Type.String()),
  createdAt: Type.String(),
});
export type Commission = Static<typeof CommissionSchema>;

export const ConversionEventSchema = Type.Object({
  id: Type.String(),
  conversionId: OrNull(Type.String()),
  receivedAt: Type.String(),
  source: Type.String(),
  orderId: OrNull(Type.String()),
  test: Type.Boolean(),
  outcome: Type.String({ description: 'created | filled_in | duplicate | rejected' }),
  reason: OrNull(
    Type.String({ description: 'e.g. duplicate, bad_signature, amount_invalid, decision_final, outranked_by_server' }),
  ),
  trust: Type.Union([Type.Literal('server'), Type.Literal('browser'), Type.Null()], {
    description:
      'SPEC §4: the trust level of the evidence the event brought; null for events that brought none (refunds, refusals)',
  }),
  detail: Type.Unknown(),
});
export type ConversionEvent = Static<typeof ConversionEventSchema>;

export const ConversionDetailSchema = Type.Intersect([
  ConversionSchema,
  Type.Object({
    commissions: Type.Array(CommissionSchema),
    events: Type.Array(ConversionEventSchema),
    adjustments: Type.Array(
      Type.Object({
        id: Type.String(),
        commissionId: Type.String(),
        kind: Type.String(),
        amountBefore: Type.Integer(),
        amountAfter: Type.Integer(),
        statusBefore: Type.String(),
        statusAfter: Type.String(),
        reason: Type.String(),
        actor: Type.String(),
        at: Type.String(),
      }),
    ),
  }),
]);
export type ConversionDetail = Static<typeof ConversionDetailSchema>;

const Money = Type.String({ description: 'Decimal amount in the currency' });
export const CommissionReceiptSchema = Type.Object({
  commission: Type.Object({
    id: Type.String(),
    memberId: Type.String(),
    offerId: Type.String(),
    status: Type.String(),
    amount: Money,
    amountMinor: Type.Integer(),
    currency: Type.String(),
  }),
  conversion: Type.Object({
    id: Type.String(),
    orderId: Type.String(),
    status: Type.String(),
    occurredAt: Type.String(),
    amount: OrNull(Money),
    currency: OrNull(Type.String()),
    refunded: Money,
  }),
  events: Type.Array(
    Type.Object({
      id: Type.String(),
      receivedAt: Type.String(),
      source: Type.String(),
      trust: Type.Union([Type.Literal('server'), Type.Literal('browser'), Type.Null()]),
      outcome: Type.String(),
      reason: OrNull(Type.String()),
      evidence: Type.Union([
        Type.Object({
          offerId: OrNull(Type.String()),
          clickId: OrNull(Type.String()),
          code: OrNull(Type.String()),
          amount: OrNull(Money),
          currency: OrNull(Type.String()),
          occurredAt: Type.String(),
        }),
        Type.Null(),
      ]),
    }),
  ),
  decision: Type.Object({
    outcome: Type.String(),
    reasons: Type.Array(Type.String()),
    credits: Type.Array(CreditSchema),
    linkId: OrNull(Type.String()),
    codeId: OrNull(Type.String()),
    trust: OrNull(Type.String()),
  }),
  settings: Type.Union([
    Type.Object({
      offerId: Type.String(),
      offerName: Type.String(),
      attributionRule: Type.String(),
      cookieWindowDays: Type.Integer(),
      splitCodeSharePercent: Type.Number(),
      holdDays: Type.Integer(),
      browserCodeCredit: Type.Boolean(),
      version: Type.String({ description: 'When the offer settings the decision used were last changed' }),
      payout: Type.Union([
        Type.Object({
          title: Type.String(),
          type: Type.String(),
          value: Type.Integer({ description: 'Basis points (percent) or minor units (fixed)' }),
          tiers: Type.Array(Type.Object({ fromConversion: Type.Integer(), value: Type.Integer() })),
        }),
        Type.Null(),
      ]),
    }),
    Type.Null(),
  ]),
  entries: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String({
        description:
          'accrual | redecision | refund | reversal | adjustment | approval | payout | clawback | opening (and earlier history)',
      }),
      amount: Money,
      amountMinor: Type.Integer({ description: 'The change to the commission' }),
      balance: Money,
      balanceMinor: Type.Integer(),
      statusAfter: Type.String(),
      actor: Type.String(),
      reason: Type.String(),
      at: Type.String(),
    }),
  ),
});
export type CommissionReceipt = Static<typeof CommissionReceiptSchema>;

export const ConversionFilters = {
  status: Type.Optional(ConversionStatus),
  offerId: Type.Optional(ids.offer),
  memberId: Type.Optional(ids.member),
  code: Type.Optional(Type.String({ maxLength: 64 })),
  reason: Type.Optional(
    Type.String({
      pattern: '^[a-z_]{2,40}$',
      description: 'A reason of the decision: click_outside_window, code_disabled, no_fx_rate, rule_split…',
    }),
  ),
  test: Type.Optional(Type.Boolean({ description: 'true: the tracking check (test=1 orders) instead of real ones' })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
};

export const ConversionListQuerySchema = Type.Object({ ...PageQuery, ...ConversionFilters });

export const ConversionIdParamSchema = Type.Object({ id: Type.String({ pattern: '^cnv_[0-9a-z]{26}$' }) });
export const CommissionIdParamSchema = Type.Object({ id: Type.String({ pattern: '^com_[0-9a-z]{26}$' }) });

export const EventListQuerySchema = Type.Object({
  ...PageQuery,
  outcome: Type.Optional(Type.Union(['created', 'filled_in', 'duplicate', 'rejected'].map((v) => Type.Literal(v)))),
  reason: Type.Optional(Type.String({ maxLength: 64 })),
  source: Type.Optional(Type.String({ maxLength: 16 })),
  orderId: Type.Optional(Type.String({ maxLength: 200 })),
  test: Type.Optional(Type.Boolean({ description: 'true: the tracking check (test=1 events) instead of real ones' })),
});

export const CommissionListQuerySchema = Type.Object({
  ...PageQuery,
  status: Type.Optional(Type.Union(COMMISSION_STATUSES.map((v) => Type.Literal(v)))),
  memberId: Type.Optional(ids.member),
  offerId: Type.Optional(ids.offer),
});

export const ConversionReviewSchema = Type.Object(
  {
    action: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
    reason: Type.String({ minLength: 1, maxLength: 500 }),
  },
  { additionalProperties: false },
);
export type ConversionReview = Static<typeof ConversionReviewSchema>;

export const COMMISSION_ACTIONS = ['approve', 'reverse', 'adjust'] as const;
export type CommissionAction = (typeof COMMISSION_ACTIONS)[number];

/** The body of a commission action: always why; a new amount for `adjust`. */
export const commissionActionBody = (action: CommissionAction) =>
  Type.Object(
    {
      reason: Type.String({ minLength: 1, maxLength: 500 }),
      ...(action === 'adjust' ? { amount: Type.String({ maxLength: 20 }) } : {}),
    },
    { additionalProperties: false },
  );
export interface CommissionActionBody {
  reason: string;
  /** The new amount (decimal, commission currency); `adjust` only. */
  amount?: string;
}
