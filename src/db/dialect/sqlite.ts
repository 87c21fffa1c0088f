// SQLite, the embedded default: one file, one process, one writer at a time.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type Driver,
  type SqliteDialectConfig,
  type Transaction,
} from 'kysely';
import { DATABASE_TIMEOUTS, type DatabaseTimeouts } from '../../config.js';
import type { Database } from '../schema.js';
import type { Dialect, Store } from './types.js';

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  embedded: true,
  concurrentWriters: false,
  walCheckpoints: true,
  likeOperator: 'like',
  describe: (location) => `SQLite at ${path.relative(process.cwd(), location) || location}`,
  // Its only such case is a lock held past the busy timeout.
  unavailable: ({ code }) => code.startsWith('SQLITE_BUSY'),
  uniqueViolation(err) {
    const e = err as { code?: string; message?: string };
    if (e?.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e?.code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return null;
    // SQLite names columns, not the index: "UNIQUE constraint failed: links.slug" or "index 'links_slug_unique'";
    // a multi-column index lists every column ("members.workspace_id, members.external_id"), so keep them all.
    const m = /index '([^']+)'/.exec(e.message ?? '') ?? /failed: (.+)$/.exec(e.message ?? '');
    return { index: m?.[1] ?? '' };
  },
  lockedForUpdate: (query) => query,
  lockForTransaction: async () => {},
  // BEGIN IMMEDIATE (below) takes the one write lock, which every other writer waits for.
  snapshotUnderLock: (db, _key, work) => db.transaction().execute(work),
  // WITH cannot hold an insert here, and a statement costs no round trip.
  async insertIfNewTogether(db, first, rest) {
    if (!Number((await db.executeQuery(first)).numAffectedRows ?? 0)) return false;
    for (const w of rest) await db.executeQuery(w);
    return true;
  },
  /**
   * SQLite chooses indexes from the statistics ANALYZE gathers and has none until it runs: without them a report for
   * one member scanned every row of its date range instead of that member's rows (56 → 1 ms at 10 M clicks).
   * `PRAGMA optimize` analyzes only the tables that were never analyzed or have changed size many times over, each on a
   * sample (analysis_limit), so it is cheap at every start and after a rollup rebuild.
   */
  async refreshPlannerStatistics(db) {
    await sql`pragma analysis_limit = 1000`.execute(db);
    await sql`pragma optimize = 0x10002`.execute(db);
  },
  weekOfDay: (day) => sql<string>`'W' || date(${day}, '-6 days', 'weekday 1')`,
  // Plain tables: a month needs nothing made ahead.
  preparePartitions: async () => 0,
  /**
   * Batches of rows per workspace through (workspace_id, created_at), each batch its own short write, with a turn of
   * the event loop between them: the one writer and the redirects (on this thread) wait at most one batch.
   */
  async dropClicksBefore(db, before) {
    let rows = 0;
    const workspaces = await db.selectFrom('workspaces').select('id').orderBy('id').execute();
    for (const { id } of workspaces) {
      for (;;) {
        const r = await sql`delete from clicks where rowid in (select rowid from clicks
          where workspace_id = ${id} and created_at < ${before} limit ${SQLITE_DELETE_BATCH})`.execute(db);
        const n = Number(r.numAffectedRows ?? 0);
        rows += n;
        if (n < SQLITE_DELETE_BATCH) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    return { partitions: 0, rows };
  },
};

/** Raw clicks deleted per statement by the retention on SQLite. */
const SQLITE_DELETE_BATCH = 2_000;

export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'touchpoint.sqlite');
}

export function openSqlite(
  file: string,
  timeouts: Pick<DatabaseTimeouts, 'dbBusyTimeoutMs'> = DATABASE_TIMEOUTS,
): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const handle = new BetterSqlite3(file);
  // WAL lets readers run beside the click writer; NORMAL sync is durable across process crashes
  // (a power loss may lose the last transactions, not corrupt the file).
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma(`busy_timeout = ${Math.trunc(timeouts.dbBusyTimeoutMs)}`);
  handle.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(handle) }) });
  const writeTransaction = groupCommit(db);
  return {
    dialect: sqliteDialect,
    db,
    location: file,
    poolStats: () => null,
    listen: null,
    notify: null,
    writeTransaction,
    orderTransaction: writeTransaction,
    insertIfNewWith: null,
    close: () => db.destroy(),
  };
}

/**
 * Transactions take SQLite's write lock when they begin (BEGIN IMMEDIATE), waiting for it under busy_timeout. A
 * deferred transaction that reads before it writes cannot wait: when the click writer's connection commits in
 * between, its first write fails at once with SQLITE_BUSY_SNAPSHOT.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new (class extends SqliteDriver {
      override async beginTransaction(connection: DatabaseConnection): Promise<void> {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      }
    })(this.settings);
  }
}

/**
 * Kysely prepares every query anew; on SQLite, preparing costs about as much as running it. Statements are cached by
 * their SQL (Kysely's SQL is parameterized, so the set is small) and reused, unless one is still being iterated.
 */
function withStatementCache(handle: BetterSqlite3.Database, max = 1_000) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => handle.close(),
    prepare(sql: string) {
      const hit = cache.get(sql);
      if (hit && !hit.busy) return hit;
      const stmt = handle.prepare(sql);
      if (!hit) {
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

interface QueuedWork {
  work: (tx: Transaction<Database>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

// Run for every order: compiled once rather than built by Kysely each time.
const SAVEPOINT = CompiledQuery.raw('savepoint work');
const RELEASE = CompiledQuery.raw('release savepoint work');
const ROLLBACK_TO = CompiledQuery.raw('rollback to savepoint work');

/** At most this many works share a commit, so a long queue still commits (and answers) every few milliseconds. */
const GROUP_COMMIT_MAX = 64;

function groupCommit(db: Kysely<Database>) {
  const queue: QueuedWork[] = [];
  let draining = false;
  const drain = async () => {
    while (queue.length) {
      const batch = queue.splice(0, GROUP_COMMIT_MAX);
      const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
      try {
        await db.transaction().execute(async (tx) => {
          for (const item of batch) {
            await tx.executeQuery(SAVEPOINT);
            try {
              const value = await item.work(tx);
              await tx.executeQuery(RELEASE);
              outcomes.push({ ok: true, value });
            } catch (error) {
              await tx.executeQuery(ROLLBACK_TO);
              await tx.executeQuery(RELEASE);
              outcomes.push({ ok: false, error });
            }
          }
        });
      } catch (error) {
        // The commit itself failed: nothing of the batch was written.
        for (const item of batch) item.reject(error);
        continue;
      }
      batch.forEach((item, i) => {
        const o = outcomes[i]!;
        if (o.ok) item.resolve(o.value);
        else item.reject(o.error);
      });
    }
    draining = false;
  };
  return <T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      // Started on the next turn, after every request that arrived with this one has queued its work too: SQLite
      // runs synchronously, so a batch begun at once would hold the loop until it committed, alone.
      if (!draining) {
        draining = true;
        setImmediate(() => void drain());
      }
    });
}
