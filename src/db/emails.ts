// The email outbox and send log: queue in the caller's transaction, claim with a lease, record each attempt's outcome.
import type { Kysely, Transaction } from 'kysely';
import type { Database, EmailTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;
export type EmailRow = EmailTable;
export type EmailStatus = EmailRow['status'];
export type { EmailKind } from '../core/email-kinds.js';

// 21 columns a row; 500 rows stay far below PostgreSQL's 65,535 parameters and SQLite's 32,766.
const INSERT_CHUNK = 500;

export async function insertEmails(db: Db, rows: EmailRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await db
      .insertInto('emails')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .execute();
  }
}

export async function findEmail(db: Db, workspaceId: string, id: string): Promise<EmailRow | undefined> {
  return db
    .selectFrom('emails')
    .selectAll()
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export interface EmailFilter {
  status?: EmailStatus;
  deliveredVia?: 'smtp' | 'outbox';
  kind?: string;
  memberId?: string;
  offerId?: string;
  before: string | null;
  limit: number;
}

/** Newest first; the bodies are left out (a list never needs them). */
export async function listEmails(db: Db, workspaceId: string, f: EmailFilter) {
  let q = db
    .selectFrom('emails')
    .select([
      'id',
      'workspace_id',
      'kind',
      'to_address',
      'from_name',
      'subject',
      'member_id',
      'offer_id',
      'user_id',
      'status',
      'attempts',
      'next_attempt_at',
      'locked_until',
      'expires_at',
      'last_error',
      'delivered_via',
      'delivery_note',
      'message_id',
      'created_at',
      'sent_at',
    ])
    .where('workspace_id', '=', workspaceId);
  if (f.status) q = q.where('status', '=', f.status);
  if (f.deliveredVia) q = q.where('delivered_via', '=', f.deliveredVia);
  if (f.kind) q = q.where('kind', '=', f.kind);
  if (f.memberId) q = q.where('member_id', '=', f.memberId);
  if (f.offerId) q = q.where('offer_id', '=', f.offerId);
  if (f.before) q = q.where('id', '<', f.before);
  return q
    .orderBy('id', 'desc')
    .limit(f.limit + 1)
    .execute();
}

/** Queued emails that are due, and emails whose sender's lease ran out mid-send (it crashed or lost the database). */
export async function dueEmailIds(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('emails')
    .select('id')
    .where('status', 'in', ['queued', 'sending'])
    .where('next_attempt_at', '<=', now)
    .where('locked_until', '<=', now)
    .orderBy('next_attempt_at')
    .limit(limit)
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Takes the email for one attempt until `leaseUntil`, counting the attempt. A conditional update: of several
 * dispatchers (on one instance or many) exactly one gets it.
 */
export async function claimEmail(db: Db, id: string, now: number, leaseUntil: number): Promise<EmailRow | null> {
  const r = await db
    .updateTable('emails')
    .set((eb) => ({ status: 'sending', locked_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where('status', 'in', ['queued', 'sending'])
    .where('next_attempt_at', '<=', now)
    .where('locked_until', '<=', now)
    .executeTakeFirst();
  if (!Number(r.numUpdatedRows)) return null;
  return (await db.selectFrom('emails').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

/** Records an attempt's outcome, only if this sender still holds the lease (it was not taken over meanwhile). */
export async function finishAttempt(
  db: Db,
  id: string,
  leaseUntil: number,
  patch: Partial<EmailRow>,
): Promise<boolean> {
  const r = await db
    .updateTable('emails')
    .set({ ...patch, locked_until: 0 })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('locked_until', '=', leaseUntil)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Remembers (hashed) the token the current attempt carries, only while this sender holds the lease. */
export async function setLinkToken(db: Db, id: string, leaseUntil: number, tokenHash: string): Promise<boolean> {
  const r = await db
    .updateTable('emails')
    .set({ link_token_hash: tokenHash })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('locked_until', '=', leaseUntil)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** A failed or bounced email goes back to the queue with a fresh set of attempts. */
export async function requeueEmail(
  db: Db,
  workspaceId: string,
  id: string,
  now: number,
  expiresAt: number | null,
): Promise<boolean> {
  const r = await db
    .updateTable('emails')
    .set({ status: 'queued', attempts: 0, next_attempt_at: now, locked_until: 0, expires_at: expiresAt })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('status', 'in', ['failed', 'bounced'])
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}
