// Getting started: the setup checklist and the tracking check. Every step is read from what the server stored, never
// from a flag a page sets, so a step ticks when its evidence arrives by any path (API, dashboard, a real click, a
// postback). The checklist is polled every few seconds while a dashboard tab is visible: each step is one indexed
// "first row" query (db/setup.ts).
import { linkBase, linkUrl } from '../core/tracking-origin.js';
import { formatAmount } from '../core/money.js';
import type { SetupChecklist, TrackingCheck, TrackingCheckOrder } from '../contract/setup.js';
import { namesById } from '../db/names.js';
import {
  eventsOfOrders,
  firstEventSource,
  firstMemberLink,
  firstOffer,
  firstOfferMember,
  firstOrder,
  firstPersonClick,
  newestRejectedTestEvents,
  newestTestOrders,
} from '../db/setup.js';
import type { CreditedCommission } from './order-decision.js';
import type { Actor, AppContext } from './context.js';

const iso = (t: number) => new Date(t).toISOString();

/** The parts of a conversion's stored decision (app/order-decision.ts DecisionRecord) the tracking check reads. */
interface StoredDecision {
  reasons?: string[];
  notes?: string[];
  credits?: { offerId: string; memberId: string | null; source: string; shareBps: number }[];
  commissions?: CreditedCommission[];
  settings?: Record<string, { attributionRule: string }>;
  trust?: string | null;
  linkId?: string | null;
  codeId?: string | null;
}

export async function setupChecklist(ctx: AppContext, actor: Actor): Promise<SetupChecklist> {
  const { db } = ctx.store;
  const ws = actor.workspaceId;
  const [offer, added, click, testOrder, realOrder, link] = await Promise.all([
    firstOffer(db, ws),
    firstOfferMember(db, ws),
    firstPersonClick(db, ws),
    firstOrder(db, ws, 1),
    firstOrder(db, ws, 0),
    firstMemberLink(db, ws),
  ]);
  const order =
    testOrder && realOrder
      ? testOrder.created_at <= realOrder.created_at
        ? testOrder
        : realOrder
      : (testOrder ?? realOrder);
  const source = order ? await firstEventSource(db, order.id) : undefined;
  const steps: SetupChecklist['steps'] = [
    {
      key: 'offer',
      done: !!offer,
      doneAt: offer ? iso(offer.created_at) : null,
      proof: offer ? { offerId: offer.id, offerName: offer.name } : null,
    },
    {
      key: 'member',
      done: !!added,
      doneAt: added ? iso(added.created_at) : null,
      proof: added
        ? {
            offerId: added.offer_id,
            offerName: added.offer_name,
            memberId: added.member_id,
            memberName: added.member_name,
          }
        : null,
    },
    {
      key: 'click',
      done: !!click,
      doneAt: click ? iso(click.created_at) : null,
      proof: click ? { clickId: click.id, linkId: click.link_id, memberId: click.member_id! } : null,
    },
    {
      key: 'conversion',
      done: !!order,
      doneAt: order ? iso(order.created_at) : null,
      proof: order
        ? { conversionId: order.id, orderId: order.order_id, test: order.is_test === 1, source: source ?? '' }
        : null,
    },
  ];
  return {
    steps,
    allDone: steps.every((s) => s.done),
    next: {
      offerId: offer?.id ?? null,
      link: link
        ? {
            id: link.id,
            url: linkUrl(linkBase(ctx.baseUrl, link.tracking_origin), link.slug),
            memberId: link.member_id!,
            memberName: link.member_name,
            offerId: link.offer_id,
          }
        : null,
    },
  };
}

/**
 * The tracking check: the newest test orders, each with what it carried and what of it was found, the rule and
 * reasons of its decision and the commissions it would have paid; and the test events refused before they became
 * an order. Test orders are shown here and nowhere else (reports, payouts, the portal and exports leave them out).
 */
export async function trackingCheck(ctx: AppContext, actor: Actor, limit = 20): Promise<TrackingCheck> {
  const { db } = ctx.store;
  const ws = actor.workspaceId;
  const [orders, rejected] = await Promise.all([
    newestTestOrders(db, ws, limit),
    newestRejectedTestEvents(db, ws, limit),
  ]);
  const decisions = new Map(orders.map((o) => [o.id, JSON.parse(o.decision) as StoredDecision]));
  const all = [...decisions.values()];
  const memberIds = unique(
    all.flatMap((d) => [...(d.credits ?? []).map((c) => c.memberId), ...(d.commissions ?? []).map((c) => c.memberId)]),
  );
  const offerIds = unique(all.flatMap((d) => (d.credits ?? []).map((c) => c.offerId)));
  const linkIds = unique(all.map((d) => d.linkId ?? null));
  const orderIds = orders.map((o) => o.id);
  const [memberName, offerName, slug, events] = await Promise.all([
    namesById(db, ws, 'members', memberIds),
    namesById(db, ws, 'offers', offerIds),
    namesById(db, ws, 'links', linkIds),
    eventsOfOrders(db, ws, orderIds),
  ]);
  return {
    orders: orders.map((o): TrackingCheckOrder => {
      const d = decisions.get(o.id)!;
      const own = events.filter((e) => e.conversion_id === o.id);
      const credits = d.credits ?? [];
      const first = credits[0];
      const linkId = d.linkId ?? null;
      return {
        conversionId: o.id,
        orderId: o.order_id,
        status: o.status,
        receivedAt: iso(o.created_at),
        occurredAt: iso(o.occurred_at),
        source: own[0]?.source ?? null,
        trust: d.trust ?? null,
        amount: o.amount_minor === null || !o.currency ? null : formatAmount(o.amount_minor, o.currency),
        currency: o.currency,
        matched: {
          clickId: o.click_id,
          link: linkId ? { id: linkId, slug: slug.get(linkId) ?? '' } : null,
          code: o.code,
          codeMatched: !!d.codeId,
        },
        credits: credits.map((c) => ({
          offerId: c.offerId,
          offerName: offerName.get(c.offerId) ?? null,
          memberId: c.memberId,
          memberName: c.memberId ? (memberName.get(c.memberId) ?? null) : null,
          source: c.source,
          shareBps: c.shareBps,
        })),
        rule: first ? (d.settings?.[first.offerId]?.attributionRule ?? null) : null,
        reasons: [...(d.reasons ?? []), ...(d.notes ?? [])],
        wouldHavePaid: (d.commissions ?? []).map((c) => ({
          memberId: c.memberId,
          memberName: memberName.get(c.memberId) ?? null,
          offerId: c.offerId,
          amount: formatAmount(c.amountMinor, c.currency),
          currency: c.currency,
        })),
        events: own.map((e) => ({
          id: e.id,
          receivedAt: iso(e.received_at),
          source: e.source,
          outcome: e.outcome,
          reason: e.reason,
        })),
      };
    }),
    rejected: rejected.map((e) => ({
      id: e.id,
      receivedAt: iso(e.received_at),
      source: e.source,
      orderId: e.order_id,
      reason: e.reason,
    })),
  };
}

function unique(values: (string | null)[]): string[] {
  return [...new Set(values.filter((v): v is string => !!v))];
}
