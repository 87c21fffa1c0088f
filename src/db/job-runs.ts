// Claims of periodic jobs' periods (src/jobs/scheduler.ts): the primary key (name, period_start) lets exactly one
// instance's insert land, with the same statement on SQLite and PostgreSQL.
import type { Kysely } from 'kysely';
import type { Database, JobRunTable } from './schema.js';

/** Inserts the claim unless the period is claimed already; true when this call made it. */
export async function claimJobRun(db: Kysely<Database>, run: JobRunTable): Promise<boolean> {
  const r = await db
    .insertInto('job_runs')
    .values(run)
    .onConflict((oc) => oc.columns(['name', 'period_start']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}

/** Deletes a job's claims of periods that started before `before`. */
export async function pruneJobRuns(db: Kysely<Database>, name: string, before: number): Promise<void> {
  await db.deleteFrom('job_runs').where('name', '=', name).where('period_start', '<', before).execute();
}
