import type { Kysely } from 'kysely';

// An offer's first-party tracking origin (docs/first-party.md): `https://shop.example.com/go`, where the brand's
// reverse proxy forwards to Touchpoint. Null: the offer's links are on BASE_URL, as before.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('offers').addColumn('tracking_origin', 'text').execute();
}
