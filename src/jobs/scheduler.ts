// The one scheduler of periodic jobs. Periods are aligned to the epoch (period k starts at k × everyMs), so every
// instance on a database agrees on which period it is; a job in `once` mode runs a period only on the instance whose
// claim of it (a row in job_runs) lands. As with a plain interval, a job first runs a whole period after the start at the
// earliest. Timers are unref'd, a job never overlaps itself, a failed run is logged and the next period runs again, and
// stop() waits for the runs under way.
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Kysely } from 'kysely';
import { claimJobRun, pruneJobRuns } from '../db/job-runs.js';
import type { Database } from '../db/schema.js';

const HOUR_MS = 3_600_000;
/** Claims are kept a day (enough to see which instance ran what), pruned hourly by the job's own claimant. */
const KEEP_CLAIMS_MS = 24 * HOUR_MS;

export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface Job {
  /** Names the job's claims in job_runs; unique among jobs. */
  name: string;
  everyMs: number;
  /**
   * `once`: one instance per period runs it (the one whose claim lands). `each`: every instance runs it every period,
   * for work queues that claim their own rows, where more instances drain the queue faster.
   */
  mode: 'once' | 'each';
  run(): Promise<void>;
  /** Logged as a warning, with the error's message, when a run fails; the next period runs again. */
  failed: string;
}

interface SchedulerOptions {
  db: Kysely<Database>;
  log: JobLog;
  /** This instance's name in job_runs.claimed_by; by default host, process id and a random tag. */
  instance?: string;
}

export interface Scheduler {
  /** Stops every timer at once; resolves when the runs under way have finished. */
  stop(): Promise<void>;
}

export function startScheduler(jobs: Job[], opts: SchedulerOptions): Scheduler {
  const instance = opts.instance ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  async function runPeriod(job: Job, periodStart: number): Promise<void> {
    let claimed = false;
    try {
      if (job.mode === 'once') {
        const claim = { name: job.name, period_start: periodStart, claimed_by: instance, claimed_at: Date.now() };
        claimed = await claimJobRun(opts.db, claim);
        if (!claimed) return;
      }
      await job.run();
    } catch (e) {
      opts.log.warn({ err: (e as Error).message }, job.failed);
    }
    if (claimed && periodStart % HOUR_MS < job.everyMs) {
      await pruneJobRuns(opts.db, job.name, periodStart - KEEP_CLAIMS_MS).catch((e: Error) =>
        opts.log.warn({ err: e.message, job: job.name }, 'pruning old job claims failed'),
      );
    }
  }

  function arm(job: Job, after: number): void {
    const now = Date.now();
    // The first period starting at least a whole period after `after` (the scheduler's start, as with a plain interval,
    // or the period just run, should its timer fire a moment before the clock reaches it), and after now.
    const next = Math.ceil(Math.max(after + job.everyMs, now + 1) / job.everyMs) * job.everyMs;
    const timer = setTimeout(() => {
      if (stopped) return;
      arm(job, next);
      // Still busy with an earlier period: this one is skipped here (another instance may claim it).
      if (running.has(job.name)) return;
      running.set(
        job.name,
        runPeriod(job, next).finally(() => running.delete(job.name)),
      );
    }, next - now);
    timer.unref();
    timers.set(job.name, timer);
  }

  const started = Date.now();
  for (const job of jobs) arm(job, started);
  return {
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      await Promise.all(running.values());
    },
  };
}
