// The periodic jobs, all in one table and started in one place (by http/server.ts once the server listens).
import type { AppContext } from '../app/context.js';
import { approveDue } from '../app/conversions.js';
import { runPartitionJob } from '../app/partitions.js';
import { dispatchEmails } from '../app/emails.js';
import { LEAK_JOB_INTERVAL_MS, runLeakDetection } from '../app/leak-alerts.js';
import { foldMonthCounts } from '../app/ledger.js';
import { runRollupJob } from '../app/rollups.js';
import { purgeExpiredSessions } from '../app/users.js';
import { dispatchWebhooks } from '../app/webhooks.js';
import { startScheduler, type Job, type JobLog, type Scheduler } from './scheduler.js';

/** The email transport, made and closed by the server (jobs/ does not import email/). */
type JobMailTransport = Parameters<typeof dispatchEmails>[1];

/**
 * Each job's mode. `once` (one instance per period, claimed in job_runs): the jobs that scan for their work, where a
 * second instance would only repeat the scan (approvals and leak detection are safe to repeat, but not worth it).
 * `each` (every instance, every period): the dispatchers, work queues whose rows are claimed one by one (webhook
 * messages with locked_until, emails with a lease), so more instances send more; and SQLite's planner statistics,
 * which do nothing on PostgreSQL (the one database several instances share), so a claim would be a write for nothing.
 */
function jobTable(ctx: AppContext, mail: JobMailTransport, log: JobLog, clickRetentionMonths: number | null): Job[] {
  return [
    {
      // Commissions whose hold has passed become approved (a conditional update per commission).
      name: 'approve-due',
      everyMs: 60_000,
      mode: 'once',
      failed: 'approving due commissions failed; will retry',
      run: async () => {
        const n = await approveDue(ctx);
        if (n) log.info({ approved: n }, 'commissions approved after their hold period');
      },
    },
    {
      // Ended sessions and dead links are useless rows; lookups already ignore them, so hourly is plenty.
      name: 'purge-expired',
      everyMs: 3_600_000,
      mode: 'once',
      failed: 'purging expired sessions failed; will retry',
      run: () => purgeExpiredSessions(ctx),
    },
    {
      // Leak detection (SPEC §5); idempotent besides, under the unique index leak_alerts_live.
      name: 'leak-detection',
      everyMs: LEAK_JOB_INTERVAL_MS,
      mode: 'once',
      failed: 'leak detection failed; will retry',
      run: async () => {
        const r = await runLeakDetection(ctx);
        if (r.raised || r.reopened) log.info({ raised: r.raised, reopened: r.reopened }, 'leak alerts raised');
      },
    },
    {
      // Volume-tier counters of payouts without tiers, which no decision folds (PostgreSQL; nothing to do on SQLite).
      name: 'month-counts',
      everyMs: 60_000,
      mode: 'once',
      failed: 'folding volume-tier counters failed; will retry',
      run: async () => void (await foldMonthCounts(ctx.store.db, ctx.store.dialect.concurrentWriters)),
    },
    {
      // SQLite's query planner statistics follow the tables' growth (see refreshPlannerStatistics).
      name: 'planner-statistics',
      everyMs: 3_600_000,
      mode: 'each',
      failed: 'planner statistics refresh failed',
      run: () => ctx.store.dialect.refreshPlannerStatistics(ctx.store.db),
    },
    {
      // Report rollups: first builds, rebuilds after a time zone change, and the conversions that changed.
      name: 'rollups',
      everyMs: 2_000,
      mode: 'once',
      failed: 'report rollup refresh failed; will retry',
      run: async () => {
        const r = await runRollupJob(ctx.store, ctx.clock());
        if (r.rebuilt.length) log.info({ workspaces: r.rebuilt }, 'report rollups rebuilt');
      },
    },
    {
      // Monthly partitions made two months ahead and raw clicks past the retention dropped (ADR 0012): hourly is far
      // more often than a month needs, and a missed run only leaves a month to the default partition for an hour.
      name: 'partitions',
      everyMs: 3_600_000,
      mode: 'once',
      failed: 'click partition upkeep failed; will retry',
      run: async () => {
        const r = await runPartitionJob(ctx.store, ctx.clock(), clickRetentionMonths);
        if (r.created || r.droppedMonths || r.deletedClicks) log.info(r, 'click partitions kept up');
      },
    },
    {
      name: 'webhooks',
      everyMs: 2_000,
      mode: 'each',
      failed: 'webhook dispatch failed; will retry',
      run: async () => void (await dispatchWebhooks(ctx)),
    },
    {
      // Queued emails go out over SMTP_URL, or into DATA_DIR/outbox without it.
      name: 'emails',
      everyMs: 2_000,
      mode: 'each',
      failed: 'email dispatch failed; will retry',
      run: async () => {
        const r = await dispatchEmails(ctx, mail);
        if (r.failed || r.retrying) log.warn(r, 'some emails could not be sent; see GET /api/v1/emails');
      },
    },
  ];
}

/**
 * Starts every periodic job; stop() stops the timers and waits for the runs under way. `everyMs` (JOB_PERIOD_MS, for
 * tests only) gives every job that period instead of its own.
 */
export function startJobs(
  ctx: AppContext,
  mail: JobMailTransport,
  log: JobLog,
  opts: { everyMs?: number | null; clickRetentionMonths?: number | null } = {},
): Scheduler {
  const everyMs = opts.everyMs;
  const jobs = jobTable(ctx, mail, log, opts.clickRetentionMonths ?? null).map((job) =>
    everyMs ? { ...job, everyMs } : job,
  );
  return startScheduler(jobs, { db: ctx.store.db, log });
}
