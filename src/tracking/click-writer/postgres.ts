// The PostgreSQL click writer: one statement per batch on the pool, the clicks and every rollup tier together.
import { sql } from 'kysely';
import { CLICK_MEASURES, CLICK_TIERS, clickTierColumns, sourceTier, type ClickTier } from '../../core/click-rollups.js';
import type { Store } from '../../db/dialect/index.js';
import { clickTierSums, lockRollup, rollupZones } from '../../db/rollups.js';
import { COLUMNS, rollupDays, type ClickRow, type ClickWriter } from './batch.js';

/** PostgreSQL column types, for the array parameters of the batch insert. */
const PG_TYPES: Record<keyof ClickRow, string> = {
  id: 'text',
  workspace_id: 'text',
  link_id: 'text',
  offer_id: 'text',
  member_id: 'text',
  created_at: 'bigint',
  tracked: 'int',
  ip_hash: 'text',
  ip_truncated: 'text',
  user_agent: 'text',
  referrer_host: 'text',
  country: 'text',
  device: 'text',
  is_bot: 'int',
  bot_reason: 'text',
  is_unique: 'int',
  sub1: 'text',
  sub2: 'text',
  sub3: 'text',
  sub4: 'text',
  sub5: 'text',
};

export function postgresClickWriter(store: Store): ClickWriter {
  // One array parameter per column (insert … select from unnest): a 1,000-click batch is one short statement with
  // 22 parameters, instead of 21,000 placeholders the query builder would compile on the event loop. Only the rows
  // the insert returns (not already present) reach the rollup.
  const columns = sql.join(COLUMNS.map((c) => sql.ref(c)));
  const aliases = sql.raw([...COLUMNS, 'day'].join(', '));
  const tiers = tierStatements(store);
  return {
    async write(rows) {
      const ids = [...new Set(rows.map((r) => r.workspace_id))].sort();
      await store.db.transaction().execute(async (tx) => {
        for (const id of ids) await lockRollup(tx, id, 'shared');
        const days = rollupDays(rows, await rollupZones(tx, ids));
        const arrays = [
          ...COLUMNS.map((c) => sql`${rows.map((r) => r[c])}::${sql.raw(PG_TYPES[c])}[]`),
          sql`${days}::text[]`,
        ];
        await sql`
          with input as (select * from unnest(${sql.join(arrays)}) as t(${aliases})),
          inserted as (insert into clicks (${columns}) select ${columns} from input on conflict (id) do nothing returning id),
          ${tiers.common}
          ${tiers.last}`.execute(tx);
      });
    },
    async close() {},
  };
}

const refs = (columns: readonly string[]) => sql.join(columns.map((c) => sql.ref(c)));

/**
 * The rollup part of the batch statement: each tier's rows of the batch as t0, t1, … (core/click-rollups.ts; t0 counts
 * the clicks inserted, the others sum their source tier's), then an upsert of each (the last one the statement's main
 * query). Upserts run in key order, so two batches touching the same rows lock them in the same order.
 */
function tierStatements(store: Store) {
  const [first, ...coarser] = CLICK_TIERS;
  const cte = (tier: ClickTier) => sql.table(`t${CLICK_TIERS.indexOf(tier)}`);
  const key = first!.key.map((c) => sql.ref(`i.${c}`));
  const counted = sql`
    select ${sql.join([
      sql`i.workspace_id`,
      sql`i.day`,
      ...key,
      ...first!.carried.map((c) => sql`coalesce(min(${sql.ref(`i.${c}`)}), '') as ${sql.ref(c)}`),
      sql`count(*) as clicks`,
      sql`sum(i.is_unique) as unique_clicks`,
    ])}
    from input i join inserted using (id)
    where i.day is not null and i.tracked = 1 and i.is_bot = 0
    group by ${sql.join([sql`i.workspace_id`, sql`i.day`, ...key])}`;
  const rows = [
    sql`${cte(first!)} as (${counted})`,
    ...coarser.map(
      (tier) =>
        sql`${cte(tier)} as (${sql.join(clickTierSums(store.dialect, tier, cte(sourceTier(tier))), sql` union all `)})`,
    ),
  ];
  const upsert = (tier: ClickTier) => {
    const all = clickTierColumns(tier);
    const conflict = refs(all.slice(0, 2 + tier.key.length));
    const add = CLICK_MEASURES.map(
      (m) => sql`${sql.ref(m)} = ${sql.table(tier.table)}.${sql.ref(m)} + excluded.${sql.ref(m)}`,
    );
    return sql`insert into ${sql.table(tier.table)} (${refs(all)}) select ${refs(all)} from ${cte(tier)}
      order by ${conflict} on conflict (${conflict}) do update set ${sql.join(add)}`;
  };
  const upserts = CLICK_TIERS.map(upsert);
  const last = upserts.pop()!;
  return { common: sql.join([...rows, ...upserts.map((u, i) => sql`${sql.raw(`w${i}`)} as (${u})`)]), last };
}
