// Writes a batch of clicks in one transaction: a worker thread for SQLite, the pool for PostgreSQL.
// Inserts ignore an id already present, so retrying a batch after an unclear failure never duplicates a click.
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
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

/** PostgreSQL column types, for the array parameters of the batch insert. */
const PG_TYPES: Record<keyof ClickRow, string> = {
  id: 'text', workspace_id: 'text', link_id: 'text', offer_id: 'text', member_id: 'text', created_at: 'bigint', tracked: 'int',
  ip_hash: 'text', ip_truncated: 'text', user_agent: 'text', referrer_host: 'text', country: 'text', device: 'text', is_bot: 'int',
  bot_reason: 'text', is_unique: 'int', sub1: 'text', sub2: 'text', sub3: 'text', sub4: 'text', sub5: 'text',
};

export function postgresClickWriter(store: Store): ClickWriter {
  // One array parameter per column (insert … select from unnest): a 1,000-click batch is one short statement with
  // 21 parameters, instead of 21,000 placeholders the query builder would compile on the event loop.
  const columns = sql.join(COLUMNS.map((c) => sql.ref(c)));
  return {
    async write(rows) {
      const arrays = COLUMNS.map((c) => sql`${rows.map((r) => r[c])}::${sql.raw(PG_TYPES[c])}[]`);
      await sql`insert into clicks (${columns}) select * from unnest(${sql.join(arrays)}) on conflict (id) do nothing`.execute(store.db);
    },
    async close() {},
  };
}
