import { sql, type Kysely } from 'kysely';

// Written with the schema builder only, so one file serves SQLite and PostgreSQL alike.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('workspaces')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('click_tag', 'text', (c) => c.notNull().unique())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('postback_secret', 'text', (c) => c.notNull())
    .addColumn('ip_hash_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('last_used_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_workspace').on('api_keys').column('workspace_id').execute();

  await db.schema
    .createTable('offers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('image_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('destination_url', 'text', (c) => c.notNull())
    .addColumn('conversion_type', 'text', (c) => c.notNull())
    .addColumn('tracking_methods', 'text', (c) => c.notNull())
    .addColumn('attribution_rule', 'text', (c) => c.notNull())
    .addColumn('split_code_share_bps', 'integer', (c) => c.notNull())
    .addColumn('cookie_window_days', 'integer', (c) => c.notNull())
    .addColumn('hold_days', 'integer', (c) => c.notNull())
    .addColumn('ends_at', 'bigint')
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('utm', 'text', (c) => c.notNull())
    .addColumn('deep_links', 'text', (c) => c.notNull())
    .addColumn('code_append', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('offers_workspace').on('offers').columns(['workspace_id', 'id']).execute();

  await db.schema
    .createTable('payout_options')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('offer_id', 'text', (c) => c.notNull().references('offers.id'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'bigint', (c) => c.notNull())
    .addColumn('tiers', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('archived_at', 'bigint')
    .execute();
  await db.schema.createIndex('payout_options_offer').on('payout_options').column('offer_id').execute();

  await db.schema
    .createTable('members')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('instagram', 'text')
    .addColumn('tiktok', 'text')
    .addColumn('youtube', 'text')
    .addColumn('reach', 'bigint')
    .addColumn('project', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('external_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('members_workspace').on('members').columns(['workspace_id', 'id']).execute();
  // Emails compare case-insensitively; both engines support unique expression indexes.
  await db.schema
    .createIndex('members_email_unique')
    .on('members')
    .unique()
    .expression(sql`workspace_id, lower(email)`)
    .execute();
  await db.schema
    .createIndex('members_external_id_unique')
    .on('members')
    .unique()
    .columns(['workspace_id', 'external_id'])
    .execute();

  await db.schema
    .createTable('offer_members')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('offer_id', 'text', (c) => c.notNull().references('offers.id'))
    .addColumn('member_id', 'text', (c) => c.notNull().references('members.id'))
    .addColumn('payout_option_id', 'text', (c) => c.notNull().references('payout_options.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('offer_members_pk', ['offer_id', 'member_id'])
    .execute();
  await db.schema.createIndex('offer_members_member').on('offer_members').column('member_id').execute();

  await db.schema
    .createTable('links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('offer_id', 'text', (c) => c.notNull().references('offers.id'))
    .addColumn('member_id', 'text', (c) => c.references('members.id'))
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('deep_link_url', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .execute();
  // Slugs are global (the tracking URL carries no workspace) and case-insensitive, so /Marie and /marie are one link.
  await db.schema
    .createIndex('links_slug_unique')
    .on('links')
    .unique()
    .expression(sql`lower(slug)`)
    .execute();
  await db.schema.createIndex('links_offer').on('links').columns(['workspace_id', 'offer_id']).execute();
  await db.schema.createIndex('links_member').on('links').columns(['workspace_id', 'member_id']).execute();

  await db.schema
    .createTable('promo_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('offer_id', 'text', (c) => c.notNull().references('offers.id'))
    .addColumn('member_id', 'text', (c) => c.references('members.id'))
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('code_normalized', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('disabled_at', 'bigint')
    .execute();
  // Unique among active codes only: a disabled code's string may be issued again later.
  await db.schema
    .createIndex('promo_codes_active_unique')
    .on('promo_codes')
    .unique()
    .columns(['workspace_id', 'code_normalized'])
    .where(sql.ref('status'), '=', 'active')
    .execute();
  await db.schema.createIndex('promo_codes_offer').on('promo_codes').columns(['workspace_id', 'offer_id']).execute();
  await db.schema.createIndex('promo_codes_member').on('promo_codes').columns(['workspace_id', 'member_id']).execute();

  await db.schema
    .createTable('clicks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('link_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('tracked', 'integer', (c) => c.notNull())
    .addColumn('ip_hash', 'text', (c) => c.notNull())
    .addColumn('ip_truncated', 'text', (c) => c.notNull())
    .addColumn('user_agent', 'text', (c) => c.notNull())
    .addColumn('referrer_host', 'text')
    .addColumn('country', 'text')
    .addColumn('device', 'text', (c) => c.notNull())
    .addColumn('is_bot', 'integer', (c) => c.notNull())
    .addColumn('bot_reason', 'text')
    .addColumn('is_unique', 'integer', (c) => c.notNull())
    .addColumn('sub1', 'text')
    .addColumn('sub2', 'text')
    .addColumn('sub3', 'text')
    .addColumn('sub4', 'text')
    .addColumn('sub5', 'text')
    .execute();
  // Each index is paid on every click insert: only the per-link one is kept here; reports read rollups.
  await db.schema.createIndex('clicks_link_time').on('clicks').columns(['link_id', 'created_at']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('entity', 'text', (c) => c.notNull())
    .addColumn('entity_id', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['workspace_id', 'entity_id']).execute();
}
