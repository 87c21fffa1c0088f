// Scaling benchmark: redirects and postbacks per second on one PostgreSQL database for one instance (direct, and
// behind nginx) and for two instances behind nginx (round-robin), all in one run with the targets alternating round
// by round; plus the CPU each request costs the instances and the database's backends, and the size of a click on
// PostgreSQL (table and indexes). See docs/scaling.md.
// Usage: npm run bench:scaling [-- --duration 10 --connections 32 --rounds 3 --links 1000]
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import pg from 'pg';
import { cpuMicros, countClicks, freePort, median, seedLinks, startChild, stopChild, waitForHttp } from './lib.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '3' },
    links: { type: 'string', default: '1000' },
    pg: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    nginx: { type: 'string', default: '/usr/sbin/nginx' },
  },
});
const duration = Number(args.duration);
const connections = Number(args.connections);
const rounds = Number(args.rounds);
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

/** nginx as docs/scaling.md configures it: round-robin, upstream keep-alive, failed requests moved to another instance. */
function startNginx(upstreams) {
  return (async () => {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-nginx-'));
    for (const sub of ['client', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) fs.mkdirSync(path.join(dir, sub));
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(
      conf,
      `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/client; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream touchpoint {
${upstreams.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://touchpoint;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_next_upstream error timeout http_502 http_503;
    }
  }
}
`,
    );
    const check = spawnSync(args.nginx, ['-t', '-q', '-p', dir, '-c', conf], { encoding: 'utf8' });
    if (check.status !== 0) throw new Error(`nginx rejected its configuration: ${check.stderr}`);
    const child = spawn(args.nginx, ['-p', dir, '-c', conf], { stdio: ['ignore', 'ignore', 'inherit'] });
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    return {
      port,
      pid: child.pid,
      async stop() {
        await stopChild(child, 'SIGQUIT');
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  })();
}

function load(port, kind, seed, prefix, seconds = duration) {
  let n = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration: seconds,
        headers: { 'user-agent': UA },
        requests: [
          {
            setupRequest: (req) => {
              n++;
              const path =
                kind === 'redirect'
                  ? `/${seed.slugs[n % seed.slugs.length]}`
                  : `/postback?secret=${seed.secret}&code=${seed.codes[n % seed.codes.length]}&order=${prefix}-${n}&amount=49.90&currency=USD`;
              return { ...req, path };
            },
          },
        ],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    autocannon.track(instance, { renderProgressBar: false, renderResultsTable: false, renderLatencyTable: false });
  });
}

/** CPU used so far by nginx: its master and its worker (a child process). */
function nginxCpuMicros(pid) {
  const children = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  return [pid, ...children.map(Number)].reduce((us, p) => us + cpuMicros(p), 0);
}

/** CPU used so far by this database's backends (PostgreSQL on this machine; /proc is readable for any process). */
async function dbCpuMicros(admin, name) {
  const { rows } = await admin.query('select pid from pg_stat_activity where datname = $1', [name]);
  let us = 0;
  for (const r of rows) {
    try {
      us += cpuMicros(r.pid);
    } catch {
      // the backend ended meanwhile
    }
  }
  return { us, pids: new Set(rows.map((r) => r.pid)) };
}

async function main() {
  console.error(
    `scaling benchmark: ${connections} connections, ${duration} s per run, ${rounds} rounds, ${os.cpus().length} cores, load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const admin = new pg.Client({ connectionString: args.pg });
  await admin.connect();
  const dbName = `tp_bench_scale_${Date.now().toString(36)}`;
  await admin.query(`create database ${dbName}`);
  const url = new URL(args.pg);
  url.pathname = `/${dbName}`;
  const dbUrl = url.toString();
  const seed = await seedLinks({
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-scale-')),
    databaseUrl: dbUrl,
    links: Number(args.links),
    cli: CLI,
  });
  const servers = [];
  const balancers = [];
  try {
    // Two instances, nothing shared but the database; a balancer in front of A alone and one in front of both.
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const child = startChild(process.execPath, [CLI, 'serve'], {
        DATABASE_URL: dbUrl,
        DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-scale-dir-')),
        PORT: String(port),
        HOST: '127.0.0.1',
        BASE_URL: `http://127.0.0.1:${port}`,
        TRUST_PROXY: 'true',
        LOG_LEVEL: 'warn',
      });
      // A shared, loaded machine may take a while to start a process.
      await waitForHttp(`http://127.0.0.1:${port}/healthz`, 120_000);
      servers.push({ port, child });
    }
    balancers.push(await startNginx([servers[0].port]));
    balancers.push(await startNginx(servers.map((s) => s.port)));
    const targets = [
      { name: '1 instance, direct', port: servers[0].port, instances: [servers[0]], nginx: null },
      { name: '1 instance behind nginx', port: balancers[0].port, instances: [servers[0]], nginx: balancers[0] },
      { name: '2 instances behind nginx', port: balancers[1].port, instances: servers, nginx: balancers[1] },
    ];
    // Warm-up (JIT, link caches, pools) on each instance, not counted.
    for (const s of servers)
      for (const kind of ['redirect', 'postback']) await load(s.port, kind, seed, `w${s.port}${kind[0]}`, 3);
    const runs = [];
    for (let round = 1; round <= rounds; round++) {
      for (const kind of ['redirect', 'postback']) {
        for (const t of targets) {
          console.error(`round ${round}/${rounds}: ${kind}s, ${t.name}`);
          const prefix = `s${round}${kind[0]}${targets.indexOf(t)}${Date.now().toString(36)}`;
          const cpu0 = t.instances.map((s) => cpuMicros(s.child.pid));
          const nginx0 = t.nginx ? nginxCpuMicros(t.nginx.pid) : 0;
          const db0 = await dbCpuMicros(admin, dbName);
          const r = await load(t.port, kind, seed, prefix);
          const db1 = await dbCpuMicros(admin, dbName);
          const total = Math.max(1, r.requests.total);
          const ok = kind === 'redirect' ? (r['3xx'] ?? 0) : (r['2xx'] ?? 0);
          runs.push({
            kind,
            target: t.name,
            rps: Math.round(r.requests.average),
            p99: r.latency.p99,
            failed: r.errors + r.timeouts + (r.requests.total - ok),
            appCpuUs: Math.round(t.instances.reduce((s, x, i) => s + cpuMicros(x.child.pid) - cpu0[i], 0) / total),
            nginxCpuUs: t.nginx ? Math.round((nginxCpuMicros(t.nginx.pid) - nginx0) / total) : 0,
            // Backends that existed before the run: new ones' CPU before their first sample is not counted.
            dbCpuUs: Math.round(Math.max(0, db1.us - db0.us) / total),
          });
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    }
    // Let the last clicks flush, then size the clicks table: bytes per click, table and indexes together.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const clicks = await countClicks(seed.store);
    await admin.end();
    const sizeClient = new pg.Client({ connectionString: dbUrl });
    await sizeClient.connect();
    await sizeClient.query('vacuum analyze clicks');
    const { rows } = await sizeClient.query(
      "select pg_total_relation_size('clicks') as total, pg_relation_size('clicks') as heap, pg_indexes_size('clicks') as indexes",
    );
    await sizeClient.end();

    console.log(
      `\nScaling on one PostgreSQL database: ${connections} connections, ${duration} s per run, median of ${rounds} alternating rounds, ${os.cpus().length} cores\n`,
    );
    console.log(
      '| load | target | requests/s (median) | × 1 instance direct | p99 ms | failed | instance CPU µs/req | nginx CPU µs/req | database CPU µs/req | requests/s per round |',
    );
    console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---|');
    for (const kind of ['redirect', 'postback']) {
      const base = median(runs.filter((r) => r.kind === kind && r.target === targets[0].name).map((r) => r.rps));
      for (const t of targets) {
        const list = runs.filter((r) => r.kind === kind && r.target === t.name);
        const m = (f) => median(list.map(f));
        console.log(
          `| ${kind}s | ${t.name} | ${m((r) => r.rps)} | ${(m((r) => r.rps) / base).toFixed(2)} | ${m((r) => r.p99)} | ${list.reduce((n, r) => n + r.failed, 0)} | ${m((r) => r.appCpuUs)} | ${m((r) => r.nginxCpuUs)} | ${m((r) => r.dbCpuUs)} | ${list.map((r) => r.rps).join(' / ')} |`,
        );
      }
    }
    const total = Number(rows[0].total);
    console.log(
      `\nclicks table after the run: ${clicks} clicks, ${(total / 1048576).toFixed(1)} MB (heap ${(Number(rows[0].heap) / 1048576).toFixed(1)} MB, indexes ${(Number(rows[0].indexes) / 1048576).toFixed(1)} MB): ${Math.round(total / Math.max(1, clicks))} bytes per click, ${((total / Math.max(1, clicks)) * 1e6) / 1073741824 >= 1 ? (((total / Math.max(1, clicks)) * 1e6) / 1073741824).toFixed(2) + ' GB' : (((total / Math.max(1, clicks)) * 1e6) / 1048576).toFixed(0) + ' MB'} per million clicks`,
    );
  } finally {
    for (const b of balancers) await b.stop();
    for (const s of servers) await stopChild(s.child, 'SIGTERM');
    await seed.store.close();
    const drop = new pg.Client({ connectionString: args.pg });
    await drop.connect();
    await drop.query(`drop database if exists ${dbName} with (force)`);
    await drop.end();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
