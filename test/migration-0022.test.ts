// Migration 0022 on a database written before it: sign-in and setup emails stored with their links are redacted and
// those links revoked; other emails and other links are left as they were.
import { Migrator, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken, newToken } from '../src/core/passwords.js';
import { migrateToLatest } from '../src/db/dialect/index.js';
import { migrations } from '../src/db/migrations/index.js';
import type { Database } from '../src/db/schema.js';
import { insertWorkspace } from '../src/db/workspaces.js';
import { DIALECTS, freshStore, type TestStore } from './helpers/stores.js';

const BEFORE = '0019-rollup-member-periods-without-status';

describe.each(DIALECTS)('migration 0022 on %s', (kind) => {
  let t: TestStore;
  beforeAll(async () => {
    t = await freshStore(kind, { migrate: false });
  });
  afterAll(() => t.cleanup());

  it('redacts the links stored in sign-in and setup emails and revokes them, and leaves everything else', async () => {
    const db = t.store.db as Kysely<any>;
    const migrator = new Migrator({
      db,
      provider: { getMigrations: async () => migrations },
      migrationTableName: 'touchpoint_migrations',
      migrationLockTableName: 'touchpoint_migrations_lock',
    });
    const { error } = await migrator.migrateTo(BEFORE);
    expect(error).toBeUndefined();
    const now = Date.UTC(2026, 5, 1);
    const ws = await insertWorkspace(t.store.db as Kysely<Database>, { name: 'Acme', clickTag: 'Mg22', now });
    const magic = newToken();
    const setup = newToken();
    const elsewhere = newToken();
    for (const [token, purpose] of [
      [magic, 'member_login'],
      [setup, 'user_setup'],
      [elsewhere, 'member_login'],
    ] as const) {
      await db
        .insertInto('one_time_tokens')
        .values({
          token_hash: hashToken(token),
          purpose,
          workspace_id: ws.id,
          subject_id: 'mem_x',
          created_at: now,
          expires_at: now + 3_600_000,
          used_at: null,
        })
        .execute();
    }
    const email = (id: string, kind: string, body: string) => ({
      id,
      workspace_id: ws.id,
      kind,
      to_address: 'a@b.test',
      from_name: 'Acme',
      subject: 's',
      body_text: body,
      body_html: `<a href="${body}">${body}</a>`,
      member_id: null,
      offer_id: null,
      user_id: null,
      status: 'sent',
      attempts: 1,
      next_attempt_at: now,
      locked_until: 0,
      expires_at: null,
      last_error: null,
      delivered_via: 'outbox',
      delivery_note: null,
      message_id: null,
      created_at: now,
      sent_at: now,
    });
    await db
      .insertInto('emails')
      .values([
        email('eml_1', 'magic_link', `Open http://tp.test/p/auth?token=${magic}`),
        email('eml_2', 'user_invite', `Choose http://tp.test/app/setup?token=${setup}`),
        email('eml_3', 'member_links', 'Your link http://tp.test/AbCd?token=kept'),
      ])
      .execute();

    await migrateToLatest(t.store.db);

    const rows = await db
      .selectFrom('emails')
      .select(['id', 'body_text', 'body_html', 'link_token_hash'])
      .orderBy('id')
      .execute();
    const html = (body: string) => `<a href="${body}">${body}</a>`;
    const expected = [
      ['eml_1', 'Open http://tp.test/p/auth?token=[redacted]'],
      ['eml_2', 'Choose http://tp.test/app/setup?token=[redacted]'],
      ['eml_3', 'Your link http://tp.test/AbCd?token=kept'],
    ];
    expect(rows).toEqual(
      expected.map(([id, body]) => ({ id, body_text: body, body_html: html(body!), link_token_hash: null })),
    );
    const used = async (token: string) =>
      (
        await db
          .selectFrom('one_time_tokens')
          .select('used_at')
          .where('token_hash', '=', hashToken(token))
          .executeTakeFirstOrThrow()
      ).used_at;
    expect(Number(await used(magic))).toBeGreaterThan(0);
    expect(Number(await used(setup))).toBeGreaterThan(0);
    expect(await used(elsewhere)).toBeNull();
    expect(await db.selectFrom('auth_counters').selectAll().execute()).toEqual([]);
  });
});
