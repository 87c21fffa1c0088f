// Postback benchmark: attributed conversions per second through GET /postback (each a new order credited by a promo
// code) on SQLite and PostgreSQL at 32 connections, against a bare Fastify handler doing the same HTTP parsing, in one
// run; every accepted conversion is then verified present in the database.
// Usage: npm run bench:postback [-- --duration 10 --connections 32 --rounds 3 --skip-pg
//        --profile <dir> (write a V8 CPU profile of each Touchpoint server there, for chrome://inspect or speedscope)
//        --tiers (the offer's payout has volume tiers, so each order counts the member's orders of the month)
//        --hot (every order on one member's code instead of round-robin over all members)
//        --compare-hot (no baseline; per round and database a spread run and a hot run, alternating which goes
//        first; prints medians, the hot/spread ratio and, on PostgreSQL, the waits sampled every 200 ms)]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import {
  cpuMicros,
  freePort,
  peakRssMb,
  postgresCpuMicros,
  seedLinks,
  startChild,
  stopChild,
  waitForHttp,
  median,
} from './lib.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    members: { type: 'string', default: '200' },
    pg: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'skip-pg': { type: 'boolean', default: false },
    profile: { type: 'string' },
    hot: { type: 'boolean', default: false },
    tiers: { type: 'boolean', default: false },
    'compare-hot': { type: 'boolean', default: false },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const rounds = Number(args.rounds);
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
function load(port, seed, prefix, hot = args.hot) {
  let n = 0;
  // Hot: every order on the first member's code, so whatever is kept per member is written by every request.
  const codes = hot ? seed.codes.slice(0, 1) : seed.codes;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [
      {
        setupRequest: (req) => {
          n++;
          const code = codes[n % codes.length];
          return {
            ...req,
            path: `/postback?secret=${seed.secret}&code=${code}&order=${prefix}-${n}&amount=49.90&currency=USD`,
          };
        },
      },
    ],
  });
}

async function countConversions(store, prefix) {
  const r = await store.db
    .selectFrom('conversions')
    .select((eb) => eb.fn.countAll().as('n'))
    .where('order_id', 'like', `${prefix}-%`)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Samples what PostgreSQL's backends of the bench database wait on, every 200 ms while the load runs: the wait events
 * of active backends and the lock requests not granted (by lock type). Returns stop(), which gives the counts.
 */
function sampleWaits(databaseUrl) {
  const client = new pg.Client({ connectionString: databaseUrl });
  const waits = new Map();
  let samples = 0;
  let stopped = false;
  const bump = (key, n) => waits.set(key, (waits.get(key) ?? 0) + n);
  const done = (async () => {
    await client.connect();
    while (!stopped) {
      const a = await client.query(
        `select coalesce(wait_event_type, 'CPU') as t, coalesce(wait_event, 'running') as e, count(*)::int as n
           from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and state = 'active'
          group by 1, 2`,
      );
      const l = await client.query(
        `select l.locktype as t, count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database
          where not l.granted and d.datname = current_database() group by 1`,
      );
      samples++;
      for (const r of a.rows) bump(`${r.t}:${r.e}`, r.n);
      for (const r of l.rows) bump(`lock not granted:${r.t}`, r.n);
      await new Promise((r) => setTimeout(r, 200));
    }
    await client.end();
  })();
  return async () => {
    stopped = true;
    await done;
    return { samples, waits };
  };
}

async function runTouchpoint(name, env, dataDir, seed, round, hot = args.hot) {
  const port = await freePort();
  const profile = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profile)}`] : [];
  const child = startChild(process.execPath, [...profile, CLI, 'serve'], {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  const prefix = `b${round}${name.includes('SQLite') ? 's' : 'p'}${hot ? 'h' : ''}${Date.now().toString(36)}`;
  const cpuBefore = cpuMicros(child.pid);
  const dbCpuBefore = env.DATABASE_URL ? postgresCpuMicros() : null;
  const stopSampling = env.DATABASE_URL ? sampleWaits(env.DATABASE_URL) : null;
  const result = await load(port, seed, prefix, hot);
  const waits = stopSampling ? await stopSampling() : null;
  const rss = peakRssMb(child.pid);
  const perRequest = (us) => Math.round(us / Math.max(1, result.requests.total));
  const cpuUs = perRequest(cpuMicros(child.pid) - cpuBefore);
  // PostgreSQL's own processes (a local server): the orders' cost there, which the server process does not show.
  const dbCpuAfter = dbCpuBefore === null ? null : postgresCpuMicros();
  const dbCpuUs = dbCpuAfter === null ? null : perRequest(dbCpuAfter - dbCpuBefore);
  // Requests sent before the deadline may still be answered after it: let them finish before counting.
  await new Promise((r) => setTimeout(r, 2_000));
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const accepted = Number(
    /touchpoint_http_requests_total\{method="GET",route="\/postback",status="200"\} (\d+)/.exec(metrics)?.[1] ?? 0,
  );
  await stopChild(child, 'SIGTERM');
  const stored = await countConversions(seed.store, prefix);
  return {
    target: name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    rssMb: rss,
    cpuUs,
    dbCpuUs,
    accepted,
    stored,
    errors: result.errors + result.non2xx,
    waits,
  };
}

/** Spread and hot runs per round and database, alternating which goes first; prints medians and hot/spread. */
async function compareHot(targets) {
  const runs = targets.map(() => ({ spread: [], hot: [] }));
  for (let round = 1; round <= rounds; round++) {
    console.error(`round ${round}/${rounds}`);
    for (const [i, t] of targets.entries()) {
      const order = round % 2 ? [false, true] : [true, false];
      for (const hot of order)
        runs[i][hot ? 'hot' : 'spread'].push(await runTouchpoint(t.name, t.env, t.dataDir, t.seed, round, hot));
    }
  }
  console.log(
    `\nOne hot creator: ${connections} connections, ${duration} s per run, median of ${rounds} rounds; spread = orders round-robin over ${args.members} members' codes, hot = every order on one member's code${args.tiers ? '; the payout has volume tiers' : ''}\n`,
  );
  console.log(
    '| database | spread requests/s (median) | hot requests/s (median) | hot ÷ spread | spread p99 ms | hot p99 ms | spread CPU µs/request | hot CPU µs/request | hot ÷ spread per round | accepted = stored |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---|---|');
  for (const [i, t] of targets.entries()) {
    const { spread, hot } = runs[i];
    const m = (l, k) => median(l.map((r) => r[k]));
    const perRound = spread.map((s, j) => (hot[j].rps / s.rps).toFixed(2)).join(' / ');
    const ok = [...spread, ...hot].every((r) => r.stored >= r.accepted) ? 'yes' : 'NO';
    console.log(
      `| ${t.name} | ${m(spread, 'rps')} (${spread.map((r) => r.rps).join(' / ')}) | ${m(hot, 'rps')} (${hot.map((r) => r.rps).join(' / ')}) | ${(m(hot, 'rps') / m(spread, 'rps')).toFixed(2)} | ${m(spread, 'p99')} | ${m(hot, 'p99')} | ${m(spread, 'cpuUs')} | ${m(hot, 'cpuUs')} | ${perRound} | ${ok} |`,
    );
  }
  for (const [i, t] of targets.entries()) {
    if (!runs[i].spread[0].waits) continue;
    console.log(
      `\n${t.name}: active backends by wait event, and lock requests not granted, summed over samples every 200 ms (per sample)\n`,
    );
    const sum = (list) => {
      const total = new Map();
      let samples = 0;
      for (const r of list) {
        samples += r.waits.samples;
        for (const [k, n] of r.waits.waits) total.set(k, (total.get(k) ?? 0) + n);
      }
      return { samples, total };
    };
    const s = sum(runs[i].spread);
    const h = sum(runs[i].hot);
    const keys = [...new Set([...s.total.keys(), ...h.total.keys()])].sort(
      (a, b) => (h.total.get(b) ?? 0) - (h.total.get(a) ?? 0),
    );
    console.log('| wait | spread | hot |');
    console.log('|---|---:|---:|');
    const cell = (x, k) => `${x.total.get(k) ?? 0} (${((x.total.get(k) ?? 0) / Math.max(1, x.samples)).toFixed(1)})`;
    for (const k of keys) console.log(`| ${k} | ${cell(s, k)} | ${cell(h, k)} |`);
    console.log(`| samples | ${s.samples} | ${h.samples} |`);
  }
}

async function main() {
  console.error(
    `postback benchmark: ${connections} connections, ${duration} s per run, ${rounds} rounds, ${os.cpus().length} cores, node ${process.version}`,
  );
  const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-pb-'));
  const sqlite = await seedLinks({
    dataDir: sqliteDir,
    databaseUrl: null,
    links: Number(args.members),
    cli: CLI,
    tiers: args.tiers,
  });
  let pgSeed = null;
  let pgUrl = null;
  let admin = null;
  const pgName = `tp_bench_pb_${Date.now().toString(36)}`;
  if (!args['skip-pg']) {
    admin = new pg.Client({ connectionString: args.pg });
    await admin.connect();
    await admin.query(`create database ${pgName}`);
    const url = new URL(args.pg);
    url.pathname = `/${pgName}`;
    pgUrl = url.toString();
    pgSeed = await seedLinks({
      dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-pb-pg-')),
      databaseUrl: pgUrl,
      links: Number(args.members),
      cli: CLI,
      tiers: args.tiers,
    });
  }
  const runs = { baseline: [], sqlite: [], postgres: [] };
  try {
    if (args['compare-hot']) {
      const targets = [{ name: 'Touchpoint, SQLite', env: { DATABASE_URL: '' }, dataDir: sqliteDir, seed: sqlite }];
      if (pgSeed)
        targets.push({
          name: 'Touchpoint, PostgreSQL',
          env: { DATABASE_URL: pgUrl },
          dataDir: path.dirname(pgSeed.slugsFile),
          seed: pgSeed,
        });
      await compareHot(targets);
      return;
    }
    for (let round = 1; round <= rounds; round++) {
      console.error(`round ${round}/${rounds}`);
      const port = await freePort();
      const child = startChild(process.execPath, [path.join(ROOT, 'bench/baseline-postback.js')], {
        PORT: String(port),
      });
      await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      const cpuBefore = cpuMicros(child.pid);
      const r = await load(port, sqlite, 'base');
      const cpuUs = Math.round((cpuMicros(child.pid) - cpuBefore) / Math.max(1, r.requests.total));
      runs.baseline.push({
        target: 'bare Fastify handler (baseline)',
        rps: Math.round(r.requests.average),
        p50: r.latency.p50,
        p99: r.latency.p99,
        rssMb: peakRssMb(child.pid),
        cpuUs,
        dbCpuUs: null,
        accepted: null,
        stored: null,
      });
      await stopChild(child, 'SIGTERM');
      runs.sqlite.push(await runTouchpoint('Touchpoint, SQLite', { DATABASE_URL: '' }, sqliteDir, sqlite, round));
      if (pgSeed)
        runs.postgres.push(
          await runTouchpoint(
            'Touchpoint, PostgreSQL',
            { DATABASE_URL: pgUrl },
            path.dirname(pgSeed.slugsFile),
            pgSeed,
            round,
          ),
        );
    }
  } finally {
    await sqlite.store.close();
    fs.rmSync(sqliteDir, { recursive: true, force: true });
    if (pgSeed) {
      await pgSeed.store.close();
      fs.rmSync(path.dirname(pgSeed.slugsFile), { recursive: true, force: true });
    }
    if (admin) {
      await admin.query(`drop database if exists ${pgName} with (force)`);
      await admin.end();
    }
  }
  const row = (list) => ({
    target: list[0].target,
    rps: median(list.map((r) => r.rps)),
    p50: median(list.map((r) => r.p50)),
    p99: median(list.map((r) => r.p99)),
    rssMb: Math.max(...list.map((r) => r.rssMb)),
    cpuUs: median(list.map((r) => r.cpuUs)),
    dbCpuUs: list[0].dbCpuUs === null ? null : median(list.map((r) => r.dbCpuUs)),
    accepted: list[0].accepted === null ? null : list.reduce((n, r) => n + r.accepted, 0),
    stored: list[0].stored === null ? null : list.reduce((n, r) => n + r.stored, 0),
    each: list.map((r) => r.rps).join(' / '),
  });
  const rows = [runs.baseline, runs.sqlite, runs.postgres].filter((l) => l.length).map(row);
  console.log(
    `\nAttributed postbacks: ${connections} connections, ${duration} s per run, median of ${rounds} alternating rounds; each request a new order credited by ${args.hot ? "one member's promo code (--hot)" : 'a promo code'}\n`,
  );
  console.log(
    '| target | requests/s (median) | × baseline | p50 ms | p99 ms | server CPU µs/request | PostgreSQL CPU µs/request | peak RSS MB | conversions accepted (200) | conversions stored | requests/s per round |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows)
    console.log(
      `| ${r.target} | ${r.rps} | ${(r.rps / rows[0].rps).toFixed(2)} | ${r.p50} | ${r.p99} | ${r.cpuUs} | ${r.dbCpuUs ?? '—'} | ${r.rssMb} | ${r.accepted ?? '—'} | ${r.stored ?? '—'} | ${r.each} |`,
    );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
