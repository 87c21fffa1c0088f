import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';

// 1. Sign-in and setup emails no longer keep their token: it is made when the email is sent, and the row remembers only
// its SHA-256 (to revoke it when the email is sent again). Rows written before kept the link in their bodies, readable
// by every role of the workspace: the bodies are redacted and those links revoked.
//
// 2. Attempts (failed logins, sign-in links asked for) are counted in one row per key, taken by one conditional write
// that counts and decides at once (app/throttle.ts); reading a count and then inserting an attempt let parallel
// requests through together. The insert-only attempts table is dropped: its rows only ever mattered for 15 minutes.
const TOKEN_IN_LINK = /([?&]token=)([A-Za-z0-9_-]+)/g;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('emails').addColumn('link_token_hash', 'text').execute();
  const now = Date.now();
  const rows: { id: string; body_text: string; body_html: string }[] = await db
    .selectFrom('emails')
    .select(['id', 'body_text', 'body_html'])
    .where('kind', 'in', ['magic_link', 'user_invite'])
    .execute();
  for (const row of rows) {
    const tokens = new Set<string>();
    const redact = (body: string) =>
      body.replace(TOKEN_IN_LINK, (_m, prefix: string, token: string) => (tokens.add(token), `${prefix}[redacted]`));
    const patch = { body_text: redact(row.body_text), body_html: redact(row.body_html) };
    await db.updateTable('emails').set(patch).where('id', '=', row.id).execute();
    for (const token of tokens) {
      const tokenHash = createHash('sha256').update(token).digest('hex');
      await db
        .updateTable('one_time_tokens')
        .set({ used_at: now })
        .where('token_hash', '=', tokenHash)
        .where('used_at', 'is', null)
        .execute();
    }
  }

  await db.schema
    .createTable('auth_counters')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('window_start', 'bigint', (c) => c.notNull())
    .addColumn('count', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('auth_counters_window').on('auth_counters').columns(['window_start']).execute();
  await db.schema.dropTable('auth_attempts').execute();
}
