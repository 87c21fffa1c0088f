// Real databases for tests: a SQLite file in a temp dir, and a fresh PostgreSQL database per store when
// TEST_DATABASE_URL is set. No mocks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrateToLatest, openPostgres, openSqlite, type DialectKind, type Store } from '../../src/db/dialect/index.js';

export const PG_URL = process.env.TEST_DATABASE_URL ?? '';

/** Every store test runs on each of these. */
export const DIALECTS: DialectKind[] = PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];

export interface TestStore {
  store: Store;
  /** postgres://… of this store's own database, or the SQLite file. */
  url: string;
  dataDir: string;
  cleanup(): Promise<void>;
}

export function tempDir(prefix = 'tp-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function createPgDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `tp_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export async function freshStore(kind: DialectKind, opts: { migrate?: boolean } = {}): Promise<TestStore> {
  const dataDir = tempDir();
  if (kind === 'sqlite') {
    const file = path.join(dataDir, 'touchpoint.sqlite');
    const store = openSqlite(file);
    if (opts.migrate !== false) await migrateToLatest(store.db);
    return {
      store,
      url: file,
      dataDir,
      async cleanup() {
        await store.close();
        fs.rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const database = await createPgDatabase();
  const store = openPostgres(database.url, 5);
  if (opts.migrate !== false) await migrateToLatest(store.db);
  return {
    store,
    url: database.url,
    dataDir,
    async cleanup() {
      await store.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
