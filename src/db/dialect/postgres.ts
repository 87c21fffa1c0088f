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
  async insertIfNewTogether(db, first, rest) {
    const rows = [{ first, rest }];
    const r = await db.executeQuery<{ n0: number }>(
      CompiledQuery.raw(insertIfNewStatement(rows).text, parametersOf(rows)),
    );
    return r.rows[0]!.n0 > 0;
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
    orderTransaction: sharedTransactions(db),
    insertIfNewWith: groupedInserts(async (statement, values) => {
      const client = closedIfTimedOut(await pool.connect());
      try {
        return (await client.query<Record<string, number>>({ ...statement, values })).rows[0]!;
      } finally {
        client.release();
      }
    }),
    close: () => db.destroy(),
  };
}

/** At most this many works share a transaction, so a long queue still commits (and answers) every few milliseconds. */
const SHARED_MAX = 32;

/**
 * Store.orderTransaction on PostgreSQL: the works queued while a shared transaction runs go together in the next one,
 * one after another (no savepoints: each would be two more round trips). Their results are kept until the commit; if
 * any work or the commit fails, every work of the group runs again alone. One shared transaction at a time, so two
 * groups never hold each other's locks.
 */
function sharedTransactions(db: Kysely<Database>) {
  type Queued = {
    work: (tx: Transaction<Database>) => Promise<unknown>;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  };
  const queue: Queued[] = [];
  let draining = false;
  const alone = (q: Queued) => db.transaction().execute(q.work).then(q.resolve, q.reject);
  const drain = async () => {
    while (queue.length) {
      const group = queue.splice(0, SHARED_MAX);
      if (group.length === 1) {
        await alone(group[0]!);
        continue;
      }
      let values: unknown[];
      try {
        values = await db.transaction().execute(async (tx) => {
          const out: unknown[] = [];
          for (const q of group) out.push(await q.work(tx));
          return out;
        });
      } catch {
        for (const q of group) await alone(q);
        continue;
      }
      group.forEach((q, i) => q.resolve(values[i]));
    }
    draining = false;
  };
  return <T>(work: (tx: Transaction<Database>) => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      if (!draining) {
        draining = true;
        setImmediate(() => void drain());
      }
    });
}

/** A one-row insert as Kysely compiles it: `insert into "t" ("a", "b") values ($1, $2)`. */
const ONE_ROW_INSERT = /^(insert into "[^"]+" \([^()]*\)) values \(([^()]*)\)$/;

interface NewRow {
  first: CompiledQuery;
  rest: CompiledQuery[];
}
type Run = (statement: { name?: string; text: string }, values: unknown[]) => Promise<Record<string, number>>;

/** At most this many orders share a statement; and their parameters stay well under PostgreSQL's 65,535. */
const GROUP_MAX = 32;
const GROUP_MAX_PARAMETERS = 30_000;
/**
 * Groups sent at a time; the orders that arrive meanwhile wait and go together in the next group. With every group
 * sent at once, 32 connections' orders went in groups of ~8, and most of PostgreSQL's CPU per order was the
 * statement's (executor start-up, commit) rather than its rows': two in flight (one committing while the next
 * forms) cut its CPU per order by about a tenth and raised the rate by a fifth (docs/benchmarks.md).
 */
const GROUPS_IN_FLIGHT = 2;

/**
 * Store.insertIfNewWith on PostgreSQL, with a group commit: the orders that arrive in the same turn of the event loop,
 * or while GROUPS_IN_FLIGHT groups are being written, are written by one statement (each order's rows conditional on
 * its own insert), so one round trip and one commit serve them all. A duplicate order in the group does nothing, as against a stored one: the unique index sees rows
 * the same statement inserted. A statement is all or none, so when a group's fails, each order is sent again alone and
 * only the failing one fails.
 */
function groupedInserts(run: Run): (first: CompiledQuery, rest: CompiledQuery[]) => Promise<boolean> {
  const queue: { row: NewRow; resolve: (created: boolean) => void; reject: (error: unknown) => void }[] = [];
  const alone = async (row: NewRow) => (await run(insertIfNewStatement([row]), parametersOf([row]))).n0! > 0;
  const send = async (group: typeof queue) => {
    if (group.length === 1) {
      const [one] = group;
      return alone(one!.row).then(one!.resolve, one!.reject);
    }
    const rows = group.map((g) => g.row);
    let created: Record<string, number>;
    try {
      created = await run(insertIfNewStatement(rows), parametersOf(rows));
    } catch {
      for (const g of group) void alone(g.row).then(g.resolve, g.reject);
      return;
    }
    group.forEach((g, i) => g.resolve(created[`n${i}`]! > 0));
  };
  let inFlight = 0;
  const flush = (): void => {
    while (queue.length && inFlight < GROUPS_IN_FLIGHT) {
      let take = 0;
      let parameters = 0;
      for (const w of queue) {
        const n = w.row.first.parameters.length + w.row.rest.reduce((a, q) => a + q.parameters.length, 0);
        if (take && (take >= GROUP_MAX || parameters + n > GROUP_MAX_PARAMETERS)) break;
        take++;
        parameters += n;
      }
      const group = queue.splice(0, take);
      inFlight++;
      void send(group).finally(() => {
        inFlight--;
        flush();
      });
    }
  };
  return (first, rest) =>
    new Promise<boolean>((resolve, reject) => {
      // Sent on the next turn, after every request that arrived with this one has queued its order too.
      if (!queue.length && inFlight < GROUPS_IN_FLIGHT) setImmediate(flush);
      queue.push({ row: { first, rest }, resolve, reject });
    });
}

/** Statements by their parts' SQL: a few shapes (how many orders, commissions and webhook messages). */
const statements = new Map<string, { name: string; text: string }>();
/** Past this many shapes, new ones run unnamed: each named one stays prepared on every connection that ran it. */
const NAMED_STATEMENTS_MAX = 200;

/**
 * Each order's insert and, conditional on it having inserted, the rows that depend on it, as data-modifying WITH
 * queries of one statement; `n<i>` says whether order i was inserted. Each dependent insert selects its values only if
 * its order's insert returned a row (an INSERT … SELECT types its parameters by the target columns, as VALUES does).
 * Foreign keys and triggers are checked when the statement ends, so they see the order's row. Named, so that each
 * connection parses and plans each shape once (Kysely sends every statement unnamed: parsed and planned every time).
 */
function insertIfNewStatement(rows: NewRow[]): { name?: string; text: string } {
  const key = rows.map((r) => [r.first.sql, ...r.rest.map((q) => q.sql)].join('\u0000')).join('\u0001');
  const hit = statements.get(key);
  if (hit) return hit;
  const parts: string[] = [];
  const results: string[] = [];
  let shift = 0;
  // Kysely writes values only as $n parameters and quotes every identifier, so a $ followed by digits is a parameter.
  const renumber = (sql: string, by: number) =>
    by ? sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + by}`) : sql;
  for (const [o, { first, rest }] of rows.entries()) {
    if (/\breturning\b/i.test(first.sql))
      throw new Error(`insertIfNewWith: the first insert returns already: ${first.sql}`);
    const order = `o${o}`;
    parts.push(`${order} as (${renumber(first.sql, shift)} returning 1)`);
    results.push(`(select count(*) from ${order})::int as n${o}`);
    shift += first.parameters.length;
    for (const [i, q] of rest.entries()) {
      const m = ONE_ROW_INSERT.exec(q.sql);
      if (!m) throw new Error(`insertIfNewWith: not a one-row insert: ${q.sql}`);
      parts.push(`${order}_${i} as (${m[1]} select ${renumber(m[2]!, shift)} where exists (select from ${order}))`);
      shift += q.parameters.length;
    }
  }
  const text = `with ${parts.join(', ')} select ${results.join(', ')}`;
  if (statements.size >= NAMED_STATEMENTS_MAX) return { text };
  const statement = { name: `tp_new_${statements.size}`, text };
  statements.set(key, statement);
  return statement;
}

function parametersOf(rows: NewRow[]): unknown[] {
  const out: unknown[] = [];
  for (const { first, rest } of rows) {
    for (const p of first.parameters) out.push(p);
    for (const q of rest) for (const p of q.parameters) out.push(p);
  }
  return out;
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
