// Rollup tables (ADR 0006): reads and writes only; what goes in them is decided in app/rollups.ts and core/report-facts.ts.
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import {
  admitSubIds,
  CLICK_MEASURES,
  CLICK_TIERS,
  clickTierColumns,
  sourceTier,
  SUB_ID_CAP,
  SUB_ID_OTHER,
  type ClickTier,
} from '../core/click-rollups.js';
import {
  LINE_MEASURES,
  type CreditLine,
  type DayLines,
  type ReportCommission,
  type ReportConversion,
  type RollupDelta,
} from '../core/report-facts.js';
import { parseClickId } from '../core/click-id.js';
import { CLICK_TIME_SLACK_MS } from '../core/click-retention.js';
import type { DataSpan } from '../core/time-buckets.js';
import { dialectOf, type Dialect } from './dialect/index.js';
import type { Database, RollupConversionsTable } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/**
 * Advisory locks keyed by text (PostgreSQL; see the dialect's lockForTransaction), held to the end of the transaction. A click batch holds its workspaces'
 * lock shared; a rebuild holds it exclusive, so no batch lands between a rebuild's snapshot and its commit; a day's
 * recompute holds the day's lock exclusive, so two instances never interleave a delete and an insert of one day.
 * SQLite needs none: it has one writer at a time.
 */
export async function lockRollup(db: Db, key: string, mode: 'shared' | 'exclusive'): Promise<void> {
  await dialectOf(db).lockForTransaction(db, rollupLockKey(key), mode);
}

/** The key of a workspace's rollup lock (lockRollup), also taken for a whole rebuild (app/rollups.ts). */
export function rollupLockKey(key: string): string {
  return 'rollup:' + key;
}

export async function rollupZones(db: Db, workspaceIds: string[]): Promise<Map<string, string | null>> {
  if (!workspaceIds.length) return new Map();
  const rows = await db
    .selectFrom('workspaces')
    .select(['id', 'rollup_timezone'])
    .where('id', 'in', workspaceIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.rollup_timezone]));
}

export interface DirtyMark {
  id: number;
  workspaceId: string;
  conversionId: string;
}

/** Marks of workspaces whose rollups are built; a workspace waiting for its first build keeps its marks. */
export async function readDirty(db: Db, limit: number, workspaceId?: string): Promise<DirtyMark[]> {
  let q = db
    .selectFrom('rollup_dirty as d')
    .innerJoin('workspaces as w', 'w.id', 'd.workspace_id')
    .select(['d.id', 'd.workspace_id', 'd.conversion_id'])
    .where('w.rollup_timezone', 'is not', null)
    .orderBy('d.id')
    .limit(limit);
  if (workspaceId) q = q.where('d.workspace_id', '=', workspaceId);
  const rows = await q.execute();
  return rows.map((r) => ({ id: Number(r.id), workspaceId: r.workspace_id, conversionId: r.conversion_id }));
}

export async function deleteDirty(db: Db, ids: number[]): Promise<void> {
  for (const chunk of chunks(ids, 1_000)) await db.deleteFrom('rollup_dirty').where('id', 'in', chunk).execute();
}

export interface ConversionForReport extends ReportConversion {
  id: string;
  occurredAt: number;
  clickId: string | null;
  commissions: ReportCommission[];
}

type ConversionScope = { startMs: number; endMs: number } | { ids: readonly string[] };

/** A workspace's non-test conversions with their commissions: those of [startMs, endMs), or those of the ids. */
async function conversionsFor(db: Db, workspaceId: string, scope: ConversionScope): Promise<ConversionForReport[]> {
  const rows = await db
    .selectFrom('conversions')
    .select([
      'id',
      'status',
      'occurred_at',
      'reported_offer_id',
      'amount_minor',
      'currency',
      'refunded_minor',
      'decision',
      'click_id',
    ])
    .where('workspace_id', '=', workspaceId)
    .$call((q) =>
      'ids' in scope
        ? q.where('id', 'in', scope.ids)
        : q.where('occurred_at', '>=', scope.startMs).where('occurred_at', '<', scope.endMs),
    )
    .where('is_test', '=', 0)
    .execute();
  if (!rows.length) return [];
  const commissions = await db
    .selectFrom('commissions as m')
    .innerJoin('conversions as c', 'c.id', 'm.conversion_id')
    .select(['m.conversion_id', 'm.offer_id', 'm.member_id', 'm.status', 'm.amount_minor', 'm.currency'])
    .where('c.workspace_id', '=', workspaceId)
    .$call((q) =>
      'ids' in scope
        ? q.where('c.id', 'in', scope.ids)
        : q.where('c.occurred_at', '>=', scope.startMs).where('c.occurred_at', '<', scope.endMs),
    )
    .where('c.is_test', '=', 0)
    .execute();
  const byConversion = new Map<string, ReportCommission[]>();
  for (const m of commissions) {
    const list = byConversion.get(m.conversion_id) ?? [];
    list.push({
      offerId: m.offer_id,
      memberId: m.member_id,
      status: m.status,
      amountMinor: Number(m.amount_minor),
      currency: m.currency,
    });
    byConversion.set(m.conversion_id, list);
  }
  return rows.map((r) => ({
    id: r.id,
    occurredAt: Number(r.occurred_at),
    clickId: r.click_id,
    status: r.status,
    isTest: false,
    reportedOfferId: r.reported_offer_id,
    amountMinor: r.amount_minor === null ? null : Number(r.amount_minor),
    currency: r.currency,
    refundedMinor: Number(r.refunded_minor),
    decision: JSON.parse(r.decision) as ReportConversion['decision'],
    commissions: byConversion.get(r.id) ?? [],
  }));
}

/** A workspace's non-test conversions in [startMs, endMs), with their commissions. */
export function conversionsBetween(
  db: Db,
  workspaceId: string,
  startMs: number,
  endMs: number,
): Promise<ConversionForReport[]> {
  return conversionsFor(db, workspaceId, { startMs, endMs });
}

/** The workspace's non-test conversions among `ids`, with their commissions (a test or deleted one is absent). */
export async function conversionsByIds(
  db: Db,
  workspaceId: string,
  ids: readonly string[],
): Promise<ConversionForReport[]> {
  const out: ConversionForReport[] = [];
  for (const chunk of chunks(ids, 500)) out.push(...(await conversionsFor(db, workspaceId, { ids: chunk })));
  return out;
}

// rollup_applied.lines: one array per line, the dimensions then the measures in LINE_MEASURES order, then the sub-id
// row the line landed in when it has one (rollup_conversions_sub). Compact, since there is a row per conversion.
function encodeLines(lines: readonly CreditLine[]): string {
  return JSON.stringify(
    lines.map((l) => {
      const a: (string | number)[] = [
        l.offerId,
        l.memberId,
        l.linkId,
        l.codeId,
        l.status,
        ...LINE_MEASURES.map((m) => l[m]),
      ];
      if (l.subId) a.push(l.subId);
      return a;
    }),
  );
}

function decodeLines(text: string): CreditLine[] {
  return (JSON.parse(text) as (string | number)[][]).map((a) => {
    const line = { offerId: a[0], memberId: a[1], linkId: a[2], codeId: a[3], status: a[4] } as CreditLine;
    LINE_MEASURES.forEach((m, i) => {
      line[m] = a[5 + i] as number;
    });
    const sub = a[5 + LINE_MEASURES.length];
    if (typeof sub === 'string') line.subId = sub;
    return line;
  });
}

/** The sub-id (sub1, '' for none) of each of these clicks that is written; a click still in a buffer is absent. */
export async function clickSubIds(db: Db, clickIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const chunk of chunks(clickIds, 1_000)) {
    // Bounded by the ids' times (core/click-id): on PostgreSQL only the months they were made in are read (ADR 0012).
    const made = chunk.map((id) => parseClickId(id)?.createdAt);
    const times = made.filter((t): t is number => t !== undefined);
    const rows = await db
      .selectFrom('clicks')
      .select(['id', 'sub1'])
      .where('id', 'in', chunk)
      .$if(times.length === made.length, (q) =>
        q
          .where('created_at', '>=', Math.min(...times) - CLICK_TIME_SLACK_MS)
          .where('created_at', '<=', Math.max(...times) + CLICK_TIME_SLACK_MS),
      )
      .execute();
    for (const r of rows) out.set(r.id, r.sub1 ?? '');
  }
  return out;
}

/** Marks these conversions to be applied again by the next round (as the conversions' triggers do on a change). */
export async function markDirty(db: Db, workspaceId: string, conversionIds: readonly string[]): Promise<void> {
  for (const chunk of chunks(conversionIds, 1_000)) {
    await db
      .insertInto('rollup_dirty')
      .values(chunk.map((id) => ({ workspace_id: workspaceId, conversion_id: id })))
      .execute();
  }
}

/** A link's sub-id in a map of landed rows (landSubIds). */
export const subIdKey = (linkId: string, subId: string): string => `${linkId}\u0000${subId}`;

/**
 * The sub-id row each (link, sub-id) pair lands in (core/click-rollups.ts): the value itself once the link admitted
 * it, else SUB_ID_OTHER; new values are admitted here while the link has room. An admitted value and a full link never
 * change, so both are read first without a lock; only a link with a new value and room is locked (its
 * rollup_sub_id_links row, upserted: PostgreSQL waits for another writer's admission to commit and returns its count),
 * its admitted values read again, and the new ones admitted in sorted order. Links are locked in sorted order, so two
 * writers cannot wait on each other. Returns the landed row per subIdKey(link, value), for non-empty values.
 */
export async function landSubIds(
  db: Db,
  workspaceId: string,
  pairs: readonly { linkId: string; subId: string }[],
): Promise<Map<string, string>> {
  const byLink = new Map<string, Set<string>>();
  for (const p of pairs) {
    if (!p.subId || !p.linkId) continue;
    let set = byLink.get(p.linkId);
    if (!set) byLink.set(p.linkId, (set = new Set()));
    set.add(p.subId);
  }
  const landed = new Map<string, string>();
  if (!byLink.size) return landed;
  const links = [...byLink.keys()].sort();
  const admitted = new Set<string>();
  const counts = new Map<string, number>();
  for (const chunk of chunks(links, 500)) {
    const subs = [...new Set(chunk.flatMap((l) => [...byLink.get(l)!]))];
    for (const subChunk of chunks(subs, 500)) {
      const rows = await db
        .selectFrom('rollup_sub_ids')
        .select(['link_id', 'sub_id'])
        .where('workspace_id', '=', workspaceId)
        .where('link_id', 'in', chunk)
        .where('sub_id', 'in', subChunk)
        .execute();
      for (const r of rows) admitted.add(subIdKey(r.link_id, r.sub_id));
    }
    const rows = await db
      .selectFrom('rollup_sub_id_links')
      .select(['link_id', 'admitted'])
      .where('workspace_id', '=', workspaceId)
      .where('link_id', 'in', chunk)
      .execute();
    for (const r of rows) counts.set(r.link_id, Number(r.admitted));
  }
  for (const link of links) {
    const values = [...byLink.get(link)!];
    let fresh = values.filter((v) => v !== SUB_ID_OTHER && !admitted.has(subIdKey(link, v)));
    if (fresh.length && (counts.get(link) ?? 0) < SUB_ID_CAP) {
      const locked = await db
        .insertInto('rollup_sub_id_links')
        .values({ workspace_id: workspaceId, link_id: link, admitted: 0 })
        .onConflict((oc) =>
          oc.columns(['workspace_id', 'link_id']).doUpdateSet({ admitted: sql`rollup_sub_id_links.admitted` }),
        )
        .returning('admitted')
        .executeTakeFirstOrThrow();
      for (const subChunk of chunks(fresh, 500)) {
        const rows = await db
          .selectFrom('rollup_sub_ids')
          .select('sub_id')
          .where('workspace_id', '=', workspaceId)
          .where('link_id', '=', link)
          .where('sub_id', 'in', subChunk)
          .execute();
        for (const r of rows) admitted.add(subIdKey(link, r.sub_id));
      }
      fresh = fresh.filter((v) => !admitted.has(subIdKey(link, v)));
      const admit = admitSubIds(fresh, SUB_ID_CAP - Number(locked.admitted));
      if (admit.length) {
        for (const subChunk of chunks(admit, 500))
          await db
            .insertInto('rollup_sub_ids')
            .values(subChunk.map((v) => ({ workspace_id: workspaceId, link_id: link, sub_id: v })))
            .execute();
        await db
          .updateTable('rollup_sub_id_links')
          .set({ admitted: Number(locked.admitted) + admit.length })
          .where('workspace_id', '=', workspaceId)
          .where('link_id', '=', link)
          .execute();
        for (const v of admit) admitted.add(subIdKey(link, v));
      }
    }
    for (const v of values) landed.set(subIdKey(link, v), admitted.has(subIdKey(link, v)) ? v : SUB_ID_OTHER);
  }
  return landed;
}

/**
 * A rebuild's admissions, decided again from the raw clicks: per link, its values in the order of their first tracked,
 * non-bot click (then by value), the first SUB_ID_CAP admitted. The caller has cleared the workspace's admissions.
 */
export async function rebuildSubIdAdmissions(db: Db, workspaceId: string): Promise<void> {
  const rows = await db
    .selectFrom('clicks')
    .select((eb) => ['link_id', 'sub1', eb.fn.min('created_at').as('first')])
    .where('workspace_id', '=', workspaceId)
    .where('tracked', '=', 1)
    .where('is_bot', '=', 0)
    .where('sub1', 'is not', null)
    .where('sub1', '<>', '')
    .groupBy(['link_id', 'sub1'])
    .execute();
  const byLink = new Map<string, { sub: string; first: number }[]>();
  for (const r of rows) {
    if (r.sub1 === SUB_ID_OTHER) continue;
    const list = byLink.get(r.link_id) ?? [];
    list.push({ sub: r.sub1!, first: Number(r.first) });
    byLink.set(r.link_id, list);
  }
  const admitted: { workspace_id: string; link_id: string; sub_id: string }[] = [];
  const counts: { workspace_id: string; link_id: string; admitted: number }[] = [];
  for (const [link, list] of byLink) {
    list.sort((a, b) => a.first - b.first || (a.sub < b.sub ? -1 : a.sub > b.sub ? 1 : 0));
    const kept = list.slice(0, SUB_ID_CAP);
    for (const v of kept) admitted.push({ workspace_id: workspaceId, link_id: link, sub_id: v.sub });
    counts.push({ workspace_id: workspaceId, link_id: link, admitted: kept.length });
  }
  for (const chunk of chunks(admitted, 500)) await db.insertInto('rollup_sub_ids').values(chunk).execute();
  for (const chunk of chunks(counts, 500)) await db.insertInto('rollup_sub_id_links').values(chunk).execute();
}

/** What the rollups currently hold of each of these conversions. */
export async function appliedLines(
  db: Db,
  workspaceId: string,
  conversionIds: readonly string[],
): Promise<Map<string, DayLines>> {
  const out = new Map<string, DayLines>();
  for (const chunk of chunks(conversionIds, 500)) {
    const rows = await db
      .selectFrom('rollup_applied')
      .select(['conversion_id', 'day', 'lines'])
      .where('workspace_id', '=', workspaceId)
      .where('conversion_id', 'in', chunk)
      .execute();
    for (const r of rows) out.set(r.conversion_id, { day: r.day, lines: decodeLines(r.lines) });
  }
  return out;
}

/** Records what the rollups now hold of these conversions: `applied` for those that have lines, nothing for the rest. */
export async function replaceApplied(
  db: Db,
  workspaceId: string,
  conversionIds: readonly string[],
  applied: ReadonlyMap<string, DayLines>,
): Promise<void> {
  for (const chunk of chunks(conversionIds, 500)) {
    await db
      .deleteFrom('rollup_applied')
      .where('workspace_id', '=', workspaceId)
      .where('conversion_id', 'in', chunk)
      .execute();
  }
  await insertApplied(db, workspaceId, applied);
}

async function insertApplied(db: Db, workspaceId: string, applied: ReadonlyMap<string, DayLines>): Promise<void> {
  const rows = [...applied]
    .filter(([, a]) => a.lines.length > 0)
    .map(([id, a]) => ({ workspace_id: workspaceId, conversion_id: id, day: a.day, lines: encodeLines(a.lines) }));
  for (const chunk of chunks(rows, 500)) await db.insertInto('rollup_applied').values(chunk).execute();
}

/** The rollup column of each credit-line measure: the one place the two namings meet. */
export const LINE_COLUMN = {
  orders: 'orders',
  credits: 'credits',
  unattributed: 'unattributed',
  salesMinor: 'sales_minor',
  refundsMinor: 'refunds_minor',
  commissionMinor: 'commission_minor',
  codedRevenueMinor: 'coded_revenue_minor',
  linkRevenueMinor: 'link_revenue_minor',
  codeRedemptions: 'code_redemptions',
  unconverted: 'unconverted',
} as const satisfies Record<(typeof LINE_MEASURES)[number], string>;
const ROLLUP_MEASURES = LINE_MEASURES.map((m) => LINE_COLUMN[m]);

function rollupRow(workspaceId: string, day: string, l: CreditLine): RollupConversionsTable {
  const row = {
    workspace_id: workspaceId,
    day,
    offer_id: l.offerId,
    member_id: l.memberId,
    link_id: l.linkId,
    code_id: l.codeId,
    status: l.status,
  } as RollupConversionsTable;
  for (const m of LINE_MEASURES) row[LINE_COLUMN[m]] = l[m];
  return row;
}

/**
 * The conversion rollup tables: per day; per week/month; per week/month without link, code and status, and without
 * link and status; per day without member, link and code. Each keeps the credit lines of its grain, summed over the dimensions
 * it drops.
 */
export type ConversionTier =
  'day' | 'period' | 'member-period' | 'code-period' | 'offer-day' | 'sub-day' | 'sub-period';
const ALL_DIMS = ['offer_id', 'member_id', 'link_id', 'code_id', 'status'] as const;
type Dim = (typeof ALL_DIMS)[number];
const TIERS: Record<
  ConversionTier,
  { table: string; time: 'day' | 'period'; dims: readonly Dim[]; subInCode?: boolean }
> = {
  day: { table: 'rollup_conversions', time: 'day', dims: ALL_DIMS },
  period: { table: 'rollup_conversions_period', time: 'period', dims: ALL_DIMS },
  'member-period': { table: 'rollup_conversions_member_period', time: 'period', dims: ['offer_id', 'member_id'] },
  'code-period': {
    table: 'rollup_conversions_code_period',
    time: 'period',
    dims: ['offer_id', 'member_id', 'code_id'],
  },
  'offer-day': { table: 'rollup_conversions_offer_day', time: 'day', dims: ['offer_id', 'status'] },
  // Per landed sub-id instead of code: its deltas carry the sub-id in codeId (app/rollups.ts), written to sub_id.
  'sub-day': {
    table: 'rollup_conversions_sub',
    time: 'day',
    dims: ['offer_id', 'member_id', 'link_id', 'code_id', 'status'],
    subInCode: true,
  },
  // The same per week and month, without link and status (migration 0032).
  'sub-period': {
    table: 'rollup_conversions_sub_period',
    time: 'period',
    dims: ['offer_id', 'member_id', 'code_id'],
    subInCode: true,
  },
};

/**
 * Adds the deltas to the conversion rollups of a tier (deltas keyed by day, or by week/month period, and already
 * merged over the dimensions the tier drops) — a missing row is inserted as the delta — and deletes the rows they
 * leave with no credit at all: every stored line carries at least one credit, so such a row holds nothing any more,
 * and a rebuild would not have it.
 */
export async function addConversionDeltas(
  db: Db,
  workspaceId: string,
  deltas: readonly RollupDelta[],
  tier: ConversionTier = 'day',
): Promise<void> {
  // The tables differ in their time key and dimensions; Kysely cannot type a table chosen at run time.
  const { time: timeKey, subInCode } = TIERS[tier];
  // The sub-id tier's dimension is sub_id where the others have code_id (the deltas carry it in codeId).
  const dims = (subInCode ? TIERS[tier].dims.map((d) => (d === 'code_id' ? 'sub_id' : d)) : TIERS[tier].dims) as Dim[];
  const table = TIERS[tier].table as 'rollup_conversions';
  const time = timeKey as 'day';
  const emptied: Record<string, string>[] = [];
  for (const chunk of chunks(deltas, 400)) {
    const values = chunk.map((d) => {
      const full = rollupRow(workspaceId, d.day, d) as unknown as Record<string, unknown>;
      full.sub_id = d.codeId;
      const row: Record<string, unknown> = { workspace_id: workspaceId, [time]: d.day };
      for (const k of [...dims, ...ROLLUP_MEASURES]) row[k] = full[k];
      return row as unknown as RollupConversionsTable;
    });
    const rows = await db
      .insertInto(table)
      .values(values)
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', time, ...dims])
          .doUpdateSet(
            Object.fromEntries(
              ROLLUP_MEASURES.map((m) => [m, sql`${sql.table(table)}.${sql.ref(m)} + excluded.${sql.ref(m)}`]),
            ),
          ),
      )
      .returning([time, ...dims, 'credits'])
      .execute();
    for (const r of rows) if (Number(r.credits) === 0) emptied.push(r as unknown as Record<string, string>);
  }
  for (const e of emptied) {
    let q = db
      .deleteFrom(table)
      .where('workspace_id', '=', workspaceId)
      .where(time, '=', e[time]!)
      .where('credits', '=', 0);
    for (const d of dims) q = q.where(d, '=', e[d]!);
    await q.execute();
  }
}

/** core/time-buckets periodsOfDay in SQL: "W" + the Monday on or before the day, "M" + its month. */
export function periodsOfDaySql(dialect: Dialect, day: RawBuilder<unknown>): [RawBuilder<string>, RawBuilder<string>] {
  return [dialect.weekOfDay(day), sql<string>`'M' || substr(${day}, 1, 7)`];
}

/**
 * A click tier's rows summed from its source tier's (`from`: that table, or a statement's own rows of it), in the
 * columns' order (core/click-rollups clickTierColumns): one select, or one per period (week, month) where the tier
 * is per period and its source per day.
 */
export function clickTierSums(
  dialect: Dialect,
  tier: ClickTier,
  from: RawBuilder<unknown>,
  where: RawBuilder<unknown> = sql``,
): RawBuilder<unknown>[] {
  const times = tier.time === sourceTier(tier).time ? [sql.ref(tier.time)] : periodsOfDaySql(dialect, sql.ref('day'));
  const key = tier.key.map((c) => sql.ref(c));
  return times.map((time) => {
    const items = [
      sql`workspace_id`,
      sql`${time} as ${sql.ref(tier.time)}`,
      ...key,
      ...tier.carried.map((c) => sql`min(${sql.ref(c)}) as ${sql.ref(c)}`),
      ...CLICK_MEASURES.map((m) => sql`sum(${sql.ref(m)}) as ${sql.ref(m)}`),
    ];
    return sql`select ${sql.join(items)} from ${from} ${where} group by ${sql.join([sql`workspace_id`, time, ...key])}`;
  });
}

/**
 * The coarser rollups of a workspace — weeks and months at each grain (sub-ids too), and offer days — summed
 * from its day rollups (a rebuild's last step).
 */
export async function rebuildCoarseTiers(db: Db, workspaceId: string): Promise<void> {
  for (const table of COARSE_TABLES) await db.deleteFrom(table).where('workspace_id', '=', workspaceId).execute();
  const [week, month] = periodsOfDaySql(dialectOf(db), sql.ref('day'));
  const measures = sql.join(ROLLUP_MEASURES.map((m) => sql`sum(${sql.ref(m)})`));
  for (const tier of CLICK_TIERS.slice(1)) {
    for (const select of clickTierSums(
      dialectOf(db),
      tier,
      sql.table(tier.from!),
      sql`where workspace_id = ${workspaceId}`,
    )) {
      await sql`insert into ${sql.table(tier.table)} (${sql.join(clickTierColumns(tier).map((c) => sql.ref(c)))}) ${select}`.execute(
        db,
      );
    }
  }
  for (const period of [week, month]) {
    await sql`
      insert into rollup_conversions_period (workspace_id, period, offer_id, member_id, link_id, code_id, status, ${sql.join(ROLLUP_MEASURES.map((m) => sql.ref(m)))})
      select workspace_id, ${period}, offer_id, member_id, link_id, code_id, status, ${measures}
      from rollup_conversions where workspace_id = ${workspaceId} group by workspace_id, ${period}, offer_id, member_id, link_id, code_id, status`.execute(
      db,
    );
  }
  await sql`
    insert into rollup_conversions_member_period (workspace_id, period, offer_id, member_id, ${sql.join(ROLLUP_MEASURES.map((m) => sql.ref(m)))})
    select workspace_id, period, offer_id, member_id, ${measures}
    from rollup_conversions_period where workspace_id = ${workspaceId} group by workspace_id, period, offer_id, member_id`.execute(
    db,
  );
  await sql`
    insert into rollup_conversions_code_period (workspace_id, period, offer_id, member_id, code_id, ${sql.join(ROLLUP_MEASURES.map((m) => sql.ref(m)))})
    select workspace_id, period, offer_id, member_id, code_id, ${measures}
    from rollup_conversions_period where workspace_id = ${workspaceId} group by workspace_id, period, offer_id, member_id, code_id`.execute(
    db,
  );
  // The sub-id periods sum the sub-id days, row for row by landed sub-id: a day's landing is the period's.
  for (const period of [week, month]) {
    await sql`
      insert into rollup_clicks_sub_period (workspace_id, period, offer_id, member_id, sub_id, clicks, unique_clicks)
      select workspace_id, ${period}, offer_id, member_id, sub_id, sum(clicks), sum(unique_clicks)
      from rollup_clicks_sub where workspace_id = ${workspaceId} group by workspace_id, ${period}, offer_id, member_id, sub_id`.execute(
      db,
    );
    await sql`
      insert into rollup_conversions_sub_period (workspace_id, period, offer_id, member_id, sub_id, ${sql.join(ROLLUP_MEASURES.map((m) => sql.ref(m)))})
      select workspace_id, ${period}, offer_id, member_id, sub_id, ${measures}
      from rollup_conversions_sub where workspace_id = ${workspaceId} group by workspace_id, ${period}, offer_id, member_id, sub_id`.execute(
      db,
    );
  }
  await sql`
    insert into rollup_conversions_offer_day (workspace_id, day, offer_id, status, ${sql.join(ROLLUP_MEASURES.map((m) => sql.ref(m)))})
    select workspace_id, day, offer_id, status, ${measures}
    from rollup_conversions where workspace_id = ${workspaceId} group by workspace_id, day, offer_id, status`.execute(
    db,
  );
}

const COARSE_TABLES = [
  'rollup_clicks_period',
  'rollup_conversions_period',
  'rollup_clicks_member_period',
  'rollup_conversions_member_period',
  'rollup_conversions_code_period',
  'rollup_clicks_offer_day',
  'rollup_conversions_offer_day',
  'rollup_clicks_sub_period',
  'rollup_conversions_sub_period',
] as const;

const SUB_ID_TABLES = ['rollup_sub_id_links', 'rollup_sub_ids', 'rollup_clicks_sub', 'rollup_conversions_sub'] as const;

function chunks<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Replaces one local day's conversion rollups, and what each conversion of the day contributes to them. */
export async function replaceConversionDay(
  db: Db,
  workspaceId: string,
  day: string,
  lines: CreditLine[],
  applied: ReadonlyMap<string, DayLines>,
): Promise<void> {
  await db.deleteFrom('rollup_conversions').where('workspace_id', '=', workspaceId).where('day', '=', day).execute();
  for (const chunk of chunks(lines, 500))
    await db
      .insertInto('rollup_conversions')
      .values(chunk.map((l) => rollupRow(workspaceId, day, l)))
      .execute();
  await insertApplied(db, workspaceId, applied);
}

/** Recomputes one local day's click rollups from the raw clicks of [startMs, endMs). */
export async function rebuildClickDay(
  db: Db,
  workspaceId: string,
  day: string,
  startMs: number,
  endMs: number,
): Promise<void> {
  await db.deleteFrom('rollup_clicks').where('workspace_id', '=', workspaceId).where('day', '=', day).execute();
  // The first click tier (core/click-rollups.ts), counted as the click writers count it.
  const tier = CLICK_TIERS[0]!;
  const key = tier.key.map((c) => sql.ref(c));
  await sql`
    insert into ${sql.table(tier.table)} (${sql.join(clickTierColumns(tier).map((c) => sql.ref(c)))})
    select ${sql.join([
      sql`${workspaceId}`,
      sql`${day}`,
      ...key,
      ...tier.carried.map((c) => sql`coalesce(min(${sql.ref(c)}), '')`),
      sql`count(*)`,
      sql`sum(is_unique)`,
    ])}
    from clicks
    where workspace_id = ${workspaceId} and created_at >= ${startMs} and created_at < ${endMs} and tracked = 1 and is_bot = 0
    group by ${sql.join(key)}`.execute(db);
  // And per landed sub-id (rebuildSubIdAdmissions has decided the admissions).
  await db.deleteFrom('rollup_clicks_sub').where('workspace_id', '=', workspaceId).where('day', '=', day).execute();
  await sql`
    insert into rollup_clicks_sub (workspace_id, day, link_id, sub_id, offer_id, member_id, clicks, unique_clicks)
    select ${workspaceId}, ${day}, link_id, sub_id, coalesce(min(offer_id), ''), coalesce(min(member_id), ''), count(*), sum(is_unique)
    from (
      select c.link_id, c.offer_id, c.member_id, c.is_unique,
        case when coalesce(c.sub1, '') = '' then '' when a.sub_id is not null then a.sub_id else ${SUB_ID_OTHER} end as sub_id
      from clicks c
      left join rollup_sub_ids a on a.workspace_id = c.workspace_id and a.link_id = c.link_id and a.sub_id = c.sub1
      where c.workspace_id = ${workspaceId} and c.created_at >= ${startMs} and c.created_at < ${endMs}
        and c.tracked = 1 and c.is_bot = 0
    ) landed
    group by link_id, sub_id`.execute(db);
}

/** The first and last local days of a workspace's rollups (its offer days: a row there for every day with any). */
export async function rollupSpan(db: Db, workspaceId: string): Promise<DataSpan | null> {
  const spans = await Promise.all(
    (['rollup_clicks_offer_day', 'rollup_conversions_offer_day'] as const).map((t) =>
      db
        .selectFrom(t)
        .select((eb) => [eb.fn.min('day').as('first'), eb.fn.max('day').as('last')])
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst(),
    ),
  );
  const firsts = spans.map((s) => s?.first).filter((d): d is string => !!d);
  const lasts = spans.map((s) => s?.last).filter((d): d is string => !!d);
  return firsts.length ? { first: firsts.sort()[0]!, last: lasts.sort().at(-1)! } : null;
}

/** The first and last instants of a workspace's clicks and non-test conversions; null when it has none. */
export async function activitySpan(db: Db, workspaceId: string): Promise<{ fromMs: number; toMs: number } | null> {
  const c = await db
    .selectFrom('clicks')
    .select((eb) => [eb.fn.min('created_at').as('lo'), eb.fn.max('created_at').as('hi')])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  const v = await db
    .selectFrom('conversions')
    .select((eb) => [eb.fn.min('occurred_at').as('lo'), eb.fn.max('occurred_at').as('hi')])
    .where('workspace_id', '=', workspaceId)
    .where('is_test', '=', 0)
    .executeTakeFirst();
  const los = [c?.lo, v?.lo].filter((x) => x !== null && x !== undefined).map(Number);
  const his = [c?.hi, v?.hi].filter((x) => x !== null && x !== undefined).map(Number);
  return los.length ? { fromMs: Math.min(...los), toMs: Math.max(...his) } : null;
}

export async function clearWorkspaceRollups(db: Db, workspaceId: string): Promise<void> {
  await db.deleteFrom('rollup_clicks').where('workspace_id', '=', workspaceId).execute();
  await db.deleteFrom('rollup_conversions').where('workspace_id', '=', workspaceId).execute();
  await db.deleteFrom('rollup_applied').where('workspace_id', '=', workspaceId).execute();
  for (const table of COARSE_TABLES) await db.deleteFrom(table).where('workspace_id', '=', workspaceId).execute();
  for (const table of SUB_ID_TABLES) await db.deleteFrom(table).where('workspace_id', '=', workspaceId).execute();
  await db.deleteFrom('rollup_dirty').where('workspace_id', '=', workspaceId).execute();
}

export async function setRollupZone(db: Db, workspaceId: string, timeZone: string): Promise<void> {
  // A new generation: click rollup deltas a writer still holds from before were counted by this rebuild.
  await db
    .updateTable('workspaces')
    .set((eb) => ({ rollup_timezone: timeZone, rollup_generation: eb('rollup_generation', '+', 1) }))
    .where('id', '=', workspaceId)
    .execute();
}
