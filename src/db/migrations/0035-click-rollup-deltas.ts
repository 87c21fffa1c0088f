import { PostgresAdapter, type Kysely } from 'kysely';

// Folded click rollups on PostgreSQL (ADR 0006, "Folded click rollups"): a click batch no longer adds to the rollup rows
// in its own transaction; it writes its deltas here (one row per workspace: the rows of rollup_clicks_sub it adds to,
// as JSON, with the workspace's rollup_generation), and the instance that wrote them folds them into the rollup rows
// about once a second. A row whose instance died is folded by any instance once it is old enough; the fold deletes
// what it adds in its own transaction, so nothing is added twice. The SQLite writer keeps its deltas in memory and
// needs only a rowid journal (0034); the table exists on both databases so the schema is one.
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('click_rollup_deltas')
    .addColumn('id', postgres ? 'bigserial' : 'integer', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('generation', 'integer', (c) => c.notNull())
    .addColumn('written_at', 'bigint', (c) => c.notNull())
    .addColumn('deltas', 'text', (c) => c.notNull())
    .execute();
}
