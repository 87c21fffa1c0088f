// The store: a Kysely on one of the two databases, with the dialect that knows how that one differs (types.ts).
// openStore chooses the database; what follows the choice lives in sqlite.ts and postgres.ts.
import { Migrator, PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { DATABASE_TIMEOUTS, type DatabaseTimeouts } from '../../config.js';
import type { Database } from '../schema.js';
import { migrations } from '../migrations/index.js';
import { openPostgres, postgresDialect } from './postgres.js';
import { openSqlite, sqliteDialect, sqliteFile } from './sqlite.js';
import type { Dialect, Store } from './types.js';

export type { Dialect, DialectKind, Store } from './types.js';
export { openPostgres } from './postgres.js';
export { openSqlite } from './sqlite.js';

const DIALECTS: readonly Dialect[] = [sqliteDialect, postgresDialect];

/** The dialect of a connection or transaction, for repository functions, which are given one and not the store. */
export function dialectOf(db: Kysely<Database> | Transaction<Database>): Dialect {
  return db.getExecutor().adapter instanceof PostgresAdapter ? postgresDialect : sqliteDialect;
}

export function openStore(opts: { databaseUrl: string | null; dataDir: string } & Partial<DatabaseTimeouts>): Store {
  const timeouts = { ...DATABASE_TIMEOUTS, ...opts };
  return opts.databaseUrl
    ? openPostgres(opts.databaseUrl, 10, timeouts)
    : openSqlite(sqliteFile(opts.dataDir), timeouts);
}

/** Socket errors of a server that is down, unreachable or gone mid-query. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * Whether a failure is the database being unreachable rather than the request or our code: the request may succeed
 * as it is once the database is back, so it is answered 503 (retry later) and held where the protocol cannot retry.
 * Asked where no store is at hand (error handlers), so either dialect's errors are recognized.
 */
export function databaseUnavailable(err: unknown): boolean {
  for (
    let e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown } | undefined, depth = 0;
    e && depth < 5;
    depth++
  ) {
    const error = {
      code: typeof e.code === 'string' ? e.code : '',
      message: typeof e.message === 'string' ? e.message : '',
    };
    if (NETWORK_CODES.has(error.code) || DIALECTS.some((d) => d.unavailable(error))) return true;
    // Node reports a refused connection to each address of a host (IPv4 and IPv6) together.
    if (Array.isArray(e.errors) && e.errors.some((inner) => databaseUnavailable(inner))) return true;
    e = e.cause as typeof e;
  }
  return false;
}

/** Whether an error is a unique-constraint violation (of either database), and on which index when the engine says. */
export function uniqueViolation(err: unknown): { index: string } | null {
  for (const d of DIALECTS) {
    const found = d.uniqueViolation(err);
    if (found) return found;
  }
  return null;
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
  await dialectOf(db).refreshPlannerStatistics(db);
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
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
