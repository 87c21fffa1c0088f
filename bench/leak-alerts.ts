// Leak detection on a large data set: `touchpoint generate` writes it (with one planted leak), then the job runs.
//   npx tsx bench/leak-alerts.ts [--conversions 50000] [--clicks 1000000] [--members 2000] [--runs 5] [--skip-pg] [--skip-sqlite]
// Baseline in the same run: the one query any detection must make, counting the workspace's orders of the last 24 h.
// Reported: the first run (raises the alerts), then the median of the following runs (refresh, nothing new).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import pg from 'pg';
import { generateDataset } from '../src/generate/index.js';
import { runLeakDetection } from '../src/app/leak-alerts.js';
import type { AppContext } from '../src/app/context.js';
import { migrateToLatest, openPostgres, openSqlite, type Store } from '../src/db/dialect/index.js';

const args = process.argv.slice(2);
const opt = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const conversions = opt('conversions', 50_000);
const clicks = opt('clicks', 1_000_000);
const members = opt('members', 2_000);
const runs = opt('runs', 5);
const pgUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

async function bench(kind: 'sqlite' | 'postgres') {
  let store: Store;
  let cleanup: () => Promise<void>;
  if (kind === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-leak-bench-'));
    store = openSqlite(path.join(dir, 'touchpoint.sqlite'));
    cleanup = async () => {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    };
  } else {
    const name = `tp_leak_bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(pgUrl);
    url.pathname = `/${name}`;
    store = openPostgres(url.toString());
    cleanup = async () => {
      await store.close();
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  try {
    await migrateToLatest(store.db);
    const now = Date.now();
    const ctx: AppContext = { store, clock: () => now, baseUrl: 'http://127.0.0.1', trackingChanged: async () => {} };
    const t0 = performance.now();
    const generated = await generateDataset(ctx, { clicks, conversions, members, days: 90, seed: 1, now });
    if (!generated.ok) throw new Error(generated.problem.message);
    const g = generated.value;
    const generateS = (performance.now() - t0) / 1000;
    const ws = g.workspaceId;
    // Bulk-loaded tables have no planner statistics until autovacuum gets to them; a live database has them.
    if (kind === 'postgres') await sql`analyze`.execute(store.db);

    const baseline: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      await store.db
        .selectFrom('conversions')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('workspace_id', '=', ws)
        .where('is_test', '=', 0)
        .where('code', 'is not', null)
        .where('occurred_at', '>', now - 86_400_000)
        .where('occurred_at', '<=', now)
        .executeTakeFirst();
      baseline.push(performance.now() - s);
    }
    const s1 = performance.now();
    const first = await runLeakDetection(ctx, { workspaceId: ws });
    const firstMs = performance.now() - s1;
    const again: number[] = [];
    for (let i = 0; i < runs; i++) {
      const s = performance.now();
      await runLeakDetection(ctx, { workspaceId: ws });
      again.push(performance.now() - s);
    }
    const alerts = await store.db
      .selectFrom('leak_alerts')
      .select(['code_id', 'code', 'rule', 'last24h'])
      .where('workspace_id', '=', ws)
      .execute();
    const leakFound = g.leakedCode
      ? alerts
          .filter((a) => a.code_id === g.leakedCode!.codeId)
          .map((a) => a.rule)
          .sort()
          .join('+')
      : 'no planted leak';
    const coded24h = await store.db
      .selectFrom('conversions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('workspace_id', '=', ws)
      .where('code', 'is not', null)
      .where('occurred_at', '>', now - 86_400_000)
      .executeTakeFirstOrThrow();
    return {
      kind,
      generateS: generateS.toFixed(0),
      conversions: g.counts.conversions,
      clicks: g.counts.clicks,
      codes: g.counts.codes,
      codedOrders24h: Number(coded24h.n),
      codesChecked: first.codesChecked,
      alerts: alerts.length,
      leakFound,
      baselineMs: median(baseline).toFixed(1),
      firstRunMs: firstMs.toFixed(0),
      steadyRunMs: median(again).toFixed(0),
      steadyRuns: again.map((x) => x.toFixed(0)).join(' / '),
    };
  } finally {
    await cleanup();
  }
}

const rows = [];
if (!args.includes('--skip-sqlite')) rows.push(await bench('sqlite'));
if (!args.includes('--skip-pg')) rows.push(await bench('postgres'));
console.table(rows);
