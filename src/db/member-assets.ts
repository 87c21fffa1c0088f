// Tracking links and promo codes are what a member is given on an offer: both tables carry the same ownership
// columns (workspace, offer, member, status, disabled_at), so reading them per member and disabling them is one
// query shape, kept here once for db/links.ts and db/promo-codes.ts.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type MemberAssetTable = 'links' | 'promo_codes';

/** Every row (any status) the given members hold on one offer, oldest first. */
// Kysely cannot resolve columns on a generic table name, so the body works on the union and this signature gives
// each caller its own table's row type.
export function assetsOfMembers<T extends MemberAssetTable>(
  db: Db,
  table: T,
  workspaceId: string,
  offerId: string,
  memberIds: string[],
): Promise<Database[T][]>;
export async function assetsOfMembers(
  db: Db,
  table: MemberAssetTable,
  workspaceId: string,
  offerId: string,
  memberIds: string[],
): Promise<Database[MemberAssetTable][]> {
  if (!memberIds.length) return [];
  return db
    .selectFrom(table)
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', '=', offerId)
    .where('member_id', 'in', memberIds)
    .orderBy('id')
    .execute();
}

/** Disables the active rows that match `where` (by id, offer and/or member); returns the ids it disabled. */
export async function disableAssets(
  db: Db,
  table: MemberAssetTable,
  workspaceId: string,
  where: { id?: string; offerId?: string; memberId?: string },
  now: number,
): Promise<string[]> {
  let q = db.selectFrom(table).select('id').where('workspace_id', '=', workspaceId).where('status', '=', 'active');
  if (where.id) q = q.where('id', '=', where.id);
  if (where.offerId) q = q.where('offer_id', '=', where.offerId);
  if (where.memberId) q = q.where('member_id', '=', where.memberId);
  const ids = (await q.execute()).map((r) => r.id);
  if (ids.length)
    await db.updateTable(table).set({ status: 'disabled', disabled_at: now }).where('id', 'in', ids).execute();
  return ids;
}
