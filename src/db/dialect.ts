// The only file that branches on SQLite vs PostgreSQL.
import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { CompiledQuery, Kysely, Migrator, PostgresAdapter, PostgresDialect, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type Driver, type SqliteDialectConfig, type Transaction } from 'kysely';
import pg from 'pg';
import { DATABASE_TIMEOUTS, type DatabaseTimeouts } from '../config.js';
import type { Database } from './schema.js';
import { migrations } from './migrations/index.js';

export type DialectKind = 'sqlite' | 'postgres';

export interface Store {
  kind: DialectKind;
  db: Kysely<Database>;
  /** Where the data lives, for log lines: a file path or a URL without its password. */
  location: string;
  /** Pool statistics for /metrics (PostgreSQL only). */
  poolStats(): { total: number; idle: number; waiting: number } | null;
  /**
   * Cross-instance change notices (PostgreSQL LISTEN/NOTIFY). SQLite is one process, so it has none.
   * The listener reconnects by itself and calls onReconnect, since notices sent while it was away are lost.
   */
  listen: ((channel: string, onMessage: (payload: string) => void, onReconnect: () => void) => Promise<() => Promise<void>>) | null;
  notify: ((channel: string, payload: string) => Promise<void>) | null;
  /**
   * Runs `work` in a transaction of its own, as far as anyone can tell: on SQLite, works queued meanwhile share one
   * transaction (each inside a savepoint, so one failing rolls back only itself) and one commit — a group commit, since
   * SQLite has one writer and the commit is most of a small write's cost. On PostgreSQL, a plain transaction.
   */
  writeTransaction<T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// int8 (COUNT, SUM, bigint columns) arrives as a string by default; our values fit in 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric (SUM over bigint) likewise.
pg.types.setTypeParser(1700, (v) => Number(v));

export function sqliteFile(dataDir: string): string {
  return path.join(dataDir, 'touchpoint.sqlite');
}

export function openSqlite(file: string, timeouts: Pick<DatabaseTimeouts, 'dbBusyTimeoutMs'> = DATABASE_TIMEOUTS): Store {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const handle = new BetterSqlite3(file);
  // WAL lets readers run beside the click writer; NORMAL sync is durable across process crashes
  // (a power loss may lose the last transactions, not corrupt the file).
  handle.pragma('journal_mode = WAL');
  handle.pragma('synchronous = NORMAL');
  handle.pragma(`busy_timeout = ${Math.trunc(timeouts.dbBusyTimeoutMs)}`);
  handle.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(handle) }) });
  return {
    kind: 'sqlite',
    db,
    location: file,
    poolStats: () => null,
    listen: null,
    notify: null,
    writeTransaction: groupCommit(db),
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
  let queue: QueuedWork[] = [];
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

/**
 * Without settings (tests, tools opening a database of their own), statements run as long as they take; the server
 * and the CLI open their store through openStore, with the configured limits.
 */
const UNLIMITED_STATEMENTS = { dbConnectTimeoutMs: 5_000, dbStatementTimeoutMs: 0 };

export function openPostgres(url: string, max = 10, timeouts: Omit<DatabaseTimeouts, 'dbBusyTimeoutMs'> = UNLIMITED_STATEMENTS): Store {
  const statementMs = timeouts.dbStatementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: timeouts.dbConnectTimeoutMs,
    // statement_timeout is the server's own limit; query_timeout, a little later, is ours for a server that no longer
    // answers at all (it cannot cancel anything). A transaction left idle holds its locks: the server ends it.
    ...(statementMs > 0
      ? { statement_timeout: statementMs, query_timeout: statementMs + 1_000, idle_in_transaction_session_timeout: 2 * statementMs }
      : {}),
  });
  // A client losing its server must not crash the process: idle ones are reported on the pool, and checked-out
  // ones would otherwise emit an 'error' nobody listens to (the failing query is rejected either way).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: { connect: () => pool.connect().then(closedIfTimedOut), end: () => pool.end() } }) });
  const safe = new URL(url);
  safe.password = safe.password ? '***' : '';
  return {
    kind: 'postgres',
    db,
    location: safe.toString(),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    listen: (channel, onMessage, onReconnect) => listenPostgres(url, channel, onMessage, onReconnect),
    notify: async (channel, payload) => {
      await sql`select pg_notify(${channel}, ${payload})`.execute(db);
    },
    writeTransaction: (work) => db.transaction().execute(work),
    close: () => db.destroy(),
  };
}

const timedOut = new WeakMap<pg.PoolClient, boolean>();

/**
 * A query our query_timeout gave up on leaves its connection waiting for the answer, and every later query on it
 * waits behind: such a connection is closed when it goes back to the pool instead of serving the next request.
 */
function closedIfTimedOut(client: pg.PoolClient): pg.PoolClient {
  if (!timedOut.has(client)) {
    timedOut.set(client, false);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    client.query = ((...args: unknown[]) => {
      const result = query(...args);
      if (result instanceof Promise) {
        result.catch((e: Error) => {
          if (e?.message === 'Query read timeout') timedOut.set(client, true);
        });
      }
      return result;
    }) as typeof client.query;
  }
  // The pool gives each checkout a release of its own.
  const release = client.release.bind(client);
  client.release = ((err?: Error | boolean) => {
    if (!timedOut.get(client)) return release(err);
    (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    return release(new Error('query timed out: connection closed'));
  }) as typeof client.release;
  return client;
}

async function listenPostgres(
  url: string,
  channel: string,
  onMessage: (payload: string) => void,
  onReconnect: () => void,
): Promise<() => Promise<void>> {
  let client: pg.Client | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const connect = async (isReconnect: boolean): Promise<void> => {
    const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
    c.on('notification', (n) => n.channel === channel && n.payload !== undefined && onMessage(n.payload));
    c.on('error', () => retry());
    c.on('end', () => retry());
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
      client = c;
      if (isReconnect) onReconnect();
    } catch {
      c.removeAllListeners('end');
      await c.end().catch(() => {});
      retry();
    }
  };
  const retry = () => {
    client = null;
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect(true);
    }, 1_000);
    timer.unref();
  };
  await connect(false);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    const c = client;
    client = null;
    if (c) {
      c.removeAllListeners('end');
      // A server that stopped answering never confirms the end: the socket is closed after a moment regardless.
      const ended = c.end().catch(() => {});
      const waited = await Promise.race([ended.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 1_000).unref())]);
      if (!waited) (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    }
  };
}

export function openStore(opts: { databaseUrl: string | null; dataDir: string } & Partial<DatabaseTimeouts>): Store {
  const timeouts = { ...DATABASE_TIMEOUTS, ...opts };
  return opts.databaseUrl ? openPostgres(opts.databaseUrl, 10, timeouts) : openSqlite(sqliteFile(opts.dataDir), timeouts);
}

/** Socket errors of a server that is down, unreachable or gone mid-query. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * PostgreSQL SQLSTATEs of a server that cannot serve now: connection exceptions (08…), too many connections,
 * a statement cancelled by statement_timeout, a transaction ended by idle_in_transaction_session_timeout, and a
 * server shutting down or starting.
 */
const PG_UNAVAILABLE = /^(08...|53300|57014|25P03|57P0[1-3])$/;

/** node-postgres' own errors for a server that does not answer (they carry no code). */
const PG_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error|Connection ended unexpectedly/;

/**
 * Whether a failure is the database being unreachable rather than the request or our code: the request may succeed
 * as it is once the database is back, so it is answered 503 (retry later) and held where the protocol cannot retry.
 * SQLite's only such case is a lock held past the busy timeout.
 */
export function databaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    const code = typeof e.code === 'string' ? e.code : '';
    if (NETWORK_CODES.has(code) || PG_UNAVAILABLE.test(code) || code.startsWith('SQLITE_BUSY')) return true;
    if (typeof e.message === 'string' && PG_MESSAGES.test(e.message)) return true;
    // Node reports a refused connection to each address of a host (IPv4 and IPv6) together.
    if (Array.isArray(e.errors) && e.errors.some((inner) => databaseUnavailable(inner))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

function migrator(db: Kysely<Database>): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'touchpoint_migrations',
    migrationLockTableName: 'touchpoint_migrations_lock',
  });
}

/** Applies every pending migration; safe to run from several instances at once (Kysely takes a lock). */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  await refreshPlannerStatistics(db);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/**
 * SQLite chooses indexes from the statistics ANALYZE gathers and has none until it runs: without them a report for
 * one member scanned every row of its date range instead of that member's rows (56 → 1 ms at 10 M clicks).
 * `PRAGMA optimize` analyzes only the tables that were never analyzed or have changed size many times over, each on a
 * sample (analysis_limit), so it is cheap at every start and after a rollup rebuild. PostgreSQL's autovacuum keeps its
 * own statistics.
 */
export async function refreshPlannerStatistics(db: Kysely<Database>): Promise<void> {
  if (db.getExecutor().adapter instanceof PostgresAdapter) return;
  await sql`pragma analysis_limit = 1000`.execute(db);
  await sql`pragma optimize = 0x10002`.execute(db);
}

/** True when the database answers and every known migration is applied. */
export async function isReady(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    const applied = await migrator(db).getMigrations();
    return applied.every((m) => m.executedAt !== undefined);
  } catch {
    return false;
  }
}

/** Whether an error is a unique-constraint violation, and on which index when the engine says. */
export function uniqueViolation(err: unknown): { index: string } | null {
  const e = err as { code?: string; constraint?: string; message?: string };
  if (e?.code === '23505') return { index: e.constraint ?? '' };
  if (e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    // SQLite names columns, not the index: "UNIQUE constraint failed: links.slug" or "index 'links_slug_unique'";
    // a multi-column index lists every column ("members.workspace_id, members.external_id"), so keep them all.
    const m = /index '([^']+)'/.exec(e.message ?? '') ?? /failed: (.+)$/.exec(e.message ?? '');
    return { index: m?.[1] ?? '' };
  }
  return null;
}

/** Case-insensitive substring match: ILIKE on PostgreSQL, LIKE (ASCII case-insensitive) on SQLite. */
export function likeOperator(kind: DialectKind): 'ilike' | 'like' {
  return kind === 'postgres' ? 'ilike' : 'like';
}

/**
 * Runs writes whose results nobody reads, in order, as one statement on PostgreSQL (data-modifying WITH queries: one
 * round trip instead of one each) and one after another on SQLite (in-process, where a statement costs no round trip
 * and WITH cannot hold an insert). Their effects are the same either way; within the one statement a later write
 * sees no row an earlier one wrote, except through constraint and trigger checks, which run when the statement ends.
 */
export async function writeTogether(db: Kysely<Database> | Transaction<Database>, kind: DialectKind, writes: CompiledQuery[]): Promise<void> {
  if (kind !== 'postgres' || writes.length < 2) {
    for (const w of writes) await db.executeQuery(w);
    return;
  }
  const parameters: unknown[] = [];
  const parts = writes.map((w) => {
    const shift = parameters.length;
    parameters.push(...w.parameters);
    // Kysely writes values only as $n parameters and quotes every identifier, so a $ followed by digits is a parameter.
    return shift ? w.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + shift}`) : w.sql;
  });
  const last = parts.pop()!;
  await db.executeQuery(CompiledQuery.raw(`with ${parts.map((p, i) => `w${i} as (${p})`).join(', ')} ${last}`, parameters));
}

/** Row locks: PostgreSQL needs FOR UPDATE to serialize writers of one row; SQLite has one writer at a time anyway. */
export function lockedForUpdate<Q extends { forUpdate(): Q }>(query: Q, kind: DialectKind): Q {
  return kind === 'postgres' ? query.forUpdate() : query;
}

/**
 * Serializes the transactions that take the same key until they end: a transaction-scoped advisory lock on
 * PostgreSQL (for counts that must not race, such as volume tiers); nothing on SQLite, which has one writer.
 */
export async function lockKeyForTransaction(tx: Transaction<Database>, kind: DialectKind, key: string): Promise<void> {
  if (kind === 'postgres') await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(tx);
}
