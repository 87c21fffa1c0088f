// listen, timeouts, and a graceful close that writes every buffered click before exit.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { seedDemo, type DemoSummary } from '../app/demo.js';
import { approveDue } from '../app/conversions.js';
import { runRollupJob } from '../app/rollups.js';
import { dispatchWebhooks } from '../app/webhooks.js';
import { createWorkspace } from '../app/workspaces.js';
import { migrateToLatest, openStore, type Store } from '../db/dialect.js';
import { listWorkspaces } from '../db/workspaces.js';
import { buildApp, type BuiltApp } from './app.js';

export interface RunningServer {
  built: BuiltApp;
  store: Store;
  url: string;
  firstStart: { demo: DemoSummary } | { workspaceId: string; apiKey: string } | null;
  stop(): Promise<{ lost: number }>;
}

export function demoFile(config: Config): string {
  return path.join(config.dataDir, 'demo.json');
}

export async function startServer(config: Config, opts: { logger?: boolean | object; seed?: boolean } = {}): Promise<RunningServer> {
  const store = openStore(config);
  await migrateToLatest(store.db);
  let firstStart: RunningServer['firstStart'] = null;
  if (opts.seed !== false && (await listWorkspaces(store.db)).length === 0) {
    const ctx = { store, clock: Date.now, baseUrl: config.baseUrl, trackingChanged: async () => {} };
    if (store.kind === 'sqlite') {
      const demo = await seedDemo(ctx);
      // The demo's key is kept beside its data so the README's examples can read it; production keys never are.
      fs.writeFileSync(demoFile(config), JSON.stringify(demo, null, 2) + '\n', { mode: 0o600 });
      firstStart = { demo };
    } else {
      const created = await createWorkspace(ctx, { name: 'My workspace' });
      if (!created.ok) throw new Error(created.problem.message);
      firstStart = { workspaceId: created.value.workspace.id, apiKey: created.value.apiKey };
    }
  }
  const built = await buildApp(config, { store, logger: opts.logger });
  built.app.server.keepAliveTimeout = 65_000; // longer than common load balancers' idle timeout
  built.app.server.headersTimeout = 66_000;
  const url = await built.app.listen({ port: config.port, host: config.host });
  // Commissions whose hold has passed become approved; a conditional update, so every instance may run it.
  const approvals = setInterval(() => {
    approveDue(built.ctx)
      .then((n) => n && built.app.log.info({ approved: n }, 'commissions approved after their hold period'))
      .catch((e: Error) => built.app.log.warn({ err: e.message }, 'approving due commissions failed; will retry'));
  }, 60_000);
  approvals.unref();
  // Report rollups: first builds, rebuilds after a time zone change, and days whose conversions changed.
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
  let stopping: Promise<{ lost: number }> | null = null;
  return {
    built,
    store,
    url,
    firstStart,
    stop() {
      stopping ??= (async () => {
        clearInterval(approvals);
        clearInterval(rollupJob);
        clearInterval(webhooks);
        await built.app.close();
        const result = await built.tracking.close();
        await store.close();
        return result;
      })();
      return stopping;
    },
  };
}
