// Tracking links and promo codes.
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, ids, Nullable, PageQuery, RefTo } from './common.js';

const Status = () => Type.Union([Type.Literal('active'), Type.Literal('disabled')]);

export const LinkSchema = Type.Object(
  {
    id: Type.String(),
    offerId: Type.String(),
    memberId: Nullable(Type.String()),
    slug: Type.String(),
    url: Type.String({ description: 'The full tracking URL to share.' }),
    deepLinkUrl: Nullable(Type.String()),
    status: Status(),
    createdAt: DateTime,
    clicks: Type.Optional(Type.Integer({ description: 'Tracked, non-bot clicks' })),
    uniqueClicks: Type.Optional(Type.Integer()),
  },
  { $id: 'Link' },
);
export type Link = Static<typeof LinkSchema>;

export const LinkCreateSchema = Type.Object(
  {
    offerId: ids.offer,
    memberId: Type.Optional(Nullable(ids.member)),
    deepLinkUrl: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
    slug: Type.Optional(Type.String({ maxLength: 64, description: 'Vanity slug; random when omitted.' })),
  },
  { additionalProperties: false },
);
export type LinkCreate = Static<typeof LinkCreateSchema>;

export const LinkListQuerySchema = Type.Object({
  ...PageQuery,
  offerId: Type.Optional(ids.offer),
  memberId: Type.Optional(ids.member),
  status: Type.Optional(Status()),
});

export const CodeSchema = Type.Object(
  {
    id: Type.String(),
    offerId: Type.String(),
    memberId: Nullable(Type.String()),
    code: Type.String(),
    kind: Type.Union([Type.Literal('generic'), Type.Literal('personalized')]),
    status: Status(),
    stripePromotionCodeId: Nullable(
      Type.String({
        description: 'The Stripe promotion code (promo_…) that stands for this code at a Stripe Checkout.',
      }),
    ),
    createdAt: DateTime,
  },
  { $id: 'Code' },
);
export type Code = Static<typeof CodeSchema>;

const StripePromotionCodeId = Type.String({ pattern: '^promo_[A-Za-z0-9]{1,100}$' });

export const CodeUpdateSchema = Type.Object(
  { stripePromotionCodeId: Nullable(StripePromotionCodeId) },
  { additionalProperties: false },
);
export type CodeUpdate = Static<typeof CodeUpdateSchema>;

export const CodeCreateSchema = Type.Object(
  {
    offerId: ids.offer,
    code: Type.String({ minLength: 1, maxLength: 64 }),
    memberId: Type.Optional(Nullable(ids.member)),
    stripePromotionCodeId: Type.Optional(Nullable(StripePromotionCodeId)),
  },
  { additionalProperties: false },
);
export type CodeCreate = Static<typeof CodeCreateSchema>;

export const CodeGenerateSchema = Type.Object(
  {
    pattern: Type.String({
      minLength: 1,
      maxLength: 64,
      default: '{NAME}{RAND4}',
      description: 'e.g. {NAME}{RAND4} -> MARIE7K3Q',
    }),
    memberIds: Type.Optional(Type.Array(ids.member, { minItems: 1, maxItems: 10_000 })),
  },
  { additionalProperties: false },
);
export type CodeGenerate = Static<typeof CodeGenerateSchema>;
export const GeneratedCodesSchema = Type.Object({ data: Type.Array(RefTo(CodeSchema)) });

export const CodeListQuerySchema = Type.Object({
  ...PageQuery,
  offerId: Type.Optional(ids.offer),
  memberId: Type.Optional(ids.member),
  status: Type.Optional(Status()),
  code: Type.Optional(Type.String({ maxLength: 64, description: 'Exact code, case-insensitive' })),
});
