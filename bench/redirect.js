// Redirect benchmark: a bare node:http 302 (the baseline), then Touchpoint on SQLite, then on PostgreSQL, each
// loaded on loopback by autocannon at 64 connections over 1,000+ distinct links; then a kill -9 crash run.
// Usage: npm run bench:redirect [-- --duration 10 --connections 64 --links 1000
//        --hot (every click on one link instead of round-robin over all links)
//        --compare-hot (no baseline, latency or crash runs; per round and database a spread run and a hot run,
//        alternating which goes first; prints medians and the hot/spread ratio)
//        --profile <dir> (write a V8 CPU profile of each Touchpoint server there)]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import {
  seedLinks,
  countClicks,
  cpuMicros,
  freePort,
  peakRssMb,
  waitForHttp,
  startChild,
  stopChild,
  median,
} from './lib.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    links: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    rate: { type: 'string', default: '2000' },
    pg: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    'skip-pg': { type: 'boolean', default: false },
    hot: { type: 'boolean', default: false },
    'compare-hot': { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const linkCount = Number(args.links);
const rounds = Number(args.rounds);
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
/** After the load, how long the server gets to write its last clicks before its CPU is read. */
const SETTLE_MS = 1_500;
const PROFILE = args.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args.profile)}`] : [];
const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

function load(port, slugs, fixedRate = 0) {
  return new Promise((resolve, reject) => {
    let i = 0;
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        // At a fixed rate the latency is the server's, not the queueing of a saturated machine.
        connections: fixedRate ? 16 : connections,
        ...(fixedRate ? { overallRate: fixedRate } : {}),
        duration,
        headers: { 'user-agent': UA },
        // Round-robin over every link so the cache, not one hot key, is measured.
        requests: [{ setupRequest: (req) => ({ ...req, path: `/${slugs[i++ % slugs.length]}` }) }],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    autocannon.track(instance, {
      renderProgressBar: process.stderr.isTTY,
      renderResultsTable: false,
      renderLatencyTable: false,
    });
  });
}

function summarize(name, result, rssMb) {
  return {
    target: name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    redirects: result['3xx'] ?? 0,
    errors: result.errors + result.non2xx - (result['3xx'] ?? 0),
    rssMb,
  };
}

async function latencyRun(name, argv, env, slugs) {
  const port = await freePort();
  const child = startChild(process.execPath, argv, {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  const r = await load(port, slugs, Number(args.rate));
  await stopChild(child, 'SIGTERM');
  return {
    target: name,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
  };
}

async function runTouchpoint(name, env, dataDir, slugs, store) {
  const before = await countClicks(store);
  const port = await freePort();
  const child = startChild(process.execPath, [...PROFILE, CLI, 'serve'], {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  const cpuBefore = cpuMicros(child.pid);
  const result = await load(port, slugs);
  // The CPU a click costs includes writing it and adding it to the rollups, which finish after the load stops.
  await new Promise((r) => setTimeout(r, SETTLE_MS));
  const cpuUs = Math.round((cpuMicros(child.pid) - cpuBefore) / Math.max(1, result.requests.total));
  const rss = peakRssMb(child.pid);
  // The server's own count of 302s: the client stops counting at its deadline while late responses still go out.
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const served = [
    ...metrics.matchAll(/touchpoint_http_requests_total\{method="(?:GET|HEAD)",route="\/:slug",status="302"\} (\d+)/g),
  ].reduce((n, m) => n + Number(m[1]), 0);
  const code = await stopChild(child, 'SIGTERM');
  const recorded = (await countClicks(store)) - before;
  return { ...summarize(name, result, rss), served, recorded, exitCode: code, cpuUs };
}

async function crashRun(name, env, dataDir, slugs, store) {
  const before = await countClicks(store);
  const port = await freePort();
  const child = startChild(process.execPath, [...PROFILE, CLI, 'serve'], {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`);
  let served = 0;
  const killAfterMs = 3_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const result = await new Promise((resolve) => {
    let i = 0;
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: 5,
        headers: { 'user-agent': UA },
        requests: [{ setupRequest: (req) => ({ ...req, path: `/${slugs[i++ % slugs.length]}` }) }],
      },
      (_err, r) => resolve(r),
    );
    instance.on('response', (_client, statusCode) => statusCode === 302 && served++);
  });
  clearTimeout(timer);
  await new Promise((r) => (child.exitCode !== null || child.signalCode ? r() : child.once('exit', r)));
  const recorded = (await countClicks(store)) - before;
  return { target: name, served, recorded, lost: served - recorded, rps: Math.round(result.requests.average) };
}

/** Spread and hot runs per round and database, alternating which goes first; prints medians and hot/spread. */
async function compareHot(targets) {
  const runs = targets.map(() => ({ spread: [], hot: [] }));
  for (let round = 1; round <= rounds; round++) {
    console.error(`round ${round}/${rounds}`);
    for (const [i, t] of targets.entries()) {
      for (const hot of round % 2 ? [false, true] : [true, false]) {
        // Hot: every click on the first link, so whatever is kept per link is written by every request.
        const slugs = hot ? t.slugs.slice(0, 1) : t.slugs;
        runs[i][hot ? 'hot' : 'spread'].push(await runTouchpoint(t.name, t.env, t.dataDir, slugs, t.store));
      }
    }
  }
  console.log(
    `\nOne hot link: ${connections} connections, ${duration} s per run, median of ${rounds} rounds; spread = clicks round-robin over ${linkCount} links, hot = every click on one link\n`,
  );
  console.log(
    '| database | spread requests/s (median) | hot requests/s (median) | hot ÷ spread | spread p99 ms | hot p99 ms | hot ÷ spread per round | clicks recorded = 302s served |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---|---|');
  for (const [i, t] of targets.entries()) {
    const { spread, hot } = runs[i];
    const m = (l, k) => median(l.map((r) => r[k]));
    const perRound = spread.map((s, j) => (hot[j].rps / s.rps).toFixed(2)).join(' / ');
    const all = [...spread, ...hot];
    const ok = all.every((r) => r.recorded === r.served) ? 'yes' : 'NO';
    console.log(
      `| ${t.name} | ${m(spread, 'rps')} (${spread.map((r) => r.rps).join(' / ')}) | ${m(hot, 'rps')} (${hot.map((r) => r.rps).join(' / ')}) | ${(m(hot, 'rps') / m(spread, 'rps')).toFixed(2)} | ${m(spread, 'p99')} | ${m(hot, 'p99')} | ${perRound} | ${ok} (${all.reduce((n, r) => n + r.recorded, 0)} / ${all.reduce((n, r) => n + r.served, 0)}) |`,
    );
  }
}

async function main() {
  console.error(
    `redirect benchmark: ${connections} connections, ${duration} s per run, ${rounds} rounds, ${linkCount} links, ${os.cpus().length} cores, node ${process.version}`,
  );
  const runs = { baseline: [], sqlite: [], postgres: [] };
  const crashes = [];
  const latencies = [];

  const sqliteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-'));
  const sqlite = await seedLinks({ dataDir: sqliteDir, databaseUrl: null, links: linkCount, cli: CLI });
  let pgSeed = null;
  let pgDir = null;
  let pgUrl = null;
  let admin = null;
  const pgName = `tp_bench_${Date.now().toString(36)}`;
  if (!args['skip-pg']) {
    admin = new pg.Client({ connectionString: args.pg });
    await admin.connect();
    await admin.query(`create database ${pgName}`);
    const url = new URL(args.pg);
    url.pathname = `/${pgName}`;
    pgUrl = url.toString();
    pgDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-pg-'));
    pgSeed = await seedLinks({ dataDir: pgDir, databaseUrl: pgUrl, links: linkCount, cli: CLI });
  }

  try {
    if (args['compare-hot']) {
      const targets = [
        {
          name: 'Touchpoint, SQLite',
          env: { DATABASE_URL: '' },
          dataDir: sqliteDir,
          slugs: sqlite.slugs,
          store: sqlite.store,
        },
      ];
      if (pgSeed)
        targets.push({
          name: 'Touchpoint, PostgreSQL',
          env: { DATABASE_URL: pgUrl },
          dataDir: pgDir,
          slugs: pgSeed.slugs,
          store: pgSeed.store,
        });
      await compareHot(targets);
      return;
    }
    if (args.hot) {
      sqlite.slugs = sqlite.slugs.slice(0, 1);
      if (pgSeed) pgSeed.slugs = pgSeed.slugs.slice(0, 1);
    }
    // Targets alternate round by round, so drift in a shared machine's speed hits all of them alike.
    for (let round = 1; round <= rounds; round++) {
      console.error(`round ${round}/${rounds}`);
      const port = await freePort();
      const child = startChild(process.execPath, [path.join(ROOT, 'bench/baseline-server.js')], {
        PORT: String(port),
        SLUGS_FILE: sqlite.slugsFile,
      });
      await waitForHttp(`http://127.0.0.1:${port}/healthz`);
      const cpuBefore = cpuMicros(child.pid);
      const result = await load(port, sqlite.slugs);
      const cpuUs = Math.round((cpuMicros(child.pid) - cpuBefore) / Math.max(1, result.requests.total));
      runs.baseline.push({
        ...summarize('node:http baseline', result, peakRssMb(child.pid)),
        recorded: null,
        cpuUs,
      });
      await stopChild(child, 'SIGTERM');
      runs.sqlite.push(
        await runTouchpoint('Touchpoint, SQLite', { DATABASE_URL: '' }, sqliteDir, sqlite.slugs, sqlite.store),
      );
      if (pgSeed)
        runs.postgres.push(
          await runTouchpoint('Touchpoint, PostgreSQL', { DATABASE_URL: pgUrl }, pgDir, pgSeed.slugs, pgSeed.store),
        );
    }
    latencies.push(
      await latencyRun(
        'node:http baseline',
        [path.join(ROOT, 'bench/baseline-server.js')],
        { SLUGS_FILE: sqlite.slugsFile },
        sqlite.slugs,
      ),
    );
    latencies.push(
      await latencyRun('Touchpoint, SQLite', [CLI, 'serve'], { DATABASE_URL: '', DATA_DIR: sqliteDir }, sqlite.slugs),
    );
    if (pgSeed)
      latencies.push(
        await latencyRun(
          'Touchpoint, PostgreSQL',
          [CLI, 'serve'],
          { DATABASE_URL: pgUrl, DATA_DIR: pgDir },
          pgSeed.slugs,
        ),
      );
    crashes.push(await crashRun('Touchpoint, SQLite', { DATABASE_URL: '' }, sqliteDir, sqlite.slugs, sqlite.store));
    if (pgSeed)
      crashes.push(
        await crashRun('Touchpoint, PostgreSQL', { DATABASE_URL: pgUrl }, pgDir, pgSeed.slugs, pgSeed.store),
      );
  } finally {
    await sqlite.store.close();
    if (pgSeed) await pgSeed.store.close();
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
    redirects: list.reduce((n, r) => n + (r.served ?? r.redirects), 0),
    recorded: list[0].recorded === null ? null : list.reduce((n, r) => n + r.recorded, 0),
    each: list.map((r) => r.rps).join(' / '),
  });
  const rows = [runs.baseline, runs.sqlite, runs.postgres].filter((l) => l.length).map(row);
  const base = rows[0].rps;
  const sqliteRps = rows[1].rps;
  console.log(
    `\nRedirects: ${connections} connections, ${duration} s per run, median of ${rounds} alternating rounds, ${args.hot ? 'every click on one link (--hot)' : `${linkCount} links round-robin`}\n`,
  );
  console.log(
    '| target | requests/s (median) | × baseline | p50 ms | p99 ms | server CPU µs/request | peak RSS MB | 302s served | clicks recorded after SIGTERM | requests/s per round |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of rows) {
    const ratio =
      (r.rps / base).toFixed(2) +
      (r.target.includes('PostgreSQL') ? ` (${(r.rps / sqliteRps).toFixed(2)} × SQLite)` : '');
    console.log(
      `| ${r.target} | ${r.rps} | ${ratio} | ${r.p50} | ${r.p99} | ${r.cpuUs} | ${r.rssMb} | ${r.redirects} | ${r.recorded ?? '—'} | ${r.each} |`,
    );
  }
  console.log(`\nLatency at a fixed ${args.rate} requests/s (16 connections, ${duration} s), below saturation\n`);
  console.log('| target | requests/s | p50 ms | p90 ms | p99 ms | max ms |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const l of latencies) console.log(`| ${l.target} | ${l.rps} | ${l.p50} | ${l.p90} | ${l.p99} | ${l.max} |`);
  console.log(`\nCrash run: kill -9 after 3 s of load (flush interval 250 ms)\n`);
  console.log('| target | 302s counted by the client | clicks recorded | lost |');
  console.log('|---|---:|---:|---:|');
  for (const c of crashes) console.log(`| ${c.target} | ${c.served} | ${c.recorded} | ${c.lost} |`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
