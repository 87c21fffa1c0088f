import { sql, type Kysely } from 'kysely';

// Leak alerts (SPEC §5, ADR 0009-leak-alerts): what the detection job raised, with its evidence and what people did.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('leak_alerts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('code_id', 'text', (c) => c.notNull())
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text')
    .addColumn('code', 'text', (c) => c.notNull())
    .addColumn('rule', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('resolution', 'text')
    .addColumn('evidence', 'text', (c) => c.notNull())
    .addColumn('last24h', 'bigint', (c) => c.notNull())
    .addColumn('reference_count', 'bigint')
    .addColumn('raised_at', 'bigint', (c) => c.notNull())
    .addColumn('last_fired_at', 'bigint', (c) => c.notNull())
    .addColumn('acknowledged_at', 'bigint')
    .addColumn('acknowledged_by', 'text')
    .addColumn('resolved_at', 'bigint')
    .addColumn('resolved_by', 'text')
    .addColumn('new_code_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // One live (open or acknowledged) alert per code and rule, whatever number of instances run the job at once: the
  // job inserts with ON CONFLICT against this partial index. The predicate is a literal so PostgreSQL can infer it.
  await db.schema
    .createIndex('leak_alerts_live')
    .on('leak_alerts')
    .unique()
    .columns(['workspace_id', 'code_id', 'rule'])
    .where(sql.raw<boolean>(`status <> 'resolved'`))
    .execute();
  await db.schema.createIndex('leak_alerts_workspace').on('leak_alerts').columns(['workspace_id', 'id']).execute();
  await db.schema
    .createIndex('leak_alerts_code')
    .on('leak_alerts')
    .columns(['workspace_id', 'code_id', 'rule', 'id'])
    .execute();
  // Per-code daily redemption counts read the conversions of one code string by time. 0007-rollups creates the same
  // index for reports; created here too (if missing) so leak detection never depends on another feature's migration.
  await db.schema
    .createIndex('conversions_workspace_code')
    .ifNotExists()
    .on('conversions')
    .columns(['workspace_id', 'code', 'occurred_at'])
    .execute();
}
