// Postback benchmark: attributed conversions per second through GET /postback (each a new order credited by a promo
// code) on SQLite and PostgreSQL at 32 connections, against a bare Fastify handler doing the same HTTP parsing, in one
// run; every accepted conversion is then verified present in the database.
// Usage: npm run bench:postback [-- --duration 10 --connections 32 --rounds 3 --skip-pg
//        --profile <dir> (write a V8 CPU profile of each Touchpoint server there, for chrome://inspect or speedscope)]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { cpuMicros, freePort, peakRssMb, seedLinks, startChild, stopChild, waitForHttp, median } from './lib.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    members: { type: 'string', default: '200' },
    pg: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'skip-pg': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const rounds = Number(args.rounds);
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
function load(port, seed, prefix) {
  let n = 0;
  return autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    duration,
    requests: [
      {
        setupRequest: (req) => {
          n++;
          const code = seed.codes[n % seed.codes.length];
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

async function runTouchpoint(name, env, dataDir, seed, round) {
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
  const prefix = `b${round}${name.includes('SQLite') ? 's' : 'p'}${Date.now().toString(36)}`;
  const cpuBefore = cpuMicros(child.pid);
  const result = await load(port, seed, prefix);
  const rss = peakRssMb(child.pid);
  const cpuUs = Math.round((cpuMicros(child.pid) - cpuBefore) / Math.max(1, result.requests.total));
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
    accepted,
    stored,
    errors: result.errors + result.non2xx,
  };
}

async function main() {
  console.error(
    `postback benchmark: ${connections} connections, ${duration} s per run, ${rounds} rounds, ${os.cpus().length} cores, node ${process.version}`,
  );
  const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-pb-'));
  const sqlite = await seedLinks({ dataDir: sqliteDir, databaseUrl: null, links: Number(args.members), cli: CLI });
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
    });
  }
  const runs = { baseline: [], sqlite: [], postgres: [] };
  try {
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
    accepted: list[0].accepted === null ? null : list.reduce((n, r) => n + r.accepted, 0),
    stored: list[0].stored === null ? null : list.reduce((n, r) => n + r.stored, 0),
    each: list.map((r) => r.rps).join(' / '),
  });
  const rows = [runs.baseline, runs.sqlite, runs.postgres].filter((l) => l.length).map(row);
  console.log(
    `\nAttributed postbacks: ${connections} connections, ${duration} s per run, median of ${rounds} alternating rounds; each request a new order credited by a promo code\n`,
  );
  console.log(
    '| target | requests/s (median) | × baseline | p50 ms | p99 ms | server CPU µs/request | peak RSS MB | conversions accepted (200) | conversions stored | requests/s per round |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows)
    console.log(
      `| ${r.target} | ${r.rps} | ${(r.rps / rows[0].rps).toFixed(2)} | ${r.p50} | ${r.p99} | ${r.cpuUs} | ${r.rssMb} | ${r.accepted ?? '—'} | ${r.stored ?? '—'} | ${r.each} |`,
    );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
