import type { Kysely } from 'kysely';

// The conversions list and export page by id within a workspace (keyset: "id < last, newest first"). Without this
// index both databases filtered by (workspace_id, is_test) and sorted every conversion of the workspace for each page:
// an export of a million conversions read the table two hundred times over.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('conversions_workspace_keyset')
    .on('conversions')
    .columns(['workspace_id', 'is_test', 'id'])
    .execute();
}
