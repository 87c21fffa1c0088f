// Offers and their payout options; the offer's members (add, list).
import { Type, type Static } from '@sinclair/typebox';
import { DateTime, ids, Nullable, PageQuery, RefTo } from './common.js';
import { CodeSchema, LinkSchema } from './links-codes.js';
import { MemberSchema } from './members.js';

const Percent = Type.String({
  pattern: '^\\d{1,3}(\\.\\d{1,2})?$',
  description: 'Percent as a decimal string, e.g. "12.5"',
});

export const PayoutTierSchema = Type.Object(
  {
    fromConversion: Type.Integer({
      minimum: 2,
      maximum: 1_000_000,
      description: 'Applies from this approved conversion of the calendar month on.',
    }),
    value: Type.String({ maxLength: 20 }),
  },
  { additionalProperties: false },
);
export type PayoutTier = Static<typeof PayoutTierSchema>;

export const PayoutOptionInputSchema = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 100 }),
    type: Type.Union([Type.Literal('percent'), Type.Literal('fixed')], {
      description: 'percent: commission per sale; fixed: amount per conversion',
    }),
    value: Type.String({ maxLength: 20, description: 'Percent ("10") or amount in the offer currency ("5.00")' }),
    tiers: Type.Optional(Type.Array(PayoutTierSchema, { maxItems: 20 })),
    default: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type PayoutOptionInput = Static<typeof PayoutOptionInputSchema>;

export const PayoutOptionUpdateSchema = Type.Partial(PayoutOptionInputSchema, {
  additionalProperties: false,
  minProperties: 1,
});
export type PayoutOptionUpdate = Static<typeof PayoutOptionUpdateSchema>;

export const PayoutOptionSchema = Type.Object(
  {
    id: Type.String(),
    title: Type.String(),
    type: Type.Union([Type.Literal('percent'), Type.Literal('fixed')]),
    value: Type.String(),
    tiers: Type.Array(Type.Object({ fromConversion: Type.Integer(), value: Type.String() })),
    default: Type.Boolean(),
  },
  { $id: 'PayoutOption' },
);
export type PayoutOption = Static<typeof PayoutOptionSchema>;
export type PayoutType = PayoutOption['type'];

export const PayoutOptionParamsSchema = Type.Object({ id: ids.offer, payoutOptionId: ids.payoutOption });
export const PayoutOptionArchivedSchema = Type.Object({ movedMembers: Type.Integer() });

const ConversionType = Type.Union([
  Type.Literal('sale'),
  Type.Literal('lead'),
  Type.Literal('email_signup'),
  Type.Literal('download'),
]);
const AttributionRule = Type.Union([Type.Literal('code_first'), Type.Literal('click_first'), Type.Literal('split')], {
  description:
    'When a link click and a code of different members both count: code_first (code wins), click_first, or split.',
});
const TrackingMethods = Type.Array(Type.Union([Type.Literal('link'), Type.Literal('code')]), { maxItems: 2 });
const DeepLinks = Type.Object(
  {
    allowCreators: Type.Boolean({ description: 'Creators may build deep links in their portal.' }),
    extraDomains: Type.Array(Type.String({ maxLength: 253 }), {
      maxItems: 50,
      description: 'Besides the destination host: exact hosts or *.example.com',
    }),
  },
  { additionalProperties: false },
);
const CodeAppend = Type.Object(
  {
    mode: Type.Union([Type.Literal('none'), Type.Literal('query'), Type.Literal('shopify')], {
      description:
        "Append the member's code to the destination: as ?param=CODE, or Shopify's /discount/CODE?redirect= form.",
    }),
    param: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
);
const Utm = Type.Record(Type.String(), Type.String({ maxLength: 500 }), {
  description:
    'Query parameters added to the destination: static text or {creator_name}, {creator_ig_username}, {creator_tiktok_username}, {member_id}, {project_name}, {link_offer_name}.',
});

const Recurring = Type.Object(
  {
    mode: Type.Union([Type.Literal('none'), Type.Literal('months'), Type.Literal('lifetime')], {
      description:
        "Commissions on a subscription's renewals (Stripe invoice.paid): none, the first `months` months after the first order, or for the subscription's lifetime.",
    }),
    months: Nullable(Type.Integer({ minimum: 1, maximum: 120, description: "mode 'months': how many months." })),
    maxInvoices: Nullable(
      Type.Integer({
        minimum: 1,
        maximum: 1000,
        description: 'At most this many paid invoices of a subscription pay, the first order included; null: no cap.',
      }),
    ),
  },
  { additionalProperties: false },
);

const offerSettings = {
  name: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 5000 }),
  imageUrl: Nullable(Type.String({ maxLength: 2000 })),
  destinationUrl: Type.String({
    minLength: 1,
    maxLength: 2000,
    description: 'May carry {click_id}, {transaction_id}, {member_id}, {aff_id}, {offer_id}.',
  }),
  conversionType: ConversionType,
  trackingMethods: TrackingMethods,
  attributionRule: AttributionRule,
  splitCodeShare: Percent,
  cookieWindowDays: Type.Integer({ minimum: 1, maximum: 365 }),
  holdDays: Type.Integer({ minimum: 0, maximum: 365 }),
  endsAt: Nullable(DateTime),
  currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  utm: Utm,
  deepLinks: DeepLinks,
  codeAppend: CodeAppend,
  browserCodeCredit: Type.Boolean({
    description:
      'SPEC §4: a promo code reported by the browser (pixel, t.js) without a recorded click credits its member. Default false: such an order is held as unverified for review.',
  }),
  browserAmountLimit: Nullable(
    Type.String({
      pattern: '^\\d{1,12}(\\.\\d{1,4})?$',
      description: 'A browser-reported amount above this (offer currency) is held for review; null: no limit.',
    }),
  ),
  trackingOrigin: Nullable(
    Type.String({
      maxLength: 300,
      description:
        "First-party tracking: where the brand's reverse proxy forwards to Touchpoint, e.g. https://shop.example.com/go (http only on localhost). Its host must be the destination's or an allowed extra domain. Links are then {trackingOrigin}/{slug}; null: links on BASE_URL. See docs/first-party.md.",
    }),
  ),
  recurring: Recurring,
};

export const OfferCreateSchema = Type.Object(
  {
    ...Object.fromEntries(Object.entries(offerSettings).map(([k, v]) => [k, Type.Optional(v)])),
    name: offerSettings.name,
    destinationUrl: offerSettings.destinationUrl,
    payoutOptions: Type.Array(PayoutOptionInputSchema, { minItems: 1, maxItems: 20 }),
  },
  { additionalProperties: false },
);
export type OfferCreate = Static<typeof OfferCreateSchema>;

export const OfferUpdateSchema = Type.Partial(Type.Object(offerSettings), {
  additionalProperties: false,
  minProperties: 1,
});
export type OfferUpdate = Static<typeof OfferUpdateSchema>;

const OfferStatus = Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('archived')]);

export const OfferSchema = Type.Object(
  {
    id: Type.String(),
    ...offerSettings,
    status: OfferStatus,
    payoutOptions: Type.Array(RefTo(PayoutOptionSchema)),
    clicks: Type.Optional(Type.Integer({ description: "Tracked, non-bot clicks on the offer's links" })),
    uniqueClicks: Type.Optional(Type.Integer()),
    createdAt: DateTime,
    updatedAt: DateTime,
  },
  { $id: 'Offer' },
);
export type Offer = Static<typeof OfferSchema>;
export type OfferStatus = Offer['status'];
export type ConversionType = Offer['conversionType'];

export const OfferListQuerySchema = Type.Object({
  ...PageQuery,
  status: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('paused'), Type.Literal('archived')])),
});

export const AddMembersSchema = Type.Object(
  {
    members: Type.Array(
      Type.Object(
        {
          memberId: ids.member,
          payoutOptionId: Type.Optional(ids.payoutOption),
          deepLinkUrl: Type.Optional(Type.String({ maxLength: 2000 })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 5_000 },
    ),
    generateLinks: Type.Optional(Type.Boolean({ default: true })),
    generateCodes: Type.Optional(Type.Boolean({ default: false })),
    codePattern: Type.Optional(Type.String({ maxLength: 64, description: 'Default {NAME}{RAND4}' })),
  },
  { additionalProperties: false },
);
export type AddMembers = Static<typeof AddMembersSchema>;

export const AddMembersResultSchema = Type.Object({
  added: Type.Integer(),
  updated: Type.Integer(),
  members: Type.Array(
    Type.Object({
      memberId: Type.String(),
      payoutOptionId: Type.String(),
      links: Type.Array(RefTo(LinkSchema)),
      codes: Type.Array(RefTo(CodeSchema)),
    }),
  ),
});
export type AddMembersResult = Static<typeof AddMembersResultSchema>;

/** A member's numbers on the offer over the list's period (the last 30 days of the workspace's zone). */
export const OfferMemberNumbersSchema = Type.Object({
  clicks: Type.Integer(),
  conversions: Type.Integer(),
  netSalesMinor: Type.Integer(),
  commissionMinor: Type.Integer(),
});
export type OfferMemberNumbers = Static<typeof OfferMemberNumbersSchema>;

export const OfferMemberSchema = Type.Object({
  member: RefTo(MemberSchema),
  payoutOptionId: Type.String(),
  joinedAt: DateTime,
  links: Type.Array(RefTo(LinkSchema)),
  codes: Type.Array(RefTo(CodeSchema)),
  numbers: OfferMemberNumbersSchema,
});
export type OfferMember = Static<typeof OfferMemberSchema>;

export const OFFER_MEMBER_SORTS = ['name', 'joined', 'clicks', 'conversions', 'sales', 'commission'] as const;
export type OfferMemberSort = (typeof OFFER_MEMBER_SORTS)[number];

export const OfferMemberListQuerySchema = Type.Object({
  limit: Type.Integer({
    minimum: 1,
    maximum: 200,
    default: 50,
    description: 'Page size (1-200; the UI uses 25, 50, 100).',
  }),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page.' })),
  offset: Type.Optional(
    Type.Integer({
      minimum: 0,
      maximum: 1_000_000,
      description: 'Rows to skip (a page number times the size); cursor wins.',
    }),
  ),
  q: Type.Optional(
    Type.String({ maxLength: 200, description: "Name, email, social handle or the member's code on this offer." }),
  ),
  sort: Type.Optional(
    Type.Union(
      OFFER_MEMBER_SORTS.map((v) => Type.Literal(v)),
      {
        default: 'joined',
        description: "Numbers sort by the last 30 days in the workspace's zone; ties by name.",
      },
    ),
  ),
  order: Type.Optional(
    Type.Union([Type.Literal('asc'), Type.Literal('desc')], {
      description: 'Default: ascending for name, descending otherwise.',
    }),
  ),
});
export type OfferMemberListQuery = Static<typeof OfferMemberListQuerySchema>;

export const OfferMemberPageSchema = Type.Object({
  data: Type.Array(OfferMemberSchema),
  nextCursor: Nullable(Type.String()),
  total: Type.Integer({ description: 'Members matching q, on every page' }),
  offset: Type.Integer(),
  period: Type.Object({ from: Type.String(), to: Type.String(), timezone: Type.String(), currency: Type.String() }),
});
export type OfferMemberPage = Static<typeof OfferMemberPageSchema>;

/** An offer the member is on (the member profile). */
export const MemberOfferSchema = Type.Object({
  offer: Type.Object({ id: Type.String(), name: Type.String(), status: Type.String(), currency: Type.String() }),
  payoutOption: Type.Object({ id: Type.String(), title: Type.String(), description: Type.String() }),
  joinedAt: DateTime,
  links: Type.Array(RefTo(LinkSchema)),
  codes: Type.Array(RefTo(CodeSchema)),
});
export type MemberOffer = Static<typeof MemberOfferSchema>;
export const MemberOfferListSchema = Type.Object({ data: Type.Array(MemberOfferSchema) });

export const OfferMemberParamsSchema = Type.Object({ id: ids.offer, memberId: ids.member });
export const OfferMemberRemovedSchema = Type.Object({ removed: Type.Boolean() });

export const CodeRosterQuerySchema = Type.Object({
  format: Type.Union([Type.Literal('csv'), Type.Literal('xlsx')], { default: 'csv' }),
});
export const RosterImportResultSchema = Type.Object({ assigned: Type.Integer(), unchanged: Type.Integer() });
export type RosterImportResult = Static<typeof RosterImportResultSchema>;
