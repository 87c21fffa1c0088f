// The SQLite click writer: batches go to a worker thread (sqlite-worker.js) with a connection of its own, so neither the
// insert nor a WAL checkpoint runs on the event loop.
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import { CLICK_MEASURES, CLICK_TIERS, SUB_ID_CAP, SUB_ID_OTHER } from '../../core/click-rollups.js';
import { periodsOfDay } from '../../core/time-buckets.js';
import type { Store } from '../../db/dialect/index.js';
import { rollupZones } from '../../db/rollups.js';
import { CLICK_ROLLUP_FOLD_MS, COLUMNS, rollupDays, type ClickRow, type ClickWriter } from './batch.js';

/** A zone changed between reading it and writing the batch (a rebuild committed): read again and retry. */
const ZONE_RETRIES = 5;

export function sqliteClickWriter(store: Store, busyTimeoutMs = 2_000, foldMs = CLICK_ROLLUP_FOLD_MS): ClickWriter {
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
      foldMs,
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
  const send = (message: Record<string, unknown>) => {
    const id = next++;
    return new Promise<void>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id });
    });
  };
  const batchMessage = (rows: ClickRow[], zoneOf: Map<string, string | null>) => {
    // One flat array: a single structured clone instead of one per row.
    const values: unknown[] = [];
    for (const r of rows) for (const c of COLUMNS) values.push(r[c]);
    const days = rollupDays(rows, zoneOf);
    const periods = Object.fromEntries([...new Set(days)].filter((d) => d !== null).map((d) => [d, periodsOfDay(d)]));
    return { values, days, periods, zones: [...zoneOf] };
  };
  // The workspaces' rollup zones, read once rather than on the event loop for every batch: the worker checks each
  // batch's zones in its transaction, and a zone that changed (a rebuild) is read again.
  const zones = new Map<string, string | null>();
  const zonesOf = async (ids: string[]) => {
    const missing = ids.filter((id) => !zones.has(id));
    if (missing.length) {
      if (zones.size > 10_000) zones.clear();
      for (const [id, zone] of await rollupZones(store.db, missing)) zones.set(id, zone);
    }
    return new Map(ids.map((id) => [id, zones.get(id) ?? null]));
  };
  const withZones = async (rows: ClickRow[], type: 'batch' | 'recover') => {
    const ids = [...new Set(rows.map((r) => r.workspace_id))];
    for (let attempt = 1; ; attempt++) {
      try {
        return await send({ type, ...batchMessage(rows, await zonesOf(ids)) });
      } catch (e) {
        if (!(e instanceof Error && e.message === 'rollup_zone_changed') || attempt >= ZONE_RETRIES) throw e;
        for (const id of ids) zones.delete(id);
      }
    }
  };
  // Batches journaled by an earlier process whose deltas were never folded (it crashed): rolled up again first.
  const ready = journaledClicks(store).then((rows) => (rows.length ? withZones(rows, 'recover') : undefined));
  return {
    async write(rows) {
      await ready;
      await withZones(rows, 'batch');
    },
    async settle() {
      await ready;
      await send({ type: 'fold' });
    },
    close() {
      return new Promise((resolve) => {
        closed = () => void worker.terminate().then(() => resolve());
        worker.postMessage({ type: 'close' });
      });
    },
  };
}

/** The clicks of journaled batches, of the workspaces not rebuilt since (a rebuild counted the others). */
async function journaledClicks(store: Store): Promise<ClickRow[]> {
  const batches = await store.db.selectFrom('click_rollup_journal').selectAll().orderBy('id').execute();
  if (!batches.length) return [];
  const now = new Map(
    (await store.db.selectFrom('workspaces').select(['id', 'rollup_timezone', 'rollup_generation']).execute()).map(
      (w) => [w.id, w.rollup_timezone === null ? null : Number(w.rollup_generation)],
    ),
  );
  const rows: ClickRow[] = [];
  for (const batch of batches) {
    const generations = JSON.parse(batch.generations) as Record<string, number>;
    const clicks = await store.db
      .selectFrom('clicks')
      .select(COLUMNS)
      .where(sql<number>`rowid`, '>=', Number(batch.from_rowid))
      .where(sql<number>`rowid`, '<=', Number(batch.to_rowid))
      .execute();
    for (const c of clicks) if (generations[c.workspace_id] === now.get(c.workspace_id)) rows.push(c);
  }
  return rows;
}
