// The PostgreSQL click writer: one transaction per batch on the pool inserts the clicks and writes the batch's rollup
// deltas (click_rollup_deltas); about once a second the instance folds the deltas it wrote into the rollup rows (ADR
// 0006, "Folded click rollups"), and any instance folds deltas left by one that stopped.
import { sql, type Transaction } from 'kysely';
import { CLICK_MEASURES, CLICK_TIERS, clickTierColumns, sourceTier, type ClickTier } from '../../core/click-rollups.js';
import type { Store } from '../../db/dialect/index.js';
import type { Database } from '../../db/schema.js';
import { clickTierSums, landSubIds, lockRollup, periodsOfDaySql, subIdKey } from '../../db/rollups.js';
import { CLICK_ROLLUP_FOLD_MS, COLUMNS, rollupDays, type ClickRow, type ClickWriter } from './batch.js';

/**
 * Deltas older than this were written by an instance that stopped before folding them (it folds its own within
 * about CLICK_ROLLUP_FOLD_MS): any instance's fold takes them.
 */
export const ORPHANED_DELTAS_MS = 30_000;

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

export function postgresClickWriter(store: Store, opts: { foldMs?: number; orphanedMs?: number } = {}): ClickWriter {
  const foldMs = opts.foldMs ?? CLICK_ROLLUP_FOLD_MS;
  const orphanedMs = opts.orphanedMs ?? ORPHANED_DELTAS_MS;
  // The batch is two JSON parameters, its rows and their days, read back as records (json_to_recordset): one
  // JSON.stringify, native, where an array parameter per column had the driver escape every value into an array
  // literal on the event loop (about half of the writer's CPU per click), and 21,000 placeholders would have been
  // compiled by the query builder. Only the rows the insert returns (not already present) are counted.
  const columns = sql.join(COLUMNS.map((c) => sql.ref(c)));
  const aliases = sql.raw([...COLUMNS, 'day'].join(', '));
  const record = sql.raw(COLUMNS.map((c) => `${c} ${PG_TYPES[c]}`).join(', '));
  const foldStatement = foldTiers(store);
  /** Ids of the deltas this writer wrote and has not folded, and when the oldest of them was written. */
  const mine = new Set<number>();
  let mineSince = 0;
  let lastFold = Date.now();
  let folding: Promise<void> | null = null;

  const fold = (): Promise<void> => {
    folding ??= (async () => {
      const taking = [...mine];
      lastFold = Date.now();
      await foldDeltas(store, foldStatement, taking, Date.now() - orphanedMs);
      // Folded here, or by another instance that took them as orphaned (then they are gone too).
      for (const id of taking) mine.delete(id);
      mineSince = mine.size ? Date.now() : 0;
    })().finally(() => (folding = null));
    return folding;
  };
  // A fold that fails (the database unreachable) leaves the deltas where they are, for the next tick or, should this
  // instance stop first, for another instance.
  const timer = setInterval(
    () => {
      const due = mineSince && Date.now() - mineSince >= foldMs;
      if ((due || Date.now() - lastFold >= orphanedMs / 2) && !folding) fold().catch(() => {});
    },
    Math.max(50, foldMs / 4),
  );
  timer.unref();

  return {
    async settle() {
      await folding?.catch(() => {});
      await fold();
    },
    async write(rows) {
      const ids = [...new Set(rows.map((r) => r.workspace_id))].sort();
      const written = await store.db.transaction().execute(async (tx) => {
        // Shared with other batches and folds, exclusive for a rebuild: a rebuild counts this batch or none of it.
        for (const id of ids) await lockRollup(tx, id, 'shared');
        const state = await rollupState(tx, ids);
        const days = rollupDays(rows, new Map([...state].map(([id, s]) => [id, s.zone])));
        const { rows: counted } = await sql<SubIdClicks>`
          with input as (select * from rows from (json_to_recordset(${JSON.stringify(rows)}::json) as (${record}),
            json_array_elements_text(${JSON.stringify(days)}::json)) as t(${aliases})),
          inserted as (insert into clicks (${columns}) select ${columns} from input on conflict (id, created_at) do nothing returning id)
          select i.workspace_id, i.day, i.link_id, coalesce(i.sub1, '') as sub1, coalesce(min(i.offer_id), '') as offer_id,
            coalesce(min(i.member_id), '') as member_id, count(*) as clicks, sum(i.is_unique) as unique_clicks
          from input i join inserted using (id)
          where i.day is not null and i.tracked = 1 and i.is_bot = 0
          group by i.workspace_id, i.day, i.link_id, coalesce(i.sub1, '')`.execute(tx);
        const deltas = await landedDeltas(tx, counted);
        if (!deltas.size) return [];
        const now = Date.now();
        const inserted = await tx
          .insertInto('click_rollup_deltas')
          .values(
            [...deltas].map(([workspaceId, d]) => ({
              workspace_id: workspaceId,
              generation: state.get(workspaceId)!.generation,
              written_at: now,
              deltas: JSON.stringify(d),
            })),
          )
          .returning('id')
          .execute();
        return inserted.map((r) => Number(r.id));
      });
      // Only once committed: a batch that failed and is sent again is folded once.
      for (const id of written) mine.add(id);
      if (written.length && !mineSince) mineSince = Date.now();
    },
    async close() {
      clearInterval(timer);
      try {
        await folding?.catch(() => {});
        await fold();
      } catch {
        // Left for another instance (or this one's next start) as orphaned deltas.
      }
    },
  };
}

/** Each workspace's rollup zone (null: not built) and generation. */
async function rollupState(
  tx: Transaction<Database>,
  ids: readonly string[],
): Promise<Map<string, { zone: string | null; generation: number }>> {
  const rows = await tx
    .selectFrom('workspaces')
    .select(['id', 'rollup_timezone', 'rollup_generation'])
    .where('id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, { zone: r.rollup_timezone, generation: Number(r.rollup_generation) }]));
}

/** A delta: one rollup_clicks_sub row's increase. */
type Delta = [
  day: string,
  linkId: string,
  subId: string,
  offerId: string,
  memberId: string,
  clicks: number,
  unique: number,
];

/**
 * A batch's counted clicks as deltas per workspace, each on the row its sub-id lands in (db/rollups landSubIds:
 * admitted, or "(other)" past its link's cap). Landing is decided here, in the batch's transaction, so a fold only adds.
 */
async function landedDeltas(tx: Transaction<Database>, counted: readonly SubIdClicks[]): Promise<Map<string, Delta[]>> {
  const out = new Map<string, Delta[]>();
  for (const workspaceId of [...new Set(counted.map((r) => r.workspace_id))].sort()) {
    const rows = counted.filter((r) => r.workspace_id === workspaceId);
    const landed = await landSubIds(
      tx,
      workspaceId,
      rows.map((r) => ({ linkId: r.link_id, subId: r.sub1 })),
    );
    const sums = new Map<string, Delta>();
    for (const r of rows) {
      const sub = r.sub1 ? landed.get(subIdKey(r.link_id, r.sub1))! : '';
      const key = r.day + '\u0000' + r.link_id + '\u0000' + sub;
      const into = sums.get(key);
      if (into) {
        into[5] += Number(r.clicks);
        into[6] += Number(r.unique_clicks);
      } else sums.set(key, [r.day, r.link_id, sub, r.offer_id, r.member_id, Number(r.clicks), Number(r.unique_clicks)]);
    }
    out.set(workspaceId, [...sums.values()]);
  }
  return out;
}

/**
 * Folds deltas into the rollup rows and deletes them, in one transaction: those of `ids` (this writer's) and any older
 * than `orphanedBefore`, except deltas another fold holds (skip locked). Deltas of a workspace rebuilt since they were
 * written are dropped: the rebuild counted their clicks from the raw rows.
 */
async function foldDeltas(
  store: Store,
  statement: ReturnType<typeof foldTiers>,
  ids: readonly number[],
  orphanedBefore: number,
): Promise<void> {
  await store.db.transaction().execute(async (tx) => {
    const { rows: taken } = await sql<{ id: string; workspace_id: string; generation: number; deltas: string }>`
      select id, workspace_id, generation, deltas from click_rollup_deltas
      where id = any(${ids.map(String)}::bigint[]) or written_at < ${orphanedBefore}
      order by id for update skip locked`.execute(tx);
    if (!taken.length) return;
    const workspaces = [...new Set(taken.map((t) => t.workspace_id))].sort();
    for (const id of workspaces) await lockRollup(tx, id, 'shared');
    const state = await rollupState(tx, workspaces);
    const sums = new Map<string, Record<string, string | number>>();
    for (const t of taken) {
      if (state.get(t.workspace_id)?.generation !== Number(t.generation)) continue;
      for (const [day, link, sub, offer, member, clicks, unique] of JSON.parse(t.deltas) as Delta[]) {
        const key = t.workspace_id + '\u0000' + day + '\u0000' + link + '\u0000' + sub;
        const into = sums.get(key);
        if (into) {
          (into.clicks as number) += clicks;
          (into.unique_clicks as number) += unique;
        } else
          sums.set(key, {
            workspace_id: t.workspace_id,
            day,
            link_id: link,
            sub_id: sub,
            offer_id: offer,
            member_id: member,
            clicks,
            unique_clicks: unique,
          });
      }
    }
    if (sums.size) await statement(JSON.stringify([...sums.values()])).execute(tx);
    await sql`delete from click_rollup_deltas where id = any(${taken.map((t) => t.id)}::bigint[])`.execute(tx);
  });
}

const refs = (columns: readonly string[]) => sql.join(columns.map((c) => sql.ref(c)));

/**
 * The fold's statement: the summed deltas (rows of rollup_clicks_sub, one JSON parameter) as `base`; each link tier's
 * rows as t0, t1, … (core/click-rollups.ts; t0 sums the base rows per day and link, the others their source tier's);
 * the sub-id tiers from the base rows (per day, link and sub-id; per week and month, offer, member and sub-id); then an
 * upsert of each. Upserts run in key order, so two folds touching the same rows lock them in the same order.
 */
function foldTiers(store: Store) {
  const [first, ...coarser] = CLICK_TIERS;
  const cte = (tier: ClickTier) => sql.table(`t${CLICK_TIERS.indexOf(tier)}`);
  const sums = CLICK_MEASURES.map((m) => sql`sum(${sql.ref(m)}) as ${sql.ref(m)}`);
  const carried = (columns: readonly string[]) =>
    columns.map((c) => sql`coalesce(min(${sql.ref(c)}), '') as ${sql.ref(c)}`);
  const firstKey = refs(['workspace_id', 'day', ...first!.key]);
  const tiers = [
    sql`${cte(first!)} as (select ${firstKey}, ${sql.join(carried(first!.carried))}, ${sql.join(sums)}
      from base group by ${firstKey})`,
    ...coarser.map(
      (tier) =>
        sql`${cte(tier)} as (${sql.join(clickTierSums(store.dialect, tier, cte(sourceTier(tier))), sql` union all `)})`,
    ),
  ];
  const [week, month] = periodsOfDaySql(store.dialect, sql.ref('day'));
  const subPeriod = (period: typeof week) =>
    sql`select workspace_id, ${period} as period, offer_id, member_id, sub_id, ${sql.join(sums)} from base
      group by workspace_id, ${period}, offer_id, member_id, sub_id`;
  const subTiers = [
    sql`sub_day as (select workspace_id, day, link_id, sub_id, ${sql.join(carried(['offer_id', 'member_id']))},
      ${sql.join(sums)} from base group by workspace_id, day, link_id, sub_id)`,
    sql`sub_period as (${subPeriod(week)} union all ${subPeriod(month)})`,
  ];
  const upsert = (table: string, from: ReturnType<typeof sql.table>, all: readonly string[], keyWidth: number) => {
    const conflict = refs(all.slice(0, keyWidth));
    const add = CLICK_MEASURES.map(
      (m) => sql`${sql.ref(m)} = ${sql.table(table)}.${sql.ref(m)} + excluded.${sql.ref(m)}`,
    );
    return sql`insert into ${sql.table(table)} (${refs(all)}) select ${refs(all)} from ${from}
      order by ${conflict} on conflict (${conflict}) do update set ${sql.join(add)}`;
  };
  const upserts = [
    ...CLICK_TIERS.map((tier) => upsert(tier.table, cte(tier), clickTierColumns(tier), 2 + tier.key.length)),
    upsert('rollup_clicks_sub', sql.table('sub_day'), SUB_DAY_COLUMNS, 4),
    upsert('rollup_clicks_sub_period', sql.table('sub_period'), SUB_PERIOD_COLUMNS, 5),
  ];
  return (base: string) => sql`
    with base as (select * from json_to_recordset(${base}::json) as (workspace_id text, day text, link_id text,
      sub_id text, offer_id text, member_id text, clicks bigint, unique_clicks bigint)),
    ${sql.join([...tiers, ...subTiers, ...upserts.map((u, i) => sql`${sql.raw(`w${i}`)} as (${u})`)])}
    select 1`;
}

const SUB_DAY_COLUMNS = ['workspace_id', 'day', 'link_id', 'sub_id', 'offer_id', 'member_id', ...CLICK_MEASURES];
const SUB_PERIOD_COLUMNS = ['workspace_id', 'period', 'offer_id', 'member_id', 'sub_id', ...CLICK_MEASURES];

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
