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
const AT = {
  workspace: col('workspace_id'),
  tracked: col('tracked'),
  bot: col('is_bot'),
  unique: col('is_unique'),
  link: col('link_id'),
  offer: col('offer_id'),
  member: col('member_id'),
  sub: col('sub1'),
};
const zoneOf = db.prepare(
  'select rollup_timezone as zone, rollup_generation as generation from workspaces where id = ?',
);
const lastRowid = db.prepare('select max(rowid) from clicks').pluck();
const journal = db.prepare('insert into click_rollup_journal (from_rowid, to_rowid, generations) values (?, ?, ?)');
const clearJournal = db.prepare('delete from click_rollup_journal');
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

// Sub-id rollups (core/click-rollups.ts SUB_ID_CAP, SUB_ID_OTHER; db/rollups.ts landSubIds decides alike for the
// conversions): a link admits new sub-ids, in sorted order, while it has fewer than the cap; any other value lands in
// "(other)". One writer at a time on SQLite, so reading and admitting need no lock.
const SUB_CAP = workerData.subIdCap;
const SUB_OTHER = workerData.subIdOther;
const isAdmitted = db
  .prepare('select 1 from rollup_sub_ids where workspace_id = ? and link_id = ? and sub_id = ?')
  .pluck();
const admittedCount = db
  .prepare('select admitted from rollup_sub_id_links where workspace_id = ? and link_id = ?')
  .pluck();
const admit = db.prepare('insert into rollup_sub_ids (workspace_id, link_id, sub_id) values (?, ?, ?)');
const setCount = db.prepare(`insert into rollup_sub_id_links (workspace_id, link_id, admitted) values (?, ?, ?)
  on conflict (workspace_id, link_id) do update set admitted = excluded.admitted`);
const addSubClicks = db.prepare(`insert into rollup_clicks_sub
  (workspace_id, day, link_id, sub_id, offer_id, member_id, clicks, unique_clicks) values (?, ?, ?, ?, ?, ?, ?, ?)
  on conflict (workspace_id, day, link_id, sub_id) do update
  set clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks`);
const addSubPeriodClicks = db.prepare(`insert into rollup_clicks_sub_period
  (workspace_id, period, offer_id, member_id, sub_id, clicks, unique_clicks) values (?, ?, ?, ?, ?, ?, ?)
  on conflict (workspace_id, period, offer_id, member_id, sub_id) do update
  set clicks = clicks + excluded.clicks, unique_clicks = unique_clicks + excluded.unique_clicks`);

/** The row each (workspace, link, sub-id) of `pairs` (keys joined by NUL) lands in, admitting new values first. */
function landSubIds(pairs) {
  const byLink = new Map();
  for (const [workspace, link, sub] of pairs.values()) {
    const k = workspace + '\u0000' + link;
    let entry = byLink.get(k);
    if (!entry) byLink.set(k, (entry = { workspace, link, subs: new Set() }));
    entry.subs.add(sub);
  }
  const landed = new Map();
  for (const { workspace, link, subs } of byLink.values()) {
    const known = new Set([...subs].filter((v) => isAdmitted.get(workspace, link, v) !== undefined));
    const fresh = [...subs].filter((v) => v !== SUB_OTHER && !known.has(v)).sort();
    const count = admittedCount.get(workspace, link) ?? 0;
    const now = fresh.slice(0, Math.max(0, SUB_CAP - count));
    for (const v of now) {
      admit.run(workspace, link, v);
      known.add(v);
    }
    if (now.length) setCount.run(workspace, link, count + now.length);
    for (const v of subs) landed.set(workspace + '\u0000' + link + '\u0000' + v, known.has(v) ? v : SUB_OTHER);
  }
  return landed;
}

/** Adds `measures` to the row of `sums` whose key is the first keyWidth values of `row`. */
function addTo(sums, keyWidth, row, measures) {
  const key = row.slice(0, keyWidth).join('\u0000');
  let sum = sums.get(key);
  if (!sum) sums.set(key, (sum = [...row, ...measures.map(() => 0)]));
  const at = sum.length - measures.length;
  for (let m = 0; m < measures.length; m++) sum[at + m] += measures[m];
}

// What is held between folds is the finest grain only: per workspace, day, link and the row its sub-id landed in (the
// rows of rollup_clicks_sub, in its column order), plus the periods of those days. Every other tier is a sum of these
// rows, taken when they are written (once a fold), so a click costs one keyed addition here however many tiers
// there are.
const BASE = { workspace: 0, day: 1, link: 2, sub: 3, offer: 4, member: 5, clicks: 6, unique: 7 };

// `values` is every row's columns, flattened: row i is values[i * WIDTH … (i + 1) * WIDTH); days[i] is row i's local
// day in its workspace's rollup zone (null: not rolled up), computed by the caller in the zones it read; periods maps
// each of those days to its week and month keys (core/time-buckets periodsOfDay).
// `recovered` (after a crash): the clicks were written and journaled before; only their rollup deltas are held again.
function addBatch(values, days, periods, zones, recovered, into) {
  const generations = {};
  for (const [workspace, zone] of zones) {
    // A rebuild in a new zone committed since the caller read the zones: its days would be wrong.
    const now = zoneOf.get(workspace);
    if ((now?.zone ?? null) !== zone) throw new Error('rollup_zone_changed');
    if (zone !== null) generations[workspace] = now.generation;
  }
  const total = values.length / WIDTH;
  const inserted = new Uint8Array(total);
  if (recovered) inserted.fill(1);
  const before = recovered ? 0 : (lastRowid.get() ?? 0);
  for (let row = 0; !recovered && row < total; row += ROWS_PER_STATEMENT) {
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
  // A counted click is new, rolled up, tracked and not a bot's. First the row each of their sub-ids lands in.
  const counted = (i) =>
    inserted[i] && days[i] !== null && values[i * WIDTH + AT.tracked] === 1 && values[i * WIDTH + AT.bot] === 0;
  const pairs = new Map();
  for (let i = 0; i < total; i++) {
    const base = i * WIDTH;
    const sub = values[base + AT.sub] ?? '';
    if (sub === '' || !counted(i)) continue;
    const k = values[base + AT.workspace] + '\u0000' + values[base + AT.link] + '\u0000' + sub;
    if (!pairs.has(k)) pairs.set(k, [values[base + AT.workspace], values[base + AT.link], sub]);
  }
  const landed = landSubIds(pairs);
  for (let i = 0; i < total; i++) {
    if (!counted(i)) continue;
    const base = i * WIDTH;
    const workspace = values[base + AT.workspace];
    const link = values[base + AT.link];
    const sub = values[base + AT.sub] ?? '';
    const row = sub === '' ? '' : landed.get(workspace + '\u0000' + link + '\u0000' + sub);
    const group = groupOf(into, workspace, generations[workspace]);
    const key = days[i] + '\u0000' + link + '\u0000' + row;
    const sum = group.rows.get(key);
    const unique = values[base + AT.unique];
    if (sum) {
      sum[BASE.clicks] += 1;
      sum[BASE.unique] += unique;
    } else {
      group.rows.set(key, [
        workspace,
        days[i],
        link,
        row,
        values[base + AT.offer] ?? '',
        values[base + AT.member] ?? '',
        1,
        unique,
      ]);
      if (!group.periods.has(days[i])) group.periods.set(days[i], periods[days[i]]);
    }
  }
  if (recovered) return;
  const after = lastRowid.get() ?? 0;
  if (after > before && Object.keys(generations).length) journal.run(before + 1, after, JSON.stringify(generations));
}

// Rollup deltas held until the fold: per workspace, the rollup generation they were counted in, the base rows by key
// (day, link, landed sub-id) and the periods of their days. Changed only after the transaction that wrote their clicks
// has committed, so a batch that failed and is sent again is never held twice.
const held = new Map();
let heldSince = 0;

function groupOf(target, workspace, generation) {
  let group = target.get(workspace);
  // Held from before a rebuild that committed since: the rebuild counted those clicks.
  if (group && group.generation !== generation) group = undefined;
  if (!group) target.set(workspace, (group = { generation, rows: new Map(), periods: new Map() }));
  return group;
}

/** Adds a group's base rows into another's (same workspace and generation). */
function merge(into, group) {
  for (const [key, row] of group.rows) {
    const sum = into.rows.get(key);
    if (!sum) into.rows.set(key, row.slice());
    else {
      sum[BASE.clicks] += row[BASE.clicks];
      sum[BASE.unique] += row[BASE.unique];
    }
  }
  for (const [day, p] of group.periods) into.periods.set(day, p);
}

function keep(batch) {
  for (const [workspace, group] of batch) merge(groupOf(held, workspace, group.generation), group);
  if (batch.size && !heldSince) heldSince = Date.now();
}

/** Every tier's rows summed from one workspace's base rows: [statement, keyWidth, rows] for each upsert. */
function tierRows(group) {
  const periodsOf = (day) => group.periods.get(day);
  const base = [...group.rows.values()];
  // The link tiers (core/click-rollups.ts): the first sums the base rows per day and link, each further one the
  // rows of the tier it is built from.
  const first = TIERS[0];
  const byTier = new Map();
  const firstRows = new Map();
  const from = first.columns.slice(2, first.keyWidth + first.carried.length).map((c) => BASE_COLUMN[c]);
  for (const row of base)
    addTo(
      firstRows,
      first.keyWidth,
      [row[BASE.workspace], row[BASE.day], ...from.map((c) => row[c])],
      [row[BASE.clicks], row[BASE.unique]],
    );
  byTier.set(first.table, firstRows);
  for (const tier of TIERS.slice(1)) {
    const sums = new Map();
    const width = tier.source.columns.length - MEASURES.length;
    for (const row of byTier.get(tier.source.table).values()) {
      const measures = row.slice(width);
      const picked = tier.picks.map((c) => row[c]);
      const times = tier.time === 'period' && tier.source.time === 'day' ? periodsOf(row[1]) : [row[1]];
      for (const time of times) addTo(sums, tier.keyWidth, [row[0], time, ...picked], measures);
    }
    byTier.set(tier.table, sums);
  }
  // The sub-id tiers: the base rows themselves per day, and per week and month of those days, offer, member and
  // landed sub-id (no link).
  const subPeriods = new Map();
  for (const row of base)
    for (const period of periodsOf(row[BASE.day]))
      addTo(
        subPeriods,
        5,
        [row[BASE.workspace], period, row[BASE.offer], row[BASE.member], row[BASE.sub]],
        [row[BASE.clicks], row[BASE.unique]],
      );
  return [
    ...TIERS.map((tier) => [tier.upsert, byTier.get(tier.table).values()]),
    [addSubClicks, base],
    [addSubPeriodClicks, subPeriods.values()],
  ];
}
const BASE_COLUMN = { link_id: BASE.link, offer_id: BASE.offer, member_id: BASE.member };

/**
 * Adds the deltas of each map (held, then a batch's) to the rollup rows, except a workspace's rebuilt since (or whose
 * rollups were cleared). A workspace's groups are merged first, so a row is upserted once however many hold it.
 */
function write(...deltas) {
  const merged = new Map();
  for (const map of deltas)
    for (const [workspace, group] of map) {
      if (zoneOf.get(workspace)?.generation !== group.generation) continue;
      merge(groupOf(merged, workspace, group.generation), group);
    }
  for (const group of merged.values())
    for (const [statement, rows] of tierRows(group)) for (const row of rows) statement.run(row);
}

function forget() {
  held.clear();
  heldSince = 0;
}

const FOLD_MS = workerData.foldMs;
/** Writes the batch; folds (returns true) when asked to, or when what was held before has waited FOLD_MS. */
const insertAll = db.transaction((message, batch) => {
  addBatch(message.values, message.days, message.periods, message.zones, false, batch);
  if (!message.fold && (!heldSince || Date.now() - heldSince < FOLD_MS)) return false;
  write(held, batch);
  clearJournal.run();
  return true;
});
const recover = db.transaction((message) => {
  const batch = new Map();
  addBatch(message.values, message.days, message.periods, message.zones, true, batch);
  write(held, batch);
  clearJournal.run();
});
const foldHeld = db.transaction(() => {
  write(held);
  clearJournal.run();
});
function fold() {
  foldHeld();
  forget();
}
// Quiet traffic still reaches the reports within about FOLD_MS. A fold that fails (the database busy) leaves what is
// held as it was, for the next tick.
const folding = setInterval(
  () => {
    if (!heldSince || Date.now() - heldSince < FOLD_MS) return;
    try {
      fold();
    } catch {
      // retried on the next tick; the journal still covers it
    }
  },
  Math.max(50, FOLD_MS / 4),
);

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    clearInterval(folding);
    try {
      // Should this fail, the journal has the batches for the next start.
      if (heldSince) fold();
    } catch {
      // see above
    } finally {
      db.close();
      parentPort.postMessage({ type: 'closed' });
    }
    return;
  }
  try {
    if (message.type === 'fold') {
      if (heldSince) fold();
    } else if (message.type === 'recover') {
      recover(message);
      forget();
    } else {
      const batch = new Map();
      if (insertAll(message, batch)) forget();
      else keep(batch);
    }
    parentPort.postMessage({ type: 'written', id: message.id });
  } catch (error) {
    parentPort.postMessage({
      type: 'failed',
      id: message.id,
      error: String(error && error.message ? error.message : error),
    });
  }
});
