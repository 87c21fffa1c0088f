// listen, timeouts, and a graceful close that writes every buffered click before exit.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { seedDemo, type DemoSummary } from '../app/demo.js';
import { createMailTransport } from '../email/transport.js';
import { createFirstOwner, usersExist, type OwnerLogin } from '../app/users.js';
import { createWorkspace } from '../app/workspaces.js';
import { migrateToLatest, openStore, type Store } from '../db/dialect/index.js';
import { listWorkspaces } from '../db/workspaces.js';
import { startJobs } from '../jobs/index.js';
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

async function firstOwnerOfOldest(
  ctx: Parameters<typeof createFirstOwner>[0],
  email: string,
): Promise<OwnerLogin | null> {
  const [oldest] = await listWorkspaces(ctx.store.db);
  return oldest ? createFirstOwner(ctx, oldest.id, email) : null;
}

export async function startServer(
  config: Config,
  opts: { logger?: boolean | object; seed?: boolean } = {},
): Promise<RunningServer> {
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
      : (await usersExist(ctx))
        ? null
        : await firstOwnerOfOldest(ctx, config.ownerEmail);
    ownerLogin = owner && { ...owner, loginUrl: `${config.baseUrl}/app/login` };
  }
  const built = await buildApp(config, { store, logger: opts.logger });
  const url = await built.app.listen({ port: config.port, host: config.host });
  // Queued emails go out over SMTP_URL, or into DATA_DIR/outbox without it.
  const mail = createMailTransport(config);
  const jobs = startJobs(built.ctx, mail, built.app.log, {
    everyMs: config.jobPeriodMs,
    clickRetentionMonths: config.clickRetentionMonths,
  });
  let stopping: Promise<{ lost: number }> | null = null;
  return {
    built,
    store,
    url,
    firstStart,
    ownerLogin,
    stop() {
      stopping ??= (async () => {
        // The jobs' timers stop at once; a run under way (an email attempt, say) is finished and recorded, not left to
        // wait out its lease.
        const jobsStopped = jobs.stop();
        await built.app.close();
        await jobsStopped;
        mail.close();
        const result = await built.tracking.close();
        await store.close();
        return result;
      })();
      return stopping;
    },
  };
}
