// Writes click batches to SQLite off the main thread, so a batch insert or a WAL checkpoint
// never stalls the redirect path. Plain JavaScript: it runs unchanged from the sources and the build.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma(`busy_timeout = ${workerData.busyTimeoutMs}`);

const COLUMNS = workerData.columns;
const WIDTH = COLUMNS.length;
// Multi-row statements: one statement per 100 clicks costs far less than 100 single-row ones.
const ROWS_PER_STATEMENT = 100;
const statements = new Map();
function insertFor(rows) {
  let stmt = statements.get(rows);
  if (!stmt) {
    const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
    stmt = db.prepare(
      `insert or ignore into clicks (${COLUMNS.join(', ')}) values ${Array(rows).fill(tuple).join(', ')}`,
    );
    statements.set(rows, stmt);
  }
  return stmt;
}

const col = (name) => COLUMNS.indexOf(name);
const AT = { workspace: col('workspace_id'), tracked: col('tracked'), bot: col('is_bot'), unique: col('is_unique') };
const zoneOf = db.prepare('select rollup_timezone as zone from workspaces where id = ?');
const savepoint = db.prepare('savepoint chunk');
const release = db.prepare('release chunk');
const rollback = db.prepare('rollback to chunk');

// The rollup tiers (core/click-rollups.ts, passed in): a row of a tier is an array of its columns in the order
// workspace, time, key, carried, measures; its upsert adds the measures to a row already there.
const MEASURES = workerData.measures;
const TIERS = workerData.tiers.map((tier) => {
  const columns = ['workspace_id', tier.time, ...tier.key, ...tier.carried, ...MEASURES];
  const keyWidth = 2 + tier.key.length;
  const upsert = db.prepare(`insert into ${tier.table} (${columns.join(', ')})
  values (${columns.map(() => '?').join(', ')})
  on conflict (${columns.slice(0, keyWidth).join(', ')}) do update
  set ${MEASURES.map((m) => `${m} = ${m} + excluded.${m}`).join(', ')}`);
  return { ...tier, columns, keyWidth, upsert };
});
for (const tier of TIERS) {
  if (tier.from === null) continue;
  const source = TIERS.find((t) => t.table === tier.from);
  tier.source = source;
  tier.picks = tier.columns.slice(2, tier.keyWidth + tier.carried.length).map((c) => source.columns.indexOf(c));
}

/** Adds `measures` to the row of `sums` whose key is the first keyWidth values of `row`. */
function addTo(sums, keyWidth, row, measures) {
  const key = row.slice(0, keyWidth).join('\u0000');
  let sum = sums.get(key);
  if (!sum) sums.set(key, (sum = [...row, ...measures.map(() => 0)]));
  const at = sum.length - measures.length;
  for (let m = 0; m < measures.length; m++) sum[at + m] += measures[m];
}

// `values` is every row's columns, flattened: row i is values[i * WIDTH … (i + 1) * WIDTH); days[i] is row i's local
// day in its workspace's rollup zone (null: not rolled up), computed by the caller in the zones it read; periods maps
// each of those days to its week and month keys (core/time-buckets periodsOfDay).
const insertAll = db.transaction((values, days, periods, zones) => {
  for (const [workspace, zone] of zones) {
    // A rebuild in a new zone committed since the caller read the zones: its days would be wrong.
    if ((zoneOf.get(workspace)?.zone ?? null) !== zone) throw new Error('rollup_zone_changed');
  }
  const total = values.length / WIDTH;
  const inserted = new Uint8Array(total);
  for (let row = 0; row < total; row += ROWS_PER_STATEMENT) {
    const n = Math.min(ROWS_PER_STATEMENT, total - row);
    savepoint.run();
    if (insertFor(n).run(values.slice(row * WIDTH, (row + n) * WIDTH)).changes === n) {
      release.run();
      inserted.fill(1, row, row + n);
      continue;
    }
    // Some of these clicks were already written (a retried batch): find which, so only new ones are counted.
    rollback.run();
    release.run();
    for (let i = row; i < row + n; i++)
      inserted[i] = insertFor(1).run(values.slice(i * WIDTH, (i + 1) * WIDTH)).changes;
  }
  // The first tier counts the new clicks (one click each, and its uniqueness: the measures in order); each further tier
  // sums the rows of the one it is built from.
  const first = TIERS[0];
  const byTier = new Map([[first.table, new Map()]]);
  const counted = byTier.get(first.table);
  const from = first.columns.slice(2, first.keyWidth + first.carried.length).map(col);
  for (let i = 0; i < total; i++) {
    const base = i * WIDTH;
    if (!inserted[i] || days[i] === null || values[base + AT.tracked] !== 1 || values[base + AT.bot] !== 0) continue;
    addTo(
      counted,
      first.keyWidth,
      [values[base + AT.workspace], days[i], ...from.map((c) => values[base + c] ?? '')],
      [1, values[base + AT.unique]],
    );
  }
  for (const tier of TIERS.slice(1)) {
    const sums = new Map();
    const width = tier.source.columns.length - MEASURES.length;
    for (const row of byTier.get(tier.source.table).values()) {
      const measures = row.slice(width);
      const picked = tier.picks.map((c) => row[c]);
      const times = tier.time === 'period' && tier.source.time === 'day' ? periods[row[1]] : [row[1]];
      for (const time of times) addTo(sums, tier.keyWidth, [row[0], time, ...picked], measures);
    }
    byTier.set(tier.table, sums);
  }
  for (const tier of TIERS) for (const row of byTier.get(tier.table).values()) tier.upsert.run(row);
});

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    db.close();
    parentPort.postMessage({ type: 'closed' });
    return;
  }
  try {
    insertAll(message.values, message.days, message.periods, message.zones);
    parentPort.postMessage({ type: 'written', id: message.id });
  } catch (error) {
    parentPort.postMessage({
      type: 'failed',
      id: message.id,
      error: String(error && error.message ? error.message : error),
    });
  }
});
