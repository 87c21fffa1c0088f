import type { Kysely, Transaction } from 'kysely';
import { lockedForUpdate, type DialectKind } from './dialect.js';
import type { CommissionAdjustmentTable, CommissionTable, ConversionEventTable, ConversionTable, Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type ConversionRow = ConversionTable;
export type CommissionRow = CommissionTable;
export type ConversionEventRow = ConversionEventTable;
export type AdjustmentRow = CommissionAdjustmentTable;

/** Inserts the order's conversion unless one exists; true when this call created it. The unique index decides. */
export async function insertConversionIfNew(db: Db, row: ConversionRow): Promise<boolean> {
  const r = await db
    .insertInto('conversions')
    .values(row)
    .onConflict((oc) => oc.columns(['workspace_id', 'is_test', 'order_id']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

export async function lockConversionByOrder(db: Db, kind: DialectKind, workspaceId: string, isTest: boolean, orderId: string) {
  return lockedForUpdate(
    db.selectFrom('conversions').selectAll().where('workspace_id', '=', workspaceId).where('is_test', '=', isTest ? 1 : 0).where('order_id', '=', orderId),
    kind,
  ).executeTakeFirstOrThrow();
}

export async function updateConversion(db: Db, id: string, patch: Partial<ConversionRow>): Promise<void> {
  await db.updateTable('conversions').set(patch).where('id', '=', id).execute();
}

export async function insertEvent(db: Db, row: ConversionEventRow): Promise<void> {
  await db.insertInto('conversion_events').values(row).execute();
}

export async function commissionsOf(db: Db, conversionId: string): Promise<CommissionRow[]> {
  return db.selectFrom('commissions').selectAll().where('conversion_id', '=', conversionId).orderBy('id').execute();
}

export async function insertCommission(db: Db, row: CommissionRow): Promise<void> {
  await db.insertInto('commissions').values(row).execute();
}

export async function updateCommission(db: Db, id: string, patch: Partial<CommissionRow>): Promise<void> {
  await db.updateTable('commissions').set(patch).where('id', '=', id).execute();
}

export async function insertAdjustment(db: Db, row: AdjustmentRow): Promise<void> {
  await db.insertInto('commission_adjustments').values(row).execute();
}

/** Earlier commissions of the member on the offer in the month that still count towards volume tiers. */
export async function countMonthCommissions(db: Db, offerId: string, memberId: string, monthKey: string, exceptConversion: string): Promise<number> {
  const r = await db
    .selectFrom('commissions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('offer_id', '=', offerId)
    .where('member_id', '=', memberId)
    .where('month_key', '=', monthKey)
    .where('status', '!=', 'reversed')
    .where('conversion_id', '!=', exceptConversion)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

export async function findClick(db: Db, id: string) {
  return db.selectFrom('clicks').select(['id', 'workspace_id', 'offer_id', 'member_id', 'link_id', 'created_at', 'tracked', 'is_bot']).where('id', '=', id).executeTakeFirst();
}

export async function findCodeForAttribution(db: Db, workspaceId: string, code: string) {
  // The active code if there is one, else the newest disabled one (to say "code disabled" rather than "unknown").
  // A string has one or a few rows: chosen here rather than sorted by the database.
  const rows = await db
    .selectFrom('promo_codes')
    .select(['id', 'code', 'offer_id', 'member_id', 'status'])
    .where('workspace_id', '=', workspaceId)
    .where('code_normalized', '=', code)
    .execute();
  return rows.find((r) => r.status === 'active') ?? rows.sort((a, b) => (a.id < b.id ? 1 : -1))[0];
}
