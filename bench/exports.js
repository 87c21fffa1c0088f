// Export benchmark: GET /api/v1/conversions/export of 1,000,000 conversions (each credited to a member, with its
// commission) as CSV and as XLSX, from a Touchpoint server on SQLite, read by a client as fast as it can. Reports rows/s
// and the server's peak RSS against the same server's RSS idle (the baseline, measured in the same run, just before).
// Each format gets a fresh server process, so one export's peak does not hide in the other's.
// A second pair of runs caps the server's V8 old space (--max-old-space-size, --heap-mb): an export that held its rows
// would die of it.
// Usage: npm run bench:exports [-- --rows 1000000 --formats csv,xlsx --heap-mb 64]  (--heap-mb 0: no capped runs)
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { freePort, peakRssMb, seedLinks, startChild, stopChild, waitForHttp } from './lib.js';

const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    members: { type: 'string', default: '200' },
    formats: { type: 'string', default: 'csv,xlsx' },
    'heap-mb': { type: 'string', default: '64' },
  },
});
const ROWS = Number(args.rows);
const ROOT = path.resolve(import.meta.dirname, '..');
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const DIST = path.join(ROOT, 'dist/src');

function rssMb(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

/** A workspace, an offer and its members through the use cases; then the conversions straight into the file. */
async function seed(dataDir) {
  const started = Date.now();
  const seeded = await seedLinks({ dataDir, databaseUrl: null, links: Number(args.members), cli: CLI });
  const { createApiKey } = await import(path.join(DIST, 'app/workspaces.js'));
  const { newId } = await import(path.join(DIST, 'core/ids.js'));
  const db = seeded.store.db;
  const ws = await db.selectFrom('workspaces').select('id').executeTakeFirstOrThrow();
  const ctx = { store: seeded.store, clock: Date.now, baseUrl: 'http://127.0.0.1', trackingChanged: async () => {} };
  const key = await createApiKey(ctx, { workspaceId: ws.id, actor: 'bench' }, 'bench');
  const members = await db.selectFrom('members').select('id').execute();
  const option = await db
    .selectFrom('payout_options')
    .select('id')
    .where('offer_id', '=', seeded.offerId)
    .executeTakeFirstOrThrow();
  await seeded.store.close();

  const file = path.join(dataDir, 'touchpoint.sqlite');
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF');
  const conversion =
    sqlite.prepare(`insert into conversions (id, workspace_id, order_id, is_test, status, occurred_at, reported_offer_id, click_id,
    code, amount_minor, currency, refunded_minor, cancelled_at, decision, created_at, updated_at) values (?, ?, ?, 0, 'credited', ?, ?, null, ?, ?, 'USD', 0, null, ?, ?, ?)`);
  const commission =
    sqlite.prepare(`insert into commissions (id, workspace_id, conversion_id, offer_id, member_id, payout_option_id, source, share_bps,
    sale_minor, amount_minor, currency, rate_applied, tier_from, month_key, status, approve_after, approved_at, reversed_at, paid_at, payout_batch_id,
    created_at, updated_at) values (?, ?, ?, ?, ?, ?, 'code', 10000, ?, ?, 'USD', 1000, null, '2026-10', 'approved', ?, ?, null, null, null, ?, ?)`);
  const start = Date.UTC(2026, 9, 1);
  const insert = sqlite.transaction((from, to) => {
    for (let i = from; i < to; i++) {
      const at = start + i * 1000;
      const member = members[i % members.length].id;
      const code = seeded.codes[i % seeded.codes.length];
      const id = newId('cnv', at);
      const amount = 1000 + (i % 50_000);
      const decision = JSON.stringify({
        outcome: 'credited',
        reasons: ['code_counted'],
        credits: [{ offerId: seeded.offerId, memberId: member, source: 'code', shareBps: 10000 }],
      });
      conversion.run(id, ws.id, `ORDER-${i}`, at, seeded.offerId, code, amount, decision, at, at);
      commission.run(
        newId('com', at),
        ws.id,
        id,
        seeded.offerId,
        member,
        option.id,
        amount,
        Math.round(amount / 10),
        at + 30 * 86_400_000,
        at + 30 * 86_400_000,
        at,
        at,
      );
    }
  });
  for (let i = 0; i < ROWS; i += 50_000) {
    insert(i, Math.min(ROWS, i + 50_000));
    process.stderr.write(`\rseeded ${Math.min(ROWS, i + 50_000).toLocaleString('en')} conversions`);
  }
  // A settled system: commissions past their hold are approved (above), and the report rollups are not behind. Without
  // this the server's background jobs would approve and roll up a million rows during the measurement.
  sqlite.exec('delete from rollup_dirty');
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  process.stderr.write(` in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  return { apiKey: key.key };
}

/** Downloads the export as fast as the loopback allows; counts bytes, and lines for CSV. */
function download(url, apiKey) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    http
      .get(url, { agent: false, headers: { authorization: `Bearer ${apiKey}` } }, (res) => {
        if (res.statusCode !== 200) reject(new Error(`export answered ${res.statusCode}`));
        let bytes = 0;
        let lines = 0;
        let tail = Buffer.alloc(0);
        res.on('data', (chunk) => {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++;
          tail = Buffer.concat([tail, chunk]).subarray(-64);
        });
        res.on('end', () =>
          resolve({
            seconds: Number(process.hrtime.bigint() - started) / 1e9,
            bytes,
            lines,
            tail,
            complete: res.complete,
          }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function run(format, dataDir, apiKey, heapMb) {
  const port = await freePort();
  const child = startChild(process.execPath, [CLI, 'serve'], {
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: `http://127.0.0.1:${port}`,
    DATA_DIR: dataDir,
    DATABASE_URL: '',
    LOG_LEVEL: 'warn',
    ...(heapMb ? { NODE_OPTIONS: `--max-old-space-size=${heapMb}` } : {}),
  });
  try {
    await waitForHttp(`http://127.0.0.1:${port}/healthz`);
    // Idle baseline: started, link cache warm, one API request answered, then left alone for a moment.
    await fetch(`http://127.0.0.1:${port}/api/v1/conversions?limit=1`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    await new Promise((r) => setTimeout(r, 2_000));
    const idle = rssMb(child.pid);
    // Forget the start-up peak (migrations, cache warm-up), so the peak read afterwards is the export's own.
    fs.writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
    const result = await download(`http://127.0.0.1:${port}/api/v1/conversions/export?format=${format}`, apiKey);
    const peak = peakRssMb(child.pid);
    // The file is whole: CSV has a line per row plus the header; a zip ends with its end-of-central-directory record.
    const whole =
      format === 'csv' ? result.lines === ROWS + 1 : result.tail.includes(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    return { format, heapMb, ...result, idle, peak, whole };
  } finally {
    await stopChild(child, 'SIGTERM');
  }
}

async function main() {
  console.error(
    `export benchmark: ${ROWS.toLocaleString('en')} conversions, ${os.cpus().length} cores, node ${process.version}`,
  );
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tp-bench-export-'));
  try {
    const { apiKey } = await seed(dataDir);
    const results = [];
    for (const heapMb of [0, Number(args['heap-mb'])].filter((h, i) => i === 0 || h > 0)) {
      for (const format of args.formats.split(',')) {
        console.error(`exporting ${format}${heapMb ? `, heap capped at ${heapMb} MB` : ''}…`);
        results.push(await run(format, dataDir, apiKey, heapMb));
      }
    }
    console.log(
      `\nGET /api/v1/conversions/export, ${ROWS.toLocaleString('en')} conversions (18 columns, each credited with a commission), SQLite, one client reading as fast as it can\n`,
    );
    console.log(
      '| format | server V8 old space | rows/s | seconds | file MB | complete | server RSS idle MB (baseline) | server peak RSS during the export MB | peak − idle MB |',
    );
    console.log('|---|---|---:|---:|---:|---|---:|---:|---:|');
    for (const r of results) {
      console.log(
        `| ${r.format} | ${r.heapMb ? `capped at ${r.heapMb} MB` : 'default'} | ${Math.round(ROWS / r.seconds).toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${(r.bytes / 1e6).toFixed(1)} | ${r.whole && r.complete ? 'yes' : 'NO'} | ${r.idle} | ${r.peak} | ${r.peak - r.idle} |`,
      );
    }
  } finally {
    if (!process.env.BENCH_KEEP) fs.rmSync(dataDir, { recursive: true, force: true });
    else console.error(dataDir);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
