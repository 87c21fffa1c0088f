// Writes click batches to SQLite off the main thread, so a batch insert or a WAL checkpoint
// never stalls the redirect path. Plain JavaScript: it runs unchanged from the sources and the build.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma(`busy_timeout = ${workerData.busyTimeoutMs}`);

const COLUMNS = workerData.columns;
const insert = db.prepare(
  `insert or ignore into clicks (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`,
);
const insertAll = db.transaction((rows) => {
  for (const row of rows) insert.run(row);
});

parentPort.on('message', (message) => {
  if (message.type === 'close') {
    db.close();
    parentPort.postMessage({ type: 'closed' });
    return;
  }
  try {
    insertAll(message.rows);
    parentPort.postMessage({ type: 'written', id: message.id });
  } catch (error) {
    parentPort.postMessage({ type: 'failed', id: message.id, error: String(error && error.message ? error.message : error) });
  }
});
