import { PostgresAdapter, type Kysely } from 'kysely';

// Click rollups folded once a second instead of once per batch (ADR 0006, "Folded click rollups"): the SQLite click
// writer keeps a batch's rollup deltas in memory and adds many batches' to the rollup rows at once.
// - workspaces.rollup_generation: counts the workspace's rollup rebuilds. Deltas held while a rebuild commits were
//   counted by the rebuild from the raw clicks, so a writer drops those whose generation is no longer current.
// - click_rollup_journal: per batch whose deltas are still held, its clicks' rowid range and the generation of each
//   workspace in it, written in the batch's transaction and emptied by the fold. After a crash the writer rolls up the
//   journal's clicks again (those of a workspace not rebuilt since), so none is lost or counted twice.
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .alterTable('workspaces')
    .addColumn('rollup_generation', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema
    .createTable('click_rollup_journal')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => c.primaryKey())
    .addColumn('from_rowid', 'bigint', (c) => c.notNull())
    .addColumn('to_rowid', 'bigint', (c) => c.notNull())
    .addColumn('generations', 'text', (c) => c.notNull())
    .execute();
}
