// The PostgreSQL click writer: one statement per batch on the pool, the clicks and every rollup tier together.
import { sql, type Transaction } from 'kysely';
import { CLICK_MEASURES, CLICK_TIERS, clickTierColumns, sourceTier, type ClickTier } from '../../core/click-rollups.js';
import { periodsOfDay } from '../../core/time-buckets.js';
import type { Store } from '../../db/dialect/index.js';
import type { Database } from '../../db/schema.js';
import { clickTierSums, landSubIds, lockRollup, rollupZones, subIdKey } from '../../db/rollups.js';
import { COLUMNS, rollupDays, type ClickRow, type ClickWriter } from './batch.js';

/** PostgreSQL column types, for the record the batch's JSON parameter is read as. */
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
  // The batch is two JSON parameters, its rows and their days, read back as records (json_to_recordset): one
  // JSON.stringify, native, where an array parameter per column had the driver escape every value into an array
  // literal on the event loop (about half of the writer's CPU per click), and 21,000 placeholders would have been
  // compiled by the query builder. Only the rows the insert returns (not already present) reach the rollup.
  const columns = sql.join(COLUMNS.map((c) => sql.ref(c)));
  const aliases = sql.raw([...COLUMNS, 'day'].join(', '));
  const record = sql.raw(COLUMNS.map((c) => `${c} ${PG_TYPES[c]}`).join(', '));
  const tiers = tierStatements(store);
  return {
    // Each batch adds to its rollup rows in its own statement: nothing is held.
    async settle() {},
    async write(rows) {
      const ids = [...new Set(rows.map((r) => r.workspace_id))].sort();
      await store.db.transaction().execute(async (tx) => {
        for (const id of ids) await lockRollup(tx, id, 'shared');
        const days = rollupDays(rows, await rollupZones(tx, ids));
        const { rows: counted } = await sql<SubIdClicks>`
          with input as (select * from rows from (json_to_recordset(${JSON.stringify(rows)}::json) as (${record}),
            json_array_elements_text(${JSON.stringify(days)}::json)) as t(${aliases})),
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
 * admitted, or "(other)" past its link's cap); addRows writes in key order like the other upserts.
 */
async function addSubIdClicks(tx: Transaction<Database>, counted: readonly SubIdClicks[]): Promise<void> {
  type Row = { workspace_id: string; link_id: string; offer_id: string; member_id: string; sub_id: string };
  const byDay = new Map<string, Row & { day: string; clicks: number; unique_clicks: number }>();
  for (const workspaceId of [...new Set(counted.map((r) => r.workspace_id))].sort()) {
    const mine = counted.filter((r) => r.workspace_id === workspaceId);
    const landed = await landSubIds(
      tx,
      workspaceId,
      mine.map((r) => ({ linkId: r.link_id, subId: r.sub1 })),
    );
    for (const r of mine) {
      const sub = r.sub1 ? landed.get(subIdKey(r.link_id, r.sub1))! : '';
      const key = r.workspace_id + '\u0000' + r.day + '\u0000' + r.link_id + '\u0000' + sub;
      const into = byDay.get(key);
      if (into) {
        into.clicks += Number(r.clicks);
        into.unique_clicks += Number(r.unique_clicks);
      } else
        byDay.set(key, {
          workspace_id: r.workspace_id,
          day: r.day,
          link_id: r.link_id,
          sub_id: sub,
          offer_id: r.offer_id,
          member_id: r.member_id,
          clicks: Number(r.clicks),
          unique_clicks: Number(r.unique_clicks),
        });
    }
  }
  // And per week and month of those days, offer, member and landed sub-id (no link).
  const periodsOf = new Map<string, readonly string[]>();
  const byPeriod = new Map<string, Omit<Row, 'link_id'> & { period: string; clicks: number; unique_clicks: number }>();
  for (const r of byDay.values()) {
    let periods = periodsOf.get(r.day);
    if (!periods) periodsOf.set(r.day, (periods = periodsOfDay(r.day)));
    for (const period of periods) {
      const key =
        r.workspace_id + '\u0000' + period + '\u0000' + r.offer_id + '\u0000' + r.member_id + '\u0000' + r.sub_id;
      const into = byPeriod.get(key);
      if (into) {
        into.clicks += r.clicks;
        into.unique_clicks += r.unique_clicks;
      } else
        byPeriod.set(key, {
          workspace_id: r.workspace_id,
          period,
          offer_id: r.offer_id,
          member_id: r.member_id,
          sub_id: r.sub_id,
          clicks: r.clicks,
          unique_clicks: r.unique_clicks,
        });
    }
  }
  await addRows(tx, 'rollup_clicks_sub', SUB_DAY, [...byDay.values()]);
  await addRows(tx, 'rollup_clicks_sub_period', SUB_PERIOD, [...byPeriod.values()]);
}

/** A sub-id tier: its columns and their types, the key's first (keyWidth of them), the two measures last. */
interface SubIdTier {
  columns: readonly (readonly [name: string, type: string])[];
  keyWidth: number;
}
const SUB_DAY: SubIdTier = {
  columns: [
    ['workspace_id', 'text'],
    ['day', 'text'],
    ['link_id', 'text'],
    ['sub_id', 'text'],
    ['offer_id', 'text'],
    ['member_id', 'text'],
    ['clicks', 'bigint'],
    ['unique_clicks', 'bigint'],
  ],
  keyWidth: 4,
};
const SUB_PERIOD: SubIdTier = {
  columns: [
    ['workspace_id', 'text'],
    ['period', 'text'],
    ['offer_id', 'text'],
    ['member_id', 'text'],
    ['sub_id', 'text'],
    ['clicks', 'bigint'],
    ['unique_clicks', 'bigint'],
  ],
  keyWidth: 5,
};

/**
 * Adds `rows` to a rollup table's rows in one statement whose rows are one JSON parameter, in key order (so two
 * batches touching the same rows lock them in the same order).
 */
async function addRows(
  tx: Transaction<Database>,
  table: string,
  tier: SubIdTier,
  rows: readonly Record<string, unknown>[],
): Promise<void> {
  if (!rows.length) return;
  const names = tier.columns.map(([name]) => name);
  const key = refs(names.slice(0, tier.keyWidth));
  const record = sql.raw(tier.columns.map(([name, type]) => `${name} ${type}`).join(', '));
  const add = CLICK_MEASURES.map(
    (m) => sql`${sql.ref(m)} = ${sql.table(table)}.${sql.ref(m)} + excluded.${sql.ref(m)}`,
  );
  await sql`insert into ${sql.table(table)} (${refs(names)})
    select ${refs(names)} from json_to_recordset(${JSON.stringify(rows)}::json) as (${record})
    order by ${key} on conflict (${key}) do update set ${sql.join(add)}`.execute(tx);
}
