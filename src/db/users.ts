// Users, sessions (users' and members'), one-time tokens and attempt counters. Tokens arrive here already hashed.
import type { Kysely, Transaction } from 'kysely';
import { dialectOf } from './dialect/index.js';
import type { Database, MemberSessionTable, OneTimeTokenTable, UserSessionTable, UserTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type UserRow = UserTable;
export type Role = UserRow['role'];

export async function insertUser(db: Db, row: UserRow): Promise<void> {
  await db.insertInto('users').values(row).execute();
}

export async function findUser(db: Db, workspaceId: string, id: string): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email.toLowerCase()).executeTakeFirst();
}

export async function listUsers(db: Db, workspaceId: string): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().where('workspace_id', '=', workspaceId).orderBy('id').execute();
}

export async function countUsers(db: Db, workspaceId: string): Promise<number> {
  const r = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * The workspace's owners, with the workspace row locked on PostgreSQL: every change that could remove an owner takes
 * this lock first, so two concurrent demotions are decided one after the other and never leave the workspace without
 * one (SQLite has a single writer).
 */
export async function lockOwners(tx: Transaction<Database>, workspaceId: string): Promise<string[]> {
  await dialectOf(tx)
    .lockedForUpdate(tx.selectFrom('workspaces').select('id').where('id', '=', workspaceId))
    .executeTakeFirst();
  const rows = await tx
    .selectFrom('users')
    .select('id')
    .where('workspace_id', '=', workspaceId)
    .where('role', '=', 'owner')
    .execute();
  return rows.map((r) => r.id);
}

export async function updateUser(db: Db, workspaceId: string, id: string, patch: Partial<UserRow>): Promise<void> {
  await db.updateTable('users').set(patch).where('workspace_id', '=', workspaceId).where('id', '=', id).execute();
}

export async function deleteUser(db: Db, workspaceId: string, id: string): Promise<boolean> {
  await db.deleteFrom('user_sessions').where('user_id', '=', id).execute();
  await db.deleteFrom('one_time_tokens').where('subject_id', '=', id).execute();
  const r = await db
    .deleteFrom('users')
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

// Sessions. The two tables have the same shape; the subject column differs so a user's token can never be read as a
// member's (they are looked up in different tables).

export type UserSessionRow = UserSessionTable;
export type MemberSessionRow = MemberSessionTable;

export async function insertUserSession(db: Db, row: UserSessionRow): Promise<void> {
  await db.insertInto('user_sessions').values(row).execute();
}

export async function insertMemberSession(db: Db, row: MemberSessionRow): Promise<void> {
  await db.insertInto('member_sessions').values(row).execute();
}

/** The live session and its user; an expired session reads as none. */
export async function findUserSession(db: Db, tokenHash: string, now: number) {
  return db
    .selectFrom('user_sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .select(['s.token_hash', 's.csrf_token', 's.last_seen_at', 's.expires_at', 's.created_at as session_created_at'])
    .select(['u.id', 'u.workspace_id', 'u.email', 'u.name', 'u.role', 'u.must_change_password'])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
}

export async function findMemberSession(db: Db, tokenHash: string, now: number) {
  return db
    .selectFrom('member_sessions as s')
    .innerJoin('members as m', (j) =>
      j.onRef('m.id', '=', 's.member_id').onRef('m.workspace_id', '=', 's.workspace_id'),
    )
    .select([
      's.token_hash',
      's.csrf_token',
      's.last_seen_at',
      's.expires_at',
      's.created_at as session_created_at',
      's.member_id',
      's.workspace_id',
    ])
    .where('s.token_hash', '=', tokenHash)
    .where('s.expires_at', '>', now)
    .executeTakeFirst();
}

export async function touchSession(
  db: Db,
  table: 'user_sessions' | 'member_sessions',
  tokenHash: string,
  now: number,
  expiresAt: number,
): Promise<void> {
  await db
    .updateTable(table)
    .set({ last_seen_at: now, expires_at: expiresAt })
    .where('token_hash', '=', tokenHash)
    .execute();
}

export async function deleteSession(
  db: Db,
  table: 'user_sessions' | 'member_sessions',
  tokenHash: string,
): Promise<void> {
  await db.deleteFrom(table).where('token_hash', '=', tokenHash).execute();
}

/** Signs the user out everywhere except, optionally, the browser they are using. */
export async function deleteUserSessions(db: Db, userId: string, except?: string): Promise<void> {
  let q = db.deleteFrom('user_sessions').where('user_id', '=', userId);
  if (except) q = q.where('token_hash', '!=', except);
  await q.execute();
}

export async function deleteExpired(db: Db, now: number): Promise<void> {
  await db.deleteFrom('user_sessions').where('expires_at', '<=', now).execute();
  await db.deleteFrom('member_sessions').where('expires_at', '<=', now).execute();
  await db.deleteFrom('one_time_tokens').where('expires_at', '<=', now).execute();
}

/** Counters whose window ended before `before` (they start over on their next attempt anyway). */
export async function deleteEndedAttemptWindows(db: Db, before: number): Promise<void> {
  await db.deleteFrom('auth_counters').where('window_start', '<=', before).execute();
}

// One-time tokens.

export type OneTimeTokenRow = OneTimeTokenTable;

export async function insertOneTimeToken(db: Db, row: OneTimeTokenRow): Promise<void> {
  await db.insertInto('one_time_tokens').values(row).execute();
}

/** Earlier unused links of the same purpose stop working when a new one is issued. */
export async function revokeOneTimeTokens(
  db: Db,
  subjectId: string,
  purpose: OneTimeTokenRow['purpose'],
  now: number,
): Promise<void> {
  await db
    .updateTable('one_time_tokens')
    .set({ used_at: now })
    .where('subject_id', '=', subjectId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .execute();
}

/** One link stops working (a sign-in email sent again carries a new one). */
export async function revokeOneTimeToken(db: Db, tokenHash: string, now: number): Promise<void> {
  await db
    .updateTable('one_time_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('used_at', 'is', null)
    .execute();
}

/**
 * Uses the token if it is unused and unexpired: a conditional update, so of two requests racing with the same link
 * (a mail scanner and the person, or two instances) exactly one wins.
 */
export async function consumeOneTimeToken(
  db: Db,
  tokenHash: string,
  purpose: OneTimeTokenRow['purpose'],
  now: number,
): Promise<OneTimeTokenRow | null> {
  const r = await db
    .updateTable('one_time_tokens')
    .set({ used_at: now })
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(r.numUpdatedRows) === 0) return null;
  return (
    (await db.selectFrom('one_time_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst()) ?? null
  );
}

export async function findOneTimeToken(
  db: Db,
  tokenHash: string,
  purpose: OneTimeTokenRow['purpose'],
  now: number,
): Promise<OneTimeTokenRow | undefined> {
  return db
    .selectFrom('one_time_tokens')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
}

// Attempt counters.

/**
 * Counts one attempt under `key` unless `max` are already counted in its window; a window older than `windowMs` starts
 * over. One conditional upsert both counts and decides, so parallel attempts cannot all read "under the limit": the row
 * is locked by the write (PostgreSQL) or the single writer (SQLite). True when the attempt was counted.
 */
export async function takeAttempt(db: Db, key: string, now: number, windowMs: number, max: number): Promise<boolean> {
  const expired = now - windowMs;
  const r = await db
    .insertInto('auth_counters')
    .values({ key, window_start: now, count: 1 })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet((eb) => ({
          count: eb
            .case()
            .when('auth_counters.window_start', '<=', expired)
            .then(eb.lit(1))
            .else(eb('auth_counters.count', '+', 1))
            .end(),
          window_start: eb
            .case()
            .when('auth_counters.window_start', '<=', expired)
            .then(now)
            .else(eb.ref('auth_counters.window_start'))
            .end(),
        }))
        .where((eb) => eb.or([eb('auth_counters.window_start', '<=', expired), eb('auth_counters.count', '<', max)])),
    )
    .returning('count')
    .executeTakeFirst();
  return r !== undefined;
}

/** Takes back one counted attempt (one that turned out not to count, e.g. a correct password). */
export async function returnAttempt(db: Db, key: string): Promise<void> {
  await db
    .updateTable('auth_counters')
    .set((eb) => ({ count: eb('count', '-', 1) }))
    .where('key', '=', key)
    .where('count', '>', 0)
    .execute();
}

export async function clearAttempts(db: Db, key: string): Promise<void> {
  await db.deleteFrom('auth_counters').where('key', '=', key).execute();
}
