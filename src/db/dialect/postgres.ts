// PostgreSQL, for many instances: a pool per instance, writers side by side, LISTEN/NOTIFY between instances.
import { CompiledQuery, Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import type { DatabaseTimeouts } from '../../config.js';
import { monthOfSuffix, type Month } from '../../core/click-retention.js';
import type { Database } from '../schema.js';
import type { Dialect, Store } from './types.js';

// int8 (COUNT, SUM, bigint columns) arrives as a string by default; our values fit in 2^53.
pg.types.setTypeParser(20, (v) => Number(v));
// numeric (SUM over bigint) likewise.
pg.types.setTypeParser(1700, (v) => Number(v));

/**
 * SQLSTATEs of a server that cannot serve now: connection exceptions (08…), too many connections, a statement
 * cancelled by statement_timeout, a transaction ended by idle_in_transaction_session_timeout, and a server shutting
 * down or starting.
 */
const PG_UNAVAILABLE = /^(08...|53300|57014|25P03|57P0[1-3])$/;

/** node-postgres' own errors for a server that does not answer (they carry no code). */
const PG_MESSAGES =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error|Connection ended unexpectedly/;

export const postgresDialect: Dialect = {
  name: 'postgres',
  embedded: false,
  concurrentWriters: true,
  walCheckpoints: false,
  likeOperator: 'ilike',
  describe: (location) => `PostgreSQL ${location}`,
  unavailable: ({ code, message }) => PG_UNAVAILABLE.test(code) || PG_MESSAGES.test(message),
  uniqueViolation(err) {
    const e = err as { code?: string; constraint?: string };
    return e?.code === '23505' ? { index: e.constraint ?? '' } : null;
  },
  lockedForUpdate: (query) => query.forUpdate(),
  async lockForTransaction(tx, key, mode = 'exclusive') {
    const fn = mode === 'shared' ? sql`pg_advisory_xact_lock_shared` : sql`pg_advisory_xact_lock`;
    await sql`select ${fn}(hashtext(${key}))`.execute(tx);
  },
  // Lock first, then take the snapshot: in REPEATABLE READ the snapshot is the first statement's, and the lock
  // statement would otherwise be it, leaving out what committed while we waited for the lock.
  snapshotUnderLock: (db, key, work) =>
    db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(hashtext(${key}))`.execute(conn);
      try {
        return await conn.transaction().setIsolationLevel('repeatable read').execute(work);
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${key}))`.execute(conn);
      }
    }),
  /**
   * Data-modifying WITH queries: their effects are the same as one after another, except that within the one
   * statement a later write sees no row an earlier one wrote, but through constraint and trigger checks, which run
   * when the statement ends.
   */
  async writeTogether(db, writes) {
    if (writes.length < 2) {
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
    await db.executeQuery(
      CompiledQuery.raw(`with ${parts.map((p, i) => `w${i} as (${p})`).join(', ')} ${last}`, parameters),
    );
  },
  // Autovacuum keeps the statistics.
  refreshPlannerStatistics: async () => {},
  weekOfDay: (day) => sql<string>`'W' || to_char(date_trunc('week', ${day}::date), 'YYYY-MM-DD')`,
  async preparePartitions(db, months) {
    let created = 0;
    for (const [table, key] of PARTITIONED) {
      for (const month of months) if (await createMonth(db, table, key, month)) created++;
    }
    return created;
  },
  async dropClicksBefore(db, before) {
    const { rows: parts } = await sql<{ name: string }>`
      select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'clicks'::regclass order by c.relname`.execute(db);
    let partitions = 0;
    for (const { name } of parts) {
      const month = monthOfSuffix(name.slice('clicks_'.length));
      if (!month || month.end > before) continue;
      await db.transaction().execute(async (tx) => {
        // Dropping a partition locks the whole table for an instant; behind a long read of clicks it would hold every
        // click batch queued behind it, so it gives up after a moment and the next run tries again.
        await sql`set local lock_timeout = '1s'`.execute(tx);
        await sql`drop table if exists ${sql.table(name)}`.execute(tx);
      });
      partitions++;
    }
    const stray = await sql`delete from clicks_default where created_at < ${before}`.execute(db);
    return { partitions, rows: Number(stray.numAffectedRows ?? 0) };
  },
};

/** The tables partitioned by month on PostgreSQL, with their partition keys (migration 0030). */
const PARTITIONED = [
  ['clicks', 'created_at'],
  ['conversion_events', 'received_at'],
] as const;

/**
 * Read from pg_class with the statement's snapshot: to_regclass answers from a cache that a table created by another
 * session while we waited for the lock may not have reached yet.
 */
async function partitionExists(db: Kysely<Database> | Transaction<Database>, name: string): Promise<boolean> {
  const { rows } = await sql`select 1 from pg_class
    where relname = ${name} and relnamespace = current_schema()::regnamespace`.execute(db);
  return rows.length > 0;
}

/**
 * Creates one month's partition unless it exists. PostgreSQL refuses a partition whose range has rows in the default
 * partition, so the month's rows there move into the new table before it is attached, in one transaction that holds
 * the default partition (no insert lands there meanwhile) and the table's advisory lock (one creator at a time).
 */
async function createMonth(db: Kysely<Database>, table: string, key: string, month: Month): Promise<boolean> {
  const name = `${table}_${month.suffix}`;
  if (await partitionExists(db, name)) return false;
  return db.transaction().execute(async (tx) => {
    await sql`set local lock_timeout = '5s'`.execute(tx);
    await sql`select pg_advisory_xact_lock(hashtext(${`partitions:${table}`}))`.execute(tx);
    if (await partitionExists(tx, name)) return false;
    const fallback = sql.table(`${table}_default`);
    await sql`lock table ${fallback} in share row exclusive mode`.execute(tx);
    await sql`create table ${sql.table(name)} (like ${sql.table(table)} including defaults including constraints)`.execute(
      tx,
    );
    const range = sql`${sql.ref(key)} >= ${month.start} and ${sql.ref(key)} < ${month.end}`;
    await sql`with moved as (delete from ${fallback} where ${range} returning *)
      insert into ${sql.table(name)} select * from moved`.execute(tx);
    await sql`alter table ${sql.table(table)} attach partition ${sql.table(name)}
      for values from (${sql.lit(month.start)}) to (${sql.lit(month.end)})`.execute(tx);
    return true;
  });
}

/**
 * Without settings (tests, tools opening a database of their own), statements run as long as they take; the server
 * and the CLI open their store through openStore, with the configured limits.
 */
const UNLIMITED_STATEMENTS = { dbConnectTimeoutMs: 5_000, dbStatementTimeoutMs: 0 };

export function openPostgres(
  url: string,
  max = 10,
  timeouts: Omit<DatabaseTimeouts, 'dbBusyTimeoutMs'> = UNLIMITED_STATEMENTS,
): Store {
  const statementMs = timeouts.dbStatementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: timeouts.dbConnectTimeoutMs,
    // statement_timeout is the server's own limit; query_timeout, a little later, is ours for a server that no longer
    // answers at all (it cannot cancel anything). A transaction left idle holds its locks: the server ends it.
    ...(statementMs > 0
      ? {
          statement_timeout: statementMs,
          query_timeout: statementMs + 1_000,
          idle_in_transaction_session_timeout: 2 * statementMs,
        }
      : {}),
  });
  // A client losing its server must not crash the process: idle ones are reported on the pool, and checked-out
  // ones would otherwise emit an 'error' nobody listens to (the failing query is rejected either way).
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({
      pool: { connect: () => pool.connect().then(closedIfTimedOut), end: () => pool.end() },
    }),
  });
  const safe = new URL(url);
  safe.password = safe.password ? '***' : '';
  return {
    dialect: postgresDialect,
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
      const waited = await Promise.race([
        ended.then(() => true),
        new Promise<false>((r) => setTimeout(() => r(false), 1_000).unref()),
      ]);
      if (!waited) (c as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    }
  };
}
