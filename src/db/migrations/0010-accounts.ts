import type { Kysely } from 'kysely';

// Accounts (ADR 0007): the brand's users with roles, their sessions, members' portal sessions, one-time tokens
// (setup links, magic links) and failed-attempt counters for throttling. Secrets are stored as SHA-256 (tokens) or
// scrypt (passwords), never in clear.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('must_change_password', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addColumn('last_login_at', 'bigint')
    .execute();
  // One login, one workspace: an email address names one user across the installation (stored lower-cased).
  await db.schema.createIndex('users_email_unique').on('users').columns(['email']).unique().execute();
  await db.schema.createIndex('users_workspace').on('users').columns(['workspace_id', 'role']).execute();

  for (const [table, subject] of [
    ['user_sessions', 'user_id'],
    ['member_sessions', 'member_id'],
  ] as const) {
    await db.schema
      .createTable(table)
      .addColumn('token_hash', 'text', (c) => c.primaryKey())
      .addColumn(subject, 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('csrf_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex(`${table}_subject`).on(table).columns([subject]).execute();
    await db.schema.createIndex(`${table}_expiry`).on(table).columns(['expires_at']).execute();
  }

  await db.schema
    .createTable('one_time_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('one_time_tokens_subject')
    .on('one_time_tokens')
    .columns(['subject_id', 'purpose'])
    .execute();
  await db.schema.createIndex('one_time_tokens_expiry').on('one_time_tokens').columns(['expires_at']).execute();

  // Insert-only (no hot row to contend on across instances); rows older than the longest window are deleted.
  await db.schema
    .createTable('auth_attempts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('auth_attempts_key').on('auth_attempts').columns(['key', 'at']).execute();
  await db.schema.createIndex('auth_attempts_at').on('auth_attempts').columns(['at']).execute();

  // "Send me a new link" looks a member up by email across workspaces; emails are stored lower-cased.
  await db.schema.createIndex('members_email_lookup').on('members').columns(['email']).execute();
}
