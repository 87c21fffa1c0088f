// Everything the redirect needs about a link, in one row: the link, its offer, member, workspace and active code.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface TrackedLinkRow {
  link_id: string;
  slug: string;
  link_status: 'active' | 'disabled';
  deep_link_url: string | null;
  workspace_id: string;
  click_tag: string;
  ip_hash_key: string;
  offer_id: string;
  offer_name: string;
  offer_status: 'active' | 'paused' | 'archived';
  ends_at: number | null;
  destination_url: string;
  tracking_methods: string;
  cookie_window_days: number;
  utm: string;
  deep_links: string;
  code_append: string;
  tracking_origin: string | null;
  member_id: string | null;
  member_name: string | null;
  instagram: string | null;
  tiktok: string | null;
  project: string | null;
  code: string | null;
}

function baseQuery(db: Kysely<Database>) {
  return db
    .selectFrom('links as l')
    .innerJoin('offers as o', 'o.id', 'l.offer_id')
    .innerJoin('workspaces as w', 'w.id', 'l.workspace_id')
    .leftJoin('members as m', 'm.id', 'l.member_id')
    .select([
      'l.id as link_id',
      'l.slug',
      'l.status as link_status',
      'l.deep_link_url',
      'l.workspace_id',
      'w.click_tag',
      'w.ip_hash_key',
      'o.id as offer_id',
      'o.name as offer_name',
      'o.status as offer_status',
      'o.ends_at',
      'o.destination_url',
      'o.tracking_methods',
      'o.cookie_window_days',
      'o.utm',
      'o.deep_links',
      'o.code_append',
      'o.tracking_origin',
      'l.member_id',
      'm.name as member_name',
      'm.instagram',
      'm.tiktok',
      'm.project',
      // The member's newest active personalized code on the offer, appended to the destination when the offer asks.
      (eb) =>
        eb
          .selectFrom('promo_codes as c')
          .select('c.code')
          .whereRef('c.offer_id', '=', 'l.offer_id')
          .whereRef('c.member_id', '=', 'l.member_id')
          .where('c.status', '=', 'active')
          .orderBy('c.id', 'desc')
          .limit(1)
          .as('code'),
    ]);
}

export async function findTrackedLinkBySlug(db: Kysely<Database>, slug: string): Promise<TrackedLinkRow | undefined> {
  return baseQuery(db)
    .where(sql`lower(l.slug)`, '=', slug.toLowerCase())
    .executeTakeFirst() as Promise<TrackedLinkRow | undefined>;
}

export async function findTrackedLinks(
  db: Kysely<Database>,
  where: { linkId?: string; offerId?: string; memberId?: string },
): Promise<TrackedLinkRow[]> {
  let q = baseQuery(db);
  if (where.linkId) q = q.where('l.id', '=', where.linkId);
  if (where.offerId) q = q.where('l.offer_id', '=', where.offerId);
  if (where.memberId) q = q.where('l.member_id', '=', where.memberId);
  return q.execute() as Promise<TrackedLinkRow[]>;
}

/** The newest links first, to warm the cache on start. */
export async function recentTrackedLinks(db: Kysely<Database>, limit: number): Promise<TrackedLinkRow[]> {
  return baseQuery(db).orderBy('l.id', 'desc').limit(limit).execute() as Promise<TrackedLinkRow[]>;
}
