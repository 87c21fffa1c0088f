import type { Kysely } from 'kysely';

// Outgoing email: one table is both the transactional outbox (queued rows the dispatcher sends) and the send log the
// dashboard lists (sent, failed and bounced rows with the server's reply).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('emails')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('to_address', 'text', (c) => c.notNull())
    .addColumn('from_name', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('body_text', 'text', (c) => c.notNull())
    .addColumn('body_html', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text')
    .addColumn('offer_id', 'text')
    .addColumn('user_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
    .addColumn('locked_until', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('last_error', 'text')
    .addColumn('delivered_via', 'text')
    .addColumn('delivery_note', 'text')
    .addColumn('message_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('sent_at', 'bigint')
    .execute();
  // The dispatcher's scan: queued (and stale sending) rows that are due.
  await db.schema.createIndex('emails_due').on('emails').columns(['status', 'next_attempt_at']).execute();
  // The send log, newest first, and a member's emails.
  await db.schema.createIndex('emails_workspace').on('emails').columns(['workspace_id', 'id']).execute();
  await db.schema.createIndex('emails_member').on('emails').columns(['workspace_id', 'member_id', 'id']).execute();
}
