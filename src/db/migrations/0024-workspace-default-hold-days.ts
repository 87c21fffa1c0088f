import { sql, type Kysely } from 'kysely';

// The hold period an offer gets when it is created without one. 30 days, what every offer had before, so existing
// workspaces behave as they did. A CHECK on the new column is allowed by both databases (SQLite checks it on ADD
// COLUMN too), the same range as an offer's hold_days (0021).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('workspaces')
    .addColumn('default_hold_days', 'integer', (c) =>
      c
        .notNull()
        .defaultTo(30)
        .check(sql`default_hold_days between 0 and 365`),
    )
    .execute();
}
