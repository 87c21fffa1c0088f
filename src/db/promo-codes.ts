import type { Kysely, Transaction } from 'kysely';
import { assetsOfMembers, disableAssets } from './member-assets.js';
import type { Database, PromoCodeTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type PromoCodeRow = PromoCodeTable;

export async function insertCodes(db: Db, rows: PromoCodeRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('promo_codes')
      .values(rows.slice(i, i + 200))
      .execute();
}

export async function findCode(db: Db, workspaceId: string, id: string): Promise<PromoCodeRow | undefined> {
  return db
    .selectFrom('promo_codes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function updateCodeStripePromotion(
  db: Db,
  workspaceId: string,
  id: string,
  stripePromotionCodeId: string | null,
): Promise<void> {
  await db
    .updateTable('promo_codes')
    .set({ stripe_promotion_code_id: stripePromotionCodeId })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .execute();
}

/** The active code a Stripe promotion code stands for. */
export async function findCodeByStripePromotion(
  db: Db,
  workspaceId: string,
  stripePromotionCodeId: string,
): Promise<PromoCodeRow | undefined> {
  return db
    .selectFrom('promo_codes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('stripe_promotion_code_id', '=', stripePromotionCodeId)
    .orderBy('status')
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
}

export async function listCodes(
  db: Db,
  workspaceId: string,
  f: {
    offerId?: string;
    memberId?: string;
    status?: PromoCodeRow['status'];
    code?: string;
    before: string | null;
    limit: number;
  },
): Promise<PromoCodeRow[]> {
  let q = db.selectFrom('promo_codes').selectAll().where('workspace_id', '=', workspaceId);
  if (f.offerId) q = q.where('offer_id', '=', f.offerId);
  if (f.memberId) q = q.where('member_id', '=', f.memberId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.code) q = q.where('code_normalized', '=', f.code);
  if (f.before) q = q.where('id', '<', f.before);
  return q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
}

/** Every active code string in the workspace, to generate new ones that collide with none. */
export async function activeCodeSet(db: Db, workspaceId: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('promo_codes')
    .select('code_normalized')
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'active')
    .execute();
  return new Set(rows.map((r) => r.code_normalized));
}

export async function activeCodesByNormalized(db: Db, workspaceId: string, codes: string[]): Promise<PromoCodeRow[]> {
  if (!codes.length) return [];
  return db
    .selectFrom('promo_codes')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('status', '=', 'active')
    .where('code_normalized', 'in', codes)
    .execute();
}

export async function codesOfMembers(
  db: Db,
  workspaceId: string,
  offerId: string,
  memberIds: string[],
): Promise<PromoCodeRow[]> {
  return assetsOfMembers(db, 'promo_codes', workspaceId, offerId, memberIds);
}

export async function disableCodes(
  db: Db,
  workspaceId: string,
  where: { id?: string; offerId?: string; memberId?: string },
  now: number,
): Promise<string[]> {
  return disableAssets(db, 'promo_codes', workspaceId, where, now);
}
