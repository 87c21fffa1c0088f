// The creator portal: everything a member may read about themselves, and their deep links. Every query here is scoped
// by the session's workspace and member; no id from the client widens it. Signing in is app/portal-sign-in.ts.
import { linkBase, linkUrl } from '../core/tracking-origin.js';
import type {
  DeepLinkCreate,
  DeepLinkCreated,
  PortalCommission,
  PortalMe,
  PortalOffer,
  PortalPayout,
} from '../contract/portal.js';
import type { DeepLinkSettings } from '../core/destination.js';
import { formatAmount } from '../core/money.js';
import { newId } from '../core/ids.js';
import { payoutWords } from '../core/payout-words.js';
import { fail, ok, type Result } from '../core/result.js';
import { recordAudit } from '../db/audit.js';
import { findOfferMembers } from '../db/offer-members.js';
import { findOffer, type OfferRow, type PayoutOptionRow } from '../db/offers.js';
import { decodeCursor, toPage, type Actor, type AppContext, type Page } from './context.js';
import { checkDeepLink, insertLinkWithSlug } from './links.js';
import { formatPayoutValue } from './offer-settings.js';
import type { MemberSession } from './portal-sign-in.js';

const actorOf = (s: MemberSession): Actor => ({ workspaceId: s.workspaceId, actor: `member:${s.memberId}` });

export async function portalMe(ctx: AppContext, s: MemberSession): Promise<PortalMe> {
  const row = await ctx.store.db
    .selectFrom('members as m')
    .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
    .select([
      'm.id',
      'm.name',
      'm.email',
      'm.instagram',
      'm.tiktok',
      'm.youtube',
      'w.name as workspace_name',
      'w.currency',
      'w.timezone',
    ])
    .where('m.workspace_id', '=', s.workspaceId)
    .where('m.id', '=', s.memberId)
    .executeTakeFirstOrThrow();
  return {
    member: {
      id: row.id,
      name: row.name,
      email: row.email,
      instagram: row.instagram,
      tiktok: row.tiktok,
      youtube: row.youtube,
    },
    workspace: { name: row.workspace_name, currency: row.currency, timezone: row.timezone },
  };
}

/** The payout in words (core/payout-words.ts): "10% of each sale", "2.00 USD per sign-up", with volume tiers. */
export function describePayout(p: PayoutOptionRow, offer: Pick<OfferRow, 'currency' | 'conversion_type'>): string {
  const value = (v: number) => formatPayoutValue(p.type, v, offer.currency);
  const tiers = (JSON.parse(p.tiers) as { fromConversion: number; value: number }[]).map((t) => ({
    fromConversion: t.fromConversion,
    value: value(t.value),
  }));
  return payoutWords(
    { type: p.type, value: value(p.value), tiers },
    { conversionType: offer.conversion_type, currency: offer.currency },
  );
}

function offerHost(offer: OfferRow): string {
  try {
    return new URL(offer.destination_url.replace(/\{[a-z_]+\}/g, 'x')).hostname;
  } catch {
    return '';
  }
}

function portalLinkView(
  ctx: AppContext,
  offer: Pick<OfferRow, 'tracking_origin'>,
  l: { id: string; slug: string; deep_link_url: string | null; status: string; created_at: number },
) {
  return {
    id: l.id,
    url: linkUrl(linkBase(ctx.baseUrl, offer.tracking_origin), l.slug),
    slug: l.slug,
    deepLinkUrl: l.deep_link_url,
    status: l.status,
    createdAt: new Date(l.created_at).toISOString(),
  };
}

/** The member's offers with their payout, their own links and codes (never generic ones), and where deep links may go. */
export async function portalOffers(ctx: AppContext, s: MemberSession): Promise<{ data: PortalOffer[] }> {
  const { db } = ctx.store;
  const rows = await db
    .selectFrom('offer_members as om')
    .innerJoin('offers as o', (j) =>
      j.onRef('o.id', '=', 'om.offer_id').onRef('o.workspace_id', '=', 'om.workspace_id'),
    )
    .innerJoin('payout_options as p', 'p.id', 'om.payout_option_id')
    .selectAll('o')
    .select(['p.id as p_id', 'p.title as p_title', 'p.type as p_type', 'p.value as p_value', 'p.tiers as p_tiers'])
    .where('om.workspace_id', '=', s.workspaceId)
    .where('om.member_id', '=', s.memberId)
    .orderBy('o.id', 'desc')
    .execute();
  const offerIds = rows.map((r) => r.id);
  const links = offerIds.length
    ? await db
        .selectFrom('links')
        .selectAll()
        .where('workspace_id', '=', s.workspaceId)
        .where('member_id', '=', s.memberId)
        .where('offer_id', 'in', offerIds)
        .orderBy('id')
        .execute()
    : [];
  const codes = offerIds.length
    ? await db
        .selectFrom('promo_codes')
        .selectAll()
        .where('workspace_id', '=', s.workspaceId)
        .where('member_id', '=', s.memberId)
        .where('offer_id', 'in', offerIds)
        .orderBy('id')
        .execute()
    : [];
  return {
    data: rows.map((o) => {
      const deep = JSON.parse(o.deep_links) as DeepLinkSettings;
      const payout = { title: o.p_title, type: o.p_type, value: o.p_value, tiers: o.p_tiers } as PayoutOptionRow;
      return {
        id: o.id,
        name: o.name,
        imageUrl: o.image_url,
        status: o.status,
        conversionType: o.conversion_type,
        currency: o.currency,
        destinationUrl: o.destination_url,
        endsAt: o.ends_at === null ? null : new Date(o.ends_at).toISOString(),
        payout: {
          title: o.p_title,
          type: o.p_type,
          value: formatPayoutValue(o.p_type, o.p_value, o.currency),
          description: describePayout(payout, o),
        },
        links: links.filter((l) => l.offer_id === o.id).map((l) => portalLinkView(ctx, o, l)),
        codes: codes.filter((c) => c.offer_id === o.id).map((c) => ({ id: c.id, code: c.code, status: c.status })),
        deepLinks: {
          allowed: deep.allowCreators && o.status !== 'archived',
          domains: [offerHost(o), ...deep.extraDomains].filter(Boolean),
        },
      };
    }),
  };
}

/** Active deep links a member may hold on one offer: each is a slug in the link cache and a row in every link list. */
export const DEEP_LINKS_PER_OFFER = 200;

/** The member's deep link to `url` on one of their offers: the existing one, or a new link. */
export async function portalDeepLink(
  ctx: AppContext,
  s: MemberSession,
  input: DeepLinkCreate,
): Promise<Result<DeepLinkCreated>> {
  const { db } = ctx.store;
  const offer = await findOffer(db, s.workspaceId, input.offerId);
  const [onOffer] = offer ? await findOfferMembers(db, s.workspaceId, offer.id, [s.memberId]) : [];
  // Another member's offer reads exactly like one that does not exist.
  if (!offer || !onOffer) return fail('not_found', 'Offer not found.');
  if (offer.status === 'archived')
    return fail('offer_archived', 'The offer has ended; deep links cannot be made on it.');
  if (!(JSON.parse(offer.deep_links) as DeepLinkSettings).allowCreators)
    return fail('deep_link_not_allowed', 'The brand does not allow deep links on this offer.');
  const checked = checkDeepLink(offer, input.url);
  if (!checked.ok) return checked;
  const existing = await db
    .selectFrom('links')
    .selectAll()
    .where('workspace_id', '=', s.workspaceId)
    .where('offer_id', '=', offer.id)
    .where('member_id', '=', s.memberId)
    .where('deep_link_url', '=', checked.value)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (existing) return ok({ link: portalLinkView(ctx, offer, existing), created: false });
  const held = await db
    .selectFrom('links')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('workspace_id', '=', s.workspaceId)
    .where('offer_id', '=', offer.id)
    .where('member_id', '=', s.memberId)
    .where('deep_link_url', 'is not', null)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  if (Number(held.n) >= DEEP_LINKS_PER_OFFER) {
    return fail(
      'deep_link_quota',
      `You have ${DEEP_LINKS_PER_OFFER} deep links on this offer, the most there can be; ask the brand to disable some you no longer use.`,
    );
  }
  const now = ctx.clock();
  const row = {
    id: newId('lnk', now),
    workspace_id: s.workspaceId,
    offer_id: offer.id,
    member_id: s.memberId,
    deep_link_url: checked.value,
    status: 'active' as const,
    created_at: now,
    disabled_at: null,
  };
  const inserted = await insertLinkWithSlug(db, row, undefined);
  if (!inserted.ok) return inserted;
  await recordAudit(db, {
    ...actorOf(s),
    entity: 'link',
    entityId: row.id,
    action: 'created',
    detail: { after: inserted.value },
    now,
  });
  await ctx.trackingChanged({ kind: 'link', id: row.id });
  return ok({ link: portalLinkView(ctx, offer, inserted.value), created: true });
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export async function portalCommissions(
  ctx: AppContext,
  s: MemberSession,
  q: { status?: 'pending' | 'approved' | 'reversed' | 'paid'; cursor?: string; limit: number },
): Promise<Page<PortalCommission>> {
  let query = ctx.store.db
    .selectFrom('commissions as c')
    .innerJoin('conversions as v', 'v.id', 'c.conversion_id')
    .innerJoin('offers as o', 'o.id', 'c.offer_id')
    .select([
      'c.id',
      'c.offer_id',
      'o.name as offer_name',
      'c.status',
      'c.amount_minor',
      'c.sale_minor',
      'c.currency',
      'c.source',
    ])
    .select(['v.occurred_at', 'c.approve_after', 'c.approved_at', 'c.paid_at', 'c.reversed_at', 'c.created_at'])
    .where('c.workspace_id', '=', s.workspaceId)
    .where('c.member_id', '=', s.memberId);
  if (q.status) query = query.where('c.status', '=', q.status);
  const before = decodeCursor(q.cursor);
  if (before) query = query.where('c.id', '<', before);
  return toPage(
    await query
      .orderBy('c.id', 'desc')
      .limit(q.limit + 1)
      .execute(),
    q.limit,
    commissionItem,
  );
}

function commissionItem(c: {
  id: string;
  offer_id: string;
  offer_name: string;
  status: string;
  amount_minor: number;
  sale_minor: number;
  currency: string;
  source: string;
  occurred_at: number;
  approve_after: number;
  approved_at: number | null;
  paid_at: number | null;
  reversed_at: number | null;
  created_at: number;
}) {
  return {
    id: c.id,
    offerId: c.offer_id,
    offerName: c.offer_name,
    status: c.status,
    amount: formatAmount(c.amount_minor, c.currency),
    amountMinor: c.amount_minor,
    sale: formatAmount(c.sale_minor, c.currency),
    currency: c.currency,
    source: c.source,
    conversionDate: iso(c.occurred_at)!,
    approveAfter: iso(c.approve_after)!,
    approvedAt: iso(c.approved_at),
    paidAt: iso(c.paid_at),
    reversedAt: iso(c.reversed_at),
  };
}

/** What the member was paid, one line per payout batch that included them. */
export async function portalPayouts(ctx: AppContext, s: MemberSession): Promise<{ data: PortalPayout[] }> {
  const rows = await ctx.store.db
    .selectFrom('commissions as c')
    .innerJoin('payout_batches as b', 'b.id', 'c.payout_batch_id')
    .select((eb) => [
      'b.id',
      'b.currency',
      'b.created_at',
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>('c.amount_minor').as('total'),
    ])
    .where('c.workspace_id', '=', s.workspaceId)
    .where('c.member_id', '=', s.memberId)
    .groupBy(['b.id', 'b.currency', 'b.created_at'])
    .orderBy('b.id', 'desc')
    .execute();
  return {
    data: rows.map((r) => ({
      id: r.id,
      paidAt: iso(r.created_at)!,
      currency: r.currency,
      amount: formatAmount(Number(r.total), r.currency),
      amountMinor: Number(r.total),
      commissions: Number(r.n),
    })),
  };
}
