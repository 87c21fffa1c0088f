// The database limits are configured once (config.ts) and reach the connections the server opens (openStore).
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { databaseUnavailable, openStore } from '../src/db/dialect/index.js';
import { createPgDatabase, PG_URL, tempDir } from './helpers/stores.js';

describe('database timeouts configuration', () => {
  it('has defaults of a few seconds, reads each variable, and refuses a bad value by name', () => {
    const base = { BASE_URL: 'http://tp.test' };
    expect(loadConfig(base)).toMatchObject({
      dbConnectTimeoutMs: 3_000,
      dbStatementTimeoutMs: 5_000,
      dbBusyTimeoutMs: 5_000,
      conversionBufferMax: 10_000,
    });
    expect(
      loadConfig({
        ...base,
        DB_CONNECT_TIMEOUT_MS: '1500',
        DB_STATEMENT_TIMEOUT_MS: '0',
        DB_BUSY_TIMEOUT_MS: '250',
        CONVERSION_BUFFER_MAX: '500',
      }),
    ).toMatchObject({
      dbConnectTimeoutMs: 1_500,
      dbStatementTimeoutMs: 0,
      dbBusyTimeoutMs: 250,
      conversionBufferMax: 500,
    });
    expect(() => loadConfig({ ...base, DB_STATEMENT_TIMEOUT_MS: '5s' })).toThrow(
      new ConfigError('DB_STATEMENT_TIMEOUT_MS must be a whole number, got "5s"'),
    );
    expect(() => loadConfig({ ...base, DB_CONNECT_TIMEOUT_MS: '0' })).toThrow(
      /DB_CONNECT_TIMEOUT_MS must be between 100 and/,
    );
  });

  it('sets SQLite busy timeout on the store the server opens', async () => {
    const store = openStore({ databaseUrl: null, dataDir: tempDir(), dbBusyTimeoutMs: 750 });
    try {
      const rows = (await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.db)).rows;
      expect(rows).toEqual([{ timeout: 750 }]);
    } finally {
      await store.close();
    }
  });

  it.runIf(PG_URL)(
    'sets PostgreSQL statement and idle-transaction timeouts on the store the server opens, none for maintenance',
    async () => {
      const database = await createPgDatabase();
      const served = openStore({ databaseUrl: database.url, dataDir: tempDir(), dbStatementTimeoutMs: 1_500 });
      const maintenance = openStore({ databaseUrl: database.url, dataDir: tempDir(), dbStatementTimeoutMs: 0 });
      const settings = async (store: typeof served) =>
        (
          await sql<{
            s: string;
            i: string;
          }>`select current_setting('statement_timeout') as s, current_setting('idle_in_transaction_session_timeout') as i`.execute(
            store.db,
          )
        ).rows[0];
      try {
        expect(await settings(served)).toEqual({ s: '1500ms', i: '3s' });
        expect(await settings(maintenance)).toEqual({ s: '0', i: '0' });
        // A statement past the limit is cancelled by the server, and that is the database being unavailable.
        const slow = await sql`select pg_sleep(3)`.execute(served.db).then(
          () => null,
          (e: Error & { code?: string }) => e,
        );
        expect(slow?.code).toBe('57014');
        expect(databaseUnavailable(slow)).toBe(true);
      } finally {
        await served.close();
        await maintenance.close();
        await database.drop();
      }
    },
  );
});
