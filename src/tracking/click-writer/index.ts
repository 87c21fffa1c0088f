// Writes a batch of clicks in one transaction: a worker thread for SQLite, the pool for PostgreSQL.
// Inserts ignore an id already present, so retrying a batch after an unclear failure never duplicates a click.
// The same transaction adds the clicks it actually inserted to their rollup tiers (core/click-rollups.ts: day, week
// and month, at each grain; ADR 0006), in the zone the workspace's rollups are built in; a workspace whose rollups are
// not built yet is left to its rebuild.
import type { DialectKind, Store } from '../../db/dialect/index.js';
import type { ClickWriter } from './batch.js';
import { postgresClickWriter } from './postgres.js';
import { sqliteClickWriter } from './sqlite.js';

export type { ClickRow, ClickWriter } from './batch.js';

const WRITERS: Record<DialectKind, (store: Store) => ClickWriter> = {
  sqlite: (store) => sqliteClickWriter(store),
  postgres: postgresClickWriter,
};

export function openClickWriter(store: Store): ClickWriter {
  return WRITERS[store.dialect.name](store);
}
