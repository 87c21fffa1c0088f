import type { Kysely } from 'kysely';

// Every delivery attempt of an outgoing webhook message, with the receiver's response code (or the network error) and
// when it was made: the message row keeps only the last one, and the delivery log shows them all. One row per
// (message, attempt number); a message is claimed by one sender at a time, so the number never repeats.
// (Two migrations share the number 0024 given to this change; their names keep them in a fixed order.)
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('webhook_attempts')
    .addColumn('message_id', 'text', (c) => c.notNull().references('webhook_messages.id'))
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('attempted_at', 'bigint', (c) => c.notNull())
    .addColumn('status', 'integer')
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('webhook_attempts_pk', ['message_id', 'attempt'])
    .execute();
}
