// The periodic jobs' scheduler on a real database: two instances run a `once` job's period once between them and an
// `each` job on both, a failing run is logged and the next period runs again, and stop() waits for a run under way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, openSqlite, type Store } from '../src/db/dialect/index.js';
import { claimJobRun, pruneJobRuns } from '../src/db/job-runs.js';
import { startScheduler, type Job, type JobLog } from '../src/jobs/scheduler.js';
import { DIALECTS, freshStore, type TestStore } from './helpers/stores.js';

const PERIOD = 200;

function collectingLog(): JobLog & { warnings: { obj: object; msg: string }[] } {
  const warnings: { obj: object; msg: string }[] = [];
  return { warnings, info: () => {}, warn: (obj, msg) => void warnings.push({ obj, msg }) };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(DIALECTS)('periodic jobs on %s', (kind) => {
  let t: TestStore;
  let other: Store;
  beforeAll(async () => {
    t = await freshStore(kind);
    // A second instance: its own connection(s) to the same database.
    other = kind === 'sqlite' ? openSqlite(t.url) : openPostgres(t.url, 5);
  });
  afterAll(async () => {
    await other.close();
    await t.cleanup();
  });

  it('claims a period once', async () => {
    const run = { name: 'claim-once', period_start: 1_000, claimed_by: 'a', claimed_at: 1_001 };
    expect(await claimJobRun(t.store.db, run)).toBe(true);
    expect(await claimJobRun(other.db, { ...run, claimed_by: 'b' })).toBe(false);
    expect(await claimJobRun(other.db, { ...run, period_start: 2_000, claimed_by: 'b' })).toBe(true);
    await pruneJobRuns(t.store.db, 'claim-once', 2_000);
    const rows = await t.store.db
      .selectFrom('job_runs')
      .select(['period_start', 'claimed_by'])
      .where('name', '=', 'claim-once')
      .execute();
    expect(rows).toEqual([{ period_start: 2_000, claimed_by: 'b' }]);
  });

  it('runs a once job on one of two instances each period, and an each job on both', async () => {
    const runs = { a: 0, b: 0 };
    const everywhere = { a: 0, b: 0 };
    const jobsOf = (who: 'a' | 'b'): Job[] => [
      { name: 'tick', everyMs: PERIOD, mode: 'once', failed: 'tick failed', run: async () => void runs[who]++ },
      { name: 'queue', everyMs: PERIOD, mode: 'each', failed: 'queue failed', run: async () => void everywhere[who]++ },
    ];
    const log = collectingLog();
    const a = startScheduler(jobsOf('a'), { db: t.store.db, log, instance: 'a' });
    const b = startScheduler(jobsOf('b'), { db: other.db, log, instance: 'b' });
    await until(() => runs.a + runs.b >= 4 && everywhere.a >= 4 && everywhere.b >= 4);
    await Promise.all([a.stop(), b.stop()]);
    expect(log.warnings).toEqual([]);
    const claims = await t.store.db
      .selectFrom('job_runs')
      .select(['period_start', 'claimed_by'])
      .where('name', '=', 'tick')
      .execute();
    // Every run is a claim of its own period, and no period was claimed twice (the primary key).
    expect(claims.filter((c) => c.claimed_by === 'a').length).toBe(runs.a);
    expect(claims.filter((c) => c.claimed_by === 'b').length).toBe(runs.b);
    expect(claims.every((c) => c.period_start % PERIOD === 0)).toBe(true);
    // The each job claims nothing.
    expect(await t.store.db.selectFrom('job_runs').select('name').where('name', '=', 'queue').execute()).toEqual([]);
  });

  it('logs a failing run and runs again next period', async () => {
    let attempts = 0;
    const log = collectingLog();
    const flaky: Job = {
      name: 'flaky',
      everyMs: PERIOD,
      mode: 'once',
      failed: 'flaky job failed; will retry',
      run: async () => {
        attempts++;
        throw new Error(`boom ${attempts}`);
      },
    };
    const s = startScheduler([flaky], { db: t.store.db, log, instance: 'a' });
    // Not before a whole period has passed, as with a plain interval.
    await new Promise((r) => setTimeout(r, 0.9 * PERIOD));
    expect(attempts).toBe(0);
    await until(() => attempts >= 2);
    await s.stop();
    expect(log.warnings.slice(0, 2)).toEqual([
      { obj: { err: 'boom 1' }, msg: 'flaky job failed; will retry' },
      { obj: { err: 'boom 2' }, msg: 'flaky job failed; will retry' },
    ]);
  });

  it('never overlaps a job with itself, and stop() waits for the run under way', async () => {
    let started = 0;
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let finished = false;
    const slow: Job = {
      name: 'slow',
      everyMs: PERIOD,
      mode: 'once',
      failed: 'slow failed',
      run: async () => {
        started++;
        await held;
        finished = true;
      },
    };
    const s = startScheduler([slow], { db: t.store.db, log: collectingLog(), instance: 'a' });
    await until(() => started === 1);
    // Two more periods pass while the first run holds: neither starts a second run.
    await new Promise((r) => setTimeout(r, 2.5 * PERIOD));
    expect(started).toBe(1);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 50));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(true);
    // No run after stop().
    await new Promise((r) => setTimeout(r, 1.5 * PERIOD));
    expect(started).toBe(1);
  });
});
