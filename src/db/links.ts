import type { Kysely, Transaction } from 'kysely';
import { assetsOfMembers, disableAssets } from './member-assets.js';
import type { Database, LinkTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type LinkRow = LinkTable;

export async function insertLink(db: Db, row: LinkRow): Promise<void> {
  await db.insertInto('links').values(row).execute();
}

export async function findLink(db: Db, workspaceId: string, id: string): Promise<LinkRow | undefined> {
  return db
    .selectFrom('links')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function listLinks(
  db: Db,
  workspaceId: string,
  f: { offerId?: string; memberId?: string; status?: LinkRow['status']; before: string | null; limit: number },
): Promise<LinkRow[]> {
  let q = db.selectFrom('links').selectAll().where('workspace_id', '=', workspaceId);
  if (f.offerId) q = q.where('offer_id', '=', f.offerId);
  if (f.memberId) q = q.where('member_id', '=', f.memberId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.before) q = q.where('id', '<', f.before);
  return q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
}

export async function linksOfMembers(
  db: Db,
  workspaceId: string,
  offerId: string,
  memberIds: string[],
): Promise<LinkRow[]> {
  return assetsOfMembers(db, 'links', workspaceId, offerId, memberIds);
}

export async function disableLinks(
  db: Db,
  workspaceId: string,
  where: { id?: string; offerId?: string; memberId?: string },
  now: number,
): Promise<string[]> {
  return disableAssets(db, 'links', workspaceId, where, now);
}

export type ClickCounts = Map<string, { clicks: number; uniqueClicks: number }>;

/**
 * Tracked, non-bot clicks (and unique ones) per link or per offer, all time, for list views. Read from the daily
 * rollups once they are built (ADR 0006): a link with a million clicks is then a few hundred rows, not a million.
 * Before the first build, from the clicks themselves (through their links: clicks are indexed by link, not offer).
 */
export async function clickCounts(
  db: Db,
  workspaceId: string,
  by: 'link' | 'offer',
  ids: string[],
): Promise<ClickCounts> {
  if (!ids.length) return new Map();
  const ws = await db
    .selectFrom('workspaces')
    .select('rollup_timezone')
    .where('id', '=', workspaceId)
    .executeTakeFirst();
  if (ws?.rollup_timezone) {
    const key = by === 'link' ? 'link_id' : 'offer_id';
    const rows = await db
      .selectFrom('rollup_clicks')
      .select((eb) => [
        eb.ref(key).as('key'),
        eb.fn.sum<number>('clicks').as('clicks'),
        eb.fn.sum<number>('unique_clicks').as('unique_clicks'),
      ])
      .where('workspace_id', '=', workspaceId)
      .where(key, 'in', ids)
      .groupBy(key)
      .execute();
    return new Map(rows.map((r) => [r.key, { clicks: Number(r.clicks), uniqueClicks: Number(r.unique_clicks ?? 0) }]));
  }
  const key = by === 'link' ? 'l.id' : 'l.offer_id';
  const rows = await db
    .selectFrom('clicks as c')
    .innerJoin('links as l', 'l.id', 'c.link_id')
    .select((eb) => [
      eb.ref(key).as('key'),
      eb.fn.countAll<number>().as('clicks'),
      eb.fn.sum<number>('c.is_unique').as('unique_clicks'),
    ])
    .where('l.workspace_id', '=', workspaceId)
    .where(key, 'in', ids)
    .where('c.tracked', '=', 1)
    .where('c.is_bot', '=', 0)
    .groupBy(key)
    .execute();
  return new Map(rows.map((r) => [r.key, { clicks: Number(r.clicks), uniqueClicks: Number(r.unique_clicks ?? 0) }]));
}
