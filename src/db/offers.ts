import type { Kysely, Transaction } from 'kysely';
import type { Database, OfferTable, PayoutOptionTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

export type OfferRow = OfferTable;
export type PayoutOptionRow = PayoutOptionTable;

export async function insertOffer(db: Db, row: OfferRow): Promise<void> {
  await db.insertInto('offers').values(row).execute();
}

export async function findOffer(db: Db, workspaceId: string, id: string): Promise<OfferRow | undefined> {
  return db
    .selectFrom('offers')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** The tracking origin of each offer (null: its links are on BASE_URL), for building link URLs. */
export async function trackingOrigins(
  db: Db,
  workspaceId: string,
  ids: readonly string[],
): Promise<Map<string, string | null>> {
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('offers')
    .select(['id', 'tracking_origin'])
    .where('workspace_id', '=', workspaceId)
    .where('id', 'in', [...new Set(ids)])
    .execute();
  return new Map(rows.map((r) => [r.id, r.tracking_origin]));
}

export async function listOffers(
  db: Db,
  workspaceId: string,
  q: { status?: OfferRow['status']; before: string | null; limit: number },
): Promise<OfferRow[]> {
  let query = db.selectFrom('offers').selectAll().where('workspace_id', '=', workspaceId);
  if (q.status) query = query.where('status', '=', q.status);
  if (q.before) query = query.where('id', '<', q.before);
  return query
    .orderBy('id', 'desc')
    .limit(q.limit + 1)
    .execute();
}

export async function updateOfferRow(db: Db, workspaceId: string, id: string, patch: Partial<OfferRow>): Promise<void> {
  await db.updateTable('offers').set(patch).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

export async function insertPayoutOptions(db: Db, rows: PayoutOptionRow[]): Promise<void> {
  if (rows.length) await db.insertInto('payout_options').values(rows).execute();
}

export async function listPayoutOptions(db: Db, workspaceId: string, offerIds: string[]): Promise<PayoutOptionRow[]> {
  if (!offerIds.length) return [];
  return db
    .selectFrom('payout_options')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', 'in', offerIds)
    .where('archived_at', 'is', null)
    .orderBy('position')
    .execute();
}

export async function findPayoutOption(
  db: Db,
  workspaceId: string,
  offerId: string,
  id: string,
): Promise<PayoutOptionRow | undefined> {
  return db
    .selectFrom('payout_options')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('offer_id', '=', offerId)
    .where('id', '=', id)
    .where('archived_at', 'is', null)
    .executeTakeFirst();
}

export async function updatePayoutOptionRow(db: Db, id: string, patch: Partial<PayoutOptionRow>): Promise<void> {
  await db.updateTable('payout_options').set(patch).where('id', '=', id).execute();
}

/** Exactly one default per offer: clearing the others happens in the same transaction as setting one. */
export async function setDefaultPayoutOption(db: Db, offerId: string, id: string): Promise<void> {
  await db
    .updateTable('payout_options')
    .set({ is_default: 0 })
    .where('offer_id', '=', offerId)
    .where('id', '!=', id)
    .execute();
  await db.updateTable('payout_options').set({ is_default: 1 }).where('id', '=', id).execute();
}

export async function countMembersOnPayoutOption(db: Db, payoutOptionId: string): Promise<number> {
  const r = await db
    .selectFrom('offer_members')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('payout_option_id', '=', payoutOptionId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function reassignPayoutOption(db: Db, fromId: string, toId: string): Promise<void> {
  await db
    .updateTable('offer_members')
    .set({ payout_option_id: toId })
    .where('payout_option_id', '=', fromId)
    .execute();
}
