import { PostgresAdapter, sql, type Kysely } from 'kysely';

// A volume-tier decision on PostgreSQL locks its member's counter row and folds the deltas the commission triggers
// wrote since (0031, db/conversions.ts takeMonthCount). That was two or three statements — lock (creating the row on a
// month's first order), then fold — each a round trip, and the row stays locked from the first of them to the commit:
// a hot creator's orders wait on each other for every round trip in between. One function call does the same in one
// round trip. The fold must stay a statement of its own after the lock: in READ COMMITTED each statement of a
// (volatile) function takes a new snapshot, so the fold sees every delta committed by whoever held the lock before;
// one statement doing both would read the deltas with a snapshot taken before it waited. SQLite (one writer) reads
// the counter row as it is, so it has no function.
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`${sql.raw(`
    create function take_month_count(p_offer text, p_member text, p_month text, p_workspace text) returns bigint
    language plpgsql volatile as $$
    declare
      c bigint;
    begin
      perform 1 from commission_month_counts
        where offer_id = p_offer and member_id = p_member and month_key = p_month for update;
      if not found then
        insert into commission_month_counts (offer_id, member_id, month_key, workspace_id, counted)
          values (p_offer, p_member, p_month, p_workspace, 0)
          on conflict (offer_id, member_id, month_key) do nothing;
        perform 1 from commission_month_counts
          where offer_id = p_offer and member_id = p_member and month_key = p_month for update;
      end if;
      with d as (
        delete from commission_month_deltas
          where offer_id = p_offer and member_id = p_member and month_key = p_month
          returning delta
      )
      update commission_month_counts set counted = counted + coalesce((select sum(delta) from d), 0)
        where offer_id = p_offer and member_id = p_member and month_key = p_month
        returning counted into c;
      return c;
    end $$`)}`.execute(db);
}
