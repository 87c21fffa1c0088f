// Payouts: the preview, payout batches, the minimum payout; exchange rates.
import { Type, type Static } from '@sinclair/typebox';
import { Currency, ids, PageQuery } from './common.js';

export const PayoutLineSchema = Type.Object({
  memberId: Type.String(),
  name: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  commissions: Type.Integer(),
  amountMinor: Type.Integer(),
  amount: Type.String(),
});
export type PayoutLine = Static<typeof PayoutLineSchema>;

export const PayoutBatchSchema = Type.Object({
  id: Type.String(),
  currency: Type.String(),
  total: Type.String(),
  totalMinor: Type.Integer(),
  members: Type.Integer(),
  commissions: Type.Integer(),
  note: Type.String(),
  createdBy: Type.String(),
  createdAt: Type.String(),
  lines: Type.Optional(
    Type.Array(PayoutLineSchema, {
      description: 'Every member on one batch; only that member when listed by memberId',
    }),
  ),
});
export type PayoutBatch = Static<typeof PayoutBatchSchema>;

export const PayoutBatchIdSchema = Type.Object({ id: Type.String({ pattern: '^pob_[0-9a-z]{26}$' }) });

export const PayoutPreviewQuerySchema = Type.Object({ currency: Currency });
export const PayoutPreviewSchema = Type.Object({
  currency: Type.String(),
  lines: Type.Array(PayoutLineSchema),
  totalMinor: Type.Integer(),
});
export type PayoutPreview = Static<typeof PayoutPreviewSchema>;

export const PayoutBatchCreateSchema = Type.Object(
  {
    currency: Currency,
    note: Type.Optional(Type.String({ maxLength: 500 })),
    memberIds: Type.Optional(
      Type.Array(ids.member, {
        minItems: 1,
        maxItems: 10_000,
        uniqueItems: true,
        description:
          'Pay only these members (each must be due in the preview); without it, everyone due. All or nothing: an unknown or not-due member refuses the batch (member_unknown, member_not_due).',
      }),
    ),
  },
  { additionalProperties: false },
);
export type PayoutBatchCreate = Static<typeof PayoutBatchCreateSchema>;

export const PayoutBatchListQuerySchema = Type.Object({
  ...PageQuery,
  memberId: Type.Optional(ids.member),
});

export const PAYOUT_FORMATS = ['csv', 'xlsx', 'paypal'] as const;

export const MinimumPayoutBodySchema = Type.Object(
  { amount: Type.String({ maxLength: 20 }) },
  { additionalProperties: false },
);
export const MinimumPayoutSchema = Type.Object({ minimumPayout: Type.String(), currency: Type.String() });
export type MinimumPayout = Static<typeof MinimumPayoutSchema>;

export const FxRateSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  rate: Type.String(),
  updatedAt: Type.String(),
});
export type FxRate = Static<typeof FxRateSchema>;
export const FxRateSetSchema = Type.Object(
  { from: Currency, to: Currency, rate: Type.String({ maxLength: 40 }) },
  { additionalProperties: false },
);
export type FxRateSet = Static<typeof FxRateSetSchema>;
export const FxRateListSchema = Type.Object({ data: Type.Array(FxRateSchema) });
