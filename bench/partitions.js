// Monthly click partitions (ADR 0012) on PostgreSQL: does a table of ≥ 50 M clicks spread over two years write and
// redirect as fast as an empty one, and how long do a month's partition drop and creation take?
// Two databases, each seeded with one workspace, one offer and --links members with a link each: "empty" (no clicks)
// and "big" (--clicks rows made by INSERT … SELECT generate_series, spread evenly over the --months months before the
// current one). Per round, alternating which database goes first:
//   - insert: --batches batches of 1,000 clicks of today through the click writer (what the click buffer's flush does:
//     the clicks and every rollup tier in one statement), median ms per batch;
//   - redirect: `touchpoint serve` loaded by autocannon at --connections connections for --duration s.
// Then: the rows of the default partition (none expected: every month has its partition), the time to drop the oldest
// month (the retention's dropClicksBefore) and to create a month ahead.
// Usage: npm run bench:partitions [-- --clicks 50000000 --months 24 --rounds 3 --duration 10 --batches 30
//        --links 1000 --keep (leave the big database for a rerun, which then skips the generation)]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { sql } from 'kysely';
import pg from 'pg';
import { freePort, median, seedLinks, startChild, stopChild, waitForHttp } from './lib.js';

const { values: args } = parseArgs({
  options: {
    clicks: { type: 'string', default: '50000000' },
    months: { type: 'string', default: '24' },
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '64' },
    batches: { type: 'string', default: '30' },
    links: { type: 'string', default: '1000' },
    pg: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' },
    keep: { type: 'boolean', default: false },
  },
});
const target = Number(args.clicks);
const monthCount = Number(args.months);
const rounds = Number(args.rounds);
const duration = Number(args.duration);
const connections = Number(args.connections);
const batches = Number(args.batches);
const linkCount = Number(args.links);
const ROOT = path.resolve(import.meta.dirname, '..');
const DIST = path.join(ROOT, 'dist/src');
const CLI = path.join(DIST, 'cli/main.js');
const UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
const BIG_DB = 'tp_bench_partitions_big';
const EMPTY_DB = 'tp_bench_partitions_empty';

const { monthOf, addMonths } = await import(path.join(DIST, 'core/click-retention.js'));
const { openStore } = await import(path.join(DIST, 'db/dialect/index.js'));
const { postgresClickWriter } = await import(path.join(DIST, 'tracking/click-writer/postgres.js'));
const { newClickId } = await import(path.join(DIST, 'core/click-id.js'));

const dbUrl = (name) => {
  const u = new URL(args.pg);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin(query) {
  const c = new pg.Client({ connectionString: args.pg });
  await c.connect();
  try {
    return await c.query(query);
  } finally {
    await c.end();
  }
}

async function exists(name) {
  return (await admin(`select 1 from pg_database where datname = '${name}'`)).rowCount > 0;
}

/**
 * The clicks in the database, from the planner's statistics (exact after the generation's vacuum analyze): a count(*)
 * of 50 M rows outlasts the store's statement timeout.
 */
async function clickEstimate(t) {
  const { rows } = await sql`select coalesce(sum(c.reltuples), 0)::bigint as n from pg_inherits i
    join pg_class c on c.oid = i.inhrelid where i.inhparent = 'clicks'::regclass and c.reltuples > 0`.execute(
    t.store.db,
  );
  return Number(rows[0].n);
}

/** A database seeded with the bench's links; the big one keeps its clicks across runs with --keep. */
async function prepare(name, reuse) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-part-'));
  const url = dbUrl(name);
  if (reuse && (await exists(name))) {
    const store = openStore({ databaseUrl: url, dataDir });
    const links = await store.db.selectFrom('links').select('slug').execute();
    return { name, url, dataDir, store, slugs: links.map((l) => l.slug) };
  }
  await admin(`drop database if exists ${name} with (force)`);
  await admin(`create database ${name}`);
  const seeded = await seedLinks({ dataDir, databaseUrl: url, links: linkCount, cli: CLI });
  return { name, url, dataDir, store: seeded.store, slugs: seeded.slugs };
}

/**
 * --clicks rows over the --months months before the current one, month by month, with progress on stderr. Each month
 * is filled as a table of its own without indexes, then attached as the month's partition: the attach builds its
 * indexes in one pass, several times faster than keeping three indexes up to date row by row.
 */
async function generate(t) {
  const have = await clickEstimate(t);
  if (have >= target * 0.99) {
    console.error(`${t.name}: ${have.toLocaleString()} clicks already there`);
    return;
  }
  const first = addMonths(monthOf(Date.now()), -monthCount);
  const months = Array.from({ length: monthCount }, (_, i) => addMonths(first, i));
  const perMonth = Math.ceil(target / monthCount);
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  await c.query('set synchronous_commit = off');
  await c.query('set maintenance_work_mem = "256MB"');
  const started = Date.now();
  let done = 0;
  for (const [k, m] of months.entries()) {
    const t0 = Date.now();
    const name = `clicks_${m.suffix}`;
    // A rerun with --keep fills only the months missing, such as the one the previous run dropped.
    const filled = await c.query(
      `select 1 from pg_class c join pg_inherits i on i.inhrelid = c.oid where c.relname = $1 and c.reltuples > 0`,
      [name],
    );
    if (filled.rowCount) continue;
    const step = Math.floor((m.end - m.start) / perMonth);
    await c.query(`drop table if exists ${name}`);
    await c.query(`create table ${name} (like clicks including defaults including constraints)`);
    // Ids time-first like real click ids (core/click-id), as the click writer would have written them.
    await c.query(
      `insert into ${name} (id, workspace_id, link_id, offer_id, member_id, created_at, tracked, ip_hash, ip_truncated,
         user_agent, referrer_host, country, device, is_bot, bot_reason, is_unique, sub1)
       select 'g' || lpad(to_hex(ts), 11, '0') || lpad(g::text, 16, '0'), l.workspace_id, l.id, l.offer_id, l.member_id,
         ts, 1, 'h' || (g % 100000), '10.0.' || (g % 250) || '.0', $4, 'instagram.com', 'FR', 'mobile', 0, null,
         (g % 3 = 0)::int, case when g % 10 = 0 then 'story' else null end
       from generate_series(1, $1::bigint) g
       cross join lateral (select $2::bigint + (g - 1) * $3::bigint as ts) t
       join (select row_number() over (order by id) - 1 as k, id, workspace_id, offer_id, member_id from links) l
         on l.k = g % ${linkCount}`,
      [perMonth, m.start, step, UA],
    );
    const inserted = Date.now();
    await c.query(`alter table clicks attach partition ${name} for values from (${m.start}) to (${m.end})`);
    done += perMonth;
    console.error(
      `${t.name}: month ${k + 1}/${monthCount} (${m.suffix}) ${done.toLocaleString()} clicks; rows ${Math.round((inserted - t0) / 1000)} s, indexes ${Math.round((Date.now() - inserted) / 1000)} s; ${Math.round((Date.now() - started) / 1000)} s in all`,
    );
  }
  console.error(`${t.name}: vacuum analyze (so autovacuum does not start in the middle of the runs)`);
  await c.query('vacuum analyze clicks');
  await c.end();
}

/** --batches batches of 1,000 clicks of now through the click writer; ms per batch. */
async function insertRun(t) {
  const writer = postgresClickWriter(t.store);
  const links = await t.store.db.selectFrom('links').select(['id', 'workspace_id', 'offer_id', 'member_id']).execute();
  const tag = (await t.store.db.selectFrom('workspaces').select('click_tag').executeTakeFirstOrThrow()).click_tag;
  const times = [];
  for (let b = 0; b < batches; b++) {
    const now = Date.now();
    const rows = Array.from({ length: 1000 }, (_, i) => {
      const l = links[(b * 1000 + i) % links.length];
      return {
        id: newClickId(tag, now),
        workspace_id: l.workspace_id,
        link_id: l.id,
        offer_id: l.offer_id,
        member_id: l.member_id,
        created_at: now,
        tracked: 1,
        ip_hash: `h${b}_${i}`,
        ip_truncated: '10.0.0.0',
        user_agent: UA,
        referrer_host: null,
        country: 'FR',
        device: 'mobile',
        is_bot: 0,
        bot_reason: null,
        is_unique: 1,
        sub1: i % 10 === 0 ? 'story' : null,
        sub2: null,
        sub3: null,
        sub4: null,
        sub5: null,
      };
    });
    const t0 = process.hrtime.bigint();
    await writer.write(rows);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(times);
}

async function redirectRun(t) {
  const port = await freePort();
  const child = startChild(process.execPath, [CLI, 'serve'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: t.dataDir,
    DATABASE_URL: t.url,
    LOG_LEVEL: 'warn',
  });
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 180_000);
  const result = await new Promise((resolve, reject) => {
    let i = 0;
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        duration,
        headers: { 'user-agent': UA },
        requests: [{ setupRequest: (req) => ({ ...req, path: `/${t.slugs[i++ % t.slugs.length]}` }) }],
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
  await stopChild(child, 'SIGTERM');
  return { rps: Math.round(result.requests.average), p99: result.latency.p99, errors: result.errors };
}

async function defaultRows(t) {
  const r = await t.store.db
    .selectFrom('clicks_default')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function main() {
  console.error(
    `partitions benchmark: ${target.toLocaleString()} clicks over ${monthCount} months, ${rounds} rounds, ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  const empty = await prepare(EMPTY_DB, false);
  const big = await prepare(BIG_DB, true);
  await generate(big);
  const bigCount = await clickEstimate(big);
  const targets = [empty, big];
  const runs = new Map(targets.map((t) => [t.name, { insert: [], rps: [], p99: [] }]));
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 ? targets : [...targets].reverse();
    for (const t of order) {
      const r = runs.get(t.name);
      r.insert.push(await insertRun(t));
      const red = await redirectRun(t);
      r.rps.push(red.rps);
      r.p99.push(red.p99);
      console.error(
        `round ${round} ${t.name}: ${r.insert.at(-1).toFixed(1)} ms per 1,000-click batch, ${red.rps} redirects/s, p99 ${red.p99} ms`,
      );
    }
  }
  const fallback = { empty: await defaultRows(empty), big: await defaultRows(big) };

  // The oldest month goes as the retention drops it; a month ahead is made as the job makes it.
  const month = addMonths(monthOf(Date.now()), -monthCount);
  const { rows: sized } = await sql`select reltuples::bigint as n from pg_class
    where relname = ${`clicks_${month.suffix}`}`.execute(big.store.db);
  const inMonth = Number(sized[0]?.n ?? 0);
  let t0 = process.hrtime.bigint();
  const dropped = await big.store.dialect.dropClicksBefore(big.store.db, month.end);
  const dropMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const ahead = addMonths(monthOf(Date.now()), 12);
  t0 = process.hrtime.bigint();
  const created = await big.store.dialect.preparePartitions(big.store.db, [ahead]);
  const createMs = Number(process.hrtime.bigint() - t0) / 1e6;

  const m = (name, k) => median(runs.get(name)[k]);
  const list = (name, k) => {
    const xs = runs.get(name)[k];
    return xs.map((x) => (Number.isInteger(x) ? x : x.toFixed(1))).join(' / ');
  };
  console.log(
    `\nClick partitions: empty = 0 clicks, big = ${bigCount.toLocaleString()} clicks over ${monthCount} months; ${rounds} rounds alternating which goes first; load average ${os.loadavg()[0].toFixed(1)} at the end\n`,
  );
  console.log('| measure | empty (median; per round) | big (median; per round) | big ÷ empty |');
  console.log('|---|---:|---:|---:|');
  console.log(
    `| click writer, ms per 1,000-click batch | ${m(EMPTY_DB, 'insert').toFixed(1)} (${list(EMPTY_DB, 'insert')}) | ${m(BIG_DB, 'insert').toFixed(1)} (${list(BIG_DB, 'insert')}) | ${(m(BIG_DB, 'insert') / m(EMPTY_DB, 'insert')).toFixed(2)} |`,
  );
  console.log(
    `| redirects/s, ${connections} connections, ${duration} s | ${m(EMPTY_DB, 'rps')} (${list(EMPTY_DB, 'rps')}) | ${m(BIG_DB, 'rps')} (${list(BIG_DB, 'rps')}) | ${(m(BIG_DB, 'rps') / m(EMPTY_DB, 'rps')).toFixed(2)} |`,
  );
  console.log(
    `| redirect p99 ms | ${m(EMPTY_DB, 'p99')} (${list(EMPTY_DB, 'p99')}) | ${m(BIG_DB, 'p99')} (${list(BIG_DB, 'p99')}) | ${(m(BIG_DB, 'p99') / m(EMPTY_DB, 'p99')).toFixed(2)} |`,
  );
  console.log(`\nRows in the default partition after the runs: empty ${fallback.empty}, big ${fallback.big}.`);
  console.log(
    `Dropping the oldest month (${month.suffix}, ${inMonth.toLocaleString()} clicks; ${dropped.partitions} partition): ${dropMs.toFixed(1)} ms. Creating a month ahead (${ahead.suffix}, ${created} partitions): ${createMs.toFixed(1)} ms.`,
  );
  for (const t of targets) await t.store.close();
  await admin(`drop database if exists ${EMPTY_DB} with (force)`);
  if (!args.keep) await admin(`drop database if exists ${BIG_DB} with (force)`);
}

await main();
