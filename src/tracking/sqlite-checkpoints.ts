// SQLite runs a WAL checkpoint inside whichever commit takes the log past its size limit, on the thread that
// committed: on the event loop, a conversion's group commit then also copies a thousand pages back into the database
// file and syncs it. The server's own connection therefore leaves checkpoints to a worker thread with a connection
// of its own, which runs a passive checkpoint every 200 ms: it never blocks a reader or a writer. When steady writes
// keep the log from starting over, the server runs one short round itself (see the worker).
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Store } from '../db/dialect/index.js';

/** SQLite's default: a checkpoint once the log holds this many pages. */
const DEFAULT_AUTOCHECKPOINT = 1_000;

export interface BackgroundCheckpoints {
  close(): Promise<void>;
}

export async function checkpointInBackground(
  store: Store,
  opts: { intervalMs?: number; longLogPages?: number; onFailure?: (error: string) => void } = {},
): Promise<BackgroundCheckpoints> {
  const worker = new Worker(new URL('./sqlite-checkpoint-worker.js', import.meta.url), {
    workerData: { file: store.location, intervalMs: opts.intervalMs ?? 200, longLogPages: opts.longLogPages ?? 4_000 },
  });
  worker.unref();
  const autocheckpoint = (pages: number) => sql`${sql.raw(`pragma wal_autocheckpoint = ${pages}`)}`.execute(store.db);
  // Whenever the worker cannot do its job, the main connection takes it back: the log must never grow without bound.
  const takeBack = () => autocheckpoint(DEFAULT_AUTOCHECKPOINT).catch(() => {});
  let closing: Promise<void> | null = null;
  // A round on the server's own connection runs between two of its transactions, so it can finish the log.
  let finishing: Promise<void> | null = null;
  const closed = new Promise<void>((resolve) => {
    worker.on('message', (m: { type: string; error?: string }) => {
      if (m.type === 'closed') resolve();
      if (m.type === 'long' && !finishing) {
        finishing = sql`pragma wal_checkpoint(PASSIVE)`
          .execute(store.db)
          .then(
            () => {},
            () => {},
          )
          .finally(() => (finishing = null));
      }
      if (m.type === 'failed') {
        opts.onFailure?.(m.error ?? '');
        void takeBack();
      }
    });
    worker.on('error', (e) => {
      opts.onFailure?.(e.message);
      void takeBack();
      resolve();
    });
    worker.on('exit', () => resolve());
  });
  await autocheckpoint(0);
  return {
    close() {
      closing ??= (async () => {
        await takeBack();
        worker.postMessage('close');
        await closed;
        await worker.terminate();
      })();
      return closing;
    },
  };
}
