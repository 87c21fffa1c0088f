// A workspace's exchange rates, as conversions read them (setting and listing them is app/fx-rates.ts).
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';

/** The workspace's rate from one currency to another (a decimal string), or null when it has none. */
export async function fxRate(
  db: Kysely<Database> | Transaction<Database>,
  workspaceId: string,
  from: string,
  to: string,
): Promise<string | null> {
  const row = await db
    .selectFrom('fx_rates')
    .select('rate')
    .where('workspace_id', '=', workspaceId)
    .where('from_currency', '=', from)
    .where('to_currency', '=', to)
    .executeTakeFirst();
  return row?.rate ?? null;
}
