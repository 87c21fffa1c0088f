// The creator portal's API (/api/portal): the signed-in member's own data only.
import { Type, type Static } from '@sinclair/typebox';
import { ids, LocalDate, NullableString, PageQuery } from './common.js';

/** The problems a portal route may answer. */
export const portalProblems = {
  400: Type.Ref('Problem'),
  401: Type.Ref('Problem'),
  403: Type.Ref('Problem'),
  404: Type.Ref('Problem'),
  409: Type.Ref('Problem'),
};

export const LoginLinkRequestSchema = Type.Object(
  { email: Type.String({ maxLength: 254 }) },
  { additionalProperties: false },
);
export const LoginLinkAcceptedSchema = Type.Object({ accepted: Type.Boolean() });
export const PortalAuthQuerySchema = Type.Object({ token: Type.Optional(Type.String({ maxLength: 200 })) });

export const PortalMeSchema = Type.Object({
  member: Type.Object({
    id: Type.String(),
    name: Type.String(),
    email: NullableString(),
    instagram: NullableString(),
    tiktok: NullableString(),
    youtube: NullableString(),
  }),
  workspace: Type.Object({ name: Type.String(), currency: Type.String(), timezone: Type.String() }),
});
export type PortalMe = Static<typeof PortalMeSchema>;

export const PortalLinkSchema = Type.Object({
  id: Type.String(),
  url: Type.String({ description: 'The full tracking URL to share.' }),
  slug: Type.String(),
  deepLinkUrl: NullableString(),
  status: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});
export type PortalLink = Static<typeof PortalLinkSchema>;

const PortalCodeSchema = Type.Object({ id: Type.String(), code: Type.String(), status: Type.String() });
export type PortalCode = Static<typeof PortalCodeSchema>;

export const PortalOfferSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  imageUrl: NullableString(),
  status: Type.String(),
  conversionType: Type.String(),
  currency: Type.String(),
  destinationUrl: Type.String(),
  endsAt: NullableString(),
  payout: Type.Object({
    title: Type.String(),
    type: Type.String(),
    value: Type.String(),
    description: Type.String({ description: 'e.g. "10% of each sale"' }),
  }),
  links: Type.Array(PortalLinkSchema),
  codes: Type.Array(PortalCodeSchema),
  deepLinks: Type.Object({
    allowed: Type.Boolean(),
    domains: Type.Array(Type.String(), {
      description: 'Hosts a deep link may point to; "*.example.com" allows subdomains.',
    }),
  }),
});
export type PortalOffer = Static<typeof PortalOfferSchema>;
export const PortalOfferListSchema = Type.Object({ data: Type.Array(PortalOfferSchema) });

export const DeepLinkCreateSchema = Type.Object(
  { offerId: ids.offer, url: Type.String({ minLength: 1, maxLength: 2000 }) },
  { additionalProperties: false },
);
export type DeepLinkCreate = Static<typeof DeepLinkCreateSchema>;
export const DeepLinkCreatedSchema = Type.Object({ link: PortalLinkSchema, created: Type.Boolean() });
export type DeepLinkCreated = Static<typeof DeepLinkCreatedSchema>;

export const PortalCommissionSchema = Type.Object({
  id: Type.String(),
  offerId: Type.String(),
  offerName: Type.String(),
  status: Type.String(),
  amount: Type.String(),
  amountMinor: Type.Integer(),
  sale: Type.String(),
  currency: Type.String(),
  source: Type.String(),
  conversionDate: Type.String({ format: 'date-time' }),
  approveAfter: Type.String({ format: 'date-time' }),
  approvedAt: NullableString(),
  paidAt: NullableString(),
  reversedAt: NullableString(),
});
export type PortalCommission = Static<typeof PortalCommissionSchema>;

export const PortalCommissionQuerySchema = Type.Object({
  ...PageQuery,
  status: Type.Optional(
    Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('reversed'), Type.Literal('paid')]),
  ),
});

export const PortalPayoutSchema = Type.Object({
  id: Type.String(),
  paidAt: Type.String({ format: 'date-time' }),
  currency: Type.String(),
  amount: Type.String(),
  amountMinor: Type.Integer(),
  commissions: Type.Integer(),
});
export type PortalPayout = Static<typeof PortalPayoutSchema>;
export const PortalPayoutListSchema = Type.Object({ data: Type.Array(PortalPayoutSchema) });

/** What a member sees of a report row: their own performance, in the workspace currency (minor units). */
const memberMetrics = {
  clicks: Type.Integer(),
  uniqueClicks: Type.Integer(),
  conversions: Type.Integer(),
  salesMinor: Type.Integer(),
  refundsMinor: Type.Integer(),
  netSalesMinor: Type.Integer(),
  commissionMinor: Type.Integer(),
  codeRedemptions: Type.Integer(),
  conversionRate: Type.Unsafe<string | null>({
    type: ['string', 'null'],
    description: 'conversions ÷ clicks, 4 decimals',
  }),
  epcMinor: Type.Unsafe<number | null>({ type: ['integer', 'null'], description: 'Commission per click' }),
};
const PortalMetricsSchema = Type.Object(memberMetrics);
export type PortalMetrics = Static<typeof PortalMetricsSchema>;

export const PORTAL_REPORT_GROUPS = ['day', 'week', 'offer', 'link', 'code'] as const;
export type PortalReportGroup = (typeof PORTAL_REPORT_GROUPS)[number];

export const PortalReportSchema = Type.Object({
  groupBy: Type.String(),
  from: Type.String(),
  to: Type.String(),
  timezone: Type.String(),
  currency: Type.String(),
  rows: Type.Array(Type.Object({ key: Type.String(), label: Type.String(), ...memberMetrics })),
  totals: PortalMetricsSchema,
});
/** The member's report as answered; `groupBy` is the group asked for (the schema documents a string). */
export type PortalReport = Omit<Static<typeof PortalReportSchema>, 'groupBy'> & { groupBy: PortalReportGroup };

export const PortalReportQuerySchema = Type.Object({
  from: Type.Optional(LocalDate),
  to: Type.Optional(LocalDate),
  groupBy: Type.Union(
    PORTAL_REPORT_GROUPS.map((v) => Type.Literal(v)),
    { default: 'day' },
  ),
});
