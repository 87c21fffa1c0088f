import { sql, type Kysely, type Transaction } from 'kysely';
import { dialectOf } from './dialect/index.js';
import type { Database, MemberTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type MemberRow = MemberTable;

export async function insertMembers(db: Db, rows: MemberRow[]): Promise<void> {
  // Chunked: SQLite caps bound parameters per statement.
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto('members')
      .values(rows.slice(i, i + 200))
      .execute();
}

export async function findMember(db: Db, workspaceId: string, id: string): Promise<MemberRow | undefined> {
  return db
    .selectFrom('members')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findMembers(db: Db, workspaceId: string, ids: string[]): Promise<MemberRow[]> {
  if (!ids.length) return [];
  return db.selectFrom('members').selectAll().where('workspace_id', '=', workspaceId).where('id', 'in', ids).execute();
}

export interface MemberFilter {
  q?: string;
  tag?: string;
  project?: string;
  before: string | null;
  limit: number;
}

/** A LIKE pattern's own wildcards taken literally (used with `escape '\\'`). */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

export async function listMembers(db: Db, workspaceId: string, f: MemberFilter): Promise<MemberRow[]> {
  let query = db.selectFrom('members').selectAll().where('workspace_id', '=', workspaceId);
  const like = dialectOf(db).likeOperator;
  if (f.q) {
    const pattern = `%${escapeLike(f.q)}%`;
    query = query.where((eb) =>
      eb.or(
        (['name', 'email', 'instagram', 'tiktok', 'youtube'] as const).map((col) =>
          eb(sql`${sql.ref(col)}`, like, sql`${pattern} escape '\\'`),
        ),
      ),
    );
  }
  // Case-insensitive like `q` on both databases (a plain LIKE is case-sensitive on PostgreSQL only).
  if (f.tag) query = query.where(sql`tags`, like, sql`${`%${escapeLike(JSON.stringify(f.tag))}%`} escape '\\'`);
  if (f.project) query = query.where('project', '=', f.project);
  if (f.before) query = query.where('id', '<', f.before);
  return query
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
}

export async function findMembersByEmailOrExternalId(
  db: Db,
  workspaceId: string,
  emails: string[],
  externalIds: string[],
): Promise<MemberRow[]> {
  const out: MemberRow[] = [];
  for (let i = 0; i < Math.max(emails.length, externalIds.length); i += 200) {
    const e = emails.slice(i, i + 200);
    const x = externalIds.slice(i, i + 200);
    if (!e.length && !x.length) continue;
    out.push(
      ...(await db
        .selectFrom('members')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where((eb) =>
          eb.or([
            ...(e.length ? [eb(sql<string>`lower(email)`, 'in', e)] : []),
            ...(x.length ? [eb('external_id', 'in', x)] : []),
          ]),
        )
        .execute()),
    );
  }
  return out;
}

export async function updateMemberRow(
  db: Db,
  workspaceId: string,
  id: string,
  patch: Partial<MemberRow>,
): Promise<void> {
  await db.updateTable('members').set(patch).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

/** Tracked activity that makes a member undeletable: clicks now, conversions once they exist. */
export async function memberHasActivity(db: Db, workspaceId: string, id: string): Promise<boolean> {
  // Through the member's links, so the clicks table needs no index of its own for this.
  const click = await db
    .selectFrom('clicks')
    .select('id')
    .where(
      'link_id',
      'in',
      db.selectFrom('links').select('id').where('workspace_id', '=', workspaceId).where('member_id', '=', id),
    )
    .limit(1)
    .executeTakeFirst();
  return click !== undefined;
}

export async function deleteMemberCascade(db: Db, workspaceId: string, id: string): Promise<void> {
  await db.deleteFrom('promo_codes').where('workspace_id', '=', workspaceId).where('member_id', '=', id).execute();
  await db.deleteFrom('links').where('workspace_id', '=', workspaceId).where('member_id', '=', id).execute();
  await db.deleteFrom('offer_members').where('workspace_id', '=', workspaceId).where('member_id', '=', id).execute();
  await db.deleteFrom('members').where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}
