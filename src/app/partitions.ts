// The partition job (ADR 0012): the months ahead of clicks and conversion_events get their partitions (PostgreSQL),
// and raw clicks older than the retention go, by whole month on PostgreSQL and in batches on SQLite. Conversions,
// their events, commissions and the rollups are kept forever.
import { monthsToPrepare, rawClicksCutoff } from '../core/click-retention.js';
import { rawClicksKeptFrom, recordRawClicksKeptFrom } from '../db/click-retention.js';
import type { Store } from '../db/dialect/index.js';

export interface PartitionRun {
  /** Partitions created (months ahead, on PostgreSQL). */
  created: number;
  /** Monthly partitions of raw clicks dropped (PostgreSQL). */
  droppedMonths: number;
  /** Raw clicks deleted one by one (SQLite; on PostgreSQL, strays of the default partition). */
  deletedClicks: number;
  /** From when raw clicks are kept after this run; null: all kept. */
  rawClicksKeptFrom: number | null;
}

/**
 * One run: safe to repeat and to run on two instances at once (partitions are created under a lock, and only if
 * missing; dropping a month already dropped does nothing). `retentionMonths` null keeps raw clicks forever.
 */
export async function runPartitionJob(
  store: Store,
  now: number,
  retentionMonths: number | null,
): Promise<PartitionRun> {
  const created = await store.dialect.preparePartitions(store.db, monthsToPrepare(now));
  const cutoff = rawClicksCutoff(now, retentionMonths);
  if (cutoff === null) {
    return { created, droppedMonths: 0, deletedClicks: 0, rawClicksKeptFrom: await rawClicksKeptFrom(store.db) };
  }
  // Recorded first: a report read while the month is going says it is gone rather than count part of it.
  await recordRawClicksKeptFrom(store.db, cutoff);
  const dropped = await store.dialect.dropClicksBefore(store.db, cutoff);
  return {
    created,
    droppedMonths: dropped.partitions,
    deletedClicks: dropped.rows,
    rawClicksKeptFrom: await rawClicksKeptFrom(store.db),
  };
}
