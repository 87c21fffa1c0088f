import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { newId, randomBase62 } from '../core/ids.js';
import type { Database, WorkspaceTable } from './schema.js';

export type Workspace = Selectable<WorkspaceTable>;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export async function insertWorkspace(
  db: Kysely<Database>,
  args: { name: string; timezone?: string; currency?: string; clickTag: string; now: number },
): Promise<Workspace> {
  const row: Workspace = {
    id: newId('ws', args.now),
    name: args.name,
    click_tag: args.clickTag,
    timezone: args.timezone ?? 'UTC',
    currency: args.currency ?? 'USD',
    postback_secret: randomBase62(32),
    ip_hash_key: randomBytes(32).toString('hex'),
    created_at: args.now,
    shopify_webhook_secret: null,
    woocommerce_webhook_secret: null,
    stripe_webhook_secret: null,
    min_payout_minor: 0,
    default_hold_days: 30,
    // A new workspace has no rows to roll up: its (empty) rollups are already in its zone.
    rollup_timezone: args.timezone ?? 'UTC',
    rollup_generation: 0,
  };
  // Columns later migrations added with a default are left to it, so the same insert also writes a workspace on a
  // database of an earlier version (the migration tests build their "before" state with it).
  const {
    default_hold_days: _defaultHold,
    woocommerce_webhook_secret: _woo,
    stripe_webhook_secret: _stripe,
    rollup_generation: _generation,
    ...written
  } = row;
  await db.insertInto('workspaces').values(written).execute();
  return row;
}

export async function findWorkspace(db: Kysely<Database>, id: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listWorkspaces(db: Kysely<Database>): Promise<Workspace[]> {
  return db.selectFrom('workspaces').selectAll().orderBy('id').execute();
}

export async function updateWorkspace(
  db: Kysely<Database>,
  id: string,
  patch: Partial<
    Pick<
      Workspace,
      | 'name'
      | 'timezone'
      | 'currency'
      | 'postback_secret'
      | 'shopify_webhook_secret'
      | 'woocommerce_webhook_secret'
      | 'stripe_webhook_secret'
      | 'default_hold_days'
    >
  >,
): Promise<void> {
  await db.updateTable('workspaces').set(patch).where('id', '=', id).execute();
}

/** Creates a key and returns it in clear once; only its hash is stored. */
export async function insertApiKey(
  db: Kysely<Database>,
  args: { workspaceId: string; name: string; now: number },
): Promise<{ id: string; key: string; prefix: string }> {
  const key = `tpk_${randomBase62(40)}`;
  const id = newId('key', args.now);
  const prefix = key.slice(0, 10);
  await db
    .insertInto('api_keys')
    .values({
      id,
      workspace_id: args.workspaceId,
      name: args.name,
      prefix,
      key_hash: hashApiKey(key),
      created_at: args.now,
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  return { id, key, prefix };
}

export async function findActiveApiKey(db: Kysely<Database>, key: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'workspace_id', 'last_used_at'])
    .where('key_hash', '=', hashApiKey(key))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
}

export async function touchApiKey(db: Kysely<Database>, id: string, now: number): Promise<void> {
  await db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', id).execute();
}

export async function listApiKeys(db: Kysely<Database>, workspaceId: string) {
  return db
    .selectFrom('api_keys')
    .select(['id', 'name', 'prefix', 'created_at', 'last_used_at', 'revoked_at'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('id')
    .execute();
}

export async function revokeApiKey(
  db: Kysely<Database>,
  workspaceId: string,
  id: string,
  now: number,
): Promise<boolean> {
  const r = await db
    .updateTable('api_keys')
    .set({ revoked_at: now })
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function findWorkspaceBySecret(db: Kysely<Database>, secret: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('postback_secret', '=', secret).executeTakeFirst();
}

export async function findWorkspaceByClickTag(db: Kysely<Database>, tag: string): Promise<Workspace | undefined> {
  return db.selectFrom('workspaces').selectAll().where('click_tag', '=', tag).executeTakeFirst();
}

/** The workspace an offer id belongs to (the pixel names only its offer). */
export async function findWorkspaceByOffer(
  db: Kysely<Database>,
  offerId: string,
): Promise<(Workspace & { offer_currency: string }) | undefined> {
  return db
    .selectFrom('offers')
    .innerJoin('workspaces', 'workspaces.id', 'offers.workspace_id')
    .selectAll('workspaces')
    .select('offers.currency as offer_currency')
    .where('offers.id', '=', offerId)
    .executeTakeFirst();
}
