// The PostgreSQL click writer: one statement per batch on the pool, the clicks and every rollup tier together.
import { sql, type Transaction } from 'kysely';
import { CLICK_MEASURES, CLICK_TIERS, clickTierColumns, sourceTier, type ClickTier } from '../../core/click-rollups.js';
import { periodsOfDay } from '../../core/time-buckets.js';
import type { Store } from '../../db/dialect/index.js';
import type { Database } from '../../db/schema.js';
import { clickTierSums, landSubIds, lockRollup, rollupZones, subIdKey } from '../../db/rollups.js';
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
    // Each batch adds to its rollup rows in its own statement: nothing is held.
    async settle() {},
    async write(rows) {
      const ids = [...new Set(rows.map((r) => r.workspace_id))].sort();
      await store.db.transaction().execute(async (tx) => {
        for (const id of ids) await lockRollup(tx, id, 'shared');
        const days = rollupDays(rows, await rollupZones(tx, ids));
        const arrays = [
          ...COLUMNS.map((c) => sql`${rows.map((r) => r[c])}::${sql.raw(PG_TYPES[c])}[]`),
          sql`${days}::text[]`,
        ];
        const { rows: counted } = await sql<SubIdClicks>`
          with input as (select * from unnest(${sql.join(arrays)}) as t(${aliases})),
          inserted as (insert into clicks (${columns}) select ${columns} from input on conflict (id, created_at) do nothing returning id),
          ${tiers.common}
          ${tiers.bySubId}`.execute(tx);
        await addSubIdClicks(tx, counted);
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
  // The statement's main query: the counted clicks per day, link and raw sub-id, for the sub-id rollup (addSubIdClicks).
  const bySubId = sql`
    select i.workspace_id, i.day, i.link_id, coalesce(i.sub1, '') as sub1, coalesce(min(i.offer_id), '') as offer_id,
      coalesce(min(i.member_id), '') as member_id, count(*) as clicks, sum(i.is_unique) as unique_clicks
    from input i join inserted using (id)
    where i.day is not null and i.tracked = 1 and i.is_bot = 0
    group by i.workspace_id, i.day, i.link_id, coalesce(i.sub1, '')`;
  return { common: sql.join([...rows, ...upserts.map((u, i) => sql`${sql.raw(`w${i}`)} as (${u})`)]), bySubId };
}

interface SubIdClicks {
  workspace_id: string;
  day: string;
  link_id: string;
  sub1: string;
  offer_id: string;
  member_id: string;
  clicks: number | string;
  unique_clicks: number | string;
}

/**
 * Adds a batch's counted clicks to the sub-id rollup, each on the row its sub-id lands in (db/rollups landSubIds:
 * admitted, or "(other)" past its link's cap), in key order like the other upserts.
 */
async function addSubIdClicks(tx: Transaction<Database>, counted: readonly SubIdClicks[]): Promise<void> {
  const sums = new Map<string, SubIdClicks & { sub_id: string }>();
  for (const workspaceId of [...new Set(counted.map((r) => r.workspace_id))].sort()) {
    const mine = counted.filter((r) => r.workspace_id === workspaceId);
    const landed = await landSubIds(
      tx,
      workspaceId,
      mine.map((r) => ({ linkId: r.link_id, subId: r.sub1 })),
    );
    for (const r of mine) {
      const sub = r.sub1 ? landed.get(subIdKey(r.link_id, r.sub1))! : '';
      const key = [r.workspace_id, r.day, r.link_id, sub].join('\u0000');
      const into = sums.get(key);
      if (into) {
        into.clicks = Number(into.clicks) + Number(r.clicks);
        into.unique_clicks = Number(into.unique_clicks) + Number(r.unique_clicks);
      } else sums.set(key, { ...r, sub_id: sub, clicks: Number(r.clicks), unique_clicks: Number(r.unique_clicks) });
    }
  }
  const rows = [...sums.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => ({
      workspace_id: r.workspace_id,
      day: r.day,
      link_id: r.link_id,
      sub_id: r.sub_id,
      offer_id: r.offer_id,
      member_id: r.member_id,
      clicks: Number(r.clicks),
      unique_clicks: Number(r.unique_clicks),
    }));
  // And per week and month of those days, offer, member and landed sub-id (no link), after the day rows, in key order.
  const periodRows = rows.flatMap((r) =>
    periodsOfDay(r.day).map((period) => ({
      workspace_id: r.workspace_id,
      period,
      offer_id: r.offer_id,
      member_id: r.member_id,
      sub_id: r.sub_id,
      clicks: r.clicks,
      unique_clicks: r.unique_clicks,
    })),
  );
  const periodSums = new Map<string, (typeof periodRows)[number]>();
  for (const r of periodRows) {
    const key = [r.workspace_id, r.period, r.offer_id, r.member_id, r.sub_id].join('\u0000');
    const into = periodSums.get(key);
    if (into) {
      into.clicks += r.clicks;
      into.unique_clicks += r.unique_clicks;
    } else periodSums.set(key, { ...r });
  }
  const byPeriod = [...periodSums.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
  for (let i = 0; i < rows.length; i += 500) {
    await tx
      .insertInto('rollup_clicks_sub')
      .values(rows.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'day', 'link_id', 'sub_id']).doUpdateSet({
          clicks: sql`rollup_clicks_sub.clicks + excluded.clicks`,
          unique_clicks: sql`rollup_clicks_sub.unique_clicks + excluded.unique_clicks`,
        }),
      )
      .execute();
  }
  for (let i = 0; i < byPeriod.length; i += 500) {
    await tx
      .insertInto('rollup_clicks_sub_period')
      .values(byPeriod.slice(i, i + 500))
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'period', 'offer_id', 'member_id', 'sub_id']).doUpdateSet({
          clicks: sql`rollup_clicks_sub_period.clicks + excluded.clicks`,
          unique_clicks: sql`rollup_clicks_sub_period.unique_clicks + excluded.unique_clicks`,
        }),
      )
      .execute();
  }
}
