import { sql, type Kysely, type Transaction } from 'kysely';
import { dialectOf } from './dialect/index.js';
import { escapeLike } from './members.js';
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

export interface OfferMemberSearch {
  /** Name, email, a social handle or one of the member's codes on this offer (case-insensitive, anywhere). */
  q?: string;
}

/** One offer's members matching a search, as the keys a sort needs; the rest of a row is read for its page only. */
function matching(db: Db, workspaceId: string, offerId: string, f: OfferMemberSearch) {
  let query = db
    .selectFrom('offer_members as om')
    .innerJoin('members as m', 'm.id', 'om.member_id')
    .where('om.workspace_id', '=', workspaceId)
    .where('om.offer_id', '=', offerId);
  const q = f.q?.trim();
  if (q) {
    const like = dialectOf(db).likeOperator;
    const pattern = sql`${`%${escapeLike(q)}%`} escape '\\'`;
    query = query.where((eb) =>
      eb.or([
        ...(['m.name', 'm.email', 'm.instagram', 'm.tiktok', 'm.youtube'] as const).map((col) =>
          eb(sql.ref(col), like, pattern),
        ),
        eb.exists(
          eb
            .selectFrom('promo_codes as c')
            .select(sql`1`.as('one'))
            .whereRef('c.offer_id', '=', 'om.offer_id')
            .whereRef('c.member_id', '=', 'om.member_id')
            .where(sql.ref('c.code'), like, pattern),
        ),
      ]),
    );
  }
  return query;
}

export async function countOfferMembers(
  db: Db,
  workspaceId: string,
  offerId: string,
  f: OfferMemberSearch,
): Promise<number> {
  const r = await matching(db, workspaceId, offerId, f)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * One page by name or by the day they joined the offer, in SQL (offset paging: a page is a few dozen rows of one
 * offer's members, and the page number is what people ask for). Names compare lower-cased, so both databases agree.
 */
export async function pageOfferMembers(
  db: Db,
  workspaceId: string,
  offerId: string,
  f: OfferMemberSearch & { sort: 'name' | 'joined'; desc: boolean; offset: number; limit: number },
): Promise<OfferMemberRow[]> {
  const dir = f.desc ? 'desc' : 'asc';
  let query = matching(db, workspaceId, offerId, f).selectAll('om');
  query =
    f.sort === 'name'
      ? query.orderBy(sql`lower(m.name)`, dir).orderBy('om.member_id', dir)
      : query.orderBy('om.created_at', dir).orderBy('om.member_id', dir);
  return query.limit(f.limit).offset(f.offset).execute();
}

/** Every matching member's id and name: sorting by a report's numbers happens in the use case, which has them. */
export async function offerMemberKeys(
  db: Db,
  workspaceId: string,
  offerId: string,
  f: OfferMemberSearch,
): Promise<{ member_id: string; name: string }[]> {
  return matching(db, workspaceId, offerId, f).select(['om.member_id', 'm.name']).execute();
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

/** The offers a member is on, oldest membership first (the member profile). */
export async function offersOfMember(db: Db, workspaceId: string, memberId: string): Promise<OfferMemberRow[]> {
  return db
    .selectFrom('offer_members')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('member_id', '=', memberId)
    .orderBy('created_at')
    .orderBy('offer_id')
    .execute();
}
