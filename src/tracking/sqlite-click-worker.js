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
    stmt = db.prepare(`insert or ignore into clicks (${COLUMNS.join(', ')}) values ${Array(rows).fill(tuple).join(', ')}`);
    statements.set(rows, stmt);
  }
  return stmt;
}

const col = (name) => COLUMNS.indexOf(name);
const AT = { workspace: col('workspace_id'), link: col('link_id'), offer: col('offer_id'), member: col('member_id'), tracked: col('tracked'), bot: col('is_bot'), unique: col('is_unique') };
const zoneOf = db.prepare('select rollup_timezone as zone from workspaces where id = ?');
const savepoint = db.prepare('savepoint chunk');
const release = db.prepare('release chunk');
const rollback = db.prepare('rollback to chunk');
const addRollup = db.prepare(`insert into rollup_clicks (workspace_id, day, link_id, offer_id, member_id, clicks, unique_clicks)
  values (?, ?, ?, ?, ?, ?, ?)
  on conflict (workspace_id, day, link_id) do update
  set clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks`);
const addMemberPeriodRollup = db.prepare(`insert into rollup_clicks_member_period (workspace_id, period, offer_id, member_id, clicks, unique_clicks)
  values (?, ?, ?, ?, ?, ?)
  on conflict (workspace_id, period, offer_id, member_id) do update
  set clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks`);
const addOfferDayRollup = db.prepare(`insert into rollup_clicks_offer_day (workspace_id, day, offer_id, clicks, unique_clicks)
  values (?, ?, ?, ?, ?)
  on conflict (workspace_id, day, offer_id) do update
  set clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks`);
const addPeriodRollup = db.prepare(`insert into rollup_clicks_period (workspace_id, period, link_id, offer_id, member_id, clicks, unique_clicks)
  values (?, ?, ?, ?, ?, ?, ?)
  on conflict (workspace_id, period, link_id) do update
  set clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks`);

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
    for (let i = row; i < row + n; i++) inserted[i] = insertFor(1).run(values.slice(i * WIDTH, (i + 1) * WIDTH)).changes;
  }
  const sums = new Map();
  for (let i = 0; i < total; i++) {
    const base = i * WIDTH;
    if (!inserted[i] || days[i] === null || values[base + AT.tracked] !== 1 || values[base + AT.bot] !== 0) continue;
    const key = `${values[base + AT.workspace]}\u0000${days[i]}\u0000${values[base + AT.link]}`;
    let s = sums.get(key);
    if (!s) sums.set(key, (s = [values[base + AT.workspace], days[i], values[base + AT.link], values[base + AT.offer], values[base + AT.member] ?? '', 0, 0]));
    s[5] += 1;
    s[6] += values[base + AT.unique];
  }
  const periodSums = new Map();
  const offerDaySums = new Map();
  for (const s of sums.values()) {
    addRollup.run(s);
    const offerKey = `${s[0]}\u0000${s[1]}\u0000${s[3]}`;
    let o = offerDaySums.get(offerKey);
    if (!o) offerDaySums.set(offerKey, (o = [s[0], s[1], s[3], 0, 0]));
    o[3] += s[5];
    o[4] += s[6];
    for (const period of periods[s[1]]) {
      const key = `${s[0]}\u0000${period}\u0000${s[2]}`;
      let p = periodSums.get(key);
      if (!p) periodSums.set(key, (p = [s[0], period, s[2], s[3], s[4], 0, 0]));
      p[5] += s[5];
      p[6] += s[6];
    }
  }
  const memberSums = new Map();
  for (const p of periodSums.values()) {
    addPeriodRollup.run(p);
    const key = `${p[0]}\u0000${p[1]}\u0000${p[3]}\u0000${p[4]}`;
    let m = memberSums.get(key);
    if (!m) memberSums.set(key, (m = [p[0], p[1], p[3], p[4], 0, 0]));
    m[4] += p[5];
    m[5] += p[6];
  }
  for (const m of memberSums.values()) addMemberPeriodRollup.run(m);
  for (const o of offerDaySums.values()) addOfferDayRollup.run(o);
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
    parentPort.postMessage({ type: 'failed', id: message.id, error: String(error && error.message ? error.message : error) });
  }
});
