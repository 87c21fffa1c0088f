// The SQLite side of db/bulk-insert.ts, in a worker thread: the generator makes rows on the main thread while this
// thread inserts the previous batch, so the two cores of a small machine both work. Plain JavaScript: it runs
// unchanged from the sources and the build (as tracking/click-writer/sqlite-worker.js).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const { file, tables, clickCells, clickFlags, commitRows } = workerData;
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('busy_timeout = 10000');
// Only this connection, only while it lives (see bulk-insert.ts).
db.pragma('synchronous = OFF');
db.pragma('cache_size = -65536');
db.pragma('foreign_keys = ON');

// Multi-row statements: one statement per 100 rows costs far less than 100 single-row ones.
const ROWS_PER_STATEMENT = 100;
const statements = new Map();
function insertFor(table, columns, rows) {
  const key = `${table}:${columns.length}:${rows}`;
  let stmt = statements.get(key);
  if (!stmt) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    stmt = db.prepare(`insert into ${table} (${columns.join(', ')}) values ${Array(rows).fill(tuple).join(', ')}`);
    statements.set(key, stmt);
  }
  return stmt;
}

const savepoint = db.prepare('savepoint bulk');
const release = db.prepare('release bulk');
const rollback = db.prepare('rollback to bulk');
let open = false;
let rows = 0;
function commit() {
  if (open) db.exec('commit');
  open = false;
  rows = 0;
}

function insertRows(table, values) {
  const width = tables[table].length;
  const total = values.length / width;
  for (let row = 0; row < total; row += ROWS_PER_STATEMENT) {
    const n = Math.min(ROWS_PER_STATEMENT, total - row);
    insertFor(table, tables[table], n).run(values.slice(row * width, (row + n) * width));
  }
  rows += total;
}

// Encoded clicks: ids joined (fixed width), times, and per row the other columns as indexes into a string dictionary
// that grows with every batch (-1 = null), except the 0/1 flags, which are the values themselves.
const dictionary = [];
const isFlag = clickCells.map((c) => clickFlags.includes(c));
const WIDTH = clickCells.length;
const CLICK_COLUMNS = ['id', 'created_at', ...clickCells];
function insertClicks(batch) {
  for (const s of batch.strings) dictionary.push(s);
  const idLength = batch.ids.length / batch.rows;
  const params = new Array((WIDTH + 2) * ROWS_PER_STATEMENT);
  for (let row = 0; row < batch.rows; row += ROWS_PER_STATEMENT) {
    const n = Math.min(ROWS_PER_STATEMENT, batch.rows - row);
    if (n !== ROWS_PER_STATEMENT) params.length = (WIDTH + 2) * n;
    let k = 0;
    for (let r = row; r < row + n; r++) {
      params[k++] = batch.ids.slice(r * idLength, (r + 1) * idLength);
      params[k++] = batch.at[r];
      const base = r * WIDTH;
      for (let c = 0; c < WIDTH; c++) {
        const v = batch.cells[base + c];
        params[k++] = isFlag[c] ? v : v < 0 ? null : dictionary[v];
      }
    }
    insertFor('clicks', CLICK_COLUMNS, n).run(params);
  }
  rows += batch.rows;
}

parentPort.on('message', (m) => {
  try {
    if (m.type === 'close') {
      commit();
      db.pragma('synchronous = NORMAL');
      db.close();
      parentPort.postMessage({ type: 'done', id: m.id });
      return;
    }
    if (!open) {
      db.exec('begin');
      open = true;
    }
    // A failing message leaves nothing of itself behind; what earlier ones wrote stays, to be committed.
    savepoint.run();
    try {
      if (m.type === 'clicks') insertClicks(m.batch);
      else for (const part of m.parts) insertRows(part.table, part.values);
      release.run();
    } catch (e) {
      rollback.run();
      release.run();
      throw e;
    }
    if (rows >= commitRows) commit();
    parentPort.postMessage({ type: 'done', id: m.id });
  } catch (error) {
    parentPort.postMessage({ type: 'failed', id: m.id, error: String(error && error.message ? error.message : error) });
  }
});
