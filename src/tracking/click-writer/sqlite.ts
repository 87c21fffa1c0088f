// The SQLite click writer: batches go to a worker thread (sqlite-worker.js) with a connection of its own, so neither the
// insert nor a WAL checkpoint runs on the event loop.
import { Worker } from 'node:worker_threads';
import { CLICK_MEASURES, CLICK_TIERS, SUB_ID_CAP, SUB_ID_OTHER } from '../../core/click-rollups.js';
import { periodsOfDay } from '../../core/time-buckets.js';
import type { Store } from '../../db/dialect/index.js';
import { rollupZones } from '../../db/rollups.js';
import { COLUMNS, rollupDays, type ClickRow, type ClickWriter } from './batch.js';

/** A zone changed between reading it and writing the batch (a rebuild committed): read again and retry. */
const ZONE_RETRIES = 5;

export function sqliteClickWriter(store: Store, busyTimeoutMs = 2_000): ClickWriter {
  const file = store.location;
  const worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), {
    workerData: {
      file,
      columns: COLUMNS,
      busyTimeoutMs,
      tiers: CLICK_TIERS,
      measures: CLICK_MEASURES,
      subIdCap: SUB_ID_CAP,
      subIdOther: SUB_ID_OTHER,
    },
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
  const post = (rows: ClickRow[], zoneOf: Map<string, string | null>) => {
    const id = next++;
    return new Promise<void>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      // One flat array: a single structured clone instead of one per row.
      const values: unknown[] = [];
      for (const r of rows) for (const c of COLUMNS) values.push(r[c]);
      const days = rollupDays(rows, zoneOf);
      const periods = Object.fromEntries([...new Set(days)].filter((d) => d !== null).map((d) => [d, periodsOfDay(d)]));
      worker.postMessage({ id, values, days, periods, zones: [...zoneOf] });
    });
  };
  return {
    async write(rows) {
      const ids = [...new Set(rows.map((r) => r.workspace_id))];
      for (let attempt = 1; ; attempt++) {
        try {
          return await post(rows, await rollupZones(store.db, ids));
        } catch (e) {
          if (!(e instanceof Error && e.message === 'rollup_zone_changed') || attempt >= ZONE_RETRIES) throw e;
        }
      }
    },
    close() {
      return new Promise((resolve) => {
        closed = () => void worker.terminate().then(() => resolve());
        worker.postMessage({ type: 'close' });
      });
    },
  };
}
