// What the portal API (/api/portal, src/http/portal.ts) answers: the signed-in member's own data only.

export interface PortalMe {
  member: { id: string; name: string; email: string | null; instagram: string | null; tiktok: string | null; youtube: string | null };
  workspace: { name: string; currency: string; timezone: string };
}

export interface PortalLink {
  id: string;
  /** The full tracking URL to share. */
  url: string;
  slug: string;
  deepLinkUrl: string | null;
  status: string;
  createdAt: string;
}

export interface PortalCode {
  id: string;
  code: string;
  status: string;
}

export interface PortalOffer {
  id: string;
  name: string;
  imageUrl: string | null;
  status: string;
  conversionType: string;
  currency: string;
  destinationUrl: string;
  endsAt: string | null;
  payout: { title: string; type: string; value: string; description: string };
  links: PortalLink[];
  codes: PortalCode[];
  deepLinks: { allowed: boolean; domains: string[] };
}

export type CommissionStatus = 'pending' | 'approved' | 'reversed' | 'paid';

export interface PortalCommission {
  id: string;
  offerId: string;
  offerName: string;
  status: CommissionStatus;
  amount: string;
  amountMinor: number;
  sale: string;
  currency: string;
  source: string;
  conversionDate: string;
  approveAfter: string;
  approvedAt: string | null;
  paidAt: string | null;
  reversedAt: string | null;
}

export interface PortalPayout {
  id: string;
  paidAt: string;
  currency: string;
  amount: string;
  amountMinor: number;
  commissions: number;
}

export interface PortalMetrics {
  clicks: number;
  uniqueClicks: number;
  conversions: number;
  salesMinor: number;
  refundsMinor: number;
  netSalesMinor: number;
  commissionMinor: number;
  codeRedemptions: number;
  conversionRate: string | null;
  epcMinor: number | null;
}

export interface PortalReport {
  groupBy: 'day' | 'week' | 'offer' | 'link' | 'code';
  from: string;
  to: string;
  timezone: string;
  currency: string;
  rows: (PortalMetrics & { key: string; label: string })[];
  totals: PortalMetrics;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}
