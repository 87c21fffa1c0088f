import { PostgresAdapter, sql, type Kysely } from 'kysely';

// Volume tiers count the member's non-reversed commissions on the offer in the calendar month of the order (SPEC,
// ADR 0005). Counting them on every order read each of the member's rows of the month, so a busy member's orders got
// slower as the month went on (docs/benchmarks.md, "One hot creator"). commission_month_counts holds that count per
// (offer, member, month), kept by triggers on commissions in the writing transaction: an insert or delete, a status
// change to or from `reversed`, and a re-decision that moves a commission to another offer, member or month
// (ADR 0011, "Volume-tier counters").
// - SQLite (one writer): the triggers update the counter row itself.
// - PostgreSQL: the triggers only insert a +1/-1 into commission_month_deltas, which never waits. Were they to update
//   the counter row, every write of a commission would lock its member's row until the commit, in whatever order a
//   transaction writes its commissions (two split orders of the same two members, a refund against a re-decision),
//   and such transactions could wait on each other in a cycle. Only a tiered decision locks the counter row (as the
//   advisory lock did before), and folds the deltas into it while it holds it (db/conversions.ts takeMonthCount).
// Backfilled from the commissions as they are.
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('commission_month_counts')
    .addColumn('offer_id', 'text', (c) => c.notNull())
    .addColumn('member_id', 'text', (c) => c.notNull())
    .addColumn('month_key', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('counted', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('commission_month_counts_pk', ['offer_id', 'member_id', 'month_key'])
    .$call((t) => (postgres ? t : t.modifyEnd(sql`without rowid`)))
    .execute();
  await db.schema
    .createIndex('commission_month_counts_workspace')
    .on('commission_month_counts')
    .columns(['workspace_id'])
    .execute();

  // Only a change of what is counted, or of where, touches the counter: approving or paying a commission does not.
  const moved = (o: string, n: string) =>
    `(${o}.status = 'reversed') <> (${n}.status = 'reversed') or ${o}.offer_id <> ${n}.offer_id or ` +
    `${o}.member_id <> ${n}.member_id or ${o}.month_key <> ${n}.month_key`;
  if (postgres) {
    await db.schema
      .createTable('commission_month_deltas')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('offer_id', 'text', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull())
      .addColumn('month_key', 'text', (c) => c.notNull())
      .addColumn('workspace_id', 'text', (c) => c.notNull())
      .addColumn('delta', 'integer', (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('commission_month_deltas_key')
      .on('commission_month_deltas')
      .columns(['offer_id', 'member_id', 'month_key'])
      .execute();
    const delta = (r: string, n: number) =>
      `insert into commission_month_deltas (offer_id, member_id, month_key, workspace_id, delta) ` +
      `values (${r}.offer_id, ${r}.member_id, ${r}.month_key, ${r}.workspace_id, ${n})`;
    await sql`${sql.raw(`
      create function commission_month_count() returns trigger language plpgsql as $$
      begin
        if tg_op in ('UPDATE', 'DELETE') and old.status <> 'reversed' then ${delta('old', -1)}; end if;
        if tg_op in ('UPDATE', 'INSERT') and new.status <> 'reversed' then ${delta('new', 1)}; end if;
        return null;
      end $$`)}`.execute(db);
    await sql`create trigger commissions_month_count after insert or delete on commissions for each row execute function commission_month_count()`.execute(
      db,
    );
    await sql`${sql.raw(`create trigger commissions_month_count_update after update of status, offer_id, member_id, month_key on commissions for each row when (${moved('old', 'new')}) execute function commission_month_count()`)}`.execute(
      db,
    );
  } else {
    const add = (r: string, where: string) =>
      `insert into commission_month_counts (offer_id, member_id, month_key, workspace_id, counted) ` +
      `select ${r}.offer_id, ${r}.member_id, ${r}.month_key, ${r}.workspace_id, 1 where ${where} ` +
      `on conflict (offer_id, member_id, month_key) do update set counted = counted + 1`;
    const subtract = (r: string) =>
      `update commission_month_counts set counted = counted - 1 ` +
      `where offer_id = ${r}.offer_id and member_id = ${r}.member_id and month_key = ${r}.month_key`;
    const statements = [
      `create trigger commissions_month_count_insert after insert on commissions when new.status <> 'reversed' begin
        ${add('new', 'true')}; end`,
      `create trigger commissions_month_count_delete after delete on commissions when old.status <> 'reversed' begin
        ${subtract('old')}; end`,
      `create trigger commissions_month_count_update after update of status, offer_id, member_id, month_key on commissions
        when ${moved('old', 'new')} begin
        ${subtract('old')} and old.status <> 'reversed';
        ${add('new', "new.status <> 'reversed'")}; end`,
    ];
    for (const s of statements) await sql`${sql.raw(s)}`.execute(db);
  }
  // After the triggers: on PostgreSQL creating them locked out writers of commissions until this transaction ends.
  await sql`insert into commission_month_counts (offer_id, member_id, month_key, workspace_id, counted)
    select offer_id, member_id, month_key, min(workspace_id), count(*) from commissions where status <> 'reversed'
    group by offer_id, member_id, month_key`.execute(db);
}
