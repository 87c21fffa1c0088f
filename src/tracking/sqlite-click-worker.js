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

// `values` is every row's columns, flattened: row i is values[i * WIDTH … (i + 1) * WIDTH).
const insertAll = db.transaction((values) => {
  const total = values.length / WIDTH;
  for (let row = 0; row < total; row += ROWS_PER_STATEMENT) {
    const n = Math.min(ROWS_PER_STATEMENT, total - row);
    insertFor(n).run(values.slice(row * WIDTH, (row + n) * WIDTH));
  }
});

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    db.close();
    parentPort.postMessage({ type: 'closed' });
    return;
  }
  try {
    insertAll(message.values);
    parentPort.postMessage({ type: 'written', id: message.id });
  } catch (error) {
    parentPort.postMessage({ type: 'failed', id: message.id, error: String(error && error.message ? error.message : error) });
  }
});
