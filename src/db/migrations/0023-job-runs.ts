import type { Kysely } from 'kysely';

// Periodic jobs run once per period across instances (src/jobs/): an instance runs a period's job only when its insert
// of (name, period_start) is the one that lands. Old rows are pruned by the jobs themselves.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_runs')
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('period_start', 'bigint', (c) => c.notNull())
    .addColumn('claimed_by', 'text', (c) => c.notNull())
    .addColumn('claimed_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_runs_pk', ['name', 'period_start'])
    .execute();
}
