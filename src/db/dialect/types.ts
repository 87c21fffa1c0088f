// What differs between SQLite and PostgreSQL, as one interface: sqlite.ts and postgres.ts implement it, index.ts
// opens a store with one of them. Apart from the migrations, nothing else in the code asks which database it is on.
import type { CompiledQuery, Kysely, RawBuilder, Transaction } from 'kysely';
import type { Month } from '../../core/click-retention.js';
import type { Database } from '../schema.js';

export type DialectKind = 'sqlite' | 'postgres';

type Db = Kysely<Database> | Transaction<Database>;

export interface Dialect {
  /** What /readyz reports, and the key of the tables that hold one implementation per database (click writers, bulk writers). */
  readonly name: DialectKind;
  /** The embedded default (a file in the data directory, no server to set up): a first start seeds the demo there. */
  readonly embedded: boolean;
  /** Whether transactions write side by side (PostgreSQL), so that a read-then-write needs a lock; SQLite has one writer. */
  readonly concurrentWriters: boolean;
  /** Whether the server must checkpoint the write-ahead log itself (SQLite); PostgreSQL's is the server's business. */
  readonly walCheckpoints: boolean;
  /** Case-insensitive substring match: ILIKE on PostgreSQL, LIKE (ASCII case-insensitive) on SQLite. */
  readonly likeOperator: 'ilike' | 'like';
  /** Where the data lives, for the CLI's start line. */
  describe(location: string): string;
  /** Whether one error (not its causes) says the database cannot serve now, rather than the request or our code. */
  unavailable(error: { code: string; message: string }): boolean;
  /** Whether an error is a unique-constraint violation, and on which index when the engine says. */
  uniqueViolation(error: unknown): { index: string } | null;
  /** Row locks: PostgreSQL needs FOR UPDATE to serialize writers of one row; SQLite has one writer at a time anyway. */
  lockedForUpdate<Q extends { forUpdate(): Q }>(query: Q): Q;
  /**
   * Serializes the transactions that take the same key until they end (shared holders run together): a
   * transaction-scoped advisory lock on PostgreSQL; nothing on SQLite, which has one writer.
   */
  lockForTransaction(tx: Db, key: string, mode?: 'shared' | 'exclusive'): Promise<void>;
  /**
   * Runs `work` in one transaction whose snapshot is taken after the key's exclusive lock is held (lockForTransaction
   * holders wait): a session advisory lock, then REPEATABLE READ on PostgreSQL; SQLite's one writer on SQLite.
   */
  snapshotUnderLock<T>(db: Kysely<Database>, key: string, work: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * Inside the transaction `db` is in: runs `first`, an insert of one row that may do nothing (ON CONFLICT DO NOTHING),
   * and each of `rest` (inserts of one row) only when it inserted; true when it inserted. One statement on PostgreSQL
   * (Store.insertIfNewWith's, without the group): one round trip where a lock taken earlier in the transaction waits for
   * the commit, as a volume-tier count does. One statement after another on SQLite, where a statement costs no round
   * trip.
   */
  insertIfNewTogether(db: Db, first: CompiledQuery, rest: CompiledQuery[]): Promise<boolean>;
  /** Lets the query planner see how the tables have grown (SQLite); PostgreSQL's autovacuum keeps its own statistics. */
  refreshPlannerStatistics(db: Kysely<Database>): Promise<void>;
  /**
   * Makes sure these calendar months have their partitions of clicks and conversion_events (PostgreSQL, migration
   * 0030; rows of a month that landed in the default partition move into it); nothing on SQLite, whose tables are
   * plain. Safe to run on several instances at once. Returns how many partitions it created.
   */
  preparePartitions(db: Kysely<Database>, months: readonly Month[]): Promise<number>;
  /**
   * Drops the raw clicks made before `before` (the start of a month): whole monthly partitions on PostgreSQL (and any
   * in the default partition), rows in batches on SQLite.
   */
  dropClicksBefore(db: Kysely<Database>, before: number): Promise<{ partitions: number; rows: number }>;
  /** core/time-buckets' week of a day in SQL: "W" + the Monday on or before the day ('YYYY-MM-DD'). */
  weekOfDay(day: RawBuilder<unknown>): RawBuilder<string>;
}

export interface Store {
  dialect: Dialect;
  db: Kysely<Database>;
  /** Where the data lives, for log lines: a file path or a URL without its password. */
  location: string;
  /** Pool statistics for /metrics (PostgreSQL only). */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  /**
   * Cross-instance change notices (PostgreSQL LISTEN/NOTIFY). SQLite is one process, so it has none.
   * The listener reconnects by itself and calls onReconnect, since notices sent while it was away are lost.
   */
  listen:
    | ((channel: string, onMessage: (payload: string) => void, onReconnect: () => void) => Promise<() => Promise<void>>)
    | null;
  notify: ((channel: string, payload: string) => Promise<void>) | null;
  /**
   * Runs `work` in a transaction of its own, as far as anyone can tell: on SQLite, works queued meanwhile share one
   * transaction (each inside a savepoint, so one failing rolls back only itself) and one commit — a group commit, since
   * SQLite has one writer and the commit is most of a small write's cost. On PostgreSQL, a plain transaction.
   */
  writeTransaction<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  /**
   * Runs `first`, an insert of one row that may do nothing (ON CONFLICT DO NOTHING), and each of `rest` (inserts of
   * one row) only when it inserted, all or none, outside any transaction; true when it inserted. On PostgreSQL one
   * statement, so one round trip and no BEGIN/COMMIT (a statement in autocommit is atomic), shared by the calls of one
   * event-loop turn (a group commit; a failing one fails alone). Null on SQLite, where a statement costs no round trip
   * and writeTransaction already shares one commit between concurrent works.
   */
  insertIfNewWith: ((first: CompiledQuery, rest: CompiledQuery[]) => Promise<boolean>) | null;
  /**
   * writeTransaction for an order's transaction path (record-conversion: an order seen before, a payout with volume
   * tiers). On PostgreSQL the works queued meanwhile run one after another in one transaction, one such transaction at
   * a time: a creator's tiered orders then take the member's counter lock once and share one commit, where each
   * order's own transaction held it to its own commit. A group that fails is run again work by work, each in a
   * transaction of its own, so a failing work fails alone. On SQLite, writeTransaction (which already groups).
   */
  orderTransaction<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
