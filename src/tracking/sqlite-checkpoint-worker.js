// Copies SQLite's write-ahead log back into the database file off the main thread (see sqlite-checkpoints.ts).
// Plain JavaScript: it runs unchanged from the sources and the build.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file);
// PASSIVE never waits for readers or writers (nor takes a lock they would wait for): it copies what it can and leaves
// the rest to the next round.
const passive = db.prepare('pragma wal_checkpoint(PASSIVE)');
// The log starts over only when a checkpoint copied all of it before the next commit began, which under steady
// writes a round on this thread rarely does: the log would grow. Past this many pages the server is asked to run one
// round itself, between two of its commits; the rounds here have copied nearly everything already.
const LONG_LOG_PAGES = workerData.longLogPages;
let failing = false;
const run = () => {
  try {
    const r = passive.get();
    if (r.log > LONG_LOG_PAGES) parentPort.postMessage({ type: 'long' });
    failing = false;
  } catch (e) {
    // Said once per failing spell: the server then checkpoints on its own connection again.
    if (!failing) parentPort.postMessage({ type: 'failed', error: e instanceof Error ? e.message : String(e) });
    failing = true;
  }
};
const timer = setInterval(run, workerData.intervalMs);

parentPort.on('message', (m) => {
  if (m !== 'close') return;
  clearInterval(timer);
  run();
  db.close();
  parentPort.postMessage({ type: 'closed' });
});
