// listen, timeouts, and a graceful close that writes every buffered click before exit.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { seedDemo, type DemoSummary } from '../app/demo.js';
import { approveDue } from '../app/conversions.js';
import { LEAK_JOB_INTERVAL_MS, runLeakDetection } from '../app/leak-alerts.js';
import { runRollupJob } from '../app/rollups.js';
import { dispatchWebhooks } from '../app/webhooks.js';
import { dispatchEmails } from '../app/emails.js';
import { createMailTransport } from '../email/transport.js';
import { createFirstOwner, purgeExpiredSessions, usersExist, type OwnerLogin } from '../app/users.js';
import { createWorkspace } from '../app/workspaces.js';
import { migrateToLatest, openStore, type Store } from '../db/dialect/index.js';
import { listWorkspaces } from '../db/workspaces.js';
import { buildApp, type BuiltApp } from './app.js';

export interface RunningServer {
  built: BuiltApp;
  store: Store;
  url: string;
  firstStart: { demo: DemoSummary } | { workspaceId: string; apiKey: string } | null;
  /** The owner account made on this start (first start, or the first start after upgrading to accounts), to print once. */
  ownerLogin: (OwnerLogin & { loginUrl: string }) | null;
  stop(): Promise<{ lost: number }>;
}

export function demoFile(config: Config): string {
  return path.join(config.dataDir, 'demo.json');
}

async function firstOwnerOfOldest(ctx: Parameters<typeof createFirstOwner>[0], email: string): Promise<OwnerLogin | null> {
  const [oldest] = await listWorkspaces(ctx.store.db);
  return oldest ? createFirstOwner(ctx, oldest.id, email) : null;
}

export async function startServer(config: Config, opts: { logger?: boolean | object; seed?: boolean } = {}): Promise<RunningServer> {
  const store = openStore(config);
  await migrateToLatest(store.db);
  let firstStart: RunningServer['firstStart'] = null;
  if (opts.seed !== false && (await listWorkspaces(store.db)).length === 0) {
    const ctx = { store, clock: Date.now, baseUrl: config.baseUrl, trackingChanged: async () => {} };
    if (store.dialect.embedded) {
      const demo = await seedDemo(ctx, { ownerEmail: config.ownerEmail });
      // The demo's key is kept beside its data so the README's examples can read it; production keys never are.
      fs.writeFileSync(demoFile(config), JSON.stringify(demo, null, 2) + '\n', { mode: 0o600 });
      firstStart = { demo };
    } else {
      const created = await createWorkspace(ctx, { name: 'My workspace' });
      if (!created.ok) throw new Error(created.problem.message);
      firstStart = { workspaceId: created.value.workspace.id, apiKey: created.value.apiKey };
    }
  }
  let ownerLogin: RunningServer['ownerLogin'] = null;
  if (opts.seed !== false) {
    const ctx = { store, clock: Date.now, baseUrl: config.baseUrl, trackingChanged: async () => {} };
    const demoOwner = firstStart && 'demo' in firstStart ? firstStart.demo.owner : null;
    // An installation from before accounts has workspaces and nobody to sign in: its oldest workspace gets the owner.
    const owner = demoOwner
      ? { workspaceId: (firstStart as { demo: DemoSummary }).demo.workspaceId, ...demoOwner }
      : (await usersExist(ctx)) ? null : await firstOwnerOfOldest(ctx, config.ownerEmail);
    ownerLogin = owner && { ...owner, loginUrl: `${config.baseUrl}/app/login` };
  }
  const built = await buildApp(config, { store, logger: opts.logger });
  const url = await built.app.listen({ port: config.port, host: config.host });
  // Commissions whose hold has passed become approved; a conditional update, so every instance may run it.
  const approvals = setInterval(() => {
    approveDue(built.ctx)
      .then((n) => n && built.app.log.info({ approved: n }, 'commissions approved after their hold period'))
      .catch((e: Error) => built.app.log.warn({ err: e.message }, 'approving due commissions failed; will retry'));
  }, 60_000);
  approvals.unref();
  // Ended sessions and dead links are useless rows; lookups already ignore them, so hourly is plenty.
  const purge = setInterval(() => {
    purgeExpiredSessions(built.ctx).catch((e: Error) => built.app.log.warn({ err: e.message }, 'purging expired sessions failed; will retry'));
  }, 3_600_000);
  purge.unref();
  // Leak detection (SPEC §5): idempotent under the unique index leak_alerts_live, so every instance may run it.
  let detecting = false;
  const leakJob = setInterval(() => {
    if (detecting) return;
    detecting = true;
    runLeakDetection(built.ctx)
      .then((r) => (r.raised || r.reopened) && built.app.log.info({ raised: r.raised, reopened: r.reopened }, 'leak alerts raised'))
      .catch((e: Error) => built.app.log.warn({ err: e.message }, 'leak detection failed; will retry'))
      .finally(() => (detecting = false));
  }, LEAK_JOB_INTERVAL_MS);
  leakJob.unref();
  // SQLite's query planner statistics follow the tables' growth (see the dialect's refreshPlannerStatistics).
  const plannerStats = setInterval(() => {
    store.dialect.refreshPlannerStatistics(store.db).catch((e: Error) => built.app.log.warn({ err: e.message }, 'planner statistics refresh failed'));
  }, 3_600_000);
  plannerStats.unref();
  // Report rollups: first builds, rebuilds after a time zone change, and the conversions that changed.
  let rollingUp = false;
  const rollupJob = setInterval(() => {
    if (rollingUp) return;
    rollingUp = true;
    runRollupJob(store)
      .then((r) => r.rebuilt.length && built.app.log.info({ workspaces: r.rebuilt }, 'report rollups rebuilt'))
      .catch((e: Error) => built.app.log.warn({ err: e.message }, 'report rollup refresh failed; will retry'))
      .finally(() => (rollingUp = false));
  }, 2_000);
  rollupJob.unref();
  let dispatching = false;
  const webhooks = setInterval(() => {
    if (dispatching) return;
    dispatching = true;
    dispatchWebhooks(built.ctx)
      .catch((e: Error) => built.app.log.warn({ err: e.message }, 'webhook dispatch failed; will retry'))
      .finally(() => (dispatching = false));
  }, 2_000);
  webhooks.unref();
  // Queued emails go out over SMTP_URL, or into DATA_DIR/outbox without it; claimed with a lease, so every instance may run it.
  const mail = createMailTransport(config);
  let emailRun: Promise<unknown> | null = null;
  const emails = setInterval(() => {
    emailRun ??= dispatchEmails(built.ctx, mail)
      .then((r) => (r.failed || r.retrying) && built.app.log.warn(r, 'some emails could not be sent; see GET /api/v1/emails'))
      .catch((e: Error) => built.app.log.warn({ err: e.message }, 'email dispatch failed; will retry'))
      .finally(() => (emailRun = null));
  }, 2_000);
  emails.unref();
  let stopping: Promise<{ lost: number }> | null = null;
  return {
    built,
    store,
    url,
    firstStart,
    ownerLogin,
    stop() {
      stopping ??= (async () => {
        clearInterval(approvals);
        clearInterval(purge);
        clearInterval(leakJob);
        clearInterval(plannerStats);
        clearInterval(rollupJob);
        clearInterval(webhooks);
        clearInterval(emails);
        await built.app.close();
        // An attempt under way is finished and recorded, not left to wait out its lease.
        await emailRun;
        mail.close();
        const result = await built.tracking.close();
        await store.close();
        return result;
      })();
      return stopping;
    },
  };
}
