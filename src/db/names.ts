// What a page or report calls a row it only knows by id: an offer's or member's name, a promo code's text, a link's
// slug. One helper for every "label these ids" read (reports, the tracking check).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The column each named table is labelled by. */
const NAME_COLUMN = { offers: 'name', members: 'name', promo_codes: 'code', links: 'slug' } as const;
export type NamedTable = keyof typeof NAME_COLUMN;

/** Batches of ids for an "in (…)" list; hundreds of ids read the workspace's whole (small) table instead (null). */
export function idBatches(ids: string[]): (string[] | null)[] {
  return ids.length > 200
    ? [null]
    : Array.from({ length: Math.ceil(ids.length / 1_000) }, (_, i) => ids.slice(i * 1_000, (i + 1) * 1_000));
}

/** The name (offers, members), text (promo_codes) or slug (links) of each of these ids in the workspace. */
export async function namesById(
  db: Db,
  workspaceId: string,
  table: NamedTable,
  ids: string[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const chunk of idBatches(ids)) {
    let q = db
      .selectFrom(table)
      .select(['id', sql<string>`${sql.ref(NAME_COLUMN[table])}`.as('name')])
      .where('workspace_id', '=', workspaceId);
    if (chunk) q = q.where('id', 'in', chunk);
    for (const r of await q.execute()) names.set(r.id, r.name);
  }
  return names;
}
