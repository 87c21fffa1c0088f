// Report reads (SPEC §5, ADR 0006): the sums of a report from the rollups or the raw clicks, and what its rows need
// besides (codes, reach, names). Which source answers, and what the sums become, is decided in app/reports.ts and
// core/report-rows.ts; the rollup tables themselves are written by db/rollups.ts.
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { LINE_MEASURES } from '../core/report-facts.js';
import type { ReportGroupBy } from '../core/report-metrics.js';
import {
  clickMembers,
  clickOffers,
  noClicks,
  rollupSums,
  type RawClickRow,
  type ReportCode,
  type ReportGroup,
  type ReportScope,
  type RollupLineRow,
  type Sums,
} from '../core/report-rows.js';
import { bucketRange, coverRange, type CoverTerm } from '../core/time-buckets.js';
import { idBatches, namesById, type NamedTable } from './names.js';
import { LINE_COLUMN, rollupSpan } from './rollups.js';
import type { Database } from './schema.js';

type Db = Kysely<Database> | Transaction<Database>;

/** The offer and member of a workspace's promo code (member '' for a generic code); null when there is no such code. */
export async function codeOwner(
  db: Db,
  workspaceId: string,
  codeId: string,
): Promise<{ offerId: string; memberId: string } | null> {
  const row = await db
    .selectFrom('promo_codes')
    .select(['offer_id', 'member_id'])
    .where('workspace_id', '=', workspaceId)
    .where('id', '=', codeId)
    .executeTakeFirst();
  return row ? { offerId: row.offer_id, memberId: row.member_id ?? '' } : null;
}

function isPeriodKey(key: string): boolean {
  return key.startsWith('W') || key.startsWith('M');
}

const ROLLUP_CLICK_KEY: Record<ReportGroup, string | null> = {
  offer: 'offer_id',
  member: 'member_id',
  link: 'link_id',
  day: 'day',
  week: 'day',
  code: null,
  sub_id: null,
  none: null,
};
const ROLLUP_LINE_KEY: Record<ReportGroup, string | null> = {
  offer: 'offer_id',
  member: 'member_id',
  link: 'link_id',
  day: 'day',
  week: 'day',
  code: 'code_id',
  sub_id: null,
  none: null,
};

/**
 * `select <key> as key, <columns>` from a day table and its period table over the report's range, as one row source:
 * the day rows of the range when `cover` is null, else the cover's days and periods (each part's columns multiplied by
 * its keys' weight); null when the range holds no data.
 */
function rangeSource(
  s: ReportScope,
  cover: CoverTerm[] | null,
  tables: [day: string, period?: string],
  key: RawBuilder<string>,
  columns: readonly string[],
  filters: RawBuilder<unknown>[],
): RawBuilder<unknown> | null {
  const where = sql.join([sql`workspace_id = ${s.workspaceId}`, ...filters], sql` and `);
  const weighted = (w: number) =>
    sql.join(columns.map((c) => (w === 1 ? sql.ref(c) : sql`${sql.ref(c)} * ${sql.lit(w)} as ${sql.ref(c)}`)));
  const parts: RawBuilder<unknown>[] = [];
  if (!cover)
    parts.push(
      sql`select ${key} as key, ${weighted(1)} from ${sql.table(tables[0])} where ${where} and day >= ${s.from} and day <= ${s.to}`,
    );
  else {
    for (const w of new Set(cover.map((t) => t.weight))) {
      const days = cover.filter((t) => t.weight === w && !isPeriodKey(t.key)).map((t) => t.key);
      const periods = cover.filter((t) => t.weight === w && isPeriodKey(t.key)).map((t) => t.key);
      if (days.length)
        parts.push(
          sql`select ${key} as key, ${weighted(w)} from ${sql.table(tables[0])} where ${where} and day in (${sql.join(days)})`,
        );
      if (periods.length)
        parts.push(
          sql`select ${key} as key, ${weighted(w)} from ${sql.table(tables[1]!)} where ${where} and period in (${sql.join(periods)})`,
        );
    }
  }
  return parts.length ? sql.join(parts, sql` union all `) : null;
}

/**
 * A report's sums from the rollups, read from the coarsest tier that answers it (ADR 0006). One that needs nothing
 * finer than offer and status reads the offer days of the range. Otherwise, by day or week it reads the day rollups
 * of the range; by anything else it reads a weighted cover of the range — whole months and weeks (the period rollups)
 * and single days, some subtracted — so a long range reads a fraction of the rows ("Weeks and months").
 */
export async function readRollupSums(db: Db, s: ReportScope, group: ReportGroup): Promise<Sums> {
  const { q, workspaceId } = s;
  const offerGrain =
    (group === 'offer' || group === 'day' || group === 'week' || group === 'none') &&
    !q.memberId &&
    !q.linkId &&
    !q.codeId;
  const cover =
    offerGrain || group === 'day' || group === 'week'
      ? null
      : coverRange(s.from, s.to, await rollupSpan(db, workspaceId));
  const source = (
    tables: [day: string, period?: string],
    key: RawBuilder<string>,
    columns: readonly string[],
    filters: RawBuilder<unknown>[],
  ) => rangeSource(s, cover, tables, key, columns, filters);

  const clickFilters: RawBuilder<unknown>[] = [
    ...clickOffers(s).map((id) => sql`offer_id = ${id}`),
    ...clickMembers(s).map((id) => sql`member_id = ${id}`),
    ...(q.linkId ? [sql`link_id = ${q.linkId}`] : []),
  ];
  // Periods without link, code and status (or link and status) hold a third to half of the rows; they answer whatever
  // does not need those.
  const clicksByLink = group === 'link' || !!q.linkId;
  const linesByLinkOrCode = group === 'link' || group === 'code' || !!q.linkId || !!q.codeId;
  const lineTier =
    group === 'link' || !!q.linkId || !!q.status
      ? 'rollup_conversions_period'
      : linesByLinkOrCode
        ? 'rollup_conversions_code_period'
        : 'rollup_conversions_member_period';
  // By code, clicks are only the totals' (clicks belong to links): one sum.
  const clickKey = ROLLUP_CLICK_KEY[group] ? sql.ref<string>(ROLLUP_CLICK_KEY[group]!) : sql<string>`''`;
  const clickSource = noClicks(s)
    ? null
    : source(
        offerGrain
          ? ['rollup_clicks_offer_day']
          : ['rollup_clicks', clicksByLink ? 'rollup_clicks_period' : 'rollup_clicks_member_period'],
        clickKey,
        ['clicks', 'unique_clicks'],
        clickFilters,
      );
  // Started now, awaited after the conversion sums: on PostgreSQL the two run on separate connections at once.
  const clickQuery = !clickSource
    ? null
    : sql<{ key: string; clicks: number; unique_clicks: number }>`
    select key, sum(clicks) as clicks, sum(unique_clicks) as unique_clicks from (${clickSource}) r group by key`.execute(
        db,
      );
  clickQuery?.catch(() => {}); // awaited below; a rejection before then is not unhandled

  // By code across members, the lines without a code are half the code periods' rows, one per member and period, all
  // summed into the one "(no code)" row: that row is the offer days' total minus the coded rows instead.
  const uncodedByDifference = group === 'code' && !q.memberId && !q.linkId && !q.codeId && !q.status;
  const lineFilters: RawBuilder<unknown>[] = [
    ...(q.offerId ? [sql`offer_id = ${q.offerId}`] : []),
    ...(q.memberId ? [sql`member_id = ${q.memberId}`] : []),
    ...(q.linkId ? [sql`link_id = ${q.linkId}`] : []),
    ...(q.codeId ? [sql`code_id = ${q.codeId}`] : []),
    ...(q.status ? [sql`status = ${q.status}`] : []),
    ...(uncodedByDifference ? [sql`code_id <> ''`] : []),
  ];
  const lineKey = ROLLUP_LINE_KEY[group] ? sql.ref<string>(ROLLUP_LINE_KEY[group]!) : sql<string>`''`;
  const sums = sql.join(LINE_MEASURES.map((m) => sql`sum(${sql.ref(LINE_COLUMN[m])}) as ${sql.ref(m)}`));
  const lineSource = source(
    offerGrain ? ['rollup_conversions_offer_day'] : ['rollup_conversions', lineTier],
    lineKey,
    LINE_MEASURES.map((m) => LINE_COLUMN[m]),
    lineFilters,
  );
  const lineRows = !lineSource
    ? []
    : (
        await sql<RollupLineRow>`
    select key, ${sums} from (${lineSource}) r group by key`.execute(db)
      ).rows;
  if (uncodedByDifference) {
    const [all] = (
      await sql<Record<string, unknown>>`
      select ${sums} from rollup_conversions_offer_day
      where workspace_id = ${workspaceId} and day >= ${s.from} and day <= ${s.to}${q.offerId ? sql` and offer_id = ${q.offerId}` : sql``}`.execute(
        db,
      )
    ).rows;
    const uncoded: RollupLineRow = { key: '' };
    for (const m of LINE_MEASURES)
      uncoded[m] = Number(all?.[m] ?? 0) - lineRows.reduce((a, r) => a + Number(r[m] ?? 0), 0);
    lineRows.push(uncoded);
  }

  const clickRows = clickQuery ? (await clickQuery).rows : [];
  return rollupSums(group, clickRows, lineRows);
}

/**
 * A report by sub-id from the sub-id rollups (ADR 0006, "Sub-ids"), per landed sub-id (a capped link's further values
 * are one SUB_ID_OTHER key). Filters: offer, member, link, status (not a code: those lines have no code here;
 * app/reports.ts reads raw rows for that). Without a link or status filter it reads a weighted cover of the range —
 * whole months and weeks of the sub-id periods (no link, no status) and single days — as the other reports do; with
 * one, the day rows of the range.
 */
export async function readSubIdSums(db: Db, s: ReportScope): Promise<Sums> {
  const { q } = s;
  const cover = q.linkId || q.status ? null : coverRange(s.from, s.to, await rollupSpan(db, s.workspaceId));
  const filters = [
    ...(q.offerId ? [sql`offer_id = ${q.offerId}`] : []),
    ...(q.memberId ? [sql`member_id = ${q.memberId}`] : []),
    ...(q.linkId ? [sql`link_id = ${q.linkId}`] : []),
  ];
  const key = sql.ref<string>('sub_id');
  const clickSource = rangeSource(
    s,
    cover,
    ['rollup_clicks_sub', 'rollup_clicks_sub_period'],
    key,
    ['clicks', 'unique_clicks'],
    filters,
  );
  // Started now, awaited after the conversion sums: on PostgreSQL the two run on separate connections at once.
  const clickQuery = !clickSource
    ? null
    : sql<{ key: string; clicks: number; unique_clicks: number }>`
    select key, sum(clicks) as clicks, sum(unique_clicks) as unique_clicks from (${clickSource}) r group by key`.execute(
        db,
      );
  clickQuery?.catch(() => {}); // awaited below; a rejection before then is not unhandled
  const sums = sql.join(LINE_MEASURES.map((m) => sql`sum(${sql.ref(LINE_COLUMN[m])}) as ${sql.ref(m)}`));
  const lineSource = rangeSource(
    s,
    cover,
    ['rollup_conversions_sub', 'rollup_conversions_sub_period'],
    key,
    LINE_MEASURES.map((m) => LINE_COLUMN[m]),
    [...filters, ...(q.status ? [sql`status = ${q.status}`] : [])],
  );
  const lineRows = !lineSource
    ? []
    : (await sql<RollupLineRow>`select key, ${sums} from (${lineSource}) r group by key`.execute(db)).rows;
  return rollupSums('sub_id', clickQuery ? (await clickQuery).rows : [], lineRows);
}

/**
 * The raw clicks of a report (tracked, not bots), counted by the database per local day — each day's [start, end)
 * in the report's zone — and per offer, link, member and sub-id.
 */
export async function readRawClicks(db: Db, s: ReportScope): Promise<RawClickRow[]> {
  const { q } = s;
  const clickRows: RawClickRow[] = [];
  for (const b of noClicks(s) ? [] : bucketRange(s.from, s.to, s.tz, 'day')) {
    let c = db
      .selectFrom('clicks')
      .select((eb) => [
        'offer_id',
        'link_id',
        sql<string>`coalesce(member_id, '')`.as('member_id'),
        sql<string>`coalesce(sub1, '')`.as('sub1'),
        eb.fn.countAll<number>().as('clicks'),
        eb.fn.sum<number>('is_unique').as('unique_clicks'),
      ])
      .where('workspace_id', '=', s.workspaceId)
      .where('created_at', '>=', b.startMs)
      .where('created_at', '<', b.endMs)
      .where('tracked', '=', 1)
      .where('is_bot', '=', 0)
      .groupBy(['offer_id', 'link_id', 'member_id', 'sub1']);
    for (const offerId of clickOffers(s)) c = c.where('offer_id', '=', offerId);
    for (const memberId of clickMembers(s)) c = c.where('member_id', '=', memberId);
    if (q.linkId) c = c.where('link_id', '=', q.linkId);
    for (const r of await c.execute()) {
      clickRows.push({ ...r, day: b.key, clicks: Number(r.clicks), unique_clicks: Number(r.unique_clicks ?? 0) });
    }
  }
  return clickRows;
}

/** The promo codes a report by code may list (those of the offer, member and code filtered on), with their member's reach. */
export async function readReportCodes(db: Db, s: ReportScope): Promise<ReportCode[]> {
  let codes = db
    .selectFrom('promo_codes as c')
    .leftJoin('members as m', 'm.id', 'c.member_id')
    .select(['c.id', 'c.code', 'c.offer_id', 'c.member_id', 'm.reach'])
    .where('c.workspace_id', '=', s.workspaceId);
  if (s.q.offerId) codes = codes.where('c.offer_id', '=', s.q.offerId);
  if (s.q.memberId) codes = codes.where('c.member_id', '=', s.q.memberId);
  if (s.q.codeId) codes = codes.where('c.id', '=', s.q.codeId);
  return (await codes.execute()).map((c) => ({
    id: c.id,
    code: c.code,
    offerId: c.offer_id,
    memberId: c.member_id,
    reach: c.reach === null || c.reach === undefined ? null : Number(c.reach),
  }));
}

/** The reach of these members (null when unknown); with hundreds of ids, of every member of the workspace. */
export async function memberReach(db: Db, workspaceId: string, ids: string[]): Promise<Map<string, number | null>> {
  const m = new Map<string, number | null>();
  for (const chunk of idBatches(ids)) {
    let q = db.selectFrom('members').select(['id', 'reach']).where('workspace_id', '=', workspaceId);
    if (chunk) q = q.where('id', 'in', chunk);
    for (const r of await q.execute()) m.set(r.id, r.reach === null ? null : Number(r.reach));
  }
  return m;
}

/** The reach (null when unknown) of each member of each of these offers, per offer. */
export async function offerMemberReaches(
  db: Db,
  workspaceId: string,
  offerIds: string[],
): Promise<Map<string, (number | null)[]>> {
  const rows = offerIds.length
    ? await db
        .selectFrom('offer_members as om')
        .innerJoin('members as m', 'm.id', 'om.member_id')
        .select(['om.offer_id', 'm.reach'])
        .where('om.workspace_id', '=', workspaceId)
        .where('om.offer_id', 'in', offerIds)
        .execute()
    : [];
  const by = new Map<string, (number | null)[]>();
  for (const r of rows) by.set(r.offer_id, [...(by.get(r.offer_id) ?? []), r.reach === null ? null : Number(r.reach)]);
  return by;
}

/** The member of each of these links (null for a generic link). */
export async function linkMembers(
  db: Db,
  workspaceId: string,
  linkIds: string[],
): Promise<{ id: string; member_id: string | null }[]> {
  return linkIds.length
    ? db
        .selectFrom('links')
        .select(['id', 'member_id'])
        .where('workspace_id', '=', workspaceId)
        .where('id', 'in', linkIds)
        .execute()
    : [];
}

/** The reach of all the workspace's members with a known one; null when none has one. */
export async function workspaceReach(db: Db, workspaceId: string): Promise<number | null> {
  const all = await db
    .selectFrom('members')
    .select((eb) => [eb.fn.sum<number>('reach').as('reach'), eb.fn.count<number>('reach').as('known')])
    .where('workspace_id', '=', workspaceId)
    .executeTakeFirst();
  return Number(all?.known ?? 0) > 0 ? Number(all!.reach) : null;
}

const NAMED_BY: Partial<Record<ReportGroupBy, NamedTable>> = {
  offer: 'offers',
  member: 'members',
  code: 'promo_codes',
  link: 'links',
};

/** The names of the offers, members, codes (their text) or links (their path) of these ids, by the grouping. */
export async function reportNames(
  db: Db,
  workspaceId: string,
  group: ReportGroupBy,
  ids: string[],
): Promise<Map<string, string>> {
  const table = NAMED_BY[group];
  if (!table) return new Map();
  const names = await namesById(db, workspaceId, table, ids);
  return group === 'link' ? new Map([...names].map(([id, slug]) => [id, `/${slug}`])) : names;
}
