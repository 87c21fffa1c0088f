// Reports benchmark: the main report queries on a generated data set (default 10 M clicks, 500 k conversions, 2,000
// members, 90 days), on SQLite and PostgreSQL, each from the rollups and — the baseline, in the same run — from the
// raw rows (the same runReport with source=raw), so the speed-up is a ratio. Medians and p95 over repeated runs.
// Usage: npm run bench:reports [-- --clicks 10000000 --conversions 500000 --members 2000 --days 90 --runs 20 --raw-runs 3
//        --keep <dir> (reuse a generated SQLite data set there) --keep-pg <database> (the same on PostgreSQL) --skip-pg
//        --only <text> (only the queries whose name contains it, e.g. "sub-id")]
// By sub-id there is a second baseline, in the same run: what the report read before the sub-id periods (migration
// 0032), the day rows of the whole range, by the same two statements (dayRowsBefore); --raw-runs 0 skips the raw rows,
// which take minutes a run at 10 M clicks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { median } from './lib.js';

const { values: args } = parseArgs({
  options: {
    clicks: { type: 'string', default: '10000000' },
    conversions: { type: 'string', default: '500000' },
    members: { type: 'string', default: '2000' },
    days: { type: 'string', default: '90' },
    runs: { type: 'string', default: '20' },
    'raw-runs': { type: 'string', default: '3' },
    keep: { type: 'string' },
    'keep-pg': { type: 'string' },
    pg: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'skip-pg': { type: 'boolean', default: false },
    'skip-sqlite': { type: 'boolean', default: false },
    only: { type: 'string' },
  },
});
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const { openStore, migrateToLatest } = await import(path.join(ROOT, 'dist/src/db/dialect/index.js'));
const { findWorkspace, listWorkspaces } = await import(path.join(ROOT, 'dist/src/db/workspaces.js'));
const { runReport } = await import(path.join(ROOT, 'dist/src/app/reports.js'));
const { rebuildRollups } = await import(path.join(ROOT, 'dist/src/app/rollups.js'));
const { sql } = await import('kysely');
const { addDays, dayKey } = await import(path.join(ROOT, 'dist/src/core/time-buckets.js'));

function p95(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)];
}

function generate(env) {
  const started = Date.now();
  const r = spawnSync(
    process.execPath,
    [
      CLI,
      'generate',
      '--clicks',
      args.clicks,
      '--conversions',
      args.conversions,
      '--members',
      args.members,
      '--days',
      args.days,
    ],
    {
      env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    },
  );
  if (r.status !== 0) throw new Error(`generate failed (${r.status})`);
  const summary = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')));
  console.log(`  generated in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return summary;
}

/**
 * The sub-id report's reads before migration 0032 (db/reports readSubIdSums then): every (day, link, sub-id) row of the
 * range, clicks and credit lines, grouped by sub-id. Returns clicks and sales per sub-id, to compare with the report.
 */
async function dayRowsBefore(db, workspaceId, q) {
  const where = [
    sql`workspace_id = ${workspaceId}`,
    sql`day >= ${q.from}`,
    sql`day <= ${q.to}`,
    ...(q.memberId ? [sql`member_id = ${q.memberId}`] : []),
  ];
  const clicks =
    sql`select sub_id as key, sum(clicks) as clicks, sum(unique_clicks) as unique_clicks from rollup_clicks_sub
    where ${sql.join(where, sql` and `)} group by sub_id`.execute(db);
  const measures = ['orders', 'credits', 'unattributed', 'sales_minor', 'refunds_minor', 'commission_minor'];
  const lines =
    await sql`select sub_id as key, ${sql.join(measures.map((m) => sql`sum(${sql.ref(m)}) as ${sql.ref(m)}`))}
    from rollup_conversions_sub where ${sql.join(where, sql` and `)} group by sub_id`.execute(db);
  const out = new Map();
  for (const r of (await clicks).rows) out.set(r.key, { clicks: Number(r.clicks), salesMinor: 0 });
  for (const r of lines.rows) {
    const into = out.get(r.key) ?? { clicks: 0, salesMinor: 0 };
    into.salesMinor += Number(r.sales_minor);
    out.set(r.key, into);
  }
  return out;
}

async function timeIt(fn, runs) {
  if (runs <= 0) return null;
  const ms = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await fn();
    ms.push(performance.now() - t0);
  }
  return { median: median(ms), p95: p95(ms), last };
}

async function measure(label, storeOpts) {
  // Like the CLI, without the server's statement timeout (DB_STATEMENT_TIMEOUT_MS, 5 s by default): the bulk load's
  // `vacuum analyze` and the raw baseline at 10 M clicks take longer than that. A server with the default answers such a
  // raw report 503 (unavailable) on PostgreSQL; reports from rollups stay far below it.
  const store = openStore({ ...storeOpts, dbStatementTimeoutMs: 0 });
  await migrateToLatest(store.db);
  const ws = (await listWorkspaces(store.db)).find((w) => w.name === 'Generated');
  if (
    (
      await store.db
        .selectFrom('workspaces')
        .select('rollup_timezone')
        .where('id', '=', ws.id)
        .executeTakeFirstOrThrow()
    ).rollup_timezone === null
  ) {
    // A kept data set from before a rollup migration: rebuild, as the server's rollup job would.
    const started = Date.now();
    await rebuildRollups(store, ws.id);
    console.log(`  rollups rebuilt in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    // A rebuild deletes and re-inserts every rollup row; PostgreSQL's indexes keep the old entries' pages (reused by
    // later writes, never returned), which makes the planner avoid the covering indexes. Reindexing gives the state a
    // freshly generated data set has, so kept and fresh sets measure alike.
    if (store.dialect.name === 'postgres') {
      const tables = (
        await sql`select tablename from pg_tables where schemaname = current_schema() and tablename like 'rollup_%'`.execute(
          store.db,
        )
      ).rows;
      for (const { tablename } of tables) await sql`reindex table ${sql.table(tablename)}`.execute(store.db);
    }
  }
  // What autovacuum does on a live PostgreSQL after a bulk load: statistics, and the visibility map that lets the
  // rollup reads be index-only scans (SQLite's statistics are refreshed by migrateToLatest and the rebuild).
  if (store.dialect.name === 'postgres') await sql`vacuum analyze`.execute(store.db);
  const ctx = { store, clock: Date.now, baseUrl: 'http://bench', trackingChanged: async () => {} };
  const workspace = await findWorkspace(store.db, ws.id);
  const to = dayKey(Date.now(), workspace.timezone);
  const from = addDays(to, -(Number(args.days) - 1));
  const top = async (groupBy) =>
    (await runReport(ctx, workspace, { groupBy, from, to, sort: 'clicks' })).value.rows.find((r) => r.key)?.key;
  const offerId = await top('offer');
  const memberId = await top('member');
  const clicks = Number(
    (
      await store.db
        .selectFrom('clicks')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    ).n,
  );
  const conversions = Number(
    (
      await store.db
        .selectFrom('conversions')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    ).n,
  );
  console.log(
    `\n${label}: ${clicks.toLocaleString('en-US')} clicks, ${conversions.toLocaleString('en-US')} conversions, ${from} .. ${to}`,
  );
  const queries = [
    ['offer totals, 90 days', { groupBy: 'offer', from, to }],
    ['by member, 90 days', { groupBy: 'member', from, to }],
    ['by day, one offer', { groupBy: 'day', from, to, offerId }],
    ['by code, 90 days', { groupBy: 'code', from, to }],
    ["one member's own numbers by day", { groupBy: 'day', from, to, memberId }],
    ['by sub-id, 7 days', { groupBy: 'sub_id', from: addDays(to, -6), to }],
    ['by sub-id, 30 days', { groupBy: 'sub_id', from: addDays(to, -29), to }],
    ['by sub-id, 90 days', { groupBy: 'sub_id', from, to }],
    ['by sub-id, 365 days', { groupBy: 'sub_id', from: addDays(to, -364), to }],
    ["by sub-id, one member's", { groupBy: 'sub_id', from, to, memberId }],
  ].filter(([name]) => !args.only || name.includes(args.only));
  const rows = [];
  for (const [name, q] of queries) {
    const bySubId = q.groupBy === 'sub_id';
    // Alternated run by run with the report, so both see the same load on a shared machine.
    let fast;
    let before = null;
    if (bySubId) {
      const [a, b] = [[], []];
      let last;
      let lastBefore;
      for (let i = 0; i < Number(args.runs); i++) {
        let t0 = performance.now();
        last = await runReport(ctx, workspace, { ...q, source: 'rollups' });
        a.push(performance.now() - t0);
        t0 = performance.now();
        lastBefore = await dayRowsBefore(store.db, ws.id, q);
        b.push(performance.now() - t0);
      }
      fast = { median: median(a), p95: p95(a), last };
      const now = new Map(last.value.rows.map((r) => [r.key, { clicks: r.clicks, salesMinor: r.salesMinor }]));
      const sameRows =
        now.size === [...lastBefore.values()].filter((v) => v.clicks || v.salesMinor).length &&
        [...now].every(([k, v]) => JSON.stringify(lastBefore.get(k)) === JSON.stringify(v));
      before = { median: median(b), p95: p95(b), same: sameRows };
    } else fast = await timeIt(() => runReport(ctx, workspace, { ...q, source: 'rollups' }), Number(args.runs));
    const raw = await timeIt(() => runReport(ctx, workspace, { ...q, source: 'raw' }), Number(args['raw-runs']));
    const same = raw ? JSON.stringify(fast.last.value.totals) === JSON.stringify(raw.last.value.totals) : null;
    rows.push({ name, fast, raw, same, before, n: fast.last.value.rows.length });
  }
  console.log(
    `| query | rows | rollups median | rollups p95 | day rows before 0032 (sub-id) | ratio | raw rows median (baseline) | speed-up | same totals |`,
  );
  console.log(`|---|---|---|---|---|---|---|---|---|`);
  for (const r of rows) {
    const before = r.before
      ? `${r.before.median.toFixed(1)} ms${r.before.same ? '' : ' (rows DIFFER)'} | ${(r.before.median / r.fast.median).toFixed(1)}×`
      : '– | –';
    const raw = r.raw ? `${r.raw.median.toFixed(0)} ms | ${(r.raw.median / r.fast.median).toFixed(0)}×` : '– | –';
    console.log(
      `| ${r.name} | ${r.n} | ${r.fast.median.toFixed(1)} ms | ${r.fast.p95.toFixed(1)} ms | ${before} | ${raw} | ${r.same === null ? '–' : r.same ? 'yes' : 'NO'} |`,
    );
  }
  console.log(
    `load average: ${os
      .loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  );
  await store.close();
  return rows;
}

if (!args['skip-sqlite']) {
  const dataDir = args.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-reports-'));
  if (!fs.existsSync(path.join(dataDir, 'touchpoint.sqlite'))) {
    console.log(`SQLite: generating into ${dataDir}`);
    generate({ DATA_DIR: dataDir, DATABASE_URL: '' });
  }
  await measure('SQLite', { databaseUrl: null, dataDir });
  if (!args.keep) fs.rmSync(dataDir, { recursive: true, force: true });
}

if (!args['skip-pg']) {
  const name = args['keep-pg'] ?? `tp_bench_reports_${Date.now().toString(36)}`;
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`--keep-pg: ${name} is not a plain database name`);
  const admin = new pg.Client({ connectionString: args.pg });
  await admin.connect();
  const exists = (await admin.query('select 1 from pg_database where datname = $1', [name])).rowCount > 0;
  const url = new URL(args.pg);
  url.pathname = `/${name}`;
  try {
    if (!exists) {
      await admin.query(`create database ${name}`);
      console.log(`\nPostgreSQL: generating into ${name}`);
      generate({ DATABASE_URL: url.toString(), DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-pg-')) });
    }
    await measure('PostgreSQL', { databaseUrl: url.toString(), dataDir: os.tmpdir() });
  } finally {
    if (!args['keep-pg']) await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
