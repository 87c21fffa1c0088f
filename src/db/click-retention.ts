// From when raw clicks are kept (click_retention, migration 0030): written by the partition job before it drops a
// month, read by reports answered from raw rows.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

type Db = Kysely<Database>;

/** Epoch ms of the oldest kept raw click's month, or null when the retention never dropped anything. */
export async function rawClicksKeptFrom(db: Db): Promise<number | null> {
  const row = await db
    .selectFrom('click_retention')
    .select('kept_from')
    .where('scope', '=', 'clicks')
    .executeTakeFirst();
  return row ? Number(row.kept_from) : null;
}

/** Moves the kept-from mark forward (never back: a longer retention set later does not bring dropped clicks back). */
export async function recordRawClicksKeptFrom(db: Db, keptFrom: number): Promise<void> {
  await db
    .insertInto('click_retention')
    .values({ scope: 'clicks', kept_from: keptFrom })
    .onConflict((oc) =>
      oc
        .column('scope')
        .doUpdateSet({ kept_from: (eb) => eb.ref('excluded.kept_from') })
        .where('click_retention.kept_from', '<', (eb) => eb.ref('excluded.kept_from')),
    )
    .execute();
}
