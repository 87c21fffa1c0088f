import type { Kysely, Transaction } from 'kysely';
import type { Database, OfferMemberTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type OfferMemberRow = OfferMemberTable;

export async function findOfferMembers(
  db: Db,
  workspaceId: string,
  offerId: string,
  memberIds: string[],
): Promise<OfferMemberRow[]> {
  if (!memberIds.length) return [];
  return db
    .selectFrom('offer_members')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', '=', offerId)
    .where('member_id', 'in', memberIds)
    .execute();
}

export async function listOfferMembers(
  db: Db,
  workspaceId: string,
  offerId: string,
  page: { before: string | null; limit: number },
): Promise<OfferMemberRow[]> {
  let q = db
    .selectFrom('offer_members')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', '=', offerId);
  if (page.before) q = q.where('member_id', '<', page.before);
  return q
    .orderBy('member_id', 'desc')
    .limit(page.limit + 1)
    .execute();
}

export async function allOfferMembers(db: Db, workspaceId: string, offerId: string): Promise<OfferMemberRow[]> {
  return db
    .selectFrom('offer_members')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', '=', offerId)
    .orderBy('member_id')
    .execute();
}

export async function upsertOfferMember(db: Db, row: OfferMemberRow, existed: boolean): Promise<void> {
  if (existed) {
    await db
      .updateTable('offer_members')
      .set({ payout_option_id: row.payout_option_id })
      .where('offer_id', '=', row.offer_id)
      .where('member_id', '=', row.member_id)
      .execute();
  } else {
    await db.insertInto('offer_members').values(row).execute();
  }
}

export async function deleteOfferMember(
  db: Db,
  workspaceId: string,
  offerId: string,
  memberId: string,
): Promise<boolean> {
  const r = await db
    .deleteFrom('offer_members')
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', '=', offerId)
    .where('member_id', '=', memberId)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
