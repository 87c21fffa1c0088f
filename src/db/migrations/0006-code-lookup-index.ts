import type { Kysely } from 'kysely';

// Attribution looks a code up by its string whatever its status (to tell "disabled" from "unknown"); the unique
// index covers active codes only, so without this one the lookup scanned the workspace's codes.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('promo_codes_lookup')
    .on('promo_codes')
    .columns(['workspace_id', 'code_normalized'])
    .execute();
}
