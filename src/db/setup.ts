// Reads of the setup checklist and the tracking check (app/setup.ts): each checklist step is one indexed "first row"
// query, the tracking check reads the newest test orders, their events and the test events refused.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** The workspace's first offer. */
export function firstOffer(db: Db, workspaceId: string) {
  return db
    .selectFrom('offers')
    .select(['id', 'name', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/** The first member added to an offer, with the offer's and the member's names. */
export function firstOfferMember(db: Db, workspaceId: string) {
  return db
    .selectFrom('offer_members as om')
    .innerJoin('offers as o', 'o.id', 'om.offer_id')
    .innerJoin('members as m', 'm.id', 'om.member_id')
    .select(['om.offer_id', 'o.name as offer_name', 'om.member_id', 'm.name as member_name', 'om.created_at'])
    .where('om.workspace_id', '=', workspaceId)
    .orderBy('om.created_at')
    .orderBy('om.member_id')
    .limit(1)
    .executeTakeFirst();
}

/**
 * The first click a person made on a creator's link that the offer tracked: a crawler's or a link preview's click
 * (is_bot), a click on a generic link, or one on a paused offer proves nothing about the setup.
 */
export function firstPersonClick(db: Db, workspaceId: string) {
  return db
    .selectFrom('clicks')
    .select(['id', 'link_id', 'member_id', 'created_at'])
    .where('workspace_id', '=', workspaceId)
    .where('is_bot', '=', 0)
    .where('tracked', '=', 1)
    .where('member_id', 'is not', null)
    .orderBy('created_at')
    .limit(1)
    .executeTakeFirst();
}

/** The first order of one kind: ids are time-ordered, so the (workspace_id, is_test, id) index answers it. */
export function firstOrder(db: Db, workspaceId: string, isTest: 0 | 1) {
  return (
    db
      .selectFrom('conversions')
      .select(['id', 'order_id', 'is_test', 'created_at'])
      .where('workspace_id', '=', workspaceId)
      .where('is_test', '=', isTest)
      // A refund waiting for its order is not an order received.
      .where('status', '!=', 'awaiting_order')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst()
  );
}

/** The workspace's first active link of a member, with the member's name. */
export function firstMemberLink(db: Db, workspaceId: string) {
  return db
    .selectFrom('links as l')
    .innerJoin('members as m', 'm.id', 'l.member_id')
    .innerJoin('offers as o', 'o.id', 'l.offer_id')
    .select(['l.id', 'l.slug', 'l.offer_id', 'l.member_id', 'm.name as member_name', 'o.tracking_origin'])
    .where('l.workspace_id', '=', workspaceId)
    .where('l.status', '=', 'active')
    .orderBy('l.id')
    .limit(1)
    .executeTakeFirst();
}

/** The source of an order's first event. */
export async function firstEventSource(db: Db, conversionId: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('conversion_events')
    .select('source')
    .where('conversion_id', '=', conversionId)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.source;
}

/** The newest test orders, newest first. */
export function newestTestOrders(db: Db, workspaceId: string, limit: number) {
  return db
    .selectFrom('conversions')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('is_test', '=', 1)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** The newest test events refused before they became an order, newest first. */
export function newestRejectedTestEvents(db: Db, workspaceId: string, limit: number) {
  return db
    .selectFrom('conversion_events')
    .select(['id', 'received_at', 'source', 'order_id', 'reason'])
    .where('workspace_id', '=', workspaceId)
    .where('is_test', '=', 1)
    .where('outcome', '=', 'rejected')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** The events of these orders, oldest first. */
export async function eventsOfOrders(db: Db, workspaceId: string, conversionIds: string[]) {
  return conversionIds.length
    ? db
        .selectFrom('conversion_events')
        .select(['id', 'conversion_id', 'received_at', 'source', 'outcome', 'reason', 'trust'])
        .where('workspace_id', '=', workspaceId)
        .where('conversion_id', 'in', conversionIds)
        .orderBy('id')
        .execute()
    : [];
}
