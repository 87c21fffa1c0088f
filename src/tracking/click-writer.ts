// Writes a batch of clicks in one transaction: a worker thread for SQLite, the pool for PostgreSQL.
// Inserts ignore an id already present, so retrying a batch after an unclear failure never duplicates a click.
import { Worker } from 'node:worker_threads';
import type { Store } from '../db/dialect.js';
import type { ClickTable } from '../db/schema.js';

export type ClickRow = ClickTable;

export interface ClickWriter {
  write(rows: ClickRow[]): Promise<void>;
  close(): Promise<void>;
}

const COLUMNS: (keyof ClickRow)[] = [
  'id', 'workspace_id', 'link_id', 'offer_id', 'member_id', 'created_at', 'tracked', 'ip_hash', 'ip_truncated', 'user_agent',
  'referrer_host', 'country', 'device', 'is_bot', 'bot_reason', 'is_unique', 'sub1', 'sub2', 'sub3', 'sub4', 'sub5',
];

export function sqliteClickWriter(file: string, busyTimeoutMs = 2_000): ClickWriter {
  const worker = new Worker(new URL('./sqlite-click-worker.js', import.meta.url), {
    workerData: { file, columns: COLUMNS, busyTimeoutMs },
  });
  worker.unref();
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let next = 0;
  let closed: (() => void) | null = null;
  worker.on('message', (m: { type: string; id: number; error?: string }) => {
    if (m.type === 'closed') return closed?.();
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.type === 'written') w?.resolve();
    else w?.reject(new Error(m.error));
  });
  worker.on('error', (e) => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  });
  return {
    write(rows) {
      const id = next++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        // One flat array: a single structured clone instead of one per row.
        const values: unknown[] = [];
        for (const r of rows) for (const c of COLUMNS) values.push(r[c]);
        worker.postMessage({ id, values });
      });
    },
    close() {
      return new Promise((resolve) => {
        closed = () => void worker.terminate().then(() => resolve());
        worker.postMessage({ type: 'close' });
      });
    },
  };
}

export function postgresClickWriter(store: Store): ClickWriter {
  return {
    async write(rows) {
      // One statement, so one transaction; 21 columns x the buffer's 1,000-row batches stay far below 65,535 parameters.
      await store.db.insertInto('clicks').values(rows).onConflict((oc) => oc.column('id').doNothing()).execute();
    },
    async close() {},
  };
}
