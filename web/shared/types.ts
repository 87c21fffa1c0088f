// The admin API's shapes as the browser sees them (src/http/schemas.ts and src/http/api/reports.ts are the source).

export type OfferStatus = 'active' | 'paused' | 'archived';
export type PayoutType = 'percent' | 'fixed';

export interface PayoutTier {
  fromConversion: number;
  value: string;
}

export interface PayoutOption {
  id: string;
  title: string;
  type: PayoutType;
  value: string;
  tiers: PayoutTier[];
  default: boolean;
}

export interface Offer {
  id: string;
  name: string;
  description: string;
  imageUrl: string | null;
  status: OfferStatus;
  destinationUrl: string;
  conversionType: 'sale' | 'lead' | 'email_signup' | 'download';
  trackingMethods: ('link' | 'code')[];
  attributionRule: 'code_first' | 'click_first' | 'split';
  splitCodeShare: string;
  cookieWindowDays: number;
  holdDays: number;
  endsAt: string | null;
  currency: string;
  utm: Record<string, string>;
  deepLinks: { allowCreators: boolean; extraDomains: string[] };
  codeAppend: { mode: 'none' | 'query' | 'shopify'; param: string };
  /** Credit a promo code reported by the browser (pixel, t.js) with no recorded click; off: held for review. */
  browserCodeCredit: boolean;
  /** Browser-reported orders above this amount (offer currency, "500.00") are held for review; null: no limit. */
  browserAmountLimit: string | null;
  payoutOptions: PayoutOption[];
  clicks?: number;
  uniqueClicks?: number;
  createdAt: string;
  updatedAt: string;
}

// Also written out as MemberView in src/app/members.ts: the browser build cannot import server modules (web/tsconfig.json).
export interface Member {
  id: string;
  name: string;
  email: string | null;
  instagram: string | null;
  tiktok: string | null;
  youtube: string | null;
  reach: number | null;
  project: string | null;
  tags: string[];
  externalId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Link {
  id: string;
  offerId: string;
  memberId: string | null;
  slug: string;
  url: string;
  deepLinkUrl: string | null;
  status: 'active' | 'disabled';
  createdAt: string;
  clicks?: number;
  uniqueClicks?: number;
}

export interface Code {
  id: string;
  offerId: string;
  memberId: string | null;
  code: string;
  kind: 'generic' | 'personalized';
  status: 'active' | 'disabled';
  createdAt: string;
}

export interface OfferMember {
  member: Member;
  payoutOptionId: string;
  links: Link[];
  codes: Code[];
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface ReportMetrics {
  clicks: number;
  uniqueClicks: number;
  conversions: number;
  unattributed: number;
  salesMinor: number;
  refundsMinor: number;
  netSalesMinor: number;
  aovMinor: number | null;
  commissionMinor: number;
  epcMinor: number | null;
  conversionRate: string | null;
  codeRedemptions: number;
  redemptionRatePerClick: string | null;
  reach: number | null;
  redemptionRatePerReach: string | null;
  codedRevenueMinor: number;
  linkRevenueMinor: number;
  codedRevenueShare: string | null;
}

export interface ReportRow extends ReportMetrics {
  key: string;
  label: string;
}

export type ReportGroup = 'offer' | 'member' | 'code' | 'link' | 'sub_id' | 'day' | 'week';

export interface Report {
  groupBy: ReportGroup;
  from: string;
  to: string;
  timezone: string;
  currency: string;
  source: string;
  rows: ReportRow[];
  totals: ReportMetrics;
}

export type Role = 'owner' | 'manager' | 'viewer';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  mustChangePassword: boolean;
}

export interface SignedIn {
  user: User;
  workspace: { id: string; name: string };
}
