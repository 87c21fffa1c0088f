// The cost of recording a click, without HTTP: batches of clicks (round-robin over the links, as bench/redirect.js
// sends them, or all on one link) handed to the click writer of the built server (dist/), on SQLite or PostgreSQL.
// Reports the CPU time of this process (every thread: the SQLite writer's worker included; on PostgreSQL the server's
// own CPU is not in it) per click, and the clicks written per second of wall time.
// Usage: npm run build:server && node bench/click-writer.js [--clicks 200000 --batch 1000 --links 1000 --hot
//        --pg postgres://… --no-sub-ids (as the redirect benchmark: no click carries a sub-id)]
//        [--dist <another build's dist/src, to measure it the same way>]
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { median, postgresCpuMicros, seedLinks } from './lib.js';

const { values: args } = parseArgs({
  options: {
    clicks: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    links: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    hot: { type: 'boolean', default: false },
    'no-sub-ids': { type: 'boolean', default: false },
    pg: { type: 'string' },
    dist: { type: 'string', default: path.resolve(import.meta.dirname, '../dist/src') },
  },
});
const total = Number(args.clicks);
const batchSize = Number(args.batch);
const rounds = Number(args.rounds);
const dist = path.resolve(args.dist);
const CLI = path.join(dist, 'cli/main.js');

const { openClickWriter } = await import(path.join(dist, 'tracking/click-writer/index.js'));
const { newClickId } = await import(path.join(dist, 'core/click-id.js'));
const { hashIp } = await import(path.join(dist, 'core/visitor.js'));

let pgName = null;
let databaseUrl = '';
if (args.pg) {
  pgName = `tp_bench_cw_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: args.pg });
  await admin.connect();
  await admin.query(`create database ${pgName}`);
  await admin.end();
  const url = new URL(args.pg);
  url.pathname = `/${pgName}`;
  databaseUrl = url.toString();
}
const dataDir = (await import('node:fs')).mkdtempSync(path.join(os.tmpdir(), 'tp-bench-cw-'));
const seeded = await seedLinks({ dataDir, databaseUrl, links: Number(args.links), cli: CLI });
const { store } = seeded;
const ws = await store.db.selectFrom('workspaces').select(['id', 'click_tag', 'ip_hash_key']).executeTakeFirstOrThrow();
const links = await store.db.selectFrom('links').select(['id', 'offer_id', 'member_id']).execute();
const used = args.hot ? links.slice(0, 1) : links;
const UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Instagram 330.0.0.40.92';

let n = 0;
function click() {
  const link = used[n % used.length];
  const now = Date.now();
  n++;
  return {
    id: newClickId(ws.click_tag, now),
    workspace_id: ws.id,
    link_id: link.id,
    offer_id: link.offer_id,
    member_id: link.member_id,
    created_at: now,
    tracked: 1,
    ip_hash: hashIp(`10.0.${(n >> 8) & 255}.${n & 255}`, ws.ip_hash_key),
    ip_truncated: `10.0.${(n >> 8) & 255}.0`,
    user_agent: UA,
    referrer_host: 'l.instagram.com',
    country: null,
    device: 'mobile',
    is_bot: 0,
    bot_reason: null,
    is_unique: n % 3 === 0 ? 0 : 1,
    sub1: !args['no-sub-ids'] && n % 4 === 0 ? `story_${n % 7}` : null,
    sub2: null,
    sub3: null,
    sub4: null,
    sub5: null,
  };
}

console.error(
  `click writer: ${store.dialect.name}, ${total} clicks in batches of ${batchSize}, ${used.length} link(s), ${os.cpus().length} cores, ${dist}`,
);
const results = [];
for (let round = 1; round <= rounds; round++) {
  const writer = openClickWriter(store);
  const batches = [];
  for (let i = 0; i < total; i += batchSize)
    batches.push(Array.from({ length: Math.min(batchSize, total - i) }, click));
  const cpu0 = process.cpuUsage();
  const pg0 = pgName ? postgresCpuMicros() : null;
  const t0 = performance.now();
  for (const [i, b] of batches.entries()) {
    await writer.write(b);
    if (process.stderr.isTTY)
      process.stderr.write(`\rround ${round}: ${Math.round(((i + 1) / batches.length) * 100)} %`);
  }
  // Everything written is in the rollups before the clock stops (a writer that holds deltas adds them now).
  await (writer.settle ?? (async () => {}))();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const pg1 = pg0 === null ? null : postgresCpuMicros();
  await writer.close();
  results.push({
    cpuUs: (cpu.user + cpu.system) / total,
    perSecond: (total / ms) * 1000,
    pgUs: pg0 === null || pg1 === null ? null : (pg1 - pg0) / total,
  });
  if (process.stderr.isTTY) process.stderr.write('\n');
}
const written = await store.db
  .selectFrom('clicks')
  .select((eb) => eb.fn.countAll().as('n'))
  .executeTakeFirstOrThrow();
console.log(
  `| ${store.dialect.name} | ${args.hot ? 'one link' : `${used.length} links`} | ${median(results.map((r) => r.cpuUs)).toFixed(1)} | ${Math.round(median(results.map((r) => r.perSecond)))} | ${results.map((r) => r.cpuUs.toFixed(1)).join(' / ')} | ${Number(written.n) === total * rounds ? 'yes' : `no (${written.n})`} | ${results.every((r) => r.pgUs !== null) ? median(results.map((r) => r.pgUs)).toFixed(1) : '—'} |`,
);
await store.close();
if (pgName) {
  const admin = new pg.Client({ connectionString: args.pg });
  await admin.connect();
  await admin.query(`drop database if exists ${pgName} with (force)`);
  await admin.end();
}
