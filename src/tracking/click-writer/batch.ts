// What both click writers share: the row of a click, the columns they write, each click's rollup day.
import { LocalDays } from '../../core/time-buckets.js';
import type { ClickTable } from '../../db/schema.js';

export type ClickRow = ClickTable;

export interface ClickWriter {
  write(rows: ClickRow[]): Promise<void>;
  /** Adds to the rollup rows whatever the writer still holds of the written clicks (ADR 0006, "Folded click rollups"). */
  settle(): Promise<void>;
  /** Settles, then stops. */
  close(): Promise<void>;
}

/**
 * How long a writer holds a batch's rollup deltas before adding them to the rollup rows (ADR 0006, "Folded click
 * rollups"): a link clicked in several batches of that time costs one upsert per rollup row instead of one per batch.
 */
export const CLICK_ROLLUP_FOLD_MS = 1_000;

export const COLUMNS: (keyof ClickRow)[] = [
  'id',
  'workspace_id',
  'link_id',
  'offer_id',
  'member_id',
  'created_at',
  'tracked',
  'ip_hash',
  'ip_truncated',
  'user_agent',
  'referrer_host',
  'country',
  'device',
  'is_bot',
  'bot_reason',
  'is_unique',
  'sub1',
  'sub2',
  'sub3',
  'sub4',
  'sub5',
];

const zones = new Map<string, LocalDays>();

/** Each click's local day in its workspace's rollup zone; null where the rollups are not built. */
export function rollupDays(rows: readonly ClickRow[], zoneOf: Map<string, string | null>): (string | null)[] {
  return rows.map((r) => {
    const tz = zoneOf.get(r.workspace_id);
    if (!tz) return null;
    let days = zones.get(tz);
    if (!days) zones.set(tz, (days = new LocalDays(tz)));
    return days.keyOf(r.created_at);
  });
}
