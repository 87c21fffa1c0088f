// Bulk inserts for back-filled data (touchpoint generate): millions of rows, in big transactions, without going
// through the query builder per row. SQLite: a worker thread with its own better-sqlite3 connection and cached
// multi-row prepared statements (as the click worker); PostgreSQL: one `insert … select from unnest(arrays)` per chunk
// (as the click writer), so a 10,000-row chunk is one short statement with one array parameter per column.
import { Worker, type TransferListItem } from 'node:worker_threads';
import { sql, type Transaction } from 'kysely';
import type { DialectKind, Store } from './dialect/index.js';
import type {
  Database,
  ClickTable,
  CommissionAdjustmentTable,
  CommissionTable,
  ConversionEventTable,
  ConversionTable,
  PayoutBatchTable,
} from './schema.js';

type PgType = 'text' | 'bigint';

// Column order is the order of the values callers pass; the types are PostgreSQL's array element types (bigint is
// assigned to integer columns without loss: every flag and count fits).
const TABLES = {
  clicks: {
    id: 'text',
    workspace_id: 'text',
    link_id: 'text',
    offer_id: 'text',
    member_id: 'text',
    created_at: 'bigint',
    tracked: 'bigint',
    ip_hash: 'text',
    ip_truncated: 'text',
    user_agent: 'text',
    referrer_host: 'text',
    country: 'text',
    device: 'text',
    is_bot: 'bigint',
    bot_reason: 'text',
    is_unique: 'bigint',
    sub1: 'text',
    sub2: 'text',
    sub3: 'text',
    sub4: 'text',
    sub5: 'text',
  } satisfies Record<keyof ClickTable, PgType>,
  conversions: {
    id: 'text',
    workspace_id: 'text',
    order_id: 'text',
    is_test: 'bigint',
    status: 'text',
    occurred_at: 'bigint',
    reported_offer_id: 'text',
    click_id: 'text',
    code: 'text',
    amount_minor: 'bigint',
    currency: 'text',
    refunded_minor: 'bigint',
    refunded_full: 'bigint',
    cancelled_at: 'bigint',
    review: 'text',
    decision: 'text',
    created_at: 'bigint',
    updated_at: 'bigint',
  } satisfies Record<keyof ConversionTable, PgType>,
  conversion_events: {
    id: 'text',
    workspace_id: 'text',
    conversion_id: 'text',
    received_at: 'bigint',
    source: 'text',
    order_id: 'text',
    is_test: 'bigint',
    outcome: 'text',
    reason: 'text',
    detail: 'text',
    trust: 'text',
    evidence: 'text',
    event_key: 'text',
  } satisfies Record<keyof ConversionEventTable, PgType>,
  commissions: {
    id: 'text',
    workspace_id: 'text',
    conversion_id: 'text',
    offer_id: 'text',
    member_id: 'text',
    payout_option_id: 'text',
    source: 'text',
    share_bps: 'bigint',
    sale_minor: 'bigint',
    amount_minor: 'bigint',
    currency: 'text',
    rate_applied: 'bigint',
    tier_from: 'bigint',
    month_key: 'text',
    status: 'text',
    approve_after: 'bigint',
    approved_at: 'bigint',
    reversed_at: 'bigint',
    paid_at: 'bigint',
    payout_batch_id: 'text',
    created_at: 'bigint',
    updated_at: 'bigint',
    accrued_minor: 'bigint',
    adjusted_minor: 'bigint',
    admin_touched: 'bigint',
    in_decision: 'bigint',
  } satisfies Record<keyof CommissionTable, PgType>,
  commission_adjustments: {
    id: 'text',
    workspace_id: 'text',
    commission_id: 'text',
    kind: 'text',
    amount_before: 'bigint',
    amount_after: 'bigint',
    status_before: 'text',
    status_after: 'text',
    reason: 'text',
    actor: 'text',
    created_at: 'bigint',
    delta_minor: 'bigint',
    detail: 'text',
  } satisfies Record<keyof CommissionAdjustmentTable, PgType>,
  payout_batches: {
    id: 'text',
    workspace_id: 'text',
    currency: 'text',
    total_minor: 'bigint',
    members: 'bigint',
    commissions: 'bigint',
    note: 'text',
    actor: 'text',
    created_at: 'bigint',
  } satisfies Record<keyof PayoutBatchTable, PgType>,
};

export type BulkTable = keyof typeof TABLES;

/** The columns of a table in the order `write` expects each row's values. */
export function bulkColumns(table: BulkTable): string[] {
  return Object.keys(TABLES[table]);
}

/** One table's rows, flattened row after row in bulkColumns order (one array, not one per row). */
export interface BulkPart {
  table: BulkTable;
  values: unknown[];
}

/** Click columns after id and created_at, in the order of EncodedClicks.cells. */
export const CLICK_CELLS = bulkColumns('clicks').filter((c) => c !== 'id' && c !== 'created_at');
/** Cells that hold their 0/1 value rather than a dictionary index. */
export const CLICK_FLAGS = ['tracked', 'is_bot', 'is_unique'];

/**
 * Clicks in a compact form: millions of rows whose strings repeat (workspace, link, user agent, hashed IP) cost more to
 * copy to a worker thread as row arrays than to insert. Each string is sent once, in `strings`, appended to a
 * dictionary that lives as long as the writer; cells refer to it by index (-1 = null).
 */
export interface EncodedClicks {
  rows: number;
  /** Click ids, all of one length, joined. */
  ids: string;
  at: Float64Array;
  /** rows × CLICK_CELLS.length. */
  cells: Int32Array;
  /** New dictionary entries, in index order, since the previous batch. */
  strings: string[];
}

export interface BulkWriter {
  /**
   * Writes the parts in the order given (parents before the rows that reference them), all or nothing. On SQLite a
   * transaction stays open across calls until about COMMIT_ROWS rows are in it (or close): every commit rewrites each
   * index page it touched, and clicks touch one page per link, so a commit per batch would write that index many times.
   */
  write(parts: BulkPart[]): Promise<void>;
  writeClicks(batch: EncodedClicks): Promise<void>;
  /** Waits for every write and commits (SQLite). */
  close(): Promise<void>;
}

/** One writer per database: a worker thread with its own connection for SQLite, the pool for PostgreSQL. */
const BULK_WRITERS: Record<DialectKind, (store: Store) => BulkWriter> = {
  sqlite: sqliteBulkWriter,
  postgres: postgresBulkWriter,
};

export function openBulkWriter(store: Store): BulkWriter {
  return BULK_WRITERS[store.dialect.name](store);
}

/** Rows per SQLite commit (see BulkWriter.write). */
const SQLITE_COMMIT_ROWS = 500_000;

/** The inserts run in a worker thread (sqlite-bulk-worker.js) with its own connection, so generating and writing overlap. */
function sqliteBulkWriter({ location: file }: Store): BulkWriter {
  const tables = Object.fromEntries(Object.keys(TABLES).map((t) => [t, bulkColumns(t as BulkTable)]));
  const worker = new Worker(new URL('./sqlite-bulk-worker.js', import.meta.url), {
    workerData: { file, tables, clickCells: CLICK_CELLS, clickFlags: CLICK_FLAGS, commitRows: SQLITE_COMMIT_ROWS },
  });
  const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  let next = 0;
  worker.on('message', (m: { type: string; id: number; error?: string }) => {
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.type === 'done') w?.resolve();
    else w?.reject(new Error(m.error));
  });
  worker.on('error', (e) => {
    for (const w of waiting.values()) w.reject(e);
    waiting.clear();
  });
  const post = (message: object, transfer: TransferListItem[] = []) => {
    const id = next++;
    return new Promise<void>((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      worker.postMessage({ ...message, id }, transfer);
    });
  };
  return {
    write(parts) {
      for (const p of parts) {
        if (p.values.length % bulkColumns(p.table).length !== 0)
          return Promise.reject(new Error(`${p.table}: values are not whole rows`));
      }
      return post({ type: 'write', parts });
    },
    writeClicks(batch) {
      return post({ type: 'clicks', batch }, [batch.at.buffer as ArrayBuffer, batch.cells.buffer as ArrayBuffer]);
    },
    async close() {
      try {
        await post({ type: 'close' });
      } finally {
        await worker.terminate();
      }
    },
  };
}

/** Rows per statement: bounded so one statement's parameters stay a few megabytes. */
const PG_ROWS_PER_STATEMENT = 10_000;

function postgresBulkWriter(store: Store): BulkWriter {
  const insert = async (
    tx: Transaction<Database>,
    table: BulkTable,
    columns: string[],
    column: (k: number, row: number) => unknown,
    total: number,
  ) => {
    const types = TABLES[table] as Record<string, PgType>;
    for (let row = 0; row < total; row += PG_ROWS_PER_STATEMENT) {
      const n = Math.min(PG_ROWS_PER_STATEMENT, total - row);
      const arrays = columns.map((c, k) => {
        const values = new Array<unknown>(n);
        for (let i = 0; i < n; i++) values[i] = column(k, row + i);
        return sql`${values}::${sql.raw(types[c]!)}[]`;
      });
      await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) select * from unnest(${sql.join(arrays)})`.execute(
        tx,
      );
    }
  };
  const dictionary: string[] = [];
  const clickColumns = ['id', 'created_at', ...CLICK_CELLS];
  const flag = CLICK_CELLS.map((c) => CLICK_FLAGS.includes(c));
  return {
    async write(parts) {
      await store.db.transaction().execute(async (tx) => {
        for (const { table, values } of parts) {
          const columns = bulkColumns(table);
          const width = columns.length;
          if (values.length % width !== 0) throw new Error(`${table}: values are not whole rows`);
          await insert(tx, table, columns, (k, row) => values[row * width + k], values.length / width);
        }
      });
    },
    async writeClicks(batch) {
      for (const s of batch.strings) dictionary.push(s);
      const idLength = batch.rows ? batch.ids.length / batch.rows : 0;
      const width = CLICK_CELLS.length;
      await store.db.transaction().execute((tx) =>
        insert(
          tx,
          'clicks',
          clickColumns,
          (k, row) => {
            if (k === 0) return batch.ids.slice(row * idLength, (row + 1) * idLength);
            if (k === 1) return batch.at[row];
            const v = batch.cells[row * width + k - 2]!;
            return flag[k - 2] ? v : v < 0 ? null : dictionary[v];
          },
          batch.rows,
        ),
      );
    },
    async close() {},
  };
}
